//! The generator writes folders that `read_mission` accepts and reads back unchanged.

use crate::common;

use common::{run, Scratch};
use missionmatch::{generate, read_mission, write_mission, GeneratorOptions, TextStyle};

#[test]
fn generated_missions_round_trip_through_their_folder() {
    for (firms, buyers, seed, text_style) in [
        (3, 10, 1, TextStyle::Described),
        (30, 300, 2, TextStyle::Described),
        (20, 100, 3, TextStyle::BuyersCodesOnly),
    ] {
        let mission = generate(&GeneratorOptions {
            firms,
            buyers,
            seed,
            text_style,
            ..Default::default()
        });
        let scratch = Scratch::new("generated");
        write_mission(scratch.path(), &mission).unwrap();
        let loaded = read_mission(scratch.path()).unwrap();
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        assert_eq!(loaded.mission, mission);
    }
}

#[test]
fn the_generate_command_writes_a_folder_check_accepts() {
    let scratch = Scratch::new("generate-cli");
    let out = scratch.path().join("mission");
    let output = run(&[
        "generate",
        "--firms",
        "12",
        "--buyers",
        "80",
        "--seed",
        "5",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    let output = run(&["check", out.to_str().unwrap()]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert!(output.stdout.contains("firms: 12\n"), "{}", output.stdout);
}
