//! A data directory: the SQLite log, the latest signed checkpoint (kept outside the
//! database, which must extend it), the log's signing key, the sealing key of confidential
//! entries, the operator's key and a small JSON config naming the checkpoint origin and the
//! operator account.
//!
//! Keys are written with mode 0600. Nothing here talks to the network.
//!
//! One process at a time works on a data directory: opening or creating one takes an OS
//! lock on its `truce.lock` (`flock` on Unix, `LockFileEx` on Windows), held as long as the
//! `DataDir` (and its clones) live and released by the OS when the process ends, however it
//! ends, so no stale lock is ever left to clear by hand. Two writers on one log would each
//! sign checkpoints of their own tree: a fork.

use std::{
    fmt,
    fs::{self, File, TryLockError},
    io::{Read as _, Seek as _, Write},
    path::{Path, PathBuf},
    sync::Arc,
};

use anyhow::{bail, Context as _};
use serde::{Deserialize, Serialize};
use truce_core::AccountId;
use truce_ledger::{LogKey, SecretKey};

pub const DB_FILE: &str = "truce.db";
pub const CONFIG_FILE: &str = "truce.json";
pub const LOG_KEY_FILE: &str = "log.key";
pub const LOG_VERIFIER_FILE: &str = "log.pub";
pub const OPERATOR_KEY_FILE: &str = "operator.key";
/// The server's sealing identity (age X25519), that sealed entries are encrypted to and
/// opened with; made by `Node::create` at `truce init`, mode 0600.
pub const SEALING_KEY_FILE: &str = "sealing.key";
/// The latest signed checkpoint, kept outside the database: the log must extend it.
pub const CHECKPOINT_FILE: &str = "checkpoint";
/// The file whose OS lock says a process works on the directory; it holds that process's id.
pub const LOCK_FILE: &str = "truce.lock";

/// The exit status of a command refused because another process holds the data directory.
pub const EXIT_IN_USE: u8 = 3;

/// Another process holds the lock of the data directory.
#[derive(Debug)]
pub struct InUse {
    pub dir: PathBuf,
    /// The holder's process id, as it wrote it into the lock file.
    pub pid: Option<u32>,
}

impl fmt::Display for InUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the data directory {} is in use by another truce process", self.dir.display())?;
        if let Some(pid) = self.pid {
            write!(f, " (process {pid})")?;
        }
        write!(f, ": stop it first, or choose another directory")
    }
}

impl std::error::Error for InUse {}

/// The lock on a data directory, held until the last clone of its `DataDir` is dropped.
#[derive(Debug)]
struct DirLock {
    _file: File,
}

/// Takes the lock of the directory `path` at once, or fails with `InUse`.
fn lock(path: &Path) -> anyhow::Result<DirLock> {
    let lock_path = path.join(LOCK_FILE);
    // Not truncated on open: until this process holds the lock, the id in it is the holder's.
    let mut file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .with_context(|| format!("opening the lock file {}", lock_path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut text = String::new();
            let pid = file.read_to_string(&mut text).ok().and_then(|_| text.trim().parse().ok());
            return Err(InUse { dir: path.to_owned(), pid }.into());
        }
        Err(TryLockError::Error(err)) => {
            return Err(err).with_context(|| format!("locking {}", lock_path.display()));
        }
    }
    file.set_len(0)?;
    file.rewind()?;
    file.write_all(format!("{}\n", std::process::id()).as_bytes())?;
    Ok(DirLock { _file: file })
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The checkpoint origin line, also the log key's name.
    pub origin: String,
    pub operator_account_id: AccountId,
}

#[derive(Clone)]
pub struct DataDir {
    pub path: PathBuf,
    pub config: Config,
    _lock: Arc<DirLock>,
}

impl DataDir {
    pub fn db_path(&self) -> PathBuf {
        self.path.join(DB_FILE)
    }

    pub fn checkpoint_path(&self) -> PathBuf {
        self.path.join(CHECKPOINT_FILE)
    }

    pub fn sealing_key_path(&self) -> PathBuf {
        self.path.join(SEALING_KEY_FILE)
    }

    /// Opens an initialised data directory and takes its lock (`InUse` when another process
    /// holds it).
    pub fn open(path: &Path) -> anyhow::Result<DataDir> {
        let config_path = path.join(CONFIG_FILE);
        if !config_path.exists() {
            bail!(
                "{} is not a truce data directory (no {CONFIG_FILE}); run `truce init --data {}` first",
                path.display(),
                path.display()
            );
        }
        let lock = lock(path)?;
        let text = fs::read_to_string(&config_path).with_context(|| format!("reading {}", config_path.display()))?;
        let config: Config =
            serde_json::from_str(&text).with_context(|| format!("{} is not a valid config", config_path.display()))?;
        Ok(DataDir { path: path.to_owned(), config, _lock: Arc::new(lock) })
    }

    pub fn log_key(&self) -> anyhow::Result<LogKey> {
        let secret = read_secret_key(&self.path.join(LOG_KEY_FILE))?;
        LogKey::new(&self.config.origin, secret).map_err(|err| anyhow::anyhow!("the log key cannot sign notes: {err}"))
    }

    pub fn operator_key(&self) -> anyhow::Result<SecretKey> {
        read_secret_key(&self.path.join(OPERATOR_KEY_FILE))
    }
}

/// The environment variable holding the passphrase of an encrypted key file.
pub const KEY_PASSPHRASE_ENV: &str = "TRUCE_KEY_PASSPHRASE";

/// Reads a secret key file: PKCS#8 PEM, encrypted PKCS#8 PEM (its passphrase from
/// `TRUCE_KEY_PASSPHRASE`), or the JSON key file of data directories made before.
pub fn read_secret_key(path: &Path) -> anyhow::Result<SecretKey> {
    let text = fs::read_to_string(path).with_context(|| format!("reading key file {}", path.display()))?;
    let passphrase = std::env::var(KEY_PASSPHRASE_ENV).ok();
    SecretKey::read_key_file(&text, passphrase.as_deref()).map_err(|err| {
        anyhow::anyhow!(
            "{} is not a key file truce can read: {err} (set {KEY_PASSPHRASE_ENV} for an encrypted one)",
            path.display()
        )
    })
}

/// Writes a secret key file (PKCS#8 PEM) readable by its owner only; refuses to overwrite.
pub fn write_secret_key(path: &Path, key: &SecretKey) -> anyhow::Result<()> {
    write_key_text(path, &key.to_pkcs8_pem())
}

/// Writes key file text readable by its owner only; refuses to overwrite.
pub fn write_key_text(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file =
        options.open(path).with_context(|| format!("creating key file {} (it must not exist yet)", path.display()))?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

/// Creates the directory's files, holding its lock; the caller then writes the genesis entry.
pub fn create(path: &Path, origin: &str) -> anyhow::Result<DataDir> {
    fs::create_dir_all(path).with_context(|| format!("creating {}", path.display()))?;
    // Locked first, so that a directory in use is named as such, and two inits do not race.
    let lock = lock(path)?;
    if path.join(CONFIG_FILE).exists() || path.join(DB_FILE).exists() {
        bail!("{} already holds a truce log; choose another directory", path.display());
    }
    let mut rng = rand::rngs::OsRng;
    let log_secret = SecretKey::generate(&mut rng);
    let operator_secret = SecretKey::generate(&mut rng);
    let log_key = LogKey::new(origin, log_secret.clone())
        .map_err(|err| anyhow::anyhow!("origin {origin:?} cannot name a log key: {err}"))?;
    write_secret_key(&path.join(LOG_KEY_FILE), &log_secret)?;
    write_secret_key(&path.join(OPERATOR_KEY_FILE), &operator_secret)?;
    fs::write(path.join(LOG_VERIFIER_FILE), format!("{}\n", log_key.verifier_key()))?;
    let config = Config { origin: origin.to_owned(), operator_account_id: new_id(AccountId::parse) };
    fs::write(path.join(CONFIG_FILE), serde_json::to_string_pretty(&config)? + "\n")?;
    Ok(DataDir { path: path.to_owned(), config, _lock: Arc::new(lock) })
}

/// A fresh UUIDv7 parsed into a typed id.
pub fn new_id<T>(parse: impl Fn(&str) -> Result<T, truce_core::DomainError>) -> T {
    parse(&uuid::Uuid::now_v7().to_string()).expect("now_v7 makes a UUIDv7")
}
