//! Revision counters: bumped in the transaction of every write to a data set, read to tell whether
//! a cached answer is still current (see the `revisions` migration).

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::entities::revisions;
use crate::error::{Error, Result};

/// The compound catalog: compounds, their scopes, towns and communities.
pub const COMPOUNDS: &str = "compounds";

pub async fn current(db: &impl ConnectionTrait, name: &str) -> Result<i64> {
    revisions::Entity::find_by_id(name.to_owned())
        .one(db)
        .await?
        .map(|r| r.revision)
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("no revision counter {name}")))
}

/// Call inside the write's transaction, so the new revision is seen exactly when the write is.
pub async fn bump(db: &impl ConnectionTrait, name: &str) -> Result<()> {
    revisions::Entity::update_many()
        .col_expr(
            revisions::Column::Revision,
            Expr::col(revisions::Column::Revision).add(1),
        )
        .filter(revisions::Column::Name.eq(name))
        .exec(db)
        .await?;
    Ok(())
}
