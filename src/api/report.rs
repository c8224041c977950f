//! The shareable report (`hearth report`): gathers what the other use cases compute (the
//! score and its explanation, the trend, every heatmap, the churn warnings, the backtest
//! and the interaction graph), has `report::html` render it into one self-contained HTML
//! file and, when asked, `report::png` draw every chart as a PNG.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{default_as_of, find_group, load_settings, Error, ErrorCode, Result};
use crate::analytics::graph::{GraphConfig, Interactions};
use crate::analytics::health::ThresholdSource;
use crate::analytics::warnings::{round, Severity};
use crate::analytics::{heatmaps, Index};
use crate::model::Group;
use crate::report::html::{self, CentralMember, GraphSummary, ReportData};
use crate::report::png;
use crate::store::Store;

/// Members listed in the interaction graph's summary.
const TOP_CENTRAL: usize = 10;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportChart {
    /// The chart's name, also its PNG file's stem.
    pub name: String,
    pub title: String,
    /// The PNG written for it, when `--png` asked for them.
    pub png: Option<PathBuf>,
    pub png_bytes: Option<u64>,
}

/// What `write_report` wrote.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportSummary {
    pub group: Group,
    pub as_of_date: String,
    pub out: PathBuf,
    pub bytes: u64,
    pub score: Option<f64>,
    pub warnings: u64,
    pub backtest_methods: u64,
    pub charts: Vec<ReportChart>,
}

fn io_error(action: &str, path: &Path, error: std::io::Error) -> Error {
    Error::new(ErrorCode::InvalidInput, format!("cannot {action} {}: {error}; check the path and its permissions", path.display()))
}

/// Gathers what the report shows at the group's default `as_of`. `computer_timezone` is
/// the caller's own zone, for the weekday × hour heatmap when the group has no setting.
pub fn report_data(store: &Store, group: &str, computer_timezone: Option<&str>, now: i64) -> Result<ReportData> {
    let group = find_group(store, group)?;
    let reference = group.id.0.to_string();
    let as_of = default_as_of(store, &group, now)?;
    let settings = load_settings(store, group.id)?;
    let data = store.load_group_data(&group)?;
    let everything = super::compute_everything(&data, as_of, &settings)?;
    // A calibrated group's score and trend are those `hearth health` and `hearth trend` give.
    let (health, trend) = if settings.health.threshold_source == ThresholdSource::Targets {
        (everything.health, everything.trend)
    } else {
        let health = super::health_calibrated(store, &reference, None, None, now)?;
        (health, super::trend(store, &reference, None, None, now)?.points)
    };
    let heatmap_config = settings.heatmap_config(None, computer_timezone)?;
    let hours = heatmaps::hour_heatmap(&Index::new(&data), as_of, &heatmap_config);
    let warnings = super::churn::warnings(store, &reference, Severity::Low, false, now)?;
    let backtest = super::churn::backtest(store, &reference, None, None, now)?;

    let graph_config = GraphConfig::default();
    let interactions = Interactions::new(&data, &graph_config);
    let (current, previous) = interactions.current_and_previous(as_of, &graph_config);
    let names: HashMap<i64, &str> = data.members.iter().map(|member| (member.id, member.display_name.as_str())).collect();
    let stages: HashMap<i64, crate::model::Stage> =
        everything.history.members.iter().map(|member| (member.status.member_id, member.status.stage)).collect();
    let top = current
        .ranked()
        .into_iter()
        .take(TOP_CENTRAL)
        .enumerate()
        .map(|(index, (node, _))| {
            let member_id = interactions.member_id(node);
            CentralMember {
                rank: index + 1,
                member_id,
                display_name: names.get(&member_id).copied().unwrap_or_default().to_string(),
                stage: stages.get(&member_id).copied(),
                pagerank: round(current.pagerank_scaled(node)),
                pagerank_before: round(previous.pagerank_scaled(node)),
                weighted_degree: round(current.weighted_degree(node)),
                weighted_degree_before: round(previous.weighted_degree(node)),
            }
        })
        .collect();
    let graph = GraphSummary {
        from_date: super::date_string(current.from),
        to_date: super::date_string(current.to - 1),
        members: current.node_count(),
        edges: current.edges.len(),
        members_before: previous.node_count(),
        edges_before: previous.edges.len(),
        top,
    };
    Ok(ReportData {
        generated_date: super::date_string(now),
        as_of_date: super::date_string(as_of - 1),
        group,
        health,
        trend,
        stages: everything.stages,
        cohorts: everything.cohorts,
        hours,
        first_minutes: everything.first_minutes,
        transitions: everything.transitions,
        warnings,
        backtest,
        graph,
    })
}

/// The report's HTML and its charts, rendered from `data`.
pub fn render_report(data: &ReportData) -> String {
    html::render(data, &html::figures(data))
}

/// Writes the report of `group` to `out` (an HTML file) and, with `png_dir`, every chart
/// as `<png_dir>/<chart>.png` (the folder is created when missing).
pub fn write_report(
    store: &Store,
    group: &str,
    out: &Path,
    png_dir: Option<&Path>,
    computer_timezone: Option<&str>,
    now: i64,
) -> Result<ReportSummary> {
    if out.is_dir() {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            format!("{} is a folder; give the report's file name, e.g. report.html", out.display()),
        ));
    }
    let data = report_data(store, group, computer_timezone, now)?;
    let figures = html::figures(&data);
    let document = html::render(&data, &figures);
    std::fs::write(out, &document).map_err(|error| io_error("write the report to", out, error))?;
    if let Some(dir) = png_dir {
        std::fs::create_dir_all(dir).map_err(|error| io_error("create the folder", dir, error))?;
    }
    let mut charts = Vec::new();
    for figure in &figures {
        let (png, png_bytes) = match png_dir {
            Some(dir) => {
                let bytes =
                    png::png(&figure.figure, &figure.title).map_err(|error| Error::new(ErrorCode::InvalidInput, error.to_string()))?;
                let path = dir.join(format!("{}.png", figure.name));
                std::fs::write(&path, &bytes).map_err(|error| io_error("write the chart to", &path, error))?;
                (Some(path), Some(bytes.len() as u64))
            }
            None => (None, None),
        };
        charts.push(ReportChart { name: figure.name.to_string(), title: figure.title.clone(), png, png_bytes });
    }
    Ok(ReportSummary {
        as_of_date: data.as_of_date.clone(),
        out: out.to_path_buf(),
        bytes: document.len() as u64,
        score: data.health.score,
        warnings: data.warnings.warnings.len() as u64,
        backtest_methods: data.backtest.methods.len() as u64,
        charts,
        group: data.group,
    })
}
