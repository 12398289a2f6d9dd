//! E-mail to participants (contract v3): invitations with each participant's own link (from
//! `serve`, which holds the links), the published agenda (PDF and calendar file attached) or,
//! after a re-plan, the changes that concern a participant (exactly those `changes.csv` says to
//! tell it), in its language (Korean for firms; Vietnamese or English for buyers, by their
//! `languages`), from templates the organiser may replace (`templates/WHAT.LANGUAGE.txt` in the
//! mission folder).
//!
//! A letter's key names the participant, what it is and the version of what it carries, so a
//! second run sends only what is new. [`deliver`] is the one place that applies the once-only
//! rule and tells a refused address from a failed server, for `missionmatch send` and `serve`.

use std::path::Path;

use crate::error::{Error, Result};
use crate::model::{EmailSettings, Mission, SmtpSecurity};
use crate::Side;

/// What is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    /// Each participant's own link (sent by `serve`, which holds the links).
    Invitations,
    /// Each participant's agenda, as published.
    Agendas,
    /// Each change of the last re-plan, to the participants it concerns.
    Changes,
}

impl What {
    /// Every kind of message.
    pub const ALL: [What; 3] = [What::Invitations, What::Agendas, What::Changes];

    pub fn as_str(self) -> &'static str {
        match self {
            What::Invitations => "invitations",
            What::Agendas => "agendas",
            What::Changes => "changes",
        }
    }

    /// `invitations`, `agendas` or `changes`.
    pub fn parse(text: &str) -> Option<What> {
        What::ALL.into_iter().find(|what| what.as_str() == text)
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
    pub side: Side,
    pub to: String,
    /// `ko`, `en` or `vi`.
    pub language: &'static str,
    pub subject: String,
    pub body: String,
    pub attachments: Vec<Attachment>,
}

/// Who a letter goes to.
#[derive(Debug, Clone, Copy)]
pub struct Addressee<'a> {
    pub side: Side,
    pub id: &'a str,
    pub name: &'a str,
    pub email: &'a str,
}

/// What a letter carries besides its template's words.
#[derive(Debug, Clone)]
pub enum Content {
    /// The participant's own link, as a full URL.
    Invitation { link: String },
    /// The agenda: its meetings, PDF and calendar file.
    Agenda {
        meetings: usize,
        pdf: Vec<u8>,
        calendar: Vec<u8>,
    },
    /// The lines of the changes that concern the participant, and its calendar as it stands.
    Changes {
        lines: Vec<String>,
        calendar: Option<Vec<u8>>,
    },
}

impl Content {
    fn what(&self) -> What {
        match self {
            Content::Invitation { .. } => What::Invitations,
            Content::Agenda { .. } => What::Agendas,
            Content::Changes { .. } => What::Changes,
        }
    }

    /// The version of what the letter carries, when its sender has none of its own (the
    /// server's schedule version and link token): a hash of the link, of the calendar's events
    /// or of the change lines.
    pub fn version(&self) -> String {
        match self {
            Content::Invitation { link } => version_of(link.as_bytes()),
            Content::Agenda { calendar, .. } => calendar_version(calendar),
            Content::Changes { lines, .. } => version_of(lines.join("\n").as_bytes()),
        }
    }
}

/// Where the organiser's templates are read from: the text of `templates/NAME`, if there is one.
pub type Templates<'a> = &'a dyn Fn(&str) -> Result<Option<String>>;

/// Whether `name` is the file name of a template (`agendas.ko.txt`...).
pub fn is_template_name(name: &str) -> bool {
    What::ALL.iter().any(|what| {
        ["ko", "en", "vi"]
            .iter()
            .any(|language| name == format!("{}.{language}.txt", what.as_str()))
    })
}

/// The organiser's templates in the mission folder `mission_dir/templates/`.
pub fn templates_in(mission_dir: &Path) -> impl Fn(&str) -> Result<Option<String>> + '_ {
    move |name: &str| {
        let path = mission_dir.join("templates").join(name);
        match std::fs::read(&path) {
            Ok(bytes) => template_text(name, &bytes).map(Some),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(Error::io(&path, error)),
        }
    }
}

/// A template file's text: UTF-8 (a byte-order mark is dropped); anything else is refused with
/// the file's name, never sent garbled.
pub fn template_text(name: &str, bytes: &[u8]) -> Result<String> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.trim_start_matches('\u{feff}').replace("\r\n", "\n")),
        Err(error) => Err(Error::Invalid(vec![crate::Problem::new(
            format!("templates/{name}"),
            1,
            "file",
            format!(
                "not UTF-8 text (byte {}): save it as UTF-8",
                error.valid_up_to()
            ),
        )])),
    }
}

/// The language a participant reads its mail in: Korean for firms; for buyers Vietnamese or
/// English, whichever its `languages` name first (English otherwise).
fn language_of(mission: &Mission, side: Side, id: &str) -> &'static str {
    if side == Side::Firm {
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
        (What::Invitations, "ko") => "Subject: [{mission}] 상담회 참가 안내 / Your link\n\n{name} 담당자님께,\n\n{mission}에 참가해 주셔서 감사합니다.\n아래 링크에서 상담 상대 목록을 보시고, 만나고 싶은 바이어를 선택해 주십시오. 일정표가 확정되면 같은 링크에서 보실 수 있습니다.\n\n{link}\n\n이 링크는 귀사 전용입니다. 다른 분과 공유하지 마십시오.\n\n{organiser}\n",
        (What::Invitations, "vi") => "Subject: [{mission}] Thư mời / Your link\n\nKính gửi {name},\n\nCảm ơn quý công ty đã tham gia {mission}.\nTại đường dẫn dưới đây, quý vị có thể xem danh sách doanh nghiệp và chọn những doanh nghiệp muốn gặp. Lịch gặp gỡ sẽ hiện tại cùng đường dẫn khi được công bố.\n\n{link}\n\nĐường dẫn này dành riêng cho quý công ty; xin đừng chia sẻ.\n\n{organiser}\n",
        (What::Invitations, _) => "Subject: [{mission}] Your invitation and link\n\nDear {name},\n\nThank you for joining {mission}.\nAt the link below you can see whom you may meet and say whom you want to meet. Your agenda appears at the same link once it is published.\n\n{link}\n\nThis link is yours alone; please do not share it.\n\n{organiser}\n",
        (What::Agendas, "ko") => "Subject: [{mission}] 상담 일정표 / Meeting agenda\n\n{name} 담당자님께,\n\n{mission} 상담 일정표를 보내 드립니다. 상담은 모두 {meetings}건입니다.\n첨부한 PDF를 인쇄하시고, 일정 파일(.ics)을 달력에 추가해 주십시오.\n\n{organiser}\n",
        (What::Agendas, "vi") => "Subject: [{mission}] Lịch gặp gỡ / Meeting agenda\n\nKính gửi {name},\n\nChúng tôi gửi kèm lịch gặp gỡ của quý công ty tại {mission}: {meetings} cuộc gặp.\nVui lòng in tệp PDF và thêm tệp lịch (.ics) vào lịch của quý vị.\n\n{organiser}\n",
        (What::Agendas, _) => "Subject: [{mission}] Your meeting agenda\n\nDear {name},\n\nPlease find attached your agenda for {mission}: {meetings} meetings.\nPrint the PDF, and add the calendar file (.ics) to your calendar.\n\n{organiser}\n",
        (What::Changes, "ko") => "Subject: [{mission}] 상담 일정 변경 / Changes to your agenda\n\n{name} 담당자님께,\n\n상담 일정이 다음과 같이 바뀌었습니다.\n\n{changes}\n\n{organiser}\n",
        (What::Changes, "vi") => "Subject: [{mission}] Thay đổi lịch gặp gỡ / Changes to your agenda\n\nKính gửi {name},\n\nLịch gặp gỡ của quý vị đã thay đổi như sau:\n\n{changes}\n\n{organiser}\n",
        (What::Changes, _) => "Subject: [{mission}] Changes to your agenda\n\nDear {name},\n\nYour agenda has changed:\n\n{changes}\n\n{organiser}\n",
    }
}

/// The template the organiser wrote (`templates/WHAT.LANGUAGE.txt`), or the built-in one,
/// split into subject and body.
fn template(templates: Templates, what: What, language: &str) -> Result<(String, String)> {
    let name = format!("{}.{language}.txt", what.as_str());
    let text = match templates(&name)? {
        Some(text) => text,
        None => builtin_template(what, language).to_string(),
    };
    split_template(&name, &text)
}

/// A template's subject (its first line, `Subject: ...`) and body.
pub fn split_template(name: &str, text: &str) -> Result<(String, String)> {
    let (first, body) = text.split_once('\n').unwrap_or((text, ""));
    let Some(subject) = first.strip_prefix("Subject:") else {
        return Err(Error::Invalid(vec![crate::Problem::new(
            format!("templates/{name}"),
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
pub fn version_of(bytes: &[u8]) -> String {
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

fn calendar_attachment(id: &str, calendar: Vec<u8>) -> Attachment {
    Attachment {
        name: format!("{id}.ics"),
        content_type: "text/calendar; charset=utf-8",
        bytes: calendar,
    }
}

/// One letter: `content` to `to`, in its language, from the organiser's template or the
/// built-in one; `version` is the version of what it carries (see [`Content::version`]).
pub fn compose(
    mission: &Mission,
    templates: Templates,
    to: Addressee,
    content: Content,
    version: &str,
) -> Result<Letter> {
    let what = content.what();
    let language = language_of(mission, to.side, to.id);
    let (subject, body) = template(templates, what, language)?;
    let (mut meetings, mut link, mut listing) = (String::new(), String::new(), String::new());
    let attachments = match content {
        Content::Invitation { link: url } => {
            link = url;
            Vec::new()
        }
        Content::Agenda {
            meetings: count,
            pdf,
            calendar,
        } => {
            meetings = count.to_string();
            let pdf = Attachment {
                name: format!("{}.pdf", to.id),
                content_type: "application/pdf",
                bytes: pdf,
            };
            vec![pdf, calendar_attachment(to.id, calendar)]
        }
        Content::Changes { lines, calendar } => {
            listing = lines.join("\n");
            calendar
                .map(|calendar| calendar_attachment(to.id, calendar))
                .into_iter()
                .collect()
        }
    };
    let organiser = organiser_line(mission);
    let values = [
        ("name", to.name),
        ("mission", mission.name.as_str()),
        ("meetings", meetings.as_str()),
        ("changes", listing.as_str()),
        ("link", link.as_str()),
        ("organiser", organiser.as_str()),
    ];
    Ok(Letter {
        key: format!("{}:{}:{version}", to.id, what.as_str()),
        participant: to.id.to_string(),
        side: to.side,
        to: to.email.trim().to_string(),
        language,
        subject: fill(&subject, &values),
        body: fill(&body, &values),
        attachments,
    })
}

/// Every participant of the mission with an e-mail address, firms first.
pub fn addressees(mission: &Mission) -> Vec<Addressee<'_>> {
    let firms = mission.firms.iter().map(|f| Addressee {
        side: Side::Firm,
        id: &f.id.0,
        name: &f.name,
        email: &f.contact.email,
    });
    let buyers = mission.buyers.iter().map(|b| Addressee {
        side: Side::Buyer,
        id: &b.id.0,
        name: &b.company,
        email: &b.contact.email,
    });
    firms
        .chain(buyers)
        .filter(|a| !a.email.trim().is_empty())
        .collect()
}

/// A participant's name (a firm's name, a buyer's company), or its id when the mission has no
/// such participant: how a change line names the other side.
pub fn name_of(mission: &Mission, side: Side, id: &str) -> String {
    let name = match side {
        Side::Firm => mission
            .firm_index(&crate::FirmId(id.to_string()))
            .map(|i| &mission.firms[i].name),
        Side::Buyer => mission
            .buyer_index(&crate::BuyerId(id.to_string()))
            .map(|i| &mission.buyers[i].company),
    };
    name.map_or_else(|| id.to_string(), Clone::clone)
}

/// The lines of the changes in `changes` that `participant` is to be told of, each naming the
/// other side by `name_of(side, id)`.
pub fn change_lines(
    changes: &[crate::io::ChangeRow],
    side: Side,
    participant: &str,
    name_of: &dyn Fn(Side, &str) -> String,
) -> Vec<String> {
    changes
        .iter()
        .filter(|row| {
            row.tell.iter().any(|who| who == participant)
                && match side {
                    Side::Firm => row.firm == participant,
                    Side::Buyer => row.buyer == participant,
                }
        })
        .map(|row| change_line(row, side, name_of))
        .collect()
}

/// The letters of `what` (agendas or changes) for a mission whose outputs are in `out_dir`
/// (after `publish`, and for changes after `replan`): to each participant with an e-mail
/// address and something to tell.
pub fn letters(
    mission: &Mission,
    mission_dir: &Path,
    out_dir: &Path,
    what: What,
) -> Result<Vec<Letter>> {
    if what == What::Invitations {
        return Err(Error::BadOption(
            "invitations carry each participant's link, which only `serve` holds: send them from the server (POST /api/missions/{id}/send)".into(),
        ));
    }
    let templates = templates_in(mission_dir);
    // Every file of one publication: read again when one was written in the meantime.
    crate::io::read_together(out_dir, || {
        published_letters(mission, out_dir, what, &templates)
    })
}

/// [`letters`], from what `out_dir` holds as it is read.
fn published_letters(
    mission: &Mission,
    out_dir: &Path,
    what: What,
    templates: Templates,
) -> Result<Vec<Letter>> {
    // The agenda files `publish` wrote for each participant, if any (a buyer who cancelled is
    // still told that its meetings are cancelled).
    let published = crate::io::read_mailmerge(out_dir)?;
    let changes = match what {
        What::Changes => crate::io::read_changes(out_dir)?,
        _ => Vec::new(),
    };
    let read = |relative: &str| -> Result<Vec<u8>> {
        let path = out_dir.join(relative);
        std::fs::read(&path).map_err(|error| Error::io(&path, error))
    };
    let name_of = |side: Side, id: &str| name_of(mission, side, id);
    let mut letters = Vec::new();
    for to in addressees(mission) {
        let (side, id) = (to.side, to.id);
        let row = published
            .iter()
            .find(|row| row.id == id && row.kind == side.as_str());
        let (pdf, ics, meetings) = row.map_or(("", "", 0), |r| {
            (r.agenda_pdf.as_str(), r.agenda_ics.as_str(), r.meetings)
        });
        let content = match what {
            What::Agendas => {
                if meetings == 0 || pdf.is_empty() {
                    continue;
                }
                Content::Agenda {
                    meetings: meetings as usize,
                    pdf: read(pdf)?,
                    calendar: read(ics)?,
                }
            }
            _ => {
                let lines = change_lines(&changes, side, id, &name_of);
                if lines.is_empty() {
                    continue;
                }
                // The calendar as it stands, when `publish` ran after the re-plan.
                let calendar = (!ics.is_empty()).then(|| read(ics).ok()).flatten();
                Content::Changes { lines, calendar }
            }
        };
        let version = content.version();
        letters.push(compose(mission, templates, to, content, &version)?);
    }
    Ok(letters)
}

/// One change as a line of a participant's letter: what, when, where, with whom, why.
fn change_line(
    row: &crate::io::ChangeRow,
    my_side: Side,
    name_of: &dyn Fn(Side, &str) -> String,
) -> String {
    let (other_side, other) = match my_side {
        Side::Firm => (Side::Buyer, &row.buyer),
        Side::Buyer => (Side::Firm, &row.firm),
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
        name_of(other_side, other),
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

/// What one sending run came to.
#[derive(Debug, Default)]
pub struct Delivery {
    /// Messages the server accepted in this run.
    pub sent: usize,
    /// Messages sent by an earlier run, not repeated.
    pub skipped: usize,
    /// (address, reason) of each message the server refused or that could not be written; not
    /// retried in this run.
    pub refused: Vec<(String, String)>,
    /// Why the run stopped before the end (the server failed); a new run sends the rest.
    pub stopped: Option<String>,
}

/// Sends each letter not sent before (`sent_before(letter)`), recording each one the server
/// accepted with `record(letter)` before the next is sent, so a run cut off anywhere
/// repeats at most the one message in flight. A refused address is reported and the run goes
/// on; a failed server stops it.
pub fn deliver(
    mailer: &Mailer,
    from: &str,
    letters: &[Letter],
    sent_before: &dyn Fn(&Letter) -> bool,
    record: &mut dyn FnMut(&Letter) -> Result<()>,
) -> Result<Delivery> {
    let mut delivery = Delivery::default();
    for letter in letters {
        if sent_before(letter) {
            delivery.skipped += 1;
            continue;
        }
        // An address that cannot be written is refused here, like one the server refuses.
        let mail = match message(from, letter) {
            Ok(mail) => mail,
            Err(error) => {
                delivery
                    .refused
                    .push((letter.to.clone(), error.to_string()));
                continue;
            }
        };
        match mailer.send(&mail) {
            Ok(()) => {
                record(letter)?;
                delivery.sent += 1;
            }
            Err(NotSent::Refused(reason)) => delivery.refused.push((letter.to.clone(), reason)),
            Err(NotSent::Failed(reason)) => {
                delivery.stopped = Some(reason);
                break;
            }
        }
    }
    Ok(delivery)
}
