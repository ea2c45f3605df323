//! No lost update: two writers editing different fields of one participant, with status
//! changes in between, never undo each other's committed changes.
//!
//! The headline test runs two real OS processes at once on one database file. Spawning the
//! `fieldwork` binary 2 × 500 times would take most of a minute on a debug build, so each
//! process is this test executable started again (`std::env::current_exe`) with the same
//! test selected and the work described in an environment variable: in that process the
//! test opens its own `Fieldwork` (its own connection) and calls the same service
//! functions the command line and the interface call, N times. A second test does the
//! same with the real binary, fewer times (one process per edit, as a user's shell would).

use std::path::Path;
use std::process::{Child, Command, Stdio};

use fieldwork::config::ConsentPolicy;
use fieldwork::domain::{ParticipantInput, Status};
use fieldwork::service::{Fieldwork, Settings};
use serde_json::Value;

mod common;
use common::Study;

const WORKER_ENV: &str = "FIELDWORK_TEST_EDIT_WORKER";

/// The statuses writer A cycles through (never twice in a row, never one that needs a
/// consent or withdrawal record).
const CYCLE: [Status; 4] = [
    Status::Invited,
    Status::Reminded,
    Status::NoResponse,
    Status::Identified,
];

fn name_value(i: usize) -> String {
    format!("Writer A name {i:04}")
}

fn email_value(i: usize) -> String {
    format!("b{i:04}@example.org")
}

/// Writer A changes the name and, every `status_every` edits, the status; writer B changes
/// the email and the organisation.
fn run_writer(db: &Path, code: &str, writer: &str, n: usize, status_every: usize) {
    let settings = Settings {
        user: format!("writer-{writer}"),
        transcripts_root: db.parent().unwrap().join("transcripts"),
        consent_policy: ConsentPolicy::Refuse,
    };
    let mut fw = Fieldwork::open(db, settings).expect("open the database");
    let mut statuses = 0;
    for i in 1..=n {
        let input = match writer {
            "a" => ParticipantInput {
                name: Some(name_value(i)),
                ..Default::default()
            },
            _ => ParticipantInput {
                email: Some(email_value(i)),
                organisation: Some(format!("Organisation B{i:04}")),
                ..Default::default()
            },
        };
        fw.edit_participant(code, &input)
            .unwrap_or_else(|e| panic!("writer {writer}, edit {i}: {e}"));
        if status_every > 0 && i % status_every == 0 {
            let to = CYCLE[statuses % CYCLE.len()];
            statuses += 1;
            fw.set_status(code, to, None, Some(&format!("writer {writer} {i}")))
                .unwrap_or_else(|e| panic!("writer {writer}, status change {statuses}: {e}"));
        }
    }
}

/// In a writer process (started by the test below with the work in an environment
/// variable), run the writer and return true.
fn run_as_worker() -> bool {
    let Ok(spec) = std::env::var(WORKER_ENV) else {
        return false;
    };
    let parts: Vec<&str> = spec.split('|').collect();
    let [db, code, writer, n, every] = parts[..] else {
        panic!("bad worker spec {spec}");
    };
    run_writer(
        Path::new(db),
        code,
        writer,
        n.parse().unwrap(),
        every.parse().unwrap(),
    );
    true
}

fn spawn_worker(db: &Path, code: &str, writer: &str, n: usize, every: usize) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "two_processes_500_edits_each_lose_nothing",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(
            WORKER_ENV,
            format!("{}|{code}|{writer}|{n}|{every}", db.display()),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start a writer process")
}

fn wait_ok(child: Child, writer: &str) {
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "writer {writer} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The audit entries of one entity, in commit order: (action, by, before, after).
fn audit_of(db: &Path, id: &str) -> Vec<(String, String, Value, Value)> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut stmt = c
        .prepare(
            "SELECT action, by, coalesce(before, 'null'), coalesce(after, 'null')
             FROM audit WHERE entity_id = ?1 ORDER BY rowid",
        )
        .unwrap();
    let rows = stmt
        .query_map([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .unwrap();
    rows.map(|r| {
        let (a, by, b, af) = r.unwrap();
        (
            a,
            by,
            serde_json::from_str(&b).unwrap(),
            serde_json::from_str(&af).unwrap(),
        )
    })
    .collect()
}

/// The values the audit log shows a field changing to after its creation, in commit order.
fn audited_values(entries: &[(String, String, Value, Value)], field: &str) -> Vec<String> {
    entries
        .iter()
        .filter(|(action, _, before, after)| {
            action != "create"
                && after.get(field).is_some()
                && before.get(field) != after.get(field)
        })
        .map(|(_, _, _, after)| after[field].as_str().unwrap_or("").to_string())
        .collect()
}

/// Every field ends at its writer's last value, and the audit log shows each field moving
/// only forward through its writer's values: one entry per edit, none going back.
fn assert_no_lost_update(study: &Study, code: &str, n: usize, statuses: usize) {
    let p = study.show(code);
    assert_eq!(
        p["name"],
        name_value(n),
        "the name lost writer A's last edit"
    );
    assert_eq!(
        p["email"],
        email_value(n),
        "the email lost writer B's last edit"
    );
    assert_eq!(p["organisation"], format!("Organisation B{n:04}"));
    let last_status = CYCLE[(statuses - 1) % CYCLE.len()];
    assert_eq!(
        p["status"],
        last_status.as_str(),
        "the status lost its last change"
    );
    let id = p["id"].as_str().unwrap();
    let entries = audit_of(&study.db(), id);
    let names = audited_values(&entries, "name");
    let want: Vec<String> = (1..=n).map(name_value).collect();
    assert_eq!(
        names, want,
        "the audit log shows the name reverted or skipped"
    );
    let emails = audited_values(&entries, "email");
    let want: Vec<String> = (1..=n).map(email_value).collect();
    assert_eq!(
        emails, want,
        "the audit log shows the email reverted or skipped"
    );
    let status_seq = audited_values(&entries, "status");
    let want: Vec<String> = (0..statuses)
        .map(|i| CYCLE[i % CYCLE.len()].as_str().to_string())
        .collect();
    assert_eq!(
        status_seq, want,
        "the audit log shows the status reverted or skipped"
    );
    // Each writer's entries carry only its own fields.
    for (action, by, before, after) in &entries {
        if action != "edit" {
            continue;
        }
        let fields: Vec<&String> = after.as_object().unwrap().keys().collect();
        let allowed: &[&str] = if by == "writer-a" || by == "tester-a" {
            &["name", "updated_at"]
        } else {
            &["email", "organisation", "updated_at"]
        };
        assert!(
            fields.iter().all(|f| allowed.contains(&f.as_str())),
            "an edit by {by} wrote fields it did not change: {after} (before {before})"
        );
    }
}

#[test]
fn two_processes_500_edits_each_lose_nothing() {
    if run_as_worker() {
        return;
    }
    let n: usize = std::env::var("FIELDWORK_CONCURRENCY_EDITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let study = Study::new();
    let code = study.add("Quentin Sample", "ics-ceo", "A");
    let db = study.db();
    let every = 5;
    let a = spawn_worker(&db, &code, "a", n, every);
    let b = spawn_worker(&db, &code, "b", n, 0);
    wait_ok(a, "a");
    wait_ok(b, "b");
    assert_no_lost_update(&study, &code, n, n / every);
}

/// The same through the real binary, one process per command, two shells at once.
#[test]
fn two_shells_editing_through_the_binary_lose_nothing() {
    let n = 40;
    let study = Study::new();
    let code = study.add("Quentin Sample", "ics-ceo", "A");
    let every = 4;
    std::thread::scope(|scope| {
        let s = &study;
        let code = &code;
        scope.spawn(move || {
            for i in 1..=n {
                let mut c = s.command();
                c.env("USER", "tester-a");
                let out = c
                    .arg("--db")
                    .arg(s.db())
                    .args(["participant", "edit", code, "--name", &name_value(i)])
                    .output()
                    .unwrap();
                common::expect_code(&out, 0, &["participant", "edit"]);
                if i % every == 0 {
                    let to = CYCLE[(i / every - 1) % CYCLE.len()].as_str();
                    let mut c = s.command();
                    c.env("USER", "tester-a");
                    let out = c
                        .arg("--db")
                        .arg(s.db())
                        .args(["participant", "status", code, to])
                        .output()
                        .unwrap();
                    common::expect_code(&out, 0, &["participant", "status"]);
                }
            }
        });
        scope.spawn(move || {
            for i in 1..=n {
                let mut c = s.command();
                c.env("USER", "tester-b");
                let org = format!("Organisation B{i:04}");
                let out = c
                    .arg("--db")
                    .arg(s.db())
                    .args([
                        "participant",
                        "edit",
                        code,
                        "--email",
                        &email_value(i),
                        "--organisation",
                        &org,
                    ])
                    .output()
                    .unwrap();
                common::expect_code(&out, 0, &["participant", "edit"]);
            }
        });
    });
    assert_no_lost_update(&study, &code, n, n / every);
}

/// Eight connections creating one framework name in different cases at the same moment,
/// 30 rounds: the case-insensitive check runs under the write lock, so exactly one is
/// created each round and the others are refused (the column's UNIQUE alone would let
/// `Dup` and `DUP` both in).
#[test]
fn frameworks_created_at_once_in_different_cases_make_one() {
    let study = Study::new();
    let db = study.db();
    let settings = || Settings {
        user: "tester".into(),
        transcripts_root: db.parent().unwrap().join("transcripts"),
        consent_policy: ConsentPolicy::Refuse,
    };
    let cases = ["Dup", "DUP", "dup", "dUp", "DuP", "duP", "DUp", "dUP"];
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(cases.len()));
    let handles: Vec<_> = cases
        .iter()
        .map(|case| {
            let mut fw = Fieldwork::open(&db, settings()).unwrap();
            let barrier = barrier.clone();
            let case = case.to_string();
            std::thread::spawn(move || {
                let mut created = 0;
                for round in 0..30 {
                    barrier.wait();
                    created += usize::from(
                        fw.create_framework(&format!("{case} {round}"), None)
                            .is_ok(),
                    );
                }
                created
            })
        })
        .collect();
    let created: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let fw = Fieldwork::open(&db, settings()).unwrap();
    let names: Vec<String> = fw
        .frameworks()
        .unwrap()
        .into_iter()
        .map(|f| f.name.to_lowercase())
        .filter(|n| n.starts_with("dup "))
        .collect();
    let distinct: std::collections::BTreeSet<&String> = names.iter().collect();
    assert_eq!(distinct.len(), 30, "{names:?}");
    assert_eq!(names.len(), 30, "case variants of one name: {names:?}");
    assert_eq!(created, 30);
}

/// Eight connections removing one tag at the same moment: it is looked up again under the
/// write lock, so one removal succeeds, the others say it is not there, and the audit log
/// holds one deletion (not eight "1 removed" and eight audit entries).
#[test]
fn a_tag_removed_at_once_by_several_is_removed_once() {
    let study = Study::new();
    let db = study.db();
    let settings = || Settings {
        user: "tester".into(),
        transcripts_root: db.parent().unwrap().join("transcripts"),
        consent_policy: ConsentPolicy::Refuse,
    };
    let code = study.consented("Ada Quillfeather", "ics-ceo", "A");
    let session = study.interview(&code, "2022-01-10");
    let mut rounds = Vec::new();
    let mut fw = Fieldwork::open(&db, settings()).unwrap();
    // One tag per theme (a session is tagged once with each).
    let themes: Vec<String> = fw
        .themes(false)
        .unwrap()
        .into_iter()
        .map(|t| t.path)
        .collect();
    assert!(themes.len() >= 20, "{themes:?}");
    for theme in &themes[..20] {
        let tag = fw
            .tag_session(&session, std::slice::from_ref(theme), None)
            .unwrap();
        rounds.push(tag[0].id.clone());
    }
    drop(fw);
    let rounds = std::sync::Arc::new(rounds);
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let mut fw = Fieldwork::open(&db, settings()).unwrap();
            let (barrier, rounds) = (barrier.clone(), rounds.clone());
            std::thread::spawn(move || {
                let mut removed = 0;
                for id in rounds.iter() {
                    barrier.wait();
                    removed += fw.untag(Some(id), None, None).unwrap_or(0);
                }
                removed
            })
        })
        .collect();
    let removed: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(removed, 20);
    let deletions = study
        .audit()
        .iter()
        .filter(|e| e["entity"] == "tag" && e["action"] == "delete")
        .count();
    assert_eq!(deletions, 20);
}

/// The POSIX locks this process holds on `file` (from /proc/locks: Linux).
#[cfg(target_os = "linux")]
fn locks_held_on(file: &Path) -> usize {
    use std::os::unix::fs::MetadataExt;
    let ino = std::fs::metadata(file).unwrap().ino();
    let pid = std::process::id().to_string();
    std::fs::read_to_string("/proc/locks")
        .unwrap()
        .lines()
        .filter(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.get(1) == Some(&"POSIX")
                && f.get(4) == Some(&pid.as_str())
                && f.get(5).and_then(|d| d.rsplit(':').next()) == Some(ino.to_string().as_str())
        })
        .count()
}

/// The interface keeps a read-write connection and, beside it in the same process, the
/// load worker's read-only one. Opening the second must not drop the first's lock on the
/// database file (on POSIX, closing any handle on a file drops every lock the process
/// holds on it). Without that lock, another program using the database (the `sqlite3`
/// shell, a backup tool) takes itself for the last user when it closes, checkpoints and
/// deletes the write-ahead log, and what the interface writes after that goes into a
/// deleted file — lost when it quits. (Seen with `sqlite3` 3.40 against the demo.)
#[cfg(target_os = "linux")]
#[test]
fn a_second_connection_in_the_process_keeps_the_first_ones_lock() {
    let study = Study::new();
    study.add("Wendy Walker", "ics-exec-other", "A");
    let settings = || Settings {
        user: "tester".into(),
        transcripts_root: study.transcripts(),
        consent_policy: ConsentPolicy::Refuse,
    };
    let db = study.db();
    let mut fw = Fieldwork::open(&db, settings()).unwrap();
    // A read: in WAL mode the connection keeps its shared lock on the file from then on.
    assert_eq!(fw.participant_count(&Default::default()).unwrap(), 1);
    assert!(locks_held_on(&db) > 0, "the connection holds its lock");
    // The worker's connection, as the interface opens it, then a read on it.
    let worker = Fieldwork::open_read_only(&db, settings(), Default::default()).unwrap();
    assert_eq!(worker.participant_count(&Default::default()).unwrap(), 1);
    assert!(
        locks_held_on(&db) > 0,
        "opening a second connection dropped the process's lock on the database file"
    );
    // And what is written after that is kept.
    let out = study.fw(&["participant", "list", "--json"]);
    common::expect_code(&out, 0, &["participant", "list"]);
    fw.add_participant(&ParticipantInput {
        name: Some("After Worker".into()),
        role: Some("ics-exec-other".into()),
        site: Some("A".into()),
        ..Default::default()
    })
    .unwrap();
    drop(worker);
    drop(fw);
    let names: Vec<String> = study
        .participants()
        .iter()
        .map(|p| p["name"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(names.contains(&"After Worker".to_string()), "{names:?}");
}
