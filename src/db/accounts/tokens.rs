//! API tokens: issued, listed, revoked, and checked as credentials.

use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;

use super::secrets::{digest, new_secret};
use super::sessions::{Credential, credential_of};
use super::users::find_user;
use crate::db::audit::{self, Actor, Change};
use crate::db::entities::{api_tokens, users};
use crate::domain::FieldErrors;
use crate::error::{Error, Result};

pub const TOKEN_DEFAULT_DAYS: i64 = 90;
pub const TOKEN_MAX_DAYS: i64 = 366;

#[derive(Debug, Clone, Serialize)]
pub struct TokenView {
    pub id: i32,
    pub name: String,
    /// The first characters, to tell tokens apart; the token itself is shown only once.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub usable: bool,
}

impl From<api_tokens::Model> for TokenView {
    fn from(t: api_tokens::Model) -> Self {
        TokenView {
            usable: t.revoked_at.is_none() && t.expires_at > Utc::now(),
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
            last_used_at: t.last_used_at,
        }
    }
}

/// API tokens start with this, so that a leaked one is recognisable (and secret scanners can find it).
pub const TOKEN_PREFIX: &str = "jg_";

/// Parses a token's name and lifetime.
pub fn parse_token_request(
    name: Option<&str>,
    days: Option<i64>,
) -> Result<(String, i64), FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = name
        .map(crate::domain::text::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or("API token");
    if name.chars().count() > 64 || name.chars().any(char::is_control) {
        errors.add("name", "令牌名称最多 64 个字，且不能包含控制字符");
    }
    let days = days.unwrap_or(TOKEN_DEFAULT_DAYS);
    if !(1..=TOKEN_MAX_DAYS).contains(&days) {
        errors.add(
            "expires_in_days",
            format!("有效天数须为 1 到 {TOKEN_MAX_DAYS} 天"),
        );
    }
    if errors.is_empty() {
        Ok((name.to_owned(), days))
    } else {
        Err(errors)
    }
}

/// A new token for `user_id`; returns the secret (to show once) and its description.
pub async fn create_token(
    db: &DatabaseConnection,
    actor: &Actor,
    user_id: i32,
    name: &str,
    days: i64,
) -> Result<(String, TokenView)> {
    let secret = new_secret(TOKEN_PREFIX);
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let user = users::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .filter(|u| u.active)
        .ok_or_else(|| Error::NotFound("没有这个账号，或账号已停用".into()))?;
    let stored = api_tokens::Entity::insert(api_tokens::ActiveModel {
        id: NotSet,
        user_id: Set(user_id),
        name: Set(name.to_owned()),
        token_hash: Set(digest(&secret)),
        prefix: Set(secret.chars().take(8).collect()),
        created_at: Set(now),
        expires_at: Set(now + Duration::days(days)),
        revoked_at: Set(None),
        last_used_at: Set(None),
    })
    .exec_with_returning(&txn)
    .await?;
    let view = TokenView::from(stored);
    audit::record_one(
        &txn,
        actor,
        Change::new(
            "create",
            "api_token",
            format!("{}/{}", user.username, view.id),
        )
        .after(&view),
    )
    .await?;
    txn.commit().await?;
    Ok((secret, view))
}

pub async fn tokens(db: &impl ConnectionTrait, user_id: i32) -> Result<Vec<TokenView>> {
    Ok(api_tokens::Entity::find()
        .filter(api_tokens::Column::UserId.eq(user_id))
        .order_by_desc(api_tokens::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Revokes one of the account `user_id`'s tokens (a person's own, or any account's by an admin); a token of
/// another account is "not found".
pub async fn revoke_token(
    db: &DatabaseConnection,
    actor: &Actor,
    user_id: i32,
    id: i32,
) -> Result<TokenView> {
    let txn = crate::db::begin_write(db).await?;
    let owner = users::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("没有编号为 {id} 的令牌")))?;
    let stored = api_tokens::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .filter(|t| t.user_id == user_id)
        .ok_or_else(|| Error::NotFound(format!("没有编号为 {id} 的令牌")))?;
    revoke(&txn, actor, &owner, stored).await?;
    let after = TokenView::from(
        api_tokens::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| Error::NotFound(format!("没有编号为 {id} 的令牌")))?,
    );
    crate::db::revisions::bump(&txn, crate::db::revisions::ACCOUNTS).await?;
    txn.commit().await?;
    Ok(after)
}

/// Revokes `token` (of `owner`) if it is not revoked yet, audited. The caller bumps the accounts' revision.
async fn revoke(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    owner: &users::Model,
    token: api_tokens::Model,
) -> Result<()> {
    if token.revoked_at.is_some() {
        return Ok(());
    }
    let id = token.id;
    let before = TokenView::from(token);
    let now = Utc::now();
    api_tokens::Entity::update_many()
        .col_expr(api_tokens::Column::RevokedAt, Expr::value(now))
        .filter(api_tokens::Column::Id.eq(id))
        .exec(txn)
        .await?;
    let after = TokenView {
        revoked_at: Some(now),
        usable: false,
        ..before.clone()
    };
    audit::record_one(
        txn,
        actor,
        Change::new("revoke", "api_token", format!("{}/{id}", owner.username))
            .before(&before)
            .after(&after),
    )
    .await
}

/// Revokes every token of `owner` that is not revoked yet (deactivation, a new password); returns how many.
/// Revoked is for good: reactivating the account does not bring them back.
pub(super) async fn revoke_all(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    owner: &users::Model,
) -> Result<usize> {
    let live = api_tokens::Entity::find()
        .filter(api_tokens::Column::UserId.eq(owner.id))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .all(txn)
        .await?;
    let count = live.len();
    for token in live {
        revoke(txn, actor, owner, token).await?;
    }
    Ok(count)
}

/// The tokens of the account `username`, for an admin.
pub async fn user_tokens(db: &impl ConnectionTrait, username: &str) -> Result<Vec<TokenView>> {
    tokens(db, find_user(db, username).await?.id).await
}

/// Who an API token belongs to, if it is current, unrevoked and its account active.
pub async fn token_credential(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<Credential>> {
    let Some(stored) = api_tokens::Entity::find()
        .filter(api_tokens::Column::TokenHash.eq(digest(token)))
        .one(db)
        .await?
        .filter(|t| t.revoked_at.is_none() && t.expires_at > Utc::now())
    else {
        return Ok(None);
    };
    let token = Some((stored.id, stored.last_used_at));
    credential_of(db, stored.user_id, None, stored.expires_at, token).await
}

/// "Last used" to the minute is enough: returns the time written, if it was stale enough to write.
pub async fn touch_token(
    db: &impl ConnectionTrait,
    id: i32,
    last_used_at: Option<DateTime<Utc>>,
) -> Result<Option<DateTime<Utc>>> {
    let now = Utc::now();
    if last_used_at.is_some_and(|t| now - t < Duration::minutes(1)) {
        return Ok(None);
    }
    api_tokens::Entity::update_many()
        .col_expr(api_tokens::Column::LastUsedAt, Expr::value(now))
        .filter(api_tokens::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(Some(now))
}
