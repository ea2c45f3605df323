//! Coverage against targets, follow-up of baseline participants, and the gaps list.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Fieldwork, Result};
use crate::domain::{format_date, today, ConsentItem};
use crate::service::transcripts::quick_state;
use crate::store::{participants as pstore, reference, sessions as sstore, transcripts as tstore};

#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub phase: u32,
    pub site: String,
    pub interviews: i64,
    pub target: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CategoryCell {
    pub phase: u32,
    pub role_category: String,
    pub role_category_name: String,
    /// Distinct participants with a completed interview.
    pub participants: i64,
    /// The study definition's target for the category in the phase (0: none set).
    pub target: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ObservationCell {
    pub phase: u32,
    pub meeting_type: String,
    pub meeting_type_name: String,
    pub observed: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct NotSeen {
    pub participant_id: String,
    pub code: String,
    pub site: String,
    pub role_category: String,
    pub status: String,
    /// Consent to contact for the follow-up, as in force today.
    pub follow_up_consent: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FollowUp {
    pub baseline_phase: u32,
    pub follow_up_phase: u32,
    pub baseline_participants: i64,
    pub seen_again: i64,
    /// Baseline participants not seen again who are still to be seen: withdrawn
    /// participants are left out (they are counted in `withdrawn`).
    pub not_seen: Vec<NotSeen>,
    /// Baseline participants not seen again because they withdrew.
    pub withdrawn: i64,
}

/// One thing that needs action, with the record to act on.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Gap {
    /// `consent`, `audio-consent`, `no-transcript`, `transcript-missing`,
    /// `transcript-changed`, `transcript-moved`, `status`, `integrity`.
    pub kind: String,
    /// `session`, `participant` or `database`.
    pub entity: String,
    pub id: String,
    pub message: String,
    /// What to do about it.
    pub action: String,
    /// The export codes of the participants the record is about (an interview's
    /// interviewees; a participant's own code).
    pub participants: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PhaseWindow {
    pub number: u32,
    pub name: String,
    pub start: String,
    pub end: String,
    pub target: i64,
    /// Completed interviews in the phase, all sites.
    pub interviews: i64,
}

/// Sessions done by one fieldworker (an interview's interviewer, an observed meeting's
/// observer) in one phase at one site.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldworkerCell {
    /// As recorded on the session; `(not recorded)` when it was left empty.
    pub fieldworker: String,
    /// `interviewer` or `observer`.
    pub role: String,
    pub phase: u32,
    pub site: String,
    pub sessions: i64,
}

/// Coverage per fieldworker, for the project manager: who did how many sessions, per
/// phase and site, with a total per fieldworker.
#[derive(Debug, Clone, Serialize)]
pub struct ByFieldworker {
    pub cells: Vec<FieldworkerCell>,
    /// (fieldworker, completed interviews + observed meetings), most first.
    pub totals: Vec<FieldworkerTotal>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldworkerTotal {
    pub fieldworker: String,
    pub interviews: i64,
    pub observations: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub study: String,
    pub total_interviews: i64,
    pub total_target: i64,
    pub cells: Vec<Cell>,
    pub by_role_category: Vec<CategoryCell>,
    pub follow_up: Vec<FollowUp>,
    pub observations: Vec<ObservationCell>,
    pub documents: i64,
    pub phases: Vec<PhaseWindow>,
    /// Cumulative completed interviews: (date, total to that date).
    pub progress: Vec<(String, i64)>,
    pub gaps: Vec<Gap>,
}

impl Fieldwork {
    /// The project manager's view of the study.
    pub fn coverage(&self) -> Result<Coverage> {
        let c = self.store.conn();
        let r = &self.reference;
        let counts: BTreeMap<(u32, String), i64> = sstore::interview_counts(c)?
            .into_iter()
            .map(|(p, s, n)| ((p, s), n))
            .collect();
        let targets: BTreeMap<(u32, String), i64> = reference::targets(c)?
            .into_iter()
            .map(|(p, s, n)| ((p, s), n))
            .collect();
        let mut cells = Vec::new();
        for p in &r.phases {
            for s in &r.sites {
                let key = (p.number, s.code.clone());
                cells.push(Cell {
                    phase: p.number,
                    site: s.code.clone(),
                    interviews: counts.get(&key).copied().unwrap_or(0),
                    target: targets.get(&key).copied().unwrap_or(0),
                });
            }
        }
        let cat_counts: BTreeMap<(u32, String), i64> = sstore::interviewed_by_category(c)?
            .into_iter()
            .map(|(p, s, n)| ((p, s), n))
            .collect();
        let cat_targets: BTreeMap<(u32, String), i64> = reference::category_targets(c)?
            .into_iter()
            .map(|(p, s, n)| ((p, s), n))
            .collect();
        let mut by_role_category = Vec::new();
        for p in &r.phases {
            for rc in &r.role_categories {
                by_role_category.push(CategoryCell {
                    phase: p.number,
                    role_category: rc.code.clone(),
                    role_category_name: rc.name.clone(),
                    participants: cat_counts
                        .get(&(p.number, rc.code.clone()))
                        .copied()
                        .unwrap_or(0),
                    target: cat_targets
                        .get(&(p.number, rc.code.clone()))
                        .copied()
                        .unwrap_or(0),
                });
            }
        }
        let obs: BTreeMap<(u32, String), i64> = sstore::observation_counts(c)?
            .into_iter()
            .map(|(p, s, n)| ((p, s), n))
            .collect();
        let mut observations = Vec::new();
        for p in &r.phases {
            for m in &r.meeting_types {
                observations.push(ObservationCell {
                    phase: p.number,
                    meeting_type: m.code.clone(),
                    meeting_type_name: m.name.clone(),
                    observed: obs.get(&(p.number, m.code.clone())).copied().unwrap_or(0),
                });
            }
        }
        // Consent is read once for the whole report.
        let book = self.consent_book()?;
        let mut follow_up = Vec::new();
        if let Some(base) = r.phases.first() {
            for later in r.phases.iter().skip(1) {
                let not_seen_rows = sstore::not_seen_at(c, base.number, later.number)?;
                let baseline = pstore::count(
                    c,
                    &crate::domain::ParticipantFilter {
                        phase: Some(base.number),
                        ..Default::default()
                    },
                )? as i64;
                let mut not_seen = Vec::new();
                let mut withdrawn = 0;
                let all_not_seen = not_seen_rows.len() as i64;
                for row in not_seen_rows {
                    // Withdrawn participants are not to be seen again.
                    if row.status == crate::domain::Status::Withdrawn.as_str() {
                        withdrawn += 1;
                        continue;
                    }
                    let f = book.in_force(&row.id, today());
                    not_seen.push(NotSeen {
                        participant_id: row.id,
                        code: row.code,
                        site: row.site,
                        role_category: row.role_category,
                        status: row.status,
                        follow_up_consent: f.item(ConsentItem::FollowUp).as_str().to_string(),
                    });
                }
                follow_up.push(FollowUp {
                    baseline_phase: base.number,
                    follow_up_phase: later.number,
                    baseline_participants: baseline,
                    seen_again: baseline - all_not_seen,
                    not_seen,
                    withdrawn,
                });
            }
        }
        let mut progress = Vec::new();
        let mut total = 0;
        for (date, _) in sstore::interview_dates(c)? {
            total += 1;
            match progress.last_mut() {
                Some((d, n)) if *d == date => *n = total,
                _ => progress.push((date, total)),
            }
        }
        let phases = r
            .phases
            .iter()
            .map(|p| PhaseWindow {
                number: p.number,
                name: p.name.clone(),
                start: format_date(p.start),
                end: format_date(p.end),
                target: targets
                    .iter()
                    .filter(|((n, _), _)| *n == p.number)
                    .map(|(_, t)| *t)
                    .sum(),
                interviews: counts
                    .iter()
                    .filter(|((n, _), _)| *n == p.number)
                    .map(|(_, x)| *x)
                    .sum(),
            })
            .collect();
        let documents = self.session_count(&crate::domain::SessionFilter {
            kind: Some(crate::domain::SessionKind::Document),
            ..Default::default()
        })? as i64;
        Ok(Coverage {
            study: r.study_name.clone(),
            total_interviews: cells.iter().map(|c| c.interviews).sum(),
            total_target: cells.iter().map(|c| c.target).sum(),
            cells,
            by_role_category,
            follow_up,
            observations,
            documents,
            phases,
            progress,
            gaps: self.gaps_with(false, &book)?,
        })
    }

    /// Everything that needs action. With `full`, transcript files are hashed (slower);
    /// otherwise they are checked by presence and size.
    pub fn gaps(&self, full: bool) -> Result<Vec<Gap>> {
        self.gaps_with(full, &self.consent_book()?)
    }

    fn gaps_with(&self, full: bool, book: &super::consent::ConsentBook) -> Result<Vec<Gap>> {
        let c = self.store.conn();
        let mut gaps = Vec::new();
        let done = sstore::done_interview_participants(c)?;
        // The interviewees' export codes of each completed interview, for the messages.
        let mut codes: std::collections::HashMap<&str, Vec<String>> =
            std::collections::HashMap::new();
        for ip in &done {
            codes
                .entry(ip.session_id.as_str())
                .or_default()
                .push(ip.code.clone());
        }
        // Interviews not done (a transcript linked to a scheduled one) are looked up too.
        let who = |sid: &str| -> Vec<String> { codes.get(sid).cloned().unwrap_or_default() };
        let named = |sid: &str| -> String {
            match codes.get(sid) {
                Some(v) if !v.is_empty() => format!(" of {}", v.join(", ")),
                _ => String::new(),
            }
        };
        // Consent in force on the date of every completed interview (the rule lives with
        // the consent problems list).
        for p in self.interview_consent_problems(book)? {
            gaps.push(Gap {
                kind: p.kind.into(),
                entity: "session".into(),
                id: p.session_id.unwrap_or_default(),
                message: p.message,
                action: p.action,
                participants: vec![p.code.clone()],
            });
        }
        for (sid, date, site) in sstore::done_interviews_without_transcript(c)? {
            gaps.push(Gap {
                kind: "no-transcript".into(),
                entity: "session".into(),
                id: sid.clone(),
                message: format!(
                    "interview {}{} on {date} (site {site}) has no transcript linked",
                    &sid[..8],
                    named(&sid)
                ),
                action: format!("link it with `transcript link {} FILE`", &sid[..8]),
                participants: who(&sid),
            });
        }
        let verifications: Vec<(
            String,
            String,
            crate::domain::TranscriptStatus,
            Option<String>,
        )> = if full {
            self.verification_results()?
                .into_iter()
                .map(|v| (v.session_id, v.path, v.status, v.found_at))
                .collect()
        } else {
            let root = self.transcripts_root();
            tstore::all(c)?
                .into_iter()
                .map(|t| {
                    let st = quick_state(root, &t);
                    (t.session_id, t.path, st, None)
                })
                .collect()
        };
        for (sid, path, status, found) in verifications {
            use crate::domain::TranscriptStatus as T;
            let (kind, message, action) = match status {
                T::Ok => continue,
                T::Missing => (
                    "transcript-missing",
                    format!("transcript {path} of interview {}{} is missing", &sid[..8], named(&sid)),
                    "restore the file under the transcripts root, or link its new place with `transcript link --replace`".to_string(),
                ),
                T::Changed => (
                    "transcript-changed",
                    format!("transcript {path} of interview {}{} has changed since it was linked", &sid[..8], named(&sid)),
                    "check the edit; accept it with `transcript link --replace`".to_string(),
                ),
                T::Moved => (
                    "transcript-moved",
                    format!(
                        "transcript {path} of interview {}{} has moved{}",
                        &sid[..8],
                        named(&sid),
                        found.map(|f| format!(" to {f}")).unwrap_or_default()
                    ),
                    "relink it with `transcript verify --relink`".to_string(),
                ),
            };
            gaps.push(Gap {
                kind: kind.into(),
                entity: "session".into(),
                participants: who(&sid),
                id: sid,
                message,
                action,
            });
        }
        // Pipeline statuses that contradict the records.
        for (id, code) in pstore::interviewed_without_interview(c)? {
            gaps.push(Gap {
                kind: "status".into(),
                entity: "participant".into(),
                id,
                message: format!(
                    "participant {code} is marked interviewed but has no completed interview"
                ),
                action: "log the interview, or correct the status".into(),
                participants: vec![code.clone()],
            });
        }
        Ok(gaps)
    }

    /// Completed interviews and observed meetings per fieldworker (the interviewer or
    /// observer recorded on each), phase and site. One pass over the completed sessions.
    pub fn coverage_by_fieldworker(&self) -> Result<ByFieldworker> {
        use crate::domain::{SessionFilter, SessionKind, SessionStatus};
        let mut cells: BTreeMap<(String, &'static str, u32, String), i64> = BTreeMap::new();
        let mut totals: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for (kind, role) in [
            (SessionKind::Interview, "interviewer"),
            (SessionKind::Observation, "observer"),
        ] {
            let filter = SessionFilter {
                kind: Some(kind),
                status: Some(SessionStatus::Done),
                ..Default::default()
            };
            for x in self.sessions(&filter, false, 0, usize::MAX >> 1)? {
                let who = x
                    .interviewer
                    .as_deref()
                    .map(str::trim)
                    .filter(|w| !w.is_empty())
                    .unwrap_or("(not recorded)")
                    .to_string();
                *cells
                    .entry((who.clone(), role, x.phase, x.site.clone()))
                    .or_default() += 1;
                let t = totals.entry(who).or_default();
                if kind == SessionKind::Interview {
                    t.0 += 1;
                } else {
                    t.1 += 1;
                }
            }
        }
        let mut totals: Vec<FieldworkerTotal> = totals
            .into_iter()
            .map(
                |(fieldworker, (interviews, observations))| FieldworkerTotal {
                    fieldworker,
                    interviews,
                    observations,
                },
            )
            .collect();
        totals.sort_by(|a, b| {
            (b.interviews + b.observations)
                .cmp(&(a.interviews + a.observations))
                .then_with(|| a.fieldworker.cmp(&b.fieldworker))
        });
        Ok(ByFieldworker {
            cells: cells
                .into_iter()
                .map(
                    |((fieldworker, role, phase, site), sessions)| FieldworkerCell {
                        fieldworker,
                        role: role.to_string(),
                        phase,
                        site,
                        sessions,
                    },
                )
                .collect(),
            totals,
        })
    }

    /// Verify every transcript file without saving anything.
    pub fn verification_results(&self) -> Result<Vec<super::transcripts::Verification>> {
        self.compute_verifications(false)
    }
}
