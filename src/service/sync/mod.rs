//! Team sync (docs/sync.md): export this laptop's changes as a bundle, import other
//! laptops' bundles in dependency order with field-level merge, keep every clash as a
//! conflict for a person, resolve, revert an import, and start a laptop from a snapshot.
//!
//! The engine is SQLite's session extension (`store::session`): every write's changeset
//! is captured into the outbox by `Store::write` (one transaction); here they are sent and
//! applied.

mod apply;
mod conflicts;
pub(crate) use conflicts::{fts_turns, turns_of};
mod import;
mod resolve;
mod rows;
mod wire;

pub use wire::*;

pub use crate::store::sync::{ConflictRow, Device, Peer};
pub use crate::sync::bundle::{Seal, Unseal};
