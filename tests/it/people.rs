//! The overview, members table, heatmap cells, member profile and notes through `api`, on
//! the demo community: every number must be the one the other use cases (and so the CLI)
//! give for the same thing.

use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard, OnceLock};

use hearth::analytics::heatmaps::{CohortHeatmap, StageHeatmap};
use hearth::analytics::warnings::Severity;
use hearth::api::churn::MemberSort;
use hearth::api::people::{self, HeatmapCell, RiskBand};
use hearth::api::{self, overview, ErrorCode, HeatmapData, HeatmapKind};
use hearth::model::{GroupId, Platform, Stage, DAY};
use hearth::store::{NewGroup, Store};

const NOW: i64 = 1_800_000_000;
const GROUP: GroupId = GroupId(1);

/// The demo takes seconds to generate: one store for every test here, one test at a time.
fn demo() -> MutexGuard<'static, Store> {
    static DEMO: OnceLock<Mutex<Store>> = OnceLock::new();
    DEMO.get_or_init(|| {
        let mut store = Store::open_in_memory().unwrap();
        let summary = api::create_demo(&mut store, api::DEFAULT_DEMO_SEED, NOW, &mut |_| {}).unwrap();
        assert_eq!(summary.group.id, GROUP);
        Mutex::new(store)
    })
    .lock()
    .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[test]
fn overview_row_scores_the_group_as_hearth_health_with_twelve_weekly_points() {
    let mut store = demo();
    api::review::flags(&mut store, "1", None, NOW).unwrap();
    let row = overview::overview_row(&store, GROUP, NOW).unwrap();
    let health = api::health(&store, "1", None, NOW).unwrap();
    assert_eq!(row.score, health.score);
    assert!(row.score.is_some());
    assert_eq!(row.weekly_scores.len(), overview::SPARKLINE_WEEKS);
    let days: Vec<i64> = row
        .weekly_scores
        .iter()
        .map(|week| {
            chrono::NaiveDate::parse_from_str(&week.date, "%Y-%m-%d").unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp() / DAY
        })
        .collect();
    assert!(days.windows(2).all(|pair| pair[1] - pair[0] == 7), "{days:?}");
    assert_eq!(row.weekly_scores.last().unwrap().date, row.as_of_date);
    // Each weekly point is the score `hearth health --as-of` gives for that day.
    let week_before = &row.weekly_scores[10];
    let as_of = chrono::NaiveDate::parse_from_str(&week_before.date, "%Y-%m-%d").unwrap();
    assert_eq!(week_before.score, api::health(&store, "1", Some(as_of), NOW).unwrap().score);
    assert_eq!(row.change, Some(row.score.unwrap() - week_before.score.unwrap()));
    let warnings = api::churn::warnings(&store, "1", Severity::Low, false, NOW).unwrap();
    assert_eq!(row.open_warnings, warnings.warnings.len() as u64);
    let open_flags = api::review::flags(&mut store, "1", Some(api::review::FlagStatus::Open), NOW).unwrap().flags.len() as u64;
    assert!(open_flags > 0, "the demo has flagged members");
    assert_eq!(row.open_flags, open_flags);
}

/// The overview counts the flags the review queue holds open once detection has run,
/// before anyone opened the queue: a group whose queue was never opened does not show 0.
#[test]
fn the_overview_members_and_profiles_count_flags_before_the_review_queue_was_ever_opened() {
    let mut store = Store::open_in_memory().unwrap();
    api::create_demo(&mut store, api::DEFAULT_DEMO_SEED, NOW, &mut |_| {}).unwrap();
    let analyst = api::Analyst::new();
    let before = analyst.overview_row(&store, GROUP, NOW).unwrap().open_flags;
    assert_eq!(before, overview::overview_row(&store, GROUP, NOW).unwrap().open_flags);
    let table = analyst.members_table(&store, GROUP, NOW).unwrap();
    assert_eq!(table, people::members_table(&store, GROUP, NOW).unwrap());
    let per_member_before: u64 = table.members.iter().map(|row| row.open_flags).sum();
    let queue = api::review::flags(&mut store, "1", Some(api::review::FlagStatus::Open), NOW).unwrap().flags;
    assert!(!queue.is_empty(), "the demo has flagged members");
    assert_eq!(before, queue.len() as u64);
    assert_eq!(per_member_before, queue.iter().filter(|flag| flag.member_id.is_some()).count() as u64);
    let flagged = queue[0].member_id.expect("a flag about a member");
    let profile_before = analyst.member_profile(&store, GROUP, flagged, NOW).unwrap().open_flags;
    assert!(profile_before > 0);
    // A decided flag found again stays decided: one fewer open, from the kept analytics too.
    api::review::review(&mut store, "1", queue[0].id, api::review::Decision::Dismiss, None, NOW).unwrap();
    assert_eq!(analyst.overview_row(&store, GROUP, NOW).unwrap().open_flags, before - 1);
    assert_eq!(overview::overview_row(&store, GROUP, NOW).unwrap().open_flags, before - 1);
    assert_eq!(analyst.member_profile(&store, GROUP, flagged, NOW).unwrap().open_flags, profile_before - 1);
    assert_eq!(people::member_profile(&store, GROUP, flagged, NOW).unwrap().open_flags, profile_before - 1);
}

#[test]
fn the_overview_has_a_row_per_group_and_a_group_without_activity_has_no_score() {
    let mut store = Store::open_in_memory().unwrap();
    let mut tx = store.begin_import().unwrap();
    let group = tx
        .upsert_group(&NewGroup { platform: Platform::Slack, platform_id: "T0", name: "Quiet", is_archive: false, is_demo: false }, NOW)
        .unwrap();
    tx.finish().unwrap();
    let rows = overview::overview(&store, NOW).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].summary.group.id, group);
    assert_eq!((rows[0].score, rows[0].change, rows[0].open_warnings), (None, None, 0));
    assert!(rows[0].weekly_scores.is_empty());
}

#[test]
fn members_table_has_the_cli_members_with_their_risk_and_flags() {
    let mut store = demo();
    api::review::flags(&mut store, "1", None, NOW).unwrap();
    let table = people::members_table(&store, GROUP, NOW).unwrap();
    let members = api::members_filtered(&store, "1", None, None, NOW).unwrap();
    assert_eq!(table.members.len(), members.len());
    for (row, member) in table.members.iter().zip(&members) {
        assert_eq!((row.id, row.stage, row.state, row.posts_total), (member.id, member.stage, member.state, member.posts_total));
    }
    let risks = api::churn::member_risks(&store, "1", None, None, MemberSort::Risk, NOW).unwrap();
    for risk in risks.iter().take(50) {
        let row = table.members.iter().find(|row| row.id == risk.id).unwrap();
        assert_eq!((row.risk, row.pagerank, row.activity_90), (risk.risk, risk.pagerank, risk.activities_90));
        assert_eq!(row.risk_band, RiskBand::of(risk.risk));
    }
    assert!(table.members.iter().any(|row| row.risk_band == RiskBand::High));
    let flagged: u64 = table.members.iter().map(|row| row.open_flags).sum();
    let open = api::review::flags(&mut store, "1", Some(api::review::FlagStatus::Open), NOW).unwrap().flags;
    assert_eq!(flagged, open.iter().filter(|flag| flag.member_id.is_some()).count() as u64);
}

fn stage_heatmap(store: &Store) -> StageHeatmap {
    match api::heatmap(store, "1", HeatmapKind::Stages, None, None, NOW).unwrap().heatmap {
        HeatmapData::Stages(heatmap) => heatmap,
        other => panic!("not the stage heatmap: {other:?}"),
    }
}

fn cohort_heatmap(store: &Store) -> CohortHeatmap {
    match api::heatmap(store, "1", HeatmapKind::Cohorts, None, None, NOW).unwrap().heatmap {
        HeatmapData::Cohorts(heatmap) => heatmap,
        other => panic!("not the cohort heatmap: {other:?}"),
    }
}

#[test]
fn a_stage_cell_lists_exactly_the_members_the_heatmap_counts() {
    let store = demo();
    let heatmap = stage_heatmap(&store);
    let last = heatmap.weeks.len() - 1;
    for column in [last / 3, last / 2, last] {
        for (row, &stage) in heatmap.stages.iter().enumerate() {
            let cell = HeatmapCell::Stage { stage, column: column as u32, week: heatmap.weeks[column].clone() };
            let found = people::heatmap_members(&store, GROUP, &cell, NOW).unwrap();
            assert_eq!(found.member_ids.len() as u64, heatmap.counts[row][column], "{stage:?} in week {}", heatmap.weeks[column]);
            if column == last {
                // The last column is the evaluation at `as_of`: today's stage.
                let today: BTreeSet<i64> =
                    api::members_filtered(&store, "1", Some(stage), None, NOW).unwrap().iter().map(|member| member.id).collect();
                assert_eq!(found.member_ids.iter().copied().collect::<BTreeSet<_>>(), today);
            }
        }
    }
    let stale = HeatmapCell::Stage { stage: Stage::Core, column: 0, week: "1999-01-04".into() };
    assert_eq!(people::heatmap_members(&store, GROUP, &stale, NOW).unwrap_err().code, ErrorCode::InvalidInput);
    let beyond = HeatmapCell::Stage { stage: Stage::Core, column: heatmap.weeks.len() as u32, week: heatmap.weeks[last].clone() };
    assert_eq!(people::heatmap_members(&store, GROUP, &beyond, NOW).unwrap_err().code, ErrorCode::InvalidInput);
}

#[test]
fn a_cohort_cell_lists_the_members_behind_its_share() {
    let store = demo();
    let heatmap = cohort_heatmap(&store);
    let mut checked = 0;
    for cohort in heatmap.cohorts.iter().step_by(5) {
        let all = people::heatmap_members(&store, GROUP, &HeatmapCell::Cohort { week: cohort.week.clone(), offset: None }, NOW).unwrap();
        assert_eq!(all.member_ids.len() as u64, cohort.members, "cohort {}", cohort.week);
        for (offset, share) in cohort.active.iter().enumerate() {
            let Some(share) = share else { continue };
            let cell = HeatmapCell::Cohort { week: cohort.week.clone(), offset: Some(offset as u32) };
            let active = people::heatmap_members(&store, GROUP, &cell, NOW).unwrap();
            assert_eq!(
                active.member_ids.len() as u64,
                (share * cohort.members as f64).round() as u64,
                "cohort {} week {offset}",
                cohort.week
            );
            assert!(active.member_ids.iter().all(|id| all.member_ids.contains(id)));
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} cells checked");
    let beyond = HeatmapCell::Cohort { week: heatmap.cohorts[0].week.clone(), offset: Some(heatmap.weeks_since_joining as u32) };
    assert_eq!(people::heatmap_members(&store, GROUP, &beyond, NOW).unwrap_err().code, ErrorCode::InvalidInput);
}

#[test]
fn a_member_profile_has_stage_history_risk_weekly_posts_and_messages() {
    let store = demo();
    let table = people::members_table(&store, GROUP, NOW).unwrap();
    let busiest = table.members.iter().filter(|row| row.stage == Stage::Core).max_by_key(|row| (row.posts_total, -row.id)).unwrap();
    let profile = people::member_profile(&store, GROUP, busiest.id, NOW).unwrap();
    assert_eq!(profile.stages, api::member(&store, "1", &busiest.id.to_string(), NOW).unwrap());
    assert_eq!(profile.risk, api::churn::member_detail(&store, "1", &busiest.id.to_string(), NOW).unwrap());
    assert_eq!(profile.risk_band, busiest.risk_band);
    assert!(!profile.stages.changes.is_empty());
    assert_eq!(profile.weekly_posts.iter().map(|week| week.posts).sum::<u64>(), busiest.posts_total);
    assert!(!profile.risk.neighbours.is_empty(), "a core member has neighbours");
    assert_eq!(profile.recent_messages.len(), 20);
    assert!(profile.recent_messages.windows(2).all(|pair| pair[0].at >= pair[1].at), "newest first");
    assert!(profile.recent_messages.iter().all(|message| message.text.is_some()));

    let missing = people::member_profile(&store, GROUP, -5, NOW).unwrap_err();
    assert_eq!(missing.code, ErrorCode::NotFound);
}

#[test]
fn notes_are_added_edited_and_deleted_and_empty_ones_refused() {
    let mut store = demo();
    let member = people::members_table(&store, GROUP, NOW).unwrap().members[3].id;
    let first = people::add_member_note(&mut store, GROUP, member, "  Asked about <b>mentoring</b>  ", NOW).unwrap();
    assert_eq!(first.body, "Asked about <b>mentoring</b>", "kept as written, trimmed");
    let second = people::add_member_note(&mut store, GROUP, member, "Second", NOW + 1).unwrap();
    let edited = people::update_member_note(&mut store, GROUP, first.id, "Mentoring agreed", NOW + 2).unwrap();
    assert_eq!((edited.body.as_str(), edited.created_at, edited.updated_at), ("Mentoring agreed", NOW, NOW + 2));
    people::delete_member_note(&mut store, GROUP, second.id).unwrap();
    let notes = people::member_profile(&store, GROUP, member, NOW).unwrap().notes;
    assert_eq!(notes, vec![edited.clone()]);
    people::delete_member_note(&mut store, GROUP, first.id).unwrap();

    assert_eq!(people::add_member_note(&mut store, GROUP, member, " \n ", NOW).unwrap_err().code, ErrorCode::InvalidInput);
    assert_eq!(people::add_member_note(&mut store, GROUP, member, &"x".repeat(10_001), NOW).unwrap_err().code, ErrorCode::InvalidInput);
    assert_eq!(people::add_member_note(&mut store, GroupId(99), member, "other group", NOW).unwrap_err().code, ErrorCode::NotFound);
    assert_eq!(people::update_member_note(&mut store, GROUP, second.id, "gone", NOW).unwrap_err().code, ErrorCode::NotFound);
    assert_eq!(people::delete_member_note(&mut store, GROUP, second.id).unwrap_err().code, ErrorCode::NotFound);
}

#[test]
fn the_trend_range_is_checked_and_ends_on_the_health_score() {
    let store = demo();
    let health = api::health(&store, "1", None, NOW).unwrap();
    let row = overview::overview_row(&store, GROUP, NOW).unwrap();
    let trend = people::trend_between(&store, GROUP, Some(&row.weekly_scores[0].date), Some(&row.as_of_date), NOW).unwrap();
    assert_eq!(trend.points.len(), 78);
    assert_eq!(trend.points.last().unwrap().score, health.score);
    let swapped = people::trend_between(&store, GROUP, Some(&row.as_of_date), Some(&row.weekly_scores[0].date), NOW).unwrap_err();
    assert_eq!(swapped.code, ErrorCode::InvalidInput);
    assert_eq!(people::trend_between(&store, GROUP, Some("31/10/2026"), None, NOW).unwrap_err().code, ErrorCode::InvalidInput);
}

#[test]
fn a_csv_export_is_written_only_to_a_csv_file() {
    let folder = tempfile::tempdir().unwrap();
    let target = folder.path().join("members.CSV");
    assert_eq!(people::write_csv_file(&target, "id,name\r\n1,Ada\r\n").unwrap(), 16);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "id,name\r\n1,Ada\r\n");
    let script = folder.path().join("members.sh");
    assert_eq!(people::write_csv_file(&script, "echo").unwrap_err().code, ErrorCode::InvalidInput);
    assert!(!script.exists());
    let nowhere = folder.path().join("missing").join("members.csv");
    assert_eq!(people::write_csv_file(&nowhere, "id").unwrap_err().code, ErrorCode::InvalidInput);
}

/// The desktop shell serves every screen from `api::Analyst`, which computes a group once
/// and keeps it: each of its answers must be the one the use cases (and so the CLI) give.
#[test]
fn the_analyst_serves_every_screen_exactly_as_the_use_cases_compute_it() {
    let mut store = demo();
    let analyst = api::Analyst::new();
    assert_eq!(analyst.warm(&store, NOW).unwrap(), 1);

    assert_eq!(analyst.dashboard(&store, GROUP, NOW).unwrap(), api::dashboard(&store, GROUP, NOW).unwrap());
    for _ in 0..2 {
        // Read, then kept: the same both times.
        assert_eq!(analyst.groups(&store).unwrap(), api::groups(&store).unwrap());
        assert_eq!(analyst.archive_channels(&store, GROUP,).unwrap(), api::archive::archive_channels(&store, GROUP).unwrap());
    }
    assert_eq!(analyst.overview_row(&store, GROUP, NOW).unwrap(), overview::overview_row(&store, GROUP, NOW).unwrap());
    let table = analyst.members_table(&store, GROUP, NOW).unwrap();
    assert_eq!(table, people::members_table(&store, GROUP, NOW).unwrap());
    // The most and least engaged members, and one in the middle.
    for row in [&table.members[0], &table.members[table.members.len() / 2], table.members.last().unwrap()] {
        let cached = analyst.member_profile(&store, GROUP, row.id, NOW).unwrap();
        assert_eq!(cached, people::member_profile(&store, GROUP, row.id, NOW).unwrap(), "member {}", row.id);
    }
    let missing = analyst.member_profile(&store, GROUP, 999_999, NOW).unwrap_err();
    assert_eq!(missing.code, ErrorCode::NotFound);

    for kind in [HeatmapKind::Stages, HeatmapKind::Cohorts, HeatmapKind::Hours, HeatmapKind::FirstMinutes, HeatmapKind::Transitions] {
        let cached = analyst.heatmap(&store, GROUP, kind, Some("Asia/Shanghai"), None, NOW).unwrap();
        assert_eq!(cached, api::heatmap(&store, "1", kind, Some("Asia/Shanghai"), None, NOW).unwrap(), "{kind:?}");
    }
    let HeatmapData::Stages(StageHeatmap { weeks, .. }) =
        analyst.heatmap(&store, GROUP, HeatmapKind::Stages, None, None, NOW).unwrap().heatmap
    else {
        panic!("a stage heatmap")
    };
    let column = weeks.len() as u32 - 3;
    let stage_cell = HeatmapCell::Stage { stage: Stage::Participant, column, week: weeks[column as usize].clone() };
    assert_eq!(
        analyst.heatmap_members(&store, GROUP, &stage_cell, NOW).unwrap(),
        people::heatmap_members(&store, GROUP, &stage_cell, NOW).unwrap()
    );
    let HeatmapData::Cohorts(CohortHeatmap { cohorts, .. }) =
        analyst.heatmap(&store, GROUP, HeatmapKind::Cohorts, None, None, NOW).unwrap().heatmap
    else {
        panic!("a cohort heatmap")
    };
    let cohort_cell = HeatmapCell::Cohort { week: cohorts[cohorts.len() / 2].week.clone(), offset: Some(2) };
    let members = analyst.heatmap_members(&store, GROUP, &cohort_cell, NOW).unwrap();
    assert!(!members.member_ids.is_empty());
    assert_eq!(members, people::heatmap_members(&store, GROUP, &cohort_cell, NOW).unwrap());

    // The whole trend, and ranges inside it, cut from the daily score kept.
    let whole = analyst.trend_between(&store, GROUP, None, None, NOW).unwrap();
    assert_eq!(whole, people::trend_between(&store, GROUP, None, None, NOW).unwrap());
    let middle = &whole.points[whole.points.len() / 2].date;
    let late = &whole.points[whole.points.len() - 10].date;
    for (from, to) in [(Some(middle.as_str()), None), (None, Some(middle.as_str())), (Some(middle.as_str()), Some(late.as_str()))] {
        let cached = analyst.trend_between(&store, GROUP, from, to, NOW).unwrap();
        assert_eq!(cached, people::trend_between(&store, GROUP, from, to, NOW).unwrap(), "{from:?}..{to:?}");
        assert!(!cached.points.is_empty());
    }
    let backwards = analyst.trend_between(&store, GROUP, Some(late.as_str()), Some(middle.as_str()), NOW).unwrap_err();
    assert_eq!(backwards.code, ErrorCode::InvalidInput);

    for include_hidden in [false, true] {
        assert_eq!(
            analyst.warnings(&store, GROUP, Severity::Low, include_hidden, NOW).unwrap(),
            api::churn::warnings(&store, "1", Severity::Low, include_hidden, NOW).unwrap()
        );
    }
    assert_eq!(analyst.backtest(&store, GROUP, NOW).unwrap(), api::churn::backtest(&store, "1", None, None, NOW).unwrap());
    // Served from the memo the second time, still the same.
    assert_eq!(analyst.backtest(&store, GROUP, NOW).unwrap(), api::churn::backtest(&store, "1", None, None, NOW).unwrap());

    // The review queue: detection from the cache, then only the queue written.
    let detected = analyst.detected_flags(&store, GROUP, NOW).unwrap();
    assert!(!detected.is_empty());
    let from_cache = api::review::flags_detected(&mut store, GROUP, &detected, None, NOW).unwrap();
    let computed = api::review::flags(&mut store, "1", None, NOW).unwrap();
    assert_eq!(from_cache.flags, computed.flags);
    // Detecting again on the same rows finds the same flags with the same evidence.
    assert_eq!((computed.detection.added, computed.detection.refreshed), (0, 0));
}
