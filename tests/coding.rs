//! Coding on the real binary: transcript import of real-shaped and broken files, passage
//! anchoring across re-import, search, quotes and consent, matrix, saturation, import-dir.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

struct Study {
    dir: tempfile::TempDir,
}

impl Study {
    fn new() -> Study {
        let s = Study {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(s.root()).unwrap();
        s.ok(&["init"]);
        s
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("study.db")
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("transcripts")
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_fieldwork"))
            .arg("--db")
            .arg(self.db())
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("FIELDWORK_DB")
            .env_remove("FIELDWORK_CONFIG")
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("USER", "tester")
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    /// A participant with consent (quotes as given) and a completed interview; returns the
    /// interview id and the export code.
    fn interview(&self, role: &str, site: &str, quotes: &str, date: &str) -> (String, String) {
        let code = self
            .ok(&[
                "participant",
                "add",
                "--name",
                "Test Person",
                "--role",
                role,
                "--site",
                site,
            ])
            .trim()
            .to_string();
        self.ok(&[
            "consent",
            "record",
            &code,
            "--date",
            "2021-11-02",
            "--take-part",
            "yes",
            "--audio",
            "yes",
            "--quotes",
            quotes,
        ]);
        let id = self
            .ok(&["interview", "log", "--participant", &code, "--date", date])
            .trim()
            .to_string();
        (id, code)
    }

    fn put(&self, name: &str, content: &[u8]) -> PathBuf {
        let p = self.root().join(name);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(&p, content).unwrap();
        p
    }

    fn fixture(&self, name: &str) -> PathBuf {
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/transcripts")
            .join(name);
        self.put(name, &std::fs::read(src).unwrap())
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn teams_vtt_becomes_speaker_turns() {
    let st = Study::new();
    let (id, _) = st.interview("q-cqo", "A", "yes", "2022-01-10");
    let f = st.fixture("teams.vtt");
    st.ok(&["transcript", "import", s(&f), "--interview", &id]);
    let v = st.json(&["transcript", "show", &id, "--json"]);
    let turns = v["turns"].as_array().unwrap();
    let speakers: Vec<&str> = turns
        .iter()
        .map(|t| t["speaker"].as_str().unwrap())
        .collect();
    assert_eq!(
        speakers,
        [
            "Riley Interviewer",
            "Morgan Ashgrove",
            "Riley Interviewer",
            "Morgan Ashgrove"
        ]
    );
    // Two consecutive cues of the same speaker merged, with the first start and last end.
    assert_eq!(turns[1]["start_ms"], 8010);
    assert_eq!(turns[1]["end_ms"], 18200);
    let text = v["text"].as_str().unwrap();
    assert!(
        text.contains("System Quality Group & the metrics"),
        "{text}"
    );
    assert_eq!(v["transcript"]["path"], "teams.vtt");
}

#[test]
fn zoom_vtt_word_docx_and_windows_1252() {
    let st = Study::new();
    let (a, _) = st.interview("q-cqo", "A", "yes", "2022-01-10");
    let (b, _) = st.interview("q-manager", "A", "yes", "2022-01-11");
    let (c, _) = st.interview("la-dph", "A", "yes", "2022-01-12");
    st.ok(&[
        "transcript",
        "import",
        s(&st.fixture("zoom.vtt")),
        "--interview",
        &a,
    ]);
    let v = st.json(&["transcript", "show", &a, "--json"]);
    assert_eq!(v["turns"].as_array().unwrap().len(), 2);
    assert_eq!(v["turns"][1]["speaker"], "Sam Whitlow");

    st.ok(&[
        "transcript",
        "import",
        s(&st.fixture("word-style.docx")),
        "--interview",
        &b,
    ]);
    let v = st.json(&["transcript", "show", &b, "--json"]);
    let text = v["text"].as_str().unwrap();
    assert!(
        text.contains("How are quality priorities set here?"),
        "{text}"
    );
    assert!(
        text.contains("Through the board."),
        "tracked deletion must be left out: {text}"
    );
    assert!(!text.contains("nobody else"));
    assert!(text.contains("\tWe review them yearly\nwith partners & residents."));
    let speakers: Vec<&str> = v["turns"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["speaker"].as_str())
        .collect();
    assert_eq!(speakers, ["Interviewer", "Jordan Feldspar", "Interviewer"]);

    let out = st.run(&[
        "transcript",
        "import",
        s(&st.fixture("windows-1252.txt")),
        "--interview",
        &c,
        "--json",
    ]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Windows-1252"), "{err}");
    let v = st.json(&["transcript", "show", &c, "--json"]);
    assert_eq!(v["import"]["encoding"], "windows-1252");
    let text = v["text"].as_str().unwrap();
    assert!(
        text.contains("“the spring” – after a long café meeting"),
        "{text}"
    );
    assert!(!text.contains('\r'));
}

#[test]
fn docx_written_by_a_word_processor() {
    // tests/fixtures/transcripts/libreoffice.docx was written by LibreOffice Writer 7
    // (converted from HTML with bold speaker labels and a line break).
    let st = Study::new();
    let (id, _) = st.interview("q-cqo", "B", "yes", "2023-02-01");
    st.ok(&[
        "transcript",
        "import",
        s(&st.fixture("libreoffice.docx")),
        "--interview",
        &id,
    ]);
    let v = st.json(&["transcript", "show", &id, "--json"]);
    let turns = v["turns"].as_array().unwrap();
    let speakers: Vec<Option<&str>> = turns.iter().map(|t| t["speaker"].as_str()).collect();
    assert_eq!(
        speakers,
        [
            None,
            Some("Interviewer"),
            Some("Casey Brightwater"),
            Some("Interviewer"),
            Some("Casey Brightwater")
        ]
    );
    let text = v["text"].as_str().unwrap();
    assert!(
        text.starts_with("Interview – site B, follow-up\n"),
        "{text}"
    );
    assert!(
        text.contains("assurance sits with us.\nWe still rely"),
        "{text}"
    );
    assert_eq!(v["import"]["format"], "docx");
}

#[test]
fn broken_files_are_refused_with_their_place_and_nothing_changes() {
    let st = Study::new();
    let (id, _) = st.interview("q-cqo", "A", "yes", "2022-01-10");
    let before = st.ok(&["audit", "--json"]);
    for (file, needle) in [
        ("broken-timing.vtt", "line 4"),
        ("not-vtt.vtt", "line 1"),
        ("truncated.docx", "not a Word .docx"),
        ("no-document.docx", "no word/document.xml"),
        ("utf16-no-bom.txt", "UTF-16 without a byte-order mark"),
    ] {
        let f = st.fixture(file);
        let err = st.fails(&["transcript", "import", s(&f), "--interview", &id], 2);
        assert!(err.contains(file), "{file}: {err}");
        assert!(err.contains(needle), "{file}: {err}");
    }
    assert_eq!(
        st.ok(&["audit", "--json"]),
        before,
        "a refused import wrote something"
    );
    let rows = st.json(&["transcript", "list", "--json"]);
    assert_eq!(rows[0]["state"], "none");
}

const TEXT: &str = "Interviewer: How is quality planned?\n\nParticipant: We set priorities every spring with the board. Then we check them.\n\nInterviewer: Thanks, and the data?\n\nParticipant: The dashboard is weekly.\n";

/// Tag three passages, then re-import after an edit; returns the passages by quote.
fn reimport(edit: impl Fn(&str) -> String) -> (Study, Vec<Value>, String) {
    let st = Study::new();
    let (id, _) = st.interview("q-cqo", "B", "yes", "2022-01-10");
    let f = st.put("t.txt", TEXT.as_bytes());
    st.ok(&["transcript", "import", s(&f), "--interview", &id]);
    for (q, theme) in [
        ("How is quality planned", "Structures and roles for quality"),
        (
            "We set priorities every spring",
            "Strategy and priority setting",
        ),
        ("The dashboard is weekly", "Measures and metrics"),
    ] {
        st.ok(&["passage", "add", &id, theme, "--quote", q]);
    }
    std::fs::write(&f, edit(TEXT)).unwrap();
    let out = st.run(&["transcript", "import", s(&f), "--interview", &id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = st.json(&["transcript", "show", &id, "--json"]);
    let passages = v["passages"].as_array().unwrap().clone();
    let text = v["text"].as_str().unwrap().to_string();
    (st, passages, text)
}

fn span(text: &str, p: &Value) -> String {
    let a = p["span_start"].as_u64().unwrap() as usize;
    let b = p["span_end"].as_u64().unwrap() as usize;
    text.chars().skip(a).take(b - a).collect()
}

#[test]
fn reimport_keeps_passages_after_edits_before_and_after() {
    let (_st, passages, text) = reimport(|t| {
        t.replace(
            "Interviewer: How is quality planned?",
            "Interviewer (RI): So — How is quality planned today, in your view?",
        )
        .replace(
            "The dashboard is weekly.",
            "The dashboard is weekly. It is new.",
        )
    });
    assert_eq!(passages.len(), 3);
    for p in &passages {
        assert_eq!(p["anchor"], "ok", "{p}");
        assert_eq!(span(&text, p), p["quote"].as_str().unwrap());
    }
}

#[test]
fn reimport_flags_a_passage_edited_inside_and_lists_a_deleted_one() {
    let (st, passages, text) = reimport(|t| {
        t.replace("every spring", "each autumn")
            .replace("How is quality planned?", "")
    });
    let by_theme = |name: &str| {
        passages
            .iter()
            .find(|p| p["theme"] == name)
            .unwrap()
            .clone()
    };
    let inside = by_theme("Strategy and priority setting");
    assert_eq!(inside["anchor"], "changed");
    assert_eq!(span(&text, &inside), "We set priorities each autumn");
    assert_eq!(
        inside["quote"], "We set priorities every spring",
        "the old quote is kept until reviewed"
    );
    let gone = by_theme("Structures and roles for quality");
    assert_eq!(gone["anchor"], "lost");
    assert_eq!(gone["quote"], "How is quality planned");
    assert_eq!(by_theme("Measures and metrics")["anchor"], "ok");
    // The review list shows both; accepting the changed one takes the new text.
    let review = st.json(&["passage", "list", "--review", "--json"]);
    assert_eq!(review.as_array().unwrap().len(), 2);
    st.ok(&["passage", "accept", inside["id"].as_str().unwrap()]);
    let review = st.json(&["passage", "list", "--review", "--json"]);
    assert_eq!(review.as_array().unwrap().len(), 1);
}

#[test]
fn search_finds_phrases_prefixes_and_filters() {
    let st = Study::new();
    let (a, _) = st.interview("q-cqo", "A", "yes", "2022-01-10");
    let (b, _) = st.interview("la-dph", "C", "yes", "2023-02-10");
    st.ok(&[
        "transcript",
        "import",
        s(&st.put(
            "a.txt",
            b"Interviewer: Hi.\n\nP: Our quality dashboard is reviewed monthly.\n",
        )),
        "--interview",
        &a,
    ]);
    st.ok(&[
        "transcript",
        "import",
        s(&st.put(
            "b.txt",
            b"Interviewer: Hi.\n\nP: The dashboards were retired; quality is discussed at place.\n",
        )),
        "--interview",
        &b,
    ]);
    st.ok(&[
        "observation",
        "log",
        "--type",
        "icb",
        "--site",
        "A",
        "--date",
        "2022-02-01",
        "--notes",
        "Long discussion of the dashboard refresh",
    ]);
    let hits = st.json(&["search", "dashboard*", "--json"]);
    assert_eq!(hits.as_array().unwrap().len(), 3);
    let hits = st.json(&["search", "\"quality dashboard\"", "--json"]);
    assert_eq!(hits.as_array().unwrap().len(), 1);
    assert!(
        hits[0]["snippet"]
            .as_str()
            .unwrap()
            .contains("[quality dashboard]"),
        "{hits}"
    );
    let hits = st.json(&["search", "dashboard* NOT retired", "--phase", "1", "--json"]);
    assert_eq!(hits.as_array().unwrap().len(), 2);
    let hits = st.json(&[
        "search",
        "dashboard*",
        "--site",
        "C",
        "--role-category",
        "local-authority",
        "--json",
    ]);
    assert_eq!(hits.as_array().unwrap().len(), 1);
    assert_eq!(hits[0]["session_id"], b.as_str());
    st.ok(&[
        "passage",
        "add",
        &a,
        "Measures and metrics",
        "--quote",
        "quality dashboard",
    ]);
    let hits = st.json(&[
        "search",
        "dashboard*",
        "--theme",
        "Measures and metrics",
        "--json",
    ]);
    assert_eq!(hits.as_array().unwrap().len(), 1);
    let err = st.fails(&["search", "AND OR"], 2);
    assert!(err.contains("not a valid search"), "{err}");
}

#[test]
fn search_finds_word_forms_and_plain_text() {
    let st = Study::new();
    let (a, _) = st.interview("q-cqo", "A", "yes", "2022-01-10");
    st.ok(&[
        "transcript",
        "import",
        s(&st.put(
            "a.txt",
            b"Interviewer: Hi.\n\nP: We integrated the two boards; at 00:00:07 the Q3: finance review began.\n",
        )),
        "--interview",
        &a,
    ]);
    st.ok(&[
        "observation",
        "log",
        "--type",
        "icb",
        "--site",
        "A",
        "--date",
        "2022-02-01",
        "--notes",
        "The committee integrated its reporting",
    ]);
    let count = |args: &[&str]| {
        let mut all = vec!["search"];
        all.extend_from_slice(args);
        all.push("--json");
        st.json(&all).as_array().unwrap().len()
    };
    // Stemmed by default: `integrate` finds `integrated` in the transcript and the note.
    assert_eq!(count(&["integrate"]), 2);
    let hits = st.json(&["search", "integrate", "--json"]);
    let snippets: Vec<&str> = hits
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["snippet"].as_str().unwrap())
        .collect();
    assert!(
        snippets.iter().all(|s| s.contains("[integrated]")),
        "{snippets:?}"
    );
    assert_eq!(count(&["integration"]), 2);
    // Exact: only that form.
    assert_eq!(count(&["integrate", "--exact"]), 0);
    assert_eq!(count(&["integrated", "--exact"]), 2);
    assert_eq!(count(&["integration", "--exact"]), 0);
    // Plain text with colons is text, not column syntax.
    assert_eq!(count(&["00:00:07"]), 1);
    assert_eq!(count(&["Q3: finance"]), 1);
    assert_eq!(count(&["Q3: finance", "--exact"]), 1);
    assert_eq!(count(&["Q4: finance"]), 0);
    assert_eq!(count(&["00:00:08"]), 0);
    // The operators still work, exact or not.
    assert_eq!(count(&["integrate NOT finance"]), 1);
    assert_eq!(count(&["\"two boards\" OR committee"]), 2);
    assert_eq!(count(&["(board OR committee) AND integrate"]), 2);
    assert_eq!(count(&["integ*", "--exact"]), 2);
    // A prefix longer than the stem (`integrated` is indexed as `integr`) still finds the
    // words starting so, with or without --exact.
    assert_eq!(count(&["integrat*"]), 2);
    assert_eq!(count(&["integrat*", "--exact"]), 2);
    assert_eq!(count(&["integrat* NOT finance"]), 1);
    // A malformed query says what and where, exit 2.
    let err = st.fails(&["search", "\"two boards"], 2);
    assert!(err.contains("quote at character 1 is not closed"), "{err}");
    let err = st.fails(&["search", "(board OR"], 2);
    assert!(err.contains("not a valid search"), "{err}");
    let err = st.fails(&["search", "NOT board"], 2);
    assert!(
        err.contains("NOT at character 1 needs a word before it"),
        "{err}"
    );
    // Deep nesting: 20 levels of brackets work; more, and long NOT chains, are refused
    // with the place, in words (never SQLite's "fts5: parser stack overflow").
    let deep = |n: usize| format!("{}integrate{}", "board OR (".repeat(n), ")".repeat(n));
    assert_eq!(count(&[&deep(20)]), 2);
    for q in [deep(21), deep(60), vec!["integrate"; 150].join(" NOT ")] {
        let err = st.fails(&["search", &q], 2);
        assert!(err.contains("simplify the search"), "{err}");
        assert!(err.contains("at character"), "{err}");
        assert!(!err.contains("fts5"), "{err}");
    }
}

#[test]
fn upgrading_a_version_4_database_builds_the_stemmed_index() {
    let st = Study::new();
    let (a, _) = st.interview("q-cqo", "A", "yes", "2022-01-10");
    st.ok(&[
        "transcript",
        "import",
        s(&st.put(
            "a.txt",
            b"Interviewer: Hi.\n\nP: We integrated the boards.\n",
        )),
        "--interview",
        &a,
    ]);
    st.ok(&[
        "observation",
        "log",
        "--type",
        "icb",
        "--site",
        "A",
        "--date",
        "2022-02-01",
        "--notes",
        "The committee integrated its reporting",
    ]);
    {
        // Back to the version 4 schema: no stemmed index (and none of the later tables).
        let c = rusqlite::Connection::open(st.db()).unwrap();
        c.execute_batch(
            "DROP TABLE category_target; DROP TRIGGER session_note_delete; DROP TABLE consent_correction;
             DROP TRIGGER session_note_stem_insert; DROP TRIGGER session_note_stem_update;
             DROP TRIGGER tag_memo_stem_insert; DROP TRIGGER tag_memo_stem_update;
             DROP TRIGGER tag_memo_stem_delete; DROP TABLE turn_stem; DROP TABLE note_stem;
             DROP TABLE allow_class; DROP TABLE name_word;
             DROP INDEX tag_coder; ALTER TABLE tag DROP COLUMN coder;
             ALTER TABLE tag DROP COLUMN device_id; ALTER TABLE session DROP COLUMN device_id;
             ALTER TABLE consent DROP COLUMN device_id;
             ALTER TABLE withdrawal DROP COLUMN device_id;
             ALTER TABLE status_event DROP COLUMN device_id;
             DROP TABLE sync_device; DROP TABLE sync_peer; DROP TABLE sync_outbox;
             DROP TABLE sync_batch; DROP TABLE sync_conflict; DROP TABLE conflict_decision;
             ALTER TABLE audit DROP COLUMN device_id;
             PRAGMA user_version = 4;",
        )
        .unwrap();
    }
    let hits = st.json(&["search", "integrate", "--json"]);
    let kinds: Vec<&str> = hits
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 2, "{hits}");
    assert!(
        kinds.contains(&"transcript") && kinds.contains(&"note"),
        "{hits}"
    );
    let v: i64 = rusqlite::Connection::open(st.db())
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, i64::from(fieldwork::store::SCHEMA_VERSION));
}

#[test]
fn quotes_carry_attribution_and_respect_consent() {
    let st = Study::new();
    let (a, code_a) = st.interview("q-cqo", "D", "yes", "2022-01-10");
    let (b, code_b) = st.interview("la-dph", "D", "no", "2022-01-11");
    let (c, code_c) = st.interview("vcse", "D", "yes", "2022-01-12");
    for (id, file) in [(&a, "a.txt"), (&b, "b.txt"), (&c, "c.txt")] {
        let f = st.put(
            file,
            b"Interviewer: Q?\n\nP: Leadership for quality is everyone's job here.\n",
        );
        st.ok(&["transcript", "import", s(&f), "--interview", id]);
        st.ok(&[
            "passage",
            "add",
            id,
            "Leadership for quality",
            "--quote",
            "Leadership for quality is everyone's job",
        ]);
    }
    st.ok(&[
        "consent",
        "withdraw",
        &code_c,
        "--scope",
        "remove-all-feasible",
        "--date",
        "2022-06-01",
    ]);
    let q = st.json(&["quotes", "--theme", "Leadership for quality", "--json"]);
    let q = q.as_array().unwrap();
    assert_eq!(q.len(), 3);
    let find = |code: &str| q.iter().find(|x| x["participants"][0] == code).unwrap();
    assert_eq!(find(&code_a)["allowed"], true);
    assert_eq!(find(&code_a)["attribution"], format!("ICS D – {code_a}"));
    assert_eq!(find(&code_b)["allowed"], false);
    assert_eq!(
        find(&code_c)["allowed"],
        false,
        "a removal withdrawal takes back quotes"
    );
    let text = st.ok(&["quotes", "--theme", "Leadership for quality"]);
    assert_eq!(text.matches("NOT FOR EXPORT").count(), 2, "{text}");
}

#[test]
fn matrix_counts_passages_and_keeps_summaries() {
    let st = Study::new();
    let (a, code) = st.interview("q-cqo", "A", "yes", "2022-01-10");
    let f = st.put(
        "a.txt",
        b"Interviewer: Q?\n\nP: We measure a lot. We also set priorities.\n",
    );
    st.ok(&["transcript", "import", s(&f), "--interview", &a]);
    st.ok(&[
        "passage",
        "add",
        &a,
        "Measures and metrics",
        "--quote",
        "We measure a lot",
    ]);
    st.ok(&[
        "passage",
        "add",
        &a,
        "Measures and metrics",
        "Strategy and priority setting",
        "--quote",
        "We also set priorities",
    ]);
    st.ok(&[
        "matrix",
        "set",
        &code,
        "Measures and metrics",
        "--phase",
        "1",
        "--summary",
        "Heavy on metrics",
    ]);
    let m = st.json(&["matrix", "show", "--json"]);
    let theme_id = st
        .json(&["theme", "list", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Measures and metrics")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let cell = m["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["theme_id"] == theme_id.as_str())
        .unwrap();
    assert_eq!(cell["passages"], 2);
    assert_eq!(cell["summary"], "Heavy on metrics");
    let passages = st.json(&[
        "matrix",
        "cell",
        &code,
        "Measures and metrics",
        "--phase",
        "1",
        "--json",
    ]);
    assert_eq!(passages.as_array().unwrap().len(), 2);
    // Co-occurrence sees the passage carrying both themes.
    let co = st.json(&["analysis", "cooccurrence", "--json"]);
    assert_eq!(co[0]["passages"], 1);
}

#[test]
fn saturation_verdict_follows_the_stopping_rule() {
    let st = Study::new();
    let mut ids = Vec::new();
    for i in 0..8 {
        let (id, _) = st.interview("q-manager", "B", "yes", &format!("2022-01-{:02}", 10 + i));
        ids.push(id);
    }
    let themes = [
        vec!["Measures and metrics", "Internal oversight"],
        vec!["Analytics capacity", "Internal oversight"],
        vec!["Leadership for quality"],
        vec!["Measures and metrics", "System and place partners"],
        vec!["Measures and metrics"],
        vec!["Internal oversight"],
        vec!["Analytics capacity"],
        vec!["Leadership for quality"],
    ];
    for (id, t) in ids.iter().zip(&themes) {
        let mut args = vec!["tag", "add", id.as_str()];
        args.extend(t.iter().copied());
        st.ok(&args);
    }
    let sat = st.json(&[
        "analysis",
        "saturation",
        "--base",
        "4",
        "--run",
        "2",
        "--threshold",
        "0.05",
        "--json",
    ]);
    let cumulative: Vec<u64> = sat["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["cumulative"].as_u64().unwrap())
        .collect();
    assert_eq!(cumulative, [2, 3, 4, 5, 5, 5, 5, 5]);
    assert_eq!(sat["base_themes"], 5);
    assert_eq!(sat["reached_at"], 6);
    assert!(sat["verdict"]
        .as_str()
        .unwrap()
        .starts_with("Saturation reached at interview 6"));
    let sat = st.json(&[
        "analysis",
        "saturation",
        "--base",
        "2",
        "--run",
        "1",
        "--threshold",
        "0",
        "--json",
    ]);
    assert_eq!(sat["reached_at"], 5, "{sat}");
    let err = st.fails(&["analysis", "saturation", "--threshold", "5"], 2);
    assert!(err.contains("fraction"), "{err}");
}

#[test]
fn import_dir_matches_by_pattern_and_reports_the_rest() {
    let st = Study::new();
    let (a, code_a) = st.interview("q-cqo", "A", "yes", "2022-01-10");
    let (_b, code_b) = st.interview("la-dph", "B", "yes", "2022-01-11");
    let dir = st.root().join("batch");
    st.put(
        &format!("batch/A/{code_a}-interview.txt"),
        b"Interviewer: Q?\n\nP: fine.\n",
    );
    st.put(
        &format!("batch/B/{code_b}-notes.vtt"),
        b"WEBVTT\n\n00:01.000 --> 00:02.000\n<v X>hi</v>\n",
    );
    st.put("batch/unknown-person.txt", b"Interviewer: ?\n");
    st.put("batch/readme.pdf", b"%PDF");
    let dry = st.json(&["transcript", "import-dir", s(&dir), "--dry-run", "--json"]);
    let outcomes: Vec<&str> = dry
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes.iter().filter(|o| **o == "dry-run").count(), 2);
    assert_eq!(outcomes.iter().filter(|o| **o == "unmatched").count(), 1);
    assert_eq!(
        st.json(&["transcript", "list", "--json"])[0]["state"],
        "none",
        "dry run wrote nothing"
    );
    let res = st.json(&[
        "transcript",
        "import-dir",
        s(&dir),
        "--pattern",
        "{site}/{code}*",
        "--json",
    ]);
    assert_eq!(
        res.as_array()
            .unwrap()
            .iter()
            .filter(|r| r["outcome"] == "imported")
            .count(),
        2
    );
    let v = st.json(&["transcript", "show", &a, "--json"]);
    assert_eq!(
        v["transcript"]["path"],
        format!("batch/A/{code_a}-interview.txt")
    );
    // A broken file blocks the whole batch unless told to skip it.
    st.put(&format!("batch/B/{code_b}-broken.vtt"), b"not vtt");
    let err = st.fails(&["transcript", "import-dir", s(&dir)], 2);
    assert!(
        err.contains("broken.vtt") && err.contains("line 1"),
        "{err}"
    );
    let err = st.fails(
        &["transcript", "import-dir", s(&dir), "--pattern", "{nope}"],
        2,
    );
    assert!(err.contains("unknown placeholder"), "{err}");
}

#[test]
fn merge_and_split_move_passage_tags_with_history() {
    let st = Study::new();
    let (a, _) = st.interview("q-cqo", "A", "yes", "2022-01-10");
    let f = st.put("a.txt", b"Interviewer: Q?\n\nP: One. Two. Three.\n");
    st.ok(&["transcript", "import", s(&f), "--interview", &a]);
    let t1 = st
        .ok(&[
            "passage",
            "add",
            &a,
            "Analytics capacity",
            "--quote",
            "One.",
        ])
        .trim()
        .to_string();
    st.ok(&[
        "passage",
        "add",
        &a,
        "Analytics capacity",
        "--quote",
        "Two.",
    ]);
    st.ok(&[
        "passage",
        "add",
        &a,
        "Data collection and analysis",
        "--quote",
        "Three.",
    ]);
    st.ok(&[
        "theme",
        "merge",
        "Data collection and analysis",
        "Analytics capacity",
    ]);
    let p = st.json(&["passage", "list", "--theme", "Analytics capacity", "--json"]);
    assert_eq!(p.as_array().unwrap().len(), 3);
    st.ok(&[
        "theme",
        "split",
        "Analytics capacity",
        "--into",
        "Analyst workforce",
        "--tag",
        &t1,
    ]);
    let p = st.json(&["passage", "list", "--theme", "Analyst workforce", "--json"]);
    assert_eq!(p.as_array().unwrap().len(), 1);
    assert_eq!(p[0]["quote"], "One.");
    let h = st.json(&["theme", "history", "Analytics capacity", "--json"]);
    let actions: Vec<&str> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"merged-from") && actions.contains(&"split"),
        "{actions:?}"
    );
}

#[test]
fn import_dir_tells_two_interviews_of_one_person_apart_by_date() {
    let st = Study::new();
    let (a1, code) = st.interview("q-cqo", "A", "yes", "2022-01-10");
    let a2 = st
        .ok(&[
            "interview",
            "log",
            "--participant",
            &code,
            "--date",
            "2023-02-01",
        ])
        .trim()
        .to_string();
    let dir = st.root().join("d");
    st.put(
        &format!("d/phase-1/A/{code}_2022-01-10.txt"),
        b"Interviewer: first?\n",
    );
    st.put(
        &format!("d/phase-2/A/{code}_2023-02-01.txt"),
        b"Interviewer: second?\n",
    );
    st.put(&format!("d/{code}-undated.txt"), b"Interviewer: which?\n");
    let res = st.json(&["transcript", "import-dir", s(&dir), "--json"]);
    let by_path = |p: &str| {
        res.as_array()
            .unwrap()
            .iter()
            .find(|r| r["path"].as_str().unwrap().ends_with(p))
            .unwrap()
            .clone()
    };
    assert_eq!(by_path("2022-01-10.txt")["session_id"], a1.as_str());
    assert_eq!(by_path("2023-02-01.txt")["session_id"], a2.as_str());
    assert_eq!(by_path("undated.txt")["outcome"], "ambiguous");
}

/// A folder outside the transcripts root: each matched file is copied under the root by the
/// naming pattern (owner-only), then imported; a dry run only says where each would go; a
/// batch refused (a broken file) copies nothing.
#[test]
fn import_dir_from_outside_the_root_copies_the_files_under_it() {
    let st = Study::new();
    let (a, code_a) = st.interview("q-cqo", "A", "yes", "2022-01-10");
    let (b, code_b) = st.interview("la-dph", "B", "yes", "2022-01-11");
    let outside = tempfile::tempdir().unwrap();
    let put = |name: &str, content: &[u8]| {
        let p = outside.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
    };
    put(
        &format!("{code_a}-interview.txt"),
        b"Interviewer: Q?\n\nP: fine.\n",
    );
    put(
        &format!("sub/{code_b}-notes.vtt"),
        b"WEBVTT\n\n00:01.000 --> 00:02.000\n<v X>hi</v>\n",
    );
    let files_under_root = || -> usize {
        fn count(p: &std::path::Path) -> usize {
            std::fs::read_dir(p)
                .map(|d| {
                    d.flatten()
                        .map(|e| {
                            if e.path().is_dir() {
                                count(&e.path())
                            } else {
                                1
                            }
                        })
                        .sum()
                })
                .unwrap_or(0)
        }
        count(&st.root())
    };
    let before = files_under_root();
    let dry = st.json(&[
        "transcript",
        "import-dir",
        s(outside.path()),
        "--dry-run",
        "--json",
    ]);
    let rows = dry.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{dry}");
    for r in rows {
        assert_eq!(r["outcome"], "dry-run", "{r}");
        assert!(
            r["detail"].as_str().unwrap().contains("would be copied"),
            "{r}"
        );
    }
    assert_eq!(files_under_root(), before, "a dry run copies nothing");

    // A broken file refuses the batch: nothing copied, nothing imported.
    put(&format!("{code_b}-broken.vtt"), b"not vtt");
    let err = st.fails(&["transcript", "import-dir", s(outside.path())], 2);
    assert!(err.contains("broken.vtt"), "{err}");
    assert_eq!(files_under_root(), before, "a refused batch copies nothing");
    std::fs::remove_file(outside.path().join(format!("{code_b}-broken.vtt"))).unwrap();

    let res = st.json(&["transcript", "import-dir", s(outside.path()), "--json"]);
    let imported: Vec<&Value> = res
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "imported")
        .collect();
    assert_eq!(imported.len(), 2, "{res}");
    assert!(imported
        .iter()
        .all(|r| r["detail"].as_str().unwrap().contains("copied from")));
    assert_eq!(files_under_root(), before + 2);
    for id in [&a, &b] {
        let v = st.json(&["transcript", "show", id, "--json"]);
        let path = v["transcript"]["path"].as_str().unwrap().to_string();
        let copy = st.root().join(&path);
        assert!(copy.is_file(), "{path}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{path}");
        }
    }
    // The originals stay where they were.
    assert!(outside
        .path()
        .join(format!("{code_a}-interview.txt"))
        .is_file());
}
