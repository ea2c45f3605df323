//! Adding and editing participants.

use time::Date;

use crate::domain::{
    new_export_code, new_id, new_log_id, now_utc, today, Participant, ParticipantInput, Status,
    StatusEvent,
};
use crate::service::{clean, invalid, json, Fieldwork, Result, ServiceError, Version};
use crate::store::{audit, participants as store, participants::ParticipantRow};

use super::checks::*;
use super::unique_role::*;
use super::versions::*;

impl Fieldwork {
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
        let phone = clean(input.phone.as_deref());
        check_phone(&phone)?;
        let row = ParticipantRow {
            id: new_id(),
            code: String::new(),
            name,
            email,
            phone,
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
        Self::insert_participant_row_tx(tx, row, date, user)
    }

    /// [`Fieldwork::insert_participant_coded_tx`] for a row whose export code is chosen
    /// already (new, checked against the database by the caller).
    pub(crate) fn insert_participant_row_tx(
        tx: &rusqlite::Connection,
        row: ParticipantRow,
        date: Date,
        user: &str,
    ) -> Result<(String, String)> {
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
        let override_of = check_unique_role(
            &tx,
            &self.reference,
            &row.role_id,
            &row.site_id,
            None,
            &row.status,
            input.allow_duplicate_unique_role,
        )?;
        let id = Self::insert_participant_tx(&tx, row, today(), &user)?;
        if let Some(audit) = override_of {
            audit.record(&tx, &user, &id)?;
        }
        tx.commit()?;
        self.participant(&id)
    }

    /// Change the fields given in `input`; the export code never changes. Only the fields
    /// whose value differs are written, inside one transaction that reads the row first, so
    /// a concurrent change to another field (or the status) is never written back over.
    pub fn edit_participant(&mut self, key: &str, input: &ParticipantInput) -> Result<Participant> {
        self.edit_participant_from(key, input, None)
    }

    /// [`Fieldwork::edit_participant`] from a form opened on `opened` (see
    /// [`participant_version`]): refused with [`ServiceError::Conflict`] when any field the
    /// form showed changed since.
    pub fn edit_participant_from(
        &mut self,
        key: &str,
        input: &ParticipantInput,
        opened: Option<&Version>,
    ) -> Result<Participant> {
        let id = self.resolve_participant(key)?;
        if input.status.is_some() {
            return Err(invalid(
                "status",
                "change the status with `participant status` so that it is kept as a dated event",
            ));
        }
        // Checks of the input alone. For optional fields, an empty string clears the value.
        let name = match &input.name {
            Some(n) => Some(clean(Some(n)).ok_or_else(|| invalid("name", "must not be empty"))?),
            None => None,
        };
        let opt = |v: &Option<String>| v.as_ref().map(|x| clean(Some(x)));
        let email = opt(&input.email);
        if let Some(e) = &email {
            check_email(e)?;
        }
        if let Some(p) = &opt(&input.phone) {
            check_phone(p)?;
        }
        let organisation = opt(&input.organisation);
        let job_title = opt(&input.job_title);
        let notes = opt(&input.notes);
        check_text("name", &name, 200)?;
        check_text("organisation", &organisation.clone().flatten(), 200)?;
        check_text("job title", &job_title.clone().flatten(), 200)?;
        check_text("notes", &notes.clone().flatten(), 20_000)?;
        let role_id = match &input.role {
            Some(r) => Some(self.reference.role(r)?.id.clone()),
            None => None,
        };
        let site_id = match &input.site {
            Some(x) => Some(self.reference.site(x)?.id.clone()),
            None => None,
        };
        let user = self.settings.user.clone();
        let now = now_utc();
        let reference = &self.reference;
        let tx = self.store.write()?;
        let before = store::row(&tx, &id)?.ok_or(ServiceError::NotFound {
            what: "participant",
            key: key.to_string(),
        })?;
        if let Some(v) = opened {
            v.check("participant", &before.code, |f| {
                form_value(reference, &before, f)
            })?;
        }
        // (column, value before, value after) of every field that changes.
        let mut changed: Vec<(&'static str, Option<String>, Option<String>)> = Vec::new();
        let mut set = |col: &'static str, old: &Option<String>, new: Option<Option<String>>| {
            if let Some(new) = new {
                if *old != new {
                    changed.push((col, old.clone(), new));
                }
            }
        };
        set("name", &Some(before.name.clone()), name.map(Some));
        set("email", &before.email, email);
        set("phone", &before.phone, opt(&input.phone));
        set("organisation", &before.organisation, organisation);
        set("job_title", &before.job_title, job_title);
        set("role_id", &Some(before.role_id.clone()), role_id.map(Some));
        set("site_id", &Some(before.site_id.clone()), site_id.map(Some));
        set("notes", &before.notes, notes);
        if changed.is_empty() {
            drop(tx);
            return self.participant(&id);
        }
        let after = |col: &str, old: &str| {
            changed
                .iter()
                .find(|(c, _, _)| *c == col)
                .and_then(|(_, _, v)| v.clone())
                .unwrap_or_else(|| old.to_string())
        };
        let (new_role, new_site) = (
            after("role_id", &before.role_id),
            after("site_id", &before.site_id),
        );
        let override_of = if new_role != before.role_id || new_site != before.site_id {
            check_unique_role(
                &tx,
                reference,
                &new_role,
                &new_site,
                Some(&id),
                &before.status,
                input.allow_duplicate_unique_role,
            )?
        } else {
            None
        };
        let mut columns: Vec<(&'static str, rusqlite::types::Value)> = changed
            .iter()
            .map(|(c, _, v)| (*c, v.clone().into()))
            .collect();
        columns.push(("updated_at", now.into()));
        crate::store::update_columns(&tx, "participant", &id, &columns)?;
        let mut old = serde_json::Map::new();
        let mut new = serde_json::Map::new();
        for (c, b, a) in &changed {
            old.insert((*c).to_string(), json(b));
            new.insert((*c).to_string(), json(a));
        }
        audit::record(
            &tx,
            &user,
            "participant",
            &id,
            "edit",
            Some(&serde_json::Value::Object(old)),
            Some(&serde_json::Value::Object(new)),
        )?;
        if let Some(audit) = override_of {
            audit.record(&tx, &user, &id)?;
        }
        tx.commit()?;
        self.participant(&id)
    }
}
