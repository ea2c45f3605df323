//! SQLite storage: opening, pragmas, migrations and typed queries. Knows nothing of the UI.
//!
//! Functions take a `&Connection`, so the service layer can run several of them inside one
//! `BEGIN IMMEDIATE` transaction (a [`Write`] derefs to a `Connection`).

pub mod agreement;
pub mod audit;
pub mod coding;
pub mod consent;
pub mod delete;
pub mod participants;
pub mod redaction;
pub mod reference;
pub mod session;
pub mod sessions;
pub mod sync;
pub mod themes;
pub mod transcripts;

mod backup;
mod db;
mod error;
mod schema;
#[cfg(test)]
mod tests;
mod write;

pub use backup::*;
pub use db::*;
pub use error::*;
pub use schema::*;
pub use write::*;
