//! The optimiser against its oracles: the independent validator on every timetable, the plain
//! time-indexed model on medium missions, brute force on tiny ones.

use crate::common;

use missionmatch::{
    generate, schedule, synthetic_weights, validate_schedule, GeneratorOptions, Method, Mission,
    PairWeight, Pricing, Schedule, ScheduleOptions,
};

fn run(mission: &Mission, weights: &[PairWeight], method: Method) -> Schedule {
    run_with(mission, weights, method, Pricing::Auto)
}

fn run_with(
    mission: &Mission,
    weights: &[PairWeight],
    method: Method,
    pricing: Pricing,
) -> Schedule {
    let result = schedule(
        mission,
        weights,
        &ScheduleOptions {
            method,
            pricing,
            ..Default::default()
        },
    )
    .unwrap_or_else(|error| panic!("{method:?}: {error}"));
    let violations = validate_schedule(mission, weights, &result.meetings);
    assert!(violations.is_empty(), "{method:?}: {violations:#?}");
    assert!(
        result.upper_bound_usd >= result.expected_value_usd,
        "{method:?}: bound below value"
    );
    result
}

fn assert_close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0),
        "{what}: {a} vs {b}"
    );
}

#[test]
fn class_model_reaches_the_time_indexed_optimum() {
    for seed in 1..=6 {
        let mut mission = generate(&GeneratorOptions {
            firms: 6,
            buyers: 30,
            seed,
            sessions: 2,
            headings: 3,
            ..Default::default()
        });
        // Tight interpreters and binding minimums on half the seeds.
        if seed % 2 == 0 {
            common::tighten(&mut mission, 5);
        }
        let weights = synthetic_weights(&mission, seed);
        let engine = run(&mission, &weights, Method::Classes);
        let priced = run_with(&mission, &weights, Method::Classes, Pricing::Always);
        let oracle = run(&mission, &weights, Method::TimeIndexed);
        // The interior-point pricing reaches the same optimum, and its bound holds.
        assert_eq!(
            priced.minimum_coverage, oracle.minimum_coverage,
            "seed {seed}"
        );
        assert_close(
            priced.expected_value_usd,
            oracle.expected_value_usd,
            &format!("seed {seed}, priced"),
        );
        assert!(priced.upper_bound_usd >= oracle.expected_value_usd * (1.0 - 1e-9));
        assert!(priced.proven_optimal, "seed {seed}: {:?}", priced.notes);
        let greedy = run(&mission, &weights, Method::Greedy);
        assert_eq!(
            engine.minimum_coverage, oracle.minimum_coverage,
            "seed {seed}"
        );
        assert_close(
            engine.expected_value_usd,
            oracle.expected_value_usd,
            &format!("seed {seed}"),
        );
        assert!(engine.proven_optimal, "seed {seed}: {:?}", engine.notes);
        assert!(greedy.minimum_coverage.0 <= engine.minimum_coverage.0);
        if greedy.minimum_coverage == engine.minimum_coverage {
            assert!(greedy.expected_value_usd <= engine.expected_value_usd + 1e-6);
        }
    }
}

#[test]
fn priced_engine_matches_the_simplex_on_medium_missions() {
    // Large enough that pricing leaves variables out (and has to prove that it may).
    for (seed, tight) in [(21, false), (22, true)] {
        let (mission, weights) = common::generated(15, 120, seed, tight);
        let simplex = run_with(&mission, &weights, Method::Classes, Pricing::Never);
        let priced = run_with(&mission, &weights, Method::Classes, Pricing::Always);
        assert_eq!(
            priced.minimum_coverage, simplex.minimum_coverage,
            "seed {seed}"
        );
        assert_close(
            priced.expected_value_usd,
            simplex.expected_value_usd,
            &format!("seed {seed}"),
        );
        assert!(priced.upper_bound_usd >= simplex.expected_value_usd * (1.0 - 1e-9));
        assert!(
            priced.proven_optimal && simplex.proven_optimal,
            "seed {seed}"
        );
    }
}

mod brute_force {
    use super::*;
    use missionmatch::{
        derive_slots, Availability, Buyer, BuyerId, Date, Error, Firm, FirmId, Meeting,
        MeetingLimits, Request, RequestKind, Rules, Session, SessionId, SlotId, TimeOfDay,
        TimeRange, Window,
    };
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// A tiny mission: one session of three 30-minute slots, 2-3 firms, 2-3 buyers.
    #[derive(Debug, Clone)]
    struct Tiny {
        firms: Vec<(u8, u8, u8, u8)>,  // (window, language, min, max)
        buyers: Vec<(u8, u8, u8, u8)>, // (window, language, min, max)
        values: Vec<Option<u16>>,      // per firm x buyer: weight or not a candidate
        requests: Vec<u8>,             // per firm x buyer: 0 none, 1 must, 2 avoid
        interpreter_limit: Option<u8>,
    }

    fn tiny() -> impl Strategy<Value = Tiny> {
        (2usize..=3, 2usize..=3).prop_flat_map(|(firms, buyers)| {
            let participant = (0u8..4, 0u8..2, 0u8..3, 0u8..4);
            (
                proptest::collection::vec(participant.clone(), firms),
                proptest::collection::vec(participant, buyers),
                proptest::collection::vec(
                    proptest::option::weighted(0.6, 1u16..1000),
                    firms * buyers,
                ),
                proptest::collection::vec(
                    prop_oneof![8 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)],
                    firms * buyers,
                ),
                proptest::option::of(0u8..3),
            )
                .prop_map(|(firms, buyers, values, requests, interpreter_limit)| {
                    Tiny {
                        firms,
                        buyers,
                        values,
                        requests,
                        interpreter_limit,
                    }
                })
        })
    }

    fn window(code: u8) -> Availability {
        let range = |start: u16, end: u16| Window {
            session: 0,
            range: Some(TimeRange {
                start: TimeOfDay(start),
                end: TimeOfDay(end),
            }),
        };
        match code {
            0 => Availability::Everywhere,
            1 => Availability::Windows(vec![range(540, 600)]), // first two slots
            2 => Availability::Windows(vec![range(570, 630)]), // last two slots
            _ => Availability::Windows(vec![range(570, 600)]), // the middle slot
        }
    }

    fn build(tiny: &Tiny) -> (Mission, Vec<PairWeight>) {
        let languages = |code: u8, own: &str| -> Vec<String> {
            if code == 0 {
                vec![own.to_string()]
            } else {
                vec![own.to_string(), "en".to_string()]
            }
        };
        let limits = |min: u8, max: u8| MeetingLimits {
            min_meetings: Some(u32::from(min)),
            max_meetings: Some(u32::from(min.max(max))),
        };
        let sessions = vec![Session {
            id: SessionId("S".into()),
            date: Date {
                year: 2017,
                month: 3,
                day: 27,
            },
            city: String::new(),
            hours: TimeRange {
                start: TimeOfDay(540),
                end: TimeOfDay(630),
            },
            slot_minutes: 30,
            break_minutes: 0,
            breaks: vec![],
            timezone: None,
            venue: String::new(),
            tables: None,
        }];
        let firms: Vec<Firm> = tiny
            .firms
            .iter()
            .enumerate()
            .map(|(index, &(w, l, min, max))| Firm {
                id: FirmId(format!("F{index}")),
                name: format!("Firm {index}"),
                sector: String::new(),
                products: String::new(),
                keywords: vec![],
                hs_codes: vec![],
                languages: languages(l, "ko"),
                availability: window(w),
                limits: limits(min, max),
                export_capacity_usd: None,
                booth: String::new(),
                contact: Default::default(),
                status: Default::default(),
                extra: vec![],
                for_buyers: Default::default(),
            })
            .collect();
        let buyers: Vec<Buyer> = tiny
            .buyers
            .iter()
            .enumerate()
            .map(|(index, &(w, l, min, max))| Buyer {
                id: BuyerId(format!("B{index}")),
                company: format!("Buyer {index}"),
                country: "IN".into(),
                city: String::new(),
                sector: String::new(),
                interests: String::new(),
                keywords: vec![],
                hs_codes: vec![],
                languages: languages(l, "hi"),
                availability: window(w),
                limits: limits(min, max),
                annual_import_usd: None,
                contact: Default::default(),
                status: Default::default(),
                extra: vec![],
            })
            .collect();
        let mut weights = Vec::new();
        let mut requests = Vec::new();
        for (index, value) in tiny.values.iter().enumerate() {
            let (firm, buyer) = (index / buyers.len(), index % buyers.len());
            if let Some(value) = value {
                weights.push(PairWeight {
                    firm: firms[firm].id.clone(),
                    buyer: buyers[buyer].id.clone(),
                    expected_value_usd: f64::from(*value),
                    reasons: vec![],
                    relevance: None,
                    source: "test".into(),
                    line: None,
                });
            }
            let kind = match tiny.requests[index] {
                1 => RequestKind::Must,
                2 => RequestKind::Avoid,
                _ => continue,
            };
            requests.push(Request {
                firm: firms[firm].id.clone(),
                buyer: buyers[buyer].id.clone(),
                kind,
                from: None,
                wish: false,
                when: missionmatch::Availability::Everywhere,
                note: String::new(),
            });
        }
        let interpreters = tiny.interpreter_limit.map(|limit| {
            let mut table = BTreeMap::new();
            table.insert("hi".to_string(), u32::from(limit));
            table
        });
        let slots = derive_slots(&sessions);
        let mission = Mission {
            name: "tiny".into(),
            currency: "USD".into(),
            sessions,
            slots,
            interpreters,
            rules: Rules::default(),
            model: BTreeMap::new(),
            followup_webhook: None,
            organiser: None,
            wishes_until: None,
            email: None,
            firms,
            buyers,
            requests,
            wishes: Vec::new(),
            outcomes: None,
        };
        (mission, weights)
    }

    /// Every assignment of each candidate pair to no slot or one slot; the lexicographic best
    /// (coverage of minimums, then value) among the valid ones, or `None` if none is valid.
    fn brute_force(mission: &Mission, weights: &[PairWeight]) -> Option<((u32, u32), f64)> {
        let mut pairs: Vec<(FirmId, BuyerId, f64)> = weights
            .iter()
            .map(|w| (w.firm.clone(), w.buyer.clone(), w.expected_value_usd))
            .collect();
        for request in &mission.requests {
            if request.kind == RequestKind::Must
                && !pairs
                    .iter()
                    .any(|p| p.0 == request.firm && p.1 == request.buyer)
            {
                pairs.push((request.firm.clone(), request.buyer.clone(), 0.0));
            }
        }
        let slot_count = mission.slots.len();
        let mut best: Option<((u32, u32), f64)> = None;
        let mut choice = vec![0usize; pairs.len()];
        loop {
            let meetings: Vec<Meeting> = pairs
                .iter()
                .zip(&choice)
                .filter(|(_, &c)| c > 0)
                .map(|((firm, buyer, value), &c)| {
                    let f = mission.firms.iter().find(|x| &x.id == firm).unwrap();
                    let b = mission.buyers.iter().find(|x| &x.id == buyer).unwrap();
                    Meeting {
                        firm: firm.clone(),
                        buyer: buyer.clone(),
                        slot: SlotId(c - 1),
                        interpreter: mission.interpreter_for(f, b).map(String::from),
                        expected_value_usd: *value,
                        reasons: vec![],
                        table: None,
                    }
                })
                .collect();
            if validate_schedule(mission, weights, &meetings).is_empty() {
                let coverage = missionmatch::minimum_coverage(mission, &meetings);
                let value: f64 = meetings.iter().map(|m| m.expected_value_usd).sum();
                let better = match best {
                    None => true,
                    Some((c, v)) => coverage.0 > c.0 || (coverage.0 == c.0 && value > v + 1e-9),
                };
                if better {
                    best = Some((coverage, value));
                }
            }
            // Next assignment, like counting in base slot_count + 1.
            let mut position = 0;
            loop {
                if position == choice.len() {
                    return best;
                }
                choice[position] += 1;
                if choice[position] <= slot_count {
                    break;
                }
                choice[position] = 0;
                position += 1;
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 120, ..ProptestConfig::default() })]

        #[test]
        fn the_engine_matches_brute_force_on_tiny_missions(tiny in tiny()) {
            let (mission, weights) = build(&tiny);
            let expected = brute_force(&mission, &weights);
            for (method, pricing) in [
                (Method::Classes, Pricing::Never),
                (Method::Classes, Pricing::Always),
                (Method::TimeIndexed, Pricing::Never),
            ] {
                let result = schedule(&mission, &weights, &ScheduleOptions { method, pricing, ..Default::default() });
                match (&expected, result) {
                    (None, Err(Error::Infeasible(_))) => {}
                    (Some((coverage, value)), Ok(result)) => {
                        prop_assert!(validate_schedule(&mission, &weights, &result.meetings).is_empty());
                        prop_assert_eq!(result.minimum_coverage, *coverage, "{:?} {:?}", method, pricing);
                        prop_assert!((result.expected_value_usd - value).abs() < 1e-6, "{:?}: {} vs {}", method, result.expected_value_usd, value);
                        prop_assert!(result.upper_bound_usd + 1e-6 >= *value);
                    }
                    (expected, result) => prop_assert!(false, "{:?}: brute force {:?}, engine {:?}", method, expected, result.map(|r| r.expected_value_usd)),
                }
            }
            // The greedy baseline's bound is the combinatorial one: proven, never below the
            // optimum, and greedy never claims to be optimal.
            if let (Some((_, value)), Ok(greedy)) = (&expected, schedule(&mission, &weights, &ScheduleOptions { method: Method::Greedy, ..Default::default() })) {
                prop_assert!(greedy.upper_bound_usd + 1e-6 >= *value, "greedy bound {} below the optimum {}", greedy.upper_bound_usd, value);
                prop_assert!(!greedy.proven_optimal);
            }
        }
    }
}

/// With HiGHS compiled in, both solvers reach the same optimum on the same missions: plain ones
/// and the families that make real missions hard (partial windows, scarce interpreters, dense
/// requests, overlapping sessions). `.ci/run` runs only this test with HiGHS compiled in.
#[cfg(feature = "highs")]
#[test]
fn highs_and_microlp_agree() {
    use missionmatch::SolverChoice;
    let families: [fn(&mut GeneratorOptions); 5] = [
        |_| {},
        |options| options.partial_windows = true,
        |options| options.scarce_interpreters = true,
        |options| options.dense_requests = true,
        |options| options.overlapping_sessions = true,
    ];
    for (seed, family) in (1..).zip(families) {
        let mut options = GeneratorOptions {
            firms: 8,
            buyers: 40,
            seed,
            sessions: 2,
            headings: 4,
            ..Default::default()
        };
        family(&mut options);
        let mission = generate(&options);
        let weights = synthetic_weights(&mission, seed);
        let solve = |solver| {
            let result = schedule(
                &mission,
                &weights,
                &ScheduleOptions {
                    solver,
                    mip_gap: 0.0,
                    ..Default::default()
                },
            )
            .unwrap();
            assert!(validate_schedule(&mission, &weights, &result.meetings).is_empty());
            result
        };
        let highs = solve(SolverChoice::parse("highs").unwrap());
        let microlp = solve(SolverChoice::Microlp);
        assert_eq!(highs.solver, "highs");
        assert_eq!(highs.minimum_coverage, microlp.minimum_coverage);
        assert_close(
            highs.expected_value_usd,
            microlp.expected_value_usd,
            &format!("seed {seed}"),
        );
    }
}

#[test]
fn progress_reports_each_step_in_order() {
    use std::sync::{Arc, Mutex};
    let mission = generate(&GeneratorOptions {
        firms: 8,
        buyers: 40,
        seed: 9,
        sessions: 2,
        headings: 4,
        ..Default::default()
    });
    let weights = synthetic_weights(&mission, 9);
    let steps: Arc<Mutex<Vec<(f64, String)>>> = Arc::default();
    let sink = Arc::clone(&steps);
    let result = schedule(
        &mission,
        &weights,
        &ScheduleOptions {
            pricing: Pricing::Always,
            progress: Some(missionmatch::Progress(Arc::new(move |seconds, step| {
                sink.lock().unwrap().push((seconds, step.to_string()));
            }))),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(validate_schedule(&mission, &weights, &result.meetings).is_empty());
    let steps = steps.lock().unwrap();
    let texts: Vec<&str> = steps.iter().map(|(_, text)| text.as_str()).collect();
    assert!(
        texts.first().is_some_and(|t| t.starts_with("part 1/")),
        "{texts:?}"
    );
    for wanted in ["expected value (", "interior-point bound", "simplex on"] {
        assert!(
            texts.iter().any(|t| t.contains(wanted)),
            "{wanted}: {texts:?}"
        );
    }
    assert!(steps.windows(2).all(|pair| pair[0].0 <= pair[1].0));
}
