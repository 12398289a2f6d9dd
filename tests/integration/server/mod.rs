//! A server for the tests: the real router on 127.0.0.1 with its own runtime and a database in a
//! scratch folder, and blocking clients that speak to it as other programs and browsers do.

use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::blocking::{multipart, Client};
use reqwest::StatusCode;
use serde_json::Value;

use crate::common::{fixture, Scratch};

/// A running server.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The organiser token.
    pub token: String,
    _data: Scratch,
}

impl TestServer {
    /// Starts the server on a free port; it runs until the test process ends.
    pub fn start() -> TestServer {
        TestServer::start_with(missionmatch::serve::listen::READ_TIMEOUT)
    }

    /// A server whose clients must send within `read_timeout`.
    pub fn start_with(read_timeout: Duration) -> TestServer {
        let data = Scratch::new("serve");
        let store = missionmatch::serve::store::Store::open(data.path()).unwrap();
        let token = store.new_organiser_token().unwrap();
        let router = missionmatch::serve::router(missionmatch::serve::App::new(store));
        TestServer {
            base: serve_router(router, read_timeout),
            token,
            _data: data,
        }
    }

    /// A client with the organiser's token.
    pub fn api(&self) -> Api {
        Api::new(&self.base, Some(&self.token))
    }
}

/// Serves `router` on 127.0.0.1 with its own runtime, as `serve` does; its base URL.
pub fn serve_router(router: axum::Router, read_timeout: Duration) -> String {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            sender.send(listener.local_addr().unwrap()).unwrap();
            let forever = std::future::pending::<()>();
            missionmatch::serve::listen::serve(listener, router, read_timeout, forever).await;
        });
    });
    format!("http://{}", receiver.recv().unwrap())
}

/// A JSON API client.
pub struct Api {
    base: String,
    bearer: Option<String>,
    client: Client,
}

impl Api {
    pub fn new(base: &str, bearer: Option<&str>) -> Api {
        Api {
            base: base.to_string(),
            bearer: bearer.map(str::to_string),
            client: Client::builder()
                .timeout(Duration::from_secs(120))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    fn request(&self, method: &str, path: &str) -> reqwest::blocking::RequestBuilder {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.bearer {
            request = request.bearer_auth(token);
        }
        request
    }

    /// Sends a request with an optional text body; the status and the body's text.
    pub fn send(&self, method: &str, path: &str, body: Option<String>) -> (StatusCode, String) {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        let response = request.send().unwrap();
        (response.status(), response.text().unwrap_or_default())
    }

    /// Sends a body of the given content type; the status and the body's text.
    pub fn send_typed(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, String) {
        let request = self
            .request(method, path)
            .header("content-type", content_type);
        let response = request.body(body).send().unwrap();
        (response.status(), response.text().unwrap_or_default())
    }

    /// GET that must answer 200 with JSON.
    pub fn get(&self, path: &str) -> (StatusCode, Value) {
        let (status, text) = self.send("GET", path, None);
        assert_eq!(status, StatusCode::OK, "GET {path}: {text}");
        (status, serde_json::from_str(&text).unwrap())
    }

    /// GET that must answer 200; the bytes.
    pub fn bytes(&self, path: &str) -> Vec<u8> {
        let response = self.request("GET", path).send().unwrap();
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.bytes().unwrap().to_vec()
    }

    /// GET; the status and the value of one response header (empty when missing).
    pub fn header(&self, path: &str, name: &str) -> (StatusCode, String) {
        let response = self.request("GET", path).send().unwrap();
        let value = response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string());
        (response.status(), value.unwrap_or_default())
    }

    /// One file of a mission's export.zip (`outcomes.csv`, `out/schedule.json`, ...).
    pub fn exported(&self, id: i64, file: &str) -> String {
        let zip = self.bytes(&format!("/api/missions/{id}/export.zip"));
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
        let mut text = String::new();
        let mut entry = archive.by_name(&format!("mission-{id}/{file}")).unwrap();
        std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
        text
    }

    /// Posts a multipart form of (field, file name, bytes) to /api/missions.
    pub fn send_multipart(&self, parts: Vec<(&str, &str, Vec<u8>)>) -> (StatusCode, String) {
        let mut form = multipart::Form::new();
        for (field, name, bytes) in parts {
            form = form.part(
                field.to_string(),
                multipart::Part::bytes(bytes).file_name(name.to_string()),
            );
        }
        match self.request("POST", "/api/missions").multipart(form).send() {
            Ok(response) => (response.status(), response.text().unwrap_or_default()),
            Err(error) => panic!("upload: {error}"),
        }
    }

    /// Uploads files of a folder.
    pub fn upload(&self, folder: &Path, files: &[&str]) -> (StatusCode, String) {
        self.send_multipart(
            files
                .iter()
                .map(|name| ("files", *name, std::fs::read(folder.join(name)).unwrap()))
                .collect(),
        )
    }

    /// Imports files of a fixture; the mission's id.
    pub fn import_fixture(&self, name: &str, files: &[&str]) -> i64 {
        let (status, body) = self.upload(&fixture(name), files);
        assert_eq!(status, StatusCode::CREATED, "{body}");
        serde_json::from_str::<Value>(&body).unwrap()["id"]
            .as_i64()
            .unwrap()
    }

    /// Starts a job (schedule or replan) and waits for it; the version it stored.
    pub fn run_job(&self, path: &str, body: Value) -> i64 {
        let state = self.wait_job(&self.start_job(path, body));
        match state["state"].as_str() {
            Some("done") => state["result"].as_i64().unwrap(),
            _ => panic!("job failed: {state}"),
        }
    }

    /// Starts a job (202); its id.
    pub fn start_job(&self, path: &str, body: Value) -> String {
        let (status, text) = self.send("POST", path, Some(body.to_string()));
        assert_eq!(status, StatusCode::ACCEPTED, "POST {path}: {text}");
        serde_json::from_str::<Value>(&text).unwrap()["job"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Waits for a job to finish; its state (`done` or `failed`).
    pub fn wait_job(&self, job: &str) -> Value {
        let started = Instant::now();
        loop {
            let (_, state) = self.get(&format!("/api/jobs/{job}"));
            match state["state"].as_str() {
                Some("done" | "failed") => return state,
                _ if started.elapsed() > Duration::from_secs(300) => panic!("job hangs: {state}"),
                _ => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// (participant id, `/p/...` link) of every participant with a link.
    pub fn participant_links(&self, id: i64) -> Vec<(String, String)> {
        let (_, body) = self.get(&format!("/api/missions/{id}/participants"));
        body["participants"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| {
                Some((
                    p["id"].as_str()?.to_string(),
                    p["link"].as_str()?.to_string(),
                ))
            })
            .collect()
    }
}

/// Sends a request over a plain socket, writing the body on another thread, and returns the
/// status line's code: a server may answer (413) before a large body is fully sent, which
/// ordinary clients report as a send error.
pub fn raw_status(base: &str, head: &str, body: Vec<u8>) -> u16 {
    use std::io::{Read, Write};
    let address = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let head = format!(
        "{head}Host: {address}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let sending = std::thread::spawn(move || {
        let _ = writer.write_all(head.as_bytes());
        let _ = writer.write_all(&body);
    });
    let mut response = Vec::new();
    let mut buffer = [0u8; 4096];
    while !response.windows(2).any(|w| w == b"\r\n") {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => response.extend_from_slice(&buffer[..n]),
        }
    }
    drop(stream);
    let _ = sending.join();
    let line = String::from_utf8_lossy(&response);
    line.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

/// A browser's session: logged in with the token URL, sends the cookie.
pub struct Browser {
    base: String,
    client: Client,
    /// The `Cookie:` header to send.
    pub cookie_header: String,
    /// The `Set-Cookie` the login answered.
    pub set_cookie: String,
}

impl Browser {
    pub fn login(server: &TestServer) -> Browser {
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = client
            .get(format!("{}/?token={}", server.base, server.token))
            .send()
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let set_cookie = response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .to_string();
        let cookie_header = set_cookie.split(';').next().unwrap().to_string();
        Browser {
            base: server.base.clone(),
            client,
            cookie_header,
            set_cookie,
        }
    }

    pub fn get(&self, path: &str) -> (StatusCode, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie_header)
            .send()
            .unwrap();
        (response.status(), response.text().unwrap_or_default())
    }

    pub fn post_form(&self, path: &str, body: &str) -> (StatusCode, String) {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie_header)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_string())
            .send()
            .unwrap();
        (response.status(), response.text().unwrap_or_default())
    }
}

/// The CSRF token in a page's forms.
pub fn csrf_of(page: &str) -> Option<String> {
    let at = page.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(page[at..].split('"').next()?.to_string())
}

/// The top-level files of a folder zipped under `name/` (and an `out/` file, which an import
/// ignores).
pub fn zip_folder(folder: &Path, name: &str) -> Vec<u8> {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for entry in std::fs::read_dir(folder).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            let file = entry.file_name().to_string_lossy().into_owned();
            writer
                .start_file(format!("{name}/{file}"), options)
                .unwrap();
            writer
                .write_all(&std::fs::read(entry.path()).unwrap())
                .unwrap();
        }
    }
    writer
        .start_file(format!("{name}/out/firms.csv"), options)
        .unwrap();
    writer.write_all(b"not,a,mission\n").unwrap();
    writer.finish().unwrap().into_inner()
}
