//! WebVTT captions to speaker turns.

use super::{segment::*, types::*};

/// Strip WebVTT tags, returning (voice, text).
pub(super) fn vtt_payload(text: &str) -> (Option<String>, String) {
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
