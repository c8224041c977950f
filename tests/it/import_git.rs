//! The git importer on repositories made by the tests: a small hand-made history whose
//! numbers are counted by hand, and spf13/cobra's real history (1,106 commits, from the
//! shared datasets) rebuilt commit by commit with `git fast-import`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use hearth::api;
use hearth::model::{ActivityKind, Platform};
use hearth::store::Store;

use crate::support::datasets;

fn git(repo: &Path, args: &[&str], env: &[(&str, &str)]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"])
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .envs(env.iter().copied())
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?} failed");
}

/// A commit by `author` (name, email), committed by `committer`, at the given times.
fn commit(repo: &Path, message: &str, author: (&str, &str), authored: &str, committer: (&str, &str), committed: &str) {
    git(
        repo,
        &["commit", "--allow-empty", "-q", "-m", message],
        &[
            ("GIT_AUTHOR_NAME", author.0),
            ("GIT_AUTHOR_EMAIL", author.1),
            ("GIT_AUTHOR_DATE", authored),
            ("GIT_COMMITTER_NAME", committer.0),
            ("GIT_COMMITTER_EMAIL", committer.1),
            ("GIT_COMMITTER_DATE", committed),
        ],
    );
}

const ALICE: (&str, &str) = ("Alice", "alice@example.org");
const BOB: (&str, &str) = ("Bob", "Bob@Example.org");
const CAROL: (&str, &str) = ("Carol", "carol@example.org");
const DEPENDABOT: (&str, &str) = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com");
const GITHUB: (&str, &str) = ("GitHub", "noreply@github.com");

/// main: A (Alice) -> B (Bob, landed by Alice an hour later) -> merge of feature (Alice)
/// -> D (dependabot, landed by GitHub's web flow). feature: C (Carol, co-authored by Dan
/// and, redundantly, by Carol herself).
fn small_repository(repo: &Path) {
    git(repo, &["init", "-q"], &[]);
    commit(repo, "Initial commit", ALICE, "2024-05-01T10:00:00Z", ALICE, "2024-05-01T10:00:00Z");
    commit(repo, "Fix typo in docs", BOB, "2024-05-02T09:00:00Z", ALICE, "2024-05-02T10:00:00Z");
    git(repo, &["checkout", "-q", "-b", "feature"], &[]);
    commit(
        repo,
        "Add completions\n\nCo-authored-by: Dan <dan@example.org>\nCo-authored-by: Carol <carol@example.org>",
        CAROL,
        "2024-05-03T12:00:00Z",
        CAROL,
        "2024-05-03T12:00:00Z",
    );
    git(repo, &["checkout", "-q", "main"], &[]);
    git(
        repo,
        &["merge", "-q", "--no-ff", "-m", "Merge branch 'feature'", "feature"],
        &[
            ("GIT_AUTHOR_NAME", ALICE.0),
            ("GIT_AUTHOR_EMAIL", ALICE.1),
            ("GIT_AUTHOR_DATE", "2024-05-04T08:00:00Z"),
            ("GIT_COMMITTER_NAME", ALICE.0),
            ("GIT_COMMITTER_EMAIL", ALICE.1),
            ("GIT_COMMITTER_DATE", "2024-05-04T08:00:00Z"),
        ],
    );
    commit(repo, "Bump serde", DEPENDABOT, "2024-05-05T07:00:00Z", GITHUB, "2024-05-05T07:30:00Z");
}

#[test]
fn small_history_is_imported_as_counted_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("widgets");
    std::fs::create_dir(&repo).unwrap();
    small_repository(&repo);
    let mut store = Store::open_in_memory().unwrap();
    let summary = api::import(&mut store, &repo, None, 0, &mut |_| {}).unwrap();
    assert_eq!(summary.format, "git");
    assert_eq!(summary.groups.len(), 1);
    assert_eq!((summary.groups[0].name.as_str(), summary.groups[0].platform), ("widgets", Platform::Git));
    // 5 commits (A, B, C, merge, D) + 1 co-authorship (Dan; Carol's own trailer is not
    // counted twice) + 1 reply (Alice landing Bob's commit) = 7 posts.
    assert_eq!(summary.messages, 7);
    // Alice, Bob, Carol, Dan, dependabot; GitHub's committer is not a member.
    assert_eq!(summary.members, 5);
    assert_eq!(summary.channels, 1);
    assert_eq!(summary.skipped.len(), 1);
    assert_eq!(summary.skipped[0].count, 1, "dependabot's commit landed by GitHub's web flow");

    let data = store.load_group_data(&summary.groups[0]).unwrap();
    let reply = data.activities.iter().find(|activity| activity.kind == ActivityKind::Reply).unwrap();
    let landed = data.activities.iter().find(|activity| Some(activity.id) == reply.parent_id).unwrap();
    assert_eq!(data.text(landed), Some("Fix typo in docs"));
    assert_eq!(reply.at - landed.at, 3600, "Alice landed Bob's work an hour after he wrote it");
    let bots: Vec<&str> = data.members.iter().filter(|member| member.is_bot).map(|member| member.display_name.as_str()).collect();
    assert_eq!(bots, vec!["dependabot[bot]"]);
    assert!(data.members.iter().any(|member| member.platform_id == "bob@example.org"), "e-mail keys are lowercased");

    let again = api::import(&mut store, &repo, Some("git"), 0, &mut |_| {}).unwrap();
    assert_eq!((again.messages, again.members, again.duplicates), (0, 0, 7), "a re-import changes nothing");
}

#[test]
fn a_folder_that_is_not_a_repository_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let error = api::import(&mut store, dir.path(), Some("git"), 0, &mut |_| {}).unwrap_err();
    assert!(error.message.contains("not a git repository"), "{}", error.message);
    git(dir.path(), &["init", "-q"], &[]);
    let error = api::import(&mut store, dir.path(), None, 0, &mut |_| {}).unwrap_err();
    assert!(error.message.contains("no commits"), "{}", error.message);
    assert!(store.groups().unwrap().is_empty(), "nothing was written");
}

#[derive(serde::Deserialize)]
pub(crate) struct LoggedCommit {
    sha: String,
    parents: Vec<String>,
    author_name: String,
    author_email: String,
    author_date: String,
    committer_name: String,
    committer_email: String,
    committer_date: String,
    subject: String,
    co_authors: Vec<String>,
}

fn git_time(iso: &str) -> String {
    let time = chrono::DateTime::parse_from_rfc3339(iso).unwrap();
    let offset = time.offset().local_minus_utc() / 60;
    format!("{} {}{:02}{:02}", time.timestamp(), if offset < 0 { '-' } else { '+' }, offset.abs() / 60, offset.abs() % 60)
}

/// Rebuilds the shape of a history (commits, parents, people, times, subjects and
/// co-author trailers; no files) in a new repository with `git fast-import`.
pub(crate) fn rebuild(repo: &Path, commits: &[LoggedCommit]) {
    git(repo, &["init", "-q", "--bare"], &[]);
    let by_sha: BTreeMap<&str, &LoggedCommit> = commits.iter().map(|commit| (commit.sha.as_str(), commit)).collect();
    // Parents before children: depth-first from every commit.
    let mut order: Vec<&str> = Vec::new();
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    for start in commits.iter().rev() {
        let mut stack = vec![(start.sha.as_str(), false)];
        while let Some((sha, expanded)) = stack.pop() {
            if placed.contains(sha) {
                continue;
            }
            if expanded {
                placed.insert(sha);
                order.push(sha);
            } else {
                stack.push((sha, true));
                for parent in &by_sha[sha].parents {
                    stack.push((parent.as_str(), false));
                }
            }
        }
    }
    let mut stream = String::new();
    let marks: BTreeMap<&str, usize> = order.iter().enumerate().map(|(index, sha)| (*sha, index + 1)).collect();
    for sha in &order {
        let commit = by_sha[sha];
        let mut message = commit.subject.clone();
        if !commit.co_authors.is_empty() {
            message.push_str("\n\n");
            for co_author in &commit.co_authors {
                message.push_str(&format!("Co-authored-by: {co_author}\n"));
            }
        }
        if commit.parents.is_empty() {
            stream.push_str("reset refs/heads/work\n");
        }
        stream.push_str(&format!("commit refs/heads/work\nmark :{}\n", marks[sha]));
        stream.push_str(&format!("author {} <{}> {}\n", commit.author_name, commit.author_email, git_time(&commit.author_date)));
        stream.push_str(&format!(
            "committer {} <{}> {}\n",
            commit.committer_name,
            commit.committer_email,
            git_time(&commit.committer_date)
        ));
        stream.push_str(&format!("data {}\n{}\n", message.len(), message));
        for (index, parent) in commit.parents.iter().enumerate() {
            stream.push_str(&format!("{} :{}\n", if index == 0 { "from" } else { "merge" }, marks[parent.as_str()]));
        }
    }
    stream.push_str(&format!("reset refs/heads/main\nfrom :{}\n", marks[commits[0].sha.as_str()]));
    let mut child = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["fast-import", "--quiet", "--date-format=raw"])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stream.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success(), "git fast-import failed");
    git(repo, &["update-ref", "-d", "refs/heads/work"], &[]);
}

#[test]
fn cobra_history_is_imported_exactly() {
    let Some(folder) = datasets("cobra_history_is_imported_exactly") else { return };
    let text = std::fs::read_to_string(folder.join("spf13-cobra-git-history/cobra_commits.jsonl")).unwrap();
    let commits: Vec<LoggedCommit> = text.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(commits.len(), 1106);
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("cobra.git");
    std::fs::create_dir(&repo).unwrap();
    rebuild(&repo, &commits);

    let mut store = Store::open_in_memory().unwrap();
    let summary = api::import(&mut store, &repo, None, 0, &mut |_| {}).unwrap();
    assert_eq!(summary.groups[0].name, "cobra");
    // Counted from the JSON lines with a separate script: 1,106 commits, of which 114 are
    // merges; 33 extra credits from Co-authored-by trailers (co-authors other than the
    // author); 265 commits landed by a person other than their author, and 381 by
    // GitHub's web flow; 359 distinct people by lowercased e-mail.
    let data = store.load_group_data(&summary.groups[0]).unwrap();
    let kind = |kind: ActivityKind| data.activities.iter().filter(|activity| activity.kind == kind).count();
    assert_eq!(kind(ActivityKind::Message), 1139);
    assert_eq!(kind(ActivityKind::Reply), 265);
    assert_eq!(summary.messages, 1139 + 265);
    assert_eq!(summary.members, 359);
    assert_eq!(summary.skipped[0].count, 381);
    let merges = data
        .activities
        .iter()
        .filter(|activity| activity.kind == ActivityKind::Message && data.text(activity).is_some_and(|text| text.starts_with("Merge")))
        .count();
    assert!(merges >= 100, "{merges} merge subjects");
    let first = data.activities.first().unwrap().at;
    assert_eq!(api::date_string(first), "2013-09-03", "the history starts on 3 September 2013");

    // The analytics run on a real code community without trouble.
    let report = api::health(&store, "cobra", None, 0).unwrap();
    assert!(report.score.is_none_or(|score| (0.0..=100.0).contains(&score)));
    let members = api::members(&store, "cobra", None, 0).unwrap();
    assert_eq!(members.len(), 359 - 2, "two bots are not listed");
}
