//! Checks of every value at load: settings, sync keys, the study definition, themes.

use std::ops::Range;

use super::{error::*, schema::*};
use toml::Spanned;

/// Is a colour a `#RRGGBB` string?
pub fn valid_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}

/// Every string value (and string in an array) with a control character other than a tab
/// or a line break: such text would reach terminals and the audit log raw.
pub(super) fn control_characters(
    table: &toml::de::DeTable<'_>,
    prefix: &str,
    out: &mut Vec<(String, Range<usize>, char)>,
) {
    fn visit(
        v: &Spanned<toml::de::DeValue<'_>>,
        key: String,
        out: &mut Vec<(String, Range<usize>, char)>,
    ) {
        match v.get_ref() {
            toml::de::DeValue::String(s) => {
                if let Some(c) = s
                    .chars()
                    .find(|c| c.is_control() && !matches!(c, '\n' | '\t'))
                {
                    out.push((key, v.span(), c));
                }
            }
            toml::de::DeValue::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    visit(x, format!("{key}[{i}]"), out);
                }
            }
            toml::de::DeValue::Table(t) => control_characters(t, &key, out),
            _ => {}
        }
    }
    for (k, v) in table.iter() {
        let key = if prefix.is_empty() {
            k.get_ref().to_string()
        } else {
            format!("{prefix}.{}", k.get_ref())
        };
        visit(v, key, out);
    }
}

/// The settings outside the study definition: every value is checked here, so a bad one
/// is reported at load with its place, not met later.
pub(super) fn validate_settings(c: &Config, text: &str, file: &str) -> Result<(), ConfigError> {
    let parsed = toml::de::DeTable::parse(text).ok();
    let doc = parsed.as_ref().map(|d| d.get_ref());
    let at = |path: &[&str], message: String, hint: Option<String>| {
        let span = value_span(doc, path).unwrap_or(0..0);
        err_at(text, file, span, path.join("."), message, hint)
    };
    if let Some(d) = doc {
        let mut bad = Vec::new();
        control_characters(d, "", &mut bad);
        if let Some((key, span, ch)) = bad.into_iter().next() {
            return Err(err_at(
                text,
                file,
                span,
                key,
                format!("the text holds a control character (U+{:04X})", ch as u32),
                Some("remove it; only tabs and line breaks are allowed in text".into()),
            ));
        }
    }
    for (key, value) in [
        ("database", &c.database),
        ("transcripts_root", &c.transcripts_root),
    ] {
        if value.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
            return Err(at(
                &[key],
                "must not be empty".into(),
                Some("leave the setting out for the default".into()),
            ));
        }
    }
    let tick = c.ui.tick_ms;
    if !(TICK_MS.contains(&tick)) {
        return Err(at(
            &["ui", "tick_ms"],
            format!(
                "{tick} is out of range: the interface's idle tick must be between {} and {} milliseconds",
                TICK_MS.start(),
                TICK_MS.end()
            ),
            Some("the default is 250".into()),
        ));
    }
    if c.transcripts.extensions.is_empty() {
        return Err(at(
            &["transcripts", "extensions"],
            "must list at least one transcript format".into(),
            Some("the formats fieldwork reads: txt, md, docx, vtt".into()),
        ));
    }
    for (i, ext) in c.transcripts.extensions.iter().enumerate() {
        let e = ext.trim().trim_start_matches('.').to_ascii_lowercase();
        if !["txt", "md", "docx", "vtt"].contains(&e.as_str()) {
            let span = match doc.and_then(|d| {
                let (_, t) = d
                    .iter()
                    .find(|(k, _)| k.get_ref().as_ref() == "transcripts")?;
                let toml::de::DeValue::Table(t) = t.get_ref() else {
                    return None;
                };
                let (_, a) = t
                    .iter()
                    .find(|(k, _)| k.get_ref().as_ref() == "extensions")?;
                match a.get_ref() {
                    toml::de::DeValue::Array(a) => a.get(i).map(|v| v.span()),
                    _ => None,
                }
            }) {
                Some(sp) => sp,
                None => value_span(doc, &["transcripts", "extensions"]).unwrap_or(0..0),
            };
            return Err(err_at(
                text,
                file,
                span,
                format!("transcripts.extensions[{i}]"),
                format!("`{ext}` is not a transcript format fieldwork reads"),
                Some("valid: txt, md, docx, vtt".into()),
            ));
        }
    }
    if let Err(message) = crate::domain::pattern::pattern_regex(&c.coding.import_pattern) {
        return Err(at(
            &["coding", "import_pattern"],
            message,
            Some("placeholders: {code}, {phase}, {site}, {date}; `*` matches anything".into()),
        ));
    }
    for (key, n) in [
        ("saturation_base", c.coding.saturation_base),
        ("saturation_run", c.coding.saturation_run),
    ] {
        if !(SATURATION_COUNT.contains(&n)) {
            return Err(at(
                &["coding", key],
                format!(
                    "{n} is out of range: give a number of interviews from {} to {}",
                    SATURATION_COUNT.start(),
                    SATURATION_COUNT.end()
                ),
                None,
            ));
        }
    }
    let t = c.coding.saturation_threshold;
    if !t.is_finite() || !(0.0..=1.0).contains(&t) {
        return Err(at(
            &["coding", "saturation_threshold"],
            format!("{t} is not a fraction between 0 and 1"),
            Some("e.g. 0.05 for 5%".into()),
        ));
    }
    validate_sync(c, text, file, doc)?;
    if c.study.consent_form_version.trim().is_empty() {
        return Err(at(
            &["study", "consent_form_version"],
            "must not be empty".into(),
            None,
        ));
    }
    Ok(())
}

/// `[sync]`: every recipient an age public key, once; the identity path not empty.
pub(super) fn validate_sync(
    c: &Config,
    text: &str,
    file: &str,
    doc: Option<&toml::de::DeTable<'_>>,
) -> Result<(), ConfigError> {
    let mut seen: Vec<&str> = Vec::new();
    for (i, key) in c.sync.recipients.iter().enumerate() {
        let k = key.trim();
        let span = item_span(doc, &["sync", "recipients"], i);
        if let Err(why) = crate::sync::keys::parse_recipient(k) {
            return Err(err_at(
                text,
                file,
                span,
                format!("sync.recipients[{i}]"),
                format!("`{key}` is not an age public key: {why}"),
                Some("give each site lead's and the recovery key's `age1…` line, as `fieldwork sync keygen` prints it".into()),
            ));
        }
        if seen.contains(&k) {
            return Err(err_at(
                text,
                file,
                span,
                format!("sync.recipients[{i}]"),
                format!("`{k}` is listed twice"),
                None,
            ));
        }
        seen.push(k);
    }
    if c.sync
        .identity
        .as_ref()
        .is_some_and(|p| p.as_os_str().is_empty())
    {
        let span = value_span(doc, &["sync", "identity"]).unwrap_or(0..0);
        return Err(err_at(
            text,
            file,
            span,
            "sync.identity",
            "must not be empty",
            Some("the path of your age identity file, e.g. \"~/.config/fieldwork/identity.txt\"; leave it out to use a passphrase".into()),
        ));
    }
    Ok(())
}

/// The idle tick of the interface, in milliseconds.
pub const TICK_MS: std::ops::RangeInclusive<u64> = 10..=60_000;
/// Base size and run length of the saturation rule, in interviews.
pub const SATURATION_COUNT: std::ops::RangeInclusive<usize> = 1..=10_000;

pub(super) fn validate(c: &Config, text: &str, file: &str) -> Result<(), ConfigError> {
    validate_settings(c, text, file)?;
    let s = &c.study;
    if s.name.trim().is_empty() {
        return Err(err_at(
            text,
            file,
            0..0,
            "study.name",
            "must not be empty",
            None,
        ));
    }
    if s.sites.is_empty() {
        return Err(err_at(
            text,
            file,
            0..0,
            "study.sites",
            "a study needs at least one site",
            None,
        ));
    }
    let mut site_codes: Vec<&str> = Vec::new();
    for (i, site) in s.sites.iter().enumerate() {
        let code = site.code.get_ref().as_str();
        if !valid_code(code) {
            return Err(err_at(
                text,
                file,
                site.code.span(),
                format!("study.sites[{i}].code"),
                format!("`{code}` is not a valid code"),
                Some("use letters, digits, `-` or `_`, at most 32 characters".into()),
            ));
        }
        if site_codes.contains(&code) {
            return Err(err_at(
                text,
                file,
                site.code.span(),
                format!("study.sites[{i}].code"),
                format!("site code `{code}` is used twice"),
                None,
            ));
        }
        site_codes.push(code);
    }
    if s.phases.is_empty() {
        return Err(err_at(
            text,
            file,
            0..0,
            "study.phases",
            "a study needs at least one phase",
            None,
        ));
    }
    let mut numbers = Vec::new();
    let mut windows: Vec<(u32, time::Date, time::Date)> = Vec::new();
    for (i, p) in s.phases.iter().enumerate() {
        let n = *p.number.get_ref();
        if numbers.contains(&n) {
            return Err(err_at(
                text,
                file,
                p.number.span(),
                format!("study.phases[{i}].number"),
                format!("phase number {n} is used twice"),
                None,
            ));
        }
        numbers.push(n);
        let start = toml_date(p.start.get_ref()).ok_or_else(|| {
            err_at(
                text,
                file,
                p.start.span(),
                format!("study.phases[{i}].start"),
                format!("`{}` is not a date", p.start.get_ref()),
                Some("write a plain date such as 2021-11-01".into()),
            )
        })?;
        let end = toml_date(p.end.get_ref()).ok_or_else(|| {
            err_at(
                text,
                file,
                p.end.span(),
                format!("study.phases[{i}].end"),
                format!("`{}` is not a date", p.end.get_ref()),
                Some("write a plain date such as 2022-05-31".into()),
            )
        })?;
        if end < start {
            return Err(err_at(
                text,
                file,
                p.end.span(),
                format!("study.phases[{i}].end"),
                format!("phase {n} ends ({end}) before it starts ({start})"),
                None,
            ));
        }
        for (m, ms, me) in &windows {
            if start <= *me && *ms <= end {
                return Err(err_at(
                    text,
                    file,
                    p.start.span(),
                    format!("study.phases[{i}].start"),
                    format!("phase {n} overlaps phase {m} ({ms} to {me})"),
                    Some("phase windows must not overlap, so a date names one phase".into()),
                ));
            }
        }
        windows.push((n, start, end));
        for site in p.targets.get_ref().keys() {
            if !site_codes.contains(&site.as_str()) {
                return Err(err_at(
                    text,
                    file,
                    p.targets.span(),
                    format!("study.phases[{i}].targets.{site}"),
                    format!("unknown site code `{site}`"),
                    Some(format!("valid site codes: {}", site_codes.join(", "))),
                ));
            }
        }
    }
    if s.role_categories.is_empty() {
        return Err(err_at(
            text,
            file,
            0..0,
            "study.role_categories",
            "a study needs at least one role category",
            None,
        ));
    }
    let mut codes: Vec<&str> = Vec::new();
    let mut role_codes: Vec<&str> = Vec::new();
    for (i, cat) in s.role_categories.iter().enumerate() {
        let code = cat.code.get_ref().as_str();
        if !valid_code(code) || codes.contains(&code) {
            return Err(err_at(
                text,
                file,
                cat.code.span(),
                format!("study.role_categories[{i}].code"),
                format!("`{code}` is not a valid, unique code"),
                Some("use letters, digits, `-` or `_`, at most 32 characters".into()),
            ));
        }
        codes.push(code);
        let phase_numbers: Vec<String> = s
            .phases
            .iter()
            .map(|p| p.number.get_ref().to_string())
            .collect();
        for phase in cat.targets.get_ref().keys() {
            if !phase_numbers.contains(phase) {
                return Err(err_at(
                    text,
                    file,
                    cat.targets.span(),
                    format!("study.role_categories[{i}].targets.{phase}"),
                    format!("`{phase}` is not a phase number of the study"),
                    Some(format!(
                        "targets are keyed by phase number: {}",
                        phase_numbers.join(", ")
                    )),
                ));
            }
        }
        if cat.roles.is_empty() {
            return Err(err_at(
                text,
                file,
                cat.code.span(),
                format!("study.role_categories[{i}].roles"),
                format!("role category `{code}` has no roles"),
                None,
            ));
        }
        for (j, r) in cat.roles.iter().enumerate() {
            let rc = r.code.get_ref().as_str();
            if !valid_code(rc) || role_codes.contains(&rc) {
                return Err(err_at(
                    text,
                    file,
                    r.code.span(),
                    format!("study.role_categories[{i}].roles[{j}].code"),
                    format!("`{rc}` is not a valid, unique role code"),
                    Some("use letters, digits, `-` or `_`, at most 32 characters".into()),
                ));
            }
            role_codes.push(rc);
        }
    }
    let mut mt: Vec<&str> = Vec::new();
    for (i, m) in s.meeting_types.iter().enumerate() {
        let code = m.code.get_ref().as_str();
        if !valid_code(code) || mt.contains(&code) {
            return Err(err_at(
                text,
                file,
                m.code.span(),
                format!("study.meeting_types[{i}].code"),
                format!("`{code}` is not a valid, unique code"),
                None,
            ));
        }
        mt.push(code);
    }
    for (i, f) in s.frameworks.iter().enumerate() {
        validate_themes(&f.themes, text, file, &format!("study.frameworks[{i}]"))?;
    }
    Ok(())
}

pub(super) fn validate_themes(
    themes: &[ThemeDef],
    text: &str,
    file: &str,
    path: &str,
) -> Result<(), ConfigError> {
    let mut names: Vec<String> = Vec::new();
    for (i, t) in themes.iter().enumerate() {
        let key = format!("{path}.themes[{i}]");
        let name = t.name.get_ref().trim().to_lowercase();
        if name.is_empty() || names.contains(&name) {
            return Err(err_at(
                text,
                file,
                t.name.span(),
                format!("{key}.name"),
                format!(
                    "theme name `{}` is empty or used twice here",
                    t.name.get_ref()
                ),
                None,
            ));
        }
        names.push(name);
        if let Some(c) = &t.colour {
            if !valid_colour(c.get_ref()) {
                return Err(err_at(
                    text,
                    file,
                    c.span(),
                    format!("{key}.colour"),
                    format!("`{}` is not a colour", c.get_ref()),
                    Some("write it as #RRGGBB, e.g. #4e79a7".into()),
                ));
            }
        }
        validate_themes(&t.themes, text, file, &key)?;
    }
    Ok(())
}

/// Codes: letters, digits, `-`, `_`; 1 to 32 characters.
pub fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 32
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
