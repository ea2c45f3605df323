//! End to end: the real binary in a pseudo-terminal walks from the Agreement pane to a
//! disagreeing span and settles it; the database is then checked through the CLI.
//!
//! The wait timeout comes from `FIELDWORK_E2E_TIMEOUT_SECS` (default 20). The test never
//! sleeps a fixed time: it waits until the expected text is on the screen.

mod pty;

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_fieldwork");

/// Run the CLI on `db` with a private home; its standard output (it must succeed).
fn run(db: &Path, home: &Path, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("FIELDWORK_CONFIG", "")
        .env_remove("FIELDWORK_CODER")
        .current_dir(home)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The interface on `db`, with a private home, no configuration file and no coder name.
fn spawn(db: &Path, home: &Path) -> pty::Tui {
    pty::Builder::new()
        .db(db)
        .home(home)
        .env("XDG_CONFIG_HOME", home)
        .env("FIELDWORK_CONFIG", "")
        .env_remove("FIELDWORK_CODER")
        .spawn()
}

const TEXT: &str = "We meet monthly with the council. Integration is slow, but the data sharing agreement helped a great deal.";

#[test]
fn from_the_agreement_pane_to_a_disagreeing_span_settled() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let db = home.join("study.db");
    run(&db, home, &["init"]);
    let code = run(
        &db,
        home,
        &[
            "participant",
            "add",
            "--name",
            "Test Person",
            "--role",
            "q-cqo",
            "--site",
            "A",
        ],
    )
    .trim()
    .to_string();
    run(
        &db,
        home,
        &[
            "consent",
            "record",
            &code,
            "--date",
            "2021-10-01",
            "--take-part",
            "yes",
            "--audio",
            "yes",
        ],
    );
    let id = run(
        &db,
        home,
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
    std::fs::create_dir_all(home.join("transcripts")).unwrap();
    let f = home.join("transcripts/t1.txt");
    std::fs::write(&f, TEXT).unwrap();
    run(
        &db,
        home,
        &[
            "transcript",
            "import",
            f.to_str().unwrap(),
            "--interview",
            &id,
        ],
    );
    // Ann tags "the data sharing agreement helped"; Ben starts four characters earlier.
    let a = TEXT.find("the data sharing").unwrap();
    let b = TEXT.find(" a great deal").unwrap();
    for (coder, start) in [("Ann", a), ("Ben", a - 4)] {
        run(
            &db,
            home,
            &[
                "--coder",
                coder,
                "passage",
                "add",
                &id,
                "Quality planning",
                "--start",
                &start.to_string(),
                "--end",
                &b.to_string(),
            ],
        );
    }
    let before: serde_json::Value =
        serde_json::from_str(&run(&db, home, &["agreement", "--format", "json"])).unwrap();
    assert_eq!(before["disagreements"].as_array().unwrap().len(), 1);
    let key = before["disagreements"][0]["key"]
        .as_str()
        .unwrap()
        .to_string();

    let mut t = spawn(&db, home);
    t.wait("Participants");
    t.send("K");
    t.wait("Themes by alpha");
    t.wait("A = Ann  B = Ben");
    t.send("\r");
    t.wait("Disagreeing text");
    let screen = t.wait("“but ”");
    assert!(screen.contains("B only (Ben)"), "{screen}");
    assert!(screen.contains(&key), "{screen}");
    // Keep Ann's coding: asked first, then settled.
    t.send("a");
    t.wait("keep Ann's");
    t.wait("y: yes, do it");
    t.send("y");
    t.wait("settled");
    t.wait("All settled.");
    t.send("q");
    t.wait_exit();

    let after: serde_json::Value =
        serde_json::from_str(&run(&db, home, &["agreement", "--format", "json"])).unwrap();
    assert_eq!(after["disagreements"].as_array().unwrap().len(), 0);
    assert_eq!(after["pooled"]["alpha"], 1.0);
    let audit: serde_json::Value =
        serde_json::from_str(&run(&db, home, &["audit", "--json", "--entity", &key])).unwrap();
    let entries = audit.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(entries[0]["action"], "settle");
    assert_eq!(entries[0]["after"]["settle"], "keep-a");
}
