//! The business-to-business meeting scheduling problem of Bofill et al. (JAIR 74, 2022), solved
//! by the library's idle-break minimiser (`missionmatch::minimise_breaks`).
//!
//! `cargo run --release --example b2b_forum -- FILE.dzn [--fairness D] [--time-limit S]
//! [--out TIMETABLE.csv]`
//!
//! Reads their MiniZinc data file (nBusiness, nMeetings, nTables, nTotalSlots, nMorningSlots,
//! requested, forbidden, fixed, precedences), prints one line
//! `FILE breaks=B bound=L proven=yes|no seconds=T` (or `FILE infeasible proven=yes seconds=T`)
//! and writes `meeting,slot` rows numbered from 1 as in the file. Fairness D (default 2): no
//! participant has more than D breaks. The benchmark files have no licence: read them from where
//! they are, do not copy them into this repository.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use missionmatch::{check_breaks, minimise_breaks, BreakProblem, Capacity, Deadline};

/// `name = value;` statements of a MiniZinc data file, comments removed.
fn statements(text: &str) -> HashMap<String, String> {
    let without_comments: String = text
        .lines()
        .map(|line| line.split('%').next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    without_comments
        .split(';')
        .filter_map(|statement| {
            let (name, value) = statement.split_once('=')?;
            Some((name.trim().to_string(), value.trim().to_string()))
        })
        .collect()
}

fn numbers(text: &str) -> Result<Vec<i64>, String> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '-'))
        .filter(|t| !t.is_empty())
        .map(|t| t.parse().map_err(|_| format!("\"{t}\" is not a number")))
        .collect()
}

/// The `{...}` sets of an array of sets, in order.
fn sets(text: &str) -> Result<Vec<Vec<i64>>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let end = rest[start..]
            .find('}')
            .ok_or("a set without its closing }")?
            + start;
        out.push(numbers(&rest[start + 1..end])?);
        rest = &rest[end + 1..];
    }
    Ok(out)
}

fn read(path: &PathBuf, fairness: u32) -> Result<BreakProblem, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let data = statements(&text);
    let field = |name: &str| -> Result<&String, String> {
        data.get(name)
            .ok_or(format!("{}: no {name}", path.display()))
    };
    let single = |name: &str| -> Result<usize, String> {
        let value = numbers(field(name)?)?;
        match value.as_slice() {
            [n] if *n >= 0 => Ok(*n as usize),
            _ => Err(format!("{name}: not one count")),
        }
    };
    let participants = single("nBusiness")?;
    let meeting_count = single("nMeetings")?;
    let tables = single("nTables")?;
    let slots = single("nTotalSlots")?;
    let morning = single("nMorningSlots")?;
    let requested = numbers(field("requested")?)?;
    if requested.len() != 3 * meeting_count {
        return Err(format!(
            "requested: {} numbers for {meeting_count} meetings of 3",
            requested.len()
        ));
    }
    let forbidden = match data.get("forbidden") {
        Some(text) => sets(text)?,
        None => vec![Vec::new(); participants],
    };
    let fixed = match data.get("fixed") {
        Some(text) => numbers(text)?,
        None => vec![0; meeting_count],
    };
    if let Some(text) = data.get("precedences") {
        if sets(text)?.iter().any(|set| !set.is_empty()) {
            return Err("precedences between meetings are not supported".into());
        }
    }
    if forbidden.len() != participants || fixed.len() != meeting_count {
        return Err("forbidden or fixed has the wrong length".into());
    }
    let participant = |n: i64| -> Result<usize, String> {
        if n >= 1 && n as usize <= participants {
            Ok(n as usize - 1)
        } else {
            Err(format!("participant {n} out of range"))
        }
    };
    let mut meetings = Vec::new();
    let mut allowed = Vec::new();
    for (m, row) in requested.chunks(3).enumerate() {
        let (a, b) = (participant(row[0])?, participant(row[1])?);
        let half: Vec<usize> = match row[2] {
            1 => (0..morning).collect(),
            2 => (morning..slots).collect(),
            _ => (0..slots).collect(),
        };
        let closed = |p: usize, slot: usize| forbidden[p].contains(&(slot as i64 + 1));
        let mut options: Vec<usize> = half
            .into_iter()
            .filter(|&slot| !closed(a, slot) && !closed(b, slot))
            .collect();
        if fixed[m] > 0 {
            let slot = fixed[m] as usize - 1;
            options.retain(|&s| s == slot);
        }
        meetings.push((a, b));
        allowed.push(options);
    }
    Ok(BreakProblem {
        participants,
        capacities: vec![Capacity {
            meetings: (0..meetings.len()).collect(),
            limits: vec![tables; slots],
        }],
        meetings,
        slots,
        allowed,
        max_breaks: Some(fairness),
        segment_starts: Vec::new(),
    })
}

fn main() {
    let mut arguments = std::env::args().skip(1);
    let mut file = None;
    let (mut fairness, mut time_limit, mut out) = (2u32, None, None);
    while let Some(argument) = arguments.next() {
        let mut value = |name: &str| {
            arguments.next().unwrap_or_else(|| {
                eprintln!("{name} needs a value");
                std::process::exit(2)
            })
        };
        match argument.as_str() {
            "--fairness" => fairness = value("--fairness").parse().unwrap_or(u32::MAX),
            "--time-limit" => time_limit = value("--time-limit").parse::<f64>().ok(),
            "--out" => out = Some(PathBuf::from(value("--out"))),
            _ if file.is_none() => file = Some(PathBuf::from(argument)),
            other => {
                eprintln!("unexpected argument {other}");
                std::process::exit(2)
            }
        }
    }
    let Some(file) = file else {
        eprintln!("usage: b2b_forum FILE.dzn [--fairness D] [--time-limit S] [--out FILE.csv]");
        std::process::exit(2)
    };
    let problem = match read(&file, fairness) {
        Ok(problem) => problem,
        Err(message) => {
            eprintln!("{}: {message}", file.display());
            std::process::exit(2)
        }
    };
    let started = Instant::now();
    let deadline = Deadline::after(started, time_limit.filter(|s| s.is_finite() && *s >= 0.0));
    let result = minimise_breaks(&problem, deadline);
    let seconds = started.elapsed().as_secs_f64();
    let name = file.display();
    let proven = if result.proven { "yes" } else { "no" };
    match &result.slots {
        None if result.proven => println!("{name} infeasible proven=yes seconds={seconds:.2}"),
        None => println!("{name} unknown proven=no seconds={seconds:.2}"),
        Some(slots) => {
            // The independent checker, once more, on what is printed.
            let breaks = check_breaks(&problem, slots).unwrap_or_else(|error| {
                eprintln!("internal error: the timetable breaks a rule: {error}");
                std::process::exit(1)
            });
            println!(
                "{name} breaks={breaks} bound={} proven={proven} seconds={seconds:.2}",
                result.lower_bound
            );
            if let Some(path) = out {
                let mut text = String::from("meeting,slot\n");
                for (m, slot) in slots.iter().enumerate() {
                    text.push_str(&format!("{},{}\n", m + 1, slot + 1));
                }
                if let Err(error) = std::fs::write(&path, text) {
                    eprintln!("{}: {error}", path.display());
                    std::process::exit(1)
                }
            }
        }
    }
}
