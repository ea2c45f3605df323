//! Transcript files linked to interviews: link, verify (missing, moved, changed), list.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use super::consent::sha256_file;
use super::{invalid, io_err, json, Fieldwork, Result, ServiceError};
use crate::domain::{new_id, now_utc, SessionKind, Transcript, TranscriptStatus};
use crate::store::{audit, transcripts as store};

/// The outcome of verifying one linked file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verification {
    pub transcript_id: String,
    pub session_id: String,
    pub path: String,
    pub status: TranscriptStatus,
    /// For a moved file: where a file with the same hash was found.
    pub found_at: Option<String>,
    /// Whether the link was updated to the found path.
    pub relinked: bool,
}

/// A transcript with its interview, for the transcripts list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TranscriptRow {
    pub session_id: String,
    pub date: String,
    pub phase: u32,
    pub site: String,
    pub participants: Vec<String>,
    /// `linked`, `missing`, `changed`, `moved` or `none`.
    pub state: String,
    pub transcript: Option<Transcript>,
    /// Words of the imported text, when the file has been imported.
    pub words: Option<i64>,
    /// Tagged passages (one per theme) in the imported text.
    pub passages: i64,
}

/// The format of a transcript, from its extension.
pub fn format_of(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_else(|| "unknown".into())
}

/// Where a user-given transcript file is.
pub(crate) enum Located {
    /// Under the transcripts root: the file itself and its stored (relative) path.
    Inside { abs: PathBuf, rel: String },
    /// Elsewhere (`root` is the canonical root, for messages).
    Outside { abs: PathBuf, root: PathBuf },
}

/// A path as stored: relative to the root, with `/` separators.
fn relative_text(p: &Path) -> String {
    p.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

impl Fieldwork {
    pub fn transcripts_root(&self) -> &Path {
        &self.settings.transcripts_root
    }

    /// Resolve a user-given path against the root; refuse files outside it.
    pub(crate) fn under_root(&self, file: &Path) -> Result<(PathBuf, String)> {
        match self.locate_transcript(file)? {
            Located::Inside { abs, rel } => Ok((abs, rel)),
            Located::Outside { abs, root } => Err(invalid(
                "file",
                format!(
                    "{} is outside the transcripts root {}; move it there or set transcripts_root",
                    abs.display(),
                    root.display()
                ),
            )),
        }
    }

    /// Whether a user-given file lies outside the transcripts root (an import copies it in).
    pub fn is_outside_transcripts_root(&self, file: &Path) -> Result<bool> {
        Ok(matches!(
            self.locate_transcript(file)?,
            Located::Outside { .. }
        ))
    }

    /// Resolve a user-given path: an existing file, under the root or not. A relative path
    /// is tried against the root first, then the current folder.
    pub(crate) fn locate_transcript(&self, file: &Path) -> Result<Located> {
        let root = self.transcripts_root();
        if !root.is_dir() {
            return Err(invalid(
                "transcripts root",
                format!(
                    "{} does not exist; create it, or set `transcripts_root` in the configuration",
                    root.display()
                ),
            ));
        }
        let candidate = if file.is_absolute() {
            file.to_path_buf()
        } else if root.join(file).exists() {
            root.join(file)
        } else {
            std::env::current_dir()
                .map_err(io_err("reading the current folder"))?
                .join(file)
        };
        if !candidate.is_file() {
            return Err(invalid(
                "file",
                format!(
                    "{}: no such file (transcripts root: {})",
                    file.display(),
                    root.display()
                ),
            ));
        }
        let abs = candidate
            .canonicalize()
            .map_err(io_err(format!("resolving {}", candidate.display())))?;
        let root_abs = root
            .canonicalize()
            .map_err(io_err(format!("the transcripts root {}", root.display())))?;
        Ok(match abs.strip_prefix(&root_abs) {
            Ok(rel) => Located::Inside {
                rel: relative_text(rel),
                abs: abs.clone(),
            },
            Err(_) => Located::Outside {
                abs,
                root: root_abs,
            },
        })
    }

    /// Link a transcript file to an interview (path relative to the transcripts root, with
    /// its SHA-256 and size). With `replace`, an existing link is replaced.
    pub fn link_transcript(
        &mut self,
        session: &str,
        file: &Path,
        replace: bool,
    ) -> Result<Transcript> {
        Ok(self
            .link_transcript_undoable(session, file, replace)?
            .transcript)
    }

    /// [`Fieldwork::link_transcript`] that also returns the link it replaced, for its undo
    /// ([`Fieldwork::unlink_transcript`]).
    pub fn link_transcript_undoable(
        &mut self,
        session: &str,
        file: &Path,
        replace: bool,
    ) -> Result<Linked> {
        let s = self.session(session)?;
        if s.kind != SessionKind::Interview {
            return Err(invalid("session", "transcripts are linked to interviews"));
        }
        let (abs, rel) = self.under_root(file)?;
        let (sha256, size) =
            sha256_file(&abs).map_err(io_err(format!("reading {}", abs.display())))?;
        let now = now_utc();
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        if let Some(other) = store::by_path(&tx, &rel)? {
            if other.session_id != s.id {
                return Err(ServiceError::Refused(format!(
                    "{rel} is already linked to interview {}",
                    &other.session_id[..8]
                )));
            }
        }
        let existing = store::for_session(&tx, &s.id)?;
        let replaced = existing.clone();
        let t = match existing {
            Some(old) if !replace => {
                return Err(ServiceError::Refused(format!(
                "interview {} already has a transcript ({}); use --replace to link another file",
                &s.id[..8],
                old.path
            )))
            }
            Some(old) => {
                let t = Transcript {
                    id: old.id.clone(),
                    session_id: s.id.clone(),
                    path: rel,
                    sha256,
                    size: size as i64,
                    format: format_of(&abs),
                    status: TranscriptStatus::Ok,
                    linked_at: now.clone(),
                    verified_at: Some(now),
                };
                store::relink(&tx, &t)?;
                audit::record(
                    &tx,
                    &user,
                    "transcript",
                    &t.id,
                    "relink",
                    Some(&json(&old)),
                    Some(&json(&t)),
                )?;
                t
            }
            None => {
                let t = Transcript {
                    id: new_id(),
                    session_id: s.id.clone(),
                    path: rel,
                    sha256,
                    size: size as i64,
                    format: format_of(&abs),
                    status: TranscriptStatus::Ok,
                    linked_at: now.clone(),
                    verified_at: Some(now),
                };
                store::insert(&tx, &t, &user)?;
                audit::record(
                    &tx,
                    &user,
                    "transcript",
                    &t.id,
                    "link",
                    None,
                    Some(&json(&t)),
                )?;
                t
            }
        };
        tx.commit()?;
        Ok(Linked {
            transcript: t,
            replaced,
        })
    }

    /// Undo a transcript link: the link is removed, or, when it replaced one, the previous
    /// link (file, hash, size, status) is put back. Refused, with nothing written, when the
    /// link changed since (relinked, verified as moved or changed), and for a new link once
    /// something depends on it (its text imported, passages coded, a redaction run) or a
    /// replacing link whose new file was imported since.
    pub fn unlink_transcript(&mut self, linked: &Linked) -> Result<Option<Transcript>> {
        let t = &linked.transcript;
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        let now = store::for_session(&tx, &t.session_id)?;
        let same = now
            .as_ref()
            .is_some_and(|n| n.id == t.id && n.path == t.path && n.sha256 == t.sha256);
        if !same {
            return Err(ServiceError::Refused(format!(
                "the transcript link of interview {} changed since: the link is not undone",
                &t.session_id[..t.session_id.len().min(8)]
            )));
        }
        let count = |sql: &str| -> Result<i64> { Ok(tx.query_row(sql, [&t.id], |r| r.get(0))?) };
        let imported_sha: Option<String> = tx
            .query_row(
                "SELECT sha256 FROM transcript_import WHERE transcript_id = ?1",
                [&t.id],
                |r| r.get(0),
            )
            .ok();
        let restored = match &linked.replaced {
            Some(old) => {
                if imported_sha.as_deref() == Some(t.sha256.as_str()) && old.sha256 != t.sha256 {
                    return Err(ServiceError::Refused(format!(
                        "{} was imported since it was linked: the link is not undone",
                        t.path
                    )));
                }
                store::relink(&tx, old)?;
                audit::record(
                    &tx,
                    &user,
                    "transcript",
                    &t.id,
                    "link undone",
                    Some(&json(t)),
                    Some(&json(old)),
                )?;
                Some(old.clone())
            }
            None => {
                let deps = [
                    (
                        "imported turn",
                        count("SELECT count(*) FROM turn WHERE transcript_id = ?1")?,
                    ),
                    (
                        "passage",
                        count("SELECT count(*) FROM tag WHERE transcript_id = ?1")?,
                    ),
                    (
                        "redaction log entry",
                        count("SELECT count(*) FROM redaction_log WHERE transcript_id = ?1")?,
                    ),
                    (
                        "import record",
                        count("SELECT count(*) FROM transcript_import WHERE transcript_id = ?1")?,
                    ),
                ];
                let deps: Vec<String> = deps
                    .iter()
                    .filter(|(_, n)| *n > 0)
                    .map(|(k, n)| format!("{n} {k}(s)"))
                    .collect();
                if !deps.is_empty() {
                    return Err(ServiceError::Refused(format!(
                        "{} has {} since it was linked: the link is not undone",
                        t.path,
                        deps.join(", ")
                    )));
                }
                tx.execute("DELETE FROM transcript WHERE id = ?1", [&t.id])?;
                audit::record(
                    &tx,
                    &user,
                    "transcript",
                    &t.id,
                    "link undone",
                    Some(&json(t)),
                    None,
                )?;
                None
            }
        };
        tx.commit()?;
        Ok(restored)
    }

    /// Check every linked file: present and unchanged, changed (hash differs), missing, or
    /// moved (a file with the same hash elsewhere under the root). Reads only.
    pub(crate) fn compute_verifications(&self, relink: bool) -> Result<Vec<Verification>> {
        self.verifications_of(&store::all(self.store.conn())?, relink)
    }

    /// The verification of each of `all` (every linked transcript), one result per link,
    /// in the same order.
    fn verifications_of(&self, all: &[Transcript], relink: bool) -> Result<Vec<Verification>> {
        let root = self.transcripts_root().to_path_buf();
        let mut results = Vec::with_capacity(all.len());
        let mut index: Option<HashMap<(u64, String), String>> = None;
        // A file another link points to is not where a missing one went, and one found
        // file is the new place of at most one missing link.
        let linked: std::collections::HashSet<String> =
            all.iter().map(|t| t.path.clone()).collect();
        let mut claimed: std::collections::HashSet<String> = Default::default();
        for t in all {
            let path = root.join(&t.path);
            let (status, found_at) = match sha256_file(&path) {
                Ok((h, _)) if h == t.sha256 => (TranscriptStatus::Ok, None),
                Ok(_) => (TranscriptStatus::Changed, None),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    let idx = match &mut index {
                        Some(i) => i,
                        None => index.insert(hash_index(&root, &linked)),
                    };
                    match idx.get(&(t.size as u64, t.sha256.clone())) {
                        Some(p) if claimed.insert(p.clone()) => {
                            (TranscriptStatus::Moved, Some(p.clone()))
                        }
                        _ => (TranscriptStatus::Missing, None),
                    }
                }
                Err(e) => return Err(io_err(format!("reading {}", path.display()))(e)),
            };
            results.push(Verification {
                transcript_id: t.id.clone(),
                session_id: t.session_id.clone(),
                path: t.path.clone(),
                relinked: relink && found_at.is_some(),
                status,
                found_at,
            });
        }
        Ok(results)
    }

    /// Verify every linked file and save the statuses in one transaction. With `relink`,
    /// moved files are relinked to where they were found.
    pub fn verify_transcripts(&mut self, relink: bool) -> Result<Vec<Verification>> {
        Ok(self.verify_transcripts_undoable(relink)?.0)
    }

    /// [`Fieldwork::verify_transcripts`] that also returns each link it relinked (the link
    /// before and after), for its undo ([`Fieldwork::undo_relink`]). The statuses a check
    /// records are not in it: a check says what the files are now.
    pub fn verify_transcripts_undoable(
        &mut self,
        relink: bool,
    ) -> Result<(Vec<Verification>, Relinked)> {
        let mut relinked = Relinked::default();
        let all = store::all(self.store.conn())?;
        // Hashing the files takes a while: it happens before the write lock is taken, and a
        // result is saved only if the link is still the one that was checked.
        let results = self.verifications_of(&all, relink)?;
        let now = now_utc();
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        let current: std::collections::HashMap<String, Transcript> = store::all(&tx)?
            .into_iter()
            .map(|t| (t.id.clone(), t))
            .collect();
        for (v, t) in results.iter().zip(&all) {
            match current.get(&t.id) {
                Some(now) if now.path == t.path && now.sha256 == t.sha256 => {}
                _ => continue,
            }
            let (status, path) = match (&v.found_at, v.relinked) {
                (Some(p), true) => (TranscriptStatus::Ok, p.clone()),
                _ => (v.status, t.path.clone()),
            };
            if status != t.status || path != t.path {
                audit::record(
                    &tx,
                    &user,
                    "transcript",
                    &t.id,
                    "verify",
                    Some(&serde_json::json!({"status": t.status, "path": t.path})),
                    Some(&serde_json::json!({"status": status, "path": path})),
                )?;
            }
            store::set_status(&tx, &t.id, status, &path, &now)?;
            if path != t.path {
                let mut after = t.clone();
                after.status = status;
                after.path = path;
                after.verified_at = Some(now.clone());
                relinked.links.push((t.clone(), after));
            }
        }
        tx.commit()?;
        Ok((results, relinked))
    }

    /// Undo a verification's relinks, in one transaction: each relinked transcript's
    /// path, status and verification time as they were. Refused, with nothing written,
    /// when any of those links changed since (relinked again, verified as moved or
    /// changed, replaced).
    pub fn undo_relink(&mut self, relinked: &Relinked) -> Result<usize> {
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        for (_, after) in &relinked.links {
            let now = store::for_session(&tx, &after.session_id)?;
            let same = now.as_ref().is_some_and(|n| {
                n.id == after.id
                    && n.path == after.path
                    && n.sha256 == after.sha256
                    && n.status == after.status
            });
            if !same {
                return Err(ServiceError::Refused(format!(
                    "the link of {} changed since it was relinked: the relinking is not undone (nothing was changed)",
                    after.path
                )));
            }
        }
        for (before, after) in &relinked.links {
            store::relink(&tx, before)?;
            audit::record(
                &tx,
                &user,
                "transcript",
                &before.id,
                "relink undone",
                Some(&serde_json::json!({"status": after.status, "path": after.path})),
                Some(&serde_json::json!({"status": before.status, "path": before.path})),
            )?;
        }
        tx.commit()?;
        Ok(relinked.links.len())
    }

    /// Every interview with its transcript state; `none` where nothing is linked. The
    /// state of a linked file is checked cheaply (present, same size); `verify` hashes it.
    pub fn transcript_rows(&self, offset: usize, limit: usize) -> Result<Vec<TranscriptRow>> {
        let filter = crate::domain::SessionFilter {
            kind: Some(SessionKind::Interview),
            ..Default::default()
        };
        let sessions = self.sessions(&filter, false, offset, limit)?;
        let root = self.transcripts_root();
        let c = self.store.conn();
        let mut out = Vec::with_capacity(sessions.len());
        for s in sessions {
            let state = match &s.transcript {
                None => "none".to_string(),
                Some(t) => quick_state(root, t).as_str().replace("ok", "linked"),
            };
            let (words, passages) = match &s.transcript {
                Some(t) => (
                    crate::store::coding::import_row(c, &t.id)?.map(|i| i.words),
                    crate::store::coding::passage_count(c, &t.id)?,
                ),
                None => (None, 0),
            };
            out.push(TranscriptRow {
                session_id: s.id,
                date: crate::domain::format_date(s.date),
                phase: s.phase,
                site: s.site,
                participants: s.participants.into_iter().map(|p| p.code).collect(),
                state,
                transcript: s.transcript,
                words,
                passages,
            });
        }
        Ok(out)
    }
}

/// A cheap check of a linked file: missing if absent, changed if its size differs or the
/// last verification said so.
pub fn quick_state(root: &Path, t: &Transcript) -> TranscriptStatus {
    match std::fs::metadata(root.join(&t.path)) {
        Err(_) => match t.status {
            TranscriptStatus::Moved => TranscriptStatus::Moved,
            _ => TranscriptStatus::Missing,
        },
        Ok(m) if m.len() as i64 != t.size => TranscriptStatus::Changed,
        Ok(_) => t.status,
    }
}

/// (size, sha256) → relative path of every file under the root that no link points to.
fn hash_index(
    root: &Path,
    linked: &std::collections::HashSet<String>,
) -> HashMap<(u64, String), String> {
    let mut out = HashMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(rel) = p.strip_prefix(root) {
                let rel = relative_text(rel);
                if linked.contains(&rel) {
                    continue;
                }
                if let Ok((h, size)) = sha256_file(&p) {
                    out.entry((size, h)).or_insert(rel);
                }
            }
        }
    }
    out
}

/// A transcript link and the link it replaced, if any (returned by
/// [`Fieldwork::link_transcript_undoable`], taken back by [`Fieldwork::unlink_transcript`]).
#[derive(Debug, Clone)]
pub struct Linked {
    pub transcript: Transcript,
    pub replaced: Option<Transcript>,
}

/// The links a verification relinked to where their file was found: (before, after).
#[derive(Debug, Clone, Default)]
pub struct Relinked {
    pub links: Vec<(Transcript, Transcript)>,
}
