//! Writing files: atomically (temp file then rename), and whole mission folders.

use std::fmt::Write as _;
use std::path::Path;

use super::csv::{csv_with_header, push_line};
use crate::error::{Error, Result};
use crate::model::{Availability, HsCode, MeetingLimits, Mission, Session};

/// Writes `contents` to `path` through a temporary file in the same folder and a rename, so a
/// reader never sees a half-written file. Creates the folder if needed.
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|error| Error::io(dir, error))?;
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    std::fs::write(&temporary, contents).map_err(|error| Error::io(&temporary, error))?;
    std::fs::rename(&temporary, path).map_err(|error| {
        let _ = std::fs::remove_file(&temporary);
        Error::io(path, error)
    })
}

fn toml_string(text: &str) -> String {
    // TOML basic strings share JSON's escapes for everything a mission name can hold.
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string())
}

fn session_toml(session: &Session) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "[[session]]");
    let _ = writeln!(out, "id = {}", toml_string(&session.id.0));
    let _ = writeln!(out, "date = \"{}\"", session.date);
    let _ = writeln!(out, "city = {}", toml_string(&session.city));
    let _ = writeln!(out, "start = \"{}\"", session.hours.start);
    let _ = writeln!(out, "end = \"{}\"", session.hours.end);
    let _ = writeln!(out, "slot_minutes = {}", session.slot_minutes);
    let _ = writeln!(out, "break_minutes = {}", session.break_minutes);
    if !session.breaks.is_empty() {
        let breaks: Vec<String> = session.breaks.iter().map(|b| format!("\"{b}\"")).collect();
        let _ = writeln!(out, "breaks = [{}]", breaks.join(", "));
    }
    out
}

fn mission_toml(mission: &Mission) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "name = {}", toml_string(&mission.name));
    let _ = writeln!(out, "currency = {}\n", toml_string(&mission.currency));
    for session in &mission.sessions {
        out.push_str(&session_toml(session));
        out.push('\n');
    }
    if let Some(limits) = &mission.interpreters {
        out.push_str("[interpreters]\n");
        for (language, count) in limits {
            let _ = writeln!(out, "{language} = {count}");
        }
        out.push('\n');
    }
    let rules = mission.rules;
    let rule_lines: Vec<(&str, Option<u32>)> = vec![
        ("min_meetings_per_firm", rules.min_meetings_per_firm),
        ("max_meetings_per_firm", rules.max_meetings_per_firm),
        ("min_meetings_per_buyer", rules.min_meetings_per_buyer),
        ("max_meetings_per_buyer", rules.max_meetings_per_buyer),
        ("candidates_per_firm", rules.candidates_per_firm),
    ];
    out.push_str("[rules]\n");
    for (key, value) in rule_lines {
        if let Some(value) = value {
            let _ = writeln!(out, "{key} = {value}");
        }
    }
    if !mission.model.is_empty() {
        out.push_str("\n[model]\n");
        for (key, value) in &mission.model {
            let _ = writeln!(out, "{key} = {value:?}");
        }
    }
    if let Some(webhook) = &mission.followup_webhook {
        let _ = writeln!(out, "\n[followup]\nwebhook = {}", toml_string(webhook));
    }
    out
}

fn availability_cell(mission: &Mission, availability: &Availability) -> String {
    match availability {
        Availability::Everywhere => String::new(),
        Availability::Windows(windows) => windows
            .iter()
            .map(|window| {
                let id = &mission.sessions[window.session].id;
                match window.range {
                    None => id.to_string(),
                    Some(range) => format!("{id}@{range}"),
                }
            })
            .collect::<Vec<_>>()
            .join(";"),
    }
}

fn codes_cell(codes: &[HsCode]) -> String {
    codes
        .iter()
        .map(HsCode::as_str)
        .collect::<Vec<_>>()
        .join(";")
}

fn optional<T: ToString>(value: Option<T>) -> String {
    value.map(|value| value.to_string()).unwrap_or_default()
}

fn limit_cells(limits: MeetingLimits) -> [String; 2] {
    [optional(limits.min_meetings), optional(limits.max_meetings)]
}

/// Writes `mission` as a mission folder the contract describes (`mission.toml`, `firms.csv`,
/// `buyers.csv`, and `requests.csv` / `outcomes.csv` when there are any). Files are written
/// atomically one by one.
pub fn write_mission(dir: &Path, mission: &Mission) -> Result<()> {
    write_atomically(&dir.join("mission.toml"), mission_toml(mission).as_bytes())?;

    let mut firms = csv_with_header(super::read::FIRM_COLUMNS);
    for firm in &mission.firms {
        let [min_meetings, max_meetings] = limit_cells(firm.limits);
        push_line(
            &mut firms,
            &[
                firm.id.0.clone(),
                firm.name.clone(),
                firm.sector.clone(),
                firm.products.clone(),
                firm.keywords.join(";"),
                codes_cell(&firm.hs_codes),
                firm.languages.join(";"),
                availability_cell(mission, &firm.availability),
                min_meetings,
                max_meetings,
                optional(firm.export_capacity_usd),
            ],
        );
    }
    write_atomically(&dir.join("firms.csv"), firms.as_bytes())?;

    let mut buyers = csv_with_header(super::read::BUYER_COLUMNS);
    for buyer in &mission.buyers {
        let [min_meetings, max_meetings] = limit_cells(buyer.limits);
        push_line(
            &mut buyers,
            &[
                buyer.id.0.clone(),
                buyer.company.clone(),
                buyer.country.clone(),
                buyer.city.clone(),
                buyer.sector.clone(),
                buyer.interests.clone(),
                buyer.keywords.join(";"),
                codes_cell(&buyer.hs_codes),
                buyer.languages.join(";"),
                availability_cell(mission, &buyer.availability),
                min_meetings,
                max_meetings,
                optional(buyer.annual_import_usd),
            ],
        );
    }
    write_atomically(&dir.join("buyers.csv"), buyers.as_bytes())?;

    if !mission.requests.is_empty() {
        let mut requests = csv_with_header(&["firm", "buyer", "kind", "from", "note"]);
        for request in &mission.requests {
            let from = match request.from {
                Some(crate::model::Side::Firm) => "firm",
                Some(crate::model::Side::Buyer) => "buyer",
                None => "",
            };
            push_line(
                &mut requests,
                &[
                    request.firm.as_str(),
                    request.buyer.as_str(),
                    request.kind.as_str(),
                    from,
                    &request.note,
                ],
            );
        }
        write_atomically(&dir.join("requests.csv"), requests.as_bytes())?;
    }

    if let Some(outcomes) = &mission.outcomes {
        let mut text = csv_with_header(&[
            "firm",
            "buyer",
            "attended",
            "interest",
            "consultation_usd",
            "contract_usd",
            "next_step",
            "note",
        ]);
        for outcome in outcomes {
            push_line(
                &mut text,
                &[
                    outcome.firm.0.clone(),
                    outcome.buyer.0.clone(),
                    if outcome.attended { "yes" } else { "no" }.to_string(),
                    optional(outcome.interest),
                    optional(outcome.consultation_usd),
                    optional(outcome.contract_usd),
                    optional(outcome.next_step.map(|step| step.as_str())),
                    outcome.note.clone(),
                ],
            );
        }
        write_atomically(&dir.join("outcomes.csv"), text.as_bytes())?;
    }
    Ok(())
}
