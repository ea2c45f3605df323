//! Exports and the codebook import, through the real binary on temporary databases, with
//! adversarial disclosure checks: every output file (and its name, its manifest, every part
//! of an XLSX) is scanned for every direct identifier in the database.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use fieldwork::config::{self, ConsentPolicy};
use fieldwork::domain::{Answer, ParticipantFilter, ParticipantInput, WithdrawalScope};
use fieldwork::service::consent::ConsentInput;
use fieldwork::service::sessions::InterviewInput;
use fieldwork::service::{Fieldwork, Settings};
use time::macros::date;

mod scan;
mod xsd;
use scan::{assert_no_identifiers, contents};

fn settings(dir: &Path) -> Settings {
    Settings {
        user: "Ottoline Investigator".into(),
        transcripts_root: dir.to_path_buf(),
        consent_policy: ConsentPolicy::Refuse,
    }
}

fn create(dir: &Path, study_text: &str) -> (PathBuf, Fieldwork) {
    let db = dir.join("study.db");
    let study = config::parse(study_text, "x").unwrap().study;
    let fw = Fieldwork::create(&db, &study, settings(dir)).unwrap();
    (db, fw)
}

/// How a test participant is set up.
#[derive(Clone, Copy)]
struct Spec {
    role: &'static str,
    site: &'static str,
    phases: &'static [u32],
    archiving: Option<Answer>,
    withdraw: Option<WithdrawalScope>,
    /// Add a second holder of a role unique at a site (the explicit override).
    allow_duplicate_unique_role: bool,
}

fn spec(role: &'static str, site: &'static str, phases: &'static [u32]) -> Spec {
    Spec {
        role,
        site,
        phases,
        archiving: Some(Answer::Yes),
        withdraw: None,
        allow_duplicate_unique_role: false,
    }
}

/// Add a participant full of identifiers, with consent, interviews and a withdrawal as the
/// spec says. Returns the export code.
fn add(fw: &mut Fieldwork, n: usize, s: Spec) -> String {
    let name = format!("Zebedee Quartermaine{n}");
    let p = fw
        .add_participant(&ParticipantInput {
            name: Some(name.clone()),
            email: Some(format!("zq{n}@northshire-ics.example")),
            phone: Some(format!("07700 900{n:03}")),
            organisation: Some(format!("Northshire Foundation Trust {n}")),
            job_title: Some(format!("Director of Strategic Widgets {n}")),
            role: Some(s.role.into()),
            site: Some(s.site.into()),
            notes: Some(format!(
                "PA is Olwen Fairweather{n}; prefers evenings; mentioned {name} by name"
            )),
            status: None,
            allow_duplicate_unique_role: s.allow_duplicate_unique_role,
        })
        .unwrap();
    fw.record_consent(
        &p.code,
        &ConsentInput {
            date: Some(date!(2021 - 10 - 01)),
            take_part: Some(Answer::Yes),
            audio: Some(Answer::Yes),
            quotes: Some(Answer::Yes),
            archiving: s.archiving,
            file_ref: Some(format!("signed-form-quartermaine{n}.pdf")),
            ..Default::default()
        },
    )
    .unwrap();
    for ph in s.phases {
        let d = if *ph == 1 {
            date!(2022 - 01 - 10)
        } else {
            date!(2023 - 02 - 10)
        };
        fw.log_interview(&InterviewInput {
            participants: vec![p.code.clone()],
            date: Some(d),
            notes: Some(format!("Met {name} at Northshire HQ")),
            interviewer: Some("AE".into()),
            duration_min: Some(55),
            ..Default::default()
        })
        .unwrap();
    }
    if let Some(scope) = s.withdraw {
        fw.withdraw(
            &p.code,
            scope,
            Some(date!(2024 - 01 - 01)),
            Some(&format!("{name} moved to another post")),
        )
        .unwrap();
    }
    p.code
}

/// Every direct identifier in the database, lower-cased.
fn identifiers(fw: &Fieldwork) -> Vec<String> {
    let mut out = Vec::new();
    for p in fw
        .participants(&ParticipantFilter::default(), 0, 100_000)
        .unwrap()
    {
        out.push(p.name.clone());
        out.extend(p.name.split_whitespace().map(str::to_string));
        out.extend(
            [p.email, p.phone, p.organisation, p.job_title, p.notes]
                .into_iter()
                .flatten(),
        );
        let d = fw.participant_detail(&p.id).unwrap();
        for c in &d.consent_records {
            out.extend(c.file_ref.clone());
        }
        for w in &d.withdrawals {
            out.extend(w.reason.clone());
        }
        for s in &d.sessions {
            out.extend(s.notes.clone());
        }
    }
    out.push("Olwen".into());
    out.push("Fairweather".into());
    out.push("Ottoline".into());
    out.into_iter()
        .map(|s| s.to_lowercase())
        .filter(|s| s.len() >= 4)
        .collect()
}

fn bin(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fieldwork"));
    c.arg("--db").arg(db);
    c.env_remove("FIELDWORK_DB").env_remove("FIELDWORK_CONFIG");
    c.env("HOME", db.parent().unwrap());
    c
}

fn run(db: &Path, args: &[&str]) -> (i32, String, String) {
    let o = bin(db).args(args).output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn ok(db: &Path, args: &[&str]) -> String {
    let (code, out, err) = run(db, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

fn csv_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect();
    (h, rows)
}

fn sha256(bytes: &[u8]) -> String {
    fieldwork::export::sha256_hex(bytes)
}

/// A study with enough participants for category-level k = 5 at sites A and B, plus the
/// awkward cases: no archiving consent, unset, not asked, each withdrawal scope, never
/// interviewed, a lone public-involvement participant.
fn big_study(dir: &Path) -> (PathBuf, Fieldwork, HashSet<String>, HashSet<String>) {
    let (db, mut fw) = create(dir, config::DEFAULT_STUDY);
    let mut eligible = HashSet::new();
    let mut excluded = HashSet::new();
    let mut n = 0;
    let mut next = |fw: &mut Fieldwork, s: Spec| {
        n += 1;
        add(fw, n, s)
    };
    for site in ["A", "B"] {
        for role in ["ics-exec-other", "trust-ceo", "q-manager"] {
            for _ in 0..5 {
                eligible.insert(next(&mut fw, spec(role, site, &[1])));
            }
        }
    }
    // Unique role at a site: the chief executive of ICS A (its category has others).
    eligible.insert(next(&mut fw, spec("ics-ceo", "A", &[1])));
    // Withdrawals that keep data: still exported.
    let mut s = spec("trust-ceo", "A", &[1]);
    s.withdraw = Some(WithdrawalScope::NoFurtherContact);
    eligible.insert(next(&mut fw, s));
    s.withdraw = Some(WithdrawalScope::NoFurtherData);
    eligible.insert(next(&mut fw, s));
    // Excluded: removal withdrawals, consent no / not asked / unset, never interviewed.
    s.withdraw = Some(WithdrawalScope::RemoveUnanalysed);
    excluded.insert(next(&mut fw, s));
    s.withdraw = Some(WithdrawalScope::RemoveAllFeasible);
    excluded.insert(next(&mut fw, s));
    for a in [Some(Answer::No), Some(Answer::NotAsked), None] {
        let mut s = spec("q-manager", "B", &[1]);
        s.archiving = a;
        excluded.insert(next(&mut fw, s));
    }
    excluded.insert(next(&mut fw, spec("q-manager", "B", &[])));
    (db, fw, eligible, excluded)
}

fn groups_at_least(header: &[String], rows: &[Vec<String>], k: usize) {
    let qi: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(_, h)| *h != "export_code")
        .map(|(i, _)| i)
        .collect();
    let mut g: HashMap<Vec<String>, usize> = HashMap::new();
    for r in rows {
        *g.entry(qi.iter().map(|i| r[*i].clone()).collect())
            .or_default() += 1;
    }
    for (key, n) in g {
        assert!(n >= k, "group {key:?} has {n} < {k} participants");
    }
}

#[test]
fn participant_table_csv_is_k_anonymous_consented_and_free_of_identifiers() {
    let dir = tempfile::tempdir().unwrap();
    let (db, fw, eligible, excluded) = big_study(dir.path());
    let ids = identifiers(&fw);
    drop(fw);
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let out = out_dir.join("participants.csv");
    ok(
        &db,
        &[
            "export",
            "participants",
            "--format",
            "csv",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let (header, rows) = csv_rows(&out);
    assert_eq!(header, ["export_code", "site", "phases", "role_category"]);
    let codes: HashSet<String> = rows.iter().map(|r| r[0].clone()).collect();
    assert_eq!(codes, eligible, "exactly the eligible participants");
    assert!(codes.is_disjoint(&excluded));
    groups_at_least(&header, &rows, 5);
    // Every cell is one of the allowed values: a code, a site code, phase numbers, a role
    // category (or their generalised and suppressed forms). No role, no date, no free text.
    let fw = Fieldwork::open(&db, settings(dir.path())).unwrap();
    let sites: HashSet<String> = fw.reference.sites.iter().map(|s| s.code.clone()).collect();
    let cats: HashSet<String> = fw
        .reference
        .role_categories
        .iter()
        .map(|c| c.name.clone())
        .collect();
    drop(fw);
    for r in &rows {
        assert!(fieldwork::domain::is_export_code(&r[0]), "{r:?}");
        assert!(
            sites.contains(&r[1]) || r[1] == "Withheld" || r[1] == "*",
            "{r:?}"
        );
        assert!(
            r[2] == "*" || r[2].split(';').all(|p| p.parse::<u32>().is_ok()),
            "{r:?}"
        );
        assert!(
            cats.contains(&r[3]) || r[3] == "All roles" || r[3] == "*",
            "{r:?}"
        );
    }
    // The manifest: parameters, levels, suppression, rows, hash of the output.
    let m: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out_dir.join("participants.csv.manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(m["parameters"]["k"], 5);
    assert_eq!(m["rows"], rows.len());
    assert_eq!(m["output"]["sha256"], sha256(&std::fs::read(&out).unwrap()));
    assert_eq!(
        m["output"]["file"], "participants.csv",
        "a name, never a path"
    );
    assert!(m["generalisation"]["role"].is_string());
    assert!(m["cells_suppressed"].is_u64());
    assert!(m["tool_version"].is_string() && m["created_utc"].is_string());
    assert_no_identifiers(&out_dir, &ids);
}

#[test]
fn participant_table_every_format_and_no_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let (db, fw, eligible, _) = big_study(dir.path());
    let ids = identifiers(&fw);
    drop(fw);
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let p = |f: &str| out_dir.join(f).to_str().unwrap().to_string();

    ok(
        &db,
        &[
            "export",
            "participants",
            "--format",
            "xlsx",
            "--out",
            &p("t.xlsx"),
        ],
    );
    let parts = contents(&out_dir.join("t.xlsx"));
    let core = &parts
        .iter()
        .find(|(n, _)| n.ends_with("docProps/core.xml"))
        .unwrap()
        .1;
    assert!(!core.contains("Ottoline"), "{core}");
    assert!(parts.iter().any(|(n, _)| n.ends_with("docProps/app.xml")));

    ok(
        &db,
        &[
            "export",
            "participants",
            "--format",
            "json",
            "--out",
            &p("t.json"),
        ],
    );
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(p("t.json")).unwrap()).unwrap();
    let codes: HashSet<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["export_code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes, eligible);

    ok(
        &db,
        &[
            "export",
            "participants",
            "--format",
            "datapackage",
            "--out",
            &p("pkg"),
        ],
    );
    let pkg: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("pkg/datapackage.json")).unwrap())
            .unwrap();
    let res = &pkg["resources"][0];
    let csv_bytes = std::fs::read(out_dir.join("pkg/participants.csv")).unwrap();
    assert_eq!(res["path"], "participants.csv");
    assert_eq!(res["hash"], format!("sha256:{}", sha256(&csv_bytes)));
    let fields: Vec<&str> = res["schema"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    let (header, _) = csv_rows(&out_dir.join("pkg/participants.csv"));
    assert_eq!(fields, header);
    assert!(out_dir.join("pkg/participants.csv.manifest.json").exists());

    // Never overwrite without --force; nothing half-written is left behind.
    let before = std::fs::read(p("t.json")).unwrap();
    let (code, _, err) = run(
        &db,
        &[
            "export",
            "participants",
            "--format",
            "json",
            "--out",
            &p("t.json"),
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(std::fs::read(p("t.json")).unwrap(), before);
    let (code, _, err) = run(
        &db,
        &[
            "export",
            "participants",
            "--format",
            "datapackage",
            "--out",
            &p("pkg"),
        ],
    );
    assert_eq!(code, 2, "{err}");
    ok(
        &db,
        &[
            "export",
            "participants",
            "--format",
            "json",
            "--out",
            &p("t.json"),
            "--force",
        ],
    );
    ok(
        &db,
        &[
            "export",
            "participants",
            "--format",
            "datapackage",
            "--out",
            &p("pkg"),
            "--force",
        ],
    );

    // Re-export stability: the same codes for the same people, every time.
    let again: serde_json::Value =
        serde_json::from_slice(&std::fs::read(p("t.json")).unwrap()).unwrap();
    assert_eq!(again, v);
    assert!(std::fs::read_dir(&out_dir).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .contains(".tmp-")));
    assert_no_identifiers(&out_dir, &ids);
}

#[test]
fn participant_table_refusals_exit_2_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (db, mut fw) = create(dir.path(), config::DEFAULT_STUDY);
    // Five eligible participants in mixed phases: k = 5 cannot hold without suppressing
    // far more than a tenth of the cells.
    for (i, ph) in [&[1u32][..], &[1], &[2], &[2], &[1, 2]].iter().enumerate() {
        add(
            &mut fw,
            i,
            spec("trust-ceo", ["A", "B", "C", "D", "A"][i], ph),
        );
    }
    drop(fw);
    let out = dir.path().join("p.csv");
    let o = out.to_str().unwrap();
    let (code, _, err) = run(
        &db,
        &[
            "export",
            "participants",
            "--format",
            "csv",
            "--out",
            o,
            "--k",
            "2",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("minimum of 3"), "{err}");
    let (code, _, err) = run(
        &db,
        &["export", "participants", "--format", "csv", "--out", o],
    );
    assert_eq!(code, 2);
    assert!(err.contains("more than 10%"), "{err}");
    let (code, _, err) = run(
        &db,
        &[
            "export",
            "participants",
            "--format",
            "csv",
            "--out",
            o,
            "--k",
            "6",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("only 5 participant"), "{err}");
    let (code, _, _) = run(
        &db,
        &["export", "participants", "--format", "pdf", "--out", o],
    );
    assert_eq!(code, 2);
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("study.db"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn categories_of_unique_roles_never_sit_next_to_a_site() {
    // A study whose local-authority roles are all unique at a site: the category then names
    // the person, so it never appears next to a site code.
    let text = config::DEFAULT_STUDY
        .replace(
            "{ code = \"la-dass\", name = \"Director of adult and children's services\" }",
            "{ code = \"la-dass\", name = \"Director of adult and children's services\", unique_at_site = true }",
        )
        .replace(
            "{ code = \"la-dph\", name = \"Director of public health\" }",
            "{ code = \"la-dph\", name = \"Director of public health\", unique_at_site = true }",
        );
    assert_ne!(text, config::DEFAULT_STUDY);
    let dir = tempfile::tempdir().unwrap();
    let (db, mut fw) = create(dir.path(), &text);
    let mut n = 0;
    // Six holders of each role at one site: the second and later of a unique role only
    // with the explicit override, which the exports must treat like the first.
    for role in ["la-dph", "la-dass", "trust-ceo"] {
        for _ in 0..6 {
            n += 1;
            let s = Spec {
                allow_duplicate_unique_role: true,
                ..spec(role, "A", &[1])
            };
            add(&mut fw, n, s);
        }
    }
    drop(fw);
    let out = dir.path().join("p.csv");
    ok(
        &db,
        &[
            "export",
            "participants",
            "--format",
            "csv",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let (_, rows) = csv_rows(&out);
    for r in &rows {
        assert!(
            !(r[3] == "Local authority" && r[1] != "Withheld"),
            "a unique-role category next to a site: {r:?}"
        );
    }
    let m = std::fs::read_to_string(dir.path().join("p.csv.manifest.json")).unwrap();
    assert!(m.contains("unique at a site"), "{m}");
}

#[test]
fn table1_counts_participants_suppresses_small_cells_and_their_partners() {
    let dir = tempfile::tempdir().unwrap();
    let (db, mut fw, _, _) = big_study(dir.path());
    // Four local-authority participants at C, one interviewed twice in phase 1: five
    // interviews but four participants, so the cell is small.
    for n in 901..904 {
        add(&mut fw, n, spec("la-dass", "C", &[1]));
    }
    let code = add(&mut fw, 900, spec("la-dph", "C", &[1]));
    fw.log_interview(&InterviewInput {
        participants: vec![code],
        date: Some(date!(2022 - 03 - 01)),
        ..Default::default()
    })
    .unwrap();
    // A declined participant (a total only).
    let d = fw
        .add_participant(&ParticipantInput {
            name: Some("Declan Refuser".into()),
            role: Some("vcse".into()),
            site: Some("D".into()),
            ..Default::default()
        })
        .unwrap();
    fw.set_status(
        &d.code,
        fieldwork::domain::Status::Declined,
        None,
        Some("Declan said no"),
    )
    .unwrap();
    let ids = identifiers(&fw);
    drop(fw);
    let out_dir = dir.path().join("t1");
    std::fs::create_dir(&out_dir).unwrap();
    let csv_path = out_dir.join("table1.csv");
    ok(
        &db,
        &[
            "export",
            "table1",
            "--format",
            "csv",
            "--out",
            csv_path.to_str().unwrap(),
        ],
    );
    ok(
        &db,
        &[
            "export",
            "table1",
            "--out",
            out_dir.join("table1.md").to_str().unwrap(),
            "--threshold",
            "10",
        ],
    );
    ok(
        &db,
        &[
            "export",
            "table1",
            "--format",
            "xlsx",
            "--out",
            out_dir.join("table1.xlsx").to_str().unwrap(),
        ],
    );
    let (code, _, _) = run(
        &db,
        &[
            "export",
            "table1",
            "--out",
            out_dir.join("x.md").to_str().unwrap(),
            "--threshold",
            "7",
        ],
    );
    assert_eq!(code, 2);

    let (header, rows) = csv_rows(&csv_path);
    assert_eq!(
        header,
        ["phase", "role_category", "A", "B", "C", "D", "Total"]
    );
    let phase1: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "1").collect();
    let find = |cat: &str| phase1.iter().find(|r| r[1] == cat).unwrap();
    // Local authority at C: 4 participants (5 interviews), shown as <5, and its row and
    // column each hide a second entry.
    // Removal withdrawals are out of the cells, other withdrawals in: providers at A are
    // the five plus the two who withdrew without removal.
    assert_eq!(find("NHS providers and commissioners")[2], "7");
    // Five is shown (only 1..4 are small); a zero is shown.
    assert_eq!(find("NHS providers and commissioners")[3], "5");
    assert_eq!(find("Public involvement")[2], "0");
    let la = find("Local authority");
    assert_eq!(la[4], "<5");
    let hidden = |cells: Vec<&String>| cells.iter().filter(|c| **c == "<5" || **c == "*").count();
    assert!(hidden(la[2..].iter().collect()) >= 2, "{la:?}");
    let col_c: Vec<&String> = phase1.iter().map(|r| &r[4]).collect();
    assert!(hidden(col_c) >= 2, "{phase1:?}");
    // No line of any phase with exactly one hidden entry.
    for r in &rows[..rows.len() - 2] {
        assert_ne!(hidden(r[2..].iter().collect()), 1, "row {r:?}");
    }
    for ph in ["1", "2"] {
        let block: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == ph).collect();
        for j in 2..7 {
            assert_ne!(
                hidden(block.iter().map(|r| &r[j]).collect()),
                1,
                "phase {ph} column {j}"
            );
        }
    }
    // Declines and withdrawals: totals only.
    let declined = rows.iter().find(|r| r[1].starts_with("Declined")).unwrap();
    assert_eq!(declined[6], "<5");
    let withdrawn = rows.iter().find(|r| r[1].starts_with("Withdrawn")).unwrap();
    assert_eq!(withdrawn[6], "<5");
    assert!(withdrawn[2..6].iter().all(String::is_empty));
    let md = std::fs::read_to_string(out_dir.join("table1.md")).unwrap();
    assert!(md.contains("<10") && md.contains("## Phase 1"), "{md}");
    for f in ["table1.csv", "table1.md", "table1.xlsx"] {
        let m: serde_json::Value = serde_json::from_slice(
            &std::fs::read(out_dir.join(format!("{f}.manifest.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(
            m["output"]["sha256"],
            sha256(&std::fs::read(out_dir.join(f)).unwrap())
        );
        assert!(m["cells_suppressed"]["primary"].as_u64().unwrap() > 0);
        assert_eq!(m["unresolved_lines"], 0);
    }
    assert_no_identifiers(&out_dir, &ids);
}

/// `export table1` audits the whole table and says so: a summary on stderr, and in the
/// manifest every suppressed entry of the CSV with its mark and the interval an intruder
/// can derive, the number of linear programs and the verdict.
/// A table whose small cells an intruder narrows by combining lines (three small cells in
/// one row whose total is small too: each is then at most 2, not 1–4) is refused and
/// nothing is written; `--allow-unsafe` writes it, with the failed audit in the manifest.
#[test]
fn table1_that_the_audit_finds_unsafe_is_refused_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let (db, mut fw) = create(dir.path(), config::DEFAULT_STUDY);
    for (n, site) in ["A", "B", "C"].into_iter().enumerate() {
        add(&mut fw, n + 1, spec("ics-exec-other", site, &[1]));
    }
    drop(fw);
    let out = dir.path().join("t1.md");
    let args = ["export", "table1", "--out", out.to_str().unwrap()];
    let (code, _, err) = run(&db, &args);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("NOT safe"), "{err}");
    assert!(err.contains("can be narrowed"), "{err}");
    assert!(err.contains("--allow-unsafe"), "{err}");
    assert!(!out.exists());
    assert!(!dir.path().join("t1.md.manifest.json").exists());
    let mut allowed = args.to_vec();
    allowed.push("--allow-unsafe");
    let (code, _, err) = run(&db, &allowed);
    assert_eq!(code, 0, "{err}");
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("t1.md.manifest.json")).unwrap())
            .unwrap();
    assert_eq!(m["audit"]["safe"], false, "{m}");
}

#[test]
fn table1_reports_its_audit_on_stderr_and_in_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let (db, mut fw, _, _) = big_study(dir.path());
    for n in 901..904 {
        add(&mut fw, n, spec("la-dass", "C", &[1]));
    }
    drop(fw);
    let out = dir.path().join("t1.csv");
    let (code, _, err) = run(
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
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("audit: safe"), "{err}");
    assert!(err.contains("linear program"), "{err}");
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("t1.csv.manifest.json")).unwrap())
            .unwrap();
    let a = &m["audit"];
    assert_eq!(a["safe"], true, "{a}");
    let cells = a["cells"].as_array().unwrap();
    // Every hidden entry of the CSV is in the audit, with the mark it is published with.
    let (header, rows) = csv_rows(&out);
    let mut hidden = 0;
    for r in &rows[..rows.len() - 2] {
        for (j, v) in r.iter().enumerate().skip(2) {
            if v == "<5" || v == "*" {
                hidden += 1;
                let c = cells
                    .iter()
                    .find(|c| {
                        c["phase"].as_u64().unwrap().to_string() == r[0]
                            && c["row"] == r[1].as_str()
                            && c["column"] == header[j].as_str()
                    })
                    .unwrap_or_else(|| panic!("{r:?} column {j} not audited: {a}"));
                assert_eq!(c["mark"], v.as_str());
                assert_eq!(c["protected"], true);
                if v == "<5" {
                    assert_eq!(c["interval"], serde_json::json!([1, 4]), "{c}");
                } else {
                    let (lo, hi) = (&c["interval"][0], &c["interval"][1]);
                    assert!(lo.as_i64().unwrap() >= 5, "{c}");
                    assert!(hi.is_null() || hi.as_i64() > lo.as_i64(), "{c}");
                }
            }
        }
    }
    assert!(hidden >= 2);
    assert_eq!(cells.len(), hidden);
    assert_eq!(a["suppressed_cells"], hidden);
    // Two linear programs (min and max) per hidden entry at least.
    assert!(a["linear_programs_solved"].as_u64().unwrap() >= 2 * hidden as u64);
    // The local-authority cell at C in phase 1 holds the three added above.
    let la = cells
        .iter()
        .find(|c| c["phase"] == 1 && c["row"] == "Local authority" && c["column"] == "C")
        .unwrap();
    assert_eq!(la["mark"], "<5");
}

// ---------------------------------------------------------------------------------------
// REFI-QDA codebook

/// (guid, path, description, colour) of every active theme of a framework.
fn codebook_of(
    fw: &Fieldwork,
    framework: &str,
) -> Vec<(String, String, Option<String>, Option<String>)> {
    let mut v: Vec<_> = fw
        .themes(false)
        .unwrap()
        .into_iter()
        .filter(|t| t.framework == framework)
        .map(|t| {
            let rel = t.path.split_once('/').unwrap().1.to_string();
            (t.id, rel, t.description, t.colour)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn codebook_exports_validate_and_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (db, mut fw) = create(dir.path(), config::DEFAULT_STUDY);
    // Awkward text: markup characters, quotes, line breaks, a control character, Unicode.
    let t = fw
        .add_theme(
            "Risk & <safety> \"culture\"",
            Some("QMS"),
            None,
            Some("Line one\nLine two & 'three' <x>\u{1} — café"),
            Some("#ABCDEF"),
        )
        .unwrap();
    fw.add_theme("Nested ünïcode", None, Some(&t.id), None, None)
        .unwrap();
    let before = codebook_of(&fw, "QMS");
    drop(fw);
    // Theme descriptions are free text reviewed like transcripts: "Line" mid-sentence is a
    // capitalised common word, allowed as a class.
    ok(&db, &["redact", "allow", "--class", "common-words"]);
    let out = dir.path().join("qms.qdc");
    ok(
        &db,
        &[
            "export",
            "codebook",
            "--format",
            "qdc",
            "--out",
            out.to_str().unwrap(),
            "--framework",
            "QMS",
        ],
    );
    xsd::assert_valid(&out, "Codebook.xsd");
    let all = dir.path().join("all.qdc");
    ok(
        &db,
        &[
            "export",
            "codebook",
            "--format",
            "qdc",
            "--out",
            all.to_str().unwrap(),
        ],
    );
    xsd::assert_valid(&all, "Codebook.xsd");
    // GUIDs are stable across exports.
    let out2 = dir.path().join("qms2.qdc");
    ok(
        &db,
        &[
            "export",
            "codebook",
            "--out",
            out2.to_str().unwrap(),
            "--framework",
            "QMS",
        ],
    );
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&out2).unwrap());

    // Import into a fresh database.
    let dir2 = tempfile::tempdir().unwrap();
    let (db2, fw2) = create(dir2.path(), config::DEFAULT_STUDY);
    drop(fw2);
    let stdout = ok(
        &db2,
        &[
            "import",
            "codebook",
            out.to_str().unwrap(),
            "--framework",
            "Imported QMS",
        ],
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("added")).count(),
        before.len()
    );
    let fw2 = Fieldwork::open(&db2, settings(dir2.path())).unwrap();
    let after = codebook_of(&fw2, "Imported QMS");
    // The control character cannot travel in XML 1.0: it is dropped.
    let expect: Vec<_> = before
        .iter()
        .map(|(g, p, d, c)| {
            (
                g.clone(),
                p.clone(),
                d.as_ref().map(|d| d.replace('\u{1}', "")),
                c.clone(),
            )
        })
        .collect();
    assert_eq!(after, expect);
    drop(fw2);

    // Importing again changes nothing; a renamed code is renamed, by GUID.
    let stdout = ok(
        &db2,
        &[
            "import",
            "codebook",
            out.to_str().unwrap(),
            "--framework",
            "Imported QMS",
        ],
    );
    assert!(stdout.lines().all(|l| l.starts_with("skipped")), "{stdout}");
    let renamed = std::fs::read_to_string(&out).unwrap().replace(
        "name=\"Partnerships\"",
        "name=\"Partnerships and alliances\"",
    );
    let rpath = dir.path().join("renamed.qdc");
    std::fs::write(&rpath, renamed).unwrap();
    let stdout = ok(
        &db2,
        &[
            "import",
            "codebook",
            rpath.to_str().unwrap(),
            "--framework",
            "Imported QMS",
        ],
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("renamed")).count(),
        1,
        "{stdout}"
    );
    assert!(stdout.contains("Partnerships -> Partnerships and alliances"));
}

#[test]
fn codebook_import_accepts_the_major_packages() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/refi");
    let dir = tempfile::tempdir().unwrap();
    let (db, fw) = create(dir.path(), config::DEFAULT_STUDY);
    drop(fw);
    ok(&db, &["redact", "allow", "--class", "common-words"]);
    let cases = [
        ("nvivo.qdc", 4),
        ("atlasti.qdc", 3),
        ("maxqda.qdc", 4),
        ("qualcoder.qdc", 3),
        ("legacy-no-namespace.qdc", 3),
        ("project-namespace.qdc", 1),
        // One line, upper-case version-5 GUIDs, an empty (schema-invalid) <Sets/>.
        ("taguette.qdc", 2),
    ];
    for (f, n) in cases {
        let stdout = ok(
            &db,
            &[
                "import",
                "codebook",
                fixtures.join(f).to_str().unwrap(),
                "--framework",
                f,
            ],
        );
        assert_eq!(
            stdout.lines().filter(|l| l.starts_with("added")).count(),
            n,
            "{f}: {stdout}"
        );
    }
    let fw = Fieldwork::open(&db, settings(dir.path())).unwrap();
    let nv = codebook_of(&fw, "nvivo.qdc");
    let board = nv
        .iter()
        .find(|x| x.1 == "Governance/Board assurance")
        .unwrap();
    assert_eq!(board.0, "5b8e36c6-2c1d-4f55-9b1a-0e5d7c3a1f02");
    assert_eq!(board.3.as_deref(), Some("#a0cbe8"));
    let gov = nv.iter().find(|x| x.1 == "Governance").unwrap();
    assert_eq!(
        gov.2.as_deref(),
        Some("Boards, committees & accountability")
    );
    let mx = codebook_of(&fw, "maxqda.qdc");
    assert!(mx
        .iter()
        .any(|x| x.1 == "Leadership/Distributed leadership/Peer networks"
            && x.0 == "3f2504e0-4f89-11d3-9a0c-0305e82c3304"));
    let lead = mx.iter().find(|x| x.1 == "Leadership").unwrap();
    assert!(lead
        .2
        .as_deref()
        .unwrap()
        .contains("Second paragraph with \"quotes\""));
    let at = codebook_of(&fw, "atlasti.qdc");
    assert!(at
        .iter()
        .any(|x| x.2.as_deref()
            == Some("Any mention of sharing data between organisations <incl. IG>")));
    assert!(at.iter().any(|x| x.1 == "Trust & relationships"));
    assert!(at.iter().any(|x| x.1 == "Barriers\u{2215}facilitators"));
    let legacy = codebook_of(&fw, "legacy-no-namespace.qdc");
    assert!(legacy
        .iter()
        .any(|x| x.1 == "Integration/Joint posts" && x.3.as_deref() == Some("#aabbcc")));
    assert!(legacy.iter().any(|x| x.1 == "Odd colour" && x.3.is_none()));
    drop(fw);
    // Everything imported exports again as valid REFI-QDA.
    let out = dir.path().join("everything.qdc");
    ok(&db, &["export", "codebook", "--out", out.to_str().unwrap()]);
    xsd::assert_valid(&out, "Codebook.xsd");
}

#[test]
fn codebook_import_rejects_broken_files_with_line_and_column() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/refi");
    let dir = tempfile::tempdir().unwrap();
    let (db, fw) = create(dir.path(), config::DEFAULT_STUDY);
    let before = fw.themes(true).unwrap().len();
    drop(fw);
    let (code, _, err) = run(
        &db,
        &[
            "import",
            "codebook",
            fixtures.join("broken.qdc").to_str().unwrap(),
            "--framework",
            "X",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("broken.qdc:6:"), "{err}");
    // A name clash with a different GUID: refused, nothing written.
    let clash = dir.path().join("clash.qdc");
    std::fs::write(
        &clash,
        "<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes>\
         <Code guid=\"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeee01\" name=\"New one\" isCodable=\"true\"/>\
         <Code guid=\"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeee02\" name=\"Quality planning\" isCodable=\"true\"/>\
         </Codes></CodeBook>",
    )
    .unwrap();
    let (code, _, err) = run(
        &db,
        &[
            "import",
            "codebook",
            clash.to_str().unwrap(),
            "--framework",
            "QMS",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("clash.qdc:1:") && err.contains("already there"),
        "{err}"
    );
    // UTF-16 with a byte-order mark is read.
    let utf16 = dir.path().join("utf16.qdc");
    let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes><Code guid=\"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeee03\" name=\"Wide\" isCodable=\"true\"/></Codes></CodeBook>";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&utf16, bytes).unwrap();
    ok(
        &db,
        &[
            "import",
            "codebook",
            utf16.to_str().unwrap(),
            "--framework",
            "Wide",
        ],
    );
    let fw = Fieldwork::open(&db, settings(dir.path())).unwrap();
    assert_eq!(fw.themes(true).unwrap().len(), before + 1);
}

#[test]
fn codebook_export_refuses_to_carry_participant_identifiers() {
    let dir = tempfile::tempdir().unwrap();
    let (db, mut fw) = create(dir.path(), config::DEFAULT_STUDY);
    add(&mut fw, 1, spec("trust-ceo", "A", &[1]));
    fw.add_theme(
        "What the CEO said",
        Some("QMS"),
        None,
        Some("Mostly from Zebedee Quartermaine1's interview"),
        None,
    )
    .unwrap();
    drop(fw);
    let out = dir.path().join("c.qdc");
    let (code, _, err) = run(&db, &["export", "codebook", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("What the CEO said") && err.contains("participant's name"),
        "{err}"
    );
    assert!(
        !err.contains("Quartermaine"),
        "the refusal repeats the identifier: {err}"
    );
    assert!(!out.exists());
    // Once the theme is retired the codebook goes out, and holds no identifier.
    let mut fw = Fieldwork::open(&db, settings(dir.path())).unwrap();
    fw.retire_theme("What the CEO said").unwrap();
    let ids = identifiers(&fw);
    drop(fw);
    let out_dir = dir.path().join("cb");
    std::fs::create_dir(&out_dir).unwrap();
    let out = out_dir.join("c.qdc");
    ok(&db, &["export", "codebook", "--out", out.to_str().unwrap()]);
    xsd::assert_valid(&out, "Codebook.xsd");
    assert_no_identifiers(&out_dir, &ids);
}

#[test]
fn codebook_import_dry_run_writes_nothing_and_json_reports() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/refi");
    let dir = tempfile::tempdir().unwrap();
    let (db, fw) = create(dir.path(), config::DEFAULT_STUDY);
    let before = fw.themes(true).unwrap().len();
    let frameworks = fw.frameworks().unwrap().len();
    drop(fw);
    let nvivo = fixtures.join("nvivo.qdc");
    let out = ok(
        &db,
        &[
            "import",
            "codebook",
            nvivo.to_str().unwrap(),
            "--framework",
            "NVivo",
            "--dry-run",
            "--json",
        ],
    );
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["added"].as_array().unwrap().len(), 4);
    assert_eq!(r["framework_created"], true);
    let fw = Fieldwork::open(&db, settings(dir.path())).unwrap();
    assert_eq!(fw.themes(true).unwrap().len(), before);
    assert_eq!(fw.frameworks().unwrap().len(), frameworks);
    drop(fw);
    // Several frameworks and no --framework: a new framework named after the file.
    let out = ok(
        &db,
        &[
            "import",
            "codebook",
            nvivo.to_str().unwrap(),
            "--dry-run",
            "--json",
        ],
    );
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["framework"], "nvivo");
    assert_eq!(r["framework_created"], true);
    assert_eq!(r["added"].as_array().unwrap().len(), 4);
    // Importing for real, then once more: the second time everything is skipped.
    ok(
        &db,
        &[
            "import",
            "codebook",
            nvivo.to_str().unwrap(),
            "--framework",
            "NVivo",
        ],
    );
    let again = ok(
        &db,
        &[
            "import",
            "codebook",
            nvivo.to_str().unwrap(),
            "--framework",
            "nvivo",
            "--json",
        ],
    );
    let r: serde_json::Value = serde_json::from_str(&again).unwrap();
    assert_eq!(r["skipped"].as_array().unwrap().len(), 4);
    assert_eq!(r["framework_created"], false);
    assert!(r["added"].as_array().unwrap().is_empty());
}

#[test]
fn codebook_import_without_framework_goes_to_the_only_one_or_one_named_after_the_file() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/refi");
    let nvivo = fixtures.join("nvivo.qdc");
    // A study with one framework: the codebook goes into it.
    let one = tempfile::tempdir().unwrap();
    let second = config::DEFAULT_STUDY
        .find("[[study.frameworks]]\nname = \"Leadership in integrated care\"")
        .unwrap();
    let (db, fw) = create(one.path(), &config::DEFAULT_STUDY[..second]);
    assert_eq!(fw.frameworks().unwrap().len(), 1);
    drop(fw);
    let out = ok(
        &db,
        &["import", "codebook", nvivo.to_str().unwrap(), "--json"],
    );
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["framework"], "QMS");
    assert_eq!(r["framework_created"], false);
    let fw = Fieldwork::open(&db, settings(one.path())).unwrap();
    assert_eq!(fw.frameworks().unwrap().len(), 1);
    assert_eq!(
        fw.resolve_theme("5b8e36c6-2c1d-4f55-9b1a-0e5d7c3a1f02")
            .unwrap()
            .path,
        "QMS/Governance/Board assurance"
    );
    drop(fw);

    // Several frameworks: a new one named after the codebook file, created once; a
    // second import of the same file merges into it.
    let many = tempfile::tempdir().unwrap();
    let (db, fw) = create(many.path(), config::DEFAULT_STUDY);
    let before = fw.frameworks().unwrap().len();
    assert!(before > 1);
    drop(fw);
    let file = many.path().join("Partner codes 2024.qdc");
    std::fs::copy(&nvivo, &file).unwrap();
    let out = ok(&db, &["import", "codebook", file.to_str().unwrap()]);
    assert!(out.contains("Governance"), "{out}");
    let fw = Fieldwork::open(&db, settings(many.path())).unwrap();
    let names: Vec<String> = fw
        .frameworks()
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(names.len(), before + 1, "{names:?}");
    assert!(
        names.contains(&"Partner codes 2024".to_string()),
        "{names:?}"
    );
    assert_eq!(
        fw.resolve_theme("5b8e36c6-2c1d-4f55-9b1a-0e5d7c3a1f04")
            .unwrap()
            .path,
        "Partner codes 2024/Workforce"
    );
    drop(fw);
    let again = ok(
        &db,
        &["import", "codebook", file.to_str().unwrap(), "--json"],
    );
    let r: serde_json::Value = serde_json::from_str(&again).unwrap();
    assert_eq!(r["framework"], "Partner codes 2024");
    assert_eq!(r["framework_created"], false);
    assert_eq!(r["skipped"].as_array().unwrap().len(), 4);
    let fw = Fieldwork::open(&db, settings(many.path())).unwrap();
    assert_eq!(fw.frameworks().unwrap().len(), before + 1);
    drop(fw);
    // --framework still chooses.
    let out = ok(
        &db,
        &[
            "import",
            "codebook",
            fixtures.join("maxqda.qdc").to_str().unwrap(),
            "--framework",
            "QMS",
            "--dry-run",
            "--json",
        ],
    );
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["framework"], "QMS");
    assert_eq!(r["framework_created"], false);
}

/// The study's own codebook (several frameworks) imported back without --framework: every
/// GUID is known, so nothing is added and no empty framework named after the file is
/// created; the report names the frameworks the codes are in; a second import is the same.
#[test]
fn codebook_reimport_of_the_studys_own_export_creates_no_empty_framework() {
    let dir = tempfile::tempdir().unwrap();
    let (db, fw) = create(dir.path(), config::DEFAULT_STUDY);
    let before: Vec<String> = fw
        .frameworks()
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert!(before.len() > 1, "{before:?}");
    let themes = fw.themes(true).unwrap().len();
    drop(fw);
    let file = dir.path().join("cb.qdc");
    ok(
        &db,
        &[
            "export",
            "codebook",
            "--format",
            "qdc",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    for _ in 0..2 {
        let out = ok(
            &db,
            &["import", "codebook", file.to_str().unwrap(), "--json"],
        );
        let r: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(r["framework_created"], false, "{r}");
        assert!(r["added"].as_array().unwrap().is_empty(), "{r}");
        assert_eq!(r["skipped"].as_array().unwrap().len(), themes, "{r}");
        let named = r["framework"].as_str().unwrap();
        for f in &before {
            assert!(named.contains(f.as_str()), "{named} lacks {f}");
        }
        let fw = Fieldwork::open(&db, settings(dir.path())).unwrap();
        let after: Vec<String> = fw
            .frameworks()
            .unwrap()
            .into_iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(after, before, "a framework was added");
        assert_eq!(fw.themes(true).unwrap().len(), themes);
    }
}

#[test]
fn labels_of_the_study_that_carry_an_identifier_stop_every_export() {
    // A role category named after a participant's organisation: the allow-listed column
    // would carry it, so the exports refuse rather than write it.
    let text = config::DEFAULT_STUDY.replace(
        "name = \"Quality leads\"",
        "name = \"Northshire Foundation Trust 1 quality team\"",
    );
    assert_ne!(text, config::DEFAULT_STUDY);
    let dir = tempfile::tempdir().unwrap();
    let (db, mut fw) = create(dir.path(), &text);
    for n in 1..=6 {
        add(&mut fw, n, spec("q-manager", "A", &[1]));
    }
    drop(fw);
    let out = dir.path().join("x.csv");
    let o = out.to_str().unwrap();
    let (code, _, err) = run(&db, &["export", "table1", "--format", "csv", "--out", o]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("participant's organisation"), "{err}");
    assert!(!err.to_lowercase().contains("northshire"), "{err}");
    let (code, _, err) = run(
        &db,
        &["export", "participants", "--format", "csv", "--out", o],
    );
    assert_eq!(code, 2, "{err}");
    assert!(!out.exists());
}
