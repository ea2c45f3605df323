//! Deleting a record created by mistake: a participant, or a session (interview,
//! observation, document). Refused while other records depend on it, unless the caller
//! asks for those to go too; every deleted record gets its own audit entry with what it
//! held (`before`), and the delete is one transaction that sync captures like any write.
//! Consent and withdrawal records are immutable and never deleted: a participant who has
//! any is kept (correct a record entered in error with `consent correct`).

mod restore;

pub use restore::Deleted;

use super::participants::StatusMove;
use super::{json, Fieldwork, Result, ServiceError};
use crate::domain::SessionKind;
use crate::store::{audit, coding, delete as store, participants as pstore, sessions as sstore};

/// How many records of one kind depend on the record to delete.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DependentCount {
    pub kind: String,
    pub count: i64,
}

/// A delete, done or (for a preview) only described.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Deletion {
    /// `participant`, `interview`, `observation` or `document`.
    pub kind: String,
    pub id: String,
    /// The export code of a participant; the short id and date of a session.
    pub label: String,
    /// What depends on it (and went with it when `deleted` and `with_dependents`).
    pub dependents: Vec<DependentCount>,
    pub with_dependents: bool,
    pub deleted: bool,
}

fn listed(d: &store::Dependents) -> Vec<DependentCount> {
    d.iter()
        .map(|(k, n)| DependentCount {
            kind: (*k).to_string(),
            count: *n,
        })
        .collect()
}

/// "2 consent records, 1 session".
pub fn describe(d: &[DependentCount]) -> String {
    d.iter()
        .map(|c| {
            if c.count == 1 {
                format!("1 {}", c.kind)
            } else {
                // "tag or passage" → "tags or passages".
                let plural: Vec<String> = c
                    .kind
                    .split(" or ")
                    .map(|k| match k.strip_suffix('y') {
                        Some(stem) => format!("{stem}ies"),
                        None => format!("{k}s"),
                    })
                    .collect();
                format!("{} {}", c.count, plural.join(" or "))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn short(id: &str) -> String {
    id.chars().take(8).collect()
}

/// Dependents that are never deleted with a participant (immutable records).
pub const IMMUTABLE: &[&str] = &["consent record", "withdrawal", "consent correction"];

impl Fieldwork {
    /// What deleting a participant would remove, without removing anything.
    pub fn participant_deletion(&self, key: &str) -> Result<Deletion> {
        let id = self.resolve_participant(key)?;
        let c = self.store.conn();
        let row = pstore::row(c, &id)?.ok_or(ServiceError::NotFound {
            what: "participant",
            key: key.to_string(),
        })?;
        Ok(Deletion {
            kind: "participant".into(),
            id: id.clone(),
            label: row.code,
            dependents: listed(&store::participant_dependents(c, &id)?),
            with_dependents: false,
            deleted: false,
        })
    }

    /// What deleting a session would remove, without removing anything. `kind`: the kind
    /// the caller means (an interview key given to `observation delete` is refused).
    pub fn session_deletion(&self, key: &str, kind: Option<SessionKind>) -> Result<Deletion> {
        let id = self.resolve_session(key)?;
        let c = self.store.conn();
        let row = session_row(c, &id, key, kind)?;
        Ok(Deletion {
            kind: row.kind.clone(),
            id: id.clone(),
            label: format!("{} on {}", short(&id), row.date),
            dependents: listed(&store::session_dependents(c, &id)?),
            with_dependents: false,
            deleted: false,
        })
    }

    /// Delete a participant created by mistake (also the undo of adding one). Refused
    /// while anything depends on them (status changes after the first, sessions, matrix
    /// summaries, their register entry), naming what, unless `with_dependents`: then the
    /// status history, matrix summaries and register entry go too, they leave the sessions
    /// they are in, and an interview or observation left with nobody is deleted with its
    /// own dependents. Always refused when they have consent or withdrawal records
    /// (immutable) or their register entry was used in a redaction run. With `opened`
    /// (the participant as the caller last saw them) refused if they were edited since.
    pub fn delete_participant(&mut self, key: &str, with_dependents: bool) -> Result<Deletion> {
        self.delete_participant_from(key, with_dependents, None)
    }

    /// [`Fieldwork::delete_participant`] from a view opened on `opened` (see
    /// [`super::Version`]): refused with a conflict if the participant changed since.
    pub fn delete_participant_from(
        &mut self,
        key: &str,
        with_dependents: bool,
        opened: Option<&super::Version>,
    ) -> Result<Deletion> {
        Ok(self
            .delete_participant_undoable(key, with_dependents, opened)?
            .deletion)
    }

    /// [`Fieldwork::delete_participant_from`], keeping what was removed so that
    /// [`Fieldwork::restore_deleted`] can put it back (the interface's undo).
    pub fn delete_participant_undoable(
        &mut self,
        key: &str,
        with_dependents: bool,
        opened: Option<&super::Version>,
    ) -> Result<Deleted> {
        let id = self.resolve_participant(key)?;
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        let Some(row) = pstore::row(&tx, &id)? else {
            return Err(ServiceError::NotFound {
                what: "participant",
                key: key.to_string(),
            });
        };
        if let Some(v) = opened {
            let p = pstore::get(&tx, &id)?.ok_or(ServiceError::NotFound {
                what: "participant",
                key: key.to_string(),
            })?;
            let now = super::participants::participant_version(&p);
            v.check("participant", &row.code, |f| {
                now.get(f).unwrap_or_default().to_string()
            })?;
        }
        let deps = store::participant_dependents(&tx, &id)?;
        let immutable: Vec<DependentCount> = listed(&deps)
            .into_iter()
            .filter(|d| IMMUTABLE.contains(&d.kind.as_str()))
            .collect();
        if !immutable.is_empty() {
            return Err(ServiceError::Refused(format!(
                "participant {} has consent or withdrawal records ({}), which are immutable and never deleted; correct a record entered in error with `fieldwork consent correct ID --reason TEXT`; nothing was deleted",
                row.code,
                describe(&immutable)
            )));
        }
        if !deps.is_empty() && !with_dependents {
            return Err(ServiceError::Dependents {
                record: format!("participant {}", row.code),
                dependents: describe(&listed(&deps)),
                pronoun: "them",
                keep: "the participant",
            });
        }
        let used = store::rows_json(
            &tx,
            "SELECT count(*) AS n FROM redaction_log WHERE identifier_id IN
                (SELECT id FROM identifier WHERE source = 'participant' AND source_key = ?1)",
            &id,
        )?;
        if used
            .first()
            .and_then(|v| v["n"].as_i64())
            .is_some_and(|n| n > 0)
        {
            return Err(ServiceError::Refused(format!(
                "the register entry of participant {} was used in redaction runs (kept in the redaction log); nothing was deleted",
                row.code
            )));
        }
        // Sessions: leave those with other participants, delete those left with nobody.
        for sid in store::ids(
            &tx,
            "SELECT session_id FROM session_participant WHERE participant_id = ?1",
            &id,
        )? {
            let others = store::rows_json(
                &tx,
                "SELECT count(*) AS n FROM session_participant WHERE session_id = ?1",
                &sid,
            )?
            .first()
            .and_then(|v| v["n"].as_i64())
            .unwrap_or(0)
                - 1;
            if others > 0 {
                tx.execute(
                    "DELETE FROM session_participant WHERE session_id = ?1 AND participant_id = ?2",
                    [&sid, &id],
                )?;
                audit::record(
                    &tx,
                    &user,
                    "session",
                    &sid,
                    "participant removed",
                    Some(&serde_json::json!({ "participant": id })),
                    None,
                )?;
            } else {
                delete_session_tx(&tx, &user, &sid)?;
            }
        }
        for summary in store::rows_json(
            &tx,
            "SELECT * FROM matrix_summary WHERE participant_id = ?1",
            &id,
        )? {
            let key = format!(
                "{}/{}/{}",
                summary["participant_id"].as_str().unwrap_or_default(),
                summary["theme_id"].as_str().unwrap_or_default(),
                summary["phase_id"].as_str().unwrap_or_default()
            );
            audit::record(
                &tx,
                &user,
                "matrix_summary",
                &key,
                "delete",
                Some(&summary),
                None,
            )?;
        }
        store::delete_where(
            &tx,
            "DELETE FROM matrix_summary WHERE participant_id = ?1",
            &id,
        )?;
        for ident in store::rows_json(
            &tx,
            "SELECT * FROM identifier WHERE source = 'participant' AND source_key = ?1",
            &id,
        )? {
            let iid = ident["id"].as_str().unwrap_or_default().to_string();
            let mut before = ident.clone();
            before["variants"] = serde_json::Value::Array(store::rows_json(
                &tx,
                "SELECT * FROM identifier_variant WHERE identifier_id = ?1",
                &iid,
            )?);
            store::delete_where(
                &tx,
                "DELETE FROM identifier_variant WHERE identifier_id = ?1",
                &iid,
            )?;
            store::delete_where(&tx, "DELETE FROM identifier WHERE id = ?1", &iid)?;
            audit::record(
                &tx,
                &user,
                "identifier",
                &iid,
                "delete",
                Some(&before),
                None,
            )?;
        }
        let mut before = json(&row);
        before["history"] = serde_json::Value::Array(store::rows_json(
            &tx,
            "SELECT * FROM status_event WHERE participant_id = ?1 ORDER BY recorded_at, id",
            &id,
        )?);
        store::delete_where(
            &tx,
            "DELETE FROM status_event WHERE participant_id = ?1",
            &id,
        )?;
        store::delete_where(&tx, "DELETE FROM participant WHERE id = ?1", &id)?;
        audit::record(
            &tx,
            &user,
            "participant",
            &id,
            "delete",
            Some(&before),
            None,
        )?;
        let changes = tx.commit_changes()?.unwrap_or_default();
        Ok(Deleted {
            deletion: Deletion {
                kind: "participant".into(),
                id,
                label: row.code,
                dependents: listed(&deps),
                with_dependents,
                deleted: true,
            },
            changes,
        })
    }

    /// Delete a session created by mistake (an interview, observation or document; also
    /// the undo of logging one, see [`Fieldwork::undo_log_session`]). `kind`: the kind the
    /// caller means, refused if the session is another. Refused while it has a transcript,
    /// tags or passages (naming how many) unless `with_dependents`: then those go too,
    /// with the transcript's turns, import record and redaction log entries. The
    /// participants stay, with their status as it is.
    pub fn delete_session(
        &mut self,
        key: &str,
        kind: Option<SessionKind>,
        with_dependents: bool,
    ) -> Result<Deletion> {
        Ok(self
            .delete_session_moves(key, kind, with_dependents, &[])?
            .deletion)
    }

    /// [`Fieldwork::delete_session`], keeping what was removed so that
    /// [`Fieldwork::restore_deleted`] can put it back (the interface's undo).
    pub fn delete_session_undoable(
        &mut self,
        key: &str,
        kind: Option<SessionKind>,
        with_dependents: bool,
    ) -> Result<Deleted> {
        self.delete_session_moves(key, kind, with_dependents, &[])
    }

    /// Undo logging a session: delete it (refused once anything depends on it) and take
    /// back the participants' status changes the logging made (`logged.status_moves`),
    /// their events removed; refused if a participant's status changed since.
    pub fn undo_log_session(&mut self, logged: &super::sessions::Logged) -> Result<Deletion> {
        Ok(self
            .delete_session_moves(&logged.session.id, None, false, &logged.status_moves)?
            .deletion)
    }

    fn delete_session_moves(
        &mut self,
        key: &str,
        kind: Option<SessionKind>,
        with_dependents: bool,
        moves: &[StatusMove],
    ) -> Result<Deleted> {
        let id = self.resolve_session(key)?;
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        let row = session_row(&tx, &id, key, kind)?;
        let deps = store::session_dependents(&tx, &id)?;
        if !deps.is_empty() && !with_dependents {
            return Err(ServiceError::Dependents {
                record: format!("{} {}", row.kind, short(&id)),
                dependents: describe(&listed(&deps)),
                pronoun: "it",
                keep: "it",
            });
        }
        Self::revert_moves_tx(&tx, moves, &user, "session deleted")?;
        delete_session_tx(&tx, &user, &id)?;
        let changes = tx.commit_changes()?.unwrap_or_default();
        Ok(Deleted {
            deletion: Deletion {
                kind: row.kind.clone(),
                id: id.clone(),
                label: format!("{} on {}", short(&id), row.date),
                dependents: listed(&deps),
                with_dependents,
                deleted: true,
            },
            changes,
        })
    }
}

fn session_row(
    c: &rusqlite::Connection,
    id: &str,
    key: &str,
    kind: Option<SessionKind>,
) -> Result<sstore::SessionRow> {
    let row = sstore::row(c, id)?.ok_or(ServiceError::NotFound {
        what: "session",
        key: key.to_string(),
    })?;
    if let Some(k) = kind {
        if row.kind != k.as_str() {
            return Err(super::invalid(
                "session",
                format!(
                    "{} is {} {}, not {}",
                    short(id),
                    article(&row.kind),
                    row.kind,
                    k.as_str()
                ),
            ));
        }
    }
    Ok(row)
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// Delete a session and everything that depends on it, one audit entry per record
/// (turns are counted in their transcript's entry; the participant links are in the
/// session's).
fn delete_session_tx(tx: &rusqlite::Connection, user: &str, id: &str) -> Result<()> {
    for tag in store::rows_json(tx, "SELECT * FROM tag WHERE session_id = ?1", id)? {
        let tid = tag["id"].as_str().unwrap_or_default().to_string();
        audit::record(tx, user, "tag", &tid, "delete", Some(&tag), None)?;
    }
    store::delete_where(tx, "DELETE FROM tag WHERE session_id = ?1", id)?;
    for t in store::rows_json(tx, "SELECT * FROM transcript WHERE session_id = ?1", id)? {
        let tid = t["id"].as_str().unwrap_or_default().to_string();
        for entry in store::rows_json(
            tx,
            "SELECT * FROM redaction_log WHERE transcript_id = ?1",
            &tid,
        )? {
            let eid = entry["id"].as_str().unwrap_or_default().to_string();
            audit::record(
                tx,
                user,
                "redaction_log",
                &eid,
                "delete",
                Some(&entry),
                None,
            )?;
        }
        store::delete_where(
            tx,
            "DELETE FROM redaction_log WHERE transcript_id = ?1",
            &tid,
        )?;
        let mut before = t.clone();
        before["import"] = store::rows_json(
            tx,
            "SELECT * FROM transcript_import WHERE transcript_id = ?1",
            &tid,
        )?
        .into_iter()
        .next()
        .unwrap_or(serde_json::Value::Null);
        before["turns"] = coding::delete_turns(tx, &tid)?.into();
        store::delete_where(
            tx,
            "DELETE FROM transcript_import WHERE transcript_id = ?1",
            &tid,
        )?;
        store::delete_where(tx, "DELETE FROM transcript WHERE id = ?1", &tid)?;
        audit::record(tx, user, "transcript", &tid, "delete", Some(&before), None)?;
    }
    let mut before = store::rows_json(tx, "SELECT * FROM session WHERE id = ?1", id)?
        .into_iter()
        .next()
        .unwrap_or(serde_json::Value::Null);
    before["participants"] = serde_json::Value::Array(
        store::ids(
            tx,
            "SELECT participant_id FROM session_participant WHERE session_id = ?1",
            id,
        )?
        .into_iter()
        .map(serde_json::Value::from)
        .collect(),
    );
    store::delete_where(
        tx,
        "DELETE FROM session_participant WHERE session_id = ?1",
        id,
    )?;
    store::delete_where(tx, "DELETE FROM session WHERE id = ?1", id)?;
    audit::record(tx, user, "session", id, "delete", Some(&before), None)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_english() {
        let d = |kind: &str, count| DependentCount {
            kind: kind.into(),
            count,
        };
        assert_eq!(
            describe(&[
                d("transcript", 1),
                d("tag or passage", 4),
                d("summary", 2),
                d("status change", 3)
            ]),
            "1 transcript, 4 tags or passages, 2 summaries, 3 status changes"
        );
    }
}
