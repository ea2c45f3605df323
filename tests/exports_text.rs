//! The text exports (quotes, framework matrix, redacted transcripts, REFI-QDA project)
//! through the real binary, with adversarial disclosure checks: names hidden in passages,
//! memos and summaries; name variants (titles, possessives, initials, a registered
//! misspelling); every withdrawal scope; unset consent. Every output file, file name, zip
//! part and manifest is scanned for every direct identifier in the database.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use fieldwork::config::{self, ConsentPolicy};
use fieldwork::domain::{Answer, ParticipantFilter, ParticipantInput, WithdrawalScope};
use fieldwork::service::consent::ConsentInput;
use fieldwork::service::redaction::Decision;
use fieldwork::service::sessions::InterviewInput;
use fieldwork::service::{Fieldwork, Settings};
use time::macros::date;

mod ondisk;
mod scan;
mod xsd;
use scan::assert_no_identifiers;

const FIRST: [&str; 12] = [
    "Zebedee",
    "Araminta",
    "Barnaby",
    "Clementine",
    "Dorian",
    "Eglantine",
    "Fergus",
    "Hermione",
    "Ignatius",
    "Jocasta",
    "Leopold",
    "Millicent",
];

fn settings(dir: &Path) -> Settings {
    Settings {
        user: "Ottoline Investigator".into(),
        transcripts_root: dir.to_path_buf(),
        consent_policy: ConsentPolicy::Refuse,
    }
}

#[derive(Clone, Copy, Default)]
struct Spec {
    quotes: Option<Answer>,
    archiving: Option<Answer>,
    withdraw: Option<WithdrawalScope>,
}

fn yes() -> Spec {
    Spec {
        quotes: Some(Answer::Yes),
        archiving: Some(Answer::Yes),
        withdraw: None,
    }
}

struct Person {
    code: String,
    session: String,
    first: String,
    last: String,
}

/// A participant full of identifiers, with consent as `s` says, a phase-1 interview and its
/// transcript (file name holding the name), a withdrawal, and two tagged passages.
fn add(fw: &mut Fieldwork, dir: &Path, n: usize, s: Spec) -> Person {
    let first = FIRST[n - 1].to_string();
    let last = format!("Quartermaine{n}");
    let name = format!("{first} {last}");
    let p = fw
        .add_participant(&ParticipantInput {
            name: Some(name.clone()),
            email: Some(format!("zq{n}@northshire-ics.example")),
            phone: Some(format!("07700 900{n:03}")),
            organisation: Some(format!("Northshire Foundation Trust {n}")),
            job_title: Some(format!("Director of Strategic Widgets {n}")),
            role: Some("q-manager".into()),
            site: Some("A".into()),
            notes: Some(format!("PA is Olwen Fairweather{n}; mentioned {name}")),
            status: None,
            allow_duplicate_unique_role: false,
        })
        .unwrap();
    fw.record_consent(
        &p.code,
        &ConsentInput {
            date: Some(date!(2021 - 10 - 01)),
            take_part: Some(Answer::Yes),
            audio: Some(Answer::Yes),
            quotes: s.quotes,
            archiving: s.archiving,
            file_ref: Some(format!("signed-form-{last}.pdf")),
            ..Default::default()
        },
    )
    .unwrap();
    let session = fw
        .log_interview(&InterviewInput {
            participants: vec![p.code.clone()],
            date: Some(date!(2022 - 01 - 10)),
            notes: Some(format!("Met {name} at Northshire HQ")),
            interviewer: Some("AE".into()),
            duration_min: Some(55),
            ..Default::default()
        })
        .unwrap()
        .session
        .id;
    let file = dir.join(format!("{last}-interview.txt"));
    std::fs::write(
        &file,
        format!(
            "Interviewer: Thank you, Dr {last}.\n\n{name}: Our work at Northshire Foundation\nTrust {n} with Olwen Fairweather{n} matters. {first}'s team said that we improved safety culture. {last}'s view is simple: measure less. Z. {last} agreed, and Quatermaine{n} too.\n"
        ),
    )
    .unwrap();
    fw.import_transcript(&session, &file, false).unwrap();
    let themes = vec!["QMS/Safety culture".to_string()];
    let (a, b) = fw
        .find_in_transcript(&session, "we improved safety culture", None)
        .unwrap();
    fw.tag_passage(
        &session,
        a,
        b,
        &themes,
        Some(&format!("Olwen Fairweather{n} said the same to Dr {last}")),
    )
    .unwrap();
    let (a, b) = fw
        .find_in_transcript(&session, &format!("{last}'s view is simple"), None)
        .unwrap();
    fw.tag_passage(&session, a, b, &themes, None).unwrap();
    fw.set_matrix_summary(
        &p.code,
        "QMS/Safety culture",
        1,
        Some(&format!("Dr {last} ({first}) leads on safety")),
    )
    .unwrap();
    if let Some(scope) = s.withdraw {
        fw.withdraw(
            &p.code,
            scope,
            Some(date!(2024 - 01 - 01)),
            Some(&format!("{name} moved to another post")),
        )
        .unwrap();
    }
    Person {
        code: p.code,
        session,
        first,
        last,
    }
}

struct Built {
    db: PathBuf,
    people: Vec<Person>,
    /// Codes whose quotes may be exported / whose transcripts may be shared.
    quotable: HashSet<String>,
    archivable: HashSet<String>,
}

/// Seven participants who may be quoted and archived (five in one site and category, for
/// k = 5), and the awkward ones: quotes unset, archiving unset, every withdrawal scope.
fn study(dir: &Path) -> Built {
    let db = dir.join("study.db");
    // The binary's user: a full name, which exports must reduce to initials.
    std::fs::write(
        dir.join("fieldwork.toml"),
        "[user]\nname = \"Ottoline Investigator\"\n",
    )
    .unwrap();
    let st = config::parse(config::DEFAULT_STUDY, "x").unwrap().study;
    let mut fw = Fieldwork::create(&db, &st, settings(dir)).unwrap();
    fw.add_theme("Safety culture", Some("QMS"), None, None, Some("#336699"))
        .unwrap();
    let mut specs = vec![yes(); 5];
    let mut s = yes();
    s.quotes = None; // 6: quotes unset
    specs.push(s);
    let mut s = yes();
    s.archiving = None; // 7: archiving unset
    specs.push(s);
    for scope in [
        WithdrawalScope::NoFurtherContact,  // 8: kept
        WithdrawalScope::NoFurtherData,     // 9: kept
        WithdrawalScope::RemoveUnanalysed,  // 10: removed
        WithdrawalScope::RemoveAllFeasible, // 11: removed
    ] {
        let mut s = yes();
        s.withdraw = Some(scope);
        specs.push(s);
    }
    let mut s = yes();
    s.quotes = Some(Answer::No); // 12: quotes no
    specs.push(s);
    let mut people = Vec::new();
    for (i, s) in specs.iter().enumerate() {
        people.push(add(&mut fw, dir, i + 1, *s));
    }
    let quotable: HashSet<String> = [1, 2, 3, 4, 5, 7, 8, 9]
        .iter()
        .map(|i| people[i - 1].code.clone())
        .collect();
    let archivable: HashSet<String> = [1, 2, 3, 4, 5, 6, 8, 9, 12]
        .iter()
        .map(|i| people[i - 1].code.clone())
        .collect();
    // The register: seeded, then the reviewer's decisions (surname and first name alone, a
    // misspelling as a variant, a colleague as a new identifier).
    fw.seed_register().unwrap();
    for p in &people {
        let label = format!("[Participant {}]", p.code);
        for v in [
            p.last.clone(),
            p.first.clone(),
            format!("Quatermaine{}", &p.last["Quartermaine".len()..]),
        ] {
            fw.review_suspect(&v, Decision::Variant(label.clone()))
                .unwrap();
        }
    }
    for n in 1..=people.len() {
        fw.add_identifier(
            "person",
            &format!("[Colleague {n}]"),
            &[format!("Olwen Fairweather{n}")],
        )
        .unwrap();
    }
    settle_suspects(&mut fw);
    drop(fw);
    Built {
        db,
        people,
        quotable,
        archivable,
    }
}

/// Allow the remaining suspects, after checking that none of them is an identifier.
fn settle_suspects(fw: &mut Fieldwork) {
    let ids = identifiers(fw);
    for g in fw.suspects(None).unwrap() {
        let t = g.text.to_lowercase();
        assert!(
            !ids.iter().any(|i| t.contains(i.as_str())),
            "suspect `{}` is an identifier: the test register is incomplete",
            g.text
        );
        fw.review_suspect(&g.text, Decision::Allow).unwrap();
    }
    assert!(fw.suspects(None).unwrap().is_empty());
}

/// Every direct identifier in the database, lower-cased (whole values and name parts).
fn identifiers(fw: &Fieldwork) -> Vec<String> {
    let mut out: Vec<String> = fw.direct_identifiers().unwrap();
    for p in fw
        .participants(&ParticipantFilter::default(), 0, 100_000)
        .unwrap()
    {
        out.extend(p.name.split_whitespace().map(str::to_string));
        out.extend(p.notes.clone());
        let d = fw.participant_detail(&p.id).unwrap();
        for c in &d.consent_records {
            out.extend(c.file_ref.clone());
        }
        for w in &d.withdrawals {
            out.extend(w.reason.clone());
        }
        for s in &d.sessions {
            out.extend(s.notes.clone());
            if let Some(t) = &s.transcript {
                out.push(t.path.clone());
            }
        }
    }
    for n in 1..=12 {
        out.push(format!("Fairweather{n}"));
        out.push(format!("Quatermaine{n}"));
        out.push(format!("Quartermaine{n}-interview"));
    }
    out.extend(["Olwen", "Ottoline", "Investigator", "Northshire"].map(String::from));
    out.into_iter()
        .map(|s| s.to_lowercase())
        .filter(|s| s.len() >= 4)
        .collect()
}

use ondisk::run;

fn ok(db: &Path, args: &[&str]) -> String {
    let (code, _out, err) = run(db, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    err
}

fn refused(db: &Path, args: &[&str]) -> String {
    let (code, _, err) = run(db, args);
    assert_eq!(code, 2, "{args:?} should be refused: {err}");
    err
}

fn open(db: &Path) -> Fieldwork {
    Fieldwork::open(db, settings(db.parent().unwrap())).unwrap()
}

/// A selection read back from project.qde.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Sel {
    source: String,
    guid: String,
    start: usize,
    end: usize,
    code: String,
}

/// (sources: guid → (name, plainTextPath), selections, case names, user names)
type Parsed = (
    HashMap<String, (String, String)>,
    Vec<Sel>,
    Vec<String>,
    Vec<String>,
);

fn parse_qde(xml: &str) -> Parsed {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(xml);
    let mut sources = HashMap::new();
    let mut sels = Vec::new();
    let mut cases = Vec::new();
    let mut users = Vec::new();
    let mut source = String::new();
    let attrs = |e: &quick_xml::events::BytesStart| -> HashMap<String, String> {
        e.attributes()
            .map(|a| {
                let a = a.unwrap();
                (
                    String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .unwrap()
                        .into_owned(),
                )
            })
            .collect()
    };
    loop {
        match r.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) => {
                let a = attrs(&e);
                match e.local_name().as_ref() {
                    b"TextSource" => {
                        source = a["guid"].clone();
                        sources.insert(
                            source.clone(),
                            (a["name"].clone(), a["plainTextPath"].clone()),
                        );
                    }
                    b"PlainTextSelection" => sels.push(Sel {
                        source: source.clone(),
                        guid: a["guid"].clone(),
                        start: a["startPosition"].parse().unwrap(),
                        end: a["endPosition"].parse().unwrap(),
                        code: String::new(),
                    }),
                    b"CodeRef" => {
                        if let Some(s) = sels.last_mut().filter(|s| s.code.is_empty()) {
                            s.code = a["targetGUID"].clone();
                        }
                    }
                    b"Case" => cases.push(a["name"].clone()),
                    b"User" => users.push(a.get("name").cloned().unwrap_or_default()),
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    (sources, sels, cases, users)
}

fn unzip(path: &Path) -> HashMap<String, Vec<u8>> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut b = Vec::new();
            f.read_to_end(&mut b).unwrap();
            (f.name().to_string(), b)
        })
        .collect()
}

fn manifest(path: &Path) -> serde_json::Value {
    let mut s = path.as_os_str().to_os_string();
    s.push(".manifest.json");
    serde_json::from_slice(&std::fs::read(PathBuf::from(s)).unwrap()).unwrap()
}

#[test]
fn text_exports_hold_no_identifier_and_follow_consent() {
    let tmp = tempfile::tempdir().unwrap();
    let b = study(tmp.path());
    let db = &b.db;
    let fw = open(db);
    let ids = identifiers(&fw);
    drop(fw);
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let p = |n: &str| out.join(n);
    let s = |x: &PathBuf| x.to_str().unwrap().to_string();

    // Quotes, in every format.
    for f in ["csv", "md", "json"] {
        let q = p(&format!("quotes.{f}"));
        ok(
            db,
            &[
                "export",
                "quotes",
                "--theme",
                "QMS/Safety culture",
                "--format",
                f,
                "--out",
                &s(&q),
            ],
        );
        let m = manifest(&q);
        assert_eq!(m["counts"]["exported"], 2 * b.quotable.len(), "{m}");
        assert_eq!(
            m["counts"]["withheld_consent"],
            2 * (b.people.len() - b.quotable.len()),
            "{m}"
        );
    }
    let rows: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(p("quotes.json")).unwrap()).unwrap();
    let quoted: HashSet<String> = rows
        .iter()
        .map(|r| {
            r["attribution"]
                .as_str()
                .unwrap()
                .rsplit(' ')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(quoted, b.quotable, "quotes only where consent allows");
    for r in &rows {
        let q = r["quote"].as_str().unwrap();
        let code = r["attribution"]
            .as_str()
            .unwrap()
            .rsplit(' ')
            .next()
            .unwrap();
        assert!(
            q == "we improved safety culture"
                || q == format!("[Participant {code}]'s view is simple"),
            "{q}"
        );
        assert_eq!(r.as_object().unwrap().len(), 2, "attribution and text only");
    }

    // The matrix, both formats; cases by export code and phase only.
    for f in ["csv", "xlsx"] {
        let mx = p(&format!("matrix.{f}"));
        ok(db, &["export", "matrix", "--out", &s(&mx), "--phase", "1"]);
        assert_eq!(manifest(&mx)["rows"], b.archivable.len());
    }
    let mut r = csv::Reader::from_path(p("matrix.csv")).unwrap();
    let h: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(&h[..2], ["export_code", "phase"]);
    let codes: HashSet<String> = r.records().map(|x| x.unwrap()[0].to_string()).collect();
    assert_eq!(codes, b.archivable);
    let text = std::fs::read_to_string(p("matrix.csv")).unwrap();
    assert!(text.contains("[Participant"), "summaries redacted: {text}");

    // Redacted transcripts.
    let dir = p("transcripts");
    ok(
        db,
        &["export", "transcripts", "--redacted", "--out", &s(&dir)],
    );
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "manifest.json")
        .collect();
    names.sort();
    let mut want: Vec<String> = b
        .archivable
        .iter()
        .map(|c| format!("{c}_phase1.txt"))
        .collect();
    want.sort();
    assert_eq!(names, want);
    for f in m["output"]["files"].as_array().unwrap() {
        let bytes = std::fs::read(dir.join(f["file"].as_str().unwrap())).unwrap();
        assert_eq!(f["sha256"], fieldwork::export::sha256_hex(&bytes));
        let t = String::from_utf8(bytes).unwrap();
        assert!(
            t.contains("[Colleague ") && t.contains("[Organisation "),
            "{t}"
        );
    }
    assert_eq!(m["counts"]["withheld_consent"], 3);
    // Every replacement was logged (in the database, never in the export).
    let logged = open(db).redaction_log(1_000_000).unwrap();
    assert!(logged.len() as u64 >= m["counts"]["replacements"].as_u64().unwrap());
    assert!(!logged.is_empty());

    // The REFI-QDA project.
    let qdpx = p("study.qdpx");
    ok(
        db,
        &["export", "project", "--format", "qdpx", "--out", &s(&qdpx)],
    );
    let parts = unzip(&qdpx);
    let qde = String::from_utf8(parts["project.qde"].clone()).unwrap();
    let qde_file = tmp.path().join("project.qde");
    std::fs::write(&qde_file, &qde).unwrap();
    xsd::assert_valid(&qde_file, "Project.xsd");
    let (sources, sels, cases, users) = parse_qde(&qde);
    assert_eq!(users, ["OI"]);
    assert_eq!(
        cases.iter().cloned().collect::<HashSet<_>>(),
        b.archivable,
        "cases are the participant table's rows"
    );
    assert_eq!(sources.len(), b.archivable.len());
    assert_eq!(sels.len(), 2 * b.archivable.len());
    let fw = open(db);
    let redactor = fw.redactor().unwrap();
    let theme = fw.resolve_theme("QMS/Safety culture").unwrap();
    // Selection GUID → (source name, redacted passage text): each coding is checked against
    // its own passage, redacted on its own by the same engine.
    let mut expected: HashMap<String, (String, String)> = HashMap::new();
    for person in b.people.iter().filter(|p| b.archivable.contains(&p.code)) {
        for pass in fw.transcript_view(&person.session).unwrap().passages {
            expected.insert(
                fieldwork::export::text::derived_guid("selection", &pass.id),
                (
                    format!("{}_phase1", person.code),
                    redactor.redact(&pass.quote),
                ),
            );
        }
    }
    assert_eq!(expected.len(), sels.len());
    for sel in &sels {
        let (name, path) = &sources[&sel.source];
        let file = path
            .strip_prefix("internal://")
            .expect("internal:// scheme");
        assert_eq!(file, format!("{}.txt", sel.source), "named by GUID");
        let text = String::from_utf8(parts[&format!("sources/{file}")].clone()).unwrap();
        let got: String = text
            .chars()
            .skip(sel.start)
            .take(sel.end - sel.start)
            .collect();
        let (want_source, want) = &expected[&sel.guid];
        assert_eq!(name, want_source);
        assert_eq!(
            &got, want,
            "{name}: selection {}..{} is not its redacted passage",
            sel.start, sel.end
        );
        assert_eq!(sel.code, theme.id);
    }
    // The passage after a redacted name selects the same words in the redacted source.
    assert!(sels.iter().any(|sel| {
        let (_, path) = &sources[&sel.source];
        let text =
            String::from_utf8(parts[&format!("sources/{}", &path["internal://".len()..])].clone())
                .unwrap();
        text.chars()
            .skip(sel.start)
            .take(sel.end - sel.start)
            .collect::<String>()
            == "we improved safety culture"
    }));
    drop(fw);

    // Nothing anywhere names anyone.
    assert_no_identifiers(&out, &ids);

    // Re-export: the same GUIDs and positions, the same quotes, the same transcripts.
    let qdpx2 = p("study2.qdpx");
    ok(db, &["export", "project", "--out", &s(&qdpx2)]);
    let qde2 = String::from_utf8(unzip(&qdpx2)["project.qde"].clone()).unwrap();
    let (sources2, mut sels2, _, _) = parse_qde(&qde2);
    let mut sels1 = sels.clone();
    sels1.sort();
    sels2.sort();
    assert_eq!(sels1, sels2);
    assert_eq!(sources, sources2);
    ok(
        db,
        &[
            "export",
            "quotes",
            "--theme",
            "QMS/Safety culture",
            "--format",
            "csv",
            "--out",
            &s(&p("quotes.csv")),
            "--force",
        ],
    );
    let again = p("again.csv");
    ok(
        db,
        &[
            "export",
            "quotes",
            "--theme",
            "QMS/Safety culture",
            "--out",
            &s(&again),
        ],
    );
    assert_eq!(
        std::fs::read(p("quotes.csv")).unwrap(),
        std::fs::read(&again).unwrap()
    );
    assert_no_identifiers(&out, &ids);
}

#[test]
fn text_exports_refuse_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let b = study(tmp.path());
    let db = &b.db;
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let s = |n: &str| out.join(n).to_str().unwrap().to_string();
    let empty = |dir: &Path| std::fs::read_dir(dir).unwrap().next().is_none();

    // An unregistered name in a new transcript: a suspect nobody reviewed.
    let mut fw = open(db);
    let p = &b.people[0];
    let s2 = fw
        .log_interview(&InterviewInput {
            participants: vec![p.code.clone()],
            date: Some(date!(2023 - 02 - 10)),
            ..Default::default()
        })
        .unwrap()
        .session
        .id;
    let file = tmp.path().join("second.txt");
    std::fs::write(
        &file,
        "Interviewer: Hello.\n\nP: I worked with Peregrine Wolstenholme on safety culture.\n",
    )
    .unwrap();
    fw.import_transcript(&s2, &file, false).unwrap();
    let (a, e) = fw
        .find_in_transcript(&s2, "Peregrine Wolstenholme on safety", None)
        .unwrap();
    fw.tag_passage(&s2, a, e, &["QMS/Safety culture".to_string()], None)
        .unwrap();
    // A group interview, and a second interview of the same person in the same phase.
    let mut group = vec![b.people[1].code.clone(), b.people[2].code.clone()];
    for (who, file) in [
        (group.clone(), "group.txt"),
        (vec![b.people[3].code.clone()], "again.txt"),
    ] {
        let sid = fw
            .log_interview(&InterviewInput {
                participants: who,
                date: Some(date!(2022 - 02 - 10)),
                ..Default::default()
            })
            .unwrap()
            .session
            .id;
        let f = tmp.path().join(file);
        std::fs::write(
            &f,
            "Interviewer: Hello.\n\nP: We improved safety culture.\n",
        )
        .unwrap();
        fw.import_transcript(&sid, &f, false).unwrap();
    }
    group.sort();
    drop(fw);
    let err = refused(
        db,
        &["export", "transcripts", "--redacted", "--out", &s("t")],
    );
    assert!(err.contains("not reviewed"), "{err}");
    let err = refused(db, &["export", "project", "--out", &s("p.qdpx")]);
    assert!(err.contains("not reviewed"), "{err}");
    let err = refused(
        db,
        &[
            "export",
            "quotes",
            "--theme",
            "QMS/Safety culture",
            "--out",
            &s("q.csv"),
        ],
    );
    assert!(err.contains("not reviewed"), "{err}");
    assert!(!err.contains("Wolstenholme"), "{err}");
    assert!(empty(&out), "refusals leave nothing behind");
    // --allow-unreviewed goes ahead, and says so.
    let warn = ok(
        db,
        &[
            "export",
            "transcripts",
            "--redacted",
            "--out",
            &s("t"),
            "--allow-unreviewed",
        ],
    );
    assert!(warn.contains("not reviewed"), "{warn}");
    let names: HashSet<String> = std::fs::read_dir(out.join("t"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for n in [
        format!("{}_phase1.txt", group.join("-")),
        format!("{}_phase1_2.txt", b.people[3].code),
        format!("{}_phase2.txt", b.people[0].code),
    ] {
        assert!(names.contains(&n), "{n} not in {names:?}");
    }
    // Never overwrite without --force.
    refused(
        db,
        &[
            "export",
            "transcripts",
            "--redacted",
            "--out",
            &s("t"),
            "--allow-unreviewed",
        ],
    );
    std::fs::remove_dir_all(out.join("t")).unwrap();

    // A participant's phone number in a memo, the participant added after the register was
    // seeded: the project is refused, naming the passage. (A registered participant's phone
    // would be replaced, whatever its separators.)
    let mut fw = open(db);
    fw.add_participant(&ParticipantInput {
        name: Some("Late Addition".into()),
        phone: Some("07700 900099".into()),
        email: Some("late.addition@northshire-ics.example".into()),
        role: Some("q-manager".into()),
        site: Some("A".into()),
        ..Default::default()
    })
    .unwrap();
    let (a, e) = fw
        .find_in_transcript(&b.people[1].session, "measure less", None)
        .unwrap();
    fw.tag_passage(
        &b.people[1].session,
        a,
        e,
        &["QMS/Safety culture".to_string()],
        Some("call back on 07700 900099"),
    )
    .unwrap();
    drop(fw);
    let logged = open(db).redaction_log(1_000_000).unwrap().len();
    let err = refused(
        db,
        &[
            "export",
            "project",
            "--out",
            &s("p.qdpx"),
            "--allow-unreviewed",
        ],
    );
    assert_eq!(
        open(db).redaction_log(1_000_000).unwrap().len(),
        logged,
        "a refused export logs nothing"
    );
    assert!(
        err.contains("memo of passage") && err.contains("phone"),
        "{err}"
    );
    assert!(!err.contains("900099"), "{err}");
    assert!(!out.join("p.qdpx").exists());

    // A participant's email in a matrix summary (the participant added after the register
    // was seeded): refused, naming the cell, not the value.
    let mut fw = open(db);
    fw.set_matrix_summary(
        &b.people[1].code,
        "QMS/Safety culture",
        1,
        Some("write to late.addition@northshire-ics.example"),
    )
    .unwrap();
    drop(fw);
    let err = refused(db, &["export", "matrix", "--out", &s("m.xlsx")]);
    assert!(
        err.contains(&b.people[1].code) && err.contains("email"),
        "{err}"
    );
    assert!(!err.contains("late.addition@"), "{err}");
    // Bad input names the problem.
    let err = refused(db, &["export", "matrix", "--out", &s("m.txt")]);
    assert!(err.contains(".xlsx or .csv"), "{err}");
    let err = refused(
        db,
        &[
            "export",
            "quotes",
            "--theme",
            "No such theme",
            "--out",
            &s("q.csv"),
        ],
    );
    assert!(err.to_lowercase().contains("theme"), "{err}");
    refused(
        db,
        &[
            "export",
            "quotes",
            "--theme",
            "QMS/Safety culture",
            "--format",
            "docx",
            "--out",
            &s("q.csv"),
        ],
    );
    assert!(empty(&out), "refusals leave nothing behind");
}

#[test]
fn project_with_originals_warns_and_selects_the_original_words() {
    let tmp = tempfile::tempdir().unwrap();
    let b = study(tmp.path());
    let db = &b.db;
    let out = tmp.path().join("orig.qdpx");
    let err = ok(
        db,
        &[
            "export",
            "project",
            "--out",
            out.to_str().unwrap(),
            "--originals",
        ],
    );
    assert!(err.contains("WARNING") && err.contains("ORIGINAL"), "{err}");
    let parts = unzip(&out);
    let qde = String::from_utf8(parts["project.qde"].clone()).unwrap();
    let qde_file = tmp.path().join("orig.qde");
    std::fs::write(&qde_file, &qde).unwrap();
    xsd::assert_valid(&qde_file, "Project.xsd");
    let (sources, sels, _, _) = parse_qde(&qde);
    let fw = open(db);
    let quotes: HashMap<String, String> = b
        .people
        .iter()
        .flat_map(|p| fw.transcript_view(&p.session).unwrap().passages)
        .map(|p| {
            (
                fieldwork::export::text::derived_guid("selection", &p.id),
                p.quote,
            )
        })
        .collect();
    assert!(!sels.is_empty());
    for sel in &sels {
        let (_, path) = &sources[&sel.source];
        let text =
            String::from_utf8(parts[&format!("sources/{}", &path["internal://".len()..])].clone())
                .unwrap();
        let got: String = text
            .chars()
            .skip(sel.start)
            .take(sel.end - sel.start)
            .collect();
        assert_eq!(got, quotes[&sel.guid], "the original words");
    }
    // The previews (for the terminal interface) agree with what the exports write, and
    // write nothing.
    let before: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    let logged = fw.redaction_log(1_000_000).unwrap().len();
    let pq = fieldwork::export::quotes::preview_quotes(&fw, "QMS/Safety culture").unwrap();
    assert_eq!(pq.rows.len(), 2 * b.quotable.len());
    assert_eq!(pq.withheld_consent, 2 * (b.people.len() - b.quotable.len()));
    let pm = fieldwork::export::matrix::preview_matrix(&fw, Some(1)).unwrap();
    assert_eq!(pm.rows.len(), b.archivable.len());
    assert_eq!(pm.cases_withheld, b.people.len() - b.archivable.len());
    let pt = fieldwork::export::transcripts::preview_transcripts(&fw).unwrap();
    assert_eq!(pt.files.len(), b.archivable.len());
    assert_eq!(pt.unreviewed_suspects, 0);
    let pp = fieldwork::export::project::preview_project(&fw, false).unwrap();
    assert_eq!(
        (pp.sources, pp.codings, pp.notes, pp.cases),
        (
            b.archivable.len(),
            2 * b.archivable.len(),
            b.archivable.len(),
            b.archivable.len()
        )
    );
    assert_eq!(pp.withheld_sources, b.people.len() - b.archivable.len());
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        before.len(),
        "previews write nothing"
    );
    assert_eq!(fw.redaction_log(1_000_000).unwrap().len(), logged);
    // Even so: no memo, case or user name carries an identifier in project.qde.
    let ids = identifiers(&fw);
    let low = qde.to_lowercase();
    for id in &ids {
        assert!(!low.contains(id.as_str()), "project.qde contains `{id}`");
    }
}
