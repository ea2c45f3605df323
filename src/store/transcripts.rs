//! Transcripts linked to interviews.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::{conv, parse_col, Result};
use crate::domain::{Transcript, TranscriptStatus};

pub fn insert(c: &Connection, t: &Transcript, linked_by: &str) -> Result<()> {
    c.prepare_cached(
        "INSERT INTO transcript (id, session_id, path, sha256, size, format, status, linked_at,
            verified_at, linked_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        t.id,
        t.session_id,
        t.path,
        t.sha256,
        t.size,
        t.format,
        t.status.as_str(),
        t.linked_at,
        t.verified_at,
        linked_by
    ])?;
    Ok(())
}

/// Update the verification result (status, and path after a move is found).
pub fn set_status(
    c: &Connection,
    id: &str,
    status: TranscriptStatus,
    path: &str,
    verified_at: &str,
) -> Result<()> {
    c.prepare_cached(
        "UPDATE transcript SET status = ?2, path = ?3, verified_at = ?4 WHERE id = ?1",
    )?
    .execute(params![id, status.as_str(), path, verified_at])?;
    Ok(())
}

/// Replace a link's file (relink): new path, hash, size, format.
pub fn relink(c: &Connection, t: &Transcript) -> Result<()> {
    c.prepare_cached(
        "UPDATE transcript SET path = ?2, sha256 = ?3, size = ?4, format = ?5, status = ?6,
            linked_at = ?7, verified_at = ?8 WHERE id = ?1",
    )?
    .execute(params![
        t.id,
        t.path,
        t.sha256,
        t.size,
        t.format,
        t.status.as_str(),
        t.linked_at,
        t.verified_at
    ])?;
    Ok(())
}

const SELECT: &str = "SELECT id, session_id, path, sha256, size, format, status, linked_at,
    verified_at FROM transcript";

fn map(r: &Row<'_>) -> rusqlite::Result<Transcript> {
    Ok(Transcript {
        id: r.get(0)?,
        session_id: r.get(1)?,
        path: r.get(2)?,
        sha256: r.get(3)?,
        size: r.get(4)?,
        format: r.get(5)?,
        status: conv(parse_col("transcript.status", r.get(6)?))?,
        linked_at: r.get(7)?,
        verified_at: r.get(8)?,
    })
}

pub fn for_session(c: &Connection, session_id: &str) -> Result<Option<Transcript>> {
    Ok(
        c.prepare_cached(&format!("{SELECT} WHERE session_id = ?1"))?
            .query_row([session_id], map)
            .optional()?,
    )
}

pub fn all(c: &Connection) -> Result<Vec<Transcript>> {
    let mut stmt = c.prepare_cached(&format!("{SELECT} ORDER BY path"))?;
    let rows = stmt.query_map([], map)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn by_path(c: &Connection, path: &str) -> Result<Option<Transcript>> {
    Ok(c.prepare_cached(&format!("{SELECT} WHERE path = ?1"))?
        .query_row([path], map)
        .optional()?)
}
