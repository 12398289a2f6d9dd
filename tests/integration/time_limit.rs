//! Time limits: whatever the limit, `schedule` returns a valid timetable whose bound is still
//! proven (never below the true optimum), says which stage was cut short, and never calls a
//! cut-short run proven unless it is.

use crate::common;

use missionmatch::{
    schedule, validate_schedule, Error, Method, Mission, PairWeight, Pricing, Schedule,
    ScheduleOptions,
};

fn run(
    mission: &Mission,
    weights: &[PairWeight],
    method: Method,
    pricing: Pricing,
    time_limit_seconds: Option<f64>,
) -> Schedule {
    let options = ScheduleOptions {
        method,
        pricing,
        time_limit_seconds,
        ..Default::default()
    };
    let result = schedule(mission, weights, &options)
        .unwrap_or_else(|error| panic!("{method:?} {time_limit_seconds:?}: {error}"));
    let violations = validate_schedule(mission, weights, &result.meetings);
    assert!(
        violations.is_empty(),
        "{method:?} {time_limit_seconds:?}: {violations:#?}"
    );
    result
}

#[test]
fn every_limit_gives_a_valid_timetable_and_a_proven_bound() {
    for (firms, buyers, seed, tight) in [
        (15, 120, 31, false),
        (15, 120, 32, true),
        (25, 200, 33, true),
    ] {
        let (mission, weights) = common::generated(firms, buyers, seed, tight);
        let optimum = run(
            &mission,
            &weights,
            Method::TimeIndexed,
            Pricing::Never,
            None,
        );
        assert!(optimum.proven_optimal);
        let ways = [
            (Method::Classes, Pricing::Never),
            (Method::Classes, Pricing::Always),
            (Method::TimeIndexed, Pricing::Never),
        ];
        for (method, pricing) in ways {
            {
                for limit in [0.0, 0.005, 0.05, 0.5] {
                    let result = run(&mission, &weights, method, pricing, Some(limit));
                    let what = format!("{firms}x{buyers} {method:?} {pricing:?} limit {limit}");
                    assert!(
                        result.upper_bound_usd >= optimum.expected_value_usd * (1.0 - 1e-9),
                        "{what}: bound {} below the optimum {}",
                        result.upper_bound_usd,
                        optimum.expected_value_usd
                    );
                    assert!(result.upper_bound_usd.is_finite(), "{what}");
                    if result.proven_optimal {
                        assert_eq!(result.minimum_coverage, optimum.minimum_coverage, "{what}");
                        assert!(
                            result.expected_value_usd >= optimum.expected_value_usd * (1.0 - 2e-4),
                            "{what}: proven, yet {} against {}",
                            result.expected_value_usd,
                            optimum.expected_value_usd
                        );
                    } else {
                        assert!(
                            result
                                .notes
                                .iter()
                                .any(|note| note.starts_with("time limit:")),
                            "{what}: not proven and no note says which stage was cut: {:?}",
                            result.notes
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn a_zero_limit_cuts_the_first_stage_and_greedy_fills_in() {
    let (mission, weights) = common::generated(15, 120, 32, true);
    let result = run(
        &mission,
        &weights,
        Method::Classes,
        Pricing::Auto,
        Some(0.0),
    );
    assert!(!result.proven_optimal);
    assert!(!result.meetings.is_empty());
    let notes = result.notes.join("\n");
    assert!(
        notes.contains("coverage of minimums was cut short"),
        "{notes}"
    );
    assert!(notes.contains("greedy filled"), "{notes}");
}

#[test]
fn limits_that_are_not_finite_or_negative_are_refused() {
    let (mission, weights) = common::generated(5, 20, 1, false);
    for limit in [f64::INFINITY, f64::NAN, -1.0, 1e300] {
        let options = ScheduleOptions {
            time_limit_seconds: Some(limit),
            ..Default::default()
        };
        match schedule(&mission, &weights, &options) {
            Err(Error::BadOption(message)) => assert!(message.contains("time limit"), "{message}"),
            other => panic!("limit {limit}: {:?}", other.map(|s| s.meetings.len())),
        }
    }
}
