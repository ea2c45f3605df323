//! Writing a bundle: header and payload encrypted to a temporary file, checked, then
//! published in one rename.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{header::*, read::*, seal::*};
use crate::export::files::{self, Modes};

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

pub(super) fn complete(mut header: BundleHeader, len: u64, sha: String) -> BundleHeader {
    header.format = FORMAT;
    header.payload_len = len;
    header.payload_sha256 = sha;
    if header.created_at.is_empty() {
        header.created_at = now_utc();
    }
    header
}

/// Copy at most `len` bytes (then check that nothing follows), returning how many.
pub(super) fn copy_exact(r: &mut impl Read, w: &mut dyn Write, len: u64) -> io::Result<u64> {
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
pub(super) fn temp_path(path: &Path) -> PathBuf {
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
pub(super) fn write_raw(
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
pub(super) fn publish(tmp: &Path, path: &Path) -> Result<()> {
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
