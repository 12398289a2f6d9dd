//! The `missionmatch` command: see `missionmatch --help`.

fn main() {
    std::process::exit(missionmatch::cli::run(std::env::args_os()));
}
