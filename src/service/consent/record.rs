//! Recording consent and withdrawals.

use time::Date;

use crate::domain::{
    new_id, now_utc, today, Answer, ConsentMode, ConsentRecord, Status, Withdrawal, WithdrawalScope,
};
use crate::service::{clean, invalid, io_err, json, Fieldwork, Result};
use crate::store::{audit, consent as store};

use super::hashing::*;

/// What a user enters for a new consent record. Items left `None` stay unset.
#[derive(Debug, Clone, Default)]
pub struct ConsentInput {
    pub date: Option<Date>,
    pub form_version: Option<String>,
    /// A copy of the form's text, hashed so the record names exactly what was signed.
    pub form_file: Option<std::path::PathBuf>,
    pub mode: Option<ConsentMode>,
    pub taken_by: Option<String>,
    pub take_part: Option<Answer>,
    pub audio: Option<Answer>,
    pub quotes: Option<Answer>,
    pub archiving: Option<Answer>,
    pub follow_up: Option<Answer>,
    /// Reference to the signed form (a file name or archive box): identifying.
    pub file_ref: Option<String>,
}

impl Fieldwork {
    /// Record a consent event (immutable). Consent to take part moves the participant to
    /// `consented` if they were earlier in the pipeline.
    pub fn record_consent(&mut self, key: &str, input: &ConsentInput) -> Result<ConsentRecord> {
        let pid = self.resolve_participant(key)?;
        let date = input.date.unwrap_or_else(today);
        if date > today() {
            return Err(invalid("date", "consent cannot be dated in the future"));
        }
        let form_hash = match &input.form_file {
            Some(p) => Some(
                sha256_file(p)
                    .map_err(|e| match e.kind() {
                        // A form file that is not there is bad input, not a runtime error.
                        std::io::ErrorKind::NotFound => {
                            invalid("form file", format!("{}: no such file", p.display()))
                        }
                        _ => io_err(format!("reading the consent form {}", p.display()))(e),
                    })?
                    .0,
            ),
            None => None,
        };
        let answers = [
            input.take_part,
            input.audio,
            input.quotes,
            input.archiving,
            input.follow_up,
        ];
        if answers.iter().all(Option::is_none) {
            return Err(invalid(
                "items",
                "a consent record needs at least one answered item (take part, audio, quotes, archiving, follow-up)",
            ));
        }
        let record = ConsentRecord {
            id: new_id(),
            participant_id: pid.clone(),
            form_version: clean(input.form_version.as_deref())
                .unwrap_or_else(|| self.reference.consent_form_version.clone()),
            form_hash,
            date,
            mode: input.mode.unwrap_or(ConsentMode::Written),
            taken_by: clean(input.taken_by.as_deref())
                .unwrap_or_else(|| self.settings.user.clone()),
            take_part: input.take_part,
            audio: input.audio,
            quotes: input.quotes,
            archiving: input.archiving,
            follow_up: input.follow_up,
            file_ref: clean(input.file_ref.as_deref()),
            recorded_at: now_utc(),
            recorded_by: self.settings.user.clone(),
        };
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        store::insert(&tx, &record)?;
        audit::record(
            &tx,
            &user,
            "consent",
            &record.id,
            "create",
            None,
            Some(&json(&record)),
        )?;
        if record.take_part == Some(Answer::Yes) {
            Self::change_status_tx(
                &tx,
                &pid,
                Status::Consented,
                date,
                Some("consent recorded".into()),
                &user,
                false,
            )?;
        }
        tx.commit()?;
        Ok(record)
    }

    /// Record a withdrawal (immutable) and set the participant's status to `withdrawn`.
    pub fn withdraw(
        &mut self,
        key: &str,
        scope: WithdrawalScope,
        date: Option<Date>,
        reason: Option<&str>,
    ) -> Result<Withdrawal> {
        let pid = self.resolve_participant(key)?;
        let date = date.unwrap_or_else(today);
        if date > today() {
            return Err(invalid(
                "date",
                "a withdrawal cannot be dated in the future",
            ));
        }
        let w = Withdrawal {
            id: new_id(),
            participant_id: pid.clone(),
            date,
            scope,
            reason: clean(reason),
            recorded_at: now_utc(),
            recorded_by: self.settings.user.clone(),
        };
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        store::insert_withdrawal(&tx, &w)?;
        audit::record(
            &tx,
            &user,
            "withdrawal",
            &w.id,
            "create",
            None,
            Some(&json(&w)),
        )?;
        Self::change_status_tx(
            &tx,
            &pid,
            Status::Withdrawn,
            date,
            Some(format!("withdrawal: {scope}")),
            &user,
            false,
        )?;
        tx.commit()?;
        Ok(w)
    }
}
