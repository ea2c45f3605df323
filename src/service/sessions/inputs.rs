//! What a user enters to log a session, and what logging or changing one returns.

use time::Date;

use crate::domain::{InterviewMode, RecordingStatus, Session, SessionStatus, TranscriptionStatus};
use crate::store::sessions::SessionRow;

/// An interview to log or schedule.
#[derive(Debug, Clone, Default)]
pub struct InterviewInput {
    /// Participant references (id, export code or id prefix); one or more.
    pub participants: Vec<String>,
    pub date: Option<Date>,
    pub phase: Option<u32>,
    /// Defaults to the participants' site; needed when they are at different sites.
    pub site: Option<String>,
    pub status: Option<SessionStatus>,
    pub mode: Option<InterviewMode>,
    pub duration_min: Option<i64>,
    pub interviewer: Option<String>,
    pub recording: Option<RecordingStatus>,
    pub transcription: Option<TranscriptionStatus>,
    pub notes: Option<String>,
    /// Log it even without consent in force, as a gap that `check` and `coverage` show.
    pub allow_gap: bool,
}

/// An observed meeting.
#[derive(Debug, Clone, Default)]
pub struct ObservationInput {
    pub meeting_type: String,
    pub site: String,
    pub date: Option<Date>,
    pub phase: Option<u32>,
    pub title: Option<String>,
    pub observer: Option<String>,
    pub attendees: Option<i64>,
    pub duration_min: Option<i64>,
    pub notes: Option<String>,
    pub status: Option<SessionStatus>,
}

/// A reviewed document.
#[derive(Debug, Clone, Default)]
pub struct DocumentInput {
    pub title: String,
    pub site: String,
    pub date: Option<Date>,
    pub phase: Option<u32>,
    pub doc_type: Option<String>,
    pub notes: Option<String>,
}

/// The result of logging: the session and any warnings to show.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Logged {
    pub session: Session,
    pub warnings: Vec<String>,
    /// The participants' status changes this write made (for its undo).
    #[serde(skip)]
    pub status_moves: Vec<crate::service::participants::StatusMove>,
    /// A status change of an existing session: the row before and after it (for its
    /// undo, [`Fieldwork::revert_session_status`]). `None` for a new session.
    #[serde(skip)]
    pub change: Option<SessionChange>,
}

/// A session's row before and after a status change, and the participants' status
/// changes it made: what [`Fieldwork::revert_session_status`] takes back.
#[derive(Debug, Clone)]
pub struct SessionChange {
    pub before: SessionRow,
    pub after: SessionRow,
    pub status_moves: Vec<crate::service::participants::StatusMove>,
}
