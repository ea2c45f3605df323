//! Coding: transcript import (with passage re-anchoring), full-text search, passage tags,
//! quotes, the framework matrix, and analysis views (frequency, co-occurrence, saturation).

mod analysis;
mod import;
mod import_dir;
mod import_undo;
mod passages;
mod types;
mod undo;

pub use import::*;
pub use import_undo::*;
pub use types::*;
pub use undo::Accepted;
