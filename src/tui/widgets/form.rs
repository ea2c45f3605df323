//! Forms: text, date, choice, number and path fields, with validation messages beside
//! each field. Choices come from the study's reference data, never free text.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use time::Date;

use super::popup;
use super::text::{esc, fit, tail, width, wrap, MASK};
use crate::domain::{format_date, parse_date};
use crate::tui::theme::Theme;

#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    Text,
    /// ISO date, typed or moved a day at a time with ←/→.
    Date,
    /// Integer.
    Number,
    /// One of (value, label).
    Choice(Vec<(String, String)>),
    /// A path under the transcripts root, completed with →.
    Path,
}

#[derive(Debug, Clone)]
pub struct Field {
    /// The name the service uses in its errors (`name`, `date`, `site`, …).
    pub key: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub value: String,
    pub choice: usize,
    pub required: bool,
    pub error: Option<String>,
    /// A direct identifier: masked in privacy mode.
    pub pii: bool,
    /// A picker's filter, typed while it is focused: ←/→ move among the options that
    /// match it.
    pub filter: String,
}

impl Field {
    pub fn text(key: &'static str, label: &'static str) -> Field {
        Field {
            key,
            label,
            kind: FieldKind::Text,
            value: String::new(),
            choice: 0,
            required: false,
            error: None,
            pii: false,
            filter: String::new(),
        }
    }
    pub fn date(key: &'static str, label: &'static str, d: Option<Date>) -> Field {
        Field {
            kind: FieldKind::Date,
            value: d.map(format_date).unwrap_or_default(),
            ..Field::text(key, label)
        }
    }
    pub fn number(key: &'static str, label: &'static str) -> Field {
        Field {
            kind: FieldKind::Number,
            ..Field::text(key, label)
        }
    }
    pub fn path(key: &'static str, label: &'static str) -> Field {
        Field {
            kind: FieldKind::Path,
            pii: true,
            ..Field::text(key, label)
        }
    }
    pub fn choice(key: &'static str, label: &'static str, options: Vec<(String, String)>) -> Field {
        Field {
            kind: FieldKind::Choice(options),
            ..Field::text(key, label)
        }
    }
    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }
    pub fn pii(mut self) -> Field {
        self.pii = true;
        self
    }
    pub fn with(mut self, v: impl Into<String>) -> Field {
        let v = v.into();
        if let FieldKind::Choice(opts) = &self.kind {
            if let Some(i) = opts.iter().position(|(val, _)| *val == v) {
                self.choice = i;
            }
        } else {
            self.value = v;
        }
        self
    }

    /// The value as the service wants it (a choice's value, or the trimmed text).
    pub fn get(&self) -> String {
        match &self.kind {
            FieldKind::Choice(opts) => opts
                .get(self.choice)
                .map(|o| o.0.clone())
                .unwrap_or_default(),
            _ => self.value.trim().to_string(),
        }
    }

    /// What the field shows.
    pub fn shown(&self, privacy: bool) -> String {
        match &self.kind {
            FieldKind::Choice(opts) => opts
                .get(self.choice)
                .map(|o| format!("‹ {} ›", o.1))
                .unwrap_or_default(),
            _ if privacy && self.pii && !self.value.is_empty() => MASK.to_string(),
            _ => esc(&self.value),
        }
    }

    /// The options of a picker that match its filter (all of them when none is typed):
    /// case-insensitive, anywhere in the label or the value.
    pub fn matching(&self) -> Vec<usize> {
        let FieldKind::Choice(opts) = &self.kind else {
            return Vec::new();
        };
        let q = self.filter.to_lowercase();
        opts.iter()
            .enumerate()
            .filter(|(_, (v, l))| {
                q.is_empty() || l.to_lowercase().contains(&q) || v.to_lowercase().contains(&q)
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// A typed character: text for a text field; a picker's filter (the first option that
    /// matches is chosen).
    pub fn type_char(&mut self, c: char) {
        if let FieldKind::Choice(_) = self.kind {
            self.filter.push(c);
            let m = self.matching();
            if !m.contains(&self.choice) {
                if let Some(i) = m.first() {
                    self.choice = *i;
                }
            }
            self.error = if m.is_empty() {
                Some(format!("no option matches “{}”", self.filter))
            } else {
                None
            };
        } else {
            self.value.push(c);
            self.error = None;
        }
    }

    /// Backspace: the last character of the text, or of a picker's filter.
    pub fn backspace(&mut self) {
        if let FieldKind::Choice(_) = self.kind {
            self.filter.pop();
        } else {
            self.value.pop();
        }
        self.error = None;
    }

    /// Ctrl-u: the text, or a picker's filter.
    pub fn clear(&mut self) {
        if let FieldKind::Choice(_) = self.kind {
            self.filter.clear();
        } else {
            self.value.clear();
        }
        self.error = None;
    }

    /// ←/→: cycle a choice (among those matching the filter), move a date by a day.
    pub fn step(&mut self, delta: i64) {
        match &self.kind {
            FieldKind::Choice(opts) if !opts.is_empty() => {
                let m = self.matching();
                if m.is_empty() {
                    return;
                }
                let at = m.iter().position(|i| *i == self.choice).unwrap_or(0) as i64;
                let n = m.len() as i64;
                self.choice = m[(at + delta).rem_euclid(n) as usize];
            }
            FieldKind::Date => {
                let d = match parse_date(&self.value) {
                    Ok(d) => d.checked_add(time::Duration::days(delta)).unwrap_or(d),
                    Err(_) => crate::domain::today(),
                };
                self.value = format_date(d);
                self.error = None;
            }
            _ => {}
        }
    }

    pub fn accepts_text(&self) -> bool {
        !matches!(self.kind, FieldKind::Choice(_))
    }

    /// Local checks before the service sees the value.
    pub fn validate(&mut self) -> bool {
        let v = self.get();
        self.error = if self.required && v.is_empty() {
            Some("required".into())
        } else if v.is_empty() {
            None
        } else {
            match self.kind {
                FieldKind::Date => parse_date(&v).err().map(|e| {
                    // The right shape but no such day says so; any other text, the format.
                    match e.split_once(": ") {
                        Some((_, why)) => why.to_string(),
                        None => "use YYYY-MM-DD".to_string(),
                    }
                }),
                FieldKind::Number => v.parse::<i64>().err().map(|_| "a whole number".to_string()),
                _ => None,
            }
        };
        self.error.is_none()
    }
}

#[derive(Debug, Clone)]
pub struct Form {
    pub title: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Path completions for the focused path field.
    pub completions: Vec<String>,
    /// A message for the whole form (a refusal from the service).
    pub error: Option<String>,
    /// The version of the record the form was opened on: each field's value when it was
    /// opened, as the service names and compares them (an edit form sends it with its
    /// changes, and the service refuses if the record changed underneath).
    pub opened: Vec<(&'static str, String)>,
}

impl Form {
    pub fn new(title: impl Into<String>, fields: Vec<Field>) -> Form {
        let opened = fields.iter().map(|f| (f.key, f.get())).collect();
        Form {
            title: title.into(),
            fields,
            focus: 0,
            completions: Vec::new(),
            error: None,
            opened,
        }
    }

    /// The value a field had when the form was opened.
    pub fn opened_value(&self, key: &str) -> Option<&str> {
        self.opened
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Take `value` as the field's value when opened (after seeing that the record
    /// changed underneath): saving then overwrites exactly what the user has seen.
    pub fn rebase(&mut self, key: &str, value: &str) {
        if let Some((_, v)) = self.opened.iter_mut().find(|(k, _)| *k == key) {
            *v = value.to_string();
        }
    }

    /// Put `value` in a field (a choice's value selects that option).
    pub fn set_value(&mut self, key: &str, value: &str) {
        if let Some(f) = self.fields.iter_mut().find(|f| f.key == key) {
            *f = f.clone().with(value);
            f.error = None;
        }
    }

    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// The trimmed value of a field; empty when absent.
    pub fn get(&self, key: &str) -> String {
        self.field(key).map(Field::get).unwrap_or_default()
    }

    /// `Some(value)` when the field is not empty.
    pub fn opt(&self, key: &str) -> Option<String> {
        Some(self.get(key)).filter(|s| !s.is_empty())
    }

    pub fn date(&self, key: &str) -> Option<Date> {
        parse_date(&self.get(key)).ok()
    }

    pub fn number(&self, key: &str) -> Option<i64> {
        self.get(key).parse().ok()
    }

    pub fn focused(&mut self) -> Option<&mut Field> {
        self.fields.get_mut(self.focus)
    }

    pub fn next(&mut self) {
        if !self.fields.is_empty() {
            self.focus = (self.focus + 1) % self.fields.len();
        }
        self.completions.clear();
    }

    pub fn prev(&mut self) {
        if !self.fields.is_empty() {
            self.focus = (self.focus + self.fields.len() - 1) % self.fields.len();
        }
        self.completions.clear();
    }

    pub fn validate(&mut self) -> bool {
        let mut ok = true;
        for f in &mut self.fields {
            ok &= f.validate();
        }
        if let Some(i) = self.fields.iter().position(|f| f.error.is_some()) {
            self.focus = i;
        }
        ok
    }

    /// Put a service error beside the field it names; returns false when no field matches.
    pub fn set_error(&mut self, field: &str, message: &str) -> bool {
        let f = field.to_ascii_lowercase();
        let hit = self
            .fields
            .iter()
            .position(|x| x.key == f || x.label.to_ascii_lowercase() == f || f.starts_with(x.key));
        match hit {
            Some(i) => {
                self.fields[i].error = Some(message.to_string());
                self.focus = i;
                true
            }
            None => false,
        }
    }

    pub fn clear_errors(&mut self) {
        self.error = None;
        for f in &mut self.fields {
            f.error = None;
        }
    }

    /// Height the form needs in a popup of the usual width.
    pub fn height(&self) -> u16 {
        (self.lines(88, &Theme::new(false), false).0.len() as u16).saturating_add(2)
    }

    /// The form's lines for an inside `w` cells wide, and the lines of the focused field
    /// (first, last), so that it can be scrolled into view.
    fn lines(
        &self,
        w: usize,
        theme: &Theme,
        privacy: bool,
    ) -> (Vec<Line<'static>>, (usize, usize)) {
        let label_w = self
            .fields
            .iter()
            .map(|f| width(f.label) + 2)
            .max()
            .unwrap_or(10)
            .min(24);
        // The value's box: the rest of the line after the label.
        let value_w = w.saturating_sub(label_w + 2).max(8);
        let indent = " ".repeat(label_w + 2);
        let mut lines: Vec<Line> = Vec::new();
        let mut focus = (0, 0);
        for (i, f) in self.fields.iter().enumerate() {
            let focused = i == self.focus;
            let first = lines.len();
            let marker = if f.required { "*" } else { " " };
            let label = format!("{:>w$}{marker} ", fit(f.label, label_w), w = label_w);
            let shown = f.shown(privacy);
            let value = if focused && f.accepts_text() {
                // The end of a long value, where the cursor is, stays in the box.
                format!("{}▏", tail(&shown, value_w.saturating_sub(1)))
            } else {
                fit(&shown, value_w)
            };
            let value_style = if focused {
                theme.selected()
            } else {
                ratatui::style::Style::new()
            };
            let mut spans = vec![
                Span::styled(label, if focused { theme.key() } else { theme.dim() }),
                Span::styled(value.clone(), value_style),
            ];
            if focused && f.error.is_none() {
                let hint = match &f.kind {
                    FieldKind::Date => "  YYYY-MM-DD, ←/→ a day",
                    FieldKind::Choice(o) if o.len() > 6 => "  type to filter, ←/→",
                    FieldKind::Choice(_) => "  ←/→ to choose",
                    FieldKind::Path => "  → completes",
                    _ => "",
                };
                if width(&value) + width(hint) <= value_w {
                    spans.push(Span::styled(hint, theme.dim()));
                }
            }
            lines.push(Line::from(spans));
            // A picker being filtered (or a long one): the filter and the options that
            // match it, with their full labels.
            if focused {
                if let FieldKind::Choice(opts) = &f.kind {
                    if !f.filter.is_empty() || opts.len() > 6 {
                        let m = f.matching();
                        lines.push(Line::styled(
                            format!(
                                "{indent}filter: {}▏  {} of {} match",
                                esc(&f.filter),
                                m.len(),
                                opts.len()
                            ),
                            theme.dim(),
                        ));
                        let at = m.iter().position(|x| *x == f.choice).unwrap_or(0);
                        let top = at.saturating_sub(2).min(m.len().saturating_sub(5));
                        for j in m.iter().skip(top).take(5) {
                            let style = if *j == f.choice {
                                theme.selected()
                            } else {
                                theme.dim()
                            };
                            // The whole label, wrapped under the field.
                            for (k, l) in wrap(&esc(&opts[*j].1), value_w.saturating_sub(2))
                                .into_iter()
                                .enumerate()
                            {
                                let pad = if k == 0 { "" } else { "  " };
                                lines.push(Line::from(vec![
                                    Span::raw(format!("{indent}{pad}")),
                                    Span::styled(l, style),
                                ]));
                            }
                        }
                    }
                }
            }
            if let Some(e) = &f.error {
                for (k, l) in wrap(&esc(e), value_w.saturating_sub(2))
                    .into_iter()
                    .enumerate()
                {
                    let mark = if k == 0 { "✗ " } else { "  " };
                    lines.push(Line::styled(format!("{indent}{mark}{l}"), theme.error()));
                }
            }
            if focused && f.kind == FieldKind::Path {
                for c in self.completions.iter().take(5) {
                    let shown = if privacy { MASK.to_string() } else { esc(c) };
                    lines.push(Line::styled(
                        format!("{indent}{}", fit(&shown, value_w)),
                        theme.dim(),
                    ));
                }
            }
            if focused {
                focus = (first, lines.len() - 1);
            }
        }
        lines.push(Line::raw(""));
        if let Some(e) = &self.error {
            for l in wrap(&esc(e), w) {
                lines.push(Line::styled(l, theme.error()));
            }
        }
        for l in wrap(
            "Enter save · Esc cancel (nothing changes) · Tab/↓ next field · * required",
            w,
        ) {
            lines.push(Line::styled(l, theme.dim()));
        }
        (lines, focus)
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme, privacy: bool) {
        let w = area.width.min(90);
        let (lines, (f0, f1)) = self.lines(w.saturating_sub(2) as usize, theme, privacy);
        let r = popup::centred(area, w, (lines.len() as u16).saturating_add(2));
        let inner = popup::frame(r, buf, &self.title, theme);
        // Taller than the screen: scrolled so that the focused field is in view.
        let h = inner.height as usize;
        let top = if f1 < h { 0 } else { (f1 + 1 - h).min(f0) };
        Paragraph::new(lines)
            .scroll((top.min(u16::MAX as usize) as u16, 0))
            .render(inner, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_steps_and_validates() {
        let mut f = Field::date("date", "Date", None);
        f.step(1);
        assert_eq!(f.value, format_date(crate::domain::today()));
        f.value = "2022-01-31".into();
        f.step(1);
        assert_eq!(f.value, "2022-02-01");
        f.value = "31/01/2022".into();
        assert!(!f.validate());
        assert_eq!(f.error.as_deref(), Some("use YYYY-MM-DD"));
    }

    #[test]
    fn choices_cycle_and_errors_land_beside_fields() {
        let opts = vec![
            ("A".to_string(), "A – one".to_string()),
            ("B".into(), "B – two".into()),
        ];
        let mut form = Form::new(
            "t",
            vec![
                Field::text("name", "Name").required(),
                Field::choice("site", "Site", opts),
            ],
        );
        form.fields[1].step(-1);
        assert_eq!(form.get("site"), "B");
        assert!(!form.validate());
        assert_eq!(form.focus, 0);
        assert!(form.set_error("site", "unknown"));
        assert_eq!(form.fields[1].error.as_deref(), Some("unknown"));
    }
}
