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
    for warning in &loaded.warnings {
        say!("warning: {warning}");
    }
    say_raw!("{}", summarize(&loaded.mission).render(&loaded.mission));
    let headings = crate::inferred_headings(&loaded.mission, &crate::MatchOptions::default())?;
    super::print_inferred_headings(&loaded.mission, headings, 40);
    Ok(())
}
