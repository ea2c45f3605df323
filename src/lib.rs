//! fieldwork: a local, offline fieldwork log for longitudinal qualitative case studies.
//!
//! Layers: [`store`] (SQLite, no UI) → [`service`] (use-cases and rules, transactions) →
//! the CLI ([`cli`]) and the TUI, which call the same service functions.

pub mod cli;
pub mod config;
pub mod demo;
pub mod demo_plant;
pub mod domain;
pub mod export;
pub mod import;
pub mod service;
pub mod store;
pub mod sync;
pub mod tui;
