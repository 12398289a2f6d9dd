//! Contract v2, "Spreadsheet safety": every CSV the engine writes starts with the UTF-8
//! byte-order mark, and no text cell starts with a character Excel reads as a formula, even
//! when the organisers' own data does.

use crate::common;

use common::{copy_fixture, edit, run};

/// The cells of one CSV line, naively (enough for these files: quoted cells are unquoted).
fn cells(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut characters = line.chars().peekable();
    while let Some(character) = characters.next() {
        match character {
            '"' if quoted && characters.peek() == Some(&'"') => {
                cell.push('"');
                characters.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => cells.push(std::mem::take(&mut cell)),
            other => cell.push(other),
        }
    }
    cells.push(cell);
    cells
}

#[test]
fn every_csv_written_opens_safely_in_excel() {
    let scratch = copy_fixture("india-2017");
    let dir = scratch.path().to_str().unwrap();
    edit(scratch.path(), "buyers.csv", "Verma Agencies", "=1+2");
    edit(
        scratch.path(),
        "firms.csv",
        "AutoSense Mobility",
        "@SUM(A1)",
    );
    for command in ["match", "schedule", "followup", "report"] {
        let output = run(&[command, dir]);
        assert_eq!(output.code, 0, "{command}: {}", output.stderr);
    }
    let mut files = 0;
    let mut guarded = 0;
    for entry in std::fs::read_dir(scratch.path().join("out")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|extension| extension != "csv") {
            continue;
        }
        files += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.display();
        assert!(text.starts_with('\u{feff}'), "{name}: no byte-order mark");
        for (number, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
            for cell in cells(line) {
                let formula_like = cell.starts_with(['=', '+', '@', '\t', '\r'])
                    || (cell.starts_with('-') && cell.parse::<f64>().is_err());
                assert!(!formula_like, "{name}:{}: {cell:?}", number + 1);
                guarded += usize::from(cell.starts_with("'=") || cell.starts_with("'@"));
            }
        }
    }
    assert_eq!(files, 4, "candidates, schedule, followup and report");
    // The company named =1+2 is in followup.csv, guarded.
    assert!(guarded >= 1);
    let followup = std::fs::read_to_string(scratch.path().join("out/followup.csv")).unwrap();
    assert!(followup.contains(",'=1+2,"), "{followup}");
}
