//! The optimiser's model: how many meetings each pair gets in each class of interchangeable
//! slots.
//!
//! Slots in which every participant's availability is the same form a class; any meeting can
//! move between slots of one class. So instead of one binary per pair and slot, the model has one
//! per pair and class, with capacities multiplied by the class size. Inside a class the chosen
//! pairs form a bipartite multigraph of maximum degree at most the class size, which König's
//! theorem colours with that many slots (see `colour`). With every slot its own class the same
//! code builds the plain time-indexed model, the oracle.

use std::collections::HashMap;

use crate::model::SlotId;

use super::instance::{ClassMeeting, Holder, InClass, InGroup, Instance};
use super::ix::{indices, BuyerIx, ClassIx, FirmIx, IxVec, PairIx};
use super::lp::{LinearModel, Sense};

/// Slots grouped into classes of interchangeable slots.
#[derive(Debug, Clone)]
pub struct Partition {
    /// The slots of each class, ascending.
    pub classes: IxVec<ClassIx, Vec<SlotId>>,
}

impl Partition {
    /// Classes of slots where every participant of the given pairs has the same availability.
    pub fn by_availability(instance: &Instance, pairs: &[PairIx]) -> Partition {
        let mut firms: Vec<FirmIx> = pairs.iter().map(|&p| instance.pairs[p].firm).collect();
        let mut buyers: Vec<BuyerIx> = pairs.iter().map(|&p| instance.pairs[p].buyer).collect();
        firms.sort_unstable();
        firms.dedup();
        buyers.sort_unstable();
        buyers.dedup();
        let rows: Vec<&IxVec<SlotId, bool>> = firms
            .iter()
            .map(|&f| &instance.firm_available[f])
            .chain(buyers.iter().map(|&b| &instance.buyer_available[b]))
            .collect();
        let mut class_of_signature: HashMap<Vec<u64>, ClassIx> = HashMap::new();
        let mut classes: IxVec<ClassIx, Vec<SlotId>> = IxVec::default();
        for slot in indices(instance.slot_count) {
            let mut signature = vec![0u64; rows.len().div_ceil(64)];
            for (position, availability) in rows.iter().enumerate() {
                if availability[slot] {
                    signature[position / 64] |= 1 << (position % 64);
                }
            }
            // Pairs narrowed by `when` must be able to meet in every slot of a class or none.
            for &pair in pairs {
                let pair = &instance.pairs[pair];
                if pair.narrowed {
                    signature.push(u64::from(pair.slots.binary_search(&slot).is_ok()));
                }
            }
            // Slots of one class must also leave the same interpreters free.
            signature.extend(
                instance
                    .limits
                    .language_reserved
                    .iter()
                    .map(|row| u64::from(row.get(slot).copied().unwrap_or(0))),
            );
            let class = *class_of_signature
                .entry(signature)
                .or_insert_with(|| classes.push(Vec::new()));
            classes[class].push(slot);
        }
        Partition { classes }
    }

    /// Every slot its own class: the plain time-indexed model.
    pub fn singletons(instance: &Instance) -> Partition {
        Partition {
            classes: indices(instance.slot_count)
                .map(|slot| vec![slot])
                .collect(),
        }
    }
}

/// How much the objective may raise a meeting's value to break ties (relative).
pub const TIE_BREAK: f64 = 1e-6;

/// The value of meeting variable `index` in the objective: raised by at most [`TIE_BREAK`], a
/// different fraction for every variable. Many pairs are worth exactly the same (buyers of one
/// product, one pair in interchangeable classes); with ties the LP optimum is a whole face, its
/// vertices often fractional, and the simplex stalls among them. The raised objective has a
/// unique optimum almost always. A bound on the raised objective is a bound on the true one
/// (every coefficient only went up), and the optimum of the raised one is within `TIE_BREAK` of
/// the true optimum, so the bound stays proven and the gap grows by at most `TIE_BREAK`.
fn tie_broken(value: f64, index: usize) -> f64 {
    // The golden ratio's fractional multiples spread evenly over [0, 1).
    let fraction = (index as f64 * 0.618_033_988_749_895).fract();
    value * (1.0 + TIE_BREAK * fraction)
}

/// Sparse terms of one row: (variable, coefficient).
type Terms = Vec<(usize, f64)>;

/// Adds `sum(terms) <= capacity(key)` for each group, in key order, skipping rows that cannot
/// bind (fewer variables than the capacity).
fn add_capacity_rows<Key: Ord + Copy>(
    model: &mut LinearModel,
    groups: HashMap<Key, Terms>,
    capacity: impl Fn(Key) -> f64,
) {
    let mut groups: Vec<(Key, Terms)> = groups.into_iter().collect();
    groups.sort_unstable_by_key(|(key, _)| *key);
    for (key, terms) in groups {
        let limit = capacity(key);
        if terms.len() as f64 > limit {
            model.add_row(terms, Sense::AtMost, limit);
        }
    }
}

/// Rule 1 across sessions that overlap in time: a participant meets at most once in each group
/// of slots sharing a moment. Only the time-indexed model can say this (a class count does not
/// tell which slot a meeting gets), so missions with overlapping sessions are solved on
/// singleton classes (see `solve_part`).
fn add_overlap_rows(
    model: &mut LinearModel,
    instance: &Instance,
    partition: &Partition,
    meetings: &[ClassMeeting],
) {
    if instance.overlap_groups.is_empty() {
        return;
    }
    debug_assert!(partition.classes.iter().all(|slots| slots.len() == 1));
    let mut groups_of_slot: IxVec<SlotId, Vec<usize>> =
        IxVec::filled(Vec::new(), instance.slot_count);
    for (group, slots) in instance.overlap_groups.iter().enumerate() {
        for &slot in slots {
            groups_of_slot[slot].push(group);
        }
    }
    let mut in_group: HashMap<InGroup, Terms> = HashMap::new();
    for (variable, &ClassMeeting { pair, class }) in meetings.iter().enumerate() {
        let pair = &instance.pairs[pair];
        for &group in &groups_of_slot[partition.classes[class][0]] {
            for holder in [Holder::Firm(pair.firm), Holder::Buyer(pair.buyer)] {
                in_group
                    .entry(InGroup { holder, group })
                    .or_default()
                    .push((variable, 1.0));
            }
        }
    }
    add_capacity_rows(model, in_group, |_| 1.0);
    // Rule 5 across sessions of one city that overlap: the city's interpreters per moment.
    let mut interpreted: HashMap<(usize, super::ix::LangIx), Terms> = HashMap::new();
    for (variable, &ClassMeeting { pair, class }) in meetings.iter().enumerate() {
        let pair = &instance.pairs[pair];
        let Some(language) = pair
            .language
            .filter(|_| instance.language_limit(pair).is_some())
        else {
            continue;
        };
        for &moment in &instance.limits.slot_moments[partition.classes[class][0]] {
            interpreted
                .entry((moment, language))
                .or_default()
                .push((variable, 1.0));
        }
    }
    add_capacity_rows(model, interpreted, |(moment, language)| {
        f64::from(
            instance
                .limits
                .moment_capacity(language, moment)
                .unwrap_or(u32::MAX),
        )
    });
}

/// Each participant's meeting variables: what its meetings, maximum and minimum sum over.
struct Totals {
    firms: IxVec<FirmIx, Terms>,
    buyers: IxVec<BuyerIx, Terms>,
}

impl Totals {
    /// Each participant's variables beside its value of a per-firm and a per-buyer list (its
    /// maximum, its minimum), firms first.
    fn with<'a>(
        &'a self,
        per_firm: &'a IxVec<FirmIx, u32>,
        per_buyer: &'a IxVec<BuyerIx, u32>,
    ) -> impl Iterator<Item = (&'a Terms, &'a u32)> {
        self.firms
            .iter()
            .zip(per_firm)
            .chain(self.buyers.iter().zip(per_buyer))
    }
}

/// One variable per pair and class its slots reach (meeting variables come first in the model),
/// with each pair's variables.
fn add_meeting_variables(
    model: &mut LinearModel,
    instance: &Instance,
    pairs: &[PairIx],
    partition: &Partition,
) -> (Vec<ClassMeeting>, Vec<(PairIx, Vec<usize>)>) {
    let mut meetings = Vec::new();
    let mut class_of_slot: IxVec<SlotId, Option<ClassIx>> =
        IxVec::filled(None, instance.slot_count);
    for (class, slots) in partition.classes.iter_enumerated() {
        for &slot in slots {
            class_of_slot[slot] = Some(class);
        }
    }
    let mut pair_variables: Vec<(PairIx, Vec<usize>)> = Vec::with_capacity(pairs.len());
    for &pair_index in pairs {
        let pair = &instance.pairs[pair_index];
        let mut variables = Vec::new();
        // Every slot is in some class of the partition.
        let mut classes: Vec<ClassIx> = pair
            .slots
            .iter()
            .filter_map(|&slot| class_of_slot[slot])
            .collect();
        classes.dedup();
        for class in classes {
            let variable = model.add_variable(1.0, true, tie_broken(pair.value, meetings.len()));
            meetings.push(ClassMeeting {
                pair: pair_index,
                class,
            });
            variables.push(variable);
        }
        pair_variables.push((pair_index, variables));
    }
    (meetings, pair_variables)
}

/// Rule 2 (a pair meets at most once) and rule 6 (must pairs meet).
fn add_once_rows(
    model: &mut LinearModel,
    instance: &Instance,
    pair_variables: &[(PairIx, Vec<usize>)],
) {
    for (pair_index, variables) in pair_variables {
        let terms: Vec<(usize, f64)> = variables.iter().map(|&v| (v, 1.0)).collect();
        if instance.pairs[*pair_index].must {
            model.add_row(terms, Sense::Equal, 1.0);
        } else if terms.len() > 1 {
            model.add_row(terms, Sense::AtMost, 1.0);
        }
    }
}

/// Rule 1 per class: a participant meets at most once per slot; rule 5: interpreters; rule 8: at
/// most `tables` meetings in a slot of a session with shared tables. Returns each participant's
/// meeting variables.
fn add_class_rows(
    model: &mut LinearModel,
    instance: &Instance,
    partition: &Partition,
    meetings: &[ClassMeeting],
) -> Totals {
    let mut in_class: HashMap<InClass, Terms> = HashMap::new();
    let mut totals = Totals {
        firms: IxVec::filled(Vec::new(), instance.firm_count),
        buyers: IxVec::filled(Vec::new(), instance.buyer_count),
    };
    for (variable, &ClassMeeting { pair, class }) in meetings.iter().enumerate() {
        let pair = &instance.pairs[pair];
        let language = pair
            .language
            .filter(|_| instance.language_limit(pair).is_some())
            .map(Holder::Language);
        let tables = partition.classes[class]
            .iter()
            .any(|&slot| instance.limits.slot_tables[slot].is_some())
            .then_some(Holder::Tables);
        let holders = [Holder::Firm(pair.firm), Holder::Buyer(pair.buyer)];
        for holder in holders.into_iter().chain(language).chain(tables) {
            in_class
                .entry(InClass { holder, class })
                .or_default()
                .push((variable, 1.0));
        }
        totals.firms[pair.firm].push((variable, 1.0));
        totals.buyers[pair.buyer].push((variable, 1.0));
    }
    // Participants' rows first, then the overlap rows, then the shared capacities: the order
    // the rows were always written in (a simplex's path, so its timings, follow it).
    let (participants, shared): (HashMap<InClass, Terms>, HashMap<InClass, Terms>) = in_class
        .into_iter()
        .partition(|(key, _)| matches!(key.holder, Holder::Firm(_) | Holder::Buyer(_)));
    let capacity = |InClass { holder, class }| {
        let slots = &partition.classes[class];
        match holder {
            Holder::Firm(_) | Holder::Buyer(_) => slots.len() as f64,
            Holder::Language(language) => slots
                .iter()
                .map(|&slot| {
                    f64::from(
                        instance
                            .limits
                            .language_capacity(language, slot)
                            .unwrap_or(u32::MAX),
                    )
                })
                .sum(),
            Holder::Tables => slots
                .iter()
                .map(|&slot| f64::from(instance.limits.slot_tables[slot].unwrap_or(u32::MAX)))
                .sum(),
        }
    };
    add_capacity_rows(model, participants, capacity);
    add_overlap_rows(model, instance, partition, meetings);
    add_capacity_rows(model, shared, capacity);
    totals
}

/// Rule 4: maximum meetings. A participant meets at most once per pair and at most the class
/// size in each class, so a maximum at or above either sum is implied by the rows above; such
/// rows are written only when `implied_maxima` asks for them.
fn add_maximum_rows(
    model: &mut LinearModel,
    instance: &Instance,
    partition: &Partition,
    meetings: &[ClassMeeting],
    totals: &Totals,
    implied_maxima: bool,
) {
    let most_meetings = |terms: &Terms| {
        fn distinct<T: Ord>(
            terms: &Terms,
            meetings: &[ClassMeeting],
            part: fn(&ClassMeeting) -> T,
        ) -> Vec<T> {
            let mut values: Vec<T> = terms
                .iter()
                .map(|&(variable, _)| part(&meetings[variable]))
                .collect();
            values.sort_unstable();
            values.dedup();
            values
        }
        let pairs = distinct(terms, meetings, |meeting| meeting.pair).len();
        let slots: usize = distinct(terms, meetings, |meeting| meeting.class)
            .iter()
            .map(|&class| partition.classes[class].len())
            .sum();
        pairs.min(slots)
    };
    for (terms, &maximum) in totals.with(&instance.limits.firm_max, &instance.limits.buyer_max) {
        let can_bind = (maximum as usize) < most_meetings(terms);
        if can_bind || (implied_maxima && terms.len() > maximum as usize) {
            model.add_row(terms.clone(), Sense::AtMost, f64::from(maximum));
        }
    }
}

/// Rule 7, first part: coverage of minimums, y <= minimum and y <= meetings. Returns the
/// coverage variables and the rows that define them.
fn add_coverage_rows(
    model: &mut LinearModel,
    instance: &Instance,
    totals: &Totals,
) -> (Vec<usize>, Vec<usize>) {
    let mut coverage = Vec::new();
    let mut coverage_rows = Vec::new();
    for (terms, &minimum) in totals.with(&instance.firm_min, &instance.buyer_min) {
        // Participants without pairs here are covered 0 whatever happens: no variable.
        if minimum == 0 || terms.is_empty() {
            continue;
        }
        let covered = model.add_variable(f64::from(minimum), false, 0.0);
        coverage.push(covered);
        coverage_rows.push(model.rows.len());
        let mut row: Vec<(usize, f64)> = terms.iter().map(|&(v, _)| (v, -1.0)).collect();
        row.push((covered, 1.0));
        model.rows.push(super::lp::Row {
            terms: row,
            sense: Sense::AtMost,
            rhs: 0.0,
        });
    }
    (coverage, coverage_rows)
}

/// The model and what its variables mean.
#[derive(Debug, Clone)]
pub struct Formulation {
    /// The linear model (objective set for the value stage; see [`Formulation::coverage_model`]).
    pub model: LinearModel,
    /// For each meeting variable: (pair index, class index). Meeting variables come first.
    pub meetings: Vec<ClassMeeting>,
    /// Indices of the coverage variables (one per participant with a positive minimum).
    pub coverage: Vec<usize>,
    /// Indices of the rows `y <= meetings` that define them, in the same order.
    pub coverage_rows: Vec<usize>,
}

impl Formulation {
    /// Builds the model of the given pairs over the partition. Its objective is the expected
    /// value. `implied_maxima`: also write the maximum-meetings rows that other rows already
    /// imply. They change nothing the model allows, only how a solver walks it: measured here,
    /// microlp solved 300 x 3,000 x 4 sessions in 7.6 s without them and 12.6 s with them, while
    /// HiGHS needed 7 s with them on 1,000 x 10,000 x 4 and over 120 s without.
    pub fn build(
        instance: &Instance,
        pairs: &[PairIx],
        partition: &Partition,
        implied_maxima: bool,
    ) -> Formulation {
        let mut model = LinearModel::default();
        let (meetings, pair_variables) =
            add_meeting_variables(&mut model, instance, pairs, partition);
        add_once_rows(&mut model, instance, &pair_variables);
        let totals = add_class_rows(&mut model, instance, partition, &meetings);
        add_maximum_rows(
            &mut model,
            instance,
            partition,
            &meetings,
            &totals,
            implied_maxima,
        );
        let (coverage, coverage_rows) = add_coverage_rows(&mut model, instance, &totals);
        Formulation {
            model,
            meetings,
            coverage,
            coverage_rows,
        }
    }

    /// The same constraints with the coverage of minimums as the objective (stage 1).
    pub fn coverage_model(&self) -> LinearModel {
        let mut model = self.model.clone();
        model.objective.iter_mut().for_each(|c| *c = 0.0);
        for &variable in &self.coverage {
            model.objective[variable] = 1.0;
        }
        model
    }

    /// The value model restricted to schedules that cover at least `target` minimum meetings
    /// (stage 2).
    pub fn value_model(&self, target: f64) -> LinearModel {
        let mut model = self.model.clone();
        if target > 0.0 {
            model.add_row(
                self.coverage.iter().map(|&v| (v, 1.0)).collect(),
                Sense::AtLeast,
                target,
            );
        }
        model
    }
}
