//! Plain text to speaker turns: speaker labels and timestamps.

use super::types::*;

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

pub(super) fn parse_timestamp(s: &str) -> Option<i64> {
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
