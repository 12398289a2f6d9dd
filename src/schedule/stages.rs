//! One part's model solved in the lexicographic stages of rule 7 (coverage of minimums, wanted
//! meetings, expected value), each stage by LP first and a MIP search only when the LP is
//! fractional; the value stage of a large model priced by the interior point first.

use std::time::Instant;

use crate::error::{Error, Result};

use super::formulation::{Formulation, Partition};
use super::instance::{ClassMeeting, Instance};
use super::ix::PairIx;
use super::lp::{self, solve, MipOutcome, SolveFailure, Solved};
use super::{tell, Deadline, Method, Pricing, ScheduleOptions, SolverChoice};

/// What one part's stages found.
pub(super) struct Optimum {
    /// The chosen meetings; `None` when no solution came back in time.
    pub chosen: Option<Vec<ClassMeeting>>,
    /// A proven upper bound on the part's value.
    pub bound: f64,
    /// Whether every stage is proven (the value within the gap).
    pub proven: bool,
}

/// Seconds left before the deadline (none: no limit); out of time once it has passed, so no
/// solver is started after the deadline.
fn remaining(deadline: Deadline) -> Result<Option<f64>, SolveFailure> {
    if deadline.passed() {
        Err(SolveFailure::OutOfTime)
    } else {
        Ok(deadline.solver_seconds())
    }
}

fn is_integral(model: &lp::LinearModel, solved: &Solved) -> bool {
    solved
        .values
        .iter()
        .zip(&model.integer)
        .all(|(value, &integer)| !integer || (value - value.round()).abs() < 1e-6)
}

/// What a stage found: the best solution (if any), a proven upper bound (infinite when the time
/// limit left none), whether proven within the gap.
type StageResult = Result<MipOutcome, SolveFailure>;

/// LP first; the MIP only when the LP is fractional. An LP cut short by the time limit proves
/// no bound, so the stage then returns [`MipOutcome::CUT_SHORT`].
fn solve_stage(
    model: &lp::LinearModel,
    solver: SolverChoice,
    deadline: Deadline,
    gap: f64,
    dive: bool,
) -> StageResult {
    match solve_relaxation(model, solver, deadline)? {
        Some(relaxed) => search_from(model, relaxed, solver, deadline, gap, dive),
        None => Ok(MipOutcome::CUT_SHORT),
    }
}

/// A stage's LP, or `None` when the time limit cut it short.
fn solve_relaxation(
    model: &lp::LinearModel,
    solver: SolverChoice,
    deadline: Deadline,
) -> Result<Option<Solved>, SolveFailure> {
    match remaining(deadline).and_then(|left| solve(model, solver, true, left)) {
        Ok(relaxed) if relaxed.proven_optimal => Ok(Some(relaxed)),
        Ok(_) | Err(SolveFailure::OutOfTime) => Ok(None),
        Err(failure) => Err(failure),
    }
}

/// A stage from its solved LP: done when the LP is integral, else the MIP search.
fn search_from(
    model: &lp::LinearModel,
    relaxed: Solved,
    solver: SolverChoice,
    deadline: Deadline,
    gap: f64,
    dive: bool,
) -> StageResult {
    let bound = relaxed.objective;
    if is_integral(model, &relaxed) {
        return Ok(MipOutcome {
            best: Some(relaxed),
            bound,
            proven: true,
        });
    }
    lp::solve_mip(model, relaxed, solver, deadline, gap, dive)
}

/// A `<=` row at least this far below its limit at the interior point is left out of the
/// simplex's model until a solution breaks it.
const LAZY_SLACK: f64 = 1.0;

/// [`solve_stage`] (microlp) on the model without the `<=` rows that `centre`, a point inside
/// the optimal face of the LP, leaves at least [`LAZY_SLACK`] below their limit: the simplex's
/// work grows with the rows it carries, and most capacity rows of a large mission never bind.
/// Fewer rows is a relaxation, so its bounds hold for the model; a solution that breaks a
/// left-out row brings that row back and the stage runs again, so what is returned satisfies
/// every row.
fn solve_stage_lazy(
    model: &lp::LinearModel,
    centre: &[f64],
    deadline: Deadline,
    gap: f64,
    tell: &dyn Fn(String),
) -> StageResult {
    let solver = SolverChoice::Microlp;
    let mut left_out: Vec<bool> = model
        .rows
        .iter()
        .map(|row| row.sense == lp::Sense::AtMost && row.rhs - row.activity(centre) >= LAZY_SLACK)
        .collect();
    loop {
        let relaxation = model.without_rows(&left_out);
        tell(format!(
            "expected value: simplex with {} of {} rows",
            relaxation.rows.len(),
            model.rows.len()
        ));
        let Some(relaxed) = solve_relaxation(&relaxation, solver, deadline)? else {
            return Ok(MipOutcome::CUT_SHORT);
        };
        // An LP that breaks a left-out row is not searched: the row comes back first.
        if model.bring_back(&mut left_out, &relaxed.values) {
            continue;
        }
        if !is_integral(&relaxation, &relaxed) {
            tell("expected value: branch and bound".to_string());
        }
        let outcome = search_from(&relaxation, relaxed, solver, deadline, gap, true)?;
        let broke_a_row = outcome
            .best
            .as_ref()
            .is_some_and(|best| model.bring_back(&mut left_out, &best.values));
        if !broke_a_row {
            return Ok(outcome);
        }
        if remaining(deadline).is_err() {
            return Ok(MipOutcome {
                best: None,
                bound: outcome.bound,
                proven: false,
            });
        }
    }
}

/// Models with at least this many variables have their value stage priced first on microlp.
/// Measured here: microlp's simplex alone takes 0.6 s at 7,000 variables (where pricing first
/// takes 0.8 s) and 27 s at 48,000 (pricing first: 12 s).
const PRICING_THRESHOLD: usize = 12_000;

/// A participant's coverage row with more terms than this is left out of the interior point
/// at first (see `optimise`). Measured on 300 x 3,000 x 4 sessions with varied windows: the
/// interior point took 8.4 s with every row and 3.6 s without the firms' coverage rows.
const DENSE_COVERAGE: usize = 16;

/// Shares of the largest objective coefficient by which a variable's reduced cost may fall
/// below zero and the variable still be kept, round after round.
const ALLOWANCES: [f64; 4] = [1e-4, 1e-2, 1e-1, f64::INFINITY];

/// A stage priced first (microlp only). The interior-point LP gives a proven bound and reduced
/// costs; the simplex and the branch and bound then see only the meeting variables whose reduced
/// cost is at least `-allowance` (with the tie-break of the objective, the optimum's own
/// variables are about all of them: a third of the model). A timetable that uses a left-out
/// meeting is worth at most the bound plus that meeting's (negative) reduced cost, so the bound
/// of the whole is the larger of the restricted search's bound and the bound plus the largest
/// left-out reduced cost, never more than the interior-point bound. When the restricted result
/// is not within the gap of that, the allowance grows, up to keeping everything. The interior
/// point first goes without the rows `left_out` marks (dense rows that rarely bind); if the
/// result is not proven and its point broke some of them, it runs once more with those. Falls
/// back to [`solve_stage`] when the interior point fails in any way.
fn solve_stage_priced(
    model: &lp::LinearModel,
    meeting_count: usize,
    left_out: &[bool],
    deadline: Deadline,
    gap: f64,
    tell: &dyn Fn(String),
) -> StageResult {
    let solver = SolverChoice::Microlp;
    tell(format!(
        "expected value: interior-point bound ({} variables)",
        model.upper.len()
    ));
    // Any failure of the interior point, infeasibility included (Clarabel also reports "almost
    // infeasible"), is left to the simplex to decide.
    let price = |left_out: &[bool]| {
        remaining(deadline).and_then(|left| lp::price(model, left_out, left, gap))
    };
    let mut left_out = left_out.to_vec();
    let Ok(mut priced) = price(&left_out) else {
        return solve_stage(model, solver, deadline, gap, true);
    };
    let mut repriced = false;
    let largest = model.largest_objective();
    let mut round = 0;
    while let Some(share) = ALLOWANCES.get(round) {
        let allowance = share * largest;
        let fixed: Vec<Option<f64>> = (0..model.upper.len())
            .map(|variable| {
                let kept = variable >= meeting_count
                    || model.lower[variable] != 0.0
                    || priced.reduced_costs[variable] >= -allowance;
                (!kept).then_some(0.0)
            })
            .collect();
        let left_out_bound = fixed
            .iter()
            .zip(&priced.reduced_costs)
            .filter(|(fixed, _)| fixed.is_some())
            .map(|(_, &reduced)| priced.bound + reduced)
            .fold(f64::NEG_INFINITY, f64::max);
        let everything = left_out_bound == f64::NEG_INFINITY;
        let (restricted, original) = lp::restrict(model, &fixed);
        tell(format!(
            "expected value: simplex on {} of {} variables (bound {:.0})",
            restricted.upper.len(),
            model.upper.len(),
            priced.bound
        ));
        let centre: Vec<f64> = original.iter().map(|&v| priced.values[v]).collect();
        let MipOutcome {
            best,
            bound: restricted_bound,
            ..
        } = match solve_stage_lazy(&restricted, &centre, deadline, gap, tell) {
            Ok(found) => found,
            Err(SolveFailure::Infeasible) if !everything => MipOutcome {
                best: None,
                bound: f64::NEG_INFINITY,
                proven: false,
            },
            Err(failure) => return Err(failure),
        };
        let bound = priced.bound.min(restricted_bound.max(left_out_bound));
        let best = best.map(|best| lp::unrestrict(model, &fixed, &original, &best));
        let value = best
            .as_ref()
            .map_or(f64::NEG_INFINITY, |best| best.objective);
        let proven = best.is_some() && lp::relative_gap(bound, value) <= gap.max(1e-9);
        let out_of_time = deadline.passed();
        if proven || everything || out_of_time {
            return Ok(MipOutcome {
                best,
                bound: bound.max(value),
                proven,
            });
        }
        // An interior point that broke rows it went without may have a loose bound: once, it
        // is priced again with them, and the round is tried again.
        let broken = model.bring_back(&mut left_out, &priced.values);
        if broken && !repriced {
            repriced = true;
            tell("expected value: interior-point bound again, with the rows it broke".to_string());
            match price(&left_out) {
                Ok(again) => priced = again,
                Err(_) => return solve_stage(model, solver, deadline, gap, true),
            }
        } else {
            round += 1;
        }
    }
    // Not reached: the last allowance fixes nothing.
    solve_stage(model, solver, deadline, gap, true)
}

pub(super) fn optimise(
    instance: &Instance,
    pairs: &[PairIx],
    partition: &Partition,
    options: &ScheduleOptions,
    started: Instant,
    notes: &mut Vec<String>,
) -> Result<Optimum> {
    let solver = options.solver;
    let formulation = Formulation::build(instance, pairs, partition, solver.solves_integers());
    let stages = Stages {
        instance,
        size: format!(
            "{} classes, {} variables, {} rows",
            partition.classes.len(),
            formulation.model.upper.len(),
            formulation.model.rows.len()
        ),
        formulation,
        options,
        started,
        deadline: options.deadline(started),
        // The engine fixes what the LP decided and searches the rest first; the time-indexed
        // baseline is handed to the solver whole.
        dive: options.method == Method::Classes,
    };
    let coverage = stages.coverage(notes)?;
    let wanted = stages.wants(coverage.most, notes)?;
    let wants_proven = wanted.proven;
    let value = stages.value(coverage.most, wanted, notes)?;
    // A stage cut short before its LP finished proved no bound; the combinatorial one always
    // holds.
    Ok(Optimum {
        bound: value.bound.min(instance.value_bound(pairs)),
        proven: value.proven && coverage.proven && wants_proven,
        ..value
    })
}

/// What a counting stage (minimum meetings, want rows) reached: the most found, and whether
/// that is proven the most there is.
struct Reached {
    most: f64,
    proven: bool,
}

/// The error a stage's failure means for the organiser.
fn stage_failed(failure: SolveFailure) -> Error {
    match failure {
        SolveFailure::Infeasible => Error::Infeasible(
            "the must pairs cannot all meet together: between them they need more slots, maximum meetings or interpreters than the mission has".to_string(),
        ),
        SolveFailure::OutOfTime => Error::Solver("out of time".to_string()),
        SolveFailure::Other(reason) => Error::Solver(reason),
    }
}

/// The lexicographic stages of one part's model (rule 7): the coverage of minimums, then the
/// wanted meetings, then the expected value, each keeping what the earlier ones reached.
struct Stages<'a> {
    instance: &'a Instance,
    formulation: Formulation,
    options: &'a ScheduleOptions,
    started: Instant,
    deadline: Deadline,
    dive: bool,
    /// The model's size, as progress reports it.
    size: String,
}

/// What the stage of wanted meetings reached: their terms (a pair wanted by both sides counts
/// twice) and the most of them found.
struct Wanted {
    terms: Vec<(usize, f64)>,
    target: f64,
    proven: bool,
}

impl Stages<'_> {
    fn tell(&self, step: &str) {
        tell(self.options, self.started, || {
            format!("{step} ({})", self.size)
        });
    }

    /// Rule 7, first criterion: as many minimum meetings as possible (0 when nobody has a
    /// minimum).
    fn coverage(&self, notes: &mut Vec<String>) -> Result<Reached> {
        if self.formulation.coverage.is_empty() {
            return Ok(Reached {
                most: 0.0,
                proven: true,
            });
        }
        self.tell("coverage of minimums");
        let model = self.formulation.coverage_model();
        self.count(
            &model,
            "time limit: the coverage of minimums was cut short; more minimum meetings may be possible",
            notes,
        )
    }

    /// A stage that counts (minimum meetings, want rows), solved exactly: the most found, and
    /// whether proven; `cut_short` goes into the notes when not.
    fn count(
        &self,
        model: &lp::LinearModel,
        cut_short: &str,
        notes: &mut Vec<String>,
    ) -> Result<Reached> {
        let MipOutcome {
            best: solved,
            proven,
            ..
        } = solve_stage(model, self.options.solver, self.deadline, 0.0, self.dive)
            .map_err(stage_failed)?;
        if !proven {
            notes.push(cut_short.to_string());
        }
        let most = solved.map_or(0.0, |solved| (solved.objective + 1e-6).floor());
        Ok(Reached { most, proven })
    }

    /// Rule 7, second criterion: among timetables covering `target`, as many `want` rows as
    /// possible.
    fn wants(&self, target: f64, notes: &mut Vec<String>) -> Result<Wanted> {
        let terms: Vec<(usize, f64)> = self
            .formulation
            .meetings
            .iter()
            .enumerate()
            .filter_map(|(variable, meeting)| {
                let wants = self.instance.pairs[meeting.pair].wants;
                (wants > 0).then_some((variable, f64::from(wants)))
            })
            .collect();
        if terms.is_empty() {
            return Ok(Wanted {
                terms,
                target: 0.0,
                proven: true,
            });
        }
        self.tell("wanted meetings");
        let mut model = self.formulation.value_model(target - 1e-6);
        model.objective.iter_mut().for_each(|c| *c = 0.0);
        for &(variable, weight) in &terms {
            model.objective[variable] = weight;
        }
        let Reached {
            most: target,
            proven,
        } = self.count(
            &model,
            "time limit: the stage of wanted meetings was cut short; more want rows may be possible",
            notes,
        )?;
        Ok(Wanted {
            terms,
            target,
            proven,
        })
    }

    /// The expected value, keeping the coverage and the wanted meetings reached: the chosen
    /// meetings, the bound and whether the value is proven within the gap.
    fn value(&self, target: f64, wanted: Wanted, notes: &mut Vec<String>) -> Result<Optimum> {
        let formulation = &self.formulation;
        let options = self.options;
        let mut value_model = formulation.value_model(target - 1e-6);
        if wanted.target > 0.0 {
            value_model.add_row(wanted.terms, lp::Sense::AtLeast, wanted.target - 1e-6);
        }
        self.tell("expected value");
        let priced = self.dive
            && !options.solver.solves_integers()
            && match options.pricing {
                Pricing::Auto => value_model.upper.len() >= PRICING_THRESHOLD,
                Pricing::Always => true,
                Pricing::Never => false,
            };
        let MipOutcome {
            best: solved,
            bound,
            proven,
        } = if priced {
            // A participant's coverage row with many meetings (a firm's) is dense, and dense
            // rows fill the interior point's factorisation in; such a participant nearly always
            // meets its minimum anyway, so the interior point first goes without these rows.
            let mut left_out = vec![false; value_model.rows.len()];
            for &row in &formulation.coverage_rows {
                left_out[row] = value_model.rows[row].terms.len() > DENSE_COVERAGE;
            }
            solve_stage_priced(
                &value_model,
                formulation.meetings.len(),
                &left_out,
                self.deadline,
                options.mip_gap,
                &|step| tell(options, self.started, || step),
            )
        } else {
            solve_stage(
                &value_model,
                options.solver,
                self.deadline,
                options.mip_gap,
                self.dive,
            )
        }
        .map_err(stage_failed)?;
        if !proven {
            notes.push(
                "time limit: the expected-value stage was cut short; the gap says how far from optimal the value may be"
                    .to_string(),
            );
        }
        let chosen = solved.map(|solved| {
            formulation
                .meetings
                .iter()
                .enumerate()
                .filter(|(variable, _)| solved.values[*variable] > 0.5)
                .map(|(_, &meeting)| meeting)
                .collect()
        });
        Ok(Optimum {
            chosen,
            bound,
            proven,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::lp::tests::{brute_force, packing_model, satisfies};
    use super::lp::Sense;
    use super::*;

    #[test]
    fn a_lazy_stage_brings_back_every_row_it_breaks() {
        // A centre of zeros leaves every `<=` row with a limit of 1 or more out at first: the
        // answer must still keep every row and be the optimum, and its bound must hold.
        let mut rows_mattered = 0;
        for seed in 0..60 {
            let model = packing_model(300 + seed, 10, 8);
            let Some(optimum) = brute_force(&model) else {
                continue;
            };
            let mut without = model.clone();
            without.rows.retain(|row| row.sense != Sense::AtMost);
            rows_mattered += usize::from(brute_force(&without).unwrap() > optimum + 1e-6);
            let centre = vec![0.0; model.upper.len()];
            let MipOutcome {
                best,
                bound,
                proven,
            } = solve_stage_lazy(&model, &centre, Deadline::NONE, 0.0, &|_| {}).unwrap();
            let best = best.expect("a feasible model has a solution");
            assert!(satisfies(&model, &best.values), "seed {seed}: a row broken");
            assert!(proven, "seed {seed}: not proven");
            assert!(
                (best.objective - optimum).abs() < 1e-6 && bound >= optimum - 1e-6,
                "seed {seed}: {} (bound {bound}) against the optimum {optimum}",
                best.objective
            );
        }
        assert!(rows_mattered > 30, "too few models needed their rows back");
    }

    #[test]
    fn a_priced_stage_with_rows_left_out_keeps_its_promise() {
        // The interior point without some rows (every other `<=` row), at no gap and at 1%:
        // the answer keeps every row, the bound holds, the answer is within the gap.
        for seed in 0..40 {
            let model = packing_model(500 + seed, 10, 8);
            let Some(optimum) = brute_force(&model) else {
                continue;
            };
            let left_out: Vec<bool> = model
                .rows
                .iter()
                .enumerate()
                .map(|(index, row)| row.sense == Sense::AtMost && index % 2 == 0)
                .collect();
            for gap in [0.0, 0.01] {
                let MipOutcome { best, bound, .. } = solve_stage_priced(
                    &model,
                    model.upper.len(),
                    &left_out,
                    Deadline::NONE,
                    gap,
                    &|_| {},
                )
                .unwrap();
                let best = best.expect("a feasible model has a solution");
                assert!(satisfies(&model, &best.values), "seed {seed}: a row broken");
                assert!(
                    bound >= optimum - 1e-6,
                    "seed {seed}, gap {gap}: bound {bound} below the optimum {optimum}"
                );
                assert!(
                    best.objective >= optimum * (1.0 - gap) - 1e-6,
                    "seed {seed}, gap {gap}: {} against the optimum {optimum}",
                    best.objective
                );
            }
        }
    }
}
