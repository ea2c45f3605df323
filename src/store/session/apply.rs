//! Applying a changeset with a conflict handler, and inverting one.

use std::ffi::{c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use super::{capture::*, changes::*};
use rusqlite::ffi;
use rusqlite::types::Value;
use rusqlite::Connection;

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

pub(super) struct ApplyCtx<'a> {
    pub(super) handler: &'a mut dyn FnMut(&Conflict) -> Action,
    /// Which tables' changes to apply (all when `None`).
    pub(super) keep: Option<&'a dyn Fn(&str) -> bool>,
    pub(super) error: Option<String>,
}

unsafe extern "C" fn filter_trampoline(ctx: *mut c_void, table: *const std::ffi::c_char) -> c_int {
    // SAFETY: ctx is the ApplyCtx of the running apply call; table is a NUL-terminated
    // table name SQLite passes, valid during this call.
    let ctx = &mut *(ctx as *mut ApplyCtx<'_>);
    let Some(keep) = ctx.keep else { return 1 };
    let name = std::ffi::CStr::from_ptr(table).to_string_lossy();
    match catch_unwind(AssertUnwindSafe(|| keep(&name))) {
        Ok(k) => c_int::from(k),
        Err(_) => {
            ctx.error = Some("the table filter panicked".into());
            0
        }
    }
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
    apply_ctx(conn, changeset, None, handler)
}

/// [`apply`] only the changes of the tables `keep` accepts (SQLite's table filter): the
/// others are left out as if they were not in the changeset.
pub fn apply_tables(
    conn: &Connection,
    changeset: &[u8],
    keep: &dyn Fn(&str) -> bool,
    handler: &mut dyn FnMut(&Conflict) -> Action,
) -> rusqlite::Result<()> {
    apply_ctx(conn, changeset, Some(keep), handler)
}

fn apply_ctx(
    conn: &Connection,
    changeset: &[u8],
    keep: Option<&dyn Fn(&str) -> bool>,
    handler: &mut dyn FnMut(&Conflict) -> Action,
) -> rusqlite::Result<()> {
    if changeset.is_empty() {
        return Ok(());
    }
    let n = c_int::try_from(changeset.len()).map_err(|_| too_large())?;
    // SAFETY: the lifetimes of the handler, the filter and the context cover the call;
    // SQLite only reads the changeset buffer (the API takes a mutable pointer for
    // historical reasons).
    unsafe {
        let mut ctx = ApplyCtx {
            handler,
            keep,
            error: None,
        };
        let rc = ffi::sqlite3changeset_apply_v2(
            conn.handle(),
            n,
            changeset.as_ptr() as *mut c_void,
            if keep.is_some() {
                Some(filter_trampoline)
            } else {
                None
            },
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

#[cfg(test)]
pub(super) mod fk_tests {
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
