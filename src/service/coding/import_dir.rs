//! Importing every transcript file under a folder that the naming pattern matches (from
//! inside the transcripts root, or copied under it from anywhere), all in one transaction.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::import::{collect_files, pattern_regex};
use super::import_undo::{Imported, ImportedOne};
use super::types::*;
use crate::domain::transcript as parser;
use crate::domain::SessionKind;
use crate::service::consent::sha256_bytes;
use crate::service::transcript_copy::Placed;
use crate::service::transcripts::{format_of, Located};
use crate::service::{invalid, io_err, Fieldwork, Result, ServiceError};

impl Fieldwork {
    /// Import every transcript file under `dir` whose path matches the naming pattern
    /// (`coding.import_pattern` unless given). Every matched file is parsed first; if any
    /// fails, nothing is imported (unless `skip_bad`). All imports are one transaction.
    pub fn import_dir(
        &mut self,
        dir: &Path,
        pattern: Option<&str>,
        dry_run: bool,
        skip_bad: bool,
    ) -> Result<Vec<DirMatch>> {
        Ok(self.import_dir_undoable(dir, pattern, dry_run, skip_bad)?.0)
    }

    /// [`Fieldwork::import_dir`] that also returns what its undo
    /// ([`Fieldwork::undo_import`]) needs, for every transcript of the batch.
    pub fn import_dir_undoable(
        &mut self,
        dir: &Path,
        pattern: Option<&str>,
        dry_run: bool,
        skip_bad: bool,
    ) -> Result<(Vec<DirMatch>, Imported)> {
        let pattern = pattern
            .map(str::to_string)
            .unwrap_or_else(|| self.coding.import_pattern.clone());
        let re = pattern_regex(&pattern)?;
        if !dir.is_dir() {
            return Err(invalid("dir", format!("{}: not a folder", dir.display())));
        }
        let mut files = Vec::new();
        collect_files(dir, &mut files);
        files.sort();
        let interviews = self.sessions(
            &crate::domain::SessionFilter {
                kind: Some(SessionKind::Interview),
                status: Some(crate::domain::SessionStatus::Done),
                ..Default::default()
            },
            false,
            0,
            usize::MAX >> 1,
        )?;
        // Interviews by participant export code (upper case), in the listing's order.
        let mut by_code: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, s) in interviews.iter().enumerate() {
            for p in &s.participants {
                let v = by_code.entry(p.code.to_ascii_uppercase()).or_default();
                if v.last() != Some(&i) {
                    v.push(i);
                }
            }
        }
        let exts = ["txt", "md", "docx", "vtt"];
        let mut results = Vec::new();
        let mut plan: Vec<(String, PathBuf)> = Vec::new();
        for f in files {
            let ext = format_of(&f);
            if !exts.contains(&ext.as_str()) {
                continue;
            }
            let rel = f
                .strip_prefix(dir)
                .unwrap_or(&f)
                .to_string_lossy()
                .replace('\\', "/");
            let Some(caps) = re.captures(&rel) else {
                results.push(DirMatch {
                    path: rel,
                    session_id: None,
                    outcome: "unmatched".into(),
                    detail: Some(format!("does not fit the pattern `{pattern}`")),
                });
                continue;
            };
            let get = |k: &str| caps.name(k).map(|m| m.as_str().to_string());
            let (code, phase, site, date) = (get("code"), get("phase"), get("site"), get("date"));
            // A file that names a participant is matched against that participant's
            // interviews only (a scan of every interview for every file was quadratic).
            let pool: Vec<&crate::domain::Session> = match &code {
                Some(c) => by_code
                    .get(&c.to_ascii_uppercase())
                    .map(|v| v.iter().map(|i| &interviews[*i]).collect())
                    .unwrap_or_default(),
                None => interviews.iter().collect(),
            };
            let candidates: Vec<&crate::domain::Session> = pool
                .into_iter()
                .filter(|s| {
                    phase.as_ref().is_none_or(|p| *p == s.phase.to_string())
                        && site
                            .as_ref()
                            .is_none_or(|x| x.eq_ignore_ascii_case(&s.site))
                        && date
                            .as_ref()
                            .is_none_or(|d| *d == crate::domain::format_date(s.date))
                })
                .collect();
            // Several interviews of one person: a date in the file name settles it.
            let candidates = if candidates.len() > 1 {
                let dated: Vec<&crate::domain::Session> = candidates
                    .iter()
                    .copied()
                    .filter(|s| rel.contains(&crate::domain::format_date(s.date)))
                    .collect();
                if dated.len() == 1 {
                    dated
                } else {
                    candidates
                }
            } else {
                candidates
            };
            match candidates.len() {
                0 => results.push(DirMatch {
                    path: rel,
                    session_id: None,
                    outcome: "unmatched".into(),
                    detail: Some("no completed interview fits".into()),
                }),
                1 => plan.push((candidates[0].id.clone(), f.clone())),
                n => results.push(DirMatch {
                    path: rel,
                    session_id: None,
                    outcome: "ambiguous".into(),
                    detail: Some(format!(
                        "{n} interviews fit; add {{phase}} or {{date}} to the pattern"
                    )),
                }),
            }
        }
        // Parse everything first. A file outside the transcripts root is copied under it
        // by the naming pattern, as `transcript import` does (only after every file parsed).
        let mut parsed = Vec::new();
        let mut failures = Vec::new();
        for (sid, f) in &plan {
            let (abs, inside) = match self.locate_transcript(f)? {
                Located::Inside { abs, rel } => (abs, Some(rel)),
                Located::Outside { abs, .. } => (abs, None),
            };
            let shown = inside.clone().unwrap_or_else(|| abs.display().to_string());
            let bytes =
                std::fs::read(&abs).map_err(io_err(format!("reading {}", abs.display())))?;
            match parser::parse(&bytes, &format_of(&abs)) {
                Ok(p) => {
                    let (sha, size) = sha256_bytes(&bytes);
                    // The bytes are kept only for a copy.
                    let bytes = if inside.is_none() { bytes } else { Vec::new() };
                    parsed.push((sid.clone(), abs, inside, bytes, sha, size, p));
                }
                Err(e) => failures.push(DirMatch {
                    path: shown,
                    session_id: Some(sid.clone()),
                    outcome: "failed".into(),
                    detail: Some(e.to_string()),
                }),
            }
        }
        if !failures.is_empty() && !skip_bad {
            return Err(ServiceError::Import {
                file: dir.display().to_string(),
                problems: failures
                    .iter()
                    .map(|f| format!("{}: {}", f.path, f.detail.clone().unwrap_or_default()))
                    .collect(),
            });
        }
        results.extend(failures);
        let by_id: HashMap<&str, &crate::domain::Session> =
            interviews.iter().map(|s| (s.id.as_str(), s)).collect();
        // Every planned file matched one of `interviews`; a miss is a bug, reported as such.
        let session_of = |sid: &str| {
            by_id
                .get(sid)
                .copied()
                .ok_or_else(|| ServiceError::NotFound {
                    what: "interview",
                    key: sid.to_string(),
                })
        };
        if dry_run {
            for (sid, abs, inside, ..) in parsed {
                let (path, detail) = match inside {
                    Some(rel) => (rel, None),
                    None => {
                        let s = session_of(&sid)?;
                        let code = s.participants.first().map_or("", |p| p.code.as_str());
                        let rel = crate::service::transcript_copy::place_name(
                            &self.coding.import_pattern,
                            code,
                            s.phase,
                            &s.site,
                            &crate::domain::format_date(s.date),
                            &format_of(&abs),
                        )?;
                        (
                            rel,
                            Some(format!(
                                "would be copied under the transcripts root from {}",
                                abs.display()
                            )),
                        )
                    }
                };
                results.push(DirMatch {
                    path,
                    session_id: Some(sid),
                    outcome: "dry-run".into(),
                    detail,
                });
            }
            return Ok((results, Imported::default()));
        }
        // The copies first (each crash-safe, owner-only, never over another file), then
        // the database in one transaction; the copies made are removed if anything fails.
        let mut placed = Vec::with_capacity(parsed.len());
        let mut created: Vec<PathBuf> = Vec::new();
        let remove = |created: &[PathBuf]| {
            for c in created {
                let _ = std::fs::remove_file(c);
            }
        };
        for (sid, abs, inside, bytes, sha, size, p) in parsed {
            let (pl, from) = match inside {
                Some(rel) => (
                    Placed {
                        abs,
                        rel,
                        created: None,
                    },
                    None,
                ),
                None => {
                    match session_of(&sid).and_then(|s| self.copy_under_root(s, &abs, &bytes)) {
                        Ok(pl) => {
                            created.extend(pl.created.clone());
                            (pl, Some(abs))
                        }
                        Err(e) => {
                            remove(&created);
                            return Err(e);
                        }
                    }
                }
            };
            placed.push((sid, pl, from, sha, size, p));
        }
        let user = self.settings.user.clone();
        let copied = !created.is_empty();
        let written = (|| -> Result<(Vec<DirMatch>, Vec<ImportedOne>)> {
            let mut done = Vec::new();
            let mut items = Vec::new();
            let tx = self.store.write()?;
            for (sid, pl, from, sha, size, p) in placed {
                let before = ImportedOne::before(&tx, &sid)?;
                let out = Self::import_parsed_tx(
                    &tx, &sid, &pl.rel, &pl.abs, &sha, size, p, true, &user,
                )?;
                items.push(before.after(&tx, &out.transcript)?);
                let lost = out
                    .reimport
                    .as_ref()
                    .map(|r| r.lost.len() + r.changed.len())
                    .unwrap_or(0);
                done.push(DirMatch {
                    path: pl.rel,
                    session_id: Some(sid),
                    outcome: "imported".into(),
                    detail: Some(format!(
                        "{} turns, {} words{}{}",
                        out.turns,
                        out.words,
                        if lost > 0 {
                            format!(", {lost} passage(s) to review")
                        } else {
                            String::new()
                        },
                        match from {
                            Some(f) => format!(", copied from {}", f.display()),
                            None => String::new(),
                        }
                    )),
                });
            }
            tx.commit()?;
            Ok((done, items))
        })();
        match written {
            Ok((done, items)) => {
                results.extend(done);
                Ok((results, Imported { items, copied }))
            }
            Err(e) => {
                remove(&created);
                Err(e)
            }
        }
    }
}
