//! The small contexts a pane works in, instead of the whole application `State`:
//!
//! - `Cx`: what a pane's update may touch beyond its own state — the study, the privacy
//!   setting, the message line and its log, the form or question it may open, and the
//!   queue of slow loads it may ask for. `pane_cx!(s, field)` splits a `&mut State` into
//!   a `Cx` and the pane's own state (disjoint borrows), so a pane's update reads as
//!   `update(&mut cx, &mut own, cmd)` and cannot reach another pane's state by accident.
//! - `Look`: what a pane's drawing needs beyond its own state (television's draw
//!   functions take only what they draw).

use time::Date;

use super::effect::{FormKind, Slow};
use super::keys::Cmd;
use super::pane::{Mode, Msg, LOG_MAX};
use super::write::Write;
use crate::service::Reference;
use crate::tui::theme::Theme;
use crate::tui::widgets::form::Form;

/// What a pane's update may touch beyond its own state.
pub struct Cx<'a> {
    pub reference: &'a Reference,
    pub privacy: bool,
    /// The command running was confirmed by the user (it does not ask again).
    pub confirmed: bool,
    /// A deletion refused for its dependents: the record's id (Delete on it again offers
    /// to delete them too).
    pub delete_again: Option<&'a str>,
    pub mode: &'a mut Mode,
    pub form: &'a mut Option<(FormKind, Form)>,
    pub confirm: &'a mut Option<(String, Write)>,
    pub confirm_cmd: &'a mut Option<(String, Cmd)>,
    pub message: &'a mut Option<Msg>,
    pub log: &'a mut Vec<Msg>,
    pub slow: &'a mut Vec<Slow>,
}

/// Split a `&mut State` into a `Cx` and the pane state at `field` (a path of fields).
#[macro_export]
macro_rules! pane_cx {
    ($s:expr) => {
        $crate::pane_cx!($s, pane ;).0
    };
    ($s:expr, $($f:ident).+) => {{
        let (cx, st, ()) = $crate::pane_cx!($s, $($f).+ ;);
        (cx, st)
    }};
    // With shared borrows of other panes' state the pane reads (`; themes, transcripts`),
    // returned as a third element.
    ($s:expr, $($f:ident).+ ; $($o:ident),*) => {{
        let s: &mut $crate::tui::core::State = $s;
        (
            $crate::tui::core::Cx {
                reference: &s.reference,
                privacy: s.privacy,
                confirmed: s.confirmed,
                delete_again: s.delete_again.as_deref(),
                mode: &mut s.mode,
                form: &mut s.form,
                confirm: &mut s.confirm,
                confirm_cmd: &mut s.confirm_cmd,
                message: &mut s.message,
                log: &mut s.log,
                slow: &mut s.slow,
            },
            &mut s.$($f).+,
            ($(&s.$o,)*),
        )
    }};
}
pub use pane_cx;

/// Run a pane function `f(&mut Cx, &mut PaneState)` on the pane state at `field`.
#[macro_export]
macro_rules! in_pane {
    ($s:expr, $($f:ident).+, $fun:expr) => {{
        let (mut cx, st) = $crate::pane_cx!($s, $($f).+);
        ($fun)(&mut cx, st)
    }};
}
pub use in_pane;

impl Cx<'_> {
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
        *self.message = Some(m);
    }

    pub fn open_form(&mut self, kind: FormKind, form: Form) {
        *self.form = Some((kind, form));
        *self.mode = Mode::Form;
    }

    /// Ask to confirm a write (`y` carries it out).
    pub fn ask(&mut self, question: String, w: Write) {
        *self.confirm = Some((question, w));
        *self.mode = Mode::Confirm;
    }

    /// Ask before a command that changes data (or opens the form that does): `y` runs it
    /// with `confirmed` set, `n` changes nothing.
    pub fn ask_cmd(&mut self, question: String, cmd: Cmd) {
        *self.confirm_cmd = Some((question, cmd));
        *self.mode = Mode::Confirm;
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

    /// The date a new record's form starts on (see `default_date`).
    pub fn default_date(&self) -> Date {
        super::pane::default_date(self.reference, crate::domain::today())
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
}

/// What a pane's drawing needs beyond its own state.
pub struct Look<'a> {
    pub theme: &'a Theme,
    /// Direct identifiers are masked.
    pub privacy: bool,
    pub mode: Mode,
    /// The `/` query of the lists that jump to a match.
    pub find: &'a str,
}

impl Look<'_> {
    /// The `/` query of a list that jumps to its first match, for the list's title: shown
    /// while it is typed (with a cursor) and after it is kept.
    pub fn find_label(&self) -> String {
        let typing = self.mode == Mode::Search;
        if self.find.is_empty() && !typing {
            return String::new();
        }
        let q = crate::tui::widgets::text::typed(self.privacy, self.find);
        format!(" /{q}{}", if typing { "▏" } else { "" })
    }

    /// A search typed into a list's filter, for its title (with a cursor while typed).
    pub fn search_label(&self, q: Option<&str>) -> String {
        let typing = self.mode == Mode::Search;
        match q {
            Some(q) => format!(
                " search: {}{}",
                crate::tui::widgets::text::typed(self.privacy, q),
                if typing { "▏" } else { "" }
            ),
            None if typing => " search: ▏".into(),
            None => String::new(),
        }
    }
}
