//! The data group — Redaction and Export: state (`state`), `command` and form submission
//! (`update`), loads and effects (`io`), key table (`keys`) and drawing (one file per pane).

pub mod export;
pub mod io;
pub mod keys;
pub mod redaction;
pub mod state;
pub mod update;

pub use state::*;
pub use update::*;
