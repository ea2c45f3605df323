//! The open database ([`Store`]): opening, creating, migrating on open, capture, backup.

use std::path::{Path, PathBuf};

use super::{backup::*, error::*, schema::*};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

/// An open fieldwork database.
pub struct Store {
    /// The session recording the current write (its changeset goes to the outbox at the
    /// commit). Declared before `conn`, so it is dropped before the connection closes.
    pub(super) capture: std::cell::RefCell<Option<super::session::Session<'static>>>,
    /// The tables the capture records (`None`: capture off — an older schema, or turned
    /// off for bulk work that needs no sending, see [`Store::set_capture`]).
    pub(super) captured: Option<std::sync::Arc<std::collections::HashSet<String>>>,
    pub(super) conn: Connection,
    pub(super) path: PathBuf,
    /// Where the file was copied before a migration, if one ran on open.
    pub migrated_backup: Option<PathBuf>,
    /// Inside [`Store::begin_batch`]: every [`Store::write`] is a savepoint of it.
    pub(super) batch: bool,
    /// The page cache setting to restore after bulk work.
    pub(super) cache_before_bulk: Option<i64>,
}

/// The page cache for bulk writes, in KiB. SQLite's default (2 MiB) is soon smaller than
/// the indexes a bulk write inserts into at random (UUID keys), which then read their pages
/// back from the file (the operating system's cache) again and again. The pages are only
/// taken as used.
pub const BULK_CACHE_KIB: i64 = 256 * 1024;

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
    /// A store on `conn` at `path`: no batch, no bulk cache, capture off until
    /// [`Store::set_capture`].
    fn fresh(conn: Connection, path: PathBuf) -> Store {
        Store {
            conn,
            path,
            migrated_backup: None,
            batch: false,
            cache_before_bulk: None,
            capture: Default::default(),
            captured: None,
        }
    }

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
        let mut store = Store::fresh(conn, path.to_path_buf());
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
        let mut store = Store::fresh(conn, path.to_path_buf());
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
    pub(super) fn upgrade(&mut self) -> Result<Option<PathBuf>> {
        // Another process may be migrating (and copying) a large file right now: wait for
        // it longer than for an ordinary write.
        self.conn.busy_timeout(MIGRATION_WAIT)?;
        let result = self.upgrade_locked();
        self.conn.busy_timeout(BUSY_WAIT)?;
        result
    }

    pub(super) fn upgrade_locked(&mut self) -> Result<Option<PathBuf>> {
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
    ///
    /// It reads the file through SQLite only, never through a file handle of its own
    /// (`inspect` reads the header that way): on POSIX systems closing any handle on the
    /// file drops every lock this process holds on it, the read-write connection's too;
    /// another process then believes it is the database's last user, checkpoints and
    /// deletes the write-ahead log, and what the read-write connection writes after that
    /// goes into a deleted file and is lost.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        if !path.is_file() {
            return Err(StoreError::Missing {
                path: path.display().to_string(),
            });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let version = super::backup::fieldwork_version(&conn, path)?;
        if version != SCHEMA_VERSION {
            return Err(StoreError::NotFieldwork {
                path: path.display().to_string(),
                why: format!(
                    "schema version {version}, not {SCHEMA_VERSION}: open it read-write first"
                ),
            });
        }
        Ok(Store::fresh(conn, path.to_path_buf()))
    }

    /// An in-memory database with the current schema (for tests and benchmarks).
    pub fn in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        let mut store = Store::fresh(conn, PathBuf::from(":memory:"));
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
}

impl Store {
    /// Attach a capture session (when capture is on) for the transaction just begun.
    pub(super) fn start_capture(&self) -> Result<()> {
        let mut cell = self.capture.borrow_mut();
        *cell = None;
        if let Some(tables) = &self.captured {
            let tables = tables.clone();
            // SAFETY: the session is kept in `self.capture`, which is emptied at the
            // commit or rollback, by `Store`'s Drop, and dropped before `self.conn`.
            let s = unsafe {
                super::session::Session::new_unbound(&self.conn, move |t| tables.contains(t))?
            };
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
        self.captured = if on && super::sync::has_sync_tables(&self.conn)? {
            Some(std::sync::Arc::new(super::sync::captured_tables(
                &self.conn,
            )?))
        } else {
            None
        };
        Ok(())
    }

    /// Whether writes are captured into the outbox.
    pub fn capturing(&self) -> bool {
        self.captured.is_some()
    }
}

impl Store {
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

    pub(super) fn migrate(&mut self, from: i32, to: i32) -> Result<()> {
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
