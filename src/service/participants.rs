//! Participants: add, edit, status changes, listing.

use time::Date;

use super::{clean, invalid, json, one, Fieldwork, Result, ServiceError};
use crate::domain::{
    new_export_code, new_id, new_log_id, now_utc, today, Participant, ParticipantFilter,
    ParticipantInput, Status, StatusEvent,
};
use crate::store::{audit, participants as store, participants::ParticipantRow};

/// A participant with the history a detail view shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ParticipantDetail {
    #[serde(flatten)]
    pub participant: Participant,
    pub history: Vec<StatusEvent>,
    pub consent: crate::domain::ConsentInForce,
    pub consent_records: Vec<crate::domain::ConsentRecord>,
    pub withdrawals: Vec<crate::domain::Withdrawal>,
    pub sessions: Vec<crate::domain::Session>,
}

fn check_email(email: &Option<String>) -> Result<()> {
    if let Some(e) = email {
        let ok = e.contains('@')
            && !e.starts_with('@')
            && !e.ends_with('@')
            && !e.chars().any(char::is_whitespace);
        if !ok {
            return Err(invalid("email", format!("`{e}` is not an email address")));
        }
    }
    Ok(())
}

/// Check a name for characters that have no place in it.
fn check_text(field: &str, v: &Option<String>, max: usize) -> Result<()> {
    if let Some(s) = v {
        if s.chars().count() > max {
            return Err(invalid(field, format!("longer than {max} characters")));
        }
        if field != "notes" && s.chars().any(|c| c.is_control()) {
            return Err(invalid(field, "contains control characters"));
        }
    }
    Ok(())
}

impl Fieldwork {
    /// Resolve a participant reference: id, export code or unique id prefix.
    pub fn resolve_participant(&self, key: &str) -> Result<String> {
        one("participant", key, store::resolve(self.store.conn(), key)?)
    }

    pub fn participant(&self, key: &str) -> Result<Participant> {
        let id = self.resolve_participant(key)?;
        store::get(self.store.conn(), &id)?.ok_or(ServiceError::NotFound {
            what: "participant",
            key: key.to_string(),
        })
    }

    pub fn participant_detail(&self, key: &str) -> Result<ParticipantDetail> {
        let participant = self.participant(key)?;
        let c = self.store.conn();
        let history = store::events(c, &participant.id)?;
        let consent_records = crate::store::consent::records(c, &participant.id)?;
        let withdrawals = crate::store::consent::withdrawals(c, &participant.id)?;
        let consent = crate::domain::consent_in_force(&consent_records, &withdrawals, today());
        let sessions = self.sessions(
            &crate::domain::SessionFilter {
                participant: Some(participant.id.clone()),
                ..Default::default()
            },
            false,
            0,
            1000,
        )?;
        Ok(ParticipantDetail {
            participant,
            history,
            consent,
            consent_records,
            withdrawals,
            sessions,
        })
    }

    pub fn participants(
        &self,
        filter: &ParticipantFilter,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Participant>> {
        Ok(store::list(self.store.conn(), filter, offset, limit)?)
    }

    pub fn participant_count(&self, filter: &ParticipantFilter) -> Result<usize> {
        Ok(store::count(self.store.conn(), filter)?)
    }

    /// Validate input for a new participant and build its row (no writes).
    pub(crate) fn new_participant_row(
        &self,
        input: &ParticipantInput,
        now: &str,
    ) -> Result<ParticipantRow> {
        let name = clean(input.name.as_deref()).ok_or_else(|| invalid("name", "is required"))?;
        let role = self.reference.role(
            input
                .role
                .as_deref()
                .ok_or_else(|| invalid("role", "is required"))?,
        )?;
        let site = self.reference.site(
            input
                .site
                .as_deref()
                .ok_or_else(|| invalid("site", "is required"))?,
        )?;
        let email = clean(input.email.as_deref());
        check_email(&email)?;
        let row = ParticipantRow {
            id: new_id(),
            code: String::new(),
            name,
            email,
            phone: clean(input.phone.as_deref()),
            organisation: clean(input.organisation.as_deref()),
            job_title: clean(input.job_title.as_deref()),
            role_id: role.id.clone(),
            site_id: site.id.clone(),
            notes: clean(input.notes.as_deref()),
            status: input
                .status
                .unwrap_or(Status::Identified)
                .as_str()
                .to_string(),
            created_at: now.to_string(),
            updated_at: now.to_string(),
        };
        check_text("name", &Some(row.name.clone()), 200)?;
        check_text("organisation", &row.organisation, 200)?;
        check_text("job title", &row.job_title, 200)?;
        check_text("notes", &row.notes, 20_000)?;
        if input.status == Some(Status::Withdrawn) {
            return Err(invalid(
                "status",
                "a participant cannot start as withdrawn; record a withdrawal with `consent withdraw`",
            ));
        }
        Ok(row)
    }

    /// Insert a validated participant inside an open transaction (with its first status
    /// event and audit entry).
    pub(crate) fn insert_participant_tx(
        tx: &rusqlite::Connection,
        row: ParticipantRow,
        date: Date,
        user: &str,
    ) -> Result<String> {
        Ok(Self::insert_participant_coded_tx(tx, row, date, user)?.0)
    }

    /// [`Fieldwork::insert_participant_tx`], returning the id and the new export code
    /// (bulk writers need the code without reading the row back).
    pub(crate) fn insert_participant_coded_tx(
        tx: &rusqlite::Connection,
        mut row: ParticipantRow,
        date: Date,
        user: &str,
    ) -> Result<(String, String)> {
        // A fresh random code; collisions are rare but possible with four characters.
        loop {
            let code = new_export_code();
            if !store::code_exists(tx, &code)? {
                row.code = code;
                break;
            }
        }
        store::insert(tx, &row)?;
        let status: Status = row
            .status
            .parse()
            .map_err(|e: String| invalid("status", e))?;
        store::insert_event(
            tx,
            &row.id,
            &StatusEvent {
                id: new_log_id(),
                from_status: None,
                to_status: status,
                date,
                note: Some("added".into()),
                recorded_at: row.created_at.clone(),
                recorded_by: user.to_string(),
            },
        )?;
        audit::record(
            tx,
            user,
            "participant",
            &row.id,
            "create",
            None,
            Some(&json(&row)),
        )?;
        Ok((row.id, row.code))
    }

    /// Add a participant; returns it with its new export code.
    pub fn add_participant(&mut self, input: &ParticipantInput) -> Result<Participant> {
        let now = now_utc();
        let row = self.new_participant_row(input, &now)?;
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        let id = Self::insert_participant_tx(&tx, row, today(), &user)?;
        tx.commit()?;
        self.participant(&id)
    }

    /// Change the fields given in `input`; the export code never changes.
    pub fn edit_participant(&mut self, key: &str, input: &ParticipantInput) -> Result<Participant> {
        let id = self.resolve_participant(key)?;
        let before = store::row(self.store.conn(), &id)?.ok_or(ServiceError::NotFound {
            what: "participant",
            key: key.to_string(),
        })?;
        if input.status.is_some() {
            return Err(invalid(
                "status",
                "change the status with `participant status` so that it is kept as a dated event",
            ));
        }
        let mut row = before.clone();
        if let Some(n) = &input.name {
            row.name = clean(Some(n)).ok_or_else(|| invalid("name", "must not be empty"))?;
        }
        // For optional fields, an empty string clears the value.
        if input.email.is_some() {
            row.email = clean(input.email.as_deref());
        }
        if input.phone.is_some() {
            row.phone = clean(input.phone.as_deref());
        }
        if input.organisation.is_some() {
            row.organisation = clean(input.organisation.as_deref());
        }
        if input.job_title.is_some() {
            row.job_title = clean(input.job_title.as_deref());
        }
        if input.notes.is_some() {
            row.notes = clean(input.notes.as_deref());
        }
        if let Some(r) = &input.role {
            row.role_id = self.reference.role(r)?.id.clone();
        }
        if let Some(s) = &input.site {
            row.site_id = self.reference.site(s)?.id.clone();
        }
        check_email(&row.email)?;
        check_text("name", &Some(row.name.clone()), 200)?;
        check_text("organisation", &row.organisation, 200)?;
        check_text("job title", &row.job_title, 200)?;
        check_text("notes", &row.notes, 20_000)?;
        let mut compare = row.clone();
        compare.updated_at = before.updated_at.clone();
        if format!("{compare:?}") == format!("{before:?}") {
            return self.participant(&id);
        }
        row.updated_at = now_utc();
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        store::update(&tx, &row)?;
        audit::record(
            &tx,
            &user,
            "participant",
            &id,
            "edit",
            Some(&json(&before)),
            Some(&json(&row)),
        )?;
        tx.commit()?;
        self.participant(&id)
    }

    /// Move a participant along the recruitment pipeline, keeping a dated event.
    pub fn set_status(
        &mut self,
        key: &str,
        status: Status,
        date: Option<Date>,
        note: Option<&str>,
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
        if status == Status::Consented {
            let f = self.consent_in_force(&id, date)?;
            if !f.allows(crate::domain::ConsentItem::TakePart) {
                return Err(ServiceError::Refused(
                    "no consent to take part is in force on that date; record it with `consent record`"
                        .into(),
                ));
            }
        }
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        Self::change_status_tx(&tx, &id, status, date, clean(note), &user, true)?;
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
            return Ok(false);
        }
        if !explicit {
            let forward = match (from.pipeline_rank(), to.pipeline_rank()) {
                (Some(a), Some(b)) => b > a,
                (Some(_), None) => to == Status::Withdrawn,
                (None, _) => from != Status::Withdrawn && to == Status::Withdrawn,
            };
            if !forward {
                return Ok(false);
            }
        }
        let before = row.clone();
        row.status = to.as_str().to_string();
        row.updated_at = now_utc();
        store::update(tx, &row)?;
        store::insert_event(
            tx,
            id,
            &StatusEvent {
                id: new_log_id(),
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
        Ok(true)
    }
}
