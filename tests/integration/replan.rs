//! `replan`: the past stays, kept meetings stay where they were, only what became impossible is
//! dropped, free capacity is filled, and `changes.csv` says exactly what differs. Checked end to
//! end on the India fixture and, against the time-indexed model, on small generated missions
//! with scarce interpreters (the reserved-interpreter path of the optimiser).

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::{cancel, copy_fixture, edit, generated, run};
use missionmatch::{
    read_mission, replan, schedule, validate_schedule, Meeting, Method, Moment, PairWeight,
    ReplanOptions, ScheduleOptions, Status,
};
use serde_json::Value;

type Key = (String, String);
/// Meetings by pair: (session, start).
type Timetable = BTreeMap<Key, (String, String)>;

/// Meetings of a schedule.json by pair: (session, start).
fn meetings(path: &Path) -> Timetable {
    let document: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    document["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                (
                    m["firm"].as_str().unwrap().to_string(),
                    m["buyer"].as_str().unwrap().to_string(),
                ),
                (
                    m["session"].as_str().unwrap().to_string(),
                    m["start"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

/// changes.csv as (change, firm, buyer, old_start, new_start, tell).
fn changes(path: &Path) -> Vec<[String; 6]> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    assert_eq!(
        lines.next().unwrap(),
        "change,firm,buyer,old_start,new_start,old_place,new_place,tell,reason"
    );
    lines
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            [0, 1, 2, 3, 4, 7].map(|i| cells[i].to_string())
        })
        .collect()
}

/// Schedules the India fixture and keeps the result as old.json.
fn scheduled_india() -> (common::Scratch, std::path::PathBuf) {
    let scratch = copy_fixture("india-2017");
    let output = run(&["schedule", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    let old = scratch.path().join("old.json");
    std::fs::copy(scratch.path().join("out/schedule.json"), &old).unwrap();
    (scratch, old)
}

fn replan_cli(dir: &Path, old: &Path, now: &str) -> (Timetable, Vec<[String; 6]>) {
    let output = run(&[
        "replan",
        dir.to_str().unwrap(),
        "--from",
        old.to_str().unwrap(),
        "--now",
        now,
    ]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    (
        meetings(&dir.join("out/schedule.json")),
        changes(&dir.join("out/changes.csv")),
    )
}

/// Every difference between the old and new timetable is a line of changes.csv, and the reverse.
fn changes_explain_the_difference(old: &Timetable, new: &Timetable, changes: &[[String; 6]]) {
    let mut expected: BTreeSet<(String, String, String, String, String)> = BTreeSet::new();
    for (pair, (_, start)) in old {
        match new.get(pair) {
            None => {
                expected.insert((
                    "cancelled".into(),
                    pair.0.clone(),
                    pair.1.clone(),
                    start.clone(),
                    String::new(),
                ));
            }
            Some((_, new_start)) if new_start != start => {
                expected.insert((
                    "moved".into(),
                    pair.0.clone(),
                    pair.1.clone(),
                    start.clone(),
                    new_start.clone(),
                ));
            }
            Some(_) => {}
        }
    }
    for (pair, (_, start)) in new {
        if !old.contains_key(pair) {
            expected.insert((
                "added".into(),
                pair.0.clone(),
                pair.1.clone(),
                String::new(),
                start.clone(),
            ));
        }
    }
    let listed: BTreeSet<(String, String, String, String, String)> = changes
        .iter()
        .map(|[change, firm, buyer, old_start, new_start, tell]| {
            assert_eq!(tell, &format!("{firm};{buyer}"));
            (
                change.clone(),
                firm.clone(),
                buyer.clone(),
                old_start.clone(),
                new_start.clone(),
            )
        })
        .collect();
    assert_eq!(listed, expected);
}

#[test]
fn a_cancelled_buyer_changes_only_its_own_meetings_and_what_fills_its_slots() {
    let (scratch, old_path) = scheduled_india();
    let old = meetings(&old_path);
    // The buyer with the most meetings, some before and some after noon of the first day.
    let mut per_buyer: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, buyer) in old.keys() {
        *per_buyer.entry(buyer.as_str()).or_default() += 1;
    }
    let (&buyer, _) = per_buyer.iter().max_by_key(|(_, &n)| n).unwrap();
    let buyer = buyer.to_string();
    cancel(scratch.path(), "buyers.csv", &buyer);
    let now = "2017-03-27T12:00";
    let (new, changes) = replan_cli(scratch.path(), &old_path, now);
    changes_explain_the_difference(&old, &new, &changes);
    for (pair, (_, start)) in &old {
        if pair.1 == buyer && start.as_str() >= now {
            assert!(
                !new.contains_key(pair),
                "{pair:?} of the cancelled buyer still meets"
            );
        } else {
            // The past, and every other meeting, stays exactly where it was.
            assert_eq!(new.get(pair), old.get(pair), "{pair:?} moved");
        }
    }
    assert!(changes.iter().all(|c| c[0] != "moved"));
    let cancelled = changes.iter().filter(|c| c[0] == "cancelled").count();
    let expected = old
        .iter()
        .filter(|(p, (_, s))| p.1 == buyer && s.as_str() >= now)
        .count();
    assert_eq!(cancelled, expected);
    assert!(
        cancelled > 0,
        "the test needs a buyer with meetings after {now}"
    );
    // Added meetings lie after now.
    for change in changes.iter().filter(|c| c[0] == "added") {
        assert!(change[4].as_str() >= now, "{change:?}");
    }
    // The status of the schedule it re-planned is kept.
    let document: Value = serde_json::from_str(
        &std::fs::read_to_string(scratch.path().join("out/schedule.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(document["summary"]["status"], "draft");
}

#[test]
fn replanning_without_edits_changes_nothing() {
    let (scratch, old_path) = scheduled_india();
    let old = meetings(&old_path);
    for now in ["2017-03-26T09:00", "2017-03-28T10:00", "2017-04-01T09:00"] {
        let (new, changes) = replan_cli(scratch.path(), &old_path, now);
        assert_eq!(new, old, "at {now}");
        assert!(changes.is_empty(), "at {now}: {changes:?}");
    }
}

#[test]
fn shortened_availability_moves_or_cancels_only_what_no_longer_fits_and_walk_ins_get_meetings() {
    let (scratch, old_path) = scheduled_india();
    let old = meetings(&old_path);
    // A buyer that had a DEL-2 meeting can now only come on the first day; a walk-in buyer
    // arrives for Mumbai.
    let buyers = std::fs::read_to_string(scratch.path().join("buyers.csv")).unwrap();
    let row_of = |buyer: &str| {
        buyers
            .lines()
            .find(|l| l.starts_with(&format!("{buyer},")))
            .unwrap()
            .to_string()
    };
    // A row without quoted cells, so that splitting at commas finds its columns.
    let ((firm, buyer), _) = old
        .iter()
        .find(|((_, buyer), (session, _))| session == "DEL-2" && !row_of(buyer).contains('"'))
        .unwrap();
    let row = row_of(buyer);
    let cells: Vec<&str> = row.split(',').collect();
    let sessions = cells[9];
    assert!(sessions.contains("DEL-2"), "{row}");
    let shortened = row.replacen(&format!(",{sessions},"), ",DEL-1,", 1);
    edit(scratch.path(), "buyers.csv", &row, &shortened);
    let mut text = std::fs::read_to_string(scratch.path().join("buyers.csv")).unwrap();
    text.push_str("IN-900,Walk-in Drones Pvt Ltd,IN,Mumbai,Drones,agricultural spraying drones and UAV for crop survey,drone;UAV,880621,en,MUM-1,,,900000,Walk In,walkin@example.com,\n");
    std::fs::write(scratch.path().join("buyers.csv"), text).unwrap();

    let (new, changes) = replan_cli(scratch.path(), &old_path, "2017-03-27T09:00");
    changes_explain_the_difference(&old, &new, &changes);
    let pair = (firm.clone(), buyer.clone());
    assert!(
        !new.contains_key(&pair) || new[&pair].0 == "DEL-1",
        "{pair:?} still meets in DEL-2"
    );
    for (other, place) in &old {
        if other.1 != *buyer {
            assert_eq!(new.get(other), Some(place), "{other:?} changed");
        }
    }
    assert!(
        new.keys().any(|(_, b)| b == "IN-900"),
        "the walk-in buyer got no meeting: {changes:?}"
    );
    // The whole new timetable obeys the rules (the matcher's pairs plus the kept ones).
    let mission = read_mission(scratch.path()).unwrap().mission;
    let document: Value = serde_json::from_str(
        &std::fs::read_to_string(scratch.path().join("out/schedule.json")).unwrap(),
    )
    .unwrap();
    let all: Vec<Meeting> = document["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let session = mission
                .sessions
                .iter()
                .position(|s| s.id.as_str() == m["session"])
                .unwrap();
            let slot = mission
                .slots
                .iter()
                .find(|s| {
                    s.session == session
                        && format!("{}T{}", mission.sessions[session].date, s.range.start)
                            == m["start"].as_str().unwrap()
                })
                .unwrap();
            Meeting {
                firm: missionmatch::FirmId(m["firm"].as_str().unwrap().into()),
                buyer: missionmatch::BuyerId(m["buyer"].as_str().unwrap().into()),
                slot: slot.id,
                interpreter: m["interpreter"].as_str().map(str::to_string),
                expected_value_usd: m["expected_value_usd"].as_f64().unwrap(),
                reasons: vec![],
                table: None,
            }
        })
        .collect();
    let weights: Vec<PairWeight> = all
        .iter()
        .map(|m| PairWeight {
            firm: m.firm.clone(),
            buyer: m.buyer.clone(),
            expected_value_usd: m.expected_value_usd,
            reasons: vec![],
            relevance: None,
            source: "test".into(),
            line: None,
        })
        .collect();
    assert_eq!(
        validate_schedule(&mission, &weights, &all),
        Vec::<String>::new()
    );
}

#[test]
fn replan_agrees_with_the_time_indexed_model_when_interpreters_are_reserved() {
    // Small tight missions: one interpreter per language, so the kept meetings' interpreters
    // bind the free capacity; the engine (classes) and the time-indexed model must agree.
    for seed in 0..12u64 {
        let (mut mission, weights) = generated(6, 24, seed, true);
        let old = schedule(&mission, &weights, &ScheduleOptions::default()).unwrap();
        // Cancel one buyer with meetings; re-plan at the start of the second session.
        let Some(victim) = old
            .meetings
            .iter()
            .map(|m| m.buyer.clone())
            .nth(seed as usize % 3)
        else {
            continue;
        };
        let index = mission.buyer_index(&victim).unwrap();
        mission.buyers[index].status = Status::Cancelled;
        let second = mission.slots.iter().find(|s| s.session == 1).unwrap();
        let now = Moment {
            date: mission.sessions[1].date,
            time: second.range.start,
        };
        let mut results = Vec::new();
        for method in [Method::Classes, Method::TimeIndexed] {
            let options = ReplanOptions {
                allow_moves: 0,
                schedule: ScheduleOptions {
                    method,
                    mip_gap: 0.0,
                    ..Default::default()
                },
            };
            let result = replan(&mission, &old.meetings, &weights, now, &options).unwrap();
            let violations =
                violations_apart_from(&mission, &weights, &result.schedule.meetings, &victim);
            assert!(
                violations.is_empty(),
                "seed {seed} {method:?}: {violations:?}"
            );
            // Nothing of the old timetable before `now` changed, and nothing kept moved.
            for meeting in &old.meetings {
                let slot = &mission.slots[meeting.slot.0];
                let before =
                    (mission.sessions[slot.session].date, slot.range.start) < (now.date, now.time);
                let still = result.schedule.meetings.contains(meeting)
                    || result.schedule.meetings.iter().any(|m| {
                        m.firm == meeting.firm && m.buyer == meeting.buyer && m.slot == meeting.slot
                    });
                if before || meeting.buyer != victim {
                    assert!(still, "seed {seed} {method:?}: {meeting:?} was touched");
                }
            }
            results.push(result.schedule.expected_value_usd);
        }
        assert!(
            (results[0] - results[1]).abs() <= 1e-6 * results[1].max(1.0),
            "seed {seed}: classes {} vs time-indexed {}",
            results[0],
            results[1]
        );
    }
}

#[test]
fn bad_replan_arguments_are_refused() {
    let (scratch, old_path) = scheduled_india();
    let dir = scratch.path().to_str().unwrap();
    let old = old_path.to_str().unwrap();
    let cases: [(&[&str], &str); 3] = [
        (
            &["--from", old, "--now", "tomorrow"],
            "\"tomorrow\" is not a date and time",
        ),
        (
            &[
                "--from",
                old,
                "--now",
                "2017-03-27T12:00",
                "--allow-moves",
                "many",
            ],
            "invalid value 'many' for '--allow-moves",
        ),
        (
            &["--from", "nowhere.json", "--now", "2017-03-27T12:00"],
            "no such schedule file",
        ),
    ];
    for (arguments, message) in cases {
        let mut all = vec!["replan", dir];
        all.extend_from_slice(arguments);
        run(&all).fails_with(2, message);
    }
}

#[test]
fn a_replanned_timetable_publishes_and_calendars_cancel_the_dropped_meeting() {
    let (scratch, old_path) = scheduled_india();
    let dir = scratch.path().to_str().unwrap();
    assert_eq!(run(&["publish", dir]).code, 0);
    let old = meetings(&old_path);
    // A buyer with a meeting before and after `now` on the first day: `now` is the start of its
    // second meeting there (compaction's exchanges, which stop at a time budget, may move
    // meetings across any fixed hour).
    let (now, buyer) = old
        .iter()
        .filter(|(_, (_, start))| start.starts_with("2017-03-27"))
        .filter(|((_, b), (_, start))| {
            old.iter()
                .any(|((_, other), (_, earlier))| other == b && earlier < start)
        })
        .map(|((_, b), (_, start))| (start[..16].to_string(), b.clone()))
        .min()
        .expect("a buyer with two meetings on the first day");
    cancel(scratch.path(), "buyers.csv", &buyer);
    // Publishing the old timetable now is refused: it has meetings of a cancelled buyer.
    assert_eq!(
        run(&["publish", dir, "--schedule", old_path.to_str().unwrap()]).code,
        2
    );
    let (_, changes) = replan_cli(scratch.path(), &old_path, &now);
    let dropped: Vec<&[String; 6]> = changes.iter().filter(|c| c[0] == "cancelled").collect();
    assert!(!dropped.is_empty());
    // The re-planned one publishes: the buyer's meetings that took place are history.
    let output = run(&["publish", dir]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    // The buyer who withdrew keeps on its agenda and calendar the meeting that took place, and
    // its calendar cancels the others; that meeting stays on the firm's too.
    let ((past_firm, _), _) = old
        .iter()
        .find(|((_, b), (_, start))| *b == buyer && &start[..16] < now.as_str())
        .unwrap();
    let own = scratch.path().join(format!("out/agendas/buyers/{buyer}"));
    let page = std::fs::read_to_string(own.with_extension("html")).unwrap();
    assert!(page.contains(past_firm.as_str()), "{buyer}: {page}");
    assert!(page.contains("You have withdrawn"), "{buyer}: {page}");
    let calendar = std::fs::read_to_string(own.with_extension("ics")).unwrap();
    let events: Vec<&str> = calendar.split("BEGIN:VEVENT").skip(1).collect();
    let held = old.keys().filter(|(_, b)| *b == buyer).count();
    assert_eq!(events.len(), held, "{calendar}");
    let cancelled = events
        .iter()
        .filter(|event| event.contains("STATUS:CANCELLED"))
        .count();
    assert_eq!(cancelled, dropped.len(), "{calendar}");
    let agenda = std::fs::read_to_string(
        scratch
            .path()
            .join(format!("out/agendas/firms/{past_firm}.html")),
    )
    .unwrap();
    assert!(
        agenda.contains(&buyer),
        "{past_firm}'s agenda lost the meeting with {buyer}"
    );
    // Each firm told of a cancellation gets it at the time its calendar holds, with the buyer's
    // name (contract v3).
    let mission = missionmatch::read_mission(scratch.path()).unwrap().mission;
    for change in dropped {
        let calendar = std::fs::read_to_string(
            scratch
                .path()
                .join(format!("out/agendas/firms/{}.ics", change[1])),
        )
        .unwrap();
        let (firm, buyer) = (&change[1], &change[2]);
        let company = &mission.buyers[mission
            .buyer_index(&missionmatch::BuyerId(buyer.clone()))
            .unwrap()]
        .company;
        let summary = format!("SUMMARY:Cancelled: meeting with {company}");
        let event = calendar
            .split("BEGIN:VEVENT")
            .find(|event| event.contains(&summary.replace(',', "\\,")))
            .unwrap_or_else(|| panic!("{firm}: no cancelled event for {buyer}:\n{calendar}"));
        assert!(event.contains("STATUS:CANCELLED"), "{event}");
        let (_, old_start) = &old[&(firm.clone(), buyer.clone())];
        let start = old_start.replace(['-', ':'], "") + "00";
        assert!(event.contains(&format!(":{start}\r\n")), "{start}: {event}");
        assert!(event.contains("DTEND;"), "{event}");
    }
}

/// What the validator finds wrong with a re-planned timetable, apart from the meetings the
/// cancelled buyer held before `now` (they stay in it as what happened).
fn violations_apart_from(
    mission: &missionmatch::Mission,
    weights: &[PairWeight],
    meetings: &[Meeting],
    cancelled: &missionmatch::BuyerId,
) -> Vec<String> {
    let future: Vec<Meeting> = meetings
        .iter()
        .filter(|m| &m.buyer != cancelled)
        .cloned()
        .collect();
    validate_schedule(mission, &with_kept_pairs(weights, meetings), &future)
}

/// The weights and, for the validator, every pair the re-planned timetable kept without a weight.
fn with_kept_pairs(weights: &[PairWeight], meetings: &[Meeting]) -> Vec<PairWeight> {
    let mut all = weights.to_vec();
    for m in meetings {
        if !weights
            .iter()
            .any(|w| w.firm == m.firm && w.buyer == m.buyer)
        {
            all.push(PairWeight {
                firm: m.firm.clone(),
                buyer: m.buyer.clone(),
                expected_value_usd: m.expected_value_usd,
                reasons: vec![],
                relevance: None,
                source: "kept".into(),
                line: None,
            });
        }
    }
    all
}

/// Rule 7's order of a timetable: minimum coverage, wants met (each side once), value.
fn rule_7(mission: &missionmatch::Mission, meetings: &[Meeting]) -> (u32, usize, f64) {
    let wants = mission.wants();
    let met = meetings
        .iter()
        .filter_map(|m| wants.get(&(&m.firm, &m.buyer)))
        .map(|sides| sides.len().min(2))
        .sum();
    let value = meetings.iter().map(|m| m.expected_value_usd).sum();
    (
        missionmatch::minimum_coverage(mission, meetings).0,
        met,
        value,
    )
}

/// The cancelled buyer's session's first slot after its first meeting: `now` for the tests.
fn cancel_one(
    mission: &mut missionmatch::Mission,
    old: &[Meeting],
    seed: u64,
) -> Option<(missionmatch::BuyerId, Moment)> {
    let victim = old.iter().map(|m| m.buyer.clone()).nth(seed as usize % 5)?;
    let index = mission.buyer_index(&victim).unwrap();
    mission.buyers[index].status = Status::Cancelled;
    let second = mission.slots.iter().find(|s| s.session == 1).unwrap();
    Some((
        victim,
        Moment {
            date: mission.sessions[1].date,
            time: second.range.start,
        },
    ))
}

#[test]
fn on_generated_missions_a_replan_without_edits_changes_nothing_at_any_session() {
    for seed in 0..8u64 {
        let (mission, weights) = generated(6, 24, seed, seed % 2 == 0);
        let exact = ScheduleOptions {
            mip_gap: 0.0,
            ..Default::default()
        };
        let old = schedule(&mission, &weights, &exact).unwrap();
        for session in 0..mission.sessions.len() {
            let slot = mission.slots.iter().find(|s| s.session == session).unwrap();
            let now = Moment {
                date: mission.sessions[session].date,
                time: slot.range.start,
            };
            let options = ReplanOptions {
                allow_moves: 0,
                schedule: exact.clone(),
            };
            let result = replan(&mission, &old.meetings, &weights, now, &options).unwrap();
            assert!(
                result.changes.is_empty(),
                "seed {seed} session {session}: {:?}",
                result.changes
            );
            let mut before: Vec<_> = old
                .meetings
                .iter()
                .map(|m| (&m.firm, &m.buyer, m.slot))
                .collect();
            let mut after: Vec<_> = result
                .schedule
                .meetings
                .iter()
                .map(|m| (&m.firm, &m.buyer, m.slot))
                .collect();
            before.sort();
            after.sort();
            assert_eq!(before, after, "seed {seed} session {session}");
        }
    }
}

#[test]
fn a_cancellation_moves_nothing_and_allow_moves_only_ever_helps() {
    for seed in 0..10u64 {
        let (mut mission, weights) = generated(6, 24, seed, true);
        let old = schedule(&mission, &weights, &ScheduleOptions::default()).unwrap();
        let Some((victim, now)) = cancel_one(&mut mission, &old.meetings, seed) else {
            continue;
        };
        let victim_sessions: BTreeSet<usize> = old
            .meetings
            .iter()
            .filter(|m| m.buyer == victim)
            .map(|m| mission.slots[m.slot.0].session)
            .collect();
        let mut base_score = None;
        for allow_moves in [0u32, 1, 3] {
            let options = ReplanOptions {
                allow_moves,
                schedule: ScheduleOptions::default(),
            };
            let result = replan(&mission, &old.meetings, &weights, now, &options).unwrap();
            let moved: Vec<&missionmatch::Change> = result
                .changes
                .iter()
                .filter(|c| c.kind == missionmatch::ChangeKind::Moved)
                .collect();
            if allow_moves == 0 {
                // Nothing that still works moves, least of all in sessions the buyer was not in.
                for change in &moved {
                    let session = mission.slots[change.old_slot.unwrap().0].session;
                    assert!(
                        victim_sessions.contains(&session),
                        "seed {seed}: {change:?}"
                    );
                }
            }
            // A moved kept meeting is one the old timetable had after `now`, now elsewhere.
            let released = moved
                .iter()
                .filter(|c| c.reason.contains("allow-moves"))
                .count();
            assert!(
                released as u32 <= allow_moves,
                "seed {seed}: {released} moved, {allow_moves} allowed"
            );
            for change in &moved {
                assert!(old.meetings.iter().any(|m| m.firm == change.firm
                    && m.buyer == change.buyer
                    && Some(m.slot) == change.old_slot));
                assert!(result
                    .schedule
                    .meetings
                    .iter()
                    .any(|m| m.firm == change.firm
                        && m.buyer == change.buyer
                        && Some(m.slot) == change.new_slot));
            }
            assert_eq!(
                violations_apart_from(&mission, &weights, &result.schedule.meetings, &victim),
                Vec::<String>::new(),
                "seed {seed} moves {allow_moves}"
            );
            let score = rule_7(&mission, &result.schedule.meetings);
            if let Some(base) = base_score {
                let (b, s): ((u32, usize, f64), (u32, usize, f64)) = (base, score);
                assert!(
                    (s.0, s.1) > (b.0, b.1) || ((s.0, s.1) == (b.0, b.1) && s.2 >= b.2 - 1e-6),
                    "seed {seed} moves {allow_moves}: {s:?} < {b:?}"
                );
            } else {
                base_score = Some(score);
            }
        }
    }
}
