//! Redacted transcripts, one plain-text file per interview, named by export code and phase
//! (never by the original file name or path: file names are class D).
//!
//! Only interviews whose every participant could be in the participant table (archiving/
//! sharing consent `yes` in force, never withdrawn with a removal scope) are written. The
//! service refuses while suspects are unreviewed (unless asked to go ahead) and writes the
//! anonymisation log; a participant's direct identifier that survives redaction stops the
//! export. A manifest inside the folder gives counts and the SHA-256 of every file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::json;

use super::folder::{check_dir_free, write_dir};
use super::text::archivable_codes;
use super::{manifest_base, manifest_bytes, sha256_hex};
use crate::service::{Fieldwork, Result, ServiceError};

/// An interview with an imported transcript, as the exports name it.
#[derive(Debug, Clone)]
pub struct Interview {
    pub session_id: String,
    pub codes: Vec<String>,
    pub phase: u32,
    /// `P7QK_phase1` (group interviews: codes joined with `-`; a second interview of the
    /// same people in the same phase gets `_2`).
    pub name: String,
    /// Every participant may be in shared data.
    pub eligible: bool,
}

/// Every interview with an imported transcript, named, in name order.
pub fn interviews(fw: &Fieldwork) -> Result<Vec<Interview>> {
    let eligible = archivable_codes(fw)?;
    let mut out = Vec::new();
    let mut used: HashMap<String, usize> = HashMap::new();
    for (_, sid) in crate::store::redaction::imported_transcripts(fw.store.conn())? {
        let s = fw.session(&sid)?;
        let mut codes: Vec<String> = s.participants.iter().map(|p| p.code.clone()).collect();
        codes.sort();
        let base = format!(
            "{}_phase{}",
            if codes.is_empty() {
                "interview".to_string()
            } else {
                codes.join("-")
            },
            s.phase
        );
        let n = used.entry(base.clone()).or_insert(0);
        *n += 1;
        let name = if *n == 1 { base } else { format!("{base}_{n}") };
        out.push(Interview {
            session_id: s.id,
            eligible: !codes.is_empty() && codes.iter().all(|c| eligible.contains(c)),
            codes,
            phase: s.phase,
            name,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct TranscriptEntry {
    pub file: String,
    pub chars: usize,
    pub replacements: usize,
    pub unreviewed_suspects: usize,
}

/// What an export of redacted transcripts would hold, without writing or logging anything.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TranscriptsPreview {
    pub files: Vec<TranscriptEntry>,
    /// Interviews left out for consent (archiving/sharing, removal withdrawals).
    pub withheld_consent: usize,
    /// Unreviewed suspects in the files that would be written.
    pub unreviewed_suspects: usize,
    pub warnings: Vec<String>,
}

pub fn preview_transcripts(fw: &Fieldwork) -> Result<TranscriptsPreview> {
    let mut files = Vec::new();
    let mut withheld = 0;
    // One engine for every transcript (the register is read and compiled once), and the
    // one count of open suspects: distinct texts, as `redact suspects` lists them.
    let prepared = fw.prepare_redaction()?;
    let by_session: HashMap<&str, &crate::service::redaction::Redacted> = prepared
        .redacted
        .iter()
        .map(|r| (r.session_id.as_str(), r))
        .collect();
    for i in interviews(fw)? {
        if !i.eligible {
            withheld += 1;
            continue;
        }
        let Some(r) = by_session.get(i.session_id.as_str()) else {
            continue;
        };
        files.push(TranscriptEntry {
            file: format!("{}.txt", i.name),
            chars: r.text.chars().count(),
            replacements: r.replacements.len(),
            unreviewed_suspects: r.unreviewed,
        });
    }
    let unreviewed = prepared.open.len();
    let mut warnings = Vec::new();
    if withheld > 0 {
        warnings.push(format!(
            "{withheld} interview(s) withheld: a participant has no archiving/sharing consent, or withdrew with a removal scope"
        ));
    }
    if unreviewed > 0 {
        warnings.push(format!(
            "{unreviewed} suspect(s) not reviewed; the export refuses until they are (or --allow-unreviewed)"
        ));
    }
    Ok(TranscriptsPreview {
        files,
        withheld_consent: withheld,
        unreviewed_suspects: unreviewed,
        warnings,
    })
}

/// What `export transcripts` wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TranscriptsReport {
    pub folder: PathBuf,
    pub files: usize,
    pub replacements: usize,
    pub withheld_consent: usize,
    pub unreviewed_suspects: usize,
}

pub use super::folder::MANIFEST;

pub fn export_transcripts(
    fw: &mut Fieldwork,
    out: &Path,
    allow_unreviewed: bool,
    force: bool,
) -> Result<TranscriptsReport> {
    check_dir_free(out, force)?;
    let list = interviews(fw)?;
    // The transcripts are matched and searched for suspects once, for this check, the
    // review check and the log.
    let prepared = fw.prepare_redaction()?;
    let prepared_text: HashMap<&str, &str> = prepared
        .redacted
        .iter()
        .map(|r| (r.session_id.as_str(), r.text.as_str()))
        .collect();
    // A direct identifier left after redaction refuses the export before anything is logged.
    let register = super::identifier_register(fw)?;
    let mut problems = Vec::new();
    for i in list.iter().filter(|i| i.eligible) {
        let text = match prepared_text.get(i.session_id.as_str()) {
            Some(t) => (*t).to_string(),
            None => fw.redacted(&i.session_id)?.text,
        };
        if let Some(kind) = super::find_identifier(&text, &register) {
            problems.push(format!(
                "{}.txt: a participant's {kind} is still there after redaction; add it to the register (`redact add`/`redact accept`)",
                i.name
            ));
        }
    }
    if !problems.is_empty() {
        return Err(ServiceError::Refused(format!(
            "the transcripts would disclose participants; nothing was written:\n{}",
            problems.join("\n")
        )));
    }
    drop(prepared_text);
    let open_count = prepared.open.len();
    // Refuses while suspects are unreviewed (unless allowed); logs every replacement.
    let (_run, redacted) = fw.log_redaction(prepared, allow_unreviewed)?;
    let by_session: HashMap<&str, &crate::service::redaction::Redacted> = redacted
        .iter()
        .map(|r| (r.session_id.as_str(), r))
        .collect();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut entries = Vec::new();
    let mut withheld = 0;
    for i in &list {
        if !i.eligible {
            withheld += 1;
            continue;
        }
        let Some(r) = by_session.get(i.session_id.as_str()) else {
            continue;
        };
        let name = format!("{}.txt", i.name);
        if let Some(kind) = super::find_identifier(&r.text, &register) {
            problems.push(format!(
                "{name}: a participant's {kind} is still there after redaction; add it to the register (`redact add`/`redact accept`)"
            ));
            continue;
        }
        let bytes = r.text.clone().into_bytes();
        entries.push(json!({
            "file": name,
            "bytes": bytes.len(),
            "sha256": sha256_hex(&bytes),
            "replacements": r.replacements.len(),
            "unreviewed_suspects": r.unreviewed,
        }));
        files.push((name, bytes));
    }
    if !problems.is_empty() {
        return Err(ServiceError::Refused(format!(
            "the transcripts would disclose participants; nothing was written:\n{}",
            problems.join("\n")
        )));
    }
    let replacements: usize = list
        .iter()
        .filter(|i| i.eligible)
        .filter_map(|i| by_session.get(i.session_id.as_str()))
        .map(|r| r.replacements.len())
        .sum();
    // The one count: distinct suspect texts still open, as `redact suspects` lists them.
    let unreviewed = open_count;
    let mut m = manifest_base("transcripts");
    m["parameters"] = json!({
        "redacted": true,
        "allow_unreviewed": allow_unreviewed,
        "rule": "interviews whose every participant has archiving/sharing consent `yes` in force on the export date and no withdrawal with a removal scope; files named by export code and phase",
    });
    m["counts"] = json!({
        "files": files.len(),
        "withheld_consent": withheld,
        "replacements": replacements,
        "unreviewed_suspects": unreviewed,
    });
    m["output"] = json!({"folder": super::file_name(out), "files": entries});
    super::guard("transcripts manifest", &m.to_string(), &register)?;
    let mbytes = manifest_bytes(&m)?;
    let folder = super::file_name(out);
    for (n, b) in files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .chain(std::iter::once((MANIFEST, mbytes.as_slice())))
    {
        register.check_file("transcripts export", &format!("{folder}/{n}"), b)?;
    }
    let mut all: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    all.push((MANIFEST, &mbytes));
    write_dir(
        out,
        &all,
        force,
        super::files::Modes::anonymised(&fw.export),
    )?;
    Ok(TranscriptsReport {
        folder: out.to_path_buf(),
        files: files.len(),
        replacements,
        withheld_consent: withheld,
        unreviewed_suspects: unreviewed,
    })
}

// The registry's entry (`export transcripts`, the Export pane).

use super::kinds::{common, preview_rows, Export, Kind, Outcome, PaneUse, Param, Params, Preview};

pub const ENTRY: Export = Export {
    name: "transcripts",
    title: "Redacted transcripts",
    about: "Redacted transcripts, one .txt per interview named by export code and phase.",
    formats: &["folder"],
    params: &[
        Param {
            name: "redacted",
            kind: Kind::Flag,
            default: None,
            required: true,
            value_name: "",
            help: "Redact with the register (required: originals are never exported this way).",
            pane: PaneUse::Hidden,
        },
        common::out(
            "DIR",
            "Output folder (a manifest.json is written inside it).",
        ),
        common::allow_unreviewed("Export although suspects are not reviewed yet."),
        common::force("Replace a non-empty folder."),
    ],
    redacts: true,
    preview: preview_entry,
    write: write_entry,
};

fn preview_entry(fw: &Fieldwork, _: &Params) -> Result<Preview> {
    let mut v = Preview::default();
    let t = preview_transcripts(fw)?;
    v.summary.push(format!(
        "{} transcript(s); {} replacement(s); {} withheld for consent",
        t.files.len(),
        t.files.iter().map(|f| f.replacements).sum::<usize>(),
        t.withheld_consent
    ));
    v.warnings = t.warnings;
    if t.unreviewed_suspects > 0 {
        v.refusal = Some(super::kinds::unreviewed(None, t.unreviewed_suspects));
    }
    v.header = vec![
        "file".into(),
        "characters".into(),
        "replacements".into(),
        "unreviewed".into(),
    ];
    v.rows = preview_rows(t.files.into_iter().map(|f| {
        vec![
            f.file,
            f.chars.to_string(),
            f.replacements.to_string(),
            f.unreviewed_suspects.to_string(),
        ]
    }));
    Ok(v)
}

fn write_entry(fw: &mut Fieldwork, p: &Params) -> Result<Outcome> {
    let r = export_transcripts(
        fw,
        &p.out()?,
        p.flag(common::ALLOW_UNREVIEWED),
        p.flag("force"),
    )?;
    let mut warnings = Vec::new();
    if r.unreviewed_suspects > 0 {
        warnings.push(format!(
            "warning: {} suspect(s) were not reviewed (--allow-unreviewed)",
            r.unreviewed_suspects
        ));
    }
    Ok(Outcome {
        files: vec![r.folder.clone(), r.folder.join(MANIFEST)],
        printed: vec![r.folder],
        warnings,
        notes: vec![format!(
            "exported {} transcript(s) ({} replacement(s) logged); {} withheld for consent",
            r.files, r.replacements, r.withheld_consent
        )],
    })
}
