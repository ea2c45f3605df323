//! Helpers the use-cases share: writing only changed columns, audit values, clean input,
//! picking exactly one match.

use crate::domain::now_utc;
use crate::store;

use super::error::{invalid, Result, ServiceError};

/// Write the columns in which `after` differs from `before` (two versions of one stored
/// row, the first read inside the open transaction `tx`), and nothing else: a concurrent
/// change to another column is never written back over. The row's field names are its
/// column names; `skip` lists fields that are not columns (or never change here).
/// `updated_at` is set when anything changed. Returns the changed fields' old and new
/// values for the audit log, or `None` when nothing changed.
pub(crate) fn write_changes<T: serde::Serialize>(
    tx: &rusqlite::Connection,
    table: &'static str,
    id: &str,
    before: &T,
    after: &T,
    skip: &[&str],
) -> Result<Option<(serde_json::Value, serde_json::Value)>> {
    use rusqlite::types::Value as Sql;
    use serde_json::Value as J;
    let (J::Object(old), J::Object(new)) = (json(before), json(after)) else {
        return Ok(None);
    };
    let mut columns: Vec<(&'static str, Sql)> = Vec::new();
    let mut was = serde_json::Map::new();
    let mut now = serde_json::Map::new();
    for (k, v) in &new {
        if skip.contains(&k.as_str()) || k == "id" || k == "updated_at" {
            continue;
        }
        let o = old.get(k).unwrap_or(&J::Null);
        if o == v {
            continue;
        }
        let sql = match v {
            J::Null => Sql::Null,
            J::Bool(b) => Sql::Integer(i64::from(*b)),
            J::Number(n) => match n.as_i64() {
                Some(i) => Sql::Integer(i),
                None => Sql::Real(n.as_f64().unwrap_or_default()),
            },
            J::String(s) => Sql::Text(s.clone()),
            other => Sql::Text(other.to_string()),
        };
        // Column names must be `&'static str`: they are the row type's field names.
        let Some(col) = COLUMN_NAMES.iter().find(|c| **c == k.as_str()) else {
            return Err(invalid(k.clone(), "not a column this edit can write"));
        };
        columns.push((col, sql));
        was.insert(k.clone(), o.clone());
        now.insert(k.clone(), v.clone());
    }
    if columns.is_empty() {
        return Ok(None);
    }
    if new.contains_key("updated_at") {
        columns.push(("updated_at", Sql::Text(now_utc())));
    }
    store::update_columns(tx, table, id, &columns)?;
    Ok(Some((J::Object(was), J::Object(now))))
}

/// Every column an edit may write through [`write_changes`].
const COLUMN_NAMES: &[&str] = &[
    // session
    "status",
    "date",
    "phase_id",
    "site_id",
    "title",
    "mode",
    "duration_min",
    "interviewer",
    "recording_status",
    "transcription_status",
    "meeting_type_id",
    "attendees",
    "doc_type",
    "consent_gap",
    "notes",
    // theme
    "parent_id",
    "name",
    "description",
    "colour",
    "merged_into",
    "sort",
];

/// Serialize a value for the audit log.
pub(crate) fn json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// Trim, and treat an empty string as absent.
pub(crate) fn clean(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Pick exactly one of several candidate ids.
pub(crate) fn one(what: &'static str, key: &str, mut ids: Vec<String>) -> Result<String> {
    match ids.len() {
        0 => Err(ServiceError::NotFound {
            what,
            key: key.to_string(),
        }),
        1 => Ok(ids.remove(0)),
        _ => Err(ServiceError::Ambiguous {
            what,
            key: key.to_string(),
            candidates: ids
                .iter()
                .map(|i| i.chars().take(8).collect::<String>())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}
