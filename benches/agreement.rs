//! Agreement benchmark (issue 13): 100 transcripts double-coded by two coders with 20
//! themes; `Fieldwork::agreement` (both coders' tags read, texts compared by hash, one
//! interval sweep per theme and transcript, the disagreeing spans cut out of the texts)
//! must take at most 1 s. Run with `cargo bench --bench agreement`; the summary is printed
//! and written to `target/bench-data/agreement.md`.
//!
//! The study is the demo study (synthetic transcripts, imported with `import_dir`) in a
//! temporary folder; the codebook is filled up to 20 themes and coder A's passages are
//! drawn at random (seeded), coder B's are A's with moved boundaries, some dropped and some
//! added, so about a third of the coded characters disagree.

use std::path::Path;
use std::time::{Duration, Instant};

use fieldwork::config;
use fieldwork::demo::{generate_with, DemoOptions};
use fieldwork::service::agreement::AgreementQuery;
use fieldwork::service::{Fieldwork, Settings};
use fieldwork::store::themes::{insert_tag, TagRow};

const TRANSCRIPTS: usize = 100;
const THEMES: usize = 20;
const PASSAGES_PER_THEME: usize = 4;
const WORDS_PER_TRANSCRIPT: u32 = 4_000;
const RUNS: usize = 7;

fn settings(root: &Path) -> Settings {
    Settings {
        user: "bench".into(),
        transcripts_root: root.join("transcripts"),
        consent_policy: config::ConsentPolicy::Refuse,
    }
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("transcripts")).unwrap();
    let cfg = config::parse(config::DEFAULT_STUDY, "built-in").unwrap();
    let db = root.join("bench.db");
    let mut fw = Fieldwork::create(&db, &cfg.study, settings(root)).unwrap();
    let mut opts = DemoOptions::new(1);
    opts.words_per_transcript = WORDS_PER_TRANSCRIPT;
    generate_with(&mut fw, &opts).unwrap();
    let imported = fw
        .import_dir(&root.join("transcripts"), None, false, false)
        .unwrap()
        .into_iter()
        .filter(|r| r.outcome == "imported")
        .filter_map(|r| r.session_id)
        .take(TRANSCRIPTS)
        .collect::<Vec<_>>();
    assert_eq!(
        imported.len(),
        TRANSCRIPTS,
        "the demo has enough transcripts"
    );
    let mut themes: Vec<String> = fw
        .themes(false)
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    let mut i = 0;
    while themes.len() < THEMES {
        i += 1;
        themes.push(
            fw.add_theme(&format!("Bench theme {i}"), None, None, None, None)
                .unwrap()
                .id,
        );
    }
    themes.truncate(THEMES);

    // The passages, written straight through the store in one transaction.
    let mut rng = fastrand::Rng::with_seed(13);
    let mut tags = 0usize;
    let mut chars_total = 0u64;
    {
        let views: Vec<(String, String, usize)> = imported
            .iter()
            .map(|s| {
                let v = fw.transcript_view(s).unwrap();
                let n = v.text().chars().count();
                (v.session_id.clone(), v.transcript.id.clone(), n)
            })
            .collect();
        let tx = fw.store.write().unwrap();
        let mut put =
            |session: &str, transcript: &str, theme: &str, coder: &str, s: usize, e: usize| {
                tags += 1;
                insert_tag(
                    &tx,
                    &TagRow {
                        id: fieldwork::domain::new_id(),
                        theme_id: theme.into(),
                        original_theme_id: theme.into(),
                        session_id: session.into(),
                        transcript_id: Some(transcript.into()),
                        span_start: Some(s as i64),
                        span_end: Some(e as i64),
                        quote: None,
                        memo: None,
                        created_at: fieldwork::domain::now_utc(),
                        created_by: "bench".into(),
                        coder: coder.into(),
                    },
                )
                .unwrap();
            };
        for (session, transcript, n) in &views {
            chars_total += *n as u64;
            for theme in &themes {
                for _ in 0..PASSAGES_PER_THEME {
                    let len = rng.usize(80..600).min(n - 1);
                    let s = rng.usize(0..n - len);
                    let e = s + len;
                    if rng.f32() < 0.9 {
                        put(session, transcript, theme, "A", s, e);
                    }
                    if rng.f32() < 0.9 {
                        let s2 = (s as i64 + rng.i64(-60..60)).clamp(0, *n as i64 - 1) as usize;
                        let e2 =
                            (e as i64 + rng.i64(-60..60)).clamp(s2 as i64 + 1, *n as i64) as usize;
                        put(session, transcript, theme, "B", s2, e2);
                    }
                }
            }
        }
        tx.commit().unwrap();
    }

    let q = AgreementQuery {
        coders: Some(("A".into(), "B".into())),
        ..Default::default()
    };
    let mut times: Vec<Duration> = Vec::new();
    let mut last = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        let r = fw.agreement(&q).unwrap();
        times.push(start.elapsed());
        last = Some(r);
    }
    times.sort();
    let r = last.unwrap();
    assert_eq!(r.transcripts.len(), TRANSCRIPTS);
    assert_eq!(r.themes.len(), THEMES);
    let median = times[RUNS / 2];
    let worst = times[RUNS - 1];
    let summary = format!(
        "Agreement: {} transcripts ({} characters), 2 coders, {} themes, {} passage tags, {} disagreements; \
         `Fieldwork::agreement` median {:.0} ms, slowest {:.0} ms of {RUNS} runs (target ≤ 1,000 ms); \
         pooled κ = {:.3}, α = {:.3}\n",
        r.transcripts.len(),
        chars_total,
        r.themes.len(),
        tags,
        r.disagreements.len(),
        median.as_secs_f64() * 1e3,
        worst.as_secs_f64() * 1e3,
        r.pooled.kappa.unwrap_or(f64::NAN),
        r.pooled.alpha.unwrap_or(f64::NAN),
    );
    print!("{summary}");
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("agreement.md"), &summary).unwrap();
    assert!(
        worst <= Duration::from_secs(1),
        "agreement took {worst:?}, over 1 s"
    );
}
