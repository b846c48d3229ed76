//! Writing compounds: create, update and archive (audited, version-checked), and moving them to a new status.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter,
};
use serde_json::Value;

use super::features::{Lookup, scopes};
use super::records::{Places, find, get, row, write_scope};
use crate::db::audit::{self, Actor, Change};
use crate::db::catalog;
use crate::db::entities::compounds;
use crate::domain::funding::{self, FundingOverride};
use crate::domain::record::CompoundRecord;
use crate::error::{Error, Result};

/// Inserts a new compound; its code must be new.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    record: &CompoundRecord,
) -> Result<Value> {
    let txn = crate::db::begin_write(db).await?;
    if find(&txn, record.code.as_str()).await.is_ok() {
        return Err(Error::Conflict {
            message: format!("编号为 {} 的小区已经存在", record.code.as_str()),
            field: Some("code"),
        });
    }
    check_funding(&txn, record, None).await?;
    let mut places = Places::load(&txn).await?;
    let (town_id, community_id) = places.resolve(&txn, record).await?;
    let new = row(record, town_id, community_id, 0, Utc::now())?;
    let change = Change::new("create", "compound", &new.code).after(feature_value(&new));
    let mut model = new.into_active_model();
    model.id = sea_orm::ActiveValue::NotSet;
    let id = compounds::Entity::insert(model)
        .exec(&txn)
        .await?
        .last_insert_id;
    write_scope(&txn, id, &record.scope, &catalog::item_ids(&txn).await?).await?;
    let detail = get(&txn, record.code.as_str()).await?;
    crate::db::revisions::bump(&txn, crate::db::revisions::COMPOUNDS).await?;
    audit::record_one(&txn, actor, change).await?;
    txn.commit().await?;
    Ok(detail)
}

/// Replaces a compound's attributes, if `expected_version` is still current.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    code: &str,
    expected_version: i32,
    record: &CompoundRecord,
) -> Result<Value> {
    if record.code.as_str() != code {
        return Err(Error::invalid(
            "code",
            format!("与所修改的小区编号（{code}）不一致；小区编号不能修改"),
        ));
    }
    let txn = crate::db::begin_write(db).await?;
    let stored = find(&txn, code).await?;
    check_version(&stored, expected_version)?;
    if crate::domain::compound::Status::parse(&stored.status).is_ok_and(|s| s.scope_settled()) {
        let lookup = Lookup::load(&txn).await?;
        let scope = scopes(&txn, vec![stored.id], &lookup)
            .await?
            .remove(&stored.id)
            .unwrap_or_default();
        if scope != record.scope {
            return Err(Error::Conflict {
                message: crate::domain::compound::Status::SCOPE_SETTLED.to_owned(),
                field: Some("scope"),
            });
        }
    }
    check_funding(&txn, record, Some(&stored)).await?;
    let mut places = Places::load(&txn).await?;
    let (town_id, community_id) = places.resolve(&txn, record).await?;
    let new = compounds::Model {
        id: stored.id,
        version: stored.version + 1,
        created_at: stored.created_at,
        ..row(record, town_id, community_id, stored.requests, Utc::now())?
    };
    let change = Change::new("update", "compound", code)
        .before(feature_value(&stored))
        .after(feature_value(&new));
    versioned_write(&txn, &stored, new).await?;
    write_scope(
        &txn,
        stored.id,
        &record.scope,
        &catalog::item_ids(&txn).await?,
    )
    .await?;
    let detail = get(&txn, code).await?;
    crate::db::revisions::bump(&txn, crate::db::revisions::COMPOUNDS).await?;
    audit::record_one(&txn, actor, change).await?;
    txn.commit().await?;
    Ok(detail)
}

/// A compound's own funding split, when it is set or changed, names the policy's sources and adds up to the
/// estimate. One set for an earlier estimate stays as it is when other parts of the record change; the pages show
/// the difference.
async fn check_funding(
    db: &impl ConnectionTrait,
    record: &CompoundRecord,
    stored: Option<&compounds::Model>,
) -> Result<()> {
    let Some(own) = &record.funding_override else {
        return Ok(());
    };
    let unchanged = stored
        .and_then(|s| s.funding_override.as_deref())
        .and_then(|text| serde_json::from_str::<FundingOverride>(text).ok())
        .is_some_and(|before| before == *own);
    if unchanged {
        return Ok(());
    }
    let funding = catalog::load_policy(db)
        .await?
        .map(|p| p.funding)
        .unwrap_or_default();
    funding::check_override(&funding, own, record.estimate.total_fen)
        .map_err(|(field, message)| Error::invalid(field, message))
}

/// Archives a compound: it leaves the lists but is never deleted.
pub async fn archive(
    db: &DatabaseConnection,
    actor: &Actor,
    code: &str,
    expected_version: i32,
) -> Result<Value> {
    let txn = crate::db::begin_write(db).await?;
    let stored = find(&txn, code).await?;
    check_version(&stored, expected_version)?;
    if !stored.archived {
        let lookup = Lookup::load(&txn).await?;
        let scope = scopes(&txn, vec![stored.id], &lookup)
            .await?
            .remove(&stored.id)
            .unwrap_or_default();
        let new = compounds::Model {
            archived: true,
            version: stored.version + 1,
            updated_at: Utc::now(),
            ..stored.clone()
        }
        .with_feature(lookup.names(&stored), &scope)?;
        let change = Change::new("archive", "compound", code)
            .before(feature_value(&stored))
            .after(feature_value(&new));
        versioned_write(&txn, &stored, new).await?;
        crate::db::revisions::bump(&txn, crate::db::revisions::COMPOUNDS).await?;
        audit::record_one(&txn, actor, change).await?;
    }
    let detail = get(&txn, code).await?;
    txn.commit().await?;
    Ok(detail)
}

/// A compound as the audit log keeps it: its stored GeoJSON feature (attributes, scope, boundary).
pub fn feature_value(c: &compounds::Model) -> Value {
    serde_json::from_str(&c.feature).unwrap_or(Value::Null)
}

fn check_version(stored: &compounds::Model, expected: i32) -> Result<()> {
    if stored.version == expected {
        Ok(())
    } else {
        Err(Error::StaleVersion {
            message: format!(
                "小区 {} 已被他人修改（现为第 {} 版，您是在第 {expected} 版上修改的）；请刷新后重新修改",
                stored.code, stored.version
            ),
            current_version: Some(stored.version),
        })
    }
}

/// Writes `new` over `stored` only if nobody else wrote in between: the version in the WHERE clause
/// makes the check and the write one statement.
pub async fn versioned_write(
    db: &impl ConnectionTrait,
    stored: &compounds::Model,
    new: compounds::Model,
) -> Result<()> {
    let mut active = new.into_active_model().reset_all();
    active.id = sea_orm::ActiveValue::NotSet;
    let result = compounds::Entity::update_many()
        .set(active)
        .filter(compounds::Column::Id.eq(stored.id))
        .filter(compounds::Column::Version.eq(stored.version))
        .exec(db)
        .await?;
    if result.rows_affected == 1 {
        Ok(())
    } else {
        Err(Error::StaleVersion {
            message: format!("小区 {} 刚被他人修改，请刷新后再改", stored.code),
            current_version: None,
        })
    }
}

/// Moves compounds to `status`: each one's stored feature rewritten and written as a new version. Returns the
/// audit changes (named `action`) for the caller to record in the same transaction; the caller bumps the
/// compounds' revision.
pub async fn move_to_status(
    txn: &impl ConnectionTrait,
    stored: Vec<compounds::Model>,
    status: crate::domain::compound::Status,
    action: &'static str,
) -> Result<Vec<Change>> {
    let lookup = Lookup::load(txn).await?;
    let mut scope = scopes(txn, stored.iter().map(|c| c.id).collect(), &lookup).await?;
    let mut changes = Vec::with_capacity(stored.len());
    for old in stored {
        let new = compounds::Model {
            status: status.code().to_owned(),
            version: old.version + 1,
            updated_at: Utc::now(),
            ..old.clone()
        }
        .with_feature(
            lookup.names(&old),
            &scope.remove(&old.id).unwrap_or_default(),
        )?;
        changes.push(
            Change::new(action, "compound", &old.code)
                .before(feature_value(&old))
                .after(feature_value(&new)),
        );
        versioned_write(txn, &old, new).await?;
    }
    Ok(changes)
}

/// Sets a compound's count of accepted residents' requests (kept by their triage, `db::requests`) and its
/// stored feature with it. The record's version stays: nobody edits the count, so no edit form goes stale.
pub async fn set_requests(db: &impl ConnectionTrait, compound_id: i32, count: i32) -> Result<()> {
    let stored = compounds::Entity::find_by_id(compound_id)
        .one(db)
        .await?
        .ok_or_else(|| Error::NotFound(format!("没有编号为 {compound_id} 的小区")))?;
    if stored.requests == count {
        return Ok(());
    }
    let lookup = Lookup::load(db).await?;
    let scope = scopes(db, vec![stored.id], &lookup)
        .await?
        .remove(&stored.id)
        .unwrap_or_default();
    let new = compounds::Model {
        requests: count,
        ..stored.clone()
    }
    .with_feature(lookup.names(&stored), &scope)?;
    compounds::Entity::update_many()
        .col_expr(compounds::Column::Requests, Expr::value(count))
        .col_expr(compounds::Column::Feature, Expr::value(new.feature))
        .filter(compounds::Column::Id.eq(compound_id))
        .exec(db)
        .await?;
    crate::db::revisions::bump(db, crate::db::revisions::COMPOUNDS).await?;
    Ok(())
}
