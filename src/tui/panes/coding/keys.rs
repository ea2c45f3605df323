//! The analysis panes' keys (assembled by `keymap`).

use ratatui::crossterm::event::KeyCode as K;

use super::state::CodingCmd;
#[allow(unused_imports)]
use crate::tui::core::keys::{b, ch, code, ctrl, Binding, Cmd as C, Ctx};
use crate::tui::core::pane::Pane;

/// The Search pane.
pub static SEARCH: &[Binding] = &[
    // Search
    b!(
        Ctx::Pane(Pane::Search),
        [ch('/')],
        C::Coding(CodingCmd::Query),
        "type the query: words, \"a phrase\", prefix*, AND/OR/NOT; hits as you type",
        true
    ),
    b!(
        Ctx::Pane(Pane::Search),
        [code(K::Enter)],
        C::Coding(CodingCmd::OpenHit),
        "open the hit: the transcript in the Viewer at that turn (a memo: at its passage; a note: its session)",
        true
    ),
    b!(
        Ctx::Pane(Pane::Search),
        [ch('s')],
        C::Coding(CodingCmd::SearchSite),
        "filter by site (cycles)",
        false
    ),
    b!(
        Ctx::Pane(Pane::Search),
        [ch('p')],
        C::Coding(CodingCmd::SearchPhase),
        "filter by phase (cycles)",
        false
    ),
    b!(
        Ctx::Pane(Pane::Search),
        [ch('c')],
        C::Coding(CodingCmd::SearchCategory),
        "filter by role category (cycles)",
        false
    ),
    b!(
        Ctx::Pane(Pane::Search),
        [ch('t')],
        C::Coding(CodingCmd::SearchTheme),
        "filter by theme: passages (or sessions) tagged with it (cycles)",
        false
    ),
    b!(
        Ctx::Pane(Pane::Search),
        [ch('e')],
        C::Coding(CodingCmd::SearchExact),
        "exact words on/off (off: any form of a word, integrate finds integrated)",
        false
    ),
    b!(
        Ctx::Pane(Pane::Search),
        [ch('x')],
        C::Coding(CodingCmd::SearchClear),
        "clear the query and filters",
        false
    ),
];

/// The Viewer pane.
pub static VIEWER: &[Binding] = &[
    // Viewer
    b!(
        Ctx::Pane(Pane::Viewer),
        [ch('w'), code(K::Right)],
        C::Coding(CodingCmd::NextWord),
        "cursor to the next word",
        false
    ),
    b!(
        Ctx::Pane(Pane::Viewer),
        [ch('b'), code(K::Left)],
        C::Coding(CodingCmd::PrevWord),
        "cursor to the previous word",
        false
    ),
    b!(
        Ctx::Pane(Pane::Viewer),
        [ch('v')],
        C::Coding(CodingCmd::Select),
        "start a selection at the cursor (again: drop it); moving extends it",
        true
    ),
    b!(
        Ctx::Pane(Pane::Viewer),
        [ch('V')],
        C::Coding(CodingCmd::SelectTurn),
        "select the whole speaker turn",
        false
    ),
    b!(
        Ctx::Pane(Pane::Viewer),
        [code(K::Enter), ch('t')],
        C::Coding(CodingCmd::TagSelection),
        "tag the selection with one or more themes and a memo",
        true
    ),
    b!(
        Ctx::Pane(Pane::Viewer),
        [code(K::Esc)],
        C::Coding(CodingCmd::Unselect),
        "drop the selection",
        false
    ),
    b!(
        Ctx::Pane(Pane::Viewer),
        [ch('n')],
        C::Coding(CodingCmd::NextPassage),
        "next tagged passage",
        true
    ),
    b!(
        Ctx::Pane(Pane::Viewer),
        [ch('N')],
        C::Coding(CodingCmd::PrevPassage),
        "previous tagged passage",
        true
    ),
    b!(
        Ctx::Pane(Pane::Viewer),
        [ch('m')],
        C::Coding(CodingCmd::Memo),
        "write the memo of the passage under the cursor",
        true
    ),
    b!(
        Ctx::Pane(Pane::Viewer),
        [ch('x')],
        C::Coding(CodingCmd::RemovePassage),
        "remove the passage's tags (asks to confirm)",
        false
    ),
    b!(
        Ctx::Pane(Pane::Viewer),
        [ch('S')],
        C::Coding(CodingCmd::Split),
        "split: move the passage's tag onto a new theme beside its theme",
        false
    ),
    b!(
        Ctx::Pane(Pane::Viewer),
        [ch('a')],
        C::Coding(CodingCmd::AcceptPassage),
        "accept a changed passage (after a re-import) at its new text (asks to confirm)",
        false
    ),
];

/// The Matrix pane.
pub static MATRIX: &[Binding] = &[
    // Matrix
    b!(
        Ctx::Pane(Pane::Matrix),
        [ch('/')],
        C::Search,
        "search: jump to a case (export code or site)",
        false
    ),
    b!(
        Ctx::Pane(Pane::Matrix),
        [code(K::Left), ch('h')],
        C::Coding(CodingCmd::Left),
        "previous theme",
        false
    ),
    b!(
        Ctx::Pane(Pane::Matrix),
        [code(K::Right), ch('l')],
        C::Coding(CodingCmd::Right),
        "next theme",
        false
    ),
    b!(
        Ctx::Pane(Pane::Matrix),
        [code(K::Enter)],
        C::Coding(CodingCmd::CellPassages),
        "show or hide the passages behind the cell",
        true
    ),
    b!(
        Ctx::Pane(Pane::Matrix),
        [ch('e')],
        C::Coding(CodingCmd::EditSummary),
        "write the cell's summary",
        true
    ),
    b!(
        Ctx::Pane(Pane::Matrix),
        [ch('o')],
        C::Coding(CodingCmd::OpenPassage),
        "open the cell's first passage in the Viewer",
        true
    ),
    b!(
        Ctx::Pane(Pane::Matrix),
        [ch('p')],
        C::Coding(CodingCmd::Phase),
        "phase: all (baseline and follow-up side by side), 1, 2 (cycles)",
        true
    ),
];

/// The Analysis pane.
pub static ANALYSIS: &[Binding] = &[
    // Analysis
    b!(
        Ctx::Pane(Pane::Analysis),
        [ch('v')],
        C::Coding(CodingCmd::NextView),
        "view: saturation, theme frequency, co-occurrence (cycles)",
        true
    ),
    b!(
        Ctx::Pane(Pane::Analysis),
        [ch('r')],
        C::Coding(CodingCmd::Rule),
        "change the stopping rule (base size, run length, threshold)",
        true
    ),
    b!(
        Ctx::Pane(Pane::Analysis),
        [ch('p')],
        C::Coding(CodingCmd::Phase),
        "saturation within one phase or all (cycles)",
        false
    ),
];
