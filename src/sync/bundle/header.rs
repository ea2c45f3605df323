//! The bundle's header and kinds, how it is sealed or unsealed, and its errors.

use std::io;
use std::path::PathBuf;

use age::secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// The bundle format this build writes, and the newest it reads.
pub const FORMAT: u32 = 1;
/// The first bytes inside the encryption.
pub(super) const MAGIC: &[u8; 8] = b"FWBUNDLE";
/// The largest header accepted (the sync engine's `extra` is small: a version vector).
pub(super) const MAX_HEADER: u32 = 4 << 20;
/// How every binary age file starts.
pub(super) const AGE_MAGIC: &[u8] = b"age-encryption.org/";
/// The environment variable a passphrase is taken from before asking.
pub const PASSPHRASE_VAR: &str = "FIELDWORK_SYNC_PASSPHRASE";
/// Buffer size for streaming a payload in and out (age encrypts 64 KiB chunks).
pub(super) const BUF: usize = 256 * 1024;

/// What a bundle carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BundleKind {
    /// Changesets not yet sent (`sync export`).
    Changes,
    /// A full copy of the study for a new laptop (`init --from`).
    Snapshot,
    /// An encrypted backup of the database file (`backup --encrypt`).
    Backup,
}

impl std::fmt::Display for BundleKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BundleKind::Changes => "changes",
            BundleKind::Snapshot => "snapshot",
            BundleKind::Backup => "backup",
        })
    }
}

/// The header inside every bundle. [`write_bundle`] fills `format`, `payload_len`,
/// `payload_sha256` (and `created_at` when empty); the rest is the caller's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundleHeader {
    pub format: u32,
    pub kind: BundleKind,
    pub device_id: String,
    pub device_name: String,
    /// The sequence range of the changes carried (0, 0 when not a change bundle).
    pub first_seq: i64,
    pub last_seq: i64,
    /// The schema version of the database the payload came from.
    pub schema_version: i32,
    /// UTC, RFC 3339.
    pub created_at: String,
    pub payload_len: u64,
    /// Lower-case hex SHA-256 of the payload.
    pub payload_sha256: String,
    /// The sync engine's own metadata (e.g. the version vector); `null` when unused.
    #[serde(default)]
    pub extra: serde_json::Value,
}

impl BundleHeader {
    /// A header of `kind` for `schema_version`, created now, with no device or sequence
    /// range yet and the payload fields left for [`write_bundle`].
    pub fn new(kind: BundleKind, schema_version: i32) -> BundleHeader {
        BundleHeader {
            format: FORMAT,
            kind,
            device_id: String::new(),
            device_name: String::new(),
            first_seq: 0,
            last_seq: 0,
            schema_version,
            created_at: now_utc(),
            payload_len: 0,
            payload_sha256: String::new(),
            extra: serde_json::Value::Null,
        }
    }
}

pub(super) fn now_utc() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// How a bundle is sealed.
#[derive(Debug, Clone)]
pub enum Seal {
    /// scrypt: anyone with the passphrase opens it (about a second per seal, by design).
    Passphrase(SecretString),
    /// age X25519 public keys (`age1…`): each holder of a matching identity opens it.
    Recipients(Vec<String>),
}

/// How a bundle is opened.
#[derive(Debug, Clone)]
pub enum Unseal {
    Passphrase(SecretString),
    /// age identity files (`AGE-SECRET-KEY-1…` lines, as `fieldwork sync keygen` writes).
    Identities(Vec<PathBuf>),
}

/// Why a bundle could not be written or read. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{path}: not a fieldwork bundle: {why}")]
    NotABundle { path: String, why: String },
    #[error("{path}: wrong passphrase: it does not open this file")]
    WrongPassphrase { path: String },
    #[error(
        "{path}: no matching identity: it was encrypted to other keys than those in {identities}"
    )]
    NoMatchingIdentity { path: String, identities: String },
    #[error("{path}: it was sealed with a passphrase, not to age keys: set {PASSPHRASE_VAR} or run in a terminal to be asked")]
    NeedsPassphrase { path: String },
    #[error("{path}: it was encrypted to age public keys, not with a passphrase: set `[sync] identity` to your age identity file")]
    NeedsIdentity { path: String },
    #[error("{path}: the file is truncated or corrupted ({why}); get a fresh copy")]
    Corrupted { path: String, why: String },
    #[error(
        "{path}: checksum mismatch: the payload's SHA-256 is {found}, its header says {expected}"
    )]
    Checksum {
        path: String,
        expected: String,
        found: String,
    },
    #[error("{path}: bundle format {found} is newer than this fieldwork reads (up to {supported}); upgrade fieldwork to read it")]
    NewerFormat {
        path: String,
        found: u32,
        supported: u32,
    },
    #[error("{path}: cannot be opened: {why}")]
    Unreadable { path: String, why: String },
    #[error("{path}: already exists; give a new file name (a bundle never replaces a file)")]
    Exists { path: String },
    #[error("identity file {path}: {why}")]
    Identity { path: String, why: String },
    #[error("recipient `{key}`: {why}")]
    Recipient { key: String, why: String },
    #[error("{0}")]
    Passphrase(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
}

impl BundleError {
    /// 2 for a refused file or key (bad input), 1 for a failure of the machine (I/O).
    pub fn exit_code(&self) -> i32 {
        match self {
            BundleError::Io { .. } => 1,
            _ => 2,
        }
    }
}

pub type Result<T> = std::result::Result<T, BundleError>;

pub(super) fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> BundleError {
    let context = context.into();
    move |source| BundleError::Io { context, source }
}

pub(super) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}
