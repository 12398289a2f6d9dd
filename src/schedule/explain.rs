//! Why a timetable leaves someone below their minimum, and why `must` pairs cannot all meet.

use std::collections::{HashMap, HashSet};

use crate::error::{Error, Result};
use crate::model::{Mission, Side, SlotId};

use super::instance::{Instance, Placement};
use super::ix::{PairIx, Participant};
use super::occupancy::{Occupancy, Refusal};

/// A firm or buyer below its minimum, with the cause that binds.
#[derive(Debug, Clone, PartialEq)]
pub struct Shortfall {
    /// Firm or buyer.
    pub side: Side,
    /// Its id.
    pub id: String,
    /// Meetings it got.
    pub meetings: u32,
    /// Meetings it wanted.
    pub minimum: u32,
    /// The binding cause, in words.
    pub cause: String,
}

/// Fails when some participant has more `must` pairs than it can hold meetings.
pub fn check_must_capacity(mission: &Mission, instance: &Instance) -> Result<()> {
    let mut musts: HashMap<Participant, u32> = HashMap::new();
    for pair in instance.pairs.iter().filter(|pair| pair.must) {
        for participant in pair.participants() {
            *musts.entry(participant).or_default() += 1;
        }
    }
    for participant in instance.participants() {
        let count = musts.get(&participant).copied().unwrap_or(0);
        let maximum = instance.limits.maximum(participant);
        if count > maximum {
            return Err(Error::Infeasible(format!(
                "{} {} has {count} must pairs but can hold only {maximum} meetings (its maximum or its available slots)",
                participant.side().as_str(),
                participant.id(mission),
            )));
        }
    }
    Ok(())
}

/// Everyone below their minimum in `placements`, with the cause.
pub fn shortfalls(
    mission: &Mission,
    instance: &Instance,
    placements: &[Placement],
) -> Vec<Shortfall> {
    let explainer = Explainer::new(mission, instance, placements);
    instance
        .participants()
        .filter_map(|participant| explainer.describe(participant))
        .collect()
}

/// Why one unmet pair could not be added beside the timetable's meetings (`load`): the first
/// binding cause.
fn blocked_by(instance: &Instance, load: &Occupancy, p: PairIx) -> &'static str {
    let pair = &instance.pairs[p];
    let [firm, buyer] = pair.participants();
    if load.held(firm) >= instance.limits.maximum(firm) {
        return "the firm's maximum";
    }
    if load.held(buyer) >= instance.limits.maximum(buyer) {
        return "the buyer's maximum";
    }
    let free: Vec<SlotId> = pair
        .slots
        .iter()
        .copied()
        .filter(|&slot| !load.is_busy(firm, slot) && !load.is_busy(buyer, slot))
        .collect();
    if free.is_empty() {
        return "no slot free on both sides";
    }
    let interpreters_taken = free.iter().all(|&slot| {
        matches!(
            load.refusal(pair.in_slot(slot)),
            Some(Refusal::NoInterpreter | Refusal::NoInterpreterInCity)
        )
    });
    if interpreters_taken {
        return "the interpreter limit";
    }
    "other pairs earn more in the same slots"
}

/// A timetable read for its shortfalls: what it takes, each participant's candidate pairs, and
/// the pairs that meet.
struct Explainer<'a> {
    mission: &'a Mission,
    instance: &'a Instance,
    load: Occupancy<'a>,
    /// Per participant: its candidate pairs.
    candidates: HashMap<Participant, Vec<PairIx>>,
    met: HashSet<PairIx>,
}

impl<'a> Explainer<'a> {
    /// The explainer of `placements`.
    fn new(mission: &'a Mission, instance: &'a Instance, placements: &[Placement]) -> Self {
        let mut candidates: HashMap<Participant, Vec<PairIx>> = HashMap::new();
        for (p, pair) in instance.pairs.iter_enumerated() {
            for participant in pair.participants() {
                candidates.entry(participant).or_default().push(p);
            }
        }
        let mut load = Occupancy::new(&instance.limits);
        for placement in placements {
            load.book(instance.pairs[placement.pair].in_slot(placement.slot));
        }
        Explainer {
            mission,
            instance,
            load,
            candidates,
            met: placements.iter().map(|placement| placement.pair).collect(),
        }
    }

    /// The shortfall of `participant`, if it falls short of its minimum.
    fn describe(&self, participant: Participant) -> Option<Shortfall> {
        let meetings = self.load.held(participant);
        let minimum = self.instance.minimum(participant);
        if meetings >= minimum {
            return None;
        }
        Some(Shortfall {
            side: participant.side(),
            id: participant.id(self.mission).to_string(),
            meetings,
            minimum,
            cause: self.cause(participant, minimum),
        })
    }

    /// Why a participant below its `minimum` stays there, in words.
    fn cause(&self, participant: Participant, minimum: u32) -> String {
        let instance = self.instance;
        let candidates = self
            .candidates
            .get(&participant)
            .map_or(&[][..], Vec::as_slice);
        let available = instance
            .available(participant)
            .iter()
            .filter(|&&a| a)
            .count();
        let floored = instance.floored(participant);
        let met = &self.met;
        let exhausted = candidates.iter().all(|p| met.contains(p));
        if available == 0 {
            "available in no slot".to_string()
        } else if floored > 0 && exhausted {
            // v3: the pairs left are under the relevance floor.
            match participant.side() {
                Side::Firm => "no related buyer left".to_string(),
                Side::Buyer => "no related firm left".to_string(),
            }
        } else if candidates.is_empty() {
            "no candidate pair it shares a slot with (none in the weights, or no common slot, or no interpreter)".to_string()
        } else if candidates.len() < minimum as usize && candidates.iter().all(|p| met.contains(p))
        {
            format!(
                "only {} candidate pair(s) can meet it, and all do",
                candidates.len()
            )
        } else {
            let mut causes: Vec<&str> = candidates
                .iter()
                .filter(|p| !met.contains(p))
                .map(|&p| blocked_by(instance, &self.load, p))
                .collect();
            causes.sort_unstable();
            causes.dedup();
            format!("its other candidates are blocked by: {}", causes.join(", "))
        }
    }
}
