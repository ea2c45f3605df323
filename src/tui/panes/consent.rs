//! Consent: items in force per participant, the selected one's records and withdrawals,
//! and the problems list.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

use super::{filters, panel};
use crate::domain::{format_date, ConsentItem};
use crate::tui::core::{Mode, State};
use crate::tui::widgets::table::{cell, VTable};
use crate::tui::widgets::text::{esc, pii, pii_opt};

pub fn render(s: &State, area: Rect, buf: &mut Buffer) {
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(area);
    let [hist, probs] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(bottom);
    let th = &s.theme;
    let mut header = vec!["Code", "Name", "Site", "Status"];
    header.extend(ConsentItem::ALL.iter().map(|i| i.as_str()));
    header.push("Forms");
    header.push("Withdrawn");
    let mut widths = vec![
        Constraint::Length(6),
        Constraint::Fill(2),
        Constraint::Length(4),
        Constraint::Length(11),
    ];
    widths.extend(ConsentItem::ALL.iter().map(|_| Constraint::Length(9)));
    widths.push(Constraint::Length(5));
    widths.push(Constraint::Fill(1));
    let title = format!(
        " Consent in force today {}/{}{}{} ",
        if s.consent.total == 0 {
            0
        } else {
            s.consent.selected + 1
        },
        s.consent.total,
        filters(&[("site", s.cfilter.site.clone())]),
        match (&s.cfilter.search, s.mode == Mode::Search) {
            (Some(q), _) => format!(
                " search: {}",
                crate::tui::widgets::text::typed(s.privacy, q)
            ),
            (None, true) => " search: ▏".into(),
            _ => String::new(),
        }
    );
    VTable {
        title,
        header,
        widths,
        focused: true,
    }
    .render(&s.consent, top, buf, th, |r| {
        let mut cells = vec![
            cell(r.code.clone(), th.key()),
            cell(pii(s.privacy, &r.name), Default::default()),
            cell(esc(&r.site), Default::default()),
            cell(r.status.to_string(), Default::default()),
        ];
        for (_, st) in &r.items {
            cells.push(cell(st.as_str(), th.consent(st.as_str())));
        }
        cells.push(cell(r.records.to_string(), Default::default()));
        cells.push(cell(
            r.withdrawn.map(|w| w.to_string()).unwrap_or_default(),
            th.bad(),
        ));
        cells
    });
    let mut lines: Vec<Line<'static>> = Vec::new();
    match &s.crecords {
        None => lines.push(Line::styled("No participant selected.", th.dim())),
        Some((records, withdrawals)) => {
            if records.is_empty() && withdrawals.is_empty() {
                lines.push(Line::styled(
                    "No consent recorded. r records a form.",
                    th.dim(),
                ));
            }
            let mut events: Vec<(time::Date, Line<'static>)> = Vec::new();
            for r in records {
                let mut spans = vec![Span::raw(format!(
                    "{}  consent {} {} by {}  ",
                    format_date(r.date),
                    esc(&r.form_version),
                    r.mode,
                    esc(&r.taken_by)
                ))];
                for i in ConsentItem::ALL {
                    let a = r.answer(*i).map(|a| a.as_str()).unwrap_or("unset");
                    spans.push(Span::styled(format!("{}:{a} ", i.as_str()), th.consent(a)));
                }
                if r.file_ref.is_some() {
                    spans.push(Span::raw(format!(
                        " ref {}",
                        pii_opt(s.privacy, r.file_ref.as_deref())
                    )));
                }
                events.push((r.date, Line::from(spans)));
            }
            for w in withdrawals {
                events.push((
                    w.date,
                    Line::styled(
                        format!(
                            "{}  WITHDRAWAL {}  {}",
                            format_date(w.date),
                            w.scope,
                            pii_opt(s.privacy, w.reason.as_deref())
                        ),
                        th.bad(),
                    ),
                ));
            }
            events.sort_by_key(|e| std::cmp::Reverse(e.0));
            lines.extend(events.into_iter().map(|e| e.1));
        }
    }
    panel("History (newest first)", lines, hist, buf, th);
    let height = probs.height.saturating_sub(2) as usize;
    let mut pl: Vec<Line<'static>> = s
        .cproblems
        .iter()
        .take(height)
        .map(|p| {
            Line::from(vec![
                Span::styled(format!("{:<12}", p.label()), th.warn()),
                Span::raw(esc(&p.message)),
            ])
        })
        .collect();
    if s.problems_stale {
        pl.insert(0, Line::styled("Checking every participant…", th.dim()));
    } else if s.cproblems.is_empty() {
        pl.push(Line::styled("No consent problems.", th.ok()));
    }
    panel(
        &format!("Problems ({})", s.cproblems.len()),
        pl,
        probs,
        buf,
        th,
    );
}

/// The Consent pane's keys (assembled by `keymap`, in the order the help shows them).
pub mod keys {
    #![allow(unused_imports)]
    use ratatui::crossterm::event::KeyCode as K;

    use crate::tui::core::keys::{b, ch, code, ctrl, Binding, Cmd as C, Ctx};
    use crate::tui::core::pane::Pane;
    use crate::tui::panes::coding::state::CodingCmd;

    pub static KEYS: &[Binding] = &[
        // Consent
        b!(
            Ctx::Pane(Pane::Consent),
            [ch('/')],
            C::Search,
            "search as you type",
            false
        ),
        b!(
            Ctx::Pane(Pane::Consent),
            [ch('s')],
            C::FilterSite,
            "filter by site (cycles)",
            false
        ),
        b!(
            Ctx::Pane(Pane::Consent),
            [ch('x')],
            C::ClearFilters,
            "clear filters and search",
            false
        ),
        b!(
            Ctx::Pane(Pane::Consent),
            [ch('r')],
            C::RecordConsent,
            "record a consent form",
            true
        ),
        b!(
            Ctx::Pane(Pane::Consent),
            [ch('w')],
            C::Withdraw,
            "record a withdrawal (asks to confirm)",
            true
        ),
    ];
}
