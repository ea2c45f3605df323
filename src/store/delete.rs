//! Deleting a record created by mistake (a participant or a session) and what depends on
//! it. Typed queries only: which dependents refuse a delete and what is audited is decided
//! in `service::delete`.
//!
//! Every table that refers to a participant or a session is listed here, including the
//! ones without a declared foreign key (`identifier.source_key` names a participant).

use rusqlite::types::ValueRef;
use rusqlite::Connection;

use super::Result;

/// What depends on a record: (kind, how many), kinds with none left out.
pub type Dependents = Vec<(&'static str, i64)>;

fn count(c: &Connection, sql: &str, id: &str) -> Result<i64> {
    Ok(c.prepare_cached(sql)?.query_row([id], |r| r.get(0))?)
}

fn counts(c: &Connection, id: &str, queries: &[(&'static str, &str)]) -> Result<Dependents> {
    let mut out = Vec::new();
    for (kind, sql) in queries {
        let n = count(c, sql, id)?;
        if n > 0 {
            out.push((*kind, n));
        }
    }
    Ok(out)
}

/// What depends on a session: its transcript (with its turns), tags and passages coded on
/// it, and redaction log entries of its transcript.
pub fn session_dependents(c: &Connection, session_id: &str) -> Result<Dependents> {
    counts(
        c,
        session_id,
        &[
            (
                "transcript",
                "SELECT count(*) FROM transcript WHERE session_id = ?1",
            ),
            (
                "tag or passage",
                "SELECT count(*) FROM tag WHERE session_id = ?1",
            ),
            (
                "redaction log entry",
                "SELECT count(*) FROM redaction_log WHERE transcript_id IN
                    (SELECT id FROM transcript WHERE session_id = ?1)",
            ),
        ],
    )
}

/// What depends on a participant: status changes after the one that created them,
/// consent records, withdrawals and their corrections, sessions they are in, matrix
/// summaries, and their entry in the anonymisation register (with its variants).
pub fn participant_dependents(c: &Connection, participant_id: &str) -> Result<Dependents> {
    counts(
        c,
        participant_id,
        &[
            (
                "status change",
                "SELECT count(*) FROM status_event
                  WHERE participant_id = ?1 AND from_status IS NOT NULL",
            ),
            (
                "consent record",
                "SELECT count(*) FROM consent WHERE participant_id = ?1",
            ),
            (
                "withdrawal",
                "SELECT count(*) FROM withdrawal WHERE participant_id = ?1",
            ),
            (
                "consent correction",
                "SELECT count(*) FROM consent_correction WHERE participant_id = ?1",
            ),
            (
                "session",
                "SELECT count(*) FROM session_participant WHERE participant_id = ?1",
            ),
            (
                "matrix summary",
                "SELECT count(*) FROM matrix_summary WHERE participant_id = ?1",
            ),
            (
                "register entry",
                "SELECT count(*) FROM identifier WHERE source = 'participant' AND source_key = ?1",
            ),
        ],
    )
}

/// The rows `sql` selects (one `?1` parameter), each as a JSON object of its columns.
pub fn rows_json(c: &Connection, sql: &str, id: &str) -> Result<Vec<serde_json::Value>> {
    let mut stmt = c.prepare_cached(sql)?;
    let names: Vec<String> = stmt.column_names().map(|s| s.to_string()).collect();
    let mut rows = stmt.query([id])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mut obj = serde_json::Map::new();
        for (i, name) in names.iter().enumerate() {
            let v = match r.get_ref(i)? {
                ValueRef::Null => serde_json::Value::Null,
                ValueRef::Integer(n) => n.into(),
                ValueRef::Real(f) => f.into(),
                ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned().into(),
                ValueRef::Blob(b) => format!("<{} bytes>", b.len()).into(),
            };
            obj.insert(name.clone(), v);
        }
        out.push(serde_json::Value::Object(obj));
    }
    Ok(out)
}

/// The ids `sql` selects (one `?1` parameter).
pub fn ids(c: &Connection, sql: &str, id: &str) -> Result<Vec<String>> {
    let mut stmt = c.prepare_cached(sql)?;
    let rows = stmt.query_map([id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Run a `DELETE … WHERE … ?1` and say how many rows went.
pub fn delete_where(c: &Connection, sql: &str, id: &str) -> Result<usize> {
    Ok(c.prepare_cached(sql)?.execute([id])?)
}
