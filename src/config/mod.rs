//! `fieldwork.toml`: settings and the study definition used by `init`.
//!
//! Lookup order for the file: `--config FILE`, `$FIELDWORK_CONFIG`, `./fieldwork.toml`, the
//! platform config dir. With no file, the embedded reference study (`assets/study.toml`) is
//! used. Every error names the file, line, column and key, and suggests valid values.

mod error;
mod loaded;
mod schema;
#[cfg(test)]
mod tests;
mod validate;

pub use error::*;
pub use loaded::*;
pub use schema::*;
pub use validate::*;
