//! Why a timetable leaves someone below their minimum, and why `must` pairs cannot all meet.

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::model::{Mission, PerSide, Side};

use super::instance::{Instance, Placement};
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
    let mut firm_musts = vec![0u32; instance.firm_count];
    let mut buyer_musts = vec![0u32; instance.buyer_count];
    for pair in instance.pairs.iter().filter(|pair| pair.must) {
        firm_musts[pair.firm] += 1;
        buyer_musts[pair.buyer] += 1;
    }
    for (firm, &count) in firm_musts.iter().enumerate() {
        if count > instance.limits.maximum.firm[firm] {
            return Err(Error::Infeasible(format!(
                "firm {} has {count} must pairs but can hold only {} meetings (its maximum or its available slots)",
                mission.firms[firm].id, instance.limits.maximum.firm[firm]
            )));
        }
    }
    for (buyer, &count) in buyer_musts.iter().enumerate() {
        if count > instance.limits.maximum.buyer[buyer] {
            return Err(Error::Infeasible(format!(
                "buyer {} has {count} must pairs but can hold only {} meetings (its maximum or its available slots)",
                mission.buyers[buyer].id, instance.limits.maximum.buyer[buyer]
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
    let minimum = PerSide {
        firm: &instance.firm_min,
        buyer: &instance.buyer_min,
    };
    let mut result = Vec::new();
    for side in Side::BOTH {
        for (index, &minimum) in minimum[side].iter().enumerate() {
            let meetings = explainer.load.held(side, index);
            result.extend(explainer.describe(side, index, meetings, minimum));
        }
    }
    result
}

/// Why one unmet pair could not be added beside the timetable's meetings (`load`): the first
/// binding cause.
fn blocked_by(instance: &Instance, load: &Occupancy, p: usize) -> &'static str {
    let pair = &instance.pairs[p];
    let maximum = &instance.limits.maximum;
    if load.held(Side::Firm, pair.firm) >= maximum.firm[pair.firm] {
        return "the firm's maximum";
    }
    if load.held(Side::Buyer, pair.buyer) >= maximum.buyer[pair.buyer] {
        return "the buyer's maximum";
    }
    let free: Vec<usize> = pair
        .slots
        .iter()
        .copied()
        .filter(|&slot| {
            !load.is_busy(Side::Firm, pair.firm, slot)
                && !load.is_busy(Side::Buyer, pair.buyer, slot)
        })
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
    /// Per side and participant: its candidate pairs (into `instance.pairs`).
    candidates: PerSide<Vec<Vec<usize>>>,
    met: HashSet<usize>,
}

impl<'a> Explainer<'a> {
    /// The explainer of `placements`.
    fn new(mission: &'a Mission, instance: &'a Instance, placements: &[Placement]) -> Self {
        let mut candidates = PerSide {
            firm: vec![Vec::new(); instance.firm_count],
            buyer: vec![Vec::new(); instance.buyer_count],
        };
        for (p, pair) in instance.pairs.iter().enumerate() {
            candidates.firm[pair.firm].push(p);
            candidates.buyer[pair.buyer].push(p);
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

    /// The shortfall of one participant with `meetings` of its `minimum`, if it falls short.
    fn describe(&self, side: Side, index: usize, meetings: u32, minimum: u32) -> Option<Shortfall> {
        if meetings >= minimum {
            return None;
        }
        let id = match side {
            Side::Firm => self.mission.firms[index].id.to_string(),
            Side::Buyer => self.mission.buyers[index].id.to_string(),
        };
        Some(Shortfall {
            side,
            id,
            meetings,
            minimum,
            cause: self.cause(side, index, minimum),
        })
    }

    /// Why a participant below its `minimum` stays there, in words.
    fn cause(&self, side: Side, index: usize, minimum: u32) -> String {
        let instance = self.instance;
        let candidates = &self.candidates[side][index];
        let available = match side {
            Side::Firm => instance.firm_available[index]
                .iter()
                .filter(|&&a| a)
                .count(),
            Side::Buyer => instance.buyer_available[index]
                .iter()
                .filter(|&&a| a)
                .count(),
        };
        let floored = match side {
            Side::Firm => instance.firm_floored[index],
            Side::Buyer => instance.buyer_floored[index],
        };
        let met = &self.met;
        let exhausted = candidates.iter().all(|p| met.contains(p));
        if available == 0 {
            "available in no slot".to_string()
        } else if floored > 0 && exhausted {
            // v3: the pairs left are under the relevance floor.
            match side {
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
