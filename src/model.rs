//! The domain: a mission, its sessions and slots, firms, buyers, requests and outcomes.
//!
//! These types are what the engine reasons about; they are not the wire format (that is `io`'s
//! business). Everything here is already validated: a `Mission` that exists obeys the contract.

use std::collections::BTreeMap;
use std::fmt;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub String);

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(&self.0)
            }
        }

        impl $name {
            /// The id as written in the mission folder.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

string_id!(
    /// A local firm's id, as in `firms.csv` (`F01`).
    FirmId
);
string_id!(
    /// A foreign buyer's id, as in `buyers.csv` (`IN-023`).
    BuyerId
);
string_id!(
    /// A consultation session's id, as in `mission.toml` (`DEL-1`).
    SessionId
);

/// A slot's position in [`Mission::slots`]; slots are ordered by session, then start time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SlotId(pub usize);

/// A local time of day, in minutes after midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay(pub u16);

impl TimeOfDay {
    /// Reads `HH:MM` (hours 0-24, minutes 00-59; `24:00` is midnight at the end of the day).
    pub fn parse(text: &str) -> Option<TimeOfDay> {
        let (hours, minutes) = text.trim().split_once(':')?;
        if hours.is_empty() || hours.len() > 2 || minutes.len() != 2 {
            return None;
        }
        if !hours
            .bytes()
            .chain(minutes.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let hours: u16 = hours.parse().ok()?;
        let minutes: u16 = minutes.parse().ok()?;
        if minutes >= 60 || hours > 24 || (hours == 24 && minutes != 0) {
            return None;
        }
        Some(TimeOfDay(hours * 60 + minutes))
    }

    /// Minutes after midnight.
    pub fn minutes(self) -> u16 {
        self.0
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// A half-open local time range `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeRange {
    /// First minute inside the range.
    pub start: TimeOfDay,
    /// First minute after the range.
    pub end: TimeOfDay,
}

impl TimeRange {
    /// Reads `HH:MM-HH:MM`; `None` when malformed or when the end is not after the start.
    pub fn parse(text: &str) -> Option<TimeRange> {
        let (start, end) = text.trim().split_once('-')?;
        let range = TimeRange {
            start: TimeOfDay::parse(start)?,
            end: TimeOfDay::parse(end)?,
        };
        (range.start < range.end).then_some(range)
    }

    /// Whether the two ranges share at least one minute.
    pub fn overlaps(&self, other: &TimeRange) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// Whether `other` lies wholly inside `self`.
    pub fn contains(&self, other: &TimeRange) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    /// Length in minutes.
    pub fn minutes(&self) -> u16 {
        self.end.0 - self.start.0
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}-{}", self.start, self.end)
    }
}

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year, e.g. 2017.
    pub year: i32,
    /// Month 1-12.
    pub month: u8,
    /// Day 1-31.
    pub day: u8,
}

impl Date {
    /// Reads `YYYY-MM-DD`, rejecting days that do not exist (`2017-02-30`).
    pub fn parse(text: &str) -> Option<Date> {
        let text = text.trim();
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let digits = |range: std::ops::Range<usize>| -> Option<u32> {
            let part = &text[range];
            part.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| part.parse().ok())?
        };
        let year = digits(0..4)? as i32;
        let month = digits(5..7)? as u8;
        let day = digits(8..10)? as u8;
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Days since 1970-01-01 (negative before it).
    pub fn days_since_epoch(self) -> i64 {
        // Howard Hinnant's days-from-civil algorithm, shifted so March starts the year.
        let year = i64::from(self.year) - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let month = i64::from(self.month);
        let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5
            + i64::from(self.day)
            - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// The date `days` days later (earlier when negative).
    pub fn add_days(self, days: i64) -> Date {
        let z = self.days_since_epoch() + days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z - era * 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
        let month = if shifted_month < 10 {
            shifted_month + 3
        } else {
            shifted_month - 9
        };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        Date {
            year: year as i32,
            month: month as u8,
            day: day as u8,
        }
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Date {
    /// Day of the week, 0 = Monday .. 6 = Sunday.
    pub fn weekday(self) -> u8 {
        // 1970-01-01 was a Thursday.
        (self.days_since_epoch() + 3).rem_euclid(7) as u8
    }

    /// `Mon 27 Mar 2017`.
    pub fn long_english(self) -> String {
        const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        format!(
            "{} {} {} {}",
            DAYS[usize::from(self.weekday())],
            self.day,
            MONTHS[usize::from(self.month.clamp(1, 12) - 1)],
            self.year
        )
    }

    /// `2017년 3월 27일 (월)`.
    pub fn long_korean(self) -> String {
        const DAYS: [&str; 7] = ["월", "화", "수", "목", "금", "토", "일"];
        format!(
            "{}년 {}월 {}일 ({})",
            self.year,
            self.month,
            self.day,
            DAYS[usize::from(self.weekday())]
        )
    }
}

impl fmt::Display for Date {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{:04}-{:02}-{:02}",
            self.year, self.month, self.day
        )
    }
}

/// One block of consultations: a day or half-day at one venue.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// Unique id, used by availability lists.
    pub id: SessionId,
    /// The day of the session.
    pub date: Date,
    /// The venue's city.
    pub city: String,
    /// When the first meeting may start and the last must end (local time).
    pub hours: TimeRange,
    /// Length of one meeting.
    pub slot_minutes: u16,
    /// Gap after each meeting.
    pub break_minutes: u16,
    /// Windows no meeting may overlap (lunch, speeches).
    pub breaks: Vec<TimeRange>,
    /// IANA time zone of the venue (`Asia/Kolkata`), checked against the zone database; calendar
    /// files need it to place meetings in time.
    pub timezone: Option<String>,
    /// The venue's name and address, printed on agendas (empty when not given).
    pub venue: String,
    /// Shared tables (v2 rule 8): at most this many meetings at once, each at a numbered table;
    /// `None` when firms sit at their booths.
    pub tables: Option<u32>,
}

impl Session {
    /// The session's slots, in order, as contract section 1 derives them: the first starts at
    /// `start`, each next one `slot_minutes + break_minutes` after the previous start, a slot that
    /// would overlap a break starts at the end of that break instead, and none ends after `end`.
    pub fn slot_ranges(&self) -> Vec<TimeRange> {
        let mut ranges = Vec::new();
        if self.slot_minutes == 0 {
            return ranges;
        }
        let length = u32::from(self.slot_minutes);
        let step = length + u32::from(self.break_minutes);
        let mut start = u32::from(self.hours.start.0);
        loop {
            // A slot pushed past one break may land on the next one: keep pushing.
            while let Some(blocking) = self.breaks.iter().find(|window| {
                start < u32::from(window.end.0) && u32::from(window.start.0) < start + length
            }) {
                start = u32::from(blocking.end.0);
            }
            if start + length > u32::from(self.hours.end.0) {
                break;
            }
            ranges.push(TimeRange {
                start: TimeOfDay(start as u16),
                end: TimeOfDay((start + length) as u16),
            });
            start += step;
        }
        ranges
    }
}

/// One meeting slot of the mission: a session and a time range inside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    /// Position in [`Mission::slots`].
    pub id: SlotId,
    /// Position of its session in [`Mission::sessions`].
    pub session: usize,
    /// Local start and end.
    pub range: TimeRange,
}

/// One availability window: a whole session, or a local time range inside one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Position of the session in [`Mission::sessions`].
    pub session: usize,
    /// `None` for the whole session.
    pub range: Option<TimeRange>,
}

/// When a participant can meet (contract section 2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Availability {
    /// No `sessions` given: every session.
    #[default]
    Everywhere,
    /// Only inside these windows.
    Windows(Vec<Window>),
}

impl Availability {
    /// Whether the slot lies wholly inside one of the windows.
    pub fn allows(&self, slot: &Slot) -> bool {
        match self {
            Availability::Everywhere => true,
            Availability::Windows(windows) => windows.iter().any(|window| {
                window.session == slot.session
                    && window.range.is_none_or(|range| range.contains(&slot.range))
            }),
        }
    }
}

/// An HS code of 2 to 10 digits; only the first six mean the same in every country.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HsCode(String);

impl HsCode {
    /// Accepts 2 to 10 ASCII digits.
    pub fn parse(text: &str) -> Option<HsCode> {
        let text = text.trim();
        ((2..=10).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| HsCode(text.to_string()))
    }

    /// The digits as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 2-digit chapter.
    pub fn chapter(&self) -> &str {
        &self.0[..2]
    }

    /// The 4-digit heading, if the code is that precise.
    pub fn heading(&self) -> Option<&str> {
        self.0.get(..4)
    }

    /// The 6-digit subheading, if the code is that precise.
    pub fn subheading(&self) -> Option<&str> {
        self.0.get(..6)
    }
}

impl fmt::Display for HsCode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// Per-participant limits that override the mission's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MeetingLimits {
    /// At least this many meetings are wanted.
    pub min_meetings: Option<u32>,
    /// At most this many meetings.
    pub max_meetings: Option<u32>,
}

/// A local firm travelling with the mission.
#[derive(Debug, Clone, PartialEq)]
pub struct Firm {
    /// Unique id.
    pub id: FirmId,
    /// Company name.
    pub name: String,
    /// Free-text sector.
    pub sector: String,
    /// Free-text products, any language.
    pub products: String,
    /// Keywords.
    pub keywords: Vec<String>,
    /// HS codes of its products.
    pub hs_codes: Vec<HsCode>,
    /// ISO 639-1 codes its delegate speaks (never empty: default `ko`).
    pub languages: Vec<String>,
    /// When it can meet.
    pub availability: Availability,
    /// Overrides of the mission's minimum and maximum.
    pub limits: MeetingLimits,
    /// The largest yearly order it could serve.
    pub export_capacity_usd: Option<f64>,
    /// Where the firm sits (`B07`), printed on agendas (empty when not given).
    pub booth: String,
    /// Its delegate.
    pub contact: Contact,
    /// Whether it still takes part.
    pub status: Status,
    /// Columns the contract does not name, kept for display.
    pub extra: Vec<(String, String)>,
    /// v3: the name in Latin letters and the products line for buyers who read English or
    /// Vietnamese (`name_en`, `products_en`, `products_vi`).
    pub for_buyers: ForBuyers,
}

/// What a firm says of itself for buyers (firms.csv v3 columns; empty when not given).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ForBuyers {
    /// The firm's name in Latin letters (`name_en`).
    pub name_en: String,
    /// What it makes, in English (`products_en`).
    pub products_en: String,
    /// What it makes, in Vietnamese (`products_vi`).
    pub products_vi: String,
}

impl Firm {
    /// The firm's name for a buyer: the name, with `name_en` beside it when given and different.
    pub fn name_for_buyers(&self) -> String {
        let latin = self.for_buyers.name_en.trim();
        if latin.is_empty() || latin == self.name {
            self.name.clone()
        } else {
            format!("{} ({latin})", self.name)
        }
    }

    /// The products line in a language the buyer reads (its `languages`, in order), falling back
    /// to English, then to `products` (contract v3).
    pub fn products_for(&self, languages: &[String]) -> &str {
        let of = |language: &str| match language {
            "vi" => Some(self.for_buyers.products_vi.as_str()),
            "en" => Some(self.for_buyers.products_en.as_str()),
            _ => None,
        };
        languages
            .iter()
            .filter_map(|language| of(language))
            .chain([self.for_buyers.products_en.as_str()])
            .find(|text| !text.trim().is_empty())
            .unwrap_or(&self.products)
    }
}

/// A foreign buyer invited to the consultations.
#[derive(Debug, Clone, PartialEq)]
pub struct Buyer {
    /// Unique id.
    pub id: BuyerId,
    /// Company name.
    pub company: String,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
    /// City.
    pub city: String,
    /// Free-text sector.
    pub sector: String,
    /// Free text: what it wants to buy.
    pub interests: String,
    /// Keywords.
    pub keywords: Vec<String>,
    /// HS codes it buys.
    pub hs_codes: Vec<HsCode>,
    /// ISO 639-1 codes (never empty: default `en`); the first is the interpreter's language.
    pub languages: Vec<String>,
    /// When it can meet.
    pub availability: Availability,
    /// Overrides of the mission's minimum and maximum.
    pub limits: MeetingLimits,
    /// Its yearly purchases in the categories it named.
    pub annual_import_usd: Option<f64>,
    /// The person who comes.
    pub contact: Contact,
    /// Whether it still takes part.
    pub status: Status,
    /// Columns the contract does not name, kept for display.
    pub extra: Vec<(String, String)>,
}

/// How to reach a participant's delegate (the v2 columns `contact`, `email`, `phone`); each part
/// is empty when not given.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Contact {
    /// The person's name.
    pub person: String,
    /// E-mail address.
    pub email: String,
    /// Telephone number.
    pub phone: String,
}

/// Whether a participant still takes part (the v2 `status` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    /// Takes part (the default).
    #[default]
    Active,
    /// Withdrew: gets no new meetings.
    Cancelled,
}

impl Status {
    /// Parses the cell's text (`active`, `cancelled`; case-insensitive, also `canceled`).
    pub fn parse(text: &str) -> Option<Status> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "active" => Some(Status::Active),
            "cancelled" | "canceled" => Some(Status::Cancelled),
            _ => None,
        }
    }

    /// The contract's word.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Cancelled => "cancelled",
        }
    }
}

/// Who runs the mission (`[organiser]`, v2), printed on every agenda.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Organiser {
    /// Name of the agency or division.
    pub name: String,
    /// E-mail address (empty when not given).
    pub email: String,
    /// Telephone number (empty when not given).
    pub phone: String,
}

/// What a request row asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RequestKind {
    /// A mild wish: raises the pair's value.
    Request,
    /// A strong wish (v2): among timetables that cover the minimums best, as many `want` rows
    /// as possible meet (rule 7).
    Want,
    /// The pair has to meet.
    Must,
    /// The pair must not meet.
    Avoid,
}

impl RequestKind {
    /// Reads `request`, `must` or `avoid`.
    pub fn parse(text: &str) -> Option<RequestKind> {
        match text.trim().to_ascii_lowercase().as_str() {
            "request" => Some(RequestKind::Request),
            "want" => Some(RequestKind::Want),
            "must" => Some(RequestKind::Must),
            "avoid" => Some(RequestKind::Avoid),
            _ => None,
        }
    }

    /// The contract's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Request => "request",
            RequestKind::Want => "want",
            RequestKind::Must => "must",
            RequestKind::Avoid => "avoid",
        }
    }
}

/// Which side of a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Side {
    /// The local firm.
    Firm,
    /// The foreign buyer.
    Buyer,
}

impl Side {
    /// `firm` or `buyer`, as files, the API and messages name a side.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Firm => "firm",
            Side::Buyer => "buyer",
        }
    }

    /// Both sides, firm first.
    pub const BOTH: [Side; 2] = [Side::Firm, Side::Buyer];
}

/// One value per side of a pair, so code about firms and buyers is written once and indexed by
/// [`Side`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PerSide<T> {
    pub firm: T,
    pub buyer: T,
}

impl<T> PerSide<T> {
    /// The value of each side from `make`.
    pub fn from_fn(mut make: impl FnMut(Side) -> T) -> PerSide<T> {
        PerSide {
            firm: make(Side::Firm),
            buyer: make(Side::Buyer),
        }
    }
}

impl<T> std::ops::Index<Side> for PerSide<T> {
    type Output = T;

    fn index(&self, side: Side) -> &T {
        match side {
            Side::Firm => &self.firm,
            Side::Buyer => &self.buyer,
        }
    }
}

impl<T> std::ops::IndexMut<Side> for PerSide<T> {
    fn index_mut(&mut self, side: Side) -> &mut T {
        match side {
            Side::Firm => &mut self.firm,
            Side::Buyer => &mut self.buyer,
        }
    }
}

/// A meeting wish, or a pair that must or must not meet.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The firm.
    pub firm: FirmId,
    /// The buyer.
    pub buyer: BuyerId,
    /// What is asked.
    pub kind: RequestKind,
    /// Who asked, if known.
    pub from: Option<Side>,
    /// v3: the row is a participant's own wish (`from` = its id in `requests.csv`), as the
    /// engine honours it (see [`resolve_wishes`]).
    pub wish: bool,
    /// Where the pair's meeting must lie (v2 `when`, rule 9); `Everywhere` when not given.
    pub when: Availability,
    /// Free text.
    pub note: String,
}

/// How `send` reaches the SMTP server (contract v3 `[email]`); the password comes from
/// `MISSIONMATCH_SMTP_PASSWORD`, never from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailSettings {
    /// The sender, `Name <address>`.
    pub from: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub security: SmtpSecurity,
    /// The login, if the server asks for one.
    pub user: Option<String>,
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// TLS from the first byte (port 465).
    Tls,
    /// Plain, then STARTTLS (port 587), required.
    StartTls,
    /// No encryption: only for a server on this computer.
    None,
}

/// A moment written with its UTC offset (`2026-10-01T18:00+07:00`), as written and as seconds
/// since 1970 (UTC): when participants' wishes close (`wishes_until`). Not a time limit of work:
/// that is `schedule::Deadline`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetMoment {
    pub written: String,
    pub unix_seconds: i64,
}

impl OffsetMoment {
    /// Reads `YYYY-MM-DDTHH:MM[:SS]` followed by `+HH:MM`, `-HH:MM` or `Z`.
    pub fn parse(text: &str) -> Option<OffsetMoment> {
        let text = text.trim();
        let with_offset = if let Some(utc) = text.strip_suffix('Z') {
            format!("{utc}+00:00")
        } else {
            text.to_string()
        };
        ["%Y-%m-%dT%H:%M%:z", "%Y-%m-%dT%H:%M:%S%:z"]
            .iter()
            .find_map(|format| chrono::DateTime::parse_from_str(&with_offset, format).ok())
            .map(|moment| OffsetMoment {
                written: text.to_string(),
                unix_seconds: moment.timestamp(),
            })
    }

    /// Whether the moment has passed at `unix_seconds`.
    pub fn passed_at(&self, unix_seconds: i64) -> bool {
        unix_seconds > self.unix_seconds
    }
}

/// The requests the engine honours, from the organiser's rows and the participants' wishes
/// (contract v3, "Participants' wishes"): a pair with a row from the organiser keeps only the
/// organiser's rows; otherwise a participant's wish replaces the `from = firm` or `from = buyer`
/// row of its own side, an `avoid` from either side is never scheduled (the pair's wants go),
/// and a `must` counts as a `want`. The rows that come from wishes are marked `wish`.
pub fn resolve_wishes(rows: Vec<Request>, wishes: &[Request]) -> Vec<Request> {
    use std::collections::BTreeSet;
    let pair = |r: &Request| (r.firm.clone(), r.buyer.clone());
    let organised: BTreeSet<(FirmId, BuyerId)> =
        rows.iter().filter(|r| r.from.is_none()).map(pair).collect();
    let honoured: Vec<&Request> = wishes
        .iter()
        .filter(|w| !organised.contains(&pair(w)))
        .collect();
    let wished_by: BTreeSet<(FirmId, BuyerId, Option<Side>)> = honoured
        .iter()
        .map(|w| (w.firm.clone(), w.buyer.clone(), w.from))
        .collect();
    let avoided: BTreeSet<(FirmId, BuyerId)> = honoured
        .iter()
        .filter(|w| w.kind == RequestKind::Avoid)
        .map(|w| pair(w))
        .collect();
    let mut out: Vec<Request> = rows
        .into_iter()
        .filter(|r| {
            r.from.is_none()
                || !(wished_by.contains(&(r.firm.clone(), r.buyer.clone(), r.from))
                    || avoided.contains(&pair(r)))
        })
        .collect();
    for wish in honoured {
        let kind = match wish.kind {
            RequestKind::Avoid => RequestKind::Avoid,
            _ if avoided.contains(&pair(wish)) => continue,
            RequestKind::Must | RequestKind::Want => RequestKind::Want,
            RequestKind::Request => RequestKind::Request,
        };
        out.push(Request {
            kind,
            wish: true,
            ..wish.clone()
        });
    }
    out
}

impl Request {
    /// The id of the participant whose own wish the row is (`from` = that id), if it is one.
    pub fn wished_by(&self) -> Option<&str> {
        match (self.wish, self.from) {
            (true, Some(Side::Firm)) => Some(self.firm.as_str()),
            (true, Some(Side::Buyer)) => Some(self.buyer.as_str()),
            _ => None,
        }
    }
}

/// The next step agreed at a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NextStep {
    /// The buyer asked for a quote.
    Quote,
    /// The buyer asked for samples.
    Sample,
    /// A visit was agreed.
    Visit,
    /// Nothing agreed.
    None,
}

impl NextStep {
    /// Reads `quote`, `sample`, `visit` or `none`.
    pub fn parse(text: &str) -> Option<NextStep> {
        match text.trim().to_ascii_lowercase().as_str() {
            "quote" => Some(NextStep::Quote),
            "sample" => Some(NextStep::Sample),
            "visit" => Some(NextStep::Visit),
            "none" => Some(NextStep::None),
            _ => None,
        }
    }

    /// The contract's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            NextStep::Quote => "quote",
            NextStep::Sample => "sample",
            NextStep::Visit => "visit",
            NextStep::None => "none",
        }
    }
}

/// What one scheduled meeting produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The firm.
    pub firm: FirmId,
    /// The buyer.
    pub buyer: BuyerId,
    /// Whether the meeting took place (`false`: no-show; `None`: not recorded yet, which counts
    /// as no information).
    pub attended: Option<bool>,
    /// 0 (none) to 5 (ready to order).
    pub interest: Option<u8>,
    /// Value of the business discussed.
    pub consultation_usd: Option<f64>,
    /// Value signed on site.
    pub contract_usd: Option<f64>,
    /// The agreed next step.
    pub next_step: Option<NextStep>,
    /// Free text.
    pub note: String,
}

/// The mission's `[rules]`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rules {
    /// Default minimum meetings for each firm.
    pub min_meetings_per_firm: Option<u32>,
    /// Default maximum meetings for each firm.
    pub max_meetings_per_firm: Option<u32>,
    /// Default minimum meetings for each buyer.
    pub min_meetings_per_buyer: Option<u32>,
    /// Default maximum meetings for each buyer.
    pub max_meetings_per_buyer: Option<u32>,
    /// How many buyers the matcher keeps per firm.
    pub candidates_per_firm: Option<u32>,
    /// Among the best timetables, the one with the fewest idle gaps (v2 rule 10; default on).
    pub compact: Option<bool>,
    /// Rule 10 (v2): nobody has more idle gaps than this in the whole mission.
    pub max_idle_gaps: Option<u32>,
    /// v3: pairs less relevant than this are never scheduled unless a `must`, `want` or
    /// `request` row names them (default [`DEFAULT_MIN_RELEVANCE`]).
    pub min_relevance: Option<f64>,
}

/// The relevance floor when `[rules] min_relevance` is not set: pairs that share no HS chapter
/// and little text score under it (an empty slot beats a meeting between unrelated trades).
pub const DEFAULT_MIN_RELEVANCE: f64 = 0.2;

impl Rules {
    /// The relevance floor in force.
    pub fn relevance_floor(&self) -> f64 {
        self.min_relevance.unwrap_or(DEFAULT_MIN_RELEVANCE)
    }
}

/// One export mission, as read from its folder and validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Mission {
    /// Display name.
    pub name: String,
    /// Currency of every `*_usd` amount.
    pub currency: String,
    /// Consultation sessions, in the order of `mission.toml`.
    pub sessions: Vec<Session>,
    /// Every slot of every session, ordered by session then start.
    pub slots: Vec<Slot>,
    /// Interpreter limits per language; `None` when the mission sets no limits.
    pub interpreters: Option<BTreeMap<String, u32>>,
    /// Scheduling and matching rules.
    pub rules: Rules,
    /// Parameters of the deal-value model (`[model]`), by name.
    pub model: BTreeMap<String, f64>,
    /// Webhook for follow-up notifications (`[followup] webhook`).
    pub followup_webhook: Option<String>,
    /// Who runs the mission (`[organiser]`), when given.
    pub organiser: Option<Organiser>,
    /// v3 `[participation] wishes_until`: after it, participants' wish pages are closed.
    pub wishes_until: Option<OffsetMoment>,
    /// v3 `[email]`: the SMTP server `send` uses.
    pub email: Option<EmailSettings>,
    /// The local firms.
    pub firms: Vec<Firm>,
    /// The foreign buyers.
    pub buyers: Vec<Buyer>,
    /// Meeting wishes and must/avoid pairs, as the engine honours them: the organiser's rows,
    /// and the participants' wishes they do not override (see [`resolve_wishes`]).
    pub requests: Vec<Request>,
    /// v3: the participants' own wishes as they asked them (`from` = the participant's id in
    /// `requests.csv`), honoured or not.
    pub wishes: Vec<Request>,
    /// What the meetings produced, when `outcomes.csv` exists.
    pub outcomes: Option<Vec<Outcome>>,
}

/// The slots of the sessions, in order: what [`Mission::slots`] holds.
pub fn derive_slots(sessions: &[Session]) -> Vec<Slot> {
    let mut slots = Vec::new();
    for (session_index, session) in sessions.iter().enumerate() {
        for range in session.slot_ranges() {
            slots.push(Slot {
                id: SlotId(slots.len()),
                session: session_index,
                range,
            });
        }
    }
    slots
}

/// Why a text cannot be an id (contract v2, "Spreadsheet safety"): ids are written into `;`
/// lists, `SESSION@HH:MM` windows and spreadsheets, so they may not contain `,` `;` `@` or
/// control characters, nor start with `=` `+` `-` `@` (which Excel reads as a formula).
pub fn id_problem(id: &str) -> Option<String> {
    if let Some(bad) = id
        .chars()
        .find(|c| matches!(c, ',' | ';' | '@') || c.is_control())
    {
        return Some(format!(
            "id \"{}\" contains {}; ids may not contain , ; @ or control characters",
            id.escape_debug(),
            if bad.is_control() {
                "a control character".to_string()
            } else {
                format!("\"{bad}\"")
            }
        ));
    }
    if id.starts_with(['=', '+', '-', '@']) {
        return Some(format!(
            "id \"{id}\" starts with \"{}\", which a spreadsheet reads as a formula",
            &id[..1]
        ));
    }
    None
}

/// The largest amount taken, in the mission's currency: a trillion. Larger ones are typos (or
/// would overflow sums into infinity).
pub const LARGEST_AMOUNT: f64 = 1e12;

/// The language an interpreter must speak for this pair, or `None` when they share one
/// (contract section 3, v2): the first of the buyer's languages that the `[interpreters]` table
/// lists (so `vi;en` uses English interpreters when only English is listed); without a table, or
/// when it lists none of them, the buyer's first language.
pub fn interpreter_language<'a>(
    firm_languages: &[String],
    buyer_languages: &'a [String],
    interpreters: Option<&BTreeMap<String, u32>>,
) -> Option<&'a str> {
    let shared = buyer_languages
        .iter()
        .any(|language| firm_languages.contains(language));
    if shared {
        return None;
    }
    interpreters
        .and_then(|table| {
            buyer_languages
                .iter()
                .find(|language| table.contains_key(language.as_str()))
        })
        .or(buyer_languages.first())
        .map(String::as_str)
}

/// How many meetings needing an interpreter of some language may share a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterpreterCapacity {
    /// No interpreter is needed.
    NotNeeded,
    /// The mission sets no limit for this language.
    Unlimited,
    /// At most this many per slot (0: the pair can never meet).
    PerSlot(u32),
}

impl Mission {
    /// Who asked, with `want` rows, for each pair to meet: a set of sides, `None` standing for
    /// the organiser (or a row that names no side). Rule 7 counts each side once, so a pair
    /// wanted by both sides counts twice.
    pub fn wants(&self) -> BTreeMap<(&FirmId, &BuyerId), std::collections::BTreeSet<Option<Side>>> {
        let mut wants: BTreeMap<(&FirmId, &BuyerId), std::collections::BTreeSet<Option<Side>>> =
            BTreeMap::new();
        for request in &self.requests {
            if request.kind == RequestKind::Want {
                wants
                    .entry((&request.firm, &request.buyer))
                    .or_default()
                    .insert(request.from);
            }
        }
        wants
    }

    /// Whether the engine honours a participant's wish (one of `wishes`): its reading is among
    /// the requests, not set aside by the organiser's row or the other side's "no thanks".
    pub fn honours(&self, wish: &Request) -> bool {
        self.requests
            .iter()
            .any(|r| r.wish && r.firm == wish.firm && r.buyer == wish.buyer && r.from == wish.from)
    }

    /// Whether every `when` window given for the pair allows the slot (rule 9; true when none
    /// is given).
    pub fn when_allows(&self, firm: &FirmId, buyer: &BuyerId, slot: &Slot) -> bool {
        self.requests
            .iter()
            .filter(|request| &request.firm == firm && &request.buyer == buyer)
            .all(|request| request.when.allows(slot))
    }

    /// The requests whose firm and buyer both exist, each with their positions.
    pub fn resolved_requests(&self) -> impl Iterator<Item = (&Request, usize, usize)> + '_ {
        self.requests.iter().filter_map(|request| {
            Some((
                request,
                self.firm_index(&request.firm)?,
                self.buyer_index(&request.buyer)?,
            ))
        })
    }

    /// The pairs (firm, buyer positions) a `must`, `want` or `request` row names: the
    /// organiser asked for them, so the relevance floor does not take them away.
    pub fn named_pairs(&self) -> std::collections::BTreeSet<(usize, usize)> {
        self.resolved_requests()
            .filter(|(request, _, _)| request.kind != RequestKind::Avoid)
            .map(|(_, firm, buyer)| (firm, buyer))
            .collect()
    }

    /// Position of a firm by id.
    pub fn firm_index(&self, id: &FirmId) -> Option<usize> {
        self.firms.iter().position(|firm| &firm.id == id)
    }

    /// Each firm's position by its id, for looking many up (a mission's meetings).
    pub fn firm_positions(&self) -> std::collections::HashMap<&FirmId, usize> {
        (self.firms.iter().enumerate())
            .map(|(index, firm)| (&firm.id, index))
            .collect()
    }

    /// Each buyer's position by its id, for looking many up.
    pub fn buyer_positions(&self) -> std::collections::HashMap<&BuyerId, usize> {
        (self.buyers.iter().enumerate())
            .map(|(index, buyer)| (&buyer.id, index))
            .collect()
    }

    /// Every meeting's record: the `outcomes.csv` rows, then a blank one (not recorded yet) for
    /// each `scheduled` pair without a row: a scheduled meeting with no row counts as not
    /// recorded, exactly like an empty `attended` (contract v3).
    pub fn meeting_records(&self, scheduled: &[(FirmId, BuyerId)]) -> Vec<Outcome> {
        let mut records: Vec<Outcome> = self.outcomes.clone().unwrap_or_default();
        let recorded: std::collections::HashSet<(FirmId, BuyerId)> = records
            .iter()
            .map(|o| (o.firm.clone(), o.buyer.clone()))
            .collect();
        for (firm, buyer) in scheduled {
            if !recorded.contains(&(firm.clone(), buyer.clone())) {
                records.push(Outcome {
                    firm: firm.clone(),
                    buyer: buyer.clone(),
                    attended: None,
                    interest: None,
                    consultation_usd: None,
                    contract_usd: None,
                    next_step: None,
                    note: String::new(),
                });
            }
        }
        records
    }

    /// Position of a buyer by id.
    pub fn buyer_index(&self, id: &BuyerId) -> Option<usize> {
        self.buyers.iter().position(|buyer| &buyer.id == id)
    }

    /// The firm's minimum meetings, after its own override.
    pub fn firm_minimum(&self, firm: &Firm) -> u32 {
        firm.limits
            .min_meetings
            .or(self.rules.min_meetings_per_firm)
            .unwrap_or(0)
    }

    /// The firm's maximum meetings, after its own override (`None`: only slots limit it).
    pub fn firm_maximum(&self, firm: &Firm) -> Option<u32> {
        firm.limits
            .max_meetings
            .or(self.rules.max_meetings_per_firm)
    }

    /// The buyer's minimum meetings, after its own override.
    pub fn buyer_minimum(&self, buyer: &Buyer) -> u32 {
        buyer
            .limits
            .min_meetings
            .or(self.rules.min_meetings_per_buyer)
            .unwrap_or(0)
    }

    /// The buyer's maximum meetings, after its own override (`None`: only slots limit it).
    pub fn buyer_maximum(&self, buyer: &Buyer) -> Option<u32> {
        buyer
            .limits
            .max_meetings
            .or(self.rules.max_meetings_per_buyer)
    }

    /// The language of the interpreter a pair needs (contract section 3), if any.
    pub fn interpreter_for<'a>(&self, firm: &Firm, buyer: &'a Buyer) -> Option<&'a str> {
        interpreter_language(
            &firm.languages,
            &buyer.languages,
            self.interpreters.as_ref(),
        )
    }

    /// The interpreter a pair needs and how many such meetings one slot may hold.
    pub fn interpreter_capacity(&self, firm: &Firm, buyer: &Buyer) -> InterpreterCapacity {
        match self.interpreter_for(firm, buyer) {
            None => InterpreterCapacity::NotNeeded,
            Some(language) => match &self.interpreters {
                None => InterpreterCapacity::Unlimited,
                Some(limits) => {
                    InterpreterCapacity::PerSlot(limits.get(language).copied().unwrap_or(0))
                }
            },
        }
    }

    /// Whether two different slots overlap in time: the same date and at least one shared
    /// minute (slots of one session never do; slots of two sessions that overlap may). Rule 1
    /// forbids a participant to be in both.
    pub fn slots_overlap(&self, first: usize, second: usize) -> bool {
        let (a, b) = (&self.slots[first], &self.slots[second]);
        first != second
            && self.sessions[a.session].date == self.sessions[b.session].date
            && a.range.overlaps(&b.range)
    }

    /// Pairs of sessions that overlap in time (the same date, overlapping hours), as positions.
    pub fn overlapping_sessions(&self) -> Vec<(usize, usize)> {
        let mut pairs = Vec::new();
        for (first, a) in self.sessions.iter().enumerate() {
            for (offset, b) in self.sessions[first + 1..].iter().enumerate() {
                if a.date == b.date && a.hours.overlaps(&b.hours) {
                    pairs.push((first, first + 1 + offset));
                }
            }
        }
        pairs
    }

    /// The groups of two or more slots that share a moment: for each slot, every slot running
    /// at its start. In an interval graph these are all the maximal cliques, so "at most one
    /// meeting per participant in each group" is exactly rule 1 across overlapping sessions.
    /// Empty when no sessions overlap.
    pub fn overlapping_slot_groups(&self) -> Vec<Vec<usize>> {
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (index, slot) in self.slots.iter().enumerate() {
            let date = self.sessions[slot.session].date;
            let group: Vec<usize> = self
                .slots
                .iter()
                .enumerate()
                .filter(|(_, other)| {
                    self.sessions[other.session].date == date
                        && other.range.start <= slot.range.start
                        && slot.range.start < other.range.end
                })
                .map(|(other, _)| other)
                .collect();
            if group.len() > 1 && !groups.contains(&group) {
                debug_assert!(group.contains(&index));
                groups.push(group);
            }
        }
        groups
    }

    /// Groups of slots in one city that share a moment (two or more): `[interpreters]` counts
    /// people in one city, so at no moment may more meetings of one city need a language than
    /// its number (contract v3, amending section 3). Empty when no sessions of a city overlap.
    pub fn interpreter_moments(&self) -> Vec<Vec<usize>> {
        let mut moments: Vec<Vec<usize>> = Vec::new();
        for group in self.overlapping_slot_groups() {
            let mut cities: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
            for slot in group {
                let city = self.sessions[self.slots[slot].session].city.as_str();
                cities.entry(city).or_default().push(slot);
            }
            for (_, slots) in cities {
                if slots.len() > 1 && !moments.contains(&slots) {
                    moments.push(slots);
                }
            }
        }
        moments
    }

    /// A slot's name as the contract writes it: `DEL-1 10:10`.
    pub fn slot_name(&self, slot: SlotId) -> String {
        let slot = &self.slots[slot.0];
        format!("{} {}", self.sessions[slot.session].id, slot.range.start)
    }
}

/// One firm-buyer pair the matcher kept (`matching` makes them, `candidates.csv` holds them).
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Position of the firm in `mission.firms`.
    pub firm: usize,
    /// Position of the buyer in `mission.buyers`.
    pub buyer: usize,
    /// Relevance in [0, 1].
    pub relevance: f64,
    /// Normalised text similarity in [0, 1].
    pub text_similarity: f64,
    /// Closest shared HS level: 3 subheading, 2 heading, 1 chapter, 0 none.
    pub hs_level: u8,
    /// Probability of a contract.
    pub p_deal: f64,
    /// Value of the deal if there is one.
    pub deal_value_usd: f64,
    /// `p_deal * deal_value_usd`.
    pub expected_value_usd: f64,
    /// Why, in words.
    pub reasons: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (the buyer's languages, the firm's products_en and products_vi, the line it reads).
    #[test]
    fn a_buyer_reads_the_products_line_in_its_language() {
        let cases = [
            (
                &["vi", "en"][..],
                "drones",
                "máy bay không người lái",
                "máy bay không người lái",
            ),
            (&["en"][..], "drones", "máy bay không người lái", "drones"),
            (&["hi"][..], "drones", "", "drones"),
            (&["vi"][..], "", "", "드론 drones"),
            (&["vi"][..], "drones", "", "drones"),
        ];
        for (languages, english, vietnamese, expected) in cases {
            let firm = Firm {
                id: FirmId("F1".into()),
                name: "드론코리아".into(),
                sector: String::new(),
                products: "드론 drones".into(),
                keywords: Vec::new(),
                hs_codes: Vec::new(),
                languages: vec!["ko".into()],
                availability: Availability::Everywhere,
                limits: MeetingLimits::default(),
                export_capacity_usd: None,
                booth: String::new(),
                contact: Contact::default(),
                status: Status::Active,
                extra: Vec::new(),
                for_buyers: ForBuyers {
                    name_en: "Drone Korea".into(),
                    products_en: english.into(),
                    products_vi: vietnamese.into(),
                },
            };
            let languages: Vec<String> = languages.iter().map(|l| l.to_string()).collect();
            assert_eq!(firm.products_for(&languages), expected, "{languages:?}");
            assert_eq!(firm.name_for_buyers(), "드론코리아 (Drone Korea)");
        }
    }

    fn session(hours: &str, slot: u16, gap: u16, breaks: &[&str]) -> Session {
        Session {
            id: SessionId("S".into()),
            date: Date::parse("2017-03-27").unwrap(),
            city: String::new(),
            hours: TimeRange::parse(hours).unwrap(),
            slot_minutes: slot,
            break_minutes: gap,
            timezone: None,
            venue: String::new(),
            tables: None,
            breaks: breaks
                .iter()
                .map(|b| TimeRange::parse(b).unwrap())
                .collect(),
        }
    }

    fn check_slots(session: Session, expected: &str) {
        let actual: Vec<String> = session
            .slot_ranges()
            .iter()
            .map(|range| range.to_string())
            .collect();
        assert_eq!(actual.join(" "), expected);
    }

    #[test]
    fn slots_follow_the_contract() {
        check_slots(
            session("09:30-12:00", 30, 10, &[]),
            "09:30-10:00 10:10-10:40 10:50-11:20 11:30-12:00",
        );
        // The slot at 12:10 would overlap lunch, so it starts at 13:30; none ends after 15:00.
        check_slots(
            session("09:30-15:00", 30, 10, &["12:30-13:30"]),
            "09:30-10:00 10:10-10:40 10:50-11:20 11:30-12:00 13:30-14:00 14:10-14:40",
        );
        // Two breaks back to back push one slot twice.
        check_slots(
            session("09:00-11:00", 30, 0, &["09:20-09:40", "09:40-10:00"]),
            "10:00-10:30 10:30-11:00",
        );
        check_slots(session("09:00-09:20", 30, 0, &[]), "");
    }

    #[test]
    fn times_and_dates_are_strict() {
        for bad in ["13:70", "25:00", "9", "09:3", "aa:bb", "-1:00", "24:01"] {
            assert_eq!(TimeOfDay::parse(bad), None, "{bad}");
        }
        assert_eq!(TimeOfDay::parse("9:05"), Some(TimeOfDay(545)));
        for bad in ["2017-02-29", "2017-13-01", "2017-3-27", "27.03.2017"] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        let date = Date::parse("2017-03-27").unwrap();
        assert_eq!(date.add_days(7).to_string(), "2017-04-03");
        assert_eq!(
            Date::parse("2016-02-29").unwrap().add_days(366).to_string(),
            "2017-03-01"
        );
        assert_eq!(Date::parse("1970-01-01").unwrap().days_since_epoch(), 0);
    }

    #[test]
    fn interpreter_is_the_buyers_first_language_the_table_lists() {
        let langs = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let table = |list: &[(&str, u32)]| -> BTreeMap<String, u32> {
            list.iter().map(|&(l, n)| (l.to_string(), n)).collect()
        };
        type Case<'a> = (
            &'a [&'a str],
            &'a [&'a str],
            Option<BTreeMap<String, u32>>,
            Option<&'a str>,
        );
        let cases: [Case; 6] = [
            (&["ko"], &["hi", "en"], None, Some("hi")),
            (&["ko", "en"], &["hi", "en"], None, None),
            (
                &["ko"],
                &["vi", "en"],
                Some(table(&[("en", 2)])),
                Some("en"),
            ),
            (
                &["ko"],
                &["vi", "en"],
                Some(table(&[("en", 2), ("vi", 1)])),
                Some("vi"),
            ),
            (
                &["ko"],
                &["ta", "hi"],
                Some(table(&[("hi", 1)])),
                Some("hi"),
            ),
            // Listed nowhere: the buyer's first language, which then cannot be interpreted.
            (&["ko"], &["ta"], Some(table(&[("hi", 1)])), Some("ta")),
        ];
        for (firm, buyer, limits, expected) in cases {
            assert_eq!(
                interpreter_language(&langs(firm), &langs(buyer), limits.as_ref()),
                expected,
                "{firm:?} {buyer:?} {limits:?}"
            );
        }
    }

    #[test]
    fn weekdays_and_long_dates() {
        let date = Date::parse("2017-03-27").unwrap();
        assert_eq!(date.weekday(), 0);
        assert_eq!(date.long_english(), "Mon 27 Mar 2017");
        assert_eq!(date.long_korean(), "2017년 3월 27일 (월)");
        assert_eq!(
            Date::parse("2026-11-28").unwrap().long_english(),
            "Sat 28 Nov 2026"
        );
        assert_eq!(Date::parse("1969-12-31").unwrap().weekday(), 2);
    }

    #[test]
    fn availability_needs_the_whole_slot_inside_a_window() {
        let slot = Slot {
            id: SlotId(0),
            session: 1,
            range: TimeRange::parse("12:10-12:40").unwrap(),
        };
        let window = |session, range: Option<&str>| Window {
            session,
            range: range.map(|r| TimeRange::parse(r).unwrap()),
        };
        assert!(Availability::Everywhere.allows(&slot));
        assert!(Availability::Windows(vec![window(1, None)]).allows(&slot));
        assert!(!Availability::Windows(vec![window(0, None)]).allows(&slot));
        assert!(!Availability::Windows(vec![window(1, Some("09:30-12:30"))]).allows(&slot));
        assert!(Availability::Windows(vec![window(1, Some("12:10-12:40"))]).allows(&slot));
    }
}
