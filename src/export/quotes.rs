//! Quotes of one theme, for papers and reports.
//!
//! A quote leaves the database only when every participant of its interview has
//! `anonymised quotes` = yes in force today and none of them ever withdrew with a removal
//! scope. Its text is taken from the **redacted** transcript (the register's replacements
//! that fall inside the passage, by the same engine as transcript redaction), and it is
//! attributed by the configured label built from export code, site code or role category
//! only. A quote whose passage holds a suspect nobody reviewed, or in which a participant's
//! direct identifier survives redaction, stops the export (naming the passage, never the
//! text). The manifest holds counts only.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::json;

use super::text::{char_slice, removal_withdrawn, OffsetMap};
use super::{check_free, csv_text, invalid, manifest_base, manifest_bytes};
use crate::config::QuoteLabel;
use crate::service::coding::QuoteFilter;
use crate::service::{Fieldwork, Result, ServiceError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Md,
    Json,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Md => "md",
            Format::Json => "json",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "md" | "markdown" => Ok(Format::Md),
            "json" => Ok(Format::Json),
            _ => Err(format!("`{s}` is not a format (valid: csv, md, json)")),
        }
    }
}

/// One exported quote: the attribution label and the redacted text, nothing else.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct QuoteRow {
    pub attribution: String,
    pub quote: String,
}

/// What an export of a theme's quotes would hold, without writing anything.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QuotesPreview {
    /// The theme's name (its label in the study's codebook).
    pub theme: String,
    pub rows: Vec<QuoteRow>,
    /// Passages left out because consent does not allow quoting.
    pub withheld_consent: usize,
    /// Passages left out because a re-import lost their anchor (to be reviewed first).
    pub withheld_unanchored: usize,
    pub warnings: Vec<String>,
}

/// The transcript of an interview, redacted, with the map from original offsets.
struct RedactedText {
    text: String,
    map: OffsetMap,
    /// Spans (original offsets) of suspects nobody reviewed.
    suspects: Vec<(usize, usize)>,
}

fn redacted_text(
    fw: &Fieldwork,
    redactor: &crate::service::redaction::Redactor,
    session: &str,
) -> Result<RedactedText> {
    let text = fw.transcript_view(session)?.text();
    let reps = redactor.matches(&text);
    let suspects = redactor
        .suspects_beside(&text, &reps)
        .into_iter()
        .map(|s| (s.start, s.end))
        .collect();
    Ok(RedactedText {
        text: crate::domain::redact::apply(&text, &reps),
        map: OffsetMap::new(&reps),
        suspects,
    })
}

/// The attribution label, from export codes, the site **code** and role categories only
/// (never the site's name, which may name a place).
fn attribution(label: QuoteLabel, site: &str, codes: &[String], cats: &[String]) -> String {
    match label {
        QuoteLabel::SiteCode => format!("Site {site} – {}", codes.join(", ")),
        QuoteLabel::Code => codes.join(", "),
        QuoteLabel::RoleCategory => {
            let mut c = cats.to_vec();
            c.sort();
            c.dedup();
            c.join(", ")
        }
    }
}

/// The quotes of a theme as they would be exported.
pub fn preview_quotes(fw: &Fieldwork, theme: &str) -> Result<QuotesPreview> {
    preview_with(fw, theme, &super::identifier_register(fw)?)
}

/// The preview, checked against the participant identifiers `register` (read once by an
/// export for the rows and its manifest).
fn preview_with(fw: &Fieldwork, theme: &str, register: &super::Register) -> Result<QuotesPreview> {
    let t = fw.resolve_theme(theme)?;
    let quotes = fw.quotes_all(&t.id, &QuoteFilter::default())?;
    let removed = removal_withdrawn(fw)?;
    let redactor = fw.redactor()?;
    let mut texts: HashMap<String, RedactedText> = HashMap::new();
    let mut rows = Vec::new();
    let mut withheld_consent = 0;
    let mut withheld_unanchored = 0;
    let mut problems = Vec::new();
    for q in quotes {
        let p = &q.passage;
        if p.anchor == "lost" {
            withheld_unanchored += 1;
            continue;
        }
        let removal = q
            .participants
            .iter()
            .any(|c| removed.get(c).copied().unwrap_or(true));
        if !q.allowed || removal || q.participants.is_empty() {
            withheld_consent += 1;
            continue;
        }
        if !texts.contains_key(&p.session_id) {
            texts.insert(
                p.session_id.clone(),
                redacted_text(fw, &redactor, &p.session_id)?,
            );
        }
        let rt = &texts[&p.session_id];
        let (s, e) = (p.span_start.max(0) as usize, p.span_end.max(0) as usize);
        let place = format!(
            "passage {} ({}, phase {})",
            &p.id[..8.min(p.id.len())],
            q.participants.join(", "),
            q.phase
        );
        let open = rt.suspects.iter().filter(|(a, b)| *a < e && s < *b).count();
        if open > 0 {
            problems.push(format!(
                "{place}: {open} suspect(s) not reviewed yet (`redact suspects`)"
            ));
            continue;
        }
        let text = char_slice(&rt.text, rt.map.start(s), rt.map.end(e))
            .trim()
            .to_string();
        let label = attribution(
            fw.coding.quote_label,
            &q.site,
            &q.participants,
            &q.role_categories,
        );
        if let Some(kind) = super::find_identifier(&format!("{label}\n{text}"), register) {
            problems.push(format!(
                "{place}: a participant's {kind} is still there after redaction; add it to the register (`redact add`/`redact accept`)"
            ));
            continue;
        }
        rows.push(QuoteRow {
            attribution: label,
            quote: text,
        });
    }
    // The theme's name is written too (the Markdown heading; the preview serves every
    // format): its suspects are reviewed like a passage's.
    let open = redactor.suspects(&t.name).len();
    if open > 0 {
        problems.push(format!(
            "theme name {}: {open} suspect(s) not reviewed yet (`redact suspects`)",
            &t.id[..8.min(t.id.len())]
        ));
    }
    if !problems.is_empty() {
        return Err(ServiceError::Refused(format!(
            "the quotes of {} would disclose participants; nothing was written:\n{}",
            t.path,
            problems.join("\n")
        )));
    }
    super::guard("quotes export (theme name)", &t.name, register)?;
    // Ordered by attribution (export codes are random), then text: the order says nothing
    // about when interviews took place.
    rows.sort_by(|a, b| {
        a.attribution
            .cmp(&b.attribution)
            .then(a.quote.cmp(&b.quote))
    });
    let mut warnings = Vec::new();
    if withheld_consent > 0 {
        warnings.push(format!(
            "{withheld_consent} passage(s) withheld: consent does not allow anonymised quotes (or a removal withdrawal applies)"
        ));
    }
    if withheld_unanchored > 0 {
        warnings.push(format!(
            "{withheld_unanchored} passage(s) withheld: lost after a re-import; review them (`passage review`)"
        ));
    }
    Ok(QuotesPreview {
        theme: t.name,
        rows,
        withheld_consent,
        withheld_unanchored,
        warnings,
    })
}

fn render(p: &QuotesPreview, format: Format) -> Result<Vec<u8>> {
    Ok(match format {
        Format::Csv => csv_text(
            &["attribution".to_string(), "quote".to_string()],
            &p.rows
                .iter()
                .map(|r| vec![r.attribution.clone(), r.quote.clone()])
                .collect::<Vec<_>>(),
        )
        .into_bytes(),
        Format::Json => manifest_bytes(&json!(p.rows))?,
        Format::Md => {
            let mut s = format!("# Quotes: {}\n\n", p.theme.replace('\n', " "));
            for r in &p.rows {
                for line in r.quote.lines() {
                    s.push_str(&format!("> {line}\n"));
                }
                s.push_str(&format!(">\n> — {}\n\n", r.attribution));
            }
            s.into_bytes()
        }
    })
}

/// What `export quotes` wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QuotesReport {
    pub files: Vec<PathBuf>,
    pub exported: usize,
    pub withheld_consent: usize,
    pub withheld_unanchored: usize,
}

pub fn export_quotes(
    fw: &Fieldwork,
    theme: &str,
    format: Format,
    out: &Path,
    force: bool,
) -> Result<QuotesReport> {
    check_free(&[out, &super::manifest_path(out)], force)?;
    if out.as_os_str().is_empty() {
        return Err(invalid("out", "give a file name"));
    }
    let register = super::identifier_register(fw)?;
    let p = preview_with(fw, theme, &register)?;
    let bytes = render(&p, format)?;
    let mut m = manifest_base("quotes");
    m["parameters"] = json!({
        "format": format.as_str(),
        "rule": "anonymised quotes `yes` in force on the export date for every participant of the interview; no withdrawal with a removal scope; text from the redacted transcript",
        "attribution": match fw.coding.quote_label {
            QuoteLabel::SiteCode => "site code and export code",
            QuoteLabel::Code => "export code",
            QuoteLabel::RoleCategory => "role category",
        },
    });
    m["counts"] = json!({
        "exported": p.rows.len(),
        "withheld_consent": p.withheld_consent,
        "withheld_unanchored": p.withheld_unanchored,
    });
    super::guard("quotes manifest", &m.to_string(), &register)?;
    super::write_anonymised(
        fw,
        &register,
        "quotes export",
        out,
        &bytes,
        format.as_str(),
        m,
        force,
    )?;
    Ok(QuotesReport {
        files: vec![out.to_path_buf(), super::manifest_path(out)],
        exported: p.rows.len(),
        withheld_consent: p.withheld_consent,
        withheld_unanchored: p.withheld_unanchored,
    })
}

// The registry's entry (`export quotes`, the Export pane).

use super::kinds::{common, preview_rows, Export, Kind, Outcome, PaneUse, Param, Params, Preview};

fn check_format(s: &str) -> std::result::Result<(), String> {
    s.parse::<Format>().map(|_| ())
}

pub const ENTRY: Export = Export {
    name: "quotes",
    title: "Quotes of a theme",
    about: "A theme's quotes: redacted text and attribution label only, where consent allows.",
    formats: &["csv", "md", "json"],
    params: &[
        Param {
            name: "theme",
            kind: Kind::Text,
            default: None,
            required: true,
            value_name: "THEME",
            help: "Theme (path, name or id prefix).",
            pane: PaneUse::Theme {
                shown: "theme {}",
                unset: "no theme chosen",
            },
        },
        common::out(
            "FILE",
            "Output file (a manifest is written beside it as FILE.manifest.json).",
        ),
        common::format(
            Kind::Checked(check_format),
            Some("csv"),
            false,
            "csv, md or json.",
        ),
        common::force("Replace existing files."),
    ],
    redacts: false,
    preview: preview_entry,
    write: write_entry,
};

fn preview_entry(fw: &Fieldwork, p: &Params) -> Result<Preview> {
    let mut v = Preview::default();
    let Some(theme) = p.get("theme") else {
        v.refusal = Some("no theme chosen: p cycles the themes".into());
        return Ok(v);
    };
    let path = p.shown("theme").unwrap_or(theme);
    let q = preview_quotes(fw, theme)?;
    v.summary.push(format!(
        "theme {path}: {} quote(s); {} withheld for consent; {} lost after a re-import",
        q.rows.len(),
        q.withheld_consent,
        q.withheld_unanchored
    ));
    v.warnings = q.warnings;
    v.header = vec!["attribution".into(), "quote (redacted)".into()];
    v.text_cols = vec![1];
    v.rows = preview_rows(q.rows.into_iter().map(|r| {
        vec![
            r.attribution,
            r.quote.split_whitespace().collect::<Vec<_>>().join(" "),
        ]
    }));
    Ok(v)
}

fn write_entry(fw: &mut Fieldwork, p: &Params) -> Result<Outcome> {
    let format: Format = p
        .format(&ENTRY)
        .parse()
        .map_err(|m: String| super::invalid("format", m))?;
    let theme = p.required("theme")?;
    let r = export_quotes(fw, theme, format, &p.out()?, p.flag("force"))?;
    Ok(Outcome {
        printed: r.files.clone(),
        files: r.files,
        warnings: Vec::new(),
        notes: vec![format!(
            "exported {} quote(s); {} withheld for consent, {} lost after re-import",
            r.exported, r.withheld_consent, r.withheld_unanchored
        )],
    })
}
