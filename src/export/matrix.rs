//! The Framework Method's chart (cases × themes) for sharing.
//!
//! Rows: one per case and phase, for participants the participant table could hold
//! (completed interview, archiving/sharing consent, no removal withdrawal), identified by
//! export code and phase only — no site code and no role category (the simplest choice that
//! needs no k-anonymity: a chart of a few public leaders per site would single them out).
//! Cells: the number of tagged passages and the analyst's summary. Summaries are free text
//! (class D): they are redacted with the register, and if a participant's direct identifier
//! still remains in any of them the export is refused, naming the cell, never the value.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::json;

use super::text::archivable_codes;
use super::{check_free, csv_text, invalid, manifest_base, xlsx_bytes};
use crate::service::{Fieldwork, Result, ServiceError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    /// The format named by the output file's extension.
    pub fn of(out: &Path) -> Result<Format> {
        match out
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .as_deref()
        {
            Some("csv") => Ok(Format::Csv),
            Some("xlsx") => Ok(Format::Xlsx),
            _ => Err(invalid(
                "out",
                format!(
                    "{}: the matrix is written as .xlsx or .csv; end the file name with one of them",
                    super::file_name(out)
                ),
            )),
        }
    }
}

/// The chart as it would be exported.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MatrixPreview {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub phases: Vec<u32>,
    pub themes: usize,
    /// Cases of the analysis left out (no archiving consent, or a removal withdrawal).
    pub cases_withheld: usize,
    /// Summaries in which the register replaced something.
    pub summaries_redacted: usize,
    /// Summaries holding suspects nobody reviewed (the export refuses unless
    /// `--allow-unreviewed`, as for transcripts).
    pub summaries_with_suspects: usize,
    /// Distinct suspect texts nobody reviewed in the summaries.
    pub unreviewed_suspects: usize,
    #[serde(skip)]
    pub unreviewed: Vec<crate::service::redaction::SuspectGroup>,
    pub warnings: Vec<String>,
}

pub fn preview_matrix(fw: &Fieldwork, phase: Option<u32>) -> Result<MatrixPreview> {
    preview_with(fw, phase, &super::identifier_register(fw)?)
}

/// The preview, checked against the participant identifiers `register` (read once by an
/// export for the rows and its manifest).
fn preview_with(
    fw: &Fieldwork,
    phase: Option<u32>,
    register: &super::Register,
) -> Result<MatrixPreview> {
    if let Some(p) = phase {
        fw.reference.phase(p)?;
    }
    let m = fw.matrix_all(phase)?;
    let eligible = archivable_codes(fw)?;
    let redactor = fw.redactor()?;
    let cells: HashMap<(&str, &str, u32), &crate::service::coding::MatrixCell> = m
        .cells
        .iter()
        .map(|c| ((c.participant_id.as_str(), c.theme_id.as_str(), c.phase), c))
        .collect();
    let mut header = vec!["export_code".to_string(), "phase".to_string()];
    for t in &m.themes {
        header.push(format!("{} – passages", t.path));
        header.push(format!("{} – summary", t.path));
    }
    let mut problems = Vec::new();
    for t in &m.themes {
        if let Some(kind) = super::find_identifier(&t.path, register) {
            problems.push(format!(
                "theme {}: its name contains a participant's {kind}",
                &t.id[..8.min(t.id.len())]
            ));
        }
    }
    let mut rows = Vec::new();
    let mut cases_withheld = 0;
    let mut summaries_redacted = 0;
    let mut summaries_with_suspects = 0;
    let mut unreviewed = Vec::new();
    // The column headers are theme paths: the themes' and their frameworks' names leave
    // with the matrix, so their suspects are reviewed like the summaries' (the same places
    // `redact suspects` lists).
    let id8 = |id: &str| id[..8.min(id.len())].to_string();
    for t in &m.themes {
        let suspects = redactor.suspects(&t.name);
        if !suspects.is_empty() {
            unreviewed.push((
                format!("theme name {}", id8(&t.id)),
                t.name.clone(),
                suspects,
            ));
        }
    }
    for f in fw.frameworks()? {
        let prefix = format!("{}/", f.name);
        if !m.themes.iter().any(|t| t.path.starts_with(&prefix)) {
            continue;
        }
        let suspects = redactor.suspects(&f.name);
        if !suspects.is_empty() {
            unreviewed.push((
                format!("framework name {}", id8(&f.id)),
                f.name.clone(),
                suspects,
            ));
        }
    }
    let mut cases: Vec<_> = m.cases.iter().collect();
    cases.sort_by(|a, b| a.code.cmp(&b.code));
    for c in cases {
        if !eligible.contains(&c.code) {
            cases_withheld += 1;
            continue;
        }
        for ph in &m.phases {
            if !c.phases.contains(ph) {
                continue;
            }
            let mut row = vec![c.code.clone(), ph.to_string()];
            for t in &m.themes {
                let cell = cells.get(&(c.participant_id.as_str(), t.id.as_str(), *ph));
                row.push(cell.map(|x| x.passages).unwrap_or(0).to_string());
                let summary = cell.and_then(|x| x.summary.as_deref()).unwrap_or("");
                if summary.trim().is_empty() {
                    row.push(String::new());
                    continue;
                }
                let reps = redactor.matches(summary);
                let red = crate::domain::redact::apply(summary, &reps);
                if red != summary {
                    summaries_redacted += 1;
                }
                let suspects = redactor.suspects_beside(summary, &reps);
                if !suspects.is_empty() {
                    summaries_with_suspects += 1;
                    unreviewed.push((
                        format!("matrix summary {} × {} × phase {ph}", c.code, t.path),
                        summary.to_string(),
                        suspects,
                    ));
                }
                if let Some(kind) = super::find_identifier(&red, register) {
                    problems.push(format!(
                        "cell {} × {} × phase {ph}: the summary still contains a participant's {kind} after redaction",
                        c.code, t.path
                    ));
                }
                row.push(red);
            }
            rows.push(row);
        }
    }
    if !problems.is_empty() {
        return Err(ServiceError::Refused(format!(
            "the matrix would disclose participants; edit these summaries or add the identifiers to the register first (nothing was written):\n{}",
            problems.join("\n")
        )));
    }
    // Summaries are free text like transcripts: suspects nobody reviewed refuse the export
    // with the same rule and message (they are listed by `redact suspects`).
    let unreviewed = crate::service::redaction::group_free_suspects(&unreviewed);
    let mut warnings = Vec::new();
    if cases_withheld > 0 {
        warnings.push(format!(
            "{cases_withheld} case(s) withheld: no archiving/sharing consent, or a removal withdrawal"
        ));
    }
    if !unreviewed.is_empty() {
        warnings.push(format!(
            "{} suspect(s) not reviewed (in {summaries_with_suspects} summary cell(s) and the theme names); the export refuses until they are (or --allow-unreviewed)",
            unreviewed.len()
        ));
    }
    Ok(MatrixPreview {
        header,
        rows,
        phases: m.phases,
        themes: m.themes.len(),
        cases_withheld,
        summaries_redacted,
        summaries_with_suspects,
        unreviewed_suspects: unreviewed.len(),
        unreviewed,
        warnings,
    })
}

/// What `export matrix` wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MatrixReport {
    pub files: Vec<PathBuf>,
    pub rows: usize,
    pub cases_withheld: usize,
    pub summaries_redacted: usize,
    pub warnings: Vec<String>,
}

pub fn export_matrix(
    fw: &Fieldwork,
    out: &Path,
    phase: Option<u32>,
    allow_unreviewed: bool,
    force: bool,
) -> Result<MatrixReport> {
    let format = Format::of(out)?;
    check_free(&[out, &super::manifest_path(out)], force)?;
    let register = super::identifier_register(fw)?;
    let p = preview_with(fw, phase, &register)?;
    if !p.unreviewed.is_empty() && !allow_unreviewed {
        return Err(crate::service::redaction::unreviewed_refusal(&p.unreviewed));
    }
    let bytes = match format {
        Format::Csv => csv_text(&p.header, &p.rows).into_bytes(),
        Format::Xlsx => xlsx_bytes("matrix", "Framework matrix", &p.header, &p.rows, 1)?,
    };
    let mut m = manifest_base("matrix");
    m["parameters"] = json!({
        "format": format.as_str(),
        "phase": phase,
        "rows_rule": "participants with a completed interview, archiving/sharing consent `yes` in force on the export date, no withdrawal with a removal scope; one row per case and phase interviewed",
        "case_columns": ["export_code", "phase"],
        "summaries": "redacted with the register; refused if a direct identifier remains",
    });
    m["phases"] = json!(p.phases);
    m["themes"] = json!(p.themes);
    m["rows"] = json!(p.rows.len());
    m["cases_withheld"] = json!(p.cases_withheld);
    m["summaries_redacted"] = json!(p.summaries_redacted);
    m["summaries_with_unregistered_suspects"] = json!(p.summaries_with_suspects);
    super::guard("matrix manifest", &m.to_string(), &register)?;
    super::write_anonymised(
        fw,
        &register,
        "matrix",
        out,
        &bytes,
        format.as_str(),
        m,
        force,
    )?;
    Ok(MatrixReport {
        files: vec![out.to_path_buf(), super::manifest_path(out)],
        rows: p.rows.len(),
        cases_withheld: p.cases_withheld,
        summaries_redacted: p.summaries_redacted,
        warnings: p.warnings,
    })
}

// The registry's entry (`export matrix`, the Export pane).

use super::kinds::{common, preview_rows, Export, Kind, Outcome, PaneUse, Param, Params, Preview};

pub const ENTRY: Export = Export {
    name: "matrix",
    title: "Framework matrix",
    about: "The framework matrix (cases by export code and phase × themes; summaries redacted).",
    formats: &["xlsx", "csv"],
    params: &[
        common::out(
            "FILE",
            "Output file, .xlsx or .csv (a manifest is written beside it).",
        ),
        Param {
            name: "phase",
            kind: Kind::Phase,
            default: None,
            required: false,
            value_name: "PHASE",
            help: "Only this phase.",
            pane: PaneUse::Phase {
                shown: "phase {}",
                unset: "every phase",
            },
        },
        common::allow_unreviewed("Export although summaries hold suspects nobody reviewed."),
        common::force("Replace existing files."),
    ],
    redacts: true,
    preview: preview_entry,
    write: write_entry,
};

fn preview_entry(fw: &Fieldwork, p: &Params) -> Result<Preview> {
    let mut v = Preview::default();
    let m = preview_matrix(fw, p.parse("phase")?)?;
    v.summary.push(format!(
        "{} row(s) × {} theme(s); {} case(s) withheld for consent",
        m.rows.len(),
        m.themes,
        m.cases_withheld
    ));
    v.summary.push(format!(
        "{} summary cell(s) redacted; {} hold unreviewed suspects",
        m.summaries_redacted, m.summaries_with_suspects
    ));
    v.warnings = m.warnings;
    v.text_cols = m
        .header
        .iter()
        .enumerate()
        .filter(|(_, h)| h.ends_with("summary"))
        .map(|(i, _)| i)
        .collect();
    v.header = m.header;
    v.rows = preview_rows(m.rows);
    Ok(v)
}

fn write_entry(fw: &mut Fieldwork, p: &Params) -> Result<Outcome> {
    let r = export_matrix(
        fw,
        &p.out()?,
        p.parse("phase")?,
        p.flag(common::ALLOW_UNREVIEWED),
        p.flag("force"),
    )?;
    Ok(Outcome {
        printed: r.files.clone(),
        files: r.files,
        warnings: r.warnings,
        notes: vec![format!(
            "exported {} row(s); {} summary cell(s) redacted",
            r.rows, r.summaries_redacted
        )],
    })
}
