//! Writing Table 1 (`export table1`) and its registry entry (the CLI and the Export pane).

use std::path::Path;

use super::{grid::*, table::*};
use crate::export::{csv_text, invalid};
use crate::service::{Fieldwork, Result, ServiceError};

pub fn export(
    fw: &Fieldwork,
    format: Format,
    out: &Path,
    threshold: i64,
    force: bool,
    allow_unsafe: bool,
) -> Result<Table1Report> {
    crate::export::check_free(&[out, &crate::export::manifest_path(out)], force)?;
    let t = build(fw, threshold)?;
    let audit = t.audit_summary();
    // A table whose small cells an intruder can narrow is not written unless the person
    // exporting says so (and the manifest then records the audit that failed).
    if !audit.safe && !allow_unsafe {
        let mut why = vec![audit.line(threshold)];
        why.extend(
            audit
                .narrowed
                .iter()
                .map(|c| format!("can be narrowed: {c}")),
        );
        why.push(
            "nothing was written; group sites or role categories (or raise --threshold), or pass --allow-unsafe to write it anyway"
                .to_string(),
        );
        return Err(ServiceError::Refused(why.join("\n")));
    }
    let register = crate::export::identifier_register(fw)?;
    crate::export::guard("table", &t.markdown(), &register)?;
    crate::export::guard("table", &csv_text(&t.header(), &t.rows()), &register)?;
    let bytes = t.bytes(format)?;
    let m = crate::export::write_anonymised(
        fw,
        &register,
        "table",
        out,
        &bytes,
        format.as_str(),
        t.manifest(format),
        force,
    )?;
    Ok(Table1Report {
        files: vec![out.to_path_buf(), crate::export::manifest_path(out)],
        cells_suppressed: m["cells_suppressed"]["total"].as_u64().unwrap_or(0) as usize,
        manifest: m,
        audit,
    })
}

// The registry's entry (`export table1`, the Export pane).

use crate::export::kinds::{
    common, preview_rows, Export, Kind, Outcome, PaneUse, Param, Params, Preview,
};

pub(super) fn check_format(s: &str) -> std::result::Result<(), String> {
    s.parse::<Format>().map(|_| ())
}

pub(super) fn check_threshold(s: &str) -> std::result::Result<(), String> {
    match s.trim() {
        "5" | "10" => Ok(()),
        _ => Err(format!("`{s}` is not offered (valid: 5, 10)")),
    }
}

pub const ENTRY: Export = Export {
    name: "table1",
    title: "Table 1 (counts)",
    about: "Table 1: participants by role category × site × phase, small cells suppressed.",
    formats: &["md", "csv", "xlsx"],
    params: &[
        common::out(
            "FILE",
            "Output file (a manifest is written beside it as FILE.manifest.json).",
        ),
        common::format(Kind::Checked(check_format), Some("md"), false, "md, csv or xlsx."),
        Param {
            name: "threshold",
            kind: Kind::Checked(check_threshold),
            default: Some("5"),
            required: false,
            value_name: "THRESHOLD",
            help: "Counts from 1 to threshold-1 are shown as <threshold (5 or 10).",
            pane: PaneUse::Cycle {
                values: &["5", "10"],
                shown: "small cells < {}",
            },
        },
        common::force("Replace existing files."),
        Param {
            name: "allow_unsafe",
            kind: Kind::Flag,
            default: None,
            required: false,
            value_name: "",
            help: "Write the table even when the audit finds a suppressed cell that combining rows, columns and totals narrows (refused by default).",
            pane: PaneUse::Confirm {
                label: "Audit not safe",
                yes: "write anyway",
            },
        },
    ],
    redacts: false,
    preview: preview_entry,
    write: write_entry,
};

pub(super) fn threshold_of(p: &Params) -> Result<i64> {
    let t = p.get("threshold").unwrap_or("5");
    check_threshold(t).map_err(|m| invalid("threshold", m))?;
    Ok(t.trim().parse().unwrap_or(5))
}

pub(super) fn preview_entry(fw: &Fieldwork, p: &Params) -> Result<Preview> {
    let t = threshold_of(p)?;
    let mut v = Preview::default();
    let table = build(fw, t)?;
    let (mut primary, mut secondary) = (0, 0);
    for (_, _, g) in &table.phases {
        primary += g.count(Mark::Primary);
        secondary += g.count(Mark::Secondary);
        if g.unresolved > 0 {
            v.warnings.push(format!(
                "{} line(s) where a suppressed cell could still be worked out",
                g.unresolved
            ));
        }
    }
    v.summary.push(format!(
        "{} site(s) × {} role categor(ies) × {} phase(s); counts 1–{} shown as <{t}",
        table.sites.len(),
        table.categories.len(),
        table.phases.len(),
        t - 1
    ));
    v.summary.push(format!(
        "cells suppressed: {primary} small, {secondary} secondary; declined {} and withdrawn {} as totals only",
        small_count(table.declined, t),
        small_count(table.withdrawn, t)
    ));
    let audit = table.audit_summary();
    v.summary.push(audit.line(t));
    if !audit.safe {
        v.refusal = Some(
            "refused as it stands: combining rows, columns and totals narrows a suppressed cell; group sites or categories, or choose “write anyway” in the form"
                .into(),
        );
    }
    v.warnings.extend(
        audit
            .narrowed
            .iter()
            .map(|c| format!("can be narrowed: {c}")),
    );
    v.header = vec!["Table 1 (as markdown)".into()];
    v.rows = preview_rows(table.markdown().lines().map(|l| vec![l.to_string()]));
    Ok(v)
}

pub(super) fn write_entry(fw: &mut Fieldwork, p: &Params) -> Result<Outcome> {
    let t = threshold_of(p)?;
    let format: Format = p
        .format(&ENTRY)
        .parse()
        .map_err(|m: String| invalid("format", m))?;
    let r = export(
        fw,
        format,
        &p.out()?,
        t,
        p.flag("force"),
        p.flag("allow_unsafe"),
    )?;
    let mut notes = vec![
        format!(
            "wrote Table 1 ({} cell(s) suppressed, threshold {t})",
            r.cells_suppressed
        ),
        r.audit.line(t),
    ];
    notes.extend(
        r.audit
            .narrowed
            .iter()
            .map(|c| format!("  can be narrowed: {c}")),
    );
    Ok(Outcome {
        printed: r.files.clone(),
        files: r.files,
        warnings: Vec::new(),
        notes,
    })
}
