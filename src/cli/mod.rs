//! The command line: clap definitions ([`Cli`]), dispatch ([`run`]) and text output.

mod agreement;
mod coding;
mod delete;
mod docs;
mod output;
mod progress;
mod run;
mod sync;

pub use output::render_coverage;
pub use run::main;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::domain::{
    Answer, ConsentMode, InterviewMode, RecordingStatus, SessionStatus, Status,
    TranscriptionStatus, WithdrawalScope,
};

/// How to delete a record created by mistake (`participant delete`, `interview delete`, …).
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Id, export code (participants) or id prefix of the record created by mistake.
    pub key: String,
    /// Also delete what depends on it (refused without this while anything does).
    #[arg(long)]
    pub with_dependents: bool,
    /// Really delete: without it, only print what would be deleted and exit 2.
    #[arg(long)]
    pub yes: bool,
    #[arg(long)]
    pub json: bool,
}

/// A local, offline fieldwork log for longitudinal qualitative case studies.
///
/// With no command, opens the terminal interface on the study database.
#[derive(Debug, Parser)]
#[command(name = "fieldwork", version, about, long_about = None, after_help = AFTER_HELP)]
pub struct Cli {
    /// Configuration file (else $FIELDWORK_CONFIG, ./fieldwork.toml, the platform config dir,
    /// or the built-in reference study).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database file (else $FIELDWORK_DB, the config's `database`, the platform data dir).
    #[arg(long, global = true, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Coder of the passage tags this command writes (else $FIELDWORK_CODER, the config's
    /// user.name, the user); two coders can code one study on one laptop.
    #[arg(long, global = true, value_name = "NAME")]
    pub coder: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

const AFTER_HELP: &str = "Exit status: 0 success, 1 a failed check or runtime error, 2 bad usage or input.\nSee `fieldwork COMMAND --help` for each command, and README.md for a tour.";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the database from the study definition.
    Init {
        /// Fill in the synthetic demo study.
        #[arg(long)]
        demo: bool,
        /// With --demo: multiply the study (sites, participants, sessions) N times.
        #[arg(long, value_name = "N", default_value_t = 1, requires = "demo",
              value_parser = clap::value_parser!(u32).range(1..=100))]
        scale: u32,
        /// Replace an existing database (it is backed up first).
        #[arg(long)]
        force: bool,
        /// Start from a team member's snapshot bundle (`fieldwork sync export --snapshot`)
        /// or an encrypted backup instead of the study definition: a new fieldworker's
        /// laptop, with a new device id. Opened with `[sync] identity` or a passphrase,
        /// verified, then checked like a restore.
        #[arg(long, value_name = "BUNDLE", conflicts_with = "demo")]
        from: Option<PathBuf>,
    },
    /// Open the demo study (created in the platform data dir the first time).
    Demo {
        /// Multiply the demo study N times (only when it is created).
        #[arg(long, value_name = "N", default_value_t = 1,
              value_parser = clap::value_parser!(u32).range(1..=100))]
        scale: u32,
        /// Print the coverage report instead of opening the interface.
        #[arg(long)]
        print: bool,
    },
    /// Recruit and manage participants.
    #[command(subcommand)]
    Participant(ParticipantCmd),
    /// Record consent and withdrawals.
    #[command(subcommand)]
    Consent(ConsentCmd),
    /// Log, schedule and list interviews.
    #[command(subcommand)]
    Interview(InterviewCmd),
    /// Log and list observed meetings.
    #[command(subcommand)]
    Observation(ObservationCmd),
    /// Add and list reviewed documents.
    #[command(subcommand)]
    Document(DocumentCmd),
    /// Link transcript files to interviews and verify them.
    #[command(subcommand)]
    Transcript(TranscriptCmd),
    /// Maintain the codebook (frameworks of nested themes).
    #[command(subcommand)]
    Theme(ThemeCmd),
    /// Apply themes to sessions.
    #[command(subcommand)]
    Tag(TagCmd),
    /// Import data from files.
    #[command(subcommand)]
    Import(ImportCmd),
    /// Full-text search over transcripts, session notes and memos.
    Search {
        /// Words (any form: `integrate` finds `integrated`), "a phrase", prefix*, AND / OR /
        /// NOT, parentheses; any other punctuation is searched as text (`00:00:07`, `Q3:`).
        query: String,
        /// Match words exactly as written, not their other forms.
        #[arg(long)]
        exact: bool,
        #[arg(long)]
        site: Option<String>,
        #[arg(long)]
        phase: Option<u32>,
        #[arg(long)]
        role_category: Option<String>,
        /// Only sessions (or passages) tagged with this theme.
        #[arg(long)]
        theme: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Tag passages of transcripts with themes.
    #[command(subcommand)]
    Passage(PassageCmd),
    /// Tagged passages of a theme with their attribution; those without consent are marked.
    Quotes {
        #[arg(long)]
        theme: String,
        #[arg(long)]
        site: Option<String>,
        #[arg(long)]
        phase: Option<u32>,
        #[arg(long)]
        role_category: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The framework matrix: cases × themes, passage counts and summaries.
    #[command(subcommand)]
    Matrix(MatrixCmd),
    /// Analysis views: theme frequency, co-occurrence, saturation.
    #[command(subcommand)]
    Analysis(AnalysisCmd),
    /// Transcript redaction: the register of identifiers and the review of suspects.
    #[command(subcommand)]
    Redact(RedactCmd),
    // The help line is the registry's: it names every export.
    #[command(subcommand)]
    Export(ExportCmd),
    /// Interviews against targets, follow-up, observations and gaps.
    Coverage {
        #[arg(long)]
        json: bool,
        /// Also break the completed sessions down: `fieldworker` (interviews per
        /// interviewer and observed meetings per observer, per phase and site).
        #[arg(long, value_name = "WHAT", value_parser = ["fieldworker"])]
        by: Option<String>,
    },
    /// Check database integrity and every consistency problem; exit 1 if any.
    Check {
        #[arg(long)]
        json: bool,
    },
    /// Write a consistent copy of the live database (SQLite online backup).
    Backup {
        /// Destination file (must not exist).
        file: PathBuf,
        /// Encrypt it with age: to `[sync] recipients` if configured, else with a
        /// passphrase ($FIELDWORK_SYNC_PASSPHRASE, or asked twice on the terminal).
        #[arg(long)]
        encrypt: bool,
    },
    /// Replace the database with a backup: checked first (a fieldwork database, not newer,
    /// integrity ok); the current database is kept as FILE.before-restore-<time>.bak.
    /// An encrypted backup (`backup --encrypt`) is decrypted and verified first, with
    /// `[sync] identity` or a passphrase.
    Restore {
        /// The backup file to restore.
        backup: PathBuf,
    },
    /// Show the study definition in the database: sites, phases, roles, meeting types.
    Study {
        #[arg(long)]
        json: bool,
    },
    /// Inter-coder agreement on double-coded transcripts: per theme and pooled figures
    /// (percent and positive agreement, Cohen's kappa, Krippendorff's alpha) and the
    /// disagreeing spans with their text; settle disagreements; reveal under blind coding.
    Agreement(AgreementArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) for every
    /// command and flag, e.g. `fieldwork completions bash >
    /// ~/.local/share/bash-completion/completions/fieldwork`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (fieldwork.1), or with --out write it and one page per command
    /// (fieldwork-export-table1.1, …) into DIR, e.g. `fieldwork man --out
    /// ~/.local/share/man/man1`.
    Man {
        /// Folder for the pages (created if missing; existing pages are replaced).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Show the audit log, newest first.
    Audit {
        /// Only entries about this entity id.
        #[arg(long)]
        entity: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Team sync: exchange changes with other laptops as encrypted bundle files, resolve
    /// conflicts, revert an import, make keys (docs/sync.md).
    #[command(subcommand)]
    Sync(SyncCmd),
}

/// `fieldwork sync …`.
#[derive(Debug, Subcommand)]
pub enum SyncCmd {
    /// Write the changes made on this laptop and not yet sent to a bundle file.
    Export {
        /// The bundle file to write (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Resend every change after this sequence number (0: all), e.g. for a bundle
        /// that was lost.
        #[arg(long, value_name = "SEQ", conflicts_with = "snapshot",
              value_parser = clap::value_parser!(i64).range(0..))]
        since: Option<i64>,
        /// A snapshot of the whole database instead, to start a new laptop from
        /// (`fieldwork init --from FILE`).
        #[arg(long)]
        snapshot: bool,
        #[arg(long)]
        json: bool,
    },
    /// Verify and apply other laptops' bundles (in one transaction; any order).
    Import {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// This laptop, its peers and what it has applied of each.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Changes from other laptops that clash with this one's, kept for a person to choose.
    Conflicts {
        /// Also the resolved ones.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Choose for a conflict: keep this laptop's value, the other laptop's, or both.
    Resolve {
        /// The conflict's id (or its first characters).
        id: String,
        #[arg(long, value_enum)]
        keep: KeepArg,
    },
    /// Undo an import (a batch) with its inverted changes, unless later changes depend on it.
    Revert {
        /// The batch id (or its first characters), from `fieldwork sync status`.
        batch: String,
    },
    /// Write a new age identity (private key, 0600) and print its public key (`age1…`)
    /// for others' `[sync] recipients`.
    Keygen {
        /// The identity file to create (must not exist); point `[sync] identity` at it.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

/// `--keep`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KeepArg {
    Mine,
    Theirs,
    Both,
}

/// Paging for lists.
#[derive(Debug, Args, Clone)]
pub struct Page {
    /// At most this many rows.
    #[arg(long, default_value_t = 10_000)]
    pub limit: usize,
    /// Skip this many rows.
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
}

#[derive(Debug, Args, Clone, Default)]
pub struct ParticipantFields {
    /// Full name (a direct identifier: masked in privacy mode, never exported).
    #[arg(long)]
    pub name: Option<String>,
    /// Role code or name from the taxonomy (see `fieldwork study`).
    #[arg(long)]
    pub role: Option<String>,
    /// Site code.
    #[arg(long)]
    pub site: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
    #[arg(long)]
    pub organisation: Option<String>,
    /// Verbatim job title.
    #[arg(long)]
    pub job_title: Option<String>,
    #[arg(long)]
    pub notes: Option<String>,
    /// Allow a second holder of a role that is unique at a site (`unique_at_site` in the
    /// taxonomy); recorded in the audit log, and exports treat both as unique.
    #[arg(long)]
    pub allow_duplicate_unique_role: bool,
}

#[derive(Debug, Subcommand)]
pub enum ParticipantCmd {
    /// Add a participant; a random export code is assigned.
    Add {
        #[command(flatten)]
        fields: ParticipantFields,
        /// Starting status (default: identified).
        #[arg(long)]
        status: Option<Status>,
        #[arg(long)]
        json: bool,
    },
    /// List participants.
    List {
        #[arg(long)]
        site: Option<String>,
        #[arg(long)]
        role_category: Option<String>,
        #[arg(long)]
        status: Option<Status>,
        /// Only those with a completed interview in this phase.
        #[arg(long)]
        phase: Option<u32>,
        /// Fuzzy match on name or code (letters in order), or substring of organisation or job title.
        #[arg(long)]
        search: Option<String>,
        #[command(flatten)]
        page: Page,
        #[arg(long)]
        json: bool,
    },
    /// Show one participant with status history, consent and sessions.
    Show {
        /// Id, export code or id prefix.
        participant: String,
        #[arg(long)]
        json: bool,
    },
    /// Change fields (an empty value clears an optional field); the export code never changes.
    Edit {
        participant: String,
        #[command(flatten)]
        fields: ParticipantFields,
        #[arg(long)]
        json: bool,
    },
    /// Move a participant along the recruitment pipeline (kept as a dated event).
    Status {
        participant: String,
        /// identified, invited, reminded, consented, scheduled, interviewed, declined,
        /// ineligible, no-response.
        status: Status,
        /// Date of the change (default today).
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// Delete a participant created by mistake (audited). Refused while records depend on
    /// them unless --with-dependents; never when they have consent or withdrawal records.
    Delete(DeleteArgs),
}

#[derive(Debug, Subcommand)]
pub enum ConsentCmd {
    /// Record a consent event (immutable). Items not given stay unset.
    Record {
        participant: String,
        /// Date consent was given (default today).
        #[arg(long)]
        date: Option<String>,
        /// Consent form version (default: the study's current version).
        #[arg(long)]
        form_version: Option<String>,
        /// A copy of the form's text; its SHA-256 is kept with the record.
        #[arg(long, value_name = "FILE")]
        form_file: Option<PathBuf>,
        /// written, e-consent or verbal.
        #[arg(long)]
        mode: Option<ConsentMode>,
        /// Who took consent (default: the configured user).
        #[arg(long)]
        taken_by: Option<String>,
        /// yes, no or not-asked.
        #[arg(long)]
        take_part: Option<Answer>,
        #[arg(long)]
        audio: Option<Answer>,
        /// Anonymised quotes.
        #[arg(long)]
        quotes: Option<Answer>,
        /// Archiving and sharing.
        #[arg(long)]
        archiving: Option<Answer>,
        /// Contact for the follow-up phase.
        #[arg(long)]
        follow_up: Option<Answer>,
        /// Where the signed form is kept.
        #[arg(long)]
        file_ref: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Record a withdrawal (immutable) with its scope.
    Withdraw {
        participant: String,
        /// no-further-contact, no-further-data, remove-unanalysed, remove-all-feasible.
        #[arg(long)]
        scope: WithdrawalScope,
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Consent in force on a date (default today) and every record.
    Show {
        participant: String,
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Consent problems: interviewed without consent in force, recorded without audio
    /// consent, baseline participants not seen again whose follow-up contact is not agreed,
    /// consent items never asked. Exit 0 with the list (`check` is the one that fails).
    Problems {
        #[arg(long)]
        json: bool,
    },
    /// Mark a consent record or withdrawal entered in error (a correcting record; the
    /// original stays, immutable, and is ignored from then on).
    Correct {
        /// Id (or a unique prefix of 6+ characters) of the consent record or withdrawal;
        /// `consent show --json` lists the ids.
        #[arg(value_name = "ID")]
        record: String,
        /// Why it was entered in error.
        #[arg(long)]
        reason: String,
        /// Really correct: without it, only print what would be corrected and exit 2.
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
    },
}

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

#[derive(Debug, Subcommand)]
pub enum ThemeCmd {
    /// Add a theme (at a framework's top level, or under --parent).
    Add {
        name: String,
        #[arg(long)]
        framework: Option<String>,
        /// Parent theme (name, path or id).
        #[arg(long)]
        parent: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// #RRGGBB
        #[arg(long)]
        colour: Option<String>,
    },
    /// Rename a theme (history kept).
    Rename { theme: String, new_name: String },
    /// Merge a theme into another: its tags and children move; history kept.
    Merge { theme: String, into: String },
    /// Retire a theme: it keeps its tags but takes no new ones.
    Retire { theme: String },
    /// The codebook as a tree with tag counts.
    List {
        /// Include retired and merged themes.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Add a framework (a top-level group of themes) to the codebook.
    Framework {
        name: String,
        #[arg(long)]
        description: Option<String>,
    },
    /// Split a theme: create NEW beside it and move the given passage tags onto it.
    Split {
        theme: String,
        #[arg(long)]
        into: String,
        /// Tag ids to move (repeat).
        #[arg(long = "tag", required = true)]
        tags: Vec<String>,
    },
    /// A theme's history.
    History {
        theme: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TagCmd {
    /// Tag a session with one or more themes.
    Add {
        session: String,
        #[arg(required = true)]
        themes: Vec<String>,
        #[arg(long)]
        memo: Option<String>,
    },
    /// Remove a tag, by id or by --session and --theme.
    Remove {
        tag: Option<String>,
        #[arg(long)]
        session: Option<String>,
        #[arg(long)]
        theme: Option<String>,
    },
    /// List tags.
    List {
        #[arg(long)]
        session: Option<String>,
        #[arg(long)]
        theme: Option<String>,
        #[command(flatten)]
        page: Page,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PassageCmd {
    /// Tag a passage of an interview's transcript: by character offsets, or by its text.
    Add {
        interview: String,
        #[arg(required = true)]
        themes: Vec<String>,
        /// Start offset (characters).
        #[arg(long, requires = "end", conflicts_with = "quote")]
        start: Option<usize>,
        /// End offset (characters, exclusive).
        #[arg(long, requires = "start")]
        end: Option<usize>,
        /// The passage's exact text.
        #[arg(long)]
        quote: Option<String>,
        /// Which occurrence of --quote (1-based) when it appears more than once.
        #[arg(long)]
        occurrence: Option<usize>,
        #[arg(long)]
        memo: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// List passages: of an interview, of a theme, or those needing review after re-import.
    List {
        #[arg(long)]
        interview: Option<String>,
        #[arg(long)]
        theme: Option<String>,
        /// Only passages a re-import could not keep on identical text.
        #[arg(long)]
        review: bool,
        #[arg(long)]
        json: bool,
    },
    /// Accept a changed passage's current text as its quote.
    Accept { tag: String },
}

#[derive(Debug, Subcommand)]
pub enum MatrixCmd {
    /// Print the matrix (cases by export code × themes).
    Show {
        #[arg(long)]
        phase: Option<u32>,
        #[arg(long)]
        json: bool,
    },
    /// Write a cell's summary (an empty summary clears it).
    Set {
        participant: String,
        theme: String,
        #[arg(long)]
        phase: u32,
        #[arg(long)]
        summary: String,
    },
    /// The passages behind a cell.
    Cell {
        participant: String,
        theme: String,
        #[arg(long)]
        phase: u32,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AnalysisCmd {
    /// Tags per theme by site and phase.
    Frequency {
        #[arg(long)]
        json: bool,
    },
    /// Themes seen together on passages and on sessions.
    Cooccurrence {
        #[arg(long)]
        json: bool,
    },
    /// New themes per interview, cumulative count, and the stopping-rule verdict.
    Saturation {
        #[arg(long)]
        base: Option<usize>,
        #[arg(long)]
        run: Option<usize>,
        /// New-information threshold as a fraction (0.05 = 5%).
        #[arg(long)]
        threshold: Option<f64>,
        #[arg(long)]
        phase: Option<u32>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RedactCmd {
    /// Seed the register from participants' names, their organisations and the sites.
    Seed,
    /// The register: identifiers, labels and variants.
    Register {
        #[arg(long)]
        json: bool,
    },
    /// Add an identifier: a kind, its one replacement label, and the texts it replaces.
    Add {
        /// person, organisation, place, programme or other.
        #[arg(long)]
        kind: String,
        /// e.g. "[Acute trust 1]".
        #[arg(long)]
        label: String,
        #[arg(required = true)]
        variants: Vec<String>,
    },
    /// Add a variant (spelling, nickname, misspelling) to an identifier (id or label).
    Variant { identifier: String, variant: String },
    /// Suspects not in the register, grouped by text, with where they occur.
    Suspects {
        #[arg(long)]
        interview: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Accept a suspect: replace it everywhere, as a variant of an identifier or as a new one.
    Accept {
        text: String,
        /// An existing identifier (id or label).
        #[arg(long, conflicts_with_all = ["kind", "label"])]
        identifier: Option<String>,
        #[arg(long, requires = "label")]
        kind: Option<String>,
        #[arg(long, requires = "kind")]
        label: Option<String>,
    },
    /// Reject a suspect: it does not identify anyone; allow it everywhere. With --class,
    /// allow a whole class in one step: `common-words` (capitalised common English words
    /// that are not given names) or `places` (the study's place names).
    Allow {
        #[arg(required_unless_present = "class", conflicts_with = "class")]
        text: Option<String>,
        /// common-words, places or dates.
        #[arg(long, value_name = "CLASS")]
        class: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Print an interview's transcript redacted with the register.
    Preview {
        interview: String,
        #[arg(long)]
        json: bool,
    },
    /// The anonymisation log (identifying: it never leaves the database).
    Log {
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCmd {
    /// Import participants from CSV (columns: name, role, site, email, phone, organisation,
    /// job_title, notes, status); every row is validated first; all or nothing.
    Participants { file: PathBuf },
    /// Merge a REFI-QDA codebook (.qdc, or the codebook of a .qdpx project) into a framework
    /// by GUID: new codes are added, known codes with a new name renamed, the rest skipped;
    /// all or nothing.
    Codebook {
        file: PathBuf,
        /// The framework to import into (created if absent). Without it: the study's only
        /// framework, or else the one named after the file (FILE's name without `.qdc`),
        /// created if absent.
        #[arg(long)]
        framework: Option<String>,
        /// Report what would change without writing anything.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// Read a REFI-QDA project's codings back as passage tags with their coders
    /// (`creatingUser`): sources matched by GUID with identical text (an export with
    /// --originals), codes by GUID; codings already present skipped; all or nothing.
    Codings {
        file: PathBuf,
        /// Report what would change without writing anything.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
}

/// `export NAME …`: the subcommands, their flags and help are built from the export
/// registry ([`crate::export::registry::EXPORTS`]).
pub use crate::export::registry::cli::ExportCmd;

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// docs/cli.md documents every command and subcommand the parser knows.
    #[test]
    fn reference_lists_every_command() {
        let doc = include_str!("../../docs/cli.md");
        let cmd = Cli::command();
        for sub in cmd.get_subcommands() {
            let name = sub.get_name();
            if name == "help" {
                continue;
            }
            let nested: Vec<_> = sub
                .get_subcommands()
                .filter(|s| s.get_name() != "help")
                .collect();
            if nested.is_empty() {
                assert!(
                    doc.contains(&format!("`{name}")),
                    "docs/cli.md lacks `{name}`"
                );
            }
            for n in nested {
                let full = format!("`{name} {}", n.get_name());
                assert!(doc.contains(&full), "docs/cli.md lacks {full}`");
            }
        }
    }
}

/// `fieldwork agreement [--coders A,B] [--theme T] [--interview ID] [--format md|csv|json]`,
/// or one of its subcommands.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AgreementArgs {
    #[command(subcommand)]
    pub command: Option<AgreementCmd>,
    /// The two coders to compare (else the only two coders of passages).
    #[arg(long, value_name = "A,B")]
    pub coders: Option<String>,
    /// Only this theme (name, path or id).
    #[arg(long, value_name = "T")]
    pub theme: Option<String>,
    /// Only this interview (id, id prefix).
    #[arg(long, value_name = "ID")]
    pub interview: Option<String>,
    /// md (a table per theme and pooled, then the disagreeing spans), csv (the figures),
    /// json (everything).
    #[arg(long, value_name = "md|csv|json", default_value = "md",
          value_parser = ["md", "csv", "json"])]
    pub format: String,
}

#[derive(Debug, Subcommand)]
pub enum AgreementCmd {
    /// Settle one disagreement (its key from `fieldwork agreement`): keep coder A's coding,
    /// B's, both, or merge them into one passage; the tags change and the audit log keeps
    /// what they were.
    Settle {
        /// The disagreement's key (or a unique prefix of it).
        key: String,
        /// Whose coding stands: a, b or both.
        #[arg(long, value_name = "a|b|both", required_unless_present = "merge",
              value_parser = ["a", "b", "both"])]
        keep: Option<String>,
        /// One passage over the whole disagreement, for each coder.
        #[arg(long, conflicts_with = "keep")]
        merge: bool,
        /// The two coders (as for `fieldwork agreement`).
        #[arg(long, value_name = "A,B")]
        coders: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Blind coding: show the other coders' tags to this coder from now on (recorded in the
    /// audit log).
    Reveal,
    /// The coders of passages, with how many each made, and who this run codes as.
    Coders {
        #[arg(long)]
        json: bool,
    },
}
