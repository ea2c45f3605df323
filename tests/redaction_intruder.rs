//! A motivated intruder's pass over every export (issue 9): participants with generated
//! names (given names and surnames combined at random from the demo's invented lists, plus
//! a given name that is a common word and a hyphenated surname) are written into
//! transcripts, memos, matrix summaries and theme descriptions in every surface form — the
//! given name alone at a sentence start, the surname alone at a sentence start and in lower
//! case, possessives, hyphenated parts, title + surname, initials, across a line break,
//! phones with dots, dashes, spaces, `+44` and `0`, emails in capitals — and third parties
//! nobody registered. After `redact seed` and a review on the real binary, every export
//! (participants csv/xlsx/json/datapackage, Table 1, quotes, matrix, transcripts, codebook,
//! project with every member unzipped) is scanned after NFKC, case folding and, for phones,
//! digit normalisation: no identifier may be found. Where a review is skipped or the
//! register incomplete, the export must refuse, naming the place.

use std::path::{Path, PathBuf};

use fieldwork::config::{self, ConsentPolicy};
use fieldwork::service::{Fieldwork, Settings};

mod ondisk;
mod scan;

const NAMES: &str = include_str!("../assets/demo/names.txt");

fn section(name: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut on = false;
    for l in NAMES.lines() {
        let l = l.trim();
        if l.starts_with('[') {
            on = l == format!("[{name}]");
            continue;
        }
        if on && !l.is_empty() && !l.starts_with('#') {
            out.push(l);
        }
    }
    out
}

/// A seeded xorshift: the same names every run (property-style, many shapes).
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

struct Person {
    code: String,
    given: String,
    surname: String,
    email: String,
    phone: String,
    session: String,
}

fn settings(dir: &Path) -> Settings {
    Settings {
        user: "Ottoline Investigator".into(),
        transcripts_root: dir.to_path_buf(),
        consent_policy: ConsentPolicy::Refuse,
    }
}

use ondisk::{interviewee, run};

fn ok(db: &Path, args: &[&str]) -> String {
    let (code, out, err) = run(db, args);
    assert_eq!(code, 0, "{args:?}: {err}");
    out
}

fn refused(db: &Path, args: &[&str]) -> String {
    let (code, _, err) = run(db, args);
    assert_eq!(code, 2, "{args:?} should be refused: {err}");
    err
}

/// The transcript of one participant: every surface form of their identifiers, a colleague
/// (another participant) by first name, and two third parties nobody registered.
fn transcript(p: &Person, colleague: &Person, third: (&str, &str)) -> String {
    let (g, s) = (&p.given, &p.surname);
    let parts: Vec<&str> = s.split('-').collect();
    let digits: String = p.phone.chars().filter(char::is_ascii_digit).collect();
    let nat = digits.trim_start_matches('0');
    let (a, rest) = nat.split_at(4);
    let (b, c) = rest.split_at(3);
    format!(
        "Interviewer: Thank you for coming in.\n\n\
         Participant: {g} here. {s} is my surname, people say {lower} all the time. \
         It was {g}'s plan and {s}'s budget. {last} was on every form. \
         Dr {s} chaired it; Ms. {s} too; the minutes say {i}. {s}. \
         I wrote to {g}\n{s} about it. Call 0{a}.{b}.{c} or 0{a}-{b}-{c} or +44 {a} {b} {c} \
         or 0044 (0){a}{b}{c}. Mail {email_upper}. {cg} from the other team agreed.\n\n\
         Interviewer: Anyone else?\n\n\
         Participant: We brought in {tg} {ts} from the council, and Dr {ts2} disagreed. \
         We improved safety culture together.\n",
        lower = s.to_lowercase(),
        last = parts[parts.len() - 1],
        i = &g[..1],
        email_upper = p.email.to_uppercase(),
        cg = colleague.given,
        tg = third.0,
        ts = third.1,
        ts2 = third.1,
    )
}

fn build(dir: &Path) -> (PathBuf, Vec<Person>) {
    let db = dir.join("study.db");
    std::fs::write(
        dir.join("fieldwork.toml"),
        "[user]\nname = \"Ottoline Investigator\"\n",
    )
    .unwrap();
    let st = config::parse(config::DEFAULT_STUDY, "x").unwrap().study;
    let mut fw = Fieldwork::create(&db, &st, settings(dir)).unwrap();
    fw.add_theme("Safety culture", Some("QMS"), None, None, Some("#336699"))
        .unwrap();
    // A theme description naming a third party in lower case and by title.
    fw.add_theme(
        "Clinical voice",
        Some("QMS"),
        None,
        Some("Clinical voice as dr kowalski described it"),
        None,
    )
    .unwrap();
    let given = section("given");
    let family = section("family");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    // Fixed shapes first: a given name that is a common word, hyphenated and
    // double-barrelled surnames; then names combined at random.
    let mut names: Vec<(String, String)> = vec![
        ("Hope".into(), "Quarrington".into()),
        ("Tamsin".into(), "Hartwell-Pike".into()),
        ("Ellery".into(), "Ashcombe-Fray".into()),
    ];
    while names.len() < 10 {
        let g = given[rng.below(given.len())].to_string();
        let f = family[rng.below(family.len())].to_string();
        if !names.iter().any(|(a, b)| *a == g || *b == f) {
            names.push((g, f));
        }
    }
    let mut people = Vec::new();
    for (n, (g, s)) in names.iter().enumerate() {
        let email = format!("{}.{}@trust{n}.example", g.to_lowercase(), n);
        let phone = format!("01632 960 {:03}", 100 + n);
        let (p, session) =
            interviewee(&mut fw, &format!("{g} {s}"), Some(&email), Some(&phone), 55);
        people.push(Person {
            code: p.code,
            given: g.clone(),
            surname: s.clone(),
            email,
            phone,
            session,
        });
    }
    let thirds = [
        ("Jennifer", "Kowalski"),
        ("Marcus", "Nguyen"),
        ("Dolores", "Lindqvist"),
    ];
    for i in 0..people.len() {
        let colleague = &people[(i + 1) % people.len()];
        let text = transcript(&people[i], colleague, thirds[i % thirds.len()]);
        let file = dir.join(format!("t{i}.txt"));
        std::fs::write(&file, text).unwrap();
        fw.import_transcript(&people[i].session, &file, false)
            .unwrap();
        let p = &people[i];
        let (a, b) = fw
            .find_in_transcript(&p.session, &format!("{}'s plan", p.given), None)
            .unwrap();
        // The memo: the given name alone, the phone with dots, the email in capitals.
        let digits: String = p.phone.chars().filter(char::is_ascii_digit).collect();
        fw.tag_passage(
            &p.session,
            a,
            b,
            &["QMS/Safety culture".to_string()],
            Some(&format!(
                "{} says call {}.{} or {}",
                p.given,
                &digits[..5],
                &digits[5..],
                p.email.to_uppercase()
            )),
        )
        .unwrap();
        let (a, b) = fw
            .find_in_transcript(
                &p.session,
                &format!(
                    "We brought in {} {}",
                    thirds[i % thirds.len()].0,
                    thirds[i % thirds.len()].1
                ),
                None,
            )
            .unwrap();
        fw.tag_passage(&p.session, a, b, &["QMS/Safety culture".to_string()], None)
            .unwrap();
        fw.set_matrix_summary(
            &p.code,
            "QMS/Safety culture",
            1,
            Some(&format!(
                "{} leads with nguyen; ask {} (or {})",
                p.surname.to_lowercase(),
                p.given,
                p.email.to_uppercase()
            )),
        )
        .unwrap();
    }
    (db, people)
}

/// The identifiers an intruder would look for, normalised: given names, surname parts,
/// emails, and the phones' national digits; and the third parties.
fn identifiers(people: &[Person]) -> (Vec<String>, Vec<String>) {
    let mut words = Vec::new();
    let mut phones = Vec::new();
    for p in people {
        words.push(p.given.to_lowercase());
        for part in p.surname.split('-') {
            words.push(part.to_lowercase());
        }
        words.push(p.email.to_lowercase());
        let d: String = p.phone.chars().filter(char::is_ascii_digit).collect();
        phones.push(d.trim_start_matches('0').to_string());
    }
    for w in [
        "jennifer",
        "kowalski",
        "marcus",
        "nguyen",
        "dolores",
        "lindqvist",
    ] {
        words.push(w.into());
    }
    (words, phones)
}

/// The simulated reviewer: the classes, then every suspect left accepted as a new
/// identifier (dates allowed), all through the binary.
fn review(db: &Path) {
    ok(db, &["redact", "allow", "--class", "common-words"]);
    let v: serde_json::Value =
        serde_json::from_str(&ok(db, &["redact", "suspects", "--json"])).unwrap();
    for (n, g) in v.as_array().unwrap().iter().enumerate() {
        let text = g["text"].as_str().unwrap();
        if g["reason"] == "date" {
            ok(db, &["redact", "allow", text]);
        } else {
            ok(
                db,
                &[
                    "redact",
                    "accept",
                    text,
                    "--kind",
                    "person",
                    "--label",
                    &format!("[Person {}]", n + 1),
                ],
            );
        }
    }
    let left: serde_json::Value =
        serde_json::from_str(&ok(db, &["redact", "suspects", "--json"])).unwrap();
    assert_eq!(left.as_array().unwrap().len(), 0, "{left}");
}

#[test]
fn no_export_carries_an_identifier_in_any_form() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, people) = build(tmp.path());
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let o = |n: &str| out.join(n).to_str().unwrap().to_string();

    // Before any review: every text export refuses, naming a place, never a name.
    ok(&db, &["redact", "seed"]);
    for args in [
        vec!["export", "transcripts", "--redacted", "--out", &o("t0")],
        vec![
            "export",
            "project",
            "--format",
            "qdpx",
            "--out",
            &o("p0.qdpx"),
        ],
        vec!["export", "matrix", "--out", &o("m0.csv")],
        vec!["export", "codebook", "--out", &o("c0.qdc")],
    ] {
        let err = refused(&db, &args);
        assert!(err.contains("not reviewed"), "{args:?}: {err}");
        for w in ["kowalski", "jennifer", "nguyen"] {
            assert!(!err.to_lowercase().contains(w), "{err}");
        }
    }
    let err = refused(
        &db,
        &[
            "export",
            "quotes",
            "--theme",
            "QMS/Safety culture",
            "--out",
            &o("q0.csv"),
        ],
    );
    assert!(err.contains("not reviewed"), "{err}");
    assert!(std::fs::read_dir(&out).unwrap().next().is_none());

    // `redact suspects` lists the third parties wherever they are: in transcripts, and in
    // the theme description (field named), each once.
    let v: serde_json::Value =
        serde_json::from_str(&ok(&db, &["redact", "suspects", "--json"])).unwrap();
    let texts: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["norm"].as_str().unwrap().to_string())
        .collect();
    for want in ["jennifer kowalski", "nguyen", "kowalski"] {
        assert!(texts.iter().any(|t| t == want), "{want} not in {texts:?}");
    }
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["occurrences"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["field"]
                .as_str()
                .is_some_and(|f| f.starts_with("theme description")))));
    // The transcripts export's preview count is the same count.
    let n = texts.len();
    let err = refused(
        &db,
        &["export", "transcripts", "--redacted", "--out", &o("t0")],
    );
    assert!(err.contains(&format!("{n} suspect(s)")), "{n}: {err}");

    review(&db);
    // Theme texts are exported as written (not redacted): the codebook now refuses the
    // description naming a reviewed third party, naming the theme; the analyst retires it.
    let err = refused(&db, &["export", "codebook", "--out", &o("c1.qdc")]);
    assert!(
        err.contains("Clinical voice") && err.contains("name"),
        "{err}"
    );
    assert!(!err.to_lowercase().contains("kowalski"), "{err}");
    Fieldwork::open(&db, settings(tmp.path()))
        .unwrap()
        .retire_theme("QMS/Clinical voice")
        .unwrap();

    // Every export, every format.
    let mut outputs: Vec<String> = Vec::new();
    for f in ["csv", "xlsx", "json"] {
        let p = o(&format!("participants.{f}"));
        ok(
            &db,
            &[
                "export",
                "participants",
                "--format",
                f,
                "--out",
                &p,
                "--k",
                "3",
            ],
        );
        outputs.push(p);
    }
    let p = o("package");
    ok(
        &db,
        &[
            "export",
            "participants",
            "--format",
            "datapackage",
            "--out",
            &p,
            "--k",
            "3",
        ],
    );
    outputs.push(p);
    for f in ["md", "csv", "xlsx"] {
        let p = o(&format!("table1.{f}"));
        ok(&db, &["export", "table1", "--format", f, "--out", &p]);
        outputs.push(p);
    }
    for f in ["csv", "md", "json"] {
        let p = o(&format!("quotes.{f}"));
        ok(
            &db,
            &[
                "export",
                "quotes",
                "--theme",
                "QMS/Safety culture",
                "--format",
                f,
                "--out",
                &p,
            ],
        );
        outputs.push(p);
    }
    for f in ["csv", "xlsx"] {
        let p = o(&format!("matrix.{f}"));
        ok(&db, &["export", "matrix", "--out", &p]);
        outputs.push(p);
    }
    let p = o("transcripts");
    ok(&db, &["export", "transcripts", "--redacted", "--out", &p]);
    outputs.push(p);
    let p = o("codebook.qdc");
    ok(&db, &["export", "codebook", "--out", &p]);
    outputs.push(p);
    let p = o("project.qdpx");
    ok(&db, &["export", "project", "--format", "qdpx", "--out", &p]);
    outputs.push(p);

    let (words, phones) = identifiers(&people);
    // The scanner finds every planted form in an original transcript (so silence below
    // means something): names, the lower-case surname, the email in capitals, and the
    // phone written four ways.
    let original = scan::contents(&tmp.path().join("t1.txt"));
    let found = scan::leaks(&original, &words, &phones);
    for want in ["`tamsin`", "`hartwell`", "`pike`", "@trust1.example`"] {
        assert!(found.iter().any(|f| f.contains(want)), "{want}: {found:#?}");
    }
    assert!(
        found.iter().filter(|f| f.contains("phone")).count() >= 4,
        "{found:#?}"
    );
    let files = scan::contents(&out);
    assert!(files.len() >= 20, "{}", files.len());
    let leaks = scan::leaks(&files, &words, &phones);
    assert!(leaks.is_empty(), "{leaks:#?}");
    // The redaction happened (the labels are there), so the scan looked at real text.
    let all: String = files.iter().map(|(_, t)| t.as_str()).collect();
    for p in &people {
        assert!(
            all.contains(&format!("[Participant {}]", p.code)),
            "{}",
            p.code
        );
    }
}

#[test]
fn the_last_guard_refuses_and_names_the_place() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, people) = build(tmp.path());
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let o = |n: &str| out.join(n).to_str().unwrap().to_string();
    // A participant's surname as the output's file name: refused, naming the file name
    // (never the surname), nothing written.
    let p = &people[3];
    let name = format!("{}.csv", p.surname.to_lowercase());
    let err = refused(
        &db,
        &[
            "export",
            "participants",
            "--format",
            "csv",
            "--out",
            &o(&name),
            "--k",
            "3",
        ],
    );
    assert!(err.contains("file name") && err.contains("name"), "{err}");
    assert!(std::fs::read_dir(&out).unwrap().next().is_none());
    // A participant's given name in a theme description: the codebook is refused, naming
    // the theme, even with --allow-unreviewed.
    let mut fw = Fieldwork::open(&db, settings(tmp.path())).unwrap();
    fw.add_theme(
        "Quiet leadership",
        Some("QMS"),
        None,
        Some(&format!("What {} said about it", p.given.to_lowercase())),
        None,
    )
    .unwrap();
    drop(fw);
    ok(&db, &["redact", "seed"]);
    let err = refused(
        &db,
        &[
            "export",
            "codebook",
            "--out",
            &o("c.qdc"),
            "--allow-unreviewed",
        ],
    );
    assert!(
        err.contains("Quiet leadership") && err.contains("name"),
        "{err}"
    );
    assert!(!err.contains(&p.given), "{err}");
    assert!(!out.join("c.qdc").exists());
}

/// A small study for the second intruder pass: each (name, email, phone) a participant at
/// site A with one interview whose transcript is `text` (the participant's turn).
fn study(dir: &Path, people: &[(&str, &str, &str, &str)]) -> (PathBuf, Vec<(String, String)>) {
    let db = dir.join("study.db");
    std::fs::write(
        dir.join("fieldwork.toml"),
        "[user]\nname = \"Ottoline Investigator\"\n",
    )
    .unwrap();
    let st = config::parse(config::DEFAULT_STUDY, "x").unwrap().study;
    let mut fw = Fieldwork::create(&db, &st, settings(dir)).unwrap();
    fw.add_theme("Safety culture", Some("QMS"), None, None, None)
        .unwrap();
    let mut out = Vec::new();
    for (n, (name, email, phone, text)) in people.iter().enumerate() {
        let (p, session) = interviewee(&mut fw, name, Some(email), Some(phone), 55);
        let file = dir.join(format!("r{n}.txt"));
        std::fs::write(
            &file,
            format!("Interviewer: Thank you.\n\nParticipant: {text}\n"),
        )
        .unwrap();
        fw.import_transcript(&session, &file, false).unwrap();
        out.push((p.code, session));
    }
    (db, out)
}

/// The suspects' texts (as listed, normalised).
fn suspect_texts(db: &Path) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_str(&ok(db, &["redact", "suspects", "--json"])).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|g| g["norm"].as_str().unwrap().to_string())
        .collect()
}

/// A reviewer who accepts every suspect exactly as it is listed (dates allowed) must be
/// left with nothing identifying in the redacted transcripts: the suspect's text must be
/// the whole name, not a fragment ("Callum Mc" of "Callum McGregor", "Di" of "DiAngelo").
#[test]
fn suspects_cover_whole_names_with_inner_capitals_and_apostrophes() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = study(
        tmp.path(),
        &[(
            "Ailsa Brockhurst",
            "ab@trust.example",
            "01632 960 301",
            "We met Callum McGregor, then spoke to DiAngelo and to MacDonald, \
             and Ruairidh O\u{2019}Donnell and ODonnell and LeBlanc agreed.",
        )],
    );
    ok(&db, &["redact", "seed"]);
    let texts = suspect_texts(&db);
    for want in [
        "callum mcgregor",
        "diangelo",
        "macdonald",
        "ruairidh o'donnell",
        "odonnell",
        "leblanc",
    ] {
        // Whole words of a listed text (a run "O’Donnell and ODonnell" is one text).
        assert!(
            texts
                .iter()
                .any(|t| format!(" {t} ").contains(&format!(" {want} "))),
            "{want} not in {texts:?}"
        );
    }
    review(&db);
    let out = tmp.path().join("t");
    ok(
        &db,
        &[
            "export",
            "transcripts",
            "--redacted",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let words: Vec<String> = ["gregor", "angelo", "donald", "donnell", "odonnell", "blanc"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let leaks = scan::leaks(&scan::contents(&out), &words, &[]);
    assert!(leaks.is_empty(), "{leaks:#?}");
}

/// Export the redacted transcripts without a review (`--allow-unreviewed`) and return what
/// an intruder finds of `words` in them: what the register knows must be replaced even
/// when nobody reviews.
fn unreviewed_leaks(dir: &Path, db: &Path, words: &[&str], phones: &[&str]) -> Vec<String> {
    let out = dir.join("unreviewed");
    ok(
        db,
        &[
            "export",
            "transcripts",
            "--redacted",
            "--allow-unreviewed",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let words: Vec<String> = words.iter().map(|s| s.to_string()).collect();
    let phones: Vec<String> = phones.iter().map(|s| s.to_string()).collect();
    let files = scan::contents(&out);
    assert!(files.iter().any(|(_, t)| t.contains("[Participant ")));
    scan::leaks(&files, &words, &phones)
}

/// A surname with an apostrophe is also written without it or with a space ("DArcy",
/// "D Arcy", "OHara", "O Hara"), and a Mc/Mac surname with a space ("Mc Tavish"): the
/// register knows these forms from the name alone.
#[test]
fn apostrophe_and_mc_surnames_are_registered_in_their_other_spellings() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = study(
        tmp.path(),
        &[
            (
                "Darragh D'Arcy",
                "dd@trust.example",
                "01632 960 311",
                "DArcy said so, and D Arcy wrote it; d’arcy agreed.",
            ),
            (
                "Siobhan O\u{2019}Hara",
                "so@trust.example",
                "01632 960 312",
                "OHara chaired, O Hara minuted, and O'Hara signed. O\u{2018}Hara, \
                 O\u{2bc}Hara, O`Hara and O\u{b4}Hara too.",
            ),
            (
                "Ewan McTavish",
                "em@trust.example",
                "01632 960 313",
                "Mc Tavish disagreed; later MCTAVISH and Mac Tavish did not.",
            ),
            (
                "Angus MacLeod Fairbairn",
                "amf@trust.example",
                "01632 960 314",
                "Mac Leod said so, McLeod agreed.",
            ),
        ],
    );
    ok(&db, &["redact", "seed"]);
    let leaks = unreviewed_leaks(
        tmp.path(),
        &db,
        &[
            "darcy", "arcy", "ohara", "hara", "tavish", "mctavish", "leod", "mcleod",
        ],
        &[],
    );
    assert!(leaks.is_empty(), "{leaks:#?}");
}

/// A registered email is also written without its plus tag, and in any case: the same
/// mailbox is the same identifier.
#[test]
fn an_email_is_found_without_its_plus_tag() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = study(
        tmp.path(),
        &[(
            "Wenna Treloar",
            "Wenna.Treloar+study@Kernow-Trust.example",
            "01632 960 321",
            "Write to wenna.treloar@kernow-trust.example or \
             WENNA.TRELOAR+STUDY@KERNOW-TRUST.EXAMPLE.",
        )],
    );
    ok(&db, &["redact", "seed"]);
    let leaks = unreviewed_leaks(tmp.path(), &db, &["kernow-trust.example"], &[]);
    assert!(leaks.is_empty(), "{leaks:#?}");
}

/// A registered surname that is a common word ("Pike"), in the possessive at a sentence
/// start (with a typographic apostrophe), goes to review like the bare word: an export is
/// refused until someone looks.
#[test]
fn a_name_or_word_in_the_possessive_at_a_sentence_start_is_reviewed() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = study(
        tmp.path(),
        &[(
            "Tamsin Hartwell-Pike",
            "thp@trust.example",
            "01632 960 331",
            "It was agreed. Pike\u{2019}s plan won.",
        )],
    );
    ok(&db, &["redact", "seed"]);
    let v: serde_json::Value =
        serde_json::from_str(&ok(&db, &["redact", "suspects", "--json"])).unwrap();
    let hits: Vec<&serde_json::Value> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["reason"] == "name-or-word")
        .collect();
    assert!(
        hits.iter()
            .map(|g| g["occurrences"].as_array().unwrap().len())
            .sum::<usize>()
            >= 1,
        "{v:#}"
    );
    let out = tmp.path().join("t");
    let err = refused(
        &db,
        &[
            "export",
            "transcripts",
            "--redacted",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(err.contains("not reviewed"), "{err}");
}

/// The parts every XLSX workbook carries whatever it holds (the theme names fonts such as
/// "Latha", "Shruti", "Kartika", "Vrinda") hold no participant's data: a participant with
/// such a name must not make every XLSX export impossible. The cells are still guarded.
#[test]
fn a_name_that_is_a_font_of_the_workbook_theme_does_not_block_xlsx() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = study(
        tmp.path(),
        &[
            (
                "Latha Pennycross",
                "lp@trust.example",
                "01632 960 341",
                "Fine.",
            ),
            (
                "Shruti Coldharbour",
                "sc@trust.example",
                "01632 960 342",
                "Fine.",
            ),
            (
                "Vrinda Ashbrook",
                "va@trust.example",
                "01632 960 343",
                "Fine.",
            ),
        ],
    );
    ok(&db, &["redact", "seed"]);
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let t1 = out.join("table1.xlsx");
    ok(
        &db,
        &[
            "export",
            "table1",
            "--format",
            "xlsx",
            "--out",
            t1.to_str().unwrap(),
        ],
    );
    let p = out.join("participants.xlsx");
    ok(
        &db,
        &[
            "export",
            "participants",
            "--format",
            "xlsx",
            "--k",
            "3",
            "--out",
            p.to_str().unwrap(),
        ],
    );
    // The theme does name the fonts (the test means something), and no cell names anyone.
    let files = scan::contents(&out);
    assert!(files
        .iter()
        .any(|(n, t)| n.ends_with("theme1.xml") && t.contains("Latha")));
    let cells: Vec<(String, String)> = files
        .into_iter()
        .filter(|(n, _)| !n.ends_with("theme1.xml"))
        .collect();
    let words: Vec<String> = ["latha", "shruti", "vrinda", "pennycross"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let leaks = scan::leaks(&cells, &words, &[]);
    assert!(leaks.is_empty(), "{leaks:#?}");
}

/// The scanner reads what an intruder reads, with code of its own: XML references, accents,
/// invisible characters, full-width letters, typographic apostrophes, line breaks.
#[test]
fn the_scanner_reads_what_an_intruder_reads() {
    let files = vec![(
        "project.qdpx!project.qde".to_string(),
        "<Note>O&apos;Hara met &#x5A;o&#xEB; and Ta\u{ad}m\u{200b}sin; \u{ff30}\u{ff29}\u{ff2b}\u{ff25} \
         and D\u{2019}Arcy wrote to Ellery\nAshcombe. A&E stayed.</Note>"
            .to_string(),
    )];
    let words: Vec<String> = [
        "o'hara",
        "zoe",
        "tamsin",
        "pike",
        "d'arcy",
        "ellery ashcombe",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let found = scan::leaks(&files, &words, &[]);
    assert_eq!(found.len(), words.len(), "{found:#?}");
}

/// A framework's name is free text that leaves in the codebook: an unreviewed third party
/// in it refuses the codebook export like a theme's, with the same count as `redact
/// suspects` and the project export.
#[test]
fn an_unreviewed_name_in_a_framework_name_refuses_the_codebook() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = study(
        tmp.path(),
        &[(
            "Ailsa Brockhurst",
            "ab@trust.example",
            "01632 960 351",
            "Fine.",
        )],
    );
    ok(&db, &["redact", "seed"]);
    ok(
        &db,
        &[
            "theme",
            "framework",
            "Kowalski frame",
            "--description",
            "plain",
        ],
    );
    ok(
        &db,
        &["theme", "add", "Voice", "--framework", "Kowalski frame"],
    );
    let n = suspect_texts(&db).len();
    assert_eq!(n, 1, "{:?}", suspect_texts(&db));
    let c = tmp.path().join("c.qdc");
    let err = refused(&db, &["export", "codebook", "--out", c.to_str().unwrap()]);
    assert!(
        err.contains("1 suspect(s)") && err.contains("framework name"),
        "{err}"
    );
    assert!(!err.contains("Kowalski"), "{err}");
    assert!(!c.exists());
    let p = tmp.path().join("p.qdpx");
    let err = refused(
        &db,
        &[
            "export",
            "project",
            "--format",
            "qdpx",
            "--out",
            p.to_str().unwrap(),
        ],
    );
    assert!(err.contains("1 suspect(s)"), "{err}");
}

/// A registered phone written with typographic dashes, with an extension, or glued to a
/// word is the phone: replaced without review and never in an export. The scanner sees
/// each form in the original (its silence afterwards means something).
#[test]
fn a_phone_with_dashes_an_extension_or_glued_to_a_word_is_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let forms = [
        "01632 \u{2013} 960 361",
        "01632\u{2014}960361",
        "01632\u{2011}960\u{2011}361",
        "01632 960361x12",
        "01632 960361 ext. 4",
        "Tel01632960361",
        "+44\u{2212}1632\u{2212}960361",
    ];
    let text = format!("Ring {}.", forms.join(" or "));
    let (db, _) = study(
        tmp.path(),
        &[(
            "Ailsa Brockhurst",
            "ab@trust.example",
            "01632 960 361",
            &text,
        )],
    );
    ok(&db, &["redact", "seed"]);
    let original = scan::contents(&tmp.path().join("r0.txt"));
    let seen = scan::leaks(&original, &[], &["1632960361".to_string()]);
    assert!(seen.len() >= forms.len(), "{seen:#?}");
    let leaks = unreviewed_leaks(tmp.path(), &db, &[], &["1632960361"]);
    assert!(leaks.is_empty(), "{leaks:#?}");
}

/// A phone nobody registered, written with typographic dashes, is a suspect like one with
/// hyphens.
#[test]
fn an_unregistered_phone_with_typographic_dashes_is_a_suspect() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = study(
        tmp.path(),
        &[(
            "Ailsa Brockhurst",
            "ab@trust.example",
            "01632 960 371",
            "Her deputy is on 01632\u{2013}960\u{2013}999 and 01632 \u{2014} 960 998.",
        )],
    );
    ok(&db, &["redact", "seed"]);
    let v: serde_json::Value =
        serde_json::from_str(&ok(&db, &["redact", "suspects", "--json"])).unwrap();
    let phones = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["reason"] == "phone")
        .count();
    assert_eq!(phones, 2, "{v:#}");
}

/// Names in scripts written without spaces between words (Chinese, Japanese) or with
/// particles attached (Korean) stand next to other letters: a registered name is found
/// there too.
#[test]
fn names_in_scripts_without_spaces_are_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = study(
        tmp.path(),
        &[
            (
                "李明",
                "lm@trust.example",
                "01632 960 381",
                "我和李明谈过。",
            ),
            (
                "김서연",
                "ks@trust.example",
                "01632 960 382",
                "김서연이 말했다.",
            ),
            (
                "山田花子",
                "yh@trust.example",
                "01632 960 383",
                "山田花子さんと話した。",
            ),
        ],
    );
    ok(&db, &["redact", "seed"]);
    let original = scan::contents(&tmp.path().join("r0.txt"));
    assert_eq!(scan::leaks(&original, &["李明".to_string()], &[]).len(), 1);
    let out = tmp.path().join("unreviewed");
    ok(
        &db,
        &[
            "export",
            "transcripts",
            "--redacted",
            "--allow-unreviewed",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let names: Vec<String> = ["李明", "김서연", "山田花子"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let leaks = scan::leaks(&scan::contents(&out), &names, &[]);
    assert!(leaks.is_empty(), "{leaks:#?}");
}

/// Letters that do not decompose into a base letter and an accent (ł, ø, ı, đ, ß, æ, œ)
/// are written with their ASCII look-alikes too ("Lukasz", "Sondergard", "YILDIZ").
#[test]
fn names_with_letters_that_do_not_decompose_match_their_ascii_spelling() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = study(
        tmp.path(),
        &[(
            "Łukasz Søndergård-Yıldız",
            "ly@trust.example",
            "01632 960 391",
            "Lukasz said so; Sondergard agreed and YILDIZ wrote, Yildiz too.",
        )],
    );
    ok(&db, &["redact", "seed"]);
    let leaks = unreviewed_leaks(tmp.path(), &db, &["lukasz", "sondergard", "yildiz"], &[]);
    assert!(leaks.is_empty(), "{leaks:#?}");
}

/// The matrix's column headers are theme paths (framework and theme names): an unreviewed
/// third party in a theme's name refuses the matrix like one in a summary.
#[test]
fn an_unreviewed_name_in_a_theme_name_refuses_the_matrix() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = study(
        tmp.path(),
        &[(
            "Ailsa Brockhurst",
            "ab@trust.example",
            "01632 960 395",
            "Fine.",
        )],
    );
    ok(&db, &["redact", "seed"]);
    ok(
        &db,
        &["theme", "add", "Kowalski view", "--framework", "QMS"],
    );
    assert_eq!(suspect_texts(&db), vec!["kowalski".to_string()]);
    for f in ["csv", "xlsx"] {
        let m = tmp.path().join(format!("m.{f}"));
        let err = refused(&db, &["export", "matrix", "--out", m.to_str().unwrap()]);
        assert!(
            err.contains("1 suspect(s)") && err.contains("theme name"),
            "{err}"
        );
        assert!(!err.contains("Kowalski"), "{err}");
        assert!(!m.exists());
    }
}

/// The quotes export writes its theme's name (the Markdown heading): an unreviewed third
/// party in that name refuses it in every format, naming the theme's place.
#[test]
fn an_unreviewed_name_in_the_theme_name_refuses_the_quotes() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, people) = study(
        tmp.path(),
        &[(
            "Ailsa Brockhurst",
            "ab@trust.example",
            "01632 960 396",
            "All fine here.",
        )],
    );
    ok(&db, &["redact", "seed"]);
    ok(&db, &["theme", "add", "Garcia view", "--framework", "QMS"]);
    ok(
        &db,
        &[
            "passage",
            "add",
            &people[0].1,
            "QMS/Garcia view",
            "--quote",
            "All fine",
        ],
    );
    assert_eq!(suspect_texts(&db), vec!["garcia".to_string()]);
    for f in ["md", "csv", "json"] {
        let q = tmp.path().join(format!("q.{f}"));
        let err = refused(
            &db,
            &[
                "export",
                "quotes",
                "--theme",
                "QMS/Garcia view",
                "--format",
                f,
                "--out",
                q.to_str().unwrap(),
            ],
        );
        assert!(
            err.contains("1 suspect(s)") && err.contains("theme name"),
            "{err}"
        );
        assert!(!q.exists());
    }
}

/// A phone registered in international form with another country code is also found
/// written the national way (trunk 0, no country code) or with 00 for the plus.
#[test]
fn a_foreign_phone_is_found_in_its_national_form() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = study(
        tmp.path(),
        &[
            (
                "Ailsa Brockhurst",
                "ab@trust.example",
                "+353 1 555 0199",
                "Ring 01 555 0199, or 00353 1 555 0199 from abroad.",
            ),
            (
                "Noor Haddad",
                "nh@trust.example",
                "+1 415 555 0142",
                "Ring (415) 555-0142 or 001 415 555 0142.",
            ),
        ],
    );
    ok(&db, &["redact", "seed"]);
    let original = scan::contents(&tmp.path().join("r0.txt"));
    assert_eq!(
        scan::leaks(&original, &[], &["15550199".to_string()]).len(),
        2
    );
    let leaks = unreviewed_leaks(tmp.path(), &db, &[], &["15550199", "4155550142"]);
    assert!(leaks.is_empty(), "{leaks:#?}");
}

/// A third party a reviewer accepts as a new person by their full name is then known in
/// the forms the register knows for participants: the surname alone at a sentence start
/// (not in the gazetteer, so not a suspect of its own) is replaced too.
#[test]
fn an_accepted_third_party_is_known_by_the_parts_of_their_name() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, _) = study(
        tmp.path(),
        &[(
            "Ailsa Brockhurst",
            "ab@trust.example",
            "01632 960 397",
            "We met Morwenna Trevithick from the council. Trevithick agreed with us.",
        )],
    );
    ok(&db, &["redact", "seed"]);
    review(&db);
    let out = tmp.path().join("t");
    ok(
        &db,
        &[
            "export",
            "transcripts",
            "--redacted",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let words: Vec<String> = ["morwenna", "trevithick"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let leaks = scan::leaks(&scan::contents(&out), &words, &[]);
    assert!(leaks.is_empty(), "{leaks:#?}");
}
