//! Keys and passphrases: encrypting to recipients or a passphrase, identities, what the
//! configuration asks for.

use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};

use age::secrecy::{ExposeSecret, SecretString};

use super::header::*;
use crate::config::LoadedConfig;
use crate::export::files::{self, Modes};

// ----------------------------------------------------------------------------------------
// Keys

pub use crate::sync::keys::parse_recipient;

pub(super) fn encryptor(seal: &Seal) -> Result<age::Encryptor> {
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
pub(super) fn load_identities(
    paths: &[PathBuf],
) -> Result<Vec<Box<dyn age::Identity + Send + Sync>>> {
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
