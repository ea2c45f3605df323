//! How a cell of Table 1 is shown: its count, `<T` (a small count), or `*` (suppressed to
//! protect one).

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mark {
    Shown,
    /// 1..T−1, shown as `<T`.
    Primary,
    /// Suppressed to protect a primary cell, shown as `*`.
    Secondary,
}
