//! When the optimiser's work must stop: one type for every stage (the exact search, the
//! break minimiser's SAT solver, compaction, re-planning), so a time limit is written and
//! compared one way.

use std::time::{Duration, Instant};

/// A moment after which work stops, or none (no limit).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Deadline(Option<Instant>);

impl Deadline {
    /// No limit.
    pub const NONE: Deadline = Deadline(None);

    /// At `instant`.
    pub fn at(instant: Instant) -> Deadline {
        Deadline(Some(instant))
    }

    /// `seconds` after `started`, or none without a limit.
    pub fn after(started: Instant, seconds: Option<f64>) -> Deadline {
        Deadline(seconds.map(|seconds| started + Duration::from_secs_f64(seconds.max(0.0))))
    }

    /// The earlier of the two (a limit beats none).
    pub fn earliest(self, other: Deadline) -> Deadline {
        match (self.0, other.0) {
            (Some(a), Some(b)) => Deadline(Some(a.min(b))),
            (a, b) => Deadline(a.or(b)),
        }
    }

    /// Whether it has passed.
    pub fn passed(self) -> bool {
        self.0.is_some_and(|instant| Instant::now() >= instant)
    }

    /// Seconds a solver may be given (none: no limit): what is left, but never less than
    /// 0.05 s, which a solver started just before the deadline still gets.
    pub fn solver_seconds(self) -> Option<f64> {
        self.seconds_left().map(|left| left.max(0.05))
    }

    /// Seconds left (none: no limit; zero once passed).
    pub fn seconds_left(self) -> Option<f64> {
        self.0.map(|instant| {
            instant
                .saturating_duration_since(Instant::now())
                .as_secs_f64()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_passes_once_and_the_earliest_wins() {
        let now = Instant::now();
        let past = Deadline::at(now - Duration::from_secs(1));
        let future = Deadline::after(now, Some(3600.0));
        assert!(past.passed());
        assert!(!future.passed());
        assert!(!Deadline::NONE.passed());
        assert_eq!(past.seconds_left(), Some(0.0));
        assert_eq!(past.solver_seconds(), Some(0.05));
        assert_eq!(Deadline::NONE.solver_seconds(), None);
        assert_eq!(Deadline::NONE.seconds_left(), None);
        assert!(future.seconds_left().is_some_and(|left| left > 3500.0));
        assert_eq!(past.earliest(future), past);
        assert_eq!(Deadline::NONE.earliest(future), future);
        assert_eq!(future.earliest(Deadline::NONE), future);
        assert_eq!(Deadline::after(now, None), Deadline::NONE);
    }
}
