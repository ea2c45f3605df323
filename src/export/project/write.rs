//! The sources' texts (redacted or, with a warning, original), the `.qdpx` zip, the export
//! and its registry entry.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::build::*;
use crate::export::text::OffsetMap;
use crate::export::transcripts::interviews;
use crate::export::{check_free, invalid};
use crate::service::redaction::{PreparedRedaction, Redacted, Redactor};
use crate::service::{Fieldwork, Result, ServiceError};

pub(super) fn original_texts(fw: &Fieldwork) -> Result<HashMap<String, SourceText>> {
    let mut out = HashMap::new();
    for i in interviews(fw)?.into_iter().filter(|i| i.eligible) {
        let text = fw.transcript_view(&i.session_id)?.text();
        out.insert(i.session_id, SourceText { text, map: None });
    }
    Ok(out)
}

/// The redacted texts of the eligible interviews, taken from `prepared` when given (the
/// same engine and register, computed once) and computed otherwise.
pub(super) fn redacted_texts(
    fw: &Fieldwork,
    prepared: Option<&PreparedRedaction>,
) -> Result<HashMap<String, SourceText>> {
    let done: HashMap<&str, &Redacted> = prepared
        .map(|p| {
            p.redacted
                .iter()
                .map(|r| (r.session_id.as_str(), r))
                .collect()
        })
        .unwrap_or_default();
    // Built on the first interview not prepared, then reused.
    let mut redactor: Option<Redactor> = None;
    let mut out = HashMap::new();
    for i in interviews(fw)?.into_iter().filter(|i| i.eligible) {
        let computed;
        let r = match done.get(i.session_id.as_str()) {
            Some(r) => *r,
            None => {
                let x = match redactor.take() {
                    Some(x) => x,
                    None => fw.redactor()?,
                };
                computed = fw.redacted_by(&x, &i.session_id)?;
                redactor = Some(x);
                &computed
            }
        };
        out.insert(
            i.session_id,
            SourceText {
                map: Some(OffsetMap::new(&r.replacements)),
                text: r.text.clone(),
            },
        );
    }
    Ok(out)
}

/// The project as it would be exported (redacted texts are computed, nothing is logged).
pub fn preview_project(fw: &Fieldwork, originals: bool) -> Result<ProjectPreview> {
    let texts = if originals {
        original_texts(fw)?
    } else {
        redacted_texts(fw, None)?
    };
    Ok(build(fw, &texts, originals)?.preview)
}

/// The zip: `project.qde` first, then the sources.
pub fn qdpx_bytes(b: &Built) -> Result<Vec<u8>> {
    use zip::write::SimpleFileOptions;
    let fail = |e: zip::result::ZipError| ServiceError::Io {
        context: "building the .qdpx archive".into(),
        source: std::io::Error::other(e.to_string()),
    };
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    z.start_file("project.qde", opts).map_err(fail)?;
    z.write_all(b.qde.as_bytes())
        .map_err(|e| fail(zip::result::ZipError::Io(e)))?;
    for (name, bytes) in &b.sources {
        z.start_file(name.as_str(), opts).map_err(fail)?;
        z.write_all(bytes)
            .map_err(|e| fail(zip::result::ZipError::Io(e)))?;
    }
    Ok(z.finish().map_err(fail)?.into_inner())
}

/// What `export project` wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProjectReport {
    pub files: Vec<PathBuf>,
    pub preview: ProjectPreview,
}

pub fn export_project(
    fw: &mut Fieldwork,
    out: &Path,
    originals: bool,
    allow_unreviewed: bool,
    force: bool,
) -> Result<ProjectReport> {
    if out.as_os_str().is_empty() {
        return Err(invalid("out", "give a file name"));
    }
    check_free(&[out, &crate::export::manifest_path(out)], force)?;
    let built = if originals {
        build(fw, &original_texts(fw)?, true)?
    } else {
        // The transcripts are matched and searched for suspects once, for the build, the
        // review check and the log.
        let prepared = fw.prepare_redaction()?;
        // Every refusal of the build first, without logging anything.
        let built = build(fw, &redacted_texts(fw, Some(&prepared))?, false)?;
        if !built.unreviewed.is_empty() && !allow_unreviewed {
            return Err(crate::service::redaction::unreviewed_refusal(
                &built.unreviewed,
            ));
        }
        // Refuses while suspects are unreviewed (unless allowed); logs every replacement.
        // The log changes nothing the build read, so the project built above is the one
        // written.
        fw.log_redaction(prepared, allow_unreviewed)?;
        built
    };
    // Memos are free text like transcripts: the same rule and message.
    if !built.unreviewed.is_empty() && !allow_unreviewed {
        return Err(crate::service::redaction::unreviewed_refusal(
            &built.unreviewed,
        ));
    }
    let bytes = qdpx_bytes(&built)?;
    let pv = &built.preview;
    let mut m = crate::export::manifest_base("project");
    m["parameters"] = serde_json::json!({
        "format": "qdpx",
        "sources": if originals { "original transcripts (identifying)" } else { "redacted transcripts" },
        "allow_unreviewed": allow_unreviewed,
        "rule": "interviews whose every participant has archiving/sharing consent `yes` in force on the export date and no withdrawal with a removal scope; cases with the participant table's variables (k = 5), suppressed cells omitted",
    });
    m["counts"] = serde_json::json!({
        "codes": pv.codes,
        "sources": pv.sources,
        "codings": pv.codings,
        "notes": pv.notes,
        "cases": pv.cases,
        "withheld_sources": pv.withheld_sources,
        "withheld_codings": pv.withheld_codings,
    });
    m["parts"] = serde_json::json!(std::iter::once((
        "project.qde".to_string(),
        built.qde.as_bytes()
    ))
    .chain(built.sources.iter().map(|(n, b)| (n.clone(), b.as_slice())))
    .map(|(n, b)| serde_json::json!({"file": n, "bytes": b.len(), "sha256": crate::export::sha256_hex(b)}))
    .collect::<Vec<_>>());
    let register = crate::export::identifier_register(fw)?;
    crate::export::guard("project manifest", &m.to_string(), &register)?;
    if !originals {
        register.check_file("project", &crate::export::file_name(out), &bytes)?;
    } else {
        // The originals carry identifiers by design; the archive's name, its project
        // document and the manifest are still checked.
        register.check_text(
            "project",
            &crate::export::file_name(out),
            &crate::export::file_name(out),
        )?;
        register.check_text("project", "project.qde", &built.qde)?;
    }
    // The original transcripts identify people: owner-only whatever the setting says.
    let modes = if originals {
        crate::export::files::Modes::OWNER_ONLY
    } else {
        crate::export::files::Modes::anonymised(&fw.export)
    };
    crate::export::write_with_manifest(out, &bytes, "qdpx", m, force, modes)?;
    Ok(ProjectReport {
        files: vec![out.to_path_buf(), crate::export::manifest_path(out)],
        preview: built.preview,
    })
}

// The registry's entry (`export project`, the Export pane).

use crate::export::kinds::{common, Export, Kind, Outcome, PaneUse, Param, Params, Preview};

pub const ENTRY: Export = Export {
    name: "project",
    title: "Project (REFI-QDA .qdpx)",
    about: "A REFI-QDA project (.qdpx): codebook, redacted transcripts, codings, memos, cases.",
    formats: &["qdpx"],
    params: &[
        common::format(
            Kind::OneOf(&["qdpx"]),
            Some("qdpx"),
            false,
            "qdpx (the only format).",
        ),
        common::out("FILE", "Output file (a manifest is written beside it)."),
        Param {
            name: "originals",
            kind: Kind::Flag,
            default: None,
            required: false,
            value_name: "",
            help: "Write the original, identifying transcripts instead of the redacted ones.",
            pane: PaneUse::Hidden,
        },
        common::allow_unreviewed(
            "Export although suspects are not reviewed yet (redacted sources only).",
        ),
        common::force("Replace existing files."),
    ],
    redacts: true,
    preview: preview_entry,
    write: write_entry,
};

pub(super) fn preview_entry(fw: &Fieldwork, p: &Params) -> Result<Preview> {
    let mut v = Preview::default();
    let originals = p.flag("originals");
    let x = preview_project(fw, originals)?;
    v.summary.push(format!(
        "{} source(s) ({}), {} coding(s), {} note(s), {} case(s), {} code(s)",
        x.sources,
        if originals { "ORIGINALS" } else { "redacted" },
        x.codings,
        x.notes,
        x.cases,
        x.codes
    ));
    v.summary.push(format!(
        "withheld: {} source(s) for consent, {} coding(s) lost or on retired themes",
        x.withheld_sources, x.withheld_codings
    ));
    v.warnings = x.warnings;
    let open = fw.suspects(None)?;
    if !open.is_empty() && !originals {
        let places = open.iter().map(|g| g.occurrences.len()).sum();
        v.refusal = Some(crate::export::kinds::unreviewed(Some(open.len()), places));
    }
    Ok(v)
}

pub(super) fn write_entry(fw: &mut Fieldwork, p: &Params) -> Result<Outcome> {
    let originals = p.flag("originals");
    let r = export_project(
        fw,
        &p.out()?,
        originals,
        p.flag(common::ALLOW_UNREVIEWED),
        p.flag("force"),
    )?;
    let mut warnings = Vec::new();
    if originals {
        warnings.push(ORIGINALS_WARNING.to_string());
    }
    warnings.extend(
        r.preview
            .warnings
            .iter()
            .filter(|w| w.as_str() != ORIGINALS_WARNING)
            .cloned(),
    );
    let x = &r.preview;
    let notes = vec![format!(
        "exported {} source(s), {} coding(s), {} note(s), {} case(s), {} code(s)",
        x.sources, x.codings, x.notes, x.cases, x.codes
    )];
    Ok(Outcome {
        printed: r.files.clone(),
        files: r.files,
        warnings,
        notes,
    })
}
