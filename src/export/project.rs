//! A REFI-QDA project (`.qdpx`): a zip holding `project.qde` (namespace
//! `urn:QDA-XML:project:1.0`) and the transcripts as plain-text sources under `sources/`,
//! each named by its GUID and referred to with the `internal://` scheme.
//!
//! What it holds: one user (a GUID and the configured user's initials, never a full name),
//! the codebook (written by the codebook writer), the transcripts of interviews whose every
//! participant may be in shared data (redacted by default; the originals only when asked),
//! every passage as a `PlainTextSelection` coded with its theme, at character positions of
//! the source written (mapped through the redactions), tag memos as notes (redacted), and
//! participants as cases with the participant table's anonymised variables. GUIDs are
//! derived from the internal ids (or are the theme ids, as in the codebook), so they are
//! stable from one export to the next; internal ids themselves are never written.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::codebook::{escape_attr, escape_text};
use super::participants::{anonymise, eligible_records, DEFAULT_K};
use super::text::{derived_guid, user_initials, OffsetMap};
use super::transcripts::interviews;
use super::{check_free, invalid};
use crate::domain::now_utc;
use crate::service::redaction::{PreparedRedaction, Redacted, Redactor};
use crate::service::{Fieldwork, Result, ServiceError};

pub const PROJECT_NS: &str = "urn:QDA-XML:project:1.0";

/// The text written for one interview, and how to map the original offsets into it.
pub struct SourceText {
    pub text: String,
    pub map: Option<OffsetMap>,
}

/// What a project export would hold, without writing anything.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ProjectPreview {
    pub originals: bool,
    pub codes: usize,
    pub sources: usize,
    pub codings: usize,
    pub notes: usize,
    pub cases: usize,
    /// Interviews left out for consent (archiving/sharing, removal withdrawals).
    pub withheld_sources: usize,
    /// Passages left out: lost after a re-import, or tagged with a retired theme.
    pub withheld_codings: usize,
    /// Distinct suspect texts nobody reviewed in the memos written as notes.
    pub memo_suspects: usize,
    pub warnings: Vec<String>,
}

/// A built project: the preview, `project.qde`, and the sources as (zip path, bytes).
pub struct Built {
    pub preview: ProjectPreview,
    /// Suspects nobody reviewed in the memos (free text), grouped like `redact suspects`.
    pub unreviewed: Vec<crate::service::redaction::SuspectGroup>,
    pub qde: String,
    pub sources: Vec<(String, Vec<u8>)>,
}

/// The `<Codes>` and `<Sets>` blocks of the codebook writer's output.
fn codebook_blocks(fw: &Fieldwork) -> Result<Option<(String, String)>> {
    if fw.themes(false)?.is_empty() {
        return Ok(None);
    }
    let xml = super::codebook::codebook_xml(fw, None)?;
    let block = |open: &str, close: &str| -> String {
        match (xml.find(open), xml.find(close)) {
            (Some(a), Some(b)) if b > a => format!("  {}\n", &xml[a..b + close.len()]),
            _ => String::new(),
        }
    };
    // The codebook schema names a set's member by `guid`, the project schema by
    // `targetGUID`.
    Ok(Some((
        block("<Codes>", "</Codes>"),
        block("<Sets>", "</Sets>").replace("<MemberCode guid=", "<MemberCode targetGUID="),
    )))
}

/// Build the project from the texts to write (by interview id).
pub fn build(
    fw: &Fieldwork,
    texts: &HashMap<String, SourceText>,
    originals: bool,
) -> Result<Built> {
    let mut pv = ProjectPreview {
        originals,
        ..Default::default()
    };
    let register = super::identifier_register(fw)?;
    let redactor = fw.redactor()?;
    let user_name = user_initials(&fw.settings.user);
    let user = derived_guid("user", &user_name);
    let now = now_utc();
    let active: HashSet<String> = fw.themes(false)?.into_iter().map(|t| t.id).collect();
    let mut problems = Vec::new();
    let mut memo_suspects = Vec::new();

    let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    x.push_str(&format!(
        "<Project xmlns=\"{PROJECT_NS}\" name=\"fieldwork project\" origin=\"{}\" creatingUserGUID=\"{user}\" creationDateTime=\"{now}\">\n",
        escape_attr(super::TOOL)
    ));
    // The users: whoever exports, then each coder of a coding written (filled in below).
    x.push_str(USERS_MARK);
    let sets = match codebook_blocks(fw)? {
        Some((codes, sets)) => {
            pv.codes = codes.matches("<Code ").count();
            x.push_str("  <CodeBook>\n");
            x.push_str(&codes);
            x.push_str("  </CodeBook>\n");
            sets
        }
        None => String::new(),
    };

    // Sources, codings and notes.
    let mut src = String::new();
    let mut notes = String::new();
    let mut sources = Vec::new();
    let mut sources_of: HashMap<String, Vec<String>> = HashMap::new();
    let mut coders = Coders::new(&user_name);
    for i in interviews(fw)? {
        if !i.eligible {
            pv.withheld_sources += 1;
            continue;
        }
        let Some(st) = texts.get(&i.session_id) else {
            continue;
        };
        let view = fw.transcript_view_all(&i.session_id)?;
        let guid = derived_guid("source", &i.session_id);
        let file = format!("{guid}.txt");
        src.push_str(&format!(
            "    <TextSource guid=\"{guid}\" name=\"{}\" plainTextPath=\"internal://{file}\" creatingUser=\"{user}\" creationDateTime=\"{now}\">\n",
            escape_attr(&i.name)
        ));
        let len = st.text.chars().count();
        for p in &view.passages {
            if p.anchor == "lost" || !active.contains(&p.theme_id) {
                pv.withheld_codings += 1;
                continue;
            }
            let (s, e) = (p.span_start.max(0) as usize, p.span_end.max(0) as usize);
            let (s, e) = match &st.map {
                Some(m) => (m.start(s), m.end(e)),
                None => (s, e),
            };
            if s >= e || e > len {
                pv.withheld_codings += 1;
                continue;
            }
            let note = p.memo.as_deref().filter(|m| !m.trim().is_empty()).map(|m| {
                let reps = redactor.matches(m);
                let suspects = redactor.suspects_beside(m, &reps);
                if !suspects.is_empty() {
                    memo_suspects.push((
                        format!("memo {}", &p.id[..8.min(p.id.len())]),
                        m.to_string(),
                        suspects,
                    ));
                }
                crate::domain::redact::apply(m, &reps)
            });
            // Each coding carries its coder (inter-coder agreement survives the trip).
            let coder = coders.guid(&p.coder);
            src.push_str(&format!(
                "      <PlainTextSelection guid=\"{}\" startPosition=\"{s}\" endPosition=\"{e}\" creatingUser=\"{coder}\">\n        <Coding guid=\"{}\" creatingUser=\"{coder}\">\n          <CodeRef targetGUID=\"{}\"/>\n        </Coding>\n",
                derived_guid("selection", &p.id),
                derived_guid("coding", &p.id),
                escape_attr(&p.theme_id)
            ));
            if let Some(n) = note {
                if let Some(kind) = super::find_identifier(&n, &register) {
                    problems.push(format!(
                        "the memo of passage {} ({}): a participant's {kind} is still there after redaction",
                        &p.id[..8.min(p.id.len())],
                        i.name
                    ));
                }
                let ng = derived_guid("note", &p.id);
                src.push_str(&format!("        <NoteRef targetGUID=\"{ng}\"/>\n"));
                notes.push_str(&format!(
                    "    <Note guid=\"{ng}\" name=\"{}\" creatingUser=\"{user}\">\n      <PlainTextContent>{}</PlainTextContent>\n    </Note>\n",
                    escape_attr(&format!("Memo: {} ({})", p.theme, i.name)),
                    escape_text(&n)
                ));
                pv.notes += 1;
            }
            src.push_str("      </PlainTextSelection>\n");
            pv.codings += 1;
        }
        src.push_str("    </TextSource>\n");
        if !originals {
            if let Some(kind) = super::find_identifier(&st.text, &register) {
                problems.push(format!(
                    "{}: a participant's {kind} is still there after redaction; add it to the register",
                    i.name
                ));
            }
        }
        sources.push((format!("sources/{file}"), st.text.clone().into_bytes()));
        for c in &i.codes {
            sources_of.entry(c.clone()).or_default().push(guid.clone());
        }
        pv.sources += 1;
    }

    // Cases with the participant table's variables.
    let records = eligible_records(fw)?;
    let table = match anonymise(&records, DEFAULT_K) {
        Ok(a) => Some(a),
        Err(_) => {
            if !records.is_empty() {
                pv.warnings.push(format!(
                    "the participant table's k-anonymity (k = {DEFAULT_K}) cannot be met: cases carry their export code only"
                ));
            }
            None
        }
    };
    let vars = ["export_code", "site", "role_category"];
    let var_guid = |v: &str| derived_guid("variable", v);
    let mut cases = String::new();
    let rows: Vec<[Option<String>; 4]> = match &table {
        Some(a) => a.rows.clone(),
        None => {
            let mut codes: Vec<&String> = records.iter().map(|r| &r.code).collect();
            codes.sort();
            codes
                .into_iter()
                .map(|c| [Some(c.clone()), None, None, None])
                .collect()
        }
    };
    for r in &rows {
        let Some(code) = &r[0] else { continue };
        cases.push_str(&format!(
            "    <Case guid=\"{}\" name=\"{}\">\n",
            derived_guid("case", code),
            escape_attr(code)
        ));
        for (v, val) in [(vars[0], &r[0]), (vars[1], &r[1]), (vars[2], &r[3])] {
            if let Some(val) = val {
                cases.push_str(&format!(
                    "      <VariableValue>\n        <VariableRef targetGUID=\"{}\"/>\n        <TextValue>{}</TextValue>\n      </VariableValue>\n",
                    var_guid(v),
                    escape_text(val)
                ));
            }
        }
        for g in sources_of.get(code).into_iter().flatten() {
            cases.push_str(&format!("      <SourceRef targetGUID=\"{g}\"/>\n"));
        }
        cases.push_str("    </Case>\n");
        pv.cases += 1;
    }
    if pv.cases > 0 {
        x.push_str("  <Variables>\n");
        for (v, d) in [
            ("export_code", "Random pseudonym, the same in every export"),
            (
                "site",
                "Site code, or Withheld (as in the participant table)",
            ),
            (
                "role_category",
                "Role category, or All roles (as in the participant table)",
            ),
        ] {
            x.push_str(&format!(
                "    <Variable guid=\"{}\" name=\"{v}\" typeOfVariable=\"Text\">\n      <Description>{d}</Description>\n    </Variable>\n",
                var_guid(v)
            ));
        }
        x.push_str("  </Variables>\n  <Cases>\n");
        x.push_str(&cases);
        x.push_str("  </Cases>\n");
    }
    if !src.is_empty() {
        x.push_str("  <Sources>\n");
        x.push_str(&src);
        x.push_str("  </Sources>\n");
    }
    if !notes.is_empty() {
        x.push_str("  <Notes>\n");
        x.push_str(&notes);
        x.push_str("  </Notes>\n");
    }
    x.push_str(&sets);
    x.push_str("</Project>\n");
    let x = x.replacen(USERS_MARK, &coders.users_xml(&user), 1);
    if let Some(kind) = super::find_identifier(&x, &register) {
        problems.push(format!(
            "project.qde: a participant's {kind} would be written (through a theme, memo or label)"
        ));
    }
    if !problems.is_empty() {
        return Err(ServiceError::Refused(format!(
            "the project would disclose participants; nothing was written:\n{}",
            problems.join("\n")
        )));
    }
    if pv.withheld_sources > 0 {
        pv.warnings.push(format!(
            "{} interview(s) withheld: a participant has no archiving/sharing consent, or withdrew with a removal scope",
            pv.withheld_sources
        ));
    }
    if pv.withheld_codings > 0 {
        pv.warnings.push(format!(
            "{} passage(s) left out: lost after a re-import, or tagged with a retired theme",
            pv.withheld_codings
        ));
    }
    if originals {
        pv.warnings.push(ORIGINALS_WARNING.to_string());
    }
    let unreviewed = crate::service::redaction::group_free_suspects(&memo_suspects);
    pv.memo_suspects = unreviewed.len();
    // Theme names and descriptions are written too (the codebook block).
    let mut unreviewed = unreviewed;
    unreviewed.extend(super::codebook::theme_suspects(fw)?);
    if !unreviewed.is_empty() {
        pv.warnings.push(format!(
            "{} suspect(s) in memos, theme names or descriptions not reviewed; the export refuses until they are (or --allow-unreviewed)",
            unreviewed.len()
        ));
    }
    Ok(Built {
        preview: pv,
        unreviewed,
        qde: x,
        sources,
    })
}

/// Where the `<Users>` block goes once every coder is known.
const USERS_MARK: &str = "  <!--users-->\n";

/// The users of a project: whoever exports (as before: initials, a GUID derived from them),
/// then one user per coder of the codings written. A coder is named by initials, never a
/// full name; a coder whose initials are the exporter's is the exporter (tags made before
/// coders existed carry their maker); two coders with the same initials are told apart
/// ("AB", "AB2"). GUIDs derive from the initials written, so they are stable across exports.
struct Coders {
    exporter: String,
    /// coder → (initials written, GUID), in the order first met.
    by_coder: HashMap<String, (String, String)>,
    order: Vec<String>,
    taken: HashSet<String>,
}

impl Coders {
    fn new(exporter_initials: &str) -> Coders {
        Coders {
            exporter: exporter_initials.to_string(),
            by_coder: HashMap::new(),
            order: Vec::new(),
            taken: HashSet::from([exporter_initials.to_string()]),
        }
    }

    fn guid(&mut self, coder: &str) -> String {
        if let Some((_, g)) = self.by_coder.get(coder) {
            return g.clone();
        }
        let base = user_initials(coder);
        let name = if base == self.exporter {
            base
        } else {
            let mut name = base.clone();
            let mut n = 2;
            while self.taken.contains(&name) {
                name = format!("{base}{n}");
                n += 1;
            }
            self.taken.insert(name.clone());
            self.order.push(name.clone());
            name
        };
        let g = derived_guid("user", &name);
        self.by_coder.insert(coder.to_string(), (name, g.clone()));
        g
    }

    fn users_xml(&self, exporter_guid: &str) -> String {
        let mut out = format!(
            "  <Users>\n    <User guid=\"{exporter_guid}\" name=\"{}\"/>\n",
            escape_attr(&self.exporter)
        );
        for name in &self.order {
            out.push_str(&format!(
                "    <User guid=\"{}\" name=\"{}\"/>\n",
                derived_guid("user", name),
                escape_attr(name)
            ));
        }
        out.push_str("  </Users>\n");
        out
    }
}

pub const ORIGINALS_WARNING: &str = "WARNING: the sources are the ORIGINAL transcripts, with names and other identifiers; this file is identifying: keep it in the project's secure storage and never share or archive it";

fn original_texts(fw: &Fieldwork) -> Result<HashMap<String, SourceText>> {
    let mut out = HashMap::new();
    for i in interviews(fw)?.into_iter().filter(|i| i.eligible) {
        let text = fw.transcript_view(&i.session_id)?.text();
        out.insert(i.session_id, SourceText { text, map: None });
    }
    Ok(out)
}

/// The redacted texts of the eligible interviews, taken from `prepared` when given (the
/// same engine and register, computed once) and computed otherwise.
fn redacted_texts(
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
    check_free(&[out, &super::manifest_path(out)], force)?;
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
    let mut m = super::manifest_base("project");
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
    .map(|(n, b)| serde_json::json!({"file": n, "bytes": b.len(), "sha256": super::sha256_hex(b)}))
    .collect::<Vec<_>>());
    let register = super::identifier_register(fw)?;
    super::guard("project manifest", &m.to_string(), &register)?;
    if !originals {
        register.check_file("project", &super::file_name(out), &bytes)?;
    } else {
        // The originals carry identifiers by design; the archive's name, its project
        // document and the manifest are still checked.
        register.check_text("project", &super::file_name(out), &super::file_name(out))?;
        register.check_text("project", "project.qde", &built.qde)?;
    }
    // The original transcripts identify people: owner-only whatever the setting says.
    let modes = if originals {
        super::files::Modes::OWNER_ONLY
    } else {
        super::files::Modes::anonymised(&fw.export)
    };
    super::write_with_manifest(out, &bytes, "qdpx", m, force, modes)?;
    Ok(ProjectReport {
        files: vec![out.to_path_buf(), super::manifest_path(out)],
        preview: built.preview,
    })
}

// The registry's entry (`export project`, the Export pane).

use super::kinds::{common, Export, Kind, Outcome, PaneUse, Param, Params, Preview};

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

fn preview_entry(fw: &Fieldwork, p: &Params) -> Result<Preview> {
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
        v.refusal = Some(super::kinds::unreviewed(Some(open.len()), places));
    }
    Ok(v)
}

fn write_entry(fw: &mut Fieldwork, p: &Params) -> Result<Outcome> {
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
