//! Sending follow-up notifications to the mission's webhook: the shell's side of `followup`.
//!
//! Each notification is POSTed as JSON with an `Idempotency-Key` header. Server errors (5xx),
//! 408, 429, timeouts and connection failures are retried with exponential backoff; other client
//! errors (4xx) are not, since sending the same body again cannot fix them. A notification counts
//! as sent only when the server answered 2xx; keys already sent (from an earlier run) are skipped,
//! so running `followup --notify` twice delivers nothing twice.

use std::collections::BTreeSet;
use std::time::Duration;

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
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            first_backoff: Duration::from_millis(500),
            timeout: Duration::from_secs(10),
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
    /// (buyer, why) for each notification not delivered.
    pub failed: Vec<(String, String)>,
}

enum Attempt {
    Accepted,
    Retryable(String),
    Rejected(String),
}

fn attempt(client: &reqwest::blocking::Client, url: &str, notification: &Notification) -> Attempt {
    let response = client
        .post(url)
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
        Err(error) => Attempt::Retryable(format!("could not connect: {error}")),
    }
}

/// Sends each notification not in `already_sent` to `url`.
pub fn deliver(
    url: &str,
    notifications: &[Notification],
    already_sent: &BTreeSet<String>,
    policy: &RetryPolicy,
) -> DeliveryReport {
    let mut report = DeliveryReport::default();
    let client = match reqwest::blocking::Client::builder()
        .timeout(policy.timeout)
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            for notification in notifications {
                report.failed.push((
                    notification.buyer.clone(),
                    format!("no HTTP client: {error}"),
                ));
            }
            return report;
        }
    };
    for notification in notifications {
        if already_sent.contains(&notification.key) {
            report.already_sent.push(notification.key.clone());
            continue;
        }
        let mut backoff = policy.first_backoff;
        let mut last_error = String::new();
        let mut delivered = false;
        for attempt_number in 1..=policy.attempts.max(1) {
            match attempt(&client, url, notification) {
                Attempt::Accepted => {
                    delivered = true;
                    break;
                }
                Attempt::Rejected(reason) => {
                    last_error = format!("{reason}, not retried");
                    break;
                }
                Attempt::Retryable(reason) => {
                    last_error = format!("{reason} after {attempt_number} attempt(s)");
                    if attempt_number < policy.attempts {
                        std::thread::sleep(backoff);
                        backoff *= 2;
                    }
                }
            }
        }
        if delivered {
            report.delivered.push(notification.key.clone());
        } else {
            report.failed.push((notification.buyer.clone(), last_error));
        }
    }
    report
}
