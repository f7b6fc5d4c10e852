//! Signing commands and sending them to a truce server, as any client would.

use std::{
    path::{Path, PathBuf},
    sync::OnceLock,
    time::{Duration, Instant},
};

use anyhow::{anyhow, bail, Context as _};
use rand::RngCore;
use serde_json::{json, Value};
use truce_core::{AccountId, PartyId, Timestamp};
use truce_ledger::{sign_command, SecretKey};
use truce_store::Clock;

use crate::{
    datadir,
    ids::{fill_missing_ids, Filled},
};

/// Seconds to wait for a reply before giving up.
pub const REQUEST_TIMEOUT_S: u64 = 30;
/// Seconds, in all, that one command waits for a server that asks to slow down.
pub const SLOW_DOWN_WAIT_S_MAX: u64 = 120;
/// Commands sent in one batch at the most: the server's bound (`truce_store::CHAIN_LEN_MAX`).
pub const BATCH_COMMANDS_MAX: usize = truce_store::CHAIN_LEN_MAX;
/// A batch's commands' JSON text at the most, well under the server's request body limit
/// (1 MiB); a single command larger than this goes alone.
pub const BATCH_BYTES_MAX: usize = 768 * 1024;

/// Who signs: a key, the account it is registered to, and the party the account speaks for.
#[derive(Clone)]
pub struct Signer {
    pub key: SecretKey,
    pub author: AccountId,
    pub party: Option<PartyId>,
}

impl Signer {
    /// The signer of `--key`, `--author` and `--party`.
    pub fn read(key: &Path, author: &str, party: Option<&str>) -> anyhow::Result<Signer> {
        Ok(Signer {
            key: datadir::read_secret_key(key)?,
            author: AccountId::parse(author).map_err(|err| anyhow!("--author: {err}"))?,
            party: party.map(PartyId::parse).transpose().map_err(|err| anyhow!("--party: {err}"))?,
        })
    }
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

/// The command to sign for what a file holds: a whole command (with a `body`) as it is, or
/// a command body (with a `type`) with the signer's author and party, `issued_at` from
/// `clock` and a fresh nonce. Either way, the ids of records the body creates are filled in
/// where missing (see `ids`); the ids filled in are returned.
pub fn command_from(value: Value, signer: &Signer, clock: &dyn Clock) -> anyhow::Result<(Value, Vec<Filled>)> {
    match value {
        Value::Object(mut command) if command.contains_key("body") => {
            let filled = command.get_mut("body").map(fill_missing_ids).unwrap_or_default();
            Ok((Value::Object(command), filled))
        }
        mut body if body.get("type").is_some() => {
            let filled = fill_missing_ids(&mut body);
            Ok((command(signer, body, clock.now()), filled))
        }
        _ => bail!(NOT_A_COMMAND),
    }
}

/// Why a value is not something `command_from` takes.
pub const NOT_A_COMMAND: &str = "neither a command body (with a \"type\") nor a whole command (with a \"body\")";

/// Whether `command_from` takes `value`.
pub fn holds_command(value: &Value) -> bool {
    value.get("body").is_some() || value.get("type").is_some()
}

/// The commands of a file accepted so far: how many, and the seq of the last.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub accepted: usize,
    pub last_seq: Option<u64>,
}

impl Tally {
    pub fn add(&mut self, receipt: &Value) {
        self.accepted += 1;
        self.last_seq = receipt["seq"].as_u64().or(self.last_seq);
    }

    /// What was accepted before a refusal, for its message.
    pub fn before_refusal(&self) -> String {
        match (self.accepted, self.last_seq) {
            (0, _) => "nothing before it was accepted".to_owned(),
            (1, Some(seq)) => format!("1 command before it was accepted, as seq {seq}"),
            (accepted, Some(seq)) => format!("{accepted} commands before it were accepted, the last as seq {seq}"),
            (accepted, None) => format!("{accepted} commands before it were accepted"),
        }
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = if self.accepted == 1 { "" } else { "s" };
        write!(f, "accepted {} command{plural}", self.accepted)?;
        match self.last_seq {
            Some(seq) => write!(f, ", last seq {seq}"),
            None => Ok(()),
        }
    }
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

/// A certificate authority (PEM) that `https://` servers may also be signed by, beside the
/// web's roots: `--ca-cert`, for a server with a self-signed or private certificate.
static EXTRA_CA: OnceLock<PathBuf> = OnceLock::new();

/// Trusts the certificates in the PEM file at `path` for every client made from now on.
pub fn trust_ca(path: PathBuf) {
    let _ = EXTRA_CA.set(path);
}

impl Client {
    /// A client of the server at `base_url`, `http://` or `https://` (rustls, the web's roots
    /// and the `--ca-cert` authority).
    pub fn new(base_url: &str) -> anyhow::Result<Client> {
        let mut builder = reqwest::blocking::Client::builder().timeout(Duration::from_secs(REQUEST_TIMEOUT_S));
        if let Some(path) = EXTRA_CA.get() {
            let pem = std::fs::read(path).with_context(|| format!("--ca-cert {}", path.display()))?;
            for certificate in reqwest::Certificate::from_pem_bundle(&pem)
                .with_context(|| format!("--ca-cert {}: not PEM certificates", path.display()))?
            {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let http = builder.build()?;
        Ok(Client { base_url: base_url.trim_end_matches('/').to_owned(), http })
    }

    /// Posts a signed command; a refusal becomes an error carrying the problem's title,
    /// detail, type and field. A server that asks to slow down is waited for, as
    /// `submit_or_refused` says.
    pub fn submit(&self, signed: &Value) -> anyhow::Result<Value> {
        match self.submit_or_refused(signed)? {
            Ok(receipt) => Ok(receipt),
            Err(refused) => bail!("the server refused the command: {refused}"),
        }
    }

    /// Posts a signed command: its receipt, or the server's refusal (its problem) for a
    /// caller that tells refusals apart. A server that asks to slow down (429, or 503 `busy`:
    /// its writer's queue is full) gets the same command again after the `Retry-After` it
    /// gives (1 s if none), for at most `SLOW_DOWN_WAIT_S_MAX` in all: a refused command used
    /// no nonce, so sending it again is safe.
    ///
    /// # Errors
    /// The server cannot be reached.
    pub fn submit_or_refused(&self, signed: &Value) -> anyhow::Result<Result<Value, Refused>> {
        let url = format!("{}/api/v1/commands", self.base_url);
        let started = Instant::now();
        loop {
            let response = self.http.post(&url).json(signed).send().map_err(|err| unreachable(&self.base_url, err))?;
            let status = response.status();
            let retry_after = retry_after_s(&response);
            let body: Value = response.json().unwrap_or(Value::Null);
            if status.is_success() {
                return Ok(Ok(body));
            }
            let slow_down = status == reqwest::StatusCode::TOO_MANY_REQUESTS
                || (status == reqwest::StatusCode::SERVICE_UNAVAILABLE && body["type"] == "/problems/busy");
            let waited_s = started.elapsed().as_secs();
            if !slow_down || waited_s + retry_after > SLOW_DOWN_WAIT_S_MAX {
                return Ok(Err(Refused { status, problem: body }));
            }
            std::thread::sleep(Duration::from_secs(retry_after.clamp(1, SLOW_DOWN_WAIT_S_MAX)));
        }
    }

    /// Posts signed commands as one batch (`POST /api/v1/commands/batch`, at most
    /// `BATCH_COMMANDS_MAX`): decided in order up to the first refused, the rest not tried.
    /// `event` hears each command's outcome, in order, as soon as its reply arrives, up to and
    /// including the first refused (the ones after it are left out); a refusal's problem names
    /// its field as for one command (`code`, not `commands[3].code`). A server that asks to
    /// slow down, for the whole batch (429), or at its first refused command (429: its
    /// author's rate, which counts every command; 503 `busy`), gets what it did not take again
    /// after a wait (the `Retry-After` it gives, 1 s if none; `event` hears of it first), for
    /// at most `SLOW_DOWN_WAIT_S_MAX` in all, as `submit_or_refused` does.
    ///
    /// # Errors
    /// The server cannot be reached, or answers with something that is not a batch's reply.
    pub fn submit_batch(&self, signed: &[Value], mut event: impl FnMut(BatchEvent)) -> anyhow::Result<()> {
        assert!(signed.len() <= BATCH_COMMANDS_MAX, "a batch of {} commands", signed.len());
        let url = format!("{}/api/v1/commands/batch", self.base_url);
        let started = Instant::now();
        let mut answered = 0;
        while answered < signed.len() {
            let rest = &signed[answered..];
            let response =
                self.http.post(&url).json(&serde_json::json!({ "commands": rest })).send().map_err(|err| match err
                    .is_connect()
                {
                    true => anyhow::Error::new(NotSent(format!("{:#}", unreachable(&self.base_url, err)))),
                    false => unreachable(&self.base_url, err),
                })?;
            let status = response.status();
            let retry_after = retry_after_s(&response);
            let body: Value = response.json().unwrap_or(Value::Null);
            let waited_s = started.elapsed().as_secs();
            let may_wait = waited_s + retry_after <= SLOW_DOWN_WAIT_S_MAX;
            let wait = |event: &mut dyn FnMut(BatchEvent), index: usize| {
                let seconds = retry_after.clamp(1, SLOW_DOWN_WAIT_S_MAX);
                event(BatchEvent::Waiting { index, seconds });
                std::thread::sleep(Duration::from_secs(seconds));
            };
            if status == reqwest::StatusCode::TOO_MANY_REQUESTS && may_wait {
                wait(&mut event, answered);
                continue;
            }
            if !status.is_success() {
                bail!("the server refused the batch: {}", refusal(status, &body));
            }
            let results =
                body["results"].as_array().filter(|results| results.len() == rest.len()).ok_or_else(|| {
                    anyhow!("the server's reply to a batch of {} has no results for each: {body}", rest.len())
                })?;
            let mut slow_down = false;
            for result in results {
                if result["status"] == reqwest::StatusCode::CREATED.as_u16() {
                    event(BatchEvent::Outcome { index: answered, outcome: Ok(result["receipt"].clone()) });
                    answered += 1;
                    continue;
                }
                let problem = without_batch_index(answered, result["problem"].clone());
                let status = u16::try_from(result["status"].as_u64().unwrap_or(500))
                    .ok()
                    .and_then(|status| reqwest::StatusCode::from_u16(status).ok())
                    .unwrap_or(reqwest::StatusCode::INTERNAL_SERVER_ERROR);
                // Its account's rate counts each command of a batch (429), or the writer's
                // queue is full (503 `busy`): the rest go again after a wait.
                slow_down = status == reqwest::StatusCode::TOO_MANY_REQUESTS
                    || (status == reqwest::StatusCode::SERVICE_UNAVAILABLE && problem["type"] == "/problems/busy");
                if !slow_down || !may_wait {
                    event(BatchEvent::Outcome { index: answered, outcome: Err(Refused { status, problem }) });
                    return Ok(());
                }
                break;
            }
            if slow_down {
                wait(&mut event, answered);
            }
        }
        Ok(())
    }

    /// Posts `body` to `path`; a refusal becomes an error as for `submit`.
    pub fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.base_url);
        let response = self
            .http
            .post(&url)
            .json(body)
            .send()
            .map_err(|err| anyhow!("cannot reach the server at {}: {err}", self.base_url))?;
        let status = response.status();
        let reply: Value = response.json().unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("the server refused it: {}", refusal(status, &reply));
        }
        Ok(reply)
    }

    /// The server's own clock, from `/api/v1/status`.
    pub fn server_now(&self) -> anyhow::Result<Timestamp> {
        let status: Value = serde_json::from_str(&self.get_text("/api/v1/status")?)?;
        let now = status["now"].as_str().ok_or_else(|| anyhow!("the server's status has no `now`"))?;
        Timestamp::parse(now).map_err(|err| anyhow!("the server's `now` is not a time: {err}"))
    }

    pub fn get_text(&self, path: &str) -> anyhow::Result<String> {
        let url = format!("{}{path}", self.base_url);
        let response = self.http.get(&url).send().map_err(|err| unreachable(&self.base_url, err))?;
        if !response.status().is_success() {
            bail!("GET {path} answered {}", response.status());
        }
        Ok(response.text()?)
    }
}

/// A command the server refused, with its problem+json reply.
#[derive(Debug, Clone)]
pub struct Refused {
    pub status: reqwest::StatusCode,
    pub problem: Value,
}

impl Refused {
    /// Whether the command was refused because what it creates exists already.
    pub fn is_duplicate(&self) -> bool {
        self.problem["type"] == "/problems/duplicate"
    }

    /// Whether the command was refused for who signed it (401, 403: the key, the account,
    /// its roles or its party), which every other command of the same signer would be too.
    pub fn is_about_the_signer(&self) -> bool {
        self.status == reqwest::StatusCode::UNAUTHORIZED || self.status == reqwest::StatusCode::FORBIDDEN
    }
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&refusal(self.status, &self.problem))
    }
}

/// A request that never reached the server (no connection was made): nothing of it was
/// recorded.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NotSent(String);

/// What `Client::submit_batch` tells as it goes.
pub enum BatchEvent {
    /// What became of the command at `index` of the batch: its receipt, or why it was refused.
    Outcome { index: usize, outcome: Result<Value, Refused> },
    /// The server asked to slow down at the command at `index`; waiting `seconds` before it
    /// and the rest are sent again.
    Waiting { index: usize, seconds: u64 },
}

/// The seconds a response's `Retry-After` asks for, 1 when it gives none.
fn retry_after_s(response: &reqwest::blocking::Response) -> u64 {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok())
        .unwrap_or(1)
}

/// A problem of a batch's command at `index` with its field as one command's would be:
/// `commands[3].code` becomes `code`, and `commands[3]` alone no field.
fn without_batch_index(index: usize, mut problem: Value) -> Value {
    let prefix = format!("commands[{index}]");
    let field = problem["field"].as_str().map(|field| match field.strip_prefix(&prefix) {
        Some(rest) => rest.strip_prefix('.').unwrap_or(rest).to_owned(),
        None => field.to_owned(),
    });
    if let (Some(object), Some(field)) = (problem.as_object_mut(), field) {
        match field.is_empty() {
            true => object.remove("field"),
            false => object.insert("field".to_owned(), Value::String(field)),
        };
    }
    problem
}

/// Why a server could not be reached, with every cause (reqwest's own message stops at
/// "error sending request"; the certificate or connection error is in its sources).
fn unreachable(base_url: &str, err: reqwest::Error) -> anyhow::Error {
    let mut reason = "the request failed".to_owned();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        reason = format!("{reason}: {cause}");
        source = cause.source();
    }
    anyhow!("cannot reach the server at {base_url}: {reason}")
}

/// A problem+json reply in one line: `Title: detail (422, /problems/kind, field code)`.
fn refusal(status: reqwest::StatusCode, problem: &Value) -> String {
    let detail = problem["detail"].as_str().unwrap_or("no detail given");
    let mut about = vec![status.as_u16().to_string(), problem["type"].as_str().unwrap_or("unknown problem").to_owned()];
    if let Some(field) = problem["field"].as_str() {
        about.push(format!("field {field}"));
    }
    match problem["title"].as_str() {
        Some(title) => format!("{title}: {detail} ({})", about.join(", ")),
        None => format!("{detail} ({})", about.join(", ")),
    }
}

/// The server's clock, read once and run on from there in real time: `issued_at` must be
/// within `ISSUED_AT_SKEW_S_MAX` of the server's clock, which need not be this machine's
/// (the server's clock decides what it accepts).
pub struct ServerClock {
    at: Timestamp,
    since: Instant,
}

impl ServerClock {
    pub fn read(client: &Client) -> anyhow::Result<ServerClock> {
        Ok(ServerClock { at: client.server_now()?, since: Instant::now() })
    }
}

impl Clock for ServerClock {
    fn now(&self) -> Timestamp {
        let elapsed = chrono::Duration::from_std(self.since.elapsed()).unwrap_or_default();
        Timestamp::from_datetime(self.at.as_datetime() + elapsed)
    }
}
