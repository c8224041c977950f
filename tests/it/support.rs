//! Helpers shared by the integration tests.

use std::path::PathBuf;

/// The folder of real-format samples (`HEARTH_DATASETS`), or `None` after saying loudly
/// that the test is skipped. `make test` always sets it; a set but wrong folder fails.
#[allow(dead_code)]
pub fn datasets(test: &str) -> Option<PathBuf> {
    match std::env::var_os("HEARTH_DATASETS") {
        None => {
            eprintln!("HEARTH_DATASETS is not set: skipping {test} (make test sets it)");
            None
        }
        Some(folder) => {
            let folder = PathBuf::from(folder);
            assert!(folder.is_dir(), "HEARTH_DATASETS={} is not a folder", folder.display());
            Some(folder)
        }
    }
}

/// The real-format sample at `relative` inside `HEARTH_DATASETS` (a file or a folder), or
/// `None` when the variable is unset (see [`datasets`]). A named folder that lacks the
/// sample fails the test: the samples are the point of these tests.
#[allow(dead_code)]
pub fn sample(test: &str, relative: &str) -> Option<PathBuf> {
    let path = datasets(test)?.join(relative);
    assert!(
        path.exists(),
        "{test}: HEARTH_DATASETS is set but {} is missing; point HEARTH_DATASETS at the shared datasets folder",
        path.display()
    );
    Some(path)
}

/// Path of the `hearth` binary Cargo built for these tests.
#[allow(dead_code)]
pub fn hearth_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_hearth"))
}

/// The size of the oversized message the bad-input tests write: 100 MB.
#[allow(dead_code)]
pub const HUNDRED_MB: u64 = 100 * 1024 * 1024;

/// Writes `before`, then `length` bytes of text, then `after` to `path`, a megabyte at a
/// time, so that the test itself never holds the oversized file in memory.
#[allow(dead_code)]
pub fn write_with_long_text(path: &std::path::Path, before: &str, length: u64, after: &str) {
    use std::io::Write as _;
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    file.write_all(before.as_bytes()).unwrap();
    let chunk = vec![b'x'; 1 << 20];
    let mut left = length;
    while left > 0 {
        let now = left.min(chunk.len() as u64) as usize;
        file.write_all(&chunk[..now]).unwrap();
        left -= now as u64;
    }
    file.write_all(after.as_bytes()).unwrap();
    file.flush().unwrap();
}

/// A Telegram Desktop single-chat export of `messages` messages by 40 members, 30 s apart
/// from 2024-05-01T10:00:00Z, every third one a reply to the one before; message `id`'s text
/// is "word{id} shared" (a word found in that message alone). Written as `result.json` in
/// `folder`.
pub fn generated_telegram_export(folder: &std::path::Path, messages: u64) -> PathBuf {
    const BASE: i64 = 1_714_557_600;
    let path = folder.join("result.json");
    let rows: Vec<String> = (1..=messages)
        .map(|id| {
            let reply = if id % 3 == 0 { format!(r#", "reply_to_message_id": {}"#, id - 1) } else { String::new() };
            format!(
                r#"{{"id": {id}, "type": "message", "date_unixtime": "{}", "from": "Member {}", "from_id": "user{}", "text": "word{id} shared"{reply}}}"#,
                BASE + id as i64 * 30,
                id % 40,
                id % 40
            )
        })
        .collect();
    let text = format!(r#"{{"name": "Generated group", "type": "private_supergroup", "id": 77, "messages": [{}]}}"#, rows.join(",\n"));
    std::fs::write(&path, text).unwrap();
    path
}
