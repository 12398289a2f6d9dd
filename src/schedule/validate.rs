//! An independent check of a timetable against contract section 4: rules 1-6, and of v2 rules
//! 8 (tables), 9 (when windows), 10 (max_idle_gaps) and 11 (cancelled participants).
//!
//! It reads only the mission, the weights and the meetings (not the optimiser's instance), so a
//! bug in how the optimiser understands a rule shows up here as a violation.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::model::{interpreter_language, Mission, RequestKind, Side, SlotId, Status};

use super::{Meeting, PairWeight};

/// Every rule the meetings break, in words; empty when the timetable is valid.
pub fn validate_schedule(
    mission: &Mission,
    weights: &[PairWeight],
    meetings: &[Meeting],
) -> Vec<String> {
    violations(mission, Some(weights), meetings)
}

/// The rules of a valid timetable (contract section 4) for one that may have been edited by
/// hand, as `publish` checks it before printing anything: every rule but the optimiser's own
/// (pairs outside the candidates are the organiser's choice). Meetings of since-cancelled
/// participants are `read_schedule`'s business (those that took place may be printed), and a
/// `must` pair with a cancelled side need not meet.
pub fn validate_published(mission: &Mission, meetings: &[Meeting]) -> Vec<String> {
    violations(mission, None, meetings)
}

/// A slot as people name it: its session and start (`DEL-1 10:50`).
fn slot_name(mission: &Mission, slot: usize) -> String {
    if slot < mission.slots.len() {
        mission.slot_name(crate::model::SlotId(slot))
    } else {
        format!("slot {slot}")
    }
}

/// `weights`: the candidates the optimiser was given (`None`: a timetable from elsewhere).
/// Each rule is checked by a function of its own; the meeting-by-meeting rules first, then
/// those over the whole timetable, sorted, then rules 8 and 10.
fn violations(
    mission: &Mission,
    weights: Option<&[PairWeight]>,
    meetings: &[Meeting],
) -> Vec<String> {
    let from_optimiser = weights.is_some();
    let weighted: Option<HashSet<(&str, &str)>> = weights.map(|weights| {
        weights
            .iter()
            .map(|w| (w.firm.as_str(), w.buyer.as_str()))
            .collect()
    });
    let kind_of: HashMap<(&str, &str), RequestKind> = mission
        .requests
        .iter()
        .filter(|r| matches!(r.kind, RequestKind::Must | RequestKind::Avoid))
        .map(|r| ((r.firm.as_str(), r.buyer.as_str()), r.kind))
        .collect();
    let mut tally = Tally::default();
    let mut violations = Vec::new();
    let check = MeetingCheck {
        mission,
        weighted: weighted.as_ref(),
        kind_of: &kind_of,
        from_optimiser,
    };
    for meeting in meetings {
        check.meeting(meeting, &mut tally, &mut violations);
    }
    violations.extend(overlapping_sessions(mission, meetings));
    violations.extend(maxima(mission, &tally));
    if let Some(limits) = &mission.interpreters {
        violations.extend(interpreters(mission, limits, &tally));
    }
    violations.extend(musts(mission, &kind_of, &tally, from_optimiser));
    violations.sort();
    violations.extend(shared_tables(mission, tally.tables_used));
    if let Some(limit) = mission.rules.max_idle_gaps {
        let (_, largest) = idle_gaps(mission, meetings);
        if largest > limit {
            violations.push(format!(
                "rule 10: someone has {largest} idle gaps, max_idle_gaps is {limit}"
            ));
        }
    }
    violations
}

/// What the meetings checked so far hold: who is busy where, the pairs, the counts per side,
/// the interpreters per (slot, language) and the tables per slot of sessions with shared ones.
#[derive(Default)]
struct Tally<'a> {
    firm_slots: HashSet<(&'a str, SlotId)>,
    buyer_slots: HashSet<(&'a str, SlotId)>,
    pairs: HashSet<(&'a str, &'a str)>,
    firm_count: HashMap<&'a str, u32>,
    buyer_count: HashMap<&'a str, u32>,
    interpreters: HashMap<(usize, String), u32>,
    tables_used: HashMap<usize, Vec<Option<u32>>>,
}

/// The rules one meeting is checked against on its own (and against those before it).
struct MeetingCheck<'a, 'w> {
    mission: &'a Mission,
    /// The weighted candidates, when the timetable is the optimiser's.
    weighted: Option<&'w HashSet<(&'w str, &'w str)>>,
    kind_of: &'w HashMap<(&'a str, &'a str), RequestKind>,
    from_optimiser: bool,
}

impl<'a> MeetingCheck<'a, '_> {
    /// Rules 1 (one meeting per participant and slot), 2 (a pair meets once), 3 (both
    /// available and not cancelled), 6 (no avoid pair), 9 (when windows), the interpreter the
    /// meeting names, and whether the pair was a candidate; counts the meeting into `tally`.
    fn meeting(&self, meeting: &Meeting, tally: &mut Tally<'a>, violations: &mut Vec<String>) {
        let mission = self.mission;
        let name = format!(
            "{}-{} at {}",
            meeting.firm,
            meeting.buyer,
            slot_name(mission, meeting.slot.0)
        );
        let (Some(firm), Some(buyer)) = (
            mission.firms.iter().find(|f| f.id == meeting.firm),
            mission.buyers.iter().find(|b| b.id == meeting.buyer),
        ) else {
            violations.push(format!("{name}: unknown firm or buyer"));
            return;
        };
        let Some(slot) = mission.slots.get(meeting.slot.0) else {
            violations.push(format!("{name}: no such slot"));
            return;
        };
        if !tally.firm_slots.insert((firm.id.as_str(), slot.id)) {
            violations.push(format!(
                "rule 1: firm {} has two meetings at {}",
                firm.id,
                slot_name(mission, slot.id.0)
            ));
        }
        if !tally.buyer_slots.insert((buyer.id.as_str(), slot.id)) {
            violations.push(format!(
                "rule 1: buyer {} has two meetings at {}",
                buyer.id,
                slot_name(mission, slot.id.0)
            ));
        }
        let key = (firm.id.as_str(), buyer.id.as_str());
        if !tally.pairs.insert(key) {
            violations.push(format!("rule 2: {}-{} meet twice", firm.id, buyer.id));
        }
        if !firm.availability.allows(slot) || !buyer.availability.allows(slot) {
            violations.push(format!("rule 3: {name}: not both available"));
        }
        if !mission.when_allows(&firm.id, &buyer.id, slot) {
            violations.push(format!("rule 9: {name}: outside the pair's when window"));
        }
        for (side, id, status) in [
            ("firm", firm.id.as_str(), firm.status),
            ("buyer", buyer.id.as_str(), buyer.status),
        ] {
            if self.from_optimiser && status == Status::Cancelled {
                violations.push(format!("rule 3: {name}: {side} {id} is cancelled"));
            }
        }
        if mission.sessions[slot.session].tables.is_some() {
            tally
                .tables_used
                .entry(slot.id.0)
                .or_default()
                .push(meeting.table);
        }
        *tally.firm_count.entry(firm.id.as_str()).or_default() += 1;
        *tally.buyer_count.entry(buyer.id.as_str()).or_default() += 1;
        match self.kind_of.get(&key) {
            Some(RequestKind::Avoid) => violations.push(format!("rule 6: avoid pair {name} meets")),
            Some(RequestKind::Must) => {}
            _ if self
                .weighted
                .is_some_and(|weighted| !weighted.contains(&key)) =>
            {
                violations.push(format!(
                    "{name}: the pair is not among the weighted candidates"
                ))
            }
            _ => {}
        }
        let needed = interpreter_language(
            &firm.languages,
            &buyer.languages,
            mission.interpreters.as_ref(),
        );
        match needed {
            Some(language) => {
                if meeting.interpreter.as_deref() != Some(language) {
                    violations.push(format!(
                        "{name}: needs a {language} interpreter, says {:?}",
                        meeting.interpreter
                    ));
                }
                *tally
                    .interpreters
                    .entry((slot.id.0, language.to_string()))
                    .or_default() += 1;
            }
            None if meeting.interpreter.is_some() => violations.push(format!(
                "{name}: needs no interpreter, says {:?}",
                meeting.interpreter
            )),
            None => {}
        }
    }
}

/// Rule 1 across sessions that overlap in time: compared from dates and clock times here, not
/// from the mission's overlap groups the optimiser uses.
fn overlapping_sessions(mission: &Mission, meetings: &[Meeting]) -> Vec<String> {
    let mut violations = Vec::new();
    let mut by_participant: HashMap<(Side, &str), Vec<usize>> = HashMap::new();
    for meeting in meetings {
        if meeting.slot.0 < mission.slots.len() {
            by_participant
                .entry((Side::Firm, meeting.firm.as_str()))
                .or_default()
                .push(meeting.slot.0);
            by_participant
                .entry((Side::Buyer, meeting.buyer.as_str()))
                .or_default()
                .push(meeting.slot.0);
        }
    }
    let mut participants: Vec<_> = by_participant.into_iter().collect();
    participants.sort();
    for ((side, id), slots) in participants {
        for (position, &first) in slots.iter().enumerate() {
            for &second in &slots[position + 1..] {
                let (a, b) = (&mission.slots[first], &mission.slots[second]);
                let (session_a, session_b) =
                    (&mission.sessions[a.session], &mission.sessions[b.session]);
                if a.session != b.session
                    && session_a.date == session_b.date
                    && a.range.start < b.range.end
                    && b.range.start < a.range.end
                {
                    violations.push(format!(
                        "rule 1: {} {id} is in {} {} and {} {} at once",
                        side.as_str(),
                        session_a.id,
                        a.range,
                        session_b.id,
                        b.range
                    ));
                }
            }
        }
    }
    violations
}

/// Rule 4: nobody has more meetings than its maximum.
fn maxima(mission: &Mission, tally: &Tally) -> Vec<String> {
    let firms = mission.firms.iter().map(|firm| {
        let count = tally.firm_count.get(firm.id.as_str()).copied().unwrap_or(0);
        ("firm", firm.id.as_str(), count, mission.firm_maximum(firm))
    });
    let buyers = mission.buyers.iter().map(|buyer| {
        let count = tally
            .buyer_count
            .get(buyer.id.as_str())
            .copied()
            .unwrap_or(0);
        (
            "buyer",
            buyer.id.as_str(),
            count,
            mission.buyer_maximum(buyer),
        )
    });
    firms
        .chain(buyers)
        .filter_map(|(side, id, count, maximum)| {
            let maximum = maximum.filter(|&maximum| count > maximum)?;
            Some(format!(
                "rule 4: {side} {id} has {count} meetings, maximum {maximum}"
            ))
        })
        .collect()
}

/// Rule 5: interpreters. Sessions of one city that overlap share its interpreters (contract
/// v3): at no moment do more meetings of the city need a language than its number, and in no
/// slot.
fn interpreters(mission: &Mission, limits: &BTreeMap<String, u32>, tally: &Tally) -> Vec<String> {
    let mut violations = Vec::new();
    for moment in mission.interpreter_moments() {
        let mut needed: HashMap<&str, u32> = HashMap::new();
        for ((slot, language), count) in &tally.interpreters {
            if moment.contains(slot) {
                *needed.entry(language.as_str()).or_default() += count;
            }
        }
        let mut needed: Vec<_> = needed.into_iter().collect();
        needed.sort();
        for (language, count) in needed {
            let limit = limits.get(language).copied().unwrap_or(0);
            if count > limit {
                let at: Vec<String> = moment
                    .iter()
                    .map(|&slot| slot_name(mission, slot))
                    .collect();
                violations.push(format!(
                    "rule 5: {count} meetings needing {language} at once in {} ({}), limit {limit}",
                    mission.sessions[mission.slots[moment[0]].session].city,
                    at.join(", ")
                ));
            }
        }
    }
    for ((slot, language), count) in &tally.interpreters {
        let limit = limits.get(language).copied().unwrap_or(0);
        if *count > limit {
            violations.push(format!(
                "rule 5: {} has {count} meetings needing {language}, limit {limit}",
                slot_name(mission, *slot)
            ));
        }
    }
    violations
}

/// Rule 6: every `must` pair meets (a timetable from elsewhere is excused a pair with a
/// cancelled side).
fn musts(
    mission: &Mission,
    kind_of: &HashMap<(&str, &str), RequestKind>,
    tally: &Tally,
    from_optimiser: bool,
) -> Vec<String> {
    let cancelled = |firm: &str, buyer: &str| {
        mission
            .firms
            .iter()
            .any(|f| f.id.as_str() == firm && f.status == Status::Cancelled)
            || mission
                .buyers
                .iter()
                .any(|b| b.id.as_str() == buyer && b.status == Status::Cancelled)
    };
    kind_of
        .iter()
        .filter(|&(&(firm, buyer), kind)| {
            let excused = !from_optimiser && cancelled(firm, buyer);
            *kind == RequestKind::Must && !tally.pairs.contains(&(firm, buyer)) && !excused
        })
        .map(|(&(firm, buyer), _)| format!("rule 6: must pair {firm}-{buyer} does not meet"))
        .collect()
}

/// Rule 8: shared tables, per slot of a session that has them: no more meetings than tables,
/// each meeting at a table of its own that exists.
fn shared_tables(mission: &Mission, tables_used: HashMap<usize, Vec<Option<u32>>>) -> Vec<String> {
    let mut violations = Vec::new();
    let mut slots: Vec<_> = tables_used.into_iter().collect();
    slots.sort_by_key(|(slot, _)| *slot);
    for (slot, tables) in slots {
        let count = mission.sessions[mission.slots[slot].session]
            .tables
            .unwrap_or(u32::MAX);
        if tables.len() as u64 > u64::from(count) {
            violations.push(format!(
                "rule 8: {} has {} meetings for {count} tables",
                slot_name(mission, slot),
                tables.len()
            ));
        }
        let mut seen = HashSet::new();
        for table in tables {
            match table {
                Some(table) if (1..=count).contains(&table) && seen.insert(table) => {}
                Some(table) => violations.push(format!(
                    "rule 8: {}: table {table} is used twice or does not exist",
                    slot_name(mission, slot)
                )),
                None => violations.push(format!(
                    "rule 8: {}: a meeting has no table",
                    slot_name(mission, slot)
                )),
            }
        }
    }
    violations
}

/// The sum over firms and buyers of min(meetings, minimum), and the sum of the minimums.
pub fn minimum_coverage(mission: &Mission, meetings: &[Meeting]) -> (u32, u32) {
    let mut firm_count: HashMap<&str, u32> = HashMap::new();
    let mut buyer_count: HashMap<&str, u32> = HashMap::new();
    for meeting in meetings {
        *firm_count.entry(meeting.firm.as_str()).or_default() += 1;
        *buyer_count.entry(meeting.buyer.as_str()).or_default() += 1;
    }
    let mut covered = 0;
    let mut wanted = 0;
    for firm in &mission.firms {
        let minimum = mission.firm_minimum(firm);
        covered += minimum.min(firm_count.get(firm.id.as_str()).copied().unwrap_or(0));
        wanted += minimum;
    }
    for buyer in &mission.buyers {
        let minimum = mission.buyer_minimum(buyer);
        covered += minimum.min(buyer_count.get(buyer.id.as_str()).copied().unwrap_or(0));
        wanted += minimum;
    }
    (covered, wanted)
}

/// Idle gaps of a timetable (contract v2 rule 10): for each participant and session, the runs
/// of free slots between two of its meetings. Returns the total over everyone and the largest
/// number of one participant.
pub fn idle_gaps(mission: &Mission, meetings: &[Meeting]) -> (u32, u32) {
    let mut slots_of: HashMap<(Side, &str), Vec<usize>> = HashMap::new();
    for meeting in meetings {
        slots_of
            .entry((Side::Firm, meeting.firm.as_str()))
            .or_default()
            .push(meeting.slot.0);
        slots_of
            .entry((Side::Buyer, meeting.buyer.as_str()))
            .or_default()
            .push(meeting.slot.0);
    }
    let (mut total, mut largest) = (0, 0);
    for slots in slots_of.values_mut() {
        slots.sort_unstable();
        // Slots are numbered by session, then time: a gap is a step of more than one inside a
        // session.
        let gaps = slots
            .windows(2)
            .filter(|pair| {
                pair[1] > pair[0] + 1
                    && mission.slots.get(pair[0]).map(|slot| slot.session)
                        == mission.slots.get(pair[1]).map(|slot| slot.session)
            })
            .count() as u32;
        total += gaps;
        largest = largest.max(gaps);
    }
    (total, largest)
}
