//! A seeded generator of valid mission folders of any size, for tests and benchmarks.
//!
//! Each firm makes the goods of one HS heading and each buyer buys those of one heading, so the
//! true relevance of a pair is known: same heading relevant, same chapter partly relevant
//! ([`hs_grade`]). Texts and codes come from the bundled HS table.

use std::collections::BTreeMap;

use crate::hs::{HsEntry, HsTable};
use crate::model::{
    derive_slots, Availability, Buyer, BuyerId, Contact, Date, Firm, FirmId, HsCode, MeetingLimits,
    Mission, Organiser, Request, RequestKind, Rules, Session, SessionId, Side, Status, TimeOfDay,
    TimeRange, Window,
};

/// How participants describe themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextStyle {
    /// Firms and buyers both describe their goods in words, and give HS codes.
    #[default]
    Described,
    /// Buyers give only a sector word and HS codes; firms only product text (no codes).
    BuyersCodesOnly,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct GeneratorOptions {
    /// Number of local firms.
    pub firms: usize,
    /// Number of foreign buyers.
    pub buyers: usize,
    /// Same seed, same mission.
    pub seed: u64,
    /// Number of consultation sessions (half-days of about 9 slots each).
    pub sessions: usize,
    /// How texts are written.
    pub text_style: TextStyle,
    /// Number of distinct HS headings the firms are drawn from (0: about one per firm).
    pub headings: usize,
    /// The buyers' country: `IN` (New Delhi, Mumbai, Chennai) or `VN` (Hanoi, Ho Chi Minh City).
    pub country: String,
    /// Many distinct availability windows (buyers and some firms come for any stretch of slots)
    /// and interpreter limits that bind: the hard case for the class model, whose classes then
    /// approach single slots.
    pub varied_windows: bool,
    /// Buyers come for any stretch of one or two of their city's sessions (many distinct
    /// windows, some half days), and a third of the firms leave one session early or come late
    /// (the windows of `varied_windows`, without its interpreters).
    pub partial_windows: bool,
    /// Interpreters are scarce for several languages: buyers read Hindi or Tamil only, Hindi and
    /// English, or English (India); Vietnamese, or Vietnamese and English (Vietnam); and each
    /// language has interpreters for a few firms at a time.
    pub scarce_interpreters: bool,
    /// Dense `requests.csv`: for each firm, three `want` rows, two `avoid` rows and, for one
    /// firm in ten, a `must` row with a buyer it shares a language and a slot with.
    pub dense_requests: bool,
    /// Sessions come in pairs held at once in two halls of one city, the second starting 15
    /// minutes later: a firm at both meets once at a time across them.
    pub overlapping_sessions: bool,
    /// Sessions come in pairs held at once in two cities: the delegation splits, each firm
    /// travelling to one of them. With `overlapping_sessions`, mornings are in two halls and
    /// afternoons in two cities.
    pub two_cities: bool,
}

impl Default for GeneratorOptions {
    fn default() -> Self {
        GeneratorOptions {
            firms: 10,
            buyers: 40,
            seed: 1,
            sessions: 4,
            text_style: TextStyle::Described,
            headings: 0,
            country: "IN".to_string(),
            varied_windows: false,
            partial_windows: false,
            scarce_interpreters: false,
            dense_requests: false,
            overlapping_sessions: false,
            two_cities: false,
        }
    }
}

/// SplitMix64: tiny, seedable and stable across crate versions, which a generator whose output
/// tests rely on needs more than statistical finesse.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for this seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: usize) -> usize {
        (self.unit() * bound as f64) as usize % bound.max(1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Graded relevance of a pair from their HS codes: 2 when they share a heading, 1 when they
/// share a chapter, else 0. The generator's ground truth.
pub fn hs_grade(firm_codes: &[HsCode], buyer_codes: &[HsCode]) -> u8 {
    let mut grade = 0;
    for firm_code in firm_codes {
        for buyer_code in buyer_codes {
            if firm_code.heading().is_some() && firm_code.heading() == buyer_code.heading() {
                return 2;
            }
            if firm_code.chapter() == buyer_code.chapter() {
                grade = 1;
            }
        }
    }
    grade
}

/// A heading with its subheadings, the unit a participant trades in.
struct Line<'a> {
    heading: &'a HsEntry,
    chapter: &'a HsEntry,
    subheadings: Vec<&'a HsEntry>,
}

fn trade_lines(table: &HsTable) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    for heading in table.entries().iter().filter(|entry| entry.code.len() == 4) {
        // Manufactured goods (chapters 28-96) are what the city's firms make.
        let chapter_number: u32 = heading.code[..2].parse().unwrap_or(0);
        if !(28..=96).contains(&chapter_number) {
            continue;
        }
        let subheadings: Vec<&HsEntry> = table.children(&heading.code).collect();
        let Some(chapter) = table.get(&heading.code[..2]) else {
            continue;
        };
        if subheadings.len() >= 2 {
            lines.push(Line {
                heading,
                chapter,
                subheadings,
            });
        }
    }
    lines
}

/// The first word of a description, as a one-word sector name.
fn sector_word(entry: &HsEntry) -> String {
    entry
        .description
        .split(|c: char| !c.is_alphanumeric())
        .find(|word| word.len() > 2)
        .unwrap_or("goods")
        .to_string()
}

fn distinct_subheadings<'a>(rng: &mut Rng, line: &Line<'a>, count: usize) -> Vec<&'a HsEntry> {
    let mut chosen: Vec<&HsEntry> = Vec::new();
    for _ in 0..count * 3 {
        let entry = *rng.pick(&line.subheadings);
        if !chosen.iter().any(|c| c.code == entry.code) {
            chosen.push(entry);
        }
        if chosen.len() == count {
            break;
        }
    }
    chosen
}

fn code_of(rng: &mut Rng, entry: &HsEntry) -> HsCode {
    // National tariff lines extend the six digits; a third of the codes carry such an extension.
    let text = if rng.chance(0.3) {
        format!("{}{:02}", entry.code, rng.below(100))
    } else {
        entry.code.clone()
    };
    HsCode::parse(&text).unwrap_or_else(|| HsCode::parse("99").expect("two digits parse"))
}

/// The venues of a mission to the country, in the order the delegation visits them.
fn cities(country: &str) -> &'static [&'static str] {
    match country {
        "VN" => &["Hanoi", "Ho Chi Minh City"],
        _ => &["New Delhi", "Mumbai", "Chennai"],
    }
}

/// The time zone of the country's venues.
fn timezone(country: &str) -> &'static str {
    match country {
        "VN" => "Asia/Ho_Chi_Minh",
        _ => "Asia/Kolkata",
    }
}

/// Two sessions a day (morning and afternoon), one city a day, cities in turn; or sessions in
/// pairs held at once: in two halls of one city, the second 15 minutes later (`two_halls`), or
/// in two cities (`two_cities`); with both, mornings in two halls and afternoons in two cities.
fn sessions(count: usize, country: &str, two_halls: bool, two_cities: bool) -> Vec<Session> {
    let paired = two_halls || two_cities;
    let first_day = Date {
        year: 2017,
        month: 3,
        day: 27,
    };
    let cities = cities(country);
    (0..count)
        .map(|index| {
            // Sessions of one time of day: one, or a pair held at once.
            let (block, second) = if paired {
                (index / 2, index % 2 == 1)
            } else {
                (index, false)
            };
            let morning = block % 2 == 0;
            let day = block / 2;
            let (start, end, breaks) = if morning {
                (570, 750, vec![])
            } else {
                (810, 1020, vec![(900, 915)])
            };
            let in_two_cities = two_cities && !(two_halls && morning);
            let (city, offset) = match (second, in_two_cities) {
                (true, true) => ((day + 1) % cities.len(), 0),
                (true, false) => (day % cities.len(), 15),
                (false, _) => (day % cities.len(), 0),
            };
            let (start, end) = (start + offset, end + offset);
            let breaks: Vec<(u16, u16)> = breaks
                .into_iter()
                .map(|(s, e)| (s + offset, e + offset))
                .collect();
            Session {
                id: SessionId(format!("S{:02}", index + 1)),
                date: first_day.add_days(day as i64),
                city: cities[city].to_string(),
                hours: TimeRange {
                    start: TimeOfDay(start),
                    end: TimeOfDay(end),
                },
                slot_minutes: 30,
                break_minutes: 10,
                timezone: Some(timezone(country).to_string()),
                tables: None,
                venue: format!(
                    "Business Centre, Hall {}",
                    match (second, morning) {
                        (true, _) => "C",
                        (false, true) => "A",
                        (false, false) => "B",
                    }
                ),
                breaks: breaks
                    .into_iter()
                    .map(|(s, e)| TimeRange {
                        start: TimeOfDay(s),
                        end: TimeOfDay(e),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Firms travel with the delegation: most can meet at every session, some miss a day.
fn firm_availability(rng: &mut Rng, sessions: &[Session]) -> Availability {
    let days: Vec<Date> = {
        let mut days: Vec<Date> = sessions.iter().map(|s| s.date).collect();
        days.dedup();
        days
    };
    if days.len() < 2 || rng.chance(0.85) {
        return Availability::Everywhere;
    }
    let missed = *rng.pick(&days);
    Availability::Windows(
        sessions
            .iter()
            .enumerate()
            .filter(|(_, session)| session.date != missed)
            .map(|(index, _)| Window {
                session: index,
                range: None,
            })
            .collect(),
    )
}

/// A stretch of at least two consecutive slots of a session, as a window.
fn random_stretch(rng: &mut Rng, sessions: &[Session], session: usize) -> Window {
    let slots = sessions[session].slot_ranges();
    if slots.len() < 3 {
        return Window {
            session,
            range: None,
        };
    }
    let length = 2 + (rng.unit() * (slots.len() - 1) as f64) as usize;
    let length = length.min(slots.len());
    let first = (rng.unit() * (slots.len() - length + 1) as f64) as usize;
    let first = first.min(slots.len() - length);
    Window {
        session,
        range: Some(TimeRange {
            start: slots[first].start,
            end: slots[first + length - 1].end,
        }),
    }
}

/// With `varied_windows`: buyers come for any stretch of one or two of their city's sessions;
/// a third of the firms leave one session early or come late.
fn varied_availability(
    rng: &mut Rng,
    sessions: &[Session],
    sessions_open: &[usize],
    stretches: usize,
) -> Availability {
    let mut windows: Vec<Window> = Vec::new();
    for _ in 0..stretches {
        let session = *rng.pick(sessions_open);
        if windows.iter().any(|window| window.session == session) {
            continue;
        }
        windows.push(random_stretch(rng, sessions, session));
    }
    windows.sort_by_key(|window| window.session);
    Availability::Windows(windows)
}

/// Buyers come to the sessions in their own city: all of them, one of them, or half of one.
fn buyer_availability(rng: &mut Rng, sessions: &[Session], city: &str) -> Availability {
    let local: Vec<usize> = (0..sessions.len())
        .filter(|&index| sessions[index].city == city)
        .collect();
    let roll = rng.unit();
    if roll < 0.65 {
        return Availability::Windows(
            local
                .iter()
                .map(|&session| Window {
                    session,
                    range: None,
                })
                .collect(),
        );
    }
    let session = *rng.pick(&local);
    if roll < 0.85 {
        return Availability::Windows(vec![Window {
            session,
            range: None,
        }]);
    }
    let hours = sessions[session].hours;
    let middle = TimeOfDay(hours.start.0 + (hours.end.0 - hours.start.0) / 2);
    let range = if rng.chance(0.5) {
        TimeRange {
            start: hours.start,
            end: middle,
        }
    } else {
        TimeRange {
            start: middle,
            end: hours.end,
        }
    };
    Availability::Windows(vec![Window {
        session,
        range: Some(range),
    }])
}

/// `dense_requests`' rows: for each firm three `want` and two `avoid` rows with distinct
/// buyers, and for one firm in ten a `must` row with a buyer that shares a language and a slot
/// with it and has no other `must` (so that every `must` can meet).
fn dense_requests(
    rng: &mut Rng,
    firms: &[Firm],
    buyers: &[Buyer],
    sessions: &[Session],
) -> Vec<Request> {
    let slots = derive_slots(sessions);
    let mut taken: std::collections::HashSet<(usize, usize)> = std::collections::HashSet::new();
    let mut must_buyers: std::collections::HashSet<usize> = std::collections::HashSet::new();
    let mut rows = Vec::new();
    let row = |firm: usize, buyer: usize, kind: RequestKind| Request {
        firm: firms[firm].id.clone(),
        buyer: buyers[buyer].id.clone(),
        kind,
        from: None,
        wish: false,
        when: Availability::Everywhere,
        note: String::new(),
    };
    if buyers.len() < 8 {
        return rows;
    }
    let can_meet = |firm: usize, buyer: usize| {
        let (f, b) = (&firms[firm], &buyers[buyer]);
        slots
            .iter()
            .any(|slot| f.availability.allows(slot) && b.availability.allows(slot))
    };
    for (firm, its) in firms.iter().enumerate() {
        if firm % 10 == 0 {
            // A few tries: a firm with no such buyer has no `must`.
            for _ in 0..50 {
                let buyer = rng.below(buyers.len());
                let speaks = buyers[buyer]
                    .languages
                    .iter()
                    .any(|l| its.languages.contains(l));
                if !must_buyers.contains(&buyer)
                    && speaks
                    && can_meet(firm, buyer)
                    && taken.insert((firm, buyer))
                {
                    must_buyers.insert(buyer);
                    rows.push(row(firm, buyer, RequestKind::Must));
                    break;
                }
            }
        }
        for kind in [
            RequestKind::Want,
            RequestKind::Want,
            RequestKind::Want,
            RequestKind::Avoid,
            RequestKind::Avoid,
        ] {
            // Organisers ask for pairs that can meet: a few draws for a buyer that shares a
            // slot with the firm.
            let buyer = (0..20)
                .map(|_| rng.below(buyers.len()))
                .find(|&buyer| can_meet(firm, buyer));
            if let Some(buyer) = buyer {
                if !must_buyers.contains(&buyer) && taken.insert((firm, buyer)) {
                    rows.push(row(firm, buyer, kind));
                }
            }
        }
    }
    rows
}

/// A valid mission of the requested size. The same options always give the same mission.
pub fn generate(options: &GeneratorOptions) -> Mission {
    let table = HsTable::bundled();
    let all_lines = trade_lines(table);
    let mut rng = Rng::new(options.seed);
    let sectors = Sectors::draw(&mut rng, &all_lines, options);
    let sessions = sessions(
        options.sessions.max(1),
        &options.country,
        options.overlapping_sessions,
        options.two_cities,
    );
    let cast = Cast::new(options, sectors, &sessions);

    let mut firms = Vec::with_capacity(options.firms);
    let mut firm_lines = Vec::with_capacity(options.firms);
    for index in 0..options.firms {
        let (firm, line_index) = cast.firm(&mut rng, index);
        firms.push(firm);
        firm_lines.push(line_index);
    }
    let mut buyers = Vec::with_capacity(options.buyers);
    for index in 0..options.buyers {
        buyers.push(cast.buyer(&mut rng, index, &firm_lines));
    }

    let mut requests = sample_requests(&mut rng, options, &firms, &buyers);
    if options.dense_requests {
        requests.extend(dense_requests(&mut rng, &firms, &buyers, &sessions));
    }
    let interpreters = interpreter_limits(options);

    let slots = derive_slots(&sessions);
    Mission {
        name: format!(
            "Generated mission ({} firms x {} buyers, seed {})",
            options.firms, options.buyers, options.seed
        ),
        currency: "USD".to_string(),
        sessions,
        slots,
        interpreters: Some(interpreters),
        rules: Rules {
            min_meetings_per_firm: Some(2),
            max_meetings_per_firm: None,
            min_meetings_per_buyer: None,
            max_meetings_per_buyer: Some(4),
            candidates_per_firm: Some(40),
            compact: None,
            max_idle_gaps: None,
            min_relevance: None,
        },
        model: BTreeMap::new(),
        followup_webhook: None,
        organiser: Some(Organiser {
            name: "Generated Trade Office".to_string(),
            email: "trade@office.example".to_string(),
            phone: String::new(),
        }),
        wishes_until: None,
        email: None,
        firms,
        buyers,
        requests,
        wishes: Vec::new(),
        outcomes: None,
    }
}

/// The mission's sectors: a seeded sample of trade lines.
struct Sectors<'a> {
    /// The lines the firms make.
    lines: Vec<&'a Line<'a>>,
    /// The other trade lines, in the seeded order: what the buyers who fit no firm want.
    others: Vec<&'a Line<'a>>,
}

impl<'a> Sectors<'a> {
    /// One line per firm (or `options.headings` lines), drawn from `all_lines` by the seed.
    fn draw(rng: &mut Rng, all_lines: &'a [Line<'a>], options: &GeneratorOptions) -> Self {
        let heading_count = if options.headings == 0 {
            options.firms.max(1)
        } else {
            options.headings
        }
        .min(all_lines.len());
        let mut order: Vec<usize> = (0..all_lines.len()).collect();
        for index in (1..order.len()).rev() {
            order.swap(index, rng.below(index + 1));
        }
        let (chosen, rest) = order.split_at(heading_count);
        let lines_of = |indices: &[usize]| -> Vec<&'a Line<'a>> {
            indices.iter().map(|&index| &all_lines[index]).collect()
        };
        Sectors {
            lines: lines_of(chosen),
            others: lines_of(rest),
        }
    }
}

/// What the participants of a generated mission are drawn from.
struct Cast<'a> {
    options: &'a GeneratorOptions,
    sectors: Sectors<'a>,
    sessions: &'a [Session],
    /// Cities with at least one session, where buyers can come.
    venues: Vec<String>,
    /// Buyers, and some firms, come for stretches of sessions.
    partial: bool,
}

impl<'a> Cast<'a> {
    /// The ground the participants of `options` are drawn from.
    fn new(options: &'a GeneratorOptions, sectors: Sectors<'a>, sessions: &'a [Session]) -> Self {
        let mut venues: Vec<String> = sessions.iter().map(|s| s.city.clone()).collect();
        venues.sort_unstable();
        venues.dedup();
        Cast {
            options,
            sectors,
            sessions,
            venues,
            partial: options.partial_windows || options.varied_windows,
        }
    }

    /// Firm `index`, and the position of the line it makes among the sectors' lines.
    fn firm(&self, rng: &mut Rng, index: usize) -> (Firm, usize) {
        let lines = &self.sectors.lines;
        let line_index = if index < lines.len() {
            index
        } else {
            rng.below(lines.len())
        };
        let line = lines[line_index];
        let products = distinct_subheadings(rng, line, 2);
        let text: Vec<&str> = products.iter().map(|p| p.description.as_str()).collect();
        // Codes are drawn in both styles so that the two styles give the same mission otherwise.
        let codes: Vec<HsCode> = products.iter().map(|p| code_of(rng, p)).collect();
        let hs_codes = match self.options.text_style {
            TextStyle::Described => codes,
            TextStyle::BuyersCodesOnly => Vec::new(),
        };
        let languages = if rng.chance(0.3) {
            vec!["ko".to_string(), "en".to_string()]
        } else {
            vec!["ko".to_string()]
        };
        let firm = Firm {
            id: FirmId(format!("F{:04}", index + 1)),
            name: format!("{} Co. {}", sector_word(line.heading), index + 1),
            sector: sector_word(line.chapter),
            products: format!("{}. {}", line.heading.description, text.join(". ")),
            keywords: Vec::new(),
            hs_codes,
            languages,
            availability: self.firm_windows(rng, index),
            limits: MeetingLimits::default(),
            export_capacity_usd: Some((50_000.0 + rng.unit() * 2_000_000.0).round()),
            booth: format!("B{:03}", index + 1),
            contact: Contact {
                person: format!("Delegate {}", index + 1),
                email: format!("f{:04}@firms.example", index + 1),
                phone: String::new(),
            },
            status: Status::Active,
            extra: Vec::new(),
            for_buyers: Default::default(),
        };
        (firm, line_index)
    }

    /// When firm `index` can meet: in its city of two, for a stretch of one session, or on the
    /// delegation's days.
    fn firm_windows(&self, rng: &mut Rng, index: usize) -> Availability {
        let sessions = self.sessions;
        if self.options.two_cities {
            // Half the delegation goes to each city.
            let city = &self.venues[index % self.venues.len()];
            Availability::Windows(
                (0..sessions.len())
                    .filter(|&s| &sessions[s].city == city)
                    .map(|session| Window {
                        session,
                        range: None,
                    })
                    .collect(),
            )
        } else if self.partial && rng.chance(0.35) {
            let all: Vec<usize> = (0..sessions.len()).collect();
            let mut availability = varied_availability(rng, sessions, &all, 1);
            if let Availability::Windows(windows) = &mut availability {
                // The stretch is one session; the others stay whole.
                let cut = windows[0].session;
                windows.extend(all.iter().filter(|&&s| s != cut).map(|&session| Window {
                    session,
                    range: None,
                }));
                windows.sort_by_key(|window| window.session);
            }
            availability
        } else {
            firm_availability(rng, sessions)
        }
    }

    /// Buyer `index`, wanting the line of some firm (`firm_lines`) or another.
    fn buyer(&self, rng: &mut Rng, index: usize, firm_lines: &[usize]) -> Buyer {
        let line = self.buyer_line(rng, firm_lines);
        let wanted = distinct_subheadings(rng, line, 2);
        let hs_codes: Vec<HsCode> = wanted.iter().map(|p| code_of(rng, p)).collect();
        let country = self.options.country.as_str();
        let city = rng.pick(&self.venues).clone();
        let languages = self.buyer_languages(rng);
        let (sector, interests) = match self.options.text_style {
            TextStyle::Described => (
                sector_word(line.chapter),
                wanted
                    .iter()
                    .map(|p| p.description.as_str())
                    .collect::<Vec<_>>()
                    .join(". "),
            ),
            TextStyle::BuyersCodesOnly => (sector_word(line.chapter), String::new()),
        };
        Buyer {
            id: BuyerId(format!("{country}-{:05}", index + 1)),
            company: format!("{} Trading {}", sector_word(line.heading), index + 1),
            country: country.to_string(),
            availability: self.buyer_windows(rng, &city),
            city,
            sector,
            interests,
            keywords: Vec::new(),
            hs_codes,
            languages,
            limits: MeetingLimits::default(),
            annual_import_usd: Some((100_000.0 + rng.unit() * 5_000_000.0).round()),
            contact: Contact {
                person: format!("Buyer {}", index + 1),
                email: format!("b{:05}@buyers.example", index + 1),
                phone: String::new(),
            },
            status: Status::Active,
            extra: Vec::new(),
        }
    }

    /// The line a buyer wants.
    fn buyer_line(&self, rng: &mut Rng, firm_lines: &[usize]) -> &'a Line<'a> {
        let (lines, others) = (&self.sectors.lines, &self.sectors.others);
        // Most buyers want what some firm makes; the rest are noise from other lines.
        if rng.chance(0.8) || others.is_empty() {
            lines[firm_lines[rng.below(firm_lines.len().max(1))].min(lines.len() - 1)]
        } else {
            others[rng.below(others.len())]
        }
    }

    /// The languages a buyer reads: few with `scarce_interpreters`, English often otherwise.
    fn buyer_languages(&self, rng: &mut Rng) -> Vec<String> {
        let country = self.options.country.as_str();
        if self.options.scarce_interpreters {
            let choices: &[&[&str]] = match country {
                "VN" => &[&["vi"], &["vi"], &["vi", "en"], &["en"]],
                _ => &[&["hi"], &["ta"], &["hi", "en"], &["en"]],
            };
            rng.pick(choices).iter().map(|l| l.to_string()).collect()
        } else {
            match (country, rng.below(3)) {
                ("VN", 0) => vec!["vi".to_string()],
                ("VN", _) => vec!["vi".to_string(), "en".to_string()],
                (_, 0) => vec!["hi".to_string(), "en".to_string()],
                _ => vec!["en".to_string()],
            }
        }
    }

    /// When a buyer of `city` can meet: stretches of its city's sessions, or whole ones.
    fn buyer_windows(&self, rng: &mut Rng, city: &str) -> Availability {
        let sessions = self.sessions;
        if self.partial {
            let local: Vec<usize> = (0..sessions.len())
                .filter(|&index| sessions[index].city == city)
                .collect();
            varied_availability(rng, sessions, &local, 2)
        } else {
            buyer_availability(rng, sessions, city)
        }
    }
}

/// The organisers' requests: one for every third firm, a random pair asked for by either side.
fn sample_requests(
    rng: &mut Rng,
    options: &GeneratorOptions,
    firms: &[Firm],
    buyers: &[Buyer],
) -> Vec<Request> {
    let mut requests = Vec::new();
    if !firms.is_empty() && !buyers.is_empty() {
        for _ in 0..(options.firms / 3).max(1) {
            let firm = rng.below(firms.len());
            let buyer = rng.below(buyers.len());
            requests.push(Request {
                firm: firms[firm].id.clone(),
                buyer: buyers[buyer].id.clone(),
                kind: RequestKind::Request,
                from: Some(if rng.chance(0.5) {
                    Side::Firm
                } else {
                    Side::Buyer
                }),
                wish: false,
                when: Availability::Everywhere,
                note: String::new(),
            });
        }
    }
    requests
}

/// How many firms at a time can have each language interpreted.
fn interpreter_limits(options: &GeneratorOptions) -> BTreeMap<String, u32> {
    let mut interpreters = BTreeMap::new();
    if options.scarce_interpreters {
        // A few firms at a time can have each language interpreted.
        for (language, share) in [("en", 8), ("hi", 15), ("ta", 25), ("vi", 10)] {
            interpreters.insert(language.to_string(), (options.firms / share).max(1) as u32);
        }
    } else {
        // Varied windows come with scarce interpreters, so that their limits bind.
        let scarce = if options.varied_windows { 12 } else { 4 };
        interpreters.insert("hi".to_string(), (options.firms / scarce).max(1) as u32);
        interpreters.insert("vi".to_string(), (options.firms / scarce).max(1) as u32);
        interpreters.insert("en".to_string(), options.firms.max(1) as u32);
    }
    interpreters
}

/// Weights for a generated mission from its ground truth, for testing and benchmarking the
/// scheduler apart from the matcher: every pair sharing an HS chapter, valued by its grade, the
/// buyer's imports and a seeded random factor.
pub fn synthetic_weights(mission: &Mission, seed: u64) -> Vec<crate::schedule::PairWeight> {
    let mut rng = Rng::new(seed);
    let mut weights = Vec::new();
    for firm in &mission.firms {
        for buyer in &mission.buyers {
            let grade = hs_grade(&firm.hs_codes, &buyer.hs_codes);
            if grade == 0 {
                continue;
            }
            let imports = buyer.annual_import_usd.unwrap_or(500_000.0);
            let value = (imports * 0.002 * f64::from(grade) * (0.5 + rng.unit())).round();
            weights.push(crate::schedule::PairWeight {
                firm: firm.id.clone(),
                buyer: buyer.id.clone(),
                expected_value_usd: value,
                reasons: vec![format!("HS grade {grade}")],
                relevance: None,
                source: "synthetic".to_string(),
                line: None,
            });
        }
    }
    weights
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_mission_other_seed_other_mission() {
        let options = GeneratorOptions::default();
        assert_eq!(generate(&options), generate(&options));
        let other = generate(&GeneratorOptions {
            seed: 2,
            ..options.clone()
        });
        assert_ne!(generate(&options).buyers, other.buyers);
    }

    #[test]
    fn grades_follow_the_hs_tree() {
        let codes = |list: &[&str]| {
            list.iter()
                .map(|c| HsCode::parse(c).unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(hs_grade(&codes(&["880621"]), &codes(&["88062210"])), 2);
        assert_eq!(hs_grade(&codes(&["880621"]), &codes(&["8807"])), 1);
        assert_eq!(hs_grade(&codes(&["880621"]), &codes(&["3304"])), 0);
        assert_eq!(hs_grade(&codes(&["88"]), &codes(&["88"])), 1);
    }
}
