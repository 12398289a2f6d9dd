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

/// Arguments the generator cannot honour are refused with one message, and nothing is written.
#[test]
fn the_generate_command_refuses_what_it_cannot_write() {
    for (arguments, message) in [
        (
            &["--firms", "0", "--buyers", "5"][..],
            "--firms must be at least 1",
        ),
        (
            &["--firms", "2", "--buyers", "5", "--sessions", "0"][..],
            "--sessions must be at least 1",
        ),
        (
            &["--firms", "2", "--buyers", "5", "--country", "xx"][..],
            "--country XX: the generator writes missions to IN (India) or VN (Vietnam)",
        ),
    ] {
        let scratch = Scratch::new("generate-refused");
        let out = scratch.path().join("mission");
        let mut command = vec!["generate"];
        command.extend(arguments);
        command.push(out.to_str().unwrap());
        run(&command).fails_with(2, message);
        assert!(!out.exists(), "{arguments:?} wrote {}", out.display());
    }
}

/// What each of the scheduler family's generator options makes, checked on the mission it
/// writes (and reads back): each a hard case of real missions the plain generator lacks.
#[test]
fn each_hard_case_of_the_generator_is_in_the_mission_it_writes() {
    use missionmatch::{Availability, Mission, RequestKind};
    type Check = fn(&Mission, &Mission) -> Result<(), String>;
    let plain = GeneratorOptions {
        firms: 60,
        buyers: 600,
        seed: 4,
        ..Default::default()
    };
    let cases: Vec<(&str, GeneratorOptions, Check)> = vec![
        (
            "partial windows",
            GeneratorOptions {
                partial_windows: true,
                ..plain.clone()
            },
            |m, base| {
                let count = |m: &Mission| {
                    m.buyers
                        .iter()
                        .map(|b| format!("{:?}", b.availability))
                        .collect::<std::collections::BTreeSet<_>>()
                        .len()
                };
                let partial = m
                    .buyers
                    .iter()
                    .filter(|b| match &b.availability {
                        Availability::Windows(w) => w.iter().any(|w| w.range.is_some()),
                        Availability::Everywhere => false,
                    })
                    .count();
                (count(m) >= 3 * count(base) && partial * 2 > m.buyers.len())
                    .then_some(())
                    .ok_or(format!(
                        "{} distinct windows (plain {}), {partial} buyers with part of a session",
                        count(m),
                        count(base)
                    ))
            },
        ),
        (
            "scarce interpreters",
            GeneratorOptions {
                scarce_interpreters: true,
                ..plain.clone()
            },
            |m, _| {
                let limits = m.interpreters.clone().unwrap_or_default();
                let scarce = limits.values().filter(|&&l| l * 5 <= 60).count();
                let need: std::collections::BTreeSet<&str> = m
                    .buyers
                    .iter()
                    .filter(|b| b.languages.len() == 1 && b.languages[0] != "en")
                    .map(|b| b.languages[0].as_str())
                    .collect();
                (scarce >= 3 && need.len() >= 2)
                    .then_some(())
                    .ok_or(format!("limits {limits:?}, one-language buyers {need:?}"))
            },
        ),
        (
            "dense requests",
            GeneratorOptions {
                dense_requests: true,
                ..plain.clone()
            },
            |m, base| {
                let of = |kind: RequestKind| m.requests.iter().filter(|r| r.kind == kind).count();
                let musts_can_meet = m
                    .requests
                    .iter()
                    .filter(|r| r.kind == RequestKind::Must)
                    .all(|r| {
                        let f = &m.firms[m.firm_index(&r.firm).unwrap()];
                        let b = &m.buyers[m.buyer_index(&r.buyer).unwrap()];
                        b.languages.iter().any(|l| f.languages.contains(l))
                            && m.slots
                                .iter()
                                .any(|s| f.availability.allows(s) && b.availability.allows(s))
                    });
                (of(RequestKind::Want) >= 150
                    && of(RequestKind::Avoid) >= 100
                    && of(RequestKind::Must) >= 3
                    && musts_can_meet
                    && m.requests.len() > 10 * base.requests.len())
                .then_some(())
                .ok_or(format!(
                    "want {}, avoid {}, must {} (all can meet: {musts_can_meet})",
                    of(RequestKind::Want),
                    of(RequestKind::Avoid),
                    of(RequestKind::Must)
                ))
            },
        ),
        (
            "overlapping sessions",
            GeneratorOptions {
                overlapping_sessions: true,
                ..plain.clone()
            },
            |m, _| {
                let overlapping = m.slots.iter().any(|a| {
                    m.slots.iter().any(|b| {
                        a.session != b.session
                            && m.sessions[a.session].date == m.sessions[b.session].date
                            && a.range.start < b.range.end
                            && b.range.start < a.range.end
                            && a.range.start != b.range.start
                    })
                });
                overlapping
                    .then_some(())
                    .ok_or("no two sessions overlap".into())
            },
        ),
        (
            "two cities",
            GeneratorOptions {
                two_cities: true,
                ..plain.clone()
            },
            |m, _| {
                let same_time_two_cities = m.sessions.iter().any(|a| {
                    m.sessions
                        .iter()
                        .any(|b| a.date == b.date && a.hours == b.hours && a.city != b.city)
                });
                let one_city_each = m.firms.iter().all(|f| {
                    let cities: std::collections::BTreeSet<&str> = m
                        .slots
                        .iter()
                        .filter(|s| f.availability.allows(s))
                        .map(|s| m.sessions[s.session].city.as_str())
                        .collect();
                    cities.len() == 1
                });
                (same_time_two_cities && one_city_each)
                    .then_some(())
                    .ok_or(format!("sessions at once in two cities: {same_time_two_cities}; each firm in one city: {one_city_each}"))
            },
        ),
    ];
    let base = generate(&plain);
    for (name, options, check) in cases {
        let mission = generate(&options);
        let scratch = Scratch::new("generated-hard");
        write_mission(scratch.path(), &mission).unwrap();
        let loaded = read_mission(scratch.path()).unwrap();
        assert_eq!(
            loaded.mission, mission,
            "{name}: the folder reads back otherwise"
        );
        if let Err(why) = check(&mission, &base) {
            panic!("{name}: {why}");
        }
        // The plain mission has none of it.
        assert!(
            check(&base, &base).is_err(),
            "{name}: the plain mission passes too"
        );
    }
}
