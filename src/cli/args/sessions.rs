//! `interview …`, `observation …`, `document …` and `transcript …`.

use std::path::PathBuf;

use clap::Subcommand;

use crate::domain::{InterviewMode, RecordingStatus, SessionStatus, TranscriptionStatus};

use super::shared::*;

#[derive(Debug, Subcommand)]
pub enum InterviewCmd {
    /// Log a completed interview (or schedule one with --status scheduled).
    Log {
        /// Participant id, export code or id prefix; repeat for group interviews.
        #[arg(long = "participant", required = true)]
        participants: Vec<String>,
        /// Date (default today).
        #[arg(long)]
        date: Option<String>,
        /// Phase number; needed when the date is outside every phase window.
        #[arg(long)]
        phase: Option<u32>,
        /// Site code (default: the participants' site).
        #[arg(long)]
        site: Option<String>,
        /// done (default), scheduled or cancelled.
        #[arg(long)]
        status: Option<SessionStatus>,
        /// online, in-person or telephone.
        #[arg(long)]
        mode: Option<InterviewMode>,
        /// Duration in minutes.
        #[arg(long)]
        duration: Option<i64>,
        #[arg(long)]
        interviewer: Option<String>,
        /// recorded, not-recorded or failed.
        #[arg(long)]
        recording: Option<RecordingStatus>,
        /// not-started, in-progress, done or not-needed.
        #[arg(long)]
        transcription: Option<TranscriptionStatus>,
        #[arg(long)]
        notes: Option<String>,
        /// Log it without consent in force, as a gap that `check` reports.
        #[arg(long)]
        allow_gap: bool,
        #[arg(long)]
        json: bool,
    },
    /// Mark a scheduled interview done or cancelled.
    Update {
        session: String,
        #[arg(long)]
        status: SessionStatus,
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        duration: Option<i64>,
        #[arg(long)]
        recording: Option<RecordingStatus>,
        #[arg(long)]
        allow_gap: bool,
    },
    /// List interviews by date.
    List {
        #[arg(long)]
        phase: Option<u32>,
        #[arg(long)]
        site: Option<String>,
        #[arg(long)]
        status: Option<SessionStatus>,
        #[arg(long)]
        participant: Option<String>,
        #[command(flatten)]
        page: Page,
        #[arg(long)]
        json: bool,
    },
    /// Show one interview with participants, transcript and tags.
    Show {
        session: String,
        #[arg(long)]
        json: bool,
    },
    /// Delete an interview created by mistake (audited). Refused while it has a
    /// transcript, tags or passages unless --with-dependents.
    Delete(DeleteArgs),
}

#[derive(Debug, Subcommand)]
pub enum ObservationCmd {
    /// Log an observed meeting.
    Log {
        /// Meeting type code (see `fieldwork study`).
        #[arg(long = "type")]
        meeting_type: String,
        #[arg(long)]
        site: String,
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        phase: Option<u32>,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        observer: Option<String>,
        #[arg(long)]
        attendees: Option<i64>,
        #[arg(long)]
        duration: Option<i64>,
        #[arg(long)]
        notes: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List observed meetings by date.
    List {
        #[arg(long)]
        phase: Option<u32>,
        #[arg(long)]
        site: Option<String>,
        #[command(flatten)]
        page: Page,
        #[arg(long)]
        json: bool,
    },
    /// Delete an observed meeting created by mistake (audited). Refused while it has tags
    /// unless --with-dependents.
    Delete(DeleteArgs),
}

#[derive(Debug, Subcommand)]
pub enum DocumentCmd {
    /// Add a reviewed document.
    Add {
        #[arg(long)]
        title: String,
        #[arg(long)]
        site: String,
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        phase: Option<u32>,
        /// e.g. strategy, quality strategy, framework.
        #[arg(long = "type")]
        doc_type: Option<String>,
        #[arg(long)]
        notes: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List reviewed documents.
    List {
        #[arg(long)]
        site: Option<String>,
        #[command(flatten)]
        page: Page,
        #[arg(long)]
        json: bool,
    },
    /// Delete a reviewed document created by mistake (audited). Refused while it has tags
    /// unless --with-dependents.
    Delete(DeleteArgs),
}

#[derive(Debug, Subcommand)]
pub enum TranscriptCmd {
    /// Link a transcript file (under the transcripts root) to an interview.
    Link {
        session: String,
        file: PathBuf,
        /// Replace an existing link.
        #[arg(long)]
        replace: bool,
    },
    /// Verify every linked file: missing, moved (found by hash) or changed; exit 1 if any.
    Verify {
        /// Relink moved files to where they were found.
        #[arg(long)]
        relink: bool,
        #[arg(long)]
        json: bool,
    },
    /// List interviews with their transcript state.
    List {
        #[command(flatten)]
        page: Page,
        #[arg(long)]
        json: bool,
    },
    /// Import a transcript's text (txt, md, docx, vtt) into the database, linking the file;
    /// on re-import, tagged passages are re-anchored and changes shown.
    Import {
        file: PathBuf,
        #[arg(long)]
        interview: String,
        /// Replace a link to another file.
        #[arg(long)]
        replace: bool,
        #[arg(long)]
        json: bool,
    },
    /// Import every transcript under a folder, matched to interviews by a naming pattern.
    ImportDir {
        dir: PathBuf,
        /// e.g. "{site}/{phase}/{code}*" (default: the `coding.import_pattern` setting).
        #[arg(long)]
        pattern: Option<String>,
        /// Show what would be imported.
        #[arg(long)]
        dry_run: bool,
        /// Import the good files even if some cannot be read.
        #[arg(long)]
        skip_bad: bool,
        #[arg(long)]
        json: bool,
    },
    /// Show an imported transcript: speaker turns and tagged passages.
    Show {
        interview: String,
        #[arg(long)]
        json: bool,
    },
}
