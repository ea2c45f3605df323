//! Participants: add, edit, status changes, listing.

use time::Date;

use super::{clean, invalid, json, one, Fieldwork, Reference, Result, ServiceError, Version};
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
    /// Consent and withdrawal records marked as entered in error (not in the lists above).
    pub corrections: Vec<crate::store::consent::Correction>,
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

/// The phone rule, the same for the interface, the command line and CSV imports: only
/// digits, spaces and `+ - ( ) .`, with 7 to 20 digits.
pub fn check_phone(phone: &Option<String>) -> Result<()> {
    let Some(p) = phone else { return Ok(()) };
    if let Some(bad) = p
        .chars()
        .find(|c| !(c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.')))
    {
        return Err(invalid(
            "phone",
            format!(
                "`{p}` is not a phone number: `{bad}` is not allowed (digits, spaces, + - ( ) . only)"
            ),
        ));
    }
    let digits = p.chars().filter(char::is_ascii_digit).count();
    if !(7..=20).contains(&digits) {
        return Err(invalid(
            "phone",
            format!(
                "`{p}` is not a phone number: it has {digits} digit(s), a phone number has 7 to 20"
            ),
        ));
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

/// The fields of a participant as the edit form shows them: the version a form is opened
/// on (`name`, `site`, `role` by code, `email`, `phone`, `organisation`, `job title`,
/// `notes`; unset is empty).
pub fn participant_version(p: &Participant) -> Version {
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    Version::new([
        ("name", p.name.clone()),
        ("site", p.site.clone()),
        ("role", p.role.clone()),
        ("email", v(&p.email)),
        ("phone", v(&p.phone)),
        ("organisation", v(&p.organisation)),
        ("job title", v(&p.job_title)),
        ("notes", v(&p.notes)),
    ])
}

/// [`participant_version`] limited to the fields `input` sets: the version an edit of
/// just those fields (an undo) is checked against.
pub fn participant_version_of(p: &Participant, input: &ParticipantInput) -> Version {
    let sets = |field: &str| match field {
        "name" => input.name.is_some(),
        "site" => input.site.is_some(),
        "role" => input.role.is_some(),
        "email" => input.email.is_some(),
        "phone" => input.phone.is_some(),
        "organisation" => input.organisation.is_some(),
        "job title" => input.job_title.is_some(),
        "notes" => input.notes.is_some(),
        _ => false,
    };
    Version(
        participant_version(p)
            .0
            .into_iter()
            .filter(|(k, _)| sets(k))
            .collect(),
    )
}

/// A stored row's value of a form field, as [`participant_version`] names and shows it.
fn form_value(reference: &Reference, row: &ParticipantRow, field: &str) -> String {
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    match field {
        "name" => row.name.clone(),
        "site" => reference
            .site_by_id(&row.site_id)
            .map(|s| s.code.clone())
            .unwrap_or_else(|| row.site_id.clone()),
        "role" => reference
            .role_by_id(&row.role_id)
            .map(|r| r.code.clone())
            .unwrap_or_else(|| row.role_id.clone()),
        "email" => v(&row.email),
        "phone" => v(&row.phone),
        "organisation" => v(&row.organisation),
        "job title" => v(&row.job_title),
        "notes" => v(&row.notes),
        "status" => row.status.clone(),
        _ => String::new(),
    }
}

/// Who else holds a role unique at a site: what a refusal names, and, when an explicit
/// override allows a second holder, what the audit log records beside the change.
#[derive(Debug)]
pub(crate) struct UniqueRoleClash {
    pub role: String,
    pub role_name: String,
    pub site: String,
    pub also_held_by: Vec<String>,
}

impl UniqueRoleClash {
    /// Record the override in the audit log.
    pub(crate) fn record(&self, tx: &rusqlite::Connection, user: &str, id: &str) -> Result<()> {
        audit::record(
            tx,
            user,
            "participant",
            id,
            "unique-role-override",
            None,
            Some(&serde_json::json!({
                "role": self.role,
                "site": self.site,
                "also_held_by": self.also_held_by,
            })),
        )?;
        Ok(())
    }
}

/// The rule for roles flagged `unique_at_site`: one holder per site. Holders are the
/// participants of every status except declined, ineligible and no-response (people who
/// never took part and hold no data); a withdrawn participant still counts, as their data
/// may stay in the study. A participant with one of those statuses is not checked either.
/// `None` when the role may be held here; runs inside the write transaction.
pub(crate) fn unique_role_clash(
    tx: &rusqlite::Connection,
    reference: &Reference,
    role_id: &str,
    site_id: &str,
    except: Option<&str>,
    status: &str,
) -> Result<Option<UniqueRoleClash>> {
    let Some(role) = reference.role_by_id(role_id) else {
        return Ok(None);
    };
    if !role.unique_at_site || store::NOT_HOLDING_A_ROLE.contains(&status) {
        return Ok(None);
    }
    let holders = store::role_holders(tx, role_id, site_id, except)?;
    if holders.is_empty() {
        return Ok(None);
    }
    Ok(Some(UniqueRoleClash {
        role: role.code.clone(),
        role_name: role.name.clone(),
        site: reference
            .site_by_id(site_id)
            .map(|s| s.code.clone())
            .unwrap_or_default(),
        also_held_by: holders,
    }))
}

/// [`unique_role_clash`] as a refusal unless `allow`; allowed, what to audit.
fn check_unique_role(
    tx: &rusqlite::Connection,
    reference: &Reference,
    role_id: &str,
    site_id: &str,
    except: Option<&str>,
    status: &str,
    allow: bool,
) -> Result<Option<UniqueRoleClash>> {
    match unique_role_clash(tx, reference, role_id, site_id, except, status)? {
        Some(c) if !allow => Err(invalid(
            "role",
            format!(
                "{} ({}) is held by one person per site, and site {} already has {}; if both \
                 really hold it, add --allow-duplicate-unique-role (exports then treat both \
                 as unique)",
                c.role_name,
                c.role,
                c.site,
                c.also_held_by
                    .iter()
                    .map(|code| format!("participant {code}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
        other => Ok(other),
    }
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
        let corrections = crate::store::consent::corrections(c, &participant.id)?;
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
            corrections,
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
