//! The load worker: generations per slot (a newer request supersedes an older one, whose
//! answer is dropped), a write drops the answers computed before it, and the worker's own
//! read-only connection sees what the interface's connection commits. Waits are on a
//! condition with a timeout (`FIELDWORK_TEST_TIMEOUT_SECS`, default 20), never a sleep.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use fieldwork::domain::ParticipantInput;
use fieldwork::service::Fieldwork;
use fieldwork::tui::app::{update, Action, Pane, Slow, State};
use fieldwork::tui::effects::{answer, dispatch, perform};
use fieldwork::tui::keymap::Cmd;
use fieldwork::tui::worker::{Apply, Worker};
use support::tui::state;

fn timeout() -> Duration {
    let secs = std::env::var("FIELDWORK_TEST_TIMEOUT_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    Duration::from_secs(secs)
}

/// The small coded log copied into a file (the worker needs a second connection to it).
fn file_log(dir: &Path) -> Fieldwork {
    let root = dir.join("transcripts");
    let mem = support::small_coded(&root);
    let db = dir.join("study.db");
    mem.backup(&db).unwrap();
    Fieldwork::open(&db, support::settings(&root)).unwrap()
}

fn worker(fw: &Fieldwork) -> Worker {
    Worker::open(fw.store.path(), fw.settings.clone(), fw.coding.clone()).unwrap()
}

/// Apply answers as the event loop does until nothing is pending; returns each answer's
/// (job, generation, applied).
fn settle(fw: &Fieldwork, s: &mut State, w: &Worker) -> Vec<(Slow, u64, bool)> {
    let end = Instant::now() + timeout();
    let mut seen = Vec::new();
    loop {
        dispatch(fw, s, Some(w));
        if s.pending.is_empty() && s.slow.is_empty() {
            return seen;
        }
        assert!(
            Instant::now() < end,
            "loads still pending after {:?}: {:?}",
            timeout(),
            s.pending
        );
        if let Some(a) = w.recv_timeout(Duration::from_millis(50)) {
            let applied = answer(s, a.job, a.gen, a.result);
            seen.push((a.job, a.gen, applied));
        }
    }
}

fn mark(text: &'static str) -> fieldwork::service::Result<Apply> {
    Ok(Box::new(move |s: &mut State| s.info(text)))
}

fn msg(s: &State) -> String {
    s.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

#[test]
fn a_newer_request_for_a_slot_supersedes_the_older_one() {
    let dir = tempfile::tempdir().unwrap();
    let fw = support::small(&dir.path().join("transcripts"));
    let mut s = state(&fw, false);

    let first = s.begin(Slow::Search);
    let second = s.begin(Slow::Search);
    assert!(second > first);
    // The ranked hits share the search's slot: typing on drops them too.
    let ranked = s.begin(Slow::SearchRanked);
    assert!(s.loading(Pane::Search));
    assert!(!answer(&mut s, Slow::Search, first, mark("first")));
    assert!(!answer(&mut s, Slow::Search, second, mark("second")));
    assert_eq!(msg(&s), "", "a stale answer changed the state");
    assert!(answer(&mut s, Slow::SearchRanked, ranked, mark("ranked")));
    assert_eq!(msg(&s), "ranked");
    // Applied once: the same answer again is dropped.
    assert!(!answer(&mut s, Slow::SearchRanked, ranked, mark("again")));
    assert_eq!(msg(&s), "ranked");
    assert!(!s.loading(Pane::Search));

    // Other slots are independent.
    let cov = s.begin(Slow::Coverage);
    let problems = s.begin(Slow::ConsentProblems);
    assert!(answer(
        &mut s,
        Slow::ConsentProblems,
        problems,
        mark("problems")
    ));
    assert!(answer(&mut s, Slow::Coverage, cov, mark("coverage")));

    // A list reload supersedes the detail of the old list's selection.
    let detail = s.begin(Slow::Detail(Pane::Participants));
    let reload = s.begin(Slow::Reload(Pane::Participants));
    assert!(!answer(
        &mut s,
        Slow::Detail(Pane::Participants),
        detail,
        mark("old detail")
    ));
    assert!(answer(
        &mut s,
        Slow::Reload(Pane::Participants),
        reload,
        mark("reload")
    ));

    // A load done inline supersedes the same slot's pending request.
    let detail = s.begin(Slow::Detail(Pane::Participants));
    s.supersede(Slow::Detail(Pane::Participants));
    assert!(!answer(
        &mut s,
        Slow::Detail(Pane::Participants),
        detail,
        mark("late")
    ));
    assert_eq!(msg(&s), "reload");
}

#[test]
fn a_write_drops_every_answer_computed_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let fw = support::small(&dir.path().join("transcripts"));
    let mut s = state(&fw, false);
    let cov = s.begin(Slow::Coverage);
    let ana = s.begin(Slow::Analysis);
    s.invalidate();
    assert!(!answer(&mut s, Slow::Coverage, cov, mark("coverage")));
    assert!(!answer(&mut s, Slow::Analysis, ana, mark("analysis")));
    assert_eq!(msg(&s), "");
    assert!(s.pending.is_empty());
}

#[test]
fn typing_on_drops_the_older_query_and_shows_the_newest() {
    let dir = tempfile::tempdir().unwrap();
    let mut fw = file_log(dir.path());
    let w = worker(&fw);
    let mut s = state(&fw, false);
    update(&mut s, Action::Cmd(Cmd::Go(Pane::Search)));
    update(&mut s, Action::Cmd(Cmd::Search));
    for c in "quality".chars() {
        update(&mut s, Action::Text(c));
    }
    // Keys typed before the loop dispatches fold into one request.
    assert_eq!(s.slow, vec![Slow::Search]);
    dispatch(&fw, &mut s, Some(&w));
    let (_, older) = s.pending[0];
    // The user types on before the answer is applied.
    for c in " OR assurance".chars() {
        update(&mut s, Action::Text(c));
    }
    dispatch(&fw, &mut s, Some(&w));
    assert_eq!(s.pending.len(), 1, "one request per slot is pending");
    let (_, newer) = s.pending[0];
    assert!(newer > older);
    assert!(s.loading(Pane::Search));
    let seen = settle(&fw, &mut s, &w);
    for (job, gen, applied) in &seen {
        assert_eq!(
            *applied,
            *gen >= newer,
            "{job:?} generation {gen}: applied {applied} (newest {newer})"
        );
    }
    assert!(seen.iter().any(|(_, g, a)| *g == newer && *a));
    let st = &s.coding.search;
    assert_eq!(st.shown_for, "quality OR assurance");
    assert!(
        st.hits.iter().any(|h| h.snippet.contains("assurance")),
        "{:?}",
        st.hits
    );
    // The same hits as computed inline on the interface's connection.
    let inline = fw
        .search_quick("quality OR assurance", &Default::default(), 40)
        .unwrap()
        .0;
    assert_eq!(st.hits.len(), inline.len());
    assert!(!s.loading(Pane::Search));

    // After a write the worker's connection reads what was committed.
    perform(
        &mut fw,
        &mut s,
        fieldwork::tui::app::Effect::Load(Pane::Participants),
    );
    settle(&fw, &mut s, &w);
    let before = s.participants.list.total;
    fw.add_participant(&ParticipantInput {
        name: Some("Gale Greenwood".into()),
        role: Some(free_role(&fw)),
        site: Some("A".into()),
        ..Default::default()
    })
    .unwrap();
    s.invalidate();
    s.participants.filter.search = Some("Greenwood".into());
    s.queue(Slow::Reload(Pane::Participants), true);
    settle(&fw, &mut s, &w);
    assert_eq!(s.participants.list.total, 1, "{}", msg(&s));
    assert!(before > 1);
    assert_eq!(
        s.participants.list.current().map(|r| r.p.name.clone()),
        Some("Gale Greenwood".to_string())
    );
    // Its detail followed the reload through the worker.
    assert_eq!(
        s.participants
            .detail
            .as_ref()
            .map(|d| d.participant.name.clone()),
        Some("Gale Greenwood".to_string())
    );
}

/// A role that is not held once per site (the fixture already has its chief executives).
fn free_role(fw: &Fieldwork) -> String {
    fw.reference
        .roles
        .iter()
        .find(|r| !r.unique_at_site)
        .expect("a role that is not unique at a site")
        .code
        .clone()
}

#[test]
fn the_workers_connection_cannot_write() {
    let dir = tempfile::tempdir().unwrap();
    let fw = file_log(dir.path());
    let mut ro =
        Fieldwork::open_read_only(fw.store.path(), fw.settings.clone(), fw.coding.clone()).unwrap();
    let n = ro.participant_count(&Default::default()).unwrap();
    assert_eq!(n, fw.participant_count(&Default::default()).unwrap());
    let r = ro.add_participant(&ParticipantInput {
        name: Some("Hal Hollow".into()),
        role: Some(free_role(&fw)),
        site: Some("A".into()),
        ..Default::default()
    });
    let e = r.expect_err("a read-only connection wrote");
    assert!(e.to_string().contains("readonly"), "{e}");
    assert_eq!(fw.participant_count(&Default::default()).unwrap(), n);
}

#[test]
fn entering_a_pane_whose_load_is_pending_does_not_ask_again_but_a_new_parameter_does() {
    use fieldwork::tui::coding::CodingCmd;
    let dir = tempfile::tempdir().unwrap();
    let mut fw = file_log(dir.path());
    let w = worker(&fw);
    let mut s = state(&fw, false);
    let key = |fw: &mut Fieldwork, s: &mut State, c: Cmd| {
        if let Some(e) = update(s, Action::Cmd(c)) {
            perform(fw, s, e);
        }
        dispatch(fw, s, Some(&w));
    };
    key(&mut fw, &mut s, Cmd::Go(Pane::Analysis));
    assert_eq!(s.pending.len(), 1, "{:?}", s.pending);
    let (job, first) = s.pending[0];
    assert_eq!(job, Slow::Analysis);
    // Away and back while it is computed: the same request stays pending.
    key(&mut fw, &mut s, Cmd::Go(Pane::Participants));
    key(&mut fw, &mut s, Cmd::Go(Pane::Analysis));
    assert!(
        s.pending.contains(&(Slow::Analysis, first)),
        "{:?}",
        s.pending
    );
    // Another phase supersedes it: only the newest answer is applied.
    key(&mut fw, &mut s, Cmd::Coding(CodingCmd::Phase));
    let phase = s.coding.analysis.phase;
    assert!(phase.is_some());
    assert!(!s.pending.contains(&(Slow::Analysis, first)));
    let seen = settle(&fw, &mut s, &w);
    assert!(seen
        .iter()
        .filter(|(j, _, _)| *j == Slow::Analysis)
        .all(|(_, g, applied)| *applied == (*g != first)));
    let sat = s.coding.analysis.saturation.as_ref().unwrap();
    let inline = fw.saturation(None, None, None, phase).unwrap();
    assert_eq!(sat.points.len(), inline.points.len());
    assert!(!s.coding.analysis.computing);
}

/// Opening a transcript in the Viewer is the worker's: the pane shows at once with the
/// loading mark and says it is opening; the transcript follows. In privacy mode the first
/// open after a write builds the masks there too; a write meanwhile drops the answer and
/// the pane asks again.
#[test]
fn the_viewer_opens_its_transcript_on_the_worker() {
    use fieldwork::tui::coding::CodingCmd;
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;
    let dir = tempfile::tempdir().unwrap();
    let mut fw = file_log(dir.path());
    let w = worker(&fw);
    let mut s = state(&fw, false);
    let cmd = |fw: &mut Fieldwork, s: &mut State, c: Cmd| {
        if let Some(e) = update(s, Action::Cmd(c)) {
            perform(fw, s, e);
        }
        dispatch(fw, s, Some(&w));
    };
    let screen = |s: &State| {
        let mut t = Terminal::new(TestBackend::new(120, 30)).unwrap();
        t.draw(|f| fieldwork::tui::view::render(s, f.area(), f.buffer_mut()))
            .unwrap();
        let b = t.backend().buffer().clone();
        (0..b.area.height)
            .map(|y| {
                (0..b.area.width)
                    .map(|x| b[(x, y)].symbol().to_string())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    cmd(&mut fw, &mut s, Cmd::Go(Pane::Transcripts));
    settle(&fw, &mut s, &w);
    let mut steps = 0;
    while s.transcripts.current().is_none_or(|t| t.words.is_none()) {
        steps += 1;
        assert!(steps < 50, "no imported transcript in the list");
        cmd(&mut fw, &mut s, Cmd::Down);
        settle(&fw, &mut s, &w);
    }
    for privacy in [false, true] {
        if privacy {
            cmd(&mut fw, &mut s, Cmd::TogglePrivacy);
            // As after a write: no masks yet.
            s.invalidate();
            s.coding.viewer = None;
            cmd(&mut fw, &mut s, Cmd::Go(Pane::Transcripts));
            settle(&fw, &mut s, &w);
            assert!(s.coding.masks.is_none());
        }
        cmd(&mut fw, &mut s, Cmd::Coding(CodingCmd::OpenTranscript));
        assert_eq!(s.pane, Pane::Viewer);
        assert!(s.coding.viewer.is_none() && s.coding.opening.is_some());
        assert!(s.pending.iter().any(|(j, _)| *j == Slow::Viewer));
        let shown = screen(&s);
        assert!(shown.contains("Opening the transcript"), "{shown}");
        assert!(shown.contains("loading"), "{shown}");
        settle(&fw, &mut s, &w);
        let v = s.coding.viewer.as_ref().expect("the transcript is open");
        assert!(!v.chars.is_empty());
        assert!(s.coding.opening.is_none());
        assert!(msg(&s).contains("transcript open"), "{}", msg(&s));
        if privacy {
            assert!(s.coding.masks.is_some(), "the masks were built with it");
        }
        cmd(&mut fw, &mut s, Cmd::Go(Pane::Transcripts));
    }
    // A write while a transcript is opening drops the answer; showing the Viewer again
    // opens it again.
    cmd(&mut fw, &mut s, Cmd::Coding(CodingCmd::OpenTranscript));
    s.coding.viewer = None;
    s.invalidate();
    settle(&fw, &mut s, &w);
    assert!(s.coding.viewer.is_none() && s.coding.opening.is_some());
    cmd(&mut fw, &mut s, Cmd::Go(Pane::Participants));
    cmd(&mut fw, &mut s, Cmd::Go(Pane::Viewer));
    settle(&fw, &mut s, &w);
    assert!(s.coding.viewer.is_some());
}
