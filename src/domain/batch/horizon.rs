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
}

/// The most years a horizon may span.
pub const MAX_YEARS: usize = 20;
/// Budgets above this (¥10 trillion a year, far beyond a national programme) are taken for a typing mistake.
const MAX_BUDGET_YUAN: u64 = 10_000_000_000_000;

impl Horizon {
    /// Checks the horizon against the compounds it names; every problem is reported, keyed by field.
    pub fn check(&self, known: &BTreeSet<&str>) -> Result<(), FieldErrors> {
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
