//! E-mail from the server (contract v3: `POST /api/missions/{id}/send`, `GET .../messages`),
//! through a local SMTP sink, message by message: invitations carry the participant's own link
//! and no other, in its language; agendas carry its PDF and calendar; a re-plan's changes go to
//! exactly those `changes.csv` says to tell; each message goes once per participant, kind and
//! schedule version, and a run cut off halfway is finished by the next without repeats.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::smtp::{readable, smtp_sink_limited, smtp_sink_with, Received};
use crate::common::{copy_fixture, edit, Scratch};
use crate::server::{Api, TestServer};

const FILES: &[&str] = &["mission.toml", "firms.csv", "buyers.csv", "requests.csv"];

/// The Vietnam fixture sending through the sink on `port`, with `refused` as one buyer's address.
fn mission_sending_to(port: u16, refused: Option<&str>) -> Scratch {
    let scratch = copy_fixture("vietnam-2017");
    let dir = scratch.path();
    if let Some(address) = refused {
        edit(dir, "buyers.csv", address, &format!("refused-{address}"));
    }
    let mut toml = std::fs::read_to_string(dir.join("mission.toml")).unwrap();
    toml.push_str(&format!(
        "\n[email]\nfrom = \"Trade Mission <trade@city.example.org>\"\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\nsecurity = \"none\"\n"
    ));
    std::fs::write(dir.join("mission.toml"), toml).unwrap();
    scratch
}

/// Participant id by e-mail address, from the folder's files.
fn ids_by_address(dir: &Path) -> BTreeMap<String, String> {
    let mut ids = BTreeMap::new();
    for file in ["firms.csv", "buyers.csv"] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        for line in text.lines().skip(1) {
            let id = line.split(',').next().unwrap().to_string();
            // (`sessions` cells hold `@` too: `HAN-1@13:30-17:00`.)
            let address = line
                .split(',')
                .find(|cell| cell.contains("@") && cell.contains(".example"));
            if let Some(address) = address {
                ids.insert(address.to_string(), id);
            }
        }
    }
    ids
}

fn import(api: &Api, dir: &Path) -> i64 {
    let (status, body) = api.upload(dir, FILES);
    assert_eq!(status, StatusCode::CREATED, "{body}");
    serde_json::from_str::<Value>(&body).unwrap()["id"]
        .as_i64()
        .unwrap()
}

/// Starts a send job and waits for it to finish; its state (`done` or `failed`).
fn send(api: &Api, id: i64, body: Value) -> Value {
    api.wait_job(&api.start_job(&format!("/api/missions/{id}/send"), body))
}

/// The messages the sink received from index `from` on, as (recipient, readable text).
fn received_since(received: &Received, from: usize) -> Vec<(String, String)> {
    received.lock().unwrap()[from..]
        .iter()
        .map(|(to, data)| (to.clone(), readable(data)))
        .collect()
}

#[test]
fn invitations_agendas_and_changes_arrive_once_each_in_the_participants_language() {
    let (port, received, _) = smtp_sink_limited(usize::MAX);
    let refused = "vn-005@buyers.example.com";
    let folder = mission_sending_to(port, Some(refused));
    let ids = ids_by_address(folder.path());
    let server = TestServer::start();
    let api = server.api();
    let id = import(&api, folder.path());
    let links: BTreeMap<String, String> = api.participant_links(id).into_iter().collect();
    let everyone = ids.len();

    // A dry run shows every invitation and sends nothing.
    let dry = send(&api, id, json!({ "what": "invitations", "dry_run": true }));
    assert_eq!(dry["state"], "done", "{dry}");
    assert_eq!(dry["result"]["sent"], 0);
    assert_eq!(
        dry["result"]["messages"].as_array().unwrap().len(),
        everyone
    );
    assert!(received.lock().unwrap().is_empty(), "a dry run sent mail");

    // Invitations: each carries its participant's own link and no other, in its language.
    let invited = send(&api, id, json!({ "what": "invitations" }));
    assert_eq!(invited["state"], "done", "{invited}");
    assert_eq!(invited["result"]["sent"], everyone - 1, "{invited}");
    let failed = invited["result"]["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{invited}");
    assert_eq!(failed[0]["to"], format!("refused-{refused}"));
    let letters = received_since(&received, 0);
    assert_eq!(letters.len(), everyone - 1);
    for (to, text) in &letters {
        let me = &ids[to];
        let own = format!("{}{}", server.base, links[me]);
        assert!(text.contains(&own), "{to} lacks its link {own}:\n{text}");
        for (other, link) in &links {
            let token = link.trim_start_matches("/p/");
            assert!(
                other == me || !text.contains(token),
                "{to} got {other}'s link"
            );
        }
        let greeting = if me.starts_with('F') {
            "담당자님께"
        } else if me == "VN-001" {
            "Kính gửi" // its languages are vi;en
        } else if me == "VN-002" {
            "Dear" // en
        } else {
            continue;
        };
        assert!(text.contains(greeting), "{to}:\n{text}");
    }

    // Again: nothing new is sent; the refused address is tried again and reported again.
    let again = send(&api, id, json!({ "what": "invitations" }));
    assert_eq!(again["result"]["sent"], 0, "{again}");
    assert_eq!(again["result"]["skipped"], everyone - 1, "{again}");
    assert_eq!(received.lock().unwrap().len(), everyone - 1);
    let (_, log) = api.get(&format!("/api/missions/{id}/messages"));
    let log = log["messages"].as_array().unwrap().clone();
    assert_eq!(log.len(), everyone - 1);
    assert!(log
        .iter()
        .all(|m| m["what"] == "invitations" && ids[m["to"].as_str().unwrap()] == m["participant"]));

    // Agendas of version 1: to everyone with meetings and an address, PDF and calendar attached.
    api.run_job(&format!("/api/missions/{id}/schedule"), json!({}));
    let (_, schedule) = api.get(&format!("/api/missions/{id}/schedule"));
    let meetings = schedule["meetings"].as_array().unwrap().clone();
    let with_meetings: BTreeSet<String> = meetings
        .iter()
        .flat_map(|m| [m["firm"].as_str().unwrap(), m["buyer"].as_str().unwrap()])
        .map(str::to_string)
        .collect();
    let due: BTreeSet<&String> = ids
        .iter()
        .filter(|(to, who)| with_meetings.contains(*who) && !to.starts_with("refused"))
        .map(|(_, who)| who)
        .collect();
    let before = received.lock().unwrap().len();
    let agendas = send(&api, id, json!({ "what": "agendas" }));
    assert_eq!(agendas["state"], "done", "{agendas}");
    let letters = received_since(&received, before);
    let got: BTreeSet<&String> = letters.iter().map(|(to, _)| &ids[to]).collect();
    assert_eq!(got, due);
    for (to, text) in &letters {
        let me = &ids[to];
        assert!(
            text.contains(&format!("filename=\"{me}.pdf\""))
                && text.contains(&format!("filename=\"{me}.ics\""))
                && text.contains("%PDF")
                && text.contains("BEGIN:VCALENDAR"),
            "{to}:\n{}",
            &text[..text.len().min(3000)]
        );
    }

    // A cancelled buyer, a re-plan: its changes go to exactly those changes.csv says to tell.
    let cancelled = meetings.last().unwrap()["buyer"].as_str().unwrap();
    let (status, body) = api.send(
        "PATCH",
        &format!("/api/missions/{id}/buyers/{cancelled}"),
        Some(r#"{"status": "cancelled"}"#.into()),
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    let first_day = meetings[0]["start"].as_str().unwrap()[..10].to_string();
    api.run_job(
        &format!("/api/missions/{id}/replan"),
        json!({ "now": format!("{first_day}T00:00") }),
    );
    let (_, changes) = api.get(&format!("/api/missions/{id}/changes"));
    let told: BTreeSet<String> = changes["changes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| {
            row["tell"]
                .as_str()
                .unwrap()
                .split(';')
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|who| {
            ids.iter()
                .any(|(to, id)| id == who && !to.starts_with("refused"))
        })
        .collect();
    assert!(!told.is_empty(), "{changes}");
    let before = received.lock().unwrap().len();
    let changed = send(&api, id, json!({ "what": "changes" }));
    assert_eq!(changed["state"], "done", "{changed}");
    let letters = received_since(&received, before);
    let got: BTreeSet<String> = letters.iter().map(|(to, _)| ids[to].clone()).collect();
    assert_eq!(got, told, "{changes}");
    assert!(letters.iter().all(|(_, text)| text.contains(cancelled)));

    // The re-planned agendas are a new version: sent again, once.
    let before = received.lock().unwrap().len();
    let republished = send(&api, id, json!({ "what": "agendas" }));
    let sent = republished["result"]["sent"].as_u64().unwrap() as usize;
    assert!(sent > 0, "{republished}");
    assert_eq!(received.lock().unwrap().len(), before + sent);
    let twice = send(&api, id, json!({ "what": "agendas" }));
    assert_eq!(twice["result"]["sent"], 0, "{twice}");
}

#[test]
fn a_send_cut_off_halfway_sends_only_the_rest_when_started_again() {
    let (port, received, limit) = smtp_sink_limited(5);
    let folder = mission_sending_to(port, None);
    let everyone = ids_by_address(folder.path()).len();
    let server = TestServer::start();
    let api = server.api();
    let id = import(&api, folder.path());

    let cut = send(&api, id, json!({ "what": "invitations" }));
    assert_eq!(cut["state"], "failed", "{cut}");
    assert!(cut["error"].as_str().unwrap().contains("5 sent"), "{cut}");
    assert_eq!(received.lock().unwrap().len(), 5);

    limit.store(usize::MAX, Ordering::SeqCst);
    let rest = send(&api, id, json!({ "what": "invitations" }));
    assert_eq!(rest["state"], "done", "{rest}");
    assert_eq!(rest["result"]["sent"], everyone - 5, "{rest}");
    assert_eq!(rest["result"]["skipped"], 5, "{rest}");
    let addresses: Vec<String> = received
        .lock()
        .unwrap()
        .iter()
        .map(|(to, _)| to.clone())
        .collect();
    let distinct: BTreeSet<&String> = addresses.iter().collect();
    assert_eq!(addresses.len(), everyone);
    assert_eq!(distinct.len(), everyone, "someone got two invitations");
}

#[test]
fn what_cannot_be_sent_is_refused_before_a_job_starts() {
    let server = TestServer::start();
    let api = server.api();
    let plain = copy_fixture("vietnam-2017");
    let without_email = import(&api, plain.path());
    let folder = mission_sending_to(1, None);
    let id = import(&api, folder.path());
    let cases = [
        (
            without_email,
            json!({ "what": "invitations" }),
            422,
            "[email]",
        ),
        (id, json!({ "what": "agendas" }), 409, "no schedule"),
        (id, json!({ "what": "postcards" }), 422, "postcards"),
        (id, json!({ "what": "agendas", "dry": true }), 422, "dry"),
    ];
    for (mission, body, status, says) in cases {
        let (got, text) = api.send(
            "POST",
            &format!("/api/missions/{mission}/send"),
            Some(body.to_string()),
        );
        assert_eq!(got.as_u16(), status, "{body}: {text}");
        assert!(text.contains(says), "{body}: {text}");
    }
    api.run_job(&format!("/api/missions/{id}/schedule"), json!({}));
    let (got, text) = api.send(
        "POST",
        &format!("/api/missions/{id}/send"),
        Some(json!({ "what": "changes" }).to_string()),
    );
    assert_eq!(got.as_u16(), 409, "{text}");
    assert!(text.contains("not a re-plan"), "{text}");
}

#[test]
fn one_send_at_a_time_per_mission_and_templates_that_cannot_be_read_are_refused() {
    let (port, received, _) = smtp_sink_with(usize::MAX, Duration::from_millis(100));
    let folder = mission_sending_to(port, None);
    let everyone = ids_by_address(folder.path()).len();
    let server = TestServer::start();
    let api = server.api();
    let id = import(&api, folder.path());
    let path = format!("/api/missions/{id}/send");
    let body = json!({ "what": "invitations" }).to_string();
    let (first, text0) = api.send("POST", &path, Some(body.clone()));
    assert_eq!(first, StatusCode::ACCEPTED, "{text0}");
    let (second, text) = api.send("POST", &path, Some(body.clone()));
    assert_eq!(second.as_u16(), 409, "{text}");
    // A dry run only reads: it is not held up.
    let dry = send(&api, id, json!({ "what": "invitations", "dry_run": true }));
    assert_eq!(dry["state"], "done", "{dry}");
    let started = Instant::now();
    let again = loop {
        let (status, text) = api.send("POST", &path, Some(body.clone()));
        if status == StatusCode::ACCEPTED {
            break serde_json::from_str::<Value>(&text).unwrap()["job"]
                .as_str()
                .unwrap()
                .to_string();
        }
        assert_eq!(status.as_u16(), 409, "{text}");
        assert!(started.elapsed() < Duration::from_secs(120));
        std::thread::sleep(Duration::from_millis(100));
    };
    let state = api.wait_job(&again);
    assert_eq!(state["result"]["sent"], 0, "{state}");
    assert_eq!(received.lock().unwrap().len(), everyone, "sent twice");

    // A template saved in a Korean code page, and one without its subject line.
    for (bytes, says) in [
        (vec![0xc3, 0xca, 0xb4, 0xeb, b'\n'], "not UTF-8"),
        (b"Dear {name}\n".to_vec(), "Subject"),
    ] {
        let dir = mission_sending_to(port, None);
        std::fs::create_dir_all(dir.path().join("templates")).unwrap();
        std::fs::write(dir.path().join("templates/invitations.ko.txt"), bytes).unwrap();
        let mut files: Vec<&str> = FILES.to_vec();
        files.push("templates/invitations.ko.txt");
        let (status, text) = api.upload(dir.path(), &files);
        assert_eq!(status, StatusCode::CREATED, "{text}");
        let other = serde_json::from_str::<Value>(&text).unwrap()["id"]
            .as_i64()
            .unwrap();
        let (status, text) = api.send(
            "POST",
            &format!("/api/missions/{other}/send"),
            Some(body.clone()),
        );
        assert_eq!(status.as_u16(), 422, "{text}");
        assert!(
            text.contains("templates/invitations.ko.txt") && text.contains(says),
            "{text}"
        );
    }
}
