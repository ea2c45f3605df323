//! A small safe wrapper over SQLite's session extension (changesets, their iteration,
//! `apply_v2` with a conflict handler, inversion, changegroups), through `rusqlite::ffi`.
//!
//! The bundled SQLite is compiled with `SQLITE_ENABLE_SESSION` and
//! `SQLITE_ENABLE_PREUPDATE_HOOK` (`.cargo/config.toml` sets `LIBSQLITE3_FLAGS`), and
//! libsqlite3-sys's pre-generated bindings declare these functions, so no bindgen (and no
//! libclang) is needed. Every `unsafe` block of the crate's sync code is in this folder
//! (`src/store/session/`):
//!
//! - a [`Session`] borrows its connection (`'c`), so it cannot outlive it; it is deleted on
//!   drop, before the connection can be closed;
//! - buffers SQLite allocates (changesets, inverted changesets, changegroup output) are
//!   copied into a `Vec` and freed with `sqlite3_free` at once;
//! - the callbacks given to SQLite (table filter, conflict handler) catch every panic:
//!   nothing unwinds through C. A panic in a conflict handler aborts the apply (the
//!   caller's transaction rolls back) and is reported as an error.

mod apply;
mod capture;
mod changes;
mod group;
#[cfg(test)]
mod tests;

pub use apply::*;
pub use capture::*;
pub use changes::*;
pub use group::*;
