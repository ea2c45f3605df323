//! Sessions: interviews, observed meetings and documents by date.

use crate::domain::SessionFilter;
use crate::service::{Fieldwork, Result};
use crate::tui::worker::Work;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};

use super::filters;
use crate::domain::{format_date, today, SessionKind, SessionStatus};
use crate::domain::{InterviewMode, RecordingStatus, TranscriptionStatus};
use crate::service::sessions::{InterviewInput, ObservationInput};
use crate::service::Version;
use crate::tui::core::keys::Cmd;
use crate::tui::core::State;
use crate::tui::core::*;
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::table::{cell, VTable};
use crate::tui::widgets::text::{esc, pii_opt};

pub fn render(s: &State, area: Rect, buf: &mut Buffer) {
    let th = &s.theme;
    let f = &s.sfilter;
    let title = format!(
        " Sessions {}/{} ({}){}{} ",
        if s.sessions.total == 0 {
            0
        } else {
            s.sessions.selected + 1
        },
        s.sessions.total,
        if s.newest_first {
            "newest first"
        } else {
            "oldest first"
        },
        filters(&[
            ("phase", f.phase.map(|x| x.to_string())),
            ("site", f.site.clone()),
            ("kind", f.kind.map(|x| x.to_string())),
            ("status", f.status.map(|x| x.to_string())),
        ]),
        super::find_label(s)
    );
    let t = VTable {
        title,
        header: vec![
            "Date",
            "Kind",
            "Status",
            "Ph",
            "Site",
            "Who / what",
            "Mode",
            "Min",
            "Recording",
            "Transcription",
            "Transcript",
        ],
        widths: vec![
            Constraint::Length(10),
            Constraint::Length(11),
            Constraint::Length(9),
            Constraint::Length(2),
            Constraint::Length(4),
            Constraint::Fill(3),
            Constraint::Length(9),
            Constraint::Length(3),
            Constraint::Length(12),
            Constraint::Length(13),
            Constraint::Length(10),
        ],
        focused: true,
    };
    let now = today();
    t.render(&s.sessions, area, buf, th, |x| {
        let who = match x.kind {
            SessionKind::Interview => x
                .participants
                .iter()
                .map(|p| p.code.clone())
                .collect::<Vec<_>>()
                .join(", "),
            SessionKind::Observation => format!(
                "{} {}",
                esc(x.meeting_type_name.as_deref().unwrap_or("")),
                pii_opt(s.privacy, x.title.as_deref())
            ),
            SessionKind::Document => pii_opt(s.privacy, x.title.as_deref()),
        };
        let status_style = match x.status {
            SessionStatus::Scheduled if x.date < now => th.bad(),
            SessionStatus::Scheduled => th.warn(),
            SessionStatus::Done => th.ok(),
            SessionStatus::Cancelled => th.dim(),
        };
        let gap = if x.consent_gap { " ⚠" } else { "" };
        vec![
            cell(format_date(x.date), Default::default()),
            cell(x.kind.to_string(), Default::default()),
            cell(format!("{}{gap}", x.status), status_style),
            cell(x.phase.to_string(), Default::default()),
            cell(esc(&x.site), Default::default()),
            cell(who, Default::default()),
            cell(esc(x.mode.as_deref().unwrap_or("")), Default::default()),
            cell(
                x.duration_min.map(|d| d.to_string()).unwrap_or_default(),
                Default::default(),
            ),
            cell(
                esc(x.recording_status.as_deref().unwrap_or("")),
                Default::default(),
            ),
            cell(
                esc(x.transcription_status.as_deref().unwrap_or("")),
                Default::default(),
            ),
            cell(
                match (&x.kind, &x.transcript) {
                    (SessionKind::Interview, Some(t)) => t.status.to_string(),
                    (SessionKind::Interview, None) => "none".into(),
                    _ => String::new(),
                },
                Default::default(),
            ),
        ]
    });
}

/// The pane's window at its selection (`Slow::Page(Pane::Sessions)`): the count and two
/// pages of rows as filtered and ordered now; the window there follows if the selection
/// moved on.
pub fn page_work(s: &State) -> Work {
    let filter = s.sfilter.clone();
    let newest = s.newest_first;
    let l = &s.sessions;
    let (start, n) = (l.window_start(), l.window_len());
    Box::new(move |fw| {
        let total = fw.session_count(&filter)?;
        let rows = fw.sessions(&filter, newest, start, n)?;
        Ok(Box::new(move |s: &mut State| {
            s.sessions.place(total, rows, start);
            let more = s.sessions.needs_load();
            s.after_page(Pane::Sessions, more);
        }))
    })
}

/// The ids of `n` rows from `offset` as filtered and ordered now (locating a record).
pub fn ids(
    fw: &Fieldwork,
    filter: &SessionFilter,
    newest: bool,
    offset: usize,
    n: usize,
) -> Result<Vec<String>> {
    Ok(fw
        .sessions(filter, newest, offset, n)?
        .into_iter()
        .map(|x| x.id)
        .collect())
}

/// `n` rows from `offset` searched for the `/` query (`hit` on what a row shows: date,
/// participants' codes, site, kind, status, title): (rows read, the first match).
pub fn find_page(
    fw: &Fieldwork,
    filter: &SessionFilter,
    newest: bool,
    offset: usize,
    n: usize,
    hit: &dyn Fn(&[&str]) -> bool,
) -> Result<(usize, Option<usize>)> {
    let rows = fw.sessions(filter, newest, offset, n)?;
    let at = rows.iter().position(|x| {
        let codes: Vec<&str> = x.participants.iter().map(|p| p.code.as_str()).collect();
        hit(&[
            &crate::domain::format_date(x.date),
            &codes.join(" "),
            &x.site,
            x.kind.as_str(),
            x.status.as_str(),
            x.title.as_deref().unwrap_or(""),
        ])
    });
    Ok((rows.len(), at))
}

/// The Sessions pane's commands (bound in `keys`): state changes and at most one effect.
pub fn command(s: &mut State, cmd: Cmd) -> Option<Effect> {
    match cmd {
        Cmd::Delete => {
            let Some(x) = s.sessions.current() else {
                s.error("no session selected");
                return None;
            };
            let id = x.id.clone();
            let with_dependents = s.delete_again.as_deref() == Some(id.as_str());
            let what = format!("the {} of {}", x.kind, format_date(x.date));
            let q = if with_dependents {
                format!("Delete {what} AND what depends on it (its transcript's text, tags and passages)? The audit log keeps what goes; the transcript file stays.")
            } else {
                format!("Delete {what}, logged by mistake? The audit log keeps it; refused if other records depend on it.")
            };
            s.ask(
                q,
                Write::DeleteSession {
                    id,
                    kind: Some(x.kind),
                    with_dependents,
                },
            );
            None
        }
        Cmd::LogInterview | Cmd::ScheduleInterview => {
            let code = match s.pane {
                Pane::Participants | Pane::Consent => s.selected_participant().map(|p| p.1),
                _ => None,
            };
            let scheduled = cmd == Cmd::ScheduleInterview;
            let mut statuses = vec![SessionStatus::Done, SessionStatus::Scheduled];
            if scheduled {
                statuses.reverse();
            }
            let phases = with_unset(
                s.reference
                    .phases
                    .iter()
                    .map(|p| (p.number.to_string(), format!("{} {}", p.number, p.name)))
                    .collect(),
                "from the date",
            );
            let f = Form::new(
                if scheduled {
                    "Schedule an interview"
                } else {
                    "Log an interview"
                },
                vec![
                    Field::text("participant", "Participant code")
                        .required()
                        .with(code.unwrap_or_default()),
                    Field::date("date", "Date", Some(s.default_date())).required(),
                    Field::choice("status", "Status", opts(&statuses)),
                    Field::choice("phase", "Phase", phases),
                    Field::choice("mode", "Mode", opts(InterviewMode::ALL)),
                    Field::number("duration", "Minutes"),
                    Field::choice(
                        "recording",
                        "Recording",
                        with_unset(opts(RecordingStatus::ALL), "not yet known"),
                    ),
                    Field::choice(
                        "transcription",
                        "Transcription",
                        opts(TranscriptionStatus::ALL),
                    ),
                    Field::choice(
                        "allow_gap",
                        "Without consent",
                        vec![
                            ("no".into(), "refuse".into()),
                            ("yes".into(), "log as a consent gap".into()),
                        ],
                    ),
                    Field::text("notes", "Notes").pii(),
                ],
            );
            s.open_form(FormKind::Interview, f);
            None
        }
        Cmd::CompleteInterview => {
            let Some(x) = s.sessions.current() else {
                s.error("no session selected");
                return None;
            };
            if x.kind != SessionKind::Interview {
                s.error("only interviews are completed here");
                return None;
            }
            if x.status != SessionStatus::Scheduled && !s.confirmed {
                let who: Vec<&str> = x.participants.iter().map(|p| p.code.as_str()).collect();
                let q = format!(
                    "The interview of {} ({}) is already {}. Change its status?",
                    format_date(x.date),
                    who.join(", "),
                    x.status
                );
                s.ask_cmd(q, Cmd::CompleteInterview);
                return None;
            }
            let sid = x.id.clone();
            let f = Form::new(
                format!("Complete the interview of {}", format_date(x.date)),
                vec![
                    Field::choice(
                        "status",
                        "Status",
                        opts(&[SessionStatus::Done, SessionStatus::Cancelled]),
                    )
                    .with(x.status.as_str()),
                    Field::date("date", "Date", Some(x.date)).required(),
                    Field::number("duration", "Minutes"),
                    Field::choice(
                        "recording",
                        "Recording",
                        with_unset(opts(RecordingStatus::ALL), "not yet known"),
                    ),
                    Field::choice(
                        "allow_gap",
                        "Without consent",
                        vec![
                            ("no".into(), "refuse".into()),
                            ("yes".into(), "log as a consent gap".into()),
                        ],
                    ),
                ],
            );
            // Opened on the interview's status and date as the list shows them.
            let mut f = f;
            f.rebase("status", x.status.as_str());
            s.open_form(FormKind::Complete { sid }, f);
            None
        }
        Cmd::LogObservation => {
            let mts = s
                .reference
                .meeting_types
                .iter()
                .map(|m| (m.code.clone(), format!("{} – {}", m.code, m.name)))
                .collect();
            let sites = s
                .reference
                .sites
                .iter()
                .map(|m| (m.code.clone(), format!("{} – {}", m.code, m.name)))
                .collect();
            let f = Form::new(
                "Log an observed meeting",
                vec![
                    Field::choice("meeting_type", "Meeting type", mts),
                    Field::choice("site", "Site", sites),
                    Field::date("date", "Date", Some(s.default_date())).required(),
                    Field::choice(
                        "status",
                        "Status",
                        opts(&[SessionStatus::Done, SessionStatus::Scheduled]),
                    ),
                    Field::text("title", "Title").pii(),
                    Field::number("attendees", "Attendees"),
                    Field::number("duration", "Minutes"),
                    Field::text("notes", "Notes").pii(),
                ],
            );
            s.open_form(FormKind::Observation, f);
            None
        }
        _ => None,
    }
}

/// Its forms, submitted: the write they ask for.
pub fn submit(s: &mut State, kind: FormKind, f: Form) -> Option<Effect> {
    let w = match kind {
        FormKind::Interview => Write::LogInterview(InterviewInput {
            participants: f
                .get("participant")
                .split([',', ' '])
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect(),
            date: f.date("date"),
            phase: f.get("phase").parse().ok(),
            site: None,
            status: f.get("status").parse().ok(),
            mode: f.get("mode").parse().ok(),
            duration_min: f.number("duration"),
            interviewer: None,
            recording: f.get("recording").parse().ok(),
            transcription: f.get("transcription").parse().ok(),
            notes: f.opt("notes"),
            allow_gap: f.get("allow_gap") == "yes",
        }),
        FormKind::Complete { sid } => {
            let status = f.get("status").parse().unwrap_or(SessionStatus::Done);
            let w = Write::CompleteInterview {
                sid,
                status,
                date: f.date("date"),
                duration: f.number("duration"),
                recording: f.get("recording").parse().ok(),
                allow_gap: f.get("allow_gap") == "yes",
                opened: Some(Version::new(
                    f.opened
                        .iter()
                        .filter(|(k, _)| matches!(*k, "status" | "date"))
                        .map(|(k, v)| (*k, v.clone())),
                )),
            };
            if status == SessionStatus::Cancelled {
                let q = format!(
                    "Cancel the interview of {}? A cancelled interview no longer counts toward coverage.",
                    f.get("date")
                );
                s.ask(q, w);
                return None;
            }
            w
        }
        FormKind::Observation => Write::LogObservation(ObservationInput {
            meeting_type: f.get("meeting_type"),
            site: f.get("site"),
            date: f.date("date"),
            phase: None,
            title: f.opt("title"),
            observer: None,
            attendees: f.number("attendees"),
            duration_min: f.number("duration"),
            notes: f.opt("notes"),
            status: f.get("status").parse().ok(),
        }),
        _ => return None,
    };
    Some(Effect::Write(w))
}

/// The Sessions pane's keys (assembled by `keymap`, in the order the help shows them).
pub mod keys {
    #![allow(unused_imports)]
    use ratatui::crossterm::event::KeyCode as K;

    use crate::tui::core::keys::{b, ch, code, ctrl, Binding, Cmd as C, Ctx};
    use crate::tui::core::pane::Pane;
    use crate::tui::panes::coding::state::CodingCmd;

    pub static KEYS: &[Binding] = &[
        // Sessions
        b!(
            Ctx::Pane(Pane::Sessions),
            [ch('/')],
            C::Search,
            "search: jump to the first session matching (date, code, site, kind, status, title)",
            true
        ),
        b!(
            Ctx::Pane(Pane::Sessions),
            [ch('p')],
            C::FilterPhase,
            "filter by phase (cycles)",
            false
        ),
        b!(
            Ctx::Pane(Pane::Sessions),
            [ch('s')],
            C::FilterSite,
            "filter by site (cycles)",
            false
        ),
        b!(
            Ctx::Pane(Pane::Sessions),
            [ch('f')],
            C::FilterKind,
            "filter by kind: interview, observation, document",
            false
        ),
        b!(
            Ctx::Pane(Pane::Sessions),
            [ch('v')],
            C::FilterSessionStatus,
            "show upcoming (scheduled), done, cancelled or all",
            true
        ),
        b!(
            Ctx::Pane(Pane::Sessions),
            [ch('o')],
            C::ToggleOrder,
            "oldest or newest first",
            false
        ),
        b!(
            Ctx::Pane(Pane::Sessions),
            [ch('x')],
            C::ClearFilters,
            "clear filters",
            false
        ),
        b!(
            Ctx::Pane(Pane::Sessions),
            [ch('i')],
            C::LogInterview,
            "log an interview that took place",
            true
        ),
        b!(
            Ctx::Pane(Pane::Sessions),
            [ch('n')],
            C::ScheduleInterview,
            "schedule an interview",
            true
        ),
        b!(
            Ctx::Pane(Pane::Sessions),
            [ch('d')],
            C::CompleteInterview,
            "mark the scheduled interview done or cancelled (asks first if it is not scheduled; cancelling asks)",
            false
        ),
        b!(
            Ctx::Pane(Pane::Sessions),
            [ch('m')],
            C::LogObservation,
            "log an observed meeting",
            true
        ),
        b!(
            Ctx::Pane(Pane::Sessions),
            [code(K::Delete)],
            C::Delete,
            "delete the selected session, logged by mistake (asks; refused while a transcript or tags depend on it, then Delete again offers to delete them too)",
            false
        ),
    ];
}
