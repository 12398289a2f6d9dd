//! `missionmatch check`: validates a mission folder and summarises it, with warnings ahead of
//! trouble (exit 2 with every problem on bad input).

use std::path::PathBuf;

use crate::{read_mission, summarize};

/// The command's arguments.
#[derive(clap::Args, Debug)]
pub struct Arguments {
    /// The mission folder (mission.toml, firms.csv, buyers.csv, ...).
    mission_dir: PathBuf,
}

/// Runs the command.
pub fn run(arguments: Arguments) -> anyhow::Result<()> {
    let Arguments { mission_dir } = arguments;
    let loaded = read_mission(&mission_dir)?;
    // The reading's warnings (an encoding, a separator, a dropped zero) first, each naming its
    // file and line; the summary's count includes them.
    for warning in &loaded.warnings {
        say!("warning: {warning}");
    }
    let summary = summarize(&loaded.mission);
    say_raw!(
        "{}",
        summary.render_after(&loaded.mission, loaded.warnings.len())
    );
    let headings = crate::inferred_headings(&loaded.mission, &crate::MatchOptions::default())?;
    super::print_inferred_headings(&loaded.mission, headings, 40);
    Ok(())
}
