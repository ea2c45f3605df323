//! Reading the text of a workbook part (for the register's check of written files).

/// The bytes of the part `member` of an empty workbook written by the XLSX library, if it
/// has one: the parts that do not depend on what a workbook holds.
pub(super) fn blank_workbook_part(member: &str) -> Option<&'static [u8]> {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    static PARTS: OnceLock<HashMap<String, Vec<u8>>> = OnceLock::new();
    PARTS
        .get_or_init(|| {
            let mut parts = HashMap::new();
            let mut wb = rust_xlsxwriter::Workbook::new();
            wb.add_worksheet();
            let Ok(bytes) = wb.save_to_buffer() else {
                return parts;
            };
            let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
                return parts;
            };
            for i in 0..zip.len() {
                use std::io::Read;
                if let Ok(mut f) = zip.by_index(i) {
                    let name = f.name().to_string();
                    let mut content = Vec::new();
                    if f.read_to_end(&mut content).is_ok() {
                        parts.insert(name, content);
                    }
                }
            }
            parts
        })
        .get(member)
        .map(Vec::as_slice)
}

/// `s` with XML's predefined entities and numeric character references resolved, when it
/// has any.
pub(super) fn xml_unescape(s: &str) -> Option<String> {
    if !s.contains('&') {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        // A reference is short: look for its `;` among the next few characters only.
        let end = tail
            .char_indices()
            .take(12)
            .find(|(_, c)| *c == ';')
            .map(|(i, _)| i);
        let decoded = end.and_then(|e| {
            let name = &tail[1..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &tail[len..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    Some(out)
}
