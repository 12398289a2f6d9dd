//! Pricing: the LP relaxation by Clarabel's interior-point method, whose duals give a bound
//! that holds whatever their accuracy and reduced costs that say which variables can matter.

use good_lp::{DualValues, ResolutionError, Solution, SolutionWithDual, SolverModel};

use super::backend::{build, Built};
use super::model::{LinearModel, Sense, SolveFailure};

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
pub(super) fn implied_upper_bounds_dropped(model: &LinearModel) -> Vec<f64> {
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
