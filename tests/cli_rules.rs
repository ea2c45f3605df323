//! The study's rules, as the command line enforces them: phases from dates, consent before
//! interviews, withdrawal, immutable consent, export codes, transcripts, the codebook.

mod common;

use common::*;
use serde_json::Value;

fn kinds(report: &Value) -> Vec<String> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| s(p, "kind").to_string())
        .collect()
}

/// `check --json`, expecting exit 1 (problems found).
fn check_fails(st: &Study) -> Value {
    let out = st.fw(&["check", "--json"]);
    expect_code(&out, 1, &["check", "--json"]);
    serde_json::from_str(&stdout(&out)).unwrap()
}

#[test]
fn the_phase_comes_from_the_date_and_windows_are_inclusive() {
    let st = Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    for (date, phase) in [
        ("2021-11-01", 1),
        ("2022-05-31", 1),
        ("2023-01-01", 2),
        ("2023-05-31", 2),
    ] {
        let i = st.json(&[
            "interview",
            "log",
            "--participant",
            &a,
            "--date",
            date,
            "--json",
        ]);
        assert_eq!(i["phase"], phase, "{date}");
        assert_eq!(s(&i, "date"), date);
    }
    let o = st.json(&[
        "observation",
        "log",
        "--type",
        "icb",
        "--site",
        "B",
        "--date",
        "2023-05-31",
        "--json",
    ]);
    assert_eq!(o["phase"], 2);
    let d = st.json(&[
        "document",
        "add",
        "--title",
        "Plan",
        "--site",
        "B",
        "--date",
        "2021-11-01",
        "--json",
    ]);
    assert_eq!(d["phase"], 1);
}

#[test]
fn an_out_of_window_date_is_refused_unless_the_phase_is_given() {
    let st = Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    for date in ["2021-10-31", "2022-06-01", "2022-12-31", "2023-06-01"] {
        let err = st.fails(
            2,
            &["interview", "log", "--participant", &a, "--date", date],
        );
        assert_has(
            &err,
            &[
                date,
                "outside every phase window",
                "phase 1: 2021-11-01 to 2022-05-31",
                "phase 2: 2023-01-01 to 2023-05-31",
                "--phase",
            ],
        );
    }
    let err = st.fails(
        2,
        &[
            "observation",
            "log",
            "--type",
            "icb",
            "--site",
            "A",
            "--date",
            "2022-08-01",
        ],
    );
    assert_has(&err, &["2022-08-01", "phase 1: 2021-11-01 to 2022-05-31"]);
    let err = st.fails(
        2,
        &[
            "document",
            "add",
            "--title",
            "Plan",
            "--site",
            "A",
            "--date",
            "2022-08-01",
        ],
    );
    assert_has(&err, &["2022-08-01", "--phase"]);
    assert!(st.interviews().is_empty());

    let i = st.json(&[
        "interview",
        "log",
        "--participant",
        &a,
        "--date",
        "2022-08-01",
        "--phase",
        "1",
        "--json",
    ]);
    assert_eq!(i["phase"], 1);
    assert_eq!(s(&i, "date"), "2022-08-01");
    let o = st.json(&[
        "observation",
        "log",
        "--type",
        "icb",
        "--site",
        "A",
        "--date",
        "2022-08-01",
        "--phase",
        "2",
        "--json",
    ]);
    assert_eq!(o["phase"], 2);
    // An unknown phase number is refused, naming the valid ones.
    let err = st.fails(
        2,
        &[
            "interview",
            "log",
            "--participant",
            &a,
            "--date",
            "2022-08-01",
            "--phase",
            "3",
        ],
    );
    assert_has(&err, &["phase 3", "1, 2"]);
}

#[test]
fn a_completed_interview_cannot_be_in_the_future() {
    let st = Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    let err = st.fails(
        2,
        &[
            "interview",
            "log",
            "--participant",
            &a,
            "--date",
            "2999-01-01",
            "--phase",
            "2",
        ],
    );
    assert_has(&err, &["2999-01-01", "future", "--status scheduled"]);
    // Scheduling one is fine.
    st.ok(&[
        "interview",
        "log",
        "--participant",
        &a,
        "--date",
        "2999-01-01",
        "--phase",
        "2",
        "--status",
        "scheduled",
    ]);
}

#[test]
fn an_interview_without_consent_is_refused_and_nothing_is_written() {
    let st = Study::new();
    let a = st.add("Ann Able", "ics-ceo", "A");
    let before = st.snapshot();
    let err = st.fails(
        2,
        &[
            "interview",
            "log",
            "--participant",
            &a,
            "--date",
            "2022-01-10",
        ],
    );
    assert_has(
        &err,
        &[
            "refused",
            "consent to take part",
            &a,
            "2022-01-10",
            "--allow-gap",
        ],
    );
    assert_eq!(st.snapshot(), before);
    assert_eq!(s(&st.show(&a), "status"), "identified");

    // Consent answered `no` or `not-asked` does not allow it either.
    st.ok(&[
        "consent",
        "record",
        &a,
        "--date",
        "2021-12-01",
        "--take-part",
        "no",
    ]);
    let err = st.fails(
        2,
        &[
            "interview",
            "log",
            "--participant",
            &a,
            "--date",
            "2022-01-10",
        ],
    );
    assert_has(&err, &["(no)"]);
    st.ok(&[
        "consent",
        "record",
        &a,
        "--date",
        "2021-12-02",
        "--take-part",
        "not-asked",
    ]);
    st.fails(
        2,
        &[
            "interview",
            "log",
            "--participant",
            &a,
            "--date",
            "2022-01-10",
        ],
    );
    assert!(st.interviews().is_empty());
}

#[test]
fn completing_a_scheduled_interview_needs_consent_on_its_date() {
    let st = Study::new();
    let a = st.add("Ann Able", "ics-ceo", "A");
    // Scheduling needs no consent.
    let sid = st.schedule(&a, "2022-02-01");
    let before = st.snapshot();
    let err = st.fails(2, &["interview", "update", &sid, "--status", "done"]);
    assert_has(&err, &["consent to take part", &a]);
    assert_eq!(st.snapshot(), before);
    st.consent(&a, "2022-01-15");
    st.ok(&["interview", "update", &sid, "--status", "done"]);
    let i = st.json(&["interview", "show", &sid, "--json"]);
    assert_eq!(s(&i, "status"), "done");
    assert_eq!(i["consent_gap"], false);
}

#[test]
fn allow_gap_logs_the_interview_and_check_and_coverage_report_it() {
    let st = Study::new();
    let a = st.add("Ann Able", "ics-ceo", "A");
    let out = st.fw(&[
        "interview",
        "log",
        "--participant",
        &a,
        "--date",
        "2022-01-10",
        "--allow-gap",
    ]);
    expect_code(&out, 0, &["interview", "log", "--allow-gap"]);
    assert_has(&stderr(&out), &["warning", "consent gap"]);
    let sid = stdout(&out).trim().to_string();
    let i = st.json(&["interview", "show", &sid, "--json"]);
    assert_eq!(i["consent_gap"], true);

    let r = check_fails(&st);
    assert!(kinds(&r).contains(&"consent".to_string()), "{r}");
    let gap = r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "consent")
        .unwrap();
    assert_eq!(s(gap, "id"), sid);
    assert_has(s(gap, "message"), &[&a, "2022-01-10"]);
    let text = st.fw(&["check"]);
    expect_code(&text, 1, &["check"]);
    assert_has(&stdout(&text), &[&a]);

    let cov = st.json(&["coverage", "--json"]);
    assert!(
        cov["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["kind"] == "consent" && g["id"] == sid.as_str()),
        "{}",
        cov["gaps"]
    );
    // It still counts as an interview.
    assert_eq!(cov["total_interviews"], 1);
}

#[test]
fn consent_dated_after_the_interview_does_not_fix_the_gap() {
    let st = Study::new();
    let a = st.add("Ann Able", "ics-ceo", "A");
    st.ok(&[
        "interview",
        "log",
        "--participant",
        &a,
        "--date",
        "2022-01-10",
        "--allow-gap",
    ]);
    st.consent(&a, "2022-01-11");
    let r = check_fails(&st);
    assert!(kinds(&r).contains(&"consent".to_string()), "{r}");
    // Consent dated later does not let an earlier interview be logged either.
    let err = st.fails(
        2,
        &[
            "interview",
            "log",
            "--participant",
            &a,
            "--date",
            "2022-01-10",
        ],
    );
    assert_has(&err, &["consent to take part"]);
    // On or after the consent date it is fine.
    st.interview(&a, "2022-01-11");
}

#[test]
fn a_recorded_interview_needs_audio_consent() {
    let st = Study::new();
    let a = st.add("Ann Able", "ics-ceo", "A");
    st.ok(&[
        "consent",
        "record",
        &a,
        "--date",
        "2021-12-01",
        "--take-part",
        "yes",
        "--audio",
        "no",
    ]);
    let before = st.snapshot();
    let err = st.fails(
        2,
        &[
            "interview",
            "log",
            "--participant",
            &a,
            "--date",
            "2022-01-10",
            "--recording",
            "recorded",
        ],
    );
    assert_has(&err, &["audio recording", &a]);
    assert_eq!(st.snapshot(), before);
    // Not recorded: fine.
    st.ok(&[
        "interview",
        "log",
        "--participant",
        &a,
        "--date",
        "2022-01-10",
        "--recording",
        "not-recorded",
    ]);
    // Recorded with --allow-gap: logged, and check reports an audio-consent problem.
    st.ok(&[
        "interview",
        "log",
        "--participant",
        &a,
        "--date",
        "2022-01-11",
        "--recording",
        "recorded",
        "--allow-gap",
    ]);
    let r = check_fails(&st);
    let k = kinds(&r);
    assert!(k.contains(&"audio-consent".to_string()), "{r}");
    assert!(!k.contains(&"consent".to_string()), "{r}");
}

#[test]
fn withdrawal_ends_taking_part() {
    let st = Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    st.interview(&a, "2022-01-10");
    let out = st.fw(&[
        "consent",
        "withdraw",
        &a,
        "--scope",
        "no-further-data",
        "--date",
        "2022-02-01",
        "--reason",
        "moved on",
    ]);
    expect_code(&out, 0, &["consent", "withdraw"]);
    assert_has(
        &stderr(&out),
        &["withdrawal recorded", "no-further-data", "2022-02-01"],
    );
    let d = st.show(&a);
    assert_eq!(s(&d, "status"), "withdrawn");
    assert_eq!(d["withdrawals"].as_array().unwrap().len(), 1);
    let h = d["history"].as_array().unwrap();
    let w = h.iter().find(|e| e["to_status"] == "withdrawn").unwrap();
    assert_eq!(s(w, "from_status"), "interviewed");
    assert_eq!(s(w, "date"), "2022-02-01");
    assert_eq!(s(w, "note"), "withdrawal: no-further-data");

    // Consent before and after the withdrawal.
    let c = st.json(&["consent", "show", &a, "--date", "2022-01-31", "--json"]);
    assert_eq!(c["in_force"]["take-part"], "yes");
    let c = st.json(&["consent", "show", &a, "--date", "2022-02-01", "--json"]);
    assert_eq!(c["in_force"]["take-part"], "withdrawn");
    assert_eq!(c["in_force"]["audio"], "withdrawn");
    assert_eq!(c["withdrawals"].as_array().unwrap().len(), 1);

    // A later interview is refused; the earlier one stays and is not a gap.
    let before = st.snapshot();
    let err = st.fails(
        2,
        &[
            "interview",
            "log",
            "--participant",
            &a,
            "--date",
            "2022-03-01",
        ],
    );
    assert_has(&err, &[&a, "withdrawn"]);
    let err = st.fails(
        2,
        &[
            "interview",
            "log",
            "--participant",
            &a,
            "--date",
            "2022-03-01",
            "--allow-gap",
        ],
    );
    assert_has(&err, &["withdrawn"]);
    assert_eq!(st.snapshot(), before);
    assert_eq!(st.interviews().len(), 1);
    let r = check_fails(&st);
    assert!(!kinds(&r).contains(&"consent".to_string()), "{r}");
}

#[test]
fn a_scheduled_interview_of_a_withdrawn_participant_cannot_be_completed() {
    let st = Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    let sid = st.schedule(&a, "2022-03-01");
    st.ok(&[
        "consent",
        "withdraw",
        &a,
        "--scope",
        "remove-all-feasible",
        "--date",
        "2022-02-01",
    ]);
    let before = st.snapshot();
    st.fails(2, &["interview", "update", &sid, "--status", "done"]);
    // As with `interview log`, --allow-gap does not override a withdrawal.
    let err = st.fails(
        2,
        &[
            "interview",
            "update",
            &sid,
            "--status",
            "done",
            "--allow-gap",
        ],
    );
    assert_has(&err, &[&a, "withdrawn"]);
    assert_eq!(st.snapshot(), before);
    // Cancelling it is fine.
    st.ok(&["interview", "update", &sid, "--status", "cancelled"]);
}

#[test]
fn withdrawal_scope_is_validated_and_a_future_withdrawal_refused() {
    let st = Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    let before = st.snapshot();
    st.fails(2, &["consent", "withdraw", &a, "--scope", "everything"]);
    st.fails(2, &["consent", "withdraw", &a]);
    let err = st.fails(
        2,
        &[
            "consent",
            "withdraw",
            &a,
            "--scope",
            "no-further-contact",
            "--date",
            "2999-01-01",
        ],
    );
    assert_has(&err, &["future"]);
    assert_eq!(st.snapshot(), before);
    assert_eq!(s(&st.show(&a), "status"), "consented");
}

#[test]
fn consent_records_are_immutable_and_history_is_kept() {
    let st = Study::new();
    let a = st.add("Ann Able", "ics-ceo", "A");
    st.ok(&[
        "consent",
        "record",
        &a,
        "--date",
        "2021-11-01",
        "--take-part",
        "yes",
        "--quotes",
        "no",
    ]);
    let first = st.show(&a)["consent_records"][0].clone();
    // There is no command to edit or delete a consent record.
    st.fails(2, &["consent", "edit", &a]);
    st.fails(2, &["consent", "delete", &a]);
    // A re-consent adds a record; the first one is unchanged.
    st.ok(&[
        "consent",
        "record",
        &a,
        "--date",
        "2023-01-05",
        "--take-part",
        "yes",
        "--quotes",
        "yes",
        "--form-version",
        "3.0",
    ]);
    let d = st.show(&a);
    let records = d["consent_records"].as_array().unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0], first);
    let c = st.json(&["consent", "show", &a, "--date", "2022-06-01", "--json"]);
    assert_eq!(c["in_force"]["quotes"], "no");
    let c = st.json(&["consent", "show", &a, "--date", "2023-02-01", "--json"]);
    assert_eq!(c["in_force"]["quotes"], "yes");
    assert_eq!(c["records"].as_array().unwrap().len(), 2);

    // Pipeline events appear in the participant's history, with their dates.
    st.interview(&a, "2022-01-10");
    let mut h: Vec<(String, String)> = st.show(&a)["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (s(e, "to_status").to_string(), s(e, "date").to_string()))
        .collect();
    h.sort();
    let h: Vec<(&str, &str)> = h.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(h[0], ("consented", "2021-11-01"));
    assert_eq!(h[1].0, "identified");
    assert_eq!(h[2], ("interviewed", "2022-01-10"));
    assert_eq!(h.len(), 3);
}

#[test]
fn status_history_reads_as_a_chain_when_events_are_backdated() {
    let st = Study::new();
    let a = st.add("Ann Able", "ics-ceo", "A");
    st.ok(&[
        "participant",
        "status",
        &a,
        "invited",
        "--date",
        "2021-10-01",
    ]);
    st.consent(&a, "2021-10-05");
    st.interview(&a, "2022-01-10");
    let h = st.show(&a)["history"].as_array().unwrap().clone();
    let to: Vec<&str> = h.iter().map(|e| s(e, "to_status")).collect();
    assert_eq!(to, ["identified", "invited", "consented", "interviewed"]);
    // Each event starts where the one before it ended.
    for w in h.windows(2) {
        assert_eq!(w[1]["from_status"], w[0]["to_status"], "{h:?}");
    }
    assert_eq!(s(h.last().unwrap(), "to_status"), s(&st.show(&a), "status"));
}

#[test]
fn export_codes_are_p_plus_four_crockford_characters_and_never_change() {
    let st = Study::new();
    let mut csv = String::from("name,role,site\n");
    for i in 0..30 {
        csv.push_str(&format!(
            "Person {i},q-manager,{}\n",
            ["A", "B", "C", "D"][i % 4]
        ));
    }
    let f = st.write("many.csv", csv);
    st.ok(&["import", "participants", f.to_str().unwrap()]);
    let all = st.participants();
    assert_eq!(all.len(), 30);
    let codes: std::collections::HashSet<String> =
        all.iter().map(|p| s(p, "code").to_string()).collect();
    assert_eq!(codes.len(), 30, "codes are unique");
    for c in &codes {
        assert!(is_export_code(c), "`{c}` is not P + 4 Crockford base32");
        assert!(!c[1..].contains(['I', 'L', 'O', 'U']), "{c}");
    }
    // Editing anything, including site and role, keeps the code.
    let p = &all[0];
    let code = s(p, "code").to_string();
    let e = st.json(&[
        "participant",
        "edit",
        &code,
        "--name",
        "Renamed",
        "--site",
        "D",
        "--role",
        "ics-ceo",
        "--json",
    ]);
    assert_eq!(s(&e, "code"), code);
    assert_eq!(s(&st.show(s(p, "id")), "code"), code);
    // Codes are case-insensitive to look up.
    assert_eq!(s(&st.show(&code.to_lowercase()), "code"), code);
}

#[test]
fn transcript_link_hashes_the_file_and_stores_the_path_under_the_root() {
    let st = Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    let sid = st.interview(&a, "2022-01-10");
    let file = st.write(
        "transcripts/phase1/site A/ann.txt",
        "Q: hello?\nA: hello.\n",
    );
    // A path relative to the transcripts root works from any folder.
    let out = st.fw(&["transcript", "link", &sid[..8], "phase1/site A/ann.txt"]);
    expect_code(&out, 0, &["transcript", "link"]);
    assert_eq!(stdout(&out).trim(), "phase1/site A/ann.txt");
    let t = &st.json(&["interview", "show", &sid, "--json"])["transcript"];
    assert_eq!(s(t, "path"), "phase1/site A/ann.txt");
    assert_eq!(s(t, "sha256"), sha256_hex(&file));
    assert_eq!(t["size"], std::fs::metadata(&file).unwrap().len());
    assert_eq!(s(t, "format"), "txt");
    // The interview no longer lacks a transcript.
    let out = st.fw(&["check"]);
    expect_code(&out, 0, &["check"]);

    // Linking again needs --replace; the same file cannot go to two interviews.
    let err = st.fails(2, &["transcript", "link", &sid, file.to_str().unwrap()]);
    assert_has(&err, &["--replace"]);
    let other = st.interview(&a, "2022-01-11");
    let err = st.fails(2, &["transcript", "link", &other, file.to_str().unwrap()]);
    assert_has(&err, &["already linked"]);
    let v2 = st.write("transcripts/ann-v2.md", "Q: hello?\nA: hello!\n");
    st.ok(&[
        "transcript",
        "link",
        &sid,
        v2.to_str().unwrap(),
        "--replace",
    ]);
    let t = &st.json(&["interview", "show", &sid, "--json"])["transcript"];
    assert_eq!(s(t, "path"), "ann-v2.md");
    assert_eq!(s(t, "sha256"), sha256_hex(&v2));
    assert_eq!(s(t, "format"), "md");
}

#[test]
fn transcript_files_outside_the_root_or_missing_are_refused() {
    let st = Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    let sid = st.interview(&a, "2022-01-10");
    std::fs::create_dir_all(st.transcripts()).unwrap();
    let outside = st.write("elsewhere/ann.txt", "text");
    let before = st.snapshot();
    let err = st.fails(2, &["transcript", "link", &sid, outside.to_str().unwrap()]);
    assert_has(&err, &["outside the transcripts root"]);
    // `..` does not escape the root either.
    let err = st.fails(
        2,
        &[
            "transcript",
            "link",
            &sid,
            "transcripts/../elsewhere/ann.txt",
        ],
    );
    assert_has(&err, &["outside the transcripts root"]);
    let err = st.fails(2, &["transcript", "link", &sid, "transcripts/nope.txt"]);
    assert_has(&err, &["nope.txt", "no such file"]);
    // Transcripts go to interviews only.
    let doc = st
        .ok(&[
            "document",
            "add",
            "--title",
            "Plan",
            "--site",
            "A",
            "--date",
            "2022-01-12",
        ])
        .trim()
        .to_string();
    let inside = st.write("transcripts/x.txt", "x");
    let before_doc = st.snapshot();
    st.fails(2, &["transcript", "link", &doc, inside.to_str().unwrap()]);
    assert_eq!(st.snapshot(), before_doc);
    assert_ne!(before.dump, before_doc.dump);
}

#[cfg(unix)]
#[test]
fn a_symlink_out_of_the_transcripts_root_is_refused() {
    let st = Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    let sid = st.interview(&a, "2022-01-10");
    let outside = st.write("secret/notes.txt", "private");
    std::fs::create_dir_all(st.transcripts()).unwrap();
    let link = st.transcripts().join("notes.txt");
    std::os::unix::fs::symlink(&outside, &link).unwrap();
    let err = st.fails(2, &["transcript", "link", &sid, link.to_str().unwrap()]);
    assert_has(&err, &["outside the transcripts root"]);
}

#[test]
fn transcript_verify_finds_missing_changed_and_moved_files() {
    let st = Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    let s1 = st.interview(&a, "2022-01-10");
    let s2 = st.interview(&a, "2022-01-11");
    let s3 = st.interview(&a, "2022-01-12");
    let f1 = st.write("transcripts/one.txt", "first transcript\n");
    let f2 = st.write("transcripts/two.txt", "second transcript\n");
    let f3 = st.write("transcripts/three.txt", "third transcript\n");
    for (sid, f) in [(&s1, &f1), (&s2, &f2), (&s3, &f3)] {
        st.ok(&["transcript", "link", sid, f.to_str().unwrap()]);
    }
    st.ok(&["transcript", "verify"]);

    // one: deleted; two: edited; three: renamed under the root.
    std::fs::remove_file(&f1).unwrap();
    std::fs::write(&f2, "second transcript, edited\n").unwrap();
    std::fs::create_dir_all(st.transcripts().join("archive")).unwrap();
    std::fs::rename(&f3, st.transcripts().join("archive/3.txt")).unwrap();

    let out = st.fw(&["transcript", "verify", "--json"]);
    expect_code(&out, 1, &["transcript", "verify", "--json"]);
    let v = as_array(serde_json::from_str(&stdout(&out)).unwrap());
    let by = |sid: &str| v.iter().find(|x| x["session_id"] == sid).unwrap().clone();
    assert_eq!(s(&by(&s1), "status"), "missing");
    assert_eq!(s(&by(&s2), "status"), "changed");
    let moved = by(&s3);
    assert_eq!(s(&moved, "status"), "moved");
    assert_eq!(s(&moved, "found_at"), "archive/3.txt");
    assert_eq!(moved["relinked"], false);
    let text = st.fw(&["transcript", "verify"]);
    expect_code(&text, 1, &["transcript", "verify"]);
    assert_has(
        &stdout(&text),
        &["missing", "changed", "moved", "archive/3.txt", "--relink"],
    );

    // check reports all three.
    let r = check_fails(&st);
    let k = kinds(&r);
    for kind in [
        "transcript-missing",
        "transcript-changed",
        "transcript-moved",
    ] {
        assert!(k.contains(&kind.to_string()), "{kind} in {k:?}");
    }

    // --relink fixes the moved one only.
    let out = st.fw(&["transcript", "verify", "--relink", "--json"]);
    expect_code(&out, 1, &["transcript", "verify", "--relink"]);
    let v = as_array(serde_json::from_str(&stdout(&out)).unwrap());
    let moved = v.iter().find(|x| x["session_id"] == s3.as_str()).unwrap();
    assert_eq!(moved["relinked"], true);
    let t = &st.json(&["interview", "show", &s3, "--json"])["transcript"];
    assert_eq!(s(t, "path"), "archive/3.txt");

    // Restore one, accept the edit of two: verify passes.
    std::fs::write(&f1, "first transcript\n").unwrap();
    st.ok(&["transcript", "link", &s2, f2.to_str().unwrap(), "--replace"]);
    let out = st.fw(&["transcript", "verify"]);
    expect_code(&out, 0, &["transcript", "verify"]);
    let rows = as_array(st.json(&["transcript", "list", "--json"]));
    assert!(rows.iter().all(|r| r["state"] == "linked"), "{rows:?}");
}

#[test]
fn a_moved_transcript_is_relinked_and_a_second_verify_passes() {
    let st = Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    let sid = st.interview(&a, "2022-01-10");
    let f = st.write("transcripts/ann.txt", "hello\n");
    st.ok(&["transcript", "link", &sid, f.to_str().unwrap()]);
    std::fs::rename(&f, st.transcripts().join("ann-renamed.txt")).unwrap();
    let out = st.fw(&["transcript", "verify"]);
    expect_code(&out, 1, &["transcript", "verify"]);
    assert_has(&stdout(&out), &["moved", "ann-renamed.txt"]);
    let out = st.fw(&["transcript", "verify", "--relink"]);
    expect_code(&out, 0, &["transcript", "verify", "--relink"]);
    assert_has(&stdout(&out), &["relinked to ann-renamed.txt"]);
    let out = st.fw(&["transcript", "verify"]);
    expect_code(&out, 0, &["transcript", "verify"]);
    let t = &st.json(&["interview", "show", &sid, "--json"])["transcript"];
    assert_eq!(s(t, "path"), "ann-renamed.txt");
    assert_eq!(s(t, "status"), "ok");
    let out = st.fw(&["check"]);
    expect_code(&out, 0, &["check"]);
}

fn theme<'a>(list: &'a [Value], path: &str) -> &'a Value {
    list.iter()
        .find(|t| t["path"] == path)
        .unwrap_or_else(|| panic!("no theme {path}"))
}

#[test]
fn rename_merge_and_retire_keep_tags_and_history() {
    let st = Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    let s1 = st.interview(&a, "2022-01-10");
    let s2 = st.interview(&a, "2022-01-11");
    st.ok(&["theme", "add", "Workforce", "--framework", "QMS"]);
    st.ok(&["theme", "add", "Staff", "--framework", "QMS"]);
    st.ok(&["tag", "add", &s1, "Workforce"]);
    st.ok(&["tag", "add", &s2, "Workforce", "Staff"]);
    st.ok(&["tag", "add", &s1, "Staff"]);

    // Rename: the tags stay with the theme.
    st.ok(&["theme", "rename", "Workforce", "People"]);
    let list = as_array(st.json(&["theme", "list", "--json"]));
    assert_eq!(theme(&list, "QMS/People")["tag_count"], 2);
    assert!(!list.iter().any(|t| t["path"] == "QMS/Workforce"));
    let tags = as_array(st.json(&["tag", "list", "--theme", "People", "--json"]));
    assert_eq!(tags.len(), 2);

    // Merge: tag counts move to the target; the session tagged with both keeps one tag.
    let out = st.fw(&["theme", "merge", "Staff", "People"]);
    expect_code(&out, 0, &["theme", "merge"]);
    let list = as_array(st.json(&["theme", "list", "--all", "--json"]));
    let people = theme(&list, "QMS/People");
    assert_eq!(people["tag_count"], 2, "one tag per session: {people}");
    let staff = theme(&list, "QMS/Staff");
    assert_eq!(s(staff, "status"), "merged");
    assert_eq!(staff["merged_into"], people["id"]);
    assert_eq!(staff["tag_count"], 0);
    // Merged themes are hidden from the default list.
    let live = as_array(st.json(&["theme", "list", "--json"]));
    assert!(!live.iter().any(|t| t["path"] == "QMS/Staff"));
    // No tag was lost: both sessions still carry People.
    for sid in [&s1, &s2] {
        let t = as_array(st.json(&["tag", "list", "--session", sid, "--json"]));
        assert_eq!(t.len(), 1, "{t:?}");
        assert_eq!(t[0]["theme_id"], people["id"]);
    }

    // Retire: tags kept, new tags refused.
    st.ok(&["theme", "retire", "People"]);
    let list = as_array(st.json(&["theme", "list", "--all", "--json"]));
    let people = theme(&list, "QMS/People");
    assert_eq!(s(people, "status"), "retired");
    assert_eq!(people["tag_count"], 2);
    let s3 = st.interview(&a, "2022-01-12");
    let before = st.snapshot();
    let err = st.fails(2, &["tag", "add", &s3, "People"]);
    assert_has(&err, &["retired"]);
    // Retiring twice, or merging a retired theme, is refused.
    st.fails(2, &["theme", "retire", "People"]);
    st.fails(2, &["theme", "merge", "People", "QMS/Partnerships"]);
    assert_eq!(st.snapshot(), before);

    // History lists every event in order.
    let h = as_array(st.json(&["theme", "history", "People", "--json"]));
    let actions: Vec<&str> = h.iter().map(|e| s(e, "action")).collect();
    assert_eq!(actions, ["created", "renamed", "merged-from", "retired"]);
    assert_eq!(h[1]["detail"]["from"], "Workforce");
    assert_eq!(h[1]["detail"]["to"], "People");
    let h = as_array(st.json(&["theme", "history", "QMS/Staff", "--json"]));
    let actions: Vec<&str> = h.iter().map(|e| s(e, "action")).collect();
    assert_eq!(actions, ["created", "merged-into"]);
}

#[test]
fn merge_refuses_itself_and_a_child() {
    let st = Study::new();
    let before = st.snapshot();
    st.fails(
        2,
        &[
            "theme",
            "merge",
            "QMS/Quality control",
            "QMS/Quality control",
        ],
    );
    st.fails(
        2,
        &[
            "theme",
            "merge",
            "QMS/Quality control",
            "QMS/Quality control/Measures and metrics",
        ],
    );
    st.fails(2, &["theme", "rename", "QMS/Quality control", "a/b"]);
    // Renaming onto a sibling's name would make both paths ambiguous.
    let err = st.fails(
        2,
        &["theme", "rename", "QMS/Quality control", "quality PLANNING"],
    );
    assert_has(&err, &["already there"]);
    st.fails(2, &["theme", "rename", "No such theme", "x"]);
    assert_eq!(st.snapshot(), before);
    // Changing only the case of its own name is fine, and a name used at another level too.
    st.ok(&["theme", "rename", "QMS/Quality control", "Quality Control"]);
    st.ok(&[
        "theme",
        "rename",
        "QMS/Quality Control/Analytics capacity",
        "Quality planning",
    ]);
    let list = as_array(st.json(&["theme", "list", "--json"]));
    theme(&list, "QMS/Quality Control/Quality planning");
    theme(&list, "QMS/Quality planning");
}

#[test]
fn merge_refuses_to_put_two_children_with_one_name_under_the_target() {
    let st = Study::new();
    st.ok(&["theme", "add", "Metrics work", "--framework", "QMS"]);
    st.ok(&[
        "theme",
        "add",
        "Measures and metrics",
        "--parent",
        "QMS/Metrics work",
    ]);
    st.ok(&["theme", "add", "Dashboards", "--parent", "QMS/Metrics work"]);
    let before = st.snapshot();
    let err = st.fails(
        2,
        &["theme", "merge", "QMS/Metrics work", "QMS/Quality control"],
    );
    assert_has(&err, &["measures and metrics", "merge or rename"]);
    assert_eq!(st.snapshot(), before);
    // Merge the clashing child first; then the parent merges and its other child moves.
    st.ok(&[
        "theme",
        "merge",
        "QMS/Metrics work/Measures and metrics",
        "QMS/Quality control/Measures and metrics",
    ]);
    st.ok(&["theme", "merge", "QMS/Metrics work", "QMS/Quality control"]);
    let list = as_array(st.json(&["theme", "list", "--json"]));
    theme(&list, "QMS/Quality control/Dashboards");
    let n = list
        .iter()
        .filter(|t| t["path"] == "QMS/Quality control/Measures and metrics")
        .count();
    assert_eq!(n, 1);
}

#[test]
fn tagging_twice_does_not_duplicate() {
    let st = Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    let sid = st.interview(&a, "2022-01-10");
    st.ok(&["tag", "add", &sid, "Partnerships"]);
    let audit = st.audit().len();
    let out = st.fw(&["tag", "add", &sid, "QMS/Partnerships"]);
    expect_code(&out, 0, &["tag", "add"]);
    assert!(stdout(&out).trim().is_empty());
    assert_has(&stderr(&out), &["0 new tag(s)"]);
    let tags = as_array(st.json(&["tag", "list", "--json"]));
    assert_eq!(tags.len(), 1);
    assert_eq!(st.audit().len(), audit, "nothing written");
    let list = as_array(st.json(&["theme", "list", "--json"]));
    assert_eq!(theme(&list, "QMS/Partnerships")["tag_count"], 1);
}

#[test]
fn status_pipeline_only_moves_forward_automatically() {
    let st = Study::new();
    let a = st.add("Ann Able", "ics-ceo", "A");
    st.consent(&a, "2021-10-01");
    st.interview(&a, "2022-01-10");
    // A later consent record does not move an interviewed participant back.
    st.consent(&a, "2022-12-01");
    assert_eq!(s(&st.show(&a), "status"), "interviewed");
    let p1 = as_array(st.json(&["participant", "list", "--phase", "1", "--json"]));
    assert_eq!(p1.len(), 1);
    assert_eq!(p1[0]["phases_interviewed"], serde_json::json!([1]));
    let p2 = as_array(st.json(&["participant", "list", "--phase", "2", "--json"]));
    assert!(p2.is_empty());
    // The follow-up list shows who was not seen again.
    let cov = st.json(&["coverage", "--json"]);
    let fu = &cov["follow_up"][0];
    assert_eq!(fu["baseline_participants"], 1);
    assert_eq!(fu["seen_again"], 0);
    assert_eq!(fu["not_seen"][0]["code"], a.as_str());
}

#[test]
fn a_deleted_transcript_is_not_moved_onto_another_interviews_identical_file() {
    let st = Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    let s1 = st.interview(&a, "2022-01-10");
    let s2 = st.interview(&a, "2022-01-11");
    // Two interviews with byte-identical transcripts (e.g. an empty template).
    let f1 = st.write("transcripts/a.txt", "same\n");
    let f2 = st.write("transcripts/b.txt", "same\n");
    st.ok(&["transcript", "link", &s1, f1.to_str().unwrap()]);
    st.ok(&["transcript", "link", &s2, f2.to_str().unwrap()]);
    std::fs::remove_file(&f1).unwrap();
    let out = st.fw(&["transcript", "verify", "--relink", "--json"]);
    expect_code(&out, 1, &["transcript", "verify", "--relink"]);
    let v = as_array(serde_json::from_str(&stdout(&out)).unwrap());
    let one = v.iter().find(|x| x["session_id"] == s1.as_str()).unwrap();
    assert_eq!(s(one, "status"), "missing", "{one}");
    assert_eq!(one["relinked"], false);
    let t = &st.json(&["interview", "show", &s1, "--json"])["transcript"];
    assert_eq!(
        s(t, "path"),
        "a.txt",
        "not relinked to the other interview's file"
    );
    let r = check_fails(&st);
    assert!(kinds(&r).contains(&"transcript-missing".to_string()), "{r}");
    // A copy that nothing links to is where it went.
    st.write("transcripts/moved/a.txt", "same\n");
    let out = st.fw(&["transcript", "verify", "--relink"]);
    expect_code(&out, 0, &["transcript", "verify", "--relink"]);
    let t = &st.json(&["interview", "show", &s1, "--json"])["transcript"];
    assert_eq!(s(t, "path"), "moved/a.txt");
}

#[test]
fn a_transcripts_root_from_the_config_is_used_for_relative_paths() {
    let st = Study::empty();
    st.write("fieldwork.toml", "transcripts_root = \"texts\"\n");
    st.ok(&["init"]);
    let a = st.consented("Ann Able", "ics-ceo", "A");
    let sid = st.interview(&a, "2022-01-10");
    let f = st.write("texts/p1/ann.txt", "hello\n");
    // The default root (transcripts/ next to the database) is not used.
    let other = st.write("transcripts/ann.txt", "hello\n");
    let err = st.fails(2, &["transcript", "link", &sid, other.to_str().unwrap()]);
    assert_has(&err, &["outside the transcripts root"]);
    let out = st.ok(&["transcript", "link", &sid, f.to_str().unwrap()]);
    assert_eq!(out.trim(), "p1/ann.txt");
    st.ok(&["transcript", "verify"]);
}

#[test]
fn an_interview_held_before_a_withdrawal_can_still_be_logged() {
    let st = Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    st.ok(&[
        "consent",
        "withdraw",
        &a,
        "--scope",
        "no-further-contact",
        "--date",
        "2022-03-01",
    ]);
    // Held in February, logged after the March withdrawal: allowed.
    st.interview(&a, "2022-02-10");
    // Held after the withdrawal: refused, even with --allow-gap.
    let err = st.fails(
        2,
        &[
            "interview",
            "log",
            "--participant",
            &a,
            "--date",
            "2022-04-01",
            "--allow-gap",
        ],
    );
    assert!(err.contains("withdrawn by that date"), "{err}");
    assert_eq!(s(&st.show(&a), "status"), "withdrawn");
}

#[test]
fn a_missing_transcripts_root_is_named() {
    let st = Study::new();
    let a = st.consented("Ann Able", "ics-ceo", "A");
    let id = st.interview(&a, "2022-02-10");
    let f = st.path().join("elsewhere.txt");
    std::fs::write(&f, "x").unwrap();
    let _ = std::fs::remove_dir_all(st.transcripts());
    let err = st.fails(2, &["transcript", "link", &id, f.to_str().unwrap()]);
    assert!(
        err.contains("does not exist") && err.contains("transcripts_root"),
        "{err}"
    );
}

#[test]
fn frameworks_can_be_added_and_take_themes() {
    let st = Study::new();
    st.ok(&[
        "theme",
        "framework",
        "Inductive codes",
        "--description",
        "from the data",
    ]);
    st.ok(&["theme", "add", "Trust", "--framework", "Inductive codes"]);
    let themes = st.json(&["theme", "list", "--json"]);
    assert!(themes
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["path"] == "Inductive codes/Trust"));
}
