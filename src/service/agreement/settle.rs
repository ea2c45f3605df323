//! Settling disagreements, blinding and revealing coders, adding coded passages in bulk.

use std::collections::{HashMap, HashSet};

use super::types::*;
use crate::domain::anchor::char_slice;
use crate::domain::{new_id, now_utc};
use crate::service::{invalid, json, Fieldwork, Result, ServiceError};
use crate::store::agreement::{self as store};
use crate::store::{audit, coding as coding_store, themes as theme_store};

impl Fieldwork {
    /// Settle a disagreement (by its key, or a unique prefix of it) between the two
    /// coders: the tags change as `how` says, in one transaction, with an audit entry for
    /// each tag and one for the settling (what the tags were, what was chosen).
    pub fn settle(
        &mut self,
        coders: Option<(String, String)>,
        key: &str,
        how: Settle,
    ) -> Result<SettleOutcome> {
        Ok(self.settle_undoable(coders, key, how)?.outcome)
    }

    /// [`Fieldwork::settle`] that returns what its undo ([`Fieldwork::unsettle`]) needs:
    /// the tags it deleted and the tags it made, every column, as they were.
    pub fn settle_undoable(
        &mut self,
        coders: Option<(String, String)>,
        key: &str,
        how: Settle,
    ) -> Result<Settled> {
        let key = key.trim().to_ascii_lowercase();
        if key.is_empty() {
            return Err(invalid("disagreement", "give the key `agreement` lists"));
        }
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        // Read what it changes inside the transaction.
        let ag = self.agreement(&AgreementQuery {
            coders,
            ..Default::default()
        })?;
        let found: Vec<&Disagreement> = ag
            .disagreements
            .iter()
            .filter(|d| d.key.starts_with(&key))
            .collect();
        let d = match found.as_slice() {
            [one] => *one,
            [] => {
                return Err(ServiceError::NotFound {
                    what: "disagreement",
                    key,
                })
            }
            many => {
                return Err(ServiceError::Ambiguous {
                    what: "disagreement",
                    key,
                    candidates: many
                        .iter()
                        .map(|d| d.key.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                })
            }
        };
        let rows = |ids: &[String]| -> Result<Vec<theme_store::TagRow>> {
            ids.iter()
                .map(|id| {
                    theme_store::tag_row(&tx, id)?.ok_or(ServiceError::NotFound {
                        what: "tag",
                        key: id.clone(),
                    })
                })
                .collect()
        };
        let ra = rows(&d.tags_a)?;
        let rb = rows(&d.tags_b)?;
        // Every tag it may delete, whole, for the undo to put back.
        let mut whole = HashMap::new();
        for id in d.tags_a.iter().chain(&d.tags_b) {
            if let Some(r) = theme_store::raw_row(&tx, theme_store::RawTable::Tag, id)? {
                whole.insert(id.clone(), r);
            }
        }
        let text: String = coding_store::turns(&tx, &d.transcript_id)?
            .iter()
            .map(|t| t.text.as_str())
            .collect();
        let now = now_utc();
        let mut deleted = Vec::new();
        let mut created = Vec::new();
        let delete = |row: &theme_store::TagRow, deleted: &mut Vec<String>| -> Result<()> {
            theme_store::delete_tag(&tx, &row.id)?;
            audit::record(&tx, &user, "tag", &row.id, "delete", Some(&json(row)), None)?;
            deleted.push(row.id.clone());
            Ok(())
        };
        let copy = |from: &theme_store::TagRow,
                    coder: &str,
                    span: (u64, u64),
                    created: &mut Vec<String>|
         -> Result<()> {
            let (s, e) = (span.0 as usize, span.1 as usize);
            let row = theme_store::TagRow {
                id: new_id(),
                theme_id: from.theme_id.clone(),
                original_theme_id: from.original_theme_id.clone(),
                session_id: from.session_id.clone(),
                transcript_id: from.transcript_id.clone(),
                span_start: Some(s as i64),
                span_end: Some(e as i64),
                quote: Some(char_slice(&text, s, e)),
                memo: from.memo.clone(),
                created_at: now.clone(),
                created_by: user.clone(),
                coder: coder.to_string(),
            };
            Self::create_tag_tx(&tx, &row, &user)?;
            let prefix = char_slice(&text, s.saturating_sub(40), s);
            let suffix = char_slice(&text, e, e + 40);
            coding_store::set_context(&tx, &row.id, &prefix, &suffix)?;
            created.push(row.id);
            Ok(())
        };
        let span_of = |r: &theme_store::TagRow| {
            (
                r.span_start.unwrap_or(0).max(0) as u64,
                r.span_end.unwrap_or(0).max(0) as u64,
            )
        };
        match how {
            Settle::KeepA | Settle::KeepB => {
                let (keep, drop, to) = if how == Settle::KeepA {
                    (&ra, &rb, &ag.coder_b)
                } else {
                    (&rb, &ra, &ag.coder_a)
                };
                for r in drop {
                    delete(r, &mut deleted)?;
                }
                for r in keep {
                    copy(r, to, span_of(r), &mut created)?;
                }
            }
            Settle::KeepBoth => {
                for r in &ra {
                    copy(r, &ag.coder_b, span_of(r), &mut created)?;
                }
                for r in &rb {
                    copy(r, &ag.coder_a, span_of(r), &mut created)?;
                }
            }
            Settle::Merge => {
                let first = ra
                    .first()
                    .or(rb.first())
                    .cloned()
                    .ok_or_else(|| invalid("disagreement", "it has no tags left to merge"))?;
                for r in ra.iter().chain(&rb) {
                    delete(r, &mut deleted)?;
                }
                let span = (d.start, d.end);
                copy(&first, &ag.coder_a, span, &mut created)?;
                copy(&first, &ag.coder_b, span, &mut created)?;
            }
        }
        audit::record(
            &tx,
            &user,
            "agreement",
            &d.key,
            "settle",
            Some(&serde_json::json!({
                "coder_a": ag.coder_a, "coder_b": ag.coder_b, "theme": d.theme,
                "transcript_id": d.transcript_id, "tags_a": ra, "tags_b": rb,
            })),
            Some(&serde_json::json!({
                "settle": how.as_str(), "deleted": deleted, "created": created,
            })),
        )?;
        let deleted_rows = deleted.iter().filter_map(|id| whole.remove(id)).collect();
        let mut created_rows = Vec::with_capacity(created.len());
        for id in &created {
            created_rows.extend(theme_store::raw_row(&tx, theme_store::RawTable::Tag, id)?);
        }
        tx.commit()?;
        Ok(Settled {
            outcome: SettleOutcome {
                key: d.key.clone(),
                settle: how,
                deleted,
                created,
            },
            deleted: deleted_rows,
            created: created_rows,
        })
    }

    /// Undo a settling: the passage tags it made are deleted and the ones it deleted come
    /// back exactly as they were (same ids, every column), in one transaction, with an
    /// audit entry for each tag and one for the undoing. Refused, with nothing written,
    /// when a tag it made changed or was removed since, or one it deleted is back.
    pub fn unsettle(&mut self, settled: &Settled) -> Result<SettleOutcome> {
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        let key = &settled.outcome.key;
        let refused = |why: String| {
            ServiceError::Refused(format!(
                "{why}: the settling of {} is not undone; nothing was changed",
                &key[..key.len().min(10)]
            ))
        };
        let short = |id: &str| id[..id.len().min(8)].to_string();
        for r in &settled.created {
            if let Err(why) = crate::service::themes::tag_as_left(&tx, r)? {
                return Err(refused(why));
            }
        }
        for r in &settled.deleted {
            let id = r.text("id").unwrap_or_default();
            if theme_store::raw_row(&tx, theme_store::RawTable::Tag, &id)?.is_some() {
                return Err(refused(format!(
                    "passage tag {} is there again",
                    short(&id)
                )));
            }
        }
        for r in &settled.created {
            let id = r.text("id").unwrap_or_default();
            let row = theme_store::tag_row(&tx, &id)?;
            theme_store::delete_tag(&tx, &id)?;
            audit::record(
                &tx,
                &user,
                "tag",
                &id,
                "delete",
                row.as_ref().map(json).as_ref(),
                None,
            )?;
        }
        for r in &settled.deleted {
            let id = r.text("id").unwrap_or_default();
            theme_store::insert_raw(&tx, theme_store::RawTable::Tag, r)?;
            let row = theme_store::tag_row(&tx, &id)?;
            audit::record(
                &tx,
                &user,
                "tag",
                &id,
                "restore",
                None,
                row.as_ref().map(json).as_ref(),
            )?;
        }
        audit::record(
            &tx,
            &user,
            "agreement",
            key,
            "settle undone",
            Some(&serde_json::json!({
                "settle": settled.outcome.settle.as_str(),
                "created": settled.outcome.created,
            })),
            Some(&serde_json::json!({"restored": settled.outcome.deleted})),
        )?;
        tx.commit()?;
        Ok(settled.outcome.clone())
    }

    /// Whether this connection's coder sees only their own passage tags (blind coding on,
    /// not yet revealed).
    pub fn blinded(&self) -> Result<bool> {
        if !self.coding.blind {
            return Ok(false);
        }
        Ok(!store::revealed(self.store.conn(), &self.coder())?)
    }

    /// Reveal the other coders' tags to this coder (blind coding), with an audit entry.
    /// Returns false when they were already revealed.
    pub fn reveal(&mut self) -> Result<bool> {
        let coder = self.coder();
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        if store::revealed(&tx, &coder)? {
            return Ok(false);
        }
        audit::record(
            &tx,
            &user,
            "coder",
            &coder,
            "reveal",
            None,
            Some(&serde_json::json!({"coder": coder, "blind": self.coding.blind})),
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Keep only what the current coder may see under blind coding.
    pub(crate) fn blind_filter<T>(
        &self,
        rows: Vec<T>,
        coder_of: impl Fn(&T) -> &str,
    ) -> Result<Vec<T>> {
        if !self.blinded()? {
            return Ok(rows);
        }
        let me = self.coder();
        Ok(rows.into_iter().filter(|r| coder_of(r) == me).collect())
    }
}

impl Fieldwork {
    /// Add passage tags with their coders, in one transaction that reads the transcripts
    /// and the tags already there inside itself; a tag with the same theme, span and coder
    /// is skipped. Every passage is checked before anything is written (the span inside
    /// the text, the theme active). Returns (added, skipped); `dry_run` writes nothing.
    pub fn add_coded_passages(
        &mut self,
        list: &[CodedPassage],
        dry_run: bool,
    ) -> Result<(usize, usize)> {
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        let active: HashSet<String> = self
            .codebook(false, false)?
            .into_iter()
            .map(|t| t.id)
            .collect();
        let mut views: HashMap<&str, Loaded> = HashMap::new();
        let mut problems = Vec::new();
        let mut todo = Vec::new();
        let mut skipped = 0;
        for (i, p) in list.iter().enumerate() {
            if !views.contains_key(p.session_id.as_str()) {
                let v = self.transcript_view_all(&p.session_id)?;
                let have = v
                    .passages
                    .iter()
                    .map(|x| {
                        (
                            x.theme_id.clone(),
                            x.span_start,
                            x.span_end,
                            x.coder.clone(),
                        )
                    })
                    .collect();
                let text = v.text();
                views.insert(&p.session_id, (CharIndex::new(text), v.transcript.id, have));
            }
            let (index, transcript, have) = views.get_mut(p.session_id.as_str()).expect("read");
            let len = index.bytes.len() - 1;
            if p.start >= p.end || p.end > len {
                problems.push(format!(
                    "coding {}: {}..{} is not a passage of the transcript (0..{len})",
                    i + 1,
                    p.start,
                    p.end
                ));
                continue;
            }
            if !active.contains(&p.theme_id) {
                problems.push(format!(
                    "coding {}: its code is a retired or merged theme; tag with an active theme",
                    i + 1
                ));
                continue;
            }
            let k = (
                p.theme_id.clone(),
                p.start as i64,
                p.end as i64,
                p.coder.clone(),
            );
            if !have.insert(k) {
                skipped += 1;
                continue;
            }
            todo.push((p, transcript.clone()));
        }
        if !problems.is_empty() {
            return Err(ServiceError::Import {
                file: "codings".into(),
                problems,
            });
        }
        if dry_run {
            return Ok((todo.len(), skipped));
        }
        let now = now_utc();
        for (p, transcript) in &todo {
            let (index, _, _) = &views[p.session_id.as_str()];
            let quote = index.slice(p.start as u64, p.end as u64).to_string();
            let prefix = index
                .slice(p.start.saturating_sub(40) as u64, p.start as u64)
                .to_string();
            let suffix = index.slice(p.end as u64, (p.end + 40) as u64).to_string();
            let row = theme_store::TagRow {
                id: new_id(),
                theme_id: p.theme_id.clone(),
                original_theme_id: p.theme_id.clone(),
                session_id: p.session_id.clone(),
                transcript_id: Some(transcript.clone()),
                span_start: Some(p.start as i64),
                span_end: Some(p.end as i64),
                quote: Some(quote),
                memo: None,
                created_at: now.clone(),
                created_by: user.clone(),
                coder: p.coder.clone(),
            };
            Self::create_tag_tx(&tx, &row, &user)?;
            coding_store::set_context(&tx, &row.id, &prefix, &suffix)?;
        }
        tx.commit()?;
        Ok((todo.len(), skipped))
    }
}
