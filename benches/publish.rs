//! `publish` on a 300 x 3,000 generated mission (about 2,850 participants with meetings, three
//! files each), in one process: the whole publication on all cores; PDF agendas alone on one
//! core; and as the baseline of the same run, encoding the same timetable as `schedule.json`.
//! `cargo bench --bench publish`. The target: all agendas in under 10 s.

use std::time::Instant;

use missionmatch::{
    agenda_pdf, agendas, generate, publish, schedule, schedule_json, synthetic_weights,
    CalendarState, GeneratorOptions, Method, PublishStatus, ScheduleOptions,
};

fn main() {
    let mission = generate(&GeneratorOptions {
        firms: 300,
        buyers: 3000,
        seed: 1,
        ..Default::default()
    });
    let weights = synthetic_weights(&mission, 1);
    let options = ScheduleOptions {
        method: Method::Greedy,
        ..Default::default()
    };
    let timetable = schedule(&mission, &weights, &options).expect("a greedy timetable");
    let meetings = &timetable.meetings;

    let started = Instant::now();
    let json = serde_json::to_string_pretty(&schedule_json(&mission, &timetable)).unwrap();
    let baseline = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let documents = publish(
        &mission,
        meetings,
        PublishStatus::Draft,
        &CalendarState::new(),
        "20260101T000000Z",
    )
    .expect("a publication");
    let whole = started.elapsed().as_secs_f64();
    let bytes: usize = documents
        .agendas
        .iter()
        .map(|(_, b)| b.len())
        .sum::<usize>()
        + documents.files.iter().map(|(_, b)| b.len()).sum::<usize>();

    let started = Instant::now();
    let (firms, buyers) = agendas(&mission, meetings);
    let records = started.elapsed().as_secs_f64();
    let sample: Vec<_> = firms.iter().chain(&buyers).take(300).collect();
    let started = Instant::now();
    let mut pdf_bytes = 0;
    for agenda in &sample {
        pdf_bytes += agenda_pdf(&mission, agenda, PublishStatus::Draft)
            .expect("a PDF")
            .len();
    }
    let pdf_each = started.elapsed().as_secs_f64() / sample.len() as f64;

    println!(
        "publish 300 x 3,000: {} meetings, {} agendas ({} files, {:.1} MB) in {whole:.2} s on {} threads ({:.2} ms an agenda)",
        meetings.len(),
        firms.len() + buyers.len(),
        documents.agendas.len() + documents.files.len() + 1,
        bytes as f64 / 1e6,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        whole * 1000.0 / (firms.len() + buyers.len()) as f64,
    );
    println!(
        "  the agendas' records alone (each participant's meetings in order): {:.3} s",
        records
    );
    println!(
        "  one PDF agenda on one core: {:.2} ms ({:.1} kB average over {})",
        pdf_each * 1000.0,
        pdf_bytes as f64 / sample.len() as f64 / 1000.0,
        sample.len()
    );
    println!(
        "  baseline, schedule.json of the same timetable ({:.1} MB): {:.3} s; publish / baseline = {:.0}x",
        json.len() as f64 / 1e6,
        baseline,
        whole / baseline
    );
}
