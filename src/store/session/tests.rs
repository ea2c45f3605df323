use super::{apply::*, capture::*, changes::*, group::*};
use rusqlite::types::Value;
use rusqlite::Connection;

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
