//! The pages organisers and participants see: server-side HTML (maud, checked when the binary
//! compiles), one stylesheet, a few lines of script on the outcome form. Every page works without
//! script; forms carry the session's CSRF token.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use serde_json::Value;

use super::api;
use super::auth::{Organiser, COOKIE};
use super::{blocking, ApiError, App};
use crate::followup::money;
use crate::publish::html::{agenda_page, grid_page};
use crate::{PublishStatus, Side};

const CSS: &str = include_str!("../../assets/serve.css");
/// The catalogue's look, inside its section: it is also drawn on the agenda page, which has its
/// own stylesheet. Readable at 390 px.
const CATALOGUE_CSS: &str = ".catalogue{font:15px/1.45 system-ui,sans-serif;max-width:860px;margin:24px auto;padding:0 16px}.catalogue .filters{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;margin:8px 0 16px}.catalogue select,.catalogue button{font:inherit;padding:6px 8px}.catalogue ol{list-style:none;padding:0;margin:0}.catalogue li{border:1px solid #d8dde4;border-radius:8px;padding:10px 12px;margin:0 0 10px;overflow-wrap:anywhere}.catalogue h3{font-size:16px;margin:0 0 4px}.catalogue p{margin:2px 0}.catalogue .meta,.catalogue .why{color:#555;font-size:13px}.catalogue .wish{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}.catalogue .wish button{border:1px solid #9aa8b8;border-radius:16px;background:#fff;color:#1f2933;padding:4px 10px;font-size:13px}.catalogue .wish button.chosen{background:#1f5fbf;color:#fff;border-color:#1f5fbf}.catalogue .wish input[type=text]{flex:1 1 160px;font:inherit;font-size:13px;padding:4px 8px}.catalogue .outcome{margin-top:6px;font-size:13px;font-weight:600;color:#1f5f3f}";

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/", get(home))
        .route("/assets/app.css", get(css))
        .route("/missions", post(import))
        .route("/missions/{id}", get(mission))
        .route("/missions/{id}/schedule", post(schedule))
        .route("/missions/{id}/replan", post(replan))
        .route("/missions/{id}/send", post(send))
        .route("/missions/{id}/grid", get(grid))
        .route("/missions/{id}/candidates", get(candidates))
        .route("/missions/{id}/marks/{firm}/{buyer}", post(set_mark))
        .route("/missions/{id}/outcomes", get(outcome_firms))
        .route("/missions/{id}/outcomes/{firm}", get(outcome_form))
        .route("/missions/{id}/outcomes/{firm}/{buyer}", post(save_outcome))
        .route("/missions/{id}/participants", get(participants))
        .route(
            "/missions/{id}/participants/{side}/{pid}",
            post(edit_participant),
        )
        .route("/missions/{id}/walk-in", post(walk_in))
        .route("/missions/{id}/changes", get(changes))
        .route("/missions/{id}/followup", get(followup))
        .route("/missions/{id}/report", get(report))
        .route("/jobs/{job}", get(job))
        .route("/p/{token}", get(participant_page))
        .route("/p/{token}/catalogue.json", get(participant_catalogue))
        .route("/p/{token}/wishes", post(participant_wish_form))
        .route(
            "/p/{token}/wishes/{other}",
            axum::routing::put(participant_wish),
        )
        .route("/p/{token}/agenda.pdf", get(participant_pdf))
        .route("/p/{token}/agenda.ics", get(participant_ics))
}

/// A page that could not be shown: the status and a sentence, as HTML.
pub struct PageError(StatusCode, String);

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> PageError {
        let status = error.status();
        let message = match error {
            ApiError::Unauthorized => {
                "Open the link with ?token=... that `missionmatch serve` printed when it started \
                 (or run `missionmatch serve --new-token` for a new one)."
                    .to_string()
            }
            ApiError::Invalid(problems) => problems.join("\n"),
            other => other.message(),
        };
        PageError(status, message)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let PageError(status, message) = self;
        let title = status.canonical_reason().unwrap_or("Error");
        let body = layout(
            title,
            None,
            html! {
                h1 { (title) }
                div.problems { @for line in message.lines() { p { (line) } } }
                p { a href="/" { "Back to the missions" } }
            },
        );
        (status, body).into_response()
    }
}

type PageResult = Result<Response, PageError>;

fn layout(title: &str, mission: Option<(i64, &str)>, body: Markup) -> Html<String> {
    Html(
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " · missionmatch" }
                    link rel="stylesheet" href="/assets/app.css";
                }
                body {
                    header.top {
                        a.brand href="/" { "missionmatch" }
                        @if let Some((id, name)) = mission {
                            a href={ "/missions/" (id) } { strong { (name) } }
                            nav {
                                a href={ "/missions/" (id) "/grid" } { "Grid" }
                                a href={ "/missions/" (id) "/candidates" } { "Candidates" }
                                a href={ "/missions/" (id) "/participants" } { "Participants" }
                                a href={ "/missions/" (id) "/outcomes" } { "Outcomes" }
                                a href={ "/missions/" (id) "/changes" } { "Changes" }
                                a href={ "/missions/" (id) "/followup" } { "Follow-up" }
                                a href={ "/missions/" (id) "/report" } { "Report" }
                            }
                        }
                    }
                    main { (body) }
                }
            }
        }
        .into_string(),
    )
}

fn csrf_field(organiser: &Organiser) -> Markup {
    html! { input type="hidden" name="csrf" value=(organiser.csrf.clone().unwrap_or_default()); }
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

#[derive(serde::Deserialize)]
struct Login {
    token: Option<String>,
}

/// `/?token=...` logs in (a cookie, then a redirect that drops the token from the address bar);
/// `/` lists the missions.
async fn home(
    State(app): State<Arc<App>>,
    Query(login): Query<Login>,
    organiser: Result<Organiser, ApiError>,
) -> PageResult {
    if let Some(token) = login.token {
        let session = blocking(&app, move |app| {
            if !app.store().is_organiser(&token)? {
                return Err(ApiError::Unauthorized);
            }
            Ok(app.store().new_session()?.0)
        })
        .await?;
        let cookie = format!("{COOKIE}={session}; HttpOnly; SameSite=Strict; Path=/");
        return Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response());
    }
    let organiser = organiser?;
    let missions = blocking(&app, |app| Ok(app.store().missions()?)).await?;
    Ok(layout(
        "Missions",
        None,
        html! {
            h1 { "Missions" }
            @if missions.is_empty() {
                p.muted { "No mission yet: import one below." }
            } @else {
                table {
                    tr { th { "Mission" } th { "Imported" } th { "Schedule" } }
                    @for m in &missions {
                        tr {
                            td { a href={ "/missions/" (m.id) } { (m.name) } }
                            td.muted { (m.created) }
                            td { @match m.latest_version { Some(v) => { "version " (v) }, None => span.muted { "not scheduled" } } }
                        }
                    }
                }
            }
            (import_form(&organiser))
        },
    )
    .into_response())
}

fn import_form(organiser: &Organiser) -> Markup {
    html! {
        h2 { "Import a mission" }
        form.card method="post" action="/missions" enctype="multipart/form-data" {
            (csrf_field(organiser))
            p.muted { "Choose (or drop here) the folder's files: mission.toml, firms.csv or .xlsx, buyers.csv or .xlsx, requests, outcomes; or one .zip of the folder. Or choose the whole folder below." }
            p { label { "Files " input type="file" name="files" multiple accept=".toml,.csv,.xlsx,.zip"; } }
            p { label { "Folder " input type="file" name="folder" webkitdirectory; } }
            button type="submit" { "Import" }
        }
    }
}

async fn import(
    State(app): State<Arc<App>>,
    organiser: Result<Organiser, ApiError>,
    multipart: Multipart,
) -> PageResult {
    let organiser = organiser?;
    let _turn = api::upload_turn().await?;
    let (parts, csrf) = api::read_parts(multipart).await?;
    organiser.check_csrf(csrf.as_deref())?;
    match api::import_parts(&app, parts).await {
        Ok(id) => Ok(Redirect::to(&format!("/missions/{id}")).into_response()),
        Err(ApiError::Invalid(problems)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            layout(
                "Import",
                None,
                html! {
                    h1 { "The mission was not imported" }
                    div.problems {
                        p { (problems.len()) " problem(s); nothing was stored. Fix them in the files and import again:" }
                        ul { @for p in &problems { li { (p) } } }
                    }
                    (import_form(&organiser))
                },
            ),
        )
            .into_response()),
        Err(other) => Err(other.into()),
    }
}

fn mission_id(text: &str) -> Result<i64, PageError> {
    Ok(api::mission_id(text)?)
}

async fn mission(
    State(app): State<Arc<App>>,
    organiser: Result<Organiser, ApiError>,
    Path(id): Path<String>,
) -> PageResult {
    let organiser = organiser?;
    let id = mission_id(&id)?;
    let (row, mission, versions, outcomes) = blocking(&app, move |app| {
        let (row, mission) = app.mission(id)?;
        let versions = app.store().versions(id)?;
        let outcomes = app.store().outcomes(id)?;
        Ok((row, mission, versions, outcomes))
    })
    .await?;
    let summary = crate::summarize(&mission);
    let recorded = outcomes.iter().filter(|o| o.attended.is_some()).count();
    let first_slot = mission
        .slots
        .first()
        .map(|slot| {
            let session = &mission.sessions[slot.session];
            format!("{}T{}", session.date, slot.range.start)
        })
        .unwrap_or_default();
    Ok(layout(
        &mission.name,
        Some((id, &mission.name)),
        html! {
            h1 { (mission.name) }
            div.card {
                span.stat { b { (mission.firms.len()) } "firms" }
                span.stat { b { (mission.buyers.len()) } "buyers" }
                span.stat { b { (mission.sessions.len()) } "sessions" }
                span.stat { b { (mission.slots.len()) } "slots" }
                span.stat { b { (recorded) } "outcomes recorded" }
            }
            h2 { "Sessions" }
            table {
                tr { th { "Session" } th { "Where and when" } th.num { "Slots" } th.num { "Firms" } th.num { "Buyers" } }
                @for s in &summary.sessions {
                    tr { td { (s.id) } td { (s.place_and_time) } td.num { (s.slot_starts.len()) } td.num { (s.firms_available) } td.num { (s.buyers_available) } }
                }
            }
            @if !summary.warnings.is_empty() {
                h2 { "Warnings" }
                ul { @for w in &summary.warnings { li { (w) } } }
            }
            h2 { "Timetable" }
            div.card {
                form.row method="post" action={ "/missions/" (id) "/schedule" } {
                    (csrf_field(&organiser))
                    label { "Time limit (s)" input type="number" name="time_limit" min="0" step="any" placeholder="none"; }
                    label { "Status" select name="status" { option value="draft" { "draft" } option value="final" { "final" } } }
                    button type="submit" { @if row.latest_version.is_some() { "Schedule afresh" } @else { "Schedule" } }
                }
                @if row.latest_version.is_some() {
                    form.row method="post" action={ "/missions/" (id) "/replan" } style="margin-top:12px" {
                        (csrf_field(&organiser))
                        label { "Re-plan from (local time)" input type="datetime-local" name="now" value=(first_slot) required; }
                        button.secondary type="submit" { "Re-plan after today's edits" }
                    }
                }
            }
            h2 { "E-mail to participants" }
            div.card {
                @if mission.email.is_none() {
                    p.muted { "Add an [email] table to mission.toml (from, smtp_host) to send invitations, agendas and changes from here." }
                } @else {
                    form.row method="post" action={ "/missions/" (id) "/send" } {
                        (csrf_field(&organiser))
                        label { "Send" select name="what" {
                            option value="invitations" { "invitations (each participant's link)" }
                            @if row.latest_version.is_some() {
                                option value="agendas" { "agendas of the newest version" }
                                option value="changes" { "changes of the newest re-plan" }
                            }
                        } }
                        label { input type="checkbox" name="dry_run" value="true" checked; " dry run (show, send nothing)" }
                        button.secondary type="submit" { "Send" }
                    }
                    p.muted { "Each message goes once per participant and version; sending again sends only what is missing. " a href={ "/api/missions/" (id) "/messages" } { "What was sent" } }
                }
            }
            @if !versions.is_empty() {
                table {
                    tr { th { "Version" } th { "Made by" } th { "When (UTC)" } th { "" } }
                    @for (version, kind, created) in versions.iter().rev() {
                        tr {
                            td { (version) }
                            td { (kind) }
                            td.muted { (created) }
                            td { a href={ "/api/missions/" (id) "/schedule?version=" (version) } { "schedule.json" } }
                        }
                    }
                }
            }
            p { a.button.secondary href={ "/api/missions/" (id) "/export.zip" } { "Export the mission folder (.zip)" } }
        },
    )
    .into_response())
}

/// A form an organiser sent from a page: logged in, with the session's CSRF token. The mission
/// id and the other fields.
fn form_of(
    organiser: Result<Organiser, ApiError>,
    mut form: BTreeMap<String, String>,
    id: &str,
) -> Result<(i64, BTreeMap<String, String>), ApiError> {
    let organiser = organiser?;
    organiser.check_csrf(form.remove("csrf").as_deref())?;
    Ok((api::mission_id(id)?, form))
}

async fn schedule(
    State(app): State<Arc<App>>,
    organiser: Result<Organiser, ApiError>,
    Path(id): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult {
    let (id, fields) = form_of(organiser, form, &id)?;
    let request = api::ScheduleRequest::from_json(&api::form_object(fields))?;
    let job = blocking(&app, move |app| api::begin_schedule(app, id, request)).await?;
    Ok(Redirect::to(&format!("/jobs/{job}")).into_response())
}

async fn replan(
    State(app): State<Arc<App>>,
    organiser: Result<Organiser, ApiError>,
    Path(id): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult {
    let (id, fields) = form_of(organiser, form, &id)?;
    let (now, allow_moves) = api::replan_request(&api::form_object(fields))?;
    let job = blocking(&app, move |app| {
        api::begin_replan(app, id, now, allow_moves)
    })
    .await?;
    Ok(Redirect::to(&format!("/jobs/{job}")).into_response())
}

async fn send(
    State(app): State<Arc<App>>,
    organiser: Result<Organiser, ApiError>,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult {
    let (id, fields) = form_of(organiser, form, &id)?;
    let request = api::send_request(&api::form_object(fields), app.base_url(&headers))?;
    let job = blocking(&app, move |app| super::mail::begin_send(app, id, request)).await?;
    Ok(Redirect::to(&format!("/jobs/{job}")).into_response())
}

async fn job(
    State(app): State<Arc<App>>,
    organiser: Result<Organiser, ApiError>,
    Path(job): Path<String>,
) -> PageResult {
    organiser?;
    let (state, name) = blocking(&app, move |app| {
        let Some(state) = app.job(&job)? else {
            return Err(ApiError::NotFound(format!("no job {job}")));
        };
        let name = app.mission(state.mission)?.1.name.clone();
        Ok((state, name))
    })
    .await?;
    let finished = matches!(state.state.as_str(), "done" | "failed");
    // What a finished send job came to.
    let sent = (state.kind == "send")
        .then_some(state.result.as_deref())
        .flatten()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok());
    let mission = state.mission;
    let seconds = state.seconds.unwrap_or(0.0);
    let body = html! {
        @if !finished { meta http-equiv="refresh" content="1"; }
        h1 { (match state.kind.as_str() { "replan" => "Re-planning ", "send" => "E-mail for ", _ => "Scheduling " }) (name) }
        div.card {
            p { span class={ "tag " (if state.state == "done" { "done" } else if state.state == "failed" { "cancelled" } else { "" }) } { (state.state) } " after " (format!("{seconds:.1}")) " s" }
            p { (state.step) }
            @if !finished { div.progress { span {} } p.muted { "This page refreshes itself; other pages keep working meanwhile." } }
            @if let Some(error) = &state.error { div.problems { @for line in error.lines() { p { (line) } } } }
            @if let Some(result) = &sent {
                @if let Some(failed) = result["failed"].as_array().filter(|f| !f.is_empty()) {
                    h2 { "Refused" }
                    ul { @for f in failed { li { (f["to"].as_str().unwrap_or("")) ": " (f["error"].as_str().unwrap_or("")) } } }
                }
                @if let Some(messages) = result["messages"].as_array() {
                    h2 { "Would be sent" }
                    table {
                        tr { th { "To" } th { "Language" } th { "Subject" } th { "Attached" } }
                        @for m in messages {
                            tr {
                                td { (m["to"].as_str().unwrap_or("")) }
                                td { (m["language"].as_str().unwrap_or("")) }
                                td { (m["subject"].as_str().unwrap_or("")) }
                                td { @for a in m["attachments"].as_array().into_iter().flatten() { (a.as_str().unwrap_or("")) " " } }
                            }
                        }
                    }
                    @if let Some(first) = messages.first() {
                        h2 { "The first, as it will read" }
                        pre style="white-space:pre-wrap" { (first["body"].as_str().unwrap_or("")) }
                    }
                }
                p { a.button.secondary href={ "/missions/" (state.mission) } { "Back to the mission" } }
            } @else if state.state == "done" {
                p {
                    a.button href={ "/missions/" (state.mission) "/grid" } { "Open the venue grid" } " "
                    a.button.secondary href={ "/missions/" (state.mission) } { "Back to the mission" }
                }
            }
        }
    };
    Ok(layout("Job", Some((mission, &name)), body).into_response())
}

async fn grid(
    State(app): State<Arc<App>>,
    organiser: Result<Organiser, ApiError>,
    Path(id): Path<String>,
) -> PageResult {
    organiser?;
    let id = mission_id(&id)?;
    let page = blocking(&app, move |app| {
        let (mission, timetable) = app.timetable(id)?;
        let timetable = timetable.ok_or_else(|| {
            ApiError::Conflict("no schedule yet: schedule the mission first".into())
        })?;
        Ok(grid_page(&mission, &timetable.meetings, timetable.status))
    })
    .await?;
    Ok(Html(page).into_response())
}

async fn candidates(
    State(app): State<Arc<App>>,
    organiser: Result<Organiser, ApiError>,
    Path(id): Path<String>,
) -> PageResult {
    let organiser = organiser?;
    let id = mission_id(&id)?;
    let (mission, candidates) = blocking(&app, move |app| {
        let (_, mission) = app.mission(id)?;
        let candidates = match app.store().schedule(id, None)? {
            Some(version) => crate::parse_candidates(
                "candidates.csv",
                version
                    .candidates_csv
                    .as_deref()
                    .unwrap_or_default()
                    .as_bytes(),
                &mission,
            )
            .map_err(|error| ApiError::from(super::work::WorkError::from(error)))?,
            None => Vec::new(),
        };
        Ok((mission, candidates))
    })
    .await?;
    let mut by_firm: BTreeMap<usize, Vec<&crate::Candidate>> = BTreeMap::new();
    for candidate in &candidates {
        by_firm.entry(candidate.firm).or_default().push(candidate);
    }
    // The organiser's marks (requests without a side), and what either side asked.
    let mut marks: BTreeMap<(String, String), &'static str> = BTreeMap::new();
    let mut asked: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for request in mission.requests.iter().filter(|r| !r.wish) {
        let pair = (request.firm.0.clone(), request.buyer.0.clone());
        match request.from {
            None => {
                marks.insert(pair, request.kind.as_str());
            }
            Some(side) => asked.entry(pair).or_default().push(format!(
                "{} by the {}",
                request.kind.as_str(),
                side.as_str()
            )),
        }
    }
    // The participants' own wishes (contract v3), as they asked them; the organiser's mark on
    // the pair overrides them.
    for wish in &mission.wishes {
        let pair = (wish.firm.0.clone(), wish.buyer.0.clone());
        let side = if wish.from == Some(Side::Buyer) {
            "buyer"
        } else {
            "firm"
        };
        let who = wish.wished_by().unwrap_or_default();
        let kind = match wish.kind {
            crate::RequestKind::Avoid => "no thanks",
            other => other.as_str(),
        };
        let note = if wish.note.is_empty() {
            String::new()
        } else {
            format!(": \"{}\"", wish.note)
        };
        asked
            .entry(pair)
            .or_default()
            .push(format!("{kind} (wish of the {side} {who}{note})"));
    }
    Ok(layout(
        "Candidates",
        Some((id, &mission.name)),
        html! {
            h1 { "Candidates" }
            @if candidates.is_empty() { p.muted { "The candidates appear with the first schedule." } }
            @for (index, firm) in mission.firms.iter().enumerate() {
                @if let Some(list) = by_firm.get(&index) {
                    h2 id={ "f-" (firm.id.0) } { (firm.name) " " span.muted { (firm.id.0) } }
                    table {
                        tr { th { "Buyer" } th.num { "Relevance" } th.num { "Expected value" } th { "Why" } th { "Mark" } }
                        @for candidate in list.iter().take(15) {
                            @let buyer = &mission.buyers[candidate.buyer];
                            @let pair = (firm.id.0.clone(), buyer.id.0.clone());
                            @let current = marks.get(&pair).copied().unwrap_or("");
                            tr {
                                td { (buyer.id) " " span.muted { (buyer.company) } }
                                td.num { (format!("{:.2}", candidate.relevance)) }
                                td.num { (money(candidate.expected_value_usd)) }
                                td { (candidate.reasons.join("; ")) @if let Some(a) = asked.get(&pair) { br; span.tag { (a.join(", ")) } } }
                                td {
                                    form.inline method="post" action={ "/missions/" (id) "/marks/" (pair.0) "/" (pair.1) } {
                                        (csrf_field(&organiser))
                                        select name="kind" aria-label="mark" {
                                            @for kind in ["", "must", "want", "request", "avoid"] {
                                                option value=(kind) selected[kind == current] { (if kind.is_empty() { "—" } else { kind }) }
                                            }
                                        }
                                        " "
                                        button.secondary type="submit" style="padding:6px 10px" { "Set" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response())
}

async fn set_mark(
    State(app): State<Arc<App>>,
    organiser: Result<Organiser, ApiError>,
    Path((id, firm, buyer)): Path<(String, String, String)>,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult {
    let (id, fields) = form_of(organiser, form, &id)?;
    let kind = fields.get("kind").cloned().unwrap_or_default();
    let anchor = firm.clone();
    blocking(&app, move |app| api::mark(app, id, &firm, &buyer, &kind)).await?;
    Ok(Redirect::to(&format!("/missions/{id}/candidates#f-{anchor}")).into_response())
}

async fn outcome_firms(
    State(app): State<Arc<App>>,
    organiser: Result<Organiser, ApiError>,
    Path(id): Path<String>,
) -> PageResult {
    organiser?;
    let id = mission_id(&id)?;
    let (mission, timetable) = blocking(&app, move |app| app.timetable(id)).await?;
    let count = |firm: &str| {
        timetable
            .as_ref()
            .map(|t| t.meetings.iter().filter(|m| m.firm.0 == firm).count())
            .unwrap_or(0)
    };
    Ok(layout(
        "Outcomes",
        Some((id, &mission.name)),
        html! {
            h1 { "Record outcomes" }
            p.muted { "Choose the firm whose table you are at." }
            @for firm in &mission.firms {
                p { a.button.secondary style="width:100%;text-align:left" href={ "/missions/" (id) "/outcomes/" (firm.id.0) } { (firm.name) " · " (count(&firm.id.0)) " meetings" } }
            }
        },
    )
    .into_response())
}

/// Submits each meeting's form in the background and says "saved" under it; without script
/// the form posts and the page comes back at the same meeting.
const OUTCOME_SCRIPT: &str = r#"
document.querySelectorAll('form.meeting').forEach(function (form) {
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var status = form.querySelector('.saved');
    status.className = 'saved'; status.textContent = 'Saving…';
    fetch(form.action, { method: 'POST', body: new URLSearchParams(new FormData(form)),
                         headers: { 'Accept': 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.json().then(function (b) { return [r.ok, b]; }); })
      .then(function (res) {
        if (res[0]) { status.textContent = 'Saved ✓'; }
        else { status.className = 'saved error'; status.textContent = (res[1].problems || [res[1].error]).join('; '); }
      })
      .catch(function () { status.className = 'saved error'; status.textContent = 'Not saved: no connection. Try again.'; });
  });
});
"#;

async fn outcome_form(
    State(app): State<Arc<App>>,
    organiser: Result<Organiser, ApiError>,
    Path((id, firm)): Path<(String, String)>,
) -> PageResult {
    let organiser = organiser?;
    let id = mission_id(&id)?;
    let (mission, timetable, outcomes) = blocking(&app, move |app| {
        let (mission, timetable) = app.timetable(id)?;
        Ok((mission, timetable, app.store().outcomes(id)?))
    })
    .await?;
    let agenda = timetable
        .as_ref()
        .and_then(|t| t.firms.iter().find(|a| a.id == firm).cloned());
    let Some(agenda) = agenda else {
        return Err(ApiError::NotFound(format!("firm {firm} has no meetings")).into());
    };
    let recorded: BTreeMap<&str, &crate::Outcome> = outcomes
        .iter()
        .filter(|o| o.firm.as_str() == firm)
        .map(|o| (o.buyer.as_str(), o))
        .collect();
    let body = html! {
        h1 { (agenda.name) }
        p.muted { (agenda.entries.len()) " meetings, in time order" }
        @for entry in &agenda.entries {
            @let session = &mission.sessions[entry.session];
            @let o = recorded.get(entry.with_id.as_str());
            @let attended = o.and_then(|o| o.attended);
            @let interest = o.and_then(|o| o.interest);
            @let amount = |v: Option<f64>| v.map(|v| format!("{v}")).unwrap_or_default();
            form.meeting id={ "m-" (entry.with_id) } method="post" action={ "/missions/" (id) "/outcomes/" (firm) "/" (entry.with_id) } {
                (csrf_field(&organiser))
                h3 { (entry.with_name) }
                div.when { (session.date.to_string()) " " (entry.range.start.to_string()) "–" (entry.range.end.to_string()) " · " (entry.place) " · " (entry.with_country) }
                fieldset {
                    legend { "Attended" }
                    div.choices {
                        label { input type="radio" name="attended" value="yes" checked[attended == Some(true)]; span { "Yes" } }
                        label { input type="radio" name="attended" value="no" checked[attended == Some(false)]; span { "No-show" } }
                    }
                }
                fieldset {
                    legend { "Interest (0 none – 5 ready to order)" }
                    div.choices {
                        @for level in 0..=5u8 {
                            label { input type="radio" name="interest" value=(level) checked[interest == Some(level)]; span { (level) } }
                        }
                    }
                }
                fieldset {
                    div.amounts {
                        label { "Consultation (USD)" input type="text" inputmode="decimal" name="consultation_usd" value=(amount(o.and_then(|o| o.consultation_usd))); }
                        label { "Contract (USD)" input type="text" inputmode="decimal" name="contract_usd" value=(amount(o.and_then(|o| o.contract_usd))); }
                    }
                }
                fieldset {
                    legend { "Next step" }
                    select name="next_step" {
                        @let step = o.and_then(|o| o.next_step).map_or("", |s| s.as_str());
                        option value="" selected[step.is_empty()] { "—" }
                        @for s in ["quote", "sample", "visit", "none"] { option value=(s) selected[step == s] { (s) } }
                    }
                }
                fieldset {
                    legend { "Note" }
                    textarea name="note" rows="2" { (o.map(|o| o.note.as_str()).unwrap_or_default()) }
                }
                button type="submit" { "Save" }
                div.saved { @if o.is_some_and(|o| o.attended.is_some()) { "Recorded" } }
            }
        }
        script { (PreEscaped(OUTCOME_SCRIPT)) }
    };
    Ok(layout(&agenda.name, Some((id, &mission.name)), body).into_response())
}

async fn save_outcome(
    State(app): State<Arc<App>>,
    organiser: Result<Organiser, ApiError>,
    Path((id, firm, buyer)): Path<(String, String, String)>,
    headers: axum::http::HeaderMap,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, ApiError> {
    let (id, fields) = form_of(organiser, form, &id)?;
    let map = api::form_object(fields);
    let (firm2, buyer2) = (firm.clone(), buyer.clone());
    let outcome = blocking(&app, move |app| {
        let outcome = api::outcome_of(&firm2, &buyer2, &map)?;
        api::record_outcome(app, id, &outcome)?;
        Ok(outcome)
    })
    .await?;
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if wants_json {
        return Ok(axum::Json(api::outcome_json(&outcome)).into_response());
    }
    Ok(Redirect::to(&format!("/missions/{id}/outcomes/{firm}#m-{buyer}")).into_response())
}

async fn participants(
    State(app): State<Arc<App>>,
    organiser: Result<Organiser, ApiError>,
    Path(id): Path<String>,
) -> PageResult {
    let organiser = organiser?;
    let id = mission_id(&id)?;
    let (mission, list) = blocking(&app, move |app| {
        let (_, mission) = app.mission(id)?;
        Ok((mission, api::participant_list(app, id)?))
    })
    .await?;
    let status = |kind: &str, pid: &str| -> &'static str {
        match kind {
            "firm" => mission
                .firm_index(&crate::FirmId(pid.to_string()))
                .map(|i| mission.firms[i].status.as_str()),
            _ => mission
                .buyer_index(&crate::BuyerId(pid.to_string()))
                .map(|i| mission.buyers[i].status.as_str()),
        }
        .unwrap_or("active")
    };
    Ok(layout(
        "Participants",
        Some((id, &mission.name)),
        html! {
            h1 { "Participants" }
            p.muted { "Each link shows that participant's own agenda (page, PDF, calendar) and nothing else. Cancel on the day, then re-plan from the mission page. Where a participant gave no HS codes, the headings the matcher inferred from its text are shown with the words they came from: write the right codes into its row to confirm or correct them." }
            table {
                tr { th { "Kind" } th { "Id" } th { "Name" } th { "HS codes" } th { "Status" } th { "Agenda link" } th { "" } }
                @for p in &list {
                    @let (kind, pid) = (p.kind, &p.id);
                    @let state = status(kind, pid);
                    tr {
                        td { (kind) } td { (pid) } td { (p.name) }
                        td { (hs_codes(p)) }
                        td { span class={ "tag " (state) } { (state) } }
                        td { @if let Some(link) = &p.link { a href=(link) { (link) } } @else { span.muted { "after scheduling" } } }
                        td {
                            form.inline method="post" action={ "/missions/" (id) "/participants/" (kind) "/" (pid) } {
                                (csrf_field(&organiser))
                                @if state == "cancelled" {
                                    input type="hidden" name="status" value="active";
                                    button.secondary type="submit" { "Reinstate" }
                                } @else {
                                    input type="hidden" name="status" value="cancelled";
                                    button.danger type="submit" { "Cancel" }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Add a walk-in buyer" }
            form.card.row method="post" action={ "/missions/" (id) "/walk-in" } {
                (csrf_field(&organiser))
                label { "Id" input type="text" name="id" required; }
                label { "Company" input type="text" name="company" required; }
                label { "Country" input type="text" name="country" required size="4"; }
                label { "Interests" input type="text" name="interests"; }
                label { "Sessions (blank: all)" input type="text" name="sessions"; }
                button type="submit" { "Add" }
            }
        },
    )
    .into_response())
}

/// A participant's HS codes as given, or else the headings inferred from its text: code,
/// description and the words it came from.
fn hs_codes(participant: &api::ParticipantEntry) -> Markup {
    let given = &participant.hs_codes;
    let inferred = &participant.inferred_headings;
    html! {
        @if !given.is_empty() {
            (given.join(", "))
        } @else if inferred.is_empty() {
            span.muted { "none" }
        } @else {
            @for heading in inferred {
                div {
                    b { (heading.code) } " " (heading.description)
                    @if !heading.words.is_empty() {
                        " " span.muted { "(inferred from: " (heading.words.join(", ")) ")" }
                    } @else {
                        " " span.muted { "(inferred)" }
                    }
                }
            }
        }
    }
}

async fn edit_participant(
    State(app): State<Arc<App>>,
    organiser: Result<Organiser, ApiError>,
    Path((id, side, pid)): Path<(String, String, String)>,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult {
    let (id, form) = form_of(organiser, form, &id)?;
    let side = if side == "firm" {
        Side::Firm
    } else {
        Side::Buyer
    };
    blocking(&app, move |app| api::edit(app, id, side, &pid, &form)).await?;
    Ok(Redirect::to(&format!("/missions/{id}/participants")).into_response())
}

async fn walk_in(
    State(app): State<Arc<App>>,
    organiser: Result<Organiser, ApiError>,
    Path(id): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult {
    let (id, mut form) = form_of(organiser, form, &id)?;
    form.retain(|_, v| !v.trim().is_empty());
    blocking(&app, move |app| api::walk_in(app, id, &form)).await?;
    Ok(Redirect::to(&format!("/missions/{id}/participants")).into_response())
}

async fn changes(
    State(app): State<Arc<App>>,
    organiser: Result<Organiser, ApiError>,
    Path(id): Path<String>,
) -> PageResult {
    organiser?;
    let id = mission_id(&id)?;
    let (mission, all) = blocking(&app, move |app| {
        let (_, mission) = app.mission(id)?;
        Ok((mission, api::changes_between(app, id, Some(0), None)?))
    })
    .await?;
    let rows = all.changes;
    Ok(layout(
        "Changes",
        Some((id, &mission.name)),
        html! {
            h1 { "The day's changes" }
            @if rows.is_empty() { p.muted { "No re-planning yet." } }
            @else {
                table {
                    tr { th { "Version" } th { "Change" } th { "Firm" } th { "Buyer" } th { "Was" } th { "Now" } th { "Tell" } th { "Why" } }
                    @for change in rows.iter().rev() {
                        @let r = &change.row;
                        tr {
                            td { (change.version) } td { (r.change) } td { (r.firm) } td { (r.buyer) }
                            td { (r.old_start) " " (r.old_place) } td { (r.new_start) " " (r.new_place) }
                            td { (r.tell.join(";")) } td { (r.reason) }
                        }
                    }
                }
            }
        },
    )
    .into_response())
}

async fn followup(
    State(app): State<Arc<App>>,
    organiser: Result<Organiser, ApiError>,
    Path(id): Path<String>,
) -> PageResult {
    organiser?;
    let id = mission_id(&id)?;
    let (mission, rows) = blocking(&app, move |app| api::followup_rows(app, id)).await?;
    Ok(layout(
        "Follow-up",
        Some((id, &mission.name)),
        html! {
            h1 { "Buyers to follow up" }
            p.muted { "Most valuable first, from the outcomes recorded so far." }
            table {
                tr { th { "Buyer" } th { "Flag" } th.num { "Priority" } th { "With" } th { "Next" } th { "Due" } th { "Why" } }
                @for r in &rows {
                    @let buyer = &mission.buyers[r.buyer];
                    tr {
                        td { (buyer.id) " " span.muted { (buyer.company) } }
                        td { span.tag { (r.flag.as_str()) } }
                        td.num { (money(r.priority)) }
                        td { (r.firms.join(", ")) }
                        td { (r.next_action) }
                        td style="white-space:nowrap" { (r.due.to_string()) }
                        td { (r.reasons.join("; ")) }
                    }
                }
            }
        },
    )
    .into_response())
}

/// A horizontal bar chart: one row a label, one bar a series (plain SVG).
fn bar_chart(rows: &[(String, Vec<f64>)], series: &[(&str, &str)]) -> Markup {
    let largest = rows
        .iter()
        .flat_map(|(_, values)| values.iter().copied())
        .fold(0.0f64, f64::max)
        .max(1.0);
    let (label_width, bar_width, row_height) = (170.0, 460.0, 14.0 * series.len() as f64 + 10.0);
    let height = rows.len() as f64 * row_height + 24.0;
    html! {
        svg viewBox={ "0 0 " (label_width + bar_width + 110.0) " " (height) } width="100%" role="img" {
            @for (i, (label, values)) in rows.iter().enumerate() {
                @let y = i as f64 * row_height;
                text x="0" y=(y + row_height / 2.0 + 4.0) { (label.chars().take(24).collect::<String>()) }
                @for (j, value) in values.iter().enumerate() {
                    @let width = value / largest * bar_width;
                    rect x=(label_width) y=(y + 3.0 + j as f64 * 14.0) width=(width.max(0.5)) height="12" fill=(series[j].1) {}
                    text x=(label_width + width + 4.0) y=(y + 13.0 + j as f64 * 14.0) { (money(*value)) }
                }
            }
            @for (j, (name, colour)) in series.iter().enumerate() {
                rect x=(label_width + j as f64 * 160.0) y=(height - 14.0) width="12" height="12" fill=(colour) {}
                text x=(label_width + 16.0 + j as f64 * 160.0) y=(height - 4.0) { (name) }
            }
        }
    }
}

async fn report(
    State(app): State<Arc<App>>,
    organiser: Result<Organiser, ApiError>,
    Path(id): Path<String>,
) -> PageResult {
    organiser?;
    let id = mission_id(&id)?;
    let (mission, report, scheduled) = blocking(&app, move |app| {
        let (_, timetable) = app.timetable(id)?;
        let mut scheduled: BTreeMap<String, f64> = BTreeMap::new();
        for meeting in timetable.iter().flat_map(|t| &t.meetings) {
            *scheduled.entry(meeting.firm.0.clone()).or_default() += 1.0;
        }
        let (mission, report) = api::report_of(app, id)?;
        Ok((mission, report, scheduled))
    })
    .await?;
    // Firms by name, countries by code.
    let label = |key: &str| -> String {
        mission
            .firm_index(&crate::FirmId(key.to_string()))
            .map(|i| mission.firms[i].name.clone())
            .unwrap_or_else(|| key.to_string())
    };
    let amounts = |scope: &BTreeMap<String, crate::Totals>| -> Vec<(String, Vec<f64>)> {
        scope
            .iter()
            .map(|(k, v)| (label(k), vec![v.consultation_usd, v.contract_usd]))
            .collect()
    };
    let meetings: Vec<(String, Vec<f64>)> = report
        .per_firm
        .iter()
        .map(|(k, v)| {
            let planned = scheduled.get(k).copied().unwrap_or(0.0);
            (label(k), vec![planned, v.meetings_held as f64])
        })
        .collect();
    let total = &report.total;
    let amount_series = [("consultation", "#1f5fbf"), ("contract", "#17803d")];
    Ok(layout(
        "Report",
        Some((id, &mission.name)),
        html! {
            h1 { "Mission results" }
            div.card {
                span.stat { b { (total.companies_met) } "companies met" }
                span.stat { b { (total.meetings_held) } "meetings held" }
                span.stat { b { (total.no_shows) } "no-shows" }
                span.stat { b { (money(total.consultation_usd)) } "consultation " (mission.currency) }
                span.stat { b { (money(total.contract_usd)) } "contract " (mission.currency) }
            }
            @if report.meetings_unrecorded > 0 {
                p.muted { (report.meetings_unrecorded) " of " (report.meetings_scheduled) " meetings have no outcome recorded yet and are counted in no figure." }
            }
            h2 { "Per country" }
            div.card { (bar_chart(&amounts(&report.per_country), &amount_series)) }
            h2 { "Per firm" }
            div.card { (bar_chart(&amounts(&report.per_firm), &amount_series)) }
            h2 { "Meetings per firm" }
            div.card { (bar_chart(&meetings, &[("scheduled", "#9aa8b8"), ("held", "#7a4cc2")])) }
            p { a href={ "/api/missions/" (id) "/report" } { "report.json" } }
        },
    )
    .into_response())
}

/// The participant behind a link, its agenda (if it has meetings) and the mission.
fn participant_agenda(
    app: &App,
    token: &str,
) -> Result<
    (
        i64,
        Arc<crate::Mission>,
        crate::publish::Agenda,
        PublishStatus,
    ),
    ApiError,
> {
    let not_found = || ApiError::NotFound("no such link".into());
    let link = app.store().participant(token)?.ok_or_else(not_found)?;
    let (mission, timetable) = app.timetable(link.mission)?;
    let timetable = timetable.ok_or_else(not_found)?;
    let agenda = timetable
        .agenda(&mission, link.side, &link.participant)
        .ok_or_else(not_found)?;
    Ok((link.mission, mission, agenda, timetable.status))
}

/// A participant's page: its agenda once a timetable exists, and its catalogue from import on
/// (contract v3), filtered by the `sector` and `city` of the query.
async fn participant_page(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> PageResult {
    let page = blocking(&app, move |app| {
        let link = app
            .store()
            .participant(&token)?
            .ok_or_else(|| ApiError::NotFound("no such link".into()))?;
        let catalogue = app.catalogue(&link)?;
        let filter = super::catalogue::Filter {
            sector: query.get("sector").cloned().unwrap_or_default(),
            city: query.get("city").cloned().unwrap_or_default(),
        };
        let section = catalogue_section(&token, &catalogue, &filter).into_string();
        let (_, timetable) = app.timetable(link.mission)?;
        if timetable.is_none() {
            let (_, mission) = app.mission(link.mission)?;
            let title = format!("{} - {}", catalogue.participant.name, mission.name);
            let lang = if link.side == Side::Firm { "ko" } else { "en" };
            return Ok(participant_shell(&title, lang, &mission.name, &section));
        }
        let (_, mission, agenda, status) = participant_agenda(app, &token)?;
        let links = format!(
            "<body>\n<p class=\"links\" style=\"font:14px system-ui,sans-serif;margin:8px 16px\"><a href=\"/p/{token}/agenda.pdf\">PDF</a> · <a href=\"/p/{token}/agenda.ics\">Add to calendar</a> · <a href=\"#catalogue\">Catalogue</a></p>\n"
        );
        Ok(agenda_page(&mission, &agenda, status)
            .replacen("<body>\n", &links, 1)
            .replacen("</body>", &format!("{section}</body>"), 1))
    })
    .await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Html(page)).into_response())
}

/// `GET /p/TOKEN/catalogue.json` (contract v3).
async fn participant_catalogue(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let catalogue = blocking(&app, move |app| {
        let link = app
            .store()
            .participant(&token)?
            .ok_or_else(|| ApiError::NotFound("no such link".into()))?;
        app.catalogue(&link)
    })
    .await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], axum::Json(catalogue)).into_response())
}

/// `PUT /p/TOKEN/wishes/{other}` with `{"wish": ..., "note": ...}` (contract v3).
async fn participant_wish(
    State(app): State<Arc<App>>,
    Path((token, other)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let map = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(map)) => map,
        _ => {
            return Err(ApiError::BadRequest(
                "the body must be a JSON object".into(),
            ))
        }
    };
    if let Some(key) = map.keys().find(|k| !["wish", "note"].contains(&k.as_str())) {
        return Err(ApiError::Invalid(vec![format!(
            "{key}: unknown field (known: wish, note)"
        )]));
    }
    let text = |key: &str| match map.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(text)) => Ok(text.clone()),
        Some(other) => Err(ApiError::Invalid(vec![format!(
            "{key}: expected text, not {other}"
        )])),
    };
    let (wish, note) = (text("wish")?, text("note")?);
    let answer = blocking(&app, move |app| {
        api::set_wish(app, &token, &other, &wish, &note)
    })
    .await?;
    Ok(axum::Json(answer).into_response())
}

/// The wish form of a participant's page (no script): `other`, `wish`, `note`; back to the page.
async fn participant_wish_form(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, ApiError> {
    let field = |key: &str| form.get(key).cloned().unwrap_or_default();
    let (other, wish, note) = (field("other"), field("wish"), field("note"));
    let back = format!("/p/{token}#{other}");
    blocking(&app, move |app| {
        api::set_wish(app, &token, &other, &wish, &note)
    })
    .await?;
    Ok(Redirect::to(&back).into_response())
}

/// A participant's page before a timetable exists: the mission's name and the catalogue, in
/// the organiser's stylesheet, without the organiser's navigation.
fn participant_shell(title: &str, lang: &str, mission: &str, section: &str) -> String {
    html! {
        (DOCTYPE)
        html lang=(lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                link rel="stylesheet" href="/assets/app.css";
            }
            body {
                header.top { span.brand { (mission) } }
                main {
                    p.muted {
                        @if lang == "ko" { "상담 일정은 아직 없습니다. 주최 측이 발표하면 여기에 표시됩니다. · " }
                        "No timetable yet: it appears here once the organiser publishes it."
                    }
                    (PreEscaped(section))
                }
            }
        }
    }
    .into_string()
}

/// The wish buttons of a catalogue entry: the contract's value and what the viewer reads
/// (Korean and English for firms).
fn wish_labels(firm_viewer: bool) -> [(&'static str, &'static str); 3] {
    if firm_viewer {
        [
            ("must", "꼭 만나고 싶음 · Must meet"),
            ("want", "만나고 싶음 · Would like"),
            ("avoid", "사양 · No thanks"),
        ]
    } else {
        [
            ("must", "Must meet"),
            ("want", "Would like"),
            ("avoid", "No thanks"),
        ]
    }
}

/// The catalogue as a page section: a buyer sees the firms, a firm its candidate buyers, best
/// matches first, each with what it makes or seeks, its HS headings, city and booth and why it
/// matches; a form (no script) filters by sector and city.
fn catalogue_section(
    token: &str,
    catalogue: &super::catalogue::Catalogue,
    filter: &super::catalogue::Filter,
) -> Markup {
    let (sectors, cities) = super::catalogue::choices(&catalogue.entries);
    let firm_viewer = catalogue.participant.kind == "firm";
    let shown: Vec<&super::catalogue::Entry> = catalogue
        .entries
        .iter()
        .filter(|entry| filter.keeps(&entry.profile))
        .collect();
    html! {
        section.catalogue id="catalogue" {
            style { (PreEscaped(CATALOGUE_CSS)) }
            @if let Some(until) = &catalogue.wishes_until {
                p.muted {
                    @if catalogue.wishes_open { "Wishes open until " (until) } @else { "Wishes closed at " (until) }
                }
            }
            h2 {
                @if firm_viewer { "후보 바이어 Candidate buyers" } @else { "Korean firms at this mission" }
            }
            form.filters method="get" action={ "/p/" (token) } {
                label { "Sector " select name="sector" {
                    option value="" { "all" }
                    @for sector in &sectors {
                        option value=(sector) selected[*sector == filter.sector] { (sector) }
                    }
                } }
                label { "City " select name="city" {
                    option value="" { "all" }
                    @for city in &cities {
                        option value=(city) selected[*city == filter.city] { (city) }
                    }
                } }
                button type="submit" { "Filter" }
            }
            @if shown.is_empty() {
                p.muted { "Nothing to show with these filters." }
            }
            ol.entries {
                @for entry in &shown {
                    li id=(entry.profile.id) {
                        h3 {
                            (entry.profile.name)
                            @if !entry.profile.name_en.trim().is_empty() && entry.profile.name_en != entry.profile.name {
                                " (" (entry.profile.name_en) ")"
                            }
                        }
                        @if !entry.profile.products.trim().is_empty() {
                            p.products { (entry.profile.products) }
                        }
                        p.meta {
                            @if !entry.profile.hs.is_empty() { "HS " (entry.profile.hs.join(", ")) " · " }
                            (entry.profile.city)
                            @if !entry.profile.booth.is_empty() { " · Booth " (entry.profile.booth) }
                            @if !entry.profile.country.is_empty() { " · " (entry.profile.country) }
                        }
                        @if !entry.why.is_empty() {
                            p.why { (entry.why.join("; ")) }
                        }
                        @if let Some(outcome) = &entry.wish_outcome {
                            p.outcome { (outcome) }
                        }
                        @if !catalogue.wishes_open {
                            @if let Some(wish) = entry.wish { p.meta { "Your wish: " (wish) } }
                        } @else {
                        form.wish method="post" action={ "/p/" (token) "/wishes" } {
                            input type="hidden" name="other" value=(entry.profile.id);
                            @for (value, label) in wish_labels(firm_viewer) {
                                button type="submit" name="wish" value=(value)
                                    aria-pressed=(if entry.wish == Some(value) { "true" } else { "false" })
                                    class=(if entry.wish == Some(value) { "chosen" } else { "" }) { (label) }
                            }
                            @if entry.wish.is_some() {
                                button type="submit" name="wish" value="" { @if firm_viewer { "취소 · " } "Clear" }
                            }
                            input type="text" name="note" value=(entry.wish_note) placeholder="note (optional)" maxlength="500";
                        }
                        }
                    }
                }
            }
        }
    }
}

async fn participant_pdf(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let bytes = blocking(&app, move |app| {
        let (_, mission, agenda, status) = participant_agenda(app, &token)?;
        crate::agenda_pdf(&mission, &agenda, status)
            .map_err(|error| ApiError::Internal(error.to_string()))
    })
    .await?;
    // A participant's agenda names people and contacts: no cache keeps it (contract v3).
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        bytes,
    )
        .into_response())
}

async fn participant_ics(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let text = blocking(&app, move |app| {
        let (mission_id, mission, agenda, status) = participant_agenda(app, &token)?;
        let previous = app.calendar_before(mission_id)?;
        let stamp = super::store::now_utc().replace(['-', ':'], "");
        let (calendar, _) =
            crate::publish::ics::calendar(&mission, &agenda, status, &previous, &stamp);
        Ok(calendar)
    })
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response())
}
