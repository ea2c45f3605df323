//! The Participants pane's state: the list's window, its filter and search, and the
//! selected participant's detail.

use crate::domain::ParticipantFilter;
use crate::service::participants::ParticipantDetail;
use crate::tui::core::{PRow, Paged};

#[derive(Debug, Default)]
pub struct ParticipantsState {
    pub list: Paged<PRow>,
    pub filter: ParticipantFilter,
    /// The selection's history, consent and sessions (loaded off the interface's thread).
    pub detail: Option<ParticipantDetail>,
}

impl ParticipantsState {
    /// Drop a detail that is of another participant than the selection: the panel says
    /// it is loading rather than show someone else.
    pub fn forget_other_detail(&mut self) {
        let id = self.list.current().map(|r| &r.p.id);
        if self.detail.as_ref().map(|d| &d.participant.id) != id {
            self.detail = None;
        }
    }
}
