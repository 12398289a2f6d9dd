//! `missionmatch serve`, its API in-process: every endpoint and status code of docs/api.md, the
//! organiser and participant tokens, CSRF, body limits, malformed bodies, export back to the
//! command line's folder.

use crate::common;
use crate::server;

use common::{fixture, Scratch};
use reqwest::StatusCode;
use serde_json::{json, Value};
use server::{Api, TestServer};

/// The India fixture imported and scheduled once for the whole file.
fn scheduled() -> &'static (TestServer, i64) {
    static SERVER: std::sync::OnceLock<(TestServer, i64)> = std::sync::OnceLock::new();
    SERVER.get_or_init(|| india_scheduled(json!({})))
}

/// A server with the India fixture (requests included) scheduled once with these options
/// (version 1): the server and the mission's id.
fn india_scheduled(options: Value) -> (TestServer, i64) {
    let server = TestServer::start();
    let api = server.api();
    let id = api.import_fixture(
        "india-2017",
        &["mission.toml", "firms.csv", "buyers.csv", "requests.csv"],
    );
    let version = api.run_job(&format!("/api/missions/{id}/schedule"), options);
    assert_eq!(version, 1);
    (server, id)
}

/// A server with the India fixture scheduled as `final`: the server, the mission's id and its
/// schedule.
fn final_india() -> (TestServer, i64, Value) {
    let (server, id) = india_scheduled(json!({ "status": "final" }));
    let (_, schedule) = server.api().get(&format!("/api/missions/{id}/schedule"));
    (server, id, schedule)
}

fn first_meeting(api: &Api, id: i64) -> (String, String) {
    let (_, schedule) = api.get(&format!("/api/missions/{id}/schedule"));
    let meeting = &schedule["meetings"][0];
    (
        meeting["firm"].as_str().unwrap().to_string(),
        meeting["buyer"].as_str().unwrap().to_string(),
    )
}

/// Requests and the status the contract gives them, on a scheduled mission.
#[test]
fn every_status_code_of_the_contract() {
    let (server, id) = scheduled();
    let api = server.api();
    let (firm, buyer) = first_meeting(&api, *id);
    let m = format!("/api/missions/{id}");
    let outcome = format!("{m}/outcomes/{firm}/{buyer}");
    let twice = format!(r#"{{"id": "{buyer}", "company": "Twice", "country": "IN"}}"#);
    let cases: Vec<(&str, String, Option<&str>, u16)> = vec![
        ("GET", "/api/missions".into(), None, 200),
        ("GET", m.clone(), None, 200),
        ("GET", "/api/missions/999".into(), None, 404),
        ("GET", "/api/missions/abc".into(), None, 404),
        ("GET", format!("{m}/schedule"), None, 200),
        ("GET", format!("{m}/schedule?version=1"), None, 200),
        ("GET", format!("{m}/schedule?version=99"), None, 404),
        ("GET", format!("{m}/schedule?version=x"), None, 400),
        ("POST", format!("{m}/schedule"), Some("{not json"), 400),
        ("POST", format!("{m}/schedule"), Some("[1]"), 400),
        (
            "POST",
            format!("{m}/schedule"),
            Some(r#"{"time_limit": -1}"#),
            422,
        ),
        (
            "POST",
            format!("{m}/schedule"),
            Some(r#"{"status": "maybe"}"#),
            422,
        ),
        (
            "POST",
            format!("{m}/schedule"),
            Some(r#"{"time_limt": 5}"#),
            422,
        ),
        (
            "POST",
            format!("{m}/replan"),
            Some(r#"{"now": "tomorrow"}"#),
            422,
        ),
        (
            "POST",
            format!("{m}/replan"),
            Some(r#"{"now": "2017-03-27T12:00", "allow_moves": -3}"#),
            422,
        ),
        ("GET", "/api/jobs/nope".into(), None, 404),
        ("GET", format!("{m}/changes?from=x"), None, 400),
        ("GET", format!("{m}/changes?from=0&to=9"), None, 422),
        ("GET", format!("{m}/changes?from=0&to=1"), None, 200),
        (
            "PUT",
            format!("{m}/outcomes/{firm}/NOBODY"),
            Some(r#"{"attended": "yes"}"#),
            404,
        ),
        (
            "PUT",
            outcome.clone(),
            Some(r#"{"attended": "perhaps"}"#),
            422,
        ),
        ("PUT", outcome.clone(), Some(r#"{"interest": 9}"#), 422),
        // A note no spreadsheet cell (and so no outcomes.csv) could hold.
        ("PUT", outcome.clone(), Some(r#"{"note": "a\u0007b"}"#), 422),
        (
            "PUT",
            outcome.clone(),
            Some(r#"{"consultation_usd": "lots"}"#),
            422,
        ),
        (
            "PUT",
            outcome.clone(),
            Some(r#"{"consultation_usd": 1e13}"#),
            422,
        ),
        (
            "PUT",
            outcome.clone(),
            Some(r#"{"next_step": "dinner"}"#),
            422,
        ),
        ("PUT", outcome.clone(), Some(r#"{"attended": "yes""#), 400),
        (
            "PATCH",
            format!("{m}/buyers/NOBODY"),
            Some(r#"{"status": "cancelled"}"#),
            404,
        ),
        (
            "PATCH",
            format!("{m}/buyers/{buyer}"),
            Some(r#"{"status": "maybe"}"#),
            422,
        ),
        (
            "PATCH",
            format!("{m}/buyers/{buyer}"),
            Some(r#"{"company": "Renamed"}"#),
            422,
        ),
        (
            "PATCH",
            format!("{m}/firms/{firm}"),
            Some(r#"{"sessions": "NOWHERE"}"#),
            422,
        ),
        ("PATCH", format!("{m}/firms/{firm}"), Some("nonsense"), 400),
        ("POST", format!("{m}/buyers"), Some(&twice), 422),
        (
            "POST",
            format!("{m}/buyers"),
            Some(r#"{"id": "IN-NEW", "company": "No country"}"#),
            422,
        ),
        (
            "PUT",
            format!("{m}/requests/NOBODY/{buyer}"),
            Some(r#"{"kind": "must"}"#),
            404,
        ),
        (
            "PUT",
            format!("{m}/requests/{firm}/{buyer}"),
            Some(r#"{"kind": "please"}"#),
            422,
        ),
        (
            "PUT",
            format!("{m}/requests/{firm}/{buyer}"),
            Some(r#"{"kind": null}"#),
            200,
        ),
        ("GET", format!("{m}/followup"), None, 200),
        ("GET", format!("{m}/report"), None, 200),
        ("GET", format!("{m}/export.zip"), None, 200),
        ("GET", format!("{m}/participants"), None, 200),
        ("GET", "/api/nothing-here".into(), None, 404),
    ];
    let mut wrong = Vec::new();
    let mut answers: Vec<(String, StatusCode, String)> = Vec::new();
    for (method, path, body, expected) in &cases {
        let (status, text) = api.send(method, path, body.map(str::to_string));
        answers.push((format!("{method} {path}"), status, text.clone()));
        if status.as_u16() != *expected {
            wrong.push(format!(
                "{method} {path} {body:?}: {status}, expected {expected}: {text}"
            ));
        }
        if status.as_u16() == 422 {
            let body: Value = serde_json::from_str(&text).unwrap_or_default();
            if body["problems"].as_array().is_none_or(|p| p.is_empty()) {
                wrong.push(format!("{method} {path}: 422 without problems: {text}"));
            }
        }
    }
    // Errors axum itself answers: a body over the limit, a multipart upload without its
    // boundary, a method the route does not have.
    let big = format!(r#"{{"note": "{}"}}"#, "x".repeat(21 * 1024 * 1024));
    let typed = [
        (
            "POST",
            "/api/missions".to_string(),
            "multipart/form-data",
            b"--x--".to_vec(),
            400,
        ),
        (
            "DELETE",
            format!("{m}/report"),
            "application/json",
            Vec::new(),
            405,
        ),
        // Last: the server answers it unread and closes the connection, which a request sent
        // next on the same pooled connection would find closed.
        (
            "PUT",
            outcome.clone(),
            "application/json",
            big.into_bytes(),
            413,
        ),
    ];
    for (method, path, content_type, body, expected) in typed {
        let (status, text) = api.send_typed(method, &path, content_type, body);
        if status.as_u16() != expected {
            wrong.push(format!(
                "{method} {path}: {status}, expected {expected}: {text}"
            ));
        }
        answers.push((format!("{method} {path}"), status, text));
    }
    // Every error of the API is JSON with its reason (contract v3).
    for (request, status, text) in &answers {
        if status.is_client_error() || status.is_server_error() {
            let body: Value = serde_json::from_str(text).unwrap_or_default();
            let said = body["error"].as_str().is_some_and(|e| !e.is_empty())
                || body["problems"].as_array().is_some_and(|p| !p.is_empty());
            if !said {
                wrong.push(format!(
                    "{request}: {status} is not a JSON error: {text:.200}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The participant's routes of the API (`catalogue.json`, `wishes/ID`) answer axum's own
/// rejections in JSON too: a method the route lacks, a body over the limit. (Each request on a
/// client of its own: the server closes the connection of a body it refuses unread.)
#[test]
fn participant_api_errors_are_json() {
    let (server, id) = scheduled();
    let links = server.api().participant_links(*id);
    let link = &links.iter().find(|(p, _)| p.starts_with("IN-")).unwrap().1;
    let big = format!(
        r#"{{"wish": "want", "note": "{}"}}"#,
        "x".repeat(21 * 1024 * 1024)
    );
    let cases = [
        ("DELETE", format!("{link}/catalogue.json"), Vec::new(), 405),
        ("PATCH", format!("{link}/wishes/F01"), Vec::new(), 405),
        ("PUT", format!("{link}/wishes/F01"), big.into_bytes(), 413),
    ];
    for (method, path, body, expected) in cases {
        let anonymous = Api::new(&server.base, None);
        let (status, text) = anonymous.send_typed(method, &path, "application/json", body);
        assert_eq!(status.as_u16(), expected, "{method} {path}: {text:.200}");
        let body: Value = serde_json::from_str(&text).unwrap_or_default();
        assert!(
            body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{method} {path}: {status} is not a JSON error: {text:.200}"
        );
    }
}

#[test]
fn without_the_organiser_token_the_api_answers_401() {
    let (server, id) = scheduled();
    let paths = [
        "/api/missions".to_string(),
        format!("/api/missions/{id}"),
        format!("/api/missions/{id}/schedule"),
        format!("/api/missions/{id}/followup"),
        format!("/api/missions/{id}/export.zip"),
        format!("/api/missions/{id}/participants"),
    ];
    let participant = server.api().participant_links(*id)[0].1.clone();
    let token = participant.trim_start_matches("/p/").to_string();
    for bearer in [None, Some("wrong".to_string()), Some(token)] {
        let api = Api::new(&server.base, bearer.as_deref());
        for path in &paths {
            let (status, _) = api.send("GET", path, None);
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "GET {path} with {bearer:?}"
            );
        }
        let (status, _) = api.send(
            "PUT",
            &format!("/api/missions/{id}/outcomes/F01/IN-001"),
            Some("{}".into()),
        );
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

#[test]
fn an_outcome_recorded_is_in_the_report_and_the_export() {
    let (server, id) = scheduled();
    let api = server.api();
    let (firm, buyer) = first_meeting(&api, *id);
    let (status, body) = api.send(
        "PUT",
        &format!("/api/missions/{id}/outcomes/{firm}/{buyer}"),
        Some(r#"{"attended": true, "interest": 4, "consultation_usd": 125000, "contract_usd": "20,000", "next_step": "quote", "note": "샘플 요청"}"#.into()),
    );
    // Amounts are read as outcomes.csv reads them: no separators (one rule, one message).
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("without separators"), "{body}");
    let (status, body) = api.send(
        "PUT",
        &format!("/api/missions/{id}/outcomes/{firm}/{buyer}"),
        Some(r#"{"attended": "y", "interest": 4, "consultation_usd": 125000, "contract_usd": "20000", "next_step": "quote", "note": "샘플 요청"}"#.into()),
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    // A meeting with a note but no attendance yet is kept as not recorded (contract v2).
    let (_, schedule) = api.get(&format!("/api/missions/{id}/schedule"));
    let meetings = schedule["meetings"].as_array().unwrap();
    let second = &meetings[1];
    let (second_firm, second_buyer) = (
        second["firm"].as_str().unwrap(),
        second["buyer"].as_str().unwrap(),
    );
    let (status, body) = api.send(
        "PUT",
        &format!("/api/missions/{id}/outcomes/{second_firm}/{second_buyer}"),
        Some(r#"{"note": "asked to call back"}"#.into()),
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, report) = api.get(&format!("/api/missions/{id}/report"));
    assert!(
        report["per_firm"][&firm]["consultation_usd"]
            .as_f64()
            .unwrap()
            >= 125000.0,
        "{report}"
    );
    assert!(report["per_firm"][&firm]["contract_usd"].as_f64().unwrap() >= 20000.0);
    // Every meeting of the timetable is counted, recorded or not (contract v3).
    let count = |key: &str| {
        report[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{key}: {report}"))
    };
    assert_eq!(
        count("meetings_scheduled"),
        meetings.len() as u64,
        "{report}"
    );
    assert_eq!(
        count("meetings_recorded") + count("meetings_unrecorded"),
        meetings.len() as u64
    );
    assert!(count("meetings_recorded") >= 1 && count("meetings_unrecorded") >= 1);

    // The export is a folder the command line reads, outcomes and schedule included.
    let zip = api.bytes(&format!("/api/missions/{id}/export.zip"));
    let folder = Scratch::new("export");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    archive.extract(folder.path()).unwrap();
    let root = folder.path().join(format!("mission-{id}"));
    let loaded = missionmatch::read_mission(&root).unwrap();
    let outcomes = loaded.mission.outcomes.clone().unwrap();
    let mine = outcomes
        .iter()
        .find(|o| o.firm.0 == firm && o.buyer.0 == buyer)
        .unwrap();
    assert_eq!(
        (
            mine.attended,
            mine.interest,
            mine.contract_usd,
            mine.note.as_str()
        ),
        (Some(true), Some(4), Some(20000.0), "샘플 요청")
    );
    let pending = outcomes
        .iter()
        .find(|o| o.firm.0 == second_firm && o.buyer.0 == second_buyer)
        .unwrap();
    assert_eq!(
        (pending.attended, pending.note.as_str()),
        (None, "asked to call back")
    );
    let schedule = missionmatch::read_schedule(
        &root.join("out/schedule.json"),
        &loaded.mission,
        missionmatch::CancelledMeetings::Accept,
    )
    .unwrap();
    let (_, served) = api.get(&format!("/api/missions/{id}/schedule"));
    assert_eq!(
        schedule.meetings.len(),
        served["meetings"].as_array().unwrap().len()
    );
    let output = common::run(&["check", root.to_str().unwrap()]);
    assert_eq!(output.code, 0, "{}", output.stderr);
}

#[test]
fn a_bad_upload_gets_checks_lines_and_stores_nothing() {
    let server = TestServer::start();
    let api = server.api();
    let folder = common::copy_fixture("india-2017");
    common::edit(folder.path(), "firms.csv", "F02,", "F01,");
    let before = api.get("/api/missions").1["missions"]
        .as_array()
        .unwrap()
        .len();
    let (status, body) = api.upload(folder.path(), &["mission.toml", "firms.csv", "buyers.csv"]);
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    let problems: Vec<&str> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("firms.csv:") && p.contains("id")),
        "{problems:?}"
    );
    let after = api.get("/api/missions").1["missions"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after);
    // Not a mission at all.
    let (status, _) = api.send_multipart(vec![("files", "notes.txt", b"hello".to_vec())]);
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A zip of the folder is read like the files.
    let zip = server::zip_folder(&fixture("india-2017"), "india-2017");
    let (status, body) = api.send_multipart(vec![("folder", "india-2017.zip", zip)]);
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = serde_json::from_str::<Value>(&body).unwrap()["id"]
        .as_i64()
        .unwrap();
    let (_, mission) = api.get(&format!("/api/missions/{id}"));
    assert_eq!(mission["firms"].as_array().unwrap().len(), 13);
    // Outcomes that came with the folder are kept (the India fixture has 138).
    let text = api.exported(id, "outcomes.csv");
    assert_eq!(text.lines().count(), 139);
    // Re-planning needs a schedule first.
    let (status, _) = api.send(
        "POST",
        &format!("/api/missions/{id}/replan"),
        Some(r#"{"now": "2017-03-27T12:00"}"#.into()),
    );
    assert_eq!(status, StatusCode::CONFLICT);
}

#[test]
fn a_body_over_20_mb_gets_413() {
    let (server, id) = scheduled();
    let api = server.api();
    let big = vec![b' '; 21 * 1024 * 1024];
    let bearer = format!("Authorization: Bearer {}\r\n", server.token);
    let put = format!("PUT /api/missions/{id}/outcomes/F01/IN-001 HTTP/1.1\r\n{bearer}Content-Type: application/json\r\n");
    assert_eq!(server::raw_status(&server.base, &put, big.clone()), 413);
    let mut upload =
        b"--XYZ\r\nContent-Disposition: form-data; name=\"files\"; filename=\"firms.csv\"\r\n\r\n"
            .to_vec();
    upload.extend_from_slice(&big);
    upload.extend_from_slice(b"\r\n--XYZ--\r\n");
    let post = format!("POST /api/missions HTTP/1.1\r\n{bearer}Content-Type: multipart/form-data; boundary=XYZ\r\n");
    assert_eq!(server::raw_status(&server.base, &post, upload), 413);
    // The server still answers.
    assert_eq!(api.send("GET", "/api/missions", None).0, StatusCode::OK);
}

#[test]
fn a_participant_link_shows_its_own_agenda_and_nothing_else() {
    let (server, id) = scheduled();
    let api = server.api();
    let links = api.participant_links(*id);
    let anonymous = Api::new(&server.base, None);
    let (_, schedule) = api.get(&format!("/api/missions/{id}/schedule"));
    for (participant, link) in links.iter().take(20) {
        let (status, page) = anonymous.send("GET", link, None);
        assert_eq!(status, StatusCode::OK, "{link}");
        let mine: Vec<&Value> = schedule["meetings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["firm"] == participant.as_str() || m["buyer"] == participant.as_str())
            .collect();
        // Every meeting of its own is on the page, and no meeting between two others.
        for meeting in &mine {
            let other = if meeting["firm"] == participant.as_str() {
                &meeting["buyer"]
            } else {
                &meeting["firm"]
            };
            assert!(
                page.contains(other.as_str().unwrap()),
                "{participant}: {other} missing"
            );
        }
        for (someone, _) in links.iter().filter(|(p, _)| p != participant) {
            let met = mine
                .iter()
                .any(|m| m["firm"] == someone.as_str() || m["buyer"] == someone.as_str());
            if !met {
                assert!(
                    !page.contains(&format!("{someone},"))
                        && !page.contains(&format!(">{someone}<")),
                    "{participant}'s page names {someone}"
                );
            }
        }
        let pdf = anonymous.bytes(&format!("{link}/agenda.pdf"));
        assert!(pdf.starts_with(b"%PDF"));
        let (status, ics) = anonymous.send("GET", &format!("{link}/agenda.ics"), None);
        assert_eq!(status, StatusCode::OK);
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), mine.len());
        // What names people and contacts is kept by no cache (contract v3).
        for file in ["agenda.pdf", "agenda.ics"] {
            let path = format!("{link}/{file}");
            assert_eq!(
                anonymous.header(&path, "cache-control"),
                (StatusCode::OK, "no-store".to_string()),
                "{file}"
            );
        }
    }
    // Wrong and altered tokens: 404, with the same body.
    let (status, wrong) =
        anonymous.send("GET", "/p/0123456789abcdef0123456789abcdef01234567", None);
    assert_eq!(status, StatusCode::NOT_FOUND);
    let mut altered = links[0].1.clone();
    altered.pop();
    altered.push('x');
    let (status, other) = anonymous.send("GET", &altered, None);
    assert_eq!((status, &other), (StatusCode::NOT_FOUND, &wrong));
    // A link is at least 128 random bits.
    assert!(links.iter().all(|(_, l)| l.len() - 3 >= 32));
}

#[test]
fn pages_log_in_with_the_token_url_and_forms_need_their_csrf_token() {
    let (server, id) = scheduled();
    let browser = server::Browser::login(server);
    let cookie = browser.cookie_header.clone();
    assert!(
        browser.set_cookie.contains("HttpOnly") && browser.set_cookie.contains("SameSite=Strict"),
        "{}",
        browser.set_cookie
    );
    let (status, page) = browser.get(&format!("/missions/{id}"));
    assert_eq!(status, StatusCode::OK);
    let csrf = server::csrf_of(&page).expect("the page's forms carry a CSRF token");
    let api = server.api();
    let (firm, buyer) = first_meeting(&api, *id);
    let path = format!("/missions/{id}/outcomes/{firm}/{buyer}");
    let form = |csrf: &str| {
        format!(
            "csrf={csrf}&attended=no&interest=&consultation_usd=&contract_usd=&next_step=&note="
        )
    };
    assert_eq!(
        browser.post_form(&path, &form("wrong")).0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        browser.post_form(&path, &form(&csrf)).0,
        StatusCode::SEE_OTHER
    );
    // The API with the cookie alone (another site's script) is refused without the header.
    let plain = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = format!("{}/api/missions/{id}/outcomes/{firm}/{buyer}", server.base);
    let status = plain
        .put(&url)
        .header("cookie", &cookie)
        .body("{}")
        .send()
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::FORBIDDEN);
    let status = plain
        .put(&url)
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .body(r#"{"attended":"yes"}"#)
        .send()
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::OK);
    // Every page of the mission renders for the organiser, and none without the login.
    let anonymous = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for page in [
        "",
        "/grid",
        "/candidates",
        "/participants",
        "/outcomes",
        &format!("/outcomes/{firm}"),
        "/changes",
        "/followup",
        "/report",
    ] {
        let path = format!("/missions/{id}{page}");
        let (status, html) = browser.get(&path);
        assert_eq!(status, StatusCode::OK, "{path}: {html}");
        assert!(html.contains("</html>"), "{path}");
        let status = anonymous
            .get(format!("{}{path}", server.base))
            .send()
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }
    // The candidates page names each buyer beside its id.
    let (_, html) = browser.get(&format!("/missions/{id}/candidates"));
    let candidates = server.api().exported(*id, "out/candidates.csv");
    let mission = missionmatch::read_mission(&fixture("india-2017"))
        .unwrap()
        .mission;
    let first = candidates.lines().nth(1).unwrap();
    let buyer = first.split(',').nth(1).unwrap();
    let company = &mission.buyers[mission
        .buyer_index(&missionmatch::BuyerId(buyer.to_string()))
        .unwrap()]
    .company;
    let shown = maud::html! { (company) }.into_string();
    assert!(
        html.contains(&format!("{buyer} <span class=\"muted\">{shown}</span>")),
        "{buyer} {company}"
    );
}

#[test]
fn on_the_day_a_cancellation_and_a_walk_in_are_replanned_with_their_changes() {
    let (server, id, before) = final_india();
    let api = server.api();
    let buyer = before["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find_map(|m| m["buyer"].as_str())
        .unwrap()
        .to_string();
    let (status, body) = api.send(
        "PATCH",
        &format!("/api/missions/{id}/buyers/{buyer}"),
        Some(r#"{"status": "cancelled", "phone": "+91 98 0000 0000"}"#.into()),
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = api.send("POST", &format!("/api/missions/{id}/buyers"), Some(r#"{"id": "IN-900", "company": "Walk-in Drones Pvt Ltd", "country": "IN", "interests": "agricultural spraying drones, UAV"}"#.into()));
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let version = api.run_job(
        &format!("/api/missions/{id}/replan"),
        json!({ "now": "2017-03-27T09:00" }),
    );
    assert_eq!(version, 2);
    let (_, after) = api.get(&format!("/api/missions/{id}/schedule"));
    assert_eq!(
        after["summary"]["status"], "final",
        "re-planning keeps the status"
    );
    let (_, old) = api.get(&format!("/api/missions/{id}/schedule?version=1"));
    assert_eq!(old, before, "version 1 is kept as it was");
    assert!(after["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["buyer"] != buyer.as_str()));
    let (_, changes) = api.get(&format!("/api/missions/{id}/changes?from=1&to=2"));
    let rows = changes["changes"].as_array().unwrap();
    let cancelled = rows.iter().filter(|r| r["change"] == "cancelled").count();
    let was = before["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["buyer"] == buyer.as_str())
        .count();
    assert_eq!(cancelled, was, "{changes}");
    assert!(
        rows.iter().all(|r| r["change"] != "moved"),
        "nothing moves: {changes}"
    );
    assert!(rows
        .iter()
        .all(|r| r["tell"].as_str().is_some_and(|t| !t.is_empty())));
    // Calendars: the firms told of a cancellation get it as a CANCELLED event, one step up in
    // SEQUENCE; a firm the re-plan did not touch keeps its events at SEQUENCE 0.
    let links = api.participant_links(id);
    let anonymous = Api::new(&server.base, None);
    let calendar = |participant: &str| {
        let link = &links.iter().find(|(p, _)| p == participant).unwrap().1;
        anonymous.send("GET", &format!("{link}/agenda.ics"), None).1
    };
    let told: std::collections::BTreeSet<&str> = rows
        .iter()
        .filter(|r| r["change"] == "cancelled")
        .filter_map(|r| r["firm"].as_str())
        .collect();
    for firm in &told {
        let ics = calendar(firm);
        assert!(
            ics.contains("STATUS:CANCELLED") && ics.contains("SEQUENCE:1"),
            "{firm}: {ics}"
        );
    }
    let changed: std::collections::BTreeSet<&str> =
        rows.iter().filter_map(|r| r["firm"].as_str()).collect();
    let untouched = before["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["firm"].as_str())
        .find(|f| !changed.contains(f))
        .unwrap();
    let ics = calendar(untouched);
    assert!(
        !ics.contains("STATUS:CANCELLED") && !ics.contains("SEQUENCE:1"),
        "{untouched}: {ics}"
    );
    // The walk-in has a link now, and the edited contact is in the mission.
    assert!(links.iter().any(|(p, _)| p == "IN-900"));
    let (_, mission) = api.get(&format!("/api/missions/{id}"));
    let edited = mission["buyers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == buyer.as_str())
        .unwrap();
    assert_eq!(
        (edited["status"].as_str(), edited["phone"].as_str()),
        (Some("cancelled"), Some("+91 98 0000 0000"))
    );
}

/// A buyer that withdraws after its first meeting keeps that meeting on its page and calendar,
/// the rest cancelled, as `publish` writes its files (it used to get an empty page, and a
/// calendar that cancelled the meeting it had held).
#[test]
fn a_withdrawn_participant_keeps_the_meetings_it_held() {
    let (server, id, before) = final_india();
    let api = server.api();
    let meetings = before["meetings"].as_array().unwrap();
    let start = |m: &Value| m["start"].as_str().unwrap()[..16].to_string();
    // A buyer with an earlier meeting; `now` is the start of its next one.
    let (now, buyer, held_with) = meetings
        .iter()
        .filter_map(|m| {
            let earlier = meetings
                .iter()
                .filter(|o| o["buyer"] == m["buyer"] && start(o) < start(m))
                .min_by_key(|o| start(o))?;
            Some((
                start(m),
                m["buyer"].as_str()?.to_string(),
                earlier["firm"].as_str()?.to_string(),
            ))
        })
        .min()
        .expect("a buyer with two meetings");
    let (status, body) = api.send(
        "PATCH",
        &format!("/api/missions/{id}/buyers/{buyer}"),
        Some(r#"{"status": "cancelled"}"#.into()),
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        api.run_job(&format!("/api/missions/{id}/replan"), json!({ "now": now })),
        2
    );
    let link = api
        .participant_links(id)
        .into_iter()
        .find(|(p, _)| *p == buyer)
        .expect("the buyer's link")
        .1;
    let anonymous = Api::new(&server.base, None);
    let (_, page) = anonymous.send("GET", &link, None);
    assert!(page.contains("You have withdrawn"), "{buyer}: {page}");
    assert!(page.contains(held_with.as_str()), "{buyer}: {page}");
    let (_, calendar) = anonymous.send("GET", &format!("{link}/agenda.ics"), None);
    let events: Vec<&str> = calendar.split("BEGIN:VEVENT").skip(1).collect();
    let had = meetings
        .iter()
        .filter(|m| m["buyer"] == buyer.as_str())
        .count();
    let cancelled = events
        .iter()
        .filter(|event| event.contains("STATUS:CANCELLED"))
        .count();
    assert_eq!(events.len(), had, "{calendar}");
    assert!(cancelled >= 1 && cancelled < had, "{calendar}");
}

#[test]
fn the_organisers_marks_steer_the_next_schedule() {
    let (server, id) = india_scheduled(json!({}));
    let api = server.api();
    let (firm, buyer) = first_meeting(&api, id);
    let path = format!("/api/missions/{id}/requests/{firm}/{buyer}");
    let (status, body) = api.send("PUT", &path, Some(r#"{"kind": "avoid"}"#.into()));
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        api.run_job(&format!("/api/missions/{id}/schedule"), json!({})),
        2
    );
    let (_, schedule) = api.get(&format!("/api/missions/{id}/schedule"));
    let met = |schedule: &Value| {
        schedule["meetings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["firm"] == firm.as_str() && m["buyer"] == buyer.as_str())
    };
    assert!(!met(&schedule), "an avoided pair meets");
    // The mark is a requests.csv row from the organiser; removing it brings the meeting back.
    let text = api.exported(id, "requests.csv");
    assert!(
        text.contains(&format!("{firm},{buyer},avoid,organiser")),
        "{text}"
    );
    assert_eq!(
        api.send("PUT", &path, Some(r#"{"kind": null}"#.into())).0,
        StatusCode::OK
    );
    assert_eq!(
        api.run_job(&format!("/api/missions/{id}/schedule"), json!({})),
        3
    );
    let (_, again) = api.get(&format!("/api/missions/{id}/schedule"));
    assert!(
        met(&again),
        "without the mark the optimum has the meeting again"
    );
}

/// The India fixture imported with each line of its firms.csv (header 0) rewritten by `edit`.
/// Imports the India fixture with one of its files edited first.
fn import_edited(api: &Api, file: &str, edit: impl FnOnce(String) -> String) -> i64 {
    let folder = common::copy_fixture("india-2017");
    let path = folder.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(text)).unwrap();
    let (status, body) = api.upload(folder.path(), &["mission.toml", "firms.csv", "buyers.csv"]);
    assert_eq!(status, StatusCode::CREATED, "{body}");
    serde_json::from_str::<Value>(&body).unwrap()["id"]
        .as_i64()
        .unwrap()
}

fn import_with_firms(api: &Api, edit: impl Fn(usize, &str) -> String) -> i64 {
    import_edited(api, "firms.csv", |text| {
        let lines: Vec<String> = text
            .lines()
            .enumerate()
            .map(|(n, line)| edit(n, line))
            .collect();
        lines.join("\n") + "\n"
    })
}

#[test]
fn an_edit_keeps_the_columns_the_engine_does_not_know() {
    let server = TestServer::start();
    let api = server.api();
    let id = import_with_firms(&api, |n, line| match n {
        0 => format!("{line},memo"),
        _ => format!("{line},met in Seoul 2016"),
    });
    let (status, body) = api.send(
        "PATCH",
        &format!("/api/missions/{id}/firms/F03"),
        Some(r#"{"booth": "Hall B 12"}"#.into()),
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    let firms = api.exported(id, "firms.csv");
    assert!(firms.lines().next().unwrap().ends_with(",memo"), "{firms}");
    assert_eq!(firms.matches("met in Seoul 2016").count(), 13, "{firms}");
    assert!(
        firms
            .lines()
            .any(|l| l.starts_with("F03,") && l.contains("Hall B 12")),
        "{firms}"
    );
}

#[test]
fn participants_without_codes_show_the_headings_inferred_from_their_text() {
    let server = TestServer::start();
    let api = server.api();
    // F01 in Korean only, without codes.
    let id = import_with_firms(&api, |_, line| {
        match line.starts_with("F01,") {
        true => "F01,SkyEye Drone Co.,Drones,농업 방제 드론과 항공 촬영 드론,드론,,ko,,,,1800000,B01,Kim Minjun,f01@firms.example.com,+82-10-5550-1000".to_string(),
        false => line.to_string(),
    }
    });
    let (status, list) = api.get(&format!("/api/missions/{id}/participants"));
    assert_eq!(status, StatusCode::OK, "{list}");
    let participant = |pid: &str| {
        list["participants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == pid)
            .unwrap()
            .clone()
    };
    let drones = participant("F01");
    assert_eq!(drones["hs_codes"], json!([]), "{drones}");
    let first = &drones["inferred_headings"][0];
    assert_eq!(first["code"], "8806", "{drones}");
    assert!(
        first["description"].as_str().unwrap().contains("aircraft"),
        "{drones}"
    );
    let words: Vec<&str> = first["words"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(words.iter().any(|w| w.contains("드론")), "{drones}");
    let glasses = participant("F02");
    assert_eq!(
        glasses["hs_codes"],
        json!(["852852", "950450"]),
        "{glasses}"
    );
    assert_eq!(glasses["inferred_headings"], json!([]), "{glasses}");
}

/// Issue 23, item 2: entries of a zip upload that are no mission file are never unpacked (40
/// such entries of 240 MiB once took the server to 7.5 GB). Here the ignored entry is corrupt:
/// unpacking it would fail its checksum, so the upload is accepted only if it was left alone.
#[test]
fn ignored_zip_entries_are_never_unpacked() {
    use std::io::Write;
    let server = TestServer::start();
    let api = server.api();
    let folder = server::zip_folder(&fixture("india-2017"), "india-2017");
    let mut writer = zip::ZipWriter::new_append(std::io::Cursor::new(folder)).unwrap();
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    writer
        .start_file("india-2017/photos/booth.jpg", stored)
        .unwrap();
    writer.write_all(&b"BOOTHPHOTO".repeat(100)).unwrap();
    let mut bytes = writer.finish().unwrap().into_inner();
    let at = bytes
        .windows(10)
        .position(|window| window == b"BOOTHPHOTO")
        .unwrap();
    bytes[at..at + 10].copy_from_slice(b"CORRUPTED!");
    let (status, body) = api.send_multipart(vec![("folder", "india-2017.zip", bytes)]);
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// A zip is judged by its directory before any entry is unpacked: mission files that together
/// declare more than the upload may hold (here four entries of 90 MB each, declared by a
/// directory that was patched: the file itself is tiny), or one mission file twice, refuse it.
#[test]
fn zip_uploads_are_refused_by_their_directory_before_unpacking() {
    use std::io::Write;
    let server = TestServer::start();
    let api = server.api();
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let zip_of = |names: &[&str]| {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for name in names {
            writer.start_file(*name, stored).unwrap();
            writer.write_all(b"x").unwrap();
        }
        writer.finish().unwrap().into_inner()
    };
    let mut bytes = zip_of(&[
        "m/firms.csv",
        "m/buyers.csv",
        "m/requests.csv",
        "m/mission.toml",
    ]);
    let directory: Vec<usize> = bytes
        .windows(4)
        .enumerate()
        .filter(|(_, window)| *window == b"PK\x01\x02")
        .map(|(at, _)| at)
        .collect();
    assert_eq!(directory.len(), 4);
    for at in directory {
        // The uncompressed size of a central directory entry.
        bytes[at + 24..at + 28].copy_from_slice(&(90u32 << 20).to_le_bytes());
    }
    let (status, body) = api.send_multipart(vec![("folder", "m.zip", bytes)]);
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.to_string()
            .contains("m.zip:0: file: the mission's files hold more than 64 MB together"),
        "{body}"
    );
    let twice = zip_of(&["a/firms.csv", "b/firms.csv"]);
    let (status, body) = api.send_multipart(vec![("folder", "m.zip", twice)]);
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.to_string()
            .contains("two files named firms.csv (a/firms.csv and b/firms.csv)"),
        "{body}"
    );
}

/// What one upload may unpack to is counted over all its parts: four zips of 20 MB each (a
/// few kB on the wire), each within the limit, are refused together before their files are
/// read, and the server goes on answering. (Each zip had a limit of its own before: together
/// they could take the server to several GB.)
#[test]
fn the_parts_of_one_upload_share_its_limit() {
    use std::io::Write;
    let server = TestServer::start();
    let api = server.api();
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let zip_of = |name: &str| {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        writer.start_file(name, deflated).unwrap();
        let line = vec![b'a'; 1 << 20];
        for _ in 0..20 {
            writer.write_all(&line).unwrap();
        }
        writer.finish().unwrap().into_inner()
    };
    let names = ["firms.csv", "buyers.csv", "requests.csv", "outcomes.csv"];
    let parts: Vec<(&str, String, Vec<u8>)> = names
        .iter()
        .map(|name| {
            (
                "folder",
                format!("{name}.zip"),
                zip_of(&format!("m/{name}")),
            )
        })
        .collect();
    assert!(parts.iter().all(|(_, _, bytes)| bytes.len() < 200_000));
    let (status, body) = api.send_multipart(
        parts
            .iter()
            .map(|(field, name, bytes)| (*field, name.as_str(), bytes.clone()))
            .collect(),
    );
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.contains(
            "outcomes.csv.zip:0: file: the mission's files hold more than 64 MB together"
        ),
        "{body}"
    );
    assert!(
        body.len() < 1000,
        "one problem, not the files: {} bytes",
        body.len()
    );
    // A buyers.csv of 2,400,000 tiny rows (under the budget, a few kB zipped) is refused by its
    // rows, not read into a problem a row: a file of millions took the server to 14 GB.
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    writer.start_file("m/buyers.csv", deflated).unwrap();
    writer.write_all(b"id,company,country\n").unwrap();
    writer.write_all(&b"a,b\n".repeat(2_400_000)).unwrap();
    let rows = writer.finish().unwrap().into_inner();
    assert!(rows.len() < 100_000);
    let (status, body) = api.send_multipart(vec![("folder", "m.zip", rows)]);
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.contains("buyers.csv:2000002: file: more than 2000000 rows"),
        "{body}"
    );
    assert!(body.len() < 2000, "{} bytes", body.len());
    let (status, body) = api.get("/api/missions");
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Issue 23, item 1, through the server: a small buyers.xlsx whose one stray cell sits at
/// XFD1048576 is read as its real rows (201), and one whose sheet unpacks to 200 MB of spaces
/// (under 1 MB uploaded) gets one problem (422), and the server goes on answering.
#[test]
fn workbook_bombs_uploaded_get_one_problem_and_the_server_stays_up() {
    let server = TestServer::start();
    let api = server.api();
    let folder = common::fixture("india-2017");
    let mut parts: Vec<(&str, &str, Vec<u8>)> = ["mission.toml", "firms.csv", "requests.csv"]
        .iter()
        .map(|name| ("files", *name, std::fs::read(folder.join(name)).unwrap()))
        .collect();
    let buyers = std::fs::read_to_string(folder.join("buyers.csv")).unwrap();
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (row, cells) in common::csv_rows(&buyers).iter().enumerate() {
        for (column, cell) in cells.iter().enumerate() {
            sheet.write_string(row as u32, column as u16, cell).unwrap();
        }
    }
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    let stray = workbook.save_to_buffer().unwrap();
    assert!(stray.len() < 100_000);
    parts.push(("files", "buyers.xlsx", stray));
    let (status, body) = api.send_multipart(parts.clone());
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let spaces = common::spaces_workbook(true);
    assert!(spaces.len() < 1_000_000);
    parts.pop();
    parts.push(("files", "buyers.xlsx", spaces));
    let (status, body) = api.send_multipart(parts);
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let problems: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        problems["problems"],
        json!(["buyers.xlsx:0: file: unpacks to 200 MB, more than the 128 MB a mission workbook may hold; save the sheet alone as a new .xlsx or as CSV"])
    );
    let (status, body) = api.get("/api/missions");
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// What a client that stops sending gets, within a few seconds of the read timeout: the
/// connection closed (headers never finished) or a 400 in JSON (a body that stopped).
fn answer_to_a_stalled_client(base: &str, sent: &str) -> Result<String, String> {
    answer_to_a_slow_client(base, sent, false)
}

/// What a client gets that sends its headers, then a body byte every 300 ms, within 10 s.
fn answer_to_a_dripping_client(base: &str, headers: &str) -> Result<String, String> {
    answer_to_a_slow_client(base, headers, true)
}

/// The answer to `sent` (and, with `drip`, a byte every 300 ms after it) within 10 s: what the
/// server wrote until it closed the connection or finished a JSON answer.
fn answer_to_a_slow_client(base: &str, sent: &str, drip: bool) -> Result<String, String> {
    use std::io::{Read, Write};
    let address = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    stream.write_all(sent.as_bytes()).unwrap();
    if drip {
        let mut writer = stream.try_clone().unwrap();
        std::thread::spawn(move || {
            while writer.write_all(b" ").is_ok() {
                std::thread::sleep(std::time::Duration::from_millis(300));
            }
        });
    }
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return Ok(String::from_utf8_lossy(&answer).into_owned()),
            Ok(n) => {
                answer.extend_from_slice(&buffer[..n]);
                if answer.windows(4).any(|w| w == b"\r\n\r\n") && answer.ends_with(b"}") {
                    return Ok(String::from_utf8_lossy(&answer).into_owned());
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => {
                return Ok(String::from_utf8_lossy(&answer).into_owned())
            }
            Err(error) => return Err(format!("still open after 10 s ({error})")),
        }
    }
}

#[test]
fn clients_that_stop_sending_are_cut_off() {
    let server = TestServer::start_with(std::time::Duration::from_secs(1));
    let host = server.base.trim_start_matches("http://").to_string();
    // Headers that never end (one slow header line at a time holds a connection for ever).
    let answer = answer_to_a_stalled_client(
        &server.base,
        &format!("GET /api/missions HTTP/1.1\r\nHost: {host}\r\n"),
    );
    assert!(answer.is_ok(), "{answer:?}");
    // A body that stops after 10 of its 100 bytes.
    let answer = answer_to_a_stalled_client(
        &server.base,
        &format!(
            "PUT /api/missions/1/outcomes/F01/IN-001 HTTP/1.1\r\nHost: {host}\r\n\
             Authorization: Bearer {}\r\nContent-Type: application/json\r\n\
             Content-Length: 100\r\n\r\n{{\"note\": \"",
            server.token
        ),
    )
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("\"error\""), "{answer}");
    // A body dripped a byte at a time, each pause shorter than the timeout.
    let answer = answer_to_a_dripping_client(
        &server.base,
        &format!(
            "PUT /api/missions/1/outcomes/F01/IN-001 HTTP/1.1\r\nHost: {host}\r\n\
             Authorization: Bearer {}\r\nContent-Type: application/json\r\n\
             Content-Length: 100\r\n\r\n",
            server.token
        ),
    )
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("slower than"), "{answer}");
    // The server still answers everyone else.
    let (status, _) = server.api().get("/api/missions");
    assert_eq!(status, StatusCode::OK);
}

/// export.zip hands out the folder's CSV files spreadsheet-safe (contract v2), whatever they
/// were uploaded as, and the command line reads them back as they were.
#[test]
fn the_export_is_spreadsheet_safe() {
    let server = TestServer::start();
    let api = server.api();
    let folder = common::copy_fixture("india-2017");
    // No byte-order mark, and a note Excel would run as a formula.
    let requests = std::fs::read_to_string(folder.path().join("requests.csv")).unwrap();
    let requests = requests.replacen(
        "saw the drone demo video",
        "\"=HYPERLINK(\"\"http://example.com\"\",\"\"video\"\")\"",
        1,
    );
    std::fs::write(
        folder.path().join("requests.csv"),
        requests.trim_start_matches('\u{feff}'),
    )
    .unwrap();
    let (status, body) = api.upload(
        folder.path(),
        &["mission.toml", "firms.csv", "buyers.csv", "requests.csv"],
    );
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = serde_json::from_str::<Value>(&body).unwrap()["id"]
        .as_i64()
        .unwrap();
    let exported = api.exported(id, "requests.csv");
    assert!(exported.starts_with('\u{feff}'), "{exported:.80}");
    assert!(
        exported.contains("\"'=HYPERLINK(\"\"http://example.com\"\",\"\"video\"\")\""),
        "{exported}"
    );
    let zip = api.bytes(&format!("/api/missions/{id}/export.zip"));
    let out = Scratch::new("export-safe");
    zip::ZipArchive::new(std::io::Cursor::new(zip))
        .unwrap()
        .extract(out.path())
        .unwrap();
    let mission = missionmatch::read_mission(&out.path().join(format!("mission-{id}")))
        .unwrap()
        .mission;
    assert!(mission
        .requests
        .iter()
        .any(|r| r.note == "=HYPERLINK(\"http://example.com\",\"video\")"));
}

async fn boom() -> &'static str {
    panic!("boom")
}

/// A request that panics gets a 500 in JSON and the server answers the next one: the layer the
/// router runs every route under, on a route made to panic.
#[test]
fn a_panic_answers_500_and_the_server_goes_on() {
    let router = axum::Router::new()
        .route("/boom", axum::routing::get(boom))
        .route("/fine", axum::routing::get(|| async { "fine" }))
        .layer(axum::middleware::from_fn(
            missionmatch::serve::listen::answer_panics,
        ));
    let base = server::serve_router(router, std::time::Duration::from_secs(5));
    let client = Api::new(&base, None);
    let (status, body) = client.send("GET", "/boom", None);
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert!(body.contains("\"error\""), "{body}");
    assert_eq!(
        client.send("GET", "/fine", None),
        (StatusCode::OK, "fine".to_string())
    );
}

/// Contract v3: every participant has a link right after import; before any timetable the link
/// shows the catalogue: a buyer the mission's firms, a firm its candidate buyers, best matches
/// first, by their public profiles (never a contact), filtered by city without script.
#[test]
fn links_exist_from_import_and_show_the_catalogue_before_a_timetable() {
    let server = TestServer::start();
    let api = server.api();
    let id = api.import_fixture("india-2017", &["mission.toml", "firms.csv", "buyers.csv"]);
    let (_, mission) = api.get(&format!("/api/missions/{id}"));
    let (_, list) = api.get(&format!("/api/missions/{id}/participants"));
    let participants = list["participants"].as_array().unwrap();
    assert!(!participants.is_empty());
    assert!(
        participants.iter().all(|p| p["link"].as_str().is_some()),
        "{list}"
    );
    // The links stay the same on the next reading.
    let links = api.participant_links(id);
    assert_eq!(links, api.participant_links(id));
    let link_of = |who: &str| links.iter().find(|(p, _)| p == who).unwrap().1.clone();
    let anonymous = Api::new(&server.base, None);

    // A buyer sees every firm, best match first.
    let buyer = "IN-002";
    let (status, catalogue) = anonymous.get(&format!("{}/catalogue.json", link_of(buyer)));
    assert_eq!(status, StatusCode::OK, "{catalogue}");
    assert_eq!(catalogue["participant"]["id"], buyer);
    let entries = catalogue["entries"].as_array().unwrap();
    let firm_count = participants.iter().filter(|p| p["kind"] == "firm").count();
    assert_eq!(entries.len(), firm_count, "{catalogue}");
    let relevance: Vec<f64> = entries
        .iter()
        .map(|e| e["relevance"].as_f64().unwrap())
        .collect();
    assert!(relevance.windows(2).all(|w| w[0] >= w[1]), "{relevance:?}");
    assert!(relevance[0] > 0.0, "{catalogue}");
    // IN-002 seeks VR headsets and AR glasses (852852): the VR firm comes first.
    assert!(
        entries[0]["hs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|code| code.as_str().unwrap().starts_with("8528")),
        "{catalogue}"
    );
    let text = catalogue.to_string();
    for private in [
        "@",
        "email",
        "contact",
        "phone",
        "export_capacity",
        "token",
        "/p/",
    ] {
        assert!(!text.contains(private), "{private} in {text}");
    }

    // A firm sees its candidate buyers only.
    let firm = "F01";
    let (_, catalogue) = anonymous.get(&format!("{}/catalogue.json", link_of(firm)));
    let entries = catalogue["entries"].as_array().unwrap();
    assert!(!entries.is_empty(), "{catalogue}");
    assert!(entries
        .iter()
        .all(|e| e["kind"] == "buyer" && e["relevance"].as_f64().unwrap() > 0.0));
    let buyer_count = participants.iter().filter(|p| p["kind"] == "buyer").count();
    assert!(entries.len() < buyer_count, "{catalogue}");

    // The page, before a timetable: the catalogue, and a city filter that keeps that city.
    let (status, page) = anonymous.send("GET", &link_of(buyer), None);
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("No timetable yet") && page.contains("Korean firms"),
        "{page}"
    );
    let city = mission["sessions"][0]["city"].as_str().unwrap().to_string();
    let (status, filtered) = anonymous.send(
        "GET",
        &format!("{}?city={}", link_of(buyer), city.replace(' ', "+")),
        None,
    );
    assert_eq!(status, StatusCode::OK);
    // Exactly the firms that meet in that city.
    let (_, everything) = anonymous.get(&format!("{}/catalogue.json", link_of(buyer)));
    let in_city = everything["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["cities"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == city.as_str())
        })
        .count();
    let shown = filtered.matches("<li id=").count();
    assert!(shown > 0, "{filtered}");
    assert_eq!(shown, in_city, "{filtered}");
    assert_eq!(everything["entries"].as_array().unwrap().len(), firm_count);
    let (status, none) = anonymous.send("GET", &format!("{}?city=Atlantis", link_of(buyer)), None);
    assert_eq!(status, StatusCode::OK);
    assert!(none.contains("Nothing to show"), "{none}");
    assert_eq!(
        anonymous.header(
            &format!("{}/catalogue.json", link_of(buyer)),
            "cache-control"
        ),
        (StatusCode::OK, "no-store".to_string())
    );
}

/// Imports the India fixture with `[participation] wishes_until` set.
fn import_with_deadline(api: &Api, deadline: &str) -> i64 {
    import_edited(api, "mission.toml", |text| {
        format!("{text}\n[participation]\nwishes_until = \"{deadline}\"\n")
    })
}

/// Contract v3 wishes: a participant states them on its own link (JSON or a form without
/// script) until the deadline; they are kept as requests.csv rows with `from` = the participant,
/// the organiser sees them with its answer, and its own row overrides them; after the deadline
/// the link refuses them (409).
#[test]
fn participants_state_their_wishes_until_the_deadline() {
    let server = TestServer::start();
    let api = server.api();
    let id = import_with_deadline(&api, "2099-01-01T00:00+07:00");
    let links = api.participant_links(id);
    let link_of = |who: &str| links.iter().find(|(p, _)| p == who).unwrap().1.clone();
    let anonymous = Api::new(&server.base, None);
    let buyer = "IN-002";
    let wish = |other: &str, body: Value| {
        anonymous.send(
            "PUT",
            &format!("{}/wishes/{other}", link_of(buyer)),
            Some(body.to_string()),
        )
    };

    let (status, body) = wish("F01", json!({"wish": "avoid", "note": "not our trade"}));
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, catalogue) = anonymous.get(&format!("{}/catalogue.json", link_of(buyer)));
    assert_eq!(catalogue["wishes_until"], "2099-01-01T00:00+07:00");
    let entry = catalogue["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "F01")
        .unwrap()
        .clone();
    assert_eq!(entry["wish"], "avoid", "{entry}");
    // Refused: someone not in the catalogue, a wish the contract does not know, a closed field.
    assert_eq!(
        wish("ZZ-9", json!({"wish": "want"})).0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        wish("F02", json!({"wish": "maybe"})).0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        wish("F02", json!({"wish": "want", "kind": "must"})).0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // The form of the page, without script: 303 back to the entry.
    let response = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}{}/wishes", server.base, link_of(buyer)))
        .form(&[("other", "F02"), ("wish", "want"), ("note", "")])
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(response.headers()["location"]
        .to_str()
        .unwrap()
        .ends_with("#F02"));

    // The firm's own catalogue shows neither the buyer's wish nor a reason that gives it away.
    let (_, theirs) = anonymous.get(&format!("{}/catalogue.json", link_of("F02")));
    let entry = theirs["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == buyer)
        .expect("IN-002 is a candidate of F02")
        .clone();
    assert_eq!(entry["wish"], Value::Null, "{entry}");
    assert!(!entry.to_string().contains("requests.csv"), "{entry}");

    // The organiser sees both, honoured; its own row on F01 overrides the buyer's no thanks.
    let (_, wishes) = api.get(&format!("/api/missions/{id}/wishes"));
    let of = |firm: &str| {
        wishes["wishes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["firm"] == firm && w["buyer"] == buyer)
            .cloned()
            .unwrap_or_else(|| panic!("{firm}: {wishes}"))
    };
    assert_eq!(of("F01")["wish"], "avoid");
    assert_eq!(of("F01")["from"], buyer);
    assert_eq!(of("F01")["honoured"], true);
    assert_eq!(of("F02")["wish"], "want");
    let (status, body) = api.send(
        "PUT",
        &format!("/api/missions/{id}/requests/F01/{buyer}"),
        Some(r#"{"kind": "must"}"#.into()),
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, wishes) = api.get(&format!("/api/missions/{id}/wishes"));
    let f01 = wishes["wishes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["firm"] == "F01")
        .unwrap()
        .clone();
    assert_eq!(
        (&f01["organiser"], &f01["honoured"]),
        (&json!("must"), &json!(false))
    );
    // Kept as requests.csv rows with `from` = the participant, which the command line reads.
    let requests = api.exported(id, "requests.csv");
    assert!(
        requests
            .lines()
            .any(|l| l.starts_with(&format!("F01,{buyer},avoid,{buyer},,not our trade"))),
        "{requests}"
    );
    let version = api.run_job(&format!("/api/missions/{id}/schedule"), json!({}));
    let (_, schedule) = api.get(&format!("/api/missions/{id}/schedule?version={version}"));
    assert!(
        schedule["meetings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["firm"] == "F01" && m["buyer"] == buyer),
        "the organiser's must meets"
    );

    // After the deadline: 409, and the page shows no wish buttons.
    let closed = import_with_deadline(&api, "2020-01-01T00:00+00:00");
    let links = api.participant_links(closed);
    let link = &links.iter().find(|(p, _)| p == buyer).unwrap().1;
    let (status, body) = anonymous.send(
        "PUT",
        &format!("{link}/wishes/F01"),
        Some(json!({"wish": "want"}).to_string()),
    );
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (_, page) = anonymous.send("GET", link, None);
    assert!(
        page.contains("Wishes closed") && !page.contains("name=\"wish\""),
        "{page}"
    );
}

/// What a participant reads of its wishes (`wish_outcome`): its own "no thanks" is kept unless
/// the organiser's row asks for the meeting, and then the page says so, before and after the
/// timetable, without contradicting itself.
#[test]
fn a_participant_reads_what_became_of_its_wishes() {
    let server = TestServer::start();
    let api = server.api();
    let id = api.import_fixture(
        "india-2017",
        &["mission.toml", "firms.csv", "buyers.csv", "requests.csv"],
    );
    let links = api.participant_links(id);
    let link = links.iter().find(|(p, _)| p == "IN-010").unwrap().1.clone();
    let anonymous = Api::new(&server.base, None);
    let outcome = |firm: &str| {
        let (_, catalogue) = anonymous.get(&format!("{link}/catalogue.json"));
        catalogue["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == firm)
            .unwrap()["wish_outcome"]
            .as_str()
            .map(str::to_string)
    };
    let wish = |firm: &str, kind: &str| {
        let (status, body) = anonymous.send(
            "PUT",
            &format!("{link}/wishes/{firm}"),
            Some(json!({ "wish": kind }).to_string()),
        );
        assert_eq!(status, StatusCode::OK, "{body}");
    };
    assert_eq!(outcome("F06"), None, "no wish, nothing to say");
    wish("F06", "avoid");
    wish("F03", "avoid");
    assert_eq!(
        outcome("F06").as_deref(),
        Some("You will not be scheduled together.")
    );
    // The organiser overrides one "no thanks" with a must.
    let (status, body) = api.send(
        "PUT",
        &format!("/api/missions/{id}/requests/F03/IN-010"),
        Some(json!({ "kind": "must" }).to_string()),
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        outcome("F03").as_deref(),
        Some("The organiser asked for this meeting. Waiting for the timetable.")
    );
    api.run_job(&format!("/api/missions/{id}/schedule"), json!({}));
    assert_eq!(
        outcome("F06").as_deref(),
        Some("Not scheduled, as you asked.")
    );
    let f03 = outcome("F03").unwrap();
    assert!(
        f03.starts_with("The organiser asked for this meeting. Booked: 2017-"),
        "{f03}"
    );
}
