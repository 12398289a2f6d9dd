//! The scheduler against its baselines, in one process on the same inputs: the engine (class
//! model), the plain time-indexed model on the same solver, and greedy. Prints time, value,
//! bound, gap and coverage of minimums. `cargo bench --bench schedule` (add `--features highs`
//! and `-- highs` to run HiGHS too; `-- large` adds 1,000 x 10,000; `-- varied` adds 300 x 3,000
//! with many distinct availability windows and scarce interpreters, with a 120 s limit;
//! `-- family` runs the engine alone on six generated 300 x 3,000 x 4 missions that differ in
//! what makes real missions hard, and prints the time of each stage. `missionmatch generate
//! --firms 300 --buyers 3000 --seed 11 --partial-windows` (and `--scarce-interpreters`,
//! `--dense-requests`, `--overlapping-sessions`, `--two-cities`, or all five) writes each;
//! `-- family WORD` runs only those whose label has WORD).

use std::sync::{Arc, Mutex};

use missionmatch::{
    candidate_weights, generate, match_mission, read_mission, schedule, validate_schedule,
    GeneratorOptions, MatchOptions, Method, Mission, PairWeight, Progress, ScheduleOptions,
    SolverChoice,
};

/// The engine on one mission of the family: matching, then each stage the scheduler reports
/// through its progress hook, with the seconds it took, then the result.
fn stages(label: &str, options: GeneratorOptions, solver: SolverChoice) {
    let started = std::time::Instant::now();
    let mission = generate(&options);
    let candidates = match_mission(&mission, &MatchOptions::default()).expect("matching");
    let weights = candidate_weights(&mission, &candidates);
    let matched = started.elapsed().as_secs_f64();
    let windows: std::collections::BTreeSet<String> = mission
        .buyers
        .iter()
        .map(|b| format!("{:?}", b.availability))
        .collect();
    println!(
        "{label}: {} firms, {} buyers, {} slots, {} weighted pairs, {} requests, {} distinct buyer windows; generated and matched in {matched:.1} s",
        mission.firms.len(),
        mission.buyers.len(),
        mission.slots.len(),
        weights.len(),
        mission.requests.len(),
        windows.len(),
    );
    let steps: Arc<Mutex<Vec<(f64, String)>>> = Arc::new(Mutex::new(Vec::new()));
    let seen = steps.clone();
    let options = ScheduleOptions {
        solver,
        time_limit_seconds: Some(300.0),
        progress: Some(Progress(Arc::new(move |seconds: f64, step: &str| {
            seen.lock().unwrap().push((seconds, step.to_string()));
        }))),
        ..Default::default()
    };
    match schedule(&mission, &weights, &options) {
        Ok(result) => {
            // Steps of 0.05 s or more one by one, the many small ones (small parts) together.
            let steps = steps.lock().unwrap();
            let (mut small, mut small_seconds) = (0, 0.0);
            for (index, (at, step)) in steps.iter().enumerate() {
                let end = steps.get(index + 1).map_or(result.seconds, |next| next.0);
                if end - at >= 0.05 {
                    println!("    {:>8.2} s  {step}", end - at);
                } else {
                    small += 1;
                    small_seconds += end - at;
                }
            }
            println!("    {small_seconds:>8.2} s  {small} shorter steps");
            let violations = validate_schedule(&mission, &weights, &result.meetings).len();
            println!(
                "  total {:.2} s  value {:.0}  bound {:.0}  gap {:.4}%  proven {}  minimums {}/{}  meetings {}  violations {violations}",
                result.seconds,
                result.expected_value_usd,
                result.upper_bound_usd,
                result.gap * 100.0,
                result.proven_optimal,
                result.minimum_coverage.0,
                result.minimum_coverage.1,
                result.meetings.len(),
            );
            for note in &result.notes {
                println!("  note: {note}");
            }
        }
        Err(error) => println!("  failed: {error}"),
    }
}

/// The six missions of the family (300 x 3,000 x 4 sessions, seed 11).
fn family() -> Vec<(&'static str, GeneratorOptions)> {
    let base = GeneratorOptions {
        firms: 300,
        buyers: 3000,
        sessions: 4,
        seed: 11,
        ..Default::default()
    };
    vec![
        (
            "partial windows",
            GeneratorOptions {
                partial_windows: true,
                ..base.clone()
            },
        ),
        (
            "scarce interpreters, several languages",
            GeneratorOptions {
                scarce_interpreters: true,
                ..base.clone()
            },
        ),
        (
            "dense must/want/avoid rows",
            GeneratorOptions {
                dense_requests: true,
                ..base.clone()
            },
        ),
        (
            "overlapping sessions in two halls",
            GeneratorOptions {
                overlapping_sessions: true,
                ..base.clone()
            },
        ),
        (
            "two cities at once",
            GeneratorOptions {
                two_cities: true,
                ..base.clone()
            },
        ),
        (
            "all five",
            GeneratorOptions {
                partial_windows: true,
                scarce_interpreters: true,
                dense_requests: true,
                overlapping_sessions: true,
                two_cities: true,
                ..base
            },
        ),
    ]
}

fn report(
    label: &str,
    mission: &Mission,
    weights: &[PairWeight],
    solver: SolverChoice,
    methods: &[Method],
    time_limit: f64,
) {
    println!(
        "{label}: {} firms, {} buyers, {} slots, {} weighted pairs",
        mission.firms.len(),
        mission.buyers.len(),
        mission.slots.len(),
        weights.len()
    );
    let mut engine: Option<(f64, u32)> = None;
    for &method in methods {
        let options = ScheduleOptions {
            solver,
            method,
            time_limit_seconds: Some(time_limit),
            ..Default::default()
        };
        match schedule(mission, weights, &options) {
            Ok(result) => {
                let violations = validate_schedule(mission, weights, &result.meetings).len();
                // Greedy proves nothing: it has no bound to print.
                let bound = if method == Method::Greedy {
                    "-".to_string()
                } else {
                    format!("{:.0}", result.upper_bound_usd)
                };
                let gap = if method == Method::Greedy {
                    "-".to_string()
                } else {
                    format!("{:.4}%", result.gap * 100.0)
                };
                let against_engine = match engine {
                    Some((value, covered)) if method != Method::Classes => format!(
                        "  vs engine: value {:+.0}, minimum meetings {:+}",
                        result.expected_value_usd - value,
                        i64::from(result.minimum_coverage.0) - i64::from(covered)
                    ),
                    _ => String::new(),
                };
                println!(
                    "  {:<12} {:<8} {:>8.3} s  value {:>12.0}  bound {:>12}  gap {:>8}  minimums {}/{}  meetings {}  violations {}{}",
                    format!("{method:?}"),
                    result.solver,
                    result.seconds,
                    result.expected_value_usd,
                    bound,
                    gap,
                    result.minimum_coverage.0,
                    result.minimum_coverage.1,
                    result.meetings.len(),
                    violations,
                    against_engine
                );
                if method == Method::Classes {
                    engine = Some((result.expected_value_usd, result.minimum_coverage.0));
                }
            }
            Err(error) => println!("  {method:?}: {error}"),
        }
    }
}

fn generated(
    firms: usize,
    buyers: usize,
    sessions: usize,
    seed: u64,
) -> (Mission, Vec<PairWeight>) {
    generated_with(GeneratorOptions {
        firms,
        buyers,
        sessions,
        seed,
        ..Default::default()
    })
}

fn generated_with(options: GeneratorOptions) -> (Mission, Vec<PairWeight>) {
    let mission = generate(&options);
    let candidates = match_mission(&mission, &MatchOptions::default()).expect("matching");
    let weights = candidate_weights(&mission, &candidates);
    (mission, weights)
}

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    let solvers: Vec<SolverChoice> = if arguments.iter().any(|a| a == "highs") {
        vec![
            SolverChoice::Microlp,
            SolverChoice::parse("highs").expect("built with --features highs"),
        ]
    } else {
        vec![SolverChoice::Microlp]
    };
    let all = [Method::Classes, Method::TimeIndexed, Method::Greedy];
    if arguments.iter().any(|a| a == "family") {
        for solver in &solvers {
            println!("== family, solver {}", solver.name());
            // `-- family WORD`: only the missions whose label has WORD (`all`, `halls`...).
            let only: Vec<&String> = arguments[1..]
                .iter()
                .filter(|a| !a.starts_with('-') && !["family", "highs"].contains(&a.as_str()))
                .collect();
            for (label, options) in family() {
                if only.is_empty() || only.iter().any(|word| label.contains(word.as_str())) {
                    stages(label, options, *solver);
                }
            }
        }
        return;
    }
    for solver in &solvers {
        println!("== solver {}", solver.name());
        for name in ["india-2017", "vietnam-2017"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures")
                .join(name);
            let mission = read_mission(&path).expect("fixture").mission;
            let weights = candidate_weights(
                &mission,
                &match_mission(&mission, &MatchOptions::default()).expect("matching"),
            );
            report(name, &mission, &weights, *solver, &all, 120.0);
        }
        // The India fixture with one interpreter per language: interpreters bind.
        {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/india-2017");
            let mut mission = read_mission(&path).expect("fixture").mission;
            for limit in mission
                .interpreters
                .iter_mut()
                .flat_map(|limits| limits.values_mut())
            {
                *limit = 1;
            }
            let weights = candidate_weights(
                &mission,
                &match_mission(&mission, &MatchOptions::default()).expect("matching"),
            );
            report(
                "india-2017, one interpreter per language",
                &mission,
                &weights,
                *solver,
                &all,
                120.0,
            );
        }
        let (mission, weights) = generated(30, 300, 10, 3);
        report(
            "30 x 300 x 10 sessions",
            &mission,
            &weights,
            *solver,
            &all,
            120.0,
        );
        let (mission, weights) = generated(300, 3000, 4, 5);
        report(
            "300 x 3,000 x 4 sessions",
            &mission,
            &weights,
            *solver,
            &all,
            300.0,
        );
        if arguments.iter().any(|a| a == "varied") {
            let (mission, weights) = generated_with(GeneratorOptions {
                firms: 300,
                buyers: 3000,
                sessions: 4,
                seed: 1,
                varied_windows: true,
                ..Default::default()
            });
            report(
                "300 x 3,000 x 4 sessions, varied windows, scarce interpreters",
                &mission,
                &weights,
                *solver,
                &[Method::Classes, Method::Greedy],
                120.0,
            );
        }
        if arguments.iter().any(|a| a == "large") {
            let (mission, weights) = generated(1000, 10_000, 4, 7);
            report(
                "1,000 x 10,000 x 4 sessions",
                &mission,
                &weights,
                *solver,
                &[Method::Classes, Method::Greedy],
                600.0,
            );
        }
    }
}
