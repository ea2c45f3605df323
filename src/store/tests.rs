use super::*;
use super::{db::*, schema::*, write::*};

#[test]
fn migrations_run_and_tables_have_primary_keys() {
    let s = Store::in_memory().unwrap();
    let v: i32 = s
        .conn()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, SCHEMA_VERSION);
    let mut stmt = s
        .conn()
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table'
                 AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'",
        )
        .unwrap();
    let tables: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert!(tables.len() > 15);
    for t in tables {
        let pk: i64 = s
            .conn()
            .query_row(
                &format!("SELECT count(*) FROM pragma_table_info('{t}') WHERE pk > 0"),
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(pk > 0, "table {t} has no primary key");
    }
}

fn meta_keys(s: &Store) -> Vec<String> {
    let mut stmt = s
        .conn()
        .prepare("SELECT key FROM meta ORDER BY key")
        .unwrap();
    let v = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    v
}

fn put(s: &mut Store, key: &str, commit: bool) {
    let w = s.write().unwrap();
    w.execute("INSERT INTO meta (key, value) VALUES (?1, 'v')", [key])
        .unwrap();
    if commit {
        w.commit().unwrap();
    }
}

#[test]
fn writes_in_a_batch_are_savepoints_of_one_transaction() {
    let mut s = Store::in_memory().unwrap();
    s.begin_batch().unwrap();
    put(&mut s, "a", true);
    // A write dropped without commit undoes itself only.
    put(&mut s, "b", false);
    put(&mut s, "c", true);
    assert!(!s.conn().is_autocommit(), "still inside the batch");
    s.end_batch(true).unwrap();
    assert!(s.conn().is_autocommit());
    assert_eq!(meta_keys(&s), ["a", "c"]);
    // Outside a batch, write() is a transaction of its own again.
    put(&mut s, "d", true);
    assert!(s.conn().is_autocommit());
    // A batch rolled back leaves nothing of its writes.
    s.begin_batch().unwrap();
    put(&mut s, "e", true);
    s.end_batch(false).unwrap();
    assert_eq!(meta_keys(&s), ["a", "c", "d"]);
    // The bulk page cache is given back at the end.
    let cache = |s: &Store| -> i64 {
        s.conn()
            .pragma_query_value(None, "cache_size", |r| r.get(0))
            .unwrap()
    };
    let before = cache(&s);
    s.begin_batch().unwrap();
    assert_eq!(cache(&s), -BULK_CACHE_KIB);
    s.end_batch(true).unwrap();
    assert_eq!(cache(&s), before);
}

/// One transaction's changes, by table and key, from the outbox entry it left.
fn outbox_changes(s: &Store) -> Vec<String> {
    let blobs: Vec<Vec<u8>> = {
        let mut stmt = s
            .conn()
            .prepare("SELECT changeset FROM sync_outbox ORDER BY seq")
            .unwrap();
        let v = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        v
    };
    let mut out: Vec<String> = blobs
        .iter()
        .flat_map(|b| session::changes(b).unwrap())
        .map(|c| format!("{} {:?} {:?} {:?}", c.table, c.op, c.old, c.new))
        .collect();
    out.sort();
    out
}

/// Writes rows of `site` in one transaction: inserts, an update and a delete of rows
/// of an earlier stretch, an insert and delete inside one stretch; `checkpoints` sets
/// the capture aside between the steps.
fn site_writes(s: &Store, checkpoints: bool) {
    let w = s.write().unwrap();
    let cp = |w: &Write<'_>| {
        if checkpoints {
            w.checkpoint_capture().unwrap();
        }
    };
    for i in 0..5 {
        w.execute(
            "INSERT INTO site (id, code, name, sort) VALUES (?1, ?1, 'n', ?2)",
            rusqlite::params![format!("s{i}"), i],
        )
        .unwrap();
    }
    cp(&w);
    w.execute("UPDATE site SET name = 'renamed' WHERE id = 's1'", [])
        .unwrap();
    w.execute(
        "INSERT INTO site (id, code, name, sort) VALUES ('s9', 's9', 'n', 9)",
        [],
    )
    .unwrap();
    cp(&w);
    w.execute("DELETE FROM site WHERE id IN ('s2', 's9')", [])
        .unwrap();
    w.execute("UPDATE site SET name = 'again' WHERE id = 's1'", [])
        .unwrap();
    cp(&w);
    w.commit().unwrap();
}

#[test]
fn a_write_captured_in_stretches_leaves_the_changes_of_one_session() {
    let whole = Store::in_memory().unwrap();
    assert!(whole.capturing());
    site_writes(&whole, false);
    let stretched = Store::in_memory().unwrap();
    site_writes(&stretched, true);
    let expected = outbox_changes(&whole);
    // s0, s1 (as last renamed), s3, s4: inserted; s2 and s9 never appear.
    assert_eq!(expected.len(), 4, "{expected:#?}");
    assert!(expected.iter().any(|c| c.contains("again")));
    assert!(!expected
        .iter()
        .any(|c| c.contains("\"s2\"") || c.contains("\"s9\"")));
    assert_eq!(outbox_changes(&stretched), expected);
    // One transaction, one outbox entry.
    let entries: i64 = stretched
        .conn()
        .query_row("SELECT count(*) FROM sync_outbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!(entries, 1);
}

#[test]
fn a_rolled_back_write_leaves_none_of_its_stretches() {
    let s = Store::in_memory().unwrap();
    {
        let w = s.write().unwrap();
        w.execute(
            "INSERT INTO site (id, code, name, sort) VALUES ('gone', 'gone', 'n', 1)",
            [],
        )
        .unwrap();
        w.checkpoint_capture().unwrap();
        // Dropped without commit: rolled back.
    }
    let w = s.write().unwrap();
    w.execute(
        "INSERT INTO site (id, code, name, sort) VALUES ('kept', 'kept', 'n', 2)",
        [],
    )
    .unwrap();
    w.commit().unwrap();
    let changes = outbox_changes(&s);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert!(changes[0].contains("kept"));
}
