//! What the server does with a mission, in the engine's own terms: import an uploaded folder,
//! read a stored one, edit a participant, schedule, re-plan, follow up, report, export. No HTTP
//! here: the handlers turn these results into responses.

use std::collections::BTreeMap;
use std::io::{Read, Write};

use serde_json::{json, Value};

use super::store::ScheduleVersion;
use crate::error::{Error, Problem};
use crate::{
    candidate_weights, match_mission, CancelledMeetings, MatchOptions, Mission, Moment, Outcome,
    Progress, PublishStatus, ReplanOptions, ScheduleOptions, Side,
};

/// The input files of a mission folder, the only names kept from an upload.
const INPUT_FILES: &[&str] = &[
    "mission.toml",
    "firms.csv",
    "firms.xlsx",
    "buyers.csv",
    "buyers.xlsx",
    "requests.csv",
    "requests.xlsx",
    "outcomes.csv",
    "outcomes.xlsx",
];

/// Columns a participant may have edited on the day (`PATCH`).
const EDITABLE: &[&str] = &["status", "sessions", "contact", "email", "phone", "booth"];

/// Why a request about a mission could not be done.
#[derive(Debug)]
pub enum WorkError {
    /// The participant, pair or version does not exist (404).
    NotFound(String),
    /// The input breaks the contract: one line a problem, as `check` prints them (422).
    Invalid(Vec<String>),
    /// No valid timetable exists, with the reason (422: the organiser's input asks for the
    /// impossible; a job fails with it).
    Infeasible(String),
    /// The engine failed otherwise (a file it could not write: 500).
    Engine(String),
}

impl From<Error> for WorkError {
    fn from(error: Error) -> WorkError {
        match error {
            Error::Invalid(problems) => WorkError::Invalid(crate::error::listed(&problems)),
            Error::BadOption(message) => WorkError::Invalid(vec![message]),
            Error::Infeasible(reason) => WorkError::Infeasible(reason),
            other => WorkError::Engine(other.to_string()),
        }
    }
}

/// A mission accepted for storing.
pub struct Imported {
    /// `name` of mission.toml.
    pub name: String,
    /// Its input files, outcomes left out.
    pub files: BTreeMap<String, Vec<u8>>,
    /// The outcomes it came with.
    pub outcomes: Vec<Outcome>,
}

/// Bytes the mission files of one upload may hold together, unpacked: parts and zip entries
/// alike (the body itself is at most `BODY_LIMIT`, but a zip of it may unpack to far more). A
/// mission of 100,000 buyers takes about 30 MB.
const LARGEST_UPLOAD: u64 = 64 * 1024 * 1024;

/// Uploads are checked one at a time: what one may take in memory is bounded, and so is what
/// the server takes however many arrive at once.
static IMPORTING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Checks an upload (files by name, or one `.zip` of the folder) as `check` would; the mission,
/// or every problem.
pub fn import(parts: Vec<(String, Vec<u8>)>) -> Result<Imported, WorkError> {
    let _one_at_a_time = IMPORTING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut files = BTreeMap::new();
    let mut folder = String::from("mission");
    let mut problems = Vec::new();
    let mut left = LARGEST_UPLOAD;
    let mut keep = |name: &str, bytes: Vec<u8>, problems: &mut Vec<String>| {
        let Some(base) = input_file(name) else {
            return;
        };
        if files.insert(base.clone(), bytes).is_some() {
            problems.push(format!(
                "{base}:0: file: the upload holds two files named {base}"
            ));
        }
    };
    for (name, bytes) in parts {
        if name.to_ascii_lowercase().ends_with(".zip") {
            let stem = name.trim_end_matches(".zip").trim_end_matches(".ZIP");
            folder = stem.rsplit(['/', '\\']).next().unwrap_or(stem).to_string();
            match unzip(&name, &bytes, &mut left) {
                Ok(entries) => {
                    for (entry, content) in entries {
                        keep(&entry, content, &mut problems);
                    }
                }
                Err(problem) => {
                    problems.push(problem);
                    break;
                }
            }
        } else {
            if let Some((dir, _)) = name.rsplit_once('/') {
                folder = dir.rsplit('/').next().unwrap_or(dir).to_string();
            }
            if input_file(&name).is_some() {
                let Some(rest) = left.checked_sub(bytes.len() as u64) else {
                    problems.push(too_much(&name));
                    break;
                };
                left = rest;
            }
            keep(&name, bytes, &mut problems);
        }
    }
    if !problems.is_empty() {
        return Err(WorkError::Invalid(problems));
    }
    let loaded = crate::read_mission_from_files(&folder, &files)?;
    let outcomes = loaded.mission.outcomes.clone().unwrap_or_default();
    files.retain(|name, _| !name.starts_with("outcomes."));
    Ok(Imported {
        name: loaded.mission.name.clone(),
        files,
        outcomes,
    })
}

/// The problem of an upload whose mission files hold more than [`LARGEST_UPLOAD`] together,
/// named by the part that passed it.
fn too_much(name: &str) -> String {
    format!(
        "{name}:0: file: the mission's files hold more than {} MB together",
        LARGEST_UPLOAD / 1024 / 1024
    )
}

/// The mission file a path of an upload names (`buyers.csv` of `india/buyers.csv`): only the
/// folder's own input files, not those of `out/` (a folder or zip as the commands left it).
fn input_file(name: &str) -> Option<String> {
    if name.split(['/', '\\']).any(|part| part == "out") {
        return None;
    }
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    if crate::mail::is_template_name(base) {
        return Some(format!("templates/{base}"));
    }
    INPUT_FILES.contains(&base).then(|| base.to_string())
}

/// The mission files of a zip upload, taken from what the upload has `left` to hold. Entries
/// that are no mission file are never unpacked. Before any entry is read, the directory is
/// checked: two entries for one mission file, or entries declaring more than is left, refuse
/// the upload; while reading, nothing goes past what is left, whatever was declared.
fn unzip(name: &str, bytes: &[u8], left: &mut u64) -> Result<Vec<(String, Vec<u8>)>, String> {
    let bad = |what: String| format!("{name}:0: file: {what}");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|error| bad(format!("not a readable zip file ({error})")))?;
    // The mission entries by what the directory says: index, name, declared size.
    let mut wanted: Vec<(usize, String, u64)> = Vec::new();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for index in 0..archive.len() {
        let raw = archive
            .by_index_raw(index)
            .map_err(|error| bad(format!("entry {index} is unreadable ({error})")))?;
        let Some(base) = input_file(raw.name()).filter(|_| !raw.is_dir()) else {
            continue;
        };
        if let Some(first) = seen.insert(base.clone(), raw.name().to_string()) {
            return Err(bad(format!(
                "the upload holds two files named {base} ({first} and {})",
                raw.name()
            )));
        }
        wanted.push((index, raw.name().to_string(), raw.size()));
    }
    let declared = wanted
        .iter()
        .fold(0u64, |sum, (_, _, size)| sum.saturating_add(*size));
    if declared > *left {
        return Err(too_much(name));
    }
    let mut entries = Vec::new();
    for (index, entry_name, _) in wanted {
        let mut entry = archive
            .by_index(index)
            .map_err(|error| bad(format!("{entry_name} is unreadable ({error})")))?;
        let mut content = Vec::new();
        (&mut entry)
            .take(*left + 1)
            .read_to_end(&mut content)
            .map_err(|error| bad(format!("{entry_name} is unreadable ({error})")))?;
        if content.len() as u64 > *left {
            return Err(too_much(name));
        }
        *left -= content.len() as u64;
        entries.push((entry_name, content));
    }
    Ok(entries)
}

/// Reads a stored mission (without outcomes: see [`with_outcomes`]).
pub fn load(files: &BTreeMap<String, Vec<u8>>, name: &str) -> Result<Mission, WorkError> {
    Ok(crate::read_mission_from_files(name, files)?.mission)
}

/// The mission with its recorded outcomes (rows not recorded yet count as no information).
pub fn with_outcomes(mission: &Mission, records: &[Outcome]) -> Mission {
    let mut mission = mission.clone();
    mission.outcomes = Some(records.to_vec());
    mission
}

/// The edited files of a participant change: `fields` are column names of firms.csv or
/// buyers.csv and their new cells. Checked as `check` would; nothing changes on a problem.
pub fn edit_participant(
    mission: &Mission,
    files: BTreeMap<String, Vec<u8>>,
    side: Side,
    id: &str,
    fields: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, Vec<u8>>, WorkError> {
    let file = side_file(side);
    if let Some(column) = fields.keys().find(|k| !EDITABLE.contains(&k.as_str())) {
        return Err(WorkError::Invalid(vec![format!(
            "{file}:0: {column}: cannot be edited here (editable: {})",
            EDITABLE.join(", ")
        )]));
    }
    edit_table(mission, files, file, |header, rows| {
        let id_column = header.iter().position(|h| h == "id").unwrap_or(0);
        let row = rows
            .iter_mut()
            .find(|row| row.get(id_column).map(String::as_str) == Some(id))
            .ok_or_else(|| WorkError::NotFound(format!("no {} {id}", side.as_str())))?;
        for (column, value) in fields {
            let index = match header.iter().position(|h| h == column) {
                Some(index) => index,
                None => {
                    header.push(column.clone());
                    header.len() - 1
                }
            };
            if row.len() <= index {
                row.resize(index + 1, String::new());
            }
            row[index] = value.clone();
        }
        Ok(())
    })
}

/// The files with a walk-in buyer added: `fields` are buyers.csv columns.
pub fn add_buyer(
    mission: &Mission,
    files: BTreeMap<String, Vec<u8>>,
    fields: &BTreeMap<String, String>,
) -> Result<(String, BTreeMap<String, Vec<u8>>), WorkError> {
    let id = fields.get("id").cloned().unwrap_or_default();
    if mission.buyer_index(&crate::BuyerId(id.clone())).is_some() {
        return Err(WorkError::Invalid(vec![format!(
            "buyers.csv:0: id: a buyer {id} exists already"
        )]));
    }
    let edited = edit_table(mission, files, "buyers.csv", |header, rows| {
        if let Some(column) = fields.keys().find(|k| !header.contains(k)) {
            return Err(WorkError::Invalid(vec![format!(
                "buyers.csv:0: {column}: not a column of buyers.csv ({})",
                header.join(", ")
            )]));
        }
        rows.push(
            header
                .iter()
                .map(|h| fields.get(h).cloned().unwrap_or_default())
                .collect(),
        );
        Ok(())
    })?;
    Ok((id, edited))
}

/// Who sets a `requests.csv` row: the organiser, or a participant (its own wish, contract v3).
#[derive(Debug, Clone, Copy)]
pub enum Asker<'a> {
    Organiser,
    /// The participant's id: the row's `from`.
    Participant(&'a str),
}

impl Asker<'_> {
    /// The row's `from` cell.
    fn cell(&self) -> &str {
        match self {
            Asker::Organiser => "organiser",
            Asker::Participant(id) => id,
        }
    }

    /// Whether a row's `from` cell is this asker's.
    fn wrote(&self, from: &str) -> bool {
        match self {
            Asker::Organiser => crate::io::names_the_organiser(from),
            Asker::Participant(id) => from == *id,
        }
    }
}

/// The files with `asker`'s row on a pair set (`must`, `want`, `request`, `avoid`, with its
/// note) or removed (`None`): the organiser's mark (`from` = organiser) or a participant's wish
/// (`from` = its id). Everyone else's rows stay; `from` and `note` columns are added when the
/// file lacks them.
pub fn set_request(
    mission: &Mission,
    files: BTreeMap<String, Vec<u8>>,
    (firm, buyer): (&str, &str),
    kind: Option<crate::RequestKind>,
    asker: Asker,
    note: &str,
) -> Result<BTreeMap<String, Vec<u8>>, WorkError> {
    if mission
        .firm_index(&crate::FirmId(firm.to_string()))
        .is_none()
    {
        return Err(WorkError::NotFound(format!("no firm {firm}")));
    }
    if mission
        .buyer_index(&crate::BuyerId(buyer.to_string()))
        .is_none()
    {
        return Err(WorkError::NotFound(format!("no buyer {buyer}")));
    }
    edit_table(mission, files, "requests.csv", |header, rows| {
        let (Some(f), Some(b)) = (
            header.iter().position(|h| h == "firm"),
            header.iter().position(|h| h == "buyer"),
        ) else {
            return Err(WorkError::Invalid(vec![
                "requests.csv:1: header: firm and buyer columns are missing".into(),
            ]));
        };
        let column = |name: &str, header: &mut Vec<String>, rows: &mut Vec<Vec<String>>| {
            header.iter().position(|h| h == name).unwrap_or_else(|| {
                header.push(name.to_string());
                for row in rows.iter_mut() {
                    row.resize(header.len(), String::new());
                }
                header.len() - 1
            })
        };
        let from = column("from", header, rows);
        let note_column = column("note", header, rows);
        let kind_column = column("kind", header, rows);
        let cell = |row: &Vec<String>, index: usize| {
            row.get(index)
                .map(|c| c.trim().to_string())
                .unwrap_or_default()
        };
        rows.retain(|row| {
            !(cell(row, f) == firm && cell(row, b) == buyer && asker.wrote(&cell(row, from)))
        });
        if let Some(kind) = kind {
            let mut row = vec![String::new(); header.len()];
            row[f] = firm.to_string();
            row[b] = buyer.to_string();
            row[kind_column] = kind.as_str().to_string();
            row[from] = asker.cell().to_string();
            row[note_column] = note.to_string();
            rows.push(row);
        }
        Ok(())
    })
}

fn side_file(side: Side) -> &'static str {
    match side {
        Side::Firm => "firms.csv",
        Side::Buyer => "buyers.csv",
    }
}

type Edit<'a> = dyn FnOnce(&mut Vec<String>, &mut Vec<Vec<String>>) -> Result<(), WorkError> + 'a;

/// Applies `change` to one table of the folder as the organisers keep it (`file` is its CSV name;
/// an Excel twin is read instead when that is what the folder has, and replaced by the CSV;
/// `requests.csv` may not exist yet) and checks the whole folder again. Columns the engine does
/// not know stay as they were.
fn edit_table(
    mission: &Mission,
    mut files: BTreeMap<String, Vec<u8>>,
    file: &str,
    change: impl FnOnce(&mut Vec<String>, &mut Vec<Vec<String>>) -> Result<(), WorkError>,
) -> Result<BTreeMap<String, Vec<u8>>, WorkError> {
    let change: Box<Edit> = Box::new(change);
    let workbook = file.replace(".csv", ".xlsx");
    let invalid = |problems: Vec<Problem>| {
        WorkError::Invalid(problems.iter().map(Problem::to_string).collect())
    };
    let excel = files.remove(&workbook);
    let table = match (files.get(file), excel) {
        (Some(bytes), _) => Some(crate::io::parse_table(file, bytes).map_err(invalid)?),
        (None, Some(bytes)) => Some(crate::io::parse_workbook(&workbook, bytes).map_err(invalid)?),
        (None, None) => None,
    };
    let (mut header, mut rows) = match table {
        Some(table) => (
            table.header.clone(),
            table.rows.into_iter().map(|row| row.cells).collect(),
        ),
        None if file == "requests.csv" => (
            ["firm", "buyer", "kind", "from", "when", "note"]
                .map(str::to_string)
                .to_vec(),
            Vec::new(),
        ),
        None => return Err(WorkError::NotFound(format!("the mission has no {file}"))),
    };
    change(&mut header, &mut rows)?;
    let mut text = crate::io::csv_with_header(&header);
    for row in &rows {
        crate::io::push_line(&mut text, row);
    }
    files.insert(file.to_string(), text.into_bytes());
    crate::read_mission_from_files(&mission.name, &files)?;
    Ok(files)
}

/// The texts of a new schedule version.
pub struct Version {
    /// schedule.json.
    pub json: String,
    /// schedule.csv.
    pub csv: String,
    /// candidates.csv.
    pub candidates: String,
    /// changes.csv (re-planning only).
    pub changes: Option<String>,
}

fn text_of(files: &[(&str, String)], name: &str) -> String {
    files
        .iter()
        .find(|(file, _)| *file == name)
        .map(|(_, text)| text.clone())
        .unwrap_or_default()
}

/// Matches and schedules the mission, as `missionmatch schedule` does.
pub fn schedule(
    mission: &Mission,
    time_limit: Option<f64>,
    status: PublishStatus,
    progress: Progress,
) -> Result<Version, WorkError> {
    (progress.0)(0.0, "matching firms with buyers");
    let candidates = match_mission(mission, &MatchOptions::default())?;
    let weights = candidate_weights(mission, &candidates);
    let options = ScheduleOptions {
        time_limit_seconds: time_limit,
        progress: Some(progress),
        ..Default::default()
    };
    let result = crate::schedule(mission, &weights, &options)?;
    let files = crate::schedule_files(mission, &result, status, Some(&candidates))?;
    Ok(Version {
        json: text_of(&files, "schedule.json"),
        csv: text_of(&files, "schedule.csv"),
        candidates: text_of(&files, "candidates.csv"),
        changes: None,
    })
}

/// Re-plans the mission against `old` as `missionmatch replan` does.
pub fn replan(
    mission: &Mission,
    old: &ScheduleVersion,
    now: Moment,
    allow_moves: u32,
    progress: Progress,
) -> Result<Version, WorkError> {
    let file = crate::parse_schedule(
        "schedule.json",
        old.schedule_json.as_bytes(),
        mission,
        CancelledMeetings::Accept,
    )?;
    (progress.0)(0.0, "matching firms with buyers");
    let candidates = match_mission(mission, &MatchOptions::default())?;
    let weights = candidate_weights(mission, &candidates);
    let options = ReplanOptions {
        allow_moves,
        schedule: ScheduleOptions {
            progress: Some(progress),
            ..Default::default()
        },
    };
    let result = crate::replan(mission, &file.meetings, &weights, now, &options)?;
    let files = crate::replan_files(
        mission,
        &result,
        file.status.unwrap_or_default(),
        Some(&candidates),
    )?;
    Ok(Version {
        json: text_of(&files, "schedule.json"),
        csv: text_of(&files, "schedule.csv"),
        candidates: text_of(&files, "candidates.csv"),
        changes: Some(text_of(&files, "changes.csv")),
    })
}

/// The follow-up plan of formats.md, judged on the candidates the schedule was built from;
/// `scheduled` are the newest timetable's meetings (one without an outcome is not recorded yet).
pub fn followup(
    mission: &Mission,
    latest: Option<&ScheduleVersion>,
    scheduled: &[(crate::FirmId, crate::BuyerId)],
) -> Result<Vec<crate::FollowupRow>, WorkError> {
    let candidates = match latest.and_then(|v| v.candidates_csv.as_deref()) {
        Some(text) => crate::parse_candidates("candidates.csv", text.as_bytes(), mission)?,
        None => match_mission(mission, &MatchOptions::default())?,
    };
    Ok(crate::followup(mission, &candidates, scheduled))
}

/// The mission folder as it stands, zipped under `folder/`: input files, `outcomes.csv`, and
/// `out/` with the latest schedule, its candidates and changes.
pub fn export_zip(
    folder: &str,
    files: &BTreeMap<String, Vec<u8>>,
    outcomes: &[Outcome],
    latest: Option<&ScheduleVersion>,
) -> Result<Vec<u8>, WorkError> {
    // The folder's CSV files as uploaded may start cells with `=` (contract v2: every CSV the
    // program hands out is spreadsheet-safe); they are written again, as `check` read them.
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    for (name, bytes) in files {
        let bytes = if name.ends_with(".csv") {
            crate::io::spreadsheet_safe_copy(name, bytes)
                .map_err(|problems| {
                    WorkError::Invalid(problems.iter().map(Problem::to_string).collect())
                })?
                .into_bytes()
        } else {
            bytes.clone()
        };
        entries.push((format!("{folder}/{name}"), bytes));
    }
    entries.push((
        format!("{folder}/outcomes.csv"),
        crate::io::outcomes_csv(outcomes).into_bytes(),
    ));
    if let Some(version) = latest {
        let out = [
            ("schedule.json", Some(&version.schedule_json)),
            ("schedule.csv", Some(&version.schedule_csv)),
            ("candidates.csv", version.candidates_csv.as_ref()),
            ("changes.csv", version.changes_csv.as_ref()),
        ];
        for (name, text) in out {
            if let Some(text) = text {
                entries.push((format!("{folder}/out/{name}"), text.as_bytes().to_vec()));
            }
        }
    }
    let failed = |error: &dyn std::fmt::Display| WorkError::Engine(format!("export.zip: {error}"));
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        writer.start_file(name, options).map_err(|e| failed(&e))?;
        writer.write_all(&bytes).map_err(|e| failed(&e))?;
    }
    Ok(writer.finish().map_err(|e| failed(&e))?.into_inner())
}

/// The mission as the API shows it: participants, sessions, rules and `check`'s summary.
pub fn mission_json(id: i64, mission: &Mission, latest_version: Option<i64>) -> Value {
    let summary = crate::summarize(mission);
    json!({
        "id": id,
        "name": mission.name,
        "currency": mission.currency,
        "latest_version": latest_version,
        "firms": mission.firms.iter().map(|f| json!({
            "id": f.id.0, "name": f.name, "sector": f.sector, "products": f.products,
            "booth": f.booth, "status": f.status.as_str(),
            "contact": f.contact.person, "email": f.contact.email, "phone": f.contact.phone,
        })).collect::<Vec<_>>(),
        "buyers": mission.buyers.iter().map(|b| json!({
            "id": b.id.0, "company": b.company, "country": b.country, "city": b.city,
            "interests": b.interests, "status": b.status.as_str(),
            "contact": b.contact.person, "email": b.contact.email, "phone": b.contact.phone,
        })).collect::<Vec<_>>(),
        "sessions": mission.sessions.iter().map(|s| json!({
            "id": s.id.0, "date": s.date.to_string(), "city": s.city, "venue": s.venue,
            "start": s.hours.start.to_string(), "end": s.hours.end.to_string(),
            "slot_minutes": s.slot_minutes, "timezone": s.timezone, "tables": s.tables,
        })).collect::<Vec<_>>(),
        "rules": {
            "min_meetings_per_firm": mission.rules.min_meetings_per_firm,
            "max_meetings_per_firm": mission.rules.max_meetings_per_firm,
            "min_meetings_per_buyer": mission.rules.min_meetings_per_buyer,
            "max_meetings_per_buyer": mission.rules.max_meetings_per_buyer,
            "candidates_per_firm": mission.rules.candidates_per_firm,
            "compact": mission.rules.compact,
        },
        "summary": {
            "firms": summary.firm_count,
            "buyers_per_country": summary.buyers_per_country,
            "sessions": summary.sessions.iter().map(|s| json!({
                "id": s.id, "place_and_time": s.place_and_time, "slots": s.slot_starts.len(),
                "firms_available": s.firms_available, "buyers_available": s.buyers_available,
            })).collect::<Vec<_>>(),
            "warnings": summary.warnings,
        },
    })
}
