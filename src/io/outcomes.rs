//! `outcomes.csv` (contract section 1, v2 and v3): the one reading of each outcome cell, used by
//! the folder reader and by the server's outcome form and API alike, and the one writer.
//!
//! A blank `attended` means "not recorded yet" (v2): no error, no information.

use super::csv::{csv_with_header, push_line};
use crate::model::{NextStep, Outcome, LARGEST_AMOUNT};

/// The columns of `outcomes.csv`, as written.
pub const OUTCOME_COLUMNS: &[&str] = &[
    "firm",
    "buyer",
    "attended",
    "interest",
    "consultation_usd",
    "contract_usd",
    "next_step",
    "note",
];

/// `attended`: `yes`/`y`/`true`/`1` or `no`/`n`/`false`/`0` (any case); blank: not recorded yet.
pub fn attended_cell(text: &str) -> Result<Option<bool>, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "yes" | "y" | "true" | "1" => Ok(Some(true)),
        "no" | "n" | "false" | "0" => Ok(Some(false)),
        _ => Err(format!("\"{}\" is neither yes nor no", text.trim())),
    }
}

/// `interest`: a whole number from 0 to 5, or blank.
pub fn interest_cell(text: &str) -> Result<Option<u8>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<u8>() {
        Ok(value) if value <= 5 => Ok(Some(value)),
        _ => Err(format!("\"{text}\" is not a whole number from 0 to 5")),
    }
}

/// An amount (`consultation_usd`, `contract_usd`, and every other `*_usd` cell): a plain number
/// from 0 to [`LARGEST_AMOUNT`], or blank. Separators are refused rather than guessed: `1,500`
/// is fifteen hundred in one country and one and a half in another.
pub fn amount_cell(text: &str) -> Result<Option<f64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(value) if (0.0..=LARGEST_AMOUNT).contains(&value) => Ok(Some(value)),
        Ok(_) => Err(format!(
            "amount \"{text}\" must be a number from 0 to {LARGEST_AMOUNT:e}"
        )),
        Err(_) => Err(format!(
            "amount \"{text}\" is not a number (write 1500000.50, without separators or currency)"
        )),
    }
}

/// `next_step`: `quote`, `sample`, `visit` or `none`, or blank.
pub fn next_step_cell(text: &str) -> Result<Option<NextStep>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NextStep::parse(text)
        .map(Some)
        .ok_or_else(|| format!("unknown next step \"{text}\" (use quote, sample, visit or none)"))
}

/// `note`: free text, which a spreadsheet cell must be able to hold (at most 32,767 characters,
/// no control characters but line breaks and tabs), as every cell of a mission folder.
pub fn note_cell(text: &str) -> Result<String, String> {
    match super::csv::what_a_cell_cannot_hold(text).into_iter().next() {
        Some(reason) => Err(reason),
        None => Ok(text.to_string()),
    }
}

/// `outcomes.csv` of the given rows (a row not recorded yet has a blank `attended`).
pub fn outcomes_csv(outcomes: &[Outcome]) -> String {
    let optional = |value: Option<String>| value.unwrap_or_default();
    let mut text = csv_with_header(OUTCOME_COLUMNS);
    for outcome in outcomes {
        push_line(
            &mut text,
            &[
                outcome.firm.0.clone(),
                outcome.buyer.0.clone(),
                optional(
                    outcome
                        .attended
                        .map(|a| if a { "yes" } else { "no" }.to_string()),
                ),
                optional(outcome.interest.map(|i| i.to_string())),
                optional(outcome.consultation_usd.map(|v| v.to_string())),
                optional(outcome.contract_usd.map(|v| v.to_string())),
                optional(outcome.next_step.map(|step| step.as_str().to_string())),
                outcome.note.clone(),
            ],
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each cell as the CLI's reader and the server's form read it: (text, read, or an error).
    #[test]
    fn cells_read_one_way() {
        for (text, expected) in [
            ("", Ok(None)),
            (" YES ", Ok(Some(true))),
            ("y", Ok(Some(true))),
            ("1", Ok(Some(true))),
            ("False", Ok(Some(false))),
            ("maybe", Err(())),
        ] {
            assert_eq!(attended_cell(text).map_err(|_| ()), expected, "{text:?}");
        }
        for (text, expected) in [
            ("", Ok(None)),
            ("5", Ok(Some(5))),
            ("6", Err(())),
            ("2.5", Err(())),
        ] {
            assert_eq!(interest_cell(text).map_err(|_| ()), expected, "{text:?}");
        }
        for (text, expected) in [
            ("", Ok(None)),
            ("1500000.50", Ok(Some(1_500_000.5))),
            ("1,500,000", Err(())),
            ("-1", Err(())),
            ("2e12", Err(())),
            ("NaN", Err(())),
        ] {
            assert_eq!(amount_cell(text).map_err(|_| ()), expected, "{text:?}");
        }
        assert_eq!(next_step_cell("Quote"), Ok(Some(NextStep::Quote)));
        assert!(next_step_cell("call").is_err());
    }
}
