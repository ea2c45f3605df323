//! The analysis group — Search, Viewer, Matrix, Analysis (and the quotes in Themes): its
//! state (`state`), `command` (`update`), loads and effects (`io`), key table (`keys`) and
//! drawing (one file per pane).

pub mod analysis;
pub mod forms;
pub mod io;
pub mod keys;
pub mod matrix;
pub mod search;
pub mod state;
pub mod update;
pub mod viewer;

pub use state::*;
pub use update::*;
