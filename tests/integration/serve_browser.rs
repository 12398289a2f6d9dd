//! The web application in a real browser: headless Chromium driven over WebDriver (Debian's
//! `chromium-driver`) logs in with the token URL, imports the India fixture, schedules it, opens
//! the grid and a participant's link, and records an outcome on a phone-sized window.
//! Screenshots go to `target/tmp/serve-screenshots/`. Without Chromium and its driver the test
//! says so and passes, unless `MISSIONMATCH_REQUIRE_TOOLS=1` (as in `.ci/run`).

use crate::common;
use crate::server;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};
use server::TestServer;

/// The few WebDriver commands the test needs, over plain HTTP.
struct Driver {
    process: Child,
    session: String,
    base: String,
    client: reqwest::blocking::Client,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Driver {
    fn start(driver: &Path, chromium: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let process = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap();
        let started = Instant::now();
        while client.get(format!("{base}/status")).send().is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "chromedriver does not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = common::Scratch::new("chromium-profile");
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                         "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                         format!("--user-data-dir={}", profile.path().display())]
            }
        }}});
        let mut driver = Driver {
            process,
            session: String::new(),
            base,
            client,
        };
        let answer = driver.call("POST", "/session", capabilities);
        driver.session = answer["sessionId"].as_str().unwrap().to_string();
        std::mem::forget(profile); // removed with the temp dir; the browser holds it open
        driver
    }

    fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = if path == "/session" {
            format!("{}{path}", self.base)
        } else {
            format!("{}/session/{}{path}", self.base, self.session)
        };
        let request = match method {
            "GET" => self.client.get(url),
            "DELETE" => self.client.delete(url),
            _ => self.client.post(url).json(&body),
        };
        let answer: Value = request.send().unwrap().json().unwrap();
        if answer["value"]["error"].is_string() {
            panic!("WebDriver {method} {path}: {}", answer["value"]);
        }
        answer["value"].clone()
    }

    fn go(&self, url: &str) {
        self.call("POST", "/url", json!({ "url": url }));
    }

    fn url(&self) -> String {
        self.call("GET", "/url", Value::Null)
            .as_str()
            .unwrap()
            .to_string()
    }

    fn find(&self, css: &str) -> String {
        let found = self.call(
            "POST",
            "/element",
            json!({ "using": "css selector", "value": css }),
        );
        found[ELEMENT].as_str().unwrap().to_string()
    }

    fn click(&self, css: &str) {
        let element = self.find(css);
        self.call("POST", &format!("/element/{element}/click"), json!({}));
    }

    fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.call(
            "POST",
            &format!("/element/{element}/value"),
            json!({ "text": text }),
        );
    }

    fn text(&self, css: &str) -> String {
        let element = self.find(css);
        let text = self.call("GET", &format!("/element/{element}/text"), Value::Null);
        text.as_str().unwrap_or_default().to_string()
    }

    fn script(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            json!({ "script": script, "args": [] }),
        )
    }

    fn source(&self) -> String {
        self.call("GET", "/source", Value::Null)
            .as_str()
            .unwrap()
            .to_string()
    }

    fn window(&self, width: u32, height: u32) {
        self.call(
            "POST",
            "/window/rect",
            json!({ "width": width, "height": height }),
        );
    }

    /// Waits until the page's source contains `text`.
    fn wait_for(&self, text: &str, seconds: u64) {
        let started = Instant::now();
        while !self.source().contains(text) {
            assert!(
                started.elapsed() < Duration::from_secs(seconds),
                "waited {seconds} s for {text:?} on {}",
                self.url()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn screenshot(&self, path: &Path) {
        let data = self.call("GET", "/screenshot", Value::Null);
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap())
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        std::fs::write(path, png).unwrap();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self
                .client
                .delete(format!("{}/session/{}", self.base, self.session))
                .send();
        }
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// A browser, and the folder its screenshots go to; `None` (the test has nothing to run) when
/// chromium or chromedriver is missing and the tools are not required.
fn browser_and_screenshots() -> Option<(Driver, PathBuf)> {
    let (Some(driver), Some(chromium)) = (common::tool("chromedriver"), common::tool("chromium"))
    else {
        return None;
    };
    let shots: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    Some((Driver::start(&driver, &chromium), shots))
}

#[test]
#[cfg_attr(
    not(all(has_chromium, has_chromedriver)),
    ignore = "needs chromium and chromium-driver (apt-get install chromium chromium-driver)"
)]
fn an_organiser_runs_the_india_mission_in_a_browser() {
    let Some((browser, shots)) = browser_and_screenshots() else {
        return;
    };
    let server = TestServer::start();
    let base = &server.base;

    // Log in with the printed URL; the token leaves the address bar.
    browser.go(&format!("{base}/?token={}", server.token));
    assert_eq!(browser.url(), format!("{base}/"));
    browser.wait_for("Import a mission", 10);

    // Import the fixture's files through the file input.
    let files: Vec<String> = ["mission.toml", "firms.csv", "buyers.csv", "requests.csv"]
        .iter()
        .map(|f| common::fixture("india-2017").join(f).display().to_string())
        .collect();
    browser.type_into("input[type=file]", &files.join("\n"));
    browser.screenshot(&shots.join("1-import.png"));
    browser.click("form[action='/missions'] button");
    browser.wait_for("Sessions", 20);
    let mission_url = browser.url();
    assert!(
        mission_url.starts_with(&format!("{base}/missions/")),
        "{mission_url}"
    );
    let id = mission_url.rsplit('/').next().unwrap().to_string();
    browser.screenshot(&shots.join("2-mission.png"));

    // Schedule: the job page shows progress, then a link to the grid.
    browser.click("form[action$='/schedule'] button");
    browser.wait_for("Open the venue grid", 120);
    browser.screenshot(&shots.join("3-job-done.png"));
    browser.click("a[href$='/grid']");
    browser.wait_for("Venue grid", 20);
    let cells = browser.script("return document.querySelectorAll('td').length;");
    assert!(cells.as_u64().unwrap() > 100, "the grid has {cells} cells");
    browser.screenshot(&shots.join("4-grid.png"));

    // A participant's link, on a phone.
    browser.go(&format!("{base}/missions/{id}/participants"));
    browser.wait_for("/p/", 10);
    browser.screenshot(&shots.join("5-participants.png"));
    let link = browser
        .script("return document.querySelector(\"td a[href^='/p/']\").getAttribute('href');");
    browser.window(390, 844);
    browser.go(&format!("{base}{}", link.as_str().unwrap()));
    browser.wait_for("Add to calendar", 10);
    browser.screenshot(&shots.join("6-participant-phone.png"));

    // The outcome form of the first meeting, one-handed: tap Yes, tap 4, type an amount, save.
    let api = server.api();
    let (_, schedule) = api.get(&format!("/api/missions/{id}/schedule"));
    let meeting = &schedule["meetings"][0];
    let (firm, buyer) = (
        meeting["firm"].as_str().unwrap(),
        meeting["buyer"].as_str().unwrap(),
    );
    browser.go(&format!("{base}/missions/{id}/outcomes/{firm}"));
    browser.wait_for("Attended", 10);
    browser.screenshot(&shots.join("7-outcome-form-phone.png"));
    let width = browser.script("return document.documentElement.scrollWidth;");
    let viewport = browser.script("return window.innerWidth;");
    let widest = browser.script("var w=null;document.querySelectorAll('body *').forEach(function(e){var r=e.getBoundingClientRect();if(r.right>window.innerWidth+1&&!w){w=e.tagName+'.'+e.className+' '+r.right;}});return w;");
    eprintln!("viewport {viewport}, page {width}, first wider element {widest}");
    assert!(
        width.as_u64().unwrap() <= 390,
        "the form is {width} px wide on a 390 px screen"
    );
    let card = format!("#m-{buyer}");
    browser.click(&format!("{card} input[name=attended][value=yes] + span"));
    browser.click(&format!("{card} input[name=interest][value='4'] + span"));
    let keypad = browser.script(&format!(
        "return document.querySelector('{card} input[name=consultation_usd]').inputMode;"
    ));
    assert_eq!(keypad, "decimal");
    browser.type_into(&format!("{card} input[name=consultation_usd]"), "250000");
    browser.screenshot(&shots.join("8-outcome-entered-phone.png"));
    browser.click(&format!("{card} button"));
    let started = Instant::now();
    while browser.text(&format!("{card} .saved")) != "Saved ✓" {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no confirmation"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    browser.screenshot(&shots.join("9-outcome-saved-phone.png"));
    let (_, report) = api.get(&format!("/api/missions/{id}/report"));
    assert_eq!(
        report["per_firm"][firm]["consultation_usd"], 250000.0,
        "{report}"
    );
    assert_eq!(report["per_firm"][firm]["meetings_held"], 1);

    // The follow-up list and the report, on a laptop again.
    browser.window(1280, 900);
    browser.go(&format!("{base}/missions/{id}/followup"));
    browser.wait_for("Buyers to follow up", 10);
    browser.screenshot(&shots.join("10-followup.png"));
    browser.go(&format!("{base}/missions/{id}/report"));
    browser.wait_for("Per country", 10);
    browser.screenshot(&shots.join("11-report.png"));
    eprintln!("screenshots in {}", shots.display());
}

#[test]
#[cfg_attr(
    not(all(has_chromium, has_chromedriver)),
    ignore = "needs chromium and chromium-driver (apt-get install chromium chromium-driver)"
)]
fn a_buyer_states_three_wishes_on_a_phone_and_sees_what_became_of_them() {
    let Some((browser, shots)) = browser_and_screenshots() else {
        return;
    };
    let server = TestServer::start();
    let api = server.api();
    let id = api.import_fixture(
        "india-2017",
        &["mission.toml", "firms.csv", "buyers.csv", "requests.csv"],
    );
    // The buyer's link exists from import on; its catalogue lists the firms best first.
    let (buyer, link) = api
        .participant_links(id)
        .into_iter()
        .find(|(who, _)| who == "IN-010")
        .unwrap();
    let (_, catalogue) = api.get(&format!("{link}/catalogue.json"));
    let firms: Vec<String> = catalogue["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    // "No thanks" to its best match, "must meet" and "would like" to the next two.
    let wishes = [
        (firms[0].as_str(), "avoid"),
        (firms[1].as_str(), "must"),
        (firms[2].as_str(), "want"),
    ];

    browser.window(390, 844);
    let page = format!("{}{link}", server.base);
    browser.go(&page);
    browser.wait_for("Korean firms at this mission", 10);
    for (firm, wish) in wishes {
        browser.click(&format!("li[id='{firm}'] button[value='{wish}']"));
        let chosen = format!("li[id='{firm}'] button.chosen[value='{wish}']");
        let started = Instant::now();
        while browser
            .script(&format!(
                "return document.querySelector(\"{chosen}\") !== null;"
            ))
            .as_bool()
            != Some(true)
        {
            assert!(started.elapsed() < Duration::from_secs(10), "{firm} {wish}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    browser.script(&format!(
        "document.getElementById('{}').scrollIntoView();",
        firms[0]
    ));
    browser.screenshot(&shots.join("wishes-1-stated-phone.png"));
    let width = browser.script("return document.documentElement.scrollWidth;");
    assert!(
        width.as_u64().unwrap() <= 390,
        "the page is {width} px wide"
    );
    assert!(browser
        .text(&format!("li[id='{}'] .outcome", firms[1]))
        .contains("Waiting for the timetable"));

    // The organiser sees them and schedules; the buyer sees what became of each.
    let (_, stated) = api.get(&format!("/api/missions/{id}/wishes"));
    assert_eq!(stated["wishes"].as_array().unwrap().len(), 3, "{stated}");
    api.run_job(&format!("/api/missions/{id}/schedule"), json!({}));
    let (_, schedule) = api.get(&format!("/api/missions/{id}/schedule"));
    let meets = |firm: &str| {
        schedule["meetings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["firm"] == firm && m["buyer"] == buyer.as_str())
    };
    assert!(
        !meets(firms[0].as_str()),
        "a 'no thanks' pair was scheduled"
    );
    assert!(meets(firms[1].as_str()) && meets(firms[2].as_str()));
    browser.go(&page);
    browser.wait_for("Booked:", 10);
    browser.script(&format!(
        "document.getElementById('{}').scrollIntoView();",
        firms[0]
    ));
    browser.screenshot(&shots.join("wishes-2-outcome-phone.png"));
    assert_eq!(
        browser.text(&format!("li[id='{}'] .outcome", firms[0])),
        "Not scheduled, as you asked."
    );
    for firm in &firms[1..3] {
        let said = browser.text(&format!("li[id='{firm}'] .outcome"));
        assert!(said.starts_with("Booked: 2017-"), "{firm}: {said}");
    }
    eprintln!("screenshots in {}", shots.display());
}
