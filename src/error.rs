//! The library's one error type, and the problems found in a mission folder.

use std::fmt;
use std::path::PathBuf;

/// One thing wrong with a mission folder: `file:line: column: what is wrong`.
///
/// `line` is 1-based and counts physical lines (the CSV header is line 1); 0 means the file as a
/// whole (a missing file). For `mission.toml`, `column` is the key (`session[2].start`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// File name inside the mission folder, e.g. `buyers.csv`.
    pub file: String,
    /// 1-based line; 0 for the whole file.
    pub line: usize,
    /// Column name (CSV) or key (TOML).
    pub column: String,
    /// What is wrong, in words a mission organiser understands.
    pub message: String,
}

impl Problem {
    /// A problem at a file, line and column.
    pub fn new(
        file: impl Into<String>,
        line: usize,
        column: impl Into<String>,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            file: file.into(),
            line,
            column: shortened(column.into(), LONGEST_COLUMN),
            message: shortened(message.into(), LONGEST_MESSAGE),
        }
    }
}

/// Characters a problem's message keeps: a message quotes what it found (a header, a cell),
/// and what it found may be a whole file on one line.
const LONGEST_MESSAGE: usize = 500;
/// Characters a problem's column keeps.
const LONGEST_COLUMN: usize = 100;

/// The text cut to `longest` characters, ending with `…` where it was cut.
fn shortened(text: String, longest: usize) -> String {
    match text.char_indices().nth(longest) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// Problems a report lists: a file broken on every line gives a problem a line, and the
/// first ones say what is wrong.
pub const LISTED_PROBLEMS: usize = 200;

/// The problems as lines a person reads: the first [`LISTED_PROBLEMS`], then how many more
/// there are.
pub fn listed(problems: &[Problem]) -> Vec<String> {
    let mut lines: Vec<String> = problems
        .iter()
        .take(LISTED_PROBLEMS)
        .map(Problem::to_string)
        .collect();
    if problems.len() > LISTED_PROBLEMS {
        lines.push(format!(
            "... and {} more problem(s) not listed",
            problems.len() - LISTED_PROBLEMS
        ));
    }
    lines
}

impl fmt::Display for Problem {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{}:{}: {}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// Every error the library returns.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The mission folder breaks the contract; every problem found is listed.
    #[error("the mission folder has {} problem(s):\n{}", .0.len(), render_problems(.0))]
    Invalid(Vec<Problem>),
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The rules cannot all hold: no valid schedule exists.
    #[error("no valid schedule exists: {0}")]
    Infeasible(String),
    /// A solver failed for a reason other than infeasibility.
    #[error("solver failed: {0}")]
    Solver(String),
    /// The keyword index failed (an internal tantivy error).
    #[error("index: {0}")]
    Index(String),
    /// The options asked for something this build cannot do.
    #[error("{0}")]
    Unsupported(String),
    /// An option's value makes no sense (a time limit that is not a finite number of seconds).
    /// Bad input, like [`Error::Invalid`].
    #[error("{0}")]
    BadOption(String),
}

fn render_problems(problems: &[Problem]) -> String {
    listed(problems).join("\n")
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_quotes_a_line_of_a_whole_file_shortened() {
        // (message length in characters, characters kept, cut?)
        let cases = [
            (10, 10, false),
            (500, 500, false),
            (501, 500, true),
            (786_000, 500, true),
        ];
        for (length, kept, cut) in cases {
            let problem = Problem::new("buyers.csv", 1, "name", "é".repeat(length));
            let expected = "é".repeat(kept) + if cut { "…" } else { "" };
            assert_eq!(problem.message, expected, "{length} characters");
        }
        let problem = Problem::new("buyers.csv", 1, "c".repeat(250), "missing");
        assert_eq!(problem.column.chars().count(), LONGEST_COLUMN + 1);
    }

    #[test]
    fn a_report_lists_the_first_problems_and_counts_the_rest() {
        // (problems, lines listed, last line)
        let cases = [
            (1, 1, "f.csv:1: c: bad"),
            (200, 200, "f.csv:200: c: bad"),
            (201, 201, "... and 1 more problem(s) not listed"),
            (900_000, 201, "... and 899800 more problem(s) not listed"),
        ];
        for (count, lines, last) in cases {
            let problems: Vec<Problem> = (1..=count)
                .map(|line| Problem::new("f.csv", line, "c", "bad"))
                .collect();
            let listed = listed(&problems);
            assert_eq!(listed.len(), lines, "{count} problems");
            assert_eq!(
                listed.last().map(String::as_str),
                Some(last),
                "{count} problems"
            );
        }
    }
}
