//! The Sessions pane's state: the list's window, its filter and its order.

use crate::domain::{Session, SessionFilter};
use crate::tui::core::Paged;

#[derive(Debug)]
pub struct SessionsState {
    pub list: Paged<Session>,
    pub filter: SessionFilter,
    pub newest_first: bool,
}

impl Default for SessionsState {
    fn default() -> Self {
        SessionsState {
            list: Paged::default(),
            filter: SessionFilter::default(),
            newest_first: true,
        }
    }
}
