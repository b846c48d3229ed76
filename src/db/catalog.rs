//! The work-item catalog and the policy, as stored.

use std::collections::HashMap;

use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, QueryOrder};

use super::entities::{settings, work_classes, work_items};
use crate::domain::catalog::{Catalog, WorkClass, WorkItem};
use crate::domain::policy::Policy;

const POLICY_KEY: &str = "policy";

/// Loads the whole catalog (it is small: tens of rows).
pub async fn load(db: &impl ConnectionTrait) -> anyhow::Result<Catalog> {
    let classes = work_classes::Entity::find()
        .order_by_asc(work_classes::Column::Rank)
        .all(db)
        .await?;
    let class_codes: HashMap<i32, String> =
        classes.iter().map(|c| (c.id, c.code.clone())).collect();
    let items = work_items::Entity::find()
        .order_by_asc(work_items::Column::Code)
        .all(db)
        .await?;
    let items = items
        .into_iter()
        .map(|i| {
            Ok(WorkItem {
                class: class_codes.get(&i.class_id).cloned().unwrap_or_default(),
                unit_cost_yuan: i.unit_cost_fen as f64 / 100.0,
                quantity: i.quantity_rule.parse().map_err(anyhow::Error::msg)?,
                remedies: serde_json::from_str(&i.remedies)?,
                code: i.code,
                name: i.name,
                unit: i.unit,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let classes = classes
        .into_iter()
        .map(|c| WorkClass {
            code: c.code,
            name: c.name,
            rank: c.rank,
            description: c.description,
        })
        .collect();
    Ok(Catalog { classes, items })
}

/// Writes a catalog into an empty database.
pub async fn insert(db: &impl ConnectionTrait, catalog: &Catalog) -> anyhow::Result<()> {
    let mut class_ids = HashMap::new();
    for class in &catalog.classes {
        let row = work_classes::ActiveModel {
            code: Set(class.code.clone()),
            name: Set(class.name.clone()),
            rank: Set(class.rank),
            description: Set(class.description.clone()),
            ..Default::default()
        };
        let id = work_classes::Entity::insert(row)
            .exec(db)
            .await?
            .last_insert_id;
        class_ids.insert(class.code.as_str(), id);
    }
    for item in &catalog.items {
        let row = work_items::ActiveModel {
            code: Set(item.code.clone()),
            name: Set(item.name.clone()),
            class_id: Set(class_ids[item.class.as_str()]),
            unit: Set(item.unit.clone()),
            unit_cost_fen: Set(item.unit_cost_fen()),
            quantity_rule: Set(item.quantity.to_string()),
            remedies: Set(serde_json::to_string(&item.remedies)?),
            archived: Set(false),
            ..Default::default()
        };
        work_items::Entity::insert(row).exec(db).await?;
    }
    Ok(())
}

/// Ids of work items by code, for writing scopes.
pub async fn item_ids(db: &impl ConnectionTrait) -> anyhow::Result<HashMap<String, i32>> {
    Ok(work_items::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.code, i.id))
        .collect())
}

pub async fn load_policy(db: &impl ConnectionTrait) -> anyhow::Result<Option<Policy>> {
    let row = settings::Entity::find_by_id(POLICY_KEY.to_owned())
        .one(db)
        .await?;
    row.map(|r| serde_json::from_str(&r.value).map_err(Into::into))
        .transpose()
}

pub async fn save_policy(db: &impl ConnectionTrait, policy: &Policy) -> anyhow::Result<()> {
    let row = settings::ActiveModel {
        key: Set(POLICY_KEY.to_owned()),
        value: Set(serde_json::to_string(policy)?),
    };
    settings::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(settings::Column::Key)
                .update_column(settings::Column::Value)
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}
