//! The LP layer's tests, and the small models other tests of the optimiser reuse.

use super::branch::{search_neighbourhood, widen};
use super::price::implied_upper_bounds_dropped;
use super::*;
use crate::schedule::Deadline;

/// (bound, value, gap): float noise of a sum reads as no gap; a real one stays.
#[test]
fn the_gap_ignores_the_rounding_of_sums_only() {
    let sum_forward: f64 = (1..=2000).map(|i| 1.0 / f64::from(i)).sum();
    let sum_backward: f64 = (1..=2000).rev().map(|i| 1.0 / f64::from(i)).sum();
    let cases = [
        (0.0, 0.0, 0.0),
        (sum_forward, sum_backward, 0.0),
        (sum_backward, sum_forward, 0.0),
        (100.0, 99.0, 0.01),
        (100.0, 101.0, 0.0),
        (1e6, 1e6 - 1e-3, 1e-9),
    ];
    for (bound, value, gap) in cases {
        let got = relative_gap(bound, value);
        assert!(
            (got - gap).abs() < 1e-15,
            "{bound} {value}: {got} not {gap}"
        );
    }
}

#[test]
fn solves_a_small_knapsack_as_lp_and_mip() {
    // max 5a + 4b + 3c, 2a + 3b + c <= 3.5, each in [0, 1].
    let mut model = LinearModel::default();
    let a = model.add_variable(1.0, true, 5.0);
    let b = model.add_variable(1.0, true, 4.0);
    let c = model.add_variable(1.0, true, 3.0);
    model.add_row(vec![(a, 2.0), (b, 3.0), (c, 1.0)], Sense::AtMost, 3.5);
    let lp = solve(&model, SolverChoice::Microlp, true, None).unwrap();
    assert!((lp.objective - 26.0 / 3.0).abs() < 1e-6, "{}", lp.objective);
    let mip = solve_mip(&model, lp, SolverChoice::Microlp, Deadline::NONE, 0.0, true).unwrap();
    let best = mip.best.unwrap();
    assert!((best.objective - 8.0).abs() < 1e-6, "{}", best.objective);
    assert!(mip.proven && (mip.bound - 8.0).abs() < 1e-6);
    model.add_row(vec![(a, 1.0)], Sense::AtLeast, 2.0);
    assert_eq!(
        solve(&model, SolverChoice::Microlp, true, None).unwrap_err(),
        SolveFailure::Infeasible
    );
}

/// `variables` integer variables, upper bounds 1 to `uppers`, values 100 to 5,100.
fn random_variables(
    rng: &mut crate::generate::Rng,
    variables: usize,
    uppers: usize,
) -> LinearModel {
    let mut model = LinearModel::default();
    for _ in 0..variables {
        let upper = 1.0 + rng.below(uppers) as f64;
        model.add_variable(upper, true, 100.0 + 5000.0 * rng.unit());
    }
    model
}

/// `count` random terms over distinct variables, coefficients 1 to `coefficients`.
fn random_terms(
    rng: &mut crate::generate::Rng,
    variables: usize,
    count: usize,
    coefficients: usize,
) -> Vec<(usize, f64)> {
    let mut terms: Vec<(usize, f64)> = (0..count)
        .map(|_| (rng.below(variables), 1.0 + rng.below(coefficients) as f64))
        .collect();
    terms.sort_unstable_by_key(|&(variable, _)| variable);
    terms.dedup_by_key(|term| term.0);
    terms
}

/// A random model with `<=`, `>=` and `=` rows that x = 0.1 satisfies (so it is feasible).
fn random_model(seed: u64, variables: usize, rows: usize) -> LinearModel {
    let mut rng = crate::generate::Rng::new(seed);
    let mut model = random_variables(&mut rng, variables, 3);
    for row in 0..rows {
        let count = 1 + rng.below(6);
        let terms = random_terms(&mut rng, variables, count, 3);
        let at_tenth: f64 = terms
            .iter()
            .map(|&(_, coefficient)| 0.1 * coefficient)
            .sum();
        let (sense, rhs) = match row % 7 {
            0 => (Sense::AtLeast, at_tenth),
            1 => (Sense::Equal, at_tenth),
            _ => (Sense::AtMost, at_tenth + 1.0 + rng.below(4) as f64),
        };
        model.add_row(terms, sense, rhs);
    }
    model
}

#[test]
fn interior_point_bounds_hold_and_are_tight() {
    for (seed, variables, rows) in [(1, 30, 20), (2, 200, 150), (3, 800, 500), (4, 60, 90)] {
        let model = random_model(seed, variables, rows);
        let lp = solve(&model, SolverChoice::Microlp, true, None).unwrap();
        let priced = price(&model, &vec![false; model.rows.len()], None, 1e-6).unwrap();
        // Rows left out (every third): their duals are 0, and the bound still holds.
        let left_out: Vec<bool> = (0..model.rows.len()).map(|row| row % 3 == 0).collect();
        let partial = price(&model, &left_out, None, 1e-6).unwrap();
        assert!(
            partial.bound >= lp.objective - 1e-6 * lp.objective.abs(),
            "seed {seed}: bound {} with rows left out, below the LP optimum {}",
            partial.bound,
            lp.objective
        );
        assert!(
            priced.bound >= lp.objective - 1e-6 * lp.objective.abs(),
            "seed {seed}: bound {} below the LP optimum {}",
            priced.bound,
            lp.objective
        );
        assert!(
            priced.bound <= lp.objective * (1.0 + 1e-4),
            "seed {seed}: bound {} loose against the LP optimum {}",
            priced.bound,
            lp.objective
        );
        // Complementary slackness, roughly: what the LP uses has no very negative reduced
        // cost.
        for (variable, &value) in lp.values.iter().enumerate() {
            if value > model.lower[variable] + 1e-6 {
                assert!(
                    priced.reduced_costs[variable] > -1e-2 * 5100.0,
                    "seed {seed}: variable {variable} used with reduced cost {}",
                    priced.reduced_costs[variable]
                );
            }
        }
    }
}

pub(crate) fn satisfies(model: &LinearModel, values: &[f64]) -> bool {
    let bounded = values.iter().enumerate().all(|(v, &x)| {
        x >= model.lower[v] - 1e-6
            && x <= model.upper[v] + 1e-6
            && (!model.integer[v] || (x - x.round()).abs() < 1e-6)
    });
    bounded && model.rows.iter().all(|row| row.holds(values))
}

/// The best objective over every integral point (small models only).
pub(crate) fn brute_force(model: &LinearModel) -> Option<f64> {
    let mut point = vec![0.0; model.upper.len()];
    let mut best: Option<f64> = None;
    loop {
        if satisfies(model, &point) {
            let value: f64 = point.iter().zip(&model.objective).map(|(x, c)| x * c).sum();
            best = Some(best.map_or(value, |b: f64| b.max(value)));
        }
        let mut position = 0;
        loop {
            if position == point.len() {
                return best;
            }
            if point[position] < model.upper[position] {
                point[position] += 1.0;
                break;
            }
            point[position] = 0.0;
            position += 1;
        }
    }
}

/// A random packing model, like the scheduler's (`<=` rows of small integers, a few `>=`
/// rows of minimums), which brute force can enumerate when small.
pub(crate) fn packing_model(seed: u64, variables: usize, rows: usize) -> LinearModel {
    let mut rng = crate::generate::Rng::new(seed);
    let mut model = random_variables(&mut rng, variables, 2);
    for row in 0..rows {
        let count = 2 + rng.below(4);
        let terms = random_terms(&mut rng, variables, count, 2);
        if row % 5 == 4 {
            model.add_row(terms, Sense::AtLeast, 1.0);
        } else {
            model.add_row(terms, Sense::AtMost, 1.0 + rng.below(3) as f64);
        }
    }
    model
}

#[test]
fn the_mip_search_keeps_its_promise_against_brute_force() {
    // Small random models, solved to no gap and to 1%: the answer is feasible, the bound
    // is at least the true optimum, and the answer is within the gap of it. Some of these
    // leave the dive short of the gap, so the neighbourhood search and the whole search run.
    let mut searched_wider = 0;
    for seed in 0..60 {
        let model = packing_model(100 + seed, 10, 8);
        let Some(optimum) = brute_force(&model) else {
            continue;
        };
        for gap in [0.0, 0.01] {
            let lp = solve(&model, SolverChoice::Microlp, true, None).unwrap();
            let fractional = !lp.values.iter().all(|x| (x - x.round()).abs() < 1e-6);
            let mip =
                solve_mip(&model, lp, SolverChoice::Microlp, Deadline::NONE, gap, true).unwrap();
            let best = mip.best.expect("a feasible model has a solution");
            assert!(
                satisfies(&model, &best.values),
                "seed {seed}: infeasible answer"
            );
            assert!(mip.bound >= optimum - 1e-6, "seed {seed}, gap {gap}: bound {} below the optimum {optimum} (found {}, proven {})", mip.bound, best.objective, mip.proven);
            assert!(
                best.objective >= optimum * (1.0 - gap) - 1e-6,
                "seed {seed}, gap {gap}: {} against the optimum {optimum}",
                best.objective
            );
            searched_wider += usize::from(fractional);
        }
    }
    assert!(searched_wider > 10, "too few models needed a search");
}

#[test]
fn a_neighbourhood_keeps_what_it_does_not_free() {
    let model = packing_model(7, 40, 30);
    let lp = solve(&model, SolverChoice::Microlp, true, None).unwrap();
    let whole = solve_mip(
        &model,
        lp.clone(),
        SolverChoice::Microlp,
        Deadline::NONE,
        0.0,
        true,
    )
    .unwrap()
    .best
    .unwrap();
    // Hold every variable but the first five at the optimum's values: the neighbourhood
    // grows from those five through short rows and its answer keeps the rest as held.
    let fixed: Vec<Option<f64>> = whole
        .values
        .iter()
        .enumerate()
        .map(|(v, &x)| (v >= 5).then_some(x))
        .collect();
    let around = widen(&model, &fixed);
    assert!(around.iter().filter(|v| v.is_none()).count() > 5);
    let found = search_neighbourhood(&model, &around, Some(&whole), Deadline::NONE, 0.0).unwrap();
    assert!(satisfies(&model, &found.values));
    for (v, held) in around.iter().enumerate() {
        if let Some(value) = held {
            assert_eq!(found.values[v], *value, "variable {v} moved");
        }
    }
    assert!(found.objective >= whole.objective - 1e-6);
}

#[test]
fn a_restricted_model_has_the_solutions_of_the_fixed_one() {
    // Fix about a third of the variables at 0 or 1: the restricted model (rows that can no
    // longer bind dropped) must have the same optimum as the model with those values as
    // bounds.
    let mut dropped = 0;
    for seed in 0..60 {
        let model = packing_model(700 + seed, 9, 9);
        let mut rng = crate::generate::Rng::new(seed);
        let fixed: Vec<Option<f64>> = (0..model.upper.len())
            .map(|_| match rng.below(6) {
                0 => Some(0.0),
                1 => Some(1.0),
                _ => None,
            })
            .collect();
        let mut bounded = model.clone();
        for (variable, value) in fixed.iter().enumerate() {
            if let Some(value) = *value {
                bounded.lower[variable] = value;
                bounded.upper[variable] = value;
            }
        }
        let constant: f64 = fixed
            .iter()
            .zip(&model.objective)
            .map(|(value, c)| value.unwrap_or(0.0) * c)
            .sum();
        let (restricted, _) = restrict(&model, &fixed);
        let emptied = model
            .rows
            .iter()
            .filter(|row| row.terms.iter().all(|&(v, _)| fixed[v].is_some()))
            .count();
        dropped += model.rows.len() - emptied - restricted.rows.len();
        // A fixing that breaks an emptied row is the caller's to check: skip those.
        let emptied_hold = model
            .rows
            .iter()
            .filter(|row| row.terms.iter().all(|&(v, _)| fixed[v].is_some()))
            .all(|row| row.holds(&fixed.iter().map(|v| v.unwrap_or(0.0)).collect::<Vec<_>>()));
        if !emptied_hold {
            continue;
        }
        let expected = brute_force(&bounded);
        let found = brute_force(&restricted).map(|value| value + constant);
        match (expected, found) {
            (None, None) => {}
            (Some(expected), Some(found)) => assert!(
                (expected - found).abs() < 1e-6,
                "seed {seed}: {found} against {expected}"
            ),
            other => panic!("seed {seed}: {other:?}"),
        }
    }
    assert!(dropped > 20, "too few rows could no longer bind: {dropped}");
}

#[test]
fn implied_upper_bounds_are_only_dropped_when_a_row_implies_them() {
    let mut model = LinearModel::default();
    let a = model.add_variable(1.0, true, 1.0);
    let b = model.add_variable(1.0, true, 1.0);
    let c = model.add_variable(1.0, true, 1.0);
    let d = model.add_variable(2.0, true, 1.0);
    model.add_row(vec![(a, 1.0), (b, 1.0)], Sense::AtMost, 1.0);
    model.add_row(vec![(c, 1.0), (d, -1.0)], Sense::AtMost, 0.0);
    model.add_row(vec![(d, 1.0)], Sense::AtLeast, 1.0);
    let upper = implied_upper_bounds_dropped(&model);
    assert_eq!(upper, vec![f64::INFINITY, f64::INFINITY, 1.0, 2.0]);
}
