//! Replays the fuzzing corpus (`fuzz/corpus/TARGET/`) and the inputs that once crashed a
//! parser (`fuzz/regressions/TARGET/`) through the same targets the harness fuzzes
//! (`fuzz/targets.rs`): none may panic or break what a successful parse promises.
//! See docs/fuzzing.md.

#[path = "../fuzz/targets.rs"]
mod targets;

use std::path::{Path, PathBuf};

fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind)
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn replay(target: &str) -> usize {
    let mut csv = (target == "csv").then(targets::CsvTarget::new);
    let mut failures = Vec::new();
    let mut n = 0;
    for kind in ["corpus", "regressions"] {
        for file in inputs(kind, target) {
            let data = std::fs::read(&file).unwrap();
            let format = targets::transcript_format(&file);
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match target {
                "transcript" => targets::transcript(&data, &format),
                "refi" => targets::refi(&data),
                "config" => targets::config(&data),
                "bundle" => targets::bundle(&data),
                _ => csv.as_mut().unwrap().run(&data),
            }));
            n += 1;
            if result.is_err() {
                failures.push(file.display().to_string());
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{target}: these inputs panic: {failures:#?}"
    );
    n
}

#[test]
fn the_transcript_corpus_replays_without_a_panic() {
    assert!(replay("transcript") >= 10);
}

#[test]
fn the_csv_corpus_replays_without_a_panic() {
    assert!(replay("csv") >= 4);
}

#[test]
fn the_refi_corpus_replays_without_a_panic() {
    assert!(replay("refi") >= 10);
}

#[test]
fn the_config_corpus_replays_without_a_panic() {
    assert!(replay("config") >= 3);
}

#[test]
fn the_bundle_corpus_replays_without_a_panic() {
    assert!(replay("bundle") >= 6);
}
