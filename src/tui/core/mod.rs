//! The types every pane needs, with no dependency on `app` or on pane logic: panes
//! (`pane`), writes and undo steps (`write`), effects, slow loads and forms (`effect`),
//! commands and key bindings (`keys`), and `State` (`state`). Panes depend on this module;
//! `app` depends on the panes.

pub mod ctx;
pub mod effect;
pub mod keys;
pub mod pane;
pub mod state;
pub mod write;

pub use ctx::*;
pub use effect::*;
pub use keys::*;
pub use pane::*;
pub use state::*;
pub use write::*;
