//! The sync Conflicts overlay's state and effects.

use crate::service::sync::ConflictRow;
use crate::service::sync::Keep;

/// The overlay's state.
#[derive(Debug, Clone, Default)]
pub struct ConflictsView {
    pub rows: Vec<ConflictRow>,
    pub selected: usize,
    /// Showing the selected conflict's two versions.
    pub detail: bool,
    /// A choice waiting for y/n.
    pub confirm: Option<Keep>,
}

/// The key that opens the view from any pane (Normal mode).
pub const OPEN: char = 'Y';

/// What the overlay asks the effects to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncEffect {
    Load,
    Resolve { id: String, keep: Keep },
}
