//! The application state: global things (pane, mode, messages, overlays, undo, privacy,
//! theme, slow-load bookkeeping) plus one field per pane state.

use super::ctx::*;
use super::effect::*;
use super::pane::*;
use super::write::*;
use crate::domain::Theme as CodeTheme;
use crate::service::transcripts::TranscriptRow;
use crate::service::{FieldChange, Reference};
use crate::tui::core::keys::Cmd;
use crate::tui::theme::Theme;
use crate::tui::widgets::form::Form;

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
    /// A deletion refused because other records depend on the record: Delete on the same
    /// record again offers to delete it with them (the id).
    pub delete_again: Option<String>,
    /// The `/` query of the lists that jump to a match (Sessions, Transcripts, Themes,
    /// Matrix).
    pub find: String,
    /// The Participants pane.
    pub participants: crate::tui::panes::participants::state::ParticipantsState,
    /// The Consent pane.
    pub consent: crate::tui::panes::consent::state::ConsentState,
    /// The Sessions pane.
    pub sessions: crate::tui::panes::sessions::state::SessionsState,
    pub transcripts: Paged<TranscriptRow>,
    /// The Themes pane.
    pub themes: crate::tui::panes::themes::state::ThemesState,
    /// The Coverage pane.
    pub coverage: crate::tui::panes::coverage::state::CoverageState,
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
    /// Panes whose data must be reloaded before they are shown.
    pub stale: [bool; PANES],
    pub size: (u16, u16),
    /// Search, Viewer, Matrix, Analysis and the quotes in Themes.
    pub coding: crate::tui::panes::coding::state::CodingState,
    /// Redaction and Export.
    pub data: crate::tui::panes::data::state::DataState,
    /// The Agreement pane.
    pub agreement: crate::tui::panes::agreement::state::AgreementView,
    /// The sync Conflicts view, when open (`Y`).
    pub sync_conflicts: Option<crate::tui::panes::conflicts::state::ConflictsView>,
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
            delete_again: None,
            find: String::new(),
            participants: Default::default(),
            consent: Default::default(),
            sessions: Default::default(),
            transcripts: Paged::default(),
            themes: Default::default(),
            coverage: Default::default(),
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
            stale: [true; PANES],
            size: (0, 0),
            coding: Default::default(),
            data: Default::default(),
            agreement: Default::default(),
            sync_conflicts: None,
        }
    }

    /// The small context a pane's update works in (see `Cx`).
    pub fn cx(&mut self) -> Cx<'_> {
        crate::pane_cx!(self)
    }

    /// What a pane's drawing needs beyond its own state.
    pub fn look(&self) -> Look<'_> {
        Look {
            theme: &self.theme,
            privacy: self.privacy,
            mode: self.mode,
            find: &self.find,
        }
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.cx().info(text);
    }
    pub fn error(&mut self, text: impl Into<String>) {
        self.cx().error(text);
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

    pub fn current_theme(&self) -> Option<&CodeTheme> {
        self.themes.current()
    }

    /// The participant the pane's selection is about.
    pub fn selected_participant(&self) -> Option<(String, String)> {
        match self.pane {
            Pane::Consent => self
                .consent
                .list
                .current()
                .map(|r| (r.participant_id.clone(), r.code.clone())),
            _ => self
                .participants
                .list
                .current()
                .map(|r| (r.p.id.clone(), r.p.code.clone())),
        }
    }

    /// Queue a slow load for after the frame (once): first in line, or last.
    pub fn queue(&mut self, job: Slow, first: bool) {
        self.cx().queue(job, first);
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
        self.consent.problems_stale = true;
        self.coding.masks = None;
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

    /// A list's window is in: the pane is fresh, and the window at the selection is asked
    /// for next when the selection moved past the rows loaded (`more`).
    pub fn after_page(&mut self, p: Pane, more: bool) {
        self.stale[p.index()] = false;
        if more {
            self.queue(Slow::Page(p), true);
        }
    }

    /// Go to `pane` and select the record `id` in its list, shown whole (its filters and
    /// search cleared), found by the load worker, which then loads the list's window there.
    pub fn locate(&mut self, pane: Pane, id: String) {
        if self.pane != pane {
            self.find.clear();
        }
        self.pane = pane;
        match pane {
            Pane::Participants => self.participants.filter = Default::default(),
            Pane::Sessions => self.sessions.filter = Default::default(),
            _ => {}
        }
        self.locating = Some(id);
        self.stale[pane.index()] = false;
        self.queue(Slow::Locate(pane), true);
    }

    /// The question the confirm dialog shows.
    pub fn question(&self) -> Option<&str> {
        self.confirm_cmd
            .as_ref()
            .map(|(q, _)| q.as_str())
            .or(self.confirm.as_ref().map(|(q, _)| q.as_str()))
    }
}
