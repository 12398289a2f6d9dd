//! The command line: parses arguments, runs a command, maps errors to the contract's exit codes
//! (0 done, 1 anything else, 2 bad input, 3 no valid schedule).

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::error::Error;
use crate::{
    candidate_weights, followup, generate, match_mission, read_mission, read_weights, report,
    schedule, summarize, synthetic_weights, write_atomically, write_candidates, write_followup,
    write_mission, write_report, write_schedule, write_weights, GeneratorOptions, MatchOptions,
    Method, Mission, Pricing, Progress, Schedule, ScheduleOptions, SolverChoice, TextStyle,
};

/// Prints a line to stdout; a closed pipe (`missionmatch ... | head`) is not an error worth a
/// panic, so write errors are ignored.
macro_rules! say {
    ($($argument:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($argument)*);
    }};
}

/// Like `say!` without the newline.
macro_rules! say_raw {
    ($($argument:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($argument)*);
    }};
}

#[derive(Parser, Debug)]
#[command(
    name = "missionmatch",
    version,
    about = "Plans export missions: matches local firms with foreign buyers and schedules 1:1 consultations."
)]
struct Arguments {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Validate a mission folder and summarise it (exit 2 with every problem on bad input).
    Check {
        /// The mission folder (mission.toml, firms.csv, buyers.csv, ...).
        mission_dir: PathBuf,
    },
    /// Match firms with buyers: candidates.csv with relevance, expected value and reasons.
    Match {
        /// The mission folder.
        mission_dir: PathBuf,
        /// Output folder (default: MISSION_DIR/out).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Pairs to print per firm.
        #[arg(long, default_value_t = 3)]
        show: usize,
    },
    /// Build the consultation timetable: schedule.json and schedule.csv.
    Schedule {
        /// The mission folder.
        mission_dir: PathBuf,
        /// Pair values: any CSV with firm,buyer,expected_value_usd (e.g. candidates.csv).
        #[arg(long)]
        weights: Option<PathBuf>,
        /// Output folder (default: MISSION_DIR/out).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Seconds the optimiser may take; then the best valid timetable found is written.
        #[arg(long, value_parser = seconds)]
        time_limit: Option<f64>,
        /// Solver: microlp (always built) or highs (with the `highs` feature).
        #[arg(long, default_value = "microlp")]
        solver: String,
        /// Relative gap at which the search for more value stops (0.0001 = 0.01%).
        #[arg(long, default_value_t = 1e-4)]
        mip_gap: f64,
        /// Method: classes (the engine), time-indexed (the plain model) or greedy (the baseline).
        #[arg(long, default_value = "classes")]
        method: String,
        /// Interior-point pricing of the value stage on microlp: auto (large models), always,
        /// never.
        #[arg(long, default_value = "auto")]
        pricing: String,
    },
    /// After the mission: flag buyers for follow-up, most valuable first (followup.csv).
    Followup {
        /// The mission folder (with outcomes.csv).
        mission_dir: PathBuf,
        /// Output folder (default: MISSION_DIR/out).
        #[arg(long)]
        out: Option<PathBuf>,
        /// POST each flagged buyer to the [followup] webhook of mission.toml.
        #[arg(long)]
        notify: bool,
        /// Seconds before the first retry of a failed delivery (doubled each time).
        #[arg(long, default_value_t = 0.5, value_parser = seconds)]
        retry_backoff: f64,
        /// Seconds the whole delivery may take; what is not delivered by then is sent next run.
        #[arg(long, default_value_t = 60.0, value_parser = seconds)]
        notify_deadline: f64,
    },
    /// The mission's results per country and per firm (report.json, report.csv).
    Report {
        /// The mission folder (with outcomes.csv).
        mission_dir: PathBuf,
        /// Output folder (default: MISSION_DIR/out).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Fit the p_deal model to the outcomes of past missions; prints the fit and a [model] table.
    Calibrate {
        /// Mission folders with outcomes.csv.
        #[arg(required = true)]
        mission_dirs: Vec<PathBuf>,
        /// Write the [model] table to this file (default: print it).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Write a valid generated mission folder, for tests and benchmarks.
    Generate {
        /// Number of local firms.
        #[arg(long)]
        firms: usize,
        /// Number of foreign buyers.
        #[arg(long)]
        buyers: usize,
        /// Random seed: the same seed writes the same folder.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Number of consultation sessions (half-days).
        #[arg(long, default_value_t = 4)]
        sessions: usize,
        /// Buyers give only a sector word and HS codes, firms only product text.
        #[arg(long)]
        codes_only: bool,
        /// The buyers' country: IN or VN.
        #[arg(long, default_value = "IN")]
        country: String,
        /// Also write weights.csv: pair values from the generator's ground truth (HS grade,
        /// imports), for exercising `schedule --weights` apart from the matcher.
        #[arg(long)]
        with_weights: bool,
        /// Many distinct availability windows and scarce interpreters (the hard case for the
        /// scheduler).
        #[arg(long)]
        varied_windows: bool,
        /// Where to write the folder (created if missing).
        out_dir: PathBuf,
    },
}

/// The candidates the mission's timetable was built from (`out/candidates.csv`, written by
/// `match` and `schedule`), so that follow-up and calibration judge the pairs people saw. A
/// folder without one (weights given by hand, or an older version) is matched afresh, and the
/// shell says so.
fn published_candidates(
    mission: &Mission,
    published_dir: &std::path::Path,
) -> anyhow::Result<Vec<crate::Candidate>> {
    let path = published_dir.join("candidates.csv");
    if path.is_file() {
        return Ok(crate::read_candidates(&path, mission)?);
    }
    eprintln!(
        "note: {} is missing (run `match` or `schedule` first); the pairs were matched afresh",
        path.display()
    );
    Ok(match_mission(mission, &MatchOptions::default())?)
}

/// A number of seconds on the command line: finite, from 0 to about four months.
fn seconds(text: &str) -> Result<f64, String> {
    let limit = crate::LONGEST_TIME_LIMIT_SECONDS;
    match text.trim().parse::<f64>() {
        Ok(value) if (0.0..=limit).contains(&value) => Ok(value),
        _ => Err(format!(
            "\"{text}\" is not a number of seconds from 0 to {limit:e}"
        )),
    }
}

/// Runs the command line and returns the process exit code.
pub fn run(arguments: impl IntoIterator<Item = OsString>) -> i32 {
    let arguments = match Arguments::try_parse_from(arguments) {
        Ok(arguments) => arguments,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() { 2 } else { 0 };
        }
    };
    match execute(arguments.command) {
        Ok(()) => 0,
        Err(error) => {
            match error.downcast_ref::<Error>() {
                Some(Error::Invalid(problems)) => {
                    for problem in problems {
                        eprintln!("{problem}");
                    }
                    eprintln!("{} problem(s) found; nothing was written", problems.len());
                    return 2;
                }
                Some(Error::BadOption(message)) => {
                    eprintln!("error: {message}");
                    return 2;
                }
                Some(Error::Infeasible(reason)) => {
                    eprintln!("no valid schedule exists: {reason}");
                    return 3;
                }
                _ => {}
            }
            eprintln!("error: {error:#}");
            1
        }
    }
}

fn execute(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Check { mission_dir } => {
            let loaded = read_mission(&mission_dir)?;
            for warning in &loaded.warnings {
                say!("warning: {warning}");
            }
            say_raw!("{}", summarize(&loaded.mission).render(&loaded.mission));
            Ok(())
        }
        Command::Followup {
            mission_dir,
            out,
            notify,
            retry_backoff,
            notify_deadline,
        } => {
            let mission = read_mission(&mission_dir)?.mission;
            if mission.outcomes.is_none() {
                anyhow::bail!(
                    "{}: no outcomes.csv yet; record what each meeting produced first",
                    mission_dir.display()
                );
            }
            let out_dir = out.unwrap_or_else(|| mission_dir.join("out"));
            let candidates = published_candidates(&mission, &mission_dir.join("out"))?;
            let rows = followup(&mission, &candidates);
            let path = out_dir.join("followup.csv");
            write_followup(&path, &mission, &rows)?;
            let mut counts = std::collections::BTreeMap::new();
            for row in &rows {
                *counts.entry(row.flag.as_str()).or_insert(0) += 1;
            }
            for row in rows.iter().take(10) {
                let buyer = &mission.buyers[row.buyer];
                say!(
                    "{:<8} {:<10} {:>12.0} {}  {} by {} with {}; {}",
                    row.flag.as_str(),
                    buyer.id,
                    row.priority,
                    buyer.company,
                    row.next_action,
                    row.due,
                    row.firms.join(", "),
                    row.reasons.join("; ")
                );
            }
            let summary: Vec<String> = counts
                .iter()
                .map(|(flag, n)| format!("{flag} {n}"))
                .collect();
            say!(
                "{} buyers: {}; wrote {}",
                rows.len(),
                summary.join(", "),
                path.display()
            );
            if notify {
                let Some(url) = mission.followup_webhook.clone() else {
                    anyhow::bail!("--notify needs `[followup] webhook = \"URL\"` in mission.toml");
                };
                let policy = crate::RetryPolicy {
                    first_backoff: std::time::Duration::from_secs_f64(retry_backoff),
                    deadline: std::time::Duration::from_secs_f64(notify_deadline),
                    ..Default::default()
                };
                send_notifications(&url, &mission, &rows, &mission_dir, &policy)?;
            }
            Ok(())
        }
        Command::Calibrate { mission_dirs, out } => {
            let mut all = Vec::new();
            let mut start = None;
            for dir in &mission_dirs {
                let mission = read_mission(dir)?.mission;
                if mission.outcomes.is_none() {
                    anyhow::bail!("{}: no outcomes.csv to learn from", dir.display());
                }
                start.get_or_insert_with(|| crate::ModelParameters::from_table(&mission.model));
                let candidates = published_candidates(&mission, &dir.join("out"))?;
                all.extend(crate::observations(&mission, &candidates));
            }
            let start = start.unwrap_or_default();
            // Every fifth meeting is held out to judge the fit on meetings it did not see.
            let (held_out, training): (Vec<_>, Vec<_>) = all
                .iter()
                .enumerate()
                .partition(|(index, _)| index % 5 == 4);
            let held_out: Vec<crate::Observation> = held_out.into_iter().map(|(_, o)| *o).collect();
            let training: Vec<crate::Observation> = training.into_iter().map(|(_, o)| *o).collect();
            let fitted = crate::fit(&start, &training);
            let signed = all.iter().filter(|(_, s)| *s).count();
            say!(
                "{} attended meetings ({} with a contract): {} to fit, {} held out",
                all.len(),
                signed,
                training.len(),
                held_out.len()
            );
            let (before, after) = (
                crate::log_loss(&start, &held_out),
                crate::log_loss(&fitted, &held_out),
            );
            say!("held-out log-loss: {before:.4} before, {after:.4} after");
            // Only a model that predicts unseen meetings better replaces the current one.
            if after >= before {
                say!(
                    "the fitted model predicts the held-out meetings worse ({after:.4} against {before:.4}): keep the current [model]; nothing was written"
                );
                return Ok(());
            }
            let table = crate::model_table(&fitted);
            match out {
                Some(path) => {
                    write_atomically(&path, table.as_bytes())?;
                    say!("wrote {}", path.display());
                }
                None => say_raw!("{table}"),
            }
            Ok(())
        }
        Command::Report { mission_dir, out } => {
            let mission = read_mission(&mission_dir)?.mission;
            if mission.outcomes.is_none() {
                anyhow::bail!(
                    "{}: no outcomes.csv yet; record what each meeting produced first",
                    mission_dir.display()
                );
            }
            let result = report(&mission);
            let out_dir = out.unwrap_or_else(|| mission_dir.join("out"));
            write_report(&out_dir, &mission, &result)?;
            let line = |name: &str, totals: &crate::Totals| {
                format!(
                    "{name:<10} companies met {:>4}, meetings {:>4}, no-shows {:>3}, consultation {:>14.0} {cur}, contract {:>12.0} {cur} ({:.1}%)",
                    totals.companies_met,
                    totals.meetings_held,
                    totals.no_shows,
                    totals.consultation_usd,
                    totals.contract_usd,
                    totals.contract_ratio() * 100.0,
                    cur = mission.currency
                )
            };
            say!("{}", mission.name);
            say!("{}", line("total", &result.total));
            for (country, totals) in &result.per_country {
                say!("{}", line(country, totals));
            }
            for (firm, totals) in &result.per_firm {
                say!("{}", line(firm, totals));
            }
            if !result.no_show_buyers.is_empty() {
                say!("no-shows: {}", result.no_show_buyers.join(", "));
            }
            say!(
                "wrote {} and {}",
                out_dir.join("report.json").display(),
                out_dir.join("report.csv").display()
            );
            Ok(())
        }
        Command::Match {
            mission_dir,
            out,
            show,
        } => {
            let loaded = read_mission(&mission_dir)?;
            for warning in &loaded.warnings {
                eprintln!("warning: {warning}");
            }
            let mission = loaded.mission;
            let started = Instant::now();
            let candidates = match_mission(&mission, &MatchOptions::default())?;
            let out_dir = out.unwrap_or_else(|| mission_dir.join("out"));
            let path = out_dir.join("candidates.csv");
            write_candidates(&path, &mission, &candidates)?;
            for (firm_index, firm) in mission.firms.iter().enumerate() {
                let mine: Vec<&crate::Candidate> =
                    candidates.iter().filter(|c| c.firm == firm_index).collect();
                say!("{} {} ({} candidates)", firm.id, firm.name, mine.len());
                for candidate in mine.iter().take(show) {
                    let buyer = &mission.buyers[candidate.buyer];
                    say!(
                        "  {} {}: relevance {:.2}, expected {:.0} {}; {}",
                        buyer.id,
                        buyer.company,
                        candidate.relevance,
                        candidate.expected_value_usd,
                        mission.currency,
                        candidate.reasons.join("; ")
                    );
                }
            }
            say!(
                "{} pairs kept in {:.2} s; wrote {}",
                candidates.len(),
                started.elapsed().as_secs_f64(),
                path.display()
            );
            Ok(())
        }
        Command::Schedule {
            mission_dir,
            weights,
            out,
            time_limit,
            solver,
            mip_gap,
            method,
            pricing,
        } => {
            let solver = SolverChoice::parse(&solver)?;
            let pricing = match pricing.as_str() {
                "auto" => Pricing::Auto,
                "always" => Pricing::Always,
                "never" => Pricing::Never,
                other => anyhow::bail!("unknown pricing \"{other}\" (auto, always, never)"),
            };
            let method = match method.as_str() {
                "classes" => Method::Classes,
                "time-indexed" => Method::TimeIndexed,
                "greedy" => Method::Greedy,
                other => {
                    anyhow::bail!("unknown method \"{other}\" (classes, time-indexed, greedy)")
                }
            };
            let loaded = read_mission(&mission_dir)?;
            let mission = loaded.mission;
            let (weights, candidates) = match weights {
                Some(path) => (read_weights(&path)?, None),
                None => {
                    let candidates = match_mission(&mission, &MatchOptions::default())?;
                    (candidate_weights(&mission, &candidates), Some(candidates))
                }
            };
            let on_terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
            if on_terminal {
                eprintln!(
                    "scheduling {} weighted pairs over {} slots with {} ...",
                    weights.len(),
                    mission.slots.len(),
                    solver.name()
                );
            }
            let options = ScheduleOptions {
                solver,
                time_limit_seconds: time_limit,
                method,
                mip_gap,
                pricing,
                progress: on_terminal.then(|| {
                    Progress(Arc::new(|seconds: f64, step: &str| {
                        eprintln!("  {seconds:>7.2} s  {step}");
                    }))
                }),
            };
            let result = schedule(&mission, &weights, &options)?;
            let out_dir = out.unwrap_or_else(|| mission_dir.join("out"));
            write_schedule(&out_dir, &mission, &result, candidates.as_deref())?;
            say_raw!("{}", render_schedule_summary(&mission, &result));
            say!(
                "wrote schedule.json, schedule.csv{} in {}",
                if candidates.is_some() {
                    " and candidates.csv"
                } else {
                    ""
                },
                out_dir.display()
            );
            Ok(())
        }
        Command::Generate {
            firms,
            buyers,
            seed,
            sessions,
            codes_only,
            with_weights,
            varied_windows,
            country,
            out_dir,
        } => {
            let started = Instant::now();
            let mission = generate(&GeneratorOptions {
                firms,
                buyers,
                seed,
                sessions,
                text_style: if codes_only {
                    TextStyle::BuyersCodesOnly
                } else {
                    TextStyle::Described
                },
                headings: 0,
                country: country.to_ascii_uppercase(),
                varied_windows,
            });
            write_mission(&out_dir, &mission)
                .with_context(|| format!("writing the mission to {}", out_dir.display()))?;
            if with_weights {
                write_weights(
                    &out_dir.join("weights.csv"),
                    &synthetic_weights(&mission, seed),
                )?;
            }
            say!(
                "wrote {} firms, {} buyers, {} sessions to {} in {:.2} s",
                mission.firms.len(),
                mission.buyers.len(),
                mission.sessions.len(),
                out_dir.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
    }
}

fn render_schedule_summary(mission: &Mission, result: &Schedule) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ =
        writeln!(
        out,
        "{}: {} meetings, expected value {:.0} {}, upper bound {:.0}, gap {:.4}%{}, {} in {:.2} s",
        mission.name,
        result.meetings.len(),
        result.expected_value_usd,
        mission.currency,
        result.upper_bound_usd,
        result.gap * 100.0,
        if result.proven_optimal { " (proven within the gap asked)" } else { "" },
        result.solver,
        result.seconds
    );
    let _ = writeln!(
        out,
        "minimum meetings covered: {} of {}",
        result.minimum_coverage.0, result.minimum_coverage.1
    );
    let mut per_firm = std::collections::BTreeMap::new();
    let mut met = std::collections::BTreeSet::new();
    for meeting in &result.meetings {
        *per_firm.entry(meeting.firm.as_str()).or_insert(0) += 1;
        met.insert(meeting.buyer.as_str());
    }
    let counts: Vec<(&str, usize)> = mission
        .firms
        .iter()
        .map(|firm| {
            let id = firm.id.as_str();
            (id, per_firm.get(id).copied().unwrap_or(0))
        })
        .collect();
    let _ = writeln!(out, "meetings per firm: {}", firm_distribution(&counts));
    let unmet: Vec<&str> = mission
        .buyers
        .iter()
        .map(|buyer| buyer.id.as_str())
        .filter(|id| !met.contains(id))
        .collect();
    if !unmet.is_empty() {
        let _ = writeln!(
            out,
            "buyers without any meeting: {} ({}{})",
            unmet.len(),
            unmet[..unmet.len().min(12)].join(", "),
            if unmet.len() > 12 { ", ..." } else { "" }
        );
    }
    if result.shortfalls.is_empty() {
        let _ = writeln!(out, "shortfalls: none");
    } else {
        let _ = writeln!(out, "below their minimum: {}", result.shortfalls.len());
        for shortfall in &result.shortfalls {
            let side = match shortfall.side {
                crate::Side::Firm => "firm",
                crate::Side::Buyer => "buyer",
            };
            let _ = writeln!(
                out,
                "  {side} {}: {} of {} meetings; {}",
                shortfall.id, shortfall.meetings, shortfall.minimum, shortfall.cause
            );
        }
    }
    for note in &result.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out
}

/// Meetings per firm: every firm on a small mission; at scale (more than 30 firms) the spread
/// and the firms with the fewest and the most, instead of a line of hundreds of entries.
fn firm_distribution(counts: &[(&str, usize)]) -> String {
    let listed = |entries: &[(&str, usize)]| -> String {
        entries
            .iter()
            .map(|(id, count)| format!("{id} {count}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if counts.len() <= 30 {
        return listed(counts);
    }
    let mut sorted = counts.to_vec();
    sorted.sort_by_key(|&(id, count)| (count, id));
    let quantile = |share: f64| sorted[((sorted.len() - 1) as f64 * share).round() as usize].1;
    let highest: Vec<(&str, usize)> = sorted.iter().rev().take(3).copied().collect();
    format!(
        "{} firms: fewest {}, quarter {}, median {}, three quarters {}, most {}; fewest: {}; most: {}",
        sorted.len(),
        quantile(0.0),
        quantile(0.25),
        quantile(0.5),
        quantile(0.75),
        quantile(1.0),
        listed(&sorted[..5]),
        listed(&highest)
    )
}

/// Sends the plan's notifications, recording each acknowledged key in the mission folder's
/// `notified.csv` at once, so that no run sends anything twice. Fails (exit 1) when some
/// notification was not delivered.
fn send_notifications(
    url: &str,
    mission: &Mission,
    rows: &[crate::FollowupRow],
    mission_dir: &std::path::Path,
    policy: &crate::RetryPolicy,
) -> anyhow::Result<()> {
    let sent = crate::read_notified(mission_dir);
    let messages = crate::notifications(mission, rows);
    let recording = std::sync::Mutex::new(());
    let delivery = crate::deliver(url, &messages, &sent, policy, &|key| {
        let _one_at_a_time = recording.lock().map_err(|error| error.to_string())?;
        crate::record_notified(mission_dir, key).map_err(|error| error.to_string())
    });
    say!(
        "notifications: {} delivered, {} already sent before, {} failed",
        delivery.delivered.len(),
        delivery.already_sent.len(),
        delivery.failed.len()
    );
    for (buyer, reason) in &delivery.failed {
        say!("  failed: {buyer}: {reason}");
    }
    if delivery.failed.is_empty() {
        Ok(())
    } else {
        anyhow::bail!(
            "{} notification(s) not delivered; run again to retry them",
            delivery.failed.len()
        )
    }
}
