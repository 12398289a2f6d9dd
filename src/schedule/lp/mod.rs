//! The LP layer: a solver-independent linear model (`model`), the backends that solve it behind
//! one trait (`backend`: microlp, HiGHS), pricing by the interior-point method (`price`), and
//! integer solutions by the backend or by missionmatch's branch and bound (`branch`). The only
//! part of the crate that speaks to good_lp and its solvers.

mod backend;
mod branch;
mod model;
mod price;
#[cfg(test)]
pub(crate) mod tests;

pub use backend::{solve, SolverChoice};
pub use branch::{relative_gap, solve_mip, MipOutcome};
pub use model::{restrict, unrestrict, LinearModel, Row, Sense, SolveFailure, Solved};
pub use price::price;
