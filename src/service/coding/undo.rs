//! Accepting changed passages as one undoable write, and its undo.

use crate::service::{invalid, Fieldwork, Result, ServiceError};
use crate::store::audit;
use crate::store::themes::{self as theme_store, RawRow, RawTable};

/// Passages accepted at their new text (returned by
/// [`Fieldwork::accept_passages_undoable`]): each tag as it was before and after, every
/// column, for [`Fieldwork::unaccept_passages`].
#[derive(Debug, Clone)]
pub struct Accepted {
    pub passages: Vec<(RawRow, RawRow)>,
}

impl Fieldwork {
    /// Accept several changed passages in one transaction (each as
    /// [`Fieldwork::accept_passage`] does: the quote becomes the current text of its span,
    /// the anchor `ok`, the context re-read). Nothing is accepted if one of them cannot be.
    pub fn accept_passages_undoable(&mut self, ids: &[String]) -> Result<Accepted> {
        if ids.is_empty() {
            return Err(invalid("tag", "name the passages to accept"));
        }
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        let mut passages = Vec::with_capacity(ids.len());
        let mut seen = std::collections::HashSet::new();
        for id in ids {
            let before =
                theme_store::raw_row(&tx, RawTable::Tag, id)?.ok_or(ServiceError::NotFound {
                    what: "tag",
                    key: id.clone(),
                })?;
            if !seen.insert(id.as_str()) {
                continue;
            }
            let (id, _) = Self::accept_passage_tx(&tx, &user, id)?;
            let after =
                theme_store::raw_row(&tx, RawTable::Tag, &id)?.ok_or(ServiceError::NotFound {
                    what: "tag",
                    key: id.clone(),
                })?;
            passages.push((before, after));
        }
        tx.commit()?;
        Ok(Accepted { passages })
    }

    /// Undo accepting passages: each tag is put back exactly as it was (quote, anchor,
    /// context, every column), in one transaction. Refused, with nothing written, when
    /// any of them changed or was removed since. Returns how many were put back.
    pub fn unaccept_passages(&mut self, accepted: &Accepted) -> Result<usize> {
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        let refused = |why: String| {
            ServiceError::Refused(format!(
                "{why}: accepting the passage(s) is not undone; nothing was changed"
            ))
        };
        let mut now = Vec::with_capacity(accepted.passages.len());
        for (_, after) in &accepted.passages {
            match crate::service::themes::tag_as_left(&tx, after)? {
                Ok(r) => now.push(r),
                Err(why) => return Err(refused(why)),
            }
        }
        for ((before, after), now) in accepted.passages.iter().zip(&now) {
            let id = before.text("id").unwrap_or_default();
            theme_store::restore_raw(&tx, RawTable::Tag, now, before)?;
            audit::record(
                &tx,
                &user,
                "tag",
                &id,
                "accept-anchor undone",
                Some(
                    &serde_json::json!({"quote": after.text("quote"), "anchor": after.text("anchor")}),
                ),
                Some(
                    &serde_json::json!({"quote": before.text("quote"), "anchor": before.text("anchor")}),
                ),
            )?;
        }
        tx.commit()?;
        Ok(accepted.passages.len())
    }
}
