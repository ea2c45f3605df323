//! Reading files from outside: REFI-QDA codebooks (on the service). The transcript parser
//! and the bounded ZIP reader are plain functions of bytes that the service uses too, so
//! they live in the lower layer ([`crate::domain::transcript`], [`crate::domain::archive`]);
//! they are re-exported here under their old paths. `import` uses `service`, never the
//! reverse.

pub mod codings;
pub mod refi;
pub use crate::domain::{archive, transcript};

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::domain::{Theme, ThemeStatus};
use crate::service::codebook::NewTheme;
use crate::service::{Fieldwork, Result, ServiceError};

/// What a codebook import did (or, with `dry_run`, would do).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CodebookImportReport {
    pub file: String,
    pub framework: String,
    pub framework_created: bool,
    /// (guid, name) of each theme added.
    pub added: Vec<(String, String)>,
    /// (guid, old name, new name).
    pub renamed: Vec<(String, String, String)>,
    /// (guid, name): already there under that name.
    pub skipped: Vec<(String, String)>,
    pub warnings: Vec<String>,
}

/// The framework a codebook goes into, and whether it is new: `--framework NAME` (created
/// if absent); without it, the study's only framework, else (none or several) the framework
/// named after the codebook file (`qms-2024.qdc` → `qms-2024`), created if absent.
fn codebook_target(
    frameworks: &[crate::domain::Framework],
    framework: Option<&str>,
    path: &Path,
) -> Result<(String, bool)> {
    let named = |name: &str| match frameworks
        .iter()
        .find(|f| f.name.eq_ignore_ascii_case(name))
    {
        Some(f) => (f.name.clone(), false),
        None => (name.to_string(), true),
    };
    if let Some(name) = framework.map(str::trim).filter(|f| !f.is_empty()) {
        return Ok(named(name));
    }
    if let [only] = frameworks {
        return Ok((only.name.clone(), false));
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ServiceError::Invalid {
            field: "framework".into(),
            message: format!(
                "{}: no file name to name a framework after; say which framework to import into with --framework NAME",
                path.display()
            ),
        })?;
    Ok(named(&stem))
}

/// The bytes of the file to import (`file` is how messages name it): a missing file is bad
/// input (the `file` field), any other failure to read it is a runtime failure.
pub(crate) fn read_file(path: &Path, file: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            ServiceError::Invalid {
                field: "file".into(),
                message: format!("{file} does not exist"),
            }
        } else {
            ServiceError::Io {
                context: format!("reading {file}"),
                source,
            }
        }
    })
}

/// Import a REFI-QDA codebook: merge by GUID into `framework` (created if absent). Without
/// it: into the study's only framework, or (with none or several) into the framework named
/// after the codebook file, created if absent. A new GUID is added with that GUID as
/// its id, under the theme that encloses it in the file; a known GUID under a different name
/// is renamed; a known GUID with the same name is skipped. Every check runs before anything
/// is written; then all of it is written in one transaction.
pub fn import_codebook(
    fw: &mut Fieldwork,
    path: &Path,
    framework: Option<&str>,
    dry_run: bool,
) -> Result<CodebookImportReport> {
    let file = path.display().to_string();
    let bytes = read_file(path, &file)?;
    let text = refi::codebook_text(&bytes, &file)?;
    let within = if archive::looks_like_zip(&bytes) {
        format!("{file}:{}", refi::PROJECT_MEMBER)
    } else {
        file.clone()
    };
    let parsed = refi::parse(&text, &within)?;

    let frameworks = fw.frameworks()?;
    let (target, created) = codebook_target(&frameworks, framework, path)?;
    if target.contains('/') {
        return Err(ServiceError::Invalid {
            field: "framework".into(),
            message: "a framework name cannot contain `/`".into(),
        });
    }

    let existing: HashMap<String, Theme> = fw
        .themes(true)?
        .into_iter()
        .map(|t| (t.id.to_ascii_lowercase(), t))
        .collect();
    let mut report = CodebookImportReport {
        file: file.clone(),
        framework: target.clone(),
        framework_created: created,
        warnings: parsed.warnings.clone(),
        ..Default::default()
    };
    if parsed.sets_ignored > 0 {
        report.warnings.push(format!(
            "{} set(s) of codes were not imported (fieldwork has no code sets)",
            parsed.sets_ignored
        ));
    }
    if parsed.not_codable > 0 {
        report.warnings.push(format!(
            "{} code(s) marked isCodable=\"false\" (headings for other codes) were imported as ordinary themes (any fieldwork theme can be tagged)",
            parsed.not_codable
        ));
    }
    // Sibling names in use, by (framework, parent): active themes of the database plus
    // themes this import adds or renames.
    let key = |framework: &str, parent: Option<&str>| {
        (framework.to_lowercase(), parent.map(str::to_string))
    };
    let mut names: HashMap<(String, Option<String>), HashMap<String, String>> = HashMap::new();
    for t in existing
        .values()
        .filter(|t| t.status == ThemeStatus::Active)
    {
        names
            .entry(key(&t.framework, t.parent_id.as_deref()))
            .or_default()
            .insert(t.name.to_lowercase(), t.id.clone());
    }
    // The framework of each theme, existing or added.
    let mut framework_of: HashMap<String, String> = existing
        .iter()
        .map(|(id, t)| (id.clone(), t.framework.clone()))
        .collect();
    let mut problems = Vec::new();
    let mut adds = Vec::new();
    let mut renames = Vec::new();
    let mut added: HashSet<String> = HashSet::new();
    for c in &parsed.codes {
        let at = format!("{file}:{}:{}", c.line, c.column);
        if let Some(t) = existing.get(&c.guid) {
            if t.name == c.name {
                report.skipped.push((c.guid.clone(), c.name.clone()));
                continue;
            }
            let siblings = names
                .entry(key(&t.framework, t.parent_id.as_deref()))
                .or_default();
            if let Some(other) = siblings.get(&c.name.to_lowercase()) {
                if *other != t.id {
                    problems.push(format!(
                        "{at}: cannot rename {} to `{}`: another theme there has that name",
                        t.path, c.name
                    ));
                    continue;
                }
            }
            siblings.remove(&t.name.to_lowercase());
            siblings.insert(c.name.to_lowercase(), t.id.clone());
            renames.push((t.id.clone(), c.name.clone()));
            report
                .renamed
                .push((c.guid.clone(), t.name.clone(), c.name.clone()));
            continue;
        }
        // A new code: its parent is the enclosing code (existing or added here).
        let parent_id = match &c.parent {
            None => None,
            Some(p) => match existing.get(p) {
                Some(pt) if pt.status != ThemeStatus::Active => {
                    problems.push(format!(
                        "{at}: `{}` sits under {} in the file, which is {} here",
                        c.name, pt.path, pt.status
                    ));
                    continue;
                }
                Some(pt) => Some(pt.id.clone()),
                None if added.contains(p) => Some(p.clone()),
                // Its parent was refused: the problem is already reported.
                None => continue,
            },
        };
        let fw_name = match &parent_id {
            Some(p) => framework_of
                .get(p)
                .cloned()
                .unwrap_or_else(|| target.clone()),
            None => target.clone(),
        };
        let siblings = names
            .entry(key(&fw_name, parent_id.as_deref()))
            .or_default();
        if siblings.contains_key(&c.name.to_lowercase()) {
            problems.push(format!(
                "{at}: a theme named `{}` is already there (under a different GUID); rename one of them first",
                c.name
            ));
            continue;
        }
        siblings.insert(c.name.to_lowercase(), c.guid.clone());
        framework_of.insert(c.guid.clone(), fw_name);
        added.insert(c.guid.clone());
        adds.push(NewTheme {
            id: c.guid.clone(),
            parent_id,
            name: c.name.clone(),
            description: c.description.clone(),
            colour: c.colour.clone(),
        });
        report.added.push((c.guid.clone(), c.name.clone()));
    }
    if !problems.is_empty() {
        return Err(ServiceError::Import { file, problems });
    }
    // Without --framework, a framework named after the file is created only for codes that
    // land in it (new top-level codes). The study's own export re-imported (every GUID
    // known, in several frameworks) goes back where its codes are, and leaves no empty
    // framework behind; the report names the frameworks its codes are in.
    let (mut target, mut created) = (target, created);
    if framework.is_none() && created && !adds.iter().any(|a| a.parent_id.is_none()) {
        let touched: std::collections::BTreeSet<&String> = parsed
            .codes
            .iter()
            .filter_map(|c| framework_of.get(&c.guid))
            .collect();
        if let Some(first) = touched.iter().next() {
            target = (*first).clone();
            created = false;
            report.framework = touched
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            report.framework_created = false;
        }
    }
    if !dry_run && (!adds.is_empty() || !renames.is_empty() || created) {
        fw.apply_codebook(
            &target,
            &adds,
            &renames,
            &format!(
                "REFI-QDA import{}",
                parsed
                    .origin
                    .as_deref()
                    .map(|o| format!(" ({o})"))
                    .unwrap_or_default()
            ),
        )?;
    }
    Ok(report)
}
