//! The idle-break minimiser against a brute-force oracle: small random problems (any two
//! participants may meet, forbidden slots, fixed meetings, capacities, a fairness limit) are
//! solved by enumerating every assignment, and `minimise_breaks` must find the same minimum (or
//! prove the same infeasibility), with a timetable the independent checker accepts.

use missionmatch::testing::Rng;
use missionmatch::{
    check_breaks, minimise_breaks, minimise_breaks_from, BreakProblem, Capacity, Deadline,
};

fn random_problem(rng: &mut Rng) -> BreakProblem {
    let participants = 3 + rng.below(4);
    let slots = 3 + rng.below(3);
    let meeting_count = 3 + rng.below(5);
    let mut meetings = Vec::new();
    while meetings.len() < meeting_count {
        let (a, b) = (rng.below(participants), rng.below(participants));
        if a != b {
            meetings.push((a, b));
        }
    }
    let allowed = (0..meeting_count)
        .map(|_| {
            if rng.chance(0.1) {
                return vec![rng.below(slots)]; // fixed
            }
            (0..slots).filter(|_| rng.chance(0.8)).collect()
        })
        .collect();
    let mut capacities = Vec::new();
    if rng.chance(0.5) {
        capacities.push(Capacity {
            meetings: (0..meeting_count).collect(),
            limits: (0..slots).map(|_| 1 + rng.below(3)).collect(),
        });
    }
    if rng.chance(0.3) {
        capacities.push(Capacity {
            meetings: (0..meeting_count).filter(|_| rng.chance(0.5)).collect(),
            limits: vec![1; slots],
        });
    }
    BreakProblem {
        participants,
        meetings,
        slots,
        allowed,
        capacities,
        max_breaks: if rng.chance(0.4) {
            Some(rng.below(2) as u32)
        } else {
            None
        },
        // Sometimes two sessions: idle slots between them are no break.
        segment_starts: if rng.chance(0.3) {
            vec![1 + rng.below(slots - 1)]
        } else {
            Vec::new()
        },
    }
}

/// The fewest breaks over every assignment, or `None` when no assignment keeps the rules.
fn brute_force(problem: &BreakProblem) -> Option<u32> {
    let mut best = None;
    let mut slots = vec![0usize; problem.meetings.len()];
    fn walk(problem: &BreakProblem, m: usize, slots: &mut Vec<usize>, best: &mut Option<u32>) {
        if m == problem.meetings.len() {
            if let Ok(breaks) = check_breaks(problem, slots) {
                *best = Some(best.map_or(breaks, |b: u32| b.min(breaks)));
            }
            return;
        }
        for &slot in &problem.allowed[m] {
            slots[m] = slot;
            walk(problem, m + 1, slots, best);
        }
    }
    walk(problem, 0, &mut slots, &mut best);
    best
}

#[test]
fn the_minimiser_finds_the_brute_force_minimum() {
    let mut rng = Rng::new(2022);
    let (mut feasible, mut infeasible, mut with_breaks) = (0, 0, 0);
    for case in 0..400 {
        let problem = random_problem(&mut rng);
        let expected = brute_force(&problem);
        let result = minimise_breaks(&problem, Deadline::NONE);
        assert!(result.proven, "case {case}: not proven without a deadline");
        match (expected, &result.slots) {
            (None, None) => infeasible += 1,
            (Some(minimum), Some(slots)) => {
                assert_eq!(
                    check_breaks(&problem, slots),
                    Ok(result.breaks),
                    "case {case}"
                );
                assert_eq!(result.breaks, minimum, "case {case}: {problem:?}");
                assert_eq!(result.lower_bound, minimum, "case {case}");
                feasible += 1;
                with_breaks += usize::from(minimum > 0);
            }
            (expected, found) => {
                panic!("case {case}: expected {expected:?}, found {found:?}: {problem:?}")
            }
        }
    }
    // The generator makes all three kinds of case.
    assert!(
        feasible > 100 && infeasible > 20 && with_breaks > 20,
        "{feasible} {infeasible} {with_breaks}"
    );
}

#[test]
fn starting_from_a_timetable_never_ends_worse_than_it() {
    let mut rng = Rng::new(7);
    for case in 0..200 {
        let problem = random_problem(&mut rng);
        let Some(minimum) = brute_force(&problem) else {
            continue;
        };
        // A valid start: the first timetable the minimiser finds with no bound.
        let any = minimise_breaks(&problem, Deadline::NONE).slots.unwrap();
        let result = minimise_breaks_from(&problem, Some(&any), Deadline::NONE);
        assert_eq!(result.breaks, minimum, "case {case}");
        assert!(result.proven);
        // With a deadline already past, the start comes back unproven (or proven if it is 0).
        let past = Deadline::at(std::time::Instant::now());
        let rushed = minimise_breaks_from(&problem, Some(&any), past);
        assert_eq!(rushed.slots.as_deref(), Some(any.as_slice()), "case {case}");
        assert_eq!(rushed.breaks, check_breaks(&problem, &any).unwrap());
        assert!(rushed.lower_bound <= minimum);
    }
}

#[test]
fn a_meeting_with_no_slot_is_infeasible_and_the_checker_names_broken_rules() {
    let problem = BreakProblem {
        participants: 3,
        meetings: vec![(0, 1), (1, 2), (0, 2)],
        slots: 2,
        allowed: vec![vec![0, 1], vec![0, 1], vec![0, 1]],
        capacities: Vec::new(),
        max_breaks: None,
        segment_starts: Vec::new(),
    };
    // A triangle needs three slots: two cannot hold it.
    let result = minimise_breaks(&problem, Deadline::NONE);
    assert_eq!((result.slots, result.proven), (None, true));
    let wider = BreakProblem {
        slots: 3,
        allowed: vec![vec![0, 1, 2]; 3],
        ..problem.clone()
    };
    // In three slots, whoever meets in the first and the last slot waits in between.
    let solved = minimise_breaks(&wider, Deadline::NONE);
    assert_eq!((solved.breaks, solved.proven), (1, true));
    assert!(check_breaks(&wider, &[0, 0, 1])
        .unwrap_err()
        .contains("participant 1 has meetings 0 and 1"));
    assert!(check_breaks(&wider, &[0, 1, 3])
        .unwrap_err()
        .contains("may not take"));
    let narrow = BreakProblem {
        capacities: vec![Capacity {
            meetings: vec![0, 1, 2],
            limits: vec![0, 1, 1],
        }],
        ..wider.clone()
    };
    assert!(check_breaks(&narrow, &[0, 1, 2])
        .unwrap_err()
        .contains("capacity 0"));
}
