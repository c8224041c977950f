//! The shareable report (`hearth report`) on a small community whose group and member
//! names carry HTML payloads: every section is there, nothing would be fetched, every
//! payload comes out as text, the PNGs are real PNGs, and the new charts match their SVG
//! snapshots.

use std::path::{Path, PathBuf};
use std::process::Command;

use hearth::api;
use hearth::model::{ActivityKind, Platform, DAY};
use hearth::report::html;
use hearth::store::{NewActivity, NewGroup, NewMember, Store};

use crate::support::hearth_bin;

const START: i64 = 1_750_032_000; // 2025-06-16, a Monday
const GROUP: &str = r#"Makers <b>&</b> "Friends""#;
const SCRIPT_NAME: &str = "<script>alert(1)</script>";
const IMAGE_NAME: &str = "<img src=x onerror=alert(2)>";

/// Twelve members over 150 days, written by rule: member k posts every (k % 4 + 1) days
/// from day 2k; members 3, 7 and 11 stop on day 130 + k and 1, 5 and 9 on day 70 + 2k;
/// every later post of a day replies to the day's first one and member 0 reacts to it.
/// Member 3 and member 7 are named with HTML payloads, and member 7 joins with an event
/// (so that newcomers' first minutes have one join).
fn write_community(store: &mut Store) {
    let mut tx = store.begin_import().unwrap();
    let group = tx
        .upsert_group(&NewGroup { platform: Platform::Slack, platform_id: "T-report", name: GROUP, is_archive: true, is_demo: false }, 0)
        .unwrap();
    let channel = tx.upsert_channel(group, "C1", "general").unwrap();
    let members: Vec<i64> = (0..12)
        .map(|k| {
            let name = match k {
                3 => SCRIPT_NAME.to_string(),
                7 => IMAGE_NAME.to_string(),
                _ => format!("Member {k}"),
            };
            tx.upsert_member(group, &NewMember { platform_id: &format!("U{k}"), display_name: &name, is_bot: false }).unwrap()
        })
        .collect();
    let mut write = |member: i64, id: &str, at: i64, kind: ActivityKind, parent: Option<&str>, text: Option<&str>| {
        tx.insert_activity(
            group,
            &NewActivity {
                channel_id: channel,
                member_id: member,
                platform_id: id,
                kind,
                at,
                parent_platform_id: parent,
                text,
                raw_kind: None,
            },
        )
        .unwrap();
    };
    write(members[7], "join-7", START + 14 * DAY + 3600 * 15 - 60, ActivityKind::Join, None, None);
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
            match &first {
                None => {
                    write(members[k as usize], &id, at, ActivityKind::Message, None, Some("What should we build next?"));
                    first = Some(id);
                }
                Some(root) => {
                    write(members[k as usize], &id, at, ActivityKind::Reply, Some(root), Some("<b>an idea</b>"));
                    if k != 0 {
                        write(members[0], &format!("{id}-r"), at + 600, ActivityKind::Reaction, Some(&id), Some("👍"));
                    }
                }
            }
        }
    }
    tx.finish().unwrap();
}

fn community_store() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    write_community(&mut store);
    store
}

/// Checks `actual` against `tests/fixtures/report/<name>`; `UPDATE_SNAPSHOTS=1` rewrites it.
fn check_snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report").join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} is missing; UPDATE_SNAPSHOTS=1 writes it", path.display()));
    assert!(expected == actual, "{name} differs from its snapshot {}; review, then UPDATE_SNAPSHOTS=1 to accept", path.display());
}

/// Every value of `attribute="…"` (or `'…'`) in `document`.
fn attribute_values<'a>(document: &'a str, attribute: &str) -> Vec<&'a str> {
    let mut values = Vec::new();
    for quote in ['"', '\''] {
        let needle = format!("{attribute}={quote}");
        let mut rest = document;
        while let Some(start) = rest.find(&needle) {
            let after = &rest[start + needle.len()..];
            let end = after.find(quote).unwrap_or(after.len());
            values.push(&after[..end]);
            rest = &after[end..];
        }
    }
    values
}

#[test]
fn report_has_every_section_loads_nothing_and_escapes_community_text() {
    let store = community_store();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.html");
    let summary = api::report::write_report(&store, GROUP, &out, None, Some("UTC"), START + 200 * DAY).unwrap();
    let document = std::fs::read_to_string(&out).unwrap();
    assert_eq!(summary.bytes, document.len() as u64);

    // Every section, with the group, its period and the as-of date.
    let health = api::health(&store, GROUP, None, 0).unwrap();
    for section in ["id=\"health\"", "id=\"trend\"", "id=\"heatmaps\"", "id=\"warnings\"", "id=\"backtest\"", "id=\"graph\""] {
        assert!(document.contains(section), "the report lacks the section {section}");
    }
    assert!(document.contains(&format!("as of <b>{}</b>", summary.as_of_date)));
    assert!(document.contains(&api::date_string(health.period_start)), "the period's first day is named");
    let score = health.score.expect("the community has data");
    assert!(document.contains(&format!("{score:.1}</span>")), "the score {score:.1} is shown");
    for metric in &health.metrics {
        assert!(document.contains(&metric.label), "the explanation lacks {}", metric.label);
    }
    let lever = health.biggest_lever.expect("a metric is below its target");
    assert!(document.contains(&format!("bringing {} to its target would add <b>{:.1}</b> points", lever.label, lever.gain)));
    for heading in
        ["Members per stage and week", "Cohort retention", "Weekday × hour", "Newcomers' first minutes", "Weekly stage transitions"]
    {
        assert!(document.contains(heading), "the heatmaps lack {heading}");
    }
    assert!(document.contains("climbing") || document.contains("stable") || document.contains("dropping"), "the transitions have verdicts");
    // Ten charts inline, each a plotters SVG; the six heatmaps each carry a colour scale.
    assert_eq!(document.matches("<svg").count(), summary.charts.len());
    assert_eq!(summary.charts.len(), 10);
    // "no data": the swatch of each heatmap's colour scale, and each metric bar without data.
    let metrics_without_data = health.metrics.iter().filter(|metric| metric.value.is_none()).count();
    assert_eq!(document.matches("\nno data\n</text>").count(), 6 + metrics_without_data, "a colour scale on every heatmap");
    // The churn warnings and the backtest table: every method with precision, recall,
    // AUC and top-10 % precision.
    let warnings = api::churn::warnings(&store, GROUP, hearth::analytics::warnings::Severity::Low, false, 0).unwrap();
    assert_eq!(summary.warnings, warnings.warnings.len() as u64);
    assert!(!warnings.warnings.is_empty());
    for item in &warnings.warnings {
        for reason in &item.warning.reasons {
            assert!(document.contains(reason.code.as_str()), "warning reason {} is listed", reason.code.as_str());
        }
    }
    assert!(document.contains("Suggested playbook"));
    let backtest = api::churn::backtest(&store, GROUP, None, None, 0).unwrap();
    for method in &backtest.methods {
        assert!(document.contains(&format!("<b>{}</b>", method.method)), "the backtest lacks {}", method.method);
    }
    for column in ["Precision", "Recall", "AUC", "Top-10 % precision"] {
        assert!(document.contains(&format!(">{column}</th>")));
    }
    assert!(document.contains("Top members by PageRank"));

    // Nothing that a browser would fetch: no address at all, no script, no external
    // stylesheet, font or image, and a policy that forbids loading anything.
    assert!(!document.contains("http://") && !document.contains("https://"), "the report names an address");
    assert!(!document.contains("<script") && !document.contains("<link") && !document.contains("<img") && !document.contains("<iframe"));
    assert!(!document.contains("@import") && !document.contains("url("));
    for attribute in ["src", "href", "xlink:href", "action", "srcset"] {
        for value in attribute_values(&document, &format!(" {attribute}")) {
            assert!(value.starts_with('#'), "{attribute}={value:?} would load something");
        }
    }
    assert!(document.contains("http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"));

    // Community text is text: the payloads of the group's and members' names are escaped
    // wherever they appear (headings, tables, chart labels).
    assert!(document.contains("Makers &lt;b&gt;&amp;&lt;/b&gt; &quot;Friends&quot;"));
    assert!(document.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "member 3 is listed, escaped");
    assert!(document.contains("&lt;img src=x onerror=alert(2)&gt;"), "member 7 is listed, escaped");
    assert!(!document.contains(SCRIPT_NAME) && !document.contains(IMAGE_NAME) && !document.contains("<b>&</b>"));
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    let distinct: std::collections::BTreeSet<&[u8]> = pixels.chunks(3).collect();
    assert!(distinct.len() > 20, "a chart has more than a handful of colours: {}", distinct.len());
    (frame.width, frame.height)
}

#[test]
fn the_cli_writes_the_report_and_every_chart_as_png() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.sqlite");
    let mut store = Store::open(&db).unwrap();
    write_community(&mut store);
    drop(store);
    let out = dir.path().join("report.html");
    let png_dir: PathBuf = dir.path().join("charts");
    let output = Command::new(hearth_bin())
        .arg("--db")
        .arg(&db)
        .args(["report", GROUP, "--out"])
        .arg(&out)
        .arg("--png")
        .arg(&png_dir)
        .arg("--json")
        .env_remove("HEARTH_DB")
        .output()
        .unwrap();
    assert!(output.status.success(), "hearth report failed: {}", String::from_utf8_lossy(&output.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(out.is_file());
    let charts = summary["charts"].as_array().unwrap();
    assert_eq!(charts.len(), 10);
    for chart in charts {
        let path = PathBuf::from(chart["png"].as_str().unwrap());
        assert_eq!(path.parent().unwrap(), png_dir);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{} is a PNG", path.display());
        assert_eq!(chart["png_bytes"].as_u64().unwrap(), bytes.len() as u64);
        assert!((5_000..3_000_000).contains(&bytes.len()), "{}: {} bytes", path.display(), bytes.len());
        let (width, height) = png_size(&bytes);
        assert_eq!(width, 960, "{}", path.display());
        assert!((200..=1000).contains(&height), "{}: {height} pixels high", path.display());
    }
    // The same report without --png writes no folder.
    let again = dir.path().join("again.html");
    let plain = Command::new(hearth_bin())
        .arg("--db")
        .arg(&db)
        .args(["report", GROUP, "--out"])
        .arg(&again)
        .env_remove("HEARTH_DB")
        .output()
        .unwrap();
    assert!(plain.status.success());
    assert!(String::from_utf8_lossy(&plain.stdout).contains("Wrote the report"));
}

#[test]
fn report_charts_match_their_svg_snapshots() {
    let store = community_store();
    let data = api::report::report_data(&store, GROUP, Some("UTC"), START + 200 * DAY).unwrap();
    let figures = html::figures(&data);
    let svg = |name: &str| figures.iter().find(|figure| figure.name == name).unwrap().figure.svg();
    let pagerank = svg("graph-pagerank");
    assert!(pagerank.contains("&lt;script&gt;") || pagerank.contains("&lt;img"), "names in chart labels are escaped by plotters");
    check_snapshot("health-contributions.svg", &svg("health-contributions"));
    check_snapshot("backtest-auc.svg", &svg("backtest-auc"));
    check_snapshot("graph-pagerank.svg", &pagerank);
    check_snapshot("heatmap-cohorts.svg", &svg("heatmap-cohorts"));
    // Rendering the same data twice gives the same document, byte for byte.
    assert_eq!(api::report::render_report(&data), api::report::render_report(&data));
}
