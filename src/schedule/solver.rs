//! A small solver-independent linear model, and solving it through good_lp with the solver the
//! user picked (microlp always; HiGHS with the `highs` feature), as an LP or as a MIP.

use good_lp::{
    variable, Expression, ProblemVariables, ResolutionError, Solution, SolutionStatus, SolverModel,
    Variable, WithTimeLimit,
};

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

    /// Adds a constraint (rows with no terms are dropped; they bind nothing or are checked by
    /// the caller).
    pub fn add_row(&mut self, terms: Vec<(usize, f64)>, sense: Sense, rhs: f64) {
        if !terms.is_empty() {
            self.rows.push(Row { terms, sense, rhs });
        }
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
    /// Anything else (time ran out before any solution, numerical trouble).
    Other(String),
}

/// Solves the model as an LP (`relax`: integrality dropped) or as a MIP.
pub fn solve(
    model: &LinearModel,
    solver: SolverChoice,
    relax: bool,
    time_limit_seconds: Option<f64>,
) -> Result<Solved, SolveFailure> {
    let mut variables = ProblemVariables::new();
    let handles: Vec<Variable> = (0..model.upper.len())
        .map(|index| {
            let definition = variable().min(model.lower[index]).max(model.upper[index]);
            if model.integer[index] && !relax {
                variables.add(definition.integer())
            } else {
                variables.add(definition)
            }
        })
        .collect();
    // Values run to millions while constraints are 0/1: scaling the objective to at most 1
    // keeps the simplex's tolerances meaningful.
    let scale = model
        .objective
        .iter()
        .fold(0.0f64, |largest, c| largest.max(c.abs()))
        .max(f64::MIN_POSITIVE);
    let mut objective = Expression::with_capacity(handles.len());
    for (index, &coefficient) in model.objective.iter().enumerate() {
        if coefficient != 0.0 {
            objective.add_mul(coefficient / scale, handles[index]);
        }
    }
    let constraints = model.rows.iter().map(|row| {
        let mut expression = Expression::with_capacity(row.terms.len());
        for &(index, coefficient) in &row.terms {
            expression.add_mul(coefficient, handles[index]);
        }
        match row.sense {
            Sense::AtMost => expression.leq(row.rhs),
            Sense::AtLeast => expression.geq(row.rhs),
            Sense::Equal => expression.eq(row.rhs),
        }
    });
    let problem = variables.maximise(objective);
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
        SolverChoice::Highs => solve_with_highs(problem, constraints, &handles, time_limit_seconds),
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
        Err(other) => Err(SolveFailure::Other(other.to_string())),
    }
}

/// How a MIP solve ended: the best solution found (if any), a proven upper bound on the
/// optimum, and whether the solution is proven optimal.
pub struct MipOutcome {
    /// Best integral solution found.
    pub best: Option<Solved>,
    /// Proven upper bound on the optimum.
    pub bound: f64,
    /// Whether `best` is proven optimal.
    pub proven: bool,
}

fn is_integral_at(model: &LinearModel, values: &[f64]) -> bool {
    values
        .iter()
        .zip(&model.integer)
        .all(|(value, &integer)| !integer || (value - value.round()).abs() < 1e-6)
}

/// Solves the model as a MIP, starting from its already solved LP relaxation `root`.
///
/// HiGHS runs its own branch and cut. For microlp this is a depth-first branch and bound over
/// microlp's LP (rounding the most fractional variable up first, which finds timetables fast):
/// microlp's own MIP search was seen here to run past its time limit on a 267-variable model.
pub fn solve_mip(
    model: &LinearModel,
    root: Solved,
    solver: SolverChoice,
    deadline: Option<std::time::Instant>,
) -> Result<MipOutcome, SolveFailure> {
    let seconds_left = || {
        deadline.map(|d| {
            d.saturating_duration_since(std::time::Instant::now())
                .as_secs_f64()
                .max(0.05)
        })
    };
    if solver == SolverChoice::Highs {
        return match solve(model, solver, false, seconds_left()) {
            Ok(solved) => {
                let bound = if solved.proven_optimal {
                    solved.objective
                } else {
                    root.objective
                };
                Ok(MipOutcome {
                    proven: solved.proven_optimal,
                    best: Some(solved),
                    bound,
                })
            }
            Err(SolveFailure::Infeasible) => Err(SolveFailure::Infeasible),
            Err(SolveFailure::Other(_)) => Ok(MipOutcome {
                best: None,
                bound: root.objective,
                proven: false,
            }),
        };
    }
    const TOLERANCE: f64 = 1e-7;
    struct Node {
        lower: Vec<f64>,
        upper: Vec<f64>,
        parent_bound: f64,
    }
    let mut best: Option<Solved> = None;
    let mut open = vec![Node {
        lower: model.lower.clone(),
        upper: model.upper.clone(),
        parent_bound: root.objective,
    }];
    let mut first = Some(root);
    let mut node_model = model.clone();
    while let Some(node) = open.pop() {
        let incumbent = best.as_ref().map_or(f64::NEG_INFINITY, |b| b.objective);
        if node.parent_bound <= incumbent + TOLERANCE * incumbent.abs().max(1.0) {
            continue;
        }
        if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            open.push(node);
            break;
        }
        let solved = match first.take() {
            Some(root) => root,
            None => {
                node_model.lower.clone_from(&node.lower);
                node_model.upper.clone_from(&node.upper);
                match solve(&node_model, solver, true, seconds_left()) {
                    Ok(solved) => solved,
                    Err(_) => continue,
                }
            }
        };
        if solved.objective <= incumbent + TOLERANCE * incumbent.abs().max(1.0) {
            continue;
        }
        if is_integral_at(model, &solved.values) {
            best = Some(solved);
            continue;
        }
        let branch = (0..model.upper.len())
            .filter(|&v| model.integer[v])
            .map(|v| (v, (solved.values[v] - solved.values[v].floor() - 0.5).abs()))
            .filter(|&(v, _)| (solved.values[v] - solved.values[v].round()).abs() >= 1e-6)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(v, _)| v);
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
    let incumbent = best.as_ref().map_or(f64::NEG_INFINITY, |b| b.objective);
    let open_bound = open
        .iter()
        .map(|node| node.parent_bound)
        .fold(f64::NEG_INFINITY, f64::max);
    let proven = open
        .iter()
        .all(|node| node.parent_bound <= incumbent + TOLERANCE * incumbent.abs().max(1.0));
    if best.is_none() && open.is_empty() {
        return Err(SolveFailure::Infeasible);
    }
    Ok(MipOutcome {
        bound: if proven {
            incumbent
        } else {
            open_bound.max(incumbent)
        },
        best,
        proven,
    })
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
    let mut built = built
        .set_verbose(false)
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
mod tests {
    use super::*;

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
        let mip = solve_mip(&model, lp, SolverChoice::Microlp, None).unwrap();
        let best = mip.best.unwrap();
        assert!((best.objective - 8.0).abs() < 1e-6, "{}", best.objective);
        assert!(mip.proven && (mip.bound - 8.0).abs() < 1e-6);
        model.add_row(vec![(a, 1.0)], Sense::AtLeast, 2.0);
        assert_eq!(
            solve(&model, SolverChoice::Microlp, true, None).unwrap_err(),
            SolveFailure::Infeasible
        );
    }
}
