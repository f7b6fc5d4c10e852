//! The webhook outbox: deliveries owed to subscribers, kept on disk so that a restart loses
//! none, in its own SQLite file beside the log (`webhooks.db`), never in the log itself.
//!
//! It holds, per delivery, the subscription's key, the alert's id and entry, the attempts
//! made and when the next is due; and one cursor, the last entry whose alerts were queued,
//! so that alerts of entries accepted while no dispatcher ran are queued when one starts.
//! No alert body and no secret is stored: the body is read from the projection when it is
//! sent. Queuing an entry's deliveries and moving the cursor past it are one transaction.
//! WAL and `synchronous=FULL`, as the log: a queued delivery survives a crash.
//!
//! The cursor alone, moved past entries that owe no delivery (most of them, and all of them
//! when nobody subscribes), is written at most once per `CURSOR_SAVE_INTERVAL_MS`, with the
//! next deliveries queued, before a subscription is added, and when the outbox is dropped; in
//! between it moves in memory only. A cursor behind on disk loses nothing: a restart queues
//! again the alerts of the entries past it, a delivery still owed is not queued twice (the
//! unique constraint) and one already delivered is delivered again, which at-least-once
//! delivery allows (a receiver tells repeats by their `webhook-id`). What it saves is a
//! transaction and its `fsync` for every batch the log commits.
//!
//! It also keeps the subscriptions parties manage through the API, with their secrets: this
//! file is the server's own, like `credentials.db`, never served and never in the log.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::StoreError;

/// One delivery owed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub id: i64,
    /// Which subscription: a key the dispatcher derives from it (not its URL or secret).
    pub subscription: String,
    pub alert_id: String,
    /// The entry that raised the alert.
    pub seq: u64,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the next attempt is due, in milliseconds since the Unix epoch.
    pub due_ms: i64,
}

/// How long the cursor alone may move in memory before it is written: what a crash can make
/// a restart look at again.
pub const CURSOR_SAVE_INTERVAL_MS: i64 = 1_000;

pub struct Outbox {
    connection: Connection,
    /// The last entry whose deliveries were queued, as this process knows it.
    cursor: Option<u64>,
    /// The cursor as written on disk, and when it was written (ms since the Unix epoch).
    cursor_saved: Option<u64>,
    cursor_saved_at_ms: i64,
}

/// A subscription a party made through the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionRow {
    pub subscription_id: String,
    pub party_id: String,
    pub url: String,
    /// The Standard Webhooks secret (`whsec_...`) deliveries are signed with.
    pub secret: String,
    pub created_at: String,
    /// The account that made it.
    pub created_by: String,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY,
    subscription TEXT NOT NULL,
    alert_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    due_ms INTEGER NOT NULL,
    CONSTRAINT deliveries_once UNIQUE (subscription, alert_id)
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (due_ms);
CREATE TABLE IF NOT EXISTS subscriptions (
    subscription_id TEXT PRIMARY KEY,
    party_id TEXT NOT NULL,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cursor (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    seq INTEGER NOT NULL
);
";

fn seq_integer(seq: u64) -> Result<i64, StoreError> {
    i64::try_from(seq).map_err(|_| StoreError::OutOfRange { what: "seq", value: seq })
}

fn stored_seq(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt {
        seq: 0,
        problem: format!("the webhook outbox holds a negative seq {value}"),
    })
}

impl Outbox {
    /// Opens the outbox at `path`, creating it when there is none.
    ///
    /// # Errors
    /// The file cannot be opened or created, or is not an outbox.
    pub fn open(path: &Path) -> Result<Outbox, StoreError> {
        let connection = Connection::open(path)?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.execute_batch(SCHEMA)?;
        let seq: Option<i64> =
            connection.query_row("SELECT seq FROM cursor WHERE one = 1", [], |row| row.get(0)).optional()?;
        let cursor = seq.map(stored_seq).transpose()?;
        Ok(Outbox { connection, cursor, cursor_saved: cursor, cursor_saved_at_ms: i64::MIN })
    }

    /// The last entry whose deliveries were queued; `None` for a new outbox.
    ///
    /// # Errors
    /// None now: the cursor is kept in memory (a `Result` for the callers that had it read).
    pub fn cursor(&self) -> Result<Option<u64>, StoreError> {
        Ok(self.cursor)
    }

    /// Writes the cursor if it moved since it was last written.
    ///
    /// # Errors
    /// SQLite's; the cursor on disk then stays where it was.
    pub fn save_cursor(&mut self, now_ms: i64) -> Result<(), StoreError> {
        if self.cursor == self.cursor_saved {
            return Ok(());
        }
        let transaction = self.connection.transaction()?;
        write_cursor(&transaction, self.cursor)?;
        transaction.commit()?;
        self.cursor_saved = self.cursor;
        self.cursor_saved_at_ms = now_ms;
        Ok(())
    }

    /// Queues `deliveries` (subscription key, alert id, entry) as due at `now_ms` and moves
    /// the cursor to `through_seq`, in one transaction. A delivery already queued is not
    /// queued twice. With no delivery, the cursor moves in memory and is written only if it
    /// was last written `CURSOR_SAVE_INTERVAL_MS` ago or more.
    ///
    /// # Panics
    /// If `through_seq` is not past the cursor, or a delivery's entry is past `through_seq`:
    /// the dispatcher queues each entry once, in order.
    ///
    /// # Errors
    /// SQLite's; then nothing was queued and the cursor did not move.
    pub fn queue(
        &mut self,
        through_seq: u64,
        deliveries: &[(String, String, u64)],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let cursor = self.cursor;
        assert!(
            cursor.is_none_or(|cursor| through_seq > cursor),
            "queued again through {through_seq}, cursor {cursor:?}"
        );
        if deliveries.is_empty() && now_ms.saturating_sub(self.cursor_saved_at_ms) < CURSOR_SAVE_INTERVAL_MS {
            self.cursor = Some(through_seq);
            return Ok(());
        }
        let transaction = self.connection.transaction()?;
        {
            let mut insert = transaction.prepare_cached(
                "INSERT OR IGNORE INTO deliveries (subscription, alert_id, seq, attempts, due_ms) VALUES (?1, ?2, ?3, 0, ?4)",
            )?;
            for (subscription, alert_id, seq) in deliveries {
                assert!(*seq <= through_seq, "a delivery of entry {seq} queued through {through_seq}");
                insert.execute(params![subscription, alert_id, seq_integer(*seq)?, now_ms])?;
            }
        }
        write_cursor(&transaction, Some(through_seq))?;
        transaction.commit()?;
        self.cursor = Some(through_seq);
        self.cursor_saved = Some(through_seq);
        self.cursor_saved_at_ms = now_ms;
        Ok(())
    }

    /// Up to `limit` deliveries due at `now_ms`, the earliest first, leaving out `busy` ones.
    ///
    /// # Errors
    /// SQLite's.
    pub fn due(&self, now_ms: i64, limit: usize, busy: &[i64]) -> Result<Vec<Pending>, StoreError> {
        let mut select = self.connection.prepare_cached(
            "SELECT id, subscription, alert_id, seq, attempts, due_ms FROM deliveries WHERE due_ms <= ?1 ORDER BY due_ms, id",
        )?;
        let rows = select.query_map(params![now_ms], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get::<_, i64>(3)?,
                row.get::<_, i64>(4)?,
                row.get(5)?,
            ))
        })?;
        let mut pending = Vec::new();
        for row in rows {
            let (id, subscription, alert_id, seq, attempts, due_ms) = row?;
            if busy.contains(&id) {
                continue;
            }
            let attempts = u32::try_from(attempts).map_err(|_| StoreError::Corrupt {
                seq: 0,
                problem: format!("delivery {id} has {attempts} attempts"),
            })?;
            pending.push(Pending { id, subscription, alert_id, seq: stored_seq(seq)?, attempts, due_ms });
            if pending.len() == limit {
                break;
            }
        }
        Ok(pending)
    }

    /// When the earliest delivery is due, if any is owed.
    ///
    /// # Errors
    /// SQLite's.
    pub fn next_due_ms(&self) -> Result<Option<i64>, StoreError> {
        let mut select = self.connection.prepare_cached("SELECT MIN(due_ms) FROM deliveries")?;
        Ok(select.query_row([], |row| row.get(0))?)
    }

    /// Records a failed attempt: `attempts` made, the next due at `due_ms`.
    ///
    /// # Errors
    /// SQLite's.
    pub fn retry_later(&mut self, id: i64, attempts: u32, due_ms: i64) -> Result<(), StoreError> {
        let mut update =
            self.connection.prepare_cached("UPDATE deliveries SET attempts = ?2, due_ms = ?3 WHERE id = ?1")?;
        update.execute(params![id, i64::from(attempts), due_ms])?;
        Ok(())
    }

    /// Removes a delivery that is done: delivered, or given up.
    ///
    /// # Errors
    /// SQLite's.
    pub fn finish(&mut self, id: i64) -> Result<(), StoreError> {
        let mut delete = self.connection.prepare_cached("DELETE FROM deliveries WHERE id = ?1")?;
        delete.execute(params![id])?;
        Ok(())
    }

    /// Adds a subscription, and writes the cursor in the same transaction: a restart never
    /// sends it alerts of entries queued before it was made.
    ///
    /// # Errors
    /// SQLite's (an id already taken among them); then nothing was written.
    pub fn add_subscription(&mut self, row: &SubscriptionRow) -> Result<(), StoreError> {
        let transaction = self.connection.transaction()?;
        transaction.execute(
            "INSERT INTO subscriptions (subscription_id, party_id, url, secret, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![row.subscription_id, row.party_id, row.url, row.secret, row.created_at, row.created_by],
        )?;
        write_cursor(&transaction, self.cursor)?;
        transaction.commit()?;
        self.cursor_saved = self.cursor;
        Ok(())
    }

    /// Every subscription made through the API, oldest first.
    ///
    /// # Errors
    /// SQLite's.
    pub fn subscriptions(&self) -> Result<Vec<SubscriptionRow>, StoreError> {
        let mut select = self.connection.prepare_cached(
            "SELECT subscription_id, party_id, url, secret, created_at, created_by FROM subscriptions ORDER BY created_at, subscription_id",
        )?;
        let rows = select.query_map([], |row| {
            Ok(SubscriptionRow {
                subscription_id: row.get(0)?,
                party_id: row.get(1)?,
                url: row.get(2)?,
                secret: row.get(3)?,
                created_at: row.get(4)?,
                created_by: row.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Removes `party_id`'s subscription `subscription_id` and the deliveries still owed to it
    /// (under `key`), in one transaction; whether there was one.
    ///
    /// # Errors
    /// SQLite's; then nothing was removed.
    pub fn remove_subscription(
        &mut self,
        party_id: &str,
        subscription_id: &str,
        key: &str,
    ) -> Result<bool, StoreError> {
        let transaction = self.connection.transaction()?;
        let removed = transaction.execute(
            "DELETE FROM subscriptions WHERE subscription_id = ?1 AND party_id = ?2",
            params![subscription_id, party_id],
        )?;
        if removed > 0 {
            transaction.execute("DELETE FROM deliveries WHERE subscription = ?1", params![key])?;
        }
        transaction.commit()?;
        Ok(removed > 0)
    }

    /// Deliveries owed, for tests and the operator.
    ///
    /// # Errors
    /// SQLite's.
    pub fn owed(&self) -> Result<u64, StoreError> {
        let count: i64 = self.connection.query_row("SELECT COUNT(*) FROM deliveries", [], |row| row.get(0))?;
        stored_seq(count)
    }
}

/// Writes `cursor` (nothing for `None`: a new outbox has none) in `transaction`.
fn write_cursor(transaction: &rusqlite::Transaction<'_>, cursor: Option<u64>) -> Result<(), StoreError> {
    let Some(seq) = cursor else { return Ok(()) };
    let mut upsert = transaction.prepare_cached(
        "INSERT INTO cursor (one, seq) VALUES (1, ?1) ON CONFLICT (one) DO UPDATE SET seq = excluded.seq",
    )?;
    upsert.execute(params![seq_integer(seq)?])?;
    Ok(())
}

impl Drop for Outbox {
    /// A clean stop writes the cursor: the next start looks at no entry again.
    fn drop(&mut self) {
        if let Err(err) = self.save_cursor(i64::MAX) {
            tracing::warn!(%err, "the webhook outbox's cursor was not saved; a restart queues recent alerts again");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(subscription: &str, alert_id: &str, seq: u64) -> (String, String, u64) {
        (subscription.to_owned(), alert_id.to_owned(), seq)
    }

    #[test]
    fn deliveries_and_the_cursor_survive_reopening_and_leave_when_finished() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("webhooks.db");
        {
            let mut outbox = Outbox::open(&path).expect("created");
            assert_eq!(outbox.cursor().expect("read"), None);
            outbox.queue(4, &[delivery("a", "4.0", 4), delivery("b", "4.0", 4)], 1_000).expect("queued");
            outbox.queue(7, &[], 1_000).expect("an entry without deliveries moves the cursor");
        }
        let mut outbox = Outbox::open(&path).expect("reopened");
        assert_eq!(outbox.cursor().expect("read"), Some(7));
        let due = outbox.due(1_000, 10, &[]).expect("read");
        assert_eq!(due.iter().map(|p| (p.subscription.as_str(), p.attempts)).collect::<Vec<_>>(), [("a", 0), ("b", 0)]);
        assert_eq!(outbox.due(999, 10, &[]).expect("read"), [], "not due before its time");
        assert_eq!(outbox.due(1_000, 10, &[due[0].id]).expect("read").len(), 1, "a busy one is left out");

        outbox.retry_later(due[0].id, 1, 5_000).expect("rescheduled");
        outbox.finish(due[1].id).expect("finished");
        assert_eq!(outbox.due(4_999, 10, &[]).expect("read"), []);
        assert_eq!(outbox.next_due_ms().expect("read"), Some(5_000));
        let later = outbox.due(5_000, 10, &[]).expect("read");
        assert_eq!((later[0].attempts, later[0].seq, later[0].alert_id.as_str()), (1, 4, "4.0"));
        outbox.finish(later[0].id).expect("finished");
        assert_eq!(outbox.owed().expect("read"), 0);
        assert_eq!(outbox.next_due_ms().expect("read"), None);
    }

    #[test]
    fn a_cursor_moved_without_deliveries_is_written_at_most_once_a_second_and_when_dropped() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("webhooks.db");
        let on_disk = || Outbox::open(&path).expect("opened beside").cursor().expect("read");
        let mut outbox = Outbox::open(&path).expect("created");
        outbox.queue(4, &[], 10_000).expect("queued");
        assert_eq!(on_disk(), Some(4), "the first move is written");
        outbox.queue(5, &[], 10_500).expect("queued");
        assert_eq!((outbox.cursor().expect("read"), on_disk()), (Some(5), Some(4)), "moved in memory only");
        outbox.queue(6, &[delivery("a", "6.0", 6)], 10_600).expect("queued");
        assert_eq!(on_disk(), Some(6), "written with the deliveries it queues");
        outbox.queue(7, &[], 11_000).expect("queued");
        assert_eq!(on_disk(), Some(6));
        outbox.queue(8, &[], 11_600).expect("queued");
        assert_eq!(on_disk(), Some(8), "a second after it was last written");
        outbox.queue(9, &[], 11_700).expect("queued");
        outbox.save_cursor(11_800).expect("saved");
        assert_eq!(on_disk(), Some(9), "saved when asked");
        outbox.queue(10, &[], 11_900).expect("queued");
        drop(outbox);
        assert_eq!(on_disk(), Some(10), "saved when dropped");
    }

    /// RU's subscription `s1`.
    fn subscription_row() -> SubscriptionRow {
        SubscriptionRow {
            subscription_id: "s1".to_owned(),
            party_id: "ru".to_owned(),
            url: "https://hooks.example.org/ru".to_owned(),
            secret: "whsec_x".to_owned(),
            created_at: "2026-12-06T08:00:00Z".to_owned(),
            created_by: "a1".to_owned(),
        }
    }

    #[test]
    fn adding_a_subscription_writes_the_cursor_with_it() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("webhooks.db");
        let mut outbox = Outbox::open(&path).expect("created");
        outbox.queue(4, &[], 10_000).expect("queued");
        outbox.queue(5, &[], 10_100).expect("queued");
        let row = subscription_row();
        outbox.add_subscription(&row).expect("added");
        let beside = Outbox::open(&path).expect("opened beside");
        assert_eq!(beside.cursor().expect("read"), Some(5));
    }

    #[test]
    fn subscriptions_are_kept_and_removed_only_by_their_party_with_what_was_owed_to_them() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("webhooks.db");
        let row = subscription_row();
        {
            let mut outbox = Outbox::open(&path).expect("created");
            outbox.add_subscription(&row).expect("added");
            outbox.queue(3, &[delivery("key-s1", "3.0", 3), delivery("other", "3.0", 3)], 0).expect("queued");
        }
        let mut outbox = Outbox::open(&path).expect("reopened");
        assert_eq!(outbox.subscriptions().expect("read"), [row]);
        assert!(!outbox.remove_subscription("opp", "s1", "key-s1").expect("no error"), "another party's");
        assert!(outbox.remove_subscription("ru", "s1", "key-s1").expect("removed"));
        assert_eq!(outbox.subscriptions().expect("read"), []);
        assert_eq!(outbox.owed().expect("read"), 1, "only what was owed to it went with it");
    }

    #[test]
    #[should_panic(expected = "queued again")]
    fn an_entry_is_queued_once() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let mut outbox = Outbox::open(&dir.path().join("webhooks.db")).expect("created");
        outbox.queue(4, &[], 0).expect("queued");
        let _ = outbox.queue(4, &[], 0);
    }
}
