//! The anonymised participant table (one row per participant).
//!
//! Rows: participants with at least one completed interview whose consent in force today
//! says `yes` to archiving/sharing, and who never withdrew with a removal scope. Columns
//! (an allow-list): export code, site code, phases interviewed, role category. Nothing
//! else is read into the table, so no direct identifier and no date can reach it.
//!
//! Disclosure control: k-anonymity over the quasi-identifying columns (role category, site,
//! phases). Whole columns are generalised first (role category → all roles, then site →
//! withheld); at the first level where it is enough, single cells of the rows still in a
//! group smaller than k are suppressed. If more than a tenth of the quasi-identifying cells
//! would have to go at every level, the export is refused.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::json;

use super::folder::{check_dir_free, write_dir};
use super::{
    check_free, csv_text, file_name, invalid, manifest_base, manifest_bytes, sha256_hex, xlsx_bytes,
};
use crate::domain::{today, ConsentItem};
use crate::service::{Fieldwork, Result, ServiceError};

/// The smallest k the tool accepts, whatever the user asks.
pub const MIN_K: usize = 3;
pub const DEFAULT_K: usize = 5;
/// Refuse when more than this share of quasi-identifying cells would be suppressed.
pub const MAX_SUPPRESSED_SHARE: f64 = 0.10;

/// What a suppressed cell holds in CSV and XLSX (JSON uses `null`).
pub const SUPPRESSED: &str = "*";
pub const ALL_ROLES: &str = "All roles";
pub const WITHHELD: &str = "Withheld";

pub const COLUMNS: [&str; 4] = ["export_code", "site", "phases", "role_category"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Json,
    DataPackage,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Json => "json",
            Format::DataPackage => "datapackage",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            "json" => Ok(Format::Json),
            "datapackage" | "data-package" => Ok(Format::DataPackage),
            _ => Err(format!(
                "`{s}` is not a format (valid: csv, xlsx, json, datapackage)"
            )),
        }
    }
}

/// One eligible participant, reduced to the allow-listed values.
#[derive(Debug, Clone)]
pub struct Record {
    pub code: String,
    pub site: String,
    /// Phase numbers with a completed interview, joined with `;`.
    pub phases: String,
    pub role_category: String,
    /// Every role of the category is flagged unique at a site: the category names the role.
    pub category_is_unique_role: bool,
}

/// A level of whole-column generalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Level {
    pub role: RoleLevel,
    pub site_shown: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleLevel {
    Category,
    AllRoles,
}

impl Level {
    pub const LADDER: [Level; 3] = [
        Level {
            role: RoleLevel::Category,
            site_shown: true,
        },
        Level {
            role: RoleLevel::AllRoles,
            site_shown: true,
        },
        Level {
            role: RoleLevel::AllRoles,
            site_shown: false,
        },
    ];

    pub fn describe(self) -> String {
        format!(
            "role {}, site {}",
            match self.role {
                RoleLevel::Category => "by category",
                RoleLevel::AllRoles => "generalised to all roles",
            },
            if self.site_shown { "shown" } else { "withheld" }
        )
    }
}

/// The anonymised table: rows of the four columns; `None` is a suppressed cell.
#[derive(Debug, Clone)]
pub struct Anonymised {
    pub level: Level,
    pub rows: Vec<[Option<String>; 4]>,
    pub cells_suppressed: usize,
    /// Cells of the columns that still carry information (role category, site, phases
    /// unless generalised away): the denominator of the 10% rule.
    pub cells_informative: usize,
    /// Why levels were passed over.
    pub notes: Vec<String>,
}

/// Suppress cells (in the order of `cols`) of rows whose group is smaller than `k`, until
/// every group has at least `k` rows. `None` when no amount of suppression gets there.
fn suppress(rows: &mut [[Option<String>; 4]], cols: &[usize], k: usize) -> Option<usize> {
    let mut suppressed = 0;
    loop {
        let mut groups: HashMap<Vec<Option<String>>, usize> = HashMap::new();
        for r in rows.iter() {
            *groups
                .entry(cols.iter().map(|c| r[*c].clone()).collect())
                .or_default() += 1;
        }
        let small: Vec<usize> = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| groups[&cols.iter().map(|c| r[*c].clone()).collect::<Vec<_>>()] < k)
            .map(|(i, _)| i)
            .collect();
        if small.is_empty() {
            return Some(suppressed);
        }
        let mut progress = false;
        for i in small {
            if let Some(c) = cols.iter().find(|c| rows[i][**c].is_some()) {
                rows[i][*c] = None;
                suppressed += 1;
                progress = true;
            }
        }
        if !progress {
            return None;
        }
    }
}

/// Apply k-anonymity to eligible records (pure: no database, no files).
pub fn anonymise(records: &[Record], k: usize) -> Result<Anonymised> {
    if k < MIN_K {
        return Err(invalid(
            "k",
            format!("k = {k} is below the minimum of {MIN_K}; groups that small single people out"),
        ));
    }
    if records.len() < k {
        return Err(ServiceError::Refused(format!(
            "only {} participant(s) can be exported (completed interview, archiving consent, no removal withdrawal); a table where every group has at least k = {k} needs at least {k}",
            records.len()
        )));
    }
    let mut sorted: Vec<&Record> = records.iter().collect();
    // Sorted by the random export code: the order says nothing about recruitment.
    sorted.sort_by(|a, b| a.code.cmp(&b.code));
    let mut notes = Vec::new();
    let mut attempts = Vec::new();
    for level in Level::LADDER {
        if level.role == RoleLevel::Category
            && level.site_shown
            && sorted.iter().any(|r| r.category_is_unique_role)
        {
            notes.push(format!(
                "{} not used: a role category made only of roles unique at a site would name the role next to its site",
                level.describe()
            ));
            continue;
        }
        let mut rows: Vec<[Option<String>; 4]> = sorted
            .iter()
            .map(|r| {
                [
                    Some(r.code.clone()),
                    Some(if level.site_shown {
                        r.site.clone()
                    } else {
                        WITHHELD.to_string()
                    }),
                    Some(r.phases.clone()),
                    Some(match level.role {
                        RoleLevel::Category => r.role_category.clone(),
                        RoleLevel::AllRoles => ALL_ROLES.to_string(),
                    }),
                ]
            })
            .collect();
        // Suppression order: the most identifying column first.
        let mut cols = Vec::new();
        if level.role == RoleLevel::Category {
            cols.push(3);
        }
        if level.site_shown {
            cols.push(1);
        }
        cols.push(2);
        let informative = rows.len() * cols.len();
        match suppress(&mut rows, &cols, k) {
            Some(n) if (n as f64) <= MAX_SUPPRESSED_SHARE * informative as f64 => {
                return Ok(Anonymised {
                    level,
                    rows,
                    cells_suppressed: n,
                    cells_informative: informative,
                    notes,
                });
            }
            Some(n) => {
                let note = format!(
                    "{}: {n} of {informative} cells ({:.1}%) would be suppressed",
                    level.describe(),
                    100.0 * n as f64 / informative as f64
                );
                notes.push(note.clone());
                attempts.push(note);
            }
            None => {
                let note = format!(
                    "{}: no amount of cell suppression gives every group {k} participants",
                    level.describe()
                );
                notes.push(note.clone());
                attempts.push(note);
            }
        }
    }
    Err(ServiceError::Refused(format!(
        "k-anonymity with k = {k} would need more than {}% of the quasi-identifying cells suppressed at every level of generalisation ({}); nothing was written. A smaller k (never below {MIN_K}) or more eligible participants may make the export possible",
        (MAX_SUPPRESSED_SHARE * 100.0) as u32,
        attempts.join("; ")
    )))
}

/// Participants who may appear in the table, reduced to allow-listed values.
///
/// Set-based: one query for the participants with a completed interview (with their
/// phases), one read of every consent record and withdrawal, and the roles from the
/// reference data already loaded; no query per participant.
pub fn eligible_records(fw: &Fieldwork) -> Result<Vec<Record>> {
    let reference = &fw.reference;
    let date = today();
    // Role id -> (category name, every role of its category is unique at a site).
    let mut unique_by_category: HashMap<&str, bool> = HashMap::new();
    for r in &reference.roles {
        *unique_by_category
            .entry(r.category_id.as_str())
            .or_insert(true) &= r.unique_at_site;
    }
    let roles: HashMap<&str, (&str, bool)> = reference
        .roles
        .iter()
        .map(|r| {
            (
                r.id.as_str(),
                (
                    r.category_name.as_str(),
                    unique_by_category[r.category_id.as_str()],
                ),
            )
        })
        .collect();
    let book = fw.consent_book()?;
    let mut out = Vec::new();
    for p in crate::store::participants::interviewed(fw.store.conn())? {
        if p.phases.is_empty() {
            continue;
        }
        // Any withdrawal that removes data excludes the participant for good, even if a
        // later consent record exists: the spec asks for "not withdrawn with a removal
        // scope", and the participant is protected when in doubt.
        if book
            .withdrawals(&p.id)
            .iter()
            .any(|w| w.scope.removes_data())
        {
            continue;
        }
        if !book.in_force(&p.id, date).allows(ConsentItem::Archiving) {
            continue;
        }
        let Some((category, category_is_unique_role)) = roles.get(p.role_id.as_str()) else {
            return Err(ServiceError::Store(crate::store::StoreError::Corrupt {
                column: "participant.role_id".into(),
                value: p.role_id,
            }));
        };
        out.push(Record {
            code: p.code,
            site: p.site,
            phases: p
                .phases
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(";"),
            role_category: category.to_string(),
            category_is_unique_role: *category_is_unique_role,
        });
    }
    Ok(out)
}

/// What an export wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExportReport {
    pub files: Vec<PathBuf>,
    pub rows: usize,
    pub cells_suppressed: usize,
    pub generalisation: String,
    pub manifest: serde_json::Value,
}

fn cells(a: &Anonymised) -> Vec<Vec<String>> {
    a.rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| c.clone().unwrap_or_else(|| SUPPRESSED.to_string()))
                .collect()
        })
        .collect()
}

fn header() -> Vec<String> {
    COLUMNS.iter().map(|s| s.to_string()).collect()
}

fn json_bytes(a: &Anonymised) -> Result<Vec<u8>> {
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

fn table_schema() -> serde_json::Value {
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

fn manifest(a: &Anonymised, k: usize, format: Format) -> serde_json::Value {
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
        check_free(&[out, &super::manifest_path(out)], force)?;
    }
    let records = eligible_records(fw)?;
    let a = anonymise(&records, k)?;
    // The CSV text is built once: the guard reads it, and the CSV and data package write it.
    let table_csv = csv_text(&header(), &cells(&a));
    let register = super::identifier_register(fw)?;
    super::guard("participant table", &table_csv, &register)?;
    let m = manifest(&a, k, format);
    super::guard("manifest", &m.to_string(), &register)?;
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
            let m = super::write_anonymised(
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
                vec![out.to_path_buf(), super::manifest_path(out)],
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
                super::files::Modes::anonymised(&fw.export),
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

use super::kinds::{common, preview_rows, Export, Kind, Outcome, PaneUse, Param, Params, Preview};

fn check_format(s: &str) -> std::result::Result<(), String> {
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

fn k_of(p: &Params) -> Result<usize> {
    Ok(p.parse("k")?.unwrap_or(DEFAULT_K))
}

fn preview_entry(fw: &Fieldwork, p: &Params) -> Result<Preview> {
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

fn write_entry(fw: &mut Fieldwork, p: &Params) -> Result<Outcome> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(code: &str, site: &str, phases: &str, cat: &str) -> Record {
        Record {
            code: code.into(),
            site: site.into(),
            phases: phases.into(),
            role_category: cat.into(),
            category_is_unique_role: false,
        }
    }

    fn groups_ok(a: &Anonymised, k: usize) -> bool {
        let mut g: HashMap<Vec<Option<String>>, usize> = HashMap::new();
        for r in &a.rows {
            *g.entry(r[1..].to_vec()).or_default() += 1;
        }
        g.values().all(|n| *n >= k)
    }

    #[test]
    fn k_below_three_is_refused() {
        let r: Vec<Record> = (0..10)
            .map(|i| rec(&format!("P{i:04}"), "A", "1", "X"))
            .collect();
        assert!(anonymise(&r, 2).is_err());
        assert!(anonymise(&r, 3).is_ok());
    }

    #[test]
    fn fewer_rows_than_k_is_refused() {
        let r: Vec<Record> = (0..4)
            .map(|i| rec(&format!("P{i:04}"), "A", "1", "X"))
            .collect();
        let e = anonymise(&r, 5).unwrap_err();
        assert!(e.to_string().contains("only 4"), "{e}");
    }

    #[test]
    fn large_groups_keep_categories() {
        let mut r = Vec::new();
        for i in 0..20 {
            let cat = if i % 2 == 0 { "X" } else { "Y" };
            r.push(rec(&format!("P{i:04}"), "A", "1", cat));
        }
        let a = anonymise(&r, 5).unwrap();
        assert_eq!(a.level, Level::LADDER[0]);
        assert_eq!(a.cells_suppressed, 0);
        assert!(groups_ok(&a, 5));
    }

    #[test]
    fn a_lone_outlier_moves_the_table_up_a_level() {
        let mut r: Vec<Record> = (0..30)
            .map(|i| rec(&format!("P{i:04}"), "A", "1", "X"))
            .collect();
        r.push(rec("PZZZZ", "A", "1", "Lonely"));
        // A suppressed cell is a value of its own ("*"), so a single outlier stays alone
        // however many of its cells go: the role column is generalised instead.
        let a = anonymise(&r, 5).unwrap();
        assert_eq!(a.level.role, RoleLevel::AllRoles);
        assert_eq!(a.cells_suppressed, 0);
        assert!(groups_ok(&a, 5));
    }

    #[test]
    fn small_groups_that_merge_are_suppressed_cell_by_cell() {
        let mut r: Vec<Record> = (0..30)
            .map(|i| rec(&format!("P{i:04}"), "A", "1", "X"))
            .collect();
        for i in 0..5 {
            r.push(rec(&format!("PY{i:03}"), "A", "1", &format!("Y{i}")));
        }
        let a = anonymise(&r, 5).unwrap();
        assert_eq!(a.level, Level::LADDER[0]);
        assert_eq!(a.cells_suppressed, 5);
        assert!(a.rows.iter().filter(|r| r[3].is_none()).count() == 5);
        assert!(groups_ok(&a, 5));
    }

    #[test]
    fn many_small_groups_generalise_the_role() {
        let mut r = Vec::new();
        for i in 0..40 {
            let cat = ["V", "W", "X", "Y", "Z"][i % 5];
            let site = ["A", "B"][i / 20];
            // 4 per (site, category): too few for k = 5; 20 per site.
            r.push(rec(&format!("P{i:04}"), site, "1", cat));
        }
        let a = anonymise(&r, 5).unwrap();
        assert_eq!(a.level.role, RoleLevel::AllRoles);
        assert!(a.level.site_shown);
        assert!(a
            .rows
            .iter()
            .all(|row| row[3].as_deref() == Some(ALL_ROLES)));
        assert!(groups_ok(&a, 5));
    }

    #[test]
    fn unique_role_categories_never_sit_next_to_a_site() {
        let mut r: Vec<Record> = (0..30)
            .map(|i| rec(&format!("P{i:04}"), "A", "1", "X"))
            .collect();
        r[0].category_is_unique_role = true;
        let a = anonymise(&r, 5).unwrap();
        assert!(a.level.role == RoleLevel::AllRoles || !a.level.site_shown);
        assert!(!a.notes.is_empty());
    }

    #[test]
    fn hopeless_tables_are_refused_with_reasons() {
        // Every row in its own phase combination and site: nothing short of suppressing
        // almost everything helps.
        let r: Vec<Record> = (0..6)
            .map(|i| rec(&format!("P{i:04}"), &format!("S{i}"), &format!("{i}"), "X"))
            .collect();
        let e = anonymise(&r, 5).unwrap_err().to_string();
        assert!(e.contains("would need more than 10%"), "{e}");
    }

    #[test]
    fn rows_are_ordered_by_export_code() {
        let r: Vec<Record> = ["PZ", "PA", "PM", "PB", "PC"]
            .iter()
            .map(|c| rec(c, "A", "1", "X"))
            .collect();
        let a = anonymise(&r, 5).unwrap();
        let codes: Vec<_> = a.rows.iter().map(|r| r[0].clone().unwrap()).collect();
        assert_eq!(codes, ["PA", "PB", "PC", "PM", "PZ"]);
    }
}
