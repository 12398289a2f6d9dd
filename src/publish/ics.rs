//! Calendar files (RFC 5545): one `VEVENT` a meeting, in the session's time zone with its
//! `VTIMEZONE`, a `UID` that depends only on the mission, the pair and the session, and a
//! `SEQUENCE` that rises each time a publication changes the meeting, so that importing a
//! re-published calendar updates events instead of duplicating them.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, NaiveDateTime, Offset, TimeZone};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

use super::agenda::{contact_line, Agenda, Entry};
use super::Status;
use crate::model::{Date, Mission, Session, Side, TimeOfDay};

/// What an earlier publication said about one meeting: its sequence number and a fingerprint of
/// its contents, and whether it was published as cancelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The `SEQUENCE` last published.
    pub sequence: u32,
    /// Hash of everything the event says.
    pub fingerprint: String,
    /// Whether the last publication cancelled it.
    pub cancelled: bool,
    /// The firm and buyer of the pair, so a cancelled meeting can be put on their calendars.
    pub firm: String,
    /// The buyer.
    pub buyer: String,
    /// The session id.
    pub session: String,
    /// The meeting's local start and end as published (`YYYYMMDDTHHMMSS`), so a cancellation
    /// names the time the calendars hold; empty in a state written before they were kept.
    pub start: String,
    /// The local end.
    pub end: String,
    /// The firm's and the buyer's names, for the summary of a cancellation on the other side's
    /// calendar.
    pub firm_name: String,
    /// The buyer's company.
    pub buyer_name: String,
}

/// The calendar state across publications, by `UID`.
pub type CalendarState = BTreeMap<String, Published>;

/// A stable 128-bit hash as 32 hex digits (two FNV-1a 64 passes with different offsets): the
/// same text gives the same digits on every machine and in every version.
pub fn stable_hash(text: &str) -> String {
    let pass = |offset: u64| {
        text.bytes().fold(offset, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    format!(
        "{:016x}{:016x}",
        pass(0xcbf2_9ce4_8422_2325),
        pass(0x6c62_272e_07bb_0142)
    )
}

/// The `UID` of a pair's meeting in a session of a mission.
pub fn event_uid(mission: &str, firm: &str, buyer: &str, session: &str) -> String {
    format!(
        "{}@missionmatch",
        stable_hash(&format!(
            "{mission}\u{1f}{firm}\u{1f}{buyer}\u{1f}{session}"
        ))
    )
}

/// One event before sequencing: its uid and the lines that describe it.
struct Event {
    uid: String,
    /// Hash of the meeting's facts, the same on the firm's and the buyer's calendar.
    fingerprint: String,
    firm: String,
    buyer: String,
    session: String,
    start: String,
    end: String,
    firm_name: String,
    buyer_name: String,
    lines: Vec<String>,
}

/// Escapes a TEXT value (RFC 5545 3.3.11).
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets, never inside a UTF-8 character (RFC 5545 3.1).
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// The `TZID` parameter of a session's times (none when it has no time zone: floating times).
fn tzid(session: &Session) -> String {
    session
        .timezone
        .as_deref()
        .map(|zone| format!(";TZID={zone}"))
        .unwrap_or_default()
}

fn local(date: Date, time: TimeOfDay) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}00",
        date.year,
        date.month,
        date.day,
        time.0 / 60,
        time.0 % 60
    )
}

fn event_lines(mission: &Mission, agenda: &Agenda, entry: &Entry) -> Event {
    let session = &mission.sessions[entry.session];
    let (firm, buyer) = match agenda.side {
        Side::Firm => (agenda.id.clone(), entry.with_id.clone()),
        Side::Buyer => (entry.with_id.clone(), agenda.id.clone()),
    };
    let zone = tzid(session);
    let mut location: Vec<&str> = Vec::new();
    for part in [&session.venue, &session.city, &entry.place] {
        if !part.is_empty() {
            location.push(part);
        }
    }
    let mut description = vec![format!("{} ({})", entry.with_name, entry.with_id)];
    let contact = contact_line(&entry.with_contact);
    if !contact.is_empty() {
        description.push(contact);
    }
    if let Some(language) = &entry.interpreter {
        description.push(format!("Interpreter: {language}"));
    }
    if agenda.side == Side::Firm && !entry.reasons.is_empty() {
        description.push(format!("Why: {}", entry.reasons.join("; ")));
    }
    description.push(format!("Session {} · {}", session.id, mission.name));
    let lines = vec![
        format!("DTSTART{zone}:{}", local(session.date, entry.range.start)),
        format!("DTEND{zone}:{}", local(session.date, entry.range.end)),
        format!("SUMMARY:{}", text(&format!("Meeting: {}", entry.with_name))),
        format!("LOCATION:{}", text(&location.join(", "))),
        format!("DESCRIPTION:{}", text(&description.join("\n"))),
    ];
    // The facts both calendars show, in the firm-buyer orientation. The firm by its own name
    // on both (a buyer's agenda adds `name_en`, which must not make its event differ).
    let firm_name = mission
        .firm_index(&crate::model::FirmId(firm.clone()))
        .map(|index| mission.firms[index].name.clone())
        .unwrap_or_default();
    let (firm_side, buyer_side) = match agenda.side {
        Side::Firm => (
            (&agenda.name, &agenda.contact),
            (&entry.with_name, &entry.with_contact),
        ),
        Side::Buyer => (
            (&entry.with_name, &entry.with_contact),
            (&agenda.name, &agenda.contact),
        ),
    };
    let fingerprint = stable_hash(&format!(
        "{}|{}|{}|{}|{}|{}|{}|{:?}|{:?}|{}|{:?}|{}|{:?}",
        lines[0],
        lines[1],
        session.venue,
        session.city,
        entry.place,
        firm,
        buyer,
        entry.interpreter,
        entry.reasons,
        firm_name,
        firm_side.1,
        buyer_side.0,
        buyer_side.1,
    ));
    Event {
        uid: event_uid(&mission.name, &firm, &buyer, session.id.as_str()),
        fingerprint,
        firm,
        buyer,
        session: session.id.to_string(),
        start: local(session.date, entry.range.start),
        end: local(session.date, entry.range.end),
        firm_name,
        buyer_name: buyer_side.0.clone(),
        lines,
    }
}

/// The zone's `VTIMEZONE` for the given years: its offset at the start of the first year and
/// every change until the end of the last, found from the tz database.
fn vtimezone(zone: Tz, years: &BTreeSet<i32>) -> Vec<String> {
    let (Some(&first), Some(&last)) = (years.first(), years.last()) else {
        return Vec::new();
    };
    let at = |moment: NaiveDateTime| {
        let offset = zone.offset_from_utc_datetime(&moment);
        (
            offset.fix().local_minus_utc(),
            !offset.dst_offset().is_zero(),
            offset.abbreviation().map(str::to_string),
        )
    };
    let start = NaiveDate::from_ymd_opt(first, 1, 1)
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    let end = NaiveDate::from_ymd_opt(last + 1, 1, 1)
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    let format_offset = |seconds: i32| {
        let sign = if seconds < 0 { '-' } else { '+' };
        let minutes = seconds.abs() / 60;
        format!("{sign}{:02}{:02}", minutes / 60, minutes % 60)
    };
    let component = |lines: &mut Vec<String>,
                     utc: NaiveDateTime,
                     from: i32,
                     (to, dst, name): &(i32, bool, Option<String>)| {
        let kind = if *dst { "DAYLIGHT" } else { "STANDARD" };
        let onset = utc + chrono::Duration::seconds(i64::from(from));
        lines.push(format!("BEGIN:{kind}"));
        lines.push(format!("DTSTART:{}", onset.format("%Y%m%dT%H%M%S")));
        lines.push(format!("TZOFFSETFROM:{}", format_offset(from)));
        lines.push(format!("TZOFFSETTO:{}", format_offset(*to)));
        if let Some(name) = name {
            lines.push(format!("TZNAME:{}", text(name)));
        }
        lines.push(format!("END:{kind}"));
    };
    let mut lines = vec![
        "BEGIN:VTIMEZONE".to_string(),
        format!("TZID:{}", zone.name()),
    ];
    let mut current = at(start);
    component(&mut lines, start, current.0, &current);
    // Changes happen at most a few times a year: step a day at a time, then narrow to the second.
    let mut day = start;
    while day < end {
        let next = day + chrono::Duration::days(1);
        let after = at(next);
        if after.0 != current.0 || after.1 != current.1 {
            let (mut low, mut high) = (day, next);
            while high - low > chrono::Duration::seconds(1) {
                let middle = low + (high - low) / 2;
                if at(middle).0 == current.0 && at(middle).1 == current.1 {
                    low = middle;
                } else {
                    high = middle;
                }
            }
            let changed = at(high);
            component(&mut lines, high, current.0, &changed);
            current = changed;
        }
        day = next;
    }
    lines.push("END:VTIMEZONE".to_string());
    lines
}

/// The `VEVENT`s of one calendar as they are written, and the state entries they leave.
struct Events<'a> {
    /// The `DTSTAMP` of every event.
    stamp: &'a str,
    /// The events' content lines, unfolded.
    body: Vec<String>,
    state: Vec<(String, Published)>,
}

impl Events<'_> {
    /// Opens an event: its uid, stamp and sequence.
    fn begin(&mut self, uid: &str, sequence: u32) {
        self.body.push("BEGIN:VEVENT".to_string());
        self.body.push(format!("UID:{uid}"));
        self.body.push(format!("DTSTAMP:{}", self.stamp));
        self.body.push(format!("SEQUENCE:{sequence}"));
    }

    /// Adds a meeting of the schedule; its sequence rises when it changed since `previous`.
    fn meeting(&mut self, event: Event, status: Status, previous: &CalendarState) {
        // A change of status (draft to final) is a change of the event too (contract v3).
        let fingerprint = stable_hash(&format!("{}|{status:?}", event.fingerprint));
        let sequence = match previous.get(&event.uid) {
            Some(before) if before.fingerprint == fingerprint && !before.cancelled => {
                before.sequence
            }
            Some(before) => before.sequence + 1,
            None => 0,
        };
        self.begin(&event.uid, sequence);
        self.body.extend(event.lines);
        self.body.push(format!(
            "STATUS:{}",
            match status {
                Status::Draft => "TENTATIVE",
                Status::Final => "CONFIRMED",
            }
        ));
        self.body.push("END:VEVENT".to_string());
        self.state.push((
            event.uid,
            Published {
                sequence,
                fingerprint,
                cancelled: false,
                firm: event.firm,
                buyer: event.buyer,
                session: event.session,
                start: event.start,
                end: event.end,
                firm_name: event.firm_name,
                buyer_name: event.buyer_name,
            },
        ));
    }

    /// Adds a meeting of `side`'s participant that the last publication had and the schedule
    /// no longer has, as cancelled.
    fn cancelled(&mut self, uid: &str, before: &Published, session: &Session, side: Side) {
        let sequence = if before.cancelled {
            before.sequence
        } else {
            before.sequence + 1
        };
        let zone = tzid(session);
        self.begin(uid, sequence);
        // The time and names it was published with (a state from before they were kept: the
        // session's hours and the ids).
        let or = |kept: &str, fallback: String| {
            if kept.is_empty() {
                fallback
            } else {
                kept.to_string()
            }
        };
        let start = or(&before.start, local(session.date, session.hours.start));
        let end = or(&before.end, local(session.date, session.hours.end));
        let other = match side {
            Side::Firm => or(&before.buyer_name, before.buyer.clone()),
            Side::Buyer => or(&before.firm_name, before.firm.clone()),
        };
        self.body.push(format!("DTSTART{zone}:{start}"));
        self.body.push(format!("DTEND{zone}:{end}"));
        self.body.push(format!(
            "SUMMARY:{}",
            text(&format!("Cancelled: meeting with {other}"))
        ));
        self.body.push("STATUS:CANCELLED".to_string());
        self.body.push("END:VEVENT".to_string());
        self.state.push((
            uid.to_string(),
            Published {
                sequence,
                cancelled: true,
                ..before.clone()
            },
        ));
    }
}

/// The calendar of one agenda, and the state entries of its events. `previous` is the state of
/// the last publication; `stamp` the `DTSTAMP` (UTC, `YYYYMMDDTHHMMSSZ`). Meetings of this
/// participant that `previous` lists but the schedule no longer has are published as cancelled.
pub fn calendar(
    mission: &Mission,
    agenda: &Agenda,
    status: Status,
    previous: &CalendarState,
    stamp: &str,
) -> (String, Vec<(String, Published)>) {
    let events: Vec<Event> = agenda
        .entries
        .iter()
        .map(|entry| event_lines(mission, agenda, entry))
        .collect();
    let live: BTreeSet<String> = events.iter().map(|event| event.uid.clone()).collect();
    let mut written = Events {
        stamp,
        body: Vec::new(),
        state: Vec::new(),
    };
    for event in events {
        written.meeting(event, status, previous);
    }
    // Meetings this participant had in the last publication and has no longer.
    let mut cancelled_zones: Vec<(&str, i32)> = Vec::new();
    for (uid, before) in previous {
        let mine = match agenda.side {
            Side::Firm => before.firm == agenda.id,
            Side::Buyer => before.buyer == agenda.id,
        };
        if !mine || live.contains(uid) {
            continue;
        }
        let Some(session) = mission
            .sessions
            .iter()
            .find(|session| session.id.as_str() == before.session)
        else {
            continue;
        };
        written.cancelled(uid, before, session, agenda.side);
        cancelled_zones.extend(
            session
                .timezone
                .as_deref()
                .map(|zone| (zone, session.date.year)),
        );
    }
    let zones = zones_and_years(mission, agenda, cancelled_zones);
    let out = write_calendar(mission, agenda, &zones, written.body);
    (out, written.state)
}

/// The time zones the calendar's events are in, with the years each needs described: the
/// agenda's meetings' and the cancelled meetings'.
fn zones_and_years<'a>(
    mission: &'a Mission,
    agenda: &Agenda,
    cancelled_zones: Vec<(&'a str, i32)>,
) -> BTreeMap<&'a str, BTreeSet<i32>> {
    let mut zones: BTreeMap<&str, BTreeSet<i32>> = BTreeMap::new();
    for entry in &agenda.entries {
        let session = &mission.sessions[entry.session];
        if let Some(zone) = &session.timezone {
            zones.entry(zone).or_default().insert(session.date.year);
        }
    }
    for (zone, year) in cancelled_zones {
        zones.entry(zone).or_default().insert(year);
    }
    zones
}

/// The calendar file: its header, the `VTIMEZONE` of each zone, the events, folded.
fn write_calendar(
    mission: &Mission,
    agenda: &Agenda,
    zones: &BTreeMap<&str, BTreeSet<i32>>,
    body: Vec<String>,
) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//missionmatch//agenda//EN".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        "METHOD:PUBLISH".to_string(),
        format!(
            "X-WR-CALNAME:{}",
            text(&format!("{} - {}", mission.name, agenda.name))
        ),
    ];
    for (zone, years) in zones {
        if let Ok(zone) = zone.parse::<Tz>() {
            lines.extend(vtimezone(zone, years));
        }
    }
    lines.extend(body);
    lines.push("END:VCALENDAR".to_string());
    let mut out = String::new();
    for line in &lines {
        fold(line, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fold_at_75_octets_between_characters() {
        let mut out = String::new();
        let line = format!("SUMMARY:{}", "가".repeat(40));
        fold(&line, &mut out);
        for piece in out.split("\r\n").filter(|piece| !piece.is_empty()) {
            assert!(piece.len() <= 75, "{} octets: {piece}", piece.len());
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded.trim_end(), line);
    }

    #[test]
    fn text_escapes_the_separators() {
        assert_eq!(text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }

    #[test]
    fn vtimezone_lists_the_changes_of_a_zone_with_summer_time() {
        let zone: Tz = "Europe/Berlin".parse().unwrap();
        let lines = vtimezone(zone, &BTreeSet::from([2017]));
        let text = lines.join("\n");
        // 2017: summer time from 26 March 02:00 (+0100 -> +0200), back on 29 October 03:00.
        assert!(
            text.contains(
                "BEGIN:DAYLIGHT\nDTSTART:20170326T020000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "BEGIN:STANDARD\nDTSTART:20171029T030000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100"
            ),
            "{text}"
        );
        let kolkata =
            vtimezone("Asia/Kolkata".parse().unwrap(), &BTreeSet::from([2017])).join("\n");
        assert_eq!(kolkata.matches("BEGIN:STANDARD").count(), 1, "{kolkata}");
        assert!(kolkata.contains("TZOFFSETTO:+0530"));
    }

    #[test]
    fn uids_depend_on_the_mission_pair_and_session_only() {
        let a = event_uid("M", "F01", "IN-001", "DEL-1");
        assert_eq!(a, event_uid("M", "F01", "IN-001", "DEL-1"));
        assert_ne!(a, event_uid("M", "F01", "IN-001", "DEL-2"));
        assert_ne!(a, event_uid("M", "F0", "1IN-001", "DEL-1"));
        assert!(a.ends_with("@missionmatch"));
    }
}
