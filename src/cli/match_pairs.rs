//! `missionmatch match`: candidates.csv, the pairs worth a meeting with relevance, expected
//! value and reasons.

use std::path::PathBuf;
use std::time::Instant;

use super::load_mission;
use crate::{match_mission, write_candidates, MatchOptions};

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
    // Headings guessed from text, for the organiser to confirm or correct in the folder.
    let (firm_headings, buyer_headings) =
        crate::inferred_headings(&mission, &MatchOptions::default())?;
    let hs = crate::HsTable::bundled();
    let describe = |codes: &[String]| -> String {
        codes
            .iter()
            .map(|code| {
                let description = hs.get(code).map(|e| e.description.as_str()).unwrap_or("");
                let short: String = description.chars().take(50).collect();
                format!("{code} {short}")
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let guessed: Vec<String> = mission
        .firms
        .iter()
        .zip(&firm_headings)
        .filter(|(_, codes)| !codes.is_empty())
        .map(|(firm, codes)| format!("  {}: {}", firm.id, describe(codes)))
        .collect();
    let buyer_lines: Vec<String> = mission
        .buyers
        .iter()
        .zip(&buyer_headings)
        .filter(|(_, codes)| !codes.is_empty())
        .map(|(buyer, codes)| format!("  {}: {}", buyer.id, describe(codes)))
        .collect();
    let buyers_guessed = buyer_lines.len();
    if !guessed.is_empty() || buyers_guessed > 0 {
        say!(
            "HS headings inferred from text ({} firms, {buyers_guessed} buyers without hs_codes; write the right codes into firms.csv or buyers.csv to confirm or correct them):",
            guessed.len()
        );
        let most = show.max(1) * 10;
        for line in guessed.iter().chain(&buyer_lines).take(most) {
            say!("{line}");
        }
        if guessed.len() + buyers_guessed > most {
            say!(
                "  ... and {} more (--show N lists 10 N)",
                guessed.len() + buyers_guessed - most
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
