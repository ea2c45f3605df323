//! Schema migrations: a database file of every earlier schema version (committed under
//! `tests/fixtures/schemas/vN.fwdb`) upgrades to the current one with the real binary, its
//! rows intact and the pre-migration backup beside it; several processes (and threads)
//! opening one old file at once migrate it exactly once.
//!
//! Adding migration N+1 (so that version N becomes "earlier"):
//! 1. add `src/store/migrations/000{N+1}_*.sql` and its line in `MIGRATIONS`;
//! 2. `cargo test --test migrations -- --ignored write_schema_fixtures` writes the missing
//!    `tests/fixtures/schemas/vK.fwdb` for K up to the new version (never overwrites one)
//!    with [`build_fixture`];
//! 3. if the new migration adds tables worth checking, add an `(N+1, SQL)` entry to
//!    [`SAMPLES`] (SQL valid for schema N+1; it is in the fixtures from vN+1 on) and checks
//!    to [`upgraded_rows_survive`];
//! 4. commit the new fixture. `fixtures_cover_every_earlier_version` fails until it exists,
//!    and `fixtures_match_the_migrations` fails if a released migration is edited later.

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};

use common::{assert_has, expect_code, stderr, Study};
use fieldwork::store::{Store, APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION};
use rusqlite::{Connection, OpenFlags};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schemas")
}

/// The committed fixtures, by version.
fn fixtures() -> Vec<(i32, PathBuf)> {
    let mut out: Vec<(i32, PathBuf)> = std::fs::read_dir(fixtures_dir())
        .expect("tests/fixtures/schemas exists")
        .filter_map(|e| {
            let p = e.ok()?.path();
            let name = p.file_name()?.to_str()?;
            let v = name
                .strip_prefix('v')?
                .strip_suffix(".fwdb")?
                .parse()
                .ok()?;
            Some((v, p))
        })
        .collect();
    out.sort();
    out
}

/// Rows every schema since version 1 can hold: the study, two sites, two phases, roles,
/// three participants with consent and status history, a done interview with notes, its
/// transcript link, a framework with two themes, a tag with a memo and an audit entry.
/// Fixed ids and times, so that a fixture can be rebuilt identically. Names are invented.
const SAMPLE_V1: &str = "
INSERT INTO meta (key, value) VALUES ('created_by', 'FIX'), ('created_with', 'fixture');
INSERT INTO study VALUES ('00000000-0000-4000-8000-000000000001', 'Fixture study', 'REC 00/FX/0001', 'v1.0', '2022-01-01T09:00:00Z');
INSERT INTO site VALUES ('00000000-0000-4000-8000-0000000000a1', 'A', 'Northvale', 'North', 100000, 12, NULL, 0);
INSERT INTO site VALUES ('00000000-0000-4000-8000-0000000000a2', 'B', 'Southmere', 'South', NULL, NULL, 'a note', 1);
INSERT INTO phase VALUES ('00000000-0000-4000-8000-0000000000b1', 1, 'Baseline', '2021-09-01', '2022-08-31');
INSERT INTO phase VALUES ('00000000-0000-4000-8000-0000000000b2', 2, 'Follow-up', '2022-09-01', '2023-08-31');
INSERT INTO phase_target VALUES ('00000000-0000-4000-8000-0000000000b1', '00000000-0000-4000-8000-0000000000a1', 5);
INSERT INTO phase_target VALUES ('00000000-0000-4000-8000-0000000000b1', '00000000-0000-4000-8000-0000000000a2', 4);
INSERT INTO role_category VALUES ('00000000-0000-4000-8000-0000000000c1', 'ics', 'Integrated care system', 0);
INSERT INTO role VALUES ('00000000-0000-4000-8000-0000000000d1', '00000000-0000-4000-8000-0000000000c1', 'ics-ceo', 'Chief executive', 1, 0);
INSERT INTO role VALUES ('00000000-0000-4000-8000-0000000000d2', '00000000-0000-4000-8000-0000000000c1', 'ics-qlead', 'Quality lead', 0, 1);
INSERT INTO meeting_type VALUES ('00000000-0000-4000-8000-0000000000e1', 'board', 'Board meeting', 0);
INSERT INTO participant VALUES ('00000000-0000-4000-8000-000000000101', 'PFX01', 'Ada Quillfeather', 'ada@example.org', NULL, 'Northvale ICB', 'CEO', '00000000-0000-4000-8000-0000000000d1', '00000000-0000-4000-8000-0000000000a1', 'prefers mornings', 'interviewed', '2022-01-02T09:00:00Z', '2022-01-10T09:00:00Z');
INSERT INTO participant VALUES ('00000000-0000-4000-8000-000000000102', 'PFX02', 'Bram Oakhollow', NULL, '+44 0000 000000', NULL, NULL, '00000000-0000-4000-8000-0000000000d2', '00000000-0000-4000-8000-0000000000a1', NULL, 'consented', '2022-01-02T09:00:00Z', '2022-01-06T09:00:00Z');
INSERT INTO participant VALUES ('00000000-0000-4000-8000-000000000103', 'PFX03', 'Cleo Marrowby', 'cleo@example.org', NULL, 'Southmere Trust', NULL, '00000000-0000-4000-8000-0000000000d2', '00000000-0000-4000-8000-0000000000a2', NULL, 'invited', '2022-01-03T09:00:00Z', '2022-01-03T09:00:00Z');
INSERT INTO status_event VALUES ('01800000-0000-7000-8000-000000000201', '00000000-0000-4000-8000-000000000101', NULL, 'identified', '2022-01-02', 'added', '2022-01-02T09:00:00Z', 'FIX');
INSERT INTO status_event VALUES ('01800000-0000-7000-8000-000000000202', '00000000-0000-4000-8000-000000000101', 'identified', 'consented', '2022-01-05', NULL, '2022-01-05T09:00:00Z', 'FIX');
INSERT INTO status_event VALUES ('01800000-0000-7000-8000-000000000203', '00000000-0000-4000-8000-000000000101', 'consented', 'interviewed', '2022-01-10', NULL, '2022-01-10T09:00:00Z', 'FIX');
INSERT INTO status_event VALUES ('01800000-0000-7000-8000-000000000204', '00000000-0000-4000-8000-000000000102', NULL, 'consented', '2022-01-06', 'added', '2022-01-06T09:00:00Z', 'FIX');
INSERT INTO status_event VALUES ('01800000-0000-7000-8000-000000000205', '00000000-0000-4000-8000-000000000103', NULL, 'invited', '2022-01-03', 'added', '2022-01-03T09:00:00Z', 'FIX');
INSERT INTO consent VALUES ('00000000-0000-4000-8000-000000000301', '00000000-0000-4000-8000-000000000101', 'v1.0', NULL, '2022-01-05', 'written', 'FIX', 'yes', 'yes', 'yes', 'no', 'yes', NULL, '2022-01-05T09:00:00Z', 'FIX');
INSERT INTO consent VALUES ('00000000-0000-4000-8000-000000000302', '00000000-0000-4000-8000-000000000102', 'v1.0', NULL, '2022-01-06', 'verbal', 'FIX', 'yes', 'no', 'yes', 'yes', 'no', NULL, '2022-01-06T09:00:00Z', 'FIX');
INSERT INTO session VALUES ('00000000-0000-4000-8000-000000000401', 'interview', 'done', '2022-01-10', '00000000-0000-4000-8000-0000000000b1', '00000000-0000-4000-8000-0000000000a1', NULL, 'in-person', 55, 'FIX', 'recorded', 'done', NULL, NULL, NULL, 0, 'talked about quality dashboards', '2022-01-10T09:00:00Z', '2022-01-10T09:00:00Z');
INSERT INTO session_participant VALUES ('00000000-0000-4000-8000-000000000401', '00000000-0000-4000-8000-000000000101');
INSERT INTO transcript VALUES ('00000000-0000-4000-8000-000000000501', '00000000-0000-4000-8000-000000000401', 'A/baseline/PFX01.txt', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 0, 'txt', 'ok', '2022-01-11T09:00:00Z', NULL, 'FIX');
INSERT INTO framework VALUES ('00000000-0000-4000-8000-000000000601', 'Quality', NULL, 0);
INSERT INTO theme VALUES ('00000000-0000-4000-8000-000000000701', '00000000-0000-4000-8000-000000000601', NULL, 'Quality planning', NULL, '#aa3355', 'active', NULL, 0, '2022-01-01T09:00:00Z');
INSERT INTO theme VALUES ('00000000-0000-4000-8000-000000000702', '00000000-0000-4000-8000-000000000601', '00000000-0000-4000-8000-000000000701', 'Measures and metrics', NULL, NULL, 'active', NULL, 0, '2022-01-01T09:00:00Z');
INSERT INTO theme_event VALUES ('01800000-0000-7000-8000-000000000801', '00000000-0000-4000-8000-000000000701', 'created', '{\"name\":\"Quality planning\"}', '2022-01-01T09:00:00Z', 'FIX');
INSERT INTO tag (id, theme_id, original_theme_id, session_id, transcript_id, span_start, span_end, quote, memo, created_at, created_by)
    VALUES ('00000000-0000-4000-8000-000000000901', '00000000-0000-4000-8000-000000000702', '00000000-0000-4000-8000-000000000702', '00000000-0000-4000-8000-000000000401', NULL, NULL, NULL, NULL, 'dashboards everywhere', '2022-01-12T09:00:00Z', 'FIX');
INSERT INTO audit VALUES ('01800000-0000-7000-8000-000000000a01', '2022-01-02T09:00:00Z', 'FIX', 'participant', '00000000-0000-4000-8000-000000000101', 'create', NULL, '{\"code\":\"PFX01\"}');
";

/// Since version 2: the transcript's text as a speaker turn (searchable), its import
/// record and a framework-matrix summary.
const SAMPLE_V2: &str = "
INSERT INTO turn VALUES ('00000000-0000-4000-8000-000000000b01', 1, '00000000-0000-4000-8000-000000000501', 0, 'Interviewer', 0, 44, NULL, NULL, 'We track forty indicators on the dashboard.');
INSERT INTO transcript_import VALUES ('00000000-0000-4000-8000-000000000501', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'UTF-8', 'txt', 44, 7, NULL, '2022-01-11T10:00:00Z', 'FIX');
INSERT INTO matrix_summary VALUES ('00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-000000000702', '00000000-0000-4000-8000-0000000000b1', 'many indicators', '2022-01-12T10:00:00Z', 'FIX');
";

/// Since version 3: the register of identifiers, a variant and an allowed word.
const SAMPLE_V3: &str = "
INSERT INTO identifier VALUES ('00000000-0000-4000-8000-000000000c01', 'person', '[Participant PFX01]', 'participant', '00000000-0000-4000-8000-000000000101', '2022-01-13T09:00:00Z', 'FIX');
INSERT INTO identifier_variant VALUES ('00000000-0000-4000-8000-000000000c02', '00000000-0000-4000-8000-000000000c01', 'Ada', 'ada', '2022-01-13T09:00:00Z', 'FIX');
INSERT INTO allow_word VALUES ('dashboard', 'dashboard', '2022-01-13T09:00:00Z', 'FIX');
";

/// Sample rows by the schema version that first holds them: each is inserted right after
/// that version's migration, as a build of that version would have written it, and the
/// later migrations carry it forward as they carry a user's data.
/// Migration 8 gives each laptop a random device id and its creation time: fixed here, so a
/// fixture built twice is the same file.
const SAMPLE_V8: &str = "UPDATE sync_device SET device_id = '00000000-0000-4000-8000-00000000fd01',
    created_at = '2022-01-14T09:00:00Z' WHERE id = 1;";

const SAMPLES: &[(i32, &str)] = &[
    (1, SAMPLE_V1),
    (2, SAMPLE_V2),
    (3, SAMPLE_V3),
    (8, SAMPLE_V8),
];

/// Build a database at schema `version` as builds up to that version would have left it:
/// created with migration 1 by the store's own code, then for each version its sample rows
/// and the next migration (`MIGRATIONS`, as the store applies them), up to `version`. A
/// self-contained file (rollback journal, no `-wal`), mode 0600.
fn build_fixture(path: &Path, version: i32) {
    assert!((1..=SCHEMA_VERSION).contains(&version));
    drop(Store::create_at_version(path, 1).expect("create at version 1"));
    let c = Connection::open(path).unwrap();
    c.pragma_update(None, "foreign_keys", true).unwrap();
    for v in 1..=version {
        let tx = c.unchecked_transaction().unwrap();
        if v > 1 {
            tx.execute_batch(MIGRATIONS[v as usize - 1]).unwrap();
            tx.pragma_update(None, "user_version", v).unwrap();
        }
        for (_, sql) in SAMPLES.iter().filter(|(since, _)| *since == v) {
            tx.execute_batch(sql)
                .unwrap_or_else(|e| panic!("sample rows of version {v}: {e}"));
        }
        tx.commit().unwrap();
    }
    c.pragma_update(None, "journal_mode", "DELETE").unwrap();
    c.execute_batch("VACUUM").unwrap();
}

fn ro(path: &Path) -> Connection {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
}

fn user_version(path: &Path) -> i32 {
    ro(path)
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap()
}

/// The schema as SQLite holds it: every table, index, trigger and view, sorted.
fn schema(path: &Path) -> Vec<String> {
    let c = ro(path);
    let mut s = c
        .prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
        .unwrap();
    s.query_map([], |r| {
        Ok(format!(
            "{} {}: {}",
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?.unwrap_or_default()
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

fn integrity(path: &Path) -> Vec<String> {
    let c = ro(path);
    let mut out: Vec<String> = c
        .prepare("PRAGMA integrity_check")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .filter(|r| r != "ok")
        .collect();
    let fk: i64 = c
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    if fk > 0 {
        out.push(format!("{fk} foreign key violation(s)"));
    }
    out
}

/// Backups of `db` taken before a migration from `version`, beside it.
fn migration_backups(db: &Path, version: i32) -> Vec<PathBuf> {
    let prefix = format!("{}.v{version}-", db.file_name().unwrap().to_string_lossy());
    let mut v: Vec<PathBuf> = std::fs::read_dir(db.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&prefix)
        })
        .collect();
    v.sort();
    v
}

/// Copy a fixture into a fresh study folder as `study.db` (owner-only, as a real one).
fn study_with(fixture: &Path) -> Study {
    let s = Study::empty();
    std::fs::copy(fixture, s.db()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(s.db(), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    s
}

#[test]
#[ignore = "writes tests/fixtures/schemas/vN.fwdb for each version without one; run when adding a migration"]
fn write_schema_fixtures() {
    std::fs::create_dir_all(fixtures_dir()).unwrap();
    for v in 1..=SCHEMA_VERSION {
        let p = fixtures_dir().join(format!("v{v}.fwdb"));
        if !p.exists() {
            build_fixture(&p, v);
            eprintln!("wrote {}", p.display());
        }
    }
}

#[test]
fn fixtures_cover_every_earlier_version() {
    // The current version's fixture is optional (it is the next one needed).
    let have: Vec<i32> = fixtures()
        .iter()
        .map(|(v, _)| *v)
        .filter(|v| *v < SCHEMA_VERSION)
        .collect();
    let want: Vec<i32> = (1..SCHEMA_VERSION).collect();
    assert_eq!(
        have,
        want,
        "tests/fixtures/schemas must hold v1.fwdb … v{}.fwdb; write the missing ones with \
         `cargo test --test migrations -- --ignored write_schema_fixtures`",
        SCHEMA_VERSION - 1
    );
}

/// A committed fixture is what the first N migrations build: a released migration that
/// was edited afterwards (the files already in the field were built by the old text)
/// shows up here.
#[test]
fn fixtures_match_the_migrations() {
    let dir = tempfile::tempdir().unwrap();
    for (v, fixture) in fixtures() {
        assert_eq!(user_version(&fixture), v, "{}", fixture.display());
        let app: i32 = ro(&fixture)
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .unwrap();
        assert_eq!(app, APPLICATION_ID, "{}", fixture.display());
        let fresh = dir.path().join(format!("v{v}.db"));
        build_fixture(&fresh, v);
        assert_eq!(
            schema(&fixture),
            schema(&fresh),
            "{}: the schema differs from migrations 1..={v} as they are now",
            fixture.display()
        );
        assert_eq!(common::dump(&fixture), common::dump(&fresh));
    }
}

/// What the sample rows look like once upgraded, through the current binary.
fn upgraded_rows_survive(s: &Study, version: i32) {
    let people = common::as_array(s.json(&["participant", "list", "--json"]));
    let mut codes: Vec<&str> = people.iter().map(|p| common::s(p, "code")).collect();
    codes.sort();
    assert_eq!(codes, ["PFX01", "PFX02", "PFX03"], "v{version}");
    let ada = s.show("PFX01");
    assert_eq!(ada["name"], "Ada Quillfeather", "{ada}");
    assert_eq!(ada["email"], "ada@example.org", "{ada}");
    assert_eq!(
        ada["consent_records"].as_array().map(Vec::len),
        Some(1),
        "{ada}"
    );
    assert_eq!(ada["sessions"].as_array().map(Vec::len), Some(1), "{ada}");
    assert_eq!(ada["history"].as_array().map(Vec::len), Some(3), "{ada}");
    let interviews = s.interviews();
    assert_eq!(interviews.len(), 1, "v{version}: {interviews:?}");
    let out = s.ok(&["quotes", "--theme", "Measures and metrics", "--json"]);
    assert!(out.trim_start().starts_with('['), "{out}");
    let audit = s.audit();
    assert!(
        audit
            .iter()
            .any(|a| a["entity_id"] == "00000000-0000-4000-8000-000000000101"),
        "v{version}: the old audit entry is kept"
    );
    if version >= 2 {
        // The transcript text is still searchable after the index changes of version 4.
        let hits = s.json(&["search", "indicators", "--json"]);
        assert_eq!(hits.as_array().map(Vec::len), Some(1), "v{version}: {hits}");
    }
}

#[test]
fn every_earlier_version_upgrades_with_a_backup() {
    let all = fixtures();
    assert!(!all.is_empty());
    for (v, fixture) in all {
        let s = study_with(&fixture);
        if v == SCHEMA_VERSION {
            // The current version's fixture opens as it is.
            let out = s.fw(&["participant", "list", "--json"]);
            expect_code(&out, 0, &["participant", "list"]);
            assert!(!stderr(&out).contains("migrated"), "{}", stderr(&out));
            upgraded_rows_survive(&s, v);
            continue;
        }
        let before = common::dump(&fixture);
        let out = s.fw(&["participant", "list", "--json"]);
        expect_code(&out, 0, &["participant", "list"]);
        let err = stderr(&out);
        assert_has(
            &err,
            &[&format!("migrated to schema {SCHEMA_VERSION}"), "kept as"],
        );
        assert_eq!(user_version(&s.db()), SCHEMA_VERSION, "v{v}");
        assert_eq!(integrity(&s.db()), Vec::<String>::new(), "v{v}");
        let backups = migration_backups(&s.db(), v);
        assert_eq!(backups.len(), 1, "v{v}: one backup beside the file");
        let b = &backups[0];
        assert!(err.contains(&b.display().to_string()), "{err}");
        assert_eq!(
            user_version(b),
            v,
            "the backup is the file before migrating"
        );
        assert_eq!(common::dump(b), before, "v{v}: the backup holds every row");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(b).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "the backup is owner-only");
        }
        upgraded_rows_survive(&s, v);
        // A second open finds nothing to do.
        let out = s.fw(&["participant", "list", "--json"]);
        expect_code(&out, 0, &["participant", "list"]);
        assert!(!stderr(&out).contains("migrated"), "{}", stderr(&out));
        assert_eq!(migration_backups(&s.db(), v).len(), 1);
    }
}

/// Threads with their own connections open one old file at the same moment: exactly one
/// migrates it and takes the backup; the others wait for the lock and find it done.
#[test]
fn concurrent_opens_migrate_once() {
    let (v, fixture) = fixtures().into_iter().next().expect("a fixture");
    for round in 0..5 {
        let s = study_with(&fixture);
        let n = 6;
        let barrier = Arc::new(Barrier::new(n));
        let handles: Vec<_> = (0..n)
            .map(|_| {
                let db = s.db();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    let store = Store::open(&db).map_err(|e| e.to_string())?;
                    Ok::<_, String>(store.migrated_backup.clone())
                })
            })
            .collect();
        let results: Vec<Result<Option<PathBuf>, String>> =
            handles.into_iter().map(|h| h.join().unwrap()).collect();
        let errors: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        assert!(errors.is_empty(), "round {round}: {errors:?}");
        let migrated: Vec<&PathBuf> = results
            .iter()
            .filter_map(|r| r.as_ref().ok().and_then(Option::as_ref))
            .collect();
        assert_eq!(migrated.len(), 1, "round {round}: {results:?}");
        assert_eq!(migration_backups(&s.db(), v), vec![migrated[0].clone()]);
        assert_eq!(user_version(&s.db()), SCHEMA_VERSION);
        assert_eq!(integrity(&s.db()), Vec::<String>::new());
    }
}

/// The same with processes of the real binary.
#[test]
fn concurrent_processes_migrate_once() {
    let (v, fixture) = fixtures().into_iter().next().expect("a fixture");
    let s = study_with(&fixture);
    let children: Vec<_> = (0..4)
        .map(|_| {
            let mut c = s.command();
            c.arg("--db")
                .arg(s.db())
                .args(["participant", "list", "--json"]);
            c.stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let mut migrated = 0;
    for o in &outs {
        expect_code(o, 0, &["participant", "list"]);
        let people = common::as_array(serde_json::from_slice(&o.stdout).unwrap());
        assert_eq!(people.len(), 3);
        if stderr(o).contains("migrated") {
            migrated += 1;
        }
    }
    assert_eq!(migrated, 1);
    assert_eq!(migration_backups(&s.db(), v).len(), 1);
    assert_eq!(user_version(&s.db()), SCHEMA_VERSION);
}
