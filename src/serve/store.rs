//! All the server's state, in one SQLite database (WAL): missions and their files, every version
//! of their schedules, outcomes, tokens and browser sessions. This module is the only one that
//! speaks SQL, so that another database can replace SQLite behind the same methods.
//!
//! Every method is one transaction; when it returns `Ok`, the change is on disk (`synchronous =
//! FULL`), so a `kill -9` a moment later loses nothing.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};

use crate::{BuyerId, FirmId, NextStep, Outcome, Side};

/// The schema, one migration a file, applied in order (`PRAGMA user_version` counts them).
const MIGRATIONS: &[Migration] = &[
    Migration::Sql(include_str!("../../migrations/0001_initial.sql")),
    Migration::Rust(hash_stored_secrets),
    Migration::Sql(include_str!("../../migrations/0003_jobs.sql")),
    Migration::Sql(include_str!("../../migrations/0004_messages.sql")),
];

/// What a restart tells of a job that was queued or running when the server stopped.
pub const INTERRUPTED: &str = "interrupted by a restart of the server; start it again";

/// A schedule or re-plan job as stored (`GET /api/jobs/{job}` after a restart).
#[derive(Debug, Clone, PartialEq)]
pub struct JobRecord {
    /// Its id.
    pub id: String,
    /// The mission it works on.
    pub mission: i64,
    /// `schedule` or `replan`.
    pub kind: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    /// The last step recorded, in words.
    pub step: String,
    /// Seconds it took, once finished.
    pub seconds: Option<f64>,
    /// The schedule version it made, once done.
    pub version: Option<i64>,
    /// What a job that makes no version came to, as JSON text (a send job's counts).
    pub result: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
}

/// A message the SMTP server accepted (`GET /api/missions/{id}/messages`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    pub side: Side,
    /// `ID:what:version`: never sent twice.
    pub key: String,
    pub participant: String,
    /// The address it went to.
    pub to: String,
    /// `invitations`, `agendas` or `changes`.
    pub what: String,
    pub language: String,
    pub subject: String,
    /// When the server accepted it (UTC).
    pub sent_at: String,
}

/// One step of the schema, applied once, in order (`PRAGMA user_version` counts them).
enum Migration {
    /// A file of `migrations/`.
    Sql(&'static str),
    /// What SQL cannot do.
    Rust(fn(&rusqlite::Transaction) -> rusqlite::Result<()>),
}

/// A failure of the database itself (full disk, a file another program locked): the request
/// fails with 500 and the reason.
#[derive(Debug, thiserror::Error)]
#[error("database: {0}")]
pub struct StoreError(String);

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> StoreError {
        StoreError(error.to_string())
    }
}

/// The store's result.
pub type StoreResult<T> = Result<T, StoreError>;

/// A mission as listed.
#[derive(Debug, Clone)]
pub struct MissionRow {
    /// Its id in URLs.
    pub id: i64,
    /// `name` of mission.toml.
    pub name: String,
    /// When it was imported (UTC).
    pub created: String,
    /// Rises with every edit of its files.
    pub revision: i64,
    /// The newest schedule version, if any.
    pub latest_version: Option<i64>,
}

/// One stored version of a schedule.
#[derive(Debug, Clone)]
pub struct ScheduleVersion {
    /// 1, 2, ... per mission.
    pub version: i64,
    /// `schedule` or `replan`.
    pub kind: String,
    /// When it was made (UTC).
    pub created: String,
    /// `schedule.json` of formats.md.
    pub schedule_json: String,
    /// `schedule.csv`.
    pub schedule_csv: String,
    /// The `candidates.csv` it was built from.
    pub candidates_csv: Option<String>,
    /// `changes.csv` of a re-planning.
    pub changes_csv: Option<String>,
}

/// A participant's link: who it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantLink {
    /// The mission.
    pub mission: i64,
    /// Firm or buyer.
    pub side: Side,
    /// The participant's id.
    pub participant: String,
    /// The token in `/p/TOKEN`.
    pub token: String,
}

/// The database.
pub struct Store {
    connection: Mutex<Connection>,
}

fn side_of(text: &str) -> Side {
    if text == "firm" {
        Side::Firm
    } else {
        Side::Buyer
    }
}

/// Now, UTC, as `2026-11-29T02:31:05Z`.
pub fn now_utc() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// What the database keeps of a secret (the organiser token, a session id): its SHA-256, so a
/// copy of the file lets nobody in. Participant links are kept as they are: the organiser lists
/// and mails them, and each shows one participant's agenda only.
fn secret_hash(secret: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, secret.as_bytes());
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Whether two texts are equal, in a time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |difference, (x, y)| difference | (x ^ y))
            == 0
}

/// Migration 2 (in Rust: SQLite has no hash function): the organiser tokens and session ids
/// that version 1 kept as written are replaced by their hashes.
fn hash_stored_secrets(t: &rusqlite::Transaction) -> rusqlite::Result<()> {
    let plain = |sql: &str| -> rusqlite::Result<Vec<String>> {
        let mut statement = t.prepare(sql)?;
        let rows = statement.query_map([], |r| r.get::<_, String>(0))?;
        rows.collect()
    };
    for token in
        plain("SELECT token FROM tokens WHERE kind = 'organiser' AND token NOT LIKE 'sha256:%'")?
    {
        t.execute(
            "UPDATE tokens SET token = ?1 WHERE token = ?2",
            params![secret_hash(&token), token],
        )?;
    }
    for id in plain("SELECT id FROM sessions WHERE id NOT LIKE 'sha256:%'")? {
        t.execute(
            "UPDATE sessions SET id = ?1 WHERE id = ?2",
            params![secret_hash(&id), id],
        )?;
    }
    Ok(())
}

/// A fresh random token: 160 bits as 40 hex digits.
pub fn random_token() -> StoreResult<String> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes)
        .map_err(|error| StoreError(format!("no random numbers from the system: {error}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

impl Store {
    /// Opens (or creates) `dir/missionmatch.sqlite3` and brings its schema up to date. A folder
    /// it creates is readable by its owner only (0700), and so is the database (0600; SQLite
    /// gives its `-wal` and `-shm` files the database's mode): a database an earlier version
    /// left readable to others is made private on open, with its `-wal` and `-shm` files. A
    /// folder that already existed keeps its mode (it may be the organiser's own folder).
    pub fn open(dir: &Path) -> StoreResult<Store> {
        let failed =
            |path: &Path, error: std::io::Error| StoreError(format!("{}: {error}", path.display()));
        if !dir.exists() {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(dir).map_err(|error| failed(dir, error))?;
        }
        let path = dir.join("missionmatch.sqlite3");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(&path).map_err(|error| failed(&path, error))?;
        #[cfg(unix)]
        for suffix in ["", "-wal", "-shm"] {
            use std::os::unix::fs::PermissionsExt;
            let file = dir.join(format!("missionmatch.sqlite3{suffix}"));
            let private = std::fs::Permissions::from_mode(0o600);
            match std::fs::metadata(&file) {
                Ok(metadata) if metadata.permissions().mode() & 0o077 != 0 => {
                    std::fs::set_permissions(&file, private)
                        .map_err(|error| failed(&file, error))?;
                }
                _ => {}
            }
        }
        let connection = Connection::open(&path)?;
        Store::prepare(connection)
    }

    /// A store in memory, for tests.
    pub fn in_memory() -> StoreResult<Store> {
        Store::prepare(Connection::open_in_memory()?)
    }

    fn prepare(mut connection: Connection) -> StoreResult<Store> {
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        // Deleted and replaced rows (a revoked token, a secret hashed by migration 2) are
        // overwritten, not left in free pages.
        connection.pragma_update(None, "secure_delete", "ON")?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        let applied: i64 = connection.pragma_query_value(None, "user_version", |r| r.get(0))?;
        for (number, migration) in MIGRATIONS.iter().enumerate().skip(applied.max(0) as usize) {
            let transaction = connection.transaction()?;
            match migration {
                Migration::Sql(sql) => transaction.execute_batch(sql)?,
                Migration::Rust(step) => step(&transaction)?,
            }
            transaction.pragma_update(None, "user_version", number as i64 + 1)?;
            transaction.commit()?;
        }
        // This process is the only one that runs jobs: one left queued or running was cut off.
        connection.execute(
            "UPDATE jobs SET state = 'failed', step = 'interrupted', error = ?1
             WHERE state IN ('queued', 'running')",
            [INTERRUPTED],
        )?;
        Ok(Store {
            connection: Mutex::new(connection),
        })
    }

    fn with<T>(&self, work: impl FnOnce(&mut Connection) -> StoreResult<T>) -> StoreResult<T> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions roll
        // back), so a poisoned lock is still safe to use.
        let mut connection = self
            .connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        work(&mut connection)
    }

    /// Whether an organiser token exists.
    pub fn has_organiser_token(&self) -> StoreResult<bool> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT COUNT(*) FROM tokens WHERE kind = 'organiser' AND revoked = 0",
                [],
                |r| r.get::<_, i64>(0),
            )? > 0)
        })
    }

    /// A new organiser token; every older one is revoked, and every browser session with it.
    pub fn new_organiser_token(&self) -> StoreResult<String> {
        let token = random_token()?;
        self.with(|c| {
            let t = c.transaction()?;
            t.execute("UPDATE tokens SET revoked = 1 WHERE kind = 'organiser'", [])?;
            t.execute("DELETE FROM sessions", [])?;
            t.execute(
                "INSERT INTO tokens (token, kind, created) VALUES (?1, 'organiser', ?2)",
                params![secret_hash(&token), now_utc()],
            )?;
            t.commit()?;
            Ok(())
        })?;
        Ok(token)
    }

    /// Whether `token` is the live organiser token (its hash compared in constant time).
    pub fn is_organiser(&self, token: &str) -> StoreResult<bool> {
        let hash = secret_hash(token);
        self.with(|c| {
            let mut statement =
                c.prepare("SELECT token FROM tokens WHERE kind = 'organiser' AND revoked = 0")?;
            let live = statement.query_map([], |r| r.get::<_, String>(0))?;
            let mut found = false;
            for stored in live {
                found |= same_secret(&stored?, &hash);
            }
            Ok(found)
        })
    }

    /// A new browser session: its id (the cookie) and its CSRF token.
    pub fn new_session(&self) -> StoreResult<(String, String)> {
        let (id, csrf) = (random_token()?, random_token()?);
        self.with(|c| {
            c.execute(
                "INSERT INTO sessions (id, csrf, created) VALUES (?1, ?2, ?3)",
                params![secret_hash(&id), csrf, now_utc()],
            )?;
            Ok(())
        })?;
        Ok((id, csrf))
    }

    /// The CSRF token of a live session.
    pub fn session_csrf(&self, id: &str) -> StoreResult<Option<String>> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT csrf FROM sessions WHERE id = ?1",
                [secret_hash(id)],
                |r| r.get(0),
            )
            .optional()?)
        })
    }

    /// Stores an imported mission: its files and the outcomes it came with. Returns its id.
    pub fn add_mission(
        &self,
        name: &str,
        files: &BTreeMap<String, Vec<u8>>,
        outcomes: &[Outcome],
    ) -> StoreResult<i64> {
        self.with(|c| {
            let t = c.transaction()?;
            t.execute(
                "INSERT INTO missions (name, created) VALUES (?1, ?2)",
                params![name, now_utc()],
            )?;
            let id = t.last_insert_rowid();
            for (file, content) in files {
                t.execute(
                    "INSERT INTO mission_files (mission, name, content) VALUES (?1, ?2, ?3)",
                    params![id, file, content],
                )?;
            }
            for outcome in outcomes {
                put_outcome(&t, id, outcome)?;
            }
            t.commit()?;
            Ok(id)
        })
    }

    /// Every mission, newest first.
    pub fn missions(&self) -> StoreResult<Vec<MissionRow>> {
        self.with(|c| {
            let mut statement = c.prepare(
                "SELECT id, name, created, revision,
                        (SELECT MAX(version) FROM schedules s WHERE s.mission = m.id)
                 FROM missions m ORDER BY id DESC",
            )?;
            let rows = statement.query_map([], mission_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// One mission.
    pub fn mission(&self, id: i64) -> StoreResult<Option<MissionRow>> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT id, name, created, revision,
                        (SELECT MAX(version) FROM schedules s WHERE s.mission = m.id)
                 FROM missions m WHERE id = ?1",
                [id],
                mission_row,
            )
            .optional()?)
        })
    }

    /// The mission's input files.
    pub fn files(&self, mission: i64) -> StoreResult<BTreeMap<String, Vec<u8>>> {
        self.with(|c| {
            let mut statement =
                c.prepare("SELECT name, content FROM mission_files WHERE mission = ?1")?;
            let rows = statement.query_map([mission], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<BTreeMap<_, _>, _>>()?)
        })
    }

    /// Replaces the mission's input files as a whole (after an edit) and raises its revision.
    pub fn replace_files(
        &self,
        mission: i64,
        files: &BTreeMap<String, Vec<u8>>,
    ) -> StoreResult<()> {
        self.with(|c| {
            let t = c.transaction()?;
            t.execute("DELETE FROM mission_files WHERE mission = ?1", [mission])?;
            for (file, content) in files {
                t.execute(
                    "INSERT INTO mission_files (mission, name, content) VALUES (?1, ?2, ?3)",
                    params![mission, file, content],
                )?;
            }
            t.execute(
                "UPDATE missions SET revision = revision + 1 WHERE id = ?1",
                [mission],
            )?;
            t.commit()?;
            Ok(())
        })
    }

    /// Stores a new schedule version and gives every participant who has none a link. Returns
    /// the version.
    pub fn add_schedule(
        &self,
        mission: i64,
        kind: &str,
        [schedule_json, schedule_csv]: [&str; 2],
        candidates_csv: Option<&str>,
        changes_csv: Option<&str>,
        participants: &[(Side, String)],
    ) -> StoreResult<i64> {
        let tokens = fresh_tokens(participants.len())?;
        self.with(|c| {
            let t = c.transaction()?;
            let version: i64 = t.query_row(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM schedules WHERE mission = ?1",
                [mission],
                |r| r.get(0),
            )?;
            t.execute(
                "INSERT INTO schedules (mission, version, kind, created, schedule_json,
                                        schedule_csv, candidates_csv, changes_csv)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    mission,
                    version,
                    kind,
                    now_utc(),
                    schedule_json,
                    schedule_csv,
                    candidates_csv,
                    changes_csv
                ],
            )?;
            insert_links(&t, mission, participants, &tokens)?;
            t.commit()?;
            Ok(version)
        })
    }

    /// Gives every participant of a mission who has no link one (contract v3: links exist from
    /// import on); those who have one keep it.
    pub fn ensure_participant_links(
        &self,
        mission: i64,
        participants: &[(Side, String)],
    ) -> StoreResult<()> {
        let linked: HashSet<(Side, String)> = self
            .participant_links(mission)?
            .into_iter()
            .map(|link| (link.side, link.participant))
            .collect();
        let missing: Vec<(Side, String)> = participants
            .iter()
            .filter(|participant| !linked.contains(participant))
            .cloned()
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let tokens = fresh_tokens(missing.len())?;
        self.with(|c| {
            let t = c.transaction()?;
            insert_links(&t, mission, &missing, &tokens)?;
            t.commit()?;
            Ok(())
        })
    }

    /// A schedule version (`None`: the newest).
    pub fn schedule(
        &self,
        mission: i64,
        version: Option<i64>,
    ) -> StoreResult<Option<ScheduleVersion>> {
        self.with(|c| {
            let row = |r: &rusqlite::Row| {
                Ok(ScheduleVersion {
                    version: r.get(0)?,
                    kind: r.get(1)?,
                    created: r.get(2)?,
                    schedule_json: r.get(3)?,
                    schedule_csv: r.get(4)?,
                    candidates_csv: r.get(5)?,
                    changes_csv: r.get(6)?,
                })
            };
            let columns =
                "SELECT version, kind, created, schedule_json, schedule_csv, candidates_csv,
                                  changes_csv
                           FROM schedules WHERE mission = ?1";
            Ok(match version {
                Some(version) => c
                    .query_row(
                        &format!("{columns} AND version = ?2"),
                        params![mission, version],
                        row,
                    )
                    .optional()?,
                None => c
                    .query_row(
                        &format!("{columns} ORDER BY version DESC LIMIT 1"),
                        [mission],
                        row,
                    )
                    .optional()?,
            })
        })
    }

    /// The versions of a mission's schedule: number, kind, when; oldest first.
    pub fn versions(&self, mission: i64) -> StoreResult<Vec<(i64, String, String)>> {
        self.with(|c| {
            let mut statement = c.prepare(
                "SELECT version, kind, created FROM schedules WHERE mission = ?1 ORDER BY version",
            )?;
            let rows = statement.query_map([mission], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Records (or replaces) the outcome of one pair.
    pub fn put_outcome(&self, mission: i64, outcome: &Outcome) -> StoreResult<()> {
        self.with(|c| {
            put_outcome(c, mission, outcome)?;
            Ok(())
        })
    }

    /// Every recorded outcome of a mission, by firm and buyer.
    pub fn outcomes(&self, mission: i64) -> StoreResult<Vec<Outcome>> {
        self.with(|c| {
            let mut statement = c.prepare(
                "SELECT firm, buyer, attended, interest, consultation_usd, contract_usd,
                        next_step, note
                 FROM outcomes WHERE mission = ?1 ORDER BY firm, buyer",
            )?;
            let rows = statement.query_map([mission], |r| {
                Ok(Outcome {
                    firm: FirmId(r.get(0)?),
                    buyer: BuyerId(r.get(1)?),
                    attended: r.get::<_, Option<i64>>(2)?.map(|a| a != 0),
                    interest: r.get::<_, Option<i64>>(3)?.map(|i| i.clamp(0, 5) as u8),
                    consultation_usd: r.get(4)?,
                    contract_usd: r.get(5)?,
                    next_step: r
                        .get::<_, Option<String>>(6)?
                        .as_deref()
                        .and_then(NextStep::parse),
                    note: r.get(7)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// Records a job's state (its first record, or a change of state).
    pub fn put_job(&self, job: &JobRecord) -> StoreResult<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO jobs
                     (id, mission, kind, state, step, created, seconds, version, error, result)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (id) DO UPDATE SET state = excluded.state, step = excluded.step,
                     seconds = excluded.seconds, version = excluded.version, error = excluded.error,
                     result = excluded.result",
                params![
                    job.id,
                    job.mission,
                    job.kind,
                    job.state,
                    job.step,
                    now_utc(),
                    job.seconds,
                    job.version,
                    job.error,
                    job.result
                ],
            )?;
            Ok(())
        })
    }

    /// A stored job.
    pub fn job(&self, id: &str) -> StoreResult<Option<JobRecord>> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT id, mission, kind, state, step, seconds, version, error, result FROM jobs
                 WHERE id = ?1",
                [id],
                |r| {
                    Ok(JobRecord {
                        id: r.get(0)?,
                        mission: r.get(1)?,
                        kind: r.get(2)?,
                        state: r.get(3)?,
                        step: r.get(4)?,
                        seconds: r.get(5)?,
                        version: r.get(6)?,
                        error: r.get(7)?,
                        result: r.get(8)?,
                    })
                },
            )
            .optional()?)
        })
    }

    /// Records a message the SMTP server accepted.
    pub fn record_message(&self, mission: i64, message: &MessageRecord) -> StoreResult<()> {
        self.with(|c| {
            c.execute(
                "INSERT OR REPLACE INTO messages
                     (mission, side, key, participant, recipient, what, language, subject, sent_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    mission,
                    message.side.as_str(),
                    message.key,
                    message.participant,
                    message.to,
                    message.what,
                    message.language,
                    message.subject,
                    message.sent_at
                ],
            )?;
            Ok(())
        })
    }

    /// Every message sent for a mission, oldest first.
    pub fn messages(&self, mission: i64) -> StoreResult<Vec<MessageRecord>> {
        self.with(|c| {
            let mut statement = c.prepare(
                "SELECT side, key, participant, recipient, what, language, subject, sent_at
                 FROM messages WHERE mission = ?1 ORDER BY sent_at, rowid",
            )?;
            let rows = statement.query_map([mission], |r| {
                Ok(MessageRecord {
                    side: side_of(&r.get::<_, String>(0)?),
                    key: r.get(1)?,
                    participant: r.get(2)?,
                    to: r.get(3)?,
                    what: r.get(4)?,
                    language: r.get(5)?,
                    subject: r.get(6)?,
                    sent_at: r.get(7)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// The participant a live link shows. One indexed lookup whether or not the token exists.
    pub fn participant(&self, token: &str) -> StoreResult<Option<ParticipantLink>> {
        self.with(|c| {
            Ok(c.query_row(
                "SELECT mission, side, participant, token FROM tokens
                 WHERE token = ?1 AND kind = 'participant' AND revoked = 0",
                [token],
                participant_link,
            )
            .optional()?)
        })
    }

    /// Every participant link of a mission.
    pub fn participant_links(&self, mission: i64) -> StoreResult<Vec<ParticipantLink>> {
        self.with(|c| {
            let mut statement = c.prepare(
                "SELECT mission, side, participant, token FROM tokens
                 WHERE mission = ?1 AND kind = 'participant' AND revoked = 0
                 ORDER BY side DESC, participant",
            )?;
            let rows = statement.query_map([mission], participant_link)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }
}

/// `count` new random tokens.
fn fresh_tokens(count: usize) -> StoreResult<Vec<String>> {
    (0..count).map(|_| random_token()).collect()
}

/// A participant link for each participant (with its token) who has none; one who has keeps it.
fn insert_links(
    t: &rusqlite::Transaction,
    mission: i64,
    participants: &[(Side, String)],
    tokens: &[String],
) -> rusqlite::Result<()> {
    let now = now_utc();
    for ((side, participant), token) in participants.iter().zip(tokens) {
        t.execute(
            "INSERT OR IGNORE INTO tokens (token, kind, mission, side, participant, created)
             VALUES (?1, 'participant', ?2, ?3, ?4, ?5)",
            params![token, mission, side.as_str(), participant, now],
        )?;
    }
    Ok(())
}

fn mission_row(r: &rusqlite::Row) -> rusqlite::Result<MissionRow> {
    Ok(MissionRow {
        id: r.get(0)?,
        name: r.get(1)?,
        created: r.get(2)?,
        revision: r.get(3)?,
        latest_version: r.get(4)?,
    })
}

fn participant_link(r: &rusqlite::Row) -> rusqlite::Result<ParticipantLink> {
    Ok(ParticipantLink {
        mission: r.get(0)?,
        side: side_of(&r.get::<_, String>(1)?),
        participant: r.get(2)?,
        token: r.get(3)?,
    })
}

fn put_outcome(c: &Connection, mission: i64, o: &Outcome) -> rusqlite::Result<usize> {
    c.execute(
        "INSERT INTO outcomes (mission, firm, buyer, attended, interest, consultation_usd,
                               contract_usd, next_step, note, updated)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (mission, firm, buyer) DO UPDATE SET
             attended = excluded.attended, interest = excluded.interest,
             consultation_usd = excluded.consultation_usd, contract_usd = excluded.contract_usd,
             next_step = excluded.next_step, note = excluded.note, updated = excluded.updated",
        params![
            mission,
            o.firm.as_str(),
            o.buyer.as_str(),
            o.attended.map(i64::from),
            o.interest.map(i64::from),
            o.consultation_usd,
            o.contract_usd,
            o.next_step.map(NextStep::as_str),
            o.note,
            now_utc()
        ],
    )
}
