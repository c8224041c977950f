//! The analytics through `api` and the CLI on a hand-made community in a temporary store:
//! JSON snapshots of every output, one chart SVG snapshot, the settings round trip, and
//! the analytics on the real samples (the cobra git history, mailing-list archives).

use std::path::{Path, PathBuf};
use std::process::Command;

use hearth::analytics::health::ThresholdSource;
use hearth::api::{self, HeatmapData, HeatmapKind};
use hearth::model::{ActivityKind, MemberState, Platform, Stage};
use hearth::store::{NewActivity, NewGroup, NewMember, Store};

use crate::support::{datasets, hearth_bin, sample};

/// Monday 2024-01-01 00:00 UTC.
const START: i64 = 1_704_067_200;
const DAY: i64 = 86_400;

/// One activity to write: member, platform id, time, kind, parent's platform id, text.
type Row = (i64, String, i64, ActivityKind, Option<String>, Option<String>);

/// Ten weeks of a small Slack-like community. ada asks every other day and ben answers
/// most questions within ten minutes; cy takes notes for a month and answers some; dee
/// joins on day 30 and asks questions that ada sometimes answers; eve posts once and
/// leaves; a bot posts a digest every day (and is left out of every metric).
fn write_community(store: &mut Store) {
    write_community_named(store, "T-fixture", "Fixture Club");
}

fn write_community_named(store: &mut Store, platform_id: &str, name: &str) {
    let mut tx = store.begin_import().unwrap();
    let group = tx.upsert_group(&NewGroup { platform: Platform::Slack, platform_id, name, is_archive: true, is_demo: false }, 0).unwrap();
    let channel = tx.upsert_channel(group, "C1", "general").unwrap();
    let mut member =
        |id: &str, name: &str, is_bot: bool| tx.upsert_member(group, &NewMember { platform_id: id, display_name: name, is_bot }).unwrap();
    let [ada, ben, cy, dee, eve, bot] = [
        member("U1", "Ada", false),
        member("U2", "Ben", false),
        member("U3", "Cy", false),
        member("U4", "Dee", false),
        member("U5", "Eve", false),
        member("B1", "Digest bot", true),
    ];
    let mut rows: Vec<Row> = Vec::new();
    let at = |day: i64, hour: i64, minute: i64| START + day * DAY + hour * 3600 + minute * 60;
    for day in 0..70 {
        rows.push((bot, format!("bot-{day}"), at(day, 6, 0), ActivityKind::Message, None, Some(format!("digest {day}"))));
        if day % 2 == 0 {
            let question = format!("q-{day}");
            rows.push((ada, question.clone(), at(day, 9, 0), ActivityKind::Message, None, Some(format!("How do we release v{day}?"))));
            if day % 3 != 0 {
                rows.push((ben, format!("a-{day}"), at(day, 9, 10), ActivityKind::Reply, Some(question.clone()), Some("like this".into())));
            }
            if day % 5 == 0 {
                rows.push((
                    cy,
                    format!("c-{day}"),
                    at(day, 11, 0),
                    ActivityKind::Reply,
                    Some(question.clone()),
                    Some("or that way".into()),
                ));
            }
            if day % 6 == 2 {
                rows.push((cy, format!("r-{day}"), at(day, 9, 30), ActivityKind::Reaction, Some(question), None));
            }
        }
        if day % 4 == 1 {
            rows.push((ben, format!("s-{day}"), at(day, 14, 0), ActivityKind::Message, None, Some(format!("status {day}"))));
        }
        if (20..50).contains(&day) && day % 3 == 0 {
            rows.push((cy, format!("n-{day}"), at(day, 20, 0), ActivityKind::Message, None, Some(format!("notes of day {day}"))));
        }
        if (31..40).contains(&day) && day % 2 == 1 {
            let question = format!("dq-{day}");
            rows.push((dee, question.clone(), at(day, 11, 0), ActivityKind::Message, None, Some(format!("question {day}?"))));
            if day % 4 == 3 {
                rows.push((ada, format!("da-{day}"), at(day, 12, 30), ActivityKind::Reply, Some(question), Some("see the docs".into())));
            }
        }
    }
    rows.push((dee, "join-dee".into(), at(30, 8, 0), ActivityKind::Join, None, None));
    rows.push((dee, "hello-dee".into(), at(30, 8, 2), ActivityKind::Message, None, Some("hi all".into())));
    rows.push((dee, "like-dee".into(), at(30, 8, 3), ActivityKind::Reaction, Some("q-30".into()), None));
    rows.push((eve, "first-eve".into(), at(1, 10, 0), ActivityKind::Message, None, Some("first!".into())));
    rows.push((eve, "leave-eve".into(), at(45, 10, 0), ActivityKind::Leave, None, None));
    rows.sort_by(|a, b| (a.2, &a.1).cmp(&(b.2, &b.1)));
    for (member_id, platform_id, at, kind, parent, text) in &rows {
        tx.insert_activity(
            group,
            &NewActivity {
                channel_id: channel,
                member_id: *member_id,
                platform_id,
                kind: *kind,
                at: *at,
                parent_platform_id: parent.as_deref(),
                text: text.as_deref(),
                raw_kind: None,
            },
        )
        .unwrap();
    }
    tx.finish().unwrap();
}

fn snapshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/analytics")
}

/// Compares `actual` with the snapshot file; `UPDATE_SNAPSHOTS=1` rewrites it instead.
fn check_snapshot(name: &str, actual: &str) {
    let path = snapshot_dir().join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(snapshot_dir()).unwrap();
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} is missing; UPDATE_SNAPSHOTS=1 writes it", path.display()));
    assert!(expected == actual, "{name} differs from its snapshot {}; review, then UPDATE_SNAPSHOTS=1 to accept", path.display());
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap() + "\n"
}

fn community_store() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    write_community(&mut store);
    store
}

#[test]
fn analytics_json_outputs_match_their_snapshots() {
    let store = community_store();
    let health = api::health(&store, "Fixture Club", None, 0).unwrap();
    // The archive ends with day 69 (2024-03-10): the period is 2024-03-04 – 2024-03-10.
    assert_eq!(api::date_string(health.period_start), "2024-03-04");
    assert!(health.score.is_some_and(|score| (0.0..=100.0).contains(&score)));
    check_snapshot("health.json", &json(&health));

    let calibrated = api::health_calibrated(&store, "Fixture Club", None, Some(ThresholdSource::CalibratedOwn), 0).unwrap();
    assert_eq!(calibrated.thresholds.source, ThresholdSource::CalibratedOwn);
    // Days whose 7-day period lies in the history: day 6 to day 69.
    assert_eq!(calibrated.thresholds.days, 64);
    check_snapshot("health-calibrated-own.json", &json(&calibrated));

    let trend = api::trend(&store, "Fixture Club", None, None, 0).unwrap();
    assert_eq!(trend.points.len(), 70);
    assert_eq!(trend.points.last().unwrap().score, health.score, "the trend ends with the score health shows");
    check_snapshot("trend.json", &json(&trend.points));

    let members = api::members(&store, "Fixture Club", None, 0).unwrap();
    check_snapshot("members.json", &json(&members));
    let member = api::member(&store, "Fixture Club", "ada", 0).unwrap();
    check_snapshot("member-ada.json", &json(&member));

    for (kind, name) in [
        (HeatmapKind::Stages, "stages"),
        (HeatmapKind::Cohorts, "cohorts"),
        (HeatmapKind::Hours, "hours"),
        (HeatmapKind::FirstMinutes, "first-minutes"),
        (HeatmapKind::Transitions, "transitions"),
    ] {
        let view = api::heatmap(&store, "Fixture Club", kind, Some("UTC"), None, 0).unwrap();
        assert!(view.charts.iter().all(|chart| chart.svg.starts_with("<svg")), "{name} has its chart");
        assert_eq!(api::heatmap(&store, "Fixture Club", kind, Some("UTC"), None, 0).unwrap(), view, "re-running gives the same {name}");
        check_snapshot(&format!("heatmap-{name}.json"), &json(&view.heatmap));
        if kind == HeatmapKind::Stages {
            check_snapshot("heatmap-stages.svg", &view.charts[0].svg);
        }
    }
}

#[test]
fn what_the_fixture_community_shows_by_hand() {
    let store = community_store();
    let members = api::members(&store, "Fixture Club", None, 0).unwrap();
    let find = |name: &str| members.iter().find(|member| member.display_name == name).unwrap();
    // The bot is not a member of any stage.
    assert_eq!(members.len(), 5);
    // Eve posted once on day 1 and left on day 45: Participant (posted), Churned (left).
    assert_eq!((find("Eve").stage, find("Eve").state), (Stage::Participant, MemberState::Churned));
    // The last 28 days are days 42–69. Ben answers first (at 09:10) ada's questions on the
    // even days not divisible by 3: 44, 46, 50, 52, 56, 58, 62, 64, 68 (9 responses), and
    // posts status on days 45, 49, …, 69 (7 days): 16 active days.
    let ben = find("Ben");
    assert_eq!((ben.active_days_28, ben.responses_given_28), (16, 9));
    assert!(ben.stage >= Stage::Contributor);
    let filtered = api::members_filtered(&store, "Fixture Club", None, Some(MemberState::Churned), 0).unwrap();
    assert!(
        filtered.iter().all(|member| member.state == MemberState::Churned) && filtered.iter().any(|member| member.display_name == "Eve")
    );
    // Dee's join is known: the first-minutes heatmap holds her message at +2 min and her
    // reaction at +3 min.
    let view = api::heatmap(&store, "Fixture Club", HeatmapKind::FirstMinutes, None, None, 0).unwrap();
    let HeatmapData::FirstMinutes(minutes) = view.heatmap else { panic!("first minutes") };
    assert_eq!(minutes.joined_members, 1);
    assert_eq!(minutes.counts[0], vec![0, 0, 1, 0, 0]);
    assert_eq!(minutes.counts[2], vec![0, 0, 0, 1, 0]);
    // Hours in UTC: day 0 was a Monday, so the even Mondays are days 0, 14, 28, 42, 56:
    // five questions by ada at 09:00, and ben's answers at 09:10 on 14, 28 and 56 (0 and
    // 42 are divisible by 3): 8 posts at Monday 09h. The bot's 06:00 digests do not count.
    let view = api::heatmap(&store, "Fixture Club", HeatmapKind::Hours, Some("UTC"), None, 0).unwrap();
    let HeatmapData::Hours(hours) = view.heatmap else { panic!("hours") };
    assert_eq!((hours.counts[0][9], hours.counts[0][6]), (8, 0));
    // Tokyo is 9 hours ahead: the same posts land at Monday 18h.
    let view = api::heatmap(&store, "Fixture Club", HeatmapKind::Hours, Some("Asia/Tokyo"), None, 0).unwrap();
    let HeatmapData::Hours(tokyo) = view.heatmap else { panic!("hours") };
    assert_eq!(tokyo.counts[0][18], 8);
    assert_eq!(tokyo.counts.iter().flatten().sum::<u64>(), hours.counts.iter().flatten().sum::<u64>());
}

#[test]
fn settings_change_the_analytics_and_reset_restores_them() {
    let mut store = community_store();
    let before = api::health(&store, "Fixture Club", None, 0).unwrap();
    let view = api::set_setting(&mut store, "Fixture Club", "health.period_days", "14", 0).unwrap();
    assert!(view.entries.iter().any(|entry| entry.key == "health.period_days" && !entry.is_default));
    let longer = api::health(&store, "Fixture Club", None, 0).unwrap();
    assert_eq!(longer.as_of - longer.period_start, 14 * DAY);
    assert_ne!(longer.score, before.score);
    // Weights must still sum to 1; the error names the problem and nothing is stored.
    let error = api::set_setting(&mut store, "Fixture Club", "health.metrics.stickiness.weight", "0.5", 0).unwrap_err();
    assert!(error.message.contains("sum to 1"), "{}", error.message);
    assert_eq!(api::settings(&store, "Fixture Club").unwrap().settings.health.metrics, view.settings.health.metrics);
    // Calibration chosen in the settings applies without the flag.
    api::set_setting(&mut store, "Fixture Club", "health.threshold_source", "calibrated_own", 0).unwrap();
    assert_eq!(api::health(&store, "Fixture Club", None, 0).unwrap().thresholds.source, ThresholdSource::CalibratedOwn);
    api::reset_settings(&mut store, "Fixture Club", Some("health")).unwrap();
    assert_eq!(api::health(&store, "Fixture Club", None, 0).unwrap(), before);
    let error = api::reset_settings(&mut store, "Fixture Club", Some("colours")).unwrap_err();
    assert!(error.message.contains("health, stages, heatmaps"), "{}", error.message);
}

#[test]
fn calibration_on_all_groups_pools_their_daily_values() {
    let mut store = community_store();
    write_community_named(&mut store, "T-twin", "Twin Club");
    let own = api::health_calibrated(&store, "Fixture Club", None, Some(ThresholdSource::CalibratedOwn), 0).unwrap();
    let all = api::health_calibrated(&store, "Fixture Club", None, Some(ThresholdSource::CalibratedAll), 0).unwrap();
    // The twin has the same 64 full-period days; pooled with the group's own, every
    // percentile is the same value (the sample is each value twice), so the score is too.
    assert_eq!((all.thresholds.groups, all.thresholds.days), (2, 128));
    assert_eq!(all.score, own.score);
    let low = |report: &hearth::analytics::health::HealthReport| {
        report.metrics.iter().map(|metric| (metric.low, metric.high)).collect::<Vec<_>>()
    };
    assert_eq!(low(&all), low(&own));
}

fn hearth(db: &Path, args: &[&str]) -> std::process::Output {
    Command::new(hearth_bin()).arg("--db").arg(db).args(args).env_remove("HEARTH_DB").output().unwrap()
}

fn stdout(output: &std::process::Output) -> String {
    assert!(output.status.success(), "hearth failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn cli_commands_print_what_the_api_returns() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.sqlite");
    write_community(&mut Store::open(&db).unwrap());
    let store = Store::open(&db).unwrap();

    let trend: serde_json::Value = serde_json::from_str(&stdout(&hearth(&db, &["trend", "1", "--from", "2024-03-01", "--json"]))).unwrap();
    let points = trend["points"].as_array().unwrap();
    assert_eq!(points.len(), 10, "2024-03-01 to 2024-03-10");
    let direct = api::trend(&store, "1", chrono::NaiveDate::from_ymd_opt(2024, 3, 1), None, 0).unwrap();
    let direct: serde_json::Value = serde_json::from_str(&serde_json::to_string(&direct).unwrap()).unwrap();
    assert_eq!(trend, direct);

    let text = stdout(&hearth(&db, &["member", "1", "Ada"]));
    assert!(text.contains("Stage changes") && text.contains("responses given"), "{text}");
    let text = stdout(&hearth(&db, &["heatmap", "1", "transitions"]));
    assert!(text.contains("verdict") && text.contains("observer"), "{text}");
    let svg = dir.path().join("hours.svg");
    stdout(&hearth(&db, &["heatmap", "1", "hours", "--timezone", "Europe/Berlin", "--svg", svg.to_str().unwrap()]));
    assert!(std::fs::read_to_string(&svg).unwrap().contains("Europe/Berlin"));
    let bad_zone = hearth(&db, &["heatmap", "1", "hours", "--timezone", "Moon/Base"]);
    assert!(!bad_zone.status.success() && String::from_utf8_lossy(&bad_zone.stderr).contains("IANA"));

    assert_eq!(stdout(&hearth(&db, &["settings", "1", "set", "stages.grace_days", "21"])).trim(), "stages.grace_days = 21");
    assert_eq!(stdout(&hearth(&db, &["settings", "1", "get", "stages.grace_days", "--json"])).trim(), "21");
    let health = stdout(&hearth(&db, &["health", "1", "--calibrate", "own"]));
    assert!(health.contains("calibrated"), "{health}");
    stdout(&hearth(&db, &["settings", "1", "reset"]));
    assert_eq!(stdout(&hearth(&db, &["settings", "1", "get", "stages.grace_days"])).trim(), "stages.grace_days = 14");
    let silent = stdout(&hearth(&db, &["members", "1", "--state", "churned", "--json"]));
    assert!(silent.contains("Eve"));
}

/// Prints a short account of the analytics on one real group, and checks what must hold.
fn survey(store: &Store, group: &str) -> String {
    let health = api::health(store, group, None, 0).unwrap();
    assert!(health.score.is_none_or(|score| (0.0..=100.0).contains(&score)));
    let calibrated = api::health_calibrated(store, group, None, Some(ThresholdSource::CalibratedOwn), 0).unwrap();
    let trend = api::trend(store, group, None, None, 0).unwrap();
    assert!(trend.points.iter().all(|point| point.score.is_none_or(|score| (0.0..=100.0).contains(&score))));
    assert_eq!(trend.points.last().map(|point| point.score), Some(health.score));
    let members = api::members(store, group, None, 0).unwrap();
    let mut out = format!(
        "{group}: score {:?} (calibrated own {:?}), missing {:?}, trend {} days (scored {}, mean {:.1}), {} members\n",
        health.score.map(|score| (score * 10.0).round() / 10.0),
        calibrated.score.map(|score| (score * 10.0).round() / 10.0),
        health.missing,
        trend.points.len(),
        trend.points.iter().filter(|point| point.score.is_some()).count(),
        trend.points.iter().filter_map(|point| point.score).sum::<f64>()
            / trend.points.iter().filter(|point| point.score.is_some()).count().max(1) as f64,
        members.len()
    );
    for stage in Stage::ALL {
        let count = members.iter().filter(|member| member.stage == stage).count();
        out.push_str(&format!("  {}: {count}", stage.as_str()));
    }
    out.push('\n');
    out.push_str(&format!("  additional: {:?}\n", health.additional));
    for kind in [HeatmapKind::Stages, HeatmapKind::Cohorts, HeatmapKind::Hours, HeatmapKind::FirstMinutes, HeatmapKind::Transitions] {
        let view = api::heatmap(store, group, kind, Some("UTC"), None, 0).unwrap();
        if let HeatmapData::Transitions(flows) = &view.heatmap {
            let verdicts: Vec<String> =
                flows.verdicts.iter().map(|verdict| format!("{} {:?}", verdict.stage.as_str(), verdict.verdict)).collect();
            out.push_str(&format!("  verdicts {} – {}: {}\n", flows.from_week, flows.to_week, verdicts.join(", ")));
        }
    }
    out
}

#[test]
fn analytics_run_on_the_real_samples() {
    let Some(folder) = datasets("analytics_run_on_the_real_samples") else { return };
    let text = std::fs::read_to_string(folder.join("spf13-cobra-git-history/cobra_commits.jsonl")).unwrap();
    let commits: Vec<crate::import_git::LoggedCommit> = text.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("cobra.git");
    std::fs::create_dir(&repo).unwrap();
    crate::import_git::rebuild(&repo, &commits);
    let mut store = Store::open_in_memory().unwrap();
    api::import(&mut store, &repo, None, 0, &mut |_| {}).unwrap();
    let mut report = survey(&store, "cobra");
    // A code history: no joins, so no first-minutes data, and a trend over twelve years.
    let trend = api::trend(&store, "cobra", None, None, 0).unwrap();
    assert!(trend.points.len() > 4000, "{} days", trend.points.len());

    for name in ["pipermail/pipermail_2016_march.mbox", "hyperkitty/hyperkitty_2016_march.mbox"] {
        let Some(path) = sample("analytics_run_on_the_real_samples", &format!("perceval-test-data/tests/data/{name}")) else { return };
        let summary = api::import(&mut store, &path, None, 0, &mut |_| {}).unwrap();
        for group in &summary.groups {
            report.push_str(&survey(&store, &group.id.0.to_string()));
        }
    }
    eprintln!("{report}");
}
