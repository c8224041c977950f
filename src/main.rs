//! The `hearth` command line: argument parsing and printing only. Every piece of work is
//! one call into `hearth::api`, the same calls the desktop app makes.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use hearth::analytics::health::{HealthReport, MetricExplanation, Unit};
use hearth::analytics::warnings::Severity;
use hearth::api::churn::MemberSort;
use hearth::api::review::{Decision, FlagStatus};
use hearth::api::{self, archive};
use hearth::model::{ActivityKind, MemberState, Progress, ProgressUnit, Stage};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Parser)]
#[command(name = "hearth", version, about = "Community health analytics from a local store")]
struct Cli {
    /// The store (SQLite file). Default: the platform's data directory, shared with the app.
    #[arg(long, global = true, env = "HEARTH_DB", value_name = "PATH")]
    db: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the demo community in the store (replaces an earlier demo).
    Demo {
        #[arg(long, default_value_t = api::DEFAULT_DEMO_SEED)]
        seed: u64,
        /// Times the standard population: 6 makes about a million messages (for measuring).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=50))]
        scale: u32,
        #[arg(long)]
        json: bool,
    },
    /// Import an export: Telegram Desktop JSON, a Slack workspace export, DiscordChatExporter
    /// JSON or CSV, a WhatsApp chat, an mbox mailing-list archive, or a git repository (the
    /// format is detected).
    Import {
        /// One export or several (files or folders): several make one import, which lands
        /// whole or not at all.
        #[arg(required = true, num_args = 1.., value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// The archive's format, when detection guesses wrong.
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(hearth::import::FORMATS))]
        format: Option<String>,
        /// WhatsApp: the phone's date order, when the chat's dates cannot tell.
        #[arg(long, value_enum)]
        date_order: Option<DateOrderArg>,
        /// The time zone of local times an export writes without an offset (older Telegram
        /// exports, WhatsApp chats, old DiscordChatExporter CSV), as an IANA name like
        /// Europe/Berlin. Default: this computer's zone.
        #[arg(long, value_name = "ZONE", value_parser = parse_timezone)]
        timezone: Option<chrono_tz::Tz>,
        #[arg(long)]
        json: bool,
    },
    /// List the groups in the store.
    Groups {
        #[arg(long)]
        json: bool,
    },
    /// A group's health score and the metrics behind it.
    Health {
        /// The group's id or name.
        group: String,
        /// Score the 7 days ending with this date (YYYY-MM-DD, UTC). Default: the last day
        /// with activity for archives, today for live groups.
        #[arg(long, value_name = "DATE")]
        as_of: Option<NaiveDate>,
        /// Thresholds from P25/P75 of the group's own daily history (`own`) or of every
        /// group in the store (`all`) instead of the fixed targets. Default: the setting.
        #[arg(long, value_enum)]
        calibrate: Option<CalibrateArg>,
        #[arg(long)]
        json: bool,
    },
    /// The health score of every day (each the trailing period ending that day).
    Trend {
        group: String,
        /// First day shown (YYYY-MM-DD). Default: the first day with activity.
        #[arg(long, value_name = "DATE")]
        from: Option<NaiveDate>,
        /// Last day shown. Default: the last day with activity (archives) or today.
        #[arg(long, value_name = "DATE")]
        to: Option<NaiveDate>,
        /// Also write the chart to this SVG file.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// A group's members with their lifecycle stage and state.
    Members {
        group: String,
        #[arg(long, value_parser = parse_stage)]
        stage: Option<Stage>,
        #[arg(long, value_parser = parse_state)]
        state: Option<MemberState>,
        /// Rank by churn risk, activity (90 days) or interaction PageRank.
        #[arg(long, value_parser = parse_sort)]
        sort: Option<MemberSort>,
        #[arg(long)]
        json: bool,
    },
    /// A channel's messages in order, as the archive browser shows them. Without --channel,
    /// lists the group's channels.
    Messages {
        group: String,
        /// The channel's id or name.
        #[arg(long)]
        channel: Option<String>,
        /// Open at the first message of this date (YYYY-MM-DD, UTC). Default: the newest.
        #[arg(long, value_name = "DATE", conflicts_with = "from_start")]
        at: Option<NaiveDate>,
        /// Open at the oldest message.
        #[arg(long)]
        from_start: bool,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Full-text search over a group's messages, newest first.
    Search {
        group: String,
        /// Words to find (all of them; the last one may be the start of a word). Chinese or
        /// Japanese text is found anywhere in a message.
        query: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// One member: stage and state, why (the rule and its numbers), the stage history, and the
    /// churn risk with its reasons, warning and interaction neighbours.
    Member {
        group: String,
        /// The member's id, platform id or display name.
        member: String,
        #[arg(long)]
        json: bool,
    },
    /// A heatmap: stages per week, cohort retention, weekday × hour, newcomers' first
    /// minutes, or the weekly stage transitions with a verdict per stage.
    Heatmap {
        group: String,
        #[arg(value_parser = ["stages", "cohorts", "hours", "first-minutes", "transitions"])]
        kind: String,
        /// IANA timezone of the hours heatmap (default: the group's setting, else this computer's).
        #[arg(long, value_name = "TZ")]
        timezone: Option<String>,
        /// Also write the chart(s) to this SVG file (a second chart gets "-2" before the extension).
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// A group's analytics settings: show them, set one key, or reset to the defaults.
    Settings {
        group: String,
        #[command(subcommand)]
        action: Option<SettingsAction>,
        #[arg(long, global = true)]
        json: bool,
    },
    /// Churn warnings with reasons, evidence and the playbook that fits.
    Warnings {
        group: String,
        #[arg(long, value_parser = parse_severity, default_value = "low")]
        min_severity: Severity,
        /// Also list warnings a reviewer snoozed or marked handled.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Run flag detection and list the review queue.
    Flags {
        group: String,
        #[arg(long, value_parser = parse_status)]
        status: Option<FlagStatus>,
        #[arg(long)]
        json: bool,
    },
    /// Decide a flag: action, dismiss or escalate (with --note), or undo the last decision.
    Review {
        group: String,
        flag: i64,
        #[arg(value_parser = ["action", "dismiss", "escalate", "undo"])]
        decision: String,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Backtest the churn warnings and risk score against the group's own history.
    Backtest {
        group: String,
        /// How far ahead churn is judged: 30d, 6w.
        #[arg(long, value_parser = parse_days, default_value = "30d")]
        horizon: u32,
        /// Distance between cut-offs: 4w, 28d.
        #[arg(long, value_parser = parse_days, default_value = "4w")]
        every: u32,
        #[arg(long)]
        json: bool,
    },
    /// Write a self-contained HTML report (it loads nothing from anywhere): the score and
    /// its explanation, the trend, every heatmap, the churn warnings, the backtest and the
    /// interaction graph, with the charts inline.
    Report {
        group: String,
        /// The HTML file to write.
        #[arg(long, value_name = "FILE.html")]
        out: PathBuf,
        /// Also write every chart as a PNG into this folder (created when missing).
        #[arg(long, value_name = "DIR")]
        png: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum SettingsAction {
    /// Show every setting, or one key or section.
    Get { key: Option<String> },
    /// Set one key, e.g. `health.metrics.retention7d.weight 0.2` or `heatmaps.timezone Europe/Berlin`.
    Set { key: String, value: String },
    /// Back to the defaults: one section (health, stages, heatmaps) or all.
    Reset { section: Option<String> },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum CalibrateArg {
    Own,
    All,
}

fn parse_sort(text: &str) -> Result<MemberSort, String> {
    MemberSort::parse(&text.to_ascii_lowercase()).ok_or_else(|| format!("unknown sort {text:?}; use risk, activity or pagerank"))
}

fn parse_severity(text: &str) -> Result<Severity, String> {
    Severity::parse(&text.to_ascii_lowercase()).ok_or_else(|| format!("unknown severity {text:?}; use low, medium or high"))
}

fn parse_status(text: &str) -> Result<FlagStatus, String> {
    FlagStatus::parse(&text.to_ascii_lowercase())
        .ok_or_else(|| format!("unknown status {text:?}; use open, dismissed, actioned or escalated"))
}

/// "30d" or "4w" (a bare number is days).
fn parse_days(text: &str) -> Result<u32, String> {
    let text = text.trim().to_ascii_lowercase();
    let (number, factor) = match text.strip_suffix('w') {
        Some(weeks) => (weeks, 7),
        None => (text.strip_suffix('d').unwrap_or(&text), 1),
    };
    match number.parse::<u32>() {
        Ok(value) if value > 0 => Ok(value * factor),
        _ => Err(format!("{text:?} is not a duration; write days or weeks like 30d or 4w")),
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum DateOrderArg {
    /// 31/12/2020
    DayFirst,
    /// 12/31/20
    MonthFirst,
}

fn parse_timezone(text: &str) -> Result<chrono_tz::Tz, String> {
    api::parse_timezone(text).map_err(|error| error.message)
}

/// This computer's time zone: `TZ`, else the system's setting; UTC when neither names one.
fn computer_timezone() -> chrono_tz::Tz {
    let variable = std::env::var("TZ").ok();
    let system = iana_time_zone::get_timezone().ok();
    api::computer_timezone(variable.as_deref(), system.as_deref()).unwrap_or(chrono_tz::Tz::UTC)
}

fn parse_state(text: &str) -> Result<MemberState, String> {
    MemberState::ALL
        .into_iter()
        .find(|state| state.as_str() == text.to_ascii_lowercase())
        .ok_or_else(|| format!("unknown state {text:?}; use one of active, silent, churned"))
}

fn parse_stage(text: &str) -> Result<Stage, String> {
    Stage::parse(&text.to_ascii_lowercase())
        .ok_or_else(|| format!("unknown stage {text:?}; use one of observer, newcomer, participant, contributor, core"))
}

fn main() -> ExitCode {
    // SAFETY: first thing in `main`: no other thread exists yet, and no store is open.
    unsafe { hearth::api::configure_sqlite_for_process() };
    hearth::api::configure_allocator_for_process();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("hearth: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `println!` that ends the program quietly when the reader went away
/// (`hearth members 1 | head`), as command-line tools do, instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(error) = writeln!(std::io::stdout(), $($arg)*) {
            if error.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            panic!("cannot write to standard output: {error}");
        }
    }};
}

// After `out!`, which it uses.
mod print;

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs() as i64)
}

fn store_path(cli_db: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    match cli_db {
        Some(path) => Ok(path),
        None => {
            let dir = api::platform_data_dir()
                .ok_or_else(|| anyhow::anyhow!("cannot find a data directory (is HOME set?); pass --db PATH or set HEARTH_DB"))?;
            Ok(api::default_store_path(&dir))
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let path = store_path(cli.db)?;
    // A store written by an older Hearth is migrated first; one that rewrites every message
    // shows its progress.
    let mut store = with_progress(|progress| api::open_store_reporting(&path, progress))?;
    match cli.command {
        Command::Demo { seed, scale, json } => {
            let summary = with_progress(|progress| api::create_scaled_demo(&mut store, seed, scale, now(), progress))?;
            if json {
                print_json(&summary)?;
            } else {
                out!(
                    "Created the demo community \"{}\" (group {}): {} members, {} messages, {} reactions in {} channels over {} months.",
                    summary.group.name,
                    summary.group.id.0,
                    summary.members,
                    summary.messages,
                    summary.reactions,
                    summary.channels,
                    summary.months
                );
                out!("Store: {}", path.display());
            }
        }
        Command::Import { paths, format, date_order, timezone, json } => {
            let options = hearth::import::ImportOptions {
                date_order: date_order.map(|order| match order {
                    DateOrderArg::DayFirst => hearth::import::whatsapp::DateOrder::DayFirst,
                    DateOrderArg::MonthFirst => hearth::import::whatsapp::DateOrder::MonthFirst,
                }),
                timezone: Some(timezone.unwrap_or_else(computer_timezone)),
                ..Default::default()
            };
            let summary = with_progress(|progress| api::import_paths(&mut store, &paths, format.as_deref(), &options, now(), progress))?;
            // The store is ready for the dashboard and for search: say so now, then build
            // the indexes a large import leaves for after its commit, before exiting.
            if json {
                print_json(&summary)?;
            } else {
                print_import(&summary, &paths);
            }
            with_progress(|progress| api::build_missing_indexes(&mut store, progress))?;
        }
        Command::Groups { json } => {
            let groups = api::groups(&store)?;
            if json {
                print_json(&groups)?;
            } else if groups.is_empty() {
                out!("The store {} has no groups yet. Try `hearth demo` or `hearth import PATH`.", path.display());
            } else {
                out!("{:>4}  {:<10} {:<32} {:>8} {:>9}  kind", "id", "platform", "name", "members", "messages");
                for summary in groups {
                    let group = &summary.group;
                    let kind = if group.is_demo {
                        "demo"
                    } else if group.is_archive {
                        "archive"
                    } else {
                        "live"
                    };
                    out!(
                        "{:>4}  {:<10} {:<32} {:>8} {:>9}  {kind}",
                        group.id.0,
                        group.platform.as_str(),
                        truncate(&group.name, 32),
                        summary.members,
                        summary.messages
                    );
                }
            }
        }
        Command::Health { group, as_of, calibrate, json } => {
            let source = calibrate.map(|source| match source {
                CalibrateArg::Own => hearth::analytics::health::ThresholdSource::CalibratedOwn,
                CalibrateArg::All => hearth::analytics::health::ThresholdSource::CalibratedAll,
            });
            let report = api::health_calibrated(&store, &group, as_of, source, now())?;
            if json {
                print_json(&report)?;
            } else {
                print_health(&report);
            }
        }
        Command::Trend { group, from, to, svg, json } => {
            let trend = api::trend(&store, &group, from, to, now())?;
            if let Some(path) = svg {
                write_svg(&path, &trend.chart_svg)?;
            }
            if json {
                print_json(&trend)?;
            } else {
                print_trend(&trend);
            }
        }
        Command::Member { group, member, json } => {
            let detail = api::member(&store, &group, &member, now())?;
            let risk = api::churn::member_detail(&store, &group, &member, now())?;
            if json {
                print_json(&serde_json::json!({ "stage": detail, "churn": risk }))?;
            } else {
                print_member(&detail);
                print_member_risk(&risk);
            }
        }
        Command::Heatmap { group, kind, timezone, svg, json } => {
            let kind: api::HeatmapKind = kind.parse()?;
            let computer_timezone = iana_time_zone::get_timezone().ok();
            let view = api::heatmap(&store, &group, kind, timezone.as_deref(), computer_timezone.as_deref(), now())?;
            if let Some(path) = svg {
                for (number, chart) in view.charts.iter().enumerate() {
                    write_svg(&numbered(&path, number), &chart.svg)?;
                }
            }
            if json {
                print_json(&view)?;
            } else {
                print_heatmap(&view);
            }
        }
        Command::Settings { group, action, json } => {
            let view = match &action {
                None | Some(SettingsAction::Get { .. }) => api::settings(&store, &group)?,
                Some(SettingsAction::Set { key, value }) => api::set_setting(&mut store, &group, key, value, now())?,
                Some(SettingsAction::Reset { section }) => api::reset_settings(&mut store, &group, section.as_deref())?,
            };
            let only = match &action {
                Some(SettingsAction::Get { key: Some(key) }) => Some(key.as_str()),
                Some(SettingsAction::Set { key, .. }) => Some(key.as_str()),
                _ => None,
            };
            if let Some(key) = only {
                let value = view.settings.get(key)?;
                if json {
                    print_json(&value)?;
                } else {
                    out!("{key} = {value}");
                }
            } else if json {
                print_json(&view)?;
            } else {
                print_settings(&view);
            }
        }
        Command::Members { group, stage, state, sort: Some(sort), json } => {
            let members = api::churn::member_risks(&store, &group, stage, state, sort, now())?;
            if json {
                print_json(&members)?;
            } else {
                out!(
                    "{:>6}  {:<28} {:<12} {:<8} {:>5} {:>8} {:>7} {:>7}",
                    "id",
                    "member",
                    "stage",
                    "state",
                    "risk",
                    "pagerank",
                    "acts/90",
                    "silent"
                );
                for member in &members {
                    let silence = member.silence_days.map_or_else(|| "–".to_string(), |days| format!("{days:.0} d"));
                    out!(
                        "{:>6}  {:<28} {:<12} {:<8} {:>5.2} {:>8.2} {:>7} {:>7}",
                        member.id,
                        truncate(&member.display_name, 28),
                        member.stage.as_str(),
                        member.state.as_str(),
                        member.risk,
                        member.pagerank,
                        member.activities_90,
                        silence
                    );
                }
                out!("{} members", members.len());
            }
        }
        Command::Members { group, stage, state, sort: None, json } => {
            let members = api::members_filtered(&store, &group, stage, state, now())?;
            if json {
                print_json(&members)?;
            } else {
                out!("{:<28} {:<12} {:<8} {:>6} {:>8} {:>6}", "member", "stage", "state", "posts", "days/28", "resp/28");
                for member in &members {
                    out!(
                        "{:<28} {:<12} {:<8} {:>6} {:>8} {:>6}",
                        truncate(&member.display_name, 28),
                        member.stage.as_str(),
                        member.state.as_str(),
                        member.posts_total,
                        member.active_days_28,
                        member.responses_given_28
                    );
                }
                out!("{} members", members.len());
            }
        }
        Command::Messages { group, channel, at, from_start, limit, json } => {
            let group = api::find_group(&store, &group)?;
            let channels = archive::archive_channels(&store, group.id)?;
            let Some(channel) = channel else {
                if json {
                    print_json(&channels)?;
                } else {
                    out!("{:>8} {:<32} {:>9}  first – last", "id", "channel", "messages");
                    for channel in &channels {
                        let span = match (channel.first_at, channel.last_at) {
                            (Some(first), Some(last)) => format!("{} – {}", api::date_string(first), api::date_string(last)),
                            _ => "no messages".to_string(),
                        };
                        out!("{:>8} {:<32} {:>9}  {span}", channel.id, truncate(&channel.name, 32), channel.messages);
                    }
                }
                return Ok(());
            };
            let found = channels
                .iter()
                .find(|candidate| candidate.id.to_string() == channel || candidate.name.eq_ignore_ascii_case(&channel))
                .ok_or_else(|| {
                    let names: Vec<&str> = channels.iter().map(|candidate| candidate.name.as_str()).collect();
                    anyhow::anyhow!("group {} has no channel {channel:?}; its channels are: {}", group.name, names.join(", "))
                })?;
            let anchor = match (at, from_start) {
                (Some(date), _) => archive::Anchor::At(archive::start_of_date(date)),
                (None, true) => archive::Anchor::Start,
                (None, false) => archive::Anchor::End,
            };
            let page = archive::archive_page(&store, group.id, found.id, anchor, limit)?;
            if json {
                print_json(&page)?;
            } else {
                for line in &page.messages {
                    out!("{}", archive_line(line, page.focus == Some(line.id)));
                }
            }
        }
        Command::Search { group, query, limit, json } => {
            let group = api::find_group(&store, &group)?;
            let results = archive::search(&store, group.id, &query, limit)?;
            if json {
                print_json(&results)?;
            } else {
                for hit in &results.hits {
                    let snippet: String =
                        hit.snippet.iter().map(|part| if part.hit { format!("[{}]", part.text) } else { part.text.clone() }).collect();
                    out!("{}  #{}  {}: {}", datetime_string(hit.message.at), hit.channel_name, hit.message.author_name, one_line(&snippet));
                }
                let more = if results.truncated { " (more matched; raise --limit)" } else { "" };
                out!("{} messages{more}", results.hits.len());
            }
        }
        Command::Warnings { group, min_severity, all, json } => {
            let list = api::churn::warnings(&store, &group, min_severity, all, now())?;
            if json {
                print_json(&list)?;
            } else {
                print_warnings(&list);
            }
        }
        Command::Flags { group, status, json } => {
            let list = api::review::flags(&mut store, &group, status, now())?;
            if json {
                print_json(&list)?;
            } else {
                print_flags(&list);
            }
        }
        Command::Review { group, flag, decision, note, json } => {
            let view = match Decision::parse(&decision) {
                Some(decision) => api::review::review(&mut store, &group, flag, decision, note.as_deref(), now())?,
                None => api::review::undo_review(&mut store, &group, flag, now())?,
            };
            if json {
                print_json(&view)?;
            } else {
                out!("Flag {} ({}) is now {}.", view.id, view.code, view.status.as_str());
            }
        }
        Command::Backtest { group, horizon, every, json } => {
            let report = api::churn::backtest(&store, &group, Some(horizon), Some(every), now())?;
            if json {
                print_json(&report)?;
            } else {
                print_backtest(&report);
            }
        }
        Command::Report { group, out, png, json } => {
            let computer_timezone = iana_time_zone::get_timezone().ok();
            let summary = api::report::write_report(&store, &group, &out, png.as_deref(), computer_timezone.as_deref(), now())?;
            if json {
                print_json(&summary)?;
            } else {
                out!(
                    "Wrote the report of \"{}\" as of {} to {} ({} KiB, {} charts).",
                    summary.group.name,
                    summary.as_of_date,
                    summary.out.display(),
                    summary.bytes.div_ceil(1024),
                    summary.charts.len()
                );
                let pngs: Vec<String> =
                    summary.charts.iter().filter_map(|chart| chart.png.as_ref()).map(|path| path.display().to_string()).collect();
                if !pngs.is_empty() {
                    out!("Charts as PNG: {}", pngs.join(", "));
                }
            }
        }
    }
    Ok(())
}

/// One archive line for the terminal: time, author, text on one line.
fn archive_line(line: &archive::ArchiveMessage, focus: bool) -> String {
    let marker = if focus { ">" } else { " " };
    let when = datetime_string(line.at);
    match line.kind {
        ActivityKind::Join => format!("{marker} {when}  -- {} joined", line.author_name),
        ActivityKind::Leave => format!("{marker} {when}  -- {} left", line.author_name),
        _ => {
            let reply = line.parent.as_ref().map_or(String::new(), |parent| format!("(to {}) ", parent.author_name));
            let text = line.text.as_deref().map_or_else(|| format!("[{}]", line.raw_kind.as_deref().unwrap_or("no text")), one_line);
            format!("{marker} {when}  {}: {reply}{text}", line.author_name)
        }
    }
}

/// A Unix instant as "2026-10-31 14:05" (UTC).
fn datetime_string(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0).map_or_else(|| at.to_string(), |time| time.format("%Y-%m-%d %H:%M").to_string())
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn print_member_risk(detail: &api::churn::MemberDetail) {
    let member = &detail.member;
    out!("{} (id {}, {})", member.display_name, member.id, detail.platform_id);
    out!("  stage {}, state {}", member.stage.as_str(), member.state.as_str());
    out!(
        "  risk {:.2}; PageRank {:.2} (before {:.2}), weighted degree {:.2} (before {:.2})",
        member.risk,
        member.pagerank,
        detail.pagerank_before,
        member.weighted_degree,
        detail.weighted_degree_before
    );
    out!("  why (log-odds, intercept {:.2}):", detail.explanation.intercept);
    for term in &detail.explanation.terms {
        out!("    {:<18} value {:>6.2} × {:>4.2} = {:>+6.2}", term.feature, term.value, term.coefficient, term.contribution);
    }
    if let Some(warning) = &detail.warning {
        let codes: Vec<&str> = warning.reasons.iter().map(|reason| reason.code.as_str()).collect();
        out!("  warning: {} ({}), playbook {:?}", warning.severity.as_str(), codes.join(", "), warning.playbook);
    }
    out!("  neighbours (last 30 days):");
    for neighbour in detail.neighbours.iter().take(10) {
        out!(
            "    {:<28} out {:.2}  in {:.2}  messages {}/{}  shared threads {}",
            truncate(&neighbour.display_name, 28),
            neighbour.weight_out,
            neighbour.weight_in,
            neighbour.messages_out,
            neighbour.messages_in,
            neighbour.shared_threads
        );
    }
    if detail.neighbours.len() > 10 {
        out!("    … and {} more", detail.neighbours.len() - 10);
    }
}

fn print_warnings(list: &api::churn::WarningList) {
    out!("Churn warnings on {}:", list.as_of_date);
    out!("{:>6}  {:<26} {:<7} {:<3} {:>5}  {:<20} reasons", "id", "member", "sev", "lvl", "risk", "playbook");
    for item in &list.warnings {
        let warning = &item.warning;
        let codes: Vec<&str> = warning.reasons.iter().map(|reason| reason.code.as_str()).collect();
        let level = warning.level.map_or_else(String::new, |level| format!("L{level}"));
        let playbook = serde_json::to_value(warning.playbook).ok().and_then(|value| value.as_str().map(str::to_string)).unwrap_or_default();
        out!(
            "{:>6}  {:<26} {:<7} {:<3} {:>5.2}  {:<20} {}",
            warning.member_id,
            truncate(&item.display_name, 26),
            warning.severity.as_str(),
            level,
            item.risk,
            playbook,
            codes.join(", ")
        );
    }
    out!(
        "{} warnings{}",
        list.warnings.len(),
        if list.hidden > 0 { format!(" ({} snoozed or handled, --all shows them)", list.hidden) } else { String::new() }
    );
}

fn print_flags(list: &api::review::FlagList) {
    out!("Detection: {} new, {} refreshed, {} unchanged.", list.detection.added, list.detection.refreshed, list.detection.unchanged);
    out!("{:>6}  {:<16} {:<10} {:<26} {:>9}  evidence", "flag", "code", "status", "member", "messages");
    for flag in &list.flags {
        let numbers: Vec<String> = flag.evidence.numbers.iter().map(|number| format!("{}={}", number.name, number.value)).collect();
        out!(
            "{:>6}  {:<16} {:<10} {:<26} {:>9}  {} (from {})",
            flag.id,
            flag.code,
            flag.status.as_str(),
            truncate(&flag.display_name, 26),
            flag.evidence.message_ids.len(),
            numbers.join(" "),
            api::date_string(flag.evidence.first_at)
        );
    }
    out!("{} flags", list.flags.len());
}

fn print_backtest(report: &hearth::analytics::backtest::BacktestReport) {
    out!(
        "Backtest: {} cut-offs every {} days, horizon {} days; {} member-cut-offs, {} churned.",
        report.cutoffs.len(),
        report.every_days,
        report.horizon_days,
        report.examples,
        report.churned
    );
    if report.too_short {
        out!("The history is too short for the minimum number of cut-offs: read the numbers with care.");
    }
    let show = |value: Option<f64>| value.map_or_else(|| "–".to_string(), |value| format!("{value:.3}"));
    out!("{:<32} {:>8} {:>9} {:>7} {:>7} {:>7}", "method", "flagged", "precision", "recall", "AUC", "top10%");
    for method in &report.methods {
        out!(
            "{:<32} {:>8} {:>9} {:>7} {:>7} {:>7}",
            method.method,
            method.flagged,
            show(method.precision),
            show(method.recall),
            show(method.auc),
            show(method.top_precision)
        );
    }
    if let Some(truth) = &report.truth {
        out!(
            "Ground truth: label agrees on {:.1} % of {} member-cut-offs ({} truly churned); AUC against the truth: risk {}, days since last activity {}.",
            truth.label_agreement * 100.0,
            truth.examples,
            truth.truly_churned,
            show(truth.risk_auc),
            show(truth.days_since_auc)
        );
    }
}

/// Runs long work with a progress bar on a terminal (nothing when stderr is redirected):
/// bytes and their rate for file imports, items otherwise, the items read and their rate in
/// the message, and the time left only when a total is known (never a guess without one).
fn with_progress<T>(work: impl FnOnce(&mut dyn FnMut(&Progress)) -> api::Result<T>) -> api::Result<T> {
    let bar = if std::io::stderr().is_terminal() { ProgressBar::new(0) } else { ProgressBar::hidden() };
    let mut shape: Option<(ProgressUnit, bool)> = None;
    let mut report = |progress: &Progress| {
        let this_shape = (progress.unit, progress.total.is_some());
        if shape != Some(this_shape) {
            bar.set_style(progress_style(this_shape.0, this_shape.1));
            shape = Some(this_shape);
        }
        match progress.total {
            Some(total) => bar.set_length(total),
            None => bar.unset_length(),
        }
        bar.set_position(progress.done);
        let seconds = bar.elapsed().as_secs_f64();
        let rate = if seconds > 0.5 { format!(" ({:.0}/s)", progress.items as f64 / seconds) } else { String::new() };
        bar.set_message(format!("{}: {} items{rate}", progress.step, progress.items));
    };
    let result = work(&mut report);
    bar.finish_and_clear();
    result
}

fn progress_style(unit: ProgressUnit, total_known: bool) -> ProgressStyle {
    let template = match (unit, total_known) {
        (ProgressUnit::Bytes, true) => {
            "{msg}\n[{bar:32}] {percent:>3}%  {binary_bytes}/{binary_total_bytes} at {binary_bytes_per_sec}, about {eta} left"
        }
        (ProgressUnit::Files, true) => "{msg}\n[{bar:32}] {percent:>3}%  {human_pos}/{human_len} files at {per_sec}, about {eta} left",
        (ProgressUnit::Items, true) => "{msg}\n[{bar:32}] {percent:>3}%  {human_pos}/{human_len} at {per_sec}, about {eta} left",
        // Without a total there is no honest time left: show what was done and how fast.
        (ProgressUnit::Bytes, false) => "{spinner} {msg}  {binary_bytes} at {binary_bytes_per_sec}",
        (_, false) => "{spinner} {msg}  {human_pos} at {per_sec}",
    };
    ProgressStyle::with_template(template).expect("the templates are valid").progress_chars("=> ")
}

fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    out!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut short: String = text.chars().take(width - 1).collect();
        short.push('…');
        short
    }
}

fn print_import(summary: &api::ImportSummary, paths: &[PathBuf]) {
    let shown: Vec<String> = paths.iter().map(|path| path.display().to_string()).collect();
    out!("Imported {} ({}):", shown.join(", "), summary.format);
    for group in &summary.groups {
        out!("  group {} \"{}\"", group.id.0, group.name);
    }
    out!(
        "  {} channels, {} members, {} messages, {} reactions, {} joins, {} leaves new; {} already stored, {} updated",
        summary.channels,
        summary.members,
        summary.messages,
        summary.reactions,
        summary.joins,
        summary.leaves,
        summary.duplicates,
        summary.updated
    );
    for skipped in &summary.skipped {
        out!("  skipped {}: {}", skipped.count, skipped.reason);
    }
    if let Some(zone) = &summary.timezone_assumed {
        out!("  local times without an offset were read as {zone} time (give --timezone ZONE for an export made in another zone)");
    }
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

use print::{numbered, print_heatmap, print_member, print_settings, print_trend, write_svg};

fn print_health(report: &HealthReport) {
    let period = format!("{} – {}", api::date_string(report.period_start), api::date_string(report.as_of - 1));
    match report.score {
        Some(score) => out!("Health score {score:.1} / 100   ({period})"),
        None => out!("No health score: no metric had data in {period}"),
    }
    out!();
    out!("{:<28} {:>10} {:>10} {:>6} {:>7} {:>7}  met", "metric", "value", "target", "norm", "weight", "points");
    for metric in &report.metrics {
        let value = metric.value.map_or_else(|| "no data".to_string(), |value| format_value(metric, value));
        let normalised = metric.normalised.map_or_else(|| "–".to_string(), |normalised| format!("{normalised:.2}"));
        let met = match metric.met {
            Some(true) => "yes",
            Some(false) => "no",
            None => "–",
        };
        out!(
            "{:<28} {:>10} {:>10} {:>6} {:>7.3} {:>7.1}  {met}",
            metric.label,
            value,
            format_value(metric, metric.high),
            normalised,
            metric.effective_weight,
            metric.contribution
        );
    }
    if !report.missing.is_empty() {
        let labels: Vec<&str> = report.metrics.iter().filter(|metric| metric.value.is_none()).map(|metric| metric.label.as_str()).collect();
        out!("\nLeft out for lack of data in the period (the other weights were rescaled): {}.", labels.join(", "));
    }
    print::print_thresholds(&report.thresholds);
    print::print_additional(&report.additional);
    if let Some(lever) = &report.biggest_lever {
        out!("Biggest lever: bringing {} to its target would add {:.1} points.", lever.label, lever.gain);
    }
}
