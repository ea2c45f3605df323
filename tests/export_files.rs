//! What every export writes, on the real binary: file and folder modes (owner-only, or
//! relaxed by `export.anonymised_file_mode` for anonymised outputs only), and spreadsheet
//! formulas in free text neutralised in every CSV and kept as strings in XLSX.

#![cfg(unix)]

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use fieldwork::config::{self, ConsentPolicy};
use fieldwork::service::redaction::Decision;
use fieldwork::service::{Fieldwork, Settings};

mod ondisk;

const FORMULA: &str = "=HYPERLINK(\"http://x\",\"y\")";
const SUMMARY: &str = "@SUM(A1) relies on national metrics";
/// A summary that starts with a full-width equals sign, which some spreadsheets read as `=`.
const SPACED: &str = "\u{ff1d}HYPERLINK(\"http://x\",\"y\") was the plan";

fn settings(dir: &Path) -> Settings {
    Settings {
        user: "tester".into(),
        transcripts_root: dir.to_path_buf(),
        consent_policy: ConsentPolicy::Refuse,
    }
}

/// Five participants in one site and role (k = 5), each with consent to quotes and
/// archiving, an interview whose transcript holds a formula-like remark, tagged, and a
/// matrix summary that starts like a formula.
fn study(dir: &Path) -> PathBuf {
    let db = dir.join("study.db");
    let st = config::parse(config::DEFAULT_STUDY, "x").unwrap().study;
    let mut fw = Fieldwork::create(&db, &st, settings(dir)).unwrap();
    let first = ["Zebedee", "Araminta", "Barnaby", "Clementine", "Dorian"];
    for (i, f) in first.iter().enumerate() {
        let n = i + 1;
        let (p, session) =
            ondisk::interviewee(&mut fw, &format!("{f} Quartermaine{n}"), None, None, 40);
        let file = dir.join(format!("t{n}.txt"));
        std::fs::write(
            &file,
            format!(
                "Interviewer: And the dashboard?\n\nP: {FORMULA} was pasted in the board papers.\n"
            ),
        )
        .unwrap();
        fw.import_transcript(&session, &file, false).unwrap();
        let (a, b) = fw.find_in_transcript(&session, FORMULA, None).unwrap();
        fw.tag_passage(&session, a, b, &["QMS/Quality planning".to_string()], None)
            .unwrap();
        let summary = if n == 5 { SPACED } else { SUMMARY };
        fw.set_matrix_summary(&p.code, "QMS/Quality planning", 1, Some(summary))
            .unwrap();
    }
    fw.seed_register().unwrap();
    for g in fw.suspects(None).unwrap() {
        fw.review_suspect(&g.text, Decision::Allow).unwrap();
    }
    db
}

/// The exit code and stderr of a command on the study.
fn run(db: &Path, args: &[&str]) -> (i32, String) {
    let (code, _, err) = ondisk::run(db, args);
    (code, err)
}

fn ok(db: &Path, args: &[&str]) {
    let (code, err) = run(db, args);
    assert_eq!(code, 0, "{args:?}: {err}");
}

/// Every export the tool has, into `out` (which exists): (what, is it anonymised).
fn export_all(db: &Path, out: &Path) -> Vec<(PathBuf, bool)> {
    let p = |n: &str| out.join(n);
    let s = |x: &Path| x.to_str().unwrap().to_string();
    let mut written = Vec::new();
    for f in ["csv", "xlsx", "json", "datapackage"] {
        let o = p(&format!("participants-{f}"));
        ok(
            db,
            &["export", "participants", "--format", f, "--out", &s(&o)],
        );
        written.push((o, true));
    }
    for f in ["md", "csv", "xlsx"] {
        let o = p(&format!("table1.{f}"));
        ok(db, &["export", "table1", "--format", f, "--out", &s(&o)]);
        written.push((o, true));
    }
    let o = p("codebook.qdc");
    ok(db, &["export", "codebook", "--out", &s(&o)]);
    written.push((o, true));
    for f in ["csv", "md", "json"] {
        let o = p(&format!("quotes.{f}"));
        ok(
            db,
            &[
                "export",
                "quotes",
                "--theme",
                "QMS/Quality planning",
                "--format",
                f,
                "--out",
                &s(&o),
            ],
        );
        written.push((o, true));
    }
    for f in ["csv", "xlsx"] {
        let o = p(&format!("matrix.{f}"));
        ok(db, &["export", "matrix", "--out", &s(&o)]);
        written.push((o, true));
    }
    let o = p("transcripts");
    ok(
        db,
        &["export", "transcripts", "--redacted", "--out", &s(&o)],
    );
    written.push((o, true));
    let o = p("project.qdpx");
    ok(db, &["export", "project", "--out", &s(&o)]);
    written.push((o, true));
    let o = p("originals.qdpx");
    ok(db, &["export", "project", "--originals", "--out", &s(&o)]);
    written.push((o, false));
    written
}

/// Mode bits of everything under `out`, by path relative to it.
fn modes(out: &Path) -> BTreeMap<String, (bool, u32)> {
    let mut m = BTreeMap::new();
    let mut stack = vec![out.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let md = e.metadata().unwrap();
            let rel = e
                .path()
                .strip_prefix(out)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            m.insert(rel, (md.is_dir(), md.permissions().mode() & 0o777));
            if md.is_dir() {
                stack.push(e.path());
            }
        }
    }
    m
}

/// The output itself and what belongs to it (its manifest, the files of a folder).
fn belongs(rel: &str, output: &Path, out: &Path) -> bool {
    let name = output
        .strip_prefix(out)
        .unwrap()
        .to_string_lossy()
        .into_owned();
    rel == name || rel == format!("{name}.manifest.json") || rel.starts_with(&format!("{name}/"))
}

#[test]
fn every_export_writes_owner_only_files_and_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let db = study(tmp.path());
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let written = export_all(&db, &out);
    let m = modes(&out);
    // Every output is there, with a manifest where the export writes one beside it.
    assert!(m.len() >= 2 * written.len(), "{m:#?}");
    for (rel, (dir, mode)) in &m {
        assert!(!rel.contains(".tmp-"), "a staging file was left: {rel}");
        let want = if *dir { 0o700 } else { 0o600 };
        assert_eq!(*mode, want, "{rel}: {mode:o}");
    }
    for (o, _) in &written {
        assert!(m.keys().any(|r| belongs(r, o, &out)), "{}", o.display());
    }
    // Folders' files were checked too.
    assert!(m.keys().any(|r| r.starts_with("transcripts/")), "{m:#?}");
    assert!(
        m.keys().any(|r| r.starts_with("participants-datapackage/")),
        "{m:#?}"
    );

    // A file replaced on request ends owner-only too, whatever it had before.
    let csv = out.join("table1.csv");
    std::fs::set_permissions(&csv, std::fs::Permissions::from_mode(0o666)).unwrap();
    let manifest = out.join("table1.csv.manifest.json");
    std::fs::set_permissions(&manifest, std::fs::Permissions::from_mode(0o644)).unwrap();
    ok(
        &db,
        &[
            "export",
            "table1",
            "--format",
            "csv",
            "--out",
            csv.to_str().unwrap(),
            "--force",
        ],
    );
    for f in [&csv, &manifest] {
        let mode = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", f.display());
    }
}

#[test]
fn the_setting_relaxes_anonymised_outputs_only() {
    let tmp = tempfile::tempdir().unwrap();
    let db = study(tmp.path());
    std::fs::write(
        tmp.path().join("fieldwork.toml"),
        "[export]\nanonymised_file_mode = \"0644\"\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let written = export_all(&db, &out);
    let m = modes(&out);
    let mut relaxed = 0;
    for (rel, (dir, mode)) in &m {
        let anonymised = written
            .iter()
            .find(|(o, _)| belongs(rel, o, &out))
            .unwrap_or_else(|| panic!("{rel} belongs to no export"))
            .1;
        let want = match (anonymised, dir) {
            (true, false) => 0o644,
            (true, true) => 0o755,
            (false, false) => 0o600,
            (false, true) => 0o700,
        };
        assert_eq!(*mode, want, "{rel}: {mode:o}");
        relaxed += usize::from(anonymised);
    }
    assert!(relaxed >= 2 * (written.len() - 1), "{m:#?}");
    assert_eq!(m["originals.qdpx"], (false, 0o600));
    assert_eq!(m["originals.qdpx.manifest.json"], (false, 0o600));
}

#[test]
fn a_bad_file_mode_setting_is_refused_with_the_place() {
    let tmp = tempfile::tempdir().unwrap();
    let db = study(tmp.path());
    for (value, says) in [
        ("0666", "never to writing"),
        ("0755", "never to writing or executing"),
        ("0400", "at least 0600"),
        ("rw-r--r--", "is not a file mode"),
    ] {
        std::fs::write(
            tmp.path().join("fieldwork.toml"),
            format!("[export]\nanonymised_file_mode = \"{value}\"\n"),
        )
        .unwrap();
        let out = tmp.path().join(format!("t-{value}.csv"));
        let (code, err) = run(
            &db,
            &[
                "export",
                "table1",
                "--format",
                "csv",
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert_eq!(code, 2, "{value}: {err}");
        assert!(err.contains("fieldwork.toml:2:"), "{value}: {err}");
        assert!(
            err.contains("export.anonymised_file_mode"),
            "{value}: {err}"
        );
        assert!(err.contains(says), "{value}: {err}");
        assert!(!out.exists());
    }
}

fn unzip(path: &Path) -> BTreeMap<String, String> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut b = String::new();
            f.read_to_string(&mut b).unwrap();
            (f.name().to_string(), b)
        })
        .collect()
}

#[test]
fn formulas_in_free_text_are_neutralised_in_csv_and_strings_in_xlsx() {
    let tmp = tempfile::tempdir().unwrap();
    let db = study(tmp.path());
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let q = out.join("quotes.csv");
    ok(
        &db,
        &[
            "export",
            "quotes",
            "--theme",
            "QMS/Quality planning",
            "--out",
            q.to_str().unwrap(),
        ],
    );
    let text = std::fs::read_to_string(&q).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let quotes: Vec<String> = r.records().map(|x| x.unwrap()[1].to_string()).collect();
    assert_eq!(quotes.len(), 5, "{text}");
    for c in &quotes {
        assert_eq!(c, &format!("'{FORMULA}"), "{text}");
    }
    // No cell of any CSV export starts like a formula.
    let m = out.join("matrix.csv");
    ok(&db, &["export", "matrix", "--out", m.to_str().unwrap()]);
    let p = out.join("p.csv");
    ok(
        &db,
        &[
            "export",
            "participants",
            "--format",
            "csv",
            "--out",
            p.to_str().unwrap(),
        ],
    );
    let t = out.join("t.csv");
    ok(
        &db,
        &[
            "export",
            "table1",
            "--format",
            "csv",
            "--out",
            t.to_str().unwrap(),
        ],
    );
    let (mut summaries, mut spaced) = (0, 0);
    for f in [&q, &m, &p, &t] {
        let text = std::fs::read_to_string(f).unwrap();
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        for rec in r.records() {
            for cell in rec.unwrap().iter() {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
                        && !cell.trim_start().starts_with([
                            '=', '+', '-', '@', '\u{ff1d}', '\u{ff0b}', '\u{ff0d}', '\u{ff20}'
                        ]),
                    "{}: {cell:?}",
                    f.display()
                );
                summaries += usize::from(cell == format!("'{SUMMARY}"));
                spaced += usize::from(cell == format!("'{SPACED}"));
            }
        }
    }
    assert_eq!(summaries, 4, "{}", std::fs::read_to_string(&m).unwrap());
    assert_eq!(spaced, 1, "{}", std::fs::read_to_string(&m).unwrap());

    // XLSX: the summary is a string cell (shared string), never a formula.
    let x = out.join("matrix.xlsx");
    ok(&db, &["export", "matrix", "--out", x.to_str().unwrap()]);
    let parts = unzip(&x);
    let sheet = &parts["xl/worksheets/sheet1.xml"];
    assert!(!sheet.contains("<f>") && !sheet.contains("<f "), "{sheet}");
    let strings = &parts["xl/sharedStrings.xml"];
    assert!(strings.contains(SUMMARY), "{strings}");
    assert!(sheet.matches("t=\"s\"").count() >= 5, "{sheet}");
}

/// `--force` replaces a folder only if an export wrote it: a folder holding a user's own
/// files (or a sub-folder) is refused with exit 2, the files named and left as they were;
/// a folder written by an earlier export is replaced.
#[test]
fn force_never_replaces_a_folder_an_export_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    let db = study(tmp.path());
    let victim = tmp.path().join("documents");
    std::fs::create_dir_all(victim.join("sub")).unwrap();
    std::fs::write(victim.join("thesis.docx"), b"precious").unwrap();
    std::fs::write(victim.join("sub/notes.txt"), b"also precious").unwrap();
    // Looks like an export (a manifest and text files) but holds a folder of its own.
    std::fs::write(
        victim.join("old.manifest.json"),
        br#"{"tool": "fieldwork"}"#,
    )
    .unwrap();
    let only_text = tmp.path().join("notes");
    std::fs::create_dir(&only_text).unwrap();
    std::fs::write(only_text.join("diary.txt"), b"my own notes").unwrap();
    for dir in [&victim, &only_text] {
        for args in [
            &["export", "participants", "--format", "datapackage"][..],
            &["export", "transcripts", "--redacted"][..],
        ] {
            let mut a = args.to_vec();
            a.extend(["--out", dir.to_str().unwrap(), "--force"]);
            let (code, err) = run(&db, &a);
            assert_eq!(code, 2, "{a:?}: {err}");
            assert!(
                err.contains("--force replaces only a folder written by"),
                "{err}"
            );
        }
    }
    let (_, err) = run(
        &db,
        &[
            "export",
            "participants",
            "--format",
            "datapackage",
            "--out",
            victim.to_str().unwrap(),
            "--force",
        ],
    );
    assert!(err.contains("sub") && err.contains("thesis.docx"), "{err}");
    let (_, err) = run(
        &db,
        &[
            "export",
            "participants",
            "--format",
            "datapackage",
            "--out",
            only_text.to_str().unwrap(),
            "--force",
        ],
    );
    assert!(err.contains("holds no fieldwork manifest"), "{err}");
    assert_eq!(
        std::fs::read(victim.join("thesis.docx")).unwrap(),
        b"precious"
    );
    assert_eq!(
        std::fs::read(victim.join("sub/notes.txt")).unwrap(),
        b"also precious"
    );
    assert_eq!(
        std::fs::read(only_text.join("diary.txt")).unwrap(),
        b"my own notes"
    );
    // An earlier export's folder is replaced (twice, and across kinds of folder export).
    let pkg = tmp.path().join("pkg");
    for _ in 0..2 {
        ok(
            &db,
            &[
                "export",
                "participants",
                "--format",
                "datapackage",
                "--out",
                pkg.to_str().unwrap(),
                "--force",
            ],
        );
    }
    ok(
        &db,
        &[
            "export",
            "transcripts",
            "--redacted",
            "--out",
            pkg.to_str().unwrap(),
            "--force",
        ],
    );
    assert!(pkg.join("manifest.json").is_file());
    assert!(!pkg.join("datapackage.json").exists());
}

/// No export replaces the database, with --force or not, whatever it is called: the study
/// file itself, a copy of it, its write-ahead log; the database is unchanged afterwards.
#[test]
fn force_never_replaces_the_database_or_its_log() {
    let tmp = tempfile::tempdir().unwrap();
    let db = study(tmp.path());
    let copy = tmp.path().join("copy.bin");
    std::fs::copy(&db, &copy).unwrap();
    // A write-ahead log of another database, with its database beside it.
    let other = tmp.path().join("other.db");
    let c = rusqlite::Connection::open(&other).unwrap();
    c.pragma_update(None, "journal_mode", "WAL").unwrap();
    c.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    c.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        .unwrap();
    let wal = tmp.path().join("other.db-wal");
    assert!(wal.is_file());
    let participants = |db: &Path| -> i64 {
        rusqlite::Connection::open(db)
            .unwrap()
            .query_row("SELECT count(*) FROM participant", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(participants(&db), 5);
    for target in [&db, &copy, &wal] {
        for args in [
            &["export", "table1", "--format", "csv"][..],
            &["export", "participants", "--format", "json"][..],
            &["export", "codebook", "--format", "qdc"][..],
        ] {
            let mut a = args.to_vec();
            a.extend(["--out", target.to_str().unwrap(), "--force"]);
            let (code, err) = run(&db, &a);
            assert_eq!(code, 2, "{a:?}: {err}");
            assert!(err.contains("an export never replaces one"), "{err}");
        }
    }
    drop(c);
    assert_eq!(participants(&db), 5);
    assert_eq!(participants(&copy), 5);
    let n: i64 = rusqlite::Connection::open(&other)
        .unwrap()
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}
