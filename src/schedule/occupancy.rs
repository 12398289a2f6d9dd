//! Who is busy when, and how much of each shared limit the meetings take: the one bookkeeping of
//! a timetable being built or changed. Greedy places meetings with it, compaction moves them
//! with it, the shortfall explanation reads it, and re-planning keeps meetings with it.
//!
//! The validator (`validate.rs`) keeps its own count on purpose: it is the oracle every test's
//! timetable goes through, and an oracle that shared this bookkeeping would approve whatever
//! this gets wrong.

use crate::model::{Mission, PerSide, Side};

use super::instance::Reserved;

/// The limits the meetings of a timetable share, slot by slot: rule 1 across overlapping
/// sessions, maxima (rule 4), interpreters (rule 5, per slot and per city moment) and shared
/// tables (rule 8). Slots are positions in `Mission::slots`, participants positions in
/// `Mission::firms` and `Mission::buyers`, languages positions in [`Limits::languages`].
#[derive(Debug, Clone)]
pub struct Limits {
    /// Per side and participant: the most meetings it may hold.
    pub maximum: PerSide<Vec<u32>>,
    /// Per slot, the other slots that overlap it in time.
    pub overlapping: Vec<Vec<usize>>,
    /// Groups of slots in one city that share a moment (`Mission::interpreter_moments`): their
    /// meetings share the city's interpreters. Empty when no sessions of a city overlap.
    pub interpreter_moments: Vec<Vec<usize>>,
    /// Per slot, the interpreter moments it is in (into `interpreter_moments`).
    pub slot_moments: Vec<Vec<usize>>,
    /// Per slot: the shared tables of its session left (rule 8), `None` where firms sit at
    /// booths.
    pub slot_tables: Vec<Option<u32>>,
    /// Interpreter languages, with their per-slot limit (`None`: unlimited).
    pub languages: Vec<(String, Option<u32>)>,
    /// Per language, per slot: interpreters already taken by meetings outside this timetable
    /// (kept meetings when re-planning); a language's row is empty when none are.
    pub language_reserved: Vec<Vec<u32>>,
}

impl Limits {
    /// The mission's limits for meetings that may need `languages`, less what the `reserved`
    /// meetings take; `maximum` per side and participant.
    pub fn of(
        mission: &Mission,
        maximum: PerSide<Vec<u32>>,
        languages: Vec<(String, Option<u32>)>,
        reserved: &[Reserved],
    ) -> Limits {
        let slot_count = mission.slots.len();
        let overlapping = (0..slot_count)
            .map(|slot| {
                (0..slot_count)
                    .filter(|&other| mission.slots_overlap(slot, other))
                    .collect()
            })
            .collect();
        let interpreter_moments = mission.interpreter_moments();
        let mut slot_moments = vec![Vec::new(); slot_count];
        for (moment, slots) in interpreter_moments.iter().enumerate() {
            for &slot in slots {
                slot_moments[slot].push(moment);
            }
        }
        let mut slot_tables: Vec<Option<u32>> = mission
            .slots
            .iter()
            .map(|slot| mission.sessions[slot.session].tables)
            .collect();
        let mut language_reserved = vec![Vec::new(); languages.len()];
        for meeting in reserved {
            let slot = meeting.slot.0;
            if let Some(Some(tables)) = slot_tables.get_mut(slot) {
                *tables = tables.saturating_sub(1);
            }
            let Some(name) = &meeting.interpreter else {
                continue;
            };
            if let Some(language) = languages.iter().position(|(known, _)| known == name) {
                let row: &mut Vec<u32> = &mut language_reserved[language];
                if row.is_empty() {
                    row.resize(slot_count, 0);
                }
                if let Some(count) = row.get_mut(slot) {
                    *count += 1;
                }
            }
        }
        Limits {
            maximum,
            overlapping,
            interpreter_moments,
            slot_moments,
            slot_tables,
            languages,
            language_reserved,
        }
    }

    /// The position of the interpreter language `name` in [`Limits::languages`].
    pub fn language(&self, name: &str) -> Option<usize> {
        self.languages.iter().position(|(known, _)| known == name)
    }

    /// Number of slots.
    pub fn slot_count(&self) -> usize {
        self.slot_tables.len()
    }

    /// How many more meetings needing `language` slot `slot` takes: the limit less what
    /// reserved meetings already use (`None`: unlimited).
    pub fn language_capacity(&self, language: usize, slot: usize) -> Option<u32> {
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
    pub fn moment_capacity(&self, language: usize, moment: usize) -> Option<u32> {
        let reserved: u32 = self.language_reserved[language]
            .iter()
            .enumerate()
            .filter(|(slot, _)| self.interpreter_moments[moment].contains(slot))
            .map(|(_, count)| *count)
            .sum();
        self.languages[language]
            .1
            .map(|limit| limit.saturating_sub(reserved))
    }
}

/// One meeting as the bookkeeping sees it: a firm and a buyer (positions in the mission) in a
/// slot, with the interpreter language it needs (into [`Limits::languages`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Booking {
    pub firm: usize,
    pub buyer: usize,
    pub slot: usize,
    pub language: Option<usize>,
}

impl Booking {
    /// The participant of `side`.
    fn participant(self, side: Side) -> usize {
        match side {
            Side::Firm => self.firm,
            Side::Buyer => self.buyer,
        }
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
    busy: PerSide<Vec<Vec<u16>>>,
    /// Per side and participant: meetings booked.
    held: PerSide<Vec<u32>>,
    /// Per language and slot: booked meetings with its interpreter.
    interpreted: Vec<Vec<u32>>,
    /// Per slot: booked meetings.
    in_slot: Vec<u32>,
}

impl<'a> Occupancy<'a> {
    /// Nothing booked.
    pub fn new(limits: &'a Limits) -> Occupancy<'a> {
        let slots = limits.slot_count();
        let per_participant = |side: Side| limits.maximum[side].len();
        Occupancy {
            limits,
            busy: PerSide::from_fn(|side| vec![vec![0; slots]; per_participant(side)]),
            held: PerSide::from_fn(|side| vec![0; per_participant(side)]),
            interpreted: vec![vec![0; slots]; limits.languages.len()],
            in_slot: vec![0; slots],
        }
    }

    /// Whether `participant` of `side` meets in `slot` or in a slot overlapping it.
    pub fn is_busy(&self, side: Side, participant: usize, slot: usize) -> bool {
        self.busy[side][participant][slot] > 0
    }

    /// Meetings booked for `participant` of `side`.
    pub fn held(&self, side: Side, participant: usize) -> u32 {
        self.held[side][participant]
    }

    /// Why `booking` cannot join the meetings booked, if it cannot: rule 1, maxima, tables,
    /// interpreters in the slot, then interpreters of the city at that time.
    pub fn refusal(&self, booking: Booking) -> Option<Refusal> {
        let limits = self.limits;
        let slot = booking.slot;
        for side in Side::BOTH {
            if self.is_busy(side, booking.participant(side), slot) {
                return Some(Refusal::Busy(side));
            }
        }
        for side in Side::BOTH {
            let participant = booking.participant(side);
            if self.held[side][participant] >= limits.maximum[side][participant] {
                return Some(Refusal::AtMaximum(side));
            }
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
        // Rule 1 across overlapping sessions: busy at every slot that overlaps this one too.
        for &busy in std::iter::once(&slot).chain(&self.limits.overlapping[slot]) {
            for side in Side::BOTH {
                let count = &mut self.busy[side][booking.participant(side)][busy];
                *count = if add {
                    count.saturating_add(1)
                } else {
                    count.saturating_sub(1)
                };
            }
        }
        for side in Side::BOTH {
            change(&mut self.held[side][booking.participant(side)]);
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

    /// Two slots that overlap, one firm and two buyers; one language with one interpreter.
    fn limits(tables: Option<u32>) -> Limits {
        Limits {
            maximum: PerSide {
                firm: vec![2],
                buyer: vec![1, 1],
            },
            overlapping: vec![vec![1], vec![0]],
            interpreter_moments: vec![vec![0, 1]],
            slot_moments: vec![vec![0], vec![0]],
            slot_tables: vec![tables, tables],
            languages: vec![("hi".to_string(), Some(1))],
            language_reserved: vec![Vec::new()],
        }
    }

    fn booking(buyer: usize, slot: usize, language: Option<usize>) -> Booking {
        Booking {
            firm: 0,
            buyer,
            slot,
            language,
        }
    }

    #[test]
    fn each_rule_refuses_in_its_order_and_a_taken_back_meeting_frees_what_it_took() {
        let limits = limits(None);
        let mut occupancy = Occupancy::new(&limits);
        occupancy.book(booking(0, 0, Some(0)));
        // The firm is busy in slot 0 and, through the overlap, in slot 1.
        assert_eq!(
            occupancy.refusal(booking(1, 1, None)),
            Some(Refusal::Busy(Side::Firm))
        );
        assert_eq!(
            occupancy.refusal(booking(0, 0, None)),
            Some(Refusal::Busy(Side::Firm))
        );
        occupancy.unbook(booking(0, 0, Some(0)));
        assert_eq!(occupancy.refusal(booking(1, 1, Some(0))), None);
        assert_eq!(occupancy.held(Side::Firm, 0), 0);
        assert!(!occupancy.is_busy(Side::Buyer, 0, 1));
    }

    #[test]
    fn maxima_tables_and_a_citys_interpreters_refuse() {
        let limits = limits(Some(1));
        let mut occupancy = Occupancy::new(&limits);
        occupancy.book(booking(0, 0, Some(0)));
        assert_eq!(
            occupancy.refusal(Booking {
                firm: 0,
                buyer: 0,
                slot: 0,
                language: None
            }),
            Some(Refusal::Busy(Side::Firm))
        );
        // A firm without the overlap: its own bookkeeping.
        let mut limits = limits;
        limits.overlapping = vec![Vec::new(), Vec::new()];
        limits.maximum.firm = vec![3];
        let mut occupancy = Occupancy::new(&limits);
        occupancy.book(booking(0, 0, Some(0)));
        assert_eq!(
            occupancy.refusal(booking(0, 1, None)),
            Some(Refusal::AtMaximum(Side::Buyer))
        );
        assert_eq!(
            occupancy.refusal(booking(1, 0, None)),
            Some(Refusal::Busy(Side::Firm))
        );
        let mut other_firm = limits.clone();
        other_firm.maximum.firm = vec![3, 3];
        let mut occupancy = Occupancy::new(&other_firm);
        occupancy.book(booking(0, 0, Some(0)));
        let second_firm = |language| Booking {
            firm: 1,
            buyer: 1,
            slot: 0,
            language,
        };
        assert_eq!(occupancy.refusal(second_firm(None)), Some(Refusal::NoTable));
        other_firm.slot_tables = vec![None, None];
        let mut occupancy = Occupancy::new(&other_firm);
        occupancy.book(booking(0, 0, Some(0)));
        assert_eq!(
            occupancy.refusal(second_firm(Some(0))),
            Some(Refusal::NoInterpreter)
        );
        // Slot 1 has its own interpreter, but the city's one is taken at that moment.
        assert_eq!(
            occupancy.refusal(Booking {
                slot: 1,
                ..second_firm(Some(0))
            }),
            Some(Refusal::NoInterpreterInCity)
        );
        assert_eq!(occupancy.refusal(second_firm(None)), None);
    }
}
