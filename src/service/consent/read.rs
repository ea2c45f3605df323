//! Reading consent: the book of records in force, a participant's records and history,
//! the overview.

use time::Date;

use crate::domain::{
    consent_in_force, ConsentInForce, ConsentItem, ConsentRecord, Status, Withdrawal,
    WithdrawalScope,
};
use crate::service::{Fieldwork, Result};
use crate::store::consent as store;
use crate::store::consent::Correction;

/// One participant's consent at a glance.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConsentRow {
    pub participant_id: String,
    pub code: String,
    pub name: String,
    pub site: String,
    pub status: Status,
    /// The state of each item today, in `ConsentItem::ALL` order.
    pub items: Vec<(ConsentItem, crate::domain::ItemState)>,
    pub records: usize,
    pub withdrawn: Option<WithdrawalScope>,
}

/// Every participant's consent and withdrawal records, read once, for reports that ask
/// "consent in force" for many participants (coverage, gaps, exports).
#[derive(Debug, Default)]
pub struct ConsentBook {
    pub(super) records: std::collections::HashMap<String, Vec<ConsentRecord>>,
    withdrawals: std::collections::HashMap<String, Vec<Withdrawal>>,
}

impl ConsentBook {
    /// A participant's withdrawals (by id), oldest first.
    pub fn withdrawals(&self, participant_id: &str) -> &[Withdrawal] {
        self.withdrawals
            .get(participant_id)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Consent in force for a participant (by id) on a date, by the same rule as
    /// [`Fieldwork::consent_in_force`].
    pub fn in_force(&self, participant_id: &str, date: Date) -> ConsentInForce {
        consent_in_force(
            self.records
                .get(participant_id)
                .map(Vec::as_slice)
                .unwrap_or(&[]),
            self.withdrawals
                .get(participant_id)
                .map(Vec::as_slice)
                .unwrap_or(&[]),
            date,
        )
    }
}

impl Fieldwork {
    /// All consent records and withdrawals, grouped by participant.
    pub fn consent_book(&self) -> Result<ConsentBook> {
        let c = self.store.conn();
        let mut book = ConsentBook::default();
        for r in store::all_records(c)? {
            book.records
                .entry(r.participant_id.clone())
                .or_default()
                .push(r);
        }
        for w in store::all_withdrawals(c)? {
            book.withdrawals
                .entry(w.participant_id.clone())
                .or_default()
                .push(w);
        }
        Ok(book)
    }

    /// Consent in force for a participant (by id) on a date: the one function everybody uses.
    pub fn consent_in_force(&self, participant_id: &str, date: Date) -> Result<ConsentInForce> {
        let c = self.store.conn();
        let records = store::records(c, participant_id)?;
        let withdrawals = store::withdrawals(c, participant_id)?;
        Ok(consent_in_force(&records, &withdrawals, date))
    }

    pub fn consent_records(&self, key: &str) -> Result<(Vec<ConsentRecord>, Vec<Withdrawal>)> {
        let id = self.resolve_participant(key)?;
        let c = self.store.conn();
        Ok((store::records(c, &id)?, store::withdrawals(c, &id)?))
    }

    /// A participant's whole consent history: every consent record and withdrawal,
    /// corrected ones included, and the corrections (which record, why, by whom). Readers
    /// that decide consent use [`Fieldwork::consent_records`], which leaves corrected
    /// records out.
    pub fn consent_history(&self, key: &str) -> Result<ConsentHistory> {
        let id = self.resolve_participant(key)?;
        let c = self.store.conn();
        Ok(ConsentHistory {
            records: store::records_with_corrected(c, &id)?,
            withdrawals: store::withdrawals_with_corrected(c, &id)?,
            corrections: store::corrections(c, &id)?,
        })
    }

    /// Consent in force on `date` for a page of participants (the consent pane).
    pub fn consent_overview(
        &self,
        filter: &crate::domain::ParticipantFilter,
        date: Date,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<ConsentRow>> {
        Ok(self
            .participants_with_consent(filter, date, offset, limit)?
            .into_iter()
            .map(|(_, row)| row)
            .collect())
    }
}

/// A participant's consent history, corrected records included (see
/// [`Fieldwork::consent_history`]).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConsentHistory {
    pub records: Vec<ConsentRecord>,
    pub withdrawals: Vec<Withdrawal>,
    pub corrections: Vec<Correction>,
}

impl ConsentHistory {
    /// The correction of a record, if it was corrected.
    pub fn correction(&self, record_id: &str) -> Option<&Correction> {
        self.corrections.iter().find(|c| c.record_id == record_id)
    }
}
