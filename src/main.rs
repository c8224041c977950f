//! The `hearth` command line: argument parsing and printing only. Every piece of work is
//! one call into `hearth::api`, the same calls the desktop app makes.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use hearth::analytics::health::{HealthReport, MetricExplanation, Unit};
use hearth::analytics::warnings::Severity;
use hearth::api;
use hearth::api::churn::MemberSort;
use hearth::api::review::{Decision, FlagStatus};
use hearth::model::{Progress, Stage};
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
        #[arg(long)]
        json: bool,
    },
    /// Import an export: Telegram Desktop JSON, a Slack workspace export, DiscordChatExporter
    /// JSON or CSV, a WhatsApp chat, an mbox mailing-list archive, or a git repository (the
    /// format is detected).
    Import {
        path: PathBuf,
        /// The archive's format, when detection guesses wrong.
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(hearth::import::FORMATS))]
        format: Option<String>,
        /// WhatsApp: the phone's date order, when the chat's dates cannot tell.
        #[arg(long, value_enum)]
        date_order: Option<DateOrderArg>,
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
        #[arg(long)]
        json: bool,
    },
    /// A group's members with their lifecycle stage and state.
    Members {
        group: String,
        #[arg(long, value_parser = parse_stage)]
        stage: Option<Stage>,
        /// Rank by churn risk, activity (90 days) or interaction PageRank.
        #[arg(long, value_parser = parse_sort)]
        sort: Option<MemberSort>,
        #[arg(long)]
        json: bool,
    },
    /// One member: stage, state, churn risk with its reasons, warning and neighbours.
    Member {
        group: String,
        /// The member's id, platform id or display name.
        member: String,
        #[arg(long)]
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

fn parse_stage(text: &str) -> Result<Stage, String> {
    Stage::parse(&text.to_ascii_lowercase())
        .ok_or_else(|| format!("unknown stage {text:?}; use one of observer, newcomer, participant, contributor, core"))
}

fn main() -> ExitCode {
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
    let mut store = api::open_store(&path)?;
    match cli.command {
        Command::Demo { seed, json } => {
            let summary = with_progress(|progress| api::create_demo(&mut store, seed, now(), progress))?;
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
        Command::Import { path: archive, format, date_order, json } => {
            let options = hearth::import::ImportOptions {
                date_order: date_order.map(|order| match order {
                    DateOrderArg::DayFirst => hearth::import::whatsapp::DateOrder::DayFirst,
                    DateOrderArg::MonthFirst => hearth::import::whatsapp::DateOrder::MonthFirst,
                }),
            };
            let summary = with_progress(|progress| api::import_with(&mut store, &archive, format.as_deref(), &options, now(), progress))?;
            if json {
                print_json(&summary)?;
            } else {
                print_import(&summary, &archive);
            }
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
        Command::Health { group, as_of, json } => {
            let report = api::health(&store, &group, as_of, now())?;
            if json {
                print_json(&report)?;
            } else {
                print_health(&report);
            }
        }
        Command::Members { group, stage, sort: Some(sort), json } => {
            let members = api::churn::member_risks(&store, &group, stage, None, sort, now())?;
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
        Command::Members { group, stage, sort: None, json } => {
            let members = api::members(&store, &group, stage, now())?;
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
        Command::Member { group, member, json } => {
            let detail = api::churn::member_detail(&store, &group, &member, now())?;
            if json {
                print_json(&detail)?;
            } else {
                print_member(&detail);
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
    }
    Ok(())
}

fn print_member(detail: &api::churn::MemberDetail) {
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

/// Runs long work with a progress bar on a terminal (nothing when stderr is redirected).
fn with_progress<T>(work: impl FnOnce(&mut dyn FnMut(&Progress)) -> api::Result<T>) -> api::Result<T> {
    let bar = if std::io::stderr().is_terminal() { ProgressBar::new(0) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{msg:24} [{bar:32}] {percent:>3}%  {elapsed} (about {eta} left)")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    let mut report = |progress: &Progress| {
        if let Some(total) = progress.total {
            bar.set_length(total);
        }
        bar.set_position(progress.done);
        bar.set_message(progress.step.clone());
    };
    let result = work(&mut report);
    bar.finish_and_clear();
    result
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

fn print_import(summary: &api::ImportSummary, archive: &Path) {
    out!("Imported {} ({}):", archive.display(), summary.format);
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
        out!("\n{} metric(s) had no data in the period and were left out; the other weights were rescaled.", report.missing.len());
    }
    if let Some(lever) = &report.biggest_lever {
        out!("Biggest lever: bringing {} to its target would add {:.1} points.", lever.label, lever.gain);
    }
}
