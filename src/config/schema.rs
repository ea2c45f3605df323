//! The shape of `fieldwork.toml`: settings tables, the study definition and their defaults.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

/// The embedded default study (the reference study of the design notes).
pub const DEFAULT_STUDY: &str = include_str!("../../assets/study.toml");

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
pub(super) fn file_mode<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
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

pub(super) fn default_true() -> bool {
    true
}
pub(super) fn default_tick_ms() -> u64 {
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

pub(super) fn default_extensions() -> Vec<String> {
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
    /// Blind double coding: each coder sees only their own passage tags in the Viewer,
    /// quotes and matrix until they reveal the others' (`fieldwork agreement reveal`).
    #[serde(default)]
    pub blind: bool,
    /// The coder of the tags this run writes: `--coder`, `$FIELDWORK_CODER`, `user.name`,
    /// else the user (resolved by the front end, not read from the file).
    #[serde(skip)]
    pub coder: Option<String>,
}

impl Default for CodingConfig {
    fn default() -> Self {
        CodingConfig {
            import_pattern: default_pattern(),
            quote_label: QuoteLabel::default(),
            saturation_base: default_base(),
            saturation_run: default_run(),
            saturation_threshold: default_threshold(),
            blind: false,
            coder: None,
        }
    }
}

pub(super) fn default_pattern() -> String {
    "*{code}*".into()
}
pub(super) fn default_base() -> usize {
    4
}
pub(super) fn default_run() -> usize {
    2
}
pub(super) fn default_threshold() -> f64 {
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

pub(super) fn no_targets() -> Spanned<BTreeMap<String, u32>> {
    Spanned::new(0..0, BTreeMap::new())
}

pub(super) fn default_form_version() -> String {
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
    /// Participants of the category to interview per phase (by phase number), all sites.
    #[serde(default = "no_targets")]
    pub targets: Spanned<BTreeMap<String, u32>>,
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

pub(super) fn toml_date(dt: &toml::value::Datetime) -> Option<time::Date> {
    let d = dt.date?;
    if dt.time.is_some() {
        return None;
    }
    let month = time::Month::try_from(d.month).ok()?;
    time::Date::from_calendar_date(d.year as i32, month, d.day).ok()
}
