//! This laptop's device and status; exporting its changes; importing other laptops' bundles.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde_json::json;

use super::{apply::*, rows::*, wire::*};
use crate::domain::{new_id, now_utc};
use crate::service::{invalid, Fieldwork, Result};
use crate::store::session;
use crate::store::sync::Device;
use crate::store::sync::{self as ss, Batch};
use crate::store::{audit, SCHEMA_VERSION};
use crate::sync::bundle::{Seal, Unseal};

/// A bundle read from a file.
pub(super) struct Incoming {
    file: String,
    info: BundleInfo,
    entries: Vec<Entry>,
}

pub(super) fn check_schema(name: &str, info: &BundleInfo) -> Result<()> {
    if info.schema_version > SCHEMA_VERSION {
        return Err(invalid(
            name,
            format!(
                "the bundle was made by a newer fieldwork (schema {}; this one reads schema {SCHEMA_VERSION}): upgrade fieldwork here first; nothing was changed",
                info.schema_version
            ),
        ));
    }
    if info.schema_version < SCHEMA_VERSION {
        return Err(invalid(
            name,
            format!(
                "the bundle was made by an older fieldwork (schema {}; this one has schema {SCHEMA_VERSION}): upgrade fieldwork on {}'s laptop and export again; nothing was changed",
                info.schema_version, info.device_name
            ),
        ));
    }
    Ok(())
}

impl Fieldwork {
    /// This laptop's device (its person kept up to date with the configured user).
    pub fn sync_device(&self) -> Result<Device> {
        Ok(ss::device(self.store.conn())?)
    }

    pub(super) fn person_now(&self, c: &Connection) -> Result<Device> {
        let d = ss::device(c)?;
        if d.person != self.user() {
            ss::set_person(c, self.user())?;
            return Ok(ss::device(c)?);
        }
        Ok(d)
    }

    /// `sync status`.
    pub fn sync_status(&self) -> Result<Status> {
        let c = self.store.conn();
        let device = ss::device(c)?;
        let last = ss::last_seq(c)?;
        Ok(Status {
            unsent: (last - device.exported_seq).max(0),
            last_seq: last,
            device,
            peers: ss::peers(c)?,
            open_conflicts: ss::open_conflict_count(c)?,
            batches: ss::all_batches(c)?,
        })
    }

    /// `sync export --out FILE [--since SEQ]`: this laptop's changes not yet sent (or
    /// after `since`) as a bundle. Nothing to send: no file, `changes` 0.
    pub fn sync_export(&self, out: &Path, since: Option<i64>, seal: &Seal) -> Result<ExportReport> {
        let w = self.store.write()?;
        let device = self.person_now(&w)?;
        let after = since.unwrap_or(device.exported_seq).max(0);
        let entries = ss::outbox_after(&w, after)?;
        if entries.is_empty() {
            return Ok(ExportReport {
                file: None,
                device_id: device.device_id,
                first_seq: after + 1,
                last_seq: after,
                changes: 0,
            });
        }
        let first = entries[0].seq;
        let last = entries[entries.len() - 1].seq;
        let sent: Vec<Entry> = entries
            .into_iter()
            .map(|e| Entry {
                seq: e.seq,
                created_at: e.created_at,
                depends: e.depends,
                changeset: e.changeset,
            })
            .collect();
        let depends = sent.last().map(|e| e.depends.clone()).unwrap_or_default();
        let info = BundleInfo {
            kind: BundleKind::Changes,
            device_id: device.device_id.clone(),
            device_name: device.person.clone(),
            first_seq: first,
            last_seq: last,
            schema_version: SCHEMA_VERSION,
            created_at: now_utc(),
            extra: json!({ "depends": depends }),
        };
        file::write(out, &info, &encode_entries(&sent), seal)?;
        if last > device.exported_seq {
            ss::set_exported(&w, last)?;
        }
        if let Err(e) = w.commit() {
            let _ = std::fs::remove_file(out);
            return Err(e.into());
        }
        Ok(ExportReport {
            file: Some(out.display().to_string()),
            device_id: device.device_id,
            first_seq: first,
            last_seq: last,
            changes: sent.len(),
        })
    }

    /// `sync import FILE…`: verify every file, then apply their changes in one
    /// transaction, each laptop's in sequence order and after what they depend on.
    /// Refuses (changing nothing) a damaged or truncated file, another schema, a gap or a
    /// missing dependency. Changes already applied are skipped.
    pub fn sync_import(
        &self,
        files: &[PathBuf],
        unseal: &mut dyn FnMut(&Path) -> Result<Unseal>,
    ) -> Result<Vec<ImportedFile>> {
        let mut incoming = Vec::new();
        for f in files {
            let name = f.display().to_string();
            let key = unseal(f)?;
            let (info, payload) = file::read(f, &key)?;
            if info.kind != BundleKind::Changes {
                return Err(invalid(
                    &name,
                    "this is a snapshot bundle: start a new laptop from it with `fieldwork init --from FILE`; nothing was changed",
                ));
            }
            check_schema(&name, &info)?;
            let entries = decode_entries(&payload)
                .map_err(|why| invalid(&name, format!("{why}; nothing was changed")))?;
            incoming.push(Incoming {
                file: name,
                info,
                entries,
            });
        }
        let w = self.store.write()?;
        // Another laptop's changes are that laptop's to send: not into this outbox.
        w.take_capture()?;
        let me = self.person_now(&w)?;
        let mut seen = ss::seen(&w)?;
        let mut names: HashMap<String, String> = ss::peers(&w)?
            .into_iter()
            .map(|p| (p.device_id, p.person))
            .collect();
        for inc in &incoming {
            names
                .entry(inc.info.device_id.clone())
                .or_insert_with(|| inc.info.device_name.clone());
        }
        let who = |d: &str| -> String {
            match names.get(d).filter(|n| !n.is_empty()) {
                Some(n) => format!("{n} ({})", short(d)),
                None => short(d).to_string(),
            }
        };
        // Pending entries per device, in sequence order (duplicates across files once).
        let mut pending: BTreeMap<String, BTreeMap<i64, (usize, usize)>> = BTreeMap::new();
        let mut reports: Vec<ImportedFile> = incoming
            .iter()
            .map(|inc| ImportedFile {
                file: inc.file.clone(),
                device_id: inc.info.device_id.clone(),
                person: inc.info.device_name.clone(),
                batch: None,
                applied: vec![],
                skipped: 0,
                conflicts: 0,
            })
            .collect();
        for (fi, inc) in incoming.iter().enumerate() {
            if inc.info.device_id == me.device_id {
                reports[fi].skipped = inc.entries.len();
                continue;
            }
            for (ei, e) in inc.entries.iter().enumerate() {
                let done = seen.get(&inc.info.device_id).copied().unwrap_or(0);
                if e.seq <= done {
                    reports[fi].skipped += 1;
                    continue;
                }
                pending
                    .entry(inc.info.device_id.clone())
                    .or_default()
                    .entry(e.seq)
                    .or_insert((fi, ei));
            }
        }
        let mut columns = Columns::default();
        let mut per_file: HashMap<usize, Vec<Vec<u8>>> = HashMap::new();
        let batch_ids: Vec<String> = (0..incoming.len()).map(|_| new_id()).collect();
        let mut conflicts = vec![0usize; incoming.len()];
        let tables = std::sync::Arc::new(ss::captured_tables(&w)?);
        loop {
            let mut progress = false;
            let devices: Vec<String> = pending.keys().cloned().collect();
            for d in devices {
                // The longest run of this laptop's next changes that are ready, from one
                // file, applied as one changeset (a changegroup of them: the same net
                // change, one pass through SQLite).
                let mut run: Vec<(i64, usize, usize)> = Vec::new();
                let mut done = seen.get(&d).copied().unwrap_or(0);
                if let Some(m) = pending.get(&d) {
                    for (&seq, &(fi, ei)) in m {
                        if seq != done + 1 || run.first().is_some_and(|r| r.1 != fi) {
                            break;
                        }
                        let e = &incoming[fi].entries[ei];
                        let ready = e.depends.iter().all(|(dev, s)| {
                            *dev == me.device_id
                                || *dev == d
                                || seen.get(dev).copied().unwrap_or(0) >= *s
                        });
                        if !ready {
                            break;
                        }
                        run.push((seq, fi, ei));
                        done = seq;
                    }
                }
                let Some(&(first, fi, _)) = run.first() else {
                    continue;
                };
                let last = run[run.len() - 1].0;
                let parts: Vec<&[u8]> = run
                    .iter()
                    .map(|&(_, fi, ei)| incoming[fi].entries[ei].changeset.as_slice())
                    .collect();
                let changeset = if parts.len() == 1 {
                    parts[0].to_vec()
                } else {
                    session::combine(&parts)?
                };
                // The changeset actually applied is kept for revert. Usually it is the
                // incoming one as it came: applied first without recording; only when
                // SQLite asked the conflict handler (or a decision was carried out) is
                // the apply redone under a session that records what it really changed.
                w.execute_batch("SAVEPOINT sync_entry")?;
                let undo = |w: &crate::store::Write<'_>| {
                    w.execute_batch("ROLLBACK TO sync_entry; RELEASE sync_entry")
                };
                let applied =
                    match apply_entry(&w, &mut columns, &d, last, &batch_ids[fi], &changeset) {
                        Ok(a) if a.verbatim => {
                            w.execute_batch("RELEASE sync_entry")?;
                            per_file.entry(fi).or_default().push(changeset);
                            a
                        }
                        Ok(_) => {
                            undo(&w)?;
                            let filter_tables = tables.clone();
                            let capture =
                                session::Session::new(&w, move |t| filter_tables.contains(t))?;
                            let a = apply_entry(
                                &w,
                                &mut columns,
                                &d,
                                last,
                                &batch_ids[fi],
                                &changeset,
                            )?;
                            per_file.entry(fi).or_default().push(capture.changeset()?);
                            drop(capture);
                            a
                        }
                        Err(e) => {
                            let _ = undo(&w);
                            return Err(e);
                        }
                    };
                conflicts[fi] += applied.conflicts;
                reports[fi].applied.extend(first..=last);
                seen.insert(d.clone(), last);
                ss::set_peer(&w, &d, &incoming[fi].info.device_name, last)?;
                if let Some(m) = pending.get_mut(&d) {
                    m.retain(|seq, _| *seq > last);
                }
                progress = true;
            }
            pending.retain(|_, m| !m.is_empty());
            if !progress || pending.is_empty() {
                break;
            }
        }
        if let Some((d, m)) = pending.iter().next() {
            let (&seq, &(fi, ei)) = m.iter().next().expect("non-empty");
            let done = seen.get(d).copied().unwrap_or(0);
            let file = &incoming[fi].file;
            if seq > done + 1 {
                return Err(invalid(
                    file,
                    format!(
                        "missing bundle from {} with changes {}–{}: import it first (or ask for it: `fieldwork sync export --since {done}` on that laptop); nothing was changed",
                        who(d),
                        done + 1,
                        seq - 1
                    ),
                ));
            }
            let e = &incoming[fi].entries[ei];
            let (dev, need) = e
                .depends
                .iter()
                .find(|(dev, s)| {
                    **dev != me.device_id && seen.get(*dev).copied().unwrap_or(0) < **s
                })
                .map(|(d, s)| (d.clone(), *s))
                .unwrap_or_default();
            let have = seen.get(&dev).copied().unwrap_or(0);
            return Err(invalid(
                file,
                format!(
                    "change {seq} from {} builds on changes this laptop does not have yet: first import the bundle from {} with changes {}–{need}; nothing was changed",
                    who(d),
                    who(&dev),
                    have + 1
                ),
            ));
        }
        let now = now_utc();
        for (fi, inc) in incoming.iter().enumerate() {
            let Some(sets) = per_file.get(&fi) else {
                continue;
            };
            let applied = if sets.len() == 1 {
                sets[0].clone()
            } else {
                let refs: Vec<&[u8]> = sets.iter().map(Vec::as_slice).collect();
                session::combine(&refs)?
            };
            let seqs = &reports[fi].applied;
            let batch = Batch {
                id: batch_ids[fi].clone(),
                source_device: inc.info.device_id.clone(),
                first_seq: seqs.iter().copied().min().unwrap_or(0),
                last_seq: seqs.iter().copied().max().unwrap_or(0),
                file: Some(inc.file.clone()),
                applied,
                applied_at: now.clone(),
                applied_by: self.user().to_string(),
                reverted_at: None,
            };
            ss::insert_batch(&w, &batch)?;
            reports[fi].batch = Some(batch.id.clone());
            reports[fi].conflicts = conflicts[fi];
            audit::record(
                &w,
                self.user(),
                "sync_batch",
                &batch.id,
                "import",
                None,
                Some(&json!({
                    "file": inc.file, "device_id": inc.info.device_id, "person": inc.info.device_name,
                    "first_seq": batch.first_seq, "last_seq": batch.last_seq, "conflicts": conflicts[fi],
                })),
            )?;
        }
        w.commit()?;
        Ok(reports)
    }
}

/// A private temporary folder beside `path` (same file system), removed by the caller.
pub(super) fn tempdir_near(path: &Path) -> Result<PathBuf> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = parent.join(format!(".fieldwork-snapshot-{}", new_id()));
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(&dir).map_err(crate::service::io_err(format!(
        "creating {}",
        dir.display()
    )))?;
    Ok(dir)
}

/// Who changed the given records after `batch`: later imports and this laptop's own
/// changes made since, as "Pat (1a2b3c4d) changes 4–6" / "this laptop (change 12)".
pub(super) fn later_changes(
    c: &Connection,
    batch: &Batch,
    rows: &[(String, String)],
) -> Result<Vec<String>> {
    let touched = |cs: &[u8]| -> bool {
        session::changes(cs)
            .map(|chs| {
                chs.iter().any(|ch| {
                    rows.iter()
                        .any(|(t, k)| *t == ch.table && *k == pk_json(&ch.key()))
                })
            })
            .unwrap_or(false)
    };
    let mut out = Vec::new();
    for b in ss::batches_after(c, &batch.applied_at, &batch.id)? {
        if b.id != batch.id && touched(&b.applied) {
            let person = ss::peer(c, &b.source_device)?
                .map(|p| p.person)
                .unwrap_or_default();
            out.push(format!(
                "batch {} from {person} ({}) changes {}–{}",
                short(&b.id),
                short(&b.source_device),
                b.first_seq,
                b.last_seq
            ));
        }
    }
    let mut stmt =
        c.prepare("SELECT seq, changeset FROM sync_outbox WHERE created_at >= ?1 ORDER BY seq")?;
    let rows_ = stmt.query_map([&batch.applied_at], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
    })?;
    for r in rows_ {
        let (seq, cs) = r?;
        if touched(&cs) {
            out.push(format!("this laptop (change {seq})"));
        }
    }
    Ok(out)
}
