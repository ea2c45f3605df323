//! Transcript files → canonical text and speaker turns.
//!
//! Formats: plain text and Markdown (speaker labels `Name:` or `**Name:**` at line start),
//! Word `.docx` (paragraphs, tabs, line breaks; tracked deletions left out), and WebVTT
//! `.vtt` as written by Teams (`<v Name>…</v>`) and Zoom (`Name: …`), merged into speaker
//! turns. Offsets are in characters (Unicode scalar values), as REFI-QDA counts them.
//!
//! The turns partition the canonical text: turn *i* covers `[start, end)` and the next turn
//! starts at `end`, so the text is exactly the turns' texts in order.

use std::fmt;

/// A parsed transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub text: String,
    pub turns: Vec<Turn>,
    /// `utf-8`, `utf-8-bom`, `utf-16le`, `utf-16be`, `windows-1252`, or `docx`.
    pub encoding: String,
    pub format: String,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    pub speaker: Option<String>,
    /// Character offsets into `Parsed::text`.
    pub start: usize,
    pub end: usize,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
}

/// A problem with a transcript file, located where possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

fn err(line: Option<usize>, message: impl Into<String>) -> ParseError {
    ParseError {
        line,
        message: message.into(),
    }
}

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
fn binary_kind(bytes: &[u8]) -> Option<&'static str> {
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

fn line_of_byte(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// A speaker label at the start of a line: `Name:` (1–5 words, up to 40 characters, starting
/// with a letter), optionally in Markdown bold (`**Name:**` or `**Name**:`). Returns the
/// speaker.
pub fn speaker_label(line: &str) -> Option<String> {
    let l = line.trim_start();
    let (inner, _) = if let Some(rest) = l.strip_prefix("**") {
        let end = rest.find("**")?;
        let label = &rest[..end];
        let after = &rest[end + 2..];
        if let Some(label) = label.strip_suffix(':') {
            (label.to_string(), after)
        } else if let Some(rest) = after.strip_prefix(':') {
            (label.to_string(), rest)
        } else {
            return None;
        }
    } else {
        let colon = l.find(':')?;
        let after = &l[colon + 1..];
        if !(after.is_empty() || after.starts_with(' ') || after.starts_with('\t')) {
            return None;
        }
        (l[..colon].to_string(), after)
    };
    let label = inner.trim();
    let first = label.chars().next()?;
    let ok = first.is_alphabetic()
        && label.chars().count() <= 40
        && label.split_whitespace().count() <= 5
        && label
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '.' | '\'' | '-' | '(' | ')' | '’'));
    ok.then(|| label.to_string())
}

/// Split text into turns: a line with a speaker label starts a turn; without any labels,
/// blank-line-separated paragraphs are the turns.
pub fn segment(text: &str) -> Parsed {
    // Line starts as (byte offset, char offset).
    let mut starts: Vec<(usize, usize, Option<String>)> = Vec::new();
    let mut any_label = false;
    let mut char_pos = 0usize;
    let mut prev_blank = true;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches('\n');
        let blank = content.trim().is_empty();
        if let Some(sp) = speaker_label(content) {
            any_label = true;
            starts.push((0, char_pos, Some(sp)));
        } else if !blank && prev_blank {
            starts.push((0, char_pos, None));
        }
        prev_blank = blank;
        char_pos += line.chars().count();
    }
    let total = char_pos;
    let boundaries: Vec<(usize, Option<String>)> = if any_label {
        // Paragraphs without a label continue the current speaker's turn; text before the
        // first label is its own turn.
        let mut b: Vec<(usize, Option<String>)> = Vec::new();
        for (_, c, sp) in starts {
            if sp.is_some() || b.is_empty() {
                b.push((c, sp));
            }
        }
        b
    } else {
        starts.into_iter().map(|(_, c, sp)| (c, sp)).collect()
    };
    let mut turns = Vec::new();
    // Any leading blank text belongs to the first turn.
    for (i, (start, speaker)) in boundaries.iter().enumerate() {
        let start = if i == 0 { 0 } else { *start };
        let end = boundaries.get(i + 1).map(|(s, _)| *s).unwrap_or(total);
        if end > start {
            turns.push(Turn {
                speaker: speaker.clone(),
                start,
                end,
                start_ms: None,
                end_ms: None,
            });
        }
    }
    if turns.is_empty() && total > 0 {
        turns.push(Turn {
            speaker: None,
            start: 0,
            end: total,
            start_ms: None,
            end_ms: None,
        });
    }
    Parsed {
        text: text.to_string(),
        turns,
        encoding: "utf-8".into(),
        format: "txt".into(),
        warnings: Vec::new(),
    }
}

fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    let (hms, ms) = s.split_once('.')?;
    let ms: i64 = ms.get(..3)?.parse().ok()?;
    let parts: Vec<&str> = hms.split(':').collect();
    let (h, m, sec) = match parts.as_slice() {
        [h, m, s] => (
            h.parse::<i64>().ok()?,
            m.parse::<i64>().ok()?,
            s.parse::<i64>().ok()?,
        ),
        [m, s] => (0, m.parse::<i64>().ok()?, s.parse::<i64>().ok()?),
        _ => return None,
    };
    if m > 59 || sec > 59 {
        return None;
    }
    Some(((h * 60 + m) * 60 + sec) * 1000 + ms)
}

/// Strip WebVTT tags, returning (voice, text).
fn vtt_payload(text: &str) -> (Option<String>, String) {
    let mut voice = None;
    let mut out = String::new();
    let mut rest = text;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let Some(gt) = rest[lt..].find('>') else {
            out.push_str(&rest[lt..]);
            rest = "";
            break;
        };
        let tag = &rest[lt + 1..lt + gt];
        if let Some(v) = tag.strip_prefix('v') {
            // <v Name> or <v.class Name>
            if v.starts_with(' ') || v.starts_with('.') {
                let name = v.split_once(' ').map(|(_, n)| n.trim()).unwrap_or("");
                if !name.is_empty() && voice.is_none() {
                    voice = Some(name.to_string());
                }
            }
        }
        rest = &rest[lt + gt + 1..];
    }
    out.push_str(rest);
    let out = out
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ");
    (voice, out.trim().to_string())
}

/// Parse WebVTT; consecutive cues of the same speaker merge into one turn.
pub fn parse_vtt(text: &str) -> Result<Parsed, ParseError> {
    let lines: Vec<&str> = text.lines().collect();
    let first = lines
        .first()
        .map(|l| l.trim_start_matches('\u{feff}'))
        .unwrap_or("");
    if !first.starts_with("WEBVTT") {
        return Err(err(
            Some(1),
            "not a WebVTT file: the first line must be `WEBVTT`",
        ));
    }
    struct Cue {
        speaker: Option<String>,
        text: String,
        start: i64,
        end: i64,
    }
    let mut cues: Vec<Cue> = Vec::new();
    let mut last_start: Option<(i64, usize)> = None;
    let mut i = 1;
    while i < lines.len() {
        let line = lines[i].trim();
        if line.is_empty() {
            i += 1;
            continue;
        }
        if line.starts_with("NOTE") || line == "STYLE" || line == "REGION" {
            while i < lines.len() && !lines[i].trim().is_empty() {
                i += 1;
            }
            continue;
        }
        // Optional cue identifier line, then the timing line.
        let timing_line = if line.contains("-->") {
            i
        } else if i + 1 < lines.len() && lines[i + 1].contains("-->") {
            i + 1
        } else {
            return Err(err(
                Some(i + 1),
                format!(
                    "expected a cue timing line (`00:00:01.000 --> 00:00:04.000`), found `{line}`"
                ),
            ));
        };
        let timing = lines[timing_line];
        let (a, b) = timing.split_once("-->").unwrap_or(("", ""));
        let b = b.split_whitespace().next().unwrap_or("");
        let (Some(start), Some(end)) = (parse_timestamp(a), parse_timestamp(b)) else {
            return Err(err(
                Some(timing_line + 1),
                format!("bad cue timing `{}`", timing.trim()),
            ));
        };
        if end < start {
            return Err(err(Some(timing_line + 1), "the cue ends before it starts"));
        }
        // WebVTT cues come in the order of their start times; a turn's times are those
        // of its first and last cue.
        if let Some((prev, prev_line)) = last_start {
            if start < prev {
                return Err(err(
                    Some(timing_line + 1),
                    format!(
                        "the cue starts before the one on line {prev_line}: cues must be in time order"
                    ),
                ));
            }
        }
        last_start = Some((start, timing_line + 1));
        i = timing_line + 1;
        let mut payload = Vec::new();
        while i < lines.len() && !lines[i].trim().is_empty() {
            payload.push(lines[i]);
            i += 1;
        }
        let (mut speaker, mut body) = vtt_payload(&payload.join(" "));
        if speaker.is_none() {
            if let Some(sp) = speaker_label(&body) {
                let colon = body.find(':').unwrap_or(0);
                body = body[colon + 1..].trim().to_string();
                speaker = Some(sp.trim_start_matches("**").to_string());
            }
        }
        if !body.is_empty() {
            cues.push(Cue {
                speaker,
                text: body,
                start,
                end,
            });
        }
    }
    let mut text_out = String::new();
    let mut turns: Vec<Turn> = Vec::new();
    let mut pos = 0usize;
    let mut idx = 0;
    while idx < cues.len() {
        let sp = cues[idx].speaker.clone();
        let mut j = idx;
        let mut body = String::new();
        while j < cues.len() && cues[j].speaker == sp {
            if !body.is_empty() {
                body.push(' ');
            }
            body.push_str(&cues[j].text);
            j += 1;
        }
        let chunk = match &sp {
            Some(s) => format!("{s}: {body}\n\n"),
            None => format!("{body}\n\n"),
        };
        let n = chunk.chars().count();
        turns.push(Turn {
            speaker: sp,
            start: pos,
            end: pos + n,
            start_ms: Some(cues[idx].start),
            end_ms: Some(
                cues[idx..j]
                    .iter()
                    .map(|c| c.end)
                    .max()
                    .unwrap_or(cues[idx].end),
            ),
        });
        text_out.push_str(&chunk);
        pos += n;
        idx = j;
    }
    Ok(Parsed {
        text: text_out,
        turns,
        encoding: "utf-8".into(),
        format: "vtt".into(),
        warnings: Vec::new(),
    })
}

/// Parse a Word document: paragraphs of `word/document.xml`, then speaker segmentation.
pub fn parse_docx(bytes: &[u8]) -> Result<Parsed, ParseError> {
    use super::archive::{looks_like_zip, Archive};
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

fn docx_paragraphs(xml: &str) -> Result<Vec<String>, ParseError> {
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

/// Words in a text (whitespace-separated runs containing a letter or digit).
pub fn word_count(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(p: &Parsed) -> Vec<String> {
        p.turns
            .iter()
            .map(|t| p.text.chars().skip(t.start).take(t.end - t.start).collect())
            .collect()
    }

    #[test]
    fn turns_partition_the_text() {
        let t = "Title line\n\nInterviewer: Hello.\nMore of it.\n\nParticipant 3: Hi.\n";
        let p = segment(t);
        assert_eq!(texts(&p).concat(), t);
        let speakers: Vec<_> = p.turns.iter().map(|t| t.speaker.clone()).collect();
        assert_eq!(
            speakers,
            vec![
                None,
                Some("Interviewer".into()),
                Some("Participant 3".into())
            ]
        );
    }

    #[test]
    fn labels_are_recognised_conservatively() {
        assert_eq!(speaker_label("Interviewer: hi"), Some("Interviewer".into()));
        assert_eq!(
            speaker_label("**Dr Ada Quill:** hi"),
            Some("Dr Ada Quill".into())
        );
        assert_eq!(speaker_label("**P7QK**: hi"), Some("P7QK".into()));
        assert_eq!(speaker_label("10:30 we met"), None);
        assert_eq!(speaker_label("http://example.org"), None);
        assert_eq!(
            speaker_label("This is a long sentence that happens to have: a colon"),
            None
        );
    }

    #[test]
    fn unlabelled_text_splits_on_paragraphs() {
        let p = segment("One para.\nstill one.\n\nTwo.\n");
        assert_eq!(p.turns.len(), 2);
        assert!(p.turns.iter().all(|t| t.speaker.is_none()));
    }

    #[test]
    fn windows_1252_and_crlf_are_decoded_with_a_warning() {
        let bytes = b"Interviewer: caf\xe9 \x93quoted\x94\r\nParticipant: ok\r\n";
        let p = parse(bytes, "txt").unwrap();
        assert_eq!(p.encoding, "windows-1252");
        assert!(p.text.contains("café “quoted”"));
        assert!(!p.text.contains('\r'));
        assert!(p.warnings[0].contains("Windows-1252"), "{:?}", p.warnings);
    }

    #[test]
    fn bom_is_stripped() {
        let p = parse(b"\xEF\xBB\xBFInterviewer: hi\n", "txt").unwrap();
        assert_eq!(p.encoding, "utf-8-bom");
        assert!(p.text.starts_with("Interviewer"));
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("A: b\n".encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        let p = parse(&utf16, "txt").unwrap();
        assert_eq!(p.encoding, "utf-16le");
        assert_eq!(p.text, "A: b\n");
    }

    #[test]
    fn vtt_cues_merge_into_turns() {
        let vtt = "WEBVTT\n\nabc/1-0\n00:00:01.000 --> 00:00:03.500\n<v Ada Quill>Hello &amp; welcome.</v>\n\nabc/2-0\n00:00:03.600 --> 00:00:05.000\n<v Ada Quill>Second part.</v>\n\n00:00:05.100 --> 00:00:07.000\n<v Interviewer>Thanks.</v>\n";
        let p = parse(vtt.as_bytes(), "vtt").unwrap();
        assert_eq!(p.turns.len(), 2);
        assert_eq!(p.turns[0].speaker.as_deref(), Some("Ada Quill"));
        assert_eq!(p.turns[0].start_ms, Some(1000));
        assert_eq!(p.turns[0].end_ms, Some(5000));
        assert!(p
            .text
            .starts_with("Ada Quill: Hello & welcome. Second part.\n\n"));
        let zoom = "WEBVTT\n\n1\n00:01.000 --> 00:02.000\nJo Bloggs: hi there\n";
        let p = parse(zoom.as_bytes(), "vtt").unwrap();
        assert_eq!(p.turns[0].speaker.as_deref(), Some("Jo Bloggs"));
    }

    #[test]
    fn broken_vtt_is_located() {
        let e = parse(b"not vtt", "vtt").unwrap_err();
        assert_eq!(e.line, Some(1));
        let e = parse(b"WEBVTT\n\n00:00:xx.000 --> 00:00:02.000\nhi\n", "vtt").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("timing"));
    }

    #[test]
    fn not_a_docx() {
        let e = parse(b"plain", "docx").unwrap_err();
        assert!(e.message.contains("not a Word .docx"));
    }

    #[test]
    fn empty_blank_and_binary_files_are_refused() {
        let e = parse(b"", "txt").unwrap_err();
        assert!(e.message.contains("empty"), "{e}");
        let e = parse(b"  \n\t\r\n \n", "md").unwrap_err();
        assert!(e.message.contains("blank"), "{e}");
        let e = parse(b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n\n", "vtt").unwrap_err();
        assert!(e.message.contains("no cue holds any text"), "{e}");
        let e = parse(b"Interviewer: hi\n\0\x01\x02binary\0", "txt").unwrap_err();
        assert!(e.message.contains("binary") && e.line == Some(2), "{e}");
        let e = parse(b"%PDF-1.7\n...", "txt").unwrap_err();
        assert!(e.message.contains("PDF"), "{e}");
        let noisy: Vec<u8> = (0..400u32).map(|i| (i * 37 % 32) as u8 | 1).collect();
        let e = parse(&noisy, "txt").unwrap_err();
        assert!(e.message.contains("binary"), "{e}");
        // UTF-16 without a byte-order mark is still recognised as such.
        let u16: Vec<u8> = "Interviewer: hello there\n"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let e = parse(&u16, "txt").unwrap_err();
        assert!(e.message.contains("UTF-16"), "{e}");
        // A stray control character in real text is removed with a warning, not refused.
        let p = parse(
            b"Interviewer: hi\x07 there, a long enough line of text\n",
            "txt",
        )
        .unwrap();
        assert_eq!(p.warnings, vec!["1 control character(s) removed"]);
    }

    fn docx_with(xml: &str) -> Vec<u8> {
        use std::io::Write;
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file("word/document.xml", opts).unwrap();
        z.write_all(xml.as_bytes()).unwrap();
        z.finish().unwrap().into_inner()
    }

    #[test]
    fn docx_without_text_with_a_doctype_or_with_escapes() {
        let e = parse(
            &docx_with("<w:document><w:body><w:p/></w:body></w:document>"),
            "docx",
        )
        .unwrap_err();
        assert!(e.message.contains("holds no text"), "{e}");
        let e = parse(
            &docx_with("<?xml version=\"1.0\"?>\n<!DOCTYPE d [<!ENTITY a \"aaaa\">]>\n<w:document><w:body><w:p><w:r><w:t>&a;</w:t></w:r></w:p></w:body></w:document>"),
            "docx",
        )
        .unwrap_err();
        assert!(e.message.contains("DOCTYPE") && e.line == Some(2), "{e}");
        let p = parse(
            &docx_with("<w:document><w:body><w:p><w:r><w:t>A: &#27;[31mred&#13;</w:t></w:r></w:p></w:body></w:document>"),
            "docx",
        )
        .unwrap();
        assert_eq!(p.text, "A: [31mred\n");
    }

    #[test]
    fn a_docx_bomb_is_refused_naming_the_member() {
        // 100 MiB of one repeated paragraph compresses to about 100 KiB.
        let para = "<w:p><w:r><w:t>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</w:t></w:r></w:p>";
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        z.start_file("word/document.xml", opts).unwrap();
        use std::io::Write;
        let chunk = para.repeat(16 * 1024);
        for _ in 0..(100 << 20) / chunk.len() + 1 {
            z.write_all(chunk.as_bytes()).unwrap();
        }
        let bytes = z.finish().unwrap().into_inner();
        assert!(bytes.len() < 2 << 20, "{}", bytes.len());
        let e = parse(&bytes, "docx").unwrap_err();
        assert!(
            e.message.contains("word/document.xml")
                && e.message.contains("unpacks to more than 64 MiB"),
            "{e}"
        );
    }

    #[test]
    fn a_docx_error_inside_a_multibyte_character_is_located() {
        // Found by fuzzing: the error position fell inside the byte-order mark and the
        // line count sliced the text there (a panic).
        let e = parse(&docx_with("\u{feff}xm<?xm"), "docx").unwrap_err();
        assert!(e.message.contains("not well-formed"), "{e}");
        assert_eq!(e.line, Some(1));
    }
}
