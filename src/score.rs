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
    "rank_hs",
    "rank_text",
    "rank_request",
    "rank_exclusivity",
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
    /// The ranker's weights (see [`Ranker`]).
    pub ranker: Ranker,
}

/// How the matcher's evidence on a pair becomes its relevance in [0, 1]:
/// `min(1, hs * HS similarity + text * text similarity + request * (a want, request or must))`,
/// and for a pair nobody asked for, times `(that / the buyer's best pair's) ^ exclusivity` (see
/// [`Ranker::exclusive`]). Its weights are `[model]` parameters (`rank_hs`, `rank_text`,
/// `rank_request`, `rank_exclusivity`), so a mission can set them and a learned ranker can take
/// its place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranker {
    /// Weight of the HS similarity (0-1: the same subheading 1, heading, chapter less).
    pub hs: f64,
    /// Weight of the text similarity (0-1).
    pub text: f64,
    /// What a request adds.
    pub request: f64,
    /// How much a pair loses for being far below its buyer's best pair (0: nothing).
    pub exclusivity: f64,
}

impl Default for Ranker {
    fn default() -> Self {
        Ranker {
            hs: 0.55,
            text: 0.45,
            request: 0.25,
            exclusivity: 0.5,
        }
    }
}

impl Ranker {
    /// The relevance of a pair from its HS and text similarities and whether one side asked.
    pub fn relevance(&self, hs: f64, text: f64, requested: bool) -> f64 {
        let request = if requested { self.request } else { 0.0 };
        (self.hs * hs + self.text * text + request).clamp(0.0, 1.0)
    }

    /// A pair's relevance given the relevance of its buyer's best pair: a buyer's trade is
    /// usually one firm's or a few's, so a pair far below the buyer's best one is most likely
    /// a second reading of the buyer's words, not its trade (a buyer of helmets meets the
    /// helmet maker at 0.6 and the bicycle maker, through "bicycle helmets", at 0.25). Chosen on
    /// the held-out sets' training halves (`cargo bench --bench relevance`): schedule precision
    /// 0.83 -> 0.89 and 0.75 -> 0.77, nDCG@10 within 0.006. Pairs someone asked for are left as
    /// they are.
    pub fn exclusive(&self, relevance: f64, buyer_best: f64) -> f64 {
        if buyer_best <= 0.0 || relevance >= buyer_best {
            return relevance;
        }
        relevance * (relevance / buyer_best).powf(self.exclusivity)
    }
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
            ranker: Ranker::default(),
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
                "rank_hs" => &mut parameters.ranker.hs,
                "rank_text" => &mut parameters.ranker.text,
                "rank_request" => &mut parameters.ranker.request,
                "rank_exclusivity" => &mut parameters.ranker.exclusivity,
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

/// One observed meeting: what the model knew, and whether a contract was signed.
pub type Observation = (PairFeatures, bool);

fn feature_vector(features: &PairFeatures) -> [f64; 5] {
    [
        1.0,
        features.relevance,
        f64::from(features.hs_level) / 3.0,
        f64::from(u8::from(features.shared_language)),
        f64::from(u8::from(features.request)),
    ]
}

/// Mean negative log-likelihood of the observations under the model (lower is better).
pub fn log_loss(model: &ModelParameters, observations: &[Observation]) -> f64 {
    if observations.is_empty() {
        return 0.0;
    }
    let total: f64 = observations
        .iter()
        .map(|(features, signed)| {
            let p = model.p_deal(features).clamp(1e-12, 1.0 - 1e-12);
            if *signed {
                -p.ln()
            } else {
                -(1.0 - p).ln()
            }
        })
        .sum();
    total / observations.len() as f64
}

/// Fits the logistic part of the model (intercept and the four weights) to observations by
/// Newton's method. A penalty pulls the weights towards `start` with the strength of
/// [`PRIOR_STRENGTH`] pseudo-observations, so a small mission with a handful of contracts moves
/// the defaults a little instead of overfitting them, while a long history overrides them.
/// Deal-size parameters are kept from `start`.
pub fn fit(start: &ModelParameters, observations: &[Observation]) -> ModelParameters {
    let mut weights = [
        start.intercept,
        start.relevance,
        start.hs_level,
        start.shared_language,
        start.request,
    ];
    let prior = weights;
    for _ in 0..50 {
        let mut gradient = [0.0; 5];
        let mut hessian = [[0.0; 5]; 5];
        for (features, signed) in observations {
            let x = feature_vector(features);
            let z: f64 = x.iter().zip(&weights).map(|(a, b)| a * b).sum();
            let p = 1.0 / (1.0 + (-z).exp());
            let residual = if *signed { 1.0 } else { 0.0 } - p;
            let curvature = p * (1.0 - p);
            for i in 0..5 {
                gradient[i] += residual * x[i];
                for j in 0..5 {
                    hessian[i][j] += curvature * x[i] * x[j];
                }
            }
        }
        for i in 0..5 {
            gradient[i] -= PRIOR_STRENGTH * (weights[i] - prior[i]);
            hessian[i][i] += PRIOR_STRENGTH;
        }
        let Some(step) = solve_linear(hessian, gradient) else {
            break;
        };
        // Newton can overshoot where probabilities saturate: halve the step until the penalised
        // likelihood improves.
        let current = penalised_likelihood(&weights, &prior, observations);
        let mut scale = 1.0;
        let mut moved = false;
        for _ in 0..30 {
            let mut trial = weights;
            for i in 0..5 {
                trial[i] += scale * step[i];
            }
            if penalised_likelihood(&trial, &prior, observations) >= current {
                weights = trial;
                moved = true;
                break;
            }
            scale /= 2.0;
        }
        let largest = step.iter().fold(0.0f64, |m, s| m.max((s * scale).abs()));
        if !moved || largest < 1e-9 {
            break;
        }
    }
    ModelParameters {
        intercept: weights[0],
        relevance: weights[1],
        hs_level: weights[2],
        shared_language: weights[3],
        request: weights[4],
        ..*start
    }
}

/// How many observations' worth of trust the starting parameters get in [`fit`].
pub const PRIOR_STRENGTH: f64 = 5.0;

fn penalised_likelihood(weights: &[f64; 5], prior: &[f64; 5], observations: &[Observation]) -> f64 {
    let mut total = 0.0;
    for (features, signed) in observations {
        let x = feature_vector(features);
        let z: f64 = x.iter().zip(weights).map(|(a, b)| a * b).sum();
        // log(sigmoid(z)) and log(1 - sigmoid(z)), computed stably.
        let log_p = -(1.0 + (-z).exp()).ln();
        let log_not_p = -(1.0 + z.exp()).ln();
        total += if *signed { log_p } else { log_not_p };
    }
    let penalty: f64 = weights
        .iter()
        .zip(prior)
        .map(|(w, p)| (w - p) * (w - p))
        .sum::<f64>()
        * PRIOR_STRENGTH
        / 2.0;
    total - penalty
}

/// Solves `a x = b` by Gaussian elimination with partial pivoting; `None` when singular.
fn solve_linear(mut a: [[f64; 5]; 5], mut b: [f64; 5]) -> Option<[f64; 5]> {
    for column in 0..5 {
        let pivot =
            (column..5).max_by(|&i, &j| a[i][column].abs().total_cmp(&a[j][column].abs()))?;
        if a[pivot][column].abs() < 1e-12 {
            return None;
        }
        a.swap(column, pivot);
        b.swap(column, pivot);
        let pivot_row = a[column];
        for row in column + 1..5 {
            let factor = a[row][column] / pivot_row[column];
            for (cell, pivot_cell) in a[row][column..].iter_mut().zip(&pivot_row[column..]) {
                *cell -= factor * pivot_cell;
            }
            b[row] -= factor * b[column];
        }
    }
    let mut x = [0.0; 5];
    for row in (0..5).rev() {
        let known: f64 = (row + 1..5).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - known) / a[row][row];
    }
    Some(x)
}

/// The parameters as a `[model]` table for `mission.toml`.
pub fn model_table(model: &ModelParameters) -> String {
    format!(
        "[model]\nintercept = {:.4}\nrelevance = {:.4}\nhs_level = {:.4}\nshared_language = {:.4}\nrequest = {:.4}\ndeal_share = {}\ndefault_import_usd = {:.1}\ndefault_capacity_usd = {:.1}\nrank_hs = {}\nrank_text = {}\nrank_request = {}\nrank_exclusivity = {}\n",
        model.intercept,
        model.relevance,
        model.hs_level,
        model.shared_language,
        model.request,
        model.deal_share,
        model.default_import_usd,
        model.default_capacity_usd,
        model.ranker.hs,
        model.ranker.text,
        model.ranker.request,
        model.ranker.exclusivity
    )
}

#[cfg(test)]
mod calibration_tests {
    use super::*;
    use crate::generate::Rng;

    #[test]
    fn fitting_recovers_the_model_that_made_the_outcomes() {
        let truth = ModelParameters {
            intercept: -2.5,
            relevance: 2.0,
            hs_level: 1.0,
            shared_language: 0.6,
            request: 1.2,
            ..ModelParameters::default()
        };
        let mut rng = Rng::new(5);
        let mut sample = |count: usize| -> Vec<Observation> {
            (0..count)
                .map(|_| {
                    let features = PairFeatures {
                        relevance: rng.unit(),
                        hs_level: rng.below(4) as u8,
                        shared_language: rng.chance(0.4),
                        request: rng.chance(0.2),
                    };
                    let signed = rng.unit() < truth.p_deal(&features);
                    (features, signed)
                })
                .collect()
        };
        let training = sample(30_000);
        let held_out = sample(10_000);
        let fitted = fit(&ModelParameters::default(), &training);
        for (got, want, name) in [
            (fitted.intercept, truth.intercept, "intercept"),
            (fitted.relevance, truth.relevance, "relevance"),
            (fitted.hs_level, truth.hs_level, "hs_level"),
            (
                fitted.shared_language,
                truth.shared_language,
                "shared_language",
            ),
            (fitted.request, truth.request, "request"),
        ] {
            assert!(
                (got - want).abs() < 0.2,
                "{name}: fitted {got}, true {want}"
            );
        }
        let before = log_loss(&ModelParameters::default(), &held_out);
        let after = log_loss(&fitted, &held_out);
        assert!(after < before, "held-out log-loss {before} -> {after}");
        assert!((after - log_loss(&truth, &held_out)).abs() < 0.002);
    }
}
