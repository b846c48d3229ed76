//! Limits per key (a resident's address, say) shared by every instance: each attempt is a row in `rate_hits`
//! (see that migration), counted in a transaction serialised per key.

use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, TransactionSession,
};

use super::entities::rate_hits;
use crate::error::{Error, Result};

/// At most `max` attempts in any `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub max: u64,
    pub window: Duration,
}

/// Counts one attempt under `key`, or refuses it with [`Error::TooMany`] (its `retry_after` is when the
/// oldest attempt in the window leaves it) and `message(minutes)`. A refused attempt is not counted: it costs
/// the database a read, and waiting out the window is all it takes.
pub async fn hit(
    db: &impl sea_orm::TransactionTrait,
    key: &str,
    limit: Limit,
    now: DateTime<Utc>,
    message: impl FnOnce(i64) -> String,
) -> Result<()> {
    let since = now - limit.window;
    let txn = super::begin_write(db).await?;
    super::lock_key(&txn, key).await?;
    rate_hits::Entity::delete_many()
        .filter(rate_hits::Column::At.lt(now - Duration::days(1).max(limit.window)))
        .exec(&txn)
        .await?;
    let recent = rate_hits::Entity::find()
        .filter(rate_hits::Column::Key.eq(key))
        .filter(rate_hits::Column::At.gt(since));
    if recent.clone().count(&txn).await? >= limit.max {
        let oldest = recent
            .order_by_asc(rate_hits::Column::At)
            .one(&txn)
            .await?
            .map_or(now, |h| h.at);
        txn.rollback().await?;
        let wait = (oldest + limit.window - now).num_seconds().max(1);
        return Err(Error::TooMany {
            message: message((wait + 59) / 60),
            retry_after: wait as u64,
        });
    }
    rate_hits::Entity::insert(rate_hits::ActiveModel {
        id: NotSet,
        key: Set(key.chars().take(200).collect()),
        at: Set(now),
    })
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(())
}
