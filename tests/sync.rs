//! Team sync on the real binary: three laptops (temporary folders) start from one snapshot,
//! make interleaved offline edits of every kind, exchange bundles in different orders and
//! replay them, and end with the same data except the conflicts, each listed with both
//! sides; resolving one closes it everywhere. Refused bundles (truncated, wrong key, newer
//! schema, a gap, a missing dependency) change nothing. Bundles are sealed to an age key
//! (recipients mode: scrypt passphrases cost seconds in a debug build) except where the
//! passphrase mode itself is tested.

mod pty;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fieldwork::service::sync::{write_bundle, BundleInfo, BundleKind, Seal};
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_fieldwork");

/// The team's key pair, shared by the three laptops of a test.
struct Team {
    dir: tempfile::TempDir,
    public: String,
}

impl Team {
    fn new() -> Team {
        let dir = tempfile::tempdir().unwrap();
        let public =
            fieldwork::sync::bundle::generate_identity(&dir.path().join("team.key")).unwrap();
        Team { dir, public }
    }

    fn laptop(&self, person: &str) -> Laptop {
        Laptop::new(person, &self.public, &self.dir.path().join("team.key"))
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// One laptop: its own folder, database, configuration (the team's key) and person.
struct Laptop {
    dir: tempfile::TempDir,
    person: String,
}

impl Laptop {
    fn new(person: &str, public: &str, identity: &Path) -> Laptop {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("fieldwork.toml"),
            format!(
                "[sync]\nrecipients = [\"{public}\"]\nidentity = \"{}\"\n",
                identity.display()
            ),
        )
        .unwrap();
        Laptop {
            dir,
            person: person.into(),
        }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("study.db")
    }

    fn command(&self) -> Command {
        let home = self.dir.path();
        let mut c = Command::new(BIN);
        c.current_dir(home)
            .arg("--db")
            .arg(self.db())
            .env_remove("FIELDWORK_DB")
            .env_remove("FIELDWORK_CONFIG")
            .env_remove("FIELDWORK_SYNC_PASSPHRASE")
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("USER", &self.person)
            .env("NO_COLOR", "1");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "{} {args:?} failed ({:?}):\n{}",
            self.person,
            o.status.code(),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }

    /// Run, expect `code`; returns stderr.
    fn fails(&self, args: &[&str], code: i32) -> String {
        let o = self.run(args);
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
        err
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    fn export(&self, team: &Team, name: &str) -> PathBuf {
        let f = team.file(name);
        self.ok(&["sync", "export", "--out", f.to_str().unwrap()]);
        f
    }

    fn import(&self, files: &[&Path]) -> String {
        let mut args = vec!["sync", "import"];
        args.extend(files.iter().map(|f| f.to_str().unwrap()));
        let o = self.run(&args);
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert!(
            o.status.success(),
            "{} import {files:?}: {err}",
            self.person
        );
        err
    }

    fn open_conflicts(&self) -> Vec<Value> {
        self.json(&["sync", "conflicts", "--json"])
            .as_array()
            .unwrap()
            .clone()
    }

    fn dump(&self) -> Vec<String> {
        dump(&self.db())
    }
}

/// Every row of every synced table, in a stable order, as text. Left out: the sync
/// bookkeeping (sync_*), meta, the search indexes (rebuilt on each laptop), a turn's local
/// search key (`turn.n`, numbered per laptop) and each laptop's own record of its imports
/// (audit entries about `sync_batch`, which are not sent).
fn dump(db: &Path) -> Vec<String> {
    let c = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut tables: Vec<String> = c
        .prepare("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .filter(|t: &String| t != "meta" && !t.starts_with("sqlite_") && !t.starts_with("sync_"))
        .collect();
    tables.sort();
    let mut out = Vec::new();
    for t in tables {
        let cols: Vec<String> = c
            .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")
            .unwrap()
            .query_map([&t], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .filter(|col: &String| !(t == "turn" && col == "n"))
            .collect();
        let list = cols
            .iter()
            .map(|c| format!("quote(\"{c}\")"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let filter = if t == "audit" {
            " WHERE entity != 'sync_batch'"
        } else {
            ""
        };
        let mut rows: Vec<String> = c
            .prepare(&format!("SELECT {list} FROM \"{t}\"{filter}"))
            .unwrap()
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|r| format!("{t}: {}", r.unwrap()))
            .collect();
        rows.sort();
        out.extend(rows);
    }
    out
}

fn diff(a: &[String], b: &[String]) -> Vec<String> {
    let sa: std::collections::BTreeSet<_> = a.iter().collect();
    let sb: std::collections::BTreeSet<_> = b.iter().collect();
    sa.symmetric_difference(&sb)
        .map(|s| s.to_string())
        .collect()
}

fn scalar(db: &Path, sql: &str) -> String {
    let c = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    c.query_row(sql, [], |r| r.get::<_, rusqlite::types::Value>(0))
        .map(|v| format!("{v:?}"))
        .unwrap()
}

/// A study started on Alice's laptop; Bob's and Chen's start from its snapshot.
fn three(team: &Team) -> (Laptop, Laptop, Laptop) {
    let a = team.laptop("alice");
    let b = team.laptop("bob");
    let c = team.laptop("chen");
    a.ok(&["init"]);
    let snap = team.file("start.fwsnap");
    a.ok(&[
        "sync",
        "export",
        "--snapshot",
        "--out",
        snap.to_str().unwrap(),
    ]);
    b.ok(&["init", "--from", snap.to_str().unwrap()]);
    c.ok(&["init", "--from", snap.to_str().unwrap()]);
    (a, b, c)
}

fn add_participant(l: &Laptop, name: &str, site: &str) -> String {
    l.ok(&[
        "participant",
        "add",
        "--name",
        name,
        "--role",
        "ics-ceo",
        "--site",
        site,
    ])
}

#[test]
fn three_laptops_converge_except_conflicts_which_resolve_everywhere() {
    let team = Team::new();
    let (a, b, c) = three(&team);
    let ids: Vec<String> = [&a, &b, &c]
        .iter()
        .map(|l| {
            l.json(&["sync", "status", "--json"])["device"]["device_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        ids.iter().collect::<std::collections::BTreeSet<_>>().len(),
        3,
        "each laptop has its own device id: {ids:?}"
    );

    // Round 0 on Alice's laptop, sent to both others: a consented interviewee.
    let p = add_participant(&a, "Ada Quillfeather", "A");
    a.ok(&[
        "consent",
        "record",
        &p,
        "--date",
        "2022-01-05",
        "--take-part",
        "yes",
        "--audio",
        "yes",
        "--quotes",
        "yes",
        "--archiving",
        "no",
        "--follow-up",
        "yes",
    ]);
    let s1 = a.ok(&[
        "interview",
        "log",
        "--participant",
        &p,
        "--date",
        "2022-01-10",
        "--duration",
        "55",
    ]);
    let a0 = a.export(&team, "a0.fw");
    b.import(&[&a0]);
    c.import(&[&a0]);

    // Interleaved offline edits of every kind.
    // Alice: a field of P, a new participant with consent, a theme, a matrix summary.
    a.ok(&["participant", "edit", &p, "--email", "ada@example.org"]);
    a.ok(&["participant", "edit", &p, "--organisation", "Northvale ICB"]);
    let q = add_participant(&a, "Brin Tallow", "B");
    a.ok(&[
        "consent",
        "record",
        &q,
        "--date",
        "2022-02-01",
        "--take-part",
        "yes",
        "--audio",
        "no",
        "--quotes",
        "no",
        "--archiving",
        "no",
        "--follow-up",
        "no",
    ]);
    a.ok(&["theme", "add", "Trust", "--framework", "QMS"]);
    a.ok(&[
        "matrix",
        "set",
        &p,
        "Trust",
        "--phase",
        "1",
        "--summary",
        "Trust built slowly",
    ]);
    // Bob: another field of P (merges), a transcript and a passage, a second interview,
    // a consent record of his own for P (consent records never conflict).
    b.ok(&["participant", "edit", &p, "--phone", "0100 555 0101"]);
    std::fs::create_dir_all(b.dir.path().join("transcripts")).unwrap();
    let t = b.dir.path().join("transcripts/ada.txt");
    std::fs::write(
        &t,
        "Interviewer: How do you plan quality?\n\nAda: We track forty indicators every month.\n",
    )
    .unwrap();
    b.ok(&[
        "transcript",
        "import",
        "--interview",
        &s1,
        t.to_str().unwrap(),
    ]);
    b.ok(&["theme", "add", "Measurement", "--framework", "QMS"]);
    b.ok(&[
        "passage",
        "add",
        &s1,
        "Measurement",
        "--quote",
        "forty indicators",
        "--memo",
        "counts",
    ]);
    b.ok(&[
        "interview",
        "log",
        "--participant",
        &p,
        "--date",
        "2022-03-01",
        "--duration",
        "40",
    ]);
    b.ok(&[
        "consent",
        "record",
        &p,
        "--date",
        "2022-03-01",
        "--take-part",
        "yes",
        "--audio",
        "yes",
        "--quotes",
        "no",
        "--archiving",
        "no",
        "--follow-up",
        "yes",
    ]);
    // Chen: notes of P (merges) and the same field Alice changed: a conflict.
    c.ok(&["participant", "edit", &p, "--notes", "prefers mornings"]);
    c.ok(&["participant", "edit", &p, "--email", "ada.q@example.org"]);
    c.ok(&[
        "participant",
        "status",
        &p,
        "invited",
        "--date",
        "2022-01-03",
    ]);

    let a1 = a.export(&team, "a1.fw");
    let b1 = b.export(&team, "b1.fw");
    let c1 = c.export(&team, "c1.fw");

    // Exchanged in different orders: several at once, one by one, reversed.
    a.import(&[&c1, &b1]);
    b.import(&[&a1]);
    b.import(&[&c1]);
    c.import(&[&b1, &a1]);
    // Replayed: nothing changes.
    let before = b.dump();
    let again = b.import(&[&a1, &c1, &b1]);
    assert!(again.contains("nothing new"), "{again}");
    assert_eq!(
        b.dump(),
        before,
        "importing the same bundles twice changes nothing"
    );

    // Field-level merge: phone (Bob), notes (Chen), organisation (Alice) all arrived.
    for l in [&a, &b, &c] {
        let show = l.json(&["participant", "show", &p, "--json"]);
        let text = show.to_string();
        for want in ["0100 555 0101", "prefers mornings", "Northvale ICB"] {
            assert!(
                text.contains(want),
                "{}: {want} missing in {text}",
                l.person
            );
        }
        // Both consent records are there (immutable; never a conflict).
        let n = scalar(&l.db(), "SELECT count(*) FROM consent");
        assert_eq!(n, "Integer(3)", "{}", l.person);
        // The search index knows the transcript that came from Bob.
        assert!(l.ok(&["search", "forty"]).contains("forty"), "{}", l.person);
    }

    // The same field on two laptops: one conflict on each laptop, both sides listed.
    for l in [&a, &b, &c] {
        let open = l.open_conflicts();
        assert_eq!(open.len(), 1, "{}: {open:#?}", l.person);
        let x = &open[0];
        assert_eq!(x["table"], "participant");
        assert_eq!(x["kind"], "DATA");
        assert_eq!(x["columns"], serde_json::json!(["email"]));
        let both = format!("{} {}", x["local"]["email"], x["incoming"]["new"]["email"]);
        assert!(
            both.contains("ada@example.org") && both.contains("ada.q@example.org"),
            "{}: {both}",
            l.person
        );
    }
    // Equal except the conflicting field: Alice and Bob kept Alice's (Bob applied it
    // first), Chen his own.
    let (da, db_, dc) = (a.dump(), b.dump(), c.dump());
    assert_eq!(diff(&da, &db_), Vec::<String>::new(), "alice vs bob");
    let d = diff(&da, &dc);
    assert!(
        !d.is_empty() && d.iter().all(|r| r.starts_with("participant: ")),
        "{d:#?}"
    );

    // Chen resolves (theirs: Alice's address); his bundle closes the others' conflicts.
    let id = c.open_conflicts()[0]["id"].as_str().unwrap().to_string();
    c.ok(&["sync", "resolve", &id[..8], "--keep", "theirs"]);
    assert!(c.open_conflicts().is_empty());
    let c2 = c.export(&team, "c2.fw");
    a.import(&[&c2]);
    b.import(&[&c2]);
    for l in [&a, &b, &c] {
        assert!(
            l.open_conflicts().is_empty(),
            "{}: {:#?}",
            l.person,
            l.open_conflicts()
        );
        let all = l.json(&["sync", "conflicts", "--all", "--json"]);
        assert_eq!(all.as_array().unwrap().len(), 1, "{}", l.person);
        assert_eq!(all[0]["status"], "resolved");
    }
    let (da, db_, dc) = (a.dump(), b.dump(), c.dump());
    assert_eq!(
        diff(&da, &db_),
        Vec::<String>::new(),
        "alice vs bob after resolve"
    );
    assert_eq!(
        diff(&da, &dc),
        Vec::<String>::new(),
        "alice vs chen after resolve"
    );
    assert!(da.iter().any(|r| r.contains("ada@example.org")));
    // The resolution is in the audit log, with who and on which laptop.
    let audit = a.ok(&["audit", "--json"]);
    assert!(
        audit.contains("sync_conflict") && audit.contains("resolve"),
        "{audit}"
    );

    // Who did what: the interview Bob logged carries his laptop's device id everywhere.
    let bob = &ids[1];
    for l in [&a, &c] {
        let n = scalar(
            &l.db(),
            &format!("SELECT count(*) FROM session WHERE device_id = '{bob}'"),
        );
        assert_eq!(n, "Integer(1)", "{}", l.person);
    }
    // The audit log says on which laptop each entry was made (Bob's came with his bundle).
    let audit = a.json(&["audit", "--json", "--limit", "1000"]);
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["device_id"] == bob.as_str() && e["by"] == "bob"),
        "{audit}"
    );
    // Status names the peers and what each has seen.
    let st = a.json(&["sync", "status", "--json"]);
    let peers = st["peers"].as_array().unwrap();
    assert!(
        peers
            .iter()
            .any(|p| p["person"] == "bob" && p["last_seq"].as_i64() > Some(0)),
        "{st}"
    );
    assert!(peers.iter().any(|p| p["person"] == "chen"), "{st}");
}

#[test]
fn refused_bundles_change_nothing() {
    let team = Team::new();
    let (a, b, _c) = three(&team);
    add_participant(&a, "Cato Brennan", "A");
    let a1 = a.export(&team, "a1.fw");
    add_participant(&a, "Dara Ellory", "C");
    let a2 = a.export(&team, "a2.fw");
    let before = b.dump();

    // A gap: the second bundle without the first.
    let err = b.fails(&["sync", "import", a2.to_str().unwrap()], 2);
    assert!(
        err.contains("missing bundle from alice") && err.contains("changes 2–2"),
        "{err}"
    );
    assert!(err.contains("a2.fw"), "names the file: {err}");
    assert_eq!(b.dump(), before);

    // Truncated.
    let bytes = std::fs::read(&a1).unwrap();
    let cut = team.file("cut.fw");
    std::fs::write(&cut, &bytes[..bytes.len() - 40]).unwrap();
    let err = b.fails(&["sync", "import", cut.to_str().unwrap()], 2);
    assert!(err.contains("cut.fw") && err.contains("truncated"), "{err}");
    assert_eq!(b.dump(), before);

    // A wrong key: a laptop of another team.
    let other = Team::new();
    let stranger = other.laptop("eve");
    stranger.ok(&["init"]);
    let err = stranger.fails(&["sync", "import", a1.to_str().unwrap()], 2);
    assert!(err.contains("no matching identity"), "{err}");

    // A bundle from a newer schema.
    let newer = team.file("newer.fw");
    let info = BundleInfo {
        kind: BundleKind::Changes,
        device_id: "0f0e0d0c-0000-4000-8000-000000000001".into(),
        device_name: "future".into(),
        first_seq: 1,
        last_seq: 1,
        schema_version: fieldwork::store::SCHEMA_VERSION + 1,
        created_at: "2030-01-01T00:00:00Z".into(),
        extra: serde_json::json!({}),
    };
    write_bundle(
        &newer,
        &info,
        b"",
        &Seal::Recipients(vec![team.public.clone()]),
    )
    .unwrap();
    let err = b.fails(&["sync", "import", newer.to_str().unwrap()], 2);
    assert!(
        err.contains("newer fieldwork") && err.contains("newer.fw"),
        "{err}"
    );
    assert_eq!(b.dump(), before);

    // Both in one command, in the wrong order: sorted, applied.
    b.import(&[&a2, &a1]);
    // Bob's own first change (the audit entry of his `init --from`) travels to Alice.
    let b1 = b.export(&team, "b1.fw");
    a.import(&[&b1]);
    assert_eq!(diff(&a.dump(), &b.dump()), Vec::<String>::new());
}

#[test]
fn a_change_that_builds_on_another_laptops_waits_for_it() {
    let team = Team::new();
    let (a, b, c) = three(&team);
    let p = add_participant(&a, "Fenn Lowry", "B");
    let a1 = a.export(&team, "a1.fw");
    b.import(&[&a1]);
    // Bob edits the participant Alice created: his change needs hers first.
    b.ok(&[
        "participant",
        "edit",
        &p,
        "--job-title",
        "Director of Nursing",
    ]);
    let b1 = b.export(&team, "b1.fw");
    let before = c.dump();
    let err = c.fails(&["sync", "import", b1.to_str().unwrap()], 2);
    assert!(
        err.contains("first import the bundle from alice") && err.contains("changes 2–2"),
        "{err}"
    );
    assert_eq!(c.dump(), before);
    c.import(&[&b1, &a1]);
    assert!(c
        .ok(&["participant", "show", &p])
        .contains("Director of Nursing"));
}

#[test]
fn revert_undoes_an_import_unless_later_changes_depend_on_it() {
    let team = Team::new();
    let (a, b, _c) = three(&team);
    let p = add_participant(&a, "Gale Morrow", "A");
    let a1 = a.export(&team, "a1.fw");
    b.import(&[&a1]);
    a.ok(&[
        "participant",
        "edit",
        &p,
        "--organisation",
        "Eastmoor Trust",
    ]);
    let a2 = a.export(&team, "a2.fw");
    b.import(&[&a2]);
    let batch = |l: &Laptop| -> String {
        let st = l.json(&["sync", "status", "--json"]);
        st["batches"].as_array().unwrap().last().unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let id = batch(&b);
    // A later local change to the same record: refused, and it says which.
    b.ok(&[
        "participant",
        "edit",
        &p,
        "--organisation",
        "Westmoor Trust",
    ]);
    let before = b.dump();
    let err = b.fails(&["sync", "revert", &id[..8]], 2);
    assert!(
        err.contains("participant") && err.contains("this laptop (change"),
        "{err}"
    );
    assert_eq!(b.dump(), before);
    // Put back the value, then the revert goes through and is sent like any change.
    b.ok(&[
        "participant",
        "edit",
        &p,
        "--organisation",
        "Eastmoor Trust",
    ]);
    b.ok(&["sync", "revert", &id[..8]]);
    let show = b.ok(&["participant", "show", &p]);
    assert!(!show.contains("Eastmoor"), "{show}");
    let b1 = b.export(&team, "b1.fw");
    a.import(&[&b1]);
    assert!(!a.ok(&["participant", "show", &p]).contains("Eastmoor"));
}

#[test]
fn init_from_refuses_an_existing_database_and_bundles_hold_no_plaintext() {
    let team = Team::new();
    let a = team.laptop("alice");
    a.ok(&["init"]);
    add_participant(&a, "Hollis Varga", "A");
    let snap = team.file("s.fwsnap");
    a.ok(&[
        "sync",
        "export",
        "--snapshot",
        "--out",
        snap.to_str().unwrap(),
    ]);
    let a1 = a.export(&team, "a1.fw");
    for f in [&snap, &a1] {
        let bytes = std::fs::read(f).unwrap();
        for needle in [&b"Hollis"[..], b"Varga", b"SQLite format", b"participant"] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "{} holds {:?} in plain text",
                f.display(),
                String::from_utf8_lossy(needle)
            );
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", f.display());
        }
    }
    let err = a.fails(&["init", "--from", snap.to_str().unwrap()], 2);
    assert!(err.contains("already exists"), "{err}");
    // A change bundle is not a snapshot.
    let b = team.laptop("bob");
    let err = b.fails(&["init", "--from", a1.to_str().unwrap()], 2);
    assert!(err.contains("not a snapshot"), "{err}");
    assert!(!b.db().exists());
    // Nothing new: no file.
    let out = team.file("empty.fw");
    a.ok(&["sync", "export", "--out", out.to_str().unwrap()]);
    assert!(!out.exists());
    // A passphrase that does not open the bundle.
    let p = team.laptop("pat");
    std::fs::remove_file(p.dir.path().join("fieldwork.toml")).unwrap();
    let sealed = team.file("pass.fwsnap");
    let o = a
        .command()
        .args([
            "--config",
            "/dev/null",
            "sync",
            "export",
            "--snapshot",
            "--out",
        ])
        .arg(&sealed)
        .env("FIELDWORK_SYNC_PASSPHRASE", "correct horse")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = p
        .command()
        .args(["init", "--from"])
        .arg(&sealed)
        .env("FIELDWORK_SYNC_PASSPHRASE", "wrong horse")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("wrong passphrase"));
    assert!(!p.db().exists());
}

/// The real binary's interface in a pseudo-terminal, on this laptop's database.
fn tui(l: &Laptop) -> pty::Tui {
    let home = l.dir.path();
    pty::Builder::new()
        .db(&l.db())
        .home(home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("USER", &l.person)
        .env_remove("FIELDWORK_CONFIG")
        .env_remove("FIELDWORK_DB")
        .spawn()
}

#[test]
fn a_conflict_is_resolved_in_the_interface() {
    let team = Team::new();
    let (a, _b, c) = three(&team);
    let p = add_participant(&a, "Ivo Marsh", "A");
    let a1 = a.export(&team, "a1.fw");
    c.import(&[&a1]);
    a.ok(&["participant", "edit", &p, "--job-title", "Chief Nurse"]);
    c.ok(&[
        "participant",
        "edit",
        &p,
        "--job-title",
        "Deputy Chief Nurse",
    ]);
    let c1 = c.export(&team, "c1.fw");
    a.import(&[&c1]);
    assert_eq!(a.open_conflicts().len(), 1);

    let mut tui = tui(&a);
    tui.wait("Participants");
    tui.send("Y");
    tui.wait_all(&["Sync conflicts (1 open)", "job_title"]);
    tui.send("\r");
    let s = tui.wait_all(&["mine (this laptop)", "Chief Nurse", "Deputy Chief Nurse"]);
    assert!(s.contains("theirs"), "{s}");
    tui.send("t");
    tui.wait_all(&["Keep theirs for conflict"]);
    tui.send("y");
    tui.wait_all(&["Sync conflicts (0 open)", "resolved"]);
    tui.send("\x1b");
    tui.wait_gone("Sync conflicts");
    tui.send("q");
    tui.wait_exit();

    // Through the service: closed, the other laptop's value, an audit entry.
    assert!(a.open_conflicts().is_empty());
    let show = a.json(&["participant", "show", &p, "--json"]).to_string();
    assert!(show.contains("Deputy Chief Nurse"), "{show}");
    let audit = a.ok(&["audit", "--json"]);
    assert!(
        audit.contains("sync_conflict") && audit.contains("theirs"),
        "{audit}"
    );
}

#[test]
fn a_record_deleted_on_one_laptop_and_edited_on_another_is_kept_on_both() {
    let team = Team::new();
    let (a, b, _c) = three(&team);
    let p = add_participant(&a, "Juno Perrin", "A");
    a.ok(&["theme", "add", "Trust", "--framework", "QMS"]);
    a.ok(&[
        "matrix",
        "set",
        &p,
        "Trust",
        "--phase",
        "1",
        "--summary",
        "First reading",
    ]);
    let a1 = a.export(&team, "a1.fw");
    b.import(&[&a1]);
    // Alice clears the summary (the row is deleted); Bob rewrites it.
    a.ok(&[
        "matrix",
        "set",
        &p,
        "Trust",
        "--phase",
        "1",
        "--summary",
        "",
    ]);
    b.ok(&[
        "matrix",
        "set",
        &p,
        "Trust",
        "--phase",
        "1",
        "--summary",
        "Second reading",
    ]);
    let a2 = a.export(&team, "a2.fw");
    let b1 = b.export(&team, "b1.fw");
    a.import(&[&b1]);
    b.import(&[&a2]);
    // Alice: Bob's edit of a row she deleted (NOTFOUND); Bob: Alice's delete of a row he
    // changed (DATA). Neither side is lost.
    let xa = a.open_conflicts();
    assert_eq!(xa.len(), 1, "{xa:#?}");
    assert_eq!(xa[0]["kind"], "NOTFOUND");
    assert_eq!(xa[0]["table"], "matrix_summary");
    assert_eq!(xa[0]["incoming"]["new"]["summary"], "Second reading");
    let xb = b.open_conflicts();
    assert_eq!(xb.len(), 1, "{xb:#?}");
    assert_eq!(xb[0]["kind"], "DATA");
    assert_eq!(xb[0]["op"], "delete");
    assert_eq!(xb[0]["local"]["summary"], "Second reading");
    let summary = |l: &Laptop| {
        scalar(
            &l.db(),
            "SELECT coalesce(group_concat(summary), '') FROM matrix_summary",
        )
    };
    assert_eq!(summary(&a), "Text(\"\")");
    assert_eq!(summary(&b), "Text(\"Second reading\")");
    // Bob accepts the delete: the row goes, and his choice reaches Alice.
    let id = xb[0]["id"].as_str().unwrap().to_string();
    let err = b.fails(&["sync", "resolve", &id, "--keep", "both"], 2);
    assert!(
        err.contains("choose mine (keep the record) or theirs"),
        "{err}"
    );
    b.ok(&["sync", "resolve", &id, "--keep", "theirs"]);
    assert_eq!(summary(&b), "Text(\"\")");
    assert!(b.open_conflicts().is_empty());
}

#[test]
fn the_same_export_code_on_two_laptops_is_a_conflict_and_both_can_be_kept() {
    let team = Team::new();
    let (a, b, _c) = three(&team);
    let x = add_participant(&a, "Kit Aldane", "A");
    let q = add_participant(&b, "Lior Fenwick", "B");
    // Make Bob's participant draw the same export code as Alice's (a 1 in 33 million
    // chance with random codes), through the store so the change is captured as usual.
    {
        let cfg = fieldwork::config::parse(fieldwork::config::DEFAULT_STUDY, "t").unwrap();
        let settings = fieldwork::service::Settings {
            user: "bob".into(),
            transcripts_root: b.dir.path().join("transcripts"),
            consent_policy: cfg.rules.interview_without_consent,
        };
        let fw = fieldwork::service::Fieldwork::open(&b.db(), settings).unwrap();
        let w = fw.store.write().unwrap();
        w.execute("UPDATE participant SET code = ?1 WHERE code = ?2", [&x, &q])
            .unwrap();
        w.commit().unwrap();
    }
    let a1 = a.export(&team, "a1.fw");
    let b1 = b.export(&team, "b1.fw");
    a.import(&[&b1]);
    b.import(&[&a1]);
    for (l, mine, theirs) in [
        (&a, "Kit Aldane", "Lior Fenwick"),
        (&b, "Lior Fenwick", "Kit Aldane"),
    ] {
        let all = l.open_conflicts();
        // The clash itself, and the records of the other participant that could not be
        // attached without it (its status event), kept whole.
        let open: Vec<&Value> = all.iter().filter(|x| x["kind"] == "CONSTRAINT").collect();
        assert_eq!(open.len(), 1, "{}: {all:#?}", l.person);
        assert!(
            all.iter().any(|x| x["kind"] == "FOREIGN_KEY"
                && x["table"] == "status_event"
                && x["incoming"]["new"]["participant_id"] == open[0]["incoming"]["new"]["id"]),
            "{}: {all:#?}",
            l.person
        );
        assert_eq!(open[0]["columns"], serde_json::json!(["code"]));
        assert_eq!(open[0]["local"]["name"], mine, "{}", l.person);
        assert_eq!(open[0]["incoming"]["new"]["name"], theirs, "{}", l.person);
    }
    // Alice keeps both: Bob's participant is added under a fresh code.
    let id = a
        .open_conflicts()
        .iter()
        .find(|x| x["kind"] == "CONSTRAINT")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let err = a.fails(&["sync", "resolve", &id, "--keep", "theirs"], 2);
    assert!(err.contains("choose mine or both"), "{err}");
    a.ok(&["sync", "resolve", &id, "--keep", "both"]);
    let list = a.json(&["participant", "list", "--json"]).to_string();
    assert!(
        list.contains("Kit Aldane") && list.contains("Lior Fenwick"),
        "{list}"
    );
    assert!(a.open_conflicts().is_empty(), "{:#?}", a.open_conflicts());
    // Its status event came back with it; every key holds.
    assert_eq!(
        scalar(
            &a.db(),
            "SELECT count(*) FROM status_event e JOIN participant p ON p.id = e.participant_id
             WHERE p.name = 'Lior Fenwick'"
        ),
        "Integer(1)"
    );
    assert_eq!(
        scalar(&a.db(), "SELECT count(*) FROM pragma_foreign_key_check"),
        "Integer(0)"
    );
}

/// A participant import larger than one capture stretch (1,024 rows) is captured in
/// stretches and combined: it travels as one change, and the other laptop ends up with
/// exactly the same rows (and the import's audit), or, refused, with none of them.
#[test]
fn a_large_import_travels_whole_as_one_change() {
    let team = Team::new();
    let (a, b, _c) = three(&team);
    let csv = team.file("many.csv");
    let mut text = String::from("name,role,site,status\n");
    for i in 0..2_600 {
        let site = ["A", "B", "C", "D"][i % 4];
        text.push_str(&format!(
            "Imported Person {i:05},q-manager,{site},invited\n"
        ));
    }
    std::fs::write(&csv, text).unwrap();
    let before = scalar(&a.db(), "SELECT coalesce(max(seq), 0) FROM sync_outbox");
    let codes = a.ok(&["import", "participants", csv.to_str().unwrap()]);
    assert_eq!(codes.lines().count(), 2_600);
    let after = scalar(&a.db(), "SELECT coalesce(max(seq), 0) FROM sync_outbox");
    let seq = |v: &str| -> i64 {
        v.trim_start_matches("Integer(")
            .trim_end_matches(')')
            .parse()
            .unwrap()
    };
    assert_eq!(
        seq(&after),
        seq(&before) + 1,
        "one import, one outbox entry"
    );
    let a1 = a.export(&team, "a1.fwsync");
    b.import(&[&a1]);
    let n = "SELECT count(*) FROM participant WHERE name LIKE 'Imported Person %'";
    assert_eq!(scalar(&b.db(), n), "Integer(2600)");
    // Every row was sent with the values it has on the first laptop: participants, their
    // status events and the audit entries of the import, row for row.
    let imported = |l: &Laptop| -> Vec<String> {
        l.dump()
            .into_iter()
            .filter(|r| {
                r.starts_with("participant:")
                    || r.starts_with("status_event:")
                    || (r.starts_with("audit:") && r.contains("Imported Person"))
            })
            .collect()
    };
    let sent = imported(&a);
    assert_eq!(
        sent.len(),
        3 * 2_600,
        "a participant, its status event, its audit entry"
    );
    assert_eq!(diff(&sent, &imported(&b)), Vec::<String>::new());
    let events = "SELECT count(*) FROM status_event se JOIN participant p ON p.id = se.participant_id WHERE p.name LIKE 'Imported Person %'";
    assert_eq!(scalar(&b.db(), events), "Integer(2600)");
}

/// A record deleted by mistake-correction travels like any write: the participant and the
/// interview Alice deletes are gone on Bob's laptop after he imports her bundle, and a
/// consent correction arrives as the correcting record (the consent then counts nowhere).
#[test]
fn a_deleted_record_and_a_consent_correction_travel_in_a_bundle() {
    let team = Team::new();
    let (a, b, _c) = three(&team);
    let gone = add_participant(&a, "Wren Tallowmere", "A")
        .trim()
        .to_string();
    let kept = add_participant(&a, "Oriel Fastbridge", "B")
        .trim()
        .to_string();
    let interview = a
        .ok(&[
            "interview",
            "log",
            "--participant",
            &kept,
            "--date",
            "2021-11-02",
            "--allow-gap",
        ])
        .trim()
        .to_string();
    a.ok(&[
        "consent",
        "record",
        &kept,
        "--date",
        "2021-10-01",
        "--take-part",
        "yes",
    ]);
    let first = a.export(&team, "a1.fwsync");
    b.import(&[&first]);
    let count = |l: &Laptop, sql: &str| scalar(&l.db(), sql);
    assert_eq!(
        count(
            &b,
            &format!("SELECT count(*) FROM participant WHERE code = '{gone}'")
        ),
        "Integer(1)"
    );
    let consent_id = a.json(&["consent", "show", &kept, "--json"])["records"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    a.ok(&["participant", "delete", &gone, "--yes"]);
    a.ok(&["interview", "delete", &interview, "--yes"]);
    a.ok(&[
        "consent",
        "correct",
        &consent_id,
        "--reason",
        "wrong participant",
        "--yes",
    ]);
    let second = a.export(&team, "a2.fwsync");
    b.import(&[&second]);
    assert_eq!(
        count(
            &b,
            &format!("SELECT count(*) FROM participant WHERE code = '{gone}'")
        ),
        "Integer(0)"
    );
    assert_eq!(
        count(
            &b,
            &format!("SELECT count(*) FROM session WHERE id = '{interview}'")
        ),
        "Integer(0)"
    );
    let shown = b.json(&["consent", "show", &kept, "--json"]);
    assert_eq!(shown["records"].as_array().unwrap().len(), 0, "{shown}");
    assert_eq!(shown["corrections"][0]["record_id"], consent_id.as_str());
    assert_eq!(shown["in_force"]["take-part"], "unset", "{shown}");
    assert!(b.open_conflicts().is_empty());
    let corrections = "SELECT group_concat(id || record_id || reason) FROM consent_correction";
    assert_eq!(count(&a, corrections), count(&b, corrections));
    assert_eq!(
        count(&b, "SELECT count(*) FROM consent_correction"),
        "Integer(1)"
    );
}
