//! `participant …` and `consent …`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::domain::{Answer, ConsentMode, Status, WithdrawalScope};

use super::shared::*;

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
