//! CLI handlers and text output for coding: transcripts' text, search, passages, quotes,
//! the framework matrix and analysis views.

mod analysis;
mod redact;
mod transcripts;

pub use analysis::*;
pub use redact::*;
pub use transcripts::*;
