//! The store's error and result types, and the conversions of columns read back.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: not a fieldwork database ({why}); it was not modified")]
    NotFieldwork { path: String, why: String },
    #[error("{path}: the database has schema version {found}, newer than this fieldwork supports ({supported}); upgrade fieldwork to open it")]
    Newer {
        path: String,
        found: i32,
        supported: i32,
    },
    #[error("{path}: no database here; create one with `fieldwork init`")]
    Missing { path: String },
    #[error("{path}: cannot write to the database: the file or its folder is read-only (fieldwork writes the file and keeps {path}-wal beside it); fix the permissions, or copy the database somewhere writable")]
    ReadOnly { path: String },
    #[error("{path}: the database is missing but its write-ahead log {path}-wal is there (recent changes may be only in it): put the database back beside it, or move the -wal file away before `fieldwork init`; nothing was changed")]
    OrphanWal { path: String },
    #[error(
        "{path}: a database already exists; use `--force` to replace it (a backup is made first)"
    )]
    Exists { path: String },
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    /// `restore` refused its file; nothing was changed.
    #[error("{path}: cannot restore from this file: {why}; nothing was changed")]
    Unrestorable { path: String, why: String },
    /// Another connection holds the database, so it cannot be replaced now.
    #[error("{path}: the database is open in another program (a fieldwork interface?); close it and try again; nothing was changed")]
    InUse { path: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("corrupt value in column {column}: {value}")]
    Corrupt { column: String, value: String },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The ids that start with a typed prefix, as the bounds of `id >= lo AND id < hi`: an
/// index answers that in a few steps, where `id LIKE ?1 || '%'` reads the whole table (and
/// treats `_` and `%` in the key as wildcards). Ids are lower-case UUIDs, so the prefix is
/// lower-cased; a prefix shorter than 6 characters gives no bounds (it matches nothing).
pub(crate) fn id_prefix_bounds(key: &str) -> (Option<String>, Option<String>) {
    let k = key.trim().to_lowercase();
    if k.chars().count() < 6 {
        return (None, None);
    }
    // Every string that starts with `k` sorts before `k` + the largest code point.
    let hi = format!("{k}\u{10FFFF}");
    (Some(k), Some(hi))
}

pub(super) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> StoreError {
    let context = context.into();
    move |source| StoreError::Io { context, source }
}

/// Read an enum stored as text, reporting a corrupt value instead of panicking.
pub(crate) fn parse_col<T: std::str::FromStr>(column: &str, value: String) -> Result<T> {
    value.parse().map_err(|_| StoreError::Corrupt {
        column: column.into(),
        value,
    })
}

pub(crate) fn parse_date_col(column: &str, value: String) -> Result<time::Date> {
    crate::domain::parse_date(&value).map_err(|_| StoreError::Corrupt {
        column: column.into(),
        value,
    })
}

/// Map a row-level conversion error from our own parsing into rusqlite's error type.
pub(crate) fn conv<T>(r: Result<T>) -> rusqlite::Result<T> {
    r.map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}
