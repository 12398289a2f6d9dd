//! Runs every scheduling method on one generated mission and prints what each achieved.
//! `cargo run --release --example schedule_probe -- FIRMS BUYERS SESSIONS SEED`

use missionmatch::{
    generate, schedule, synthetic_weights, validate_schedule, GeneratorOptions, Method,
    ScheduleOptions,
};

fn main() {
    let arguments: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let get = |index: usize, default: usize| arguments.get(index).copied().unwrap_or(default);
    let mut mission = generate(&GeneratorOptions {
        firms: get(0, 6),
        buyers: get(1, 30),
        sessions: get(2, 2),
        seed: get(3, 1) as u64,
        headings: get(4, 0),
        ..Default::default()
    });
    if std::env::var_os("TIGHT").is_some() {
        // One interpreter per language and binding minimums.
        for limit in mission
            .interpreters
            .iter_mut()
            .flat_map(|limits| limits.values_mut())
        {
            *limit = 1;
        }
        mission.rules.min_meetings_per_firm = Some(5);
        mission.rules.min_meetings_per_buyer = Some(1);
    }
    let weights = synthetic_weights(&mission, 1);
    println!(
        "{} weighted pairs, {} slots",
        weights.len(),
        mission.slots.len()
    );
    for method in [Method::Greedy, Method::Classes, Method::TimeIndexed] {
        match schedule(&mission, &weights, &ScheduleOptions { method, time_limit_seconds: Some(60.0), ..Default::default() }) {
            Ok(result) => println!(
                "{method:?}: {} meetings, value {:.0}, bound {:.0}, gap {:e}, proven {}, coverage {:?}, {:.3} s, violations {}, notes {:?}",
                result.meetings.len(), result.expected_value_usd, result.upper_bound_usd, result.gap, result.proven_optimal,
                result.minimum_coverage, result.seconds,
                validate_schedule(&mission, &weights, &result.meetings).len(), result.notes
            ),
            Err(error) => println!("{method:?}: {error}"),
        }
    }
}
