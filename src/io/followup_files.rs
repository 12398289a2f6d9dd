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

/// The text of `followup.csv`.
pub fn followup_csv(mission: &Mission, rows: &[FollowupRow]) -> String {
    let mut text = csv_with_header(&[
        "buyer",
        "company",
        "flag",
        "priority",
        "reasons",
        "firms",
        "next_action",
        "due",
    ]);
    for row in rows {
        let buyer = &mission.buyers[row.buyer];
        push_line(
            &mut text,
            &[
                buyer.id.to_string(),
                buyer.company.clone(),
                row.flag.as_str().to_string(),
                format!("{:.2}", row.priority),
                row.reasons.join("; "),
                row.firms.join(";"),
                row.next_action.clone(),
                row.due.to_string(),
            ],
        );
    }
    text
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
        "total": totals_json(&report.total),
        "per_country": report.per_country.iter().map(|(k, v)| (k.clone(), totals_json(v))).collect::<serde_json::Map<String, Value>>(),
        "per_firm": report.per_firm.iter().map(|(k, v)| (k.clone(), totals_json(v))).collect::<serde_json::Map<String, Value>>(),
        "no_show_buyers": report.no_show_buyers,
    })
}

/// Writes `report.json` and `report.csv` (one row for the mission, each country, each firm).
pub fn write_report(out_dir: &Path, mission: &Mission, report: &MissionReport) -> Result<()> {
    let json = serde_json::to_string_pretty(&report_json(mission, report))
        .map_err(|error| Error::Unsupported(format!("cannot encode report.json: {error}")))?;
    let mut text = csv_with_header(&[
        "scope",
        "name",
        "companies_met",
        "meetings_held",
        "no_shows",
        "consultation_usd",
        "contract_usd",
        "contract_ratio",
    ]);
    let rows = std::iter::once(("mission", mission.name.as_str(), &report.total))
        .chain(
            report
                .per_country
                .iter()
                .map(|(k, v)| ("country", k.as_str(), v)),
        )
        .chain(report.per_firm.iter().map(|(k, v)| ("firm", k.as_str(), v)));
    for (scope, name, totals) in rows {
        push_line(
            &mut text,
            &[
                scope.to_string(),
                name.to_string(),
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
/// `out/notified.csv` that versions before 0.2 kept.
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
                    .skip(1)
                    .filter_map(|line| line.split(',').next())
                    .map(str::trim)
                    .filter(|key| !key.is_empty())
                    .map(String::from),
            );
        }
    }
    keys
}

/// Records one acknowledged key at the end of `MISSION_DIR/notified.csv`, on disk before it
/// returns (the file is created with its header when missing). Appending a line is the one
/// write here that is not temp-and-rename: a line cut short by a crash is an unknown key, which
/// only means that notification is sent again.
pub fn record_notified(mission_dir: &Path, key: &str) -> Result<()> {
    use std::io::Write as _;
    let path = mission_dir.join(NOTIFIED_FILE);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|error| Error::io(&path, error))?;
    let empty = file.metadata().map(|m| m.len() == 0).unwrap_or(false);
    let line = if empty {
        format!("\u{feff}key\n{key}\n")
    } else {
        format!("{key}\n")
    };
    file.write_all(line.as_bytes())
        .and_then(|()| file.sync_data())
        .map_err(|error| Error::io(&path, error))
}
