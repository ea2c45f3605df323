//! End to end: the real binary in a pseudo-terminal, through a fieldworker's day on a fresh
//! database, then the database checked through the CLI's `--json` output.
//!
//! The wait timeout comes from `FIELDWORK_E2E_TIMEOUT_SECS` (default 20). The test never
//! sleeps a fixed time: it waits until the expected text is on the screen.

mod pty;

use std::path::Path;
use std::process::Command;

use pty::Tui;

const BIN: &str = env!("CARGO_BIN_EXE_fieldwork");

/// The interface on `db`, with a private home and no configuration file.
fn spawn(db: &Path, home: &Path) -> Tui {
    pty::Builder::new()
        .db(db)
        .home(home)
        .env("XDG_CONFIG_HOME", home)
        .env("FIELDWORK_CONFIG", "")
        .size(50, 160)
        .spawn()
}

const TAB: &str = "\t";
const ENTER: &str = "\r";
const RIGHT: &str = "\x1b[C";
const CTRL_U: &str = "\x15";

/// The JSON a CLI command prints.
fn cli(db: &Path, home: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_slice(&run(db, home, args)).unwrap()
}

/// Run the CLI on `db` with a private home; its standard output (it must succeed).
fn run(db: &Path, home: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new(BIN)
        .arg("--db")
        .arg(db)
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("FIELDWORK_CONFIG", "")
        .current_dir(home)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn a_fieldworkers_day() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let db = home.join("study.db");
    run(&db, home, &["init"]);
    std::fs::create_dir_all(home.join("transcripts/phase1")).unwrap();
    std::fs::write(
        home.join("transcripts/phase1/interview-one.txt"),
        "Q: hello\nA: hi\n",
    )
    .unwrap();

    let mut t = spawn(&db, home);
    t.wait("Participants 0/0");

    // Add a participant: name typed, site and role chosen from the taxonomy.
    t.send("a");
    t.wait("Add a participant");
    t.send("Test Person");
    t.send(TAB);
    t.send(RIGHT); // second site
    t.send(ENTER);
    t.wait("added participant");
    t.wait("Participants 1/1");

    // Record consent, dated before the interview.
    t.send("r");
    t.wait("Record consent for");
    t.send(CTRL_U);
    t.send("2021-12-01");
    t.send(&TAB.repeat(3));
    t.send(RIGHT); // take part: yes
    t.send(TAB);
    t.send(RIGHT); // audio: yes
    t.send(ENTER);
    t.wait("consent recorded");

    // Log an interview with the selected participant.
    t.send("i");
    t.wait("Log an interview");
    t.send(TAB);
    t.send(CTRL_U);
    t.send("2022-01-10");
    t.send(ENTER);
    t.wait("logged for");

    // Link its transcript, completing the path under the transcripts root.
    t.send("4");
    t.wait("Transcripts 1/1");
    t.send("l");
    t.wait("Link a transcript");
    t.send("pha");
    t.send(RIGHT);
    t.send("int");
    t.send(RIGHT);
    t.wait("phase1/interview-one.txt");
    t.send(ENTER);
    t.wait("transcript linked");

    // Tag the interview (selected in Sessions) with the first theme.
    t.send("3");
    t.wait("Sessions 1/1");
    t.send("5");
    t.wait("Codebook");
    t.send("t");
    t.wait("tagged with");

    // Coverage shows the interview.
    t.send("6");
    t.wait("total 1/112 interviews");

    t.send("q");
    wait_exit(&mut t);

    // The database, through the CLI.
    let people = cli(&db, home, &["participant", "list", "--json"]);
    let people = people.as_array().unwrap();
    assert_eq!(people.len(), 1);
    assert_eq!(people[0]["name"], "Test Person");
    assert_eq!(people[0]["site"], "B");
    assert_eq!(people[0]["status"], "interviewed");
    let interviews = cli(&db, home, &["interview", "list", "--json"]);
    let interviews = interviews.as_array().unwrap();
    assert_eq!(interviews.len(), 1);
    let cov = cli(&db, home, &["coverage", "--json"]);
    assert_eq!(cov["total_interviews"], 1);
    let cell = cov["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["site"] == "B" && c["phase"] == 1)
        .unwrap();
    assert_eq!(cell["interviews"], 1);
}

/// An analyst's session on the demo study: import every transcript, search, open a hit,
/// select a passage from the keyboard, tag it, and find it in the theme's quotes — on
/// screen and through `quotes --json`.
#[test]
fn an_analyst_tags_a_passage_and_finds_it_in_the_quotes() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let db = home.join("demo.db");
    run(&db, home, &["init", "--demo"]);

    let mut t = spawn(&db, home);
    t.wait("Participants");
    // Import every linked transcript file.
    t.send("4");
    t.wait("Transcripts");
    t.send("I");
    t.wait("Import every transcript file");
    t.send("y");
    t.wait("imported 106 transcript(s)");
    // Search for a phrase and open the best hit.
    t.send("7");
    t.wait("Type / and a query");
    t.send("/");
    t.send("\"quality committee\"");
    t.wait("best first");
    t.send(ENTER);
    t.send(ENTER);
    t.wait("At the cursor");
    // Select three words from the cursor and tag them with the first theme.
    t.send("v");
    t.wait("selecting");
    t.send("ww");
    t.wait("selected 3 word(s)");
    t.send(ENTER);
    t.wait("Tag 3 word(s)");
    t.send(ENTER);
    t.wait("passage of 3 word(s) tagged with");
    // The theme's quotes list in Themes shows it with its attribution.
    t.send("5");
    t.wait("Quotes (");
    // The theme's quotes are loaded by the load worker: wait for them.
    let is_quote =
        |l: &str| l.contains("“") && (l.contains("[not for export") || l.contains("] “"));
    let screen = t.wait_for("a quote with its attribution", |s| s.lines().any(is_quote));
    let line = screen
        .lines()
        .find(|l| is_quote(l))
        .unwrap_or_else(|| panic!("no quote on screen:\n{screen}"))
        .to_string();
    t.send("q");
    t.wait_exit();
    let themes = cli(&db, home, &["theme", "list", "--json"]);
    let first = themes.as_array().unwrap()[0]["path"]
        .as_str()
        .unwrap()
        .to_string();
    let quotes = cli(&db, home, &["quotes", "--theme", &first, "--json"]);
    let quotes = quotes.as_array().unwrap();
    assert_eq!(quotes.len(), 1, "{quotes:?}");
    let q = quotes[0]["passage"]["quote"].as_str().unwrap();
    assert_eq!(q.split_whitespace().count(), 3, "{q}");
    assert!(
        q.to_lowercase().contains("quality") || q.to_lowercase().contains("committee"),
        "{q}"
    );
    let words: Vec<&str> = q.split_whitespace().collect();
    assert!(line.contains(words[0]), "{line} / {q}");
    let label = quotes[0]["attribution"].as_str().unwrap();
    if quotes[0]["allowed"].as_bool().unwrap() {
        assert!(line.contains(label), "{line} / {label}");
    }
}

/// Every row of every table of the database, in a fixed order: what a test compares to
/// show that nothing was written.
fn dump(db: &Path) -> String {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    let mut tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    // FTS shadow tables hold the same rows in another form; the base tables are enough.
    tables.retain(|t| !t.contains("_fts_") && !t.ends_with("_data") && !t.ends_with("_idx"));
    let mut out = String::new();
    for t in tables {
        let mut st = c.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = st.column_count();
        let mut rows: Vec<String> = st
            .query_map([], |r| {
                let mut v = Vec::new();
                for i in 0..n {
                    v.push(format!("{:?}", r.get_ref(i)?));
                }
                Ok(v.join("|"))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        rows.sort();
        out.push_str(&format!("== {t} ({})\n{}\n", rows.len(), rows.join("\n")));
    }
    out
}

/// Wait until the program has exited; its status must be success.
fn wait_exit(t: &mut Tui) {
    let status = t.wait_exit();
    assert!(status.success(), "exit status {status:?}");
}

/// A study with one consented participant and one completed interview, through the CLI.
fn study_with_a_done_interview(db: &Path, home: &Path) -> String {
    run(db, home, &["init"]);
    let code = String::from_utf8(run(
        db,
        home,
        &[
            "participant",
            "add",
            "--name",
            "Test Person",
            "--role",
            "ics-ceo",
            "--site",
            "A",
        ],
    ))
    .unwrap()
    .trim()
    .to_string();
    run(
        db,
        home,
        &[
            "consent",
            "record",
            &code,
            "--date",
            "2021-11-05",
            "--take-part",
            "yes",
            "--audio",
            "yes",
        ],
    );
    run(
        db,
        home,
        &[
            "interview",
            "log",
            "--participant",
            &code,
            "--date",
            "2021-12-01",
        ],
    );
    code
}

/// Bracketed paste on the Participants list: "we agree⏎" and a paste full of command keys
/// (q, d, e, a, y) are text for the search, never keys — nothing is edited, saved or
/// quit, and the database is exactly as it was.
#[test]
fn a_paste_on_a_list_is_text_never_keys() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let db = home.join("study.db");
    let code = study_with_a_done_interview(&db, home);
    let before = dump(&db);

    let mut t = spawn(&db, home);
    t.wait("Participants 1/1");
    t.wait(&code);
    t.send("\x1b[200~we agree\r\x1b[201~");
    // The paste became the search (nothing matches it), not keys: no form opened.
    t.wait("search: we agree");
    t.wait("Participants 0/0");
    let s = t.screen();
    assert!(!s.contains("Edit participant"), "{s}");
    assert!(t.running(), "the TUI quit on a paste");
    // Esc clears the search (waited for, so that the next key is not read as Alt+key);
    // a paste of command keys is text again.
    t.send("\x1b");
    t.wait_for("the search cleared", |s| {
        !s.contains("search:") && s.contains("Participants 1/1")
    });
    t.send("\x1b[200~q d e a y\r\n\x1b[201~");
    t.wait("search: q d e a y");
    let s = t.screen();
    assert!(
        !s.contains("Add a participant") && !s.contains("Edit participant"),
        "{s}"
    );
    assert!(t.running(), "a pasted q quit the TUI");
    // Still running and answering keys.
    t.send("\x1b");
    t.wait_for("the search cleared", |s| {
        !s.contains("search:") && s.contains("Participants 1/1")
    });
    t.send("q");
    wait_exit(&mut t);
    assert_eq!(dump(&db), before, "a paste changed the database");
}

/// `d` on a done interview asks before anything changes; `n` leaves it as it was, `y`
/// only opens the form, and choosing `cancelled` there asks again.
#[test]
fn d_on_a_done_interview_asks_first() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let db = home.join("study.db");
    let code = study_with_a_done_interview(&db, home);
    let before = dump(&db);

    let mut t = spawn(&db, home);
    t.wait("Participants 1/1");
    t.send("3");
    t.wait("Sessions 1/1");
    t.send("d");
    t.wait("is already done. Change");
    t.wait(&code);
    t.send("n");
    t.wait("cancelled: nothing was changed");
    assert_eq!(dump(&db), before, "n changed the database");

    // Yes opens the form; choosing cancelled asks again; no there writes nothing either.
    t.send("d");
    t.wait("is already done. Change");
    t.send("y");
    t.wait("Complete the interview of");
    t.send(RIGHT); // done → cancelled
    t.send(ENTER);
    t.wait("Cancel the interview of");
    t.send("n");
    // Back to the form, the question gone.
    t.wait_for("the form again", |s| {
        !s.contains("Cancel the interview of") && s.contains("Complete the interview of")
    });
    t.send("\x1b"); // close the form
    t.wait_for("the form closed", |s| {
        !s.contains("Complete the interview of")
    });
    t.send("q");
    wait_exit(&mut t);
    assert_eq!(dump(&db), before, "the questions changed the database");
    let interviews = cli(&db, home, &["interview", "list", "--json"]);
    assert_eq!(interviews[0]["status"], "done");
}
