//! E-mail to participants (contract v3, `missionmatch send`): each participant with an e-mail
//! address gets its published agenda (PDF and calendar file attached) or, after a re-plan, the
//! changes that concern it (exactly those `changes.csv` says to tell it), in its language
//! (Korean for firms; Vietnamese or English for buyers, by their `languages`), from templates the
//! organiser may replace (`templates/` in the mission folder).
//!
//! A letter's key names the participant, what it is and the version of what it carries (a hash
//! of the calendar file or of the change lines), so a second run sends only what is new.

use std::path::Path;

use crate::error::{Error, Result};
use crate::model::{EmailSettings, Mission, SmtpSecurity};

/// What `send` sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    /// Each participant's agenda, as `publish` wrote it.
    Agendas,
    /// Each change of the last re-plan, to the participants it concerns.
    Changes,
}

impl What {
    pub fn as_str(self) -> &'static str {
        match self {
            What::Agendas => "agendas",
            What::Changes => "changes",
        }
    }
}

/// A file sent with a letter.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// One message to one participant.
#[derive(Debug, Clone)]
pub struct Letter {
    /// `ID:what:version`: once sent, never sent again.
    pub key: String,
    /// The participant's id.
    pub participant: String,
    pub to: String,
    /// `ko`, `en` or `vi`.
    pub language: &'static str,
    pub subject: String,
    pub body: String,
    pub attachments: Vec<Attachment>,
}

/// The language a participant reads its mail in: Korean for firms; for buyers Vietnamese or
/// English, whichever its `languages` name first (English otherwise).
fn language_of(mission: &Mission, kind: &str, id: &str) -> &'static str {
    if kind == "firm" {
        return "ko";
    }
    mission
        .buyer_index(&crate::BuyerId(id.to_string()))
        .and_then(|b| {
            mission.buyers[b]
                .languages
                .iter()
                .find_map(|language| match language.as_str() {
                    "vi" => Some("vi"),
                    "en" => Some("en"),
                    _ => None,
                })
        })
        .unwrap_or("en")
}

/// The built-in template of `what` in `language`: a subject line, then the body.
fn builtin_template(what: What, language: &str) -> &'static str {
    match (what, language) {
        (What::Agendas, "ko") => "Subject: [{mission}] 상담 일정표 / Meeting agenda\n\n{name} 담당자님께,\n\n{mission} 상담 일정표를 보내 드립니다. 상담은 모두 {meetings}건입니다.\n첨부한 PDF를 인쇄하시고, 일정 파일(.ics)을 달력에 추가해 주십시오.\n\n{organiser}\n",
        (What::Agendas, "vi") => "Subject: [{mission}] Lịch gặp gỡ / Meeting agenda\n\nKính gửi {name},\n\nChúng tôi gửi kèm lịch gặp gỡ của quý công ty tại {mission}: {meetings} cuộc gặp.\nVui lòng in tệp PDF và thêm tệp lịch (.ics) vào lịch của quý vị.\n\n{organiser}\n",
        (What::Agendas, _) => "Subject: [{mission}] Your meeting agenda\n\nDear {name},\n\nPlease find attached your agenda for {mission}: {meetings} meetings.\nPrint the PDF, and add the calendar file (.ics) to your calendar.\n\n{organiser}\n",
        (What::Changes, "ko") => "Subject: [{mission}] 상담 일정 변경 / Changes to your agenda\n\n{name} 담당자님께,\n\n상담 일정이 다음과 같이 바뀌었습니다.\n\n{changes}\n\n{organiser}\n",
        (What::Changes, "vi") => "Subject: [{mission}] Thay đổi lịch gặp gỡ / Changes to your agenda\n\nKính gửi {name},\n\nLịch gặp gỡ của quý vị đã thay đổi như sau:\n\n{changes}\n\n{organiser}\n",
        (What::Changes, _) => "Subject: [{mission}] Changes to your agenda\n\nDear {name},\n\nYour agenda has changed:\n\n{changes}\n\n{organiser}\n",
    }
}

/// The template the organiser wrote (`MISSION_DIR/templates/WHAT.LANGUAGE.txt`), or the
/// built-in one, split into subject and body.
fn template(mission_dir: &Path, what: What, language: &str) -> Result<(String, String)> {
    let path = mission_dir
        .join("templates")
        .join(format!("{}.{language}.txt", what.as_str()));
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text.trim_start_matches('\u{feff}').replace("\r\n", "\n"),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            builtin_template(what, language).to_string()
        }
        Err(error) => return Err(Error::io(&path, error)),
    };
    let (first, body) = text.split_once('\n').unwrap_or((&text, ""));
    let Some(subject) = first.strip_prefix("Subject:") else {
        return Err(Error::Invalid(vec![crate::Problem::new(
            format!("templates/{}.{language}.txt", what.as_str()),
            1,
            "Subject",
            "the first line must be \"Subject: ...\"",
        )]));
    };
    Ok((
        subject.trim().to_string(),
        body.trim_start_matches('\n').to_string(),
    ))
}

/// A template with its `{placeholders}` filled.
fn fill(text: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(text.to_string(), |text, (key, value)| {
        text.replace(&format!("{{{key}}}"), value)
    })
}

/// A calendar's version: of its events, not of the moment it was written (`DTSTAMP`), so a
/// `publish` that changed nothing for a participant sends it nothing new.
fn calendar_version(calendar: &[u8]) -> String {
    let text = String::from_utf8_lossy(calendar);
    let events: String = text
        .lines()
        .filter(|line| !line.starts_with("DTSTAMP"))
        .collect::<Vec<_>>()
        .join("\n");
    version_of(events.as_bytes())
}

/// The first 12 hex digits of the SHA-256 of `bytes`: a letter's version.
fn version_of(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    digest.as_ref()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn organiser_line(mission: &Mission) -> String {
    mission.organiser.as_ref().map_or_else(
        || mission.name.clone(),
        |o| {
            [o.name.as_str(), o.email.as_str(), o.phone.as_str()]
                .into_iter()
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(" · ")
        },
    )
}

/// The letters of `what` for a mission whose outputs are in `out_dir` (after `publish`, and for
/// changes after `replan`): to each participant of `mailmerge.csv` with an e-mail address.
pub fn letters(
    mission: &Mission,
    mission_dir: &Path,
    out_dir: &Path,
    what: What,
) -> Result<Vec<Letter>> {
    let organiser = organiser_line(mission);
    // Everyone of the mission (a buyer who cancelled is told that its meetings are cancelled),
    // with the agenda files `publish` wrote for it, if any.
    let published = crate::io::read_mailmerge(out_dir)?;
    let people: Vec<crate::io::MailmergeRow> = mission
        .firms
        .iter()
        .map(|f| ("firm", &f.id.0, &f.name, &f.contact.email))
        .chain(
            mission
                .buyers
                .iter()
                .map(|b| ("buyer", &b.id.0, &b.company, &b.contact.email)),
        )
        .map(|(kind, id, name, email)| {
            let row = published
                .iter()
                .find(|row| row.id == *id && row.kind == kind);
            crate::io::MailmergeRow {
                kind: kind.to_string(),
                id: id.clone(),
                name: name.clone(),
                email: email.trim().to_string(),
                agenda_pdf: row.map(|r| r.agenda_pdf.clone()).unwrap_or_default(),
                agenda_ics: row.map(|r| r.agenda_ics.clone()).unwrap_or_default(),
                meetings: row.map_or(0, |r| r.meetings),
            }
        })
        .collect();
    let changes = match what {
        What::Changes => crate::io::read_changes(out_dir)?,
        What::Agendas => Vec::new(),
    };
    let read = |relative: &str| -> Result<Vec<u8>> {
        let path = out_dir.join(relative);
        std::fs::read(&path).map_err(|error| Error::io(&path, error))
    };
    // The other side of a change is a firm for a buyer and a buyer for a firm.
    let name_of = |kind: &str, id: &str| {
        people
            .iter()
            .find(|p| p.id == id && p.kind == kind)
            .map_or(id.to_string(), |p| p.name.clone())
    };
    let mut letters = Vec::new();
    for person in people.iter().filter(|p| !p.email.is_empty()) {
        let language = language_of(mission, &person.kind, &person.id);
        let (subject, body) = template(mission_dir, what, language)?;
        let (version, listing, attachments) = match what {
            What::Agendas => {
                if person.meetings == 0 || person.agenda_pdf.is_empty() {
                    continue;
                }
                let calendar = read(&person.agenda_ics)?;
                let version = calendar_version(&calendar);
                let attachments = vec![
                    Attachment {
                        name: format!("{}.pdf", person.id),
                        content_type: "application/pdf",
                        bytes: read(&person.agenda_pdf)?,
                    },
                    Attachment {
                        name: format!("{}.ics", person.id),
                        content_type: "text/calendar; charset=utf-8",
                        bytes: calendar,
                    },
                ];
                (version, String::new(), attachments)
            }
            What::Changes => {
                let mine: Vec<String> = changes
                    .iter()
                    .filter(|row| {
                        row.tell.contains(&person.id)
                            && match person.kind.as_str() {
                                "firm" => row.firm == person.id,
                                _ => row.buyer == person.id,
                            }
                    })
                    .map(|row| change_line(row, &person.kind, &name_of))
                    .collect();
                if mine.is_empty() {
                    continue;
                }
                let listing = mine.join("\n");
                // The calendar as it stands, when `publish` ran after the re-plan.
                let attachments = read(&person.agenda_ics)
                    .ok()
                    .filter(|_| !person.agenda_ics.is_empty())
                    .map(|calendar| Attachment {
                        name: format!("{}.ics", person.id),
                        content_type: "text/calendar; charset=utf-8",
                        bytes: calendar,
                    })
                    .into_iter()
                    .collect();
                (version_of(listing.as_bytes()), listing, attachments)
            }
        };
        let meetings = person.meetings.to_string();
        let values = [
            ("name", person.name.as_str()),
            ("mission", mission.name.as_str()),
            ("meetings", meetings.as_str()),
            ("changes", listing.as_str()),
            ("organiser", organiser.as_str()),
        ];
        letters.push(Letter {
            key: format!("{}:{}:{version}", person.id, what.as_str()),
            participant: person.id.clone(),
            to: person.email.clone(),
            language,
            subject: fill(&subject, &values),
            body: fill(&body, &values),
            attachments,
        });
    }
    Ok(letters)
}

/// One change as a line of a participant's letter: what, when, where, with whom, why.
fn change_line(
    row: &crate::io::ChangeRow,
    my_kind: &str,
    name_of: &dyn Fn(&str, &str) -> String,
) -> String {
    let (other_kind, other) = if my_kind == "firm" {
        ("buyer", &row.buyer)
    } else {
        ("firm", &row.firm)
    };
    let when = match (row.old_start.as_str(), row.new_start.as_str()) {
        ("", new) => new.to_string(),
        (old, "") => old.to_string(),
        (old, new) => format!("{old} -> {new}"),
    };
    let place = if row.new_place.is_empty() {
        String::new()
    } else {
        format!(" · {}", row.new_place)
    };
    format!(
        "- {}: {when}{place} · {} ({other}) · {}",
        row.change,
        name_of(other_kind, other),
        row.reason
    )
}

/// The letter as an RFC 5322 message from `from`.
pub fn message(from: &str, letter: &Letter) -> Result<lettre::Message> {
    use lettre::message::{header::ContentType, Attachment as Part, MultiPart, SinglePart};
    let invalid = |what: &str, error: String| {
        Error::Unsupported(format!(
            "cannot write the message to {}: {what}: {error}",
            letter.to
        ))
    };
    let from = from
        .parse()
        .map_err(|error: lettre::address::AddressError| invalid("from", error.to_string()))?;
    let to = letter
        .to
        .parse()
        .map_err(|error: lettre::address::AddressError| invalid("to", error.to_string()))?;
    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(letter.body.clone()));
    for attachment in &letter.attachments {
        let kind = ContentType::parse(attachment.content_type)
            .map_err(|error| invalid(&attachment.name, error.to_string()))?;
        parts = parts
            .singlepart(Part::new(attachment.name.clone()).body(attachment.bytes.clone(), kind));
    }
    lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(letter.subject.clone())
        .multipart(parts)
        .map_err(|error| invalid("message", error.to_string()))
}

/// Why one message was not sent: the server refused the address (the run goes on), or the
/// server cannot be reached or refused the sender (the run stops).
#[derive(Debug)]
pub enum NotSent {
    Refused(String),
    Failed(String),
}

/// A connection to the mission's SMTP server.
pub struct Mailer(lettre::SmtpTransport);

impl Mailer {
    /// The transport for `[email]` (nothing is sent yet); `password` from
    /// `MISSIONMATCH_SMTP_PASSWORD`.
    pub fn new(settings: &EmailSettings, password: Option<String>) -> Result<Mailer> {
        use lettre::transport::smtp::authentication::Credentials;
        let host = settings.smtp_host.as_str();
        let builder = match settings.security {
            SmtpSecurity::Tls => lettre::SmtpTransport::relay(host),
            SmtpSecurity::StartTls => lettre::SmtpTransport::starttls_relay(host),
            SmtpSecurity::None => Ok(lettre::SmtpTransport::builder_dangerous(host)),
        }
        .map_err(|error| Error::Unsupported(format!("SMTP server {host}: {error}")))?;
        let mut builder = builder
            .port(settings.smtp_port)
            .timeout(Some(std::time::Duration::from_secs(30)));
        if let Some(user) = &settings.user {
            builder =
                builder.credentials(Credentials::new(user.clone(), password.unwrap_or_default()));
        }
        Ok(Mailer(builder.build()))
    }

    /// Sends one message.
    pub fn send(&self, message: &lettre::Message) -> std::result::Result<(), NotSent> {
        use lettre::Transport as _;
        // Only a refusal of the recipient is about this one message (550 no such mailbox, 551
        // not local, 553 name not allowed); a refused login or sender (530, 535, 554...) or a
        // lost connection stops the run.
        match self.0.send(message) {
            Ok(_) => Ok(()),
            Err(error)
                if error.is_permanent()
                    && error.status().is_some_and(|code| {
                        matches!(code.to_string().as_str(), "550" | "551" | "553")
                    }) =>
            {
                Err(NotSent::Refused(error.to_string()))
            }
            Err(error) => Err(NotSent::Failed(error.to_string())),
        }
    }
}
