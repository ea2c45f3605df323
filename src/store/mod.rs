//! SQLite storage: opening, pragmas, migrations and typed queries. Knows nothing of the UI.
//!
//! Functions take a `&Connection`, so the service layer can run several of them inside one
//! `BEGIN IMMEDIATE` transaction (a [`Write`] derefs to a `Connection`).

pub mod agreement;
pub mod audit;
pub mod coding;
pub mod consent;
pub mod delete;
pub mod participants;
pub mod redaction;
pub mod reference;
pub mod session;
pub mod sessions;
pub mod sync;
pub mod themes;
pub mod transcripts;

use std::fs::OpenOptions;
use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

/// `PRAGMA application_id` of a fieldwork database: "FWRK".
pub const APPLICATION_ID: i32 = 0x4657_524B;

/// Create a folder and its missing parents owner-only (0700 on Unix), like the database
/// file they are made to hold; folders that exist are left as they are.
fn private_dir_all(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// Numbered migrations; version N is `MIGRATIONS[N - 1]`. A released migration is never
/// edited: `tests/migrations.rs` checks every committed schema fixture against it.
pub const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_coding.sql"),
    include_str!("migrations/0003_redaction.sql"),
    include_str!("migrations/0004_fts_explicit.sql"),
    include_str!("migrations/0005_fts_stemmed.sql"),
    include_str!("migrations/0006_allow_class.sql"),
    include_str!("migrations/0007_provenance.sql"),
    include_str!("migrations/0008_sync.sql"),
    include_str!("migrations/0009_consent_correction.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: not a fieldwork database ({why}); it was not modified")]
    NotFieldwork { path: String, why: String },
    #[error("{path}: the database has schema version {found}, newer than this fieldwork supports ({supported}); upgrade fieldwork to open it")]
    Newer {
        path: String,
        found: i32,
        supported: i32,
    },
    #[error("{path}: no database here; create one with `fieldwork init`")]
    Missing { path: String },
    #[error("{path}: cannot write to the database: the file or its folder is read-only (fieldwork writes the file and keeps {path}-wal beside it); fix the permissions, or copy the database somewhere writable")]
    ReadOnly { path: String },
    #[error("{path}: the database is missing but its write-ahead log {path}-wal is there (recent changes may be only in it): put the database back beside it, or move the -wal file away before `fieldwork init`; nothing was changed")]
    OrphanWal { path: String },
    #[error(
        "{path}: a database already exists; use `--force` to replace it (a backup is made first)"
    )]
    Exists { path: String },
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    /// `restore` refused its file; nothing was changed.
    #[error("{path}: cannot restore from this file: {why}; nothing was changed")]
    Unrestorable { path: String, why: String },
    /// Another connection holds the database, so it cannot be replaced now.
    #[error("{path}: the database is open in another program (a fieldwork interface?); close it and try again; nothing was changed")]
    InUse { path: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("corrupt value in column {column}: {value}")]
    Corrupt { column: String, value: String },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The ids that start with a typed prefix, as the bounds of `id >= lo AND id < hi`: an
/// index answers that in a few steps, where `id LIKE ?1 || '%'` reads the whole table (and
/// treats `_` and `%` in the key as wildcards). Ids are lower-case UUIDs, so the prefix is
/// lower-cased; a prefix shorter than 6 characters gives no bounds (it matches nothing).
pub(crate) fn id_prefix_bounds(key: &str) -> (Option<String>, Option<String>) {
    let k = key.trim().to_lowercase();
    if k.chars().count() < 6 {
        return (None, None);
    }
    // Every string that starts with `k` sorts before `k` + the largest code point.
    let hi = format!("{k}\u{10FFFF}");
    (Some(k), Some(hi))
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> StoreError {
    let context = context.into();
    move |source| StoreError::Io { context, source }
}

/// An open fieldwork database.
pub struct Store {
    /// The session recording the current write (its changeset goes to the outbox at the
    /// commit). Declared before `conn`, so it is dropped before the connection closes.
    capture: std::cell::RefCell<Option<session::Session<'static>>>,
    /// The tables the capture records (`None`: capture off — an older schema, or turned
    /// off for bulk work that needs no sending, see [`Store::set_capture`]).
    captured: Option<std::sync::Arc<std::collections::HashSet<String>>>,
    conn: Connection,
    path: PathBuf,
    /// Where the file was copied before a migration, if one ran on open.
    pub migrated_backup: Option<PathBuf>,
    /// Inside [`Store::begin_batch`]: every [`Store::write`] is a savepoint of it.
    batch: bool,
    /// The page cache setting to restore after bulk work.
    cache_before_bulk: Option<i64>,
}

/// The page cache for bulk writes, in KiB. SQLite's default (2 MiB) is soon smaller than
/// the indexes a bulk write inserts into at random (UUID keys), which then read their pages
/// back from the file (the operating system's cache) again and again. The pages are only
/// taken as used.
pub const BULK_CACHE_KIB: i64 = 256 * 1024;

/// One write: a `BEGIN IMMEDIATE` transaction, or, inside a batch, a savepoint of the
/// batch's transaction. Derefs to the connection; dropped without `commit` it rolls back
/// (the savepoint only: the batch goes on).
///
/// When capture is on (every database of the current schema), a session records the
/// write's changes; at the commit of the outer transaction their changeset is put in the
/// outbox (`sync_outbox`) inside the same transaction, then the transaction commits: a
/// change is captured exactly once, and a crash loses both or neither.
pub struct Write<'a> {
    kind: Option<WriteKind<'a>>,
    store: &'a Store,
    /// The changes of this transaction set aside by [`Write::checkpoint_capture`];
    /// combined with the last session's into the transaction's one outbox entry at the
    /// commit.
    parts: std::cell::RefCell<Option<session::ChangeGroup>>,
}

enum WriteKind<'a> {
    Transaction(rusqlite::Transaction<'a>),
    Savepoint(Savepoint<'a>),
}

/// A savepoint of the batch's transaction, taken through a shared borrow of the connection
/// (rusqlite's own `Savepoint` needs `&mut`, and a write borrows the store shared so that
/// the service reads through its usual functions inside it). Released by `commit`; dropped
/// without it, rolled back to where it began.
pub struct Savepoint<'a> {
    conn: &'a Connection,
    done: bool,
}

impl<'a> Savepoint<'a> {
    const NAME: &'static str = "fieldwork_write";

    fn new(conn: &'a Connection) -> rusqlite::Result<Savepoint<'a>> {
        conn.execute_batch(&format!("SAVEPOINT {}", Self::NAME))?;
        Ok(Savepoint { conn, done: false })
    }

    fn commit(mut self) -> rusqlite::Result<()> {
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
    pub fn commit(mut self) -> rusqlite::Result<()> {
        match self.kind.take() {
            Some(WriteKind::Transaction(t)) => {
                let session = self.store.capture.borrow_mut().take();
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
                        sync::append_outbox(&t, &changes)?;
                    }
                }
                t.commit()
            }
            Some(WriteKind::Savepoint(s)) => s.commit(),
            None => Ok(()),
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
                *parts = Some(session::ChangeGroup::new()?);
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
fn fresh_statistics_for(c: &Connection, s: &session::Session<'_>) {
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

impl Drop for Store {
    fn drop(&mut self) {
        // The capture session goes before the connection it records.
        self.capture.get_mut().take();
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Create a new database file (readable by its owner only) with the current schema.
    pub fn create(path: &Path) -> Result<Store> {
        Store::create_at_version(path, SCHEMA_VERSION)
    }

    /// Create a new database file with only the first `version` migrations applied, as a
    /// build that shipped that schema created it (`tests/migrations.rs` builds the schema
    /// fixtures with it). `version` is clamped to `1..=SCHEMA_VERSION`.
    pub fn create_at_version(path: &Path, version: i32) -> Result<Store> {
        if path.exists() {
            return Err(StoreError::Exists {
                path: path.display().to_string(),
            });
        }
        // SQLite would take a stray log for the new file's own and replay or delete it.
        if companion(path, "-wal").exists() {
            return Err(StoreError::OrphanWal {
                path: path.display().to_string(),
            });
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            private_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
        }
        create_private(path)?;
        let conn = Connection::open(path)?;
        configure(&conn)?;
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            migrated_backup: None,
            batch: false,
            cache_before_bulk: None,
            capture: Default::default(),
            captured: None,
        };
        store.migrate(0, version.clamp(1, SCHEMA_VERSION))?;
        store.set_capture(true)?;
        Ok(store)
    }

    /// Open an existing fieldwork database, migrating it (after a backup) if it is older.
    ///
    /// The version read by [`inspect`] only says whether to look closer: the migration
    /// itself reads `user_version` again under the write lock, so two processes opening
    /// an old file at once cannot both migrate it (the second waits, then finds it done).
    pub fn open(path: &Path) -> Result<Store> {
        let version = inspect(path)?;
        let read_only = |e: StoreError| match &e {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _))
                if matches!(
                    f.code,
                    rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen
                ) =>
            {
                StoreError::ReadOnly {
                    path: path.display().to_string(),
                }
            }
            _ => e,
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| read_only(e.into()))?;
        if version < SCHEMA_VERSION {
            // Another process may be migrating (and copying) this old file right now, and
            // switching it to WAL below needs the lock it holds: wait as long as for the
            // migration itself, not the ordinary 5 s (under load the copy can take longer).
            conn.busy_timeout(MIGRATION_WAIT)?;
        }
        configure(&conn).map_err(read_only)?;
        if version < SCHEMA_VERSION {
            conn.busy_timeout(MIGRATION_WAIT)?;
        }
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            migrated_backup: None,
            batch: false,
            cache_before_bulk: None,
            capture: Default::default(),
            captured: None,
        };
        if version < SCHEMA_VERSION {
            store.migrated_backup = store.upgrade()?;
        }
        // Let SQLite gather statistics where they are missing or stale (cheap, bounded).
        let _ = store.conn.execute_batch("PRAGMA optimize = 0x10002;");
        store.set_capture(true)?;
        Ok(store)
    }

    /// Bring an older file to [`SCHEMA_VERSION`] in one `BEGIN IMMEDIATE` transaction:
    /// read the version inside it, copy the file while holding the lock (so the copy is
    /// exactly the state migrated), run the missing migrations, commit. Returns the
    /// backup, or `None` if another process had already migrated the file by the time the
    /// lock was ours.
    fn upgrade(&mut self) -> Result<Option<PathBuf>> {
        // Another process may be migrating (and copying) a large file right now: wait for
        // it longer than for an ordinary write.
        self.conn.busy_timeout(MIGRATION_WAIT)?;
        let result = self.upgrade_locked();
        self.conn.busy_timeout(BUSY_WAIT)?;
        result
    }

    fn upgrade_locked(&mut self) -> Result<Option<PathBuf>> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i32 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Newer {
                path: path.display().to_string(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if version == SCHEMA_VERSION {
            return Ok(None);
        }
        // The copy is read through a second connection: SQLite refuses an online backup
        // from a connection inside a write transaction, and while this one holds the write
        // lock (and has not written yet) a reader sees exactly the state being migrated.
        let backup = backup_path(&path, &format!("v{version}"));
        let reader = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        online_copy(&reader, &backup)?;
        drop(reader);
        let applied = apply_migrations(&tx, version, SCHEMA_VERSION).and_then(|()| {
            tx.commit()?;
            Ok(())
        });
        match applied {
            Ok(()) => Ok(Some(backup)),
            Err(e) => {
                // The file is as it was (the transaction rolled back): the copy is not needed.
                let _ = std::fs::remove_file(&backup);
                Err(e)
            }
        }
    }

    /// Open an existing fieldwork database of the current schema read-only, beside a
    /// read-write connection (the interface's load worker): it never migrates and cannot
    /// write. WAL mode (set by the writer) lets it read while the other connection writes.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        let version = inspect(path)?;
        if version != SCHEMA_VERSION {
            return Err(StoreError::NotFieldwork {
                path: path.display().to_string(),
                why: format!(
                    "schema version {version}, not {SCHEMA_VERSION}: open it read-write first"
                ),
            });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            migrated_backup: None,
            batch: false,
            cache_before_bulk: None,
            capture: Default::default(),
            captured: None,
        })
    }

    /// An in-memory database with the current schema (for tests and benchmarks).
    pub fn in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        let mut store = Store {
            conn,
            path: PathBuf::from(":memory:"),
            migrated_backup: None,
            batch: false,
            cache_before_bulk: None,
            capture: Default::default(),
            captured: None,
        };
        store.migrate(0, SCHEMA_VERSION)?;
        store.set_capture(true)?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

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

    /// Attach a capture session (when capture is on) for the transaction just begun.
    fn start_capture(&self) -> Result<()> {
        let mut cell = self.capture.borrow_mut();
        *cell = None;
        if let Some(tables) = &self.captured {
            let tables = tables.clone();
            // SAFETY: the session is kept in `self.capture`, which is emptied at the
            // commit or rollback, by `Store`'s Drop, and dropped before `self.conn`.
            let s =
                unsafe { session::Session::new_unbound(&self.conn, move |t| tables.contains(t))? };
            *cell = Some(s);
        }
        Ok(())
    }

    /// Turn capture on (the default for a database of the current schema) or off. Off,
    /// writes are not put in the outbox: for bulk content that never needs sending (the
    /// demo study; a new laptop starts from a snapshot of a team's database, not from
    /// another laptop's outbox).
    pub fn set_capture(&mut self, on: bool) -> Result<()> {
        *self.capture.get_mut() = None;
        self.captured = if on && sync::has_sync_tables(&self.conn)? {
            Some(std::sync::Arc::new(sync::captured_tables(&self.conn)?))
        } else {
            None
        };
        Ok(())
    }

    /// Whether writes are captured into the outbox.
    pub fn capturing(&self) -> bool {
        self.captured.is_some()
    }

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
                    sync::append_outbox(&self.conn, &cs)
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

    /// Record the expanded text of every SQL statement run from now on (benchmarks compare
    /// the same statements run by the `sqlite3` shell). `None` stops recording.
    pub fn record_sql(
        &mut self,
        sink: Option<std::sync::Arc<std::sync::Mutex<Vec<String>>>>,
    ) -> Result<()> {
        use rusqlite::trace::{TraceEvent, TraceEventCodes};
        match sink {
            Some(sink) => self.conn.trace_v2(
                TraceEventCodes::SQLITE_TRACE_STMT,
                Some(move |e: TraceEvent<'_>| {
                    if let TraceEvent::Stmt(stmt, sql) = e {
                        let text = stmt.expanded_sql().unwrap_or_else(|| sql.to_string());
                        if let Ok(mut v) = sink.lock() {
                            v.push(text);
                        }
                    }
                }),
            )?,
            None => self
                .conn
                .trace_v2(TraceEventCodes::empty(), None::<fn(TraceEvent<'_>)>)?,
        }
        Ok(())
    }

    fn migrate(&mut self, from: i32, to: i32) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        apply_migrations(&tx, from, to)?;
        tx.commit()?;
        Ok(())
    }

    /// A consistent copy of the live database, by SQLite's online backup (all pages in one
    /// step, so it finishes even while another connection writes). The copy is 0600.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        online_copy(&self.conn, dest)
    }

    /// `PRAGMA integrity_check` and `foreign_key_check`: an empty list means healthy.
    pub fn integrity_problems(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        for r in rows {
            let r = r?;
            if r != "ok" {
                out.push(format!("integrity: {r}"));
            }
        }
        let mut stmt = self.conn.prepare("PRAGMA foreign_key_check")?;
        let rows = stmt.query_map([], |r| {
            Ok(format!(
                "foreign key: row {} of table {} points to a missing {}",
                r.get::<_, Option<i64>>(1)?.unwrap_or_default(),
                r.get::<_, String>(0)?,
                r.get::<_, String>(2)?
            ))
        })?;
        for r in rows {
            out.push(r?);
        }
        Ok(out)
    }
}

/// How long a write waits for another connection's write to finish.
const BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// How long opening an old file waits for another process that is migrating it.
const MIGRATION_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

fn configure(conn: &Connection) -> Result<()> {
    // Switching a file to WAL needs every other connection out of it for a moment, and
    // SQLite answers "database is locked" at once (the busy handler is not asked) when
    // another process is opening or migrating the same file: retry within the wait.
    let give_up = std::time::Instant::now() + MIGRATION_WAIT;
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(f, _))
                if f.code == rusqlite::ErrorCode::DatabaseBusy
                    && std::time::Instant::now() < give_up =>
            {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            r => {
                r?;
                break;
            }
        }
    }
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.busy_timeout(BUSY_WAIT)?;
    Ok(())
}

/// Run migrations `from + 1 ..= to` inside the caller's transaction, setting
/// `user_version` after each.
fn apply_migrations(tx: &Connection, from: i32, to: i32) -> Result<()> {
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .take(to.max(0) as usize)
        .skip(from.max(0) as usize)
    {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i32)?;
    }
    Ok(())
}

/// Create `dest` (0600, never over an existing file) and copy `src` into it with SQLite's
/// online backup, all pages in one step. `src` must not be inside a write transaction
/// (SQLite would answer "locked" for ever). The copy uses a rollback journal, so it is one
/// self-contained file.
fn online_copy(src: &Connection, dest: &Path) -> Result<()> {
    if dest.exists() {
        return Err(StoreError::Exists {
            path: dest.display().to_string(),
        });
    }
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        private_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
    }
    create_private(dest)?;
    let result = (|| -> Result<()> {
        let mut dst = Connection::open(dest)?;
        copy_pages(src, &mut dst)?;
        dst.pragma_update(None, "journal_mode", "DELETE")?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(dest);
    }
    result
}

/// Create an empty file readable by its owner only; fails if it exists.
fn create_private(path: &Path) -> Result<()> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
        .map_err(io(format!("creating {}", path.display())))?;
    Ok(())
}

/// Every page of `src` into `dst`, in one step (one write transaction on `dst`).
/// Gives up with "database is busy" after [`BUSY_WAIT`] of busy or locked answers.
fn copy_pages(src: &Connection, dst: &mut Connection) -> Result<()> {
    let backup = rusqlite::backup::Backup::new(src, dst)?;
    let give_up = std::time::Instant::now() + BUSY_WAIT;
    loop {
        match backup.step(-1)? {
            rusqlite::backup::StepResult::Done => return Ok(()),
            rusqlite::backup::StepResult::Busy | rusqlite::backup::StepResult::Locked
                if std::time::Instant::now() < give_up =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            rusqlite::backup::StepResult::Busy | rusqlite::backup::StepResult::Locked => {
                return Err(StoreError::Sqlite(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                    Some("the database stayed busy during the copy".into()),
                )))
            }
            _ => continue,
        }
    }
}

/// A sibling path for a backup: `study.db` → `study.db.<label>-<UTC time>.bak`.
pub fn backup_path(path: &Path, label: &str) -> PathBuf {
    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_default();
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".{label}-{stamp}.bak"));
    let candidate = path.with_file_name(&name);
    if !candidate.exists() {
        return candidate;
    }
    let mut n = 2;
    loop {
        let mut alt = name.clone();
        alt.push(format!(".{n}"));
        let c = path.with_file_name(alt);
        if !c.exists() {
            return c;
        }
        n += 1;
    }
}

/// Check, without modifying anything, that `path` is a fieldwork database this build can
/// open; return its schema version.
pub fn inspect(path: &Path) -> Result<i32> {
    inspect_with(path, |p| {
        Connection::open_with_flags(
            p,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
    })
}

/// [`inspect`] with the read-only connection made by `open`.
fn inspect_with(
    path: &Path,
    open: impl FnOnce(&Path) -> rusqlite::Result<Connection>,
) -> Result<i32> {
    let display = path.display().to_string();
    if path.is_dir() {
        return Err(StoreError::NotFieldwork {
            path: display,
            why: "it is a folder".into(),
        });
    }
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(if companion(path, "-wal").exists() {
                StoreError::OrphanWal { path: display }
            } else {
                StoreError::Missing { path: display }
            });
        }
        Err(e) => return Err(io(format!("opening {display}"))(e)),
    };
    let mut header = [0u8; 100];
    let n = f
        .read(&mut header)
        .map_err(io(format!("reading {display}")))?;
    if n < 100 || &header[..16] != b"SQLite format 3\0" {
        return Err(StoreError::NotFieldwork {
            path: display,
            why: if n == 0 {
                "the file is empty".into()
            } else {
                "the file is not an SQLite database".into()
            },
        });
    }
    // A file shorter than the size its header records was cut short (a copy that did not
    // finish, a full disk). The header's count is valid when its "version-valid-for"
    // number matches the change counter; with a write-ahead log the file may lag it.
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536,
        n => u64::from(n),
    };
    let pages = u64::from(u32::from_be_bytes([
        header[28], header[29], header[30], header[31],
    ]));
    let valid = header[24..28] == header[92..96];
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    if valid && !companion(path, "-wal").exists() && len < pages * page_size {
        return Err(StoreError::NotFieldwork {
            path: display,
            why: format!(
                "the file is damaged or truncated: {len} bytes where its header records {}",
                pages * page_size
            ),
        });
    }
    drop(f);
    let ro = open(path)?;
    let app: i32 = ro.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let version: i32 = ro.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if app != APPLICATION_ID {
        return Err(StoreError::NotFieldwork {
            path: display,
            why: "an SQLite database written by another program".into(),
        });
    }
    if version > SCHEMA_VERSION {
        return Err(StoreError::Newer {
            path: display,
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(version)
}

/// `UPDATE table SET col = ?, … WHERE id = ?` for only the columns given, so an edit never
/// writes back a column it did not change. Table and column names come from the code,
/// never from input. Returns the number of rows changed (0 or 1).
pub(crate) fn update_columns(
    c: &Connection,
    table: &'static str,
    id: &str,
    columns: &[(&'static str, rusqlite::types::Value)],
) -> Result<usize> {
    if columns.is_empty() {
        return Ok(0);
    }
    let set = columns
        .iter()
        .enumerate()
        .map(|(i, (col, _))| format!("{col} = ?{}", i + 2))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("UPDATE {table} SET {set} WHERE id = ?1");
    let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(columns.len() + 1);
    values.push(&id);
    for (_, v) in columns {
        values.push(v);
    }
    Ok(c.prepare_cached(&sql)?.execute(values.as_slice())?)
}

/// What [`restore`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// Where the database that was replaced was kept (`None`: there was none).
    pub kept: Option<PathBuf>,
    /// The schema version of the restored file (older ones are migrated on the next open).
    pub version: i32,
}

/// A read-only connection to a backup file. With no write-ahead log beside it (a copy made
/// by `fieldwork backup`, or a closed database), it is opened `immutable`, so that reading
/// it leaves no `-wal`/`-shm` files next to it; with one, it is read together with its log.
fn open_backup(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut wal = path.as_os_str().to_os_string();
    wal.push("-wal");
    let has_log = std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0);
    #[cfg(unix)]
    if let (false, Some(p)) = (has_log, path.to_str()) {
        if !p.starts_with("//") {
            let uri = format!(
                "file:{}?mode=ro&immutable=1",
                p.replace('%', "%25")
                    .replace('?', "%3f")
                    .replace('#', "%23")
            );
            return Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI);
        }
    }
    let _ = has_log;
    Connection::open_with_flags(path, flags)
}

/// Check that `source` can be restored: a regular file, an SQLite database tagged as
/// fieldwork's, not newer than this build, and passing `PRAGMA integrity_check`. Returns
/// its schema version. Nothing is written, to it or anywhere.
pub fn check_restorable(source: &Path) -> Result<i32> {
    let display = source.display().to_string();
    let refuse = |why: String| StoreError::Unrestorable {
        path: display.clone(),
        why,
    };
    match std::fs::metadata(source) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(refuse("there is no such file".into()))
        }
        Err(e) => return Err(refuse(format!("it cannot be read ({e})"))),
        Ok(m) if m.is_dir() => return Err(refuse("it is a folder, not a backup file".into())),
        Ok(m) if !m.is_file() => {
            return Err(refuse(
                "it is not a regular file (a device, pipe or socket)".into(),
            ))
        }
        Ok(_) => {}
    }
    let version = match inspect_with(source, open_backup) {
        Ok(v) => v,
        Err(StoreError::NotFieldwork { why, .. }) => {
            return Err(refuse(format!("it is not a fieldwork database: {why}")))
        }
        Err(StoreError::Newer {
            found, supported, ..
        }) => {
            return Err(refuse(format!(
                "it has schema version {found}, newer than this fieldwork supports ({supported}); \
                 restore it with the newer fieldwork that wrote it"
            )))
        }
        Err(StoreError::Sqlite(e)) => {
            return Err(refuse(format!(
                "SQLite cannot read it ({e}); the file is damaged or truncated"
            )))
        }
        Err(e) => return Err(e),
    };
    let problems = (|| -> rusqlite::Result<Vec<String>> {
        let ro = open_backup(source)?;
        let mut stmt = ro.prepare("PRAGMA integrity_check")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.filter(|r| !matches!(r.as_deref(), Ok("ok"))).collect()
    })();
    match problems {
        Ok(p) if p.is_empty() => Ok(version),
        Ok(p) => {
            let shown: Vec<&str> = p.iter().take(3).map(String::as_str).collect();
            Err(refuse(format!(
                "it fails SQLite's integrity check ({} problem(s), e.g. {}); the file is damaged or truncated",
                p.len(),
                shown.join("; ")
            )))
        }
        Err(e) => Err(refuse(format!(
            "it fails SQLite's integrity check ({e}); the file is damaged or truncated"
        ))),
    }
}

/// Replace the database at `live` with the backup `source`, after checking it
/// ([`check_restorable`]) and keeping the current database as
/// `LIVE.before-restore-<UTC time>.bak` (0600).
///
/// The replacement holds the database exclusively from before the copy of the current
/// file until the restored pages are committed (`locking_mode = EXCLUSIVE`, then
/// `BEGIN IMMEDIATE`): no other connection can read or write in between, so nothing
/// written elsewhere is lost between the kept copy and the restore, and no open interface
/// goes on working on pages that changed under it. If another connection has the file
/// open (an interface, a running command), this waits for the busy timeout and then
/// refuses with [`StoreError::InUse`]. The pages are copied with SQLite's online backup
/// into the live connection: one write transaction in the live file's own journal, so a
/// crash leaves the old or the new database, never a mix. With no database at `live`,
/// the backup is copied to a new 0600 file.
pub fn restore(live: &Path, source: &Path) -> Result<Restored> {
    let version = check_restorable(source)?;
    // The same file by any path: a symbolic link, `./`, `..` (canonical paths), or a hard
    // link (the same file on disk under another name, which canonical paths miss).
    let same = match (std::fs::canonicalize(live), std::fs::canonicalize(source)) {
        (Ok(a), Ok(b)) => a == b || same_file::is_same_file(&a, &b).unwrap_or(false),
        _ => false,
    };
    if same {
        return Err(StoreError::Unrestorable {
            path: source.display().to_string(),
            why: "it is the database itself".into(),
        });
    }
    let src = open_backup(source)?;
    if !live.exists() {
        if let Some(dir) = live.parent().filter(|d| !d.as_os_str().is_empty()) {
            private_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
        }
        create_private(live)?;
        let result = (|| -> Result<()> {
            let mut dst = Connection::open(live)?;
            copy_pages(&src, &mut dst)?;
            dst.pragma_update(None, "journal_mode", "WAL")?;
            Ok(())
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(live);
        }
        result?;
        return Ok(Restored {
            kept: None,
            version,
        });
    }
    // The current file must be ours (and one this build can read) to be replaced.
    inspect(live)?;
    let mut conn = Connection::open_with_flags(
        live,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn)?;
    conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
    let in_use = |e: rusqlite::Error| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            StoreError::InUse {
                path: live.display().to_string(),
            }
        }
        _ => StoreError::Sqlite(e),
    };
    // Take the lock; in exclusive locking mode it is kept after the commit.
    conn.execute_batch("BEGIN IMMEDIATE; COMMIT;")
        .map_err(in_use)?;
    let kept = backup_path(live, "before-restore");
    online_copy(&conn, &kept)?;
    copy_pages(&src, &mut conn).map_err(|e| match e {
        StoreError::Sqlite(e) => in_use(e),
        other => other,
    })?;
    let restored: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if restored != version {
        return Err(StoreError::Corrupt {
            column: "user_version".into(),
            value: format!("{restored} after restoring a file of version {version}"),
        });
    }
    drop(conn);
    Ok(Restored {
        kept: Some(kept),
        version,
    })
}

/// Read an enum stored as text, reporting a corrupt value instead of panicking.
pub(crate) fn parse_col<T: std::str::FromStr>(column: &str, value: String) -> Result<T> {
    value.parse().map_err(|_| StoreError::Corrupt {
        column: column.into(),
        value,
    })
}

pub(crate) fn parse_date_col(column: &str, value: String) -> Result<time::Date> {
    crate::domain::parse_date(&value).map_err(|_| StoreError::Corrupt {
        column: column.into(),
        value,
    })
}

/// Map a row-level conversion error from our own parsing into rusqlite's error type.
pub(crate) fn conv<T>(r: Result<T>) -> rusqlite::Result<T> {
    r.map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// `FILE-wal`, `FILE-shm` or `FILE-journal` beside a database file.
fn companion(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_run_and_tables_have_primary_keys() {
        let s = Store::in_memory().unwrap();
        let v: i32 = s
            .conn()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let mut stmt = s
            .conn()
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table'
                 AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'",
            )
            .unwrap();
        let tables: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert!(tables.len() > 15);
        for t in tables {
            let pk: i64 = s
                .conn()
                .query_row(
                    &format!("SELECT count(*) FROM pragma_table_info('{t}') WHERE pk > 0"),
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert!(pk > 0, "table {t} has no primary key");
        }
    }

    fn meta_keys(s: &Store) -> Vec<String> {
        let mut stmt = s
            .conn()
            .prepare("SELECT key FROM meta ORDER BY key")
            .unwrap();
        let v = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        v
    }

    fn put(s: &mut Store, key: &str, commit: bool) {
        let w = s.write().unwrap();
        w.execute("INSERT INTO meta (key, value) VALUES (?1, 'v')", [key])
            .unwrap();
        if commit {
            w.commit().unwrap();
        }
    }

    #[test]
    fn writes_in_a_batch_are_savepoints_of_one_transaction() {
        let mut s = Store::in_memory().unwrap();
        s.begin_batch().unwrap();
        put(&mut s, "a", true);
        // A write dropped without commit undoes itself only.
        put(&mut s, "b", false);
        put(&mut s, "c", true);
        assert!(!s.conn().is_autocommit(), "still inside the batch");
        s.end_batch(true).unwrap();
        assert!(s.conn().is_autocommit());
        assert_eq!(meta_keys(&s), ["a", "c"]);
        // Outside a batch, write() is a transaction of its own again.
        put(&mut s, "d", true);
        assert!(s.conn().is_autocommit());
        // A batch rolled back leaves nothing of its writes.
        s.begin_batch().unwrap();
        put(&mut s, "e", true);
        s.end_batch(false).unwrap();
        assert_eq!(meta_keys(&s), ["a", "c", "d"]);
        // The bulk page cache is given back at the end.
        let cache = |s: &Store| -> i64 {
            s.conn()
                .pragma_query_value(None, "cache_size", |r| r.get(0))
                .unwrap()
        };
        let before = cache(&s);
        s.begin_batch().unwrap();
        assert_eq!(cache(&s), -BULK_CACHE_KIB);
        s.end_batch(true).unwrap();
        assert_eq!(cache(&s), before);
    }

    /// One transaction's changes, by table and key, from the outbox entry it left.
    fn outbox_changes(s: &Store) -> Vec<String> {
        let blobs: Vec<Vec<u8>> = {
            let mut stmt = s
                .conn()
                .prepare("SELECT changeset FROM sync_outbox ORDER BY seq")
                .unwrap();
            let v = stmt
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            v
        };
        let mut out: Vec<String> = blobs
            .iter()
            .flat_map(|b| session::changes(b).unwrap())
            .map(|c| format!("{} {:?} {:?} {:?}", c.table, c.op, c.old, c.new))
            .collect();
        out.sort();
        out
    }

    /// Writes rows of `site` in one transaction: inserts, an update and a delete of rows
    /// of an earlier stretch, an insert and delete inside one stretch; `checkpoints` sets
    /// the capture aside between the steps.
    fn site_writes(s: &Store, checkpoints: bool) {
        let w = s.write().unwrap();
        let cp = |w: &Write<'_>| {
            if checkpoints {
                w.checkpoint_capture().unwrap();
            }
        };
        for i in 0..5 {
            w.execute(
                "INSERT INTO site (id, code, name, sort) VALUES (?1, ?1, 'n', ?2)",
                rusqlite::params![format!("s{i}"), i],
            )
            .unwrap();
        }
        cp(&w);
        w.execute("UPDATE site SET name = 'renamed' WHERE id = 's1'", [])
            .unwrap();
        w.execute(
            "INSERT INTO site (id, code, name, sort) VALUES ('s9', 's9', 'n', 9)",
            [],
        )
        .unwrap();
        cp(&w);
        w.execute("DELETE FROM site WHERE id IN ('s2', 's9')", [])
            .unwrap();
        w.execute("UPDATE site SET name = 'again' WHERE id = 's1'", [])
            .unwrap();
        cp(&w);
        w.commit().unwrap();
    }

    #[test]
    fn a_write_captured_in_stretches_leaves_the_changes_of_one_session() {
        let whole = Store::in_memory().unwrap();
        assert!(whole.capturing());
        site_writes(&whole, false);
        let stretched = Store::in_memory().unwrap();
        site_writes(&stretched, true);
        let expected = outbox_changes(&whole);
        // s0, s1 (as last renamed), s3, s4: inserted; s2 and s9 never appear.
        assert_eq!(expected.len(), 4, "{expected:#?}");
        assert!(expected.iter().any(|c| c.contains("again")));
        assert!(!expected
            .iter()
            .any(|c| c.contains("\"s2\"") || c.contains("\"s9\"")));
        assert_eq!(outbox_changes(&stretched), expected);
        // One transaction, one outbox entry.
        let entries: i64 = stretched
            .conn()
            .query_row("SELECT count(*) FROM sync_outbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(entries, 1);
    }

    #[test]
    fn a_rolled_back_write_leaves_none_of_its_stretches() {
        let s = Store::in_memory().unwrap();
        {
            let w = s.write().unwrap();
            w.execute(
                "INSERT INTO site (id, code, name, sort) VALUES ('gone', 'gone', 'n', 1)",
                [],
            )
            .unwrap();
            w.checkpoint_capture().unwrap();
            // Dropped without commit: rolled back.
        }
        let w = s.write().unwrap();
        w.execute(
            "INSERT INTO site (id, code, name, sort) VALUES ('kept', 'kept', 'n', 2)",
            [],
        )
        .unwrap();
        w.commit().unwrap();
        let changes = outbox_changes(&s);
        assert_eq!(changes.len(), 1, "{changes:#?}");
        assert!(changes[0].contains("kept"));
    }
}
