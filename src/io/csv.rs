//! RFC 4180 CSV, read byte by byte so that every problem has an exact line and column.
//!
//! Written here rather than taken from the `csv` crate because the contract needs two things that
//! crate does not report: a file cut off inside a quoted field (it accepts one silently) and the
//! physical line of each record for messages.

use crate::error::Problem;

/// A CSV file split into a header and rows of text cells.
#[derive(Debug, Clone)]
pub struct Table {
    /// File name for messages.
    pub file: String,
    /// What was read but should be fixed (another encoding, another separator): at most one
    /// remark per kind for the whole file.
    pub warnings: Vec<Problem>,
    /// Column names, trimmed, in file order.
    pub header: Vec<String>,
    /// Data rows (blank lines skipped).
    pub rows: Vec<Row>,
}

/// One data row.
#[derive(Debug, Clone)]
pub struct Row {
    /// Physical line where the record starts (header is line 1).
    pub line: usize,
    /// Cells, as many as the header has columns (missing trailing cells are empty).
    pub cells: Vec<String>,
}

struct Record {
    line: usize,
    fields: Vec<Vec<u8>>,
}

/// Splits the bytes into records at `separator`, or says where the quoting breaks.
fn split_records(file: &str, bytes: &[u8], separator: u8) -> Result<Vec<Record>, Problem> {
    let mut records = Vec::new();
    let mut line = 1;
    let mut position = 0;
    while position < bytes.len() {
        let record_line = line;
        let record_start = position;
        let mut fields = Vec::new();
        let mut field = Vec::new();
        loop {
            // At the start of a field.
            if bytes.get(position) == Some(&b'"') {
                let quote_line = line;
                position += 1;
                loop {
                    match bytes.get(position) {
                        None => {
                            return Err(Problem::new(
                                file,
                                quote_line,
                                format!("field {}", fields.len() + 1),
                                "the file ends inside a quoted field (a closing \" is missing)",
                            ))
                        }
                        Some(b'"') if bytes.get(position + 1) == Some(&b'"') => {
                            field.push(b'"');
                            position += 2;
                        }
                        Some(b'"') => {
                            position += 1;
                            break;
                        }
                        Some(&byte) => {
                            if byte == b'\n' {
                                line += 1;
                            }
                            field.push(byte);
                            position += 1;
                        }
                    }
                }
                match bytes.get(position) {
                    None | Some(b'\n') | Some(b'\r') => {}
                    Some(&byte) if byte == separator => {}
                    Some(_) => {
                        return Err(Problem::new(
                            file,
                            line,
                            format!("field {}", fields.len() + 1),
                            "text after the closing quote of a quoted field",
                        ))
                    }
                }
            } else {
                while let Some(&byte) = bytes.get(position) {
                    if byte == separator || byte == b'\n' || byte == b'\r' {
                        break;
                    }
                    field.push(byte);
                    position += 1;
                }
            }
            fields.push(std::mem::take(&mut field));
            match bytes.get(position) {
                Some(&byte) if byte == separator => position += 1,
                Some(b'\r') => {
                    position += 1;
                    if bytes.get(position) == Some(&b'\n') {
                        position += 1;
                    }
                    line += 1;
                    break;
                }
                Some(b'\n') => {
                    position += 1;
                    line += 1;
                    break;
                }
                _ => break,
            }
        }
        let blank = matches!(bytes.get(record_start), Some(b'\n') | Some(b'\r'));
        if !blank && records.len() > MOST_ROWS {
            return Err(Problem::new(
                file,
                record_line,
                "file",
                format!("more than {MOST_ROWS} rows: a mission's file holds far fewer (is it the right file?)"),
            ));
        }
        if !blank {
            records.push(Record {
                line: record_line,
                fields,
            });
        }
    }
    Ok(records)
}

/// A field's text. The file was decoded to UTF-8 before it was split at ASCII bytes, so every
/// field is valid UTF-8 and the lossy conversion loses nothing.
fn text_of(field: Vec<u8>) -> String {
    String::from_utf8(field)
        .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
}

/// The separator of a file whose header has no comma but semicolons or tabs (as Excel writes
/// "CSV" where the decimal mark is a comma), with the warning that says so.
fn separator(file: &str, text: &str) -> (u8, Option<Problem>) {
    let header = text.lines().next().unwrap_or_default();
    if header.contains(',') {
        return (b',', None);
    }
    let (separator, name) = if header.contains(';') {
        (b';', "semicolons")
    } else if header.contains('\t') {
        (b'\t', "tabs")
    } else {
        return (b',', None);
    };
    let warning = Problem::new(
        file,
        1,
        "header",
        format!("columns are separated by {name}, not commas; it was read so, but the contract's CSV uses commas (in Excel: \"CSV UTF-8 (Comma delimited)\")"),
    );
    (separator, Some(warning))
}

/// Reads a CSV file's bytes into a [`Table`], collecting every problem.
///
/// The text is decoded first (UTF-8 with or without a byte-order mark; other encodings with one
/// warning, see `source::decode_text`), and a header without commas but with semicolons or tabs
/// sets the separator (one warning). Cells keep their inner spaces; callers trim.
pub fn parse_table(file: &str, bytes: &[u8]) -> Result<Table, Vec<Problem>> {
    let decoded = super::source::decode_text(file, bytes).map_err(|problem| vec![problem])?;
    let (separator, separator_warning) = separator(file, &decoded.text);
    let warnings: Vec<Problem> = decoded
        .warning
        .into_iter()
        .chain(separator_warning)
        .collect();
    if let Some(problem) = control_character(file, &decoded.text) {
        return Err(vec![problem]);
    }
    let bytes = decoded.text.as_bytes();
    let records = split_records(file, bytes, separator).map_err(|problem| vec![problem])?;
    let ends_cut = !bytes.ends_with(b"\n") && !bytes.ends_with(b"\r");
    let mut problems = Vec::new();
    let mut records = records.into_iter();
    let Some(header_record) = records.next() else {
        return Err(vec![Problem::new(
            file,
            1,
            "header",
            "the file is empty; it needs a header row",
        )]);
    };
    let mut header = Vec::new();
    for name in header_record.fields {
        let name = without_formula_guard(text_of(name)).trim().to_string();
        if !name.is_empty() && header.contains(&name) {
            problems.push(Problem::new(
                file,
                header_record.line,
                name.clone(),
                "this column name appears twice in the header",
            ));
        }
        header.push(name);
    }
    let mut rows = Vec::new();
    let mut records = records.peekable();
    while let Some(record) = records.next() {
        if problems.len() >= MOST_PROBLEMS {
            problems.push(stopped_reading(file, record.line));
            break;
        }
        let last = records.peek().is_none();
        if last && ends_cut && record.fields.len() < header.len() {
            problems.push(Problem::new(
                file,
                record.line,
                header
                    .get(record.fields.len().saturating_sub(1))
                    .cloned()
                    .unwrap_or_default(),
                format!(
                    "the file ends inside this row ({} of the header's {} cells and no line break): it looks cut off; save the whole file again",
                    record.fields.len(),
                    header.len()
                ),
            ));
        }
        let mut cells = Vec::with_capacity(header.len());
        if record.fields.len() > header.len() {
            let extra = &record.fields[header.len()..];
            if extra
                .iter()
                .any(|cell| !cell.iter().all(u8::is_ascii_whitespace))
            {
                problems.push(Problem::new(
                    file,
                    record.line,
                    format!("field {}", header.len() + 1),
                    format!(
                        "the row has {} cells but the header names {} columns",
                        record.fields.len(),
                        header.len()
                    ),
                ));
            }
        }
        cells.extend(
            record
                .fields
                .into_iter()
                .take(header.len())
                .map(|field| without_formula_guard(text_of(field))),
        );
        cells.resize(header.len(), String::new());
        rows.push(Row {
            line: record.line,
            cells,
        });
    }
    problems.extend(cell_problems(file, &header, &rows));
    if problems.is_empty() {
        Ok(Table {
            file: file.to_string(),
            warnings,
            header,
            rows,
        })
    } else {
        Err(problems)
    }
}

/// The first control character of a text (other than tab and line breaks): such a file is no
/// text (random bytes, a workbook renamed .csv), and one message says so instead of a column
/// error per line; a NUL in a name would pass into every document otherwise.
fn control_character(file: &str, text: &str) -> Option<Problem> {
    text.split('\n').enumerate().find_map(|(index, line)| {
        let (column, character) = line
            .chars()
            .enumerate()
            .find(|(_, c)| c.is_control() && !matches!(c, '\t' | '\r'))?;
        Some(Problem::new(
            file,
            index + 1,
            format!("character {}", column + 1),
            format!(
                "cannot be read as CSV: it holds the control character U+{:04X}, which no text has (is it a workbook or another binary file saved as .csv?)",
                u32::from(character)
            ),
        ))
    })
}

/// The most rows (header included) a mission's table may have: the largest missions the engine
/// plans have 100,000 buyers (and five wishes each would be 500,000 request rows), and a file
/// of tens of millions of tiny rows (a few kB zipped) would otherwise take gigabytes to read.
pub const MOST_ROWS: usize = 2_000_000;

/// The most problems a file's reading collects; past them it stops, and says so.
pub const MOST_PROBLEMS: usize = 10_000;

/// The problem that ends a reading which found [`MOST_PROBLEMS`].
pub fn stopped_reading(file: &str, line: usize) -> Problem {
    Problem::new(
        file,
        line,
        "file",
        format!("reading stopped here, after {MOST_PROBLEMS} problems: correct those first"),
    )
}

/// The most characters a spreadsheet cell holds (Excel's limit), so the most a mission's cell
/// may have: every document the engine writes must be able to hold it.
pub const LONGEST_CELL: usize = 32_767;

/// A problem for each cell longer than [`LONGEST_CELL`] characters or holding a control
/// character (a workbook's cell can; a CSV file with one is refused whole before).
pub(super) fn cell_problems(file: &str, header: &[String], rows: &[Row]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for row in rows {
        if problems.len() >= MOST_PROBLEMS {
            problems.push(stopped_reading(file, row.line));
            break;
        }
        for (column, cell) in header.iter().zip(&row.cells) {
            for message in what_a_cell_cannot_hold(cell) {
                problems.push(Problem::new(file, row.line, column.clone(), message));
            }
        }
    }
    problems
}

/// Why a spreadsheet cell cannot hold `text`: a control character other than a tab or a line
/// break, more than [`LONGEST_CELL`] characters. Empty when it can.
pub(super) fn what_a_cell_cannot_hold(text: &str) -> Vec<String> {
    let mut reasons = Vec::new();
    if let Some(c) = text
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        reasons.push(format!(
            "holds the control character U+{:04X}; type the text again",
            u32::from(c)
        ));
    }
    let length = text.chars().count();
    if length > LONGEST_CELL {
        reasons.push(format!(
            "{length} characters, more than the {LONGEST_CELL} a spreadsheet cell holds"
        ));
    }
    reasons
}

/// Characters that make a spreadsheet read a cell as a formula (or mangle it) when they start it.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell Excel would take for a formula gets a leading `'` (contract v2, "Spreadsheet
/// safety"); numbers (`-0.5`) are left alone. The reader takes the `'` off again.
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) && cell.parse::<f64>().is_err() {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// The `'` [`spreadsheet_safe`] put before a formula-like cell, taken off.
fn without_formula_guard(cell: String) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest.to_string(),
        _ => cell,
    }
}

/// Quotes a cell when RFC 4180 requires it, after making it spreadsheet-safe.
pub fn quote(cell: &str) -> String {
    let cell = spreadsheet_safe(cell);
    if cell.contains([',', '"', '\n', '\r']) || cell.starts_with(' ') || cell.ends_with(' ') {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.into_owned()
    }
}

/// A user's CSV file as the engine hands it out again: read, then written spreadsheet-safe (the
/// byte-order mark, a `'` before formula-like cells, UTF-8 whatever it was saved in), with its
/// columns, unknown ones included, and rows as they were.
pub fn spreadsheet_safe_copy(file: &str, bytes: &[u8]) -> Result<String, Vec<Problem>> {
    let table = parse_table(file, bytes)?;
    let mut text = csv_with_header(&table.header);
    for row in &table.rows {
        push_line(&mut text, &row.cells);
    }
    Ok(text)
}

/// A new CSV document: the UTF-8 byte-order mark (so Excel reads "Công ty" and Korean names
/// right) and the header line.
pub fn csv_with_header<S: AsRef<str>>(header: &[S]) -> String {
    let mut out = String::from("\u{FEFF}");
    push_line(&mut out, header);
    out
}

/// Appends one CSV line (with `\n`) to `out`.
pub fn push_line<S: AsRef<str>>(out: &mut String, cells: &[S]) {
    for (index, cell) in cells.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str(&quote(cell.as_ref()));
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &[u8], expected: &str) {
        let actual = match parse_table("t.csv", input) {
            Ok(table) => {
                let mut text = format!("{:?}", table.header);
                for row in &table.rows {
                    text.push_str(&format!(" {}:{:?}", row.line, row.cells));
                }
                text
            }
            Err(problems) => problems
                .iter()
                .map(|problem| problem.to_string())
                .collect::<Vec<_>>()
                .join(" | "),
        };
        assert_eq!(actual, expected);
    }

    #[test]
    fn reads_rfc4180() {
        check(b"a,b\n1,2\n", r#"["a", "b"] 2:["1", "2"]"#);
        check(b"\xEF\xBB\xBFa,b\r\n1,2", r#"["a", "b"] 2:["1", "2"]"#);
        check(
            b"a,b\n\"x, \"\"y\"\"\nz\",2\n3\n",
            r#"["a", "b"] 2:["x, \"y\"\nz", "2"] 4:["3", ""]"#,
        );
        check(b"a,b\n\n1,2\n\n", r#"["a", "b"] 3:["1", "2"]"#);
        check(b"a\n\"\"\n", r#"["a"] 2:[""]"#);
    }

    #[test]
    fn reports_broken_files() {
        check(
            b"a,b\n1,\"open\nstill open",
            "t.csv:2: field 2: the file ends inside a quoted field (a closing \" is missing)",
        );
        check(
            b"a,b\n\"x\"y,2\n",
            "t.csv:2: field 1: text after the closing quote of a quoted field",
        );
        check(
            b"a,b\n\xc3\xbc,\xff\n",
            "t.csv:2: file: not valid UTF-8 (bad byte 0xff after 7 good bytes); save the file as UTF-8",
        );
        check(b"a;b\n1;\"x;y\"\n", r#"["a", "b"] 2:["1", "x;y"]"#);
        check(
            b"a,b\n1,2,3\n",
            "t.csv:2: field 3: the row has 3 cells but the header names 2 columns",
        );
        check(
            b"",
            "t.csv:1: header: the file is empty; it needs a header row",
        );
        check(
            b"a,a\n",
            "t.csv:1: a: this column name appears twice in the header",
        );
    }

    #[test]
    fn writing_then_reading_gives_the_cells_back() {
        let cells = [
            "plain",
            "with, comma",
            "with \"quote\"",
            "line\nbreak",
            " padded ",
            "=1+2",
            "@SUM(A1)",
            "-0.5",
            "+82-31-000",
        ];
        let mut text = String::new();
        push_line(&mut text, &cells);
        push_line(&mut text, &cells);
        assert!(
            text.contains(",'=1+2,'@SUM(A1),-0.5,'+82-31-000\n"),
            "{text}"
        );
        let table = parse_table("t.csv", text.as_bytes()).unwrap();
        assert_eq!(table.header, cells.map(|c| c.trim().to_string()));
        assert_eq!(table.rows[0].cells, cells.map(String::from));
    }

    #[test]
    fn documents_start_with_the_byte_order_mark() {
        let text = csv_with_header(&["firm", "company"]);
        assert_eq!(text, "\u{FEFF}firm,company\n");
        let table = parse_table("t.csv", text.as_bytes()).unwrap();
        assert_eq!(table.header, ["firm", "company"]);
    }
}
