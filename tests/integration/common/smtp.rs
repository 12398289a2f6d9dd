//! A local SMTP server for the tests, and what a message it received says in plain text.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The messages a sink accepted: (envelope recipient, data).
pub type Received = Arc<Mutex<Vec<(String, String)>>>;

/// A local SMTP server that keeps every message it accepts and refuses recipients whose address
/// starts with `refused`. Returns its port and the messages.
pub fn smtp_sink() -> (u16, Received) {
    let (port, received, _) = smtp_sink_limited(usize::MAX);
    (port, received)
}

/// [`smtp_sink`] that, once it holds `limit` messages, answers the next one 421 and hangs up
/// (a server that went away); the test may change the limit while it runs.
pub fn smtp_sink_limited(limit: usize) -> (u16, Received, Arc<AtomicUsize>) {
    smtp_sink_with(limit, std::time::Duration::ZERO)
}

/// [`smtp_sink_limited`] that takes `delay` to accept each message (a slow server, so that a
/// test can stop the sender halfway).
pub fn smtp_sink_with(
    limit: usize,
    delay: std::time::Duration,
) -> (u16, Received, Arc<AtomicUsize>) {
    let limit = Arc::new(AtomicUsize::new(limit));
    let fail_after = limit.clone();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let kept = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let kept = kept.clone();
            let fail_after = fail_after.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let _ = stream.write_all(b"220 sink ESMTP\r\n");
                let mut recipient = String::new();
                let mut line = String::new();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let command = line.trim_end().to_ascii_uppercase();
                    let full = kept.lock().unwrap().len() >= fail_after.load(Ordering::SeqCst);
                    let answer: &[u8] = if full && command.starts_with("MAIL FROM") {
                        let _ = stream.write_all(b"421 4.3.2 shutting down\r\n");
                        return;
                    } else if command.starts_with("EHLO") || command.starts_with("HELO") {
                        b"250 sink\r\n"
                    } else if command.starts_with("RCPT TO") {
                        recipient = line.trim_end()[8..]
                            .trim_matches(['<', '>', ' '])
                            .to_string();
                        if recipient.starts_with("refused") {
                            b"550 5.1.1 no such mailbox\r\n"
                        } else {
                            b"250 ok\r\n"
                        }
                    } else if command == "DATA" {
                        let _ = stream.write_all(b"354 go on\r\n");
                        let mut data = String::new();
                        loop {
                            line.clear();
                            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                                return;
                            }
                            if line == ".\r\n" {
                                break;
                            }
                            data.push_str(&line);
                        }
                        std::thread::sleep(delay);
                        kept.lock().unwrap().push((recipient.clone(), data));
                        b"250 queued\r\n"
                    } else if command == "QUIT" {
                        let _ = stream.write_all(b"221 bye\r\n");
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    let _ = stream.write_all(answer);
                }
            });
        }
    });
    (port, received, limit)
}

/// A message as a person reads it: its headers, with each body part decoded (base64 or
/// quoted-printable) and each encoded subject word decoded.
pub fn readable(message: &str) -> String {
    use base64::Engine as _;
    let mut out = String::new();
    let mut encoding = String::new();
    let mut in_body = false;
    let mut part = String::new();
    let decode = |encoding: &str, part: &str| -> String {
        match encoding {
            "base64" => {
                let compact: String = part.split_whitespace().collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .unwrap_or_default();
                String::from_utf8_lossy(&bytes).into_owned()
            }
            "quoted-printable" => {
                let joined = part.replace("=\r\n", "").replace("=\n", "");
                let bytes = joined.as_bytes();
                let mut decoded = Vec::new();
                let mut i = 0;
                while i < bytes.len() {
                    let hex = bytes
                        .get(i + 1..i + 3)
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    match (bytes[i], hex) {
                        (b'=', Some(byte)) => {
                            decoded.push(byte);
                            i += 3;
                        }
                        (byte, _) => {
                            decoded.push(byte);
                            i += 1;
                        }
                    }
                }
                String::from_utf8_lossy(&decoded).into_owned()
            }
            _ => part.to_string(),
        }
    };
    for line in message.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed.starts_with("--") {
            out.push_str(&decode(&encoding, &part));
            part.clear();
            in_body = false;
            encoding.clear();
            out.push_str(line);
            continue;
        }
        if in_body {
            part.push_str(line);
            continue;
        }
        if let Some(value) = trimmed
            .to_ascii_lowercase()
            .strip_prefix("content-transfer-encoding:")
        {
            encoding = value.trim().to_string();
        }
        if trimmed.is_empty() && !encoding.is_empty() {
            in_body = true;
        }
        out.push_str(&decoded_words(line));
    }
    out.push_str(&decode(&encoding, &part));
    out
}

/// A header line with its `=?utf-8?b?...?=` words decoded.
fn decoded_words(line: &str) -> String {
    use base64::Engine as _;
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find("=?utf-8?b?") {
        out.push_str(&rest[..start]);
        let word = &rest[start + 10..];
        let Some(end) = word.find("?=") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&word[..end])
            .unwrap_or_default();
        out.push_str(&String::from_utf8_lossy(&bytes));
        rest = &word[end + 2..];
    }
    out.push_str(rest);
    out
}
