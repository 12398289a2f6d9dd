//! Sending follow-up notifications to the mission's webhook: the shell's side of `followup`.
//!
//! Each notification is POSTed as JSON with an `Idempotency-Key` header. Server errors (5xx),
//! 408, 429, timeouts and connection failures are retried with exponential backoff; other client
//! errors (4xx) are not, since sending the same body again cannot fix them. A notification counts
//! as sent only when the server answered 2xx, and is reported to the caller at once (who records
//! it durably), so an interrupted run never re-sends what was acknowledged. A few requests run in
//! parallel and the whole delivery has a deadline, so a hanging endpoint costs at most that.
//! Blocking: a server calls it from a blocking task, never on the async runtime.

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::followup::Notification;

/// How hard to try.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts per notification, the first included.
    pub attempts: u32,
    /// Wait before the first retry; doubled before each next one.
    pub first_backoff: Duration,
    /// Timeout of one request.
    pub timeout: Duration,
    /// The whole delivery ends by then: what is not delivered by the deadline is reported failed
    /// (and sent by the next run).
    pub deadline: Duration,
    /// Requests in flight at once.
    pub parallel: usize,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            first_backoff: Duration::from_millis(500),
            timeout: Duration::from_secs(10),
            deadline: Duration::from_secs(60),
            parallel: 4,
        }
    }
}

/// What happened to the notifications.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeliveryReport {
    /// Keys the server accepted in this run.
    pub delivered: Vec<String>,
    /// Keys skipped because an earlier run delivered them.
    pub already_sent: Vec<String>,
    /// (buyer, why) for each notification not delivered, in the order given.
    pub failed: Vec<(String, String)>,
}

enum Attempt {
    Accepted,
    Retryable(String),
    Rejected(String),
}

fn attempt(
    client: &reqwest::blocking::Client,
    url: &str,
    notification: &Notification,
    timeout: Duration,
) -> Attempt {
    let response = client
        .post(url)
        .timeout(timeout)
        .header("Idempotency-Key", &notification.key)
        .json(&notification.body)
        .send();
    match response {
        Ok(response) => {
            let status = response.status();
            if status.is_success() {
                Attempt::Accepted
            } else if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
                Attempt::Retryable(format!("HTTP {status}"))
            } else {
                Attempt::Rejected(format!("HTTP {status}"))
            }
        }
        Err(error) if error.is_timeout() => Attempt::Retryable("timed out".to_string()),
        // Without the address: its query may hold a key (`?api_key=...`).
        Err(error) => Attempt::Retryable(format!("could not connect: {}", error.without_url())),
    }
}

/// What became of one notification: its key when delivered, else (buyer, why).
type Outcome = Result<String, (String, String)>;

/// One notification with retries, all before `deadline`: `Ok` when accepted, else why not.
fn deliver_one(
    client: &reqwest::blocking::Client,
    url: &str,
    notification: &Notification,
    policy: &RetryPolicy,
    deadline: Instant,
) -> Result<(), String> {
    let mut backoff = policy.first_backoff;
    let mut last_error = "the delivery deadline passed before it was sent".to_string();
    for attempt_number in 1..=policy.attempts.max(1) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match attempt(client, url, notification, policy.timeout.min(left)) {
            Attempt::Accepted => return Ok(()),
            Attempt::Rejected(reason) => return Err(format!("{reason}, not retried")),
            Attempt::Retryable(reason) => {
                last_error = format!("{reason} after {attempt_number} attempt(s)");
                let left = deadline.saturating_duration_since(Instant::now());
                if attempt_number < policy.attempts {
                    if backoff >= left {
                        last_error.push_str("; the delivery deadline came before the next");
                        break;
                    }
                    std::thread::sleep(backoff);
                    backoff *= 2;
                }
            }
        }
    }
    Err(last_error)
}

/// Sends each notification not in `already_sent` to `url`, up to `policy.parallel` at a time,
/// all within `policy.deadline`. `acknowledged` is called with each key as soon as the server
/// accepted it (the caller records it durably); if it fails, the key counts as not delivered.
pub fn deliver(
    url: &str,
    notifications: &[Notification],
    already_sent: &BTreeSet<String>,
    policy: &RetryPolicy,
    acknowledged: &(dyn Fn(&str) -> Result<(), String> + Sync),
) -> DeliveryReport {
    let mut report = DeliveryReport::default();
    let to_send: Vec<(usize, &Notification)> = notifications
        .iter()
        .enumerate()
        .filter(|(_, notification)| {
            let sent = already_sent.contains(&notification.key);
            if sent {
                report.already_sent.push(notification.key.clone());
            }
            !sent
        })
        .collect();
    let client = match reqwest::blocking::Client::builder().build() {
        Ok(client) => client,
        Err(error) => {
            for (_, notification) in to_send {
                report.failed.push((
                    notification.buyer.clone(),
                    format!("no HTTP client: {error}"),
                ));
            }
            return report;
        }
    };
    let deadline = Instant::now() + policy.deadline;
    let next = Mutex::new(to_send.iter());
    let outcomes: Mutex<Vec<(usize, Outcome)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..policy.parallel.clamp(1, to_send.len().max(1)) {
            scope.spawn(|| {
                while let Some(&(position, notification)) =
                    next.lock().ok().and_then(|mut next| next.next())
                {
                    let outcome = deliver_one(&client, url, notification, policy, deadline)
                        .and_then(|()| {
                            acknowledged(&notification.key)
                                .map_err(|error| format!("accepted, but not recorded: {error}"))
                        })
                        .map(|()| notification.key.clone())
                        .map_err(|reason| (notification.buyer.clone(), reason));
                    if let Ok(mut outcomes) = outcomes.lock() {
                        outcomes.push((position, outcome));
                    }
                }
            });
        }
    });
    let mut outcomes = outcomes.into_inner().unwrap_or_default();
    outcomes.sort_by_key(|(position, _)| *position);
    for (_, outcome) in outcomes {
        match outcome {
            Ok(key) => report.delivered.push(key),
            Err(failure) => report.failed.push(failure),
        }
    }
    report
}
