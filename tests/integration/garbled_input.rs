//! Truncated and byte-garbled copies of the fixture files always give a clean result (a valid
//! mission or a list of problems), never a panic or an I/O error.

use crate::common;

use common::{copy_fixture, fixture};
use missionmatch::testing::Rng;
use missionmatch::{read_mission, summarize, Error};

fn assert_clean(dir: &std::path::Path, what: &str) {
    match read_mission(dir) {
        Ok(loaded) => {
            summarize(&loaded.mission);
        }
        Err(Error::Invalid(problems)) => {
            assert!(!problems.is_empty(), "{what}: an empty problem list");
            for problem in &problems {
                assert!(!problem.message.is_empty(), "{what}: {problem}");
            }
        }
        Err(other) => panic!("{what}: not a clean validation error: {other}"),
    }
}

#[test]
fn truncated_and_garbled_files_give_clean_errors() {
    let mut rng = Rng::new(42);
    for mission in ["india-2017", "vietnam-2017"] {
        for file in ["mission.toml", "firms.csv", "buyers.csv", "requests.csv"] {
            let original = std::fs::read(fixture(mission).join(file)).unwrap();
            let scratch = copy_fixture(mission);
            let path = scratch.path().join(file);
            // Truncations at 40 points spread over the file, including inside multi-byte text.
            for step in 0..40 {
                let cut = original.len() * step / 40 + rng.below(7);
                std::fs::write(&path, &original[..cut.min(original.len())]).unwrap();
                assert_clean(scratch.path(), &format!("{mission}/{file} cut at {cut}"));
            }
            // Random byte changes: 1 to 8 bytes set to random values, structural bytes included.
            for attempt in 0..60 {
                let mut garbled = original.clone();
                for _ in 0..=rng.below(8) {
                    let at = rng.below(garbled.len());
                    garbled[at] = match rng.below(4) {
                        0 => b'"',
                        1 => b',',
                        2 => b'\n',
                        _ => rng.next_u64() as u8,
                    };
                }
                std::fs::write(&path, &garbled).unwrap();
                assert_clean(
                    scratch.path(),
                    &format!("{mission}/{file} garble {attempt}"),
                );
            }
        }
    }
}
