//! `publish`'s files: the schedule it reads (`schedule.json`), and what it writes: the agendas
//! folder (swapped in whole), `grid.html`, `schedule.xlsx`, `mailmerge.csv`, and the calendar
//! state that makes re-published calendars update their events.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use super::csv::{csv_with_header, parse_table, push_line};
use super::read::split_list;
use super::write::{settle, write_atomically, write_set_with_folder};
use crate::error::{Error, Problem, Result};
use crate::model::{BuyerId, FirmId, Mission, SlotId, Status};
use crate::publish::{CalendarState, Documents, Published, Status as PublishStatus};
use crate::schedule::Meeting;

/// A schedule as published: its meetings and the status its summary gives (if any).
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleFile {
    /// The meetings, in the file's order.
    pub meetings: Vec<Meeting>,
    /// `summary.status`, when the file has one.
    pub status: Option<PublishStatus>,
}

/// The line of each meeting object, in order: the line of its `"firm"` key, counting from the
/// `"meetings"` array (each meeting has exactly one). Found in one pass over the text.
fn meeting_lines(text: &str) -> Vec<usize> {
    let Some(start) = text.find("\"meetings\"") else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    let mut line = text[..start].matches('\n').count() + 1;
    let mut counted = start;
    for (offset, _) in text[start..].match_indices("\"firm\"") {
        let at = start + offset;
        line += text[counted..at].matches('\n').count();
        counted = at;
        lines.push(line);
    }
    lines
}

/// What reading a schedule does with a meeting of a participant the folder now calls cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelledMeetings {
    /// A problem: documents must not print it (`publish`).
    Refuse,
    /// Read it: re-planning is what handles it (`replan`).
    Accept,
}

/// Reads a `schedule.json` written by `schedule` (or `replan`) for this mission. Every meeting
/// must name a known firm and buyer and a slot of the mission (its session and start time), so
/// that agendas print what the timetable says; each problem names the meeting's line.
pub fn read_schedule(
    path: &Path,
    mission: &Mission,
    cancelled: CancelledMeetings,
) -> Result<ScheduleFile> {
    let file = path.display().to_string();
    let folder = path.parent().unwrap_or(Path::new("."));
    let _reading = settle(folder)?;
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bytes = match super::source::read_bytes(folder, &name) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            return Err(Error::Invalid(vec![Problem::new(
            &file,
            0,
            "file",
            "no such schedule file (run `missionmatch schedule` first, or pass --schedule FILE)",
        )]))
        }
        Err(problem) => return Err(Error::Invalid(vec![problem])),
    };
    parse_schedule(&file, &bytes, mission, cancelled)
}

/// Reads the bytes of a `schedule.json` (as [`read_schedule`] does a file); `file` names it in
/// problems.
pub fn parse_schedule(
    file: &str,
    bytes: &[u8],
    mission: &Mission,
    cancelled: CancelledMeetings,
) -> Result<ScheduleFile> {
    let text = String::from_utf8_lossy(bytes);
    let document: Value =
        serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|error| {
            Error::Invalid(vec![Problem::new(
                file,
                error.line(),
                format!("column {}", error.column()),
                format!("not valid JSON: {error}"),
            )])
        })?;
    let Some(items) = document.get("meetings").and_then(Value::as_array) else {
        return Err(Error::Invalid(vec![Problem::new(
            file,
            1,
            "meetings",
            "no \"meetings\" list: this is not a schedule.json",
        )]));
    };
    let lines = meeting_lines(&text);
    let reader = MeetingReader {
        file,
        mission,
        slots: slots_by_start(mission),
        // A re-planned schedule keeps the meetings of since-cancelled participants that had
        // started: those took place and may be printed.
        replanned_at: document
            .pointer("/summary/replanned_at")
            .and_then(Value::as_str),
        cancelled,
    };
    let mut problems = Vec::new();
    let mut meetings = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let line = lines.get(index).copied().unwrap_or(0);
        meetings.extend(reader.meeting(item, line, &mut problems));
    }
    let status = document
        .pointer("/summary/status")
        .and_then(Value::as_str)
        .and_then(PublishStatus::parse);
    if problems.is_empty() {
        Ok(ScheduleFile { meetings, status })
    } else {
        Err(Error::Invalid(problems))
    }
}

/// The mission's slots by session and start as schedule.json writes them (`2017-03-27T09:30`).
fn slots_by_start(mission: &Mission) -> HashMap<(usize, String), usize> {
    mission
        .slots
        .iter()
        .map(|slot| {
            let session = &mission.sessions[slot.session];
            (
                (
                    slot.session,
                    format!("{}T{}", session.date, slot.range.start),
                ),
                slot.id.0,
            )
        })
        .collect()
}

/// What reading a schedule's meetings needs to know about the file and the mission.
struct MeetingReader<'a> {
    /// The file, as problems name it.
    file: &'a str,
    mission: &'a Mission,
    /// [`slots_by_start`].
    slots: HashMap<(usize, String), usize>,
    /// `summary.replanned_at`, when the schedule was re-planned.
    replanned_at: Option<&'a str>,
    cancelled: CancelledMeetings,
}

impl MeetingReader<'_> {
    /// One meeting of the file, when it names a known firm, buyer and slot; otherwise its
    /// problems, at its line, are added.
    fn meeting(&self, item: &Value, line: usize, problems: &mut Vec<Problem>) -> Option<Meeting> {
        let field = |key: &str| item.get(key).and_then(Value::as_str).unwrap_or_default();
        let mut problem = |column: &str, message: String| {
            problems.push(Problem::new(self.file, line, column, message));
        };
        let (firm, buyer, session, start) = (
            field("firm"),
            field("buyer"),
            field("session"),
            field("start"),
        );
        let took_place = self.replanned_at.is_some_and(|moment| start < moment);
        let cancelled = if took_place {
            CancelledMeetings::Accept
        } else {
            self.cancelled
        };
        let mission = self.mission;
        let firm_index = mission.firm_index(&FirmId(firm.to_string()));
        let firm_status = firm_index.map(|f| mission.firms[f].status);
        if let Some(message) =
            participant_problem("firm", "firms.csv", firm, firm_status, cancelled)
        {
            problem("firm", message);
        }
        let buyer_index = mission.buyer_index(&BuyerId(buyer.to_string()));
        let buyer_status = buyer_index.map(|b| mission.buyers[b].status);
        if let Some(message) =
            participant_problem("buyer", "buyers.csv", buyer, buyer_status, cancelled)
        {
            problem("buyer", message);
        }
        let slot = match self.slot(session, start) {
            Ok(slot) => slot,
            Err((column, message)) => {
                problem(column, message);
                return None;
            }
        };
        if firm_index.is_none() || buyer_index.is_none() {
            return None;
        }
        Some(meeting_of(item, firm, buyer, slot))
    }

    /// The slot a meeting names by its session and start, or the column that is wrong and why.
    fn slot(
        &self,
        session: &str,
        start: &str,
    ) -> std::result::Result<usize, (&'static str, String)> {
        let mission = self.mission;
        let Some(session_index) = mission
            .sessions
            .iter()
            .position(|s| s.id.as_str() == session)
        else {
            return Err((
                "session",
                format!("unknown session \"{session}\" (not in mission.toml)"),
            ));
        };
        let session_record = &mission.sessions[session_index];
        match self.slots.get(&(session_index, start.to_string())) {
            Some(&slot) => Ok(slot),
            None => Err((
                "start",
                format!(
                    "\"{start}\" is not the start of a slot of session {session} (slots: {}T{} and every {} minutes)",
                    session_record.date,
                    session_record.hours.start,
                    session_record.slot_minutes + session_record.break_minutes
                ),
            )),
        }
    }
}

/// The meeting of a firm and a buyer in a slot, with what the file says of it.
fn meeting_of(item: &Value, firm: &str, buyer: &str, slot: usize) -> Meeting {
    Meeting {
        firm: FirmId(firm.to_string()),
        buyer: BuyerId(buyer.to_string()),
        slot: SlotId(slot),
        interpreter: item
            .get("interpreter")
            .and_then(Value::as_str)
            .filter(|language| !language.is_empty())
            .map(str::to_string),
        expected_value_usd: item
            .get("expected_value_usd")
            .and_then(Value::as_f64)
            .unwrap_or_default(),
        reasons: reasons(item),
        table: item
            .get("table")
            .and_then(Value::as_u64)
            .and_then(|table| u32::try_from(table).ok()),
    }
}

/// Why a meeting cannot name this firm or buyer (`side`, listed in `file`): it is unknown, or
/// cancelled where cancelled participants' meetings are refused.
fn participant_problem(
    side: &str,
    file: &str,
    id: &str,
    status: Option<Status>,
    cancelled: CancelledMeetings,
) -> Option<String> {
    match status {
        None => Some(format!("unknown {side} \"{id}\" (not in {file})")),
        Some(Status::Cancelled) if cancelled == CancelledMeetings::Refuse => Some(format!(
            "{side} {id} is cancelled in {file} but has this meeting; re-plan before publishing"
        )),
        Some(_) => None,
    }
}

/// Why the pair meets, as a list or as one `;`-separated text.
fn reasons(item: &Value) -> Vec<String> {
    match item.get("reasons") {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Some(Value::String(text)) => split_list(text),
        _ => Vec::new(),
    }
}

/// Sets `summary.status` in a schedule file, keeping everything else as it was (atomically).
pub fn set_schedule_status(path: &Path, status: PublishStatus) -> Result<()> {
    write_atomically(path, &schedule_with_status(path, status)?)
}

/// The bytes of the schedule file at `path` with its `status` set.
pub fn schedule_with_status(path: &Path, status: PublishStatus) -> Result<Vec<u8>> {
    let text = std::fs::read_to_string(path).map_err(|error| Error::io(path, error))?;
    let mut document: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|error| Error::Unsupported(format!("{}: {error}", path.display())))?;
    if let Some(summary) = document.get_mut("summary").and_then(Value::as_object_mut) {
        summary.insert("status".to_string(), Value::from(status.as_str()));
    }
    let json = serde_json::to_string_pretty(&document).map_err(|error| {
        Error::Unsupported(format!("cannot encode {}: {error}", path.display()))
    })?;
    Ok(format!("{json}\n").into_bytes())
}

/// Where the calendar state lives, inside the agendas folder it describes.
const STATE_FILE: &str = "calendar-state.csv";
/// Its columns, in the order written.
const STATE_COLUMNS: [&str; 11] = [
    "uid",
    "sequence",
    "fingerprint",
    "cancelled",
    "firm",
    "buyer",
    "session",
    "start",
    "end",
    "firm_name",
    "buyer_name",
];

/// The calendar state the last publication into `out_dir` left (empty when there was none).
pub fn read_calendar_state(out_dir: &Path) -> Result<CalendarState> {
    let _reading = settle(out_dir)?;
    let folder = out_dir.join("agendas");
    let bytes = match super::source::read_bytes(&folder, STATE_FILE) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Ok(CalendarState::new()),
        Err(problem) => return Err(Error::Invalid(vec![problem])),
    };
    let table = parse_table(STATE_FILE, &bytes).map_err(Error::Invalid)?;
    let column = |name: &str| table.header.iter().position(|h| h == name);
    let columns = STATE_COLUMNS.map(column);
    let mut state = CalendarState::new();
    for row in &table.rows {
        let cell = |index: usize| {
            columns[index]
                .map(|c| row.cells[c].trim().to_string())
                .unwrap_or_default()
        };
        let Ok(sequence) = cell(1).parse::<u32>() else {
            return Err(Error::Invalid(vec![Problem::new(
                format!("{}/{STATE_FILE}", folder.display()),
                row.line,
                "sequence",
                "not a whole number; delete the file to start the calendars' sequence afresh",
            )]));
        };
        state.insert(
            cell(0),
            Published {
                sequence,
                fingerprint: cell(2),
                cancelled: cell(3) == "yes",
                firm: cell(4),
                buyer: cell(5),
                session: cell(6),
                start: cell(7),
                end: cell(8),
                firm_name: cell(9),
                buyer_name: cell(10),
            },
        );
    }
    Ok(state)
}

fn calendar_state_csv(state: &CalendarState) -> String {
    let mut text = csv_with_header(&STATE_COLUMNS);
    for (uid, published) in state {
        push_line(
            &mut text,
            &[
                uid.clone(),
                published.sequence.to_string(),
                published.fingerprint.clone(),
                if published.cancelled { "yes" } else { "no" }.to_string(),
                published.firm.clone(),
                published.buyer.clone(),
                published.session.clone(),
                published.start.clone(),
                published.end.clone(),
                published.firm_name.clone(),
                published.buyer_name.clone(),
            ],
        );
    }
    text
}

/// Writes a publication under `out_dir`: the agendas into a fresh folder (with the calendar
/// state inside it), then that folder, `grid.html`, `schedule.xlsx` and `mailmerge.csv` as one
/// set ([`write_set_with_folder`]), with the files in `also` (the timetable with its new status),
/// unless `still_current` says the timetable they come from was replaced meanwhile.
/// A run that fails before its journal leaves the previous publication; one killed during its
/// renames is completed by the next reader or writer.
pub fn write_publication(
    out_dir: &Path,
    documents: &Documents,
    also: &[(&str, &[u8])],
    still_current: &dyn Fn() -> Result<()>,
) -> Result<()> {
    std::fs::create_dir_all(out_dir).map_err(|error| Error::io(out_dir, error))?;
    let process = std::process::id();
    let staging = out_dir.join(format!(".agendas.{process}.tmp"));
    // A set a killed run left half-renamed is completed first, and the folders killed runs
    // left behind go (those of a live run stay).
    drop(settle(out_dir)?);
    // A staging folder this process left (a publication that failed after staging) starts over.
    let _ = std::fs::remove_dir_all(&staging);
    let write_all = || -> Result<()> {
        for folder in ["firms", "buyers"] {
            let path = staging.join(folder);
            std::fs::create_dir_all(&path).map_err(|error| Error::io(&path, error))?;
        }
        for (name, bytes) in &documents.agendas {
            let path = staging.join(name.trim_start_matches("agendas/"));
            std::fs::write(&path, bytes).map_err(|error| Error::io(&path, error))?;
        }
        let path = staging.join(STATE_FILE);
        std::fs::write(&path, calendar_state_csv(&documents.calendar))
            .map_err(|error| Error::io(&path, error))
    };
    if let Err(error) = write_all() {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(error);
    }
    let mut mailmerge = csv_with_header(&[
        "kind",
        "id",
        "name",
        "contact",
        "email",
        "agenda_pdf",
        "agenda_ics",
        "meetings",
    ]);
    for row in &documents.mailmerge {
        push_line(&mut mailmerge, row);
    }
    let mut files: Vec<(&str, &[u8])> = documents
        .files
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
        .collect();
    files.push(("mailmerge.csv", mailmerge.as_bytes()));
    files.extend_from_slice(also);
    // The agendas folder and the other documents as one set: no reader sees new agendas beside
    // an old grid, or no agendas folder at all. Not when the timetable they print was replaced
    // while they were staged.
    if let Err(error) = still_current() {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(error);
    }
    write_set_with_folder(out_dir, &files, Some((&staging, "agendas")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meeting_lines_follow_the_firm_keys() {
        let text = "{\n  \"mission\": \"x\",\n  \"meetings\": [\n    {\n      \"firm\": \"F01\"\n    },\n    {\n      \"firm\": \"F02\"\n    }\n  ]\n}";
        assert_eq!(meeting_lines(text), vec![5, 8]);
        assert_eq!(meeting_lines("{}"), Vec::<usize>::new());
    }
}

/// A row of `mailmerge.csv` (what `publish` wrote): who a participant is and where its agenda
/// files are, relative to the output folder.
#[derive(Debug, Clone, Default)]
pub struct MailmergeRow {
    pub kind: String,
    pub id: String,
    pub agenda_pdf: String,
    pub agenda_ics: String,
    pub meetings: u32,
}

/// A row of `changes.csv` (what `replan` wrote), its columns as the file names them; as JSON,
/// the row of the file (`tell` as its cell, `firm;buyer`).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ChangeRow {
    pub change: String,
    pub firm: String,
    pub buyer: String,
    pub old_start: String,
    pub new_start: String,
    pub old_place: String,
    pub new_place: String,
    /// The participants to tell.
    #[serde(serialize_with = "tell_cell")]
    pub tell: Vec<String>,
    pub reason: String,
}

/// `tell` as `changes.csv` writes it: the ids joined by `;`.
fn tell_cell<S: serde::Serializer>(
    tell: &[String],
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    serializer.serialize_str(&tell.join(";"))
}

/// An output table's rows as maps from column to cell.
fn output_rows(
    out_dir: &Path,
    file: &str,
) -> Result<Vec<std::collections::HashMap<String, String>>> {
    let _reading = super::write::settle(out_dir)?;
    let path = out_dir.join(file);
    let bytes = std::fs::read(&path).map_err(|error| Error::io(&path, error))?;
    table_rows(file, &bytes)
}

/// The rows of an output table's bytes (`file` names it in errors) as maps from column to cell.
fn table_rows(file: &str, bytes: &[u8]) -> Result<Vec<std::collections::HashMap<String, String>>> {
    let table = super::csv::parse_table(file, bytes).map_err(Error::Invalid)?;
    Ok(table
        .rows
        .iter()
        .map(|row| {
            table
                .header
                .iter()
                .cloned()
                .zip(row.cells.iter().map(|cell| cell.trim().to_string()))
                .collect()
        })
        .collect())
}

/// `OUT/mailmerge.csv`.
pub fn read_mailmerge(out_dir: &Path) -> Result<Vec<MailmergeRow>> {
    Ok(output_rows(out_dir, "mailmerge.csv")?
        .into_iter()
        .map(|mut row| {
            let mut take = |key: &str| row.remove(key).unwrap_or_default();
            MailmergeRow {
                kind: take("kind"),
                id: take("id"),
                agenda_pdf: take("agenda_pdf"),
                agenda_ics: take("agenda_ics"),
                meetings: take("meetings").parse().unwrap_or(0),
            }
        })
        .collect())
}

/// `OUT/changes.csv`.
pub fn read_changes(out_dir: &Path) -> Result<Vec<ChangeRow>> {
    change_rows(output_rows(out_dir, "changes.csv")?)
}

/// The rows of a `changes.csv` the server stored with a schedule version.
pub fn parse_changes(bytes: &[u8]) -> Result<Vec<ChangeRow>> {
    change_rows(table_rows("changes.csv", bytes)?)
}

fn change_rows(rows: Vec<std::collections::HashMap<String, String>>) -> Result<Vec<ChangeRow>> {
    Ok(rows
        .into_iter()
        .map(|mut row| {
            let mut take = |key: &str| row.remove(key).unwrap_or_default();
            ChangeRow {
                change: take("change"),
                firm: take("firm"),
                buyer: take("buyer"),
                old_start: take("old_start"),
                new_start: take("new_start"),
                old_place: take("old_place"),
                new_place: take("new_place"),
                tell: take("tell")
                    .split(';')
                    .map(|who| who.trim().to_string())
                    .filter(|who| !who.is_empty())
                    .collect(),
                reason: take("reason"),
            }
        })
        .collect())
}
