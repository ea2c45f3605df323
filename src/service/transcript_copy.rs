//! A transcript from outside the transcripts root, copied under it for an import: its
//! name from the naming pattern, owner-only, never over another file, crash-safe (see
//! `docs/coding.md#import-from-anywhere`).

use std::path::{Path, PathBuf};

use super::consent::sha256_file;
use super::transcripts::format_of;
use super::{invalid, io_err, Fieldwork, Result, ServiceError};
use crate::domain::new_id;

/// A transcript file under the root, ready to link.
#[derive(Debug)]
pub(crate) struct Placed {
    pub abs: PathBuf,
    pub rel: String,
    /// The copy this import made (not a file it found): removed if the import fails.
    pub created: Option<PathBuf>,
}

/// The path (relative to the root) the import pattern gives an interview's transcript:
/// `{code}` (the first participant's export code), `{phase}`, `{site}` and `{date}` filled
/// in; the last `*` becomes `_DATE` when the pattern has no `{date}` (so two interviews of
/// one participant get two names), every other `*` nothing; then `.EXT`. The name matches
/// the pattern, so `transcript import-dir` finds it again.
pub fn place_name(
    pattern: &str,
    code: &str,
    phase: u32,
    site: &str,
    date: &str,
    ext: &str,
) -> Result<String> {
    // The same checks `import-dir` makes of the pattern.
    crate::domain::pattern::pattern_regex(pattern).map_err(|m| invalid("pattern", m))?;
    let has_date = pattern.contains("{date}");
    let last_star = pattern.rfind('*');
    let mut out = String::new();
    let mut rest = pattern;
    let mut at = 0;
    while let Some(ch) = rest.chars().next() {
        if let Some(r) = rest.strip_prefix('{') {
            let end = r.find('}').unwrap_or(r.len());
            let value = match &r[..end] {
                "code" => code.to_string(),
                "phase" => phase.to_string(),
                "site" => site.to_string(),
                _ => date.to_string(),
            };
            out.push_str(&value);
            let used = end + 2;
            at += used;
            rest = &rest[used.min(rest.len())..];
            continue;
        }
        if ch == '*' {
            if Some(at) == last_star && !has_date {
                out.push('_');
                out.push_str(date);
            }
        } else {
            out.push(ch);
        }
        at += ch.len_utf8();
        rest = &rest[ch.len_utf8()..];
    }
    let name = format!("{}.{ext}", out.trim_end_matches('/'));
    let bad = name.starts_with('/')
        || name
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == ".." || c.contains('\\'));
    if bad {
        return Err(invalid(
            "pattern",
            format!("`{pattern}` gives the file name `{name}`, which is not a plain path under the transcripts root"),
        ));
    }
    Ok(name)
}

/// Create the folders of `dir` that are missing, owner-only (0700 on Unix).
fn create_private_dirs(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

/// Write a new file (never an existing one), owner-only (0600 on Unix), flushed to disk.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let mut f = o.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

impl Fieldwork {
    /// Copy a transcript from outside the root (its bytes already read and checked) to
    /// the place the import pattern gives `session` under the root, owner-only. An
    /// existing file there with the same bytes is reused (nothing copied); one with other
    /// bytes is never replaced. The copy is written to a temporary name beside its place,
    /// flushed, then linked to its name (which fails if the name was taken meanwhile), so
    /// the name never holds a partial file. The caller writes the database afterwards and
    /// removes the copy ([`Placed::created`]) if that fails; see
    /// `docs/coding.md#import-from-anywhere` for why this order.
    pub(crate) fn copy_under_root(
        &self,
        session: &crate::domain::Session,
        src: &Path,
        bytes: &[u8],
    ) -> Result<Placed> {
        let code = session
            .participants
            .first()
            .map(|p| p.code.as_str())
            .ok_or_else(|| invalid("interview", "the interview has no participant"))?;
        let ext = format_of(src);
        let rel = place_name(
            &self.coding.import_pattern,
            code,
            session.phase,
            &session.site,
            &crate::domain::format_date(session.date),
            &ext,
        )?;
        let root = self
            .transcripts_root()
            .canonicalize()
            .map_err(io_err(format!(
                "the transcripts root {}",
                self.transcripts_root().display()
            )))?;
        let dest = root.join(&rel);
        let (sha, _) = super::consent::sha256_bytes(bytes);
        let same = |p: &Path| -> Result<bool> {
            Ok(sha256_file(p)
                .map_err(io_err(format!("reading {}", p.display())))?
                .0
                == sha)
        };
        let refuse = |rel: &str| {
            ServiceError::Refused(format!(
                "{rel} already exists under the transcripts root with other content, and the copy of {} would replace it; nothing was copied or imported (import that file, or move it away first)",
                src.display()
            ))
        };
        // A file already at `dest`: the copy when it holds the same bytes (nothing was
        // created), refused otherwise.
        let already_there = |dest: PathBuf, rel: String| -> Result<Placed> {
            if same(&dest)? {
                Ok(Placed {
                    abs: dest,
                    rel,
                    created: None,
                })
            } else {
                Err(refuse(&rel))
            }
        };
        if dest.exists() {
            return if dest.is_file() {
                already_there(dest, rel)
            } else {
                Err(refuse(&rel))
            };
        }
        let dir = dest.parent().unwrap_or(&root).to_path_buf();
        create_private_dirs(&dir).map_err(io_err(format!("creating {}", dir.display())))?;
        let temp = dir.join(format!(
            ".{}.fieldwork-{}.tmp",
            dest.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default(),
            new_id()
        ));
        let written = write_private(&temp, bytes);
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temp);
            return Err(io_err(format!(
                "copying {} to {}",
                src.display(),
                dest.display()
            ))(e));
        }
        // Link, not rename: a link never replaces a file that appeared under that name.
        let linked = std::fs::hard_link(&temp, &dest);
        let _ = std::fs::remove_file(&temp);
        match linked {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return already_there(dest, rel);
            }
            Err(e) => {
                return Err(io_err(format!(
                    "copying {} to {}",
                    src.display(),
                    dest.display()
                ))(e))
            }
        }
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(Placed {
            abs: dest.clone(),
            rel,
            created: Some(dest),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_placed_name_matches_its_pattern() {
        let cases = [
            ("*{code}*", "PN7XE_2022-01-10.txt"),
            ("{site}/{phase}/{code}*", "A/1/PN7XE_2022-01-10.txt"),
            ("{site}/{date}_{code}*", "A/2022-01-10_PN7XE.txt"),
            ("{code}", "PN7XE.txt"),
            (
                "interviews/*{code}-p{phase}*",
                "interviews/PN7XE-p1_2022-01-10.txt",
            ),
        ];
        for (pattern, want) in cases {
            let name = place_name(pattern, "PN7XE", 1, "A", "2022-01-10", "txt").unwrap();
            assert_eq!(name, want, "{pattern}");
            let re = crate::service::coding::pattern_regex(pattern).unwrap();
            let c = re.captures(&name).expect(pattern);
            assert_eq!(&c["code"], "PN7XE", "{pattern}");
        }
    }

    #[test]
    fn a_pattern_that_would_leave_the_root_is_refused() {
        for pattern in ["/{code}", "../{code}", "{site}//{code}"] {
            assert!(
                place_name(pattern, "PN7XE", 1, "A", "2022-01-10", "txt").is_err(),
                "{pattern}"
            );
        }
    }
}
