//! Keeping what the merge could not settle: conflicts, orphans, guarded deletes, unique
//! clashes; then the search index and the decisions that follow a batch.

use std::collections::BTreeSet;

use rusqlite::types::Value;
use rusqlite::Connection;
use serde_json::json;

use super::rows::*;
use crate::domain::new_id;
use crate::service::Result;
use crate::store::session::{Change, ConflictKind, Op};
use crate::store::sync::{self as ss, ConflictRow};

#[allow(clippy::too_many_arguments)]
pub(super) fn store_conflict(
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
pub(super) fn keep_orphans(
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
pub(super) fn delete_guarded(
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
pub(super) fn unique_clash(
    c: &Connection,
    cols: &[String],
    change: &Change,
) -> Result<Vec<String>> {
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
pub(crate) fn turns_of(changes: &[Change]) -> BTreeSet<String> {
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
pub(crate) fn fts_turns(c: &Connection, ids: &BTreeSet<String>, what: &str) -> Result<()> {
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
pub(super) fn apply_decisions(
    c: &Connection,
    columns: &mut Columns,
    changes: &[Change],
) -> Result<()> {
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

pub(super) fn pk_mask(c: &Connection, table: &str, cols: &[String]) -> Result<Vec<bool>> {
    let mut stmt = c.prepare_cached("SELECT name FROM pragma_table_info(?1) WHERE pk > 0")?;
    let pks: Vec<String> = stmt
        .query_map([table], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(cols.iter().map(|c| pks.contains(c)).collect())
}

/// Open conflicts on the rows a change touched whose fields now hold the incoming value
/// on this laptop too (the other side settled it): closed, both laptops agree.
pub(super) fn settle_agreed(
    c: &Connection,
    columns: &mut Columns,
    changes: &[Change],
) -> Result<()> {
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
