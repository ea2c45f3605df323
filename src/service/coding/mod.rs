//! Coding: transcript import (with passage re-anchoring), full-text search, passage tags,
//! quotes, the framework matrix, and analysis views (frequency, co-occurrence, saturation).

mod analysis;
mod import;
mod passages;
mod types;
mod undo;

pub use import::*;
pub use types::*;
pub use undo::Accepted;
