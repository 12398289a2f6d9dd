//! `missionmatch calibrate`: fits the p_deal model to past outcomes and offers a [model]
//! table only when it predicts held-out meetings better.

use std::path::PathBuf;

use super::load_mission;
use super::published_candidates;
use crate::write_atomically;

/// The command's arguments.
#[derive(clap::Args, Debug)]
pub struct Arguments {
    /// Mission folders with outcomes.csv.
    #[arg(required = true)]
    mission_dirs: Vec<PathBuf>,
    /// Write the [model] table to this file (default: print it).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs the command.
pub fn run(arguments: Arguments) -> anyhow::Result<()> {
    let Arguments { mission_dirs, out } = arguments;
    let mut all = Vec::new();
    let mut start = None;
    for dir in &mission_dirs {
        let mission = load_mission(dir)?;
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
