//! The mission's results the way cities report them: companies met, meetings held, consultation
//! and contract amounts, per country and per firm, and the no-shows.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{BuyerId, FirmId, Mission};

/// Totals of one group (a country, a firm, the whole mission).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    /// Distinct counterparts met (buyers for a country or the mission, buyers for a firm).
    pub companies_met: usize,
    /// Meetings that took place.
    pub meetings_held: usize,
    /// Meetings booked but not attended.
    pub no_shows: usize,
    /// Value of the business discussed.
    pub consultation_usd: f64,
    /// Value signed on site.
    pub contract_usd: f64,
}

impl Totals {
    /// Contract amount over consultation amount (0 when nothing was discussed).
    pub fn contract_ratio(&self) -> f64 {
        if self.consultation_usd > 0.0 {
            self.contract_usd / self.consultation_usd
        } else {
            0.0
        }
    }
}

/// The mission report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MissionReport {
    /// Meetings of the timetable and of `outcomes.csv` (contract v3).
    pub meetings_scheduled: usize,
    /// Those with `attended` recorded (yes or no).
    pub meetings_recorded: usize,
    /// Those not recorded yet: counted in no total below.
    pub meetings_unrecorded: usize,
    /// Whole mission.
    pub total: Totals,
    /// Per buyer country.
    pub per_country: BTreeMap<String, Totals>,
    /// Per firm id.
    pub per_firm: BTreeMap<String, Totals>,
    /// Per buyer id (companies met: firms), for the buyers with a recorded meeting.
    pub per_buyer: BTreeMap<String, Totals>,
    /// Buyers that attended none of their meetings.
    pub no_show_buyers: Vec<String>,
}

/// Builds the report from `mission.outcomes` (empty when there are none) and the meetings of
/// the timetable, `scheduled` (one without an outcome row is not recorded yet).
pub fn report(mission: &Mission, scheduled: &[(FirmId, BuyerId)]) -> MissionReport {
    let mut result = MissionReport::default();
    let mut met_total: BTreeSet<&str> = BTreeSet::new();
    let mut met_country: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    let mut met_firm: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    // Per buyer: meetings attended (a pair meets at most once: one a firm).
    let mut firms_met: BTreeMap<&str, usize> = BTreeMap::new();
    // Per buyer: meetings recorded, meetings attended.
    let mut booked: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for firm in &mission.firms {
        result.per_firm.entry(firm.id.to_string()).or_default();
    }
    let records = mission.meeting_records(scheduled);
    result.meetings_scheduled = records.len();
    // Buyers with a meeting not recorded yet: no no-shows until it is.
    let mut pending: BTreeSet<&str> = BTreeSet::new();
    for outcome in &records {
        let Some(attended) = outcome.attended else {
            result.meetings_unrecorded += 1;
            pending.insert(outcome.buyer.as_str());
            continue;
        };
        result.meetings_recorded += 1;
        let Some(buyer) = mission
            .buyer_index(&outcome.buyer)
            .map(|b| &mission.buyers[b])
        else {
            continue;
        };
        let country = buyer.country.clone();
        let firm = outcome.firm.to_string();
        let entry = booked.entry(buyer.id.as_str()).or_default();
        entry.0 += 1;
        for totals in [
            &mut result.total,
            result.per_country.entry(country.clone()).or_default(),
            result.per_firm.entry(firm.clone()).or_default(),
            result.per_buyer.entry(buyer.id.to_string()).or_default(),
        ] {
            if attended {
                totals.meetings_held += 1;
                totals.consultation_usd += outcome.consultation_usd.unwrap_or(0.0);
                totals.contract_usd += outcome.contract_usd.unwrap_or(0.0);
            } else {
                totals.no_shows += 1;
            }
        }
        if attended {
            entry.1 += 1;
            met_total.insert(buyer.id.as_str());
            met_country
                .entry(country)
                .or_default()
                .insert(buyer.id.as_str());
            met_firm
                .entry(firm.clone())
                .or_default()
                .insert(buyer.id.as_str());
            *firms_met.entry(buyer.id.as_str()).or_default() += 1;
        }
    }
    result.total.companies_met = met_total.len();
    for (country, met) in met_country {
        result.per_country.entry(country).or_default().companies_met = met.len();
    }
    for (firm, met) in met_firm {
        result.per_firm.entry(firm).or_default().companies_met = met.len();
    }
    for (buyer, met) in firms_met {
        result
            .per_buyer
            .entry(buyer.to_string())
            .or_default()
            .companies_met = met;
    }
    result.no_show_buyers = booked
        .into_iter()
        .filter(|(buyer, (meetings, attended))| {
            *meetings > 0 && *attended == 0 && !pending.contains(buyer)
        })
        .map(|(buyer, _)| buyer.to_string())
        .collect();
    result
}
