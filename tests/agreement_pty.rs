//! End to end: the real binary in a pseudo-terminal walks from the Agreement pane to a
//! disagreeing span and settles it; the database is then checked through the CLI.
//!
//! The wait timeout comes from `FIELDWORK_E2E_TIMEOUT_SECS` (default 20). The test never
//! sleeps a fixed time: it waits until the expected text is on the screen.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, CommandBuilder, PtySize};

const BIN: &str = env!("CARGO_BIN_EXE_fieldwork");

fn timeout() -> Duration {
    let secs = std::env::var("FIELDWORK_E2E_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    Duration::from_secs(secs)
}

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

struct Tui {
    parser: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Tui {
    fn spawn(db: &Path, home: &Path) -> Tui {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 40,
                cols: 140,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(BIN);
        cmd.arg("--db");
        cmd.arg(db);
        cmd.env("HOME", home);
        cmd.env("XDG_CONFIG_HOME", home);
        cmd.env("FIELDWORK_CONFIG", "");
        cmd.env_remove("FIELDWORK_CODER");
        cmd.env("TERM", "xterm-256color");
        cmd.cwd(home);
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            NonZeroU16::new(40).unwrap(),
            NonZeroU16::new(140).unwrap(),
            0,
        )));
        let p = parser.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => p.lock().unwrap().process(&buf[..n]),
                }
            }
        });
        Tui {
            parser,
            writer,
            child,
            _master: pair.master,
        }
    }

    fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Wait until `text` is on the screen; returns the screen.
    fn wait(&self, text: &str) -> String {
        let end = Instant::now() + timeout();
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            if Instant::now() > end {
                panic!("timed out waiting for {text:?}; screen:\n{s}");
            }
            std::thread::yield_now();
            std::thread::park_timeout(Duration::from_millis(10));
        }
    }

    fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }
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

    let mut t = Tui::spawn(&db, home);
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
    let end = Instant::now() + timeout();
    while t.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < end, "the interface did not quit");
        std::thread::park_timeout(Duration::from_millis(10));
    }

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
