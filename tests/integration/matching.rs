//! The matcher on the fixtures: literal expectations a person can check, and the contract's
//! `candidates.csv`.

use crate::common;

use common::{copy_fixture, fixture, run};
use missionmatch::{
    inferred_headings, match_mission, read_mission, Candidate, MatchOptions, Mission,
};

fn matched(name: &str) -> (Mission, Vec<Candidate>) {
    let mission = read_mission(&fixture(name)).unwrap().mission;
    let candidates = match_mission(&mission, &MatchOptions::default()).unwrap();
    (mission, candidates)
}

fn best_buyers(
    mission: &Mission,
    candidates: &[Candidate],
    firm: &str,
    count: usize,
) -> Vec<String> {
    let firm = mission
        .firms
        .iter()
        .position(|f| f.id.as_str() == firm)
        .unwrap();
    let mut mine: Vec<&Candidate> = candidates.iter().filter(|c| c.firm == firm).collect();
    mine.sort_by(|a, b| b.relevance.total_cmp(&a.relevance));
    mine.iter()
        .take(count)
        .map(|c| mission.buyers[c.buyer].id.to_string())
        .collect()
}

fn best_firm(mission: &Mission, candidates: &[Candidate], buyer: &str) -> String {
    let buyer = mission
        .buyers
        .iter()
        .position(|b| b.id.as_str() == buyer)
        .unwrap();
    let best = candidates
        .iter()
        .filter(|c| c.buyer == buyer)
        .max_by(|a, b| a.relevance.total_cmp(&b.relevance))
        .unwrap();
    mission.firms[best.firm].id.to_string()
}

#[test]
fn a_korean_only_firm_finds_its_buyers() {
    // F08 writes only Korean: 기초 화장품, 마스크팩, 선크림을 생산합니다.
    let (mission, candidates) = matched("india-2017");
    let top = best_buyers(&mission, &candidates, "F08", 3);
    for buyer in &top {
        let record = mission
            .buyers
            .iter()
            .find(|b| b.id.as_str() == buyer)
            .unwrap();
        assert_eq!(record.sector, "Beauty retail", "{buyer} in {top:?}");
    }
    // F13 also writes only Korean (플라스틱 사출 금형): its best buyer wants injection moulds.
    let top = best_buyers(&mission, &candidates, "F13", 1);
    let record = mission
        .buyers
        .iter()
        .find(|b| b.id.as_str() == top[0])
        .unwrap();
    assert_eq!(record.sector, "Plastic injection", "{top:?}");
}

#[test]
fn vietnamese_only_buyers_find_their_firms() {
    let (mission, candidates) = matched("vietnam-2017");
    // VN-003: "Khuôn ép nhựa" (injection moulds) -> F10, the mould maker, who writes Korean only.
    assert_eq!(best_firm(&mission, &candidates, "VN-003"), "F10");
    // VN-018: "Mỹ phẩm Hàn Quốc: chăm sóc da, mặt nạ, kem chống nắng" -> F05, the cosmetics firm.
    assert_eq!(best_firm(&mission, &candidates, "VN-018"), "F05");
    // VN-006: "Đèn LED chiếu sáng nhà xưởng" (LED factory lighting) -> F09, the LED maker.
    assert_eq!(best_firm(&mission, &candidates, "VN-006"), "F09");
}

#[test]
fn candidates_follow_the_contract() {
    let scratch = copy_fixture("india-2017");
    let output = run(&["match", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    let text = std::fs::read_to_string(scratch.path().join("out/candidates.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("\u{feff}firm,buyer,relevance,p_deal,deal_value_usd,expected_value_usd,reasons,text_similarity,hs_level")
    );
    let rows: Vec<&str> = lines.collect();
    assert!(rows.len() > 100, "{}", rows.len());
    // The avoid pair is never kept; the must pair always is.
    assert!(!rows.iter().any(|row| row.starts_with("F04,IN-013,")));
    assert!(rows
        .iter()
        .any(|row| row.starts_with("F06,IN-008,") && row.contains("must meet")));
    for row in &rows {
        let cells: Vec<&str> = row.splitn(7, ',').collect();
        let number = |index: usize| cells[index].parse::<f64>().unwrap();
        let (relevance, p_deal, deal, expected) = (number(2), number(3), number(4), number(5));
        assert!((0.0..=1.0).contains(&relevance), "{row}");
        assert!(
            (expected - p_deal * deal).abs() <= 0.01 + deal * 0.000_006,
            "{row}"
        );
        assert!(!cells[6].is_empty(), "every pair has a reason: {row}");
    }
}

/// The same folder gives the same candidates.csv, byte for byte, in every process: each run
/// hashes with other keys, and sums or ties taken in a map's order changed the last digits of a
/// relevance, the order of near-equal rows and the order of a reason's words from run to run.
#[test]
fn the_same_mission_gives_the_same_candidates_every_run() {
    for name in ["india-2017", "vietnam-2017"] {
        let scratch = copy_fixture(name);
        let dir = scratch.path().to_str().unwrap();
        let runs: Vec<String> = (0..3)
            .map(|_| {
                let output = run(&["match", dir]);
                assert_eq!(output.code, 0, "{}", output.stderr);
                std::fs::read_to_string(scratch.path().join("out/candidates.csv")).unwrap()
            })
            .collect();
        assert!(runs[0].lines().count() > 50, "{name}");
        for other in &runs[1..] {
            let first_difference = runs[0].lines().zip(other.lines()).find(|(a, b)| a != b);
            assert_eq!(first_difference, None, "{name}");
            assert_eq!(&runs[0], other, "{name}");
        }
    }
}

#[test]
fn matched_terms_are_words_people_wrote_not_stems() {
    let glossary = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/glossary.csv"),
    )
    .unwrap()
    .to_lowercase();
    let mut checked = 0;
    for name in ["india-2017", "vietnam-2017"] {
        let (mission, candidates) = matched(name);
        for candidate in &candidates {
            let firm = &mission.firms[candidate.firm];
            let written = format!(
                "{} {} {}",
                firm.sector,
                firm.products,
                firm.keywords.join(" ")
            )
            .to_lowercase();
            for reason in &candidate.reasons {
                let Some(words) = reason.strip_prefix("matched terms: ") else {
                    continue;
                };
                let whole_words: std::collections::HashSet<&str> = written
                    .split(|c: char| !c.is_alphanumeric())
                    .chain(glossary.split(|c: char| !c.is_alphanumeric()))
                    .collect();
                for word in words.split(", ") {
                    // A word read through the dictionary shows as written, with its English:
                    // "도료 (paint)".
                    let word = word.split(" (").next().unwrap_or(word).to_lowercase();
                    // English words whole ("industri" is no word of "industrial"); Hangul
                    // terms are two-syllable pieces of words, so a piece is enough.
                    let found = if word.is_ascii() {
                        whole_words.contains(word.as_str())
                    } else {
                        written.contains(&word) || glossary.contains(&word)
                    };
                    assert!(
                        found,
                        "{name} {}: \"{word}\" is not a word of the firm's text or the glossary ({reason})",
                        firm.id
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} words checked");
}

#[test]
fn the_bridge_joins_korean_and_vietnamese_words_on_one_heading() {
    // A Korean-only drone maker and a mould maker; Vietnamese buyers in trade words.
    let mut mission = read_mission(&fixture("india-2017")).unwrap().mission;
    mission.requests.clear();
    mission.firms.truncate(3);
    mission.buyers.truncate(4);
    for (firm, text) in mission.firms.iter_mut().zip([
        "농업 방제 드론 제조",
        "플라스틱 사출 금형 설계 및 제작",
        "전기차 충전기 제조",
    ]) {
        firm.products = text.to_string();
        firm.sector.clear();
        firm.keywords.clear();
        firm.hs_codes.clear();
        firm.languages = vec!["ko".to_string()];
    }
    for (buyer, text) in mission.buyers.iter_mut().zip([
        "máy bay không người lái cho nông nghiệp",
        "khuôn ép nhựa chính xác",
        "EV charging stations",
        "trạm sạc xe điện",
    ]) {
        buyer.interests = text.to_string();
        buyer.sector.clear();
        buyer.keywords.clear();
        buyer.hs_codes.clear();
        buyer.languages = vec!["vi".to_string()];
    }
    let heading_of = |bridge: bool, firm: usize, buyer: usize| -> Option<String> {
        let candidates = match_mission(
            &mission,
            &MatchOptions {
                bridge,
                ..Default::default()
            },
        )
        .unwrap();
        candidates
            .iter()
            .find(|c| c.firm == firm && c.buyer == buyer)
            .and_then(|c| {
                c.reasons
                    .iter()
                    .find(|r| r.starts_with("same HS heading") || r.contains(" → HS "))
                    .cloned()
            })
    };
    let mut bridged_only = 0;
    // Chargers: HSK 8504 names 충전기 among a hundred words, the WCO text says "static
    // converters", the Vietnamese tariff "nạp ắc qui"; the trade-word rows carry them.
    for (firm, buyer, heading) in [
        (0, 0, "8806"),
        (1, 1, "8480"),
        (2, 2, "8504"),
        (2, 3, "8504"),
    ] {
        let with = heading_of(true, firm, buyer);
        assert!(
            with.as_deref().is_some_and(|r| r.contains(heading)),
            "firm {firm} buyer {buyer}: {with:?}"
        );
        let without = heading_of(false, firm, buyer);
        if !without.as_deref().is_some_and(|r| r.contains(heading)) {
            bridged_only += 1;
        }
    }
    // The reason says, in each side's own words, how both reached the heading.
    let drones = heading_of(true, 0, 0).unwrap();
    assert!(
        drones.contains("드론")
            && drones.contains(" → HS 8806 (")
            && drones.ends_with("← máy bay không người lái"),
        "{drones}"
    );
    let moulds = heading_of(true, 1, 1).unwrap();
    assert!(
        moulds.contains("→ HS 8480") && moulds.contains("khuôn"),
        "{moulds}"
    );
    // The glossary alone already links 드론 and "không người lái" (drone, unmanned); moulds
    // (금형 and "khuôn") and chargers meet only through the bridge.
    assert!(bridged_only >= 3, "{bridged_only}");
}

/// Texts and the headings the matcher infers for them (`inferred_headings`): headings that must
/// be shown. Trade words (drones, moulds) count as their heading's own name; the nomenclatures'
/// words do the rest.
#[test]
fn texts_infer_their_headings() {
    let cases: &[(&str, &str, &[&str])] = &[
        ("ko", "농업 방제 드론 제조", &["8806"]),
        ("vi", "khuôn ép nhựa chính xác", &["8480"]),
        (
            "en",
            "injection moulding machines for PET preforms",
            &["8477"],
        ),
        ("ko", "플라스틱 사출금형 제작", &["8480"]),
        ("ko", "볼트와 너트, 나사를 생산하는 제조사입니다", &["7318"]),
        (
            "vi",
            "Nhà phân phối bu lông, đai ốc tại Việt Nam",
            &["7318"],
        ),
        ("vi", "má phanh và phụ tùng ô tô", &["6813", "8708"]),
    ];
    let mut mission = read_mission(&fixture("india-2017")).unwrap().mission;
    mission.requests.clear();
    mission.firms.truncate(1);
    mission.buyers.truncate(cases.len());
    for (buyer, (language, text, _)) in mission.buyers.iter_mut().zip(cases) {
        buyer.interests = text.to_string();
        buyer.sector.clear();
        buyer.keywords.clear();
        buyer.hs_codes.clear();
        buyer.languages = vec![language.to_string()];
    }
    let (_, buyers) = inferred_headings(&mission, &MatchOptions::default()).unwrap();
    for ((_, text, expected), headings) in cases.iter().zip(&buyers) {
        let headings: Vec<&str> = headings.iter().map(|h| h.code.as_str()).collect();
        assert!(
            expected.iter().all(|h| headings.contains(h)),
            "{text}: {headings:?}"
        );
    }
    // A word other headings of its nomenclature use names nothing by itself: "tooling" would
    // also be the hand tools of 8201-8206. Whatever the search finds, 8480 is not named first.
    mission.buyers.truncate(1);
    mission.buyers[0].interests = "hand tooling for garden work".to_string();
    mission.buyers[0].languages = vec!["en".to_string()];
    let (_, buyers) = inferred_headings(&mission, &MatchOptions::default()).unwrap();
    assert_ne!(
        buyers[0].first().map(|h| h.code.as_str()),
        Some("8480"),
        "{:?}",
        buyers[0]
    );
}

/// The ranker's weights are the mission's to set (`[model] rank_hs`, `rank_text`,
/// `rank_request`): with the HS and text weights at 0, a pair's relevance is what its request
/// gives, and nothing else.
#[test]
fn the_rankers_weights_come_from_the_model_table() {
    let mission = missionmatch::read_mission(&fixture("india-2017"))
        .unwrap()
        .mission;
    let requested: std::collections::HashSet<(String, String)> = mission
        .requests
        .iter()
        .filter(|r| r.kind != missionmatch::RequestKind::Avoid)
        .map(|r| (r.firm.to_string(), r.buyer.to_string()))
        .collect();
    let asked = |c: &missionmatch::Candidate| {
        let pair = (
            mission.firms[c.firm].id.to_string(),
            mission.buyers[c.buyer].id.to_string(),
        );
        requested.contains(&pair)
    };
    let defaults = match_mission(&mission, &MatchOptions::default()).unwrap();
    assert!(defaults.iter().any(|c| c.relevance > 0.3 && !asked(c)));
    let weights = [("rank_hs", 0.0), ("rank_text", 0.0), ("rank_request", 0.3)];
    let mut changed = mission.clone();
    for (name, value) in weights {
        changed.model.insert(name.to_string(), value);
    }
    let candidates = match_mission(&changed, &MatchOptions::default()).unwrap();
    assert!(candidates.iter().any(&asked));
    for candidate in &candidates {
        let expected = if asked(candidate) { 0.3 } else { 0.0 };
        assert!(
            (candidate.relevance - expected).abs() < 1e-9,
            "{} {}: {}",
            candidate.firm,
            candidate.buyer,
            candidate.relevance
        );
    }
}

/// `[model] rank_exclusivity`: the same pairs are kept whatever it is; a pair nobody asked for
/// counts `relevance * (relevance / its buyer's best) ^ exclusivity`, the plain relevances read
/// with `rank_exclusivity = 0`, and asked pairs keep theirs.
#[test]
fn a_pair_far_below_its_buyers_best_counts_less() {
    let mission = missionmatch::read_mission(&fixture("india-2017"))
        .unwrap()
        .mission;
    let asked: std::collections::HashSet<(usize, usize)> = mission
        .requests
        .iter()
        .filter(|r| r.kind != missionmatch::RequestKind::Avoid)
        .filter_map(|r| {
            let firm = mission.firms.iter().position(|f| f.id == r.firm)?;
            let buyer = mission.buyers.iter().position(|b| b.id == r.buyer)?;
            Some((firm, buyer))
        })
        .collect();
    let relevances = |exclusivity: f64| {
        let mut changed = mission.clone();
        changed
            .model
            .insert("rank_exclusivity".to_string(), exclusivity);
        match_mission(&changed, &MatchOptions::default())
            .unwrap()
            .into_iter()
            .map(|c| ((c.firm, c.buyer), c.relevance))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let plain = relevances(0.0);
    let exclusive = relevances(1.0);
    assert_eq!(
        plain.keys().collect::<Vec<_>>(),
        exclusive.keys().collect::<Vec<_>>()
    );
    let mut best = vec![0.0f64; mission.buyers.len()];
    for (&(_, buyer), &relevance) in &plain {
        best[buyer] = best[buyer].max(relevance);
    }
    let mut lowered = 0;
    for (pair, &relevance) in &plain {
        let expected = if asked.contains(pair) {
            relevance
        } else {
            relevance * relevance / best[pair.1]
        };
        assert!(
            (exclusive[pair] - expected).abs() < 1e-9,
            "{pair:?}: {} instead of {expected}",
            exclusive[pair]
        );
        lowered += usize::from(exclusive[pair] < relevance - 1e-9);
    }
    assert!(lowered > 0, "no pair was below its buyer's best");
}
