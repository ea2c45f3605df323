//! Scale benchmark (issue 2): a `--scale 10` demo database (40 sites, ~1,120 interviews);
//! times `coverage` and `participant list` through the service, and the very same SQL
//! statements (recorded with SQLite's trace hook) run by the `sqlite3` shell on the same
//! file. Run with `cargo bench --bench scale`; the summary is printed at the end and written
//! to `target/bench-data/scale.md`.
//!
//! The database is built once and kept in `target/bench-data/` (delete it to rebuild).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use fieldwork::config;
use fieldwork::domain::ParticipantFilter;
use fieldwork::service::{Fieldwork, Settings};

const SCALE: u32 = 10;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data")
}

fn settings(db: &Path) -> Settings {
    Settings {
        user: "bench".into(),
        transcripts_root: db.parent().unwrap().join("transcripts"),
        consent_policy: config::ConsentPolicy::Refuse,
    }
}

/// The scale-10 database, built on first use; returns its path and the build time if built.
fn database() -> (PathBuf, Option<Duration>) {
    let dir = data_dir().join(format!("scale{SCALE}"));
    let db = dir.join("fieldwork.db");
    if db.exists() {
        return (db, None);
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = config::parse(config::DEFAULT_STUDY, "built-in").unwrap();
    let start = Instant::now();
    let mut fw = Fieldwork::create(&db, &cfg.study, settings(&db)).unwrap();
    fieldwork::demo::generate(&mut fw, SCALE).unwrap();
    let took = start.elapsed();
    (db, Some(took))
}

fn open(db: &Path) -> Fieldwork {
    Fieldwork::open(db, settings(db)).unwrap()
}

/// The statements one call runs, as expanded SQL text.
fn record<F: FnOnce(&Fieldwork)>(db: &Path, f: F) -> Vec<String> {
    let mut fw = open(db);
    let sink = Arc::new(Mutex::new(Vec::new()));
    fw.store.record_sql(Some(sink.clone())).unwrap();
    f(&fw);
    fw.store.record_sql(None).unwrap();
    let v = sink.lock().unwrap().clone();
    v.into_iter()
        .filter(|s| !s.trim_start().to_ascii_uppercase().starts_with("PRAGMA"))
        .collect()
}

/// Median wall time per repetition of `statements` in the sqlite3 shell: the script is run
/// `reps` times in one process, minus the time of an empty script (process start, open).
fn sqlite3_time(db: &Path, statements: &[String], reps: usize, runs: usize) -> Option<Duration> {
    let script_for = |n: usize| {
        let mut s = String::from(".output /dev/null\n");
        for _ in 0..n {
            for st in statements {
                s.push_str(st.trim_end().trim_end_matches(';'));
                s.push_str(";\n");
            }
        }
        s
    };
    let run = |script: &str| -> Option<Duration> {
        let mut times = Vec::new();
        for _ in 0..runs {
            let start = Instant::now();
            let mut child = Command::new("sqlite3")
                .arg("-batch")
                .arg("-readonly")
                .arg(db)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .ok()?;
            use std::io::Write;
            child.stdin.take()?.write_all(script.as_bytes()).ok()?;
            child.wait().ok()?;
            times.push(start.elapsed());
        }
        times.sort();
        Some(times[times.len() / 2])
    };
    let base = run(&script_for(0))?;
    let full = run(&script_for(reps))?;
    Some(full.saturating_sub(base) / reps as u32)
}

fn median<F: FnMut()>(mut f: F, runs: usize) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn benches(c: &mut Criterion) {
    let (db, built) = database();
    let fw = open(&db);
    let mut g = c.benchmark_group(format!("scale{SCALE}"));
    g.sample_size(20);
    g.bench_function("coverage", |b| b.iter(|| fw.coverage().unwrap()));
    g.bench_function("participant_list_all", |b| {
        b.iter(|| {
            fw.participants(&ParticipantFilter::default(), 0, 1_000_000)
                .unwrap()
        })
    });
    g.bench_function("participant_list_page50", |b| {
        b.iter(|| {
            fw.participants(&ParticipantFilter::default(), 0, 50)
                .unwrap()
        })
    });
    g.finish();

    // Side by side with the sqlite3 shell, on the same statements and file.
    let mut lines = vec![
        format!("# scale {SCALE} benchmark"),
        String::new(),
        format!(
            "participants: {}, interviews: {}, database: {:.1} MiB{}",
            fw.participant_count(&ParticipantFilter::default()).unwrap(),
            fw.coverage().unwrap().total_interviews,
            std::fs::metadata(&db)
                .map(|m| m.len() as f64 / 1048576.0)
                .unwrap_or(0.0),
            built
                .map(|d| format!(", built in {:.1} s", d.as_secs_f64()))
                .unwrap_or_default()
        ),
        String::new(),
        "| operation | statements | fieldwork (median) | sqlite3 shell (median) | ratio |".into(),
        "|---|---|---|---|---|".into(),
    ];
    type Op = Box<dyn Fn(&Fieldwork)>;
    let ops: Vec<(&str, Op)> = vec![
        (
            "coverage",
            Box::new(|f: &Fieldwork| drop(f.coverage().unwrap())),
        ),
        (
            "participant list (all)",
            Box::new(|f: &Fieldwork| {
                drop(
                    f.participants(&ParticipantFilter::default(), 0, 1_000_000)
                        .unwrap(),
                )
            }),
        ),
        (
            "participant list (first page of 50)",
            Box::new(|f: &Fieldwork| {
                drop(
                    f.participants(&ParticipantFilter::default(), 0, 50)
                        .unwrap(),
                )
            }),
        ),
    ];
    for (name, op) in &ops {
        let statements = record(&db, |f| op(f));
        let ours = median(|| op(&fw), 31);
        let theirs = sqlite3_time(&db, &statements, 10, 5);
        let (theirs_s, ratio) = match theirs {
            Some(t) => (
                format!("{:.2} ms", t.as_secs_f64() * 1e3),
                format!("{:.2}", ours.as_secs_f64() / t.as_secs_f64().max(1e-9)),
            ),
            None => ("sqlite3 not found".into(), "—".into()),
        };
        lines.push(format!(
            "| {name} | {} | {:.2} ms | {theirs_s} | {ratio} |",
            statements.len(),
            ours.as_secs_f64() * 1e3
        ));
    }
    let report = lines.join("\n") + "\n";
    println!("\n{report}");
    let _ = std::fs::write(data_dir().join("scale.md"), &report);
}

criterion_group!(scale, benches);

fn main() {
    // Under `cargo test --benches` criterion is given `--bench`-less args; building a
    // scale-10 database there would be too slow, so only run when benchmarking.
    if std::env::args().any(|a| a == "--bench") {
        scale();
        Criterion::default().configure_from_args().final_summary();
    }
}
