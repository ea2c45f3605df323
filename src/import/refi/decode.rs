//! The codebook's text from a `.qdc` or a `.qdpx`, its namespace, and the normalising of
//! names, colours and GUIDs.

use crate::export::codebook::CODEBOOK_NS;
use crate::export::project::PROJECT_NS;
use crate::service::ServiceError;

/// The codebook and project namespaces, and near-misses of them seen in exports
/// (`urn:QDA-XML:codebook:1:0`, other case): anything under `urn:QDA-XML:`.
pub fn is_refi_namespace(ns: &[u8]) -> bool {
    ns == CODEBOOK_NS.as_bytes()
        || ns == PROJECT_NS.as_bytes()
        || ns
            .get(..12)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"urn:QDA-XML:"))
}

/// One code as read from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCode {
    /// Lower case, without braces.
    pub guid: String,
    pub name: String,
    pub description: Option<String>,
    /// `#rrggbb`, lower case.
    pub colour: Option<String>,
    /// The GUID of the enclosing code.
    pub parent: Option<String>,
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, Default)]
pub struct ParsedCodebook {
    /// Document order: every parent before its children.
    pub codes: Vec<ParsedCode>,
    pub warnings: Vec<String>,
    /// Sets of codes (a `Set` with a `MemberCode`, or with no members at all); sets of
    /// documents only (`MemberSource`, as MAXQDA writes in a project) are not counted.
    pub sets_ignored: usize,
    /// Codes marked `isCodable="false"` (category headings in QualCoder and others).
    pub not_codable: usize,
    pub origin: Option<String>,
}

/// Line and column (1-based; columns count characters) of a byte offset.
pub fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let pos = pos.min(text.len());
    let before = &text.as_bytes()[..pos];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let col = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
    (line, col)
}

pub(super) fn problem(
    file: &str,
    text: &str,
    pos: usize,
    message: impl Into<String>,
) -> ServiceError {
    let (l, c) = line_col(text, pos);
    ServiceError::Import {
        file: file.to_string(),
        problems: vec![format!("{file}:{l}:{c}: {}", message.into())],
    }
}

/// Decode the bytes of a file to text: UTF-8 (BOM optional) or UTF-16 with a BOM.
pub fn decode(bytes: &[u8], file: &str) -> Result<String, ServiceError> {
    let utf16 = |be: bool| -> Result<String, ServiceError> {
        let units: Vec<u16> = bytes[2..]
            .chunks(2)
            .map(|c| {
                let pair = [c[0], *c.get(1).unwrap_or(&0)];
                if be {
                    u16::from_be_bytes(pair)
                } else {
                    u16::from_le_bytes(pair)
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|_| ServiceError::Import {
            file: file.to_string(),
            problems: vec![format!("{file}: the UTF-16 text is damaged")],
        })
    };
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(ServiceError::Import {
            file: file.to_string(),
            problems: vec![format!(
                "{file}: this is a ZIP archive (a .qdpx project?), not a .qdc codebook; export the codebook from the other package as .qdc"
            )],
        });
    }
    if bytes.starts_with(&[0xFF, 0xFE]) {
        return utf16(false);
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return utf16(true);
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => {
            let lossy = String::from_utf8_lossy(&body[..e.valid_up_to()]).into_owned();
            Err(problem(
                file,
                &lossy,
                lossy.len(),
                "the file is not UTF-8 (or UTF-16 with a byte-order mark); save it as UTF-8",
            ))
        }
    }
}

/// The member of a REFI-QDA project archive (`.qdpx`) that holds the project.
pub const PROJECT_MEMBER: &str = "project.qde";

/// The codebook text of a file: a `.qdc` codebook as it is, or the `project.qde` of a
/// `.qdpx` project archive, read through the capped archive reader.
pub fn codebook_text(bytes: &[u8], file: &str) -> Result<String, ServiceError> {
    use crate::domain::archive::{looks_like_zip, Archive};
    if !looks_like_zip(bytes) {
        return decode(bytes, file);
    }
    let refuse = |message: String| ServiceError::Import {
        file: file.to_string(),
        problems: vec![message],
    };
    let mut zip = Archive::open(bytes, file).map_err(|e| refuse(e.to_string()))?;
    let member = zip
        .read(PROJECT_MEMBER)
        .map_err(|e| refuse(e.to_string()))?
        .ok_or_else(|| {
            refuse(format!(
                "{file}: this ZIP archive holds no `{PROJECT_MEMBER}`, so it is not a REFI-QDA project (.qdpx)"
            ))
        })?;
    decode(&member, &format!("{file}:{PROJECT_MEMBER}"))
}

/// `#rrggbb` from the colour spellings seen in the wild, or `None`.
pub fn normalise_colour(raw: &str) -> Option<String> {
    let h = raw.trim().trim_start_matches('#');
    if !h.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let six = match h.len() {
        6 => h.to_string(),
        3 => h.chars().flat_map(|c| [c, c]).collect(),
        8 => h[2..].to_string(),
        _ => return None,
    };
    Some(format!("#{}", six.to_ascii_lowercase()))
}

/// A GUID as stored: lower case, no braces.
pub fn normalise_guid(raw: &str) -> String {
    raw.trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .to_ascii_lowercase()
}

/// A name as a theme may hold it: trimmed, control characters as spaces, `/` (which
/// separates levels in theme paths) as `∕`.
pub(super) fn clean_name(raw: &str) -> String {
    raw.chars()
        .map(|c| match c {
            c if c.is_control() => ' ',
            '/' => '\u{2215}',
            c => c,
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
