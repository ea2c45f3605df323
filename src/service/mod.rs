//! Use-cases shared by the CLI and the TUI. Every write is one `BEGIN IMMEDIATE`
//! transaction that also writes the audit log; rules live here, not in the front ends.

pub mod agreement;
pub mod check;
pub mod codebook;
pub mod coding;
pub mod consent;
pub mod coverage;
pub mod delete;
pub mod import;
pub mod participants;
pub mod redaction;
pub mod restore;
pub mod search_query;
pub mod sessions;
pub mod setup;
pub mod sync;
pub mod themes;
pub mod transcript_copy;
pub mod transcripts;
pub mod tui_rows;

use std::path::{Path, PathBuf};

use crate::config::{ConsentPolicy, LoadedConfig, StudyDef, ThemeDef};
use crate::domain::{
    self, new_id, now_utc, Framework, MeetingType, Phase, Role, RoleCategory, Site, ThemeStatus,
};
use crate::store::{self, audit, reference, themes as theme_store, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Bad input: names the field and what is wrong.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("no {what} matches `{key}`")]
    NotFound { what: &'static str, key: String },
    #[error("`{key}` matches several {what}s: {candidates}; give more of the id")]
    Ambiguous {
        what: &'static str,
        key: String,
        candidates: String,
    },
    /// A rule refused the change; nothing was written.
    #[error("refused: {0}")]
    Refused(String),
    /// Rows of an import that failed validation; nothing was written.
    #[error("{} problem(s) in {file}; nothing was imported:\n{}", .problems.len(), .problems.join("\n"))]
    Import { file: String, problems: Vec<String> },
    /// The record changed since the form was opened (see [`Version`]); nothing was written.
    #[error(
        "{what} {key} was changed by someone else since it was opened ({}); nothing was written",
        describe_changes(.changes)
    )]
    Conflict {
        what: &'static str,
        key: String,
        changes: Vec<FieldChange>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A sync bundle or an encrypted backup that could not be written or read.
    #[error(transparent)]
    Bundle(#[from] crate::sync::bundle::BundleError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl From<rusqlite::Error> for ServiceError {
    fn from(e: rusqlite::Error) -> Self {
        ServiceError::Store(StoreError::Sqlite(e))
    }
}

impl ServiceError {
    /// 2 for bad input or usage, 1 for everything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            ServiceError::Invalid { .. }
            | ServiceError::NotFound { .. }
            | ServiceError::Ambiguous { .. }
            | ServiceError::Refused(_)
            | ServiceError::Import { .. } => 2,
            ServiceError::Store(
                StoreError::NotFieldwork { .. }
                | StoreError::OrphanWal { .. }
                | StoreError::Newer { .. }
                | StoreError::Missing { .. }
                | StoreError::Exists { .. }
                | StoreError::Unrestorable { .. },
            ) => 2,
            ServiceError::Bundle(e) => e.exit_code(),
            _ => 1,
        }
    }
}

pub type Result<T> = std::result::Result<T, ServiceError>;

/// A field that changed underneath an open form: its value when the form was opened and
/// its value now (empty for unset).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldChange {
    pub field: String,
    pub opened: String,
    pub current: String,
}

fn describe_changes(changes: &[FieldChange]) -> String {
    changes
        .iter()
        .map(|c| c.field.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The version of a record a form was opened on: the values it showed, field by field, as
/// the service names the fields (`name`, `site`, `job title`, …). An edit that carries one
/// is refused with [`ServiceError::Conflict`] when any of those fields changed since,
/// whoever changed it; an edit without one (the command line) changes only the fields it
/// names. Values, not a counter or a timestamp, so a change and its undo by someone else
/// are no conflict, and nothing is added to the rows (a bookkeeping column would turn every
/// concurrent edit into a conflict for sync, see docs/design/sync.md).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Version(pub Vec<(String, String)>);

impl Version {
    pub fn new<K: Into<String>, V: Into<String>>(fields: impl IntoIterator<Item = (K, V)>) -> Self {
        Version(
            fields
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// The value a field had when the form was opened.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == field)
            .map(|(_, v)| v.as_str())
    }

    /// The fields whose value now (`current(field)`) differs from the one the form showed.
    /// Values are compared trimmed, as the service stores them.
    pub(crate) fn changes(&self, current: impl Fn(&str) -> String) -> Vec<FieldChange> {
        self.0
            .iter()
            .filter_map(|(field, opened)| {
                let now = current(field);
                (now.trim() != opened.trim()).then(|| FieldChange {
                    field: field.clone(),
                    opened: opened.clone(),
                    current: now,
                })
            })
            .collect()
    }

    /// Refuse with a conflict if any field changed since the form was opened.
    pub(crate) fn check(
        &self,
        what: &'static str,
        key: &str,
        current: impl Fn(&str) -> String,
    ) -> Result<()> {
        let changes = self.changes(current);
        if changes.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::Conflict {
                what,
                key: key.to_string(),
                changes,
            })
        }
    }

    /// This version moved on to the values a conflict reported as current: an edit carrying
    /// it overwrites exactly what the user has seen, and conflicts again if the record
    /// changed once more in the meantime.
    pub fn rebased(&self, changes: &[FieldChange]) -> Version {
        let mut v = self.clone();
        for c in changes {
            match v.0.iter_mut().find(|(k, _)| *k == c.field) {
                Some((_, val)) => *val = c.current.clone(),
                None => v.0.push((c.field.clone(), c.current.clone())),
            }
        }
        v
    }
}

pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> ServiceError {
    ServiceError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

pub(crate) fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ServiceError {
    let context = context.into();
    move |source| ServiceError::Io { context, source }
}

/// Settings the service needs from the configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    pub user: String,
    pub transcripts_root: PathBuf,
    pub consent_policy: ConsentPolicy,
}

impl Settings {
    pub fn from_config(cfg: &LoadedConfig, db: &Path) -> Settings {
        Settings {
            user: cfg.user(),
            transcripts_root: cfg.transcripts_root(db),
            consent_policy: cfg.config.rules.interview_without_consent,
        }
    }
}

/// The study's reference data, loaded once per open and refreshed after changes.
#[derive(Debug, Clone, Default)]
pub struct Reference {
    pub study_name: String,
    pub ethics_ref: Option<String>,
    pub consent_form_version: String,
    pub sites: Vec<Site>,
    pub phases: Vec<Phase>,
    pub role_categories: Vec<RoleCategory>,
    pub roles: Vec<Role>,
    pub meeting_types: Vec<MeetingType>,
}

/// "unknown site `Z` (valid: A, B, C, D)": an input error that lists the valid codes.
fn unknown<'a>(what: &str, key: &str, valid: impl Iterator<Item = &'a str>) -> ServiceError {
    invalid(
        what,
        format!(
            "unknown {what} `{key}` (valid: {})",
            valid.collect::<Vec<_>>().join(", ")
        ),
    )
}

impl Reference {
    pub fn site(&self, code: &str) -> Result<&Site> {
        self.sites
            .iter()
            .find(|s| s.code.eq_ignore_ascii_case(code.trim()))
            .ok_or_else(|| unknown("site", code, self.sites.iter().map(|s| s.code.as_str())))
    }

    pub fn site_by_id(&self, id: &str) -> Option<&Site> {
        self.sites.iter().find(|s| s.id == id)
    }

    pub fn role_by_id(&self, id: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.id == id)
    }

    /// A role by code, or by name when the name is unique.
    pub fn role(&self, key: &str) -> Result<&Role> {
        let k = key.trim();
        if let Some(r) = self.roles.iter().find(|r| r.code.eq_ignore_ascii_case(k)) {
            return Ok(r);
        }
        let by_name: Vec<&Role> = self
            .roles
            .iter()
            .filter(|r| r.name.eq_ignore_ascii_case(k))
            .collect();
        if by_name.len() == 1 {
            return Ok(by_name[0]);
        }
        Err(unknown(
            "role",
            key,
            self.roles.iter().map(|r| r.code.as_str()),
        ))
    }

    pub fn role_category(&self, code: &str) -> Result<&RoleCategory> {
        self.role_categories
            .iter()
            .find(|c| c.code.eq_ignore_ascii_case(code.trim()))
            .ok_or_else(|| {
                unknown(
                    "role category",
                    code,
                    self.role_categories.iter().map(|c| c.code.as_str()),
                )
            })
    }

    pub fn phase(&self, number: u32) -> Result<&Phase> {
        self.phases
            .iter()
            .find(|p| p.number == number)
            .ok_or_else(|| {
                invalid(
                    "phase",
                    format!(
                        "unknown phase {number} (valid: {})",
                        self.phases
                            .iter()
                            .map(|p| p.number.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })
    }

    pub fn phase_by_id(&self, id: &str) -> Option<&Phase> {
        self.phases.iter().find(|p| p.id == id)
    }

    /// The phase of a session: the explicit one if given, else the one whose window
    /// contains the date; an out-of-window date without an explicit phase is refused.
    pub fn phase_for(&self, date: time::Date, explicit: Option<u32>) -> Result<&Phase> {
        if let Some(n) = explicit {
            return self.phase(n);
        }
        domain::phase_for_date(&self.phases, date).ok_or_else(|| {
            invalid(
                "date",
                format!(
                    "{} is outside every phase window ({}); give the phase explicitly with --phase",
                    domain::format_date(date),
                    self.phases
                        .iter()
                        .map(|p| format!(
                            "phase {}: {} to {}",
                            p.number,
                            domain::format_date(p.start),
                            domain::format_date(p.end)
                        ))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            )
        })
    }

    pub fn meeting_type(&self, code: &str) -> Result<&MeetingType> {
        self.meeting_types
            .iter()
            .find(|m| m.code.eq_ignore_ascii_case(code.trim()))
            .ok_or_else(|| {
                unknown(
                    "meeting type",
                    code,
                    self.meeting_types.iter().map(|m| m.code.as_str()),
                )
            })
    }

    /// The phase whose window contains today, if any.
    pub fn phase_today(&self) -> Option<&Phase> {
        domain::phase_for_date(&self.phases, domain::today())
    }
}

/// The fieldwork log: an open store plus the settings and reference data.
#[derive(Debug)]
pub struct Fieldwork {
    pub store: Store,
    pub settings: Settings,
    pub reference: Reference,
    /// Coding settings (import pattern, quote labels, saturation rule).
    pub coding: crate::config::CodingConfig,
    /// Export settings (the file mode of anonymised outputs).
    pub export: crate::config::ExportConfig,
}

impl Fieldwork {
    /// Open an existing database.
    pub fn open(db: &Path, settings: Settings) -> Result<Fieldwork> {
        let store = Store::open(db)?;
        let reference = load_reference(store.conn())?;
        Ok(Fieldwork {
            store,
            settings,
            reference,
            coding: Default::default(),
            export: Default::default(),
        })
    }

    /// Open an existing database read-only, with the same settings as another connection
    /// to it (the interface's load worker reads beside the interface's own connection).
    pub fn open_read_only(
        db: &Path,
        settings: Settings,
        coding: crate::config::CodingConfig,
    ) -> Result<Fieldwork> {
        let store = Store::open_read_only(db)?;
        let reference = load_reference(store.conn())?;
        Ok(Fieldwork {
            store,
            settings,
            reference,
            coding,
            // It cannot write, so it never writes an export file either.
            export: Default::default(),
        })
    }

    /// Create a database from a study definition, in one transaction.
    pub fn create(db: &Path, study: &StudyDef, settings: Settings) -> Result<Fieldwork> {
        let mut store = Store::create(db)?;
        let result = populate(&mut store, study, &settings.user);
        if let Err(e) = result {
            drop(store);
            remove_db_files(db);
            return Err(e);
        }
        let reference = load_reference(store.conn())?;
        Ok(Fieldwork {
            store,
            settings,
            reference,
            coding: Default::default(),
            export: Default::default(),
        })
    }

    /// A fresh in-memory log (tests, benchmarks).
    pub fn in_memory(study: &StudyDef, settings: Settings) -> Result<Fieldwork> {
        let mut store = Store::in_memory()?;
        populate(&mut store, study, &settings.user)?;
        let reference = load_reference(store.conn())?;
        Ok(Fieldwork {
            store,
            settings,
            reference,
            coding: Default::default(),
            export: Default::default(),
        })
    }

    pub fn user(&self) -> &str {
        &self.settings.user
    }

    /// The coder of the passage tags this connection writes (`coding.coder` as the front
    /// end resolved it: `--coder`, `$FIELDWORK_CODER`, `user.name`), else the user.
    pub fn coder(&self) -> String {
        self.coding
            .coder
            .clone()
            .filter(|c| !c.trim().is_empty())
            .unwrap_or_else(|| self.settings.user.clone())
    }

    pub fn refresh_reference(&mut self) -> Result<()> {
        self.reference = load_reference(self.store.conn())?;
        Ok(())
    }

    /// Recent audit entries, newest first.
    pub fn audit(&self, entity_id: Option<&str>, limit: usize) -> Result<Vec<domain::AuditEntry>> {
        Ok(audit::entries(self.store.conn(), entity_id, limit)?)
    }

    /// A consistent copy of the live database.
    pub fn backup(&self, dest: &Path) -> Result<()> {
        Ok(self.store.backup_to(dest)?)
    }
}

/// Remove a database file and its WAL/SHM companions.
pub fn remove_db_files(db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.as_os_str().to_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

fn load_reference(c: &rusqlite::Connection) -> Result<Reference> {
    let study = reference::study(c)?.ok_or_else(|| {
        ServiceError::Store(StoreError::Corrupt {
            column: "study".into(),
            value: "no study row".into(),
        })
    })?;
    Ok(Reference {
        study_name: study.name,
        ethics_ref: study.ethics_ref,
        consent_form_version: study.consent_form_version,
        sites: reference::sites(c)?,
        phases: reference::phases(c)?,
        role_categories: reference::role_categories(c)?,
        roles: reference::roles(c)?,
        meeting_types: reference::meeting_types(c)?,
    })
}

fn populate(store: &mut Store, s: &StudyDef, user: &str) -> Result<()> {
    let now = now_utc();
    let tx = store.write()?;
    let study = reference::StudyRow {
        id: new_id(),
        name: s.name.clone(),
        ethics_ref: s.ethics_ref.clone(),
        consent_form_version: s.consent_form_version.clone(),
        created_at: now.clone(),
    };
    reference::insert_study(&tx, &study)?;
    reference::set_meta(&tx, "created_by", user)?;
    reference::set_meta(&tx, "created_with", env!("CARGO_PKG_VERSION"))?;
    audit::record(
        &tx,
        user,
        "study",
        &study.id,
        "create",
        None,
        Some(&serde_json::to_value(&study).unwrap_or_default()),
    )?;
    let mut site_ids = std::collections::HashMap::new();
    for (i, sd) in s.sites.iter().enumerate() {
        let site = Site {
            id: new_id(),
            code: sd.code.get_ref().clone(),
            name: sd.name.clone(),
            region: sd.region.clone(),
            population: sd.population.map(|p| p as i64),
            places: sd.places.map(i64::from),
            notes: sd.notes.clone(),
        };
        reference::insert_site(&tx, &site, i as i64)?;
        site_ids.insert(site.code.clone(), site.id.clone());
    }
    for pd in &s.phases {
        let phase = Phase {
            id: new_id(),
            number: *pd.number.get_ref(),
            name: pd.name.clone(),
            start: pd.start_date(),
            end: pd.end_date(),
        };
        reference::insert_phase(&tx, &phase)?;
        for (site, target) in pd.targets.get_ref() {
            if let Some(site_id) = site_ids.get(site) {
                reference::set_target(&tx, &phase.id, site_id, i64::from(*target))?;
            }
        }
    }
    for (i, cd) in s.role_categories.iter().enumerate() {
        let cat = RoleCategory {
            id: new_id(),
            code: cd.code.get_ref().clone(),
            name: cd.name.clone(),
        };
        reference::insert_role_category(&tx, &cat, i as i64)?;
        for (j, rd) in cd.roles.iter().enumerate() {
            let role = Role {
                id: new_id(),
                code: rd.code.get_ref().clone(),
                name: rd.name.clone(),
                category_id: cat.id.clone(),
                category_code: cat.code.clone(),
                category_name: cat.name.clone(),
                unique_at_site: rd.unique_at_site,
            };
            reference::insert_role(&tx, &role, j as i64)?;
        }
    }
    for (i, md) in s.meeting_types.iter().enumerate() {
        reference::insert_meeting_type(
            &tx,
            &MeetingType {
                id: new_id(),
                code: md.code.get_ref().clone(),
                name: md.name.clone(),
            },
            i as i64,
        )?;
    }
    for (i, fd) in s.frameworks.iter().enumerate() {
        let fw = Framework {
            id: new_id(),
            name: fd.name.get_ref().clone(),
            description: fd.description.clone(),
        };
        theme_store::insert_framework(&tx, &fw, i as i64)?;
        insert_theme_defs(&tx, &fw.id, None, &fd.themes, &now, user)?;
    }
    tx.commit()?;
    Ok(())
}

fn insert_theme_defs(
    tx: &rusqlite::Connection,
    framework_id: &str,
    parent: Option<&str>,
    defs: &[ThemeDef],
    now: &str,
    user: &str,
) -> Result<()> {
    for (i, td) in defs.iter().enumerate() {
        let row = theme_store::ThemeRow {
            id: new_id(),
            framework_id: framework_id.to_string(),
            parent_id: parent.map(str::to_string),
            name: td.name.get_ref().trim().to_string(),
            description: td.description.clone(),
            colour: td.colour.as_ref().map(|c| c.get_ref().to_ascii_lowercase()),
            status: ThemeStatus::Active,
            merged_into: None,
            sort: i as i64,
            created_at: now.to_string(),
            tag_count: 0,
        };
        theme_store::insert_theme(tx, &row)?;
        theme_store::insert_event(
            tx,
            &domain::new_log_id(),
            &row.id,
            "created",
            &serde_json::json!({ "name": row.name, "from": "study definition" }),
            now,
            user,
        )?;
        insert_theme_defs(tx, framework_id, Some(&row.id), &td.themes, now, user)?;
    }
    Ok(())
}

/// Write the columns in which `after` differs from `before` (two versions of one stored
/// row, the first read inside the open transaction `tx`), and nothing else: a concurrent
/// change to another column is never written back over. The row's field names are its
/// column names; `skip` lists fields that are not columns (or never change here).
/// `updated_at` is set when anything changed. Returns the changed fields' old and new
/// values for the audit log, or `None` when nothing changed.
pub(crate) fn write_changes<T: serde::Serialize>(
    tx: &rusqlite::Connection,
    table: &'static str,
    id: &str,
    before: &T,
    after: &T,
    skip: &[&str],
) -> Result<Option<(serde_json::Value, serde_json::Value)>> {
    use rusqlite::types::Value as Sql;
    use serde_json::Value as J;
    let (J::Object(old), J::Object(new)) = (json(before), json(after)) else {
        return Ok(None);
    };
    let mut columns: Vec<(&'static str, Sql)> = Vec::new();
    let mut was = serde_json::Map::new();
    let mut now = serde_json::Map::new();
    for (k, v) in &new {
        if skip.contains(&k.as_str()) || k == "id" || k == "updated_at" {
            continue;
        }
        let o = old.get(k).unwrap_or(&J::Null);
        if o == v {
            continue;
        }
        let sql = match v {
            J::Null => Sql::Null,
            J::Bool(b) => Sql::Integer(i64::from(*b)),
            J::Number(n) => match n.as_i64() {
                Some(i) => Sql::Integer(i),
                None => Sql::Real(n.as_f64().unwrap_or_default()),
            },
            J::String(s) => Sql::Text(s.clone()),
            other => Sql::Text(other.to_string()),
        };
        // Column names must be `&'static str`: they are the row type's field names.
        let Some(col) = COLUMN_NAMES.iter().find(|c| **c == k.as_str()) else {
            return Err(invalid(k.clone(), "not a column this edit can write"));
        };
        columns.push((col, sql));
        was.insert(k.clone(), o.clone());
        now.insert(k.clone(), v.clone());
    }
    if columns.is_empty() {
        return Ok(None);
    }
    if new.contains_key("updated_at") {
        columns.push(("updated_at", Sql::Text(now_utc())));
    }
    store::update_columns(tx, table, id, &columns)?;
    Ok(Some((J::Object(was), J::Object(now))))
}

/// Every column an edit may write through [`write_changes`].
const COLUMN_NAMES: &[&str] = &[
    // session
    "status",
    "date",
    "phase_id",
    "site_id",
    "title",
    "mode",
    "duration_min",
    "interviewer",
    "recording_status",
    "transcription_status",
    "meeting_type_id",
    "attendees",
    "doc_type",
    "consent_gap",
    "notes",
    // theme
    "parent_id",
    "name",
    "description",
    "colour",
    "merged_into",
    "sort",
];

/// Serialize a value for the audit log.
pub(crate) fn json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// Trim, and treat an empty string as absent.
pub(crate) fn clean(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Pick exactly one of several candidate ids.
pub(crate) fn one(what: &'static str, key: &str, mut ids: Vec<String>) -> Result<String> {
    match ids.len() {
        0 => Err(ServiceError::NotFound {
            what,
            key: key.to_string(),
        }),
        1 => Ok(ids.remove(0)),
        _ => Err(ServiceError::Ambiguous {
            what,
            key: key.to_string(),
            candidates: ids
                .iter()
                .map(|i| i.chars().take(8).collect::<String>())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

pub use store::SCHEMA_VERSION;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_reports_each_changed_field_and_rebases_onto_the_current_values() {
        let v = Version::new([("name", "Ada"), ("email", ""), ("notes", "x ")]);
        let now = |f: &str| match f {
            "name" => "Ada".to_string(),
            "email" => "ada@example.org".to_string(),
            "notes" => "x".to_string(),
            _ => String::new(),
        };
        let changes = v.changes(now);
        assert_eq!(
            changes,
            [FieldChange {
                field: "email".into(),
                opened: String::new(),
                current: "ada@example.org".into(),
            }]
        );
        let err = v.check("participant", "PABCD", now).unwrap_err();
        assert!(matches!(&err, ServiceError::Conflict { changes, .. } if changes.len() == 1));
        assert!(err
            .to_string()
            .contains("participant PABCD was changed by someone else"));
        assert_eq!(err.exit_code(), 1);
        let r = v.rebased(&changes);
        assert_eq!(r.get("email"), Some("ada@example.org"));
        assert_eq!(r.get("name"), Some("Ada"));
        assert!(r.check("participant", "PABCD", now).is_ok());
    }

    #[derive(Clone, serde::Serialize)]
    struct Row {
        id: String,
        title: Option<String>,
        notes: Option<String>,
        consent_gap: bool,
        updated_at: String,
    }

    #[test]
    fn write_changes_updates_only_the_changed_columns() {
        let s = Store::in_memory().unwrap();
        let c = s.conn();
        // Someone else has since written `theirs` in the notes.
        c.execute_batch(
            "PRAGMA foreign_keys = OFF;
             INSERT INTO session (id, kind, status, date, phase_id, site_id, title, notes,
                consent_gap, created_at, updated_at)
             VALUES ('s1', 'document', 'done', '2022-01-01', 'p', 's', 'T', 'theirs', 0,
                't0', 't0');",
        )
        .unwrap();
        let before = Row {
            id: "s1".into(),
            title: Some("T".into()),
            notes: Some("stale".into()),
            consent_gap: false,
            updated_at: "t0".into(),
        };
        let after = Row {
            title: Some("Mine".into()),
            consent_gap: true,
            ..before.clone()
        };
        let (was, now) = write_changes(c, "session", "s1", &before, &after, &[])
            .unwrap()
            .unwrap();
        assert_eq!(was, serde_json::json!({"title": "T", "consent_gap": false}));
        assert_eq!(
            now,
            serde_json::json!({"title": "Mine", "consent_gap": true})
        );
        let (title, notes, gap, updated): (String, String, bool, String) = c
            .query_row(
                "SELECT title, notes, consent_gap, updated_at FROM session WHERE id = 's1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        // The notes were not changed by this edit: the stored value is not written over.
        assert_eq!(
            (title.as_str(), notes.as_str(), gap),
            ("Mine", "theirs", true)
        );
        assert_ne!(updated, "t0");
        assert!(write_changes(c, "session", "s1", &after, &after, &[])
            .unwrap()
            .is_none());
    }
}
