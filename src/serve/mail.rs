//! E-mail from the server (contract v3, `POST /api/missions/{id}/send`): invitations with each
//! participant's own link, agendas of the newest schedule version, and the changes of the newest
//! re-plan, composed by [`crate::mail`] and recorded in the store as the SMTP server accepts them,
//! so each message goes once per participant, kind and schedule version.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::{json, Value};

use super::store::MessageRecord;
use super::{ApiError, App, Finished};
use crate::mail::{addressees, compose, deliver, Addressee, Content, Letter, Mailer, What};
use crate::model::EmailSettings;
use crate::Side;

/// A request to send: what, and whether only to show what would be sent.
#[derive(Debug, Clone)]
pub struct SendRequest {
    pub what: What,
    pub dry_run: bool,
    /// The address participants reach this server at (`https://...`), for invitations' links.
    pub base_url: String,
}

/// The organiser's templates among the mission's stored files (`templates/NAME`).
fn stored_templates(
    files: &std::collections::BTreeMap<String, Vec<u8>>,
) -> impl Fn(&str) -> crate::Result<Option<String>> + '_ {
    move |name: &str| {
        files
            .get(&format!("templates/{name}"))
            .map(|bytes| crate::mail::template_text(name, bytes))
            .transpose()
    }
}

/// The letters of `what` for mission `id`: invitations to everyone with an address; agendas to
/// everyone with meetings in the newest version; changes to those the newest re-plan's
/// `changes.csv` says to tell.
pub fn letters(app: &App, id: i64, what: What, base_url: &str) -> Result<Vec<Letter>, ApiError> {
    let (_, mission) = app.mission(id)?;
    let files = app.store().files(id)?;
    let templates = stored_templates(&files);
    let compose = |to: Addressee, content: Content, version: &str| {
        compose(&mission, &templates, to, content, version)
            .map_err(|error| ApiError::Invalid(vec![error.to_string()]))
    };
    let mut letters = Vec::new();
    if what == What::Invitations {
        let links = app.store().participant_links(id)?;
        for to in addressees(&mission) {
            let Some(link) = links
                .iter()
                .find(|l| l.side == to.side && l.participant == to.id)
            else {
                continue;
            };
            // Versioned by the token, not by the address the server was reached at: a new link
            // is a new invitation, a new way to the same server is not.
            let version = crate::mail::version_of(link.token.as_bytes());
            let link = format!("{}/p/{}", base_url.trim_end_matches('/'), link.token);
            letters.push(compose(to, Content::Invitation { link }, &version)?);
        }
        return Ok(letters);
    }
    let (latest, changes) = to_tell(app, id, what)?;
    let (_, timetable) = app.timetable(id)?;
    let timetable = timetable.ok_or_else(no_schedule)?;
    // Versions only grow: still the newest now, the timetable read in between is version
    // `latest`, and its letters are keyed by it.
    if app.mission(id)?.0.latest_version != Some(latest) {
        return Err(ApiError::Conflict(
            "a new schedule version was stored while the messages were composed: send again".into(),
        ));
    }
    let version = format!("v{latest}");
    let previous = app.calendar_before(id)?;
    let stamp = super::store::now_utc().replace(['-', ':'], "");
    let calendar = |agenda: &crate::publish::Agenda| {
        crate::publish::ics::calendar(&mission, agenda, timetable.status, &previous, &stamp)
            .0
            .into_bytes()
    };
    let name_of = |side: Side, other: &str| crate::mail::name_of(&mission, side, other);
    for to in addressees(&mission) {
        let Some(agenda) = timetable.agenda(&mission, to.side, to.id) else {
            continue;
        };
        let content = if what == What::Agendas {
            if agenda.entries.is_empty() {
                continue;
            }
            let pdf = crate::agenda_pdf(&mission, &agenda, timetable.status)
                .map_err(|error| ApiError::Internal(error.to_string()))?;
            Content::Agenda {
                meetings: agenda.entries.len(),
                pdf,
                calendar: calendar(&agenda),
            }
        } else {
            let lines = crate::mail::change_lines(&changes, to.side, to.id, &name_of);
            if lines.is_empty() {
                continue;
            }
            Content::Changes {
                lines,
                calendar: Some(calendar(&agenda)),
            }
        };
        letters.push(compose(to, content, &version)?);
    }
    Ok(letters)
}

fn no_schedule() -> ApiError {
    ApiError::Conflict("the mission has no schedule yet: schedule it first".into())
}

/// For agendas and changes, the newest schedule version, and for changes what its re-plan
/// changed; refused when there is none (no schedule, or a newest version that is no re-plan).
fn to_tell(app: &App, id: i64, what: What) -> Result<(i64, Vec<crate::io::ChangeRow>), ApiError> {
    let (row, _) = app.mission(id)?;
    let latest = row.latest_version.ok_or_else(no_schedule)?;
    if what != What::Changes {
        return Ok((latest, Vec::new()));
    }
    let stored = app.store().schedule(id, Some(latest))?;
    let Some(text) = stored.and_then(|s| s.changes_csv) else {
        return Err(ApiError::Conflict(format!(
            "version {latest} is not a re-plan: it has no changes to tell"
        )));
    };
    Ok((latest, super::api::stored_changes(&text)?))
}

/// Starts sending in the background; the job's id. A mission without `[email]` is refused at
/// once, as is a kind of message it has nothing for (no schedule yet, no re-plan).
pub fn begin_send(app: &Arc<App>, id: i64, request: SendRequest) -> Result<String, ApiError> {
    let (_, mission) = app.mission(id)?;
    let (settings, password) = smtp_login(mission.email.clone(), request.dry_run)?;
    // A template that cannot be read is told now, not by a failed job.
    check_templates(&app.store().files(id)?)?;
    // A mission without a schedule or a re-plan is told now, not by a failed job.
    if request.what != What::Invitations {
        to_tell(app, id, request.what)?;
    }
    let locks = !request.dry_run;
    if locks && !super::lock(&app.sending).insert(id) {
        return Err(ApiError::Conflict(
            "messages of this mission are being sent: wait for that job to finish".into(),
        ));
    }
    let job = SendJob {
        id,
        request,
        settings,
        password,
        locks,
    };
    let started = app.start_task(id, "send", move |app, progress| job.run(app, progress));
    if started.is_err() && locks {
        super::lock(&app.sending).remove(&id);
    }
    started
}

/// The mission's `[email]` table and the SMTP password, refused when the mission has no table
/// or the server no password for its user.
fn smtp_login(
    settings: Option<EmailSettings>,
    dry_run: bool,
) -> Result<(EmailSettings, Option<String>), ApiError> {
    let Some(settings) = settings else {
        return Err(ApiError::Invalid(vec![
            "mission.toml has no [email] table: add from and smtp_host (see docs/formats.md)"
                .into(),
        ]));
    };
    let password = std::env::var("MISSIONMATCH_SMTP_PASSWORD").ok();
    if settings.user.is_some() && password.is_none() && !dry_run {
        return Err(ApiError::Invalid(vec![
            "[email] names a user: start the server with MISSIONMATCH_SMTP_PASSWORD set".into(),
        ]));
    }
    Ok((settings, password))
}

/// Refuses the mission's stored templates (`templates/NAME`) when one cannot be read.
fn check_templates(files: &std::collections::BTreeMap<String, Vec<u8>>) -> Result<(), ApiError> {
    for (name, bytes) in files
        .iter()
        .filter(|(name, _)| name.starts_with("templates/"))
    {
        let base = name.trim_start_matches("templates/");
        crate::mail::template_text(base, bytes)
            .and_then(|text| crate::mail::split_template(base, &text))
            .map_err(|error| ApiError::Invalid(vec![error.to_string()]))?;
    }
    Ok(())
}

/// One send job: what to send for which mission, and how to reach the SMTP server.
struct SendJob {
    id: i64,
    request: SendRequest,
    settings: EmailSettings,
    password: Option<String>,
    /// The job holds the mission's sending lock (all but dry runs).
    locks: bool,
}

impl SendJob {
    /// Composes the letters, then sends those not sent before (or, in a dry run, lists them).
    fn run(self, app: &App, progress: crate::Progress) -> Result<Finished, ApiError> {
        // The mission is free to send again however this job ends.
        struct Done<'a>(&'a App, i64);
        impl Drop for Done<'_> {
            fn drop(&mut self) {
                super::lock(&self.0.sending).remove(&self.1);
            }
        }
        // (`then`, not `then_some`: a guard built and dropped at once would free the mission.)
        let _done = self.locks.then(|| Done(app, self.id));
        (progress.0)(0.0, "composing the messages");
        let letters = letters(app, self.id, self.request.what, &self.request.base_url)?;
        let sent: HashSet<(Side, String)> = app
            .store()
            .messages(self.id)?
            .into_iter()
            .map(|m| (m.side, m.key))
            .collect();
        let sent_before = |letter: &Letter| sent.contains(&(letter.side, letter.key.clone()));
        if self.request.dry_run {
            return Ok(dry_run(&letters, &sent_before));
        }
        self.send(app, &progress, &letters, &sent_before)
    }

    /// Sends the letters not sent before, recording each as the SMTP server accepts it.
    fn send(
        self,
        app: &App,
        progress: &crate::Progress,
        letters: &[Letter],
        sent_before: &dyn Fn(&Letter) -> bool,
    ) -> Result<Finished, ApiError> {
        let settings = &self.settings;
        let mailer = Mailer::new(settings, self.password)
            .map_err(|error| ApiError::Invalid(vec![error.to_string()]))?;
        (progress.0)(0.0, &format!("sending {} messages", letters.len()));
        let delivery = deliver(
            &mailer,
            &settings.from,
            letters,
            sent_before,
            &mut |letter| record_sent(app, self.id, self.request.what, letter),
        )
        .map_err(|error| ApiError::Internal(error.to_string()))?;
        if let Some(reason) = delivery.stopped {
            return Err(ApiError::Internal(format!(
                "{} sent, then the SMTP server {}:{} failed: {reason}; send again to send the rest",
                delivery.sent, settings.smtp_host, settings.smtp_port
            )));
        }
        let failed: Vec<Value> = delivery
            .refused
            .iter()
            .map(|(to, error)| json!({ "to": to, "error": error }))
            .collect();
        Ok(Finished::Result {
            step: format!(
                "{} sent, {} sent earlier, {} refused",
                delivery.sent,
                delivery.skipped,
                failed.len()
            ),
            result: json!({ "sent": delivery.sent, "skipped": delivery.skipped, "failed": failed }),
        })
    }
}

/// A dry run's result: the messages that would be sent (those not sent before), none sent.
fn dry_run(letters: &[Letter], sent_before: &dyn Fn(&Letter) -> bool) -> Finished {
    let due: Vec<Value> = letters
        .iter()
        .filter(|l| !sent_before(l))
        .map(|l| {
            let attachments: Vec<&str> = l.attachments.iter().map(|a| a.name.as_str()).collect();
            json!({
                "participant": l.participant, "to": l.to, "language": l.language,
                "subject": l.subject, "body": l.body, "attachments": attachments,
            })
        })
        .collect();
    let count = due.len();
    Finished::Result {
        step: format!("dry run: {count} messages would be sent; nothing was sent"),
        result: json!({
            "sent": 0, "skipped": letters.len() - count, "failed": [],
            "dry_run": true, "messages": due,
        }),
    }
}

/// Records a letter the SMTP server accepted, so that it goes once.
fn record_sent(app: &App, id: i64, what: What, letter: &Letter) -> crate::Result<()> {
    let record = MessageRecord {
        side: letter.side,
        key: letter.key.clone(),
        participant: letter.participant.clone(),
        to: letter.to.clone(),
        what: what.as_str().to_string(),
        language: letter.language.to_string(),
        subject: letter.subject.clone(),
        sent_at: super::store::now_utc(),
    };
    app.store()
        .record_message(id, &record)
        .map_err(|error| crate::Error::Unsupported(error.to_string()))
}

/// `GET /api/missions/{id}/messages`: what was sent to whom and when, oldest first.
pub fn messages_json(app: &App, id: i64) -> Result<Value, ApiError> {
    app.mission(id)?;
    let messages: Vec<Value> = app
        .store()
        .messages(id)?
        .into_iter()
        .map(|m| {
            json!({
                "participant": m.participant, "kind": m.side.as_str(), "to": m.to, "what": m.what,
                "language": m.language, "subject": m.subject, "sent_at": m.sent_at, "key": m.key,
            })
        })
        .collect();
    Ok(json!({ "messages": messages }))
}
