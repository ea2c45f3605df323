//! Reading participants: resolving a reference, one participant's detail, the list.

use crate::domain::{today, Participant, ParticipantFilter, StatusEvent};
use crate::service::{one, Fieldwork, Result, ServiceError};
use crate::store::participants as store;

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
}
