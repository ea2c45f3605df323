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

#[cfg(test)]
mod tests;

mod header;
mod read;
mod seal;
mod write;

pub use header::*;
pub use read::*;
pub use seal::*;
pub use write::*;
