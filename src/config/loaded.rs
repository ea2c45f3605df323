//! Finding, reading and parsing the configuration file; the loaded configuration and what it
//! resolves (database, identity, transcripts root, user, coder).

use std::fmt;
use std::path::{Path, PathBuf};

use super::{error::*, schema::*, validate::*};

/// Where the configuration came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    File(PathBuf),
    BuiltIn,
}

impl fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigSource::File(p) => write!(f, "{}", p.display()),
            ConfigSource::BuiltIn => write!(f, "built-in reference study"),
        }
    }
}

/// A loaded configuration with the place it came from.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: Config,
    pub source: ConfigSource,
}

impl LoadedConfig {
    /// The folder relative paths in the configuration are taken from.
    pub fn base_dir(&self) -> Option<PathBuf> {
        match &self.source {
            ConfigSource::File(p) => p.parent().map(Path::to_path_buf),
            ConfigSource::BuiltIn => None,
        }
    }

    fn resolve(&self, p: &Path) -> PathBuf {
        let p = expand_tilde(p);
        if p.is_absolute() {
            return p;
        }
        match self.base_dir() {
            Some(b) => b.join(p),
            None => p,
        }
    }

    /// The database path from the configuration, if it sets one.
    pub fn database(&self) -> Option<PathBuf> {
        self.config.database.as_deref().map(|p| self.resolve(p))
    }

    /// The age identity file of `[sync] identity`, if set (relative to the file's folder).
    pub fn sync_identity(&self) -> Option<PathBuf> {
        self.config
            .sync
            .identity
            .as_deref()
            .map(|p| self.resolve(p))
    }

    /// The transcripts root: the setting, or `transcripts` next to the database.
    pub fn transcripts_root(&self, db: &Path) -> PathBuf {
        match &self.config.transcripts_root {
            Some(p) => self.resolve(p),
            None => db
                .parent()
                .map(|d| d.join("transcripts"))
                .unwrap_or_else(|| PathBuf::from("transcripts")),
        }
    }

    /// Who is recorded on every change.
    pub fn user(&self) -> String {
        if let Some(i) = self
            .config
            .user
            .initials
            .as_deref()
            .filter(|s| !s.is_empty())
        {
            return i.to_string();
        }
        if let Some(n) = self.config.user.name.as_deref().filter(|s| !s.is_empty()) {
            return n.to_string();
        }
        std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unknown".into())
    }
}

impl LoadedConfig {
    /// The coder of passage tags: `flag` (`--coder`), else `$FIELDWORK_CODER`, else the
    /// config's `user.name`, else [`LoadedConfig::user`]. A name that is blank, longer than
    /// 100 characters or holds control characters is refused, naming where it came from.
    pub fn coder(&self, flag: Option<&str>) -> Result<String, String> {
        let env = std::env::var("FIELDWORK_CODER").ok();
        let (source, name) = if let Some(f) = flag {
            ("--coder", f.to_string())
        } else if let Some(e) = env.filter(|s| !s.is_empty()) {
            ("$FIELDWORK_CODER", e)
        } else if let Some(n) = self.config.user.name.as_deref().filter(|s| !s.is_empty()) {
            ("user.name", n.to_string())
        } else {
            return Ok(self.user());
        };
        valid_coder(&name).map_err(|e| format!("{source}: {e}"))
    }
}

/// A coder's name, trimmed: not blank, at most 100 characters, no control characters.
pub fn valid_coder(name: &str) -> Result<String, String> {
    let n = name.trim();
    if n.is_empty() {
        return Err("the coder's name is empty".into());
    }
    if n.chars().count() > 100 {
        return Err("the coder's name is longer than 100 characters".into());
    }
    if n.chars().any(char::is_control) {
        return Err(format!("`{}` holds a control character", n.escape_debug()));
    }
    Ok(n.to_string())
}

pub(super) fn expand_tilde(p: &Path) -> PathBuf {
    if let Ok(rest) = p.strip_prefix("~") {
        if let Some(home) = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()) {
            return home.join(rest);
        }
    }
    p.to_path_buf()
}

/// Platform directories for the project.
pub fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("org", "fieldwork", "fieldwork")
}

/// The config file to use, in lookup order; `None` means the built-in default.
pub fn find_config_file(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("FIELDWORK_CONFIG").filter(|s| !s.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let local = PathBuf::from("fieldwork.toml");
    if local.is_file() {
        return Some(local);
    }
    let platform = project_dirs()?.config_dir().join("fieldwork.toml");
    platform.is_file().then_some(platform)
}

/// Load the configuration following the lookup order.
pub fn load(explicit: Option<&Path>) -> Result<LoadedConfig, ConfigError> {
    match find_config_file(explicit) {
        Some(path) => {
            let file = path.display().to_string();
            let bytes = std::fs::read(&path).map_err(|e| ConfigError {
                file: file.clone(),
                line: 0,
                column: 0,
                key: String::new(),
                message: format!("cannot read the configuration file: {e}"),
                hint: None,
            })?;
            let text = String::from_utf8(bytes).map_err(|e| {
                let valid = e.utf8_error().valid_up_to();
                let good = std::str::from_utf8(&e.as_bytes()[..valid]).unwrap_or_default();
                let (line, column) = line_col(good, valid);
                ConfigError {
                    file: file.clone(),
                    line,
                    column,
                    key: key_at(good, valid),
                    message: "the configuration file is not UTF-8 text".into(),
                    hint: Some("save it as UTF-8".into()),
                }
            })?;
            let config = parse(&text, &path.display().to_string())?;
            Ok(LoadedConfig {
                config,
                source: ConfigSource::File(path),
            })
        }
        None => Ok(LoadedConfig {
            config: parse(DEFAULT_STUDY, "<built-in study>")?,
            source: ConfigSource::BuiltIn,
        }),
    }
}

/// Parse and validate configuration text. A file without a `[study]` table takes the
/// embedded reference study.
pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
    let has_study = toml::from_str::<toml::Table>(text)
        .map(|t| t.contains_key("study"))
        .unwrap_or(true);
    let config: Config = if has_study {
        toml::from_str(text).map_err(|e| de_error(text, file, &e))?
    } else {
        // Settings only: take the study from the embedded default.
        let combined = format!("{text}\n{DEFAULT_STUDY}");
        toml::from_str(&combined).map_err(|e| de_error(text, file, &e))?
    };
    validate(&config, text, file)?;
    Ok(config)
}
