//! Compaction (contract v2 rule 10, `compact`): fewer idle gaps without touching which meetings
//! take place. Only the slots of meetings change, inside their session, by moves that keep every
//! rule: swapping the whole contents of two slots, or swapping a Kempe chain (the meetings of two
//! slots linked through shared participants) between them. A move is taken when it lowers the
//! total of idle gaps; the search stops when no move does.
//!
//! The local search is fast and proves nothing; then, session by session and within a time
//! budget, [`super::breaks`] searches for the fewest idle gaps these meetings allow and proves
//! it (a SAT model of the same problem, started from the local search's answer). Coverage,
//! wants and value cannot change, since the meetings are the same.

use std::collections::{HashMap, HashSet};

use crate::model::SlotId;

use super::instance::{Instance, Placement};
use super::ix::{indices, Ix, IxVec, PairIx, Participant};
use super::occupancy::Occupancy;
use super::Deadline;

/// One participant: a firm or a buyer.
type Who = Participant;

struct State<'a> {
    instance: &'a Instance,
    /// Position of each slot inside its session (slots of a session are numbered in order).
    position: &'a IxVec<SlotId, usize>,
    placements: Vec<Placement>,
    /// (participant, slot) -> placement index.
    at: HashMap<(Who, SlotId), usize>,
    /// What the placements take of the rules' limits.
    occupancy: Occupancy<'a>,
}

impl<'a> State<'a> {
    fn new(
        instance: &'a Instance,
        position: &'a IxVec<SlotId, usize>,
        placements: &[Placement],
    ) -> State<'a> {
        let mut state = State {
            instance,
            position,
            placements: placements.to_vec(),
            at: HashMap::new(),
            occupancy: Occupancy::new(&instance.limits),
        };
        for index in 0..state.placements.len() {
            state.occupancy.book(state.booking(index));
            for who in state.who(index) {
                state.at.insert((who, state.placements[index].slot), index);
            }
        }
        state
    }

    fn who(&self, index: usize) -> [Who; 2] {
        self.instance.pairs[self.placements[index].pair].participants()
    }

    /// The placement as the bookkeeping counts it.
    fn booking(&self, index: usize) -> super::occupancy::Booking {
        let Placement { pair, slot } = self.placements[index];
        self.instance.pairs[pair].in_slot(slot)
    }

    /// Idle gaps of one participant in one session.
    fn gaps(&self, who: Who, slots: &[SlotId]) -> u32 {
        let mut positions: Vec<usize> = slots
            .iter()
            .filter(|&&slot| self.at.contains_key(&(who, slot)))
            .map(|&slot| self.position[slot])
            .collect();
        positions.sort_unstable();
        positions.windows(2).filter(|w| w[1] > w[0] + 1).count() as u32
    }

    /// Moves the given placements between slots `a` and `b` (each to the other one).
    fn swap(&mut self, chain: &[usize], a: SlotId, b: SlotId) {
        for &index in chain {
            self.occupancy.unbook(self.booking(index));
            for who in self.who(index) {
                self.at.remove(&(who, self.placements[index].slot));
            }
        }
        for &index in chain {
            let slot = self.placements[index].slot;
            self.placements[index].slot = if slot == a { b } else { a };
        }
        for &index in chain {
            self.occupancy.book(self.booking(index));
            for who in self.who(index) {
                self.at.insert((who, self.placements[index].slot), index);
            }
        }
    }

    /// Whether moving `chain` between `a` and `b` keeps every rule the slots carry: each pair may
    /// meet in its new slot, and the bookkeeping accepts each meeting there once the chain has
    /// left its slots. Leaves the bookkeeping as it found it.
    fn allowed(&mut self, chain: &[usize], a: SlotId, b: SlotId) -> bool {
        for &index in chain {
            self.occupancy.unbook(self.booking(index));
        }
        let mut moved = Vec::new();
        for &index in chain {
            let Placement { pair, slot } = self.placements[index];
            let pair = &self.instance.pairs[pair];
            let to = pair.in_slot(if slot == a { b } else { a });
            if pair.slots.binary_search(&to.slot).is_err() || self.occupancy.refusal(to).is_some() {
                break;
            }
            self.occupancy.book(to);
            moved.push(to);
        }
        let allowed = moved.len() == chain.len();
        for booking in moved {
            self.occupancy.unbook(booking);
        }
        for &index in chain {
            self.occupancy.book(self.booking(index));
        }
        allowed
    }

    /// The Kempe chain through `start` between slots `a` and `b`: every placement reachable by
    /// alternating through participants busy in both.
    fn chain(&self, start: usize, a: SlotId, b: SlotId) -> Vec<usize> {
        let mut chain = vec![start];
        let mut seen: HashSet<usize> = HashSet::from([start]);
        let mut next = 0;
        while next < chain.len() {
            let index = chain[next];
            next += 1;
            let slot = self.placements[index].slot;
            let other = if slot == a { b } else { a };
            for who in self.who(index) {
                if let Some(&linked) = self.at.get(&(who, other)) {
                    if seen.insert(linked) {
                        chain.push(linked);
                    }
                }
            }
        }
        chain
    }
}

/// What compaction did: idle gaps before and after, and whether `after` is proven the fewest
/// these meetings allow in every session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compacted {
    pub before: u32,
    pub after: u32,
    pub proven: bool,
}

/// The break search's limits over `slots` (by position) for meetings of `pairs` (in order): every
/// meeting within the shared tables, and those of each interpreter language within its
/// interpreters.
fn capacities(
    instance: &Instance,
    pairs: &[PairIx],
    slots: &[SlotId],
) -> Vec<super::breaks::Capacity> {
    use super::breaks::Capacity;
    let unlimited = |limit: Option<u32>| limit.map_or(usize::MAX, |l| l as usize);
    let mut capacities = vec![Capacity {
        meetings: (0..pairs.len()).collect(),
        limits: slots
            .iter()
            .map(|&slot| unlimited(instance.limits.slot_tables[slot]))
            .collect(),
    }];
    for language in instance.limits.languages.indices() {
        let needing: Vec<usize> = (0..pairs.len())
            .filter(|&k| instance.pairs[pairs[k]].language == Some(language))
            .collect();
        if !needing.is_empty() {
            capacities.push(Capacity {
                meetings: needing,
                limits: slots
                    .iter()
                    .map(|&slot| unlimited(instance.limits.language_capacity(language, slot)))
                    .collect(),
            });
        }
    }
    capacities
}

/// Lowers the idle gaps of `placements` in place. Slots that overlap others in time are left
/// alone (moving meetings there could break rule 1 across sessions). The exact search stops at
/// `deadline`, keeping the best timetable found.
pub fn compact(
    instance: &Instance,
    mission: &crate::model::Mission,
    placements: &mut [Placement],
    deadline: Deadline,
) -> Compacted {
    let slot_count = instance.slot_count;
    let session_of: IxVec<SlotId, usize> = mission.slots.iter().map(|slot| slot.session).collect();
    let mut position = IxVec::filled(0, slot_count);
    let mut sessions: Vec<Vec<SlotId>> = vec![Vec::new(); mission.sessions.len()];
    for slot in indices(slot_count) {
        position[slot] = sessions[session_of[slot]].len();
        sessions[session_of[slot]].push(slot);
    }
    let mut state = State::new(instance, &position, placements);
    let total = |state: &State| -> u32 {
        let mut participants: HashSet<Who> = HashSet::new();
        for index in 0..state.placements.len() {
            participants.extend(state.who(index));
        }
        participants
            .iter()
            .map(|&who| {
                sessions
                    .iter()
                    .map(|slots| state.gaps(who, slots))
                    .sum::<u32>()
            })
            .sum()
    };
    let before = total(&state);
    let movable = |slot: SlotId| instance.limits.overlapping[slot].is_empty();
    // Hill climbing; each improving move lowers the total, so this ends.
    let mut improved = true;
    let mut rounds = 0;
    while improved && rounds < 50 {
        improved = false;
        rounds += 1;
        for slots in &sessions {
            for (i, &a) in slots.iter().enumerate() {
                for &b in &slots[i + 1..] {
                    if !movable(a) || !movable(b) {
                        continue;
                    }
                    // Candidate moves: the whole contents of both slots, and each Kempe chain.
                    let mut moves: Vec<Vec<usize>> = Vec::new();
                    let whole: Vec<usize> = (0..state.placements.len())
                        .filter(|&index| {
                            let slot = state.placements[index].slot;
                            slot == a || slot == b
                        })
                        .collect();
                    if whole.is_empty() {
                        continue;
                    }
                    let mut covered = HashSet::new();
                    for &start in &whole {
                        if covered.contains(&start) {
                            continue;
                        }
                        let chain = state.chain(start, a, b);
                        covered.extend(chain.iter().copied());
                        if chain.len() < whole.len() {
                            moves.push(chain);
                        }
                    }
                    moves.push(whole);
                    for chain in moves {
                        let touched: HashSet<Who> =
                            chain.iter().flat_map(|&index| state.who(index)).collect();
                        let cost = |state: &State| -> u32 {
                            touched.iter().map(|&who| state.gaps(who, slots)).sum()
                        };
                        if !state.allowed(&chain, a, b) {
                            continue;
                        }
                        let old = cost(&state);
                        state.swap(&chain, a, b);
                        if cost(&state) < old {
                            improved = true;
                        } else {
                            state.swap(&chain, a, b);
                        }
                    }
                }
            }
        }
    }
    placements.copy_from_slice(&state.placements);
    let mut proven = true;
    for slots in &sessions {
        if !slots.iter().all(|&slot| movable(slot)) {
            proven = false;
            continue;
        }
        if deadline.passed() {
            proven = false;
            continue;
        }
        proven &= exact(instance, &position, slots, placements, deadline);
    }
    let state = State::new(instance, &position, placements);
    let after = total(&state);
    Compacted {
        before,
        after,
        proven,
    }
}

/// The fewest idle gaps of one session's meetings, by [`super::breaks`], applied to
/// `placements` when fewer than now; whether that minimum is proven.
fn exact(
    instance: &Instance,
    position: &IxVec<SlotId, usize>,
    slots: &[SlotId],
    placements: &mut [Placement],
    deadline: Deadline,
) -> bool {
    use super::breaks::{minimise_breaks_from, BreakProblem};
    let members: Vec<usize> = (0..placements.len())
        .filter(|&index| slots.contains(&placements[index].slot))
        .collect();
    if members.len() < 2 {
        return true;
    }
    let mut participants: HashMap<Who, usize> = HashMap::new();
    let mut meetings = Vec::new();
    let mut allowed = Vec::new();
    let mut start = Vec::new();
    for &index in &members {
        let pair = &instance.pairs[placements[index].pair];
        let mut id = |who: Who| {
            let next = participants.len();
            *participants.entry(who).or_insert(next)
        };
        let [firm, buyer] = pair.participants();
        meetings.push((id(firm), id(buyer)));
        allowed.push(
            slots
                .iter()
                .filter(|slot| pair.slots.binary_search(slot).is_ok())
                .map(|&slot| position[slot])
                .collect::<Vec<usize>>(),
        );
        start.push(position[placements[index].slot]);
    }
    let pairs: Vec<PairIx> = members
        .iter()
        .map(|&index| placements[index].pair)
        .collect();
    let capacities = capacities(instance, &pairs, slots);
    let problem = BreakProblem {
        participants: participants.len(),
        meetings,
        slots: slots.len(),
        allowed,
        capacities,
        max_breaks: None,
        segment_starts: Vec::new(),
    };
    let result = minimise_breaks_from(&problem, Some(&start), deadline);
    if let Some(found) = &result.slots {
        for (k, &index) in members.iter().enumerate() {
            placements[index].slot = slots[found[k]];
        }
    }
    result.proven
}

/// Why `max_idle_gaps` could not be met.
#[derive(Debug, Clone, PartialEq)]
pub enum LimitError {
    /// No timetable keeps the limit: even the meetings that must take place cannot be arranged.
    Impossible(String),
    /// The search ran out of time before it found an arrangement.
    OutOfTime(String),
}

/// Rule 10's `max_idle_gaps`: rearranges the meetings inside their sessions, over the whole
/// mission at once, so that nobody has more than `limit` idle gaps (and the fewest in total
/// among such timetables). When no arrangement of these meetings keeps the limit, the least
/// valuable meeting (not a `must` pair) of the participant with the most idle gaps is dropped,
/// and so on. Returns the meetings dropped; the meetings in slots that overlap another session
/// stay where they are.
pub fn limit_idle_gaps(
    instance: &Instance,
    mission: &crate::model::Mission,
    placements: &mut Vec<Placement>,
    limit: u32,
    deadline: Deadline,
) -> Result<Vec<Placement>, LimitError> {
    use super::breaks::{breaks_per_participant, minimise_breaks_from, BreakProblem};
    let slot_count = instance.slot_count;
    let all_slots: Vec<SlotId> = indices(slot_count).collect();
    let session_of: IxVec<SlotId, usize> = mission.slots.iter().map(|slot| slot.session).collect();
    let segment_starts: Vec<usize> = (1..slot_count)
        .filter(|&slot| session_of[SlotId(slot)] != session_of[SlotId(slot - 1)])
        .collect();
    let mut dropped = Vec::new();
    loop {
        let mut participants: HashMap<Who, usize> = HashMap::new();
        let mut meetings = Vec::new();
        let mut allowed = Vec::new();
        let mut start = Vec::new();
        for placement in placements.iter() {
            let pair = &instance.pairs[placement.pair];
            let mut id = |who: Who| {
                let next = participants.len();
                *participants.entry(who).or_insert(next)
            };
            let [firm, buyer] = pair.participants();
            meetings.push((id(firm), id(buyer)));
            let movable = |slot: SlotId| instance.limits.overlapping[slot].is_empty();
            let session = session_of[placement.slot];
            allowed.push(if movable(placement.slot) {
                pair.slots
                    .iter()
                    .copied()
                    .filter(|&slot| session_of[slot] == session && movable(slot))
                    .map(SlotId::get)
                    .collect()
            } else {
                vec![placement.slot.get()]
            });
            start.push(placement.slot.get());
        }
        let pairs: Vec<PairIx> = placements.iter().map(|placement| placement.pair).collect();
        let capacities = capacities(instance, &pairs, &all_slots);
        let problem = BreakProblem {
            participants: participants.len(),
            meetings,
            slots: slot_count,
            allowed,
            capacities,
            max_breaks: Some(limit),
            segment_starts: segment_starts.clone(),
        };
        let result = minimise_breaks_from(&problem, Some(&start), deadline);
        if let Some(found) = &result.slots {
            for (placement, &slot) in placements.iter_mut().zip(found) {
                placement.slot = SlotId(slot);
            }
            return Ok(dropped);
        }
        if !result.proven {
            return Err(LimitError::OutOfTime(format!(
                "max_idle_gaps = {limit}: the search for an arrangement ran out of time"
            )));
        }
        // Drop the least valuable meeting that need not take place, of the participant with the
        // most idle gaps now.
        let gaps = breaks_per_participant(
            &BreakProblem {
                max_breaks: None,
                ..problem
            },
            &start,
        );
        let mut order: Vec<usize> = (0..gaps.len()).collect();
        order.sort_by_key(|&p| std::cmp::Reverse(gaps[p]));
        let who_of: HashMap<usize, Who> = participants.iter().map(|(&who, &p)| (p, who)).collect();
        let victim = order.iter().find_map(|p| {
            let who = who_of[p];
            (0..placements.len())
                .filter(|&k| {
                    let pair = &instance.pairs[placements[k].pair];
                    !pair.must && pair.participants().contains(&who)
                })
                .min_by(|&a, &b| {
                    let value = |k: usize| instance.pairs[placements[k].pair].value;
                    value(a).total_cmp(&value(b))
                })
        });
        let Some(victim) = victim else {
            let worst = order.first().map(|p| who_of[p]);
            let name = worst.map_or("someone".to_string(), |who| {
                format!("{} {}", who.side().as_str(), who.id(mission))
            });
            return Err(LimitError::Impossible(format!(
                "max_idle_gaps = {limit}: {name} has only meetings that must take place left, and they cannot be arranged with so few idle gaps (their `when` windows or availability leave gaps)"
            )));
        };
        dropped.push(placements.remove(victim));
    }
}
