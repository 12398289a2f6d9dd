//! `replan` against its baseline in one process: on a generated 300 x 3,000 x 4 mission whose
//! timetable is under way, three buyers cancel at the start of the second session. Re-planning
//! is timed against scheduling the edited mission from scratch (what organisers did before), and
//! both are judged by how many meetings of the other participants they move.
//! `cargo bench --bench replan`. The target: under 10 s.

use std::collections::HashMap;
use std::time::Instant;

use missionmatch::{
    generate, replan, schedule, synthetic_weights, GeneratorOptions, Meeting, Moment,
    ReplanOptions, ScheduleOptions, Status,
};

fn moved(old: &[Meeting], new: &[Meeting], cancelled: &[String]) -> usize {
    let slot_of: HashMap<(&str, &str), usize> = new
        .iter()
        .map(|m| ((m.firm.as_str(), m.buyer.as_str()), m.slot.0))
        .collect();
    old.iter()
        .filter(|m| !cancelled.contains(&m.buyer.0))
        .filter(|m| slot_of.get(&(m.firm.as_str(), m.buyer.as_str())) != Some(&m.slot.0))
        .count()
}

fn main() {
    let mut mission = generate(&GeneratorOptions {
        firms: 300,
        buyers: 3000,
        seed: 1,
        ..Default::default()
    });
    let weights = synthetic_weights(&mission, 1);
    let options = ScheduleOptions {
        time_limit_seconds: Some(60.0),
        ..Default::default()
    };
    let old = schedule(&mission, &weights, &options).expect("a timetable");
    // Three buyers with meetings in the second session cancel as it starts.
    let second = mission
        .slots
        .iter()
        .find(|s| s.session == 1)
        .unwrap()
        .clone();
    let mut cancelled: Vec<String> = Vec::new();
    for meeting in &old.meetings {
        if mission.slots[meeting.slot.0].session == 1 && !cancelled.contains(&meeting.buyer.0) {
            cancelled.push(meeting.buyer.0.clone());
        }
        if cancelled.len() == 3 {
            break;
        }
    }
    for id in &cancelled {
        let index = mission.buyers.iter().position(|b| &b.id.0 == id).unwrap();
        mission.buyers[index].status = Status::Cancelled;
    }
    let now = Moment {
        date: mission.sessions[1].date,
        time: second.range.start,
    };

    let started = Instant::now();
    let replanned = replan(
        &mission,
        &old.meetings,
        &weights,
        now,
        &ReplanOptions {
            allow_moves: 0,
            schedule: options.clone(),
        },
    )
    .expect("a re-plan");
    let replan_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let fresh = schedule(&mission, &weights, &options).expect("a fresh timetable");
    let fresh_seconds = started.elapsed().as_secs_f64();

    println!(
        "replan 300 x 3,000 x {} sessions, {} meetings, 3 buyers cancel at {}T{}:",
        mission.sessions.len(),
        old.meetings.len(),
        now.date,
        now.time
    );
    println!(
        "  replan             {replan_seconds:>7.2} s  meetings {:>5}  value {:>12.0}  others' meetings moved {:>5}  changes {}",
        replanned.schedule.meetings.len(),
        replanned.schedule.expected_value_usd,
        moved(&old.meetings, &replanned.schedule.meetings, &cancelled),
        replanned.changes.len()
    );
    println!(
        "  schedule afresh    {fresh_seconds:>7.2} s  meetings {:>5}  value {:>12.0}  others' meetings moved {:>5}",
        fresh.meetings.len(),
        fresh.expected_value_usd,
        moved(&old.meetings, &fresh.meetings, &cancelled)
    );
    println!("  replan / afresh = {:.2}", replan_seconds / fresh_seconds);
}
