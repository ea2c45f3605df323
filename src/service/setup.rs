//! Study set-up writes that go beyond one record at a time: sites added to the study with
//! their targets, and participants identified on a past date. The demo generator writes
//! through these (it wrote through the store before), so it keeps one transaction per
//! change and the audit log like every other writer.

use time::Date;

use super::{Fieldwork, Result};
use crate::domain::{now_utc, today, ParticipantInput, Site};
use crate::store::{audit, reference};

/// A site to add, with its interview target per phase (by phase number).
#[derive(Debug, Clone)]
pub struct NewSite {
    pub site: Site,
    pub targets: Vec<(u32, i64)>,
}

impl Fieldwork {
    /// Run many service calls as one transaction (bulk set-up such as the demo study):
    /// each call's write becomes a savepoint of one `BEGIN IMMEDIATE` transaction,
    /// committed once at the end if `work` succeeds and rolled back (the study definition
    /// reloaded) if it fails, so a failure leaves the database as it was.
    pub fn in_one_transaction<T>(
        &mut self,
        work: impl FnOnce(&mut Fieldwork) -> Result<T>,
    ) -> Result<T> {
        self.store.begin_batch()?;
        match work(self) {
            Ok(v) => {
                self.store.end_batch(true)?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.store.end_batch(false);
                let _ = self.refresh_reference();
                Err(e)
            }
        }
    }

    /// Interview targets: (phase number, site code, target).
    pub fn targets(&self) -> Result<Vec<(u32, String, i64)>> {
        Ok(reference::targets(self.store.conn())?)
    }

    /// Add sites (after the existing ones) with their targets, in one transaction, each
    /// audited; then reload the study definition. The role categories' targets (for the
    /// study's sites together) grow in proportion to the sites.
    pub fn add_sites(&mut self, sites: &[NewSite]) -> Result<()> {
        let user = self.user().to_string();
        let phases = self.reference.phases.clone();
        let categories = self.reference.role_categories.clone();
        let tx = self.store.write()?;
        // Read inside the transaction: the order after the sites there are now.
        let first = reference::sites(&tx)?.len() as i64;
        let after = first + sites.len() as i64;
        if first > 0 {
            for (number, code, target) in reference::category_targets(&tx)? {
                let phase = phases.iter().find(|p| p.number == number);
                let cat = categories.iter().find(|c| c.code == code);
                if let (Some(p), Some(c)) = (phase, cat) {
                    let scaled = (target * after + first / 2) / first;
                    reference::set_category_target(&tx, &p.id, &c.id, scaled)?;
                }
            }
        }
        for (sort, n) in (first..).zip(sites) {
            reference::insert_site(&tx, &n.site, sort)?;
            audit::record(
                &tx,
                &user,
                "site",
                &n.site.id,
                "create",
                None,
                Some(&serde_json::to_value(&n.site).unwrap_or_default()),
            )?;
            for (number, target) in &n.targets {
                if let Some(p) = phases.iter().find(|p| p.number == *number) {
                    reference::set_target(&tx, &p.id, &n.site.id, *target)?;
                }
            }
        }
        tx.commit()?;
        self.refresh_reference()
    }

    /// Add a participant identified on `date` (not after today): the validation, insert,
    /// first status event and audit entry of [`Fieldwork::add_participant`], which dates
    /// the first event today. Returns the id and the export code.
    pub fn add_participant_identified_on(
        &mut self,
        input: &ParticipantInput,
        date: Date,
    ) -> Result<(String, String)> {
        let now = now_utc();
        let row = self.new_participant_row(input, &now)?;
        let user = self.user().to_string();
        let tx = self.store.write()?;
        let added = Fieldwork::insert_participant_coded_tx(&tx, row, date.min(today()), &user)?;
        tx.commit()?;
        Ok(added)
    }
}
