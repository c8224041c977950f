//! Charts drawn with plotters as SVG documents. A chart function takes the series the
//! analytics computed and returns the SVG text; it computes no metric itself.

use plotters::prelude::*;

use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::analytics::activity::WeekActive;
use crate::analytics::daily::TrendPoint;
use crate::analytics::heatmaps::{CohortHeatmap, FirstMinutesHeatmap, HourHeatmap, StageHeatmap, Transitions};

const WIDTH: u32 = 960;
const HEIGHT: u32 = 340;
const LINE: RGBColor = RGBColor(214, 98, 46);
const FILL: RGBColor = RGBColor(246, 196, 160);
const GRID: RGBColor = RGBColor(225, 225, 225);
const TEXT: RGBColor = RGBColor(60, 60, 60);

/// The weekly active members line chart (distinct active members per Monday-to-Sunday
/// week, UTC).
pub fn weekly_active_svg(weeks: &[WeekActive], group_name: &str) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        // Drawing into a String cannot fail for I/O reasons; an error here would be a bug in
        // the chart's own coordinates, and an empty chart is the honest fallback.
        let _ = draw_weekly_active(&root, weeks, group_name);
        let _ = root.present();
    }
    svg
}

fn draw_weekly_active<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    weeks: &[WeekActive],
    group_name: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let title = format!("Weekly active members — {group_name}");
    let text_style = |size: u32| ("sans-serif", size).into_font().color(&TEXT);
    if weeks.is_empty() {
        root.draw(&Text::new("No activity yet", (WIDTH as i32 / 2 - 60, HEIGHT as i32 / 2), text_style(16)))?;
        return Ok(());
    }
    let max_active = weeks.iter().map(|week| week.active_members).max().unwrap_or(0).max(1);
    let last = weeks.len() as i64 - 1;
    let mut chart = ChartBuilder::on(root)
        .caption(title, text_style(18))
        .margin(12)
        .margin_right(36)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(0i64..last.max(1), 0u64..(max_active + max_active / 10 + 1))?;
    let label_of = |index: &i64| {
        weeks
            .get(*index as usize)
            .and_then(|week| chrono::DateTime::from_timestamp(week.week_start, 0))
            .map_or_else(String::new, |start| start.format("%b %Y").to_string())
    };
    chart
        .configure_mesh()
        .light_line_style(GRID)
        .max_light_lines(1)
        .bold_line_style(GRID)
        .x_labels(8)
        .y_labels(6)
        .x_label_formatter(&label_of)
        .x_desc("week (UTC)")
        .y_desc("active members")
        .axis_desc_style(text_style(13))
        .label_style(text_style(12))
        .draw()?;
    let points: Vec<(i64, u64)> = weeks.iter().enumerate().map(|(index, week)| (index as i64, week.active_members)).collect();
    chart.draw_series(AreaSeries::new(points.iter().copied(), 0, FILL.mix(0.5)))?;
    chart
        .draw_series(LineSeries::new(points.iter().copied(), LINE.stroke_width(2)))?
        .label("active members per week")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], LINE.stroke_width(2)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(GRID)
        .label_font(text_style(12))
        .draw()?;
    Ok(())
}

/// The daily health score over time (the trend of `hearth trend`).
pub fn health_trend_svg(points: &[TrendPoint], group_name: &str) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        let _ = draw_health_trend(&root, points, group_name);
        let _ = root.present();
    }
    svg
}

fn draw_health_trend<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    points: &[TrendPoint],
    group_name: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let text_style = |size: u32| ("sans-serif", size).into_font().color(&TEXT);
    let scored: Vec<(i64, f64)> =
        points.iter().enumerate().filter_map(|(index, point)| point.score.map(|score| (index as i64, score))).collect();
    if scored.is_empty() {
        root.draw(&Text::new("No score yet: no metric had data", (WIDTH as i32 / 2 - 120, HEIGHT as i32 / 2), text_style(16)))?;
        return Ok(());
    }
    let last = points.len() as i64 - 1;
    let mut chart = ChartBuilder::on(root)
        .caption(format!("Health score per day (trailing period) — {group_name}"), text_style(18))
        .margin(12)
        .margin_right(36)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(0i64..last.max(1), 0f64..100f64)?;
    let label_of = |index: &i64| points.get(*index as usize).map_or_else(String::new, |point| point.date.clone());
    chart
        .configure_mesh()
        .light_line_style(GRID)
        .max_light_lines(1)
        .bold_line_style(GRID)
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&label_of)
        .x_desc("last day of the period (UTC)")
        .y_desc("health score (0–100)")
        .axis_desc_style(text_style(13))
        .label_style(text_style(12))
        .draw()?;
    chart
        .draw_series(LineSeries::new(scored.iter().copied(), LINE.stroke_width(2)))?
        .label("score")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], LINE.stroke_width(2)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(GRID)
        .label_font(text_style(12))
        .draw()?;
    Ok(())
}

/// A grid of cells for a heatmap: what the chart needs, whatever the heatmap.
pub struct Grid<'a> {
    pub title: String,
    pub x_desc: &'a str,
    pub y_desc: &'a str,
    /// The meaning of a cell's value, shown beside the colour scale.
    pub value_desc: &'a str,
    pub columns: Vec<String>,
    /// Top to bottom.
    pub rows: Vec<String>,
    /// `values[row][column]`; `None` is drawn grey (no data).
    pub values: Vec<Vec<Option<f64>>>,
    /// Shares are written as percentages.
    pub is_share: bool,
}

const COLD: RGBColor = RGBColor(255, 247, 236);
const HOT: RGBColor = RGBColor(179, 56, 20);
const EMPTY: RGBColor = RGBColor(235, 235, 235);

fn scale_colour(fraction: f64) -> RGBColor {
    let t = fraction.clamp(0.0, 1.0);
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    RGBColor(mix(COLD.0, HOT.0), mix(COLD.1, HOT.1), mix(COLD.2, HOT.2))
}

fn format_cell(value: f64, is_share: bool) -> String {
    if is_share {
        format!("{:.0}%", value * 100.0)
    } else if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// Draws a heatmap with row and column labels, axis titles and a colour scale.
pub fn grid_svg(grid: &Grid<'_>) -> String {
    let height = (HEIGHT as usize).max(120 + grid.rows.len() * 22).min(900) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        let _ = draw_grid(&root, grid, height);
        let _ = root.present();
    }
    svg
}

fn draw_grid<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    grid: &Grid<'_>,
    height: u32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let text_style = |size: u32| ("sans-serif", size).into_font().color(&TEXT);
    let (columns, rows) = (grid.columns.len(), grid.rows.len());
    if columns == 0 || rows == 0 {
        root.draw(&Text::new("No data yet", (WIDTH as i32 / 2 - 40, height as i32 / 2), text_style(16)))?;
        return Ok(());
    }
    let (area, scale_area) = root.split_horizontally(WIDTH - 110);
    let max = grid.values.iter().flatten().flatten().fold(0f64, |max, &value| max.max(value));
    let top = if grid.is_share { 1.0 } else { max.max(1e-9) };
    let mut chart = ChartBuilder::on(&area)
        .caption(&grid.title, text_style(18))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(96)
        // A segmented range of integers includes its end: 0..n − 1 gives n cells.
        .build_cartesian_2d((0..columns as i32 - 1).into_segmented(), (0..rows as i32 - 1).into_segmented())?;
    let column_label = |value: &SegmentValue<i32>| match value {
        SegmentValue::CenterOf(index) => grid.columns.get(*index as usize).cloned().unwrap_or_default(),
        _ => String::new(),
    };
    // Row 0 is drawn at the top: y = rows − 1 − row.
    let row_label = |value: &SegmentValue<i32>| match value {
        SegmentValue::CenterOf(index) => grid.rows.get(rows - 1 - (*index as usize).min(rows - 1)).cloned().unwrap_or_default(),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(columns.min(16))
        .y_labels(rows.min(40))
        .x_label_formatter(&column_label)
        .y_label_formatter(&row_label)
        .x_desc(grid.x_desc)
        .y_desc(grid.y_desc)
        .axis_desc_style(text_style(13))
        .label_style(text_style(11))
        .draw()?;
    let show_numbers = columns <= 24 && rows <= 12;
    for (row, cells) in grid.values.iter().enumerate() {
        let y = (rows - 1 - row) as i32;
        for (column, value) in cells.iter().enumerate() {
            let x = column as i32;
            let colour = value.map_or(EMPTY, |value| scale_colour(value / top));
            chart.draw_series(std::iter::once(Rectangle::new(
                [(SegmentValue::Exact(x), SegmentValue::Exact(y)), (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1))],
                colour.filled(),
            )))?;
            if let (true, Some(value)) = (show_numbers, value) {
                let ink = if value / top > 0.55 { WHITE } else { TEXT };
                chart.draw_series(std::iter::once(Text::new(
                    format_cell(*value, grid.is_share),
                    (SegmentValue::CenterOf(x), SegmentValue::CenterOf(y)),
                    ("sans-serif", 10).into_font().color(&ink).pos(Pos::new(HPos::Center, VPos::Center)),
                )))?;
            }
        }
    }
    // The colour scale: a vertical bar from the lowest (bottom) to the highest value.
    let bar_top = 60;
    let bar_bottom = height as i32 - 70;
    let steps = 40;
    for step in 0..steps {
        let fraction = step as f64 / (steps - 1) as f64;
        let y0 = bar_bottom - (bar_bottom - bar_top) * (step + 1) / steps;
        let y1 = bar_bottom - (bar_bottom - bar_top) * step / steps;
        scale_area.draw(&Rectangle::new([(20, y0), (44, y1)], scale_colour(fraction).filled()))?;
    }
    scale_area.draw(&Rectangle::new([(20, bar_top), (44, bar_bottom)], GRID.stroke_width(1)))?;
    scale_area.draw(&Text::new(format_cell(top, grid.is_share), (50, bar_top - 6), text_style(11)))?;
    scale_area.draw(&Text::new(format_cell(0.0, grid.is_share), (50, bar_bottom - 6), text_style(11)))?;
    scale_area.draw(&Text::new(grid.value_desc.to_string(), (4, bar_bottom + 16), text_style(11)))?;
    scale_area.draw(&Rectangle::new([(20, bar_bottom + 28), (32, bar_bottom + 40)], EMPTY.filled()))?;
    scale_area.draw(&Text::new("no data", (36, bar_bottom + 28), text_style(11)))?;
    Ok(())
}

/// Members per stage and week, as counts or as shares of the members present.
pub fn stage_heatmap_svg(heatmap: &StageHeatmap, group_name: &str, as_share: bool) -> String {
    let rows: Vec<usize> = (0..heatmap.stages.len()).rev().collect();
    grid_svg(&Grid {
        title: format!("Members per stage, end of each week — {group_name}"),
        x_desc: "week (Monday, UTC)",
        y_desc: "stage",
        value_desc: if as_share { "share of members" } else { "members" },
        columns: heatmap.weeks.clone(),
        rows: rows.iter().map(|&stage| heatmap.stages[stage].as_str().to_string()).collect(),
        values: rows
            .iter()
            .map(|&stage| {
                if as_share {
                    heatmap.shares[stage].iter().map(|&share| Some(share)).collect()
                } else {
                    heatmap.counts[stage].iter().map(|&count| Some(count as f64)).collect()
                }
            })
            .collect(),
        is_share: as_share,
    })
}

/// Cohort retention: share of each joining week's members active k weeks later.
pub fn cohort_heatmap_svg(heatmap: &CohortHeatmap, group_name: &str) -> String {
    grid_svg(&Grid {
        title: format!("Cohort retention — {group_name}"),
        x_desc: "weeks since joining",
        y_desc: "joining week (members)",
        value_desc: "share active",
        columns: (0..heatmap.weeks_since_joining).map(|week| week.to_string()).collect(),
        rows: heatmap.cohorts.iter().map(|cohort| format!("{} ({})", cohort.week, cohort.members)).collect(),
        values: heatmap.cohorts.iter().map(|cohort| cohort.active.clone()).collect(),
        is_share: true,
    })
}

/// Messages per weekday and hour in the heatmap's timezone.
pub fn hour_heatmap_svg(heatmap: &HourHeatmap, group_name: &str) -> String {
    grid_svg(&Grid {
        title: format!("Messages by weekday and hour ({}) — {group_name}", heatmap.timezone),
        x_desc: "hour of day",
        y_desc: "weekday",
        value_desc: "messages",
        columns: (0..24).map(|hour| format!("{hour:02}")).collect(),
        rows: heatmap.weekdays.iter().map(|day| day[..3].to_string()).collect(),
        values: heatmap.counts.iter().map(|row| row.iter().map(|&count| Some(count as f64)).collect()).collect(),
        is_share: false,
    })
}

/// What newcomers did in their first minutes after joining.
pub fn first_minutes_svg(heatmap: &FirstMinutesHeatmap, group_name: &str) -> String {
    grid_svg(&Grid {
        title: format!("Newcomers' first minutes ({} joins) — {group_name}", heatmap.joined_members),
        x_desc: "time after joining",
        y_desc: "action",
        value_desc: "members",
        columns: heatmap.bins.clone(),
        rows: heatmap.actions.iter().map(|action| action.as_str().to_string()).collect(),
        values: heatmap.counts.iter().map(|row| row.iter().map(|&count| Some(count as f64)).collect()).collect(),
        is_share: false,
    })
}

/// The transition matrix of the verdict's weeks: from-stage rows, to-stage columns.
pub fn transitions_svg(transitions: &Transitions, group_name: &str) -> String {
    grid_svg(&Grid {
        title: format!("Stage transitions, weeks of {} to {} — {group_name}", transitions.from_week, transitions.to_week),
        x_desc: "stage after the week",
        y_desc: "stage before",
        value_desc: "members",
        columns: transitions.stages.iter().map(|stage| stage.as_str().to_string()).collect(),
        rows: transitions.from_labels.clone(),
        values: transitions.matrix.iter().map(|row| row.iter().map(|&count| Some(count as f64)).collect()).collect(),
        is_share: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week(index: i64, active: u64) -> WeekActive {
        WeekActive { week_start: 1_700_438_400 + index * 7 * 86_400, active_members: active, posts: active * 3 }
    }

    #[test]
    fn chart_is_an_svg_with_title_axes_and_escaped_name() {
        let weeks: Vec<WeekActive> = (0..20).map(|index| week(index, (index as u64 * 7) % 40 + 5)).collect();
        let svg = weekly_active_svg(&weeks, "Rust <Users> & Friends");
        assert!(svg.starts_with("<svg"), "{}", &svg[..60.min(svg.len())]);
        assert!(svg.contains("active members"));
        assert!(svg.contains("week (UTC)"));
        assert!(svg.contains("&lt;Users&gt; &amp; Friends"), "group names are text, escaped in the SVG");
        assert!(!svg.contains("<Users>"));
        assert!(svg.contains("<polyline") || svg.contains("<path"), "the series is drawn");
    }

    #[test]
    fn empty_series_says_so() {
        let svg = weekly_active_svg(&[], "Quiet");
        assert!(svg.contains("No activity yet"));
    }

    #[test]
    fn same_input_gives_the_same_svg() {
        let weeks: Vec<WeekActive> = (0..10).map(|index| week(index, index as u64)).collect();
        assert_eq!(weekly_active_svg(&weeks, "G"), weekly_active_svg(&weeks, "G"));
    }
}
