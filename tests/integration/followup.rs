//! Follow-up and report on the fixtures (whose outcomes reproduce the published mission
//! figures), and the flags on outcomes written here for each rule of the contract.

use crate::common;

use common::{copy_fixture, fixture, run, Scratch};
use missionmatch::{
    followup, match_mission, read_mission, report, BuyerId, FirmId, Flag, MatchOptions, NextStep,
};

#[test]
fn the_report_reproduces_the_published_figures() {
    // India, March 2017: 50 companies, about USD 67 million discussed, USD 2.01 million signed.
    let india = report(&read_mission(&fixture("india-2017")).unwrap().mission, &[]);
    let totals = &india.per_country["IN"];
    assert_eq!(totals.companies_met, 50);
    assert_eq!(totals.consultation_usd, 67_000_000.0);
    assert_eq!(totals.contract_usd, 2_010_000.0);
    // Vietnam, August 2017: USD 72 million discussed, USD 5.558 million signed.
    let vietnam = report(
        &read_mission(&fixture("vietnam-2017")).unwrap().mission,
        &[],
    );
    let totals = &vietnam.per_country["VN"];
    assert_eq!(totals.consultation_usd, 72_000_000.0);
    assert_eq!(totals.contract_usd, 5_558_000.0);
    assert_eq!(vietnam.no_show_buyers, vec!["VN-021".to_string()]);

    let scratch = copy_fixture("india-2017");
    let output = run(&["report", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    let csv = std::fs::read_to_string(scratch.path().join("out/report.csv")).unwrap();
    assert!(
        csv.contains("\ncountry,IN,IN,50,135,3,67000000.00,2010000.00,0.0300\n"),
        "{csv}"
    );
    // Firms and buyers are named beside their ids (contract v3).
    let india = read_mission(&fixture("india-2017")).unwrap().mission;
    let (firm, buyer) = (&india.firms[0], &india.buyers[0]);
    assert!(
        csv.starts_with("\u{feff}scope,id,name,companies_met,meetings_held,"),
        "{csv}"
    );
    assert!(
        csv.contains(&format!("\nfirm,{},{},", firm.id, firm.name)),
        "{csv}"
    );
    assert!(
        csv.contains(&format!("\nbuyer,{},{},", buyer.id, buyer.company)),
        "{csv}"
    );
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(scratch.path().join("out/report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["meetings_unrecorded"], 0, "{json}");
    assert_eq!(
        json["meetings_recorded"], json["meetings_scheduled"],
        "{json}"
    );
}

#[test]
fn interested_buyers_who_asked_for_a_quote_come_first_as_hot() {
    for name in ["india-2017", "vietnam-2017"] {
        let mission = read_mission(&fixture(name)).unwrap().mission;
        let candidates = match_mission(&mission, &MatchOptions::default()).unwrap();
        let rows = followup(&mission, &candidates, &[]);
        let hot_rows = rows.iter().filter(|r| r.flag == Flag::Hot).count();
        let keen: Vec<&str> = mission
            .outcomes
            .as_ref()
            .unwrap()
            .iter()
            .filter(|o| {
                o.attended == Some(true)
                    && o.interest == Some(5)
                    && o.next_step == Some(NextStep::Quote)
            })
            .map(|o| o.buyer.as_str())
            .collect();
        assert!(!keen.is_empty());
        for buyer in keen {
            let rank = rows
                .iter()
                .position(|r| mission.buyers[r.buyer].id.as_str() == buyer)
                .unwrap();
            assert_eq!(rows[rank].flag, Flag::Hot, "{name} {buyer}");
            assert!(
                rank < hot_rows,
                "{name} {buyer} at rank {rank} of {hot_rows} hot rows"
            );
        }
        for pair in rows.windows(2) {
            assert!(
                pair[0].priority >= pair[1].priority,
                "highest priority first"
            );
        }
    }
}

/// One outcome row per case, on a copy of the India fixture; the flag each buyer must get.
#[test]
fn each_flag_follows_its_rule() {
    let scratch = Scratch::new("flags");
    for file in ["mission.toml", "firms.csv", "buyers.csv", "requests.csv"] {
        std::fs::copy(fixture("india-2017").join(file), scratch.path().join(file)).unwrap();
    }
    let outcomes = "firm,buyer,attended,interest,consultation_usd,contract_usd,next_step,note\n\
        F01,IN-001,yes,4,,,,interest 4 is hot\n\
        F01,IN-002,yes,1,,,sample,a sample is hot\n\
        F01,IN-003,yes,1,500000,100000,none,signed less than discussed is hot\n\
        F01,IN-004,yes,3,,,none,interest 3 is warm\n\
        F01,IN-005,yes,0,20000,,none,a consultation amount is warm\n\
        F01,IN-006,no,,,,,no-show\n\
        F02,IN-006,no,,,,,no-show twice\n\
        F01,IN-007,yes,1,,,none,attended without interest is cold\n\
        F02,IN-007,no,,,,,\n\
        F02,IN-008,yes,2,,,,warm\n\
        F03,IN-008,no,,,,,one attended meeting is enough not to be a no-show\n\
        F01,IN-009,,,,,,blank attended: not recorded yet\n\
        F01,IN-010,no,,,,,\n\
        F02,IN-010,,,,,,a no-show and a meeting not recorded: not a no-show yet\n";
    std::fs::write(scratch.path().join("outcomes.csv"), outcomes).unwrap();
    let mission = read_mission(scratch.path()).unwrap().mission;
    let candidates = match_mission(&mission, &MatchOptions::default()).unwrap();
    // Meetings of the timetable without a row: not recorded yet (contract v3).
    let pair = |firm: &str, buyer: &str| (FirmId(firm.into()), BuyerId(buyer.into()));
    let scheduled = [
        pair("F03", "IN-011"),
        pair("F04", "IN-008"),
        pair("F01", "IN-001"),
    ];
    let rows = followup(&mission, &candidates, &scheduled);
    let flag = |buyer: &str| {
        rows.iter()
            .find(|r| mission.buyers[r.buyer].id.as_str() == buyer)
            .unwrap()
            .flag
    };
    for (buyer, expected) in [
        ("IN-001", Flag::Hot),
        ("IN-002", Flag::Hot),
        ("IN-003", Flag::Hot),
        ("IN-004", Flag::Warm),
        ("IN-005", Flag::Warm),
        ("IN-006", Flag::NoShow),
        ("IN-007", Flag::Cold),
        ("IN-008", Flag::Warm),
        ("IN-009", Flag::Unrecorded),
        ("IN-010", Flag::Unrecorded),
        ("IN-011", Flag::Unrecorded),
    ] {
        assert_eq!(flag(buyer), expected, "{buyer}");
    }
    // Buyers whose outcomes are still missing are not sent to the webhook: their key would
    // mark them delivered before anyone knows whether they are worth a call.
    let sent: Vec<String> = missionmatch::notifications(&mission, &rows)
        .into_iter()
        .map(|n| n.buyer)
        .collect();
    assert!(sent.contains(&"IN-001".to_string()));
    for buyer in ["IN-009", "IN-010", "IN-011"] {
        assert!(!sent.contains(&buyer.to_string()), "{buyer} notified");
    }
    // The report counts every meeting and leaves the unrecorded ones out of every figure.
    let totals = report(&mission, &scheduled);
    assert_eq!(
        (
            totals.meetings_scheduled,
            totals.meetings_recorded,
            totals.meetings_unrecorded
        ),
        (16, 12, 4)
    );
    assert_eq!(totals.total.meetings_held + totals.total.no_shows, 12);
    assert_eq!(totals.no_show_buyers, vec!["IN-006".to_string()]);
    // Buyers with no outcome: unmet when the matcher found them a fitting firm, else cold.
    for row in rows.iter().filter(|r| {
        ![
            "IN-001", "IN-002", "IN-003", "IN-004", "IN-005", "IN-006", "IN-007", "IN-008",
            "IN-009", "IN-010", "IN-011",
        ]
        .contains(&mission.buyers[r.buyer].id.as_str())
    }) {
        let fitting = candidates
            .iter()
            .any(|c| c.buyer == row.buyer && c.relevance >= missionmatch::FITTING_RELEVANCE);
        assert_eq!(
            row.flag,
            if fitting { Flag::Unmet } else { Flag::Cold },
            "{}",
            mission.buyers[row.buyer].id
        );
    }
    assert!(rows.iter().any(|r| r.flag == Flag::Unmet));
    // The contract's columns, highest priority first.
    let output = run(&["followup", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    let csv = std::fs::read_to_string(scratch.path().join("out/followup.csv")).unwrap();
    assert_eq!(
        csv.lines().next(),
        // With the byte-order mark Excel needs to read UTF-8 (contract v2).
        Some("\u{feff}buyer,company,flag,priority,reasons,firms,next_action,due")
    );
    assert_eq!(csv.lines().count(), 51);
}

/// Follow-up reads the candidates the timetable was built from (`out/candidates.csv`), not a
/// fresh matcher run: a buyer the published candidates do not hold is not `unmet`.
#[test]
fn followup_judges_the_published_candidates() {
    let scratch = copy_fixture("india-2017");
    let dir = scratch.path().to_str().unwrap();
    let fresh = run(&["followup", dir]);
    assert_eq!(fresh.code, 0, "{}", fresh.stderr);
    assert!(
        fresh.stderr.contains("candidates.csv is missing"),
        "{}",
        fresh.stderr
    );
    assert_eq!(run(&["schedule", dir]).code, 0);
    let published = run(&["followup", dir]);
    assert_eq!(published.code, 0, "{}", published.stderr);
    assert!(
        !published.stderr.contains("matched afresh"),
        "{}",
        published.stderr
    );
    // IN-018 (given codes, so its candidates do not hang on inferred headings): its meetings
    // are in the timetable but not recorded: `unrecorded` (contract v3). Without the timetable
    // it had no meeting, and whether it is `unmet` depends on the candidates.
    let outcomes = scratch.path().join("outcomes.csv");
    let text = std::fs::read_to_string(&outcomes).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|line| !line.contains(",IN-018,"))
        .collect();
    std::fs::write(&outcomes, kept.join("\n") + "\n").unwrap();
    let flag_of_in_018 = || -> String {
        assert_eq!(run(&["followup", dir]).code, 0);
        std::fs::read_to_string(scratch.path().join("out/followup.csv"))
            .unwrap()
            .lines()
            .find(|line| line.starts_with("IN-018,"))
            .map(|line| line.split(',').nth(2).unwrap().to_string())
            .unwrap()
    };
    assert_eq!(flag_of_in_018(), "unrecorded");
    std::fs::remove_file(scratch.path().join("out/schedule.json")).unwrap();
    assert_eq!(flag_of_in_018(), "unmet");
    // Take IN-018 out of the published candidates: no longer a buyer anyone was matched with,
    // whatever a fresh matcher run would say.
    let path = scratch.path().join("out/candidates.csv");
    let candidates = std::fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = candidates
        .lines()
        .filter(|line| !line.contains(",IN-018,"))
        .collect();
    assert!(kept.len() < candidates.lines().count());
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    assert_eq!(flag_of_in_018(), "cold");
}

/// `calibrate` offers a new [model] only when it predicts held-out meetings better.
#[test]
fn calibrate_keeps_the_model_when_the_fit_is_worse() {
    let scratch = Scratch::new("calibrate");
    let model = scratch.path().join("model.toml");
    let output = run(&[
        "calibrate",
        fixture("india-2017").to_str().unwrap(),
        fixture("vietnam-2017").to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
    ]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert!(output.stdout.contains("worse"), "{}", output.stdout);
    assert!(!model.exists());

    // A mission whose current model is far off (every pair a sure deal) gets a better fit.
    let bad = copy_fixture("india-2017");
    let toml = bad.path().join("mission.toml");
    let mut text = std::fs::read_to_string(&toml).unwrap();
    text.push_str("\n[model]\nintercept = 3.0\n");
    std::fs::write(&toml, text).unwrap();
    let output = run(&[
        "calibrate",
        bad.path().to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
    ]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert!(!output.stdout.contains("worse"), "{}", output.stdout);
    assert!(std::fs::read_to_string(&model)
        .unwrap()
        .contains("intercept"));
}
