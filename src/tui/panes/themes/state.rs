//! The Themes pane's state: the codebook tree, the selection, the marks for a merge.

use crate::domain::{Tag, Theme as CodeTheme};

#[derive(Debug, Clone, Default)]
pub struct ThemesState {
    /// The tree, in the order shown (active only unless `show_all`).
    pub list: Vec<CodeTheme>,
    pub sel: usize,
    /// Retired and merged themes are listed too.
    pub show_all: bool,
    /// Themes marked (by id) for a merge.
    pub marked: Vec<String>,
    /// The selected theme's tags (its detail).
    pub tags: Vec<Tag>,
}
