//! Themes: the codebook tree with tag counts, and the sessions behind the selected theme.

pub mod state;

use crate::service::{Fieldwork, Result};
use crate::tui::worker::Work;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::panel;
use crate::domain::{format_date, ThemeStatus};
use crate::tui::core::keys::Cmd;
use crate::tui::core::*;
use crate::tui::core::{page_top, State};
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::text::{esc, fit, pii_opt, MASK};

pub fn render(s: &State, area: Rect, buf: &mut Buffer) {
    let th = &s.theme;
    let [tree, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
    let [target, tags, quotes] = Layout::vertical([
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
                s.themes.list.len(),
                if s.themes.show_all { ", all" } else { "" },
                super::find_label(s)
            ),
            th.title(),
        ));
    let inner = block.inner(tree);
    block.render(tree, buf);
    let h = inner.height as usize;
    let top = page_top(s.themes.sel, h);
    let mut lines = Vec::new();
    for (i, t) in s.themes.list.iter().enumerate().skip(top).take(h) {
        let mark = if s.themes.marked.contains(&t.id) {
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
        if i == s.themes.sel {
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
    let tl = match s.sessions.list.current() {
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
    panel("t tags this session", tl, target, buf, th);
    let mut ls: Vec<Line<'static>> = Vec::new();
    for t in s
        .themes
        .tags
        .iter()
        .take(tags.height.saturating_sub(2) as usize)
    {
        ls.push(Line::raw(format!(
            "{}  session {}  by {}  {}",
            esc(&t.session_date),
            t.session_id.chars().take(8).collect::<String>(),
            esc(&t.created_by),
            pii_opt(s.privacy, t.memo.as_deref())
        )));
    }
    if ls.is_empty() {
        ls.push(Line::styled(
            "No sessions tagged with this theme.",
            th.dim(),
        ));
    }
    let name = s.current_theme().map(|t| esc(&t.path)).unwrap_or_default();
    panel(&format!("Sessions behind {name}"), ls, tags, buf, th);
    quotes_panel(s, quotes, buf);
}

/// The theme's tagged passages with their attribution label; those whose participant's
/// consent does not cover anonymised quotes are marked and never exported.
fn quotes_panel(s: &State, area: Rect, buf: &mut Buffer) {
    let th = &s.theme;
    let q = &s.coding.quotes;
    let f = &s.coding.quote_filter;
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
        let text = if s.privacy {
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
    let filter = s.coding.quote_filter.clone();
    Box::new(move |fw| {
        let (tags, quotes) = match id {
            Some(id) => (fw.tags(None, Some(&id), 0, 200)?, fw.quotes(&id, &filter)?),
            None => (Vec::new(), Vec::new()),
        };
        Ok(Box::new(move |s: &mut State| {
            s.themes.tags = tags;
            s.coding.quotes = quotes;
        }))
    })
}

/// The Themes pane's commands (bound in `keys`): state changes and at most one effect.
pub fn command(s: &mut State, cmd: Cmd) -> Option<Effect> {
    match cmd {
        Cmd::AddTheme => {
            let fws = s.themes.list.iter().map(|t| t.framework.clone()).fold(
                Vec::<String>::new(),
                |mut v, f| {
                    if !v.contains(&f) {
                        v.push(f);
                    }
                    v
                },
            );
            let parents = with_unset(s.active_theme_options(), "top level");
            let cur_fw = s
                .current_theme()
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
            s.open_form(FormKind::AddTheme, f);
            None
        }
        Cmd::RenameTheme => {
            let t = s.current_theme()?;
            let (id, name, path) = (t.id.clone(), t.name.clone(), t.path.clone());
            let f = Form::new(
                format!("Rename {path}"),
                vec![Field::text("name", "New name").required().with(name)],
            );
            s.open_form(FormKind::RenameTheme { id }, f);
            None
        }
        Cmd::MergeTheme => {
            let t = s.current_theme()?;
            let id = t.id.clone();
            let path = t.path.clone();
            let targets: Vec<(String, String)> = s
                .themes
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
            s.open_form(FormKind::MergeTheme { id }, f);
            None
        }
        Cmd::RetireTheme => {
            let t = s.current_theme()?;
            let q = format!("Retire the theme {}? Its {} tag(s) are kept; it can no longer be used for tagging.", t.path, t.tag_count);
            s.ask(q, Write::RetireTheme { id: t.id.clone() });
            None
        }
        Cmd::TagSession => {
            let Some(sess) = s.sessions.list.current() else {
                s.error("select a session in the Sessions pane (3) first");
                return None;
            };
            let themes = if s.themes.marked.is_empty() {
                s.current_theme()
                    .map(|t| vec![t.id.clone()])
                    .unwrap_or_default()
            } else {
                s.themes.marked.clone()
            };
            if themes.is_empty() {
                s.error("no theme selected");
                return None;
            }
            s.themes.marked.clear();
            Some(Effect::Write(Write::Tag {
                session: sess.id.clone(),
                themes,
            }))
        }
        Cmd::ShowAllThemes => {
            s.themes.show_all = !s.themes.show_all;
            s.themes.sel = 0;
            Some(Effect::Load(Pane::Themes))
        }
        _ => None,
    }
}

/// Mark or unmark the selected theme (for a merge); `app` then moves down.
pub fn mark(s: &mut State) {
    if let Some(t) = s.current_theme() {
        let id = t.id.clone();
        if let Some(i) = s.themes.marked.iter().position(|m| *m == id) {
            s.themes.marked.remove(i);
        } else {
            s.themes.marked.push(id);
        }
    }
}

/// Its forms, submitted: the write they ask for.
pub fn submit(s: &mut State, kind: FormKind, f: Form) -> Option<Effect> {
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
                s.themes
                    .list
                    .iter()
                    .find(|t| t.id == x)
                    .map(|t| t.path.clone())
                    .unwrap_or_default()
            };
            let q = format!(
                "Merge {} into {}? Its tags and sub-themes move; a merge cannot be undone.",
                name(&id),
                name(&into)
            );
            s.ask(q, Write::MergeTheme { from: id, into });
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
            C::Coding(CodingCmd::QuoteSite),
            "quotes: filter by site (cycles)",
            false
        ),
        b!(
            Ctx::Pane(Pane::Themes),
            [ch('p')],
            C::Coding(CodingCmd::QuotePhase),
            "quotes: filter by phase (cycles)",
            false
        ),
        b!(
            Ctx::Pane(Pane::Themes),
            [ch('c')],
            C::Coding(CodingCmd::QuoteCategory),
            "quotes: filter by role category (cycles)",
            false
        ),
    ];
}
