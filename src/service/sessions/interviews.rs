//! Logging (or scheduling) an interview.

use time::Date;

use crate::config::ConsentPolicy;
use crate::domain::{
    format_date, new_id, now_utc, today, ConsentItem, InterviewMode, RecordingStatus, SessionKind,
    SessionStatus, Status, TranscriptionStatus,
};
use crate::service::{clean, invalid, json, Fieldwork, Result, ServiceError};
use crate::store::{audit, sessions as store, sessions::SessionRow};

use super::inputs::*;

impl Fieldwork {
    /// Why no interview on `date` can be logged for a participant, if so: declined or
    /// ineligible, or a withdrawal in force on that date. (An interview that took place
    /// before a withdrawal can still be logged afterwards.)
    pub(super) fn closed_on(&self, id: &str, status: Status, date: Date) -> Result<Option<String>> {
        Ok(match status {
            Status::Declined | Status::Ineligible => Some(format!("is {status}")),
            Status::Withdrawn if self.consent_in_force(id, date)?.withdrawal.is_some() => {
                Some("had withdrawn by that date".to_string())
            }
            _ => None,
        })
    }

    /// Log (or schedule) an interview. Completed interviews need consent to take part in
    /// force on their date for every participant: without it the interview is refused, or,
    /// when allowed, recorded as a consent gap. Recording needs audio consent likewise.
    pub fn log_interview(&mut self, input: &InterviewInput) -> Result<Logged> {
        if input.participants.is_empty() {
            return Err(invalid(
                "participant",
                "an interview needs at least one participant",
            ));
        }
        let status = input.status.unwrap_or(SessionStatus::Done);
        let date = input.date.unwrap_or_else(today);
        if status == SessionStatus::Done && date > today() {
            return Err(invalid(
                "date",
                format!(
                    "{} is in the future; log it with --status scheduled, or give the date it took place",
                    format_date(date)
                ),
            ));
        }
        let phase = self.reference.phase_for(date, input.phase)?.clone();
        if let Some(d) = input.duration_min {
            if !(0..=600).contains(&d) {
                return Err(invalid(
                    "duration",
                    format!("{d} minutes is not a plausible duration"),
                ));
            }
        }
        // The participants, their statuses and consent are read inside the transaction.
        let tx = self.store.write()?;
        let mut ids = Vec::new();
        let mut sites = Vec::new();
        let mut warnings = Vec::new();
        let mut gap = false;
        for key in &input.participants {
            let p = self.participant(key)?;
            if ids.contains(&p.id) {
                return Err(invalid("participant", format!("{} is named twice", p.code)));
            }
            if let Some(why) = self.closed_on(&p.id, p.status, date)? {
                return Err(ServiceError::Refused(format!(
                    "participant {} {why}; an interview cannot be logged",
                    p.code
                )));
            }
            if status == SessionStatus::Done {
                let f = self.consent_in_force(&p.id, date)?;
                let mut missing = Vec::new();
                if !f.allows(ConsentItem::TakePart) {
                    missing.push(format!(
                        "consent to take part is not in force for {} on {} ({})",
                        p.code,
                        format_date(date),
                        f.item(ConsentItem::TakePart).as_str()
                    ));
                }
                if input.recording == Some(RecordingStatus::Recorded)
                    && !f.allows(ConsentItem::Audio)
                {
                    missing.push(format!(
                        "consent to audio recording is not in force for {} on {} ({})",
                        p.code,
                        format_date(date),
                        f.item(ConsentItem::Audio).as_str()
                    ));
                }
                if !missing.is_empty() {
                    let allowed =
                        input.allow_gap || self.settings.consent_policy == ConsentPolicy::RecordGap;
                    if !allowed {
                        return Err(ServiceError::Refused(format!(
                            "{}; record consent first, or log it with --allow-gap to keep it as a gap that `check` reports",
                            missing.join("; ")
                        )));
                    }
                    gap = true;
                    warnings.extend(
                        missing
                            .into_iter()
                            .map(|m| format!("consent gap recorded: {m}")),
                    );
                }
            }
            sites.push(p.site.clone());
            ids.push(p.id);
        }
        let site = match &input.site {
            Some(s) => self.reference.site(s)?.clone(),
            None => {
                sites.sort();
                sites.dedup();
                if sites.len() > 1 {
                    return Err(invalid(
                        "site",
                        format!(
                            "the participants are at different sites ({}); say which with --site",
                            sites.join(", ")
                        ),
                    ));
                }
                self.reference.site(&sites[0])?.clone()
            }
        };
        let now = now_utc();
        let row = SessionRow {
            id: new_id(),
            kind: SessionKind::Interview.as_str().into(),
            status: status.as_str().into(),
            date: format_date(date),
            phase_id: phase.id.clone(),
            site_id: site.id.clone(),
            title: None,
            mode: Some(input.mode.unwrap_or(InterviewMode::Online).as_str().into()),
            duration_min: input.duration_min,
            interviewer: Some(
                clean(input.interviewer.as_deref()).unwrap_or_else(|| self.settings.user.clone()),
            ),
            recording_status: input.recording.map(|r| r.as_str().into()),
            transcription_status: Some(
                input
                    .transcription
                    .unwrap_or(TranscriptionStatus::NotStarted)
                    .as_str()
                    .into(),
            ),
            meeting_type_id: None,
            attendees: None,
            doc_type: None,
            consent_gap: gap,
            notes: clean(input.notes.as_deref()),
            created_at: now.clone(),
            updated_at: now,
        };
        let user = self.settings.user.clone();
        store::insert(&tx, &row)?;
        let mut status_moves = Vec::new();
        for pid in &ids {
            store::add_participant(&tx, &row.id, pid)?;
            let (to, note) = match status {
                SessionStatus::Done => (Status::Interviewed, "interview logged"),
                SessionStatus::Scheduled => (Status::Scheduled, "interview scheduled"),
                SessionStatus::Cancelled => (Status::Identified, ""),
            };
            if status != SessionStatus::Cancelled {
                status_moves.extend(Self::change_status_moved_tx(
                    &tx,
                    pid,
                    to,
                    date.min(today()),
                    Some(note.into()),
                    &user,
                    false,
                )?);
            }
        }
        let mut after = json(&row);
        after["participants"] = serde_json::json!(ids);
        audit::record(&tx, &user, "session", &row.id, "create", None, Some(&after))?;
        tx.commit()?;
        Ok(Logged {
            session: self.session(&row.id)?,
            warnings,
            status_moves,
            change: None,
        })
    }
}
