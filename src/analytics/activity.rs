//! Daily activity and the weekly active-members series the dashboard charts.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use ts_rs::TS;

use super::{day_of, week_start, Index};
use crate::model::{GroupData, UnixSeconds, WEEK};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct DayActivity {
    /// Days since 1970-01-01 (UTC).
    #[ts(type = "number")]
    pub day: i64,
    pub posts: u64,
    pub reactions: u64,
    pub active_members: u64,
    /// Members whose first activity fell on this day.
    pub new_members: u64,
}

/// Per UTC day with any activity before `as_of`: posts, reactions, active and new members.
/// Bots are left out.
pub fn daily_activity(data: &GroupData, as_of: UnixSeconds) -> Vec<DayActivity> {
    let index = Index::new(data);
    let mut days: BTreeMap<i64, (u64, u64, BTreeSet<i64>)> = BTreeMap::new();
    let mut first_day: BTreeMap<i64, i64> = BTreeMap::new();
    for activity in data.activities.iter().filter(|activity| activity.at < as_of && index.is_human(activity.member_id)) {
        if !activity.kind.counts_as_active() {
            continue;
        }
        let day = day_of(activity.at);
        let entry = days.entry(day).or_default();
        if activity.kind.is_post() {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
        entry.2.insert(activity.member_id);
        first_day.entry(activity.member_id).or_insert(day);
    }
    let mut new_by_day: BTreeMap<i64, u64> = BTreeMap::new();
    for day in first_day.values() {
        *new_by_day.entry(*day).or_default() += 1;
    }
    days.into_iter()
        .map(|(day, (posts, reactions, members))| DayActivity {
            day,
            posts,
            reactions,
            active_members: members.len() as u64,
            new_members: new_by_day.get(&day).copied().unwrap_or(0),
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct WeekActive {
    /// Monday 00:00 UTC that starts the week.
    #[ts(type = "number")]
    pub week_start: UnixSeconds,
    pub active_members: u64,
    pub posts: u64,
}

/// Distinct active human members and posts per week (Monday to Sunday, UTC), for every
/// week from the first activity to the one containing `as_of - 1`, empty weeks included.
pub fn weekly_active(data: &GroupData, as_of: UnixSeconds) -> Vec<WeekActive> {
    let index = Index::new(data);
    let monday = week_start;
    let mut weeks: BTreeMap<i64, (BTreeSet<i64>, u64)> = BTreeMap::new();
    for activity in data.activities.iter().filter(|activity| activity.at < as_of && index.is_human(activity.member_id)) {
        if !activity.kind.counts_as_active() {
            continue;
        }
        let entry = weeks.entry(monday(activity.at)).or_default();
        entry.0.insert(activity.member_id);
        if activity.kind.is_post() {
            entry.1 += 1;
        }
    }
    let (Some(&first), Some(&last)) = (weeks.keys().next(), weeks.keys().next_back()) else { return Vec::new() };
    (0..=(last - first) / WEEK)
        .map(|offset| {
            let week_start = first + offset * WEEK;
            let (members, posts) = weeks.get(&week_start).map_or((0, 0), |(members, posts)| (members.len() as u64, *posts));
            WeekActive { week_start, active_members: members, posts }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::tests_support::{activity, group, member, post};
    use crate::model::{ActivityKind, DAY};

    #[test]
    fn daily_activity_by_hand() {
        // Day 0: m1 posts twice, m2 reacts -> 2 posts, 1 reaction, 2 active, both new.
        // Day 2: m1 posts, m3 joins (not activity) -> 1 post, 1 active, nobody new.
        // Bot m9 posts on day 2 and is left out; nothing at or after as_of counts.
        let mut bot = member(9);
        bot.is_bot = true;
        let data = group(
            true,
            vec![member(1), member(2), member(3), bot],
            vec![
                post(1, 1, 100, "a"),
                post(2, 1, 200, "b"),
                activity(3, 2, 300, ActivityKind::Reaction, Some(1), None),
                post(4, 1, 2 * DAY + 5, "c"),
                activity(5, 3, 2 * DAY + 6, ActivityKind::Join, None, None),
                post(6, 9, 2 * DAY + 7, "digest"),
                post(7, 1, 3 * DAY, "after as_of"),
            ],
        );
        let days = daily_activity(&data, 3 * DAY);
        assert_eq!(
            days,
            vec![
                DayActivity { day: 0, posts: 2, reactions: 1, active_members: 2, new_members: 2 },
                DayActivity { day: 2, posts: 1, reactions: 0, active_members: 1, new_members: 0 },
            ]
        );
    }

    #[test]
    fn weekly_active_fills_empty_weeks_and_starts_on_mondays() {
        // 1970-01-05 (day 4) was a Monday. m1 posts on days 4 and 5 (week of day 4), m2 on
        // day 10 (same week: days 4–10); nobody in the week of day 11; m1 on day 19.
        let data = group(
            true,
            vec![member(1), member(2)],
            vec![post(1, 1, 4 * DAY, "a"), post(2, 1, 5 * DAY, "b"), post(3, 2, 10 * DAY + 1, "c"), post(4, 1, 19 * DAY, "d")],
        );
        let weeks = weekly_active(&data, 30 * DAY);
        assert_eq!(
            weeks,
            vec![
                WeekActive { week_start: 4 * DAY, active_members: 2, posts: 3 },
                WeekActive { week_start: 11 * DAY, active_members: 0, posts: 0 },
                WeekActive { week_start: 18 * DAY, active_members: 1, posts: 1 },
            ]
        );
        assert!(weekly_active(&group(true, vec![], vec![]), DAY).is_empty());
    }
}
