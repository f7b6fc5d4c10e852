//! The ledger as any RFC 9162 verifier reads it: checkpoint, verifier key, entries (the
//! exact hashed bytes) and inclusion and consistency proofs, hashes in lowercase hex.

use axum::{
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use truce_ledger::ProofError;
use truce_store::SEQ_MAX;

use crate::{
    api::HashHex, extract::ApiQuery, json::Json, problem::ApiError, AppState, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX,
};

fn text(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

pub async fn checkpoint(State(state): State<AppState>) -> Response {
    text(state.node.checkpoint())
}

pub async fn key(State(state): State<AppState>) -> Response {
    text(format!("{}\n", state.node.verifier_key()))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EntriesQuery {
    /// The first sequence number of the page.
    #[serde(default)]
    from: u64,
    /// Entries in the page at the most.
    #[serde(default)]
    #[schemars(with = "u32", range(min = 1, max = PAGE_SIZE_MAX), extend("default" = PAGE_SIZE_DEFAULT))]
    limit: Option<u32>,
}

/// One ledger entry as it was hashed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LedgerEntry {
    pub seq: u64,
    /// `SHA-256(0x00 || entry)`.
    pub leaf_hash: HashHex,
    /// The canonical JSON text (RFC 8785) of the entry
    /// `{seq, accepted_at, command, signer, signature, events}`: exactly the bytes that were
    /// hashed.
    pub entry: String,
}

/// A page of ledger entries, in sequence order.
#[derive(Debug, Serialize, JsonSchema)]
pub struct EntriesPage {
    pub entries: Vec<LedgerEntry>,
    /// The tree size when the page was read; the page holds no entry at or past it.
    pub tree_size: u64,
    /// `from` for the next page, absent at the end of the log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_from: Option<u64>,
}

pub async fn entries(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<EntriesQuery>,
) -> Result<Json<EntriesPage>, ApiError> {
    let limit = query.limit.unwrap_or(PAGE_SIZE_DEFAULT);
    if limit == 0 || limit > PAGE_SIZE_MAX {
        return Err(ApiError::bad_request("limit", format!("limit must be between 1 and {PAGE_SIZE_MAX}")));
    }
    // Past the end of the log a page is empty, but past `SEQ_MAX` no log can reach: the
    // store's integers are signed, and `from` would have wrapped into a negative seq.
    if query.from > SEQ_MAX {
        let detail = format!("from {} is past {SEQ_MAX}, the largest seq a log can hold", query.from);
        return Err(ApiError::bad_request("from", detail));
    }
    let tree_size = state.node.read_tree(|tree| tree.len());
    let node = state.node.clone();
    let stored = tokio::task::spawn_blocking(move || node.entries(query.from, limit))
        .await
        .map_err(|err| ApiError::Internal(err.to_string()))?
        .map_err(|err| ApiError::Internal(err.to_string()))?;
    // Entries written after `tree_size` was read are left for the next page, so a page
    // never runs ahead of the tree its caller will ask proofs for.
    let entries: Vec<LedgerEntry> = stored
        .into_iter()
        .filter(|e| e.seq < tree_size)
        .map(|e| LedgerEntry { seq: e.seq, leaf_hash: HashHex(e.leaf_hash), entry: e.text })
        .collect();
    let next_from = entries.last().map(|e| e.seq + 1).filter(|next| *next < tree_size);
    Ok(Json(EntriesPage { entries, tree_size, next_from }))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InclusionQuery {
    /// The sequence number (leaf index) of the entry.
    seq: u64,
    /// The size of the tree to prove inclusion in; the current size when absent.
    #[serde(default)]
    #[schemars(with = "u64", range(min = 1))]
    size: Option<u64>,
}

/// An RFC 9162 inclusion proof (section 2.1.3) of one entry in a tree of `tree_size`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct InclusionProof {
    pub seq: u64,
    pub tree_size: u64,
    pub leaf_hash: HashHex,
    pub root_hash: HashHex,
    /// The audit path, from the leaf's sibling up.
    pub proof: Vec<HashHex>,
}

pub async fn inclusion_proof(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<InclusionQuery>,
) -> Result<Json<InclusionProof>, ApiError> {
    let leaves = state.node.leaves();
    state.node.read_tree(|tree| {
        let size = query.size.unwrap_or(tree.len());
        if size > tree.len() {
            return Err(ApiError::bad_request("size", format!("size {size} is past the tree size {}", tree.len())));
        }
        if query.seq >= size {
            return Err(ApiError::bad_request("seq", format!("seq {} is not below the tree size {size}", query.seq)));
        }
        let internal = |err: ProofError| ApiError::Internal(err.to_string());
        let proof = tree.inclusion_proof(query.seq, size, &leaves).map_err(internal)?;
        let root = tree.root_at(size, &leaves).map_err(internal)?;
        let leaf = tree.leaf_hash(query.seq, &leaves).map_err(internal)?.ok_or_else(|| {
            internal(ProofError::LeafIndexOutOfRange { leaf_index: query.seq, tree_size: tree.len() })
        })?;
        Ok(Json(InclusionProof {
            seq: query.seq,
            tree_size: size,
            leaf_hash: HashHex(leaf),
            root_hash: HashHex(root),
            proof: HashHex::all(&proof),
        }))
    })
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    /// The size of the earlier tree, at least 1.
    #[schemars(range(min = 1))]
    from: u64,
    /// The size of the later tree; the current size when absent.
    #[serde(default)]
    #[schemars(with = "u64", range(min = 1))]
    to: Option<u64>,
}

/// An RFC 9162 consistency proof (section 2.1.4) that the tree of `from` leaves is a prefix
/// of the tree of `to` leaves.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ConsistencyProof {
    pub from: u64,
    pub to: u64,
    pub from_root_hash: HashHex,
    pub to_root_hash: HashHex,
    pub proof: Vec<HashHex>,
}

pub async fn consistency_proof(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ConsistencyQuery>,
) -> Result<Json<ConsistencyProof>, ApiError> {
    let leaves = state.node.leaves();
    state.node.read_tree(|tree| {
        let to = query.to.unwrap_or(tree.len());
        if to > tree.len() {
            return Err(ApiError::bad_request("to", format!("to {to} is past the tree size {}", tree.len())));
        }
        if query.from == 0 || query.from > to {
            return Err(ApiError::bad_request("from", format!("from must be between 1 and to ({to})")));
        }
        let internal = |err: ProofError| ApiError::Internal(err.to_string());
        let proof = tree.consistency_proof(query.from, to, &leaves).map_err(internal)?;
        let from_root = tree.root_at(query.from, &leaves).map_err(internal)?;
        let to_root = tree.root_at(to, &leaves).map_err(internal)?;
        Ok(Json(ConsistencyProof {
            from: query.from,
            to,
            from_root_hash: HashHex(from_root),
            to_root_hash: HashHex(to_root),
            proof: HashHex::all(&proof),
        }))
    })
}
