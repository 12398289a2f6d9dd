//! The scheduling instance: the pairs that may meet, where, and every limit, as plain indices.
//!
//! Built once from a mission and its weights; the models, the greedy baseline, the validator and
//! the explanations all read the same instance, so they agree on what the rules mean.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::error::{Error, Problem, Result};
use crate::model::{
    Availability, BuyerId, FirmId, InterpreterCapacity, Mission, RequestKind, Side, SlotId, Status,
    LARGEST_AMOUNT,
};

use super::ix::{indices, BuyerIx, ClassIx, FirmIx, Ix, IxVec, LangIx, PairIx, Participant};
use super::occupancy::{Booking, Limits};
use super::PairWeight;

/// One firm-buyer pair that may meet.
#[derive(Debug, Clone)]
pub struct Pair {
    pub firm: FirmIx,
    pub buyer: BuyerIx,
    /// Expected deal value of their meeting.
    pub value: f64,
    /// Why the pair is there (from the weights).
    pub reasons: Vec<String>,
    /// The pair has to meet.
    pub must: bool,
    /// How many sides asked for the pair with a `want` row (0, 1 or 2): what meeting it adds
    /// to rule 7's second criterion.
    pub wants: u32,
    /// Interpreter language needed.
    pub language: Option<LangIx>,
    /// Slots where both are available (and an interpreter can be had), ascending.
    pub slots: Vec<SlotId>,
    /// Whether a `when` list narrowed `slots` below what both sides' availability allows (the
    /// class partition then has to respect it, rule 9).
    pub narrowed: bool,
}

impl Pair {
    /// Its firm and its buyer.
    pub fn participants(&self) -> [Participant; 2] {
        [Participant::Firm(self.firm), Participant::Buyer(self.buyer)]
    }

    /// The pair's meeting in `slot`, as the bookkeeping counts it.
    pub fn in_slot(&self, slot: SlotId) -> Booking {
        Booking {
            firm: self.firm,
            buyer: self.buyer,
            slot,
            language: self.language,
        }
    }
}

/// One meeting of a timetable in the optimiser's indices: a pair (into [`Instance::pairs`])
/// meets in a slot (into `Mission::slots`). What greedy, the colouring, the interpreter
/// rebalancing and the explanations pass to each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Placement {
    /// The pair that meets.
    pub pair: PairIx,
    /// The slot it meets in.
    pub slot: SlotId,
}

/// A meeting variable of the class model: a pair (into [`Instance::pairs`]) meets in some slot
/// of a class (into `Partition::classes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClassMeeting {
    /// The pair that meets.
    pub pair: PairIx,
    /// The class of slots it meets in.
    pub class: ClassIx,
}

/// A firm and a buyer, by their positions in the mission: the key of what is known about a pair
/// before it is one of [`Instance::pairs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FirmBuyer {
    pub firm: FirmIx,
    pub buyer: BuyerIx,
}

/// Whose capacity a row or a count limits: a firm, a buyer (positions in the mission), an
/// interpreter language (into [`Limits::languages`]) or the venue's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Holder {
    Firm(FirmIx),
    Buyer(BuyerIx),
    Tables,
    Language(LangIx),
}

/// A holder in one slot (into `Mission::slots`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InSlot {
    pub holder: Holder,
    pub slot: SlotId,
}

/// A holder in one class of slots (into `Partition::classes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InClass {
    pub holder: Holder,
    pub class: ClassIx,
}

/// A holder in one group of slots that share a moment (into [`Instance::overlap_groups`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InGroup {
    pub holder: Holder,
    pub group: usize,
}

/// Everything the optimiser needs, in indices.
#[derive(Debug, Clone)]
pub struct Instance {
    /// Candidate pairs, sorted by (firm, buyer).
    pub pairs: IxVec<PairIx, Pair>,
    /// Number of slots.
    pub slot_count: usize,
    /// Number of firms and buyers.
    pub firm_count: usize,
    /// Number of buyers.
    pub buyer_count: usize,
    /// Minimum meetings per firm.
    pub firm_min: IxVec<FirmIx, u32>,
    /// Minimum meetings per buyer.
    pub buyer_min: IxVec<BuyerIx, u32>,
    /// What the meetings share: maxima (capped by each participant's available slots),
    /// overlapping slots, interpreter languages in use and their limits, shared tables, less
    /// what meetings outside the instance take.
    pub limits: Limits,
    /// Per firm: whether it is available in each slot.
    pub firm_available: IxVec<FirmIx, IxVec<SlotId, bool>>,
    /// Per buyer: whether it is available in each slot.
    pub buyer_available: IxVec<BuyerIx, IxVec<SlotId, bool>>,
    /// `must` pairs that cannot be in `pairs` at all, with the reason.
    pub impossible_musts: Vec<String>,
    /// Groups of slots of overlapping sessions that share a moment (rule 1 across sessions);
    /// empty when no sessions overlap.
    pub overlap_groups: Vec<Vec<SlotId>>,
    /// Per firm and per buyer: pairs left out for being under the relevance floor.
    pub firm_floored: IxVec<FirmIx, u32>,
    pub buyer_floored: IxVec<BuyerIx, u32>,
}

/// A weight with its firm and buyer resolved to positions.
#[derive(Debug, Clone)]
pub struct ResolvedWeight {
    pub pair: FirmBuyer,
    pub value: f64,
    pub reasons: Vec<String>,
}

/// Reads the weights against the mission: ids must exist, values must be finite and not
/// negative, a pair must appear once. On success, one entry per weight, in their order.
pub fn resolve_weights(mission: &Mission, weights: &[PairWeight]) -> Result<Vec<ResolvedWeight>> {
    let firm_index: HashMap<&str, FirmIx> = mission
        .firms
        .iter()
        .enumerate()
        .map(|(index, firm)| (firm.id.as_str(), FirmIx::new(index)))
        .collect();
    let buyer_index: HashMap<&str, BuyerIx> = mission
        .buyers
        .iter()
        .enumerate()
        .map(|(index, buyer)| (buyer.id.as_str(), BuyerIx::new(index)))
        .collect();
    let mut problems = Vec::new();
    let mut resolved = Vec::new();
    let mut seen = HashMap::new();
    for (position, weight) in weights.iter().enumerate() {
        let line = weight.line.unwrap_or(position + 2);
        let problem = |column: &str, message: String| {
            Problem::new(weight.source.clone(), line, column, message)
        };
        let firm = firm_index.get(weight.firm.as_str()).copied();
        let buyer = buyer_index.get(weight.buyer.as_str()).copied();
        if firm.is_none() {
            problems.push(problem(
                "firm",
                format!("unknown firm \"{}\" (not in firms.csv)", weight.firm),
            ));
        }
        if buyer.is_none() {
            problems.push(problem(
                "buyer",
                format!("unknown buyer \"{}\" (not in buyers.csv)", weight.buyer),
            ));
        }
        if !(0.0..=LARGEST_AMOUNT).contains(&weight.expected_value_usd) {
            problems.push(problem(
                "expected_value_usd",
                format!(
                    "{} must be a number from 0 to {LARGEST_AMOUNT:e}",
                    weight.expected_value_usd
                ),
            ));
        }
        if let (Some(firm), Some(buyer)) = (firm, buyer) {
            if let Some(first) = seen.insert((firm, buyer), line) {
                problems.push(problem(
                    "buyer",
                    format!(
                        "the pair {}-{} already appears on line {first}",
                        weight.firm, weight.buyer
                    ),
                ));
                continue;
            }
            resolved.push(ResolvedWeight {
                pair: FirmBuyer { firm, buyer },
                value: weight.expected_value_usd,
                reasons: weight.reasons.clone(),
            });
        }
    }
    if problems.is_empty() {
        Ok(resolved)
    } else {
        Err(Error::Invalid(problems))
    }
}

/// Builds the instance: the weighted pairs at or above `[rules] min_relevance` (or named by a
/// `must`, `want` or `request` row) without `avoid` pairs, plus every `must` pair; each pair
/// with the slots it may meet in and its interpreter language, and the capacity `reserved`
/// meetings (outside this run) already use.
pub fn build_instance(
    mission: &Mission,
    weights: &[PairWeight],
    reserved: &[Reserved],
) -> Result<Instance> {
    let Related {
        weights: resolved,
        firm_floored,
        buyer_floored,
    } = related_weights(mission, weights)?;
    let slot_count = mission.slots.len();
    let firm_available = available_slots(
        mission,
        mission.firms.iter().map(|f| (f.status, &f.availability)),
    );
    let buyer_available = available_slots(
        mission,
        mission.buyers.iter().map(|b| (b.status, &b.availability)),
    );
    let rows = RequestRows::of(mission);
    let mut by_pair: HashMap<FirmBuyer, (f64, Vec<String>)> = HashMap::new();
    for weight in resolved {
        by_pair.insert(weight.pair, (weight.value, weight.reasons));
    }
    for (&key, &kind) in &rows.kinds {
        if kind == RequestKind::Must {
            by_pair
                .entry(key)
                .or_insert_with(|| (0.0, vec!["must meet (requests.csv)".to_string()]));
        }
    }

    let mut keys: Vec<FirmBuyer> = by_pair.keys().copied().collect();
    keys.sort_unstable();
    let mut found = PairsFound {
        mission,
        firm_available: &firm_available,
        buyer_available: &buyer_available,
        rows: &rows,
        wants: mission.wants(),
        pairs: IxVec::default(),
        languages: IxVec::default(),
        impossible_musts: Vec::new(),
    };
    for key in keys {
        let (value, reasons) = by_pair.remove(&key).unwrap_or_default();
        found.add(key, value, reasons);
    }
    let PairsFound {
        pairs,
        languages,
        impossible_musts,
        ..
    } = found;

    let cap = |limit: Option<u32>, available: &IxVec<SlotId, bool>| -> u32 {
        let slots = available.iter().filter(|&&free| free).count() as u32;
        limit.map_or(slots, |limit| limit.min(slots))
    };
    let maximum = (
        mission
            .firms
            .iter()
            .zip(&firm_available)
            .map(|(firm, available)| cap(mission.firm_maximum(firm), available))
            .collect(),
        mission
            .buyers
            .iter()
            .zip(&buyer_available)
            .map(|(buyer, available)| cap(mission.buyer_maximum(buyer), available))
            .collect(),
    );
    Ok(Instance {
        limits: Limits::of(mission, maximum, languages, reserved),
        overlap_groups: mission
            .overlapping_slot_groups()
            .into_iter()
            .map(|group| group.into_iter().map(SlotId).collect())
            .collect(),
        firm_floored,
        buyer_floored,
        firm_min: mission
            .firms
            .iter()
            .map(|firm| mission.firm_minimum(firm))
            .collect(),
        buyer_min: mission
            .buyers
            .iter()
            .map(|buyer| mission.buyer_minimum(buyer))
            .collect(),
        pairs,
        slot_count,
        firm_count: mission.firms.len(),
        buyer_count: mission.buyers.len(),
        firm_available,
        buyer_available,
        impossible_musts,
    })
}

/// The pairs of an instance as they are found, with the interpreter languages they need and
/// the `must` pairs that can never meet.
struct PairsFound<'a> {
    mission: &'a Mission,
    firm_available: &'a IxVec<FirmIx, IxVec<SlotId, bool>>,
    buyer_available: &'a IxVec<BuyerIx, IxVec<SlotId, bool>>,
    rows: &'a RequestRows<'a>,
    /// Who wants each pair (`Mission::wants`).
    wants: BTreeMap<(&'a FirmId, &'a BuyerId), BTreeSet<Option<Side>>>,
    pairs: IxVec<PairIx, Pair>,
    languages: IxVec<LangIx, (String, Option<u32>)>,
    impossible_musts: Vec<String>,
}

impl PairsFound<'_> {
    /// Adds the pair `key` with its value and reasons: not when an `avoid` row names it; as
    /// an impossible must (or not at all) when it shares no slot or its interpreters are none.
    fn add(&mut self, key: FirmBuyer, value: f64, reasons: Vec<String>) {
        let mission = self.mission;
        let FirmBuyer { firm, buyer } = key;
        let kind = self.rows.kinds.get(&key).copied();
        if kind == Some(RequestKind::Avoid) {
            return;
        }
        let must = kind == Some(RequestKind::Must);
        let (firm_record, buyer_record) = (&mission.firms[firm], &mission.buyers[buyer]);
        let capacity = mission.interpreter_capacity(firm_record, buyer_record);
        let language = match capacity {
            InterpreterCapacity::NotNeeded => None,
            InterpreterCapacity::Unlimited | InterpreterCapacity::PerSlot(_) => {
                let name = mission
                    .interpreter_for(firm_record, buyer_record)
                    .unwrap_or_default();
                let limit = match capacity {
                    InterpreterCapacity::PerSlot(limit) => Some(limit),
                    _ => None,
                };
                Some(language_index(&mut self.languages, name, limit))
            }
        };
        let windows = self.rows.when.get(&key);
        let slots: Vec<SlotId> = indices(mission.slots.len())
            .filter(|&slot| self.firm_available[firm][slot] && self.buyer_available[buyer][slot])
            .filter(|&slot| {
                windows
                    .is_none_or(|lists| lists.iter().all(|when| when.allows(&mission.slots[slot])))
            })
            .collect();
        let narrowed = windows.is_some();
        let interpreter_blocked = capacity == InterpreterCapacity::PerSlot(0);
        if slots.is_empty() || interpreter_blocked {
            if must {
                self.impossible_musts.push(format!(
                    "must pair {}-{} can never meet: {}",
                    firm_record.id,
                    buyer_record.id,
                    never_meets(mission, key, interpreter_blocked, narrowed)
                ));
            }
            return;
        }
        self.pairs.push(Pair {
            firm,
            buyer,
            value,
            reasons,
            must,
            wants: self
                .wants
                .get(&(&firm_record.id, &buyer_record.id))
                .map_or(0, |sides| sides.len().min(2) as u32),
            language,
            slots,
            narrowed,
        });
    }
}

/// A meeting outside this run that still uses capacity (a kept meeting when re-planning): it
/// takes one shared table of its slot, and one interpreter of its language there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reserved {
    pub slot: SlotId,
    /// The interpreter's language, if the meeting needs one.
    pub interpreter: Option<String>,
}

/// The weights that may become meetings, and what the relevance floor took from each side.
struct Related {
    weights: Vec<ResolvedWeight>,
    firm_floored: IxVec<FirmIx, u32>,
    buyer_floored: IxVec<BuyerIx, u32>,
}

/// v3: no filler meetings. A pair under the relevance floor is not a candidate unless a must,
/// want or request row names it; each side counts the pairs the floor took away, so a
/// shortfall can say "no related buyer left". Every weight is checked first, floored or not.
fn related_weights(mission: &Mission, weights: &[PairWeight]) -> Result<Related> {
    let floor = mission.rules.relevance_floor();
    let named = mission.named_pairs();
    let mut firm_floored = IxVec::filled(0u32, mission.firms.len());
    let mut buyer_floored = IxVec::filled(0u32, mission.buyers.len());
    // `resolve_weights` returns one entry per weight, in order, when it succeeds.
    let weights = resolve_weights(mission, weights)?
        .into_iter()
        .zip(weights)
        .filter_map(|(entry, weight)| {
            let FirmBuyer { firm, buyer } = entry.pair;
            let related = weight.relevance.is_none_or(|relevance| relevance >= floor)
                || named.contains(&(firm.get(), buyer.get()));
            if !related {
                firm_floored[firm] += 1;
                buyer_floored[buyer] += 1;
            }
            related.then_some(entry)
        })
        .collect();
    Ok(Related {
        weights,
        firm_floored,
        buyer_floored,
    })
}

/// Per participant (of one side, as status and availability) and slot: whether it can meet
/// there. The same rule for firms and buyers.
fn available_slots<'a, I: Ix>(
    mission: &Mission,
    participants: impl Iterator<Item = (Status, &'a Availability)>,
) -> IxVec<I, IxVec<SlotId, bool>> {
    participants
        .map(|(status, availability)| {
            mission
                .slots
                .iter()
                .map(|slot| status == Status::Active && availability.allows(slot))
                .collect()
        })
        .collect()
}

/// What `requests.csv` says of pairs: `must` or `avoid` (the last such row of a pair counts),
/// and rule 9's `when` lists (a pair meets only where every one of them allows).
struct RequestRows<'a> {
    kinds: HashMap<FirmBuyer, RequestKind>,
    when: HashMap<FirmBuyer, Vec<&'a Availability>>,
}

impl<'a> RequestRows<'a> {
    fn of(mission: &'a Mission) -> RequestRows<'a> {
        let mut rows = RequestRows {
            kinds: HashMap::new(),
            when: HashMap::new(),
        };
        for (request, firm, buyer) in mission.resolved_requests() {
            let key = FirmBuyer {
                firm: FirmIx::new(firm),
                buyer: BuyerIx::new(buyer),
            };
            if matches!(request.kind, RequestKind::Must | RequestKind::Avoid) {
                rows.kinds.insert(key, request.kind);
            }
            if request.when != Availability::Everywhere {
                rows.when.entry(key).or_default().push(&request.when);
            }
        }
        rows
    }
}

/// The position of an interpreter language in `languages`, added (with its per-slot limit) on
/// first use.
fn language_index(
    languages: &mut IxVec<LangIx, (String, Option<u32>)>,
    name: &str,
    limit: Option<u32>,
) -> LangIx {
    match languages
        .indices()
        .find(|&known| languages[known].0 == name)
    {
        Some(index) => index,
        None => languages.push((name.to_string(), limit)),
    }
}

/// Why a pair can never meet: its interpreter language is allowed none, a side is cancelled,
/// or they share no available slot (inside its `when` window, if `narrowed`).
fn never_meets(
    mission: &Mission,
    key: FirmBuyer,
    interpreter_blocked: bool,
    narrowed: bool,
) -> String {
    let (firm, buyer) = (&mission.firms[key.firm], &mission.buyers[key.buyer]);
    if interpreter_blocked {
        format!(
            "it needs a {} interpreter and [interpreters] allows none",
            mission.interpreter_for(firm, buyer).unwrap_or_default()
        )
    } else if firm.status == Status::Cancelled {
        format!("firm {} is cancelled", firm.id)
    } else if buyer.status == Status::Cancelled {
        format!("buyer {} is cancelled", buyer.id)
    } else if narrowed {
        "they share no available slot inside its when window".to_string()
    } else {
        "they share no available slot".to_string()
    }
}

impl Instance {
    /// Every firm, then every buyer.
    pub fn participants(&self) -> impl Iterator<Item = Participant> {
        indices(self.firm_count)
            .map(Participant::Firm)
            .chain(indices(self.buyer_count).map(Participant::Buyer))
    }

    /// The fewest meetings `participant` asked for.
    pub fn minimum(&self, participant: Participant) -> u32 {
        match participant {
            Participant::Firm(firm) => self.firm_min[firm],
            Participant::Buyer(buyer) => self.buyer_min[buyer],
        }
    }

    /// Per slot, whether `participant` can meet there.
    pub fn available(&self, participant: Participant) -> &IxVec<SlotId, bool> {
        match participant {
            Participant::Firm(firm) => &self.firm_available[firm],
            Participant::Buyer(buyer) => &self.buyer_available[buyer],
        }
    }

    /// Pairs of `participant` the relevance floor left out.
    pub fn floored(&self, participant: Participant) -> u32 {
        match participant {
            Participant::Firm(firm) => self.firm_floored[firm],
            Participant::Buyer(buyer) => self.buyer_floored[buyer],
        }
    }

    /// Whether the mission has to be solved slot by slot (one part, singleton classes):
    /// sessions overlap in time, or some session has shared tables.
    pub fn slot_by_slot(&self) -> bool {
        !self.overlap_groups.is_empty() || self.limits.slot_tables.iter().any(Option::is_some)
    }

    /// The per-slot limit of a pair's interpreter language (`None`: unlimited or not needed).
    pub fn language_limit(&self, pair: &Pair) -> Option<u32> {
        pair.language
            .and_then(|language| self.limits.languages[language].1)
    }

    /// A proven upper bound on the value any valid timetable of the given pairs reaches, without
    /// a solver: a firm meets at most its maximum, and at most once per slot it can use, so it
    /// earns at most its that many most valuable pairs; the same holds for buyers, and the
    /// smaller of the two sums bounds the whole. What a stage cut short by the time limit falls
    /// back to, and the bound of the greedy baseline.
    pub fn value_bound(&self, pairs: &[PairIx]) -> f64 {
        let side_bound = |owner: &dyn Fn(&Pair) -> Participant| -> f64 {
            let mut values: HashMap<Participant, Vec<f64>> = HashMap::new();
            let mut slots: HashMap<Participant, BTreeSet<SlotId>> = HashMap::new();
            for &pair_index in pairs {
                let pair = &self.pairs[pair_index];
                values.entry(owner(pair)).or_default().push(pair.value);
                slots
                    .entry(owner(pair))
                    .or_default()
                    .extend(pair.slots.iter().copied());
            }
            values
                .into_iter()
                .map(|(participant, mut values)| {
                    values.sort_unstable_by(|a, b| b.total_cmp(a));
                    let maximum = self.limits.maximum(participant) as usize;
                    let usable = maximum.min(slots[&participant].len());
                    values.iter().take(usable).sum::<f64>()
                })
                .sum()
        };
        let by_firms = side_bound(&|pair| Participant::Firm(pair.firm));
        let by_buyers = side_bound(&|pair| Participant::Buyer(pair.buyer));
        by_firms.min(by_buyers)
    }
}
