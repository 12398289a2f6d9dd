//! Speed of matching: indexing 100,000 buyers; one firm's top-50 buyers (median over many
//! firms); candidates for 1,000 firms x 10,000 buyers, and for 1,000 firms x 100,000 buyers
//! (issue 9's target: under 60 s). `cargo bench --bench matching_speed`

use std::time::Instant;

use missionmatch::testing::TextIndex;
use missionmatch::{generate, match_mission, GeneratorOptions, MatchOptions};

fn main() {
    let big = generate(&GeneratorOptions {
        firms: 1000,
        buyers: 100_000,
        seed: 21,
        ..Default::default()
    });
    let texts: Vec<String> = big
        .buyers
        .iter()
        .map(|b| format!("{}. {}. {}", b.sector, b.interests, b.keywords.join(". ")))
        .collect();
    let started = Instant::now();
    let mut index = TextIndex::build(texts.iter().map(String::as_str)).expect("index");
    let indexing = started.elapsed().as_secs_f64();
    println!("indexing 100,000 buyers: {indexing:.2} s");

    let queries: Vec<Vec<String>> = big.firms.iter().map(|f| index.terms(&f.products)).collect();
    let mut times = Vec::new();
    for terms in &queries {
        let started = Instant::now();
        let hits = index.search(terms, 50).expect("search");
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(hits);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "top-50 buyers for one firm over 100,000 buyers: median {:.3} ms, p90 {:.3} ms ({} firms)",
        times[times.len() / 2],
        times[times.len() * 9 / 10],
        times.len()
    );

    let mission = generate(&GeneratorOptions {
        firms: 1000,
        buyers: 10_000,
        seed: 22,
        ..Default::default()
    });
    let started = Instant::now();
    let candidates = match_mission(&mission, &MatchOptions::default()).expect("matching");
    println!(
        "candidates for 1,000 firms x 10,000 buyers: {:.2} s, {} pairs kept",
        started.elapsed().as_secs_f64(),
        candidates.len()
    );

    let started = Instant::now();
    let candidates = match_mission(&big, &MatchOptions::default()).expect("matching");
    println!(
        "candidates for 1,000 firms x 100,000 buyers: {:.2} s, {} pairs kept ({} threads)",
        started.elapsed().as_secs_f64(),
        candidates.len(),
        std::thread::available_parallelism().map_or(1, |count| count.get())
    );
}
