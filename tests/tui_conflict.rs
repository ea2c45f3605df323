//! A form remembers the version of the record it was opened on. When someone else saves
//! the record while the form is open, saving it shows what changed (theirs against yours)
//! and asks: overwrite with mine, reload, or cancel. Never a silent overwrite.
//!
//! "Someone else" is a second `Fieldwork` on the same database file (its own connection),
//! as another process would be.

mod support;

use fieldwork::service::Fieldwork;
use fieldwork::tui::app::{Effect, Mode, Pane, State};
use fieldwork::tui::effects::{finish, perform};
use fieldwork::tui::keymap::Cmd;
use support::tui::{cmd, state, text, typed};

macro_rules! snap {
    ($name:expr, $text:expr) => {
        insta::with_settings!({filters => vec![
            (r"\bP[0-9A-HJKMNP-TV-Z]{4}\b", "PCODE"),
            (r"\d{4}-\d{2}-\d{2}", "YYYY-MM-DD"),
            (r"phase \d \((Baseline|Follow-up)\)|outside the phase windows", "[phase today]"),
        ]}, {
            insta::assert_snapshot!($name, $text);
        });
    };
}

struct Setup {
    _dir: tempfile::TempDir,
    fw: Fieldwork,
    /// Another writer on the same file.
    other: Fieldwork,
    s: State,
    /// The selected participant's id.
    id: String,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("transcripts");
    std::fs::create_dir_all(&root).unwrap();
    let db = dir.path().join("study.db");
    let mut fw = Fieldwork::create(&db, &support::study(), support::settings(&root)).unwrap();
    for (name, site) in [("Alice Adams", "A"), ("Bob Brown", "B")] {
        fw.add_participant(&fieldwork::domain::ParticipantInput {
            name: Some(name.into()),
            email: Some(format!(
                "{}@example.org",
                name.to_lowercase().replace(' ', ".")
            )),
            organisation: Some("Some Trust".into()),
            role: Some("q-cqo".into()),
            site: Some(site.into()),
            ..Default::default()
        })
        .unwrap();
    }
    let other = Fieldwork::open(&db, support::settings(&root)).unwrap();
    let mut s = state(&fw, false);
    perform(&mut fw, &mut s, Effect::Load(Pane::Participants));
    // List windows are deferred loads (the load worker's, here run inline).
    finish(&fw, &mut s);
    let id = s.participants.list.current().unwrap().p.id.clone();
    Setup {
        _dir: dir,
        fw,
        other,
        s,
        id,
    }
}

fn msg(s: &State) -> String {
    s.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

/// Focus a form field and replace its text.
fn set_field(fw: &mut Fieldwork, s: &mut State, key: &str, value: &str) {
    let (_, form) = s.form.as_mut().expect("a form is open");
    form.focus = form.fields.iter().position(|f| f.key == key).unwrap();
    cmd(fw, s, Cmd::FormClear);
    typed(fw, s, value);
}

/// Open the edit form, let the other writer change the email and the organisation, change
/// the name and the organisation in the form, and save: the conflict.
fn conflict() -> Setup {
    let mut t = setup();
    cmd(&mut t.fw, &mut t.s, Cmd::EditParticipant);
    assert_eq!(t.s.mode, Mode::Form);
    t.other
        .edit_participant(
            &t.id,
            &fieldwork::domain::ParticipantInput {
                email: Some("theirs@example.org".into()),
                organisation: Some("Their Trust".into()),
                ..Default::default()
            },
        )
        .unwrap();
    set_field(&mut t.fw, &mut t.s, "name", "Alice Mine");
    set_field(&mut t.fw, &mut t.s, "organisation", "My Trust");
    cmd(&mut t.fw, &mut t.s, Cmd::FormSubmit);
    t
}

#[test]
fn saving_over_a_changed_record_shows_what_changed_and_writes_nothing() {
    let t = conflict();
    assert_eq!(t.s.mode, Mode::Conflict, "{}", msg(&t.s));
    let c = t.s.conflict.as_ref().unwrap();
    let fields: Vec<(&str, &str, &str)> = c
        .changes
        .iter()
        .map(|x| (x.field.as_str(), x.opened.as_str(), x.current.as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            ("email", "alice.adams@example.org", "theirs@example.org"),
            ("organisation", "Some Trust", "Their Trust"),
        ]
    );
    assert!(msg(&t.s).contains("nothing was saved"), "{}", msg(&t.s));
    // Nothing of the form's was written.
    let p = t.fw.participant(&t.id).unwrap();
    assert_eq!(p.name, "Alice Adams");
    assert_eq!(p.organisation.as_deref(), Some("Their Trust"));
    snap!("conflict_dialog_120x40", text(&t.s, 120, 40));
}

#[test]
fn cancel_closes_the_form_and_keeps_their_values() {
    let mut t = conflict();
    cmd(&mut t.fw, &mut t.s, Cmd::Cancel);
    assert_eq!(t.s.mode, Mode::Normal);
    assert!(t.s.form.is_none() && t.s.conflict.is_none());
    let p = t.fw.participant(&t.id).unwrap();
    assert_eq!(p.name, "Alice Adams");
    assert_eq!(p.email.as_deref(), Some("theirs@example.org"));
    assert_eq!(p.organisation.as_deref(), Some("Their Trust"));
}

#[test]
fn overwrite_saves_my_changes_and_keeps_theirs_where_i_changed_nothing() {
    let mut t = conflict();
    cmd(&mut t.fw, &mut t.s, Cmd::Overwrite);
    assert_eq!(t.s.mode, Mode::Normal, "{}", msg(&t.s));
    let p = t.fw.participant(&t.id).unwrap();
    assert_eq!(p.name, "Alice Mine");
    assert_eq!(p.organisation.as_deref(), Some("My Trust"));
    // The email was theirs alone: not written back.
    assert_eq!(p.email.as_deref(), Some("theirs@example.org"));
    // The audit log's last edit carries only the fields this user changed.
    let last =
        t.fw.audit(Some(&t.id), 10)
            .unwrap()
            .into_iter()
            .find(|e| e.action == "edit")
            .unwrap();
    let after = last.after.unwrap();
    let mut keys: Vec<&String> = after.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["name", "organisation"]);
    assert_eq!(last.before.unwrap()["organisation"], "Their Trust");
}

#[test]
fn overwrite_asks_again_when_the_record_changed_once_more() {
    let mut t = conflict();
    t.other
        .edit_participant(
            &t.id,
            &fieldwork::domain::ParticipantInput {
                organisation: Some("Their Second Trust".into()),
                ..Default::default()
            },
        )
        .unwrap();
    cmd(&mut t.fw, &mut t.s, Cmd::Overwrite);
    assert_eq!(t.s.mode, Mode::Conflict, "{}", msg(&t.s));
    let c = t.s.conflict.as_ref().unwrap();
    assert_eq!(c.changes.len(), 1, "{:?}", c.changes);
    assert_eq!(c.changes[0].field, "organisation");
    assert_eq!(c.changes[0].opened, "Their Trust");
    assert_eq!(c.changes[0].current, "Their Second Trust");
    assert_eq!(
        t.fw.participant(&t.id).unwrap().organisation.as_deref(),
        Some("Their Second Trust")
    );
    cmd(&mut t.fw, &mut t.s, Cmd::Overwrite);
    assert_eq!(t.s.mode, Mode::Normal, "{}", msg(&t.s));
    assert_eq!(
        t.fw.participant(&t.id).unwrap().organisation.as_deref(),
        Some("My Trust")
    );
}

#[test]
fn reload_takes_their_values_into_the_form_and_keeps_my_other_edits() {
    let mut t = conflict();
    cmd(&mut t.fw, &mut t.s, Cmd::Reload);
    assert_eq!(t.s.mode, Mode::Form);
    assert!(
        msg(&t.s).contains("reloaded email, organisation"),
        "{}",
        msg(&t.s)
    );
    let (_, form) = t.s.form.as_ref().unwrap();
    assert_eq!(form.get("name"), "Alice Mine");
    assert_eq!(form.get("email"), "theirs@example.org");
    assert_eq!(form.get("organisation"), "Their Trust");
    // Nothing saved until Enter.
    assert_eq!(t.fw.participant(&t.id).unwrap().name, "Alice Adams");
    cmd(&mut t.fw, &mut t.s, Cmd::FormSubmit);
    assert_eq!(t.s.mode, Mode::Normal, "{}", msg(&t.s));
    let p = t.fw.participant(&t.id).unwrap();
    assert_eq!(p.name, "Alice Mine");
    assert_eq!(p.email.as_deref(), Some("theirs@example.org"));
    assert_eq!(p.organisation.as_deref(), Some("Their Trust"));
}

#[test]
fn undo_is_refused_when_someone_changed_the_field_since() {
    let mut t = setup();
    cmd(&mut t.fw, &mut t.s, Cmd::EditParticipant);
    set_field(&mut t.fw, &mut t.s, "name", "Alice Mine");
    cmd(&mut t.fw, &mut t.s, Cmd::FormSubmit);
    assert_eq!(t.fw.participant(&t.id).unwrap().name, "Alice Mine");
    t.other
        .edit_participant(
            &t.id,
            &fieldwork::domain::ParticipantInput {
                name: Some("Alice Theirs".into()),
                ..Default::default()
            },
        )
        .unwrap();
    cmd(&mut t.fw, &mut t.s, Cmd::Undo);
    assert!(
        msg(&t.s).contains("changed by someone else") && msg(&t.s).contains("name"),
        "{}",
        msg(&t.s)
    );
    assert_eq!(t.fw.participant(&t.id).unwrap().name, "Alice Theirs");
}

#[test]
fn a_change_to_a_field_the_form_does_not_show_is_no_conflict() {
    let mut t = setup();
    cmd(&mut t.fw, &mut t.s, Cmd::EditParticipant);
    t.other
        .set_status(&t.id, fieldwork::domain::Status::Invited, None, None)
        .unwrap();
    set_field(&mut t.fw, &mut t.s, "name", "Alice Mine");
    cmd(&mut t.fw, &mut t.s, Cmd::FormSubmit);
    assert_eq!(t.s.mode, Mode::Normal, "{}", msg(&t.s));
    let p = t.fw.participant(&t.id).unwrap();
    assert_eq!(p.name, "Alice Mine");
    assert_eq!(p.status, fieldwork::domain::Status::Invited);
}

#[test]
fn renaming_a_theme_renamed_underneath_shows_both_names() {
    let mut t = setup();
    cmd(&mut t.fw, &mut t.s, Cmd::Go(Pane::Themes));
    let theme = t.s.current_theme().unwrap().clone();
    cmd(&mut t.fw, &mut t.s, Cmd::RenameTheme);
    t.other.rename_theme(&theme.id, "Their name").unwrap();
    set_field(&mut t.fw, &mut t.s, "name", "My name");
    cmd(&mut t.fw, &mut t.s, Cmd::FormSubmit);
    assert_eq!(t.s.mode, Mode::Conflict, "{}", msg(&t.s));
    let c = t.s.conflict.as_ref().unwrap();
    assert_eq!(c.changes[0].opened, theme.name);
    assert_eq!(c.changes[0].current, "Their name");
    cmd(&mut t.fw, &mut t.s, Cmd::Overwrite);
    assert_eq!(t.s.mode, Mode::Normal, "{}", msg(&t.s));
    assert_eq!(t.fw.resolve_theme(&theme.id).unwrap().name, "My name");
}

#[test]
fn completing_an_interview_cancelled_underneath_asks_first() {
    use fieldwork::domain::SessionStatus;
    let mut t = setup();
    let logged =
        t.fw.log_interview(&fieldwork::service::sessions::InterviewInput {
            participants: vec![t.id.clone()],
            date: Some(support::d("2022-01-10")),
            status: Some(SessionStatus::Scheduled),
            ..Default::default()
        })
        .unwrap();
    let sid = logged.session.id.clone();
    cmd(&mut t.fw, &mut t.s, Cmd::Go(Pane::Sessions));
    assert_eq!(t.s.sessions.list.current().unwrap().id, sid);
    cmd(&mut t.fw, &mut t.s, Cmd::CompleteInterview);
    assert_eq!(t.s.mode, Mode::Form);
    t.other
        .complete_interview(&sid, SessionStatus::Cancelled, None, None, None, false)
        .unwrap();
    cmd(&mut t.fw, &mut t.s, Cmd::FormSubmit);
    assert_eq!(t.s.mode, Mode::Conflict, "{}", msg(&t.s));
    let c = t.s.conflict.as_ref().unwrap();
    assert_eq!(c.changes.len(), 1, "{:?}", c.changes);
    assert_eq!(
        (
            c.changes[0].field.as_str(),
            c.changes[0].opened.as_str(),
            c.changes[0].current.as_str()
        ),
        ("status", "scheduled", "cancelled")
    );
    cmd(&mut t.fw, &mut t.s, Cmd::Cancel);
    assert_eq!(t.fw.session(&sid).unwrap().status, SessionStatus::Cancelled);
}

#[test]
fn a_status_change_over_a_status_changed_underneath_asks_first() {
    use fieldwork::domain::Status;
    let mut t = setup();
    cmd(&mut t.fw, &mut t.s, Cmd::ChangeStatus);
    assert_eq!(t.s.mode, Mode::Form);
    t.other
        .set_status(&t.id, Status::Invited, None, Some("by the other writer"))
        .unwrap();
    // Choose `reminded` in the form (opened on `identified`).
    {
        let (_, form) = t.s.form.as_mut().unwrap();
        form.set_value("status", "reminded");
    }
    cmd(&mut t.fw, &mut t.s, Cmd::FormSubmit);
    assert_eq!(t.s.mode, Mode::Conflict, "{}", msg(&t.s));
    let c = t.s.conflict.as_ref().unwrap();
    assert_eq!(
        (c.changes[0].opened.as_str(), c.changes[0].current.as_str()),
        ("identified", "invited")
    );
    assert_eq!(t.fw.participant(&t.id).unwrap().status, Status::Invited);
    cmd(&mut t.fw, &mut t.s, Cmd::Overwrite);
    assert_eq!(t.s.mode, Mode::Normal, "{}", msg(&t.s));
    assert_eq!(t.fw.participant(&t.id).unwrap().status, Status::Reminded);
    // The history keeps both changes, in order.
    let d = t.fw.participant_detail(&t.id).unwrap();
    let moves: Vec<(Option<Status>, Status)> = d
        .history
        .iter()
        .map(|e| (e.from_status, e.to_status))
        .collect();
    assert_eq!(
        moves,
        [
            (None, Status::Identified),
            (Some(Status::Identified), Status::Invited),
            (Some(Status::Invited), Status::Reminded),
        ]
    );
}

#[test]
fn undo_goes_ahead_when_someone_changed_only_other_fields() {
    let mut t = setup();
    cmd(&mut t.fw, &mut t.s, Cmd::EditParticipant);
    set_field(&mut t.fw, &mut t.s, "name", "Alice Mine");
    cmd(&mut t.fw, &mut t.s, Cmd::FormSubmit);
    t.other
        .edit_participant(
            &t.id,
            &fieldwork::domain::ParticipantInput {
                email: Some("theirs@example.org".into()),
                ..Default::default()
            },
        )
        .unwrap();
    cmd(&mut t.fw, &mut t.s, Cmd::Undo);
    let p = t.fw.participant(&t.id).unwrap();
    assert_eq!(p.name, "Alice Adams", "{}", msg(&t.s));
    assert_eq!(p.email.as_deref(), Some("theirs@example.org"));
}

#[test]
fn privacy_mode_masks_identifiers_in_the_conflict_dialog() {
    let mut t = conflict();
    assert_eq!(t.s.mode, Mode::Conflict);
    let open = text(&t.s, 120, 40);
    assert!(open.contains("theirs@example.org") && open.contains("My Trust"));
    t.s.privacy = true;
    let masked = text(&t.s, 120, 40);
    for secret in [
        "theirs@example.org",
        "alice.adams@example.org",
        "Their Trust",
        "My Trust",
        "Alice Mine",
    ] {
        assert!(
            !masked.contains(secret),
            "{secret} shown in privacy mode:\n{masked}"
        );
    }
    assert!(masked.contains("Changed while you were editing"));
}
