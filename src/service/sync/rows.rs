//! Rows as the merge sees them: values to and from JSON, the columns of a table, reading,
//! updating and inserting one row by its primary key.

use std::collections::HashMap;

use rusqlite::types::Value;
use rusqlite::Connection;
use serde_json::json;

use crate::service::Result;
use crate::store::session::Op;

/// Columns that record when (and by whom) a row was last changed: two laptops editing
/// different fields of one row both set them, which is no conflict. The later time wins.
pub(super) fn is_bookkeeping(col: &str) -> bool {
    matches!(col, "updated_at" | "updated_by" | "verified_at")
}

pub(super) fn value_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Integer(i) => json!(i),
        Value::Real(f) => json!(f),
        Value::Text(s) => json!(s),
        Value::Blob(b) => {
            json!({ "blob": b.iter().map(|x| format!("{x:02x}")).collect::<String>() })
        }
    }
}

pub(super) fn json_value(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Integer(i64::from(*b)),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Real(n.as_f64().unwrap_or(0.0)),
        },
        serde_json::Value::String(s) => Value::Text(s.clone()),
        serde_json::Value::Object(o) => match o.get("blob").and_then(|b| b.as_str()) {
            Some(h) => Value::Blob(
                (0..h.len() / 2)
                    .filter_map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).ok())
                    .collect(),
            ),
            None => Value::Text(v.to_string()),
        },
        serde_json::Value::Array(_) => Value::Text(v.to_string()),
    }
}

/// Column names of the captured tables, read once per operation.
#[derive(Default)]
pub(super) struct Columns(pub(super) HashMap<String, Vec<String>>);

impl Columns {
    pub(super) fn of(&mut self, c: &Connection, table: &str) -> Result<&[String]> {
        if !self.0.contains_key(table) {
            let mut stmt = c.prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?;
            let cols = stmt
                .query_map([table], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            self.0.insert(table.to_string(), cols);
        }
        Ok(&self.0[table])
    }
}

pub(super) fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub(super) fn pk_where(cols: &[String], pk: &[bool], start: usize) -> String {
    let parts: Vec<String> = cols
        .iter()
        .zip(pk)
        .filter(|(_, p)| **p)
        .enumerate()
        .map(|(i, (c, _))| format!("{} = ?{}", quote_ident(c), start + i))
        .collect();
    parts.join(" AND ")
}

/// The local row with this primary key, every column (None: not there).
pub(super) fn local_row(
    c: &Connection,
    cols: &[String],
    table: &str,
    pk: &[bool],
    key: &[Value],
) -> Result<Option<Vec<Value>>> {
    let sql = format!(
        "SELECT {} FROM {} WHERE {}",
        cols.iter()
            .map(|c| quote_ident(c))
            .collect::<Vec<_>>()
            .join(", "),
        quote_ident(table),
        pk_where(cols, pk, 1)
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(key.iter()))?;
    match rows.next()? {
        Some(r) => Ok(Some(
            (0..cols.len())
                .map(|i| r.get::<_, Value>(i))
                .collect::<rusqlite::Result<_>>()?,
        )),
        None => Ok(None),
    }
}

/// `UPDATE table SET col = value, … WHERE pk`.
pub(super) fn update_row(
    c: &Connection,
    cols: &[String],
    table: &str,
    pk: &[bool],
    key: &[Value],
    set: &[(usize, Value)],
) -> Result<usize> {
    if set.is_empty() {
        return Ok(0);
    }
    let assigns: Vec<String> = set
        .iter()
        .enumerate()
        .map(|(i, (col, _))| format!("{} = ?{}", quote_ident(&cols[*col]), i + 1))
        .collect();
    let sql = format!(
        "UPDATE {} SET {} WHERE {}",
        quote_ident(table),
        assigns.join(", "),
        pk_where(cols, pk, set.len() + 1)
    );
    let mut params: Vec<Value> = set.iter().map(|(_, v)| v.clone()).collect();
    params.extend(key.iter().cloned());
    Ok(c.execute(&sql, rusqlite::params_from_iter(params.iter()))?)
}

pub(super) fn insert_row(
    c: &Connection,
    cols: &[String],
    table: &str,
    values: &[Value],
) -> rusqlite::Result<usize> {
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        quote_ident(table),
        cols.iter()
            .map(|c| quote_ident(c))
            .collect::<Vec<_>>()
            .join(", "),
        (1..=cols.len())
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    c.execute(&sql, rusqlite::params_from_iter(values.iter()))
}

pub(super) fn pk_json(key: &[Value]) -> String {
    serde_json::Value::Array(key.iter().map(value_json).collect()).to_string()
}

pub(super) fn row_json(cols: &[String], row: &[Value]) -> serde_json::Value {
    serde_json::Value::Object(
        cols.iter()
            .zip(row)
            .map(|(c, v)| (c.clone(), value_json(v)))
            .collect(),
    )
}

pub(super) fn change_json(cols: &[String], vals: &[Option<Value>]) -> serde_json::Value {
    serde_json::Value::Object(
        cols.iter()
            .zip(vals)
            .filter_map(|(c, v)| v.as_ref().map(|v| (c.clone(), value_json(v))))
            .collect(),
    )
}

pub(super) fn op_str(op: Op) -> &'static str {
    match op {
        Op::Insert => "insert",
        Op::Update => "update",
        Op::Delete => "delete",
    }
}
