//! Transcript redaction: the register of identifiers (seeded from the database, edited by
//! people), the review of suspects, and redacted text with an anonymisation log.

mod apply;
mod register;
mod review;
mod types;
mod undo;

pub use types::*;
pub use undo::*;
