//! `fieldwork.toml`: settings and the study definition used by `init`.
//!
//! Lookup order for the file: `--config FILE`, `$FIELDWORK_CONFIG`, `./fieldwork.toml`, the
//! platform config dir. With no file, the embedded reference study (`assets/study.toml`) is
//! used. Every error names the file, line, column and key, and suggests valid values.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

/// The embedded default study (the reference study of the design notes).
pub const DEFAULT_STUDY: &str = include_str!("../assets/study.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Database file; relative paths are taken from the config file's folder.
    #[serde(default)]
    pub database: Option<PathBuf>,
    /// Folder under which transcript paths are stored relative; defaults to `transcripts`
    /// next to the database.
    #[serde(default)]
    pub transcripts_root: Option<PathBuf>,
    #[serde(default)]
    pub user: UserConfig,
    #[serde(default)]
    pub rules: RulesConfig,
    #[serde(default)]
    pub ui: UiConfig,
    #[serde(default)]
    pub transcripts: TranscriptsConfig,
    #[serde(default)]
    pub coding: CodingConfig,
    #[serde(default)]
    pub export: ExportConfig,
    #[serde(default)]
    pub sync: SyncConfig,
    pub study: StudyDef,
}

/// `[sync]`: the keys sync bundles and encrypted backups are sealed and opened with
/// (docs/sync.md, "Bundles and keys").
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncConfig {
    /// age public keys (`age1…`) every bundle and encrypted backup is encrypted to: each
    /// site lead's and a recovery key. Empty: a passphrase is used instead.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// The age identity file (a private key, `fieldwork sync keygen`) this laptop opens
    /// bundles with; relative paths are taken from the configuration file's folder.
    #[serde(default)]
    pub identity: Option<PathBuf>,
}

/// Settings of the files exports write.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportConfig {
    /// Permission bits of the anonymised outputs' files (their folders get `x` where the
    /// files get `r`); unset: owner-only (0600 files, 0700 folders), like everything else
    /// the tool writes. Written as an octal string; at most 0644, at least 0600.
    #[serde(default, deserialize_with = "file_mode")]
    pub anonymised_file_mode: Option<u32>,
}

/// An octal file mode such as "0640": owner read/write, and at most read for group and
/// others (never write or execute).
fn file_mode<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    use serde::de::Error;
    let s = String::deserialize(d)?;
    let t = s.trim();
    let digits = t.strip_prefix("0o").unwrap_or(t);
    let mode = (!digits.is_empty() && digits.len() <= 4)
        .then(|| u32::from_str_radix(digits, 8).ok())
        .flatten()
        .ok_or_else(|| {
            D::Error::custom(format!(
                "`{s}` is not a file mode; write octal digits such as \"0600\", \"0640\" or \"0644\""
            ))
        })?;
    if mode & 0o600 != 0o600 || mode & !0o644 != 0 {
        return Err(D::Error::custom(format!(
            "{t}: anonymised outputs may be opened to reading by group or others (at most 0644), never to writing or executing, and stay readable and writable by their owner (at least 0600)"
        )));
    }
    Ok(Some(mode))
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    pub name: Option<String>,
    pub initials: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsentPolicy {
    /// Refuse to log a completed interview without consent to take part in force.
    #[default]
    Refuse,
    /// Log it, and report it as a gap in `check` and `coverage`.
    RecordGap,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    #[serde(default)]
    pub interview_without_consent: ConsentPolicy,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UiConfig {
    #[serde(default)]
    pub privacy_mode: bool,
    #[serde(default)]
    pub mouse: bool,
    #[serde(default = "default_true")]
    pub colour: bool,
    #[serde(default = "default_tick_ms")]
    pub tick_ms: u64,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            privacy_mode: false,
            mouse: false,
            colour: true,
            tick_ms: default_tick_ms(),
        }
    }
}

fn default_true() -> bool {
    true
}
fn default_tick_ms() -> u64 {
    250
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranscriptsConfig {
    /// File extensions accepted as transcripts.
    #[serde(default = "default_extensions")]
    pub extensions: Vec<String>,
}

impl Default for TranscriptsConfig {
    // Without a `[transcripts]` table: every format (a derived default was an empty list).
    fn default() -> Self {
        TranscriptsConfig {
            extensions: default_extensions(),
        }
    }
}

fn default_extensions() -> Vec<String> {
    ["txt", "md", "docx", "vtt"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// How quotes are attributed in lists and exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum QuoteLabel {
    /// "Site D – P7QK"
    #[default]
    SiteCode,
    /// "P7QK"
    Code,
    /// The broad role category, e.g. "Quality leads"
    RoleCategory,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodingConfig {
    /// How `transcript import-dir` matches file names to interviews: `{code}` (export
    /// code), `{phase}` (phase number), `{site}` (site code), `{date}` (YYYY-MM-DD), `*`.
    #[serde(default = "default_pattern")]
    pub import_pattern: String,
    #[serde(default)]
    pub quote_label: QuoteLabel,
    /// Saturation stopping rule (Guest et al. 2020): base size, run length, threshold.
    #[serde(default = "default_base")]
    pub saturation_base: usize,
    #[serde(default = "default_run")]
    pub saturation_run: usize,
    #[serde(default = "default_threshold")]
    pub saturation_threshold: f64,
}

impl Default for CodingConfig {
    fn default() -> Self {
        CodingConfig {
            import_pattern: default_pattern(),
            quote_label: QuoteLabel::default(),
            saturation_base: default_base(),
            saturation_run: default_run(),
            saturation_threshold: default_threshold(),
        }
    }
}

fn default_pattern() -> String {
    "*{code}*".into()
}
fn default_base() -> usize {
    4
}
fn default_run() -> usize {
    2
}
fn default_threshold() -> f64 {
    0.05
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyDef {
    pub name: String,
    #[serde(default)]
    pub ethics_ref: Option<String>,
    #[serde(default = "default_form_version")]
    pub consent_form_version: String,
    pub sites: Vec<SiteDef>,
    pub phases: Vec<PhaseDef>,
    pub role_categories: Vec<RoleCategoryDef>,
    #[serde(default)]
    pub meeting_types: Vec<MeetingTypeDef>,
    #[serde(default)]
    pub frameworks: Vec<FrameworkDef>,
}

fn no_targets() -> Spanned<BTreeMap<String, u32>> {
    Spanned::new(0..0, BTreeMap::new())
}

fn default_form_version() -> String {
    "1.0".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteDef {
    pub code: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub population: Option<u64>,
    #[serde(default)]
    pub places: Option<u32>,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseDef {
    pub number: Spanned<u32>,
    pub name: String,
    pub start: Spanned<toml::value::Datetime>,
    pub end: Spanned<toml::value::Datetime>,
    #[serde(default = "no_targets")]
    pub targets: Spanned<BTreeMap<String, u32>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleCategoryDef {
    pub code: Spanned<String>,
    pub name: String,
    pub roles: Vec<RoleDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleDef {
    pub code: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub unique_at_site: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeetingTypeDef {
    pub code: Spanned<String>,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameworkDef {
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub themes: Vec<ThemeDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeDef {
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub colour: Option<Spanned<String>>,
    #[serde(default)]
    pub themes: Vec<ThemeDef>,
}

impl PhaseDef {
    pub fn start_date(&self) -> time::Date {
        toml_date(self.start.get_ref()).expect("validated at load")
    }
    pub fn end_date(&self) -> time::Date {
        toml_date(self.end.get_ref()).expect("validated at load")
    }
}

fn toml_date(dt: &toml::value::Datetime) -> Option<time::Date> {
    let d = dt.date?;
    if dt.time.is_some() {
        return None;
    }
    let month = time::Month::try_from(d.month).ok()?;
    time::Date::from_calendar_date(d.year as i32, month, d.day).ok()
}

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

/// A configuration problem, located in its file.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub key: String,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.key.is_empty() {
            write!(f, "key `{}`: ", self.key)?;
        }
        write!(f, "{}", self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " ({h})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

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

fn expand_tilde(p: &Path) -> PathBuf {
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

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    // Bytes, not `&str`: an offset may fall inside a character.
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let col = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map(|i| offset - i)
        .unwrap_or(offset + 1);
    (line, col)
}

/// The dotted key around a byte offset, found from the table headers above it.
fn key_at(text: &str, offset: usize) -> String {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line_end = text[offset..]
        .find('\n')
        .map(|i| offset + i)
        .unwrap_or(text.len());
    let line = text[line_start..line_end].trim();
    let mut table = String::new();
    for l in text[..line_start].lines().rev() {
        let l = l.trim();
        if l.starts_with('[') {
            table = l.trim_matches(|c| c == '[' || c == ']').trim().to_string();
            break;
        }
    }
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().to_string())
        .unwrap_or_default();
    match (table.is_empty(), key.is_empty()) {
        (true, _) => key,
        (false, true) => table,
        (false, false) => format!("{table}.{key}"),
    }
}

fn de_error(text: &str, file: &str, e: &toml::de::Error) -> ConfigError {
    let span = e.span().unwrap_or(0..0);
    let (line, column) = if span.start <= text.len() {
        line_col(text, span.start)
    } else {
        (0, 0)
    };
    let message = e.message().trim().to_string();
    let hint = if message.contains("missing field") {
        Some("see fieldwork.example.toml for every setting".to_string())
    } else {
        None
    };
    ConfigError {
        file: file.to_string(),
        line,
        column,
        key: if span.start <= text.len() {
            key_at(text, span.start)
        } else {
            String::new()
        },
        message,
        hint,
    }
}

fn err_at(
    text: &str,
    file: &str,
    span: Range<usize>,
    key: impl Into<String>,
    message: impl Into<String>,
    hint: Option<String>,
) -> ConfigError {
    // Spans of the embedded study do not point into a settings-only file.
    let (line, column) = if span.end <= text.len() {
        line_col(text, span.start)
    } else {
        (0, 0)
    };
    ConfigError {
        file: file.to_string(),
        line,
        column,
        key: key.into(),
        message: message.into(),
        hint,
    }
}

/// Is a colour a `#RRGGBB` string?
pub fn valid_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}

/// The span of the value at a dotted path of tables (`["coding", "import_pattern"]`) in the
/// text, if the text sets it.
fn value_span(doc: Option<&toml::de::DeTable<'_>>, path: &[&str]) -> Option<Range<usize>> {
    let mut table = doc?;
    for (i, key) in path.iter().enumerate() {
        let (_, v) = table.iter().find(|(k, _)| k.get_ref().as_ref() == *key)?;
        if i + 1 == path.len() {
            return Some(v.span());
        }
        match v.get_ref() {
            toml::de::DeValue::Table(t) => table = t,
            _ => return None,
        }
    }
    None
}

/// Every string value (and string in an array) with a control character other than a tab
/// or a line break: such text would reach terminals and the audit log raw.
fn control_characters(
    table: &toml::de::DeTable<'_>,
    prefix: &str,
    out: &mut Vec<(String, Range<usize>, char)>,
) {
    fn visit(
        v: &Spanned<toml::de::DeValue<'_>>,
        key: String,
        out: &mut Vec<(String, Range<usize>, char)>,
    ) {
        match v.get_ref() {
            toml::de::DeValue::String(s) => {
                if let Some(c) = s
                    .chars()
                    .find(|c| c.is_control() && !matches!(c, '\n' | '\t'))
                {
                    out.push((key, v.span(), c));
                }
            }
            toml::de::DeValue::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    visit(x, format!("{key}[{i}]"), out);
                }
            }
            toml::de::DeValue::Table(t) => control_characters(t, &key, out),
            _ => {}
        }
    }
    for (k, v) in table.iter() {
        let key = if prefix.is_empty() {
            k.get_ref().to_string()
        } else {
            format!("{prefix}.{}", k.get_ref())
        };
        visit(v, key, out);
    }
}

/// The settings outside the study definition: every value is checked here, so a bad one
/// is reported at load with its place, not met later.
fn validate_settings(c: &Config, text: &str, file: &str) -> Result<(), ConfigError> {
    let parsed = toml::de::DeTable::parse(text).ok();
    let doc = parsed.as_ref().map(|d| d.get_ref());
    let at = |path: &[&str], message: String, hint: Option<String>| {
        let span = value_span(doc, path).unwrap_or(0..0);
        err_at(text, file, span, path.join("."), message, hint)
    };
    if let Some(d) = doc {
        let mut bad = Vec::new();
        control_characters(d, "", &mut bad);
        if let Some((key, span, ch)) = bad.into_iter().next() {
            return Err(err_at(
                text,
                file,
                span,
                key,
                format!("the text holds a control character (U+{:04X})", ch as u32),
                Some("remove it; only tabs and line breaks are allowed in text".into()),
            ));
        }
    }
    for (key, value) in [
        ("database", &c.database),
        ("transcripts_root", &c.transcripts_root),
    ] {
        if value.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
            return Err(at(
                &[key],
                "must not be empty".into(),
                Some("leave the setting out for the default".into()),
            ));
        }
    }
    let tick = c.ui.tick_ms;
    if !(TICK_MS.contains(&tick)) {
        return Err(at(
            &["ui", "tick_ms"],
            format!(
                "{tick} is out of range: the interface's idle tick must be between {} and {} milliseconds",
                TICK_MS.start(),
                TICK_MS.end()
            ),
            Some("the default is 250".into()),
        ));
    }
    if c.transcripts.extensions.is_empty() {
        return Err(at(
            &["transcripts", "extensions"],
            "must list at least one transcript format".into(),
            Some("the formats fieldwork reads: txt, md, docx, vtt".into()),
        ));
    }
    for (i, ext) in c.transcripts.extensions.iter().enumerate() {
        let e = ext.trim().trim_start_matches('.').to_ascii_lowercase();
        if !["txt", "md", "docx", "vtt"].contains(&e.as_str()) {
            let span = match doc.and_then(|d| {
                let (_, t) = d
                    .iter()
                    .find(|(k, _)| k.get_ref().as_ref() == "transcripts")?;
                let toml::de::DeValue::Table(t) = t.get_ref() else {
                    return None;
                };
                let (_, a) = t
                    .iter()
                    .find(|(k, _)| k.get_ref().as_ref() == "extensions")?;
                match a.get_ref() {
                    toml::de::DeValue::Array(a) => a.get(i).map(|v| v.span()),
                    _ => None,
                }
            }) {
                Some(sp) => sp,
                None => value_span(doc, &["transcripts", "extensions"]).unwrap_or(0..0),
            };
            return Err(err_at(
                text,
                file,
                span,
                format!("transcripts.extensions[{i}]"),
                format!("`{ext}` is not a transcript format fieldwork reads"),
                Some("valid: txt, md, docx, vtt".into()),
            ));
        }
    }
    if let Err(e) = crate::service::coding::pattern_regex(&c.coding.import_pattern) {
        let message = match e {
            crate::service::ServiceError::Invalid { message, .. } => message,
            other => other.to_string(),
        };
        return Err(at(
            &["coding", "import_pattern"],
            message,
            Some("placeholders: {code}, {phase}, {site}, {date}; `*` matches anything".into()),
        ));
    }
    for (key, n) in [
        ("saturation_base", c.coding.saturation_base),
        ("saturation_run", c.coding.saturation_run),
    ] {
        if !(SATURATION_COUNT.contains(&n)) {
            return Err(at(
                &["coding", key],
                format!(
                    "{n} is out of range: give a number of interviews from {} to {}",
                    SATURATION_COUNT.start(),
                    SATURATION_COUNT.end()
                ),
                None,
            ));
        }
    }
    let t = c.coding.saturation_threshold;
    if !t.is_finite() || !(0.0..=1.0).contains(&t) {
        return Err(at(
            &["coding", "saturation_threshold"],
            format!("{t} is not a fraction between 0 and 1"),
            Some("e.g. 0.05 for 5%".into()),
        ));
    }
    validate_sync(c, text, file, doc)?;
    if c.study.consent_form_version.trim().is_empty() {
        return Err(at(
            &["study", "consent_form_version"],
            "must not be empty".into(),
            None,
        ));
    }
    Ok(())
}

/// The span of item `i` of the array at a dotted path, else of the array itself.
fn item_span(doc: Option<&toml::de::DeTable<'_>>, path: &[&str], i: usize) -> Range<usize> {
    let whole = value_span(doc, path).unwrap_or(0..0);
    let mut table = match doc {
        Some(t) => t,
        None => return whole,
    };
    for (n, key) in path.iter().enumerate() {
        let Some((_, v)) = table.iter().find(|(k, _)| k.get_ref().as_ref() == *key) else {
            return whole;
        };
        match v.get_ref() {
            toml::de::DeValue::Table(t) if n + 1 < path.len() => table = t,
            toml::de::DeValue::Array(a) if n + 1 == path.len() => {
                return a.get(i).map(|v| v.span()).unwrap_or(whole)
            }
            _ => return whole,
        }
    }
    whole
}

/// `[sync]`: every recipient an age public key, once; the identity path not empty.
fn validate_sync(
    c: &Config,
    text: &str,
    file: &str,
    doc: Option<&toml::de::DeTable<'_>>,
) -> Result<(), ConfigError> {
    let mut seen: Vec<&str> = Vec::new();
    for (i, key) in c.sync.recipients.iter().enumerate() {
        let k = key.trim();
        let span = item_span(doc, &["sync", "recipients"], i);
        if let Err(why) = crate::sync::bundle::parse_recipient(k) {
            return Err(err_at(
                text,
                file,
                span,
                format!("sync.recipients[{i}]"),
                format!("`{key}` is not an age public key: {why}"),
                Some("give each site lead's and the recovery key's `age1…` line, as `fieldwork sync keygen` prints it".into()),
            ));
        }
        if seen.contains(&k) {
            return Err(err_at(
                text,
                file,
                span,
                format!("sync.recipients[{i}]"),
                format!("`{k}` is listed twice"),
                None,
            ));
        }
        seen.push(k);
    }
    if c.sync
        .identity
        .as_ref()
        .is_some_and(|p| p.as_os_str().is_empty())
    {
        let span = value_span(doc, &["sync", "identity"]).unwrap_or(0..0);
        return Err(err_at(
            text,
            file,
            span,
            "sync.identity",
            "must not be empty",
            Some("the path of your age identity file, e.g. \"~/.config/fieldwork/identity.txt\"; leave it out to use a passphrase".into()),
        ));
    }
    Ok(())
}

/// The idle tick of the interface, in milliseconds.
pub const TICK_MS: std::ops::RangeInclusive<u64> = 10..=60_000;
/// Base size and run length of the saturation rule, in interviews.
pub const SATURATION_COUNT: std::ops::RangeInclusive<usize> = 1..=10_000;

fn validate(c: &Config, text: &str, file: &str) -> Result<(), ConfigError> {
    validate_settings(c, text, file)?;
    let s = &c.study;
    if s.name.trim().is_empty() {
        return Err(err_at(
            text,
            file,
            0..0,
            "study.name",
            "must not be empty",
            None,
        ));
    }
    if s.sites.is_empty() {
        return Err(err_at(
            text,
            file,
            0..0,
            "study.sites",
            "a study needs at least one site",
            None,
        ));
    }
    let mut site_codes: Vec<&str> = Vec::new();
    for (i, site) in s.sites.iter().enumerate() {
        let code = site.code.get_ref().as_str();
        if !valid_code(code) {
            return Err(err_at(
                text,
                file,
                site.code.span(),
                format!("study.sites[{i}].code"),
                format!("`{code}` is not a valid code"),
                Some("use letters, digits, `-` or `_`, at most 32 characters".into()),
            ));
        }
        if site_codes.contains(&code) {
            return Err(err_at(
                text,
                file,
                site.code.span(),
                format!("study.sites[{i}].code"),
                format!("site code `{code}` is used twice"),
                None,
            ));
        }
        site_codes.push(code);
    }
    if s.phases.is_empty() {
        return Err(err_at(
            text,
            file,
            0..0,
            "study.phases",
            "a study needs at least one phase",
            None,
        ));
    }
    let mut numbers = Vec::new();
    let mut windows: Vec<(u32, time::Date, time::Date)> = Vec::new();
    for (i, p) in s.phases.iter().enumerate() {
        let n = *p.number.get_ref();
        if numbers.contains(&n) {
            return Err(err_at(
                text,
                file,
                p.number.span(),
                format!("study.phases[{i}].number"),
                format!("phase number {n} is used twice"),
                None,
            ));
        }
        numbers.push(n);
        let start = toml_date(p.start.get_ref()).ok_or_else(|| {
            err_at(
                text,
                file,
                p.start.span(),
                format!("study.phases[{i}].start"),
                format!("`{}` is not a date", p.start.get_ref()),
                Some("write a plain date such as 2021-11-01".into()),
            )
        })?;
        let end = toml_date(p.end.get_ref()).ok_or_else(|| {
            err_at(
                text,
                file,
                p.end.span(),
                format!("study.phases[{i}].end"),
                format!("`{}` is not a date", p.end.get_ref()),
                Some("write a plain date such as 2022-05-31".into()),
            )
        })?;
        if end < start {
            return Err(err_at(
                text,
                file,
                p.end.span(),
                format!("study.phases[{i}].end"),
                format!("phase {n} ends ({end}) before it starts ({start})"),
                None,
            ));
        }
        for (m, ms, me) in &windows {
            if start <= *me && *ms <= end {
                return Err(err_at(
                    text,
                    file,
                    p.start.span(),
                    format!("study.phases[{i}].start"),
                    format!("phase {n} overlaps phase {m} ({ms} to {me})"),
                    Some("phase windows must not overlap, so a date names one phase".into()),
                ));
            }
        }
        windows.push((n, start, end));
        for site in p.targets.get_ref().keys() {
            if !site_codes.contains(&site.as_str()) {
                return Err(err_at(
                    text,
                    file,
                    p.targets.span(),
                    format!("study.phases[{i}].targets.{site}"),
                    format!("unknown site code `{site}`"),
                    Some(format!("valid site codes: {}", site_codes.join(", "))),
                ));
            }
        }
    }
    if s.role_categories.is_empty() {
        return Err(err_at(
            text,
            file,
            0..0,
            "study.role_categories",
            "a study needs at least one role category",
            None,
        ));
    }
    let mut codes: Vec<&str> = Vec::new();
    let mut role_codes: Vec<&str> = Vec::new();
    for (i, cat) in s.role_categories.iter().enumerate() {
        let code = cat.code.get_ref().as_str();
        if !valid_code(code) || codes.contains(&code) {
            return Err(err_at(
                text,
                file,
                cat.code.span(),
                format!("study.role_categories[{i}].code"),
                format!("`{code}` is not a valid, unique code"),
                Some("use letters, digits, `-` or `_`, at most 32 characters".into()),
            ));
        }
        codes.push(code);
        if cat.roles.is_empty() {
            return Err(err_at(
                text,
                file,
                cat.code.span(),
                format!("study.role_categories[{i}].roles"),
                format!("role category `{code}` has no roles"),
                None,
            ));
        }
        for (j, r) in cat.roles.iter().enumerate() {
            let rc = r.code.get_ref().as_str();
            if !valid_code(rc) || role_codes.contains(&rc) {
                return Err(err_at(
                    text,
                    file,
                    r.code.span(),
                    format!("study.role_categories[{i}].roles[{j}].code"),
                    format!("`{rc}` is not a valid, unique role code"),
                    Some("use letters, digits, `-` or `_`, at most 32 characters".into()),
                ));
            }
            role_codes.push(rc);
        }
    }
    let mut mt: Vec<&str> = Vec::new();
    for (i, m) in s.meeting_types.iter().enumerate() {
        let code = m.code.get_ref().as_str();
        if !valid_code(code) || mt.contains(&code) {
            return Err(err_at(
                text,
                file,
                m.code.span(),
                format!("study.meeting_types[{i}].code"),
                format!("`{code}` is not a valid, unique code"),
                None,
            ));
        }
        mt.push(code);
    }
    for (i, f) in s.frameworks.iter().enumerate() {
        validate_themes(&f.themes, text, file, &format!("study.frameworks[{i}]"))?;
    }
    Ok(())
}

fn validate_themes(
    themes: &[ThemeDef],
    text: &str,
    file: &str,
    path: &str,
) -> Result<(), ConfigError> {
    let mut names: Vec<String> = Vec::new();
    for (i, t) in themes.iter().enumerate() {
        let key = format!("{path}.themes[{i}]");
        let name = t.name.get_ref().trim().to_lowercase();
        if name.is_empty() || names.contains(&name) {
            return Err(err_at(
                text,
                file,
                t.name.span(),
                format!("{key}.name"),
                format!(
                    "theme name `{}` is empty or used twice here",
                    t.name.get_ref()
                ),
                None,
            ));
        }
        names.push(name);
        if let Some(c) = &t.colour {
            if !valid_colour(c.get_ref()) {
                return Err(err_at(
                    text,
                    file,
                    c.span(),
                    format!("{key}.colour"),
                    format!("`{}` is not a colour", c.get_ref()),
                    Some("write it as #RRGGBB, e.g. #4e79a7".into()),
                ));
            }
        }
        validate_themes(&t.themes, text, file, &key)?;
    }
    Ok(())
}

/// Codes: letters, digits, `-`, `_`; 1 to 32 characters.
pub fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 32
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_study_parses() {
        let c = parse(DEFAULT_STUDY, "builtin").unwrap();
        assert_eq!(c.study.sites.len(), 4);
        assert_eq!(c.study.phases.len(), 2);
        assert_eq!(c.study.meeting_types.len(), 7);
        assert_eq!(c.study.frameworks.len(), 2);
    }

    #[test]
    fn example_file_matches_builtin_study() {
        let example = include_str!("../fieldwork.example.toml");
        let a = parse(example, "example").unwrap();
        let b = parse(DEFAULT_STUDY, "builtin").unwrap();
        assert_eq!(
            format!("{:?}", strip(&a.study)),
            format!("{:?}", strip(&b.study))
        );
    }

    fn strip(s: &StudyDef) -> String {
        // Spans differ between files; compare the values only.
        let sites: Vec<_> = s.sites.iter().map(|x| x.code.get_ref().clone()).collect();
        let roles: Vec<_> = s
            .role_categories
            .iter()
            .flat_map(|c| {
                c.roles
                    .iter()
                    .map(|r| (r.code.get_ref().clone(), r.name.clone()))
            })
            .collect();
        let phases: Vec<_> = s
            .phases
            .iter()
            .map(|p| (p.start_date(), p.end_date(), p.targets.get_ref().clone()))
            .collect();
        format!("{} {sites:?} {roles:?} {phases:?}", s.name)
    }

    #[test]
    fn unknown_key_names_line_and_suggests() {
        let text = "[user]\nnmae = \"x\"\n";
        let e = parse(text, "f.toml").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("nmae"), "{e}");
        assert!(e.message.contains("name"), "{e}");
    }

    #[test]
    fn bad_target_site_is_located() {
        let text = DEFAULT_STUDY.replace("targets = { A = 15,", "targets = { Z = 15,");
        let e = parse(&text, "f.toml").unwrap_err();
        assert!(e.key.contains("targets.Z"), "{e}");
        assert!(
            e.hint.as_deref().unwrap_or("").contains("A, B, C, D"),
            "{e}"
        );
        assert!(e.line > 1);
    }

    #[test]
    fn phase_end_before_start() {
        let text = DEFAULT_STUDY.replace("end = 2022-05-31", "end = 2021-05-31");
        let e = parse(&text, "f.toml").unwrap_err();
        assert!(e.key.ends_with("phases[0].end"), "{e}");
        assert!(e.message.contains("before it starts"), "{e}");
    }

    fn refused(text: &str) -> ConfigError {
        parse(text, "f.toml").expect_err(text)
    }

    #[test]
    fn sync_keys_are_checked_at_load_with_their_place() {
        let key = || age::x25519::Identity::generate().to_public().to_string();
        let (a, b) = (&key(), &key());
        let ok = parse(
            &format!("[sync]\nrecipients = [\"{a}\", \"{b}\"]\nidentity = \"keys/me.txt\"\n"),
            "f.toml",
        )
        .unwrap();
        assert_eq!(ok.sync.recipients, vec![a.to_string(), b.to_string()]);
        assert_eq!(ok.sync.identity, Some(PathBuf::from("keys/me.txt")));
        let bad = &a[..a.len() - 1];
        assert_eq!(a.len(), 62);
        let e = refused(&format!("[sync]\nrecipients = [\"{a}\",\n  \"{bad}\"]\n"));
        assert_eq!((e.line, e.column), (3, 3), "{e}");
        assert_eq!(e.key, "sync.recipients[1]");
        assert!(
            e.message.contains(bad) && e.message.contains("not an age public key"),
            "{e}"
        );
        let e = refused("[sync]\nrecipients = [\"ssh-ed25519 AAAA\"]\n");
        assert!(e.message.contains("starts with `age1`"), "{e}");
        let e = refused(&format!("[sync]\nrecipients = [\"{a}\", \"{a}\"]\n"));
        assert!(
            e.message.contains("listed twice") && e.key == "sync.recipients[1]",
            "{e}"
        );
        let e = refused("[sync]\nidentity = \"\"\n");
        assert_eq!((e.line, e.key.as_str()), (2, "sync.identity"), "{e}");
        let e = refused("[sync]\nrecipient = []\n");
        assert!(e.message.contains("unknown field `recipient`"), "{e}");
    }

    #[test]
    fn settings_are_validated_at_load_with_their_place() {
        let e = refused("[user]\nname = \"A\"\n\n[coding]\nimport_pattern = \"*{code\"\n");
        assert_eq!((e.line, e.column), (5, 18), "{e}");
        assert_eq!(e.key, "coding.import_pattern");
        assert!(e.message.contains("unclosed `{`"), "{e}");
        let e = refused("[coding]\nimport_pattern = \"{participant}\"\n");
        assert!(
            e.message.contains("unknown placeholder `{participant}`"),
            "{e}"
        );
        let e = refused("[coding]\nimport_pattern = \"transcripts/*\"\n");
        assert!(e.message.contains("at least one placeholder"), "{e}");
        for (v, what) in [
            ("nan", "NaN"),
            ("inf", "inf"),
            ("-0.5", "-0.5"),
            ("1.5", "1.5"),
        ] {
            let e = refused(&format!("[coding]\nsaturation_threshold = {v}\n"));
            assert_eq!(
                (e.line, e.column, e.key.as_str()),
                (2, 24, "coding.saturation_threshold"),
                "{e}"
            );
            assert!(
                e.message.contains(what) && e.message.contains("between 0 and 1"),
                "{e}"
            );
        }
        let e = refused("[coding]\nsaturation_base = 0\n");
        assert_eq!(
            (e.line, e.key.as_str()),
            (2, "coding.saturation_base"),
            "{e}"
        );
        let e = refused("[coding]\nsaturation_run = 100000\n");
        assert!(e.message.contains("out of range"), "{e}");
        let e = refused("[ui]\ncolour = true\ntick_ms = 0\n");
        assert_eq!(
            (e.line, e.column, e.key.as_str()),
            (3, 11, "ui.tick_ms"),
            "{e}"
        );
        let e = refused("[transcripts]\nextensions = [\"txt\", \"pdf\"]\n");
        assert_eq!((e.line, e.column), (2, 22), "{e}");
        assert_eq!(e.key, "transcripts.extensions[1]");
        let e = refused("[transcripts]\nextensions = []\n");
        assert!(e.message.contains("at least one"), "{e}");
        let e = refused("database = \"\"\n");
        assert_eq!(e.key, "database");
        let e = refused("[user]\nname = \"Ann \\u001b[31mAble\"\n");
        assert_eq!((e.line, e.key.as_str()), (2, "user.name"), "{e}");
        assert!(e.message.contains("U+001B"), "{e}");
        // The study's text too.
        let text = DEFAULT_STUDY.replacen("name = \"", "name = \"\\r", 1);
        let e = refused(&text);
        assert!(e.message.contains("U+000D") && e.line > 0, "{e}");
        // Good values still load, and the example file's values are all in range.
        parse("[ui]\ntick_ms = 10\n[coding]\nsaturation_threshold = 0\nimport_pattern = \"{site}/{phase}/*{code}*\"\n", "f.toml").unwrap();
        parse("[user]\nname = \"Ann\\tAble\"\n", "f.toml").unwrap();
    }
}
