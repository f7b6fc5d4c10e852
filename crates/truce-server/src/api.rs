//! Submitting a signed command.

use axum::{extract::State, http::StatusCode, Json};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use truce_ledger::{PublicKey, Signature};
use truce_store::{Submission, SubmissionError};

use crate::{extract::ApiJson, problem::ApiError, AppState};

/// The body of `POST /api/v1/commands`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedCommand {
    /// The command object, exactly as signed.
    pub command: Value,
    /// The author's Ed25519 public key, standard base64.
    pub signer: String,
    /// Ed25519 signature over `"truce/command/v1\n" || JCS(command)`, standard base64.
    pub signature: String,
}

/// The reply to an accepted command: its place in the log and the proof of it.
#[derive(Debug, Serialize)]
pub struct CommandReceipt {
    pub seq: u64,
    pub leaf_hash: String,
    pub accepted_at: String,
    pub events: Value,
    pub tree_size: u64,
    pub root_hash: String,
    pub inclusion_proof: Vec<String>,
    pub checkpoint: String,
}

pub async fn submit_command(
    State(state): State<AppState>,
    ApiJson(signed): ApiJson<SignedCommand>,
) -> Result<(StatusCode, Json<CommandReceipt>), ApiError> {
    let signer = PublicKey::parse_base64(&signed.signer)
        .map_err(|err| ApiError::bad_request("signer", format!("signer is not an Ed25519 public key: {err}")))?;
    let signature = Signature::parse_base64(&signed.signature)
        .map_err(|err| ApiError::bad_request("signature", format!("signature is not an Ed25519 signature: {err}")))?;
    let submission = Submission::verify(signed.command, signer, signature).map_err(|err| match err {
        SubmissionError::BadSignature => ApiError::BadSignature,
        SubmissionError::Invalid { path, message } => {
            ApiError::Invalid { field: format!("command.{path}"), detail: message }
        }
    })?;
    let receipt =
        state.node.submit(submission).await.map_err(|_| ApiError::Internal("writer dropped a reply".to_owned()))??;
    let events = serde_json::to_value(&receipt.events).map_err(|err| ApiError::Internal(err.to_string()))?;
    Ok((
        StatusCode::CREATED,
        Json(CommandReceipt {
            seq: receipt.seq,
            leaf_hash: hex::encode(receipt.leaf_hash),
            accepted_at: receipt.accepted_at.to_string(),
            events,
            tree_size: receipt.tree_size,
            root_hash: hex::encode(receipt.root),
            inclusion_proof: receipt.inclusion_proof.iter().map(hex::encode).collect(),
            checkpoint: receipt.checkpoint,
        }),
    ))
}
