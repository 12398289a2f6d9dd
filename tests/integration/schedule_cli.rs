//! `missionmatch schedule` end to end: the contract's files, every timetable checked by the
//! independent validator, infeasible `must` pairs, bad weights, tight interpreters.

use crate::common;

use common::{cancel, copy_fixture, edit, run};
use missionmatch::{
    candidate_weights, match_mission, read_mission, schedule, validate_schedule, Meeting, Method,
    Mission, ScheduleOptions, SlotId,
};
use serde_json::Value;

/// Reads schedule.json back into meetings, finding each slot by session and start.
fn meetings_from_json(mission: &Mission, json: &Value) -> Vec<Meeting> {
    json["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|meeting| {
            let session = meeting["session"].as_str().unwrap();
            let start = meeting["start"].as_str().unwrap();
            let slot = mission
                .slots
                .iter()
                .find(|slot| {
                    let record = &mission.sessions[slot.session];
                    record.id.as_str() == session
                        && format!("{}T{}", record.date, slot.range.start) == start
                })
                .unwrap_or_else(|| panic!("no slot {session} {start}"));
            Meeting {
                firm: missionmatch::FirmId(meeting["firm"].as_str().unwrap().to_string()),
                buyer: missionmatch::BuyerId(meeting["buyer"].as_str().unwrap().to_string()),
                slot: SlotId(slot.id.0),
                interpreter: meeting["interpreter"].as_str().map(String::from),
                expected_value_usd: meeting["expected_value_usd"].as_f64().unwrap(),
                reasons: vec![],
                table: None,
            }
        })
        .collect()
}

#[test]
fn schedule_writes_the_contracts_files() {
    let scratch = copy_fixture("india-2017");
    let output = run(&["schedule", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    // Every firm's minimum is met, or the firm is named with the reason it is not (the floor
    // leaves a firm of narrow trade fewer related buyers than its minimum).
    assert!(
        output.stdout.contains("minimum meetings covered: "),
        "{}",
        output.stdout
    );
    let short: Vec<&str> = output
        .stdout
        .lines()
        .filter(|line| line.starts_with("  firm "))
        .collect();
    let complete = output
        .stdout
        .contains("minimum meetings covered: 102 of 102");
    assert_eq!(complete, short.is_empty(), "{}", output.stdout);
    assert!(
        short.iter().all(|line| line.contains("meetings: ")),
        "{}",
        output.stdout
    );
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(scratch.path().join("out/schedule.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["mission"], "Anyang India Market Mission 2017");
    assert_eq!(json["currency"], "USD");
    for key in [
        "meetings",
        "expected_value_usd",
        "upper_bound_usd",
        "gap",
        "solver",
        "seconds",
        "idle_gaps",
        "max_idle_gaps",
        "status",
    ] {
        assert!(!json["summary"][key].is_null(), "summary.{key}");
    }
    let first = &json["meetings"][0];
    for key in [
        "firm",
        "buyer",
        "session",
        "start",
        "end",
        "interpreter",
        "expected_value_usd",
        "reasons",
        "firm_name",
        "buyer_company",
        "place",
        "table",
        "wanted_by",
    ] {
        assert!(first.get(key).is_some(), "meetings[0].{key}");
    }
    // The names and the place are the folder's, not ids.
    let firm_id = first["firm"].as_str().unwrap();
    let firms = std::fs::read_to_string(scratch.path().join("firms.csv")).unwrap();
    let row = firms
        .lines()
        .find(|line| line.starts_with(&format!("{firm_id},")))
        .unwrap();
    assert!(row.contains(first["firm_name"].as_str().unwrap()), "{row}");
    assert!(
        row.contains(&format!(",{},", first["place"].as_str().unwrap())),
        "{row}"
    );
    assert_eq!(json["summary"]["status"], "draft");
    let csv = std::fs::read_to_string(scratch.path().join("out/schedule.csv")).unwrap();
    assert_eq!(
        csv.lines().next(),
        Some("\u{feff}firm,buyer,session,start,end,interpreter,expected_value_usd,reasons,firm_name,buyer_company,place,table,wanted_by")
    );
    // The independent validator on the timetable as written (weights: the matcher's pairs).
    let mission = read_mission(scratch.path()).unwrap().mission;
    let meetings = meetings_from_json(&mission, &json);
    assert_eq!(
        meetings.len() as u64,
        json["summary"]["meetings"].as_u64().unwrap()
    );
    assert_eq!(csv.lines().count(), meetings.len() + 1);
    let weights = candidate_weights(
        &mission,
        &match_mission(&mission, &Default::default()).unwrap(),
    );
    assert_eq!(
        validate_schedule(&mission, &weights, &meetings),
        Vec::<String>::new()
    );
    assert!(
        meetings
            .iter()
            .any(|m| m.firm.as_str() == "F06" && m.buyer.as_str() == "IN-008"),
        "must pair"
    );
    assert!(
        !meetings
            .iter()
            .any(|m| m.firm.as_str() == "F04" && m.buyer.as_str() == "IN-013"),
        "avoid pair"
    );
}

#[test]
fn an_impossible_must_pair_exits_3_with_the_reason() {
    let scratch = copy_fixture("india-2017");
    // F07 never goes to Chennai, where IN-045 meets.
    edit(
        scratch.path(),
        "requests.csv",
        "F02,IN-035,request,buyer,",
        "F07,IN-045,must,firm,",
    );
    let output = run(&["schedule", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 3, "{}", output.stderr);
    assert_eq!(
        output.stderr.trim(),
        "no valid schedule exists: must pair F07-IN-045 can never meet: they share no available slot"
    );
    assert!(!scratch.path().join("out/schedule.json").exists());
}

#[test]
fn bad_weights_exit_2_with_file_and_line() {
    // (weights file, the first problem reported)
    let cases = [
        (
            "firm,buyer,expected_value_usd\nF01,IN-002,100\nF01,IN-999,50\nF02,IN-002,lots\n",
            "weights.csv:4: expected_value_usd: \"lots\" is not a number from 0 to 1e12",
        ),
        (
            "firm,buyer,expected_value_usd\nF01,IN-002,100\nF01,IN-999,50\n",
            "weights.csv:3: buyer: unknown buyer \"IN-999\" (not in buyers.csv)",
        ),
        (
            "firm,buyer,value\nF01,IN-002,100\n",
            "weights.csv:1: expected_value_usd: missing required column (the header has: firm, buyer, value)",
        ),
    ];
    let scratch = copy_fixture("india-2017");
    let weights = scratch.path().join("weights.csv");
    for (content, expected) in cases {
        std::fs::write(&weights, content).unwrap();
        let output = run(&[
            "schedule",
            scratch.path().to_str().unwrap(),
            "--weights",
            weights.to_str().unwrap(),
        ]);
        assert_eq!(output.code, 2, "{}", output.stderr);
        assert_eq!(output.stderr.lines().next(), Some(expected));
        assert!(!scratch.path().join("out/schedule.json").exists());
    }
}

#[test]
fn one_interpreter_per_language_still_reaches_the_time_indexed_optimum() {
    let mut mission = read_mission(&common::fixture("india-2017"))
        .unwrap()
        .mission;
    for limit in mission.interpreters.as_mut().unwrap().values_mut() {
        *limit = 1;
    }
    let weights = candidate_weights(
        &mission,
        &match_mission(&mission, &Default::default()).unwrap(),
    );
    let solve = |method| {
        let options = ScheduleOptions {
            method,
            mip_gap: 0.0,
            ..Default::default()
        };
        let result = schedule(&mission, &weights, &options).unwrap();
        assert_eq!(
            validate_schedule(&mission, &weights, &result.meetings),
            Vec::<String>::new()
        );
        result
    };
    let engine = solve(Method::Classes);
    let oracle = solve(Method::TimeIndexed);
    let greedy = solve(Method::Greedy);
    assert_eq!(engine.minimum_coverage, oracle.minimum_coverage);
    assert!(
        (engine.expected_value_usd - oracle.expected_value_usd).abs()
            < 1e-6 * oracle.expected_value_usd
    );
    assert!(
        greedy.minimum_coverage.0 < engine.minimum_coverage.0,
        "greedy should lose minimums here"
    );
}

/// Moves DEL-2 onto DEL-1's morning (the same day, slots out of step with DEL-1's).
fn overlap_delhi_sessions(dir: &std::path::Path) {
    edit(dir, "mission.toml", "2017-03-28", "2017-03-27");
    edit(
        dir,
        "mission.toml",
        "start = \"09:30\"\nend = \"12:30\"",
        "start = \"09:50\"\nend = \"12:30\"",
    );
}

/// Contract v2, rule 1 across sessions: with DEL-2 moved onto DEL-1's morning (and its slots
/// out of step with DEL-1's), nobody is booked into both at once, by any method, and `check`
/// warns about the overlap.
#[test]
fn overlapping_sessions_never_book_anyone_twice_at_once() {
    let scratch = copy_fixture("india-2017");
    overlap_delhi_sessions(scratch.path());
    let check = run(&["check", scratch.path().to_str().unwrap()]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert!(
        check
            .stdout
            .contains("sessions DEL-1 (2017-03-27 09:30-17:00) and DEL-2 (2017-03-27 09:50-12:30) overlap in time"),
        "{}",
        check.stdout
    );
    let mission = read_mission(scratch.path()).unwrap().mission;
    let weights = candidate_weights(
        &mission,
        &match_mission(&mission, &Default::default()).unwrap(),
    );
    let mut values = Vec::new();
    for method in [Method::Classes, Method::TimeIndexed, Method::Greedy] {
        let options = ScheduleOptions {
            method,
            ..Default::default()
        };
        let result = schedule(&mission, &weights, &options).unwrap();
        let violations = validate_schedule(&mission, &weights, &result.meetings);
        assert!(violations.is_empty(), "{method:?}: {violations:#?}");
        let del_2 = result
            .meetings
            .iter()
            .filter(|meeting| mission.slot_name(meeting.slot).starts_with("DEL-2"))
            .count();
        assert!(
            del_2 > 0 || method == Method::Greedy,
            "{method:?}: the overlapping session is used"
        );
        values.push(result.expected_value_usd);
    }
    // The engine falls back to the time-indexed model: the same optimum.
    assert!((values[0] - values[1]).abs() <= 1e-6 * values[1]);
    assert!(values[2] <= values[0] + 1e-6);
    // The CLI's schedule.json holds the same guarantee.
    let output = run(&["schedule", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(scratch.path().join("out/schedule.json")).unwrap(),
    )
    .unwrap();
    let meetings = meetings_from_json(&mission, &json);
    assert!(validate_schedule(&mission, &weights, &meetings).is_empty());
}

/// Time limits and backoffs that are not a finite number of seconds are refused (exit 2), never
/// a panic.
#[test]
fn limits_that_are_not_seconds_are_refused() {
    let scratch = copy_fixture("india-2017");
    let dir = scratch.path().to_str().unwrap();
    for arguments in [
        vec!["schedule", dir, "--time-limit", "inf"],
        vec!["schedule", dir, "--time-limit", "1e300"],
        vec!["schedule", dir, "--time-limit=-1"],
        vec!["schedule", dir, "--time-limit", "NaN"],
        vec!["followup", dir, "--retry-backoff", "inf"],
        vec!["followup", dir, "--notify-deadline=-5"],
    ] {
        let output = run(&arguments);
        assert_eq!(output.code, 2, "{arguments:?}: {}", output.stderr);
        assert!(
            output
                .stderr
                .contains("is not a number of seconds from 0 to 1e7"),
            "{arguments:?}: {}",
            output.stderr
        );
    }
    // A limit of zero is a limit: a valid timetable all the same, and the note says why.
    let output = run(&["schedule", dir, "--time-limit", "0"]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert!(
        output.stdout.contains("note: time limit:"),
        "{}",
        output.stdout
    );
}

#[test]
fn cancelled_participants_get_no_meetings() {
    let whole = copy_fixture("india-2017");
    assert_eq!(run(&["schedule", whole.path().to_str().unwrap()]).code, 0);
    let booked = |dir: &std::path::Path| -> Vec<Value> {
        let text = std::fs::read_to_string(dir.join("out/schedule.json")).unwrap();
        let json: Value = serde_json::from_str(&text).unwrap();
        json["meetings"].as_array().unwrap().clone()
    };
    let all = booked(whole.path()).len();
    let scratch = copy_fixture("india-2017");
    cancel(scratch.path(), "buyers.csv", "IN-019");
    cancel(scratch.path(), "firms.csv", "F02");
    let output = run(&["schedule", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    let meetings = booked(scratch.path());
    // Without one firm of thirteen and one buyer of fifty, still most of the meetings.
    assert!(meetings.len() * 10 > all * 7, "{} of {all}", meetings.len());
    assert!(meetings
        .iter()
        .all(|m| m["buyer"] != "IN-019" && m["firm"] != "F02"));
    // The validator calls a meeting of a cancelled participant a violation.
    let mission = read_mission(scratch.path()).unwrap().mission;
    let firm = mission
        .firms
        .iter()
        .find(|f| f.id.as_str() == "F02")
        .unwrap();
    let buyer = &mission.buyers[0];
    let meeting = Meeting {
        firm: firm.id.clone(),
        buyer: buyer.id.clone(),
        slot: SlotId(0),
        interpreter: None,
        expected_value_usd: 1.0,
        reasons: vec![],
        table: None,
    };
    let violations = validate_schedule(&mission, &[], &[meeting]);
    assert!(
        violations
            .iter()
            .any(|v| v.contains("firm F02 is cancelled")),
        "{violations:?}"
    );

    // A must pair whose buyer withdrew cannot meet: exit 3 with the reason.
    let scratch = copy_fixture("india-2017");
    cancel(scratch.path(), "buyers.csv", "IN-022");
    run(&["schedule", scratch.path().to_str().unwrap()]).fails_with(
        3,
        "must pair F09-IN-022 can never meet: buyer IN-022 is cancelled",
    );
}

#[test]
fn wanted_pairs_meet_first_and_cost_only_value() {
    // The baseline timetable, and the candidate pairs it leaves out, least valuable first.
    let scratch = copy_fixture("india-2017");
    let dir = scratch.path().to_str().unwrap();
    // Wants, not the relevance floor, are tested here: every candidate may meet.
    let toml = scratch.path().join("mission.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        text.replace("[rules]\n", "[rules]\nmin_relevance = 0\n"),
    )
    .unwrap();
    assert_eq!(run(&["schedule", dir]).code, 0);
    let baseline: Value = serde_json::from_str(
        &std::fs::read_to_string(scratch.path().join("out/schedule.json")).unwrap(),
    )
    .unwrap();
    let met: std::collections::BTreeSet<(String, String)> = baseline["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["firm"].as_str().unwrap().to_string(),
                m["buyer"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let candidates = std::fs::read_to_string(scratch.path().join("out/candidates.csv")).unwrap();
    let mut left_out: Vec<(f64, String, String)> = candidates
        .trim_start_matches('\u{feff}')
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            let pair = (cells[0].to_string(), cells[1].to_string());
            (!met.contains(&pair)).then(|| (cells[5].parse::<f64>().unwrap(), pair.0, pair.1))
        })
        .collect();
    left_out.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Only pairs that share a slot can be wanted into the timetable.
    let mission = read_mission(scratch.path()).unwrap().mission;
    let share_a_slot = |firm: &str, buyer: &str| share_a_slot(&mission, firm, buyer);
    left_out.retain(|(_, firm, buyer)| share_a_slot(firm, buyer));
    // Three wanted pairs with different firms and buyers: two wanted by the buyer, one by both.
    let mut chosen: Vec<(String, String)> = Vec::new();
    for (_, firm, buyer) in &left_out {
        if chosen.iter().all(|(f, b)| f != firm && b != buyer) {
            chosen.push((firm.clone(), buyer.clone()));
        }
        if chosen.len() == 3 {
            break;
        }
    }
    let mut requests = std::fs::read_to_string(scratch.path().join("requests.csv")).unwrap();
    for (index, (firm, buyer)) in chosen.iter().enumerate() {
        requests.push_str(&format!("{firm},{buyer},want,buyer,\n"));
        if index == 0 {
            requests.push_str(&format!("{firm},{buyer},want,firm,\n"));
        }
    }
    std::fs::write(scratch.path().join("requests.csv"), requests).unwrap();
    let output = run(&["schedule", dir]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    let wanted: Value = serde_json::from_str(
        &std::fs::read_to_string(scratch.path().join("out/schedule.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(wanted["summary"]["wants_wanted"], 4);
    assert_eq!(wanted["summary"]["wants_met"], 4, "{}", wanted["summary"]);
    for (index, (firm, buyer)) in chosen.iter().enumerate() {
        let meeting = wanted["meetings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["firm"] == firm.as_str() && m["buyer"] == buyer.as_str())
            .unwrap_or_else(|| panic!("wanted pair {firm}-{buyer} does not meet"));
        assert_eq!(
            meeting["wanted_by"],
            if index == 0 { "both" } else { "buyer" }
        );
    }
    // Minimums first, then wants, then value: the coverage holds and the value can only drop.
    assert_eq!(
        wanted["summary"]["minimum_meetings_covered"],
        baseline["summary"]["minimum_meetings_covered"]
    );
    let value = |json: &Value| json["summary"]["expected_value_usd"].as_f64().unwrap();
    assert!(value(&wanted) <= value(&baseline) + 1e-6);
    assert!(wanted["summary"]["proven_optimal"].as_bool().unwrap());
}

/// v3 (`[rules] min_relevance`): no pair under the floor meets unless a `must`, `want` or
/// `request` row names it, a wanted pair under it does meet, and a firm left short says why.
#[test]
fn pairs_under_the_relevance_floor_meet_only_when_asked_for() {
    let scratch = copy_fixture("india-2017");
    let dir = scratch.path().to_str().unwrap();
    let toml = scratch.path().join("mission.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        text.replace("[rules]\n", "[rules]\nmin_relevance = 0.6\n"),
    )
    .unwrap();
    assert_eq!(run(&["match", dir]).code, 0);
    let read_pairs = |file: &str| -> Vec<Vec<String>> {
        std::fs::read_to_string(scratch.path().join(file))
            .unwrap()
            .trim_start_matches('\u{feff}')
            .lines()
            .skip(1)
            .map(|line| line.split(',').map(str::to_string).collect())
            .collect()
    };
    let requests = read_pairs("requests.csv");
    let named = |firm: &str, buyer: &str| {
        requests
            .iter()
            .any(|r| r[0] == firm && r[1] == buyer && r[2] != "avoid")
    };
    // A pair under the floor whose firm and buyer share a slot, wanted by the buyer.
    let mission = read_mission(scratch.path()).unwrap().mission;
    let share_a_slot = |firm: &str, buyer: &str| share_a_slot(&mission, firm, buyer);
    let wanted = read_pairs("out/candidates.csv")
        .into_iter()
        .find(|c| {
            c[2].parse::<f64>().unwrap() < 0.6 && !named(&c[0], &c[1]) && share_a_slot(&c[0], &c[1])
        })
        .expect("a candidate under the floor");
    let mut text = std::fs::read_to_string(scratch.path().join("requests.csv")).unwrap();
    text.push_str(&format!("{},{},want,buyer,\n", wanted[0], wanted[1]));
    std::fs::write(scratch.path().join("requests.csv"), text).unwrap();

    let output = run(&["schedule", dir]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    let relevance: std::collections::HashMap<(String, String), f64> =
        read_pairs("out/candidates.csv")
            .into_iter()
            .map(|c| ((c[0].clone(), c[1].clone()), c[2].parse().unwrap()))
            .collect();
    let requests = read_pairs("requests.csv");
    let named = |firm: &str, buyer: &str| {
        requests
            .iter()
            .any(|r| r[0] == firm && r[1] == buyer && r[2] != "avoid")
    };
    let meetings = read_pairs("out/schedule.csv");
    assert!(!meetings.is_empty());
    for meeting in &meetings {
        let (firm, buyer) = (meeting[0].clone(), meeting[1].clone());
        assert!(
            relevance[&(firm.clone(), buyer.clone())] >= 0.6 || named(&firm, &buyer),
            "{firm}-{buyer} is under the floor and nobody asked for it"
        );
    }
    assert!(
        meetings
            .iter()
            .any(|m| m[0] == wanted[0] && m[1] == wanted[1]),
        "the wanted pair {}-{} does not meet",
        wanted[0],
        wanted[1]
    );
    assert!(
        output.stdout.contains(": no related buyer left"),
        "{}",
        output.stdout
    );
}

/// Whether a firm and a buyer (by id) are both available in some slot.
fn share_a_slot(mission: &Mission, firm: &str, buyer: &str) -> bool {
    let firm = mission
        .firms
        .iter()
        .find(|f| f.id.as_str() == firm)
        .unwrap();
    let buyer = mission
        .buyers
        .iter()
        .find(|b| b.id.as_str() == buyer)
        .unwrap();
    mission
        .slots
        .iter()
        .any(|slot| firm.availability.allows(slot) && buyer.availability.allows(slot))
}

/// Contract v3, interpreters across overlapping sessions: with DEL-2 moved onto DEL-1's morning
/// in the same city and one Hindi interpreter, no two meetings needing Hindi run at once in
/// New Delhi, by any method; a timetable that has two at once is caught by the validator.
#[test]
fn overlapping_sessions_of_one_city_share_its_interpreters() {
    let scratch = copy_fixture("india-2017");
    overlap_delhi_sessions(scratch.path());
    edit(scratch.path(), "mission.toml", "hi = 2", "hi = 1");
    let mission = read_mission(scratch.path()).unwrap().mission;
    assert!(!mission.interpreter_moments().is_empty());
    let weights = candidate_weights(
        &mission,
        &match_mission(&mission, &Default::default()).unwrap(),
    );
    // Hindi meetings that run at once in New Delhi: the most of any moment.
    let most_at_once = |meetings: &[missionmatch::Meeting]| -> usize {
        let hindi: Vec<usize> = meetings
            .iter()
            .filter(|m| m.interpreter.as_deref() == Some("hi"))
            .map(|m| m.slot.0)
            .collect();
        hindi
            .iter()
            .map(|&slot| {
                hindi
                    .iter()
                    .filter(|&&other| other == slot || mission.slots_overlap(slot, other))
                    .filter(|&&other| {
                        let (a, b) = (&mission.slots[slot], &mission.slots[other]);
                        mission.sessions[a.session].city == mission.sessions[b.session].city
                            && b.range.start <= a.range.start
                            && a.range.start < b.range.end
                    })
                    .count()
            })
            .max()
            .unwrap_or(0)
    };
    let mut any_hindi = false;
    for method in [Method::Classes, Method::TimeIndexed, Method::Greedy] {
        let options = ScheduleOptions {
            method,
            ..Default::default()
        };
        let result = schedule(&mission, &weights, &options).unwrap();
        let violations = validate_schedule(&mission, &weights, &result.meetings);
        assert!(violations.is_empty(), "{method:?}: {violations:#?}");
        assert!(most_at_once(&result.meetings) <= 1, "{method:?}");
        any_hindi |= most_at_once(&result.meetings) == 1;
    }
    assert!(any_hindi, "some Hindi meeting is booked");
    // `replan` counts the same way: the timetable without its Hindi meetings, re-planned from
    // the mission's first moment, gets Hindi meetings back, never two at once.
    let first = schedule(&mission, &weights, &ScheduleOptions::default()).unwrap();
    let without_hindi: Vec<missionmatch::Meeting> = first
        .meetings
        .into_iter()
        .filter(|m| m.interpreter.is_none())
        .collect();
    let slot = &mission.slots[0];
    let now = missionmatch::Moment {
        date: mission.sessions[slot.session].date,
        time: slot.range.start,
    };
    let replanned = missionmatch::replan(
        &mission,
        &without_hindi,
        &weights,
        now,
        &missionmatch::ReplanOptions::default(),
    )
    .unwrap();
    let meetings = &replanned.schedule.meetings;
    let violations = validate_schedule(&mission, &weights, meetings);
    assert!(violations.is_empty(), "replan: {violations:#?}");
    assert_eq!(most_at_once(meetings), 1, "replan");
    // Two Hindi meetings at once, one in each session, of two pairs with nobody in common:
    // rule 5 of the city.
    let hindi: Vec<&missionmatch::PairWeight> = weights
        .iter()
        .filter(|w| {
            let firm = &mission.firms[mission.firm_index(&w.firm).unwrap()];
            let buyer = &mission.buyers[mission.buyer_index(&w.buyer).unwrap()];
            mission.interpreter_for(firm, buyer) == Some("hi")
        })
        .collect();
    let (a, b) = hindi
        .iter()
        .flat_map(|a| hindi.iter().map(move |b| (*a, *b)))
        .find(|(a, b)| a.firm != b.firm && a.buyer != b.buyer)
        .expect("two Hindi pairs with nobody in common");
    let del_1 = (0..mission.slots.len())
        .find(|&slot| mission.slot_name(missionmatch::SlotId(slot)) == "DEL-1 10:10")
        .unwrap();
    let overlapping = (0..mission.slots.len())
        .find(|&other| {
            mission.slots_overlap(del_1, other)
                && mission.slots[other].session != mission.slots[del_1].session
        })
        .unwrap();
    let meeting = |weight: &missionmatch::PairWeight, slot: usize| missionmatch::Meeting {
        firm: weight.firm.clone(),
        buyer: weight.buyer.clone(),
        slot: missionmatch::SlotId(slot),
        interpreter: Some("hi".to_string()),
        expected_value_usd: weight.expected_value_usd,
        reasons: Vec::new(),
        table: None,
    };
    let edited = vec![meeting(a, del_1), meeting(b, overlapping)];
    let violations = missionmatch::validate_published(&mission, &edited);
    assert!(
        violations
            .iter()
            .any(|v| v.starts_with("rule 5: 2 meetings needing hi at once in New Delhi")),
        "{violations:#?}"
    );
}
