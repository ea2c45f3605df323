//! The Redaction and Export panes' keys (assembled by `keymap`).

use ratatui::crossterm::event::KeyCode as K;

use super::state::DataCmd;
#[allow(unused_imports)]
use crate::tui::core::keys::{b, ch, code, ctrl, Binding, Cmd as C, Ctx};
use crate::tui::core::pane::Pane;

/// The Redaction pane.
pub static REDACTION: &[Binding] = &[
    // Redaction and Export (src/tui/data.rs)
    b!(
        Ctx::Pane(Pane::Redaction),
        [ch('f'), code(K::Left), code(K::Right)],
        C::Data(DataCmd::Focus),
        "focus: the register or the suspects (moves between the lists)",
        true
    ),
    b!(
        Ctx::Pane(Pane::Redaction),
        [ch('S')],
        C::Data(DataCmd::Seed),
        "seed: the register from participants, organisations, job titles and sites (adds only what is new)",
        true
    ),
    b!(
        Ctx::Pane(Pane::Redaction),
        [ch('a')],
        C::Data(DataCmd::AddIdentifier),
        "add: an identifier by hand (kind, label, the original text)",
        true
    ),
    b!(
        Ctx::Pane(Pane::Redaction),
        [ch('v')],
        C::Data(DataCmd::AddVariant),
        "add a variant (spelling, title, initials) to the selected identifier",
        false
    ),
    b!(
        Ctx::Pane(Pane::Redaction),
        [code(K::Enter)],
        C::Data(DataCmd::AcceptVariant),
        "variant: accept the suspect as a variant of an identifier (the near match, else the selected one)",
        true
    ),
    b!(
        Ctx::Pane(Pane::Redaction),
        [ch('n')],
        C::Data(DataCmd::AcceptNew),
        "new: accept the suspect as a new identifier (kind and label filled in)",
        true
    ),
    b!(
        Ctx::Pane(Pane::Redaction),
        [ch('x')],
        C::Data(DataCmd::Allow),
        "allow: the suspect identifies no one (confirmed in a form; never flagged again)",
        true
    ),
    b!(
        Ctx::Pane(Pane::Redaction),
        [ch('X')],
        C::Data(DataCmd::AllowNow),
        "allow at once: no form, one question (y allows; u undoes it); the next suspect is selected",
        true
    ),
    b!(
        Ctx::Pane(Pane::Redaction),
        [ch('C')],
        C::Data(DataCmd::AllowClass),
        "allow a class: common English words, or the study's place names (a form)",
        false
    ),
    b!(
        Ctx::Pane(Pane::Redaction),
        [ch('l')],
        C::Data(DataCmd::Log),
        "anonymisation log instead of the suspects (toggles)",
        false
    ),
    b!(
        Ctx::Pane(Pane::Redaction),
        [ch('r')],
        C::Data(DataCmd::Recompute),
        "recompute the suspects",
        false
    ),
    b!(
        Ctx::Pane(Pane::Redaction),
        [ch('/')],
        C::Data(DataCmd::Filter),
        "filter both lists (labels, kinds, variants, suspects)",
        false
    ),
];

/// The Export pane.
pub static EXPORT: &[Binding] = &[
    b!(
        Ctx::Pane(Pane::Export),
        [ch('w'), code(K::Enter)],
        C::Data(DataCmd::Write),
        "write: the selected export (a form for the path, format and overwrite), then show its manifest",
        true
    ),
    b!(
        Ctx::Pane(Pane::Export),
        [ch('p')],
        C::Data(DataCmd::Param),
        "parameter: k, the small-cell threshold, the theme or the phase of the selected export (cycles)",
        true
    ),
    b!(
        Ctx::Pane(Pane::Export),
        [ch('r')],
        C::Data(DataCmd::Recompute),
        "recompute the preview",
        false
    ),
];
