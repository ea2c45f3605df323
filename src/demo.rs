//! The demo study: a synthetic study shaped like the reference study of the design notes,
//! written into a freshly created database through the service layer (so every rule and
//! the audit log apply), with synthetic transcript files under the transcripts root. It is
//! one transaction (`Store::begin_batch`): each service call's write is a savepoint of it.
//!
//! Everything is generated from a seeded PRNG, so the same scale and seed give the same
//! shape (participant ids and export codes are random by design). Names, organisations and
//! places come from the embedded lists in `assets/demo/` and are invented.
//!
//! At scale 1 the demo has the reference study's numbers: the study's sites, 112 completed
//! interviews (the phase targets of the study definition, unevenly spread over the sites),
//! most follow-up interviews with baseline participants, declines, non-responses, one
//! withdrawal, one interview logged with a consent gap, observed meetings of every meeting
//! type, reviewed documents, transcripts linked to most interviews (a few then deleted, a
//! few never linked) and session tags from the QMS codebook. Scale N multiplies all of it,
//! adding copies of the study's sites (`A2`, `B2`, …).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::Path;

use serde::Serialize;
use time::{Date, Duration, Weekday};

use crate::domain::{
    format_date, today, Answer, ConsentMode, InterviewMode, ParticipantFilter, ParticipantInput,
    RecordingStatus, Role, SessionFilter, SessionKind, Site, Status, ThemeStatus,
    TranscriptionStatus, WithdrawalScope,
};
use crate::service::consent::ConsentInput;
use crate::service::sessions::{DocumentInput, InterviewInput, ObservationInput};
use crate::service::setup::NewSite;
use crate::service::{invalid, io_err, Fieldwork, Result, ServiceError};

/// Invented names, places, organisations, documents and fieldworkers.
pub const NAMES: &str = include_str!("../assets/demo/names.txt");
/// Invented interview material, by theme.
pub const FRAGMENTS: &str = include_str!("../assets/demo/fragments.txt");

/// Mean words per transcript at the default setting (each file varies from 70% to 130%).
pub const DEFAULT_WORDS_PER_TRANSCRIPT: u32 = 2_200;
/// The default seed: the same seed and scale give the same study shape.
pub const DEFAULT_SEED: u64 = 0x00F1_E1D0_0D5E_ED01;
/// The largest scale accepted.
pub const MAX_SCALE: u32 = 100;

/// How big a demo study to build.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Multiplies the study: sites, participants, sessions, transcripts.
    pub scale: u32,
    /// Mean words per transcript file (files vary from 70% to 130% of it).
    pub words_per_transcript: u32,
    pub seed: u64,
}

impl DemoOptions {
    pub fn new(scale: u32) -> DemoOptions {
        DemoOptions {
            scale,
            words_per_transcript: DEFAULT_WORDS_PER_TRANSCRIPT,
            seed: DEFAULT_SEED,
        }
    }
}

/// What the demo wrote.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DemoSummary {
    pub scale: u32,
    pub seed: u64,
    pub sites: usize,
    /// Every participant added, whatever their outcome.
    pub participants: usize,
    /// Participants with at least one completed interview.
    pub interviewed: usize,
    pub declined: usize,
    pub no_response: usize,
    pub withdrawn: usize,
    pub consent_records: usize,
    /// Completed interviews.
    pub interviews: usize,
    /// Completed interviews by phase number.
    pub interviews_by_phase: BTreeMap<u32, usize>,
    /// Interviews in a later phase with somebody interviewed in an earlier one.
    pub re_interviews: usize,
    /// Interviews logged without consent in force (`allow_gap`).
    pub consent_gaps: usize,
    pub observations: usize,
    pub meeting_types_observed: usize,
    pub documents: usize,
    /// Transcript files written (including those deleted afterwards).
    pub transcripts_written: usize,
    /// Files linked to interviews.
    pub transcripts_linked: usize,
    /// Linked files deleted afterwards, so that `check` reports them missing.
    pub transcripts_missing: usize,
    /// Completed interviews left with no transcript linked.
    pub transcripts_unlinked: usize,
    /// The mean asked for.
    pub words_per_transcript: u32,
    /// Words in the transcript files left on disk.
    pub total_words: u64,
    pub tags: usize,
    pub themes_used: usize,
    pub codebook: Option<String>,
    pub transcripts_root: String,
}

/// Build the demo study at `scale` with the default transcript length and seed.
pub fn generate(fw: &mut Fieldwork, scale: u32) -> Result<DemoSummary> {
    generate_with(fw, &DemoOptions::new(scale))
}

/// Build the demo study into a freshly created database.
pub fn generate_with(fw: &mut Fieldwork, opts: &DemoOptions) -> Result<DemoSummary> {
    if opts.scale == 0 || opts.scale > MAX_SCALE {
        return Err(invalid(
            "scale",
            format!("give a scale from 1 to {MAX_SCALE}"),
        ));
    }
    if opts.words_per_transcript < 50 {
        return Err(invalid("words per transcript", "give at least 50"));
    }
    if fw.participant_count(&ParticipantFilter::default())? > 0
        || fw.session_count(&SessionFilter::default())? > 0
    {
        return Err(ServiceError::Refused(
            "the database already holds participants or sessions; the demo fills a new database only"
                .into(),
        ));
    }
    if fw.reference.sites.is_empty()
        || fw.reference.phases.is_empty()
        || fw.reference.roles.is_empty()
    {
        return Err(invalid(
            "study",
            "the study definition needs at least one site, phase and role for a demo",
        ));
    }
    if let Some(p) = fw.reference.phases.iter().find(|p| p.start >= today()) {
        return Err(invalid(
            "study",
            format!(
                "phase {} starts on {}; the demo needs phases that have begun",
                p.number,
                format_date(p.start)
            ),
        ));
    }
    let names = Sections::parse(NAMES);
    let frags = Sections::parse(FRAGMENTS);
    let mut rng = Rng::new(opts.seed);
    let base_sites: Vec<Site> = fw.reference.sites.clone();
    // The whole study is one transaction: each service call's write is a savepoint of it,
    // so nothing is committed (and no page re-read) call by call, and a failure leaves
    // the database as it was.
    fw.in_one_transaction(|fw| {
        add_site_copies(fw, opts.scale)?;
        let plan = plan_study(fw, opts, &names, &mut rng, base_sites.len())?;
        execute(fw, opts, plan, &frags, &mut rng)
    })
}

// ---------------------------------------------------------------------------------------
// A tiny deterministic PRNG (splitmix64): no dependency, same sequence everywhere.

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 11) as u128 * n as u128) >> 53) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo + 1) as usize) as i64
    }

    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.below(i + 1);
            xs.swap(i, j);
        }
    }

    /// A weighted choice of an index.
    fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

// ---------------------------------------------------------------------------------------
// The embedded lists: `[section]` headers, one entry per line, `#` comments.

struct Sections(HashMap<String, Vec<String>>);

impl Sections {
    fn parse(text: &str) -> Sections {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        let mut current = String::new();
        for line in text.lines() {
            let l = line.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            if l.starts_with('[') && l.ends_with(']') {
                current = l[1..l.len() - 1].trim().to_lowercase();
                map.entry(current.clone()).or_default();
                continue;
            }
            map.entry(current.clone()).or_default().push(l.to_string());
        }
        Sections(map)
    }

    fn get(&self, key: &str) -> &[String] {
        self.0
            .get(&key.to_lowercase())
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The first of several sections that has entries.
    fn first(&self, keys: &[&str]) -> &[String] {
        keys.iter()
            .map(|k| self.get(k))
            .find(|s| !s.is_empty())
            .unwrap_or(&[])
    }
}

/// Replace `{key}` placeholders (one pass over the template; an unknown `{key}` stays).
fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after
            .find('}')
            .and_then(|close| Some((close, vars.iter().find(|(k, _)| *k == &after[..close])?)))
        {
            Some((close, (_, v))) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    for w in s
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .filter(|w| {
            !matches!(
                w.to_ascii_lowercase().as_str(),
                "and" | "of" | "the" | "nhs"
            )
        })
        .take(3)
    {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&w.to_ascii_lowercase());
    }
    if out.is_empty() {
        out.push_str("org");
    }
    out
}

// ---------------------------------------------------------------------------------------
// Extra sites for scale N.

/// Add `scale - 1` copies of every site of the study (`A2`, `B2`, …, `A3`, …) with the
/// same targets, in one transaction, and reload the reference data.
fn add_site_copies(fw: &mut Fieldwork, scale: u32) -> Result<()> {
    if scale <= 1 {
        return Ok(());
    }
    let base = fw.reference.sites.clone();
    let targets: HashMap<(u32, String), i64> = fw
        .targets()?
        .into_iter()
        .map(|(p, s, t)| ((p, s), t))
        .collect();
    let phases: Vec<u32> = fw.reference.phases.iter().map(|p| p.number).collect();
    let existing: HashSet<String> = base.iter().map(|s| s.code.to_ascii_uppercase()).collect();
    let mut new = Vec::new();
    for k in 2..=scale {
        for s in &base {
            let code = format!("{}{k}", s.code);
            if existing.contains(&code.to_ascii_uppercase()) || !crate::config::valid_code(&code) {
                return Err(invalid(
                    "site",
                    format!("cannot add demo site `{code}`: the code is taken or too long"),
                ));
            }
            let name = match s.name.strip_suffix(s.code.as_str()) {
                Some(stem) => format!("{stem}{code}"),
                None => format!("{} {k}", s.name),
            };
            new.push(NewSite {
                site: Site {
                    id: crate::domain::new_id(),
                    code: code.clone(),
                    name,
                    region: s.region.clone(),
                    population: s.population,
                    places: s.places,
                    notes: Some(format!("Demo copy of site {} (scale {scale})", s.code)),
                },
                targets: phases
                    .iter()
                    .filter_map(|p| targets.get(&(*p, s.code.clone())).map(|t| (*p, *t)))
                    .collect(),
            });
        }
    }
    // One transaction for every copy, through the service.
    fw.add_sites(&new)
}

// ---------------------------------------------------------------------------------------
// The plan: who, when, with what consent; then it is executed through the service.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Interviewed,
    Declined,
    NoResponse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TranscriptPlan {
    Linked,
    /// Linked, then the file is deleted.
    Missing,
    /// Never linked.
    None,
}

#[derive(Debug, Clone)]
struct Answers {
    audio: Option<Answer>,
    quotes: Option<Answer>,
    archiving: Option<Answer>,
    follow_up: Option<Answer>,
}

#[derive(Debug, Clone)]
struct PlannedInterview {
    phase: u32,
    date: Date,
    duration: i64,
    interviewer: String,
    mode: InterviewMode,
    /// Logged with `allow_gap`: the consent form is dated after the interview.
    gap: bool,
    transcript: TranscriptPlan,
    themes: Vec<usize>,
    re_interview: bool,
}

#[derive(Debug, Clone)]
enum Event {
    Invite,
    Remind,
    Consent(Answers, ConsentMode, String),
    Interview(usize),
    Close(Status, String),
    Withdraw(WithdrawalScope, String),
}

impl Event {
    /// Same-day order: invitation, reminder, consent, interview, closing.
    fn rank(&self) -> u8 {
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
struct Person {
    site: usize,
    role: usize,
    given: String,
    name: String,
    org: String,
    place: String,
    job_title: String,
    email: String,
    phone: Option<String>,
    outcome: Outcome,
    identified: Date,
    events: Vec<(Date, Event)>,
    interviews: Vec<PlannedInterview>,
}

struct SitePlan {
    code: String,
    name: String,
    places: Vec<String>,
    interviewers: Vec<String>,
}

struct StudyPlan {
    sites: Vec<SitePlan>,
    people: Vec<Person>,
    observations: Vec<ObservationInput>,
    documents: Vec<DocumentInput>,
    /// Leaf themes of the codebook: (id, name, parent name).
    themes: Vec<(String, String, Option<String>)>,
    codebook: Option<String>,
}

/// A weekday in `lo..=hi` (or `lo` itself when the window is shorter than a week).
fn weekday_between(rng: &mut Rng, lo: Date, hi: Date) -> Date {
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
fn weighted_distinct(rng: &mut Rng, weights: &[f64], n: usize) -> Vec<usize> {
    let mut w = weights.to_vec();
    let mut out = Vec::new();
    while out.len() < n && w.iter().any(|x| *x > 0.0) {
        let i = rng.weighted(&w);
        out.push(i);
        w[i] = 0.0;
    }
    out
}

fn plan_study(
    fw: &Fieldwork,
    opts: &DemoOptions,
    names: &Sections,
    rng: &mut Rng,
    n_base: usize,
) -> Result<StudyPlan> {
    let r = &fw.reference;
    let today = today();
    let phases: Vec<_> = r.phases.clone();
    let roles: Vec<Role> = r.roles.clone();
    let targets: HashMap<(u32, String), i64> = fw
        .targets()?
        .into_iter()
        .map(|(p, s, t)| ((p, s), t))
        .collect();

    // The codebook: the QMS framework if the study has it, else the first one.
    let frameworks = fw.frameworks()?;
    let codebook = frameworks
        .iter()
        .find(|f| f.name.eq_ignore_ascii_case("QMS"))
        .or_else(|| frameworks.first())
        .map(|f| f.name.clone());
    let all_themes = fw.themes(false)?;
    let mut themes = Vec::new();
    if let Some(cb) = &codebook {
        let live: Vec<_> = all_themes
            .iter()
            .filter(|t| &t.framework == cb && t.status == ThemeStatus::Active)
            .collect();
        for t in &live {
            let has_children = live
                .iter()
                .any(|c| c.parent_id.as_deref() == Some(t.id.as_str()));
            if !has_children {
                let parent = t
                    .parent_id
                    .as_deref()
                    .and_then(|p| live.iter().find(|x| x.id == p))
                    .map(|p| p.name.clone());
                themes.push((t.id.clone(), t.name.clone(), parent));
            }
        }
    }
    // Some themes common, some rare: Zipf-like weights over a shuffled order.
    let mut order: Vec<usize> = (0..themes.len()).collect();
    rng.shuffle(&mut order);
    let mut theme_weights = vec![0.0; themes.len()];
    for (rank, i) in order.iter().enumerate() {
        theme_weights[*i] = 1.0 / ((rank + 1) as f64).powf(1.1);
    }

    // Sites, their invented places and their fieldworkers.
    let mut place_pool: Vec<String> = names.get("place").to_vec();
    if place_pool.is_empty() {
        place_pool.push("Eastvale".into());
    }
    rng.shuffle(&mut place_pool);
    let fieldworkers: Vec<String> = if names.get("fieldworker").is_empty() {
        vec![fw.user().to_string()]
    } else {
        names.get("fieldworker").to_vec()
    };
    let mut next_place = 0;
    let mut sites = Vec::new();
    for (i, s) in r.sites.iter().enumerate() {
        let n_places = s.places.unwrap_or(4).clamp(2, 8) as usize;
        let places = (0..n_places)
            .map(|j| place_pool[(next_place + j) % place_pool.len()].clone())
            .collect();
        next_place += n_places;
        let a = fieldworkers[i % fieldworkers.len()].clone();
        let b = fieldworkers[(i + 1 + i / fieldworkers.len()) % fieldworkers.len()].clone();
        sites.push(SitePlan {
            code: s.code.clone(),
            name: s.name.clone(),
            places,
            interviewers: if a == b { vec![a] } else { vec![a, b] },
        });
    }

    // Interviews per site and phase: the target, shifted by ±1 within each group of the
    // study's sites so that every phase total is exactly the sum of the targets.
    let default_target = |idx: usize| if idx == 0 { 15 } else { 13 };
    let n_sites = sites.len();
    let mut counts: Vec<Vec<i64>> = vec![vec![0; phases.len()]; n_sites];
    for (pi, p) in phases.iter().enumerate() {
        for (si, s) in r.sites.iter().enumerate() {
            counts[si][pi] = targets
                .get(&(p.number, s.code.clone()))
                .copied()
                .unwrap_or(default_target(pi))
                .max(0);
        }
        for g in 0..opts.scale as usize {
            let lo = g * n_base;
            let hi = (lo + n_base).min(n_sites);
            if hi - lo >= 2 {
                let a = lo + rng.below(hi - lo);
                let mut b = lo + rng.below(hi - lo - 1);
                if b >= a {
                    b += 1;
                }
                if counts[a][pi] > 3 {
                    counts[a][pi] -= 1;
                    counts[b][pi] += 1;
                }
            }
        }
    }

    let decline_reasons: Vec<String> = names.get("decline").to_vec();
    let given_names = names.get("given");
    let family_names = names.get("family");
    let mut used_names: HashSet<String> = HashSet::new();
    let mut people: Vec<Person> = Vec::new();
    let mut observations = Vec::new();
    let mut documents = Vec::new();
    let doc_templates: Vec<(String, String, String)> = names
        .get("document")
        .iter()
        .filter_map(|l| {
            let mut it = l.splitn(3, '|').map(str::trim);
            Some((
                it.next()?.to_string(),
                it.next()?.to_string(),
                it.next()?.to_string(),
            ))
        })
        .collect();
    let mut mt_order: Vec<usize> = (0..r.meeting_types.len()).collect();
    let mut mt_next = 0usize;

    for (si, site) in sites.iter().enumerate() {
        let group_start = si % n_base == 0;
        if group_start {
            rng.shuffle(&mut mt_order);
        }
        let phase_end = |pi: usize| phases[pi].end.min(today);
        // People interviewed at this site, by index into `people`.
        let mut site_people: Vec<usize> = Vec::new();
        let mut used_unique: HashSet<usize> = HashSet::new();
        // Roles for `n` people: one from every category first, then any role, with the
        // roles that are unique at a site used once.
        let mut pick_roles = |rng: &mut Rng, n: usize, cover: bool| -> Vec<usize> {
            let mut out = Vec::new();
            if cover {
                for cat in &r.role_categories {
                    let options: Vec<usize> = (0..roles.len())
                        .filter(|i| roles[*i].category_id == cat.id)
                        .filter(|i| !roles[*i].unique_at_site || !used_unique.contains(i))
                        .collect();
                    if !options.is_empty() && out.len() < n {
                        let i = *rng.pick(&options);
                        if roles[i].unique_at_site {
                            used_unique.insert(i);
                        }
                        out.push(i);
                    }
                }
            }
            while out.len() < n {
                let options: Vec<usize> = (0..roles.len())
                    .filter(|i| !roles[*i].unique_at_site || !used_unique.contains(i))
                    .collect();
                let i = if options.is_empty() {
                    rng.below(roles.len())
                } else {
                    *rng.pick(&options)
                };
                if roles[i].unique_at_site {
                    used_unique.insert(i);
                }
                out.push(i);
            }
            rng.shuffle(&mut out);
            out
        };
        let mut make_person =
            |rng: &mut Rng, role: usize, identified: Date, outcome: Outcome| -> Person {
                let mut given = rng.pick(given_names).clone();
                let mut family = rng.pick(family_names).clone();
                for _ in 0..50 {
                    if !used_names.contains(&format!("{given} {family}")) {
                        break;
                    }
                    given = rng.pick(given_names).clone();
                    family = rng.pick(family_names).clone();
                }
                let mut name = format!("{given} {family}");
                if used_names.contains(&name) {
                    let initial = (b'A' + rng.below(26) as u8) as char;
                    name = format!("{given} {initial}. {family}");
                }
                used_names.insert(name.clone());
                let role_def = &roles[role];
                let place = rng.pick(&site.places).clone();
                let templates = names.first(&[&format!("org:{}", role_def.category_code), "org"]);
                let org = if templates.is_empty() {
                    site.name.clone()
                } else {
                    fill(
                        rng.pick(templates).as_str(),
                        &[("place", &place), ("site", &site.name)],
                    )
                };
                let titles = names.get(&format!("title:{}", role_def.code));
                let title = if titles.is_empty() {
                    let n = role_def.name.as_str();
                    upper_first(n.strip_prefix("Other ").unwrap_or(n))
                } else {
                    rng.pick(titles).clone()
                };
                let job_title = if rng.chance(0.08) && !role_def.unique_at_site {
                    format!("Interim {title}")
                } else {
                    title
                };
                let email = format!("{}.{}@{}.example", slug(&given), slug(&family), slug(&org));
                let phone = rng
                    .chance(0.5)
                    .then(|| format!("01632 960{:03}", rng.below(1000)));
                Person {
                    site: si,
                    role,
                    given,
                    name,
                    org,
                    place,
                    job_title,
                    email,
                    phone,
                    outcome,
                    identified,
                    events: Vec::new(),
                    interviews: Vec::new(),
                }
            };

        for (pi, phase) in phases.iter().enumerate() {
            let lo = phase.start + Duration::days(7).min(phase.end - phase.start);
            let hi = phase_end(pi);
            let n = counts[si][pi].max(0) as usize;
            // Later phases: most interviews are with people seen before.
            let (n_new, reinterview): (usize, Vec<usize>) = if pi == 0 {
                (n, Vec::new())
            } else {
                let eligible: Vec<usize> = site_people.clone();
                let mut pool = eligible;
                rng.shuffle(&mut pool);
                let wanted_new = (rng.range(1, 3) as usize).min(n);
                let re = (n - wanted_new).min(pool.len());
                pool.truncate(re);
                (n - re, pool)
            };
            let roles_new = pick_roles(rng, n_new, pi == 0);
            for role in roles_new {
                let date = weekday_between(rng, lo, hi);
                let invite = date - Duration::days(rng.range(12, 35));
                let identified = invite - Duration::days(rng.range(0, 14));
                let mut p = make_person(rng, role, identified, Outcome::Interviewed);
                p.events.push((invite, Event::Invite));
                let consent = date - Duration::days(rng.range(1, 7));
                if rng.chance(0.3) && invite + Duration::days(9) < consent {
                    p.events
                        .push((invite + Duration::days(rng.range(7, 9)), Event::Remind));
                }
                p.events.push((
                    consent,
                    Event::Consent(
                        all_yes(),
                        consent_mode(rng),
                        rng.pick(&site.interviewers).clone(),
                    ),
                ));
                let iv = interview(rng, phase.number, date, site, &theme_weights, false);
                p.events.push((date, Event::Interview(0)));
                p.interviews.push(iv);
                people.push(p);
                site_people.push(people.len() - 1);
            }
            for idx in reinterview {
                let date = weekday_between(rng, lo, hi);
                let iv = interview(rng, phase.number, date, site, &theme_weights, true);
                let p = &mut people[idx];
                if rng.chance(0.75) {
                    let mut answers = all_yes();
                    answers.follow_up = Some(Answer::NotAsked);
                    p.events.push((
                        date - Duration::days(rng.range(1, 7)),
                        Event::Consent(answers, consent_mode(rng), iv.interviewer.clone()),
                    ));
                }
                p.events.push((date, Event::Interview(p.interviews.len())));
                p.interviews.push(iv);
            }
            // Invitations declined, and a few never answered.
            let declined =
                rng.range(if pi == 0 { 2 } else { 0 }, if pi == 0 { 3 } else { 1 }) as usize;
            let silent = rng.range(0, if pi == 0 { 2 } else { 1 }) as usize;
            let roles_out = pick_roles(rng, declined + silent, false);
            for (k, role) in roles_out.into_iter().enumerate() {
                let invite = weekday_between(
                    rng,
                    phase.start - Duration::days(20),
                    hi - Duration::days(30).min(hi - phase.start),
                );
                let identified = invite - Duration::days(rng.range(0, 14));
                let outcome = if k < declined {
                    Outcome::Declined
                } else {
                    Outcome::NoResponse
                };
                let mut p = make_person(rng, role, identified, outcome);
                p.events.push((invite, Event::Invite));
                if outcome == Outcome::Declined {
                    let reason = if decline_reasons.is_empty() {
                        "Declined".to_string()
                    } else {
                        rng.pick(&decline_reasons).clone()
                    };
                    p.events.push((
                        (invite + Duration::days(rng.range(3, 21))).min(today),
                        Event::Close(Status::Declined, reason),
                    ));
                } else {
                    let remind = invite + Duration::days(rng.range(7, 12));
                    p.events.push((remind.min(today), Event::Remind));
                    p.events.push((
                        (remind + Duration::days(rng.range(14, 28))).min(today),
                        Event::Close(Status::NoResponse, "No reply after a reminder".into()),
                    ));
                }
                people.push(p);
            }
            // Observed meetings, cycling over the meeting types so that a group of sites
            // sees every type.
            if !r.meeting_types.is_empty() {
                let n_obs = rng.range(2, 3) as usize;
                for _ in 0..n_obs {
                    let mt = &r.meeting_types[mt_order[mt_next % mt_order.len()]];
                    mt_next += 1;
                    let date = weekday_between(rng, phase.start, hi);
                    observations.push(ObservationInput {
                        meeting_type: mt.code.clone(),
                        site: site.code.clone(),
                        date: Some(date),
                        phase: Some(phase.number),
                        title: Some(format!("{} {}, {}", site.name, mt.name, month_year(date))),
                        observer: Some(rng.pick(&site.interviewers).clone()),
                        attendees: Some(rng.range(8, 28)),
                        duration_min: Some(rng.range(6, 12) * 15),
                        notes: None,
                        status: None,
                    });
                }
            }
        }
        // Reviewed documents: three or four per site.
        if !doc_templates.is_empty() {
            let n_docs = (rng.range(3, 4) as usize).min(doc_templates.len());
            let mut idx: Vec<usize> = (0..doc_templates.len()).collect();
            rng.shuffle(&mut idx);
            for &d in idx.iter().take(n_docs) {
                let (ph, kind, title) = &doc_templates[d];
                let pi = match ph.parse::<usize>() {
                    Ok(n) if n >= 1 && n <= phases.len() => n - 1,
                    _ => rng.below(phases.len()),
                };
                let phase = &phases[pi];
                let place = rng.pick(&site.places).clone();
                documents.push(DocumentInput {
                    title: fill(title, &[("site", &site.name), ("place", &place)]),
                    site: site.code.clone(),
                    date: Some(weekday_between(rng, phase.start, phase_end(pi))),
                    phase: Some(phase.number),
                    doc_type: Some(kind.clone()),
                    notes: None,
                });
            }
        }
    }

    assign_specials(&mut people, rng, n_sites, n_base, &phases, today);
    Ok(StudyPlan {
        sites,
        people,
        observations,
        documents,
        themes,
        codebook,
    })
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn month_year(d: Date) -> String {
    format!("{} {}", d.month(), d.year())
}

fn all_yes() -> Answers {
    Answers {
        audio: Some(Answer::Yes),
        quotes: Some(Answer::Yes),
        archiving: Some(Answer::Yes),
        follow_up: Some(Answer::Yes),
    }
}

fn consent_mode(rng: &mut Rng) -> ConsentMode {
    if rng.chance(0.7) {
        ConsentMode::EConsent
    } else {
        ConsentMode::Written
    }
}

fn interview(
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
fn assign_specials(
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

fn set_baseline_answers(p: &mut Person, f: impl Fn(&mut Answers)) {
    for (_, e) in p.events.iter_mut() {
        if let Event::Consent(a, ..) = e {
            f(a);
            return;
        }
    }
}

fn set_all_answers(p: &mut Person, f: impl Fn(&mut Answers)) {
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

// ---------------------------------------------------------------------------------------
// Execution through the service.

/// Add a participant identified on `date`, through the service.
fn add_participant_on(
    fw: &mut Fieldwork,
    input: &ParticipantInput,
    date: Date,
) -> Result<(String, String)> {
    fw.add_participant_identified_on(input, date)
}

fn execute(
    fw: &mut Fieldwork,
    opts: &DemoOptions,
    plan: StudyPlan,
    frags: &Sections,
    rng: &mut Rng,
) -> Result<DemoSummary> {
    let root = fw.transcripts_root().to_path_buf();
    crate::export::files::create_dir_all(&root, crate::export::files::Modes::OWNER_ONLY)
        .map_err(io_err(format!("creating {}", root.display())))?;
    let mut sum = DemoSummary {
        scale: opts.scale,
        seed: opts.seed,
        sites: plan.sites.len(),
        words_per_transcript: opts.words_per_transcript,
        codebook: plan.codebook.clone(),
        transcripts_root: root.display().to_string(),
        ..Default::default()
    };
    let study = fw.reference.study_name.clone();
    let phase_names: HashMap<u32, String> = fw
        .reference
        .phases
        .iter()
        .map(|p| (p.number, p.name.clone()))
        .collect();
    let roles = fw.reference.roles.clone();
    // Colleagues mentioned in transcripts: other people at the same site.
    let mut by_site: HashMap<usize, Vec<String>> = HashMap::new();
    for p in &plan.people {
        by_site.entry(p.site).or_default().push(p.name.clone());
    }
    let mut themes_used: HashSet<usize> = HashSet::new();
    let mut text = String::new();
    for mut person in plan.people {
        let site = &plan.sites[person.site];
        let input = ParticipantInput {
            name: Some(person.name.clone()),
            email: Some(person.email.clone()),
            phone: person.phone.clone(),
            organisation: Some(person.org.clone()),
            job_title: Some(person.job_title.clone()),
            role: Some(roles[person.role].code.clone()),
            site: Some(site.code.clone()),
            notes: None,
            status: None,
            allow_duplicate_unique_role: false,
        };
        let (id, code) = add_participant_on(fw, &input, person.identified)?;
        sum.participants += 1;
        match person.outcome {
            Outcome::Interviewed => sum.interviewed += 1,
            Outcome::Declined => sum.declined += 1,
            Outcome::NoResponse => sum.no_response += 1,
        }
        person.events.sort_by_key(|(d, e)| (*d, e.rank()));
        let mut audio_yes = false;
        for (date, event) in &person.events {
            match event {
                Event::Invite => {
                    fw.set_status(&id, Status::Invited, Some(*date), Some("invitation sent"))?;
                }
                Event::Remind => {
                    fw.set_status(&id, Status::Reminded, Some(*date), Some("reminder sent"))?;
                }
                Event::Close(status, note) => {
                    fw.set_status(&id, *status, Some(*date), Some(note))?;
                }
                Event::Withdraw(scope, reason) => {
                    fw.withdraw(&id, *scope, Some(*date), Some(reason))?;
                    sum.withdrawn += 1;
                }
                Event::Consent(a, mode, taken_by) => {
                    fw.record_consent(
                        &id,
                        &ConsentInput {
                            date: Some(*date),
                            mode: Some(*mode),
                            taken_by: Some(taken_by.clone()),
                            take_part: Some(Answer::Yes),
                            audio: a.audio,
                            quotes: a.quotes,
                            archiving: a.archiving,
                            follow_up: a.follow_up,
                            file_ref: Some(format!("consent/{code}_{}.pdf", format_date(*date))),
                            ..Default::default()
                        },
                    )?;
                    audio_yes = a.audio == Some(Answer::Yes);
                    sum.consent_records += 1;
                }
                Event::Interview(k) => {
                    let iv = &person.interviews[*k];
                    let recorded = audio_yes && !iv.gap;
                    let transcription = match (recorded, iv.transcript) {
                        (_, TranscriptPlan::None) => TranscriptionStatus::InProgress,
                        (true, _) => TranscriptionStatus::Done,
                        (false, _) => TranscriptionStatus::NotNeeded,
                    };
                    let logged = fw.log_interview(&InterviewInput {
                        participants: vec![id.clone()],
                        date: Some(iv.date),
                        phase: Some(iv.phase),
                        site: None,
                        status: None,
                        mode: Some(iv.mode),
                        duration_min: Some(iv.duration),
                        interviewer: Some(iv.interviewer.clone()),
                        recording: Some(if recorded {
                            RecordingStatus::Recorded
                        } else {
                            RecordingStatus::NotRecorded
                        }),
                        transcription: Some(transcription),
                        notes: (!recorded).then(|| {
                            "Not audio-recorded; notes typed up after the interview".to_string()
                        }),
                        allow_gap: iv.gap,
                    })?;
                    let sid = logged.session.id.clone();
                    sum.interviews += 1;
                    *sum.interviews_by_phase.entry(iv.phase).or_default() += 1;
                    if iv.re_interview {
                        sum.re_interviews += 1;
                    }
                    if iv.gap {
                        sum.consent_gaps += 1;
                    }
                    if !plan.themes.is_empty() && !iv.themes.is_empty() {
                        let ids: Vec<String> = iv
                            .themes
                            .iter()
                            .map(|t| plan.themes[*t].0.clone())
                            .collect();
                        sum.tags += fw.tag_session(&sid, &ids, None)?.len();
                        themes_used.extend(iv.themes.iter().copied());
                    }
                    if iv.transcript == TranscriptPlan::None {
                        sum.transcripts_unlinked += 1;
                        continue;
                    }
                    let colleagues: &[String] =
                        by_site.get(&person.site).map(Vec::as_slice).unwrap_or(&[]);
                    let ctx = TranscriptCtx {
                        study: &study,
                        site_name: &site.name,
                        site_code: &site.code,
                        phase: iv.phase,
                        phase_name: phase_names.get(&iv.phase).map(String::as_str).unwrap_or(""),
                        person: &person,
                        colleagues,
                        interview: iv,
                        recorded,
                        themes: &plan.themes,
                    };
                    let factor = 0.70 + 0.60 * rng.unit();
                    let mut target = (opts.words_per_transcript as f64 * factor) as usize;
                    if !recorded {
                        target = (target * 2 / 5).max(50);
                    }
                    text.clear();
                    let words = write_transcript(&mut text, &ctx, frags, rng, target);
                    let rel = format!(
                        "phase-{}/{}/{}_{}.txt",
                        iv.phase,
                        site.code,
                        code,
                        format_date(iv.date)
                    );
                    // Identifiers in every surface form, recorded to measure redaction.
                    crate::demo_plant::plant(
                        &mut text,
                        &rel,
                        &person.name,
                        &person.given,
                        &person.email,
                        person.phone.as_deref(),
                    );
                    let abs = root.join(&rel);
                    write_new(&abs, text.as_bytes())?;
                    sum.transcripts_written += 1;
                    fw.link_transcript(&sid, &abs, false)?;
                    sum.transcripts_linked += 1;
                    if iv.transcript == TranscriptPlan::Missing {
                        std::fs::remove_file(&abs)
                            .map_err(io_err(format!("removing {}", abs.display())))?;
                        sum.transcripts_missing += 1;
                    } else {
                        sum.total_words += words as u64;
                    }
                }
            }
        }
    }
    let obs_notes = frags.get("observation");
    for mut o in plan.observations {
        if !obs_notes.is_empty() {
            let a = rng.pick(obs_notes).clone();
            let b = rng.pick(obs_notes).clone();
            o.notes = Some(if a == b { a } else { format!("{a} {b}") });
        }
        fw.log_observation(&o)?;
        sum.observations += 1;
    }
    for d in &plan.documents {
        fw.add_document(d)?;
        sum.documents += 1;
    }
    sum.themes_used = themes_used.len();
    let observed: HashSet<String> = fw
        .sessions(
            &SessionFilter {
                kind: Some(SessionKind::Observation),
                ..Default::default()
            },
            false,
            0,
            usize::MAX >> 1,
        )?
        .into_iter()
        .filter_map(|s| s.meeting_type)
        .collect();
    sum.meeting_types_observed = observed.len();
    Ok(sum)
}

/// A new transcript file, owner-only (0600, in 0700 folders): transcripts identify people.
fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    use crate::export::files::{self, Modes};
    if let Some(dir) = path.parent() {
        files::create_dir_all(dir, Modes::OWNER_ONLY)
            .map_err(io_err(format!("creating {}", dir.display())))?;
    }
    let mut f = files::create_new(path, Modes::OWNER_ONLY)
        .map_err(io_err(format!("creating {}", path.display())))?;
    f.write_all(bytes)
        .map_err(io_err(format!("writing {}", path.display())))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Transcripts.

struct TranscriptCtx<'a> {
    study: &'a str,
    site_name: &'a str,
    site_code: &'a str,
    phase: u32,
    phase_name: &'a str,
    person: &'a Person,
    colleagues: &'a [String],
    interview: &'a PlannedInterview,
    recorded: bool,
    themes: &'a [(String, String, Option<String>)],
}

/// Words that can take a filler in front once lower-cased ("I mean, we have…").
const LOWERABLE: &[&str] = &[
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

fn push_words(out: &mut String, s: &str, words: &mut usize) {
    *words += s.split_whitespace().count();
    out.push_str(s);
}

/// Write one synthetic transcript into `out`; returns its word count.
fn write_transcript(
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

fn rng_pick_str<'a>(rng: &mut Rng, xs: &'a [String]) -> &'a str {
    xs[rng.below(xs.len())].as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{parse, ConsentPolicy, DEFAULT_STUDY};
    use crate::service::Settings;

    fn build(scale: u32, words: u32) -> (tempfile::TempDir, Fieldwork, DemoSummary) {
        let dir = tempfile::tempdir().unwrap();
        let study = parse(DEFAULT_STUDY, "builtin").unwrap().study;
        let settings = Settings {
            user: "demo".into(),
            transcripts_root: dir.path().join("transcripts"),
            consent_policy: ConsentPolicy::Refuse,
        };
        let mut fw = Fieldwork::in_memory(&study, settings).unwrap();
        let opts = DemoOptions {
            words_per_transcript: words,
            ..DemoOptions::new(scale)
        };
        let sum = generate_with(&mut fw, &opts).unwrap();
        (dir, fw, sum)
    }

    #[test]
    fn scale_one_has_the_shape_of_the_reference_study() {
        let (_dir, fw, sum) = build(1, DEFAULT_WORDS_PER_TRANSCRIPT);
        let cov = fw.coverage().unwrap();
        assert_eq!(cov.total_interviews, 112);
        assert_eq!(sum.interviews, 112);
        let phase_total = |n: u32| -> i64 {
            cov.cells
                .iter()
                .filter(|c| c.phase == n)
                .map(|c| c.interviews)
                .sum()
        };
        assert_eq!(phase_total(1), 60);
        assert_eq!(phase_total(2), 52);
        assert_eq!(cov.cells.len(), 8, "4 sites x 2 phases");
        for c in &cov.cells {
            assert!(
                c.interviews > 0,
                "site {} phase {} has no interviews",
                c.site,
                c.phase
            );
        }
        // Most follow-up interviews are with baseline participants.
        assert!(
            sum.re_interviews > 52 / 2 && sum.re_interviews < 52,
            "{}",
            sum.re_interviews
        );
        let fu = &cov.follow_up[0];
        assert_eq!(fu.seen_again as usize, sum.re_interviews);
        // Every role category, in both phases.
        for c in &cov.by_role_category {
            assert!(
                c.participants > 0,
                "no {} in phase {}",
                c.role_category,
                c.phase
            );
        }
        // Every meeting type observed.
        let types: HashSet<&str> = cov
            .observations
            .iter()
            .filter(|o| o.observed > 0)
            .map(|o| o.meeting_type.as_str())
            .collect();
        assert_eq!(types.len(), 7);
        assert_eq!(sum.meeting_types_observed, 7);
        assert!(
            (16..=24).contains(&sum.observations),
            "{}",
            sum.observations
        );
        assert!(cov.documents >= 12);
        // Outcomes.
        let count = |s: Status| {
            fw.participant_count(&ParticipantFilter {
                status: Some(s),
                ..Default::default()
            })
            .unwrap()
        };
        assert_eq!(count(Status::Withdrawn), 1);
        assert_eq!(sum.withdrawn, 1);
        assert!(count(Status::Declined) > 0);
        assert!(count(Status::NoResponse) > 0);
        // The gaps show.
        let gaps = fw.gaps(true).unwrap();
        let kinds = |k: &str| gaps.iter().filter(|g| g.kind == k).count();
        assert_eq!(kinds("consent"), 1, "{gaps:#?}");
        assert_eq!(kinds("audio-consent"), 0, "{gaps:#?}");
        assert!((3..=5).contains(&kinds("transcript-missing")), "{gaps:#?}");
        assert!((1..=2).contains(&kinds("no-transcript")), "{gaps:#?}");
        assert_eq!(kinds("status"), 0, "{gaps:#?}");
        assert_eq!(sum.transcripts_linked, 110);
        assert_eq!(sum.transcripts_missing, 4);
        // Tags: 2 to 5 per interview, some themes common, some rare.
        assert!(sum.tags >= 2 * 112 && sum.tags <= 5 * 112, "{}", sum.tags);
        let themes = fw.themes(false).unwrap();
        let counts: Vec<i64> = themes
            .iter()
            .filter(|t| t.framework == "QMS" && t.tag_count > 0)
            .map(|t| t.tag_count)
            .collect();
        let (min, max) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
        assert!(max > &(3 * min), "tag spread too even: {counts:?}");
        // Transcript lengths at the default setting.
        let per = sum.total_words / (sum.transcripts_linked - sum.transcripts_missing) as u64;
        assert!((1_300..=3_000).contains(&per), "{per} words per transcript");
        assert!(fw.store.integrity_problems().unwrap().is_empty());
    }

    #[test]
    fn consent_precedes_every_interview_but_the_gap() {
        let (_dir, fw, _) = build(1, 200);
        let people = fw
            .participants(&ParticipantFilter::default(), 0, 1000)
            .unwrap();
        let mut answers = HashMap::new();
        for p in people.iter().filter(|p| !p.phases_interviewed.is_empty()) {
            let d = fw.participant_detail(&p.id).unwrap();
            assert!(
                !d.consent_records.is_empty(),
                "{} has no consent record",
                p.code
            );
            let first = d.sessions.iter().map(|s| s.date).min().unwrap();
            let consent = d.consent_records.iter().map(|c| c.date).min().unwrap();
            let gap = d.sessions.iter().any(|s| s.consent_gap);
            assert_eq!(consent <= first, !gap, "{}", p.code);
            for s in &d.sessions {
                if s.recording_status.as_deref() == Some("recorded") {
                    let f = fw.consent_in_force(&p.id, s.date).unwrap();
                    assert!(f.allows(crate::domain::ConsentItem::Audio));
                }
            }
            for c in &d.consent_records {
                *answers
                    .entry(("quotes", c.quotes.map(|a| a.as_str())))
                    .or_insert(0) += 1;
                *answers
                    .entry(("archiving", c.archiving.map(|a| a.as_str())))
                    .or_insert(0) += 1;
                *answers
                    .entry(("follow-up", c.follow_up.map(|a| a.as_str())))
                    .or_insert(0) += 1;
            }
        }
        for key in [
            ("quotes", Some("no")),
            ("archiving", None),
            ("archiving", Some("no")),
            ("follow-up", Some("no")),
            ("follow-up", Some("not-asked")),
        ] {
            assert!(
                answers.get(&key).copied().unwrap_or(0) > 0,
                "no consent record with {key:?}"
            );
        }
    }

    #[test]
    fn names_are_synthetic_and_the_shape_is_deterministic() {
        let (_d1, fw1, s1) = build(1, 100);
        let (_d2, fw2, s2) = build(1, 100);
        assert_eq!(
            serde_json::to_value(&s1).unwrap()["interviews_by_phase"],
            serde_json::to_value(&s2).unwrap()["interviews_by_phase"]
        );
        assert_eq!(s1.tags, s2.tags);
        assert_eq!(s1.participants, s2.participants);
        let names = |fw: &Fieldwork| -> Vec<String> {
            fw.participants(&ParticipantFilter::default(), 0, 1000)
                .unwrap()
                .into_iter()
                .map(|p| p.name)
                .collect()
        };
        assert_eq!(names(&fw1), names(&fw2));
        let lists = Sections::parse(NAMES);
        for n in names(&fw1) {
            let family = n.rsplit(' ').next().unwrap();
            assert!(lists.get("family").iter().any(|f| f == family), "{n}");
        }
        let p = &fw1
            .participants(&ParticipantFilter::default(), 0, 1)
            .unwrap()[0];
        assert!(p.email.as_deref().unwrap().ends_with(".example"));
    }

    #[test]
    fn scale_two_doubles_the_study() {
        let (_dir, fw, sum) = build(2, 60);
        assert_eq!(fw.reference.sites.len(), 8);
        assert!(fw.reference.site("A2").unwrap().name == "ICS A2");
        let cov = fw.coverage().unwrap();
        assert_eq!(cov.total_interviews, 224);
        assert_eq!(cov.total_target, 224);
        assert_eq!(sum.withdrawn, 2);
        assert_eq!(sum.consent_gaps, 2);
        assert!(cov.cells.iter().all(|c| c.interviews > 0));
    }

    /// The scale benchmark's database: `cargo test --release --lib demo -- --ignored`.
    #[test]
    #[ignore = "slow in debug; run in release"]
    fn scale_ten_builds_in_well_under_a_minute() {
        let dir = tempfile::tempdir().unwrap();
        let study = parse(DEFAULT_STUDY, "builtin").unwrap().study;
        let db = dir.path().join("fieldwork.db");
        let settings = Settings {
            user: "demo".into(),
            transcripts_root: dir.path().join("transcripts"),
            consent_policy: ConsentPolicy::Refuse,
        };
        let start = std::time::Instant::now();
        let mut fw = Fieldwork::create(&db, &study, settings).unwrap();
        let sum = generate(&mut fw, 10).unwrap();
        let took = start.elapsed();
        eprintln!("scale 10 built in {:.2} s: {sum:?}", took.as_secs_f64());
        assert_eq!(fw.reference.sites.len(), 40);
        assert_eq!(fw.coverage().unwrap().total_interviews, 1120);
        assert_eq!(sum.withdrawn, 10);
        assert!(took.as_secs() < 60, "{took:?}");
    }

    #[test]
    fn refuses_a_database_with_data() {
        let (_dir, mut fw, _) = build(1, 60);
        assert!(matches!(
            generate(&mut fw, 1),
            Err(ServiceError::Refused(_))
        ));
    }
}
