//! The optimiser: the consultation timetable that meets every rule of contract section 4, covers
//! as many minimum meetings as any valid timetable can, and then earns the most expected value,
//! with a proven upper bound on that value.
//!
//! How: `instance` turns the mission and weights into indexed pairs; `formulation` builds the
//! class model (one variable per pair and class of interchangeable slots); `solver` solves its LP
//! and, only when the LP is fractional, its MIP; `colour` turns class counts into slots; `greedy`
//! is the baseline organisers use today; `validate` checks any timetable against the rules,
//! independently of all of the above; `explain` says why someone is below their minimum.

pub mod breaks;
mod colour;
mod compact;
mod components;
mod deadline;
mod explain;
mod formulation;
mod greedy;
mod instance;
mod lp;
pub(crate) mod occupancy;
mod tables;
mod validate;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::model::{BuyerId, FirmId, Mission, SlotId};

pub use deadline::Deadline;
pub use explain::Shortfall;
pub use instance::Reserved;
pub use lp::{relative_gap, SolverChoice};
pub use tables::assign_tables;
pub use validate::{idle_gaps, minimum_coverage, validate_published, validate_schedule};

use formulation::{Formulation, Partition};
use instance::{build_instance, ClassMeeting, Holder, InSlot, Instance, Placement};
use lp::{solve, SolveFailure, Solved};

/// The value of one firm-buyer pair meeting, as `candidates.csv` or a `--weights` file gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct PairWeight {
    /// The firm.
    pub firm: FirmId,
    /// The buyer.
    pub buyer: BuyerId,
    /// Expected deal value of their meeting.
    pub expected_value_usd: f64,
    /// Why the pair is worth a meeting.
    pub reasons: Vec<String>,
    /// The matcher's relevance, when known (`candidates.csv`, a weights file with a
    /// `relevance` column): below `[rules] min_relevance` the pair is not scheduled.
    pub relevance: Option<f64>,
    /// File the weight came from, for messages.
    pub source: String,
    /// Line in that file, for messages.
    pub line: Option<usize>,
}

/// How to build the timetable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    /// The class model, coloured into slots (the engine).
    #[default]
    Classes,
    /// The plain time-indexed model: one binary per pair and slot (the oracle).
    TimeIndexed,
    /// Best pair first, first free common slot (the baseline organisers use today).
    Greedy,
}

/// Options of [`schedule`].
#[derive(Debug, Clone)]
pub struct ScheduleOptions {
    /// The solver for the models.
    pub solver: SolverChoice,
    /// Seconds the whole optimisation may take; then the best valid timetable found is returned.
    pub time_limit_seconds: Option<f64>,
    /// Which method builds the timetable.
    pub method: Method,
    /// Relative gap at which the search for more value stops: 0.0001 stops within 0.01% of the
    /// proven bound. The coverage of minimums is always searched to optimality.
    pub mip_gap: f64,
    /// Told what the optimiser is doing, for a progress display on long runs.
    pub progress: Option<Progress>,
    /// When microlp's value stage is priced by the interior-point method first.
    pub pricing: Pricing,
    /// Meetings outside this run that still use capacity (the kept meetings when re-planning).
    pub reserved: Vec<Reserved>,
}

/// When the engine (class model on microlp) prices its value stage with the interior-point
/// method before the simplex (see `solve_stage_priced`). HiGHS and the time-indexed baseline
/// never do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pricing {
    /// For models of at least 12,000 variables, where it pays.
    #[default]
    Auto,
    /// Always (the tests use it to hold the priced path to the oracles).
    Always,
    /// Never.
    Never,
}

/// Receives one line per step of the optimiser (which part, which model, how big), with the
/// seconds since the run started. The CLI shows them on a terminal.
#[derive(Clone)]
pub struct Progress(pub Arc<ProgressFn>);

/// What a [`Progress`] calls: seconds since the start, and the step starting now.
pub type ProgressFn = dyn Fn(f64, &str) + Send + Sync;

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress(..)")
    }
}

/// Tells the progress hook, if any, what starts now.
fn tell(options: &ScheduleOptions, started: Instant, message: impl FnOnce() -> String) {
    if let Some(Progress(hook)) = &options.progress {
        hook(started.elapsed().as_secs_f64(), &message());
    }
}

/// The longest time limit taken, in seconds (about four months): longer ones are surely typos,
/// and `Duration` cannot hold every `f64`.
pub const LONGEST_TIME_LIMIT_SECONDS: f64 = 1e7;

impl ScheduleOptions {
    /// Refuses values that make no sense: a time limit that is not a finite number of seconds
    /// from 0 to [`LONGEST_TIME_LIMIT_SECONDS`], a gap outside [0, 1).
    pub fn check(&self) -> Result<()> {
        if let Some(seconds) = self.time_limit_seconds {
            if !(0.0..=LONGEST_TIME_LIMIT_SECONDS).contains(&seconds) {
                return Err(Error::BadOption(format!(
                    "time limit {seconds} s: give a number of seconds from 0 to {LONGEST_TIME_LIMIT_SECONDS:e}, or no limit at all"
                )));
            }
        }
        if !(0.0..1.0).contains(&self.mip_gap) {
            return Err(Error::BadOption(format!(
                "gap {}: give a share from 0 to below 1 (0.0001 = 0.01%)",
                self.mip_gap
            )));
        }
        Ok(())
    }
}

impl Default for ScheduleOptions {
    fn default() -> Self {
        ScheduleOptions {
            solver: SolverChoice::default(),
            time_limit_seconds: None,
            method: Method::default(),
            mip_gap: 1e-4,
            progress: None,
            pricing: Pricing::Auto,
            reserved: Vec::new(),
        }
    }
}

/// One meeting of the timetable.
#[derive(Debug, Clone, PartialEq)]
pub struct Meeting {
    /// The firm.
    pub firm: FirmId,
    /// The buyer.
    pub buyer: BuyerId,
    /// The slot.
    pub slot: SlotId,
    /// The interpreter's language, when the pair shares none.
    pub interpreter: Option<String>,
    /// Expected deal value of the meeting.
    pub expected_value_usd: f64,
    /// Why the pair meets.
    pub reasons: Vec<String>,
    /// The shared table, in a session with `tables` (rule 8); `None` at the firm's booth.
    pub table: Option<u32>,
}

impl Meeting {
    /// Where it happens (rule 8): `Table N` at a shared table, else the firm's booth (empty
    /// when `firms.csv` gives none).
    pub fn place(&self, mission: &Mission) -> String {
        match self.table {
            Some(table) => format!("Table {table}"),
            None => mission
                .firm_index(&self.firm)
                .map(|f| mission.firms[f].booth.clone())
                .unwrap_or_default(),
        }
    }
}

/// A timetable and what is known about its quality.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// Meetings, ordered by slot, firm, buyer.
    pub meetings: Vec<Meeting>,
    /// Total expected value of the meetings.
    pub expected_value_usd: f64,
    /// Proven upper bound on the total expected value among timetables with this coverage of
    /// minimums.
    pub upper_bound_usd: f64,
    /// `(upper_bound - value) / upper_bound` (0 when both are 0).
    pub gap: f64,
    /// Solver name (`greedy` for the baseline).
    pub solver: String,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Minimum meetings covered (sum over firms and buyers of min(meetings, minimum)), and the
    /// sum of the minimums.
    pub minimum_coverage: (u32, u32),
    /// Whether the coverage of minimums was proven optimal and the value proven within the
    /// requested gap (`ScheduleOptions::mip_gap`) of the best possible.
    pub proven_optimal: bool,
    /// Everyone below their minimum, with the binding cause.
    pub shortfalls: Vec<Shortfall>,
    /// What else the run had to do (time limit, repairs).
    pub notes: Vec<String>,
}

/// Builds the timetable for the mission from the pairs' weights (contract section 4).
///
/// Pairs not in `weights` do not meet, except `must` pairs; `avoid` pairs never meet. Fails with
/// [`Error::Infeasible`] when the `must` pairs cannot all meet, and [`Error::Invalid`] when a
/// weight names an unknown firm or buyer.
pub fn schedule(
    mission: &Mission,
    weights: &[PairWeight],
    options: &ScheduleOptions,
) -> Result<Schedule> {
    let started = Instant::now();
    options.check()?;
    let instance = build_instance(mission, weights, &options.reserved)?;
    if !instance.impossible_musts.is_empty() {
        return Err(Error::Infeasible(instance.impossible_musts.join("; ")));
    }
    explain::check_must_capacity(mission, &instance)?;
    let mut notes = Vec::new();
    let (placements, bound, mut proven, solver_name) = match options.method {
        Method::Greedy => {
            let all: Vec<usize> = (0..instance.pairs.len()).collect();
            let bound = instance.value_bound(&all);
            (
                greedy::greedy(&instance),
                bound,
                false,
                "greedy".to_string(),
            )
        }
        Method::Classes | Method::TimeIndexed => {
            let solved = optimise_components(&instance, options, started, &mut notes)?;
            (
                solved.placements,
                solved.bound,
                solved.proven,
                options.solver.name().to_string(),
            )
        }
    };
    let mut placements = placements;
    if mission.rules.compact.unwrap_or(true) {
        // The exact search may add half the time spent so far (at least 0.2 s), never past
        // the time limit.
        let budget = started
            .elapsed()
            .mul_f64(0.5)
            .max(Duration::from_millis(200));
        let deadline = Deadline::at(Instant::now() + budget)
            .earliest(Deadline::after(started, options.time_limit_seconds));
        let compacted = compact::compact(&instance, mission, &mut placements, deadline);
        let compact::Compacted {
            before,
            after,
            proven,
        } = compacted;
        if after < before || proven {
            notes.push(format!(
                "compact: slots exchanged inside sessions, idle gaps {before} -> {after} (the same meetings){}",
                if proven { "; no timetable of these meetings has fewer (proven)" } else { "" }
            ));
        }
    }
    if let Some(limit) = mission.rules.max_idle_gaps {
        // Required, so not bound by compaction's budget: the time limit, or else ten seconds
        // or as long as scheduling took.
        let deadline = match options.time_limit_seconds {
            Some(limit) => Deadline::after(started, Some(limit)),
            None => Deadline::at(Instant::now() + started.elapsed().max(Duration::from_secs(10))),
        };
        match compact::limit_idle_gaps(&instance, mission, &mut placements, limit, deadline) {
            Ok(dropped) if dropped.is_empty() => notes.push(format!(
                "max_idle_gaps {limit}: nobody has more idle gaps than that"
            )),
            Ok(dropped) => {
                // The optimum had more gaps somewhere: what is left is valid, not proven best.
                proven = false;
                let names: Vec<String> = dropped
                    .iter()
                    .map(|p| {
                        let pair = &instance.pairs[p.pair];
                        format!(
                            "{}-{}",
                            mission.firms[pair.firm].id, mission.buyers[pair.buyer].id
                        )
                    })
                    .collect();
                notes.push(format!(
                    "max_idle_gaps {limit}: no arrangement of the best meetings keeps it; dropped {} (the least valuable of whoever waited most): {}",
                    dropped.len(),
                    names.join(", ")
                ));
            }
            Err(compact::LimitError::Impossible(reason)) => return Err(Error::Infeasible(reason)),
            Err(compact::LimitError::OutOfTime(reason)) => {
                return Err(Error::Solver(format!(
                    "{reason}; give it more time with --time-limit"
                )))
            }
        }
    }
    let meetings = to_meetings(mission, &instance, &placements);
    let value: f64 = meetings.iter().map(|m| m.expected_value_usd).sum();
    let bound = bound.max(value);
    let gap = lp::relative_gap(bound, value);
    let minimum_coverage = minimum_coverage(mission, &meetings);
    let shortfalls = explain::shortfalls(mission, &instance, &placements);
    Ok(Schedule {
        meetings,
        expected_value_usd: value,
        upper_bound_usd: bound,
        gap,
        solver: solver_name,
        seconds: started.elapsed().as_secs_f64(),
        minimum_coverage,
        proven_optimal: proven && gap <= options.mip_gap.max(1e-9),
        shortfalls,
        notes,
    })
}

/// A solved timetable (of a component or of all): its meetings, the bound, whether
/// proven.
struct SolvedPart {
    placements: Vec<Placement>,
    bound: f64,
    proven: bool,
}

/// Solves the components of the candidate graph one by one. Interpreter limits couple
/// components only when they bind: each part is solved with the limits restricted to its own
/// pairs (a relaxation), and parts whose meetings together overfill an interpreter in some slot
/// are merged and solved again, until no slot is overfilled. The last solution is then optimal
/// for a relaxation and feasible, so optimal.
fn optimise_components(
    instance: &Instance,
    options: &ScheduleOptions,
    started: Instant,
    notes: &mut Vec<String>,
) -> Result<SolvedPart> {
    // With overlapping sessions or shared tables the whole mission is one part, solved slot by
    // slot: the slot moves that rebalance interpreters between parts know neither overlaps nor
    // tables, and a class count cannot say how many meetings share one slot's tables.
    let parts = if !instance.slot_by_slot() {
        components::merged_for_interpreters(instance, components::components(instance))
    } else {
        if !instance.overlap_groups.is_empty() {
            notes.push(
                "some sessions overlap in time: the timetable was built slot by slot (the time-indexed model) so nobody is in two places at once"
                    .to_string(),
            );
        }
        vec![(0..instance.pairs.len()).collect()]
    };
    let mut parts: Vec<(Vec<usize>, Option<SolvedPart>)> =
        parts.into_iter().map(|pairs| (pairs, None)).collect();
    loop {
        let count = parts.len();
        for (position, (pairs, solved)) in parts.iter_mut().enumerate() {
            if solved.is_none() {
                tell(options, started, || {
                    format!("part {}/{count}: {} pairs", position + 1, pairs.len())
                });
                *solved = Some(solve_part(instance, pairs, options, started, notes)?);
            }
        }
        let mut all: Vec<Placement> = parts
            .iter()
            .filter_map(|(_, solved)| solved.as_ref())
            .flat_map(|solved| solved.placements.iter().copied())
            .collect();
        let overfilled = colour::rebalance_interpreters(instance, &mut all);
        if overfilled.is_empty() || parts.len() == 1 {
            if overfilled.is_empty() {
                // Keep the rebalanced slots: write them back into the parts.
                let slot_of: std::collections::HashMap<usize, usize> = all
                    .into_iter()
                    .map(|placement| (placement.pair, placement.slot))
                    .collect();
                for solved in parts.iter_mut().filter_map(|(_, solved)| solved.as_mut()) {
                    for placement in &mut solved.placements {
                        placement.slot = slot_of[&placement.pair];
                    }
                }
            }
            break;
        }
        // Merge every part with a meeting in an overfilled (language, slot).
        let (merged, kept): (Vec<_>, Vec<_>) = parts.into_iter().partition(|(_, solved)| {
            solved.as_ref().is_some_and(|solved| {
                solved.placements.iter().any(|&Placement { pair, slot }| {
                    instance.pairs[pair].language.is_some_and(|language| {
                        overfilled.contains(&InSlot {
                            holder: Holder::Language(language),
                            slot,
                        })
                    })
                })
            })
        });
        let mut pairs: Vec<usize> = merged.into_iter().flat_map(|(pairs, _)| pairs).collect();
        pairs.sort_unstable();
        parts = kept;
        parts.push((pairs, None));
    }
    let mut placements = Vec::new();
    let mut bound = 0.0;
    let mut proven = true;
    for solved in parts.into_iter().filter_map(|(_, solved)| solved) {
        placements.extend(solved.placements);
        bound += solved.bound;
        proven &= solved.proven;
    }
    notes.sort();
    notes.dedup();
    placements.sort_unstable_by_key(|placement| (placement.slot, placement.pair));
    Ok(SolvedPart {
        placements,
        bound,
        proven,
    })
}

fn solve_part(
    instance: &Instance,
    pairs: &[usize],
    options: &ScheduleOptions,
    started: Instant,
    notes: &mut Vec<String>,
) -> Result<SolvedPart> {
    // Overlapping sessions need the time-indexed model (see `formulation::add_overlap_rows`).
    if options.method == Method::Classes && !instance.slot_by_slot() {
        let partition = Partition::by_availability(instance, pairs);
        let optimum = optimise(instance, pairs, &partition, options, started, notes)?;
        match &optimum.chosen {
            Some(chosen) => {
                let placed = place(instance, &partition, chosen, options.solver);
                if placed.dropped == 0 {
                    return Ok(SolvedPart {
                        placements: placed.placements,
                        bound: optimum.bound,
                        proven: optimum.proven,
                    });
                }
                // A class count keeps each interpreter's limit over the class, not slot by
                // slot: when the chosen meetings cannot be spread so that every slot keeps it,
                // the class optimum is no timetable, and the part is solved again exactly.
                notes.push(
                    "interpreter limits: the meetings chosen for one slot class could not all be placed in its slots; that part was solved again slot by slot (the time-indexed model)"
                        .to_string(),
                );
            }
            None => return Ok(filled_greedily(instance, pairs, &optimum, notes)),
        }
    }
    let partition = Partition::singletons(instance);
    let optimum = optimise(instance, pairs, &partition, options, started, notes)?;
    let Some(chosen) = &optimum.chosen else {
        return Ok(filled_greedily(instance, pairs, &optimum, notes));
    };
    let placed = place(instance, &partition, chosen, options.solver);
    if placed.dropped > 0 {
        notes.push(format!(
            "interpreter limits left {} meeting(s) of one slot class unplaceable; they were dropped",
            placed.dropped
        ));
    }
    Ok(SolvedPart {
        placements: placed.placements,
        bound: optimum.bound,
        proven: optimum.proven,
    })
}

/// A part the solver found no timetable for in time, filled by the greedy baseline.
fn filled_greedily(
    instance: &Instance,
    pairs: &[usize],
    optimum: &Optimum,
    notes: &mut Vec<String>,
) -> SolvedPart {
    notes.push(
        "time limit: the solver found no timetable in time for some part; greedy filled that part"
            .to_string(),
    );
    SolvedPart {
        placements: greedy::place_in_slots(
            instance,
            pairs,
            &(0..instance.slot_count).collect::<Vec<_>>(),
        ),
        bound: optimum.bound,
        proven: optimum.proven,
    }
}

struct Optimum {
    /// The chosen meetings; `None` when no solution came back in time.
    chosen: Option<Vec<ClassMeeting>>,
    bound: f64,
    proven: bool,
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
type StageResult = Result<(Option<Solved>, f64, bool), SolveFailure>;

/// What a stage cut short before its LP finished knows: nothing, and no bound.
const CUT_SHORT: (Option<Solved>, f64, bool) = (None, f64::INFINITY, false);

/// LP first; the MIP only when the LP is fractional. An LP cut short by the time limit proves
/// no bound, so the stage then returns [`CUT_SHORT`].
fn solve_stage(
    model: &lp::LinearModel,
    solver: SolverChoice,
    deadline: Deadline,
    gap: f64,
    dive: bool,
) -> StageResult {
    match solve_relaxation(model, solver, deadline)? {
        Some(relaxed) => search_from(model, relaxed, solver, deadline, gap, dive),
        None => Ok(CUT_SHORT),
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
        return Ok((Some(relaxed), bound, true));
    }
    let outcome = lp::solve_mip(model, relaxed, solver, deadline, gap, dive)?;
    Ok((outcome.best, outcome.bound, outcome.proven))
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
            return Ok(CUT_SHORT);
        };
        // An LP that breaks a left-out row is not searched: the row comes back first.
        if model.bring_back(&mut left_out, &relaxed.values) {
            continue;
        }
        if !is_integral(&relaxation, &relaxed) {
            tell("expected value: branch and bound".to_string());
        }
        let (best, bound, proven) = search_from(&relaxation, relaxed, solver, deadline, gap, true)?;
        match best {
            Some(best) if model.bring_back(&mut left_out, &best.values) => {
                if remaining(deadline).is_err() {
                    return Ok((None, bound, false));
                }
            }
            best => return Ok((best, bound, proven)),
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
        let (best, restricted_bound, _) =
            match solve_stage_lazy(&restricted, &centre, deadline, gap, tell) {
                Ok(found) => found,
                Err(SolveFailure::Infeasible) if !everything => (None, f64::NEG_INFINITY, false),
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
            return Ok((best, bound.max(value), proven));
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

fn optimise(
    instance: &Instance,
    pairs: &[usize],
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
        deadline: Deadline::after(started, options.time_limit_seconds),
        // The engine fixes what the LP decided and searches the rest first; the time-indexed
        // baseline is handed to the solver whole.
        dive: options.method == Method::Classes,
    };
    let (target, coverage_proven) = stages.coverage(notes)?;
    let wanted = stages.wants(target, notes)?;
    let wants_proven = wanted.proven;
    let (chosen, bound, proven) = stages.value(target, wanted, notes)?;
    // A stage cut short before its LP finished proved no bound; the combinatorial one always
    // holds.
    let bound = bound.min(instance.value_bound(pairs));
    Ok(Optimum {
        chosen,
        bound,
        proven: proven && coverage_proven && wants_proven,
    })
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

    /// Rule 7, first criterion: as many minimum meetings as possible. Returns that number (0
    /// when nobody has a minimum) and whether it is proven.
    fn coverage(&self, notes: &mut Vec<String>) -> Result<(f64, bool)> {
        if self.formulation.coverage.is_empty() {
            return Ok((0.0, true));
        }
        self.tell("coverage of minimums");
        let model = self.formulation.coverage_model();
        let (solved, _, proven) =
            solve_stage(&model, self.options.solver, self.deadline, 0.0, self.dive)
                .map_err(stage_failed)?;
        if !proven {
            notes.push(
                "time limit: the coverage of minimums was cut short; more minimum meetings may be possible"
                    .to_string(),
            );
        }
        let target = solved.map_or(0.0, |solved| (solved.objective + 1e-6).floor());
        Ok((target, proven))
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
        let (solved, _, proven) =
            solve_stage(&model, self.options.solver, self.deadline, 0.0, self.dive)
                .map_err(stage_failed)?;
        if !proven {
            notes.push(
                "time limit: the stage of wanted meetings was cut short; more want rows may be possible"
                    .to_string(),
            );
        }
        let target = solved.map_or(0.0, |solved| (solved.objective + 1e-6).floor());
        Ok(Wanted {
            terms,
            target,
            proven,
        })
    }

    /// The expected value, keeping the coverage and the wanted meetings reached: the chosen
    /// meetings, the bound and whether the value is proven within the gap.
    fn value(
        &self,
        target: f64,
        wanted: Wanted,
        notes: &mut Vec<String>,
    ) -> Result<(Option<Vec<ClassMeeting>>, f64, bool)> {
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
        let (solved, bound, proven) = if priced {
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
        Ok((chosen, bound, proven))
    }
}

/// Meetings placed in slots, and how many chosen meetings could not be.
struct Placed {
    placements: Vec<Placement>,
    dropped: usize,
}

/// Assigns each chosen meeting to a slot of its class, keeping interpreter limits; a class
/// whose meetings cannot all be spread over its slots is placed greedily and the rest counted
/// as dropped.
fn place(
    instance: &Instance,
    partition: &Partition,
    chosen: &[ClassMeeting],
    solver: SolverChoice,
) -> Placed {
    let mut by_class: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &ClassMeeting { pair, class } in chosen {
        by_class.entry(class).or_default().push(pair);
    }
    let mut placements = Vec::new();
    let mut dropped = 0;
    for (class, pairs) in by_class {
        let slots = &partition.classes[class];
        let mut firm_index = BTreeMap::new();
        let mut buyer_index = BTreeMap::new();
        let edges: Vec<colour::Edge> = pairs
            .iter()
            .map(|&p| {
                let pair = &instance.pairs[p];
                let next_firm = firm_index.len();
                let next_buyer = buyer_index.len();
                colour::Edge {
                    left: *firm_index.entry(pair.firm).or_insert(next_firm),
                    right: *buyer_index.entry(pair.buyer).or_insert(next_buyer),
                }
            })
            .collect();
        let Some(mut colours) =
            colour::colour_edges(&edges, firm_index.len(), buyer_index.len(), slots.len())
        else {
            // (The model keeps each degree within the class's slots; never expected.)
            let placed = greedy::place_in_slots(instance, &pairs, slots);
            dropped += pairs.len() - placed.len();
            placements.extend(placed);
            continue;
        };
        // Slots of a class leave the same interpreters free (the partition splits on it).
        let limits: Vec<u32> = (0..instance.limits.languages.len())
            .map(|language| {
                instance
                    .limits
                    .language_capacity(language, slots[0])
                    .unwrap_or(u32::MAX)
            })
            .collect();
        let group: Vec<Option<usize>> = pairs
            .iter()
            .map(|&p| {
                let pair = &instance.pairs[p];
                pair.language
                    .filter(|_| instance.language_limit(pair).is_some())
            })
            .collect();
        let balanced = group.iter().all(Option::is_none)
            || colour::balance_groups(
                &edges,
                firm_index.len(),
                buyer_index.len(),
                slots.len(),
                &mut colours,
                &group,
                &limits,
            );
        if balanced {
            placements.extend(
                pairs
                    .iter()
                    .zip(&colours)
                    .map(|(&pair, &colour)| Placement {
                        pair,
                        slot: slots[colour],
                    }),
            );
        } else {
            // Colouring could not spread the interpreted meetings: place this class exactly.
            match exact_class_placement(instance, &pairs, slots, solver) {
                Some(exact) => placements.extend(exact),
                None => {
                    let placed = greedy::place_in_slots(instance, &pairs, slots);
                    dropped += pairs.len() - placed.len();
                    placements.extend(placed);
                }
            }
        }
    }
    placements.sort_unstable_by_key(|placement| (placement.slot, placement.pair));
    Placed {
        placements,
        dropped,
    }
}

/// The time-indexed model over one class's chosen meetings, every one of which must be placed.
fn exact_class_placement(
    instance: &Instance,
    pairs: &[usize],
    slots: &[usize],
    solver: SolverChoice,
) -> Option<Vec<Placement>> {
    let sub_pairs: Vec<instance::Pair> = pairs
        .iter()
        .map(|&p| {
            let mut pair = instance.pairs[p].clone();
            pair.slots = slots.to_vec();
            pair.must = true;
            pair
        })
        .collect();
    let sub_instance = Instance {
        pairs: sub_pairs,
        firm_min: vec![0; instance.firm_count],
        buyer_min: vec![0; instance.buyer_count],
        ..instance.clone()
    };
    let partition = Partition {
        classes: slots.iter().map(|&slot| vec![slot]).collect(),
    };
    let all: Vec<usize> = (0..sub_instance.pairs.len()).collect();
    let formulation = Formulation::build(&sub_instance, &all, &partition, false);
    let solved = solve(&formulation.model, solver, false, None).ok()?;
    Some(
        formulation
            .meetings
            .iter()
            .enumerate()
            .filter(|(variable, _)| solved.values[*variable] > 0.5)
            .map(|(_, &ClassMeeting { pair, class })| Placement {
                pair: pairs[pair],
                slot: partition.classes[class][0],
            })
            .collect(),
    )
}

fn to_meetings(mission: &Mission, instance: &Instance, placements: &[Placement]) -> Vec<Meeting> {
    let mut meetings: Vec<Meeting> = placements
        .iter()
        .map(|&Placement { pair: p, slot }| {
            let pair = &instance.pairs[p];
            Meeting {
                firm: mission.firms[pair.firm].id.clone(),
                buyer: mission.buyers[pair.buyer].id.clone(),
                slot: SlotId(slot),
                interpreter: pair
                    .language
                    .map(|l| instance.limits.languages[l].0.clone()),
                expected_value_usd: pair.value,
                reasons: pair.reasons.clone(),
                table: None,
            }
        })
        .collect();
    meetings.sort_by(|a, b| (a.slot, &a.firm, &a.buyer).cmp(&(b.slot, &b.firm, &b.buyer)));
    assign_tables(mission, &mut meetings);
    meetings
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
            let (best, bound, proven) =
                solve_stage_lazy(&model, &centre, Deadline::NONE, 0.0, &|_| {}).unwrap();
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
                let (best, bound, _) = solve_stage_priced(
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
