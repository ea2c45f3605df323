//! The state of the interface and `update`, which turns an action into state changes and
//! at most one effect for the loop to carry out. Pure: no IO, no terminal.

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind,
};
use time::Date;

use super::keymap::{self, Cmd};
use super::theme::Theme;
use super::widgets::form::{Field, Form};
use crate::domain::{
    format_date, Answer, ConsentMode, ConsentRecord, InterviewMode, Participant, ParticipantFilter,
    ParticipantInput, RecordingStatus, Session, SessionFilter, SessionKind, SessionStatus, Status,
    Tag, Theme as CodeTheme, ThemeStatus, TranscriptionStatus, Withdrawal, WithdrawalScope,
};
use crate::service::consent::{ConsentInput, ConsentRow};
use crate::service::coverage::Coverage;
use crate::service::participants::ParticipantDetail;
use crate::service::sessions::{InterviewInput, ObservationInput};
use crate::service::transcripts::TranscriptRow;
use crate::service::{FieldChange, Reference, Version};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Participants,
    Consent,
    Sessions,
    Transcripts,
    Themes,
    Coverage,
    Search,
    Viewer,
    Matrix,
    Analysis,
    Redaction,
    Export,
    Agreement,
}

/// How many panes there are.
pub const PANES: usize = Pane::ALL.len();

impl Pane {
    pub const ALL: &'static [Pane] = &[
        Pane::Participants,
        Pane::Consent,
        Pane::Sessions,
        Pane::Transcripts,
        Pane::Themes,
        Pane::Coverage,
        Pane::Search,
        Pane::Viewer,
        Pane::Matrix,
        Pane::Analysis,
        Pane::Redaction,
        Pane::Export,
        Pane::Agreement,
    ];
    /// The key that shows the pane (also its label in the tab bar).
    pub fn key(self) -> char {
        match self {
            Pane::Participants => '1',
            Pane::Consent => '2',
            Pane::Sessions => '3',
            Pane::Transcripts => '4',
            Pane::Themes => '5',
            Pane::Coverage => '6',
            Pane::Search => '7',
            Pane::Viewer => '8',
            Pane::Matrix => '9',
            Pane::Analysis => '0',
            Pane::Redaction => 'D',
            Pane::Export => 'E',
            Pane::Agreement => 'K',
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            Pane::Participants => "Participants",
            Pane::Consent => "Consent",
            Pane::Sessions => "Sessions",
            Pane::Transcripts => "Transcripts",
            Pane::Themes => "Themes",
            Pane::Coverage => "Coverage",
            Pane::Search => "Search",
            Pane::Viewer => "Viewer",
            Pane::Matrix => "Matrix",
            Pane::Analysis => "Analysis",
            Pane::Redaction => "Redaction",
            Pane::Export => "Export",
            Pane::Agreement => "Agreement",
        }
    }
    /// The title abbreviated for a narrow tab bar (3–4 letters, still readable).
    pub fn short(self) -> &'static str {
        match self {
            Pane::Participants => "Part",
            Pane::Consent => "Cons",
            Pane::Sessions => "Sess",
            Pane::Transcripts => "Trns",
            Pane::Themes => "Thms",
            Pane::Coverage => "Cov",
            Pane::Search => "Srch",
            Pane::Viewer => "View",
            Pane::Matrix => "Mtx",
            Pane::Analysis => "Anl",
            Pane::Redaction => "Red",
            Pane::Export => "Exp",
            Pane::Agreement => "Agr",
        }
    }
    /// The shortest readable abbreviation: the first 3 letters of `short`.
    pub fn tiny(self) -> &'static str {
        let s = self.short();
        &s[..3.min(s.len())]
    }
    /// Two letters, for 80 columns with every pane and the privacy badge.
    pub fn micro(self) -> &'static str {
        let s = self.short();
        &s[..2.min(s.len())]
    }
    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
    fn offset(self, d: isize) -> Pane {
        let n = Pane::ALL.len() as isize;
        Pane::ALL[(self.index() as isize + d).rem_euclid(n) as usize]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Search,
    Form,
    Confirm,
    /// The record an open form edits changed underneath it: overwrite, reload or cancel.
    Conflict,
    Help,
    /// The message log overlay (`L`).
    Log,
}

/// The Coverage pane's panels, in the order `f` moves through them; the last (the gaps)
/// is a list whose selection `Enter` acts on, the others scroll.
pub const COVERAGE_PANELS: [&str; 6] = [
    "targets",
    "role categories",
    "observations",
    "fieldworkers",
    "follow-up",
    "gaps",
];

/// How many messages the log keeps.
pub const LOG_MAX: usize = 200;

/// Rows loaded before the first frame tells the lists how tall a page is.
pub const WINDOW: usize = 100;

/// A window onto a long list: only `rows` (starting at `offset`) are in memory. Lists
/// scroll by whole pages; the loaded window is two pages, so moving within them needs no
/// query.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    pub rows: Vec<T>,
    pub offset: usize,
    pub total: usize,
    pub selected: usize,
    /// Rows per page, as last drawn (0 before the first frame).
    pub page: std::cell::Cell<usize>,
}

impl<T> Default for Paged<T> {
    fn default() -> Self {
        Paged {
            rows: Vec::new(),
            offset: 0,
            total: 0,
            selected: 0,
            page: std::cell::Cell::new(0),
        }
    }
}

impl<T> Paged<T> {
    pub fn get(&self, i: usize) -> Option<&T> {
        i.checked_sub(self.offset).and_then(|j| self.rows.get(j))
    }
    pub fn current(&self) -> Option<&T> {
        self.get(self.selected)
    }
    /// Empty the list and select row `selected`; the page size learnt from the last frame
    /// is kept, so the reload asks for the right window.
    pub fn restart_at(&mut self, selected: usize) {
        let page = self.page.get();
        *self = Paged::at(selected);
        self.page.set(page);
    }
    /// A list at `selected`, with nothing loaded yet.
    pub fn at(selected: usize) -> Paged<T> {
        Paged {
            selected,
            ..Default::default()
        }
    }
    /// Move the selection; true when the loaded window no longer covers its page.
    pub fn move_to(&mut self, i: usize) -> bool {
        self.selected = if self.total == 0 {
            0
        } else {
            i.min(self.total - 1)
        };
        self.needs_load()
    }
    pub fn move_by(&mut self, d: isize) -> bool {
        let i = if d < 0 {
            self.selected.saturating_sub(d.unsigned_abs())
        } else {
            self.selected.saturating_add(d as usize)
        };
        self.move_to(i)
    }
    fn rows_per_page(&self) -> usize {
        match self.page.get() {
            0 => WINDOW / 2,
            n => n,
        }
    }
    pub fn needs_load(&self) -> bool {
        if self.total == 0 {
            return false;
        }
        let p = self.rows_per_page();
        let top = self.top(p);
        let end = (top + p).min(self.total);
        self.rows.is_empty() || top < self.offset || end > self.offset + self.rows.len()
    }
    /// Where to load from: this page and the next, or, moving up, the one before and this.
    pub fn window_start(&self) -> usize {
        let p = self.rows_per_page();
        let top = self.top(p);
        if top < self.offset {
            top.saturating_sub(p)
        } else {
            top
        }
    }
    /// How many rows to load.
    pub fn window_len(&self) -> usize {
        2 * self.rows_per_page()
    }
    /// First row shown in a body `height` rows tall: whole pages, so it needs no state.
    pub fn top(&self, height: usize) -> usize {
        page_top(self.selected, height)
    }
}

/// The first row of the page of `height` rows that holds row `selected` (lists scroll by
/// whole pages).
pub fn page_top(selected: usize, height: usize) -> usize {
    if height == 0 {
        0
    } else {
        selected - selected % height
    }
}

/// A participant row: the participant and their consent in force today.
#[derive(Debug, Clone)]
pub struct PRow {
    pub p: Participant,
    pub consent: Option<ConsentRow>,
}

/// One line of the consent problems list: the service's (the rule lives there).
pub use crate::service::consent::ConsentProblem as Problem;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub text: String,
    pub error: bool,
}

/// A change to the database: one service call, one transaction.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // one at a time, never stored in bulk
pub enum Write {
    AddParticipant(ParticipantInput),
    EditParticipant {
        id: String,
        /// The fields the user changed (the others `None`).
        input: ParticipantInput,
        /// Their values before, to undo with.
        before: Option<ParticipantInput>,
        /// The version the form was opened on (`None`: no check, as on the command line).
        opened: Option<Version>,
    },
    SetStatus {
        id: String,
        status: Status,
        date: Option<Date>,
        note: Option<String>,
        before: Option<Status>,
    },
    /// Undo a status change: back to the status before, the change's event removed.
    RevertStatus {
        id: String,
        /// The status the change set (refused if it is no longer the status).
        status: Status,
    },
    RecordConsent {
        pid: String,
        input: ConsentInput,
    },
    Withdraw {
        pid: String,
        scope: WithdrawalScope,
        date: Option<Date>,
        reason: Option<String>,
    },
    LogInterview(InterviewInput),
    CompleteInterview {
        sid: String,
        status: SessionStatus,
        date: Option<Date>,
        duration: Option<i64>,
        recording: Option<RecordingStatus>,
        allow_gap: bool,
        /// The interview's status and date when the form was opened.
        opened: Option<Version>,
    },
    LogObservation(ObservationInput),
    LinkTranscript {
        sid: String,
        path: String,
        replace: bool,
    },
    Verify {
        relink: bool,
    },
    AddTheme {
        name: String,
        framework: Option<String>,
        parent: Option<String>,
    },
    RenameTheme {
        id: String,
        name: String,
        before: Option<String>,
        opened: Option<Version>,
    },
    MergeTheme {
        from: String,
        into: String,
    },
    RetireTheme {
        id: String,
    },
    Tag {
        session: String,
        themes: Vec<String>,
    },
    Untag {
        ids: Vec<String>,
    },
    TagPassage {
        session: String,
        start: usize,
        end: usize,
        themes: Vec<String>,
        memo: Option<String>,
    },
    PassageMemo {
        ids: Vec<String>,
        memo: Option<String>,
        opened: Option<Version>,
    },
    AcceptPassages {
        ids: Vec<String>,
    },
    SetSummary {
        participant: String,
        theme: String,
        phase: u32,
        summary: Option<String>,
        opened: Option<Version>,
    },
    ImportTranscript {
        sid: String,
    },
    ImportAll,
    SplitTheme {
        tag: String,
        name: String,
    },
    /// Settle a disagreement between two coders (the Agreement pane).
    Settle {
        key: String,
        coders: (String, String),
        how: crate::service::agreement::Settle,
    },
    /// Blind coding: show the other coders' passages to this coder.
    Reveal,
}

/// One edit that can be undone: what it was (for the status line), the service call that
/// undoes it, and the one that did it (for redo). Both are ordinary service writes, each
/// one transaction, refused like any other when the record changed since.
#[derive(Debug, Clone)]
pub struct Step {
    pub what: String,
    pub inverse: Write,
    pub forward: Write,
}

/// Whether the write in flight undoes or redoes a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    Undo,
    Redo,
}

/// How many edits can be undone.
pub const UNDO_MAX: usize = 100;

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
    Coding(super::coding::CodingEffect),
    /// Of the Redaction and Export panes (`data`).
    Data(super::data::DataEffect),
    /// Of the sync Conflicts view (`sync_view`).
    Sync(super::sync_view::SyncEffect),
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
    Data(super::data::DataForm),
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

#[derive(Debug)]
pub struct State {
    pub pane: Pane,
    pub mode: Mode,
    pub privacy: bool,
    pub theme: Theme,
    pub mouse: bool,
    pub db_path: String,
    pub transcripts_root: String,
    pub reference: Reference,
    pub message: Option<Msg>,
    /// Every message shown this session, oldest first (the last `LOG_MAX`): `L` lists
    /// them, errors first.
    pub log: Vec<Msg>,
    /// The message log overlay's first line (it scrolls).
    pub log_top: usize,
    /// The help overlay's filter (typed while it is open).
    pub help_filter: String,
    /// The help overlay's first line (it scrolls when the keys do not fit).
    pub help_top: usize,
    /// A question whose yes carries out a command (one that opens a form or writes):
    /// `Cmd::Yes` runs it with `confirmed` set.
    pub confirm_cmd: Option<(String, Cmd)>,
    /// The command running was confirmed by the user (it does not ask again).
    pub confirmed: bool,
    /// What to do next after a write (shown in the hint bar until the next key).
    pub next_hint: Option<String>,
    /// The `/` query of the lists that jump to a match (Sessions, Transcripts, Themes,
    /// Matrix).
    pub find: String,
    pub participants: Paged<PRow>,
    pub pfilter: ParticipantFilter,
    pub pdetail: Option<ParticipantDetail>,
    pub consent: Paged<ConsentRow>,
    pub cfilter: ParticipantFilter,
    pub crecords: Option<(Vec<ConsentRecord>, Vec<Withdrawal>)>,
    pub cproblems: Vec<Problem>,
    pub sessions: Paged<Session>,
    pub sfilter: SessionFilter,
    pub newest_first: bool,
    pub transcripts: Paged<TranscriptRow>,
    pub themes: Vec<CodeTheme>,
    pub theme_sel: usize,
    pub show_all_themes: bool,
    pub marked: Vec<String>,
    pub theme_tags: Vec<Tag>,
    pub coverage: Option<Coverage>,
    /// Sessions per fieldworker, phase and site (the Coverage pane's panel).
    pub coverage_fw: Option<crate::service::coverage::ByFieldworker>,
    /// The Coverage panel that ↑/↓ scroll (`f` moves on; `COVERAGE_PANELS` names them).
    pub cov_focus: usize,
    /// Each Coverage panel's first line shown.
    pub cov_scroll: [usize; COVERAGE_PANELS.len()],
    pub gap_sel: usize,
    pub form: Option<(FormKind, Form)>,
    /// The record the open form edits changed underneath it (`Mode::Conflict`).
    pub conflict: Option<Conflict>,
    pub confirm: Option<(String, Write)>,
    /// The edits that can be undone, oldest first (`u` undoes the last, many levels).
    pub undo: Vec<Step>,
    /// The edits undone, which `U` (Ctrl-y) redoes, most recently undone last; a new edit
    /// clears them.
    pub redo: Vec<Step>,
    /// The write in flight undoes or redoes this step.
    pub replaying: Option<(Replay, Step)>,
    /// Slow loads to do after the next frame is drawn, so a key never waits for them.
    pub slow: Vec<Slow>,
    /// The record a `Slow::Locate` looks for.
    pub locating: Option<String>,
    /// Slow loads handed to the worker and not answered yet: (slot, generation).
    pub pending: Vec<(Slow, u64)>,
    /// The stop flag of each slot's newest request: set when it is superseded (a newer
    /// request for its slot, a write), so work that checks it (the suspects) stops early.
    pub cancels: Vec<(Slow, std::sync::Arc<std::sync::atomic::AtomicBool>)>,
    /// The last generation given to a request.
    pub generation: u64,
    /// Advanced by the loop while loads are pending (the working indicator turns).
    pub spin: usize,
    /// The consent problems list must be recomputed.
    pub problems_stale: bool,
    /// Panes whose data must be reloaded before they are shown.
    pub stale: [bool; PANES],
    pub size: (u16, u16),
    /// Search, Viewer, Matrix, Analysis and the quotes in Themes.
    pub coding: super::coding::CodingState,
    /// Redaction and Export.
    pub data: super::data::DataState,
    /// The Agreement pane.
    pub agreement: super::agreement::AgreementView,
    /// The sync Conflicts view, when open (`Y`).
    pub sync_conflicts: Option<super::sync_view::ConflictsView>,
}

impl State {
    pub fn new(
        reference: Reference,
        db_path: String,
        transcripts_root: String,
        privacy: bool,
        colour: bool,
        mouse: bool,
    ) -> State {
        State {
            pane: Pane::Participants,
            mode: Mode::Normal,
            privacy,
            theme: Theme::new(colour),
            mouse,
            db_path,
            transcripts_root,
            reference,
            message: None,
            log: Vec::new(),
            log_top: 0,
            help_filter: String::new(),
            help_top: 0,
            confirm_cmd: None,
            confirmed: false,
            next_hint: None,
            find: String::new(),
            participants: Paged::default(),
            pfilter: ParticipantFilter::default(),
            pdetail: None,
            consent: Paged::default(),
            cfilter: ParticipantFilter::default(),
            crecords: None,
            cproblems: Vec::new(),
            sessions: Paged::default(),
            sfilter: SessionFilter::default(),
            newest_first: true,
            transcripts: Paged::default(),
            themes: Vec::new(),
            theme_sel: 0,
            show_all_themes: false,
            marked: Vec::new(),
            theme_tags: Vec::new(),
            coverage: None,
            coverage_fw: None,
            cov_focus: COVERAGE_PANELS.len() - 1,
            cov_scroll: [0; COVERAGE_PANELS.len()],
            gap_sel: 0,
            form: None,
            conflict: None,
            confirm: None,
            undo: Vec::new(),
            redo: Vec::new(),
            replaying: None,
            slow: Vec::new(),
            locating: None,
            pending: Vec::new(),
            cancels: Vec::new(),
            generation: 0,
            spin: 0,
            problems_stale: true,
            stale: [true; PANES],
            size: (0, 0),
            coding: Default::default(),
            data: Default::default(),
            agreement: Default::default(),
            sync_conflicts: None,
        }
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.say(text.into(), false);
    }
    pub fn error(&mut self, text: impl Into<String>) {
        self.say(text.into(), true);
    }
    fn say(&mut self, text: String, error: bool) {
        let m = Msg { text, error };
        if self.log.len() >= LOG_MAX {
            self.log.remove(0);
        }
        self.log.push(m.clone());
        self.message = Some(m);
    }

    /// The message log as shown: errors first, then the rest; newest first in each.
    pub fn log_lines(&self) -> Vec<&Msg> {
        let mut v: Vec<&Msg> = self.log.iter().rev().filter(|m| m.error).collect();
        v.extend(self.log.iter().rev().filter(|m| !m.error));
        v
    }

    pub fn phase_today(&self) -> String {
        match self.reference.phase_today() {
            Some(p) => format!("phase {} ({})", p.number, p.name),
            None => "outside the phase windows".into(),
        }
    }

    /// The date a new record's form starts on: today when it is inside a phase window;
    /// otherwise inside the current phase window — the last one begun (its end date when
    /// today is past it), or the first one's start before the study begins.
    pub fn default_date(&self) -> Date {
        default_date(&self.reference, crate::domain::today())
    }

    pub fn current_theme(&self) -> Option<&CodeTheme> {
        self.themes.get(self.theme_sel)
    }

    /// The participant the pane's selection is about.
    pub fn selected_participant(&self) -> Option<(String, String)> {
        match self.pane {
            Pane::Consent => self
                .consent
                .current()
                .map(|r| (r.participant_id.clone(), r.code.clone())),
            _ => self
                .participants
                .current()
                .map(|r| (r.p.id.clone(), r.p.code.clone())),
        }
    }

    /// The study's site codes, for filters that cycle through them.
    pub fn site_codes(&self) -> Vec<String> {
        self.reference
            .sites
            .iter()
            .map(|x| x.code.clone())
            .collect()
    }

    /// The study's phase numbers.
    pub fn phase_numbers(&self) -> Vec<u32> {
        self.reference.phases.iter().map(|p| p.number).collect()
    }

    /// The study's role category codes.
    pub fn category_codes(&self) -> Vec<String> {
        self.reference
            .role_categories
            .iter()
            .map(|x| x.code.clone())
            .collect()
    }

    /// The active themes as (id, path) choices.
    pub fn active_theme_options(&self) -> Vec<(String, String)> {
        self.themes
            .iter()
            .filter(|t| t.status == ThemeStatus::Active)
            .map(|t| (t.id.clone(), t.path.clone()))
            .collect()
    }

    /// Queue a slow load for after the frame (once): first in line, or last.
    /// A queued job of the same slot but another kind (the ranked hits of an older query)
    /// is dropped.
    pub fn queue(&mut self, job: Slow, first: bool) {
        self.slow.retain(|j| *j == job || j.slot() != job.slot());
        if !self.slow.contains(&job) {
            if first {
                self.slow.insert(0, job);
            } else {
                self.slow.push(job);
            }
        }
    }

    /// Start a request for `job`: a new generation, which supersedes any request for the
    /// same slot still pending (its answer will be dropped). A new list reload also
    /// supersedes the detail of the old list's selection.
    pub fn begin(&mut self, job: Slow) -> u64 {
        self.supersede(job);
        if let Slow::Reload(p) | Slow::Page(p) | Slow::Locate(p) | Slow::Find(p) = job {
            self.supersede(Slow::Detail(p));
        }
        self.generation += 1;
        self.pending.push((job.slot(), self.generation));
        self.cancels.push((job.slot(), Default::default()));
        self.generation
    }

    /// The stop flag of the newest request for `job`'s slot: set once it is superseded.
    pub fn cancel_flag(&self, job: Slow) -> std::sync::Arc<std::sync::atomic::AtomicBool> {
        let slot = job.slot();
        self.cancels
            .iter()
            .rev()
            .find(|(s, _)| *s == slot)
            .map(|(_, f)| f.clone())
            .unwrap_or_default()
    }

    /// Set and forget the stop flags of `slot`'s requests (or of every slot).
    fn cancel(&mut self, slot: Option<Slow>) {
        self.cancels.retain(|(s, f)| {
            let hit = slot.is_none_or(|x| x == *s);
            if hit {
                f.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            !hit
        });
    }

    /// Drop any pending request for `job`'s slot (its answer would be older than what is
    /// about to be shown: a load done inline, or a newer request).
    pub fn supersede(&mut self, job: Slow) {
        let slot = job.slot();
        self.pending.retain(|(s, _)| *s != slot);
        self.cancel(Some(slot));
    }

    /// Whether the answer to request `gen` for `job` is still wanted; if so it is no longer
    /// pending. A superseded (stale) answer is not accepted and must be dropped.
    pub fn accept(&mut self, job: Slow, gen: u64) -> bool {
        let slot = job.slot();
        match self.pending.iter().position(|x| *x == (slot, gen)) {
            Some(i) => {
                self.pending.remove(i);
                self.cancels.retain(|(s, _)| *s != slot);
                true
            }
            None => false,
        }
    }

    /// Queue a slow load unless one for the same slot is queued or being computed already
    /// (after a write every pending request is dropped, so a pending one is recent enough).
    pub fn request(&mut self, job: Slow) {
        let slot = job.slot();
        let pending = self.pending.iter().any(|(s, _)| *s == slot);
        if !pending {
            self.queue(job, false);
        }
    }

    /// Whether the load that fills `pane` (its list's window, its report) is queued or
    /// being computed.
    pub fn main_load_pending(&self, pane: Pane) -> bool {
        let main = match pane {
            Pane::Participants | Pane::Consent | Pane::Sessions | Pane::Transcripts => {
                Slow::Page(pane)
            }
            Pane::Coverage => Slow::Coverage,
            Pane::Matrix => Slow::Matrix,
            Pane::Analysis => Slow::Analysis,
            Pane::Viewer => Slow::Viewer,
            _ => return false,
        };
        self.slow.iter().any(|j| j.slot() == main) || self.pending.iter().any(|(j, _)| *j == main)
    }

    /// Whether a load for `pane` is queued or being computed.
    pub fn loading(&self, pane: Pane) -> bool {
        self.slow.iter().any(|j| j.pane() == pane)
            || self.pending.iter().any(|(j, _)| j.pane() == pane)
    }

    /// Mark every pane's data old (after a write).
    /// Loads still being computed read the database before the write: their answers are
    /// dropped, and each pane asks again when it is shown.
    pub fn invalidate(&mut self) {
        self.stale = [true; PANES];
        self.pending.clear();
        self.cancel(None);
        self.problems_stale = true;
        self.coding.masks = None;
    }

    pub(crate) fn open_form(&mut self, kind: FormKind, form: Form) {
        self.form = Some((kind, form));
        self.mode = Mode::Form;
    }

    /// The record the open form edits changed underneath it: show what changed and ask.
    pub(crate) fn show_conflict(&mut self, what: String, changes: Vec<FieldChange>) {
        let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
        self.error(format!(
            "{what} was changed by someone else while the form was open ({}); nothing was saved",
            fields.join(", ")
        ));
        self.conflict = Some(Conflict { what, changes });
        self.mode = Mode::Conflict;
    }

    /// Ask to confirm a write (`y` carries it out).
    pub(crate) fn ask(&mut self, question: String, w: Write) {
        self.confirm = Some((question, w));
        self.mode = Mode::Confirm;
    }

    /// Ask before a command that changes data (or opens the form that does): `y` runs it
    /// with `confirmed` set, `n` changes nothing.
    pub(crate) fn ask_cmd(&mut self, question: String, cmd: Cmd) {
        self.confirm_cmd = Some((question, cmd));
        self.mode = Mode::Confirm;
    }

    /// The question the confirm dialog shows.
    pub fn question(&self) -> Option<&str> {
        self.confirm_cmd
            .as_ref()
            .map(|(q, _)| q.as_str())
            .or(self.confirm.as_ref().map(|(q, _)| q.as_str()))
    }
}

/// `State::default_date` for a given today.
pub fn default_date(r: &Reference, today: Date) -> Date {
    if r.phases.iter().any(|p| p.start <= today && today <= p.end) {
        return today;
    }
    let begun = r
        .phases
        .iter()
        .filter(|p| p.start <= today)
        .max_by_key(|p| p.start);
    match (begun, r.phases.iter().min_by_key(|p| p.start)) {
        (Some(p), _) => today.min(p.end),
        (None, Some(first)) => first.start,
        (None, None) => today,
    }
}

/// The next value of a filter that cycles: unset → each value in turn → unset.
pub fn cycle<T: Clone + PartialEq>(cur: &Option<T>, all: &[T]) -> Option<T> {
    match cur {
        None => all.first().cloned(),
        Some(c) => match all.iter().position(|o| o == c) {
            Some(i) if i + 1 < all.len() => Some(all[i + 1].clone()),
            _ => None,
        },
    }
}

fn opts<T: Copy + std::fmt::Display>(all: &[T]) -> Vec<(String, String)> {
    all.iter().map(|v| (v.to_string(), v.to_string())).collect()
}

fn with_unset(mut v: Vec<(String, String)>, label: &str) -> Vec<(String, String)> {
    v.insert(0, (String::new(), label.to_string()));
    v
}

/// Turn an action into state changes; return what the loop must do.
pub fn update(s: &mut State, action: Action) -> Option<Effect> {
    match action {
        Action::Key(ev) => {
            if ev.kind != KeyEventKind::Press {
                return None;
            }
            if let Some(effect) = super::sync_view::key(s, &ev) {
                return effect;
            }
            // The next-step hint lasts until the next key.
            s.next_hint = None;
            // While the help is filtered, letters (even q) go to the filter.
            let filtering = s.mode == Mode::Help
                && !s.help_filter.is_empty()
                && matches!(ev.code, KeyCode::Char(c) if c != '?');
            if !filtering {
                if let Some(cmd) = keymap::lookup(s.mode, s.pane, &ev) {
                    return update(s, Action::Cmd(cmd));
                }
            }
            if let KeyCode::Char(c) = ev.code {
                if !ev.modifiers.contains(KeyModifiers::CONTROL)
                    && matches!(s.mode, Mode::Form | Mode::Search | Mode::Help)
                {
                    return update(s, Action::Text(c));
                }
            }
            None
        }
        Action::Paste(t) => paste(s, &t),
        Action::Text(c) => text(s, c),
        Action::Resize(w, h) => {
            s.size = (w, h);
            None
        }
        Action::Mouse(m) => mouse(s, m),
        Action::Cmd(cmd) => command(s, cmd),
    }
}

fn mouse(s: &mut State, m: MouseEvent) -> Option<Effect> {
    if !s.mouse || s.mode != Mode::Normal {
        return None;
    }
    match m.kind {
        MouseEventKind::ScrollDown => command(s, Cmd::Down),
        MouseEventKind::ScrollUp => command(s, Cmd::Up),
        MouseEventKind::Down(_) if m.row == 0 => {
            let mut x = 0u16;
            for (p, label) in tabs_with(s.pane, s.size.0, s.privacy) {
                let w = super::widgets::text::width(&label) as u16;
                if m.column >= x && m.column < x + w {
                    return go(s, p);
                }
                x += w;
            }
            None
        }
        _ => None,
    }
}

/// The privacy badge of the tab bar: whole when there is room, shortened when not.
pub fn privacy_badge(width: u16) -> &'static str {
    if width >= 100 {
        " PRIVACY "
    } else {
        " PRIV "
    }
}

/// The tab bar's labels for a terminal `width` wide (less the privacy badge when it is
/// shown): every title when they fit; else the shown pane's title and the others'
/// abbreviations (`Part`, `Cons`, …), then shorter ones; the keys alone only below 80
/// columns when nothing else fits.
pub fn tabs(active: Pane, width: u16) -> Vec<(Pane, String)> {
    tabs_with(active, width, false)
}

pub fn tabs_with(active: Pane, width: u16, privacy: bool) -> Vec<(Pane, String)> {
    let room = (width as usize).saturating_sub(if privacy {
        super::widgets::text::width(privacy_badge(width))
    } else {
        0
    });
    let total = |v: &[(Pane, String)]| -> usize {
        v.iter().map(|(_, l)| super::widgets::text::width(l)).sum()
    };
    // The shown pane padded, the others as " key Name" (a space between them).
    type Name = fn(Pane) -> String;
    let tiers: [(Name, Name); 7] = [
        (|p| p.title().to_string(), |p| p.title().to_string()),
        (|p| p.title().to_string(), |p| p.short().to_string()),
        (|p| p.short().to_string(), |p| p.short().to_string()),
        (|p| p.title().to_string(), |p| p.tiny().to_string()),
        (|p| p.tiny().to_string(), |p| p.tiny().to_string()),
        (|p| p.tiny().to_string(), |p| p.micro().to_string()),
        (|p| p.title().to_string(), |_| String::new()),
    ];
    let mut last = Vec::new();
    for (on, off) in tiers {
        let v: Vec<(Pane, String)> = Pane::ALL
            .iter()
            .map(|p| {
                if *p == active {
                    (*p, format!(" {} {} ", p.key(), on(*p)))
                } else {
                    let n = off(*p);
                    if n.is_empty() {
                        (*p, format!(" {} ", p.key()))
                    } else {
                        (*p, format!(" {} {}", p.key(), n))
                    }
                }
            })
            .collect();
        if total(&v) <= room {
            return v;
        }
        last = v;
    }
    last
}

/// The panes whose `/` search jumps to the first match in the list.
pub fn finds_in_list(p: Pane) -> bool {
    matches!(
        p,
        Pane::Sessions | Pane::Transcripts | Pane::Themes | Pane::Matrix
    )
}

/// Whether a pane has a `/` search (a paste outside a form goes there).
pub fn has_search(p: Pane) -> bool {
    finds_in_list(p)
        || matches!(
            p,
            Pane::Participants | Pane::Consent | Pane::Search | Pane::Redaction
        )
}

/// Pasted text (bracketed paste): text, never keys. Line breaks and tabs become spaces and
/// other control characters are dropped. In a form it goes into the focused field (a
/// picker filters by it); while searching, into the query; on a list with a search it
/// starts a new search with it; anywhere else it is ignored. It never saves, never
/// confirms and never quits.
pub fn paste(s: &mut State, raw: &str) -> Option<Effect> {
    let clean: String = raw
        .replace("\r\n", "\n")
        .chars()
        .filter_map(|c| match c {
            '\r' | '\n' | '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect();
    let clean = clean.trim_end();
    if clean.is_empty() {
        return None;
    }
    match s.mode {
        Mode::Form | Mode::Search | Mode::Help => {}
        Mode::Normal if has_search(s.pane) => {
            // A new query, as the pane's `/` starts one.
            let slash = KeyEvent::new_with_kind(
                KeyCode::Char('/'),
                KeyModifiers::NONE,
                KeyEventKind::Press,
            );
            if let Some(cmd) = keymap::lookup(Mode::Normal, s.pane, &slash) {
                update(s, Action::Cmd(cmd));
            }
            if s.mode != Mode::Search {
                return None;
            }
        }
        _ => {
            s.info("paste ignored: there is no text field here");
            return None;
        }
    }
    let mut out = None;
    for c in clean.chars() {
        if let Some(e) = text(s, c) {
            out = Some(e);
        }
    }
    out
}

fn text(s: &mut State, c: char) -> Option<Effect> {
    match s.mode {
        Mode::Form => {
            if let Some((_, form)) = &mut s.form {
                if let Some(f) = form.focused() {
                    f.type_char(c);
                }
                form.completions.clear();
            }
            None
        }
        Mode::Help => {
            s.help_filter.push(c);
            s.help_top = 0;
            None
        }
        Mode::Search if finds_in_list(s.pane) => {
            s.find.push(c);
            find(s)
        }
        Mode::Search if s.pane == Pane::Search => {
            s.coding.search.query.push(c);
            super::coding::search_typed(s)
        }
        Mode::Search if s.pane == Pane::Redaction => super::data::text(s, c),
        Mode::Search => {
            let f = search_filter(s);
            f.search.get_or_insert_with(String::new).push(c);
            search_reload(s)
        }
        _ => None,
    }
}

fn search_filter(s: &mut State) -> &mut ParticipantFilter {
    if s.pane == Pane::Consent {
        &mut s.cfilter
    } else {
        &mut s.pfilter
    }
}

/// After a filter change: back to the top, reload.
fn reload_list(s: &mut State) -> Option<Effect> {
    match s.pane {
        Pane::Participants => s.participants = Paged::default(),
        Pane::Consent => s.consent = Paged::default(),
        Pane::Sessions => s.sessions = Paged::default(),
        _ => {}
    }
    Some(Effect::Load(s.pane))
}

/// While typing a search the frame shows the query at once; the list follows after the
/// frame, and keys typed meanwhile fold into one reload.
fn search_reload(s: &mut State) -> Option<Effect> {
    let job = Slow::Reload(s.pane);
    s.queue(job, true);
    None
}

/// The `/` query of Sessions, Transcripts, Themes or the Matrix changed: select the first
/// row that matches it (case-insensitive, anywhere in what the row shows). The Themes
/// tree and the Matrix's cases are in memory; the Sessions and Transcripts lists are
/// searched by the load worker (`Slow::Find`), page by page.
pub fn find(s: &mut State) -> Option<Effect> {
    let q = s.find.trim().to_lowercase();
    if q.is_empty() {
        return None;
    }
    match s.pane {
        Pane::Themes => {
            let hit = s
                .themes
                .iter()
                .position(|t| t.path.to_lowercase().contains(&q));
            match hit {
                Some(i) if i != s.theme_sel => {
                    s.theme_sel = i;
                    Some(Effect::Detail(Pane::Themes))
                }
                Some(_) => None,
                None => {
                    s.error(format!("no theme matches “{}”", s.find.trim()));
                    None
                }
            }
        }
        Pane::Matrix => {
            match s.coding.matrix.find_case(&q) {
                Some(i) => {
                    s.coding.matrix.row = i;
                    s.coding.matrix.passages = None;
                }
                None => s.error(format!("no case matches “{}”", s.find.trim())),
            }
            None
        }
        Pane::Sessions | Pane::Transcripts => {
            s.queue(Slow::Find(s.pane), true);
            None
        }
        _ => None,
    }
}

fn go(s: &mut State, p: Pane) -> Option<Effect> {
    if s.pane != p {
        // A list's `/` query belongs to the pane it was typed in.
        s.find.clear();
    }
    s.pane = p;
    // A pane whose load is still being computed is not asked for again (after a write
    // nothing is pending, so what is pending reads the latest data).
    if s.stale[p.index()] && !s.main_load_pending(p) {
        Some(Effect::Load(p))
    } else {
        None
    }
}

fn move_sel(s: &mut State, d: isize, abs: Option<usize>) -> Option<Effect> {
    fn mv<T>(l: &mut Paged<T>, d: isize, abs: Option<usize>) -> (bool, bool) {
        let before = l.selected;
        let load = match abs {
            Some(i) => l.move_to(i),
            None => l.move_by(d),
        };
        (load, l.selected != before)
    }
    let pane = s.pane;
    let (load, changed) = match pane {
        Pane::Participants => mv(&mut s.participants, d, abs),
        Pane::Consent => mv(&mut s.consent, d, abs),
        Pane::Sessions => mv(&mut s.sessions, d, abs),
        Pane::Transcripts => mv(&mut s.transcripts, d, abs),
        Pane::Themes => {
            let before = s.theme_sel;
            let n = s.themes.len();
            s.theme_sel = clamp_move(s.theme_sel, n, d, abs);
            (false, before != s.theme_sel)
        }
        Pane::Coverage if s.cov_focus + 1 < COVERAGE_PANELS.len() => {
            // A panel that scrolls (the view keeps its last line in the panel).
            let v = &mut s.cov_scroll[s.cov_focus];
            *v = clamp_move(*v, 10_000, d, abs);
            return None;
        }
        Pane::Coverage => {
            let n = s.coverage.as_ref().map(|c| c.gaps.len()).unwrap_or(0);
            s.gap_sel = clamp_move(s.gap_sel, n, d, abs);
            return None;
        }
        Pane::Search | Pane::Viewer | Pane::Matrix | Pane::Analysis => {
            return super::coding::move_sel(s, d, abs)
        }
        Pane::Redaction | Pane::Export => return super::data::move_sel(s, d, abs),
        Pane::Agreement => return super::agreement::move_sel(s, d, abs),
    };
    if load {
        Some(Effect::Load(pane))
    } else if changed && matches!(pane, Pane::Participants | Pane::Consent | Pane::Themes) {
        Some(Effect::Detail(pane))
    } else {
        None
    }
}

/// A selection moved by `d` rows (or to `abs`) in a list of `n`.
pub fn clamp_move(cur: usize, n: usize, d: isize, abs: Option<usize>) -> usize {
    if n == 0 {
        return 0;
    }
    let i = match abs {
        Some(i) => i,
        None if d < 0 => cur.saturating_sub(d.unsigned_abs()),
        None => cur.saturating_add(d as usize),
    };
    i.min(n - 1)
}

fn page(s: &State) -> isize {
    (s.size.1 as isize - 12).max(5)
}

fn command(s: &mut State, cmd: Cmd) -> Option<Effect> {
    match cmd {
        Cmd::Quit => Some(Effect::Quit),
        Cmd::Coding(c) => super::coding::command(s, c),
        Cmd::Data(c) => super::data::command(s, c),
        Cmd::Agreement(c) => super::agreement::command(s, c),
        Cmd::Help => {
            s.help_filter.clear();
            s.help_top = 0;
            s.mode = Mode::Help;
            None
        }
        Cmd::Log => {
            s.log_top = 0;
            s.mode = Mode::Log;
            None
        }
        Cmd::NextPane => go(s, s.pane.offset(1)),
        Cmd::PrevPane => go(s, s.pane.offset(-1)),
        Cmd::Go(p) => go(s, p),
        Cmd::OpenConflicts => super::sync_view::open(s),
        Cmd::TogglePrivacy => {
            s.privacy = !s.privacy;
            if s.privacy && !s.coding.search.hits.is_empty() {
                super::coding::search_typed(s);
            }
            s.info(if s.privacy {
                "privacy mode on: direct identifiers are masked"
            } else {
                "privacy mode off"
            });
            None
        }
        Cmd::Undo => match s.undo.pop() {
            Some(step) => {
                s.info(format!("undoing: {}", step.what));
                let w = step.inverse.clone();
                s.replaying = Some((Replay::Undo, step));
                Some(Effect::Write(w))
            }
            None => {
                s.info("nothing to undo (consent records, withdrawals, merges, additions and imports are not undone here)");
                None
            }
        },
        Cmd::Redo => match s.redo.pop() {
            Some(step) => {
                s.info(format!("redoing: {}", step.what));
                let w = step.forward.clone();
                s.replaying = Some((Replay::Redo, step));
                Some(Effect::Write(w))
            }
            None => {
                s.info("nothing to redo");
                None
            }
        },
        Cmd::Refresh => {
            s.invalidate();
            Some(Effect::Load(s.pane))
        }
        Cmd::Up if s.mode == Mode::Help => {
            s.help_top = s.help_top.saturating_sub(page(s) as usize);
            None
        }
        Cmd::Down if s.mode == Mode::Help => {
            s.help_top = s.help_top.saturating_add(page(s) as usize).min(1000);
            None
        }
        Cmd::Up if s.mode == Mode::Log => {
            s.log_top = s.log_top.saturating_sub(1);
            None
        }
        Cmd::Down if s.mode == Mode::Log => {
            s.log_top = (s.log_top + 1).min(s.log.len().saturating_sub(1));
            None
        }
        Cmd::SearchBackspace if s.mode == Mode::Help => {
            s.help_filter.pop();
            None
        }
        Cmd::Up => move_sel(s, -1, None),
        Cmd::Down => move_sel(s, 1, None),
        Cmd::PageUp => move_sel(s, -page(s), None),
        Cmd::PageDown => move_sel(s, page(s), None),
        Cmd::Home => move_sel(s, 0, Some(0)),
        Cmd::End => move_sel(s, 0, Some(usize::MAX)),
        Cmd::Search => {
            // `/` starts a new query; the list shows everything again until it is typed.
            s.mode = Mode::Search;
            if finds_in_list(s.pane) {
                s.find.clear();
                return None;
            }
            if search_filter(s).search.take().is_some() {
                return search_reload(s);
            }
            None
        }
        Cmd::SearchAccept => {
            s.mode = Mode::Normal;
            None
        }
        Cmd::SearchBackspace if s.pane == Pane::Search => {
            s.coding.search.query.pop();
            super::coding::search_typed(s)
        }
        Cmd::SearchBackspace if s.pane == Pane::Redaction => super::data::backspace(s),
        Cmd::SearchBackspace if finds_in_list(s.pane) => {
            s.find.pop();
            find(s)
        }
        Cmd::SearchBackspace => {
            let f = search_filter(s);
            if let Some(q) = &mut f.search {
                q.pop();
                if q.is_empty() {
                    f.search = None;
                }
            }
            search_reload(s)
        }
        Cmd::FilterSite => {
            let sites = s.site_codes();
            match s.pane {
                Pane::Participants => s.pfilter.site = cycle(&s.pfilter.site, &sites),
                Pane::Consent => s.cfilter.site = cycle(&s.cfilter.site, &sites),
                Pane::Sessions => s.sfilter.site = cycle(&s.sfilter.site, &sites),
                _ => return None,
            }
            reload_list(s)
        }
        Cmd::FilterCategory => {
            let cats = s.category_codes();
            s.pfilter.role_category = cycle(&s.pfilter.role_category, &cats);
            reload_list(s)
        }
        Cmd::FilterStatus => {
            s.pfilter.status = cycle(&s.pfilter.status, Status::ALL);
            reload_list(s)
        }
        Cmd::FilterPhase => {
            let phases = s.phase_numbers();
            if s.pane == Pane::Sessions {
                s.sfilter.phase = cycle(&s.sfilter.phase, &phases);
            } else {
                s.pfilter.phase = cycle(&s.pfilter.phase, &phases);
            }
            reload_list(s)
        }
        Cmd::FilterKind => {
            s.sfilter.kind = cycle(&s.sfilter.kind, SessionKind::ALL);
            reload_list(s)
        }
        Cmd::FilterSessionStatus => {
            s.sfilter.status = cycle(&s.sfilter.status, SessionStatus::ALL);
            reload_list(s)
        }
        Cmd::ToggleOrder => {
            s.newest_first = !s.newest_first;
            reload_list(s)
        }
        Cmd::ClearFilters => {
            match s.pane {
                Pane::Participants => s.pfilter = ParticipantFilter::default(),
                Pane::Consent => s.cfilter = ParticipantFilter::default(),
                Pane::Sessions => s.sfilter = SessionFilter::default(),
                _ => return None,
            }
            reload_list(s)
        }
        Cmd::AddParticipant => {
            let f = participant_form(&s.reference, None, "Add a participant");
            s.open_form(FormKind::AddParticipant, f);
            None
        }
        Cmd::EditParticipant => {
            let Some(r) = s.participants.current() else {
                s.error("no participant selected");
                return None;
            };
            let id = r.p.id.clone();
            let f = participant_form(
                &s.reference,
                Some(&r.p),
                &format!("Edit participant {}", r.p.code),
            );
            s.open_form(FormKind::EditParticipant { id }, f);
            None
        }
        Cmd::ChangeStatus => {
            let Some(r) = s.participants.current() else {
                s.error("no participant selected");
                return None;
            };
            let statuses: Vec<Status> = Status::ALL
                .iter()
                .copied()
                .filter(|x| *x != Status::Withdrawn)
                .collect();
            let f = Form::new(
                format!("Status of {} (now {})", r.p.code, r.p.status),
                vec![
                    Field::choice("status", "New status", opts(&statuses))
                        .with(r.p.status.as_str()),
                    Field::date("date", "Date", Some(crate::domain::today())).required(),
                    Field::text("note", "Note").pii(),
                ],
            );
            let id = r.p.id.clone();
            // Opened on the status the list shows (even one the choices leave out).
            let mut f = f;
            f.rebase("status", r.p.status.as_str());
            s.open_form(FormKind::Status { id }, f);
            None
        }
        Cmd::RecordConsent => {
            let Some((pid, code)) = s.selected_participant() else {
                s.error("no participant selected");
                return None;
            };
            let answers = with_unset(opts(Answer::ALL), "unset (not on the form)");
            let mut fields = vec![
                Field::date("date", "Date signed", Some(s.default_date())).required(),
                Field::choice("mode", "Mode", opts(ConsentMode::ALL)),
                Field::text("form_version", "Form version")
                    .with(s.reference.consent_form_version.clone()),
            ];
            for (key, label) in [
                ("take_part", "Take part"),
                ("audio", "Audio recording"),
                ("quotes", "Anonymised quotes"),
                ("archiving", "Archiving/sharing"),
                ("follow_up", "Follow-up contact"),
            ] {
                fields.push(Field::choice(key, label, answers.clone()));
            }
            fields.push(Field::text("file_ref", "Signed form ref").pii());
            s.open_form(
                FormKind::Consent { pid },
                Form::new(format!("Record consent for {code}"), fields),
            );
            None
        }
        Cmd::Withdraw => {
            let Some((pid, code)) = s.selected_participant() else {
                s.error("no participant selected");
                return None;
            };
            let f = Form::new(
                format!("Withdrawal of {code}"),
                vec![
                    Field::choice("scope", "Scope", opts(WithdrawalScope::ALL)),
                    Field::date("date", "Date", Some(crate::domain::today())).required(),
                    Field::text("reason", "Reason").pii(),
                ],
            );
            s.open_form(FormKind::Withdraw { pid }, f);
            None
        }
        Cmd::LogInterview | Cmd::ScheduleInterview => {
            let code = match s.pane {
                Pane::Participants | Pane::Consent => s.selected_participant().map(|p| p.1),
                _ => None,
            };
            let scheduled = cmd == Cmd::ScheduleInterview;
            let mut statuses = vec![SessionStatus::Done, SessionStatus::Scheduled];
            if scheduled {
                statuses.reverse();
            }
            let phases = with_unset(
                s.reference
                    .phases
                    .iter()
                    .map(|p| (p.number.to_string(), format!("{} {}", p.number, p.name)))
                    .collect(),
                "from the date",
            );
            let f = Form::new(
                if scheduled {
                    "Schedule an interview"
                } else {
                    "Log an interview"
                },
                vec![
                    Field::text("participant", "Participant code")
                        .required()
                        .with(code.unwrap_or_default()),
                    Field::date("date", "Date", Some(s.default_date())).required(),
                    Field::choice("status", "Status", opts(&statuses)),
                    Field::choice("phase", "Phase", phases),
                    Field::choice("mode", "Mode", opts(InterviewMode::ALL)),
                    Field::number("duration", "Minutes"),
                    Field::choice(
                        "recording",
                        "Recording",
                        with_unset(opts(RecordingStatus::ALL), "not yet known"),
                    ),
                    Field::choice(
                        "transcription",
                        "Transcription",
                        opts(TranscriptionStatus::ALL),
                    ),
                    Field::choice(
                        "allow_gap",
                        "Without consent",
                        vec![
                            ("no".into(), "refuse".into()),
                            ("yes".into(), "log as a consent gap".into()),
                        ],
                    ),
                    Field::text("notes", "Notes").pii(),
                ],
            );
            s.open_form(FormKind::Interview, f);
            None
        }
        Cmd::CompleteInterview => {
            let Some(x) = s.sessions.current() else {
                s.error("no session selected");
                return None;
            };
            if x.kind != SessionKind::Interview {
                s.error("only interviews are completed here");
                return None;
            }
            if x.status != SessionStatus::Scheduled && !s.confirmed {
                let who: Vec<&str> = x.participants.iter().map(|p| p.code.as_str()).collect();
                let q = format!(
                    "The interview of {} ({}) is already {}. Change its status?",
                    format_date(x.date),
                    who.join(", "),
                    x.status
                );
                s.ask_cmd(q, Cmd::CompleteInterview);
                return None;
            }
            let sid = x.id.clone();
            let f = Form::new(
                format!("Complete the interview of {}", format_date(x.date)),
                vec![
                    Field::choice(
                        "status",
                        "Status",
                        opts(&[SessionStatus::Done, SessionStatus::Cancelled]),
                    )
                    .with(x.status.as_str()),
                    Field::date("date", "Date", Some(x.date)).required(),
                    Field::number("duration", "Minutes"),
                    Field::choice(
                        "recording",
                        "Recording",
                        with_unset(opts(RecordingStatus::ALL), "not yet known"),
                    ),
                    Field::choice(
                        "allow_gap",
                        "Without consent",
                        vec![
                            ("no".into(), "refuse".into()),
                            ("yes".into(), "log as a consent gap".into()),
                        ],
                    ),
                ],
            );
            // Opened on the interview's status and date as the list shows them.
            let mut f = f;
            f.rebase("status", x.status.as_str());
            s.open_form(FormKind::Complete { sid }, f);
            None
        }
        Cmd::LogObservation => {
            let mts = s
                .reference
                .meeting_types
                .iter()
                .map(|m| (m.code.clone(), format!("{} – {}", m.code, m.name)))
                .collect();
            let sites = s
                .reference
                .sites
                .iter()
                .map(|m| (m.code.clone(), format!("{} – {}", m.code, m.name)))
                .collect();
            let f = Form::new(
                "Log an observed meeting",
                vec![
                    Field::choice("meeting_type", "Meeting type", mts),
                    Field::choice("site", "Site", sites),
                    Field::date("date", "Date", Some(s.default_date())).required(),
                    Field::choice(
                        "status",
                        "Status",
                        opts(&[SessionStatus::Done, SessionStatus::Scheduled]),
                    ),
                    Field::text("title", "Title").pii(),
                    Field::number("attendees", "Attendees"),
                    Field::number("duration", "Minutes"),
                    Field::text("notes", "Notes").pii(),
                ],
            );
            s.open_form(FormKind::Observation, f);
            None
        }
        Cmd::LinkTranscript => {
            let Some(t) = s.transcripts.current() else {
                s.error("no interview selected");
                return None;
            };
            let sid = t.session_id.clone();
            let f = Form::new(
                format!(
                    "Link a transcript to the interview of {} ({})",
                    t.date,
                    t.participants.join(", ")
                ),
                vec![
                    Field::path("path", "File").required(),
                    Field::choice(
                        "replace",
                        "Existing link",
                        vec![
                            ("no".into(), "keep (refuse)".into()),
                            ("yes".into(), "replace".into()),
                        ],
                    )
                    .with(if t.transcript.is_some() { "yes" } else { "no" }),
                ],
            );
            s.open_form(FormKind::Link { sid }, f);
            None
        }
        Cmd::Verify => Some(Effect::Write(Write::Verify { relink: false })),
        Cmd::Relink => {
            s.ask(
                "Relink every moved transcript file to where its hash is found under the transcripts root?".into(),
                Write::Verify { relink: true },
            );
            None
        }
        Cmd::AddTheme => {
            let fws = s.themes.iter().map(|t| t.framework.clone()).fold(
                Vec::<String>::new(),
                |mut v, f| {
                    if !v.contains(&f) {
                        v.push(f);
                    }
                    v
                },
            );
            let parents = with_unset(s.active_theme_options(), "top level");
            let cur_fw = s
                .current_theme()
                .map(|t| t.framework.clone())
                .unwrap_or_default();
            let f = Form::new(
                "Add a theme",
                vec![
                    Field::text("name", "Name").required(),
                    Field::choice(
                        "framework",
                        "Framework",
                        fws.into_iter().map(|f| (f.clone(), f)).collect(),
                    )
                    .with(cur_fw),
                    Field::choice("parent", "Under", parents),
                ],
            );
            s.open_form(FormKind::AddTheme, f);
            None
        }
        Cmd::RenameTheme => {
            let t = s.current_theme()?;
            let (id, name, path) = (t.id.clone(), t.name.clone(), t.path.clone());
            let f = Form::new(
                format!("Rename {path}"),
                vec![Field::text("name", "New name").required().with(name)],
            );
            s.open_form(FormKind::RenameTheme { id }, f);
            None
        }
        Cmd::MergeTheme => {
            let t = s.current_theme()?;
            let id = t.id.clone();
            let path = t.path.clone();
            let targets: Vec<(String, String)> = s
                .themes
                .iter()
                .filter(|x| {
                    x.status == ThemeStatus::Active
                        && x.id != id
                        && !x.path.starts_with(&format!("{path}/"))
                })
                .map(|x| (x.id.clone(), x.path.clone()))
                .collect();
            let f = Form::new(
                format!("Merge {path} into…"),
                vec![Field::choice("into", "Into", targets)],
            );
            s.open_form(FormKind::MergeTheme { id }, f);
            None
        }
        Cmd::RetireTheme => {
            let t = s.current_theme()?;
            let q = format!("Retire the theme {}? Its {} tag(s) are kept; it can no longer be used for tagging.", t.path, t.tag_count);
            s.ask(q, Write::RetireTheme { id: t.id.clone() });
            None
        }
        Cmd::MarkTheme => {
            if let Some(t) = s.current_theme() {
                let id = t.id.clone();
                if let Some(i) = s.marked.iter().position(|m| *m == id) {
                    s.marked.remove(i);
                } else {
                    s.marked.push(id);
                }
            }
            move_sel(s, 1, None)
        }
        Cmd::TagSession => {
            let Some(sess) = s.sessions.current() else {
                s.error("select a session in the Sessions pane (3) first");
                return None;
            };
            let themes = if s.marked.is_empty() {
                s.current_theme()
                    .map(|t| vec![t.id.clone()])
                    .unwrap_or_default()
            } else {
                s.marked.clone()
            };
            if themes.is_empty() {
                s.error("no theme selected");
                return None;
            }
            s.marked.clear();
            Some(Effect::Write(Write::Tag {
                session: sess.id.clone(),
                themes,
            }))
        }
        Cmd::ShowAllThemes => {
            s.show_all_themes = !s.show_all_themes;
            s.theme_sel = 0;
            Some(Effect::Load(Pane::Themes))
        }
        Cmd::CoverageFocus => {
            s.cov_focus = (s.cov_focus + 1) % COVERAGE_PANELS.len();
            s.info(format!(
                "Coverage: ↑/↓ now move the {} panel",
                COVERAGE_PANELS[s.cov_focus]
            ));
            None
        }
        Cmd::Jump => {
            let gap = s
                .coverage
                .as_ref()
                .and_then(|c| c.gaps.get(s.gap_sel))
                .cloned();
            let g = gap?;
            let pane = match (g.entity.as_str(), g.kind.as_str()) {
                ("participant", _) => Pane::Participants,
                ("session", k) if k.contains("transcript") => Pane::Transcripts,
                ("session", _) => Pane::Sessions,
                _ => {
                    s.info(g.action.clone());
                    return None;
                }
            };
            s.pane = pane;
            match pane {
                Pane::Participants => s.pfilter = ParticipantFilter::default(),
                Pane::Sessions => s.sfilter = SessionFilter::default(),
                _ => {}
            }
            s.info(format!("to do: {}", g.action));
            Some(Effect::Locate { pane, id: g.id })
        }
        Cmd::FormNext | Cmd::FormPrev => {
            if let Some((_, f)) = &mut s.form {
                if cmd == Cmd::FormNext {
                    f.next()
                } else {
                    f.prev()
                }
            }
            None
        }
        Cmd::FormLeft | Cmd::FormRight => {
            let Some((_, f)) = &mut s.form else {
                return None;
            };
            let is_path = f
                .fields
                .get(f.focus)
                .map(|x| x.kind == super::widgets::form::FieldKind::Path)
                .unwrap_or(false);
            if is_path && cmd == Cmd::FormRight {
                return Some(Effect::CompletePath);
            }
            if let Some(field) = f.focused() {
                field.step(if cmd == Cmd::FormLeft { -1 } else { 1 });
            }
            None
        }
        Cmd::FormBackspace | Cmd::FormClear => {
            if let Some((_, f)) = &mut s.form {
                f.completions.clear();
                if let Some(field) = f.focused() {
                    if cmd == Cmd::FormClear {
                        field.clear();
                    } else {
                        field.backspace();
                    }
                }
            }
            None
        }
        Cmd::FormSubmit => submit(s),
        Cmd::Cancel => {
            match s.mode {
                Mode::Form => {
                    s.form = None;
                    s.info("cancelled: nothing was changed");
                }
                Mode::Conflict => {
                    s.conflict = None;
                    s.form = None;
                    s.info("cancelled: nothing was changed; the record keeps their values");
                }
                Mode::Search if s.pane == Pane::Search => {
                    s.coding.search.query.clear();
                    s.mode = Mode::Normal;
                    return super::coding::search_typed(s);
                }
                Mode::Search if s.pane == Pane::Redaction => {
                    s.mode = Mode::Normal;
                    return super::data::cancel_text(s);
                }
                Mode::Search if finds_in_list(s.pane) => {
                    // The selection stays where the search took it.
                    s.find.clear();
                }
                Mode::Help => s.help_filter.clear(),
                Mode::Log => s.log_top = 0,
                Mode::Search => {
                    search_filter(s).search = None;
                    s.mode = Mode::Normal;
                    return reload_list(s);
                }
                _ => {}
            }
            s.mode = Mode::Normal;
            None
        }
        Cmd::Yes => {
            s.mode = Mode::Normal;
            if let Some((_, c)) = s.confirm_cmd.take() {
                s.confirmed = true;
                let e = command(s, c);
                s.confirmed = false;
                return e;
            }
            s.confirm.take().map(|(_, w)| Effect::Write(w))
        }
        Cmd::Overwrite | Cmd::Reload => {
            let c = s.conflict.take()?;
            let Some((_, form)) = s.form.as_mut() else {
                s.mode = Mode::Normal;
                return None;
            };
            let overwrite = cmd == Cmd::Overwrite;
            for ch in &c.changes {
                // Theirs wherever the user did not change the field (and everywhere on
                // reload); the form is now opened on the record as it is.
                let mine = overwrite && edited(form, &ch.field);
                form.rebase(&ch.field, &ch.current);
                if !mine {
                    form.set_value(&ch.field, &ch.current);
                }
            }
            s.mode = Mode::Form;
            if overwrite {
                return submit(s);
            }
            let fields: Vec<&str> = c.changes.iter().map(|x| x.field.as_str()).collect();
            s.info(format!(
                "reloaded {}: their values are in the form, your other edits kept; Enter saves",
                fields.join(", ")
            ));
            None
        }
        Cmd::No => {
            s.confirm = None;
            s.confirm_cmd = None;
            // Back to the form the dialog came from, if any.
            s.mode = if s.form.is_some() {
                Mode::Form
            } else {
                Mode::Normal
            };
            s.info("cancelled: nothing was changed");
            None
        }
    }
}

fn participant_form(r: &Reference, p: Option<&Participant>, title: &str) -> Form {
    let sites = r
        .sites
        .iter()
        .map(|x| (x.code.clone(), format!("{} – {}", x.code, x.name)))
        .collect();
    let roles = r
        .roles
        .iter()
        .map(|x| (x.code.clone(), format!("{} › {}", x.category_name, x.name)))
        .collect();
    let v = |o: Option<&String>| o.cloned().unwrap_or_default();
    let mut f = vec![
        Field::text("name", "Name").required().pii(),
        Field::choice("site", "Site", sites),
        Field::choice("role", "Role", roles),
        Field::text("email", "Email").pii(),
        Field::text("phone", "Phone").pii(),
        Field::text("organisation", "Organisation").pii(),
        Field::text("job title", "Job title").pii(),
        Field::text("notes", "Notes").pii(),
    ];
    if let Some(p) = p {
        f[0].value = p.name.clone();
        f[1] = f[1].clone().with(p.site.clone());
        f[2] = f[2].clone().with(p.role.clone());
        f[3].value = v(p.email.as_ref());
        f[4].value = v(p.phone.as_ref());
        f[5].value = v(p.organisation.as_ref());
        f[6].value = v(p.job_title.as_ref());
        f[7].value = v(p.notes.as_ref());
    }
    Form::new(title, f)
}

fn answer(f: &Form, key: &str) -> Option<Answer> {
    f.get(key).parse().ok()
}

fn participant_input(f: &Form) -> ParticipantInput {
    ParticipantInput {
        name: Some(f.get("name")),
        email: Some(f.get("email")),
        phone: Some(f.get("phone")),
        organisation: Some(f.get("organisation")),
        job_title: Some(f.get("job title")),
        role: Some(f.get("role")),
        site: Some(f.get("site")),
        notes: Some(f.get("notes")),
        status: None,
        allow_duplicate_unique_role: false,
    }
}

/// The participant's current values, as an edit that restores them.
pub fn input_of(p: &Participant) -> ParticipantInput {
    let v = |o: &Option<String>| Some(o.clone().unwrap_or_default());
    ParticipantInput {
        name: Some(p.name.clone()),
        email: v(&p.email),
        phone: v(&p.phone),
        organisation: v(&p.organisation),
        job_title: v(&p.job_title),
        role: Some(p.role.clone()),
        site: Some(p.site.clone()),
        notes: v(&p.notes),
        status: None,
        allow_duplicate_unique_role: false,
    }
}

fn submit(s: &mut State) -> Option<Effect> {
    let (kind, form) = s.form.as_mut()?;
    form.clear_errors();
    if !form.validate() {
        // The focus is on the first field in error: say which and why.
        let n = form.fields.iter().filter(|f| f.error.is_some()).count();
        let msg = form
            .fields
            .get(form.focus)
            .map(|f| {
                format!(
                    "not saved: {} — {}{} (the cursor is on it)",
                    f.label,
                    f.error.clone().unwrap_or_default(),
                    if n > 1 {
                        format!("; {} more field(s) marked ✗", n - 1)
                    } else {
                        String::new()
                    }
                )
            })
            .unwrap_or_else(|| "check the fields marked ✗".into());
        s.error(msg);
        return None;
    }
    let f = form.clone();
    let w = match kind.clone() {
        FormKind::AddParticipant => Write::AddParticipant(ParticipantInput {
            status: None,
            ..participant_input(&f)
        }),
        FormKind::EditParticipant { id } => {
            // Only the fields the user changed; the values the form opened with undo them.
            let changed = |key: &str| edited(&f, key).then(|| f.get(key));
            let was = |key: &str| {
                edited(&f, key).then(|| f.opened_value(key).unwrap_or_default().to_string())
            };
            let pick = |g: &dyn Fn(&str) -> Option<String>| ParticipantInput {
                name: g("name"),
                email: g("email"),
                phone: g("phone"),
                organisation: g("organisation"),
                job_title: g("job title"),
                role: g("role"),
                site: g("site"),
                notes: g("notes"),
                status: None,
                allow_duplicate_unique_role: false,
            };
            Write::EditParticipant {
                id,
                input: pick(&changed),
                before: Some(pick(&was)),
                opened: Some(version_of(&f)),
            }
        }
        FormKind::Status { id } => {
            // The status the form was opened on: the version, and what undo goes back to.
            let before = f.opened_value("status").and_then(|v| v.parse().ok());
            Write::SetStatus {
                id,
                status: f.get("status").parse().unwrap_or(Status::Identified),
                date: f.date("date"),
                note: f.opt("note"),
                before,
            }
        }
        FormKind::Consent { pid } => Write::RecordConsent {
            pid,
            input: ConsentInput {
                date: f.date("date"),
                form_version: f.opt("form_version"),
                form_file: None,
                mode: f.get("mode").parse().ok(),
                taken_by: None,
                take_part: answer(&f, "take_part"),
                audio: answer(&f, "audio"),
                quotes: answer(&f, "quotes"),
                archiving: answer(&f, "archiving"),
                follow_up: answer(&f, "follow_up"),
                file_ref: f.opt("file_ref"),
            },
        },
        FormKind::Withdraw { pid } => {
            let scope: WithdrawalScope = f
                .get("scope")
                .parse()
                .unwrap_or(WithdrawalScope::NoFurtherContact);
            let code = s.selected_participant().map(|p| p.1).unwrap_or_default();
            let q = format!(
                "Record the withdrawal of {code} ({scope})? A withdrawal is permanent: it cannot be edited or undone."
            );
            s.ask(
                q,
                Write::Withdraw {
                    pid,
                    scope,
                    date: f.date("date"),
                    reason: f.opt("reason"),
                },
            );
            return None;
        }
        FormKind::Interview => Write::LogInterview(InterviewInput {
            participants: f
                .get("participant")
                .split([',', ' '])
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect(),
            date: f.date("date"),
            phase: f.get("phase").parse().ok(),
            site: None,
            status: f.get("status").parse().ok(),
            mode: f.get("mode").parse().ok(),
            duration_min: f.number("duration"),
            interviewer: None,
            recording: f.get("recording").parse().ok(),
            transcription: f.get("transcription").parse().ok(),
            notes: f.opt("notes"),
            allow_gap: f.get("allow_gap") == "yes",
        }),
        FormKind::Complete { sid } if f.get("status") == "cancelled" => {
            let q = format!(
                "Cancel the interview of {}? A cancelled interview no longer counts toward coverage.",
                f.get("date")
            );
            s.ask(
                q,
                Write::CompleteInterview {
                    sid,
                    status: SessionStatus::Cancelled,
                    date: f.date("date"),
                    duration: f.number("duration"),
                    recording: f.get("recording").parse().ok(),
                    allow_gap: f.get("allow_gap") == "yes",
                    opened: Some(Version::new(
                        f.opened
                            .iter()
                            .filter(|(k, _)| matches!(*k, "status" | "date"))
                            .map(|(k, v)| (*k, v.clone())),
                    )),
                },
            );
            return None;
        }
        FormKind::Complete { sid } => Write::CompleteInterview {
            sid,
            status: f.get("status").parse().unwrap_or(SessionStatus::Done),
            date: f.date("date"),
            duration: f.number("duration"),
            recording: f.get("recording").parse().ok(),
            allow_gap: f.get("allow_gap") == "yes",
            opened: Some(Version::new(
                f.opened
                    .iter()
                    .filter(|(k, _)| matches!(*k, "status" | "date"))
                    .map(|(k, v)| (*k, v.clone())),
            )),
        },
        FormKind::Observation => Write::LogObservation(ObservationInput {
            meeting_type: f.get("meeting_type"),
            site: f.get("site"),
            date: f.date("date"),
            phase: None,
            title: f.opt("title"),
            observer: None,
            attendees: f.number("attendees"),
            duration_min: f.number("duration"),
            notes: f.opt("notes"),
            status: f.get("status").parse().ok(),
        }),
        FormKind::Link { sid } => Write::LinkTranscript {
            sid,
            path: f.get("path"),
            replace: f.get("replace") == "yes",
        },
        FormKind::AddTheme => Write::AddTheme {
            name: f.get("name"),
            framework: f.opt("framework"),
            parent: f.opt("parent"),
        },
        FormKind::RenameTheme { id } => Write::RenameTheme {
            id,
            name: f.get("name"),
            before: f.opened_value("name").map(str::to_string),
            opened: Some(version_of(&f)),
        },
        FormKind::MergeTheme { id } => {
            let into = f.get("into");
            let name = |x: &str| {
                s.themes
                    .iter()
                    .find(|t| t.id == x)
                    .map(|t| t.path.clone())
                    .unwrap_or_default()
            };
            let q = format!(
                "Merge {} into {}? Its tags and sub-themes move; a merge cannot be undone.",
                name(&id),
                name(&into)
            );
            s.ask(q, Write::MergeTheme { from: id, into });
            return None;
        }
        FormKind::TagPassage {
            session,
            start,
            end,
        } => {
            let mut themes = Vec::new();
            for k in ["theme", "theme2", "theme3"] {
                let v = f.get(k);
                if !v.is_empty() && !themes.contains(&v) {
                    themes.push(v);
                }
            }
            Write::TagPassage {
                session,
                start,
                end,
                themes,
                memo: f.opt("memo"),
            }
        }
        FormKind::PassageMemo { ids } => Write::PassageMemo {
            ids,
            memo: f.opt("memo"),
            opened: Some(version_of(&f)),
        },
        FormKind::Summary {
            participant,
            theme,
            phase,
        } => Write::SetSummary {
            participant,
            theme,
            phase,
            summary: f.opt("summary"),
            opened: Some(version_of(&f)),
        },
        FormKind::Rule => match super::coding::rule_values(&f) {
            Ok((base, run, thr)) => {
                let a = &mut s.coding.analysis;
                a.base = Some(base);
                a.run = Some(run);
                a.threshold = Some(thr);
                s.info(format!(
                    "stopping rule: base {base}, run {run}, threshold {}%",
                    thr * 100.0
                ));
                s.form = None;
                s.mode = Mode::Normal;
                return Some(Effect::Load(Pane::Analysis));
            }
            Err((field, msg)) => {
                if let Some((_, form)) = &mut s.form {
                    form.set_error(field, &msg);
                }
                s.error(msg);
                return None;
            }
        },
        FormKind::Split => Write::SplitTheme {
            tag: f.get("tag"),
            name: f.get("name"),
        },
        FormKind::Data(d) => return super::data::submit(s, d, &f),
    };
    Some(Effect::Write(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Site;

    fn reference() -> Reference {
        Reference {
            study_name: "Test study".into(),
            sites: ["A", "B"]
                .iter()
                .map(|c| Site {
                    id: c.to_string(),
                    code: c.to_string(),
                    name: format!("Site {c}"),
                    region: None,
                    population: None,
                    places: None,
                    notes: None,
                })
                .collect(),
            ..Default::default()
        }
    }

    fn state() -> State {
        State::new(
            reference(),
            "/tmp/x.db".into(),
            "/tmp/t".into(),
            false,
            true,
            false,
        )
    }

    #[test]
    fn a_superseded_request_is_told_to_stop() {
        use std::sync::atomic::Ordering::Relaxed;
        let mut s = state();
        let job = Slow::Data(Pane::Redaction);
        s.begin(job);
        let first = s.cancel_flag(job);
        assert!(!first.load(Relaxed));
        // A newer request for the slot: the first is told to stop, the newer is not.
        let gen = s.begin(job);
        let second = s.cancel_flag(job);
        assert!(first.load(Relaxed) && !second.load(Relaxed));
        // Other slots are left alone; a write stops everything pending.
        s.begin(Slow::Coverage);
        let coverage = s.cancel_flag(Slow::Coverage);
        assert!(s.accept(job, gen) && !second.load(Relaxed));
        s.invalidate();
        assert!(coverage.load(Relaxed));
    }

    fn key(c: KeyCode) -> Action {
        Action::Key(KeyEvent::new_with_kind(
            c,
            KeyModifiers::NONE,
            KeyEventKind::Press,
        ))
    }

    #[test]
    fn key_release_is_ignored() {
        let mut s = state();
        let ev = KeyEvent::new_with_kind(
            KeyCode::Char('q'),
            KeyModifiers::NONE,
            KeyEventKind::Release,
        );
        assert!(update(&mut s, Action::Key(ev)).is_none());
        assert!(matches!(
            update(&mut s, key(KeyCode::Char('q'))),
            Some(Effect::Quit)
        ));
    }

    #[test]
    fn number_keys_and_tab_switch_panes_and_load_stale_ones() {
        let mut s = state();
        assert!(matches!(
            update(&mut s, key(KeyCode::Char('6'))),
            Some(Effect::Load(Pane::Coverage))
        ));
        assert_eq!(s.pane, Pane::Coverage);
        update(&mut s, key(KeyCode::Tab));
        assert_eq!(s.pane, Pane::Search);
        update(&mut s, key(KeyCode::Char('E')));
        assert_eq!(s.pane, Pane::Export);
        update(&mut s, key(KeyCode::Tab));
        assert_eq!(s.pane, Pane::Agreement);
        s.stale[Pane::Participants.index()] = false;
        assert!(update(&mut s, key(KeyCode::Tab)).is_none());
        assert_eq!(s.pane, Pane::Participants);
        update(&mut s, key(KeyCode::BackTab));
        assert_eq!(s.pane, Pane::Agreement);
        update(&mut s, key(KeyCode::Char('K')));
        assert_eq!(s.pane, Pane::Agreement);
        for (k, p) in [
            ('0', Pane::Analysis),
            ('D', Pane::Redaction),
            ('9', Pane::Matrix),
        ] {
            update(&mut s, key(KeyCode::Char(k)));
            assert_eq!(s.pane, p);
        }
    }

    #[test]
    fn site_filter_cycles_through_the_reference_sites_and_back() {
        let mut s = state();
        update(&mut s, key(KeyCode::Char('s')));
        assert_eq!(s.pfilter.site.as_deref(), Some("A"));
        update(&mut s, key(KeyCode::Char('s')));
        assert_eq!(s.pfilter.site.as_deref(), Some("B"));
        update(&mut s, key(KeyCode::Char('s')));
        assert_eq!(s.pfilter.site, None);
    }

    #[test]
    fn search_is_incremental_and_esc_clears_it() {
        let mut s = state();
        update(&mut s, key(KeyCode::Char('/')));
        assert_eq!(s.mode, Mode::Search);
        // The query shows at once; the list reload waits for the frame (and folds keys).
        assert!(update(&mut s, key(KeyCode::Char('j'))).is_none());
        update(&mut s, key(KeyCode::Char('o')));
        assert_eq!(s.pfilter.search.as_deref(), Some("jo"));
        assert_eq!(s.slow, vec![Slow::Reload(Pane::Participants)]);
        // `q` is text while searching, not quit.
        assert!(update(&mut s, key(KeyCode::Char('q'))).is_none());
        assert_eq!(s.pfilter.search.as_deref(), Some("joq"));
        update(&mut s, key(KeyCode::Esc));
        assert_eq!(s.pfilter.search, None);
        assert_eq!(s.mode, Mode::Normal);
    }

    #[test]
    fn add_form_validates_before_any_write_and_esc_changes_nothing() {
        let mut s = state();
        update(&mut s, key(KeyCode::Char('a')));
        assert_eq!(s.mode, Mode::Form);
        assert!(
            update(&mut s, key(KeyCode::Enter)).is_none(),
            "empty name is refused locally"
        );
        let (_, f) = s.form.as_ref().unwrap();
        assert_eq!(f.fields[0].error.as_deref(), Some("required"));
        for c in "Ann".chars() {
            update(&mut s, key(KeyCode::Char(c)));
        }
        match update(&mut s, key(KeyCode::Enter)) {
            Some(Effect::Write(Write::AddParticipant(i))) => {
                assert_eq!(i.name.as_deref(), Some("Ann"))
            }
            other => panic!("{other:?}"),
        }
        update(&mut s, key(KeyCode::Esc));
        assert!(s.form.is_none());
        assert_eq!(s.mode, Mode::Normal);
    }

    #[test]
    fn paging_loads_two_pages_and_reloads_only_past_them() {
        let mut p: Paged<u32> = Paged {
            rows: (0..20).collect(),
            total: 1000,
            ..Default::default()
        };
        p.page.set(10);
        assert!(!p.move_by(15), "the second page is loaded");
        assert!(p.move_by(5), "the third is not");
        assert_eq!(p.window_start(), 20);
        assert_eq!(p.window_len(), 20);
        p.offset = 20;
        assert!(p.move_to(5));
        assert_eq!(p.window_start(), 0, "moving up loads the page before too");
        p.move_to(5000);
        assert_eq!(p.selected, 999);
    }

    #[test]
    fn undo_without_history_says_so() {
        let mut s = state();
        assert!(update(&mut s, key(KeyCode::Char('u'))).is_none());
        assert!(s.message.as_ref().unwrap().text.contains("nothing to undo"));
        s.undo.push(Step {
            what: "x".into(),
            inverse: Write::Untag {
                ids: vec!["t".into()],
            },
            forward: Write::Tag {
                session: "s".into(),
                themes: vec!["t".into()],
            },
        });
        assert!(matches!(
            update(&mut s, key(KeyCode::Char('u'))),
            Some(Effect::Write(Write::Untag { .. }))
        ));
    }

    #[test]
    fn withdrawal_goes_through_a_confirm_dialog() {
        let mut s = state();
        s.pane = Pane::Consent;
        s.consent.total = 1;
        s.consent.rows.push(ConsentRow {
            participant_id: "p1".into(),
            code: "PAAAA".into(),
            name: "N".into(),
            site: "A".into(),
            status: Status::Consented,
            items: vec![],
            records: 1,
            withdrawn: None,
        });
        update(&mut s, key(KeyCode::Char('w')));
        assert!(update(&mut s, key(KeyCode::Enter)).is_none());
        assert_eq!(s.mode, Mode::Confirm);
        update(&mut s, key(KeyCode::Char('n')));
        assert_eq!(s.mode, Mode::Form);
        update(&mut s, key(KeyCode::Enter));
        assert!(matches!(
            update(&mut s, key(KeyCode::Char('y'))),
            Some(Effect::Write(Write::Withdraw { .. }))
        ));
    }

    #[test]
    fn privacy_toggles() {
        let mut s = state();
        update(&mut s, key(KeyCode::Char('P')));
        assert!(s.privacy);
    }
}
