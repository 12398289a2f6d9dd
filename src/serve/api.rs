//! The JSON API of docs/api.md, and the operations the pages share with it.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::auth::Organiser;
use super::{blocking, work, ApiError, App};
use crate::{Mission, Moment, Outcome, PublishStatus, Side};

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/api/missions", post(import).get(list))
        .route("/api/missions/{id}", get(show))
        .route(
            "/api/missions/{id}/schedule",
            post(start_schedule).get(schedule_version),
        )
        .route("/api/missions/{id}/replan", post(start_replan))
        .route("/api/jobs/{job}", get(job))
        .route("/api/missions/{id}/changes", get(changes))
        .route("/api/missions/{id}/buyers", post(add_buyer))
        .route("/api/missions/{id}/buyers/{buyer}", patch(edit_buyer))
        .route("/api/missions/{id}/firms/{firm}", patch(edit_firm))
        .route(
            "/api/missions/{id}/outcomes/{firm}/{buyer}",
            put(put_outcome),
        )
        .route(
            "/api/missions/{id}/requests/{firm}/{buyer}",
            put(put_request),
        )
        .route("/api/missions/{id}/followup", get(followup))
        .route("/api/missions/{id}/report", get(report))
        .route("/api/missions/{id}/export.zip", get(export))
        .route("/api/missions/{id}/participants", get(participants))
        .route("/api/missions/{id}/wishes", get(wishes))
        .route("/api/missions/{id}/send", post(start_send))
        .route("/api/missions/{id}/messages", get(messages))
}

/// A mission id from the path; anything else is a mission that does not exist.
pub fn mission_id(text: &str) -> Result<i64, ApiError> {
    text.parse()
        .map_err(|_| ApiError::NotFound(format!("no mission {text}")))
}

/// A JSON object from a body; an empty body is `{}`. Malformed JSON is 400.
fn object(body: &[u8]) -> Result<serde_json::Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::BadRequest(
            "the body must be a JSON object".into(),
        )),
        Err(error) => Err(ApiError::BadRequest(format!("malformed JSON: {error}"))),
    }
}

/// Refuses keys the endpoint does not know (a typo must not be silently ignored).
fn known_keys(map: &serde_json::Map<String, Value>, known: &[&str]) -> Result<(), ApiError> {
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        Some(key) => Err(ApiError::Invalid(vec![format!(
            "{key}: unknown field (known: {})",
            known.join(", ")
        )])),
        None => Ok(()),
    }
}

/// A field as text: strings as they are, numbers written out, null and absent as empty.
fn text_field(map: &serde_json::Map<String, Value>, key: &str) -> Result<String, ApiError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(Value::Bool(b)) => Ok(if *b { "yes".into() } else { "no".into() }),
        Some(other) => Err(ApiError::Invalid(vec![format!(
            "{key}: expected text or a number, not {other}"
        )])),
    }
}

/// Uploads received and checked at once: each may hold a body of `BODY_LIMIT` and what its
/// files unpack to, so the server's memory stays bounded however many arrive (a body is not
/// read until its upload's turn).
static UPLOADS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// An upload's turn: held while its body is read and its mission checked.
pub async fn upload_turn() -> Result<tokio::sync::SemaphorePermit<'static>, ApiError> {
    UPLOADS
        .acquire()
        .await
        .map_err(|_| ApiError::Internal("the upload queue is closed".into()))
}

/// The parts of a multipart upload by file name, and the `csrf` field of a page's form.
pub async fn read_parts(
    mut multipart: Multipart,
) -> Result<(Vec<(String, Vec<u8>)>, Option<String>), ApiError> {
    let mut parts = Vec::new();
    let mut csrf = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) => return Err(multipart_error(error)),
        };
        let is_file = field.file_name().is_some();
        let name = field
            .file_name()
            .or(field.name())
            .unwrap_or_default()
            .to_string();
        let bytes = field.bytes().await.map_err(multipart_error)?;
        if !is_file && name == "csrf" {
            csrf = Some(String::from_utf8_lossy(&bytes).into_owned());
        } else if !bytes.is_empty() || is_file {
            parts.push((name, bytes.to_vec()));
        }
    }
    Ok((parts, csrf))
}

/// Checks and stores an upload: each part a file of the folder, or one zip. The new id.
pub async fn import_parts(app: &Arc<App>, parts: Vec<(String, Vec<u8>)>) -> Result<i64, ApiError> {
    if parts.is_empty() {
        return Err(ApiError::BadRequest(
            "no files: send mission.toml, firms.csv, buyers.csv ... or one .zip of the folder"
                .into(),
        ));
    }
    blocking(app, move |app| {
        let imported = work::import(parts)?;
        Ok(app
            .store()
            .add_mission(&imported.name, &imported.files, &imported.outcomes)?)
    })
    .await
}

fn multipart_error(error: axum::extract::multipart::MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::TooLarge
    } else {
        ApiError::BadRequest(format!("malformed form data: {}", error.body_text()))
    }
}

async fn import(
    State(app): State<Arc<App>>,
    _organiser: Organiser,
    multipart: Multipart,
) -> Result<Response, ApiError> {
    let _turn = upload_turn().await?;
    let (parts, _) = read_parts(multipart).await?;
    let id = import_parts(&app, parts).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

async fn list(State(app): State<Arc<App>>, _organiser: Organiser) -> Result<Json<Value>, ApiError> {
    blocking(&app, |app| {
        let mut missions = Vec::new();
        for row in app.store().missions()? {
            let counts = match app.mission(row.id) {
                Ok((_, mission)) => json!({
                    "firms": mission.firms.len(),
                    "buyers": mission.buyers.len(),
                    "sessions": mission.sessions.len(),
                }),
                Err(_) => json!({ "firms": null, "buyers": null, "sessions": null }),
            };
            let mut entry = json!({
                "id": row.id,
                "name": row.name,
                "created": row.created,
                "latest_version": row.latest_version,
            });
            if let (Some(entry), Value::Object(counts)) = (entry.as_object_mut(), counts) {
                entry.extend(counts);
            }
            missions.push(entry);
        }
        Ok(Json(json!({ "missions": missions })))
    })
    .await
}

async fn show(
    State(app): State<Arc<App>>,
    _organiser: Organiser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = mission_id(&id)?;
    blocking(&app, move |app| {
        let (row, mission) = app.mission(id)?;
        Ok(Json(work::mission_json(id, &mission, row.latest_version)))
    })
    .await
}

/// What a schedule job is asked to do.
pub struct ScheduleRequest {
    pub time_limit: Option<f64>,
    pub status: PublishStatus,
}

impl ScheduleRequest {
    /// Reads `time_limit` (seconds) and `status` (`draft` or `final`), as JSON or form text.
    pub fn from_json(map: &serde_json::Map<String, Value>) -> Result<ScheduleRequest, ApiError> {
        known_keys(map, &["time_limit", "status"])?;
        let time_limit = match text_field(map, "time_limit")?.trim() {
            "" => None,
            text => match text.parse::<f64>() {
                Ok(s) if (0.0..=crate::LONGEST_TIME_LIMIT_SECONDS).contains(&s) => Some(s),
                _ => {
                    return Err(ApiError::Invalid(vec![format!(
                        "time_limit: {text} is not a number of seconds from 0 to {:e}",
                        crate::LONGEST_TIME_LIMIT_SECONDS
                    )]))
                }
            },
        };
        let status = match text_field(map, "status")?.as_str() {
            "" => PublishStatus::Draft,
            text => PublishStatus::parse(text).ok_or_else(|| {
                ApiError::Invalid(vec![format!("status: \"{text}\" is not draft or final")])
            })?,
        };
        Ok(ScheduleRequest { time_limit, status })
    }
}

/// Starts scheduling a mission in the background; the job's id.
pub fn begin_schedule(
    app: &Arc<App>,
    id: i64,
    request: ScheduleRequest,
) -> Result<String, ApiError> {
    app.mission(id)?;
    app.start_job(id, "schedule", move |app, progress| {
        let (_, mission) = app.mission(id)?;
        let version = work::schedule(&mission, request.time_limit, request.status, progress)?;
        store_version(app, id, "schedule", &mission, version)
    })
}

fn store_version(
    app: &App,
    id: i64,
    kind: &str,
    mission: &crate::Mission,
    version: work::Version,
) -> Result<i64, ApiError> {
    let participants = super::participants(mission);
    Ok(app.store().add_schedule(
        id,
        kind,
        [&version.json, &version.csv],
        Some(&version.candidates),
        version.changes.as_deref(),
        &participants,
    )?)
}

async fn start_schedule(
    State(app): State<Arc<App>>,
    _organiser: Organiser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = mission_id(&id)?;
    let request = ScheduleRequest::from_json(&object(&body)?)?;
    let job = blocking(&app, move |app| begin_schedule(app, id, request)).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "job": job }))).into_response())
}

/// Starts re-planning against the newest schedule; the job's id.
pub fn begin_replan(
    app: &Arc<App>,
    id: i64,
    now: Moment,
    allow_moves: u32,
) -> Result<String, ApiError> {
    let (row, _) = app.mission(id)?;
    if row.latest_version.is_none() {
        return Err(ApiError::Conflict(
            "the mission has no schedule yet: schedule it first".into(),
        ));
    }
    app.start_job(id, "replan", move |app, progress| {
        let (_, mission) = app.mission(id)?;
        let old = app
            .store()
            .schedule(id, None)?
            .ok_or_else(|| ApiError::Conflict("the schedule vanished".into()))?;
        let version = work::replan(&mission, &old, now, allow_moves, progress)?;
        store_version(app, id, "replan", &mission, version)
    })
}

/// Reads a re-planning request: `now` and `allow_moves` (default 0), as JSON or form text.
pub fn replan_request(map: &serde_json::Map<String, Value>) -> Result<(Moment, u32), ApiError> {
    known_keys(map, &["now", "allow_moves"])?;
    let now = moment(&text_field(map, "now")?)?;
    let allow_moves = match text_field(map, "allow_moves")?.trim() {
        "" => 0,
        text => text
            .parse::<u32>()
            .map_err(|_| ApiError::Invalid(vec![format!("allow_moves: {text} is not a count")]))?,
    };
    Ok((now, allow_moves))
}

/// A page's form fields as the JSON object the API reads.
pub fn form_object(form: BTreeMap<String, String>) -> serde_json::Map<String, Value> {
    form.into_iter()
        .map(|(key, value)| (key, Value::String(value)))
        .collect()
}

/// Reads `now` (`YYYY-MM-DDTHH:MM`).
pub fn moment(text: &str) -> Result<Moment, ApiError> {
    Moment::parse(text).ok_or_else(|| {
        ApiError::Invalid(vec![format!(
            "now: \"{text}\" is not a date and time like 2017-03-28T12:00"
        )])
    })
}

async fn start_replan(
    State(app): State<Arc<App>>,
    _organiser: Organiser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = mission_id(&id)?;
    let (now, allow_moves) = replan_request(&object(&body)?)?;
    let job = blocking(&app, move |app| begin_replan(app, id, now, allow_moves)).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "job": job }))).into_response())
}

async fn job(
    State(app): State<Arc<App>>,
    _organiser: Organiser,
    Path(job): Path<String>,
) -> Result<Json<Value>, ApiError> {
    blocking(&app, move |app| {
        app.job(&job)?
            .map(|job| Json(super::job_json(&job)))
            .ok_or_else(|| ApiError::NotFound(format!("no job {job}")))
    })
    .await
}

#[derive(serde::Deserialize)]
struct VersionQuery {
    version: Option<String>,
}

async fn schedule_version(
    State(app): State<Arc<App>>,
    _organiser: Organiser,
    Path(id): Path<String>,
    Query(query): Query<VersionQuery>,
) -> Result<Response, ApiError> {
    let id = mission_id(&id)?;
    let version = match query.version {
        None => None,
        Some(text) => Some(text.parse::<i64>().map_err(|_| {
            ApiError::BadRequest(format!("version: \"{text}\" is not a version number"))
        })?),
    };
    blocking(&app, move |app| {
        app.mission(id)?;
        let stored = app.store().schedule(id, version)?.ok_or_else(|| {
            ApiError::NotFound(match version {
                Some(v) => format!("mission {id} has no schedule version {v}"),
                None => format!("mission {id} has no schedule yet"),
            })
        })?;
        Ok((
            [(header::CONTENT_TYPE, "application/json")],
            stored.schedule_json,
        )
            .into_response())
    })
    .await
}

#[derive(serde::Deserialize)]
struct ChangesQuery {
    from: Option<String>,
    to: Option<String>,
}

/// `changes.csv` rows of every re-planning after version `from` up to `to`.
pub fn changes_between(
    app: &App,
    id: i64,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<ChangesBetween, ApiError> {
    let (row, _) = app.mission(id)?;
    let latest = row.latest_version.unwrap_or(0);
    let to = to.unwrap_or(latest);
    let from = from.unwrap_or(to - 1);
    if from > to || to > latest || from < 0 {
        return Err(ApiError::Invalid(vec![format!(
            "from {from} and to {to} must be versions with from <= to <= {latest}"
        )]));
    }
    let mut changes = Vec::new();
    for version in from + 1..=to {
        let Some(stored) = app.store().schedule(id, Some(version))? else {
            continue;
        };
        let Some(text) = stored.changes_csv else {
            continue;
        };
        for row in stored_changes(&text)? {
            changes.push(VersionedChange { version, row });
        }
    }
    Ok(ChangesBetween { from, to, changes })
}

/// The rows of a `changes.csv` the server stored with a version (it wrote them: a row it
/// cannot read is its own fault).
pub fn stored_changes(text: &str) -> Result<Vec<crate::io::ChangeRow>, ApiError> {
    crate::io::parse_changes(text.as_bytes()).map_err(|error| ApiError::Internal(error.to_string()))
}

/// The changes of the re-plannings after version `from` up to `to`.
#[derive(Debug, serde::Serialize)]
pub struct ChangesBetween {
    pub from: i64,
    pub to: i64,
    pub changes: Vec<VersionedChange>,
}

/// A `changes.csv` row with the schedule version whose re-planning wrote it.
#[derive(Debug, serde::Serialize)]
pub struct VersionedChange {
    pub version: i64,
    #[serde(flatten)]
    pub row: crate::io::ChangeRow,
}

async fn changes(
    State(app): State<Arc<App>>,
    _organiser: Organiser,
    Path(id): Path<String>,
    Query(query): Query<ChangesQuery>,
) -> Result<Json<Value>, ApiError> {
    let id = mission_id(&id)?;
    let number = |name: &str, text: Option<String>| -> Result<Option<i64>, ApiError> {
        text.map(|t| {
            t.parse()
                .map_err(|_| ApiError::BadRequest(format!("{name}: \"{t}\" is not a version")))
        })
        .transpose()
    };
    let (from, to) = (number("from", query.from)?, number("to", query.to)?);
    blocking(&app, move |app| {
        Ok(Json(json!(changes_between(app, id, from, to)?)))
    })
    .await
}

/// Applies a participant edit and stores the edited files.
pub fn edit(
    app: &App,
    id: i64,
    side: Side,
    participant: &str,
    fields: &BTreeMap<String, String>,
) -> Result<(), ApiError> {
    let _editing = app.edit_lock();
    let (_, mission) = app.mission(id)?;
    let files =
        work::edit_participant(&mission, app.store().files(id)?, side, participant, fields)?;
    app.store().replace_files(id, &files)?;
    Ok(())
}

fn fields_of(map: &serde_json::Map<String, Value>) -> Result<BTreeMap<String, String>, ApiError> {
    map.keys()
        .map(|key| Ok((key.clone(), text_field(map, key)?)))
        .collect()
}

async fn edit_participant(
    app: Arc<App>,
    id: String,
    side: Side,
    participant: String,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = mission_id(&id)?;
    let fields = fields_of(&object(&body)?)?;
    blocking(&app, move |app| {
        edit(app, id, side, &participant, &fields)?;
        let (row, mission) = app.mission(id)?;
        Ok(Json(work::mission_json(id, &mission, row.latest_version)))
    })
    .await
}

async fn edit_buyer(
    State(app): State<Arc<App>>,
    _organiser: Organiser,
    Path((id, buyer)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    edit_participant(app, id, Side::Buyer, buyer, body).await
}

async fn edit_firm(
    State(app): State<Arc<App>>,
    _organiser: Organiser,
    Path((id, firm)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    edit_participant(app, id, Side::Firm, firm, body).await
}

async fn add_buyer(
    State(app): State<Arc<App>>,
    _organiser: Organiser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = mission_id(&id)?;
    let fields = fields_of(&object(&body)?)?;
    blocking(&app, move |app| {
        let buyer = walk_in(app, id, &fields)?;
        Ok((StatusCode::CREATED, Json(json!({ "id": buyer }))).into_response())
    })
    .await
}

/// Adds a walk-in buyer (buyers.csv columns) and stores the edited files; its id.
pub fn walk_in(app: &App, id: i64, fields: &BTreeMap<String, String>) -> Result<String, ApiError> {
    let _editing = app.edit_lock();
    let (_, mission) = app.mission(id)?;
    let (buyer, files) = work::add_buyer(&mission, app.store().files(id)?, fields)?;
    app.store().replace_files(id, &files)?;
    Ok(buyer)
}

/// Sets or removes the organiser's mark on a pair (`kind` empty: none).
pub fn mark(app: &App, id: i64, firm: &str, buyer: &str, kind: &str) -> Result<(), ApiError> {
    let kind = match kind.trim() {
        "" | "none" => None,
        text => Some(crate::RequestKind::parse(text).ok_or_else(|| {
            ApiError::Invalid(vec![format!(
                "kind: \"{text}\" is not must, want, request or avoid"
            )])
        })?),
    };
    let _editing = app.edit_lock();
    let (_, mission) = app.mission(id)?;
    let files = work::set_request(
        &mission,
        app.store().files(id)?,
        (firm, buyer),
        kind,
        work::Asker::Organiser,
        "",
    )?;
    app.store().replace_files(id, &files)?;
    Ok(())
}

/// The kind of a participant's wish as the contract writes it (`must`, `want`, `avoid`; empty
/// or `null`: none).
fn wish_kind(text: &str) -> Result<Option<crate::RequestKind>, ApiError> {
    match text.trim() {
        "" | "null" | "none" => Ok(None),
        // The kinds of requests.csv, as its reader reads them, but `request`: that one is the
        // organiser's.
        other => crate::RequestKind::parse(other)
            .filter(|kind| *kind != crate::RequestKind::Request)
            .map(Some)
            .ok_or_else(|| {
                ApiError::Invalid(vec![format!(
                    "wish: \"{other}\" is none of must, want, avoid (or null)"
                )])
            }),
    }
}

/// Sets (or clears) a participant's wish for `other`, kept as a `requests.csv` row with `from`
/// = the participant (contract v3): 404 when `other` is not in its catalogue, 409 once
/// `[participation] wishes_until` has passed, 422 a wish or note that cannot be kept.
pub fn set_wish(
    app: &App,
    token: &str,
    other: &str,
    wish: &str,
    note: &str,
) -> Result<Value, ApiError> {
    let link = app
        .store()
        .participant(token)?
        .ok_or_else(|| ApiError::NotFound("no such link".into()))?;
    let kind = wish_kind(wish)?;
    let note = crate::io::note_cell(note.trim())
        .map_err(|reason| ApiError::Invalid(vec![format!("note: {reason}")]))?;
    let catalogue = app.catalogue(&link)?;
    if !catalogue.entries.iter().any(|e| e.profile.id == other) {
        return Err(ApiError::NotFound(format!(
            "{other} is not in this catalogue"
        )));
    }
    if !catalogue.wishes_open {
        return Err(ApiError::Conflict(format!(
            "wishes closed at {}",
            catalogue.wishes_until.unwrap_or_default()
        )));
    }
    let _editing = app.edit_lock();
    let (_, mission) = app.mission(link.mission)?;
    let pair = match link.side {
        Side::Firm => (link.participant.as_str(), other),
        Side::Buyer => (other, link.participant.as_str()),
    };
    let files = work::set_request(
        &mission,
        app.store().files(link.mission)?,
        pair,
        kind,
        work::Asker::Participant(&link.participant),
        &note,
    )?;
    app.store().replace_files(link.mission, &files)?;
    Ok(json!({ "other": other, "wish": kind.map(|k| k.as_str()), "note": note }))
}

/// `GET /api/missions/{id}/wishes`: every participant's wish as asked, and what the organiser
/// answered (its own row for the pair, if any) and whether the engine honours the wish.
async fn wishes(
    State(app): State<Arc<App>>,
    _organiser: Organiser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = mission_id(&id)?;
    blocking(&app, move |app| {
        let (_, mission) = app.mission(id)?;
        let rows: Vec<Value> = mission
            .wishes
            .iter()
            .map(|wish| {
                let answer = mission
                    .requests
                    .iter()
                    .find(|r| r.from.is_none() && r.firm == wish.firm && r.buyer == wish.buyer)
                    .map(|r| r.kind.as_str());
                json!({
                    "firm": wish.firm.0, "buyer": wish.buyer.0, "from": wish.wished_by(),
                    "wish": wish.kind.as_str(), "note": wish.note,
                    "organiser": answer, "honoured": mission.honours(wish),
                })
            })
            .collect();
        Ok(Json(json!({
            "wishes_until": mission.wishes_until.as_ref().map(|d| d.written.clone()),
            "wishes": rows,
        })))
    })
    .await
}

async fn put_request(
    State(app): State<Arc<App>>,
    _organiser: Organiser,
    Path((id, firm, buyer)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = mission_id(&id)?;
    let map = object(&body)?;
    known_keys(&map, &["kind"])?;
    let kind = text_field(&map, "kind")?;
    blocking(&app, move |app| {
        mark(app, id, &firm, &buyer, &kind)?;
        Ok(Json(json!({ "firm": firm, "buyer": buyer, "kind": kind })))
    })
    .await
}

/// Reads an outcome's fields (JSON values or form text) exactly as `outcomes.csv` cells are read
/// (`crate::io::attended_cell` and the others): one rule for the folder, the API and the form.
pub fn outcome_of(
    firm: &str,
    buyer: &str,
    map: &serde_json::Map<String, Value>,
) -> Result<Outcome, ApiError> {
    // The outcomes.csv columns after the pair.
    known_keys(map, &crate::io::OUTCOME_COLUMNS[2..])?;
    let mut problems = Vec::new();
    let cell = |key: &str| -> Result<String, ApiError> { text_field(map, key) };
    fn value<T>(
        problems: &mut Vec<String>,
        key: &str,
        read: Result<Option<T>, String>,
    ) -> Option<T> {
        read.unwrap_or_else(|message| {
            problems.push(format!("{key}: {message}"));
            None
        })
    }
    let p = &mut problems;
    let attended = value(p, "attended", crate::io::attended_cell(&cell("attended")?));
    let interest = value(p, "interest", crate::io::interest_cell(&cell("interest")?));
    let consultation = crate::io::amount_cell(&cell("consultation_usd")?);
    let consultation_usd = value(p, "consultation_usd", consultation);
    let contract_usd = value(
        p,
        "contract_usd",
        crate::io::amount_cell(&cell("contract_usd")?),
    );
    let next_step = value(
        p,
        "next_step",
        crate::io::next_step_cell(&cell("next_step")?),
    );
    let note = match crate::io::note_cell(&cell("note")?) {
        Ok(note) => note,
        Err(message) => {
            problems.push(format!("note: {message}"));
            String::new()
        }
    };
    if !problems.is_empty() {
        return Err(ApiError::Invalid(problems));
    }
    Ok(Outcome {
        firm: crate::FirmId(firm.to_string()),
        buyer: crate::BuyerId(buyer.to_string()),
        attended,
        interest,
        consultation_usd,
        contract_usd,
        next_step,
        note,
    })
}

/// Records an outcome of a pair that has a meeting in the newest schedule.
pub fn record_outcome(app: &App, id: i64, outcome: &Outcome) -> Result<(), ApiError> {
    let (_, timetable) = app.timetable(id)?;
    let has_meeting = timetable.is_some_and(|t| {
        t.pairs
            .contains(&(outcome.firm.0.clone(), outcome.buyer.0.clone()))
    });
    if !has_meeting {
        return Err(ApiError::NotFound(format!(
            "{} and {} have no meeting in the newest schedule",
            outcome.firm, outcome.buyer
        )));
    }
    app.store().put_outcome(id, outcome)?;
    Ok(())
}

async fn put_outcome(
    State(app): State<Arc<App>>,
    _organiser: Organiser,
    Path((id, firm, buyer)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = mission_id(&id)?;
    let map = object(&body)?;
    blocking(&app, move |app| {
        let outcome = outcome_of(&firm, &buyer, &map)?;
        record_outcome(app, id, &outcome)?;
        Ok(Json(outcome_json(&outcome)))
    })
    .await
}

/// An outcome as JSON (the outcomes.csv columns).
pub fn outcome_json(o: &Outcome) -> Value {
    json!({
        "firm": o.firm.as_str(),
        "buyer": o.buyer.as_str(),
        "attended": o.attended.map(|a| if a { "yes" } else { "no" }),
        "interest": o.interest,
        "consultation_usd": o.consultation_usd,
        "contract_usd": o.contract_usd,
        "next_step": o.next_step.map(crate::NextStep::as_str),
        "note": o.note,
    })
}

/// The newest timetable's meetings as pairs (none before the first schedule).
fn scheduled_pairs(app: &App, id: i64) -> Result<Vec<(crate::FirmId, crate::BuyerId)>, ApiError> {
    let (_, timetable) = app.timetable(id)?;
    Ok(timetable
        .iter()
        .flat_map(|t| &t.meetings)
        .map(|m| (m.firm.clone(), m.buyer.clone()))
        .collect())
}

/// The mission with its recorded outcomes and the follow-up plan.
pub fn followup_rows(app: &App, id: i64) -> Result<(Mission, Vec<crate::FollowupRow>), ApiError> {
    let (_, mission) = app.mission(id)?;
    let mission = work::with_outcomes(&mission, &app.store().outcomes(id)?);
    let latest = app.store().schedule(id, None)?;
    let rows = work::followup(&mission, latest.as_ref(), &scheduled_pairs(app, id)?)?;
    Ok((mission, rows))
}

async fn followup(
    State(app): State<Arc<App>>,
    _organiser: Organiser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = mission_id(&id)?;
    blocking(&app, move |app| {
        let (mission, rows) = followup_rows(app, id)?;
        Ok(Json(
            json!({ "followup": crate::io::followup_json(&mission, &rows) }),
        ))
    })
    .await
}

/// The mission with its recorded outcomes and its report.
pub fn report_of(app: &App, id: i64) -> Result<(Mission, crate::MissionReport), ApiError> {
    let (_, mission) = app.mission(id)?;
    let mission = work::with_outcomes(&mission, &app.store().outcomes(id)?);
    let report = crate::report(&mission, &scheduled_pairs(app, id)?);
    Ok((mission, report))
}

async fn report(
    State(app): State<Arc<App>>,
    _organiser: Organiser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = mission_id(&id)?;
    blocking(&app, move |app| {
        let (mission, report) = report_of(app, id)?;
        Ok(Json(crate::report_json(&mission, &report)))
    })
    .await
}

async fn export(
    State(app): State<Arc<App>>,
    _organiser: Organiser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = mission_id(&id)?;
    blocking(&app, move |app| {
        app.mission(id)?;
        let files = app.store().files(id)?;
        let outcomes = app.store().outcomes(id)?;
        let latest = app.store().schedule(id, None)?;
        let folder = format!("mission-{id}");
        let bytes = work::export_zip(&folder, &files, &outcomes, latest.as_ref())?;
        Ok((
            [
                (header::CONTENT_TYPE, "application/zip".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{folder}.zip\""),
                ),
            ],
            bytes,
        )
            .into_response())
    })
    .await
}

/// One participant as the participants' list shows it (the JSON of
/// `GET /api/missions/{id}/participants`).
#[derive(Debug, serde::Serialize)]
pub struct ParticipantEntry {
    pub id: String,
    pub name: String,
    /// `firm` or `buyer`.
    pub kind: &'static str,
    /// Its agenda link; `null` before the first schedule.
    pub link: Option<String>,
    /// The HS codes it gave.
    pub hs_codes: Vec<String>,
    /// Where it gave none, the headings the matcher inferred from its text.
    pub inferred_headings: Vec<InferredEntry>,
}

/// An inferred heading with its description and the participant's words it came from.
#[derive(Debug, serde::Serialize)]
pub struct InferredEntry {
    pub code: String,
    pub description: String,
    pub words: Vec<String>,
}

/// Every participant with its link, firms first.
pub fn participant_list(app: &App, id: i64) -> Result<Vec<ParticipantEntry>, ApiError> {
    let (_, mission) = app.mission(id)?;
    let links: BTreeMap<(Side, String), String> = app
        .store()
        .participant_links(id)?
        .into_iter()
        .map(|l| ((l.side, l.participant), l.token))
        .collect();
    let matched = app.matched(id)?;
    let entry = |side: Side,
                 id: &str,
                 name: &str,
                 given: &[crate::HsCode],
                 inferred: &[crate::InferredHeading]| ParticipantEntry {
        id: id.to_string(),
        name: name.to_string(),
        kind: side.as_str(),
        link: links
            .get(&(side, id.to_string()))
            .map(|token| format!("/p/{token}")),
        hs_codes: given.iter().map(|code| code.as_str().to_string()).collect(),
        inferred_headings: inferred
            .iter()
            .map(|heading| InferredEntry {
                code: heading.code.clone(),
                description: heading.description(80),
                words: heading.words.clone(),
            })
            .collect(),
    };
    let firms = mission
        .firms
        .iter()
        .zip(&matched.firm_headings)
        .map(|(f, headings)| entry(Side::Firm, &f.id.0, &f.name, &f.hs_codes, headings));
    let buyers = mission
        .buyers
        .iter()
        .zip(&matched.buyer_headings)
        .map(|(b, headings)| entry(Side::Buyer, &b.id.0, &b.company, &b.hs_codes, headings));
    Ok(firms.chain(buyers).collect())
}

async fn participants(
    State(app): State<Arc<App>>,
    _organiser: Organiser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = mission_id(&id)?;
    blocking(&app, move |app| {
        Ok(Json(json!({ "participants": participant_list(app, id)? })))
    })
    .await
}

/// Reads a request to send: `what` (required) and `dry_run` (default false), as JSON or form
/// text.
pub fn send_request(
    map: &serde_json::Map<String, Value>,
    base_url: String,
) -> Result<super::mail::SendRequest, ApiError> {
    known_keys(map, &["what", "dry_run"])?;
    let what = text_field(map, "what")?;
    let Some(what) = crate::mail::What::parse(what.trim()) else {
        return Err(ApiError::Invalid(vec![format!(
            "what: \"{what}\" is not invitations, agendas or changes"
        )]));
    };
    let dry_run = match map.get("dry_run") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::Bool(true)) => true,
        Some(Value::String(text)) if matches!(text.as_str(), "" | "false" | "no" | "off") => false,
        Some(Value::String(text)) if matches!(text.as_str(), "true" | "yes" | "on") => true,
        Some(other) => {
            return Err(ApiError::Invalid(vec![format!(
                "dry_run: expected true or false, not {other}"
            )]))
        }
    };
    Ok(super::mail::SendRequest {
        what,
        dry_run,
        base_url,
    })
}

async fn start_send(
    State(app): State<Arc<App>>,
    _organiser: Organiser,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = mission_id(&id)?;
    let request = send_request(&object(&body)?, app.base_url(&headers))?;
    let job = blocking(&app, move |app| super::mail::begin_send(app, id, request)).await?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "job": job }))).into_response())
}

async fn messages(
    State(app): State<Arc<App>>,
    _organiser: Organiser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = mission_id(&id)?;
    blocking(&app, move |app| {
        Ok(Json(super::mail::messages_json(app, id)?))
    })
    .await
}
