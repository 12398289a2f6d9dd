//! A small solver-independent linear model, and solving it through good_lp with the solver the
//! user picked (microlp always; HiGHS with the `highs` feature), as an LP or as a MIP.

use good_lp::{
    variable, DualValues, Expression, ProblemVariables, ResolutionError, Solution, SolutionStatus,
    SolutionWithDual, SolverModel, Variable, WithTimeLimit,
};

use super::Deadline;
use crate::error::{Error, Result};

/// Which solver runs the models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SolverChoice {
    /// microlp: pure Rust, always compiled.
    #[default]
    Microlp,
    /// HiGHS (cargo feature `highs`).
    Highs,
}

impl SolverChoice {
    /// Reads `microlp` or `highs`; `highs` only when compiled in.
    pub fn parse(name: &str) -> Result<SolverChoice> {
        match name.trim().to_ascii_lowercase().as_str() {
            "microlp" => Ok(SolverChoice::Microlp),
            "highs" if cfg!(feature = "highs") => Ok(SolverChoice::Highs),
            "highs" => Err(Error::Unsupported(
                "this build has no HiGHS: rebuild with `--features highs` (needs cmake and libclang-dev)"
                    .to_string(),
            )),
            other => Err(Error::Unsupported(format!(
                "unknown solver \"{other}\" (compiled in: {})",
                SolverChoice::compiled().join(", ")
            ))),
        }
    }

    /// Names of the solvers this build has.
    pub fn compiled() -> Vec<&'static str> {
        let mut names = vec!["microlp"];
        if cfg!(feature = "highs") {
            names.push("highs");
        }
        names
    }

    /// What the backend can do, asked where the pipeline's strategy depends on it (instead of
    /// comparing names): whether it branches on integer variables itself (HiGHS) or solves
    /// linear relaxations only, so that missionmatch's own branch and bound, its dive and its
    /// pricing search for it (microlp).
    pub fn solves_integers(self) -> bool {
        match self {
            SolverChoice::Microlp => false,
            SolverChoice::Highs => true,
        }
    }

    /// The name written in `schedule.json`.
    pub fn name(self) -> &'static str {
        match self {
            SolverChoice::Microlp => "microlp",
            SolverChoice::Highs => "highs",
        }
    }
}

/// A maximisation problem over variables in `[lower, upper]`, some of them integer.
#[derive(Debug, Clone, Default)]
pub struct LinearModel {
    /// Lower bound of each variable (0 unless branching fixed it).
    pub lower: Vec<f64>,
    /// Upper bound of each variable.
    pub upper: Vec<f64>,
    /// Whether each variable must be integral (in a MIP solve).
    pub integer: Vec<bool>,
    /// Objective coefficient of each variable.
    pub objective: Vec<f64>,
    /// Rows `sum(coefficient * variable) <= rhs` (or `>=`, or `==`).
    pub rows: Vec<Row>,
}

/// One linear constraint.
#[derive(Debug, Clone)]
pub struct Row {
    /// Sparse coefficients.
    pub terms: Vec<(usize, f64)>,
    /// Comparison.
    pub sense: Sense,
    /// Right-hand side.
    pub rhs: f64,
}

impl Row {
    /// The row's left-hand side at these values.
    pub fn activity(&self, values: &[f64]) -> f64 {
        self.terms.iter().map(|&(v, c)| c * values[v]).sum()
    }

    /// Whether some values within the bounds break the row (a row that no such values break
    /// can be dropped: it binds nothing).
    pub fn can_bind(&self, lower: &[f64], upper: &[f64]) -> bool {
        let (least, most) = self
            .terms
            .iter()
            .fold((0.0, 0.0), |(least, most), &(v, c)| {
                let (a, b) = (c * lower[v], c * upper[v]);
                (least + a.min(b), most + a.max(b))
            });
        match self.sense {
            Sense::AtMost => most > self.rhs + 1e-9,
            Sense::AtLeast => least < self.rhs - 1e-9,
            Sense::Equal => true,
        }
    }

    /// Whether the row holds at these values (to 1e-6).
    pub fn holds(&self, values: &[f64]) -> bool {
        let sum = self.activity(values);
        match self.sense {
            Sense::AtMost => sum <= self.rhs + 1e-6,
            Sense::AtLeast => sum >= self.rhs - 1e-6,
            Sense::Equal => (sum - self.rhs).abs() <= 1e-6,
        }
    }
}

/// A constraint's comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sense {
    /// `<=`
    AtMost,
    /// `>=`
    AtLeast,
    /// `==`
    Equal,
}

impl LinearModel {
    /// Adds a variable and returns its index.
    pub fn add_variable(&mut self, upper: f64, integer: bool, objective: f64) -> usize {
        self.lower.push(0.0);
        self.upper.push(upper);
        self.integer.push(integer);
        self.objective.push(objective);
        self.upper.len() - 1
    }

    /// The largest objective coefficient in absolute value (0 for an empty objective).
    pub fn largest_objective(&self) -> f64 {
        self.objective
            .iter()
            .fold(0.0f64, |largest, c| largest.max(c.abs()))
    }

    /// Adds a constraint (rows with no terms are dropped; they bind nothing or are checked by
    /// the caller).
    pub fn add_row(&mut self, terms: Vec<(usize, f64)>, sense: Sense, rhs: f64) {
        if !terms.is_empty() {
            self.rows.push(Row { terms, sense, rhs });
        }
    }

    /// The same variables without the rows `left_out` marks (a relaxation of the model).
    pub fn without_rows(&self, left_out: &[bool]) -> LinearModel {
        LinearModel {
            lower: self.lower.clone(),
            upper: self.upper.clone(),
            integer: self.integer.clone(),
            objective: self.objective.clone(),
            rows: self
                .rows
                .iter()
                .zip(left_out)
                .filter(|(_, &left_out)| !left_out)
                .map(|(row, _)| row.clone())
                .collect(),
        }
    }

    /// Puts back the rows `left_out` marks that `values` break; whether there were any.
    pub fn bring_back(&self, left_out: &mut [bool], values: &[f64]) -> bool {
        let mut broken = false;
        for (row, left_out) in self.rows.iter().zip(left_out.iter_mut()) {
            if *left_out && !row.holds(values) {
                *left_out = false;
                broken = true;
            }
        }
        broken
    }
}

/// What a solve returned.
#[derive(Debug, Clone)]
pub struct Solved {
    /// Value of each variable.
    pub values: Vec<f64>,
    /// Objective value of those values.
    pub objective: f64,
    /// Whether the solver proved these values optimal (not cut short by the time limit).
    pub proven_optimal: bool,
}

/// Why a solve gave no values.
#[derive(Debug, Clone, PartialEq)]
pub enum SolveFailure {
    /// No point satisfies the constraints.
    Infeasible,
    /// The time limit ran out before the solver proved anything.
    OutOfTime,
    /// Anything else (numerical trouble).
    Other(String),
}

/// The model in good_lp's terms: the problem with its objective divided by `scale`, the
/// variables' handles and the constraints in row order.
struct Built {
    problem: good_lp::variable::UnsolvedProblem,
    handles: Vec<Variable>,
    constraints: Vec<good_lp::Constraint>,
    scale: f64,
}

fn build(model: &LinearModel, relax: bool, upper: &[f64]) -> Built {
    let mut variables = ProblemVariables::new();
    let handles: Vec<Variable> = (0..model.upper.len())
        .map(|index| {
            let definition = variable().min(model.lower[index]).max(upper[index]);
            if model.integer[index] && !relax {
                variables.add(definition.integer())
            } else {
                variables.add(definition)
            }
        })
        .collect();
    // Values run to millions while constraints are 0/1: scaling the objective to at most 1
    // keeps the solvers' tolerances meaningful.
    let scale = model.largest_objective().max(f64::MIN_POSITIVE);
    let mut objective = Expression::with_capacity(handles.len());
    for (index, &coefficient) in model.objective.iter().enumerate() {
        if coefficient != 0.0 {
            objective.add_mul(coefficient / scale, handles[index]);
        }
    }
    let constraints = model
        .rows
        .iter()
        .map(|row| {
            let mut expression = Expression::with_capacity(row.terms.len());
            for &(index, coefficient) in &row.terms {
                expression.add_mul(coefficient, handles[index]);
            }
            match row.sense {
                Sense::AtMost => expression.leq(row.rhs),
                Sense::AtLeast => expression.geq(row.rhs),
                Sense::Equal => expression.eq(row.rhs),
            }
        })
        .collect();
    Built {
        problem: variables.maximise(objective),
        handles,
        constraints,
        scale,
    }
}

/// Solves the model as an LP (`relax`: integrality dropped) or as a MIP.
pub fn solve(
    model: &LinearModel,
    solver: SolverChoice,
    relax: bool,
    time_limit_seconds: Option<f64>,
) -> Result<Solved, SolveFailure> {
    let Built {
        problem,
        handles,
        constraints,
        ..
    } = build(model, relax, &model.upper);
    let outcome: Result<(Vec<f64>, bool), ResolutionError> = match solver {
        SolverChoice::Microlp => {
            let mut built = problem.using(good_lp::microlp);
            for constraint in constraints {
                built.add_constraint(constraint);
            }
            if let Some(seconds) = time_limit_seconds {
                built = built.with_time_limit(seconds);
            }
            built.solve().map(|solution| {
                let proven = matches!(solution.status(), SolutionStatus::Optimal);
                (handles.iter().map(|&h| solution.value(h)).collect(), proven)
            })
        }
        SolverChoice::Highs => solve_with_highs(
            problem,
            constraints.into_iter(),
            &handles,
            time_limit_seconds,
        ),
    };
    match outcome {
        Ok((values, proven_optimal)) => {
            let objective = values
                .iter()
                .zip(&model.objective)
                .map(|(value, coefficient)| value * coefficient)
                .sum();
            Ok(Solved {
                values,
                objective,
                proven_optimal,
            })
        }
        Err(ResolutionError::Infeasible) => Err(SolveFailure::Infeasible),
        // good_lp's microlp reports "time limit reached before any solution" as `Other`; nothing
        // else it reports is `Other`.
        Err(ResolutionError::Other(_)) if time_limit_seconds.is_some() => {
            Err(SolveFailure::OutOfTime)
        }
        Err(other) => Err(SolveFailure::Other(other.to_string())),
    }
}

/// An LP relaxation priced by the interior-point method (Clarabel, pure Rust): several times
/// faster than microlp's simplex on models of tens of thousands of variables, but its point lies
/// inside the optimal face rather than at a vertex, so only its duals are used: any duals of the
/// right signs give a proven upper bound (weak duality), and the reduced costs under them say
/// which variables can still matter.
pub struct Priced {
    /// Proven upper bound on the model's optimum (LP, hence also MIP), in objective units.
    pub bound: f64,
    /// Reduced cost of each variable under the duals, in objective units: a solution with
    /// variable `j` one unit above its lower bound is worth at most `bound + reduced_costs[j]`
    /// when that reduced cost is negative.
    pub reduced_costs: Vec<f64>,
    /// The interior point's values of the variables (inside the optimal face, not a vertex).
    pub values: Vec<f64>,
}

/// The variables' upper bounds, except those a row already implies (a row of non-negative
/// coefficients over variables with lower bound 0, `<=` or `=`, whose right-hand side over the
/// variable's coefficient is at most its bound): infinite there. The interior-point method pays
/// for every bound as a row; the simplex does not.
fn implied_upper_bounds_dropped(model: &LinearModel) -> Vec<f64> {
    let mut upper = model.upper.clone();
    for row in &model.rows {
        let packing = row.sense != Sense::AtLeast
            && row
                .terms
                .iter()
                .all(|&(variable, coefficient)| coefficient >= 0.0 && model.lower[variable] >= 0.0);
        if !packing {
            continue;
        }
        for &(variable, coefficient) in &row.terms {
            if coefficient > 0.0 && row.rhs / coefficient <= model.upper[variable] {
                upper[variable] = f64::INFINITY;
            }
        }
    }
    upper
}

/// Solves the LP relaxation with Clarabel and turns its duals into a bound that holds whatever
/// their accuracy: with duals `y` of the right signs (`>= 0` on `<=` rows, `<= 0` on `>=` rows),
/// every feasible `x` has `c x <= y b + sum_j max(d_j u_j, d_j l_j)` where `d = c - A'y`.
/// `gap` is the relative gap the caller will accept; the interior point stops well inside it.
/// The rows `left_out` marks are left out of the interior point: their duals are 0, which keeps
/// the bound a bound of the whole model (only perhaps a looser one).
pub fn price(
    model: &LinearModel,
    left_out: &[bool],
    time_limit_seconds: Option<f64>,
    gap: f64,
) -> Result<Priced, SolveFailure> {
    let model = &model.without_rows(left_out);
    let Built {
        problem,
        handles,
        constraints,
        scale,
    } = build(model, true, &implied_upper_bounds_dropped(model));
    let mut built = problem.using(good_lp::clarabel);
    // The bound below holds for any duals; how close it comes to the optimum follows the
    // interior point's tolerance, a tenth of the gap asked (at most 1e-5: fewer iterations than
    // Clarabel's default 1e-8, measured 25 against 29 on 300 x 3,000 x 4 sessions).
    let tolerance = (gap / 10.0).clamp(1e-8, 1e-5);
    built
        .settings()
        .tol_gap_rel(tolerance)
        .tol_gap_abs(tolerance)
        .tol_feas(tolerance);
    if let Some(seconds) = time_limit_seconds {
        built.settings().time_limit(seconds);
    }
    let references: Vec<good_lp::constraint::ConstraintReference> = constraints
        .into_iter()
        .map(|constraint| built.add_constraint(constraint))
        .collect();
    let mut solution = built.solve().map_err(|error| match error {
        ResolutionError::Infeasible => SolveFailure::Infeasible,
        other => SolveFailure::Other(other.to_string()),
    })?;
    let values: Vec<f64> = handles.iter().map(|&h| solution.value(h)).collect();
    let duals = solution.compute_dual();
    let mut reduced_costs = model.objective.clone();
    let mut bound = 0.0;
    for (row, reference) in model.rows.iter().zip(references) {
        let dual = duals.dual(reference) * scale;
        let dual = match row.sense {
            Sense::AtMost => dual.max(0.0),
            Sense::AtLeast => dual.min(0.0),
            Sense::Equal => dual,
        };
        if !dual.is_finite() {
            return Err(SolveFailure::Other(
                "the interior-point duals are not finite".into(),
            ));
        }
        if dual != 0.0 {
            bound += dual * row.rhs;
            for &(variable, coefficient) in &row.terms {
                reduced_costs[variable] -= coefficient * dual;
            }
        }
    }
    for (variable, &reduced) in reduced_costs.iter().enumerate() {
        bound += (reduced * model.upper[variable]).max(reduced * model.lower[variable]);
    }
    // Room for the rounding of the sums above.
    bound += 1e-9 * bound.abs().max(1.0);
    Ok(Priced {
        bound,
        reduced_costs,
        values,
    })
}

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

/// The model with some variables fixed: those are substituted out, so the LPs left to solve
/// are as small as the undecided part, and rows the free variables can no longer break are
/// dropped (the bounds of a restricted model are only ever tightened after, so they stay
/// unbreakable). Returns the smaller model and, per variable of it, the variable of `model` it
/// stands for.
pub fn restrict(model: &LinearModel, fixed: &[Option<f64>]) -> (LinearModel, Vec<usize>) {
    let mut new_index = vec![usize::MAX; fixed.len()];
    let mut reduced = LinearModel::default();
    let mut original = Vec::new();
    for (variable, value) in fixed.iter().enumerate() {
        if value.is_none() {
            new_index[variable] = reduced.add_variable(
                model.upper[variable],
                model.integer[variable],
                model.objective[variable],
            );
            reduced.lower[new_index[variable]] = model.lower[variable];
            original.push(variable);
        }
    }
    for row in &model.rows {
        let mut rhs = row.rhs;
        let mut terms = Vec::new();
        for &(variable, coefficient) in &row.terms {
            match fixed[variable] {
                Some(value) => rhs -= coefficient * value,
                None => terms.push((new_index[variable], coefficient)),
            }
        }
        let row = Row {
            terms,
            sense: row.sense,
            rhs,
        };
        if row.can_bind(&reduced.lower, &reduced.upper) {
            reduced.add_row(row.terms, row.sense, row.rhs);
        }
    }
    (reduced, original)
}

/// A solution of the model `restrict` made as a solution of `model`: the fixed variables at their
/// values, the others from `solved` (not proven optimal for `model`).
pub fn unrestrict(
    model: &LinearModel,
    fixed: &[Option<f64>],
    original: &[usize],
    solved: &Solved,
) -> Solved {
    let mut values: Vec<f64> = fixed.iter().map(|value| value.unwrap_or(0.0)).collect();
    for (reduced_variable, &variable) in original.iter().enumerate() {
        values[variable] = solved.values[reduced_variable];
    }
    unproven(model, values)
}

/// Values as a solution of `model`, with their objective, not proven optimal.
fn unproven(model: &LinearModel, values: Vec<f64>) -> Solved {
    let objective = values
        .iter()
        .zip(&model.objective)
        .map(|(value, coefficient)| value * coefficient)
        .sum();
    Solved {
        values,
        objective,
        proven_optimal: false,
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
fn widen(model: &LinearModel, fixed: &[Option<f64>]) -> Vec<Option<f64>> {
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
fn search_neighbourhood(
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

#[cfg(feature = "highs")]
fn solve_with_highs(
    problem: good_lp::variable::UnsolvedProblem,
    constraints: impl Iterator<Item = good_lp::Constraint>,
    handles: &[Variable],
    time_limit_seconds: Option<f64>,
) -> Result<(Vec<f64>, bool), ResolutionError> {
    let mut built = problem.using(good_lp::highs);
    for constraint in constraints {
        built.add_constraint(constraint);
    }
    built.set_verbose(false);
    let mut built = built
        .set_threads(1)
        .set_mip_rel_gap(1e-6)
        .map_err(|error| ResolutionError::Str(error.to_string()))?;
    if let Some(seconds) = time_limit_seconds {
        built = built.set_time_limit(seconds);
    }
    built.solve().map(|solution| {
        let proven = matches!(solution.status(), SolutionStatus::Optimal);
        (handles.iter().map(|&h| solution.value(h)).collect(), proven)
    })
}

#[cfg(not(feature = "highs"))]
fn solve_with_highs(
    _problem: good_lp::variable::UnsolvedProblem,
    _constraints: impl Iterator<Item = good_lp::Constraint>,
    _handles: &[Variable],
    _time_limit_seconds: Option<f64>,
) -> Result<(Vec<f64>, bool), ResolutionError> {
    Err(ResolutionError::Str(
        "this build has no HiGHS: rebuild with `--features highs`".to_string(),
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

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
                let mip = solve_mip(&model, lp, SolverChoice::Microlp, Deadline::NONE, gap, true)
                    .unwrap();
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
        let found =
            search_neighbourhood(&model, &around, Some(&whole), Deadline::NONE, 0.0).unwrap();
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
}
