//! The top level: global flags ([`Cli`]) and the list of commands ([`Command`]).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use super::coding::*;
use super::data::*;
use super::people::*;
use super::sessions::*;

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
