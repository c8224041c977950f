//! Git repository history from a local clone, as contributor activity: each commit is a
//! message by its author, a commit landed by someone else is that person's reply to it
//! (so the analytics see how long work waits to be landed), and every `Co-authored-by`
//! trailer credits its co-author. The history is read from the `git` program's output as
//! a stream, so a repository of any size costs the same memory.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{ImportError, ImportOptions, Outcome, Written};
use crate::model::{ActivityKind, Platform, Progress, ProgressSink, UnixSeconds};
use crate::store::{ImportTx, NewActivity, NewGroup, NewMember, Store};

pub const FORMAT: &str = "git";

/// Field and record separators in the `git log` format: control characters that cannot
/// appear in names, e-mail addresses or one-line subjects.
const FIELD: u8 = 0x1f;
const RECORD: u8 = 0x1e;
const TRAILER: char = '\u{1d}';

const LOG_FORMAT: &str =
    "--format=%H%x1f%P%x1f%an%x1f%ae%x1f%at%x1f%cn%x1f%ce%x1f%ct%x1f%s%x1f%(trailers:key=Co-authored-by,valueonly,separator=%x1d)%x1e";

/// Whether `path` is a git work tree or a bare repository (a cheap look at its files).
pub fn looks_like_repository(path: &Path) -> bool {
    path.join(".git").exists() || (path.join("HEAD").is_file() && path.join("objects").is_dir() && path.join("refs").is_dir())
}

struct Person {
    name: String,
    email: String,
}

impl Person {
    fn key(&self) -> String {
        self.email.trim().to_lowercase()
    }

    /// Accounts that act for nobody in particular: GitHub's web-flow committer, bots named
    /// `[bot]`, and `noreply@` addresses of tools. GitHub's per-user addresses
    /// (`123+name@users.noreply.github.com`) are people.
    fn is_bot(&self) -> bool {
        let email = self.email.to_lowercase();
        email.starts_with("noreply@") || email.contains("[bot]") || self.name.contains("[bot]")
    }
}

struct Commit {
    sha: String,
    parents: usize,
    author: Person,
    authored_at: UnixSeconds,
    committer: Person,
    committed_at: UnixSeconds,
    subject: String,
    co_authors: Vec<Person>,
}

pub fn import(store: &mut Store, path: &Path, now: UnixSeconds, progress: ProgressSink<'_>) -> Result<Outcome, ImportError> {
    super::import_paths(store, &[path.to_path_buf()], Some(FORMAT), &ImportOptions::default(), now, progress)
}

/// Writes the history of the repository at `path` into the import transaction `tx`.
pub fn write(tx: &mut ImportTx<'_>, path: &Path, now: UnixSeconds, progress: ProgressSink<'_>) -> Result<Written, ImportError> {
    if !path.is_dir() || !looks_like_repository(path) {
        return Err(ImportError::Unsupported {
            path: path.to_path_buf(),
            problem: "this is not a git repository".into(),
            hint: "give the folder of a local clone (the one that contains .git), or a bare repository".into(),
        });
    }
    let total = git_output(path, &["rev-list", "--all", "--count"])?.trim().parse::<u64>().unwrap_or(0);
    if total == 0 {
        return Err(ImportError::Unsupported {
            path: path.to_path_buf(),
            problem: "the repository has no commits".into(),
            hint: "commit or fetch some history first".into(),
        });
    }
    let origin =
        git_output(path, &["config", "--get", "remote.origin.url"]).ok().map(|url| url.trim().to_string()).filter(|url| !url.is_empty());
    let name = repository_name(path, origin.as_deref());
    let platform_id = origin.clone().unwrap_or_else(|| format!("local:{name}"));

    // A user's `log.showSignature` would mix GnuPG's output into the records.
    let mut child = Command::new("git")
        .arg("-C")
        .arg(path)
        .args(["-c", "log.showSignature=false", "log", "--all", "--reverse", "--no-color", LOG_FORMAT])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| git_missing(path, source))?;
    let stdout = child.stdout.take().expect("stdout is piped");

    let group = tx.upsert_group(
        &NewGroup { platform: Platform::Git, platform_id: &platform_id, name: &name, is_archive: true, is_demo: false },
        now,
    )?;
    let channel = tx.upsert_channel(group, "commits", "commits")?;
    let mut skipped: BTreeMap<String, u64> = BTreeMap::new();
    let mut reader = BufReader::new(stdout);
    let mut record = Vec::new();
    let mut read = 0u64;
    loop {
        record.clear();
        let length = reader.read_until(RECORD, &mut record).map_err(|source| ImportError::Io { path: path.to_path_buf(), source })?;
        if length == 0 {
            break;
        }
        // `git log` ends each entry with our record separator and a newline.
        let text = String::from_utf8_lossy(&record);
        let text = text.trim_start_matches('\n').trim_end_matches(RECORD as char);
        if text.trim().is_empty() {
            continue;
        }
        read += 1;
        let commit = parse_commit(text).ok_or_else(|| ImportError::Malformed {
            path: path.to_path_buf(),
            position: format!("commit {read} of the log"),
            problem: "git printed a commit Hearth could not read".into(),
            hint: "check that `git log` works in this repository (git 2.22 or newer is needed)".into(),
        })?;
        write_commit(tx, group, channel, &commit, &mut skipped)?;
        if read % 1000 == 0 {
            progress(&Progress::items("Reading commits", read, Some(total)));
        }
    }
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    let status = child.wait().map_err(|source| ImportError::Io { path: path.to_path_buf(), source })?;
    if !status.success() {
        return Err(ImportError::Unsupported {
            path: path.to_path_buf(),
            problem: format!("git log failed: {}", stderr.trim()),
            hint: "check that the repository is readable and not corrupt (`git fsck`)".into(),
        });
    }
    progress(&Progress::items("Reading commits", read, Some(total)));
    Ok(Written { groups: vec![group], skipped, read_local_times: false })
}

fn write_commit(
    tx: &mut crate::store::ImportTx<'_>,
    group: crate::model::GroupId,
    channel: i64,
    commit: &Commit,
    skipped: &mut BTreeMap<String, u64>,
) -> Result<(), ImportError> {
    let author_key = commit.author.key();
    let author = tx
        .upsert_member(group, &NewMember { platform_id: &author_key, display_name: &commit.author.name, is_bot: commit.author.is_bot() })?;
    tx.insert_activity(
        group,
        &NewActivity {
            channel_id: channel,
            member_id: author,
            platform_id: &commit.sha,
            kind: ActivityKind::Message,
            at: commit.authored_at,
            parent_platform_id: None,
            text: Some(&commit.subject),
            raw_kind: Some(if commit.parents > 1 { "merge" } else { "commit" }),
        },
    )?;
    let committer_key = commit.committer.key();
    if committer_key != author_key {
        if commit.committer.is_bot() {
            // GitHub's web-flow committer says only that a button was pressed on the site.
            *skipped.entry("commits landed by a bot or the GitHub web interface (no person to credit)".into()).or_default() += 1;
        } else {
            let committer =
                tx.upsert_member(group, &NewMember { platform_id: &committer_key, display_name: &commit.committer.name, is_bot: false })?;
            let platform_id = format!("{}:committed", commit.sha);
            tx.insert_activity(
                group,
                &NewActivity {
                    channel_id: channel,
                    member_id: committer,
                    platform_id: &platform_id,
                    kind: ActivityKind::Reply,
                    at: commit.committed_at.max(commit.authored_at),
                    parent_platform_id: Some(&commit.sha),
                    text: None,
                    raw_kind: Some("committed"),
                },
            )?;
        }
    }
    let mut credited = vec![author_key];
    for co_author in &commit.co_authors {
        let key = co_author.key();
        if credited.contains(&key) {
            continue;
        }
        let member =
            tx.upsert_member(group, &NewMember { platform_id: &key, display_name: &co_author.name, is_bot: co_author.is_bot() })?;
        let platform_id = format!("{}:co-author:{key}", commit.sha);
        tx.insert_activity(
            group,
            &NewActivity {
                channel_id: channel,
                member_id: member,
                platform_id: &platform_id,
                kind: ActivityKind::Message,
                at: commit.authored_at,
                parent_platform_id: None,
                text: None,
                raw_kind: Some("co-authored"),
            },
        )?;
        credited.push(key);
    }
    Ok(())
}

fn parse_commit(text: &str) -> Option<Commit> {
    let fields: Vec<&str> = text.split(FIELD as char).collect();
    if fields.len() != 10 {
        return None;
    }
    Some(Commit {
        sha: fields[0].to_string(),
        parents: fields[1].split_whitespace().count(),
        author: Person { name: fields[2].to_string(), email: fields[3].to_string() },
        authored_at: fields[4].parse().ok()?,
        committer: Person { name: fields[5].to_string(), email: fields[6].to_string() },
        committed_at: fields[7].parse().ok()?,
        subject: fields[8].to_string(),
        co_authors: fields[9].split(TRAILER).filter_map(parse_person).collect(),
    })
}

/// "Name <email>" as trailers write people; a bare address is its own name.
fn parse_person(text: &str) -> Option<Person> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match (text.rfind('<'), text.rfind('>')) {
        (Some(open), Some(close)) if open < close => {
            let email = text[open + 1..close].trim().to_string();
            let name = text[..open].trim();
            Some(Person { name: if name.is_empty() { email.clone() } else { name.to_string() }, email })
        }
        _ => Some(Person { name: text.to_string(), email: text.to_string() }),
    }
}

/// The repository's name: the last part of its remote URL, else of its folder, without `.git`.
fn repository_name(path: &Path, origin: Option<&str>) -> String {
    let from_origin = origin.and_then(|url| url.trim_end_matches('/').rsplit(['/', ':']).next()).map(str::to_string);
    let from_folder = || {
        let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| PathBuf::from(path));
        absolute.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_else(|| "repository".into())
    };
    let name = from_origin.filter(|name| !name.is_empty()).unwrap_or_else(from_folder);
    name.strip_suffix(".git").map(str::to_string).unwrap_or(name)
}

fn git_output(path: &Path, args: &[&str]) -> Result<String, ImportError> {
    let output = Command::new("git").arg("-C").arg(path).args(args).output().map_err(|source| git_missing(path, source))?;
    if !output.status.success() {
        return Err(ImportError::Unsupported {
            path: path.to_path_buf(),
            problem: format!("git {} failed: {}", args.join(" "), String::from_utf8_lossy(&output.stderr).trim()),
            hint: "check that this is a readable git repository".into(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn git_missing(path: &Path, source: std::io::Error) -> ImportError {
    if source.kind() == std::io::ErrorKind::NotFound {
        ImportError::Unsupported {
            path: path.to_path_buf(),
            problem: "the git program was not found".into(),
            hint: "install git (apt-get install git) and try again".into(),
        }
    } else {
        ImportError::Io { path: path.to_path_buf(), source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_from_trailers() {
        let person = parse_person(" Dan Doe <dan@example.org> ").unwrap();
        assert_eq!((person.name.as_str(), person.key().as_str()), ("Dan Doe", "dan@example.org"));
        assert_eq!(parse_person("<x@y.z>").unwrap().name, "x@y.z");
        assert!(parse_person("  ").is_none());
    }

    #[test]
    fn bots_and_people() {
        let person = |name: &str, email: &str| Person { name: name.into(), email: email.into() };
        assert!(person("GitHub", "noreply@github.com").is_bot());
        assert!(person("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com").is_bot());
        assert!(!person("takanuva15", "6986426+takanuva15@users.noreply.github.com").is_bot());
    }

    #[test]
    fn repository_names() {
        assert_eq!(repository_name(Path::new("."), Some("https://github.com/spf13/cobra.git")), "cobra");
        assert_eq!(repository_name(Path::new("."), Some("git@github.com:spf13/cobra")), "cobra");
    }

    #[test]
    fn a_log_entry_is_parsed_field_by_field() {
        let entry = "abc\u{1f}p1 p2\u{1f}Ann\u{1f}ann@x.org\u{1f}100\u{1f}Bob\u{1f}bob@x.org\u{1f}200\u{1f}Merge branch\u{1f}Cy <cy@x.org>\u{1d}Di <di@x.org>";
        let commit = parse_commit(entry).unwrap();
        assert_eq!((commit.parents, commit.authored_at, commit.committed_at), (2, 100, 200));
        assert_eq!(commit.co_authors.len(), 2);
        assert!(parse_commit("too\u{1f}few").is_none());
    }
}
