//! `followup --notify` against a local HTTP server on 127.0.0.1 that fails on purpose: every
//! first attempt gets a 503, one buyer is always refused with a 400. Delivery must retry the
//! 503s, never retry the 400, deliver each buyer once, and say what failed.

use crate::common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{copy_fixture, run, Scratch};
use missionmatch::idempotency_key;

#[derive(Default)]
struct Seen {
    attempts: BTreeMap<String, u32>,
    accepted: BTreeMap<String, u32>,
    bodies_without_key: u32,
}

/// Reads one HTTP request: its idempotency key, its body, and the stream to answer on.
fn read_request(stream: std::net::TcpStream) -> (String, String, std::net::TcpStream) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut reader = BufReader::new(stream);
    let mut key = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("idempotency-key:") {
            key = value.trim().to_string();
        }
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let body = String::from_utf8_lossy(&body).to_string();
    (key, body, reader.into_inner())
}

/// Serves until `stop` is set (or 60 s pass): a bounded test server on loopback only.
fn serve(
    listener: TcpListener,
    refused_key: String,
    seen: Arc<Mutex<Seen>>,
    stop: Arc<Mutex<bool>>,
) {
    listener.set_nonblocking(true).unwrap();
    let started = Instant::now();
    while !*stop.lock().unwrap() && started.elapsed() < Duration::from_secs(60) {
        let Ok((stream, _)) = listener.accept() else {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        };
        let (key, body, mut stream) = read_request(stream);
        let status = {
            let mut seen = seen.lock().unwrap();
            if !body.contains(&key) {
                seen.bodies_without_key += 1;
            }
            let attempts = seen.attempts.entry(key.clone()).or_default();
            *attempts += 1;
            if key == refused_key {
                "400 Bad Request"
            } else if *attempts == 1 {
                "503 Service Unavailable"
            } else {
                *seen.accepted.entry(key.clone()).or_default() += 1;
                "200 OK"
            }
        };
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
    }
}

/// A copy of a fixture whose mission.toml points its webhook at 127.0.0.1:port.
fn with_webhook(name: &str, port: u16) -> Scratch {
    let scratch = copy_fixture(name);
    let path = scratch.path().join("mission.toml");
    let mut toml = std::fs::read_to_string(&path).unwrap();
    toml.push_str(&format!(
        "\n[followup]\nwebhook = \"http://127.0.0.1:{port}/hook\"\n"
    ));
    std::fs::write(path, toml).unwrap();
    scratch
}

#[test]
fn notifications_retry_server_errors_and_never_deliver_twice() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let scratch = with_webhook("vietnam-2017", listener.local_addr().unwrap().port());
    let refused = idempotency_key("Anyang Vietnam Market Mission 2017", "VN-021");
    let seen = Arc::new(Mutex::new(Seen::default()));
    let stop = Arc::new(Mutex::new(false));
    let server = {
        let (seen, stop, refused) = (seen.clone(), stop.clone(), refused.clone());
        std::thread::spawn(move || serve(listener, refused, seen, stop))
    };
    let dir = scratch.path().to_str().unwrap();

    let first = run(&["followup", dir, "--notify", "--retry-backoff", "0.01"]);
    assert_eq!(
        first.code, 1,
        "one buyer is refused: {}\n{}",
        first.stdout, first.stderr
    );
    assert!(
        first
            .stdout
            .contains("  failed: VN-021: HTTP 400 Bad Request, not retried"),
        "{}",
        first.stdout
    );
    let delivered_first = {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.attempts[&refused], 1, "a 4xx is not retried");
        for (key, attempts) in &seen.attempts {
            if *key != refused {
                assert_eq!(*attempts, 2, "{key}: a 503, then delivered on the retry");
                assert_eq!(seen.accepted[key], 1);
            }
        }
        assert_eq!(
            seen.bodies_without_key, 0,
            "the body carries its idempotency key"
        );
        seen.accepted.len()
    };
    assert!(delivered_first > 10, "{delivered_first}");
    assert!(
        first.stdout.contains(&format!(
            "notifications: {delivered_first} delivered, 0 already sent before, 1 failed"
        )),
        "{}",
        first.stdout
    );

    // A second run sends only what failed; nothing is delivered twice.
    let second = run(&["followup", dir, "--notify", "--retry-backoff", "0.01"]);
    assert_eq!(second.code, 1);
    assert!(
        second.stdout.contains(&format!(
            "notifications: 0 delivered, {delivered_first} already sent before, 1 failed"
        )),
        "{}",
        second.stdout
    );
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.attempts[&refused], 2);
        assert!(
            seen.accepted.values().all(|&count| count == 1),
            "no duplicate deliveries"
        );
    }
    *stop.lock().unwrap() = true;
    server.join().unwrap();
}

#[test]
fn an_unreachable_webhook_is_retried_then_reported() {
    // Bind and drop: nothing listens on this port now.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let scratch = with_webhook("india-2017", port);
    // A key in the address's query is a secret: no output may print it.
    common::edit(
        scratch.path(),
        "mission.toml",
        "/hook",
        "/hook?api_key=SECRET-123",
    );
    let output = run(&[
        "followup",
        scratch.path().to_str().unwrap(),
        "--notify",
        "--retry-backoff",
        "0.001",
    ]);
    assert_eq!(output.code, 1);
    assert!(output.stdout.contains("0 delivered"), "{}", output.stdout);
    assert!(
        !format!("{}{}", output.stdout, output.stderr).contains("SECRET-123"),
        "{}\n{}",
        output.stdout,
        output.stderr
    );
    assert!(
        output.stdout.contains("after 4 attempt(s)"),
        "{}",
        output.stdout
    );
    assert!(
        !scratch.path().join("notified.csv").exists(),
        "nothing is marked sent"
    );
}

/// A server that answers 200 to the first `answered` requests and then holds every connection
/// open without answering (a hanging endpoint). Returns the keys it acknowledged.
fn serve_then_hang(
    listener: TcpListener,
    answered: usize,
    acknowledged: Arc<Mutex<Vec<String>>>,
    stop: Arc<Mutex<bool>>,
) {
    listener.set_nonblocking(true).unwrap();
    let mut held = Vec::new();
    let started = Instant::now();
    while !*stop.lock().unwrap() && started.elapsed() < Duration::from_secs(60) {
        let Ok((stream, _)) = listener.accept() else {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        };
        let (key, _, mut stream) = read_request(stream);
        let mut acknowledged = acknowledged.lock().unwrap();
        if acknowledged.len() < answered {
            acknowledged.push(key);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        } else {
            held.push(stream);
        }
    }
}

fn recorded_keys(dir: &std::path::Path) -> Vec<String> {
    let mut keys: Vec<String> = std::fs::read_to_string(dir.join("notified.csv"))
        .unwrap_or_default()
        .trim_start_matches('\u{feff}')
        .lines()
        .skip(1)
        .map(String::from)
        .collect();
    keys.sort();
    keys
}

/// A hanging endpoint costs the deadline, not minutes per buyer; what it acknowledged before it
/// hung is recorded in the mission folder at once, survives a `kill -9`, and is not sent again,
/// whatever `--out` the next run uses.
#[test]
fn a_hanging_endpoint_is_bounded_and_acknowledged_keys_survive_a_kill() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let scratch = with_webhook("india-2017", listener.local_addr().unwrap().port());
    let dir = scratch.path().to_str().unwrap().to_string();
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(Mutex::new(false));
    let server = {
        let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
        std::thread::spawn(move || serve_then_hang(listener, 3, acknowledged, stop))
    };

    // Killed while the endpoint hangs: the three acknowledged keys are on disk already.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_missionmatch"))
        .args(["followup", &dir, "--notify", "--notify-deadline", "600"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let waiting = Instant::now();
    while acknowledged.lock().unwrap().len() < 3 && waiting.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    let mut expected = acknowledged.lock().unwrap().clone();
    expected.sort();
    assert_eq!(expected.len(), 3);
    assert_eq!(recorded_keys(scratch.path()), expected);

    // Again, into another output folder, with a 1-second deadline: nothing acknowledged is
    // sent twice, and the hanging endpoint costs about the deadline.
    let other_out = Scratch::new("other-out");
    let started = Instant::now();
    let output = run(&[
        "followup",
        &dir,
        "--out",
        other_out.path().to_str().unwrap(),
        "--notify",
        "--notify-deadline",
        "1",
    ]);
    let seconds = started.elapsed().as_secs_f64();
    eprintln!("a hanging endpoint with a 1 s deadline: {seconds:.2} s");
    assert_eq!(output.code, 1, "{}", output.stdout);
    assert!(
        output.stdout.contains("0 delivered, 3 already sent before"),
        "{}",
        output.stdout
    );
    assert!(output.stdout.contains("deadline"), "{}", output.stdout);
    // Far below one request timeout per buyer (10 s each, 50 buyers): bounded by the deadline.
    assert!(seconds < 30.0, "{seconds} s");
    assert_eq!(acknowledged.lock().unwrap().len(), 3);
    *stop.lock().unwrap() = true;
    server.join().unwrap();
}
