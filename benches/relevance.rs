//! Relevance of the matcher against plain BM25, on generated missions whose ground truth is the
//! HS tree (same heading: relevant, grade 2; same chapter: partly, grade 1).
//!
//! Variant (a): both sides described in text (and HS codes). Variant (b): buyers give only a
//! sector word and HS codes, firms only product text. Prints nDCG@10 (gain 2^grade - 1) and the
//! recall of grade-2 pairs among the kept candidates, for missionmatch and for plain BM25 over
//! the raw texts, in the same run. `cargo bench --bench relevance` (`-- crosslingual` for row (c)
//! alone, `-- crosslingual misses` to list the profiles whose inferred headings miss their line).

use missionmatch::testing::{hs_grade, TextIndex};
use missionmatch::{generate, match_mission, GeneratorOptions, MatchOptions, Mission, TextStyle};

fn dcg(grades: &[u8]) -> f64 {
    grades
        .iter()
        .take(10)
        .enumerate()
        .map(|(rank, &grade)| (2f64.powi(i32::from(grade)) - 1.0) / (rank as f64 + 2.0).log2())
        .sum()
}

/// Mean nDCG@10 and recall of grade-2 pairs, given each firm's ranked buyers and kept buyers,
/// graded by the HS tree.
fn evaluate(mission: &Mission, ranked: &[Vec<usize>], kept: &[Vec<usize>]) -> (f64, f64) {
    evaluate_with(mission, ranked, kept, |firm, buyer| {
        hs_grade(
            &mission.firms[firm].hs_codes,
            &mission.buyers[buyer].hs_codes,
        )
    })
}

/// The same with any grading of (firm, buyer) pairs.
fn evaluate_with(
    mission: &Mission,
    ranked: &[Vec<usize>],
    kept: &[Vec<usize>],
    grade: impl Fn(usize, usize) -> u8,
) -> (f64, f64) {
    let mut ndcg_sum = 0.0;
    let mut firms_counted = 0;
    let mut relevant = 0;
    let mut found = 0;
    for firm_index in 0..mission.firms.len() {
        let grades: Vec<u8> = (0..mission.buyers.len())
            .map(|buyer| grade(firm_index, buyer))
            .collect();
        let mut ideal = grades.clone();
        ideal.sort_unstable_by(|a, b| b.cmp(a));
        let ideal_dcg = dcg(&ideal);
        if ideal_dcg == 0.0 {
            continue;
        }
        let got: Vec<u8> = ranked[firm_index].iter().map(|&b| grades[b]).collect();
        ndcg_sum += dcg(&got) / ideal_dcg;
        firms_counted += 1;
        relevant += grades.iter().filter(|&&g| g == 2).count();
        found += kept[firm_index].iter().filter(|&&b| grades[b] == 2).count();
    }
    (
        ndcg_sum / f64::from(firms_counted.max(1)),
        found as f64 / relevant.max(1) as f64,
    )
}

/// Each firm's buyers ranked by the matcher's relevance.
fn ranking(mission: &Mission, candidates: &[missionmatch::Candidate]) -> Vec<Vec<usize>> {
    let mut ranked = vec![Vec::new(); mission.firms.len()];
    for candidate in candidates {
        ranked[candidate.firm].push((candidate.relevance, candidate.buyer));
    }
    ranked
        .into_iter()
        .map(|mut list| {
            list.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            list.into_iter().map(|(_, buyer)| buyer).collect()
        })
        .collect()
}

/// A cross-lingual set (`benches/data/crosslingual*.csv`, written for this benchmark): firms
/// that describe themselves only in Korean, buyers only in English or Vietnamese, no HS codes,
/// trade phrases rather than nomenclature text. `crosslingual.csv`: 12 product lines, 3 firms and
/// 10 buyers each; `crosslingual-heldout.csv`: 5 other lines, 2 firms and 6 buyers each, written
/// after the trade words' last change. A buyer is relevant (grade 2) to the firms of its line.
/// nDCG@10 and recall without and with the bridge of national nomenclatures and trade words, in
/// the same run.
fn crosslingual(row_name: &str, text: &str) {
    let mut mission = generate(&GeneratorOptions {
        firms: 1,
        buyers: 1,
        seed: 1,
        ..Default::default()
    });
    let firm_template = mission.firms[0].clone();
    let buyer_template = mission.buyers[0].clone();
    mission.firms.clear();
    mission.buyers.clear();
    mission.requests.clear();
    let mut firm_line = Vec::new();
    let mut buyer_line = Vec::new();
    for row in text.lines().skip(1) {
        let mut cells = row.splitn(3, ',');
        let (line, language, phrase) = (
            cells.next().unwrap(),
            cells.next().unwrap(),
            cells.next().unwrap(),
        );
        if language == "ko" {
            let mut firm = firm_template.clone();
            firm.id = missionmatch::FirmId(format!("F{:02}", mission.firms.len() + 1));
            firm.name = format!("Firm {}", mission.firms.len() + 1);
            firm.sector = String::new();
            firm.products = phrase.to_string();
            firm.hs_codes.clear();
            firm.languages = vec!["ko".to_string()];
            mission.firms.push(firm);
            firm_line.push(line.to_string());
        } else {
            let mut buyer = buyer_template.clone();
            buyer.id = missionmatch::BuyerId(format!("B{:03}", mission.buyers.len() + 1));
            buyer.company = format!("Buyer {}", mission.buyers.len() + 1);
            buyer.sector = String::new();
            buyer.interests = phrase.to_string();
            buyer.hs_codes.clear();
            buyer.languages = vec![language.to_string()];
            buyer.country = if language == "vi" { "VN" } else { "IN" }.to_string();
            mission.buyers.push(buyer);
            buyer_line.push(line.to_string());
        }
    }
    let grade = |firm: usize, buyer: usize| {
        if firm_line[firm] == buyer_line[buyer] {
            2
        } else {
            0
        }
    };
    // The heading each line's trade is classified under (brake pads: friction material or
    // vehicle parts), to show how often the inferred headings name it.
    let expected = |line: &str| -> &'static [&'static str] {
        match line {
            "drones" => &["8806"],
            "bearings" => &["8482"],
            "brakes" => &["6813", "8708"],
            "chargers" => &["8504"],
            "cosmetics" => &["3304"],
            "injection" => &["8477"],
            "lighting" => &["9405"],
            "medical" => &["9018"],
            "moulds" => &["8480"],
            "packaging" => &["3923"],
            "packers" => &["8422"],
            "vr" => &["8528"],
            // The held-out set's lines.
            "robots" => &["8479", "8515"],
            "tools" => &["8457", "8458", "8459", "8460", "8461"],
            "batteries" => &["8507"],
            "sensors" => &["9025", "9026", "9031", "9032"],
            "valves" => &["8481"],
            _ => &[],
        }
    };
    {
        let (firm_headings, buyer_headings) =
            missionmatch::inferred_headings(&mission, &MatchOptions::default()).expect("headings");
        let mut first = 0;
        let mut any = 0;
        let mut misses = Vec::new();
        let profiles = firm_line
            .iter()
            .zip(&firm_headings)
            .zip(mission.firms.iter().map(|f| &f.products))
            .chain(
                buyer_line
                    .iter()
                    .zip(&buyer_headings)
                    .zip(mission.buyers.iter().map(|b| &b.interests)),
            );
        for ((line, headings), text) in profiles {
            let right = expected(line);
            if headings
                .first()
                .is_some_and(|h| right.contains(&h.code.as_str()))
            {
                first += 1;
            }
            if headings.iter().any(|h| right.contains(&h.code.as_str())) {
                any += 1;
            } else {
                let codes: Vec<&str> = headings.iter().map(|h| h.code.as_str()).collect();
                misses.push(format!("{line}: {text} -> {}", codes.join(" ")));
            }
        }
        let total = firm_line.len() + buyer_line.len();
        println!(
            "  inferred headings: the line's own heading first for {first} of {total} profiles, among them for {any}"
        );
        if std::env::args().any(|a| a == "misses") {
            for miss in misses {
                println!("    {miss}");
            }
        }
    }
    let mut row = Vec::new();
    for bridge in [false, true] {
        let candidates = match_mission(
            &mission,
            &MatchOptions {
                candidates_per_firm: Some(40),
                bridge,
                ..Default::default()
            },
        )
        .expect("matching");
        let ranked = ranking(&mission, &candidates);
        let (ndcg, recall) = evaluate_with(&mission, &ranked, &ranked, grade);
        row.push(format!(
            "{} nDCG@10 {ndcg:.3}, recall {recall:.3}",
            if bridge { "with the bridge" } else { "without" }
        ));
        if bridge {
            // Per line, so a line the trade words do not cover shows as what it is.
            let mut lines: Vec<&String> = firm_line.iter().collect();
            lines.sort();
            lines.dedup();
            let per_line: Vec<String> = lines
                .iter()
                .map(|line| {
                    let firms: Vec<usize> = (0..mission.firms.len())
                        .filter(|&f| &&firm_line[f] == line)
                        .collect();
                    let mut sum = 0.0;
                    for &firm in &firms {
                        let grades: Vec<u8> =
                            ranked[firm].iter().map(|&b| grade(firm, b)).collect();
                        let mut ideal: Vec<u8> =
                            (0..mission.buyers.len()).map(|b| grade(firm, b)).collect();
                        ideal.sort_unstable_by(|a, b| b.cmp(a));
                        sum += dcg(&grades) / dcg(&ideal);
                    }
                    format!("{line} {:.2}", sum / firms.len() as f64)
                })
                .collect();
            println!("  per line: {}", per_line.join(", "));
            if std::env::args().any(|a| a == "misses") {
                for (firm, buyers) in ranked.iter().enumerate() {
                    let top: Vec<String> = buyers
                        .iter()
                        .take(10)
                        .map(|&b| {
                            if grade(firm, b) > 0 {
                                "+".to_string()
                            } else {
                                format!("{}:{}", buyer_line[b], mission.buyers[b].interests)
                            }
                        })
                        .collect();
                    println!(
                        "    {} {} | {}",
                        firm_line[firm],
                        mission.firms[firm].products,
                        top.join(" | ")
                    );
                }
            }
        }
    }
    println!(
        "{row_name} ({} Korean-only firms, {} English or Vietnamese buyers, no codes): {}",
        mission.firms.len(),
        mission.buyers.len(),
        row.join(" | ")
    );
}

/// A labelled mission folder (`labels.csv`: firm, buyer, grade; optional `split.csv`: id,
/// heading, part): nDCG@10 and recall of the matcher per part, and the schedule precision (the
/// share of `schedule`'s meetings between related trades, grade 1 or 2) of the default
/// pipeline: match, then schedule with the mission's rules (the relevance floor included).
fn labelled(row_name: &str, folder: &std::path::Path) {
    let Ok(loaded) = missionmatch::read_mission(folder) else {
        println!(
            "{row_name}: {} not found or invalid, skipped",
            folder.display()
        );
        return;
    };
    let mission = loaded.mission;
    let read = |name: &str| std::fs::read_to_string(folder.join(name)).unwrap_or_default();
    let mut grades: std::collections::HashMap<(String, String), u8> = Default::default();
    for line in read("labels.csv").lines().skip(1) {
        let cells: Vec<&str> = line.trim_start_matches('\u{feff}').split(',').collect();
        if let [firm, buyer, grade] = cells[..] {
            grades.insert(
                (firm.to_string(), buyer.to_string()),
                grade.parse().unwrap_or(0),
            );
        }
    }
    let mut part_of: std::collections::HashMap<String, String> = Default::default();
    for line in read("split.csv").lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        if let [id, _, part] = cells[..] {
            part_of.insert(id.to_string(), part.to_string());
        }
    }
    let grade = |firm: usize, buyer: usize| {
        grades
            .get(&(
                mission.firms[firm].id.to_string(),
                mission.buyers[buyer].id.to_string(),
            ))
            .copied()
            .unwrap_or(0)
    };
    let candidates = match_mission(&mission, &MatchOptions::default()).expect("matching");
    let ranked = ranking(&mission, &candidates);
    let weights = missionmatch::candidate_weights(&mission, &candidates);
    let timetable = missionmatch::schedule(
        &mission,
        &weights,
        &missionmatch::ScheduleOptions::default(),
    )
    .expect("schedule");
    let parts: Vec<&str> = if part_of.is_empty() {
        vec!["all"]
    } else {
        vec!["train", "test"]
    };
    let mut row = Vec::new();
    for part in parts {
        let in_part = |firm: usize| {
            part == "all"
                || part_of
                    .get(mission.firms[firm].id.as_str())
                    .map(String::as_str)
                    == Some(part)
        };
        let masked: Vec<Vec<usize>> = ranked
            .iter()
            .enumerate()
            .map(|(firm, list)| {
                if in_part(firm) {
                    list.clone()
                } else {
                    Vec::new()
                }
            })
            .collect();
        let (ndcg, recall) = evaluate_with(&mission, &masked, &masked, |firm, buyer| {
            if in_part(firm) {
                grade(firm, buyer)
            } else {
                0
            }
        });
        let meetings: Vec<(usize, usize)> = timetable
            .meetings
            .iter()
            .filter_map(|m| Some((mission.firm_index(&m.firm)?, mission.buyer_index(&m.buyer)?)))
            .filter(|&(firm, _)| in_part(firm))
            .collect();
        let related = meetings.iter().filter(|&&(f, b)| grade(f, b) >= 1).count();
        row.push(format!(
            "{part}: nDCG@10 {ndcg:.3}, recall {recall:.3}, schedule precision {:.3} ({related} of {} meetings)",
            related as f64 / meetings.len().max(1) as f64,
            meetings.len()
        ));
    }
    println!("{row_name}: {}", row.join(" | "));
}

fn main() {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/data");
    // The labelled held-out missions (`benches/data/HELDOUT.md`), each row's name and folder.
    let held_out = [
        (
            "(e) held out, nomenclature rephrased",
            "heldout-nomenclature",
        ),
        ("(f) held out, catalogue style", "heldout-catalogue"),
        ("(h) held out, a 12 x 60 Vietnam mission", "heldout-vietnam"),
        (
            "(i) held out, a 30 x 150 India and Vietnam mission",
            "heldout-30x150",
        ),
        (
            "(j) held out, a second 30 x 150 India and Vietnam mission",
            "heldout-30x150-b",
        ),
        (
            "(k) held out, a third 30 x 150 India and Vietnam mission",
            "heldout-30x150-k",
        ),
    ];
    for (row_name, folder) in held_out {
        labelled(row_name, &data.join(folder));
    }
    // Written outside the team; not in the repository (a clone without ../shared skips it).
    labelled(
        "(g) crosslingual-dev (shared, written outside the team)",
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/crosslingual-dev"),
    );
    crosslingual("(c) cross-lingual", include_str!("data/crosslingual.csv"));
    // Written after the trade words were last changed, and measured once as it stood: five
    // product lines the trade words were not written for (two of them have no row at all).
    crosslingual(
        "(d) cross-lingual, held out",
        include_str!("data/crosslingual-heldout.csv"),
    );
    if std::env::args().any(|a| a == "crosslingual") {
        return;
    }
    let per_firm = 40;
    for (label, text_style) in [
        ("(a) both described", TextStyle::Described),
        ("(b) buyers codes only", TextStyle::BuyersCodesOnly),
    ] {
        // The ground truth reads the codes, so variant (b) keeps the firms' true codes aside.
        let truth = generate(&GeneratorOptions {
            firms: 200,
            buyers: 2000,
            seed: 11,
            headings: 80,
            text_style: TextStyle::Described,
            ..Default::default()
        });
        let mut mission = generate(&GeneratorOptions {
            firms: 200,
            buyers: 2000,
            seed: 11,
            headings: 80,
            text_style,
            ..Default::default()
        });
        let started = std::time::Instant::now();
        let candidates = match_mission(
            &mission,
            &MatchOptions {
                candidates_per_firm: Some(per_firm),
                ..Default::default()
            },
        )
        .expect("matching");
        let match_seconds = started.elapsed().as_secs_f64();
        let mut ranked = vec![Vec::new(); mission.firms.len()];
        for candidate in &candidates {
            ranked[candidate.firm].push((candidate.relevance, candidate.buyer));
        }
        let ranked: Vec<Vec<usize>> = ranked
            .into_iter()
            .map(|mut list| {
                list.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                list.into_iter().map(|(_, buyer)| buyer).collect()
            })
            .collect();
        // Plain BM25: the firm's raw product text against the buyers' raw sector and interests.
        let buyer_texts: Vec<String> = mission
            .buyers
            .iter()
            .map(|b| format!("{} {}", b.sector, b.interests))
            .collect();
        let mut plain =
            TextIndex::build_plain(buyer_texts.iter().map(String::as_str)).expect("index");
        let mut bm25 = Vec::new();
        for firm in &mission.firms {
            let terms = plain.terms(&firm.products);
            bm25.push(
                plain
                    .search(&terms, per_firm)
                    .expect("search")
                    .into_iter()
                    .map(|(b, _)| b)
                    .collect::<Vec<_>>(),
            );
        }
        // Grade against the true codes.
        for (firm, true_firm) in mission.firms.iter_mut().zip(&truth.firms) {
            firm.hs_codes = true_firm.hs_codes.clone();
        }
        let (ndcg, recall) = evaluate(&mission, &ranked, &ranked);
        let (bm25_ndcg, bm25_recall) = evaluate(&mission, &bm25, &bm25);
        println!(
            "{label}: missionmatch nDCG@10 {ndcg:.3}, recall {recall:.3} ({:.2} s) | plain BM25 nDCG@10 {bm25_ndcg:.3}, recall {bm25_recall:.3}",
            match_seconds
        );
    }
}
