//! Files beside the database: private folders and files, online copies, backups, inspecting
//! and restoring a database file.

use std::fs::OpenOptions;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{error::*, schema::*};
use rusqlite::{Connection, OpenFlags};

/// Create a folder and its missing parents owner-only (0700 on Unix), like the database
/// file they are made to hold; folders that exist are left as they are.
pub(super) fn private_dir_all(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// Create `dest` (0600, never over an existing file) and copy `src` into it with SQLite's
/// online backup, all pages in one step. `src` must not be inside a write transaction
/// (SQLite would answer "locked" for ever). The copy uses a rollback journal, so it is one
/// self-contained file.
pub(super) fn online_copy(src: &Connection, dest: &Path) -> Result<()> {
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
pub(super) fn create_private(path: &Path) -> Result<()> {
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
pub(super) fn copy_pages(src: &Connection, dst: &mut Connection) -> Result<()> {
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
pub(super) fn inspect_with(
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
    fieldwork_version(&open(path)?, path)
}

/// The schema version of the fieldwork database `conn` is open on, read through SQLite
/// only; refused when it is another program's database or newer than this build.
pub(super) fn fieldwork_version(conn: &Connection, path: &Path) -> Result<i32> {
    let app: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let version: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if app != APPLICATION_ID {
        return Err(StoreError::NotFieldwork {
            path: path.display().to_string(),
            why: "an SQLite database written by another program".into(),
        });
    }
    if version > SCHEMA_VERSION {
        return Err(StoreError::Newer {
            path: path.display().to_string(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(version)
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
pub(super) fn open_backup(path: &Path) -> rusqlite::Result<Connection> {
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

/// `FILE-wal`, `FILE-shm` or `FILE-journal` beside a database file.
pub(super) fn companion(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}
