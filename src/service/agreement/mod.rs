//! Inter-coder agreement over double-coded transcripts, the settling of disagreements,
//! and blind coding. The statistics are in [`crate::domain::agreement`]; see
//! docs/agreement.md.
//!
//! A transcript is compared when both coders have passage tags on it, all made on the same
//! text (the same sha256) and all still anchored where they were made; the others are
//! listed as excluded with the reason. Per theme, the units are the characters of the
//! compared transcripts; a coder codes a character when any of their tags of the theme
//! covers it. Pooled figures sum the themes' tables.

mod compute;
mod settle;
mod types;

pub use types::*;
