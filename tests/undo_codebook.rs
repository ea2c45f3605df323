//! The inverses the interface's undo uses for the codebook and coding writes (issue 12):
//! adding, retiring and splitting a theme, accepting changed passages, settling a
//! disagreement. Each is called through the service on a database `init` made; an undo
//! restores every row the write changed (the whole database but the audit log, the sync
//! outbox and the search index's internals is as before the write), and a refused undo
//! writes nothing.

mod common;

use std::path::{Path, PathBuf};

use common::{dump, Study};
use fieldwork::config::ConsentPolicy;
use fieldwork::domain::ThemeStatus;
use fieldwork::service::agreement::{AgreementQuery, Settle};
use fieldwork::service::{Fieldwork, ServiceError, Settings};

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

/// The dump without the tables an undo adds to (the audit log keeps the write and its
/// undoing; the outbox sends both) or may lay out differently (full-text index internals).
fn strip(d: &str) -> String {
    let mut keep = true;
    d.lines()
        .filter(|l| {
            if l.starts_with("== ") {
                keep = !l.starts_with("== audit")
                    && !l.starts_with("== sync_outbox")
                    && !l.contains("_fts")
                    && !l.contains("_stem");
            }
            keep
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Audit actions recorded on one entity id.
fn audited(db: &Path, id: &str) -> Vec<String> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut s = c
        .prepare("SELECT action FROM audit WHERE entity_id = ?1 ORDER BY at, id")
        .unwrap();
    s.query_map([id], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn history(fw: &Fieldwork, theme: &str) -> Vec<String> {
    fw.theme_history(theme)
        .unwrap()
        .into_iter()
        .map(|e| e.0)
        .collect()
}

/// A refusal: `Refused`, naming `what`, and the database unchanged.
fn assert_refused<T: std::fmt::Debug>(
    st: &Study,
    r: fieldwork::service::Result<T>,
    what: &str,
    before: &str,
) {
    match r {
        Err(ServiceError::Refused(m)) => assert!(m.contains(what), "{m}"),
        other => panic!("expected a refusal naming {what}, got {other:?}"),
    }
    assert_eq!(dump(&st.db()), before, "a refused undo wrote something");
}

const TEXT: &str = "Interviewer: How is quality planned?\n\nP: We set priorities every spring with the board. The dashboard is weekly and the committee reads it.\n";

/// A study with one interview whose transcript is imported: (study, session id, file).
fn transcribed() -> (Study, String, PathBuf) {
    let st = Study::new();
    let code = st.consented("Liesl Drummond", "ics-ceo", "A");
    let sid = st.interview(&code, "2021-11-02");
    std::fs::create_dir_all(st.transcripts()).unwrap();
    let file = st.transcripts().join("t.txt");
    std::fs::write(&file, TEXT).unwrap();
    let mut fw = open(&st.db());
    fw.import_transcript(&sid, &file, false).unwrap();
    (st, sid, file)
}

fn tag(fw: &mut Fieldwork, sid: &str, quote: &str, theme: &str) -> String {
    let (a, b) = fw.find_in_transcript(sid, quote, None).unwrap();
    fw.tag_passage(sid, a, b, &[theme.to_string()], None)
        .unwrap()[0]
        .id
        .clone()
}

#[test]
fn adding_a_theme_is_undone_by_deleting_it_and_refused_once_it_is_used_or_changed() {
    let st = Study::new();
    let code = st.consented("Liesl Drummond", "ics-ceo", "A");
    let sid = st.interview(&code, "2021-11-02");
    let before = dump(&st.db());
    let mut fw = open(&st.db());
    let a = fw
        .add_theme_undoable("Rota gaps", Some("QMS"), None, Some("shifts"), None)
        .unwrap();
    assert_eq!(history(&fw, &a.theme.id), ["created"]);
    let path = fw.delete_added_theme(&a).unwrap();
    assert_eq!(path, a.theme.path);
    assert!(fw.resolve_theme(&a.theme.id).is_err());
    assert_eq!(strip(&dump(&st.db())), strip(&before));
    assert_eq!(audited(&st.db(), &a.theme.id), ["create", "add undone"]);

    // Tagged since: refused, nothing written.
    let a = fw
        .add_theme_undoable("Rota gaps", Some("QMS"), None, None, None)
        .unwrap();
    fw.tag_session(&sid, std::slice::from_ref(&a.theme.id), None)
        .unwrap();
    let now = dump(&st.db());
    assert_refused(&st, fw.delete_added_theme(&a), "1 tag(s)", &now);

    // A child theme under it: refused.
    let b = fw
        .add_theme_undoable("Night shifts", Some("QMS"), None, None, None)
        .unwrap();
    fw.add_theme("Weekend", None, Some(&b.theme.id), None, None)
        .unwrap();
    let now = dump(&st.db());
    assert_refused(&st, fw.delete_added_theme(&b), "1 child theme(s)", &now);

    // A matrix summary on it: refused.
    let e = fw
        .add_theme_undoable("Escalation", Some("QMS"), None, None, None)
        .unwrap();
    fw.set_matrix_summary(&code, &e.theme.id, 1, Some("escalates early"))
        .unwrap();
    let now = dump(&st.db());
    assert_refused(
        &st,
        fw.delete_added_theme(&e),
        "1 matrix summary(ies)",
        &now,
    );

    // Renamed since: refused.
    let c = fw
        .add_theme_undoable("Handover", Some("QMS"), None, None, None)
        .unwrap();
    fw.rename_theme(&c.theme.id, "Handovers").unwrap();
    let now = dump(&st.db());
    assert_refused(&st, fw.delete_added_theme(&c), "changed since", &now);
    // A second undo of one already undone is refused too.
    let d = fw
        .add_theme_undoable("Staffing", Some("QMS"), None, None, None)
        .unwrap();
    fw.delete_added_theme(&d).unwrap();
    let now = dump(&st.db());
    assert_refused(
        &st,
        fw.delete_added_theme(&d),
        "no longer in the codebook",
        &now,
    );
}

#[test]
fn retiring_a_theme_is_undone_without_a_wrong_event_and_refused_after_a_clash() {
    let st = Study::new();
    let mut fw = open(&st.db());
    fw.add_theme("Rota gaps", Some("QMS"), None, None, None)
        .unwrap();
    let before = dump(&st.db());
    let r = fw.retire_theme_undoable("Rota gaps").unwrap();
    assert_eq!(r.theme.status, ThemeStatus::Retired);
    assert_eq!(history(&fw, &r.theme.id), ["created", "retired"]);
    let t = fw.unretire_theme(&r).unwrap();
    assert_eq!(t.status, ThemeStatus::Active);
    assert_eq!(history(&fw, &t.id), ["created"]);
    assert_eq!(strip(&dump(&st.db())), strip(&before));
    let actions = audited(&st.db(), &t.id);
    assert_eq!(actions[actions.len() - 2..], ["retired", "retire undone"]);

    // Retired again, and an active theme of the same name added beside it: refused.
    let r = fw.retire_theme_undoable(&t.id).unwrap();
    fw.add_theme("Rota gaps", Some("QMS"), None, None, None)
        .unwrap();
    let now = dump(&st.db());
    assert_refused(
        &st,
        fw.unretire_theme(&r),
        "active theme named `Rota gaps`",
        &now,
    );

    // Undone twice: the second is refused (it is no longer retired).
    fw.add_theme("Handover", Some("QMS"), None, None, None)
        .unwrap();
    let r = fw.retire_theme_undoable("Handover").unwrap();
    fw.unretire_theme(&r).unwrap();
    let now = dump(&st.db());
    assert_refused(&st, fw.unretire_theme(&r), "changed since", &now);
}

#[test]
fn a_split_is_undone_exactly_and_refused_when_a_moved_tag_or_the_new_theme_changed() {
    let (st, sid, _) = transcribed();
    let mut fw = open(&st.db());
    let theme = fw
        .add_theme("Planning", Some("QMS"), None, None, Some("#aa0000"))
        .unwrap();
    let one = tag(&mut fw, &sid, "We set priorities every spring", &theme.id);
    let two = tag(&mut fw, &sid, "The dashboard is weekly", &theme.id);
    let keep = tag(&mut fw, &sid, "How is quality planned", &theme.id);
    let before = dump(&st.db());
    let x = fw
        .split_theme_undoable(&theme.id, "Priority setting", &[one.clone(), two.clone()])
        .unwrap();
    assert_eq!(x.moved.len(), 2);
    assert_eq!(fw.tags(None, Some(&x.theme.id), 0, 10).unwrap().len(), 2);
    let t = fw.unsplit_theme(&x).unwrap();
    assert_eq!(t.id, theme.id);
    let on_old: Vec<String> = fw
        .tags(None, Some(&theme.id), 0, 10)
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert!(on_old.contains(&one) && on_old.contains(&two) && on_old.contains(&keep));
    assert!(fw.resolve_theme(&x.theme.id).is_err());
    assert_eq!(history(&fw, &theme.id), ["created"]);
    assert_eq!(strip(&dump(&st.db())), strip(&before));
    assert_eq!(
        audited(&st.db(), &theme.id),
        ["create", "split", "split undone"]
    );

    // A moved tag's memo changed since: refused.
    let x = fw
        .split_theme_undoable(&theme.id, "Priority setting", std::slice::from_ref(&one))
        .unwrap();
    fw.set_tag_memo(std::slice::from_ref(&one), Some("reread"))
        .unwrap();
    let now = dump(&st.db());
    assert_refused(&st, fw.unsplit_theme(&x), "changed since", &now);

    // The new theme got another tag since: refused.
    let x = fw
        .split_theme_undoable(&theme.id, "Dashboards", std::slice::from_ref(&two))
        .unwrap();
    tag(&mut fw, &sid, "the committee reads it", &x.theme.id);
    let now = dump(&st.db());
    assert_refused(&st, fw.unsplit_theme(&x), "1 tag(s)", &now);
}

#[test]
fn accepting_changed_passages_is_one_write_undone_to_the_rows_as_they_were() {
    let (st, sid, file) = transcribed();
    let mut fw = open(&st.db());
    let theme = fw
        .add_theme("Planning", Some("QMS"), None, None, None)
        .unwrap();
    let one = tag(&mut fw, &sid, "We set priorities every spring", &theme.id);
    let two = tag(&mut fw, &sid, "The dashboard is weekly", &theme.id);
    std::fs::write(
        &file,
        TEXT.replace("every spring", "each autumn")
            .replace("is weekly", "is daily"),
    )
    .unwrap();
    fw.import_transcript(&sid, &file, false).unwrap();
    let review: Vec<String> = fw
        .passages_to_review()
        .unwrap()
        .into_iter()
        .filter(|p| p.anchor == "changed")
        .map(|p| p.id)
        .collect();
    assert_eq!(review.len(), 2, "{review:?}");
    let before = dump(&st.db());
    let a = fw
        .accept_passages_undoable(&[one.clone(), two.clone()])
        .unwrap();
    assert_eq!(a.passages.len(), 2);
    assert!(fw.passages_to_review().unwrap().is_empty());
    let quotes: Vec<Option<String>> = fw
        .tags(None, Some(&theme.id), 0, 10)
        .unwrap()
        .into_iter()
        .map(|t| t.quote)
        .collect();
    assert!(
        quotes.contains(&Some("We set priorities each autumn".into())),
        "{quotes:?}"
    );
    assert_eq!(fw.unaccept_passages(&a).unwrap(), 2);
    assert_eq!(fw.passages_to_review().unwrap().len(), 2);
    assert_eq!(strip(&dump(&st.db())), strip(&before));
    assert_eq!(
        audited(&st.db(), &one)[1..],
        ["accept-anchor", "accept-anchor undone"]
    );

    // One of the two accepted passages changed since (its memo): refused, nothing written.
    let a = fw
        .accept_passages_undoable(&[one.clone(), two.clone()])
        .unwrap();
    fw.set_tag_memo(std::slice::from_ref(&two), Some("daily now"))
        .unwrap();
    let now = dump(&st.db());
    assert_refused(&st, fw.unaccept_passages(&a), "changed since", &now);

    // Accepting several is one transaction: an unknown id accepts none of them.
    fw.unaccept_passages(&fieldwork::service::coding::Accepted { passages: vec![] })
        .unwrap();
    let now = dump(&st.db());
    assert!(fw
        .accept_passages_undoable(&[one.clone(), "ffffffffffff".into()])
        .is_err());
    assert_eq!(dump(&st.db()), now);
}

/// Coder tester tags a passage with two themes; coder Ben tags one theme on a longer span
/// and the other on the same span: one disagreement.
fn two_coders() -> (Study, String, Fieldwork) {
    let (st, sid, _) = transcribed();
    let mut fw = open(&st.db());
    let a = fw
        .add_theme("Planning", Some("QMS"), None, None, None)
        .unwrap();
    let b = fw
        .add_theme("Board", Some("QMS"), None, None, None)
        .unwrap();
    let (s, e) = fw
        .find_in_transcript(&sid, "priorities every spring", None)
        .unwrap();
    fw.tag_passage(&sid, s, e, &[a.id.clone(), b.id.clone()], Some("memo kept"))
        .unwrap();
    fw.coding.coder = Some("Ben".into());
    fw.tag_passage(&sid, s - 7, e, std::slice::from_ref(&a.id), None)
        .unwrap();
    fw.tag_passage(&sid, s, e, std::slice::from_ref(&b.id), None)
        .unwrap();
    fw.coding.coder = None;
    (st, sid, fw)
}

#[test]
fn settling_is_undone_with_the_deleted_tags_back_under_their_ids() {
    for how in [
        Settle::KeepA,
        Settle::KeepB,
        Settle::KeepBoth,
        Settle::Merge,
    ] {
        let (st, _sid, mut fw) = two_coders();
        let ag = fw.agreement(&AgreementQuery::default()).unwrap();
        assert_eq!(ag.disagreements.len(), 1);
        let key = ag.disagreements[0].key.clone();
        let coders = (ag.coder_a.clone(), ag.coder_b.clone());
        let before = dump(&st.db());
        let x = fw.settle_undoable(Some(coders.clone()), &key, how).unwrap();
        assert!(!x.outcome.created.is_empty(), "{how:?}");
        assert_eq!(x.deleted.len(), x.outcome.deleted.len());
        let o = fw.unsettle(&x).unwrap();
        assert_eq!(o.key, key);
        // Every table but the audit log, the outbox and the index internals as before.
        assert_eq!(strip(&dump(&st.db())), strip(&before), "{how:?}");
        let ag = fw.agreement(&AgreementQuery::default()).unwrap();
        assert_eq!(ag.disagreements.len(), 1);
        assert_eq!(ag.disagreements[0].key, key, "{how:?}");
        assert_eq!(audited(&st.db(), &key), ["settle", "settle undone"]);
        // The memos of the tags put back are found by search again, as before.
        let memos = fw.search("kept", &Default::default(), 50).unwrap().len();
        assert_eq!(memos, 2, "{how:?}");
        for id in &x.outcome.deleted {
            assert_eq!(audited(&st.db(), id)[1..], ["delete", "restore"], "{how:?}");
        }
    }

    // A tag the settling made was changed since: refused, nothing written.
    let (st, _sid, mut fw) = two_coders();
    let ag = fw.agreement(&AgreementQuery::default()).unwrap();
    let key = ag.disagreements[0].key.clone();
    let x = fw
        .settle_undoable(Some((ag.coder_a, ag.coder_b)), &key, Settle::KeepA)
        .unwrap();
    fw.set_tag_memo(&[x.outcome.created[0].clone()], Some("changed"))
        .unwrap();
    let now = dump(&st.db());
    assert_refused(&st, fw.unsettle(&x), "changed since", &now);
}
