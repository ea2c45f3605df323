//! Reading a bundle: decrypting, checking the header, the length and the SHA-256 of the
//! payload.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::{header::*, seal::*};
use crate::config::LoadedConfig;

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

pub(super) fn open_file(path: &Path) -> Result<File> {
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

pub(super) fn read_from<R: BufRead>(
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
pub(super) struct Opened<'n, R: BufRead> {
    pub(super) name: &'n str,
    pub(super) header: BundleHeader,
    pub(super) stream: age::stream::StreamReader<R>,
}

impl<R: BufRead> Opened<'_, R> {
    /// Stream the payload into `out`, then check its length, the end of the file and the
    /// checksum.
    pub(super) fn payload_into(&mut self, out: &mut dyn Write) -> Result<()> {
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
pub(super) fn corrupted(name: &str, e: io::Error) -> BundleError {
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
pub(super) fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
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
pub(super) fn decryptor<R: BufRead>(name: &str, mut input: R) -> Result<age::Decryptor<R>> {
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
pub(super) fn open_stream<'n, R: BufRead>(
    name: &'n str,
    input: R,
    unseal: &Unseal,
) -> Result<Opened<'n, R>> {
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

pub(super) fn decrypt_error(name: &str, e: age::DecryptError, unseal: &Unseal) -> BundleError {
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
