//! `fieldwork restore BACKUP`, with the real binary on temporary databases: a good backup
//! replaces the database and the previous one is kept; a foreign, newer, truncated,
//! missing or non-file backup is refused with exit 2 and nothing changes.

mod common;

use std::path::{Path, PathBuf};

use common::{assert_has, expect_code, stderr, Study};
use rusqlite::{Connection, OpenFlags};

/// Files in the study folder whose names start with `prefix`.
fn siblings(s: &Study, prefix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(s.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .collect();
    v.sort();
    v
}

fn codes(s: &Study) -> Vec<String> {
    let mut v: Vec<String> = s
        .participants()
        .iter()
        .map(|p| common::s(p, "code").to_string())
        .collect();
    v.sort();
    v
}

fn codes_in(db: &Path) -> Vec<String> {
    let c = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut st = c
        .prepare("SELECT code FROM participant ORDER BY code")
        .unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// A study with two participants and a backup taken after the first.
fn study_with_backup() -> (Study, PathBuf, String, String) {
    let s = Study::new();
    let first = s.add("Ada Quillfeather", "ics-ceo", "A");
    let backup = s.path().join("saved.db");
    s.ok(&["backup", backup.to_str().unwrap()]);
    let second = s.add("Bram Oakhollow", "ics-ceo", "B");
    (s, backup, first, second)
}

/// The refusal contract: exit 2, the reason and the file named, and the database and the
/// folder exactly as they were.
#[track_caller]
fn refused(s: &Study, backup: &Path, needles: &[&str]) {
    let before = common::dump(&s.db());
    let files_before = siblings(s, "");
    let err = s.fails(2, &["restore", backup.to_str().unwrap()]);
    assert_has(&err, needles);
    assert_has(&err, &["nothing was changed"]);
    assert_eq!(common::dump(&s.db()), before, "the database changed");
    assert_eq!(siblings(s, ""), files_before, "files were added or removed");
}

#[test]
fn restore_replaces_the_database_and_keeps_the_previous_one() {
    let (s, backup, first, second) = study_with_backup();
    let before_restore = codes(&s);
    assert_eq!(before_restore.len(), 2);
    let out = s.fw(&["restore", backup.to_str().unwrap()]);
    expect_code(&out, 0, &["restore"]);
    let err = stderr(&out);
    // The database now holds what the backup held.
    assert_eq!(codes(&s), vec![first.clone()]);
    // The previous database is kept beside it, named in the output, owner-only, whole.
    let kept = siblings(&s, "study.db.before-restore-");
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_has(
        &err,
        &[
            "kept the current database as",
            &kept[0].display().to_string(),
            "restored",
        ],
    );
    let mut want = vec![first.clone(), second.clone()];
    want.sort();
    assert_eq!(codes_in(&kept[0]), want);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&kept[0]).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let mode = std::fs::metadata(s.db()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // The restore is in the audit log, the database is healthy and writable.
    let audit = s.audit();
    assert_eq!(audit[0]["action"], "restore", "{:?}", audit[0]);
    let check: serde_json::Value =
        serde_json::from_slice(&s.fw(&["check", "--json"]).stdout).unwrap();
    let integrity: Vec<_> = check["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "integrity")
        .collect();
    assert!(integrity.is_empty(), "{integrity:?}");
    let third = s.add("Cleo Marrowby", "ics-ceo", "C");
    assert!(codes(&s).contains(&third));
    // The backup file itself is untouched.
    assert_eq!(codes_in(&backup), vec![first]);
    // Restoring the kept file undoes the restore.
    s.ok(&["restore", kept[0].to_str().unwrap()]);
    assert_eq!(codes(&s), want);
    assert_eq!(siblings(&s, "study.db.before-restore-").len(), 2);
}

#[test]
fn restore_into_a_missing_database_creates_it() {
    let (s, backup, first, _) = study_with_backup();
    fieldwork::service::remove_db_files(&s.db());
    let err = s.fails(0, &["restore", backup.to_str().unwrap()]);
    assert_has(&err, &["there was no database"]);
    assert_eq!(codes(&s), vec![first]);
    assert!(siblings(&s, "study.db.before-restore-").is_empty());
}

#[test]
fn restore_refuses_a_foreign_sqlite_file() {
    let (s, _, _, _) = study_with_backup();
    let foreign = s.path().join("other.sqlite");
    let c = Connection::open(&foreign).unwrap();
    c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    drop(c);
    refused(
        &s,
        &foreign,
        &[
            "other.sqlite",
            "not a fieldwork database",
            "another program",
        ],
    );
    let text = s.write(
        "notes.txt",
        "not a database at all, just some words here\n".repeat(5),
    );
    refused(&s, &text, &["notes.txt", "not an SQLite database"]);
    let empty = s.write("empty.db", "");
    refused(&s, &empty, &["empty.db", "empty"]);
}

#[test]
fn restore_refuses_a_newer_schema() {
    let (s, backup, _, _) = study_with_backup();
    let c = Connection::open(&backup).unwrap();
    c.pragma_update(None, "user_version", fieldwork::store::SCHEMA_VERSION + 1)
        .unwrap();
    drop(c);
    refused(
        &s,
        &backup,
        &[
            "saved.db",
            &format!(
                "schema version {}, newer than this fieldwork supports ({})",
                fieldwork::store::SCHEMA_VERSION + 1,
                fieldwork::store::SCHEMA_VERSION
            ),
        ],
    );
}

#[test]
fn restore_refuses_a_truncated_file() {
    let (s, backup, _, _) = study_with_backup();
    let bytes = std::fs::read(&backup).unwrap();
    assert!(bytes.len() > 8 * 4096, "a backup of several pages");
    for (name, len) in [("half.db", bytes.len() / 2), ("head.db", 4096 + 100)] {
        let cut = s.write(name, &bytes[..len]);
        refused(&s, &cut, &[name, "damaged or truncated"]);
    }
}

#[test]
fn restore_refuses_what_is_not_a_file() {
    let (s, _, _, _) = study_with_backup();
    let dir = s.path().join("a-folder");
    std::fs::create_dir(&dir).unwrap();
    refused(&s, &dir, &["a-folder", "is a folder"]);
    refused(&s, &s.path().join("nope.db"), &["nope.db", "no such file"]);
    #[cfg(unix)]
    refused(
        &s,
        Path::new("/dev/null"),
        &["/dev/null", "not a regular file"],
    );
    refused(&s, &s.db(), &["study.db", "the database itself"]);
}

/// The database itself under another name is refused like the database itself: a `./`
/// prefix, a symbolic link, and a hard link (same file on disk, another path), which a
/// comparison of canonical paths does not see.
#[test]
fn restore_refuses_the_database_under_another_name() {
    let (s, _, _, _) = study_with_backup();
    let dotted = s.path().join(".").join("study.db");
    refused(&s, &dotted, &["the database itself"]);
    #[cfg(unix)]
    {
        let link = s.path().join("link.db");
        std::os::unix::fs::symlink(s.db(), &link).unwrap();
        refused(&s, &link, &["link.db", "the database itself"]);
        std::fs::remove_file(&link).unwrap();
    }
    let hard = s.path().join("hard.db");
    std::fs::hard_link(s.db(), &hard).unwrap();
    refused(&s, &hard, &["hard.db", "the database itself"]);
    assert!(siblings(&s, "study.db.before-restore-").is_empty());
}

#[test]
fn restore_refuses_while_the_database_is_open_elsewhere() {
    let (s, backup, _, _) = study_with_backup();
    let before = common::dump(&s.db());
    // Another connection that has read and is now idle, as an open interface.
    let other = Connection::open(s.db()).unwrap();
    let n: i64 = other
        .query_row("SELECT count(*) FROM participant", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2);
    let err = s.fails(1, &["restore", backup.to_str().unwrap()]);
    assert_has(&err, &["open in another program", "nothing was changed"]);
    assert!(siblings(&s, "study.db.before-restore-").is_empty());
    drop(other);
    assert_eq!(common::dump(&s.db()), before);
    // Once it is closed, the restore goes through.
    s.ok(&["restore", backup.to_str().unwrap()]);
    assert_eq!(codes(&s).len(), 1);
}

#[test]
fn restoring_an_older_backup_migrates_it_with_its_own_backup() {
    let s = Study::new();
    s.add("Ada Quillfeather", "ics-ceo", "A");
    let old = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schemas/v1.fwdb");
    let copy = s.path().join("old-backup.db");
    std::fs::copy(&old, &copy).unwrap();
    let out = s.fw(&["restore", copy.to_str().unwrap()]);
    expect_code(&out, 0, &["restore"]);
    assert_has(
        &stderr(&out),
        &["schema version 1", "migrated to schema", "kept as"],
    );
    assert_eq!(codes(&s), vec!["PFX01", "PFX02", "PFX03"]);
    assert_eq!(siblings(&s, "study.db.v1-").len(), 1);
    assert_eq!(siblings(&s, "study.db.before-restore-").len(), 1);
}

/// A plain copy of a closed database (write-ahead-log mode in its header, no log beside
/// it) restores, and reading it leaves no `-wal`/`-shm` files beside the copy; a foreign
/// file in that mode is refused without them too.
#[test]
fn restore_reads_a_copy_of_a_closed_database_without_touching_it() {
    let (s, _, first, second) = study_with_backup();
    let copy = s.path().join("copy.db");
    std::fs::copy(s.db(), &copy).unwrap();
    let header = std::fs::read(&copy).unwrap();
    assert_eq!(header[18], 2, "the copy is in write-ahead-log mode");
    let third = s.add("Cleo Marrowby", "ics-ceo", "C");
    s.ok(&["restore", copy.to_str().unwrap()]);
    let mut want = vec![first, second];
    want.sort();
    assert_eq!(codes(&s), want);
    assert!(!codes(&s).contains(&third));
    assert_eq!(siblings(&s, "copy.db"), vec![copy.clone()]);

    let foreign = s.path().join("wal.sqlite");
    let c = Connection::open(&foreign).unwrap();
    c.pragma_update(None, "journal_mode", "WAL").unwrap();
    c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    drop(c);
    assert_eq!(siblings(&s, "wal.sqlite"), vec![foreign.clone()]);
    refused(&s, &foreign, &["wal.sqlite", "not a fieldwork database"]);
}
