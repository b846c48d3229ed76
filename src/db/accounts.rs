//! Accounts and everything that lets a person in: users, browser
//! sessions, API tokens, one-time sign-in links and the sign-in throttle.
//!
//! Secrets (session cookies, tokens, links) are random 256-bit values shown once and stored only as
//! SHA-256 digests. Passwords are argon2id. Every change to an account is audited in its transaction.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::audit::{self, Actor, Change};
use super::contractors::ContractorRecord;
use super::entities::{
    api_tokens, audit_log, contractors, sessions, sign_in_failures, sign_in_links, users,
};
use crate::domain::FieldErrors;
use crate::domain::account::{NewPassword, Role, Throttle, Username};
use crate::domain::credit_code::CreditCode;
use crate::domain::phone::Phone;
use crate::error::{Error, Result};

/// A browser session lasts one working day.
pub const SESSION_HOURS: i64 = 12;
/// A one-time sign-in link is good for three days (a weekend between issuing and using it).
pub const LINK_HOURS: i64 = 72;
pub const TOKEN_DEFAULT_DAYS: i64 = 90;
pub const TOKEN_MAX_DAYS: i64 = 366;

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

    fn of(user: &users::Model, session: Option<SessionRef>) -> Option<Principal> {
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

// ---- secrets ------------------------------------------------------------------------------------

/// A fresh random secret: `prefix` then 43 URL-safe characters (256 bits).
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// How a secret is stored: its SHA-256, hex. (A slow hash is not needed: the secret is random.)
pub fn digest(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The service's secret called `name` (random, 256 bits), made on first use and kept in the database so that
/// every instance signs and checks with the same one.
pub async fn service_secret(db: &impl ConnectionTrait, name: &str) -> Result<Vec<u8>> {
    use super::entities::settings;
    let key = format!("secret:{name}");
    settings::Entity::insert(settings::ActiveModel {
        key: Set(key.clone()),
        value: Set(new_secret("")),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(settings::Column::Key)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let row = settings::Entity::find_by_id(key)
        .one(db)
        .await?
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("the {name} secret was not stored")))?;
    Ok(row.value.into_bytes())
}

// ---- passwords ----------------------------------------------------------------------------------

pub fn hash_password(password: &NewPassword) -> Result<String> {
    Argon2::default()
        .hash_password(password.expose().as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(anyhow::anyhow!("hashing a password: {e}")))
}

/// Checked against a hash even when there is none, so that the time taken does not tell whether the
/// account exists.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    Argon2::default()
        .hash_password(new_secret("").as_bytes())
        .map(|h| h.to_string())
        .unwrap_or_default()
});

fn verify_password(hash: Option<&str>, password: &str) -> bool {
    let (hash, real) = match hash {
        Some(h) => (h, true),
        None => (DUMMY_HASH.as_str(), false),
    };
    let ok = PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false);
    ok && real
}

// ---- users --------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub contractor: Option<String>,
    pub active: bool,
    pub demo: bool,
    pub has_password: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

async fn view(db: &impl ConnectionTrait, u: &users::Model) -> Result<UserView> {
    let contractor = match u.contractor_id {
        Some(id) => contractors::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|c| c.code),
        None => None,
    };
    Ok(UserView {
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: Role::parse(&u.role).map_err(|e| Error::Internal(anyhow::anyhow!(e)))?,
        contractor,
        active: u.active,
        demo: u.demo,
        has_password: u.password_hash.is_some(),
        version: u.version,
        created_at: u.created_at,
        updated_at: u.updated_at,
    })
}

/// A new account, parsed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: Username,
    pub display_name: String,
    pub role: Role,
    /// The contractor's code, for (and only for) a contractor account.
    pub contractor: Option<String>,
}

impl NewUser {
    pub fn parse(
        username: &str,
        display_name: Option<&str>,
        role: &str,
        contractor: Option<&str>,
    ) -> Result<NewUser, FieldErrors> {
        let mut errors = FieldErrors::default();
        let username = Username::parse(username)
            .map_err(|e| errors.add("username", e))
            .ok();
        let (display_name, role, contractor) =
            parse_profile(&mut errors, display_name, role, contractor);
        match (username, role, errors.is_empty()) {
            (Some(username), Some(role), true) => Ok(NewUser {
                display_name: display_name.unwrap_or_else(|| username.as_str().to_owned()),
                username,
                role,
                contractor,
            }),
            _ => Err(errors),
        }
    }
}

/// The parts of an account an admin sets: display name, role and, for contractors, the organisation.
fn parse_profile(
    errors: &mut FieldErrors,
    display_name: Option<&str>,
    role: &str,
    contractor: Option<&str>,
) -> (Option<String>, Option<Role>, Option<String>) {
    let display_name = display_name
        .map(crate::domain::text::trim)
        .filter(|d| !d.is_empty());
    if display_name.is_some_and(|d| d.chars().count() > 64 || d.chars().any(char::is_control)) {
        errors.add(
            "display_name",
            "must be at most 64 characters, without control characters",
        );
    }
    let role = Role::parse(role.trim())
        .map_err(|e| errors.add("role", e))
        .ok();
    let contractor = contractor.map(str::trim).filter(|c| !c.is_empty());
    match (role, contractor) {
        (Some(Role::Contractor), None) => errors.add(
            "contractor",
            "a contractor account needs its organisation's code",
        ),
        (Some(r), Some(_)) if r != Role::Contractor => errors.add(
            "contractor",
            "only contractor accounts belong to an organisation",
        ),
        _ => {}
    }
    (
        display_name.map(str::to_owned),
        role,
        contractor.map(str::to_owned),
    )
}

async fn contractor_id(db: &impl ConnectionTrait, code: Option<&str>) -> Result<Option<i32>> {
    let Some(code) = code else { return Ok(None) };
    contractors::Entity::find()
        .filter(contractors::Column::Code.eq(code))
        .one(db)
        .await?
        .map(|c| Some(c.id))
        .ok_or_else(|| Error::invalid("contractor", format!("no contractor with code {code}")))
}

pub async fn find_user(db: &impl ConnectionTrait, username: &str) -> Result<users::Model> {
    users::Entity::find()
        .filter(users::Column::Username.eq(username.trim()))
        .one(db)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no account {username}")))
}

/// Creates an account. Without a password, the account gets a one-time sign-in link (returned as its
/// secret token) with which the person sets their own.
pub async fn create_user(
    db: &DatabaseConnection,
    actor: &Actor,
    new: &NewUser,
    password: Option<&NewPassword>,
) -> Result<(UserView, Option<String>)> {
    let hash = password.map(hash_password).transpose()?;
    let txn = super::begin_write(db).await?;
    let (view, link) = insert_user(&txn, actor, new, hash, false).await?;
    txn.commit().await?;
    Ok((view, link))
}

async fn insert_user(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    new: &NewUser,
    hash: Option<String>,
    demo: bool,
) -> Result<(UserView, Option<String>)> {
    if find_user(txn, new.username.as_str()).await.is_ok() {
        return Err(Error::Conflict {
            message: format!("the username {} is taken", new.username.as_str()),
            current_version: None,
        });
    }
    let contractor_id = contractor_id(txn, new.contractor.as_deref()).await?;
    let now = Utc::now();
    let has_password = hash.is_some();
    let stored = users::Entity::insert(users::ActiveModel {
        id: NotSet,
        username: Set(new.username.as_str().to_owned()),
        display_name: Set(new.display_name.clone()),
        role: Set(new.role.code().to_owned()),
        contractor_id: Set(contractor_id),
        password_hash: Set(hash),
        active: Set(true),
        demo: Set(demo),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_with_returning(txn)
    .await?;
    let view = view(txn, &stored).await?;
    audit::record_one(
        txn,
        actor,
        Change::new("create", "user", &view.username).after(&view),
    )
    .await?;
    let link = if has_password {
        None
    } else {
        Some(insert_link(txn, actor, &stored).await?)
    };
    Ok((view, link))
}

pub async fn users(db: &impl ConnectionTrait) -> Result<Vec<UserView>> {
    let mut out = Vec::new();
    for u in users::Entity::find()
        .order_by_asc(users::Column::Username)
        .all(db)
        .await?
    {
        out.push(view(db, &u).await?);
    }
    Ok(out)
}

pub async fn user(db: &impl ConnectionTrait, username: &str) -> Result<UserView> {
    view(db, &find_user(db, username).await?).await
}

/// What an admin may change on an account.
#[derive(Debug, Clone)]
pub struct UserChanges {
    pub display_name: String,
    pub role: Role,
    pub contractor: Option<String>,
    pub active: bool,
}

impl UserChanges {
    pub fn parse(
        display_name: &str,
        role: &str,
        contractor: Option<&str>,
        active: bool,
    ) -> Result<UserChanges, FieldErrors> {
        let mut errors = FieldErrors::default();
        let (name, role, contractor) =
            parse_profile(&mut errors, Some(display_name), role, contractor);
        if name.is_none() {
            errors.add("display_name", "must not be empty");
        }
        match (name, role, errors.is_empty()) {
            (Some(display_name), Some(role), true) => Ok(UserChanges {
                display_name,
                role,
                contractor,
                active,
            }),
            _ => Err(errors),
        }
    }
}

/// Changes an account if `expected_version` is current. Deactivating signs the person out everywhere
/// (their tokens stop working because every check reads `active`). The last active admin stays.
pub async fn update_user(
    db: &DatabaseConnection,
    actor: &Actor,
    username: &str,
    expected_version: i32,
    changes: &UserChanges,
) -> Result<UserView> {
    let txn = super::begin_write(db).await?;
    let stored = find_user(&txn, username).await?;
    if stored.version != expected_version {
        return Err(Error::Conflict {
            message: format!(
                "account {username} was changed by someone else (version {} now, your edit was based on {expected_version})",
                stored.version
            ),
            current_version: Some(stored.version),
        });
    }
    let stays_admin = changes.active && changes.role == Role::Admin;
    if stored.role == Role::Admin.code() && stored.active && !stays_admin {
        let admins = users::Entity::find()
            .filter(users::Column::Role.eq(Role::Admin.code()))
            .filter(users::Column::Active.eq(true))
            .count(&txn)
            .await?;
        if admins <= 1 {
            return Err(Error::invalid(
                if changes.active { "role" } else { "active" },
                "this is the last active administrator; make another one first",
            ));
        }
    }
    let before = view(&txn, &stored).await?;
    let contractor_id = contractor_id(&txn, changes.contractor.as_deref()).await?;
    let mut active = stored.clone().into_active_model();
    active.display_name = Set(changes.display_name.clone());
    active.role = Set(changes.role.code().to_owned());
    active.contractor_id = Set(contractor_id);
    active.active = Set(changes.active);
    active.version = Set(stored.version + 1);
    active.updated_at = Set(Utc::now());
    let result = users::Entity::update_many()
        .set(active)
        .filter(users::Column::Id.eq(stored.id))
        .filter(users::Column::Version.eq(stored.version))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(Error::Conflict {
            message: format!("account {username} was changed by someone else; reload it"),
            current_version: None,
        });
    }
    if !changes.active || changes.role.code() != stored.role {
        end_sessions(&txn, actor, &stored, None).await?;
    }
    if !changes.active {
        revoke_all(&txn, actor, &stored).await?;
    }
    let after = user(&txn, username).await?;
    audit::record_one(
        &txn,
        actor,
        Change::new("update", "user", username)
            .before(&before)
            .after(&after),
    )
    .await?;
    super::revisions::bump(&txn, super::revisions::ACCOUNTS).await?;
    txn.commit().await?;
    Ok(after)
}

// ---- one-time sign-in links ---------------------------------------------------------------------

/// A new one-time link for `username` (for a first sign-in or a forgotten password). Earlier unused
/// links of that account stop working.
pub async fn issue_link(db: &DatabaseConnection, actor: &Actor, username: &str) -> Result<String> {
    let txn = super::begin_write(db).await?;
    let user = find_user(&txn, username).await?;
    if !user.active {
        return Err(Error::invalid("username", "the account is deactivated"));
    }
    let token = insert_link(&txn, actor, &user).await?;
    txn.commit().await?;
    Ok(token)
}

async fn insert_link(
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
    let gone = || {
        Error::NotFound(
            "this sign-in link is unknown, used or expired; ask an administrator for a new one"
                .into(),
        )
    };
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
    let txn = super::begin_write(db).await?;
    let (link, user) = valid_link(&txn, token).await?;
    let spent = sign_in_links::Entity::update_many()
        .col_expr(sign_in_links::Column::UsedAt, Expr::value(Utc::now()))
        .filter(sign_in_links::Column::Id.eq(link.id))
        .filter(sign_in_links::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if spent.rows_affected != 1 {
        return Err(Error::NotFound("this sign-in link was just used".into()));
    }
    users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(hash))
        .col_expr(users::Column::Version, Expr::value(user.version + 1))
        .col_expr(users::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(users::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    let principal =
        Principal::of(&user, None).ok_or_else(|| Error::NotFound("no such account".into()))?;
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
    super::revisions::bump(&txn, super::revisions::ACCOUNTS).await?;
    txn.commit().await?;
    Ok((principal, session))
}

async fn hash_blocking(password: NewPassword) -> Result<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| Error::Internal(e.into()))?
}

// ---- sessions -----------------------------------------------------------------------------------

/// A session just opened: the cookie's value (shown once, to the browser) and its CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub cookie: String,
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
}

async fn open_session(
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
async fn credential_of(
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
    let txn = super::begin_write(db).await?;
    sessions::Entity::delete_by_id(session.id)
        .exec(&txn)
        .await?;
    audit::record_one(
        &txn,
        &principal.actor(source),
        Change::new("sign_out", "session", &principal.username),
    )
    .await?;
    super::revisions::bump(&txn, super::revisions::ACCOUNTS).await?;
    txn.commit().await?;
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
    let txn = super::begin_write(db).await?;
    let mut wait_until: Option<DateTime<Utc>> = None;
    for (key, throttle) in &keys {
        super::lock_key(&txn, key).await?;
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
    let txn = super::begin_write(db).await?;
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

// ---- API tokens ---------------------------------------------------------------------------------

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
        errors.add(
            "name",
            "must be at most 64 characters, without control characters",
        );
    }
    let days = days.unwrap_or(TOKEN_DEFAULT_DAYS);
    if !(1..=TOKEN_MAX_DAYS).contains(&days) {
        errors.add(
            "expires_in_days",
            format!("must be from 1 to {TOKEN_MAX_DAYS}"),
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
    let txn = super::begin_write(db).await?;
    let user = users::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .filter(|u| u.active)
        .ok_or_else(|| Error::NotFound("no such active account".into()))?;
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
    let txn = super::begin_write(db).await?;
    let owner = users::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no token {id}")))?;
    let stored = api_tokens::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .filter(|t| t.user_id == user_id)
        .ok_or_else(|| Error::NotFound(format!("no token {id}")))?;
    revoke(&txn, actor, &owner, stored).await?;
    let after = TokenView::from(
        api_tokens::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| Error::NotFound(format!("no token {id}")))?,
    );
    super::revisions::bump(&txn, super::revisions::ACCOUNTS).await?;
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
async fn revoke_all(
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

/// Ends every browser session of `owner` but `keep`, audited when there were any.
async fn end_sessions(
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

// ---- first start and demo accounts --------------------------------------------------------------

/// The administrator a fresh database starts with.
pub const FIRST_ADMIN: &str = "admin";

/// While no active administrator has a password, makes sure there is one (`admin`) and returns a
/// fresh one-time link token for it; otherwise `None`. There is never a default password.
pub async fn ensure_admin(db: &DatabaseConnection) -> Result<Option<String>> {
    let txn = super::begin_write(db).await?;
    let usable = users::Entity::find()
        .filter(users::Column::Role.eq(Role::Admin.code()))
        .filter(users::Column::Active.eq(true))
        .filter(users::Column::PasswordHash.is_not_null())
        .filter(users::Column::Demo.eq(false))
        .count(&txn)
        .await?;
    if usable > 0 {
        return Ok(None);
    }
    let actor = Actor::system();
    let token = match find_user(&txn, FIRST_ADMIN).await {
        Ok(user) if user.active && user.role == Role::Admin.code() => {
            insert_link(&txn, &actor, &user).await?
        }
        Ok(_) => return Ok(None),
        Err(_) => {
            let new = NewUser {
                username: Username::parse(FIRST_ADMIN)
                    .map_err(|e| Error::Internal(anyhow::anyhow!(e)))?,
                display_name: "系统管理员".into(),
                role: Role::Admin,
                contractor: None,
            };
            let (_, link) = insert_user(&txn, &actor, &new, None, false).await?;
            link.ok_or_else(|| Error::Internal(anyhow::anyhow!("a new account without a link")))?
        }
    };
    txn.commit().await?;
    Ok(Some(token))
}

/// The demo accounts `serve --demo` creates: known passwords, marked as demo everywhere.
pub const DEMO_ACCOUNTS: &[(&str, &str, Role)] = &[
    ("demo-admin", "演示管理员", Role::Admin),
    ("demo-planner", "演示规划员", Role::Planner),
    ("demo-contractor", "演示施工单位", Role::Contractor),
];
pub const DEMO_PASSWORD: &str = "jiugai-demo-2021";
/// The firm the demo contractor account works for: the first contractor on record (with the demo data, one
/// that has work orders to show), or else a fictional one made for it.
async fn demo_contractor(txn: &impl ConnectionTrait, actor: &Actor) -> Result<String> {
    let first = contractors::Entity::find()
        .order_by_asc(contractors::Column::Code)
        .one(txn)
        .await?;
    if let Some(firm) = first {
        return Ok(firm.code);
    }
    let record = ContractorRecord {
        code: "DEMO".to_owned(),
        name: "演示建筑工程有限公司（虚构）".to_owned(),
        credit_code: CreditCode::parse("91511421MA62U8W3XU")
            .map_err(|e| Error::Internal(anyhow::anyhow!(e)))?,
        qualification: None,
        contact_person: "演示联系人".to_owned(),
        phone: Phone::parse("028-36200000").map_err(|e| Error::Internal(anyhow::anyhow!(e)))?,
        capacity: super::contractors::DEFAULT_CAPACITY,
    };
    Ok(super::contractors::insert(txn, actor, &record).await?.code)
}

/// With `enabled`, creates (or reactivates) the demo accounts; without, deactivates any that exist,
/// so that a database once started with `--demo` does not keep published passwords working.
pub async fn demo_accounts(db: &DatabaseConnection, enabled: bool) -> Result<()> {
    let actor = Actor::system();
    let txn = super::begin_write(db).await?;
    for (username, display_name, role) in DEMO_ACCOUNTS {
        let existing = find_user(&txn, username).await.ok();
        match (existing, enabled) {
            (Some(user), _) if !user.demo => {}
            (Some(user), on) if user.active != on => {
                let before = view(&txn, &user).await?;
                users::Entity::update_many()
                    .col_expr(users::Column::Active, Expr::value(on))
                    .col_expr(users::Column::Version, Expr::value(user.version + 1))
                    .col_expr(users::Column::UpdatedAt, Expr::value(Utc::now()))
                    .filter(users::Column::Id.eq(user.id))
                    .exec(&txn)
                    .await?;
                let after = view(&txn, &find_user(&txn, username).await?).await?;
                audit::record_one(
                    &txn,
                    &actor,
                    Change::new("update", "user", *username)
                        .before(&before)
                        .after(&after),
                )
                .await?;
            }
            (Some(_), _) | (None, false) => {}
            (None, true) => {
                let contractor = if *role == Role::Contractor {
                    Some(demo_contractor(&txn, &actor).await?)
                } else {
                    None
                };
                let new = NewUser {
                    username: Username::parse(username)
                        .map_err(|e| Error::Internal(anyhow::anyhow!(e)))?,
                    display_name: (*display_name).to_owned(),
                    role: *role,
                    contractor,
                };
                let password = NewPassword::parse(DEMO_PASSWORD, username)
                    .map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
                insert_user(&txn, &actor, &new, Some(hash_password(&password)?), true).await?;
            }
        }
    }
    super::revisions::bump(&txn, super::revisions::ACCOUNTS).await?;
    txn.commit().await?;
    Ok(())
}
