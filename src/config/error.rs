//! Configuration errors and locating them in the file: line, column and dotted key of a byte
//! offset or of a value.

use std::fmt;
use std::ops::Range;

/// A configuration problem, located in its file.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub key: String,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.key.is_empty() {
            write!(f, "key `{}`: ", self.key)?;
        }
        write!(f, "{}", self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " ({h})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

pub(super) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    // Bytes, not `&str`: an offset may fall inside a character.
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let col = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map(|i| offset - i)
        .unwrap_or(offset + 1);
    (line, col)
}

/// The dotted key around a byte offset, found from the table headers above it.
pub(super) fn key_at(text: &str, offset: usize) -> String {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line_end = text[offset..]
        .find('\n')
        .map(|i| offset + i)
        .unwrap_or(text.len());
    let line = text[line_start..line_end].trim();
    let mut table = String::new();
    for l in text[..line_start].lines().rev() {
        let l = l.trim();
        if l.starts_with('[') {
            table = l.trim_matches(|c| c == '[' || c == ']').trim().to_string();
            break;
        }
    }
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().to_string())
        .unwrap_or_default();
    match (table.is_empty(), key.is_empty()) {
        (true, _) => key,
        (false, true) => table,
        (false, false) => format!("{table}.{key}"),
    }
}

pub(super) fn de_error(text: &str, file: &str, e: &toml::de::Error) -> ConfigError {
    let span = e.span().unwrap_or(0..0);
    let (line, column) = if span.start <= text.len() {
        line_col(text, span.start)
    } else {
        (0, 0)
    };
    let message = e.message().trim().to_string();
    let hint = if message.contains("missing field") {
        Some("see fieldwork.example.toml for every setting".to_string())
    } else {
        None
    };
    ConfigError {
        file: file.to_string(),
        line,
        column,
        key: if span.start <= text.len() {
            key_at(text, span.start)
        } else {
            String::new()
        },
        message,
        hint,
    }
}

pub(super) fn err_at(
    text: &str,
    file: &str,
    span: Range<usize>,
    key: impl Into<String>,
    message: impl Into<String>,
    hint: Option<String>,
) -> ConfigError {
    // Spans of the embedded study do not point into a settings-only file.
    let (line, column) = if span.end <= text.len() {
        line_col(text, span.start)
    } else {
        (0, 0)
    };
    ConfigError {
        file: file.to_string(),
        line,
        column,
        key: key.into(),
        message: message.into(),
        hint,
    }
}

/// The span of the value at a dotted path of tables (`["coding", "import_pattern"]`) in the
/// text, if the text sets it.
pub(super) fn value_span(
    doc: Option<&toml::de::DeTable<'_>>,
    path: &[&str],
) -> Option<Range<usize>> {
    let mut table = doc?;
    for (i, key) in path.iter().enumerate() {
        let (_, v) = table.iter().find(|(k, _)| k.get_ref().as_ref() == *key)?;
        if i + 1 == path.len() {
            return Some(v.span());
        }
        match v.get_ref() {
            toml::de::DeValue::Table(t) => table = t,
            _ => return None,
        }
    }
    None
}

/// The span of item `i` of the array at a dotted path, else of the array itself.
pub(super) fn item_span(
    doc: Option<&toml::de::DeTable<'_>>,
    path: &[&str],
    i: usize,
) -> Range<usize> {
    let whole = value_span(doc, path).unwrap_or(0..0);
    let mut table = match doc {
        Some(t) => t,
        None => return whole,
    };
    for (n, key) in path.iter().enumerate() {
        let Some((_, v)) = table.iter().find(|(k, _)| k.get_ref().as_ref() == *key) else {
            return whole;
        };
        match v.get_ref() {
            toml::de::DeValue::Table(t) if n + 1 < path.len() => table = t,
            toml::de::DeValue::Array(a) if n + 1 == path.len() => {
                return a.get(i).map(|v| v.span()).unwrap_or(whole)
            }
            _ => return whole,
        }
    }
    whole
}
