//! Table 1 built from the study: its formats, cells, audit summary and renderings.

use std::collections::HashMap;

use serde_json::json;

use super::grid::*;
use crate::domain::{ParticipantFilter, Status};
use crate::export::{csv_text, invalid, manifest_base, xlsx_bytes};
use crate::service::{Fieldwork, Result, ServiceError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Md,
    Csv,
    Xlsx,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Md => "md",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "md" | "markdown" => Ok(Format::Md),
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            _ => Err(format!("`{s}` is not a format (valid: md, csv, xlsx)")),
        }
    }
}

/// Table 1, computed and suppressed.
#[derive(Debug, Clone)]
pub struct Table1 {
    pub threshold: i64,
    pub sites: Vec<String>,
    pub categories: Vec<String>,
    /// (phase number, phase name, grid).
    pub phases: Vec<(u32, String, Grid)>,
    pub declined: i64,
    pub withdrawn: i64,
}

pub fn build(fw: &Fieldwork, threshold: i64) -> Result<Table1> {
    if threshold != 5 && threshold != 10 {
        return Err(invalid(
            "threshold",
            format!("{threshold} is not offered (valid: 5, 10)"),
        ));
    }
    let r = &fw.reference;
    let sites: Vec<String> = r.sites.iter().map(|s| s.code.clone()).collect();
    let categories: Vec<String> = r.role_categories.iter().map(|c| c.name.clone()).collect();
    let mut counts: Vec<Vec<Vec<i64>>> =
        vec![vec![vec![0; sites.len()]; categories.len()]; r.phases.len()];
    let (mut declined, mut withdrawn) = (0i64, 0i64);
    // Positions by key, looked up once per participant (a scan of the sites for each
    // participant grew with sites × participants at larger scales).
    let site_index: HashMap<&str, usize> = sites
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let category_index: HashMap<&str, usize> = r
        .role_categories
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    // Every participant in one query and every withdrawal in one read, not a page query
    // and a consent query per participant.
    let book = fw.consent_book()?;
    for p in fw.participants(&ParticipantFilter::default(), 0, usize::MAX >> 1)? {
        if p.status == Status::Declined {
            declined += 1;
        }
        let withdrawals = book.withdrawals(&p.id);
        if !withdrawals.is_empty() || p.status == Status::Withdrawn {
            withdrawn += 1;
        }
        if withdrawals.iter().any(|w| w.scope.removes_data()) {
            continue;
        }
        let role = r.role(&p.role)?;
        let ci = category_index.get(role.category_id.as_str()).copied();
        let si = site_index.get(p.site.as_str()).copied();
        let (Some(ci), Some(si)) = (ci, si) else {
            continue;
        };
        for n in &p.phases_interviewed {
            if let Some(pi) = r.phases.iter().position(|ph| ph.number == *n) {
                counts[pi][ci][si] += 1;
            }
        }
    }
    let mut phases = Vec::with_capacity(r.phases.len());
    for (ph, inner) in r.phases.iter().zip(counts) {
        let mut g = Grid::new(&inner);
        g.suppress(threshold).map_err(|e| ServiceError::Io {
            context: "auditing Table 1".into(),
            source: std::io::Error::other(e.to_string()),
        })?;
        phases.push((ph.number, ph.name.clone(), g));
    }
    Ok(Table1 {
        threshold,
        sites,
        categories,
        phases,
        declined,
        withdrawn,
    })
}

impl Table1 {
    pub(super) fn header(&self) -> Vec<String> {
        let mut h = vec!["phase".to_string(), "role_category".to_string()];
        h.extend(self.sites.iter().cloned());
        h.push("Total".into());
        h
    }

    /// The grid as rows of text cells (phase, category, sites…, total).
    pub(super) fn rows(&self) -> Vec<Vec<String>> {
        let t = self.threshold;
        let mut out = Vec::new();
        for (n, _, g) in &self.phases {
            for i in 0..g.rows() {
                let label = if i < self.categories.len() {
                    self.categories[i].clone()
                } else {
                    "Total".to_string()
                };
                let mut row = vec![n.to_string(), label];
                row.extend((0..g.cols()).map(|j| g.shown(i, j, t)));
                out.push(row);
            }
        }
        let blank = self.sites.len();
        for (label, v) in [
            ("Declined (all sites and phases)", self.declined),
            ("Withdrawn (all sites and phases)", self.withdrawn),
        ] {
            let mut row = vec![String::new(), label.to_string()];
            row.extend(std::iter::repeat_n(String::new(), blank));
            row.push(small_count(v, t));
            out.push(row);
        }
        out
    }

    pub fn markdown(&self) -> String {
        let t = self.threshold;
        let mut s = String::from("# Table 1: participants by role category, site and phase\n\n");
        s.push_str(&format!(
            "Counts of participants (not interviews). `<{t}`: between 1 and {} participants. `*`: withheld so that a small count cannot be worked out from the totals.\n",
            t - 1
        ));
        for (n, name, g) in &self.phases {
            s.push_str(&format!("\n## Phase {n}: {}\n\n", md_cell(name)));
            s.push_str("| Role category |");
            for site in &self.sites {
                s.push_str(&format!(" {} |", md_cell(site)));
            }
            s.push_str(" Total |\n|---|");
            s.push_str(&"---:|".repeat(self.sites.len() + 1));
            s.push('\n');
            for i in 0..g.rows() {
                let label = if i < self.categories.len() {
                    md_cell(&self.categories[i])
                } else {
                    "**Total**".to_string()
                };
                s.push_str(&format!("| {label} |"));
                for j in 0..g.cols() {
                    s.push_str(&format!(" {} |", g.shown(i, j, t)));
                }
                s.push('\n');
            }
        }
        s.push_str(&format!(
            "\nDeclined (all sites and phases): {}\n\nWithdrawn (all sites and phases): {}\n",
            small_count(self.declined, t),
            small_count(self.withdrawn, t)
        ));
        s
    }

    pub fn bytes(&self, format: Format) -> Result<Vec<u8>> {
        Ok(match format {
            Format::Md => self.markdown().into_bytes(),
            Format::Csv => csv_text(&self.header(), &self.rows()).into_bytes(),
            Format::Xlsx => xlsx_bytes("table1", "Table 1", &self.header(), &self.rows(), 2)?,
        })
    }

    pub(super) fn manifest(&self, format: Format) -> serde_json::Value {
        let mut m = manifest_base("table1");
        let (mut primary, mut secondary, mut unresolved) = (0, 0, 0);
        for (_, _, g) in &self.phases {
            primary += g.count(Mark::Primary);
            secondary += g.count(Mark::Secondary);
            unresolved += g.unresolved;
        }
        m["parameters"] = json!({
            "format": format.as_str(),
            "threshold": self.threshold,
            "unit": "participants (not interviews); a participant counts once per phase with a completed interview",
            "excluded_from_cells": "participants who withdrew with a removal scope",
        });
        m["generalisation"] = json!({
            "role": "category",
            "site": "code",
            "phase": "number",
            "declines_and_withdrawals": "totals only",
        });
        m["rows"] = json!(self.rows().len());
        m["cells_suppressed"] = json!({
            "primary": primary,
            "secondary": secondary,
            "total": primary + secondary,
        });
        m["unresolved_lines"] = json!(unresolved);
        let a = self.audit_summary();
        m["audit"] = json!({
            "method": "each phase's grid audited as a whole: every row, column and total is a linear equation, every suppressed entry an unknown (<T: 1 to T-1; *: T or more, since it would have been shown); each unknown minimised and maximised by linear programming (exact for these tables: the constraint matrix is totally unimodular), each program solved as a maximum flow: the equations are flow conservation at one node per row and per column, every entry an arc, and an entry's extremes are its value plus or minus the flow that can go round a cycle through it",
            "reference": "Hundepool et al., Statistical Disclosure Control (Wiley, 2012), ch. 4; tau-ARGUS manual (audit)",
            "solver": "max flow (Dinic) on the grid's row-column network",
            "safe": a.safe,
            "suppressed_cells": a.checked,
            "linear_programs_solved": a.lps,
            "secondary_added_by_audit": a.added,
            "cells": a.cells,
            "unprotectable": a.unprotectable,
        });
        m
    }

    /// The audit of every phase's grid, for the manifest, the command line and the
    /// terminal interface's preview.
    pub fn audit_summary(&self) -> AuditSummary {
        let t = self.threshold;
        let mut s = AuditSummary {
            safe: true,
            ..Default::default()
        };
        for (n, _, g) in &self.phases {
            let a = &g.audit;
            s.lps += a.lps;
            s.added += a.added;
            s.safe &= a.safe;
            let label = |i: usize, j: usize| {
                (
                    self.categories
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| "Total".into()),
                    self.sites.get(j).cloned().unwrap_or_else(|| "Total".into()),
                )
            };
            for iv in &a.intervals {
                s.checked += 1;
                let (row, column) = label(iv.row, iv.col);
                let cell = AuditedCell {
                    phase: *n,
                    row,
                    column,
                    mark: g.shown(iv.row, iv.col, t),
                    interval: (iv.lo, iv.hi),
                    protected: iv.safe(t),
                };
                if !cell.protected {
                    s.narrowed.push(cell.describe());
                }
                if a.unprotectable.contains(&(iv.row, iv.col)) {
                    s.unprotectable.push(cell.describe());
                }
                s.cells.push(cell);
            }
        }
        s
    }
}

/// One suppressed entry of Table 1 as the audit found it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditedCell {
    pub phase: u32,
    /// Role category or `Total`.
    pub row: String,
    /// Site code or `Total`.
    pub column: String,
    /// As published: `<T` or `*`.
    pub mark: String,
    /// What an intruder can derive: [lo, hi], hi `null` when unbounded.
    pub interval: (i64, Option<i64>),
    /// `<T`: still the whole 1…T−1; `*`: not pinned to one value.
    pub protected: bool,
}

impl AuditedCell {
    pub(super) fn describe(&self) -> String {
        let hi = self
            .interval
            .1
            .map_or_else(|| "…".to_string(), |h| h.to_string());
        format!(
            "phase {}, {} × {} ({}): {}–{hi}",
            self.phase, self.row, self.column, self.mark, self.interval.0
        )
    }
}

/// The audit of Table 1 over all phases.
#[derive(Debug, Clone, Default)]
pub struct AuditSummary {
    pub checked: usize,
    pub lps: usize,
    pub added: usize,
    pub safe: bool,
    pub cells: Vec<AuditedCell>,
    /// Suppressed entries an intruder can narrow (described).
    pub narrowed: Vec<String>,
    /// Those of them no suppression could protect.
    pub unprotectable: Vec<String>,
}

impl AuditSummary {
    /// One line for the command line and the preview.
    pub fn line(&self, threshold: i64) -> String {
        if self.safe {
            format!(
                "audit: safe — {} suppressed cell(s) checked as a whole table with {} linear program(s): every <{threshold} can be anything from 1 to {}, no * is pinned ({} secondary added by the audit)",
                self.checked,
                self.lps,
                threshold - 1,
                self.added
            )
        } else {
            format!(
                "audit: NOT safe — {} of {} suppressed cell(s) can be narrowed by combining rows, columns and totals ({} linear program(s); {} secondary added; {} cannot be protected by suppression)",
                self.narrowed.len(),
                self.checked,
                self.lps,
                self.added,
                self.unprotectable.len()
            )
        }
    }
}

pub(super) fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// What `export table1` wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Table1Report {
    pub files: Vec<std::path::PathBuf>,
    pub cells_suppressed: usize,
    pub manifest: serde_json::Value,
    #[serde(skip)]
    pub audit: AuditSummary,
}
