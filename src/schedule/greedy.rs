//! The baseline organisers and event platforms use today: must pairs first, then the most
//! valuable pair first, each into the first slot where both sides and an interpreter are free.

use crate::model::SlotId;

use super::instance::{Instance, Placement};
use super::ix::{indices, PairIx};
use super::occupancy::Occupancy;

/// Places the given pairs, in the given order, into the first free slot among `slots`.
fn place_in_order(instance: &Instance, order: &[PairIx], slots: &[SlotId]) -> Vec<Placement> {
    let mut occupancy = Occupancy::new(&instance.limits);
    let mut placements = Vec::new();
    for &pair_index in order {
        let pair = &instance.pairs[pair_index];
        let first_free = slots.iter().copied().find(|&slot| {
            pair.slots.binary_search(&slot).is_ok()
                && occupancy.refusal(pair.in_slot(slot)).is_none()
        });
        if let Some(slot) = first_free {
            occupancy.book(pair.in_slot(slot));
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
    let mut order: Vec<PairIx> = instance.pairs.indices().collect();
    order.sort_by(|&a, &b| {
        let (pa, pb) = (&instance.pairs[a], &instance.pairs[b]);
        pb.must
            .cmp(&pa.must)
            .then(pb.wants.cmp(&pa.wants))
            .then(pb.value.total_cmp(&pa.value))
            .then(a.cmp(&b))
    });
    let all_slots: Vec<SlotId> = indices(instance.slot_count).collect();
    place_in_order(instance, &order, &all_slots)
}

/// Places some pairs into some slots greedily, most valuable first (a last-resort repair).
pub fn place_in_slots(instance: &Instance, pairs: &[PairIx], slots: &[SlotId]) -> Vec<Placement> {
    let mut order = pairs.to_vec();
    order.sort_by(|&a, &b| instance.pairs[b].value.total_cmp(&instance.pairs[a].value));
    place_in_order(instance, &order, slots)
}
