//! Sync bookkeeping: this laptop's device id, its outbox, its peers, the batches it
//! imported and the conflicts it keeps (schema 8, `migrations/0008_sync.sql`). Typed
//! queries only; the rules are in `service::sync`.

use std::collections::{BTreeMap, HashSet};

use rusqlite::{params, Connection, OptionalExtension};

use super::error::Result;
use crate::domain::now_utc;

/// Whether the database has the sync tables (schema 8 or later).
pub fn has_sync_tables(c: &Connection) -> rusqlite::Result<bool> {
    c.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sync_device'",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

/// The tables whose changes are captured and sent: every ordinary table except `meta`,
/// SQLite's own, the sync bookkeeping (`sync_*`) and the search indexes (virtual tables
/// and their shadow tables, which a laptop rebuilds from the rows themselves).
pub fn captured_tables(c: &Connection) -> rusqlite::Result<HashSet<String>> {
    let mut stmt = c.prepare("SELECT name, type FROM pragma_table_list WHERE schema = 'main'")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = HashSet::new();
    for r in rows {
        let (name, kind) = r?;
        if kind != "table"
            || name == "meta"
            || name.starts_with("sqlite_")
            || name.starts_with("sync_")
        {
            continue;
        }
        out.insert(name);
    }
    Ok(out)
}

/// This laptop.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Device {
    pub device_id: String,
    pub person: String,
    pub exported_seq: i64,
}

pub fn device(c: &Connection) -> Result<Device> {
    Ok(c.query_row(
        "SELECT device_id, person, exported_seq FROM sync_device WHERE id = 1",
        [],
        |r| {
            Ok(Device {
                device_id: r.get(0)?,
                person: r.get(1)?,
                exported_seq: r.get(2)?,
            })
        },
    )?)
}

pub fn set_person(c: &Connection, person: &str) -> Result<()> {
    c.execute("UPDATE sync_device SET person = ?1 WHERE id = 1", [person])?;
    Ok(())
}

pub fn set_device_id(c: &Connection, device_id: &str) -> Result<()> {
    c.execute(
        "UPDATE sync_device SET device_id = ?1, exported_seq = 0, created_at = ?2 WHERE id = 1",
        params![device_id, now_utc()],
    )?;
    Ok(())
}

pub fn set_exported(c: &Connection, seq: i64) -> Result<()> {
    c.execute(
        "UPDATE sync_device SET exported_seq = ?1 WHERE id = 1",
        [seq],
    )?;
    Ok(())
}

/// What this laptop has applied of every other laptop: device id → last sequence.
pub fn seen(c: &Connection) -> rusqlite::Result<BTreeMap<String, i64>> {
    let mut stmt =
        c.prepare_cached("SELECT device_id, last_seq FROM sync_peer WHERE last_seq > 0")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// Put a write's changeset in the outbox with the next sequence number (inside the
/// write's own transaction).
pub fn append_outbox(c: &Connection, changeset: &[u8]) -> rusqlite::Result<()> {
    let depends = serde_json::to_string(&seen(c)?).unwrap_or_else(|_| "{}".into());
    c.prepare_cached(
        "INSERT INTO sync_outbox (seq, changeset, depends, created_at)
         VALUES ((SELECT coalesce(max(seq), 0) + 1 FROM sync_outbox), ?1, ?2, ?3)",
    )?
    .execute(params![changeset, depends, now_utc()])?;
    Ok(())
}

/// One outbox entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub seq: i64,
    pub changeset: Vec<u8>,
    pub depends: BTreeMap<String, i64>,
    pub created_at: String,
}

/// The outbox entries after `after`, in order.
pub fn outbox_after(c: &Connection, after: i64) -> Result<Vec<OutboxEntry>> {
    let mut stmt = c.prepare(
        "SELECT seq, changeset, depends, created_at FROM sync_outbox WHERE seq > ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([after], |r| {
        let depends: String = r.get(2)?;
        Ok(OutboxEntry {
            seq: r.get(0)?,
            changeset: r.get(1)?,
            depends: serde_json::from_str(&depends).unwrap_or_default(),
            created_at: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The last outbox sequence number (0: none).
pub fn last_seq(c: &Connection) -> Result<i64> {
    Ok(
        c.query_row("SELECT coalesce(max(seq), 0) FROM sync_outbox", [], |r| {
            r.get(0)
        })?,
    )
}

/// Empty the outbox (a new laptop made from a snapshot sends only its own changes).
pub fn clear_outbox(c: &Connection) -> Result<()> {
    c.execute("DELETE FROM sync_outbox", [])?;
    Ok(())
}

/// Another laptop as this one knows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Peer {
    pub device_id: String,
    pub person: String,
    pub last_seq: i64,
    pub last_import: Option<String>,
}

pub fn peers(c: &Connection) -> Result<Vec<Peer>> {
    let mut stmt = c.prepare(
        "SELECT device_id, person, last_seq, last_import FROM sync_peer ORDER BY person, device_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Peer {
            device_id: r.get(0)?,
            person: r.get(1)?,
            last_seq: r.get(2)?,
            last_import: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn peer(c: &Connection, device_id: &str) -> Result<Option<Peer>> {
    Ok(c.query_row(
        "SELECT device_id, person, last_seq, last_import FROM sync_peer WHERE device_id = ?1",
        [device_id],
        |r| {
            Ok(Peer {
                device_id: r.get(0)?,
                person: r.get(1)?,
                last_seq: r.get(2)?,
                last_import: r.get(3)?,
            })
        },
    )
    .optional()?)
}

/// Record that `device_id`'s changes up to `last_seq` are applied here.
pub fn set_peer(c: &Connection, device_id: &str, person: &str, last_seq: i64) -> Result<()> {
    c.execute(
        "INSERT INTO sync_peer (device_id, person, last_seq, last_import) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (device_id) DO UPDATE SET
             person = CASE WHEN excluded.person = '' THEN person ELSE excluded.person END,
             last_seq = max(last_seq, excluded.last_seq), last_import = excluded.last_import",
        params![device_id, person, last_seq, now_utc()],
    )?;
    Ok(())
}

/// One import of one laptop's changes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Batch {
    pub id: String,
    pub source_device: String,
    pub first_seq: i64,
    pub last_seq: i64,
    pub file: Option<String>,
    #[serde(skip)]
    pub applied: Vec<u8>,
    pub applied_at: String,
    pub applied_by: String,
    pub reverted_at: Option<String>,
}

pub fn insert_batch(c: &Connection, b: &Batch) -> Result<()> {
    c.execute(
        "INSERT INTO sync_batch (id, source_device, first_seq, last_seq, file, applied,
                                 applied_at, applied_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            b.id,
            b.source_device,
            b.first_seq,
            b.last_seq,
            b.file,
            b.applied,
            b.applied_at,
            b.applied_by
        ],
    )?;
    Ok(())
}

fn batch_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Batch> {
    Ok(Batch {
        id: r.get(0)?,
        source_device: r.get(1)?,
        first_seq: r.get(2)?,
        last_seq: r.get(3)?,
        file: r.get(4)?,
        applied: r.get(5)?,
        applied_at: r.get(6)?,
        applied_by: r.get(7)?,
        reverted_at: r.get(8)?,
    })
}

const BATCH_COLS: &str =
    "id, source_device, first_seq, last_seq, file, applied, applied_at, applied_by, reverted_at";

/// Batches whose id starts with `prefix` (at most a few).
pub fn batches_by_prefix(c: &Connection, prefix: &str) -> Result<Vec<Batch>> {
    let mut stmt = c.prepare(&format!(
        "SELECT {BATCH_COLS} FROM sync_batch WHERE substr(id, 1, length(?1)) = ?1 LIMIT 5"
    ))?;
    let rows = stmt.query_map([prefix.to_lowercase()], batch_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Batches applied after `b` and not reverted, in order.
pub fn batches_after(c: &Connection, applied_at: &str, id: &str) -> Result<Vec<Batch>> {
    let mut stmt = c.prepare(&format!(
        "SELECT {BATCH_COLS} FROM sync_batch WHERE reverted_at IS NULL
           AND (applied_at > ?1 OR (applied_at = ?1 AND id > ?2)) ORDER BY applied_at, id"
    ))?;
    let rows = stmt.query_map(params![applied_at, id], batch_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn all_batches(c: &Connection) -> Result<Vec<Batch>> {
    let mut stmt = c.prepare(&format!(
        "SELECT {BATCH_COLS} FROM sync_batch ORDER BY applied_at, id"
    ))?;
    let rows = stmt.query_map([], batch_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn mark_reverted(c: &Connection, id: &str, by: &str) -> Result<()> {
    c.execute(
        "UPDATE sync_batch SET reverted_at = ?2, reverted_by = ?3 WHERE id = ?1",
        params![id, now_utc(), by],
    )?;
    Ok(())
}

/// A stored conflict.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ConflictRow {
    pub id: String,
    pub batch_id: Option<String>,
    pub source_device: String,
    pub source_seq: i64,
    pub table: String,
    pub pk: serde_json::Value,
    pub op: String,
    pub kind: String,
    pub columns: Vec<String>,
    pub local: Option<serde_json::Value>,
    pub incoming: serde_json::Value,
    pub status: String,
    pub resolution: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<String>,
    pub created_at: String,
}

pub fn insert_conflict(c: &Connection, x: &ConflictRow) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO sync_conflict (id, batch_id, source_device, source_seq, tbl, pk, op, kind,
                                    columns, local, incoming, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'open', ?12)",
    )?
    .execute(params![
        x.id,
        x.batch_id,
        x.source_device,
        x.source_seq,
        x.table,
        x.pk.to_string(),
        x.op,
        x.kind,
        serde_json::to_string(&x.columns).unwrap_or_default(),
        x.local.as_ref().map(|v| v.to_string()),
        x.incoming.to_string(),
        x.created_at,
    ])?;
    Ok(())
}

const CONFLICT_COLS: &str = "id, batch_id, source_device, source_seq, tbl, pk, op, kind, columns,
    local, incoming, status, resolution, resolved_by, resolved_at, created_at";

fn conflict_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ConflictRow> {
    let json = |s: String| serde_json::from_str(&s).unwrap_or(serde_json::Value::Null);
    let cols: String = r.get(8)?;
    Ok(ConflictRow {
        id: r.get(0)?,
        batch_id: r.get(1)?,
        source_device: r.get(2)?,
        source_seq: r.get(3)?,
        table: r.get(4)?,
        pk: json(r.get(5)?),
        op: r.get(6)?,
        kind: r.get(7)?,
        columns: serde_json::from_str(&cols).unwrap_or_default(),
        local: r.get::<_, Option<String>>(9)?.map(json),
        incoming: json(r.get(10)?),
        status: r.get(11)?,
        resolution: r.get(12)?,
        resolved_by: r.get(13)?,
        resolved_at: r.get(14)?,
        created_at: r.get(15)?,
    })
}

/// Conflicts, oldest first; only the open ones unless `all`.
pub fn conflicts(c: &Connection, all: bool) -> Result<Vec<ConflictRow>> {
    let mut stmt = c.prepare(&format!(
        "SELECT {CONFLICT_COLS} FROM sync_conflict WHERE ?1 OR status = 'open'
         ORDER BY created_at, id"
    ))?;
    let rows = stmt.query_map([all], conflict_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Open conflicts on one row.
pub fn open_conflicts_on(c: &Connection, table: &str, pk: &str) -> Result<Vec<ConflictRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {CONFLICT_COLS} FROM sync_conflict WHERE tbl = ?1 AND pk = ?2 AND status = 'open'
         ORDER BY created_at, id"
    ))?;
    let rows = stmt.query_map([table, pk], conflict_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn conflicts_by_prefix(c: &Connection, prefix: &str) -> Result<Vec<ConflictRow>> {
    let mut stmt = c.prepare(&format!(
        "SELECT {CONFLICT_COLS} FROM sync_conflict WHERE substr(id, 1, length(?1)) = ?1 LIMIT 5"
    ))?;
    let rows = stmt.query_map([prefix.to_lowercase()], conflict_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn close_conflict(c: &Connection, id: &str, resolution: &str, by: &str) -> Result<()> {
    c.prepare_cached(
        "UPDATE sync_conflict SET status = 'resolved', resolution = ?2, resolved_by = ?3,
                resolved_at = ?4 WHERE id = ?1",
    )?
    .execute(params![id, resolution, by, now_utc()])?;
    Ok(())
}

pub fn open_conflict_count(c: &Connection) -> Result<i64> {
    Ok(c.query_row(
        "SELECT count(*) FROM sync_conflict WHERE status = 'open'",
        [],
        |r| r.get(0),
    )?)
}
