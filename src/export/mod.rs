//! Exports built on the service layer: the anonymised participant table, the publication
//! "Table 1" of counts and the REFI-QDA codebook. Every export is built from allow-lists,
//! written to a temporary file beside its destination and renamed into place (never a
//! partial file), never overwrites without `force`, and (for the data exports) writes a
//! manifest beside itself. Every file and folder is created owner-only (see [`files`]).
//!
//! The rules are those of `docs/design/anonymisation.md`; `docs/exports.md` explains what
//! each export holds and withholds.

pub mod audit;
pub mod codebook;
pub mod files;
pub mod matrix;
pub mod participants;
pub mod project;
pub mod quotes;
pub mod table1;
pub mod text;
pub mod transcripts;

use std::path::{Path, PathBuf};

use crate::domain::{new_id, now_utc};
use crate::service::{Result, ServiceError};

/// The tool name and version recorded in manifests and file metadata.
pub const TOOL: &str = concat!("fieldwork ", env!("CARGO_PKG_VERSION"));

/// Direct identifiers of participants (name, email, phone, organisation, job title),
/// lower-cased, as (kind, value). Values shorter than four characters are too common to test.
pub fn identifier_register(fw: &crate::service::Fieldwork) -> Result<Vec<(&'static str, String)>> {
    Ok(fw
        .identifiers_by_kind()?
        .into_iter()
        .map(|(kind, v)| (kind, v.trim().to_lowercase()))
        .filter(|(_, v)| v.chars().count() >= 4)
        .collect())
}

/// The kind of the first identifier of the register found in `text` (case-insensitive, as
/// a whole word or phrase: "ICS C" is not found inside "analytics capacity").
pub fn find_identifier(text: &str, register: &[(&'static str, String)]) -> Option<&'static str> {
    let lower = text.to_lowercase();
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    register
        .iter()
        .find(|(_, v)| {
            lower.match_indices(v.as_str()).any(|(i, m)| {
                !word(lower[..i].chars().next_back()) && !word(lower[i + m.len()..].chars().next())
            })
        })
        .map(|(k, _)| *k)
}

/// A last check on what an export is about to write: built from allow-lists, it should
/// never hold a participant's identifier, but a study's own labels (a role category or phase
/// named after a person or organisation) could still carry one. Refuse if so.
pub(crate) fn guard(what: &str, text: &str, register: &[(&'static str, String)]) -> Result<()> {
    match find_identifier(text, register) {
        None => Ok(()),
        Some(kind) => Err(ServiceError::Refused(format!(
            "the {what} would contain a participant's {kind} (through a label of the study definition, such as a site, phase or role category name); nothing was written"
        ))),
    }
}

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

fn io(context: String) -> impl FnOnce(std::io::Error) -> ServiceError {
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
fn temp_beside(dest: &Path) -> PathBuf {
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
fn never_replaced(dest: &Path) -> Option<&'static str> {
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
    temp: PathBuf,
    dest: PathBuf,
    done: bool,
}

impl Staged {
    /// Write `bytes` to a new temporary file beside `dest` with `modes.file` (renamed over
    /// `dest` by `commit`, which so ends with that mode even when it replaces a file).
    pub fn write(dest: &Path, bytes: &[u8], modes: files::Modes) -> Result<Staged> {
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
        let mut f = files::create_new(&temp, modes)
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

/// Write `out` and its manifest, both or neither, with `modes`. `manifest` gets the
/// output's name, size and SHA-256 added.
pub fn write_with_manifest(
    out: &Path,
    bytes: &[u8],
    format: &str,
    mut manifest: serde_json::Value,
    force: bool,
    modes: files::Modes,
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

/// A cell a spreadsheet would read as a formula (or, after a tab or carriage return, a
/// cell it would start afresh): its first character is `=`, `+`, `-`, `@`, a tab or a
/// carriage return (OWASP's list); or that is so after leading white space (spaces,
/// no-break spaces, line breaks), since some spreadsheets trim a cell before reading it
/// (Google Sheets; LibreOffice and Excel with "trim spaces" on import); or it starts with
/// the full-width forms `＝`, `＋`, `－`, `＠`, which East Asian input methods type and
/// some spreadsheets read as the ASCII ones.
fn formula_like(s: &str) -> bool {
    const TRIGGERS: [char; 8] = [
        '=', '+', '-', '@', '\u{ff1d}', '\u{ff0b}', '\u{ff0d}', '\u{ff20}',
    ];
    s.starts_with(['\t', '\r']) || s.trim_start().starts_with(TRIGGERS)
}

/// One CSV field, as every CSV the tool writes has it: free text (quotes, summaries) that
/// a spreadsheet would run as a formula gets a leading `'` (so `=HYPERLINK(…)` is shown as
/// text, never run), then the field is quoted when needed (RFC 4180). No export writes a
/// negative number, so no number is changed.
pub(crate) fn csv_field(s: &str) -> String {
    let cell = if formula_like(s) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    };
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.into_owned()
    }
}

/// Rows of cells as CSV text (CRLF line ends, as RFC 4180 says).
pub(crate) fn csv_text(header: &[String], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    for line in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
        let cells: Vec<String> = line.iter().map(|c| csv_field(c)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// A workbook of one sheet, with neutral document properties (no user or machine name).
/// Cells in columns from `numeric_from` on that hold whole numbers are written as numbers;
/// every other cell as a string (`write_string`: never a formula, whatever it starts with).
pub(crate) fn xlsx_bytes(
    sheet: &str,
    title: &str,
    header: &[String],
    rows: &[Vec<String>],
    numeric_from: usize,
) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{DocProperties, Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| ServiceError::Io {
        context: "building the XLSX workbook".into(),
        source: std::io::Error::other(e.to_string()),
    };
    let mut wb = Workbook::new();
    let props = DocProperties::new()
        .set_title(title)
        .set_author("")
        .set_manager("")
        .set_company("")
        .set_comment(TOOL)
        .set_keywords("");
    wb.set_properties(&props);
    let ws = wb.add_worksheet();
    ws.set_name(sheet).map_err(fail)?;
    let bold = Format::new().set_bold();
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)
            .map_err(fail)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if let (true, Ok(n)) = (c >= numeric_from, v.parse::<u32>()) {
                ws.write_number((r + 1) as u32, c as u16, f64::from(n))
                    .map_err(fail)?;
            } else {
                ws.write_string((r + 1) as u32, c as u16, v).map_err(fail)?;
            }
        }
    }
    wb.save_to_buffer().map_err(fail)
}

#[cfg(test)]
mod csv_tests {
    use super::{csv_field, csv_text};

    #[test]
    fn formula_like_cells_are_neutralised() {
        assert_eq!(
            csv_field("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""
        );
        assert_eq!(csv_field("+1 more"), "'+1 more");
        assert_eq!(csv_field("-2"), "'-2");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("\tcmd"), "'\tcmd");
        assert_eq!(csv_field("\r=1"), "\"'\r=1\"");
        // After leading white space, which some spreadsheets trim before reading a cell.
        assert_eq!(csv_field("  =1+1"), "'  =1+1");
        assert_eq!(csv_field("\u{a0}@SUM(A1)"), "'\u{a0}@SUM(A1)");
        assert_eq!(csv_field("\n-2"), "\"'\n-2\"");
        // Full-width forms.
        assert_eq!(csv_field("\u{ff1d}1+1"), "'\u{ff1d}1+1");
        assert_eq!(csv_field("\u{ff0b}1"), "'\u{ff0b}1");
        // White space alone, or before ordinary text, is left as it was.
        assert_eq!(csv_field("   "), "   ");
        assert_eq!(csv_field("  well, yes"), "\"  well, yes\"");
        // Anything else is as it was.
        assert_eq!(csv_field("a=b"), "a=b");
        assert_eq!(csv_field("12"), "12");
        assert_eq!(csv_field("2022-01-10"), "2022-01-10");
        assert_eq!(csv_field("<5"), "<5");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field(""), "");
        assert_eq!(
            csv_text(&["q".into()], &[vec!["=1+1".into()]]),
            "q\r\n'=1+1\r\n"
        );
    }
}

#[cfg(test)]
mod identifier_tests {
    use super::find_identifier;

    #[test]
    fn identifiers_match_whole_words_only() {
        let reg = vec![
            ("organisation", "ics c".to_string()),
            ("name", "ada quill".to_string()),
        ];
        assert_eq!(find_identifier("Analytics capacity", &reg), None);
        assert_eq!(
            find_identifier("Quality at ICS C, as ever", &reg),
            Some("organisation")
        );
        assert_eq!(find_identifier("Ada Quill's view", &reg), Some("name"));
        assert_eq!(find_identifier("Ada Quillfeather", &reg), None);
    }
}
