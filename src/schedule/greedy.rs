//! The baseline organisers and event platforms use today: must pairs first, then the most
//! valuable pair first, each into the first slot where both sides and an interpreter are free.

use super::instance::{Instance, Placement};

/// Tracks who is busy in which slot, and the counts the rules limit.
struct Occupancy {
    firm_busy: Vec<Vec<bool>>,
    buyer_busy: Vec<Vec<bool>>,
    firm_meetings: Vec<u32>,
    buyer_meetings: Vec<u32>,
    interpreted: Vec<Vec<u32>>,
    in_slot: Vec<u32>,
}

impl Occupancy {
    fn new(instance: &Instance) -> Occupancy {
        Occupancy {
            firm_busy: vec![vec![false; instance.slot_count]; instance.firm_count],
            buyer_busy: vec![vec![false; instance.slot_count]; instance.buyer_count],
            firm_meetings: vec![0; instance.firm_count],
            buyer_meetings: vec![0; instance.buyer_count],
            interpreted: vec![vec![0; instance.slot_count]; instance.languages.len()],
            in_slot: vec![0; instance.slot_count],
        }
    }

    /// The first slot of `slots` where the pair can meet, if any.
    fn first_free(&self, instance: &Instance, pair_index: usize, slots: &[usize]) -> Option<usize> {
        let pair = &instance.pairs[pair_index];
        if self.firm_meetings[pair.firm] >= instance.firm_max[pair.firm]
            || self.buyer_meetings[pair.buyer] >= instance.buyer_max[pair.buyer]
        {
            return None;
        }
        slots.iter().copied().find(|&slot| {
            pair.slots.binary_search(&slot).is_ok()
                && instance.slot_tables[slot].is_none_or(|tables| self.in_slot[slot] < tables)
                && !self.firm_busy[pair.firm][slot]
                && !self.buyer_busy[pair.buyer][slot]
                && match pair.language {
                    Some(language) => {
                        instance
                            .language_capacity(language, slot)
                            .is_none_or(|capacity| self.interpreted[language][slot] < capacity)
                            && self.moments_allow(instance, language, slot)
                    }
                    None => true,
                }
        })
    }

    /// Whether every moment of `slot` has an interpreter of `language` left (sessions of one
    /// city that overlap share its interpreters).
    fn moments_allow(&self, instance: &Instance, language: usize, slot: usize) -> bool {
        instance.slot_moments[slot].iter().all(|&moment| {
            let used: u32 = instance.interpreter_moments[moment]
                .iter()
                .map(|&other| self.interpreted[language][other])
                .sum();
            instance
                .moment_capacity(language, moment)
                .is_none_or(|capacity| used < capacity)
        })
    }

    fn book(&mut self, instance: &Instance, pair_index: usize, slot: usize) {
        let pair = &instance.pairs[pair_index];
        // Rule 1 across overlapping sessions: busy at every slot that overlaps this one too.
        for &busy in std::iter::once(&slot).chain(&instance.overlapping[slot]) {
            self.firm_busy[pair.firm][busy] = true;
            self.buyer_busy[pair.buyer][busy] = true;
        }
        self.firm_meetings[pair.firm] += 1;
        self.buyer_meetings[pair.buyer] += 1;
        self.in_slot[slot] += 1;
        if let Some(language) = pair.language {
            self.interpreted[language][slot] += 1;
        }
    }
}

/// Places the given pairs, in the given order, into the first free slot among `slots`.
fn place_in_order(instance: &Instance, order: &[usize], slots: &[usize]) -> Vec<Placement> {
    let mut occupancy = Occupancy::new(instance);
    let mut placements = Vec::new();
    for &pair_index in order {
        if let Some(slot) = occupancy.first_free(instance, pair_index, slots) {
            occupancy.book(instance, pair_index, slot);
            placements.push(Placement {
                pair: pair_index,
                slot,
            });
        }
    }
    placements
}

/// The greedy timetable: (pair index, slot) for each meeting.
pub fn greedy(instance: &Instance) -> Vec<Placement> {
    let mut order: Vec<usize> = (0..instance.pairs.len()).collect();
    order.sort_by(|&a, &b| {
        let (pa, pb) = (&instance.pairs[a], &instance.pairs[b]);
        pb.must
            .cmp(&pa.must)
            .then(pb.wants.cmp(&pa.wants))
            .then(pb.value.total_cmp(&pa.value))
            .then(a.cmp(&b))
    });
    let all_slots: Vec<usize> = (0..instance.slot_count).collect();
    place_in_order(instance, &order, &all_slots)
}

/// Places some pairs into some slots greedily, most valuable first (a last-resort repair).
pub fn place_in_slots(instance: &Instance, pairs: &[usize], slots: &[usize]) -> Vec<Placement> {
    let mut order = pairs.to_vec();
    order.sort_by(|&a, &b| instance.pairs[b].value.total_cmp(&instance.pairs[a].value));
    place_in_order(instance, &order, slots)
}
