//! Reading a REFI-QDA project's codings back as passage tags, with their coder
//! (`fieldwork import codings FILE.qdpx`).
//!
//! A source is matched to an interview by its GUID (fieldwork derives a source's GUID from
//! the interview's id) and its text must be the interview's transcript as imported here —
//! an export with `--originals`; a redacted export's positions are in the redacted text and
//! its codings are skipped with a warning. A code is matched by GUID (a theme's id is its
//! GUID). Each coding's coder is the name of its `creatingUser` (the coding's, else its
//! selection's) in `<Users>`; without one, the coder of this run. A coding already present
//! (same theme, span and coder) is skipped. Every check runs first; then everything is
//! written in one transaction.

use std::collections::HashMap;
use std::path::Path;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::archive::{looks_like_zip, Archive};
use super::refi::{self, line_col};
use crate::export::text::derived_guid;
use crate::service::agreement::CodedPassage;
use crate::service::{Fieldwork, Result, ServiceError};

/// What `import codings` did (or would do).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CodingsImportReport {
    pub file: String,
    pub dry_run: bool,
    /// Sources matched to an interview with identical text.
    pub sources: usize,
    pub imported: usize,
    /// Codings already present (same theme, span and coder).
    pub skipped: usize,
    /// Coders of the codings read, with how many each.
    pub coders: Vec<(String, usize)>,
    pub warnings: Vec<String>,
}

/// One coding as read from `project.qde`.
#[derive(Debug, Clone)]
struct RawCoding {
    source: String,
    start: usize,
    end: usize,
    code: String,
    user: Option<String>,
}

fn refuse(file: &str, problems: Vec<String>) -> ServiceError {
    ServiceError::Import {
        file: file.to_string(),
        problems,
    }
}

fn attr(e: &quick_xml::events::BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.trim().to_string())
        })
}

fn guid(s: &str) -> String {
    refi::normalise_guid(s)
}

/// Users (GUID → name), sources (GUID → internal path) and codings of a project.
#[allow(clippy::type_complexity)]
fn parse(
    text: &str,
    file: &str,
) -> Result<(
    HashMap<String, String>,
    HashMap<String, String>,
    Vec<RawCoding>,
)> {
    let mut reader = Reader::from_str(text);
    let mut users = HashMap::new();
    let mut sources = HashMap::new();
    let mut codings = Vec::new();
    let mut problems = Vec::new();
    let mut source: Option<String> = None;
    // The open selection: (start, end, its creatingUser).
    let mut selection: Option<(usize, usize, Option<String>)> = None;
    let mut coding_user: Option<Option<String>> = None;
    loop {
        let pos = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                let (l, c) = line_col(text, reader.error_position() as usize);
                return Err(refuse(
                    file,
                    vec![format!("{file}:{l}:{c}: broken XML: {e}")],
                ));
            }
        };
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let (l, c) = line_col(text, pos);
                match e.local_name().as_ref() {
                    b"User" => {
                        if let (Some(g), Some(n)) = (attr(e, b"guid"), attr(e, b"name")) {
                            users.insert(guid(&g), n);
                        }
                    }
                    b"TextSource" => {
                        let g = attr(e, b"guid").map(|g| guid(&g));
                        if let Some(g) = &g {
                            if let Some(p) = attr(e, b"plainTextPath") {
                                sources.insert(g.clone(), p);
                            }
                        }
                        source = if empty { None } else { g };
                    }
                    b"PlainTextSelection" if !empty => {
                        let s = attr(e, b"startPosition").and_then(|v| v.parse().ok());
                        let t = attr(e, b"endPosition").and_then(|v| v.parse().ok());
                        match (s, t) {
                            (Some(s), Some(t)) if s < t => {
                                selection = Some((s, t, attr(e, b"creatingUser").map(|g| guid(&g))))
                            }
                            _ => problems.push(format!(
                                "{file}:{l}:{c}: a PlainTextSelection needs startPosition < endPosition (whole numbers)"
                            )),
                        }
                    }
                    b"Coding" => {
                        coding_user = Some(attr(e, b"creatingUser").map(|g| guid(&g)));
                    }
                    b"CodeRef" => {
                        if let (Some(src), Some((s, t, sel_user)), Some(code)) =
                            (&source, &selection, attr(e, b"targetGUID"))
                        {
                            let user = coding_user.clone().flatten().or(sel_user.clone());
                            codings.push(RawCoding {
                                source: src.clone(),
                                start: *s,
                                end: *t,
                                code: guid(&code),
                                user,
                            });
                        }
                    }
                    _ => {}
                }
            }
            Event::End(ref e) => match e.local_name().as_ref() {
                b"TextSource" => source = None,
                b"PlainTextSelection" => selection = None,
                b"Coding" => coding_user = None,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    if !problems.is_empty() {
        return Err(refuse(file, problems));
    }
    Ok((users, sources, codings))
}

/// Import the codings of a `.qdpx` project as passage tags (see the module's notes).
pub fn import_codings(
    fw: &mut Fieldwork,
    path: &Path,
    dry_run: bool,
) -> Result<CodingsImportReport> {
    let file = path.display().to_string();
    let bytes = super::read_file(path, &file)?;
    if !looks_like_zip(&bytes) {
        return Err(refuse(
            &file,
            vec![format!(
                "{file}: not a REFI-QDA project (.qdpx, a ZIP archive)"
            )],
        ));
    }
    let text = refi::codebook_text(&bytes, &file)?;
    let within = format!("{file}:{}", refi::PROJECT_MEMBER);
    let (users, sources, codings) = parse(&text, &within)?;
    let mut zip = Archive::open(&bytes, &file).map_err(|e| refuse(&file, vec![e.to_string()]))?;

    // Interviews by their source GUID, with their transcript text.
    let mut by_guid: HashMap<String, String> = HashMap::new();
    for r in fw.transcript_rows(0, usize::MAX >> 1)? {
        if r.transcript.is_some() {
            by_guid.insert(derived_guid("source", &r.session_id), r.session_id);
        }
    }
    let themes: HashMap<String, String> = fw
        .themes(true)?
        .into_iter()
        .map(|t| (t.id.to_ascii_lowercase(), t.id))
        .collect();
    let me = fw.coder();
    let mut report = CodingsImportReport {
        file: file.clone(),
        dry_run,
        ..Default::default()
    };
    // Sources whose text is the interview's transcript here: GUID → session.
    let mut usable: HashMap<String, String> = HashMap::new();
    for (g, p) in &sources {
        let Some(session) = by_guid.get(g) else {
            report.warnings.push(format!(
                "source {g}: no interview of this study has it (not exported from this database); its codings were skipped"
            ));
            continue;
        };
        let member = p
            .strip_prefix("internal://")
            .map(|m| format!("sources/{m}"));
        let text = match member.as_deref().map(|m| zip.read(m)) {
            Some(Ok(Some(b))) => String::from_utf8(b).ok(),
            Some(Err(e)) => return Err(refuse(&file, vec![e.to_string()])),
            _ => None,
        };
        let here = fw.transcript_view_all(session).map(|v| v.text()).ok();
        if text.is_none() || text != here {
            report.warnings.push(format!(
                "source {g}: its text is not this interview's transcript as imported here (a redacted export, or the text changed); its codings were skipped"
            ));
            continue;
        }
        usable.insert(g.clone(), session.clone());
    }
    report.sources = usable.len();
    let mut list = Vec::new();
    let mut per_coder: HashMap<String, usize> = HashMap::new();
    let mut unknown_codes = 0;
    for c in &codings {
        let Some(session) = usable.get(&c.source) else {
            continue;
        };
        let Some(theme) = themes.get(&c.code) else {
            unknown_codes += 1;
            continue;
        };
        let coder = c
            .user
            .as_ref()
            .and_then(|u| users.get(u))
            .cloned()
            .unwrap_or_else(|| me.clone());
        let coder = crate::config::valid_coder(&coder)
            .map_err(|e| refuse(&file, vec![format!("{within}: a user's name: {e}")]))?;
        *per_coder.entry(coder.clone()).or_default() += 1;
        list.push(CodedPassage {
            session_id: session.clone(),
            theme_id: theme.clone(),
            start: c.start,
            end: c.end,
            coder,
        });
    }
    if unknown_codes > 0 {
        report.warnings.push(format!(
            "{unknown_codes} coding(s) refer to codes not in this codebook (import the codebook first: `import codebook`); skipped"
        ));
    }
    let mut coders: Vec<(String, usize)> = per_coder.into_iter().collect();
    coders.sort();
    report.coders = coders;
    let (imported, skipped) = fw.add_coded_passages(&list, dry_run)?;
    report.imported = imported;
    report.skipped = skipped;
    Ok(report)
}
