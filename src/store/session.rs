//! A small safe wrapper over SQLite's session extension (changesets, their iteration,
//! `apply_v2` with a conflict handler, inversion, changegroups), through `rusqlite::ffi`.
//!
//! The bundled SQLite is compiled with `SQLITE_ENABLE_SESSION` and
//! `SQLITE_ENABLE_PREUPDATE_HOOK` (`.cargo/config.toml` sets `LIBSQLITE3_FLAGS`), and
//! libsqlite3-sys's pre-generated bindings declare these functions, so no bindgen (and no
//! libclang) is needed. Every `unsafe` block of the crate's sync code is in this file:
//!
//! - a [`Session`] borrows its connection (`'c`), so it cannot outlive it; it is deleted on
//!   drop, before the connection can be closed;
//! - buffers SQLite allocates (changesets, inverted changesets, changegroup output) are
//!   copied into a `Vec` and freed with `sqlite3_free` at once;
//! - the callbacks given to SQLite (table filter, conflict handler) catch every panic:
//!   nothing unwinds through C. A panic in a conflict handler aborts the apply (the
//!   caller's transaction rolls back) and is reported as an error.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::marker::PhantomData;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use rusqlite::ffi;
use rusqlite::types::Value;
use rusqlite::Connection;

fn check(rc: c_int, what: &str) -> rusqlite::Result<()> {
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
unsafe fn take_buffer(p: *mut c_void, n: c_int) -> Vec<u8> {
    if p.is_null() {
        return Vec::new();
    }
    let v = std::slice::from_raw_parts(p as *const u8, n.max(0) as usize).to_vec();
    ffi::sqlite3_free(p);
    v
}

type TableFilter = Box<dyn Fn(&str) -> bool + Send>;

/// Records the changes one connection makes to the tables a filter accepts.
pub struct Session<'c> {
    raw: *mut ffi::sqlite3_session,
    // Kept alive (and at a stable address) for the filter callback.
    filter: Box<TableFilter>,
    _conn: PhantomData<&'c Connection>,
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

/// The kind of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Insert,
    Update,
    Delete,
}

/// One change of a changeset. `old` and `new` hold a value per column of the table:
/// `None` where the changeset carries none (an UPDATE's unchanged columns; `new` of a
/// DELETE, `old` of an INSERT).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub table: String,
    pub op: Op,
    /// Which columns are the primary key.
    pub pk: Vec<bool>,
    pub old: Vec<Option<Value>>,
    pub new: Vec<Option<Value>>,
}

impl Change {
    /// The primary key's values (from `old`, or `new` for an INSERT).
    pub fn key(&self) -> Vec<Value> {
        let src = if self.op == Op::Insert {
            &self.new
        } else {
            &self.old
        };
        self.pk
            .iter()
            .zip(src)
            .filter(|(pk, _)| **pk)
            .map(|(_, v)| v.clone().unwrap_or(Value::Null))
            .collect()
    }
}

/// Read an `sqlite3_value` (null pointer: absent).
///
/// # Safety
/// `v` must be null or a value valid for the duration of the call.
unsafe fn read_value(v: *mut ffi::sqlite3_value) -> Option<Value> {
    if v.is_null() {
        return None;
    }
    Some(match ffi::sqlite3_value_type(v) {
        ffi::SQLITE_INTEGER => Value::Integer(ffi::sqlite3_value_int64(v)),
        ffi::SQLITE_FLOAT => Value::Real(ffi::sqlite3_value_double(v)),
        ffi::SQLITE_TEXT => {
            let p = ffi::sqlite3_value_text(v);
            let n = ffi::sqlite3_value_bytes(v);
            if p.is_null() {
                Value::Text(String::new())
            } else {
                let b = std::slice::from_raw_parts(p, n.max(0) as usize);
                Value::Text(String::from_utf8_lossy(b).into_owned())
            }
        }
        ffi::SQLITE_BLOB => {
            let p = ffi::sqlite3_value_blob(v);
            let n = ffi::sqlite3_value_bytes(v);
            if p.is_null() {
                Value::Blob(Vec::new())
            } else {
                Value::Blob(std::slice::from_raw_parts(p as *const u8, n.max(0) as usize).to_vec())
            }
        }
        _ => Value::Null,
    })
}

/// The change an iterator points at.
///
/// # Safety
/// `it` must be a live iterator positioned on a change.
unsafe fn read_change(it: *mut ffi::sqlite3_changeset_iter) -> rusqlite::Result<Change> {
    let mut tab: *const c_char = ptr::null();
    let mut ncol: c_int = 0;
    let mut op: c_int = 0;
    let mut indirect: c_int = 0;
    check(
        ffi::sqlite3changeset_op(it, &mut tab, &mut ncol, &mut op, &mut indirect),
        "sqlite3changeset_op",
    )?;
    let table = if tab.is_null() {
        String::new()
    } else {
        CStr::from_ptr(tab).to_string_lossy().into_owned()
    };
    let mut pkp: *mut u8 = ptr::null_mut();
    let mut npk: c_int = 0;
    check(
        ffi::sqlite3changeset_pk(it, &mut pkp, &mut npk),
        "sqlite3changeset_pk",
    )?;
    let pk: Vec<bool> = (0..ncol.max(0) as usize)
        .map(|i| !pkp.is_null() && i < npk as usize && *pkp.add(i) != 0)
        .collect();
    let op = match op {
        ffi::SQLITE_INSERT => Op::Insert,
        ffi::SQLITE_DELETE => Op::Delete,
        _ => Op::Update,
    };
    let mut old = Vec::with_capacity(ncol as usize);
    let mut new = Vec::with_capacity(ncol as usize);
    for i in 0..ncol {
        let mut v = ptr::null_mut();
        if op != Op::Insert && ffi::sqlite3changeset_old(it, i, &mut v) == ffi::SQLITE_OK {
            old.push(read_value(v));
        } else {
            old.push(None);
        }
        let mut v = ptr::null_mut();
        if op != Op::Delete && ffi::sqlite3changeset_new(it, i, &mut v) == ffi::SQLITE_OK {
            new.push(read_value(v));
        } else {
            new.push(None);
        }
    }
    Ok(Change {
        table,
        op,
        pk,
        old,
        new,
    })
}

/// The table of the change an iterator points at.
///
/// # Safety
/// `it` must be a live iterator positioned on a change.
unsafe fn table_of(it: *mut ffi::sqlite3_changeset_iter) -> String {
    let mut tab: *const c_char = ptr::null();
    let (mut ncol, mut op, mut indirect): (c_int, c_int, c_int) = (0, 0, 0);
    if ffi::sqlite3changeset_op(it, &mut tab, &mut ncol, &mut op, &mut indirect) != ffi::SQLITE_OK
        || tab.is_null()
    {
        return String::new();
    }
    CStr::from_ptr(tab).to_string_lossy().into_owned()
}

/// Every change of a changeset, in order.
pub fn changes(changeset: &[u8]) -> rusqlite::Result<Vec<Change>> {
    changes_of(changeset, &|_| true)
}

/// The changes of a changeset to the tables `wanted` accepts, in order (the others are
/// skipped without reading their values).
pub fn changes_of(
    changeset: &[u8],
    wanted: &dyn Fn(&str) -> bool,
) -> rusqlite::Result<Vec<Change>> {
    let mut out = Vec::new();
    if changeset.is_empty() {
        return Ok(out);
    }
    let n = c_int::try_from(changeset.len()).map_err(|_| too_large())?;
    let mut it = ptr::null_mut();
    // SAFETY: the iterator reads `changeset` (borrowed for the whole loop) and is finalized.
    unsafe {
        check(
            ffi::sqlite3changeset_start(&mut it, n, changeset.as_ptr() as *mut c_void),
            "sqlite3changeset_start",
        )?;
        let mut result = Ok(());
        loop {
            match ffi::sqlite3changeset_next(it) {
                ffi::SQLITE_ROW if !wanted(&table_of(it)) => {}
                ffi::SQLITE_ROW => match read_change(it) {
                    Ok(c) => out.push(c),
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                },
                ffi::SQLITE_DONE => break,
                rc => {
                    result = check(rc, "reading the changeset (it is damaged)");
                    break;
                }
            }
        }
        let fin = ffi::sqlite3changeset_finalize(it);
        result?;
        check(fin, "reading the changeset (it is damaged)")?;
    }
    Ok(out)
}

fn too_large() -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        ffi::Error::new(ffi::SQLITE_TOOBIG),
        Some("changeset larger than 2 GiB".into()),
    )
}

/// Why SQLite asks the conflict handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictKind {
    /// An UPDATE or DELETE whose old values differ from the row found.
    Data,
    /// An UPDATE or DELETE of a row that is not there.
    NotFound,
    /// An INSERT whose primary key exists.
    Conflict,
    /// A change that breaks a constraint (UNIQUE, CHECK, NOT NULL, a trigger's RAISE).
    Constraint,
    /// Foreign keys left broken at the end of the apply (`fk_count` of them).
    ForeignKey,
}

impl ConflictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictKind::Data => "DATA",
            ConflictKind::NotFound => "NOTFOUND",
            ConflictKind::Conflict => "CONFLICT",
            ConflictKind::Constraint => "CONSTRAINT",
            ConflictKind::ForeignKey => "FOREIGN_KEY",
        }
    }
}

/// What the handler answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Skip the incoming change (for FOREIGN_KEY: keep what was applied).
    Omit,
    /// Write the incoming change over the local row (DATA and CONFLICT only).
    Replace,
    /// Stop and undo the whole apply.
    Abort,
}

/// A conflict as the handler sees it.
#[derive(Debug, Clone)]
pub struct Conflict {
    pub kind: ConflictKind,
    /// The incoming change (empty table name for FOREIGN_KEY).
    pub change: Change,
    /// The local row, every column (DATA and CONFLICT).
    pub local: Option<Vec<Value>>,
    /// FOREIGN_KEY: how many foreign keys are broken.
    pub fk_count: i32,
}

struct ApplyCtx<'a> {
    handler: &'a mut dyn FnMut(&Conflict) -> Action,
    error: Option<String>,
}

unsafe extern "C" fn conflict_trampoline(
    ctx: *mut c_void,
    kind: c_int,
    it: *mut ffi::sqlite3_changeset_iter,
) -> c_int {
    // SAFETY: ctx is the ApplyCtx of the running apply call; it is the iterator SQLite
    // passes, valid during this call.
    let ctx = &mut *(ctx as *mut ApplyCtx<'_>);
    if ctx.error.is_some() {
        return ffi::SQLITE_CHANGESET_ABORT;
    }
    let r = catch_unwind(AssertUnwindSafe(|| -> Result<Action, String> {
        let kind = match kind {
            ffi::SQLITE_CHANGESET_DATA => ConflictKind::Data,
            ffi::SQLITE_CHANGESET_NOTFOUND => ConflictKind::NotFound,
            ffi::SQLITE_CHANGESET_CONFLICT => ConflictKind::Conflict,
            ffi::SQLITE_CHANGESET_CONSTRAINT => ConflictKind::Constraint,
            _ => ConflictKind::ForeignKey,
        };
        let mut fk_count = 0;
        let (change, local) = if kind == ConflictKind::ForeignKey {
            let mut n: c_int = 0;
            ffi::sqlite3changeset_fk_conflicts(it, &mut n);
            fk_count = n;
            (
                Change {
                    table: String::new(),
                    op: Op::Insert,
                    pk: vec![],
                    old: vec![],
                    new: vec![],
                },
                None,
            )
        } else {
            let change = read_change(it).map_err(|e| e.to_string())?;
            let local = if matches!(kind, ConflictKind::Data | ConflictKind::Conflict) {
                let mut row = Vec::with_capacity(change.pk.len());
                for i in 0..change.pk.len() as c_int {
                    let mut v = ptr::null_mut();
                    ffi::sqlite3changeset_conflict(it, i, &mut v);
                    row.push(read_value(v).unwrap_or(Value::Null));
                }
                Some(row)
            } else {
                None
            };
            (change, local)
        };
        let c = Conflict {
            kind,
            change,
            local,
            fk_count,
        };
        Ok((ctx.handler)(&c))
    }));
    let action = match r {
        Ok(Ok(a)) => a,
        Ok(Err(e)) => {
            ctx.error = Some(e);
            Action::Abort
        }
        Err(_) => {
            ctx.error = Some("the conflict handler panicked".into());
            Action::Abort
        }
    };
    match action {
        Action::Omit => ffi::SQLITE_CHANGESET_OMIT,
        // SQLite accepts REPLACE only for DATA and CONFLICT; elsewhere it is misuse.
        Action::Replace
            if kind == ffi::SQLITE_CHANGESET_DATA || kind == ffi::SQLITE_CHANGESET_CONFLICT =>
        {
            ffi::SQLITE_CHANGESET_REPLACE
        }
        Action::Replace => ffi::SQLITE_CHANGESET_OMIT,
        Action::Abort => ffi::SQLITE_CHANGESET_ABORT,
    }
}

/// Apply a changeset to `conn` (`sqlite3changeset_apply_v2`, inside a savepoint of the
/// caller's transaction), asking `handler` at every conflict. An ABORT (or a panic or
/// error in the handler) undoes the whole apply and returns an error.
pub fn apply(
    conn: &Connection,
    changeset: &[u8],
    handler: &mut dyn FnMut(&Conflict) -> Action,
) -> rusqlite::Result<()> {
    if changeset.is_empty() {
        return Ok(());
    }
    let n = c_int::try_from(changeset.len()).map_err(|_| too_large())?;
    // SAFETY: the lifetimes of the handler and the context cover the call; SQLite only
    // reads the changeset buffer (the API takes a mutable pointer for historical reasons).
    unsafe {
        let mut ctx = ApplyCtx {
            handler,
            error: None,
        };
        let rc = ffi::sqlite3changeset_apply_v2(
            conn.handle(),
            n,
            changeset.as_ptr() as *mut c_void,
            None,
            Some(conflict_trampoline),
            &mut ctx as *mut ApplyCtx<'_> as *mut c_void,
            ptr::null_mut(),
            ptr::null_mut(),
            0,
        );
        if let Some(e) = ctx.error {
            return Err(rusqlite::Error::SqliteFailure(
                ffi::Error::new(ffi::SQLITE_ABORT),
                Some(e),
            ));
        }
        check(rc, "sqlite3changeset_apply_v2")
    }
}

/// The changeset that undoes `changeset` (INSERT ↔ DELETE, an UPDATE's old ↔ new).
pub fn invert(changeset: &[u8]) -> rusqlite::Result<Vec<u8>> {
    if changeset.is_empty() {
        return Ok(Vec::new());
    }
    let n = c_int::try_from(changeset.len()).map_err(|_| too_large())?;
    let mut on: c_int = 0;
    let mut out: *mut c_void = ptr::null_mut();
    // SAFETY: SQLite reads `changeset` and allocates the output, which is taken and freed.
    unsafe {
        let rc =
            ffi::sqlite3changeset_invert(n, changeset.as_ptr() as *const c_void, &mut on, &mut out);
        let v = take_buffer(out, on);
        check(rc, "sqlite3changeset_invert")?;
        Ok(v)
    }
}

/// A changegroup: changesets added in order, output as one (a row changed by several of
/// them appears once, with the net change).
pub struct ChangeGroup {
    raw: *mut ffi::sqlite3_changegroup,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE t (id TEXT PRIMARY KEY, x TEXT, y TEXT, updated_at TEXT);
             CREATE TABLE skip (id TEXT PRIMARY KEY, v TEXT);",
        )
        .unwrap();
        c
    }

    #[test]
    fn session_extension_is_compiled_in() {
        let c = db();
        let s = Session::new(&c, |_| true);
        assert!(
            s.is_ok(),
            "the bundled SQLite lacks the session extension: build with \
             LIBSQLITE3_FLAGS=\"-DSQLITE_ENABLE_SESSION -DSQLITE_ENABLE_PREUPDATE_HOOK\" \
             (.cargo/config.toml sets it): {:?}",
            s.err()
        );
    }

    #[test]
    fn records_filtered_tables_and_iterates() {
        let c = db();
        let s = Session::new(&c, |t| t != "skip").unwrap();
        assert!(s.is_empty());
        c.execute_batch(
            "INSERT INTO t VALUES ('a', 'x1', 'y1', '1');
             INSERT INTO skip VALUES ('s', 'v');
             UPDATE t SET x = 'x2' WHERE id = 'a';",
        )
        .unwrap();
        let cs = s.changeset().unwrap();
        let ch = changes(&cs).unwrap();
        assert_eq!(ch.len(), 1, "{ch:?}");
        assert_eq!(ch[0].table, "t");
        assert_eq!(ch[0].op, Op::Insert);
        assert_eq!(ch[0].pk, vec![true, false, false, false]);
        assert_eq!(ch[0].new[1], Some(Value::Text("x2".into())));
        assert_eq!(ch[0].key(), vec![Value::Text("a".into())]);
    }

    #[test]
    fn field_level_merge_and_data_conflict() {
        let a = db();
        let b = db();
        for c in [&a, &b] {
            c.execute("INSERT INTO t VALUES ('r', 'x0', 'y0', '0')", [])
                .unwrap();
        }
        let s = Session::new(&a, |_| true).unwrap();
        a.execute("UPDATE t SET x = 'xa' WHERE id = 'r'", [])
            .unwrap();
        let cs = s.changeset().unwrap();
        drop(s);
        b.execute("UPDATE t SET y = 'yb' WHERE id = 'r'", [])
            .unwrap();
        let mut seen = vec![];
        apply(&b, &cs, &mut |c| {
            seen.push(c.kind);
            Action::Omit
        })
        .unwrap();
        assert!(seen.is_empty());
        let row: (String, String) = b
            .query_row("SELECT x, y FROM t WHERE id = 'r'", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(row, ("xa".into(), "yb".into()));
        // The same field on both sides: DATA, with the local row.
        b.execute("UPDATE t SET x = 'xb' WHERE id = 'r'", [])
            .unwrap();
        let s = Session::new(&a, |_| true).unwrap();
        a.execute("UPDATE t SET x = 'xa2' WHERE id = 'r'", [])
            .unwrap();
        let cs = s.changeset().unwrap();
        drop(s);
        let mut got = None;
        apply(&b, &cs, &mut |c| {
            got = Some((c.kind, c.local.clone()));
            Action::Omit
        })
        .unwrap();
        let (kind, local) = got.unwrap();
        assert_eq!(kind, ConflictKind::Data);
        assert_eq!(local.unwrap()[1], Value::Text("xb".into()));
    }

    #[test]
    fn invert_undoes_and_combine_nets() {
        let c = db();
        let s = Session::new(&c, |_| true).unwrap();
        c.execute("INSERT INTO t VALUES ('a', '1', '2', '3')", [])
            .unwrap();
        let cs1 = s.changeset().unwrap();
        drop(s);
        let s = Session::new(&c, |_| true).unwrap();
        c.execute("UPDATE t SET x = '9' WHERE id = 'a'", [])
            .unwrap();
        let cs2 = s.changeset().unwrap();
        drop(s);
        let both = combine(&[&cs1, &cs2]).unwrap();
        let ch = changes(&both).unwrap();
        assert_eq!(ch.len(), 1);
        assert_eq!(ch[0].op, Op::Insert);
        assert_eq!(ch[0].new[1], Some(Value::Text("9".into())));
        let inv = invert(&both).unwrap();
        apply(&c, &inv, &mut |_| Action::Abort).unwrap();
        let n: i64 = c
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn a_panicking_handler_aborts_without_unwinding_into_c() {
        let a = db();
        let b = db();
        let s = Session::new(&a, |_| true).unwrap();
        a.execute("INSERT INTO t VALUES ('k', 'a', NULL, NULL)", [])
            .unwrap();
        let cs = s.changeset().unwrap();
        b.execute("INSERT INTO t VALUES ('k', 'b', NULL, NULL)", [])
            .unwrap();
        let err = apply(&b, &cs, &mut |_| panic!("boom")).unwrap_err();
        assert!(err.to_string().contains("panicked"), "{err}");
        let x: String = b.query_row("SELECT x FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(x, "b");
    }

    #[test]
    fn damaged_changeset_is_an_error() {
        assert!(changes(&[0x54, 0x03, 0x00, 0xff, 0xff]).is_err());
    }
}

#[cfg(test)]
mod fk_tests {
    use super::*;

    #[test]
    fn a_foreign_key_omitted_keeps_the_apply_inside_a_transaction() {
        let mk = || {
            let c = Connection::open_in_memory().unwrap();
            c.execute_batch(
                "PRAGMA foreign_keys = ON;
                 CREATE TABLE p (id TEXT PRIMARY KEY, code TEXT UNIQUE);
                 CREATE TABLE ch (id TEXT PRIMARY KEY, p TEXT NOT NULL REFERENCES p(id));",
            )
            .unwrap();
            c
        };
        let a = mk();
        let b = mk();
        b.execute("INSERT INTO p VALUES ('other', 'X')", [])
            .unwrap();
        let s = Session::new(&a, |_| true).unwrap();
        a.execute_batch("INSERT INTO p VALUES ('q', 'X'); INSERT INTO ch VALUES ('c', 'q');")
            .unwrap();
        let cs = s.changeset().unwrap();
        drop(s);
        b.execute_batch("BEGIN IMMEDIATE").unwrap();
        let mut kinds = vec![];
        let r = apply(&b, &cs, &mut |x| {
            kinds.push(x.kind);
            Action::Omit
        });
        assert!(r.is_ok(), "{r:?} {kinds:?}");
        assert_eq!(
            kinds,
            vec![ConflictKind::Constraint, ConflictKind::ForeignKey]
        );
        b.execute("DELETE FROM ch WHERE id = 'c'", []).unwrap();
        b.execute_batch("COMMIT").unwrap();
    }
}
