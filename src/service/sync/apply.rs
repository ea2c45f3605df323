//! Applying one incoming change: field-level merge with the local row, or a conflict.

use rusqlite::types::Value;
use rusqlite::Connection;

use super::{conflicts::*, rows::*, wire::*};
use crate::domain::now_utc;
use crate::service::{Result, ServiceError};
use crate::store::session::{self, Action, Change, ConflictKind, Op};
use crate::store::sync::{self as ss};

/// What the conflict handler decided, carried out after the apply returns (SQLite's
/// handler must not write to the database it is applying to).
pub(super) enum Todo {
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
pub(super) fn merge_columns(
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
pub(super) struct Applied {
    pub(super) conflicts: usize,
    /// Every change was applied as it came (SQLite never asked the conflict handler, and
    /// no decision was carried out): the changeset applied is the incoming one.
    pub(super) verbatim: bool,
}

/// Apply one changeset from `source` with field-level merge; clashes become conflicts.
/// Runs inside the caller's write transaction.
pub(super) fn apply_entry(
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
