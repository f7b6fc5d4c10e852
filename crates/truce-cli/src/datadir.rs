//! A data directory: the SQLite log, the latest signed checkpoint (kept outside the
//! database, which must extend it), the log's signing key, the operator's key and a small
//! JSON config naming the checkpoint origin and the operator account.
//!
//! Keys are written with mode 0600. Nothing here talks to the network.

use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
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
/// The latest signed checkpoint, kept outside the database: the log must extend it.
pub const CHECKPOINT_FILE: &str = "checkpoint";

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
}

impl DataDir {
    pub fn db_path(&self) -> PathBuf {
        self.path.join(DB_FILE)
    }

    pub fn checkpoint_path(&self) -> PathBuf {
        self.path.join(CHECKPOINT_FILE)
    }

    pub fn open(path: &Path) -> anyhow::Result<DataDir> {
        let config_path = path.join(CONFIG_FILE);
        if !config_path.exists() {
            bail!(
                "{} is not a truce data directory (no {CONFIG_FILE}); run `truce init --data {}` first",
                path.display(),
                path.display()
            );
        }
        let text = fs::read_to_string(&config_path).with_context(|| format!("reading {}", config_path.display()))?;
        let config: Config =
            serde_json::from_str(&text).with_context(|| format!("{} is not a valid config", config_path.display()))?;
        Ok(DataDir { path: path.to_owned(), config })
    }

    pub fn log_key(&self) -> anyhow::Result<LogKey> {
        let secret = read_secret_key(&self.path.join(LOG_KEY_FILE))?;
        LogKey::new(&self.config.origin, secret).map_err(|err| anyhow::anyhow!("the log key cannot sign notes: {err}"))
    }

    pub fn operator_key(&self) -> anyhow::Result<SecretKey> {
        read_secret_key(&self.path.join(OPERATOR_KEY_FILE))
    }
}

pub fn read_secret_key(path: &Path) -> anyhow::Result<SecretKey> {
    let text = fs::read_to_string(path).with_context(|| format!("reading key file {}", path.display()))?;
    SecretKey::parse_file_text(&text)
        .map_err(|err| anyhow::anyhow!("{} is not a truce key file: {err}", path.display()))
}

/// Writes a secret key file readable by its owner only; refuses to overwrite.
pub fn write_secret_key(path: &Path, key: &SecretKey) -> anyhow::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file =
        options.open(path).with_context(|| format!("creating key file {} (it must not exist yet)", path.display()))?;
    file.write_all(key.to_file_text().as_bytes())?;
    file.sync_all()?;
    Ok(())
}

/// Creates the directory's files; the caller then writes the genesis entry.
pub fn create(path: &Path, origin: &str) -> anyhow::Result<DataDir> {
    if path.join(CONFIG_FILE).exists() || path.join(DB_FILE).exists() {
        bail!("{} already holds a truce log; choose another directory", path.display());
    }
    fs::create_dir_all(path).with_context(|| format!("creating {}", path.display()))?;
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
    Ok(DataDir { path: path.to_owned(), config })
}

/// A fresh UUIDv7 parsed into a typed id.
pub fn new_id<T>(parse: impl Fn(&str) -> Result<T, truce_core::DomainError>) -> T {
    parse(&uuid::Uuid::now_v7().to_string()).expect("now_v7 makes a UUIDv7")
}
