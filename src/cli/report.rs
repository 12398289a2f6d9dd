//! `missionmatch report`: the mission's results per country and per firm (report.json,
//! report.csv).

use std::path::PathBuf;

use super::{load_mission, scheduled_pairs};
use crate::{report, write_report};

/// The command's arguments.
#[derive(clap::Args, Debug)]
pub struct Arguments {
    /// The mission folder (with outcomes.csv).
    mission_dir: PathBuf,
    /// Output folder (default: MISSION_DIR/out).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs the command.
pub fn run(arguments: Arguments) -> anyhow::Result<()> {
    let Arguments { mission_dir, out } = arguments;
    let mission = load_mission(&mission_dir)?;
    if mission.outcomes.is_none() {
        anyhow::bail!(
            "{}: no outcomes.csv yet; record what each meeting produced first",
            mission_dir.display()
        );
    }
    let scheduled = scheduled_pairs(&mission, &mission_dir.join("out"))?;
    let result = report(&mission, &scheduled);
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
    say!(
        "{}: {} meetings, {} recorded, {} not recorded yet (counted in no total)",
        mission.name,
        result.meetings_scheduled,
        result.meetings_recorded,
        result.meetings_unrecorded
    );
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
