//! Contract v2, Excel workbooks: `buyers.xlsx` instead of `buyers.csv` reads into the same
//! mission, numbers typed as numbers included; problems name the Excel row.

use crate::common;

use common::{copy_fixture, csv_rows, run};
use missionmatch::read_mission;
use rust_xlsxwriter::Workbook;

/// Writes `rows` (header first) as the first sheet of a workbook; cells that read as numbers
/// are typed as numbers, as Excel does when someone types them.
fn write_workbook(path: &std::path::Path, rows: &[Vec<String>]) {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (row, cells) in rows.iter().enumerate() {
        for (column, cell) in cells.iter().enumerate() {
            let (row, column) = (row as u32, column as u16);
            match cell.parse::<f64>() {
                Ok(number) if !cell.is_empty() => {
                    sheet.write_number(row, column, number).unwrap();
                }
                _ => {
                    sheet.write_string(row, column, cell).unwrap();
                }
            }
        }
    }
    workbook.save(path).unwrap();
}

#[test]
fn a_workbook_reads_like_its_csv() {
    let original = read_mission(&common::fixture("india-2017"))
        .unwrap()
        .mission;
    let scratch = copy_fixture("india-2017");
    let csv = scratch.path().join("buyers.csv");
    let rows = csv_rows(&std::fs::read_to_string(&csv).unwrap());
    std::fs::remove_file(&csv).unwrap();
    write_workbook(&scratch.path().join("buyers.xlsx"), &rows);
    let loaded = read_mission(scratch.path()).unwrap();
    assert_eq!(loaded.mission.buyers, original.buyers);
    // Every HS code of the fixture has an even number of digits: no warning.
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let output = run(&["schedule", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 0, "{}", output.stderr);
}

#[test]
fn workbook_problems_name_the_row() {
    let scratch = copy_fixture("india-2017");
    let csv = scratch.path().join("buyers.csv");
    let mut rows = csv_rows(&std::fs::read_to_string(&csv).unwrap());
    let country = rows[0].iter().position(|name| name == "country").unwrap();
    let codes = rows[0].iter().position(|name| name == "hs_codes").unwrap();
    rows[6][country] = "IND".to_string();
    rows[9][codes] = "30499".to_string();
    write_workbook(&scratch.path().join("buyers.xlsx"), &rows);
    // Both files: which one counts?
    let output = run(&["check", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 2);
    assert!(
        output
            .stderr
            .starts_with("buyers.xlsx:0: file: buyers.csv is here too"),
        "{}",
        output.stderr
    );
    std::fs::remove_file(&csv).unwrap();
    let output = run(&["check", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 2, "{}", output.stdout);
    assert_eq!(
        output.stderr.lines().next(),
        Some("buyers.xlsx:7: country: \"IND\" is not an ISO 3166-1 alpha-2 country code (two letters, like IN or VN)")
    );
    rows[6][country] = "IN".to_string();
    write_workbook(&scratch.path().join("buyers.xlsx"), &rows);
    let output = run(&["check", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert!(output.stdout.contains("warning: buyers.xlsx:10: hs_codes: HS code 30499 was typed as a number and may have lost its leading zero (030499); type HS codes as text"), "{}", output.stdout);
}

/// A server reads an uploaded mission from bytes: the same mission as from the folder.
#[test]
fn a_mission_reads_the_same_from_bytes() {
    use missionmatch::read_mission_from_files;
    let folder = common::fixture("india-2017");
    let from_folder = read_mission(&folder).unwrap().mission;
    let mut files = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir(&folder).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            let name = entry.file_name().to_string_lossy().into_owned();
            files.insert(name, std::fs::read(entry.path()).unwrap());
        }
    }
    let from_bytes = read_mission_from_files("upload", &files).unwrap().mission;
    assert_eq!(format!("{from_bytes:?}"), format!("{from_folder:?}"));
    files.remove("buyers.csv");
    match read_mission_from_files("upload", &files) {
        Err(missionmatch::Error::Invalid(problems)) => assert_eq!(
            problems[0].to_string(),
            "buyers.csv:0: file: required file is missing from the mission folder"
        ),
        other => panic!("{:?}", other.map(|loaded| loaded.mission.name)),
    }
}

/// Issue 23, item 1: a small workbook whose one stray cell sits at XFD1048576 once made `check`
/// ask for 549 GB and abort; a workbook of compressed whitespace unpacked to gigabytes. Both are
/// made here, small on disk: the first reads as its real rows, the second gets one message.
#[test]
fn workbooks_are_read_within_bounds() {
    let scratch = copy_fixture("india-2017");
    let csv = scratch.path().join("buyers.csv");
    let rows = csv_rows(&std::fs::read_to_string(&csv).unwrap());
    std::fs::remove_file(&csv).unwrap();
    let path = scratch.path().join("buyers.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (row, cells) in rows.iter().enumerate() {
        for (column, cell) in cells.iter().enumerate() {
            sheet.write_string(row as u32, column as u16, cell).unwrap();
        }
    }
    // A stray cell in the last row and column, below the data: ignored.
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    workbook.save(&path).unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() < 100_000);
    let output = run(&["check", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    let mission = read_mission(scratch.path()).unwrap().mission;
    assert_eq!(mission.buyers.len(), rows.len() - 1);

    // A header that reaches column XFD: one problem naming the header row.
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (column, cell) in rows[0].iter().enumerate() {
        sheet.write_string(0, column as u16, cell).unwrap();
    }
    sheet.write_string(0, 16_383, "x").unwrap();
    workbook.save(&path).unwrap();
    let output = run(&["check", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 2);
    assert_eq!(
        output.stderr.lines().collect::<Vec<_>>()[..2],
        ["buyers.xlsx:1: header: the header reaches past column 1000; delete the cells to the right of the mission's columns", "1 problem(s) found; nothing was written"]
    );

    // A sheet part of 200 MB of spaces (a few hundred kB compressed): refused unread.
    std::fs::write(&path, common::spaces_workbook(true)).unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() < 1_000_000);
    let output = run(&["check", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 2);
    assert_eq!(
        output.stderr.lines().collect::<Vec<_>>()[..2],
        ["buyers.xlsx:0: file: unpacks to 200 MB, more than the 128 MB a mission workbook may hold; save the sheet alone as a new .xlsx or as CSV", "1 problem(s) found; nothing was written"]
    );

    // The same part with a directory that lies (it says 1,000 bytes): counted as it inflates,
    // and refused at the limit.
    let mut bytes = common::spaces_workbook(false);
    let real = (200u32 * 1024 * 1024).to_le_bytes();
    let mut patched = 0;
    // The uncompressed size: at 22 in the local header, at 24 in the central directory's.
    for (signature, offset) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
        let at = bytes.windows(4).position(|w| w == signature).unwrap() + offset;
        assert_eq!(bytes[at..at + 4], real);
        bytes[at..at + 4].copy_from_slice(&1000u32.to_le_bytes());
        patched += 1;
    }
    assert_eq!(patched, 2);
    std::fs::write(&path, &bytes).unwrap();
    let output = run(&["check", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 2);
    assert_eq!(
        output.stderr.lines().collect::<Vec<_>>()[..2],
        ["buyers.xlsx:0: file: unpacks to more than the 128 MB a mission workbook may hold, though its directory says 1000 bytes; save the sheet alone as a new .xlsx or as CSV", "1 problem(s) found; nothing was written"]
    );

    // 5,000 cells naming one shared string of 32,000 characters: a small file whose cells
    // would hold 160 MB of text, refused at the text budget.
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (column, cell) in rows[0].iter().enumerate() {
        sheet.write_string(0, column as u16, cell).unwrap();
    }
    let long = "a".repeat(32_000);
    for row in 1..=5_000 {
        sheet.write_string(row, 1, &long).unwrap();
    }
    workbook.save(&path).unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() < 200_000);
    let output = run(&["check", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 2, "{}", output.stderr);
    assert_eq!(
        output.stderr.lines().collect::<Vec<_>>()[..2],
        ["buyers.xlsx:0: file: its first sheet's cells hold more than 128 MB of text; a mission file holds far less", "1 problem(s) found; nothing was written"]
    );
}
