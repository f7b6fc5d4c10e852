//! Keys and sign-in from the command line: showing a key file, opening an enrolment for a
//! new key and enrolling one with its code, revoking a key, and setting a password. Each is
//! one signed request to a server, like any other client's.

use std::path::Path;

use anyhow::{anyhow, Context as _};
use rand::RngCore as _;
use serde_json::{json, Value};
use truce_core::{AccountId, Timestamp};
use truce_ledger::{enrolment_code_sha256, sign_request, PublicKey, SecretKey};
use truce_store::Clock as _;

use crate::{
    client::{self, Client, ServerClock, Signer},
    datadir,
};

/// `truce keys new`: a fresh key, written as PKCS#8 PEM, encrypted with the passphrase in
/// `TRUCE_KEY_PASSPHRASE` when `encrypt`. Returns the public key.
pub fn new_key(out: &Path, encrypt: bool) -> anyhow::Result<PublicKey> {
    let key = SecretKey::generate(&mut rand::rngs::OsRng);
    let text = match encrypt {
        true => {
            let passphrase = std::env::var(datadir::KEY_PASSPHRASE_ENV)
                .map_err(|_| anyhow!("--encrypt takes its passphrase from {}", datadir::KEY_PASSPHRASE_ENV))?;
            key.to_encrypted_pkcs8_pem(&passphrase, &mut rand::rngs::OsRng)?
        }
        false => key.to_pkcs8_pem(),
    };
    datadir::write_key_text(out, &text)?;
    Ok(key.public_key())
}

/// `truce keys show`: the public key of a key file and its fingerprint.
pub fn show(file: &Path) -> anyhow::Result<String> {
    Ok(shown(&datadir::read_secret_key(file)?))
}

fn shown(key: &SecretKey) -> String {
    let public = key.public_key();
    format!("public key:  {}\nfingerprint: {}", public.to_base64(), public.fingerprint())
}

/// Signs `body` as `signer` on the server's clock and submits it.
fn submit(server: &str, signer: &Signer, body: Value) -> anyhow::Result<Value> {
    let client = Client::new(server)?;
    let clock = ServerClock::read(&client)?;
    let command = client::command(signer, body, clock.now());
    client.submit(&client::sign(signer, command)?)
}

/// `truce account enrolment`: draws a one-time code, opens an enrolment of `account` with
/// its hash, and returns the code (shown once: the log holds only its hash).
pub fn open_enrolment(server: &str, signer: &Signer, account: &str, hours: i64) -> anyhow::Result<(String, Timestamp)> {
    let account = AccountId::parse(account).map_err(|err| anyhow!("--account: {err}"))?;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let code = hex::encode(bytes);
    let client = Client::new(server)?;
    let now = ServerClock::read(&client)?.now();
    let expires_at = Timestamp::from_datetime(now.as_datetime() + chrono::Duration::hours(hours));
    let body = json!({"type": "create_enrolment", "account_id": account, "code_sha256": enrolment_code_sha256(&code),
                      "expires_at": expires_at});
    submit(server, signer, body)?;
    Ok((code, expires_at))
}

/// `truce keys enrol`: registers the key file's key to `account` with an enrolment code,
/// signing with that key.
pub fn enrol(server: &str, key: &Path, account: &str, party: Option<&str>, code: &str) -> anyhow::Result<Value> {
    let signer = Signer::read(key, account, party)?;
    let code: String = code.chars().filter(|c| c.is_ascii_hexdigit()).collect::<String>().to_ascii_lowercase();
    submit(server, &signer, json!({"type": "enrol_key", "code": code}))
}

/// `truce account revoke-key`.
pub fn revoke_key(
    server: &str,
    signer: &Signer,
    account: &str,
    public_key: &str,
    reason: Option<&str>,
) -> anyhow::Result<Value> {
    let account = AccountId::parse(account).map_err(|err| anyhow!("--account: {err}"))?;
    let body = json!({"type": "revoke_key", "account_id": account, "public_key": public_key, "reason": reason});
    submit(server, signer, body)
}

/// `truce account password`: sets the password of the key's account, in a request signed
/// with that key.
pub fn set_password(server: &str, key: &Path, account: &str, password: &str) -> anyhow::Result<Value> {
    let key = datadir::read_secret_key(key)?;
    let account = AccountId::parse(account).map_err(|err| anyhow!("--account: {err}"))?;
    let client = Client::new(server)?;
    let issued_at = ServerClock::read(&client)?.now();
    set_password_with(&client, &key, &account, password, issued_at)
}

/// Sets `account`'s password in a request signed with `key`, issued at `issued_at`.
pub fn set_password_with(
    client: &Client,
    key: &SecretKey,
    account: &AccountId,
    password: &str,
    issued_at: Timestamp,
) -> anyhow::Result<Value> {
    let request = json!({"type": "set_password", "account_id": account, "password": password, "issued_at": issued_at});
    let signature = sign_request(key, &request).context("signing the request")?;
    let body = json!({"request": request, "signer": key.public_key().to_base64(), "signature": signature.to_base64()});
    client.post("/api/v1/password", &body)
}
