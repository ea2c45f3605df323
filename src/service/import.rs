//! `import participants FILE.csv`: validate every row first, then import all in one
//! transaction, or nothing.

use std::collections::{HashMap, HashSet};
use std::path::Path;

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
/// blank lines, so it drifts after one.) Records come in file order, so the newlines are
/// counted once, from the last record on: counting from the start of the file for every
/// record made a 100,000-row import quadratic.
struct Lines<'a> {
    bytes: &'a [u8],
    /// Bytes before `at` have been counted...
    at: usize,
    /// ...and hold this many newlines.
    newlines: u64,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        Lines {
            bytes: text.as_bytes(),
            at: 0,
            newlines: 0,
        }
    }

    fn line_of(&mut self, p: &csv::Position) -> u64 {
        let bytes = self.bytes;
        let start = (p.byte() as usize).min(bytes.len());
        if start < self.at {
            // Not in file order (never seen from the reader): count again from the start.
            self.at = 0;
            self.newlines = 0;
        }
        self.newlines += bytes[self.at..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64;
        self.at = start;
        // A record's position can be at blank lines the reader skips before it.
        let skipped = bytes[start..]
            .iter()
            .take_while(|b| **b == b'\n' || **b == b'\r')
            .filter(|b| **b == b'\n')
            .count() as u64;
        self.newlines + skipped + 1
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportReport {
    pub file: String,
    pub imported: usize,
    /// (line, export code, name) of every participant added.
    pub added: Vec<(u64, String, String)>,
}

/// How far an import has got, for a progress bar (the CLI draws one on a terminal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportProgress {
    /// Reading and validating the rows: bytes of the file read so far, of `total`.
    Validating { done: u64, total: u64 },
    /// Writing the validated rows in the one transaction: rows written so far, of `total`.
    Writing { done: u64, total: u64 },
}

/// Progress is reported every this many rows (and at the end of each stage).
const PROGRESS_EVERY: usize = 512;

/// The sync capture's changes are set aside every this many rows (see
/// [`crate::store::Write::checkpoint_capture`]).
const CAPTURE_EVERY: usize = 1024;

impl Fieldwork {
    /// Import participants from a CSV file: every row is validated first, then all are
    /// written in one transaction, or nothing.
    pub fn import_participants(&mut self, path: &Path) -> Result<ImportReport> {
        self.import_participants_with(path, &mut |_| {})
    }

    /// [`Fieldwork::import_participants`], telling `progress` how far it has got.
    ///
    /// Linear in the rows: the file is parsed once, line numbers are counted incrementally,
    /// duplicates are found with hash sets, and the names already in the database are read
    /// once, inside the write transaction, so that nobody can add one between the check
    /// and the insert.
    pub fn import_participants_with(
        &mut self,
        path: &Path,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<ImportReport> {
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
        let total_bytes = text.len() as u64;
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
        // Where each known column is, found once for the whole file.
        let column: HashMap<&str, usize> = COLUMNS
            .iter()
            .filter_map(|c| headers.iter().position(|h| h == c).map(|i| (*c, i)))
            .collect();
        let now = crate::domain::now_utc();
        // (line, problem): sorted by line at the end, so the checks against the database
        // (made later, inside the transaction) are reported in file order with the rest.
        let mut problems: Vec<(u64, String)> = Vec::new();
        let mut rows = Vec::new();
        let mut seen: HashSet<(String, String)> = HashSet::new();
        let mut lines = Lines::new(&text);
        // Site codes by id, upper-cased as messages show them.
        let site_codes: HashMap<String, String> = self
            .reference
            .sites
            .iter()
            .map(|s| (s.id.clone(), s.code.to_uppercase()))
            .collect();
        let site_code = |id: &str| site_codes.get(id).map(String::as_str).unwrap_or("?");
        progress(ImportProgress::Validating {
            done: 0,
            total: total_bytes,
        });
        for (n, rec) in rdr.records().enumerate() {
            if n % PROGRESS_EVERY == 0 {
                let done = match &rec {
                    Ok(r) => r.position().map(|p| p.byte()),
                    Err(e) => e.position().map(|p| p.byte()),
                };
                progress(ImportProgress::Validating {
                    done: done.unwrap_or(0).min(total_bytes),
                    total: total_bytes,
                });
            }
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map(|p| lines.line_of(p)).unwrap_or(0);
                    problems.push((
                        line,
                        match e.kind() {
                            csv::ErrorKind::UnequalLengths {
                                expected_len, len, ..
                            } => format!(
                                "{file}:{line}: the row has {len} field(s), but the header has {expected_len}"
                            ),
                            _ => format!("{file}:{line}: {e}"),
                        },
                    ));
                    continue;
                }
            };
            let line = rec.position().map(|p| lines.line_of(p)).unwrap_or(0);
            let get = |name: &str| -> Option<String> {
                column
                    .get(name)
                    .and_then(|i| rec.get(*i))
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
                        problems.push((line, format!("{file}:{line}: field `status`: {e}")));
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
                    problems.push((
                        line,
                        format!(
                            "{file}:{line}: field `allow_duplicate_unique_role`: `{other}` is not yes or no"
                        ),
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
                    let key = (row.name.to_lowercase(), row.site_id.clone());
                    if !seen.insert(key) {
                        problems.push((
                            line,
                            format!(
                                "{file}:{line}: field `name`: `{}` at site {} appears twice in the file",
                                row.name,
                                site_code(&row.site_id)
                            ),
                        ));
                    } else {
                        rows.push((line, row, allow_duplicate_unique_role));
                    }
                }
                Err(ServiceError::Invalid { field, message }) => {
                    problems.push((line, format!("{file}:{line}: field `{field}`: {message}")));
                }
                Err(e) => return Err(e),
            }
        }
        progress(ImportProgress::Validating {
            done: total_bytes,
            total: total_bytes,
        });
        // A page cache that holds the indexes the rows go into (see BULK_CACHE_KIB).
        self.store.begin_bulk()?;
        let written = self.write_rows(&file, rows, problems, &site_codes, progress);
        self.store.end_bulk()?;
        written
    }

    /// The import's transaction: the check against the database, then every row.
    fn write_rows(
        &mut self,
        file: &str,
        rows: Vec<(u64, crate::store::participants::ParticipantRow, bool)>,
        mut problems: Vec<(u64, String)>,
        site_codes: &HashMap<String, String>,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<ImportReport> {
        let site_code = |id: &str| site_codes.get(id).map(String::as_str).unwrap_or("?");
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        // Names already in the database, read inside the transaction that writes.
        let existing: HashSet<(String, String)> = crate::store::participants::names_by_site(&tx)?
            .into_iter()
            .map(|(name, site_id)| (name.to_lowercase(), site_id))
            .collect();
        for (line, row, _) in &rows {
            if existing.contains(&(row.name.to_lowercase(), row.site_id.clone())) {
                problems.push((
                    *line,
                    format!(
                        "{file}:{line}: field `name`: `{}` at site {} is already in the database",
                        row.name,
                        site_code(&row.site_id)
                    ),
                ));
            }
        }
        if !problems.is_empty() {
            // Sorted by line; a stable sort keeps a line's own problems in the order found.
            problems.sort_by_key(|(line, _)| *line);
            return Err(ServiceError::Import {
                file: file.to_string(),
                problems: problems.into_iter().map(|(_, p)| p).collect(),
            });
        }
        if rows.is_empty() {
            return Err(ServiceError::Import {
                file: file.to_string(),
                problems: vec![format!("{file}: no participant rows")],
            });
        }
        let total = rows.len() as u64;
        progress(ImportProgress::Writing { done: 0, total });
        // First, in file order: each row's export code (new to the database and to the
        // file), and its check of a role unique at a site against the holders in the
        // database and the rows before it (as if the rows were inserted in file order).
        let mut codes: HashSet<String> = HashSet::with_capacity(rows.len());
        // Holders (export codes) of a unique role at a site: the database's, read once per
        // pair, then the file's rows as they are taken.
        let mut holders: HashMap<(String, String), Vec<String>> = HashMap::new();
        let mut line_of_code: HashMap<String, u64> = HashMap::new();
        let mut added = Vec::with_capacity(rows.len());
        let mut to_insert = Vec::with_capacity(rows.len());
        for (line, mut row, allow) in rows {
            row.code = loop {
                let code = crate::domain::new_export_code();
                if !codes.contains(&code) && !crate::store::participants::code_exists(&tx, &code)? {
                    break code;
                }
            };
            codes.insert(row.code.clone());
            let clash = self.file_order_clash(&tx, &mut holders, &row)?;
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
                    problems.push((
                        line,
                        format!(
                            "{file}:{line}: field `role`: {} ({}) is held by one person per site, and site {} already has {}; if both really hold it, put yes in the column allow_duplicate_unique_role",
                            c.role_name, c.role, c.site, holders.join(", ")
                        ),
                    ));
                    continue;
                }
            }
            if let Some(list) = holders.get_mut(&(row.role_id.clone(), row.site_id.clone())) {
                if !crate::store::participants::NOT_HOLDING_A_ROLE.contains(&row.status.as_str()) {
                    list.push(row.code.clone());
                }
            }
            line_of_code.insert(row.code.clone(), line);
            added.push((line, row.code.clone(), row.name.clone()));
            to_insert.push((row, clash));
        }
        // Then the rows, in an order that makes most index writes appends instead of
        // writes at random places of B-trees larger than the processor's caches (what made
        // 100,000 rows cost more per row than 10,000): by name, with the rows' random ids
        // handed out again in sorted order. The ids stay the random ones generated above
        // (only which row gets which changes), and so the table's own index, the status
        // events' and the audit log's by participant, the name index and each site's run
        // of the site index all grow at their ends. Ids are internal: no export carries
        // them (REFI-QDA GUIDs are derived from them by a hash). The export codes, which
        // do leave, are not reordered: their order says nothing about the names.
        if problems.is_empty() {
            let mut ids: Vec<String> = to_insert.iter().map(|r| r.0.id.clone()).collect();
            ids.sort_unstable();
            to_insert.sort_by(|a, b| a.0.name.cmp(&b.0.name));
            for (r, id) in to_insert.iter_mut().zip(ids) {
                r.0.id = id;
            }
            for (n, (row, clash)) in to_insert.into_iter().enumerate() {
                let (id, _) = Self::insert_participant_row_tx(&tx, row, today(), &user)?;
                if let Some(c) = clash {
                    c.record(&tx, &user, &id)?;
                }
                if (n + 1) % CAPTURE_EVERY == 0 {
                    tx.checkpoint_capture()?;
                }
                if (n + 1) % PROGRESS_EVERY == 0 {
                    progress(ImportProgress::Writing {
                        done: n as u64 + 1,
                        total,
                    });
                }
            }
        }
        if !problems.is_empty() {
            // Dropping the transaction rolls back the rows inserted so far.
            return Err(ServiceError::Import {
                file: file.to_string(),
                problems: problems.into_iter().map(|(_, p)| p).collect(),
            });
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
        progress(ImportProgress::Writing { done: total, total });
        Ok(ImportReport {
            file: file.to_string(),
            imported: added.len(),
            added,
        })
    }

    /// The unique-role clash of `row` given the holders in the database and the rows of
    /// the file before it (`holders`, filled as rows are taken), as
    /// [`super::participants::unique_role_clash`] would find it with those rows inserted.
    fn file_order_clash(
        &self,
        tx: &rusqlite::Connection,
        holders: &mut HashMap<(String, String), Vec<String>>,
        row: &crate::store::participants::ParticipantRow,
    ) -> Result<Option<super::participants::UniqueRoleClash>> {
        let Some(role) = self.reference.role_by_id(&row.role_id) else {
            return Ok(None);
        };
        if !role.unique_at_site {
            return Ok(None);
        }
        let key = (row.role_id.clone(), row.site_id.clone());
        if !holders.contains_key(&key) {
            let list =
                crate::store::participants::role_holders(tx, &row.role_id, &row.site_id, None)?;
            holders.insert(key.clone(), list);
        }
        if crate::store::participants::NOT_HOLDING_A_ROLE.contains(&row.status.as_str()) {
            return Ok(None);
        }
        let mut held_by = holders[&key].clone();
        if held_by.is_empty() {
            return Ok(None);
        }
        held_by.sort();
        Ok(Some(super::participants::UniqueRoleClash {
            role: role.code.clone(),
            role_name: role.name.clone(),
            site: self
                .reference
                .site_by_id(&row.site_id)
                .map(|s| s.code.clone())
                .unwrap_or_default(),
            also_held_by: held_by,
        }))
    }
}
