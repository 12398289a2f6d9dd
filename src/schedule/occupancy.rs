//! Who is busy when, and how much of each shared limit the meetings take: the one bookkeeping of
//! a timetable being built or changed. Greedy places meetings with it, compaction moves them
//! with it, the shortfall explanation reads it, and re-planning keeps meetings with it.
//!
//! The validator (`validate.rs`) keeps its own count on purpose: it is the oracle every test's
//! timetable goes through, and an oracle that shared this bookkeeping would approve whatever
//! this gets wrong.

use crate::model::{Mission, PerSide, Side, SlotId};

use super::instance::Reserved;
use super::ix::{BuyerIx, FirmIx, Ix, IxVec, LangIx, Participant};

/// The limits the meetings of a timetable share, slot by slot: rule 1 across overlapping
/// sessions, maxima (rule 4), interpreters (rule 5, per slot and per city moment) and shared
/// tables (rule 8). Slots are positions in `Mission::slots`, participants positions in
/// `Mission::firms` and `Mission::buyers`, languages positions in [`Limits::languages`].
#[derive(Debug, Clone)]
pub struct Limits {
    /// Per firm: the most meetings it may hold.
    pub firm_max: IxVec<FirmIx, u32>,
    /// Per buyer: the most meetings it may hold.
    pub buyer_max: IxVec<BuyerIx, u32>,
    /// Per slot, the other slots that overlap it in time.
    pub overlapping: IxVec<SlotId, Vec<SlotId>>,
    /// Groups of slots in one city that share a moment (`Mission::interpreter_moments`): their
    /// meetings share the city's interpreters. Empty when no sessions of a city overlap.
    pub interpreter_moments: Vec<Vec<SlotId>>,
    /// Per slot, the interpreter moments it is in (into `interpreter_moments`).
    pub slot_moments: IxVec<SlotId, Vec<usize>>,
    /// Per slot: the shared tables of its session left (rule 8), `None` where firms sit at
    /// booths.
    pub slot_tables: IxVec<SlotId, Option<u32>>,
    /// Interpreter languages, with their per-slot limit (`None`: unlimited).
    pub languages: IxVec<LangIx, (String, Option<u32>)>,
    /// Per language, per slot: interpreters already taken by meetings outside this timetable
    /// (kept meetings when re-planning); a language's row is empty when none are.
    pub language_reserved: IxVec<LangIx, IxVec<SlotId, u32>>,
}

impl Limits {
    /// The mission's limits for meetings that may need `languages`, less what the `reserved`
    /// meetings take, with each firm's and buyer's maximum.
    pub fn of(
        mission: &Mission,
        (firm_max, buyer_max): (IxVec<FirmIx, u32>, IxVec<BuyerIx, u32>),
        languages: IxVec<LangIx, (String, Option<u32>)>,
        reserved: &[Reserved],
    ) -> Limits {
        let slots: Vec<SlotId> = super::ix::indices(mission.slots.len()).collect();
        let overlapping = slots
            .iter()
            .map(|&slot| {
                slots
                    .iter()
                    .copied()
                    .filter(|&other| mission.slots_overlap(slot.get(), other.get()))
                    .collect()
            })
            .collect();
        let interpreter_moments: Vec<Vec<SlotId>> = mission
            .interpreter_moments()
            .into_iter()
            .map(|moment| moment.into_iter().map(SlotId).collect())
            .collect();
        let mut slot_moments = IxVec::filled(Vec::new(), slots.len());
        for (moment, slots) in interpreter_moments.iter().enumerate() {
            for &slot in slots {
                slot_moments[slot].push(moment);
            }
        }
        let mut slot_tables: IxVec<SlotId, Option<u32>> = mission
            .slots
            .iter()
            .map(|slot| mission.sessions[slot.session].tables)
            .collect();
        let mut language_reserved = IxVec::filled(IxVec::default(), languages.len());
        for meeting in reserved {
            let Some(tables) = slot_tables.get(meeting.slot).copied() else {
                continue;
            };
            slot_tables[meeting.slot] = tables.map(|tables| tables.saturating_sub(1));
            let Some(name) = &meeting.interpreter else {
                continue;
            };
            if let Some(language) = languages.indices().find(|&l| languages[l].0 == *name) {
                let row: &mut IxVec<SlotId, u32> = &mut language_reserved[language];
                if row.is_empty() {
                    *row = IxVec::filled(0, slots.len());
                }
                row[meeting.slot] += 1;
            }
        }
        Limits {
            firm_max,
            buyer_max,
            overlapping,
            interpreter_moments,
            slot_moments,
            slot_tables,
            languages,
            language_reserved,
        }
    }

    /// The language `name`, if meetings here may need it.
    pub fn language(&self, name: &str) -> Option<LangIx> {
        self.languages
            .iter_enumerated()
            .find(|(_, (known, _))| known == name)
            .map(|(language, _)| language)
    }

    /// Number of slots.
    pub fn slot_count(&self) -> usize {
        self.slot_tables.len()
    }

    /// The most meetings `participant` may hold.
    pub fn maximum(&self, participant: Participant) -> u32 {
        match participant {
            Participant::Firm(firm) => self.firm_max[firm],
            Participant::Buyer(buyer) => self.buyer_max[buyer],
        }
    }

    /// How many more meetings needing `language` slot `slot` takes: the limit less what
    /// reserved meetings already use (`None`: unlimited).
    pub fn language_capacity(&self, language: LangIx, slot: SlotId) -> Option<u32> {
        let reserved = self.language_reserved[language]
            .get(slot)
            .copied()
            .unwrap_or(0);
        self.languages[language]
            .1
            .map(|limit| limit.saturating_sub(reserved))
    }

    /// The interpreters of a language left for a moment's meetings: its limit less those that
    /// reserved meetings take in the moment's slots (`None`: unlimited).
    pub fn moment_capacity(&self, language: LangIx, moment: usize) -> Option<u32> {
        let row = &self.language_reserved[language];
        let reserved: u32 = self.interpreter_moments[moment]
            .iter()
            .filter_map(|&slot| row.get(slot))
            .sum();
        self.languages[language]
            .1
            .map(|limit| limit.saturating_sub(reserved))
    }
}

/// One meeting as the bookkeeping sees it: a firm and a buyer in a slot, with the interpreter
/// language it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Booking {
    pub firm: FirmIx,
    pub buyer: BuyerIx,
    pub slot: SlotId,
    pub language: Option<LangIx>,
}

impl Booking {
    /// Its firm and its buyer.
    fn participants(self) -> [Participant; 2] {
        [Participant::Firm(self.firm), Participant::Buyer(self.buyer)]
    }
}

/// The first rule a meeting would break beside those booked, in the order they are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Rule 1: that side already meets in the slot or one overlapping it.
    Busy(Side),
    /// Rule 4: that side holds its maximum.
    AtMaximum(Side),
    /// Rule 8: the slot's shared tables are taken.
    NoTable,
    /// Rule 5: the slot's interpreters of the language are taken.
    NoInterpreter,
    /// Rule 5 across overlapping sessions of a city: the city's interpreters of the language
    /// are taken at that time.
    NoInterpreterInCity,
}

/// The meetings booked so far against a [`Limits`].
#[derive(Debug, Clone)]
pub struct Occupancy<'a> {
    limits: &'a Limits,
    /// Per side, participant and slot: the booked meetings that make it busy there (in the slot
    /// itself or in one overlapping it). A count, so a meeting can be taken back.
    busy: PerSide<Vec<IxVec<SlotId, u16>>>,
    /// Per side and participant: meetings booked.
    held: PerSide<Vec<u32>>,
    /// Per language and slot: booked meetings with its interpreter.
    interpreted: IxVec<LangIx, IxVec<SlotId, u32>>,
    /// Per slot: booked meetings.
    in_slot: IxVec<SlotId, u32>,
}

impl<'a> Occupancy<'a> {
    /// Nothing booked.
    pub fn new(limits: &'a Limits) -> Occupancy<'a> {
        let slots = limits.slot_count();
        let count = PerSide {
            firm: limits.firm_max.len(),
            buyer: limits.buyer_max.len(),
        };
        Occupancy {
            limits,
            busy: PerSide::from_fn(|side| vec![IxVec::filled(0, slots); count[side]]),
            held: PerSide::from_fn(|side| vec![0; count[side]]),
            interpreted: IxVec::filled(IxVec::filled(0, slots), limits.languages.len()),
            in_slot: IxVec::filled(0, slots),
        }
    }

    /// Whether `participant` meets in `slot` or in a slot overlapping it.
    pub fn is_busy(&self, participant: Participant, slot: SlotId) -> bool {
        self.busy[participant.side()][participant.position()][slot] > 0
    }

    /// Meetings booked for `participant`.
    pub fn held(&self, participant: Participant) -> u32 {
        self.held[participant.side()][participant.position()]
    }

    /// Why `booking` cannot join the meetings booked, if it cannot: rule 1, maxima, tables,
    /// interpreters in the slot, then interpreters of the city at that time.
    pub fn refusal(&self, booking: Booking) -> Option<Refusal> {
        let limits = self.limits;
        let slot = booking.slot;
        let participants = booking.participants();
        if let Some(busy) = participants.iter().find(|&&who| self.is_busy(who, slot)) {
            return Some(Refusal::Busy(busy.side()));
        }
        if let Some(full) = participants
            .iter()
            .find(|&&who| self.held(who) >= limits.maximum(who))
        {
            return Some(Refusal::AtMaximum(full.side()));
        }
        if limits.slot_tables[slot].is_some_and(|tables| self.in_slot[slot] >= tables) {
            return Some(Refusal::NoTable);
        }
        let language = booking.language?;
        let interpreted = &self.interpreted[language];
        if limits
            .language_capacity(language, slot)
            .is_some_and(|capacity| interpreted[slot] >= capacity)
        {
            return Some(Refusal::NoInterpreter);
        }
        let city_full = limits.slot_moments[slot].iter().any(|&moment| {
            let used: u32 = limits.interpreter_moments[moment]
                .iter()
                .map(|&other| interpreted[other])
                .sum();
            limits
                .moment_capacity(language, moment)
                .is_some_and(|capacity| used >= capacity)
        });
        city_full.then_some(Refusal::NoInterpreterInCity)
    }

    /// Books `booking`, whatever it breaks.
    pub fn book(&mut self, booking: Booking) {
        self.count(booking, true);
    }

    /// Takes back a booked `booking`.
    pub fn unbook(&mut self, booking: Booking) {
        self.count(booking, false);
    }

    fn count(&mut self, booking: Booking, add: bool) {
        let change = |count: &mut u32| {
            *count = if add {
                *count + 1
            } else {
                count.saturating_sub(1)
            }
        };
        let slot = booking.slot;
        for who in booking.participants() {
            let busy = &mut self.busy[who.side()][who.position()];
            // Rule 1 across overlapping sessions: busy at every slot that overlaps this one too.
            for &taken in std::iter::once(&slot).chain(&self.limits.overlapping[slot]) {
                busy[taken] = if add {
                    busy[taken].saturating_add(1)
                } else {
                    busy[taken].saturating_sub(1)
                };
            }
            change(&mut self.held[who.side()][who.position()]);
        }
        change(&mut self.in_slot[slot]);
        if let Some(language) = booking.language {
            change(&mut self.interpreted[language][slot]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Slots 0 and 1 of one city, overlapping in time or not; two firms and two buyers who may
    /// hold one meeting each; one language with one interpreter; `tables` per slot.
    fn limits(tables: Option<u32>, overlap: bool) -> Limits {
        let slot = SlotId;
        Limits {
            firm_max: vec![1, 1].into(),
            buyer_max: vec![1, 1].into(),
            overlapping: if overlap {
                vec![vec![slot(1)], vec![slot(0)]].into()
            } else {
                vec![Vec::new(), Vec::new()].into()
            },
            interpreter_moments: if overlap {
                vec![vec![slot(0), slot(1)]]
            } else {
                Vec::new()
            },
            slot_moments: if overlap {
                vec![vec![0], vec![0]].into()
            } else {
                vec![Vec::new(), Vec::new()].into()
            },
            slot_tables: vec![tables, tables].into(),
            languages: vec![("hi".to_string(), Some(1))].into(),
            language_reserved: vec![IxVec::default()].into(),
        }
    }

    /// Firm `firm` meets buyer `buyer` in slot `slot`, with the interpreter or without.
    fn meeting(firm: usize, buyer: usize, slot: usize, interpreted: bool) -> Booking {
        Booking {
            firm: FirmIx::new(firm),
            buyer: BuyerIx::new(buyer),
            slot: SlotId(slot),
            language: interpreted.then(|| LangIx::new(0)),
        }
    }

    #[test]
    fn each_rule_refuses_in_its_order() {
        use Refusal::*;
        // (what, tables, slots overlap, booked, asked, refusal)
        let cases = [
            (
                "the firm in the slot",
                None,
                false,
                meeting(0, 0, 0, false),
                meeting(0, 1, 0, false),
                Some(Busy(Side::Firm)),
            ),
            (
                "the buyer in an overlapping slot",
                None,
                true,
                meeting(0, 0, 0, false),
                meeting(1, 0, 1, false),
                Some(Busy(Side::Buyer)),
            ),
            (
                "the firm's one meeting held",
                None,
                false,
                meeting(0, 0, 0, false),
                meeting(0, 1, 1, false),
                Some(AtMaximum(Side::Firm)),
            ),
            (
                "the buyer's one meeting held",
                None,
                false,
                meeting(0, 0, 0, false),
                meeting(1, 0, 1, false),
                Some(AtMaximum(Side::Buyer)),
            ),
            (
                "the slot's one table taken",
                Some(1),
                false,
                meeting(0, 0, 0, false),
                meeting(1, 1, 0, false),
                Some(NoTable),
            ),
            (
                "the slot's interpreter taken",
                None,
                false,
                meeting(0, 0, 0, true),
                meeting(1, 1, 0, true),
                Some(NoInterpreter),
            ),
            (
                "the city's interpreter taken at that moment",
                None,
                true,
                meeting(0, 0, 0, true),
                meeting(1, 1, 1, true),
                Some(NoInterpreterInCity),
            ),
            (
                "another slot's interpreter, no overlap",
                None,
                false,
                meeting(0, 0, 0, true),
                meeting(1, 1, 1, true),
                None,
            ),
            (
                "no interpreter needed",
                Some(2),
                true,
                meeting(0, 0, 0, true),
                meeting(1, 1, 1, false),
                None,
            ),
        ];
        for (what, tables, overlap, booked, asked, refusal) in cases {
            let limits = limits(tables, overlap);
            let mut occupancy = Occupancy::new(&limits);
            assert_eq!(occupancy.refusal(asked), None, "{what}: nothing booked");
            occupancy.book(booked);
            assert_eq!(occupancy.refusal(asked), refusal, "{what}");
            occupancy.unbook(booked);
            assert_eq!(occupancy.refusal(asked), None, "{what}: taken back");
            assert!(!occupancy.is_busy(Participant::Firm(booked.firm), booked.slot));
            assert_eq!(occupancy.held(Participant::Buyer(booked.buyer)), 0);
        }
    }
}
