//! SQLite storage: opening, pragmas, migrations and typed queries. Knows nothing of the UI.
//!
//! Functions take a `&Connection`, so the service layer can run several of them inside one
//! `BEGIN IMMEDIATE` transaction (a `Transaction` derefs to a `Connection`).

pub mod audit;
pub mod coding;
pub mod consent;
pub mod participants;
pub mod redaction;
pub mod reference;
pub mod sessions;
pub mod themes;
pub mod transcripts;

use std::fs::OpenOptions;
use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

/// `PRAGMA application_id` of a fieldwork database: "FWRK".
pub const APPLICATION_ID: i32 = 0x4657_524B;

/// Numbered migrations; version N is `MIGRATIONS[N - 1]`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_coding.sql"),
    include_str!("migrations/0003_redaction.sql"),
    include_str!("migrations/0004_fts_explicit.sql"),
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
    #[error(
        "{path}: a database already exists; use `--force` to replace it (a backup is made first)"
    )]
    Exists { path: String },
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
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

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> StoreError {
    let context = context.into();
    move |source| StoreError::Io { context, source }
}

/// An open fieldwork database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Where the file was copied before a migration, if one ran on open.
    pub migrated_backup: Option<PathBuf>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Create a new database file (readable by its owner only) with the current schema.
    pub fn create(path: &Path) -> Result<Store> {
        if path.exists() {
            return Err(StoreError::Exists {
                path: path.display().to_string(),
            });
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
        }
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        opts.open(path)
            .map_err(io(format!("creating {}", path.display())))?;
        let conn = Connection::open(path)?;
        configure(&conn)?;
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            migrated_backup: None,
        };
        store.migrate_from(0)?;
        Ok(store)
    }

    /// Open an existing fieldwork database, migrating it (after a backup) if it is older.
    pub fn open(path: &Path) -> Result<Store> {
        let version = inspect(path)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&conn)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            migrated_backup: None,
        };
        if version < SCHEMA_VERSION {
            let backup = backup_path(path, &format!("v{version}"));
            store.backup_to(&backup)?;
            store.migrated_backup = Some(backup);
            store.migrate_from(version)?;
        }
        // Let SQLite gather statistics where they are missing or stale (cheap, bounded).
        let _ = store.conn.execute_batch("PRAGMA optimize = 0x10002;");
        Ok(store)
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
        };
        store.migrate_from(0)?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// A write transaction: `BEGIN IMMEDIATE`, so concurrent writers wait instead of failing.
    pub fn write(&mut self) -> Result<rusqlite::Transaction<'_>> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
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

    fn migrate_from(&mut self, from: i32) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(from as usize) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i32)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// A consistent copy of the live database, by SQLite's online backup (all pages in one
    /// step, so it finishes even while another connection writes). The copy is 0600.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        if dest.exists() {
            return Err(StoreError::Exists {
                path: dest.display().to_string(),
            });
        }
        if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
        }
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        opts.open(dest)
            .map_err(io(format!("creating {}", dest.display())))?;
        let result = (|| -> Result<()> {
            let mut dst = Connection::open(dest)?;
            {
                let backup = rusqlite::backup::Backup::new(&self.conn, &mut dst)?;
                loop {
                    match backup.step(-1)? {
                        rusqlite::backup::StepResult::Done => break,
                        rusqlite::backup::StepResult::More => continue,
                        rusqlite::backup::StepResult::Busy
                        | rusqlite::backup::StepResult::Locked => {
                            std::thread::sleep(std::time::Duration::from_millis(50))
                        }
                        _ => continue,
                    }
                }
            }
            dst.pragma_update(None, "journal_mode", "DELETE")?;
            Ok(())
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(dest);
        }
        result
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

fn configure(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
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
            return Err(StoreError::Missing { path: display })
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
    drop(f);
    let ro = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
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
}
