//! Why a timetable leaves someone below their minimum, and why `must` pairs cannot all meet.

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::model::{Mission, Side};

use super::instance::{Instance, Placement};

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
        if count > instance.firm_max[firm] {
            return Err(Error::Infeasible(format!(
                "firm {} has {count} must pairs but can hold only {} meetings (its maximum or its available slots)",
                mission.firms[firm].id, instance.firm_max[firm]
            )));
        }
    }
    for (buyer, &count) in buyer_musts.iter().enumerate() {
        if count > instance.buyer_max[buyer] {
            return Err(Error::Infeasible(format!(
                "buyer {} has {count} must pairs but can hold only {} meetings (its maximum or its available slots)",
                mission.buyers[buyer].id, instance.buyer_max[buyer]
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
    let load = &explainer.load;
    let mut result = Vec::new();
    for (firm, (&meetings, &minimum)) in load
        .firm_meetings
        .iter()
        .zip(&instance.firm_min)
        .enumerate()
    {
        result.extend(explainer.describe(Side::Firm, firm, meetings, minimum));
    }
    for (buyer, (&meetings, &minimum)) in load
        .buyer_meetings
        .iter()
        .zip(&instance.buyer_min)
        .enumerate()
    {
        result.extend(explainer.describe(Side::Buyer, buyer, meetings, minimum));
    }
    result
}

/// What a timetable takes: each participant's meetings and busy slots, each language's
/// interpreted meetings per slot.
struct Load {
    firm_meetings: Vec<u32>,
    buyer_meetings: Vec<u32>,
    firm_busy: Vec<Vec<bool>>,
    buyer_busy: Vec<Vec<bool>>,
    interpreted: Vec<Vec<u32>>,
}

impl Load {
    /// What `placements` take of everyone's meetings, slots and interpreters.
    fn of(instance: &Instance, placements: &[Placement]) -> Load {
        let mut load = Load {
            firm_meetings: vec![0u32; instance.firm_count],
            buyer_meetings: vec![0u32; instance.buyer_count],
            firm_busy: vec![vec![false; instance.slot_count]; instance.firm_count],
            buyer_busy: vec![vec![false; instance.slot_count]; instance.buyer_count],
            interpreted: vec![vec![0u32; instance.slot_count]; instance.languages.len()],
        };
        for &Placement { pair: p, slot } in placements {
            let pair = &instance.pairs[p];
            load.firm_meetings[pair.firm] += 1;
            load.buyer_meetings[pair.buyer] += 1;
            load.firm_busy[pair.firm][slot] = true;
            load.buyer_busy[pair.buyer][slot] = true;
            if let Some(language) = pair.language {
                load.interpreted[language][slot] += 1;
            }
        }
        load
    }

    /// Why one unmet pair of a participant could not be added: the first binding cause.
    fn blocked_by(&self, instance: &Instance, p: usize) -> &'static str {
        let pair = &instance.pairs[p];
        if self.firm_meetings[pair.firm] >= instance.firm_max[pair.firm] {
            return "the firm's maximum";
        }
        if self.buyer_meetings[pair.buyer] >= instance.buyer_max[pair.buyer] {
            return "the buyer's maximum";
        }
        let free: Vec<usize> = pair
            .slots
            .iter()
            .copied()
            .filter(|&slot| !self.firm_busy[pair.firm][slot] && !self.buyer_busy[pair.buyer][slot])
            .collect();
        if free.is_empty() {
            return "no slot free on both sides";
        }
        if let Some(language) = pair.language {
            if free.iter().all(|&slot| {
                instance
                    .language_capacity(language, slot)
                    .is_some_and(|capacity| self.interpreted[language][slot] >= capacity)
            }) {
                return "the interpreter limit";
            }
        }
        "other pairs earn more in the same slots"
    }
}

/// A timetable read for its shortfalls: what it takes, each participant's candidate pairs, and
/// the pairs that meet.
struct Explainer<'a> {
    mission: &'a Mission,
    instance: &'a Instance,
    load: Load,
    firm_pairs: Vec<Vec<usize>>,
    buyer_pairs: Vec<Vec<usize>>,
    met: HashSet<usize>,
}

impl<'a> Explainer<'a> {
    /// The explainer of `placements`.
    fn new(mission: &'a Mission, instance: &'a Instance, placements: &[Placement]) -> Self {
        let mut firm_pairs = vec![Vec::new(); instance.firm_count];
        let mut buyer_pairs = vec![Vec::new(); instance.buyer_count];
        for (p, pair) in instance.pairs.iter().enumerate() {
            firm_pairs[pair.firm].push(p);
            buyer_pairs[pair.buyer].push(p);
        }
        Explainer {
            mission,
            instance,
            load: Load::of(instance, placements),
            firm_pairs,
            buyer_pairs,
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
        let candidates = match side {
            Side::Firm => &self.firm_pairs[index],
            Side::Buyer => &self.buyer_pairs[index],
        };
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
                .map(|&p| self.load.blocked_by(instance, p))
                .collect();
            causes.sort_unstable();
            causes.dedup();
            format!("its other candidates are blocked by: {}", causes.join(", "))
        }
    }
}
