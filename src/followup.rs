//! After the mission: which buyers to follow up, in which order, with whom, and why.
//!
//! The plan is data: `followup` returns rows (and the notifications to send); sending them is the
//! shell's job. Flags follow contract section 5:
//! - `hot`: attended a meeting with interest 4-5, or a quote, sample or visit as next step, or a
//!   contract signed with more business discussed than signed;
//! - `warm`: attended, with some interest (2-3) or a consultation amount, and not hot;
//! - `no_show`: had meetings, all recorded, and attended none;
//! - `unrecorded` (v3): had meetings and none of them is recorded as attended, but some are not
//!   recorded yet: the outcome is missing, not the buyer;
//! - `unmet`: no meeting although the matcher found it a fitting buyer (relevance at least
//!   [`FITTING_RELEVANCE`]) for some firm;
//! - `cold`: everyone else.
//!
//! Priority is the expected value still to win. For a met buyer: over its attended meetings, the
//! business discussed but not yet signed times the chance it closes, which grows with interest
//! (0: 2% ... 5: 50%) and a concrete next step (quote x1.5, sample x1.4, visit x1.6, none x0.8,
//! at most 90%). For an unmet buyer: the best expected value the matcher saw for it. For a
//! no-show: half the expected value of the meetings it missed (a second chance is worth less).
//! For an unrecorded buyer: the expected value of its unrecorded meetings, so the outcomes worth
//! most are asked for first.

use std::collections::BTreeMap;

use crate::matching::Candidate;
use crate::model::{BuyerId, Date, FirmId, Mission, NextStep, Outcome};

/// Relevance from which an unmet buyer counts as a fitting one.
pub const FITTING_RELEVANCE: f64 = 0.5;

/// A buyer's follow-up flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Flag {
    /// Close to a deal.
    Hot,
    /// Interested.
    Warm,
    /// Booked but never came.
    NoShow,
    /// A good fit that got no meeting.
    Unmet,
    /// Meetings whose outcome nobody has recorded yet.
    Unrecorded,
    /// Nothing to chase.
    Cold,
}

impl Flag {
    /// The contract's word.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Hot => "hot",
            Flag::Warm => "warm",
            Flag::NoShow => "no_show",
            Flag::Unmet => "unmet",
            Flag::Unrecorded => "unrecorded",
            Flag::Cold => "cold",
        }
    }
}

/// One row of `followup.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowupRow {
    /// Position of the buyer in `mission.buyers`.
    pub buyer: usize,
    /// The flag.
    pub flag: Flag,
    /// Expected value still to win.
    pub priority: f64,
    /// Why, in words.
    pub reasons: Vec<String>,
    /// Firms to follow up with, most promising first.
    pub firms: Vec<String>,
    /// What to do.
    pub next_action: String,
    /// By when.
    pub due: Date,
}

/// Chance that the business discussed at an attended meeting still closes.
pub fn close_probability(interest: Option<u8>, next_step: Option<NextStep>) -> f64 {
    let base: f64 = match interest.unwrap_or(1) {
        0 => 0.02,
        1 => 0.05,
        2 => 0.10,
        3 => 0.20,
        4 => 0.35,
        _ => 0.50,
    };
    let factor = match next_step {
        Some(NextStep::Quote) => 1.5,
        Some(NextStep::Sample) => 1.4,
        Some(NextStep::Visit) => 1.6,
        Some(NextStep::None) => 0.8,
        None => 1.0,
    };
    (base * factor).min(0.9)
}

fn is_hot(outcome: &Outcome) -> bool {
    let consulted = outcome.consultation_usd.unwrap_or(0.0);
    let signed = outcome.contract_usd.unwrap_or(0.0);
    outcome.attended == Some(true)
        && (outcome.interest.is_some_and(|i| i >= 4)
            || matches!(
                outcome.next_step,
                Some(NextStep::Quote | NextStep::Sample | NextStep::Visit)
            )
            || (signed > 0.0 && consulted > signed))
}

fn is_warm(outcome: &Outcome) -> bool {
    outcome.attended == Some(true)
        && (outcome.interest.is_some_and(|i| (2..=3).contains(&i))
            || outcome.consultation_usd.is_some_and(|c| c > 0.0))
}

fn remaining_value(outcome: &Outcome) -> f64 {
    if outcome.attended != Some(true) {
        return 0.0;
    }
    let open =
        (outcome.consultation_usd.unwrap_or(0.0) - outcome.contract_usd.unwrap_or(0.0)).max(0.0);
    open * close_probability(outcome.interest, outcome.next_step)
}

/// An amount as people read it: whole units, thousands grouped by commas (`1,234,567`). The
/// follow-up reasons and the server's pages print amounts through it.
pub fn money(value: f64) -> String {
    let whole = value.round() as i64;
    let digits = whole.abs().to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if whole < 0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

/// The follow-up plan, highest priority first (ties: by flag, then buyer id).
///
/// `candidates` are the matcher's pairs (for `unmet`, no-show and unrecorded values); outcomes
/// come from the mission, and `scheduled` are the meetings of the timetable, so that one without
/// an outcome row counts as not recorded yet ([`Mission::meeting_records`]). Buyers with neither
/// count as having had no meeting.
pub fn followup(
    mission: &Mission,
    candidates: &[Candidate],
    scheduled: &[(FirmId, BuyerId)],
) -> Vec<FollowupRow> {
    let records = mission.meeting_records(scheduled);
    let last_day = mission
        .sessions
        .iter()
        .map(|session| session.date)
        .max()
        .unwrap_or(Date {
            year: 1970,
            month: 1,
            day: 1,
        });
    let evidence = Evidence::gather(mission, &records, candidates);
    let mut rows: Vec<FollowupRow> = (0..mission.buyers.len())
        .map(|buyer_index| {
            let verdict = evidence.verdict(buyer_index);
            FollowupRow {
                buyer: buyer_index,
                flag: verdict.flag,
                priority: verdict.priority,
                reasons: verdict.reasons,
                firms: verdict.firms,
                next_action: verdict.next_action,
                due: last_day,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.priority
            .total_cmp(&a.priority)
            .then(a.flag.cmp(&b.flag))
            .then(mission.buyers[a.buyer].id.cmp(&mission.buyers[b.buyer].id))
    });
    set_due_dates(&mut rows, last_day);
    rows
}

/// Hot buyers within a week, the most valuable first: the top third in 3 days. `rows` are in
/// plan order.
fn set_due_dates(rows: &mut [FollowupRow], last_day: Date) {
    let hot_count = rows.iter().filter(|r| r.flag == Flag::Hot).count();
    let mut hot_seen = 0;
    for row in rows {
        let days = match row.flag {
            Flag::Hot => {
                hot_seen += 1;
                if hot_seen * 3 <= hot_count.max(1) {
                    3
                } else {
                    7
                }
            }
            Flag::Warm => 14,
            Flag::NoShow => 10,
            Flag::Unmet => 21,
            Flag::Unrecorded => 3,
            Flag::Cold => 30,
        };
        row.due = last_day.add_days(days);
    }
}

/// One buyer's plan but its due date: the flag, the value still to win, why, with whom and what
/// to do.
struct Verdict {
    flag: Flag,
    priority: f64,
    reasons: Vec<String>,
    firms: Vec<String>,
    next_action: String,
}

/// What the plan reads about each buyer: its meetings' outcomes and the matcher's pairs.
struct Evidence<'a> {
    mission: &'a Mission,
    /// Each buyer's meeting records.
    by_buyer: BTreeMap<usize, Vec<&'a Outcome>>,
    /// Each buyer's candidate pairs, highest expected value first.
    best_candidate: BTreeMap<usize, Vec<&'a Candidate>>,
}

impl<'a> Evidence<'a> {
    /// The meeting records and candidates of `mission`, per buyer.
    fn gather(mission: &'a Mission, records: &'a [Outcome], candidates: &'a [Candidate]) -> Self {
        let mut by_buyer: BTreeMap<usize, Vec<&Outcome>> = BTreeMap::new();
        for outcome in records {
            if let Some(buyer) = mission.buyer_index(&outcome.buyer) {
                by_buyer.entry(buyer).or_default().push(outcome);
            }
        }
        let mut best_candidate: BTreeMap<usize, Vec<&Candidate>> = BTreeMap::new();
        for candidate in candidates {
            best_candidate
                .entry(candidate.buyer)
                .or_default()
                .push(candidate);
        }
        for list in best_candidate.values_mut() {
            list.sort_by(|a, b| b.expected_value_usd.total_cmp(&a.expected_value_usd));
        }
        Evidence {
            mission,
            by_buyer,
            best_candidate,
        }
    }

    /// The expected value the matcher saw for a pair (0 for a pair it did not propose).
    fn expected_of(&self, firm: &str, buyer: usize) -> f64 {
        self.best_candidate
            .get(&buyer)
            .and_then(|list| {
                list.iter()
                    .find(|c| self.mission.firms[c.firm].id.as_str() == firm)
            })
            .map_or(0.0, |c| c.expected_value_usd)
    }

    /// The plan for one buyer, from what its meetings recorded, or the matcher's view if none.
    fn verdict(&self, buyer_index: usize) -> Verdict {
        let met = self.by_buyer.get(&buyer_index).cloned().unwrap_or_default();
        let attended: Vec<&Outcome> = met
            .iter()
            .copied()
            .filter(|o| o.attended == Some(true))
            .collect();
        let unrecorded: Vec<&Outcome> = met
            .iter()
            .copied()
            .filter(|o| o.attended.is_none())
            .collect();
        if attended.is_empty() && !unrecorded.is_empty() {
            self.unrecorded(buyer_index, &met, &unrecorded)
        } else if !met.is_empty() && attended.is_empty() {
            self.no_show(buyer_index, &met)
        } else if !met.is_empty() {
            self.attended(&attended, &unrecorded)
        } else {
            self.unmet(buyer_index)
        }
    }

    /// A buyer none of whose meetings is recorded as attended, some not recorded at all.
    fn unrecorded(&self, buyer_index: usize, met: &[&Outcome], unrecorded: &[&Outcome]) -> Verdict {
        let open: f64 = unrecorded
            .iter()
            .map(|o| self.expected_of(o.firm.as_str(), buyer_index))
            .sum();
        Verdict {
            flag: Flag::Unrecorded,
            priority: open,
            reasons: vec![format!(
                "{} of {} meeting(s) have no outcome recorded yet",
                unrecorded.len(),
                met.len()
            )],
            firms: unrecorded.iter().map(|o| o.firm.to_string()).collect(),
            next_action: "ask the firms for the outcomes of these meetings".to_string(),
        }
    }

    /// A buyer whose meetings are all recorded, none attended.
    fn no_show(&self, buyer_index: usize, met: &[&Outcome]) -> Verdict {
        let missed: f64 = met
            .iter()
            .map(|o| self.expected_of(o.firm.as_str(), buyer_index))
            .sum();
        Verdict {
            flag: Flag::NoShow,
            priority: missed * 0.5,
            reasons: vec![format!("booked {} meeting(s), attended none", met.len())],
            firms: met.iter().map(|o| o.firm.to_string()).collect(),
            next_action: "call to find out why; offer an online meeting with the same firms"
                .to_string(),
        }
    }

    /// A buyer who attended meetings: hot, warm or cold by what they recorded.
    fn attended(&self, attended: &[&Outcome], unrecorded: &[&Outcome]) -> Verdict {
        let mut reasons = Vec::new();
        if !unrecorded.is_empty() {
            reasons.push(format!("{} meeting(s) not recorded yet", unrecorded.len()));
        }
        let mut ranked: Vec<&Outcome> = attended.to_vec();
        ranked.sort_by(|a, b| {
            remaining_value(b)
                .total_cmp(&remaining_value(a))
                .then(a.firm.cmp(&b.firm))
        });
        let priority: f64 = attended.iter().map(|o| remaining_value(o)).sum();
        let hot: Vec<&Outcome> = ranked.iter().copied().filter(|o| is_hot(o)).collect();
        let warm = attended.iter().any(|o| is_warm(o));
        reasons.extend(
            ranked
                .iter()
                .filter_map(|outcome| meeting_reason(outcome, &self.mission.currency)),
        );
        let firms: Vec<String> = ranked
            .iter()
            .filter(|o| is_hot(o) || is_warm(o))
            .map(|o| o.firm.to_string())
            .collect();
        let (flag, firms, next_action) = if !hot.is_empty() {
            (Flag::Hot, firms, hot_action(&hot))
        } else if warm {
            (
                Flag::Warm,
                firms,
                "send catalogue and price list; follow-up call".to_string(),
            )
        } else {
            reasons.push("attended without interest".to_string());
            (Flag::Cold, Vec::new(), "keep on the newsletter".to_string())
        };
        Verdict {
            flag,
            priority,
            reasons,
            firms,
            next_action,
        }
    }

    /// A buyer without meetings: unmet when it fits some firm, else cold.
    fn unmet(&self, buyer_index: usize) -> Verdict {
        let mission = self.mission;
        let list = self.best_candidate.get(&buyer_index);
        let fitting: Vec<&&Candidate> = list
            .map(|list| {
                list.iter()
                    .filter(|c| c.relevance >= FITTING_RELEVANCE)
                    .collect()
            })
            .unwrap_or_default();
        if fitting.is_empty() {
            return Verdict {
                flag: Flag::Cold,
                priority: 0.0,
                reasons: vec!["no meeting and no fitting firm".to_string()],
                firms: Vec::new(),
                next_action: "keep on the newsletter".to_string(),
            };
        }
        let best = fitting[0];
        Verdict {
            flag: Flag::Unmet,
            priority: best.expected_value_usd,
            reasons: vec![format!(
                "no meeting; fits {} (relevance {:.2}, expected {} {})",
                mission.firms[best.firm].id,
                best.relevance,
                money(best.expected_value_usd),
                mission.currency
            )],
            firms: fitting
                .iter()
                .take(3)
                .map(|c| mission.firms[c.firm].id.to_string())
                .collect(),
            next_action: "invite to an online consultation or the next mission".to_string(),
        }
    }
}

/// What one attended meeting recorded (`with F01: interest 5/5, ...`), if anything.
fn meeting_reason(outcome: &Outcome, currency: &str) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(interest) = outcome.interest {
        parts.push(format!("interest {interest}/5"));
    }
    if let Some(step) = outcome.next_step.filter(|s| *s != NextStep::None) {
        parts.push(format!("asked for a {}", step.as_str()));
    }
    if let Some(c) = outcome.consultation_usd.filter(|c| *c > 0.0) {
        parts.push(format!("{} {} discussed", money(c), currency));
    }
    if let Some(c) = outcome.contract_usd.filter(|c| *c > 0.0) {
        parts.push(format!("{} signed", money(c)));
    }
    if parts.is_empty() {
        None
    } else {
        Some(format!("with {}: {}", outcome.firm, parts.join(", ")))
    }
}

/// What to do for a hot buyer: the first next step its hot meetings asked for.
fn hot_action(hot: &[&Outcome]) -> String {
    let step = hot
        .iter()
        .find_map(|o| o.next_step.filter(|s| *s != NextStep::None));
    match step {
        Some(NextStep::Quote) => "send the quote".to_string(),
        Some(NextStep::Sample) => "ship the samples".to_string(),
        Some(NextStep::Visit) => "arrange the visit".to_string(),
        _ => "call to close the order".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_probability_rises_with_interest_and_steps() {
        assert!(
            close_probability(Some(5), Some(NextStep::Quote)) > close_probability(Some(5), None)
        );
        assert!(close_probability(Some(4), None) > close_probability(Some(2), None));
        assert!(close_probability(Some(5), Some(NextStep::Visit)) <= 0.9);
        assert_eq!(money(1234567.4), "1,234,567");
    }
}

/// One follow-up message for the webhook, built from a plan row.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// Stable per mission and buyer, so a receiver can drop repeats.
    pub key: String,
    /// The buyer's id.
    pub buyer: String,
    /// The JSON body.
    pub body: serde_json::Value,
}

/// A stable idempotency key: FNV-1a (64 bits) of the mission name and the buyer id.
pub fn idempotency_key(mission: &str, buyer: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in mission.bytes().chain([0u8]).chain(buyer.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("mm-{hash:016x}")
}

/// The notifications for every flagged buyer (all but `cold` and `unrecorded`), in plan order.
pub fn notifications(mission: &Mission, rows: &[FollowupRow]) -> Vec<Notification> {
    rows.iter()
        // Nothing to chase yet for an unrecorded buyer: its key would mark it sent before its
        // outcomes say whether it is worth a call.
        .filter(|row| !matches!(row.flag, Flag::Cold | Flag::Unrecorded))
        .map(|row| {
            let buyer = &mission.buyers[row.buyer];
            let key = idempotency_key(&mission.name, buyer.id.as_str());
            Notification {
                buyer: buyer.id.to_string(),
                body: serde_json::json!({
                    "idempotency_key": key,
                    "mission": mission.name,
                    "currency": mission.currency,
                    "buyer": buyer.id.as_str(),
                    "company": buyer.company,
                    "country": buyer.country,
                    "flag": row.flag.as_str(),
                    "priority": (row.priority * 100.0).round() / 100.0,
                    "firms": row.firms,
                    "next_action": row.next_action,
                    "due": row.due.to_string(),
                    "reasons": row.reasons,
                }),
                key,
            }
        })
        .collect()
}
