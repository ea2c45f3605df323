//! Sync bookkeeping (placeholder).
