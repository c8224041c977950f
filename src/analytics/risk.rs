//! The churn risk score (analytics §6): a transparent logistic model over seven features
//! of the member signals: silence against the member's own rhythm and in days, decline,
//! loss of centrality, unanswered conversations, newness, and recent activity.
//!
//! risk = 1 / (1 + e^−z),  z = intercept + Σ coefficient × feature
//!
//! The default coefficients are priors written down with their reasoning. A group's own
//! history refines them ([`fit`]): a logistic regression whose coefficients are pulled
//! towards the priors (a Gaussian prior, i.e. L2 towards them), trained only on cut-offs
//! whose churn outcome was fully observed before the instant being scored. The backtest
//! does the same at every cut-off, so no score is ever computed by a model that saw its
//! outcome.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::signals::MemberSignals;
use super::warnings::round;

/// The model's coefficients. Defaults are the documented priors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export, export_to = "bindings/")]
pub struct RiskModel {
    /// About 8 % risk for a member with every feature at 0 (settled, on rhythm, steady).
    pub intercept: f64,
    /// Per unit of silence relative to the member's own median gap, capped at
    /// `silence_cap`: three rhythms of silence multiply the odds by e^1.8 ≈ 6.
    pub silence: f64,
    pub silence_cap: f64,
    /// Decline of the weekly activity (1 − EWMA ÷ baseline, in [−1, 1]): a member at
    /// half their usual rate gets e^0.6 ≈ 1.8 times the odds.
    pub decline: f64,
    /// Loss of centrality (share of scaled PageRank lost since the window before, [0, 1]).
    pub centrality_drop: f64,
    /// Share of the member's own conversations left without response in 24 h.
    pub unanswered: f64,
    /// Newness, e^(−tenure ÷ tenure_scale_days): 1 on joining, ½ at about 40 days.
    /// Most churn in communities happens in the first weeks.
    pub newness: f64,
    /// Per 30 days of silence (capped at 1): long absence is a risk whatever the rhythm.
    pub silence_days: f64,
    /// Per unit of ln(1 + active days in the last 28): regulars return, one-off visitors
    /// mostly do not.
    pub activity: f64,
    /// Strength of the pull towards the priors when fitting (the Gaussian prior's
    /// precision, per coefficient).
    pub prior_strength: f64,
    /// Fitting needs at least this many examples, of both outcomes.
    pub min_training_examples: u32,
    pub tenure_scale_days: f64,
    /// The rhythm assumed for members with fewer than two gaps between active days.
    pub default_gap_days: f64,
}

impl Default for RiskModel {
    fn default() -> Self {
        RiskModel {
            intercept: -2.5,
            silence: 0.6,
            silence_cap: 5.0,
            decline: 1.2,
            centrality_drop: 0.8,
            unanswered: 1.0,
            newness: 1.5,
            silence_days: 1.0,
            activity: -0.5,
            prior_strength: 1.0,
            min_training_examples: 200,
            tenure_scale_days: 60.0,
            default_gap_days: 7.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct RiskFeatures {
    /// Silence ÷ own median gap between active days (capped).
    pub relative_silence: f64,
    /// 1 − EWMA ÷ baseline of weekly active days, in [−1, 1].
    pub decline: f64,
    /// Share of scaled PageRank lost since the previous window, in [0, 1].
    pub centrality_drop: f64,
    /// Share of the member's conversations unanswered within 24 h, in [0, 1].
    pub unanswered: f64,
    /// e^(−tenure ÷ scale), in (0, 1].
    pub newness: f64,
    /// Silence in days ÷ 30, capped at 1.
    pub silence_days: f64,
    /// ln(1 + active days in the last 28).
    pub activity: f64,
}

/// Feature names, in the order of [`RiskFeatures::vector`] and [`RiskModel::coefficients`].
pub const FEATURE_NAMES: [&str; 7] =
    ["relative_silence", "decline", "centrality_drop", "unanswered", "newness", "silence_days", "activity"];

impl RiskFeatures {
    pub fn vector(&self) -> [f64; 7] {
        [self.relative_silence, self.decline, self.centrality_drop, self.unanswered, self.newness, self.silence_days, self.activity]
    }
}

impl RiskModel {
    pub fn coefficients(&self) -> [f64; 7] {
        [self.silence, self.decline, self.centrality_drop, self.unanswered, self.newness, self.silence_days, self.activity]
    }

    fn with_coefficients(&self, intercept: f64, coefficients: [f64; 7]) -> RiskModel {
        let [silence, decline, centrality_drop, unanswered, newness, silence_days, activity] = coefficients;
        RiskModel { intercept, silence, decline, centrality_drop, unanswered, newness, silence_days, activity, ..self.clone() }
    }
}

/// The model refined on labelled examples (features, churned): Newton's method on the
/// log-likelihood plus a Gaussian prior centred on `prior`'s coefficients. Returns the
/// prior unchanged when there are too few examples or only one outcome.
pub fn fit(prior: &RiskModel, examples: &[(RiskFeatures, bool)]) -> RiskModel {
    let positives = examples.iter().filter(|(_, churned)| *churned).count();
    if examples.len() < prior.min_training_examples as usize || positives == 0 || positives == examples.len() {
        return prior.clone();
    }
    const N: usize = 8;
    let centre: [f64; N] = {
        let mut centre = [0.0; N];
        centre[0] = prior.intercept;
        centre[1..].copy_from_slice(&prior.coefficients());
        centre
    };
    let rows: Vec<([f64; N], f64)> = examples
        .iter()
        .map(|(features, churned)| {
            let mut row = [1.0; N];
            row[1..].copy_from_slice(&features.vector());
            (row, if *churned { 1.0 } else { 0.0 })
        })
        .collect();
    let mut weights = centre;
    for _ in 0..50 {
        let mut gradient = [0.0; N];
        let mut hessian = [[0.0; N]; N];
        for i in 0..N {
            gradient[i] = prior.prior_strength * (weights[i] - centre[i]);
            hessian[i][i] = prior.prior_strength;
        }
        for (row, label) in &rows {
            let z: f64 = row.iter().zip(&weights).map(|(x, w)| x * w).sum();
            let p = 1.0 / (1.0 + (-z).exp());
            for i in 0..N {
                gradient[i] += (p - label) * row[i];
                for j in 0..N {
                    hessian[i][j] += p * (1.0 - p) * row[i] * row[j];
                }
            }
        }
        let Some(step) = solve(hessian, gradient) else { break };
        let mut largest: f64 = 0.0;
        for i in 0..N {
            weights[i] -= step[i];
            largest = largest.max(step[i].abs());
        }
        if largest < 1e-9 {
            break;
        }
    }
    let mut coefficients = [0.0; 7];
    coefficients.copy_from_slice(&weights[1..]);
    prior.with_coefficients(weights[0], coefficients)
}

/// Solves A x = b by Gaussian elimination with partial pivoting (A is positive definite
/// here: the prior adds its strength to the diagonal).
fn solve<const N: usize>(mut a: [[f64; N]; N], mut b: [f64; N]) -> Option<[f64; N]> {
    for column in 0..N {
        let pivot = (column..N).max_by(|&x, &y| a[x][column].abs().total_cmp(&a[y][column].abs()))?;
        if a[pivot][column].abs() < 1e-12 {
            return None;
        }
        a.swap(column, pivot);
        b.swap(column, pivot);
        for row in column + 1..N {
            let factor = a[row][column] / a[column][column];
            let pivot_row = a[column];
            for (cell, pivot_cell) in a[row].iter_mut().zip(pivot_row).skip(column) {
                *cell -= factor * pivot_cell;
            }
            b[row] -= factor * b[column];
        }
    }
    let mut x = [0.0; N];
    for row in (0..N).rev() {
        let rest: f64 = (row + 1..N).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - rest) / a[row][row];
    }
    Some(x)
}

/// One feature's part of the score, for "why is this member at risk?".
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct RiskTerm {
    pub feature: String,
    pub value: f64,
    pub coefficient: f64,
    /// coefficient × value: what it adds to the log-odds.
    pub contribution: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "bindings/")]
pub struct RiskExplanation {
    pub risk: f64,
    pub intercept: f64,
    /// Largest contribution first.
    pub terms: Vec<RiskTerm>,
}

pub fn features(signals: &MemberSignals, model: &RiskModel) -> RiskFeatures {
    let silence = signals.silence_days.unwrap_or(0.0);
    let gap = signals.median_gap_days.unwrap_or(model.default_gap_days).max(1.0);
    let decline = match (signals.ewma_weekly, signals.baseline_weekly) {
        (Some(ewma), Some(baseline)) if baseline > 0.0 => (1.0 - ewma / baseline).clamp(-1.0, 1.0),
        _ => 0.0,
    };
    let centrality_drop =
        if signals.pagerank_before > 0.0 { (1.0 - signals.pagerank_now / signals.pagerank_before).clamp(0.0, 1.0) } else { 0.0 };
    let unanswered =
        if signals.started_judged > 0 { f64::from(signals.started_unanswered) / f64::from(signals.started_judged) } else { 0.0 };
    RiskFeatures {
        relative_silence: (silence / gap).min(model.silence_cap),
        decline,
        centrality_drop,
        unanswered,
        newness: (-signals.tenure_days.max(0.0) / model.tenure_scale_days).exp(),
        silence_days: (silence / 30.0).min(1.0),
        activity: f64::from(signals.active_days_28).ln_1p(),
    }
}

pub fn score(features: &RiskFeatures, model: &RiskModel) -> f64 {
    let z =
        model.intercept + features.vector().iter().zip(model.coefficients()).map(|(value, coefficient)| value * coefficient).sum::<f64>();
    1.0 / (1.0 + (-z).exp())
}

pub fn risk(signals: &MemberSignals, model: &RiskModel) -> f64 {
    score(&features(signals, model), model)
}

pub fn explain(signals: &MemberSignals, model: &RiskModel) -> RiskExplanation {
    let features = features(signals, model);
    let term = |feature: &str, value: f64, coefficient: f64| RiskTerm {
        feature: feature.to_string(),
        value: round(value),
        coefficient,
        contribution: round(value * coefficient),
    };
    let mut terms: Vec<RiskTerm> = FEATURE_NAMES
        .iter()
        .zip(features.vector())
        .zip(model.coefficients())
        .map(|((name, value), coefficient)| term(name, value, coefficient))
        .collect();
    terms.sort_by(|a, b| b.contribution.total_cmp(&a.contribution).then(a.feature.cmp(&b.feature)));
    RiskExplanation { risk: round(score(&features, model)), intercept: model.intercept, terms }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn score_by_hand() {
        let model = RiskModel::default();
        // All features 0: z = −2.5, risk = 1 / (1 + e^2.5) = 0.075858.
        let zero = RiskFeatures {
            relative_silence: 0.0,
            decline: 0.0,
            centrality_drop: 0.0,
            unanswered: 0.0,
            newness: 0.0,
            silence_days: 0.0,
            activity: 0.0,
        };
        assert!((score(&zero, &model) - 0.075_858).abs() < 1e-6);
        // Silence 3 rhythms and half the usual rate: z = −2.5 + 1.8 + 0.6 = −0.1,
        // risk = 1 / (1 + e^0.1) = 0.475021.
        let slipping = RiskFeatures { relative_silence: 3.0, decline: 0.5, ..zero };
        assert!((score(&slipping, &model) - 0.475_021).abs() < 1e-6);
    }

    #[test]
    fn fitting_moves_towards_the_data_and_keeps_the_prior_without_it() {
        let prior = RiskModel { min_training_examples: 10, ..RiskModel::default() };
        let zero = RiskFeatures {
            relative_silence: 0.0,
            decline: 0.0,
            centrality_drop: 0.0,
            unanswered: 0.0,
            newness: 0.0,
            silence_days: 0.0,
            activity: 0.0,
        };
        // Every silent member (silence_days 1) churned and no active one did: the fitted
        // silence_days coefficient grows beyond the prior's 1.0 and the intercept falls.
        let mut examples = Vec::new();
        for n in 0..200 {
            let silent = n % 2 == 0;
            examples.push((RiskFeatures { silence_days: if silent { 1.0 } else { 0.0 }, ..zero }, silent));
        }
        let fitted = fit(&prior, &examples);
        assert!(fitted.silence_days > 3.0, "{fitted:?}");
        assert!(fitted.intercept < prior.intercept);
        assert!(score(&RiskFeatures { silence_days: 1.0, ..zero }, &fitted) > 0.9);
        // Too few examples, or one outcome only: the prior as it is.
        assert_eq!(fit(&prior, &examples[..5]), prior);
        let all_churned: Vec<_> = examples.iter().map(|(features, _)| (*features, true)).collect();
        assert_eq!(fit(&prior, &all_churned), prior);
    }

    #[test]
    fn gaussian_elimination_by_hand() {
        // 2x + y = 5, x + 3y = 10 -> x = 1, y = 3.
        let x = solve([[2.0, 1.0], [1.0, 3.0]], [5.0, 10.0]).unwrap();
        assert!((x[0] - 1.0).abs() < 1e-12 && (x[1] - 3.0).abs() < 1e-12);
    }

    proptest! {
        #[test]
        fn risk_is_a_probability(
            relative_silence in 0.0..5.0f64,
            decline in -1.0..1.0f64,
            centrality_drop in 0.0..1.0f64,
            unanswered in 0.0..1.0f64,
            newness in 0.0..1.0f64,
        ) {
            let features = RiskFeatures { relative_silence, decline, centrality_drop, unanswered, newness, silence_days: relative_silence / 5.0, activity: 1.0 };
            let risk = score(&features, &RiskModel::default());
            prop_assert!((0.0..=1.0).contains(&risk));
            // More silence never lowers the risk.
            let quieter = RiskFeatures { relative_silence: relative_silence + 0.5, ..features };
            prop_assert!(score(&quieter, &RiskModel::default()) >= risk);
        }
    }
}
