//! Loading a pane: each pane group's loads, dispatched by pane.

use crate::service::{Fieldwork, Result};
use crate::tui::core::{Pane, Slow, State};

/// Load a pane: its list window, counts and detail.
pub fn load(fw: &Fieldwork, s: &mut State, p: Pane) -> Result<()> {
    s.stale[p.index()] = false;
    match p {
        // A list's window (its count, and as many rows as two pages): computed by the
        // load worker (tens of ms on a large study); rows not in yet show as `…`.
        Pane::Participants | Pane::Consent | Pane::Sessions | Pane::Transcripts => {
            s.queue(Slow::Page(p), true);
        }
        Pane::Themes => crate::tui::panes::themes::load(fw, s)?,
        Pane::Coverage => {
            // Computed by the load worker; the pane says it is updating meanwhile.
            s.stale[p.index()] = true;
            s.queue(Slow::Coverage, false);
        }
        Pane::Search | Pane::Viewer | Pane::Matrix | Pane::Analysis => {
            crate::tui::panes::coding::io::load(fw, s, p)?
        }
        Pane::Redaction | Pane::Export => crate::tui::panes::data::io::load(fw, s, p)?,
        Pane::Agreement => crate::in_pane!(s, agreement, crate::tui::panes::agreement::load),
    }
    Ok(())
}
