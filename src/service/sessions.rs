//! Interviews, observed meetings and reviewed documents.

use time::Date;

use super::{clean, invalid, json, one, Fieldwork, Result, ServiceError};
use crate::config::ConsentPolicy;
use crate::domain::{
    format_date, new_id, now_utc, today, ConsentItem, InterviewMode, RecordingStatus, Session,
    SessionFilter, SessionKind, SessionStatus, Status, TranscriptionStatus,
};
use crate::store::{audit, sessions as store, sessions::SessionRow, transcripts};

/// An interview to log or schedule.
#[derive(Debug, Clone, Default)]
pub struct InterviewInput {
    /// Participant references (id, export code or id prefix); one or more.
    pub participants: Vec<String>,
    pub date: Option<Date>,
    pub phase: Option<u32>,
    /// Defaults to the participants' site; needed when they are at different sites.
    pub site: Option<String>,
    pub status: Option<SessionStatus>,
    pub mode: Option<InterviewMode>,
    pub duration_min: Option<i64>,
    pub interviewer: Option<String>,
    pub recording: Option<RecordingStatus>,
    pub transcription: Option<TranscriptionStatus>,
    pub notes: Option<String>,
    /// Log it even without consent in force, as a gap that `check` and `coverage` show.
    pub allow_gap: bool,
}

/// An observed meeting.
#[derive(Debug, Clone, Default)]
pub struct ObservationInput {
    pub meeting_type: String,
    pub site: String,
    pub date: Option<Date>,
    pub phase: Option<u32>,
    pub title: Option<String>,
    pub observer: Option<String>,
    pub attendees: Option<i64>,
    pub duration_min: Option<i64>,
    pub notes: Option<String>,
    pub status: Option<SessionStatus>,
}

/// A reviewed document.
#[derive(Debug, Clone, Default)]
pub struct DocumentInput {
    pub title: String,
    pub site: String,
    pub date: Option<Date>,
    pub phase: Option<u32>,
    pub doc_type: Option<String>,
    pub notes: Option<String>,
}

/// The result of logging: the session and any warnings to show.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Logged {
    pub session: Session,
    pub warnings: Vec<String>,
    /// The participants' status changes this write made (for its undo).
    #[serde(skip)]
    pub status_moves: Vec<super::participants::StatusMove>,
    /// A status change of an existing session: the row before and after it (for its
    /// undo, [`Fieldwork::revert_session_status`]). `None` for a new session.
    #[serde(skip)]
    pub change: Option<SessionChange>,
}

/// A session's row before and after a status change, and the participants' status
/// changes it made: what [`Fieldwork::revert_session_status`] takes back.
#[derive(Debug, Clone)]
pub struct SessionChange {
    pub before: SessionRow,
    pub after: SessionRow,
    pub status_moves: Vec<super::participants::StatusMove>,
}

impl Fieldwork {
    /// Why no interview on `date` can be logged for a participant, if so: declined or
    /// ineligible, or a withdrawal in force on that date. (An interview that took place
    /// before a withdrawal can still be logged afterwards.)
    fn closed_on(&self, id: &str, status: Status, date: Date) -> Result<Option<String>> {
        Ok(match status {
            Status::Declined | Status::Ineligible => Some(format!("is {status}")),
            Status::Withdrawn if self.consent_in_force(id, date)?.withdrawal.is_some() => {
                Some("had withdrawn by that date".to_string())
            }
            _ => None,
        })
    }

    pub fn resolve_session(&self, key: &str) -> Result<String> {
        one("session", key, store::resolve(self.store.conn(), key)?)
    }

    /// A session with its transcript link.
    pub fn session(&self, key: &str) -> Result<Session> {
        let id = self.resolve_session(key)?;
        let c = self.store.conn();
        let mut s = store::get(c, &id)?.ok_or(ServiceError::NotFound {
            what: "session",
            key: key.to_string(),
        })?;
        s.transcript = transcripts::for_session(c, &id)?;
        Ok(s)
    }

    pub fn sessions(
        &self,
        filter: &SessionFilter,
        newest_first: bool,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Session>> {
        let c = self.store.conn();
        let mut list = store::list(c, filter, newest_first, offset, limit)?;
        for s in &mut list {
            if s.kind == SessionKind::Interview {
                s.transcript = transcripts::for_session(c, &s.id)?;
            }
        }
        Ok(list)
    }

    pub fn session_count(&self, filter: &SessionFilter) -> Result<usize> {
        Ok(store::count(self.store.conn(), filter)?)
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
        opened: Option<&super::Version>,
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
        let changed =
            super::write_changes(&tx, "session", &id, &before, &row, &["kind", "created_at"])?;
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
        if let Some((was, then)) =
            super::write_changes(&tx, "session", &id, &now, &back, &["kind", "created_at"])?
        {
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

fn short(id: &str) -> String {
    id.chars().take(8).collect()
}
