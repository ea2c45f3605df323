//! The audit log: who, when, which entity, what changed.

use rusqlite::{params, Connection};

use super::Result;
use crate::domain::{new_log_id, now_utc, AuditEntry};

pub fn record(
    c: &Connection,
    by: &str,
    entity: &str,
    entity_id: &str,
    action: &str,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO audit (id, at, by, entity, entity_id, action, before, after, device_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, (SELECT device_id FROM sync_device WHERE id = 1))",
    )?
    .execute(params![
        new_log_id(),
        now_utc(),
        by,
        entity,
        entity_id,
        action,
        before.map(|v| v.to_string()),
        after.map(|v| v.to_string()),
    ])?;
    Ok(())
}

/// Audit entries, newest first; optionally for one entity id.
pub fn entries(c: &Connection, entity_id: Option<&str>, limit: usize) -> Result<Vec<AuditEntry>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, at, by, entity, entity_id, action, before, after, device_id FROM audit
         WHERE (?1 IS NULL OR entity_id = ?1) ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![entity_id, limit as i64], |r| {
        let before: Option<String> = r.get(6)?;
        let after: Option<String> = r.get(7)?;
        Ok(AuditEntry {
            id: r.get(0)?,
            at: r.get(1)?,
            by: r.get(2)?,
            entity: r.get(3)?,
            entity_id: r.get(4)?,
            action: r.get(5)?,
            before: before.and_then(|s| serde_json::from_str(&s).ok()),
            after: after.and_then(|s| serde_json::from_str(&s).ok()),
            device_id: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn count(c: &Connection) -> Result<i64> {
    Ok(c.query_row("SELECT count(*) FROM audit", [], |r| r.get(0))?)
}
