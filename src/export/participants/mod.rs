//! The anonymised participant table (one row per participant).
//!
//! Rows: participants with at least one completed interview whose consent in force today
//! says `yes` to archiving/sharing, and who never withdrew with a removal scope. Columns
//! (an allow-list): export code, site code, phases interviewed, role category. Nothing
//! else is read into the table, so no direct identifier and no date can reach it.
//!
//! Disclosure control: k-anonymity over the quasi-identifying columns (role category, site,
//! phases). Whole columns are generalised first (role category → all roles, then site →
//! withheld); at the first level where it is enough, single cells of the rows still in a
//! group smaller than k are suppressed. If more than a tenth of the quasi-identifying cells
//! would have to go at every level, the export is refused.

mod anonymise;
#[cfg(test)]
mod tests;
mod write;

pub use anonymise::*;
pub use write::*;
