//! Writing an export: names, manifests beside the data, staged files moved into place only
//! when complete, never replacing what is not an export.

use std::path::{Path, PathBuf};

use super::register::*;
use crate::domain::{new_id, now_utc};
use crate::service::{Result, ServiceError};

/// The tool name and version recorded in manifests and file metadata.
pub const TOOL: &str = concat!("fieldwork ", env!("CARGO_PKG_VERSION"));

/// A hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    crate::service::consent::sha256_bytes(bytes).0
}

pub(crate) fn invalid(field: &str, message: impl Into<String>) -> ServiceError {
    ServiceError::Invalid {
        field: field.to_string(),
        message: message.into(),
    }
}

pub(super) fn io(context: String) -> impl FnOnce(std::io::Error) -> ServiceError {
    move |source| ServiceError::Io { context, source }
}

/// The file name of a path, for messages and manifests (never the folder: folder names can
/// carry a user's name).
pub fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `FILE.manifest.json` beside `FILE`.
pub fn manifest_path(out: &Path) -> PathBuf {
    let mut s = out.as_os_str().to_os_string();
    s.push(".manifest.json");
    PathBuf::from(s)
}

/// Refuse to replace existing files unless `force`.
pub fn check_free(paths: &[&Path], force: bool) -> Result<()> {
    if force {
        return Ok(());
    }
    for p in paths {
        if p.exists() {
            return Err(invalid(
                "out",
                format!(
                    "{} already exists; choose another name or add --force to replace it",
                    p.display()
                ),
            ));
        }
    }
    Ok(())
}

/// A temporary path in the same folder as `dest` (so that the rename is atomic).
pub(super) fn temp_beside(dest: &Path) -> PathBuf {
    let dir = dest
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tag: String = new_id().chars().take(8).collect();
    dir.join(format!(".{}.tmp-{tag}", file_name(dest)))
}

/// Why an existing `dest` must never be replaced by an export, `--force` or not: it is an
/// SQLite database (the study itself under any name, a backup, another program's), or the
/// write-ahead log, shared-memory or journal file beside one. `export table1 --out
/// study.db --force` would otherwise put a table where the study was.
pub(super) fn never_replaced(dest: &Path) -> Option<&'static str> {
    use std::io::Read;
    let meta = std::fs::metadata(dest).ok()?;
    if !meta.is_file() {
        return None;
    }
    let mut head = [0u8; 16];
    let n = std::fs::File::open(dest)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    if n == 16 && &head == b"SQLite format 3\0" {
        return Some("a database");
    }
    // The write-ahead log's magic number (big-endian 0x377f0682 or 0x377f0683).
    if n >= 4 && head[..3] == [0x37, 0x7f, 0x06] && matches!(head[3], 0x82 | 0x83) {
        return Some("a database's write-ahead log");
    }
    let name = dest.file_name()?.to_string_lossy();
    for suffix in ["-wal", "-shm", "-journal"] {
        if let Some(base) = name.strip_suffix(suffix) {
            if dest.with_file_name(base).is_file() {
                return Some("a file SQLite keeps beside a database");
            }
        }
    }
    None
}

/// A file written to a temporary name, renamed into place by [`Staged::commit`] and removed
/// if dropped before that.
pub struct Staged {
    pub(super) temp: PathBuf,
    pub(super) dest: PathBuf,
    pub(super) done: bool,
}

impl Staged {
    /// Write `bytes` to a new temporary file beside `dest` with `modes.file` (renamed over
    /// `dest` by `commit`, which so ends with that mode even when it replaces a file).
    pub fn write(dest: &Path, bytes: &[u8], modes: super::files::Modes) -> Result<Staged> {
        if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                return Err(invalid(
                    "out",
                    format!("the folder {} does not exist", dir.display()),
                ));
            }
        }
        if dest.is_dir() {
            return Err(invalid(
                "out",
                format!("{} is a folder; give a file name", dest.display()),
            ));
        }
        if let Some(why) = never_replaced(dest) {
            return Err(invalid(
                "out",
                format!(
                    "{} is {why}; an export never replaces one, even with --force: choose another name",
                    dest.display()
                ),
            ));
        }
        let temp = temp_beside(dest);
        let staged = Staged {
            temp: temp.clone(),
            dest: dest.to_path_buf(),
            done: false,
        };
        let mut f = super::files::create_new(&temp, modes)
            .map_err(io(format!("creating a file beside {}", dest.display())))?;
        std::io::Write::write_all(&mut f, bytes)
            .and_then(|_| f.sync_all())
            .map_err(io(format!("writing {}", dest.display())))?;
        Ok(staged)
    }

    pub fn commit(mut self) -> Result<()> {
        std::fs::rename(&self.temp, &self.dest).map_err(io(format!(
            "moving the export into {}",
            self.dest.display()
        )))?;
        self.done = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// The last step of an anonymised single-file export: the last guard over the file's name
/// and every byte (every member of a zip), then the file and its manifest, written with the
/// modes of anonymised outputs. `what` names the export in a refusal.
#[allow(clippy::too_many_arguments)] // the parts of one write, all needed; a struct would only name them twice
pub(crate) fn write_anonymised(
    fw: &crate::service::Fieldwork,
    register: &Register,
    what: &str,
    out: &Path,
    bytes: &[u8],
    format: &str,
    manifest: serde_json::Value,
    force: bool,
) -> Result<serde_json::Value> {
    register.check_file(what, &file_name(out), bytes)?;
    write_with_manifest(
        out,
        bytes,
        format,
        manifest,
        force,
        super::files::Modes::anonymised(&fw.export),
    )
}

/// Write `out` and its manifest, both or neither, with `modes`. `manifest` gets the
/// output's name, size and SHA-256 added.
pub fn write_with_manifest(
    out: &Path,
    bytes: &[u8],
    format: &str,
    mut manifest: serde_json::Value,
    force: bool,
    modes: super::files::Modes,
) -> Result<serde_json::Value> {
    let mpath = manifest_path(out);
    check_free(&[out, &mpath], force)?;
    manifest["output"] = serde_json::json!({
        "file": file_name(out),
        "format": format,
        "bytes": bytes.len(),
        "sha256": sha256_hex(bytes),
    });
    let mbytes = manifest_bytes(&manifest)?;
    let a = Staged::write(out, bytes, modes)?;
    let b = Staged::write(&mpath, &mbytes, modes)?;
    a.commit()?;
    if let Err(e) = b.commit() {
        // An export without its manifest is incomplete: take it back.
        let _ = std::fs::remove_file(out);
        return Err(e);
    }
    Ok(manifest)
}

pub(crate) fn manifest_bytes(m: &serde_json::Value) -> Result<Vec<u8>> {
    let mut v = serde_json::to_vec_pretty(m).map_err(|e| ServiceError::Io {
        context: "writing the manifest".into(),
        source: std::io::Error::other(e),
    })?;
    v.push(b'\n');
    Ok(v)
}

/// The fields every manifest starts with.
pub(crate) fn manifest_base(export: &str) -> serde_json::Value {
    serde_json::json!({
        "export": export,
        "tool": "fieldwork",
        "tool_version": env!("CARGO_PKG_VERSION"),
        "created_utc": now_utc(),
    })
}
