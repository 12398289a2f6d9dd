//! The optimiser: the consultation timetable that meets every rule of contract section 4, covers
//! as many minimum meetings as any valid timetable can, and then earns the most expected value,
//! with a proven upper bound on that value.
//!
//! How: `pipeline` runs the steps. `instance` turns the mission and weights into indexed pairs
//! (`ix`: the index types) and `occupancy` keeps the one count of who is busy and what each limit
//! has left; `components` splits the pairs into independent parts; `formulation` builds a part's
//! class model (one variable per pair and class of interchangeable slots); `stages` solves it
//! in rule 7's order through the LP layer `lp`; `placement` and `colour` turn class counts into
//! slots; `compact` and `breaks` lower idle gaps; `greedy` is the baseline organisers use today;
//! `validate` checks any timetable against the rules, independently of all of the above;
//! `explain` says why someone is below their minimum.

pub mod breaks;
mod colour;
mod compact;
mod components;
mod deadline;
mod explain;
mod formulation;
mod greedy;
mod instance;
pub(crate) mod ix;
mod lp;
pub(crate) mod occupancy;
mod pipeline;
mod placement;
mod stages;
mod tables;
mod validate;

use std::sync::Arc;
use std::time::Instant;

use crate::error::{Error, Result};
use crate::model::{BuyerId, FirmId, Mission, SlotId};

pub use deadline::Deadline;
pub use explain::Shortfall;
pub use instance::Reserved;
pub use lp::{relative_gap, SolverChoice};
pub use tables::assign_tables;
pub use validate::{idle_gaps, minimum_coverage, validate_published, validate_schedule};

pub use pipeline::schedule;

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
    /// When the whole run, started at `started`, must stop: every stage's own deadline is at or
    /// before it.
    pub fn deadline(&self, started: Instant) -> Deadline {
        Deadline::after(started, self.time_limit_seconds)
    }

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
