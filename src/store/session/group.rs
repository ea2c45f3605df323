//! Combining changesets into one (a change group).

use std::ffi::{c_int, c_void};
use std::ptr;

use super::{capture::*, changes::*};
use rusqlite::ffi;

/// A changegroup: changesets added in order, output as one (a row changed by several of
/// them appears once, with the net change).
pub struct ChangeGroup {
    pub(super) raw: *mut ffi::sqlite3_changegroup,
}

impl ChangeGroup {
    pub fn new() -> rusqlite::Result<ChangeGroup> {
        let mut g = ptr::null_mut();
        // SAFETY: creates a group owned by the returned value (deleted on drop).
        check(
            unsafe { ffi::sqlite3changegroup_new(&mut g) },
            "sqlite3changegroup_new",
        )?;
        Ok(ChangeGroup { raw: g })
    }

    /// Add a changeset's changes (the group keeps its own copy of them).
    pub fn add(&mut self, changeset: &[u8]) -> rusqlite::Result<()> {
        if changeset.is_empty() {
            return Ok(());
        }
        let n = c_int::try_from(changeset.len()).map_err(|_| too_large())?;
        // SAFETY: raw is a live group; SQLite only reads the buffer during the call.
        check(
            unsafe { ffi::sqlite3changegroup_add(self.raw, n, changeset.as_ptr() as *mut c_void) },
            "sqlite3changegroup_add",
        )
    }

    /// The group's changes as one changeset.
    pub fn output(&self) -> rusqlite::Result<Vec<u8>> {
        let mut on: c_int = 0;
        let mut out: *mut c_void = ptr::null_mut();
        // SAFETY: raw is a live group; the output is taken and freed.
        unsafe {
            let rc = ffi::sqlite3changegroup_output(self.raw, &mut on, &mut out);
            let v = take_buffer(out, on);
            check(rc, "sqlite3changegroup_output")?;
            Ok(v)
        }
    }
}

impl Drop for ChangeGroup {
    fn drop(&mut self) {
        // SAFETY: raw is the live group this value owns.
        unsafe { ffi::sqlite3changegroup_delete(self.raw) }
    }
}

/// One changeset made of several, in order (see [`ChangeGroup`]).
pub fn combine(changesets: &[&[u8]]) -> rusqlite::Result<Vec<u8>> {
    let mut g = ChangeGroup::new()?;
    for cs in changesets {
        g.add(cs)?;
    }
    g.output()
}
