//! Control characters and ANSI escapes in stored text never reach a terminal raw: every
//! text command prints them escaped (`\u{1b}`, `\r`), whatever wrote them to the database
//! (an older version, another tool, a synced copy). JSON output escapes them by itself.

mod common;

use common::*;

const HOSTILE: &str = "Ann \u{1b}[31mRed\u{1b}[0m\r\u{7}\u{9b}2J";

/// A study with a participant, an interview with an imported transcript and a tag, whose
/// human text is then overwritten directly in SQLite with escapes and carriage returns.
fn hostile_study() -> (Study, String, String) {
    let st = Study::new();
    let code = st.consented("Ann Able", "ics-ceo", "A");
    let sid = st.interview(&code, "2022-01-10");
    st.write(
        &format!("transcripts/{code}.txt"),
        "Interviewer: How is quality planned?\n\nAnn: We track forty indicators every month.\n",
    );
    st.ok(&[
        "transcript",
        "import",
        &format!("transcripts/{code}.txt"),
        "--interview",
        &sid,
    ]);
    st.ok(&["theme", "add", "Hostile theme", "--framework", "QMS"]);
    st.ok(&[
        "passage",
        "add",
        &sid,
        "Hostile theme",
        "--quote",
        "forty indicators",
        "--memo",
        "m",
    ]);
    st.ok(&["redact", "seed"]);
    let c = rusqlite::Connection::open(st.db()).unwrap();
    let h = HOSTILE;
    c.execute_batch("PRAGMA foreign_keys = OFF;").unwrap();
    for sql in [
        "UPDATE participant SET name = ?1, organisation = ?1, job_title = ?1, notes = ?1, email = ?1",
        "UPDATE study SET name = ?1, ethics_ref = ?1",
        "UPDATE site SET name = ?1, region = ?1, notes = ?1",
        "UPDATE role SET name = ?1",
        "UPDATE role_category SET name = ?1",
        "UPDATE meeting_type SET name = ?1",
        "UPDATE session SET notes = ?1, interviewer = ?1, mode = ?1, title = ?1",
        "UPDATE framework SET name = name || ?1",
        "UPDATE theme SET name = name || ?1, description = ?1",
        "UPDATE tag SET memo = ?1, quote = ?1",
        "UPDATE turn SET text = text || ?1, speaker = ?1",
        "UPDATE status_event SET note = ?1",
        "UPDATE audit SET by = ?1",
    ] {
        c.execute(sql, [h]).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    drop(c);
    (st, code, sid)
}

#[track_caller]
fn assert_clean(args: &[&str], out: &std::process::Output) {
    for (what, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        let bad: Vec<(usize, char)> = text
            .char_indices()
            .filter(|(_, c)| c.is_control() && *c != '\n' && *c != '\t')
            .collect();
        assert!(
            bad.is_empty(),
            "fieldwork {args:?}: raw control characters {:?} on {what}:\n{text}",
            bad.iter().map(|(_, c)| *c).collect::<Vec<_>>()
        );
    }
}

#[test]
fn stored_escapes_are_shown_escaped_by_every_text_command() {
    let (st, code, sid) = hostile_study();
    let commands: Vec<Vec<&str>> = vec![
        vec!["study"],
        vec!["participant", "list"],
        vec!["participant", "show", &code],
        vec!["consent", "show", &code],
        vec!["interview", "list"],
        vec!["interview", "show", &sid],
        vec!["coverage"],
        vec!["check"],
        vec!["audit"],
        vec!["transcript", "list"],
        vec!["transcript", "show", &sid],
        vec!["search", "forty"],
        vec!["passage", "list"],
        vec!["tag", "list"],
        vec!["quotes", "--theme", "Hostile theme"],
        vec!["theme", "list", "--all"],
        vec!["theme", "history", "Hostile theme"],
        vec!["matrix", "show"],
        vec!["analysis", "frequency"],
        vec!["analysis", "saturation"],
        vec!["redact", "register"],
        vec!["redact", "suspects"],
        vec!["redact", "preview", &sid],
        vec!["redact", "log"],
        vec!["analysis", "cooccurrence"],
        vec!["matrix", "cell", &code, "Hostile theme", "--phase", "1"],
        vec!["observation", "list"],
        vec!["document", "list"],
        vec!["transcript", "verify"],
    ];
    let mut shown = 0;
    for args in &commands {
        let out = st.fw(args);
        assert_ne!(out.status.code(), Some(101), "{args:?} panicked");
        assert_clean(args, &out);
        if stdout(&out).contains("\\u{1b}[31m") {
            shown += 1;
        }
    }
    // The escaped text is shown (not dropped) by the commands that print names.
    for args in [
        vec!["participant", "list"],
        vec!["participant", "show", code.as_str()],
        vec!["study"],
    ] {
        let out = st.fw(&args);
        assert_has(&stdout(&out), &["Ann \\u{1b}[31mRed"]);
    }
    assert!(shown >= 5, "only {shown} commands showed the escaped text");
}

#[test]
fn json_output_keeps_the_text_and_escapes_it() {
    let (st, code, _) = hostile_study();
    let out = st.fw(&["participant", "show", &code, "--json"]);
    assert_clean(&["participant", "show", "--json"], &out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["name"], HOSTILE, "{v}");
}

#[test]
fn escapes_given_on_the_command_line_are_refused_or_escaped() {
    let st = Study::new();
    let out = st.fw(&[
        "participant",
        "add",
        "--name",
        HOSTILE,
        "--role",
        "ics-ceo",
        "--site",
        "A",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_clean(&["participant", "add"], &out);
    assert_has(&stderr(&out), &["name", "control characters"]);
    let out = st.fw(&["participant", "show", HOSTILE]);
    assert_eq!(out.status.code(), Some(2));
    assert_clean(&["participant", "show"], &out);
}
