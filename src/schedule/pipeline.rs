//! The pipeline of `schedule`: the instance, its independent parts solved one by one (and
//! merged where interpreters couple them), the meetings placed in slots, interpreters
//! rebalanced, idle gaps compacted, the result checked and explained.

use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::model::{Mission, SlotId};

use super::formulation::Partition;
use super::instance::{build_instance, Holder, InSlot, Instance, Placement};
use super::ix::PairIx;
use super::placement::{place, to_meetings};
use super::stages::{optimise, Optimum};
use super::{
    colour, compact, components, explain, greedy, ix, lp, minimum_coverage, tell, Deadline, Method,
    PairWeight, Schedule, ScheduleOptions,
};

/// Builds the timetable for the mission from the pairs' weights (contract section 4).
///
/// Pairs not in `weights` do not meet, except `must` pairs; `avoid` pairs never meet. Fails with
/// [`Error::Infeasible`] when the `must` pairs cannot all meet, and [`Error::Invalid`] when a
/// weight names an unknown firm or buyer.
pub fn schedule(
    mission: &Mission,
    weights: &[PairWeight],
    options: &ScheduleOptions,
) -> Result<Schedule> {
    let started = Instant::now();
    options.check()?;
    let instance = build_instance(mission, weights, &options.reserved)?;
    if !instance.impossible_musts.is_empty() {
        return Err(Error::Infeasible(instance.impossible_musts.join("; ")));
    }
    explain::check_must_capacity(mission, &instance)?;
    let mut notes = Vec::new();
    let (placements, bound, mut proven, solver_name) = match options.method {
        Method::Greedy => {
            let all: Vec<PairIx> = instance.pairs.indices().collect();
            let bound = instance.value_bound(&all);
            (
                greedy::greedy(&instance),
                bound,
                false,
                "greedy".to_string(),
            )
        }
        Method::Classes | Method::TimeIndexed => {
            let solved = optimise_components(&instance, options, started, &mut notes)?;
            (
                solved.placements,
                solved.bound,
                solved.proven,
                options.solver.name().to_string(),
            )
        }
    };
    let mut placements = placements;
    if mission.rules.compact.unwrap_or(true) {
        // The exact search may add half the time spent so far (at least 0.2 s), never past
        // the time limit.
        let budget = started
            .elapsed()
            .mul_f64(0.5)
            .max(Duration::from_millis(200));
        let deadline = Deadline::at(Instant::now() + budget).earliest(options.deadline(started));
        let compacted = compact::compact(&instance, mission, &mut placements, deadline);
        let compact::Compacted {
            before,
            after,
            proven,
        } = compacted;
        if after < before || proven {
            notes.push(format!(
                "compact: slots exchanged inside sessions, idle gaps {before} -> {after} (the same meetings){}",
                if proven { "; no timetable of these meetings has fewer (proven)" } else { "" }
            ));
        }
    }
    if let Some(limit) = mission.rules.max_idle_gaps {
        // Required, so not bound by compaction's budget: the time limit, or else ten seconds
        // or as long as scheduling took.
        let deadline = match options.time_limit_seconds {
            Some(_) => options.deadline(started),
            None => Deadline::at(Instant::now() + started.elapsed().max(Duration::from_secs(10))),
        };
        match compact::limit_idle_gaps(&instance, mission, &mut placements, limit, deadline) {
            Ok(dropped) if dropped.is_empty() => notes.push(format!(
                "max_idle_gaps {limit}: nobody has more idle gaps than that"
            )),
            Ok(dropped) => {
                // The optimum had more gaps somewhere: what is left is valid, not proven best.
                proven = false;
                let names: Vec<String> = dropped
                    .iter()
                    .map(|p| {
                        let pair = &instance.pairs[p.pair];
                        format!(
                            "{}-{}",
                            mission.firms[pair.firm].id, mission.buyers[pair.buyer].id
                        )
                    })
                    .collect();
                notes.push(format!(
                    "max_idle_gaps {limit}: no arrangement of the best meetings keeps it; dropped {} (the least valuable of whoever waited most): {}",
                    dropped.len(),
                    names.join(", ")
                ));
            }
            Err(compact::LimitError::Impossible(reason)) => return Err(Error::Infeasible(reason)),
            Err(compact::LimitError::OutOfTime(reason)) => {
                return Err(Error::Solver(format!(
                    "{reason}; give it more time with --time-limit"
                )))
            }
        }
    }
    let meetings = to_meetings(mission, &instance, &placements);
    let value: f64 = meetings.iter().map(|m| m.expected_value_usd).sum();
    let bound = bound.max(value);
    let gap = lp::relative_gap(bound, value);
    let minimum_coverage = minimum_coverage(mission, &meetings);
    let shortfalls = explain::shortfalls(mission, &instance, &placements);
    Ok(Schedule {
        meetings,
        expected_value_usd: value,
        upper_bound_usd: bound,
        gap,
        solver: solver_name,
        seconds: started.elapsed().as_secs_f64(),
        minimum_coverage,
        proven_optimal: proven && gap <= options.mip_gap.max(1e-9),
        shortfalls,
        notes,
    })
}

/// A solved timetable (of a component or of all): its meetings, the bound, whether
/// proven.
struct SolvedPart {
    placements: Vec<Placement>,
    bound: f64,
    proven: bool,
}

/// Solves the components of the candidate graph one by one. Interpreter limits couple
/// components only when they bind: each part is solved with the limits restricted to its own
/// pairs (a relaxation), and parts whose meetings together overfill an interpreter in some slot
/// are merged and solved again, until no slot is overfilled. The last solution is then optimal
/// for a relaxation and feasible, so optimal.
fn optimise_components(
    instance: &Instance,
    options: &ScheduleOptions,
    started: Instant,
    notes: &mut Vec<String>,
) -> Result<SolvedPart> {
    // With overlapping sessions or shared tables the whole mission is one part, solved slot by
    // slot: the slot moves that rebalance interpreters between parts know neither overlaps nor
    // tables, and a class count cannot say how many meetings share one slot's tables.
    let parts = if !instance.slot_by_slot() {
        components::merged_for_interpreters(instance, components::components(instance))
    } else {
        if !instance.overlap_groups.is_empty() {
            notes.push(
                "some sessions overlap in time: the timetable was built slot by slot (the time-indexed model) so nobody is in two places at once"
                    .to_string(),
            );
        }
        vec![instance.pairs.indices().collect()]
    };
    let mut parts: Vec<(Vec<PairIx>, Option<SolvedPart>)> =
        parts.into_iter().map(|pairs| (pairs, None)).collect();
    loop {
        let count = parts.len();
        for (position, (pairs, solved)) in parts.iter_mut().enumerate() {
            if solved.is_none() {
                tell(options, started, || {
                    format!("part {}/{count}: {} pairs", position + 1, pairs.len())
                });
                *solved = Some(solve_part(instance, pairs, options, started, notes)?);
            }
        }
        let mut all: Vec<Placement> = parts
            .iter()
            .filter_map(|(_, solved)| solved.as_ref())
            .flat_map(|solved| solved.placements.iter().copied())
            .collect();
        let overfilled = colour::rebalance_interpreters(instance, &mut all);
        if overfilled.is_empty() || parts.len() == 1 {
            if overfilled.is_empty() {
                // Keep the rebalanced slots: write them back into the parts.
                let slot_of: std::collections::HashMap<PairIx, SlotId> = all
                    .into_iter()
                    .map(|placement| (placement.pair, placement.slot))
                    .collect();
                for solved in parts.iter_mut().filter_map(|(_, solved)| solved.as_mut()) {
                    for placement in &mut solved.placements {
                        placement.slot = slot_of[&placement.pair];
                    }
                }
            }
            break;
        }
        // Merge every part with a meeting in an overfilled (language, slot).
        let (merged, kept): (Vec<_>, Vec<_>) = parts.into_iter().partition(|(_, solved)| {
            solved.as_ref().is_some_and(|solved| {
                solved.placements.iter().any(|&Placement { pair, slot }| {
                    instance.pairs[pair].language.is_some_and(|language| {
                        overfilled.contains(&InSlot {
                            holder: Holder::Language(language),
                            slot,
                        })
                    })
                })
            })
        });
        let mut pairs: Vec<PairIx> = merged.into_iter().flat_map(|(pairs, _)| pairs).collect();
        pairs.sort_unstable();
        parts = kept;
        parts.push((pairs, None));
    }
    let mut placements = Vec::new();
    let mut bound = 0.0;
    let mut proven = true;
    for solved in parts.into_iter().filter_map(|(_, solved)| solved) {
        placements.extend(solved.placements);
        bound += solved.bound;
        proven &= solved.proven;
    }
    notes.sort();
    notes.dedup();
    placements.sort_unstable_by_key(|placement| (placement.slot, placement.pair));
    Ok(SolvedPart {
        placements,
        bound,
        proven,
    })
}

fn solve_part(
    instance: &Instance,
    pairs: &[PairIx],
    options: &ScheduleOptions,
    started: Instant,
    notes: &mut Vec<String>,
) -> Result<SolvedPart> {
    // Overlapping sessions need the time-indexed model (see `formulation::add_overlap_rows`).
    if options.method == Method::Classes && !instance.slot_by_slot() {
        let partition = Partition::by_availability(instance, pairs);
        let optimum = optimise(instance, pairs, &partition, options, started, notes)?;
        match &optimum.chosen {
            Some(chosen) => {
                let placed = place(instance, &partition, chosen, options.solver);
                if placed.dropped == 0 {
                    return Ok(SolvedPart {
                        placements: placed.placements,
                        bound: optimum.bound,
                        proven: optimum.proven,
                    });
                }
                // A class count keeps each interpreter's limit over the class, not slot by
                // slot: when the chosen meetings cannot be spread so that every slot keeps it,
                // the class optimum is no timetable, and the part is solved again exactly.
                notes.push(
                    "interpreter limits: the meetings chosen for one slot class could not all be placed in its slots; that part was solved again slot by slot (the time-indexed model)"
                        .to_string(),
                );
            }
            None => return Ok(filled_greedily(instance, pairs, &optimum, notes)),
        }
    }
    let partition = Partition::singletons(instance);
    let optimum = optimise(instance, pairs, &partition, options, started, notes)?;
    let Some(chosen) = &optimum.chosen else {
        return Ok(filled_greedily(instance, pairs, &optimum, notes));
    };
    let placed = place(instance, &partition, chosen, options.solver);
    if placed.dropped > 0 {
        notes.push(format!(
            "interpreter limits left {} meeting(s) of one slot class unplaceable; they were dropped",
            placed.dropped
        ));
    }
    Ok(SolvedPart {
        placements: placed.placements,
        bound: optimum.bound,
        proven: optimum.proven,
    })
}

/// A part the solver found no timetable for in time, filled by the greedy baseline.
fn filled_greedily(
    instance: &Instance,
    pairs: &[PairIx],
    optimum: &Optimum,
    notes: &mut Vec<String>,
) -> SolvedPart {
    notes.push(
        "time limit: the solver found no timetable in time for some part; greedy filled that part"
            .to_string(),
    );
    SolvedPart {
        placements: greedy::place_in_slots(
            instance,
            pairs,
            &ix::indices(instance.slot_count).collect::<Vec<_>>(),
        ),
        bound: optimum.bound,
        proven: optimum.proven,
    }
}
