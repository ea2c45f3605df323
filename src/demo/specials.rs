//! The planned interviews and the special cases the demo must show (declines, withdrawals,
//! partial consent).

use time::{Date, Duration};

use super::{people::*, text::*};
use crate::domain::{Answer, InterviewMode, WithdrawalScope};

pub(super) fn interview(
    rng: &mut Rng,
    phase: u32,
    date: Date,
    site: &SitePlan,
    theme_weights: &[f64],
    re_interview: bool,
) -> PlannedInterview {
    let mode = match rng.below(100) {
        0..=89 => InterviewMode::Online,
        90..=95 => InterviewMode::Telephone,
        _ => InterviewMode::InPerson,
    };
    let k = rng.range(2, 5) as usize;
    PlannedInterview {
        phase,
        date,
        duration: rng.range(45, 70),
        interviewer: rng.pick(&site.interviewers).clone(),
        mode,
        gap: false,
        transcript: TranscriptPlan::Linked,
        themes: weighted_distinct(rng, theme_weights, k),
        re_interview,
    }
}

/// The few of everything that make the gaps show: per group of the study's sites, one
/// withdrawal, one consent gap, a few missing and unlinked transcripts, and a spread of
/// consent answers (quotes, archiving, audio, follow-up).
pub(super) fn assign_specials(
    people: &mut [Person],
    rng: &mut Rng,
    n_sites: usize,
    n_base: usize,
    phases: &[crate::domain::Phase],
    today: Date,
) {
    let groups = n_sites.div_ceil(n_base);
    for g in 0..groups {
        let in_group = |p: &Person| p.site / n_base == g;
        let interviewed: Vec<usize> = (0..people.len())
            .filter(|i| in_group(&people[*i]) && people[*i].outcome == Outcome::Interviewed)
            .collect();
        // Baseline people not seen again, and people seen once only in a later phase.
        let mut once_baseline: Vec<usize> = interviewed
            .iter()
            .copied()
            .filter(|i| {
                people[*i].interviews.len() == 1
                    && people[*i].interviews[0].phase == phases[0].number
            })
            .collect();
        let mut new_later: Vec<usize> = interviewed
            .iter()
            .copied()
            .filter(|i| people[*i].interviews[0].phase != phases[0].number)
            .collect();
        let mut many: Vec<usize> = interviewed
            .iter()
            .copied()
            .filter(|i| people[*i].interviews.len() > 1)
            .collect();
        rng.shuffle(&mut once_baseline);
        rng.shuffle(&mut new_later);
        rng.shuffle(&mut many);

        // One withdrawal after the baseline interview.
        if let Some(w) = once_baseline.pop() {
            let p = &mut people[w];
            let after = p.interviews[0].date;
            let date = match phases.get(1) {
                Some(next) if next.start > after + Duration::days(30) => {
                    let hi = (next.start - Duration::days(1)).min(today);
                    weekday_between(rng, (after + Duration::days(30)).min(hi), hi)
                }
                _ => (after + Duration::days(14)).min(today),
            };
            p.events.push((
                date,
                Event::Withdraw(
                    WithdrawalScope::NoFurtherData,
                    "Moved to a post outside the system; asked that no further data be collected"
                        .into(),
                ),
            ));
        }
        // Follow-up consent refused or not asked, among those not seen again.
        for (k, i) in once_baseline.iter().enumerate().take(5) {
            let a = if k < 3 { Answer::No } else { Answer::NotAsked };
            set_baseline_answers(&mut people[*i], |x| x.follow_up = Some(a));
        }
        // A spread of answers that the anonymisation rules will meet.
        let mut pool: Vec<usize> = interviewed.clone();
        rng.shuffle(&mut pool);
        let mut it = pool.into_iter();
        for _ in 0..4 {
            if let Some(i) = it.next() {
                set_all_answers(&mut people[i], |x| x.quotes = Some(Answer::No));
            }
        }
        for k in 0..9 {
            if let Some(i) = it.next() {
                let a = match k {
                    0..=3 => None,
                    4..=6 => Some(Answer::No),
                    _ => Some(Answer::NotAsked),
                };
                set_all_answers(&mut people[i], |x| x.archiving = a);
            }
        }
        for _ in 0..2 {
            if let Some(i) = it.next() {
                set_all_answers(&mut people[i], |x| x.audio = Some(Answer::No));
            }
        }
        // One interview logged before the consent form came back.
        let gap_person = new_later.pop().or_else(|| once_baseline.get(5).copied());
        if let Some(i) = gap_person {
            let p = &mut people[i];
            p.interviews[0].gap = true;
            let date = p.interviews[0].date;
            let late = (date + Duration::days(rng.range(2, 6))).min(today);
            for (d, e) in p.events.iter_mut() {
                if matches!(e, Event::Consent(..)) {
                    *d = late;
                    break;
                }
            }
        }
        // Transcripts: four linked then deleted, two never linked.
        let mut sessions: Vec<(usize, usize)> = interviewed
            .iter()
            .flat_map(|i| (0..people[*i].interviews.len()).map(move |k| (*i, k)))
            .collect();
        rng.shuffle(&mut sessions);
        for (n, (i, k)) in sessions.into_iter().take(6).enumerate() {
            people[i].interviews[k].transcript = if n < 4 {
                TranscriptPlan::Missing
            } else {
                TranscriptPlan::None
            };
        }
    }
}

pub(super) fn set_baseline_answers(p: &mut Person, f: impl Fn(&mut Answers)) {
    for (_, e) in p.events.iter_mut() {
        if let Event::Consent(a, ..) = e {
            f(a);
            return;
        }
    }
}

pub(super) fn set_all_answers(p: &mut Person, f: impl Fn(&mut Answers)) {
    for (_, e) in p.events.iter_mut() {
        if let Event::Consent(a, ..) = e {
            let keep_follow_up = a.follow_up;
            f(a);
            // Re-consent records keep their own follow-up answer.
            if a.follow_up != keep_follow_up && keep_follow_up == Some(Answer::NotAsked) {
                a.follow_up = keep_follow_up;
            }
        }
    }
}
