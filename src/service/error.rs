//! The service's error ([`ServiceError`], with its exit code) and the helpers that build
//! one: an invalid field, an I/O failure, fields changed underneath an open form.

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Bad input: names the field and what is wrong.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("no {what} matches `{key}`")]
    NotFound { what: &'static str, key: String },
    #[error("`{key}` matches several {what}s: {candidates}; give more of the id")]
    Ambiguous {
        what: &'static str,
        key: String,
        candidates: String,
    },
    /// A rule refused the change; nothing was written.
    #[error("refused: {0}")]
    Refused(String),
    /// A deletion refused because other records depend on the record (`dependents`, as
    /// counted by kind); nothing was deleted. The command line deletes them too with
    /// `--with-dependents`; the interface offers it on a second Delete.
    #[error("refused: {record} has {dependents} that depend on {pronoun}; delete those too with --with-dependents, or keep {keep}; nothing was deleted")]
    Dependents {
        /// "participant P1234", "interview 83e55fc1".
        record: String,
        dependents: String,
        /// "them" or "it".
        pronoun: &'static str,
        /// "the participant" or "it".
        keep: &'static str,
    },
    /// Rows of an import that failed validation; nothing was written.
    #[error("{} problem(s) in {file}; nothing was imported:\n{}", .problems.len(), .problems.join("\n"))]
    Import { file: String, problems: Vec<String> },
    /// The record changed since the form was opened (see [`Version`]); nothing was written.
    #[error(
        "{what} {key} was changed by someone else since it was opened ({}); nothing was written",
        describe_changes(.changes)
    )]
    Conflict {
        what: &'static str,
        key: String,
        changes: Vec<FieldChange>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A sync bundle or an encrypted backup that could not be written or read.
    #[error(transparent)]
    Bundle(#[from] crate::sync::bundle::BundleError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl From<rusqlite::Error> for ServiceError {
    fn from(e: rusqlite::Error) -> Self {
        ServiceError::Store(StoreError::Sqlite(e))
    }
}

impl ServiceError {
    /// 2 for bad input or usage, 1 for everything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            ServiceError::Invalid { .. }
            | ServiceError::NotFound { .. }
            | ServiceError::Ambiguous { .. }
            | ServiceError::Refused(_)
            | ServiceError::Dependents { .. }
            | ServiceError::Import { .. } => 2,
            ServiceError::Store(
                StoreError::NotFieldwork { .. }
                | StoreError::OrphanWal { .. }
                | StoreError::Newer { .. }
                | StoreError::Missing { .. }
                | StoreError::Exists { .. }
                | StoreError::Unrestorable { .. },
            ) => 2,
            ServiceError::Bundle(e) => e.exit_code(),
            _ => 1,
        }
    }
}

pub type Result<T> = std::result::Result<T, ServiceError>;

/// A field that changed underneath an open form: its value when the form was opened and
/// its value now (empty for unset).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldChange {
    pub field: String,
    pub opened: String,
    pub current: String,
}

pub(super) fn describe_changes(changes: &[FieldChange]) -> String {
    changes
        .iter()
        .map(|c| c.field.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> ServiceError {
    ServiceError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

pub(crate) fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ServiceError {
    let context = context.into();
    move |source| ServiceError::Io { context, source }
}
