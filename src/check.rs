//! What `check` tells an organiser about a valid mission: a summary and the suspicious parts.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::model::{Availability, InterpreterCapacity, Mission};

/// A readable account of a mission folder that passed validation.
#[derive(Debug, Clone, PartialEq)]
pub struct MissionSummary {
    /// Number of firms.
    pub firm_count: usize,
    /// Buyers per country code.
    pub buyers_per_country: BTreeMap<String, usize>,
    /// Per session: id, date, city, hours, slot count, firms and buyers available in it.
    pub sessions: Vec<SessionSummary>,
    /// Firm-buyer pairs that need an interpreter, per interpreter language, with the mission's
    /// per-slot limit (`None`: unlimited).
    pub interpreter_pairs: BTreeMap<String, (usize, Option<u32>)>,
    /// Things that are allowed but probably wrong.
    pub warnings: Vec<String>,
}

/// One session in the summary.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionSummary {
    /// Session id.
    pub id: String,
    /// `2017-03-27 New Delhi 09:30-17:00`.
    pub place_and_time: String,
    /// Slot start times.
    pub slot_starts: Vec<String>,
    /// Firms available for at least one of its slots.
    pub firms_available: usize,
    /// Buyers available for at least one of its slots.
    pub buyers_available: usize,
}

fn available_in_session(mission: &Mission, availability: &Availability, session: usize) -> bool {
    mission
        .slots
        .iter()
        .filter(|slot| slot.session == session)
        .any(|slot| availability.allows(slot))
}

fn slot_count(mission: &Mission, availability: &Availability) -> usize {
    mission
        .slots
        .iter()
        .filter(|slot| availability.allows(slot))
        .count()
}

/// Summarises a valid mission and lists what looks wrong in it, warning by warning.
pub fn summarize(mission: &Mission) -> MissionSummary {
    let mut buyers_per_country = BTreeMap::new();
    for buyer in &mission.buyers {
        *buyers_per_country.entry(buyer.country.clone()).or_insert(0) += 1;
    }
    let interpreter_pairs = interpreter_pairs(mission);
    let mut warnings = availability_warnings(
        mission,
        mission
            .firms
            .iter()
            .map(|f| ("firm", &f.id.0, &f.availability, mission.firm_minimum(f))),
    );
    warnings.extend(firms_without_shared_language(mission));
    for (language, (pairs, limit)) in &interpreter_pairs {
        if *limit == Some(0) {
            warnings.push(format!(
                "{pairs} pairs need a {language} interpreter but [interpreters] allows none: they can never meet"
            ));
        }
    }
    warnings.extend(availability_warnings(
        mission,
        mission
            .buyers
            .iter()
            .map(|b| ("buyer", &b.id.0, &b.availability, mission.buyer_minimum(b))),
    ));
    warnings.extend(requests_that_cannot_meet(mission));
    if let Some(limits) = &mission.interpreters {
        warnings.extend(buyers_only_through_interpreters(mission, limits));
    }
    warnings.extend(hs_codes_without_leading_zero(mission));
    warnings.extend(products_in_korean_only(mission));
    warnings.extend(overlapping_sessions(mission));
    MissionSummary {
        firm_count: mission.firms.len(),
        buyers_per_country,
        sessions: session_summaries(mission),
        interpreter_pairs,
        warnings,
    }
}

fn session_summaries(mission: &Mission) -> Vec<SessionSummary> {
    mission
        .sessions
        .iter()
        .enumerate()
        .map(|(index, session)| SessionSummary {
            id: session.id.to_string(),
            place_and_time: format!("{} {} {}", session.date, session.city, session.hours),
            slot_starts: mission
                .slots
                .iter()
                .filter(|slot| slot.session == index)
                .map(|slot| slot.range.start.to_string())
                .collect(),
            firms_available: mission
                .firms
                .iter()
                .filter(|firm| available_in_session(mission, &firm.availability, index))
                .count(),
            buyers_available: mission
                .buyers
                .iter()
                .filter(|buyer| available_in_session(mission, &buyer.availability, index))
                .count(),
        })
        .collect()
}

/// Pairs per interpreter language, with the language's limit per slot (none: no limit).
fn interpreter_pairs(mission: &Mission) -> BTreeMap<String, (usize, Option<u32>)> {
    let mut pairs: BTreeMap<String, (usize, Option<u32>)> = BTreeMap::new();
    for firm in &mission.firms {
        for buyer in &mission.buyers {
            if let Some(language) = mission.interpreter_for(firm, buyer) {
                let limit = mission
                    .interpreters
                    .as_ref()
                    .map(|limits| limits.get(language).copied().unwrap_or(0));
                pairs.entry(language.to_string()).or_insert((0, limit)).0 += 1;
            }
        }
    }
    pairs
}

/// Participants of one side (kind, id, availability, minimum) available in no slot, or in fewer
/// slots than their minimum.
fn availability_warnings<'a>(
    mission: &Mission,
    participants: impl Iterator<Item = (&'static str, &'a String, &'a Availability, u32)>,
) -> Vec<String> {
    participants
        .filter_map(|(kind, id, availability, minimum)| {
            let slots = slot_count(mission, availability);
            if slots == 0 {
                Some(format!("{kind} {id} is available in no slot"))
            } else if (slots as u32) < minimum {
                Some(format!(
                    "{kind} {id} wants at least {minimum} meetings but is available in only {slots} slots"
                ))
            } else {
                None
            }
        })
        .collect()
}

/// Firms that share a language with no buyer: each of their meetings needs an interpreter.
fn firms_without_shared_language(mission: &Mission) -> Option<String> {
    if mission.buyers.is_empty() {
        return None;
    }
    let firms: Vec<String> = mission
        .firms
        .iter()
        .filter(|firm| {
            mission
                .buyers
                .iter()
                .all(|buyer| mission.interpreter_for(firm, buyer).is_some())
        })
        .map(|firm| format!("{} ({})", firm.id, firm.languages.join(", ")))
        .collect();
    (!firms.is_empty()).then(|| {
        format!(
            "no buyer shares a language with {} firm(s), so each of their meetings needs an interpreter: {}",
            firms.len(),
            firms.join(", ")
        )
    })
}

/// `must`, `want` and `request` rows whose pair shares no slot (inside its `when`) or needs an
/// interpreter the mission does not have.
fn requests_that_cannot_meet(mission: &Mission) -> Vec<String> {
    let mut warnings = Vec::new();
    for (request, firm, buyer) in mission.resolved_requests() {
        let (firm, buyer) = (&mission.firms[firm], &mission.buyers[buyer]);
        let common = mission.slots.iter().any(|slot| {
            firm.availability.allows(slot)
                && buyer.availability.allows(slot)
                && request.when.allows(slot)
        });
        let blocked = mission.interpreter_capacity(firm, buyer) == InterpreterCapacity::PerSlot(0);
        if request.kind != crate::model::RequestKind::Avoid && (!common || blocked) {
            warnings.push(format!(
                "{} pair {}-{} can never meet: {}",
                request.kind.as_str(),
                firm.id,
                buyer.id,
                if common {
                    "it needs an interpreter the mission does not have"
                } else {
                    "they share no available slot"
                }
            ));
        }
    }
    warnings
}

/// Buyers who share a language with no firm can meet only through an interpreter; when their
/// minimums alone exceed what the interpreters of their language can do in the whole mission,
/// minimums will be missed.
fn buyers_only_through_interpreters(
    mission: &Mission,
    limits: &BTreeMap<String, u32>,
) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut only_through: BTreeMap<&str, (usize, u32)> = BTreeMap::new();
    for buyer in &mission.buyers {
        let languages: std::collections::BTreeSet<Option<&str>> = mission
            .firms
            .iter()
            .map(|firm| mission.interpreter_for(firm, buyer))
            .collect();
        if let (1, Some(Some(language))) = (languages.len(), languages.first()) {
            let entry = only_through.entry(language).or_default();
            entry.0 += 1;
            entry.1 += mission.buyer_minimum(buyer).max(1);
        }
    }
    for (language, (buyers, wanted)) in only_through {
        let Some(&per_slot) = limits.get(language) else {
            continue;
        };
        let capacity = u64::from(per_slot) * mission.slots.len() as u64;
        if u64::from(wanted) > capacity {
            warnings.push(format!(
                "{buyers} buyer(s) can meet only through a {language} interpreter and want at least {wanted} meetings, but [interpreters] allows at most {capacity} {language} meetings in the whole mission ({per_slot} per slot x {} slots)",
                mission.slots.len()
            ));
        }
    }
    warnings
}

/// An HS code of odd length most likely lost its leading zero in a spreadsheet (030499 typed as
/// a number becomes 30499).
fn hs_codes_without_leading_zero(mission: &Mission) -> Vec<String> {
    let mut warnings = Vec::new();
    let odd_codes = mission
        .firms
        .iter()
        .map(|firm| (firm.id.as_str(), &firm.hs_codes))
        .chain(
            mission
                .buyers
                .iter()
                .map(|buyer| (buyer.id.as_str(), &buyer.hs_codes)),
        );
    for (id, codes) in odd_codes {
        // Codes whose reading with a leading zero exists were warned about when read (v3).
        let padded_exists = |code: &str| {
            let padded = format!("0{code}");
            crate::hs::HsTable::bundled()
                .get(&padded[..padded.len().min(6)])
                .is_some()
        };
        for code in codes
            .iter()
            .filter(|code| code.as_str().len() % 2 == 1 && !padded_exists(code.as_str()))
        {
            warnings.push(format!(
                "{id}: HS code {code} has {} digits; did a spreadsheet drop a leading zero (0{code})?",
                code.as_str().len(),
                code = code.as_str()
            ));
        }
    }
    warnings
}

/// v3: a buyer is shown a firm's products in a language it reads, else in English, else as
/// written; a firm that wrote them in Korean only leaves buyers who do not read it with nothing
/// to read.
fn products_in_korean_only(mission: &Mission) -> Vec<String> {
    let mut warnings = Vec::new();
    for firm in mission
        .firms
        .iter()
        .filter(|f| f.status == crate::model::Status::Active)
    {
        let korean_only = firm.products.chars().any(is_hangul)
            && !firm.products.chars().any(|c| c.is_ascii_alphabetic());
        if !korean_only {
            continue;
        }
        let mut unread: Vec<&str> = mission
            .buyers
            .iter()
            .filter(|b| {
                b.status == crate::model::Status::Active && !b.languages.iter().any(|l| l == "ko")
            })
            .filter(|b| std::ptr::eq(firm.products_for(&b.languages), firm.products.as_str()))
            .flat_map(|b| b.languages.iter().map(String::as_str))
            .collect();
        unread.sort_unstable();
        unread.dedup();
        if !unread.is_empty() {
            warnings.push(format!(
                "{}: its products are in Korean only, and buyers who read {} have nothing to read on their agendas; add products_en (or products_vi) to firms.csv",
                firm.id,
                unread.join(", ")
            ));
        }
    }
    warnings
}

fn overlapping_sessions(mission: &Mission) -> Vec<String> {
    let mut warnings = Vec::new();
    for (first, second) in mission.overlapping_sessions() {
        let (a, b) = (&mission.sessions[first], &mission.sessions[second]);
        warnings.push(format!(
            "sessions {} ({} {}) and {} ({} {}) overlap in time: someone available in both meets in only one of them at a time",
            a.id, a.date, a.hours, b.id, b.date, b.hours
        ));
    }
    warnings
}

impl MissionSummary {
    /// The summary as `check` prints it.
    pub fn render(&self, mission: &Mission) -> String {
        self.render_after(mission, 0)
    }

    /// The summary after `printed` warnings of the reading were printed above it: its count of
    /// warnings includes them.
    pub fn render_after(&self, mission: &Mission, printed: usize) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{} ({})", mission.name, mission.currency);
        let _ = writeln!(out, "firms: {}", self.firm_count);
        let buyers: usize = self.buyers_per_country.values().sum();
        let per_country: Vec<String> = self
            .buyers_per_country
            .iter()
            .map(|(country, count)| format!("{country} {count}"))
            .collect();
        let _ = writeln!(out, "buyers: {buyers} ({})", per_country.join(", "));
        let _ = writeln!(
            out,
            "sessions: {}, slots: {}",
            self.sessions.len(),
            mission.slots.len()
        );
        for session in &self.sessions {
            let _ = writeln!(
                out,
                "  {:<8} {}: {} slots ({}); available: {} firms, {} buyers",
                session.id,
                session.place_and_time,
                session.slot_starts.len(),
                session.slot_starts.join(" "),
                session.firms_available,
                session.buyers_available
            );
        }
        if self.interpreter_pairs.is_empty() {
            let _ = writeln!(out, "interpreters: no pair needs one");
        } else {
            let _ = writeln!(out, "pairs that need an interpreter:");
            for (language, (pairs, limit)) in &self.interpreter_pairs {
                let limit = match limit {
                    Some(limit) => format!("at most {limit} per slot"),
                    None => "no limit".to_string(),
                };
                let _ = writeln!(out, "  {language}: {pairs} pairs, {limit}");
            }
        }
        let requests = |kind| {
            mission
                .requests
                .iter()
                .filter(|request| request.kind == kind)
                .count()
        };
        let _ = writeln!(
            out,
            "requests: {} wants, {} wishes, {} must, {} avoid",
            requests(crate::model::RequestKind::Want),
            requests(crate::model::RequestKind::Request),
            requests(crate::model::RequestKind::Must),
            requests(crate::model::RequestKind::Avoid)
        );
        if !mission.wishes.is_empty() {
            let asked = |kind| mission.wishes.iter().filter(|w| w.kind == kind).count();
            let honoured = mission.wishes.iter().filter(|w| mission.honours(w)).count();
            let _ = writeln!(
                out,
                "participants' wishes: {} ({} must, {} want, {} no thanks); {honoured} honoured, {} set aside by the organiser's rows or a \"no thanks\"",
                mission.wishes.len(),
                asked(crate::model::RequestKind::Must),
                asked(crate::model::RequestKind::Want),
                asked(crate::model::RequestKind::Avoid),
                mission.wishes.len() - honoured
            );
        }
        if let Some(outcomes) = &mission.outcomes {
            let recorded = outcomes.iter().filter(|o| o.attended.is_some()).count();
            let _ = writeln!(
                out,
                "outcomes: {recorded} meetings recorded, {} not recorded yet",
                outcomes.len() - recorded
            );
        }
        if self.warnings.is_empty() && printed == 0 {
            let _ = writeln!(out, "warnings: none");
        } else {
            let _ = writeln!(out, "warnings: {}", self.warnings.len() + printed);
            for warning in &self.warnings {
                let _ = writeln!(out, "  warning: {warning}");
            }
        }
        out
    }
}

/// Whether the character is a Hangul syllable or letter.
fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}
