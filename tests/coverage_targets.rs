//! Role-category targets from the study definition (`[[study.role_categories]] targets`):
//! validated at load with their place, stored at `init`, and shown by coverage against the
//! participants interviewed.

mod common;

use common::{assert_has, expect_code, stderr, Study};

fn category<'a>(cov: &'a serde_json::Value, code: &str, phase: u64) -> &'a serde_json::Value {
    cov["by_role_category"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["role_category"] == code && c["phase"] == phase)
        .unwrap_or_else(|| panic!("no {code} in phase {phase}: {cov}"))
}

#[test]
fn coverage_shows_each_role_category_against_its_target() {
    let st = Study::new();
    let cov = st.json(&["coverage", "--json"]);
    assert_eq!(category(&cov, "ics-exec", 1)["target"], 16);
    assert_eq!(category(&cov, "public", 2)["target"], 7);
    assert_eq!(category(&cov, "quality", 1)["participants"], 0);
    // One quality lead interviewed at baseline: 1 of 12.
    let code = st.consented("Quinn Quality", "q-manager", "A");
    st.interview(&code, "2021-12-01");
    let cov = st.json(&["coverage", "--json"]);
    assert_eq!(category(&cov, "quality", 1)["participants"], 1);
    let text = st.ok(&["coverage"]);
    assert!(text.contains("1/12"), "{text}");
    assert!(text.contains("0/16"), "{text}");
}

#[test]
fn a_category_without_targets_shows_its_count_alone() {
    let st = Study::empty();
    let study =
        include_str!("../assets/study.toml").replacen("targets = { 1 = 16, 2 = 14 }\n", "", 1);
    st.write("fieldwork.toml", &study);
    st.ok(&["init"]);
    let cov = st.json(&["coverage", "--json"]);
    assert_eq!(category(&cov, "ics-exec", 1)["target"], 0);
    assert_eq!(category(&cov, "providers", 1)["target"], 16);
}

#[test]
fn a_target_for_a_phase_the_study_lacks_is_refused_with_its_place() {
    let st = Study::empty();
    let study = include_str!("../assets/study.toml").replace(
        "targets = { 1 = 12, 2 = 10 }",
        "targets = { 1 = 12, 3 = 10 }",
    );
    st.write("fieldwork.toml", &study);
    let line = study
        .lines()
        .position(|l| l.contains("3 = 10"))
        .map(|i| i + 1)
        .unwrap();
    let out = st.fw(&["init"]);
    expect_code(&out, 2, &["init"]);
    assert_has(
        &stderr(&out),
        &[
            &format!("fieldwork.toml:{line}:"),
            "study.role_categories[2].targets.3",
            "not a phase number",
            "1, 2",
        ],
    );
    assert!(!st.db().exists());
}
