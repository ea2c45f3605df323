//! Team sync between laptops that never share a network (issue 11; docs/sync.md).
//!
//! - [`bundle`]: the file that carries changes, a full snapshot or a backup from one laptop
//!   to another: a small header (device, sequence range, schema version, SHA-256 of the
//!   payload) and the payload, both inside `age` encryption, so nothing is readable on disk.
//!   It knows files and keys only: what the payload holds is the sync engine's business.

pub mod bundle;
pub mod keys;
