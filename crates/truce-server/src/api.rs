//! Submitting signed commands, one a request or a batch of them, and the small schema-only types
//! the DTOs share.

use std::{borrow::Cow, sync::Arc};

use axum::{
    extract::State,
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};
use truce_core::{
    Command, CommandBody, DomainError, ErrorKind, Event, ParseError, ParseFault, PublicKeyText, Timestamp, Warning,
};
use truce_ledger::{EncryptionKey, PublicKeys, Signature};
use truce_store::{Submission, SubmissionError};

use crate::{
    extract::{field_of, invalid_detail, path_field, ApiJsonText},
    i_json,
    json::Json,
    problem::{ApiError, Problem},
    AppState,
};

/// The body of `POST /api/v1/commands`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignedCommand {
    /// The command object, exactly as signed; checked to be I-JSON as it is read.
    #[schemars(with = "Command")]
    pub command: i_json::Checked,
    /// The author's Ed25519 public key, standard base64.
    #[schemars(with = "PublicKeyText")]
    pub signer: String,
    /// Ed25519 signature over `"truce/command/v1\n" || JCS(command)` (RFC 8785), standard
    /// base64.
    #[schemars(with = "SignatureText")]
    pub signature: String,
}

/// The reply to an accepted command: its place in the log and the proof of it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CommandReceipt {
    /// The entry's sequence number, which is its leaf index in the Merkle tree.
    pub seq: u64,
    /// `SHA-256(0x00 || entry)`, where `entry` is the canonical text of the entry.
    pub leaf_hash: HashHex,
    /// The server's acceptance time, part of the entry.
    pub accepted_at: Timestamp,
    /// What the command caused, as written into the entry. For a sealed entry, only this
    /// reply to its author says it: the public entry holds it encrypted.
    pub events: Vec<Event>,
    /// Whether the entry was written sealed, because the command is confidential (a
    /// humanitarian notification and what would betray it; docs/sealing.md).
    pub sealed: bool,
    /// The size of the tree that `root_hash` and `inclusion_proof` refer to.
    pub tree_size: u64,
    /// The root of the tree of `tree_size` leaves.
    pub root_hash: HashHex,
    /// The RFC 9162 inclusion proof of `leaf_hash` at `seq` in the tree of `tree_size`.
    pub inclusion_proof: Vec<HashHex>,
    /// The signed checkpoint (C2SP `tlog-checkpoint` note) of the tree of `tree_size`.
    pub checkpoint: String,
    /// What the command says that was accepted but looks wrong (a point far outside the
    /// zone it names, longitude and latitude that look swapped), for its author to check;
    /// empty when nothing does. Not part of the entry.
    pub warnings: Vec<Warning>,
}

/// A SHA-256 hash, written as 64 lowercase hex digits.
///
/// Written from a buffer on the stack: a proof holds a hash for every level of the tree, and
/// a `String` made for each, a character at a time (`hex::encode`), was a tenth of the
/// server's time answering proofs (docs/performance.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashHex(pub truce_ledger::Hash);

impl HashHex {
    /// Each of `hashes`, to be written as hex.
    pub fn all(hashes: &[truce_ledger::Hash]) -> Vec<HashHex> {
        hashes.iter().copied().map(HashHex).collect()
    }
}

impl Serialize for HashHex {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut digits = [0_u8; 64];
        hex::encode_to_slice(self.0, &mut digits).expect("32 bytes are 64 hex digits");
        serializer.serialize_str(std::str::from_utf8(&digits).expect("hex digits are ASCII"))
    }
}

impl JsonSchema for HashHex {
    fn schema_name() -> Cow<'static, str> {
        "Hash".into()
    }

    fn json_schema(_generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A SHA-256 hash (RFC 9162 leaf, node or root hash), 64 lowercase hex digits.",
            "type": "string",
            "pattern": "^[0-9a-f]{64}$"
        })
    }
}

/// An Ed25519 signature in standard base64; a schema only.
pub struct SignatureText;

impl JsonSchema for SignatureText {
    fn schema_name() -> Cow<'static, str> {
        "Signature".into()
    }

    fn json_schema(_generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An Ed25519 signature: 64 bytes in standard base64 with padding.",
            "type": "string",
            "pattern": "^[A-Za-z0-9+/]{85}[AQgw]==$"
        })
    }
}

/// The problem of a command that does not parse: its kind, and the path of the field at
/// fault (`command.body.terms.corridors[0].windows[1].end`), in `field` and in the detail.
fn invalid_command(err: ParseError) -> ApiError {
    let (kind, field, message) = match err.fault {
        ParseFault::Refused(refusal) => {
            // A bad ring of a zone: the path goes on into the geometry, to the ring.
            let field = match &refusal {
                DomainError::RingTooShort { ring, .. }
                | DomainError::RingNotClosed { ring }
                | DomainError::RingInvalid { ring, .. } => path_field(&err.path).map(|path| format!("{path}.{ring}")),
                _ => path_field(&err.path),
            };
            (refusal.kind(), field, refusal.to_string())
        }
        ParseFault::Malformed(message) => (ErrorKind::InvalidInput, field_of(&err.path, &message), message),
    };
    let field = match field {
        Some(field) => format!("command.{field}"),
        None => "command".to_owned(),
    };
    ApiError::Invalid { kind, detail: invalid_detail("the command", Some(&field), &message), field }
}

pub async fn submit_command(
    State(state): State<AppState>,
    ApiJsonText(signed, _): ApiJsonText<SignedCommand>,
) -> Result<(StatusCode, Json<CommandReceipt>), ApiError> {
    let submission = verified(&state.public_keys, signed)?;
    // Counted against its author's rate once the signature shows who the author is.
    state.edge.count_account(&submission.command().author.text())?;
    // The warnings come with the receipt: the writer reads them on the state the command is
    // decided on, so no worker waits here for the projection's lock while a batch is decided.
    let receipt =
        state.node.submit(submission).await.map_err(|_| ApiError::Internal("writer dropped a reply".to_owned()))??;
    Ok((StatusCode::CREATED, Json(CommandReceipt::from(receipt))))
}

/// The signed command checked as far as it can be without the log: its text I-JSON, its
/// signature verified, the command parsed, and what the core does not check (the genesis,
/// an encryption key's cryptography) checked here.
fn verified(keys: &PublicKeys, signed: SignedCommand) -> Result<Submission, ApiError> {
    // Before the signature is verified or the command read: text that two JSON readers can
    // read two ways (a repeated key, an integer no double holds) is refused, never read.
    if let Some(malformed) = signed.command.fault_under("command") {
        return Err(ApiError::Invalid {
            kind: ErrorKind::InvalidInput,
            detail: invalid_detail("the command", Some(&malformed.path), &malformed.message),
            field: malformed.path,
        });
    }
    let signer = keys
        .parse_base64(&signed.signer)
        .map_err(|err| ApiError::bad_request("signer", format!("signer is not an Ed25519 public key: {err}")))?;
    let signature = Signature::parse_base64(&signed.signature)
        .map_err(|err| ApiError::bad_request("signature", format!("signature is not an Ed25519 signature: {err}")))?;
    let submission = Submission::verify(signed.command.value, signer, signature).map_err(|err| match err {
        SubmissionError::BadSignature => ApiError::BadSignature,
        SubmissionError::Invalid(err) => invalid_command(err),
    })?;
    // The genesis makes its signer the log's operator. `truce init` writes it offline before
    // any server runs, so a server never takes one: whoever reached a fresh server first
    // would otherwise own its log.
    if matches!(submission.command().body, CommandBody::Genesis(_)) {
        return Err(ApiError::GenesisOverHttp);
    }
    // The core checks an encryption key's shape only (it knows no cryptography); here it is
    // parsed as the age recipient the writer will encrypt to, checksum and all.
    if let CommandBody::SetEncryptionKey { encryption_key, .. } = &submission.command().body {
        if let Err(err) = EncryptionKey::parse(encryption_key.as_str()) {
            let field = "command.body.encryption_key".to_owned();
            let detail = invalid_detail("the command", Some(&field), &err.to_string());
            return Err(ApiError::Invalid { kind: ErrorKind::InvalidInput, field, detail });
        }
    }
    Ok(submission)
}

impl From<truce_store::Receipt> for CommandReceipt {
    fn from(receipt: truce_store::Receipt) -> CommandReceipt {
        CommandReceipt {
            seq: receipt.seq,
            leaf_hash: HashHex(receipt.leaf_hash),
            accepted_at: receipt.accepted_at,
            events: receipt.events,
            sealed: receipt.sealed,
            tree_size: receipt.tree_size,
            root_hash: HashHex(receipt.root),
            inclusion_proof: HashHex::all(&receipt.inclusion_proof),
            checkpoint: receipt.checkpoint,
            warnings: receipt.warnings,
        }
    }
}

/// The body of `POST /api/v1/commands/batch`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignedCommands {
    /// Signed commands, each as `POST /api/v1/commands` takes one, decided in this order
    /// with no other command between them, up to the first refused.
    #[schemars(length(min = 1, max = 256))]
    pub commands: Vec<SignedCommand>,
}

// The schema's bound is the writer's.
const _: () = assert!(truce_store::CHAIN_LEN_MAX == 256);

/// The reply to a batch: what became of each command, in order.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BatchReply {
    /// How many were accepted: the first `accepted` of `results`, all durable.
    pub accepted: usize,
    /// One per command, in the order sent: receipts up to the first refused, then its
    /// problem, then `not-tried` for each after it.
    pub results: Vec<CommandOutcome>,
}

/// What became of one command of a batch.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum CommandOutcome {
    Accepted {
        /// 201, as `POST /api/v1/commands` answers it.
        #[schemars(range(min = 201, max = 201))]
        status: u16,
        receipt: CommandReceipt,
    },
    Refused {
        /// The status `POST /api/v1/commands` would have answered it with.
        #[schemars(range(min = 400, max = 599))]
        status: u16,
        /// Why; its `field` is a path into the batch's body (`commands[3].signature`).
        problem: Problem,
    },
}

/// Signed commands submitted together: each checked as `submit_command` checks one, then
/// all up to the first that fails its checks queued as one chain (`Node::submit_chain`), so
/// that they are decided in order with no other command between them and become durable in
/// one batch. One request, one group commit and one checkpoint for as many as 256 commands
/// where one request each would wait for its own: the bulk path of `truce submit`.
pub async fn submit_commands(
    State(state): State<AppState>,
    ApiJsonText(signed, _): ApiJsonText<SignedCommands>,
) -> Result<Response, ApiError> {
    let count = signed.commands.len();
    if count == 0 || count > truce_store::CHAIN_LEN_MAX {
        return Err(ApiError::bad_request(
            "commands",
            format!("commands holds {count} commands; send 1 to {}", truce_store::CHAIN_LEN_MAX),
        ));
    }
    let checked = verified_all(&state.public_keys, signed.commands).await?;
    let mut submissions = Vec::with_capacity(count);
    let mut failed = None;
    for (index, checked) in checked.into_iter().enumerate() {
        // Counted in order, as one request each would be, up to the first that fails.
        let counted = checked.and_then(|submission| {
            state.edge.count_account(&submission.command().author.text())?;
            Ok(submission)
        });
        match counted {
            Ok(submission) => submissions.push(submission),
            Err(err) => {
                failed = Some((index, err));
                break;
            }
        }
    }
    let mut results = Vec::with_capacity(count);
    let mut accepted = 0;
    for receiver in state.node.submit_chain(submissions) {
        let answer = receiver.await.map_err(|_| ApiError::Internal("writer dropped a reply".to_owned()))?;
        let outcome = match answer {
            Ok(receipt) => {
                accepted += 1;
                CommandOutcome::Accepted { status: StatusCode::CREATED.as_u16(), receipt: receipt.into() }
            }
            Err(err) => refused(results.len(), &ApiError::from(err)),
        };
        results.push(outcome);
    }
    // A batch stopped by its author's rate says when to send the rest, as a refused request
    // does (`Retry-After`).
    let retry_after_s = match &failed {
        Some((_, ApiError::TooManyRequests { retry_after_s })) => Some(*retry_after_s),
        _ => None,
    };
    if let Some((index, err)) = failed {
        results.push(refused(index, &err));
    }
    while results.len() < count {
        results.push(refused(results.len(), &ApiError::from(truce_store::SubmitError::NotTried)));
    }
    let mut response = Json(BatchReply { accepted, results }).into_response();
    if let Some(retry_after_s) = retry_after_s {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
    }
    Ok(response)
}

/// `verified` for each command, on the blocking threads: a signature is tens of
/// microseconds, and a batch's are checked in two halves side by side rather than on the
/// thread that serves other connections.
async fn verified_all(
    keys: &Arc<PublicKeys>,
    commands: Vec<SignedCommand>,
) -> Result<Vec<Result<Submission, ApiError>>, ApiError> {
    let mut commands = commands;
    let second = commands.split_off(commands.len().div_ceil(2));
    let check = |commands: Vec<SignedCommand>| {
        let keys = Arc::clone(keys);
        tokio::task::spawn_blocking(move || {
            commands.into_iter().map(|signed| verified(&keys, signed)).collect::<Vec<_>>()
        })
    };
    let (first, second) = tokio::join!(check(commands), check(second));
    let joined = |result: Result<Vec<_>, tokio::task::JoinError>| {
        result.map_err(|err| ApiError::Internal(format!("checking a batch's signatures failed: {err}")))
    };
    let mut checked = joined(first)?;
    checked.extend(joined(second)?);
    Ok(checked)
}

/// The outcome of the command at `index` of a batch, refused with `err`: the problem's field
/// is a path into the batch's body.
fn refused(index: usize, err: &ApiError) -> CommandOutcome {
    let mut problem = err.to_problem().instance("/api/v1/commands/batch");
    problem.field = Some(match problem.field.take() {
        Some(field) => format!("commands[{index}].{field}"),
        None => format!("commands[{index}]"),
    });
    CommandOutcome::Refused { status: problem.status, problem }
}
