//! Merging a theme into another, and undoing a merge.

use crate::domain::{new_log_id, now_utc, Theme, ThemeStatus};
use crate::service::{invalid, write_changes, Fieldwork, Result, ServiceError};
use crate::store::{audit, themes as store, themes::ThemeRow};

use super::edit::THEME_SKIP;

impl Fieldwork {
    /// Merge `from` into `into`: its tags and child themes move to `into`; `from` stays in
    /// the codebook as merged, with its history. Returns (theme, tags moved).
    pub fn merge_theme(&mut self, from: &str, into: &str) -> Result<(Theme, usize)> {
        let m = self.merge_theme_undoable(from, into)?;
        let n = m.moved_tags.len() + m.folded_tags.len();
        Ok((m.theme, n))
    }

    /// [`Fieldwork::merge_theme`] that returns what it moved, for its undo
    /// ([`Fieldwork::unmerge_theme`]).
    pub fn merge_theme_undoable(&mut self, from: &str, into: &str) -> Result<Merged> {
        // Both themes, their children and their tags are read inside the transaction.
        let tx = self.store.write()?;
        let a = self.resolve_theme(from)?;
        let b = self.resolve_theme(into)?;
        if a.id == b.id {
            return Err(invalid("into", "a theme cannot be merged into itself"));
        }
        if a.status != ThemeStatus::Active || b.status != ThemeStatus::Active {
            return Err(invalid("theme", "both themes must be active to merge"));
        }
        if b.path.starts_with(&format!("{}/", a.path)) {
            return Err(invalid("into", format!("{} is inside {}", b.path, a.path)));
        }
        // The children move to `into`: refuse if that would put two active themes with
        // one name at the same level (their paths would become ambiguous).
        let rows = store::themes(self.store.conn())?;
        let live_children = |parent: &str| {
            rows.iter()
                .filter(|r| r.parent_id.as_deref() == Some(parent))
                .filter(|r| r.status == ThemeStatus::Active)
                .map(|r| r.name.to_lowercase())
                .collect::<std::collections::HashSet<_>>()
        };
        let target_children = live_children(&b.id);
        let mut clashes: Vec<String> = live_children(&a.id)
            .into_iter()
            .filter(|n| target_children.contains(n))
            .collect();
        if !clashes.is_empty() {
            clashes.sort();
            return Err(invalid(
                "into",
                format!(
                    "{} and {} both have a theme named {}; merge or rename it first",
                    a.path,
                    b.path,
                    clashes
                        .iter()
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let before = self.theme_row(&a.id)?;
        let mut row = before.clone();
        row.status = ThemeStatus::Merged;
        row.merged_into = Some(b.id.clone());
        let now = now_utc();
        let user = self.settings.user.clone();
        let (folded_ids, moved_ids) = store::tags_to_move(&tx, &a.id, &b.id)?;
        let mut folded_tags = Vec::with_capacity(folded_ids.len());
        for id in &folded_ids {
            folded_tags.extend(store::tag_row(&tx, id)?);
        }
        let child_ids = store::child_ids(&tx, &a.id)?;
        let (moved, folded) = store::move_tags(&tx, &a.id, &b.id)?;
        let children = store::reparent_children(&tx, &a.id, &b.id)?;
        let changed = write_changes(&tx, "theme", &a.id, &before, &row, THEME_SKIP)?;
        let detail = serde_json::json!({"into": b.path, "tags_moved": moved, "duplicates_folded": folded, "children_moved": children});
        let events = [new_log_id(), new_log_id()];
        store::insert_event(&tx, &events[0], &a.id, "merged-into", &detail, &now, &user)?;
        store::insert_event(
            &tx,
            &events[1],
            &b.id,
            "merged-from",
            &serde_json::json!({"from": a.path, "tags_moved": moved}),
            &now,
            &user,
        )?;
        if let Some((was, now)) = changed {
            audit::record(&tx, &user, "theme", &a.id, "merge", Some(&was), Some(&now))?;
        }
        tx.commit()?;
        Ok(Merged {
            theme: self.resolve_theme(&b.id)?,
            before,
            into_id: b.id.clone(),
            moved_tags: moved_ids,
            folded_tags,
            children: child_ids,
            events,
        })
    }

    /// Undo a merge: the tags it moved go back to the source theme, the duplicates it
    /// folded come back, the child themes return under it, the source theme is active
    /// again as it was, and the merge's two history events are removed (the audit log
    /// keeps the merge and its undoing). Refused, with nothing written, when the source
    /// theme, one of the moved tags or children changed since.
    pub fn unmerge_theme(&mut self, merged: &Merged) -> Result<Theme> {
        let from = merged.before.id.clone();
        let into = merged.into_id.clone();
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        let now = store::themes(&tx)?
            .into_iter()
            .find(|t| t.id == from)
            .ok_or(ServiceError::NotFound {
                what: "theme",
                key: from.clone(),
            })?;
        let changed = |what: String| {
            ServiceError::Refused(format!(
                "{what} changed since the merge of {}: the merge is not undone",
                merged.before.name
            ))
        };
        if now.status != ThemeStatus::Merged || now.merged_into.as_deref() != Some(into.as_str()) {
            return Err(changed(format!("theme {}", now.name)));
        }
        for id in &merged.moved_tags {
            match store::tag_row(&tx, id)? {
                Some(t) if t.theme_id == into => {}
                _ => return Err(changed(format!("tag {}", &id[..id.len().min(8)]))),
            }
        }
        for id in &merged.children {
            if store::parent_of(&tx, id)? != Some(Some(into.clone())) {
                return Err(changed(format!("child theme {}", &id[..id.len().min(8)])));
            }
        }
        for id in &merged.moved_tags {
            store::set_tag_theme(&tx, id, &from)?;
        }
        for t in &merged.folded_tags {
            store::insert_tag(&tx, t)?;
        }
        for id in &merged.children {
            store::set_parent(&tx, id, &from)?;
        }
        let mut back = merged.before.clone();
        back.tag_count = now.tag_count;
        let restored = write_changes(&tx, "theme", &from, &now, &back, THEME_SKIP)?;
        for e in &merged.events {
            store::delete_event(&tx, e)?;
        }
        audit::record(
            &tx,
            &user,
            "theme",
            &from,
            "merge undone",
            Some(&serde_json::json!({ "status": now.status.as_str(), "merged_into": into })),
            Some(&serde_json::json!({
                "status": merged.before.status.as_str(),
                "tags_back": merged.moved_tags.len(),
                "duplicates_back": merged.folded_tags.len(),
                "children_back": merged.children.len(),
                "fields": restored.map(|(_, after)| after),
            })),
        )?;
        tx.commit()?;
        self.resolve_theme(&from)
    }
}

/// What a merge moved (returned by [`Fieldwork::merge_theme_undoable`]): enough for
/// [`Fieldwork::unmerge_theme`] to move exactly that back.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The theme merged into, after the merge.
    pub theme: Theme,
    /// The merged theme as it was before.
    pub before: ThemeRow,
    pub into_id: String,
    /// Tags moved onto `into`.
    pub moved_tags: Vec<String>,
    /// Session-level tags deleted as duplicates of one `into` already had.
    pub folded_tags: Vec<crate::store::themes::TagRow>,
    /// Child themes moved under `into`.
    pub children: Vec<String>,
    /// The `merged-into` and `merged-from` history events.
    pub events: [String; 2],
}
