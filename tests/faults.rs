//! Faults as tests, bounded to a few seconds each.
//!
//! * A writer process is killed (SIGKILL) at random points, many times, on one database:
//!   after each kill SQLite's integrity and foreign-key checks pass, every write the child
//!   acknowledged (it prints `ACK …` only after the commit returned) is present, and every
//!   transaction is whole (no participant without its status event and audit entry).
//! * The real binary's all-or-nothing imports (`import participants`, `transcript
//!   import-dir`) killed at random points leave the import whole or absent.
//! * Two writer processes and a reader process at once: no busy error reaches the user,
//!   every acknowledged write is there (no lost update), the reader only sees growth.
//!
//! The writer child is this test binary run again with `--exact child_writer --ignored`
//! (the test below, which only acts when the parent sets [`CHILD_DB`]): a long-running
//! process writing through the library, the same `Store`/`Fieldwork` code the binary uses,
//! so a kill lands anywhere in a write instead of mostly in process start-up.
//!
//! Kill points come from a seeded RNG (`FIELDWORK_FAULT_SEED`, printed on failure); the
//! random pause before a kill is the fault being injected, not a wait for a condition:
//! every wait for the child is on its output or its exit. `FIELDWORK_FAULT_SECONDS`
//! bounds each test (default 3).

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use common::{expect_code, stderr, Study};
use rusqlite::Connection;

/// Set by the parent: the database the child writes to.
const CHILD_DB: &str = "FIELDWORK_FAULTS_CHILD_DB";
/// Set by the parent: a tag that makes the child's names unique per run.
const CHILD_TAG: &str = "FIELDWORK_FAULTS_CHILD_TAG";

fn seed() -> u64 {
    std::env::var("FIELDWORK_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x00F1_E1D5)
}

fn budget() -> Duration {
    let secs = std::env::var("FIELDWORK_FAULT_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    Duration::from_secs_f64(secs)
}

/// How long any single wait on a child may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(60);

/// The child: add participants (and every third one's consent) forever, acknowledging
/// each committed write on stdout. Ends when killed or when stdout is gone.
#[test]
#[ignore = "the writer child of the fault tests, which start it themselves"]
fn child_writer() {
    use std::io::Write;

    use fieldwork::config::ConsentPolicy;
    use fieldwork::domain::{parse_date, Answer, ParticipantInput};
    use fieldwork::service::consent::ConsentInput;
    use fieldwork::service::{Fieldwork, Settings};

    let Some(db) = std::env::var_os(CHILD_DB) else {
        return;
    };
    let db = PathBuf::from(db);
    let tag = std::env::var(CHILD_TAG).unwrap_or_default();
    let settings = Settings {
        user: "KIL".into(),
        transcripts_root: db.with_file_name("transcripts"),
        consent_policy: ConsentPolicy::Refuse,
    };
    let mut fw = Fieldwork::open(&db, settings).expect("open");
    let role = fw
        .reference
        .roles
        .iter()
        .find(|r| !r.unique_at_site)
        .expect("a role that is not unique at a site")
        .code
        .clone();
    let site = fw.reference.sites[0].code.clone();
    let date = parse_date("2022-01-05").unwrap();
    let mut out = std::io::stdout().lock();
    for i in 0u64.. {
        let p = fw
            .add_participant(&ParticipantInput {
                name: Some(format!("Kill {tag} {i}")),
                role: Some(role.clone()),
                site: Some(site.clone()),
                ..Default::default()
            })
            .expect("add");
        if writeln!(out, "ACK participant {}", p.code).is_err() {
            return;
        }
        if i % 3 == 0 {
            fw.record_consent(
                &p.code,
                &ConsentInput {
                    date: Some(date),
                    take_part: Some(Answer::Yes),
                    audio: Some(Answer::Yes),
                    ..Default::default()
                },
            )
            .expect("consent");
            if writeln!(out, "ACK consent {}", p.code).is_err() {
                return;
            }
        }
        let _ = out.flush();
    }
}

/// A child whose complete stdout lines arrive on the receiver (a partial last line, cut
/// by the kill, is dropped: only a line ended by a newline was fully acknowledged).
fn spawn_lines(mut cmd: Command) -> (Child, Receiver<String>) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match r.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => return,
                Ok(_) if buf.ends_with(b"\n") => {
                    let line = String::from_utf8_lossy(&buf).trim_end().to_string();
                    if tx.send(line).is_err() {
                        return;
                    }
                }
                Ok(_) => return,
            }
        }
    });
    (child, rx)
}

fn writer_child(db: &Path, tag: &str) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args([
        "--exact",
        "child_writer",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(CHILD_DB, db)
    .env(CHILD_TAG, tag);
    c
}

/// Problems SQLite finds in the file (a read-write connection, as the next open would
/// make, so that it recovers the write-ahead log of a killed writer).
fn integrity(db: &Path) -> Vec<String> {
    let c = Connection::open(db).unwrap();
    c.busy_timeout(PATIENCE).unwrap();
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

fn query_set(db: &Path, sql: &str) -> HashSet<String> {
    let c = Connection::open(db).unwrap();
    c.busy_timeout(PATIENCE).unwrap();
    let mut st = c.prepare(sql).unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn count(db: &Path, sql: &str) -> i64 {
    let c = Connection::open(db).unwrap();
    c.busy_timeout(PATIENCE).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Every participant row came with its status event and its audit entry (one
/// transaction), and every consent row with its audit entry.
fn transactions_whole(db: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let lone = count(
        db,
        "SELECT count(*) FROM participant p
         WHERE NOT EXISTS (SELECT 1 FROM status_event e WHERE e.participant_id = p.id)
            OR NOT EXISTS (SELECT 1 FROM audit a WHERE a.entity_id = p.id AND a.action = 'create')",
    );
    if lone > 0 {
        out.push(format!(
            "{lone} participant(s) without their status event or audit entry"
        ));
    }
    let lone = count(
        db,
        "SELECT count(*) FROM consent c
         WHERE NOT EXISTS (SELECT 1 FROM audit a WHERE a.entity_id = c.id)",
    );
    if lone > 0 {
        out.push(format!(
            "{lone} consent record(s) without their audit entry"
        ));
    }
    out
}

#[test]
fn killed_writer_keeps_every_acknowledged_write() {
    let s = Study::new();
    let db = s.db();
    let mut rng = fastrand::Rng::with_seed(seed());
    let ctx = format!("seed {} (FIELDWORK_FAULT_SEED)", seed());
    let start = Instant::now();
    let mut participants: HashSet<String> = HashSet::new();
    let mut consents: HashSet<String> = HashSet::new();
    let mut rounds = 0;
    let mut killed_mid_run = 0;
    while rounds < 10 || (start.elapsed() < budget() && rounds < 200) {
        let (mut child, lines) = spawn_lines(writer_child(&db, &format!("r{rounds}")));
        let mut acks = Vec::new();
        // One round in five is killed at any point after the start (opening, recovering
        // the log of the previous kill); the others once the first write is in.
        if rng.u8(0..5) != 0 {
            match lines.recv_timeout(PATIENCE) {
                Ok(l) => acks.push(l),
                Err(e) => {
                    let _ = child.kill();
                    let out = child.wait_with_output().unwrap();
                    panic!(
                        "{ctx}, round {rounds}: no acknowledgement from the writer ({e}): {}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            }
        }
        std::thread::sleep(Duration::from_micros(rng.u64(0..60_000)));
        child.kill().unwrap();
        let status = child.wait().unwrap();
        assert!(!status.success(), "{ctx}: the writer ended by itself");
        acks.extend(lines.iter());
        if !acks.is_empty() {
            killed_mid_run += 1;
        }
        for a in acks {
            match a.split_whitespace().collect::<Vec<_>>()[..] {
                ["ACK", "participant", code] => {
                    participants.insert(code.to_string());
                }
                ["ACK", "consent", code] => {
                    consents.insert(code.to_string());
                }
                _ => {}
            }
        }
        assert_eq!(
            integrity(&db),
            Vec::<String>::new(),
            "{ctx}, round {rounds}"
        );
        assert_eq!(
            transactions_whole(&db),
            Vec::<String>::new(),
            "{ctx}, round {rounds}"
        );
        let present = query_set(&db, "SELECT code FROM participant");
        let lost: Vec<&String> = participants.difference(&present).collect();
        assert!(
            lost.is_empty(),
            "{ctx}, round {rounds}: acknowledged but lost: {lost:?}"
        );
        let consented = query_set(
            &db,
            "SELECT p.code FROM consent c JOIN participant p ON p.id = c.participant_id",
        );
        let lost: Vec<&String> = consents.difference(&consented).collect();
        assert!(
            lost.is_empty(),
            "{ctx}, round {rounds}: consent acknowledged but lost: {lost:?}"
        );
        rounds += 1;
    }
    // Most rounds wait for a first acknowledgement, so most kills land mid-run.
    assert!(
        participants.len() * 2 >= rounds && killed_mid_run * 2 >= rounds,
        "{ctx}: too few writes to mean anything ({} in {rounds} rounds)",
        participants.len()
    );
    // The real binary opens the file the kills left and finds it healthy.
    let check: serde_json::Value =
        serde_json::from_slice(&s.fw(&["check", "--json"]).stdout).unwrap();
    let bad: Vec<_> = check["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "integrity")
        .collect();
    assert!(bad.is_empty(), "{ctx}: {bad:?}");
    eprintln!(
        "killed the writer {rounds} times in {:.1}s; {} participants and {} consents acknowledged, all present",
        start.elapsed().as_secs_f64(),
        participants.len(),
        consents.len()
    );
}

/// Run the real binary once to completion; returns how long it took.
fn timed_run(s: &Study, db: &Path, args: &[&str]) -> Duration {
    let t = Instant::now();
    let out = s.fw_db(db, args);
    expect_code(&out, 0, args);
    t.elapsed()
}

/// Start the real binary and kill it after a random pause around `within` (how long a
/// complete run takes); returns whether it had already finished successfully.
fn run_and_kill(
    s: &Study,
    db: &Path,
    args: &[&str],
    rng: &mut fastrand::Rng,
    within: Duration,
) -> bool {
    let mut c = s.command();
    c.arg("--db").arg(db).args(args);
    let mut child = c
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Half the kills anywhere in the run, half late in it, where the transaction writes
    // and commits (an import parses and validates everything first).
    let t = within.as_micros() as u64;
    let pause = if rng.bool() {
        rng.u64(0..=t)
    } else {
        rng.u64(t * 6 / 10..=t * 12 / 10)
    };
    std::thread::sleep(Duration::from_micros(pause));
    let _ = child.kill();
    child.wait().unwrap().success()
}

#[test]
fn killed_participant_import_is_whole_or_absent() {
    let s = Study::new();
    let db = s.db();
    let mut rng = fastrand::Rng::with_seed(seed() ^ 1);
    let ctx = format!("seed {} (FIELDWORK_FAULT_SEED)", seed());
    let rows = 400;
    let csv = |tag: &str| {
        let mut t = String::from("name,role,site,email\n");
        for i in 0..rows {
            t.push_str(&format!(
                "Imp {tag} {i},ics-exec-other,{},imp{i}@example.org\n",
                ["A", "B", "C", "D"][i % 4]
            ));
        }
        s.write(&format!("{tag}.csv"), t)
    };
    let imported = |tag: &str| {
        count(
            &db,
            &format!("SELECT count(*) FROM participant WHERE name LIKE 'Imp {tag} %'"),
        )
    };
    // Kill points are drawn against the faster of two complete imports.
    let mut took = Duration::MAX;
    for warm in ["warm1", "warm2"] {
        let file = csv(warm);
        took = took.min(timed_run(
            &s,
            &db,
            &["import", "participants", file.to_str().unwrap()],
        ));
        assert_eq!(imported(warm), rows as i64);
    }
    let start = Instant::now();
    let (mut rounds, mut whole, mut absent) = (0, 0, 0);
    while rounds < 8 || (start.elapsed() < budget() && rounds < 100) {
        let tag = format!("r{rounds}");
        let file = csv(&tag);
        let finished = run_and_kill(
            &s,
            &db,
            &["import", "participants", file.to_str().unwrap()],
            &mut rng,
            took,
        );
        let n = imported(&tag);
        assert!(
            n == 0 || n == rows as i64,
            "{ctx}, round {rounds}: {n} of {rows} rows imported"
        );
        if finished {
            assert_eq!(n, rows as i64, "{ctx}: a finished import is whole");
        }
        if n == 0 {
            absent += 1
        } else {
            whole += 1
        }
        assert_eq!(
            integrity(&db),
            Vec::<String>::new(),
            "{ctx}, round {rounds}"
        );
        assert_eq!(
            transactions_whole(&db),
            Vec::<String>::new(),
            "{ctx}, round {rounds}"
        );
        rounds += 1;
    }
    assert!(
        absent > 0,
        "{ctx}: no kill landed before the commit ({whole} whole in {rounds})"
    );
    eprintln!("killed `import participants` {rounds} times: {whole} whole, {absent} absent");
}

#[test]
fn killed_transcript_import_dir_is_whole_or_absent() {
    let s = Study::new();
    let mut rng = fastrand::Rng::with_seed(seed() ^ 2);
    let ctx = format!("seed {} (FIELDWORK_FAULT_SEED)", seed());
    // Four interviews, each with a long transcript under the transcripts root.
    let dir = s.transcripts().join("batch");
    for (i, site) in ["A", "B", "C", "D"].iter().enumerate() {
        let code = s.consented(&format!("Tran Person {i}"), "ics-ceo", site);
        s.interview(&code, "2022-01-10");
        let mut text = String::new();
        for t in 0..1500 {
            text.push_str(&format!(
                "Interviewer: question {t} about quality planning?\n\nParticipant: answer {t}, we track indicators and dashboards.\n\n"
            ));
        }
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{code}.txt")), text).unwrap();
    }
    // Each round starts from the same database: a consistent copy made by `backup`.
    let template = s.path().join("template.db");
    s.ok(&["backup", template.to_str().unwrap()]);
    let args = ["transcript", "import-dir", dir.to_str().unwrap()];
    let full = s.path().join("full.db");
    let mut took = Duration::MAX;
    for _ in 0..2 {
        fieldwork::service::remove_db_files(&full);
        std::fs::copy(&template, &full).unwrap();
        took = took.min(timed_run(&s, &full, &args));
    }
    let turns = count(&full, "SELECT count(*) FROM turn");
    assert_eq!(count(&full, "SELECT count(*) FROM transcript_import"), 4);
    assert!(turns >= 4 * 3000, "{turns}");
    let start = Instant::now();
    let (mut rounds, mut whole, mut absent) = (0, 0, 0);
    while rounds < 6 || (start.elapsed() < budget() && rounds < 60) {
        let db = s.path().join(format!("round{rounds}.db"));
        std::fs::copy(&template, &db).unwrap();
        let finished = run_and_kill(&s, &db, &args, &mut rng, took);
        let imports = count(&db, "SELECT count(*) FROM transcript_import");
        let n = count(&db, "SELECT count(*) FROM turn");
        assert!(
            (imports, n) == (0, 0) || (imports, n) == (4, turns),
            "{ctx}, round {rounds}: {imports} of 4 transcripts, {n} of {turns} turns"
        );
        if finished {
            assert_eq!(n, turns, "{ctx}: a finished import is whole");
        }
        if n == 0 {
            absent += 1
        } else {
            whole += 1
        }
        assert_eq!(
            integrity(&db),
            Vec::<String>::new(),
            "{ctx}, round {rounds}"
        );
        // The search index agrees with the text it indexes.
        Connection::open(&db)
            .unwrap()
            .execute_batch("INSERT INTO turn_fts (turn_fts) VALUES ('integrity-check');")
            .unwrap_or_else(|e| panic!("{ctx}, round {rounds}: search index: {e}"));
        fieldwork::service::remove_db_files(&db);
        rounds += 1;
    }
    assert!(absent > 0, "{ctx}: no kill landed before the commit");
    eprintln!("killed `transcript import-dir` {rounds} times: {whole} whole, {absent} absent");
}

/// Counts a writer down when it ends, by returning or by panicking.
struct Done<'a>(&'a std::sync::atomic::AtomicUsize);

impl Drop for Done<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Two writer processes adding participants and recording consent, and a reader listing
/// them, all at once through the real binary.
#[test]
fn two_writers_and_a_reader() {
    let s = Study::new();
    let deadline = Instant::now() + budget();
    let writing = std::sync::atomic::AtomicUsize::new(2);
    let busy = |out: &std::process::Output| {
        let e = stderr(out).to_lowercase();
        e.contains("busy") || e.contains("locked")
    };
    let (written, reads) = std::thread::scope(|sc| {
        let writers: Vec<_> = (0..2)
            .map(|w| {
                let s = &s;
                let writing = &writing;
                sc.spawn(move || {
                    // Counted down however the writer ends (a failed assertion too), so
                    // the reader never waits for a writer that is gone.
                    let _done = Done(writing);
                    let mut codes = Vec::new();
                    let mut i = 0;
                    while i < 6 || (Instant::now() < deadline && i < 200) {
                        let name = format!("Writer {w} {i}");
                        let args = [
                            "participant",
                            "add",
                            "--name",
                            &name,
                            "--role",
                            "ics-exec-other",
                            "--site",
                            "A",
                        ];
                        let out = s.fw(&args);
                        assert!(!busy(&out), "writer {w}: {}", stderr(&out));
                        expect_code(&out, 0, &args);
                        let code = common::stdout(&out).trim().to_string();
                        let args = [
                            "consent",
                            "record",
                            &code,
                            "--date",
                            "2022-01-05",
                            "--take-part",
                            "yes",
                        ];
                        let out = s.fw(&args);
                        assert!(!busy(&out), "writer {w}: {}", stderr(&out));
                        expect_code(&out, 0, &args);
                        codes.push(code);
                        i += 1;
                    }
                    codes
                })
            })
            .collect();
        let reader = {
            let s = &s;
            let writing = &writing;
            sc.spawn(move || {
                let mut seen = 0usize;
                let mut reads = 0;
                while writing.load(std::sync::atomic::Ordering::SeqCst) > 0 {
                    let args = ["participant", "list", "--json"];
                    let out = s.fw(&args);
                    assert!(!busy(&out), "reader: {}", stderr(&out));
                    expect_code(&out, 0, &args);
                    let n = common::as_array(serde_json::from_slice(&out.stdout).unwrap()).len();
                    assert!(n >= seen, "the reader saw {n} participants after {seen}");
                    seen = n;
                    let args = ["coverage", "--json"];
                    let out = s.fw(&args);
                    assert!(!busy(&out), "reader: {}", stderr(&out));
                    expect_code(&out, 0, &args);
                    reads += 1;
                }
                reads
            })
        };
        let written: Vec<String> = writers
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        (written, reader.join().unwrap())
    });
    assert!(reads > 0);
    let present: HashSet<String> = s
        .participants()
        .iter()
        .map(|p| common::s(p, "code").to_string())
        .collect();
    let written: HashSet<String> = written.into_iter().collect();
    assert_eq!(
        present, written,
        "every acknowledged participant, nothing else"
    );
    let consented = query_set(
        &s.db(),
        "SELECT p.code FROM consent c JOIN participant p ON p.id = c.participant_id",
    );
    assert_eq!(consented, written, "every acknowledged consent");
    assert_eq!(integrity(&s.db()), Vec::<String>::new());
    assert_eq!(transactions_whole(&s.db()), Vec::<String>::new());
    eprintln!(
        "{} writes by two writers while the reader read {reads} times",
        written.len() * 2
    );
}

/// Two processes editing different fields of one participant at once: both edits hold
/// (the last email and the last phone are there), and field by field each audit entry's
/// "before" is the previous entry's "after" (no edit was computed from a stale read).
#[test]
fn concurrent_edits_of_one_participant_lose_nothing() {
    let s = Study::new();
    let code = s.add("Edit Target", "ics-ceo", "A");
    let n = 25;
    std::thread::scope(|sc| {
        let a = sc.spawn(|| {
            for i in 0..n {
                s.ok(&[
                    "participant",
                    "edit",
                    &code,
                    "--email",
                    &format!("e{i}@example.org"),
                ]);
            }
        });
        let b = sc.spawn(|| {
            for i in 0..n {
                s.ok(&[
                    "participant",
                    "edit",
                    &code,
                    "--phone",
                    &format!("0100 {i:04}"),
                ]);
            }
        });
        a.join().unwrap();
        b.join().unwrap();
    });
    let p = s.show(&code);
    let text = p.to_string();
    assert!(text.contains(&format!("e{}@example.org", n - 1)), "{p}");
    assert!(text.contains(&format!("0100 {:04}", n - 1)), "{p}");
    let mut edits: Vec<serde_json::Value> = s
        .audit()
        .into_iter()
        .filter(|a| a["action"] == "edit")
        .collect();
    edits.reverse(); // oldest first
    assert_eq!(edits.len(), 2 * n);
    // An audit entry holds the fields it changed, before and after. Field by field, each
    // entry's "before" is the previous entry's "after" for that field: no edit was
    // computed from a stale read.
    let mut last: std::collections::HashMap<String, serde_json::Value> = Default::default();
    for e in &edits {
        let before = e["before"].as_object().expect("before is an object");
        for (field, was) in before {
            if let Some(prev) = last.get(field) {
                assert_eq!(
                    prev, was,
                    "an edit of {field} started from a stale read: {e}"
                );
            }
            last.insert(field.clone(), e["after"][field].clone());
        }
    }
    assert_eq!(last.len(), 2, "both fields were edited: {last:?}");
}
