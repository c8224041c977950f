//! Architecture invariants written in ARCHITECTURE.md, checked on the source tree so that
//! they stay true: the core knows nothing of Tauri, only the store uses rusqlite, the
//! analytics never touch the database, the clock or the file system, and the shell only
//! calls `api`.

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Fails listing every file under `folder` (except `allowed`) that contains one of `needles`.
fn forbid(folder: &str, allowed: &[&str], needles: &[&str], why: &str) {
    let mut offenders = Vec::new();
    for file in rust_files(&root().join(folder)) {
        let relative = file.strip_prefix(root()).unwrap().to_string_lossy().replace('\\', "/");
        if allowed.iter().any(|prefix| relative.starts_with(prefix)) {
            continue;
        }
        let text = fs::read_to_string(&file).unwrap();
        for needle in needles {
            if text.contains(needle) {
                offenders.push(format!("{relative}: {needle}"));
            }
        }
    }
    assert!(offenders.is_empty(), "{why}:\n{}", offenders.join("\n"));
}

#[test]
fn core_does_not_know_tauri() {
    forbid("src", &[], &["tauri::", "use tauri"], "the core must not depend on Tauri");
}

#[test]
fn only_store_uses_rusqlite() {
    forbid("src", &["src/store/"], &["rusqlite"], "only src/store may use rusqlite");
}

#[test]
fn analytics_are_pure() {
    forbid(
        "src/analytics",
        &[],
        &["crate::store", "rusqlite", "std::fs", "SystemTime", "Utc::now", "Local::now", "std::env", "println!", "HashMap<i64, f64>"],
        "analytics are pure functions of rows, as_of and config",
    );
}

#[test]
fn core_never_reads_the_clock_or_environment() {
    forbid(
        "src",
        &["src/main.rs"],
        &["SystemTime::now", "Utc::now", "Local::now", "std::env::var"],
        "paths, clock and configuration are passed into the core, never discovered inside it",
    );
}

#[test]
fn shell_only_calls_api() {
    let shell = root().join("src-tauri/src");
    if !shell.exists() {
        return;
    }
    forbid(
        "src-tauri/src",
        &[],
        &["hearth::analytics", "hearth::import", "hearth::demo", "hearth::report", "rusqlite"],
        "src-tauri calls hearth::api (and holds a hearth::store::Store), nothing else of the core",
    );
}
