//! Bundle files: what carries changes, a full snapshot or a backup off a laptop.
//!
//! On disk a bundle is one [age](https://age-encryption.org) file (binary, version 1) and
//! nothing else: no name, device or size is readable without a key. Inside the
//! encryption:
//!
//! ```text
//! "FWBUNDLE"                 8 bytes, the magic
//! format                     u32, little-endian ([`FORMAT`])
//! header length              u32, little-endian (at most 4 MiB)
//! header                     JSON: a [`BundleHeader`]
//! payload                    exactly `payload_len` bytes, SHA-256 `payload_sha256`
//! ```
//!
//! age's payload encryption (ChaCha20-Poly1305 in 64 KiB chunks, the last one marked)
//! authenticates every chunk and the end of the stream, so a truncated, cut or altered file
//! is refused, never read short. The SHA-256 in the header checks the payload once more
//! end to end, independently of the encryption.
//!
//! Keys ([`Seal`], [`Unseal`]): age recipients (X25519 public keys, `age1…`; each site
//! lead's and a recovery key, from `[sync] recipients`) opened with an age identity file
//! (`[sync] identity`), or a passphrase (scrypt; from `FIELDWORK_SYNC_PASSPHRASE` or a
//! prompt). scrypt costs about a second per seal and per open by design, so recipients
//! are the fast mode, and the one the benchmarks use.
//!
//! Bundles are written atomically (a temporary file in the same folder, flushed, then
//! linked or renamed to the final name: a crash never leaves half a bundle under it) and
//! owner-only (0600; folders created for them 0700).

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use age::secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::LoadedConfig;
use crate::export::files::{self, Modes};

/// The bundle format this build writes, and the newest it reads.
pub const FORMAT: u32 = 1;
/// The first bytes inside the encryption.
const MAGIC: &[u8; 8] = b"FWBUNDLE";
/// The largest header accepted (the sync engine's `extra` is small: a version vector).
const MAX_HEADER: u32 = 4 << 20;
/// How every binary age file starts.
const AGE_MAGIC: &[u8] = b"age-encryption.org/";
/// The environment variable a passphrase is taken from before asking.
pub const PASSPHRASE_VAR: &str = "FIELDWORK_SYNC_PASSPHRASE";
/// Buffer size for streaming a payload in and out (age encrypts 64 KiB chunks).
const BUF: usize = 256 * 1024;

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

fn now_utc() -> String {
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

fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> BundleError {
    let context = context.into();
    move |source| BundleError::Io { context, source }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

// ----------------------------------------------------------------------------------------
// Keys

pub use super::keys::parse_recipient;

fn encryptor(seal: &Seal) -> Result<age::Encryptor> {
    match seal {
        Seal::Passphrase(p) => {
            if p.expose_secret().is_empty() {
                return Err(BundleError::Passphrase("the passphrase is empty".into()));
            }
            Ok(age::Encryptor::with_user_passphrase(p.clone()))
        }
        Seal::Recipients(keys) => {
            if keys.is_empty() {
                return Err(BundleError::Recipient {
                    key: String::new(),
                    why: "no recipients to encrypt to".into(),
                });
            }
            let parsed = keys
                .iter()
                .map(|k| {
                    parse_recipient(k).map_err(|why| BundleError::Recipient {
                        key: k.clone(),
                        why,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            age::Encryptor::with_recipients(parsed.iter().map(|r| r as &dyn age::Recipient))
                .map_err(|e| BundleError::Recipient {
                    key: keys.join(", "),
                    why: e.to_string(),
                })
        }
    }
}

/// The identities in age identity files, each error naming its file.
fn load_identities(paths: &[PathBuf]) -> Result<Vec<Box<dyn age::Identity + Send + Sync>>> {
    if paths.is_empty() {
        return Err(BundleError::Identity {
            path: String::new(),
            why: "no identity file given".into(),
        });
    }
    let mut out = Vec::new();
    for p in paths {
        let name = p.display().to_string();
        let ident = |why: String| BundleError::Identity {
            path: name.clone(),
            why,
        };
        let meta = std::fs::metadata(p).map_err(|e| ident(format!("cannot be read ({e})")))?;
        if !meta.is_file() {
            return Err(ident("is not a regular file".into()));
        }
        let file = age::IdentityFile::from_file(name.clone())
            .map_err(|e| ident(format!("is not an age identity file ({e})")))?;
        let ids = file
            .into_identities()
            .map_err(|e| ident(format!("cannot be used ({e})")))?;
        if ids.is_empty() {
            return Err(ident(
                "holds no identity (an `AGE-SECRET-KEY-1…` line)".into(),
            ));
        }
        out.extend(ids);
    }
    Ok(out)
}

/// Write a new age identity (0600; never over an existing file) and return its public key.
pub fn generate_identity(out: &Path) -> Result<String> {
    let id = age::x25519::Identity::generate();
    let public = id.to_public().to_string();
    let text = format!(
        "# fieldwork sync identity, created {}\n# public key: {public}\n{}\n",
        now_utc(),
        id.to_string().expose_secret()
    );
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        files::create_dir_all(dir, Modes::OWNER_ONLY)
            .map_err(io_err(format!("creating {}", dir.display())))?;
    }
    match files::write_new(out, text.as_bytes(), Modes::OWNER_ONLY) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(BundleError::Exists {
            path: out.display().to_string(),
        }),
        r => r.map_err(io_err(format!("writing {}", out.display()))),
    }?;
    Ok(public)
}

/// A passphrase: `FIELDWORK_SYNC_PASSPHRASE`, or asked on the terminal without echo
/// (twice when `confirm`, to catch a typo before anything is sealed with it).
pub fn passphrase(purpose: &str, confirm: bool) -> Result<SecretString> {
    if let Some(p) = std::env::var_os(PASSPHRASE_VAR).filter(|v| !v.is_empty()) {
        return p.into_string().map(SecretString::from).map_err(|_| {
            BundleError::Passphrase(format!("{PASSPHRASE_VAR} is not valid UTF-8 text"))
        });
    }
    if !io::stdin().is_terminal() {
        return Err(BundleError::Passphrase(format!(
            "a passphrase is needed to {purpose}, and there is no terminal to ask on: set {PASSPHRASE_VAR}, or configure `[sync] recipients` and `[sync] identity` (docs/sync.md)"
        )));
    }
    let ask = |prompt: &str| {
        rpassword::prompt_password(prompt).map_err(|e| {
            BundleError::Passphrase(format!("cannot read a passphrase from the terminal: {e}"))
        })
    };
    let first = ask(&format!("fieldwork: passphrase to {purpose}: "))?;
    if first.is_empty() {
        return Err(BundleError::Passphrase(
            "the passphrase is empty; nothing was done".into(),
        ));
    }
    if confirm {
        let again = ask("fieldwork: the same passphrase again: ")?;
        if again != first {
            return Err(BundleError::Passphrase(
                "the two passphrases differ; nothing was done".into(),
            ));
        }
    }
    Ok(SecretString::from(first))
}

/// How to seal, from the configuration: `[sync] recipients` when set, else a passphrase
/// (the environment variable, or asked twice on the terminal).
pub fn seal_from_config(cfg: &LoadedConfig) -> Result<Seal> {
    let keys = &cfg.config.sync.recipients;
    if !keys.is_empty() {
        return Ok(Seal::Recipients(
            keys.iter().map(|k| k.trim().to_string()).collect(),
        ));
    }
    Ok(Seal::Passphrase(passphrase("encrypt with", true)?))
}

/// How to open, from the configuration: `[sync] identity` when set, else a passphrase.
pub fn unseal_from_config(cfg: &LoadedConfig) -> Result<Unseal> {
    match cfg.sync_identity() {
        Some(id) => Ok(Unseal::Identities(vec![id])),
        None => Ok(Unseal::Passphrase(passphrase("decrypt with", false)?)),
    }
}

/// How to open the bundle at `path`: a passphrase if it was sealed with one, else the
/// configured identity (an error saying so when none is configured). Nothing is asked
/// before the file is known to be an age file.
pub fn unseal_for(path: &Path, cfg: &LoadedConfig) -> Result<Unseal> {
    let name = path.display().to_string();
    let input = open_file(path)?;
    let d = decryptor(&name, BufReader::new(input))?;
    if d.is_scrypt() {
        return Ok(Unseal::Passphrase(passphrase(
            &format!("decrypt {name}"),
            false,
        )?));
    }
    match cfg.sync_identity() {
        Some(id) => Ok(Unseal::Identities(vec![id])),
        None => Err(BundleError::NeedsIdentity { path: name }),
    }
}

/// Whether the file at `path` is an age-encrypted file (starts like one); `false` for a
/// shorter or other file. For front ends that accept both plain and encrypted files.
pub fn is_encrypted(path: &Path) -> io::Result<bool> {
    let mut f = File::open(path)?;
    let mut start = [0u8; AGE_MAGIC.len()];
    let n = read_full(&mut f, &mut start)?;
    Ok(n == start.len() && start == AGE_MAGIC)
}

// ----------------------------------------------------------------------------------------
// Writing

/// Write `payload` as a bundle at `path` (which must not exist), sealed with `seal`.
/// Fills the header's `format`, `payload_len`, `payload_sha256` (and `created_at` when
/// empty) and returns it. The payload is encrypted as it is streamed to disk.
pub fn write_bundle(
    path: &Path,
    header: BundleHeader,
    payload: &[u8],
    seal: &Seal,
) -> Result<BundleHeader> {
    let header = complete(header, payload.len() as u64, hex(&Sha256::digest(payload)));
    write_raw(path, FORMAT, &header, seal, |w| w.write_all(payload))
}

/// [`write_bundle`] with the payload read from a file (e.g. a database copy): read twice,
/// once to hash it and once to encrypt it, never held in memory. The file must not change
/// in between (refused if its length does).
pub fn write_bundle_from_file(
    path: &Path,
    header: BundleHeader,
    payload: &Path,
    seal: &Seal,
) -> Result<BundleHeader> {
    let pname = payload.display().to_string();
    let mut f = File::open(payload).map_err(io_err(format!("reading {pname}")))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; BUF];
    let mut len = 0u64;
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_err(format!("reading {pname}"))(e)),
        };
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    drop(buf);
    let header = complete(header, len, hex(&hasher.finalize()));
    write_raw(path, FORMAT, &header, seal, |w| {
        let mut f = File::open(payload)?;
        let copied = copy_exact(&mut f, w, len)?;
        if copied != len {
            return Err(io::Error::other(format!(
                "{pname} changed while it was being encrypted"
            )));
        }
        Ok(())
    })
}

fn complete(mut header: BundleHeader, len: u64, sha: String) -> BundleHeader {
    header.format = FORMAT;
    header.payload_len = len;
    header.payload_sha256 = sha;
    if header.created_at.is_empty() {
        header.created_at = now_utc();
    }
    header
}

/// Copy at most `len` bytes (then check that nothing follows), returning how many.
fn copy_exact(r: &mut impl Read, w: &mut dyn Write, len: u64) -> io::Result<u64> {
    let mut buf = vec![0u8; BUF];
    let mut done = 0u64;
    while done < len {
        let want = (len - done).min(BUF as u64) as usize;
        let n = match r.read(&mut buf[..want]) {
            Ok(0) => return Ok(done),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        w.write_all(&buf[..n])?;
        done += n as u64;
    }
    // One byte more means the file grew.
    let mut one = [0u8; 1];
    if read_full(r, &mut one)? > 0 {
        return Ok(done + 1);
    }
    Ok(done)
}

/// The file written first, beside `path`, then moved to it.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "bundle".into());
    let tag = uuid::Uuid::new_v4().simple().to_string();
    path.with_file_name(format!(".{name}.{}.tmp", &tag[..12]))
}

/// Write the bundle with the given outer format number and header as they are (the
/// caller has filled the payload fields). `payload` streams the payload into the
/// encryption.
fn write_raw(
    path: &Path,
    format: u32,
    header: &BundleHeader,
    seal: &Seal,
    payload: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<BundleHeader> {
    let name = path.display().to_string();
    // Keys first: a bad key leaves no file behind.
    let enc = encryptor(seal)?;
    let json = serde_json::to_vec(header).map_err(|e| BundleError::Io {
        context: format!("writing {name}"),
        source: io::Error::other(e),
    })?;
    if json.len() > MAX_HEADER as usize {
        return Err(BundleError::Io {
            context: format!("writing {name}"),
            source: io::Error::other("the header is larger than 4 MiB"),
        });
    }
    if path.exists() {
        return Err(BundleError::Exists { path: name });
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        files::create_dir_all(dir, Modes::OWNER_ONLY)
            .map_err(io_err(format!("creating {}", dir.display())))?;
    }
    let tmp = temp_path(path);
    let file = files::create_new(&tmp, Modes::OWNER_ONLY)
        .map_err(io_err(format!("creating {}", tmp.display())))?;
    let result = (|| -> io::Result<()> {
        let mut w = enc.wrap_output(BufWriter::with_capacity(BUF, file))?;
        w.write_all(MAGIC)?;
        w.write_all(&format.to_le_bytes())?;
        w.write_all(&(json.len() as u32).to_le_bytes())?;
        w.write_all(&json)?;
        payload(&mut w)?;
        let file = w.finish()?.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()
    })();
    let result = result
        .map_err(io_err(format!("writing {name}")))
        .and_then(|()| publish(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map(|()| header.clone())
}

/// Give the finished temporary file its final name, never over an existing file: a hard
/// link (which fails if the name exists) then removing the temporary name; where links are
/// not supported (FAT, some network shares), a rename after checking the name is free.
fn publish(tmp: &Path, path: &Path) -> Result<()> {
    let name = path.display().to_string();
    match std::fs::hard_link(tmp, path) {
        Ok(()) => {
            let _ = std::fs::remove_file(tmp);
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            return Err(BundleError::Exists { path: name })
        }
        Err(_) => {
            if path.exists() {
                return Err(BundleError::Exists { path: name });
            }
            std::fs::rename(tmp, path).map_err(io_err(format!("writing {name}")))?;
        }
    }
    // Make the new name durable too.
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

// ----------------------------------------------------------------------------------------
// Reading

/// Read and check the bundle at `path`: decrypt, check the format, the header and the
/// payload's length and SHA-256. Returns the header and the payload.
pub fn read_bundle(path: &Path, unseal: &Unseal) -> Result<(BundleHeader, Vec<u8>)> {
    let name = path.display().to_string();
    let file = open_file(path)?;
    let size = file.metadata().map(|m| m.len()).ok();
    read_from(&name, BufReader::with_capacity(BUF, file), size, unseal)
}

/// [`read_bundle`] on bytes in memory (`name` is used in messages).
pub fn read_bundle_bytes(
    name: &str,
    bytes: &[u8],
    unseal: &Unseal,
) -> Result<(BundleHeader, Vec<u8>)> {
    read_from(name, bytes, Some(bytes.len() as u64), unseal)
}

/// [`read_bundle`] streaming the payload into `out` instead of memory (e.g. a database
/// file for a restore). On an error, what was written to `out` must be thrown away: the
/// checks complete only at the end.
pub fn read_bundle_into(path: &Path, unseal: &Unseal, out: &mut dyn Write) -> Result<BundleHeader> {
    let name = path.display().to_string();
    let file = open_file(path)?;
    let mut r = open_stream(&name, BufReader::with_capacity(BUF, file), unseal)?;
    let header = r.header.clone();
    r.payload_into(out)?;
    Ok(header)
}

/// Only the header of the bundle at `path` (decrypts its first chunk). The payload is not
/// checked: use it to decide whether to read the rest.
pub fn read_bundle_header(path: &Path, unseal: &Unseal) -> Result<BundleHeader> {
    let name = path.display().to_string();
    let file = open_file(path)?;
    Ok(open_stream(&name, BufReader::new(file), unseal)?.header)
}

fn open_file(path: &Path) -> Result<File> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => BundleError::Unreadable {
            path: name.clone(),
            why: "there is no such file".into(),
        },
        _ => io_err(format!("reading {name}"))(e),
    })?;
    if !meta.is_file() {
        return Err(BundleError::NotABundle {
            path: name,
            why: "it is not a regular file".into(),
        });
    }
    File::open(path).map_err(io_err(format!("reading {name}")))
}

fn read_from<R: BufRead>(
    name: &str,
    input: R,
    size: Option<u64>,
    unseal: &Unseal,
) -> Result<(BundleHeader, Vec<u8>)> {
    let mut r = open_stream(name, input, unseal)?;
    // The header is authenticated, but a length beyond the file is still not believed
    // for the allocation (the payload cannot be longer than its ciphertext).
    let cap = r.header.payload_len.min(size.unwrap_or(0)) as usize;
    let mut payload = Vec::with_capacity(cap);
    r.payload_into(&mut payload)?;
    let header = r.header;
    Ok((header, payload))
}

/// A decrypted bundle positioned at its payload.
struct Opened<'n, R: BufRead> {
    name: &'n str,
    header: BundleHeader,
    stream: age::stream::StreamReader<R>,
}

impl<R: BufRead> Opened<'_, R> {
    /// Stream the payload into `out`, then check its length, the end of the file and the
    /// checksum.
    fn payload_into(&mut self, out: &mut dyn Write) -> Result<()> {
        let name = self.name;
        let len = self.header.payload_len;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; BUF];
        let mut done = 0u64;
        while done < len {
            let want = (len - done).min(BUF as u64) as usize;
            let n =
                read_full(&mut self.stream, &mut buf[..want]).map_err(|e| corrupted(name, e))?;
            if n == 0 {
                return Err(BundleError::Corrupted {
                    path: name.into(),
                    why: format!("its payload ends after {done} of {len} bytes"),
                });
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n])
                .map_err(io_err(format!("reading {name}")))?;
            done += n as u64;
        }
        // Read to the end: this is where age checks that the last chunk is the last.
        let mut one = [0u8; 1];
        match read_full(&mut self.stream, &mut one) {
            Ok(0) => {}
            Ok(_) => {
                return Err(BundleError::Corrupted {
                    path: name.into(),
                    why: "there is data after its payload".into(),
                })
            }
            Err(e) => return Err(corrupted(name, e)),
        }
        let found = hex(&hasher.finalize());
        if !found.eq_ignore_ascii_case(&self.header.payload_sha256) {
            return Err(BundleError::Checksum {
                path: name.into(),
                expected: self.header.payload_sha256.clone(),
                found,
            });
        }
        Ok(())
    }
}

/// A read error inside the encryption: age's STREAM refuses a cut or altered file.
fn corrupted(name: &str, e: io::Error) -> BundleError {
    let why = match e.kind() {
        io::ErrorKind::UnexpectedEof => "it ends before its last encrypted chunk".to_string(),
        io::ErrorKind::InvalidData => "an encrypted chunk fails authentication".to_string(),
        _ => return io_err(format!("reading {name}"))(e),
    };
    BundleError::Corrupted {
        path: name.into(),
        why,
    }
}

/// Fill `buf` as far as the reader goes; the count is short only at the end.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Check the file's first bytes and parse its age header.
fn decryptor<R: BufRead>(name: &str, mut input: R) -> Result<age::Decryptor<R>> {
    let not = |why: &str| BundleError::NotABundle {
        path: name.into(),
        why: why.into(),
    };
    let start = input
        .fill_buf()
        .map_err(io_err(format!("reading {name}")))?;
    if start.is_empty() {
        return Err(not("the file is empty"));
    }
    let n = start.len().min(AGE_MAGIC.len());
    if start[..n] != AGE_MAGIC[..n] {
        return Err(
            if start.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----") {
                not("it is an ASCII-armored age file; fieldwork bundles are binary age files")
            } else if start.starts_with(b"SQLite format 3\0") {
                not("it is an unencrypted SQLite database, not an encrypted bundle")
            } else {
                not("it is not an age-encrypted file")
            },
        );
    }
    match age::Decryptor::new_buffered(input) {
        Ok(d) => Ok(d),
        Err(age::DecryptError::UnknownFormat) => Err(not(
            "it is an age file of a version this fieldwork does not read",
        )),
        Err(age::DecryptError::Io(e)) if e.kind() != io::ErrorKind::UnexpectedEof => {
            Err(io_err(format!("reading {name}"))(e))
        }
        Err(_) => Err(BundleError::Corrupted {
            path: name.into(),
            why: "its age header is damaged or cut short".into(),
        }),
    }
}

/// Decrypt, and read the magic, the format and the header.
fn open_stream<'n, R: BufRead>(name: &'n str, input: R, unseal: &Unseal) -> Result<Opened<'n, R>> {
    let d = decryptor(name, input)?;
    let stream = match unseal {
        Unseal::Passphrase(p) => {
            if !d.is_scrypt() {
                return Err(BundleError::NeedsIdentity { path: name.into() });
            }
            let id = age::scrypt::Identity::new(p.clone());
            d.decrypt(std::iter::once(&id as &dyn age::Identity))
                .map_err(|e| decrypt_error(name, e, unseal))?
        }
        Unseal::Identities(paths) => {
            if d.is_scrypt() {
                return Err(BundleError::NeedsPassphrase { path: name.into() });
            }
            let ids = load_identities(paths)?;
            d.decrypt(ids.iter().map(|i| i.as_ref() as &dyn age::Identity))
                .map_err(|e| decrypt_error(name, e, unseal))?
        }
    };
    let mut stream = stream;
    let not = |why: String| BundleError::NotABundle {
        path: name.into(),
        why,
    };
    let mut magic = [0u8; 8];
    let n = read_full(&mut stream, &mut magic).map_err(|e| corrupted(name, e))?;
    if n < magic.len() || &magic != MAGIC {
        return Err(not(
            "it is an age-encrypted file, but what it holds is not a fieldwork bundle".into(),
        ));
    }
    let mut word = [0u8; 4];
    let mut read_u32 = |what: &str| -> Result<u32> {
        let n = read_full(&mut stream, &mut word).map_err(|e| corrupted(name, e))?;
        if n < 4 {
            return Err(BundleError::Corrupted {
                path: name.into(),
                why: format!("it ends inside its {what}"),
            });
        }
        Ok(u32::from_le_bytes(word))
    };
    let format = read_u32("format number")?;
    if format > FORMAT {
        return Err(BundleError::NewerFormat {
            path: name.into(),
            found: format,
            supported: FORMAT,
        });
    }
    if format == 0 {
        return Err(not("its format number is 0".into()));
    }
    let hlen = read_u32("header length")?;
    if hlen > MAX_HEADER {
        return Err(not(format!(
            "its header claims {hlen} bytes, more than the 4 MiB a bundle header may have"
        )));
    }
    let mut json = vec![0u8; hlen as usize];
    let n = read_full(&mut stream, &mut json).map_err(|e| corrupted(name, e))?;
    if n < json.len() {
        return Err(BundleError::Corrupted {
            path: name.into(),
            why: format!("it ends inside its header ({n} of {hlen} bytes)"),
        });
    }
    let header: BundleHeader = serde_json::from_slice(&json)
        .map_err(|e| not(format!("its header does not parse ({e})")))?;
    if header.format != format {
        return Err(not(format!(
            "its header says format {} inside a format {format} file",
            header.format
        )));
    }
    if header.payload_sha256.len() != 64
        || !header.payload_sha256.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(not("its header has no valid payload SHA-256".into()));
    }
    Ok(Opened {
        name,
        header,
        stream,
    })
}

fn decrypt_error(name: &str, e: age::DecryptError, unseal: &Unseal) -> BundleError {
    use age::DecryptError as D;
    let path = name.to_string();
    match (e, unseal) {
        (D::NoMatchingKeys | D::DecryptionFailed | D::KeyDecryptionFailed, Unseal::Passphrase(_)) => {
            BundleError::WrongPassphrase { path }
        }
        (D::NoMatchingKeys | D::DecryptionFailed | D::KeyDecryptionFailed, Unseal::Identities(p)) => {
            BundleError::NoMatchingIdentity {
                path,
                identities: p
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        }
        (D::InvalidMac | D::InvalidHeader, _) => BundleError::Corrupted {
            path,
            why: "its age header fails authentication".into(),
        },
        (D::ExcessiveWork { required, target }, _) => BundleError::Unreadable {
            path,
            why: format!(
                "its passphrase work factor (2^{required}) is far above this machine's (2^{target}); refused rather than spend minutes on it"
            ),
        },
        (D::Io(e), _) => corrupted(name, e),
        (other, _) => BundleError::Unreadable {
            path,
            why: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests;
