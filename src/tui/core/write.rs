//! The writes the interface asks for and the undo/redo steps built of them (one global stack).

use time::Date;

use crate::domain::SessionKind;
use crate::domain::{ParticipantInput, RecordingStatus, SessionStatus, Status, WithdrawalScope};
use crate::service::consent::ConsentInput;
use crate::service::delete::Deleted;
use crate::service::sessions::{InterviewInput, Logged, ObservationInput, SessionChange};
use crate::service::themes::Merged;
use crate::service::transcripts::Linked;
use crate::service::Version;

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
        /// The memo before, to undo with (`None`: no undo).
        before: Option<Option<String>>,
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
        /// The summary before, to undo with (`None`: no undo).
        before: Option<Option<String>>,
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
    /// Delete a participant created by mistake (also the undo of adding one): refused
    /// while anything depends on them unless `with_dependents`.
    DeleteParticipant {
        id: String,
        with_dependents: bool,
    },
    /// Delete an interview, observation or document created by mistake (also the undo of
    /// logging an observation).
    DeleteSession {
        id: String,
        kind: Option<SessionKind>,
        with_dependents: bool,
    },
    /// Undo logging an interview: it goes, and the participants' status changes the
    /// logging made are taken back (their events removed).
    UndoLog(Box<Logged>),
    /// Undo a session status change (done, cancelled): the session and its participants'
    /// statuses as they were, the change's events removed.
    RevertSession(Box<SessionChange>),
    /// Undo a transcript link (a link it replaced comes back).
    Unlink(Box<Linked>),
    /// Undo a theme merge: exactly what it moved goes back, the source theme is active.
    Unmerge(Box<Merged>),
    /// Consent and withdrawal records are immutable: their undo is a correcting record
    /// (the record entered in error then counts nowhere; the history shows both).
    CorrectConsent {
        id: String,
        reason: String,
    },
    /// Undo a deletion: every row it removed put back as it was.
    Restore(Box<Deleted>),
    /// Undo adding a theme: it is deleted with its history (refused once it has tags,
    /// children or summaries, or changed).
    DeleteAddedTheme(Box<crate::service::themes::AddedTheme>),
    /// Undo retiring a theme: active again, the retirement out of its history.
    Unretire(Box<crate::service::themes::Retired>),
    /// Undo splitting a theme: the moved tags go back, the new theme is deleted.
    Unsplit(Box<crate::service::themes::Split>),
    /// Undo accepting changed passages: each back exactly as it was.
    Unaccept(Box<crate::service::coding::Accepted>),
    /// Undo settling a disagreement: the tags it made go, the tags it deleted come back.
    Unsettle(Box<crate::service::agreement::Settled>),
    /// Redaction: add an identifier by hand (with its first variant).
    AddIdentifier {
        kind: String,
        label: String,
        variant: String,
    },
    /// Redaction: add a variant to an identifier.
    AddVariant {
        identifier: String,
        variant: String,
    },
    /// Redaction: decide about a suspect text, corpus-wide (a variant of an identifier, a
    /// new identifier, or allowed).
    Review {
        text: String,
        decision: crate::service::redaction::Decision,
    },
    /// Redaction: allow a whole class of suspects (`common-words`, `places`, `dates`).
    AllowClass {
        class: String,
    },
    /// Undo a register write: exactly what it added goes (never half of it).
    UndoRegister(Box<crate::service::redaction::RegisterChange>),
    /// Undo a transcript import (one, or every transcript of an import of the root): the
    /// text, import record, links and passage anchors as they were.
    UndoImport(Box<crate::service::coding::Imported>),
    /// Undo a verification's relinks: each relinked link's path and status as they were.
    UndoRelink(Box<crate::service::transcripts::Relinked>),
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
