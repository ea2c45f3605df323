//! Scale benchmark (issue 2): a `--scale 10` demo database (40 sites, ~1,120 interviews);
//! times `coverage` and `participant list` through the service, and the very same SQL
//! statements (recorded with SQLite's trace hook) run by the `sqlite3` shell on the same
//! file. Run with `cargo bench --bench scale`; the summary is printed at the end and written
//! to `target/bench-data/scale.md`.
//!
//! The database is built once and kept in `target/bench-data/` (delete it to rebuild).
//!
//! Then (issue 10) whole-process timings of the release binary at scales 1, 10 and 100:
//! the demo build, `export participants` paired with the sqlite3 shell's equivalent join,
//! and `import participants` of 10,000 and 100,000 rows; written to
//! `target/bench-data/issue10.md`. `FIELDWORK_BENCH_SCALES`, `FIELDWORK_BENCH_RUNS` and
//! `FIELDWORK_BENCH_PROCESS_ONLY=1` choose what runs.

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

// ---------------------------------------------------------------------------------------
// Issue 10: whole-process timings of the release binary at scales 1, 10 and 100.

/// The equivalent of `export participants` in the sqlite3 shell: the same rows (completed
/// interview, archiving consent `yes` in the latest record in force, no withdrawal with a
/// removal scope), the same columns, before k-anonymity.
const EXPORT_SQL: &str = "SELECT p.code AS export_code, s.code AS site,
       group_concat(DISTINCT ph.number) AS phases, rc.name AS role_category
  FROM participant p
  JOIN site s ON s.id = p.site_id
  JOIN role r ON r.id = p.role_id
  JOIN role_category rc ON rc.id = r.category_id
  JOIN session_participant sp ON sp.participant_id = p.id
  JOIN session se ON se.id = sp.session_id
  JOIN phase ph ON ph.id = se.phase_id
 WHERE se.kind = 'interview' AND se.status = 'done'
   AND (SELECT c.archiving FROM consent c
         WHERE c.participant_id = p.id AND c.date <= date('now')
         ORDER BY c.date DESC, c.recorded_at DESC LIMIT 1) = 'yes'
   AND NOT EXISTS (SELECT 1 FROM withdrawal w WHERE w.participant_id = p.id
                     AND w.scope IN ('remove-unanalysed', 'remove-all-feasible'))
 GROUP BY p.id ORDER BY p.code;";

/// One finished run: wall time and the CPU (user + system) of the child.
#[derive(Clone, Copy)]
struct Run {
    wall: f64,
    cpu: f64,
}

/// User + system CPU seconds of the children waited for so far.
fn children_cpu() -> f64 {
    #[cfg(unix)]
    {
        // SAFETY: getrusage writes into the struct we hand it and reads nothing else.
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) } == 0 {
            let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
            return t(u.ru_utime) + t(u.ru_stime);
        }
    }
    0.0
}

/// Run a command to its end (output to files or /dev/null), failing loudly if it fails.
fn run(cmd: &mut Command) -> Run {
    let cpu0 = children_cpu();
    let start = Instant::now();
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("start the command");
    let wall = start.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Run {
        wall,
        cpu: children_cpu() - cpu0,
    }
}

fn med(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fieldwork"));
    c.env_remove("FIELDWORK_DB")
        .env_remove("FIELDWORK_CONFIG")
        .env("USER", "bench");
    c
}

/// A synthetic import file of `n` rows (invented, numbered names; no real people).
fn import_csv(path: &Path, n: usize) {
    let sites = ["A", "B", "C", "D"];
    // Roles that are not unique at a site (a second chief executive would be refused).
    let roles = ["ics-exec-other", "q-manager", "la-dph"];
    let mut s = String::from("name,role,site,email,organisation,job_title,status\n");
    for i in 0..n {
        s.push_str(&format!(
            "Bench Person {i:06},{},{},person{i}@bench.example,Org {},Lead {},invited\n",
            roles[i % roles.len()],
            sites[i % sites.len()],
            i % 97,
            i % 13
        ));
    }
    std::fs::write(path, s).unwrap();
}

/// Whole-process timings (issue 10): the demo build at each scale, `export participants`
/// against the sqlite3 shell's equivalent join (paired runs), and `import participants`
/// of 10,000 and 100,000 rows. Writes `target/bench-data/issue10.md`.
fn whole_process(scales: &[u32], runs: usize) {
    let base = data_dir().join("issue10");
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let mut lines = vec![
        "| scale | participants | rows exported | demo build: wall (CPU) | export: wall (CPU) | sqlite3 join: wall (CPU) | export / sqlite3: CPU (wall), median of pairs | in-process: rows + k-anonymity | in-process: identifier register | in-process: the rest (guard, manifest, files) |".to_string(),
        "|---|---|---|---|---|---|---|---|---|---|".to_string(),
    ];
    for &scale in scales {
        let dir = base.join(format!("scale{scale}"));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("fieldwork.db");
        eprintln!("issue10: building the scale-{scale} demo");
        let built = run(bin()
            .arg("--db")
            .arg(&db)
            .args(["init", "--demo", "--scale", &scale.to_string()])
            .stdout(Stdio::null()));
        let fw = open(&db);
        let participants = fw.participant_count(&ParticipantFilter::default()).unwrap();
        // Same codes from both sides.
        let ours_csv = dir.join("export.csv");
        run(bin()
            .arg("--db")
            .arg(&db)
            .args([
                "export",
                "participants",
                "--format",
                "csv",
                "--force",
                "--out",
            ])
            .arg(&ours_csv)
            .stdout(Stdio::null()));
        let theirs = Command::new("sqlite3")
            .args(["-csv", "-header", "-readonly"])
            .arg(&db)
            .arg(EXPORT_SQL)
            .output();
        let Ok(theirs) = theirs else {
            eprintln!("issue10: sqlite3 not found; skipping the comparison");
            return;
        };
        let codes = |text: &str| -> Vec<String> {
            let mut v: Vec<String> = text
                .lines()
                .skip(1)
                .filter_map(|l| l.split(',').next())
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect();
            v.sort();
            v
        };
        let ours_codes = codes(&std::fs::read_to_string(&ours_csv).unwrap());
        let theirs_codes = codes(&String::from_utf8_lossy(&theirs.stdout));
        assert_eq!(
            ours_codes, theirs_codes,
            "the export and the sqlite3 join disagree on the participants"
        );
        // Paired runs: export, then sqlite3, in turn; the ratio is taken pair by pair.
        let (mut a, mut b, mut ratio_cpu, mut ratio_wall) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs {
            let x = run(bin()
                .arg("--db")
                .arg(&db)
                .args([
                    "export",
                    "participants",
                    "--format",
                    "csv",
                    "--force",
                    "--out",
                ])
                .arg(&ours_csv)
                .stdout(Stdio::null()));
            let out = std::fs::File::create(dir.join("sqlite3.csv")).unwrap();
            let y = run(Command::new("sqlite3")
                .args(["-csv", "-header", "-readonly"])
                .arg(&db)
                .arg(EXPORT_SQL)
                .stdout(out));
            ratio_cpu.push(x.cpu / y.cpu.max(1e-4));
            ratio_wall.push(x.wall / y.wall.max(1e-4));
            a.push(x);
            b.push(y);
        }
        // In-process: the rows and k-anonymity without the disclosure guard, and the guard.
        let ours_part = median(
            || {
                let r = fieldwork::export::participants::eligible_records(&fw).unwrap();
                drop(fieldwork::export::participants::anonymise(&r, 5).unwrap());
            },
            runs,
        );
        let register = median(
            || drop(fieldwork::export::identifier_register(&fw).unwrap()),
            runs,
        );
        let whole = median(
            || {
                let out = dir.join("inproc.csv");
                fieldwork::export::participants::export(
                    &fw,
                    fieldwork::export::participants::Format::Csv,
                    &out,
                    5,
                    true,
                )
                .unwrap();
            },
            runs,
        );
        let ms = |d: f64| format!("{:.0} ms", d * 1e3);
        let wc = |v: &[Run]| {
            format!(
                "{} ({})",
                ms(med(v.iter().map(|r| r.wall).collect())),
                ms(med(v.iter().map(|r| r.cpu).collect()))
            )
        };
        lines.push(format!(
            "| {scale} | {participants} | {} | {:.1} s ({:.1} s) | {} | {} | {:.2} ({:.2}) | {} | {} | {} |",
            ours_codes.len(),
            built.wall,
            built.cpu,
            wc(&a),
            wc(&b),
            med(ratio_cpu),
            med(ratio_wall),
            ms(ours_part.as_secs_f64()),
            ms(register.as_secs_f64()),
            ms(whole
                .saturating_sub(ours_part)
                .saturating_sub(register)
                .as_secs_f64()),
        ));
        eprintln!("{}", lines.last().unwrap());
    }
    // Import: 10,000 and 100,000 rows, each run into a fresh copy of an empty database.
    let empty = base.join("empty.db");
    run(bin()
        .arg("--db")
        .arg(&empty)
        .arg("init")
        .stdout(Stdio::null()));
    lines.push(String::new());
    lines.push(
        "| import participants | runs | wall (median) | CPU (median) | per row (CPU) |".into(),
    );
    lines.push("|---|---|---|---|---|".into());
    let mut per_row = Vec::new();
    for (n, k) in [(10_000usize, runs), (100_000, runs.min(3))] {
        let csv = base.join(format!("import{n}.csv"));
        import_csv(&csv, n);
        let mut v = Vec::new();
        for _ in 0..k {
            let db = base.join("import.db");
            fieldwork::service::remove_db_files(&db);
            std::fs::copy(&empty, &db).unwrap();
            v.push(run(bin()
                .arg("--db")
                .arg(&db)
                .args(["import", "participants"])
                .arg(&csv)
                .stdout(Stdio::null())));
        }
        let (wall, cpu) = (
            med(v.iter().map(|r| r.wall).collect()),
            med(v.iter().map(|r| r.cpu).collect()),
        );
        per_row.push(cpu);
        lines.push(format!(
            "| {n} rows | {k} | {:.2} s | {:.2} s | {:.1} µs |",
            wall,
            cpu,
            cpu / n as f64 * 1e6
        ));
        eprintln!("{}", lines.last().unwrap());
    }
    lines.push(format!(
        "\n100,000 rows / 10,000 rows (CPU): {:.1}×",
        per_row[1] / per_row[0]
    ));
    let report = lines.join("\n") + "\n";
    println!("\n{report}");
    let _ = std::fs::write(data_dir().join("issue10.md"), &report);
}

fn main() {
    // Under `cargo test --benches` criterion is given `--bench`-less args; building a
    // scale-10 database there would be too slow, so only run when benchmarking.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // FIELDWORK_BENCH_SCALES=1,10,100 (the default) sets the scales of the whole-process
    // part; FIELDWORK_BENCH_PROCESS_ONLY=1 skips the criterion part.
    if std::env::var_os("FIELDWORK_BENCH_PROCESS_ONLY").is_none() {
        scale();
        Criterion::default().configure_from_args().final_summary();
    }
    let scales: Vec<u32> = std::env::var("FIELDWORK_BENCH_SCALES")
        .unwrap_or_else(|_| "1,10,100".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let runs = std::env::var("FIELDWORK_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5usize)
        .max(1);
    whole_process(&scales, runs);
}
