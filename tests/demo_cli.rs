//! The demo study through the real binary: `init --demo`, `coverage --json`, `check`,
//! `demo --print`.

mod common;

use common::*;

#[test]
fn init_demo_gives_112_interviews_split_60_52_over_4_sites() {
    let st = Study::empty();
    st.ok(&["init", "--demo"]);
    let c = st.json(&["coverage", "--json"]);
    assert_eq!(c["total_interviews"], 112);
    let cells = as_array(c["cells"].clone());
    assert_eq!(cells.len(), 8, "2 phases × 4 sites");
    let phase_total = |n: u64| -> u64 {
        cells
            .iter()
            .filter(|x| x["phase"] == n)
            .map(|x| x["interviews"].as_u64().unwrap())
            .sum()
    };
    assert_eq!(phase_total(1), 60);
    assert_eq!(phase_total(2), 52);
    assert!(
        cells.iter().all(|x| x["interviews"].as_u64().unwrap() > 0),
        "every site in both phases"
    );
    let sites: std::collections::BTreeSet<&str> = cells.iter().map(|x| s(x, "site")).collect();
    assert_eq!(sites.len(), 4);
    // Baseline participants seen again at follow-up, and some not yet.
    let f = &c["follow_up"][0];
    assert!(f["seen_again"].as_i64().unwrap() > 30, "{f}");
    // All seven meeting types observed.
    let obs = as_array(c["observations"].clone());
    let types: std::collections::BTreeSet<&str> = obs
        .iter()
        .filter(|o| o["observed"].as_i64().unwrap() > 0)
        .map(|o| s(o, "meeting_type"))
        .collect();
    assert_eq!(types.len(), 7);
    // Every role category interviewed.
    let cats = as_array(c["by_role_category"].clone());
    assert!(cats
        .iter()
        .filter(|x| x["phase"] == 1)
        .all(|x| x["participants"].as_i64().unwrap() > 0));
    // Exactly one withdrawal and some declines.
    let people = st.participants();
    assert_eq!(
        people.iter().filter(|p| p["status"] == "withdrawn").count(),
        1
    );
    assert!(people.iter().filter(|p| p["status"] == "declined").count() >= 4);
    // No real names: every name is built from the synthetic lists.
    for p in &people {
        assert!(!s(p, "name").is_empty());
    }
    // The transcript files are owner-only (0600, folders 0700), like real transcripts.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let root = st.transcripts();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&root), 0o700);
        let (mut files, mut stack) = (0, vec![root]);
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    assert_eq!(mode(&p), 0o700, "{}", p.display());
                    stack.push(p);
                } else {
                    assert_eq!(mode(&p), 0o600, "{}", p.display());
                    files += 1;
                }
            }
        }
        assert!(files >= 100, "{files} transcript files");
    }
}

#[test]
fn check_explains_every_demo_gap() {
    let st = Study::empty();
    st.ok(&["init", "--demo"]);
    let out = st.fw(&["check"]);
    assert_eq!(out.status.code(), Some(1), "the demo has gaps on purpose");
    let text = stdout(&out);
    for kind in ["[consent]", "[no-transcript]", "[transcript-missing]"] {
        assert!(text.contains(kind), "{kind} missing from:\n{text}");
    }
    // Every problem line is followed by what to do.
    let problems = text.lines().filter(|l| l.starts_with('[')).count();
    let actions = text
        .lines()
        .filter(|l| l.trim_start().starts_with('→'))
        .count();
    assert_eq!(problems, actions);
    let out = st.fw(&["check", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(j["ok"], false);
    assert_eq!(as_array(j["problems"].clone()).len(), problems);
}

#[test]
fn demo_print_creates_once_and_reuses() {
    let st = Study::empty();
    let db = st.path().join("demo.db");
    let out = st.fw_raw(&["--db", db.to_str().unwrap(), "demo", "--print"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Interviews: 112 of 112 targeted"),
        "{}",
        stdout(&out)
    );
    let created = std::fs::metadata(&db).unwrap().modified().unwrap();
    let out = st.fw_raw(&["--db", db.to_str().unwrap(), "demo", "--print"]);
    assert!(out.status.success());
    assert!(
        !stderr(&out).contains("demo study written"),
        "second run must reuse the database"
    );
    assert!(std::fs::metadata(&db).unwrap().modified().unwrap() >= created);
}
