//! TUI latency at scale: opening to the first frame, and keypress-to-frame for the keys a
//! user presses most, each measured as `update` + the effect through the service + a full
//! render into a 160×50 TestBackend. The log is a scale-10 study (40 sites, ~1,500
//! participants, 1,120 interviews) built in memory through the service.
//!
//! Run with `cargo bench --bench tui`. Numbers are recorded in docs/benchmarks.md.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use fieldwork::service::Fieldwork;
use fieldwork::tui::app::{update, Action, Effect, Pane, State};
use fieldwork::tui::effects::{finish, perform, slow};
use fieldwork::tui::keymap::Cmd;
use fieldwork::tui::{initial_state, view};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::Terminal;

fn frame(t: &mut Terminal<TestBackend>, s: &State) {
    t.draw(|f| view::render(s, f.area(), f.buffer_mut()))
        .unwrap();
}

fn press(fw: &mut Fieldwork, s: &mut State, t: &mut Terminal<TestBackend>, c: KeyCode) {
    let ev = KeyEvent::new_with_kind(c, KeyModifiers::NONE, KeyEventKind::Press);
    if let Some(e) = update(s, Action::Key(ev)) {
        perform(fw, s, e);
    }
    frame(t, s);
}

fn open(fw: &mut Fieldwork) -> State {
    let mut s = initial_state(fw, false, true, false);
    update(&mut s, Action::Resize(160, 50));
    perform(fw, &mut s, Effect::Load(Pane::Participants));
    s
}

/// The `--scale 10` demo database (40 sites, 1,120 interviews, transcripts on disk), built
/// once by the demo generator into `target/bench-data/tui-scale10/` and reused; when the
/// generator refuses, a log of the same size is built in memory through the service.
fn database() -> Fieldwork {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/tui-scale10");
    let db = dir.join("fieldwork.db");
    let root = dir.join("transcripts");
    if !db.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let cfg = fieldwork::config::parse(fieldwork::config::DEFAULT_STUDY, "built-in").unwrap();
        let started = std::time::Instant::now();
        let mut fw = Fieldwork::create(&db, &cfg.study, support::settings(&root)).unwrap();
        if let Err(e) = fieldwork::demo::generate(&mut fw, 10) {
            eprintln!("demo generator unavailable ({e}); building the log through the service");
            drop(fw);
            fieldwork::service::remove_db_files(&db);
            return support::scaled(10, &root);
        }
        eprintln!("built the scale-10 demo in {:?}", started.elapsed());
    }
    Fieldwork::open(&db, support::settings(&root)).unwrap()
}

fn benches(c: &mut Criterion) {
    let mut fw = database();
    eprintln!(
        "scale-10 log: {} participants, {} interviews, {} sessions",
        fw.participant_count(&Default::default()).unwrap(),
        fw.coverage().unwrap().total_interviews,
        fw.session_count(&Default::default()).unwrap()
    );
    let mut t = Terminal::new(TestBackend::new(160, 50)).unwrap();
    let mut g = c.benchmark_group("tui");
    g.sample_size(30)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));

    g.bench_function("open_to_first_frame", |b| {
        b.iter(|| {
            let s = open(&mut fw);
            frame(&mut t, &s);
        })
    });

    let mut s = open(&mut fw);
    g.bench_function("participants_down", |b| {
        b.iter(|| press(&mut fw, &mut s, &mut t, KeyCode::Down))
    });
    g.bench_function("participants_page_down_then_up", |b| {
        b.iter(|| {
            press(&mut fw, &mut s, &mut t, KeyCode::PageDown);
            press(&mut fw, &mut s, &mut t, KeyCode::PageUp);
        })
    });
    g.bench_function("participants_end_then_home", |b| {
        b.iter(|| {
            press(&mut fw, &mut s, &mut t, KeyCode::End);
            press(&mut fw, &mut s, &mut t, KeyCode::Home);
        })
    });
    g.bench_function("participants_search_keystroke", |b| {
        update(&mut s, Action::Cmd(Cmd::Search));
        b.iter(|| {
            press(&mut fw, &mut s, &mut t, KeyCode::Char('a'));
            press(&mut fw, &mut s, &mut t, KeyCode::Backspace);
        })
    });
    g.bench_function("participants_search_reload_then_frame", |b| {
        b.iter(|| {
            s.slow
                .insert(0, fieldwork::tui::app::Slow::Reload(Pane::Participants));
            slow(&fw, &mut s);
            frame(&mut t, &s);
        })
    });
    update(&mut s, Action::Cmd(Cmd::Cancel));
    finish(&fw, &mut s);
    g.bench_function("participants_deferred_detail_then_frame", |b| {
        b.iter(|| {
            s.slow
                .push(fieldwork::tui::app::Slow::Detail(Pane::Participants));
            slow(&fw, &mut s);
            frame(&mut t, &s);
        })
    });
    g.bench_function("participants_site_filter", |b| {
        b.iter(|| press(&mut fw, &mut s, &mut t, KeyCode::Char('s')))
    });
    // Switching to a pane whose data is stale loads it; the bench marks it stale each time.
    for (key, pane) in [
        ('2', Pane::Consent),
        ('3', Pane::Sessions),
        ('4', Pane::Transcripts),
        ('5', Pane::Themes),
        ('6', Pane::Coverage),
        ('9', Pane::Matrix),
        ('0', Pane::Analysis),
        ('D', Pane::Redaction),
        ('E', Pane::Export),
    ] {
        g.bench_function(
            format!("switch_to_{}_fresh_load", pane.title().to_lowercase()),
            |b| {
                b.iter(|| {
                    s.stale[pane.index()] = true;
                    s.pane = Pane::Participants;
                    press(&mut fw, &mut s, &mut t, KeyCode::Char(key));
                })
            },
        );
        // The slow part of a fresh load (consent problems, coverage, analysis), done after the
        // frame above is on screen, then the frame that shows it.
        if matches!(pane, Pane::Consent | Pane::Coverage | Pane::Analysis) {
            g.bench_function(
                format!("{}_deferred_load_then_frame", pane.title().to_lowercase()),
                |b| {
                    b.iter(|| {
                        s.invalidate();
                        s.slow.clear();
                        s.slow.push(match pane {
                            Pane::Consent => fieldwork::tui::app::Slow::ConsentProblems,
                            Pane::Analysis => fieldwork::tui::app::Slow::Analysis,
                            _ => fieldwork::tui::app::Slow::Coverage,
                        });
                        slow(&fw, &mut s);
                        frame(&mut t, &s);
                    })
                },
            );
        }
        finish(&fw, &mut s);
        g.bench_function(format!("{}_down", pane.title().to_lowercase()), |b| {
            b.iter(|| press(&mut fw, &mut s, &mut t, KeyCode::Down))
        });
    }
    g.bench_function("switch_pane_cached", |b| {
        b.iter(|| press(&mut fw, &mut s, &mut t, KeyCode::Tab))
    });
    g.finish();
}

criterion_group!(tui, benches);
criterion_main!(tui);
