//! Re-planning a mission under way (contract v2, "re-planning"): the past stays, kept meetings
//! stay at their time and place, meetings that became impossible are dropped, and the free
//! capacity after `now` is filled as `schedule` would (rule 7), for old and new pairs. Every
//! change says who must be told.
//!
//! The optimiser runs on a residual mission: each participant is available only in the slots
//! after `now` that its fixed meetings leave free, its minimum and maximum are lowered by its
//! fixed meetings, pairs that already meet are no candidates, and the interpreters the kept
//! meetings use are reserved slot by slot.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::error::Result;
use crate::model::{
    Availability, BuyerId, Date, FirmId, InterpreterCapacity, Mission, RequestKind, Side, SlotId,
    Status, TimeOfDay, Window,
};
use crate::schedule::ix::{BuyerIx, FirmIx, Ix, IxVec, LangIx, Participant};
use crate::schedule::occupancy::{Booking, Limits, Occupancy, Refusal};
use crate::schedule::{
    minimum_coverage, schedule, Meeting, PairWeight, Reserved, Schedule, ScheduleOptions,
};

/// What happened to one meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    /// It no longer takes place.
    Cancelled,
    /// It takes place at another time (or place).
    Moved,
    /// It is new.
    Added,
}

impl ChangeKind {
    /// The contract's word.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Cancelled => "cancelled",
            ChangeKind::Moved => "moved",
            ChangeKind::Added => "added",
        }
    }
}

/// One line of `changes.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// What happened.
    pub kind: ChangeKind,
    /// The firm.
    pub firm: FirmId,
    /// The buyer.
    pub buyer: BuyerId,
    /// The slot it had (`None` for added meetings).
    pub old_slot: Option<SlotId>,
    /// The slot it has now (`None` for cancelled meetings).
    pub new_slot: Option<SlotId>,
    /// Where it was (booth or `Table N`; empty for added meetings).
    pub old_place: String,
    /// Where it is now (empty for cancelled meetings).
    pub new_place: String,
    /// Why, in words (`buyer IN-023 cancelled`, `new pair`).
    pub reason: String,
}

/// A re-planned timetable and what changed.
#[derive(Debug, Clone)]
pub struct Replanned {
    /// The whole timetable: past, kept and new meetings; its summary covers all of them.
    pub schedule: Schedule,
    /// Every change, cancelled first, then moved, then added, each by time.
    pub changes: Vec<Change>,
    /// Meetings that had started before `now` (kept as they were).
    pub past: usize,
    /// Later meetings kept at their time and place.
    pub kept: usize,
    /// When the re-planning happened.
    pub now: Moment,
}

/// When the re-planning happens: local date and time, compared with each session's own date and
/// clock (sessions of one mission share a clock in practice; the contract gives no zones to
/// convert between).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Moment {
    /// The date.
    pub date: Date,
    /// The time of day.
    pub time: TimeOfDay,
}

impl Moment {
    /// Reads `YYYY-MM-DDTHH:MM`.
    pub fn parse(text: &str) -> Option<Moment> {
        let (date, time) = text.trim().split_once('T')?;
        Some(Moment {
            date: Date::parse(date)?,
            time: TimeOfDay::parse(time)?,
        })
    }
}

/// Options of [`replan`].
#[derive(Debug, Clone, Default)]
pub struct ReplanOptions {
    /// How many kept meetings may move to raise the objective (the contract's `--allow-moves`).
    pub allow_moves: u32,
    /// How the free capacity is scheduled.
    pub schedule: ScheduleOptions,
}

fn why_impossible(mission: &Mission, meeting: &Meeting) -> Option<String> {
    let firm = mission
        .firm_index(&meeting.firm)
        .map(|f| &mission.firms[f])?;
    let buyer = mission
        .buyer_index(&meeting.buyer)
        .map(|b| &mission.buyers[b])?;
    let slot = &mission.slots[meeting.slot.0];
    if firm.status == Status::Cancelled {
        return Some(format!("firm {} cancelled", firm.id));
    }
    if buyer.status == Status::Cancelled {
        return Some(format!("buyer {} cancelled", buyer.id));
    }
    if !firm.availability.allows(slot) {
        return Some(format!("firm {} no longer available then", firm.id));
    }
    if !buyer.availability.allows(slot) {
        return Some(format!("buyer {} no longer available then", buyer.id));
    }
    if !mission.when_allows(&firm.id, &buyer.id, slot) {
        return Some("outside the pair's when window".to_string());
    }
    let avoid = mission.requests.iter().any(|request| {
        request.kind == RequestKind::Avoid && request.firm == firm.id && request.buyer == buyer.id
    });
    if avoid {
        return Some("the pair is now to avoid".to_string());
    }
    None
}

/// Re-plans `old` (the meetings of the published timetable, already checked against the folder)
/// at `now`. `weights` are the candidate pairs for the free capacity (old pairs that are kept
/// need not be among them).
///
/// With `allow_moves` N above 0, kept meetings are then released one at a time (those of
/// participants who lost a meeting first) and the residual solved again with the released pair
/// as a `must`; a release is taken when the whole timetable gets strictly better in rule 7's
/// order (coverage, wants, value), until N moved or the candidates or time run out. This is a
/// greedy search: it never makes the timetable worse, but does not prove the best N moves.
pub fn replan(
    mission: &Mission,
    old: &[Meeting],
    weights: &[PairWeight],
    now: Moment,
    options: &ReplanOptions,
) -> Result<Replanned> {
    let started = std::time::Instant::now();
    let mut best = replan_releasing(mission, old, weights, now, options, &HashSet::new())?;
    if options.allow_moves == 0 {
        return Ok(best);
    }
    let deadline = options.schedule.deadline(started);
    let score = |replanned: &Replanned| {
        let wants = mission.wants();
        let met: usize = replanned
            .schedule
            .meetings
            .iter()
            .filter_map(|m| wants.get(&(&m.firm, &m.buyer)))
            .map(|sides| sides.len().min(2))
            .sum();
        (
            replanned.schedule.minimum_coverage.0,
            met,
            replanned.schedule.expected_value_usd,
        )
    };
    // Candidates: kept meetings after `now`, of participants a cancellation touched first.
    let touched: HashSet<&str> = best
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Cancelled)
        .flat_map(|c| [c.firm.as_str(), c.buyer.as_str()])
        .collect();
    let old_slots: HashSet<(&FirmId, &BuyerId, usize)> =
        old.iter().map(|m| (&m.firm, &m.buyer, m.slot.0)).collect();
    let mut candidates: Vec<(bool, usize, FirmId, BuyerId)> = best
        .schedule
        .meetings
        .iter()
        .filter(|m| {
            let slot = &mission.slots[m.slot.0];
            let start = Moment {
                date: mission.sessions[slot.session].date,
                time: slot.range.start,
            };
            start >= now && old_slots.contains(&(&m.firm, &m.buyer, m.slot.0))
        })
        .map(|m| {
            let near = touched.contains(m.firm.as_str()) || touched.contains(m.buyer.as_str());
            (!near, m.slot.0, m.firm.clone(), m.buyer.clone())
        })
        .collect();
    candidates.sort();
    let mut released: HashSet<(FirmId, BuyerId)> = HashSet::new();
    let mut tried = 0;
    for (_, _, firm, buyer) in candidates {
        let out_of_time = deadline.passed();
        if released.len() as u32 >= options.allow_moves || out_of_time || tried >= 200 {
            break;
        }
        tried += 1;
        let mut trial = released.clone();
        trial.insert((firm, buyer));
        let Ok(candidate) = replan_releasing(mission, old, weights, now, options, &trial) else {
            continue;
        };
        let (before, after) = (score(&best), score(&candidate));
        // A move is a phone call: value must rise by more than the gap the optimiser is
        // allowed anyway (and a dollar), not by the noise of its tie-breaking.
        let worth = (options.schedule.mip_gap * before.2).max(1.0);
        let better = (after.0, after.1) > (before.0, before.1)
            || ((after.0, after.1) == (before.0, before.1) && after.2 > before.2 + worth);
        if better {
            released = trial;
            best = candidate;
        }
    }
    let moved = best
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Moved && c.reason == RELEASED)
        .count();
    best.schedule.notes.push(format!(
        "allow-moves {}: {moved} kept meeting(s) moved to raise the objective ({tried} tried, one at a time)",
        options.allow_moves
    ));
    best.schedule.seconds = started.elapsed().as_secs_f64();
    Ok(best)
}

/// Why a released kept meeting moved.
const RELEASED: &str = "moved to raise the objective (allow-moves)";

/// An old meeting with its firm and buyer found in the (edited) mission, and the interpreter
/// language that pair needs now.
struct Found<'m> {
    meeting: &'m Meeting,
    firm: FirmIx,
    buyer: BuyerIx,
    language: Option<String>,
}

/// The old meetings whose firm and buyer the mission still has, in time order (slot, firm,
/// buyer): each id looked up once.
fn found_in<'m>(mission: &Mission, old: &'m [Meeting]) -> Vec<Found<'m>> {
    let (firm_of, buyer_of) = (mission.firm_positions(), mission.buyer_positions());
    let mut order: Vec<&Meeting> = old.iter().collect();
    order.sort_by_key(|m| (m.slot, m.firm.clone(), m.buyer.clone()));
    order
        .into_iter()
        .filter_map(|meeting| {
            let f = *firm_of.get(&meeting.firm)?;
            let b = *buyer_of.get(&meeting.buyer)?;
            Some(Found {
                meeting,
                firm: FirmIx::new(f),
                buyer: BuyerIx::new(b),
                language: mission
                    .interpreter_for(&mission.firms[f], &mission.buyers[b])
                    .map(str::to_string),
            })
        })
        .collect()
}

/// The mission's limits as meetings are kept against them: every interpreter language the old
/// meetings need, and maxima as the folder sets them (not capped by availability, since past
/// meetings count whatever the folder now says of their slots).
fn mission_limits(mission: &Mission, found: &[Found]) -> Limits {
    let mut languages: IxVec<LangIx, (String, Option<u32>)> = IxVec::default();
    for meeting in found {
        let Some(name) = &meeting.language else {
            continue;
        };
        if languages.iter().all(|(known, _)| known != name) {
            let (firm, buyer) = (&mission.firms[meeting.firm], &mission.buyers[meeting.buyer]);
            let limit = match mission.interpreter_capacity(firm, buyer) {
                InterpreterCapacity::PerSlot(limit) => Some(limit),
                InterpreterCapacity::Unlimited | InterpreterCapacity::NotNeeded => None,
            };
            languages.push((name.clone(), limit));
        }
    }
    let no_limit = |maximum: Option<u32>| maximum.unwrap_or(u32::MAX);
    let maximum = (
        mission
            .firms
            .iter()
            .map(|firm| no_limit(mission.firm_maximum(firm)))
            .collect(),
        mission
            .buyers
            .iter()
            .map(|buyer| no_limit(mission.buyer_maximum(buyer)))
            .collect(),
    );
    Limits::of(mission, maximum, languages, &[])
}

/// Why a meeting cannot be kept beside those kept earlier, in the words of `changes.csv`.
fn why_not(refusal: Refusal, meeting: &Meeting, language: Option<&str>) -> String {
    let language = language.unwrap_or_default();
    match refusal {
        Refusal::Busy(_) => "a clash with a meeting kept earlier".to_string(),
        Refusal::AtMaximum(Side::Firm) => format!("firm {} is at its maximum", meeting.firm),
        Refusal::AtMaximum(Side::Buyer) => format!("buyer {} is at its maximum", meeting.buyer),
        Refusal::NoTable => "no shared table left in that slot".to_string(),
        Refusal::NoInterpreter => format!("no {language} interpreter left in that slot"),
        Refusal::NoInterpreterInCity => {
            format!("no {language} interpreter left in the city at that time")
        }
    }
}

/// Whether a slot started before `now`.
fn started_before(mission: &Mission, now: Moment, slot: usize) -> bool {
    let record = &mission.slots[slot];
    let session = &mission.sessions[record.session];
    Moment {
        date: session.date,
        time: record.range.start,
    } < now
}

/// Steps 1-2: what stays of the old timetable.
struct Kept<'a> {
    /// The meetings that stay (past and kept), with their interpreter.
    fixed: Vec<Meeting>,
    /// The later meetings that go, with why.
    dropped: Vec<(Meeting, String)>,
    /// How many meetings had started.
    past: usize,
    /// The bookkeeping of `fixed`.
    occupancy: Occupancy<'a>,
}

/// The past stays; a later meeting stays when it is still possible, in time order, as long as
/// maxima, interpreters and rule 1 still allow it; a `released` pair's meeting goes (to meet
/// again, see [`residual_mission`]).
fn keep<'a>(
    mission: &Mission,
    limits: &'a Limits,
    found: Vec<Found>,
    now: Moment,
    released: &HashSet<(FirmId, BuyerId)>,
) -> Kept<'a> {
    let mut kept = Kept {
        fixed: Vec::new(),
        dropped: Vec::new(),
        past: 0,
        occupancy: Occupancy::new(limits),
    };
    for Found {
        meeting,
        firm,
        buyer,
        language,
    } in found
    {
        let booking = Booking {
            firm,
            buyer,
            slot: meeting.slot,
            language: language.as_deref().and_then(|name| limits.language(name)),
        };
        if started_before(mission, now, booking.slot.get()) {
            kept.past += 1;
            kept.occupancy.book(booking);
            kept.fixed.push(meeting.clone());
            continue;
        }
        let release = released.contains(&(meeting.firm.clone(), meeting.buyer.clone()));
        let reason = why_impossible(mission, meeting)
            .or_else(|| {
                let refusal = kept.occupancy.refusal(booking)?;
                Some(why_not(refusal, meeting, language.as_deref()))
            })
            .or_else(|| release.then(|| RELEASED.to_string()));
        match reason {
            Some(reason) => kept.dropped.push((meeting.clone(), reason)),
            None => {
                kept.occupancy.book(booking);
                kept.fixed.push(Meeting {
                    interpreter: language,
                    ..meeting.clone()
                });
            }
        }
    }
    kept
}

/// Step 3's mission: what is still free after `now`. Each participant is available in the slots
/// after `now` its kept meetings leave free, with minimum and maximum lowered by them; `must`
/// pairs that already meet or lost a side to a cancellation leave (the latter with a note);
/// released meetings become `must` pairs. Its new meetings are not compacted: idle gaps depend
/// on the kept meetings, which the residual does not see.
fn residual_mission(
    mission: &Mission,
    kept: &Kept,
    now: Moment,
    notes: &mut Vec<String>,
) -> Mission {
    let mut residual = mission.clone();
    residual.rules.compact = Some(false);
    let occupancy = &kept.occupancy;
    let slot_window = |slot: usize| {
        let record = &mission.slots[slot];
        Window {
            session: record.session,
            range: Some(record.range),
        }
    };
    let free_slots = |who: Participant, availability: &Availability| -> Availability {
        Availability::Windows(
            (0..mission.slots.len())
                .filter(|&slot| {
                    !started_before(mission, now, slot)
                        && availability.allows(&mission.slots[slot])
                        && !occupancy.is_busy(who, SlotId(slot))
                })
                .map(slot_window)
                .collect(),
        )
    };
    for (index, firm) in residual.firms.iter_mut().enumerate() {
        let who = Participant::Firm(FirmIx::new(index));
        let held = occupancy.held(who);
        firm.availability = free_slots(who, &firm.availability);
        let minimum = mission.firm_minimum(&mission.firms[index]);
        let maximum = mission.firm_maximum(&mission.firms[index]);
        firm.limits.min_meetings = Some(minimum.saturating_sub(held));
        firm.limits.max_meetings = maximum.map(|max| max.saturating_sub(held));
    }
    for (index, buyer) in residual.buyers.iter_mut().enumerate() {
        let who = Participant::Buyer(BuyerIx::new(index));
        let held = occupancy.held(who);
        buyer.availability = free_slots(who, &buyer.availability);
        let minimum = mission.buyer_minimum(&mission.buyers[index]);
        let maximum = mission.buyer_maximum(&mission.buyers[index]);
        buyer.limits.min_meetings = Some(minimum.saturating_sub(held));
        buyer.limits.max_meetings = maximum.map(|max| max.saturating_sub(held));
    }
    let meeting_pairs: HashSet<(&str, &str)> = kept
        .fixed
        .iter()
        .map(|m| (m.firm.as_str(), m.buyer.as_str()))
        .collect();
    residual.requests.retain(|request| {
        if request.kind != RequestKind::Must {
            return true;
        }
        if meeting_pairs.contains(&(request.firm.as_str(), request.buyer.as_str())) {
            return false;
        }
        let cancelled = |status: Option<Status>| status == Some(Status::Cancelled);
        let firm = mission
            .firm_index(&request.firm)
            .map(|f| mission.firms[f].status);
        let buyer = mission
            .buyer_index(&request.buyer)
            .map(|b| mission.buyers[b].status);
        if cancelled(firm) || cancelled(buyer) {
            notes.push(format!(
                "must pair {}-{} is not scheduled: {} cancelled",
                request.firm,
                request.buyer,
                if cancelled(firm) {
                    "the firm"
                } else {
                    "the buyer"
                }
            ));
            return false;
        }
        true
    });
    // Released meetings meet again, somewhere after `now`.
    for (meeting, reason) in &kept.dropped {
        if reason == RELEASED {
            residual.requests.push(crate::model::Request {
                firm: meeting.firm.clone(),
                buyer: meeting.buyer.clone(),
                kind: RequestKind::Must,
                from: None,
                wish: false,
                when: Availability::Everywhere,
                note: String::new(),
            });
        }
    }
    residual
}

/// Step 4: a dropped pair that meets again elsewhere moved (not a change when it is back where
/// it was); the other dropped ones are cancelled; the rest of `filled` are new. Places are
/// filled in by [`replan_releasing`].
fn changes(dropped: &[(Meeting, String)], filled: &[Meeting]) -> Vec<Change> {
    let new_slot: BTreeMap<(FirmId, BuyerId), SlotId> = filled
        .iter()
        .map(|m| ((m.firm.clone(), m.buyer.clone()), m.slot))
        .collect();
    let change = |kind, meeting: &Meeting, old_slot, new_slot, reason: &str| Change {
        kind,
        firm: meeting.firm.clone(),
        buyer: meeting.buyer.clone(),
        old_slot,
        new_slot,
        reason: reason.to_string(),
        old_place: String::new(),
        new_place: String::new(),
    };
    let mut changes = Vec::new();
    let mut moved = HashSet::new();
    for (meeting, reason) in dropped {
        let key = (meeting.firm.clone(), meeting.buyer.clone());
        match new_slot.get(&key) {
            Some(&slot) => {
                moved.insert(key);
                if slot != meeting.slot {
                    changes.push(change(
                        ChangeKind::Moved,
                        meeting,
                        Some(meeting.slot),
                        Some(slot),
                        reason,
                    ));
                }
            }
            None => changes.push(change(
                ChangeKind::Cancelled,
                meeting,
                Some(meeting.slot),
                None,
                reason,
            )),
        }
    }
    for meeting in filled {
        if !moved.contains(&(meeting.firm.clone(), meeting.buyer.clone())) {
            changes.push(change(
                ChangeKind::Added,
                meeting,
                None,
                Some(meeting.slot),
                "free capacity",
            ));
        }
    }
    changes.sort_by_key(|change| {
        (
            change.kind,
            change.old_slot.or(change.new_slot),
            change.firm.clone(),
            change.buyer.clone(),
        )
    });
    changes
}

/// Step 3: the capacity after `now` that the kept meetings leave, filled from `weights` as
/// `schedule` fills a mission (pairs that already meet left out, kept meetings reserving their
/// tables and interpreters).
fn fill_free_capacity(
    mission: &Mission,
    kept: &Kept,
    weights: &[PairWeight],
    now: Moment,
    options: &ReplanOptions,
    notes: &mut Vec<String>,
) -> Result<Schedule> {
    let residual = residual_mission(mission, kept, now, notes);
    let meeting_pairs: HashSet<(&str, &str)> = kept
        .fixed
        .iter()
        .map(|m| (m.firm.as_str(), m.buyer.as_str()))
        .collect();
    let free_weights: Vec<PairWeight> = weights
        .iter()
        .filter(|w| !meeting_pairs.contains(&(w.firm.as_str(), w.buyer.as_str())))
        .cloned()
        .collect();
    let mut schedule_options = options.schedule.clone();
    schedule_options.reserved = kept
        .fixed
        .iter()
        .filter(|m| !started_before(mission, now, m.slot.0))
        .map(|m| Reserved {
            slot: m.slot,
            interpreter: m.interpreter.clone(),
        })
        .collect();
    schedule(&residual, &free_weights, &schedule_options)
}

/// Step 4: the kept meetings and the `filled` ones as one timetable, tables numbered again
/// around the kept ones, and the changes from `old` with the places before and after.
fn merged(
    mission: &Mission,
    old: &[Meeting],
    kept: Kept,
    filled: &[Meeting],
) -> (Vec<Meeting>, Vec<Change>) {
    let mut changes = changes(&kept.dropped, filled);
    let mut meetings = kept.fixed;
    // New meetings were numbered without the kept ones: number them again around those.
    meetings.extend(filled.iter().map(|m| Meeting {
        table: None,
        ..m.clone()
    }));
    meetings.sort_by(|a, b| (a.slot, &a.firm, &a.buyer).cmp(&(b.slot, &b.firm, &b.buyer)));
    crate::schedule::assign_tables(mission, &mut meetings);
    let place_now: HashMap<(&FirmId, &BuyerId), String> = meetings
        .iter()
        .map(|m| ((&m.firm, &m.buyer), m.place(mission)))
        .collect();
    let place_before: HashMap<(&FirmId, &BuyerId), String> = old
        .iter()
        .map(|m| ((&m.firm, &m.buyer), m.place(mission)))
        .collect();
    for change in &mut changes {
        let key = (&change.firm, &change.buyer);
        if change.old_slot.is_some() {
            change.old_place = place_before.get(&key).cloned().unwrap_or_default();
        }
        if change.new_slot.is_some() {
            change.new_place = place_now.get(&key).cloned().unwrap_or_default();
        }
    }
    (meetings, changes)
}

/// [`replan`] with the kept meetings of `released` pairs free to move (as `must` pairs).
fn replan_releasing(
    mission: &Mission,
    old: &[Meeting],
    weights: &[PairWeight],
    now: Moment,
    options: &ReplanOptions,
    released: &HashSet<(FirmId, BuyerId)>,
) -> Result<Replanned> {
    let started = std::time::Instant::now();
    // 1-2. The past stays; what is still possible stays.
    let found = found_in(mission, old);
    let limits = mission_limits(mission, &found);
    let kept = keep(mission, &limits, found, now, released);
    let past = kept.past;
    let kept_count = kept.fixed.len() - past;

    // 3. The free capacity after `now`, filled as `schedule` would.
    let mut notes = Vec::new();
    let filled = fill_free_capacity(mission, &kept, weights, now, options, &mut notes)?;

    // 4. The changes, and the new timetable: the kept meetings and the new ones.
    let fixed_value: f64 = kept.fixed.iter().map(|m| m.expected_value_usd).sum();
    let dropped = kept.dropped.len();
    let (meetings, changes) = merged(mission, old, kept, &filled.meetings);
    let value: f64 = meetings.iter().map(|m| m.expected_value_usd).sum();
    let bound = (fixed_value + filled.upper_bound_usd).max(value);
    let gap = crate::schedule::relative_gap(bound, value);
    notes.extend(filled.notes.iter().cloned());
    notes.insert(
        0,
        format!(
            "re-planned at {}T{}: {past} meetings had started, {kept_count} kept, {} dropped, {} new",
            now.date,
            now.time,
            dropped,
            filled.meetings.len()
        ),
    );
    Ok(Replanned {
        schedule: Schedule {
            minimum_coverage: minimum_coverage(mission, &meetings),
            meetings,
            expected_value_usd: value,
            upper_bound_usd: bound,
            gap,
            solver: filled.solver.clone(),
            seconds: started.elapsed().as_secs_f64(),
            proven_optimal: filled.proven_optimal,
            shortfalls: filled.shortfalls.clone(),
            notes,
        },
        changes,
        past,
        kept: kept_count,
        now,
    })
}
