//! The bad-input corpus: every case of `tests/bad/cases.toml` runs the real binary on a
//! fresh copy of a small seeded study and must exit with its expected code (never 101, a
//! panic), say its message fragments on stderr, and leave the database exactly as it was:
//! every row of every table (and `user_version`) for the seeded study, the very bytes for a
//! file that is not our database. See tests/bad/README.md for the manifest's fields.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    id: String,
    args: Vec<String>,
    code: i32,
    message: Vec<String>,
    /// Files copied before the run: (from under tests/bad, to a placeholder path).
    #[serde(default)]
    files: Vec<(String, String)>,
    /// The database the command gets: `seeded` (default), `none`, `empty`, `text`,
    /// `foreign`, `truncated`, `newer`, `dir`, `wal-orphan`, `readonly`.
    #[serde(default = "seeded")]
    db: String,
    /// Arguments go before the command's own (`--config FILE`), without `--db`.
    #[serde(default)]
    no_db_flag: bool,
}

fn seeded() -> String {
    "seeded".into()
}

fn bad_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad")
}

/// The seeded study, made once: a consented participant with a completed interview, a
/// second participant, a theme; its database file(s) are copied for every case.
struct Seed {
    study: Study,
    code: String,
    session: String,
}

fn seed() -> &'static Seed {
    static SEED: OnceLock<Seed> = OnceLock::new();
    SEED.get_or_init(|| {
        let study = Study::new();
        let code = study.consented("Ann Able", "ics-ceo", "A");
        study.add("Ben Brook", "q-cqo", "B");
        let session = study.interview(&code, "2022-01-10");
        // One theme name in both frameworks: a bare name is ambiguous.
        for fw in ["QMS", "Leadership in integrated care"] {
            study.ok(&["theme", "add", "Shared theme", "--framework", fw]);
        }
        // One file on disk: later copies need no WAL.
        let c = rusqlite::Connection::open(study.db()).unwrap();
        c.pragma_update(None, "journal_mode", "DELETE").unwrap();
        // Fresh planner statistics: the `PRAGMA optimize` every open runs then has nothing
        // to redo (it re-analyzes a table whose pages grew since, which is no change of data
        // but would show in the dump).
        c.execute_batch("ANALYZE").unwrap();
        drop(c);
        Seed {
            study,
            code,
            session,
        }
    })
}

struct Run {
    st: Study,
    db: PathBuf,
}

fn copy_db(from: &Path, to: &Path) {
    std::fs::copy(from, to).unwrap();
}

fn prepare(case: &Case) -> Run {
    let s = seed();
    let st = Study::empty();
    std::fs::create_dir_all(st.transcripts()).unwrap();
    let db = st.db();
    match case.db.as_str() {
        "seeded" | "readonly" => copy_db(&s.study.db(), &db),
        "none" | "dir" | "wal-orphan" => {}
        "empty" => std::fs::write(&db, b"").unwrap(),
        "text" => std::fs::write(&db, "field notes, not a database\n".repeat(20)).unwrap(),
        "foreign" => {
            let c = rusqlite::Connection::open(&db).unwrap();
            c.execute_batch("create table t(x); insert into t values (1), (2);")
                .unwrap();
        }
        "truncated" => {
            let bytes = std::fs::read(s.study.db()).unwrap();
            std::fs::write(&db, &bytes[..bytes.len() / 3]).unwrap();
        }
        "newer" => {
            copy_db(&s.study.db(), &db);
            let c = rusqlite::Connection::open(&db).unwrap();
            c.pragma_update(None, "user_version", 999).unwrap();
        }
        other => panic!("{}: unknown db kind `{other}`", case.id),
    }
    match case.db.as_str() {
        "dir" => std::fs::create_dir_all(&db).unwrap(),
        "wal-orphan" => {
            // The write-ahead log of another study, left without its database.
            let other = Study::new();
            let c = rusqlite::Connection::open(other.db()).unwrap();
            c.pragma_update(None, "journal_mode", "WAL").unwrap();
            c.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
            c.execute("UPDATE study SET name = 'from the orphan WAL'", [])
                .unwrap();
            let wal = other.path().join("study.db-wal");
            std::fs::copy(&wal, st.path().join("study.db-wal")).unwrap();
            drop(c);
        }
        _ => {}
    }
    Run { st, db }
}

fn expand(s: &str, run: &Run) -> String {
    let seed = seed();
    s.replace("{bad}", &bad_dir().display().to_string())
        .replace("{tmp}", &run.st.path().display().to_string())
        .replace("{root}", &run.st.transcripts().display().to_string())
        .replace("{db}", &run.db.display().to_string())
        .replace("{code}", &seed.code)
        .replace("{session}", &seed.session)
        .replace("{huge}", &"x".repeat(100_000))
}

/// What must not change: the rows of the seeded database, or the bytes of every file in
/// the study folder (for databases that are not ours, and to see that nothing was added).
#[derive(Debug, PartialEq)]
struct State {
    dump: Option<String>,
    files: Vec<(String, Vec<u8>)>,
}

fn state(run: &Run, case: &Case) -> State {
    let dump = matches!(case.db.as_str(), "seeded" | "readonly" | "newer").then(|| dump(&run.db));
    let mut files = Vec::new();
    let mut stack = vec![run.st.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let name = p.strip_prefix(run.st.path()).unwrap().display().to_string();
            if p.is_dir() {
                files.push((format!("{name}/"), Vec::new()));
                stack.push(p);
            } else if case.db == "seeded" && name.starts_with("study.db") {
                // The seeded database is compared by its rows (SQLite may rewrite pages).
                files.push((name, Vec::new()));
            } else {
                files.push((name, std::fs::read(&p).unwrap()));
            }
        }
    }
    files.sort();
    // A read-only open may leave `-shm`/`-wal` companions; they hold no data of their own.
    files.retain(|(n, b)| !((n.ends_with("-shm") || n.ends_with("-wal")) && b.is_empty()));
    State { dump, files }
}

fn is_root() -> bool {
    // Root ignores permissions, so a read-only folder is writable to it.
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn run_case(case: &Case) -> Result<(), String> {
    let run = prepare(case);
    for (from, to) in &case.files {
        let to = PathBuf::from(expand(to, &run));
        if let Some(d) = to.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::copy(bad_dir().join(from), &to)
            .unwrap_or_else(|e| panic!("{}: copying {from}: {e}", case.id));
    }
    if case.db == "readonly" {
        // The folder may not be written; the file itself may (SQLite still needs the
        // folder for its -wal file).
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&run.db, std::fs::Permissions::from_mode(0o666)).unwrap();
        std::fs::set_permissions(run.st.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    }
    let before = state(&run, case);
    let args: Vec<String> = case.args.iter().map(|a| expand(a, &run)).collect();
    let mut cmd = run.st.command();
    if case.db == "readonly" && is_root() {
        // Root may write anywhere: run the binary as `nobody` instead.
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN]);
        for (k, v) in cmd.get_envs() {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        c.current_dir(run.st.path());
        cmd = c;
    }
    if !case.no_db_flag {
        cmd.arg("--db").arg(&run.db);
    }
    let out = cmd.args(&args).output().expect("run fieldwork");
    let after = state(&run, case);
    if case.db == "readonly" {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(run.st.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let (so, se) = (stdout(&out), stderr(&out));
    if std::env::var_os("BAD_SHOW").is_some() {
        eprintln!(
            "[{}] exit {:?}: {}",
            case.id,
            out.status.code(),
            se.trim_end()
        );
    }
    let mut problems = Vec::new();
    let code = out.status.code();
    if code == Some(101) || se.contains("panicked") {
        problems.push("PANICKED".to_string());
    }
    if code != Some(case.code) {
        problems.push(format!("exit {code:?}, expected {}", case.code));
    }
    for m in &case.message {
        let m = expand(m, &run);
        if !se.contains(&m) {
            problems.push(format!("no `{m}` on stderr"));
        }
    }
    if before != after {
        let b: BTreeSet<_> = before.files.iter().map(|f| &f.0).collect();
        let a: BTreeSet<_> = after.files.iter().map(|f| &f.0).collect();
        problems.push(format!(
            "the database or study folder changed (dump equal: {}; files before {b:?}, after {a:?})",
            before.dump == after.dump
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}: fieldwork {:?}\n  {}\n  --- stdout\n{}\n  --- stderr\n{}",
            case.id,
            case.args,
            problems.join("\n  "),
            so.chars().take(600).collect::<String>(),
            se.chars().take(1500).collect::<String>()
        ))
    }
}

fn manifest() -> Manifest {
    let text = std::fs::read_to_string(bad_dir().join("cases.toml")).unwrap();
    toml::from_str(&text).unwrap_or_else(|e| panic!("tests/bad/cases.toml: {e}"))
}

#[test]
fn every_bad_input_case_is_refused_cleanly_and_changes_nothing() {
    let m = manifest();
    let mut ids = BTreeSet::new();
    for c in &m.case {
        assert!(ids.insert(c.id.clone()), "case id `{}` twice", c.id);
        assert!(!c.message.is_empty(), "{}: give a message fragment", c.id);
        assert_ne!(
            c.code, 0,
            "{}: a bad-input case cannot expect success",
            c.id
        );
    }
    assert!(m.case.len() >= 60, "only {} cases", m.case.len());
    let root = is_root();
    let has_setpriv = std::process::Command::new("setpriv")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let only = std::env::var("BAD_CASE").ok();
    let mut failures = Vec::new();
    let mut ran = 0;
    for c in &m.case {
        if only.as_deref().is_some_and(|o| !c.id.contains(o)) {
            continue;
        }
        if c.db == "readonly" && root && !has_setpriv {
            eprintln!(
                "{}: skipped: as root it runs as `nobody` through setpriv (util-linux), which is missing",
                c.id
            );
            continue;
        }
        ran += 1;
        if let Err(e) = run_case(c) {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {ran} case(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_input_file_of_the_corpus_is_used_by_a_case() {
    let m = manifest();
    let used: BTreeSet<String> = m
        .case
        .iter()
        .flat_map(|c| {
            c.files.iter().map(|f| f.0.clone()).chain(
                c.args
                    .iter()
                    .filter_map(|a| a.strip_prefix("{bad}/").map(str::to_string)),
            )
        })
        .collect();
    let mut unused = Vec::new();
    let mut stack = vec![bad_dir()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(bad_dir()).unwrap().display().to_string();
            if p.is_dir() {
                stack.push(p);
            } else if rel != "cases.toml" && rel != "README.md" && !used.contains(&rel) {
                unused.push(rel);
            }
        }
    }
    assert!(unused.is_empty(), "files no case uses: {unused:?}");
}
