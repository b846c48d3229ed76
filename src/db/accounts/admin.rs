//! Creating and changing accounts: an administrator's work, the first administrator of a fresh database, and
//! the demo accounts.

use chrono::Utc;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder,
};

use super::links::insert_link;
use super::secrets::hash_password;
use super::sessions::end_sessions;
use super::tokens::revoke_all;
use super::users::{NewUser, UserChanges, UserView, find_user, user, view};
use crate::db::audit::{self, Actor, Change};
use crate::db::contractors::ContractorRecord;
use crate::db::entities::{contractors, users};
use crate::domain::account::{NewPassword, Role, Username};
use crate::domain::credit_code::CreditCode;
use crate::domain::phone::Phone;
use crate::error::{Error, Result};

async fn contractor_id(db: &impl ConnectionTrait, code: Option<&str>) -> Result<Option<i32>> {
    let Some(code) = code else { return Ok(None) };
    contractors::Entity::find()
        .filter(contractors::Column::Code.eq(code))
        .one(db)
        .await?
        .map(|c| Some(c.id))
        .ok_or_else(|| Error::invalid("contractor", format!("没有编号为 {code} 的施工单位")))
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
    let txn = crate::db::begin_write(db).await?;
    let (view, link) = insert_user(&txn, actor, new, hash, false).await?;
    txn.commit().await?;
    Ok((view, link))
}

pub(super) async fn insert_user(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    new: &NewUser,
    hash: Option<String>,
    demo: bool,
) -> Result<(UserView, Option<String>)> {
    if find_user(txn, new.username.as_str()).await.is_ok() {
        return Err(Error::Conflict {
            message: format!("用户名 {} 已被占用，请换一个", new.username.as_str()),
            field: Some("username"),
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

/// Changes an account if `expected_version` is current. Deactivating signs the person out everywhere
/// (their tokens stop working because every check reads `active`). The last active admin stays.
pub async fn update_user(
    db: &DatabaseConnection,
    actor: &Actor,
    username: &str,
    expected_version: i32,
    changes: &UserChanges,
) -> Result<UserView> {
    let txn = crate::db::begin_write(db).await?;
    let stored = find_user(&txn, username).await?;
    if stored.version != expected_version {
        return Err(Error::StaleVersion {
            message: format!(
                "账号 {username} 已被他人修改（现为第 {} 版，您是在第 {expected_version} 版上修改的）",
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
                "这是最后一个启用的管理员账号；请先设立另一个管理员",
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
        return Err(Error::StaleVersion {
            message: format!("账号 {username} 刚被他人修改，请刷新后再改"),
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
    crate::db::revisions::bump(&txn, crate::db::revisions::ACCOUNTS).await?;
    txn.commit().await?;
    Ok(after)
}

// ---- first start and demo accounts --------------------------------------------------------------

/// The administrator a fresh database starts with.
pub const FIRST_ADMIN: &str = "admin";

/// While no active administrator has a password, makes sure there is one (`admin`) and returns a
/// fresh one-time link token for it; otherwise `None`. There is never a default password.
pub async fn ensure_admin(db: &DatabaseConnection) -> Result<Option<String>> {
    let txn = crate::db::begin_write(db).await?;
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
        capacity: crate::db::contractors::DEFAULT_CAPACITY,
    };
    Ok(crate::db::contractors::insert(txn, actor, &record)
        .await?
        .code)
}

/// With `enabled`, creates (or reactivates) the demo accounts; without, deactivates any that exist,
/// so that a database once started with `--demo` does not keep published passwords working.
pub async fn demo_accounts(db: &DatabaseConnection, enabled: bool) -> Result<()> {
    let actor = Actor::system();
    let txn = crate::db::begin_write(db).await?;
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
    crate::db::revisions::bump(&txn, crate::db::revisions::ACCOUNTS).await?;
    txn.commit().await?;
    Ok(())
}
