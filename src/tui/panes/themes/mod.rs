//! Themes: the codebook tree with tag counts, and the sessions behind the selected theme.

pub mod state;

use crate::service::{Fieldwork, Result};
use crate::tui::worker::Work;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::panel;
use crate::domain::Session;
use crate::domain::{format_date, ThemeStatus};
use crate::tui::core::keys::Cmd;
use crate::tui::core::*;
use crate::tui::core::{page_top, Cx, Look, State};
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::text::{esc, fit, pii_opt, MASK};
use state::ThemesState;

/// `target`: the session selected in Sessions, which `t` tags.
pub fn render(v: &Look, st: &ThemesState, target: Option<&Session>, area: Rect, buf: &mut Buffer) {
    let th = v.theme;
    let [tree, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
    let [target_area, tags, quotes] = Layout::vertical([
        Constraint::Length(4),
        Constraint::Percentage(35),
        Constraint::Min(4),
    ])
    .areas(right);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.focus_border())
        .title(Line::styled(
            format!(
                " Codebook ({} themes{}){} ",
                st.list.len(),
                if st.show_all { ", all" } else { "" },
                v.find_label()
            ),
            th.title(),
        ));
    let inner = block.inner(tree);
    block.render(tree, buf);
    let h = inner.height as usize;
    let top = page_top(st.sel, h);
    let mut lines = Vec::new();
    for (i, t) in st.list.iter().enumerate().skip(top).take(h) {
        let mark = if st.marked.contains(&t.id) {
            "[x] "
        } else {
            "[ ] "
        };
        let status = match t.status {
            ThemeStatus::Active => String::new(),
            other => format!(" ({other})"),
        };
        let label = format!(
            "{}{}{}{}",
            "  ".repeat(t.depth),
            if t.depth == 0 { "▸ " } else { "· " },
            esc(&t.name),
            status
        );
        let mut style = if t.status == ThemeStatus::Active {
            ratatui::style::Style::new()
        } else {
            th.dim()
        };
        if i == st.sel {
            style = th.selected();
        }
        let fw = if t.depth == 0 {
            format!("  {}", esc(&t.framework))
        } else {
            String::new()
        };
        lines.push(Line::from(vec![
            Span::styled(mark, th.key()),
            Span::styled(label, style),
            Span::styled(format!("  {}", t.tag_count), th.warn()),
            Span::styled(fw, th.dim()),
        ]));
    }
    Paragraph::new(lines).render(inner, buf);
    let tl = match target {
        Some(x) => vec![Line::raw(format!(
            "{} {} {} {}",
            format_date(x.date),
            x.kind,
            esc(&x.site),
            x.participants
                .iter()
                .map(|p| p.code.clone())
                .collect::<Vec<_>>()
                .join(", ")
        ))],
        None => vec![Line::styled("none: select one in Sessions (3)", th.dim())],
    };
    panel("t tags this session", tl, target_area, buf, th);
    let mut ls: Vec<Line<'static>> = Vec::new();
    for t in st.tags.iter().take(tags.height.saturating_sub(2) as usize) {
        ls.push(Line::raw(format!(
            "{}  session {}  by {}  {}",
            esc(&t.session_date),
            t.session_id.chars().take(8).collect::<String>(),
            esc(&t.created_by),
            pii_opt(v.privacy, t.memo.as_deref())
        )));
    }
    if ls.is_empty() {
        ls.push(Line::styled(
            "No sessions tagged with this theme.",
            th.dim(),
        ));
    }
    let name = st.current().map(|t| esc(&t.path)).unwrap_or_default();
    panel(&format!("Sessions behind {name}"), ls, tags, buf, th);
    quotes_panel(v, st, quotes, buf);
}

/// The theme's tagged passages with their attribution label; those whose participant's
/// consent does not cover anonymised quotes are marked and never exported.
fn quotes_panel(v: &Look, st: &ThemesState, area: Rect, buf: &mut Buffer) {
    let th = v.theme;
    let q = &st.quotes;
    let f = &st.quote_filter;
    let filt = super::filters(&[
        ("site", f.site.clone()),
        ("phase", f.phase.map(|p| p.to_string())),
        ("role", f.role_category.clone()),
    ]);
    let w = area.width.saturating_sub(4) as usize;
    let mut ls: Vec<Line<'static>> = Vec::new();
    for x in q.iter() {
        let text = x
            .passage
            .quote
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let text = if v.privacy {
            MASK.to_string()
        } else {
            esc(&text)
        };
        let label = if x.allowed {
            Span::styled(format!("[{}] ", esc(&x.attribution)), th.ok())
        } else {
            Span::styled(
                format!(
                    "[not for export: {}] ",
                    x.reason.as_deref().unwrap_or("no consent for quotes")
                ),
                th.bad(),
            )
        };
        ls.push(Line::from(vec![
            label,
            Span::raw(fit(&format!("“{text}”"), w)),
        ]));
    }
    if ls.is_empty() {
        ls.push(Line::styled(
            "No tagged passages: tag them in the Viewer (8).",
            th.dim(),
        ));
    }
    let allowed = q.iter().filter(|x| x.allowed).count();
    panel(
        &format!(
            "Quotes ({} of {} exportable){filt} · s/p/c filter",
            allowed,
            q.len()
        ),
        ls,
        area,
        buf,
        th,
    );
}

/// Load the pane: the tree (from the database; it is small), then its detail.
pub fn load(fw: &Fieldwork, s: &mut State) -> Result<()> {
    s.themes.list = fw.themes(s.themes.show_all)?;
    s.themes.sel = s.themes.sel.min(s.themes.list.len().saturating_sub(1));
    // A theme's tags and quotes (with each quote's consent) grow with the corpus:
    // computed by the load worker; the last theme's stay on screen meanwhile.
    s.queue(Slow::Detail(Pane::Themes), true);
    Ok(())
}

/// The selected theme's detail (`Slow::Detail(Pane::Themes)`): its tags and quotes.
pub fn detail_work(s: &State) -> Work {
    let id = s.current_theme().map(|t| t.id.clone());
    let filter = s.themes.quote_filter.clone();
    Box::new(move |fw| {
        let (tags, quotes) = match id {
            Some(id) => (fw.tags(None, Some(&id), 0, 200)?, fw.quotes(&id, &filter)?),
            None => (Vec::new(), Vec::new()),
        };
        Ok(Box::new(move |s: &mut State| {
            s.themes.tags = tags;
            s.themes.quotes = quotes;
        }))
    })
}

/// The Themes pane's commands (bound in `keys`): state changes and at most one effect.
///
/// `session`: the session selected in Sessions, which `t` tags.
pub fn command(
    cx: &mut Cx,
    st: &mut ThemesState,
    session: Option<String>,
    cmd: Cmd,
) -> Option<Effect> {
    match cmd {
        Cmd::AddTheme => {
            let fws = st.list.iter().map(|t| t.framework.clone()).fold(
                Vec::<String>::new(),
                |mut v, f| {
                    if !v.contains(&f) {
                        v.push(f);
                    }
                    v
                },
            );
            let parents = with_unset(st.active_options(), "top level");
            let cur_fw = st
                .current()
                .map(|t| t.framework.clone())
                .unwrap_or_default();
            let f = Form::new(
                "Add a theme",
                vec![
                    Field::text("name", "Name").required(),
                    Field::choice(
                        "framework",
                        "Framework",
                        fws.into_iter().map(|f| (f.clone(), f)).collect(),
                    )
                    .with(cur_fw),
                    Field::choice("parent", "Under", parents),
                ],
            );
            cx.open_form(FormKind::AddTheme, f);
            None
        }
        Cmd::RenameTheme => {
            let t = st.current()?;
            let (id, name, path) = (t.id.clone(), t.name.clone(), t.path.clone());
            let f = Form::new(
                format!("Rename {path}"),
                vec![Field::text("name", "New name").required().with(name)],
            );
            cx.open_form(FormKind::RenameTheme { id }, f);
            None
        }
        Cmd::MergeTheme => {
            let t = st.current()?;
            let id = t.id.clone();
            let path = t.path.clone();
            let targets: Vec<(String, String)> = st
                .list
                .iter()
                .filter(|x| {
                    x.status == ThemeStatus::Active
                        && x.id != id
                        && !x.path.starts_with(&format!("{path}/"))
                })
                .map(|x| (x.id.clone(), x.path.clone()))
                .collect();
            let f = Form::new(
                format!("Merge {path} into…"),
                vec![Field::choice("into", "Into", targets)],
            );
            cx.open_form(FormKind::MergeTheme { id }, f);
            None
        }
        Cmd::RetireTheme => {
            let t = st.current()?;
            let q = format!("Retire the theme {}? Its {} tag(s) are kept; it can no longer be used for tagging.", t.path, t.tag_count);
            cx.ask(q, Write::RetireTheme { id: t.id.clone() });
            None
        }
        Cmd::TagSession => {
            let Some(session) = session else {
                cx.error("select a session in the Sessions pane (3) first");
                return None;
            };
            let themes = if st.marked.is_empty() {
                st.current().map(|t| vec![t.id.clone()]).unwrap_or_default()
            } else {
                st.marked.clone()
            };
            if themes.is_empty() {
                cx.error("no theme selected");
                return None;
            }
            st.marked.clear();
            Some(Effect::Write(Write::Tag { session, themes }))
        }
        Cmd::QuoteSite => {
            st.quote_filter.site = cycle(&st.quote_filter.site, &cx.site_codes());
            Some(Effect::Detail(Pane::Themes))
        }
        Cmd::QuotePhase => {
            st.quote_filter.phase = cycle(&st.quote_filter.phase, &cx.phase_numbers());
            Some(Effect::Detail(Pane::Themes))
        }
        Cmd::QuoteCategory => {
            let all = cx.category_codes();
            st.quote_filter.role_category = cycle(&st.quote_filter.role_category, &all);
            Some(Effect::Detail(Pane::Themes))
        }
        Cmd::ShowAllThemes => {
            st.show_all = !st.show_all;
            st.sel = 0;
            Some(Effect::Load(Pane::Themes))
        }
        _ => None,
    }
}

/// Its forms, submitted: the write they ask for.
pub fn submit(cx: &mut Cx, st: &ThemesState, kind: FormKind, f: Form) -> Option<Effect> {
    let w = match kind {
        FormKind::AddTheme => Write::AddTheme {
            name: f.get("name"),
            framework: f.opt("framework"),
            parent: f.opt("parent"),
        },
        FormKind::RenameTheme { id } => Write::RenameTheme {
            id,
            name: f.get("name"),
            before: f.opened_value("name").map(str::to_string),
            opened: Some(version_of(&f)),
        },
        FormKind::MergeTheme { id } => {
            let into = f.get("into");
            let name = |x: &str| {
                st.list
                    .iter()
                    .find(|t| t.id == x)
                    .map(|t| t.path.clone())
                    .unwrap_or_default()
            };
            let q = format!(
                "Merge {} into {}? Its tags and sub-themes move; u takes it back.",
                name(&id),
                name(&into)
            );
            cx.ask(q, Write::MergeTheme { from: id, into });
            return None;
        }
        _ => return None,
    };
    Some(Effect::Write(w))
}

/// The Themes pane's keys (assembled by `keymap`, in the order the help shows them).
pub mod keys {
    #![allow(unused_imports)]
    use ratatui::crossterm::event::KeyCode as K;

    use crate::tui::core::keys::{b, ch, code, ctrl, Binding, Cmd as C, Ctx};
    use crate::tui::core::pane::Pane;
    use crate::tui::panes::coding::state::CodingCmd;

    pub static KEYS: &[Binding] = &[
        // Themes
        b!(
            Ctx::Pane(Pane::Themes),
            [ch('/')],
            C::Search,
            "search: jump to the first theme whose path matches",
            false
        ),
        b!(
            Ctx::Pane(Pane::Themes),
            [ch(' ')],
            C::MarkTheme,
            "mark or unmark the theme for tagging",
            true
        ),
        b!(
            Ctx::Pane(Pane::Themes),
            [ch('t')],
            C::TagSession,
            "tag the session selected in Sessions with the marked themes",
            true
        ),
        b!(
            Ctx::Pane(Pane::Themes),
            [ch('a')],
            C::AddTheme,
            "add a theme",
            true
        ),
        b!(
            Ctx::Pane(Pane::Themes),
            [ch('r')],
            C::RenameTheme,
            "rename the theme",
            false
        ),
        b!(
            Ctx::Pane(Pane::Themes),
            [ch('M')],
            C::MergeTheme,
            "merge the theme into another (asks to confirm)",
            false
        ),
        b!(
            Ctx::Pane(Pane::Themes),
            [ch('X')],
            C::RetireTheme,
            "retire the theme (asks to confirm)",
            false
        ),
        b!(
            Ctx::Pane(Pane::Themes),
            [ch('A')],
            C::ShowAllThemes,
            "show or hide retired and merged themes",
            false
        ),
        b!(
            Ctx::Pane(Pane::Themes),
            [ch('s')],
            C::QuoteSite,
            "quotes: filter by site (cycles)",
            false
        ),
        b!(
            Ctx::Pane(Pane::Themes),
            [ch('p')],
            C::QuotePhase,
            "quotes: filter by phase (cycles)",
            false
        ),
        b!(
            Ctx::Pane(Pane::Themes),
            [ch('c')],
            C::QuoteCategory,
            "quotes: filter by role category (cycles)",
            false
        ),
    ];
}
