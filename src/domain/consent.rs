//! Consent records, withdrawals and the one rule everybody uses: consent in force on a date.

use serde::Serialize;
use time::Date;

use super::types::{iso_date, Answer, ConsentItem, ConsentMode, WithdrawalScope};

/// One consent event. Never edited: a re-consent adds a record.
#[derive(Debug, Clone, Serialize)]
pub struct ConsentRecord {
    pub id: String,
    pub participant_id: String,
    pub form_version: String,
    pub form_hash: Option<String>,
    #[serde(with = "iso_date")]
    pub date: Date,
    pub mode: ConsentMode,
    pub taken_by: String,
    pub take_part: Option<Answer>,
    pub audio: Option<Answer>,
    pub quotes: Option<Answer>,
    pub archiving: Option<Answer>,
    pub follow_up: Option<Answer>,
    pub file_ref: Option<String>,
    pub recorded_at: String,
    pub recorded_by: String,
}

impl ConsentRecord {
    pub fn answer(&self, item: ConsentItem) -> Option<Answer> {
        match item {
            ConsentItem::TakePart => self.take_part,
            ConsentItem::Audio => self.audio,
            ConsentItem::Quotes => self.quotes,
            ConsentItem::Archiving => self.archiving,
            ConsentItem::FollowUp => self.follow_up,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Withdrawal {
    pub id: String,
    pub participant_id: String,
    #[serde(with = "iso_date")]
    pub date: Date,
    pub scope: WithdrawalScope,
    pub reason: Option<String>,
    pub recorded_at: String,
    pub recorded_by: String,
}

/// What a participant had agreed to on a given date.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ConsentInForce {
    /// The latest consent record dated on or before the date.
    pub consent: Option<ConsentRecord>,
    /// A withdrawal dated on or after that consent and on or before the date.
    pub withdrawal: Option<Withdrawal>,
}

/// The state of one item, as shown and exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemState {
    Yes,
    No,
    NotAsked,
    /// No consent record, or the item was left unset on it.
    Unset,
    /// A withdrawal took it away.
    Withdrawn,
}

impl ItemState {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::Yes => "yes",
            ItemState::No => "no",
            ItemState::NotAsked => "not-asked",
            ItemState::Unset => "unset",
            ItemState::Withdrawn => "withdrawn",
        }
    }
}

impl ConsentInForce {
    /// The state of an item on the date. A withdrawal of any scope ends taking part,
    /// recording and contact; only a removal scope also takes back quotes and archiving
    /// of what was already collected.
    pub fn item(&self, item: ConsentItem) -> ItemState {
        if let Some(w) = &self.withdrawal {
            let affected = match item {
                ConsentItem::TakePart | ConsentItem::Audio | ConsentItem::FollowUp => true,
                ConsentItem::Quotes | ConsentItem::Archiving => w.scope.removes_data(),
            };
            if affected {
                return ItemState::Withdrawn;
            }
        }
        match self.consent.as_ref().and_then(|c| c.answer(item)) {
            Some(Answer::Yes) => ItemState::Yes,
            Some(Answer::No) => ItemState::No,
            Some(Answer::NotAsked) => ItemState::NotAsked,
            None => ItemState::Unset,
        }
    }

    /// Only an explicit `yes` that no withdrawal took away allows an act.
    pub fn allows(&self, item: ConsentItem) -> bool {
        self.item(item) == ItemState::Yes
    }
}

/// Consent in force on `date`, from all of a participant's records. Everybody asks this.
pub fn consent_in_force(
    consents: &[ConsentRecord],
    withdrawals: &[Withdrawal],
    date: Date,
) -> ConsentInForce {
    let consent = consents
        .iter()
        .filter(|c| c.date <= date)
        .max_by(|a, b| (a.date, &a.recorded_at).cmp(&(b.date, &b.recorded_at)))
        .cloned();
    let withdrawal = withdrawals
        .iter()
        .filter(|w| w.date <= date)
        .filter(|w| match &consent {
            // A re-consent dated after a withdrawal supersedes it.
            Some(c) => w.date >= c.date,
            None => true,
        })
        .max_by(|a, b| (a.date, &a.recorded_at).cmp(&(b.date, &b.recorded_at)))
        .cloned();
    ConsentInForce {
        consent,
        withdrawal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn consent(d: Date, take_part: Option<Answer>, quotes: Option<Answer>) -> ConsentRecord {
        ConsentRecord {
            id: "c".into(),
            participant_id: "p".into(),
            form_version: "1".into(),
            form_hash: None,
            date: d,
            mode: ConsentMode::Written,
            taken_by: "AE".into(),
            take_part,
            audio: Some(Answer::Yes),
            quotes,
            archiving: None,
            follow_up: Some(Answer::NotAsked),
            file_ref: None,
            recorded_at: "2022-01-01T00:00:00Z".into(),
            recorded_by: "AE".into(),
        }
    }

    fn withdrawal(d: Date, scope: WithdrawalScope) -> Withdrawal {
        Withdrawal {
            id: "w".into(),
            participant_id: "p".into(),
            date: d,
            scope,
            reason: None,
            recorded_at: "2022-06-01T00:00:00Z".into(),
            recorded_by: "AE".into(),
        }
    }

    #[test]
    fn nothing_before_the_first_record() {
        let c = [consent(date!(2022 - 01 - 10), Some(Answer::Yes), None)];
        let f = consent_in_force(&c, &[], date!(2022 - 01 - 09));
        assert!(!f.allows(ConsentItem::TakePart));
        assert_eq!(f.item(ConsentItem::TakePart), ItemState::Unset);
        let f = consent_in_force(&c, &[], date!(2022 - 01 - 10));
        assert!(f.allows(ConsentItem::TakePart));
    }

    #[test]
    fn unset_and_not_asked_never_allow() {
        let c = [consent(date!(2022 - 01 - 10), Some(Answer::Yes), None)];
        let f = consent_in_force(&c, &[], date!(2022 - 02 - 01));
        assert_eq!(f.item(ConsentItem::Archiving), ItemState::Unset);
        assert_eq!(f.item(ConsentItem::FollowUp), ItemState::NotAsked);
        assert!(!f.allows(ConsentItem::Archiving));
        assert!(!f.allows(ConsentItem::FollowUp));
    }

    #[test]
    fn latest_record_wins_and_reconsent_supersedes_withdrawal() {
        let c = [
            consent(date!(2022 - 01 - 10), Some(Answer::Yes), Some(Answer::No)),
            consent(date!(2023 - 01 - 10), Some(Answer::Yes), Some(Answer::Yes)),
        ];
        let w = [withdrawal(
            date!(2022 - 06 - 01),
            WithdrawalScope::NoFurtherContact,
        )];
        let f = consent_in_force(&c, &w, date!(2022 - 03 - 01));
        assert!(!f.allows(ConsentItem::Quotes));
        let f = consent_in_force(&c, &w, date!(2022 - 07 - 01));
        assert!(!f.allows(ConsentItem::TakePart));
        assert_eq!(f.item(ConsentItem::TakePart), ItemState::Withdrawn);
        let f = consent_in_force(&c, &w, date!(2023 - 02 - 01));
        assert!(f.allows(ConsentItem::TakePart));
        assert!(f.allows(ConsentItem::Quotes));
    }

    #[test]
    fn only_removal_scopes_take_back_quotes() {
        let c = [consent(
            date!(2022 - 01 - 10),
            Some(Answer::Yes),
            Some(Answer::Yes),
        )];
        for (scope, quotes_ok) in [
            (WithdrawalScope::NoFurtherContact, true),
            (WithdrawalScope::NoFurtherData, true),
            (WithdrawalScope::RemoveUnanalysed, false),
            (WithdrawalScope::RemoveAllFeasible, false),
        ] {
            let w = [withdrawal(date!(2022 - 06 - 01), scope)];
            let f = consent_in_force(&c, &w, date!(2022 - 07 - 01));
            assert_eq!(f.allows(ConsentItem::Quotes), quotes_ok, "{scope}");
            assert!(!f.allows(ConsentItem::TakePart), "{scope}");
        }
    }
}
