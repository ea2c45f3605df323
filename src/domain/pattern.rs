//! File naming patterns (`coding.import_pattern`, `transcript copy --pattern`): `{code}`,
//! `{phase}`, `{site}`, `{date}` placeholders and `*` over a file's relative path.

/// Turn a naming pattern into a regular expression over the file's relative path.
pub fn pattern_regex(pattern: &str) -> Result<regex::Regex, String> {
    let mut re = String::from("(?i)^");
    let mut rest = pattern;
    let mut used = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('{') {
            let end = r
                .find('}')
                .ok_or_else(|| format!("unclosed `{{` in `{pattern}`"))?;
            let name = &r[..end];
            let piece = match name {
                // Export codes are upper case (Crockford base32), whatever the path's case.
                "code" => r"(?P<code>(?-i:P[0-9A-HJKMNP-TV-Z]{4}))",
                "phase" => r"(?P<phase>\d+)",
                "site" => r"(?P<site>[A-Za-z0-9_-]+?)",
                "date" => r"(?P<date>\d{4}-\d{2}-\d{2})",
                other => {
                    return Err(format!("unknown placeholder `{{{other}}}` (valid: {{code}}, {{phase}}, {{site}}, {{date}})"))
                }
            };
            if used.contains(&name) {
                return Err(format!("`{{{name}}}` appears twice"));
            }
            used.push(name);
            re.push_str(piece);
            rest = &r[end + 1..];
        } else if let Some(r) = rest.strip_prefix('*') {
            re.push_str(".*?");
            rest = r;
        } else {
            let ch = rest.chars().next().unwrap_or_default();
            re.push_str(&regex::escape(&ch.to_string()));
            rest = &rest[ch.len_utf8()..];
        }
    }
    re.push_str(r"\.[A-Za-z]+$");
    if used.is_empty() {
        return Err("the pattern needs at least one placeholder such as {code}".into());
    }
    regex::Regex::new(&re).map_err(|e| e.to_string())
}
