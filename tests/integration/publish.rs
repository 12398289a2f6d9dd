//! `publish`: every document of the contract's v2 "documents" section, checked as its reader
//! would: calendars parsed back, the workbook read back, PDF text extracted (`pdftotext`) and
//! compared with a checked-in text, pages printed and photographed in headless Chromium.
//!
//! The PDF-text and browser tests need Debian's `poppler-utils` and `chromium`. Without them they
//! say so and pass, unless `MISSIONMATCH_REQUIRE_TOOLS=1` is set, as `.ci/run` does: there a
//! missing tool fails the test.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{copy_fixture, edit, run, tool, Scratch};
use missionmatch::{event_uid, read_mission};

fn schedule_and_publish(dir: &Path, extra: &[&str]) {
    let dir = dir.to_str().unwrap();
    let scheduled = run(&["schedule", dir]);
    assert_eq!(scheduled.code, 0, "{}", scheduled.stderr);
    let mut arguments = vec!["publish", dir];
    arguments.extend_from_slice(extra);
    let published = run(&arguments);
    assert_eq!(published.code, 0, "{}", published.stderr);
}

fn schedule_meetings(path: &Path) -> Vec<serde_json::Value> {
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    document["meetings"].as_array().unwrap().clone()
}

/// The cells of one CSV line (RFC 4180 quoting; no line breaks inside cells here).
fn csv_cells(line: &str) -> Vec<String> {
    let (mut cells, mut cell, mut quoted, mut chars) =
        (Vec::new(), String::new(), false, line.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(std::mem::take(&mut cell)),
            (c, _) => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

fn pdf_text(path: &Path) -> Option<String> {
    pdf_text_as(path, "-layout")
}

/// The text of a PDF with pdftotext's `mode` ("-layout": as laid out, columns side by side;
/// "-raw": in the order it was drawn, each cell's lines together).
fn pdf_text_as(path: &Path, mode: &str) -> Option<String> {
    let pdftotext = tool("pdftotext")?;
    let output = Command::new(pdftotext)
        .arg(mode)
        .arg(path)
        .arg("-")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "pdftotext failed on {}",
        path.display()
    );
    Some(String::from_utf8(output.stdout).unwrap())
}

/// A PDF's page count, by poppler's pdfinfo (tests that call it are ignored without it).
fn pdf_pages(path: &Path) -> usize {
    let output = Command::new("pdfinfo").arg(path).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.lines()
        .find_map(|line| line.strip_prefix("Pages:"))
        .map(|count| count.trim().parse().unwrap())
        .unwrap_or_else(|| panic!("pdfinfo read no page count from {}: {text}", path.display()))
}

#[test]
fn publish_writes_every_document_for_both_fixtures() {
    for name in ["india-2017", "vietnam-2017"] {
        let scratch = copy_fixture(name);
        schedule_and_publish(scratch.path(), &[]);
        let out = scratch.path().join("out");
        let meetings = schedule_meetings(&out.join("schedule.json"));
        let firms: BTreeSet<&str> = meetings
            .iter()
            .map(|m| m["firm"].as_str().unwrap())
            .collect();
        let buyers: BTreeSet<&str> = meetings
            .iter()
            .map(|m| m["buyer"].as_str().unwrap())
            .collect();
        for (folder, ids) in [("firms", &firms), ("buyers", &buyers)] {
            let listed: BTreeSet<String> = std::fs::read_dir(out.join("agendas").join(folder))
                .unwrap()
                .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            let expected: BTreeSet<String> = ids
                .iter()
                .flat_map(|id| ["pdf", "html", "ics"].map(|ext| format!("{id}.{ext}")))
                .collect();
            assert_eq!(listed, expected, "{name}: agendas/{folder}");
            for id in ids.iter() {
                let pdf = std::fs::read(out.join(format!("agendas/{folder}/{id}.pdf"))).unwrap();
                assert!(pdf.starts_with(b"%PDF-"), "{name} {id}");
                let html = std::fs::read_to_string(out.join(format!("agendas/{folder}/{id}.html")))
                    .unwrap();
                // Self-contained: nothing is fetched from the network.
                assert!(
                    !html.contains("http://")
                        && !html.contains("https://")
                        && !html.contains("src="),
                    "{name} {id}"
                );
            }
        }
        // mailmerge.csv: one row an agenda, pointing at files that exist.
        let mailmerge = std::fs::read_to_string(out.join("mailmerge.csv")).unwrap();
        let mut lines = mailmerge.trim_start_matches('\u{feff}').lines();
        assert_eq!(
            lines.next().unwrap(),
            "kind,id,name,contact,email,agenda_pdf,agenda_ics,meetings"
        );
        let rows: Vec<Vec<String>> = lines.map(csv_cells).collect();
        assert_eq!(rows.len(), firms.len() + buyers.len(), "{name}");
        for row in &rows {
            assert!(out.join(&row[5]).is_file(), "{name}: {}", row[5]);
            assert!(out.join(&row[6]).is_file(), "{name}: {}", row[6]);
            let side = if row[0] == "firm" { "firm" } else { "buyer" };
            let count = meetings
                .iter()
                .filter(|m| m[side] == row[1].as_str())
                .count();
            assert_eq!(row.last().unwrap(), &count.to_string(), "{name}: {row:?}");
        }
        // The grid names every meeting's buyer company.
        let grid = std::fs::read_to_string(out.join("grid.html")).unwrap();
        for meeting in &meetings {
            let company = meeting["buyer_company"]
                .as_str()
                .unwrap()
                .replace('&', "&amp;");
            assert!(grid.contains(&company), "{name}: grid lacks {company}");
        }
    }
}

#[test]
#[cfg_attr(
    not(has_pdfinfo),
    ignore = "needs pdfinfo (apt-get install poppler-utils)"
)]
fn every_fixture_agenda_prints_on_one_page() {
    for name in ["india-2017", "vietnam-2017"] {
        let scratch = copy_fixture(name);
        schedule_and_publish(scratch.path(), &[]);
        let out = scratch.path().join("out");
        let mailmerge = std::fs::read_to_string(out.join("mailmerge.csv")).unwrap();
        let rows: Vec<Vec<String>> = mailmerge.lines().skip(1).map(csv_cells).collect();
        assert!(!rows.is_empty(), "{name}: no agendas");
        for row in &rows {
            assert_eq!(pdf_pages(&out.join(&row[5])), 1, "{name}: {}", row[5]);
        }
    }
}

/// One event's properties by name: the value and the parameters.
type Event = BTreeMap<String, (String, Vec<(String, Vec<String>)>)>;

/// Unfolded properties of every event of a calendar, and its time zones.
fn calendar(path: &Path) -> (Vec<Event>, Vec<String>) {
    let file = std::fs::File::open(path).unwrap();
    let mut parser = ical::IcalParser::new(BufReader::new(file));
    let calendar = parser
        .next()
        .expect("one calendar")
        .expect("a calendar that parses");
    assert!(
        parser.next().is_none(),
        "{}: one calendar per file",
        path.display()
    );
    let zones = calendar
        .timezones
        .iter()
        .flat_map(|zone| zone.properties.iter())
        .filter(|p| p.name == "TZID")
        .filter_map(|p| p.value.clone())
        .collect();
    let events = calendar
        .events
        .iter()
        .map(|event| {
            event
                .properties
                .iter()
                .map(|p| {
                    (
                        p.name.clone(),
                        (
                            p.value.clone().unwrap_or_default(),
                            p.params.clone().unwrap_or_default(),
                        ),
                    )
                })
                .collect()
        })
        .collect();
    (events, zones)
}

fn unescape(text: &str) -> String {
    text.replace("\\n", "\n")
        .replace("\\,", ",")
        .replace("\\;", ";")
        .replace("\\\\", "\\")
}

#[test]
fn calendars_parse_back_and_say_what_the_schedule_says() {
    let scratch = copy_fixture("india-2017");
    schedule_and_publish(scratch.path(), &[]);
    let mission = read_mission(scratch.path()).unwrap().mission;
    let out = scratch.path().join("out");
    let meetings = schedule_meetings(&out.join("schedule.json"));
    let mut seen = 0;
    for (folder, side) in [("firms", "firm"), ("buyers", "buyer")] {
        for entry in std::fs::read_dir(out.join("agendas").join(folder)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("ics") {
                continue;
            }
            let id = path.file_stem().unwrap().to_str().unwrap().to_string();
            let (events, zones) = calendar(&path);
            assert_eq!(zones, vec!["Asia/Kolkata".to_string()], "{id}");
            let mine: Vec<&serde_json::Value> =
                meetings.iter().filter(|m| m[side] == id.as_str()).collect();
            assert_eq!(events.len(), mine.len(), "{id}");
            for meeting in mine {
                let (firm, buyer, session) = (
                    meeting["firm"].as_str().unwrap(),
                    meeting["buyer"].as_str().unwrap(),
                    meeting["session"].as_str().unwrap(),
                );
                let uid = event_uid(&mission.name, firm, buyer, session);
                let event = events
                    .iter()
                    .find(|event| event["UID"].0 == uid)
                    .unwrap_or_else(|| panic!("{id}: no event {uid} for {firm}-{buyer}"));
                let local = |text: &str| text.replace(['-', ':'], "") + "00";
                for (property, field) in [("DTSTART", "start"), ("DTEND", "end")] {
                    let (value, params) = &event[property];
                    assert_eq!(
                        value,
                        &local(meeting[field].as_str().unwrap()),
                        "{id} {property}"
                    );
                    assert_eq!(
                        params,
                        &vec![("TZID".to_string(), vec!["Asia/Kolkata".to_string()])],
                        "{id} {property}"
                    );
                }
                assert_eq!(event["SEQUENCE"].0, "0");
                assert_eq!(event["STATUS"].0, "TENTATIVE");
                assert!(event["DTSTAMP"].0.ends_with('Z'));
                let session = mission
                    .sessions
                    .iter()
                    .find(|s| s.id.as_str() == session)
                    .unwrap();
                let location = unescape(&event["LOCATION"].0);
                assert!(location.contains(&session.venue), "{id}: {location}");
                assert!(
                    location.contains(meeting["place"].as_str().unwrap()),
                    "{id}: {location}"
                );
                let other = if side == "firm" {
                    "buyer_company"
                } else {
                    "firm_name"
                };
                let summary = unescape(&event["SUMMARY"].0);
                assert!(
                    summary.contains(meeting[other].as_str().unwrap()),
                    "{id}: {summary}"
                );
                if let Some(language) = meeting["interpreter"].as_str() {
                    assert!(unescape(&event["DESCRIPTION"].0)
                        .contains(&format!("Interpreter: {language}")));
                }
                seen += 1;
            }
        }
    }
    assert_eq!(seen, 2 * meetings.len(), "each meeting is on two calendars");
}

#[test]
fn republishing_updates_events_instead_of_duplicating_them() {
    let scratch = copy_fixture("india-2017");
    schedule_and_publish(scratch.path(), &[]);
    let dir = scratch.path().to_str().unwrap();
    let out = scratch.path().join("out");
    let sequences = |id: &str| -> BTreeMap<String, (String, String)> {
        let (events, _) = calendar(&out.join(format!("agendas/firms/{id}.ics")));
        events
            .into_iter()
            .map(|event| {
                (
                    event["UID"].0.clone(),
                    (event["SEQUENCE"].0.clone(), event["STATUS"].0.clone()),
                )
            })
            .collect()
    };
    let before = sequences("F02");
    // The same schedule again: nothing changed, no sequence moves.
    assert_eq!(run(&["publish", dir]).code, 0);
    assert_eq!(sequences("F02"), before);
    // The same schedule made final: every event's status changed, so its sequence rises.
    assert_eq!(run(&["publish", dir, "--status", "final"]).code, 0);
    for (uid, (sequence, status)) in sequences("F02") {
        assert_eq!(
            (sequence.as_str(), status.as_str()),
            ("1", "CONFIRMED"),
            "{uid}"
        );
    }
    // Drop one meeting of F02 and move another to the venue of a different booth.
    let path = out.join("schedule.json");
    let mut document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let meetings = document["meetings"].as_array_mut().unwrap();
    let of_f02: Vec<usize> = (0..meetings.len())
        .filter(|&i| meetings[i]["firm"] == "F02")
        .collect();
    let dropped = meetings.remove(of_f02[0]);
    std::fs::write(&path, serde_json::to_string_pretty(&document).unwrap()).unwrap();
    edit(scratch.path(), "firms.csv", ",B02,", ",Hall 2 / B02,");
    let republished = run(&["publish", dir, "--status", "final"]);
    assert_eq!(republished.code, 0, "{}", republished.stderr);
    let after = sequences("F02");
    let mission = read_mission(scratch.path()).unwrap().mission;
    let dropped_uid = event_uid(
        &mission.name,
        "F02",
        dropped["buyer"].as_str().unwrap(),
        dropped["session"].as_str().unwrap(),
    );
    assert_eq!(
        after.len(),
        before.len(),
        "the dropped meeting stays, cancelled"
    );
    for (uid, (sequence, status)) in &after {
        if *uid == dropped_uid {
            assert_eq!((sequence.as_str(), status.as_str()), ("2", "CANCELLED"));
        } else {
            // The place changed (booth): every event moved up one more.
            assert_eq!(
                (sequence.as_str(), status.as_str()),
                ("2", "CONFIRMED"),
                "{uid}"
            );
        }
    }
    // The cancellation holds the meeting's own time and the buyer's name (contract v3).
    let (events, _) = calendar(&out.join("agendas/firms/F02.ics"));
    let cancelled = events
        .iter()
        .find(|event| event["UID"].0 == dropped_uid)
        .unwrap();
    let start = dropped["start"].as_str().unwrap().replace(['-', ':'], "") + "00";
    let end = dropped["end"].as_str().unwrap().replace(['-', ':'], "") + "00";
    assert_eq!(
        (
            cancelled["DTSTART"].0.as_str(),
            cancelled["DTEND"].0.as_str()
        ),
        (start.as_str(), end.as_str())
    );
    let buyer = dropped["buyer"].as_str().unwrap();
    let company = &mission.buyers[mission
        .buyer_index(&missionmatch::BuyerId(buyer.to_string()))
        .unwrap()]
    .company;
    assert_eq!(
        unescape(&cancelled["SUMMARY"].0),
        format!("Cancelled: meeting with {company}")
    );
    // A third publication of the same final schedule changes nothing.
    assert_eq!(run(&["publish", dir]).code, 0);
    assert_eq!(sequences("F02"), after);
}

/// A participant who loses every meeting still gets a calendar file, which cancels them: without
/// it the file would vanish and the participant's calendar keep meetings that will not happen.
#[test]
fn a_participant_who_loses_every_meeting_gets_a_calendar_that_cancels_them() {
    // Its meetings dropped from the timetable, or itself withdrawn (`status = cancelled`) as
    // well: either way its calendar must not keep them.
    for withdrawn in [false, true] {
        loses_every_meeting(withdrawn);
    }
}

fn loses_every_meeting(withdrawn: bool) {
    let scratch = copy_fixture("india-2017");
    schedule_and_publish(scratch.path(), &[]);
    let dir = scratch.path().to_str().unwrap();
    let out = scratch.path().join("out");
    let path = out.join("schedule.json");
    let mut document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let meetings = document["meetings"].as_array_mut().unwrap();
    let buyer = meetings[0]["buyer"].as_str().unwrap().to_string();
    let held = meetings.iter().filter(|m| m["buyer"] == *buyer).count();
    meetings.retain(|m| m["buyer"] != *buyer);
    std::fs::write(&path, serde_json::to_string_pretty(&document).unwrap()).unwrap();
    if withdrawn {
        add_columns(
            &scratch.path().join("buyers.csv"),
            &["status"],
            &buyer,
            &["cancelled"],
        );
    }
    let republished = run(&["publish", dir]);
    assert_eq!(republished.code, 0, "{}", republished.stderr);
    let (events, _) = calendar(&out.join(format!("agendas/buyers/{buyer}.ics")));
    assert_eq!(
        events.len(),
        held,
        "{buyer} (withdrawn: {withdrawn}): one event per meeting it had"
    );
    for event in &events {
        assert_eq!(
            event["STATUS"].0, "CANCELLED",
            "{buyer}: {:?}",
            event["UID"]
        );
    }
    // Its agenda says it has no meeting, and the mail-merge list says so too.
    let page = std::fs::read_to_string(out.join(format!("agendas/buyers/{buyer}.html"))).unwrap();
    assert!(!page.contains("<td"), "{buyer}'s page still lists meetings");
    assert!(out.join(format!("agendas/buyers/{buyer}.pdf")).exists());
    let mailmerge = std::fs::read_to_string(out.join("mailmerge.csv")).unwrap();
    let row = mailmerge
        .lines()
        .find(|line| line.contains(&format!(",{buyer},")))
        .unwrap_or_else(|| panic!("{buyer} is not in the mail-merge list"));
    assert!(row.trim_end().ends_with(",0"), "{row}");
    // The next publication keeps the file and its cancellations, unchanged.
    let before = std::fs::read_to_string(out.join(format!("agendas/buyers/{buyer}.ics"))).unwrap();
    assert_eq!(run(&["publish", dir]).code, 0);
    let after = std::fs::read_to_string(out.join(format!("agendas/buyers/{buyer}.ics"))).unwrap();
    let without_stamps = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|line| !line.starts_with("DTSTAMP"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(without_stamps(&after), without_stamps(&before));
}

/// Adds columns to a CSV file whose lines are its rows: `values` on the row of `id`, empty
/// cells on the others.
fn add_columns(path: &Path, names: &[&str], id: &str, values: &[&str]) {
    let text = std::fs::read_to_string(path).unwrap();
    let empty = ",".repeat(names.len());
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(index, line)| match index {
            0 => format!("{line},{}", names.join(",")),
            _ if line.starts_with(&format!("{id},")) => format!("{line},{}", values.join(",")),
            _ => format!("{line}{empty}"),
        })
        .collect();
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// Contract v3: a buyer's agenda gives each firm's products in a language the buyer reads:
/// `products_vi` to a buyer who reads Vietnamese first, `products_en` to one who reads English,
/// with the firm's Latin name beside its Korean one (issue 23, item 12).
#[test]
fn buyers_read_each_firms_products_in_their_language() {
    let scratch = copy_fixture("vietnam-2017");
    let firms = scratch.path().join("firms.csv");
    let text = std::fs::read_to_string(&firms).unwrap();
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(index, line)| match (index, line.split_once(',')) {
            (0, _) => format!("{line},name_en,products_en,products_vi"),
            (_, Some((id, _))) => format!("{line},Latin {id},Products of {id},Sản phẩm của {id}"),
            _ => line.to_string(),
        })
        .collect();
    std::fs::write(&firms, lines.join("\n") + "\n").unwrap();
    schedule_and_publish(scratch.path(), &[]);
    let mission = read_mission(scratch.path()).unwrap().mission;
    let meetings = schedule_meetings(&scratch.path().join("out/schedule.json"));
    let mut seen = BTreeSet::new();
    for meeting in &meetings {
        let (firm, buyer_id) = (
            meeting["firm"].as_str().unwrap(),
            meeting["buyer"].as_str().unwrap(),
        );
        let buyer = mission.buyers.iter().find(|b| b.id.0 == buyer_id).unwrap();
        let first = buyer.languages.iter().find(|l| *l == "vi" || *l == "en");
        let (expected, other) = match first.map(String::as_str) {
            Some("vi") => (
                format!("Sản phẩm của {firm}"),
                format!("Products of {firm}"),
            ),
            _ => (
                format!("Products of {firm}"),
                format!("Sản phẩm của {firm}"),
            ),
        };
        let agenda = std::fs::read_to_string(
            scratch
                .path()
                .join(format!("out/agendas/buyers/{buyer_id}.html")),
        )
        .unwrap();
        assert!(
            agenda.contains(&expected),
            "{buyer_id} meets {firm}: {expected} missing"
        );
        assert!(
            !agenda.contains(&other),
            "{buyer_id} meets {firm}: {other} given"
        );
        assert!(
            agenda.contains(&format!("(Latin {firm})")),
            "{buyer_id}: {firm}'s Latin name"
        );
        seen.insert(first.cloned());
    }
    // Both kinds of reader were looked at.
    assert!(seen.contains(&Some("vi".to_string())), "{seen:?}");
    assert!(seen.contains(&Some("en".to_string())), "{seen:?}");
}

/// A cell Excel keeps as a number (a date, a time, a number), as that number.
fn excel_number(cell: &calamine::Data) -> f64 {
    match cell {
        calamine::Data::DateTime(value) => value.as_f64(),
        calamine::Data::Float(value) => *value,
        calamine::Data::Int(value) => *value as f64,
        other => panic!("{other:?} is not a number"),
    }
}

#[test]
fn the_workbook_reads_back_with_names_grid_and_korean_text() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let scratch = copy_fixture("india-2017");
    schedule_and_publish(scratch.path(), &[]);
    let out = scratch.path().join("out");
    let meetings = schedule_meetings(&out.join("schedule.json"));
    let mut book: Xlsx<_> = open_workbook(out.join("schedule.xlsx")).unwrap();
    assert_eq!(
        book.sheet_names(),
        vec![
            "Grid DEL-1",
            "Grid DEL-2",
            "Grid MUM-1",
            "Grid CHE-1",
            "Meetings",
            "Firms",
            "Buyers"
        ]
    );
    let text = |cell: Option<&Data>| cell.map(|c| c.to_string()).unwrap_or_default();
    let rows = book.worksheet_range("Meetings").unwrap();
    assert_eq!(rows.height(), meetings.len() + 1);
    assert_eq!(text(rows.get((0, 1))), "firm_name");
    // Dates and times are Excel dates and times, amounts numbers (contract v3): the first
    // meeting's, compared with schedule.json.
    let first = &meetings[0];
    let (date, start) = first["start"].as_str().unwrap().split_once('T').unwrap();
    let row = (1..rows.height())
        .find(|&r| {
            text(rows.get((r, 0))) == first["firm"].as_str().unwrap()
                && text(rows.get((r, 2))) == first["buyer"].as_str().unwrap()
        })
        .unwrap();
    let cell = |column: usize| rows.get((row, column)).unwrap();
    assert!(matches!(cell(5), Data::DateTime(_)), "date {:?}", cell(5));
    assert!(matches!(cell(6), Data::DateTime(_)), "start {:?}", cell(6));
    assert!(matches!(cell(12), Data::Float(_)), "value {:?}", cell(12));
    let (year, month, day) = (&date[..4], &date[5..7], &date[8..]);
    let days = chrono::NaiveDate::from_ymd_opt(
        year.parse().unwrap(),
        month.parse().unwrap(),
        day.parse().unwrap(),
    )
    .unwrap()
    .signed_duration_since(chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap())
    .num_days();
    assert_eq!(excel_number(cell(5)), days as f64, "{date}");
    let (hours, minutes) = start.split_once(':').unwrap();
    let fraction =
        (hours.parse::<f64>().unwrap() * 60.0 + minutes.parse::<f64>().unwrap()) / 1440.0;
    assert!((excel_number(cell(6)) - fraction).abs() < 1e-9, "{start}");
    // Each table sheet has a filter on its header row.
    let file = std::fs::File::open(out.join("schedule.xlsx")).unwrap();
    let mut archive = zip::ZipArchive::new(file).unwrap();
    for sheet in 5..=7 {
        let mut xml = String::new();
        std::io::Read::read_to_string(
            &mut archive
                .by_name(&format!("xl/worksheets/sheet{sheet}.xml"))
                .unwrap(),
            &mut xml,
        )
        .unwrap();
        assert!(
            xml.contains("<autoFilter ref=\"A1:"),
            "sheet {sheet} has no filter"
        );
    }
    // Korean company names arrive intact.
    let all: String = rows
        .rows()
        .flat_map(|row| row.iter().map(|c| c.to_string()))
        .collect();
    assert!(all.contains("(주)정밀금형"), "Korean firm name lost");
    // Every meeting is in its session's grid, in its firm's column and its slot's row.
    for meeting in &meetings {
        let session = meeting["session"].as_str().unwrap();
        let grid = book.worksheet_range(&format!("Grid {session}")).unwrap();
        let start = &meeting["start"].as_str().unwrap()[11..];
        let row = (0..grid.height())
            .find(|&r| text(grid.get((r, 0))).starts_with(start))
            .unwrap_or_else(|| panic!("no row {start} in Grid {session}"));
        let firm = format!("({})", meeting["firm"].as_str().unwrap());
        let column = (0..grid.width())
            .find(|&c| text(grid.get((0, c))).contains(&firm))
            .unwrap_or_else(|| panic!("no column {firm} in Grid {session}"));
        let cell = text(grid.get((row, column)));
        assert!(
            cell.starts_with(meeting["buyer_company"].as_str().unwrap()),
            "{cell}"
        );
    }
    // Firms and Buyers list each participant's meetings in order.
    for (sheet, side) in [("Firms", "firm"), ("Buyers", "buyer")] {
        let range = book.worksheet_range(sheet).unwrap();
        assert_eq!(range.height(), meetings.len() + 1, "{sheet}");
        let mut last: BTreeMap<String, f64> = BTreeMap::new();
        for row in range.rows().skip(1) {
            let id = row[0].to_string();
            let when = excel_number(&row[3]) + excel_number(&row[4]);
            if let Some(previous) = last.insert(id.clone(), when) {
                assert!(previous < when, "{sheet}: {id} out of order");
            }
        }
        let ids: BTreeSet<&str> = meetings.iter().map(|m| m[side].as_str().unwrap()).collect();
        assert_eq!(last.len(), ids.len(), "{sheet}");
    }
}

/// Publishes the checked-in India schedule and returns the text of every agenda PDF, in order.
fn golden_texts(scratch: &Scratch, status: &str) -> Option<String> {
    let dir = scratch.path().to_str().unwrap();
    let schedule = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/india-schedule.json");
    let copy = scratch.path().join("schedule.json");
    std::fs::copy(&schedule, &copy).unwrap();
    let published = run(&[
        "publish",
        dir,
        "--schedule",
        copy.to_str().unwrap(),
        "--status",
        status,
    ]);
    assert_eq!(published.code, 0, "{}", published.stderr);
    let mut all = String::new();
    for folder in ["firms", "buyers"] {
        let mut paths: Vec<PathBuf> =
            std::fs::read_dir(scratch.path().join("out/agendas").join(folder))
                .unwrap()
                .map(|entry| entry.unwrap().path())
                .filter(|path| path.extension().and_then(|e| e.to_str()) == Some("pdf"))
                .collect();
        paths.sort();
        for path in paths {
            let text = pdf_text(&path)?;
            all.push_str(&format!(
                "==== {folder}/{}\n",
                path.file_name().unwrap().to_string_lossy()
            ));
            // Trailing spaces and the form feed between pages are layout, not content.
            for line in text.lines() {
                all.push_str(line.trim_end().trim_start_matches('\u{c}'));
                all.push('\n');
            }
        }
    }
    Some(all)
}

#[test]
#[cfg_attr(
    not(has_pdftotext),
    ignore = "needs pdftotext (apt-get install poppler-utils)"
)]
fn agenda_texts_match_the_checked_in_golden_text() {
    let scratch = copy_fixture("india-2017");
    let Some(text) = golden_texts(&scratch, "draft") else {
        return;
    };
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/india-agendas.txt");
    if std::env::var("MISSIONMATCH_UPDATE_GOLDEN").as_deref() == Ok("1") {
        std::fs::write(&golden, &text).unwrap();
    }
    let expected = std::fs::read_to_string(&golden)
        .expect("tests/golden/india-agendas.txt (write it with MISSIONMATCH_UPDATE_GOLDEN=1)");
    if text != expected {
        let first = text
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "the agendas changed from line {} on:\n  now:      {:?}\n  expected: {:?}\n(if the change is wanted, rerun with MISSIONMATCH_UPDATE_GOLDEN=1 and commit the diff)",
            first + 1,
            text.lines().nth(first),
            expected.lines().nth(first)
        );
    }
    // What the contract asks every agenda to show is in the text a reader gets.
    assert!(text.contains("초안 DRAFT"));
    assert!(text.contains("Anyang City, Investment & Trade Division"));
    assert!(text.contains("Asia/Kolkata, UTC+05:30"));
    assert!(text.contains("(주)정밀금형"));
}

#[test]
#[cfg_attr(
    not(has_pdftotext),
    ignore = "needs pdftotext (apt-get install poppler-utils)"
)]
fn final_agendas_drop_the_draft_marks_and_the_schedule_records_the_status() {
    let scratch = copy_fixture("india-2017");
    let Some(text) = golden_texts(&scratch, "final") else {
        return;
    };
    assert!(!text.contains("DRAFT"));
    assert!(text.contains("확정 FINAL"));
    let schedule: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(scratch.path().join("schedule.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(schedule["summary"]["status"], "final");
}

#[test]
#[cfg_attr(
    not(all(has_chromium, has_pdfinfo)),
    ignore = "needs chromium and pdfinfo (apt-get install chromium poppler-utils)"
)]
fn headless_chromium_prints_the_grid_on_a4_landscape_and_agendas_on_a_phone() {
    let Some(chromium) = tool("chromium") else {
        return;
    };
    let scratch = copy_fixture("india-2017");
    schedule_and_publish(scratch.path(), &[]);
    let out = scratch.path().join("out");
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("publish-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let profile = Scratch::new("chromium-profile");
    let browse = |arguments: &[String]| {
        let status = Command::new(&chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(arguments)
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
    };
    let url = |path: &Path| format!("file://{}", path.display());
    // The grid: A4 landscape pages, one table of at most 8 firms per page.
    let grid_pdf = shots.join("grid.pdf");
    browse(&[
        "--no-pdf-header-footer".into(),
        format!("--print-to-pdf={}", grid_pdf.display()),
        url(&out.join("grid.html")),
    ]);
    let grid_html = std::fs::read_to_string(out.join("grid.html")).unwrap();
    let tables = grid_html.matches("<table").count();
    assert_eq!(
        pdf_pages(&grid_pdf),
        tables,
        "one grid table per printed page"
    );
    let info = Command::new("pdfinfo").arg(&grid_pdf).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    assert!(info.contains("841.92 x 594.96 pts (A4)"), "{info}");
    // A firm's agenda prints on one A4 portrait page.
    let agenda_pdf = shots.join("agenda-F02.pdf");
    browse(&[
        "--no-pdf-header-footer".into(),
        format!("--print-to-pdf={}", agenda_pdf.display()),
        url(&out.join("agendas/firms/F02.html")),
    ]);
    assert_eq!(pdf_pages(&agenda_pdf), 1);
    // Screenshots to look at: the agenda on a 390 x 844 phone, the grid on a laptop.
    for (name, page, size) in [
        (
            "agenda-F02-phone.png",
            out.join("agendas/firms/F02.html"),
            "390,844",
        ),
        (
            "agenda-IN-002-phone.png",
            out.join("agendas/buyers/IN-002.html"),
            "390,844",
        ),
        ("grid-laptop.png", out.join("grid.html"), "1400,900"),
    ] {
        let shot = shots.join(name);
        let _ = std::fs::remove_file(&shot);
        browse(&[
            format!("--window-size={size}"),
            format!("--screenshot={}", shot.display()),
            url(&page),
        ]);
        let bytes = std::fs::read(&shot).unwrap();
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
            "{name}: {} bytes",
            bytes.len()
        );
    }
    eprintln!("screenshots in {}", shots.display());
}

#[test]
fn a_schedule_that_does_not_fit_the_folder_is_refused_and_nothing_is_written() {
    let scratch = copy_fixture("india-2017");
    let dir = scratch.path().to_str().unwrap();
    let schedule = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/india-schedule.json");
    let copy = scratch.path().join("schedule.json");
    let text = std::fs::read_to_string(&schedule).unwrap();
    // The second meeting names a buyer the folder does not have, and a start between slots.
    let second = text.match_indices("\"buyer\": \"").nth(1).unwrap().0;
    let broken = format!(
        "{}\"buyer\": \"IN-999{}",
        &text[..second],
        &text[second + "\"buyer\": \"IN-018".len()..]
    );
    std::fs::write(&copy, broken).unwrap();
    let output = run(&["publish", dir, "--schedule", copy.to_str().unwrap()]);
    output.fails_with(2, "buyer: unknown buyer \"IN-999\"");
    assert!(
        output.stderr.contains("schedule.json:"),
        "{}",
        output.stderr
    );
    assert!(
        !scratch.path().join("out").exists(),
        "nothing may be written"
    );

    // A buyer cancelled after the schedule was made: re-plan first.
    std::fs::copy(&schedule, &copy).unwrap();
    let meetings = schedule_meetings(&copy);
    let buyer = meetings[0]["buyer"].as_str().unwrap();
    common::cancel(scratch.path(), "buyers.csv", buyer);
    run(&["publish", dir, "--schedule", copy.to_str().unwrap()])
        .fails_with(2, &format!("buyer {buyer} is cancelled"));
    assert!(!scratch.path().join("out").exists());

    // A status that is neither draft nor final.
    run(&["publish", dir, "--status", "done"]).fails_with(2, "\"done\" is not a status");
}

/// A timetable edited by hand is checked against every rule before anything is printed: each
/// edit, the rule its message must name, and nothing written.
#[test]
fn a_hand_edited_timetable_that_breaks_a_rule_is_not_published() {
    let scratch = copy_fixture("india-2017");
    let dir = scratch.path().to_str().unwrap();
    assert_eq!(run(&["schedule", dir]).code, 0);
    let path = scratch.path().join("out/schedule.json");
    let original: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mission = read_mission(scratch.path()).unwrap().mission;
    type Edit = Box<dyn Fn(&mut Vec<serde_json::Value>)>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "a firm twice in one slot",
            Box::new(|meetings| {
                let first = meetings[0].clone();
                let other = meetings
                    .iter()
                    .position(|m| m["firm"] == first["firm"] && m["start"] != first["start"])
                    .unwrap();
                meetings[other]["start"] = first["start"].clone();
                meetings[other]["session"] = first["session"].clone();
            }),
            "rule 1: firm",
        ),
        (
            "a buyer outside its sessions",
            Box::new(|meetings| {
                // IN-001 comes to the Delhi sessions only.
                let index = meetings
                    .iter()
                    .position(|m| m["buyer"] == "IN-001")
                    .unwrap();
                meetings[index]["session"] = "CHE-1".into();
                meetings[index]["start"] = "2017-03-31T10:00".into();
            }),
            "rule 3: ",
        ),
        (
            "a firm over its maximum",
            Box::new(|meetings| {
                let firm = meetings[0]["firm"].clone();
                let mut copy = meetings.clone();
                for meeting in copy.iter_mut() {
                    meeting["firm"] = firm.clone();
                }
                meetings.extend(copy);
            }),
            "rule 4: firm",
        ),
    ];
    assert!(mission
        .firms
        .iter()
        .all(|f| mission.firm_maximum(f).is_some()));
    for (what, change, rule) in cases {
        let mut document = original.clone();
        change(document["meetings"].as_array_mut().unwrap());
        let edited = scratch.path().join("edited.json");
        std::fs::write(&edited, serde_json::to_string_pretty(&document).unwrap()).unwrap();
        let out = scratch.path().join("documents");
        let output = run(&[
            "publish",
            dir,
            "--schedule",
            edited.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(output.code, 2, "{what}: {}", output.stdout);
        assert!(
            output.stderr.contains("edited.json:0: meetings: ") && output.stderr.contains(rule),
            "{what}: {}",
            output.stderr
        );
        assert!(!out.exists(), "{what}: documents were written");
    }
}

/// Agendas print what they are given whole or say why not: a buyer's contact whole on a firm's
/// agenda (name, e-mail and phone, wrapped), a 500-character firm name inside the page, and
/// characters the font cannot print left out with a warning naming the agenda. Read back with
/// pdftotext: without it the test is reported as ignored, not passed.
#[test]
#[cfg_attr(
    not(has_pdftotext),
    ignore = "needs pdftotext (apt-get install poppler-utils)"
)]
fn agendas_print_contacts_whole_and_long_names_inside_the_page() {
    let scratch = copy_fixture("india-2017");
    let dir = scratch.path().to_str().unwrap();
    assert_eq!(run(&["schedule", dir]).code, 0);
    let meetings = schedule_meetings(&scratch.path().join("out/schedule.json"));
    let (firm, buyer) = (
        meetings[0]["firm"].as_str().unwrap().to_string(),
        meetings[0]["buyer"].as_str().unwrap().to_string(),
    );
    let replace_line = |file: &str, id: &str, change: &dyn Fn(&str) -> String| {
        let path = scratch.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let edited: Vec<String> = text
            .lines()
            .map(|line| {
                if line.starts_with(&format!("{id},")) {
                    change(line)
                } else {
                    line.to_string()
                }
            })
            .collect();
        std::fs::write(&path, edited.join("\n") + "\n").unwrap();
    };
    let email = "la.van.sang.purchasing.department@very-long-buyer-domain.example.com";
    let phone = "+84-28-3822-9999 ext. 1234";
    replace_line("buyers.csv", &buyer, &|line| {
        let kept: Vec<&str> = line.rsplitn(4, ',').collect();
        format!("{},La Văn Sáng,{email},{phone}", kept[3])
    });
    let long_name = format!(
        "🚁 {}",
        "Anyang Precision Unmanned Aerial Systems ".repeat(12)
    );
    replace_line("firms.csv", &firm, &|line| {
        let (id, rest) = line.split_once(',').unwrap();
        let (_, after) = rest.split_once(',').unwrap();
        format!("{id},{},{after}", long_name.trim())
    });
    // v3 columns: the firm's Latin name and products line for buyers who read English.
    add_columns(
        &scratch.path().join("firms.csv"),
        &["name_en", "products_en"],
        &firm,
        &["Anyang UAS", "Survey and crop-spraying drones"],
    );
    let published = run(&["publish", dir]);
    assert_eq!(published.code, 0, "{}", published.stderr);
    assert!(
        published.stdout.contains(&format!(
            "warning: agendas/firms/{firm}.pdf: the font has no glyph for this character (left out): 🚁"
        )),
        "{}",
        published.stdout
    );
    let agenda = scratch.path().join(format!("out/agendas/firms/{firm}.pdf"));
    let text = pdf_text(&agenda).expect("pdftotext reads the agenda");
    // Wrapped inside its column, each part of the contact reads whole once the line breaks and
    // the layout's spaces are taken out (read in drawing order, so the next column's lines do
    // not come between a cell's lines).
    let squeeze = |text: &str| text.split_whitespace().collect::<String>();
    let flat = squeeze(&pdf_text_as(&agenda, "-raw").unwrap_or_default());
    for part in ["La Văn Sáng", email, phone] {
        assert!(
            flat.contains(&squeeze(part)),
            "{part} is not whole in {firm}'s agenda:\n{text}"
        );
    }
    assert!(!text.contains("1234…") && !text.contains("Sáng…"), "{text}");
    // The buyer's agenda names the firm with its Latin name and its products in English.
    let buyer_agenda = scratch
        .path()
        .join(format!("out/agendas/buyers/{buyer}.pdf"));
    let buyer_text = squeeze(&pdf_text(&buyer_agenda).unwrap());
    for part in ["(AnyangUAS)", "Surveyandcrop-sprayingdrones"] {
        assert!(
            buyer_text.contains(part),
            "{part} missing from {buyer}'s agenda"
        );
    }
    // Every word of the firm's and the buyer's agenda lies inside the A4 page.
    let pdftotext = tool("pdftotext").unwrap();
    for path in [
        agenda,
        scratch
            .path()
            .join(format!("out/agendas/buyers/{buyer}.pdf")),
    ] {
        let output = Command::new(&pdftotext)
            .arg("-bbox")
            .arg(&path)
            .arg("-")
            .output()
            .unwrap();
        let html = String::from_utf8_lossy(&output.stdout);
        let widest = html
            .split("xMax=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap().parse::<f64>().unwrap())
            .fold(0.0, f64::max);
        assert!(
            widest > 300.0 && widest <= 595.3,
            "{}: a word ends at x = {widest}",
            path.display()
        );
    }
}
