//! From the chosen meetings of each class to meetings in slots: König's colouring per class,
//! interpreters spread across a class's slots, an exact placement where colouring cannot, and
//! the meetings as the mission names them.

use std::collections::BTreeMap;

use crate::model::{Mission, SlotId};

use super::formulation::{Formulation, Partition};
use super::instance::{self, ClassMeeting, Instance, Placement};
use super::ix::{ClassIx, Ix, IxVec, LangIx, PairIx};
use super::lp::solve;
use super::{assign_tables, colour, greedy, Meeting, SolverChoice};

/// Meetings placed in slots, and how many chosen meetings could not be.
pub(super) struct Placed {
    pub placements: Vec<Placement>,
    /// Chosen meetings no slot could take.
    pub dropped: usize,
}

/// Assigns each chosen meeting to a slot of its class, keeping interpreter limits; a class
/// whose meetings cannot all be spread over its slots is placed greedily and the rest counted
/// as dropped.
pub(super) fn place(
    instance: &Instance,
    partition: &Partition,
    chosen: &[ClassMeeting],
    solver: SolverChoice,
) -> Placed {
    let mut by_class: BTreeMap<ClassIx, Vec<PairIx>> = BTreeMap::new();
    for &ClassMeeting { pair, class } in chosen {
        by_class.entry(class).or_default().push(pair);
    }
    let mut placements = Vec::new();
    let mut dropped = 0;
    for (class, pairs) in by_class {
        let slots = &partition.classes[class];
        let mut firm_index = BTreeMap::new();
        let mut buyer_index = BTreeMap::new();
        let edges: Vec<colour::Edge> = pairs
            .iter()
            .map(|&p| {
                let pair = &instance.pairs[p];
                let next_firm = firm_index.len();
                let next_buyer = buyer_index.len();
                colour::Edge {
                    left: *firm_index.entry(pair.firm).or_insert(next_firm),
                    right: *buyer_index.entry(pair.buyer).or_insert(next_buyer),
                }
            })
            .collect();
        let Some(mut colours) =
            colour::colour_edges(&edges, firm_index.len(), buyer_index.len(), slots.len())
        else {
            // (The model keeps each degree within the class's slots; never expected.)
            let placed = greedy::place_in_slots(instance, &pairs, slots);
            dropped += pairs.len() - placed.len();
            placements.extend(placed);
            continue;
        };
        // Slots of a class leave the same interpreters free (the partition splits on it).
        let limits: Vec<u32> = instance
            .limits
            .languages
            .indices()
            .map(|language| {
                instance
                    .limits
                    .language_capacity(language, slots[0])
                    .unwrap_or(u32::MAX)
            })
            .collect();
        // The colouring's groups: each meeting's limited interpreter language, by position.
        let group: Vec<Option<usize>> = pairs
            .iter()
            .map(|&p| {
                let pair = &instance.pairs[p];
                pair.language
                    .filter(|_| instance.language_limit(pair).is_some())
                    .map(LangIx::get)
            })
            .collect();
        let balanced = group.iter().all(Option::is_none)
            || colour::balance_groups(
                &edges,
                firm_index.len(),
                buyer_index.len(),
                slots.len(),
                &mut colours,
                &group,
                &limits,
            );
        if balanced {
            placements.extend(
                pairs
                    .iter()
                    .zip(&colours)
                    .map(|(&pair, &colour)| Placement {
                        pair,
                        slot: slots[colour],
                    }),
            );
        } else {
            // Colouring could not spread the interpreted meetings: place this class exactly.
            match exact_class_placement(instance, &pairs, slots, solver) {
                Some(exact) => placements.extend(exact),
                None => {
                    let placed = greedy::place_in_slots(instance, &pairs, slots);
                    dropped += pairs.len() - placed.len();
                    placements.extend(placed);
                }
            }
        }
    }
    placements.sort_unstable_by_key(|placement| (placement.slot, placement.pair));
    Placed {
        placements,
        dropped,
    }
}

/// The time-indexed model over one class's chosen meetings, every one of which must be placed.
fn exact_class_placement(
    instance: &Instance,
    pairs: &[PairIx],
    slots: &[SlotId],
    solver: SolverChoice,
) -> Option<Vec<Placement>> {
    let sub_pairs: IxVec<PairIx, instance::Pair> = pairs
        .iter()
        .map(|&p| {
            let mut pair = instance.pairs[p].clone();
            pair.slots = slots.to_vec();
            pair.must = true;
            pair
        })
        .collect();
    let sub_instance = Instance {
        pairs: sub_pairs,
        firm_min: IxVec::filled(0, instance.firm_count),
        buyer_min: IxVec::filled(0, instance.buyer_count),
        ..instance.clone()
    };
    let partition = Partition {
        classes: slots.iter().map(|&slot| vec![slot]).collect(),
    };
    let all: Vec<PairIx> = sub_instance.pairs.indices().collect();
    let formulation = Formulation::build(&sub_instance, &all, &partition, false);
    let solved = solve(&formulation.model, solver, false, None).ok()?;
    Some(
        formulation
            .meetings
            .iter()
            .enumerate()
            .filter(|(variable, _)| solved.values[*variable] > 0.5)
            .map(|(_, &ClassMeeting { pair, class })| Placement {
                pair: pairs[pair.get()],
                slot: partition.classes[class][0],
            })
            .collect(),
    )
}

pub(super) fn to_meetings(
    mission: &Mission,
    instance: &Instance,
    placements: &[Placement],
) -> Vec<Meeting> {
    let mut meetings: Vec<Meeting> = placements
        .iter()
        .map(|&Placement { pair: p, slot }| {
            let pair = &instance.pairs[p];
            Meeting {
                firm: mission.firms[pair.firm].id.clone(),
                buyer: mission.buyers[pair.buyer].id.clone(),
                slot,
                interpreter: pair
                    .language
                    .map(|l| instance.limits.languages[l].0.clone()),
                expected_value_usd: pair.value,
                reasons: pair.reasons.clone(),
                table: None,
            }
        })
        .collect();
    meetings.sort_by(|a, b| (a.slot, &a.firm, &a.buyer).cmp(&(b.slot, &b.firm, &b.buyer)));
    assign_tables(mission, &mut meetings);
    meetings
}
