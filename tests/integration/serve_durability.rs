//! Every acknowledged write survives `kill -9`: the real binary is started, given a mission,
//! a schedule, an edit and outcomes, killed without warning a moment after the last 2xx, and
//! started again on the same data.

use crate::common;
use crate::server;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::Scratch;
use serde_json::{json, Value};
use server::Api;

/// Starts `missionmatch serve` on a free port; the child, its URL and the token it printed (if
/// it printed one).
fn start(data: &std::path::Path) -> (Child, String, Option<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_missionmatch"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let base = first
        .split("at ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    let token = if first.contains("log in") {
        None
    } else {
        let second = lines.next().unwrap().unwrap();
        Some(second.split("token=").nth(1).unwrap().trim().to_string())
    };
    (child, base, token)
}

#[test]
fn every_acknowledged_write_survives_kill_9() {
    let data = Scratch::new("durable");
    let (mut child, base, token) = start(data.path());
    let token = token.expect("the first start prints the organiser token");
    let api = Api::new(&base, Some(&token));
    let id = api.import_fixture(
        "india-2017",
        &["mission.toml", "firms.csv", "buyers.csv", "requests.csv"],
    );
    assert_eq!(
        api.run_job(&format!("/api/missions/{id}/schedule"), json!({})),
        1
    );
    let (_, schedule) = api.get(&format!("/api/missions/{id}/schedule"));
    let (status, _) = api.send(
        "PATCH",
        &format!("/api/missions/{id}/firms/F01"),
        Some(r#"{"phone": "+82-31-0000-0001"}"#.into()),
    );
    assert_eq!(status.as_u16(), 200);
    let mut written = Vec::new();
    for (n, meeting) in schedule["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .take(60)
        .enumerate()
    {
        let (firm, buyer) = (
            meeting["firm"].as_str().unwrap(),
            meeting["buyer"].as_str().unwrap(),
        );
        let body = json!({ "attended": "yes", "interest": n % 6, "consultation_usd": 1000 * (n + 1), "note": format!("write {n}") });
        let (status, text) = api.send(
            "PUT",
            &format!("/api/missions/{id}/outcomes/{firm}/{buyer}"),
            Some(body.to_string()),
        );
        assert_eq!(status.as_u16(), 200, "{text}");
        written.push((firm.to_string(), buyer.to_string(), n));
    }
    // No shutdown: SIGKILL right after the last acknowledgement.
    child.kill().unwrap();
    child.wait().unwrap();

    let (mut child, base, token_again) = start(data.path());
    assert_eq!(token_again, None, "a restart keeps the organiser token");
    let api = Api::new(&base, Some(&token));
    let (_, again) = api.get(&format!("/api/missions/{id}/schedule"));
    assert_eq!(again, schedule);
    let (_, mission) = api.get(&format!("/api/missions/{id}"));
    assert_eq!(mission["firms"][0]["phone"], "+82-31-0000-0001");
    let text = api.exported(id, "outcomes.csv");
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let mut missing = Vec::new();
    for (firm, buyer, n) in &written {
        let expected = [
            firm.as_str(),
            buyer,
            "yes",
            &(n % 6).to_string(),
            &(1000 * (n + 1)).to_string(),
            "",
            "",
            &format!("write {n}"),
        ];
        if !rows.iter().any(|row| row.as_slice() == expected) {
            missing.push(format!("{firm}-{buyer}"));
        }
    }
    assert!(
        missing.is_empty(),
        "lost after kill -9: {missing:?}\n{text}"
    );
    let _: Value = api.get(&format!("/api/missions/{id}/report")).1;
    child.kill().unwrap();
    child.wait().unwrap();
}

/// A schedule job cut off by `kill -9` is not forgotten: after the restart it reads `failed`
/// with the reason, and the organiser starts it again.
#[test]
fn a_job_cut_off_by_a_restart_reads_failed_never_unknown() {
    let data = Scratch::new("jobs");
    let (mut child, base, token) = start(data.path());
    let token = token.unwrap();
    let api = Api::new(&base, Some(&token));
    // Big enough that its schedule runs for a while in a test build.
    let folder = Scratch::new("jobs-mission");
    let generated = common::run(&[
        "generate",
        "--firms",
        "40",
        "--buyers",
        "400",
        "--seed",
        "3",
        folder.path().to_str().unwrap(),
    ]);
    assert_eq!(generated.code, 0, "{}", generated.stderr);
    let (status, body) = api.upload(folder.path(), &["mission.toml", "firms.csv", "buyers.csv"]);
    assert_eq!(status.as_u16(), 201, "{body}");
    let id = serde_json::from_str::<Value>(&body).unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, body) = api.send(
        "POST",
        &format!("/api/missions/{id}/schedule"),
        Some("{}".into()),
    );
    assert_eq!(status.as_u16(), 202, "{body}");
    let job = serde_json::from_str::<Value>(&body).unwrap()["job"]
        .as_str()
        .unwrap()
        .to_string();
    child.kill().unwrap();
    child.wait().unwrap();

    let (mut child, base, _) = start(data.path());
    let api = Api::new(&base, Some(&token));
    let (_, state) = api.get(&format!("/api/jobs/{job}"));
    assert_eq!(state["state"], "failed", "{state}");
    assert!(
        state["error"]
            .as_str()
            .unwrap()
            .contains("interrupted by a restart"),
        "{state}"
    );
    assert_eq!(state["mission"], id);
    // Started again, it runs to the end.
    assert_eq!(
        api.run_job(&format!("/api/missions/{id}/schedule"), json!({})),
        1
    );
    child.kill().unwrap();
    child.wait().unwrap();
}
