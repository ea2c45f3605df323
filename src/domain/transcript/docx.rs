//! Word documents (DOCX) to paragraphs, then speaker turns.

use super::{segment::*, types::*};

/// Parse a Word document: paragraphs of `word/document.xml`, then speaker segmentation.
pub fn parse_docx(bytes: &[u8]) -> Result<Parsed, ParseError> {
    use crate::domain::archive::{looks_like_zip, Archive};
    let mut zip = Archive::open(bytes, "the .docx file").map_err(|e| {
        if looks_like_zip(bytes) || bytes.is_empty() {
            err(
                None,
                format!("not a Word .docx file that can be read: {}", e.message),
            )
        } else {
            err(
                None,
                "not a Word .docx file (a .docx is a ZIP archive, and this is not one)",
            )
        }
    })?;
    let raw = zip
        .read("word/document.xml")
        .map_err(|e| err(None, format!("word/document.xml: {}", e.message)))?
        .ok_or_else(|| err(None, "not a Word .docx file (no word/document.xml inside)"))?;
    let xml = String::from_utf8(raw).map_err(|e| {
        err(
            None,
            format!(
                "word/document.xml is not UTF-8 (first bad byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    let paragraphs = docx_paragraphs(&xml)?;
    let text = paragraphs.join("\n\n") + "\n";
    let mut p = segment(&text);
    p.encoding = "docx".into();
    p.format = "docx".into();
    Ok(p)
}

pub(super) fn docx_paragraphs(xml: &str) -> Result<Vec<String>, ParseError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut paragraphs = Vec::new();
    let mut current = String::new();
    let mut in_text = false;
    let mut depth_p = 0usize;
    loop {
        let start = reader.buffer_position() as usize;
        let ev = reader.read_event().map_err(|e| {
            // Byte offsets may fall inside a character: count line breaks in bytes.
            let pos = reader.error_position() as usize;
            err(
                Some(line_of_byte(xml.as_bytes(), pos)),
                format!("word/document.xml is not well-formed: {e}"),
            )
        })?;
        match ev {
            Event::Start(e) => match e.local_name().as_ref() {
                b"p" => {
                    depth_p += 1;
                    if depth_p == 1 {
                        current.clear();
                    }
                }
                b"t" => in_text = true,
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                b"tab" if depth_p > 0 => current.push('\t'),
                b"br" | b"cr" if depth_p > 0 => current.push('\n'),
                b"p" if depth_p == 0 => paragraphs.push(String::new()),
                _ => {}
            },
            Event::Text(t) if in_text => {
                let s = t
                    .decode()
                    .map_err(|e| err(None, format!("bad text in word/document.xml: {e}")))?;
                current.push_str(&s);
            }
            Event::GeneralRef(r) if in_text => {
                let name = r.decode().unwrap_or_default();
                let ch = match name.as_ref() {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    n if n.starts_with("#x") => u32::from_str_radix(&n[2..], 16)
                        .ok()
                        .and_then(char::from_u32),
                    n if n.starts_with('#') => n[1..].parse().ok().and_then(char::from_u32),
                    _ => None,
                };
                if let Some(c) = ch {
                    current.push(c);
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                b"t" => in_text = false,
                b"p" => {
                    depth_p = depth_p.saturating_sub(1);
                    if depth_p == 0 {
                        paragraphs.push(std::mem::take(&mut current));
                    }
                }
                _ => {}
            },
            Event::DocType(_) => {
                // Where the declaration starts (after any white space before it).
                let skip = xml.as_bytes()[start.min(xml.len())..]
                    .iter()
                    .take_while(|b| b.is_ascii_whitespace())
                    .count();
                return Err(err(
                    Some(line_of_byte(xml.as_bytes(), start + skip)),
                    "word/document.xml has a DOCTYPE (entity declarations): refused, as Word never writes one and entity expansion can blow up memory",
                ));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    // Collapse runs of empty paragraphs (Word uses them for spacing).
    let mut out: Vec<String> = Vec::new();
    for p in paragraphs {
        // Control characters (from character references such as `&#27;`) never reach the
        // stored text, as in plain-text transcripts.
        let p: String = p
            .chars()
            .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
            .collect();
        let p = p.trim_end().to_string();
        if p.trim().is_empty() {
            continue;
        }
        out.push(p);
    }
    Ok(out)
}
