//! The embedded log: one SQLite file, WAL mode, `synchronous=FULL`.
//!
//! Entries are stored as the exact canonical text that was hashed, beside the leaf hash
//! (stored so that the tree can be rebuilt without rehashing, and checked against a rehash
//! on every start). The `(signer, nonce)` pair is unique in the schema as well as in the
//! domain, so a replay can never be written twice even by a buggy writer. Rows are never
//! updated or deleted.

use std::path::Path;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use truce_ledger::Hash;

use crate::error::StoreError;

/// Writes a consistent snapshot of the SQLite database at `from` (which may be in use, in WAL
/// mode) to the new file `to`, with SQLite's own `VACUUM INTO`: what a backup copies.
///
/// # Errors
/// `from` cannot be opened, `to` exists or cannot be written.
pub fn snapshot_database(from: &Path, to: &Path) -> Result<(), StoreError> {
    let connection =
        Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    let to = to.to_str().ok_or_else(|| StoreError::Config(format!("{} is not a UTF-8 path", to.display())))?;
    connection.execute("VACUUM INTO ?1", [to])?;
    Ok(())
}

/// The largest seq a log can hold: SQLite's integers are signed 64-bit.
pub const SEQ_MAX: u64 = i64::MAX.unsigned_abs();

/// A seq or tree size as an SQLite integer; refused past `SEQ_MAX`, never wrapped.
fn sql_integer(what: &'static str, value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::OutOfRange { what, value })
}

/// An SQLite integer read back as a seq, count or tree size; a negative one is corrupt.
fn stored_u64(what: &str, value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt { seq: 0, problem: format!("negative {what} {value}") })
}

/// Moves the WAL of the log at `path` into its main file, so the file alone is the whole
/// log (on a clean stop, for copies made with `cp`).
///
/// # Errors
/// The log cannot be opened or checkpointed.
pub fn fold_wal(path: &Path) -> Result<(), StoreError> {
    SqliteLog::open(path)?.checkpoint_wal()
}

/// One row of the `entries` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub seq: u64,
    pub leaf_hash: Hash,
    pub signer: String,
    pub nonce: String,
    /// The canonical JSON text of the entry, exactly the bytes that were hashed.
    pub text: String,
}

pub struct SqliteLog {
    connection: Connection,
}

/// The schema's versions, oldest first: `MIGRATIONS[n]` takes a log from version `n` to
/// `n + 1`, the version kept in SQLite's `user_version`. A log made before versions were kept
/// is at 0 and has the tables already: the first migration creates them only if missing. A
/// change to the schema is a new migration appended here, never an edit of an old one.
const MIGRATIONS: [&str; 2] = [SCHEMA_V1, SCHEMA_V2];

const SCHEMA_V1: &str = "
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY,
    leaf_hash BLOB NOT NULL,
    signer TEXT NOT NULL,
    nonce TEXT NOT NULL,
    text TEXT NOT NULL,
    CONSTRAINT entries_signer_nonce_unique UNIQUE (signer, nonce)
);
CREATE TABLE IF NOT EXISTS checkpoints (
    tree_size INTEGER PRIMARY KEY,
    note TEXT NOT NULL
);
";

/// The leaf hashes in seq order without the entries' texts (a covering index), so that a
/// projection snapshot is checked against the log's tree by reading 40 bytes an entry, not
/// the whole file.
const SCHEMA_V2: &str = "
CREATE INDEX IF NOT EXISTS entries_seq_leaf_hash ON entries (seq, leaf_hash);
";

impl SqliteLog {
    /// Opens the existing log at `path` for reading and writing; never creates one, so that
    /// a log deleted under a server is not silently replaced by an empty one.
    ///
    /// # Errors
    /// The file does not exist, cannot be opened or is not a truce log.
    pub fn open(path: &Path) -> Result<SqliteLog, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        SqliteLog::with_connection(Connection::open_with_flags(path, flags)?)
    }

    /// Creates a new, empty log at `path`.
    ///
    /// # Errors
    /// Something is already at `path`, or the file cannot be created.
    pub fn create(path: &Path) -> Result<SqliteLog, StoreError> {
        if path.exists() {
            return Err(StoreError::Config(format!("{} already exists", path.display())));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        SqliteLog::with_connection(Connection::open_with_flags(path, flags)?)
    }

    fn with_connection(mut connection: Connection) -> Result<SqliteLog, StoreError> {
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut connection)?;
        Ok(SqliteLog { connection })
    }

    /// Opens an existing log read-only (for verification and backups): never creates it.
    ///
    /// # Errors
    /// The file does not exist or cannot be read.
    pub fn open_read_only(path: &Path) -> Result<SqliteLog, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection = Connection::open_with_flags(path, flags)?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        // Read as it is: an older version is read by the tables it has, a newer one refused.
        schema_version(&connection)?;
        Ok(SqliteLog { connection })
    }

    #[cfg(test)]
    pub fn entries_count(&self) -> Result<u64, StoreError> {
        let count: i64 = self.connection.query_row("SELECT COUNT(*) FROM entries", [], |row| row.get(0))?;
        stored_u64("entries count", count)
    }

    /// One past the largest seq stored (0 for an empty log): the entries count of a whole
    /// log, read from the primary key's index without counting the rows.
    ///
    /// # Errors
    /// Database errors.
    pub fn entries_end(&self) -> Result<u64, StoreError> {
        let last: Option<i64> = self.connection.query_row("SELECT MAX(seq) FROM entries", [], |row| row.get(0))?;
        match last {
            None => Ok(0),
            Some(last) => Ok(stored_u64("seq", last)?.saturating_add(1)),
        }
    }

    /// Appends a batch in one transaction: all of it is durable when this returns, or none.
    ///
    /// # Errors
    /// Any database error; the transaction is then rolled back.
    pub(crate) fn append(
        &mut self,
        entries: &[StoredEntry],
        checkpoint: Option<(u64, &str)>,
    ) -> Result<(), StoreError> {
        let transaction = self.connection.transaction()?;
        {
            let mut insert = transaction.prepare_cached(
                "INSERT INTO entries (seq, leaf_hash, signer, nonce, text) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for entry in entries {
                insert.execute(params![
                    sql_integer("seq", entry.seq)?,
                    &entry.leaf_hash[..],
                    entry.signer,
                    entry.nonce,
                    entry.text
                ])?;
            }
            if let Some((tree_size, note)) = checkpoint {
                let mut insert = transaction
                    .prepare_cached("INSERT OR REPLACE INTO checkpoints (tree_size, note) VALUES (?1, ?2)")?;
                insert.execute(params![sql_integer("tree size", tree_size)?, note])?;
            }
        }
        transaction.commit()?;
        Ok(())
    }

    /// Limits the database to about `bytes` (`None`: as large as SQLite allows): past it an
    /// append fails as on a full disk (`SQLITE_FULL`) and writes nothing. Never below what the
    /// database already holds.
    ///
    /// # Errors
    /// SQLite's.
    pub fn set_size_max(&mut self, bytes: Option<u64>) -> Result<(), StoreError> {
        let page_size: i64 = self.connection.query_row("PRAGMA page_size", [], |row| row.get(0))?;
        let pages = match bytes {
            // SQLite's own ceiling.
            None => 4_294_967_294_i64,
            Some(bytes) => (i64::try_from(bytes).unwrap_or(i64::MAX) / page_size.max(1)).max(1),
        };
        // SQLite keeps at least the pages in use.
        let _applied: i64 =
            self.connection.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |row| row.get(0))?;
        Ok(())
    }

    /// Calls `visit` on every entry from `from_seq` on, in order.
    ///
    /// # Errors
    /// Database errors, a row that is not a valid entry row, or `visit`'s own error.
    pub fn for_each_entry(
        &self,
        from_seq: u64,
        visit: impl FnMut(StoredEntry) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.for_each_entry_before(from_seq, u64::MAX, visit)
    }

    /// Calls `visit` on every entry from `from_seq` up to, not including, `until_seq`, in order.
    ///
    /// # Errors
    /// Database errors, a row that is not a valid entry row, or `visit`'s own error.
    pub fn for_each_entry_before(
        &self,
        from_seq: u64,
        until_seq: u64,
        mut visit: impl FnMut(StoredEntry) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut select = self.connection.prepare(
            "SELECT seq, leaf_hash, signer, nonce, text FROM entries WHERE seq >= ?1 AND seq < ?2 ORDER BY seq",
        )?;
        // Past `SEQ_MAX` there are no entries: a range starting there is empty, one ending
        // there runs to the end of the log.
        let Ok(from) = i64::try_from(from_seq) else { return Ok(()) };
        let until = i64::try_from(until_seq).unwrap_or(i64::MAX);
        let mut rows = select.query(params![from, until])?;
        while let Some(row) = rows.next()? {
            visit(read_row(row)?)?;
        }
        Ok(())
    }

    /// Calls `visit` with the seq and leaf hash of every entry before `until_seq`, in order,
    /// from the covering index `entries_seq_leaf_hash`.
    ///
    /// # Errors
    /// Database errors, a hash that is not 32 bytes, or `visit`'s own error.
    pub fn for_each_leaf_hash_before(
        &self,
        until_seq: u64,
        visit: &mut dyn FnMut(u64, Hash) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut select = self.connection.prepare(
            "SELECT seq, leaf_hash FROM entries INDEXED BY entries_seq_leaf_hash WHERE seq < ?1 ORDER BY seq",
        )?;
        let until = i64::try_from(until_seq).unwrap_or(i64::MAX);
        let mut rows = select.query(params![until])?;
        while let Some(row) = rows.next()? {
            let (seq, leaf_hash) = seq_and_leaf_hash(row)?;
            visit(seq, leaf_hash)?;
        }
        Ok(())
    }

    /// The leaf hashes of the entries `start..start + count` that are stored, in seq order,
    /// from the covering index: what a shedding Merkle tree reads back.
    ///
    /// # Errors
    /// `OutOfRange` for a range past `SEQ_MAX`; database errors or a hash that is not 32 bytes.
    pub fn leaf_hashes(&self, start: u64, count: u64) -> Result<Vec<Hash>, StoreError> {
        let from = sql_integer("from seq", start)?;
        let until = i64::try_from(start.saturating_add(count)).unwrap_or(i64::MAX);
        let mut select = self.connection.prepare_cached(
            "SELECT seq, leaf_hash FROM entries INDEXED BY entries_seq_leaf_hash WHERE seq >= ?1 AND seq < ?2 ORDER BY seq",
        )?;
        let mut rows = select.query(params![from, until])?;
        let mut hashes = Vec::with_capacity(usize::try_from(count).unwrap_or(0).min(4096));
        while let Some(row) = rows.next()? {
            hashes.push(seq_and_leaf_hash(row)?.1);
        }
        Ok(hashes)
    }

    /// Up to `limit` entries from `from_seq` on.
    ///
    /// # Errors
    /// `OutOfRange` for a `from_seq` past `SEQ_MAX`; database errors or a malformed row.
    pub fn entries(&self, from_seq: u64, limit: u32) -> Result<Vec<StoredEntry>, StoreError> {
        let from = sql_integer("from seq", from_seq)?;
        let mut select = self.connection.prepare_cached(
            "SELECT seq, leaf_hash, signer, nonce, text FROM entries WHERE seq >= ?1 ORDER BY seq LIMIT ?2",
        )?;
        let mut rows = select.query(params![from, limit])?;
        let mut entries = Vec::new();
        while let Some(row) = rows.next()? {
            entries.push(read_row(row)?);
        }
        Ok(entries)
    }

    /// SQLite's own structural check of the file; `Ok(())` when it reports "ok".
    pub fn integrity_check(&self) -> Result<Result<(), String>, StoreError> {
        let report: String = self.connection.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
        Ok(if report == "ok" { Ok(()) } else { Err(report) })
    }

    /// Moves the WAL's content into the main file, so the file alone is the whole log.
    pub fn checkpoint_wal(&self) -> Result<(), StoreError> {
        self.connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }
}

/// The schema version of the log on `connection`, refused if newer than this build knows.
fn schema_version(connection: &Connection) -> Result<usize, StoreError> {
    let version: i64 = connection.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let version = usize::try_from(version).unwrap_or(usize::MAX);
    if version > MIGRATIONS.len() {
        return Err(StoreError::Config(format!(
            "the log's schema is version {version}, newer than the {} this truce knows: open it with a newer truce",
            MIGRATIONS.len()
        )));
    }
    Ok(version)
}

/// Brings the log's schema to the latest version, one migration per transaction.
fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    let version = schema_version(connection)?;
    for (from, migration) in MIGRATIONS.iter().enumerate().skip(version) {
        let transaction = connection.transaction()?;
        transaction.execute_batch(migration)?;
        transaction.pragma_update(None, "user_version", from + 1)?;
        transaction.commit()?;
    }
    Ok(())
}

impl crate::log::Log for SqliteLog {
    fn append(&mut self, entries: &[StoredEntry], checkpoint: Option<(u64, &str)>) -> Result<(), StoreError> {
        SqliteLog::append(self, entries, checkpoint)
    }

    fn for_each_entry_before(
        &self,
        from_seq: u64,
        until_seq: u64,
        visit: &mut dyn FnMut(StoredEntry) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        SqliteLog::for_each_entry_before(self, from_seq, until_seq, visit)
    }

    fn for_each_leaf_hash_before(
        &self,
        until_seq: u64,
        visit: &mut dyn FnMut(u64, Hash) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        SqliteLog::for_each_leaf_hash_before(self, until_seq, visit)
    }

    fn leaf_hashes(&self, start: u64, count: u64) -> Result<Vec<Hash>, StoreError> {
        SqliteLog::leaf_hashes(self, start, count)
    }

    fn entries(&self, from_seq: u64, limit: u32) -> Result<Vec<StoredEntry>, StoreError> {
        SqliteLog::entries(self, from_seq, limit)
    }

    fn latest_checkpoint(&self) -> Result<Option<(u64, String)>, StoreError> {
        let found = self
            .connection
            .query_row("SELECT tree_size, note FROM checkpoints ORDER BY tree_size DESC LIMIT 1", [], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
            })
            .optional()?;
        found.map(|(tree_size, note)| Ok((stored_u64("tree size", tree_size)?, note))).transpose()
    }

    fn set_size_max(&mut self, bytes: Option<u64>) -> Result<(), StoreError> {
        SqliteLog::set_size_max(self, bytes)
    }
}

/// A row of the covering index `entries_seq_leaf_hash`: `(seq, leaf_hash)`.
fn seq_and_leaf_hash(row: &rusqlite::Row<'_>) -> Result<(u64, Hash), StoreError> {
    let seq = stored_u64("seq", row.get::<_, i64>(0)?)?;
    let leaf_hash: Hash = match row.get_ref(1)? {
        rusqlite::types::ValueRef::Blob(bytes) => bytes.try_into().ok(),
        _ => None,
    }
    .ok_or_else(|| StoreError::Corrupt { seq, problem: "stored leaf hash is not 32 bytes".to_owned() })?;
    Ok((seq, leaf_hash))
}

fn read_row(row: &rusqlite::Row<'_>) -> Result<StoredEntry, StoreError> {
    let seq = stored_u64("seq", row.get::<_, i64>(0)?)?;
    let hash_bytes: Vec<u8> = row.get(1)?;
    let leaf_hash: Hash = hash_bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt { seq, problem: "stored leaf hash is not 32 bytes".to_owned() })?;
    // Text is read as bytes so that a corrupted, non-UTF-8 entry is reported, not fatal.
    let text_bytes: Vec<u8> = match row.get_ref(4)? {
        rusqlite::types::ValueRef::Text(bytes) | rusqlite::types::ValueRef::Blob(bytes) => bytes.to_vec(),
        _ => return Err(StoreError::Corrupt { seq, problem: "entry text is missing".to_owned() }),
    };
    let text = String::from_utf8(text_bytes)
        .map_err(|_| StoreError::Corrupt { seq, problem: "entry text is not UTF-8".to_owned() })?;
    let signer = read_text(row, 2, seq)?;
    let nonce = read_text(row, 3, seq)?;
    Ok(StoredEntry { seq, leaf_hash, signer, nonce, text })
}

fn read_text(row: &rusqlite::Row<'_>, idx: usize, seq: u64) -> Result<String, StoreError> {
    match row.get_ref(idx)? {
        rusqlite::types::ValueRef::Text(bytes) => String::from_utf8(bytes.to_vec())
            .map_err(|_| StoreError::Corrupt { seq, problem: format!("column {idx} is not UTF-8") }),
        _ => Err(StoreError::Corrupt { seq, problem: format!("column {idx} is not text") }),
    }
}
