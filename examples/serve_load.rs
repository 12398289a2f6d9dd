//! Load on `missionmatch serve`: a generated mission (300 firms x 3,000 buyers x 4 sessions by
//! default) imported and scheduled through the API, then 50 clients for 60 s, each in a loop
//! recording an outcome of a random meeting (PUT, organiser token) or reading a random
//! participant's agenda (GET /p/TOKEN). Prints the latency percentiles of reads and writes, the
//! throughput and every error. The server runs in this process on 127.0.0.1 with a database in a
//! temporary folder; clients and server share the machine's cores.
//!
//! `cargo run --release --example serve_load -- [--firms N] [--buyers M] [--sessions K]
//! [--clients C] [--seconds S]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use missionmatch::serve::{router, store::Store, App};
use missionmatch::{generate, write_mission, GeneratorOptions};
use serde_json::{json, Value};

struct Options {
    firms: usize,
    buyers: usize,
    sessions: usize,
    clients: usize,
    seconds: f64,
}

fn options() -> Options {
    let mut options = Options {
        firms: 300,
        buyers: 3000,
        sessions: 4,
        clients: 50,
        seconds: 60.0,
    };
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    for pair in arguments.chunks(2) {
        let value = pair.get(1).map(String::as_str).unwrap_or("");
        let number = || value.parse::<f64>().expect("a number after each option");
        match pair[0].as_str() {
            "--firms" => options.firms = number() as usize,
            "--buyers" => options.buyers = number() as usize,
            "--sessions" => options.sessions = number() as usize,
            "--clients" => options.clients = number() as usize,
            "--seconds" => options.seconds = number(),
            other => panic!("unknown option {other}"),
        }
    }
    options
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

/// A small xorshift generator: each client picks its requests reproducibly.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// GET with the organiser's token, answered with JSON.
async fn get_json(client: &reqwest::Client, url: &str, auth: &str) -> Value {
    client
        .get(url)
        .header("authorization", auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let options = options();
    let data = std::env::temp_dir().join(format!("missionmatch-load-{}", std::process::id()));
    let folder = data.join("mission");
    std::fs::create_dir_all(&folder).unwrap();
    let mission = generate(&GeneratorOptions {
        firms: options.firms,
        buyers: options.buyers,
        sessions: options.sessions,
        seed: 11,
        ..Default::default()
    });
    write_mission(&folder, &mission).unwrap();

    let store = Store::open(&data.join("db")).unwrap();
    let token = store.new_organiser_token().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = App::new(store);
    tokio::spawn(async move { axum::serve(listener, router(app)).await.unwrap() });

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .pool_max_idle_per_host(options.clients)
        .build()
        .unwrap();
    let auth = format!("Bearer {token}");

    // Import and schedule through the API.
    let started = Instant::now();
    let mut form = reqwest::multipart::Form::new();
    for name in ["mission.toml", "firms.csv", "buyers.csv", "requests.csv"] {
        if let Ok(bytes) = std::fs::read(folder.join(name)) {
            form = form.part(
                "files",
                reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
            );
        }
    }
    let answer: Value = client
        .post(format!("{base}/api/missions"))
        .header("authorization", &auth)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = answer["id"].as_i64().expect("imported");
    println!(
        "imported {} firms x {} buyers x {} sessions in {:.1} s",
        options.firms,
        options.buyers,
        options.sessions,
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let job: Value = client
        .post(format!("{base}/api/missions/{id}/schedule"))
        .header("authorization", &auth)
        .body("{}")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let job = job["job"].as_str().unwrap().to_string();
    loop {
        let state: Value = get_json(&client, &format!("{base}/api/jobs/{job}"), &auth).await;
        match state["state"].as_str() {
            Some("done") => break,
            Some("failed") => panic!("scheduling failed: {state}"),
            _ => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    let schedule: Value = get_json(
        &client,
        &format!("{base}/api/missions/{id}/schedule"),
        &auth,
    )
    .await;
    let meetings: Arc<Vec<(String, String)>> = Arc::new(
        schedule["meetings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["firm"].as_str().unwrap().to_string(),
                    m["buyer"].as_str().unwrap().to_string(),
                )
            })
            .collect(),
    );
    let participants: Value = get_json(
        &client,
        &format!("{base}/api/missions/{id}/participants"),
        &auth,
    )
    .await;
    let links: Arc<Vec<String>> = Arc::new(
        participants["participants"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["link"].as_str().map(str::to_string))
            .collect(),
    );
    println!(
        "scheduled {} meetings in {:.1} s; {} participant links",
        meetings.len(),
        started.elapsed().as_secs_f64(),
        links.len()
    );

    // The load.
    let deadline = Instant::now() + Duration::from_secs_f64(options.seconds);
    let mut tasks = Vec::new();
    for client_number in 0..options.clients {
        let (client, base, auth) = (client.clone(), base.clone(), auth.clone());
        let (meetings, links) = (meetings.clone(), links.clone());
        tasks.push(tokio::spawn(async move {
            let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ (client_number as u64 + 1);
            let (mut reads, mut writes, mut errors) = (Vec::new(), Vec::new(), Vec::new());
            while Instant::now() < deadline {
                let started = Instant::now();
                let write = next(&mut state).is_multiple_of(2);
                let result = if write {
                    let (firm, buyer) = &meetings[next(&mut state) as usize % meetings.len()];
                    let body = json!({ "attended": "yes", "interest": next(&mut state) % 6,
                                       "consultation_usd": next(&mut state) % 500_000 });
                    client
                        .put(format!("{base}/api/missions/{id}/outcomes/{firm}/{buyer}"))
                        .header("authorization", &auth)
                        .header("content-type", "application/json")
                        .body(body.to_string())
                        .send()
                        .await
                } else {
                    let link = &links[next(&mut state) as usize % links.len()];
                    client.get(format!("{base}{link}")).send().await
                };
                let outcome = match result {
                    Ok(response) if response.status().is_success() => response
                        .bytes()
                        .await
                        .map(|_| ())
                        .map_err(|e| e.to_string()),
                    Ok(response) => Err(format!("status {}", response.status())),
                    Err(error) => Err(error.to_string()),
                };
                let seconds = started.elapsed().as_secs_f64();
                match outcome {
                    Ok(()) if write => writes.push(seconds),
                    Ok(()) => reads.push(seconds),
                    Err(error) => errors.push(error),
                }
            }
            (reads, writes, errors)
        }));
    }
    let (mut reads, mut writes, mut errors) = (Vec::new(), Vec::new(), Vec::new());
    for task in tasks {
        let (r, w, e) = task.await.unwrap();
        reads.extend(r);
        writes.extend(w);
        errors.extend(e);
    }
    reads.sort_by(f64::total_cmp);
    writes.sort_by(f64::total_cmp);
    let line = |name: &str, sorted: &[f64]| {
        println!(
            "{name:<6} {:>7} requests ({:>6.0}/s)  p50 {:>6.1} ms  p95 {:>6.1} ms  p99 {:>6.1} ms  max {:>6.1} ms",
            sorted.len(),
            sorted.len() as f64 / options.seconds,
            percentile(sorted, 0.50) * 1000.0,
            percentile(sorted, 0.95) * 1000.0,
            percentile(sorted, 0.99) * 1000.0,
            sorted.last().copied().unwrap_or(f64::NAN) * 1000.0
        )
    };
    println!(
        "{} clients for {:.0} s against {} meetings:",
        options.clients,
        options.seconds,
        meetings.len()
    );
    line("reads", &reads);
    line("writes", &writes);
    println!("errors {}", errors.len());
    for error in errors.iter().take(10) {
        println!("  {error}");
    }
    let _ = std::fs::remove_dir_all(&data);
    if !errors.is_empty() {
        std::process::exit(1);
    }
}
