//! Reading export outputs for disclosure scans: every file, with zip/XLSX parts unpacked.

use std::io::Read;
use std::path::Path;

/// Every file under `path` as (name, text), with XLSX/ZIP parts unpacked.
pub fn contents(path: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if path.is_dir() {
        for e in std::fs::read_dir(path).unwrap() {
            out.extend(contents(&e.unwrap().path()));
        }
        return out;
    }
    let bytes = std::fs::read(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    if bytes.starts_with(b"PK") {
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        for i in 0..z.len() {
            let mut f = z.by_index(i).unwrap();
            let mut s = String::new();
            f.read_to_string(&mut s).unwrap();
            out.push((format!("{name}!{}", f.name()), s));
        }
    } else {
        out.push((name.clone(), String::from_utf8_lossy(&bytes).into_owned()));
    }
    out
}

/// Zero hits of any identifier in any file, part or file name under `dir`.
pub fn assert_no_identifiers(dir: &Path, ids: &[String]) {
    let files = contents(dir);
    assert!(!files.is_empty());
    for (name, text) in &files {
        let t = text.to_lowercase();
        let n = name.to_lowercase();
        for id in ids {
            assert!(!t.contains(id.as_str()), "{name} contains `{id}`");
            assert!(!n.contains(id.as_str()), "file name {name} contains `{id}`");
        }
    }
}
