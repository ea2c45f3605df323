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
use crate::service::redaction::{Decision, SuspectGroup, KINDS};
use crate::store::redaction::{IdentifierRow, LogRow};

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

/// One export to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportJob {
    pub kind: ExportKind,
    pub param: Param,
    pub format: String,
    pub out: String,
    pub force: bool,
    pub allow_unreviewed: bool,
    /// Table 1: write it even when the audit finds a cell that can be narrowed.
    pub allow_unsafe: bool,
}

/// Forms of the Redaction and Export panes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataForm {
    AddIdentifier,
    AddVariant { identifier: String },
    AcceptVariant { text: String },
    AcceptNew { text: String },
    Allow { text: String },
    AllowClass,
    Export { kind: ExportKind, param: Param },
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

/// The exports the pane offers, in list order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportKind {
    Participants,
    Table1,
    Quotes,
    Matrix,
    Codebook,
    Transcripts,
    Project,
}

impl ExportKind {
    pub const ALL: &'static [ExportKind] = &[
        ExportKind::Participants,
        ExportKind::Table1,
        ExportKind::Quotes,
        ExportKind::Matrix,
        ExportKind::Codebook,
        ExportKind::Transcripts,
        ExportKind::Project,
    ];

    pub fn title(self) -> &'static str {
        match self {
            ExportKind::Participants => "Participants (anonymised table)",
            ExportKind::Table1 => "Table 1 (counts)",
            ExportKind::Quotes => "Quotes of a theme",
            ExportKind::Matrix => "Framework matrix",
            ExportKind::Codebook => "Codebook (REFI-QDA .qdc)",
            ExportKind::Transcripts => "Redacted transcripts",
            ExportKind::Project => "Project (REFI-QDA .qdpx)",
        }
    }

    /// The file (or folder) name written by default.
    pub fn stem(self) -> &'static str {
        match self {
            ExportKind::Participants => "participants",
            ExportKind::Table1 => "table1",
            ExportKind::Quotes => "quotes",
            ExportKind::Matrix => "matrix",
            ExportKind::Codebook => "codebook",
            ExportKind::Transcripts => "transcripts",
            ExportKind::Project => "project",
        }
    }

    /// The formats offered, first the default; a folder export has the empty format.
    pub fn formats(self) -> &'static [&'static str] {
        match self {
            ExportKind::Participants => &["csv", "xlsx", "json", "datapackage"],
            ExportKind::Table1 => &["md", "csv", "xlsx"],
            ExportKind::Quotes => &["csv", "md", "json"],
            ExportKind::Matrix => &["xlsx", "csv"],
            ExportKind::Codebook => &["qdc"],
            ExportKind::Transcripts => &["folder"],
            ExportKind::Project => &["qdpx"],
        }
    }

    /// It redacts transcripts, so it refuses while suspects are unreviewed.
    pub fn redacts(self) -> bool {
        matches!(
            self,
            ExportKind::Transcripts
                | ExportKind::Project
                | ExportKind::Matrix
                | ExportKind::Codebook
        )
    }
}

/// The parameter of an export that changes its preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    None,
    K(usize),
    Threshold(i64),
    /// Theme id and path (None: no theme chosen yet).
    Theme(Option<(String, String)>),
    Phase(Option<u32>),
}

impl Param {
    pub fn describe(&self) -> String {
        match self {
            Param::None => String::new(),
            Param::K(k) => format!("k = {k}"),
            Param::Threshold(t) => format!("small cells < {t}"),
            Param::Theme(Some((_, p))) => format!("theme {p}"),
            Param::Theme(None) => "no theme chosen".into(),
            Param::Phase(Some(p)) => format!("phase {p}"),
            Param::Phase(None) => "every phase".into(),
        }
    }
}

/// What an export would write, as the pane shows it.
#[derive(Debug, Clone, Default)]
pub struct Preview {
    /// Counts and parameters ("rows: 4", "cells suppressed: 0").
    pub summary: Vec<String>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Columns holding free text (masked in privacy mode).
    pub text_cols: Vec<usize>,
    pub warnings: Vec<String>,
    /// Why the export would be refused (k-anonymity, unreviewed suspects, …).
    pub refusal: Option<String>,
}

/// What the last write from the pane produced.
#[derive(Debug, Clone, Default)]
pub struct Written {
    pub kind: Option<ExportKind>,
    pub files: Vec<String>,
    /// The manifest, read back from disk, one line per JSON line.
    pub manifest: Vec<String>,
    pub manifest_file: Option<String>,
    /// First line shown (PgUp/PgDn scroll a long manifest).
    pub scroll: usize,
}

#[derive(Debug, Clone)]
pub struct ExportState {
    pub sel: usize,
    pub k: usize,
    pub threshold: i64,
    pub theme: Option<(String, String)>,
    pub phase: Option<u32>,
    /// The preview of the selected export, for these parameters.
    pub preview: Option<(ExportKind, Param, Preview)>,
    pub computing: bool,
    pub written: Option<Written>,
}

impl Default for ExportState {
    fn default() -> Self {
        ExportState {
            sel: 0,
            k: crate::export::participants::DEFAULT_K,
            threshold: 5,
            theme: None,
            phase: None,
            preview: None,
            computing: false,
            written: None,
        }
    }
}

impl ExportState {
    pub fn kind(&self) -> ExportKind {
        ExportKind::ALL[self.sel.min(ExportKind::ALL.len() - 1)]
    }

    pub fn param(&self) -> Param {
        match self.kind() {
            ExportKind::Participants => Param::K(self.k),
            ExportKind::Table1 => Param::Threshold(self.threshold),
            ExportKind::Quotes => Param::Theme(self.theme.clone()),
            ExportKind::Matrix => Param::Phase(self.phase),
            _ => Param::None,
        }
    }

    /// The preview shown is for the selected export and parameter.
    pub fn current_preview(&self) -> Option<&Preview> {
        match &self.preview {
            Some((k, p, v)) if *k == self.kind() && *p == self.param() => Some(v),
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
            s.data.export.sel = clamp_move(before, ExportKind::ALL.len(), d, abs);
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
            let e = &mut s.data.export;
            match e.kind() {
                ExportKind::Participants => {
                    e.k = if e.k >= 10 { 3 } else { e.k + 1 };
                }
                ExportKind::Table1 => {
                    e.threshold = if e.threshold == 5 { 10 } else { 5 };
                }
                ExportKind::Quotes => {
                    let all = themes;
                    let i = e
                        .theme
                        .as_ref()
                        .and_then(|t| all.iter().position(|x| x.0 == t.0))
                        .map_or(0, |i| (i + 1) % all.len().max(1));
                    e.theme = all.get(i).cloned();
                }
                ExportKind::Matrix => {
                    e.phase = super::app::cycle(&e.phase, &phases);
                }
                _ => {
                    s.info("this export has no parameter to change");
                    return None;
                }
            }
            recompute_preview(s);
            None
        }
        C::Write => {
            let e = &s.data.export;
            let kind = e.kind();
            let param = e.param();
            if kind == ExportKind::Quotes && matches!(param, Param::Theme(None)) {
                s.error("choose a theme first: p cycles the themes");
                return None;
            }
            let formats: Vec<(String, String)> = kind
                .formats()
                .iter()
                .map(|f| (f.to_string(), f.to_string()))
                .collect();
            let mut fields = vec![
                Field::text("out", "Output path")
                    .required()
                    .with(default_path(kind, kind.formats()[0])),
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
            if kind.redacts() {
                fields.push(Field::choice(
                    "allow_unreviewed",
                    "Unreviewed suspects",
                    vec![
                        ("no".into(), "refuse".into()),
                        ("yes".into(), "export anyway".into()),
                    ],
                ));
            }
            if kind == ExportKind::Table1 {
                fields.push(Field::choice(
                    "allow_unsafe",
                    "Audit not safe",
                    vec![
                        ("no".into(), "refuse".into()),
                        ("yes".into(), "write anyway".into()),
                    ],
                ));
            }
            let title = format!("Write: {} ({})", kind.title(), param.describe());
            let title = title.replace(" ()", "");
            open(
                s,
                DataForm::Export { kind, param },
                Form::new(title, fields),
            );
            None
        }
    }
}

/// `./exports/NAME.ext` (a folder for transcripts and data packages).
pub fn default_path(kind: ExportKind, format: &str) -> String {
    match format {
        "folder" => format!("./exports/{}", kind.stem()),
        "datapackage" => format!("./exports/{}-datapackage", kind.stem()),
        f => format!("./exports/{}.{f}", kind.stem()),
    }
}

/// The output path with its extension following the chosen format: a path without an
/// extension gets one; the extension of another offered format is replaced.
pub fn path_for(kind: ExportKind, out: &str, format: &str) -> String {
    if matches!(format, "folder" | "datapackage") {
        return out.to_string();
    }
    let p = std::path::Path::new(out);
    match p
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
    {
        None => format!("{out}.{format}"),
        Some(e) if e != format && kind.formats().contains(&e.as_str()) => {
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
        DataForm::Export { kind, param } => {
            let format = f.get("format");
            DataEffect::Export(ExportJob {
                kind,
                param,
                out: path_for(kind, &f.get("out"), &format),
                format,
                force: f.get("force") == "yes",
                allow_unreviewed: f.get("allow_unreviewed") == "yes",
                allow_unsafe: f.get("allow_unsafe") == "yes",
            })
        }
    };
    Some(Effect::Data(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_format() {
        let k = ExportKind::Participants;
        assert_eq!(
            path_for(k, "./exports/participants.csv", "xlsx"),
            "./exports/participants.xlsx"
        );
        assert_eq!(path_for(k, "out/p", "json"), "out/p.json");
        assert_eq!(path_for(k, "out/p.tsv", "csv"), "out/p.tsv");
        assert_eq!(path_for(ExportKind::Transcripts, "t", "folder"), "t");
    }

    #[test]
    fn labels_are_new() {
        assert_eq!(next_label(&[], "place"), "[Place 1]");
    }
}
