//! Heatmaps and flows (analytics §3): members per stage and week, cohort retention,
//! messages per weekday and hour in a chosen timezone, what newcomers do in their first
//! five minutes, and the weekly stage transitions with a verdict per stage.
//!
//! Weeks start on Monday 00:00 UTC (the stage evaluations' rhythm); only the weekday ×
//! hour heatmap uses the chosen timezone, because it is about people's daily rhythm.

use chrono::TimeZone;
use chrono_tz::Tz;
use serde::Serialize;
use ts_rs::TS;

use super::daily::RowMembers;
use super::stages::StageHistory;
pub use super::week_start;
use super::{date_of_day, day_of, Index};
use crate::model::{ActivityKind, Stage, UnixSeconds, WEEK};

#[derive(Debug, Clone, PartialEq)]
pub struct HeatmapConfig {
    /// The timezone of the weekday × hour heatmap.
    pub timezone: Tz,
    /// Columns of the cohort heatmap: weeks since joining shown (0 … n − 1).
    pub cohort_weeks: usize,
    /// Weekly transitions the verdict looks at (the most recent ones).
    pub verdict_weeks: usize,
    /// A stage whose headcount changed by at least this share of its starting headcount
    /// over the verdict's weeks is climbing (up) or dropping (down); otherwise stable.
    pub verdict_margin: f64,
    /// Seconds after joining the first-minutes heatmap covers, and its bin width.
    pub first_minutes_seconds: i64,
    pub first_minutes_bin_seconds: i64,
}

impl Default for HeatmapConfig {
    fn default() -> Self {
        HeatmapConfig {
            timezone: Tz::UTC,
            cohort_weeks: 12,
            verdict_weeks: 4,
            verdict_margin: 0.10,
            first_minutes_seconds: 300,
            first_minutes_bin_seconds: 60,
        }
    }
}

fn week_label(at: UnixSeconds) -> String {
    date_of_day(day_of(week_start(at)))
}

/// Members per stage at the end of each week: after each weekly evaluation, counting only
/// members seen before it. Columns are the weeks that the evaluations close (the last one
/// is the partial week ending at `as_of`), labelled by their Monday.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct StageHeatmap {
    pub weeks: Vec<String>,
    pub stages: Vec<Stage>,
    /// `counts[stage][week]`: members in that stage at the end of the week.
    pub counts: Vec<Vec<u64>>,
    /// `shares[stage][week]`: the same as a share of the members present that week.
    pub shares: Vec<Vec<f64>>,
}

pub fn stage_heatmap(history: &StageHistory) -> StageHeatmap {
    stage_heatmap_resumed(history, None)
}

/// [`stage_heatmap`] with the columns of the first `kept` weeks taken from `previous`: the
/// heatmap of a history whose first `kept` instants, and every member's stage and presence
/// at them, are those of `history` (a history on fewer rows, all after those instants).
pub fn stage_heatmap_resumed(history: &StageHistory, previous: Option<(&StageHeatmap, usize)>) -> StageHeatmap {
    let weeks = history.instants.len();
    let mut counts = vec![vec![0u64; weeks]; Stage::ALL.len()];
    let kept = match previous {
        Some((previous, kept)) if kept <= weeks && previous.counts.iter().all(|row| row.len() >= kept) => {
            for (row, previous) in counts.iter_mut().zip(&previous.counts) {
                row[..kept].copy_from_slice(&previous[..kept]);
            }
            kept
        }
        _ => 0,
    };
    for member in &history.members {
        for (week, (&instant, &stage)) in history.instants.iter().zip(&member.stages).enumerate().skip(kept) {
            if member.present_at(instant) {
                counts[stage as usize][week] += 1;
            }
        }
    }
    let totals: Vec<u64> = (0..weeks).map(|week| counts.iter().map(|row| row[week]).sum()).collect();
    let shares = counts
        .iter()
        .map(|row| row.iter().zip(&totals).map(|(&count, &total)| if total == 0 { 0.0 } else { count as f64 / total as f64 }).collect())
        .collect();
    StageHeatmap {
        weeks: history.instants.iter().map(|&instant| week_label(instant - 1)).collect(),
        stages: Stage::ALL.to_vec(),
        counts,
        shares,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct Cohort {
    /// Monday of the week the cohort's members were first seen (joined or first activity).
    pub week: String,
    pub members: u64,
    /// `active[k]`: share of the cohort active in its k-th week (0 = the joining week);
    /// `None` for weeks that had not started by `as_of`.
    pub active: Vec<Option<f64>>,
}

/// Cohort retention: rows = joining week, columns = weeks since joining, cell = share of
/// the cohort active (any activity but join/leave) in that week. Human members only.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct CohortHeatmap {
    pub weeks_since_joining: usize,
    pub cohorts: Vec<Cohort>,
}

pub fn cohort_heatmap(index: &Index<'_>, as_of: UnixSeconds, config: &HeatmapConfig) -> CohortHeatmap {
    let mut rows = RowHeatmaps::only(RowHeatmap::Cohorts);
    rows.scan(index, as_of, config);
    rows.cohorts(index, as_of, config)
}

/// Posts per weekday (rows, Monday first) and hour of day (columns, 0–23) in a timezone.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct HourHeatmap {
    /// The IANA name of the timezone the hours are in.
    pub timezone: String,
    pub weekdays: Vec<String>,
    /// `counts[weekday][hour]`.
    pub counts: Vec<Vec<u64>>,
}

pub const WEEKDAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

pub fn hour_heatmap(index: &Index<'_>, as_of: UnixSeconds, config: &HeatmapConfig) -> HourHeatmap {
    let mut rows = RowHeatmaps::only(RowHeatmap::Hours);
    rows.scan(index, as_of, config);
    rows.hours(config)
}

/// What members whose join is known did in the first minutes after joining: rows = action
/// (message, reply, reaction, leave), columns = bins of 60 s, cell = members who did it at
/// least once in that bin.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct FirstMinutesHeatmap {
    /// Human members with a known join time before `as_of`.
    pub joined_members: u64,
    pub actions: Vec<ActivityKind>,
    /// Bin labels ("0–60 s").
    pub bins: Vec<String>,
    /// `counts[action][bin]`.
    pub counts: Vec<Vec<u64>>,
}

pub fn first_minutes_heatmap(index: &Index<'_>, as_of: UnixSeconds, config: &HeatmapConfig) -> FirstMinutesHeatmap {
    let mut rows = RowHeatmaps::only(RowHeatmap::FirstMinutes);
    rows.scan(index, as_of, config);
    rows.first_minutes(index, config)
}

/// The actions of the first-minutes heatmap, its rows.
const FIRST_ACTIONS: [ActivityKind; 4] = [ActivityKind::Message, ActivityKind::Reply, ActivityKind::Reaction, ActivityKind::Leave];

/// One of the heatmaps drawn from the rows (not from the stage history).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowHeatmap {
    Cohorts,
    Hours,
    FirstMinutes,
}

/// The cohort, hour and first-minutes heatmaps' pass over the rows, resumable: rows come in
/// time order, so the state after the rows before some position, given the rows after it,
/// gives what one pass over all of them gives (see [`RowHeatmaps::continues`]).
#[derive(Default)]
pub struct RowHeatmaps {
    /// Only this heatmap's part of the pass (one heatmap asked for alone); `None`: all three.
    only: Option<RowHeatmap>,
    /// How many rows were read (the rows before the last `as_of`).
    rows: usize,
    /// Posts per weekday and local hour.
    hour_counts: Vec<Vec<u64>>,
    /// Per member position: the first activity of any kind (humans only).
    first_activity: Vec<Option<UnixSeconds>>,
    /// Per member position: the weeks (as Monday instants) with activity, ascending, distinct.
    active_weeks: Vec<Vec<UnixSeconds>>,
    /// Per member position: the first join event.
    join_event: Vec<Option<UnixSeconds>>,
    /// Per member position: the join the first-minutes cells were counted from, and the
    /// bitmask of (action, bin) cells counted for the member.
    counted_join: Vec<Option<UnixSeconds>>,
    cells: Vec<u64>,
    first_counts: Vec<Vec<u64>>,
    bins: usize,
}

impl RowHeatmaps {
    /// A pass that keeps only what `heatmap` needs (the others read from it are empty).
    pub fn only(heatmap: RowHeatmap) -> RowHeatmaps {
        RowHeatmaps { only: Some(heatmap), ..RowHeatmaps::default() }
    }

    fn wants(&self, heatmap: RowHeatmap) -> bool {
        self.only.is_none_or(|only| only == heatmap)
    }

    /// Whether a scan of rows that extend the ones read (the first `seen` rows are the
    /// same, members only added after the known ones) can continue this one up to `as_of`.
    pub fn continues(&self, seen: usize, index: &Index<'_>, as_of: UnixSeconds) -> bool {
        self.rows <= seen && index.data.activities.partition_point(|activity| activity.at < as_of) >= self.rows
    }

    /// Reads the rows before `as_of` not read yet.
    pub fn scan(&mut self, index: &Index<'_>, as_of: UnixSeconds, config: &HeatmapConfig) {
        let data = index.data;
        let members = data.members.len();
        let bin_width = config.first_minutes_bin_seconds.max(1);
        // At most 16 bins, so that a member's cells fit one 64-bit mask (4 actions × 16).
        let bins = ((config.first_minutes_seconds + bin_width - 1) / bin_width).clamp(1, 16) as usize;
        if self.hour_counts.is_empty() {
            self.hour_counts = vec![vec![0u64; 24]; 7];
            self.first_counts = vec![vec![0u64; bins]; FIRST_ACTIONS.len()];
            self.bins = bins;
        }
        self.first_activity.resize(members, None);
        self.active_weeks.resize(members, Vec::new());
        self.join_event.resize(members, None);
        self.counted_join.resize(members, None);
        self.cells.resize(members, 0);
        let seen = self.rows;
        let end = data.activities.partition_point(|activity| activity.at < as_of).max(seen);
        let new_rows = &data.activities[seen..end];
        let (cohorts, hours, first_minutes) =
            (self.wants(RowHeatmap::Cohorts), self.wants(RowHeatmap::Hours), self.wants(RowHeatmap::FirstMinutes));
        // Local time is looked up once per UTC hour: offsets never change inside an hour in
        // practice (every IANA offset is a whole number of quarter hours, and transitions
        // happen on the hour or half hour), which keeps a million messages cheap.
        let lookup = RowMembers::new(index);
        let mut cached: Option<(i64, i64)> = None; // (UTC hour, local offset seconds)
                                                   // The local weekday and hour are read from the local seconds (1970-01-01 was a
                                                   // Thursday, day 3 from Monday) within chrono's range of instants, as chrono would.
        let (earliest, latest) =
            (chrono::DateTime::<chrono::Utc>::MIN_UTC.timestamp(), chrono::DateTime::<chrono::Utc>::MAX_UTC.timestamp());
        for activity in new_rows {
            if !cohorts && !first_minutes && !activity.kind.is_post() {
                continue;
            }
            let Some((position, bot)) = lookup.get(activity.member_id) else { continue };
            if first_minutes && activity.kind == ActivityKind::Join {
                let join = &mut self.join_event[position];
                *join = Some(join.map_or(activity.at, |at| at.min(activity.at)));
            }
            if bot {
                continue;
            }
            if cohorts {
                self.first_activity[position].get_or_insert(activity.at);
                if activity.kind.counts_as_active() {
                    let week = week_start(activity.at);
                    if self.active_weeks[position].last() != Some(&week) {
                        self.active_weeks[position].push(week);
                    }
                }
            }
            if !hours || !activity.kind.is_post() {
                continue;
            }
            let utc_hour = activity.at.div_euclid(3600);
            let offset = match cached {
                Some((hour, offset)) if hour == utc_hour => offset,
                _ => {
                    let Some(local) = config.timezone.timestamp_opt(utc_hour * 3600, 0).single() else { continue };
                    let offset = local.naive_local().and_utc().timestamp() - utc_hour * 3600;
                    cached = Some((utc_hour, offset));
                    offset
                }
            };
            let local = activity.at + offset;
            if !(earliest..=latest).contains(&local) {
                continue;
            }
            let weekday = (local.div_euclid(86_400) + 3).rem_euclid(7);
            let hour = local.rem_euclid(86_400) / 3_600;
            self.hour_counts[weekday as usize][hour as usize] += 1;
        }
        if !first_minutes {
            self.rows = end;
            return;
        }
        // First minutes: a member's join is the first join event, else the joined_at the
        // export recorded. A member whose join changed is counted again from it.
        let span = self.bins as i64 * bin_width;
        let count = |cells: &mut u64, counts: &mut Vec<Vec<u64>>, activity: &crate::model::ActivityRow, join: UnixSeconds| {
            let Some(row) = FIRST_ACTIONS.iter().position(|&kind| kind == activity.kind) else { return };
            let after = activity.at - join;
            if after < 0 || after >= span {
                return;
            }
            let bit = 1u64 << (row * self.bins + (after / bin_width) as usize);
            if *cells & bit == 0 {
                *cells |= bit;
                counts[row][(after / bin_width) as usize] += 1;
            }
        };
        for position in 0..members {
            let member = &data.members[position];
            let join = match (member.joined_at.filter(|&at| at < as_of), self.join_event[position]) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if join == self.counted_join[position] {
                continue;
            }
            // Undo what the member's cells counted, and count the rows read before again.
            let cells = std::mem::take(&mut self.cells[position]);
            for (row, counts) in self.first_counts.iter_mut().enumerate() {
                for (bin, count) in counts.iter_mut().enumerate() {
                    *count -= u64::from(cells >> (row * self.bins + bin) & 1 == 1);
                }
            }
            self.counted_join[position] = join;
            let Some(join) = join.filter(|_| !member.is_bot) else { continue };
            let from = data.activities.partition_point(|activity| activity.at < join);
            let mut cells = 0;
            for activity in data.activities[from.min(seen)..seen].iter().filter(|activity| activity.member_id == member.id) {
                count(&mut cells, &mut self.first_counts, activity, join);
            }
            self.cells[position] = cells;
        }
        for activity in new_rows {
            let Some(position) = lookup.human(activity.member_id) else { continue };
            let Some(join) = self.counted_join[position] else { continue };
            count(&mut self.cells[position], &mut self.first_counts, activity, join);
        }
        self.rows = end;
    }

    /// The cohort heatmap of the rows read, at `as_of` (the `as_of` of the last scan).
    pub fn cohorts(&self, index: &Index<'_>, as_of: UnixSeconds, config: &HeatmapConfig) -> CohortHeatmap {
        let data = index.data;
        let last_week = week_start(as_of - 1);
        let mut cohorts: std::collections::BTreeMap<UnixSeconds, (u64, Vec<u64>)> = std::collections::BTreeMap::new();
        for (position, member) in data.members.iter().enumerate() {
            if member.is_bot {
                continue;
            }
            let seen = match (member.joined_at.filter(|&at| at < as_of), self.first_activity[position]) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let Some(seen) = seen else { continue };
            let cohort_week = week_start(seen);
            let entry = cohorts.entry(cohort_week).or_insert_with(|| (0, vec![0; config.cohort_weeks]));
            entry.0 += 1;
            for &week in &self.active_weeks[position] {
                let offset = ((week - cohort_week) / WEEK) as usize;
                if week >= cohort_week && offset < config.cohort_weeks {
                    entry.1[offset] += 1;
                }
            }
        }
        let cohorts = cohorts
            .into_iter()
            .map(|(week, (size, active))| Cohort {
                week: date_of_day(day_of(week)),
                members: size,
                active: active
                    .iter()
                    .enumerate()
                    .map(|(offset, &count)| (week + offset as i64 * WEEK <= last_week).then(|| count as f64 / size as f64))
                    .collect(),
            })
            .collect();
        CohortHeatmap { weeks_since_joining: config.cohort_weeks, cohorts }
    }

    /// The hour heatmap of the rows read.
    pub fn hours(&self, config: &HeatmapConfig) -> HourHeatmap {
        let counts = if self.hour_counts.is_empty() { vec![vec![0u64; 24]; 7] } else { self.hour_counts.clone() };
        HourHeatmap { timezone: config.timezone.name().to_string(), weekdays: WEEKDAYS.iter().map(|day| day.to_string()).collect(), counts }
    }

    /// The first-minutes heatmap of the rows read.
    pub fn first_minutes(&self, index: &Index<'_>, config: &HeatmapConfig) -> FirstMinutesHeatmap {
        let data = index.data;
        let bin_width = config.first_minutes_bin_seconds.max(1);
        let joined_members =
            data.members.iter().zip(&self.counted_join).filter(|(member, join)| !member.is_bot && join.is_some()).count() as u64;
        let bins = (0..self.bins).map(|bin| format!("{}–{} s", bin as i64 * bin_width, (bin as i64 + 1) * bin_width)).collect();
        FirstMinutesHeatmap { joined_members, actions: FIRST_ACTIONS.to_vec(), bins, counts: self.first_counts.clone() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export, export_to = "bindings/")]
pub enum Verdict {
    Climbing,
    Stable,
    Dropping,
}

/// One week's movements between stages.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct WeekFlow {
    /// Monday of the week the evaluation closes.
    pub week: String,
    /// Members seen for the first time this week (they enter at their first stage).
    pub arrived: u64,
    pub promoted: u64,
    pub demoted: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct StageVerdict {
    pub stage: Stage,
    /// Members in the stage at the start and at the end of the verdict's weeks.
    pub start: u64,
    pub end: u64,
    /// Moves into the stage (from a lower stage, a higher one, or new members) and out of
    /// it (up or down), summed over the verdict's weeks.
    pub arrived_from_below: u64,
    pub arrived_from_above: u64,
    pub arrived_new: u64,
    pub left_upward: u64,
    pub left_downward: u64,
    /// (end − start) ÷ max(start, 1).
    pub change: f64,
    pub verdict: Verdict,
}

/// The weekly transition matrix (analytics §3) and the verdict per stage.
///
/// `matrix[from][to]` sums the members who were in stage `from` after one weekly
/// evaluation and in `to` after the next, over the last `verdict_weeks` transitions; row
/// 0 ("new") holds members first seen in between, rows 1–5 the stages in order.
/// The verdict of a stage compares its headcount at the end of those weeks with the start:
/// climbing when it grew by at least `verdict_margin` of the start (at least one member),
/// dropping when it shrank by that much, stable otherwise. Because members never vanish
/// from the history, the change equals arrivals minus departures, both listed.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct Transitions {
    /// The verdict's weeks: the first and last week closed by the transitions counted.
    pub from_week: String,
    pub to_week: String,
    pub from_labels: Vec<String>,
    pub stages: Vec<Stage>,
    pub matrix: Vec<Vec<u64>>,
    pub verdicts: Vec<StageVerdict>,
    /// Every week's promotions, demotions and arrivals, for the flow chart.
    pub weekly: Vec<WeekFlow>,
}

pub fn transitions(history: &StageHistory, config: &HeatmapConfig) -> Transitions {
    transitions_resumed(history, config, None)
}

/// [`transitions`] with the weekly flows between the first `kept` weeks taken from
/// `previous` (see [`stage_heatmap_resumed`]).
pub fn transitions_resumed(history: &StageHistory, config: &HeatmapConfig, previous: Option<(&Transitions, usize)>) -> Transitions {
    let instants = &history.instants;
    let steps = instants.len().saturating_sub(1);
    // Flows of steps whose both weeks are kept (step `s` goes from week `s` to `s + 1`).
    let kept = match previous {
        Some((previous, kept)) => kept.saturating_sub(1).min(previous.weekly.len()).min(steps),
        None => 0,
    };
    let mut flows = vec![(0u64, 0u64, 0u64); steps - kept];
    for member in &history.members {
        for step in kept + 1..instants.len() {
            if !member.present_at(instants[step]) {
                continue;
            }
            let flow = &mut flows[step - 1 - kept];
            if !member.present_at(instants[step - 1]) {
                flow.0 += 1;
            } else if member.stages[step] > member.stages[step - 1] {
                flow.1 += 1;
            } else if member.stages[step] < member.stages[step - 1] {
                flow.2 += 1;
            }
        }
    }
    let mut weekly: Vec<WeekFlow> = previous.map_or_else(Vec::new, |(previous, _)| previous.weekly[..kept].to_vec());
    for (offset, (arrived, promoted, demoted)) in flows.into_iter().enumerate() {
        let step = kept + offset + 1;
        weekly.push(WeekFlow { week: week_label(instants[step] - 1), arrived, promoted, demoted });
    }

    let last = instants.len().saturating_sub(1);
    let first = last.saturating_sub(config.verdict_weeks.max(1));
    let mut matrix = vec![vec![0u64; Stage::ALL.len()]; Stage::ALL.len() + 1];
    let mut verdicts: Vec<StageVerdict> = Stage::ALL
        .iter()
        .map(|&stage| StageVerdict {
            stage,
            start: 0,
            end: 0,
            arrived_from_below: 0,
            arrived_from_above: 0,
            arrived_new: 0,
            left_upward: 0,
            left_downward: 0,
            change: 0.0,
            verdict: Verdict::Stable,
        })
        .collect();
    for member in &history.members {
        if instants.is_empty() {
            break;
        }
        if member.present_at(instants[first]) {
            verdicts[member.stages[first] as usize].start += 1;
        }
        if member.present_at(instants[last]) {
            verdicts[member.stages[last] as usize].end += 1;
        }
        for step in first + 1..=last {
            if !member.present_at(instants[step]) {
                continue;
            }
            let to = member.stages[step];
            if !member.present_at(instants[step - 1]) {
                matrix[0][to as usize] += 1;
                verdicts[to as usize].arrived_new += 1;
                continue;
            }
            let from = member.stages[step - 1];
            matrix[from as usize + 1][to as usize] += 1;
            if to > from {
                verdicts[from as usize].left_upward += 1;
                verdicts[to as usize].arrived_from_below += 1;
            } else if to < from {
                verdicts[from as usize].left_downward += 1;
                verdicts[to as usize].arrived_from_above += 1;
            }
        }
    }
    for verdict in &mut verdicts {
        let change = verdict.end as f64 - verdict.start as f64;
        verdict.change = change / verdict.start.max(1) as f64;
        let threshold = (config.verdict_margin * verdict.start as f64).max(1.0);
        verdict.verdict = if change >= threshold {
            Verdict::Climbing
        } else if -change >= threshold {
            Verdict::Dropping
        } else {
            Verdict::Stable
        };
    }
    let label = |step: usize| instants.get(step).map_or_else(String::new, |&instant| week_label(instant - 1));
    let mut from_labels = vec!["new".to_string()];
    from_labels.extend(Stage::ALL.iter().map(|stage| stage.as_str().to_string()));
    Transitions {
        from_week: label((first + 1).min(last)),
        to_week: label(last),
        from_labels,
        stages: Stage::ALL.to_vec(),
        matrix,
        verdicts,
        weekly,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::stages::{stage_history, StageConfig};
    use crate::analytics::tests_support::{activity, group, member, post, reply, stage_fixture as fixture};
    use crate::analytics::Prepared;
    use crate::model::{GroupData, DAY};

    fn history(data: &GroupData) -> StageHistory {
        let config = StageConfig::default();
        stage_history(&Prepared::new(data, &config.conversations), 40 * DAY, &config)
    }

    #[test]
    fn stage_heatmap_by_hand() {
        let heatmap = stage_heatmap(&history(&fixture()));
        // Columns: the weeks closed by the evaluations on days 4, 11, …, 39 and as_of 40.
        // Day 4 closes the week of Monday 1969-12-29.
        assert_eq!(heatmap.weeks.len(), 7);
        assert_eq!(heatmap.weeks[0], "1969-12-29");
        assert_eq!(heatmap.weeks[6], "1970-02-09");
        // m4 is Newcomer on days 4 and 11 (first post 4 and 11 days before), Participant
        // from day 18. m1 and m2 appear on day 32 as Newcomers (2 active days, not yet
        // Contributor) and are Contributors on day 39 (4 active days, 4 responses). m3 is
        // a Newcomer from day 39, m5 an Observer.
        let column = |week: usize| -> Vec<u64> { heatmap.counts.iter().map(|row| row[week]).collect() };
        assert_eq!(column(0), vec![0, 1, 0, 0, 0]);
        assert_eq!(column(2), vec![0, 0, 1, 0, 0]);
        assert_eq!(column(4), vec![0, 2, 1, 0, 0]);
        assert_eq!(column(5), vec![1, 1, 1, 2, 0]);
        assert_eq!(column(6), vec![1, 1, 1, 2, 0]);
        let shares: Vec<f64> = heatmap.shares.iter().map(|row| row[5]).collect();
        assert_eq!(shares, vec![0.2, 0.2, 0.2, 0.4, 0.0]);
    }

    #[test]
    fn transitions_and_verdicts_by_hand() {
        let flows = transitions(&history(&fixture()), &HeatmapConfig::default());
        // Four transitions: 18→25, 25→32, 32→39, 39→40.
        // new → newcomer: m1, m2 (25→32), m3 (32→39); new → observer: m5 (32→39).
        // participant → participant: m4 four times; newcomer → contributor: m1, m2
        // (32→39); then contributor → contributor twice, newcomer → newcomer (m3) and
        // observer → observer (m5) in 39→40.
        let expected = vec![
            vec![1, 3, 0, 0, 0],
            vec![1, 0, 0, 0, 0],
            vec![0, 1, 0, 2, 0],
            vec![0, 0, 4, 0, 0],
            vec![0, 0, 0, 2, 0],
            vec![0, 0, 0, 0, 0],
        ];
        assert_eq!(flows.matrix, expected);
        // Headcounts day 18 -> 40: observer 0 -> 1, newcomer 0 -> 1, participant 1 -> 1,
        // contributor 0 -> 2, core 0 -> 0. Growth of at least max(1, 10 % of start).
        let verdicts: Vec<(u64, u64, Verdict)> =
            flows.verdicts.iter().map(|verdict| (verdict.start, verdict.end, verdict.verdict)).collect();
        assert_eq!(
            verdicts,
            vec![
                (0, 1, Verdict::Climbing),
                (0, 1, Verdict::Climbing),
                (1, 1, Verdict::Stable),
                (0, 2, Verdict::Climbing),
                (0, 0, Verdict::Stable),
            ]
        );
        let newcomer = &flows.verdicts[1];
        assert_eq!((newcomer.arrived_new, newcomer.left_upward, newcomer.arrived_from_below), (3, 2, 0));
        assert_eq!(flows.verdicts[3].arrived_from_below, 2);
        // Weekly flows: m4 promoted Newcomer -> Participant on day 18; two arrivals on day
        // 32; two arrivals and two promotions on day 39.
        let weekly: Vec<(u64, u64, u64)> = flows.weekly.iter().map(|week| (week.arrived, week.promoted, week.demoted)).collect();
        assert_eq!(weekly, vec![(0, 0, 0), (0, 1, 0), (0, 0, 0), (2, 0, 0), (2, 2, 0), (0, 0, 0)]);
        assert_eq!((flows.from_week.as_str(), flows.to_week.as_str()), ("1970-01-19", "1970-02-09"));
    }

    #[test]
    fn a_shrinking_stage_is_dropping() {
        // m2 answers on days 30–33 only: Contributor on day 39, demoted to Participant after
        // the grace period (below 90 % from day 60, demoted on day 74). Over the four
        // transitions ending at day 80 (53→60→67→74→80) Contributor goes from 2 to 0.
        let data = fixture();
        let config = StageConfig::default();
        let history = stage_history(&Prepared::new(&data, &config.conversations), 80 * DAY, &config);
        let flows = transitions(&history, &HeatmapConfig::default());
        let contributor = &flows.verdicts[Stage::Contributor as usize];
        assert_eq!((contributor.start, contributor.end, contributor.left_downward), (2, 0, 2));
        assert_eq!(contributor.verdict, Verdict::Dropping);
        assert_eq!(contributor.change, -1.0);
    }

    #[test]
    fn cohort_retention_by_hand() {
        let config = HeatmapConfig { cohort_weeks: 3, ..HeatmapConfig::default() };
        let data = fixture();
        let heatmap = cohort_heatmap(&Index::new(&data), 40 * DAY, &config);
        // Cohorts by first-seen week: m4 (day 0, week of Monday day −3 = 1969-12-29); m1, m2
        // (day 30, week of day 25 = 1970-01-26); m3 (day 35) and m5 (joined day 38), week
        // of day 32 = 1970-02-02. The last week that has started by as_of is day 39's.
        let rows: Vec<(String, u64, Vec<Option<f64>>)> =
            heatmap.cohorts.iter().map(|cohort| (cohort.week.clone(), cohort.members, cohort.active.clone())).collect();
        assert_eq!(
            rows,
            vec![
                // m4 active in week 0 only.
                ("1969-12-29".to_string(), 1, vec![Some(1.0), Some(0.0), Some(0.0)]),
                // m1 and m2 active in weeks 0 (days 30–31) and 1 (days 32–33), not in week 2.
                ("1970-01-26".to_string(), 2, vec![Some(1.0), Some(1.0), Some(0.0)]),
                // m3 active in week 0; m5 only joined (a join is not activity). Week 2
                // (day 46) had not started at as_of.
                ("1970-02-02".to_string(), 2, vec![Some(0.5), Some(0.0), None]),
            ]
        );
    }

    #[test]
    fn hours_follow_the_timezone_and_its_daylight_saving_time() {
        // Day 4 (1970-01-05) was a Monday; day 200 (1970-07-20) too.
        let data = group(
            true,
            vec![member(1)],
            vec![
                post(1, 1, 4 * DAY + 23 * 3600 + 1800, "late"),
                post(2, 1, 200 * DAY + 12 * 3600, "noon"),
                post(3, 1, 200 * DAY + 12 * 3600 + 5, "again"),
            ],
        );
        let index = Index::new(&data);
        let heatmap_in = |zone: Tz| hour_heatmap(&index, 300 * DAY, &HeatmapConfig { timezone: zone, ..HeatmapConfig::default() });
        // New York: 23:30 UTC in January (UTC−5) is Monday 18:30; 12:00 UTC in July (EDT,
        // UTC−4) is Monday 08:00, twice.
        let new_york = heatmap_in(Tz::America__New_York);
        assert_eq!((new_york.counts[0][18], new_york.counts[0][8]), (1, 2));
        assert_eq!(new_york.counts.iter().flatten().sum::<u64>(), 3);
        // Berlin: 23:30 UTC in January (UTC+1) is already Tuesday 00:30; West Germany had
        // no summer time in 1970 (from 1980 on), so July noon UTC is 13:00 there.
        let berlin = heatmap_in(Tz::Europe__Berlin);
        assert_eq!((berlin.counts[1][0], berlin.counts[0][13]), (1, 2));
        assert_eq!(berlin.timezone, "Europe/Berlin");
    }

    #[test]
    fn first_minutes_by_hand() {
        let mut second = member(2);
        second.joined_at = Some(5_000);
        let data = group(
            true,
            vec![member(1), second, member(3)],
            vec![
                // m1 joins at 1,000 (a join event): message at +30 s (bin 0), reaction at
                // +100 s (bin 1), message at +290 s (bin 4), message at +300 s (outside).
                activity(1, 1, 1_000, ActivityKind::Join, None, None),
                post(2, 1, 1_030, "hi"),
                activity(3, 1, 1_100, ActivityKind::Reaction, Some(2), None),
                post(4, 1, 1_290, "anyone?"),
                post(5, 1, 1_300, "hello?"),
                // m3's join is unknown: not counted.
                post(6, 3, 1_001, "hey"),
                // m2 joined at 5,000 (the export says so): two replies in bin 0 count once.
                reply(7, 2, 5_000, 2),
                reply(8, 2, 5_010, 2),
            ],
        );
        let heatmap = first_minutes_heatmap(&Index::new(&data), 10_000, &HeatmapConfig::default());
        assert_eq!(heatmap.joined_members, 2);
        assert_eq!(heatmap.bins, vec!["0–60 s", "60–120 s", "120–180 s", "180–240 s", "240–300 s"]);
        assert_eq!(heatmap.counts, vec![vec![1, 0, 0, 0, 1], vec![1, 0, 0, 0, 0], vec![0, 1, 0, 0, 0], vec![0, 0, 0, 0, 0]]);
    }
}
