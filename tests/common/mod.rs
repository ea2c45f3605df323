//! Helpers for the command-line integration tests: every test runs the real binary in its
//! own temporary folder, with its own database, and no configuration from the environment.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_fieldwork");

/// A temporary study folder: `DIR/study.db`, transcripts under `DIR/transcripts`.
pub struct Study {
    pub dir: tempfile::TempDir,
}

impl Study {
    /// An empty folder (no database yet).
    pub fn empty() -> Study {
        Study {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A folder with a database created by `init` from the built-in study.
    pub fn new() -> Study {
        let s = Study::empty();
        s.ok(&["init"]);
        s
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn db(&self) -> PathBuf {
        self.path().join("study.db")
    }

    pub fn transcripts(&self) -> PathBuf {
        self.path().join("transcripts")
    }

    /// The binary with a clean environment, run in the study folder.
    pub fn command(&self) -> Command {
        let mut c = Command::new(BIN);
        let home = self.path();
        c.current_dir(home)
            .env_remove("FIELDWORK_DB")
            .env_remove("FIELDWORK_CONFIG")
            .env_remove("FIELDWORK_CODER")
            .env_remove("FIELDWORK_SYNC_PASSPHRASE")
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("XDG_STATE_HOME", home.join(".local/state"))
            .env("USER", "tester")
            .env_remove("USERNAME")
            .env("NO_COLOR", "1");
        c
    }

    /// Run `fieldwork --db DIR/study.db ARGS…`.
    pub fn fw(&self, args: &[&str]) -> Output {
        self.fw_db(&self.db(), args)
    }

    /// Run the binary against another database file.
    pub fn fw_db(&self, db: &Path, args: &[&str]) -> Output {
        let mut c = self.command();
        c.arg("--db").arg(db).args(args);
        c.output().expect("run fieldwork")
    }

    /// Run with no `--db` (for configuration lookups).
    pub fn fw_raw(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("run fieldwork")
    }

    /// Run and expect exit 0; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.fw(args);
        expect_code(&out, 0, args);
        stdout(&out)
    }

    /// Run and expect exit 0 and JSON on stdout.
    pub fn json(&self, args: &[&str]) -> Value {
        let text = self.ok(args);
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{args:?}: stdout is not JSON ({e}):\n{text}"))
    }

    /// Run and expect `code`; returns stderr.
    pub fn fails(&self, code: i32, args: &[&str]) -> String {
        let out = self.fw(args);
        expect_code(&out, code, args);
        stderr(&out)
    }

    /// Add a participant; returns its export code.
    pub fn add(&self, name: &str, role: &str, site: &str) -> String {
        let out = self.ok(&[
            "participant",
            "add",
            "--name",
            name,
            "--role",
            role,
            "--site",
            site,
        ]);
        out.trim().to_string()
    }

    /// The participant as `participant show --json` gives it.
    pub fn show(&self, key: &str) -> Value {
        self.json(&["participant", "show", key, "--json"])
    }

    /// Consent to take part and to audio recording, dated `date`.
    pub fn consent(&self, code: &str, date: &str) {
        self.ok(&[
            "consent",
            "record",
            code,
            "--date",
            date,
            "--take-part",
            "yes",
            "--audio",
            "yes",
        ]);
    }

    /// A participant with consent on 2021-10-01, ready to interview in either phase.
    pub fn consented(&self, name: &str, role: &str, site: &str) -> String {
        let code = self.add(name, role, site);
        self.consent(&code, "2021-10-01");
        code
    }

    /// Log a completed interview; returns the session id.
    pub fn interview(&self, code: &str, date: &str) -> String {
        self.ok(&["interview", "log", "--participant", code, "--date", date])
            .trim()
            .to_string()
    }

    /// Schedule an interview; returns the session id.
    pub fn schedule(&self, code: &str, date: &str) -> String {
        self.ok(&[
            "interview",
            "log",
            "--participant",
            code,
            "--date",
            date,
            "--status",
            "scheduled",
        ])
        .trim()
        .to_string()
    }

    pub fn participants(&self) -> Vec<Value> {
        as_array(self.json(&["participant", "list", "--json"]))
    }

    pub fn interviews(&self) -> Vec<Value> {
        as_array(self.json(&["interview", "list", "--json"]))
    }

    pub fn audit(&self) -> Vec<Value> {
        as_array(self.json(&["audit", "--json", "--limit", "100000"]))
    }

    /// The database as the command line shows it (participants, interviews, the audit
    /// log) and, for everything else, every row of every table read directly.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            participants: self.json(&["participant", "list", "--json"]),
            interviews: self.json(&["interview", "list", "--json"]),
            audit: self.json(&["audit", "--json", "--limit", "100000"]),
            dump: dump(&self.db()),
        }
    }

    /// Write a file under the study folder; returns its path.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path().join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(&p, contents).unwrap();
        p
    }
}

/// Everything the database holds, as seen by the CLI and by SQLite directly.
#[derive(Debug, PartialEq)]
pub struct Snapshot {
    pub participants: Value,
    pub interviews: Value,
    pub audit: Value,
    pub dump: String,
}

/// Every row of every table, in a stable order (read-only connection).
pub fn dump(db: &Path) -> String {
    use rusqlite::types::ValueRef;
    use rusqlite::{Connection, OpenFlags};
    let c = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open db");
    let mut out = String::new();
    let tables: Vec<String> = {
        let mut s = c
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_stat%' ORDER BY name")
            .unwrap();
        s.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    for t in tables {
        out.push_str(&format!("== {t}\n"));
        let mut s = c.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = s.column_count();
        let mut rows: Vec<String> = s
            .query_map([], |r| {
                let mut line = String::new();
                for i in 0..n {
                    let v = match r.get_ref(i)? {
                        ValueRef::Null => "NULL".to_string(),
                        ValueRef::Integer(x) => x.to_string(),
                        ValueRef::Real(x) => x.to_string(),
                        ValueRef::Text(x) => format!("{:?}", String::from_utf8_lossy(x)),
                        ValueRef::Blob(x) => format!("{x:?}"),
                    };
                    line.push_str(&v);
                    line.push('|');
                }
                Ok(line)
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        rows.sort();
        for r in rows {
            out.push_str(&r);
            out.push('\n');
        }
    }
    let uv: i64 = c
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    out.push_str(&format!("user_version {uv}\n"));
    out
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn expect_code(out: &Output, code: i32, args: &[&str]) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "fieldwork {args:?}: expected exit {code}\n--- stdout\n{}\n--- stderr\n{}",
        stdout(out),
        stderr(out)
    );
}

pub fn as_array(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        other => panic!("expected a JSON array, got {other}"),
    }
}

/// A string field of a JSON object.
pub fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("no string `{key}` in {v}"))
}

/// Hex SHA-256 of a file.
pub fn sha256_hex(p: &Path) -> String {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(p).unwrap();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The Crockford base32 alphabet export codes are drawn from.
pub const CROCKFORD: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

pub fn is_export_code(c: &str) -> bool {
    c.len() == 5 && c.starts_with('P') && c[1..].chars().all(|ch| CROCKFORD.contains(ch))
}

/// Assert that `haystack` contains every needle.
#[track_caller]
pub fn assert_has(haystack: &str, needles: &[&str]) {
    for n in needles {
        assert!(haystack.contains(n), "expected `{n}` in:\n{haystack}");
    }
}
