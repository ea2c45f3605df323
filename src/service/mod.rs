//! Use-cases shared by the CLI and the TUI. Every write is one `BEGIN IMMEDIATE`
//! transaction that also writes the audit log; rules live here, not in the front ends.

pub mod agreement;
pub mod check;
pub mod codebook;
pub mod coding;
pub mod consent;
pub mod coverage;
pub mod delete;
pub mod import;
pub mod participants;
pub mod redaction;
pub mod restore;
pub mod search_query;
pub mod sessions;
pub mod setup;
pub mod sync;
pub mod themes;
pub mod transcript_copy;
pub mod transcripts;
pub mod tui_rows;

mod error;
mod fieldwork;
mod helpers;
mod populate;
mod reference_data;
mod version;

#[cfg(test)]
mod tests;

pub(crate) use error::{invalid, io_err};
pub use error::{FieldChange, Result, ServiceError};
pub use fieldwork::{remove_db_files, Fieldwork, Settings};
pub(crate) use helpers::{clean, json, one, write_changes};
pub use reference_data::Reference;
pub use version::Version;

pub use crate::store::SCHEMA_VERSION;
/// Where a database's copy is put before it is replaced (`init --force`), and the check
/// that a file is a fieldwork database (its schema version), for the command line.
pub use crate::store::{backup_path, inspect as inspect_db};
