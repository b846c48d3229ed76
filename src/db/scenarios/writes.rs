//! Creating, editing, re-running and deleting a scenario: each run on the current data, each checked against
//! the version it was based on.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter,
};
use serde_json::{Value, json};

use super::input::Input;
use super::views::{Scenario, find, scenario, stored_horizon};
use crate::db::audit::{self, Actor, Change};
use crate::db::entities::plan_scenarios::{self, Model};
use crate::db::{catalog, planning, revisions};
use crate::domain::FieldErrors;
use crate::domain::batch::{self, BatchPlan, Horizon};
use crate::error::{Error, Result};

/// A plan of `horizon` on the data as it stands, and the compounds revision it was made on.
pub(super) struct Run {
    pub(super) plan: BatchPlan,
    pub(super) revision: i64,
}

pub(super) async fn run(db: &DatabaseConnection, horizon: &Horizon) -> Result<Run> {
    // The revision is read first: a write landing meanwhile makes the run look stale, never fresh.
    let revision = revisions::all(db).await?.compounds;
    let policy = catalog::load_policy(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the database has no policy yet"))?;
    let candidates = planning::candidates_for(db, horizon).await?;
    let horizon = horizon.clone();
    let plan = tokio::task::spawn_blocking(move || batch::plan(&policy, &horizon, &candidates))
        .await
        .map_err(|e| anyhow::anyhow!("planning failed: {e}"))?
        .map_err(|errors| Error::Invalid(within("horizon", errors)))?;
    Ok(Run { plan, revision })
}

/// The planner's field errors named from the body's top (`horizon.years[0].budget_yuan`); errors about other
/// things (the policy, a compound an approval refuses) keep their names.
pub(super) fn within(prefix: &str, errors: FieldErrors) -> FieldErrors {
    const HORIZON_FIELDS: [&str; 5] = ["years", "pins", "exclusions", "overrides", "discount"];
    FieldErrors(
        errors
            .0
            .into_iter()
            .map(|(field, messages)| {
                if HORIZON_FIELDS.iter().any(|f| field.starts_with(f)) {
                    (format!("{prefix}.{field}"), messages)
                } else {
                    (field, messages)
                }
            })
            .collect(),
    )
}

pub(super) fn stored(model: &mut Model, horizon: &Horizon, run: &Run) -> Result<()> {
    model.horizon = serde_json::to_string(horizon).map_err(|e| Error::Internal(e.into()))?;
    model.plan = serde_json::to_string(&run.plan).map_err(|e| Error::Internal(e.into()))?;
    model.objective = run.plan.objective;
    model.bound = run.plan.bound;
    model.gap = run.plan.gap;
    model.compounds_revision = run.revision;
    model.run_at = Utc::now();
    Ok(())
}

fn outline(model: &Model) -> Value {
    let horizon: Value = serde_json::from_str(&model.horizon).unwrap_or(Value::Null);
    json!({
        "name": model.name, "horizon": horizon, "objective": model.objective, "gap": model.gap,
        "version": model.version,
    })
}

async fn name_taken(db: &impl ConnectionTrait, name: &str, other_than: Option<i32>) -> Result<()> {
    let mut query = plan_scenarios::Entity::find().filter(plan_scenarios::Column::Name.eq(name));
    if let Some(id) = other_than {
        query = query.filter(plan_scenarios::Column::Id.ne(id));
    }
    if query.one(db).await?.is_some() {
        return Err(Error::invalid("name", "已有同名的方案，请换一个名称"));
    }
    Ok(())
}

pub async fn create(db: &DatabaseConnection, actor: &Actor, input: &Input) -> Result<Scenario> {
    let run = run(db, &input.horizon).await?;
    let txn = crate::db::begin_write(db).await?;
    name_taken(&txn, &input.name, None).await?;
    let now = Utc::now();
    let mut model = Model {
        id: 0,
        name: input.name.clone(),
        horizon: String::new(),
        plan: String::new(),
        objective: 0.0,
        bound: 0.0,
        gap: 0.0,
        compounds_revision: 0,
        run_at: now,
        created_by: actor.username.clone(),
        created_at: now,
        updated_by: actor.username.clone(),
        updated_at: now,
        version: 1,
    };
    stored(&mut model, &input.horizon, &run)?;
    let mut active = model.clone().into_active_model();
    active.id = sea_orm::ActiveValue::NotSet;
    let id = plan_scenarios::Entity::insert(active)
        .exec(&txn)
        .await?
        .last_insert_id;
    model.id = id;
    audit::record_one(
        &txn,
        actor,
        Change::new("create", "scenario", id.to_string()).after(outline(&model)),
    )
    .await?;
    txn.commit().await?;
    scenario(model, run.revision)
}

/// Writes `new` over `old` if nobody changed it meanwhile, with the audit record, in one transaction.
pub(super) async fn save(
    db: &DatabaseConnection,
    actor: &Actor,
    old: &Model,
    mut new: Model,
    change: Change,
    revision: i64,
) -> Result<Scenario> {
    let txn = crate::db::begin_write(db).await?;
    name_taken(&txn, &new.name, Some(old.id)).await?;
    new.version = old.version + 1;
    new.updated_by = actor.username.clone();
    new.updated_at = Utc::now();
    let mut active = new.clone().into_active_model().reset_all();
    active.id = sea_orm::ActiveValue::NotSet;
    let result = plan_scenarios::Entity::update_many()
        .set(active)
        .filter(plan_scenarios::Column::Id.eq(old.id))
        .filter(plan_scenarios::Column::Version.eq(old.version))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(changed_meanwhile(old.id, None));
    }
    audit::record_one(&txn, actor, change).await?;
    txn.commit().await?;
    scenario(new, revision)
}

fn changed_meanwhile(id: i32, current: Option<i32>) -> Error {
    Error::StaleVersion {
        message: format!("方案（编号 {id}）刚被他人修改，请刷新后再改"),
        current_version: current,
    }
}

/// The stored scenario, if the caller's edit is based on its current version.
pub(super) async fn current(db: &DatabaseConnection, id: i32, version: i32) -> Result<Model> {
    let model = find(db, id).await?;
    if model.version != version {
        return Err(changed_meanwhile(id, Some(model.version)));
    }
    Ok(model)
}

pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    version: i32,
    input: &Input,
) -> Result<Scenario> {
    let old = current(db, id, version).await?;
    let run = run(db, &input.horizon).await?;
    let mut new = Model {
        name: input.name.clone(),
        ..old.clone()
    };
    stored(&mut new, &input.horizon, &run)?;
    let change = Change::new("update", "scenario", id.to_string())
        .before(outline(&old))
        .after(outline(&new));
    save(db, actor, &old, new, change, run.revision).await
}

pub async fn delete(db: &DatabaseConnection, actor: &Actor, id: i32, version: i32) -> Result<()> {
    let old = current(db, id, version).await?;
    let txn = crate::db::begin_write(db).await?;
    let result = plan_scenarios::Entity::delete_many()
        .filter(plan_scenarios::Column::Id.eq(id))
        .filter(plan_scenarios::Column::Version.eq(version))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(changed_meanwhile(id, None));
    }
    audit::record_one(
        &txn,
        actor,
        Change::new("delete", "scenario", id.to_string()).before(outline(&old)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Runs the scenario again on the data as it stands (after imports, edits or an approved batch).
pub async fn rerun(db: &DatabaseConnection, actor: &Actor, id: i32) -> Result<Scenario> {
    let old = find(db, id).await?;
    let horizon = stored_horizon(&old)?;
    let run = run(db, &horizon).await?;
    let mut new = old.clone();
    stored(&mut new, &horizon, &run)?;
    let change = Change::new("run", "scenario", id.to_string())
        .before(json!({"objective": old.objective, "gap": old.gap, "compounds_revision": old.compounds_revision}))
        .after(json!({"objective": new.objective, "gap": new.gap, "compounds_revision": new.compounds_revision}));
    save(db, actor, &old, new, change, run.revision).await
}
