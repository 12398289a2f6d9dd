//! Excel workbooks as mission files (contract v2): `firms.xlsx` instead of `firms.csv`, read
//! with calamine into the same [`Table`] the CSV reader makes, so one validation serves both.
//! The first sheet counts; its first row is the header; a problem names the Excel row number.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx};

use super::csv::{Row, Table};
use crate::error::Problem;

/// A workbook whose parts unpack to more than this is refused before any part is read: a
/// mission file of 100,000 rows unpacks to a few tens of MB, while an 8 MB upload of compressed
/// whitespace unpacks to gigabytes.
const LARGEST_UNPACKED: u64 = 128 * 1024 * 1024;
/// Columns a header may reach (Excel's own limit is 16,384; a cell far to the right is a slip).
const MOST_COLUMNS: u32 = 1_000;
/// Cells a sheet may hold (a mission's largest file has a few hundred thousand).
const MOST_CELLS: usize = 10_000_000;
/// Bytes of text the kept cells may hold together: the shared-strings table stores a string
/// once, but every cell that points at it gets its own copy, so a 77 kB workbook of 40,000
/// cells naming one 32,000-character string would otherwise unpack to 1.3 GB of cells.
const MOST_TEXT: usize = LARGEST_UNPACKED as usize;

/// Reads the first sheet of a workbook into a [`Table`]. Numbers typed as numbers, text as text
/// and dates as dates all become the text a CSV would hold (`2500000`, `2017-03-27`); an HS code
/// typed as a number of odd length most likely lost its leading zero, which is said once per
/// cell as a warning. The sheet is read cell by cell, never as the rectangle its furthest cell
/// spans (one cell at XFD1048576 would make that 17 billion cells), and within
/// [`LARGEST_UNPACKED`], `MOST_COLUMNS`, `MOST_CELLS` and `MOST_TEXT`: past them, one problem
/// for the file.
pub fn parse_workbook(file: &str, bytes: Vec<u8>) -> Result<Table, Vec<Problem>> {
    let sheet = SheetCells::read(file, bytes)?;
    let (header_line, header) = sheet.header(file)?;
    if sheet.cells.len() > super::csv::MOST_ROWS {
        return Err(vec![Problem::new(
            file,
            0,
            "file",
            format!(
                "more than {} rows: a mission's file holds far fewer (is it the right file?)",
                super::csv::MOST_ROWS
            ),
        )]);
    }
    let mut problems = duplicate_columns(file, header_line, &header);
    let mut warnings = Vec::new();
    let mut table_rows = Vec::new();
    for (&row_index, row_cells) in sheet.cells.iter().skip(1) {
        let line = row_index as usize + 1;
        let mut row = vec![String::new(); header.len()];
        let mut any = false;
        for (column, cell) in row_cells {
            let index = (column - sheet.first_column) as usize;
            let Some(column) = header.get(index) else {
                continue;
            };
            any = true;
            match text(cell) {
                Ok(value) => {
                    warnings.extend(hs_code_warning(file, line, column, cell, &value));
                    row[index] = value;
                }
                Err(message) => problems.push(Problem::new(file, line, column.clone(), message)),
            }
        }
        if any {
            table_rows.push(Row { line, cells: row });
        }
    }
    problems.extend(super::csv::cell_problems(file, &header, &table_rows));
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

/// The one problem that refuses a whole workbook.
fn whole_file(file: &str, message: String) -> Vec<Problem> {
    vec![Problem::new(file, 0, "file", message)]
}

/// The non-empty cells of a workbook's first sheet, kept within the bounds.
struct SheetCells {
    /// Non-empty cells by row, then column; the sheet starts at its first used row and column.
    cells: BTreeMap<u32, Vec<(u32, Data)>>,
    /// The first column a kept cell is in.
    first_column: u32,
    /// The first row with a cell past `MOST_COLUMNS` (such cells are not kept).
    first_far_row: Option<u32>,
}

impl SheetCells {
    /// Opens the workbook and reads its first sheet's cells, or says why it cannot.
    fn read(file: &str, bytes: Vec<u8>) -> Result<SheetCells, Vec<Problem>> {
        if let Some(message) = too_large(&bytes) {
            return Err(whole_file(file, message));
        }
        let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(|error| {
            whole_file(
                file,
                format!("is not an Excel workbook that can be read ({error}); save it as .xlsx"),
            )
        })?;
        let Some(name) = workbook.sheet_names().first().cloned() else {
            return Err(whole_file(file, "has no sheet".to_string()));
        };
        let unreadable = |error: calamine::XlsxError| {
            whole_file(file, format!("its first sheet cannot be read ({error})"))
        };
        let mut reader = workbook.worksheet_cells_reader(&name).map_err(unreadable)?;
        let mut sheet = SheetCells {
            cells: BTreeMap::new(),
            first_column: u32::MAX,
            first_far_row: None,
        };
        let mut count = 0;
        let mut text_bytes = 0;
        while let Some(cell) = reader.next_cell().map_err(unreadable)? {
            let (row, column) = cell.get_position();
            let value: Data = cell.get_value().clone().into();
            if matches!(value, Data::Empty) {
                continue;
            }
            if column >= MOST_COLUMNS {
                sheet.first_far_row = Some(sheet.first_far_row.map_or(row, |far| far.min(row)));
                continue;
            }
            count += 1;
            if count > MOST_CELLS {
                return Err(whole_file(
                    file,
                    format!(
                    "its first sheet has more than {MOST_CELLS} cells; a mission file has far fewer"
                ),
                ));
            }
            text_bytes += match &value {
                Data::String(text) => text.len(),
                _ => 0,
            };
            if text_bytes > MOST_TEXT {
                return Err(whole_file(file, format!(
                    "its first sheet's cells hold more than {} MB of text; a mission file holds far less",
                    MOST_TEXT / 1024 / 1024
                )));
            }
            sheet.first_column = sheet.first_column.min(column);
            sheet.cells.entry(row).or_default().push((column, value));
        }
        Ok(sheet)
    }

    /// The header, the first row, as column names (and its Excel row number).
    fn header(&self, file: &str) -> Result<(usize, Vec<String>), Vec<Problem>> {
        let Some((&header_row, header_cells)) = self.cells.iter().next() else {
            return Err(vec![Problem::new(
                file,
                1,
                "header",
                "the first sheet is empty; it needs a header row",
            )]);
        };
        let header_line = header_row as usize + 1;
        if self.first_far_row.is_some_and(|row| row <= header_row) {
            return Err(vec![Problem::new(
                file,
                header_line,
                "header",
                format!("the header reaches past column {MOST_COLUMNS}; delete the cells to the right of the mission's columns"),
            )]);
        }
        let width = header_cells
            .iter()
            .map(|(column, _)| column - self.first_column + 1)
            .max()
            .unwrap_or(0) as usize;
        let mut header = vec![String::new(); width];
        for (column, value) in header_cells {
            header[(column - self.first_column) as usize] =
                text(value).unwrap_or_default().trim().to_string();
        }
        Ok((header_line, header))
    }
}

/// A problem for each column name the header repeats.
fn duplicate_columns(file: &str, header_line: usize, header: &[String]) -> Vec<Problem> {
    let mut problems = Vec::new();
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
    problems
}

/// A warning when an HS code was typed as a number of odd length: it most likely lost its
/// leading zero.
fn hs_code_warning(
    file: &str,
    line: usize,
    column: &str,
    cell: &Data,
    value: &str,
) -> Option<Problem> {
    let typed_as_number = matches!(cell, Data::Int(_) | Data::Float(_));
    (column == "hs_codes" && typed_as_number && value.len() % 2 == 1).then(|| {
        Problem::new(
            file,
            line,
            column,
            format!("HS code {value} was typed as a number and may have lost its leading zero (0{value}); type HS codes as text"),
        )
    })
}

/// Why a workbook (a zip archive) is refused unread, if it is: its parts unpack to more than
/// [`LARGEST_UNPACKED`], first as their directory declares, then, when that is within the limit,
/// as they really inflate (counted, never kept, and no further than the limit): a directory can
/// lie about sizes. What is no zip archive passes (the workbook reader then says what is wrong).
fn too_large(bytes: &[u8]) -> Option<String> {
    let mb = |bytes: u64| bytes / 1024 / 1024;
    let advice = "save the sheet alone as a new .xlsx or as CSV";
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let declared = (0..archive.len())
        .filter_map(|index| archive.by_index_raw(index).ok().map(|entry| entry.size()))
        .fold(0u64, u64::saturating_add);
    if declared > LARGEST_UNPACKED {
        return Some(format!(
            "unpacks to {} MB, more than the {} MB a mission workbook may hold; {advice}",
            mb(declared),
            mb(LARGEST_UNPACKED)
        ));
    }
    let mut inflated = 0u64;
    for index in 0..archive.len() {
        let Ok(entry) = archive.by_index(index) else {
            continue;
        };
        // What a part inflates to counts even when it ends in an error (a checksum is checked
        // only at its end); the error itself is the workbook reader's to report.
        let mut part = Read::take(entry, LARGEST_UNPACKED + 1 - inflated);
        let mut buffer = vec![0u8; 64 * 1024];
        while let Ok(read @ 1..) = part.read(&mut buffer) {
            inflated += read as u64;
        }
        if inflated > LARGEST_UNPACKED {
            return Some(format!(
                "unpacks to more than the {} MB a mission workbook may hold, though its directory says {} bytes; {advice}",
                mb(LARGEST_UNPACKED),
                declared
            ));
        }
    }
    None
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
