//! What the batch planner reads from the database: every compound as a planning candidate, with the year of the
//! approved batch it is in.

use sea_orm::{
    ConnectionTrait, EntityTrait, FromQueryResult, JoinType, QueryOrder, QuerySelect, RelationTrait,
};

use std::collections::{BTreeMap, HashMap};

use super::entities::{batch_members, batches, compounds, towns};
use crate::domain::batch::{Candidate, Horizon};
use crate::domain::cost;
use crate::domain::geometry::{Boundary, Crs};

#[derive(FromQueryResult)]
struct Row {
    id: i32,
    code: String,
    name: String,
    town_code: String,
    year_built: i32,
    households: i32,
    estimated_cost_fen: i64,
    survey: Option<String>,
    consent: Option<String>,
    requests: i32,
    deputies_vote_rank: Option<i32>,
    archived: bool,
    geometry: String,
}

/// The candidates for planning `horizon`: [`candidates`], with what each funding source pays of each estimate
/// when some year of the horizon limits a source (else that split is not computed: a plan that limits no source
/// costs no more than before).
pub async fn candidates_for(
    db: &impl ConnectionTrait,
    horizon: &Horizon,
) -> anyhow::Result<Vec<Candidate>> {
    let mut candidates = candidates(db).await?;
    if horizon.limits_sources() {
        let mut shares = shares(db).await?;
        for c in &mut candidates {
            c.shares_fen = shares.remove(&c.code).unwrap_or_default();
        }
    }
    Ok(candidates)
}

/// Compounds at a time whose scope lines are read in one query.
const SCOPE_CHUNK: usize = 5_000;

/// Compound code → what each funding source pays of its estimate, in fen: the split the compound page shows
/// (`compounds::split_of`: its own split when the bureau set one, else the policy's default).
async fn shares(
    db: &impl ConnectionTrait,
) -> anyhow::Result<HashMap<String, BTreeMap<String, i64>>> {
    let rows = compounds::Entity::find().all(db).await?;
    let lookup = crate::db::compounds::Lookup::load(db).await?;
    let catalog = crate::db::catalog::load(db).await?;
    let funding = crate::db::catalog::load_policy(db)
        .await?
        .map(|p| p.funding)
        .unwrap_or_default();
    let mut shares = HashMap::with_capacity(rows.len());
    for chunk in rows.chunks(SCOPE_CHUNK) {
        let mut scopes =
            crate::db::compounds::scopes(db, chunk.iter().map(|c| c.id).collect(), &lookup).await?;
        for c in chunk {
            let scope = scopes.remove(&c.id).unwrap_or_default();
            let estimate = cost::estimate(&catalog, &crate::db::compounds::figures(c), &scope)
                .map_err(|e| {
                    anyhow::anyhow!("stored scope of {} no longer prices: {e:?}", c.code)
                })?;
            let split = crate::db::compounds::split_of(&funding, c, &estimate)?;
            let by_source: BTreeMap<String, i64> = split
                .shares
                .into_iter()
                .map(|s| (s.source, s.amount_fen))
                .collect();
            shares.insert(c.code.clone(), by_source);
        }
    }
    Ok(shares)
}

/// Every compound, archived ones too (the plan says why they are not in it), in code order.
pub async fn candidates(db: &impl ConnectionTrait) -> anyhow::Result<Vec<Candidate>> {
    let rows = compounds::Entity::find()
        .select_only()
        .columns([
            compounds::Column::Id,
            compounds::Column::Code,
            compounds::Column::Name,
            compounds::Column::YearBuilt,
            compounds::Column::Households,
            compounds::Column::EstimatedCostFen,
            compounds::Column::Survey,
            compounds::Column::Consent,
            compounds::Column::Requests,
            compounds::Column::DeputiesVoteRank,
            compounds::Column::Archived,
            compounds::Column::Geometry,
        ])
        .column_as(towns::Column::Code, "town_code")
        .join(JoinType::InnerJoin, compounds::Relation::Town.def())
        .order_by_asc(compounds::Column::Code)
        .into_model::<Row>()
        .all(db)
        .await?;
    let approved = approved_years(db).await?;
    rows.into_iter()
        .map(|row| {
            let year = approved.get(&row.id).copied();
            candidate(row, year)
        })
        .collect()
}

fn candidate(row: Row, approved: Option<i32>) -> anyhow::Result<Candidate> {
    let context = |what: &str| format!("compound {}: stored {what} does not parse", row.code);
    let survey = row
        .survey
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| anyhow::anyhow!("{}: {e}", context("survey")))?;
    let consent = row
        .consent
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| anyhow::anyhow!("{}: {e}", context("consent")))?;
    let geometry: serde_json::Value = serde_json::from_str(&row.geometry)?;
    let outline = Boundary::from_geojson(&geometry, Crs::Wgs84)
        .map_err(|e| anyhow::anyhow!("{}: {e}", context("geometry")))?
        .shape()
        .clone();
    Ok(Candidate {
        code: row.code,
        name: row.name,
        town_code: row.town_code,
        year_built: row.year_built,
        households: row.households,
        cost_fen: row.estimated_cost_fen,
        survey,
        consent,
        requests: row.requests,
        deputies_vote_rank: row.deputies_vote_rank,
        archived: row.archived,
        outline,
        approved,
        shares_fen: BTreeMap::new(),
    })
}

/// Compound id → the year of the approved batch it is in.
pub async fn approved_years(
    db: &impl ConnectionTrait,
) -> crate::error::Result<std::collections::HashMap<i32, i32>> {
    let years: std::collections::HashMap<i32, i32> = batches::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|b| (b.id, b.year))
        .collect();
    Ok(batch_members::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|m| years.get(&m.batch_id).map(|&y| (m.compound_id, y)))
        .collect())
}
