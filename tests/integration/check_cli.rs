//! `missionmatch check` on the fixtures and on broken copies of them: every bad input exits 2
//! with its exact `file:line: column: message`, and nothing panics.

use crate::common;

use common::{copy_fixture, edit, fixture, run};

#[test]
fn the_fixtures_pass_with_a_summary() {
    for (name, firms, buyers) in [
        ("india-2017", 13, "buyers: 50 (IN 50)"),
        ("vietnam-2017", 10, "buyers: 40 (VN 40)"),
    ] {
        let output = run(&["check", fixture(name).to_str().unwrap()]);
        assert_eq!(output.code, 0, "{name}: {}", output.stderr);
        assert!(
            output.stdout.contains(&format!("firms: {firms}\n")),
            "{}",
            output.stdout
        );
        assert!(output.stdout.contains(buyers), "{}", output.stdout);
        assert!(
            output.stdout.contains("pairs that need an interpreter:"),
            "{}",
            output.stdout
        );
    }
    let output = run(&["check", fixture("india-2017").to_str().unwrap()]);
    // v3: a firm whose products only Korean readers can read is named, with the buyers' languages.
    assert!(
        output.stdout.contains("warning: F08: its products are in Korean only, and buyers who read en, hi, ta have nothing to read on their agendas; add products_en (or products_vi) to firms.csv"),
        "{}",
        output.stdout
    );
    assert!(!output
        .stdout
        .contains("F01: its products are in Korean only"));
    assert!(output.stdout.contains("  DEL-1    2017-03-27 New Delhi 09:30-17:00: 9 slots (09:30 10:10 10:50 11:30 13:30 14:10 14:50 15:30 16:10); available: 13 firms, 20 buyers"), "{}", output.stdout);
}

/// One broken copy of the India fixture: the edits to make and the exact problem lines expected.
struct Case {
    edits: &'static [(&'static str, &'static str, &'static str)],
    expected: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        edits: &[("mission.toml", "breaks = [\"12:30-13:30\"]\ntimezone = \"Asia/Kolkata\"\nvenue = \"Trade Hall", "breaks = [\"12:30-13:30\"]\ntimezone = \"Asia/Kolkota\"\nvenue = \"Trade Hall")],
        expected: &["mission.toml:36: session[3].timezone: \"Asia/Kolkota\" is not an IANA time zone (like \"Asia/Kolkata\" or \"Asia/Ho_Chi_Minh\")"],
    },
    Case {
        edits: &[("firms.csv", "f03@firms.example.com,+82-10-5550-1014", "f03@firms.example.com,+82-10-5550-1014,maybe"), ("firms.csv", ",email,phone\n", ",email,phone,status\n")],
        expected: &["firms.csv:4: status: \"maybe\" is not a status: write active or cancelled"],
    },
    Case {
        // v3: a session's hours in the hour the clocks jump forward (Europe/London, 2017-03-26).
        edits: &[("mission.toml", "date = \"2017-03-28\"\ncity = \"New Delhi\"\nstart = \"09:30\"\nend = \"12:30\"\nslot_minutes = 30\nbreak_minutes = 10\ntimezone = \"Asia/Kolkata\"", "date = \"2017-03-26\"\ncity = \"New Delhi\"\nstart = \"00:30\"\nend = \"03:30\"\nslot_minutes = 30\nbreak_minutes = 10\ntimezone = \"Europe/London\"")],
        expected: &["mission.toml:20: session[2].start: session DEL-2: 01:00-02:00 on 2017-03-26 do not exist in Europe/London (the clocks jump forward then); move the session's hours"],
    },
    Case {
        edits: &[("mission.toml", "email = \"trade@anyang.example.org\"", "email = 5")],
        expected: &["mission.toml:65: organiser.email: expected a text in quotes, found integer"],
    },
    Case {
        edits: &[("mission.toml", "start = \"09:30\"\nend = \"12:30\"", "start = \"09:30\"\nend = \"13:70\"")],
        expected: &["mission.toml:21: session[2].end: malformed time \"13:70\": expected HH:MM"],
    },
    Case {
        edits: &[("mission.toml", "start = \"09:30\"\nend = \"12:30\"", "start = \"09:30\"\nend = \"08:00\"")],
        expected: &["mission.toml:21: session[2].end: the session ends (08:00) before it starts (09:30)"],
    },
    Case {
        edits: &[("mission.toml", "start = \"09:30\"\nend = \"12:30\"", "start = \"09:30\"\nend = \"09:45\"")],
        expected: &["mission.toml:21: session[2].end: the session 09:30-09:45 is too short for one 30-minute slot"],
    },
    Case {
        edits: &[("firms.csv", "AutoSense Mobility,", ",")],
        expected: &["firms.csv:4: name: empty, but this column is required"],
    },
    Case {
        edits: &[("buyers.csv", "IN-005,", "IN-004,")],
        // IN-005 is gone, so its outcomes now name an unknown buyer too.
        expected: &[
            "buyers.csv:6: id: duplicate id \"IN-004\" (first used on line 5)",
            "outcomes.csv:31: buyer: unknown buyer \"IN-005\" (not in buyers.csv)",
            "outcomes.csv:41: buyer: unknown buyer \"IN-005\" (not in buyers.csv)",
        ],
    },
    Case {
        edits: &[("buyers.csv", "IN-006,Verma Agencies,IN,", "IN-006,Verma Agencies,IND,")],
        expected: &["buyers.csv:7: country: \"IND\" is not an ISO 3166-1 alpha-2 country code (two letters, like IN or VN)"],
    },
    Case {
        edits: &[("buyers.csv", "DEL-1@09:30-12:30,,,2000000", "DEL-9@09:30-12:30,,,2000000")],
        expected: &["buyers.csv:7: sessions: unknown session \"DEL-9\" (mission.toml has: DEL-1, DEL-2, MUM-1, CHE-1)"],
    },
    Case {
        edits: &[("buyers.csv", "DEL-1@09:30-12:30,,,2000000", "DEL-1@09:30-12:70,,,2000000")],
        expected: &["buyers.csv:7: sessions: malformed window \"DEL-1@09:30-12:70\": expected SESSION or SESSION@HH:MM-HH:MM with the end after the start"],
    },
    Case {
        edits: &[("buyers.csv", "DEL-1@09:30-12:30,,,2000000", "DEL-1@08:30-12:30,,,2000000")],
        expected: &["buyers.csv:7: sessions: window \"DEL-1@08:30-12:30\" lies outside session DEL-1 (09:30-17:00)"],
    },
    Case {
        edits: &[("buyers.csv", "DEL-1@09:30-12:30,,,2000000", "DEL-1@09:30-12:30,,,2 million")],
        expected: &["buyers.csv:7: annual_import_usd: amount \"2 million\" is not a number (write 1500000.50, without separators or currency)"],
    },
    Case {
        edits: &[("firms.csv", ",,,2500000", ",,,-2500000")],
        expected: &["firms.csv:4: export_capacity_usd: amount \"-2500000\" must be a number from 0 to 1e12"],
    },
    Case {
        edits: &[("firms.csv", "852610;870899", "852610;87A899")],
        expected: &["firms.csv:4: hs_codes: HS code \"87A899\" must be 2 to 10 digits"],
    },
    Case {
        edits: &[("firms.csv", "852610;870899", "852610;8708990000123")],
        expected: &["firms.csv:4: hs_codes: HS code \"8708990000123\" must be 2 to 10 digits"],
    },
    Case {
        edits: &[("requests.csv", "F08,IN-011,", "F99,IN-011,")],
        expected: &["requests.csv:4: firm: unknown firm \"F99\" (not in firms.csv)"],
    },
    Case {
        edits: &[("requests.csv", "F08,IN-011,", "F08,IN-999,")],
        expected: &["requests.csv:4: buyer: unknown buyer \"IN-999\" (not in buyers.csv)"],
    },
    Case {
        edits: &[("requests.csv", "F08,IN-011,request", "F08,IN-011,maybe")],
        expected: &["requests.csv:4: kind: unknown kind \"maybe\" (use want, request, must or avoid)"],
    },
    Case {
        edits: &[("requests.csv", "F02,IN-035,request", "F06,IN-008,avoid")],
        expected: &["requests.csv:7: kind: the pair F06-IN-008 is both must and avoid (line 3 says must)"],
    },
    Case {
        edits: &[("outcomes.csv", "F02,IN-019,yes,4,", "F99,IN-019,maybe,7,")],
        expected: &[
            "outcomes.csv:2: attended: \"maybe\" is neither yes nor no",
            "outcomes.csv:2: firm: unknown firm \"F99\" (not in firms.csv)",
            "outcomes.csv:2: interest: \"7\" is not a whole number from 0 to 5",
        ],
    },
    Case {
        edits: &[("outcomes.csv", "F04,IN-020,yes,2,167000,,none,", "F04,IN-020,yes,2,167000,-5,call,")],
        expected: &[
            "outcomes.csv:3: contract_usd: amount \"-5\" must be a number from 0 to 1e12",
            "outcomes.csv:3: next_step: unknown next step \"call\" (use quote, sample, visit or none)",
        ],
    },
    Case {
        edits: &[("buyers.csv", "company,country", "firm_name,country")],
        expected: &["buyers.csv:1: company: missing required column (the header has: id, firm_name, country, city, sector, interests, keywords, hs_codes, languages, sessions, min_meetings, max_meetings, annual_import_usd, contact, email, phone)"],
    },
    Case {
        edits: &[("firms.csv", ",,,2500000", ",,,1e308")],
        expected: &["firms.csv:4: export_capacity_usd: amount \"1e308\" must be a number from 0 to 1e12"],
    },
    Case {
        edits: &[("buyers.csv", "IN-006,Verma", "IN;006,Verma")],
        // IN-006 is gone, so its outcomes name an unknown buyer.
        expected: &[
            "buyers.csv:7: id: id \"IN;006\" contains \";\"; ids may not contain , ; @ or control characters",
            "outcomes.csv:9: buyer: unknown buyer \"IN-006\" (not in buyers.csv)",
            "outcomes.csv:11: buyer: unknown buyer \"IN-006\" (not in buyers.csv)",
            "outcomes.csv:20: buyer: unknown buyer \"IN-006\" (not in buyers.csv)",
            "outcomes.csv:26: buyer: unknown buyer \"IN-006\" (not in buyers.csv)",
        ],
    },
    Case {
        edits: &[("buyers.csv", "IN-050,Sharma", "=IN050,Sharma")],
        expected: &[
            "buyers.csv:51: id: id \"=IN050\" starts with \"=\", which a spreadsheet reads as a formula",
            "outcomes.csv:109: buyer: unknown buyer \"IN-050\" (not in buyers.csv)",
            "outcomes.csv:120: buyer: unknown buyer \"IN-050\" (not in buyers.csv)",
            "outcomes.csv:132: buyer: unknown buyer \"IN-050\" (not in buyers.csv)",
        ],
    },
    Case {
        // A missing quote makes mission.toml unreadable: one line, not one per availability
        // cell that names a session.
        edits: &[("mission.toml", "id = \"DEL-2\"", "id = \"DEL-2")],
        expected: &["mission.toml:17: syntax: invalid basic string, expected `\"`"],
    },
    Case {
        edits: &[("firms.csv", "AutoSense Mobility", "\"AutoSense\" Mobility")],
        expected: &["firms.csv:4: field 2: text after the closing quote of a quoted field"],
    },
];

#[test]
fn each_bad_input_is_named_with_file_line_and_column() {
    for (index, case) in CASES.iter().enumerate() {
        let scratch = copy_fixture("india-2017");
        for (file, from, to) in case.edits {
            edit(scratch.path(), file, from, to);
        }
        let output = run(&["check", scratch.path().to_str().unwrap()]);
        assert_eq!(output.code, 2, "case {index}: {}", output.stderr);
        let lines: Vec<&str> = output.stderr.lines().collect();
        let problems = &lines[..lines.len() - 1];
        assert_eq!(problems, case.expected, "case {index}");
    }
}

/// A file wrong on every line: reading stops after 10,000 problems and says where (a file of
/// millions of bad rows once gave a problem each, gigabytes of them), and the report lists the
/// first 200 and counts the rest.
#[test]
fn reading_stops_after_ten_thousand_problems() {
    let scratch = copy_fixture("india-2017");
    let path = scratch.path().join("buyers.csv");
    let buyers = std::fs::read_to_string(&path).unwrap();
    let header = buyers.lines().next().unwrap();
    let columns = header.split(',').count();
    // Each row lacks its company: one problem a row.
    let rows: String = (1..=20_000)
        .map(|n| format!("B{n},,IN{}\n", ",".repeat(columns - 3)))
        .collect();
    std::fs::write(&path, format!("{header}\n{rows}")).unwrap();
    let output = run(&["check", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 2, "{}", output.stdout);
    let lines: Vec<&str> = output.stderr.lines().collect();
    assert_eq!(
        lines.len(),
        202,
        "{}",
        &output.stderr[..2000.min(output.stderr.len())]
    );
    assert!(lines[200].starts_with("... and "), "{}", lines[200]);
    // buyers.csv's 10,000 and the note that reading stopped, and the requests that name the
    // buyers this file lost.
    let found: usize = lines[201].split(' ').next().unwrap().parse().unwrap();
    assert!((10_001..10_300).contains(&found), "{}", lines[201]);
}

/// v3: a session that ends as the clocks jump forward (its last slot ends at 01:00 GMT, the
/// moment that is also 02:00 BST) holds no time that does not exist: accepted (it was refused
/// as "01:00-01:01 do not exist").
#[test]
fn a_session_may_end_as_the_clocks_jump_forward() {
    let scratch = copy_fixture("india-2017");
    edit(
        scratch.path(),
        "mission.toml",
        "date = \"2017-03-28\"\ncity = \"New Delhi\"\nstart = \"09:30\"\nend = \"12:30\"\nslot_minutes = 30\nbreak_minutes = 10\ntimezone = \"Asia/Kolkata\"",
        "date = \"2017-03-26\"\ncity = \"New Delhi\"\nstart = \"00:00\"\nend = \"01:00\"\nslot_minutes = 30\nbreak_minutes = 10\ntimezone = \"Europe/London\"",
    );
    let output = run(&["check", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 0, "{}", output.stderr);
}

#[test]
fn missing_and_broken_files_are_reported() {
    let scratch = copy_fixture("india-2017");
    std::fs::remove_file(scratch.path().join("buyers.csv")).unwrap();
    let output = run(&["check", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 2);
    assert!(
        output
            .stderr
            .starts_with("buyers.csv:0: file: required file is missing from the mission folder\n"),
        "{}",
        output.stderr
    );

    let scratch = copy_fixture("india-2017");
    let mut bytes = std::fs::read(scratch.path().join("buyers.csv")).unwrap();
    let at = bytes.windows(6).position(|w| w == b"Verma ").unwrap();
    bytes[at] = 0xff;
    std::fs::write(scratch.path().join("buyers.csv"), bytes).unwrap();
    let output = run(&["check", scratch.path().to_str().unwrap()]);
    // ASCII up to a lone high byte reads as a legacy encoding, with one warning.
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert_eq!(
        output
            .stdout
            .lines()
            .filter(|line| line.starts_with("warning: buyers.csv:0: file: is saved as "))
            .count(),
        1,
        "{}",
        output.stdout
    );

    // Cut off inside the quoted products cell of F02 (line 3).
    let scratch = copy_fixture("india-2017");
    let text = std::fs::read_to_string(scratch.path().join("firms.csv")).unwrap();
    let cut = text.find("VR 헤드셋").unwrap() + 3;
    std::fs::write(scratch.path().join("firms.csv"), &text.as_bytes()[..cut]).unwrap();
    let output = run(&["check", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 2);
    assert!(
        output.stderr.starts_with(
            "firms.csv:3: field 4: the file ends inside a quoted field (a closing \" is missing)\n"
        ),
        "{}",
        output.stderr
    );
}

#[test]
fn problems_in_several_files_are_all_listed() {
    let scratch = copy_fixture("india-2017");
    edit(scratch.path(), "firms.csv", "852610;870899", "x");
    edit(
        scratch.path(),
        "requests.csv",
        "F08,IN-011,request",
        "F08,IN-011,maybe",
    );
    edit(
        scratch.path(),
        "mission.toml",
        "end = \"12:30\"",
        "end = \"12:3\"",
    );
    let output = run(&["check", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 2);
    assert_eq!(output.stderr.lines().count(), 4, "{}", output.stderr);
}

/// Contract v2, text encodings and files: what Korean and Vietnamese Windows and Excel save is
/// read with one warning per file, and what is not a file is one problem (exit 2).
#[test]
fn files_as_excel_and_windows_save_them() {
    use missionmatch::read_mission;
    let original = read_mission(&fixture("india-2017")).unwrap().mission;
    let warnings = |stdout: &str| -> Vec<String> {
        stdout
            .lines()
            .filter(|line| line.starts_with("warning: "))
            .map(String::from)
            .collect()
    };

    // Korean Excel's "CSV": CP949.
    let scratch = copy_fixture("india-2017");
    let text = std::fs::read_to_string(scratch.path().join("firms.csv")).unwrap();
    let (cp949, _, unmappable) = encoding_rs::EUC_KR.encode(&text);
    assert!(!unmappable);
    std::fs::write(scratch.path().join("firms.csv"), &*cp949).unwrap();
    let output = run(&["check", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert_eq!(
        warnings(&output.stdout),
        ["warning: firms.csv:0: file: is saved as CP949 (Korean Windows, EUC-KR), not UTF-8; it was read as CP949 (Korean Windows, EUC-KR), but to avoid this, save it from Excel as \"CSV UTF-8 (Comma delimited) (*.csv)\""]
    );
    let read = read_mission(scratch.path()).unwrap().mission;
    assert_eq!(read.firms, original.firms);
    // Every command that reads the folder says so, once.
    let output = run(&["schedule", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert_eq!(
        output
            .stderr
            .matches("warning: firms.csv:0: file: is saved as CP949")
            .count(),
        1,
        "{}",
        output.stderr
    );

    // UTF-16 with a byte-order mark ("Unicode text"), and semicolons as separators.
    let scratch = copy_fixture("india-2017");
    let text = std::fs::read_to_string(scratch.path().join("buyers.csv")).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(scratch.path().join("buyers.csv"), utf16).unwrap();
    let requests = std::fs::read_to_string(scratch.path().join("requests.csv")).unwrap();
    assert!(!requests.contains(';'));
    std::fs::write(
        scratch.path().join("requests.csv"),
        requests.replace(',', ";"),
    )
    .unwrap();
    let output = run(&["check", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert_eq!(warnings(&output.stdout).len(), 2, "{}", output.stdout);
    assert!(output
        .stdout
        .contains("warning: buyers.csv:0: file: is saved as UTF-16LE"));
    assert!(output.stdout.contains(
        "warning: requests.csv:1: header: columns are separated by semicolons, not commas"
    ));
    let read = read_mission(scratch.path()).unwrap().mission;
    assert_eq!(read.buyers, original.buyers);
    assert_eq!(read.requests, original.requests);

    // Not a regular file: a folder, a named pipe (which would block a plain read forever).
    let scratch = copy_fixture("india-2017");
    std::fs::remove_file(scratch.path().join("firms.csv")).unwrap();
    std::fs::create_dir(scratch.path().join("firms.csv")).unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(scratch.path().join("requests.csv.pipe"))
        .status();
    let pipe_made = fifo.is_ok_and(|status| status.success());
    if pipe_made {
        std::fs::remove_file(scratch.path().join("requests.csv")).unwrap();
        std::fs::rename(
            scratch.path().join("requests.csv.pipe"),
            scratch.path().join("requests.csv"),
        )
        .unwrap();
    }
    let output = run(&["check", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 2, "{}", output.stderr);
    let mut expected = vec![
        "firms.csv:0: file: is a folder; the mission folder needs a plain file here".to_string(),
    ];
    if pipe_made {
        expected.push("requests.csv:0: file: is not a regular file (a pipe, a device or a socket); the mission folder needs a plain file here".to_string());
    }
    expected.push(format!(
        "{} problem(s) found; nothing was written",
        expected.len()
    ));
    assert_eq!(output.stderr.lines().collect::<Vec<_>>(), expected);

    // No folder at all: one plain line, exit 2.
    let output = run(&["check", "/no/such/mission"]);
    assert_eq!(output.code, 2);
    assert_eq!(
        output.stderr.lines().next(),
        Some("/no/such/mission:0: folder: no such folder (a mission folder holds mission.toml, firms.csv and buyers.csv)")
    );
}

/// `check` warns ahead of trouble: interpreters too few for the buyers who need them, an HS
/// code that lost its leading zero.
#[test]
fn check_warns_ahead_of_trouble() {
    use missionmatch::{generate, summarize, GeneratorOptions};
    let mut mission = generate(&GeneratorOptions {
        firms: 5,
        buyers: 40,
        seed: 4,
        ..Default::default()
    });
    for firm in &mut mission.firms {
        firm.languages = vec!["ko".to_string()];
    }
    for buyer in &mut mission.buyers {
        buyer.languages = vec!["hi".to_string()];
    }
    mission.interpreters = Some([("hi".to_string(), 1)].into_iter().collect());
    mission.rules.min_meetings_per_buyer = Some(1);
    let slots = mission.slots.len();
    assert!(slots < 40);
    let warnings = summarize(&mission).warnings;
    let expected = format!("40 buyer(s) can meet only through a hi interpreter and want at least 40 meetings, but [interpreters] allows at most {slots} hi meetings in the whole mission (1 per slot x {slots} slots)");
    assert!(warnings.contains(&expected), "{warnings:#?}");

    let scratch = copy_fixture("india-2017");
    edit(scratch.path(), "firms.csv", "852610;870899", "852610;87089");
    let output = run(&["check", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 0);
    assert!(
        output.stdout.contains(
            "warning: F03: HS code 87089 has 5 digits; did a spreadsheet drop a leading zero (087089)?"
        ),
        "{}",
        output.stdout
    );

    // v3: a code that exists only with the leading zero a spreadsheet dropped is read with it;
    // one that exists both ways is read as typed; one warning each, naming file and line.
    let scratch = copy_fixture("india-2017");
    edit(
        scratch.path(),
        "firms.csv",
        "852610;870899",
        "852610;30499;40110",
    );
    let output = run(&["check", scratch.path().to_str().unwrap()]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    let all = format!("{}{}", output.stdout, output.stderr);
    assert!(
        all.contains(r#"firms.csv:4: hs_codes: "30499" read as 030499"#),
        "{all}"
    );
    assert!(
        all.contains(r#"firms.csv:4: hs_codes: "40110" read as typed; 040110"#),
        "{all}"
    );
    assert_eq!(
        all.matches("\"40110\"").count(),
        1,
        "one mistake, one message: {all}"
    );
    // The count says how many warnings were printed, the reading's included.
    let listed = output
        .stdout
        .lines()
        .filter(|l| l.contains("warning: "))
        .count();
    assert!(listed >= 2, "{}", output.stdout);
    assert!(
        output.stdout.contains(&format!("\nwarnings: {listed}\n")),
        "{listed} warnings listed: {}",
        output.stdout
    );
}

/// Files that are not what they seem: each gets its one message (exit 2), never accepted
/// half-read. (file, what to write over it, or `None` to cut it; the one problem expected.)
#[test]
fn input_no_output_could_hold_is_refused_with_one_message() {
    let buyers = std::fs::read_to_string(fixture("india-2017").join("buyers.csv")).unwrap();
    let lines = buyers.lines().count();
    let firms = std::fs::read_to_string(fixture("india-2017").join("firms.csv")).unwrap();
    // Random bytes (a fixed generator, so the case is the same on every run).
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let noise: Vec<u8> = (0..4000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    // Random printable characters (no control character or quote tells them from a table),
    // in lines.
    let printable: Vec<u8> = noise
        .iter()
        .enumerate()
        .map(|(at, byte)| match (at % 80, 32 + byte % 95) {
            (79, _) => b'\n',
            (_, b'"') => b'x',
            (_, printable) => printable,
        })
        .collect();
    let cut = buyers.trim_end().rsplit_once(',').unwrap().0.to_string();
    // Two million tiny rows (a few kB zipped): refused before they are read.
    let header = buyers.lines().next().unwrap();
    let many_rows = format!("{header}\n{}", "a,b\n".repeat(2_000_001));
    let long_name = firms.replacen("SkyEye Drone Co.", &"드론".repeat(20_000), 1);
    let cases: Vec<(&str, Vec<u8>, String)> = vec![
        (
            "buyers.csv",
            buyers.replacen("Delhi", "Del\0hi", 1).into_bytes(),
            "cannot be read as CSV: it holds the control character U+0000".into(),
        ),
        ("buyers.csv", noise, "cannot be read as CSV".into()),
        (
            "buyers.csv",
            printable,
            "buyers.csv:1: header: the header names none of the columns this file needs".into(),
        ),
        (
            "buyers.csv",
            many_rows.into_bytes(),
            "buyers.csv:2000002: file: more than 2000000 rows: a mission's file holds far fewer".into(),
        ),
        (
            "buyers.csv",
            cut.into_bytes(),
            format!("buyers.csv:{lines}: email: the file ends inside this row (15 of the header's 16 cells"),
        ),
        (
            "firms.csv",
            long_name.into_bytes(),
            "firms.csv:2: name: 40000 characters, more than the 32767 a spreadsheet cell holds"
                .into(),
        ),
    ];
    for (file, bytes, expected) in cases {
        let scratch = copy_fixture("india-2017");
        std::fs::write(scratch.path().join(file), &bytes).unwrap();
        let output = run(&["check", scratch.path().to_str().unwrap()]);
        assert_eq!(output.code, 2, "{file}: {}", output.stdout);
        let problems: Vec<&str> = output
            .stderr
            .lines()
            .filter(|l| l.contains(".csv:"))
            .collect();
        assert_eq!(problems.len(), 1, "{file}, one message: {}", output.stderr);
        assert!(problems[0].contains(&expected), "{file}: {}", output.stderr);
    }
}
