//! The Agreement pane's keys (assembled by `keymap`).

use ratatui::crossterm::event::KeyCode as K;

use super::state::AgreementCmd;
use crate::service::agreement::Settle;
#[allow(unused_imports)]
use crate::tui::core::keys::{b, ch, code, ctrl, Binding, Cmd as C, Ctx};
use crate::tui::core::pane::Pane;

/// The Agreement pane.
pub static KEYS: &[Binding] = &[
    // Agreement
    b!(
        Ctx::Pane(Pane::Agreement),
        [code(K::Enter)],
        C::Agreement(AgreementCmd::Open),
        "disagreements: the selected theme's, with their text",
        true
    ),
    b!(
        Ctx::Pane(Pane::Agreement),
        [code(K::Esc), code(K::Backspace)],
        C::Agreement(AgreementCmd::Back),
        "back to the themes",
        false
    ),
    b!(
        Ctx::Pane(Pane::Agreement),
        [ch('a')],
        C::Agreement(AgreementCmd::Settle(Settle::KeepA)),
        "keep A: settle the selected disagreement with coder A's coding (asks first)",
        true
    ),
    b!(
        Ctx::Pane(Pane::Agreement),
        [ch('b')],
        C::Agreement(AgreementCmd::Settle(Settle::KeepB)),
        "keep B: settle it with coder B's coding (asks first)",
        true
    ),
    b!(
        Ctx::Pane(Pane::Agreement),
        [ch('o')],
        C::Agreement(AgreementCmd::Settle(Settle::KeepBoth)),
        "keep both: settle it with both codings; each coder gets the other's passages (asks first)",
        true
    ),
    b!(
        Ctx::Pane(Pane::Agreement),
        [ch('m')],
        C::Agreement(AgreementCmd::Settle(Settle::Merge)),
        "merge: settle it with one passage over the whole disagreement for each coder (asks first)",
        true
    ),
    b!(
        Ctx::Pane(Pane::Agreement),
        [ch('v')],
        C::Agreement(AgreementCmd::Reveal),
        "blind coding: reveal the other coders' passages to you (asks first; audited)",
        false
    ),
    b!(
        Ctx::Pane(Pane::Agreement),
        [ch('r')],
        C::Agreement(AgreementCmd::Recompute),
        "compare again",
        false
    ),
    b!(
        Ctx::Pane(Pane::Agreement),
        [ch('c')],
        C::Agreement(AgreementCmd::NextPair),
        "coders: compare the next pair (with more than two coders)",
        false
    ),
];
