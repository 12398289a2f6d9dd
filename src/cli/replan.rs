//! `missionmatch replan`: re-plan a mission under way after the folder was edited (a
//! cancellation, shortened availability, a walk-in buyer): schedule.json, schedule.csv and
//! changes.csv, the last saying who must be told what.

use std::path::PathBuf;

use super::load_mission;
use super::seconds;
use crate::{
    candidate_weights, match_mission, read_schedule, read_weights, replan, write_replan,
    CancelledMeetings, ChangeKind, MatchOptions, Moment, ReplanOptions, ScheduleOptions,
};

/// The command's arguments.
#[derive(clap::Args, Debug)]
pub struct Arguments {
    /// The mission folder, as edited since the timetable was published.
    mission_dir: PathBuf,
    /// The timetable in force (a schedule.json of this mission).
    #[arg(long)]
    from: PathBuf,
    /// Local date and time of the re-planning, YYYY-MM-DDTHH:MM: meetings that started before
    /// it stay as they were.
    #[arg(long, value_parser = moment)]
    now: Moment,
    /// Pair values for the free capacity: any CSV with firm,buyer,expected_value_usd (default:
    /// the matcher's candidates for the edited folder).
    #[arg(long)]
    weights: Option<PathBuf>,
    /// How many kept meetings may move to another slot when that raises the objective (a
    /// greedy search, one release at a time).
    #[arg(long, default_value_t = 0)]
    allow_moves: u32,
    /// Output folder (default: MISSION_DIR/out).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Seconds the optimiser may take for the free capacity.
    #[arg(long, value_parser = seconds)]
    time_limit: Option<f64>,
}

fn moment(text: &str) -> Result<Moment, String> {
    Moment::parse(text)
        .ok_or_else(|| format!("\"{text}\" is not a date and time like 2017-03-28T12:00"))
}

/// Runs the command.
pub fn run(arguments: Arguments) -> anyhow::Result<()> {
    let Arguments {
        mission_dir,
        from,
        now,
        weights,
        allow_moves,
        out,
        time_limit,
    } = arguments;
    let mission = load_mission(&mission_dir)?;
    let old = read_schedule(&from, &mission, CancelledMeetings::Accept)?;
    let (weights, candidates) = match weights {
        Some(path) => (read_weights(&path)?, None),
        None => {
            let candidates = match_mission(&mission, &MatchOptions::default())?;
            (candidate_weights(&mission, &candidates), Some(candidates))
        }
    };
    let options = ReplanOptions {
        allow_moves,
        schedule: ScheduleOptions {
            time_limit_seconds: time_limit,
            ..Default::default()
        },
    };
    let result = replan(&mission, &old.meetings, &weights, now, &options)?;
    let out_dir = out.unwrap_or_else(|| mission_dir.join("out"));
    write_replan(
        &out_dir,
        &mission,
        &result,
        old.status.unwrap_or_default(),
        candidates.as_deref(),
    )?;
    let count = |kind: ChangeKind| result.changes.iter().filter(|c| c.kind == kind).count();
    let schedule = &result.schedule;
    say!(
        "re-planned {}: {} meetings ({} had started, {} kept, {} cancelled, {} moved, {} added)",
        mission.name,
        schedule.meetings.len(),
        result.past,
        result.kept,
        count(ChangeKind::Cancelled),
        count(ChangeKind::Moved),
        count(ChangeKind::Added),
    );
    say!(
        "expected value {:.0} {}, bound {:.0} (gap {:.4}%), {:.2} s",
        schedule.expected_value_usd,
        mission.currency,
        schedule.upper_bound_usd,
        schedule.gap * 100.0,
        schedule.seconds
    );
    for note in &schedule.notes {
        say!("note: {note}");
    }
    say!(
        "wrote schedule.json, schedule.csv and changes.csv in {}",
        out_dir.display()
    );
    Ok(())
}
