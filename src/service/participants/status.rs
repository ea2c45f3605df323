//! Status changes along the recruitment pipeline, and their undo.

use time::Date;

use crate::domain::{new_log_id, now_utc, today, Participant, Status, StatusEvent};
use crate::service::{clean, invalid, Fieldwork, Result, ServiceError, Version};
use crate::store::{audit, participants as store};

use super::versions::*;

impl Fieldwork {
    /// Move a participant along the recruitment pipeline, keeping a dated event.
    pub fn set_status(
        &mut self,
        key: &str,
        status: Status,
        date: Option<Date>,
        note: Option<&str>,
    ) -> Result<Participant> {
        self.set_status_from(key, status, date, note, None)
    }

    /// [`Fieldwork::set_status`] from a form opened on `opened` (the `status` it showed):
    /// refused with [`ServiceError::Conflict`] if the status changed since.
    pub fn set_status_from(
        &mut self,
        key: &str,
        status: Status,
        date: Option<Date>,
        note: Option<&str>,
        opened: Option<&Version>,
    ) -> Result<Participant> {
        let id = self.resolve_participant(key)?;
        let date = date.unwrap_or_else(today);
        if date > today() {
            return Err(invalid(
                "date",
                "a status change cannot be dated in the future",
            ));
        }
        if status == Status::Withdrawn {
            return Err(invalid(
                "status",
                "record a withdrawal with `consent withdraw`, which keeps its scope",
            ));
        }
        // The status and the consent are read inside the transaction that changes them.
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        if let Some(v) = opened {
            let row = store::row(&tx, &id)?.ok_or(ServiceError::NotFound {
                what: "participant",
                key: key.to_string(),
            })?;
            v.check("participant", &row.code, |f| {
                form_value(&self.reference, &row, f)
            })?;
        }
        if status == Status::Consented {
            let f = self.consent_in_force(&id, date)?;
            if !f.allows(crate::domain::ConsentItem::TakePart) {
                return Err(ServiceError::Refused(
                    "no consent to take part is in force on that date; record it with `consent record`"
                        .into(),
                ));
            }
        }
        Self::change_status_tx(&tx, &id, status, date, clean(note), &user, true)?;
        tx.commit()?;
        self.participant(&id)
    }

    /// Undo the participant's last status change (the interface's undo): the status goes
    /// back to what it was and the event that recorded the change is removed, so the
    /// history shows no change that was taken back; the audit log keeps both the change
    /// and its undoing. Refused unless the participant is still `expected` and the last
    /// event is the change to it (someone may have changed the status since), and for a
    /// withdrawal (permanent) or the first status.
    pub fn revert_status(&mut self, key: &str, expected: Status) -> Result<Participant> {
        let id = self.resolve_participant(key)?;
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        let row = store::row(&tx, &id)?.ok_or(ServiceError::NotFound {
            what: "participant",
            key: key.to_string(),
        })?;
        let events = store::events(&tx, &id)?;
        let last = events
            .last()
            .filter(|e| e.to_status == expected && row.status == expected.as_str());
        let Some(last) = last else {
            return Err(ServiceError::Refused(format!(
                "the status of {} changed since (now {}): the change is not undone",
                row.code, row.status
            )));
        };
        let Some(from) = last.from_status.filter(|_| expected != Status::Withdrawn) else {
            return Err(ServiceError::Refused(format!(
                "that status change of {} cannot be undone",
                row.code
            )));
        };
        let now = now_utc();
        crate::store::update_columns(
            &tx,
            "participant",
            &id,
            &[
                ("status", from.as_str().to_string().into()),
                ("updated_at", now.into()),
            ],
        )?;
        store::delete_event(&tx, &last.id)?;
        audit::record(
            &tx,
            &user,
            "participant",
            &id,
            "status undone",
            Some(&serde_json::json!({
                "status": row.status,
                "event": {
                    "from": from.as_str(),
                    "to": last.to_status.as_str(),
                    "date": crate::domain::format_date(last.date),
                    "note": last.note,
                    "recorded_at": last.recorded_at,
                    "recorded_by": last.recorded_by,
                }
            })),
            Some(&serde_json::json!({ "status": from.as_str() })),
        )?;
        tx.commit()?;
        self.participant(&id)
    }

    /// Record a status change inside a transaction. With `explicit` false (automatic
    /// changes from consent and sessions) the status only moves forward along the
    /// pipeline and never reopens a closed one.
    pub(crate) fn change_status_tx(
        tx: &rusqlite::Connection,
        id: &str,
        to: Status,
        date: Date,
        note: Option<String>,
        user: &str,
        explicit: bool,
    ) -> Result<bool> {
        Ok(Self::change_status_moved_tx(tx, id, to, date, note, user, explicit)?.is_some())
    }

    /// [`Fieldwork::change_status_tx`] that says what it changed (for an undo to take back
    /// exactly that), `None` when the status stayed.
    pub(crate) fn change_status_moved_tx(
        tx: &rusqlite::Connection,
        id: &str,
        to: Status,
        date: Date,
        note: Option<String>,
        user: &str,
        explicit: bool,
    ) -> Result<Option<StatusMove>> {
        let mut row = store::row(tx, id)?.ok_or(ServiceError::NotFound {
            what: "participant",
            key: id.to_string(),
        })?;
        let from: Status = row
            .status
            .parse()
            .map_err(|e: String| invalid("status", e))?;
        if from == to {
            if explicit {
                return Err(invalid(
                    "status",
                    format!("the participant is already {to}"),
                ));
            }
            return Ok(None);
        }
        if !explicit {
            let forward = match (from.pipeline_rank(), to.pipeline_rank()) {
                (Some(a), Some(b)) => b > a,
                (Some(_), None) => to == Status::Withdrawn,
                (None, _) => from != Status::Withdrawn && to == Status::Withdrawn,
            };
            if !forward {
                return Ok(None);
            }
        }
        let before = row.clone();
        row.status = to.as_str().to_string();
        row.updated_at = now_utc();
        crate::store::update_columns(
            tx,
            "participant",
            id,
            &[
                ("status", row.status.clone().into()),
                ("updated_at", row.updated_at.clone().into()),
            ],
        )?;
        let event_id = new_log_id();
        store::insert_event(
            tx,
            id,
            &StatusEvent {
                id: event_id.clone(),
                from_status: Some(from),
                to_status: to,
                date,
                note,
                recorded_at: row.updated_at.clone(),
                recorded_by: user.to_string(),
            },
        )?;
        audit::record(
            tx,
            user,
            "participant",
            id,
            "status",
            Some(&serde_json::json!({ "status": before.status })),
            Some(
                &serde_json::json!({ "status": row.status, "date": crate::domain::format_date(date) }),
            ),
        )?;
        Ok(Some(StatusMove {
            participant_id: id.to_string(),
            event_id,
            from,
            to,
        }))
    }

    /// Take back status changes a write made (its undo), newest first, inside `tx`: each
    /// participant goes back to the status before the change and the event that recorded it
    /// is removed, so the history shows no change that was taken back (the audit log keeps
    /// both). Refused, naming the participant, when one of them is no longer in the status
    /// the change left or a later change was recorded since.
    pub(crate) fn revert_moves_tx(
        tx: &rusqlite::Connection,
        moves: &[StatusMove],
        user: &str,
        why: &str,
    ) -> Result<()> {
        for m in moves.iter().rev() {
            let row = store::row(tx, &m.participant_id)?.ok_or(ServiceError::NotFound {
                what: "participant",
                key: m.participant_id.clone(),
            })?;
            let events = store::events(tx, &m.participant_id)?;
            // The change's event, and no status change recorded after it.
            let at = events
                .iter()
                .find(|e| e.id == m.event_id)
                .map(|e| e.recorded_at.clone());
            let still = row.status == m.to.as_str()
                && at.as_ref().is_some_and(|at| {
                    !events
                        .iter()
                        .any(|e| e.id != m.event_id && e.recorded_at > *at)
                });
            if !still {
                return Err(ServiceError::Refused(format!(
                    "the status of participant {} changed since (now {}); nothing was undone",
                    row.code, row.status
                )));
            }
            crate::store::update_columns(
                tx,
                "participant",
                &m.participant_id,
                &[
                    ("status", m.from.as_str().to_string().into()),
                    ("updated_at", now_utc().into()),
                ],
            )?;
            store::delete_event(tx, &m.event_id)?;
            audit::record(
                tx,
                user,
                "participant",
                &m.participant_id,
                "status undone",
                Some(&serde_json::json!({ "status": m.to.as_str(), "event": m.event_id })),
                Some(&serde_json::json!({ "status": m.from.as_str(), "why": why })),
            )?;
        }
        Ok(())
    }
}

/// A status change a write made to a participant: enough for its undo to take back exactly
/// that change (see [`Fieldwork::revert_moves_tx`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusMove {
    pub participant_id: String,
    /// The `status_event` the change added.
    pub event_id: String,
    pub from: Status,
    pub to: Status,
}
