//! A compound as the planner sees it.

use std::collections::BTreeMap;

use geo::MultiPolygon;

use crate::domain::compound::{Consent, Survey};
use crate::domain::record::CompoundRecord;

/// A compound as the planner sees it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub code: String,
    pub name: String,
    pub town_code: String,
    pub year_built: i32,
    pub households: i32,
    pub cost_fen: i64,
    pub survey: Option<Survey>,
    pub consent: Option<Consent>,
    pub requests: i32,
    pub deputies_vote_rank: Option<i32>,
    pub archived: bool,
    /// The boundary, WGS-84.
    pub outline: MultiPolygon<f64>,
    /// The year of the approved batch it belongs to: never moved by planning.
    pub approved: Option<i32>,
    /// What each funding source pays of its estimate, in fen, by source code: the split the compound page shows
    /// (its own split when the bureau set one). Filled only when the horizon limits some source
    /// (`db::planning::candidates_for`); empty otherwise.
    pub shares_fen: BTreeMap<String, i64>,
}

impl Candidate {
    /// A compound record as it is imported or generated, not in any approved batch, with `requests` accepted
    /// residents' requests (the database keeps that count; a generated data set says it in its properties).
    pub fn from_record(r: &CompoundRecord, requests: i32) -> Candidate {
        Candidate {
            code: r.code.as_str().to_owned(),
            name: r.name.clone(),
            town_code: r.town_code.clone(),
            year_built: r.year_built,
            households: r.households,
            cost_fen: r.estimate.total_fen,
            survey: r.survey.clone(),
            consent: r.consent.clone(),
            requests,
            deputies_vote_rank: r.deputies_vote_rank,
            archived: r.archived,
            outline: r.boundary.shape().clone(),
            approved: None,
            shares_fen: BTreeMap::new(),
        }
    }
}
