//! Deleting records created by mistake, correcting consent and withdrawal records, and the
//! inverse operations the interface's undo uses (issue 12). CLI tests run the real binary
//! on a temporary database; the inverse operations are called through the service on a
//! database `init` made. Every refusal leaves the database exactly as it was.

mod common;

use std::path::Path;

use common::{as_array, assert_has, dump, s, stdout, Study};
use fieldwork::config::ConsentPolicy;
use fieldwork::domain::{SessionStatus, Status};
use fieldwork::service::{Fieldwork, Settings};
use serde_json::Value;

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

/// Run a command expected to be refused with `code`: the database is unchanged and the
/// message is returned (stderr).
fn refused(st: &Study, code: i32, args: &[&str]) -> String {
    let before = dump(&st.db());
    let err = st.fails(code, args);
    assert_eq!(dump(&st.db()), before, "{args:?} changed the database");
    err
}

fn audit_of(st: &Study, entity: &str, id: &str, action: &str) -> Vec<Value> {
    st.audit()
        .into_iter()
        .filter(|e| s(e, "entity") == entity && s(e, "entity_id") == id && s(e, "action") == action)
        .collect()
}

#[test]
fn a_participant_added_by_mistake_is_deleted_only_with_yes_and_audited() {
    let st = Study::new();
    let code = st.add("Tamsin Orrery", "ics-ceo", "A");
    let id = s(&st.show(&code), "id").to_string();

    // Without --yes: what would go, exit 2, nothing changed.
    let before = dump(&st.db());
    let out = st.fw(&["participant", "delete", &code]);
    common::expect_code(&out, 2, &["participant", "delete", &code]);
    assert_has(
        &stdout(&out),
        &["would delete participant", &code, "nothing depends on it"],
    );
    assert_has(&common::stderr(&out), &["add --yes"]);
    assert_eq!(dump(&st.db()), before);

    let done = st.json(&["participant", "delete", &code, "--yes", "--json"]);
    assert_eq!(done["deleted"], true);
    assert_eq!(done["label"], code.as_str());
    assert!(st.participants().is_empty());
    let entries = audit_of(&st, "participant", &id, "delete");
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["before"]["name"], "Tamsin Orrery");
    assert_eq!(entries[0]["by"], "tester");
    // Its creation event is gone with it (and recorded in the audit entry).
    assert_eq!(entries[0]["before"]["history"].as_array().unwrap().len(), 1);
    let c = rusqlite::Connection::open(st.db()).unwrap();
    let left: i64 = c
        .query_row(
            "SELECT count(*) FROM status_event WHERE participant_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
}

#[test]
fn deleting_a_participant_with_dependents_is_refused_unless_they_go_too() {
    let st = Study::new();
    let code = st.add("Perrin Lackwater", "ics-ceo", "A");
    let other = st.add("Isolde Marchbank", "ics-ceo", "B");
    let solo = st
        .ok(&[
            "interview",
            "log",
            "--participant",
            &code,
            "--date",
            "2021-11-02",
            "--allow-gap",
        ])
        .trim()
        .to_string();
    let group = st
        .ok(&[
            "interview",
            "log",
            "--participant",
            &code,
            "--participant",
            &other,
            "--date",
            "2021-11-03",
            "--site",
            "A",
            "--allow-gap",
        ])
        .trim()
        .to_string();
    st.ok(&["tag", "add", &solo, "Quality planning"]);

    let err = refused(&st, 2, &["participant", "delete", &code, "--yes"]);
    assert_has(
        &err,
        &[
            "refused",
            &code,
            "1 status change",
            "2 sessions",
            "--with-dependents",
        ],
    );

    st.ok(&["participant", "delete", &code, "--yes", "--with-dependents"]);
    assert_eq!(st.participants().len(), 1);
    let left: Vec<String> = st
        .interviews()
        .iter()
        .map(|i| s(i, "id").to_string())
        .collect();
    // The interview only they were in went (with its tag); the group one stays for the other.
    assert_eq!(left, vec![group.clone()]);
    assert!(as_array(st.json(&["tag", "list", "--json"])).is_empty());
    let shown = st.json(&["interview", "show", &group, "--json"]);
    assert_eq!(
        shown["participants"].as_array().unwrap().len(),
        1,
        "{shown}"
    );
    assert_eq!(audit_of(&st, "session", &solo, "delete").len(), 1);
    let tag_deletes = st
        .audit()
        .into_iter()
        .filter(|e| s(e, "entity") == "tag" && s(e, "action") == "delete")
        .count();
    assert_eq!(tag_deletes, 1);
}

#[test]
fn a_participant_with_consent_records_is_never_deleted() {
    let st = Study::new();
    let code = st.consented("Halcyon Brisk", "ics-ceo", "A");
    let err = refused(
        &st,
        2,
        &["participant", "delete", &code, "--yes", "--with-dependents"],
    );
    assert_has(&err, &["1 consent record", "immutable", "consent correct"]);
    // The preview says so too, instead of offering --with-dependents.
    let out = st.fw(&["participant", "delete", &code]);
    common::expect_code(&out, 2, &["participant", "delete"]);
    assert_has(&stdout(&out), &["immutable, so it cannot be deleted"]);
}

#[test]
fn unknown_keys_exit_2_naming_the_key() {
    let st = Study::new();
    st.add("Corin Ashdale", "ics-ceo", "A");
    for args in [
        vec!["participant", "delete", "ZZZZZZ", "--yes"],
        vec!["interview", "delete", "deadbeef00", "--yes"],
        vec!["observation", "delete", "deadbeef00"],
        vec!["document", "delete", "deadbeef00", "--yes"],
        vec![
            "consent",
            "correct",
            "deadbeef00",
            "--reason",
            "typo",
            "--yes",
        ],
    ] {
        let err = refused(&st, 2, &args);
        assert!(
            err.contains("ZZZZZZ") || err.contains("deadbeef00"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn sessions_are_deleted_by_kind_with_their_dependents_on_request() {
    let st = Study::new();
    let code = st.consented("Marlow Quint", "ics-ceo", "A");
    let iv = st.interview(&code, "2021-11-02");
    let obs = st
        .ok(&[
            "observation",
            "log",
            "--type",
            "icb",
            "--site",
            "A",
            "--date",
            "2021-11-04",
        ])
        .trim()
        .to_string();
    let doc = st
        .ok(&[
            "document",
            "add",
            "--title",
            "Plan",
            "--site",
            "A",
            "--date",
            "2021-11-05",
        ])
        .trim()
        .to_string();
    // The wrong kind is refused, naming it.
    let err = refused(&st, 2, &["observation", "delete", &iv, "--yes"]);
    assert_has(&err, &["is an interview, not observation"]);

    st.ok(&["tag", "add", &iv, "Quality planning"]);
    let err = refused(&st, 2, &["interview", "delete", &iv, "--yes"]);
    assert_has(&err, &["1 tag or passage", "--with-dependents"]);
    // A preview names the dependents too.
    let out = st.fw(&["interview", "delete", &iv]);
    assert_has(&stdout(&out), &["depends on it: 1 tag or passage"]);

    let d = st.json(&[
        "interview",
        "delete",
        &iv,
        "--with-dependents",
        "--yes",
        "--json",
    ]);
    assert_eq!(d["kind"], "interview");
    assert_eq!(d["dependents"][0]["kind"], "tag or passage");
    assert!(st.interviews().is_empty());
    // The participant stays, with their status as it is.
    assert_eq!(s(&st.show(&code), "status"), "interviewed");

    st.ok(&["observation", "delete", &obs, "--yes"]);
    st.ok(&["document", "delete", &doc, "--yes"]);
    assert!(as_array(st.json(&["observation", "list", "--json"])).is_empty());
    assert!(as_array(st.json(&["document", "list", "--json"])).is_empty());
    assert_eq!(audit_of(&st, "session", &obs, "delete").len(), 1);
    assert_eq!(
        audit_of(&st, "session", &doc, "delete")[0]["before"]["title"],
        "Plan"
    );
}

#[test]
fn a_deleted_session_note_leaves_the_search_index() {
    let st = Study::new();
    let doc = st
        .ok(&[
            "document",
            "add",
            "--title",
            "Plan",
            "--site",
            "A",
            "--date",
            "2021-11-05",
            "--notes",
            "quarterly zephyrine review",
        ])
        .trim()
        .to_string();
    assert_has(&st.ok(&["search", "zephyrine"]), &[&doc[..8]]);
    st.ok(&["document", "delete", &doc, "--yes"]);
    assert!(!st.ok(&["search", "zephyrine"]).contains(&doc[..8]));
}

#[test]
fn a_consent_record_is_corrected_not_changed_and_counts_no_more() {
    let st = Study::new();
    let code = st.consented("Ysolde Carrow", "ics-ceo", "A");
    let shown = st.json(&["consent", "show", &code, "--json"]);
    assert_eq!(shown["in_force"]["take-part"], "yes");
    let id = s(&shown["records"][0], "id").to_string();

    // No --yes: a description and exit 2; an empty reason: exit 2.
    let out = st.fw(&["consent", "correct", &id, "--reason", "wrong person"]);
    common::expect_code(&out, 2, &["consent", "correct"]);
    assert_has(&stdout(&out), &["would mark consent record", &code]);
    refused(
        &st,
        2,
        &["consent", "correct", &id, "--reason", " ", "--yes"],
    );

    let done = st.json(&[
        "consent",
        "correct",
        &id[..8],
        "--reason",
        "wrong person",
        "--yes",
        "--json",
    ]);
    assert_eq!(done["record_id"], id.as_str());
    assert_eq!(done["corrected"], true);
    let shown = st.json(&["consent", "show", &code, "--json"]);
    assert_eq!(shown["in_force"]["take-part"], "unset", "{shown}");
    assert!(shown["records"].as_array().unwrap().is_empty());
    assert_eq!(shown["corrected_records"][0]["id"], id.as_str());
    let text = st.ok(&["consent", "show", &code]);
    assert_has(
        &text,
        &[
            "Corrected records",
            "corrected: entered in error — wrong person",
            &id[..8],
        ],
    );
    // The record itself is untouched (immutable); the audit keeps what it held.
    let c = rusqlite::Connection::open(st.db()).unwrap();
    let n: i64 = c
        .query_row("SELECT count(*) FROM consent WHERE id = ?1", [&id], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(n, 1);
    let a = audit_of(&st, "consent", &id, "corrected");
    assert_eq!(a[0]["before"]["take_part"], "yes");
    // Consent problems see no consent now: an interview without consent is refused.
    let out = st.fw(&[
        "interview",
        "log",
        "--participant",
        &code,
        "--date",
        "2021-11-02",
    ]);
    common::expect_code(&out, 2, &["interview", "log"]);
    // A second correction is refused.
    let err = refused(
        &st,
        2,
        &["consent", "correct", &id, "--reason", "again", "--yes"],
    );
    assert_has(&err, &["already corrected"]);
}

/// Export eligibility (`archivable_codes`) follows a correction: a withdrawal corrected
/// brings the participant back, a consent record corrected takes them out.
#[test]
fn export_eligibility_changes_back_after_a_correction() {
    let st = Study::new();
    let code = st.add("Aurelio Penhallow", "ics-ceo", "A");
    st.ok(&[
        "consent",
        "record",
        &code,
        "--date",
        "2021-10-01",
        "--take-part",
        "yes",
        "--audio",
        "yes",
        "--archiving",
        "yes",
    ]);
    st.interview(&code, "2021-11-02");
    let eligible = || {
        let fw = open(&st.db());
        fieldwork::export::text::archivable_codes(&fw)
            .unwrap()
            .contains(&code)
    };
    assert!(eligible());
    st.ok(&[
        "consent",
        "withdraw",
        &code,
        "--scope",
        "remove-all-feasible",
        "--date",
        "2021-12-01",
    ]);
    assert!(!eligible());
    assert_eq!(s(&st.show(&code), "status"), "withdrawn");
    let w = st.json(&["consent", "show", &code, "--json"])["withdrawals"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    st.ok(&[
        "consent",
        "correct",
        &w,
        "--reason",
        "other participant",
        "--yes",
    ]);
    assert!(eligible(), "a corrected withdrawal no longer excludes");
    // The status goes back to what it was before the withdrawal, by a named event.
    let shown = st.show(&code);
    assert_eq!(s(&shown, "status"), "interviewed");
    let last = shown["history"].as_array().unwrap().last().unwrap().clone();
    assert!(
        s(&last, "note").contains("withdrawal corrected: entered in error — other participant"),
        "{last}"
    );
    let consent = st.json(&["consent", "show", &code, "--json"])["records"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    st.ok(&[
        "consent",
        "correct",
        &consent,
        "--reason",
        "form of another study",
        "--yes",
    ]);
    assert!(
        !eligible(),
        "a corrected consent record no longer allows archiving"
    );
    let fw = open(&st.db());
    let pid = fw.resolve_participant(&code).unwrap();
    let book = fw.consent_book().unwrap();
    assert!(book.withdrawals(&pid).is_empty());
    assert!(fw
        .consent_problems()
        .unwrap()
        .iter()
        .any(|p| p.code == code));
}

#[test]
fn undoing_a_logged_interview_deletes_it_and_takes_back_the_status_change() {
    let st = Study::new();
    let code = st.consented("Bexley Ravensworth", "ics-ceo", "A");
    let mut fw = open(&st.db());
    let logged = fw
        .log_interview(&fieldwork::service::sessions::InterviewInput {
            participants: vec![code.clone()],
            date: Some(time::macros::date!(2021 - 11 - 02)),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(fw.participant(&code).unwrap().status, Status::Interviewed);
    let d = fw.undo_log_session(&logged).unwrap();
    assert!(d.deleted);
    let p = fw.participant(&code).unwrap();
    assert_eq!(p.status, Status::Consented);
    let detail = fw.participant_detail(&code).unwrap();
    assert!(detail
        .history
        .iter()
        .all(|e| e.to_status != Status::Interviewed));

    // Once the participant's status moved on, the undo is refused and nothing changes.
    let logged = fw
        .log_interview(&fieldwork::service::sessions::InterviewInput {
            participants: vec![code.clone()],
            date: Some(time::macros::date!(2021 - 11 - 03)),
            ..Default::default()
        })
        .unwrap();
    fw.set_status(&code, Status::Declined, None, None).unwrap();
    let before = dump(&st.db());
    let err = fw.undo_log_session(&logged).unwrap_err();
    assert!(err.to_string().contains("changed since"), "{err}");
    assert_eq!(err.exit_code(), 2);
    assert_eq!(dump(&st.db()), before);
}

#[test]
fn a_session_status_change_is_reverted_without_a_wrong_event() {
    let st = Study::new();
    let code = st.consented("Odile Farthing", "ics-ceo", "A");
    let sid = st.schedule(&code, "2021-11-02");
    let mut fw = open(&st.db());
    let events_before = fw.participant_detail(&code).unwrap().history.len();
    let done = fw
        .complete_interview(&sid, SessionStatus::Done, None, Some(45), None, false)
        .unwrap();
    assert_eq!(fw.participant(&code).unwrap().status, Status::Interviewed);
    let change = done.change.clone().unwrap();
    let back = fw.revert_session_status(&change).unwrap();
    assert_eq!(back.status, SessionStatus::Scheduled);
    assert_eq!(back.duration_min, None);
    assert_eq!(fw.participant(&code).unwrap().status, Status::Scheduled);
    assert_eq!(
        fw.participant_detail(&code).unwrap().history.len(),
        events_before
    );
    // A cancellation, then an edit by someone else: the undo is refused.
    let cancelled = fw
        .complete_interview(&sid, SessionStatus::Cancelled, None, None, None, false)
        .unwrap();
    fw.complete_interview(&sid, SessionStatus::Scheduled, None, Some(30), None, false)
        .unwrap();
    let before = dump(&st.db());
    let err = fw
        .revert_session_status(cancelled.change.as_ref().unwrap())
        .unwrap_err();
    assert!(err.to_string().contains("changed since"), "{err}");
    assert_eq!(dump(&st.db()), before);
}

#[test]
fn a_transcript_link_is_undone_and_a_replaced_link_comes_back() {
    let st = Study::new();
    let code = st.consented("Severin Cobb", "ics-ceo", "A");
    let sid = st.interview(&code, "2021-11-02");
    let first = st.write("transcripts/one.txt", "Interviewer: hello\n");
    let second = st.write("transcripts/two.txt", "Interviewer: hello again\n");
    let mut fw = open(&st.db());
    let linked = fw.link_transcript_undoable(&sid, &first, false).unwrap();
    assert!(linked.replaced.is_none());
    let replaced = fw.link_transcript_undoable(&sid, &second, true).unwrap();
    assert_eq!(replaced.replaced.as_ref().unwrap().path, "one.txt");
    // Undo the replacement: the first link is back.
    let back = fw.unlink_transcript(&replaced).unwrap().unwrap();
    assert_eq!(back.path, "one.txt");
    assert_eq!(
        fw.session(&sid).unwrap().transcript.unwrap().path,
        "one.txt"
    );
    // The undo of the replacement again: the link changed since, refused.
    let before = dump(&st.db());
    assert!(fw.unlink_transcript(&replaced).is_err());
    assert_eq!(dump(&st.db()), before);
    // Undo the first link: no transcript.
    assert!(fw.unlink_transcript(&linked).unwrap().is_none());
    assert!(fw.session(&sid).unwrap().transcript.is_none());
}

#[test]
fn a_theme_merge_is_undone_exactly() {
    let st = Study::new();
    let code = st.consented("Liesl Drummond", "ics-ceo", "A");
    let one = st.interview(&code, "2021-11-02");
    let two = st.interview(&code, "2021-11-03");
    st.ok(&["theme", "add", "Rota gaps", "--framework", "QMS"]);
    st.ok(&["theme", "add", "Staff rota", "--framework", "QMS"]);
    st.ok(&["tag", "add", &one, "Rota gaps"]);
    st.ok(&["tag", "add", &two, "Rota gaps"]);
    // `two` already has the target theme: its tag is folded by the merge.
    st.ok(&["tag", "add", &two, "Staff rota"]);
    let before = dump(&st.db());
    let mut fw = open(&st.db());
    let merged = fw.merge_theme_undoable("Rota gaps", "Staff rota").unwrap();
    assert_eq!(merged.moved_tags.len(), 1);
    assert_eq!(merged.folded_tags.len(), 1);
    let t = fw.unmerge_theme(&merged).unwrap();
    assert_eq!(t.status, fieldwork::domain::ThemeStatus::Active);
    // Everything but the audit log (and the outbox) is as before the merge.
    let strip = |d: String| {
        let mut keep = true;
        d.lines()
            .filter(|l| {
                if l.starts_with("== ") {
                    keep = !l.starts_with("== audit") && !l.starts_with("== sync_outbox");
                }
                keep
            })
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(dump(&st.db())), strip(before));
    // An undo after a later change to a moved tag is refused.
    let merged = fw.merge_theme_undoable("Rota gaps", "Staff rota").unwrap();
    st.ok(&["tag", "remove", &merged.moved_tags[0]]);
    let mut fw = open(&st.db());
    let before = dump(&st.db());
    assert!(fw.unmerge_theme(&merged).is_err());
    assert_eq!(dump(&st.db()), before);
}

/// The undo of adding a participant is refused once someone edited them, and once records
/// depend on them; nothing is written either time.
#[test]
fn undoing_an_addition_is_refused_once_the_participant_changed() {
    let st = Study::new();
    let code = st.add("Quillon Averett", "ics-ceo", "A");
    let mut fw = open(&st.db());
    let seen =
        fieldwork::service::participants::participant_version(&fw.participant(&code).unwrap());
    st.ok(&["participant", "edit", &code, "--notes", "met at the board"]);
    let before = dump(&st.db());
    let err = fw
        .delete_participant_from(&code, false, Some(&seen))
        .unwrap_err();
    assert!(
        matches!(err, fieldwork::service::ServiceError::Conflict { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("notes"), "{err}");
    assert_eq!(dump(&st.db()), before);

    st.ok(&["participant", "status", &code, "invited"]);
    let before = dump(&st.db());
    let err = fw.delete_participant(&code, false).unwrap_err();
    assert!(err.to_string().contains("1 status change"), "{err}");
    assert_eq!(dump(&st.db()), before);
    // With the dependents it goes, and `participant show` no longer finds it (exit 2).
    fw.delete_participant(&code, true).unwrap();
    let err = st.fails(2, &["participant", "show", &code]);
    assert_has(&err, &[&code]);
}

#[test]
fn participant_show_lists_the_corrections() {
    let st = Study::new();
    let code = st.consented("Tobiah Wrenfield", "ics-ceo", "A");
    let id = st.json(&["consent", "show", &code, "--json"])["records"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(st.show(&code)["corrections"].as_array().unwrap().is_empty());
    st.ok(&[
        "consent",
        "correct",
        &id,
        "--reason",
        "duplicate entry",
        "--yes",
    ]);
    let shown = st.show(&code);
    assert_eq!(shown["corrections"][0]["record_id"], id.as_str());
    assert_eq!(shown["corrections"][0]["reason"], "duplicate entry");
    assert!(shown["consent_records"].as_array().unwrap().is_empty());
}

/// Exports are not affected by a delete beyond the record being gone.
#[test]
fn a_delete_changes_exports_only_by_the_record() {
    let st = Study::new();
    let keep = st.add("Ferelith Ambry", "ics-ceo", "A");
    st.ok(&[
        "consent",
        "record",
        &keep,
        "--date",
        "2021-10-01",
        "--take-part",
        "yes",
        "--audio",
        "yes",
        "--archiving",
        "yes",
    ]);
    st.interview(&keep, "2021-11-02");
    let mistake = st.add("Ferelith Ambry", "ics-md", "A");
    let exports = || {
        let fw = open(&st.db());
        let codes = fieldwork::export::text::archivable_codes(&fw).unwrap();
        let mut removed = fieldwork::export::text::removal_withdrawn(&fw).unwrap();
        removed.remove(&mistake);
        let mut codes: Vec<String> = codes.into_iter().collect();
        codes.sort();
        let mut removed: Vec<(String, bool)> = removed.into_iter().collect();
        removed.sort();
        (codes, removed)
    };
    let before = exports();
    assert_eq!(before.0, vec![keep.clone()]);
    st.ok(&["participant", "delete", &mistake, "--yes"]);
    assert_eq!(exports(), before);
    let now = fieldwork::export::text::removal_withdrawn(&open(&st.db())).unwrap();
    assert!(!now.contains_key(&mistake));
}
