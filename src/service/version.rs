//! [`Version`]: the values a form was opened on, to refuse an edit over a change made since.

use super::error::{FieldChange, Result, ServiceError};

/// The version of a record a form was opened on: the values it showed, field by field, as
/// the service names the fields (`name`, `site`, `job title`, …). An edit that carries one
/// is refused with [`ServiceError::Conflict`] when any of those fields changed since,
/// whoever changed it; an edit without one (the command line) changes only the fields it
/// names. Values, not a counter or a timestamp, so a change and its undo by someone else
/// are no conflict, and nothing is added to the rows (a bookkeeping column would turn every
/// concurrent edit into a conflict for sync, see docs/design/sync.md).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Version(pub Vec<(String, String)>);

impl Version {
    pub fn new<K: Into<String>, V: Into<String>>(fields: impl IntoIterator<Item = (K, V)>) -> Self {
        Version(
            fields
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// The value a field had when the form was opened.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == field)
            .map(|(_, v)| v.as_str())
    }

    /// The fields whose value now (`current(field)`) differs from the one the form showed.
    /// Values are compared trimmed, as the service stores them.
    pub(crate) fn changes(&self, current: impl Fn(&str) -> String) -> Vec<FieldChange> {
        self.0
            .iter()
            .filter_map(|(field, opened)| {
                let now = current(field);
                (now.trim() != opened.trim()).then(|| FieldChange {
                    field: field.clone(),
                    opened: opened.clone(),
                    current: now,
                })
            })
            .collect()
    }

    /// Refuse with a conflict if any field changed since the form was opened.
    pub(crate) fn check(
        &self,
        what: &'static str,
        key: &str,
        current: impl Fn(&str) -> String,
    ) -> Result<()> {
        let changes = self.changes(current);
        if changes.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::Conflict {
                what,
                key: key.to_string(),
                changes,
            })
        }
    }

    /// This version moved on to the values a conflict reported as current: an edit carrying
    /// it overwrites exactly what the user has seen, and conflicts again if the record
    /// changed once more in the meantime.
    pub fn rebased(&self, changes: &[FieldChange]) -> Version {
        let mut v = self.clone();
        for c in changes {
            match v.0.iter_mut().find(|(k, _)| *k == c.field) {
                Some((_, val)) => *val = c.current.clone(),
                None => v.0.push((c.field.clone(), c.current.clone())),
            }
        }
        v
    }
}
