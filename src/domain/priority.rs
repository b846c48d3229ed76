//! Priority (优先级) and eligibility (改造资格) of a compound for the annual batch planner: an
//! explainable score — every point traced to a factor and a policy weight — and the reasons a compound
//! may not be scheduled at all. Pure: the planner and the pages call it with plain data.
//!
//! Not wired in yet: the batch planner (issue 5) is built on it in a later session.

use serde::Serialize;

use super::compound::{Consent, Survey};
use super::policy::{ConsentPolicy, Fraction, Policy};

/// The policy's priority weights (`[priority.weights]`), each in points per unit of its factor.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Weights {
    /// Per year the compound was built before the eligibility cut-off.
    pub age: f64,
    /// Per survey deficit of severity `safety` (安全隐患).
    pub safety_deficit: f64,
    /// Per other survey deficit.
    pub other_deficit: f64,
    pub households: f64,
    /// Times the consent margin above the threshold, 0..1.
    pub consent: f64,
    /// Per accepted resident request (问需于民; duplicates merged into one).
    pub requests: f64,
    /// For rank 1 of the deputies' vote (人大代表票决), falling linearly to 0 below rank 10.
    pub deputies_vote: f64,
}

impl Weights {
    /// Reads the weights; a missing, unknown, negative or non-finite weight is an error naming it.
    pub fn from_policy(policy: &Policy) -> Result<Weights, String> {
        const NAMES: [&str; 7] = [
            "age",
            "safety_deficit",
            "other_deficit",
            "households",
            "consent",
            "requests",
            "deputies_vote",
        ];
        let given = &policy.priority.weights;
        if let Some(unknown) = given.keys().find(|k| !NAMES.contains(&k.as_str())) {
            return Err(format!(
                "政策文件的 priority.weights.{unknown} 不是已知的权重；已知的有：{}",
                NAMES.join("、")
            ));
        }
        let get = |name: &str| -> Result<f64, String> {
            match given.get(name) {
                Some(w) if w.is_finite() && *w >= 0.0 => Ok(*w),
                Some(_) => Err(format!(
                    "政策文件的 priority.weights.{name} 须为不小于 0 的数"
                )),
                None => Err(format!("政策文件缺少 priority.weights.{name}")),
            }
        };
        Ok(Weights {
            age: get("age")?,
            safety_deficit: get("safety_deficit")?,
            other_deficit: get("other_deficit")?,
            households: get("households")?,
            consent: get("consent")?,
            requests: get("requests")?,
            deputies_vote: get("deputies_vote")?,
        })
    }
}

/// What a compound's priority is computed from.
#[derive(Debug, Clone, Copy)]
pub struct Factors<'a> {
    pub year_built: i32,
    pub households: i32,
    pub survey: Option<&'a Survey>,
    pub consent: Option<&'a Consent>,
    pub requests: i32,
    pub deputies_vote_rank: Option<i32>,
}

/// One line of a score's breakdown: the factor, its amount and the points it earned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Part {
    pub factor: &'static str,
    /// 中文 name, as the pages show it.
    pub label: &'static str,
    pub amount: f64,
    pub points: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    pub total: f64,
    pub parts: Vec<Part>,
}

/// The deputies' vote counts for ranks 1 to this; rank 1 earns the full weight.
const VOTE_RANKS: i32 = 10;

/// Scores a compound. The total is the sum of the parts, each rounded to 0.01 point so the
/// breakdown adds up exactly as printed.
pub fn score(weights: &Weights, policy: &Policy, f: &Factors<'_>) -> Score {
    let (safety, other) = f.survey.map_or((0, 0), |s| {
        let safety = s.safety_deficits();
        (safety, s.deficits.len() - safety)
    });
    let age = f64::from((policy.eligibility.built_no_later_than - f.year_built).max(0));
    let margin = f
        .consent
        .map_or(0.0, |c| consent_margin(c, &policy.consent));
    let vote = f
        .deputies_vote_rank
        .filter(|r| (1..=VOTE_RANKS).contains(r))
        .map_or(0.0, |r| {
            f64::from(VOTE_RANKS + 1 - r) / f64::from(VOTE_RANKS)
        });
    let lines = [
        ("age", "房龄（早于截止年份的年数）", age, weights.age),
        (
            "safety_deficit",
            "安全隐患",
            safety as f64,
            weights.safety_deficit,
        ),
        (
            "other_deficit",
            "其他短板",
            other as f64,
            weights.other_deficit,
        ),
        (
            "households",
            "户数",
            f64::from(f.households.max(0)),
            weights.households,
        ),
        ("consent", "居民同意超出门槛的幅度", margin, weights.consent),
        (
            "requests",
            "居民诉求（已受理，重复的只计一次）",
            f64::from(f.requests.max(0)),
            weights.requests,
        ),
        ("deputies_vote", "人大代表票决", vote, weights.deputies_vote),
    ];
    let parts: Vec<Part> = lines
        .into_iter()
        .map(|(factor, label, amount, weight)| Part {
            factor,
            label,
            amount,
            points: round2(amount * weight),
        })
        .collect();
    Score {
        total: round2(parts.iter().map(|p| p.points).sum()),
        parts,
    }
}

/// How far the residents' approval clears the policy's approval thresholds, 0 (just met, or not met)
/// to 1 (unanimous): the smaller of the margins by headcount and by floor area.
pub fn consent_margin(c: &Consent, policy: &ConsentPolicy) -> f64 {
    if !c.meets(policy) {
        return 0.0;
    }
    let margin = |threshold: Fraction, part: f64, whole: f64| {
        let [num, den] = threshold.0;
        let t = f64::from(num) / f64::from(den);
        if whole <= 0.0 || t >= 1.0 {
            return 0.0;
        }
        ((part / whole - t) / (1.0 - t)).clamp(0.0, 1.0)
    };
    margin(
        policy.approval_owners,
        f64::from(c.agreeing_owners),
        f64::from(c.participating_owners),
    )
    .min(margin(
        policy.approval_area,
        c.agreeing_area_m2,
        c.participating_area_m2,
    ))
}

/// Why a compound cannot be scheduled.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Ineligible {
    /// Built after the policy's cut-off year.
    BuiltAfterCutoff {
        year_built: i32,
        cutoff: i32,
    },
    /// No consent vote recorded yet.
    NoConsent,
    /// The vote did not reach 双三分之二参与 / 双四分之三同意 (or the county's thresholds).
    ConsentBelowThreshold,
    Archived,
}

impl Ineligible {
    /// The reason as the bureau reads it.
    pub fn explain(&self) -> String {
        match self {
            Ineligible::BuiltAfterCutoff { year_built, cutoff } => {
                format!("建成于 {year_built} 年，晚于政策截止年份 {cutoff} 年")
            }
            Ineligible::NoConsent => "尚无居民意愿表决记录".into(),
            Ineligible::ConsentBelowThreshold => "居民意愿未达到参与和同意门槛".into(),
            Ineligible::Archived => "已归档".into(),
        }
    }
}

/// Every reason a compound may not be scheduled; empty when it may.
pub fn ineligibility(
    policy: &Policy,
    year_built: i32,
    consent: Option<&Consent>,
    archived: bool,
) -> Vec<Ineligible> {
    let mut reasons = Vec::new();
    let cutoff = policy.eligibility.built_no_later_than;
    if year_built > cutoff {
        reasons.push(Ineligible::BuiltAfterCutoff { year_built, cutoff });
    }
    match consent {
        None => reasons.push(Ineligible::NoConsent),
        Some(c) if !c.meets(&policy.consent) => reasons.push(Ineligible::ConsentBelowThreshold),
        Some(_) => {}
    }
    if archived {
        reasons.push(Ineligible::Archived);
    }
    reasons
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::domain::compound::Deficit;

    fn policy() -> Policy {
        Policy::from_toml(include_str!("../../fixtures/renshou/policy.toml")).unwrap()
    }

    fn consent(agreeing: u32, of: u32) -> Consent {
        Consent {
            recorded_on: NaiveDate::from_ymd_opt(2021, 3, 1).unwrap(),
            owners_total: of,
            area_total_m2: f64::from(of) * 80.0,
            participating_owners: of,
            participating_area_m2: f64::from(of) * 80.0,
            agreeing_owners: agreeing,
            agreeing_area_m2: f64::from(agreeing) * 80.0,
        }
    }

    fn survey(safety: usize, other: usize) -> Survey {
        let deficit = |severity: &str| Deficit {
            code: "x".into(),
            severity: severity.into(),
            note: String::new(),
        };
        Survey {
            surveyed_on: NaiveDate::from_ymd_opt(2020, 9, 1).unwrap(),
            deficits: (0..safety)
                .map(|_| deficit("safety"))
                .chain((0..other).map(|_| deficit("function")))
                .collect(),
        }
    }

    #[test]
    fn the_renshou_weights_load_and_a_bad_one_is_named() {
        let p = policy();
        let w = Weights::from_policy(&p).unwrap();
        assert_eq!((w.safety_deficit, w.deputies_vote), (8.0, 20.0));
        let mut bad = p.clone();
        bad.priority.weights.insert("colour".into(), 1.0);
        assert!(Weights::from_policy(&bad).unwrap_err().contains("colour"));
        let mut bad = p.clone();
        bad.priority.weights.insert("age".into(), -1.0);
        assert!(Weights::from_policy(&bad).unwrap_err().contains("age"));
        let mut bad = p;
        bad.priority.weights.remove("requests");
        assert!(Weights::from_policy(&bad).unwrap_err().contains("requests"));
    }

    #[test]
    fn every_point_is_traced_to_a_factor() {
        let p = policy();
        let w = Weights::from_policy(&p).unwrap();
        let s = survey(2, 3);
        let c = consent(90, 100); // 90% approve: (0.9 - 0.75) / 0.25 = 0.6 of the way to unanimous.
        let score = score(
            &w,
            &p,
            &Factors {
                year_built: 1990,
                households: 200,
                survey: Some(&s),
                consent: Some(&c),
                requests: 4,
                deputies_vote_rank: Some(1),
            },
        );
        let points: Vec<(&str, f64)> = score.parts.iter().map(|p| (p.factor, p.points)).collect();
        assert_eq!(
            points,
            [
                ("age", 10.0),
                ("safety_deficit", 16.0),
                ("other_deficit", 6.0),
                ("households", 4.0),
                ("consent", 6.0),
                ("requests", 6.0),
                ("deputies_vote", 20.0),
            ]
        );
        assert_eq!(score.total, 68.0);
    }

    #[test]
    fn the_deputies_vote_falls_linearly_to_nothing_below_rank_ten() {
        let p = policy();
        let w = Weights::from_policy(&p).unwrap();
        let vote = |rank: Option<i32>| {
            let f = Factors {
                year_built: 2000,
                households: 0,
                survey: None,
                consent: None,
                requests: 0,
                deputies_vote_rank: rank,
            };
            score(&w, &p, &f).total
        };
        assert_eq!(
            [Some(1), Some(5), Some(10), Some(11), Some(0), None].map(vote),
            [20.0, 12.0, 2.0, 0.0, 0.0, 0.0]
        );
    }

    #[test]
    fn consent_just_at_the_threshold_earns_nothing_and_unanimity_earns_all() {
        let p = policy();
        assert_eq!(consent_margin(&consent(75, 100), &p.consent), 0.0);
        assert_eq!(consent_margin(&consent(100, 100), &p.consent), 1.0);
        assert_eq!(
            consent_margin(&consent(60, 100), &p.consent),
            0.0,
            "not met"
        );
    }

    #[test]
    fn ineligible_compounds_get_every_reason() {
        let p = policy();
        assert!(ineligibility(&p, 1995, Some(&consent(80, 100)), false).is_empty());
        assert_eq!(
            ineligibility(&p, 2003, None, true),
            [
                Ineligible::BuiltAfterCutoff {
                    year_built: 2003,
                    cutoff: 2000
                },
                Ineligible::NoConsent,
                Ineligible::Archived
            ]
        );
        let low = ineligibility(&p, 1995, Some(&consent(70, 100)), false);
        assert_eq!(low, [Ineligible::ConsentBelowThreshold]);
        assert!(low[0].explain().contains("门槛"));
        // The cut-off year itself is still eligible ("built in or before").
        assert!(ineligibility(&p, 2000, Some(&consent(80, 100)), false).is_empty());
    }
}
