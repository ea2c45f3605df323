//! The command line's surface from issue 12, on the real binary: `consent problems`, the
//! help generated from the export registry, shell completions and the man page, and
//! transcripts imported from anywhere (copied under the transcripts root).

mod common;

use common::*;
use serde_json::Value;

fn problems(st: &Study) -> Vec<Value> {
    as_array(st.json(&["consent", "problems", "--json"]))
}

fn of_kind<'a>(v: &'a [Value], kind: &str, code: &str) -> Vec<&'a Value> {
    v.iter()
        .filter(|p| p["kind"] == kind && p["code"] == code)
        .collect()
}

#[test]
fn consent_problems_lists_each_kind_with_its_participant() {
    let st = Study::new();
    // Interviewed without any consent (logged as a gap).
    let none = st.add("Una Nocon", "ics-ceo", "A");
    let gap = st
        .ok(&[
            "interview",
            "log",
            "--participant",
            &none,
            "--date",
            "2022-01-10",
            "--allow-gap",
        ])
        .trim()
        .to_string();
    // Recorded although audio was refused; the other items never asked.
    let audio = st.add("Otto Noaudio", "ics-ceo", "B");
    st.ok(&[
        "consent",
        "record",
        &audio,
        "--date",
        "2021-12-01",
        "--take-part",
        "yes",
        "--audio",
        "no",
    ]);
    let rec = st
        .ok(&[
            "interview",
            "log",
            "--participant",
            &audio,
            "--date",
            "2022-01-11",
            "--recording",
            "recorded",
            "--allow-gap",
        ])
        .trim()
        .to_string();
    // Everything agreed, seen at baseline: no problem at all.
    let fine = st.add("Flo Fine", "ics-ceo", "C");
    let mut all_yes = vec!["consent", "record", &fine, "--date", "2021-12-01"];
    for item in [
        "--take-part",
        "--audio",
        "--quotes",
        "--archiving",
        "--follow-up",
    ] {
        all_yes.extend([item, "yes"]);
    }
    st.ok(&all_yes);
    st.interview(&fine, "2022-01-12");

    let v = problems(&st);
    let c = of_kind(&v, "consent", &none);
    assert_eq!(c.len(), 1, "{v:?}");
    assert_eq!(c[0]["session_id"], gap.as_str());
    assert_eq!(c[0]["date"], "2022-01-10");
    assert_eq!(c[0]["items"][0]["item"], "take-part");
    assert_eq!(c[0]["items"][0]["state"], "unset");
    assert!(s(c[0], "action").contains("consent record"), "{v:?}");

    let a = of_kind(&v, "audio-consent", &audio);
    assert_eq!(a.len(), 1, "{v:?}");
    assert_eq!(a[0]["session_id"], rec.as_str());
    assert_eq!(a[0]["items"][0]["state"], "no");
    assert!(of_kind(&v, "consent", &audio).is_empty(), "{v:?}");

    // Seen at phase 1, not at phase 2, and follow-up contact never agreed.
    let f = of_kind(&v, "follow-up", &audio);
    assert_eq!(f.len(), 1, "{v:?}");
    assert_eq!(f[0]["items"][0]["item"], "follow-up");
    assert_eq!(f[0]["session_id"], Value::Null);
    assert_eq!(of_kind(&v, "follow-up", &none).len(), 1, "{v:?}");

    let n = of_kind(&v, "never-asked", &audio);
    assert_eq!(n.len(), 1, "{v:?}");
    let items: Vec<&str> = n[0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| s(i, "item"))
        .collect();
    assert_eq!(items, ["quotes", "archiving", "follow-up"], "{v:?}");
    // No consent record at all is the `consent` problem, not "never asked".
    assert!(of_kind(&v, "never-asked", &none).is_empty(), "{v:?}");

    assert!(v.iter().all(|p| p["code"] != fine.as_str()), "{v:?}");
    assert_eq!(v.len(), 5, "{v:?}");

    // The text table: one line per problem under a header, the count on stderr; exit 0.
    let out = st.fw(&["consent", "problems"]);
    expect_code(&out, 0, &["consent", "problems"]);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("KIND"), "{text}");
    assert_eq!(lines.len(), 1 + 5, "{text}");
    assert_has(&text, &["audio-consent", "never-asked", &gap[..8]]);
    assert_has(&stderr(&out), &["5 consent problem(s)"]);
}

#[test]
fn consent_problems_on_an_empty_study_is_an_empty_list() {
    let st = Study::new();
    assert!(problems(&st).is_empty());
    let out = st.fw(&["consent", "problems"]);
    expect_code(&out, 0, &["consent", "problems"]);
    assert_has(&stderr(&out), &["0 consent problem(s)"]);
}
