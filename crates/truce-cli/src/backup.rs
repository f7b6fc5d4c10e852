//! `truce backup`: a copy of a data directory that `truce serve` opens as it is, taken while
//! the server runs; and `truce restore`: such a copy made a data directory again, only once
//! it has verified whole.
//!
//! The log and the other SQLite files are copied with `VACUUM INTO`, SQLite's own consistent
//! snapshot of a database in use (a plain file copy of a database in WAL mode can catch it
//! half-written). The saved checkpoint is copied *before* the log: the writer saves a
//! checkpoint only after the batch it signs has committed, so the copied log always extends
//! the copied checkpoint, and the copy opens (a log that did not would be refused as cut
//! short). The keys go with it, the sealing key above all: without it the sealed entries
//! cannot be opened and the copy is refused at start, naming the file.

use std::{fs, path::Path};

use anyhow::{anyhow, bail, Context as _};
use truce_ledger::{AgeIdentity, Verifier};
use truce_store::{verify_log, VerifyFailure, VerifyReport};

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

/// The files without which a backup is not restored: the log, the checkpoint it extends,
/// the keys that sign and open it, and the config naming its origin.
const REQUIRED: [&str; 6] = [DB_FILE, CHECKPOINT_FILE, CONFIG_FILE, LOG_KEY_FILE, LOG_VERIFIER_FILE, SEALING_KEY_FILE];

/// Restores the backup `from` (made by `truce backup`) as the new data directory `data`.
///
/// The copy is made beside `data` under a temporary name and verified there as `truce
/// verify --identity sealing.key` would: every entry's hash and signature, every sealed
/// envelope opened with the backup's sealing key and checked against its commitment, every
/// command decided again, and the log extending the backup's checkpoint. Only then is it
/// renamed to `data`, so a restore that fails leaves no data directory behind.
///
/// # Errors
/// `data` exists, a required file is missing from the backup (the sealing key above all), a
/// copy fails, or the log does not verify (`Tampered`).
pub fn restore(from: &Path, data: &Path) -> anyhow::Result<VerifyReport> {
    if data.exists() {
        bail!("--data {} already exists; a backup is restored into a new directory", data.display());
    }
    for file in REQUIRED {
        if !from.join(file).exists() {
            match file {
                SEALING_KEY_FILE => bail!(
                    "the backup {} holds no {SEALING_KEY_FILE}: without the server's sealing key its sealed entries \
                     cannot be opened, nor new ones sealed; restore it from where the log's keys are kept, beside the backup",
                    from.display()
                ),
                _ => bail!("the backup {} holds no {file}: it is not a backup of a truce data directory", from.display()),
            }
        }
    }
    let name = data.file_name().ok_or_else(|| anyhow!("--data {} names no directory", data.display()))?;
    let staging = data.with_file_name(format!(".{}.restoring", name.to_string_lossy()));
    if staging.exists() {
        fs::remove_dir_all(&staging)
            .with_context(|| format!("removing the unfinished restore {}", staging.display()))?;
    }
    fs::create_dir_all(&staging).with_context(|| format!("creating {}", staging.display()))?;
    let copied = copy_all(from, &staging).and_then(|()| verify_copy(&staging));
    match copied {
        Ok(report) => {
            fs::rename(&staging, data)
                .with_context(|| format!("renaming {} to {}", staging.display(), data.display()))?;
            Ok(report)
        }
        Err(err) => {
            let _ = fs::remove_dir_all(&staging);
            Err(err)
        }
    }
}

/// Every file of the backup, keys kept private.
fn copy_all(from: &Path, to: &Path) -> anyhow::Result<()> {
    for entry in fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        if !entry.file_type()?.is_file() {
            continue;
        }
        let target = to.join(entry.file_name());
        fs::copy(entry.path(), &target).with_context(|| format!("copying {}", entry.path().display()))?;
        restrict(&target)?;
    }
    Ok(())
}

/// The restored log verified whole, sealed entries opened with its sealing key.
fn verify_copy(dir: &Path) -> anyhow::Result<VerifyReport> {
    let read = |file: &str| fs::read_to_string(dir.join(file)).with_context(|| format!("reading {file}"));
    let verifier = Verifier::parse(read(LOG_VERIFIER_FILE)?.trim())
        .map_err(|err| anyhow!("{LOG_VERIFIER_FILE} is not a log verifier key: {err}"))?;
    let identity = AgeIdentity::parse_file_text(&read(SEALING_KEY_FILE)?)
        .map_err(|err| anyhow!("{SEALING_KEY_FILE} is not an age identity: {err}"))?;
    let checkpoint = read(CHECKPOINT_FILE)?;
    verify_log(&dir.join(DB_FILE), &verifier, Some(&checkpoint), Some(&identity))
        .map_err(|failure| Tampered(failure).into())
}

/// A log that does not verify: altered, cut short, or not the one its checkpoint signs.
#[derive(Debug)]
pub struct Tampered(pub VerifyFailure);

impl std::fmt::Display for Tampered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the log does not verify: {}", self.0)
    }
}

impl std::error::Error for Tampered {}
