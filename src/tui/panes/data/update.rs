//! The Redaction and Export panes' `command` and form submission.

use crate::export::registry::{Export, PaneUse, EXPORTS};
use crate::service::redaction::IdentifierRow;
use crate::service::redaction::{Decision, SuspectGroup, KINDS};
use crate::tui::core::{clamp_move, Cx, Effect, FormKind, Mode, Pane, Slow, Write};
use crate::tui::panes::themes::state::ThemesState;
use crate::tui::widgets::form::{Field, Form};

use super::state::*;

/// Ask for a slow job after the next frame (once).
pub fn later(cx: &mut Cx, p: Pane) {
    cx.queue(Slow::Data(p), false);
}

/// Recompute the suspects after the frame, and say so.
pub fn recompute_suspects(cx: &mut Cx, st: &mut DataState) {
    st.red.computing = true;
    later(cx, Pane::Redaction);
}

/// Recompute the preview of the selected export after the frame.
pub fn recompute_preview(cx: &mut Cx, st: &mut DataState) {
    st.export.computing = true;
    st.export.written = None;
    later(cx, Pane::Export);
}

/// A character typed while the pane takes text (`Mode::Search` in Redaction).
pub fn text(st: &mut DataState, c: char) -> Option<Effect> {
    st.red.filter.push(c);
    st.red.reg_sel = 0;
    st.red.sus_sel = 0;
    None
}

pub fn backspace(st: &mut DataState) -> Option<Effect> {
    st.red.filter.pop();
    None
}

pub fn cancel_text(st: &mut DataState) -> Option<Effect> {
    st.red.filter.clear();
    None
}

/// `pane`: Redaction or Export.
pub fn move_sel(
    cx: &mut Cx,
    st: &mut DataState,
    pane: Pane,
    d: isize,
    abs: Option<usize>,
) -> Option<Effect> {
    match pane {
        Pane::Redaction => {
            let r = &mut st.red;
            if r.show_log {
                return None;
            }
            match r.focus {
                Focus::Register => {
                    let n = r.register_shown().len();
                    r.reg_sel = clamp_move(r.reg_sel, n, d, abs);
                }
                Focus::Suspects => {
                    let n = r.suspects_shown().len();
                    r.sus_sel = clamp_move(r.sus_sel, n, d, abs);
                }
            }
        }
        Pane::Export => {
            // PgUp/PgDn scroll the manifest of the export just written.
            if let Some(w) = st.export.written.as_mut() {
                if abs.is_none() && d.unsigned_abs() > 1 {
                    w.scroll = clamp_move(w.scroll, w.manifest.len() + w.files.len() + 3, d, None);
                    return None;
                }
            }
            let before = st.export.sel;
            st.export.sel = clamp_move(before, EXPORTS.len(), d, abs);
            if before != st.export.sel {
                st.export.written = None;
                if st.export.current_preview().is_none() {
                    recompute_preview(cx, st);
                }
            }
        }
        _ => {}
    }
    None
}

fn open(cx: &mut Cx, kind: DataForm, form: Form) {
    cx.open_form(FormKind::Data(kind), form);
}

fn kind_options() -> Vec<(String, String)> {
    KINDS
        .iter()
        .map(|k| (k.to_string(), k.to_string()))
        .collect()
}

fn identifier_options(st: &DataState) -> Vec<(String, String)> {
    st.red
        .register
        .iter()
        .map(|r| (r.id.clone(), format!("{} ({})", r.label, r.kind)))
        .collect()
}

/// A label not yet used in the register: `[Person 3]`, `[Place 1]`, …
pub fn next_label(register: &[IdentifierRow], kind: &str) -> String {
    let word = match kind {
        "person" => "Person",
        "organisation" => "Organisation",
        "place" => "Place",
        "programme" => "Programme",
        _ => "Identifier",
    };
    let mut n = register.iter().filter(|r| r.kind == kind).count() + 1;
    loop {
        let l = format!("[{word} {n}]");
        if !register.iter().any(|r| r.label.eq_ignore_ascii_case(&l)) {
            return l;
        }
        n += 1;
    }
}

/// The kind a suspect most likely is.
fn guess_kind(g: &SuspectGroup) -> &'static str {
    match g.reason.as_str() {
        "email" | "phone" | "date" => "other",
        "postcode" => "place",
        _ => "person",
    }
}

fn need_suspect(cx: &mut Cx, st: &mut DataState) -> Option<SuspectGroup> {
    if st.red.show_log {
        cx.error("the log is shown: l shows the suspects again");
        return None;
    }
    if st.red.focus != Focus::Suspects {
        st.red.focus = Focus::Suspects;
    }
    match st.red.current_suspect() {
        Some(g) => Some(g.clone()),
        None => {
            cx.error(if st.red.suspects.is_none() {
                "the suspects are not computed yet"
            } else {
                "no suspect selected"
            });
            None
        }
    }
}

/// The Redaction and Export panes' commands, in `pane`; `themes` gives the quotes export
/// its theme choices.
pub fn command(
    cx: &mut Cx,
    st: &mut DataState,
    pane: Pane,
    themes: &ThemesState,
    c: DataCmd,
) -> Option<Effect> {
    use DataCmd as C;
    match c {
        C::Focus => {
            let r = &mut st.red;
            r.focus = match r.focus {
                Focus::Register => Focus::Suspects,
                Focus::Suspects => Focus::Register,
            };
            None
        }
        C::Seed => Some(Effect::Data(DataEffect::Seed)),
        C::AddIdentifier => {
            let label = next_label(&st.red.register, "person");
            let f = Form::new(
                "Add an identifier to the register",
                vec![
                    Field::choice("kind", "Kind", kind_options()),
                    Field::text("label", "Label (replacement)")
                        .required()
                        .with(label),
                    Field::text("variant", "Original text").required().pii(),
                ],
            );
            open(cx, DataForm::AddIdentifier, f);
            None
        }
        C::AddVariant => {
            let Some(i) = st.red.current_identifier() else {
                cx.error("no identifier selected: S seeds the register, a adds one");
                return None;
            };
            let (id, label) = (i.id.clone(), i.label.clone());
            let f = Form::new(
                format!("Add a variant to {label}"),
                vec![
                    Field::text("variant", "Variant (spelling, title, initials)")
                        .required()
                        .pii(),
                ],
            );
            open(cx, DataForm::AddVariant { identifier: id }, f);
            None
        }
        C::AcceptVariant => {
            let g = need_suspect(cx, st)?;
            let r = &st.red;
            if r.register.is_empty() {
                cx.error("the register is empty: S seeds it, n makes a new identifier");
                return None;
            }
            let pick = g
                .near
                .as_deref()
                .and_then(|n| r.near_identifier(n))
                .or_else(|| r.current_identifier())
                .map(|i| i.id.clone())
                .unwrap_or_default();
            let f = Form::new(
                "Accept the suspect as a variant of an identifier",
                vec![
                    Field::text("text", "Suspect").pii().with(g.text.clone()),
                    Field::choice("identifier", "Identifier", identifier_options(st)).with(pick),
                ],
            );
            open(cx, DataForm::AcceptVariant { text: g.text }, f);
            None
        }
        C::AcceptNew => {
            let g = need_suspect(cx, st)?;
            let kind = guess_kind(&g);
            let label = next_label(&st.red.register, kind);
            let f = Form::new(
                "Accept the suspect as a new identifier",
                vec![
                    Field::text("text", "Suspect").pii().with(g.text.clone()),
                    Field::choice("kind", "Kind", kind_options()).with(kind),
                    Field::text("label", "Label (replacement)")
                        .required()
                        .with(label),
                ],
            );
            open(cx, DataForm::AcceptNew { text: g.text }, f);
            None
        }
        C::Allow => {
            // Allowing is corpus-wide (u undoes it): a one-field form confirms it.
            let g = need_suspect(cx, st)?;
            let f = Form::new(
                "Allow the suspect everywhere? Enter confirms, Esc changes nothing",
                vec![
                    Field::text("text", "Suspect").pii().with(g.text.clone()),
                    Field::choice(
                        "decision",
                        "Decision",
                        vec![(
                            "allow".into(),
                            "it identifies no one: never flag it again".into(),
                        )],
                    ),
                ],
            );
            open(cx, DataForm::Allow { text: g.text }, f);
            None
        }
        C::AllowNow => {
            // Allowing is corpus-wide (u undoes it): one key asks (y allows, n changes
            // nothing); then the selection stays where it is, on the next suspect.
            let g = need_suspect(cx, st)?;
            if !cx.confirmed {
                let shown = crate::tui::widgets::text::pii(cx.privacy, &g.text);
                cx.ask_cmd(
                    format!("Allow “{shown}” everywhere? It is never flagged again (u undoes it)."),
                    crate::tui::core::keys::Cmd::Data(DataCmd::AllowNow),
                );
                return None;
            }
            Some(Effect::Write(Write::Review {
                text: g.text,
                decision: Decision::Allow,
            }))
        }
        C::AllowClass => {
            let f = Form::new(
                "Allow a whole class of suspects? Enter confirms, Esc changes nothing",
                vec![Field::choice(
                    "class",
                    "Class",
                    vec![
                        (
                            "common-words".into(),
                            "capitalised common English words that are not given names".into(),
                        ),
                        ("places".into(), "the study's place names".into()),
                        (
                            "dates".into(),
                            "dates (quasi-identifiers: only if dates may be shared)".into(),
                        ),
                    ],
                )],
            );
            open(cx, DataForm::AllowClass, f);
            None
        }
        C::Log => {
            st.red.show_log = !st.red.show_log;
            None
        }
        C::Recompute => {
            if pane == Pane::Export {
                recompute_preview(cx, st);
                cx.info("recomputing the preview…");
            } else {
                recompute_suspects(cx, st);
                cx.info("recomputing the suspects…");
            }
            None
        }
        C::Filter => {
            // `/` starts a new filter.
            *cx.mode = Mode::Search;
            cancel_text(st)
        }
        C::Param => {
            let themes = themes.active_options();
            let phases = cx.phase_numbers();
            let e = st.export.export();
            let Some(a) = e.cycled() else {
                cx.info("this export has no parameter to change");
                return None;
            };
            let p = st.export.params_mut();
            match a.pane {
                PaneUse::Cycle { values, .. } => {
                    let i = p
                        .get(a.name)
                        .and_then(|v| values.iter().position(|x| *x == v))
                        .map_or(0, |i| (i + 1) % values.len());
                    p.set(a.name, values[i]);
                }
                PaneUse::Theme { .. } => {
                    let i = p
                        .get(a.name)
                        .and_then(|id| themes.iter().position(|x| x.0 == id))
                        .map_or(0, |i| (i + 1) % themes.len().max(1));
                    match themes.get(i) {
                        Some((id, path)) => p.set_shown(a.name, id.clone(), path.clone()),
                        None => p.unset(a.name),
                    }
                }
                PaneUse::Phase { .. } => {
                    let cur = p.get(a.name).and_then(|v| v.parse().ok());
                    match crate::tui::core::cycle(&cur, &phases) {
                        Some(n) => p.set(a.name, n.to_string()),
                        None => p.unset(a.name),
                    }
                }
                _ => {}
            }
            recompute_preview(cx, st);
            None
        }
        C::Write => {
            let e = st.export.export();
            let params = st.export.params().clone();
            let no_theme = e
                .params
                .iter()
                .any(|a| matches!(a.pane, PaneUse::Theme { .. }) && params.get(a.name).is_none());
            if no_theme {
                cx.error("choose a theme first: p cycles the themes");
                return None;
            }
            let formats: Vec<(String, String)> = e
                .formats
                .iter()
                .map(|f| (f.to_string(), f.to_string()))
                .collect();
            let mut fields = vec![
                Field::text("out", "Output path")
                    .required()
                    .with(default_path(e, e.formats[0])),
                Field::choice("format", "Format", formats),
                Field::choice(
                    "force",
                    "If it exists",
                    vec![
                        ("no".into(), "refuse".into()),
                        ("yes".into(), "overwrite".into()),
                    ],
                ),
            ];
            for a in e.params {
                if let PaneUse::Confirm { label, yes } = a.pane {
                    fields.push(Field::choice(
                        a.name,
                        label,
                        vec![("no".into(), "refuse".into()), ("yes".into(), yes.into())],
                    ));
                }
            }
            let title = format!("Write: {} ({})", e.title, e.describe(&params));
            let title = title.replace(" ()", "");
            open(
                cx,
                DataForm::Export {
                    export: e.name,
                    params,
                },
                Form::new(title, fields),
            );
            None
        }
    }
}

/// `./exports/NAME.ext` (a folder for transcripts and data packages).
pub fn default_path(e: &Export, format: &str) -> String {
    match format {
        "folder" => format!("./exports/{}", e.name),
        "datapackage" => format!("./exports/{}-datapackage", e.name),
        f => format!("./exports/{}.{f}", e.name),
    }
}

/// The output path with its extension following the chosen format: a path without an
/// extension gets one; the extension of another offered format is replaced.
pub fn path_for(e: &Export, out: &str, format: &str) -> String {
    if matches!(format, "folder" | "datapackage") {
        return out.to_string();
    }
    let p = std::path::Path::new(out);
    match p
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
    {
        None => format!("{out}.{format}"),
        Some(x) if x != format && e.formats.contains(&x.as_str()) => {
            p.with_extension(format).to_string_lossy().into_owned()
        }
        _ => out.to_string(),
    }
}

pub fn submit(cx: &mut Cx, d: DataForm, f: &Form) -> Option<Effect> {
    // The register's writes are ordinary writes (`Effect::Write`): on the one undo stack.
    let w = match d {
        DataForm::AddIdentifier => Write::AddIdentifier {
            kind: f.get("kind"),
            label: f.get("label"),
            variant: f.get("variant"),
        },
        DataForm::AddVariant { identifier } => Write::AddVariant {
            identifier,
            variant: f.get("variant"),
        },
        DataForm::AcceptVariant { text } => {
            let id = f.get("identifier");
            if id.is_empty() {
                if let Some((_, form)) = cx.form.as_mut() {
                    form.set_error("identifier", "choose an identifier");
                }
                return None;
            }
            Write::Review {
                text,
                decision: Decision::Variant(id),
            }
        }
        DataForm::AcceptNew { text } => Write::Review {
            text,
            decision: Decision::New {
                kind: f.get("kind"),
                label: f.get("label"),
            },
        },
        DataForm::Allow { text } => Write::Review {
            text,
            decision: Decision::Allow,
        },
        DataForm::AllowClass => Write::AllowClass {
            class: f.get("class"),
        },
        DataForm::Export { export, mut params } => {
            let Some(e) = crate::export::registry::find(export) else {
                cx.error(format!("no export named {export}"));
                return None;
            };
            let format = f.get("format");
            params.set("out", path_for(e, &f.get("out"), &format));
            params.set("format", format);
            let confirms = e
                .params
                .iter()
                .filter(|a| matches!(a.pane, PaneUse::Confirm { .. }))
                .map(|a| a.name);
            for name in std::iter::once("force").chain(confirms) {
                if f.get(name) == "yes" {
                    params.set(name, "true");
                }
            }
            return Some(Effect::Data(DataEffect::Export(ExportJob {
                export,
                params,
            })));
        }
    };
    Some(Effect::Write(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_format() {
        let k = crate::export::registry::find("participants").unwrap();
        assert_eq!(
            path_for(k, "./exports/participants.csv", "xlsx"),
            "./exports/participants.xlsx"
        );
        assert_eq!(path_for(k, "out/p", "json"), "out/p.json");
        assert_eq!(path_for(k, "out/p.tsv", "csv"), "out/p.tsv");
        let t = crate::export::registry::find("transcripts").unwrap();
        assert_eq!(path_for(t, "t", "folder"), "t");
    }

    #[test]
    fn labels_are_new() {
        assert_eq!(next_label(&[], "place"), "[Place 1]");
    }
}
