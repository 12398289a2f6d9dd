//! Follow-up and report files: `followup.csv` (contract section 5), `report.json`, `report.csv`.

use std::path::Path;

use serde_json::{json, Value};

use super::csv::{csv_with_header, push_line};
use super::write::{write_atomically, write_set};
use crate::error::{Error, Result};
use crate::followup::FollowupRow;
use crate::model::Mission;
use crate::report::{MissionReport, Totals};

/// Writes `followup.csv`, highest priority first, atomically.
pub fn write_followup(path: &Path, mission: &Mission, rows: &[FollowupRow]) -> Result<()> {
    write_atomically(path, followup_csv(mission, rows).as_bytes())
}

/// The columns of `followup.csv`, also the keys of the API's follow-up rows.
const FOLLOWUP_COLUMNS: &[&str] = &[
    "buyer",
    "company",
    "flag",
    "priority",
    "reasons",
    "firms",
    "next_action",
    "due",
];

/// The cells of one follow-up row, in [`FOLLOWUP_COLUMNS`] order.
fn followup_cells(mission: &Mission, row: &FollowupRow) -> [String; 8] {
    let buyer = &mission.buyers[row.buyer];
    [
        buyer.id.to_string(),
        buyer.company.clone(),
        row.flag.as_str().to_string(),
        format!("{:.2}", row.priority),
        row.reasons.join("; "),
        row.firms.join(";"),
        row.next_action.clone(),
        row.due.to_string(),
    ]
}

/// `followup.csv` (contract section 5) of the plan's rows.
pub fn followup_csv(mission: &Mission, rows: &[FollowupRow]) -> String {
    let mut text = csv_with_header(FOLLOWUP_COLUMNS);
    for row in rows {
        push_line(&mut text, &followup_cells(mission, row));
    }
    text
}

/// The plan's rows as JSON objects with the `followup.csv` columns as keys and its cells as text.
pub fn followup_json(mission: &Mission, rows: &[FollowupRow]) -> Vec<Value> {
    rows.iter()
        .map(|row| {
            let cells = followup_cells(mission, row);
            Value::Object(
                FOLLOWUP_COLUMNS
                    .iter()
                    .zip(cells)
                    .map(|(key, cell)| (key.to_string(), Value::String(cell)))
                    .collect(),
            )
        })
        .collect()
}

fn totals_json(totals: &Totals) -> Value {
    json!({
        "companies_met": totals.companies_met,
        "meetings_held": totals.meetings_held,
        "no_shows": totals.no_shows,
        "consultation_usd": totals.consultation_usd,
        "contract_usd": totals.contract_usd,
        "contract_ratio": totals.contract_ratio(),
    })
}

/// The report as JSON.
pub fn report_json(mission: &Mission, report: &MissionReport) -> Value {
    json!({
        "mission": mission.name,
        "currency": mission.currency,
        "meetings_scheduled": report.meetings_scheduled,
        "meetings_recorded": report.meetings_recorded,
        "meetings_unrecorded": report.meetings_unrecorded,
        "total": totals_json(&report.total),
        "per_country": report.per_country.iter().map(|(k, v)| (k.clone(), totals_json(v))).collect::<serde_json::Map<String, Value>>(),
        "per_firm": report.per_firm.iter().map(|(k, v)| (k.clone(), totals_json(v))).collect::<serde_json::Map<String, Value>>(),
        "per_buyer": report.per_buyer.iter().map(|(k, v)| (k.clone(), totals_json(v))).collect::<serde_json::Map<String, Value>>(),
        "no_show_buyers": report.no_show_buyers,
    })
}

/// Writes `report.json` and `report.csv` (one row for the mission, each country, each firm).
pub fn write_report(out_dir: &Path, mission: &Mission, report: &MissionReport) -> Result<()> {
    let json = serde_json::to_string_pretty(&report_json(mission, report))
        .map_err(|error| Error::Unsupported(format!("cannot encode report.json: {error}")))?;
    let mut text = csv_with_header(&[
        "scope",
        "id",
        "name",
        "companies_met",
        "meetings_held",
        "no_shows",
        "consultation_usd",
        "contract_usd",
        "contract_ratio",
    ]);
    let firm_name = |id: &str| {
        let firm = mission.firms.iter().find(|firm| firm.id.as_str() == id);
        firm.map_or(String::new(), |firm| firm.name.clone())
    };
    let buyer_name = |id: &str| {
        let buyer = mission.buyers.iter().find(|buyer| buyer.id.as_str() == id);
        buyer.map_or(String::new(), |buyer| buyer.company.clone())
    };
    let rows = std::iter::once((
        "mission",
        String::new(),
        mission.name.clone(),
        &report.total,
    ))
    .chain(
        report
            .per_country
            .iter()
            .map(|(k, v)| ("country", k.clone(), k.clone(), v)),
    )
    .chain(
        report
            .per_firm
            .iter()
            .map(|(k, v)| ("firm", k.clone(), firm_name(k), v)),
    )
    .chain(
        report
            .per_buyer
            .iter()
            .map(|(k, v)| ("buyer", k.clone(), buyer_name(k), v)),
    );
    for (scope, id, name, totals) in rows {
        push_line(
            &mut text,
            &[
                scope.to_string(),
                id,
                name,
                totals.companies_met.to_string(),
                totals.meetings_held.to_string(),
                totals.no_shows.to_string(),
                format!("{:.2}", totals.consultation_usd),
                format!("{:.2}", totals.contract_usd),
                format!("{:.4}", totals.contract_ratio()),
            ],
        );
    }
    let json = format!("{json}\n");
    write_set(
        out_dir,
        &[
            ("report.json", json.as_bytes()),
            ("report.csv", text.as_bytes()),
        ],
    )
}

/// The file, kept in the mission folder, that lists the follow-up notifications the webhook
/// acknowledged (one idempotency key a line, after a `key` header). It belongs to the mission,
/// not to an output folder, so a run with another `--out` does not send them again.
const NOTIFIED_FILE: &str = "notified.csv";

/// The keys acknowledged so far: from `MISSION_DIR/notified.csv`, and from the
/// `out/notified.csv` that versions before 0.2 kept. The `key` header is optional (a file someone
/// edited by hand may have lost it), and so is the last line's end.
pub fn read_notified(mission_dir: &Path) -> std::collections::BTreeSet<String> {
    let mut keys = std::collections::BTreeSet::new();
    for path in [
        mission_dir.join(NOTIFIED_FILE),
        mission_dir.join("out").join(NOTIFIED_FILE),
    ] {
        if let Ok(text) = std::fs::read_to_string(&path) {
            keys.extend(
                text.trim_start_matches('\u{feff}')
                    .lines()
                    .filter_map(|line| line.split(',').next())
                    .map(str::trim)
                    .filter(|key| !key.is_empty() && *key != "key")
                    .map(String::from),
            );
        }
    }
    keys
}

/// Records one acknowledged key at the end of `MISSION_DIR/notified.csv`, on disk before it
/// returns (see [`append_line`]).
pub fn record_notified(mission_dir: &Path, key: &str) -> Result<()> {
    append_line(&mission_dir.join(NOTIFIED_FILE), "key", key)
}

/// The file, kept in the mission folder, that lists the e-mail `send` delivered
/// (`key,to,what,sent_at`, contract v3).
const SENT_FILE: &str = "sent.csv";

/// The keys of the messages sent so far (`MISSION_DIR/sent.csv`).
pub fn read_sent(mission_dir: &Path) -> std::collections::BTreeSet<String> {
    std::fs::read_to_string(mission_dir.join(SENT_FILE))
        .map(|text| {
            text.trim_start_matches('\u{feff}')
                .lines()
                .filter_map(|line| line.split(',').next())
                .map(str::trim)
                .filter(|key| !key.is_empty() && *key != "key")
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// Records one message the server accepted, on disk before it returns.
pub fn record_sent(
    mission_dir: &Path,
    key: &str,
    to: &str,
    what: &str,
    sent_at: &str,
) -> Result<()> {
    let cells = [key, to, what, sent_at].map(|cell| cell.replace([',', '\n', '\r'], " "));
    append_line(
        &mission_dir.join(SENT_FILE),
        "key,to,what,sent_at",
        &cells.join(","),
    )
}

/// Appends one line to a record file (created with its header when missing). Appending is the
/// one write here that is not temp-and-rename: a line cut short by a crash is an unknown key,
/// which only means that message is sent again. A file whose last line has no end (saved by an
/// editor, or cut by a crash) gets one first, so the new line is never glued onto the last.
fn append_line(path: &Path, header: &str, line: &str) -> Result<()> {
    use std::io::{Read as _, Seek as _, Write as _};
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(path)
        .map_err(|error| Error::io(path, error))?;
    let length = file
        .metadata()
        .map_err(|error| Error::io(path, error))?
        .len();
    let mut last = [b'\n'];
    if length > 0 {
        file.seek(std::io::SeekFrom::End(-1))
            .and_then(|_| file.read_exact(&mut last))
            .map_err(|error| Error::io(path, error))?;
    }
    let line = match (length, last[0]) {
        (0, _) => format!("\u{feff}{header}\n{line}\n"),
        (_, b'\n') => format!("{line}\n"),
        _ => format!("\n{line}\n"),
    };
    file.write_all(line.as_bytes())
        .and_then(|()| file.sync_data())
        .map_err(|error| Error::io(path, error))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (what `notified.csv` held, the keys read after one more is recorded).
    #[test]
    fn recorded_keys_stay_on_their_own_lines() {
        let cases: &[(Option<&str>, &[&str])] = &[
            (None, &["mm-new"]),
            (Some(""), &["mm-new"]),
            (Some("\u{feff}key\nmm-a\n"), &["mm-a", "mm-new"]),
            (Some("\u{feff}key\nmm-a"), &["mm-a", "mm-new"]),
            (Some("key\r\nmm-a\r\nmm-b"), &["mm-a", "mm-b", "mm-new"]),
            (Some("mm-a\nmm-b\n"), &["mm-a", "mm-b", "mm-new"]),
        ];
        for (index, (before, expected)) in cases.iter().enumerate() {
            let dir = std::env::temp_dir().join(format!(
                "missionmatch-notified-{}-{index}",
                std::process::id()
            ));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(NOTIFIED_FILE);
            match before {
                Some(text) => std::fs::write(&path, text).unwrap(),
                None => {
                    let _ = std::fs::remove_file(&path);
                }
            }
            record_notified(&dir, "mm-new").unwrap();
            let keys: Vec<String> = read_notified(&dir).into_iter().collect();
            std::fs::remove_dir_all(&dir).unwrap();
            assert_eq!(keys, *expected, "case {index}: {before:?}");
        }
    }
}
