//! Coding benchmark (issue 4): a `--scale 10` demo study whose synthetic transcripts total
//! at least 20 million words; bulk import throughput, search latency (median and 95th
//! percentile over a fixed set of queries), and the same searches by `grep -r -c` and
//! ripgrep over the same files. Run with `cargo bench --bench coding`; the summary is
//! printed and written to `target/bench-data/coding.md`.
//!
//! The demo database and transcripts are built once into `target/bench-data/coding10/`
//! (delete the folder to rebuild); each run imports into a fresh copy of that database.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use fieldwork::config;
use fieldwork::demo::{generate_with, DemoOptions};
use fieldwork::service::{Fieldwork, Settings};
use fieldwork::tui::coding_io::FIRST;

const SCALE: u32 = 10;
const WORDS_PER_TRANSCRIPT: u32 = 19_500;

/// Arguments to a command-line search tool; `None` where it has no equivalent.
type Args = Option<&'static [&'static str]>;

/// (FTS5 query, grep arguments, ripgrep arguments).
const QUERIES: &[(&str, Args, Args)] = &[
    (
        "dashboard",
        Some(&["-r", "-c", "-i", "-w", "dashboard"]),
        Some(&["-c", "-i", "-w", "dashboard"]),
    ),
    (
        "assurance",
        Some(&["-r", "-c", "-i", "-w", "assurance"]),
        Some(&["-c", "-i", "-w", "assurance"]),
    ),
    (
        "\"quality improvement\"",
        Some(&["-r", "-c", "-i", "-F", "quality improvement"]),
        Some(&["-c", "-i", "-F", "quality improvement"]),
    ),
    (
        "\"system quality group\"",
        Some(&["-r", "-c", "-i", "-F", "system quality group"]),
        Some(&["-c", "-i", "-F", "system quality group"]),
    ),
    (
        "partner*",
        Some(&["-r", "-c", "-i", "-E", r"\bpartner"]),
        Some(&["-c", "-i", r"\bpartner"]),
    ),
    (
        "metric* OR indicator*",
        Some(&["-r", "-c", "-i", "-E", r"\b(metric|indicator)"]),
        Some(&["-c", "-i", r"\b(metric|indicator)"]),
    ),
    ("board AND funding", None, None),
    ("leadership NOT training", None, None),
    ("(data OR analytics) AND capacity", None, None),
    (
        "residents",
        Some(&["-r", "-c", "-i", "-w", "residents"]),
        Some(&["-c", "-i", "-w", "residents"]),
    ),
];

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-data/coding{SCALE}"))
}

/// Every database here (pristine and working copy) shares one transcripts root.
fn settings() -> Settings {
    Settings {
        user: "bench".into(),
        transcripts_root: dir().join("transcripts"),
        consent_policy: config::ConsentPolicy::Refuse,
    }
}

fn pristine() -> (PathBuf, Option<(Duration, u64)>) {
    let db = dir().join("pristine.db");
    if db.exists() {
        return (db, None);
    }
    let _ = std::fs::remove_dir_all(dir());
    std::fs::create_dir_all(dir().join("transcripts")).unwrap();
    let cfg = config::parse(config::DEFAULT_STUDY, "built-in").unwrap();
    let start = Instant::now();
    let mut fw = Fieldwork::create(&db, &cfg.study, settings()).unwrap();
    let mut opts = DemoOptions::new(SCALE);
    opts.words_per_transcript = WORDS_PER_TRANSCRIPT;
    let summary = generate_with(&mut fw, &opts).unwrap();
    (db, Some((start.elapsed(), summary.total_words)))
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn time_cmd(prog: &str, args: &[&str], root: &Path, runs: usize) -> Option<Duration> {
    let mut times = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let out = Command::new(prog).args(args).arg(root).output().ok()?;
        // grep exits 1 when nothing matches; anything above is a failure.
        if out.status.code().unwrap_or(2) > 1 {
            return None;
        }
        times.push(start.elapsed());
    }
    times.sort();
    Some(times[times.len() / 2])
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return; // `cargo test --benches`: building 20 million words is for benchmarking only.
    }
    let (pristine, built) = pristine();
    let work = dir().join("work.db");
    let kept = dir().join("imported.db");
    // FIELDWORK_BENCH_SEARCH_ONLY=1 reuses the database the last run imported into.
    let reuse = std::env::var_os("FIELDWORK_BENCH_SEARCH_ONLY").is_some() && kept.exists();
    fieldwork::service::remove_db_files(&work);
    {
        let fw = Fieldwork::open(if reuse { &kept } else { &pristine }, settings()).unwrap();
        fw.backup(&work).unwrap();
    }
    let mut fw = Fieldwork::open(&work, settings()).unwrap();
    let root = dir().join("transcripts");

    // Bulk import of every transcript file.
    let start = Instant::now();
    let results = if reuse {
        Vec::new()
    } else {
        fw.import_dir(&root, None, false, false).unwrap()
    };
    let import_time = start.elapsed();
    let imported = results.iter().filter(|r| r.outcome == "imported").count();
    let (files, words) = fw.imported_totals().unwrap();
    let bytes: u64 = walk(&root)
        .iter()
        .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum();

    // Search latency through the service (what the TUI and CLI call), limit 20.
    let filter = fieldwork::store::coding::SearchFilter::default();
    let mut all = Vec::new();
    let mut all_quick = Vec::new();
    let mut rows = Vec::new();
    for (q, grep_args, rg_args) in QUERIES {
        let hits = fw.search(q, &filter, 20).unwrap().len();
        let mut times: Vec<Duration> = (0..21)
            .map(|_| {
                let s = Instant::now();
                let _ = fw.search(q, &filter, 20).unwrap();
                s.elapsed()
            })
            .collect();
        times.sort();
        all.extend(times.iter().copied());
        // The interface's first answer to a typed query (`search_quick`, FIRST hits): every
        // hit ranked when fewer match, else the first FIRST in text order.
        let (_, complete) = fw.search_quick(q, &filter, FIRST).unwrap();
        let mut quick: Vec<Duration> = (0..21)
            .map(|_| {
                let s = Instant::now();
                let _ = fw.search_quick(q, &filter, FIRST).unwrap();
                s.elapsed()
            })
            .collect();
        quick.sort();
        all_quick.extend(quick.iter().copied());
        let grep = grep_args.and_then(|a| time_cmd("grep", a, &root, 3));
        let rg = rg_args.and_then(|a| time_cmd("rg", a, &root, 3));
        rows.push(format!(
            "| `{q}` | {hits} | {} | {} | {} | {} | {} | {} | {} |",
            ms(pct(&times, 0.5)),
            ms(pct(&times, 0.95)),
            ms(pct(&quick, 0.5)),
            ms(pct(&quick, 0.95)),
            if complete {
                "all, ranked".to_string()
            } else {
                format!("first {FIRST}")
            },
            grep.map(ms).unwrap_or_else(|| "—".into()),
            rg.map(ms).unwrap_or_else(|| if rg_args.is_some() {
                "rg not installed".into()
            } else {
                "—".into()
            }),
        ));
    }
    all.sort();
    all_quick.sort();
    let mut report = vec![
        format!("# coding benchmark (scale {SCALE})"),
        String::new(),
        format!(
            "{files} transcripts, {words} words, {:.0} MiB on disk{}",
            bytes as f64 / 1048576.0,
            built
                .map(|(d, w)| format!("; demo built in {:.1} s ({w} words written)", d.as_secs_f64()))
                .unwrap_or_default()
        ),
        String::new(),
        if reuse {
            "Bulk import skipped (FIELDWORK_BENCH_SEARCH_ONLY: the last run's imported database)".into()
        } else { format!(
            "Bulk import (`import_dir`, one transaction, FTS5 index written by the store): {imported} files in {:.1} s = {:.0} words/s, {:.1} MB/s; database {:.0} MiB after import",
            import_time.as_secs_f64(),
            words as f64 / import_time.as_secs_f64(),
            bytes as f64 / 1e6 / import_time.as_secs_f64(),
            std::fs::metadata(&work).map(|m| m.len() as f64 / 1048576.0).unwrap_or(0.0)
        ) },
        String::new(),
        format!(
            "Search over all queries (21 runs each, limit 20): median {}, 95th percentile {}",
            ms(pct(&all, 0.5)),
            ms(pct(&all, 0.95))
        ),
        format!(
            "The interface's first answer (`search_quick`, {FIRST} hits, 21 runs each): median {}, 95th percentile {}",
            ms(pct(&all_quick, 0.5)),
            ms(pct(&all_quick, 0.95))
        ),
        String::new(),
        "| query | hits (≤20) | ranked median | ranked p95 | first answer median | first answer p95 | first answer is | grep -r -c | rg -c |".into(),
        "|---|---|---|---|---|---|---|---|---|".into(),
    ];
    report.extend(rows);
    let text = report.join("\n") + "\n";
    println!("\n{text}");
    let _ = std::fs::write(dir().parent().unwrap().join("coding.md"), &text);
    drop(fw);
    fieldwork::service::remove_db_files(&kept);
    let _ = std::fs::rename(&work, &kept);
    fieldwork::service::remove_db_files(&work);
}

fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        if let Ok(rd) = std::fs::read_dir(&d) {
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push(p);
                }
            }
        }
    }
    out
}
