//! `import participants FILE.csv`: validate every row first, then import all in one
//! transaction, or nothing.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::participants::unique_role_clash;
use super::{Fieldwork, Result, ServiceError};
use crate::domain::{today, ParticipantInput, Status};

/// The columns an import file may have (header names are case-insensitive; `_`, `-` and
/// spaces are interchangeable).
pub const COLUMNS: &[&str] = &[
    "name",
    "role",
    "site",
    "email",
    "phone",
    "organisation",
    "job_title",
    "notes",
    "status",
    "allow_duplicate_unique_role",
];

fn normalise(h: &str) -> String {
    let h = h
        .trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_lowercase()
        .replace([' ', '-'], "_");
    match h.as_str() {
        "organization" | "org" => "organisation".into(),
        "title" | "job" | "jobtitle" => "job_title".into(),
        "e_mail" | "mail" => "email".into(),
        "site_code" => "site".into(),
        "role_code" => "role".into(),
        _ => h,
    }
}

/// The line a record starts on, as an editor shows it. (The reader's own line count skips
/// blank lines, so it drifts after one.)
fn line_of(text: &str, p: &csv::Position) -> u64 {
    let bytes = text.as_bytes();
    let start = (p.byte() as usize).min(bytes.len());
    // A record's position can be at blank lines the reader skips before it.
    let skipped = bytes[start..]
        .iter()
        .take_while(|b| **b == b'\n' || **b == b'\r')
        .filter(|b| **b == b'\n')
        .count();
    (bytes[..start].iter().filter(|b| **b == b'\n').count() + skipped + 1) as u64
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportReport {
    pub file: String,
    pub imported: usize,
    /// (line, export code, name) of every participant added.
    pub added: Vec<(u64, String, String)>,
}

impl Fieldwork {
    pub fn import_participants(&mut self, path: &Path) -> Result<ImportReport> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| match e.kind() {
            // A file that is not there is bad input, not a runtime error.
            std::io::ErrorKind::NotFound => super::invalid("file", format!("{file}: no such file")),
            _ => super::io_err(format!("reading {file}"))(e),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..at].iter().filter(|b| **b == b'\n').count() + 1;
            ServiceError::Import {
                file: file.clone(),
                problems: vec![format!(
                    "{file}:{line}: the file is not UTF-8 (first bad byte at offset {at}); save it as CSV UTF-8"
                )],
            }
        })?;
        if text.trim_start_matches('\u{feff}').trim().is_empty() {
            return Err(ServiceError::Import {
                file: file.clone(),
                problems: vec![format!(
                    "{file}: the file is empty (no header row, no participants)"
                )],
            });
        }
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(false)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = rdr
            .headers()
            .map_err(|e| ServiceError::Import {
                file: file.clone(),
                problems: vec![format!("{file}:1: cannot read the header row: {e}")],
            })?
            .iter()
            .map(normalise)
            .collect();
        let mut problems = Vec::new();
        for (i, h) in headers.iter().enumerate() {
            if !COLUMNS.contains(&h.as_str()) {
                problems.push(format!(
                    "{file}:1: column {} `{h}` is not known (valid columns: {})",
                    i + 1,
                    COLUMNS.join(", ")
                ));
            }
        }
        for required in ["name", "role", "site"] {
            if !headers.iter().any(|h| h == required) {
                problems.push(format!(
                    "{file}:1: the required column `{required}` is missing"
                ));
            }
        }
        if !problems.is_empty() {
            return Err(ServiceError::Import { file, problems });
        }
        let now = crate::domain::now_utc();
        let mut rows = Vec::new();
        let mut seen: HashSet<(String, String)> = HashSet::new();
        // The participants already there are read inside the transaction that adds the new
        // ones (released, writing nothing, when the file has problems).
        let tx = self.store.write()?;
        let existing: HashSet<(String, String)> = self
            .participants(&Default::default(), 0, usize::MAX >> 1)?
            .into_iter()
            .map(|p| (p.name.to_lowercase(), p.site.to_lowercase()))
            .collect();
        for rec in rdr.records() {
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map(|p| line_of(&text, p)).unwrap_or(0);
                    problems.push(match e.kind() {
                        csv::ErrorKind::UnequalLengths {
                            expected_len, len, ..
                        } => format!(
                            "{file}:{line}: the row has {len} field(s), but the header has {expected_len}"
                        ),
                        _ => format!("{file}:{line}: {e}"),
                    });
                    continue;
                }
            };
            let line = rec.position().map(|p| line_of(&text, p)).unwrap_or(0);
            let get = |name: &str| -> Option<String> {
                headers
                    .iter()
                    .position(|h| h == name)
                    .and_then(|i| rec.get(i))
                    .map(str::to_string)
                    .filter(|s| !s.is_empty())
            };
            if rec.iter().all(|f| f.is_empty()) {
                continue;
            }
            let status = match get("status") {
                Some(s) => match s.parse::<Status>() {
                    Ok(s) => Some(s),
                    Err(e) => {
                        problems.push(format!("{file}:{line}: field `status`: {e}"));
                        continue;
                    }
                },
                None => None,
            };
            let allow_duplicate_unique_role = match get("allow_duplicate_unique_role")
                .map(|v| v.to_ascii_lowercase())
                .as_deref()
            {
                None | Some("no" | "false" | "0") => false,
                Some("yes" | "true" | "1") => true,
                Some(other) => {
                    problems.push(format!(
                        "{file}:{line}: field `allow_duplicate_unique_role`: `{other}` is not yes or no"
                    ));
                    continue;
                }
            };
            let input = ParticipantInput {
                allow_duplicate_unique_role,
                name: get("name"),
                email: get("email"),
                phone: get("phone"),
                organisation: get("organisation"),
                job_title: get("job_title"),
                role: get("role"),
                site: get("site"),
                notes: get("notes"),
                status,
            };
            match self.new_participant_row(&input, &now) {
                Ok(row) => {
                    let key = (
                        row.name.to_lowercase(),
                        input.site.clone().unwrap_or_default().to_lowercase(),
                    );
                    if existing.contains(&key) {
                        problems.push(format!(
                            "{file}:{line}: field `name`: `{}` at site {} is already in the database",
                            row.name, key.1.to_uppercase()
                        ));
                    } else if !seen.insert(key.clone()) {
                        problems.push(format!(
                            "{file}:{line}: field `name`: `{}` at site {} appears twice in the file",
                            row.name, key.1.to_uppercase()
                        ));
                    } else {
                        rows.push((line, row, allow_duplicate_unique_role));
                    }
                }
                Err(ServiceError::Invalid { field, message }) => {
                    problems.push(format!("{file}:{line}: field `{field}`: {message}"));
                }
                Err(e) => return Err(e),
            }
        }
        if !problems.is_empty() {
            return Err(ServiceError::Import { file, problems });
        }
        if rows.is_empty() {
            return Err(ServiceError::Import {
                file: file.clone(),
                problems: vec![format!("{file}: no participant rows")],
            });
        }
        let user = self.settings.user.clone();
        // Rows are inserted in file order, so each row's check of a role unique at a site
        // sees the database as it is inside the transaction and the rows before it.
        let mut added = Vec::new();
        let mut line_of_code: HashMap<String, u64> = HashMap::new();
        for (line, row, allow) in rows {
            let name = row.name.clone();
            let clash = unique_role_clash(
                &tx,
                &self.reference,
                &row.role_id,
                &row.site_id,
                None,
                &row.status,
            )?;
            if let Some(c) = &clash {
                if !allow {
                    let holders: Vec<String> = c
                        .also_held_by
                        .iter()
                        .map(|code| match line_of_code.get(code) {
                            Some(l) => format!("line {l} of the file"),
                            None => format!("participant {code}"),
                        })
                        .collect();
                    problems.push(format!(
                        "{file}:{line}: field `role`: {} ({}) is held by one person per site, and site {} already has {}; if both really hold it, put yes in the column allow_duplicate_unique_role",
                        c.role_name, c.role, c.site, holders.join(", ")
                    ));
                    continue;
                }
            }
            let id = Self::insert_participant_tx(&tx, row, today(), &user)?;
            let code = crate::store::participants::row(&tx, &id)?
                .map(|r| r.code)
                .unwrap_or_default();
            if let Some(c) = clash {
                c.record(&tx, &user, &id)?;
            }
            line_of_code.insert(code.clone(), line);
            added.push((line, code, name));
        }
        if !problems.is_empty() {
            // Dropping the transaction rolls back the rows inserted so far.
            return Err(ServiceError::Import { file, problems });
        }
        crate::store::audit::record(
            &tx,
            &user,
            "import",
            &crate::domain::new_id(),
            "participants",
            None,
            Some(&serde_json::json!({"file": file, "rows": added.len()})),
        )?;
        tx.commit()?;
        Ok(ImportReport {
            file,
            imported: added.len(),
            added,
        })
    }
}
