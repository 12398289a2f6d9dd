//! Integer solutions: the MIP from a solved LP relaxation, by the backend's own search (HiGHS)
//! or by missionmatch's dive, neighbourhood search and depth-first branch and bound (microlp).

use super::backend::{solve, SolverChoice};
use super::model::{restrict, unproven, unrestrict, LinearModel, SolveFailure, Solved};
use crate::schedule::Deadline;

/// How a MIP solve ended: the best solution found (if any), a proven upper bound on the
/// optimum, and whether the solution is within the requested gap of that bound.
pub struct MipOutcome {
    /// Best integral solution found.
    pub best: Option<Solved>,
    /// Proven upper bound on the optimum.
    pub bound: f64,
    /// Whether `best` is proven within the requested relative gap of the optimum.
    pub proven: bool,
}

impl MipOutcome {
    /// What a search cut short before its LP finished knows: nothing, and no bound.
    pub const CUT_SHORT: MipOutcome = MipOutcome {
        best: None,
        bound: f64::INFINITY,
        proven: false,
    };
}

/// How far `value` is below `bound`, as a share of it: 0 for a bound of about 0, and for a
/// difference within the rounding of sums of many terms (so the same timetable reports the same
/// gap whatever order its values were added in).
pub fn relative_gap(bound: f64, value: f64) -> f64 {
    if bound.abs() < 1e-9 {
        return 0.0;
    }
    let gap = (bound - value) / bound.abs();
    if gap < 1e-12 {
        0.0
    } else {
        gap
    }
}

/// Solves the model as a MIP, starting from its already solved LP relaxation `root`, until the
/// best solution is within `gap` (relative) of the proven bound or the deadline passes.
///
/// First fix every integer variable the LP already decided and search the small undecided rest
/// (HiGHS: its own MIP; microlp: our branch and bound); the result, compared with the root LP
/// bound, usually closes the gap at once. Only if not, the whole model is searched: HiGHS by its
/// branch and cut, microlp by a depth-first branch and bound seeded with that solution. (microlp's own MIP search was seen here to run
/// past its time limit on a 267-variable model.)
pub fn solve_mip(
    model: &LinearModel,
    root: Solved,
    solver: SolverChoice,
    deadline: Deadline,
    gap: f64,
    dive: bool,
) -> Result<MipOutcome, SolveFailure> {
    let root_bound = root.objective;
    let fixed: Vec<Option<f64>> = root
        .values
        .iter()
        .zip(&model.integer)
        .map(|(value, &integer)| {
            (integer && (value - value.round()).abs() < 1e-6).then(|| value.round())
        })
        .collect();
    let (reduced, original) = restrict(model, &fixed);
    // Without the dive HiGHS gets the plain model whole (the baseline the benchmark compares).
    let dive = dive || !solver.solves_integers();
    let reduced_best = match solver {
        _ if !dive => None,
        _ if solver.solves_integers() => {
            solve(&reduced, solver, false, deadline.solver_seconds()).ok()
        }
        _ => solve(&reduced, solver, true, deadline.solver_seconds())
            .ok()
            .filter(|reduced_root| reduced_root.proven_optimal)
            .and_then(|reduced_root| {
                // A heuristic only: a few nodes find a good timetable of the undecided part,
                // and the search of the whole model below proves (or improves) it. Searching
                // the part to its own gap was seen here to take 40 s on 844 variables whose
                // fixed neighbours made that gap unreachable.
                branch_and_bound(
                    &reduced,
                    reduced_root,
                    solver,
                    deadline,
                    None,
                    gap,
                    Some(DIVE_NODES),
                )
                .best
            }),
    };
    let mut incumbent = reduced_best.map(|best| unrestrict(model, &fixed, &original, &best));
    let within_gap = |found: &Option<Solved>| {
        found
            .as_ref()
            .is_some_and(|found| relative_gap(root_bound, found.objective) <= gap)
    };
    // microlp solves every node from scratch, so a node of the whole model costs as much as its
    // LP (13 s at 19,000 variables, measured here); before that, search wider neighbourhoods
    // of the undecided part, each a small model.
    if dive && !solver.solves_integers() {
        let mut around = fixed.clone();
        for _ in 0..NEIGHBOURHOODS {
            if within_gap(&incumbent) {
                break;
            }
            let wider = widen(model, &around);
            if wider == around {
                break;
            }
            around = wider;
            if let Some(found) =
                search_neighbourhood(model, &around, incumbent.as_ref(), deadline, gap)
            {
                if incumbent
                    .as_ref()
                    .is_none_or(|best| found.objective > best.objective)
                {
                    incumbent = Some(found);
                }
            }
        }
    }
    if within_gap(&incumbent) {
        return Ok(MipOutcome {
            bound: root_bound,
            best: incumbent,
            proven: true,
        });
    }
    Ok(branch_and_bound(
        model, root, solver, deadline, incumbent, gap, None,
    ))
}

/// Nodes the dive into the undecided part may take before the whole model is searched.
const DIVE_NODES: usize = 60;

/// How many times the neighbourhood of the undecided part may grow before the whole model is
/// searched, and the longest row through which it grows: a pair's row and a buyer's rows, not a
/// firm's, a slot's or an interpreter's, which reach most of the model. Measured here on a
/// 300 x 3,000 x 4 mission with varied windows (19,052 variables left after pricing, 574
/// undecided): rows of up to 400 terms freed every variable in one step, rows of up to 40 freed
/// 2,479, whose search took 0.6 s and closed the gap the dive left (0.06%) where the whole
/// model's branch and bound had taken 130 s.
const NEIGHBOURHOODS: usize = 2;
const NEIGHBOURHOOD_ROW: usize = 40;

/// `fixed` with every variable freed that shares a short row with a free one.
pub(super) fn widen(model: &LinearModel, fixed: &[Option<f64>]) -> Vec<Option<f64>> {
    let mut wider = fixed.to_vec();
    for row in &model.rows {
        let short = row.terms.len() <= NEIGHBOURHOOD_ROW;
        if short
            && row
                .terms
                .iter()
                .any(|&(variable, _)| fixed[variable].is_none())
        {
            for &(variable, _) in &row.terms {
                wider[variable] = None;
            }
        }
    }
    wider
}

/// The best solution a bounded branch and bound finds with the variables of `fixed` held at
/// their values, started from `incumbent` (a solution of the whole model that agrees with them).
pub(super) fn search_neighbourhood(
    model: &LinearModel,
    fixed: &[Option<f64>],
    incumbent: Option<&Solved>,
    deadline: Deadline,
    gap: f64,
) -> Option<Solved> {
    let solver = SolverChoice::Microlp;
    let (reduced, original) = restrict(model, fixed);
    let root = solve(&reduced, solver, true, deadline.solver_seconds()).ok()?;
    if !root.proven_optimal {
        return None;
    }
    let start = incumbent.map(|whole| {
        unproven(
            &reduced,
            original.iter().map(|&v| whole.values[v]).collect(),
        )
    });
    let found = branch_and_bound(
        &reduced,
        root,
        solver,
        deadline,
        start,
        gap,
        Some(DIVE_NODES),
    );
    found
        .best
        .map(|best| unrestrict(model, fixed, &original, &best))
}

/// Depth-first branch and bound over LP relaxations, rounding the most fractional variable up
/// first (which reaches timetables fast). Stops when the incumbent is within `gap` of the best
/// open bound, at the deadline, or after `node_limit` nodes (the open ones stay in the bound).
fn branch_and_bound(
    model: &LinearModel,
    root: Solved,
    solver: SolverChoice,
    deadline: Deadline,
    incumbent: Option<Solved>,
    gap: f64,
    node_limit: Option<usize>,
) -> MipOutcome {
    struct Node {
        lower: Vec<f64>,
        upper: Vec<f64>,
        parent_bound: f64,
    }
    let worth_exploring = |bound: f64, best: &Option<Solved>| match best {
        None => true,
        Some(best) => bound > best.objective + gap.max(1e-9) * best.objective.abs().max(1.0),
    };
    // A node left because it cannot beat the best by more than the gap may still hold a better
    // timetable: its bound stays in the bound of the whole.
    let mut left_within_gap = f64::NEG_INFINITY;
    let mut best = incumbent;
    let mut open = vec![Node {
        lower: model.lower.clone(),
        upper: model.upper.clone(),
        parent_bound: root.objective,
    }];
    let mut first = Some(root);
    let mut node_model = model.clone();
    let mut nodes = 0;
    while let Some(node) = open.pop() {
        if !worth_exploring(node.parent_bound, &best) {
            left_within_gap = left_within_gap.max(node.parent_bound);
            continue;
        }
        nodes += 1;
        let out_of_nodes = node_limit.is_some_and(|limit| nodes > limit);
        if out_of_nodes || deadline.passed() {
            open.push(node);
            break;
        }
        let solved = match first.take() {
            Some(root) => root,
            None => {
                node_model.lower.clone_from(&node.lower);
                node_model.upper.clone_from(&node.upper);
                match solve(&node_model, solver, true, deadline.solver_seconds()) {
                    Ok(solved) if solved.proven_optimal => solved,
                    Err(SolveFailure::Infeasible) => continue,
                    // Cut short (or failed): the node's LP bound is unknown, so the node stays
                    // open and its parent's bound stays in the bound of the whole.
                    Ok(_) | Err(_) => {
                        open.push(node);
                        break;
                    }
                }
            }
        };
        if !worth_exploring(solved.objective, &best) {
            left_within_gap = left_within_gap.max(solved.objective);
            continue;
        }
        let branch = (0..model.upper.len())
            .filter(|&v| {
                model.integer[v] && (solved.values[v] - solved.values[v].round()).abs() >= 1e-6
            })
            .min_by(|&a, &b| {
                let distance = |v: usize| (solved.values[v] - solved.values[v].floor() - 0.5).abs();
                distance(a).total_cmp(&distance(b))
            });
        let Some(variable) = branch else {
            best = Some(solved);
            continue;
        };
        let value = solved.values[variable];
        let mut down = Node {
            lower: node.lower.clone(),
            upper: node.upper.clone(),
            parent_bound: solved.objective,
        };
        down.upper[variable] = value.floor();
        let mut up = Node {
            lower: node.lower,
            upper: node.upper,
            parent_bound: solved.objective,
        };
        up.lower[variable] = value.ceil();
        open.push(down);
        open.push(up);
    }
    let best_value = best.as_ref().map_or(f64::NEG_INFINITY, |b| b.objective);
    let open_bound = open
        .iter()
        .map(|node| node.parent_bound)
        .fold(left_within_gap, f64::max);
    let bound = open_bound.max(best_value);
    MipOutcome {
        proven: best.is_some() && relative_gap(bound, best_value) <= gap.max(1e-9),
        best,
        bound,
    }
}
