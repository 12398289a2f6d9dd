//! The documents organisers hand out (contract v2, "documents"): per-participant agendas as PDF,
//! HTML and calendar files, the venue grid, the Excel workbook and the mail-merge list.
//!
//! Everything here is pure: [`publish`] turns a mission and its meetings into named byte
//! buffers; `io` writes them. Agendas are drawn from one record per participant
//! ([`agenda::Agenda`]) so that the PDF, the page and the calendar cannot disagree.

pub mod agenda;
pub mod html;
pub mod ics;
mod pdf;
mod workbook;

use std::collections::BTreeMap;

use crate::error::Result;
use crate::model::{Mission, Side};
use crate::schedule::Meeting;

pub use agenda::{agendas, Agenda, Entry};
pub use ics::{event_uid, CalendarState, Published};
pub use pdf::agenda_pdf;

/// Whether a publication is provisional or final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    /// Provisional: agendas say `DRAFT`; calendar events are tentative.
    #[default]
    Draft,
    /// Final: handed out for the event.
    Final,
}

impl Status {
    /// Reads `draft` or `final`.
    pub fn parse(text: &str) -> Option<Status> {
        match text.trim().to_ascii_lowercase().as_str() {
            "draft" => Some(Status::Draft),
            "final" => Some(Status::Final),
            _ => None,
        }
    }

    /// The contract's word.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Final => "final",
        }
    }
}

/// The words printed on an agenda: firms' agendas in Korean and English, buyers' in English.
pub struct Labels {
    pub title: &'static str,
    pub time: &'static str,
    pub place: &'static str,
    pub with: &'static str,
    pub interpreter: &'static str,
    pub reasons: &'static str,
    pub booth: &'static str,
    pub session: &'static str,
    pub organiser: &'static str,
    pub draft: &'static str,
    pub final_: &'static str,
    pub meetings: &'static str,
    pub contact: &'static str,
    pub continued: &'static str,
    /// What an agenda without meetings says (its calendar file cancels any earlier ones).
    pub no_meetings: &'static str,
    /// Said on the agenda of a participant that withdrew.
    pub withdrawn: &'static str,
}

impl Labels {
    /// The labels of one side's agendas.
    pub fn for_side(side: Side) -> Labels {
        match side {
            Side::Firm => Labels {
                title: "상담 일정표 Meeting agenda",
                time: "시간 Time",
                place: "장소 Place",
                with: "바이어 Buyer",
                interpreter: "통역 Interpreter",
                reasons: "매칭 사유 Why this buyer",
                booth: "부스 Booth",
                session: "세션 Session",
                organiser: "주최 Organiser",
                draft: "초안 DRAFT",
                final_: "확정 FINAL",
                meetings: "상담 Meetings",
                contact: "담당자 Contact",
                continued: "계속 continued",
                no_meetings:
                    "현재 예정된 상담이 없습니다. No meetings are scheduled for you at present.",
                withdrawn: "참가가 취소되었습니다: 남은 상담은 모두 취소되었습니다. \
                    You have withdrawn from the mission: your remaining meetings are cancelled.",
            },
            Side::Buyer => Labels {
                title: "Meeting agenda",
                time: "Time",
                place: "Place",
                with: "Korean company",
                interpreter: "Interpreter",
                reasons: "Why",
                booth: "Booth",
                session: "Session",
                organiser: "Organiser",
                draft: "DRAFT",
                final_: "FINAL",
                meetings: "Meetings",
                contact: "Contact",
                continued: "continued",
                no_meetings: "No meetings are scheduled for you at present.",
                withdrawn:
                    "You have withdrawn from the mission: your remaining meetings are cancelled.",
            },
        }
    }
}

/// One session's grid: its slots (rows), the firms with a meeting in it (columns), and which
/// meeting fills each cell.
pub struct SessionGrid {
    /// Slot indices of the session, in time order.
    pub slots: Vec<usize>,
    /// Firm indices with at least one meeting in the session, in the order of `firms.csv`.
    pub firms: Vec<usize>,
    cells: BTreeMap<(usize, usize), usize>,
}

impl SessionGrid {
    /// The grid of session `session` from the meetings.
    pub fn new(mission: &Mission, meetings: &[Meeting], session: usize) -> SessionGrid {
        let slots: Vec<usize> = mission
            .slots
            .iter()
            .filter(|slot| slot.session == session)
            .map(|slot| slot.id.0)
            .collect();
        let mut cells = BTreeMap::new();
        let mut firms = Vec::new();
        for (index, meeting) in meetings.iter().enumerate() {
            let Some(row) = slots.iter().position(|&slot| slot == meeting.slot.0) else {
                continue;
            };
            let Some(firm) = mission.firm_index(&meeting.firm) else {
                continue;
            };
            cells.insert((row, firm), index);
            firms.push(firm);
        }
        firms.sort_unstable();
        firms.dedup();
        SessionGrid {
            slots,
            firms,
            cells,
        }
    }

    /// The meeting in a row (position in `slots`) and firm column, if any.
    pub fn cell(&self, row: usize, firm: usize) -> Option<usize> {
        self.cells.get(&(row, firm)).copied()
    }
}

/// What one publication consists of: every file, by path relative to the output folder, and
/// the calendar state to keep for the next publication.
pub struct Documents {
    /// `agendas/firms/F01.pdf` and the like, with their bytes.
    pub agendas: Vec<(String, Vec<u8>)>,
    /// `schedule.xlsx`, `grid.html`, `mailmerge.csv` (the latter as text rows).
    pub files: Vec<(String, Vec<u8>)>,
    /// The rows of `mailmerge.csv`: kind, id, name, contact, email, agenda_pdf, agenda_ics,
    /// meetings.
    pub mailmerge: Vec<[String; 8]>,
    /// The calendar state after this publication.
    pub calendar: CalendarState,
    /// What the reader of the documents should know: characters the PDF font cannot print
    /// (emoji), left out of an agenda, naming it.
    pub warnings: Vec<String>,
}

/// The characters a PDF agenda cannot print, with the file it concerns, when there are any.
fn unprintable_warning(mission: &Mission, agenda: &Agenda, path: &str) -> Option<String> {
    let mut text = format!(
        "{}\n{}\n{}",
        mission.name,
        agenda.name,
        agenda::contact_line(&agenda.contact)
    );
    for entry in &agenda.entries {
        for part in [
            &entry.with_name,
            &entry.with_contact.person,
            &entry.with_contact.email,
            &entry.with_contact.phone,
            &entry.with_products,
            &entry.place,
        ] {
            text.push('\n');
            text.push_str(part);
        }
        text.push_str(&entry.reasons.join("\n"));
    }
    let missing = pdf::unprintable(&text);
    (!missing.is_empty()).then(|| {
        format!(
            "{path}.pdf: the font has no glyph for {} (left out): {}",
            if missing.len() == 1 {
                "this character"
            } else {
                "these characters"
            },
            missing.iter().collect::<String>()
        )
    })
}

/// A file name for a participant id: ids may hold characters a file system refuses (`/`, `:`),
/// so anything but letters, digits, `-`, `_` and `.` becomes `_`, and a leading `.` too.
/// Collisions get `-2`, `-3`, ... in the order given.
pub fn file_stems(ids: &[&str]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    ids.iter()
        .map(|id| {
            let mut stem: String = id
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            if stem.starts_with('.') || stem.is_empty() {
                stem.insert(0, '_');
            }
            let mut candidate = stem.clone();
            let mut counter = 2;
            while !seen.insert(candidate.to_lowercase()) {
                candidate = format!("{stem}-{counter}");
                counter += 1;
            }
            candidate
        })
        .collect()
}

/// Builds every document of a publication. `previous` is the calendar state of the last
/// publication into the same folder; `stamp` the calendar's `DTSTAMP` (UTC,
/// `YYYYMMDDTHHMMSSZ`). Agendas are built on all cores.
pub fn publish(
    mission: &Mission,
    meetings: &[Meeting],
    status: Status,
    previous: &CalendarState,
    stamp: &str,
) -> Result<Documents> {
    let (firm_agendas, buyer_agendas) = agenda::agendas_after(mission, meetings, previous);
    let mut jobs: Vec<(&Agenda, String)> = Vec::new();
    let mut mailmerge = Vec::new();
    let mut warnings = Vec::new();
    for (kind, folder, list) in [
        ("firm", "firms", &firm_agendas),
        ("buyer", "buyers", &buyer_agendas),
    ] {
        let ids: Vec<&str> = list.iter().map(|agenda| agenda.id.as_str()).collect();
        for (agenda, stem) in list.iter().zip(file_stems(&ids)) {
            let path = format!("agendas/{folder}/{stem}");
            mailmerge.push([
                kind.to_string(),
                agenda.id.clone(),
                agenda.name.clone(),
                agenda.contact.person.clone(),
                agenda.contact.email.clone(),
                format!("{path}.pdf"),
                format!("{path}.ics"),
                agenda.entries.len().to_string(),
            ]);
            warnings.extend(unprintable_warning(mission, agenda, &path));
            jobs.push((agenda, path));
        }
    }
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 16);
    let chunk = jobs.len().div_ceil(threads).max(1);
    type Made = (Vec<(String, Vec<u8>)>, Vec<(String, Published)>);
    let results: Vec<Result<Made>> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || -> Result<Made> {
                    let mut files = Vec::new();
                    let mut state = Vec::new();
                    for (agenda, stem) in part {
                        files.push((format!("{stem}.pdf"), agenda_pdf(mission, agenda, status)?));
                        files.push((
                            format!("{stem}.html"),
                            html::agenda_page(mission, agenda, status).into_bytes(),
                        ));
                        let (calendar, events) =
                            ics::calendar(mission, agenda, status, previous, stamp);
                        files.push((format!("{stem}.ics"), calendar.into_bytes()));
                        state.extend(events);
                    }
                    Ok((files, state))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle.join().unwrap_or_else(|_| {
                    Err(crate::error::Error::Unsupported(
                        "an agenda could not be drawn (a worker thread panicked)".to_string(),
                    ))
                })
            })
            .collect()
    });
    let mut agenda_files = Vec::new();
    let mut states = Vec::new();
    for result in results {
        let (files, state) = result?;
        agenda_files.extend(files);
        states.push(state);
    }
    let calendar = merge_calendar_state(states, previous);

    let files = vec![
        (
            "grid.html".to_string(),
            html::grid_page(mission, meetings, status).into_bytes(),
        ),
        (
            "schedule.xlsx".to_string(),
            workbook::workbook(mission, meetings, status)?,
        ),
    ];
    Ok(Documents {
        agendas: agenda_files,
        files,
        mailmerge,
        calendar,
        warnings,
    })
}

/// The calendar state a publication of `meetings` after `previous` leaves (what [`publish`]
/// returns with the files), without drawing any document: for a server that serves calendars
/// one at a time.
pub fn calendar_state(
    mission: &Mission,
    meetings: &[Meeting],
    status: Status,
    previous: &CalendarState,
) -> CalendarState {
    let (firms, buyers) = agenda::agendas_after(mission, meetings, previous);
    let states = firms
        .iter()
        .chain(&buyers)
        .map(|agenda| ics::calendar(mission, agenda, status, previous, "").1);
    merge_calendar_state(states, previous)
}

fn merge_calendar_state(
    states: impl IntoIterator<Item = Vec<(String, Published)>>,
    previous: &CalendarState,
) -> CalendarState {
    let mut calendar = CalendarState::new();
    for state in states {
        for (uid, published) in state {
            // A meeting is on two calendars (firm and buyer) with the same contents; keep one.
            calendar.entry(uid).or_insert(published);
        }
    }
    // Meetings cancelled earlier stay in the state, so a later publication does not re-bump them.
    for (uid, before) in previous {
        calendar.entry(uid.clone()).or_insert_with(|| Published {
            cancelled: true,
            ..before.clone()
        });
    }
    calendar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_safe_and_distinct() {
        assert_eq!(
            file_stems(&["F01", "../etc", "a/b", "A/B", "a_b", ".x", "IN-001"]),
            vec!["F01", "_.._etc", "a_b", "A_B-2", "a_b-3", "_.x", "IN-001"]
        );
    }

    #[test]
    fn status_words_round_trip() {
        for status in [Status::Draft, Status::Final] {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
        assert_eq!(Status::parse("FINAL"), Some(Status::Final));
        assert_eq!(Status::parse("done"), None);
    }
}
