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

/// The module a source file is (`src/tui/effects/apply.rs` → `tui::effects::apply`; a
/// `mod.rs` is its folder's module).
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut m: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(m.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        m.pop();
    }
    m
}

/// The paths a file names (`crate::…`, `super::…`, `self::…`, in `use` lines, groups
/// spread, and inline), its test module left out (its `super` is the file itself).
fn paths_named(text: &str) -> Vec<String> {
    let code: String = text
        .split("#[cfg(test)]")
        .next()
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let use_stmt = regex::Regex::new(r"(?m)^\s*(?:pub(?:\([^)]*\))?\s+)?use\s+([^;]+);").unwrap();
    let inline = regex::Regex::new(
        r"(?:^|[^A-Za-z0-9_:])((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+)",
    )
    .unwrap();
    fn spread(s: &str) -> Vec<String> {
        let Some(open) = s.find('{') else {
            return vec![s.to_string()];
        };
        let (pre, rest) = (&s[..open], &s[open + 1..s.rfind('}').unwrap_or(s.len())]);
        let (mut items, mut depth, mut cur) = (Vec::new(), 0, String::new());
        for ch in rest.chars() {
            match ch {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            if ch == ',' && depth == 0 {
                items.push(std::mem::take(&mut cur));
            } else {
                cur.push(ch);
            }
        }
        items.push(cur);
        items
            .iter()
            .filter(|i| !i.is_empty())
            .flat_map(|i| spread(&format!("{pre}{i}")))
            .collect()
    }
    let mut out = Vec::new();
    for c in use_stmt.captures_iter(&code) {
        let s: String = c[1].chars().filter(|c| !c.is_whitespace()).collect();
        out.extend(spread(&s));
    }
    let rest = use_stmt.replace_all(&code, "");
    out.extend(inline.captures_iter(&rest).map(|c| c[1].to_string()));
    out
}

/// No two source files depend on each other, directly or around a circle (the `use`
/// paths and inline paths between files of the crate; a file's tests left out).
#[test]
fn no_import_cycles_between_files() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = rust_files(&src);
    let by_module: std::collections::HashMap<Vec<String>, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (module_of(&src, f), i))
        .collect();
    let mut edges: Vec<std::collections::BTreeSet<usize>> = vec![Default::default(); files.len()];
    for (i, f) in files.iter().enumerate() {
        let here = module_of(&src, f);
        for path in paths_named(&std::fs::read_to_string(f).unwrap()) {
            let mut segs: Vec<&str> = path
                .split("::")
                .map(|s| s.split(" as ").next().unwrap())
                .collect();
            let mut full: Vec<String> = match segs.first().copied() {
                Some("crate") => Vec::new(),
                Some("self") => here.clone(),
                Some("super") => here[..here.len().saturating_sub(1)].to_vec(),
                _ => continue,
            };
            segs.remove(0);
            while segs.first() == Some(&"super") {
                full.pop();
                segs.remove(0);
            }
            full.extend(segs.iter().map(|s| s.to_string()));
            if let Some(j) = (1..=full.len())
                .rev()
                .find_map(|n| by_module.get(&full[..n]).copied())
            {
                if j != i {
                    edges[i].insert(j);
                }
            }
        }
    }
    // Tarjan's strongly connected components: a component of two or more files is a circle.
    struct T<'a> {
        edges: &'a [std::collections::BTreeSet<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        stack: Vec<usize>,
        on: Vec<bool>,
        next: usize,
        circles: Vec<Vec<usize>>,
    }
    fn visit(t: &mut T, v: usize) {
        t.index[v] = Some(t.next);
        t.low[v] = t.next;
        t.next += 1;
        t.stack.push(v);
        t.on[v] = true;
        for &w in t.edges[v].iter() {
            match t.index[w] {
                None => {
                    visit(t, w);
                    t.low[v] = t.low[v].min(t.low[w]);
                }
                Some(iw) if t.on[w] => t.low[v] = t.low[v].min(iw),
                _ => {}
            }
        }
        if Some(t.low[v]) == t.index[v] {
            let mut c = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on[w] = false;
                c.push(w);
                if w == v {
                    break;
                }
            }
            if c.len() > 1 {
                t.circles.push(c);
            }
        }
    }
    let n = files.len();
    let mut t = T {
        edges: &edges,
        index: vec![None; n],
        low: vec![0; n],
        stack: Vec::new(),
        on: vec![false; n],
        next: 0,
        circles: Vec::new(),
    };
    for v in 0..n {
        if t.index[v].is_none() {
            visit(&mut t, v);
        }
    }
    let shown: Vec<Vec<String>> = t
        .circles
        .iter()
        .map(|c| c.iter().map(|&i| files[i].display().to_string()).collect())
        .collect();
    assert!(shown.is_empty(), "files that import each other: {shown:#?}");
    // The check reads the graph it is meant to: the interface's files depend on its core.
    let core = files
        .iter()
        .position(|f| f.ends_with("tui/core/mod.rs"))
        .unwrap();
    assert!(edges.iter().filter(|e| e.contains(&core)).count() > 5);
}
