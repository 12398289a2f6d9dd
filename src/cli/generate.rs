//! `missionmatch generate`: write a valid generated mission folder, for tests and benchmarks.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;

use crate::error::Error;

use crate::{
    generate, synthetic_weights, write_mission, write_weights, GeneratorOptions, TextStyle,
};

/// The command's arguments.
#[derive(clap::Args, Debug)]
pub struct Arguments {
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
    /// Buyers come for any stretch of one or two of their city's sessions (many distinct
    /// windows, some half days); a third of the firms leave a session early or come late.
    #[arg(long)]
    partial_windows: bool,
    /// Buyers read Hindi or Tamil only (Vietnamese only), and each language has interpreters
    /// for a few firms at a time.
    #[arg(long)]
    scarce_interpreters: bool,
    /// Three want rows and two avoid rows per firm, and a must row for one firm in ten.
    #[arg(long)]
    dense_requests: bool,
    /// Sessions in pairs held at once in two halls of a city, the second 15 minutes later.
    #[arg(long)]
    overlapping_sessions: bool,
    /// Sessions in pairs held at once in two cities; each firm travels to one of them.
    #[arg(long)]
    two_cities: bool,
    /// Where to write the folder (created if missing).
    out_dir: PathBuf,
}

/// Runs the command.
pub fn run(arguments: Arguments) -> anyhow::Result<()> {
    let Arguments {
        firms,
        buyers,
        seed,
        sessions,
        codes_only,
        with_weights,
        varied_windows,
        partial_windows,
        scarce_interpreters,
        dense_requests,
        overlapping_sessions,
        two_cities,
        country,
        out_dir,
    } = arguments;
    // Refused before anything is written (`--firms 0` panicked, `--sessions 0` wrote one
    // session, `--country XX` wrote India).
    let country = country.to_ascii_uppercase();
    let refusal = if firms == 0 {
        Some("--firms must be at least 1".to_string())
    } else if sessions == 0 {
        Some("--sessions must be at least 1".to_string())
    } else if !matches!(country.as_str(), "IN" | "VN") {
        Some(format!(
            "--country {country}: the generator writes missions to IN (India) or VN (Vietnam)"
        ))
    } else {
        None
    };
    if let Some(message) = refusal {
        return Err(Error::BadOption(message).into());
    }
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
        country,
        varied_windows,
        partial_windows,
        scarce_interpreters,
        dense_requests,
        overlapping_sessions,
        two_cities,
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
