//! What a participant's link shows before (and after) a timetable exists (contract v3,
//! `GET /p/TOKEN/catalogue.json`): a buyer sees the mission's firms, a firm its candidate
//! buyers, best matches first, each by its public profile (name, products in a language the
//! viewer reads, HS headings, city, booth) and why it matches. Never another participant's
//! contact, amounts, wishes or link.

use serde::Serialize;

use crate::{Candidate, Headings, Mission, Side, Status};

/// A participant's public profile.
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    pub id: String,
    pub kind: &'static str,
    pub name: String,
    pub name_en: String,
    pub products: String,
    /// Given HS codes, else the headings inferred from the text.
    pub hs: Vec<String>,
    pub country: String,
    /// Where the participant can be met: a buyer's city, the cities of a firm's sessions
    /// (joined with ", ").
    pub city: String,
    /// The same cities one by one.
    pub cities: Vec<String>,
    pub booth: String,
    pub sector: String,
}

/// One entry of a catalogue: the other side's public profile and how well it matches.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    #[serde(flatten)]
    pub profile: Profile,
    /// The matcher's relevance in [0, 1] (0: not a candidate).
    pub relevance: f64,
    /// Why it matches, in the matcher's words.
    pub why: Vec<String>,
    /// The viewer's wish for this entry (`must`, `want`, `avoid`), if it made one.
    pub wish: Option<&'static str>,
    /// The note the viewer gave with its wish.
    pub wish_note: String,
    /// What became of the viewer's wish, in words: the organiser's answer, and once a timetable
    /// exists whether the meeting is booked and when (see [`wish_outcomes`]).
    pub wish_outcome: Option<String>,
}

/// A participant's catalogue.
#[derive(Debug, Clone, Serialize)]
pub struct Catalogue {
    pub participant: Profile,
    /// The organiser's deadline for wishes (`[participation] wishes_until`), when set.
    pub wishes_until: Option<String>,
    /// Whether wishes are still taken (no deadline, or not yet passed).
    pub wishes_open: bool,
    pub entries: Vec<Entry>,
}

/// Which entries a viewer asked for (the page's filters; empty: all).
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub sector: String,
    pub city: String,
}

impl Filter {
    /// Whether an entry's profile passes the filter.
    pub fn keeps(&self, profile: &Profile) -> bool {
        let sector = self.sector.trim();
        let city = self.city.trim();
        (sector.is_empty() || profile.sector.eq_ignore_ascii_case(sector))
            && (city.is_empty() || profile.cities.iter().any(|c| c.eq_ignore_ascii_case(city)))
    }
}

/// The public profile of a firm, its products in the languages `reader` reads (contract v3).
fn firm_profile(
    mission: &Mission,
    index: usize,
    headings: &Headings,
    reader: &[String],
) -> Profile {
    let firm = &mission.firms[index];
    let mut city: Vec<String> = Vec::new();
    for slot in &mission.slots {
        let session = &mission.sessions[slot.session];
        if firm.availability.allows(slot) && !city.contains(&session.city) {
            city.push(session.city.clone());
        }
    }
    Profile {
        id: firm.id.0.clone(),
        kind: "firm",
        name: firm.name.clone(),
        name_en: firm.for_buyers.name_en.clone(),
        products: firm.products_for(reader).to_string(),
        hs: codes(&firm.hs_codes, &headings[index]),
        country: String::new(),
        city: city.join(", "),
        cities: city,
        booth: firm.booth.clone(),
        sector: firm.sector.clone(),
    }
}

fn buyer_profile(mission: &Mission, index: usize, headings: &Headings) -> Profile {
    let buyer = &mission.buyers[index];
    Profile {
        id: buyer.id.0.clone(),
        kind: "buyer",
        name: buyer.company.clone(),
        name_en: String::new(),
        products: buyer.interests.clone(),
        hs: codes(&buyer.hs_codes, &headings[index]),
        country: buyer.country.clone(),
        city: buyer.city.clone(),
        cities: vec![buyer.city.clone()],
        booth: String::new(),
        sector: buyer.sector.clone(),
    }
}

/// The inferred headings a profile shows: the strongest few (a reader compares products, not
/// the matcher's runner-up readings).
const SHOWN_HEADINGS: usize = 3;

fn codes(given: &[crate::HsCode], inferred: &[crate::InferredHeading]) -> Vec<String> {
    if given.is_empty() {
        inferred
            .iter()
            .take(SHOWN_HEADINGS)
            .map(|h| h.code.clone())
            .collect()
    } else {
        given.iter().map(|c| c.as_str().to_string()).collect()
    }
}

/// The catalogue of the participant `id` on `side`: a buyer's lists every active firm, a
/// firm's its active candidate buyers; best matches first, then by id. `None`: no such
/// participant.
pub fn catalogue(
    mission: &Mission,
    candidates: &[Candidate],
    (firm_headings, buyer_headings): (&Headings, &Headings),
    side: Side,
    id: &str,
    now_unix_seconds: i64,
) -> Option<Catalogue> {
    let mut entries: Vec<Entry> = match side {
        Side::Buyer => {
            let buyer = mission.buyer_index(&crate::BuyerId(id.to_string()))?;
            let reader = &mission.buyers[buyer].languages;
            (0..mission.firms.len())
                .filter(|&firm| mission.firms[firm].status == Status::Active)
                .map(|firm| {
                    let candidate = candidates
                        .iter()
                        .find(|c| c.firm == firm && c.buyer == buyer);
                    entry(
                        firm_profile(mission, firm, firm_headings, reader),
                        candidate,
                    )
                })
                .collect()
        }
        Side::Firm => {
            let firm = mission.firm_index(&crate::FirmId(id.to_string()))?;
            candidates
                .iter()
                .filter(|c| c.firm == firm && mission.buyers[c.buyer].status == Status::Active)
                .map(|c| entry(buyer_profile(mission, c.buyer, buyer_headings), Some(c)))
                .collect()
        }
    };
    entries.sort_by(|a, b| {
        b.relevance
            .total_cmp(&a.relevance)
            .then_with(|| a.profile.id.cmp(&b.profile.id))
    });
    let participant = match side {
        Side::Buyer => buyer_profile(
            mission,
            mission.buyer_index(&crate::BuyerId(id.into()))?,
            buyer_headings,
        ),
        Side::Firm => {
            let firm = mission.firm_index(&crate::FirmId(id.into()))?;
            let languages = mission.firms[firm].languages.clone();
            firm_profile(mission, firm, firm_headings, &languages)
        }
    };
    // The viewer's own wishes, never another's.
    for entry in &mut entries {
        let (firm, buyer) = match side {
            Side::Firm => (id, entry.profile.id.as_str()),
            Side::Buyer => (entry.profile.id.as_str(), id),
        };
        if let Some(wish) = mission
            .wishes
            .iter()
            .find(|w| w.from == Some(side) && w.firm.0 == firm && w.buyer.0 == buyer)
        {
            entry.wish = Some(wish.kind.as_str());
            entry.wish_note = wish.note.clone();
        }
    }
    Some(Catalogue {
        participant,
        wishes_until: mission.wishes_until.as_ref().map(|d| d.written.clone()),
        wishes_open: mission
            .wishes_until
            .as_ref()
            .is_none_or(|deadline| !deadline.passed_at(now_unix_seconds)),
        entries,
    })
}

fn entry(profile: Profile, candidate: Option<&Candidate>) -> Entry {
    Entry {
        profile,
        relevance: candidate.map_or(0.0, |c| (c.relevance * 1000.0).round() / 1000.0),
        why: candidate
            .map(|c| public_reasons(&c.reasons))
            .unwrap_or_default(),
        wish: None,
        wish_note: String::new(),
        wish_outcome: None,
    }
}

/// Says, on each entry the viewer made a wish for, what became of it: whether the organiser's
/// own row for the pair set it aside, and, once a timetable exists (`agenda`: the viewer's),
/// whether the pair meets and when. A firm reads it in Korean and English.
pub fn wish_outcomes(
    catalogue: &mut Catalogue,
    mission: &Mission,
    side: Side,
    id: &str,
    agenda: Option<&crate::publish::Agenda>,
) {
    let korean = side == Side::Firm;
    let say = |ko: &str, en: String| {
        if korean {
            format!("{ko} · {en}")
        } else {
            en
        }
    };
    for entry in catalogue.entries.iter_mut() {
        let Some(wish) = entry.wish else { continue };
        let (firm, buyer) = match side {
            Side::Firm => (id, entry.profile.id.as_str()),
            Side::Buyer => (entry.profile.id.as_str(), id),
        };
        let organiser = mission
            .requests
            .iter()
            .find(|r| r.from.is_none() && !r.wish && r.firm.0 == firm && r.buyer.0 == buyer)
            .map(|r| r.kind.as_str());
        let answer = match organiser {
            Some(kind) if kind != wish && kind == "avoid" => Some(say(
                "주최 측이 이 상담을 제외했습니다",
                "The organiser decided against this meeting.".into(),
            )),
            Some(kind) if kind != wish && wish == "avoid" => Some(say(
                "주최 측이 이 상담을 요청했습니다",
                "The organiser asked for this meeting.".into(),
            )),
            _ => None,
        };
        let booked = agenda.and_then(|agenda| {
            agenda
                .entries
                .iter()
                .find(|e| e.with_id == entry.profile.id)
                .map(|e| {
                    let session = &mission.sessions[e.session];
                    format!("{} {} {}", session.date, e.range.start, session.city)
                })
        });
        // What the engine does with the pair: the organiser's row where it overrides the wish.
        let effective = match organiser {
            Some(kind) if answer.is_some() => kind,
            _ => wish,
        };
        let timetable = match (agenda, booked, effective) {
            (None, _, "avoid") => say(
                "일정에 넣지 않습니다",
                "You will not be scheduled together.".into(),
            ),
            (None, _, _) => say("일정표를 기다리는 중", "Waiting for the timetable.".into()),
            (Some(_), Some(when), _) => say("상담 확정", format!("Booked: {when}.")),
            (Some(_), None, "avoid") if answer.is_some() => {
                say("일정에 없음", "Not scheduled.".into())
            }
            (Some(_), None, "avoid") => say("일정에 없음", "Not scheduled, as you asked.".into()),
            (Some(_), None, _) => say("일정에 없음", "Not booked in the current timetable.".into()),
        };
        entry.wish_outcome = Some(match answer {
            Some(answer) => format!("{answer} {timetable}"),
            None => timetable,
        });
    }
}

/// The matcher's reasons a participant may read: what the two trade and where they meet, not
/// who asked for the meeting (a `requests.csv` row may be the other side's wish).
fn public_reasons(reasons: &[String]) -> Vec<String> {
    reasons
        .iter()
        .filter(|reason| !reason.contains("requests.csv"))
        .cloned()
        .collect()
}

/// The sectors and cities a catalogue's entries have, for the page's filters (sorted, once).
pub fn choices(entries: &[Entry]) -> (Vec<String>, Vec<String>) {
    let mut sectors: Vec<String> = entries
        .iter()
        .map(|e| e.profile.sector.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    sectors.sort();
    sectors.dedup();
    let mut cities: Vec<String> = entries
        .iter()
        .flat_map(|e| e.profile.cities.iter().cloned())
        .filter(|c| !c.trim().is_empty())
        .collect();
    cities.sort();
    cities.dedup();
    (sectors, cities)
}
