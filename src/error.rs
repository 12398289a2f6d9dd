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
            column: column.into(),
            message: message.into(),
        }
    }
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
    problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("\n")
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
