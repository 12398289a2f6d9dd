//! Prints the HS headings the matcher infers for every firm and buyer of a mission folder, with
//! their confidence and the words behind them: `cargo run --release --example headings --
//! MISSION_DIR`. For reading what the bridge makes of real profiles.

fn main() {
    let Some(folder) = std::env::args().nth(1) else {
        eprintln!("usage: headings MISSION_DIR");
        std::process::exit(2);
    };
    let loaded = match missionmatch::read_mission(std::path::Path::new(&folder)) {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(2);
        }
    };
    let mission = &loaded.mission;
    let (firms, buyers) =
        match missionmatch::inferred_headings(mission, &missionmatch::MatchOptions::default()) {
            Ok(headings) => headings,
            Err(error) => {
                eprintln!("{error}");
                std::process::exit(1);
            }
        };
    let show = |id: &str, headings: &[missionmatch::InferredHeading]| {
        let list: Vec<String> = headings
            .iter()
            .map(|h| format!("{} {:.2} ({})", h.code, h.confidence, h.words.join(", ")))
            .collect();
        println!("{id}\t{}", list.join("; "));
    };
    for (firm, headings) in mission.firms.iter().zip(&firms) {
        show(&firm.id.0, headings);
    }
    for (buyer, headings) in mission.buyers.iter().zip(&buyers) {
        show(&buyer.id.0, headings);
    }
}
