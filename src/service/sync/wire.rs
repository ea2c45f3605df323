//! What travels: the bundle's description, the changes payload's encoding, the bundle file,
//! and the reports and choices of the sync commands.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::service::{invalid, Result};
use crate::store::sync::Batch;
use crate::store::sync::{Device, Peer};
use crate::sync::bundle::Seal;

/// The first 8 characters of an id, as shown to people.
pub fn short(id: &str) -> &str {
    &id[..id.len().min(8)]
}

/// What a bundle file says about itself (the bundle header's fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundleInfo {
    pub kind: BundleKind,
    pub device_id: String,
    pub device_name: String,
    pub first_seq: i64,
    pub last_seq: i64,
    pub schema_version: i32,
    pub created_at: String,
    /// Changes: `{"depends": {device: seq}}` (what the sender had applied of others);
    /// snapshot: `{"seen": {device: seq}}` (the same for the copied database).
    pub extra: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BundleKind {
    Changes,
    Snapshot,
}

/// One outbox entry as sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: i64,
    pub created_at: String,
    pub depends: BTreeMap<String, i64>,
    #[serde(skip)]
    pub changeset: Vec<u8>,
}

pub(super) const PAYLOAD_MAGIC: &[u8] = b"FWCHANGES1\n";

/// The payload of a changes bundle: the entries, each a JSON line of its metadata and
/// its changeset's bytes (length-prefixed).
pub fn encode_entries(entries: &[Entry]) -> Vec<u8> {
    let mut out = PAYLOAD_MAGIC.to_vec();
    out.extend_from_slice(&(entries.len() as u64).to_le_bytes());
    for e in entries {
        let meta = serde_json::to_vec(e).unwrap_or_default();
        out.extend_from_slice(&(meta.len() as u64).to_le_bytes());
        out.extend_from_slice(&meta);
        out.extend_from_slice(&(e.changeset.len() as u64).to_le_bytes());
        out.extend_from_slice(&e.changeset);
    }
    out
}

pub fn decode_entries(bytes: &[u8]) -> std::result::Result<Vec<Entry>, String> {
    let rest = bytes
        .strip_prefix(PAYLOAD_MAGIC)
        .ok_or("not a changes payload")?;
    let mut pos = 0usize;
    let mut take = |n: usize| -> std::result::Result<&[u8], String> {
        let end = pos
            .checked_add(n)
            .filter(|e| *e <= rest.len())
            .ok_or("the payload is cut short")?;
        let s = &rest[pos..end];
        pos = end;
        Ok(s)
    };
    let u64le = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])) as usize;
    let n = u64le(take(8)?);
    let mut out = Vec::with_capacity(n.min(1 << 16));
    for _ in 0..n {
        let m = u64le(take(8)?);
        let mut e: Entry =
            serde_json::from_slice(take(m)?).map_err(|e| format!("damaged entry: {e}"))?;
        let c = u64le(take(8)?);
        e.changeset = take(c)?.to_vec();
        out.push(e);
    }
    Ok(out)
}

/// Bundle files through `sync::bundle` (age-encrypted; header and payload checked).
pub(super) mod file {
    use super::*;
    use crate::sync::bundle::{self, BundleHeader, Seal, Unseal};

    fn header(info: &BundleInfo) -> BundleHeader {
        let kind = match info.kind {
            BundleKind::Changes => bundle::BundleKind::Changes,
            BundleKind::Snapshot => bundle::BundleKind::Snapshot,
        };
        let mut h = BundleHeader::new(kind, info.schema_version);
        h.device_id = info.device_id.clone();
        h.device_name = info.device_name.clone();
        h.first_seq = info.first_seq;
        h.last_seq = info.last_seq;
        h.created_at = info.created_at.clone();
        h.extra = info.extra.clone();
        h
    }

    fn info(path: &Path, h: BundleHeader) -> Result<BundleInfo> {
        let kind = match h.kind {
            bundle::BundleKind::Changes => BundleKind::Changes,
            bundle::BundleKind::Snapshot => BundleKind::Snapshot,
            bundle::BundleKind::Backup => {
                return Err(invalid(
                    path.display().to_string(),
                    "this is an encrypted backup, not a sync bundle: restore it with `fieldwork restore`; nothing was changed",
                ))
            }
        };
        Ok(BundleInfo {
            kind,
            device_id: h.device_id,
            device_name: h.device_name,
            first_seq: h.first_seq,
            last_seq: h.last_seq,
            schema_version: h.schema_version,
            created_at: h.created_at,
            extra: h.extra,
        })
    }

    pub fn write(path: &Path, i: &BundleInfo, payload: &[u8], seal: &Seal) -> Result<()> {
        bundle::write_bundle(path, header(i), payload, seal)?;
        Ok(())
    }

    pub fn write_from_file(path: &Path, i: &BundleInfo, payload: &Path, seal: &Seal) -> Result<()> {
        bundle::write_bundle_from_file(path, header(i), payload, seal)?;
        Ok(())
    }

    pub fn read(path: &Path, unseal: &Unseal) -> Result<(BundleInfo, Vec<u8>)> {
        let (h, payload) = bundle::read_bundle(path, unseal)?;
        Ok((info(path, h)?, payload))
    }
}

/// Write a bundle (for tools and tests that need one made by hand, e.g. from another
/// schema version).
pub fn write_bundle(path: &Path, info: &BundleInfo, payload: &[u8], seal: &Seal) -> Result<()> {
    file::write(path, info, payload, seal)
}

/// What `sync export` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    pub file: Option<String>,
    pub device_id: String,
    pub first_seq: i64,
    pub last_seq: i64,
    pub changes: usize,
}

/// What `sync import` did, per file.
#[derive(Debug, Clone, Serialize)]
pub struct ImportedFile {
    pub file: String,
    pub device_id: String,
    pub person: String,
    pub batch: Option<String>,
    pub applied: Vec<i64>,
    pub skipped: usize,
    pub conflicts: usize,
}

/// `sync status`.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub device: Device,
    pub last_seq: i64,
    pub unsent: i64,
    pub peers: Vec<Peer>,
    pub open_conflicts: i64,
    pub batches: Vec<Batch>,
}

/// How a conflict is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Keep {
    Mine,
    Theirs,
    Both,
}

impl Keep {
    pub fn as_str(self) -> &'static str {
        match self {
            Keep::Mine => "mine",
            Keep::Theirs => "theirs",
            Keep::Both => "both",
        }
    }
}

impl std::str::FromStr for Keep {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Keep, String> {
        match s {
            "mine" => Ok(Keep::Mine),
            "theirs" => Ok(Keep::Theirs),
            "both" => Ok(Keep::Both),
            _ => Err(format!("`{s}`: choose mine, theirs or both")),
        }
    }
}

/// Separator of the two texts kept by `--keep both`.
pub const BOTH_SEPARATOR: &str = "\n--- the other laptop's version ---\n";
