//! The REFI-QDA codebook (`.qdc`, namespace `urn:QDA-XML:codebook:1.0`): active themes with
//! their hierarchy, descriptions and colours; each theme's id is its GUID, so the GUIDs stay
//! the same from one export to the next and an import can merge by them.
//!
//! The codebook holds no participant data, but theme names and descriptions are free text:
//! an export is refused if any of them contains a participant's name, email, phone,
//! organisation or job title.

use std::collections::HashMap;
use std::path::Path;

use super::{check_free, invalid, Staged};
use crate::domain::Theme;
use crate::service::{Fieldwork, Result, ServiceError};

pub const CODEBOOK_NS: &str = "urn:QDA-XML:codebook:1.0";

/// Is `s` a GUID as the REFI-QDA schema accepts it (8-4-4-4-12 hex, optionally in braces)?
pub fn is_guid(s: &str) -> bool {
    let s = s
        .strip_prefix('{')
        .and_then(|x| x.strip_suffix('}'))
        .unwrap_or(s);
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Characters XML 1.0 cannot carry at all are dropped.
fn xml_chars(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().filter(|c| {
        matches!(*c, '\t' | '\n' | '\r') || (*c >= '\u{20}' && *c != '\u{FFFE}' && *c != '\u{FFFF}')
    })
}

/// Escape for an attribute value in double quotes (line breaks and tabs kept as
/// character references so that they survive attribute normalisation).
pub fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in xml_chars(s) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

/// Escape for element text.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in xml_chars(s) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// Refuse when a theme's name or description contains a participant's identifier.
/// Suspects nobody reviewed in the active themes' names and descriptions and the
/// frameworks' names and descriptions, grouped like `redact suspects`.
pub fn theme_suspects(fw: &Fieldwork) -> Result<Vec<crate::service::redaction::SuspectGroup>> {
    let redactor = fw.redactor()?;
    let mut found = Vec::new();
    for t in fw.themes(false)? {
        for (field, text) in [
            ("name", Some(&t.name)),
            ("description", t.description.as_ref()),
        ] {
            let Some(text) = text else { continue };
            let suspects = redactor.suspects(text);
            if !suspects.is_empty() {
                found.push((
                    format!("theme {field} {}", &t.id[..8.min(t.id.len())]),
                    text.clone(),
                    suspects,
                ));
            }
        }
    }
    // A framework's name leaves too (the codebook's sets, the themes' paths), like its
    // description: the same places `redact suspects` reviews.
    for f in fw.frameworks()? {
        for (field, text) in [
            ("name", Some(&f.name)),
            ("description", f.description.as_ref()),
        ] {
            let Some(text) = text else { continue };
            let suspects = redactor.suspects(text);
            if !suspects.is_empty() {
                found.push((
                    format!("framework {field} {}", &f.id[..8.min(f.id.len())]),
                    text.clone(),
                    suspects,
                ));
            }
        }
    }
    Ok(crate::service::redaction::group_free_suspects(&found))
}

fn check_free_text(themes: &[Theme], register: &super::Register) -> Result<()> {
    let mut problems = Vec::new();
    for t in themes {
        for (field, text) in [
            ("name", Some(&t.name)),
            ("description", t.description.as_ref()),
        ] {
            let Some(text) = text else { continue };
            if let Some(kind) = super::find_identifier(text, register) {
                problems.push(format!(
                    "theme {} ({}): its {field} contains a participant's {kind}",
                    t.path,
                    &t.id[..8.min(t.id.len())]
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(ServiceError::Refused(format!(
            "the codebook would disclose participants; edit these themes first:\n{}",
            problems.join("\n")
        )));
    }
    Ok(())
}

/// The codebook as REFI-QDA XML. `framework`: one framework by name, or all of them (then
/// each framework is also written as a `Set` of its themes).
pub fn codebook_xml(fw: &Fieldwork, framework: Option<&str>) -> Result<String> {
    let frameworks = fw.frameworks()?;
    let chosen: Vec<_> = match framework {
        Some(name) => {
            let f = frameworks
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(name.trim()))
                .ok_or_else(|| {
                    invalid(
                        "framework",
                        format!(
                            "no framework named `{name}` (valid: {})",
                            frameworks
                                .iter()
                                .map(|f| f.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                })?;
            vec![f.clone()]
        }
        None => frameworks.clone(),
    };
    let names: Vec<&str> = chosen.iter().map(|f| f.name.as_str()).collect();
    let themes: Vec<Theme> = fw
        .themes(false)?
        .into_iter()
        .filter(|t| names.contains(&t.framework.as_str()))
        .collect();
    if themes.is_empty() {
        return Err(ServiceError::Refused(
            "there are no active themes to export (a REFI-QDA codebook needs at least one code)"
                .into(),
        ));
    }
    if let Some(t) = themes.iter().find(|t| !is_guid(&t.id)) {
        return Err(invalid(
            "theme",
            format!("{} has the id `{}`, which is not a GUID", t.path, t.id),
        ));
    }
    check_free_text(&themes, &super::identifier_register(fw)?)?;
    let mut children: HashMap<Option<&str>, Vec<&Theme>> = HashMap::new();
    for t in &themes {
        children.entry(t.parent_id.as_deref()).or_default().push(t);
    }
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    s.push_str(&format!(
        "<CodeBook xmlns=\"{CODEBOOK_NS}\" origin=\"{}\">\n  <Codes>\n",
        escape_attr(super::TOOL)
    ));
    fn write(
        s: &mut String,
        t: &Theme,
        children: &HashMap<Option<&str>, Vec<&Theme>>,
        depth: usize,
    ) {
        let pad = "  ".repeat(depth + 2);
        s.push_str(&format!(
            "{pad}<Code guid=\"{}\" name=\"{}\" isCodable=\"true\"",
            escape_attr(&t.id),
            escape_attr(&t.name)
        ));
        if let Some(c) = t
            .colour
            .as_deref()
            .filter(|c| crate::config::valid_colour(c))
        {
            s.push_str(&format!(" color=\"{}\"", c.to_ascii_uppercase()));
        }
        let kids = children.get(&Some(t.id.as_str()));
        let desc = t.description.as_deref().filter(|d| !d.trim().is_empty());
        if kids.is_none() && desc.is_none() {
            s.push_str("/>\n");
            return;
        }
        s.push_str(">\n");
        if let Some(d) = desc {
            s.push_str(&format!(
                "{pad}  <Description>{}</Description>\n",
                escape_text(d)
            ));
        }
        for k in kids.into_iter().flatten() {
            write(s, k, children, depth + 1);
        }
        s.push_str(&format!("{pad}</Code>\n"));
    }
    // Top-level themes of each framework, in framework order.
    for t in children.get(&None).into_iter().flatten() {
        write(&mut s, t, &children, 0);
    }
    s.push_str("  </Codes>\n");
    if framework.is_none() && chosen.len() > 1 {
        s.push_str("  <Sets>\n");
        for f in &chosen {
            s.push_str(&format!(
                "    <Set guid=\"{}\" name=\"{}\">\n",
                escape_attr(&f.id),
                escape_attr(&f.name)
            ));
            if let Some(d) = f.description.as_deref().filter(|d| !d.trim().is_empty()) {
                s.push_str(&format!(
                    "      <Description>{}</Description>\n",
                    escape_text(d)
                ));
            }
            for t in themes.iter().filter(|t| t.framework == f.name) {
                s.push_str(&format!(
                    "      <MemberCode guid=\"{}\"/>\n",
                    escape_attr(&t.id)
                ));
            }
            s.push_str("    </Set>\n");
        }
        s.push_str("  </Sets>\n");
    }
    s.push_str("</CodeBook>\n");
    Ok(s)
}

/// What `export codebook` wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CodebookReport {
    pub file: std::path::PathBuf,
    pub codes: usize,
}

pub fn export(
    fw: &Fieldwork,
    out: &Path,
    framework: Option<&str>,
    allow_unreviewed: bool,
    force: bool,
) -> Result<CodebookReport> {
    check_free(&[out], force)?;
    let xml = codebook_xml(fw, framework)?;
    // Theme names and descriptions are free text: suspects nobody reviewed refuse the
    // export with the same rule and message as transcripts (`redact suspects` lists them).
    let open = theme_suspects(fw)?;
    if !open.is_empty() && !allow_unreviewed {
        return Err(crate::service::redaction::unreviewed_refusal(&open));
    }
    let codes = xml.matches("<Code ").count();
    super::identifier_register(fw)?.check_file(
        "codebook",
        &super::file_name(out),
        xml.as_bytes(),
    )?;
    Staged::write(
        out,
        xml.as_bytes(),
        super::files::Modes::anonymised(&fw.export),
    )?
    .commit()?;
    Ok(CodebookReport {
        file: out.to_path_buf(),
        codes,
    })
}

// The registry's entry (`export codebook`, the Export pane).

use super::kinds::{common, preview_rows, Export, Kind, Outcome, PaneUse, Param, Params, Preview};

pub const ENTRY: Export = Export {
    name: "codebook",
    title: "Codebook (REFI-QDA .qdc)",
    about: "The codebook as REFI-QDA XML (.qdc), with the theme ids as stable GUIDs.",
    formats: &["qdc"],
    params: &[
        common::format(
            Kind::OneOf(&["qdc"]),
            Some("qdc"),
            false,
            "qdc (the only format).",
        ),
        common::out("FILE", "Output file."),
        Param {
            name: "framework",
            kind: Kind::Text,
            default: None,
            required: false,
            value_name: "FRAMEWORK",
            help: "Only this framework (default: all, each also written as a code set).",
            pane: PaneUse::Hidden,
        },
        common::force("Replace an existing file."),
        common::allow_unreviewed(
            "Export although theme names or descriptions hold suspects nobody reviewed.",
        ),
    ],
    redacts: true,
    preview: preview_entry,
    write: write_entry,
};

fn preview_entry(fw: &Fieldwork, p: &Params) -> Result<Preview> {
    let mut v = Preview::default();
    let xml = codebook_xml(fw, p.get("framework"))?;
    let themes = fw.themes(false)?;
    v.summary.push(format!(
        "{} code(s), every framework also written as a code set; no manifest (the codebook holds no participant data)",
        xml.matches("<Code ").count()
    ));
    v.header = vec!["code".into()];
    v.rows = preview_rows(themes.into_iter().map(|t| vec![t.path]));
    Ok(v)
}

fn write_entry(fw: &mut Fieldwork, p: &Params) -> Result<Outcome> {
    let r = export(
        fw,
        &p.out()?,
        p.get("framework"),
        p.flag(common::ALLOW_UNREVIEWED),
        p.flag("force"),
    )?;
    Ok(Outcome {
        files: vec![r.file.clone()],
        printed: vec![r.file],
        warnings: Vec::new(),
        notes: vec![format!("exported {} code(s)", r.codes)],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_with_and_without_braces() {
        assert!(is_guid("0b5f1f0e-8a3c-4c1e-9d2a-1234567890ab"));
        assert!(is_guid("{0B5F1F0E-8A3C-4C1E-9D2A-1234567890AB}"));
        assert!(!is_guid("0b5f1f0e8a3c4c1e9d2a1234567890ab"));
        assert!(!is_guid("{0b5f1f0e-8a3c-4c1e-9d2a-1234567890ab"));
        assert!(!is_guid("zb5f1f0e-8a3c-4c1e-9d2a-1234567890ab"));
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape_attr("a<b>&\"c'\n\u{1}"),
            "a&lt;b&gt;&amp;&quot;c&apos;&#10;"
        );
        assert_eq!(escape_text("x < y & z\u{0}"), "x &lt; y &amp; z");
    }
}
