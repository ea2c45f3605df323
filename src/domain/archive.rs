//! The one way fieldwork reads a ZIP archive (`.docx`, `.qdpx`): with the decompressed size
//! of each member and of the whole read capped, and damaged or truncated archives refused.
//!
//! A ZIP member's declared size can lie and deflate expands up to about 1000:1, so a
//! 1.5 MB file can unpack to 1.5 GB. Every member is read through a limit one byte above
//! its cap: the read stops there whatever the archive claims, and the file and member are
//! named in the error. An archive whose central directory is missing (truncated), whose
//! members point past its end, or whose member fails its checksum is refused.

use std::fmt;
use std::io::{Cursor, Read};

/// The most one member may unpack to (64 MiB; a long interview's `word/document.xml` is
/// a few MiB).
pub const MAX_MEMBER_BYTES: u64 = 64 << 20;
/// The most all members read from one archive may unpack to, together (256 MiB).
pub const MAX_TOTAL_BYTES: u64 = 256 << 20;
/// The most members an archive may list.
pub const MAX_MEMBERS: usize = 10_000;

/// Why an archive, or a member of it, could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveError {
    /// The archive's name as the user gave it.
    pub file: String,
    /// The member concerned, if any.
    pub member: Option<String>,
    pub message: String,
}

impl fmt::Display for ArchiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.member {
            Some(m) => write!(f, "{} (member `{m}`): {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for ArchiveError {}

/// Limits for one archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub member: u64,
    pub total: u64,
    pub members: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            member: MAX_MEMBER_BYTES,
            total: MAX_TOTAL_BYTES,
            members: MAX_MEMBERS,
        }
    }
}

/// An archive opened for capped reading.
pub struct Archive<'a> {
    zip: zip::ZipArchive<Cursor<&'a [u8]>>,
    file: String,
    limits: Limits,
    /// Bytes unpacked so far, all members together.
    read: u64,
}

impl fmt::Debug for Archive<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Archive")
            .field("file", &self.file)
            .field("members", &self.zip.len())
            .field("read", &self.read)
            .finish()
    }
}

/// Does the data start like a ZIP archive?
pub fn looks_like_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

fn mib(n: u64) -> String {
    format!("{} MiB", n >> 20)
}

impl<'a> Archive<'a> {
    /// Open an archive held in memory; `file` names it in errors.
    pub fn open(bytes: &'a [u8], file: &str) -> Result<Archive<'a>, ArchiveError> {
        Archive::with_limits(bytes, file, Limits::default())
    }

    pub fn with_limits(
        bytes: &'a [u8],
        file: &str,
        limits: Limits,
    ) -> Result<Archive<'a>, ArchiveError> {
        let fail = |message: String| ArchiveError {
            file: file.to_string(),
            member: None,
            message,
        };
        if bytes.is_empty() {
            return Err(fail("the file is empty, not a ZIP archive".into()));
        }
        let zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
            fail(if looks_like_zip(bytes) {
                format!("the ZIP archive is damaged or truncated ({e})")
            } else {
                format!("not a ZIP archive ({e})")
            })
        })?;
        if zip.len() > limits.members {
            return Err(fail(format!(
                "the archive lists {} members (at most {} are read)",
                zip.len(),
                limits.members
            )));
        }
        let mut a = Archive {
            zip,
            file: file.to_string(),
            limits,
            read: 0,
        };
        a.check_layout(bytes.len() as u64)?;
        Ok(a)
    }

    /// Every member's data must lie inside the file: a member that points past the end
    /// is what a truncated or spliced archive looks like.
    fn check_layout(&mut self, len: u64) -> Result<(), ArchiveError> {
        let mut declared: u64 = 0;
        for i in 0..self.zip.len() {
            let member = self.zip.name_for_index(i).map(str::to_string);
            let m = self.zip.by_index_raw(i).map_err(|e| ArchiveError {
                file: self.file.clone(),
                member,
                message: format!("the ZIP archive is damaged or truncated ({e})"),
            })?;
            let name = m.name().to_string();
            let end = m
                .data_start()
                .unwrap_or_else(|| m.header_start())
                .saturating_add(m.compressed_size());
            if end > len {
                return Err(ArchiveError {
                    file: self.file.clone(),
                    member: Some(name),
                    message: format!(
                        "the archive is truncated: the member's data ends at byte {end}, past the end of the file ({len} bytes)"
                    ),
                });
            }
            declared = declared.saturating_add(m.size());
        }
        if declared > self.limits.total.saturating_mul(4) {
            return Err(ArchiveError {
                file: self.file.clone(),
                member: None,
                message: format!(
                    "the archive's members declare {} MiB unpacked, more than fieldwork reads from one archive",
                    declared >> 20
                ),
            });
        }
        Ok(())
    }

    /// The names of the members, in the archive's order.
    pub fn names(&self) -> Vec<String> {
        self.zip.file_names().map(str::to_string).collect()
    }

    /// Is there a member of this name?
    pub fn contains(&self, name: &str) -> bool {
        self.zip.index_for_name(name).is_some()
    }

    /// Read one member whole, within the caps; `Ok(None)` if there is no such member.
    pub fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>, ArchiveError> {
        let Some(index) = self.zip.index_for_name(name) else {
            return Ok(None);
        };
        let file = self.file.clone();
        let fail = |message: String| ArchiveError {
            file: file.clone(),
            member: Some(name.to_string()),
            message,
        };
        let remaining = self.limits.total.saturating_sub(self.read);
        let cap = self.limits.member.min(remaining);
        let mut m = self.zip.by_index(index).map_err(|e| {
            fail(match e {
                zip::result::ZipError::UnsupportedArchive(what) => {
                    format!("cannot be read: {what}")
                }
                e => format!("the ZIP archive is damaged or truncated ({e})"),
            })
        })?;
        let too_big = |limit: u64| {
            if limit == self.limits.member {
                format!(
                    "unpacks to more than {} (the most fieldwork reads from one member of an archive)",
                    mib(limit)
                )
            } else {
                format!(
                    "the archive unpacks to more than {} in all (the most fieldwork reads from one archive)",
                    mib(self.limits.total)
                )
            }
        };
        if m.size() > cap {
            return Err(fail(too_big(cap)));
        }
        let mut out = Vec::with_capacity(m.size().min(cap) as usize);
        (&mut m)
            .take(cap + 1)
            .read_to_end(&mut out)
            .map_err(|e| fail(format!("the member is damaged or truncated ({e})")))?;
        if out.len() as u64 > cap {
            return Err(fail(too_big(cap)));
        }
        self.read += out.len() as u64;
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in members {
            z.start_file(*name, opts).unwrap();
            z.write_all(data).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    #[test]
    fn reads_members_within_the_caps() {
        let z = zip_of(&[("a.txt", b"hello"), ("b.txt", b"world")]);
        let mut a = Archive::open(&z, "t.zip").unwrap();
        assert_eq!(a.read("a.txt").unwrap().as_deref(), Some(&b"hello"[..]));
        assert_eq!(a.read("nope").unwrap(), None);
        assert_eq!(a.names(), vec!["a.txt", "b.txt"]);
    }

    #[test]
    fn a_member_over_its_cap_is_refused_with_file_and_member() {
        let big = vec![b'x'; 10_000];
        let z = zip_of(&[("word/document.xml", &big)]);
        assert!(z.len() < 1_000, "compresses well: {}", z.len());
        let limits = Limits {
            member: 4_096,
            ..Limits::default()
        };
        let mut a = Archive::with_limits(&z, "bomb.docx", limits).unwrap();
        let e = a.read("word/document.xml").unwrap_err();
        assert_eq!(e.member.as_deref(), Some("word/document.xml"));
        let s = e.to_string();
        assert!(
            s.contains("bomb.docx") && s.contains("unpacks to more than"),
            "{s}"
        );
    }

    #[test]
    fn the_total_cap_counts_every_member_read() {
        let z = zip_of(&[("a", &[1u8; 3000][..]), ("b", &[2u8; 3000][..])]);
        let limits = Limits {
            member: 4096,
            total: 5000,
            members: 10,
        };
        let mut a = Archive::with_limits(&z, "t.zip", limits).unwrap();
        a.read("a").unwrap();
        let e = a.read("b").unwrap_err().to_string();
        assert!(e.contains("in all"), "{e}");
    }

    #[test]
    fn truncated_and_foreign_archives_are_refused() {
        let z = zip_of(&[("a.txt", &[7u8; 5000][..])]);
        for cut in [z.len() / 2, z.len() - 10, 30, 4] {
            let e = Archive::open(&z[..cut], "t.zip").unwrap_err().to_string();
            assert!(e.contains("t.zip") && e.contains("truncated"), "{cut}: {e}");
        }
        let e = Archive::open(b"plain text", "t.zip")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a ZIP archive"), "{e}");
        let e = Archive::open(b"", "t.zip").unwrap_err().to_string();
        assert!(e.contains("empty"), "{e}");
    }

    #[test]
    fn a_damaged_member_fails_its_checksum() {
        let data: Vec<u8> = (0..2000u32).map(|i| (i * 7 % 251) as u8).collect();
        let z = zip_of(&[("a.bin", &data)]);
        // Flip a byte inside the compressed data (after the 30-byte local header and name).
        let mut bad = z.clone();
        let at = 30 + "a.bin".len() + 20;
        bad[at] ^= 0x55;
        let mut a = Archive::open(&bad, "t.zip").unwrap();
        let e = a.read("a.bin").unwrap_err();
        assert_eq!(e.member.as_deref(), Some("a.bin"));
        assert!(e.message.contains("damaged"), "{e}");
    }
}
