//! TUI latency at scale, two ways.
//!
//! **Key-to-frame with the load worker** (`FIELDWORK_BENCH_DB=path/to/scale100.db cargo
//! bench --bench tui`): the event loop's steps on a file database with the load worker
//! running — for each key: `update`, its effect through the service, the answers that
//! are in, the new requests handed to the worker, and a full render into a 160×50
//! `TestBackend` — timed from the key to the frame drawn, for pane entries (every pane
//! after a write made them all stale), paging (PgDn/PgUp/End/Home in the lists) and search
//! typing (the Participants search and the Search pane's query, a key every 80 ms) and
//! opening transcripts in the Viewer (Enter in Transcripts; then in privacy mode, each the
//! first open after a write, so the masks are built with it). Between
//! keys the loop applies answers as they arrive and draws; how long that takes on the
//! interface's thread (answer to frame) is reported too, as is the time from a pane key
//! to its data on screen. Prints max, p99 and median per group.
//!
//! **Criterion, inline** (`cargo bench --bench tui` without `FIELDWORK_BENCH_DB`):
//! `update` + the effect through the service + a full render, with the deferred loads run
//! inline, on a scale-10 study (40 sites, ~1,500 participants, 1,120 interviews).
//!
//! Numbers are recorded in docs/benchmarks.md.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use fieldwork::service::Fieldwork;
use fieldwork::tui::app::{update, Action, Effect, Pane, Slow, State};
use fieldwork::tui::effects::{answer, dispatch, finish, perform, slow};
use fieldwork::tui::keymap::Cmd;
use fieldwork::tui::worker::Worker;
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
    // Inline here: the deferred loads the key asked for (a list's window, a detail).
    finish(fw, s);
    frame(t, s);
}

fn open(fw: &mut Fieldwork) -> State {
    let mut s = initial_state(fw, false, true, false);
    update(&mut s, Action::Resize(160, 50));
    perform(fw, &mut s, Effect::Load(Pane::Participants));
    finish(fw, &mut s);
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

fn main() {
    if let Some(db) = std::env::var_os("FIELDWORK_BENCH_DB") {
        latency(Path::new(&db));
        return;
    }
    tui();
    Criterion::default().configure_from_args().final_summary();
}

/// The interface driven like the event loop, with the load worker running.
struct Ui {
    fw: Fieldwork,
    s: State,
    t: Terminal<TestBackend>,
    w: Worker,
    /// Interface-thread time to apply an answer and draw the frame that shows it.
    answer_frames: Vec<Duration>,
    /// The same, by the load answered and the pane shown: (load, pane, apply, frame).
    answer_parts: Vec<(Slow, Pane, Duration, Duration)>,
    /// Key-to-frame by pane and key.
    by_key: std::collections::BTreeMap<String, Vec<Duration>>,
}

impl Ui {
    fn frame(&mut self) {
        frame(&mut self.t, &self.s);
    }

    /// Answers that are in, then the queued requests to the worker (the loop's top).
    fn loop_top(&mut self) -> bool {
        let mut any = false;
        while let Some(a) = self.w.try_recv() {
            any |= answer(&mut self.s, a.job, a.gen, a.result);
        }
        dispatch(&self.fw, &mut self.s, Some(&self.w));
        any
    }

    /// One key as the event loop handles it; returns key-to-frame.
    fn key(&mut self, code: KeyCode) -> Duration {
        let label = format!("{:?} on {}", code, self.s.pane.title());
        let t0 = Instant::now();
        let ev = KeyEvent::new_with_kind(code, KeyModifiers::NONE, KeyEventKind::Press);
        if let Some(e) = update(&mut self.s, Action::Key(ev)) {
            perform(&mut self.fw, &mut self.s, e);
        }
        self.loop_top();
        self.frame();
        let d = t0.elapsed();
        self.by_key.entry(label).or_default().push(d);
        d
    }

    /// The loop while no key comes: apply each answer as it arrives and draw, until nothing
    /// is pending or `max` has passed. Returns when it settled (None: still working).
    fn idle(&mut self, max: Duration) -> Option<Duration> {
        let t0 = Instant::now();
        loop {
            if self.s.pending.is_empty() && self.s.slow.is_empty() {
                return Some(t0.elapsed());
            }
            let left = max.saturating_sub(t0.elapsed());
            if left.is_zero() {
                return None;
            }
            if let Some(a) = self.w.recv_timeout(left.min(Duration::from_millis(15))) {
                let t = Instant::now();
                let job = a.job;
                let applied = answer(&mut self.s, a.job, a.gen, a.result);
                while let Some(a) = self.w.try_recv() {
                    answer(&mut self.s, a.job, a.gen, a.result);
                }
                dispatch(&self.fw, &mut self.s, Some(&self.w));
                let applying = t.elapsed();
                let f = Instant::now();
                self.frame();
                if applied {
                    self.answer_frames.push(t.elapsed());
                    self.answer_parts
                        .push((job, self.s.pane, applying, f.elapsed()));
                }
            }
        }
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// (n, median, p99, max) of the samples.
fn stats(v: &[Duration]) -> (usize, Duration, Duration, Duration) {
    let mut v = v.to_vec();
    v.sort();
    let n = v.len();
    if n == 0 {
        return (0, Duration::ZERO, Duration::ZERO, Duration::ZERO);
    }
    let p99 = v[((n as f64 * 0.99).ceil() as usize).clamp(1, n) - 1];
    (n, v[n / 2], p99, v[n - 1])
}

fn row(what: &str, v: &[Duration]) {
    let (n, med, p99, max) = stats(v);
    println!("| {what} | {n} | {} | {} | {} |", ms(med), ms(p99), ms(max));
}

/// How long the slow loads take on their own (the worker's share), best of 3; and the
/// consent problems' "never asked" part the old way (a page of 500 participants after
/// another, two queries per participant) beside the set-based one.
fn service_timings(fw: &Fieldwork) {
    fn best<T>(f: impl Fn() -> T) -> Duration {
        (0..3)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .min()
            .unwrap_or_default()
    }
    let today = fieldwork::domain::today();
    let old_never_asked = || {
        let filter = Default::default();
        let total = fw.participant_count(&filter).unwrap();
        let mut n = 0;
        let mut offset = 0;
        while offset < total {
            for r in fw.consent_overview(&filter, today, offset, 500).unwrap() {
                if r.records > 0
                    && r.items.iter().any(|(_, st)| {
                        matches!(
                            st,
                            fieldwork::domain::ItemState::NotAsked
                                | fieldwork::domain::ItemState::Unset
                        )
                    })
                {
                    n += 1;
                }
            }
            offset += 500;
        }
        n
    };
    let deep = fw
        .participant_count(&Default::default())
        .unwrap()
        .saturating_sub(100);
    let rows: [(&str, Duration); 9] = [
        (
            "consent problems (`Fieldwork::consent_problems`)",
            best(|| fw.consent_problems().unwrap()),
        ),
        ("coverage", best(|| fw.coverage().unwrap())),
        (
            "never asked, set-based (`consent_never_asked`)",
            best(|| fw.consent_never_asked(today).unwrap()),
        ),
        (
            "never asked, the old way (pages of 500)",
            best(old_never_asked),
        ),
        (
            "analysis (saturation + frequency + co-occurrence)",
            best(|| {
                (
                    fw.saturation(None, None, None, None).unwrap(),
                    fw.theme_frequency().unwrap(),
                    fw.cooccurrence().unwrap(),
                )
            }),
        ),
        ("matrix (all phases)", best(|| fw.matrix(None).unwrap())),
        (
            "participants: first window (100 rows)",
            best(|| {
                fw.participants_with_consent(&Default::default(), today, 0, 100)
                    .unwrap()
            }),
        ),
        (
            "participants: last window (100 rows)",
            best(|| {
                fw.participants_with_consent(&Default::default(), today, deep, 100)
                    .unwrap()
            }),
        ),
        (
            "sessions: last window (100 rows)",
            best(|| {
                let n = fw.session_count(&Default::default()).unwrap();
                fw.sessions(&Default::default(), true, n.saturating_sub(100), 100)
                    .unwrap()
            }),
        ),
    ];
    println!();
    println!("| load, on its own | best of 3 |");
    println!("|---|---|");
    for (what, d) in rows {
        println!("| {what} | {} |", ms(d));
    }
}

fn latency(db: &Path) {
    let root = std::env::var_os("FIELDWORK_BENCH_TRANSCRIPTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| db.parent().unwrap_or(Path::new(".")).join("transcripts"));
    let settings = support::settings(&root);
    let mut fw = Fieldwork::open(db, settings.clone()).unwrap();
    // The Search pane needs imported text: import every transcript once (it stays in the
    // database for the next runs).
    let imported = fw
        .transcript_rows(0, 200)
        .map(|v| v.iter().any(|r| r.words.is_some()))
        .unwrap_or(false);
    if !imported {
        let t = Instant::now();
        let r = fw.import_dir(&root, None, false, true).unwrap();
        eprintln!(
            "imported {} transcript file(s) in {:.1} s",
            r.iter().filter(|x| x.outcome == "imported").count(),
            t.elapsed().as_secs_f64()
        );
    }
    eprintln!(
        "log: {} participants, {} sessions",
        fw.participant_count(&Default::default()).unwrap(),
        fw.session_count(&Default::default()).unwrap()
    );
    service_timings(&fw);
    let w = Worker::open(db, settings, fw.coding.clone()).unwrap();
    let t0 = Instant::now();
    let s = initial_state(&fw, false, true, false);
    let mut ui = Ui {
        fw,
        s,
        t: Terminal::new(TestBackend::new(160, 50)).unwrap(),
        w,
        answer_frames: Vec::new(),
        answer_parts: Vec::new(),
        by_key: Default::default(),
    };
    update(&mut ui.s, Action::Resize(160, 50));
    perform(&mut ui.fw, &mut ui.s, Effect::Load(Pane::Participants));
    ui.loop_top();
    ui.frame();
    let open = t0.elapsed();
    ui.idle(Duration::from_secs(30));

    // Pane entries: every pane after a write (all stale), ten rounds.
    let rounds: usize = std::env::var("FIELDWORK_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let settle = Duration::from_secs(
        std::env::var("FIELDWORK_BENCH_SETTLE_SECS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(5),
    );
    let keys = ['2', '3', '4', '5', '6', '7', '8', '9', '0', 'D', 'E', '1'];
    let mut entries = Vec::new();
    let mut to_data: Vec<(char, Vec<Duration>, usize)> =
        keys.iter().map(|k| (*k, Vec::new(), 0)).collect();
    for _ in 0..rounds {
        ui.s.invalidate();
        for (i, k) in keys.iter().enumerate() {
            let t = Instant::now();
            entries.push(ui.key(KeyCode::Char(*k)));
            match ui.idle(settle) {
                Some(_) => to_data[i].1.push(t.elapsed()),
                None => to_data[i].2 += 1,
            }
        }
    }

    // Paging in the lists.
    let mut paging = Vec::new();
    let pace = Duration::from_millis(80);
    for pane in ['1', '2', '3', '4'] {
        ui.key(KeyCode::Char(pane));
        ui.idle(settle);
        for _ in 0..2 {
            for _ in 0..25 {
                paging.push(ui.key(KeyCode::PageDown));
                ui.idle(pace);
            }
            paging.push(ui.key(KeyCode::End));
            ui.idle(pace);
            for _ in 0..25 {
                paging.push(ui.key(KeyCode::PageUp));
                ui.idle(pace);
            }
            paging.push(ui.key(KeyCode::Home));
            ui.idle(pace);
        }
    }

    // Search typing, a key every 80 ms (answers are applied in between as they come).
    let mut typing = Vec::new();
    let mut type_in = |ui: &mut Ui, pane: char, queries: &[&str]| {
        ui.key(KeyCode::Char(pane));
        ui.idle(settle);
        for q in queries {
            typing.push(ui.key(KeyCode::Char('/')));
            ui.idle(pace);
            for c in q.chars() {
                typing.push(ui.key(KeyCode::Char(c)));
                ui.idle(pace);
            }
            for _ in q.chars() {
                typing.push(ui.key(KeyCode::Backspace));
                ui.idle(pace);
            }
            typing.push(ui.key(KeyCode::Esc));
            ui.idle(settle);
        }
    };
    type_in(&mut ui, '1', &["mar", "ann wood", "qual lead", "PX"]);
    type_in(&mut ui, '2', &["jo", "smith"]);
    type_in(
        &mut ui,
        '7',
        &[
            "quality committee",
            "\"data sharing\"",
            "partner*",
            "assurance NOT training",
        ],
    );

    // Viewer opens: in Transcripts, Enter on an interview with imported text, back, the
    // next one; then the same in privacy mode, each first open after a write (the masks
    // are built then, on the worker, with the transcript).
    let mut viewer_normal = Vec::new();
    let mut viewer_privacy = Vec::new();
    let mut viewer_data: Vec<(bool, Duration)> = Vec::new();
    let opens: usize = std::env::var("FIELDWORK_BENCH_OPENS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    for privacy in [false, true] {
        if privacy {
            ui.key(KeyCode::Char('P'));
        }
        ui.key(KeyCode::Char('4'));
        ui.idle(settle);
        ui.key(KeyCode::Home);
        ui.idle(settle);
        let mut opened = 0;
        let mut tries = 0;
        while opened < opens && tries < 200 {
            tries += 1;
            let imported =
                ui.s.transcripts
                    .current()
                    .is_some_and(|t| t.words.is_some());
            if !imported {
                ui.key(KeyCode::Down);
                ui.idle(settle);
                continue;
            }
            if privacy {
                // As after a write: the masks are dropped and built again on this open.
                ui.s.invalidate();
            }
            let t = Instant::now();
            let d = ui.key(KeyCode::Enter);
            if privacy {
                viewer_privacy.push(d);
            } else {
                viewer_normal.push(d);
            }
            if ui.idle(settle).is_some() && ui.s.coding.viewer.is_some() {
                viewer_data.push((privacy, t.elapsed()));
            }
            opened += 1;
            ui.key(KeyCode::Char('4'));
            ui.idle(settle);
            ui.key(KeyCode::Down);
            ui.idle(settle);
        }
        if privacy {
            ui.key(KeyCode::Char('P'));
        }
    }

    println!();
    println!("Open to the first frame: {}", ms(open));
    println!();
    println!("| key-to-frame, worker running | keys | median | p99 | max |");
    println!("|---|---|---|---|---|");
    row("pane entries (all stale)", &entries);
    row("paging (PgDn/PgUp/End/Home)", &paging);
    row("search typing", &typing);
    row("Viewer open (Enter in Transcripts)", &viewer_normal);
    row(
        "Viewer open, privacy mode, first open after a write",
        &viewer_privacy,
    );
    let all: Vec<Duration> = entries
        .iter()
        .chain(&paging)
        .chain(&typing)
        .chain(&viewer_normal)
        .chain(&viewer_privacy)
        .copied()
        .collect();
    row("all keys", &all);
    row("answer applied + frame (between keys)", &ui.answer_frames);
    println!();
    println!("Keys whose key-to-frame reached 16.7 ms, by key and pane:");
    println!();
    println!("| key on pane | keys | median | max |");
    println!("|---|---|---|---|");
    let mut slow_keys: Vec<(&String, &Vec<Duration>)> = ui
        .by_key
        .iter()
        .filter(|(_, v)| v.iter().any(|d| d.as_micros() >= 16_700))
        .collect();
    slow_keys.sort_by_key(|(_, v)| std::cmp::Reverse(v.iter().max().copied()));
    for (k, v) in slow_keys {
        let (n, med, _, max) = stats(v);
        println!("| {k} | {n} | {} | {} |", ms(med), ms(max));
    }
    println!();
    println!("Answers whose apply + frame reached 16.7 ms (the load, the pane shown):");
    println!();
    println!("| load | pane shown | apply (max) | frame (max) | answers |");
    println!("|---|---|---|---|---|");
    let mut parts: std::collections::BTreeMap<String, (Duration, Duration, usize)> =
        Default::default();
    for (job, pane, a, f) in &ui.answer_parts {
        if (*a + *f).as_micros() >= 16_700 {
            let e = parts
                .entry(format!("{job:?} | {}", pane.title()))
                .or_default();
            e.0 = e.0.max(*a);
            e.1 = e.1.max(*f);
            e.2 += 1;
        }
    }
    for (k, (a, f, n)) in parts {
        println!("| {k} | {} | {} | {n} |", ms(a), ms(f));
    }
    println!();
    println!(
        "| pane key → its data on screen | entries | median | max | not done within {} s |",
        settle.as_secs()
    );
    println!("|---|---|---|---|---|");
    for (k, v, late) in &to_data {
        let (n, med, _, max) = stats(v);
        println!("| `{k}` | {n} | {} | {} | {late} |", ms(med), ms(max));
    }
    for (privacy, what) in [(false, "Viewer open"), (true, "Viewer open, privacy")] {
        let v: Vec<Duration> = viewer_data
            .iter()
            .filter(|(p, _)| *p == privacy)
            .map(|(_, d)| *d)
            .collect();
        let (n, med, _, max) = stats(&v);
        println!("| {what} | {n} | {} | {} | |", ms(med), ms(max));
    }
}
