//! Decoding a transcript file's bytes to text by format, and counting words.

use super::{docx::*, segment::*, types::*, vtt::*};

/// Parse a transcript from its bytes; `format` is the file extension (`txt`, `md`,
/// `docx`, `vtt`).
pub fn parse(bytes: &[u8], format: &str) -> Result<Parsed, ParseError> {
    let p = match format.to_ascii_lowercase().as_str() {
        "txt" | "text" | "md" | "markdown" => {
            let (text, encoding, mut warnings) = decode(bytes)?;
            let mut p = segment(&text);
            p.encoding = encoding;
            p.format = format.to_ascii_lowercase();
            p.warnings.append(&mut warnings);
            p
        }
        "vtt" => {
            let (text, encoding, mut warnings) = decode(bytes)?;
            let mut p = parse_vtt(&text)?;
            p.encoding = encoding;
            p.warnings.append(&mut warnings);
            p
        }
        "docx" => parse_docx(bytes)?,
        other => {
            return Err(err(
                None,
                format!(
                    "`.{other}` is not a transcript format fieldwork reads (txt, md, docx, vtt)"
                ),
            ))
        }
    };
    if p.text.trim().is_empty() {
        return Err(err(
            None,
            match (bytes.is_empty(), p.format.as_str()) {
                (true, _) => "the file is empty (0 bytes): there is no transcript to import",
                (false, "docx") => "the document holds no text: there is no transcript to import",
                (false, "vtt") => "no cue holds any text: there is no transcript to import",
                _ => "the file holds only blank space: there is no transcript to import",
            },
        ));
    }
    Ok(p)
}

/// What kind of file well-known leading bytes say this is, if it is not text.
pub(super) fn binary_kind(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (
            b"PK\x03\x04",
            "a ZIP archive (a .docx saved under another name?)",
        ),
        (b"%PDF-", "a PDF document"),
        (b"SQLite format 3\0", "an SQLite database"),
        (b"\x7fELF", "a program (ELF)"),
        (
            b"\xD0\xCF\x11\xE0",
            "an old Word or Office document (.doc); save it as .docx",
        ),
        (b"{\\rtf", "an RTF document; save it as .docx or .txt"),
        (b"\x89PNG", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"\x1F\x8B", "a gzip archive"),
    ];
    if bytes.len() >= 8 && bytes[..4].contains(&0) && &bytes[4..8] == b"ftyp" {
        return Some("an audio or video file (MP4/M4A)");
    }
    MAGIC
        .iter()
        .find(|(m, _)| bytes.starts_with(m))
        .map(|(_, what)| *what)
}

/// Decode bytes to text: a BOM names the encoding; else UTF-8 if valid; else Windows-1252
/// (with a warning). Line endings become `\n`; NUL and other control characters except tab
/// are removed (with a warning).
pub fn decode(bytes: &[u8]) -> Result<(String, String, Vec<String>), ParseError> {
    let mut warnings = Vec::new();
    let (raw, encoding): (String, &str) = if let Some(rest) =
        bytes.strip_prefix(&[0xEF, 0xBB, 0xBF])
    {
        match std::str::from_utf8(rest) {
            Ok(s) => (s.to_string(), "utf-8-bom"),
            Err(e) => {
                return Err(err(
                    Some(line_of_byte(rest, e.valid_up_to())),
                    "the file starts with a UTF-8 byte-order mark but is not valid UTF-8",
                ))
            }
        }
    } else if bytes.starts_with(&[0xFF, 0xFE]) {
        let (s, _, bad) = encoding_rs::UTF_16LE.decode(bytes);
        if bad {
            warnings.push("some UTF-16 characters could not be decoded and were replaced".into());
        }
        (s.into_owned(), "utf-16le")
    } else if bytes.starts_with(&[0xFE, 0xFF]) {
        let (s, _, bad) = encoding_rs::UTF_16BE.decode(bytes);
        if bad {
            warnings.push("some UTF-16 characters could not be decoded and were replaced".into());
        }
        (s.into_owned(), "utf-16be")
    } else if let Some(what) = binary_kind(bytes) {
        return Err(err(None, format!("this is {what}, not a text transcript")));
    } else if let Some(first) = bytes.iter().position(|b| *b == 0) {
        // NUL bytes: UTF-16 without a byte-order mark puts them on one side of each pair
        // of ASCII text; anything else is binary data.
        let (even, odd) = bytes.iter().enumerate().filter(|(_, b)| **b == 0).fold(
            (0usize, 0usize),
            |(e, o), (i, _)| if i % 2 == 0 { (e + 1, o) } else { (e, o + 1) },
        );
        let half = bytes.len() / 2;
        if half > 0 && (even.max(odd) * 10 >= half * 6) && even.min(odd) * 20 <= even.max(odd) {
            return Err(err(
                None,
                "the file looks like UTF-16 without a byte-order mark; save it as UTF-8",
            ));
        }
        return Err(err(
            Some(line_of_byte(bytes, first)),
            format!(
                "the file holds binary data (a NUL byte at byte {first}), not text; is it the right file?"
            ),
        ));
    } else {
        match std::str::from_utf8(bytes) {
            Ok(s) => (s.to_string(), "utf-8"),
            Err(e) => {
                let line = line_of_byte(bytes, e.valid_up_to());
                let (s, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
                warnings.push(format!(
                    "not UTF-8 (first bad byte on line {line}); read as Windows-1252"
                ));
                (s.into_owned(), "windows-1252")
            }
        }
    };
    let text = raw.replace("\r\n", "\n").replace('\r', "\n");
    let mut removed = 0usize;
    let text: String = text
        .chars()
        .filter(|c| {
            let keep = !c.is_control() || *c == '\n' || *c == '\t';
            if !keep {
                removed += 1;
            }
            keep
        })
        .collect();
    let chars = text.chars().count() + removed;
    if removed >= 8 && removed * 20 > chars {
        return Err(err(
            None,
            format!(
                "the file looks like binary data, not text ({removed} control characters in {chars}); is it the right file?"
            ),
        ));
    }
    if removed > 0 {
        warnings.push(format!("{removed} control character(s) removed"));
    }
    Ok((text, encoding.to_string(), warnings))
}

/// Words in a text (whitespace-separated runs containing a letter or digit).
pub fn word_count(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}
