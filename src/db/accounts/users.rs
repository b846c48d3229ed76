//! Accounts as read and parsed: the account view, a new account's and an admin's changes parsed, lookups.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::db::entities::{contractors, users};
use crate::domain::FieldErrors;
use crate::domain::account::{Role, Username};
use crate::error::{Error, Result};

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

pub(super) async fn view(db: &impl ConnectionTrait, u: &users::Model) -> Result<UserView> {
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
        errors.add("display_name", "显示名称最多 64 个字，且不能包含控制字符");
    }
    let role = Role::parse(role.trim())
        .map_err(|e| errors.add("role", e))
        .ok();
    let contractor = contractor.map(str::trim).filter(|c| !c.is_empty());
    match (role, contractor) {
        (Some(Role::Contractor), None) => {
            errors.add("contractor", "施工单位账号须指定所属施工单位")
        }
        (Some(r), Some(_)) if r != Role::Contractor => {
            errors.add("contractor", "只有施工单位账号才属于某个施工单位")
        }
        _ => {}
    }
    (
        display_name.map(str::to_owned),
        role,
        contractor.map(str::to_owned),
    )
}

pub async fn find_user(db: &impl ConnectionTrait, username: &str) -> Result<users::Model> {
    users::Entity::find()
        .filter(users::Column::Username.eq(username.trim()))
        .one(db)
        .await?
        .ok_or_else(|| Error::NotFound(format!("没有账号 {username}")))
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
            errors.add("display_name", "显示名称不能为空");
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
