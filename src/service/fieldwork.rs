//! [`Fieldwork`]: opening, creating and reading the log, and the settings it needs.

use std::path::{Path, PathBuf};

use crate::config::{ConsentPolicy, LoadedConfig, StudyDef};
use crate::domain;
use crate::store::{audit, Store};

use super::error::Result;
use super::populate::populate;
use super::reference_data::{load_reference, Reference};

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
        Self::over(Store::open(db)?, settings, Default::default())
    }

    /// A service over an open store: its reference data read, the coding settings given
    /// (the export settings are set by the front end that writes exports).
    fn over(
        store: Store,
        settings: Settings,
        coding: crate::config::CodingConfig,
    ) -> Result<Fieldwork> {
        let reference = load_reference(store.conn())?;
        Ok(Fieldwork {
            store,
            settings,
            reference,
            coding,
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
        // It cannot write, so it never writes an export file either.
        Self::over(Store::open_read_only(db)?, settings, coding)
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
        Self::over(store, settings, Default::default())
    }

    /// A fresh in-memory log (tests, benchmarks).
    pub fn in_memory(study: &StudyDef, settings: Settings) -> Result<Fieldwork> {
        let mut store = Store::in_memory()?;
        populate(&mut store, study, &settings.user)?;
        Self::over(store, settings, Default::default())
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
