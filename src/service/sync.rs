//! Team sync (docs/sync.md): export this laptop's changes as a bundle, import other
//! laptops' bundles in dependency order with field-level merge, keep every clash as a
//! conflict for a person, resolve, revert an import, and start a laptop from a snapshot.
//!
//! The engine is SQLite's session extension (`store::session`): every write's changeset
//! is captured into the outbox by `Store::write` (one transaction); here they are sent and
//! applied.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rusqlite::types::Value;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{invalid, Fieldwork, Result, ServiceError};
use crate::domain::{new_export_code, new_id, now_utc};
use crate::store::session::{self, Action, Change, ConflictKind, Op};
use crate::store::sync::{self as ss, Batch, ConflictRow};
use crate::store::{audit, SCHEMA_VERSION};

pub use crate::store::sync::{Device, Peer};

/// The first 8 characters of an id, as shown to people.
pub fn short(id: &str) -> &str {
    &id[..id.len().min(8)]
}

/// What a bundle file says about itself (the bundle header's fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundleInfo {
    pub kind: BundleKind,
    pub device_id: String,
    pub device_name: String,
    pub first_seq: i64,
    pub last_seq: i64,
    pub schema_version: i32,
    pub created_at: String,
    /// Changes: `{"depends": {device: seq}}` (what the sender had applied of others);
    /// snapshot: `{"seen": {device: seq}}` (the same for the copied database).
    pub extra: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BundleKind {
    Changes,
    Snapshot,
}

/// One outbox entry as sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: i64,
    pub created_at: String,
    pub depends: BTreeMap<String, i64>,
    #[serde(skip)]
    pub changeset: Vec<u8>,
}

const PAYLOAD_MAGIC: &[u8] = b"FWCHANGES1\n";

/// The payload of a changes bundle: the entries, each a JSON line of its metadata and
/// its changeset's bytes (length-prefixed).
pub fn encode_entries(entries: &[Entry]) -> Vec<u8> {
    let mut out = PAYLOAD_MAGIC.to_vec();
    out.extend_from_slice(&(entries.len() as u64).to_le_bytes());
    for e in entries {
        let meta = serde_json::to_vec(e).unwrap_or_default();
        out.extend_from_slice(&(meta.len() as u64).to_le_bytes());
        out.extend_from_slice(&meta);
        out.extend_from_slice(&(e.changeset.len() as u64).to_le_bytes());
        out.extend_from_slice(&e.changeset);
    }
    out
}

pub fn decode_entries(bytes: &[u8]) -> std::result::Result<Vec<Entry>, String> {
    let rest = bytes
        .strip_prefix(PAYLOAD_MAGIC)
        .ok_or("not a changes payload")?;
    let mut pos = 0usize;
    let mut take = |n: usize| -> std::result::Result<&[u8], String> {
        let end = pos
            .checked_add(n)
            .filter(|e| *e <= rest.len())
            .ok_or("the payload is cut short")?;
        let s = &rest[pos..end];
        pos = end;
        Ok(s)
    };
    let u64le = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])) as usize;
    let n = u64le(take(8)?);
    let mut out = Vec::with_capacity(n.min(1 << 16));
    for _ in 0..n {
        let m = u64le(take(8)?);
        let mut e: Entry =
            serde_json::from_slice(take(m)?).map_err(|e| format!("damaged entry: {e}"))?;
        let c = u64le(take(8)?);
        e.changeset = take(c)?.to_vec();
        out.push(e);
    }
    Ok(out)
}

/// Bundle files through `sync::bundle` (age-encrypted; header and payload checked).
mod file {
    use super::*;
    use crate::sync::bundle::{self, BundleHeader, Seal, Unseal};

    fn header(info: &BundleInfo) -> BundleHeader {
        let kind = match info.kind {
            BundleKind::Changes => bundle::BundleKind::Changes,
            BundleKind::Snapshot => bundle::BundleKind::Snapshot,
        };
        let mut h = BundleHeader::new(kind, info.schema_version);
        h.device_id = info.device_id.clone();
        h.device_name = info.device_name.clone();
        h.first_seq = info.first_seq;
        h.last_seq = info.last_seq;
        h.created_at = info.created_at.clone();
        h.extra = info.extra.clone();
        h
    }

    fn info(path: &Path, h: BundleHeader) -> Result<BundleInfo> {
        let kind = match h.kind {
            bundle::BundleKind::Changes => BundleKind::Changes,
            bundle::BundleKind::Snapshot => BundleKind::Snapshot,
            bundle::BundleKind::Backup => {
                return Err(invalid(
                    path.display().to_string(),
                    "this is an encrypted backup, not a sync bundle: restore it with `fieldwork restore`; nothing was changed",
                ))
            }
        };
        Ok(BundleInfo {
            kind,
            device_id: h.device_id,
            device_name: h.device_name,
            first_seq: h.first_seq,
            last_seq: h.last_seq,
            schema_version: h.schema_version,
            created_at: h.created_at,
            extra: h.extra,
        })
    }

    pub fn write(path: &Path, i: &BundleInfo, payload: &[u8], seal: &Seal) -> Result<()> {
        bundle::write_bundle(path, header(i), payload, seal)?;
        Ok(())
    }

    pub fn write_from_file(path: &Path, i: &BundleInfo, payload: &Path, seal: &Seal) -> Result<()> {
        bundle::write_bundle_from_file(path, header(i), payload, seal)?;
        Ok(())
    }

    pub fn read(path: &Path, unseal: &Unseal) -> Result<(BundleInfo, Vec<u8>)> {
        let (h, payload) = bundle::read_bundle(path, unseal)?;
        Ok((info(path, h)?, payload))
    }
}

pub use crate::sync::bundle::{Seal, Unseal};

/// Write a bundle (for tools and tests that need one made by hand, e.g. from another
/// schema version).
pub fn write_bundle(path: &Path, info: &BundleInfo, payload: &[u8], seal: &Seal) -> Result<()> {
    file::write(path, info, payload, seal)
}

/// What `sync export` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    pub file: Option<String>,
    pub device_id: String,
    pub first_seq: i64,
    pub last_seq: i64,
    pub changes: usize,
}

/// What `sync import` did, per file.
#[derive(Debug, Clone, Serialize)]
pub struct ImportedFile {
    pub file: String,
    pub device_id: String,
    pub person: String,
    pub batch: Option<String>,
    pub applied: Vec<i64>,
    pub skipped: usize,
    pub conflicts: usize,
}

/// `sync status`.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub device: Device,
    pub last_seq: i64,
    pub unsent: i64,
    pub peers: Vec<Peer>,
    pub open_conflicts: i64,
    pub batches: Vec<Batch>,
}

/// How a conflict is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Keep {
    Mine,
    Theirs,
    Both,
}

impl Keep {
    pub fn as_str(self) -> &'static str {
        match self {
            Keep::Mine => "mine",
            Keep::Theirs => "theirs",
            Keep::Both => "both",
        }
    }
}

impl std::str::FromStr for Keep {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Keep, String> {
        match s {
            "mine" => Ok(Keep::Mine),
            "theirs" => Ok(Keep::Theirs),
            "both" => Ok(Keep::Both),
            _ => Err(format!("`{s}`: choose mine, theirs or both")),
        }
    }
}

/// Columns that record when (and by whom) a row was last changed: two laptops editing
/// different fields of one row both set them, which is no conflict. The later time wins.
fn is_bookkeeping(col: &str) -> bool {
    matches!(col, "updated_at" | "updated_by" | "verified_at")
}

/// Separator of the two texts kept by `--keep both`.
pub const BOTH_SEPARATOR: &str = "\n--- the other laptop's version ---\n";

fn value_json(v: &Value) -> serde_json::Value {
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

fn json_value(v: &serde_json::Value) -> Value {
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
struct Columns(HashMap<String, Vec<String>>);

impl Columns {
    fn of(&mut self, c: &Connection, table: &str) -> Result<&[String]> {
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

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn pk_where(cols: &[String], pk: &[bool], start: usize) -> String {
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
fn local_row(
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
fn update_row(
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

fn insert_row(
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

fn pk_json(key: &[Value]) -> String {
    serde_json::Value::Array(key.iter().map(value_json).collect()).to_string()
}

fn row_json(cols: &[String], row: &[Value]) -> serde_json::Value {
    serde_json::Value::Object(
        cols.iter()
            .zip(row)
            .map(|(c, v)| (c.clone(), value_json(v)))
            .collect(),
    )
}

fn change_json(cols: &[String], vals: &[Option<Value>]) -> serde_json::Value {
    serde_json::Value::Object(
        cols.iter()
            .zip(vals)
            .filter_map(|(c, v)| v.as_ref().map(|v| (c.clone(), value_json(v))))
            .collect(),
    )
}

fn op_str(op: Op) -> &'static str {
    match op {
        Op::Insert => "insert",
        Op::Update => "update",
        Op::Delete => "delete",
    }
}

/// What the conflict handler decided, carried out after the apply returns (SQLite's
/// handler must not write to the database it is applying to).
enum Todo {
    /// Write these columns of the local row (a field-level merge).
    Merge {
        change: Change,
        set: Vec<(usize, Value)>,
    },
    /// Keep both sides for a person.
    Keep {
        change: Change,
        kind: ConflictKind,
        columns: Vec<usize>,
        local: Option<Vec<Value>>,
        set: Vec<(usize, Value)>,
    },
    /// A transcript turn whose local search key (`turn.n`) is taken here: insert it
    /// under a fresh one.
    Renumber { change: Change },
}

/// Decide a DATA or CONFLICT clash column by column: (columns to write, columns truly in
/// conflict).
fn merge_columns(
    cols: &[String],
    change: &Change,
    local: &[Value],
) -> (Vec<(usize, Value)>, Vec<usize>) {
    let mut set = Vec::new();
    let mut conflict = Vec::new();
    let idx = |name: &str| cols.iter().position(|c| c == name);
    let later = match idx("updated_at") {
        Some(i) => match (&change.new[i], local.get(i)) {
            (Some(Value::Text(n)), Some(Value::Text(l))) => n > l,
            _ => false,
        },
        None => false,
    };
    for (i, col) in cols.iter().enumerate() {
        if change.pk[i] {
            continue;
        }
        let Some(new) = &change.new[i] else { continue };
        let here = &local[i];
        if here == new {
            continue;
        }
        if is_bookkeeping(col) {
            if later
                || col == "verified_at"
                    && matches!((new, here), (Value::Text(n), Value::Text(l)) if n > l)
            {
                set.push((i, new.clone()));
            }
            continue;
        }
        // For an INSERT that finds the row, other *_at / *_by columns say only who added
        // the same thing first: the local row keeps its own.
        if change.op == Op::Insert && (col.ends_with("_at") || col.ends_with("_by")) {
            continue;
        }
        let base = change.old[i].as_ref();
        if change.op == Op::Update && base == Some(here) {
            set.push((i, new.clone()));
        } else {
            conflict.push(i);
        }
    }
    (set, conflict)
}

/// Outcome of applying one entry.
struct Applied {
    conflicts: usize,
    /// Every change was applied as it came (SQLite never asked the conflict handler, and
    /// no decision was carried out): the changeset applied is the incoming one.
    verbatim: bool,
}

/// Apply one changeset from `source` with field-level merge; clashes become conflicts.
/// Runs inside the caller's write transaction.
fn apply_entry(
    c: &Connection,
    columns: &mut Columns,
    source: &str,
    seq: i64,
    batch_id: &str,
    changeset: &[u8],
) -> Result<Applied> {
    // Only the changes this needs to look at: transcript turns (their search index) and
    // decisions; every change only when a clash happened or a conflict is open.
    let changes = session::changes_of(changeset, &|t| t == "turn" || t == "conflict_decision")?;
    // The search index of transcript turns is kept by the store, not by triggers: take
    // the touched turns out of it now and put back those that exist after the apply.
    let turn_ids = turns_of(&changes);
    fts_turns(c, &turn_ids, "delete")?;

    let mut todo: Vec<Todo> = Vec::new();
    let mut asked = false;
    let mut fk_broken = 0;
    let mut cols_err: Option<ServiceError> = None;
    // Column names are needed inside the handler: read them for every table first.
    for t in ss::captured_tables(c)? {
        if let Err(e) = columns.of(c, &t) {
            cols_err = Some(e);
        }
    }
    if let Some(e) = cols_err {
        return Err(e);
    }
    let cols_map = &columns.0;
    session::apply(c, changeset, &mut |x| {
        asked = true;
        let change = x.change.clone();
        let Some(cols) = cols_map.get(&change.table) else {
            if x.kind == ConflictKind::ForeignKey {
                fk_broken = x.fk_count;
                return Action::Omit;
            }
            return Action::Abort;
        };
        match x.kind {
            ConflictKind::Data | ConflictKind::Conflict => {
                let local = x.local.clone().unwrap_or_default();
                if change.op == Op::Delete {
                    todo.push(Todo::Keep {
                        kind: x.kind,
                        columns: vec![],
                        local: Some(local),
                        set: vec![],
                        change,
                    });
                    return Action::Omit;
                }
                let (set, conflict) = merge_columns(cols, &change, &local);
                if conflict.is_empty() {
                    todo.push(Todo::Merge { change, set });
                } else {
                    todo.push(Todo::Keep {
                        kind: x.kind,
                        columns: conflict,
                        local: Some(local),
                        set,
                        change,
                    });
                }
                Action::Omit
            }
            ConflictKind::NotFound => {
                // A delete of a row already gone here: both sides agree.
                if change.op != Op::Delete {
                    todo.push(Todo::Keep {
                        kind: x.kind,
                        columns: (0..cols.len()).filter(|i| change.new[*i].is_some() && !change.pk[*i]).collect(),
                        local: None,
                        set: vec![],
                        change,
                    });
                }
                Action::Omit
            }
            ConflictKind::Constraint => {
                if change.table == "turn" && change.op == Op::Insert {
                    todo.push(Todo::Renumber { change });
                } else {
                    todo.push(Todo::Keep {
                        kind: x.kind,
                        columns: vec![],
                        local: None,
                        set: vec![],
                        change,
                    });
                }
                Action::Omit
            }
            ConflictKind::ForeignKey => {
                // Records whose parent was not applied (a clash kept as a conflict) or is
                // gone here: kept (OMIT keeps the apply), then moved into conflicts below.
                fk_broken = x.fk_count;
                Action::Omit
            }
        }
    })
    .map_err(|e| {
        if fk_broken > 0 {
            ServiceError::Refused(format!(
                "change {seq} from {} points to {fk_broken} record(s) missing here (a foreign key); nothing was changed",
                short(source)
            ))
        } else {
            e.into()
        }
    })?;

    let mut conflicts = 0;
    let now = now_utc();
    for t in todo {
        match t {
            Todo::Merge { change, set } => {
                let cols = columns.of(c, &change.table)?.to_vec();
                update_row(c, &cols, &change.table, &change.pk, &change.key(), &set)?;
            }
            Todo::Renumber { change } => {
                let cols = columns.of(c, &change.table)?.to_vec();
                let mut values: Vec<Value> = change
                    .new
                    .iter()
                    .map(|v| v.clone().unwrap_or(Value::Null))
                    .collect();
                if let Some(n) = cols.iter().position(|c| c == "n") {
                    values[n] = Value::Integer(crate::store::coding::next_turn_n(c)?);
                }
                match insert_row(c, &cols, &change.table, &values) {
                    Ok(_) => {}
                    Err(rusqlite::Error::SqliteFailure(f, _))
                        if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                    {
                        store_conflict(
                            c,
                            &cols,
                            source,
                            seq,
                            batch_id,
                            &change,
                            ConflictKind::Constraint,
                            &[],
                            None,
                            &now,
                        )?;
                        conflicts += 1;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Todo::Keep {
                change,
                kind,
                columns: conflict_cols,
                local,
                set,
            } => {
                let cols = columns.of(c, &change.table)?.to_vec();
                update_row(c, &cols, &change.table, &change.pk, &change.key(), &set)?;
                let local = match (&local, kind) {
                    (None, ConflictKind::Constraint) => None,
                    _ => local,
                };
                store_conflict(
                    c,
                    &cols,
                    source,
                    seq,
                    batch_id,
                    &change,
                    kind,
                    &conflict_cols,
                    local.as_deref(),
                    &now,
                )?;
                conflicts += 1;
            }
        }
    }
    let all = if fk_broken > 0 || ss::open_conflict_count(c)? > 0 {
        session::changes(changeset)?
    } else {
        Vec::new()
    };
    if fk_broken > 0 {
        conflicts += keep_orphans(c, columns, source, seq, batch_id, &all, &now)?;
    }
    fts_turns(c, &turn_ids, "insert")?;
    apply_decisions(c, columns, &changes)?;
    settle_agreed(c, columns, &all)?;
    let decided = changes.iter().any(|ch| ch.table == "conflict_decision");
    Ok(Applied {
        conflicts,
        verbatim: !asked && !decided,
    })
}

#[allow(clippy::too_many_arguments)]
fn store_conflict(
    c: &Connection,
    cols: &[String],
    source: &str,
    seq: i64,
    batch_id: &str,
    change: &Change,
    kind: ConflictKind,
    conflict_cols: &[usize],
    local: Option<&[Value]>,
    now: &str,
) -> Result<()> {
    let key = change.key();
    // A constraint clash on an insert: show the local row that holds the same value when
    // it can be found by a unique column; else the local row with the same key.
    let local = match local {
        Some(l) => Some(l.to_vec()),
        None => local_row(c, cols, &change.table, &change.pk, &key)?,
    };
    let mut names: Vec<String> = conflict_cols.iter().map(|i| cols[*i].clone()).collect();
    if names.is_empty() && kind == ConflictKind::Constraint {
        names = unique_clash(c, cols, change)?;
    }
    let local = match (local, names.first()) {
        (None, Some(name)) if kind == ConflictKind::Constraint => {
            // The local record that holds the same unique value (e.g. the export code).
            let i = cols.iter().position(|c| c == name).unwrap_or(0);
            let v = change.new.get(i).cloned().flatten().unwrap_or(Value::Null);
            let sql = format!(
                "SELECT {} FROM {} WHERE {} = ?1",
                cols.iter()
                    .map(|c| quote_ident(c))
                    .collect::<Vec<_>>()
                    .join(", "),
                quote_ident(&change.table),
                quote_ident(name)
            );
            let mut stmt = c.prepare(&sql)?;
            let mut rows = stmt.query([v])?;
            match rows.next()? {
                Some(r) => Some(
                    (0..cols.len())
                        .map(|i| r.get::<_, Value>(i))
                        .collect::<rusqlite::Result<Vec<_>>>()?,
                ),
                None => None,
            }
        }
        (l, _) => l,
    };
    ss::insert_conflict(
        c,
        &ConflictRow {
            id: new_id(),
            batch_id: Some(batch_id.to_string()),
            source_device: source.to_string(),
            source_seq: seq,
            table: change.table.clone(),
            pk: serde_json::from_str(&pk_json(&key)).unwrap_or_default(),
            op: op_str(change.op).into(),
            kind: kind.as_str().into(),
            columns: names,
            local: local.map(|l| row_json(cols, &l)),
            incoming: json!({"old": change_json(cols, &change.old), "new": change_json(cols, &change.new)}),
            status: "open".into(),
            resolution: None,
            resolved_by: None,
            resolved_at: None,
            created_at: now.to_string(),
        },
    )?;
    Ok(())
}

/// The rows a changeset wrote whose parent record is missing here (a foreign key): each is
/// kept whole in a FOREIGN_KEY conflict and taken out of the table (an immutable consent
/// record too: its guard trigger is set aside for that one delete, inside the same
/// transaction), so the import commits with every key intact and nothing lost. Repeated
/// until none is left (a removed row's own dependants). Returns how many.
fn keep_orphans(
    c: &Connection,
    columns: &mut Columns,
    source: &str,
    seq: i64,
    batch_id: &str,
    changes: &[Change],
    now: &str,
) -> Result<usize> {
    let mut kept = 0;
    loop {
        let mut found: Vec<(Change, Vec<String>, Vec<Value>)> = Vec::new();
        for ch in changes.iter().filter(|ch| ch.op != Op::Delete) {
            let mut stmt = c.prepare_cached(
                "SELECT \"table\", \"from\", coalesce(\"to\", 'id') FROM pragma_foreign_key_list(?1)",
            )?;
            let fks: Vec<(String, String, String)> = stmt
                .query_map([&ch.table], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            if fks.is_empty() {
                continue;
            }
            let cols = columns.of(c, &ch.table)?.to_vec();
            let Some(row) = local_row(c, &cols, &ch.table, &ch.pk, &ch.key())? else {
                continue;
            };
            for (parent, from, to) in &fks {
                let Some(i) = cols.iter().position(|c| c == from) else {
                    continue;
                };
                if row[i] == Value::Null {
                    continue;
                }
                let n: i64 = c.query_row(
                    &format!(
                        "SELECT count(*) FROM {} WHERE {} = ?1",
                        quote_ident(parent),
                        quote_ident(to)
                    ),
                    [&row[i]],
                    |r| r.get(0),
                )?;
                if n == 0 {
                    found.push((ch.clone(), cols.clone(), row.clone()));
                    break;
                }
            }
        }
        if found.is_empty() {
            return Ok(kept);
        }
        for (ch, cols, row) in found {
            let mut as_insert = ch.clone();
            as_insert.op = Op::Insert;
            as_insert.new = row.iter().cloned().map(Some).collect();
            as_insert.old = vec![None; row.len()];
            store_conflict(
                c,
                &cols,
                source,
                seq,
                batch_id,
                &as_insert,
                ConflictKind::ForeignKey,
                &[],
                None,
                now,
            )?;
            delete_guarded(c, &cols, &ch.table, &ch.pk, &ch.key())?;
            kept += 1;
        }
    }
}

/// Delete one row, setting aside for that delete the triggers that forbid deleting from
/// its table (consent and withdrawal records are immutable to people, not to the sync
/// that keeps a record it could not attach). Inside the caller's transaction: the
/// triggers are back before it commits.
fn delete_guarded(
    c: &Connection,
    cols: &[String],
    table: &str,
    pk: &[bool],
    key: &[Value],
) -> Result<()> {
    let mut stmt = c.prepare(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?1
         AND upper(sql) LIKE '%BEFORE DELETE%'",
    )?;
    let guards: Vec<(String, String)> = stmt
        .query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, _) in &guards {
        c.execute_batch(&format!("DROP TRIGGER {}", quote_ident(name)))?;
    }
    let sql = format!(
        "DELETE FROM {} WHERE {}",
        quote_ident(table),
        pk_where(cols, pk, 1)
    );
    let deleted = c.execute(&sql, rusqlite::params_from_iter(key.iter()));
    for (_, sql) in &guards {
        c.execute_batch(sql)?;
    }
    deleted?;
    Ok(())
}

/// The columns of an incoming insert whose value a unique index already holds here.
fn unique_clash(c: &Connection, cols: &[String], change: &Change) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stmt = c.prepare(
        "SELECT ii.name FROM pragma_index_list(?1) il, pragma_index_info(il.name) ii
         WHERE il.\"unique\" = 1 AND il.origin != 'pk'",
    )?;
    let unique: Vec<String> = stmt
        .query_map([&change.table], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for name in unique {
        let Some(i) = cols.iter().position(|c| *c == name) else {
            continue;
        };
        let Some(v) = &change.new[i] else { continue };
        let n: i64 = c.query_row(
            &format!(
                "SELECT count(*) FROM {} WHERE {} = ?1",
                quote_ident(&change.table),
                quote_ident(&name)
            ),
            [v],
            |r| r.get(0),
        )?;
        if n > 0 && !out.contains(&name) {
            out.push(name);
        }
    }
    Ok(out)
}

/// The ids of the transcript turns that `changes` touch.
fn turns_of(changes: &[Change]) -> BTreeSet<String> {
    changes
        .iter()
        .filter(|ch| ch.table == "turn")
        .filter_map(|ch| match ch.key().first() {
            Some(Value::Text(id)) => Some(id.clone()),
            _ => None,
        })
        .collect()
}

/// Take the given turns out of the search indexes ("delete") or put them in ("insert"),
/// as they are in the table now.
fn fts_turns(c: &Connection, ids: &BTreeSet<String>, what: &str) -> Result<()> {
    for id in ids {
        for index in ["turn_fts", "turn_stem"] {
            let sql = if what == "delete" {
                format!("INSERT INTO {index} ({index}, rowid, text) SELECT 'delete', n, text FROM turn WHERE id = ?1")
            } else {
                format!("INSERT INTO {index} (rowid, text) SELECT n, text FROM turn WHERE id = ?1")
            };
            c.prepare_cached(&sql)?.execute([id])?;
        }
    }
    Ok(())
}

/// A person's choice made on another laptop (a `conflict_decision` row that arrived):
/// take the chosen values and close the open conflicts on those fields here.
fn apply_decisions(c: &Connection, columns: &mut Columns, changes: &[Change]) -> Result<()> {
    for ch in changes
        .iter()
        .filter(|ch| ch.table == "conflict_decision" && ch.op == Op::Insert)
    {
        let Some(Value::Text(id)) = ch.key().into_iter().next() else {
            continue;
        };
        let row: Option<(String, String, String, String)> = c
            .query_row(
                "SELECT tbl, pk, columns, decided_by FROM conflict_decision WHERE id = ?1",
                [&id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .ok();
        let Some((table, pk, chosen, by)) = row else {
            continue;
        };
        let chosen: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&chosen).unwrap_or_default();
        let key: Vec<Value> = serde_json::from_str::<Vec<serde_json::Value>>(&pk)
            .unwrap_or_default()
            .iter()
            .map(json_value)
            .collect();
        if !ss::captured_tables(c)?.contains(&table) {
            continue;
        }
        let cols = columns.of(c, &table)?.to_vec();
        let pkmask = pk_mask(c, &table, &cols)?;
        if let Some(local) = local_row(c, &cols, &table, &pkmask, &key)? {
            let set: Vec<(usize, Value)> = chosen
                .iter()
                .filter_map(|(name, v)| {
                    let i = cols.iter().position(|c| c == name)?;
                    let v = json_value(v);
                    (local[i] != v).then_some((i, v))
                })
                .collect();
            update_row(c, &cols, &table, &pkmask, &key, &set)?;
        }
        for open in ss::open_conflicts_on(c, &table, &pk)? {
            if open.columns.iter().all(|col| chosen.contains_key(col)) {
                ss::close_conflict(
                    c,
                    &open.id,
                    &format!("decided on another laptop by {by}"),
                    &by,
                )?;
            }
        }
    }
    Ok(())
}

fn pk_mask(c: &Connection, table: &str, cols: &[String]) -> Result<Vec<bool>> {
    let mut stmt = c.prepare_cached("SELECT name FROM pragma_table_info(?1) WHERE pk > 0")?;
    let pks: Vec<String> = stmt
        .query_map([table], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(cols.iter().map(|c| pks.contains(c)).collect())
}

/// Open conflicts on the rows a change touched whose fields now hold the incoming value
/// on this laptop too (the other side settled it): closed, both laptops agree.
fn settle_agreed(c: &Connection, columns: &mut Columns, changes: &[Change]) -> Result<()> {
    if ss::open_conflict_count(c)? == 0 {
        return Ok(());
    }
    for ch in changes.iter().filter(|ch| ch.table != "conflict_decision") {
        let key = ch.key();
        let pk = pk_json(&key);
        let open = ss::open_conflicts_on(c, &ch.table, &pk)?;
        if open.is_empty() {
            continue;
        }
        let cols = columns.of(c, &ch.table)?.to_vec();
        let Some(local) = local_row(c, &cols, &ch.table, &ch.pk, &key)? else {
            continue;
        };
        for x in open {
            if x.columns.is_empty() || x.kind != "DATA" && x.kind != "CONFLICT" {
                continue;
            }
            let agreed = x.columns.iter().all(|name| {
                let i = cols.iter().position(|c| c == name);
                let theirs = x.incoming.get("new").and_then(|n| n.get(name));
                match (i, theirs) {
                    (Some(i), Some(t)) => json_value(t) == local[i],
                    _ => false,
                }
            });
            if agreed {
                ss::close_conflict(
                    c,
                    &x.id,
                    "settled: both laptops now hold the same value",
                    "sync",
                )?;
            }
        }
    }
    Ok(())
}

/// A bundle read from a file.
struct Incoming {
    file: String,
    info: BundleInfo,
    entries: Vec<Entry>,
}

fn check_schema(name: &str, info: &BundleInfo) -> Result<()> {
    if info.schema_version > SCHEMA_VERSION {
        return Err(invalid(
            name,
            format!(
                "the bundle was made by a newer fieldwork (schema {}; this one reads schema {SCHEMA_VERSION}): upgrade fieldwork here first; nothing was changed",
                info.schema_version
            ),
        ));
    }
    if info.schema_version < SCHEMA_VERSION {
        return Err(invalid(
            name,
            format!(
                "the bundle was made by an older fieldwork (schema {}; this one has schema {SCHEMA_VERSION}): upgrade fieldwork on {}'s laptop and export again; nothing was changed",
                info.schema_version, info.device_name
            ),
        ));
    }
    Ok(())
}

impl Fieldwork {
    /// This laptop's device (its person kept up to date with the configured user).
    pub fn sync_device(&self) -> Result<Device> {
        Ok(ss::device(self.store.conn())?)
    }

    fn person_now(&self, c: &Connection) -> Result<Device> {
        let d = ss::device(c)?;
        if d.person != self.user() {
            ss::set_person(c, self.user())?;
            return Ok(ss::device(c)?);
        }
        Ok(d)
    }

    /// `sync status`.
    pub fn sync_status(&self) -> Result<Status> {
        let c = self.store.conn();
        let device = ss::device(c)?;
        let last = ss::last_seq(c)?;
        Ok(Status {
            unsent: (last - device.exported_seq).max(0),
            last_seq: last,
            device,
            peers: ss::peers(c)?,
            open_conflicts: ss::open_conflict_count(c)?,
            batches: ss::all_batches(c)?,
        })
    }

    /// `sync export --out FILE [--since SEQ]`: this laptop's changes not yet sent (or
    /// after `since`) as a bundle. Nothing to send: no file, `changes` 0.
    pub fn sync_export(&self, out: &Path, since: Option<i64>, seal: &Seal) -> Result<ExportReport> {
        let w = self.store.write()?;
        let device = self.person_now(&w)?;
        let after = since.unwrap_or(device.exported_seq).max(0);
        let entries = ss::outbox_after(&w, after)?;
        if entries.is_empty() {
            return Ok(ExportReport {
                file: None,
                device_id: device.device_id,
                first_seq: after + 1,
                last_seq: after,
                changes: 0,
            });
        }
        let first = entries[0].seq;
        let last = entries[entries.len() - 1].seq;
        let sent: Vec<Entry> = entries
            .into_iter()
            .map(|e| Entry {
                seq: e.seq,
                created_at: e.created_at,
                depends: e.depends,
                changeset: e.changeset,
            })
            .collect();
        let depends = sent.last().map(|e| e.depends.clone()).unwrap_or_default();
        let info = BundleInfo {
            kind: BundleKind::Changes,
            device_id: device.device_id.clone(),
            device_name: device.person.clone(),
            first_seq: first,
            last_seq: last,
            schema_version: SCHEMA_VERSION,
            created_at: now_utc(),
            extra: json!({ "depends": depends }),
        };
        file::write(out, &info, &encode_entries(&sent), seal)?;
        if last > device.exported_seq {
            ss::set_exported(&w, last)?;
        }
        if let Err(e) = w.commit() {
            let _ = std::fs::remove_file(out);
            return Err(e.into());
        }
        Ok(ExportReport {
            file: Some(out.display().to_string()),
            device_id: device.device_id,
            first_seq: first,
            last_seq: last,
            changes: sent.len(),
        })
    }

    /// `sync import FILE…`: verify every file, then apply their changes in one
    /// transaction, each laptop's in sequence order and after what they depend on.
    /// Refuses (changing nothing) a damaged or truncated file, another schema, a gap or a
    /// missing dependency. Changes already applied are skipped.
    pub fn sync_import(
        &self,
        files: &[PathBuf],
        unseal: &mut dyn FnMut(&Path) -> Result<Unseal>,
    ) -> Result<Vec<ImportedFile>> {
        let mut incoming = Vec::new();
        for f in files {
            let name = f.display().to_string();
            let key = unseal(f)?;
            let (info, payload) = file::read(f, &key)?;
            if info.kind != BundleKind::Changes {
                return Err(invalid(
                    &name,
                    "this is a snapshot bundle: start a new laptop from it with `fieldwork init --from FILE`; nothing was changed",
                ));
            }
            check_schema(&name, &info)?;
            let entries = decode_entries(&payload)
                .map_err(|why| invalid(&name, format!("{why}; nothing was changed")))?;
            incoming.push(Incoming {
                file: name,
                info,
                entries,
            });
        }
        let w = self.store.write()?;
        // Another laptop's changes are that laptop's to send: not into this outbox.
        w.take_capture()?;
        let me = self.person_now(&w)?;
        let mut seen = ss::seen(&w)?;
        let mut names: HashMap<String, String> = ss::peers(&w)?
            .into_iter()
            .map(|p| (p.device_id, p.person))
            .collect();
        for inc in &incoming {
            names
                .entry(inc.info.device_id.clone())
                .or_insert_with(|| inc.info.device_name.clone());
        }
        let who = |d: &str| -> String {
            match names.get(d).filter(|n| !n.is_empty()) {
                Some(n) => format!("{n} ({})", short(d)),
                None => short(d).to_string(),
            }
        };
        // Pending entries per device, in sequence order (duplicates across files once).
        let mut pending: BTreeMap<String, BTreeMap<i64, (usize, usize)>> = BTreeMap::new();
        let mut reports: Vec<ImportedFile> = incoming
            .iter()
            .map(|inc| ImportedFile {
                file: inc.file.clone(),
                device_id: inc.info.device_id.clone(),
                person: inc.info.device_name.clone(),
                batch: None,
                applied: vec![],
                skipped: 0,
                conflicts: 0,
            })
            .collect();
        for (fi, inc) in incoming.iter().enumerate() {
            if inc.info.device_id == me.device_id {
                reports[fi].skipped = inc.entries.len();
                continue;
            }
            for (ei, e) in inc.entries.iter().enumerate() {
                let done = seen.get(&inc.info.device_id).copied().unwrap_or(0);
                if e.seq <= done {
                    reports[fi].skipped += 1;
                    continue;
                }
                pending
                    .entry(inc.info.device_id.clone())
                    .or_default()
                    .entry(e.seq)
                    .or_insert((fi, ei));
            }
        }
        let mut columns = Columns::default();
        let mut per_file: HashMap<usize, Vec<Vec<u8>>> = HashMap::new();
        let batch_ids: Vec<String> = (0..incoming.len()).map(|_| new_id()).collect();
        let mut conflicts = vec![0usize; incoming.len()];
        let tables = std::sync::Arc::new(ss::captured_tables(&w)?);
        loop {
            let mut progress = false;
            let devices: Vec<String> = pending.keys().cloned().collect();
            for d in devices {
                // The longest run of this laptop's next changes that are ready, from one
                // file, applied as one changeset (a changegroup of them: the same net
                // change, one pass through SQLite).
                let mut run: Vec<(i64, usize, usize)> = Vec::new();
                let mut done = seen.get(&d).copied().unwrap_or(0);
                if let Some(m) = pending.get(&d) {
                    for (&seq, &(fi, ei)) in m {
                        if seq != done + 1 || run.first().is_some_and(|r| r.1 != fi) {
                            break;
                        }
                        let e = &incoming[fi].entries[ei];
                        let ready = e.depends.iter().all(|(dev, s)| {
                            *dev == me.device_id
                                || *dev == d
                                || seen.get(dev).copied().unwrap_or(0) >= *s
                        });
                        if !ready {
                            break;
                        }
                        run.push((seq, fi, ei));
                        done = seq;
                    }
                }
                let Some(&(first, fi, _)) = run.first() else {
                    continue;
                };
                let last = run[run.len() - 1].0;
                let parts: Vec<&[u8]> = run
                    .iter()
                    .map(|&(_, fi, ei)| incoming[fi].entries[ei].changeset.as_slice())
                    .collect();
                let changeset = if parts.len() == 1 {
                    parts[0].to_vec()
                } else {
                    session::combine(&parts)?
                };
                // The changeset actually applied is kept for revert. Usually it is the
                // incoming one as it came: applied first without recording; only when
                // SQLite asked the conflict handler (or a decision was carried out) is
                // the apply redone under a session that records what it really changed.
                w.execute_batch("SAVEPOINT sync_entry")?;
                let undo = |w: &crate::store::Write<'_>| {
                    w.execute_batch("ROLLBACK TO sync_entry; RELEASE sync_entry")
                };
                let applied =
                    match apply_entry(&w, &mut columns, &d, last, &batch_ids[fi], &changeset) {
                        Ok(a) if a.verbatim => {
                            w.execute_batch("RELEASE sync_entry")?;
                            per_file.entry(fi).or_default().push(changeset);
                            a
                        }
                        Ok(_) => {
                            undo(&w)?;
                            let filter_tables = tables.clone();
                            let capture =
                                session::Session::new(&w, move |t| filter_tables.contains(t))?;
                            let a = apply_entry(
                                &w,
                                &mut columns,
                                &d,
                                last,
                                &batch_ids[fi],
                                &changeset,
                            )?;
                            per_file.entry(fi).or_default().push(capture.changeset()?);
                            drop(capture);
                            a
                        }
                        Err(e) => {
                            let _ = undo(&w);
                            return Err(e);
                        }
                    };
                conflicts[fi] += applied.conflicts;
                reports[fi].applied.extend(first..=last);
                seen.insert(d.clone(), last);
                ss::set_peer(&w, &d, &incoming[fi].info.device_name, last)?;
                if let Some(m) = pending.get_mut(&d) {
                    m.retain(|seq, _| *seq > last);
                }
                progress = true;
            }
            pending.retain(|_, m| !m.is_empty());
            if !progress || pending.is_empty() {
                break;
            }
        }
        if let Some((d, m)) = pending.iter().next() {
            let (&seq, &(fi, ei)) = m.iter().next().expect("non-empty");
            let done = seen.get(d).copied().unwrap_or(0);
            let file = &incoming[fi].file;
            if seq > done + 1 {
                return Err(invalid(
                    file,
                    format!(
                        "missing bundle from {} with changes {}–{}: import it first (or ask for it: `fieldwork sync export --since {done}` on that laptop); nothing was changed",
                        who(d),
                        done + 1,
                        seq - 1
                    ),
                ));
            }
            let e = &incoming[fi].entries[ei];
            let (dev, need) = e
                .depends
                .iter()
                .find(|(dev, s)| {
                    **dev != me.device_id && seen.get(*dev).copied().unwrap_or(0) < **s
                })
                .map(|(d, s)| (d.clone(), *s))
                .unwrap_or_default();
            let have = seen.get(&dev).copied().unwrap_or(0);
            return Err(invalid(
                file,
                format!(
                    "change {seq} from {} builds on changes this laptop does not have yet: first import the bundle from {} with changes {}–{need}; nothing was changed",
                    who(d),
                    who(&dev),
                    have + 1
                ),
            ));
        }
        let now = now_utc();
        for (fi, inc) in incoming.iter().enumerate() {
            let Some(sets) = per_file.get(&fi) else {
                continue;
            };
            let applied = if sets.len() == 1 {
                sets[0].clone()
            } else {
                let refs: Vec<&[u8]> = sets.iter().map(Vec::as_slice).collect();
                session::combine(&refs)?
            };
            let seqs = &reports[fi].applied;
            let batch = Batch {
                id: batch_ids[fi].clone(),
                source_device: inc.info.device_id.clone(),
                first_seq: seqs.iter().copied().min().unwrap_or(0),
                last_seq: seqs.iter().copied().max().unwrap_or(0),
                file: Some(inc.file.clone()),
                applied,
                applied_at: now.clone(),
                applied_by: self.user().to_string(),
                reverted_at: None,
            };
            ss::insert_batch(&w, &batch)?;
            reports[fi].batch = Some(batch.id.clone());
            reports[fi].conflicts = conflicts[fi];
            audit::record(
                &w,
                self.user(),
                "sync_batch",
                &batch.id,
                "import",
                None,
                Some(&json!({
                    "file": inc.file, "device_id": inc.info.device_id, "person": inc.info.device_name,
                    "first_seq": batch.first_seq, "last_seq": batch.last_seq, "conflicts": conflicts[fi],
                })),
            )?;
        }
        w.commit()?;
        Ok(reports)
    }

    /// Open conflicts (all with `all`).
    pub fn sync_conflicts(&self, all: bool) -> Result<Vec<ConflictRow>> {
        Ok(ss::conflicts(self.store.conn(), all)?)
    }

    fn find_conflict(&self, c: &Connection, key: &str) -> Result<ConflictRow> {
        let key = key.trim();
        if key.len() < 4 {
            return Err(invalid("ID", format!("`{key}`: give at least 4 characters of the conflict id (see `fieldwork sync conflicts`)")));
        }
        let mut found = ss::conflicts_by_prefix(c, key)?;
        match found.len() {
            0 => Err(ServiceError::NotFound {
                what: "conflict",
                key: key.into(),
            }),
            1 => Ok(found.remove(0)),
            _ => Err(ServiceError::Ambiguous {
                what: "conflict",
                key: key.into(),
                candidates: found
                    .iter()
                    .map(|x| short(&x.id).to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// `sync resolve ID --keep mine|theirs|both`. The choice is written as data
    /// (`conflict_decision`, sent like any change) together with the values it sets, so
    /// every laptop holding the same conflict closes it and ends with the same values.
    pub fn sync_resolve(&self, key: &str, keep: Keep) -> Result<ConflictRow> {
        let w = self.store.write()?;
        let x = self.find_conflict(&w, key)?;
        if x.status != "open" {
            return Err(ServiceError::Refused(format!(
                "conflict {} is already resolved ({})",
                short(&x.id),
                x.resolution.clone().unwrap_or_default()
            )));
        }
        let mut columns = Columns::default();
        let cols = columns.of(&w, &x.table)?.to_vec();
        let pkmask = pk_mask(&w, &x.table, &cols)?;
        let key_vals: Vec<Value> =
            x.pk.as_array()
                .map(|a| a.iter().map(json_value).collect())
                .unwrap_or_default();
        let theirs_new = x.incoming.get("new").cloned().unwrap_or_default();
        let local = local_row(&w, &cols, &x.table, &pkmask, &key_vals)?;
        let idx = |name: &str| cols.iter().position(|c| c == name);
        let mut chosen = serde_json::Map::new();
        let mut resolution = keep.as_str().to_string();
        let refuse = |why: String| -> Result<ConflictRow> {
            Err(ServiceError::Refused(format!(
                "conflict {}: {why}; nothing was changed",
                short(&x.id)
            )))
        };
        match (x.kind.as_str(), x.op.as_str(), keep) {
            (_, _, Keep::Mine) => {
                if let Some(l) = &local {
                    for name in &x.columns {
                        if let Some(i) = idx(name) {
                            chosen.insert(name.clone(), value_json(&l[i]));
                        }
                    }
                }
            }
            ("DATA" | "CONFLICT", "update" | "insert", Keep::Theirs) => {
                let Some(l) = &local else {
                    return refuse("the record is no longer here".into());
                };
                let mut set = vec![];
                for name in &x.columns {
                    if let (Some(i), Some(v)) = (idx(name), theirs_new.get(name)) {
                        chosen.insert(name.clone(), v.clone());
                        if l[i] != json_value(v) {
                            set.push((i, json_value(v)));
                        }
                    }
                }
                update_row(&w, &cols, &x.table, &pkmask, &key_vals, &set)?;
            }
            ("DATA" | "CONFLICT", "update" | "insert", Keep::Both) => {
                let Some(l) = &local else {
                    return refuse("the record is no longer here".into());
                };
                let mut set = vec![];
                for name in &x.columns {
                    let Some(i) = idx(name) else { continue };
                    match (&l[i], theirs_new.get(name).map(json_value)) {
                        (Value::Text(mine), Some(Value::Text(theirs))) => {
                            let v = Value::Text(format!("{mine}{BOTH_SEPARATOR}{theirs}"));
                            chosen.insert(name.clone(), value_json(&v));
                            set.push((i, v));
                        }
                        _ => {
                            return refuse(format!(
                                "`both` keeps two texts in one field, and `{name}` is not free text: choose --keep mine or --keep theirs"
                            ))
                        }
                    }
                }
                update_row(&w, &cols, &x.table, &pkmask, &key_vals, &set)?;
            }
            ("DATA", "delete", Keep::Theirs) => {
                let sql = format!(
                    "DELETE FROM {} WHERE {}",
                    quote_ident(&x.table),
                    pk_where(&cols, &pkmask, 1)
                );
                w.execute(&sql, rusqlite::params_from_iter(key_vals.iter()))
                    .map_err(|e| {
                        ServiceError::Refused(format!(
                            "conflict {}: the record cannot be deleted here ({e})",
                            short(&x.id)
                        ))
                    })?;
                resolution = "theirs (deleted)".into();
            }
            ("CONSTRAINT", "insert", Keep::Both)
                if x.table == "participant" && x.columns.iter().any(|c| c == "code") =>
            {
                let mut values: Vec<Value> = cols
                    .iter()
                    .map(|c| theirs_new.get(c).map(json_value).unwrap_or(Value::Null))
                    .collect();
                let ci = idx("code").unwrap_or(0);
                let code = loop {
                    let code = new_export_code();
                    let n: i64 = w.query_row(
                        "SELECT count(*) FROM participant WHERE code = ?1",
                        [&code],
                        |r| r.get(0),
                    )?;
                    if n == 0 {
                        break code;
                    }
                };
                values[ci] = Value::Text(code.clone());
                insert_row(&w, &cols, &x.table, &values).map_err(|e| {
                    ServiceError::Refused(format!(
                        "conflict {}: the other record cannot be added ({e})",
                        short(&x.id)
                    ))
                })?;
                // Its records that could not be attached without it come back with it.
                let mut restored = 0;
                // Twice: a record may need another of them first.
                for _ in 0..2 {
                    for o in ss::conflicts(&w, false)? {
                        if o.kind != "FOREIGN_KEY" || o.batch_id != x.batch_id {
                            continue;
                        }
                        let ocols = columns.of(&w, &o.table)?.to_vec();
                        let Some(new) = o.incoming.get("new") else {
                            continue;
                        };
                        let values: Vec<Value> = ocols
                            .iter()
                            .map(|c| new.get(c).map(json_value).unwrap_or(Value::Null))
                            .collect();
                        // A row that still cannot be attached stays in its conflict.
                        if insert_row(&w, &ocols, &o.table, &values).is_ok() {
                            ss::close_conflict(
                                &w,
                                &o.id,
                                "restored with its record (both kept)",
                                self.user(),
                            )?;
                            restored += 1;
                        }
                    }
                }
                resolution = format!(
                    "both (the other laptop's record added with export code {code}{})",
                    if restored > 0 {
                        format!(", with {restored} record(s) of it")
                    } else {
                        String::new()
                    }
                );
            }
            (kind, op, keep) => {
                let choices = match (kind, op) {
                    ("DATA" | "CONFLICT", "update" | "insert") => "mine, theirs or both",
                    ("DATA", "delete") => "mine (keep the record) or theirs (delete it)",
                    ("CONSTRAINT", "insert") if x.table == "participant" => "mine or both",
                    _ => "mine",
                };
                return refuse(format!(
                    "--keep {} does not apply to a {kind} conflict on {op} of a {} record; choose {choices}",
                    keep.as_str(),
                    x.table
                ));
            }
        }
        let by = self.user().to_string();
        let device = ss::device(&w)?;
        w.execute(
            "INSERT INTO conflict_decision (id, tbl, pk, columns, keep, decided_by, device_id, decided_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            rusqlite::params![
                new_id(),
                x.table,
                x.pk.to_string(),
                serde_json::Value::Object(chosen.clone()).to_string(),
                keep.as_str(),
                by,
                device.device_id,
                now_utc()
            ],
        )?;
        ss::close_conflict(&w, &x.id, &resolution, &by)?;
        audit::record(
            &w,
            &by,
            "sync_conflict",
            &x.id,
            "resolve",
            Some(&json!({"table": x.table, "pk": x.pk, "local": x.local, "incoming": x.incoming})),
            Some(&json!({"keep": keep.as_str(), "resolution": resolution, "values": chosen})),
        )?;
        let out = ss::conflicts_by_prefix(&w, &x.id)?.into_iter().next();
        w.commit()?;
        out.ok_or_else(|| ServiceError::NotFound {
            what: "conflict",
            key: x.id.clone(),
        })
    }

    /// `sync revert BATCH`: undo an import with its inverted changeset, unless a later
    /// change touched the same records (then refuse and name them). The undo is a change
    /// of this laptop like any other (sent with its next export).
    pub fn sync_revert(&self, key: &str) -> Result<Batch> {
        let w = self.store.write()?;
        let key = key.trim();
        if key.len() < 4 {
            return Err(invalid(
                "BATCH",
                "give at least 4 characters of the batch id (see `fieldwork sync status`)",
            ));
        }
        let mut found = ss::batches_by_prefix(&w, key)?;
        let batch = match found.len() {
            0 => {
                return Err(ServiceError::NotFound {
                    what: "batch",
                    key: key.into(),
                })
            }
            1 => found.remove(0),
            _ => {
                return Err(ServiceError::Ambiguous {
                    what: "batch",
                    key: key.into(),
                    candidates: found
                        .iter()
                        .map(|b| short(&b.id).to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                })
            }
        };
        if let Some(at) = &batch.reverted_at {
            return Err(ServiceError::Refused(format!(
                "batch {} was already reverted on {at}",
                short(&batch.id)
            )));
        }
        let inverse = session::invert(&batch.applied)?;
        let changes = session::changes(&inverse)?;
        let turn_ids = turns_of(&changes);
        fts_turns(&w, &turn_ids, "delete")?;
        let mut table_cols: HashMap<String, Vec<String>> = HashMap::new();
        {
            let mut columns = Columns::default();
            for ch in &changes {
                if !table_cols.contains_key(&ch.table) {
                    table_cols.insert(ch.table.clone(), columns.of(&w, &ch.table)?.to_vec());
                }
            }
        }
        let mut blocked: Vec<(String, String)> = Vec::new();
        let r = session::apply(&w, &inverse, &mut |x| {
            // A later edit that changed only bookkeeping columns (when) is no dependency.
            if x.kind == ConflictKind::Data && x.change.op == Op::Update {
                if let (Some(local), Some(cols)) = (&x.local, table_cols.get(&x.change.table)) {
                    let only_bookkeeping = cols.iter().enumerate().all(|(i, name)| {
                        is_bookkeeping(name)
                            || x.change.old[i].as_ref().is_none_or(|old| *old == local[i])
                    });
                    if only_bookkeeping {
                        return Action::Replace;
                    }
                }
            }
            if x.kind != ConflictKind::ForeignKey {
                blocked.push((x.change.table.clone(), pk_json(&x.change.key())));
            } else {
                blocked.push((
                    "(records that point to it)".into(),
                    format!("{} foreign key(s)", x.fk_count),
                ));
            }
            // Go on to list every blocked record; the whole write is rolled back below.
            Action::Omit
        });
        if blocked
            .iter()
            .any(|(t, _)| t == "consent" || t == "withdrawal")
        {
            return Err(ServiceError::Refused(format!(
                "batch {} cannot be reverted: it added consent or withdrawal records, which are immutable (record a new consent instead); nothing was changed",
                short(&batch.id)
            )));
        }
        if r.is_err() || !blocked.is_empty() {
            let later = later_changes(&w, &batch, &blocked)?;
            let list = blocked
                .iter()
                .take(5)
                .map(|(t, k)| format!("{t} {k}"))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(ServiceError::Refused(format!(
                "batch {} cannot be reverted: later changes depend on it ({list}{}){}; nothing was changed",
                short(&batch.id),
                if blocked.len() > 5 { format!(" and {} more", blocked.len() - 5) } else { String::new() },
                if later.is_empty() { String::new() } else { format!(" — changed since by {}", later.join(", ")) }
            )));
        }
        fts_turns(&w, &turn_ids, "insert")?;
        ss::mark_reverted(&w, &batch.id, self.user())?;
        audit::record(
            &w,
            self.user(),
            "sync_batch",
            &batch.id,
            "revert",
            None,
            Some(
                &json!({"device_id": batch.source_device, "first_seq": batch.first_seq, "last_seq": batch.last_seq}),
            ),
        )?;
        w.commit()?;
        let mut b = batch;
        b.reverted_at = Some(now_utc());
        Ok(b)
    }

    /// `sync export --snapshot --out FILE`: a consistent copy of the whole database with
    /// this laptop's sync state, from which a new laptop starts (`init --from`).
    pub fn sync_snapshot(&self, out: &Path, seal: &Seal) -> Result<ExportReport> {
        let c = self.store.conn();
        let device = ss::device(c)?;
        let dir = tempdir_near(out)?;
        let tmp = dir.join("snapshot.db");
        let r = (|| -> Result<ExportReport> {
            c.execute("VACUUM INTO ?1", [tmp.display().to_string()])?;
            let snap = Connection::open(&tmp)?;
            let last = ss::last_seq(&snap)?;
            let seen = ss::seen(&snap)?;
            drop(snap);
            let info = BundleInfo {
                kind: BundleKind::Snapshot,
                device_id: device.device_id.clone(),
                device_name: self.user().to_string(),
                first_seq: 1,
                last_seq: last,
                schema_version: SCHEMA_VERSION,
                created_at: now_utc(),
                extra: json!({ "seen": seen }),
            };
            file::write_from_file(out, &info, &tmp, seal)?;
            Ok(ExportReport {
                file: Some(out.display().to_string()),
                device_id: device.device_id.clone(),
                first_seq: 1,
                last_seq: last,
                changes: 0,
            })
        })();
        let _ = std::fs::remove_dir_all(&dir);
        r
    }
}

/// A private temporary folder beside `path` (same file system), removed by the caller.
fn tempdir_near(path: &Path) -> Result<PathBuf> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = parent.join(format!(".fieldwork-snapshot-{}", new_id()));
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(&dir)
        .map_err(super::io_err(format!("creating {}", dir.display())))?;
    Ok(dir)
}

/// Who changed the given records after `batch`: later imports and this laptop's own
/// changes made since, as "Pat (1a2b3c4d) changes 4–6" / "this laptop (change 12)".
fn later_changes(c: &Connection, batch: &Batch, rows: &[(String, String)]) -> Result<Vec<String>> {
    let touched = |cs: &[u8]| -> bool {
        session::changes(cs)
            .map(|chs| {
                chs.iter().any(|ch| {
                    rows.iter()
                        .any(|(t, k)| *t == ch.table && *k == pk_json(&ch.key()))
                })
            })
            .unwrap_or(false)
    };
    let mut out = Vec::new();
    for b in ss::batches_after(c, &batch.applied_at, &batch.id)? {
        if b.id != batch.id && touched(&b.applied) {
            let person = ss::peer(c, &b.source_device)?
                .map(|p| p.person)
                .unwrap_or_default();
            out.push(format!(
                "batch {} from {person} ({}) changes {}–{}",
                short(&b.id),
                short(&b.source_device),
                b.first_seq,
                b.last_seq
            ));
        }
    }
    let mut stmt =
        c.prepare("SELECT seq, changeset FROM sync_outbox WHERE created_at >= ?1 ORDER BY seq")?;
    let rows_ = stmt.query_map([&batch.applied_at], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
    })?;
    for r in rows_ {
        let (seq, cs) = r?;
        if touched(&cs) {
            out.push(format!("this laptop (change {seq})"));
        }
    }
    Ok(out)
}

impl Fieldwork {
    /// Make this database a new laptop: a new device id and `person`, an empty outbox, and
    /// the laptop it was copied from recorded as a peer seen up to its last change (so its
    /// later bundles apply without a gap, and nothing it made is sent twice under another
    /// name). `init --from` calls it for snapshots and encrypted backups alike, so two
    /// laptops never share a device id. Returns the source device and its last sequence.
    /// `source_name` names the source laptop's person when its database does not.
    pub fn become_new_device(&self, person: &str, source_name: &str) -> Result<(Device, i64)> {
        let w = self.store.write()?;
        w.take_capture()?;
        let source = ss::device(&w)?;
        let last = ss::last_seq(&w)?.max(source.exported_seq);
        ss::set_device_id(&w, &new_id())?;
        ss::set_person(&w, person)?;
        ss::clear_outbox(&w)?;
        w.execute(
            "DELETE FROM sync_batch WHERE NOT EXISTS
                 (SELECT 1 FROM sync_conflict WHERE batch_id = sync_batch.id)",
            [],
        )?;
        if last > 0 {
            let known = ss::peer(&w, &source.device_id)?
                .map(|p| p.last_seq)
                .unwrap_or(0);
            let name = if source.person.is_empty() {
                source_name
            } else {
                &source.person
            };
            ss::set_peer(&w, &source.device_id, name, last.max(known))?;
        }
        w.commit()?;
        Ok((source, last))
    }
}
