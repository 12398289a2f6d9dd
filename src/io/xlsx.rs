//! Excel workbooks as mission files (contract v2): `firms.xlsx` instead of `firms.csv`, read
//! with calamine into the same [`Table`] the CSV reader makes, so one validation serves both.
//! The first sheet counts; its first row is the header; a problem names the Excel row number.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use super::csv::{Row, Table};
use crate::error::Problem;

/// Reads the first sheet of a workbook into a [`Table`]. Numbers typed as numbers, text as text
/// and dates as dates all become the text a CSV would hold (`2500000`, `2017-03-27`); an HS code
/// typed as a number of odd length most likely lost its leading zero, which is said once per
/// cell as a warning.
pub fn parse_workbook(file: &str, bytes: Vec<u8>) -> Result<Table, Vec<Problem>> {
    let whole_file = |message: String| vec![Problem::new(file, 0, "file", message)];
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(|error| {
        whole_file(format!(
            "is not an Excel workbook that can be read ({error}); save it as .xlsx"
        ))
    })?;
    let range = match workbook.worksheet_range_at(0) {
        Some(Ok(range)) => range,
        Some(Err(error)) => {
            return Err(whole_file(format!(
                "its first sheet cannot be read ({error})"
            )))
        }
        None => return Err(whole_file("has no sheet".to_string())),
    };
    let first_row = range.start().map_or(0, |(row, _)| row as usize);
    let mut rows = range.rows().enumerate();
    let Some((_, header_cells)) = rows.next() else {
        return Err(vec![Problem::new(
            file,
            1,
            "header",
            "the first sheet is empty; it needs a header row",
        )]);
    };
    let header_line = first_row + 1;
    let header: Vec<String> = header_cells
        .iter()
        .map(|cell| text(cell).unwrap_or_default().trim().to_string())
        .collect();
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    for (index, name) in header.iter().enumerate() {
        if !name.is_empty() && header[..index].contains(name) {
            problems.push(Problem::new(
                file,
                header_line,
                name.clone(),
                "this column name appears twice in the header",
            ));
        }
    }
    let mut table_rows = Vec::new();
    for (offset, cells) in rows {
        let line = first_row + offset + 1;
        if cells.iter().all(|cell| matches!(cell, Data::Empty)) {
            continue;
        }
        let mut row = Vec::with_capacity(header.len());
        for (index, cell) in cells.iter().enumerate().take(header.len()) {
            let column = &header[index];
            match text(cell) {
                Ok(value) => {
                    let typed_as_number = matches!(cell, Data::Int(_) | Data::Float(_));
                    if column == "hs_codes" && typed_as_number && value.len() % 2 == 1 {
                        warnings.push(Problem::new(
                            file,
                            line,
                            column.clone(),
                            format!("HS code {value} was typed as a number and may have lost its leading zero (0{value}); type HS codes as text"),
                        ));
                    }
                    row.push(value);
                }
                Err(message) => {
                    problems.push(Problem::new(file, line, column.clone(), message));
                    row.push(String::new());
                }
            }
        }
        row.resize(header.len(), String::new());
        table_rows.push(Row { line, cells: row });
    }
    if problems.is_empty() {
        Ok(Table {
            file: file.to_string(),
            warnings,
            header,
            rows: table_rows,
        })
    } else {
        Err(problems)
    }
}

/// A cell as the text a CSV file would hold.
fn text(cell: &Data) -> Result<String, String> {
    Ok(match cell {
        Data::Empty => String::new(),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Int(number) => number.to_string(),
        // Whole numbers as Excel shows them (2500000, not 2500000.0).
        Data::Float(number) if number.fract() == 0.0 && number.abs() < 1e15 => {
            format!("{number:.0}")
        }
        Data::Float(number) => number.to_string(),
        Data::Bool(true) => "yes".to_string(),
        Data::Bool(false) => "no".to_string(),
        Data::DateTime(moment) => {
            let (year, month, day, hour, minute, _, _) = moment.to_ymd_hms_milli();
            if moment.is_duration() || (year, month, day) == (1899, 12, 31) {
                format!("{hour:02}:{minute:02}")
            } else if (hour, minute) == (0, 0) {
                format!("{year:04}-{month:02}-{day:02}")
            } else {
                format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}")
            }
        }
        Data::Error(error) => return Err(format!("the cell holds the Excel error {error}")),
    })
}
