//! Reading a changeset: its changes, their operations and values.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::ptr;

use super::capture::*;
use rusqlite::ffi;
use rusqlite::types::Value;

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
pub(super) unsafe fn read_value(v: *mut ffi::sqlite3_value) -> Option<Value> {
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
pub(super) unsafe fn read_change(it: *mut ffi::sqlite3_changeset_iter) -> rusqlite::Result<Change> {
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
pub(super) unsafe fn table_of(it: *mut ffi::sqlite3_changeset_iter) -> String {
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

pub(super) fn too_large() -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        ffi::Error::new(ffi::SQLITE_TOOBIG),
        Some("changeset larger than 2 GiB".into()),
    )
}
