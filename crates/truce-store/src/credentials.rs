//! The server's own secrets, beside the log and never in it: password hashes, sign-in
//! sessions and API tokens, in their own SQLite file (`credentials.db` in the data
//! directory). The log is public and append-only; these are private and are changed and
//! deleted (a logout deletes its session, a revoked token is marked).
//!
//! Only hashes are kept: a password's Argon2id PHC string, a session's and a token secret's
//! SHA-256. Hashing and comparing are the server's; this module only stores rows.

use std::path::Path;

use parking_lot::Mutex;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use crate::error::StoreError;

#[cfg(test)]
mod tests;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS passwords (
    account_id TEXT PRIMARY KEY,
    phc TEXT NOT NULL,
    set_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    secret_sha256 TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    expires_at_unix_s INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    token_id TEXT PRIMARY KEY,
    secret_sha256 TEXT NOT NULL,
    account_id TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
";

/// The credentials file, shared by every request (one connection under a lock: sign-ins
/// are rare next to reads, and each statement is a single-row lookup or write).
pub struct Credentials {
    connection: Mutex<Connection>,
}

/// A stored API token, without its secret's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub token_id: String,
    pub account_id: String,
    pub name: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

impl Credentials {
    /// Opens `path`, creating it and its tables when missing.
    ///
    /// # Errors
    /// The file cannot be opened or created.
    pub fn open(path: &Path) -> Result<Credentials, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        Credentials::with_connection(Connection::open_with_flags(path, flags)?)
    }

    /// Credentials held in memory only, for tests and for servers that offer no sign-in.
    ///
    /// # Errors
    /// SQLite cannot make an in-memory database.
    pub fn in_memory() -> Result<Credentials, StoreError> {
        Credentials::with_connection(Connection::open_in_memory()?)
    }

    fn with_connection(connection: Connection) -> Result<Credentials, StoreError> {
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        connection.execute_batch(SCHEMA)?;
        Ok(Credentials { connection: Mutex::new(connection) })
    }

    /// Sets (or replaces) the account's password hash.
    ///
    /// # Errors
    /// A database error.
    pub fn set_password(&self, account_id: &str, phc: &str, set_at: &str) -> Result<(), StoreError> {
        self.connection.lock().execute(
            "INSERT INTO passwords (account_id, phc, set_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (account_id) DO UPDATE SET phc = excluded.phc, set_at = excluded.set_at",
            params![account_id, phc, set_at],
        )?;
        Ok(())
    }

    /// The account's password hash, if it has a password.
    ///
    /// # Errors
    /// A database error.
    pub fn password(&self, account_id: &str) -> Result<Option<String>, StoreError> {
        let connection = self.connection.lock();
        let phc = connection
            .query_row("SELECT phc FROM passwords WHERE account_id = ?1", params![account_id], |row| row.get(0))
            .optional()?;
        Ok(phc)
    }

    /// Records a session by the hash of its secret.
    ///
    /// # Errors
    /// A database error.
    pub fn insert_session(
        &self,
        secret_sha256: &str,
        account_id: &str,
        expires_at_unix_s: i64,
    ) -> Result<(), StoreError> {
        self.connection.lock().execute(
            "INSERT INTO sessions (secret_sha256, account_id, expires_at_unix_s) VALUES (?1, ?2, ?3)",
            params![secret_sha256, account_id, expires_at_unix_s],
        )?;
        Ok(())
    }

    /// The account and expiry of the session with this secret hash, if it exists.
    ///
    /// # Errors
    /// A database error.
    pub fn session(&self, secret_sha256: &str) -> Result<Option<(String, i64)>, StoreError> {
        let connection = self.connection.lock();
        let session = connection
            .query_row(
                "SELECT account_id, expires_at_unix_s FROM sessions WHERE secret_sha256 = ?1",
                params![secret_sha256],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        Ok(session)
    }

    /// Deletes the session (a logout), and every session expired by `now_unix_s`.
    ///
    /// # Errors
    /// A database error.
    pub fn delete_session(&self, secret_sha256: &str, now_unix_s: i64) -> Result<(), StoreError> {
        let connection = self.connection.lock();
        connection.execute("DELETE FROM sessions WHERE secret_sha256 = ?1", params![secret_sha256])?;
        connection.execute("DELETE FROM sessions WHERE expires_at_unix_s <= ?1", params![now_unix_s])?;
        Ok(())
    }

    /// Records a new API token by the hash of its secret.
    ///
    /// # Errors
    /// A database error.
    pub fn insert_token(&self, row: &TokenRow, secret_sha256: &str) -> Result<(), StoreError> {
        self.connection.lock().execute(
            "INSERT INTO tokens (token_id, secret_sha256, account_id, name, created_at, revoked_at)
             VALUES (?1, ?2, ?3, ?4, ?5, NULL)",
            params![row.token_id, secret_sha256, row.account_id, row.name, row.created_at],
        )?;
        Ok(())
    }

    /// The token with this id and its secret's hash, revoked or not.
    ///
    /// # Errors
    /// A database error.
    pub fn token(&self, token_id: &str) -> Result<Option<(TokenRow, String)>, StoreError> {
        let connection = self.connection.lock();
        let token = connection
            .query_row(
                "SELECT token_id, account_id, name, created_at, revoked_at, secret_sha256 FROM tokens WHERE token_id = ?1",
                params![token_id],
                |row| {
                    let token = TokenRow {
                        token_id: row.get(0)?,
                        account_id: row.get(1)?,
                        name: row.get(2)?,
                        created_at: row.get(3)?,
                        revoked_at: row.get(4)?,
                    };
                    Ok((token, row.get(5)?))
                },
            )
            .optional()?;
        Ok(token)
    }

    /// The account's tokens, oldest first.
    ///
    /// # Errors
    /// A database error.
    pub fn tokens_of(&self, account_id: &str) -> Result<Vec<TokenRow>, StoreError> {
        let connection = self.connection.lock();
        let mut statement = connection.prepare(
            "SELECT token_id, account_id, name, created_at, revoked_at FROM tokens
             WHERE account_id = ?1 ORDER BY created_at, token_id",
        )?;
        let rows = statement.query_map(params![account_id], |row| {
            Ok(TokenRow {
                token_id: row.get(0)?,
                account_id: row.get(1)?,
                name: row.get(2)?,
                created_at: row.get(3)?,
                revoked_at: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Marks the account's token revoked; false when the account has no such live token.
    ///
    /// # Errors
    /// A database error.
    pub fn revoke_token(&self, account_id: &str, token_id: &str, revoked_at: &str) -> Result<bool, StoreError> {
        let changed = self.connection.lock().execute(
            "UPDATE tokens SET revoked_at = ?3 WHERE token_id = ?1 AND account_id = ?2 AND revoked_at IS NULL",
            params![token_id, account_id, revoked_at],
        )?;
        Ok(changed == 1)
    }
}
