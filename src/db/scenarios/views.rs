//! Scenarios as stored and as shown: their summaries, one scenario with its plan.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, QueryOrder};
use serde::Serialize;
use serde_json::Value;

use crate::db::entities::plan_scenarios::{self, Model};
use crate::db::revisions;
use crate::domain::batch::Horizon;
use crate::error::{Error, Result};

/// A scenario as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    pub id: i32,
    pub name: String,
    pub version: i32,
    pub horizon: Horizon,
    /// The data changed since the plan was run: run it again before relying on it.
    pub stale: bool,
    pub run_at: DateTime<Utc>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
    pub objective: f64,
    pub bound: f64,
    pub gap: f64,
    pub plan: Value,
}

/// A scenario in a list: its figures per year, without the compounds.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub id: i32,
    pub name: String,
    pub version: i32,
    pub first_year: Option<i32>,
    pub last_year: Option<i32>,
    pub stale: bool,
    pub run_at: DateTime<Utc>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
    pub objective: f64,
    pub bound: f64,
    pub gap: f64,
    pub years: Vec<Value>,
}

pub(super) fn stored_horizon(model: &Model) -> Result<Horizon> {
    serde_json::from_str(&model.horizon)
        .map_err(|e| anyhow::anyhow!("scenario {}: stored horizon: {e}", model.id).into())
}

pub(super) fn stored_plan(model: &Model) -> Result<Value> {
    serde_json::from_str(&model.plan)
        .map_err(|e| anyhow::anyhow!("scenario {}: stored plan: {e}", model.id).into())
}

pub(super) fn scenario(model: Model, revision: i64) -> Result<Scenario> {
    let horizon = stored_horizon(&model)?;
    let plan = stored_plan(&model)?;
    Ok(Scenario {
        id: model.id,
        name: model.name,
        version: model.version,
        horizon,
        stale: model.compounds_revision != revision,
        run_at: model.run_at,
        created_by: model.created_by,
        created_at: model.created_at,
        updated_by: model.updated_by,
        updated_at: model.updated_at,
        objective: model.objective,
        bound: model.bound,
        gap: model.gap,
        plan,
    })
}

/// A year of a plan without its compound codes.
pub(super) fn year_figures(plan: &Value) -> Vec<Value> {
    plan["years"]
        .as_array()
        .map(|years| {
            years
                .iter()
                .map(|y| {
                    let mut y = y.clone();
                    if let Some(o) = y.as_object_mut() {
                        o.remove("codes");
                        o.remove("bundles");
                    }
                    y
                })
                .collect()
        })
        .unwrap_or_default()
}

pub async fn list(db: &DatabaseConnection) -> Result<Vec<Summary>> {
    let revision = revisions::all(db).await?.compounds;
    plan_scenarios::Entity::find()
        .order_by_asc(plan_scenarios::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| {
            let s = scenario(m, revision)?;
            Ok(Summary {
                id: s.id,
                name: s.name,
                version: s.version,
                first_year: s.horizon.years.first().map(|y| y.year),
                last_year: s.horizon.years.last().map(|y| y.year),
                stale: s.stale,
                run_at: s.run_at,
                updated_by: s.updated_by,
                updated_at: s.updated_at,
                objective: s.objective,
                bound: s.bound,
                gap: s.gap,
                years: year_figures(&s.plan),
            })
        })
        .collect()
}

pub(super) async fn find(db: &impl ConnectionTrait, id: i32) -> Result<Model> {
    plan_scenarios::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| Error::NotFound(format!("没有编号为 {id} 的方案")))
}

pub async fn get(db: &DatabaseConnection, id: i32) -> Result<Scenario> {
    let revision = revisions::all(db).await?.compounds;
    scenario(find(db, id).await?, revision)
}

/// Compound code → year in a stored plan.
pub(super) fn years_of(plan: &Value) -> BTreeMap<String, (String, Option<i64>)> {
    plan["compounds"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|c| {
                    Some((
                        c["code"].as_str()?.to_owned(),
                        (
                            c["name"].as_str().unwrap_or_default().to_owned(),
                            c["year"].as_i64(),
                        ),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}
