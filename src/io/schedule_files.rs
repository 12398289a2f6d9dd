//! The scheduler's files: `--weights` (or `candidates.csv`) in, `schedule.json` and
//! `schedule.csv` out (contract section 5).

use std::path::Path;

use serde_json::{json, Value};

use super::csv::{csv_with_header, parse_table, push_line};
use super::read::split_list;
use super::write::{write_atomically, write_set};
use crate::error::{Error, Problem, Result};
use crate::model::{BuyerId, FirmId, Mission, LARGEST_AMOUNT};
use crate::schedule::{Meeting, PairWeight, Schedule};

/// Reads a weights file: any CSV with `firm,buyer,expected_value_usd` (and optionally `reasons`,
/// a `;` list), such as `candidates.csv`.
pub fn read_weights(path: &Path) -> Result<Vec<PairWeight>> {
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
                "no such weights file",
            )]))
        }
        Err(problem) => return Err(Error::Invalid(vec![problem])),
    };
    let table = parse_table(&file, &bytes).map_err(Error::Invalid)?;
    let column = |name: &str| table.header.iter().position(|h| h == name);
    let mut problems = Vec::new();
    let required = ["firm", "buyer", "expected_value_usd"];
    for name in required {
        if column(name).is_none() {
            problems.push(Problem::new(
                &file,
                1,
                name,
                format!(
                    "missing required column (the header has: {})",
                    table.header.join(", ")
                ),
            ));
        }
    }
    let (Some(firm), Some(buyer), Some(value)) = (
        column("firm"),
        column("buyer"),
        column("expected_value_usd"),
    ) else {
        return Err(Error::Invalid(problems));
    };
    let reasons = column("reasons");
    let mut weights = Vec::new();
    for row in &table.rows {
        let cell = |index: usize| row.cells[index].trim();
        let mut missing = false;
        for (index, name) in [
            (firm, "firm"),
            (buyer, "buyer"),
            (value, "expected_value_usd"),
        ] {
            if cell(index).is_empty() {
                problems.push(Problem::new(
                    &file,
                    row.line,
                    name,
                    "empty, but this column is required",
                ));
                missing = true;
            }
        }
        if missing {
            continue;
        }
        let expected_value_usd = match cell(value).parse::<f64>() {
            Ok(number) if (0.0..=LARGEST_AMOUNT).contains(&number) => number,
            _ => {
                problems.push(Problem::new(
                    &file,
                    row.line,
                    "expected_value_usd",
                    format!(
                        "\"{}\" is not a number from 0 to {LARGEST_AMOUNT:e}",
                        cell(value)
                    ),
                ));
                continue;
            }
        };
        weights.push(PairWeight {
            firm: FirmId(cell(firm).to_string()),
            buyer: BuyerId(cell(buyer).to_string()),
            expected_value_usd,
            reasons: reasons
                .map(|index| split_list(cell(index)))
                .unwrap_or_default(),
            source: file.clone(),
            line: Some(row.line),
        });
    }
    if problems.is_empty() {
        Ok(weights)
    } else {
        Err(Error::Invalid(problems))
    }
}

/// Writes `candidates.csv` (contract section 5), one row a kept pair, atomically.
pub fn write_candidates(
    path: &Path,
    mission: &Mission,
    candidates: &[crate::matching::Candidate],
) -> Result<()> {
    let mut text = csv_with_header(&[
        "firm",
        "buyer",
        "relevance",
        "p_deal",
        "deal_value_usd",
        "expected_value_usd",
        "reasons",
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
            ],
        );
    }
    write_atomically(path, text.as_bytes())
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

/// The contract's `schedule.json` document.
pub fn schedule_json(mission: &Mission, schedule: &Schedule) -> Value {
    let meetings: Vec<Value> = schedule
        .meetings
        .iter()
        .map(|meeting| {
            let (session, start, end) = meeting_times(mission, meeting);
            json!({
                "firm": meeting.firm.as_str(),
                "buyer": meeting.buyer.as_str(),
                "session": session,
                "start": start,
                "end": end,
                "interpreter": meeting.interpreter,
                "expected_value_usd": round_cents(meeting.expected_value_usd),
                "reasons": meeting.reasons,
            })
        })
        .collect();
    let shortfalls: Vec<Value> = schedule
        .shortfalls
        .iter()
        .map(|s| {
            json!({
                "side": match s.side { crate::model::Side::Firm => "firm", crate::model::Side::Buyer => "buyer" },
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
        }
    })
}

/// Writes `schedule.json` and `schedule.csv` into `out_dir` as a set (see [`write_set`]).
pub fn write_schedule(out_dir: &Path, mission: &Mission, schedule: &Schedule) -> Result<()> {
    let json = serde_json::to_string_pretty(&schedule_json(mission, schedule))
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
    ]);
    for meeting in &schedule.meetings {
        let (session, start, end) = meeting_times(mission, meeting);
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
            ],
        );
    }
    let json = format!("{json}\n");
    write_set(
        out_dir,
        &[
            ("schedule.json", json.as_bytes()),
            ("schedule.csv", csv.as_bytes()),
        ],
    )
}
