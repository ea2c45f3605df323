//! Plain domain types and rules: no SQL, no terminal.

pub mod agreement;
pub mod anchor;
pub mod archive;
pub mod consent;
pub mod ids;
pub mod pattern;
pub mod redact;
pub mod transcript;
pub mod types;

pub use consent::*;
pub use ids::*;
pub use types::*;

use time::Date;

/// A phase window, as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Phase {
    pub id: String,
    pub number: u32,
    pub name: String,
    #[serde(with = "crate::domain::types::iso_date")]
    pub start: Date,
    #[serde(with = "crate::domain::types::iso_date")]
    pub end: Date,
}

/// The phase whose window contains `date`, if any.
pub fn phase_for_date(phases: &[Phase], date: Date) -> Option<&Phase> {
    phases.iter().find(|p| p.start <= date && date <= p.end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn phases() -> Vec<Phase> {
        vec![
            Phase {
                id: "1".into(),
                number: 1,
                name: "Baseline".into(),
                start: date!(2021 - 11 - 01),
                end: date!(2022 - 05 - 31),
            },
            Phase {
                id: "2".into(),
                number: 2,
                name: "Follow-up".into(),
                start: date!(2023 - 01 - 01),
                end: date!(2023 - 05 - 31),
            },
        ]
    }

    #[test]
    fn phase_windows_are_inclusive() {
        let p = phases();
        assert_eq!(phase_for_date(&p, date!(2021 - 11 - 01)).unwrap().number, 1);
        assert_eq!(phase_for_date(&p, date!(2022 - 05 - 31)).unwrap().number, 1);
        assert!(phase_for_date(&p, date!(2022 - 06 - 01)).is_none());
        assert_eq!(phase_for_date(&p, date!(2023 - 03 - 15)).unwrap().number, 2);
    }
}
