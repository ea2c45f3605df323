//! Reading REFI-QDA codebooks (`.qdc`) as the major packages write them.
//!
//! Accepted: the codebook namespace `urn:QDA-XML:codebook:1.0`, the project namespace
//! `urn:QDA-XML:project:1.0` (a `CodeBook` inside a `Project`, or a `CodeBook` root in that
//! namespace), near-misses of them (any namespace under `urn:QDA-XML:`), or no namespace; `isCodable` missing; `color` with or without `#`,
//! in either case, 3 or 6 hex digits (or 8, ARGB, whose alpha is dropped); GUIDs in braces
//! or upper case; `Description` children with text, CDATA, entities or inner markup; UTF-8
//! with or without a byte-order mark, and UTF-16 with one; code `Set`s are counted (not
//! imported), sets of documents only (MAXQDA projects) are not. Real exports from other
//! packages are in tests/fixtures/refi/real/ (see tests/refi_real.rs). Elements of other namespaces
//! inside the codebook (vendor extensions) are skipped. Broken XML is rejected with the line
//! and column of the problem.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use crate::export::codebook::{is_guid, CODEBOOK_NS};
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

fn problem(file: &str, text: &str, pos: usize, message: impl Into<String>) -> ServiceError {
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
fn clean_name(raw: &str) -> String {
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

#[derive(Debug)]
struct Frame {
    name: String,
    /// The index of the code this element is, if it is a `Code`.
    code: Option<usize>,
    /// Inside a vendor extension or another ignored subtree.
    ignored: bool,
    pos: usize,
}

/// Parse a codebook file's text.
pub fn parse(text: &str, file: &str) -> Result<ParsedCodebook, ServiceError> {
    let mut reader = NsReader::from_str(text);
    reader.config_mut().trim_text(false);
    let mut out = ParsedCodebook::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut root_seen = false;
    let mut codebook_seen = false;
    let mut description: Option<(usize, String)> = None;
    let mut description_depth = 0usize;
    let mut seen = std::collections::HashMap::<String, (usize, usize)>::new();
    // The open `Set`: its depth in the stack, and whether it has code and source members.
    let mut open_set: Option<(usize, bool, bool)> = None;
    loop {
        let start = reader.buffer_position() as usize;
        let (ns, event) = match reader.read_resolved_event() {
            Ok(x) => x,
            Err(e) => {
                return Err(problem(
                    file,
                    text,
                    reader.error_position() as usize,
                    format!("broken XML: {e}"),
                ))
            }
        };
        // Where the markup starts (skip whitespace before it).
        let at = start
            + text.as_bytes()[start.min(text.len())..]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
        let ns_ok = match &ns {
            ResolveResult::Unbound => Some(true),
            ResolveResult::Bound(n) => Some(is_refi_namespace(n.as_ref())),
            ResolveResult::Unknown(p) => {
                if matches!(event, Event::Start(_) | Event::Empty(_)) {
                    return Err(problem(
                        file,
                        text,
                        at,
                        format!(
                            "the namespace prefix `{}` is not declared",
                            String::from_utf8_lossy(p)
                        ),
                    ));
                }
                None
            }
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let parent = stack.last();
                let parent_ignored = parent.is_some_and(|p| p.ignored);
                let in_description = description.is_some();
                let mut frame = Frame {
                    name: name.clone(),
                    code: None,
                    ignored: parent_ignored || ns_ok == Some(false),
                    pos: at,
                };
                if in_description {
                    // Inner markup of a description: its text is kept.
                    if !empty {
                        description_depth += 1;
                    }
                } else if stack.is_empty() {
                    if root_seen {
                        return Err(problem(file, text, at, "a second root element"));
                    }
                    root_seen = true;
                    if ns_ok != Some(true) || (name != "CodeBook" && name != "Project") {
                        return Err(problem(
                            file,
                            text,
                            at,
                            format!(
                                "this is not a REFI-QDA codebook: the root element is `{}`{} (expected `CodeBook` in the namespace {CODEBOOK_NS})",
                                String::from_utf8_lossy(e.name().as_ref()),
                                match &ns {
                                    ResolveResult::Bound(n) =>
                                        format!(" in the namespace {}", String::from_utf8_lossy(n.as_ref())),
                                    _ => String::new(),
                                }
                            ),
                        ));
                    }
                    if name == "CodeBook" {
                        codebook_seen = true;
                        origin(e, &mut out);
                    }
                } else if !frame.ignored {
                    let pname = parent.map(|p| p.name.as_str()).unwrap_or("");
                    match (name.as_str(), pname) {
                        ("CodeBook", "Project") => codebook_seen = true,
                        ("Code", "Codes") | ("Code", "Code") => {
                            let parent_code = parent
                                .and_then(|p| p.code)
                                .map(|i| out.codes[i].guid.clone());
                            let code = read_code(e, parent_code, text, at, file, &mut out)?;
                            if let Some((l, c)) = seen.get(&code.guid) {
                                return Err(problem(
                                    file,
                                    text,
                                    at,
                                    format!(
                                        "the GUID {} is used twice (first at line {l}, column {c})",
                                        code.guid
                                    ),
                                ));
                            }
                            seen.insert(code.guid.clone(), (code.line, code.column));
                            out.codes.push(code);
                            frame.code = Some(out.codes.len() - 1);
                        }
                        ("Description", "Code") => {
                            if let Some(i) = parent.and_then(|p| p.code) {
                                if empty {
                                    // <Description/>: nothing to keep.
                                } else {
                                    description = Some((i, String::new()));
                                    description_depth = 0;
                                }
                            }
                        }
                        ("Set", "Sets") => {
                            if empty {
                                out.sets_ignored += 1;
                            } else {
                                open_set = Some((stack.len(), false, false));
                            }
                        }
                        ("MemberCode", "Set") => {
                            if let Some(s) = &mut open_set {
                                s.1 = true;
                            }
                        }
                        ("MemberSource", "Set") => {
                            if let Some(s) = &mut open_set {
                                s.2 = true;
                            }
                        }
                        _ => {}
                    }
                }
                if !empty && !in_description {
                    stack.push(frame);
                }
            }
            Event::End(_) => {
                if let Some((i, _)) = &description {
                    if description_depth > 0 {
                        description_depth -= 1;
                        continue;
                    }
                    let i = *i;
                    let (_, d) = description.take().unwrap_or_default();
                    let d = d.trim().to_string();
                    if !d.is_empty() {
                        out.codes[i].description = Some(d);
                    }
                }
                if let Some((depth, codes, sources)) = open_set {
                    if stack.len() == depth + 1 {
                        if codes || !sources {
                            out.sets_ignored += 1;
                        }
                        open_set = None;
                    }
                }
                stack.pop();
            }
            Event::Text(t) => {
                if let Some((_, d)) = &mut description {
                    let s = t
                        .xml10_content()
                        .map_err(|e| problem(file, text, at, format!("undecodable text: {e}")))?;
                    d.push_str(&s);
                } else if stack.is_empty()
                    && !t.xml10_content().unwrap_or_default().trim().is_empty()
                {
                    return Err(problem(file, text, at, "text outside the root element"));
                }
            }
            Event::CData(t) => {
                if let Some((_, d)) = &mut description {
                    d.push_str(&String::from_utf8_lossy(&t.into_inner()));
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => {
                        let name = r.decode().map(|c| c.into_owned()).unwrap_or_default();
                        match quick_xml::escape::resolve_predefined_entity(&name) {
                            Some(s) => s.to_string(),
                            None => {
                                return Err(problem(
                                    file,
                                    text,
                                    at,
                                    format!("unknown entity `&{name};`"),
                                ))
                            }
                        }
                    }
                    Err(e) => return Err(problem(file, text, at, format!("broken XML: {e}"))),
                };
                if let Some((_, d)) = &mut description {
                    d.push_str(&resolved);
                }
            }
            Event::DocType(_) => {
                // quick-xml never expands entities declared in a DTD, but refuse the
                // declarations outright: no REFI-QDA exporter writes them, and a file
                // that does is either broken or an entity-expansion attack.
                return Err(problem(
                    file,
                    text,
                    at,
                    "a DOCTYPE (DTD with entity declarations) is not allowed in a REFI-QDA file; refused",
                ));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(f) = stack.last() {
        let (l, c) = line_col(text, f.pos);
        return Err(problem(
            file,
            text,
            text.len(),
            format!(
                "the file ends before `{}` (opened at line {l}, column {c}) is closed",
                f.name
            ),
        ));
    }
    if !root_seen {
        return Err(problem(file, text, 0, "the file holds no XML element"));
    }
    if !codebook_seen {
        return Err(problem(
            file,
            text,
            0,
            "this project file holds no `CodeBook`",
        ));
    }
    Ok(out)
}

fn origin(e: &quick_xml::events::BytesStart<'_>, out: &mut ParsedCodebook) {
    for a in e.attributes().flatten() {
        if a.key.local_name().as_ref() == b"origin" {
            out.origin = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned());
        }
    }
}

fn read_code(
    e: &quick_xml::events::BytesStart<'_>,
    parent: Option<String>,
    text: &str,
    at: usize,
    file: &str,
    out: &mut ParsedCodebook,
) -> Result<ParsedCode, ServiceError> {
    let (line, column) = line_col(text, at);
    let (mut guid, mut name, mut color, mut codable) = (None, None, None, None);
    for a in e.attributes().with_checks(true) {
        let a = a.map_err(|err| {
            use quick_xml::events::attributes::AttrError;
            // Attribute positions count from the byte after `<`.
            let pos = match err {
                AttrError::ExpectedEq(p)
                | AttrError::ExpectedValue(p)
                | AttrError::UnquotedValue(p)
                | AttrError::ExpectedQuote(p, _)
                | AttrError::Duplicated(p, _) => at + 1 + p,
            };
            let what = match err {
                AttrError::ExpectedEq(_) => "an attribute without `=`".to_string(),
                AttrError::ExpectedValue(_) => "an attribute without a value".to_string(),
                AttrError::UnquotedValue(_) | AttrError::ExpectedQuote(..) => {
                    "an attribute value without quotes".to_string()
                }
                AttrError::Duplicated(..) => "an attribute given twice".to_string(),
            };
            problem(file, text, pos, format!("broken XML: {what}"))
        })?;
        let v = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|err| problem(file, text, at, format!("broken attribute value: {err}")))?
            .into_owned();
        match a.key.local_name().as_ref() {
            b"guid" => guid = Some(v),
            b"name" => name = Some(v),
            b"color" | b"colour" => color = Some(v),
            b"isCodable" => codable = Some(v),
            _ => {}
        }
    }
    let guid = guid.ok_or_else(|| problem(file, text, at, "a `Code` without a `guid`"))?;
    if !is_guid(guid.trim()) {
        return Err(problem(
            file,
            text,
            at,
            format!("`{guid}` is not a GUID (expected 8-4-4-4-12 hexadecimal digits)"),
        ));
    }
    let guid = normalise_guid(&guid);
    let raw_name = name.ok_or_else(|| problem(file, text, at, "a `Code` without a `name`"))?;
    let name = clean_name(&raw_name);
    if name.is_empty() {
        return Err(problem(file, text, at, "a `Code` with an empty `name`"));
    }
    if name != raw_name.trim() && raw_name.contains('/') {
        out.warnings.push(format!(
            "{file}:{line}:{column}: `{}` contains `/`, which separates levels in fieldwork; imported as `{name}`",
            raw_name.trim()
        ));
    }
    let colour = match color.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => {
            let n = normalise_colour(c);
            if n.is_none() {
                out.warnings.push(format!(
                    "{file}:{line}:{column}: the colour `{c}` of `{name}` is not #RRGGBB; left out"
                ));
            }
            n
        }
    };
    if let Some(c) = codable {
        if matches!(c.trim(), "false" | "0") {
            out.not_codable += 1;
        } else if !matches!(c.trim(), "true" | "1") {
            out.warnings.push(format!(
                "{file}:{line}:{column}: isCodable=\"{c}\" is not a boolean; ignored"
            ));
        }
    }
    Ok(ParsedCode {
        guid,
        name,
        description: None,
        colour,
        parent,
        line,
        column,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const G1: &str = "0b5f1f0e-8a3c-4c1e-9d2a-1234567890ab";

    fn ok(xml: &str) -> ParsedCodebook {
        parse(xml, "t.qdc").unwrap_or_else(|e| panic!("{e}"))
    }

    fn err(xml: &str) -> String {
        parse(xml, "t.qdc").unwrap_err().to_string()
    }

    #[test]
    fn line_and_column_of_offsets() {
        let t = "ab\ncdé\nf";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 3), (2, 1));
        assert_eq!(line_col(t, 7), (2, 4));
        assert_eq!(line_col(t, 8), (3, 1));
    }

    #[test]
    fn namespaces() {
        assert!(is_refi_namespace(b"urn:QDA-XML:codebook:1.0"));
        assert!(is_refi_namespace(b"urn:QDA-XML:project:1.0"));
        assert!(is_refi_namespace(b"urn:qda-xml:codebook:1:0"));
        assert!(!is_refi_namespace(b"http://www.w3.org/1999/xhtml"));
        let e = err("<CodeBook xmlns=\"http://example.org/other\"><Codes/></CodeBook>");
        assert!(
            e.contains("not a REFI-QDA codebook") && e.contains("example.org"),
            "{e}"
        );
    }

    #[test]
    fn projects_in_zip_files_are_named() {
        let e = decode(b"PK\x03\x04rest", "p.qdpx").unwrap_err().to_string();
        assert!(e.contains("ZIP archive"), "{e}");
    }

    #[test]
    fn colours_in_the_wild() {
        assert_eq!(normalise_colour("#FF00aa").as_deref(), Some("#ff00aa"));
        assert_eq!(normalise_colour("ff00AA").as_deref(), Some("#ff00aa"));
        assert_eq!(normalise_colour("#f0a").as_deref(), Some("#ff00aa"));
        assert_eq!(normalise_colour("#80FF00AA").as_deref(), Some("#ff00aa"));
        assert_eq!(normalise_colour("red"), None);
    }

    #[test]
    fn no_namespace_missing_is_codable_and_braced_guid() {
        let p = ok(&format!(
            "<CodeBook><Codes><Code guid=\"{{{}}}\" name=\"A &amp; B\" color=\"ABCDEF\"/></Codes></CodeBook>",
            G1.to_uppercase()
        ));
        assert_eq!(p.codes.len(), 1);
        assert_eq!(p.codes[0].guid, G1);
        assert_eq!(p.codes[0].name, "A & B");
        assert_eq!(p.codes[0].colour.as_deref(), Some("#abcdef"));
    }

    #[test]
    fn descriptions_with_cdata_entities_and_markup() {
        let p = ok(&format!(
            "<?xml version=\"1.0\"?>\n<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes>\
             <Code guid=\"{G1}\" name=\"x\" isCodable=\"true\"><Description>a &lt;b&gt; <![CDATA[c & d]]> <p>e</p> &#233;</Description></Code>\
             </Codes></CodeBook>"
        ));
        assert_eq!(p.codes[0].description.as_deref(), Some("a <b> c & d e é"));
    }

    #[test]
    fn sets_of_codes_are_counted_and_sets_of_documents_are_not() {
        // ATLAS.ti: a code group in a codebook; MAXQDA: document sets in a project.
        let p = ok(&format!(
            "<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes><Code guid=\"{G1}\" name=\"a\" isCodable=\"true\"/></Codes>\
             <Sets><Set guid=\"{G1}\" name=\"g\"><Description>d</Description><MemberCode guid=\"{G1}\"/></Set>\
             <Set guid=\"{G1}\" name=\"empty\"/></Sets></CodeBook>"
        ));
        assert_eq!(p.sets_ignored, 2);
        let p = ok(&format!(
            "<Project xmlns=\"urn:QDA-XML:project:1.0\"><CodeBook><Codes><Code guid=\"{G1}\" name=\"a\" isCodable=\"false\"/></Codes></CodeBook>\
             <Sets><Set guid=\"{G1}\" name=\"docs\"><MemberSource targetGUID=\"{G1}\"/></Set>\
             <Set guid=\"{G1}\" name=\"mixed\"><MemberSource targetGUID=\"{G1}\"/><MemberCode targetGUID=\"{G1}\"/></Set></Sets></Project>"
        ));
        assert_eq!(p.sets_ignored, 1);
        assert_eq!(p.not_codable, 1);
    }

    #[test]
    fn broken_xml_is_located() {
        let e = err(&format!(
            "<CodeBook>\n<Codes>\n  <Code guid=\"{G1}\" name=\"x\">\n</Codes>\n</CodeBook>"
        ));
        assert!(e.contains("t.qdc:4:"), "{e}");
        let e = err("<CodeBook>\n<Codes>\n<Code guid=\"x\" name=\"y\"/></Codes></CodeBook>");
        assert!(e.contains("t.qdc:3:1:") && e.contains("not a GUID"), "{e}");
        let e = err(&format!(
            "<CodeBook>\n<Codes>\n<Code guid=\"{G1}\" name=\"y\">"
        ));
        assert!(e.contains("ends before"), "{e}");
        let e = err("<html><body/></html>");
        assert!(e.contains("not a REFI-QDA codebook"), "{e}");
        let e = err("<CodeBook><Codes>\n<Code guid=\"x\" name=unquoted/></Codes></CodeBook>");
        assert!(
            e.contains("t.qdc:2:21:") && e.contains("without quotes"),
            "{e}"
        );
        let e = err(&format!(
            "<CodeBook><Codes><Code guid=\"{G1}\" name=\"a\"/>\n<Code guid=\"{G1}\" name=\"b\"/></Codes></CodeBook>"
        ));
        assert!(e.contains("used twice") && e.contains("t.qdc:2:1"), "{e}");
    }

    #[test]
    fn a_doctype_is_refused_and_located() {
        let e = err("<?xml version=\"1.0\"?>\n<!DOCTYPE CodeBook [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>\n<CodeBook><Codes/></CodeBook>");
        assert!(e.contains("t.qdc:2:1:") && e.contains("DOCTYPE"), "{e}");
    }

    #[test]
    fn the_codebook_of_a_qdpx_project_is_read_through_the_capped_reader() {
        use std::io::Write;
        let xml = format!(
            "<Project xmlns=\"urn:QDA-XML:project:1.0\" name=\"p\"><CodeBook><Codes><Code guid=\"{G1}\" name=\"a\" isCodable=\"true\"/></Codes></CodeBook></Project>"
        );
        let zip = |name: &str| {
            let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            z.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(xml.as_bytes()).unwrap();
            z.finish().unwrap().into_inner()
        };
        let text = codebook_text(&zip("project.qde"), "p.qdpx").unwrap();
        let p = parse(&text, "p.qdpx:project.qde").unwrap();
        assert_eq!(p.codes.len(), 1);
        let e = codebook_text(&zip("other.xml"), "p.qdpx")
            .unwrap_err()
            .to_string();
        assert!(e.contains("p.qdpx") && e.contains("project.qde"), "{e}");
        let full = zip("project.qde");
        let e = codebook_text(&full[..full.len() - 30], "p.qdpx")
            .unwrap_err()
            .to_string();
        assert!(e.contains("p.qdpx") && e.contains("truncated"), "{e}");
    }
}
