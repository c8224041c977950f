//! The shareable report: one self-contained HTML file (inline CSS, inline SVG charts, no
//! script, no font or image from anywhere, a Content-Security-Policy that forbids loading
//! anything) of what the api computed. Renders only; computes no metric.
//!
//! Every text that comes from the community (the group's and members' names) goes through
//! [`escape`]: an HTML report is the one place where Hearth writes markup around such text,
//! and a member called `<script>` must stay text.

use std::fmt::Write as _;

use serde::Serialize;

use super::charts::{self, Bar, Bars, Figure, TrendChart};
use crate::analytics::backtest::{BacktestReport, MethodKind, MethodResult};
use crate::analytics::daily::TrendPoint;
use crate::analytics::health::{HealthReport, MetricExplanation, ThresholdSource, Unit};
use crate::analytics::heatmaps::{CohortHeatmap, FirstMinutesHeatmap, HourHeatmap, StageHeatmap, Transitions, Verdict};
use crate::analytics::warnings::{Playbook, Severity};
use crate::api::churn::WarningList;
use crate::model::{Group, Stage};

/// A member among the most central of the interaction graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CentralMember {
    pub rank: usize,
    pub member_id: i64,
    pub display_name: String,
    pub stage: Option<Stage>,
    /// PageRank times the number of nodes (1 is the uniform share), in the trailing window
    /// and in the window before it.
    pub pagerank: f64,
    pub pagerank_before: f64,
    pub weighted_degree: f64,
    pub weighted_degree_before: f64,
}

/// The interaction graph of the trailing window (analytics §4), summarised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphSummary {
    /// The window's first and last day (UTC).
    pub from_date: String,
    pub to_date: String,
    pub members: usize,
    pub edges: usize,
    /// The same for the window before.
    pub members_before: usize,
    pub edges_before: usize,
    pub top: Vec<CentralMember>,
}

/// Everything the report shows, as the api computed it.
pub struct ReportData {
    pub group: Group,
    /// The day the report was written (UTC).
    pub generated_date: String,
    pub as_of_date: String,
    pub health: HealthReport,
    pub trend: Vec<TrendPoint>,
    pub stages: StageHeatmap,
    pub cohorts: CohortHeatmap,
    pub hours: HourHeatmap,
    pub first_minutes: FirstMinutesHeatmap,
    pub transitions: Transitions,
    pub warnings: WarningList,
    pub backtest: BacktestReport,
    pub graph: GraphSummary,
}

/// One chart of the report: a file-name stem for its PNG, a title, the figure.
pub struct NamedFigure<'a> {
    pub name: &'static str,
    pub title: String,
    pub figure: Figure<'a>,
}

/// Warnings listed in the open; the rest are behind a "show all" disclosure.
const WARNINGS_SHOWN: usize = 25;

/// The report's charts, in the order the report shows them.
pub fn figures(data: &ReportData) -> Vec<NamedFigure<'_>> {
    let subject = data.group.name.clone();
    let named = |name: &'static str, title: &str, figure: Figure<'static>| NamedFigure { name, title: title.to_string(), figure };
    let mut figures = vec![named("health-contributions", "Points per metric", contributions_bars(&data.health, &subject))];
    figures.push(NamedFigure {
        name: "health-trend",
        title: "Health score per day".to_string(),
        figure: Figure::Trend(TrendChart { subject: subject.clone(), points: &data.trend }),
    });
    figures.extend([
        named("heatmap-stages", "Members per stage", Figure::Grid(charts::stage_grid(&data.stages, &subject, false))),
        named("heatmap-stages-share", "Share per stage", Figure::Grid(charts::stage_grid(&data.stages, &subject, true))),
        named("heatmap-cohorts", "Cohort retention", Figure::Grid(charts::cohort_grid(&data.cohorts, &subject))),
        named("heatmap-hours", "Messages by weekday and hour", Figure::Grid(charts::hour_grid(&data.hours, &subject))),
        named("heatmap-first-minutes", "Newcomers' first minutes", Figure::Grid(charts::first_minutes_grid(&data.first_minutes, &subject))),
        named("heatmap-transitions", "Stage transitions", Figure::Grid(charts::transitions_grid(&data.transitions, &subject))),
        named("backtest-auc", "AUC per method", auc_bars(&data.backtest, &subject)),
        named("graph-pagerank", "Top members by PageRank", pagerank_bars(&data.graph, &subject)),
    ]);
    figures
}

/// Points each metric earned against the points it could earn (100 × effective weight).
pub fn contributions_bars(health: &HealthReport, subject: &str) -> Figure<'static> {
    let rows: Vec<Bar> = health
        .metrics
        .iter()
        .map(|metric| Bar {
            label: metric.label.clone(),
            fallback: metric.label.clone(),
            value: metric.value.map(|_| metric.contribution),
            reference: metric.value.map(|_| 100.0 * metric.effective_weight),
        })
        .collect();
    let most = rows.iter().filter_map(|row| row.reference).fold(0.0f64, f64::max);
    Figure::Bars(Bars {
        title: "Points per metric".to_string(),
        subject: subject.to_string(),
        value_desc: "points of the health score".to_string(),
        rows,
        range: (0.0, (most * 1.1).max(1.0)),
        value_label: "points earned".to_string(),
        reference_label: Some("points possible (100 × effective weight)".to_string()),
        marker: None,
        decimals: 1,
    })
}

/// Each backtested method's AUC, with chance (0.5) marked.
pub fn auc_bars(backtest: &BacktestReport, subject: &str) -> Figure<'static> {
    Figure::Bars(Bars {
        title: format!("Backtest: AUC per method ({}-day horizon)", backtest.horizon_days),
        subject: subject.to_string(),
        value_desc: "area under the ROC curve".to_string(),
        rows: backtest
            .methods
            .iter()
            .map(|method| Bar { label: method.method.clone(), fallback: method.method.clone(), value: method.auc, reference: None })
            .collect(),
        range: (0.0, 1.0),
        value_label: "AUC".to_string(),
        reference_label: None,
        marker: Some((0.5, "chance (0.5)".to_string())),
        decimals: 3,
    })
}

/// The most central members' scaled PageRank now and in the window before.
pub fn pagerank_bars(graph: &GraphSummary, subject: &str) -> Figure<'static> {
    let most = graph.top.iter().map(|member| member.pagerank.max(member.pagerank_before)).fold(1.0f64, f64::max);
    Figure::Bars(Bars {
        title: "Top members by PageRank".to_string(),
        subject: subject.to_string(),
        value_desc: "PageRank × members in the graph (1 = an equal share)".to_string(),
        rows: graph
            .top
            .iter()
            .map(|member| Bar {
                label: format!("{}. {}", member.rank, member.display_name),
                fallback: format!("{}. member {}", member.rank, member.member_id),
                value: Some(member.pagerank),
                reference: Some(member.pagerank_before),
            })
            .collect(),
        range: (0.0, most * 1.12),
        value_label: format!("{} – {}", graph.from_date, graph.to_date),
        reference_label: Some("the 30 days before".to_string()),
        marker: None,
        decimals: 2,
    })
}

/// Text as HTML: the five characters that could open markup or end an attribute.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Nothing may be loaded: no script, no font, no image, no frame, no connection. Inline
/// styles are the one thing allowed (the report's stylesheet and the charts' attributes).
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const STYLE: &str = r#"
:root { color-scheme: light; --ink: #2b2b2b; --muted: #6b6b6b; --line: #e3e3e3; --accent: #d6622e; --good: #2f7d4f; --bad: #b33814; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f4f1; color: var(--ink); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Noto Sans CJK SC", sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 32px 24px 64px; }
header { border-bottom: 3px solid var(--accent); padding-bottom: 16px; margin-bottom: 8px; }
header h1 { margin: 0 0 4px; font-size: 28px; }
header p { margin: 2px 0; color: var(--muted); }
nav { margin: 12px 0 0; font-size: 14px; }
nav a { color: var(--accent); margin-right: 14px; text-decoration: none; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 20px 24px; margin: 24px 0; }
h2 { margin: 0 0 12px; font-size: 21px; }
h3 { margin: 20px 0 8px; font-size: 16px; }
p.note { color: var(--muted); font-size: 13px; margin: 6px 0; }
figure { margin: 16px 0; }
figure svg { display: block; width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; margin: 8px 0; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: #faf8f5; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.score { display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; }
.score .value { font-size: 52px; font-weight: 700; color: var(--accent); line-height: 1; }
.score .of { font-size: 18px; color: var(--muted); }
.lever { background: #fff6ee; border-left: 4px solid var(--accent); padding: 10px 14px; margin: 14px 0; }
.met { color: var(--good); font-weight: 600; }
.missed { color: var(--bad); font-weight: 600; }
.nodata { color: var(--muted); }
.sev { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; font-weight: 600; }
.sev-high { background: #f7d4c8; color: #8a2a0f; }
.sev-medium { background: #fbe7c6; color: #7a4d00; }
.sev-low { background: #e6eef6; color: #2c4a66; }
.climbing { color: var(--good); font-weight: 600; }
.dropping { color: var(--bad); font-weight: 600; }
.stable { color: var(--muted); font-weight: 600; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 12px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; min-width: 120px; }
.card b { display: block; font-size: 20px; }
.card span { color: var(--muted); font-size: 12px; }
details summary { cursor: pointer; color: var(--accent); margin: 8px 0; }
ul.evidence { margin: 0; padding-left: 18px; font-size: 12.5px; }
span.id { color: var(--muted); font-size: 11.5px; }
footer { color: var(--muted); font-size: 12px; text-align: center; }
@media print { body { background: #fff; } section { break-inside: avoid-page; border: none; } nav { display: none; } }
"#;

/// The whole report as an HTML document.
pub fn render(data: &ReportData, figures: &[NamedFigure<'_>]) -> String {
    let svg_of = |name: &str| figures.iter().find(|figure| figure.name == name).map(|figure| inline_svg(&figure.figure.svg()));
    let figure = |name: &str, caption: &str| -> String {
        svg_of(name).map_or_else(String::new, |svg| format!("<figure>{svg}<figcaption>{}</figcaption></figure>\n", escape(caption)))
    };
    let group = escape(&data.group.name);
    let mut html = String::with_capacity(256 * 1024);
    let _ = writeln!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>{group} — Hearth report, {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>",
        escape(&data.as_of_date)
    );
    html.push_str(&header(data));
    html.push_str(&health_section(
        data,
        &figure("health-contributions", "Each bar: the points a metric adds to the score; grey: the points it could add at its target."),
    ));
    html.push_str(&trend_section(
        data,
        &figure(
            "health-trend",
            "Every day's score is the score of the trailing period ending that day, exactly as `hearth health --as-of` gives it.",
        ),
    ));
    html.push_str(&heatmaps_section(data, &figure));
    html.push_str(&warnings_section(data));
    html.push_str(&backtest_section(
        data,
        &figure("backtest-auc", "AUC: the chance that a member who churned is ranked above one who stayed (0.5 = a coin toss)."),
    ));
    html.push_str(&graph_section(data, &figure("graph-pagerank", "Orange: PageRank in the last 30 days; grey: in the 30 days before.")));
    let _ = writeln!(
        html,
        "<footer>Written by Hearth on {} from the local store. This file loads nothing from anywhere: its charts and styles are inside it.</footer>\n</main>\n</body>\n</html>",
        escape(&data.generated_date)
    );
    html
}

/// plotters' SVG for inlining in HTML: the XML namespace attribute is implied there, and
/// leaving it out keeps the file free of any address at all.
fn inline_svg(svg: &str) -> String {
    svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1).replacen("xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
}

fn header(data: &ReportData) -> String {
    let health = &data.health;
    let period = format!("{} – {}", crate::api::date_string(health.period_start), crate::api::date_string(health.as_of - 1));
    let kind = if data.group.is_demo { " · generated demo community" } else { "" };
    format!(
        "<header>\n<h1>{}</h1>\n<p>Community report · {} export{}</p>\n<p>Period <b>{}</b> · as of <b>{}</b> (UTC) · written {}</p>\n\
         <nav><a href=\"#health\">Health</a><a href=\"#trend\">Trend</a><a href=\"#heatmaps\">Heatmaps</a><a href=\"#warnings\">Churn warnings</a><a href=\"#backtest\">Backtest</a><a href=\"#graph\">Interaction graph</a></nav>\n</header>\n",
        escape(&data.group.name),
        escape(data.group.platform.as_str()),
        kind,
        escape(&period),
        escape(&data.as_of_date),
        escape(&data.generated_date)
    )
}

fn format_value(metric: &MetricExplanation, value: f64) -> String {
    match metric.unit {
        Unit::Share => format!("{:.1} %", value * 100.0),
        Unit::Seconds if value >= 3600.0 => format!("{:.1} h", value / 3600.0),
        Unit::Seconds if value >= 60.0 => format!("{:.0} min", value / 60.0),
        Unit::Seconds => format!("{value:.0} s"),
        Unit::Members => format!("{value:.0}"),
        Unit::Ratio => format!("{value:.2}"),
    }
}

fn optional(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "–".to_string(), |value| format!("{value:.decimals$}"))
}

fn health_section(data: &ReportData, chart: &str) -> String {
    let health = &data.health;
    let mut html = String::from("<section id=\"health\">\n<h2>Health score</h2>\n");
    match health.score {
        Some(score) => {
            let _ = writeln!(html, "<div class=\"score\"><span class=\"value\">{score:.1}</span><span class=\"of\">/ 100</span></div>");
        }
        None => html.push_str("<p>No health score: no metric had data in the period.</p>\n"),
    }
    let thresholds = match health.thresholds.source {
        ThresholdSource::Targets => "Thresholds: the fixed targets of the group's settings.".to_string(),
        source => format!(
            "Thresholds: calibrated, low = P25 and high = P75 of {} daily values ({} days from {} group(s)).",
            if source == ThresholdSource::CalibratedOwn { "this group's own" } else { "every group's" },
            health.thresholds.days,
            health.thresholds.groups
        ),
    };
    let _ = writeln!(
        html,
        "<p class=\"note\">A weighted mean of {} metrics over the {}-day period, each scaled between its low threshold (0) and its target (1). {}</p>",
        health.metrics.len(),
        (health.as_of - health.period_start) / crate::model::DAY,
        escape(&thresholds)
    );
    if let Some(lever) = &health.biggest_lever {
        let _ = writeln!(
            html,
            "<div class=\"lever\"><b>Biggest lever:</b> bringing {} to its target would add <b>{:.1}</b> points.</div>",
            escape(&lever.label),
            lever.gain
        );
    }
    html.push_str(
        "<table>\n<thead><tr><th>Metric</th><th>Dimension</th><th class=\"num\">Value</th><th class=\"num\">Low</th><th class=\"num\">Target</th>\
         <th class=\"num\">Normalised</th><th class=\"num\">Weight</th><th class=\"num\">Effective weight</th><th class=\"num\">Points</th><th>Target met</th></tr></thead>\n<tbody>\n",
    );
    for metric in &health.metrics {
        let value = metric.value.map_or_else(|| "no data".to_string(), |value| format_value(metric, value));
        let met = match metric.met {
            Some(true) => "<span class=\"met\">met</span>",
            Some(false) => "<span class=\"missed\">missed</span>",
            None => "<span class=\"nodata\">no data (left out)</span>",
        };
        let dimension =
            serde_json::to_value(metric.dimension).ok().and_then(|value| value.as_str().map(str::to_string)).unwrap_or_default();
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{:.3}</td><td class=\"num\">{:.3}</td><td class=\"num\">{:.1}</td><td>{met}</td></tr>",
            escape(&metric.label),
            escape(&dimension),
            escape(&value),
            escape(&format_value(metric, metric.low)),
            escape(&format_value(metric, metric.high)),
            optional(metric.normalised, 2),
            metric.weight,
            metric.effective_weight,
            metric.contribution
        );
    }
    html.push_str("</tbody>\n</table>\n");
    if !health.missing.is_empty() {
        html.push_str("<p class=\"note\">Metrics without data in the period are left out and the other weights rescaled (the effective weight).</p>\n");
    }
    let extra = &health.additional;
    let _ = writeln!(
        html,
        "<div class=\"cards\"><div class=\"card\"><b>{:.1}</b><span>daily active (mean)</span></div><div class=\"card\"><b>{}</b><span>weekly active</span></div>\
         <div class=\"card\"><b>{}</b><span>monthly active</span></div><div class=\"card\"><b>{}</b><span>new members</span></div>\
         <div class=\"card\"><b>{}</b><span>churned members</span></div><div class=\"card\"><b>{}</b><span>median first response</span></div>\
         <div class=\"card\"><b>{}</b><span>unanswered questions</span></div><div class=\"card\"><b>{}</b><span>burst days</span></div></div>",
        extra.dau,
        extra.wau,
        extra.mau,
        extra.new_members,
        extra.churned_members,
        extra.first_response_p50.map_or_else(|| "–".to_string(), duration),
        extra.unanswered_questions,
        extra.bursts
    );
    html.push_str(chart);
    html.push_str("</section>\n");
    html
}

fn duration(seconds: f64) -> String {
    if seconds >= 3600.0 {
        format!("{:.1} h", seconds / 3600.0)
    } else if seconds >= 60.0 {
        format!("{:.0} min", seconds / 60.0)
    } else {
        format!("{seconds:.0} s")
    }
}

fn trend_section(data: &ReportData, chart: &str) -> String {
    let scored: Vec<(&str, f64)> = data.trend.iter().filter_map(|point| point.score.map(|score| (point.date.as_str(), score))).collect();
    let mut html = String::from("<section id=\"trend\">\n<h2>Daily score trend</h2>\n");
    if let (Some(first), Some(last)) = (scored.first(), scored.last()) {
        let (low, high) = scored.iter().fold((f64::MAX, f64::MIN), |(low, high), &(_, score)| (low.min(score), high.max(score)));
        let _ = writeln!(
            html,
            "<p>{} scored days from {} to {}: from {:.1} to {:.1}; lowest {:.1}, highest {:.1}.</p>",
            scored.len(),
            escape(first.0),
            escape(last.0),
            first.1,
            last.1,
            low,
            high
        );
    }
    html.push_str(chart);
    html.push_str("</section>\n");
    html
}

fn heatmaps_section(data: &ReportData, figure: &dyn Fn(&str, &str) -> String) -> String {
    let mut html = String::from("<section id=\"heatmaps\">\n<h2>Heatmaps</h2>\n");
    html.push_str("<h3>Members per stage and week</h3>\n");
    html.push_str(&figure("heatmap-stages", "Members in each lifecycle stage after each weekly evaluation."));
    html.push_str(&figure("heatmap-stages-share", "The same as shares of the members present that week."));
    html.push_str("<h3>Cohort retention</h3>\n");
    html.push_str(&figure("heatmap-cohorts", "Share of each joining week's members active k weeks after joining."));
    html.push_str("<h3>Weekday × hour</h3>\n");
    html.push_str(&figure(
        "heatmap-hours",
        &format!("Messages per weekday and hour of day, in {} (the group's setting, else this computer's zone).", data.hours.timezone),
    ));
    html.push_str("<h3>Newcomers' first minutes</h3>\n");
    if data.first_minutes.joined_members == 0 {
        html.push_str("<p class=\"note\">This export records no join events, so the first minutes after joining cannot be known.</p>\n");
    }
    html.push_str(&figure("heatmap-first-minutes", "Members who did each thing at least once in each minute after joining."));
    html.push_str("<h3>Weekly stage transitions</h3>\n");
    html.push_str(&figure(
        "heatmap-transitions",
        "Members moving from one stage (row) to another (column) per week, summed over the verdict's weeks.",
    ));
    let transitions = &data.transitions;
    let _ = writeln!(
        html,
        "<p>Verdict over the weeks of {} to {}:</p>\n<table>\n<thead><tr><th>Stage</th><th>Verdict</th><th class=\"num\">Start</th><th class=\"num\">End</th>\
         <th class=\"num\">Change</th><th class=\"num\">New</th><th class=\"num\">From below</th><th class=\"num\">From above</th><th class=\"num\">Up and out</th><th class=\"num\">Down and out</th></tr></thead>\n<tbody>",
        escape(&transitions.from_week),
        escape(&transitions.to_week)
    );
    for verdict in &transitions.verdicts {
        let (class, word) = match verdict.verdict {
            Verdict::Climbing => ("climbing", "climbing"),
            Verdict::Stable => ("stable", "stable"),
            Verdict::Dropping => ("dropping", "dropping"),
        };
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td class=\"{class}\">{word}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:+.0} %</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            verdict.stage.as_str(),
            verdict.start,
            verdict.end,
            verdict.change * 100.0,
            verdict.arrived_new,
            verdict.arrived_from_below,
            verdict.arrived_from_above,
            verdict.left_upward,
            verdict.left_downward
        );
    }
    html.push_str("</tbody>\n</table>\n</section>\n");
    html
}

fn severity_badge(severity: Severity) -> String {
    format!("<span class=\"sev sev-{0}\">{0}</span>", severity.as_str())
}

fn playbook_text(playbook: Playbook) -> &'static str {
    match playbook {
        Playbook::WelcomeNewcomers => "Welcome newcomers: greet, answer their first question",
        Playbook::WakeSilentMembers => "Wake silent members: a personal check-in",
        Playbook::RetainKeyMembers => "Retain key members: thank them, ask what would help",
    }
}

fn warnings_section(data: &ReportData) -> String {
    let list = &data.warnings;
    let mut html = String::from("<section id=\"warnings\">\n<h2>Churn warnings</h2>\n");
    let count = |severity: Severity| list.warnings.iter().filter(|item| item.warning.severity == severity).count();
    let _ = writeln!(
        html,
        "<p>{} members need attention on {}: {} high, {} medium, {} low.{}</p>",
        list.warnings.len(),
        escape(&list.as_of_date),
        count(Severity::High),
        count(Severity::Medium),
        count(Severity::Low),
        if list.hidden > 0 { format!(" {} more were snoozed or marked handled by a reviewer.", list.hidden) } else { String::new() }
    );
    if list.warnings.is_empty() {
        html.push_str("</section>\n");
        return html;
    }
    let table_head = "<table>\n<thead><tr><th>Member</th><th>Severity</th><th>Stage</th><th class=\"num\">Risk</th><th>Reasons and evidence</th><th>Suggested playbook</th></tr></thead>\n<tbody>\n";
    let row = |item: &crate::api::churn::WarningItem| -> String {
        let warning = &item.warning;
        let mut reasons = String::new();
        for reason in &warning.reasons {
            let evidence: Vec<String> =
                reason.evidence.iter().map(|evidence| format!("{} = {}", escape(&evidence.name), trim_number(evidence.value))).collect();
            let level = reason.level.map_or_else(String::new, |level| format!(" (level {level})"));
            let _ = write!(
                reasons,
                "<li><b>{}</b>{level} {}: {}</li>",
                escape(reason.code.as_str()),
                severity_badge(reason.severity),
                evidence.join(", ")
            );
        }
        format!(
            "<tr><td>{}<br><span class=\"id\">id {}</span></td><td>{}</td><td>{} · {}</td><td class=\"num\">{:.2}</td><td><ul class=\"evidence\">{reasons}</ul></td><td>{}</td></tr>\n",
            escape(&item.display_name),
            warning.member_id,
            severity_badge(warning.severity),
            warning.stage.as_str(),
            warning.state.as_str(),
            item.risk,
            escape(playbook_text(warning.playbook))
        )
    };
    html.push_str(table_head);
    for item in list.warnings.iter().take(WARNINGS_SHOWN) {
        html.push_str(&row(item));
    }
    html.push_str("</tbody>\n</table>\n");
    if list.warnings.len() > WARNINGS_SHOWN {
        let _ = write!(html, "<details><summary>Show the other {} warnings</summary>\n{table_head}", list.warnings.len() - WARNINGS_SHOWN);
        for item in list.warnings.iter().skip(WARNINGS_SHOWN) {
            html.push_str(&row(item));
        }
        html.push_str("</tbody>\n</table>\n</details>\n");
    }
    html.push_str("</section>\n");
    html
}

/// Evidence values are rounded to 4 decimals by the analytics; shown without trailing zeros.
fn trim_number(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

fn method_row(method: &MethodResult) -> String {
    let kind = match method.kind {
        MethodKind::Score => "score",
        MethodKind::Rule => "rule",
        MethodKind::Baseline => "baseline",
    };
    format!(
        "<tr><td><b>{}</b><br><span class=\"note\">{}</span></td><td>{kind}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
         <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
        escape(&method.method),
        escape(&method.description),
        method.flagged,
        method.true_positives,
        optional(method.precision, 3),
        optional(method.recall, 3),
        optional(method.auc, 3),
        optional(method.top_precision, 3)
    )
}

fn backtest_section(data: &ReportData, chart: &str) -> String {
    let report = &data.backtest;
    let mut html = String::from("<section id=\"backtest\">\n<h2>Backtest: how far to trust the warnings</h2>\n");
    let _ = writeln!(
        html,
        "<p>At {} cut-offs every {} days, each member active in the 28 days before was scored with what was known then, and counted as churned when \
         silent for the {} days after: {} member-cut-offs, {} churned.</p>",
        report.cutoffs.len(),
        report.every_days,
        report.horizon_days,
        report.examples,
        report.churned
    );
    if report.too_short {
        html.push_str(
            "<p class=\"lever\">The history is too short for the minimum number of cut-offs: read these numbers with care.</p>\n",
        );
    }
    html.push_str(
        "<table>\n<thead><tr><th>Method</th><th>Kind</th><th class=\"num\">Flagged</th><th class=\"num\">Churned of them</th><th class=\"num\">Precision</th>\
         <th class=\"num\">Recall</th><th class=\"num\">AUC</th><th class=\"num\">Top-10 % precision</th></tr></thead>\n<tbody>\n",
    );
    for method in &report.methods {
        html.push_str(&method_row(method));
    }
    html.push_str("</tbody>\n</table>\n");
    if let Some(truth) = &report.truth {
        let _ = writeln!(
            html,
            "<p class=\"note\">Ground truth (the demo knows who really left): the churn label agrees on {:.1} % of {} member-cut-offs ({} truly churned); \
             AUC against the truth: risk score {}, days since last activity {}.</p>",
            truth.label_agreement * 100.0,
            truth.examples,
            truth.truly_churned,
            optional(truth.risk_auc, 3),
            optional(truth.days_since_auc, 3)
        );
    }
    html.push_str(chart);
    html.push_str("</section>\n");
    html
}

fn graph_section(data: &ReportData, chart: &str) -> String {
    let graph = &data.graph;
    let mut html = String::from("<section id=\"graph\">\n<h2>Interaction graph</h2>\n");
    let _ = writeln!(
        html,
        "<p>From {} to {}: <b>{}</b> members linked by <b>{}</b> weighted interactions (replies, reactions, shared threads); \
         the 30 days before: {} members, {} interactions.</p>",
        escape(&graph.from_date),
        escape(&graph.to_date),
        graph.members,
        graph.edges,
        graph.members_before,
        graph.edges_before
    );
    if graph.top.is_empty() {
        html.push_str("<p class=\"note\">Nobody interacted in this window.</p>\n</section>\n");
        return html;
    }
    html.push_str(
        "<table>\n<thead><tr><th class=\"num\">#</th><th>Member</th><th>Stage</th><th class=\"num\">PageRank</th><th class=\"num\">Before</th>\
         <th class=\"num\">Weighted degree</th><th class=\"num\">Before</th></tr></thead>\n<tbody>\n",
    );
    for member in &graph.top {
        let _ = writeln!(
            html,
            "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{:.2}</td><td class=\"num\">{:.2}</td><td class=\"num\">{:.2}</td><td class=\"num\">{:.2}</td></tr>",
            member.rank,
            escape(&member.display_name),
            member.stage.map_or("–", Stage::as_str),
            member.pagerank,
            member.pagerank_before,
            member.weighted_degree,
            member.weighted_degree_before
        );
    }
    html.push_str(
        "</tbody>\n</table>\n<p class=\"note\">PageRank is scaled by the number of members in the graph: 1 is an equal share.</p>\n",
    );
    html.push_str(chart);
    html.push_str("</section>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_makes_markup_text() {
        assert_eq!(escape(r#"<img src=x onerror="alert('x')"> & co"#), "&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt; &amp; co");
        assert_eq!(escape("创客公会"), "创客公会");
    }

    #[test]
    fn inline_svg_drops_the_namespace_address() {
        let svg = charts::grid_svg(&charts::Grid {
            title: "t".into(),
            subject: String::new(),
            x_desc: "x",
            y_desc: "y",
            value_desc: "v",
            columns: vec!["a".into()],
            rows: vec!["b".into()],
            values: vec![vec![Some(1.0)]],
            is_share: false,
        });
        assert!(svg.contains("http://"));
        assert!(!inline_svg(&svg).contains("http"));
    }
}
