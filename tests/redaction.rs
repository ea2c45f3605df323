//! Transcript redaction on the real binary: a seeded register, suspects, reviews, preview.

use std::process::Command;

fn run(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .arg("--db")
        .arg(dir.join("s.db"))
        .args(args)
        .current_dir(dir)
        .env_remove("FIELDWORK_DB")
        .env_remove("FIELDWORK_CONFIG")
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("USER", "reviewer")
        .output()
        .unwrap()
}

fn ok(dir: &std::path::Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn register_suspects_review_and_preview() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::create_dir_all(d.join("transcripts")).unwrap();
    ok(d, &["init"]);
    let code = ok(
        d,
        &[
            "participant",
            "add",
            "--name",
            "Ada Quill",
            "--role",
            "q-cqo",
            "--site",
            "B",
            "--organisation",
            "Northvale Acute Trust",
        ],
    )
    .trim()
    .to_string();
    ok(
        d,
        &[
            "consent",
            "record",
            &code,
            "--date",
            "2022-01-05",
            "--take-part",
            "yes",
        ],
    );
    let s = ok(
        d,
        &[
            "interview",
            "log",
            "--participant",
            &code,
            "--date",
            "2022-01-10",
        ],
    )
    .trim()
    .to_string();
    std::fs::write(
        d.join("transcripts/a.txt"),
        "Interviewer: Thanks, Dr Quill.\n\nAda Quill: At Northvale Acute\nTrust we work with Bertie Marchbanks. Call 01632 960123. ICS B has changed.\n\nInterviewer: And Ms Quil?\n",
    )
    .unwrap();
    ok(
        d,
        &[
            "transcript",
            "import",
            "transcripts/a.txt",
            "--interview",
            &s,
        ],
    );
    ok(d, &["redact", "seed"]);
    // Seeding twice adds nothing new and keeps labels.
    let before = ok(d, &["redact", "register", "--json"]);
    ok(d, &["redact", "seed"]);
    assert_eq!(ok(d, &["redact", "register", "--json"]), before);

    let sus: serde_json::Value =
        serde_json::from_str(&ok(d, &["redact", "suspects", "--json"])).unwrap();
    let texts: Vec<&str> = sus
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["text"].as_str().unwrap())
        .collect();
    assert!(texts.contains(&"Bertie Marchbanks"), "{texts:?}");
    assert!(texts.contains(&"01632 960123"), "{texts:?}");
    assert!(texts.contains(&"Quil"), "{texts:?}");
    // Nothing is replaced without the register or a reviewer: the suspects are still there.
    let preview = ok(d, &["redact", "preview", &s]);
    assert!(preview.contains("Bertie Marchbanks"));
    assert!(
        !preview.contains("Ada Quill") && !preview.contains("Dr Quill"),
        "{preview}"
    );
    assert!(
        preview.contains("[Organisation 1]"),
        "matched across a line break: {preview}"
    );

    ok(
        d,
        &[
            "redact",
            "accept",
            "Bertie Marchbanks",
            "--kind",
            "person",
            "--label",
            "[Colleague 1]",
        ],
    );
    ok(
        d,
        &[
            "redact",
            "accept",
            "01632 960123",
            "--identifier",
            &format!("[Participant {code}]"),
        ],
    );
    ok(
        d,
        &[
            "redact",
            "accept",
            "Quil",
            "--identifier",
            &format!("[Participant {code}]"),
        ],
    );
    let sus: serde_json::Value =
        serde_json::from_str(&ok(d, &["redact", "suspects", "--json"])).unwrap();
    assert_eq!(sus.as_array().unwrap().len(), 0, "{sus}");
    let preview = ok(d, &["redact", "preview", &s]);
    for name in [
        "Ada",
        "Quill",
        "Quil",
        "Northvale",
        "Bertie",
        "Marchbanks",
        "01632",
    ] {
        assert!(!preview.contains(name), "{name} left in: {preview}");
    }
    assert!(
        preview.contains("[Colleague 1]") && preview.contains("[Site B]"),
        "{preview}"
    );
    // A label cannot be used twice; a bad kind is named.
    let out = run(
        d,
        &[
            "redact",
            "add",
            "--kind",
            "person",
            "--label",
            "[Colleague 1]",
            "Someone Else",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let out = run(
        d,
        &["redact", "add", "--kind", "robot", "--label", "[R]", "x"],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a kind"));
}

#[test]
fn allow_a_class_in_one_step_and_bad_classes_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::create_dir_all(d.join("transcripts")).unwrap();
    ok(d, &["init"]);
    let code = ok(
        d,
        &[
            "participant",
            "add",
            "--name",
            "Hope Quarrington",
            "--role",
            "q-cqo",
            "--site",
            "B",
            "--phone",
            "01632 960 777",
        ],
    )
    .trim()
    .to_string();
    ok(
        d,
        &[
            "consent",
            "record",
            &code,
            "--date",
            "2022-01-05",
            "--take-part",
            "yes",
        ],
    );
    let s = ok(
        d,
        &[
            "interview",
            "log",
            "--participant",
            &code,
            "--date",
            "2022-01-10",
        ],
    )
    .trim()
    .to_string();
    std::fs::write(
        d.join("transcripts/a.txt"),
        "Interviewer: Thanks.\n\nParticipant: The Partnership Board met in Moorcombe. Hope said so; quarrington agreed, and we hope so. Ring 01632.960.777 or +44 1632 960777.\n",
    )
    .unwrap();
    ok(
        d,
        &[
            "transcript",
            "import",
            "transcripts/a.txt",
            "--interview",
            &s,
        ],
    );
    ok(d, &["redact", "seed"]);
    let texts = |d: &std::path::Path| -> Vec<(String, String)> {
        let v: serde_json::Value =
            serde_json::from_str(&ok(d, &["redact", "suspects", "--json"])).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (
                    g["text"].as_str().unwrap().to_string(),
                    g["reason"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let before = texts(d);
    assert!(
        before.contains(&("Partnership Board".into(), "capitalised".into())),
        "{before:?}"
    );
    // "Hope" at a sentence start and "hope" the word: a name that is a word, to review.
    assert!(
        before.contains(&("Hope".into(), "name-or-word".into())),
        "{before:?}"
    );
    // One text (grouped by normalised text), in two places.
    let v: serde_json::Value =
        serde_json::from_str(&ok(d, &["redact", "suspects", "--json"])).unwrap();
    let hope = v
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["norm"] == "hope")
        .unwrap();
    assert_eq!(hope["occurrences"].as_array().unwrap().len(), 2, "{hope}");
    // The surname in lower case and the phone in other forms are replaced, not suspects.
    let preview = ok(d, &["redact", "preview", &s]);
    assert!(
        !preview.contains("quarrington") && !preview.contains("960"),
        "{preview}"
    );
    let r: serde_json::Value = serde_json::from_str(&ok(
        d,
        &["redact", "allow", "--class", "common-words", "--json"],
    ))
    .unwrap();
    assert_eq!(r["class"], "common-words");
    assert_eq!(r["closed"], 1, "{r}");
    let after = texts(d);
    assert_eq!(r["left"], after.len() as u64);
    assert!(
        !after.iter().any(|(t, _)| t == "Partnership Board"),
        "{after:?}"
    );
    // The class never covers a registered name that is a word.
    assert!(after.iter().any(|(t, _)| t == "Hope"), "{after:?}");
    // Accepting it as a name makes it replaced wherever it stands.
    ok(
        d,
        &[
            "redact",
            "accept",
            "Hope",
            "--identifier",
            &format!("[Participant {code}]"),
        ],
    );
    let preview = ok(d, &["redact", "preview", &s]);
    assert!(!preview.to_lowercase().contains("hope"), "{preview}");
    // Bad input: the class is named, exit 2; neither text nor class is a usage error.
    let out = run(d, &["redact", "allow", "--class", "people"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("people") && err.contains("common-words"),
        "{err}"
    );
    let out = run(d, &["redact", "allow"]);
    assert_eq!(out.status.code(), Some(2));
}
