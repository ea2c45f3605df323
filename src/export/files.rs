//! Creating the files and folders that leave the database: owner-only (0600 files, 0700
//! folders) like the database itself, unless the setting `export.anonymised_file_mode`
//! relaxes it for the anonymised outputs. Every export, its manifest, its staging file or
//! folder, and the demo's transcript files are created here. The mode is set on the open
//! file (not left to the umask), so a file replaced with `--force` also ends with it.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

use crate::config::ExportConfig;

/// Permission bits for the files and the folders one output writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Modes {
    pub file: u32,
    pub dir: u32,
}

impl Modes {
    /// Owner read/write files in owner-only folders: anything identifying, and the default.
    pub const OWNER_ONLY: Modes = Modes {
        file: 0o600,
        dir: 0o700,
    };

    /// The modes for anonymised outputs: owner-only unless the setting relaxes the file
    /// mode (then folders get `x` wherever files get `r`: 0644 → 0755, 0640 → 0750).
    pub fn anonymised(cfg: &ExportConfig) -> Modes {
        match cfg.anonymised_file_mode {
            None => Modes::OWNER_ONLY,
            Some(file) => Modes {
                file,
                dir: file | 0o700 | ((file & 0o044) >> 2),
            },
        }
    }
}

#[cfg(unix)]
fn set_file_mode(f: &File, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    f.set_permissions(std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_file_mode(_f: &File, _mode: u32) -> io::Result<()> {
    Ok(())
}

/// Create a new file (refused if it exists) with `modes.file`.
pub fn create_new(path: &Path, modes: Modes) -> io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(modes.file);
    }
    let f = o.open(path)?;
    // The umask may have taken bits away from a relaxed mode: set it exactly.
    set_file_mode(&f, modes.file)?;
    Ok(f)
}

/// Create a new file with `bytes`, flushed to disk.
pub fn write_new(path: &Path, bytes: &[u8], modes: Modes) -> io::Result<()> {
    let mut f = create_new(path, modes)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Create one folder (its parent must exist) with `modes.dir`.
pub fn create_dir(path: &Path, modes: Modes) -> io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        b.mode(modes.dir);
        b.create(path)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(modes.dir))
    }
    #[cfg(not(unix))]
    {
        b.create(path)
    }
}

/// Create a folder and any missing parents; each folder created gets `modes.dir` (folders
/// that already exist are left as they are).
pub fn create_dir_all(path: &Path, modes: Modes) -> io::Result<()> {
    if path.as_os_str().is_empty() || path.is_dir() {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        create_dir_all(parent, modes)?;
    }
    match create_dir(path, modes) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => Ok(()),
        r => r,
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn files_and_folders_are_owner_only_whatever_the_umask() {
        let d = tempfile::tempdir().unwrap();
        let deep = d.path().join("a/b/c");
        create_dir_all(&deep, Modes::OWNER_ONLY).unwrap();
        for p in [d.path().join("a"), d.path().join("a/b"), deep.clone()] {
            assert_eq!(mode(&p), 0o700, "{}", p.display());
        }
        let f = deep.join("x.csv");
        write_new(&f, b"x", Modes::OWNER_ONLY).unwrap();
        assert_eq!(mode(&f), 0o600);
        // Never over an existing file.
        assert!(write_new(&f, b"y", Modes::OWNER_ONLY).is_err());
        assert_eq!(std::fs::read(&f).unwrap(), b"x");
    }

    #[test]
    fn a_relaxed_mode_is_set_exactly_and_folders_follow_it() {
        let cfg = ExportConfig {
            anonymised_file_mode: Some(0o644),
        };
        let m = Modes::anonymised(&cfg);
        assert_eq!(
            m,
            Modes {
                file: 0o644,
                dir: 0o755
            }
        );
        let cfg = ExportConfig {
            anonymised_file_mode: Some(0o640),
        };
        assert_eq!(Modes::anonymised(&cfg).dir, 0o750);
        assert_eq!(
            Modes::anonymised(&ExportConfig::default()),
            Modes::OWNER_ONLY
        );
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("t.csv");
        write_new(&f, b"x", m).unwrap();
        assert_eq!(mode(&f), 0o644);
        let sub = d.path().join("pkg");
        create_dir(&sub, m).unwrap();
        assert_eq!(mode(&sub), 0o755);
    }
}
