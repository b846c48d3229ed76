//! Revision counters: bumped in the transaction of every write to a data set, read to tell whether
//! a cached answer is still current (see the `revisions` migration).

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::entities::revisions;
use crate::error::Result;

/// The compound catalog: compounds, their scopes, towns and communities.
pub const COMPOUNDS: &str = "compounds";
/// Accounts, sessions and API tokens: bumped by every change that could end or alter someone's access.
pub const ACCOUNTS: &str = "accounts";
/// Notices, objections, answers and ratings: what the public pages show.
pub const NOTICES: &str = "notices";

/// Every counter, read at once: the one query most requests make.
#[derive(Debug, Clone, Copy, Default)]
pub struct Revisions {
    pub compounds: i64,
    pub accounts: i64,
    pub notices: i64,
}

pub async fn all(db: &impl ConnectionTrait) -> Result<Revisions> {
    let mut out = Revisions::default();
    for row in revisions::Entity::find().all(db).await? {
        match row.name.as_str() {
            COMPOUNDS => out.compounds = row.revision,
            ACCOUNTS => out.accounts = row.revision,
            NOTICES => out.notices = row.revision,
            _ => {}
        }
    }
    Ok(out)
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
