//! The scheduler's files: `--weights` (or `candidates.csv`) in, `schedule.json` and
//! `schedule.csv` out (contract section 5).

use std::path::Path;

use serde_json::{json, Value};

use super::csv::{csv_with_header, parse_table, push_line};
use super::read::split_list;
use super::write::{write_atomically, write_set};
use crate::error::{Error, Problem, Result};
use crate::model::{BuyerId, FirmId, Mission, Side, LARGEST_AMOUNT};
use crate::publish::Status;
use crate::replan::{Change, Replanned};
use crate::schedule::{idle_gaps, Meeting, PairWeight, Schedule};

/// One row of a file of pairs (weights, candidates): the ids, the numbers asked for (in the
/// order asked; `None` for an absent optional column), the reasons.
struct PairRow {
    firm: String,
    buyer: String,
    numbers: Vec<Option<f64>>,
    reasons: Vec<String>,
    line: usize,
}

/// Reads a CSV of pairs: `firm`, `buyer`, the `required` number columns (each non-negative, at
/// most [`LARGEST_AMOUNT`]), the `optional` ones, and an optional `reasons` list. Every problem
/// is collected. Returns the file's name (for messages) and the rows.
fn read_pair_table(
    path: &Path,
    what: &str,
    required: &[&str],
    optional: &[&str],
) -> Result<(String, Vec<PairRow>)> {
    let file = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let folder = path.parent().unwrap_or(Path::new("."));
    let bytes = match super::source::read_bytes(folder, &file) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            return Err(Error::Invalid(vec![Problem::new(
                path.display().to_string(),
                0,
                "file",
                format!("no such {what} file"),
            )]))
        }
        Err(problem) => return Err(Error::Invalid(vec![problem])),
    };
    pair_table(file, &bytes, required, optional)
}

/// [`read_pair_table`] of bytes in memory; `file` names them in problems.
fn pair_table(
    file: String,
    bytes: &[u8],
    required: &[&str],
    optional: &[&str],
) -> Result<(String, Vec<PairRow>)> {
    let table = parse_table(&file, bytes).map_err(Error::Invalid)?;
    let column = |name: &str| table.header.iter().position(|h| h == name);
    let mut problems = Vec::new();
    let ids = ["firm", "buyer"];
    for name in ids.iter().chain(required) {
        if column(name).is_none() {
            problems.push(Problem::new(
                &file,
                1,
                *name,
                format!(
                    "missing required column (the header has: {})",
                    table.header.join(", ")
                ),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    let number_columns: Vec<(&str, Option<usize>, bool)> = required
        .iter()
        .map(|&name| (name, column(name), true))
        .chain(optional.iter().map(|&name| (name, column(name), false)))
        .collect();
    let (firm, buyer, reasons) = (column("firm"), column("buyer"), column("reasons"));
    let mut rows = Vec::new();
    for row in &table.rows {
        let cell = |index: Option<usize>| index.map_or("", |index| row.cells[index].trim());
        let mut complete = true;
        for (name, index, needed) in [("firm", firm, true), ("buyer", buyer, true)]
            .into_iter()
            .chain(number_columns.iter().copied())
        {
            if needed && cell(index).is_empty() {
                problems.push(Problem::new(
                    &file,
                    row.line,
                    name,
                    "empty, but this column is required",
                ));
                complete = false;
            }
        }
        let mut numbers = Vec::with_capacity(number_columns.len());
        for &(name, index, _) in &number_columns {
            let text = cell(index);
            if text.is_empty() {
                numbers.push(None);
                continue;
            }
            match text.parse::<f64>() {
                Ok(number) if (0.0..=LARGEST_AMOUNT).contains(&number) => {
                    numbers.push(Some(number))
                }
                _ => {
                    problems.push(Problem::new(
                        &file,
                        row.line,
                        name,
                        format!("\"{text}\" is not a number from 0 to {LARGEST_AMOUNT:e}"),
                    ));
                    complete = false;
                }
            }
        }
        if complete {
            rows.push(PairRow {
                firm: cell(firm).to_string(),
                buyer: cell(buyer).to_string(),
                numbers,
                reasons: split_list(cell(reasons)),
                line: row.line,
            });
        }
    }
    if problems.is_empty() {
        Ok((file, rows))
    } else {
        Err(Error::Invalid(problems))
    }
}

/// Reads a weights file: any CSV with `firm,buyer,expected_value_usd` (and optionally `reasons`,
/// a `;` list, and `relevance`, which the relevance floor reads), such as `candidates.csv`.
pub fn read_weights(path: &Path) -> Result<Vec<PairWeight>> {
    let (file, rows) = read_pair_table(path, "weights", &["expected_value_usd"], &["relevance"])?;
    Ok(rows
        .into_iter()
        .map(|row| PairWeight {
            firm: FirmId(row.firm),
            buyer: BuyerId(row.buyer),
            expected_value_usd: row.numbers[0].unwrap_or_default(),
            relevance: row.numbers.get(1).copied().flatten(),
            reasons: row.reasons,
            source: file.clone(),
            line: Some(row.line),
        })
        .collect())
}

/// Reads the `candidates.csv` that `match` or `schedule` published for this mission, so that
/// follow-up and calibration judge the pairs people saw rather than a fresh matcher run.
/// Columns a version-1 file lacks (`hs_level`, `text_similarity`) read as 0; a pair naming a
/// firm or buyer that is no longer in the mission is a problem.
pub fn read_candidates(path: &Path, mission: &Mission) -> Result<Vec<crate::model::Candidate>> {
    let _reading = super::write::settle(path.parent().unwrap_or(Path::new(".")))?;
    let table = read_pair_table(path, "candidates", CANDIDATE_COLUMNS, CANDIDATE_OPTIONAL)?;
    candidates_of(table, mission)
}

const CANDIDATE_COLUMNS: &[&str] = &[
    "relevance",
    "p_deal",
    "deal_value_usd",
    "expected_value_usd",
];
const CANDIDATE_OPTIONAL: &[&str] = &["text_similarity", "hs_level"];

/// [`read_candidates`] of a `candidates.csv` in memory, named `file` in problems.
pub fn parse_candidates(
    file: &str,
    bytes: &[u8],
    mission: &Mission,
) -> Result<Vec<crate::model::Candidate>> {
    let table = pair_table(
        file.to_string(),
        bytes,
        CANDIDATE_COLUMNS,
        CANDIDATE_OPTIONAL,
    )?;
    candidates_of(table, mission)
}

fn candidates_of(
    (file, rows): (String, Vec<PairRow>),
    mission: &Mission,
) -> Result<Vec<crate::model::Candidate>> {
    let mut problems = Vec::new();
    let mut candidates = Vec::new();
    for row in rows {
        let firm = mission.firm_index(&FirmId(row.firm.clone()));
        let buyer = mission.buyer_index(&BuyerId(row.buyer.clone()));
        if firm.is_none() {
            problems.push(Problem::new(
                &file,
                row.line,
                "firm",
                format!("unknown firm \"{}\" (not in firms.csv)", row.firm),
            ));
        }
        if buyer.is_none() {
            problems.push(Problem::new(
                &file,
                row.line,
                "buyer",
                format!("unknown buyer \"{}\" (not in buyers.csv)", row.buyer),
            ));
        }
        let (Some(firm), Some(buyer)) = (firm, buyer) else {
            continue;
        };
        let number = |index: usize| row.numbers[index].unwrap_or_default();
        candidates.push(crate::model::Candidate {
            firm,
            buyer,
            relevance: number(0),
            p_deal: number(1),
            deal_value_usd: number(2),
            expected_value_usd: number(3),
            text_similarity: number(4),
            hs_level: number(5).min(3.0) as u8,
            reasons: row.reasons,
        });
    }
    if problems.is_empty() {
        Ok(candidates)
    } else {
        Err(Error::Invalid(problems))
    }
}

/// `candidates.csv` (contract section 5), one row a kept pair; after the contract's columns,
/// `text_similarity` and `hs_level`, which calibration reads back.
fn candidates_csv(mission: &Mission, candidates: &[crate::model::Candidate]) -> String {
    let mut text = csv_with_header(&[
        "firm",
        "buyer",
        "relevance",
        "p_deal",
        "deal_value_usd",
        "expected_value_usd",
        "reasons",
        "text_similarity",
        "hs_level",
    ]);
    for candidate in candidates {
        push_line(
            &mut text,
            &[
                mission.firms[candidate.firm].id.to_string(),
                mission.buyers[candidate.buyer].id.to_string(),
                format!("{:.4}", candidate.relevance),
                format!("{:.5}", candidate.p_deal),
                format!("{:.2}", candidate.deal_value_usd),
                format!("{:.2}", candidate.expected_value_usd),
                candidate.reasons.join("; "),
                format!("{:.4}", candidate.text_similarity),
                candidate.hs_level.to_string(),
            ],
        );
    }
    text
}

/// Writes `candidates.csv` atomically.
pub fn write_candidates(
    path: &Path,
    mission: &Mission,
    candidates: &[crate::model::Candidate],
) -> Result<()> {
    write_atomically(path, candidates_csv(mission, candidates).as_bytes())
}

/// Writes weights as `firm,buyer,expected_value_usd,reasons` (atomically).
pub fn write_weights(path: &Path, weights: &[PairWeight]) -> Result<()> {
    let mut text = csv_with_header(&["firm", "buyer", "expected_value_usd", "reasons"]);
    for weight in weights {
        push_line(
            &mut text,
            &[
                weight.firm.to_string(),
                weight.buyer.to_string(),
                weight.expected_value_usd.to_string(),
                weight.reasons.join("; "),
            ],
        );
    }
    write_atomically(path, text.as_bytes())
}

fn meeting_times(mission: &Mission, meeting: &Meeting) -> (String, String, String) {
    let slot = &mission.slots[meeting.slot.0];
    let session = &mission.sessions[slot.session];
    (
        session.id.to_string(),
        format!("{}T{}", session.date, slot.range.start),
        format!("{}T{}", session.date, slot.range.end),
    )
}

fn round_cents(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// The names a meeting row carries besides the ids (contract v2).
struct MeetingNames {
    firm_name: String,
    buyer_company: String,
    place: String,
}

/// `wanted_by` (contract v2): who asked with `want` rows: `firm`, `buyer`, `both`, or empty
/// (nobody, or only the organiser).
fn wanted_by(sides: Option<&std::collections::BTreeSet<Option<Side>>>) -> &'static str {
    let has = |side: Side| sides.is_some_and(|sides| sides.contains(&Some(side)));
    match (has(Side::Firm), has(Side::Buyer)) {
        (true, true) => "both",
        (true, false) => "firm",
        (false, true) => "buyer",
        (false, false) => "",
    }
}

/// Wanted meetings held and wanted (rule 7's count: each side's `want` once).
fn wants_met(mission: &Mission, meetings: &[Meeting]) -> (usize, usize) {
    let wants = mission.wants();
    let wanted = wants.values().map(|sides| sides.len().min(2)).sum();
    let met = meetings
        .iter()
        .filter_map(|m| wants.get(&(&m.firm, &m.buyer)))
        .map(|sides| sides.len().min(2))
        .sum();
    (met, wanted)
}

fn names_of(mission: &Mission, meeting: &Meeting) -> MeetingNames {
    let firm = mission.firm_index(&meeting.firm).map(|f| &mission.firms[f]);
    let buyer = mission
        .buyer_index(&meeting.buyer)
        .map(|b| &mission.buyers[b]);
    MeetingNames {
        firm_name: firm.map(|f| f.name.clone()).unwrap_or_default(),
        buyer_company: buyer.map(|b| b.company.clone()).unwrap_or_default(),
        place: meeting.place(mission),
    }
}

/// The contract's `schedule.json` document, with `status` `draft` (a new timetable).
pub fn schedule_json(mission: &Mission, schedule: &Schedule) -> Value {
    schedule_json_with_status(mission, schedule, Status::Draft)
}

/// The contract's `schedule.json` document with the given publication status.
pub fn schedule_json_with_status(mission: &Mission, schedule: &Schedule, status: Status) -> Value {
    let idle = idle_gaps(mission, &schedule.meetings);
    let wants = mission.wants();
    let (wants_met, wants_wanted) = wants_met(mission, &schedule.meetings);
    let meetings: Vec<Value> = schedule
        .meetings
        .iter()
        .map(|meeting| {
            let (session, start, end) = meeting_times(mission, meeting);
            let names = names_of(mission, meeting);
            json!({
                "firm": meeting.firm.as_str(),
                "buyer": meeting.buyer.as_str(),
                "session": session,
                "start": start,
                "end": end,
                "interpreter": meeting.interpreter,
                "expected_value_usd": round_cents(meeting.expected_value_usd),
                "reasons": meeting.reasons,
                "firm_name": names.firm_name,
                "buyer_company": names.buyer_company,
                "place": names.place,
                "table": meeting.table,
                "wanted_by": wanted_by(wants.get(&(&meeting.firm, &meeting.buyer))),
            })
        })
        .collect();
    let shortfalls: Vec<Value> = schedule
        .shortfalls
        .iter()
        .map(|s| {
            json!({
                "side": s.side.as_str(),
                "id": s.id, "meetings": s.meetings, "minimum": s.minimum, "cause": s.cause,
            })
        })
        .collect();
    json!({
        "mission": mission.name,
        "currency": mission.currency,
        "meetings": meetings,
        "summary": {
            "meetings": schedule.meetings.len(),
            "expected_value_usd": round_cents(schedule.expected_value_usd),
            "upper_bound_usd": round_cents(schedule.upper_bound_usd),
            "gap": schedule.gap,
            "solver": schedule.solver,
            "seconds": (schedule.seconds * 1000.0).round() / 1000.0,
            "minimum_meetings_covered": schedule.minimum_coverage.0,
            "minimum_meetings_wanted": schedule.minimum_coverage.1,
            "proven_optimal": schedule.proven_optimal,
            "shortfalls": shortfalls,
            "notes": schedule.notes,
            "idle_gaps": idle.0,
            "max_idle_gaps": idle.1,
            "status": status.as_str(),
            "wants_met": wants_met,
            "wants_wanted": wants_wanted,
        }
    })
}

/// The texts of `schedule.json` (with `summary.replanned_at` when given) and `schedule.csv`.
fn schedule_texts(
    mission: &Mission,
    schedule: &Schedule,
    status: Status,
    replanned_at: Option<&str>,
) -> Result<(String, String)> {
    let mut document = schedule_json_with_status(mission, schedule, status);
    if let (Some(moment), Some(summary)) = (
        replanned_at,
        document.get_mut("summary").and_then(Value::as_object_mut),
    ) {
        summary.insert("replanned_at".to_string(), Value::from(moment));
    }
    let json = serde_json::to_string_pretty(&document)
        .map_err(|error| Error::Unsupported(format!("cannot encode schedule.json: {error}")))?;
    let mut csv = csv_with_header(&[
        "firm",
        "buyer",
        "session",
        "start",
        "end",
        "interpreter",
        "expected_value_usd",
        "reasons",
        "firm_name",
        "buyer_company",
        "place",
        "table",
        "wanted_by",
    ]);
    let wants = mission.wants();
    for meeting in &schedule.meetings {
        let (session, start, end) = meeting_times(mission, meeting);
        let names = names_of(mission, meeting);
        push_line(
            &mut csv,
            &[
                meeting.firm.to_string(),
                meeting.buyer.to_string(),
                session,
                start,
                end,
                meeting.interpreter.clone().unwrap_or_default(),
                round_cents(meeting.expected_value_usd).to_string(),
                meeting.reasons.join("; "),
                names.firm_name,
                names.buyer_company,
                names.place,
                meeting.table.map(|t| t.to_string()).unwrap_or_default(),
                wanted_by(wants.get(&(&meeting.firm, &meeting.buyer))).to_string(),
            ],
        );
    }
    Ok((format!("{json}\n"), csv))
}

/// Writes `schedule.json` and `schedule.csv` into `out_dir` as a set (see [`write_set`]), with
/// `candidates.csv` in the same set when the timetable was built from the matcher's candidates:
/// what follow-up and calibration later read is what the timetable was built from.
pub fn write_schedule(
    out_dir: &Path,
    mission: &Mission,
    schedule: &Schedule,
    candidates: Option<&[crate::model::Candidate]>,
) -> Result<()> {
    let files = schedule_files(mission, schedule, Status::Draft, candidates)?;
    write_text_set(out_dir, &files)
}

/// The files [`write_schedule`] writes, by name, with the summary's `status`: for callers that
/// keep them elsewhere (the server's database).
pub fn schedule_files(
    mission: &Mission,
    schedule: &Schedule,
    status: Status,
    candidates: Option<&[crate::model::Candidate]>,
) -> Result<Vec<(&'static str, String)>> {
    let (json, csv) = schedule_texts(mission, schedule, status, None)?;
    let mut files = vec![("schedule.json", json), ("schedule.csv", csv)];
    if let Some(candidates) = candidates {
        files.push(("candidates.csv", candidates_csv(mission, candidates)));
    }
    Ok(files)
}

fn write_text_set(out_dir: &Path, files: &[(&str, String)]) -> Result<()> {
    let bytes: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(name, text)| (*name, text.as_bytes()))
        .collect();
    write_set(out_dir, &bytes)
}

/// `changes.csv` (contract v2): `change,firm,buyer,old_start,new_start,old_place,new_place,tell`,
/// and after the contract's columns `reason`.
fn changes_csv(mission: &Mission, changes: &[Change]) -> String {
    let mut text = csv_with_header(&[
        "change",
        "firm",
        "buyer",
        "old_start",
        "new_start",
        "old_place",
        "new_place",
        "tell",
        "reason",
    ]);
    let start = |slot: Option<crate::model::SlotId>| {
        slot.map(|slot| {
            let record = &mission.slots[slot.0];
            format!(
                "{}T{}",
                mission.sessions[record.session].date, record.range.start
            )
        })
        .unwrap_or_default()
    };
    for change in changes {
        push_line(
            &mut text,
            &[
                change.kind.as_str().to_string(),
                change.firm.to_string(),
                change.buyer.to_string(),
                start(change.old_slot),
                start(change.new_slot),
                change.old_place.clone(),
                change.new_place.clone(),
                format!("{};{}", change.firm, change.buyer),
                change.reason.clone(),
            ],
        );
    }
    text
}

/// Writes a re-planned timetable: `schedule.json` (with the status of the schedule it
/// re-planned), `schedule.csv` and `changes.csv`, as one set, with `candidates.csv` when the
/// matcher ran.
pub fn write_replan(
    out_dir: &Path,
    mission: &Mission,
    replanned: &Replanned,
    status: Status,
    candidates: Option<&[crate::model::Candidate]>,
) -> Result<()> {
    let files = replan_files(mission, replanned, status, candidates)?;
    write_text_set(out_dir, &files)
}

/// The files [`write_replan`] writes, by name: for callers that keep them elsewhere.
pub fn replan_files(
    mission: &Mission,
    replanned: &Replanned,
    status: Status,
    candidates: Option<&[crate::model::Candidate]>,
) -> Result<Vec<(&'static str, String)>> {
    // The moment of the re-plan, so that `publish` knows which meetings of since-cancelled
    // participants had taken place.
    let replanned_at = format!("{}T{}", replanned.now.date, replanned.now.time);
    let (json, csv) = schedule_texts(mission, &replanned.schedule, status, Some(&replanned_at))?;
    let mut files = vec![
        ("schedule.json", json),
        ("schedule.csv", csv),
        ("changes.csv", changes_csv(mission, &replanned.changes)),
    ];
    if let Some(candidates) = candidates {
        files.push(("candidates.csv", candidates_csv(mission, candidates)));
    }
    Ok(files)
}
