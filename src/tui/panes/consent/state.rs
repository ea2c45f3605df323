//! The Consent pane's state: the list of consent in force, its filter and search, the
//! selected participant's history, and the problems list.

use crate::domain::ParticipantFilter;
use crate::service::consent::{ConsentHistory, ConsentRow};
use crate::tui::core::{Paged, Problem};

#[derive(Debug)]
pub struct ConsentState {
    pub list: Paged<ConsentRow>,
    pub filter: ParticipantFilter,
    /// The selected participant's consent history, corrected records included (shown as
    /// such).
    pub records: Option<ConsentHistory>,
    pub problems: Vec<Problem>,
    /// The problems list must be recomputed (after any write).
    pub problems_stale: bool,
}

impl Default for ConsentState {
    fn default() -> Self {
        ConsentState {
            list: Paged::default(),
            filter: ParticipantFilter::default(),
            records: None,
            problems: Vec::new(),
            problems_stale: true,
        }
    }
}
