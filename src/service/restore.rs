//! `fieldwork restore BACKUP`: replace the database with a checked backup, keeping the
//! current one first. The checks and the replacement are [`crate::store::restore`]; this
//! opens the result as any command does (migrating an older backup, with its own backup)
//! and records the restore in the restored database's audit log.
//!
//! Encrypted backups (`fieldwork backup --encrypt`) are [`BundleKind::Backup`] bundles
//! whose payload is the database file. Both ways, the plaintext database exists only
//! beside the live database (an owner-only temporary file in its folder, removed after),
//! never beside the encrypted file, which may be on a USB stick or a shared drive.

use std::path::{Path, PathBuf};

use super::{Fieldwork, Result, ServiceError, Settings};
use crate::export::files::{self, Modes};
use crate::store::{self, audit, StoreError};
use crate::sync::bundle::{self, BundleError, BundleHeader, BundleKind, Seal, Unseal};

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
    finish(db, backup, done, settings, "restore", None)
}

/// Restore the encrypted backup `backup` (`fieldwork backup --encrypt`): decrypt and
/// verify it into an owner-only temporary file beside the database, then the checks and
/// the replacement of [`restore`]. A wrong key, a damaged or foreign file, or a bundle that
/// is not a backup is refused (exit 2) with nothing changed; the temporary file is always
/// removed.
pub fn restore_encrypted(
    db: &Path,
    backup: &Path,
    unseal: &Unseal,
    settings: Settings,
) -> Result<(RestoreReport, Fieldwork)> {
    let (_, done) = restore_bundle(db, backup, unseal, &[BundleKind::Backup])?;
    finish(db, backup, done, settings, "restore", None)
}

/// What `init --from` did, for the front ends to report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InitFromReport {
    pub database: PathBuf,
    pub from: PathBuf,
    /// `snapshot` or `backup`.
    pub kind: BundleKind,
    /// The device that wrote the bundle (empty for a backup).
    pub source_device_id: String,
    pub source_device_name: String,
    /// Where a database already at the path was kept (`--force`).
    pub kept: Option<PathBuf>,
    pub schema_version: i32,
    pub migrated_backup: Option<PathBuf>,
}

/// `init --from BUNDLE`: a new laptop's database from a snapshot bundle (or an encrypted
/// backup), decrypted and verified beside the database, then checked and put in place by
/// the restore path. Refused if a database is already there, unless `replace` (then it
/// is kept as `FILE.before-restore-<time>.bak` first, as `restore` does). Returns the
/// bundle's header too: the sync engine takes what it needs from it (device, `extra`).
pub fn init_from(
    db: &Path,
    from: &Path,
    unseal: &Unseal,
    replace: bool,
    settings: Settings,
) -> Result<(BundleHeader, InitFromReport, Fieldwork)> {
    if db.exists() && !replace {
        return Err(StoreError::Exists {
            path: db.display().to_string(),
        }
        .into());
    }
    let (header, done) = restore_bundle(
        db,
        from,
        unseal,
        &[BundleKind::Snapshot, BundleKind::Backup],
    )?;
    let (r, fw) = finish(
        db,
        from,
        done,
        settings,
        "init-from",
        Some(&header.device_name),
    )?;
    let report = InitFromReport {
        database: r.database,
        from: r.restored_from,
        kind: header.kind,
        source_device_id: header.device_id.clone(),
        source_device_name: header.device_name.clone(),
        kept: r.kept,
        schema_version: r.schema_version,
        migrated_backup: r.migrated_backup,
    };
    Ok((header, report, fw))
}

/// Decrypt and verify the bundle `file` (one of the kinds `accept`, else refused) into an
/// owner-only temporary file beside `db`, then check and restore it there with
/// [`store::restore`]. Refusals are [`StoreError::Unrestorable`] naming `file`, with
/// nothing changed; the temporary file is always removed, and a folder made for it too
/// when nothing was restored.
fn restore_bundle(
    db: &Path,
    file: &Path,
    unseal: &Unseal,
    accept: &[BundleKind],
) -> Result<(BundleHeader, store::Restored)> {
    let name = file.display().to_string();
    let refuse = |why: String| {
        ServiceError::Store(StoreError::Unrestorable {
            path: name.clone(),
            why,
        })
    };
    // A bundle's message starts with its path; the refusal names it once.
    let refused = |e: BundleError| match e {
        BundleError::Io { .. } => ServiceError::Bundle(e),
        e => {
            let m = e.to_string();
            let prefix = format!("{name}: ");
            refuse(m.strip_prefix(&prefix).unwrap_or(&m).to_string())
        }
    };
    let dir = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let made_dir = !dir.exists();
    if made_dir {
        files::create_dir_all(dir, Modes::OWNER_ONLY).map_err(|e| ServiceError::Io {
            context: format!("creating {}", dir.display()),
            source: e,
        })?;
    }
    let tmp = private_temp(db, "restoring");
    let result = (|| {
        let out = files::create_new(&tmp, Modes::OWNER_ONLY).map_err(|e| ServiceError::Io {
            context: format!("creating {}", tmp.display()),
            source: e,
        })?;
        let mut out = std::io::BufWriter::new(out);
        let header = bundle::read_bundle_into(file, unseal, &mut out).map_err(refused)?;
        let io = |e: std::io::Error| ServiceError::Io {
            context: format!("writing {}", tmp.display()),
            source: e,
        };
        let out = out.into_inner().map_err(|e| io(e.into_error()))?;
        out.sync_all().map_err(io)?;
        drop(out);
        if !accept.contains(&header.kind) {
            let wanted: Vec<String> = accept.iter().map(|k| k.to_string()).collect();
            return Err(refuse(format!(
                "it is a {} bundle, not {}",
                header.kind,
                match wanted.as_slice() {
                    [one] if one == "backup" => "an encrypted backup".to_string(),
                    _ => format!("a {} bundle", wanted.join(" or ")),
                }
            )));
        }
        // The decrypted database is checked by the same code as a plain backup; its
        // refusals name the bundle, not the temporary file.
        let done = store::restore(db, &tmp).map_err(|e| match e {
            StoreError::Unrestorable { why, .. } => refuse(format!("what it holds: {why}")),
            other => ServiceError::Store(other),
        })?;
        Ok((header, done))
    })();
    let _ = std::fs::remove_file(&tmp);
    if result.is_err() && made_dir {
        let _ = std::fs::remove_dir(dir);
    }
    result
}

/// Where a decrypted (or to-be-encrypted) copy of the database lives for a moment: a
/// hidden, uniquely named file beside the database.
fn private_temp(db: &Path, what: &str) -> PathBuf {
    let name = db
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "fieldwork.db".into());
    let tag = uuid::Uuid::new_v4().simple().to_string();
    db.with_file_name(format!(".{name}.{what}-{}.tmp", &tag[..12]))
}

impl Fieldwork {
    /// `backup --encrypt`: a consistent copy of the live database (the online backup of
    /// [`Fieldwork::backup`]) sealed into a [`BundleKind::Backup`] bundle at `dest`
    /// (owner-only, written atomically, never over an existing file). The plaintext copy
    /// is made beside the database and removed.
    pub fn backup_encrypted(&self, dest: &Path, seal: &Seal) -> Result<BundleHeader> {
        let db = self.store.path().to_path_buf();
        let mut header = BundleHeader::new(BundleKind::Backup, 0);
        header.extra = serde_json::json!({
            "database": db.file_name().map(|n| n.to_string_lossy().into_owned()),
        });
        self.seal_database(dest, header, seal)
    }

    /// A consistent copy of the live database sealed into a bundle at `dest` with
    /// `header` (its kind, device and `extra` are the caller's; the schema version and the
    /// payload fields are filled here). What `backup --encrypt` writes, and a snapshot for
    /// `init --from` (`BundleKind::Snapshot`, with the sync engine's metadata in `extra`).
    pub fn seal_database(
        &self,
        dest: &Path,
        mut header: BundleHeader,
        seal: &Seal,
    ) -> Result<BundleHeader> {
        if dest.exists() {
            return Err(BundleError::Exists {
                path: dest.display().to_string(),
            }
            .into());
        }
        let db = self.store.path().to_path_buf();
        let tmp = private_temp(&db, "encrypting");
        let result = (|| {
            self.backup(&tmp)?;
            header.schema_version =
                self.store
                    .conn()
                    .pragma_query_value(None, "user_version", |r| r.get(0))?;
            Ok(bundle::write_bundle_from_file(dest, header, &tmp, seal)?)
        })();
        let _ = std::fs::remove_file(&tmp);
        result
    }
}

/// Open the restored database and record the restore (`action`) in its audit log; with
/// `new_device_from` (the source laptop's person, for `init --from`) it first becomes a new
/// device.
fn finish(
    db: &Path,
    backup: &Path,
    done: store::Restored,
    settings: Settings,
    action: &str,
    new_device_from: Option<&str>,
) -> Result<(RestoreReport, Fieldwork)> {
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
    if let Some(source_name) = new_device_from {
        // A new laptop: never the device id of the laptop the copy came from, and its
        // first change (the audit entry below) is its own.
        fw.become_new_device(&user, source_name)?;
    }
    let tx = fw.store.write()?;
    audit::record(
        &tx,
        &user,
        "database",
        &name,
        action,
        None,
        Some(&super::json(&report)),
    )?;
    tx.commit()?;
    Ok((report, fw))
}
