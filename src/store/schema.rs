//! The schema: the application id, the migrations and their version, connection settings.

use super::error::*;
use rusqlite::Connection;

/// `PRAGMA application_id` of a fieldwork database: "FWRK".
pub const APPLICATION_ID: i32 = 0x4657_524B;

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
    include_str!("migrations/0010_category_target.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// How long a write waits for another connection's write to finish.
pub(super) const BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// How long opening an old file waits for another process that is migrating it.
pub(super) const MIGRATION_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

pub(super) fn configure(conn: &Connection) -> Result<()> {
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
pub(super) fn apply_migrations(tx: &Connection, from: i32, to: i32) -> Result<()> {
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
