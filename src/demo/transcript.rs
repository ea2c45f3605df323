//! Writing a demo transcript from the templates.

use std::collections::HashSet;

use super::{people::*, text::*};
use crate::domain::format_date;

// ---------------------------------------------------------------------------------------
// Transcripts.

pub(super) struct TranscriptCtx<'a> {
    pub(super) study: &'a str,
    pub(super) site_name: &'a str,
    pub(super) site_code: &'a str,
    pub(super) phase: u32,
    pub(super) phase_name: &'a str,
    pub(super) person: &'a Person,
    pub(super) colleagues: &'a [String],
    pub(super) interview: &'a PlannedInterview,
    pub(super) recorded: bool,
    pub(super) themes: &'a [(String, String, Option<String>)],
}

/// Words that can take a filler in front once lower-cased ("I mean, we have…").
pub(super) const LOWERABLE: &[&str] = &[
    "We",
    "The",
    "There",
    "There's",
    "It",
    "It's",
    "A",
    "Our",
    "Each",
    "Getting",
    "Setting",
    "Monitoring",
    "Assurance",
    "Oversight",
    "Improvement",
    "Leadership",
    "Partnership",
    "Place",
    "Priority",
    "Standards",
    "Roles",
    "Information",
    "Time",
    "Waiting",
    "Statistical",
    "Hearing",
    "Everything",
    "Nothing",
    "Only",
    "Just",
    "Most",
    "Some",
];

pub(super) fn push_words(out: &mut String, s: &str, words: &mut usize) {
    *words += s.split_whitespace().count();
    out.push_str(s);
}

/// Write one synthetic transcript into `out`; returns its word count.
pub(super) fn write_transcript(
    out: &mut String,
    ctx: &TranscriptCtx<'_>,
    frags: &Sections,
    rng: &mut Rng,
    target: usize,
) -> usize {
    let p = ctx.person;
    let iv = ctx.interview;
    let mut words = 0;
    // The other people at the site, found once per transcript (not for every sentence).
    let others: Vec<&str> = ctx
        .colleagues
        .iter()
        .filter(|c| **c != p.name)
        .map(String::as_str)
        .collect();
    let colleague = |rng: &mut Rng| -> &str {
        if others.is_empty() {
            "a colleague"
        } else {
            // The same draw as `rng.pick(&others)`.
            others[rng.below(others.len())]
        }
    };
    let year = iv.date.year().to_string();
    let render = |rng: &mut Rng, t: &str| -> String {
        if !t.contains('{') {
            return t.to_string();
        }
        let c = colleague(rng);
        fill(
            t,
            &[
                ("given", &p.given),
                ("name", &p.name),
                ("org", &p.org),
                ("site", ctx.site_name),
                ("place", &p.place),
                ("colleague", c),
                ("role", &p.job_title),
                ("study", ctx.study),
                ("year", &year),
            ],
        )
    };
    let header = format!(
        "{}\n{} (synthetic demo data)\nSite: {} ({})    Phase: {} ({})\nDate: {}    Mode: {}    Duration: {} minutes\nInterviewer: {}    Participant: {}, {}, {}\n\n",
        ctx.study,
        if ctx.recorded {
            "Interview transcript, verbatim"
        } else {
            "Interview notes, not audio-recorded"
        },
        ctx.site_name,
        ctx.site_code,
        ctx.phase,
        ctx.phase_name,
        format_date(iv.date),
        iv.mode,
        iv.duration,
        iv.interviewer,
        p.name,
        p.job_title,
        p.org,
    );
    push_words(out, &header, &mut words);
    let turn = |out: &mut String, words: &mut usize, speaker: &str, body: &str| {
        out.push_str(speaker);
        out.push_str(": ");
        push_words(out, body, words);
        out.push_str("\n\n");
        *words += 1;
    };
    let opening_i = if iv.re_interview {
        frags.first(&["opening:interviewer:again", "opening:interviewer"])
    } else {
        frags.get("opening:interviewer")
    };
    let opening_p = frags.get("opening:participant");
    if !opening_i.is_empty() {
        let s = {
            let t = rng_pick_str(rng, opening_i);
            render(rng, t)
        };
        turn(out, &mut words, "Interviewer", &s);
    }
    if !opening_p.is_empty() {
        let s = {
            let t = rng_pick_str(rng, opening_p);
            render(rng, t)
        };
        turn(out, &mut words, "Participant", &s);
    }
    let fillers = frags.get("filler");
    let general = frags.get("general");
    let generic_q = frags.get("question");
    let closing_i = frags.get("closing:interviewer");
    let closing_p = frags.get("closing:participant");
    let mut pools: Vec<(Vec<&[String]>, &[String])> = Vec::new();
    for t in &iv.themes {
        let (_, leaf, parent) = &ctx.themes[*t];
        let parent = parent.as_deref().unwrap_or(leaf);
        let mut said: Vec<&[String]> = Vec::new();
        for s in [frags.get(leaf), frags.get(parent)] {
            if !s.is_empty() {
                said.push(s);
            }
        }
        if said.is_empty() {
            said.push(general);
        }
        let q = frags.first(&[&format!("question:{leaf}"), &format!("question:{parent}")]);
        pools.push((said, q));
    }
    if pools.is_empty() {
        pools.push((vec![general], generic_q));
    }
    let closing_words = 60;
    let mut said_before: HashSet<usize> = HashSet::new();
    let mut round = 0usize;
    while words + closing_words < target {
        let (said, q) = &pools[round % pools.len()];
        let fresh_theme = round < pools.len() || rng.chance(0.2);
        let question = if fresh_theme && !q.is_empty() {
            rng_pick_str(rng, q)
        } else if !generic_q.is_empty() {
            rng_pick_str(rng, generic_q)
        } else {
            "Could you say more?"
        };
        let question = render(rng, question);
        turn(out, &mut words, "Interviewer", &question);
        let n = rng.range(2, 5);
        let mut answer = String::new();
        let mut answer_used: Vec<usize> = Vec::new();
        for k in 0..n {
            let pool: &[String] = if !general.is_empty() && rng.chance(0.15) {
                general
            } else {
                said[rng.below(said.len())]
            };
            if pool.is_empty() {
                continue;
            }
            // Prefer sentences not yet said in this transcript (known by address: every
            // entry of a section is its own string).
            let mut t = rng_pick_str(rng, pool);
            for _ in 0..4 {
                if !said_before.contains(&(t.as_ptr() as usize)) {
                    break;
                }
                t = rng_pick_str(rng, pool);
            }
            if answer_used.contains(&(t.as_ptr() as usize)) {
                continue;
            }
            said_before.insert(t.as_ptr() as usize);
            answer_used.push(t.as_ptr() as usize);
            let mut s = render(rng, t);
            if k == 0 && !fillers.is_empty() && rng.chance(0.35) {
                let first = s.split_whitespace().next().unwrap_or("");
                if LOWERABLE.contains(&first) {
                    s = format!("{} {}", rng_pick_str(rng, fillers), lower_first(&s));
                }
            }
            if !answer.is_empty() {
                answer.push(' ');
            }
            answer.push_str(&s);
        }
        let fallback = if general.is_empty() { said[0] } else { general };
        if answer.is_empty() && !fallback.is_empty() {
            let t = rng_pick_str(rng, fallback);
            answer = render(rng, t);
        }
        if rng.chance(0.04) {
            answer.push_str(&format!(
                " [inaudible {:02}:{:02}]",
                rng.range(2, iv.duration.max(3) - 1),
                rng.range(0, 59)
            ));
        }
        turn(out, &mut words, "Participant", &answer);
        round += 1;
    }
    if !closing_i.is_empty() {
        let s = {
            let t = rng_pick_str(rng, closing_i);
            render(rng, t)
        };
        turn(out, &mut words, "Interviewer", &s);
    }
    if !closing_p.is_empty() {
        let s = {
            let t = rng_pick_str(rng, closing_p);
            render(rng, t)
        };
        turn(out, &mut words, "Participant", &s);
    }
    words
}

pub(super) fn rng_pick_str<'a>(rng: &mut Rng, xs: &'a [String]) -> &'a str {
    xs[rng.below(xs.len())].as_str()
}
