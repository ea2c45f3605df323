//! The demo's plan types (people, interviews, events, sites) and the small choices made
//! while planning.

use time::{Date, Duration, Weekday};

use super::text::*;
use crate::domain::{Answer, ConsentMode, InterviewMode, Status, WithdrawalScope};
use crate::service::sessions::{DocumentInput, ObservationInput};

// ---------------------------------------------------------------------------------------
// The plan: who, when, with what consent; then it is executed through the service.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Interviewed,
    Declined,
    NoResponse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TranscriptPlan {
    Linked,
    /// Linked, then the file is deleted.
    Missing,
    /// Never linked.
    None,
}

#[derive(Debug, Clone)]
pub(super) struct Answers {
    pub(super) audio: Option<Answer>,
    pub(super) quotes: Option<Answer>,
    pub(super) archiving: Option<Answer>,
    pub(super) follow_up: Option<Answer>,
}

#[derive(Debug, Clone)]
pub(super) struct PlannedInterview {
    pub(super) phase: u32,
    pub(super) date: Date,
    pub(super) duration: i64,
    pub(super) interviewer: String,
    pub(super) mode: InterviewMode,
    /// Logged with `allow_gap`: the consent form is dated after the interview.
    pub(super) gap: bool,
    pub(super) transcript: TranscriptPlan,
    pub(super) themes: Vec<usize>,
    pub(super) re_interview: bool,
}

#[derive(Debug, Clone)]
pub(super) enum Event {
    Invite,
    Remind,
    Consent(Answers, ConsentMode, String),
    Interview(usize),
    Close(Status, String),
    Withdraw(WithdrawalScope, String),
}

impl Event {
    /// Same-day order: invitation, reminder, consent, interview, closing.
    pub(super) fn rank(&self) -> u8 {
        match self {
            Event::Invite => 0,
            Event::Remind => 1,
            Event::Consent(..) => 2,
            Event::Interview(_) => 3,
            Event::Close(..) => 4,
            Event::Withdraw(..) => 5,
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Person {
    pub(super) site: usize,
    pub(super) role: usize,
    pub(super) given: String,
    pub(super) name: String,
    pub(super) org: String,
    pub(super) place: String,
    pub(super) job_title: String,
    pub(super) email: String,
    pub(super) phone: Option<String>,
    pub(super) outcome: Outcome,
    pub(super) identified: Date,
    pub(super) events: Vec<(Date, Event)>,
    pub(super) interviews: Vec<PlannedInterview>,
}

pub(super) struct SitePlan {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) places: Vec<String>,
    pub(super) interviewers: Vec<String>,
}

pub(super) struct StudyPlan {
    pub(super) sites: Vec<SitePlan>,
    pub(super) people: Vec<Person>,
    pub(super) observations: Vec<ObservationInput>,
    pub(super) documents: Vec<DocumentInput>,
    /// Leaf themes of the codebook: (id, name, parent name).
    pub(super) themes: Vec<(String, String, Option<String>)>,
    pub(super) codebook: Option<String>,
}

/// A weekday in `lo..=hi` (or `lo` itself when the window is shorter than a week).
pub(super) fn weekday_between(rng: &mut Rng, lo: Date, hi: Date) -> Date {
    if hi <= lo {
        return hi;
    }
    let span = (hi - lo).whole_days().max(0);
    let mut d = lo + Duration::days(rng.range(0, span));
    for _ in 0..3 {
        match d.weekday() {
            Weekday::Saturday => d -= Duration::days(1),
            Weekday::Sunday => d += Duration::days(1),
            _ => break,
        }
    }
    d.clamp(lo, hi)
}

/// Pick `n` distinct indices with weights (fewer if there are not enough).
pub(super) fn weighted_distinct(rng: &mut Rng, weights: &[f64], n: usize) -> Vec<usize> {
    let mut w = weights.to_vec();
    let mut out = Vec::new();
    while out.len() < n && w.iter().any(|x| *x > 0.0) {
        let i = rng.weighted(&w);
        out.push(i);
        w[i] = 0.0;
    }
    out
}

pub(super) fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

pub(super) fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

pub(super) fn month_year(d: Date) -> String {
    format!("{} {}", d.month(), d.year())
}

pub(super) fn all_yes() -> Answers {
    Answers {
        audio: Some(Answer::Yes),
        quotes: Some(Answer::Yes),
        archiving: Some(Answer::Yes),
        follow_up: Some(Answer::Yes),
    }
}

pub(super) fn consent_mode(rng: &mut Rng) -> ConsentMode {
    if rng.chance(0.7) {
        ConsentMode::EConsent
    } else {
        ConsentMode::Written
    }
}
