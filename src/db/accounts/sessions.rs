//! Who is signed in (the principal) and browser sessions: signing in (throttled), a session cookie's
//! credential, signing out.

use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};
use serde::Serialize;

use super::secrets::{digest, new_secret, verify_password};
use crate::db::audit::{self, Actor, Change};
use crate::db::entities::{audit_log, sessions, sign_in_failures, users};
use crate::domain::account::{Role, Throttle};
use crate::error::{Error, Result};

/// A browser session lasts one working day.
pub const SESSION_HOURS: i64 = 12;

/// Someone signed in, by session cookie or API token.
#[derive(Debug, Clone, Serialize)]
pub struct Principal {
    pub user_id: i32,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub contractor_id: Option<i32>,
    pub demo: bool,
    /// Present when signed in through the browser.
    #[serde(skip)]
    pub session: Option<SessionRef>,
}

#[derive(Debug, Clone)]
pub struct SessionRef {
    pub id: i32,
    /// What every form posted in this session must carry.
    pub csrf: String,
}

impl Principal {
    pub fn actor(&self, source: &str) -> Actor {
        Actor {
            user_id: Some(self.user_id),
            username: self.username.clone(),
            role: self.role.code().to_owned(),
            source: source.to_owned(),
        }
    }

    pub(super) fn of(user: &users::Model, session: Option<SessionRef>) -> Option<Principal> {
        Some(Principal {
            user_id: user.id,
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            role: Role::parse(&user.role).ok()?,
            contractor_id: user.contractor_id,
            demo: user.demo,
            session,
        })
    }
}

/// A session just opened: the cookie's value (shown once, to the browser) and its CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub cookie: String,
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
}

pub(super) async fn open_session(
    txn: &impl ConnectionTrait,
    user: &users::Model,
    source: &str,
) -> Result<NewSession> {
    let now = Utc::now();
    let cookie = new_secret("");
    let csrf = new_secret("");
    let expires_at = now + Duration::hours(SESSION_HOURS);
    // Expired sessions are dropped as new ones open, so the table stays small without a sweeper.
    sessions::Entity::delete_many()
        .filter(sessions::Column::ExpiresAt.lt(now))
        .exec(txn)
        .await?;
    sessions::Entity::insert(sessions::ActiveModel {
        id: NotSet,
        token_hash: Set(digest(&cookie)),
        user_id: Set(user.id),
        csrf_token: Set(csrf.clone()),
        source: Set(source.chars().take(200).collect()),
        created_at: Set(now),
        expires_at: Set(expires_at),
    })
    .exec_without_returning(txn)
    .await?;
    audit::record_one(
        txn,
        &Actor {
            user_id: Some(user.id),
            username: user.username.clone(),
            role: user.role.clone(),
            source: source.to_owned(),
        },
        Change::new("sign_in", "session", &user.username),
    )
    .await?;
    Ok(NewSession {
        cookie,
        csrf,
        expires_at,
    })
}

/// Who a credential (session cookie or API token) belongs to, and until when it is good.
#[derive(Debug, Clone)]
pub struct Credential {
    pub principal: Principal,
    pub expires_at: DateTime<Utc>,
    /// For an API token: its id and when its use was last written down.
    pub token: Option<(i32, Option<DateTime<Utc>>)>,
}

impl Credential {
    pub fn current(&self, now: DateTime<Utc>) -> bool {
        self.expires_at > now
    }
}

/// Who a session cookie belongs to, if it is current and the account active.
pub async fn session_credential(
    db: &impl ConnectionTrait,
    cookie: &str,
) -> Result<Option<Credential>> {
    let Some(session) = sessions::Entity::find()
        .filter(sessions::Column::TokenHash.eq(digest(cookie)))
        .one(db)
        .await?
        .filter(|s| s.expires_at > Utc::now())
    else {
        return Ok(None);
    };
    let session_ref = SessionRef {
        id: session.id,
        csrf: session.csrf_token,
    };
    credential_of(
        db,
        session.user_id,
        Some(session_ref),
        session.expires_at,
        None,
    )
    .await
}

/// The credential of an active account's session or token; `None` for a deactivated account.
pub(super) async fn credential_of(
    db: &impl ConnectionTrait,
    user_id: i32,
    session: Option<SessionRef>,
    expires_at: DateTime<Utc>,
    token: Option<(i32, Option<DateTime<Utc>>)>,
) -> Result<Option<Credential>> {
    let user = users::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .filter(|u| u.active);
    Ok(user.and_then(|u| {
        Some(Credential {
            principal: Principal::of(&u, session)?,
            expires_at,
            token,
        })
    }))
}

pub async fn end_session(
    db: &DatabaseConnection,
    principal: &Principal,
    source: &str,
) -> Result<()> {
    let Some(session) = &principal.session else {
        return Ok(());
    };
    let txn = crate::db::begin_write(db).await?;
    sessions::Entity::delete_by_id(session.id)
        .exec(&txn)
        .await?;
    audit::record_one(
        &txn,
        &principal.actor(source),
        Change::new("sign_out", "session", &principal.username),
    )
    .await?;
    crate::db::revisions::bump(&txn, crate::db::revisions::ACCOUNTS).await?;
    txn.commit().await?;
    Ok(())
}

/// Ends every browser session of `owner` but `keep`, audited when there were any.
pub(super) async fn end_sessions(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    owner: &users::Model,
    keep: Option<i32>,
) -> Result<()> {
    let mut doomed = sessions::Entity::delete_many().filter(sessions::Column::UserId.eq(owner.id));
    if let Some(id) = keep {
        doomed = doomed.filter(sessions::Column::Id.ne(id));
    }
    let ended = doomed.exec(txn).await?.rows_affected;
    if ended > 0 {
        audit::record_one(
            txn,
            actor,
            Change::new("end_sessions", "user", &owner.username)
                .after(serde_json::json!({"sessions": ended})),
        )
        .await?;
    }
    Ok(())
}

// ---- signing in ---------------------------------------------------------------------------------

pub enum SignIn {
    Accepted(Principal, NewSession),
    /// Wrong username or password: deliberately not saying which.
    Refused,
    /// Too many recent failures for this account or address; try again after this many seconds.
    Throttled(i64),
}

/// Checks a password, throttled per (account, address) pair, per account from everywhere (a ceiling far
/// above the pair's) and per address; see [`Throttle`].
///
/// The attempt is first counted as a failure, in a transaction that also reads the recent failures
/// (serialised per key), so that parallel guesses cannot all slip in before any is counted. Only a
/// correct password removes it again, from its own pair. Failed and throttled attempts are recorded in the
/// audit log (who was tried, from where), so an admin sees an attack; a throttled pair at most once a minute,
/// so hammering a closed door does not fill the log.
pub async fn sign_in(
    db: &DatabaseConnection,
    username: &str,
    password: &str,
    address: &str,
) -> Result<SignIn> {
    let name: String = crate::domain::text::trim(username)
        .to_lowercase()
        .chars()
        .take(64)
        .collect();
    let keys = [
        (format!("pair:{name}|{address}"), Throttle::PAIR),
        (format!("account:{name}"), Throttle::ACCOUNT),
        (format!("address:{address}"), Throttle::ADDRESS),
    ];
    let visitor = Actor {
        user_id: None,
        username: "visitor".to_owned(),
        role: "visitor".to_owned(),
        source: address.to_owned(),
    };
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let mut wait_until: Option<DateTime<Utc>> = None;
    for (key, throttle) in &keys {
        crate::db::lock_key(&txn, key).await?;
        // Failures older than the window no longer count: drop them as the key is used again.
        sign_in_failures::Entity::delete_many()
            .filter(sign_in_failures::Column::Key.eq(key.as_str()))
            .filter(sign_in_failures::Column::At.lte(throttle.since(now)))
            .exec(&txn)
            .await?;
        let failures: Vec<DateTime<Utc>> = sign_in_failures::Entity::find()
            .filter(sign_in_failures::Column::Key.eq(key.as_str()))
            .filter(sign_in_failures::Column::At.gt(throttle.since(now)))
            .all(&txn)
            .await?
            .into_iter()
            .map(|f| f.at)
            .collect();
        wait_until = wait_until.max(throttle.next_attempt(&failures));
    }
    if let Some(until) = wait_until.filter(|u| *u > now) {
        let seconds = ((until - now).num_milliseconds() + 999) / 1000;
        let recorded_lately = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("sign_in_throttled"))
            .filter(audit_log::Column::Entity.eq("session"))
            .filter(audit_log::Column::EntityId.eq(name.as_str()))
            .filter(audit_log::Column::Source.eq(address))
            .filter(audit_log::Column::At.gt(now - Duration::minutes(1)))
            .count(&txn)
            .await?
            > 0;
        if recorded_lately {
            txn.rollback().await?;
        } else {
            audit::record_one(
                &txn,
                &visitor,
                Change::new("sign_in_throttled", "session", &name)
                    .after(serde_json::json!({"wait_seconds": seconds})),
            )
            .await?;
            txn.commit().await?;
        }
        return Ok(SignIn::Throttled(seconds));
    }
    let mut provisional = Vec::new();
    for (key, _) in &keys {
        let row = sign_in_failures::Entity::insert(sign_in_failures::ActiveModel {
            id: NotSet,
            key: Set(key.clone()),
            at: Set(now),
        })
        .exec_with_returning(&txn)
        .await?;
        provisional.push(row.id);
    }
    txn.commit().await?;

    let user = users::Entity::find()
        .filter(users::Column::Username.eq(name.as_str()))
        .one(db)
        .await?;
    let hash = user
        .as_ref()
        .filter(|u| u.active)
        .and_then(|u| u.password_hash.clone());
    let password = password.to_owned();
    let correct = tokio::task::spawn_blocking(move || verify_password(hash.as_deref(), &password))
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    let (true, Some(user)) = (correct, user) else {
        audit::record_one(
            db,
            &visitor,
            Change::new("sign_in_failed", "session", &name),
        )
        .await?;
        return Ok(SignIn::Refused);
    };
    let txn = crate::db::begin_write(db).await?;
    sign_in_failures::Entity::delete_many()
        .filter(
            sea_orm::Condition::any()
                .add(sign_in_failures::Column::Id.is_in(provisional))
                .add(sign_in_failures::Column::Key.eq(keys[0].0.as_str())),
        )
        .exec(&txn)
        .await?;
    let session = open_session(&txn, &user, address).await?;
    txn.commit().await?;
    let principal =
        Principal::of(&user, None).ok_or_else(|| Error::Internal(anyhow::anyhow!("bad role")))?;
    Ok(SignIn::Accepted(principal, session))
}
