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
#[allow(dead_code)]
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

/// The scanner's own normalisation, written apart from the redactor's (a scanner that
/// shares the redactor's normalisation misses what the redactor misses): XML character
/// references and entities decoded, NFKC, invisible characters removed (soft hyphen,
/// zero-width space and joiners, word joiner, BOM), accents dropped (NFD without combining
/// marks: an intruder reads "Zoe" in "Zoë"), lower case, typographic apostrophes straight,
/// white space collapsed.
#[allow(dead_code)]
pub fn intruder_normalise(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    // Tolerant: a stray `&` ("A&E" in a CSV) leaves the rest decoded.
    let entity = regex::Regex::new(r"&(#[xX][0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);").unwrap();
    let decoded = entity.replace_all(s, |c: &regex::Captures| {
        let e = &c[1];
        let ch = match e {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            _ => e[1..].parse().ok().and_then(char::from_u32),
        };
        ch.map(String::from).unwrap_or_else(|| c[0].to_string())
    });
    let nfkc: String = decoded
        .nfkc()
        .filter(|c| {
            !matches!(
                c,
                '\u{ad}' | '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}'
            )
        })
        .collect();
    let bare: String = nfkc
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase()
        .replace(['\u{2019}', '\u{2018}', '\u{2bc}'], "'")
        .replace('ł', "l")
        .replace('ø', "o")
        .replace('ı', "i")
        .replace(['đ', 'ð'], "d")
        .replace('ß', "ss")
        .replace('æ', "ae")
        .replace('œ', "oe");
    bare.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What a motivated intruder finds in `files` (from [`contents`]): every whole-word
/// occurrence of `words` after NFKC normalisation, case folding and collapsing white space
/// (so a name split across a line break is found; see [`intruder_normalise`], which does
/// not share the redactor's code), and every run of digits and separators
/// whose digits, without a `+44`/`0044` prefix and trunk `0`, are one of `phones` (national
/// digits). Returns "file: what" for each hit (test output only: synthetic names).
#[allow(dead_code)]
pub fn leaks(files: &[(String, String)], words: &[String], phones: &[String]) -> Vec<String> {
    // Digits with anything but letters and digits between them (typographic dashes, minus
    // signs, brackets, slashes, line breaks): wider than the redactor's own pattern.
    let digit_run = regex::Regex::new(r"\+?\d(?:[^\p{L}\p{N}]{0,4}\d)*").unwrap();
    let mut out = Vec::new();
    for (name, text) in files {
        for (what, t) in [("content", text.as_str()), ("file name", name.as_str())] {
            let norm = intruder_normalise(t);
            for w in words {
                let w = intruder_normalise(w);
                // Whole words; a word in a script written without spaces (Han, kana,
                // Hangul with its particles) is found next to other letters too.
                let unspaced = |c: char| {
                    matches!(c as u32, 0x1100..=0x11FF | 0x3040..=0x30FF | 0x3400..=0x4DBF
                        | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF)
                };
                let hit = norm.match_indices(w.as_str()).any(|(i, m)| {
                    let before = norm[..i].chars().next_back();
                    let after = norm[i + m.len()..].chars().next();
                    (!before.is_some_and(char::is_alphanumeric)
                        || m.chars().next().is_some_and(unspaced))
                        && (!after.is_some_and(char::is_alphanumeric)
                            || m.chars().next_back().is_some_and(unspaced))
                });
                if hit {
                    out.push(format!("{name} ({what}): `{w}`"));
                }
            }
            for m in digit_run.find_iter(&norm) {
                // Every sequence of the run's digit groups (other numbers may stand beside
                // the phone in one run).
                let groups: Vec<&str> = m
                    .as_str()
                    .split(|c: char| !c.is_ascii_digit())
                    .filter(|g| !g.is_empty())
                    .collect();
                let hit = (0..groups.len()).any(|i| {
                    let mut acc = String::new();
                    groups[i..].iter().any(|g| {
                        acc.push_str(g);
                        let mut d = acc.as_str();
                        if let Some(r) = d.strip_prefix("0044") {
                            d = r;
                        } else if i == 0 && m.as_str().starts_with('+') {
                            d = d.strip_prefix("44").unwrap_or(d);
                        }
                        let d = d.trim_start_matches('0');
                        phones.iter().any(|p| p == d)
                    })
                });
                if hit {
                    out.push(format!("{name} ({what}): phone {}", m.as_str()));
                }
            }
        }
    }
    out
}
