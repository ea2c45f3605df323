//! Writing a folder export (participants as a folder, transcripts): the folder must be free
//! or hold only a previous export's files; the files are staged then moved in, so a failure
//! leaves nothing half-written. The folder's manifest is [`MANIFEST`].

use std::path::{Path, PathBuf};

use super::{file_name, invalid};
use crate::service::{Result, ServiceError};

/// The manifest of a folder export.
pub const MANIFEST: &str = "manifest.json";

/// A folder may be written when it does not exist, is empty, or `force` is given.
pub(crate) fn check_dir_free(dir: &Path, force: bool) -> Result<()> {
    if dir.is_file() {
        return Err(invalid(
            "out",
            format!(
                "{} is a file; a data package is a folder: give a folder name",
                dir.display()
            ),
        ));
    }
    if dir.is_dir() {
        let empty = std::fs::read_dir(dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty && !force {
            return Err(invalid(
                "out",
                format!(
                    "{} already exists and is not empty; choose another folder or add --force to replace it",
                    dir.display()
                ),
            ));
        }
        if !empty {
            check_replaceable(dir)?;
        }
    }
    Ok(())
}

/// Files an operating system leaves in a folder someone browsed (replaced with it).
const OS_LITTER: [&str; 3] = [".DS_Store", "Thumbs.db", "desktop.ini"];

/// `--force` replaces a folder (and deletes what is in it) only if a fieldwork export
/// wrote it: it holds a manifest of ours (`manifest.json` or `*.manifest.json` with
/// `"tool": "fieldwork"`)
/// and nothing but files of the kinds the folder exports write (`.txt`, `.csv`, `.json`;
/// no sub-folder, no link). Anything else — `--out ~/Documents --force` — is refused, so
/// a mistyped folder never loses a user's files.
fn check_replaceable(dir: &Path) -> Result<()> {
    let refuse = |why: String| {
        invalid(
            "out",
            format!(
                "{} {why}; --force replaces only a folder written by a fieldwork export: choose a new or empty folder",
                dir.display()
            ),
        )
    };
    let entries = std::fs::read_dir(dir).map_err(|source| ServiceError::Io {
        context: format!("reading {}", dir.display()),
        source,
    })?;
    let mut foreign = Vec::new();
    let mut ours = false;
    for e in entries {
        let e = e.map_err(|source| ServiceError::Io {
            context: format!("reading {}", dir.display()),
            source,
        })?;
        let name = e.file_name().to_string_lossy().into_owned();
        let is_file = e.file_type().map(|t| t.is_file()).unwrap_or(false);
        let kind_ok = [".txt", ".csv", ".json"].iter().any(|x| name.ends_with(x));
        if OS_LITTER.contains(&name.as_str()) && is_file {
            continue;
        }
        if !is_file || !kind_ok {
            foreign.push(name);
            continue;
        }
        if name == MANIFEST || name.ends_with(".manifest.json") {
            ours |= std::fs::read(e.path())
                .ok()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .is_some_and(|m| m["tool"] == "fieldwork");
        }
    }
    if !foreign.is_empty() {
        foreign.sort();
        let shown: Vec<&str> = foreign.iter().take(3).map(String::as_str).collect();
        return Err(refuse(format!(
            "holds what no export writes ({}{})",
            shown.join(", "),
            if foreign.len() > 3 { ", …" } else { "" }
        )));
    }
    if !ours {
        return Err(refuse("holds no fieldwork manifest".into()));
    }
    Ok(())
}

/// Removes a folder on drop unless disarmed.
struct DirGuard(Option<PathBuf>);

impl Drop for DirGuard {
    fn drop(&mut self) {
        if let Some(d) = &self.0 {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// Write files into a new folder beside `dir` (folder and files with `modes`), then move
/// it into place as `dir`.
pub(crate) fn write_dir(
    dir: &Path,
    files: &[(&str, &[u8])],
    force: bool,
    modes: super::files::Modes,
) -> Result<()> {
    check_dir_free(dir, force)?;
    let parent = dir
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(invalid(
            "out",
            format!("the folder {} does not exist", parent.display()),
        ));
    }
    let tag: String = crate::domain::new_id().chars().take(8).collect();
    let temp = parent.join(format!(".{}.tmp-{tag}", file_name(dir)));
    let io = |what: &str| {
        let what = what.to_string();
        move |source| ServiceError::Io {
            context: what,
            source,
        }
    };
    super::files::create_dir(&temp, modes)
        .map_err(io(&format!("creating a folder in {}", parent.display())))?;
    let mut guard = DirGuard(Some(temp.clone()));
    for (name, bytes) in files {
        super::files::write_new(&temp.join(name), bytes, modes)
            .map_err(io(&format!("writing {name}")))?;
    }
    if dir.exists() {
        let old = parent.join(format!(".{}.old-{tag}", file_name(dir)));
        std::fs::rename(dir, &old).map_err(io(&format!("moving {} aside", dir.display())))?;
        if let Err(e) = std::fs::rename(&temp, dir) {
            let _ = std::fs::rename(&old, dir);
            return Err(io(&format!("moving the package into {}", dir.display()))(e));
        }
        let _ = std::fs::remove_dir_all(&old);
    } else {
        std::fs::rename(&temp, dir)
            .map_err(io(&format!("moving the package into {}", dir.display())))?;
    }
    guard.0 = None;
    Ok(())
}
