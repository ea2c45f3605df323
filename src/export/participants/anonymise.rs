//! k-anonymity of the participant table: the records eligible, generalising and suppressing
//! until every combination is shared by at least k participants.

use std::collections::HashMap;

use crate::domain::{today, ConsentItem};
use crate::export::invalid;
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
pub(super) fn suppress(
    rows: &mut [[Option<String>; 4]],
    cols: &[usize],
    k: usize,
) -> Option<usize> {
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
