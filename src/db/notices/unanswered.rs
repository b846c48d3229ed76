//! The bureau's inbox across notices: every objection and comment not answered yet, oldest first, each with
//! the notice it was sent on, so that nothing waits unseen on a notice nobody opened.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::db::entities::{notices, objections};
use crate::error::Result;

/// An unanswered objection with its notice; the resident's mobile is masked.
#[derive(Debug, Clone, Serialize)]
pub struct Waiting {
    pub id: i32,
    pub kind: String,
    pub building_unit: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub notice_id: i32,
    pub notice_number: Option<String>,
    pub notice_title: String,
    /// When the notice's period ends (answers are still owed after it).
    pub closes_at: Option<DateTime<Utc>>,
}

/// Every unanswered objection, oldest first.
pub async fn unanswered(db: &impl ConnectionTrait) -> Result<Vec<Waiting>> {
    let rows = objections::Entity::find()
        .filter(objections::Column::AnsweredAt.is_null())
        .order_by_asc(objections::Column::CreatedAt)
        .order_by_asc(objections::Column::Id)
        .all(db)
        .await?;
    let mut ids: Vec<i32> = rows.iter().map(|o| o.notice_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let notices: std::collections::HashMap<i32, notices::Model> = notices::Entity::find()
        .filter(notices::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|n| (n.id, n))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|o| {
            let n = notices.get(&o.notice_id)?;
            Some(Waiting {
                id: o.id,
                kind: o.kind,
                building_unit: o.building_unit,
                text: o.text,
                created_at: o.created_at,
                notice_id: n.id,
                notice_number: n.number.clone(),
                notice_title: n.title.clone(),
                closes_at: n.closes_at,
            })
        })
        .collect())
}

/// How many objections wait for an answer.
pub async fn unanswered_count(db: &impl ConnectionTrait) -> Result<u64> {
    Ok(objections::Entity::find()
        .filter(objections::Column::AnsweredAt.is_null())
        .count(db)
        .await?)
}
