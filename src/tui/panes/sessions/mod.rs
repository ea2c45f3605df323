//! Sessions: interviews, observed meetings and documents by date.

pub mod io;
pub mod state;

pub use io::{find_page, ids, page_work};

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};

use super::filters;
use crate::domain::{format_date, today, SessionKind, SessionStatus};
use crate::domain::{InterviewMode, RecordingStatus, TranscriptionStatus};
use crate::service::sessions::{InterviewInput, ObservationInput};
use crate::service::Version;
use crate::tui::core::keys::Cmd;
use crate::tui::core::*;
use crate::tui::core::{Cx, Look};
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::table::{cell, VTable};
use crate::tui::widgets::text::{esc, pii_opt};
use state::SessionsState;

pub fn render(v: &Look, st: &SessionsState, area: Rect, buf: &mut Buffer) {
    let th = v.theme;
    let f = &st.filter;
    let title = format!(
        " Sessions {}/{} ({}){}{} ",
        if st.list.total == 0 {
            0
        } else {
            st.list.selected + 1
        },
        st.list.total,
        if st.newest_first {
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
        v.find_label()
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
    t.render(&st.list, area, buf, th, |x| {
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
                pii_opt(v.privacy, x.title.as_deref())
            ),
            SessionKind::Document => pii_opt(v.privacy, x.title.as_deref()),
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

/// The Sessions pane's commands (bound in `keys`): state changes and at most one effect.
///
/// `who` is the participant code selected in the pane the command came from, if it is
/// Participants or Consent (a new interview's form starts with it).
pub fn command(
    cx: &mut Cx,
    st: &mut SessionsState,
    who: Option<String>,
    cmd: Cmd,
) -> Option<Effect> {
    match cmd {
        Cmd::FilterSite
        | Cmd::FilterPhase
        | Cmd::FilterKind
        | Cmd::FilterSessionStatus
        | Cmd::ToggleOrder
        | Cmd::ClearFilters => {
            let f = &mut st.filter;
            match cmd {
                Cmd::FilterSite => f.site = cycle(&f.site, &cx.site_codes()),
                Cmd::FilterPhase => f.phase = cycle(&f.phase, &cx.phase_numbers()),
                Cmd::FilterKind => f.kind = cycle(&f.kind, SessionKind::ALL),
                Cmd::FilterSessionStatus => f.status = cycle(&f.status, SessionStatus::ALL),
                Cmd::ToggleOrder => st.newest_first = !st.newest_first,
                _ => *f = Default::default(),
            }
            // Back to the top, reloaded.
            st.list = Paged::default();
            Some(Effect::Load(Pane::Sessions))
        }
        Cmd::Delete => {
            let Some(x) = st.list.current() else {
                cx.error("no session selected");
                return None;
            };
            let id = x.id.clone();
            let with_dependents = cx.delete_again == Some(id.as_str());
            let what = format!("the {} of {}", x.kind, format_date(x.date));
            let q = if with_dependents {
                format!("Delete {what} AND what depends on it (its transcript's text, tags and passages)? The audit log keeps what goes and u puts it back; the transcript file stays.")
            } else {
                format!("Delete {what}, logged by mistake? The audit log keeps it and u puts it back; refused if other records depend on it.")
            };
            cx.ask(
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
            let code = who;
            let scheduled = cmd == Cmd::ScheduleInterview;
            let mut statuses = vec![SessionStatus::Done, SessionStatus::Scheduled];
            if scheduled {
                statuses.reverse();
            }
            let phases = with_unset(
                cx.reference
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
                    Field::date("date", "Date", Some(cx.default_date())).required(),
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
                    allow_gap_field(),
                    Field::text("notes", "Notes").pii(),
                ],
            );
            cx.open_form(FormKind::Interview, f);
            None
        }
        Cmd::CompleteInterview => {
            let Some(x) = st.list.current() else {
                cx.error("no session selected");
                return None;
            };
            if x.kind != SessionKind::Interview {
                cx.error("only interviews are completed here");
                return None;
            }
            if x.status != SessionStatus::Scheduled && !cx.confirmed {
                let who: Vec<&str> = x.participants.iter().map(|p| p.code.as_str()).collect();
                let q = format!(
                    "The interview of {} ({}) is already {}. Change its status?",
                    format_date(x.date),
                    who.join(", "),
                    x.status
                );
                cx.ask_cmd(q, Cmd::CompleteInterview);
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
                    allow_gap_field(),
                ],
            );
            // Opened on the interview's status and date as the list shows them.
            let mut f = f;
            f.rebase("status", x.status.as_str());
            cx.open_form(FormKind::Complete { sid }, f);
            None
        }
        Cmd::LogObservation => {
            let mts = cx
                .reference
                .meeting_types
                .iter()
                .map(|m| (m.code.clone(), format!("{} – {}", m.code, m.name)))
                .collect();
            let sites = cx
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
                    Field::date("date", "Date", Some(cx.default_date())).required(),
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
            cx.open_form(FormKind::Observation, f);
            None
        }
        _ => None,
    }
}

/// The interview forms' choice to log an interview without consent in force, as a gap.
fn allow_gap_field() -> Field {
    Field::choice(
        "allow_gap",
        "Without consent",
        vec![
            ("no".into(), "refuse".into()),
            ("yes".into(), "log as a consent gap".into()),
        ],
    )
}

/// Its forms, submitted: the write they ask for.
pub fn submit(cx: &mut Cx, kind: FormKind, f: Form) -> Option<Effect> {
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
                cx.ask(q, w);
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
