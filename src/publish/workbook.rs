//! `schedule.xlsx`: a `Grid` sheet per session (rows slots, columns firms with their place, cells
//! buyer and interpreter), `Meetings` (the schedule with names), `Firms` and `Buyers` (each
//! participant's meetings in order). Header rows are frozen; text cells are spreadsheet-safe.

use rust_xlsxwriter::{
    Color, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use super::agenda::{agendas, Agenda};
use super::{SessionGrid, Status};
use crate::error::{Error, Result};
use crate::io::spreadsheet_safe;
use crate::model::{Date, Mission, TimeOfDay};
use crate::schedule::Meeting;

fn failed(error: XlsxError) -> Error {
    Error::Unsupported(format!("cannot build schedule.xlsx: {error}"))
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, unique in `taken`.
fn sheet_name(wanted: &str, taken: &mut Vec<String>) -> String {
    let clean: String = wanted
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    let mut name: String = clean.chars().take(31).collect();
    let mut counter = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
        let suffix = format!(" {counter}");
        name = clean.chars().take(31 - suffix.len()).collect::<String>() + &suffix;
        counter += 1;
    }
    taken.push(name.clone());
    name
}

/// The cell formats of the workbook.
struct Formats {
    header: Format,
    cell: Format,
    date: Format,
    time: Format,
    /// A cell of a session's grid: wrapped, with a border.
    grid: Format,
}

impl Formats {
    /// The header, text, date, time and grid formats.
    fn new() -> Formats {
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xEEF2F7))
                .set_border(FormatBorder::Thin)
                .set_text_wrap()
                .set_align(FormatAlign::Top),
            cell: Format::new().set_align(FormatAlign::Top),
            date: Format::new()
                .set_align(FormatAlign::Top)
                .set_num_format("yyyy-mm-dd"),
            time: Format::new()
                .set_align(FormatAlign::Top)
                .set_num_format("hh:mm"),
            grid: Format::new()
                .set_text_wrap()
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::Top),
        }
    }
}

/// A cell of a table sheet: text, or what Excel should be able to sort and compute with (contract
/// v3: dates and times as Excel dates and times, numbers as numbers).
enum Cell {
    Text(String),
    Date(Date),
    Time(TimeOfDay),
    Number(f64),
}

fn write(
    sheet: &mut Worksheet,
    row: u32,
    column: u16,
    cell: &Cell,
    formats: &Formats,
) -> Result<()> {
    match cell {
        Cell::Text(value) => text(sheet, row, column, value, &formats.cell)?,
        Cell::Date(date) => {
            let value =
                ExcelDateTime::from_ymd(date.year as u16, date.month, date.day).map_err(failed)?;
            sheet
                .write_datetime_with_format(row, column, &value, &formats.date)
                .map_err(failed)?;
        }
        // Excel keeps a time of day as the fraction of a day (24:00, a session's end at
        // midnight, is 1).
        Cell::Time(time) => {
            sheet
                .write_number_with_format(row, column, f64::from(time.0) / 1440.0, &formats.time)
                .map_err(failed)?;
        }
        Cell::Number(value) => {
            sheet
                .write_number_with_format(row, column, *value, &formats.cell)
                .map_err(failed)?;
        }
    }
    Ok(())
}

/// A filter on the header row of a table of `rows` data rows and `columns` columns.
fn filter(sheet: &mut Worksheet, rows: u32, columns: usize) -> Result<()> {
    sheet
        .autofilter(0, 0, rows.max(1), columns.saturating_sub(1) as u16)
        .map_err(failed)?;
    Ok(())
}

fn text(sheet: &mut Worksheet, row: u32, column: u16, value: &str, format: &Format) -> Result<()> {
    sheet
        .write_string_with_format(row, column, spreadsheet_safe(value).as_ref(), format)
        .map_err(failed)?;
    Ok(())
}

fn header_row(sheet: &mut Worksheet, names: &[(&str, f64)], formats: &Formats) -> Result<()> {
    for (column, (name, width)) in names.iter().enumerate() {
        text(sheet, 0, column as u16, name, &formats.header)?;
        sheet
            .set_column_width(column as u16, *width)
            .map_err(failed)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(failed)?;
    Ok(())
}

fn participant_sheet(
    sheet: &mut Worksheet,
    mission: &Mission,
    list: &[Agenda],
    formats: &Formats,
    headers: &[(&str, f64)],
) -> Result<()> {
    header_row(sheet, headers, formats)?;
    let mut row = 1;
    for agenda in list {
        for (number, entry) in agenda.entries.iter().enumerate() {
            let session = &mission.sessions[entry.session];
            let cells = [
                Cell::Text(agenda.id.clone()),
                Cell::Text(agenda.name.clone()),
                Cell::Number((number + 1) as f64),
                Cell::Date(session.date),
                Cell::Time(entry.range.start),
                Cell::Time(entry.range.end),
                Cell::Text(session.id.to_string()),
                Cell::Text(session.city.clone()),
                Cell::Text(entry.place.clone()),
                Cell::Text(entry.with_id.clone()),
                Cell::Text(entry.with_name.clone()),
                Cell::Text(entry.interpreter.clone().unwrap_or_default()),
            ];
            for (column, cell) in cells.iter().enumerate() {
                write(sheet, row, column as u16, cell, formats)?;
            }
            row += 1;
        }
    }
    filter(sheet, row - 1, headers.len())
}

/// The columns of the `Firms` or `Buyers` sheet: the participant, then each of its meetings with
/// the other side.
fn participant_columns(
    who: &'static str,
    other: &'static str,
    other_name: &'static str,
) -> [(&'static str, f64); 12] {
    [
        (who, 9.0),
        ("name", 28.0),
        ("#", 4.0),
        ("date", 11.0),
        ("start", 7.0),
        ("end", 7.0),
        ("session", 9.0),
        ("city", 14.0),
        ("place", 9.0),
        (other, 10.0),
        (other_name, 30.0),
        ("interpreter", 11.0),
    ]
}

/// Adds a sheet with a name Excel accepts, unique in `taken`.
fn named_sheet<'a>(
    book: &'a mut Workbook,
    wanted: &str,
    taken: &mut Vec<String>,
) -> Result<&'a mut Worksheet> {
    let name = sheet_name(wanted, taken);
    let sheet = book.add_worksheet();
    sheet.set_name(name).map_err(failed)?;
    Ok(sheet)
}

/// The printed page header's title: the mission and whether the schedule is draft or final.
fn page_title(mission: &Mission, status: Status) -> String {
    format!(
        "{} - {}",
        mission.name,
        if status == Status::Draft {
            "DRAFT"
        } else {
            "FINAL"
        }
    )
}

/// Fills a session's `Grid` sheet: a row a slot, a column a firm with its place, each cell the
/// buyer met and the interpreter.
fn grid_sheet(
    sheet: &mut Worksheet,
    mission: &Mission,
    meetings: &[Meeting],
    session_index: usize,
    title: &str,
    formats: &Formats,
) -> Result<()> {
    let session = &mission.sessions[session_index];
    let grid = SessionGrid::new(mission, meetings, session_index);
    sheet.set_landscape().set_paper_size(9);
    sheet.set_header(format!(
        "&L{}&R{} {}",
        title.replace('&', "&&"),
        session.id,
        session.date
    ));
    text(sheet, 0, 0, "Time", &formats.header)?;
    sheet.set_column_width(0, 12).map_err(failed)?;
    for (column, &firm) in grid.firms.iter().enumerate() {
        let record = &mission.firms[firm];
        let label = if record.booth.is_empty() {
            format!("{} ({})", record.name, record.id)
        } else {
            format!("{} ({})\n{}", record.name, record.id, record.booth)
        };
        text(sheet, 0, column as u16 + 1, &label, &formats.header)?;
        sheet
            .set_column_width(column as u16 + 1, 24)
            .map_err(failed)?;
    }
    for (row, &slot) in grid.slots.iter().enumerate() {
        let range = mission.slots[slot].range;
        let row_number = row as u32 + 1;
        text(sheet, row_number, 0, &range.to_string(), &formats.grid)?;
        for (column, &firm) in grid.firms.iter().enumerate() {
            let value = match grid.cell(row, firm) {
                Some(meeting) => grid_cell(mission, &meetings[meeting]),
                None => String::new(),
            };
            text(sheet, row_number, column as u16 + 1, &value, &formats.grid)?;
        }
    }
    sheet.set_freeze_panes(1, 1).map_err(failed)?;
    Ok(())
}

/// What a grid cell says of a meeting: the table, the buyer and the interpreter.
fn grid_cell(mission: &Mission, meeting: &Meeting) -> String {
    let company = mission
        .buyer_index(&meeting.buyer)
        .map(|b| mission.buyers[b].company.clone())
        .unwrap_or_default();
    let table = meeting
        .table
        .map(|table| format!("Table {table}: "))
        .unwrap_or_default();
    match &meeting.interpreter {
        Some(language) => format!(
            "{table}{company} ({})\ninterpreter: {language}",
            meeting.buyer
        ),
        None => format!("{table}{company} ({})", meeting.buyer),
    }
}

/// Fills the `Meetings` sheet: the schedule, a row a meeting, with names.
fn meetings_sheet(
    sheet: &mut Worksheet,
    mission: &Mission,
    meetings: &[Meeting],
    formats: &Formats,
) -> Result<()> {
    header_row(
        sheet,
        &[
            ("firm", 8.0),
            ("firm_name", 26.0),
            ("buyer", 10.0),
            ("buyer_company", 30.0),
            ("session", 9.0),
            ("date", 11.0),
            ("start", 7.0),
            ("end", 7.0),
            ("city", 14.0),
            ("venue", 30.0),
            ("place", 9.0),
            ("interpreter", 11.0),
            ("expected_value_usd", 14.0),
            ("reasons", 50.0),
        ],
        formats,
    )?;
    for (index, meeting) in meetings.iter().enumerate() {
        let row = index as u32 + 1;
        for (column, cell) in meeting_cells(mission, meeting).iter().enumerate() {
            write(sheet, row, column as u16, cell, formats)?;
        }
    }
    filter(sheet, meetings.len() as u32, 14)
}

/// A meeting's row of the `Meetings` sheet.
fn meeting_cells(mission: &Mission, meeting: &Meeting) -> [Cell; 14] {
    let slot = &mission.slots[meeting.slot.0];
    let session = &mission.sessions[slot.session];
    let firm = mission.firm_index(&meeting.firm).map(|f| &mission.firms[f]);
    let buyer = mission
        .buyer_index(&meeting.buyer)
        .map(|b| &mission.buyers[b]);
    [
        Cell::Text(meeting.firm.to_string()),
        Cell::Text(firm.map(|f| f.name.clone()).unwrap_or_default()),
        Cell::Text(meeting.buyer.to_string()),
        Cell::Text(buyer.map(|b| b.company.clone()).unwrap_or_default()),
        Cell::Text(session.id.to_string()),
        Cell::Date(session.date),
        Cell::Time(slot.range.start),
        Cell::Time(slot.range.end),
        Cell::Text(session.city.clone()),
        Cell::Text(session.venue.clone()),
        Cell::Text(meeting.place(mission)),
        Cell::Text(meeting.interpreter.clone().unwrap_or_default()),
        Cell::Number((meeting.expected_value_usd * 100.0).round() / 100.0),
        Cell::Text(meeting.reasons.join("; ")),
    ]
}

/// The workbook's bytes.
pub fn workbook(mission: &Mission, meetings: &[Meeting], status: Status) -> Result<Vec<u8>> {
    let mut book = Workbook::new();
    let formats = Formats::new();
    let mut taken = Vec::new();
    let title = page_title(mission, status);
    for (session_index, session) in mission.sessions.iter().enumerate() {
        let sheet = named_sheet(&mut book, &format!("Grid {}", session.id), &mut taken)?;
        grid_sheet(sheet, mission, meetings, session_index, &title, &formats)?;
    }
    let sheet = named_sheet(&mut book, "Meetings", &mut taken)?;
    meetings_sheet(sheet, mission, meetings, &formats)?;
    let (firm_agendas, buyer_agendas) = agendas(mission, meetings);
    let sheet = named_sheet(&mut book, "Firms", &mut taken)?;
    participant_sheet(
        sheet,
        mission,
        &firm_agendas,
        &formats,
        &participant_columns("firm", "buyer", "buyer_company"),
    )?;
    let sheet = named_sheet(&mut book, "Buyers", &mut taken)?;
    participant_sheet(
        sheet,
        mission,
        &buyer_agendas,
        &formats,
        &participant_columns("buyer", "firm", "firm_name"),
    )?;
    book.save_to_buffer().map_err(failed)
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_short_clean_and_unique() {
        let mut taken = Vec::new();
        assert_eq!(sheet_name("Grid A/B", &mut taken), "Grid A_B");
        assert_eq!(sheet_name("Grid A:B", &mut taken), "Grid A_B 2");
        let long = sheet_name(&"x".repeat(40), &mut taken);
        assert_eq!(long.chars().count(), 31);
    }
}
