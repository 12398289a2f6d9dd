//! Reading `mission.toml`: name, currency, sessions, interpreters, rules, model, follow-up.
//!
//! The file is read into spanned TOML values and checked by hand, so that every wrong key is
//! reported with its line in one pass instead of stopping at the first type error.

use std::collections::BTreeMap;

use toml::{Spanned, Value};

use crate::error::Problem;
use crate::model::{Date, Organiser, Rules, Session, SessionId, TimeOfDay, TimeRange};

const FILE: &str = "mission.toml";

type SpannedTable = BTreeMap<String, Spanned<Value>>;

/// Just the parts of the file that hold tables whose keys we check one by one.
#[derive(serde::Deserialize)]
struct Sections {
    #[serde(default)]
    session: Vec<Spanned<SpannedTable>>,
    interpreters: Option<Spanned<SpannedTable>>,
    rules: Option<Spanned<SpannedTable>>,
    model: Option<Spanned<SpannedTable>>,
    followup: Option<Spanned<SpannedTable>>,
    organiser: Option<Spanned<SpannedTable>>,
    participation: Option<Spanned<SpannedTable>>,
    email: Option<Spanned<SpannedTable>>,
}

/// What `mission.toml` says, before the CSV files are read.
#[derive(Debug, Default)]
pub struct MissionSettings {
    pub name: Option<String>,
    pub currency: Option<String>,
    pub sessions: Vec<Session>,
    /// Every session id written in the file, valid or not, so that availability lists naming a
    /// broken session are not reported a second time as "unknown".
    pub session_ids_written: Vec<String>,
    pub interpreters: Option<BTreeMap<String, u32>>,
    pub rules: Rules,
    pub model: BTreeMap<String, f64>,
    pub followup_webhook: Option<String>,
    pub organiser: Option<Organiser>,
    /// v3 `[participation] wishes_until`.
    pub wishes_until: Option<crate::model::OffsetMoment>,
    /// v3 `[email]`.
    pub email: Option<crate::model::EmailSettings>,
    /// Whether the file could be parsed at all (its syntax and structure); when not, the other
    /// files' references to sessions are not checked, since every one would be "unknown".
    pub readable: bool,
}

struct Reader<'a> {
    text: &'a str,
    problems: &'a mut Vec<Problem>,
    warnings: &'a mut Vec<Problem>,
}

fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

impl Reader<'_> {
    fn problem(&mut self, span_start: usize, key: &str, message: impl Into<String>) {
        let line = line_of(self.text, span_start);
        self.problems.push(Problem::new(FILE, line, key, message));
    }

    fn string(&mut self, key: &str, value: &Spanned<Value>) -> Option<String> {
        match value.get_ref() {
            Value::String(text) => Some(text.clone()),
            other => {
                self.problem(
                    value.span().start,
                    key,
                    format!("expected a text in quotes, found {}", other.type_str()),
                );
                None
            }
        }
    }

    fn count(&mut self, key: &str, value: &Spanned<Value>) -> Option<u32> {
        match value.get_ref() {
            Value::Integer(number) if (0..=i64::from(u32::MAX)).contains(number) => {
                Some(*number as u32)
            }
            Value::Integer(number) => {
                self.problem(
                    value.span().start,
                    key,
                    format!("{number} is not a count (it must be 0 or more)"),
                );
                None
            }
            other => {
                self.problem(
                    value.span().start,
                    key,
                    format!("expected a whole number, found {}", other.type_str()),
                );
                None
            }
        }
    }

    /// A local time, written as `"09:30"` or as a TOML time `09:30:00`.
    fn time(&mut self, key: &str, value: &Spanned<Value>) -> Option<TimeOfDay> {
        let text = match value.get_ref() {
            Value::Datetime(datetime) if datetime.date.is_none() => datetime
                .time
                .map(|time| format!("{:02}:{:02}", time.hour, time.minute)),
            Value::String(text) => Some(text.clone()),
            _ => None,
        };
        let parsed = text.as_deref().and_then(TimeOfDay::parse);
        if parsed.is_none() {
            self.problem(
                value.span().start,
                key,
                format!("malformed time {}: expected HH:MM", value.get_ref()),
            );
        }
        parsed
    }

    fn date(&mut self, key: &str, value: &Spanned<Value>) -> Option<Date> {
        let text = match value.get_ref() {
            Value::Datetime(datetime) if datetime.time.is_none() => {
                datetime.date.map(|date| date.to_string())
            }
            Value::String(text) => Some(text.clone()),
            _ => None,
        };
        let parsed = text.as_deref().and_then(Date::parse);
        if parsed.is_none() {
            self.problem(
                value.span().start,
                key,
                format!("malformed date {}: expected YYYY-MM-DD", value.get_ref()),
            );
        }
        parsed
    }

    fn unknown_keys(&mut self, table: &SpannedTable, prefix: &str, known: &[&str]) {
        for (key, value) in table {
            if !known.contains(&key.as_str()) {
                let line = line_of(self.text, value.span().start);
                self.warnings.push(Problem::new(
                    FILE,
                    line,
                    format!("{prefix}{key}"),
                    format!("unknown key, ignored (known: {})", known.join(", ")),
                ));
            }
        }
    }

    /// One `[[session]]`: its day, hours, slots and place, or `None` when it cannot be used.
    fn session(
        &mut self,
        number: usize,
        table: &Spanned<SpannedTable>,
        ids: &mut Vec<String>,
    ) -> Option<Session> {
        let prefix = format!("session[{number}].");
        let key = |name: &str| format!("{prefix}{name}");
        let fields = table.get_ref();
        self.unknown_keys(fields, &prefix, SESSION_KEYS);
        let required = self.required_session_keys(table, &prefix);
        let id = required
            .id
            .and_then(|value| self.session_id(&key("id"), value, ids));
        let date = required
            .date
            .and_then(|value| self.date(&key("date"), value));
        let city = match fields.get("city") {
            Some(value) => self.string(&key("city"), value).unwrap_or_default(),
            None => String::new(),
        };
        let start = required
            .start
            .and_then(|value| self.time(&key("start"), value));
        let end = required.end.and_then(|value| self.time(&key("end"), value));
        let slot_minutes = required
            .slot_minutes
            .and_then(|value| self.count(&key("slot_minutes"), value));
        let break_minutes = match fields.get("break_minutes") {
            Some(value) => self.count(&key("break_minutes"), value),
            None => Some(0),
        };
        let breaks = match fields.get("breaks") {
            Some(value) => self.breaks(&key("breaks"), value),
            None => Some(Vec::new()),
        };
        let tables = fields
            .get("tables")
            .and_then(|value| self.tables(&key("tables"), value));
        let venue = fields
            .get("venue")
            .and_then(|value| self.string(&key("venue"), value))
            .unwrap_or_default();
        let timezone = fields
            .get("timezone")
            .and_then(|value| self.timezone(&key("timezone"), value));
        let slot_problem = match slot_minutes {
            Some(0) => Some("must be at least 1"),
            Some(minutes) if minutes > MOST_SLOT_MINUTES => {
                Some("must be at most 1440 (a slot longer than a day cannot fit a session)")
            }
            _ => None,
        };
        if let (Some(what), Some(value)) = (slot_problem, required.slot_minutes) {
            self.problem(value.span().start, &key("slot_minutes"), what);
        }
        let (id, date, start, end, slot_minutes, break_minutes, breaks) = (
            id?,
            date?,
            start?,
            end?,
            slot_minutes?,
            break_minutes?,
            breaks?,
        );
        let span_of = |value: Option<&Spanned<Value>>| {
            value.map_or(table.span().start, |value| value.span().start)
        };
        let at = HoursAt {
            start: span_of(required.start),
            end: span_of(required.end),
        };
        if end <= start {
            self.problem(
                at.end,
                &key("end"),
                format!("the session ends ({end}) before it starts ({start})"),
            );
            return None;
        }
        if slot_minutes == 0 || slot_minutes > MOST_SLOT_MINUTES {
            return None;
        }
        let session = Session {
            id: SessionId(id),
            date,
            city,
            hours: TimeRange { start, end },
            slot_minutes: slot_minutes as u16,
            break_minutes: break_minutes.min(u32::from(u16::MAX)) as u16,
            breaks,
            timezone,
            venue,
            tables,
        };
        self.hours_hold_slots(&session, &prefix, at)
            .then_some(session)
    }

    /// The keys every session needs, each reported where it is missing.
    fn required_session_keys<'t>(
        &mut self,
        table: &'t Spanned<SpannedTable>,
        prefix: &str,
    ) -> RequiredSessionKeys<'t> {
        let fields = table.get_ref();
        let mut missing = Vec::new();
        let mut field = |name: &'static str| {
            let value = fields.get(name);
            if value.is_none() {
                missing.push(name);
            }
            value
        };
        let required = RequiredSessionKeys {
            id: field("id"),
            date: field("date"),
            start: field("start"),
            end: field("end"),
            slot_minutes: field("slot_minutes"),
        };
        for name in missing {
            self.problem(
                table.span().start,
                &format!("{prefix}{name}"),
                "missing (every session needs it)",
            );
        }
        required
    }

    /// The session's id, reported when it is empty, malformed or another session's; it is
    /// recorded as written either way.
    fn session_id(
        &mut self,
        key: &str,
        value: &Spanned<Value>,
        ids: &mut Vec<String>,
    ) -> Option<String> {
        let id = self.string(key, value)?;
        if id.trim().is_empty() {
            self.problem(value.span().start, key, "empty session id");
        } else if let Some(message) = crate::model::id_problem(&id) {
            self.problem(value.span().start, key, message);
        } else if ids.contains(&id) {
            self.problem(
                value.span().start,
                key,
                format!("duplicate session id \"{id}\""),
            );
        }
        ids.push(id.clone());
        Some(id)
    }

    /// The session's breaks, `["12:30-13:30"]`; every malformed one is reported.
    fn breaks(&mut self, key: &str, value: &Spanned<Value>) -> Option<Vec<TimeRange>> {
        let items = match value.get_ref() {
            Value::Array(items) => items,
            other => {
                self.problem(
                    value.span().start,
                    key,
                    format!(
                        "expected a list like [\"12:30-13:30\"], found {}",
                        other.type_str()
                    ),
                );
                return None;
            }
        };
        let mut breaks = Some(Vec::new());
        for item in items {
            let range = match item {
                Value::String(text) => TimeRange::parse(text),
                _ => None,
            };
            match range {
                Some(range) => breaks.iter_mut().for_each(|list| list.push(range)),
                None => {
                    self.problem(
                        value.span().start,
                        key,
                        format!("malformed break {item}: expected \"HH:MM-HH:MM\""),
                    );
                    breaks = None;
                }
            }
        }
        breaks
    }

    /// How many tables the session's room has: at least one.
    fn tables(&mut self, key: &str, value: &Spanned<Value>) -> Option<u32> {
        let count = self.count(key, value)?;
        if count == 0 {
            self.problem(value.span().start, key, "must be at least 1");
            return None;
        }
        Some(count)
    }

    /// The session's IANA time zone, by its canonical name.
    fn timezone(&mut self, key: &str, value: &Spanned<Value>) -> Option<String> {
        let zone = self.string(key, value)?;
        match zone.trim().parse::<chrono_tz::Tz>() {
            Ok(tz) => Some(tz.name().to_string()),
            Err(_) => {
                self.problem(
                    value.span().start,
                    key,
                    format!("\"{zone}\" is not an IANA time zone (like \"Asia/Kolkata\" or \"Asia/Ho_Chi_Minh\")"),
                );
                None
            }
        }
    }

    /// Whether the session's hours hold at least one slot and exist in its time zone; when not,
    /// the problem is reported at its `end` or its `start`.
    fn hours_hold_slots(&mut self, session: &Session, prefix: &str, at: HoursAt) -> bool {
        if session.slot_ranges().is_empty() {
            let TimeRange { start, end } = session.hours;
            self.problem(
                at.end,
                &format!("{prefix}end"),
                format!(
                    "the session {start}-{end} is too short for one {}-minute slot{}",
                    session.slot_minutes,
                    if session.breaks.is_empty() {
                        ""
                    } else {
                        " outside its breaks"
                    }
                ),
            );
            return false;
        }
        if let Some(gap) = missing_local_time(session) {
            self.problem(at.start, &format!("{prefix}start"), gap);
            return false;
        }
        true
    }
}

/// Where the keys every `[[session]]` needs are written (`None` for those missing).
struct RequiredSessionKeys<'t> {
    id: Option<&'t Spanned<Value>>,
    date: Option<&'t Spanned<Value>>,
    start: Option<&'t Spanned<Value>>,
    end: Option<&'t Spanned<Value>>,
    slot_minutes: Option<&'t Spanned<Value>>,
}

/// Where a session's `start` and `end` are written (where its table starts, when missing).
struct HoursAt {
    start: usize,
    end: usize,
}

/// The longest slot (a day): longer ones fit no session, and a number past `u16` would be lost.
const MOST_SLOT_MINUTES: u32 = 1440;

/// The keys a `[[session]]` may have.
const SESSION_KEYS: &[&str] = &[
    "id",
    "date",
    "city",
    "start",
    "end",
    "slot_minutes",
    "break_minutes",
    "breaks",
    "timezone",
    "venue",
    "tables",
];

/// Where a session's hours fall into a gap of its time zone (the hour the clocks jump forward):
/// a meeting at a time that does not exist cannot go into a calendar.
fn missing_local_time(session: &Session) -> Option<String> {
    use chrono::TimeZone as _;
    let zone: chrono_tz::Tz = session.timezone.as_deref()?.parse().ok()?;
    let date = session.date;
    let day = chrono::NaiveDate::from_ymd_opt(date.year, date.month.into(), date.day.into())?;
    let exists = |minute: u16| {
        // 24:00 is the next day's midnight.
        let (day, minute) = match minute {
            1440.. => (day.succ_opt(), minute - 1440),
            _ => (Some(day), minute),
        };
        let time =
            chrono::NaiveTime::from_hms_opt(u32::from(minute / 60), u32::from(minute % 60), 0);
        match (day, time) {
            (Some(day), Some(time)) => !matches!(
                zone.from_local_datetime(&day.and_time(time)),
                chrono::LocalResult::None
            ),
            _ => true,
        }
    };
    // The session's moments: its end is the moment its last slot ends, not a minute of it (a
    // session may end as the clocks jump).
    let (start, end) = (session.hours.start.0, session.hours.end.0);
    let first = (start..end).find(|&minute| !exists(minute))?;
    let last = (first..end)
        .take_while(|&minute| !exists(minute))
        .last()
        .unwrap_or(first);
    Some(format!(
        "session {}: {}-{} on {date} do not exist in {zone} (the clocks jump forward then); move the session's hours",
        session.id.0,
        TimeOfDay(first),
        TimeOfDay(last + 1)
    ))
}

/// Reads `mission.toml`'s text; problems and warnings are appended.
pub fn read_settings(
    text: &str,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Problem>,
) -> MissionSettings {
    let mut settings = MissionSettings::default();
    let (top, sections) = match parse_tables(text) {
        Ok(tables) => tables,
        Err(problem) => {
            problems.push(problem);
            return settings;
        }
    };
    settings.readable = true;
    let mut reader = Reader {
        text,
        problems,
        warnings,
    };
    reader.unknown_keys(&top, "", TOP_KEYS);
    if let Some(value) = top.get("name") {
        settings.name = reader.string("name", value);
    }
    if let Some(value) = top.get("currency") {
        settings.currency = reader.string("currency", value);
    }
    if sections.session.is_empty() {
        reader.problem(
            0,
            "session",
            "no [[session]] given: a mission needs at least one",
        );
    }
    for (index, table) in sections.session.iter().enumerate() {
        if let Some(session) = reader.session(index + 1, table, &mut settings.session_ids_written) {
            settings.sessions.push(session);
        }
    }
    if let Some(table) = &sections.interpreters {
        settings.interpreters = Some(reader.interpreters(table.get_ref()));
    }
    if let Some(table) = &sections.rules {
        settings.rules = reader.rules(table.get_ref());
    }
    if let Some(table) = &sections.model {
        settings.model = reader.model(table.get_ref());
    }
    if let Some(table) = &sections.followup {
        settings.followup_webhook = reader.followup_webhook(table.get_ref());
    }
    if let Some(table) = &sections.organiser {
        settings.organiser = Some(reader.organiser(table.get_ref()));
    }
    if let Some(table) = &sections.participation {
        settings.wishes_until = reader.wishes_until(table.get_ref());
    }
    if let Some(table) = &sections.email {
        settings.email = read_email(&mut reader, table.get_ref(), table.span().start);
    }
    settings
}

/// The keys `mission.toml` may have at its top.
const TOP_KEYS: &[&str] = &[
    "name",
    "currency",
    "session",
    "interpreters",
    "rules",
    "model",
    "followup",
    "organiser",
    "participation",
    "email",
];

/// The keys `[rules]` may have.
const RULE_KEYS: &[&str] = &[
    "min_meetings_per_firm",
    "max_meetings_per_firm",
    "min_meetings_per_buyer",
    "max_meetings_per_buyer",
    "candidates_per_firm",
    "compact",
    "max_idle_gaps",
    "min_relevance",
];

/// The file as a table of spanned values and as its sections, or the one problem that keeps it
/// from being read: its syntax, or a section of the wrong shape.
fn parse_tables(text: &str) -> Result<(SpannedTable, Sections), Problem> {
    let line = |error: &toml::de::Error| error.span().map_or(1, |span| line_of(text, span.start));
    let top: SpannedTable = toml::from_str(text).map_err(|error| {
        Problem::new(
            FILE,
            line(&error),
            "syntax",
            error.message().trim().to_string(),
        )
    })?;
    let sections: Sections = toml::from_str(text).map_err(|error| {
        Problem::new(
            FILE,
            line(&error),
            "structure",
            format!(
                "{} ([[session]] must be an array of tables; interpreters, rules, model, followup, organiser, participation and email tables)",
                error.message().trim()
            ),
        )
    })?;
    Ok((top, sections))
}

impl Reader<'_> {
    /// `[interpreters]`: how many interpreters of each language a slot may use.
    fn interpreters(&mut self, table: &SpannedTable) -> BTreeMap<String, u32> {
        let mut limits = BTreeMap::new();
        for (language, value) in table {
            let key = format!("interpreters.{language}");
            if !is_language_code(language) {
                self.problem(
                    value.span().start,
                    &key,
                    "not an ISO 639-1 language code (two lower-case letters)",
                );
            }
            if let Some(count) = self.count(&key, value) {
                limits.insert(language.clone(), count);
            }
        }
        limits
    }

    /// `[rules]`: the mission's defaults for meetings, candidates, gaps and relevance.
    fn rules(&mut self, table: &SpannedTable) -> Rules {
        self.unknown_keys(table, "rules.", RULE_KEYS);
        let mut get = |name: &str| {
            table
                .get(name)
                .and_then(|value| self.count(&format!("rules.{name}"), value))
        };
        let rules = Rules {
            min_meetings_per_firm: get("min_meetings_per_firm"),
            max_meetings_per_firm: get("max_meetings_per_firm"),
            min_meetings_per_buyer: get("min_meetings_per_buyer"),
            max_meetings_per_buyer: get("max_meetings_per_buyer"),
            candidates_per_firm: get("candidates_per_firm"),
            max_idle_gaps: get("max_idle_gaps"),
            min_relevance: table
                .get("min_relevance")
                .and_then(|value| self.min_relevance(value)),
            compact: table
                .get("compact")
                .and_then(|value| match value.get_ref() {
                    Value::Boolean(on) => Some(*on),
                    other => {
                        self.problem(
                            value.span().start,
                            "rules.compact",
                            format!("expected true or false, found {}", other.type_str()),
                        );
                        None
                    }
                }),
        };
        self.minimums_within_maximums(table, &rules);
        rules
    }

    /// `rules.min_relevance`: a number from 0 to 1.
    fn min_relevance(&mut self, value: &Spanned<Value>) -> Option<f64> {
        let number = match value.get_ref() {
            Value::Float(number) => Some(*number),
            Value::Integer(number) => Some(*number as f64),
            _ => None,
        };
        match number {
            Some(number) if (0.0..=1.0).contains(&number) => Some(number),
            _ => {
                self.problem(
                    value.span().start,
                    "rules.min_relevance",
                    format!("expected a number from 0 to 1, found {}", value.get_ref()),
                );
                None
            }
        }
    }

    /// Reports a side (firms, buyers) whose minimum meetings exceed its maximum.
    fn minimums_within_maximums(&mut self, table: &SpannedTable, rules: &Rules) {
        for side in ["firm", "buyer"] {
            let min_key = format!("min_meetings_per_{side}");
            let max_key = format!("max_meetings_per_{side}");
            let (minimum, maximum) = match side {
                "firm" => (rules.min_meetings_per_firm, rules.max_meetings_per_firm),
                _ => (rules.min_meetings_per_buyer, rules.max_meetings_per_buyer),
            };
            if let (Some(minimum), Some(maximum), Some(value)) =
                (minimum, maximum, table.get(&min_key))
            {
                if minimum > maximum {
                    self.problem(
                        value.span().start,
                        &format!("rules.{min_key}"),
                        format!("{minimum} is more than rules.{max_key} = {maximum}"),
                    );
                }
            }
        }
    }

    /// `[model]`: the p_deal model's parameters that replace the defaults.
    fn model(&mut self, table: &SpannedTable) -> BTreeMap<String, f64> {
        self.unknown_keys(table, "model.", crate::score::MODEL_PARAMETERS);
        let mut model = BTreeMap::new();
        for (name, value) in table {
            let number = match value.get_ref() {
                Value::Integer(number) => Some(*number as f64),
                Value::Float(number) if number.is_finite() => Some(*number),
                _ => None,
            };
            match number {
                Some(number) => {
                    model.insert(name.clone(), number);
                }
                None => self.problem(
                    value.span().start,
                    &format!("model.{name}"),
                    "expected a finite number",
                ),
            }
        }
        model
    }

    /// `[followup] webhook`: where follow-up is posted, a usable web address.
    fn followup_webhook(&mut self, table: &SpannedTable) -> Option<String> {
        self.unknown_keys(table, "followup.", &["webhook"]);
        let value = table.get("webhook")?;
        self.string("followup.webhook", value)
            .and_then(|url| match webhook_problem(&url) {
                None => Some(url),
                Some(message) => {
                    self.problem(value.span().start, "followup.webhook", message);
                    None
                }
            })
    }

    /// `[organiser]`: who runs the mission, as agendas name them.
    fn organiser(&mut self, table: &SpannedTable) -> Organiser {
        self.unknown_keys(table, "organiser.", &["name", "email", "phone"]);
        let mut get = |name: &str| {
            table
                .get(name)
                .and_then(|value| self.string(&format!("organiser.{name}"), value))
                .unwrap_or_default()
        };
        Organiser {
            name: get("name"),
            email: get("email"),
            phone: get("phone"),
        }
    }

    /// `[participation] wishes_until`: the moment participants' wishes close.
    fn wishes_until(&mut self, table: &SpannedTable) -> Option<crate::model::OffsetMoment> {
        self.unknown_keys(table, "participation.", &["wishes_until"]);
        let value = table.get("wishes_until")?;
        let key = "participation.wishes_until";
        let text = self.string(key, value)?;
        let deadline = crate::model::OffsetMoment::parse(&text);
        if deadline.is_none() {
            self.problem(
                value.span().start,
                key,
                format!(
                    "\"{text}\" is not a date and time with its UTC offset (2026-10-01T18:00+07:00)"
                ),
            );
        }
        deadline
    }
}

/// The `[email]` table: `from` and `smtp_host` required, `smtp_port` (587), `security`
/// (`starttls`), `user` optional. A `password` key is refused: it never belongs in a file.
fn read_email(
    reader: &mut Reader,
    table: &SpannedTable,
    at: usize,
) -> Option<crate::model::EmailSettings> {
    use crate::model::SmtpSecurity;
    if let Some(value) = table.get("password") {
        reader.problem(
            value.span().start,
            "email.password",
            "never write the password in a file: set MISSIONMATCH_SMTP_PASSWORD",
        );
    }
    reader.unknown_keys(
        table,
        "email.",
        &[
            "from",
            "smtp_host",
            "smtp_port",
            "security",
            "user",
            "password",
        ],
    );
    let mut text = |key: &str| {
        table
            .get(key)
            .and_then(|value| reader.string(&format!("email.{key}"), value))
    };
    let (from, host, security, user) = (
        text("from"),
        text("smtp_host"),
        text("security"),
        text("user"),
    );
    let security = match security.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("starttls") => Some(SmtpSecurity::StartTls),
        Some("tls") => Some(SmtpSecurity::Tls),
        Some("none") => Some(SmtpSecurity::None),
        Some(other) => {
            let at = table.get("security").map_or(0, |v| v.span().start);
            reader.problem(
                at,
                "email.security",
                format!("\"{other}\" is none of tls, starttls, none"),
            );
            None
        }
    };
    let loopback = host
        .as_deref()
        .is_some_and(|h| matches!(h.trim(), "localhost" | "127.0.0.1" | "::1" | "[::1]"));
    if security == Some(SmtpSecurity::None) && !loopback {
        let at = table.get("security").map_or(at, |v| v.span().start);
        reader.problem(
            at,
            "email.security",
            "\"none\" sends the password and the mail unencrypted: only for a server on this computer (localhost); use starttls or tls",
        );
    }
    let default_port = if security == Some(SmtpSecurity::Tls) {
        465
    } else {
        587
    };
    let port = match table.get("smtp_port") {
        None => Some(default_port),
        Some(value) => match value.get_ref() {
            Value::Integer(port) if (1..=65535).contains(port) => Some(*port as u16),
            _ => {
                reader.problem(
                    value.span().start,
                    "email.smtp_port",
                    "must be a port number from 1 to 65535",
                );
                None
            }
        },
    };
    for (key, value) in [("from", &from), ("smtp_host", &host)] {
        if value.as_deref().is_none_or(|v| v.trim().is_empty()) {
            reader.problem(at, &format!("email.{key}"), "is required in [email]");
        }
    }
    Some(crate::model::EmailSettings {
        from: from?.trim().to_string(),
        smtp_host: host?.trim().to_string(),
        smtp_port: port?,
        security: security?,
        user: user.filter(|u| !u.trim().is_empty()),
    })
}

/// Why a webhook address cannot be used: it must be an absolute `http` or `https` URL with a
/// host (parsing only; nothing is sent).
fn webhook_problem(url: &str) -> Option<String> {
    // Never the query in a message: it may hold a key (`?api_key=...`).
    let url = url.split_once('?').map_or(url, |(address, _)| address);
    match reqwest::Url::parse(url.trim()) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => {
            None
        }
        Ok(parsed) => Some(format!(
            "\"{url}\" is not an http:// or https:// address (scheme \"{}\")",
            parsed.scheme()
        )),
        Err(error) => Some(format!(
            "\"{url}\" is not a web address ({error}); write it as https://host/path"
        )),
    }
}

/// Whether the text is two lower-case ASCII letters.
pub fn is_language_code(text: &str) -> bool {
    text.len() == 2 && text.bytes().all(|b| b.is_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: &[&str]) {
        let mut problems = Vec::new();
        let mut warnings = Vec::new();
        read_settings(text, &mut problems, &mut warnings);
        let actual: Vec<String> = problems
            .iter()
            .chain(&warnings)
            .map(|p| p.to_string())
            .collect();
        assert_eq!(actual, expected);
    }

    const GOOD: &str = "name = \"M\"\n[[session]]\nid = \"A\"\ndate = \"2017-03-27\"\nstart = \"09:30\"\nend = \"12:00\"\nslot_minutes = 30\n";

    #[test]
    fn a_good_file_has_no_problems() {
        check(GOOD, &[]);
        check(&GOOD.replace("\"2017-03-27\"", "2017-03-27"), &[]);
    }

    #[test]
    fn each_problem_names_its_key_and_line() {
        check(
            &GOOD.replace("12:00", "13:70"),
            &["mission.toml:6: session[1].end: malformed time \"13:70\": expected HH:MM"],
        );
        check(
            &GOOD.replace("12:00", "09:00"),
            &["mission.toml:6: session[1].end: the session ends (09:00) before it starts (09:30)"],
        );
        check(
            &GOOD.replace("12:00", "09:50"),
            &["mission.toml:6: session[1].end: the session 09:30-09:50 is too short for one 30-minute slot"],
        );
        check(
            &GOOD.replace("slot_minutes = 30\n", ""),
            &["mission.toml:2: session[1].slot_minutes: missing (every session needs it)"],
        );
        // A slot too long for any session is one problem, however long (70000 minutes, past a
        // u16, once dropped the session without a word).
        for minutes in ["0", "1441", "70000"] {
            let expected = if minutes == "0" {
                "must be at least 1"
            } else {
                "must be at most 1440 (a slot longer than a day cannot fit a session)"
            };
            check(
                &GOOD.replace("slot_minutes = 30", &format!("slot_minutes = {minutes}")),
                &[&format!(
                    "mission.toml:7: session[1].slot_minutes: {expected}"
                )],
            );
        }
        check(
            &format!("{GOOD}[rules]\nmin_meetings_per_firm = -1\nmax_meeting_per_firm = 3\n"),
            &[
                "mission.toml:9: rules.min_meetings_per_firm: -1 is not a count (it must be 0 or more)",
                "mission.toml:10: rules.max_meeting_per_firm: unknown key, ignored (known: min_meetings_per_firm, max_meetings_per_firm, min_meetings_per_buyer, max_meetings_per_buyer, candidates_per_firm, compact, max_idle_gaps, min_relevance)",
            ],
        );
        check(
            "name = \"M\"\n[[session]\n",
            &["mission.toml:2: syntax: unclosed array table, expected `]`"],
        );
        check(
            &format!("{GOOD}[followup]\nwebhook = \"crm.example.org/hook\"\n"),
            &["mission.toml:9: followup.webhook: \"crm.example.org/hook\" is not a web address (relative URL without a base); write it as https://host/path"],
        );
        check(
            &format!("{GOOD}[followup]\nwebhook = \"ftp://crm.example.org/hook\"\n"),
            &["mission.toml:9: followup.webhook: \"ftp://crm.example.org/hook\" is not an http:// or https:// address (scheme \"ftp\")"],
        );
        check(
            &format!("{GOOD}[followup]\nwebhook = \"https://crm.example.org/hook\"\n"),
            &[],
        );
    }
}
