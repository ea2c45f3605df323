//! Participants: the list with filters and search, and the selected one's detail.

pub mod io;
pub mod state;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

use super::{filters, panel};
use crate::domain::{format_date, ConsentItem, ItemState};
use crate::domain::{Participant, ParticipantInput, Status};
use crate::service::consent::ConsentRow;
use crate::service::Reference;
use crate::tui::core::keys::Cmd;
use crate::tui::core::*;
use crate::tui::core::{Cx, Look};
use crate::tui::theme::Theme;
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::table::{cell, VTable};
use crate::tui::widgets::text::{esc, pii, pii_opt};
use state::ParticipantsState;

/// A one-glance consent badge: take part / audio, or the withdrawal.
pub fn badge(c: Option<&ConsentRow>, theme: &Theme) -> (String, ratatui::style::Style) {
    let Some(c) = c else {
        return ("?".into(), theme.dim());
    };
    if let Some(w) = c.withdrawn {
        return (
            format!("withdrawn ({})", w.as_str().split('-').next().unwrap_or("")),
            theme.bad(),
        );
    }
    if c.records == 0 {
        return ("none".into(), theme.dim());
    }
    let item = |i: ConsentItem| {
        c.items
            .iter()
            .find(|(x, _)| *x == i)
            .map(|(_, s)| *s)
            .unwrap_or(ItemState::Unset)
    };
    let tp = item(ConsentItem::TakePart);
    let au = item(ConsentItem::Audio);
    let mark = |s: ItemState| match s {
        ItemState::Yes => "✓",
        ItemState::No => "✗",
        ItemState::NotAsked => "–",
        ItemState::Unset => "·",
        ItemState::Withdrawn => "W",
    };
    let style = if tp == ItemState::Yes {
        theme.ok()
    } else {
        theme.bad()
    };
    (format!("part {} audio {}", mark(tp), mark(au)), style)
}

pub fn render(v: &Look, st: &ParticipantsState, area: Rect, buf: &mut Buffer) {
    // The detail panel only when there is room for both.
    let split = if area.width >= 100 { 64 } else { 100 };
    let [list, detail] = Layout::horizontal([
        Constraint::Percentage(split),
        Constraint::Percentage(100 - split),
    ])
    .areas(area);
    let f = &st.filter;
    let title = format!(
        " Participants {}/{}{}{} ",
        if st.list.total == 0 {
            0
        } else {
            st.list.selected + 1
        },
        st.list.total,
        filters(&[
            ("site", f.site.clone()),
            ("category", f.role_category.clone()),
            ("status", f.status.map(|x| x.to_string())),
            ("phase", f.phase.map(|x| x.to_string())),
        ]),
        v.search_label(f.search.as_deref()),
    );
    let t = VTable {
        title,
        header: vec![
            "Code",
            "Name",
            "Category › role",
            "Site",
            "Status",
            "Phases",
            "Consent",
        ],
        widths: vec![
            Constraint::Length(6),
            Constraint::Fill(2),
            Constraint::Fill(3),
            Constraint::Length(4),
            Constraint::Length(11),
            Constraint::Length(6),
            Constraint::Length(16),
        ],
        focused: true,
    };
    let th = v.theme;
    t.render(&st.list, list, buf, th, |r| {
        let p = &r.p;
        let (b, bs) = badge(r.consent.as_ref(), th);
        vec![
            cell(p.code.clone(), th.key()),
            cell(pii(v.privacy, &p.name), Default::default()),
            cell(
                format!("{} › {}", esc(&p.role_category_name), esc(&p.role_name)),
                Default::default(),
            ),
            cell(esc(&p.site), Default::default()),
            cell(p.status.to_string(), Default::default()),
            cell(
                p.phases_interviewed
                    .iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
                Default::default(),
            ),
            cell(b, bs),
        ]
    });
    let mut lines: Vec<Line<'static>> = Vec::new();
    match &st.detail {
        None if st.list.current().is_some() => lines.push(Line::styled("Loading…", th.dim())),
        None => lines.push(Line::styled(
            "No participant selected. a adds one.",
            th.dim(),
        )),
        Some(d) => {
            let p = &d.participant;
            let kv = |k: &str, v: String| {
                Line::from(vec![
                    Span::styled(format!("{k:<13}"), th.dim()),
                    Span::raw(v),
                ])
            };
            lines.push(Line::styled(
                format!("{}  {}", p.code, pii(v.privacy, &p.name)),
                th.title(),
            ));
            lines.push(kv(
                "site",
                format!("{} – {}", esc(&p.site), esc(&p.site_name)),
            ));
            lines.push(kv(
                "role",
                format!("{} › {}", esc(&p.role_category_name), esc(&p.role_name)),
            ));
            lines.push(kv("status", p.status.to_string()));
            lines.push(kv("email", pii_opt(v.privacy, p.email.as_deref())));
            lines.push(kv("phone", pii_opt(v.privacy, p.phone.as_deref())));
            lines.push(kv(
                "organisation",
                pii_opt(v.privacy, p.organisation.as_deref()),
            ));
            lines.push(kv("job title", pii_opt(v.privacy, p.job_title.as_deref())));
            lines.push(kv("notes", pii_opt(v.privacy, p.notes.as_deref())));
            let items: Vec<Span> = ConsentItem::ALL
                .iter()
                .flat_map(|i| {
                    let st = d.consent.item(*i);
                    vec![
                        Span::raw(format!("{}:", i.as_str())),
                        Span::styled(format!("{} ", st.as_str()), th.consent(st.as_str())),
                    ]
                })
                .collect();
            lines.push(Line::styled("Consent in force today", th.header()));
            lines.push(Line::from(items));
            lines.push(Line::styled("Status history", th.header()));
            for e in d.history.iter().rev() {
                lines.push(Line::raw(format!(
                    "{}  {} → {}  {}",
                    format_date(e.date),
                    e.from_status
                        .map(|x| x.to_string())
                        .unwrap_or_else(|| "·".into()),
                    e.to_status,
                    pii_opt(v.privacy, e.note.as_deref())
                )));
            }
            lines.push(Line::styled(
                format!("Sessions ({})", d.sessions.len()),
                th.header(),
            ));
            for x in d.sessions.iter().take(8) {
                lines.push(Line::raw(format!(
                    "{}  {} {}  phase {}",
                    format_date(x.date),
                    x.kind,
                    x.status,
                    x.phase
                )));
            }
        }
    }
    if detail.width > 0 {
        panel("Detail", lines, detail, buf, th);
    }
}

/// The Participants pane's commands (bound in `keys`): state changes and at most one effect.
pub fn command(cx: &mut Cx, st: &mut ParticipantsState, cmd: Cmd) -> Option<Effect> {
    match cmd {
        Cmd::FilterSite => st.filter.site = cycle(&st.filter.site, &cx.site_codes()),
        Cmd::FilterCategory => {
            st.filter.role_category = cycle(&st.filter.role_category, &cx.category_codes())
        }
        Cmd::FilterStatus => st.filter.status = cycle(&st.filter.status, Status::ALL),
        Cmd::FilterPhase => st.filter.phase = cycle(&st.filter.phase, &cx.phase_numbers()),
        Cmd::ClearFilters => st.filter = Default::default(),
        Cmd::Delete => {
            let Some(r) = st.list.current() else {
                cx.error("no participant selected");
                return None;
            };
            let (id, code) = (r.p.id.clone(), r.p.code.clone());
            let with_dependents = cx.delete_again == Some(id.as_str());
            let q = if with_dependents {
                format!("Delete participant {code} AND the records that depend on them (their status history, matrix summaries, register entry; they leave their sessions)? The audit log keeps what goes; u puts it back.")
            } else {
                format!("Delete participant {code}, added by mistake? The audit log keeps it and u puts it back; refused if other records depend on them.")
            };
            cx.ask(
                q,
                Write::DeleteParticipant {
                    id,
                    with_dependents,
                },
            );
            return None;
        }
        Cmd::AddParticipant => {
            let f = participant_form(cx.reference, None, "Add a participant");
            cx.open_form(FormKind::AddParticipant, f);
            return None;
        }
        Cmd::EditParticipant => {
            let Some(r) = st.list.current() else {
                cx.error("no participant selected");
                return None;
            };
            let id = r.p.id.clone();
            let f = participant_form(
                cx.reference,
                Some(&r.p),
                &format!("Edit participant {}", r.p.code),
            );
            cx.open_form(FormKind::EditParticipant { id }, f);
            return None;
        }
        Cmd::ChangeStatus => {
            let Some(r) = st.list.current() else {
                cx.error("no participant selected");
                return None;
            };
            let statuses: Vec<Status> = Status::ALL
                .iter()
                .copied()
                .filter(|x| *x != Status::Withdrawn)
                .collect();
            let f = Form::new(
                format!("Status of {} (now {})", r.p.code, r.p.status),
                vec![
                    Field::choice("status", "New status", opts(&statuses))
                        .with(r.p.status.as_str()),
                    Field::date("date", "Date", Some(crate::domain::today())).required(),
                    Field::text("note", "Note").pii(),
                ],
            );
            let id = r.p.id.clone();
            // Opened on the status the list shows (even one the choices leave out).
            let mut f = f;
            f.rebase("status", r.p.status.as_str());
            cx.open_form(FormKind::Status { id }, f);
            return None;
        }
        _ => return None,
    }
    // A filter changed: back to the top, reloaded.
    st.list = Paged::default();
    Some(Effect::Load(Pane::Participants))
}

fn participant_form(r: &Reference, p: Option<&Participant>, title: &str) -> Form {
    let sites = r
        .sites
        .iter()
        .map(|x| (x.code.clone(), format!("{} – {}", x.code, x.name)))
        .collect();
    let roles = r
        .roles
        .iter()
        .map(|x| (x.code.clone(), format!("{} › {}", x.category_name, x.name)))
        .collect();
    let v = |o: Option<&String>| o.cloned().unwrap_or_default();
    let mut f = vec![
        Field::text("name", "Name").required().pii(),
        Field::choice("site", "Site", sites),
        Field::choice("role", "Role", roles),
        Field::text("email", "Email").pii(),
        Field::text("phone", "Phone").pii(),
        Field::text("organisation", "Organisation").pii(),
        Field::text("job title", "Job title").pii(),
        Field::text("notes", "Notes").pii(),
    ];
    if p.is_none() {
        // A second holder of a post unique at a site is refused unless the user says both
        // really hold it (the command line's --allow-duplicate-unique-role).
        f.push(Field::choice(
            "allow_duplicate",
            "Unique post",
            vec![
                ("no".into(), "refuse a second holder at the site".into()),
                ("yes".into(), "both really hold it: allow (audited)".into()),
            ],
        ));
    }
    if let Some(p) = p {
        f[0].value = p.name.clone();
        f[1] = f[1].clone().with(p.site.clone());
        f[2] = f[2].clone().with(p.role.clone());
        f[3].value = v(p.email.as_ref());
        f[4].value = v(p.phone.as_ref());
        f[5].value = v(p.organisation.as_ref());
        f[6].value = v(p.job_title.as_ref());
        f[7].value = v(p.notes.as_ref());
    }
    Form::new(title, f)
}

fn participant_input(f: &Form) -> ParticipantInput {
    ParticipantInput {
        name: Some(f.get("name")),
        email: Some(f.get("email")),
        phone: Some(f.get("phone")),
        organisation: Some(f.get("organisation")),
        job_title: Some(f.get("job title")),
        role: Some(f.get("role")),
        site: Some(f.get("site")),
        notes: Some(f.get("notes")),
        status: None,
        allow_duplicate_unique_role: f.get("allow_duplicate") == "yes",
    }
}

/// The participant's current values, as an edit that restores them.
pub fn input_of(p: &Participant) -> ParticipantInput {
    let v = |o: &Option<String>| Some(o.clone().unwrap_or_default());
    ParticipantInput {
        name: Some(p.name.clone()),
        email: v(&p.email),
        phone: v(&p.phone),
        organisation: v(&p.organisation),
        job_title: v(&p.job_title),
        role: Some(p.role.clone()),
        site: Some(p.site.clone()),
        notes: v(&p.notes),
        status: None,
        allow_duplicate_unique_role: false,
    }
}

/// Its forms, submitted: the write they ask for.
pub fn submit(kind: FormKind, f: Form) -> Option<Effect> {
    let w = match kind {
        FormKind::AddParticipant => Write::AddParticipant(ParticipantInput {
            status: None,
            ..participant_input(&f)
        }),
        FormKind::EditParticipant { id } => {
            // Only the fields the user changed; the values the form opened with undo them.
            let changed = |key: &str| edited(&f, key).then(|| f.get(key));
            let was = |key: &str| {
                edited(&f, key).then(|| f.opened_value(key).unwrap_or_default().to_string())
            };
            let pick = |g: &dyn Fn(&str) -> Option<String>| ParticipantInput {
                name: g("name"),
                email: g("email"),
                phone: g("phone"),
                organisation: g("organisation"),
                job_title: g("job title"),
                role: g("role"),
                site: g("site"),
                notes: g("notes"),
                status: None,
                allow_duplicate_unique_role: false,
            };
            Write::EditParticipant {
                id,
                input: pick(&changed),
                before: Some(pick(&was)),
                opened: Some(version_of(&f)),
            }
        }
        FormKind::Status { id } => {
            // The status the form was opened on: the version, and what undo goes back to.
            let before = f.opened_value("status").and_then(|v| v.parse().ok());
            Write::SetStatus {
                id,
                status: f.get("status").parse().unwrap_or(Status::Identified),
                date: f.date("date"),
                note: f.opt("note"),
                before,
            }
        }
        _ => return None,
    };
    Some(Effect::Write(w))
}

/// The Participants pane's keys (assembled by `keymap`, in the order the help shows them).
pub mod keys {
    #![allow(unused_imports)]
    use ratatui::crossterm::event::KeyCode as K;

    use crate::tui::core::keys::{b, ch, code, ctrl, Binding, Cmd as C, Ctx};
    use crate::tui::core::pane::Pane;
    use crate::tui::panes::coding::state::CodingCmd;

    pub static KEYS: &[Binding] = &[
        // Participants
        b!(
            Ctx::Pane(Pane::Participants),
            [ch('/')],
            C::Search,
            "search (name, code, organisation, job title) as you type",
            true
        ),
        b!(
            Ctx::Pane(Pane::Participants),
            [ch('s')],
            C::FilterSite,
            "filter by site (cycles)",
            true
        ),
        b!(
            Ctx::Pane(Pane::Participants),
            [ch('c')],
            C::FilterCategory,
            "filter by role category (cycles)",
            false
        ),
        b!(
            Ctx::Pane(Pane::Participants),
            [ch('f')],
            C::FilterStatus,
            "filter by recruitment status (cycles)",
            false
        ),
        b!(
            Ctx::Pane(Pane::Participants),
            [ch('p')],
            C::FilterPhase,
            "filter by phase interviewed (cycles)",
            false
        ),
        b!(
            Ctx::Pane(Pane::Participants),
            [ch('x')],
            C::ClearFilters,
            "clear filters and search",
            false
        ),
        b!(
            Ctx::Pane(Pane::Participants),
            [ch('a')],
            C::AddParticipant,
            "add a participant",
            true
        ),
        b!(
            Ctx::Pane(Pane::Participants),
            [ch('e')],
            C::EditParticipant,
            "edit the participant",
            true
        ),
        b!(
            Ctx::Pane(Pane::Participants),
            [ch('t')],
            C::ChangeStatus,
            "change recruitment status",
            true
        ),
        b!(
            Ctx::Pane(Pane::Participants),
            [ch('r')],
            C::RecordConsent,
            "record consent for the participant",
            false
        ),
        b!(
            Ctx::Pane(Pane::Participants),
            [ch('i')],
            C::LogInterview,
            "log an interview with the participant",
            false
        ),
        b!(
            Ctx::Pane(Pane::Participants),
            [code(K::Delete)],
            C::Delete,
            "delete the selected participant, added by mistake (asks; refused while other records depend on them, then Delete again offers to delete those too; never with consent records)",
            false
        ),
    ];
}
