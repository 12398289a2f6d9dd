//! The solver-independent linear model: variables in `[lower, upper]`, some integer, rows, a
//! maximised objective; a solution of it; and a model with some variables fixed substituted out.

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
pub(super) fn unproven(model: &LinearModel, values: Vec<f64>) -> Solved {
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
