//! The inverses the interface's undo uses for the register of identifiers and the
//! transcript writes (issue 12): a register write taken back exactly (never half), a first
//! import and a re-import of a transcript, an import of the whole root, a verification's
//! relinks. Each is called through the service on a database `init` made; each undo must
//! restore the rows as they were before the write, and each refusal must leave the
//! database exactly as it was.

mod common;

use std::path::Path;

use common::{dump, s, Study};
use fieldwork::config::ConsentPolicy;
use fieldwork::service::redaction::{Decision, RegisterChange};
use fieldwork::service::{Fieldwork, Settings};
use rusqlite::{Connection, OpenFlags};

fn open(db: &Path) -> Fieldwork {
    Fieldwork::open(
        db,
        Settings {
            user: "tester".into(),
            transcripts_root: db.parent().unwrap().join("transcripts"),
            consent_policy: ConsentPolicy::Refuse,
        },
    )
    .unwrap()
}

fn ro(db: &Path) -> Connection {
    Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
}

/// The rows an import or a register write touches, in a stable order (a turn without its
/// search key `n`, which an undo gives anew).
fn rows(db: &Path) -> String {
    let c = ro(db);
    let mut out = String::new();
    for (t, sql) in [
        ("transcript", "SELECT * FROM transcript"),
        (
            "turn",
            "SELECT id, transcript_id, seq, speaker, start_char, end_char, start_ms, end_ms, text FROM turn",
        ),
        ("transcript_import", "SELECT * FROM transcript_import"),
        ("tag", "SELECT * FROM tag"),
        ("identifier", "SELECT * FROM identifier"),
        ("identifier_variant", "SELECT * FROM identifier_variant"),
        ("allow_word", "SELECT * FROM allow_word"),
        ("allow_class", "SELECT * FROM allow_class"),
        ("name_word", "SELECT * FROM name_word"),
        ("redaction_log", "SELECT * FROM redaction_log"),
    ] {
        out.push_str(&format!("== {t}\n"));
        let mut st = c.prepare(sql).unwrap();
        let n = st.column_count();
        let mut lines: Vec<String> = st
            .query_map([], |r| {
                let mut l = String::new();
                for i in 0..n {
                    let v: rusqlite::types::Value = r.get(i)?;
                    l.push_str(&format!("{v:?}|"));
                }
                Ok(l)
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        lines.sort();
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
    }
    out
}

/// Turns the search indexes (exact and stemmed) find for a word.
fn found(db: &Path, word: &str) -> (i64, i64) {
    let c = ro(db);
    let n = |t: &str| -> i64 {
        c.query_row(
            &format!("SELECT count(*) FROM {t} WHERE {t} MATCH ?1"),
            [word],
            |r| r.get(0),
        )
        .unwrap()
    };
    (n("turn_fts"), n("turn_stem"))
}

fn audit_actions(st: &Study, entity: &str) -> Vec<String> {
    st.audit()
        .into_iter()
        .filter(|e| s(e, "entity") == entity)
        .map(|e| s(&e, "action").to_string())
        .collect()
}

const V1: &str = "Interviewer: How is the rota planned?\nRespondent: Marigold plans it with the ward clerks every Tuesday.\n";
const V2: &str = "Interviewer: How is the rota planned now?\nRespondent: Marigold plans it with the ward clerks every Tuesday, and the bank office helps.\n";

/// A study with one interview whose file (`one.txt`, V1) is linked; returns
/// (study, interview id).
fn linked() -> (Study, String) {
    let st = Study::new();
    let code = st.consented("Oriel Penhallow", "ics-ceo", "A");
    let sid = st.interview(&code, "2021-11-02");
    st.write("transcripts/one.txt", V1);
    let f = st.transcripts().join("one.txt");
    st.ok(&["transcript", "link", &sid, f.to_str().unwrap()]);
    (st, sid)
}

#[test]
fn a_first_import_is_undone_exactly_text_search_entries_and_import_record_gone() {
    let (st, sid) = linked();
    let before = rows(&st.db());
    let mut fw = open(&st.db());
    let file = st.transcripts().join("one.txt");
    let (out, imported) = fw.import_transcript_undoable(&sid, &file, false).unwrap();
    assert!(out.reimport.is_none());
    assert_eq!(imported.first_imports(), 1);
    assert_ne!(rows(&st.db()), before, "the import wrote");
    assert_eq!(found(&st.db(), "marigold"), (1, 1));

    let done = fw.undo_import(&imported).unwrap();
    assert_eq!((done.removed, done.restored, done.unlinked), (1, 0, 0));
    assert_eq!(rows(&st.db()), before, "exactly the rows before the import");
    assert_eq!(
        found(&st.db(), "marigold"),
        (0, 0),
        "no search entries left"
    );
    // Audited: the import and its undoing.
    let actions = audit_actions(&st, "transcript");
    assert!(actions.contains(&"import".to_string()), "{actions:?}");
    assert!(
        actions.contains(&"import undone".to_string()),
        "{actions:?}"
    );
    // Undone twice: nothing to take back (the import record is gone), nothing written.
    let same = dump(&st.db());
    let err = fw.undo_import(&imported).unwrap_err();
    assert!(err.to_string().contains("imported again"), "{err}");
    assert_eq!(dump(&st.db()), same);
}

#[test]
fn a_first_import_is_not_undone_once_coded_redacted_or_imported_again() {
    let (st, sid) = linked();
    let file = st.transcripts().join("one.txt");
    let mut fw = open(&st.db());
    let (_, imported) = fw.import_transcript_undoable(&sid, &file, false).unwrap();

    // A passage coded on it: refused, nothing written.
    let (a, b) = fw
        .find_in_transcript(&sid, "plans it with the ward clerks", None)
        .unwrap();
    let theme = fw.themes(false).unwrap()[1].id.clone();
    let tags = fw.tag_passage(&sid, a, b, &[theme], None).unwrap();
    let same = dump(&st.db());
    let err = fw.undo_import(&imported).unwrap_err().to_string();
    assert!(err.contains("passages were coded on it"), "{err}");
    assert!(err.contains("one.txt"), "names the file: {err}");
    assert_eq!(dump(&st.db()), same);
    for t in &tags {
        fw.untag(Some(&t.id), None, None).unwrap();
    }

    // A redaction run used it (it replaced a registered name in it): refused.
    fw.add_identifier("person", "[Person 3]", &["Marigold".to_string()])
        .unwrap();
    fw.redact_all_for_export(true).unwrap();
    assert!(!fw.redaction_log(10).unwrap().is_empty());
    let same = dump(&st.db());
    let err = fw.undo_import(&imported).unwrap_err().to_string();
    assert!(err.contains("a redaction run used it"), "{err}");
    assert_eq!(dump(&st.db()), same);

    // Imported again since (a fresh database): refused.
    let (st, sid) = linked();
    let mut fw = open(&st.db());
    let (_, first) = fw
        .import_transcript_undoable(&sid, &file_of(&st), false)
        .unwrap();
    std::fs::write(file_of(&st), V2).unwrap();
    fw.import_transcript(&sid, &file_of(&st), false).unwrap();
    let same = dump(&st.db());
    let err = fw.undo_import(&first).unwrap_err().to_string();
    assert!(err.contains("imported again"), "{err}");
    assert_eq!(dump(&st.db()), same);
}

fn file_of(st: &Study) -> std::path::PathBuf {
    st.transcripts().join("one.txt")
}

#[test]
fn a_reimport_is_undone_with_the_previous_text_import_record_and_passage_anchors() {
    let (st, sid) = linked();
    let mut fw = open(&st.db());
    fw.import_transcript(&sid, &file_of(&st), false).unwrap();
    let (a, b) = fw
        .find_in_transcript(&sid, "plans it with the ward clerks", None)
        .unwrap();
    let theme = fw.themes(false).unwrap()[1].id.clone();
    fw.tag_passage(&sid, a, b, &[theme], Some("who plans"))
        .unwrap();
    let before = rows(&st.db());

    // The file changed: the re-import replaces the text and moves the passage.
    std::fs::write(file_of(&st), V2).unwrap();
    let (out, imported) = fw
        .import_transcript_undoable(&sid, &file_of(&st), false)
        .unwrap();
    let r = out.reimport.as_ref().expect("a re-import");
    assert_eq!(r.passages, 1);
    assert_eq!(imported.first_imports(), 0);
    assert_eq!(found(&st.db(), "bank"), (1, 1));
    assert_ne!(rows(&st.db()), before);

    let done = fw.undo_import(&imported).unwrap();
    assert_eq!((done.removed, done.restored), (0, 1));
    assert_eq!(
        rows(&st.db()),
        before,
        "the text, link, import record and anchors as before the re-import"
    );
    assert_eq!(
        found(&st.db(), "bank"),
        (0, 0),
        "the new text is out of search"
    );
    assert_eq!(
        found(&st.db(), "marigold"),
        (1, 1),
        "the old text is searchable"
    );
    let view = fw.transcript_view(&sid).unwrap();
    assert_eq!(view.passages.len(), 1);
    assert_eq!(view.passages[0].quote, "plans it with the ward clerks");
}

#[test]
fn a_reimport_is_not_undone_once_a_passage_moved_or_was_added() {
    let (st, sid) = linked();
    let mut fw = open(&st.db());
    fw.import_transcript(&sid, &file_of(&st), false).unwrap();
    std::fs::write(file_of(&st), V2).unwrap();
    let (_, imported) = fw
        .import_transcript_undoable(&sid, &file_of(&st), false)
        .unwrap();
    let (a, b) = fw
        .find_in_transcript(&sid, "the bank office", None)
        .unwrap();
    let theme = fw.themes(false).unwrap()[2].id.clone();
    fw.tag_passage(&sid, a, b, &[theme], None).unwrap();
    let same = dump(&st.db());
    let err = fw.undo_import(&imported).unwrap_err().to_string();
    assert!(err.contains("passages were coded on it"), "{err}");
    assert_eq!(dump(&st.db()), same);
}

#[test]
fn an_import_of_the_root_is_undone_as_a_whole_or_not_at_all() {
    let st = Study::new();
    let one = st.consented("Wenna Trelawny", "ics-ceo", "A");
    let two = st.consented("Jory Penrose", "ics-ceo", "B");
    let s1 = st.interview(&one, "2021-11-02");
    let s2 = st.interview(&two, "2021-11-03");
    st.write(&format!("transcripts/{one}.txt"), V1);
    st.write(&format!("transcripts/{two}.txt"), V2);
    // One of them was linked before the batch (the batch imports it); the other not (the
    // batch links it too).
    let f = st.transcripts().join(format!("{one}.txt"));
    st.ok(&["transcript", "link", &s1, f.to_str().unwrap()]);
    let before = rows(&st.db());
    let mut fw = open(&st.db());
    let root = st.transcripts();
    let (r, imported) = fw.import_dir_undoable(&root, None, false, true).unwrap();
    assert_eq!(r.iter().filter(|x| x.outcome == "imported").count(), 2);
    assert_eq!(imported.items.len(), 2);

    // Coded since: the whole batch is refused, nothing written.
    let (a, b) = fw.find_in_transcript(&s2, "the bank office", None).unwrap();
    let theme = fw.themes(false).unwrap()[1].id.clone();
    let tags = fw.tag_passage(&s2, a, b, &[theme], None).unwrap();
    let same = dump(&st.db());
    let err = fw.undo_import(&imported).unwrap_err().to_string();
    assert!(err.contains("passages were coded on it"), "{err}");
    assert_eq!(dump(&st.db()), same);
    for t in &tags {
        fw.untag(Some(&t.id), None, None).unwrap();
    }

    let done = fw.undo_import(&imported).unwrap();
    assert_eq!((done.removed, done.unlinked), (2, 1));
    assert_eq!(
        rows(&st.db()),
        before,
        "every import of the batch taken back"
    );
    assert!(fw.session(&s2).unwrap().transcript.is_none());
    assert_eq!(
        fw.session(&s1).unwrap().transcript.unwrap().path,
        format!("{one}.txt")
    );
    assert_eq!(found(&st.db(), "marigold"), (0, 0));
}

#[test]
fn a_relink_is_undone_and_refused_once_the_link_changed_again() {
    let (st, sid) = linked();
    let before = rows(&st.db());
    let mut fw = open(&st.db());
    // The file moved under the root: verify --relink follows it.
    std::fs::create_dir_all(st.transcripts().join("moved")).unwrap();
    std::fs::rename(file_of(&st), st.transcripts().join("moved/one.txt")).unwrap();
    let (v, relinked) = fw.verify_transcripts_undoable(true).unwrap();
    assert!(v[0].relinked, "{v:?}");
    assert_eq!(relinked.links.len(), 1);
    assert_eq!(
        fw.session(&sid).unwrap().transcript.unwrap().path,
        "moved/one.txt"
    );
    assert_eq!(fw.undo_relink(&relinked).unwrap(), 1);
    assert_eq!(
        rows(&st.db()),
        before,
        "the link as it was before the verification"
    );
    assert!(audit_actions(&st, "transcript").contains(&"relink undone".to_string()));

    // Relinked again, then linked by hand to another file: the undo is refused.
    let (_, relinked) = fw.verify_transcripts_undoable(true).unwrap();
    st.write("transcripts/two.txt", V2);
    fw.link_transcript(&sid, &st.transcripts().join("two.txt"), true)
        .unwrap();
    let same = dump(&st.db());
    let err = fw.undo_relink(&relinked).unwrap_err().to_string();
    assert!(err.contains("changed since"), "{err}");
    assert_eq!(dump(&st.db()), same);

    // A plain check relinks nothing: nothing to undo.
    let (_, plain) = fw.verify_transcripts_undoable(false).unwrap();
    assert!(plain.links.is_empty());
}

#[test]
fn an_identifier_added_by_hand_is_undone_with_its_variants_or_not_at_all() {
    let st = Study::new();
    let before = rows(&st.db());
    let mut fw = open(&st.db());
    let (i, change) = fw
        .add_identifier_undoable(
            "organisation",
            "[Acute trust 9]",
            &["Moorcombe General".to_string()],
        )
        .unwrap();
    assert_eq!(i.variants, vec!["Moorcombe General".to_string()]);
    fw.undo_register(&change).unwrap();
    assert_eq!(rows(&st.db()), before);
    assert!(audit_actions(&st, "identifier").contains(&"create undone".to_string()));

    // With another variant since: refused (the identifier keeps both).
    let (_, change) = fw
        .add_identifier_undoable(
            "organisation",
            "[Acute trust 9]",
            &["Moorcombe General".to_string()],
        )
        .unwrap();
    let (_, variant) = fw
        .add_identifier_variant_undoable("[Acute trust 9]", "Moorcombe Gen")
        .unwrap();
    let same = dump(&st.db());
    let err = fw.undo_register(&change).unwrap_err().to_string();
    assert!(err.contains("1 other variant(s) since"), "{err}");
    assert_eq!(dump(&st.db()), same);

    // The variant is undone alone; then the identifier can go.
    fw.undo_register(&variant).unwrap();
    assert_eq!(
        fw.register().unwrap()[0].variants,
        vec!["Moorcombe General".to_string()]
    );
    fw.undo_register(&change).unwrap();
    assert_eq!(rows(&st.db()), before);
}

#[test]
fn a_register_entry_used_in_a_redaction_run_is_not_undone() {
    let (st, sid) = linked();
    let mut fw = open(&st.db());
    fw.import_transcript(&sid, &file_of(&st), false).unwrap();
    let change = fw
        .review_suspect_undoable(
            "Marigold",
            Decision::New {
                kind: "person".into(),
                label: "[Person 9]".into(),
            },
        )
        .unwrap();
    let RegisterChange::Identifier {
        ref variant_ids, ..
    } = change
    else {
        panic!("a new identifier: {change:?}");
    };
    assert!(!variant_ids.is_empty());
    fw.redact_all_for_export(true).unwrap();
    let same = dump(&st.db());
    let err = fw.undo_register(&change).unwrap_err().to_string();
    assert!(err.contains("a redaction run used it"), "{err}");
    assert_eq!(dump(&st.db()), same);
}

#[test]
fn review_decisions_and_class_allowances_are_taken_back_exactly() {
    let (st, sid) = linked();
    let mut fw = open(&st.db());
    fw.import_transcript(&sid, &file_of(&st), false).unwrap();
    let (_, org) = fw
        .add_identifier_undoable("organisation", "[Office 1]", &["Bank Office".to_string()])
        .unwrap();
    let before = rows(&st.db());

    // Allowed, then taken back: the text is a suspect again.
    let change = fw
        .review_suspect_undoable("Tuesday", Decision::Allow)
        .unwrap();
    assert!(
        matches!(change, RegisterChange::Allowed { .. }),
        "{change:?}"
    );
    fw.undo_register(&change).unwrap();
    assert_eq!(rows(&st.db()), before);
    // Allowed twice: the second finds it there, nothing to take back.
    let first = fw
        .review_suspect_undoable("Tuesday", Decision::Allow)
        .unwrap();
    let again = fw
        .review_suspect_undoable("Tuesday", Decision::Allow)
        .unwrap();
    assert_eq!(again, RegisterChange::Nothing);
    fw.undo_register(&first).unwrap();
    // The allowance is gone: its undo again is refused, nothing written.
    let same = dump(&st.db());
    assert!(fw
        .undo_register(&first)
        .unwrap_err()
        .to_string()
        .contains("no longer in the allow-list"));
    assert_eq!(dump(&st.db()), same);

    // A variant accepted from a suspect (a common word: recorded as a name word too).
    let RegisterChange::Identifier { id, .. } = &org else {
        panic!()
    };
    let change = fw
        .review_suspect_undoable("Will", Decision::Variant(id.clone()))
        .unwrap();
    let RegisterChange::Variant { name_word, .. } = &change else {
        panic!("{change:?}")
    };
    assert!(name_word.is_some(), "a common word is recorded as a name");
    fw.undo_register(&change).unwrap();
    assert_eq!(rows(&st.db()), before, "variant and name word gone");

    // A name word another identifier also has as a variant stays (the safeguard keeps
    // replacing it there); the variant itself goes.
    let (_, other) = fw
        .add_identifier_undoable("person", "[Person 8]", &["Pennock".to_string()])
        .unwrap();
    let change = fw
        .review_suspect_undoable("Will", Decision::Variant(id.clone()))
        .unwrap();
    let RegisterChange::Identifier { id: other_id, .. } = &other else {
        panic!()
    };
    fw.review_suspect_undoable("Will", Decision::Variant(other_id.clone()))
        .unwrap();
    fw.undo_register(&change).unwrap();
    let c = ro(&st.db());
    let names: i64 = c
        .query_row(
            "SELECT count(*) FROM name_word WHERE norm = 'will'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(names, 1, "kept for the other identifier");
    let org_variants = fw
        .register()
        .unwrap()
        .into_iter()
        .find(|i| i.id == *id)
        .unwrap()
        .variants;
    assert_eq!(org_variants, vec!["Bank Office".to_string()]);

    // A class.
    let before = rows(&st.db());
    let change = fw.allow_class_undoable("dates").unwrap();
    assert_eq!(
        change,
        RegisterChange::Class {
            class: "dates".into()
        }
    );
    fw.undo_register(&change).unwrap();
    assert_eq!(rows(&st.db()), before);
    assert!(fw.allowed_suspect_classes().unwrap().is_empty());
    let same = dump(&st.db());
    assert!(fw
        .undo_register(&change)
        .unwrap_err()
        .to_string()
        .contains("no longer allowed"));
    assert_eq!(dump(&st.db()), same);
}
