//! Exports built on the service layer: the anonymised participant table, the publication
//! "Table 1" of counts and the REFI-QDA codebook. Every export is built from allow-lists,
//! written to a temporary file beside its destination and renamed into place (never a
//! partial file), never overwrites without `force`, and (for the data exports) writes a
//! manifest beside itself. Every file and folder is created owner-only (see [`files`]).
//!
//! The rules are those of `docs/design/anonymisation.md`; `docs/exports.md` explains what
//! each export holds and withholds.

pub mod audit;
pub mod codebook;
pub mod files;
pub mod folder;
pub mod kinds;
pub mod matrix;
pub mod participants;
pub mod project;
pub mod quotes;
pub mod registry;
pub mod table1;
pub mod text;
pub mod transcripts;

mod register;
mod staging;
mod tabular;
#[cfg(test)]
mod tests;
mod workbook;

pub use register::*;
pub use staging::*;
pub(crate) use tabular::*;
