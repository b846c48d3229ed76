//! One-time sign-in links: issued for a first sign-in or a forgotten password, redeemed by setting a password.

use chrono::{Duration, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::secrets::{digest, hash_password, new_secret};
use super::sessions::{NewSession, Principal, end_sessions, open_session};
use super::tokens::revoke_all;
use super::users::{UserView, find_user, view};
use crate::db::audit::{self, Actor, Change};
use crate::db::entities::{sign_in_links, users};
use crate::domain::account::NewPassword;
use crate::error::{Error, Result};

/// A one-time sign-in link is good for three days (a weekend between issuing and using it).
pub const LINK_HOURS: i64 = 72;

/// A new one-time link for `username` (for a first sign-in or a forgotten password). Earlier unused
/// links of that account stop working.
pub async fn issue_link(db: &DatabaseConnection, actor: &Actor, username: &str) -> Result<String> {
    let txn = crate::db::begin_write(db).await?;
    let user = find_user(&txn, username).await?;
    if !user.active {
        return Err(Error::invalid("username", "该账号已停用"));
    }
    let token = insert_link(&txn, actor, &user).await?;
    txn.commit().await?;
    Ok(token)
}

pub(super) async fn insert_link(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    user: &users::Model,
) -> Result<String> {
    let now = Utc::now();
    sign_in_links::Entity::update_many()
        .col_expr(sign_in_links::Column::UsedAt, Expr::value(now))
        .filter(sign_in_links::Column::UserId.eq(user.id))
        .filter(sign_in_links::Column::UsedAt.is_null())
        .exec(txn)
        .await?;
    let token = new_secret("");
    sign_in_links::Entity::insert(sign_in_links::ActiveModel {
        id: NotSet,
        user_id: Set(user.id),
        token_hash: Set(digest(&token)),
        created_at: Set(now),
        expires_at: Set(now + Duration::hours(LINK_HOURS)),
        used_at: Set(None),
    })
    .exec_without_returning(txn)
    .await?;
    audit::record_one(
        txn,
        actor,
        Change::new("issue_sign_in_link", "user", &user.username)
            .after(serde_json::json!({"expires_at": now + Duration::hours(LINK_HOURS)})),
    )
    .await?;
    Ok(token)
}

async fn valid_link(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<(sign_in_links::Model, users::Model)> {
    let gone = || Error::NotFound("这个登录链接无效、已用过或已过期；请向管理员要一个新的".into());
    let link = sign_in_links::Entity::find()
        .filter(sign_in_links::Column::TokenHash.eq(digest(token)))
        .one(db)
        .await?
        .filter(|l| l.used_at.is_none() && l.expires_at > Utc::now())
        .ok_or_else(gone)?;
    let user = users::Entity::find_by_id(link.user_id)
        .one(db)
        .await?
        .filter(|u| u.active)
        .ok_or_else(gone)?;
    Ok((link, user))
}

/// The account a link would sign in, if the link is still good.
pub async fn link_user(db: &impl ConnectionTrait, token: &str) -> Result<UserView> {
    let (_, user) = valid_link(db, token).await?;
    view(db, &user).await
}

/// Uses a link: sets the password, spends the link and opens a session, all at once.
pub async fn redeem_link(
    db: &DatabaseConnection,
    token: &str,
    password: &str,
    source: &str,
) -> Result<(Principal, NewSession)> {
    let (_, user) = valid_link(db, token).await?;
    let password =
        NewPassword::parse(password, &user.username).map_err(|e| Error::invalid("password", e))?;
    let hash = hash_blocking(password).await?;
    let txn = crate::db::begin_write(db).await?;
    let (link, user) = valid_link(&txn, token).await?;
    let spent = sign_in_links::Entity::update_many()
        .col_expr(sign_in_links::Column::UsedAt, Expr::value(Utc::now()))
        .filter(sign_in_links::Column::Id.eq(link.id))
        .filter(sign_in_links::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if spent.rows_affected != 1 {
        return Err(Error::NotFound("这个登录链接刚刚已被使用".into()));
    }
    users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(hash))
        .col_expr(users::Column::Version, Expr::value(user.version + 1))
        .col_expr(users::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(users::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    let principal =
        Principal::of(&user, None).ok_or_else(|| Error::NotFound("没有这个账号".into()))?;
    let actor = principal.actor(source);
    // The password itself is never recorded, not even hashed.
    audit::record_one(
        &txn,
        &actor,
        Change::new("set_password", "user", &user.username),
    )
    .await?;
    // A new password ends whatever the old one (or someone who had it) opened.
    end_sessions(&txn, &actor, &user, None).await?;
    revoke_all(&txn, &actor, &user).await?;
    let session = open_session(&txn, &user, source).await?;
    crate::db::revisions::bump(&txn, crate::db::revisions::ACCOUNTS).await?;
    txn.commit().await?;
    Ok((principal, session))
}

async fn hash_blocking(password: NewPassword) -> Result<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| Error::Internal(e.into()))?
}
