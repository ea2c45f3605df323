//! `fieldwork restore BACKUP`: replace the database with a checked backup, keeping the
//! current one first. The checks and the replacement are [`crate::store::restore`]; this
//! opens the result as any command does (migrating an older backup, with its own backup)
//! and records the restore in the restored database's audit log.

use std::path::{Path, PathBuf};

use super::{Fieldwork, Result, Settings};
use crate::store::{self, audit};

/// What `restore` did, for the front ends to report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RestoreReport {
    pub database: PathBuf,
    pub restored_from: PathBuf,
    /// Where the replaced database was kept (`None`: there was no database).
    pub kept: Option<PathBuf>,
    /// The restored file's schema version before any migration.
    pub schema_version: i32,
    /// Where the restored file was copied before it was migrated, if it was older.
    pub migrated_backup: Option<PathBuf>,
}

/// Restore `backup` into the database at `db`. Refusals (a missing, foreign, newer or
/// damaged file) change nothing and are input errors (exit 2).
pub fn restore(db: &Path, backup: &Path, settings: Settings) -> Result<(RestoreReport, Fieldwork)> {
    let done = store::restore(db, backup)?;
    let fw = Fieldwork::open(db, settings)?;
    let report = RestoreReport {
        database: db.to_path_buf(),
        restored_from: backup.to_path_buf(),
        kept: done.kept,
        schema_version: done.version,
        migrated_backup: fw.store.migrated_backup.clone(),
    };
    let user = fw.settings.user.clone();
    let name = backup
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tx = fw.store.write()?;
    audit::record(
        &tx,
        &user,
        "database",
        &name,
        "restore",
        None,
        Some(&super::json(&report)),
    )?;
    tx.commit()?;
    Ok((report, fw))
}
