//! What a plan is asked for, and its checks.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::domain::FieldErrors;

/// What a plan is asked for: the years with their limits, pins and exclusions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Horizon {
    pub years: Vec<YearLimits>,
    /// Defaults to the policy's `planning.discount`.
    #[serde(default)]
    pub discount: Option<f64>,
    /// Compound code → the year it must be in (指定年度).
    #[serde(default)]
    pub pins: BTreeMap<String, i32>,
    /// Compounds this plan leaves out.
    #[serde(default)]
    pub exclusions: BTreeSet<String>,
    /// Whether adjacent compounds are bundled into district projects (default: yes).
    #[serde(default = "yes")]
    pub bundles: bool,
    /// Years whose approved and pinned compounds may exceed the year's limits: an explicit override (超预算安排),
    /// set only by a manual move that says why. The planner adds nothing else to such a year beyond its limits.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub overrides: BTreeSet<i32>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearLimits {
    pub year: i32,
    /// The year's budget (年度预算), in yuan.
    pub budget_yuan: u64,
    #[serde(default)]
    pub max_compounds: Option<u32>,
    #[serde(default)]
    pub max_households: Option<u64>,
    /// What each funding source provides this year (年度额度), in yuan, by the source's code in the policy's
    /// `[funding]` (`central` → 中央补助资金). A source not named here is not limited.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub source_limits_yuan: BTreeMap<String, u64>,
}

/// The most years a horizon may span.
pub const MAX_YEARS: usize = 20;
/// Budgets above this (¥10 trillion a year, far beyond a national programme) are taken for a typing mistake.
const MAX_BUDGET_YUAN: u64 = 10_000_000_000_000;

/// A funding source's yearly limit (年度额度), in yuan: more than nothing (leave the source out for no limit), and
/// no more than a budget may be.
pub fn check_source_limit(limit_yuan: u64) -> Result<(), &'static str> {
    if limit_yuan == 0 {
        Err("资金来源的年度额度须大于 0；不限额则不填")
    } else if limit_yuan > MAX_BUDGET_YUAN {
        Err("资金来源的年度额度不能超过 10 万亿元")
    } else {
        Ok(())
    }
}

impl Horizon {
    /// Whether some year limits some funding source: only then does planning need what each source pays of each
    /// compound's estimate.
    pub fn limits_sources(&self) -> bool {
        self.years.iter().any(|y| !y.source_limits_yuan.is_empty())
    }

    /// Checks the horizon against the compounds it names and the codes of the policy's funding sources; every
    /// problem is reported, keyed by field.
    pub fn check(&self, known: &BTreeSet<&str>, sources: &[&str]) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        if self.years.is_empty() {
            errors.add("years", "规划期须至少包含一个年度");
        }
        if self.years.len() > MAX_YEARS {
            errors.add("years", format!("规划期最多 {MAX_YEARS} 个年度"));
        }
        for (i, y) in self.years.iter().enumerate() {
            if !(2000..=2100).contains(&y.year) {
                errors.add(format!("years[{i}].year"), "年度须在 2000 到 2100 年之间");
            }
            if i > 0 && y.year != self.years[i - 1].year + 1 {
                errors.add(format!("years[{i}].year"), "各年度须连续并按先后排列");
            }
            if y.budget_yuan > MAX_BUDGET_YUAN {
                errors.add(
                    format!("years[{i}].budget_yuan"),
                    "年度预算不能超过 10 万亿元",
                );
            }
            for (code, &limit) in &y.source_limits_yuan {
                let field = format!("years[{i}].source_limits_yuan.{code}");
                if !sources.contains(&code.as_str()) {
                    errors.add(field, format!("政策参数中没有代码为“{code}”的资金来源"));
                } else if let Err(message) = check_source_limit(limit) {
                    errors.add(field, message);
                }
            }
        }
        if let Some(d) = self.discount
            && !(d > 0.0 && d <= 1.0)
        {
            errors.add("discount", "逐年折现系数须大于 0 且不超过 1");
        }
        let years: BTreeSet<i32> = self.years.iter().map(|y| y.year).collect();
        for year in &self.overrides {
            if !years.contains(year) {
                errors.add(
                    format!("overrides.{year}"),
                    format!("{year} 年不在规划期内"),
                );
            }
        }
        for (code, year) in &self.pins {
            if !known.contains(code.as_str()) {
                errors.add(
                    format!("pins.{code}"),
                    format!("没有编号为 {code} 的小区，无法指定年度"),
                );
            } else if !years.contains(year) {
                errors.add(
                    format!("pins.{code}"),
                    format!("指定的 {year} 年不在规划期内"),
                );
            } else if self.exclusions.contains(code) {
                errors.add(
                    format!("pins.{code}"),
                    format!("小区 {code} 已被排除，不能同时指定年度"),
                );
            }
        }
        for code in &self.exclusions {
            if !known.contains(code.as_str()) {
                errors.add(
                    format!("exclusions.{code}"),
                    format!("没有编号为 {code} 的小区，无法排除"),
                );
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}
