//! Commands (`Cmd`), key contexts and the `Binding` type, with the `b!` macro the panes'
//! key tables are written with (`keymap` assembles the tables).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::pane::Pane;
use crate::tui::panes::agreement::state::AgreementCmd;
use crate::tui::panes::coding::state::CodingCmd;
use crate::tui::panes::data::state::DataCmd;

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
    /// Delete the selected participant or session, created by mistake (asks first).
    Delete,
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
    /// Themes: filter the quotes by site, phase, role category.
    QuoteSite,
    QuotePhase,
    QuoteCategory,
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

pub const fn ch(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: false,
    }
}
pub const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}
pub const fn code(c: KeyCode) -> Key {
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

    pub fn matches(&self, ev: &KeyEvent) -> bool {
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
pub(crate) use b;
