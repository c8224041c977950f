//! Charts drawn with plotters as SVG documents (and, through [`Figure`], as bitmaps for
//! `report::png`). A chart function takes the series the analytics computed and returns the
//! SVG text; it computes no metric itself.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;

use crate::analytics::activity::WeekActive;
use crate::analytics::daily::TrendPoint;
use crate::analytics::heatmaps::{CohortHeatmap, FirstMinutesHeatmap, HourHeatmap, StageHeatmap, Transitions};

const WIDTH: u32 = 960;
const HEIGHT: u32 = 340;
const LINE: RGBColor = RGBColor(214, 98, 46);
const FILL: RGBColor = RGBColor(246, 196, 160);
const GRID: RGBColor = RGBColor(225, 225, 225);
const TEXT: RGBColor = RGBColor(60, 60, 60);
const REFERENCE: RGBColor = RGBColor(170, 170, 170);

/// DejaVu Sans (assets/fonts, its licence beside it), embedded so that chart text is laid
/// out the same everywhere and PNGs can draw it without any system font. It covers Latin,
/// Greek and Cyrillic but no CJK: see `report::png` for how names it cannot draw are kept
/// out of bitmaps.
pub(crate) const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const FONT_FAMILY: &str = "sans-serif";

/// Registers the bundled font under the family every chart uses. plotters' `ab_glyph`
/// text support knows only registered fonts, for SVG layout as for bitmaps, so every
/// public drawing entry point calls this first.
pub(crate) fn register_font() {
    static REGISTERED: Once = Once::new();
    REGISTERED.call_once(|| {
        let registered = plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT).is_ok();
        assert!(registered, "the bundled DejaVu Sans is a valid TrueType font");
    });
}

fn text_style(size: u32) -> TextStyle<'static> {
    (FONT_FAMILY, size).into_font().color(&TEXT)
}

/// "Title — subject" (the group's name), or the title alone when there is no subject.
fn caption(title: &str, subject: &str) -> String {
    if subject.is_empty() {
        title.to_string()
    } else {
        format!("{title} — {subject}")
    }
}

fn svg_of(size: (u32, u32), draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>)) -> String {
    register_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        draw(&root);
        // Drawing into a String cannot fail for I/O reasons; an error would be a bug in the
        // chart's own coordinates, and a partly drawn chart is the honest fallback.
        let _ = root.present();
    }
    svg
}

/// The weekly active members line chart (distinct active members per Monday-to-Sunday
/// week, UTC).
pub fn weekly_active_svg(weeks: &[WeekActive], group_name: &str) -> String {
    svg_of((WIDTH, HEIGHT), |root| {
        let _ = draw_weekly_active(root, weeks, group_name);
    })
}

fn draw_weekly_active<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    weeks: &[WeekActive],
    group_name: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    if weeks.is_empty() {
        root.draw(&Text::new("No activity yet", (WIDTH as i32 / 2 - 60, HEIGHT as i32 / 2), text_style(16)))?;
        return Ok(());
    }
    let max_active = weeks.iter().map(|week| week.active_members).max().unwrap_or(0).max(1);
    let last = weeks.len() as i64 - 1;
    let mut chart = ChartBuilder::on(root)
        .caption(caption("Weekly active members", group_name), text_style(18))
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

/// A chart the report draws, in a form any plotters backend can render: the report's HTML
/// takes its SVG, `report::png` draws the same figure into a bitmap.
#[derive(Clone)]
pub enum Figure<'a> {
    Trend(TrendChart<'a>),
    Grid(Grid<'a>),
    Bars(Bars),
}

/// The daily health score line.
#[derive(Clone)]
pub struct TrendChart<'a> {
    pub subject: String,
    pub points: &'a [TrendPoint],
}

impl Figure<'_> {
    /// Width and height in pixels.
    pub fn size(&self) -> (u32, u32) {
        match self {
            Figure::Trend(_) => (WIDTH, HEIGHT),
            Figure::Grid(grid) => (WIDTH, grid_height(grid)),
            Figure::Bars(bars) => (WIDTH, bars_height(bars)),
        }
    }

    /// The subject (the group's name) the caption ends with.
    pub fn subject(&self) -> &str {
        match self {
            Figure::Trend(chart) => &chart.subject,
            Figure::Grid(grid) => &grid.subject,
            Figure::Bars(bars) => &bars.subject,
        }
    }

    pub fn set_subject(&mut self, subject: String) {
        match self {
            Figure::Trend(chart) => chart.subject = subject,
            Figure::Grid(grid) => grid.subject = subject,
            Figure::Bars(bars) => bars.subject = subject,
        }
    }

    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        register_font();
        match self {
            Figure::Trend(chart) => draw_health_trend(root, chart.points, &chart.subject),
            Figure::Grid(grid) => draw_grid(root, grid, grid_height(grid)),
            Figure::Bars(bars) => draw_bars(root, bars),
        }
    }

    pub fn svg(&self) -> String {
        svg_of(self.size(), |root| {
            let _ = self.draw(root);
        })
    }
}

/// The daily health score over time (the trend of `hearth trend`).
pub fn health_trend_svg(points: &[TrendPoint], group_name: &str) -> String {
    Figure::Trend(TrendChart { subject: group_name.to_string(), points }).svg()
}

fn draw_health_trend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    points: &[TrendPoint],
    subject: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let scored: Vec<(i64, f64)> =
        points.iter().enumerate().filter_map(|(index, point)| point.score.map(|score| (index as i64, score))).collect();
    if scored.is_empty() {
        root.draw(&Text::new("No score yet: no metric had data", (WIDTH as i32 / 2 - 120, HEIGHT as i32 / 2), text_style(16)))?;
        return Ok(());
    }
    let last = points.len() as i64 - 1;
    let mut chart = ChartBuilder::on(root)
        .caption(caption("Health score per day (trailing period)", subject), text_style(18))
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
#[derive(Clone)]
pub struct Grid<'a> {
    /// What the chart shows, in the app's words; the caption adds " — subject".
    pub title: String,
    /// The group's name (may be empty).
    pub subject: String,
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

fn grid_height(grid: &Grid<'_>) -> u32 {
    (HEIGHT as usize).max(120 + grid.rows.len() * 22).min(900) as u32
}

/// Draws a heatmap with row and column labels, axis titles and a colour scale.
pub fn grid_svg(grid: &Grid<'_>) -> String {
    svg_of((WIDTH, grid_height(grid)), |root| {
        let _ = draw_grid(root, grid, grid_height(grid));
    })
}

fn draw_grid<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    grid: &Grid<'_>,
    height: u32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let (columns, rows) = (grid.columns.len(), grid.rows.len());
    if columns == 0 || rows == 0 {
        root.draw(&Text::new(
            caption(&grid.title, &grid.subject),
            (WIDTH as i32 / 2, 24),
            text_style(18).pos(Pos::new(HPos::Center, VPos::Center)),
        ))?;
        root.draw(&Text::new(
            "No data yet",
            (WIDTH as i32 / 2, height as i32 / 2),
            text_style(16).pos(Pos::new(HPos::Center, VPos::Center)),
        ))?;
        return Ok(());
    }
    let (area, scale_area) = root.split_horizontally(WIDTH - 120);
    let max = grid.values.iter().flatten().flatten().fold(0f64, |max, &value| max.max(value));
    let top = if grid.is_share { 1.0 } else { max.max(1e-9) };
    let mut chart = ChartBuilder::on(&area)
        .caption(caption(&grid.title, &grid.subject), text_style(18))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(120)
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
                    (FONT_FAMILY, 10).into_font().color(&ink).pos(Pos::new(HPos::Center, VPos::Center)),
                )))?;
            }
        }
    }
    draw_colour_scale(&scale_area, grid, top, height)
}

/// The colour scale: a vertical bar from 0 (bottom) to the highest value (top) with five
/// labelled ticks, what a cell's value means, and the colour of a cell without data.
fn draw_colour_scale<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    grid: &Grid<'_>,
    top: f64,
    height: u32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let bar_top = 64;
    let bar_bottom = height as i32 - 84;
    let steps = 40;
    for step in 0..steps {
        let fraction = step as f64 / (steps - 1) as f64;
        let y0 = bar_bottom - (bar_bottom - bar_top) * (step + 1) / steps;
        let y1 = bar_bottom - (bar_bottom - bar_top) * step / steps;
        area.draw(&Rectangle::new([(16, y0), (38, y1)], scale_colour(fraction).filled()))?;
    }
    area.draw(&Rectangle::new([(16, bar_top), (38, bar_bottom)], REFERENCE.stroke_width(1)))?;
    let left = Pos::new(HPos::Left, VPos::Center);
    for tick in 0..=4 {
        let value = top * f64::from(tick) / 4.0;
        let y = bar_bottom - (bar_bottom - bar_top) * tick / 4;
        area.draw(&PathElement::new(vec![(38, y), (43, y)], TEXT.stroke_width(1)))?;
        let label = if grid.is_share {
            format_cell(value, true)
        } else if top >= 10.0 {
            format!("{value:.0}")
        } else {
            format!("{value:.1}")
        };
        area.draw(&Text::new(label, (46, y), text_style(11).pos(left)))?;
    }
    area.draw(&Text::new(grid.value_desc.to_string(), (4, bar_top - 22), text_style(11).pos(left)))?;
    area.draw(&Rectangle::new([(16, bar_bottom + 24), (38, bar_bottom + 38)], EMPTY.filled()))?;
    area.draw(&Rectangle::new([(16, bar_bottom + 24), (38, bar_bottom + 38)], REFERENCE.stroke_width(1)))?;
    area.draw(&Text::new("no data", (46, bar_bottom + 31), text_style(11).pos(left)))?;
    Ok(())
}

/// Members per stage and week, as counts or as shares of the members present.
pub fn stage_grid<'a>(heatmap: &StageHeatmap, group_name: &str, as_share: bool) -> Grid<'a> {
    let rows: Vec<usize> = (0..heatmap.stages.len()).rev().collect();
    Grid {
        title: if as_share { "Share of members per stage, end of each week" } else { "Members per stage, end of each week" }.to_string(),
        subject: group_name.to_string(),
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
    }
}

pub fn stage_heatmap_svg(heatmap: &StageHeatmap, group_name: &str, as_share: bool) -> String {
    grid_svg(&stage_grid(heatmap, group_name, as_share))
}

/// Cohort retention: share of each joining week's members active k weeks later.
pub fn cohort_grid<'a>(heatmap: &CohortHeatmap, group_name: &str) -> Grid<'a> {
    Grid {
        title: "Cohort retention".to_string(),
        subject: group_name.to_string(),
        x_desc: "weeks since joining",
        y_desc: "joining week (members)",
        value_desc: "share active",
        columns: (0..heatmap.weeks_since_joining).map(|week| week.to_string()).collect(),
        rows: heatmap.cohorts.iter().map(|cohort| format!("{} ({})", cohort.week, cohort.members)).collect(),
        values: heatmap.cohorts.iter().map(|cohort| cohort.active.clone()).collect(),
        is_share: true,
    }
}

pub fn cohort_heatmap_svg(heatmap: &CohortHeatmap, group_name: &str) -> String {
    grid_svg(&cohort_grid(heatmap, group_name))
}

/// Messages per weekday and hour in the heatmap's timezone.
pub fn hour_grid<'a>(heatmap: &HourHeatmap, group_name: &str) -> Grid<'a> {
    Grid {
        title: format!("Messages by weekday and hour ({})", heatmap.timezone),
        subject: group_name.to_string(),
        x_desc: "hour of day",
        y_desc: "weekday",
        value_desc: "messages",
        columns: (0..24).map(|hour| format!("{hour:02}")).collect(),
        rows: heatmap.weekdays.iter().map(|day| day.chars().take(3).collect()).collect(),
        values: heatmap.counts.iter().map(|row| row.iter().map(|&count| Some(count as f64)).collect()).collect(),
        is_share: false,
    }
}

pub fn hour_heatmap_svg(heatmap: &HourHeatmap, group_name: &str) -> String {
    grid_svg(&hour_grid(heatmap, group_name))
}

/// What newcomers did in their first minutes after joining.
pub fn first_minutes_grid<'a>(heatmap: &FirstMinutesHeatmap, group_name: &str) -> Grid<'a> {
    Grid {
        title: format!("Newcomers' first minutes ({} joins)", heatmap.joined_members),
        subject: group_name.to_string(),
        x_desc: "time after joining",
        y_desc: "action",
        value_desc: "members",
        columns: heatmap.bins.clone(),
        rows: heatmap.actions.iter().map(|action| action.as_str().to_string()).collect(),
        values: heatmap.counts.iter().map(|row| row.iter().map(|&count| Some(count as f64)).collect()).collect(),
        is_share: false,
    }
}

pub fn first_minutes_svg(heatmap: &FirstMinutesHeatmap, group_name: &str) -> String {
    grid_svg(&first_minutes_grid(heatmap, group_name))
}

/// The transition matrix of the verdict's weeks: from-stage rows, to-stage columns.
pub fn transitions_grid<'a>(transitions: &Transitions, group_name: &str) -> Grid<'a> {
    Grid {
        title: format!("Stage transitions, weeks of {} to {}", transitions.from_week, transitions.to_week),
        subject: group_name.to_string(),
        x_desc: "stage after the week",
        y_desc: "stage before",
        value_desc: "members",
        columns: transitions.stages.iter().map(|stage| stage.as_str().to_string()).collect(),
        rows: transitions.from_labels.clone(),
        values: transitions.matrix.iter().map(|row| row.iter().map(|&count| Some(count as f64)).collect()).collect(),
        is_share: false,
    }
}

pub fn transitions_svg(transitions: &Transitions, group_name: &str) -> String {
    grid_svg(&transitions_grid(transitions, group_name))
}

/// Horizontal bars, one row per item, each with an optional reference bar drawn thinner
/// and grey below it (a maximum, or an earlier value) and an optional vertical marker
/// (e.g. the AUC of chance).
#[derive(Clone)]
pub struct Bars {
    pub title: String,
    pub subject: String,
    /// The value axis.
    pub value_desc: String,
    pub rows: Vec<Bar>,
    /// The value axis' range.
    pub range: (f64, f64),
    /// Legend names of the value and of the reference bars.
    pub value_label: String,
    pub reference_label: Option<String>,
    pub marker: Option<(f64, String)>,
    /// Decimals of the numbers written at the bars' ends.
    pub decimals: usize,
}

#[derive(Clone)]
pub struct Bar {
    pub label: String,
    /// What a bitmap writes instead of `label` when its font cannot draw it (a rank or an
    /// id instead of a name in a script the bundled font does not cover).
    pub fallback: String,
    pub value: Option<f64>,
    pub reference: Option<f64>,
}

const ROW_PIXELS: u32 = 30;
const BAR_LABEL_WIDTH: u32 = 260;

fn bars_height(bars: &Bars) -> u32 {
    (170 + bars.rows.len() as u32 * ROW_PIXELS).max(240)
}

fn draw_bars<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, bars: &Bars) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let rows = bars.rows.len();
    if rows == 0 {
        root.draw(&Text::new(
            caption(&bars.title, &bars.subject),
            (WIDTH as i32 / 2, 24),
            text_style(18).pos(Pos::new(HPos::Center, VPos::Center)),
        ))?;
        root.draw(&Text::new("No data yet", (WIDTH as i32 / 2, 110), text_style(16).pos(Pos::new(HPos::Center, VPos::Center))))?;
        return Ok(());
    }
    let (low, high) = bars.range;
    // Caption, then a strip for the legend, then the plot: the legend never covers a bar
    // or the caption.
    let titled = root.titled(&caption(&bars.title, &bars.subject), text_style(18))?;
    let (legend_area, plot_area) = titled.split_vertically(30);
    let mut chart = ChartBuilder::on(&plot_area)
        .margin(12)
        .margin_top(4)
        .margin_right(60)
        .x_label_area_size(44)
        .y_label_area_size(BAR_LABEL_WIDTH)
        .build_cartesian_2d(low..high, 0f64..rows as f64)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(GRID)
        .max_light_lines(1)
        .bold_line_style(GRID)
        .x_labels(8)
        .y_labels(0)
        .x_desc(bars.value_desc.as_str())
        .axis_desc_style(text_style(13))
        .label_style(text_style(12))
        .draw()?;
    // Row 0 at the top: its band is [rows − 1, rows).
    let band = |index: usize| (rows - 1 - index) as f64;
    let right = Pos::new(HPos::Right, VPos::Center);
    let left = Pos::new(HPos::Left, VPos::Center);
    for (index, bar) in bars.rows.iter().enumerate() {
        let base = band(index);
        let (label_x, label_y) = chart.backend_coord(&(low, base + 0.5));
        root.draw(&Text::new(bar.label.clone(), (label_x - 8, label_y), text_style(12).pos(right)))?;
        if let Some(reference) = bar.reference {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(low, base + 0.12), (reference.min(high), base + 0.34)],
                REFERENCE.filled(),
            )))?;
        }
        match bar.value {
            Some(value) => {
                chart.draw_series(std::iter::once(Rectangle::new([(low, base + 0.38), (value.min(high), base + 0.88)], LINE.filled())))?;
                let (end_x, end_y) = chart.backend_coord(&(value.min(high), base + 0.63));
                root.draw(&Text::new(format!("{value:.*}", bars.decimals), (end_x + 4, end_y), text_style(11).pos(left)))?;
            }
            None => {
                let (start_x, start_y) = chart.backend_coord(&(low, base + 0.63));
                root.draw(&Text::new("no data", (start_x + 4, start_y), text_style(11).pos(left)))?;
            }
        }
    }
    if let Some((at, _)) = &bars.marker {
        chart.draw_series(std::iter::once(PathElement::new(vec![(*at, 0.0), (*at, rows as f64)], TEXT.stroke_width(1))))?;
    }
    // The legend, drawn by hand in its strip, starting where the plot starts.
    let mut x = 12 + BAR_LABEL_WIDTH as i32;
    let y = 15;
    let mut entry = |colour: RGBColor, label: &str, is_line: bool| -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        if is_line {
            legend_area.draw(&PathElement::new(vec![(x + 7, y - 7), (x + 7, y + 7)], TEXT.stroke_width(1)))?;
        } else {
            legend_area.draw(&Rectangle::new([(x, y - 6), (x + 14, y + 6)], colour.filled()))?;
        }
        let (width, _) = legend_area.estimate_text_size(label, &text_style(12))?;
        legend_area.draw(&Text::new(label.to_string(), (x + 20, y), text_style(12).pos(left)))?;
        x += 36 + width as i32;
        Ok(())
    };
    entry(LINE, &bars.value_label, false)?;
    if let Some(reference) = &bars.reference_label {
        entry(REFERENCE, reference, false)?;
    }
    if let Some((_, label)) = &bars.marker {
        entry(TEXT, label, true)?;
    }
    Ok(())
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
