//! Carries out the Redaction and Export panes' effects and loads: every write is one
//! service (or export) call; the suspects and the previews are computed after the frame
//! (`Slow::Data`), so the pane says it is computing before the work starts.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::export;
use crate::export::registry::{self, PaneUse, EXPORTS};
use crate::service::{Fieldwork, Result, ServiceError};
use crate::tui::core::{Mode, Pane, Slow, State};
use crate::tui::panes::data::{self, DataEffect, ExportJob, Preview, Written, LOG_ROWS};
use crate::tui::worker::Work;

pub fn load(fw: &Fieldwork, s: &mut State, p: Pane) -> Result<()> {
    match p {
        Pane::Redaction => {
            // The register (every identifier with its variants) and the log, then the
            // suspects: both computed by the load worker.
            s.request(Slow::Register);
            crate::in_pane!(s, data, data::recompute_suspects);
            let keep = s
                .message
                .as_ref()
                .is_some_and(|m| m.error || m.text.ends_with("suspects…"));
            if !keep {
                s.info("computing the suspects…");
            }
        }
        Pane::Export => {
            if s.themes.list.is_empty() {
                s.themes.list = fw.themes(false)?;
            }
            // An export of a theme (quotes) starts on the first active theme (`p` cycles
            // them).
            let first = s
                .themes
                .list
                .iter()
                .find(|t| t.status == crate::domain::ThemeStatus::Active)
                .map(|t| (t.id.clone(), t.path.clone()));
            for (e, p) in EXPORTS.iter().zip(s.data.export.params.iter_mut()) {
                for a in e.params {
                    if matches!(a.pane, PaneUse::Theme { .. }) && p.get(a.name).is_none() {
                        if let Some((id, path)) = &first {
                            p.set_shown(a.name, id.clone(), path.clone());
                        }
                    }
                }
            }
            // Loaded when shown after a change anywhere: the preview may have changed too.
            crate::in_pane!(s, data, data::recompute_preview);
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
            let stop = s.cancel_flag(crate::tui::core::Slow::Data(p));
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
            let export = s.data.export.export();
            let params = s.data.export.params().clone();
            Box::new(move |fw| {
                let v = (export.preview)(fw, &params).unwrap_or_else(|e| Preview {
                    refusal: Some(e.to_string()),
                    ..Default::default()
                });
                Ok(Box::new(move |s: &mut State| {
                    let e = &mut s.data.export;
                    e.computing = false;
                    e.preview = Some((export.name, params, v));
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

/// After a write shown in the Redaction pane, whose suspects are then recomputed: the
/// status line says so after what the write did (and `suspects_done` then how many are
/// left).
pub fn recomputing_after(s: &mut State) {
    if let Some(m) = &s.message {
        let t = format!("{}; computing the suspects…", m.text);
        s.info(t);
    }
}

/// The suspects are computed: show them and say how many.
fn suspects_done(s: &mut State, v: Vec<crate::service::redaction::SuspectGroup>, ms: u128) {
    let red = &mut s.data.red;
    red.computing = false;
    red.millis = ms;
    let n = v.len();
    crate::tui::worker::drop_off_thread(red.suspects.replace(v));
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
    let r: std::result::Result<String, ServiceError> = match e {
        DataEffect::Seed => fw.seed_register().map(|r| {
            format!(
                "register seeded: {} people, {} organisation(s), {} job title(s), {} site(s) new; {} variant(s) added",
                r.people, r.organisations, r.job_titles, r.sites, r.variants_added
            )
        }),
        DataEffect::Export(job) => return write_export(fw, s, job),
    };
    let ok = r.is_ok();
    finish_form(s, &r);
    if ok {
        s.invalidate();
        recomputing_after(s);
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
    let Some(e) = registry::find(job.export) else {
        finish_form(
            s,
            &Err(invalid("export", format!("no export named {}", job.export))),
        );
        return Ok(());
    };
    let out = PathBuf::from(job.params.get("out").unwrap_or_default());
    // The default folder (./exports) is made on first use; other folders must exist.
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() && dir.file_name().is_some_and(|n| n == "exports") {
            let _ = export::files::create_dir_all(dir, export::files::Modes::OWNER_ONLY);
        }
    }
    // The write the CLI's `export NAME` does, after the checks its parser makes.
    let r: Result<Vec<PathBuf>> = e
        .check(&job.params)
        .and_then(|_| (e.write)(fw, &job.params))
        .map(|o| o.files);
    match r {
        Ok(files) => {
            let mut w = Written {
                kind: Some(e.name),
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
                out.display().to_string()
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
            if e.redacts {
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
