//! Recording a session: the SQLite session object over a connection, filtered by table.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::marker::PhantomData;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use rusqlite::ffi;
use rusqlite::Connection;

pub(super) fn check(rc: c_int, what: &str) -> rusqlite::Result<()> {
    if rc == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(rusqlite::Error::SqliteFailure(
            ffi::Error::new(rc),
            Some(format!("{what} failed: {}", ffi::Error::new(rc))),
        ))
    }
}

/// Copy a buffer SQLite allocated into a `Vec` and free it.
///
/// # Safety
/// `p` must be null or point to `n` bytes allocated by SQLite.
pub(super) unsafe fn take_buffer(p: *mut c_void, n: c_int) -> Vec<u8> {
    if p.is_null() {
        return Vec::new();
    }
    let v = std::slice::from_raw_parts(p as *const u8, n.max(0) as usize).to_vec();
    ffi::sqlite3_free(p);
    v
}

pub(super) type TableFilter = Box<dyn Fn(&str) -> bool + Send>;

/// Records the changes one connection makes to the tables a filter accepts.
pub struct Session<'c> {
    pub(super) raw: *mut ffi::sqlite3_session,
    // Kept alive (and at a stable address) for the filter callback.
    pub(super) filter: Box<TableFilter>,
    pub(super) _conn: PhantomData<&'c Connection>,
}

unsafe extern "C" fn filter_trampoline(ctx: *mut c_void, table: *const c_char) -> c_int {
    let r = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: ctx is the `Box<TableFilter>` owned by the session (or the apply call),
        // alive for as long as SQLite may call this; table is a NUL-terminated name.
        let f = &*(ctx as *const TableFilter);
        let name = CStr::from_ptr(table).to_string_lossy();
        f(&name)
    }));
    matches!(r, Ok(true)) as c_int
}

impl<'c> Session<'c> {
    /// A session on the `main` database of `conn`, recording every table `filter` accepts
    /// (only tables with a primary key are ever recorded; virtual tables never are).
    pub fn new(
        conn: &'c Connection,
        filter: impl Fn(&str) -> bool + Send + 'static,
    ) -> rusqlite::Result<Session<'c>> {
        let mut raw = ptr::null_mut();
        // SAFETY: handle() is the live connection, which outlives the session ('c).
        let rc = unsafe { ffi::sqlite3session_create(conn.handle(), c"main".as_ptr(), &mut raw) };
        if rc != ffi::SQLITE_OK {
            return Err(rusqlite::Error::SqliteFailure(
                ffi::Error::new(rc),
                Some(
                    "cannot create an SQLite session: the bundled SQLite was built without \
                     SQLITE_ENABLE_SESSION (see .cargo/config.toml)"
                        .into(),
                ),
            ));
        }
        let filter: Box<TableFilter> = Box::new(Box::new(filter));
        let s = Session {
            raw,
            filter,
            _conn: PhantomData,
        };
        // SAFETY: raw is a live session; the filter box lives as long as the session.
        unsafe {
            ffi::sqlite3session_table_filter(
                s.raw,
                Some(filter_trampoline),
                &*s.filter as *const TableFilter as *mut c_void,
            );
            check(
                ffi::sqlite3session_attach(s.raw, ptr::null()),
                "sqlite3session_attach",
            )?;
        }
        Ok(s)
    }

    /// A session not tied to a borrow of its connection, for a store that keeps it beside
    /// the connection (a batch's capture spans many calls).
    ///
    /// # Safety
    /// The session must be dropped before `conn` is closed (the store declares it before
    /// the connection, so it is dropped first, and drops it explicitly).
    pub unsafe fn new_unbound(
        conn: &Connection,
        filter: impl Fn(&str) -> bool + Send + 'static,
    ) -> rusqlite::Result<Session<'static>> {
        let s = Session::new(conn, filter)?;
        // SAFETY: only the lifetime marker changes; the caller keeps the connection alive.
        Ok(std::mem::transmute::<Session<'_>, Session<'static>>(s))
    }

    /// Whether nothing has been recorded (an approximation on the safe side: a change
    /// undone later still counts; [`Session::changeset`] is then empty).
    pub fn is_empty(&self) -> bool {
        // SAFETY: raw is a live session.
        unsafe { ffi::sqlite3session_isempty(self.raw) != 0 }
    }

    /// Bytes of memory the session holds (grows with the rows it recorded).
    pub fn memory_used(&self) -> i64 {
        // SAFETY: raw is a live session.
        unsafe { ffi::sqlite3session_memory_used(self.raw) }
    }

    /// The changeset of the net changes recorded so far (empty if none).
    pub fn changeset(&self) -> rusqlite::Result<Vec<u8>> {
        let mut n: c_int = 0;
        let mut p: *mut c_void = ptr::null_mut();
        // SAFETY: raw is a live session; the buffer is taken and freed at once.
        unsafe {
            check(
                ffi::sqlite3session_changeset(self.raw, &mut n, &mut p),
                "sqlite3session_changeset",
            )
            .inspect_err(|_| {
                take_buffer(p, n);
            })?;
            Ok(take_buffer(p, n))
        }
    }
}

// SAFETY: an unbound session is owned beside its connection (by the store), which is
// `Send`; the two move between threads together and are never used from two threads at
// once (the connection is not `Sync`, and the session is only reached through the store).
unsafe impl Send for Session<'static> {}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        // SAFETY: raw is a live session, deleted once.
        unsafe { ffi::sqlite3session_delete(self.raw) }
    }
}
