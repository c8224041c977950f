//! Churn warnings, member risk and the backtest through `api`, on a small community whose
//! history is written by rule (so that its JSON can be kept as a snapshot), and on the
//! demo: the risk score must beat every baseline's AUC there.

use std::path::Path;

use hearth::analytics::warnings::Severity;
use hearth::api;
use hearth::api::churn::MemberSort;
use hearth::model::{ActivityKind, Platform, DAY};
use hearth::store::{NewActivity, NewGroup, NewMember, Store};

const START: i64 = 1_750_032_000; // 2025-06-16, a Monday

/// Twelve members over 150 days. Member k (0–11) posts every (k % 4 + 1) days from day
/// 2k; members 3, 7 and 11 stop on day 130 + k (recently) and 1, 5
/// and 9 on day 70 + 2k (churned before the end); every post after the first of a day
/// answers the day's first post, and member 0 reacts to it.
fn write_community(store: &mut Store) {
    let mut tx = store.begin_import().unwrap();
    let group = tx
        .upsert_group(&NewGroup { platform: Platform::Slack, platform_id: "T9", name: "Rules", is_archive: true, is_demo: false }, 0)
        .unwrap();
    let channel = tx.upsert_channel(group, "C1", "general").unwrap();
    let members: Vec<i64> = (0..12)
        .map(|k| {
            let platform_id = format!("U{k}");
            let name = format!("Member {k}");
            tx.upsert_member(group, &NewMember { platform_id: &platform_id, display_name: &name, is_bot: false }).unwrap()
        })
        .collect();
    for day in 0..150i64 {
        let mut first: Option<String> = None;
        for k in 0..12i64 {
            let stops = match k % 4 {
                3 => Some(130 + k),
                1 => Some(70 + 2 * k),
                _ => None,
            };
            if day < 2 * k || (day - 2 * k) % (k % 4 + 1) != 0 || stops.is_some_and(|stop| day >= stop) {
                continue;
            }
            let id = format!("{day}-{k}");
            let at = START + day * DAY + 3600 * (8 + k);
            let (kind, parent) = match &first {
                None => (ActivityKind::Message, None),
                Some(root) => (ActivityKind::Reply, Some(root.clone())),
            };
            let text = if first.is_none() { "What should we build next?".to_string() } else { format!("Idea number {k} for day {day}") };
            tx.insert_activity(
                group,
                &NewActivity {
                    channel_id: channel,
                    member_id: members[k as usize],
                    platform_id: &id,
                    kind,
                    at,
                    parent_platform_id: parent.as_deref(),
                    text: Some(&text),
                    raw_kind: None,
                },
            )
            .unwrap();
            if first.is_some() {
                let reaction = format!("{id}-r");
                if k != 0 {
                    tx.insert_activity(
                        group,
                        &NewActivity {
                            channel_id: channel,
                            member_id: members[0],
                            platform_id: &reaction,
                            kind: ActivityKind::Reaction,
                            at: at + 600,
                            parent_platform_id: Some(&id),
                            text: Some("👍"),
                            raw_kind: None,
                        },
                    )
                    .unwrap();
                }
            } else {
                first = Some(id);
            }
        }
    }
    tx.finish().unwrap();
}

fn snapshot(name: &str, value: &serde_json::Value) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/snapshots").join(name);
    let text = serde_json::to_string_pretty(value).unwrap() + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} exists (UPDATE_SNAPSHOTS=1 writes it)", path.display()));
    assert_eq!(text, expected, "{name} changed; if intended, regenerate with UPDATE_SNAPSHOTS=1 and review the diff");
}

#[test]
fn warnings_risk_and_backtest_match_their_snapshots_and_repeat_exactly() {
    let mut store = Store::open_in_memory().unwrap();
    write_community(&mut store);
    let warnings = api::churn::warnings(&store, "Rules", Severity::Low, false, 0).unwrap();
    // The three members who stopped (9, 13 and 17 days before the end) are warned about.
    let mut warned: Vec<&str> = warnings.warnings.iter().map(|item| item.display_name.as_str()).collect();
    warned.sort_unstable();
    assert_eq!(warned, vec!["Member 11", "Member 3", "Member 7"]);
    let backtest = api::churn::backtest(&store, "Rules", None, None, 0).unwrap();
    // Cut-offs on days 64, 92 and 120. Members 1, 5 and 9 stop on days 72, 80 and 88: all
    // three were active in the 28 days before day 92 and never after, so they churn there.
    assert_eq!((backtest.cutoffs.len(), backtest.churned), (3, 3));
    let members = api::churn::member_risks(&store, "Rules", None, None, MemberSort::Risk, 0).unwrap();
    assert!(members.iter().all(|member| (0.0..=1.0).contains(&member.risk)));
    let detail = api::churn::member_detail(&store, "Rules", "Member 2", 0).unwrap();
    assert!(!detail.neighbours.is_empty(), "member 2 answers and is reacted to");

    snapshot("churn_warnings.json", &serde_json::to_value(&warnings).unwrap());
    snapshot("churn_backtest.json", &serde_json::to_value(&backtest).unwrap());
    snapshot("churn_members.json", &serde_json::to_value(&members).unwrap());
    snapshot("churn_member_detail.json", &serde_json::to_value(&detail).unwrap());
    // The same input gives the same output, byte for byte.
    assert_eq!(api::churn::backtest(&store, "Rules", None, None, 0).unwrap(), backtest);
    assert_eq!(api::churn::warnings(&store, "Rules", Severity::Low, false, 0).unwrap(), warnings);
}

#[test]
fn on_the_demo_the_risk_score_beats_every_baseline() {
    let mut store = Store::open_in_memory().unwrap();
    api::create_demo(&mut store, api::DEFAULT_DEMO_SEED, 0, &mut |_| {}).unwrap();
    let report = api::churn::backtest(&store, "1", None, None, 0).unwrap();
    assert!(report.cutoffs.len() >= 6, "{} cut-offs", report.cutoffs.len());
    let auc = |name: &str| report.methods.iter().find(|method| method.method == name).and_then(|method| method.auc).unwrap_or(0.5);
    let risk = auc("risk_score");
    for baseline in ["crowd_dev_slipping_away", "common_room_recently_inactive", "savannah_inactivity", "days_since_last_activity"] {
        assert!(risk > auc(baseline), "risk AUC {risk} does not beat {baseline} ({})", auc(baseline));
    }
    let truth = report.truth.expect("the demo knows its truth");
    assert!(truth.risk_auc > truth.days_since_auc, "{truth:?}");

    // The screen's page of the warnings: the 5 most at risk of each severity, and the totals.
    let all = api::churn::warnings(&store, "1", Severity::Low, false, 0).unwrap();
    let page = all.clone().first_per_severity(5);
    for (severity, total) in [(Severity::High, page.totals.high), (Severity::Medium, page.totals.medium), (Severity::Low, page.totals.low)]
    {
        let mut every: Vec<_> = all.warnings.iter().filter(|item| item.warning.severity == severity).collect();
        assert_eq!(every.len() as u64, total, "{severity:?}");
        every.sort_by(|a, b| b.risk.total_cmp(&a.risk).then(a.warning.member_id.cmp(&b.warning.member_id)));
        let shown: Vec<_> = page.list.warnings.iter().filter(|item| item.warning.severity == severity).collect();
        assert_eq!(shown, every.into_iter().take(5).collect::<Vec<_>>(), "{severity:?}");
    }
    assert!(page.totals.high + page.totals.medium + page.totals.low > 15, "the demo warns about more than a page: {:?}", page.totals);
    assert_eq!((page.list.hidden, &page.list.as_of_date), (all.hidden, &all.as_of_date));
}
