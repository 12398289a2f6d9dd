//! missionmatch plans export missions: it reads a mission folder (local firms, foreign buyers,
//! consultation sessions), matches firms with buyers, schedules 1:1 consultations and follows up.
//!
//! ```
//! use missionmatch::{generate, summarize, GeneratorOptions};
//!
//! let mission = generate(&GeneratorOptions { firms: 5, buyers: 20, seed: 7, ..Default::default() });
//! let summary = summarize(&mission);
//! assert_eq!(summary.firm_count, 5);
//! assert_eq!(summary.buyers_per_country.values().sum::<usize>(), 20);
//! ```

mod bridge;
mod check;
pub mod cli;
mod error;
mod followup;
mod generate;
mod hs;
mod index;
mod io;
pub mod mail;
mod matching;
mod model;
mod notify;
mod publish;
mod replan;
mod report;
mod schedule;
mod score;
pub mod serve;

pub use check::{summarize, MissionSummary, SessionSummary};
pub use error::{Error, Problem, Result};
pub use followup::{
    close_probability, followup, idempotency_key, notifications, Flag, FollowupRow, Notification,
    FITTING_RELEVANCE,
};
pub use generate::{generate, synthetic_weights, GeneratorOptions, TextStyle};
pub use hs::{HsEntry, HsTable};
pub use io::{
    followup_csv, parse_candidates, parse_schedule, read_calendar_state, read_candidates,
    read_mission, read_mission_from_files, read_notified, read_schedule, read_weights,
    record_notified, replan_files, report_json, schedule_files, schedule_json,
    schedule_json_with_status, schedule_with_status, set_schedule_status, write_atomically,
    write_candidates, write_followup, write_mission, write_publication, write_replan, write_report,
    write_schedule, write_weights, CancelledMeetings, LoadedMission, ScheduleFile,
};
pub use matching::{
    candidate_weights, inferred_headings, match_mission, match_with_headings, observations,
    Candidate, Headings, InferredHeading, MatchOptions,
};
pub use model::{
    derive_slots, interpreter_language, Availability, Buyer, BuyerId, Contact, Date, Firm, FirmId,
    ForBuyers, HsCode, InterpreterCapacity, MeetingLimits, Mission, NextStep, Organiser, Outcome,
    Request, RequestKind, Rules, Session, SessionId, Side, Slot, SlotId, Status, TimeOfDay,
    TimeRange, Window, DEFAULT_MIN_RELEVANCE,
};
pub use notify::{deliver, DeliveryReport, RetryPolicy};
pub use publish::{
    agenda_pdf, agendas, event_uid, publish, Agenda, CalendarState, Documents, Entry, Published,
    Status as PublishStatus,
};
pub use replan::{replan, Change, ChangeKind, Moment, ReplanOptions, Replanned};
pub use report::{report, MissionReport, Totals};
pub use schedule::breaks::{
    breaks_per_participant, check as check_breaks, minimise_breaks, minimise_breaks_from,
    BreakProblem, BreakResult, Capacity,
};
pub use schedule::{
    idle_gaps, minimum_coverage, schedule, validate_published, validate_schedule, Deadline,
    Meeting, Method, PairWeight, Pricing, Progress, Reserved, Schedule, ScheduleOptions, Shortfall,
    SolverChoice, LONGEST_TIME_LIMIT_SECONDS,
};
pub use score::{
    fit, log_loss, model_table, ModelParameters, Observation, PairFeatures, Ranker,
    MODEL_PARAMETERS,
};

/// What this crate's own tests and benchmarks need beyond the engine's interface: the seeded
/// random numbers the generator uses, the generator's ground truth of relevance, and the plain
/// BM25 index the relevance benchmark compares the matcher with. Not for embedding.
pub mod testing {
    pub use crate::generate::{hs_grade, Rng};
    pub use crate::index::TextIndex;
}
