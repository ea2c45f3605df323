//! `sync …`, `import …`, `export …` and `agreement …`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::shared::*;

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
