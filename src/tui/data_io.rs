//! Carries out the Redaction and Export panes' effects and loads: every write is one
//! service (or export) call; the suspects and the previews are computed after the frame
//! (`Slow::Data`), so the pane says it is computing before the work starts.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::app::{Mode, Pane, Slow, State};
use super::data::{self, DataEffect, ExportJob, ExportKind, Param, Preview, Written, LOG_ROWS};
use super::widgets::text::pii;
use super::worker::Work;
use crate::export;
use crate::service::redaction::Decision;
use crate::service::{Fieldwork, Result, ServiceError};

/// Rows of an export kept for the preview (the pane shows what fits).
const PREVIEW_ROWS: usize = 500;

pub fn load(fw: &Fieldwork, s: &mut State, p: Pane) -> Result<()> {
    match p {
        Pane::Redaction => {
            // The register (every identifier with its variants) and the log, then the
            // suspects: both computed by the load worker.
            s.request(Slow::Register);
            data::recompute_suspects(s);
            let keep = s
                .message
                .as_ref()
                .is_some_and(|m| m.error || m.text.ends_with("suspects…"));
            if !keep {
                s.info("computing the suspects…");
            }
        }
        Pane::Export => {
            if s.themes.is_empty() {
                s.themes = fw.themes(false)?;
            }
            // Quotes start on the first active theme (`p` cycles them).
            if s.data.export.theme.is_none() {
                s.data.export.theme = s
                    .themes
                    .iter()
                    .find(|t| t.status == crate::domain::ThemeStatus::Active)
                    .map(|t| (t.id.clone(), t.path.clone()));
            }
            // Loaded when shown after a change anywhere: the preview may have changed too.
            data::recompute_preview(s);
        }
        _ => {}
    }
    Ok(())
}

/// The slow part of a load: the suspects over the corpus, or an export's preview (for the
/// export and parameter selected now).
pub fn slow_work(s: &State, p: Pane) -> Work {
    match p {
        Pane::Redaction => {
            // Superseded (the pane asked again, a write), the scan stops at the next
            // transcript: its answer would be dropped anyway.
            let stop = s.cancel_flag(super::app::Slow::Data(p));
            Box::new(move |fw| {
                let t = Instant::now();
                let stopped = || stop.load(std::sync::atomic::Ordering::Relaxed);
                let Some(v) = fw.suspects_until(None, &stopped)? else {
                    return Ok(Box::new(|_: &mut State| {}));
                };
                let millis = t.elapsed().as_millis();
                Ok(Box::new(move |s: &mut State| suspects_done(s, v, millis)))
            })
        }
        Pane::Export => {
            let kind = s.data.export.kind();
            let param = s.data.export.param();
            Box::new(move |fw| {
                let v = preview(fw, kind, &param).unwrap_or_else(|e| Preview {
                    refusal: Some(e.to_string()),
                    ..Default::default()
                });
                Ok(Box::new(move |s: &mut State| {
                    let e = &mut s.data.export;
                    e.computing = false;
                    e.preview = Some((kind, param, v));
                }))
            })
        }
        _ => Box::new(|_| Ok(Box::new(|_: &mut State| {}))),
    }
}

/// The Redaction pane's register of identifiers and the anonymisation log.
pub fn register_work() -> Work {
    Box::new(|fw| {
        let register = fw.register()?;
        let log = fw.redaction_log(LOG_ROWS)?;
        Ok(Box::new(move |s: &mut State| {
            let r = &mut s.data.red;
            r.register = register;
            r.log = log;
            let n = r.register_shown().len();
            r.reg_sel = r.reg_sel.min(n.saturating_sub(1));
        }))
    })
}

/// The suspects are computed: show them and say how many.
fn suspects_done(s: &mut State, v: Vec<crate::service::redaction::SuspectGroup>, ms: u128) {
    let red = &mut s.data.red;
    red.computing = false;
    red.millis = ms;
    let n = v.len();
    super::worker::drop_off_thread(red.suspects.replace(v));
    let shown = red.suspects_shown().len();
    red.sus_sel = red.sus_sel.min(shown.saturating_sub(1));
    let replace = s
        .message
        .as_ref()
        .is_none_or(|m| !m.error && m.text.ends_with("suspects…"));
    if replace {
        let base = s
            .message
            .as_ref()
            .map(|m| {
                m.text
                    .trim_end_matches("computing the suspects…")
                    .trim_end_matches("; ")
                    .to_string()
            })
            .unwrap_or_default();
        let done = format!("{n} suspect(s) to review ({ms} ms)");
        s.info(if base.is_empty() {
            done
        } else {
            format!("{base}; {done}")
        });
    }
}

fn cells(rows: impl IntoIterator<Item = Vec<String>>) -> Vec<Vec<String>> {
    rows.into_iter().take(PREVIEW_ROWS).collect()
}

/// What an export would write, computed with the export layer's own functions.
pub fn preview(fw: &Fieldwork, kind: ExportKind, param: &Param) -> Result<Preview> {
    let mut p = Preview::default();
    match (kind, param) {
        (ExportKind::Participants, Param::K(k)) => {
            use export::participants as ep;
            let records = ep::eligible_records(fw)?;
            p.summary.push(format!(
                "{} eligible participant(s) (completed interview, archiving consent, no removal withdrawal)",
                records.len()
            ));
            p.header = ep::COLUMNS.iter().map(|c| c.to_string()).collect();
            match ep::anonymise(&records, *k) {
                Ok(a) => {
                    p.summary.push(format!(
                        "{} row(s); k = {k}; {}; {} of {} quasi-identifying cell(s) suppressed",
                        a.rows.len(),
                        a.level.describe(),
                        a.cells_suppressed,
                        a.cells_informative
                    ));
                    p.warnings = a.notes.clone();
                    p.rows = cells(a.rows.iter().map(|r| {
                        r.iter()
                            .map(|c| c.clone().unwrap_or_else(|| ep::SUPPRESSED.to_string()))
                            .collect()
                    }));
                }
                Err(e) => p.refusal = Some(e.to_string()),
            }
        }
        (ExportKind::Table1, Param::Threshold(t)) => {
            use export::table1::{self as t1, Mark};
            let table = t1::build(fw, *t)?;
            let (mut primary, mut secondary) = (0, 0);
            for (_, _, g) in &table.phases {
                primary += g.count(Mark::Primary);
                secondary += g.count(Mark::Secondary);
                if g.unresolved > 0 {
                    p.warnings.push(format!(
                        "{} line(s) where a suppressed cell could still be worked out",
                        g.unresolved
                    ));
                }
            }
            p.summary.push(format!(
                "{} site(s) × {} role categor(ies) × {} phase(s); counts 1–{} shown as <{t}",
                table.sites.len(),
                table.categories.len(),
                table.phases.len(),
                t - 1
            ));
            p.summary.push(format!(
                "cells suppressed: {primary} small, {secondary} secondary; declined {} and withdrawn {} as totals only",
                t1::small_count(table.declined, *t),
                t1::small_count(table.withdrawn, *t)
            ));
            let audit = table.audit_summary();
            p.summary.push(audit.line(*t));
            if !audit.safe {
                p.refusal = Some(
                    "refused as it stands: combining rows, columns and totals narrows a suppressed cell; group sites or categories, or choose “write anyway” in the form"
                        .into(),
                );
            }
            p.warnings.extend(
                audit
                    .narrowed
                    .iter()
                    .map(|c| format!("can be narrowed: {c}")),
            );
            p.header = vec!["Table 1 (as markdown)".into()];
            p.rows = cells(table.markdown().lines().map(|l| vec![l.to_string()]));
        }
        (ExportKind::Quotes, Param::Theme(theme)) => {
            let Some((id, path)) = theme else {
                p.refusal = Some("no theme chosen: p cycles the themes".into());
                return Ok(p);
            };
            let q = export::quotes::preview_quotes(fw, id)?;
            p.summary.push(format!(
                "theme {path}: {} quote(s); {} withheld for consent; {} lost after a re-import",
                q.rows.len(),
                q.withheld_consent,
                q.withheld_unanchored
            ));
            p.warnings = q.warnings;
            p.header = vec!["attribution".into(), "quote (redacted)".into()];
            p.text_cols = vec![1];
            p.rows = cells(q.rows.into_iter().map(|r| {
                vec![
                    r.attribution,
                    r.quote.split_whitespace().collect::<Vec<_>>().join(" "),
                ]
            }));
        }
        (ExportKind::Matrix, Param::Phase(phase)) => {
            let m = export::matrix::preview_matrix(fw, *phase)?;
            p.summary.push(format!(
                "{} row(s) × {} theme(s); {} case(s) withheld for consent",
                m.rows.len(),
                m.themes,
                m.cases_withheld
            ));
            p.summary.push(format!(
                "{} summary cell(s) redacted; {} hold unreviewed suspects",
                m.summaries_redacted, m.summaries_with_suspects
            ));
            p.warnings = m.warnings;
            p.text_cols = m
                .header
                .iter()
                .enumerate()
                .filter(|(_, h)| h.ends_with("summary"))
                .map(|(i, _)| i)
                .collect();
            p.header = m.header;
            p.rows = cells(m.rows);
        }
        (ExportKind::Codebook, _) => {
            let xml = export::codebook::codebook_xml(fw, None)?;
            let themes = fw.themes(false)?;
            p.summary.push(format!(
                "{} code(s), every framework also written as a code set; no manifest (the codebook holds no participant data)",
                xml.matches("<Code ").count()
            ));
            p.header = vec!["code".into()];
            p.rows = cells(themes.into_iter().map(|t| vec![t.path]));
        }
        (ExportKind::Transcripts, _) => {
            let t = export::transcripts::preview_transcripts(fw)?;
            p.summary.push(format!(
                "{} transcript(s); {} replacement(s); {} withheld for consent",
                t.files.len(),
                t.files.iter().map(|f| f.replacements).sum::<usize>(),
                t.withheld_consent
            ));
            p.warnings = t.warnings;
            if t.unreviewed_suspects > 0 {
                p.refusal = Some(unreviewed(None, t.unreviewed_suspects));
            }
            p.header = vec![
                "file".into(),
                "characters".into(),
                "replacements".into(),
                "unreviewed".into(),
            ];
            p.rows = cells(t.files.into_iter().map(|f| {
                vec![
                    f.file,
                    f.chars.to_string(),
                    f.replacements.to_string(),
                    f.unreviewed_suspects.to_string(),
                ]
            }));
        }
        (ExportKind::Project, _) => {
            let x = export::project::preview_project(fw, false)?;
            p.summary.push(format!(
                "{} source(s) (redacted), {} coding(s), {} note(s), {} case(s), {} code(s)",
                x.sources, x.codings, x.notes, x.cases, x.codes
            ));
            p.summary.push(format!(
                "withheld: {} source(s) for consent, {} coding(s) lost or on retired themes",
                x.withheld_sources, x.withheld_codings
            ));
            p.warnings = x.warnings;
            let open = fw.suspects(None)?;
            if !open.is_empty() {
                let places = open.iter().map(|g| g.occurrences.len()).sum();
                p.refusal = Some(unreviewed(Some(open.len()), places));
            }
        }
        (k, other) => p.refusal = Some(format!("{}: unexpected parameter {other:?}", k.title())),
    }
    Ok(p)
}

/// The refusal for unreviewed suspects: the distinct texts (as `redact suspects` and the
/// Redaction pane list them), when known, and the places they occur.
fn unreviewed(texts: Option<usize>, places: usize) -> String {
    let what = match texts {
        Some(n) => format!("{n} suspect(s), in {places} place(s),"),
        None => format!("suspects in {places} place(s)"),
    };
    format!(
        "refused as it stands: {what} are not reviewed; review them in the Redaction pane (D), or choose “export anyway” in the form"
    )
}

/// Close the form after a successful write; else show the error on its field.
fn finish_form(s: &mut State, r: &std::result::Result<String, ServiceError>) {
    match r {
        Ok(msg) => {
            s.form = None;
            if s.mode == Mode::Form {
                s.mode = Mode::Normal;
            }
            s.info(msg.clone());
        }
        Err(e) => {
            let mut text = e.to_string();
            if text.contains("already exists") {
                text = format!(
                    "{}: set “If it exists” to overwrite, or choose another name",
                    text.split(';').next().unwrap_or(&text).trim()
                );
            }
            if let Some((_, form)) = &mut s.form {
                match e {
                    ServiceError::Invalid { field, message } => {
                        let m = if message.contains("already exists") {
                            "exists: set “If it exists” to overwrite".to_string()
                        } else {
                            message.clone()
                        };
                        if !form.set_error(field, &m) {
                            form.error = Some(text.clone());
                        }
                    }
                    _ => form.error = Some(text.clone()),
                }
                s.mode = Mode::Form;
            }
            s.error(text);
        }
    }
}

pub fn perform(fw: &mut Fieldwork, s: &mut State, e: DataEffect) -> Result<()> {
    let privacy = s.privacy;
    let r: std::result::Result<String, ServiceError> = match e {
        DataEffect::Seed => fw.seed_register().map(|r| {
            format!(
                "register seeded: {} people, {} organisation(s), {} job title(s), {} site(s) new; {} variant(s) added",
                r.people, r.organisations, r.job_titles, r.sites, r.variants_added
            )
        }),
        DataEffect::AddIdentifier {
            kind,
            label,
            variant,
        } => fw
            .add_identifier(&kind, &label, &[variant])
            .map(|i| format!("added {} ({})", i.label, i.kind)),
        DataEffect::AddVariant {
            identifier,
            variant,
        } => fw
            .add_identifier_variant(&identifier, &variant)
            .map(|i| format!("{} is now a variant of {}", pii(privacy, &variant), i.label)),
        DataEffect::Review { text, decision } => {
            let shown = pii(privacy, &text);
            let what = match &decision {
                Decision::Variant(id) => {
                    let label = s
                        .data
                        .red
                        .register
                        .iter()
                        .find(|r| r.id == *id)
                        .map_or_else(|| id.clone(), |r| r.label.clone());
                    format!("“{shown}” is now a variant of {label}")
                }
                Decision::New { label, .. } => format!("“{shown}” is now {label}"),
                Decision::Allow => {
                    format!("“{shown}” allowed: it identifies no one and is not flagged again")
                }
            };
            fw.review_suspect(&text, decision).map(|_| what)
        }
        // Only the write here: the suspects (and the count left) are recomputed after the
        // frame, like after every decision.
        DataEffect::AllowClass { class } => fw
            .allow_class(&class)
            .map(|_| format!("class {class} allowed")),
        DataEffect::Export(job) => return write_export(fw, s, job),
    };
    let ok = r.is_ok();
    finish_form(s, &r);
    if ok {
        s.invalidate();
        if let Some(m) = &s.message {
            let t = format!("{}; computing the suspects…", m.text);
            s.info(t);
        }
        load(fw, s, Pane::Redaction)?;
        s.stale[Pane::Redaction.index()] = false;
    }
    Ok(())
}

/// The manifest written with an export: `FILE.manifest.json` beside a file, the
/// `manifest.json` or `*.manifest.json` inside a folder.
fn manifest_of(files: &[PathBuf], out: &Path) -> Option<PathBuf> {
    files
        .iter()
        .find(|f| f.to_string_lossy().ends_with("manifest.json"))
        .cloned()
        .or_else(|| {
            let m = export::manifest_path(out);
            m.exists().then_some(m)
        })
}

fn write_export(fw: &mut Fieldwork, s: &mut State, job: ExportJob) -> Result<()> {
    let out = PathBuf::from(&job.out);
    // The default folder (./exports) is made on first use; other folders must exist.
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() && dir.file_name().is_some_and(|n| n == "exports") {
            let _ = export::files::create_dir_all(dir, export::files::Modes::OWNER_ONLY);
        }
    }
    let f = job.force;
    let r: Result<Vec<PathBuf>> = match (job.kind, &job.param) {
        (ExportKind::Participants, Param::K(k)) => job
            .format
            .parse()
            .map_err(|m: String| invalid("format", m))
            .and_then(|fmt| export::participants::export(fw, fmt, &out, *k, f))
            .map(|r| r.files),
        (ExportKind::Table1, Param::Threshold(t)) => job
            .format
            .parse()
            .map_err(|m: String| invalid("format", m))
            .and_then(|fmt| export::table1::export(fw, fmt, &out, *t, f, job.allow_unsafe))
            .map(|r| r.files),
        (ExportKind::Quotes, Param::Theme(Some((id, _)))) => job
            .format
            .parse()
            .map_err(|m: String| invalid("format", m))
            .and_then(|fmt| export::quotes::export_quotes(fw, id, fmt, &out, f))
            .map(|r| r.files),
        (ExportKind::Matrix, Param::Phase(p)) => {
            export::matrix::export_matrix(fw, &out, *p, job.allow_unreviewed, f).map(|r| r.files)
        }
        (ExportKind::Codebook, _) => {
            export::codebook::export(fw, &out, None, job.allow_unreviewed, f).map(|r| vec![r.file])
        }
        (ExportKind::Transcripts, _) => {
            export::transcripts::export_transcripts(fw, &out, job.allow_unreviewed, f).map(|r| {
                vec![
                    r.folder.clone(),
                    r.folder.join(export::transcripts::MANIFEST),
                ]
            })
        }
        (ExportKind::Project, _) => {
            export::project::export_project(fw, &out, false, job.allow_unreviewed, f)
                .map(|r| r.files)
        }
        (k, p) => Err(invalid(
            "format",
            format!("{}: nothing to write for {p:?}", k.title()),
        )),
    };
    match r {
        Ok(files) => {
            let mut w = Written {
                kind: Some(job.kind),
                files: files.iter().map(|p| p.display().to_string()).collect(),
                ..Default::default()
            };
            if let Some(m) = manifest_of(&files, &out) {
                w.manifest_file = Some(m.display().to_string());
                match std::fs::read_to_string(&m) {
                    Ok(t) => w.manifest = t.lines().map(str::to_string).collect(),
                    Err(e) => w.manifest = vec![format!("the manifest could not be read: {e}")],
                }
            }
            let n = files.len();
            let shown = if s.privacy {
                export::file_name(&out)
            } else {
                job.out.clone()
            };
            let msg = format!(
                "wrote {shown} ({n} file(s)){}",
                if w.manifest_file.is_some() {
                    "; manifest shown"
                } else {
                    ""
                }
            );
            s.data.export.written = Some(w);
            finish_form(s, &Ok(msg));
            if job.kind.redacts() {
                // The anonymisation log grew.
                s.stale[Pane::Redaction.index()] = true;
            }
        }
        Err(e) => finish_form(s, &Err(e)),
    }
    Ok(())
}

fn invalid(field: &str, message: impl Into<String>) -> ServiceError {
    ServiceError::Invalid {
        field: field.to_string(),
        message: message.into(),
    }
}
