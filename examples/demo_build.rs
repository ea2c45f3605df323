//! Build a demo study into a new database file and report how long it took.
//!
//! `cargo run --release --example demo_build -- [SCALE] [WORDS_PER_TRANSCRIPT] [DIR]`
//! (defaults: scale 1, the default transcript length, a temporary folder that is removed).

use std::time::Instant;

use fieldwork::config::{self, ConsentPolicy};
use fieldwork::demo::{self, DemoOptions};
use fieldwork::service::{Fieldwork, Settings};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let scale: u32 = args.first().and_then(|s| s.parse().ok()).unwrap_or(1);
    let words: u32 = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(demo::DEFAULT_WORDS_PER_TRANSCRIPT);
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let dir = args
        .get(2)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir).expect("the output folder");
    let db = dir.join("fieldwork.db");
    let cfg = config::parse(config::DEFAULT_STUDY, "built-in").expect("the built-in study");
    let settings = Settings {
        user: "demo".into(),
        transcripts_root: dir.join("transcripts"),
        consent_policy: ConsentPolicy::Refuse,
    };
    let start = Instant::now();
    let mut fw = Fieldwork::create(&db, &cfg.study, settings).expect("a new database");
    let opts = DemoOptions {
        words_per_transcript: words,
        ..DemoOptions::new(scale)
    };
    let summary = demo::generate_with(&mut fw, &opts).expect("the demo study");
    let built = start.elapsed();
    let t = Instant::now();
    let cov = fw.coverage().expect("coverage");
    let gaps = fw.gaps(true).expect("gaps");
    println!(
        "{}",
        serde_json::to_string_pretty(&summary).expect("a summary")
    );
    println!(
        "scale {scale}: built in {:.2} s; coverage total {} of target {}; {} gaps ({:.2} s to compute coverage and hashed gaps)",
        built.as_secs_f64(),
        cov.total_interviews,
        cov.total_target,
        gaps.len(),
        t.elapsed().as_secs_f64()
    );
}
