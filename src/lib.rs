//! Hearth's core: the store, the importers, the analytics and the use cases (`api`) that
//! the CLI and the desktop shell call. It knows nothing about Tauri or the web view, and
//! it never reads the clock, the environment or `$HOME` itself: callers pass them in.

pub mod analytics;
pub mod api;
pub mod demo;
pub mod import;
pub mod model;
pub mod report;
pub mod store;
