//! The commands a load run sends: `register_party` by the operator, each with a fresh
//! UUIDv7 party id, a unique code and a unique nonce, so every one is valid on any log.
//!
//! All signing happens here, before any timing starts; the request bodies are serialized
//! once so that the send loop only copies bytes. Nothing here talks to the network.

use std::{fs, path::Path};

use anyhow::{anyhow, Context as _};
use rand::{distributions::Alphanumeric, Rng};
use serde_json::{json, Value};
use truce_core::Timestamp;
use truce_ledger::{command_signing_bytes, sign_command, SecretKey, Signature};

/// The operator account of a data directory: it may register parties at any time.
pub struct Operator {
    pub account_id: String,
    pub key: SecretKey,
}

/// A signed command kept for the verification yardstick.
pub struct SignatureSample {
    pub command: Value,
    /// `"truce/command/v1\n" || JCS(command)`: the bytes the signature covers.
    pub message: Vec<u8>,
    pub signature: Signature,
}

pub struct Presigned {
    /// `POST /api/v1/commands` bodies, in the order they are to be sent.
    pub bodies: Vec<Vec<u8>>,
    pub samples: Vec<SignatureSample>,
}

impl Operator {
    /// Reads the operator account id from `truce.json` and its key from `operator.key`.
    ///
    /// # Errors
    /// A file is missing or does not parse.
    pub fn read(data: &Path) -> anyhow::Result<Operator> {
        let config_path = data.join("truce.json");
        let config_text =
            fs::read_to_string(&config_path).with_context(|| format!("reading {}", config_path.display()))?;
        let config: Value =
            serde_json::from_str(&config_text).with_context(|| format!("{} is not JSON", config_path.display()))?;
        let account_id = config["operator_account_id"]
            .as_str()
            .ok_or_else(|| anyhow!("{} has no operator_account_id", config_path.display()))?
            .to_owned();
        let key_path = data.join("operator.key");
        let key_text = fs::read_to_string(&key_path).with_context(|| format!("reading {}", key_path.display()))?;
        let key = SecretKey::read_key_file(&key_text, None)
            .map_err(|err| anyhow!("{} is not a truce key file: {err}", key_path.display()))?;
        Ok(Operator { account_id, key })
    }
}

/// A `register_party` command by `author` for a new party of `code` (a fresh UUIDv7 id), valid
/// on any log where `code` and `nonce` are new.
pub fn register_party(author: &str, issued_at: &str, nonce: &str, code: &str) -> Value {
    json!({
        "party": null,
        "author": author,
        "issued_at": issued_at,
        "nonce": nonce,
        "body": {
            "type": "register_party",
            "party_id": uuid::Uuid::now_v7().to_string(),
            "code": code,
            "name": format!("Load test party {code}"),
            "kind": "state",
        },
    })
}

/// Signs `count` commands, keeping the first `samples_count` for the yardstick.
///
/// # Errors
/// A command cannot be canonicalized (it always can: it is plain JSON).
pub fn presign(operator: &Operator, count: usize, samples_count: usize) -> anyhow::Result<Presigned> {
    // A tag per run keeps codes and nonces unique on a log that earlier runs wrote to.
    let run_tag: String = rand::thread_rng().sample_iter(&Alphanumeric).take(6).map(char::from).collect();
    let issued_at = Timestamp::from_datetime(chrono::Utc::now()).to_string();
    let signer = operator.key.public_key().to_base64();
    let mut bodies = Vec::with_capacity(count);
    let mut samples = Vec::with_capacity(samples_count.min(count));
    for command_idx in 0..count {
        let nonce = format!("load-{run_tag}-{command_idx:010}");
        let command = register_party(&operator.account_id, &issued_at, &nonce, &format!("L{run_tag}{command_idx}"));
        let signature = sign_command(&operator.key, &command).map_err(|err| anyhow!("signing: {err}"))?;
        let body = json!({ "command": command, "signer": signer, "signature": signature.to_base64() });
        bodies.push(serde_json::to_vec(&body)?);
        if samples.len() < samples_count {
            let message = command_signing_bytes(&command).map_err(|err| anyhow!("canonicalizing: {err}"))?;
            samples.push(SignatureSample { command, message, signature });
        }
    }
    Ok(Presigned { bodies, samples })
}
