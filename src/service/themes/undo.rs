//! The undo of adding, retiring and splitting a theme (the interface's undo calls these
//! with what the write returned). Each is one transaction that first checks the theme is
//! still as the write left it, and refuses with nothing written when it is not.

use crate::domain::{Theme, ThemeStatus};
use crate::service::{json, write_changes, Fieldwork, Result, ServiceError};
use crate::store::audit;
use crate::store::themes::{self as store, RawRow, RawTable, ThemeRow};

use super::edit::THEME_SKIP;

/// A theme just added (returned by [`Fieldwork::add_theme_undoable`]): the row and history
/// as they were made, for [`Fieldwork::delete_added_theme`] to check against.
#[derive(Debug, Clone)]
pub struct AddedTheme {
    pub theme: Theme,
    /// The theme row as added (every column).
    pub row: RawRow,
    /// Its history events (the `created` one).
    pub events: Vec<String>,
}

/// A theme just retired (returned by [`Fieldwork::retire_theme_undoable`]).
#[derive(Debug, Clone)]
pub struct Retired {
    /// The theme after the retirement.
    pub theme: Theme,
    /// The theme as it was before.
    pub before: ThemeRow,
    /// The `retired` history event.
    pub event: String,
}

/// A split (returned by [`Fieldwork::split_theme_undoable`]): the new theme, the tags moved
/// onto it (as they were after the move) and the history events the split added.
#[derive(Debug, Clone)]
pub struct Split {
    /// The new theme.
    pub theme: Theme,
    /// The new theme's row as the split made it.
    pub row: RawRow,
    /// The new theme's history events (`created`, `split-from`).
    pub events: Vec<String>,
    /// The theme split from: its id, its row (unchanged by the split), its `split` event.
    pub from_id: String,
    pub from_row: RawRow,
    pub from_event: String,
    /// The tags moved onto the new theme, as they were after the move.
    pub moved: Vec<RawRow>,
}

fn short(id: &str) -> &str {
    &id[..id.len().min(8)]
}

/// A passage tag a write left as `row`, read again inside the undo's transaction: the row
/// as it is now, or why the undo must be refused (it changed, or it is gone).
pub(crate) fn tag_as_left(
    tx: &rusqlite::Connection,
    row: &RawRow,
) -> Result<std::result::Result<RawRow, String>> {
    let id = row.text("id").unwrap_or_default();
    Ok(match store::raw_row(tx, RawTable::Tag, &id)? {
        Some(now) if &now == row => Ok(now),
        Some(_) => Err(format!("passage tag {} changed since", short(&id))),
        None => Err(format!("passage tag {} was removed since", short(&id))),
    })
}

/// The name of a theme row read whole.
fn name_of(row: &RawRow) -> String {
    row.text("name").unwrap_or_default()
}

impl Fieldwork {
    /// [`Fieldwork::add_theme`] that returns what its undo needs.
    pub fn add_theme_undoable(
        &mut self,
        name: &str,
        framework: Option<&str>,
        parent: Option<&str>,
        description: Option<&str>,
        colour: Option<&str>,
    ) -> Result<AddedTheme> {
        let tx = self.store.write()?;
        let id = self.add_theme_tx(&tx, name, framework, parent, description, colour)?;
        let row = store::raw_row(&tx, RawTable::Theme, &id)?.ok_or(ServiceError::NotFound {
            what: "theme",
            key: id.clone(),
        })?;
        let events = store::event_ids(&tx, &id)?;
        tx.commit()?;
        Ok(AddedTheme {
            theme: self.resolve_theme(&id)?,
            row,
            events,
        })
    }

    /// Check, inside the open transaction, that a theme a write made is still exactly as
    /// made, with nothing on it but `own_tags` tags and no history but `events`.
    fn check_made_theme(
        tx: &rusqlite::Connection,
        row: &RawRow,
        events: &[String],
        own_tags: i64,
        undoing: &str,
    ) -> Result<String> {
        let id = row.text("id").unwrap_or_default();
        let name = name_of(row);
        let refused = |why: String| {
            ServiceError::Refused(format!(
                "{why}: {undoing} is not undone; nothing was changed"
            ))
        };
        let Some(now) = store::raw_row(tx, RawTable::Theme, &id)? else {
            return Err(refused(format!(
                "theme {name} is no longer in the codebook"
            )));
        };
        if &now != row {
            return Err(refused(format!(
                "theme {name} was changed since (renamed, moved, retired or merged)"
            )));
        }
        let (tags, children, summaries, merged) = store::theme_dependents(tx, &id)?;
        let mut on = Vec::new();
        if tags > own_tags {
            on.push(format!("{} tag(s)", tags - own_tags));
        }
        if children > 0 {
            on.push(format!("{children} child theme(s)"));
        }
        if summaries > 0 {
            on.push(format!("{summaries} matrix summary(ies)"));
        }
        if merged > 0 {
            on.push(format!("{merged} theme(s) merged into it"));
        }
        if !on.is_empty() {
            return Err(refused(format!("theme {name} has {} since", on.join(", "))));
        }
        if store::event_ids(tx, &id)? != events {
            return Err(refused(format!("theme {name} has new history since")));
        }
        Ok(id)
    }

    /// Undo adding a theme: it is deleted with its `created` history event (the audit log
    /// keeps the addition and its undoing). Refused, with nothing written, once the theme
    /// has tags, child themes, matrix summaries or themes merged into it, or was renamed,
    /// moved, retired or merged since. Returns the theme's path.
    pub fn delete_added_theme(&mut self, added: &AddedTheme) -> Result<String> {
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        let undoing = format!("adding {}", name_of(&added.row));
        let id = Self::check_made_theme(&tx, &added.row, &added.events, 0, &undoing)?;
        for e in &added.events {
            store::delete_event(&tx, e)?;
        }
        store::delete_theme(&tx, &id)?;
        audit::record(
            &tx,
            &user,
            "theme",
            &id,
            "add undone",
            Some(&json(&added.theme)),
            None,
        )?;
        tx.commit()?;
        Ok(added.theme.path.clone())
    }

    /// Undo retiring a theme: it has the status it had before again and the retirement's
    /// history event is removed. Refused, with nothing written, when the theme changed
    /// since, or an active theme with its name was added beside it meanwhile.
    pub fn unretire_theme(&mut self, retired: &Retired) -> Result<Theme> {
        let user = self.settings.user.clone();
        let id = retired.before.id.clone();
        let tx = self.store.write()?;
        let rows = store::themes_uncounted(&tx)?;
        let refused = |why: String| {
            ServiceError::Refused(format!(
                "{why}: the retirement of {} is not undone; nothing was changed",
                retired.before.name
            ))
        };
        let now = rows.iter().find(|t| t.id == id).cloned().ok_or_else(|| {
            refused(format!(
                "theme {} is no longer in the codebook",
                retired.before.name
            ))
        })?;
        let b = &retired.before;
        let same = now.status == ThemeStatus::Retired
            && now.name == b.name
            && now.parent_id == b.parent_id
            && now.framework_id == b.framework_id
            && now.description == b.description
            && now.colour == b.colour
            && now.merged_into == b.merged_into
            && now.sort == b.sort;
        let events = store::event_ids(&tx, &id)?;
        if !same || events.last() != Some(&retired.event) {
            return Err(refused(format!("theme {} changed since", now.name)));
        }
        if b.status == ThemeStatus::Active
            && rows.iter().any(|o| {
                o.id != id
                    && o.framework_id == b.framework_id
                    && o.parent_id == b.parent_id
                    && o.status == ThemeStatus::Active
                    && o.name.eq_ignore_ascii_case(&b.name)
            })
        {
            return Err(refused(format!(
                "an active theme named `{}` was added beside it since",
                b.name
            )));
        }
        let mut back = b.clone();
        back.tag_count = now.tag_count;
        let restored = write_changes(&tx, "theme", &id, &now, &back, THEME_SKIP)?;
        store::delete_event(&tx, &retired.event)?;
        audit::record(
            &tx,
            &user,
            "theme",
            &id,
            "retire undone",
            Some(&serde_json::json!({"status": now.status.as_str()})),
            Some(&serde_json::json!({
                "status": b.status.as_str(),
                "fields": restored.map(|(_, after)| after),
            })),
        )?;
        tx.commit()?;
        self.resolve_theme(&id)
    }

    /// Undo a split: exactly the tags it moved go back to the theme they came from, the
    /// new theme is deleted with its history, and the `split` event of the old theme is
    /// removed. Refused, with nothing written, when the new theme got other tags, child
    /// themes or summaries or was changed, a moved tag changed since, or the old theme did.
    pub fn unsplit_theme(&mut self, split: &Split) -> Result<Theme> {
        let user = self.settings.user.clone();
        let tx = self.store.write()?;
        let undoing = format!("the split of {}", name_of(&split.from_row));
        let refused = |why: String| {
            ServiceError::Refused(format!(
                "{why}: {undoing} is not undone; nothing was changed"
            ))
        };
        match store::raw_row(&tx, RawTable::Theme, &split.from_id)? {
            Some(r) if r == split.from_row => {}
            _ => {
                return Err(refused(format!(
                    "theme {} changed since",
                    name_of(&split.from_row)
                )))
            }
        }
        if store::event_ids(&tx, &split.from_id)?.last() != Some(&split.from_event) {
            return Err(refused(format!(
                "theme {} has new history since",
                name_of(&split.from_row)
            )));
        }
        for t in &split.moved {
            if let Err(why) = tag_as_left(&tx, t)? {
                return Err(refused(why));
            }
        }
        let new_id = Self::check_made_theme(
            &tx,
            &split.row,
            &split.events,
            split.moved.len() as i64,
            &undoing,
        )?;
        let ids: Vec<String> = split
            .moved
            .iter()
            .map(|t| t.text("id").unwrap_or_default())
            .collect();
        for id in &ids {
            store::set_tag_theme(&tx, id, &split.from_id)?;
        }
        store::delete_event(&tx, &split.from_event)?;
        for e in &split.events {
            store::delete_event(&tx, e)?;
        }
        store::delete_theme(&tx, &new_id)?;
        audit::record(
            &tx,
            &user,
            "theme",
            &split.from_id,
            "split undone",
            Some(&serde_json::json!({"into": new_id, "tags": ids})),
            Some(&serde_json::json!({"deleted_theme": json(&split.theme), "tags_back": ids.len()})),
        )?;
        tx.commit()?;
        self.resolve_theme(&split.from_id)
    }
}
