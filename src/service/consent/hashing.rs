//! Hashing consent forms (sha256 of a file or bytes).

use std::path::Path;

use sha2::{Digest, Sha256};

/// A hex SHA-256 of a file.
pub fn sha256_file(path: &Path) -> std::io::Result<(String, u64)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        h.update(&buf[..n]);
    }
    Ok((hex(&h.finalize()), size))
}

/// The hex SHA-256 and size of bytes already in memory (a file just read).
pub fn sha256_bytes(bytes: &[u8]) -> (String, u64) {
    (hex(&Sha256::digest(bytes)), bytes.len() as u64)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
