//! The Coverage pane's state: what it shows and where its panels are scrolled.

use crate::service::coverage::{ByFieldworker, Coverage};

/// The Coverage pane's panels, in the order `f` moves through them; the last (the gaps)
/// is a list whose selection `Enter` acts on, the others scroll.
pub const PANELS: [&str; 6] = [
    "targets",
    "role categories",
    "observations",
    "fieldworkers",
    "follow-up",
    "gaps",
];

#[derive(Debug, Clone)]
pub struct CoverageState {
    pub data: Option<Coverage>,
    /// Sessions per fieldworker, phase and site (a panel).
    pub by_fieldworker: Option<ByFieldworker>,
    /// The panel that ↑/↓ scroll (`f` moves on; `PANELS` names them).
    pub focus: usize,
    /// Each panel's first line shown.
    pub scroll: [usize; PANELS.len()],
    /// The selected gap (the last panel).
    pub gap_sel: usize,
}

impl Default for CoverageState {
    fn default() -> Self {
        CoverageState {
            data: None,
            by_fieldworker: None,
            focus: PANELS.len() - 1,
            scroll: [0; PANELS.len()],
            gap_sel: 0,
        }
    }
}

impl CoverageState {
    /// Panel `i`'s first line shown, and whether it has the arrows.
    pub fn panel(&self, i: usize) -> (usize, bool) {
        (self.scroll[i], self.focus == i)
    }

    /// ↑/↓, PgUp/PgDn, Home/End: scroll the focused panel, or move in the gaps.
    pub fn move_sel(&mut self, d: isize, abs: Option<usize>) {
        use crate::tui::core::pane::clamp_move;
        if self.focus + 1 < PANELS.len() {
            // A panel that scrolls (the view keeps its last line in the panel).
            let v = &mut self.scroll[self.focus];
            *v = clamp_move(*v, 10_000, d, abs);
        } else {
            let n = self.data.as_ref().map(|c| c.gaps.len()).unwrap_or(0);
            self.gap_sel = clamp_move(self.gap_sel, n, d, abs);
        }
    }
}
