//! The layers stay apart (docs/design/architecture.md, docs/architecture-tui.md): the
//! interfaces (the terminal interface and the command line) reach the database only
//! through the service — no store type, no SQL —; the store knows nothing of either
//! interface; a pane depends on the interface's core, never on `app` (which depends on the
//! panes). Read from the source files, so a change that crosses a layer fails here.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    assert!(!out.is_empty(), "no source under {}", dir.display());
    out
}

/// Every line of the files under `dir` (comments left out) that contains one of `words`.
fn offending(dir: &str, words: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut hits = Vec::new();
    for f in rust_files(&root) {
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            if words.iter().any(|w| code.contains(w)) {
                hits.push(format!("{}:{}: {}", f.display(), i + 1, code));
            }
        }
    }
    hits
}

#[test]
fn the_interfaces_use_the_service_only() {
    for dir in ["src/tui", "src/cli"] {
        let hits = offending(dir, &["crate::store", "rusqlite", "fieldwork::store"]);
        assert!(
            hits.is_empty(),
            "{dir} reaches past the service:\n{}",
            hits.join("\n")
        );
    }
}

#[test]
fn the_store_knows_nothing_of_the_interfaces() {
    let hits = offending(
        "src/store",
        &["crate::tui", "crate::cli", "ratatui", "crossterm", "clap::"],
    );
    assert!(hits.is_empty(), "{}", hits.join("\n"));
    let hits = offending("src/service", &["crate::tui", "crate::cli", "ratatui"]);
    assert!(hits.is_empty(), "{}", hits.join("\n"));
}

#[test]
fn panes_depend_on_the_core_never_on_app() {
    let hits = offending(
        "src/tui/panes",
        &["tui::app", "super::app", "crate::tui::app"],
    );
    assert!(hits.is_empty(), "{}", hits.join("\n"));
    let hits = offending(
        "src/tui/core",
        &["tui::app", "tui::panes::", "tui::effects"],
    );
    // The core holds the panes' plain state types (their `state` modules are leaves).
    let real: Vec<&String> = hits
        .iter()
        .filter(|h| {
            !h.contains("::state::")
                && !h.contains("panes::coding::state")
                && !h.contains("panes::data::state")
        })
        .collect();
    assert!(real.is_empty(), "{real:#?}");
}

/// The check itself finds what it looks for (it cannot pass by reading nothing).
#[test]
fn the_check_sees_the_store_where_it_is_used() {
    assert!(!offending("src/service", &["crate::store"]).is_empty());
}
