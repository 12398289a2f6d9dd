//! The command line: parses arguments, runs a command, maps errors to the contract's exit codes
//! (0 done, 1 anything else, 2 bad input, 3 no valid schedule).

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::error::Error;
use crate::{generate, read_mission, summarize, write_mission, GeneratorOptions, TextStyle};

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
    Check {
        /// The mission folder (mission.toml, firms.csv, buyers.csv, ...).
        mission_dir: PathBuf,
    },
    /// Write a valid generated mission folder, for tests and benchmarks.
    Generate {
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
        /// Where to write the folder (created if missing).
        out_dir: PathBuf,
    },
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
                    for problem in problems {
                        eprintln!("{problem}");
                    }
                    eprintln!("{} problem(s) found; nothing was written", problems.len());
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
        Command::Check { mission_dir } => {
            let loaded = read_mission(&mission_dir)?;
            for warning in &loaded.warnings {
                println!("warning: {warning}");
            }
            print!("{}", summarize(&loaded.mission).render(&loaded.mission));
            Ok(())
        }
        Command::Generate {
            firms,
            buyers,
            seed,
            sessions,
            codes_only,
            out_dir,
        } => {
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
            });
            write_mission(&out_dir, &mission)
                .with_context(|| format!("writing the mission to {}", out_dir.display()))?;
            println!(
                "wrote {} firms, {} buyers, {} sessions to {} in {:.2} s",
                mission.firms.len(),
                mission.buyers.len(),
                mission.sessions.len(),
                out_dir.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
    }
}
