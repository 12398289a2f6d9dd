//! Expected deal value of a meeting: how likely it is to end in a contract (`p_deal`), how large
//! that contract would be (`deal_value_usd`), and their product (`expected_value_usd`).
//!
//! `p_deal` is a logistic model: `1 / (1 + exp(-z))` with
//! `z = intercept + relevance * r + hs_level * (level / 3) + shared_language * s + request * q`,
//! where `r` is the matcher's relevance in [0, 1], `level` the closest shared HS level (3 same
//! subheading, 2 same heading, 1 same chapter, 0 none), `s` 1 when the pair shares a language and
//! `q` 1 when one side asked to meet. The defaults put an ordinary meeting near 2% and the best
//! near 9%: reported Korean export missions sign on site about 2-30% of the amount discussed and
//! a single consultation's chance of a contract is about 1-5% (the city's India and Vietnam
//! missions signed 3% and 8% of the business discussed).
//!
//! `deal_value_usd = deal_share * min(buyer's annual imports, firm's export capacity)`: a first
//! order is a share of what the buyer imports in the category, and never more than the firm can
//! make. Every parameter can be set in `mission.toml` under `[model]`.

use std::collections::BTreeMap;

/// The names `[model]` accepts.
pub const MODEL_PARAMETERS: &[&str] = &[
    "intercept",
    "relevance",
    "hs_level",
    "shared_language",
    "request",
    "deal_share",
    "default_import_usd",
    "default_capacity_usd",
];

/// Parameters of the deal-value model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelParameters {
    /// Log-odds of a contract for a pair with nothing in common (-4.6: 1%).
    pub intercept: f64,
    /// Weight of the matcher's relevance.
    pub relevance: f64,
    /// Weight of the shared HS level (divided by 3).
    pub hs_level: f64,
    /// Weight of a shared language (no interpreter needed).
    pub shared_language: f64,
    /// Weight of a meeting request.
    pub request: f64,
    /// Share of the smaller of imports and capacity that a deal is worth.
    pub deal_share: f64,
    /// Annual imports assumed when a buyer gives none.
    pub default_import_usd: f64,
    /// Export capacity assumed when a firm gives none.
    pub default_capacity_usd: f64,
}

impl Default for ModelParameters {
    fn default() -> Self {
        ModelParameters {
            intercept: -4.6,
            relevance: 1.2,
            hs_level: 0.4,
            shared_language: 0.2,
            request: 0.5,
            deal_share: 0.25,
            default_import_usd: 500_000.0,
            default_capacity_usd: 1_000_000.0,
        }
    }
}

/// What the model knows about a pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairFeatures {
    /// Matcher relevance in [0, 1].
    pub relevance: f64,
    /// Closest shared HS level: 3 subheading, 2 heading, 1 chapter, 0 none.
    pub hs_level: u8,
    /// They share a language.
    pub shared_language: bool,
    /// One side asked to meet.
    pub request: bool,
}

impl ModelParameters {
    /// The defaults overridden by a mission's `[model]` table (unknown names are ignored here;
    /// reading the folder warns about them).
    pub fn from_table(table: &BTreeMap<String, f64>) -> ModelParameters {
        let mut parameters = ModelParameters::default();
        for (name, &value) in table {
            let slot = match name.as_str() {
                "intercept" => &mut parameters.intercept,
                "relevance" => &mut parameters.relevance,
                "hs_level" => &mut parameters.hs_level,
                "shared_language" => &mut parameters.shared_language,
                "request" => &mut parameters.request,
                "deal_share" => &mut parameters.deal_share,
                "default_import_usd" => &mut parameters.default_import_usd,
                "default_capacity_usd" => &mut parameters.default_capacity_usd,
                _ => continue,
            };
            *slot = value;
        }
        parameters
    }

    /// The linear predictor `z` of the logistic model.
    pub fn log_odds(&self, features: &PairFeatures) -> f64 {
        self.intercept
            + self.relevance * features.relevance
            + self.hs_level * f64::from(features.hs_level) / 3.0
            + self.shared_language * f64::from(u8::from(features.shared_language))
            + self.request * f64::from(u8::from(features.request))
    }

    /// Probability that the meeting leads to a contract.
    pub fn p_deal(&self, features: &PairFeatures) -> f64 {
        1.0 / (1.0 + (-self.log_odds(features)).exp())
    }

    /// Value of the deal if there is one.
    pub fn deal_value_usd(
        &self,
        annual_import_usd: Option<f64>,
        export_capacity_usd: Option<f64>,
    ) -> f64 {
        self.deal_share
            * annual_import_usd
                .unwrap_or(self.default_import_usd)
                .min(export_capacity_usd.unwrap_or(self.default_capacity_usd))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_sit_in_the_reported_range() {
        let model = ModelParameters::default();
        let ordinary = PairFeatures {
            relevance: 0.5,
            hs_level: 2,
            shared_language: false,
            request: false,
        };
        let best = PairFeatures {
            relevance: 1.0,
            hs_level: 3,
            shared_language: true,
            request: true,
        };
        let none = PairFeatures {
            relevance: 0.0,
            hs_level: 0,
            shared_language: false,
            request: false,
        };
        let (ordinary, best, none) = (
            model.p_deal(&ordinary),
            model.p_deal(&best),
            model.p_deal(&none),
        );
        assert!((0.01..=0.05).contains(&ordinary), "{ordinary}");
        assert!((0.05..=0.12).contains(&best), "{best}");
        assert!((none - 0.01).abs() < 0.001, "{none}");
        assert_eq!(
            model.deal_value_usd(Some(400_000.0), Some(2_000_000.0)),
            100_000.0
        );
        assert_eq!(model.deal_value_usd(None, None), 125_000.0);
    }

    #[test]
    fn the_model_table_overrides_defaults() {
        let mut table = BTreeMap::new();
        table.insert("intercept".to_string(), -3.0);
        table.insert("deal_share".to_string(), 0.5);
        let model = ModelParameters::from_table(&table);
        assert_eq!(model.intercept, -3.0);
        assert_eq!(model.deal_share, 0.5);
        assert_eq!(model.relevance, ModelParameters::default().relevance);
    }
}
