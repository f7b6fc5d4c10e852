//! Signing commands and sending them to a truce server, as any client would.

use std::time::Duration;

use anyhow::{anyhow, bail};
use rand::RngCore;
use serde_json::{json, Value};
use truce_core::{AccountId, PartyId, Timestamp};
use truce_ledger::{sign_command, SecretKey};

/// Seconds to wait for a reply before giving up.
pub const REQUEST_TIMEOUT_S: u64 = 30;

/// Who signs: a key, the account it is registered to, and the party the account speaks for.
#[derive(Clone)]
pub struct Signer {
    pub key: SecretKey,
    pub author: AccountId,
    pub party: Option<PartyId>,
}

pub fn new_nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The command object to sign: the body plus who, when and a fresh nonce.
pub fn command(signer: &Signer, body: Value, issued_at: Timestamp) -> Value {
    json!({
        "party": signer.party,
        "author": signer.author,
        "issued_at": issued_at,
        "nonce": new_nonce(),
        "body": body,
    })
}

/// The request body of `POST /api/v1/commands`.
pub fn sign(signer: &Signer, command: Value) -> anyhow::Result<Value> {
    let signature =
        sign_command(&signer.key, &command).map_err(|err| anyhow!("the command cannot be signed: {err}"))?;
    Ok(json!({
        "command": command,
        "signer": signer.key.public_key().to_base64(),
        "signature": signature.to_base64(),
    }))
}

pub struct Client {
    base_url: String,
    http: reqwest::blocking::Client,
}

impl Client {
    pub fn new(base_url: &str) -> anyhow::Result<Client> {
        let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(REQUEST_TIMEOUT_S)).build()?;
        Ok(Client { base_url: base_url.trim_end_matches('/').to_owned(), http })
    }

    /// Posts a signed command; a refusal becomes an error carrying the problem's detail.
    pub fn submit(&self, signed: &Value) -> anyhow::Result<Value> {
        let url = format!("{}/api/v1/commands", self.base_url);
        let response = self
            .http
            .post(&url)
            .json(signed)
            .send()
            .map_err(|err| anyhow!("cannot reach the server at {}: {err}", self.base_url))?;
        let status = response.status();
        let body: Value = response.json().unwrap_or(Value::Null);
        if !status.is_success() {
            let detail = body["detail"].as_str().unwrap_or("no detail given");
            let kind = body["type"].as_str().unwrap_or("unknown problem");
            bail!("the server refused the command ({status}, {kind}): {detail}");
        }
        Ok(body)
    }

    /// The server's own clock, from `/api/v1/status`.
    pub fn server_now(&self) -> anyhow::Result<Timestamp> {
        let status: Value = serde_json::from_str(&self.get_text("/api/v1/status")?)?;
        let now = status["now"].as_str().ok_or_else(|| anyhow!("the server's status has no `now`"))?;
        Timestamp::parse(now).map_err(|err| anyhow!("the server's `now` is not a time: {err}"))
    }

    pub fn get_text(&self, path: &str) -> anyhow::Result<String> {
        let url = format!("{}{path}", self.base_url);
        let response =
            self.http.get(&url).send().map_err(|err| anyhow!("cannot reach the server at {}: {err}", self.base_url))?;
        if !response.status().is_success() {
            bail!("GET {path} answered {}", response.status());
        }
        Ok(response.text()?)
    }
}
