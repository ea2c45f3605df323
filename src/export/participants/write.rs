//! Writing the participant table (CSV, XLSX, JSON or a folder) with its manifest, and its
//! registry entry.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::anonymise::*;
use crate::export::folder::{check_dir_free, write_dir};
use crate::export::{
    check_free, csv_text, file_name, invalid, manifest_base, manifest_bytes, sha256_hex, xlsx_bytes,
};
use crate::service::{Fieldwork, Result};

/// What an export wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExportReport {
    pub files: Vec<PathBuf>,
    pub rows: usize,
    pub cells_suppressed: usize,
    pub generalisation: String,
    pub manifest: serde_json::Value,
}

pub(super) fn cells(a: &Anonymised) -> Vec<Vec<String>> {
    a.rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| c.clone().unwrap_or_else(|| SUPPRESSED.to_string()))
                .collect()
        })
        .collect()
}

pub(super) fn header() -> Vec<String> {
    COLUMNS.iter().map(|s| s.to_string()).collect()
}

pub(super) fn json_bytes(a: &Anonymised) -> Result<Vec<u8>> {
    let rows: Vec<serde_json::Value> = a
        .rows
        .iter()
        .map(|r| {
            let mut o = serde_json::Map::new();
            for (name, v) in COLUMNS.iter().zip(r.iter()) {
                o.insert(name.to_string(), json!(v));
            }
            serde_json::Value::Object(o)
        })
        .collect();
    manifest_bytes(&serde_json::Value::Array(rows))
}

pub(super) fn table_schema() -> serde_json::Value {
    json!({
        "fields": [
            {"name": "export_code", "type": "string", "description": "Random pseudonym, the same in every export", "constraints": {"required": true, "unique": true}},
            {"name": "site", "type": "string", "description": "Site code, or `Withheld`"},
            {"name": "phases", "type": "string", "description": "Phase numbers with a completed interview, separated by `;`"},
            {"name": "role_category", "type": "string", "description": "Role category, or `All roles`"},
        ],
        "primaryKey": ["export_code"],
        "missingValues": [SUPPRESSED],
    })
}

pub(super) fn manifest(a: &Anonymised, k: usize, format: Format) -> serde_json::Value {
    let mut m = manifest_base("participants");
    m["parameters"] = json!({
        "format": format.as_str(),
        "k": k,
        "max_suppressed_share": MAX_SUPPRESSED_SHARE,
        "rows_rule": "completed interview; archiving/sharing consent `yes` in force on the export date; no withdrawal with a removal scope",
        "suppressed_cell": if format == Format::Json { "null" } else { SUPPRESSED },
    });
    m["generalisation"] = json!({
        "role": match a.level.role { RoleLevel::Category => "category", RoleLevel::AllRoles => "all roles" },
        "site": if a.level.site_shown { "code" } else { "withheld" },
        "phases": "phase numbers",
        "notes": a.notes,
    });
    m["columns"] = json!(COLUMNS);
    m["rows"] = json!(a.rows.len());
    m["cells_suppressed"] = json!(a.cells_suppressed);
    m["cells_quasi_identifying"] = json!(a.cells_informative);
    m
}

/// Build and write the anonymised participant table.
pub fn export(
    fw: &Fieldwork,
    format: Format,
    out: &Path,
    k: usize,
    force: bool,
) -> Result<ExportReport> {
    if k < MIN_K {
        return Err(invalid(
            "k",
            format!("k = {k} is below the minimum of {MIN_K}; groups that small single people out"),
        ));
    }
    // Refuse an occupied destination before doing any work.
    if format == Format::DataPackage {
        check_dir_free(out, force)?;
    } else {
        check_free(&[out, &crate::export::manifest_path(out)], force)?;
    }
    let records = eligible_records(fw)?;
    let a = anonymise(&records, k)?;
    // The CSV text is built once: the guard reads it, and the CSV and data package write it.
    let table_csv = csv_text(&header(), &cells(&a));
    let register = crate::export::identifier_register(fw)?;
    crate::export::guard("participant table", &table_csv, &register)?;
    let m = manifest(&a, k, format);
    crate::export::guard("manifest", &m.to_string(), &register)?;
    let report = |files: Vec<PathBuf>, manifest: serde_json::Value| ExportReport {
        files,
        rows: a.rows.len(),
        cells_suppressed: a.cells_suppressed,
        generalisation: a.level.describe(),
        manifest,
    };
    match format {
        Format::Csv | Format::Xlsx | Format::Json => {
            let bytes = match format {
                Format::Csv => table_csv.into_bytes(),
                Format::Json => json_bytes(&a)?,
                _ => xlsx_bytes(
                    "participants",
                    "Anonymised participant table",
                    &header(),
                    &cells(&a),
                    usize::MAX,
                )?,
            };
            let m = crate::export::write_anonymised(
                fw,
                &register,
                "participant table",
                out,
                &bytes,
                format.as_str(),
                m,
                force,
            )?;
            Ok(report(
                vec![out.to_path_buf(), crate::export::manifest_path(out)],
                m,
            ))
        }
        Format::DataPackage => {
            let csv = table_csv.into_bytes();
            let package = json!({
                "profile": "tabular-data-package",
                "name": "fieldwork-participants",
                "title": "Anonymised participant table",
                "created": m["created_utc"],
                "resources": [{
                    "name": "participants",
                    "path": "participants.csv",
                    "profile": "tabular-data-resource",
                    "format": "csv",
                    "mediatype": "text/csv",
                    "encoding": "utf-8",
                    "bytes": csv.len(),
                    "hash": format!("sha256:{}", sha256_hex(&csv)),
                    "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "header": true},
                    "schema": table_schema(),
                }],
            });
            let pbytes = manifest_bytes(&package)?;
            let mut m = m;
            m["output"] = json!({
                "folder": file_name(out),
                "format": "datapackage",
                "files": [
                    {"file": "participants.csv", "bytes": csv.len(), "sha256": sha256_hex(&csv)},
                    {"file": "datapackage.json", "bytes": pbytes.len(), "sha256": sha256_hex(&pbytes)},
                ],
            });
            let mbytes = manifest_bytes(&m)?;
            let folder = file_name(out);
            for (n, b) in [
                ("datapackage.json", &pbytes),
                ("participants.csv", &csv),
                ("participants.csv.manifest.json", &mbytes),
            ] {
                register.check_file("participant table", &format!("{folder}/{n}"), b)?;
            }
            write_dir(
                out,
                &[
                    ("datapackage.json", &pbytes),
                    ("participants.csv", &csv),
                    ("participants.csv.manifest.json", &mbytes),
                ],
                force,
                crate::export::files::Modes::anonymised(&fw.export),
            )?;
            Ok(report(
                [
                    "datapackage.json",
                    "participants.csv",
                    "participants.csv.manifest.json",
                ]
                .iter()
                .map(|f| out.join(f))
                .collect(),
                m,
            ))
        }
    }
}

// The registry's entry (`export participants`, the Export pane).

use crate::export::kinds::{
    common, preview_rows, Export, Kind, Outcome, PaneUse, Param, Params, Preview,
};

pub(super) fn check_format(s: &str) -> std::result::Result<(), String> {
    s.parse::<Format>().map(|_| ())
}

pub const ENTRY: Export = Export {
    name: "participants",
    title: "Participants (anonymised table)",
    about: "The anonymised participant table (k-anonymous; manifest written beside it).",
    formats: &["csv", "xlsx", "json", "datapackage"],
    params: &[
        common::format(
            Kind::Checked(check_format),
            None,
            true,
            "csv, xlsx, json or datapackage (a folder: datapackage.json + CSV).",
        ),
        common::out(
            "FILE",
            "Output file (a folder for datapackage); a manifest is written beside it.",
        ),
        Param {
            name: "k",
            kind: Kind::Count,
            default: Some("5"),
            required: false,
            value_name: "K",
            help: "Every combination of exported quasi-identifiers covers at least k participants (never below 3).",
            pane: PaneUse::Cycle {
                values: &["3", "4", "5", "6", "7", "8", "9", "10"],
                shown: "k = {}",
            },
        },
        common::force("Replace existing files."),
    ],
    redacts: false,
    preview: preview_entry,
    write: write_entry,
};

pub(super) fn k_of(p: &Params) -> Result<usize> {
    Ok(p.parse("k")?.unwrap_or(DEFAULT_K))
}

pub(super) fn preview_entry(fw: &Fieldwork, p: &Params) -> Result<Preview> {
    let k = k_of(p)?;
    let mut v = Preview::default();
    let records = eligible_records(fw)?;
    v.summary.push(format!(
        "{} eligible participant(s) (completed interview, archiving consent, no removal withdrawal)",
        records.len()
    ));
    v.header = header();
    match anonymise(&records, k) {
        Ok(a) => {
            v.summary.push(format!(
                "{} row(s); k = {k}; {}; {} of {} quasi-identifying cell(s) suppressed",
                a.rows.len(),
                a.level.describe(),
                a.cells_suppressed,
                a.cells_informative
            ));
            v.warnings = a.notes.clone();
            v.rows = preview_rows(cells(&a));
        }
        Err(e) => v.refusal = Some(e.to_string()),
    }
    Ok(v)
}

pub(super) fn write_entry(fw: &mut Fieldwork, p: &Params) -> Result<Outcome> {
    let k = k_of(p)?;
    let format: Format = p
        .format(&ENTRY)
        .parse()
        .map_err(|m: String| invalid("format", m))?;
    let r = export(fw, format, &p.out()?, k, p.flag("force"))?;
    Ok(Outcome {
        printed: r.files.clone(),
        files: r.files,
        warnings: Vec::new(),
        notes: vec![format!(
            "exported {} participant(s) ({}; {} cell(s) suppressed; k = {k})",
            r.rows, r.generalisation, r.cells_suppressed
        )],
    })
}
