//! Building the project's XML: the codebook, the sources, the coders and their codings.

use std::collections::{HashMap, HashSet};

use crate::domain::now_utc;
use crate::export::codebook::{escape_attr, escape_text};
use crate::export::participants::{anonymise, eligible_records, DEFAULT_K};
use crate::export::text::{derived_guid, user_initials, OffsetMap};
use crate::export::transcripts::interviews;
use crate::service::{Fieldwork, Result, ServiceError};

pub const ORIGINALS_WARNING: &str = "WARNING: the sources are the ORIGINAL transcripts, with names and other identifiers; this file is identifying: keep it in the project's secure storage and never share or archive it";

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
pub(super) fn codebook_blocks(fw: &Fieldwork) -> Result<Option<(String, String)>> {
    if fw.themes(false)?.is_empty() {
        return Ok(None);
    }
    let xml = crate::export::codebook::codebook_xml(fw, None)?;
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
    let register = crate::export::identifier_register(fw)?;
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
        escape_attr(crate::export::TOOL)
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
                if let Some(kind) = crate::export::find_identifier(&n, &register) {
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
            if let Some(kind) = crate::export::find_identifier(&st.text, &register) {
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
    if let Some(kind) = crate::export::find_identifier(&x, &register) {
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
    unreviewed.extend(crate::export::codebook::theme_suspects(fw)?);
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
pub(super) const USERS_MARK: &str = "  <!--users-->\n";

/// The users of a project: whoever exports (as before: initials, a GUID derived from them),
/// then one user per coder of the codings written. A coder is named by initials, never a
/// full name; a coder whose initials are the exporter's is the exporter (tags made before
/// coders existed carry their maker); two coders with the same initials are told apart
/// ("AB", "AB2"). GUIDs derive from the initials written, so they are stable across exports.
pub(super) struct Coders {
    pub(super) exporter: String,
    /// coder → (initials written, GUID), in the order first met.
    pub(super) by_coder: HashMap<String, (String, String)>,
    pub(super) order: Vec<String>,
    pub(super) taken: HashSet<String>,
}

impl Coders {
    pub(super) fn new(exporter_initials: &str) -> Coders {
        Coders {
            exporter: exporter_initials.to_string(),
            by_coder: HashMap::new(),
            order: Vec::new(),
            taken: HashSet::from([exporter_initials.to_string()]),
        }
    }

    pub(super) fn guid(&mut self, coder: &str) -> String {
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

    pub(super) fn users_xml(&self, exporter_guid: &str) -> String {
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
