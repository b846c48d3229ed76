//! What a plan says: where each compound ends up and why, and each year's batch.

use serde::Serialize;

use crate::domain::cost::fen_as_yuan;
use crate::domain::priority::Part;

/// Where a compound ends up in a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// In an approved batch (已批准), never moved.
    Approved,
    /// Pinned to its year by the planner (指定).
    Pinned,
    /// Scheduled by the planner.
    Scheduled,
    /// Eligible but not scheduled within the horizon.
    Unscheduled,
    /// Left out by this plan.
    Excluded,
    /// Not eligible: built after the cut-off, no or too little consent, or archived.
    Ineligible,
}

/// One compound in a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompoundPlan {
    pub code: String,
    pub name: String,
    pub year: Option<i32>,
    pub outcome: Outcome,
    #[serde(serialize_with = "fen_as_yuan", rename = "cost_yuan")]
    pub cost_fen: i64,
    pub households: i32,
    pub priority: f64,
    pub breakdown: Vec<Part>,
    /// The district project it is bundled in (index into [`BatchPlan::bundles`]).
    pub bundle: Option<usize>,
    /// Why this year, or why not scheduled, as the bureau reads it.
    pub reason: String,
}

/// One year of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearBatch {
    pub year: i32,
    #[serde(serialize_with = "fen_as_yuan", rename = "budget_yuan")]
    pub budget_fen: i64,
    #[serde(serialize_with = "fen_as_yuan", rename = "used_yuan")]
    pub used_fen: i64,
    #[serde(serialize_with = "fen_as_yuan", rename = "left_yuan")]
    pub left_fen: i64,
    pub max_compounds: Option<u32>,
    pub max_households: Option<u64>,
    /// The approved and pinned compounds may exceed this year's limits (an explicit override).
    pub overridden: bool,
    pub compounds: u32,
    pub households: u64,
    /// Codes of the compounds in the batch, by descending priority.
    pub codes: Vec<String>,
    /// The district projects in the batch (indexes into [`BatchPlan::bundles`]).
    pub bundles: Vec<usize>,
    /// What the batch draws on each funding source, in the policy's order; empty when the horizon limits no
    /// source (the split is then not computed).
    pub sources: Vec<SourceUse>,
}

/// What a year's batch draws on one funding source, and the source's limit that year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceUse {
    /// The source's code in the policy, e.g. `central`.
    pub source: String,
    /// Its name, e.g. 中央补助资金.
    pub name: String,
    /// Σ of what the source pays of the batch's compounds (each compound's split, to the fen).
    #[serde(serialize_with = "fen_as_yuan", rename = "used_yuan")]
    pub used_fen: i64,
    /// The year's limit (年度额度); `None`: not limited.
    #[serde(serialize_with = "optional_fen_as_yuan", rename = "limit_yuan")]
    pub limit_fen: Option<i64>,
}

fn optional_fen_as_yuan<S: serde::Serializer>(fen: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match fen {
        Some(fen) => fen_as_yuan(fen, s),
        None => s.serialize_none(),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchPlan {
    pub years: Vec<YearBatch>,
    /// Every compound, in code order.
    pub compounds: Vec<CompoundPlan>,
    /// District projects: the codes of their compounds.
    pub bundles: Vec<Vec<String>>,
    pub discount: f64,
    /// Σ priority × households × discount^(year − first year) over the compounds scheduled in the horizon.
    pub objective: f64,
    /// No plan of this horizon can score more.
    pub bound: f64,
    /// (bound − objective) / bound: how far from the best possible plan this one may be, at most.
    pub gap: f64,
}
