//! The Themes pane's state: the codebook tree, the selection, the marks for a merge.

use crate::domain::{Tag, Theme as CodeTheme, ThemeStatus};
use crate::service::coding::{Quote, QuoteFilter};

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
    /// The selected theme's quotes (its detail), as filtered.
    pub quotes: Vec<Quote>,
    pub quote_filter: QuoteFilter,
}

impl ThemesState {
    /// The selected theme.
    pub fn current(&self) -> Option<&CodeTheme> {
        self.list.get(self.sel)
    }

    /// The active themes as (id, path) choices.
    pub fn active_options(&self) -> Vec<(String, String)> {
        self.list
            .iter()
            .filter(|t| t.status == ThemeStatus::Active)
            .map(|t| (t.id.clone(), t.path.clone()))
            .collect()
    }

    /// Mark or unmark the selected theme (for tagging).
    pub fn mark(&mut self) {
        if let Some(t) = self.current() {
            let id = t.id.clone();
            if let Some(i) = self.marked.iter().position(|m| *m == id) {
                self.marked.remove(i);
            } else {
                self.marked.push(id);
            }
        }
    }
}
