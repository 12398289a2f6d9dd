//! `missionmatch serve`: the organisers' web application (contract: docs/api.md). One binary,
//! one SQLite file: tokio and axum answer, [`store`] keeps the state, [`work`] runs the engine,
//! [`api`] and [`pages`] are the two faces (JSON and HTML) of the same operations.
//!
//! Invariants: a handler that answered 2xx has committed its change (the store's transactions
//! are synchronous); engine work runs off the async threads (`spawn_blocking`), so a long
//! schedule never delays other requests; a panic inside one request becomes a 500 for that
//! request only.

mod api;
mod auth;
mod catalogue;
pub mod listen;
mod mail;
mod pages;
pub mod store;
pub mod work;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};

use crate::publish::Agenda;
use crate::{Mission, PublishStatus};
use store::{JobRecord, MissionRow, Store, StoreError};
use work::WorkError;

/// Bodies larger than this are refused with 413 (contract).
pub const BODY_LIMIT: usize = 20 * 1024 * 1024;

/// How the server is started.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Folder of the database.
    pub data: PathBuf,
    /// The address participants reach the server at (invitations' links).
    pub public_url: Option<String>,
}

/// A background job (schedule or replan) of this process: its record as stored and shown, and
/// when it started.
#[derive(Debug, Clone)]
pub struct Job {
    /// What `GET /api/jobs/{job}` shows (its `seconds` set once it finishes).
    pub record: JobRecord,
    /// When it started.
    pub started: Instant,
}

impl Job {
    /// What the job is now, as stored and shown (a running job's seconds so far).
    fn record(&self) -> JobRecord {
        let mut record = self.record.clone();
        record.seconds = record
            .seconds
            .or_else(|| Some(self.started.elapsed().as_secs_f64()));
        record
    }
}

/// `GET /api/jobs/{job}`.
fn job_json(job: &JobRecord) -> Value {
    json!({
        "state": job.state,
        "kind": job.kind,
        "mission": job.mission,
        "step": job.step,
        "seconds": job.seconds.unwrap_or(0.0),
        "result": job
            .result
            .as_deref()
            .and_then(|text| serde_json::from_str::<Value>(text).ok())
            .unwrap_or_else(|| json!(job.version)),
        "error": job.error,
    })
}

/// What agendas and outcome checks need of the newest schedule, built once per version.
pub struct Timetable {
    /// `draft` or `final`.
    pub status: PublishStatus,
    /// Meetings in the file's order.
    pub meetings: Vec<crate::Meeting>,
    /// Agendas of firms with meetings.
    pub firms: Vec<Agenda>,
    /// Agendas of buyers with meetings.
    pub buyers: Vec<Agenda>,
    /// Pairs that have a meeting.
    pub pairs: HashSet<(String, String)>,
}

impl Timetable {
    /// A participant's agenda: its meetings; for one that withdrew, those that took place (its
    /// calendar then cancels the rest), as `publish` writes it; none when it has none. `None`
    /// for an id the mission does not have.
    pub fn agenda(&self, mission: &Mission, side: crate::Side, id: &str) -> Option<Agenda> {
        let list = match side {
            crate::Side::Firm => &self.firms,
            crate::Side::Buyer => &self.buyers,
        };
        if let Some(agenda) = list.iter().find(|a| a.id == id) {
            return Some(agenda.clone());
        }
        crate::publish::agenda::agenda_of(mission, &self.meetings, side, id)
    }
}

/// A mission's newest timetable, with the mission revision and schedule version it was built for.
type CachedTimetable = (i64, i64, Arc<Timetable>);

/// The server's state, shared by every request.
pub struct App {
    store: Store,
    jobs: Mutex<HashMap<String, Job>>,
    missions: Mutex<HashMap<i64, (i64, Arc<Mission>)>>,
    timetables: Mutex<HashMap<i64, CachedTimetable>>,
    calendars: Mutex<HashMap<i64, CachedCalendar>>,
    matched: Mutex<HashMap<i64, (i64, Arc<Matched>)>>,
    /// Held while a mission's files are read, edited and stored again (a wish, a mark), so two
    /// edits at once cannot each write back a copy without the other.
    edits: Mutex<()>,
    /// The address participants reach the server at, when the organiser gave one.
    public_url: Option<String>,
    /// Missions with a send job running: one at a time, so that two cannot both send a message
    /// neither has recorded yet.
    sending: Mutex<HashSet<i64>>,
}

/// What the matcher found for a mission revision: its candidates, and the HS headings it
/// inferred for firms and buyers from the same profiles.
pub struct Matched {
    /// The mission revision matched (participants' wishes left out, see [`App::matched`]).
    pub mission: Arc<Mission>,
    pub candidates: Vec<crate::Candidate>,
    pub firm_headings: crate::Headings,
    pub buyer_headings: crate::Headings,
}

/// The calendar state the versions before the newest left, with the mission revision and the
/// newest version it was built for.
type CachedCalendar = (i64, i64, Arc<crate::publish::CalendarState>);

/// Why a request failed, as the contract's status codes.
#[derive(Debug)]
pub enum ApiError {
    /// 400: malformed JSON or form data.
    BadRequest(String),
    /// 401: no organiser token or session.
    Unauthorized,
    /// 403: a form without its CSRF token.
    Forbidden(String),
    /// 404.
    NotFound(String),
    /// 409: the operation needs something first (a schedule).
    Conflict(String),
    /// 413: a body over [`BODY_LIMIT`].
    TooLarge,
    /// 422: the input breaks the contract.
    Invalid(Vec<String>),
    /// 500.
    Internal(String),
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        ApiError::Internal(error.to_string())
    }
}

impl From<WorkError> for ApiError {
    fn from(error: WorkError) -> ApiError {
        match error {
            WorkError::NotFound(what) => ApiError::NotFound(what),
            WorkError::Invalid(problems) => ApiError::Invalid(problems),
            WorkError::Infeasible(reason) => {
                ApiError::Invalid(vec![format!("no valid timetable exists: {reason}")])
            }
            WorkError::Engine(message) => ApiError::Internal(message),
        }
    }
}

impl ApiError {
    /// The HTTP status of the contract.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What went wrong, in one text (problems one a line).
    pub fn message(&self) -> String {
        match self {
            ApiError::BadRequest(m)
            | ApiError::Forbidden(m)
            | ApiError::NotFound(m)
            | ApiError::Conflict(m)
            | ApiError::Internal(m) => m.clone(),
            ApiError::Unauthorized => {
                "an organiser token is needed (Authorization: Bearer TOKEN)".into()
            }
            ApiError::TooLarge => format!("the body is over {} MB", BODY_LIMIT / 1024 / 1024),
            ApiError::Invalid(problems) => problems.join("\n"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = match &self {
            ApiError::Invalid(problems) => json!({ "problems": problems }),
            other => json!({ "error": other.message() }),
        };
        (self.status(), axum::Json(body)).into_response()
    }
}

impl App {
    /// The state over an opened store.
    pub fn new(store: Store) -> Arc<App> {
        App::with_public_url(store, None)
    }

    /// The application, with the address participants reach it at (`serve --public-url`).
    pub fn with_public_url(store: Store, public_url: Option<String>) -> Arc<App> {
        Arc::new(App {
            store,
            jobs: Mutex::new(HashMap::new()),
            missions: Mutex::new(HashMap::new()),
            timetables: Mutex::new(HashMap::new()),
            calendars: Mutex::new(HashMap::new()),
            matched: Mutex::new(HashMap::new()),
            edits: Mutex::new(()),
            public_url,
            sending: Mutex::new(HashSet::new()),
        })
    }

    /// The address participants reach the server at: the one the organiser gave, or the one
    /// the organiser's request came to (its `Host`).
    pub fn base_url(&self, headers: &axum::http::HeaderMap) -> String {
        if let Some(url) = &self.public_url {
            return url.trim_end_matches('/').to_string();
        }
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|host| host.to_str().ok())
            .unwrap_or("localhost");
        let scheme = headers
            .get("x-forwarded-proto")
            .and_then(|proto| proto.to_str().ok())
            .filter(|proto| *proto == "https")
            .unwrap_or("http");
        format!("{scheme}://{host}")
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// A stored mission and its reading, read again only after an edit.
    fn mission(&self, id: i64) -> Result<(MissionRow, Arc<Mission>), ApiError> {
        let row = self
            .store
            .mission(id)?
            .ok_or_else(|| ApiError::NotFound(format!("no mission {id}")))?;
        if let Some((revision, mission)) = lock(&self.missions).get(&id) {
            if *revision == row.revision {
                return Ok((row, mission.clone()));
            }
        }
        let files = self.store.files(id)?;
        let mission = Arc::new(work::load(&files, &row.name)?);
        // Links exist from import on (contract v3), and for a walk-in as soon as it is added.
        self.store
            .ensure_participant_links(id, &participants(&mission))?;
        lock(&self.missions).insert(id, (row.revision, mission.clone()));
        Ok((row, mission))
    }

    /// The matcher's candidates and inferred headings for a mission's current revision (the
    /// same the schedule job matches with), computed once per revision.
    fn matched(&self, id: i64) -> Result<Arc<Matched>, ApiError> {
        let (row, mission) = self.mission(id)?;
        if let Some((revision, matched)) = lock(&self.matched).get(&id) {
            if *revision == row.revision {
                return Ok(matched.clone());
            }
        }
        // Matched without the participants' wishes: a catalogue built on them would tell a
        // firm which buyers wished what (by who is listed, and how high), and an entry its
        // participant declined would leave the catalogue it must be undone from.
        let mut unwished = (*mission).clone();
        unwished.requests.retain(|request| !request.wish);
        unwished.wishes.clear();
        let (candidates, firm_headings, buyer_headings) =
            crate::match_with_headings(&unwished, &crate::MatchOptions::default())
                .map_err(|error| ApiError::from(WorkError::from(error)))?;
        let matched = Arc::new(Matched {
            mission,
            candidates,
            firm_headings,
            buyer_headings,
        });
        lock(&self.matched).insert(id, (row.revision, matched.clone()));
        Ok(matched)
    }

    /// The lock of read-edit-store changes to missions' files (see `edits`).
    pub fn edit_lock(&self) -> std::sync::MutexGuard<'_, ()> {
        lock(&self.edits)
    }

    /// The catalogue a participant's link shows (contract v3).
    fn catalogue(&self, link: &store::ParticipantLink) -> Result<catalogue::Catalogue, ApiError> {
        // One revision for the participants and the candidates' indices into them.
        let matched = self.matched(link.mission)?;
        let mut catalogue = catalogue::catalogue(
            &matched.mission,
            &matched.candidates,
            (&matched.firm_headings, &matched.buyer_headings),
            link.side,
            &link.participant,
            unix_now(),
        )
        .ok_or_else(|| ApiError::NotFound("no such link".into()))?;
        // The timetable's meetings index the sessions of the revision it was built for.
        let (mission, timetable) = self.timetable(link.mission)?;
        let agenda = timetable
            .as_ref()
            .and_then(|t| t.agenda(&mission, link.side, &link.participant));
        catalogue::wish_outcomes(
            &mut catalogue,
            &mission,
            link.side,
            &link.participant,
            agenda.as_ref(),
        );
        Ok(catalogue)
    }

    /// The newest timetable of a mission, if it has one.
    fn timetable(&self, id: i64) -> Result<(Arc<Mission>, Option<Arc<Timetable>>), ApiError> {
        let (row, mission) = self.mission(id)?;
        let Some(version) = row.latest_version else {
            return Ok((mission, None));
        };
        if let Some((revision, cached_version, timetable)) = lock(&self.timetables).get(&id) {
            if *revision == row.revision && *cached_version == version {
                return Ok((mission, Some(timetable.clone())));
            }
        }
        let stored = self
            .store
            .schedule(id, Some(version))?
            .ok_or_else(|| ApiError::Internal(format!("schedule version {version} vanished")))?;
        let file = crate::parse_schedule(
            "schedule.json",
            stored.schedule_json.as_bytes(),
            &mission,
            crate::CancelledMeetings::Accept,
        )
        .map_err(|error| ApiError::from(WorkError::from(error)))?;
        let (firms, buyers) = crate::agendas(&mission, &file.meetings);
        let pairs = file
            .meetings
            .iter()
            .map(|m| (m.firm.0.clone(), m.buyer.0.clone()))
            .collect();
        let timetable = Arc::new(Timetable {
            status: file.status.unwrap_or_default(),
            meetings: file.meetings,
            firms,
            buyers,
            pairs,
        });
        lock(&self.timetables).insert(id, (row.revision, version, timetable.clone()));
        Ok((mission, Some(timetable)))
    }

    /// What the calendars of the versions before the newest said, so that an event the newest
    /// version changes gets a higher `SEQUENCE` and one it dropped comes out `CANCELLED`, as
    /// with `publish` run after each version.
    fn calendar_before(&self, id: i64) -> Result<Arc<crate::publish::CalendarState>, ApiError> {
        let (row, mission) = self.mission(id)?;
        let latest = row.latest_version.unwrap_or(0);
        if let Some((revision, version, state)) = lock(&self.calendars).get(&id) {
            if *revision == row.revision && *version == latest {
                return Ok(state.clone());
            }
        }
        let mut state = crate::publish::CalendarState::new();
        for version in 1..latest {
            let Some(stored) = self.store.schedule(id, Some(version))? else {
                continue;
            };
            let Ok(file) = crate::parse_schedule(
                "schedule.json",
                stored.schedule_json.as_bytes(),
                &mission,
                crate::CancelledMeetings::Accept,
            ) else {
                continue;
            };
            let status = file.status.unwrap_or_default();
            state = crate::publish::calendar_state(&mission, &file.meetings, status, &state);
        }
        let state = Arc::new(state);
        lock(&self.calendars).insert(id, (row.revision, latest, state.clone()));
        Ok(state)
    }

    /// A job of this process, or one stored by an earlier one (which a restart interrupted,
    /// if it had not finished).
    fn job(&self, id: &str) -> Result<Option<JobRecord>, ApiError> {
        if let Some(job) = lock(&self.jobs).get(id) {
            return Ok(Some(job.record()));
        }
        Ok(self.store.job(id)?)
    }

    /// Changes a running job; a change of state is stored at once (steps stay in memory).
    fn update_job(&self, id: &str, change: impl FnOnce(&mut Job)) {
        let stored = {
            let mut jobs = lock(&self.jobs);
            let Some(job) = jobs.get_mut(id) else {
                return;
            };
            let before = job.record.state.clone();
            change(job);
            (job.record.state != before).then(|| job.record())
        };
        if let Some(record) = stored {
            // A failed write leaves the answer in memory for this process's lifetime.
            let _ = self.store.put_job(&record);
        }
    }

    /// Starts a schedule or replan job on a blocking thread; returns its id at once.
    fn start_job(
        self: &Arc<App>,
        mission: i64,
        kind: &'static str,
        work: impl FnOnce(&App, crate::Progress) -> Result<i64, ApiError> + Send + 'static,
    ) -> Result<String, ApiError> {
        self.start_task(mission, kind, move |app, progress| {
            work(app, progress).map(Finished::Version)
        })
    }

    /// Starts a job of any kind on a blocking thread; returns its id at once.
    fn start_task(
        self: &Arc<App>,
        mission: i64,
        kind: &'static str,
        work: impl FnOnce(&App, crate::Progress) -> Result<Finished, ApiError> + Send + 'static,
    ) -> Result<String, ApiError> {
        let id = store::random_token()?[..16].to_string();
        let job = Job {
            record: JobRecord {
                id: id.clone(),
                mission,
                kind: kind.to_string(),
                state: "queued".into(),
                step: "waiting for a thread".into(),
                seconds: None,
                version: None,
                result: None,
                error: None,
            },
            started: Instant::now(),
        };
        self.store.put_job(&job.record())?;
        lock(&self.jobs).insert(id.clone(), job);
        let app = self.clone();
        let job = id.clone();
        tokio::task::spawn_blocking(move || {
            app.update_job(&job, |j| j.record.state = "running".into());
            let progress_app = app.clone();
            let progress_job = job.clone();
            let progress = crate::Progress(Arc::new(move |_seconds: f64, step: &str| {
                progress_app.update_job(&progress_job, |j| j.record.step = step.to_string());
            }));
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&app, progress)));
            app.update_job(&job, |j| {
                j.record.seconds = Some(j.started.elapsed().as_secs_f64());
                match outcome {
                    Ok(Ok(Finished::Version(version))) => {
                        j.record.state = "done".into();
                        j.record.step = format!("version {version} stored");
                        j.record.version = Some(version);
                    }
                    Ok(Ok(Finished::Result { step, result })) => {
                        j.record.state = "done".into();
                        j.record.step = step;
                        j.record.result = Some(result.to_string());
                    }
                    Ok(Err(error)) => {
                        j.record.state = "failed".into();
                        j.record.error = Some(error.message());
                    }
                    Err(_) => {
                        j.record.state = "failed".into();
                        j.record.error = Some("the engine stopped unexpectedly (a bug)".into());
                    }
                }
            });
        });
        Ok(id)
    }
}

/// What a finished job came to.
pub enum Finished {
    /// The schedule version it stored.
    Version(i64),
    /// Its result (`GET /api/jobs/{job}`'s `result`) and last step in words.
    Result { step: String, result: Value },
}

/// Seconds since 1970 (UTC), now.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Every participant of a mission by side and id, firms first.
pub fn participants(mission: &Mission) -> Vec<(crate::Side, String)> {
    mission
        .firms
        .iter()
        .map(|f| (crate::Side::Firm, f.id.0.clone()))
        .chain(
            mission
                .buyers
                .iter()
                .map(|b| (crate::Side::Buyer, b.id.0.clone())),
        )
        .collect()
}

/// A lock whose poisoning (a panic elsewhere) does not stop the server: the maps it guards are
/// caches and job records, valid after any completed insert.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs store and engine work off the async threads; a panic becomes a 500.
async fn blocking<T: Send + 'static>(
    app: &Arc<App>,
    work: impl FnOnce(&Arc<App>) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let app = app.clone();
    tokio::task::spawn_blocking(move || work(&app))
        .await
        .unwrap_or_else(|_| {
            Err(ApiError::Internal(
                "the request failed unexpectedly (a bug)".into(),
            ))
        })
}

/// Every route: the API, the pages, the participants' links.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .merge(api::routes())
        .merge(pages::routes())
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(listen::answer_panics))
        .layer(axum::middleware::from_fn(json_errors))
        .with_state(app)
}

/// Every API error is JSON, whoever made it: axum's own rejections (a body over the limit, a
/// multipart upload without its boundary, an unknown route or method) answer in plain text or
/// not at all, and are rewritten here as `{"error": ...}` with their status and headers kept.
/// The API is `/api/...` and the participant's JSON routes (`/p/TOKEN/catalogue.json`,
/// `/p/TOKEN/wishes/ID`); the pages keep their own error pages.
async fn json_errors(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let api = is_api(request.uri().path());
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if !api || is_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Rejections are a line of text; a larger body is cut, not buffered.
    let text = axum::body::to_bytes(body, 16 * 1024)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_string())
        .unwrap_or_default();
    let error = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    };
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    parts.headers.remove(axum::http::header::CONTENT_TYPE);
    let mut rewritten = (status, axum::Json(json!({ "error": error }))).into_response();
    rewritten.headers_mut().extend(parts.headers);
    rewritten
}

/// Whether a path belongs to the JSON API (contract v3 counts the participant's catalogue and
/// wishes among it).
fn is_api(path: &str) -> bool {
    let participant_json = path.strip_prefix("/p/").is_some_and(|rest| {
        let mut parts = rest.split('/').skip(1);
        matches!(
            (parts.next(), parts.next(), parts.next()),
            (Some("catalogue.json"), None, _) | (Some("wishes"), Some(_), None)
        )
    });
    path.starts_with("/api/") || participant_json
}

/// Opens the store, prints the organiser's URL when the token is new, and serves until Ctrl-C.
pub async fn run(options: ServeOptions, new_token: bool) -> anyhow::Result<()> {
    let store = Store::open(&options.data)?;
    let fresh = if new_token || !store.has_organiser_token()? {
        Some(store.new_organiser_token()?)
    } else {
        None
    };
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|error| anyhow::anyhow!("cannot listen on {}: {error}", options.listen))?;
    let address = listener.local_addr()?;
    let data = options.data.display();
    match fresh {
        Some(token) => println!(
            "missionmatch serving {data} at http://{address}/\nopen http://{address}/?token={token}\n(the organiser token is shown once; `serve --new-token` makes a new one)"
        ),
        None => println!(
            "missionmatch serving {data} at http://{address}/ (log in with the token URL printed on first start, or run `serve --new-token`)"
        ),
    }
    let app = App::with_public_url(store, options.public_url);
    listen::serve(listener, router(app), listen::READ_TIMEOUT, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    Ok(())
}
