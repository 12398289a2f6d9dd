//! Reading a whole mission folder into a validated [`Mission`], collecting every problem.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use super::csv::{parse_table, Row, Table};
use super::outcomes;
use super::toml_file::{is_language_code, read_settings, MissionSettings};
use crate::error::{Error, Problem, Result};
use crate::model::{
    derive_slots, id_problem, Availability, Buyer, BuyerId, Contact, Firm, FirmId, HsCode,
    MeetingLimits, Mission, Outcome, Request, RequestKind, Session, Side, Status, TimeRange,
    Window,
};

/// A mission read from its folder, with the non-fatal remarks made while reading it.
#[derive(Debug, Clone)]
pub struct LoadedMission {
    /// The validated mission.
    pub mission: Mission,
    /// Things that are allowed but probably not meant (unknown keys), as `file:line: key: what`.
    pub warnings: Vec<Problem>,
}

/// Reads and validates a mission folder (contract section 1).
///
/// Every problem in every file is collected and returned together as [`Error::Invalid`]; the
/// error never stops at the first one.
pub fn read_mission(dir: &Path) -> Result<LoadedMission> {
    if !dir.is_dir() {
        let what = if dir.exists() {
            "is a file, not a mission folder"
        } else {
            "no such folder"
        };
        return Err(Error::Invalid(vec![Problem::new(
            dir.display().to_string(),
            0,
            "folder",
            format!("{what} (a mission folder holds mission.toml, firms.csv and buyers.csv)"),
        )]));
    }
    let folder_name = dir
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "mission".to_string());
    read_mission_from(&folder_name, &|name| super::source::read_bytes(dir, name))
}

/// Reads and validates a mission given as files in memory (file name -> bytes: `mission.toml`,
/// `firms.csv` or `firms.xlsx`, ...), as a server receives them in an upload. The same checks
/// and messages as [`read_mission`]; `name` stands in for the folder's name when mission.toml
/// names none.
pub fn read_mission_from_files(
    name: &str,
    files: &std::collections::BTreeMap<String, Vec<u8>>,
) -> Result<LoadedMission> {
    read_mission_from(name, &|file| match files.get(file) {
        Some(bytes) if bytes.len() as u64 > super::source::LARGEST_FILE_BYTES => {
            Err(super::source::too_large_problem(file, bytes.len() as u64))
        }
        found => Ok(found.cloned()),
    })
}

/// Where the files of a mission come from: the bytes of a file by name, `None` when absent, or
/// the one problem that makes it unreadable.
type FileSource<'a> = &'a dyn Fn(&str) -> std::result::Result<Option<Vec<u8>>, Problem>;

fn read_mission_from(folder_name: &str, source: FileSource) -> Result<LoadedMission> {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let settings = match read_file(source, "mission.toml", true, &mut problems) {
        Some(bytes) => match super::source::decode_text("mission.toml", &bytes) {
            Ok(decoded) => {
                warnings.extend(decoded.warning);
                read_settings(&decoded.text, &mut problems, &mut warnings)
            }
            Err(problem) => {
                problems.push(problem);
                MissionSettings::default()
            }
        },
        None => MissionSettings::default(),
    };
    // When mission.toml could not be read at all, availability lists are not checked against
    // its sessions: every one would be "unknown", and the one real cause would drown.
    let sessions = SessionLookup {
        sessions: &settings.sessions,
        ids_written: &settings.session_ids_written,
        checked: settings.readable,
    };
    let firm_table = read_table(
        source,
        "firms.csv",
        true,
        FIRM_REQUIRED,
        &mut problems,
        &mut warnings,
    );
    let buyer_table = read_table(
        source,
        "buyers.csv",
        true,
        BUYER_REQUIRED,
        &mut problems,
        &mut warnings,
    );
    let firms = firm_table
        .as_ref()
        .map(|table| read_firms(table, &sessions, &mut problems, &mut warnings))
        .unwrap_or_default();
    let buyers = buyer_table
        .as_ref()
        .map(|table| read_buyers(table, &sessions, &mut problems, &mut warnings))
        .unwrap_or_default();
    let ids = Participants {
        firms: ids_in(firm_table.as_ref()),
        buyers: ids_in(buyer_table.as_ref()),
    };
    let rows = read_table(
        source,
        "requests.csv",
        false,
        REQUEST_REQUIRED,
        &mut problems,
        &mut warnings,
    )
    .map(|table| read_requests(&table, &ids, &sessions, &mut problems))
    .unwrap_or_default();
    let (wishes, rows): (Vec<Request>, Vec<Request>) = rows.into_iter().partition(|r| r.wish);
    let requests = crate::model::resolve_wishes(rows, &wishes);
    let outcomes = read_table(
        source,
        "outcomes.csv",
        false,
        OUTCOME_REQUIRED,
        &mut problems,
        &mut warnings,
    )
    .map(|table| read_outcomes(&table, &ids, &mut problems));
    if !problems.is_empty() {
        problems.sort();
        problems.dedup();
        return Err(Error::Invalid(problems));
    }
    let slots = derive_slots(&settings.sessions);
    let name = settings.name.unwrap_or_else(|| folder_name.to_string());
    Ok(LoadedMission {
        mission: Mission {
            name,
            currency: settings.currency.unwrap_or_else(|| "USD".to_string()),
            sessions: settings.sessions,
            slots,
            interpreters: settings.interpreters,
            rules: settings.rules,
            model: settings.model,
            followup_webhook: settings.followup_webhook,
            organiser: settings.organiser,
            wishes_until: settings.wishes_until,
            email: settings.email,
            firms,
            buyers,
            requests,
            wishes,
            outcomes,
        },
        warnings,
    })
}

/// The file's bytes; a missing required file is a problem, a missing optional one is `None`, and
/// so is one that cannot be read (a folder, a pipe, too large), with its problem.
fn read_file(
    source: FileSource,
    name: &str,
    required: bool,
    problems: &mut Vec<Problem>,
) -> Option<Vec<u8>> {
    match source(name) {
        Ok(Some(bytes)) => Some(bytes),
        Ok(None) => {
            if required {
                problems.push(Problem::new(
                    name,
                    0,
                    "file",
                    "required file is missing from the mission folder",
                ));
            }
            None
        }
        Err(problem) => {
            problems.push(problem);
            None
        }
    }
}

/// The columns each table must have (every column a table may have: `FIRM_COLUMNS`...).
const FIRM_REQUIRED: &[&str] = &["id", "name"];
const BUYER_REQUIRED: &[&str] = &["id", "company", "country"];
const REQUEST_REQUIRED: &[&str] = &["firm", "buyer", "kind"];
const OUTCOME_REQUIRED: &[&str] = &["firm", "buyer", "attended"];

/// Reads `NAME.csv`, or its Excel twin `NAME.xlsx` (contract v2); both at once is a problem.
/// A CSV file that cannot be read as a table and whose first line names none of its `columns`
/// is not this table at all: one problem says so, not one a broken row.
fn read_table(
    source: FileSource,
    name: &str,
    required: bool,
    columns: &[&str],
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Problem>,
) -> Option<Table> {
    let workbook_name = name.replace(".csv", ".xlsx");
    if let Some(bytes) = read_file(source, &workbook_name, false, problems) {
        if read_file(source, name, false, problems).is_some() {
            problems.push(Problem::new(
                &workbook_name,
                0,
                "file",
                format!("{name} is here too: keep one of the two, so it is clear which one counts"),
            ));
            return None;
        }
        return keep_table(
            super::xlsx::parse_workbook(&workbook_name, bytes),
            problems,
            warnings,
        );
    }
    let bytes = read_file(source, name, required, problems)?;
    let parsed = parse_table(name, &bytes).map_err(|found| {
        let first_line = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)])
            .lines()
            .next()
            .unwrap_or_default()
            .to_lowercase();
        let named = |column: &&str| {
            first_line
                .split([',', ';', '\t'])
                .any(|cell| cell.trim().trim_matches('"') == *column)
        };
        match columns.iter().any(named) {
            false if columns.len() > 1 && found.len() > 1 => vec![not_this_table(name, columns)],
            _ => found,
        }
    });
    keep_table(parsed, problems, warnings)
}

/// The one problem of a file whose header names none of the columns its table needs (another
/// file, or bytes that are no table).
fn not_this_table(file: &str, columns: &[&str]) -> Problem {
    Problem::new(
        file,
        1,
        "header",
        format!(
            "the header names none of the columns this file needs ({}): is it the right file?",
            columns.join(", ")
        ),
    )
}

/// The table, its warnings noted; or its problems noted and nothing.
fn keep_table(
    parsed: std::result::Result<Table, Vec<Problem>>,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Problem>,
) -> Option<Table> {
    match parsed {
        Ok(table) => {
            warnings.extend(table.warnings.iter().cloned());
            Some(table)
        }
        Err(found) => {
            problems.extend(found);
            None
        }
    }
}

struct SessionLookup<'a> {
    sessions: &'a [Session],
    ids_written: &'a [String],
    /// False when mission.toml could not be read: then no window is reported unknown.
    checked: bool,
}

/// Ids of firms and buyers, for checking references. `None` when the file could not be read:
/// then references to that side are not checked, rather than all reported unknown.
struct Participants {
    firms: Option<HashSet<String>>,
    buyers: Option<HashSet<String>>,
}

/// The `id` cells of a table that could be split into rows, even if other cells are bad.
fn ids_in(table: Option<&Table>) -> Option<HashSet<String>> {
    let table = table?;
    let column = table.header.iter().position(|name| name == "id")?;
    Some(
        table
            .rows
            .iter()
            .map(|row| row.cells[column].trim().to_string())
            .collect(),
    )
}

/// Reads the cells of one row by column name and records problems against it.
struct Cells<'a> {
    table: &'a Table,
    columns: &'a HashMap<&'a str, usize>,
    row: &'a Row,
    problems: &'a mut Vec<Problem>,
}

impl Cells<'_> {
    fn problem(&mut self, column: &str, message: impl Into<String>) {
        self.problems.push(Problem::new(
            self.table.file.clone(),
            self.row.line,
            column,
            message,
        ));
    }

    /// The trimmed cell, empty when the column is absent.
    fn text(&self, column: &str) -> String {
        self.columns
            .get(column)
            .map(|&index| self.row.cells[index].trim().to_string())
            .unwrap_or_default()
    }

    /// A required cell: empty is a problem.
    fn required(&mut self, column: &str) -> Option<String> {
        let text = self.text(column);
        if text.is_empty() {
            // A missing column is reported once, on the header; no need to repeat it per row.
            if self.columns.contains_key(column) {
                self.problem(column, "empty, but this column is required");
            }
            None
        } else {
            Some(text)
        }
    }

    /// The `id` cell: required, and a valid id ([`id_problem`]).
    fn id(&mut self) -> Option<String> {
        let id = self.required("id")?;
        match id_problem(&id) {
            Some(message) => {
                self.problem("id", message);
                None
            }
            None => Some(id),
        }
    }

    /// The v2 `contact`, `email` and `phone` cells.
    fn contact(&self) -> Contact {
        Contact {
            person: self.text("contact"),
            email: self.text("email"),
            phone: self.text("phone"),
        }
    }

    /// The v2 `status` cell: `active` (also when empty) or `cancelled`.
    fn status(&mut self) -> Status {
        let text = self.text("status");
        Status::parse(&text).unwrap_or_else(|| {
            self.problem(
                "status",
                format!("\"{text}\" is not a status: write active or cancelled"),
            );
            Status::Active
        })
    }

    /// A `;` list: items trimmed, empty items dropped.
    fn list(&self, column: &str) -> Vec<String> {
        split_list(&self.text(column))
    }

    fn amount(&mut self, column: &str) -> Option<f64> {
        let text = self.text(column);
        self.cell(column, super::outcomes::amount_cell(&text))
    }

    /// The value of a cell read by `read`, or its problem reported and `None`.
    fn cell<T>(&mut self, column: &str, read: Result<Option<T>, String>) -> Option<T> {
        read.unwrap_or_else(|message| {
            self.problem(column, message);
            None
        })
    }

    fn count(&mut self, column: &str) -> Option<u32> {
        let text = self.text(column);
        if text.is_empty() {
            return None;
        }
        match text.parse::<u32>() {
            Ok(value) => Some(value),
            Err(_) => {
                self.problem(
                    column,
                    format!("\"{text}\" is not a whole number, 0 or more"),
                );
                None
            }
        }
    }

    fn limits(&mut self) -> MeetingLimits {
        let limits = MeetingLimits {
            min_meetings: self.count("min_meetings"),
            max_meetings: self.count("max_meetings"),
        };
        if let (Some(minimum), Some(maximum)) = (limits.min_meetings, limits.max_meetings) {
            if minimum > maximum {
                self.problem(
                    "min_meetings",
                    format!("{minimum} is more than max_meetings {maximum}"),
                );
            }
        }
        limits
    }

    /// The row's HS codes. v3: a code of odd length that exists in the nomenclature only with
    /// a leading zero (a spreadsheet dropped it: 30499 for 030499) is read with it, with a
    /// warning; where both readings exist it is read as typed, with a warning naming both.
    fn hs_codes(&mut self, warnings: &mut Vec<Problem>) -> Vec<HsCode> {
        let mut codes = Vec::new();
        for item in self.list("hs_codes") {
            match HsCode::parse(&item) {
                Some(code) if matches!(code.as_str().len(), 5 | 7 | 9) => {
                    let padded = format!("0{}", code.as_str());
                    let exists = |digits: &str| {
                        let even = &digits[..digits.len().min(6) & !1];
                        even.len() >= 4 && crate::hs::HsTable::bundled().get(even).is_some()
                    };
                    let warn = |message: String| {
                        Problem::new(self.table.file.clone(), self.row.line, "hs_codes", message)
                    };
                    match (exists(code.as_str()), exists(&padded)) {
                        (false, true) => {
                            warnings.push(warn(format!("\"{item}\" read as {padded}")));
                            codes.extend(HsCode::parse(&padded));
                        }
                        (true, true) => {
                            warnings.push(warn(format!(
                                "\"{item}\" read as typed; {padded} (with the leading zero a spreadsheet may have dropped) also exists"
                            )));
                            codes.push(code);
                        }
                        _ => codes.push(code),
                    }
                }
                Some(code) => codes.push(code),
                None => self.problem(
                    "hs_codes",
                    format!("HS code \"{item}\" must be 2 to 10 digits"),
                ),
            }
        }
        codes
    }

    fn languages(&mut self, default: &str) -> Vec<String> {
        let mut languages = Vec::new();
        for item in self.list("languages") {
            let code = item.to_ascii_lowercase();
            if is_language_code(&code) {
                if !languages.contains(&code) {
                    languages.push(code);
                }
            } else {
                self.problem(
                    "languages",
                    format!("\"{item}\" is not an ISO 639-1 language code (two letters, like ko, en, vi)"),
                );
            }
        }
        if languages.is_empty() {
            languages.push(default.to_string());
        }
        languages
    }

    fn availability(&mut self, sessions: &SessionLookup) -> Availability {
        self.windows("sessions", sessions)
    }

    /// An availability list (contract section 2) read from `column`.
    fn windows(&mut self, column: &str, sessions: &SessionLookup) -> Availability {
        let items = self.list(column);
        if items.is_empty() {
            return Availability::Everywhere;
        }
        let mut windows = Vec::new();
        for item in items {
            let (session_id, range_text) = match item.split_once('@') {
                Some((id, range)) => (id.trim(), Some(range.trim())),
                None => (item.as_str(), None),
            };
            let Some(session_index) = sessions
                .sessions
                .iter()
                .position(|session| session.id.0 == session_id)
            else {
                if sessions.checked && !sessions.ids_written.iter().any(|id| id == session_id) {
                    self.problem(
                        column,
                        format!(
                            "unknown session \"{session_id}\" (mission.toml has: {})",
                            sessions.ids_written.join(", ")
                        ),
                    );
                }
                continue;
            };
            let range = match range_text {
                None => None,
                Some(text) => match TimeRange::parse(text) {
                    Some(range) => Some(range),
                    None => {
                        self.problem(
                            column,
                            format!("malformed window \"{item}\": expected SESSION or SESSION@HH:MM-HH:MM with the end after the start"),
                        );
                        continue;
                    }
                },
            };
            if let Some(range) = range {
                let hours = sessions.sessions[session_index].hours;
                if !hours.contains(&range) {
                    self.problem(
                        column,
                        format!("window \"{item}\" lies outside session {session_id} ({hours})"),
                    );
                    continue;
                }
            }
            windows.push(Window {
                session: session_index,
                range,
            });
        }
        Availability::Windows(windows)
    }

    fn extra(&self, known: &[&str]) -> Vec<(String, String)> {
        self.table
            .header
            .iter()
            .zip(&self.row.cells)
            .filter(|(name, _)| !name.is_empty() && !known.contains(&name.as_str()))
            .map(|(name, cell)| (name.clone(), cell.clone()))
            .collect()
    }
}

/// Splits a `;` list cell into trimmed, non-empty items.
pub fn split_list(text: &str) -> Vec<String> {
    text.split(';')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

/// Checks the header for required columns, then hands each row to `read_row`.
fn each_row<T>(
    table: &Table,
    required: &[&str],
    problems: &mut Vec<Problem>,
    mut read_row: impl FnMut(&mut Cells) -> Option<T>,
) -> Vec<T> {
    let columns: HashMap<&str, usize> = table
        .header
        .iter()
        .enumerate()
        .map(|(index, name)| (name.as_str(), index))
        .collect();
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|name| !columns.contains_key(name))
        .collect();
    if required.len() > 1 && missing.len() == required.len() {
        problems.push(not_this_table(&table.file, required));
        return Vec::new();
    }
    for name in missing {
        problems.push(Problem::new(
            table.file.clone(),
            1,
            name,
            format!(
                "missing required column (the header has: {})",
                table.header.join(", ")
            ),
        ));
    }
    let mut items = Vec::new();
    let before = problems.len();
    for row in &table.rows {
        if problems.len() - before >= super::csv::MOST_PROBLEMS {
            problems.push(super::csv::stopped_reading(&table.file, row.line));
            break;
        }
        let mut cells = Cells {
            table,
            columns: &columns,
            row,
            problems,
        };
        if let Some(item) = read_row(&mut cells) {
            items.push(item);
        }
    }
    items
}

/// Remembers the line of each id and reports the second use of one.
#[derive(Default)]
struct UniqueIds {
    first_line: HashMap<String, usize>,
}

impl UniqueIds {
    fn check(&mut self, cells: &mut Cells, id: &str) -> bool {
        match self.first_line.get(id) {
            Some(&first) => {
                cells.problem(
                    "id",
                    format!("duplicate id \"{id}\" (first used on line {first})"),
                );
                false
            }
            None => {
                self.first_line.insert(id.to_string(), cells.row.line);
                true
            }
        }
    }
}

/// The columns of `firms.csv` the contract names.
pub(super) const FIRM_COLUMNS: &[&str] = &[
    "id",
    "name",
    "sector",
    "products",
    "keywords",
    "hs_codes",
    "languages",
    "sessions",
    "min_meetings",
    "max_meetings",
    "export_capacity_usd",
    "booth",
    "contact",
    "email",
    "phone",
    "status",
    "name_en",
    "products_en",
    "products_vi",
];

fn read_firms(
    table: &Table,
    sessions: &SessionLookup,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Problem>,
) -> Vec<Firm> {
    let mut ids = UniqueIds::default();
    each_row(table, FIRM_REQUIRED, problems, |cells| {
        let id = cells.id();
        let name = cells.required("name");
        let firm = Firm {
            id: FirmId(id.clone().unwrap_or_default()),
            name: name.clone().unwrap_or_default(),
            sector: cells.text("sector"),
            products: cells.text("products"),
            keywords: cells.list("keywords"),
            hs_codes: cells.hs_codes(warnings),
            languages: cells.languages("ko"),
            availability: cells.availability(sessions),
            limits: cells.limits(),
            export_capacity_usd: cells.amount("export_capacity_usd"),
            booth: cells.text("booth"),
            contact: cells.contact(),
            status: cells.status(),
            extra: cells.extra(FIRM_COLUMNS),
            for_buyers: crate::model::ForBuyers {
                name_en: cells.text("name_en"),
                products_en: cells.text("products_en"),
                products_vi: cells.text("products_vi"),
            },
        };
        let unique = ids.check(cells, &id?);
        (unique && name.is_some()).then_some(firm)
    })
}

/// The columns of `buyers.csv` the contract names.
pub(super) const BUYER_COLUMNS: &[&str] = &[
    "id",
    "company",
    "country",
    "city",
    "sector",
    "interests",
    "keywords",
    "hs_codes",
    "languages",
    "sessions",
    "min_meetings",
    "max_meetings",
    "annual_import_usd",
    "contact",
    "email",
    "phone",
    "status",
];

fn read_buyers(
    table: &Table,
    sessions: &SessionLookup,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Problem>,
) -> Vec<Buyer> {
    let mut ids = UniqueIds::default();
    each_row(table, BUYER_REQUIRED, problems, |cells| {
        let id = cells.id();
        let company = cells.required("company");
        let country = cells.required("country").and_then(|country| {
            if country.len() == 2 && country.bytes().all(|b| b.is_ascii_alphabetic()) {
                Some(country.to_ascii_uppercase())
            } else {
                cells.problem(
                    "country",
                    format!("\"{country}\" is not an ISO 3166-1 alpha-2 country code (two letters, like IN or VN)"),
                );
                None
            }
        });
        let buyer = Buyer {
            id: BuyerId(id.clone().unwrap_or_default()),
            company: company.clone().unwrap_or_default(),
            country: country.clone().unwrap_or_default(),
            city: cells.text("city"),
            sector: cells.text("sector"),
            interests: cells.text("interests"),
            keywords: cells.list("keywords"),
            hs_codes: cells.hs_codes(warnings),
            languages: cells.languages("en"),
            availability: cells.availability(sessions),
            limits: cells.limits(),
            annual_import_usd: cells.amount("annual_import_usd"),
            contact: cells.contact(),
            status: cells.status(),
            extra: cells.extra(BUYER_COLUMNS),
        };
        let unique = ids.check(cells, &id?);
        (unique && company.is_some() && country.is_some()).then_some(buyer)
    })
}

/// Reads the `firm` and `buyer` cells and checks that both exist.
fn read_pair(cells: &mut Cells, ids: &Participants) -> Option<(FirmId, BuyerId)> {
    let firm = cells.required("firm");
    let buyer = cells.required("buyer");
    let firm = firm.filter(|firm| {
        let known = ids.firms.as_ref().is_none_or(|known| known.contains(firm));
        if !known {
            cells.problem(
                "firm",
                format!("unknown firm \"{firm}\" (not in firms.csv)"),
            );
        }
        known
    });
    let buyer = buyer.filter(|buyer| {
        let known = ids
            .buyers
            .as_ref()
            .is_none_or(|known| known.contains(buyer));
        if !known {
            cells.problem(
                "buyer",
                format!("unknown buyer \"{buyer}\" (not in buyers.csv)"),
            );
        }
        known
    });
    Some((FirmId(firm?), BuyerId(buyer?)))
}

fn read_requests(
    table: &Table,
    ids: &Participants,
    sessions: &SessionLookup,
    problems: &mut Vec<Problem>,
) -> Vec<Request> {
    let mut must_or_avoid: BTreeMap<(FirmId, BuyerId), (RequestKind, usize)> = BTreeMap::new();
    each_row(table, REQUEST_REQUIRED, problems, |cells| {
        let pair = read_pair(cells, ids);
        let kind = cells.required("kind").and_then(|text| {
            let kind = RequestKind::parse(&text);
            if kind.is_none() {
                cells.problem(
                    "kind",
                    format!("unknown kind \"{text}\" (use want, request, must or avoid)"),
                );
            }
            kind
        });
        let from_text = cells.text("from");
        let (firm, buyer) = pair?;
        // v3: a participant's own id makes the row that participant's wish.
        let (from, wish) = match from_text.to_ascii_lowercase().as_str() {
            // The organiser's own wishes count once, like a row that names no side.
            _ if names_the_organiser(&from_text) => (None, false),
            "firm" => (Some(Side::Firm), false),
            "buyer" => (Some(Side::Buyer), false),
            _ if from_text == firm.0 && from_text == buyer.0 => {
                cells.problem(
                    "from",
                    format!("\"{from_text}\" is both the firm's id and the buyer's: write firm or buyer"),
                );
                (None, false)
            }
            _ if from_text == firm.0 => (Some(Side::Firm), true),
            _ if from_text == buyer.0 => (Some(Side::Buyer), true),
            _ => {
                cells.problem(
                    "from",
                    format!(
                        "\"{from_text}\" is none of firm, buyer, organiser, {firm} (the firm's own wish) or {buyer} (the buyer's)"
                    ),
                );
                (None, false)
            }
        };
        let kind = kind?;
        // Wishes may disagree with each other and with the organiser: they are resolved, not
        // refused (`resolve_wishes`).
        if !wish && matches!(kind, RequestKind::Must | RequestKind::Avoid) {
            let key = (firm.clone(), buyer.clone());
            match must_or_avoid.get(&key) {
                Some(&(earlier, line)) if earlier != kind => cells.problem(
                    "kind",
                    format!(
                        "the pair {firm}-{buyer} is both must and avoid (line {line} says {})",
                        earlier.as_str()
                    ),
                ),
                Some(_) => {}
                None => {
                    must_or_avoid.insert(key, (kind, cells.row.line));
                }
            }
        }
        let when = cells.windows("when", sessions);
        Some(Request {
            firm,
            buyer,
            kind,
            from,
            wish,
            when,
            note: cells.text("note"),
        })
    })
}

fn read_outcomes(table: &Table, ids: &Participants, problems: &mut Vec<Problem>) -> Vec<Outcome> {
    let mut seen: HashMap<(FirmId, BuyerId), usize> = HashMap::new();
    each_row(table, OUTCOME_REQUIRED, problems, |cells| {
        let pair = read_pair(cells, ids);
        let attended = cells.text("attended");
        let attended = cells.cell("attended", outcomes::attended_cell(&attended));
        let interest = cells.text("interest");
        let interest = cells.cell("interest", outcomes::interest_cell(&interest));
        let next_step = cells.text("next_step");
        let next_step = cells.cell("next_step", outcomes::next_step_cell(&next_step));
        let consultation_usd = cells.amount("consultation_usd");
        let contract_usd = cells.amount("contract_usd");
        let (firm, buyer) = pair?;
        let key = (firm.clone(), buyer.clone());
        if let Some(first) = seen.get(&key) {
            cells.problem(
                "buyer",
                format!("the pair {firm}-{buyer} already has an outcome on line {first}; a pair meets at most once"),
            );
        } else {
            seen.insert(key, cells.row.line);
        }
        Some(Outcome {
            firm,
            buyer,
            attended,
            interest,
            consultation_usd,
            contract_usd,
            next_step,
            note: cells.text("note"),
        })
    })
}
/// Whether a `requests.csv` `from` cell names the organiser (empty, `organiser` or
/// `organizer`, in any case): the organiser's rows, not a participant's wish.
pub fn names_the_organiser(from: &str) -> bool {
    matches!(
        from.trim().to_ascii_lowercase().as_str(),
        "" | "organiser" | "organizer"
    )
}
