//! Sessions: interviews, observed meetings and documents by date.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};

use super::filters;
use crate::domain::{format_date, today, SessionKind, SessionStatus};
use crate::tui::core::State;
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
    ];
}
