//! Lists shaped for the terminal interface (no UI here): a page of participants with their
//! consent in force, in one list query plus two indexed lookups per row.

use time::Date;

use super::consent::ConsentRow;
use super::{Fieldwork, Result};
use crate::domain::{consent_in_force, ConsentItem, Participant, ParticipantFilter};
use crate::store::consent as cstore;

impl Fieldwork {
    /// Participants (as `participants`) each with their consent at a glance on `date`.
    pub fn participants_with_consent(
        &self,
        filter: &ParticipantFilter,
        date: Date,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<(Participant, ConsentRow)>> {
        let people = self.participants(filter, offset, limit)?;
        let c = self.store.conn();
        let mut out = Vec::with_capacity(people.len());
        for p in people {
            let records = cstore::records(c, &p.id)?;
            let withdrawals = cstore::withdrawals(c, &p.id)?;
            let f = consent_in_force(&records, &withdrawals, date);
            let row = ConsentRow {
                participant_id: p.id.clone(),
                code: p.code.clone(),
                name: p.name.clone(),
                site: p.site.clone(),
                status: p.status,
                items: ConsentItem::ALL.iter().map(|i| (*i, f.item(*i))).collect(),
                records: records.len(),
                withdrawn: withdrawals.last().map(|w| w.scope),
            };
            out.push((p, row));
        }
        Ok(out)
    }
}
