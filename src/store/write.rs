//! One write: a `BEGIN IMMEDIATE` transaction ([`Write`], from [`Store::write`]) whose
//! changeset goes to the sync outbox when it commits, savepoints inside it, and batches
//! and bulk loads that hold one transaction over many writes.

use super::{db::*, error::*};
use rusqlite::{Connection, TransactionBehavior};

/// One write: a `BEGIN IMMEDIATE` transaction, or, inside a batch, a savepoint of the
/// batch's transaction. Derefs to the connection; dropped without `commit` it rolls back
/// (the savepoint only: the batch goes on).
///
/// When capture is on (every database of the current schema), a session records the
/// write's changes; at the commit of the outer transaction their changeset is put in the
/// outbox (`sync_outbox`) inside the same transaction, then the transaction commits: a
/// change is captured exactly once, and a crash loses both or neither.
pub struct Write<'a> {
    pub(super) kind: Option<WriteKind<'a>>,
    pub(super) store: &'a Store,
    /// The changes of this transaction set aside by [`Write::checkpoint_capture`];
    /// combined with the last session's into the transaction's one outbox entry at the
    /// commit.
    pub(super) parts: std::cell::RefCell<Option<super::session::ChangeGroup>>,
}

pub(super) enum WriteKind<'a> {
    Transaction(rusqlite::Transaction<'a>),
    Savepoint(Savepoint<'a>),
}

/// A savepoint of the batch's transaction, taken through a shared borrow of the connection
/// (rusqlite's own `Savepoint` needs `&mut`, and a write borrows the store shared so that
/// the service reads through its usual functions inside it). Released by `commit`; dropped
/// without it, rolled back to where it began.
pub struct Savepoint<'a> {
    pub(super) conn: &'a Connection,
    pub(super) done: bool,
}

impl<'a> Savepoint<'a> {
    pub(super) const NAME: &'static str = "fieldwork_write";

    pub(super) fn new(conn: &'a Connection) -> rusqlite::Result<Savepoint<'a>> {
        conn.execute_batch(&format!("SAVEPOINT {}", Self::NAME))?;
        Ok(Savepoint { conn, done: false })
    }

    pub(super) fn commit(mut self) -> rusqlite::Result<()> {
        self.done = true;
        self.conn.execute_batch(&format!("RELEASE {}", Self::NAME))
    }
}

impl Drop for Savepoint<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self
                .conn
                .execute_batch(&format!("ROLLBACK TO {n}; RELEASE {n}", n = Self::NAME));
        }
    }
}

impl std::ops::Deref for Write<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match &self.kind {
            Some(WriteKind::Transaction(t)) => t,
            Some(WriteKind::Savepoint(s)) => s.conn,
            None => &self.store.conn,
        }
    }
}

impl Write<'_> {
    pub fn commit(self) -> rusqlite::Result<()> {
        self.commit_changes().map(drop)
    }

    /// Commit, and return the changeset this transaction put in the outbox: what it
    /// changed, which [`super::session::invert`] turns into its undoing. `None` inside a
    /// batch (a savepoint) or when capture is off.
    pub fn commit_changes(mut self) -> rusqlite::Result<Option<Vec<u8>>> {
        match self.kind.take() {
            Some(WriteKind::Transaction(t)) => {
                let session = self.store.capture.borrow_mut().take();
                let mut out = None;
                if let Some(session) = session {
                    fresh_statistics_for(&t, &session);
                    let last = session.changeset()?;
                    drop(session);
                    let changes = match self.parts.get_mut().take() {
                        None => last,
                        Some(mut group) => {
                            group.add(&last)?;
                            drop(last);
                            group.output()?
                        }
                    };
                    if !changes.is_empty() {
                        super::sync::append_outbox(&t, &changes)?;
                    }
                    out = Some(changes);
                }
                t.commit()?;
                Ok(out)
            }
            Some(WriteKind::Savepoint(s)) => s.commit().map(|()| None),
            None => Ok(None),
        }
    }

    /// Stop capturing this write and return what it recorded so far: the changes are then
    /// not put in the outbox (an import applies another laptop's changes, which are that
    /// laptop's to send; it keeps them as the batch's applied changeset instead).
    pub fn take_capture(&self) -> rusqlite::Result<Option<Vec<u8>>> {
        let session = self.store.capture.borrow_mut().take();
        match session {
            Some(s) => Ok(Some(s.changeset()?)),
            None => Ok(None),
        }
    }

    /// For a long write (a bulk import): set aside the changeset recorded so far and start
    /// a new session, so that the session never holds more than one stretch of rows. The
    /// commit combines the stretches into the transaction's one outbox entry (SQLite's
    /// changegroup), exactly as one session would have recorded them.
    ///
    /// Why: the session reads every row it recorded back from the database when it makes
    /// its changeset, in the order of its hash table; for a whole 100,000-row import those
    /// reads land at random in B-trees far larger than the processor's caches, and cost
    /// more per row the larger the import (1.2 s against 0.05 s for 10,000 rows). Read back
    /// a stretch at a time, the rows are the ones just written, still in cache.
    ///
    /// Only where nothing written so far can still be undone on its own: a transaction
    /// (not a savepoint of a batch) with no savepoint of its own open. Does nothing when
    /// capture is off or inside a batch.
    pub fn checkpoint_capture(&self) -> Result<()> {
        if !matches!(self.kind, Some(WriteKind::Transaction(_))) {
            return Ok(());
        }
        let mut cell = self.store.capture.borrow_mut();
        let Some(session) = cell.take() else {
            return Ok(());
        };
        // The statistics as the tables are now (cheap when they have not grown tenfold
        // since they were last taken), whatever this stretch's size: with those of a
        // nearly empty table the read-back would scan the table for every row.
        self.execute_batch("PRAGMA optimize = 0x10002;")?;
        let part = session.changeset()?;
        drop(session);
        if !part.is_empty() {
            let mut parts = self.parts.borrow_mut();
            if parts.is_none() {
                *parts = Some(super::session::ChangeGroup::new()?);
            }
            if let Some(group) = parts.as_mut() {
                group.add(&part)?;
            }
        }
        drop(cell);
        self.store.start_capture()
    }
}

/// Before a large write's changeset is generated: SQLite reads every recorded row back
/// by its key, and with planner statistics taken when the table was nearly empty (the
/// `PRAGMA optimize` of the open) it scans the table for each (100,000 imported rows took
/// minutes instead of seconds). Refresh the statistics of the tables that grew first.
pub(super) fn fresh_statistics_for(c: &Connection, s: &super::session::Session<'_>) {
    if s.memory_used() > 1 << 20 {
        let _ = c.execute_batch("PRAGMA optimize = 0x10002;");
    }
}

impl Drop for Write<'_> {
    fn drop(&mut self) {
        if let Some(WriteKind::Transaction(_)) = &self.kind {
            // Rolled back: what the session recorded is gone too.
            self.store.capture.borrow_mut().take();
        }
    }
}

impl Store {
    /// A write transaction: `BEGIN IMMEDIATE`, so concurrent writers wait instead of failing.
    /// It borrows the store shared, so the service can read through its usual functions
    /// (`self.store.conn()`) inside the transaction: an edit reads the row it changes, and
    /// checks its rules, after taking the write lock. (A nested `write` fails with SQLite's
    /// "cannot start a transaction within a transaction" instead of being ruled out by the
    /// borrow checker.)
    /// Inside a batch, a savepoint of the batch's transaction.
    pub fn write(&self) -> Result<Write<'_>> {
        if self.batch {
            return Ok(Write {
                kind: Some(WriteKind::Savepoint(Savepoint::new(&self.conn)?)),
                store: self,
                parts: Default::default(),
            });
        }
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        self.start_capture()?;
        Ok(Write {
            kind: Some(WriteKind::Transaction(tx)),
            store: self,
            parts: Default::default(),
        })
    }
}

impl Store {
    /// Start one `BEGIN IMMEDIATE` transaction for bulk work made of many service calls
    /// (the demo study): each call's write becomes a savepoint of it, so the whole is
    /// written once instead of committing (and re-reading pages) after every call.
    /// End it with [`Store::end_batch`].
    pub fn begin_batch(&mut self) -> Result<()> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        self.batch = true;
        if let Err(e) = self.start_capture() {
            let _ = self.conn.execute_batch("ROLLBACK");
            self.batch = false;
            return Err(e);
        }
        self.begin_bulk()
    }

    /// A page cache of [`BULK_CACHE_KIB`] until [`Store::end_bulk`] (for one large write).
    pub fn begin_bulk(&mut self) -> Result<()> {
        if self.cache_before_bulk.is_none() {
            let before: i64 = self
                .conn
                .pragma_query_value(None, "cache_size", |r| r.get(0))?;
            self.conn
                .pragma_update(None, "cache_size", -BULK_CACHE_KIB)?;
            self.cache_before_bulk = Some(before);
        }
        Ok(())
    }

    /// The page cache as it was before [`Store::begin_bulk`].
    pub fn end_bulk(&mut self) -> Result<()> {
        if let Some(before) = self.cache_before_bulk.take() {
            self.conn.pragma_update(None, "cache_size", before)?;
        }
        Ok(())
    }

    /// Commit (or roll back) the batch's transaction.
    pub fn end_batch(&mut self, commit: bool) -> Result<()> {
        if !self.batch {
            return Ok(());
        }
        self.batch = false;
        let session = self.capture.get_mut().take();
        let captured = match (commit, session) {
            (true, Some(s)) => {
                fresh_statistics_for(&self.conn, &s);
                s.changeset()
            }
            .and_then(|cs| {
                drop(s);
                if cs.is_empty() {
                    Ok(())
                } else {
                    super::sync::append_outbox(&self.conn, &cs)
                }
            }),
            _ => Ok(()),
        };
        let ended = match captured {
            Ok(()) => self
                .conn
                .execute_batch(if commit { "COMMIT" } else { "ROLLBACK" }),
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        };
        self.end_bulk()?;
        ended?;
        Ok(())
    }
}
