//! Completing a scheduled interview, and undoing a session status change.

use time::Date;

use crate::config::ConsentPolicy;
use crate::domain::{
    format_date, today, ConsentItem, RecordingStatus, Session, SessionStatus, Status,
};
use crate::service::{invalid, json, Fieldwork, Result, ServiceError};
use crate::store::{audit, sessions as store, sessions::SessionRow};

use super::inputs::*;

impl Fieldwork {
    /// Mark a scheduled interview done (or cancelled), applying the consent rule on its date.
    pub fn complete_interview(
        &mut self,
        key: &str,
        status: SessionStatus,
        date: Option<Date>,
        duration_min: Option<i64>,
        recording: Option<RecordingStatus>,
        allow_gap: bool,
    ) -> Result<Logged> {
        self.complete_interview_from(key, status, date, duration_min, recording, allow_gap, None)
    }

    /// [`Fieldwork::complete_interview`] from a form opened on `opened` (the interview's
    /// `status` and `date`, and any of `duration`, `recording`): refused with
    /// [`ServiceError::Conflict`] if they changed since.
    #[allow(clippy::too_many_arguments)]
    pub fn complete_interview_from(
        &mut self,
        key: &str,
        status: SessionStatus,
        date: Option<Date>,
        duration_min: Option<i64>,
        recording: Option<RecordingStatus>,
        allow_gap: bool,
        opened: Option<&crate::service::Version>,
    ) -> Result<Logged> {
        let id = self.resolve_session(key)?;
        let user = self.settings.user.clone();
        // The row, the participants' statuses and their consent are read, and the rules
        // checked, inside the write transaction.
        let tx = self.store.write()?;
        let before = store::row(&tx, &id)?.ok_or(ServiceError::NotFound {
            what: "session",
            key: key.to_string(),
        })?;
        if before.kind != "interview" {
            return Err(invalid("session", "not an interview"));
        }
        if let Some(v) = opened {
            v.check(
                "interview",
                &id.chars().take(8).collect::<String>(),
                |f| match f {
                    "status" => before.status.clone(),
                    "date" => before.date.clone(),
                    "duration" => before
                        .duration_min
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                    "recording" => before.recording_status.clone().unwrap_or_default(),
                    _ => String::new(),
                },
            )?;
        }
        let current = self.session(&id)?;
        let date = date.unwrap_or(current.date);
        if status == SessionStatus::Done && date > today() {
            return Err(invalid(
                "date",
                "a completed interview cannot be in the future",
            ));
        }
        let explicit_phase =
            if crate::domain::phase_for_date(&self.reference.phases, date).is_none() {
                Some(current.phase)
            } else {
                None
            };
        let phase = self.reference.phase_for(date, explicit_phase)?.clone();
        let mut warnings = Vec::new();
        let mut gap = false;
        if status == SessionStatus::Done {
            for p in &current.participants {
                // The same rule as `log_interview`: no interview for a closed participant.
                let status = self.participant(&p.id)?.status;
                if let Some(why) = self.closed_on(&p.id, status, date)? {
                    return Err(ServiceError::Refused(format!(
                        "participant {} {why}; the interview cannot be marked done",
                        p.code
                    )));
                }
                let f = self.consent_in_force(&p.id, date)?;
                let mut missing = Vec::new();
                if !f.allows(ConsentItem::TakePart) {
                    missing.push(format!(
                        "consent to take part is not in force for {}",
                        p.code
                    ));
                }
                if recording == Some(RecordingStatus::Recorded) && !f.allows(ConsentItem::Audio) {
                    missing.push(format!(
                        "consent to audio recording is not in force for {}",
                        p.code
                    ));
                }
                if !missing.is_empty() {
                    if !(allow_gap || self.settings.consent_policy == ConsentPolicy::RecordGap) {
                        return Err(ServiceError::Refused(format!(
                            "{}; record consent first, or use --allow-gap",
                            missing.join("; ")
                        )));
                    }
                    gap = true;
                    warnings.extend(missing);
                }
            }
        }
        let mut row = before.clone();
        row.status = status.as_str().into();
        row.date = format_date(date);
        row.phase_id = phase.id.clone();
        if duration_min.is_some() {
            row.duration_min = duration_min;
        }
        if let Some(r) = recording {
            row.recording_status = Some(r.as_str().into());
        }
        row.consent_gap = gap;
        let changed = crate::service::write_changes(
            &tx,
            "session",
            &id,
            &before,
            &row,
            &["kind", "created_at"],
        )?;
        let mut status_moves = Vec::new();
        if status == SessionStatus::Done {
            for p in &current.participants {
                status_moves.extend(Self::change_status_moved_tx(
                    &tx,
                    &p.id,
                    Status::Interviewed,
                    date,
                    Some("interview logged".into()),
                    &user,
                    false,
                )?);
            }
        }
        if let Some((was, now)) = changed {
            audit::record(&tx, &user, "session", &id, "edit", Some(&was), Some(&now))?;
        }
        tx.commit()?;
        Ok(Logged {
            session: self.session(&id)?,
            warnings,
            status_moves: status_moves.clone(),
            change: Some(SessionChange {
                before,
                after: row,
                status_moves,
            }),
        })
    }

    /// Undo a session status change (an interview marked done or cancelled, a schedule
    /// moved): the session gets back the values it had before `change` (status, date,
    /// phase, duration, recording, consent gap) and the participants' status changes the
    /// change made are taken back, their events removed (no wrong event is left in the
    /// history; the audit log keeps the change and its undoing). Refused, with nothing
    /// written, when the session or one of those participants changed since.
    pub fn revert_session_status(&mut self, change: &SessionChange) -> Result<Session> {
        let id = change.after.id.clone();
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        let now = store::row(&tx, &id)?.ok_or(ServiceError::NotFound {
            what: "session",
            key: id.clone(),
        })?;
        let strip = |r: &SessionRow| {
            let mut v = json(r);
            if let Some(o) = v.as_object_mut() {
                o.remove("updated_at");
            }
            v
        };
        if strip(&now) != strip(&change.after) {
            return Err(ServiceError::Refused(format!(
                "{} {} changed since (now {}, {}): the change is not undone",
                now.kind,
                short(&id),
                now.status,
                now.date
            )));
        }
        Self::revert_moves_tx(&tx, &change.status_moves, &user, "session status undone")?;
        let mut back = change.before.clone();
        back.updated_at = now.updated_at.clone();
        if let Some((was, then)) = crate::service::write_changes(
            &tx,
            "session",
            &id,
            &now,
            &back,
            &["kind", "created_at"],
        )? {
            audit::record(
                &tx,
                &user,
                "session",
                &id,
                "status undone",
                Some(&was),
                Some(&then),
            )?;
        }
        tx.commit()?;
        self.session(&id)
    }
}

fn short(id: &str) -> String {
    id.chars().take(8).collect()
}
