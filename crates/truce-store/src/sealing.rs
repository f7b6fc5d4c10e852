//! Sealing confidential entries as the writer writes them, and opening them on replay.
//!
//! The writer decides every command on the full state, then asks the core's one
//! classification (`truce_core::sealing`) whether its entry is confidential. A confidential
//! entry is written sealed (`truce_ledger::SealedEntry`): encrypted to the server's sealing
//! identity and to the encryption keys of the entitled parties' accounts, so that the file
//! holds only public texts. Replay opens sealed entries with the sealing identity and checks
//! that the classification still says what the envelope says.
//!
//! The sealing identity is an age X25519 identity in a file of its own beside the log
//! (`NodeConfig::sealing_key_path`, mode 0600), made by `Node::create`. Without it, or with
//! another, a log holding sealed entries does not open, and the error names the file.
//!
//! The `(signer, nonce)` columns of a sealed entry would say who wrote it; they hold
//! `SEALED_SIGNER_COLUMN` and a hash of the pair instead, which keeps a sealed command
//! from being written twice without showing its signer.

use std::{
    collections::BTreeSet,
    fs,
    io::{self, Write as _},
    path::{Path, PathBuf},
};

use sha2::{Digest as _, Sha256};
use truce_core::{encryption_keys_of, sealing, Command, PartyId, Sealing, State};
use truce_ledger::{AgeIdentity, EncryptionKey, Entry, LogEntry, LogKey, PublicKey, SealedEntry};

use crate::error::StoreError;

#[cfg(test)]
mod tests;

/// The signer column of a sealed entry.
pub const SEALED_SIGNER_COLUMN: &str = "sealed";

/// Prefix of the hash that stands for a sealed entry's nonce column.
const NONCE_COLUMN_CONTEXT: &[u8] = b"truce/sealed-nonce/v1\n";

/// The server's sealing identity and the file it was read from, to name in errors.
#[derive(Debug, Clone)]
pub(crate) struct Sealer {
    pub(crate) identity: AgeIdentity,
    pub(crate) path: PathBuf,
}

/// What a stored entry holds, read back: the entry as the projection applies it, and
/// for a sealed one, the parties its envelope names.
pub(crate) struct ReadBack {
    pub(crate) entry: Entry,
    pub(crate) sealed_parties: Option<Vec<String>>,
}

/// Reads the sealing identity at `path`.
///
/// # Errors
/// `SealingKey` naming the file when it is missing or not an age identity.
pub fn read_sealing_identity(path: &Path) -> Result<AgeIdentity, StoreError> {
    let problem = |problem: String| StoreError::SealingKey { path: path.to_owned(), problem };
    let text = fs::read_to_string(path).map_err(|err| match err.kind() {
        io::ErrorKind::NotFound => problem("it does not exist".to_owned()),
        _ => problem(format!("it cannot be read: {err}")),
    })?;
    AgeIdentity::parse_file_text(&text).map_err(|err| problem(err.to_string()))
}

/// Makes a new sealing identity and writes it at `path`, readable by its owner only.
///
/// # Errors
/// `SealingKey` when something is already at `path` (it belongs to another log) or the
/// file cannot be written.
pub fn create_sealing_identity(path: &Path) -> Result<AgeIdentity, StoreError> {
    let problem = |problem: String| StoreError::SealingKey { path: path.to_owned(), problem };
    let identity = AgeIdentity::generate();
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|err| match err.kind() {
        io::ErrorKind::AlreadyExists => problem("it already exists: it belongs to another log".to_owned()),
        _ => problem(format!("it cannot be created: {err}")),
    })?;
    file.write_all(identity.to_file_text().as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|err| problem(format!("it cannot be written: {err}")))?;
    Ok(identity)
}

impl Sealer {
    /// The public text of `entry`, decided on `state` (the state before it): its own
    /// canonical text when the command is public, the sealed entry's when it is
    /// confidential. Also whether it was sealed.
    ///
    /// # Errors
    /// A sentence saying why the entry cannot be sealed (too large, for one).
    pub(crate) fn public_text(
        &self,
        state: &State,
        command: &Command,
        entry: &Entry,
        log_key: &LogKey,
    ) -> Result<(String, bool), String> {
        let parties = match sealing(state, command) {
            Sealing::Public => return Ok((entry.to_canonical(), false)),
            Sealing::Confidential { parties } => parties,
        };
        let mut recipients = vec![self.identity.encryption_key()];
        for key in encryption_keys_of(state, &parties) {
            match EncryptionKey::parse(key.as_str()) {
                Ok(key) => recipients.push(key),
                // Checked at the edge before it was set; one that still does not parse is
                // skipped rather than blocking a party's notification. The server can open
                // the entry for that party.
                Err(err) => tracing::warn!(%err, "an account's encryption key does not parse; not sealing to it"),
            }
        }
        let sealed = SealedEntry::seal(entry, party_texts(&parties), &recipients, log_key, &mut rand::rngs::OsRng)
            .map_err(|err| format!("the entry cannot be sealed: {err}"))?;
        // Pair assertion: what is written must read back, and open, as this entry.
        debug_assert!(
            SealedEntry::parse_canonical(sealed.canonical_text())
                .and_then(|read| read.open(&self.identity))
                .is_ok_and(|opened| opened.canonical_text() == entry.canonical_text()),
            "a fresh sealed entry opens to its content"
        );
        Ok((sealed.canonical_text().to_owned(), true))
    }
}

/// Reads a stored public text back: an open entry as it is, a sealed one opened with the
/// sealer, whose error (a missing key) is returned only if a sealed entry needs it.
///
/// # Errors
/// `Corrupt` when the text is not an entry; the sealer's error, or `Unseal` naming the
/// sealing key file, when a sealed entry does not open.
pub(crate) fn read_back(sealer: Result<&Sealer, &StoreError>, seq: u64, text: &str) -> Result<ReadBack, StoreError> {
    let corrupt = |problem: String| StoreError::Corrupt { seq, problem };
    match LogEntry::parse_canonical(text).map_err(|err| corrupt(err.to_string()))? {
        LogEntry::Open(entry) => Ok(ReadBack { entry, sealed_parties: None }),
        LogEntry::Sealed(sealed) => {
            let sealer = sealer.map_err(|err| match err {
                StoreError::SealingKey { path, problem } => StoreError::SealingKey {
                    path: path.clone(),
                    problem: format!("{problem}, and entry {seq} is sealed"),
                },
                other => StoreError::Config(other.to_string()),
            })?;
            let entry = sealed.open(&sealer.identity).map_err(|err| StoreError::Unseal {
                seq,
                path: sealer.path.clone(),
                problem: error_chain(&err),
            })?;
            Ok(ReadBack { entry, sealed_parties: Some(sealed.parties().to_vec()) })
        }
    }
}

/// Checks that an entry read back is sealed exactly when the classification, on the state
/// before it, says it is confidential, for the same parties. `Ok(false)` for a
/// confidential entry written open (a log from before sealing), which the caller names.
///
/// # Errors
/// `Corrupt` when an envelope names other parties than the classification, or a public
/// command was sealed.
pub(crate) fn check_sealing(
    state: &State,
    seq: u64,
    command: &Command,
    sealed_parties: Option<&[String]>,
) -> Result<bool, StoreError> {
    let corrupt = |problem: &str| StoreError::Corrupt { seq, problem: problem.to_owned() };
    match (sealing(state, command), sealed_parties) {
        (Sealing::Public, None) => Ok(true),
        (Sealing::Confidential { .. }, None) => Ok(false),
        (Sealing::Public, Some(_)) => Err(corrupt("it is sealed but its command is public")),
        (Sealing::Confidential { parties }, Some(named)) if party_texts(&parties) == named => Ok(true),
        (Sealing::Confidential { .. }, Some(_)) => Err(corrupt("its envelope names other parties than its command")),
    }
}

/// The nonce column of a sealed entry: a hash of its signer and nonce.
pub(crate) fn sealed_nonce_column(signer: &PublicKey, nonce: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(NONCE_COLUMN_CONTEXT);
    hasher.update(signer.as_bytes());
    hasher.update(nonce.as_bytes());
    hex::encode(hasher.finalize())
}

fn party_texts(parties: &BTreeSet<PartyId>) -> Vec<String> {
    let mut texts: Vec<String> = parties.iter().map(ToString::to_string).collect();
    texts.sort();
    texts
}

/// An error and its causes, as one line.
pub(crate) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    message
}
