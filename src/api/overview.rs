//! The groups overview, the window's start screen: per group its health score (the one
//! `hearth health` gives), the weekly score of the last 12 weeks, the change since last
//! week, open churn warnings and open review flags. It calls the other use cases (the
//! daily trend, the warnings) so the numbers are the CLI's; it computes no analytics.

use chrono::NaiveDate;
use serde::Serialize;
use ts_rs::TS;

use super::{churn, default_as_of, summarise, trend, Error, ErrorCode, GroupSummary, Result};
use crate::analytics::warnings::Severity;
use crate::model::{GroupId, UnixSeconds, DAY};
use crate::store::Store;

/// Weeks the sparkline covers.
pub const SPARKLINE_WEEKS: usize = 12;

/// The score of the 7 days ending with `date`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct WeekScore {
    /// The last day of the week scored (UTC), YYYY-MM-DD.
    pub date: String,
    pub score: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct OverviewRow {
    pub summary: GroupSummary,
    /// The last day the score covers (YYYY-MM-DD, UTC): the group's default `as_of`.
    pub as_of_date: String,
    /// The health score at the default `as_of`, as `hearth health GROUP` prints it.
    pub score: Option<f64>,
    /// The score minus the score of the week before (7 days earlier).
    pub change: Option<f64>,
    /// The weekly scores of the last 12 weeks, oldest first, ending with `score`; shorter
    /// when the group's history is.
    pub weekly_scores: Vec<WeekScore>,
    /// Churn warnings not snoozed or handled (`hearth warnings GROUP`).
    pub open_warnings: u64,
    /// Flags in the review queue that nobody decided yet.
    pub open_flags: u64,
}

/// One group's overview row at its default `as_of`.
pub fn overview_row(store: &Store, group: GroupId, now: UnixSeconds) -> Result<OverviewRow> {
    let found = store
        .group(group)?
        .ok_or_else(|| Error::new(ErrorCode::NotFound, format!("group {} is not in the store; reload the overview", group.0)))?;
    let open_flags = super::review::open_flags_after_detection(store, group, &super::review::detected(store, &found, now)?)?.total;
    let summary = summarise(store, found)?;
    row_with(store, summary, now, open_flags, |reference, first_day| {
        let daily = trend(store, reference, Some(date_of(first_day)), None, now)?;
        let open_warnings = churn::warnings(store, reference, Severity::Low, false, now)?.warnings.len() as u64;
        Ok((daily, open_warnings))
    })
}

/// The row, with the daily score from `first_day` and the open warnings from `scores`.
fn row_with(
    store: &Store,
    summary: GroupSummary,
    now: UnixSeconds,
    open_flags: u64,
    scores: impl FnOnce(&str, i64) -> Result<(super::Trend, u64)>,
) -> Result<OverviewRow> {
    let group = summary.group.id;
    let as_of = default_as_of(store, &summary.group, now)?;
    let reference = group.0.to_string();
    let Some(first_activity) = summary.first_activity_at.filter(|&first| first < as_of) else {
        // Nothing happened yet: no score, no trend, no warnings.
        return Ok(OverviewRow {
            summary,
            as_of_date: super::date_string(as_of - 1),
            score: None,
            change: None,
            weekly_scores: Vec::new(),
            open_warnings: 0,
            open_flags,
        });
    };
    let last_day = (as_of - 1).div_euclid(DAY);
    let wanted_first = last_day - 7 * (SPARKLINE_WEEKS as i64 - 1);
    let first_day = wanted_first.max(first_activity.div_euclid(DAY));
    let (daily, open_warnings) = scores(&reference, first_day)?;
    // Every 7th day back from the last: the weeks end on the day the score is shown for.
    let mut weekly_scores: Vec<WeekScore> = daily
        .points
        .iter()
        .rev()
        .step_by(7)
        .take(SPARKLINE_WEEKS)
        .map(|point| WeekScore { date: point.date.clone(), score: point.score })
        .collect();
    weekly_scores.reverse();
    let score = weekly_scores.last().and_then(|week| week.score);
    let before = weekly_scores.len().checked_sub(2).and_then(|index| weekly_scores[index].score);
    let change = score.zip(before).map(|(now, before)| now - before);
    Ok(OverviewRow { summary, as_of_date: super::date_string(as_of - 1), score, change, weekly_scores, open_warnings, open_flags })
}

impl super::Analyst {
    /// [`overview_row`] from the cache.
    pub fn overview_row(&self, store: &Store, group: GroupId, now: UnixSeconds) -> Result<OverviewRow> {
        let super::insights::Entry { data, computed, memo } = self.entry(store, group, now)?;
        let summary = self.summary(store, &data, &memo)?;
        // What the review queue will hold open once detection has run on these analytics,
        // so that a group whose queue was never opened does not show 0 flags.
        let open_flags = super::review::open_flags_after_detection(store, group, &computed.everything.flags)?.total;
        row_with(store, summary, now, open_flags, |_, first_day| {
            let daily = self.trend_between(store, group, Some(&date_of(first_day).to_string()), None, now)?;
            let open_warnings = churn::open_warning_count(store, group, &computed.everything.warnings, now)?;
            Ok((daily, open_warnings))
        })
    }
}

/// Every group's overview row, in the order of `hearth groups`.
pub fn overview(store: &Store, now: UnixSeconds) -> Result<Vec<OverviewRow>> {
    store.groups()?.into_iter().map(|group| overview_row(store, group.id, now)).collect()
}

fn date_of(day: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp(day * DAY, 0).expect("a day of the store's range").date_naive()
}
