//! The CLI's text output of the health extras, the trend, a member, the heatmaps and the
//! settings. Printing only: every number comes from `hearth::api`.

use std::path::{Path, PathBuf};

use hearth::analytics::daily::AdditionalMetrics;
use hearth::analytics::health::{ThresholdSource, Thresholds};
use hearth::api::{HeatmapData, HeatmapView, MemberDetail, SettingsView, Trend};

fn seconds(value: f64) -> String {
    if value >= 3600.0 {
        format!("{:.1} h", value / 3600.0)
    } else if value >= 60.0 {
        format!("{:.0} min", value / 60.0)
    } else {
        format!("{value:.0} s")
    }
}

pub fn print_thresholds(thresholds: &Thresholds) {
    match thresholds.source {
        ThresholdSource::Targets => out!("Thresholds: the fixed targets."),
        source => {
            let whose = if source == ThresholdSource::CalibratedOwn { "this group's own" } else { "every group's" };
            out!(
                "Thresholds: calibrated, low = P25 and high = P75 of {whose} daily values ({} days from {} group(s)).",
                thresholds.days,
                thresholds.groups
            );
            if !thresholds.kept_fixed.is_empty() {
                let names: Vec<String> = thresholds.kept_fixed.iter().map(|metric| metric.label().to_string()).collect();
                out!("  No history for {}: kept the fixed targets.", names.join(", "));
            }
        }
    }
}

pub fn print_additional(additional: &AdditionalMetrics) {
    out!();
    out!(
        "Beside the score: DAU {:.1}, WAU {}, MAU {}, new members {}, churned members {}, first response p50 {}, unanswered questions {}, burst days {}.",
        additional.dau,
        additional.wau,
        additional.mau,
        additional.new_members,
        additional.churned_members,
        additional.first_response_p50.map_or_else(|| "–".to_string(), seconds),
        additional.unanswered_questions,
        additional.bursts
    );
}

pub fn print_trend(trend: &Trend) {
    out!("Health score per day of {} (each the {} days ending that day)", trend.group.name, trend.period_days);
    print_thresholds(&trend.thresholds);
    out!("{:<10} {:>6} {:>7} {:>5} {:>5}  ", "day", "score", "DAU", "WAU", "MAU");
    for point in &trend.points {
        let score = point.score.map_or_else(|| "–".to_string(), |score| format!("{score:.1}"));
        let bar = point.score.map_or(0, |score| (score / 2.5).round() as usize);
        out!(
            "{:<10} {:>6} {:>7.1} {:>5} {:>5}  {}",
            point.date,
            score,
            point.additional.dau,
            point.additional.wau,
            point.additional.mau,
            "▇".repeat(bar)
        );
    }
    out!("{} days", trend.points.len());
}

pub fn print_member(detail: &MemberDetail) {
    let member = &detail.member;
    out!("{} ({}) in {} — as of {}", member.display_name, member.platform_id, detail.group.name, detail.as_of_date);
    out!("Stage {}, state {}; {} posts in all.", member.stage.as_str(), member.state.as_str(), member.posts_total);
    out!();
    out!("{}", detail.reasons.summary);
    out!();
    out!("{:<12} {:<52} {:>7} {:>4} {:>6}  met", "rule", "counted", "value", "", "limit");
    for check in &detail.reasons.checks {
        let value = check.value.map_or_else(|| "–".to_string(), |value| format!("{value}"));
        out!(
            "{:<12} {:<52} {:>7} {:>4} {:>6}  {}",
            check.stage.as_str(),
            check.label,
            value,
            check.comparison,
            check.threshold,
            if check.met { "yes" } else { "no" }
        );
    }
    out!();
    out!("Stage changes (week of the evaluation, UTC):");
    for change in &detail.changes {
        out!("  {}  {}", change.week, change.stage.as_str());
    }
    out!("{} weekly evaluations since first seen.", detail.history.len());
}

fn print_grid(row_names: &[String], column_names: &[String], cells: &[Vec<String>]) {
    let first = row_names.iter().map(|name| name.chars().count()).max().unwrap_or(0).max(4);
    let width = column_names
        .iter()
        .map(|name| name.chars().count())
        .chain(cells.iter().flatten().map(|cell| cell.chars().count()))
        .max()
        .unwrap_or(1);
    let header: Vec<String> = column_names.iter().map(|name| format!("{name:>width$}")).collect();
    out!("{:<first$} {}", "", header.join(" "));
    for (name, row) in row_names.iter().zip(cells) {
        let row: Vec<String> = row.iter().map(|cell| format!("{cell:>width$}")).collect();
        out!("{name:<first$} {}", row.join(" "));
    }
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

pub fn print_heatmap(view: &HeatmapView) {
    out!("{} — as of {}", view.group.name, view.as_of_date);
    match &view.heatmap {
        HeatmapData::Stages(heatmap) => {
            out!("Members per stage at the end of each week (share of the members present):");
            let rows: Vec<String> = heatmap.weeks.clone();
            let columns: Vec<String> = heatmap.stages.iter().map(|stage| stage.as_str().to_string()).collect();
            let cells: Vec<Vec<String>> = (0..heatmap.weeks.len())
                .map(|week| {
                    (0..heatmap.stages.len())
                        .map(|stage| format!("{} {}", heatmap.counts[stage][week], percent(heatmap.shares[stage][week])))
                        .collect()
                })
                .collect();
            print_grid(&rows, &columns, &cells);
        }
        HeatmapData::Cohorts(heatmap) => {
            out!("Share of each joining week's members active k weeks later:");
            let rows: Vec<String> = heatmap.cohorts.iter().map(|cohort| format!("{} ({})", cohort.week, cohort.members)).collect();
            let columns: Vec<String> = (0..heatmap.weeks_since_joining).map(|week| format!("+{week}")).collect();
            let cells: Vec<Vec<String>> = heatmap
                .cohorts
                .iter()
                .map(|cohort| cohort.active.iter().map(|share| share.map_or_else(|| "·".to_string(), percent)).collect())
                .collect();
            print_grid(&rows, &columns, &cells);
        }
        HeatmapData::Hours(heatmap) => {
            out!("Messages by weekday and hour ({}):", heatmap.timezone);
            let columns: Vec<String> = (0..24).map(|hour| format!("{hour:02}")).collect();
            let rows: Vec<String> = heatmap.weekdays.iter().map(|day| day[..3].to_string()).collect();
            let cells: Vec<Vec<String>> = heatmap.counts.iter().map(|row| row.iter().map(u64::to_string).collect()).collect();
            print_grid(&rows, &columns, &cells);
        }
        HeatmapData::FirstMinutes(heatmap) => {
            out!("Members who did each thing in the minutes after joining ({} members with a known join):", heatmap.joined_members);
            let rows: Vec<String> = heatmap.actions.iter().map(|action| action.as_str().to_string()).collect();
            let cells: Vec<Vec<String>> = heatmap.counts.iter().map(|row| row.iter().map(u64::to_string).collect()).collect();
            print_grid(&rows, &heatmap.bins, &cells);
        }
        HeatmapData::Transitions(flows) => {
            out!("Stage transitions summed over the weeks of {} to {} (rows: before, columns: after):", flows.from_week, flows.to_week);
            let columns: Vec<String> = flows.stages.iter().map(|stage| stage.as_str().to_string()).collect();
            let cells: Vec<Vec<String>> = flows.matrix.iter().map(|row| row.iter().map(u64::to_string).collect()).collect();
            print_grid(&flows.from_labels, &columns, &cells);
            out!();
            out!(
                "{:<12} {:>6} {:>6} {:>7} {:>6} {:>6} {:>7} {:>6}  verdict",
                "stage",
                "start",
                "end",
                "change",
                "+new",
                "+up",
                "-up",
                "-down"
            );
            for verdict in &flows.verdicts {
                out!(
                    "{:<12} {:>6} {:>6} {:>7} {:>6} {:>6} {:>7} {:>6}  {:?}",
                    verdict.stage.as_str(),
                    verdict.start,
                    verdict.end,
                    format!("{:+.0}%", verdict.change * 100.0),
                    verdict.arrived_new,
                    verdict.arrived_from_below,
                    verdict.left_upward,
                    verdict.left_downward,
                    verdict.verdict
                );
            }
            out!("Verdict: climbing when the stage gained at least max(1, margin × start) members over these weeks, dropping when it lost as many, else stable.");
        }
    }
}

pub fn print_settings(view: &SettingsView) {
    out!("Settings of {} (group {}); * = changed from the default", view.group.name, view.group.id.0);
    for entry in &view.entries {
        let mut value = entry.value.to_string();
        if value.chars().count() > 80 {
            value = format!("{}…", value.chars().take(79).collect::<String>());
        }
        out!("{} {} = {}", if entry.is_default { " " } else { "*" }, entry.key, value);
    }
}

pub fn write_svg(path: &Path, svg: &str) -> anyhow::Result<()> {
    std::fs::write(path, svg)
        .map_err(|error| anyhow::anyhow!("cannot write the chart to {}: {error}; check the folder exists and is writable", path.display()))
}

/// `chart.svg`, `chart-2.svg`, … for the charts of one command.
pub fn numbered(path: &Path, number: usize) -> PathBuf {
    if number == 0 {
        return path.to_path_buf();
    }
    let stem = path.file_stem().map_or_else(|| "chart".to_string(), |stem| stem.to_string_lossy().into_owned());
    let extension = path.extension().map_or_else(|| "svg".to_string(), |extension| extension.to_string_lossy().into_owned());
    path.with_file_name(format!("{stem}-{}.{extension}", number + 1))
}
