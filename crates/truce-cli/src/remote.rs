//! `truce verify --server URL`: a monitor of a live log that any party can run from cron,
//! trusting nothing the server says that it cannot check.
//!
//! Each run reads the signed checkpoint and checks its signature with the log's key; reads
//! the entries since the last run (all of them the first time), checks that each is a
//! well-formed entry with a valid command signature (for a sealed entry, the log key's
//! signature over its envelope) and the seq it should have, and hashes
//! them onto the compact range kept from the last run. The root reached must be the
//! checkpoint's root: that proves the entries are the log's and, since they extend what the
//! last run saw, that the log only grew. A log that shrank, or shows another root at a size
//! already seen, is a fork or a rollback, and is named as one.
//!
//! `--state FILE` keeps the log key, the size, the root, the compact range and the last
//! checkpoint between runs (written to a temporary file, then renamed). The first run pins the
//! log key given with `--log-key`, or, without it, the one the server gives (said as it is
//! done: pin it out of band to rule out a server lying from the start).

use std::{fs, path::Path};

use anyhow::{anyhow, bail, Context as _};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use truce_ledger::{leaf_hash_of, open_checkpoint, CompactRange, Hash, LogEntry, Verifier};

use crate::client::Client;

/// Entries asked for per request.
const PAGE_ENTRIES: u32 = 1000;

/// What a run keeps for the next.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorState {
    pub origin: String,
    pub log_key: String,
    pub tree_size: u64,
    /// Lowercase hex.
    pub root: String,
    /// The compact range of the first `tree_size` leaves, lowercase hex, largest first.
    pub compact_range: Vec<String>,
    /// The last checkpoint checked, as the server signed it.
    pub checkpoint: String,
}

/// How a run ended, when the log itself is at fault.
#[derive(Debug, thiserror::Error)]
pub enum Inconsistent {
    #[error(
        "the log shrank: it had {before} entries at the last run and signs a checkpoint of {now} now (a rollback)"
    )]
    Shrank { before: u64, now: u64 },
    #[error("the log signs another root for size {size} than at the last run (a fork): {before} before, {now} now")]
    Forked { size: u64, before: String, now: String },
    #[error("the entries served do not hash to the root the checkpoint signs at size {size}: {computed} computed, {signed} signed (the entries or the tree were altered, or the log forked since the last run)")]
    RootMismatch { size: u64, computed: String, signed: String },
    #[error("entry {seq}: {problem}")]
    BadEntry { seq: u64, problem: String },
}

/// The report of a run that passed.
pub struct Report {
    pub tree_size: u64,
    pub root: Hash,
    pub new_entries: u64,
    pub key_pinned_from_server: bool,
}

fn parse_hash(text: &str, what: &str) -> anyhow::Result<Hash> {
    let bytes = hex::decode(text).with_context(|| format!("{what} is not hex"))?;
    Hash::try_from(bytes.as_slice()).map_err(|_| anyhow!("{what} is not 32 bytes"))
}

/// Reads the state file, if it exists.
pub fn read_state(path: &Path) -> anyhow::Result<Option<MonitorState>> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(
            serde_json::from_str(&text)
                .with_context(|| format!("--state {} is not a truce monitor state", path.display()))?,
        )),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err).with_context(|| format!("reading --state {}", path.display())),
    }
}

/// Writes the state file: a temporary file beside it, then a rename.
pub fn write_state(path: &Path, state: &MonitorState) -> anyhow::Result<()> {
    let temporary = path.with_extension("tmp");
    fs::write(&temporary, serde_json::to_string_pretty(state)? + "\n")
        .with_context(|| format!("writing {}", temporary.display()))?;
    fs::rename(&temporary, path).with_context(|| format!("replacing --state {}", path.display()))
}

/// One run against the server at `base_url`. Errors of type `Inconsistent` are the log's
/// fault; any other is the run's (unreachable server, unreadable state).
pub fn run(
    base_url: &str,
    log_key: Option<&str>,
    state: Option<MonitorState>,
) -> anyhow::Result<(Report, MonitorState)> {
    let client = Client::new(base_url)?;
    let (key_text, pinned_from_server) = match (&state, log_key) {
        (Some(state), Some(given)) if state.log_key != given.trim() => {
            bail!("--log-key is not the key pinned in the state file ({})", state.log_key)
        }
        (Some(state), _) => (state.log_key.clone(), false),
        (None, Some(given)) => (given.trim().to_owned(), false),
        (None, None) => (client.get_text("/api/v1/ledger/key")?.trim().to_owned(), true),
    };
    let verifier = Verifier::parse(&key_text).map_err(|err| anyhow!("the log key is not a verifier key: {err}"))?;
    let note = client.get_text("/api/v1/ledger/checkpoint")?;
    let checkpoint = open_checkpoint(&note, &verifier)
        .map_err(|err| anyhow!("the checkpoint does not verify with the log key {key_text}: {err}"))?;
    let size = checkpoint.size();

    let mut range = match &state {
        None => CompactRange::new(),
        Some(state) => {
            if state.origin != checkpoint.origin() {
                bail!("the server's log is {}, the state file's {}", checkpoint.origin(), state.origin);
            }
            if size < state.tree_size {
                return Err(Inconsistent::Shrank { before: state.tree_size, now: size }.into());
            }
            if size == state.tree_size && hex::encode(checkpoint.root()) != state.root {
                return Err(Inconsistent::Forked {
                    size,
                    before: state.root.clone(),
                    now: hex::encode(checkpoint.root()),
                }
                .into());
            }
            let roots = state
                .compact_range
                .iter()
                .map(|text| parse_hash(text, "a compact range hash in the state file"))
                .collect::<anyhow::Result<Vec<_>>>()?;
            CompactRange::from_parts(state.tree_size, roots)
                .ok_or_else(|| anyhow!("the state file's compact range does not fit its tree size"))?
        }
    };
    let first_new = range.size();
    while range.size() < size {
        let page: Value = serde_json::from_str(
            &client.get_text(&format!("/api/v1/ledger/entries?from={}&limit={PAGE_ENTRIES}", range.size()))?,
        )?;
        let entries = page["entries"].as_array().ok_or_else(|| anyhow!("the entries page has no `entries`"))?;
        if entries.is_empty() {
            bail!("the server serves no entry at {} though its checkpoint has {size}", range.size());
        }
        for served in entries {
            let seq = range.size();
            if seq == size {
                break;
            }
            let bad = |problem: String| Inconsistent::BadEntry { seq, problem };
            if served["seq"].as_u64() != Some(seq) {
                return Err(bad(format!("served as seq {}", served["seq"])).into());
            }
            let text = served["entry"].as_str().ok_or_else(|| bad("has no entry text".to_owned()))?;
            let entry =
                LogEntry::parse_canonical(text).map_err(|err| bad(format!("is not a canonical entry: {err}")))?;
            if entry.seq() != seq {
                return Err(bad(format!("its text says seq {}", entry.seq())).into());
            }
            match &entry {
                LogEntry::Open(open) => open
                    .verify_signature()
                    .map_err(|err| bad(format!("its command's signature does not verify: {err}")))?,
                // A sealed envelope is signed by the log key; its content is not for outsiders.
                LogEntry::Sealed(sealed) => sealed
                    .verify_signature(verifier.public_key())
                    .map_err(|err| bad(format!("its sealed envelope's signature does not verify: {err}")))?,
            }
            range.push(leaf_hash_of(text));
        }
    }
    let root = range.root();
    if root != *checkpoint.root() {
        return Err(Inconsistent::RootMismatch {
            size,
            computed: hex::encode(root),
            signed: hex::encode(checkpoint.root()),
        }
        .into());
    }
    let kept = MonitorState {
        origin: checkpoint.origin().to_owned(),
        log_key: key_text,
        tree_size: size,
        root: hex::encode(root),
        compact_range: range.roots().iter().map(hex::encode).collect(),
        checkpoint: note,
    };
    let report =
        Report { tree_size: size, root, new_entries: size - first_new, key_pinned_from_server: pinned_from_server };
    Ok((report, kept))
}
