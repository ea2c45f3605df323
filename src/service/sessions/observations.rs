//! Logging observed meetings and reviewed documents.

use crate::domain::{format_date, new_id, now_utc, today, Session, SessionKind, SessionStatus};
use crate::service::{clean, invalid, json, Fieldwork, Result};
use crate::store::{audit, sessions as store, sessions::SessionRow};

use super::inputs::*;

impl Fieldwork {
    /// Log an observed meeting.
    pub fn log_observation(&mut self, input: &ObservationInput) -> Result<Session> {
        let mt = self.reference.meeting_type(&input.meeting_type)?.clone();
        let site = self.reference.site(&input.site)?.clone();
        let date = input.date.unwrap_or_else(today);
        let status = input.status.unwrap_or(SessionStatus::Done);
        if status == SessionStatus::Done && date > today() {
            return Err(invalid(
                "date",
                "an observed meeting cannot be logged as done in the future",
            ));
        }
        let phase = self.reference.phase_for(date, input.phase)?.clone();
        if let Some(d) = input.duration_min {
            if !(0..=1440).contains(&d) {
                return Err(invalid(
                    "duration",
                    format!("{d} minutes is not a plausible duration"),
                ));
            }
        }
        if let Some(a) = input.attendees {
            if !(0..=10_000).contains(&a) {
                return Err(invalid(
                    "attendees",
                    format!("{a} is not a plausible attendee count"),
                ));
            }
        }
        let now = now_utc();
        let row = SessionRow {
            id: new_id(),
            kind: SessionKind::Observation.as_str().into(),
            status: status.as_str().into(),
            date: format_date(date),
            phase_id: phase.id,
            site_id: site.id,
            title: clean(input.title.as_deref()),
            mode: None,
            duration_min: input.duration_min,
            interviewer: Some(
                clean(input.observer.as_deref()).unwrap_or_else(|| self.settings.user.clone()),
            ),
            recording_status: None,
            transcription_status: None,
            meeting_type_id: Some(mt.id),
            attendees: input.attendees,
            doc_type: None,
            consent_gap: false,
            notes: clean(input.notes.as_deref()),
            created_at: now.clone(),
            updated_at: now,
        };
        self.insert_session(row)
    }

    /// Add a reviewed document.
    pub fn add_document(&mut self, input: &DocumentInput) -> Result<Session> {
        let title = clean(Some(&input.title)).ok_or_else(|| invalid("title", "is required"))?;
        let site = self.reference.site(&input.site)?.clone();
        let date = input.date.unwrap_or_else(today);
        let phase = self.reference.phase_for(date, input.phase)?.clone();
        let now = now_utc();
        let row = SessionRow {
            id: new_id(),
            kind: SessionKind::Document.as_str().into(),
            status: SessionStatus::Done.as_str().into(),
            date: format_date(date),
            phase_id: phase.id,
            site_id: site.id,
            title: Some(title),
            mode: None,
            duration_min: None,
            interviewer: Some(self.settings.user.clone()),
            recording_status: None,
            transcription_status: None,
            meeting_type_id: None,
            attendees: None,
            doc_type: clean(input.doc_type.as_deref()),
            consent_gap: false,
            notes: clean(input.notes.as_deref()),
            created_at: now.clone(),
            updated_at: now,
        };
        self.insert_session(row)
    }

    fn insert_session(&mut self, row: SessionRow) -> Result<Session> {
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        store::insert(&tx, &row)?;
        audit::record(
            &tx,
            &user,
            "session",
            &row.id,
            "create",
            None,
            Some(&json(&row)),
        )?;
        tx.commit()?;
        self.session(&row.id)
    }
}
