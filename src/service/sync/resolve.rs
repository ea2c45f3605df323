//! After an import: listing and resolving conflicts, reverting a batch, snapshots, and a
//! laptop that becomes a new device.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::types::Value;
use rusqlite::Connection;
use serde_json::json;

use super::{conflicts::*, import::*, rows::*, wire::*};
use crate::domain::{new_export_code, new_id, now_utc};
use crate::service::{invalid, Fieldwork, Result, ServiceError};
use crate::store::session::{self, Action, ConflictKind, Op};
use crate::store::sync::Device;
use crate::store::sync::{self as ss, Batch, ConflictRow};
use crate::store::{audit, SCHEMA_VERSION};
use crate::sync::bundle::Seal;

impl Fieldwork {
    /// Open conflicts (all with `all`).
    pub fn sync_conflicts(&self, all: bool) -> Result<Vec<ConflictRow>> {
        Ok(ss::conflicts(self.store.conn(), all)?)
    }

    pub(super) fn find_conflict(&self, c: &Connection, key: &str) -> Result<ConflictRow> {
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
