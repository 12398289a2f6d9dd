//! What one participant's agenda says, independent of how it is printed: the meetings in time
//! order with everything a delegate needs at the venue. PDF, HTML and calendar files are all
//! drawn from these records, so they cannot disagree.

use std::collections::HashSet;

use crate::model::{BuyerId, Contact, FirmId, Mission, Session, Side, Status, TimeRange};
use crate::publish::ics::CalendarState;
use crate::schedule::Meeting;

/// One meeting as it appears on one participant's agenda.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Position of the meeting in the schedule.
    pub meeting: usize,
    /// Position of the session in [`Mission::sessions`].
    pub session: usize,
    /// Local start and end.
    pub range: TimeRange,
    /// Where the meeting happens: the firm's booth (empty when none is given).
    pub place: String,
    /// The other side's id.
    pub with_id: String,
    /// The other side's name (firm name or buyer company).
    pub with_name: String,
    /// The other side's country (buyers only; empty for firms).
    pub with_country: String,
    /// The other side's delegate.
    pub with_contact: Contact,
    /// What the other side makes, in a language this participant reads (a firm's products on a
    /// buyer's agenda, contract v3; empty on a firm's).
    pub with_products: String,
    /// The interpreter's language, when one is needed.
    pub interpreter: Option<String>,
    /// Why the pair meets (only firms' agendas print them).
    pub reasons: Vec<String>,
}

/// One participant's agenda.
#[derive(Debug, Clone, PartialEq)]
pub struct Agenda {
    /// Firm or buyer.
    pub side: Side,
    /// The participant's id.
    pub id: String,
    /// Firm name or buyer company.
    pub name: String,
    /// The participant's delegate.
    pub contact: Contact,
    /// The firm's booth (empty for buyers and when not given).
    pub booth: String,
    /// Meetings in time order.
    pub entries: Vec<Entry>,
    /// The participant withdrew (`status = cancelled`): its agenda keeps only what it held.
    pub withdrawn: bool,
}

impl Agenda {
    /// The agenda of the participant `id` of `side` with these entries (in time order); `None`
    /// for an id the mission does not know.
    pub fn of(mission: &Mission, side: Side, id: &str, entries: Vec<Entry>) -> Option<Agenda> {
        let index = match side {
            Side::Firm => mission.firm_index(&FirmId(id.to_string()))?,
            Side::Buyer => mission.buyer_index(&BuyerId(id.to_string()))?,
        };
        Some(Agenda::at(mission, side, index, entries))
    }

    /// The agenda of the participant at `index` of its side's list.
    fn at(mission: &Mission, side: Side, index: usize, entries: Vec<Entry>) -> Agenda {
        let (id, name, contact, booth, status) = match side {
            Side::Firm => {
                let firm = &mission.firms[index];
                (
                    firm.id.to_string(),
                    firm.name.clone(),
                    firm.contact.clone(),
                    firm.booth.clone(),
                    firm.status,
                )
            }
            Side::Buyer => {
                let buyer = &mission.buyers[index];
                (
                    buyer.id.to_string(),
                    buyer.company.clone(),
                    buyer.contact.clone(),
                    String::new(),
                    buyer.status,
                )
            }
        };
        Agenda {
            side,
            id,
            name,
            contact,
            booth,
            entries,
            withdrawn: status == Status::Cancelled,
        }
    }

    /// Entries grouped by session, in time order (sessions in the order of their first meeting).
    pub fn by_session(&self) -> Vec<(usize, Vec<&Entry>)> {
        let mut groups: Vec<(usize, Vec<&Entry>)> = Vec::new();
        for entry in &self.entries {
            match groups.last_mut() {
                Some((session, list)) if *session == entry.session => list.push(entry),
                _ => groups.push((entry.session, vec![entry])),
            }
        }
        groups
    }
}

/// Every active participant's agenda, firms then buyers, each in the order of the mission's
/// files; participants without a meeting get none. A participant that withdrew gets none either;
/// its past meetings stay on the others'. Meetings must name known firms, buyers and slots (as
/// [`crate::read_schedule`] guarantees).
pub fn agendas(mission: &Mission, meetings: &[Meeting]) -> (Vec<Agenda>, Vec<Agenda>) {
    agendas_of(mission, meetings, |status| status == Status::Active)
}

/// The agendas of the participants with a meeting whose status `keep` takes.
fn agendas_of(
    mission: &Mission,
    meetings: &[Meeting],
    keep: impl Fn(Status) -> bool,
) -> (Vec<Agenda>, Vec<Agenda>) {
    let mut firm_entries: Vec<Vec<Entry>> = vec![Vec::new(); mission.firms.len()];
    let mut buyer_entries: Vec<Vec<Entry>> = vec![Vec::new(); mission.buyers.len()];
    // Looked up once: a large mission has thousands of meetings and participants.
    let (firm_at, buyer_at) = (mission.firm_positions(), mission.buyer_positions());
    for (index, meeting) in meetings.iter().enumerate() {
        let (Some(&f), Some(&b)) = (firm_at.get(&meeting.firm), buyer_at.get(&meeting.buyer))
        else {
            continue;
        };
        let (firm, buyer) = (&mission.firms[f], &mission.buyers[b]);
        let slot = &mission.slots[meeting.slot.0];
        let common = Entry {
            meeting: index,
            session: slot.session,
            range: slot.range,
            place: meeting.place(mission),
            with_id: buyer.id.to_string(),
            with_name: buyer.company.clone(),
            with_country: buyer.country.clone(),
            with_contact: buyer.contact.clone(),
            with_products: String::new(),
            interpreter: meeting.interpreter.clone(),
            reasons: meeting.reasons.clone(),
        };
        buyer_entries[b].push(Entry {
            with_id: firm.id.to_string(),
            with_name: firm.name_for_buyers(),
            with_country: String::new(),
            with_contact: firm.contact.clone(),
            with_products: firm.products_for(&buyer.languages).to_string(),
            ..common.clone()
        });
        firm_entries[f].push(common);
    }
    let order = |entries: &mut Vec<Entry>| {
        entries.sort_by(|a, b| {
            let key = |entry: &Entry| (mission.sessions[entry.session].date, entry.range.start);
            key(a).cmp(&key(b)).then(a.with_id.cmp(&b.with_id))
        });
    };
    let firms = (mission.firms.iter().zip(firm_entries).enumerate())
        .filter(|(_, (firm, entries))| !entries.is_empty() && keep(firm.status))
        .map(|(index, (_, mut entries))| {
            order(&mut entries);
            Agenda::at(mission, Side::Firm, index, entries)
        })
        .collect();
    let buyers = (mission.buyers.iter().zip(buyer_entries).enumerate())
        .filter(|(_, (buyer, entries))| !entries.is_empty() && keep(buyer.status))
        .map(|(index, (_, mut entries))| {
            order(&mut entries);
            Agenda::at(mission, Side::Buyer, index, entries)
        })
        .collect();
    (firms, buyers)
}

/// One participant's agenda from its meetings in `meetings`, whatever its status: a
/// participant that withdrew keeps the meetings that took place (a re-planned timetable holds
/// no other of its), as [`agendas_after`] gives it to `publish`. `None` for an id the mission
/// does not know.
pub fn agenda_of(mission: &Mission, meetings: &[Meeting], side: Side, id: &str) -> Option<Agenda> {
    let (firms, buyers) = agendas_of(mission, meetings, |_| true);
    let list = match side {
        Side::Firm => firms,
        Side::Buyer => buyers,
    };
    (list.into_iter().find(|agenda| agenda.id == id))
        .or_else(|| Agenda::of(mission, side, id, Vec::new()))
}

/// The agendas of a publication after `previous`: [`agendas`], and for each participant whose
/// events an earlier publication holds but who has no agenda there (it lost every meeting, or
/// withdrew), an agenda of what it still has (a withdrawn one's meetings that took place; a
/// timetable that publishes has no other of its), so that its calendar file carries the
/// cancellations, in every later publication as on the other calendars (without it, the file
/// would vanish and the participant's calendar keep the meetings). Each list stays in the order
/// of the mission's files.
pub fn agendas_after(
    mission: &Mission,
    meetings: &[Meeting],
    previous: &CalendarState,
) -> (Vec<Agenda>, Vec<Agenda>) {
    let (firms, buyers) = agendas_of(mission, meetings, |_| true);
    let (firms_with_events, buyers_with_events): (HashSet<&str>, HashSet<&str>) = (
        previous.values().map(|event| event.firm.as_str()).collect(),
        previous
            .values()
            .map(|event| event.buyer.as_str())
            .collect(),
    );
    let had_meetings = |side: Side, id: &str| match side {
        Side::Firm => firms_with_events.contains(id),
        Side::Buyer => buyers_with_events.contains(id),
    };
    // A withdrawn participant's agenda (its meetings held) counts only if its calendar has
    // events to cancel; a participant without an agenda gets an empty one in that case.
    let complete = |side: Side, list: Vec<Agenda>, ids: Vec<&str>| {
        let mut list = list.into_iter().peekable();
        let mut all = Vec::new();
        for id in ids {
            match list.next_if(|agenda| agenda.id == id) {
                Some(agenda) if !agenda.withdrawn || had_meetings(side, id) => all.push(agenda),
                Some(_) => {}
                None if had_meetings(side, id) => {
                    all.extend(Agenda::of(mission, side, id, Vec::new()))
                }
                None => {}
            }
        }
        all
    };
    let firm_ids = mission.firms.iter().map(|f| f.id.as_str()).collect();
    let buyer_ids = mission.buyers.iter().map(|b| b.id.as_str()).collect();
    (
        complete(Side::Firm, firms, firm_ids),
        complete(Side::Buyer, buyers, buyer_ids),
    )
}

/// The English name of an interpreter's language with its code (`Hindi (hi)`); the code alone
/// for languages not listed here.
pub fn language_name(code: &str) -> String {
    let name = match code {
        "ar" => "Arabic",
        "bn" => "Bengali",
        "de" => "German",
        "en" => "English",
        "es" => "Spanish",
        "fr" => "French",
        "gu" => "Gujarati",
        "hi" => "Hindi",
        "id" => "Indonesian",
        "ja" => "Japanese",
        "km" => "Khmer",
        "kn" => "Kannada",
        "ko" => "Korean",
        "ml" => "Malayalam",
        "mr" => "Marathi",
        "ms" => "Malay",
        "pa" => "Punjabi",
        "pt" => "Portuguese",
        "ru" => "Russian",
        "ta" => "Tamil",
        "te" => "Telugu",
        "th" => "Thai",
        "ur" => "Urdu",
        "vi" => "Vietnamese",
        "zh" => "Chinese",
        _ => return code.to_string(),
    };
    format!("{name} ({code})")
}

/// A contact on one line: `Name · email · phone`, empty parts left out.
pub fn contact_line(contact: &Contact) -> String {
    [&contact.person, &contact.email, &contact.phone]
        .into_iter()
        .filter(|part| !part.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The UTC offset of the session's zone on its date, as `UTC+05:30`, when it has a zone.
pub fn utc_offset(session: &Session) -> Option<String> {
    use chrono::{Offset, TimeZone};
    let zone: chrono_tz::Tz = session.timezone.as_deref()?.parse().ok()?;
    let noon = chrono::NaiveDate::from_ymd_opt(
        session.date.year,
        u32::from(session.date.month),
        u32::from(session.date.day),
    )?
    .and_hms_opt(12, 0, 0)?;
    let seconds = zone
        .offset_from_local_datetime(&noon)
        .earliest()?
        .fix()
        .local_minus_utc();
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.abs() / 60;
    Some(format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60))
}

/// The session's heading line in English: `Mon 27 Mar 2017 · New Delhi · Hotel Lalit`.
pub fn session_heading(session: &Session) -> String {
    heading(session, session.date.long_english())
}

/// The session's heading line in Korean and English.
pub fn session_heading_bilingual(session: &Session) -> String {
    heading(
        session,
        format!(
            "{} / {}",
            session.date.long_korean(),
            session.date.long_english()
        ),
    )
}

fn heading(session: &Session, date: String) -> String {
    let mut parts = vec![date, session.city.clone()];
    if !session.venue.is_empty() {
        parts.push(session.venue.clone());
    }
    parts.retain(|part| !part.is_empty());
    parts.join(" · ")
}

/// The time-zone note of a session: `Asia/Kolkata, UTC+05:30`, or the local-time note.
pub fn zone_note(session: &Session) -> String {
    match (&session.timezone, utc_offset(session)) {
        (Some(zone), Some(offset)) => format!("{zone}, {offset}"),
        _ => "local time".to_string(),
    }
}
