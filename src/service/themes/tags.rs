//! Tagging sessions with themes, untagging, listing tags.

use crate::domain::{new_id, now_utc, Tag};
use crate::service::{clean, invalid, json, Fieldwork, Result, ServiceError};
use crate::store::{audit, themes as store};

impl Fieldwork {
    /// Insert a tag with its audit entry, inside a transaction.
    pub(crate) fn create_tag_tx(
        tx: &rusqlite::Connection,
        row: &store::TagRow,
        user: &str,
    ) -> Result<()> {
        store::insert_tag(tx, row)?;
        audit::record(tx, user, "tag", &row.id, "create", None, Some(&json(row)))?;
        Ok(())
    }

    /// Tag a session with one or more themes (all in one transaction). Themes the session
    /// already carries are skipped. Returns the new tags.
    pub fn tag_session(
        &mut self,
        session: &str,
        themes: &[String],
        memo: Option<&str>,
    ) -> Result<Vec<Tag>> {
        if themes.is_empty() {
            return Err(invalid("theme", "name at least one theme"));
        }
        let tx = self.store.write()?;
        let s = self.session(session)?;
        let resolved = self.active_themes(themes)?;
        let now = now_utc();
        let user = self.settings.user.clone();
        let coder = self.coder();
        let mut ids = Vec::new();
        for t in &resolved {
            if store::find_session_tag(&tx, &t.id, &s.id)?.is_some() {
                continue;
            }
            let row = store::TagRow {
                id: new_id(),
                theme_id: t.id.clone(),
                original_theme_id: t.id.clone(),
                session_id: s.id.clone(),
                transcript_id: None,
                span_start: None,
                span_end: None,
                quote: None,
                memo: clean(memo),
                created_at: now.clone(),
                created_by: user.clone(),
                coder: coder.clone(),
            };
            Self::create_tag_tx(&tx, &row, &user)?;
            ids.push(row.id);
        }
        tx.commit()?;
        let all = self.tags(Some(&s.id), None, 0, 10_000)?;
        Ok(all.into_iter().filter(|t| ids.contains(&t.id)).collect())
    }

    /// Remove a tag, by its id, or by session and theme. Returns how many were removed.
    pub fn untag(
        &mut self,
        tag_id: Option<&str>,
        session: Option<&str>,
        theme: Option<&str>,
    ) -> Result<usize> {
        let id = match (tag_id, session, theme) {
            // A full id or the id prefix that `tag list` shows.
            (Some(id), _, _) => {
                crate::service::one("tag", id, store::resolve_tag(self.store.conn(), id)?)?
            }
            (None, Some(s), Some(t)) => {
                let s = self.session(s)?;
                let t = self.resolve_theme(t)?;
                store::find_session_tag(self.store.conn(), &t.id, &s.id)?.ok_or_else(|| {
                    invalid(
                        "tag",
                        format!("session {} is not tagged with {}", &s.id[..8], t.path),
                    )
                })?
            }
            _ => return Err(invalid("tag", "give a tag id, or --session and --theme")),
        };
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        // Read again under the lock: removed by someone else since it was looked up, it is
        // not removed twice (no second audit entry, no "1 removed" for nothing).
        let before = store::tag_row(&tx, &id)?.ok_or_else(|| ServiceError::NotFound {
            what: "tag",
            key: id.clone(),
        })?;
        store::delete_tag(&tx, &id)?;
        audit::record(&tx, &user, "tag", &id, "delete", Some(&json(&before)), None)?;
        tx.commit()?;
        Ok(1)
    }

    pub fn tags(
        &self,
        session: Option<&str>,
        theme: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Tag>> {
        let sid = match session {
            Some(s) => Some(self.resolve_session(s)?),
            None => None,
        };
        let tid = match theme {
            Some(t) => Some(self.resolve_theme(t)?.id),
            None => None,
        };
        Ok(store::tags(
            self.store.conn(),
            sid.as_deref(),
            tid.as_deref(),
            offset,
            limit,
        )?)
    }
}
