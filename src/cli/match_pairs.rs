//! `missionmatch match`: candidates.csv, the pairs worth a meeting with relevance, expected
//! value and reasons.

use std::path::PathBuf;
use std::time::Instant;

use super::load_mission;
use crate::{match_with_headings, write_candidates, MatchOptions};

/// The command's arguments.
#[derive(clap::Args, Debug)]
pub struct Arguments {
    /// The mission folder.
    mission_dir: PathBuf,
    /// Output folder (default: MISSION_DIR/out).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Pairs to print per firm.
    #[arg(long, default_value_t = 3)]
    show: usize,
}

/// Runs the command.
pub fn run(arguments: Arguments) -> anyhow::Result<()> {
    let Arguments {
        mission_dir,
        out,
        show,
    } = arguments;
    let mission = load_mission(&mission_dir)?;
    let started = Instant::now();
    let (candidates, firm_headings, buyer_headings) =
        match_with_headings(&mission, &MatchOptions::default())?;
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
    super::print_inferred_headings(&mission, (firm_headings, buyer_headings), show.max(1) * 10);
    say!(
        "{} pairs kept in {:.2} s; wrote {}",
        candidates.len(),
        started.elapsed().as_secs_f64(),
        path.display()
    );
    Ok(())
}
