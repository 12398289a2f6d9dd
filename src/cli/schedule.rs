//! `missionmatch schedule`: build the consultation timetable: schedule.json and schedule.csv.

use std::path::PathBuf;
use std::sync::Arc;

use super::load_mission;
use super::seconds;
use crate::{
    candidate_weights, match_mission, read_weights, schedule, write_schedule, MatchOptions, Method,
    Mission, Pricing, Progress, Schedule, ScheduleOptions, SolverChoice,
};

/// The command's arguments.
#[derive(clap::Args, Debug)]
pub struct Arguments {
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
}

/// Runs the command.
pub fn run(arguments: Arguments) -> anyhow::Result<()> {
    let Arguments {
        mission_dir,
        weights,
        out,
        time_limit,
        solver,
        mip_gap,
        method,
        pricing,
    } = arguments;
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
    let mission = load_mission(&mission_dir)?;
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
        reserved: Vec::new(),
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
            let side = shortfall.side.as_str();
            let _ = writeln!(
                out,
                "  {side} {}: {} of {} meetings: {}",
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
