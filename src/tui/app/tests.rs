//! Unit tests of `update`.

use super::*;
use crate::domain::{Site, Status};
use crate::service::consent::ConsentRow;
use crate::service::Reference;

fn reference() -> Reference {
    Reference {
        study_name: "Test study".into(),
        sites: ["A", "B"]
            .iter()
            .map(|c| Site {
                id: c.to_string(),
                code: c.to_string(),
                name: format!("Site {c}"),
                region: None,
                population: None,
                places: None,
                notes: None,
            })
            .collect(),
        ..Default::default()
    }
}

fn state() -> State {
    State::new(
        reference(),
        "/tmp/x.db".into(),
        "/tmp/t".into(),
        false,
        true,
        false,
    )
}

#[test]
fn a_superseded_request_is_told_to_stop() {
    use std::sync::atomic::Ordering::Relaxed;
    let mut s = state();
    let job = Slow::Data(Pane::Redaction);
    s.begin(job);
    let first = s.cancel_flag(job);
    assert!(!first.load(Relaxed));
    // A newer request for the slot: the first is told to stop, the newer is not.
    let gen = s.begin(job);
    let second = s.cancel_flag(job);
    assert!(first.load(Relaxed) && !second.load(Relaxed));
    // Other slots are left alone; a write stops everything pending.
    s.begin(Slow::Coverage);
    let coverage = s.cancel_flag(Slow::Coverage);
    assert!(s.accept(job, gen) && !second.load(Relaxed));
    s.invalidate();
    assert!(coverage.load(Relaxed));
}

fn key(c: KeyCode) -> Action {
    Action::Key(KeyEvent::new_with_kind(
        c,
        KeyModifiers::NONE,
        KeyEventKind::Press,
    ))
}

#[test]
fn key_release_is_ignored() {
    let mut s = state();
    let ev = KeyEvent::new_with_kind(
        KeyCode::Char('q'),
        KeyModifiers::NONE,
        KeyEventKind::Release,
    );
    assert!(update(&mut s, Action::Key(ev)).is_none());
    assert!(matches!(
        update(&mut s, key(KeyCode::Char('q'))),
        Some(Effect::Quit)
    ));
}

#[test]
fn number_keys_and_tab_switch_panes_and_load_stale_ones() {
    let mut s = state();
    assert!(matches!(
        update(&mut s, key(KeyCode::Char('6'))),
        Some(Effect::Load(Pane::Coverage))
    ));
    assert_eq!(s.pane, Pane::Coverage);
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(s.pane, Pane::Search);
    update(&mut s, key(KeyCode::Char('E')));
    assert_eq!(s.pane, Pane::Export);
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(s.pane, Pane::Agreement);
    s.stale[Pane::Participants.index()] = false;
    assert!(update(&mut s, key(KeyCode::Tab)).is_none());
    assert_eq!(s.pane, Pane::Participants);
    update(&mut s, key(KeyCode::BackTab));
    assert_eq!(s.pane, Pane::Agreement);
    update(&mut s, key(KeyCode::Char('K')));
    assert_eq!(s.pane, Pane::Agreement);
    for (k, p) in [
        ('0', Pane::Analysis),
        ('D', Pane::Redaction),
        ('9', Pane::Matrix),
    ] {
        update(&mut s, key(KeyCode::Char(k)));
        assert_eq!(s.pane, p);
    }
}

#[test]
fn site_filter_cycles_through_the_reference_sites_and_back() {
    let mut s = state();
    update(&mut s, key(KeyCode::Char('s')));
    assert_eq!(s.participants.filter.site.as_deref(), Some("A"));
    update(&mut s, key(KeyCode::Char('s')));
    assert_eq!(s.participants.filter.site.as_deref(), Some("B"));
    update(&mut s, key(KeyCode::Char('s')));
    assert_eq!(s.participants.filter.site, None);
}

#[test]
fn search_is_incremental_and_esc_clears_it() {
    let mut s = state();
    update(&mut s, key(KeyCode::Char('/')));
    assert_eq!(s.mode, Mode::Search);
    // The query shows at once; the list reload waits for the frame (and folds keys).
    assert!(update(&mut s, key(KeyCode::Char('j'))).is_none());
    update(&mut s, key(KeyCode::Char('o')));
    assert_eq!(s.participants.filter.search.as_deref(), Some("jo"));
    assert_eq!(s.slow, vec![Slow::Reload(Pane::Participants)]);
    // `q` is text while searching, not quit.
    assert!(update(&mut s, key(KeyCode::Char('q'))).is_none());
    assert_eq!(s.participants.filter.search.as_deref(), Some("joq"));
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(s.participants.filter.search, None);
    assert_eq!(s.mode, Mode::Normal);
}

#[test]
fn add_form_validates_before_any_write_and_esc_changes_nothing() {
    let mut s = state();
    update(&mut s, key(KeyCode::Char('a')));
    assert_eq!(s.mode, Mode::Form);
    assert!(
        update(&mut s, key(KeyCode::Enter)).is_none(),
        "empty name is refused locally"
    );
    let (_, f) = s.form.as_ref().unwrap();
    assert_eq!(f.fields[0].error.as_deref(), Some("required"));
    for c in "Ann".chars() {
        update(&mut s, key(KeyCode::Char(c)));
    }
    match update(&mut s, key(KeyCode::Enter)) {
        Some(Effect::Write(Write::AddParticipant(i))) => {
            assert_eq!(i.name.as_deref(), Some("Ann"))
        }
        other => panic!("{other:?}"),
    }
    update(&mut s, key(KeyCode::Esc));
    assert!(s.form.is_none());
    assert_eq!(s.mode, Mode::Normal);
}

#[test]
fn paging_loads_two_pages_and_reloads_only_past_them() {
    let mut p: Paged<u32> = Paged {
        rows: (0..20).collect(),
        total: 1000,
        ..Default::default()
    };
    p.page.set(10);
    assert!(!p.move_by(15), "the second page is loaded");
    assert!(p.move_by(5), "the third is not");
    assert_eq!(p.window_start(), 20);
    assert_eq!(p.window_len(), 20);
    p.offset = 20;
    assert!(p.move_to(5));
    assert_eq!(p.window_start(), 0, "moving up loads the page before too");
    p.move_to(5000);
    assert_eq!(p.selected, 999);
}

#[test]
fn undo_without_history_says_so() {
    let mut s = state();
    assert!(update(&mut s, key(KeyCode::Char('u'))).is_none());
    assert!(s.message.as_ref().unwrap().text.contains("nothing to undo"));
    s.undo.push(Step {
        what: "x".into(),
        inverse: Write::Untag {
            ids: vec!["t".into()],
        },
        forward: Write::Tag {
            session: "s".into(),
            themes: vec!["t".into()],
        },
    });
    assert!(matches!(
        update(&mut s, key(KeyCode::Char('u'))),
        Some(Effect::Write(Write::Untag { .. }))
    ));
}

#[test]
fn withdrawal_goes_through_a_confirm_dialog() {
    let mut s = state();
    s.pane = Pane::Consent;
    s.consent.list.total = 1;
    s.consent.list.rows.push(ConsentRow {
        participant_id: "p1".into(),
        code: "PAAAA".into(),
        name: "N".into(),
        site: "A".into(),
        status: Status::Consented,
        items: vec![],
        records: 1,
        withdrawn: None,
    });
    update(&mut s, key(KeyCode::Char('w')));
    assert!(update(&mut s, key(KeyCode::Enter)).is_none());
    assert_eq!(s.mode, Mode::Confirm);
    update(&mut s, key(KeyCode::Char('n')));
    assert_eq!(s.mode, Mode::Form);
    update(&mut s, key(KeyCode::Enter));
    assert!(matches!(
        update(&mut s, key(KeyCode::Char('y'))),
        Some(Effect::Write(Write::Withdraw { .. }))
    ));
}

#[test]
fn privacy_toggles() {
    let mut s = state();
    update(&mut s, key(KeyCode::Char('P')));
    assert!(s.privacy);
}
