//! The backends that solve a [`LinearModel`] through good_lp, behind one trait that says what
//! each can do: microlp (pure Rust, always compiled) and HiGHS (cargo feature `highs`).

use good_lp::{
    variable, Expression, ProblemVariables, ResolutionError, Solution, SolutionStatus, SolverModel,
    Variable, WithTimeLimit,
};

use super::model::{LinearModel, Sense, SolveFailure, Solved};
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

    /// The backend that runs this choice.
    pub fn backend(self) -> &'static dyn Backend {
        match self {
            SolverChoice::Microlp => &Microlp,
            SolverChoice::Highs => &Highs,
        }
    }

    /// Whether the backend branches on integer variables itself: see
    /// [`Backend::solves_integers`].
    pub fn solves_integers(self) -> bool {
        self.backend().solves_integers()
    }

    /// The name written in `schedule.json`.
    pub fn name(self) -> &'static str {
        self.backend().name()
    }
}

/// A solver of linear models, and what it can do, asked where the pipeline's strategy depends
/// on it (instead of comparing names).
pub trait Backend: Sync {
    /// The name written in `schedule.json` and read by `--solver`.
    fn name(&self) -> &'static str;

    /// Whether it branches on integer variables itself (HiGHS), or solves linear relaxations
    /// only, so that missionmatch's own branch and bound, its dive and its pricing search for
    /// it (microlp).
    fn solves_integers(&self) -> bool;

    /// Solves the built model within the time limit: each variable's value, and whether the
    /// solver proved them optimal.
    fn run(
        &self,
        built: Built,
        time_limit_seconds: Option<f64>,
    ) -> Result<(Vec<f64>, bool), ResolutionError>;
}

/// microlp: pure Rust, always compiled; its MIP search is not used (see [`super::solve_mip`]).
struct Microlp;

impl Backend for Microlp {
    fn name(&self) -> &'static str {
        "microlp"
    }

    fn solves_integers(&self) -> bool {
        false
    }

    fn run(
        &self,
        built: Built,
        time_limit_seconds: Option<f64>,
    ) -> Result<(Vec<f64>, bool), ResolutionError> {
        let mut model = built.problem.using(good_lp::microlp);
        for constraint in built.constraints {
            model.add_constraint(constraint);
        }
        if let Some(seconds) = time_limit_seconds {
            model = model.with_time_limit(seconds);
        }
        model
            .solve()
            .map(|solution| values_of(&solution, &built.handles))
    }
}

/// HiGHS, single-threaded, when the `highs` feature compiled it in.
struct Highs;

impl Backend for Highs {
    fn name(&self) -> &'static str {
        "highs"
    }

    fn solves_integers(&self) -> bool {
        true
    }

    fn run(
        &self,
        built: Built,
        time_limit_seconds: Option<f64>,
    ) -> Result<(Vec<f64>, bool), ResolutionError> {
        solve_with_highs(built, time_limit_seconds)
    }
}

/// The model in good_lp's terms: the problem with its objective divided by `scale`, the
/// variables' handles and the constraints in row order.
pub struct Built {
    pub(super) problem: good_lp::variable::UnsolvedProblem,
    pub(super) handles: Vec<Variable>,
    pub(super) constraints: Vec<good_lp::Constraint>,
    pub(super) scale: f64,
}

/// The model in good_lp's terms, integrality dropped when `relax`, with `upper` as the
/// variables' upper bounds.
pub(super) fn build(model: &LinearModel, relax: bool, upper: &[f64]) -> Built {
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
    let built = build(model, relax, &model.upper);
    let outcome = solver.backend().run(built, time_limit_seconds);
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

/// Each variable's value in `solution`, and whether the solver proved it optimal.
fn values_of(solution: &impl Solution, handles: &[Variable]) -> (Vec<f64>, bool) {
    let proven = matches!(solution.status(), SolutionStatus::Optimal);
    (handles.iter().map(|&h| solution.value(h)).collect(), proven)
}

#[cfg(feature = "highs")]
fn solve_with_highs(
    built: Built,
    time_limit_seconds: Option<f64>,
) -> Result<(Vec<f64>, bool), ResolutionError> {
    let mut model = built.problem.using(good_lp::highs);
    for constraint in built.constraints {
        model.add_constraint(constraint);
    }
    model.set_verbose(false);
    let mut model = model
        .set_threads(1)
        .set_mip_rel_gap(1e-6)
        .map_err(|error| ResolutionError::Str(error.to_string()))?;
    if let Some(seconds) = time_limit_seconds {
        model = model.set_time_limit(seconds);
    }
    model
        .solve()
        .map(|solution| values_of(&solution, &built.handles))
}

#[cfg(not(feature = "highs"))]
fn solve_with_highs(
    _built: Built,
    _time_limit_seconds: Option<f64>,
) -> Result<(Vec<f64>, bool), ResolutionError> {
    Err(ResolutionError::Str(
        "this build has no HiGHS: rebuild with `--features highs`".to_string(),
    ))
}
