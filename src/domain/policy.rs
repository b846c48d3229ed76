//! The county's renovation policy (政策参数): eligibility, consent thresholds, priority weights and
//! notice periods. Loaded from the policy file (`fixtures/renshou/policy.toml` for Renshou).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub county: String,
    pub county_code: String,
    pub authority: String,
    /// Prefix of compound codes, e.g. `RS` for `RS-0001`.
    pub code_prefix: String,
    pub eligibility: Eligibility,
    pub consent: ConsentPolicy,
    pub priority: Priority,
    pub notice_periods: BTreeMap<String, NoticePeriod>,
    /// Budgets of annual batches already decided, by year.
    #[serde(default)]
    pub batches: BTreeMap<String, BatchBudget>,
    #[serde(default)]
    pub planning: Planning,
    #[serde(default)]
    pub work_orders: WorkOrders,
    #[serde(default)]
    pub notices: Notices,
}

/// How the county's public notices (公示) are numbered, whom residents call, and how long they may rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Notices {
    /// The issuer's abbreviation in the number, `仁住建公` for `仁住建公〔2021〕12号`; empty: `RS-GS-2021-012`.
    pub number_prefix: String,
    /// 投诉/咨询电话 printed on every notice; empty: the work orders' bureau phone.
    pub phone: String,
    /// Days after a completion notice is published during which residents rate the result (满意度评价).
    pub rating_days: u32,
}

impl Default for Notices {
    fn default() -> Self {
        Notices {
            number_prefix: String::new(),
            phone: String::new(),
            rating_days: 90,
        }
    }
}

impl Policy {
    /// `仁住建公〔2021〕12号`, or `RS-GS-2021-012` when the policy names no prefix.
    pub fn notice_number(&self, year: i32, n: u64) -> String {
        match self.notices.number_prefix.trim() {
            "" => format!("{}-GS-{year}-{n:03}", self.code_prefix),
            prefix => format!("{prefix}〔{year}〕{n}号"),
        }
    }

    /// The phone residents call about a notice.
    pub fn notice_phone(&self) -> &str {
        match self.notices.phone.trim() {
            "" => self.work_orders.phone.trim(),
            phone => phone,
        }
    }

    /// The period rule of a notice kind: the policy's, or 7 calendar days when it names none.
    pub fn notice_period(&self, kind: &str) -> crate::domain::calendar::PeriodRule {
        use crate::domain::calendar::{Count, PeriodRule};
        self.notice_periods.get(kind).map_or(
            PeriodRule {
                days: 7,
                count: Count::Calendar,
            },
            |p| PeriodRule {
                days: p.days,
                count: Count::parse(&p.count).unwrap_or(Count::Calendar),
            },
        )
    }
}

/// What every work order (施工任务单) carries besides its project: the bureau's contact for contractors, and the
/// safety (安全施工) and civilised-construction (文明施工) requirements, which change with provincial notices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkOrders {
    pub contact: String,
    pub phone: String,
    pub safety: Vec<String>,
    pub civilised: Vec<String>,
}

impl Default for WorkOrders {
    /// No contact (a county must name its own before issuing orders); the requirements of the national rules
    /// that every county's orders repeat.
    fn default() -> Self {
        WorkOrders {
            contact: String::new(),
            phone: String::new(),
            safety: [
                "施工单位应严格执行《建设工程安全生产管理条例》，落实安全生产责任制，项目负责人、专职安全员持证上岗。",
                "施工现场设置围挡和安全警示标志，高处作业、临时用电、动火作业须办理审批并落实防护措施。",
                "涉及燃气、供水、供电、通信等管线的施工，应提前与产权单位对接，查明管线走向后方可开挖。",
            ]
            .map(str::to_owned)
            .to_vec(),
            civilised: [
                "施工期间做好扬尘治理，裸露土方覆盖，出入车辆冲洗，建筑垃圾日产日清。",
                "合理安排工期，夜间（22时至次日6时）不得进行产生噪声的作业，减少对居民生活的影响。",
                "在小区醒目位置公示施工内容、工期、施工单位、项目负责人及投诉电话，主动接受居民监督。",
            ]
            .map(str::to_owned)
            .to_vec(),
        }
    }
}

impl WorkOrders {
    /// The requirements as printed: safety first, each clause tagged with its kind.
    pub fn requirements(&self) -> Vec<String> {
        self.safety
            .iter()
            .map(|c| format!("安全施工：{c}"))
            .chain(self.civilised.iter().map(|c| format!("文明施工：{c}")))
            .collect()
    }
}

/// How the batch planner weighs years and forms district projects (片区).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Planning {
    /// Weight of each year relative to the one before, in (0, 1]: below 1, serving a household a year earlier counts
    /// for more.
    pub discount: f64,
    /// Compounds of one town whose boundaries are at most this far apart (m) may be bundled into one district
    /// project, renovated in one year.
    pub bundle_within_m: f64,
    pub bundle_max_compounds: usize,
}

impl Default for Planning {
    fn default() -> Self {
        Planning {
            discount: 0.9,
            bundle_within_m: 50.0,
            bundle_max_compounds: 4,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Eligibility {
    /// Compounds built in or before this year are eligible.
    pub built_no_later_than: i32,
}

/// A share written as [numerator, denominator], so that "two thirds" is exact.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Fraction(pub [u32; 2]);

impl Fraction {
    /// Whether `part` is at least this share of `whole`.
    pub fn reached(self, part: f64, whole: f64) -> bool {
        let [num, den] = self.0;
        whole > 0.0 && part * f64::from(den) >= whole * f64::from(num) - 1e-9
    }

    fn is_proper(self) -> bool {
        let [num, den] = self.0;
        den > 0 && num <= den
    }
}

/// 双三分之二参与, 双四分之三同意 by default (Civil Code art. 278).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentPolicy {
    pub participation_owners: Fraction,
    pub participation_area: Fraction,
    pub approval_owners: Fraction,
    pub approval_area: Fraction,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Priority {
    pub weights: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticePeriod {
    pub days: u32,
    /// `calendar` or `working` days.
    pub count: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchBudget {
    pub budget_yuan: u64,
    #[serde(default)]
    pub max_compounds: Option<u32>,
}

impl Policy {
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let policy: Policy = toml::from_str(text).map_err(|e| e.to_string())?;
        let c = &policy.consent;
        for (name, f) in [
            ("participation_owners", c.participation_owners),
            ("participation_area", c.participation_area),
            ("approval_owners", c.approval_owners),
            ("approval_area", c.approval_area),
        ] {
            if !f.is_proper() {
                return Err(format!(
                    "consent.{name} must be a share [n, d] with 0 ≤ n ≤ d, d > 0"
                ));
            }
        }
        for (kind, p) in &policy.notice_periods {
            if p.days == 0 || !matches!(p.count.as_str(), "calendar" | "working") {
                return Err(format!(
                    "notice_periods.{kind}: days must be ≥ 1 and count \"calendar\" or \"working\""
                ));
            }
        }
        let p = &policy.planning;
        if !(p.discount > 0.0 && p.discount <= 1.0) {
            return Err("planning.discount must be above 0 and at most 1".into());
        }
        if !(0.0..=1000.0).contains(&p.bundle_within_m) {
            return Err("planning.bundle_within_m must be between 0 and 1000 (metres)".into());
        }
        if !(1..=20).contains(&p.bundle_max_compounds) {
            return Err("planning.bundle_max_compounds must be between 1 and 20".into());
        }
        Ok(policy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_renshou_policy_loads() {
        let p = Policy::from_toml(include_str!("../../fixtures/renshou/policy.toml")).unwrap();
        assert_eq!(p.eligibility.built_no_later_than, 2000);
        assert_eq!(p.consent.approval_area, Fraction([3, 4]));
        assert_eq!(p.batches["2021"].max_compounds, Some(81));
    }

    #[test]
    fn a_share_above_one_is_refused() {
        let text = include_str!("../../fixtures/renshou/policy.toml")
            .replace("approval_area = [3, 4]", "approval_area = [5, 4]");
        assert!(
            Policy::from_toml(&text)
                .unwrap_err()
                .contains("approval_area")
        );
    }
}
