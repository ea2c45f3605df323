//! What every command's dispatch shares: the failure type and its exit codes, opening the
//! database with the configuration's settings, printing JSON.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cli::args::Cli;
use crate::cli::output;
use crate::config::{self, LoadedConfig};
use crate::domain::parse_date;
use crate::service::{Fieldwork, ServiceError, Settings};

/// An error with the exit code it maps to.
pub(in crate::cli) struct Failure {
    pub(in crate::cli) message: String,
    pub(in crate::cli) code: i32,
}

impl From<ServiceError> for Failure {
    fn from(e: ServiceError) -> Self {
        Failure {
            code: e.exit_code(),
            message: e.to_string(),
        }
    }
}

impl From<config::ConfigError> for Failure {
    fn from(e: config::ConfigError) -> Self {
        Failure {
            code: 2,
            message: e.to_string(),
        }
    }
}

impl Failure {
    /// Bad input or usage: exit 2.
    pub(in crate::cli) fn usage(message: impl Into<String>) -> Failure {
        usage(message)
    }
    /// A runtime failure: exit 1.
    pub(in crate::cli) fn runtime(message: impl Into<String>) -> Failure {
        failure(1, message)
    }
}

/// A failure with its exit code (for the other dispatch modules).
pub(in crate::cli) fn failure(code: i32, message: impl Into<String>) -> Failure {
    Failure {
        message: message.into(),
        code,
    }
}

pub(in crate::cli) fn usage(message: impl Into<String>) -> Failure {
    Failure {
        message: message.into(),
        code: 2,
    }
}

pub(in crate::cli) type Out = Result<i32, Failure>;

/// The database path: `--db`, `$FIELDWORK_DB`, the config's `database`, the data dir.
pub fn database_path(explicit: Option<&Path>, cfg: &LoadedConfig) -> Result<PathBuf, String> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("FIELDWORK_DB").filter(|s| !s.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    if let Some(p) = cfg.database() {
        return Ok(p);
    }
    config::project_dirs()
        .map(|d| d.data_dir().join("fieldwork.db"))
        .ok_or_else(|| "no home folder to keep the database in; give --db FILE".to_string())
}

pub(in crate::cli) fn date_arg(
    field: &str,
    s: &Option<String>,
) -> Result<Option<time::Date>, Failure> {
    match s {
        Some(s) => parse_date(s)
            .map(Some)
            .map_err(|e| usage(format!("--{field}: {e}"))),
        None => Ok(None),
    }
}

pub(in crate::cli) fn print_json<T: Serialize>(v: &T) -> Out {
    let s = serde_json::to_string_pretty(v).map_err(|e| Failure {
        message: e.to_string(),
        code: 1,
    })?;
    println!("{}", output::json_for_terminal(s));
    Ok(0)
}

pub(in crate::cli) fn open(cli: &Cli, cfg: &LoadedConfig) -> Result<Fieldwork, Failure> {
    let db = database_path(cli.db.as_deref(), cfg).map_err(usage)?;
    let mut fw = open_at(&db, cfg)?;
    if cli.coder.is_some() {
        fw.coding.coder = Some(cfg.coder(cli.coder.as_deref()).map_err(usage)?);
    }
    if let Some(b) = &fw.store.migrated_backup {
        eprintln!(
            "fieldwork: the database was migrated to schema {}; the old file was kept as {}",
            crate::service::SCHEMA_VERSION,
            b.display()
        );
    }
    Ok(fw)
}

/// Open `db` with the configuration's settings and coding rules.
pub(in crate::cli) fn open_at(db: &Path, cfg: &LoadedConfig) -> Result<Fieldwork, Failure> {
    let mut fw = Fieldwork::open(db, Settings::from_config(cfg, db))?;
    fw.coding = cfg.config.coding.clone();
    fw.coding.coder = Some(cfg.coder(None).map_err(usage)?);
    fw.export = cfg.config.export.clone();
    Ok(fw)
}
