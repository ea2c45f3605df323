//! What carrying out a write gives back besides its status line: its undo, and the record
//! it created (shared by `apply` and `apply_coding`).

use crate::tui::core::{Pane, Write};

/// What undoes a write: (what it was, for the status line; the write that undoes it).
pub(super) type Undo = Option<(String, Write)>;

/// A record a write created: where to select it, and the next step to suggest.
pub(super) struct Created {
    pub(super) select: Option<(Pane, String)>,
    pub(super) next: String,
}
