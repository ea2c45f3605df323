//! Correcting a consent or withdrawal record entered in error.

use crate::domain::{new_id, now_utc, Status};
use crate::service::{clean, invalid, json, Fieldwork, Result, ServiceError};
use crate::store::consent::Correction;
use crate::store::{audit, consent as store};

impl Fieldwork {
    /// The consent record or withdrawal `key` (its id or a unique prefix of 6+ characters):
    /// (`consent` or `withdrawal`, id, participant id).
    pub fn resolve_consent_record(&self, key: &str) -> Result<(&'static str, String, String)> {
        resolve_record(self.store.conn(), key)
    }

    /// Mark a consent record or a withdrawal (`record`: its id or a unique prefix) as
    /// entered in error. Both are immutable, so this adds a correcting record instead of
    /// changing them; from then on nothing that decides consent (consent in force, the
    /// consent book, consent problems, export eligibility, quotes, coverage) counts the
    /// corrected record, and the history lists it as corrected. Correcting a withdrawal
    /// also puts the participant's status back to what it was before the withdrawal (a new
    /// status event that names the correction) unless another withdrawal stands. Refused
    /// without a reason and for a record already corrected. This is also the undo of a
    /// consent record or a withdrawal.
    pub fn correct_consent(&mut self, record: &str, reason: &str) -> Result<Correction> {
        let Some(reason) = clean(Some(reason)) else {
            return Err(invalid(
                "reason",
                "a correction needs a reason (why the record was entered in error)",
            ));
        };
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        // The record and whether it is corrected already are read inside the write.
        let (kind, id, pid) = resolve_record(&tx, record)?;
        if let Some(done) = store::correction_of(&tx, &id)? {
            return Err(ServiceError::Refused(format!(
                "{kind} record {} was already corrected on {} by {} ({}); nothing was written",
                short(&id),
                done.corrected_at,
                done.corrected_by,
                done.reason
            )));
        }
        let correction = Correction {
            id: new_id(),
            record_kind: kind.to_string(),
            record_id: id.clone(),
            participant_id: pid.clone(),
            reason: reason.clone(),
            corrected_at: now_utc(),
            corrected_by: user.clone(),
        };
        store::insert_correction(&tx, &correction)?;
        let before = if kind == "consent" {
            store::records_with_corrected(&tx, &pid)?
                .into_iter()
                .find(|r| r.id == id)
                .map(|r| json(&r))
        } else {
            store::withdrawals_with_corrected(&tx, &pid)?
                .into_iter()
                .find(|w| w.id == id)
                .map(|w| json(&w))
        };
        audit::record(
            &tx,
            &user,
            kind,
            &id,
            "corrected",
            before.as_ref(),
            Some(&json(&correction)),
        )?;
        if kind == "withdrawal" && store::withdrawals(&tx, &pid)?.is_empty() {
            let row = crate::store::participants::row(&tx, &pid)?;
            if row.as_ref().map(|r| r.status.as_str()) == Some(Status::Withdrawn.as_str()) {
                // The status the participant had before they were withdrawn.
                let back = crate::store::participants::events(&tx, &pid)?
                    .into_iter()
                    .rev()
                    .find(|e| e.to_status == Status::Withdrawn)
                    .and_then(|e| e.from_status)
                    .unwrap_or(Status::Identified);
                Self::change_status_tx(
                    &tx,
                    &pid,
                    back,
                    crate::domain::today(),
                    Some(format!("withdrawal corrected: entered in error — {reason}")),
                    &user,
                    true,
                )?;
            }
        }
        tx.commit()?;
        Ok(correction)
    }
}

fn short(id: &str) -> String {
    id.chars().take(8).collect()
}

fn resolve_record(c: &rusqlite::Connection, key: &str) -> Result<(&'static str, String, String)> {
    let mut hits = store::resolve_record(c, key)?;
    match hits.len() {
        0 => Err(ServiceError::NotFound {
            what: "consent or withdrawal record",
            key: key.trim().to_string(),
        }),
        1 => Ok(hits.remove(0)),
        _ => Err(ServiceError::Ambiguous {
            what: "consent or withdrawal record",
            key: key.trim().to_string(),
            candidates: hits
                .iter()
                .map(|(_, id, _)| short(id))
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}
