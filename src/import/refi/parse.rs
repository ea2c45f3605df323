//! Parsing the codebook's XML into codes with their hierarchy, colours and origins.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

use super::decode::*;
use crate::export::codebook::{is_guid, CODEBOOK_NS};
use crate::service::ServiceError;

#[derive(Debug)]
pub(super) struct Frame {
    pub(super) name: String,
    /// The index of the code this element is, if it is a `Code`.
    pub(super) code: Option<usize>,
    /// Inside a vendor extension or another ignored subtree.
    pub(super) ignored: bool,
    pub(super) pos: usize,
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

pub(super) fn origin(e: &quick_xml::events::BytesStart<'_>, out: &mut ParsedCodebook) {
    for a in e.attributes().flatten() {
        if a.key.local_name().as_ref() == b"origin" {
            out.origin = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned());
        }
    }
}

pub(super) fn read_code(
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
