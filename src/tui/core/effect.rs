//! What `update` asks the loop to do, the slow loads, the forms, the actions.

use ratatui::crossterm::event::{KeyEvent, MouseEvent};

use super::pane::*;
use super::write::*;
use crate::domain::Answer;
use crate::service::{FieldChange, Version};
use crate::tui::core::keys::Cmd;
use crate::tui::widgets::form::Form;

/// What the loop does for `update`.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum Effect {
    /// Load a pane's list window (and its detail).
    Load(Pane),
    /// Load the detail of the selection.
    Detail(Pane),
    Write(Write),
    /// Complete the path in the focused form field.
    CompletePath,
    /// Select the record with this id in a pane.
    Locate {
        pane: Pane,
        id: String,
    },
    /// Of the analysis panes (`coding`).
    Coding(crate::tui::panes::coding::state::CodingEffect),
    /// Of the Redaction and Export panes (`data`).
    Data(crate::tui::panes::data::state::DataEffect),
    /// Of the sync Conflicts view (`sync_view`).
    Sync(crate::tui::panes::conflicts::state::SyncEffect),
    Quit,
}

/// Loads that can take longer than a frame. `update` and the effects queue them
/// (`State::queue`); the event loop hands them to the load worker (`super::worker`), which
/// computes them on its own read-only connection while keys keep being handled, and the
/// answer is applied only if no newer request for the same slot was made since
/// (`State::begin`, `State::accept`). Tests and benchmarks run them inline
/// (`effects::finish`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slow {
    ConsentProblems,
    Coverage,
    /// The detail panel of a freshly loaded list.
    Detail(Pane),
    /// A list whose search changed: back to its first row, reloaded.
    Reload(Pane),
    /// A list's window at its selection (entering the pane, paging past the rows loaded).
    Page(Pane),
    /// Find the record `State::locating` in a list, select it, then load the window there.
    Locate(Pane),
    /// Find the first row matching `State::find` in a list, select it, load the window.
    Find(Pane),
    /// The Search pane's query or filters changed.
    Search,
    /// The ranked hits of a query whose first answer was its first hits in text order.
    SearchRanked,
    /// Saturation, frequency and co-occurrence (read every tag).
    Analysis,
    /// The Redaction pane's suspects, the Export pane's preview (`data_io::slow`).
    Data(Pane),
    /// The framework matrix (every case × every active theme).
    Matrix,
    /// The Redaction pane's register of identifiers and its log.
    Register,
    /// The Agreement pane's comparison of two coders.
    Agreement,
    /// The transcript the Viewer opens (`coding::Opening`), with its privacy masks.
    Viewer,
}

impl Slow {
    /// The slot a request fills: a newer request for the same slot supersedes an older one.
    /// The ranked hits of a query share the search's slot, so typing on drops them.
    pub fn slot(self) -> Slow {
        match self {
            Slow::SearchRanked => Slow::Search,
            // A reload and a window of the same list: the newer one's rows are shown.
            Slow::Reload(p) | Slow::Locate(p) | Slow::Find(p) => Slow::Page(p),
            other => other,
        }
    }

    /// The pane that shows the answer (it says it is working meanwhile).
    pub fn pane(self) -> Pane {
        match self {
            Slow::ConsentProblems => Pane::Consent,
            Slow::Coverage => Pane::Coverage,
            Slow::Detail(p)
            | Slow::Reload(p)
            | Slow::Page(p)
            | Slow::Locate(p)
            | Slow::Find(p)
            | Slow::Data(p) => p,
            Slow::Search | Slow::SearchRanked => Pane::Search,
            Slow::Analysis => Pane::Analysis,
            Slow::Matrix => Pane::Matrix,
            Slow::Register => Pane::Redaction,
            Slow::Agreement => Pane::Agreement,
            Slow::Viewer => Pane::Viewer,
        }
    }
}

/// What changed underneath an open form, as the service reported it.
#[derive(Debug, Clone)]
pub struct Conflict {
    /// The record, as the service names it (`participant PN7XE`).
    pub what: String,
    /// Each changed field: its value when the form was opened and now (theirs).
    pub changes: Vec<FieldChange>,
}

/// The version a form was opened on, for the service.
pub fn version_of(f: &Form) -> Version {
    Version::new(f.opened.iter().map(|(k, v)| (*k, v.clone())))
}

/// Whether the user changed a field of the form since it was opened.
pub fn edited(f: &Form, key: &str) -> bool {
    f.opened_value(key).is_some_and(|o| o != f.get(key))
}

/// Which form is open, with the ids it acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormKind {
    AddParticipant,
    EditParticipant {
        id: String,
    },
    Status {
        id: String,
    },
    Consent {
        pid: String,
    },
    Withdraw {
        pid: String,
    },
    Interview,
    Complete {
        sid: String,
    },
    Observation,
    Link {
        sid: String,
    },
    AddTheme,
    RenameTheme {
        id: String,
    },
    MergeTheme {
        id: String,
    },
    TagPassage {
        session: String,
        start: usize,
        end: usize,
    },
    PassageMemo {
        ids: Vec<String>,
    },
    Summary {
        participant: String,
        theme: String,
        phase: u32,
    },
    /// The saturation stopping rule (changes the view, writes nothing).
    Rule,
    /// Split a passage's tag off onto a new theme.
    Split,
    /// A form of the Redaction or Export panes.
    Data(crate::tui::panes::data::state::DataForm),
}

#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    Cmd(Cmd),
    /// Typed text for a form field or the search.
    Text(char),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// Text pasted with bracketed paste: never keystrokes (see `paste`).
    Paste(String),
}

/// A form choice of each value.
pub fn opts<T: Copy + std::fmt::Display>(all: &[T]) -> Vec<(String, String)> {
    all.iter().map(|v| (v.to_string(), v.to_string())).collect()
}

/// The choices with a first one that leaves the field unset.
pub fn with_unset(mut v: Vec<(String, String)>, label: &str) -> Vec<(String, String)> {
    v.insert(0, (String::new(), label.to_string()));
    v
}

/// A yes/no/unset form field as an answer.
pub fn answer(f: &Form, key: &str) -> Option<Answer> {
    f.get(key).parse().ok()
}
