//! The one list of keys: it handles key presses, and builds the help overlay, the hint bar
//! and `docs/tui.md`, so none of them can drift from what the keys do.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::agreement::AgreementCmd;
use super::app::Pane;
use super::coding::CodingCmd;
use super::data::DataCmd;
use crate::service::agreement::Settle;

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctx {
    /// Everywhere outside forms, dialogs and search.
    Global,
    /// Every pane with a list.
    List,
    /// One pane.
    Pane(Pane),
    /// An open form.
    Form,
    /// A confirm dialog.
    Confirm,
    /// The record changed underneath an open form.
    Conflict,
    /// Typing a search.
    Search,
    /// The help overlay.
    Help,
    /// The message log overlay.
    Log,
}

impl Ctx {
    pub fn title(self) -> String {
        match self {
            Ctx::Global => "Everywhere".into(),
            Ctx::List => "Lists".into(),
            Ctx::Pane(p) => format!("{} pane", p.title()),
            Ctx::Form => "Forms".into(),
            Ctx::Confirm => "Confirm dialog".into(),
            Ctx::Conflict => "Changed underneath a form".into(),
            Ctx::Search => "Search".into(),
            Ctx::Help => "Help".into(),
            Ctx::Log => "Message log".into(),
        }
    }
}

/// What a key asks for; `update` turns it into state changes and effects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Quit,
    Help,
    /// The message log: recent messages, errors first.
    Log,
    NextPane,
    PrevPane,
    Go(Pane),
    TogglePrivacy,
    /// The sync Conflicts view (`tui::sync_view`).
    OpenConflicts,
    Undo,
    /// Redo the last edit undone.
    Redo,
    Refresh,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    Search,
    FilterSite,
    FilterCategory,
    FilterStatus,
    FilterPhase,
    FilterKind,
    FilterSessionStatus,
    ToggleOrder,
    ClearFilters,
    AddParticipant,
    EditParticipant,
    ChangeStatus,
    RecordConsent,
    Withdraw,
    LogInterview,
    ScheduleInterview,
    CompleteInterview,
    LogObservation,
    LinkTranscript,
    Verify,
    Relink,
    AddTheme,
    RenameTheme,
    MergeTheme,
    RetireTheme,
    MarkTheme,
    TagSession,
    ShowAllThemes,
    Jump,
    /// The Coverage panel that ↑/↓ move.
    CoverageFocus,
    FormNext,
    FormPrev,
    FormLeft,
    FormRight,
    FormSubmit,
    FormBackspace,
    FormClear,
    Cancel,
    Yes,
    No,
    /// Save the form's values over the record's new ones.
    Overwrite,
    /// Take the record's new values into the form.
    Reload,
    SearchAccept,
    SearchBackspace,
    /// Search, Viewer, Matrix, Analysis, quotes and imports (`coding`).
    Coding(CodingCmd),
    /// Redaction and Export (`data`).
    Data(DataCmd),
    /// The Agreement pane (`agreement`).
    Agreement(AgreementCmd),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn ch(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: false,
    }
}
const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}
const fn code(c: KeyCode) -> Key {
    Key {
        code: c,
        ctrl: false,
    }
}

impl Key {
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.ctrl {
            format!("Ctrl-{base}")
        } else {
            base
        }
    }

    fn matches(&self, ev: &KeyEvent) -> bool {
        let ev_ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        if ev_ctrl != self.ctrl {
            return false;
        }
        match (self.code, ev.code) {
            // Shift is already in the character.
            (KeyCode::Char(a), KeyCode::Char(b)) => a == b,
            (a, b) => a == b,
        }
    }
}

pub struct Binding {
    pub ctx: Ctx,
    pub keys: &'static [Key],
    pub cmd: Cmd,
    pub help: &'static str,
    /// Shown in the hint bar.
    pub hint: bool,
}

macro_rules! b {
    ($ctx:expr, [$($k:expr),+], $cmd:expr, $help:literal, $hint:literal) => {
        Binding { ctx: $ctx, keys: &[$($k),+], cmd: $cmd, help: $help, hint: $hint }
    };
}

use Cmd as C;
use KeyCode as K;

/// Every key the interface knows, in the order the help shows them.
pub static BINDINGS: &[Binding] = &[
    b!(Ctx::Global, [ch('q'), ctrl('c')], C::Quit, "quit", true),
    b!(
        Ctx::Global,
        [ch('?')],
        C::Help,
        "help: the keys that work here",
        true
    ),
    b!(
        Ctx::Global,
        [ch('L')],
        C::Log,
        "message log: the recent messages, errors first, each in full",
        true
    ),
    b!(Ctx::Global, [code(K::Tab)], C::NextPane, "next pane", false),
    b!(
        Ctx::Global,
        [code(K::BackTab)],
        C::PrevPane,
        "previous pane",
        false
    ),
    b!(
        Ctx::Global,
        [ch('1')],
        C::Go(Pane::Participants),
        "Participants pane",
        false
    ),
    b!(
        Ctx::Global,
        [ch('2')],
        C::Go(Pane::Consent),
        "Consent pane",
        false
    ),
    b!(
        Ctx::Global,
        [ch('3')],
        C::Go(Pane::Sessions),
        "Sessions pane",
        false
    ),
    b!(
        Ctx::Global,
        [ch('4')],
        C::Go(Pane::Transcripts),
        "Transcripts pane",
        false
    ),
    b!(
        Ctx::Global,
        [ch('5')],
        C::Go(Pane::Themes),
        "Themes pane",
        false
    ),
    b!(
        Ctx::Global,
        [ch('6')],
        C::Go(Pane::Coverage),
        "Coverage pane",
        false
    ),
    b!(
        Ctx::Global,
        [ch('7')],
        C::Go(Pane::Search),
        "Search pane",
        false
    ),
    b!(
        Ctx::Global,
        [ch('8')],
        C::Go(Pane::Viewer),
        "Viewer pane: the open transcript",
        false
    ),
    b!(
        Ctx::Global,
        [ch('9')],
        C::Go(Pane::Matrix),
        "Matrix pane",
        false
    ),
    b!(
        Ctx::Global,
        [ch('0')],
        C::Go(Pane::Analysis),
        "Analysis pane: saturation, frequency, co-occurrence",
        false
    ),
    b!(
        Ctx::Global,
        [ch('D')],
        C::Go(Pane::Redaction),
        "Redaction pane: identifier register and suspects",
        false
    ),
    b!(
        Ctx::Global,
        [ch('E')],
        C::Go(Pane::Export),
        "Export pane",
        false
    ),
    b!(
        Ctx::Global,
        [ch('K')],
        C::Go(Pane::Agreement),
        "Agreement pane: inter-coder agreement by theme, disagreements, settling",
        false
    ),
    b!(
        Ctx::Global,
        [ch('Y')],
        C::OpenConflicts,
        "Sync conflicts: changes from other laptops that clash, both versions side by side",
        false
    ),
    b!(
        Ctx::Global,
        [ch('P')],
        C::TogglePrivacy,
        "privacy mode: mask names, emails, organisations, notes, paths",
        true
    ),
    b!(
        Ctx::Global,
        [ch('u'), ctrl('z')],
        C::Undo,
        "undo the last edit (again: the one before, many levels)",
        true
    ),
    b!(
        Ctx::Global,
        [ch('U'), ctrl('y')],
        C::Redo,
        "redo the last edit undone",
        false
    ),
    b!(
        Ctx::Global,
        [code(K::F(5)), ctrl('r')],
        C::Refresh,
        "reload from the database",
        false
    ),
    b!(Ctx::List, [code(K::Up), ch('k')], C::Up, "move up", false),
    b!(
        Ctx::List,
        [code(K::Down), ch('j')],
        C::Down,
        "move down",
        false
    ),
    b!(Ctx::List, [code(K::PageUp)], C::PageUp, "page up", false),
    b!(
        Ctx::List,
        [code(K::PageDown)],
        C::PageDown,
        "page down",
        false
    ),
    b!(
        Ctx::List,
        [code(K::Home), ch('g')],
        C::Home,
        "first row",
        false
    ),
    b!(
        Ctx::List,
        [code(K::End), ch('G')],
        C::End,
        "last row",
        false
    ),
    // Participants
    b!(
        Ctx::Pane(Pane::Participants),
        [ch('/')],
        C::Search,
        "search (name, code, organisation, job title) as you type",
        true
    ),
    b!(
        Ctx::Pane(Pane::Participants),
        [ch('s')],
        C::FilterSite,
        "filter by site (cycles)",
        true
    ),
    b!(
        Ctx::Pane(Pane::Participants),
        [ch('c')],
        C::FilterCategory,
        "filter by role category (cycles)",
        false
    ),
    b!(
        Ctx::Pane(Pane::Participants),
        [ch('f')],
        C::FilterStatus,
        "filter by recruitment status (cycles)",
        false
    ),
    b!(
        Ctx::Pane(Pane::Participants),
        [ch('p')],
        C::FilterPhase,
        "filter by phase interviewed (cycles)",
        false
    ),
    b!(
        Ctx::Pane(Pane::Participants),
        [ch('x')],
        C::ClearFilters,
        "clear filters and search",
        false
    ),
    b!(
        Ctx::Pane(Pane::Participants),
        [ch('a')],
        C::AddParticipant,
        "add a participant",
        true
    ),
    b!(
        Ctx::Pane(Pane::Participants),
        [ch('e')],
        C::EditParticipant,
        "edit the participant",
        true
    ),
    b!(
        Ctx::Pane(Pane::Participants),
        [ch('t')],
        C::ChangeStatus,
        "change recruitment status",
        true
    ),
    b!(
        Ctx::Pane(Pane::Participants),
        [ch('r')],
        C::RecordConsent,
        "record consent for the participant",
        false
    ),
    b!(
        Ctx::Pane(Pane::Participants),
        [ch('i')],
        C::LogInterview,
        "log an interview with the participant",
        false
    ),
    // Consent
    b!(
        Ctx::Pane(Pane::Consent),
        [ch('/')],
        C::Search,
        "search as you type",
        false
    ),
    b!(
        Ctx::Pane(Pane::Consent),
        [ch('s')],
        C::FilterSite,
        "filter by site (cycles)",
        false
    ),
    b!(
        Ctx::Pane(Pane::Consent),
        [ch('x')],
        C::ClearFilters,
        "clear filters and search",
        false
    ),
    b!(
        Ctx::Pane(Pane::Consent),
        [ch('r')],
        C::RecordConsent,
        "record a consent form",
        true
    ),
    b!(
        Ctx::Pane(Pane::Consent),
        [ch('w')],
        C::Withdraw,
        "record a withdrawal (asks to confirm)",
        true
    ),
    // Sessions
    b!(
        Ctx::Pane(Pane::Sessions),
        [ch('/')],
        C::Search,
        "search: jump to the first session matching (date, code, site, kind, status, title)",
        true
    ),
    b!(
        Ctx::Pane(Pane::Sessions),
        [ch('p')],
        C::FilterPhase,
        "filter by phase (cycles)",
        false
    ),
    b!(
        Ctx::Pane(Pane::Sessions),
        [ch('s')],
        C::FilterSite,
        "filter by site (cycles)",
        false
    ),
    b!(
        Ctx::Pane(Pane::Sessions),
        [ch('f')],
        C::FilterKind,
        "filter by kind: interview, observation, document",
        false
    ),
    b!(
        Ctx::Pane(Pane::Sessions),
        [ch('v')],
        C::FilterSessionStatus,
        "show upcoming (scheduled), done, cancelled or all",
        true
    ),
    b!(
        Ctx::Pane(Pane::Sessions),
        [ch('o')],
        C::ToggleOrder,
        "oldest or newest first",
        false
    ),
    b!(
        Ctx::Pane(Pane::Sessions),
        [ch('x')],
        C::ClearFilters,
        "clear filters",
        false
    ),
    b!(
        Ctx::Pane(Pane::Sessions),
        [ch('i')],
        C::LogInterview,
        "log an interview that took place",
        true
    ),
    b!(
        Ctx::Pane(Pane::Sessions),
        [ch('n')],
        C::ScheduleInterview,
        "schedule an interview",
        true
    ),
    b!(
        Ctx::Pane(Pane::Sessions),
        [ch('d')],
        C::CompleteInterview,
        "mark the scheduled interview done or cancelled (asks first if it is not scheduled; cancelling asks)",
        false
    ),
    b!(
        Ctx::Pane(Pane::Sessions),
        [ch('m')],
        C::LogObservation,
        "log an observed meeting",
        true
    ),
    // Transcripts
    b!(
        Ctx::Pane(Pane::Transcripts),
        [ch('/')],
        C::Search,
        "search: jump to the first interview matching (date, code, site, state, path)",
        false
    ),
    b!(
        Ctx::Pane(Pane::Transcripts),
        [ch('l')],
        C::LinkTranscript,
        "link a transcript file to the interview",
        true
    ),
    b!(
        Ctx::Pane(Pane::Transcripts),
        [ch('v')],
        C::Verify,
        "re-verify every linked file (hashes them)",
        true
    ),
    b!(
        Ctx::Pane(Pane::Transcripts),
        [ch('R')],
        C::Relink,
        "relink moved files found by their hash (asks to confirm)",
        true
    ),
    b!(
        Ctx::Pane(Pane::Transcripts),
        [code(K::Enter)],
        C::Coding(CodingCmd::OpenTranscript),
        "read and tag the imported text in the Viewer",
        true
    ),
    b!(
        Ctx::Pane(Pane::Transcripts),
        [ch('i')],
        C::Coding(CodingCmd::Import),
        "import the linked file's text (re-import keeps tagged passages anchored; a re-import asks to confirm)",
        true
    ),
    b!(
        Ctx::Pane(Pane::Transcripts),
        [ch('I')],
        C::Coding(CodingCmd::ImportAll),
        "import every transcript file under the transcripts root (naming pattern; asks to confirm)",
        false
    ),
    // Themes
    b!(
        Ctx::Pane(Pane::Themes),
        [ch('/')],
        C::Search,
        "search: jump to the first theme whose path matches",
        false
    ),
    b!(
        Ctx::Pane(Pane::Themes),
        [ch(' ')],
        C::MarkTheme,
        "mark or unmark the theme for tagging",
        true
    ),
    b!(
        Ctx::Pane(Pane::Themes),
        [ch('t')],
        C::TagSession,
        "tag the session selected in Sessions with the marked themes",
        true
    ),
    b!(
        Ctx::Pane(Pane::Themes),
        [ch('a')],
        C::AddTheme,
        "add a theme",
        true
    ),
    b!(
        Ctx::Pane(Pane::Themes),
        [ch('r')],
        C::RenameTheme,
        "rename the theme",
        false
    ),
    b!(
        Ctx::Pane(Pane::Themes),
        [ch('M')],
        C::MergeTheme,
        "merge the theme into another (asks to confirm)",
        false
    ),
    b!(
        Ctx::Pane(Pane::Themes),
        [ch('X')],
        C::RetireTheme,
        "retire the theme (asks to confirm)",
        false
    ),
    b!(
        Ctx::Pane(Pane::Themes),
        [ch('A')],
        C::ShowAllThemes,
        "show or hide retired and merged themes",
        false
    ),
    b!(
        Ctx::Pane(Pane::Themes),
        [ch('s')],
        C::Coding(CodingCmd::QuoteSite),
        "quotes: filter by site (cycles)",
        false
    ),
    b!(
        Ctx::Pane(Pane::Themes),
        [ch('p')],
        C::Coding(CodingCmd::QuotePhase),
        "quotes: filter by phase (cycles)",
        false
    ),
    b!(
        Ctx::Pane(Pane::Themes),
        [ch('c')],
        C::Coding(CodingCmd::QuoteCategory),
        "quotes: filter by role category (cycles)",
        false
    ),
    // Coverage
    b!(
        Ctx::Pane(Pane::Coverage),
        [code(K::Enter)],
        C::Jump,
        "go to the record the selected gap is about",
        true
    ),
    b!(
        Ctx::Pane(Pane::Coverage),
        [ch('f')],
        C::CoverageFocus,
        "focus the next panel: ↑/↓, PgUp/PgDn scroll it (the gaps: move the selection)",
        true
    ),
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
        "allow at once: one key, no form; the next suspect is selected",
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
    // Forms
    b!(
        Ctx::Form,
        [code(K::Tab), code(K::Down)],
        C::FormNext,
        "next field",
        true
    ),
    b!(
        Ctx::Form,
        [code(K::BackTab), code(K::Up)],
        C::FormPrev,
        "previous field",
        false
    ),
    b!(
        Ctx::Form,
        [code(K::Left)],
        C::FormLeft,
        "previous choice; date one day earlier",
        true
    ),
    b!(
        Ctx::Form,
        [code(K::Right)],
        C::FormRight,
        "next choice; date one day later (empty: today); complete a path",
        true
    ),
    b!(
        Ctx::Form,
        [code(K::Backspace)],
        C::FormBackspace,
        "delete a character",
        false
    ),
    b!(
        Ctx::Form,
        [ctrl('u')],
        C::FormClear,
        "clear the field",
        false
    ),
    b!(Ctx::Form, [code(K::Enter)], C::FormSubmit, "save", true),
    b!(
        Ctx::Form,
        [code(K::Esc)],
        C::Cancel,
        "cancel: nothing is changed",
        true
    ),
    // Confirm
    b!(Ctx::Confirm, [ch('y')], C::Yes, "yes, do it", true),
    b!(
        Ctx::Confirm,
        [ch('n'), code(K::Esc)],
        C::No,
        "no, change nothing",
        true
    ),
    // Changed underneath a form
    b!(
        Ctx::Conflict,
        [ch('o')],
        C::Overwrite,
        "overwrite with mine",
        true
    ),
    b!(
        Ctx::Conflict,
        [ch('r')],
        C::Reload,
        "reload theirs into the form",
        true
    ),
    b!(
        Ctx::Conflict,
        [ch('c'), code(K::Esc)],
        C::Cancel,
        "cancel: change nothing",
        true
    ),
    // Search
    b!(
        Ctx::Search,
        [code(K::Enter)],
        C::SearchAccept,
        "keep the search and go back to the list",
        true
    ),
    b!(
        Ctx::Search,
        [code(K::Esc)],
        C::Cancel,
        "clear the search",
        true
    ),
    b!(
        Ctx::Search,
        [code(K::Backspace)],
        C::SearchBackspace,
        "delete a character",
        false
    ),
    // Help
    b!(
        Ctx::Help,
        [code(K::Esc), ch('?'), ch('q')],
        C::Cancel,
        "close help (q only while no filter is typed)",
        true
    ),
    b!(
        Ctx::Help,
        [code(K::Down), code(K::PageDown)],
        C::Down,
        "scroll down (when the keys do not fit)",
        false
    ),
    b!(Ctx::Help, [code(K::Up), code(K::PageUp)], C::Up, "scroll up", false),
    b!(
        Ctx::Help,
        [code(K::Backspace)],
        C::SearchBackspace,
        "delete a character of the filter (type to filter the keys)",
        true
    ),
    // Message log
    b!(
        Ctx::Log,
        [code(K::Esc), ch('L'), ch('q')],
        C::Cancel,
        "close the message log",
        true
    ),
    b!(Ctx::Log, [code(K::Up), ch('k')], C::Up, "scroll up", true),
    b!(Ctx::Log, [code(K::Down), ch('j')], C::Down, "scroll down", true),
];

/// The contexts a key is looked up in, most specific first.
pub fn contexts(mode: super::app::Mode, pane: Pane) -> Vec<Ctx> {
    use super::app::Mode;
    match mode {
        Mode::Help => vec![Ctx::Help],
        Mode::Log => vec![Ctx::Log],
        Mode::Confirm => vec![Ctx::Confirm],
        Mode::Conflict => vec![Ctx::Conflict],
        Mode::Form => vec![Ctx::Form],
        Mode::Search => vec![Ctx::Search],
        Mode::Normal => vec![Ctx::Pane(pane), Ctx::List, Ctx::Global],
    }
}

/// The command bound to a key in a mode, if any.
pub fn lookup(mode: super::app::Mode, pane: Pane, ev: &KeyEvent) -> Option<Cmd> {
    for ctx in contexts(mode, pane) {
        for b in BINDINGS.iter().filter(|b| b.ctx == ctx) {
            if b.keys.iter().any(|k| k.matches(ev)) {
                return Some(b.cmd);
            }
        }
    }
    None
}

pub fn keys_label(b: &Binding) -> String {
    b.keys.iter().map(Key::label).collect::<Vec<_>>().join("/")
}

/// (keys, help) for the hint bar of a mode.
pub fn hints(mode: super::app::Mode, pane: Pane) -> Vec<(String, &'static str)> {
    contexts(mode, pane)
        .into_iter()
        .flat_map(|ctx| BINDINGS.iter().filter(move |b| b.ctx == ctx && b.hint))
        .map(|b| (keys_label(b), short(b.help)))
        .collect()
}

/// The first words of a help text, for the hint bar.
fn short(help: &'static str) -> &'static str {
    let end = help.find([':', '(', ';']).unwrap_or(help.len());
    help[..end].trim_end()
}

/// Every context in help order.
pub fn all_contexts() -> Vec<Ctx> {
    let mut out: Vec<Ctx> = Vec::new();
    for b in BINDINGS {
        if !out.contains(&b.ctx) {
            out.push(b.ctx);
        }
    }
    out
}

/// The keys section of `docs/tui.md`.
pub fn markdown() -> String {
    let mut s = String::new();
    for ctx in all_contexts() {
        s.push_str(&format!(
            "### {}\n\n| keys | does |\n|---|---|\n",
            ctx.title()
        ));
        for b in BINDINGS.iter().filter(|b| b.ctx == ctx) {
            let keys = keys_label(b).replace('|', "\\|");
            s.push_str(&format!("| `{}` | {} |\n", keys, b.help));
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::app::Mode;
    use ratatui::crossterm::event::KeyEventKind;

    fn key(c: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new_with_kind(c, m, KeyEventKind::Press)
    }

    #[test]
    fn no_key_is_bound_twice_in_the_same_lookup() {
        for pane in Pane::ALL {
            for mode in [
                Mode::Normal,
                Mode::Form,
                Mode::Confirm,
                Mode::Conflict,
                Mode::Search,
                Mode::Help,
            ] {
                let ctxs = contexts(mode, *pane);
                let mut seen: Vec<(Key, Ctx)> = Vec::new();
                for ctx in &ctxs {
                    for b in BINDINGS.iter().filter(|b| b.ctx == *ctx) {
                        for k in b.keys {
                            if let Some((_, c)) = seen.iter().find(|(s, _)| s == k) {
                                // A pane may shadow a list/global key only if it's in a
                                // different context: same context twice is a bug.
                                assert_ne!(c, ctx, "{} bound twice in {:?}", k.label(), ctx);
                            }
                            seen.push((*k, *ctx));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn shift_letters_and_ctrl_are_distinct() {
        let p = lookup(
            Mode::Normal,
            Pane::Transcripts,
            &key(KeyCode::Char('R'), KeyModifiers::SHIFT),
        );
        assert_eq!(p, Some(Cmd::Relink));
        let q = lookup(
            Mode::Normal,
            Pane::Coverage,
            &key(KeyCode::Char('c'), KeyModifiers::CONTROL),
        );
        assert_eq!(q, Some(Cmd::Quit));
        let r = lookup(
            Mode::Normal,
            Pane::Coverage,
            &key(KeyCode::Char('r'), KeyModifiers::NONE),
        );
        assert_eq!(r, None);
    }

    #[test]
    fn k_means_up_in_every_list_and_kind_moved_to_shift_k() {
        // `k` is "up" in every list, Sessions included; its kind filter is `K`.
        for pane in [Pane::Sessions, Pane::Participants, Pane::Transcripts] {
            let k = lookup(
                Mode::Normal,
                pane,
                &key(KeyCode::Char('k'), KeyModifiers::NONE),
            );
            assert_eq!(k, Some(Cmd::Up), "{pane:?}");
        }
        let k = lookup(
            Mode::Normal,
            Pane::Sessions,
            &key(KeyCode::Char('f'), KeyModifiers::NONE),
        );
        assert_eq!(k, Some(Cmd::FilterKind));
        let k = lookup(
            Mode::Normal,
            Pane::Participants,
            &key(KeyCode::Char('k'), KeyModifiers::NONE),
        );
        assert_eq!(k, Some(Cmd::Up));
    }

    #[test]
    fn hints_come_from_bindings() {
        let h = hints(Mode::Form, Pane::Participants);
        assert!(h.iter().any(|(k, t)| k == "Enter" && *t == "save"));
    }
}
