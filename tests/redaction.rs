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
