//! Charts drawn with plotters as SVG documents. A chart function takes the series the
//! analytics computed and returns the SVG text; it computes no metric itself.

use plotters::prelude::*;

use crate::analytics::activity::WeekActive;

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
