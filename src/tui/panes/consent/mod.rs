//! Consent: items in force per participant, the selected one's records and withdrawals,
//! and the problems list.

pub mod io;
pub mod state;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

use super::{filters, panel};
use crate::domain::{format_date, ConsentItem};
use crate::domain::{Answer, ConsentMode, WithdrawalScope};
use crate::service::consent::ConsentInput;
use crate::tui::core::keys::Cmd;
use crate::tui::core::*;
use crate::tui::core::{Cx, Look};
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::table::{cell, VTable};
use crate::tui::widgets::text::{esc, pii, pii_opt};
use state::ConsentState;

pub fn render(v: &Look, st: &ConsentState, area: Rect, buf: &mut Buffer) {
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(area);
    let [hist, probs] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(bottom);
    let th = v.theme;
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
        if st.list.total == 0 {
            0
        } else {
            st.list.selected + 1
        },
        st.list.total,
        filters(&[("site", st.filter.site.clone())]),
        v.search_label(st.filter.search.as_deref()),
    );
    VTable {
        title,
        header,
        widths,
        focused: true,
    }
    .render(&st.list, top, buf, th, |r| {
        let mut cells = vec![
            cell(r.code.clone(), th.key()),
            cell(pii(v.privacy, &r.name), Default::default()),
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
    match &st.records {
        None => lines.push(Line::styled("No participant selected.", th.dim())),
        Some(h) => {
            let (records, withdrawals) = (&h.records, &h.withdrawals);
            // A record entered in error stays in the history, struck through and saying so.
            let corrected = |id: &str| -> Option<Span<'static>> {
                h.correction(id).map(|c| {
                    Span::styled(
                        format!(
                            "  CORRECTED: entered in error — {} ({}, {})",
                            pii_opt(v.privacy, Some(&c.reason)),
                            esc(&c.corrected_by),
                            c.corrected_at.get(..10).unwrap_or(&c.corrected_at)
                        ),
                        th.warn(),
                    )
                })
            };
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
                        pii_opt(v.privacy, r.file_ref.as_deref())
                    )));
                }
                if let Some(c) = corrected(&r.id) {
                    for sp in spans.iter_mut() {
                        sp.style = th.dim().add_modifier(ratatui::style::Modifier::CROSSED_OUT);
                    }
                    spans.push(c);
                }
                events.push((r.date, Line::from(spans)));
            }
            for w in withdrawals {
                let text = format!(
                    "{}  WITHDRAWAL {}  {}",
                    format_date(w.date),
                    w.scope,
                    pii_opt(v.privacy, w.reason.as_deref())
                );
                let line = match corrected(&w.id) {
                    Some(c) => Line::from(vec![
                        Span::styled(
                            text,
                            th.dim().add_modifier(ratatui::style::Modifier::CROSSED_OUT),
                        ),
                        c,
                    ]),
                    None => Line::styled(text, th.bad()),
                };
                events.push((w.date, line));
            }
            events.sort_by_key(|e| std::cmp::Reverse(e.0));
            lines.extend(events.into_iter().map(|e| e.1));
        }
    }
    panel("History (newest first)", lines, hist, buf, th);
    let height = probs.height.saturating_sub(2) as usize;
    let mut pl: Vec<Line<'static>> = st
        .problems
        .iter()
        .take(height)
        .map(|p| {
            Line::from(vec![
                Span::styled(format!("{:<12}", p.label()), th.warn()),
                Span::raw(esc(&p.message)),
            ])
        })
        .collect();
    if st.problems_stale {
        pl.insert(0, Line::styled("Checking every participant…", th.dim()));
    } else if st.problems.is_empty() {
        pl.push(Line::styled("No consent problems.", th.ok()));
    }
    panel(
        &format!("Problems ({})", st.problems.len()),
        pl,
        probs,
        buf,
        th,
    );
}

/// The Consent pane's commands (bound in `keys`): state changes and at most one effect.
///
/// `who` is the participant selected in the pane the command came from (Participants or
/// Consent): (id, code).
pub fn command(
    cx: &mut Cx,
    st: &mut ConsentState,
    who: Option<(String, String)>,
    cmd: Cmd,
) -> Option<Effect> {
    match cmd {
        Cmd::FilterSite | Cmd::ClearFilters => {
            if cmd == Cmd::FilterSite {
                st.filter.site = cycle(&st.filter.site, &cx.site_codes());
            } else {
                st.filter = Default::default();
            }
            // Back to the top, reloaded.
            st.list = Paged::default();
            Some(Effect::Load(crate::tui::core::Pane::Consent))
        }
        Cmd::RecordConsent => {
            let Some((pid, code)) = who else {
                cx.error("no participant selected");
                return None;
            };
            let answers = with_unset(opts(Answer::ALL), "unset (not on the form)");
            let mut fields = vec![
                Field::date("date", "Date signed", Some(cx.default_date())).required(),
                Field::choice("mode", "Mode", opts(ConsentMode::ALL)),
                Field::text("form_version", "Form version")
                    .with(cx.reference.consent_form_version.clone()),
            ];
            for (key, label) in [
                ("take_part", "Take part"),
                ("audio", "Audio recording"),
                ("quotes", "Anonymised quotes"),
                ("archiving", "Archiving/sharing"),
                ("follow_up", "Follow-up contact"),
            ] {
                fields.push(Field::choice(key, label, answers.clone()));
            }
            fields.push(Field::text("file_ref", "Signed form ref").pii());
            cx.open_form(
                FormKind::Consent { pid },
                Form::new(format!("Record consent for {code}"), fields),
            );
            None
        }
        Cmd::Withdraw => {
            let Some((pid, code)) = who else {
                cx.error("no participant selected");
                return None;
            };
            let f = Form::new(
                format!("Withdrawal of {code}"),
                vec![
                    Field::choice("scope", "Scope", opts(WithdrawalScope::ALL)),
                    Field::date("date", "Date", Some(crate::domain::today())).required(),
                    Field::text("reason", "Reason").pii(),
                ],
            );
            cx.open_form(FormKind::Withdraw { pid }, f);
            None
        }
        _ => None,
    }
}

/// Its forms, submitted: the write they ask for.
pub fn submit(
    cx: &mut Cx,
    who: Option<(String, String)>,
    kind: FormKind,
    f: Form,
) -> Option<Effect> {
    let w = match kind {
        FormKind::Consent { pid } => Write::RecordConsent {
            pid,
            input: ConsentInput {
                date: f.date("date"),
                form_version: f.opt("form_version"),
                form_file: None,
                mode: f.get("mode").parse().ok(),
                taken_by: None,
                take_part: answer(&f, "take_part"),
                audio: answer(&f, "audio"),
                quotes: answer(&f, "quotes"),
                archiving: answer(&f, "archiving"),
                follow_up: answer(&f, "follow_up"),
                file_ref: f.opt("file_ref"),
            },
        },
        FormKind::Withdraw { pid } => {
            let scope: WithdrawalScope = f
                .get("scope")
                .parse()
                .unwrap_or(WithdrawalScope::NoFurtherContact);
            let code = who.map(|p| p.1).unwrap_or_default();
            let q = format!(
                "Record the withdrawal of {code} ({scope})? A withdrawal is permanent: it cannot be edited; u adds a correcting record that marks it entered in error."
            );
            cx.ask(
                q,
                Write::Withdraw {
                    pid,
                    scope,
                    date: f.date("date"),
                    reason: f.opt("reason"),
                },
            );
            return None;
        }
        _ => return None,
    };
    Some(Effect::Write(w))
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
