//! `truce backup`: a copy of a data directory that `truce serve` opens as it is, taken while
//! the server runs.
//!
//! The log and the other SQLite files are copied with `VACUUM INTO`, SQLite's own consistent
//! snapshot of a database in use (a plain file copy of a database in WAL mode can catch it
//! half-written). The saved checkpoint is copied *before* the log: the writer saves a
//! checkpoint only after the batch it signs has committed, so the copied log always extends
//! the copied checkpoint, and the copy opens (a log that did not would be refused as cut
//! short). The keys go with it, the sealing key above all: without it the sealed entries
//! cannot be opened and the copy is refused at start, naming the file.

use std::{fs, path::Path};

use anyhow::{bail, Context as _};

use crate::datadir::{
    CHECKPOINT_FILE, CONFIG_FILE, DB_FILE, LOG_KEY_FILE, LOG_VERIFIER_FILE, OPERATOR_KEY_FILE, SEALING_KEY_FILE,
};

/// The SQLite files a data directory may hold besides the log, copied the same way.
const DATABASES: [&str; 2] = [crate::serve::CREDENTIALS_FILE, truce_server::webhooks::OUTBOX_FILE];
/// Plain files copied as they are, when present.
const FILES: [&str; 6] = [
    CONFIG_FILE,
    LOG_KEY_FILE,
    LOG_VERIFIER_FILE,
    OPERATOR_KEY_FILE,
    SEALING_KEY_FILE,
    truce_server::webhooks::WEBHOOKS_FILE,
];

/// What a backup holds.
pub struct Copied {
    pub files: Vec<String>,
    pub checkpoint_size: u64,
}

/// Copies the data directory `data` to the new directory `out`.
///
/// # Errors
/// `out` exists, `data` is not a data directory, or a copy fails.
pub fn run(data: &Path, out: &Path) -> anyhow::Result<Copied> {
    if out.exists() {
        bail!("--out {} already exists; a backup goes to a new directory", out.display());
    }
    if !data.join(DB_FILE).exists() {
        bail!("{} holds no {DB_FILE}: it is not a truce data directory", data.display());
    }
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut files = Vec::new();
    // First the checkpoint, then the log that extends it.
    let checkpoint = fs::read_to_string(data.join(CHECKPOINT_FILE))
        .with_context(|| format!("reading {}", data.join(CHECKPOINT_FILE).display()))?;
    fs::write(out.join(CHECKPOINT_FILE), &checkpoint)?;
    files.push(CHECKPOINT_FILE.to_owned());
    let checkpoint_size = checkpoint.lines().nth(1).and_then(|size| size.parse().ok()).unwrap_or(0);
    for database in std::iter::once(DB_FILE).chain(DATABASES) {
        let from = data.join(database);
        if !from.exists() {
            continue;
        }
        truce_store::snapshot_database(&from, &out.join(database))
            .with_context(|| format!("copying {}", from.display()))?;
        files.push(database.to_owned());
    }
    for file in FILES {
        let from = data.join(file);
        if from.exists() {
            fs::copy(&from, out.join(file)).with_context(|| format!("copying {}", from.display()))?;
            restrict(&out.join(file))?;
            files.push(file.to_owned());
        }
    }
    Ok(Copied { files, checkpoint_size })
}

/// Keys stay readable by their owner only in the copy too.
fn restrict(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}
