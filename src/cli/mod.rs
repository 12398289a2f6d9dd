//! The command line: parses arguments, runs a command, maps errors to the contract's exit codes
//! (0 done, 1 anything else, 2 bad input, 3 no valid schedule). One file per command, each a thin
//! shell over the library.

use std::ffi::OsString;

use clap::{Parser, Subcommand};

use crate::error::Error;
use crate::{match_mission, MatchOptions, Mission};

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

mod calibrate;
mod check;
mod followup;
mod generate;
mod match_pairs;
mod publish;
mod replan;
mod report;
mod schedule;
mod send;
mod serve;

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
    Check(check::Arguments),
    /// Match firms with buyers: candidates.csv with relevance, expected value and reasons.
    Match(match_pairs::Arguments),
    /// Build the consultation timetable: schedule.json and schedule.csv.
    Schedule(schedule::Arguments),
    /// After the mission: flag buyers for follow-up, most valuable first (followup.csv).
    Followup(followup::Arguments),
    /// The mission's results per country and per firm (report.json, report.csv).
    Report(report::Arguments),
    /// Fit the p_deal model to the outcomes of past missions; prints the fit and a [model] table.
    Calibrate(calibrate::Arguments),
    /// Write a valid generated mission folder, for tests and benchmarks.
    Generate(generate::Arguments),
    /// Re-plan a mission under way: keep the past and what still works, fill the rest; changes.csv.
    Replan(replan::Arguments),
    /// The documents to hand out: agendas (PDF, HTML, ICS), grid.html, schedule.xlsx, mailmerge.csv.
    Publish(publish::Arguments),
    /// The organisers' web application: import, schedule, grid, agendas, outcomes, follow-up.
    Serve(serve::Arguments),
    /// E-mail each participant its agenda, or a re-plan's changes (SMTP of [email]; --dry-run).
    Send(send::Arguments),
}

/// The candidates the mission's timetable was built from (`out/candidates.csv`, written by
/// `match` and `schedule`), so that follow-up and calibration judge the pairs people saw. A
/// folder without one (weights given by hand, or an older version) is matched afresh, and the
/// shell says so.
fn published_candidates(
    mission: &Mission,
    published_dir: &std::path::Path,
) -> crate::Result<Vec<crate::Candidate>> {
    let path = published_dir.join("candidates.csv");
    if path.is_file() {
        return crate::read_candidates(&path, mission);
    }
    eprintln!(
        "note: {} is missing (run `match` or `schedule` first); the pairs were matched afresh",
        path.display()
    );
    match_mission(mission, &MatchOptions::default())
}

/// The meetings of the published timetable (`schedule.json` in `published_dir`), so that one
/// without an outcome row counts as not recorded yet; none when there is no timetable.
fn scheduled_pairs(
    mission: &Mission,
    published_dir: &std::path::Path,
) -> crate::Result<Vec<(crate::FirmId, crate::BuyerId)>> {
    let path = published_dir.join("schedule.json");
    if !path.is_file() {
        eprintln!(
            "note: {} is missing; only the meetings in outcomes.csv are counted",
            path.display()
        );
        return Ok(Vec::new());
    }
    // A timetable older than the folder (a participant since removed) does not stop the
    // follow-up: its meetings are then not counted, and the command says so.
    match crate::read_schedule(&path, mission, crate::CancelledMeetings::Accept) {
        Ok(file) => Ok(file
            .meetings
            .into_iter()
            .map(|meeting| (meeting.firm, meeting.buyer))
            .collect()),
        Err(error) => {
            eprintln!(
                "note: {} does not fit the folder any more, so only the meetings in outcomes.csv are counted:\n{error}",
                path.display()
            );
            Ok(Vec::new())
        }
    }
}

/// Prints the HS headings the matcher inferred from text for participants without `hs_codes`
/// (at most `most` lines), so the organiser can confirm or correct them in the folder.
fn print_inferred_headings(
    mission: &Mission,
    (firm_headings, buyer_headings): (crate::Headings, crate::Headings),
    most: usize,
) {
    let describe = |headings: &[crate::InferredHeading]| -> String {
        headings
            .iter()
            .map(|heading| {
                let code = &heading.code;
                let short = heading.description(50);
                if heading.words.is_empty() {
                    format!("{code} {short}")
                } else {
                    format!("{code} {short} (from: {})", heading.words.join(", "))
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let lines = |ids: Vec<&str>, headings: &[Vec<crate::InferredHeading>]| -> Vec<String> {
        ids.into_iter()
            .zip(headings)
            .filter(|(_, codes)| !codes.is_empty())
            .map(|(id, codes)| format!("  {id}: {}", describe(codes)))
            .collect()
    };
    let firms = lines(
        mission.firms.iter().map(|f| f.id.as_str()).collect(),
        &firm_headings,
    );
    let buyers = lines(
        mission.buyers.iter().map(|b| b.id.as_str()).collect(),
        &buyer_headings,
    );
    if firms.is_empty() && buyers.is_empty() {
        return;
    }
    say!(
        "HS headings inferred from text ({} firms, {} buyers without hs_codes; write the right codes into firms.csv or buyers.csv to confirm or correct them):",
        firms.len(),
        buyers.len()
    );
    for line in firms.iter().chain(&buyers).take(most) {
        say!("{line}");
    }
    if firms.len() + buyers.len() > most {
        say!("  ... and {} more", firms.len() + buyers.len() - most);
    }
}

/// Reads the mission folder and tells the organiser, on stderr, what was read but should be
/// fixed (a file in another encoding, another separator): every command but `check`, which
/// prints its warnings as part of its report.
fn load_mission(mission_dir: &std::path::Path) -> anyhow::Result<Mission> {
    let loaded = crate::read_mission(mission_dir)?;
    for warning in &loaded.warnings {
        eprintln!("warning: {warning}");
    }
    Ok(loaded.mission)
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
                    for line in crate::error::listed(problems) {
                        eprintln!("{line}");
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
        Command::Check(arguments) => check::run(arguments),
        Command::Match(arguments) => match_pairs::run(arguments),
        Command::Schedule(arguments) => schedule::run(arguments),
        Command::Followup(arguments) => followup::run(arguments),
        Command::Report(arguments) => report::run(arguments),
        Command::Calibrate(arguments) => calibrate::run(arguments),
        Command::Generate(arguments) => generate::run(arguments),
        Command::Publish(arguments) => publish::run(arguments),
        Command::Serve(arguments) => serve::run(arguments),
        Command::Replan(arguments) => replan::run(arguments),
        Command::Send(arguments) => send::run(arguments),
    }
}
