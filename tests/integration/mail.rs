//! `missionmatch send` (contract v3): agendas and changes by e-mail, through a local SMTP sink
//! that accepts every address but one; `sent.csv` makes a second run send only what is missing;
//! `--dry-run` writes the messages; the organiser's templates replace the built-in ones.

use crate::common;

use common::smtp::{smtp_sink, smtp_sink_with};
use common::{copy_fixture, edit, run};

#[test]
fn agendas_and_changes_go_by_mail_once_each() {
    let (port, received) = smtp_sink();
    let scratch = copy_fixture("india-2017");
    let dir = scratch.path();
    let arg = dir.to_str().unwrap();
    edit(
        dir,
        "buyers.csv",
        "in-003@buyers.example.com",
        "refused@buyers.example.com",
    );
    let mut toml = std::fs::read_to_string(dir.join("mission.toml")).unwrap();
    toml.push_str(&format!(
        "\n[email]\nfrom = \"Anyang Trade Mission <trade@anyang.example.org>\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\nsecurity = \"none\"\n"
    ));
    std::fs::write(dir.join("mission.toml"), toml).unwrap();
    assert_eq!(run(&["schedule", arg]).code, 0);
    assert_eq!(run(&["publish", arg]).code, 0);
    let mailmerge = std::fs::read_to_string(dir.join("out/mailmerge.csv")).unwrap();
    let with_meetings = mailmerge
        .lines()
        .skip(1)
        .filter(|l| !l.ends_with(",0") && l.contains('@'))
        .count();

    // Every participant with an address and meetings gets one message; the refused one is told.
    let sent = run(&["send", arg, "--what", "agendas"]);
    assert_eq!(sent.code, 1, "{}{}", sent.stdout, sent.stderr);
    assert!(
        sent.stdout.contains("1 refused") && sent.stdout.contains("refused@buyers"),
        "{}",
        sent.stdout
    );
    let count = received.lock().unwrap().len();
    assert_eq!(count, with_meetings - 1, "{}", sent.stdout);
    let log = std::fs::read_to_string(dir.join("sent.csv")).unwrap();
    assert_eq!(log.lines().count(), count + 1, "{log}");
    {
        let messages = received.lock().unwrap();
        let (_, firm) = messages
            .iter()
            .find(|(to, _)| to == "f01@firms.example.com")
            .expect("F01's message");
        // Korean for a firm, with the PDF and the calendar attached.
        assert!(
            firm.contains("Subject: [Anyang India Market Mission 2017] =?utf-8?b?"),
            "{firm}"
        );
        assert!(firm.contains("filename=\"F01.pdf\"") && firm.contains("filename=\"F01.ics\""));
    }

    // A second run sends nothing again.
    let again = run(&["send", arg, "--what", "agendas"]);
    assert!(
        again
            .stdout
            .contains(&format!("0 sent, {count} sent earlier")),
        "{}",
        again.stdout
    );
    assert_eq!(received.lock().unwrap().len(), count);

    // The organiser's template replaces the built-in one; a dry run writes, sends nothing.
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    std::fs::write(
        dir.join("templates/changes.en.txt"),
        "Subject: Changes for {name}\n\n{changes}\n",
    )
    .unwrap();
    common::cancel(dir, "buyers.csv", "IN-002");
    let replanned = run(&[
        "replan",
        arg,
        "--from",
        &format!("{arg}/out/schedule.json"),
        "--now",
        "2017-03-27T00:00",
    ]);
    assert_eq!(replanned.code, 0, "{}", replanned.stderr);
    assert_eq!(run(&["publish", arg]).code, 0);
    let changes = std::fs::read_to_string(dir.join("out/changes.csv")).unwrap();
    let mut told: Vec<String> = changes
        .lines()
        .skip(1)
        .flat_map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            cells[7].split(';').map(str::to_string).collect::<Vec<_>>()
        })
        .filter(|id| {
            mailmerge
                .lines()
                .any(|l| l.contains(&format!(",{id},")) && l.contains('@'))
        })
        .collect();
    told.sort();
    told.dedup();
    assert!(!told.is_empty(), "{changes}");
    let dry = run(&["send", arg, "--what", "changes", "--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    let mut written: Vec<String> = std::fs::read_dir(dir.join("out/mail"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".changes.eml"))
        .map(|name| name.trim_end_matches(".changes.eml").to_string())
        .collect();
    written.sort();
    assert_eq!(written, told, "{changes}");
    let buyer = told.iter().find(|id| id.starts_with("IN-")).unwrap();
    let eml = std::fs::read_to_string(dir.join(format!("out/mail/{buyer}.changes.eml"))).unwrap();
    assert!(eml.contains("Subject: Changes for"), "{eml}");
    assert_eq!(received.lock().unwrap().len(), count, "a dry run sent mail");
}

#[test]
fn a_sender_killed_halfway_is_finished_by_the_next_run_without_repeats() {
    let (port, received, _) = smtp_sink_with(usize::MAX, std::time::Duration::from_millis(150));
    let scratch = copy_fixture("india-2017");
    let dir = scratch.path();
    let arg = dir.to_str().unwrap();
    let mut toml = std::fs::read_to_string(dir.join("mission.toml")).unwrap();
    toml.push_str(&format!(
        "\n[email]\nfrom = \"Trade Mission <trade@city.example.org>\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\nsecurity = \"none\"\n"
    ));
    std::fs::write(dir.join("mission.toml"), toml).unwrap();
    assert_eq!(run(&["schedule", arg]).code, 0);
    assert_eq!(run(&["publish", arg]).code, 0);
    let mailmerge = std::fs::read_to_string(dir.join("out/mailmerge.csv")).unwrap();
    let due = mailmerge
        .lines()
        .skip(1)
        .filter(|l| !l.ends_with(",0") && l.contains('@'))
        .count();
    assert!(due > 10, "{mailmerge}");

    // Killed (SIGKILL) once five messages arrived.
    let mut sender = std::process::Command::new(env!("CARGO_BIN_EXE_missionmatch"))
        .args(["send", arg, "--what", "agendas"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while received.lock().unwrap().len() < 5 {
        assert!(
            started.elapsed().as_secs() < 120,
            "the sender sends nothing"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    sender.kill().unwrap();
    sender.wait().unwrap();
    let before = received.lock().unwrap().len();
    assert!(before < due, "the sender finished before it was killed");

    let rest = run(&["send", arg, "--what", "agendas"]);
    assert_eq!(rest.code, 0, "{}{}", rest.stdout, rest.stderr);
    let addresses: Vec<String> = received
        .lock()
        .unwrap()
        .iter()
        .map(|(to, _)| to.clone())
        .collect();
    let distinct: std::collections::BTreeSet<&String> = addresses.iter().collect();
    assert_eq!(distinct.len(), due, "someone got no agenda");
    // At most the one message in flight at the kill is sent again.
    assert!(
        addresses.len() <= due + 1,
        "{} messages for {due}",
        addresses.len()
    );
}
