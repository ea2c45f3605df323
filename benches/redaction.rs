//! Redaction benchmark (issue 9): recall of the identifiers the demo generator plants in
//! every surface form (`src/demo_plant.rs`), per form and class, and the review burden —
//! distinct suspect texts per 1,000 words, per reason — after `redact seed`, and again after
//! allowing the classes `common-words` and `places`. Also times the suspect list and the
//! last guard over every transcript.
//!
//! Run with `cargo bench --bench redaction` (add `-- --scale N` for a larger demo); the
//! tables are printed and written to `target/bench-data/redaction.md`.
//!
//! A planted identifier counts as caught when every one of its letters and digits is
//! covered by a register replacement (`register`) or by a replacement or a suspect put to
//! review (`register + review`): a reviewer sees every suspect before anything leaves.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Instant;

use fieldwork::config;
use fieldwork::demo::{generate_with, DemoOptions};
use fieldwork::demo_plant::{take_planted, Plant, FORMS};
use fieldwork::service::{Fieldwork, Settings};

fn covered(spans: &[(usize, usize)], chars: &[char], p: &Plant) -> bool {
    (p.start..p.end)
        .filter(|&i| chars.get(i).is_some_and(|c| c.is_alphanumeric()))
        .all(|i| spans.iter().any(|(s, e)| *s <= i && i < *e))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") {
        return; // `cargo test --benches` builds it; the measurement is for benchmarking.
    }
    let scale: u32 = args
        .iter()
        .position(|a| a == "--scale")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/redaction");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("transcripts")).unwrap();
    let cfg = config::parse(config::DEFAULT_STUDY, "built-in").unwrap();
    let settings = Settings {
        user: "bench".into(),
        transcripts_root: dir.join("transcripts"),
        consent_policy: config::ConsentPolicy::Refuse,
    };
    let mut fw = Fieldwork::create(&dir.join("demo.db"), &cfg.study, settings).unwrap();
    let _ = take_planted();
    generate_with(&mut fw, &DemoOptions::new(scale)).unwrap();
    let planted = take_planted();
    fw.import_dir(&dir.join("transcripts"), None, false, true)
        .unwrap();
    fw.seed_register().unwrap();

    // The transcripts on disk (a few are deleted by the demo: their plants are skipped).
    let mut by_file: BTreeMap<&str, Vec<&Plant>> = BTreeMap::new();
    for p in &planted {
        by_file.entry(p.file.as_str()).or_default().push(p);
    }
    let mut words: u64 = 0;
    let mut texts: Vec<(String, String)> = Vec::new();
    for f in by_file.keys() {
        if let Ok(t) = std::fs::read_to_string(dir.join("transcripts").join(f)) {
            words += t.split_whitespace().count() as u64;
            texts.push((f.to_string(), t));
        }
    }

    let burden = |fw: &Fieldwork| -> (usize, BTreeMap<String, usize>, f64) {
        let start = Instant::now();
        let groups = fw.suspects(None).unwrap();
        let secs = start.elapsed().as_secs_f64();
        let mut by_reason = BTreeMap::new();
        for g in &groups {
            *by_reason.entry(g.reason.clone()).or_insert(0) += 1;
        }
        (groups.len(), by_reason, secs)
    };
    let (seed_total, seed_reasons, seed_secs) = burden(&fw);

    // Recall with the register after seeding (classes do not change what is caught by the
    // register; they only close suspects, so recall is measured after allowing them too).
    let recall = |fw: &Fieldwork| -> BTreeMap<(&'static str, &'static str), (usize, usize, usize)> {
        let redactor = fw.redactor().unwrap();
        let mut out: BTreeMap<(&'static str, &'static str), (usize, usize, usize)> =
            BTreeMap::new();
        for (f, t) in &texts {
            let chars: Vec<char> = t.chars().collect();
            let reps = redactor.matches(t);
            let sus = redactor.suspects_beside(t, &reps);
            let reg: Vec<(usize, usize)> = reps.iter().map(|r| (r.start, r.end)).collect();
            let mut all = reg.clone();
            all.extend(sus.iter().map(|s| (s.start, s.end)));
            for p in &by_file[f.as_str()] {
                let e = out.entry((p.class, p.form)).or_default();
                e.0 += 1;
                if covered(&reg, &chars, p) {
                    e.1 += 1;
                }
                if covered(&all, &chars, p) {
                    e.2 += 1;
                } else {
                    eprintln!("missed ({}): {:?} in {f}", p.form, p.text);
                }
            }
        }
        out
    };
    fw.allow_suspect_class("common-words").unwrap();
    fw.allow_suspect_class("places").unwrap();
    let (after_total, after_reasons, after_secs) = burden(&fw);
    let rec = recall(&fw);
    fw.allow_suspect_class("dates").unwrap();
    let (dates_total, dates_reasons, _) = burden(&fw);

    // The last guard over every transcript (one pass per text).
    let register = fieldwork::export::identifier_register(&fw).unwrap();
    let start = Instant::now();
    let mut guard_hits = 0;
    for (f, t) in &texts {
        if register.check_file("bench", f, t.as_bytes()).is_err() {
            guard_hits += 1;
        }
    }
    let guard_secs = start.elapsed().as_secs_f64();

    let per_k = |n: usize| n as f64 * 1000.0 / words.max(1) as f64;
    let mut md = String::new();
    md.push_str(&format!(
        "Demo at scale {scale}: {} transcripts, {words} words, {} planted identifiers.\n\n",
        texts.len(),
        rec.values().map(|v| v.0).sum::<usize>()
    ));
    md.push_str("| class | form | planted | caught by register | caught by register + review | recall |\n|---|---|---:|---:|---:|---:|\n");
    let mut totals: HashMap<&str, (usize, usize, usize)> = HashMap::new();
    for form in FORMS {
        for ((class, f), (n, reg, all)) in &rec {
            if f != form {
                continue;
            }
            md.push_str(&format!(
                "| {class} | {f} | {n} | {reg} | {all} | {:.1} % |\n",
                100.0 * *all as f64 / (*n).max(1) as f64
            ));
            let t = totals.entry(class).or_default();
            t.0 += n;
            t.1 += reg;
            t.2 += all;
        }
    }
    for class in ["participant", "third-party"] {
        if let Some((n, reg, all)) = totals.get(class) {
            md.push_str(&format!(
                "| **{class}** | all forms | {n} | {reg} | {all} | **{:.1} %** |\n",
                100.0 * *all as f64 / (*n).max(1) as f64
            ));
        }
    }
    md.push_str("\nReview burden: distinct suspect texts (what `redact suspects` lists), per reason.\n\n| reason | after `redact seed` | per 1,000 words | after `--class common-words` and `places` | per 1,000 words | and `--class dates` | per 1,000 words |\n|---|---:|---:|---:|---:|---:|---:|\n");
    let mut reasons: Vec<&String> = seed_reasons.keys().chain(after_reasons.keys()).collect();
    // Planted third parties are true identifiers: they are part of the burden, and of
    // what a reviewer must accept.
    let planted_tp = rec
        .iter()
        .filter(|((c, _), _)| *c == "third-party")
        .map(|(_, v)| v.0)
        .sum::<usize>();

    reasons.sort();
    reasons.dedup();
    for r in reasons {
        let a = seed_reasons.get(r).copied().unwrap_or(0);
        let b = after_reasons.get(r).copied().unwrap_or(0);
        let c = dates_reasons.get(r).copied().unwrap_or(0);
        md.push_str(&format!(
            "| {r} | {a} | {:.2} | {b} | {:.2} | {c} | {:.2} |\n",
            per_k(a),
            per_k(b),
            per_k(c)
        ));
    }
    md.push_str(&format!(
        "| **all** | {seed_total} | **{:.2}** | {after_total} | **{:.2}** | {dates_total} | **{:.2}** |\n",
        per_k(seed_total),
        per_k(after_total),
        per_k(dates_total)
    ));
    md.push_str(&format!(
        "\nOf these, up to {planted_tp} distinct texts ({:.2} per 1,000 words) are the planted third parties: true identifiers to accept, not noise.\n",
        per_k(planted_tp)
    ));
    md.push_str(&format!(
        "\nTimes (this machine, the profile it was built with; `cargo bench` uses the release profile): suspect list over every transcript and free text {seed_secs:.2} s after seeding, {after_secs:.2} s after the classes; the last guard over every transcript {guard_secs:.2} s ({guard_hits} transcript(s) would be refused unredacted, as they should: {} in all).\n",
        texts.len()
    ));
    println!("{md}");
    let _ = std::fs::write(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/redaction.md"),
        &md,
    );
}
