//! Reading transcripts, tagging and accepting passages, memos, full-text search.

use super::types::*;
use crate::domain::anchor::char_slice;
use crate::domain::{new_id, now_utc};
use crate::service::{clean, invalid, Fieldwork, Result, ServiceError};
use crate::store::coding::{self as store};
/// Passages, search hits and the search filter, as the front ends see them.
pub use crate::store::coding::{PassageRow, SearchFilter};
use crate::store::{audit, themes as theme_store};

impl Fieldwork {
    /// The imported text of an interview's transcript, with turns and passages (under
    /// blind coding, only this coder's passages until revealed).
    pub fn transcript_view(&self, session: &str) -> Result<TranscriptView> {
        let mut v = self.transcript_view_all(session)?;
        v.passages = self.blind_filter(v.passages, |p| &p.coder)?;
        Ok(v)
    }

    /// [`Fieldwork::transcript_view`] with every coder's passages, whatever blind coding
    /// says (exports of the whole project).
    pub fn transcript_view_all(&self, session: &str) -> Result<TranscriptView> {
        let s = self.session(session)?;
        let t = s.transcript.ok_or_else(|| {
            invalid(
                "interview",
                format!("interview {} has no transcript", &s.id[..8]),
            )
        })?;
        let c = self.store.conn();
        let import = store::import_row(c, &t.id)?.ok_or_else(|| {
            invalid("interview", format!("the transcript of interview {} is linked but not imported; run `transcript import`", &s.id[..8]))
        })?;
        Ok(TranscriptView {
            session_id: s.id,
            turns: store::turns(c, &t.id)?,
            passages: store::passages(c, &t.id)?,
            transcript: t,
            import,
        })
    }

    /// Tag a passage [start, end) (character offsets) of an interview's transcript with one
    /// or more themes; the quoted text and its context are stored with each tag.
    pub fn tag_passage(
        &mut self,
        session: &str,
        start: usize,
        end: usize,
        themes: &[String],
        memo: Option<&str>,
    ) -> Result<Vec<PassageRow>> {
        if themes.is_empty() {
            return Err(invalid("theme", "name at least one theme"));
        }
        let tx = self.store.write()?;
        let view = self.transcript_view(session)?;
        let text = view.text();
        let len = text.chars().count();
        if start >= end || end > len {
            return Err(invalid(
                "span",
                format!("{start}..{end} is not a passage of this transcript (0..{len})"),
            ));
        }
        let quote = char_slice(&text, start, end);
        if quote.trim().is_empty() {
            return Err(invalid("span", "the passage is only white space"));
        }
        let resolved = self.active_themes(themes)?;
        let (prefix, suffix) = context(&text, start, end);
        let now = now_utc();
        let user = self.settings.user.clone();
        let coder = self.coder();
        let mut ids = Vec::new();
        for t in &resolved {
            let row = theme_store::TagRow {
                id: new_id(),
                theme_id: t.id.clone(),
                original_theme_id: t.id.clone(),
                session_id: view.session_id.clone(),
                transcript_id: Some(view.transcript.id.clone()),
                span_start: Some(start as i64),
                span_end: Some(end as i64),
                quote: Some(quote.clone()),
                memo: clean(memo),
                created_at: now.clone(),
                created_by: user.clone(),
                coder: coder.clone(),
            };
            Self::create_tag_tx(&tx, &row, &user)?;
            store::set_context(&tx, &row.id, &prefix, &suffix)?;
            ids.push(row.id);
        }
        tx.commit()?;
        Ok(store::passages(self.store.conn(), &view.transcript.id)?
            .into_iter()
            .filter(|p| ids.contains(&p.id))
            .collect())
    }

    /// Find `quote` in an interview's transcript: (start, end) of its `occurrence`-th
    /// appearance (1-based), or an error naming how many there are.
    pub fn find_in_transcript(
        &self,
        session: &str,
        quote: &str,
        occurrence: Option<usize>,
    ) -> Result<(usize, usize)> {
        let view = self.transcript_view(session)?;
        let text = view.text();
        let mut found = Vec::new();
        let mut from = 0;
        while let Some(i) = text[from..].find(quote) {
            let b = from + i;
            found.push(text[..b].chars().count());
            from = b + quote.len().max(1);
        }
        let n = quote.chars().count();
        match (found.len(), occurrence) {
            (0, _) => Err(invalid("quote", "the text is not in this transcript")),
            (1, None) => Ok((found[0], found[0] + n)),
            (k, None) => Err(invalid(
                "quote",
                format!("the text appears {k} times; say which with --occurrence"),
            )),
            (k, Some(o)) if o == 0 || o > k => {
                Err(invalid("occurrence", format!("there are {k} occurrences")))
            }
            (_, Some(o)) => Ok((found[o - 1], found[o - 1] + n)),
        }
    }

    /// Every passage, or those of one theme, in interview order (under blind coding, only
    /// this coder's until revealed).
    pub fn passages(&self, theme: Option<&str>) -> Result<Vec<PassageRow>> {
        let id = theme
            .map(|t| self.resolve_theme(t).map(|x| x.id))
            .transpose()?;
        let rows = store::passages_of_theme(self.store.conn(), id.as_deref())?;
        self.blind_filter(rows, |p| &p.coder)
    }

    /// Passages needing review after a re-import (`changed` or `lost`).
    pub fn passages_to_review(&self) -> Result<Vec<PassageRow>> {
        Ok(store::passages_of_theme(self.store.conn(), None)?
            .into_iter()
            .filter(|p| p.anchor != "ok")
            .collect())
    }

    /// Mark a changed passage as reviewed: its quote becomes the current text of its span.
    pub fn accept_passage(&mut self, tag_id: &str) -> Result<PassageRow> {
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        let (id, tid) = Self::accept_passage_tx(&tx, &user, tag_id)?;
        tx.commit()?;
        store::passages(self.store.conn(), &tid)?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or(ServiceError::NotFound {
                what: "tag",
                key: tag_id.into(),
            })
    }

    /// Accept one passage inside the open transaction `tx` (which reads the tag and the
    /// text): (tag id, transcript id).
    pub(super) fn accept_passage_tx(
        tx: &rusqlite::Connection,
        user: &str,
        tag_id: &str,
    ) -> Result<(String, String)> {
        let row = theme_store::tag_row(tx, tag_id)?.ok_or(ServiceError::NotFound {
            what: "tag",
            key: tag_id.into(),
        })?;
        let (Some(tid), Some(s), Some(e)) =
            (row.transcript_id.clone(), row.span_start, row.span_end)
        else {
            return Err(invalid("tag", "not a passage tag"));
        };
        let text: String = store::turns(tx, &tid)?
            .iter()
            .map(|t| t.text.as_str())
            .collect();
        let quote = char_slice(&text, s as usize, e as usize);
        if quote.trim().is_empty() {
            return Err(invalid(
                "tag",
                "the passage's span is empty in the current text; re-tag the passage instead",
            ));
        }
        let (pre, suf) = context(&text, s as usize, e as usize);
        tx.execute(
            "UPDATE tag SET quote = ?2, anchor = 'ok', prefix = ?3, suffix = ?4 WHERE id = ?1",
            rusqlite::params![row.id, quote, pre, suf],
        )?;
        audit::record(
            tx,
            user,
            "tag",
            &row.id,
            "accept-anchor",
            Some(&serde_json::json!({"quote": row.quote})),
            Some(&serde_json::json!({"quote": quote})),
        )?;
        Ok((row.id, tid))
    }

    /// Full-text search over transcripts, session notes and memos, best first.
    pub fn search(
        &self,
        query: &str,
        filter: &SearchFilter,
        limit: usize,
    ) -> Result<Vec<store::Hit>> {
        let q = query.trim();
        if q.is_empty() {
            return Err(invalid("query", "empty search"));
        }
        let fts = crate::service::search_query::to_fts(q)?;
        let filter = &prefix_filter(&fts, filter);
        let c = self.store.conn();
        let mut hits = store::search_turns(c, &fts, filter, limit, true)
            .map_err(|e| map_fts_error(e.into(), q))?;
        hits.extend(
            store::search_notes(c, &fts, filter, limit).map_err(|e| map_fts_error(e.into(), q))?,
        );
        hits.sort_by(|a, b| {
            a.rank
                .partial_cmp(&b.rank)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        hits.truncate(limit);
        Ok(hits)
    }

    /// A first answer for a query typed in the interface: when fewer than `limit` turns
    /// match, every hit, ranked (true); otherwise the first `limit` in text order (false),
    /// which for a common term is much quicker than ranking every match — `search` then
    /// gives the ranked list.
    pub fn search_quick(
        &self,
        query: &str,
        filter: &SearchFilter,
        limit: usize,
    ) -> Result<(Vec<store::Hit>, bool)> {
        let q = query.trim();
        if q.is_empty() {
            return Err(invalid("query", "empty search"));
        }
        let fts = crate::service::search_query::to_fts(q)?;
        let filter = &prefix_filter(&fts, filter);
        let c = self.store.conn();
        let mut hits = store::search_turns(c, &fts, filter, limit, false)
            .map_err(|e| map_fts_error(e.into(), q))?;
        let complete = hits.len() < limit;
        hits.extend(
            store::search_notes(c, &fts, filter, limit).map_err(|e| map_fts_error(e.into(), q))?,
        );
        if complete {
            hits.sort_by(|a, b| {
                a.rank
                    .partial_cmp(&b.rank)
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
            hits.truncate(limit);
        }
        Ok((hits, complete))
    }

    /// Write (or with `None`, clear) the memo of tags (a passage carries one tag per
    /// theme; the interface writes the same memo on each). One transaction, audited.
    pub fn set_tag_memo(&mut self, ids: &[String], memo: Option<&str>) -> Result<usize> {
        self.set_tag_memo_from(ids, memo, None)
    }

    /// [`Fieldwork::set_tag_memo`] from a form opened on `opened` (the `memo` it showed):
    /// refused with [`ServiceError::Conflict`] if any of the tags' memos changed since.
    pub fn set_tag_memo_from(
        &mut self,
        ids: &[String],
        memo: Option<&str>,
        opened: Option<&crate::service::Version>,
    ) -> Result<usize> {
        let memo = clean(memo);
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        for id in ids {
            let row = theme_store::tag_row(&tx, id)?.ok_or(ServiceError::NotFound {
                what: "tag",
                key: id.clone(),
            })?;
            if let Some(v) = opened {
                v.check(
                    "passage memo",
                    &id.chars().take(8).collect::<String>(),
                    |f| match f {
                        "memo" => row.memo.clone().unwrap_or_default(),
                        _ => String::new(),
                    },
                )?;
            }
            if row.memo == memo {
                continue;
            }
            tx.execute(
                "UPDATE tag SET memo = ?2 WHERE id = ?1",
                rusqlite::params![id, memo],
            )?;
            audit::record(
                &tx,
                &user,
                "tag",
                id,
                "memo",
                Some(&serde_json::json!({"memo": row.memo})),
                Some(&serde_json::json!({"memo": memo})),
            )?;
        }
        tx.commit()?;
        Ok(ids.len())
    }

    /// A search filter from user-facing keys (site code, phase, role category, theme).
    pub fn search_filter(
        &self,
        site: Option<&str>,
        phase: Option<u32>,
        role_category: Option<&str>,
        theme: Option<&str>,
    ) -> Result<SearchFilter> {
        Ok(SearchFilter {
            exact: false,
            site: site
                .map(|s| self.reference.site(s).map(|x| x.code.clone()))
                .transpose()?,
            phase: phase
                .map(|p| self.reference.phase(p).map(|x| x.number))
                .transpose()?,
            role_category: role_category
                .map(|r| self.reference.role_category(r).map(|x| x.code.clone()))
                .transpose()?,
            theme_id: theme
                .map(|t| self.resolve_theme(t).map(|x| x.id))
                .transpose()?,
        })
    }
}
