//! The Redaction and Export panes: their state and `command`. Pure like `app`: no IO;
//! `data_io` carries out what they ask through the service and export layers.
//!
//! Redaction: the register of identifiers (left) and the suspects nobody has reviewed yet
//! (right); a suspect is accepted as a variant of an identifier, as a new identifier, or
//! allowed (it identifies no one). The anonymisation log replaces the suspects on `l`.
//!
//! Export: the list of exports, a preview of the selected one (rows, suppressed cells,
//! warnings, refusals), a form that writes it with the function the CLI uses, and the
//! manifest read back from beside the written file.

use super::app::{clamp_move, Effect, FormKind, Mode, Pane, Slow, State};
use super::widgets::form::{Field, Form};
use crate::export::registry::{Export, PaneUse, Params, EXPORTS};
use crate::service::redaction::{Decision, SuspectGroup, KINDS};
use crate::service::redaction::{IdentifierRow, LogRow};

/// Commands of the Redaction and Export panes (bound in `keymap`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataCmd {
    /// Redaction: move the focus between the register and the suspects.
    Focus,
    /// Redaction: seed the register from participants, organisations, job titles, sites.
    Seed,
    /// Redaction: add an identifier by hand (a form).
    AddIdentifier,
    /// Redaction: add a variant to the selected identifier (a form).
    AddVariant,
    /// Redaction: accept the selected suspect as a variant of an identifier (a form with
    /// the near match or the selected identifier chosen).
    AcceptVariant,
    /// Redaction: accept the selected suspect as a new identifier (kind + label form).
    AcceptNew,
    /// Redaction: the suspect identifies no one: allow it everywhere (confirmed in a form).
    Allow,
    /// Redaction: allow the selected suspect at once (one key) and move on to the next.
    AllowNow,
    /// Redaction: allow a whole class of suspects (common words, the study's place names).
    AllowClass,
    /// Redaction: show the anonymisation log instead of the suspects, or back.
    Log,
    /// Redaction: recompute the suspects.
    Recompute,
    /// Redaction: type a filter for both lists.
    Filter,
    /// Export: cycle the selected export's parameter (k, threshold, theme, phase).
    Param,
    /// Export: write the selected export (a form for the path and format).
    Write,
}

/// What the Redaction and Export panes ask the loop to do.
#[derive(Debug, Clone)]
pub enum DataEffect {
    Seed,
    AddIdentifier {
        kind: String,
        label: String,
        variant: String,
    },
    AddVariant {
        identifier: String,
        variant: String,
    },
    /// Decide about a suspect text, corpus-wide.
    Review {
        text: String,
        decision: Decision,
    },
    /// Allow a whole class of suspects (`common-words`, `places`).
    AllowClass {
        class: String,
    },
    /// Write an export.
    Export(ExportJob),
}

/// One export to write: the registry entry's name and every parameter (the pane's, and
/// the form's `out`, `format`, `force` and confirmations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportJob {
    pub export: &'static str,
    pub params: Params,
}

/// Forms of the Redaction and Export panes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataForm {
    AddIdentifier,
    AddVariant {
        identifier: String,
    },
    AcceptVariant {
        text: String,
    },
    AcceptNew {
        text: String,
    },
    Allow {
        text: String,
    },
    AllowClass,
    Export {
        export: &'static str,
        params: Params,
    },
}

/// Which list of the Redaction pane has the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    Register,
    Suspects,
}

#[derive(Debug, Clone, Default)]
pub struct RedactionState {
    pub register: Vec<IdentifierRow>,
    pub reg_sel: usize,
    /// None until computed (the first time the pane is shown).
    pub suspects: Option<Vec<SuspectGroup>>,
    pub sus_sel: usize,
    /// The suspects are being recomputed (after the next frame).
    pub computing: bool,
    pub millis: u128,
    pub focus: Focus,
    pub show_log: bool,
    pub log: Vec<LogRow>,
    /// Typed filter (both lists, case-insensitive substring).
    pub filter: String,
}

/// Rows of the anonymisation log shown.
pub const LOG_ROWS: usize = 200;

impl RedactionState {
    fn matches(&self, text: &str) -> bool {
        let f = self.filter.trim().to_lowercase();
        f.is_empty() || text.to_lowercase().contains(&f)
    }

    /// Indices of the register entries shown (the filter applies).
    pub fn register_shown(&self) -> Vec<usize> {
        // Without a filter, every entry (a large register is drawn several times a frame).
        if self.filter.trim().is_empty() {
            return (0..self.register.len()).collect();
        }
        (0..self.register.len())
            .filter(|i| {
                let r = &self.register[*i];
                self.matches(&r.label)
                    || self.matches(&r.kind)
                    || r.variants.iter().any(|v| self.matches(v))
            })
            .collect()
    }

    pub fn suspects_shown(&self) -> Vec<usize> {
        let Some(v) = &self.suspects else {
            return Vec::new();
        };
        if self.filter.trim().is_empty() {
            return (0..v.len()).collect();
        }
        (0..v.len())
            .filter(|i| self.matches(&v[*i].text) || self.matches(&v[*i].reason))
            .collect()
    }

    pub fn current_identifier(&self) -> Option<&IdentifierRow> {
        let i = *self.register_shown().get(self.reg_sel)?;
        self.register.get(i)
    }

    pub fn current_suspect(&self) -> Option<&SuspectGroup> {
        let i = *self.suspects_shown().get(self.sus_sel)?;
        self.suspects.as_ref()?.get(i)
    }

    /// The identifier a near-miss resembles (by one of its variants), if any.
    pub fn near_identifier(&self, near: &str) -> Option<&IdentifierRow> {
        let n = near.to_lowercase();
        self.register.iter().find(|r| {
            r.variants.iter().any(|v| v.to_lowercase() == n) || r.label.to_lowercase() == n
        })
    }
}

/// The pane's preview is the registry's.
pub use crate::export::registry::Preview;

/// What the last write from the pane produced.
#[derive(Debug, Clone, Default)]
pub struct Written {
    /// The export written (its registry name).
    pub kind: Option<&'static str>,
    pub files: Vec<String>,
    /// The manifest, read back from disk, one line per JSON line.
    pub manifest: Vec<String>,
    pub manifest_file: Option<String>,
    /// First line shown (PgUp/PgDn scroll a long manifest).
    pub scroll: usize,
}

/// The Export pane: the registry's exports, each with the parameters the pane has for it.
#[derive(Debug, Clone)]
pub struct ExportState {
    pub sel: usize,
    /// Each export's parameters (by its place in the registry), from its defaults.
    pub params: Vec<Params>,
    /// The preview of an export (by name), for these parameters.
    pub preview: Option<(&'static str, Params, Preview)>,
    pub computing: bool,
    pub written: Option<Written>,
}

impl Default for ExportState {
    fn default() -> Self {
        ExportState {
            sel: 0,
            params: EXPORTS.iter().map(Params::defaults).collect(),
            preview: None,
            computing: false,
            written: None,
        }
    }
}

impl ExportState {
    /// The selected export.
    pub fn export(&self) -> &'static Export {
        &EXPORTS[self.sel.min(EXPORTS.len() - 1)]
    }

    /// The selected export's parameters.
    pub fn params(&self) -> &Params {
        &self.params[self.sel.min(EXPORTS.len() - 1)]
    }

    pub fn params_mut(&mut self) -> &mut Params {
        &mut self.params[self.sel.min(EXPORTS.len() - 1)]
    }

    /// The preview shown is for the selected export and parameters.
    pub fn current_preview(&self) -> Option<&Preview> {
        match &self.preview {
            Some((k, p, v)) if *k == self.export().name && p == self.params() => Some(v),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct DataState {
    pub red: RedactionState,
    pub export: ExportState,
}

/// Ask for a slow job after the next frame (once).
pub fn later(s: &mut State, p: Pane) {
    s.queue(Slow::Data(p), false);
}

/// Recompute the suspects after the frame, and say so.
pub fn recompute_suspects(s: &mut State) {
    s.data.red.computing = true;
    later(s, Pane::Redaction);
}

/// Recompute the preview of the selected export after the frame.
pub fn recompute_preview(s: &mut State) {
    s.data.export.computing = true;
    s.data.export.written = None;
    later(s, Pane::Export);
}

/// A character typed while the pane takes text (`Mode::Search` in Redaction).
pub fn text(s: &mut State, c: char) -> Option<Effect> {
    s.data.red.filter.push(c);
    s.data.red.reg_sel = 0;
    s.data.red.sus_sel = 0;
    None
}

pub fn backspace(s: &mut State) -> Option<Effect> {
    s.data.red.filter.pop();
    None
}

pub fn cancel_text(s: &mut State) -> Option<Effect> {
    s.data.red.filter.clear();
    None
}

pub fn move_sel(s: &mut State, d: isize, abs: Option<usize>) -> Option<Effect> {
    match s.pane {
        Pane::Redaction => {
            let r = &mut s.data.red;
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
            if let Some(w) = s.data.export.written.as_mut() {
                if abs.is_none() && d.unsigned_abs() > 1 {
                    w.scroll = clamp_move(w.scroll, w.manifest.len() + w.files.len() + 3, d, None);
                    return None;
                }
            }
            let before = s.data.export.sel;
            s.data.export.sel = clamp_move(before, EXPORTS.len(), d, abs);
            if before != s.data.export.sel {
                s.data.export.written = None;
                if s.data.export.current_preview().is_none() {
                    recompute_preview(s);
                }
            }
        }
        _ => {}
    }
    None
}

fn open(s: &mut State, kind: DataForm, form: Form) {
    s.open_form(FormKind::Data(kind), form);
}

fn kind_options() -> Vec<(String, String)> {
    KINDS
        .iter()
        .map(|k| (k.to_string(), k.to_string()))
        .collect()
}

fn identifier_options(s: &State) -> Vec<(String, String)> {
    s.data
        .red
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

fn need_suspect(s: &mut State) -> Option<SuspectGroup> {
    if s.data.red.show_log {
        s.error("the log is shown: l shows the suspects again");
        return None;
    }
    if s.data.red.focus != Focus::Suspects {
        s.data.red.focus = Focus::Suspects;
    }
    match s.data.red.current_suspect() {
        Some(g) => Some(g.clone()),
        None => {
            s.error(if s.data.red.suspects.is_none() {
                "the suspects are not computed yet"
            } else {
                "no suspect selected"
            });
            None
        }
    }
}

pub fn command(s: &mut State, c: DataCmd) -> Option<Effect> {
    use DataCmd as C;
    match c {
        C::Focus => {
            let r = &mut s.data.red;
            r.focus = match r.focus {
                Focus::Register => Focus::Suspects,
                Focus::Suspects => Focus::Register,
            };
            None
        }
        C::Seed => Some(Effect::Data(DataEffect::Seed)),
        C::AddIdentifier => {
            let label = next_label(&s.data.red.register, "person");
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
            open(s, DataForm::AddIdentifier, f);
            None
        }
        C::AddVariant => {
            let Some(i) = s.data.red.current_identifier() else {
                s.error("no identifier selected: S seeds the register, a adds one");
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
            open(s, DataForm::AddVariant { identifier: id }, f);
            None
        }
        C::AcceptVariant => {
            let g = need_suspect(s)?;
            let r = &s.data.red;
            if r.register.is_empty() {
                s.error("the register is empty: S seeds it, n makes a new identifier");
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
                    Field::choice("identifier", "Identifier", identifier_options(s)).with(pick),
                ],
            );
            open(s, DataForm::AcceptVariant { text: g.text }, f);
            None
        }
        C::AcceptNew => {
            let g = need_suspect(s)?;
            let kind = guess_kind(&g);
            let label = next_label(&s.data.red.register, kind);
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
            open(s, DataForm::AcceptNew { text: g.text }, f);
            None
        }
        C::Allow => {
            // Allowing is corpus-wide and has no undo: a one-field form confirms it.
            let g = need_suspect(s)?;
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
            open(s, DataForm::Allow { text: g.text }, f);
            None
        }
        C::AllowNow => {
            // One key: allowed, and the selection stays where it is, on the next suspect.
            let g = need_suspect(s)?;
            Some(Effect::Data(DataEffect::Review {
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
            open(s, DataForm::AllowClass, f);
            None
        }
        C::Log => {
            s.data.red.show_log = !s.data.red.show_log;
            None
        }
        C::Recompute => {
            if s.pane == Pane::Export {
                recompute_preview(s);
                s.info("recomputing the preview…");
            } else {
                recompute_suspects(s);
                s.info("recomputing the suspects…");
            }
            None
        }
        C::Filter => {
            // `/` starts a new filter.
            s.mode = Mode::Search;
            cancel_text(s)
        }
        C::Param => {
            let themes = s.active_theme_options();
            let phases = s.phase_numbers();
            let e = s.data.export.export();
            let Some(a) = e.cycled() else {
                s.info("this export has no parameter to change");
                return None;
            };
            let p = s.data.export.params_mut();
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
                    match super::app::cycle(&cur, &phases) {
                        Some(n) => p.set(a.name, n.to_string()),
                        None => p.unset(a.name),
                    }
                }
                _ => {}
            }
            recompute_preview(s);
            None
        }
        C::Write => {
            let e = s.data.export.export();
            let params = s.data.export.params().clone();
            let no_theme = e
                .params
                .iter()
                .any(|a| matches!(a.pane, PaneUse::Theme { .. }) && params.get(a.name).is_none());
            if no_theme {
                s.error("choose a theme first: p cycles the themes");
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
                s,
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

pub fn submit(s: &mut State, d: DataForm, f: &Form) -> Option<Effect> {
    let e = match d {
        DataForm::AddIdentifier => DataEffect::AddIdentifier {
            kind: f.get("kind"),
            label: f.get("label"),
            variant: f.get("variant"),
        },
        DataForm::AddVariant { identifier } => DataEffect::AddVariant {
            identifier,
            variant: f.get("variant"),
        },
        DataForm::AcceptVariant { text } => {
            let id = f.get("identifier");
            if id.is_empty() {
                if let Some((_, form)) = &mut s.form {
                    form.set_error("identifier", "choose an identifier");
                }
                return None;
            }
            DataEffect::Review {
                text,
                decision: Decision::Variant(id),
            }
        }
        DataForm::AcceptNew { text } => DataEffect::Review {
            text,
            decision: Decision::New {
                kind: f.get("kind"),
                label: f.get("label"),
            },
        },
        DataForm::Allow { text } => DataEffect::Review {
            text,
            decision: Decision::Allow,
        },
        DataForm::AllowClass => DataEffect::AllowClass {
            class: f.get("class"),
        },
        DataForm::Export { export, mut params } => {
            let Some(e) = crate::export::registry::find(export) else {
                s.error(format!("no export named {export}"));
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
            DataEffect::Export(ExportJob { export, params })
        }
    };
    Some(Effect::Data(e))
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
