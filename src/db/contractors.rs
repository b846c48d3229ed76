//! Contractors (施工单位): the firms the bureau contracts with. Contractor accounts belong to one of them and see
//! only what was issued to it.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use serde::{Deserialize, Serialize};

use super::audit::{self, Actor, Change};
use super::entities::{contractors, projects};
use crate::domain::FieldErrors;
use crate::domain::credit_code::CreditCode;
use crate::domain::phone::Phone;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize)]
pub struct ContractorView {
    pub code: String,
    pub name: String,
    pub credit_code: Option<String>,
    pub qualification: Option<String>,
    pub contact_person: Option<String>,
    pub phone: Option<String>,
    pub capacity: i32,
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

impl From<contractors::Model> for ContractorView {
    fn from(m: contractors::Model) -> Self {
        ContractorView {
            code: m.code,
            name: m.name,
            credit_code: m.credit_code,
            qualification: m.qualification,
            contact_person: m.contact_person,
            phone: m.phone,
            capacity: m.capacity,
            version: m.version,
            created_at: m.created_at,
        }
    }
}

/// A contractor as the bureau records it, every field checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ContractorRecord {
    pub code: String,
    pub name: String,
    pub credit_code: CreditCode,
    pub qualification: Option<String>,
    pub contact_person: String,
    pub phone: Phone,
    pub capacity: i32,
}

/// A contractor as sent (the API's JSON body, the CLI's arguments, the data set's file): a create (`code`
/// required) or an update (`code` may be left out, and cannot change).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractorInput {
    #[serde(default)]
    pub code: Option<String>,
    pub name: String,
    pub credit_code: String,
    #[serde(default)]
    pub qualification: Option<String>,
    pub contact_person: String,
    pub phone: String,
    #[serde(default)]
    pub capacity: Option<i64>,
}

pub const DEFAULT_CAPACITY: i32 = 3;
const MAX_CAPACITY: i64 = 500;

impl ContractorRecord {
    /// Checks a create (`path_code` None) or an update of the contractor `path_code`.
    pub fn parse(input: &ContractorInput, path_code: Option<&str>) -> Result<Self> {
        let texts = [
            ("code", input.code.as_deref().unwrap_or_default()),
            ("name", &input.name),
            ("credit_code", &input.credit_code),
            (
                "qualification",
                input.qualification.as_deref().unwrap_or_default(),
            ),
            ("contact_person", &input.contact_person),
            ("phone", &input.phone),
        ];
        if let Some((field, _)) = texts
            .iter()
            .find(|(_, text)| !crate::domain::text::clean(text))
        {
            return Err(Error::invalid(*field, "不能包含控制字符（如空字符）"));
        }
        let input = input.clone();
        let mut errors = FieldErrors::default();
        let code = match (path_code, input.code.as_deref().map(str::trim)) {
            (Some(path), None) => path.to_owned(),
            (Some(path), Some(code)) if code == path => path.to_owned(),
            (Some(_), Some(_)) => {
                errors.add("code", "施工单位编号不能修改");
                String::new()
            }
            (None, None) => {
                errors.add("code", "必填");
                String::new()
            }
            (None, Some(code)) => {
                if !(2..=32).contains(&code.len())
                    || !code
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
                {
                    errors.add("code", "编号须为 2 到 32 个大写字母 A–Z、数字 0–9 或 -");
                }
                code.to_owned()
            }
        };
        let mut text = |field: &str, value: &str, max: usize| {
            let value = crate::domain::text::trim(value);
            if value.is_empty() || value.chars().count() > max {
                errors.add(field, format!("须为 1 到 {max} 个字"));
            }
            value.to_owned()
        };
        let name = text("name", &input.name, 200);
        let contact_person = text("contact_person", &input.contact_person, 64);
        let qualification = input
            .qualification
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(|q| text("qualification", q, 200));
        let credit_code = CreditCode::parse(&input.credit_code)
            .map_err(|e| errors.add("credit_code", e))
            .ok();
        let phone = Phone::parse(&input.phone)
            .map_err(|e| errors.add("phone", e))
            .ok();
        let capacity = match input.capacity {
            None => DEFAULT_CAPACITY,
            Some(n) if (1..=MAX_CAPACITY).contains(&n) => n as i32,
            Some(_) => {
                errors.add(
                    "capacity",
                    format!("可同时承担的项目数须为 1 到 {MAX_CAPACITY} 之间的整数"),
                );
                DEFAULT_CAPACITY
            }
        };
        match (credit_code, phone) {
            (Some(credit_code), Some(phone)) if errors.is_empty() => Ok(ContractorRecord {
                code,
                name,
                credit_code,
                qualification,
                contact_person,
                phone,
                capacity,
            }),
            _ => Err(Error::Invalid(errors)),
        }
    }
}

/// Records a new contractor, audited, inside the caller's transaction.
pub async fn insert(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    record: &ContractorRecord,
) -> Result<ContractorView> {
    let taken = contractors::Entity::find()
        .filter(contractors::Column::Code.eq(&record.code))
        .one(txn)
        .await?;
    if taken.is_some() {
        return Err(Error::Conflict {
            message: format!("编号为 {} 的施工单位已经存在", record.code),
            field: Some("code"),
        });
    }
    credit_code_unused(txn, record, None).await?;
    let stored = contractors::Entity::insert(contractors::ActiveModel {
        id: NotSet,
        code: Set(record.code.clone()),
        name: Set(record.name.clone()),
        version: Set(1),
        created_at: Set(Utc::now()),
        credit_code: Set(Some(record.credit_code.to_string())),
        qualification: Set(record.qualification.clone()),
        contact_person: Set(Some(record.contact_person.clone())),
        phone: Set(Some(record.phone.as_str().to_owned())),
        capacity: Set(record.capacity),
    })
    .exec_with_returning(txn)
    .await?;
    let view = ContractorView::from(stored);
    audit::record_one(
        txn,
        actor,
        Change::new("create", "contractor", &record.code).after(&view),
    )
    .await?;
    Ok(view)
}

pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    record: &ContractorRecord,
) -> Result<ContractorView> {
    let txn = super::begin_write(db).await?;
    let view = insert(&txn, actor, record).await?;
    txn.commit().await?;
    Ok(view)
}

/// Rewrites a contractor's record if `expected_version` is still current.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    expected_version: i32,
    record: &ContractorRecord,
) -> Result<ContractorView> {
    let txn = super::begin_write(db).await?;
    let stored = find(&txn, &record.code, None).await?;
    if stored.version != expected_version {
        return Err(Error::StaleVersion {
            message: format!(
                "施工单位 {} 已被他人修改（现为第 {} 版）；请刷新后重新修改",
                record.code, stored.version
            ),
            current_version: Some(stored.version),
        });
    }
    credit_code_unused(&txn, record, Some(stored.id)).await?;
    let before = ContractorView::from(stored.clone());
    let result = contractors::Entity::update_many()
        .set(contractors::ActiveModel {
            name: Set(record.name.clone()),
            credit_code: Set(Some(record.credit_code.to_string())),
            qualification: Set(record.qualification.clone()),
            contact_person: Set(Some(record.contact_person.clone())),
            phone: Set(Some(record.phone.as_str().to_owned())),
            capacity: Set(record.capacity),
            version: Set(stored.version + 1),
            ..Default::default()
        })
        .filter(contractors::Column::Id.eq(stored.id))
        .filter(contractors::Column::Version.eq(stored.version))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(Error::StaleVersion {
            message: format!("施工单位 {} 刚被他人修改，请刷新后再改", record.code),
            current_version: None,
        });
    }
    let updated = find(&txn, &record.code, None).await?;
    let view = ContractorView::from(updated);
    audit::record_one(
        &txn,
        actor,
        Change::new("update", "contractor", &record.code)
            .before(&before)
            .after(&view),
    )
    .await?;
    txn.commit().await?;
    Ok(view)
}

async fn credit_code_unused(
    txn: &impl ConnectionTrait,
    record: &ContractorRecord,
    except: Option<i32>,
) -> Result<()> {
    let holder = contractors::Entity::find()
        .filter(contractors::Column::CreditCode.eq(record.credit_code.as_str()))
        .one(txn)
        .await?;
    match holder {
        Some(other) if Some(other.id) != except => Err(Error::invalid(
            "credit_code",
            format!(
                "已是施工单位 {}（{}）的统一社会信用代码",
                other.code, other.name
            ),
        )),
        _ => Ok(()),
    }
}

/// All contractors, or only the one with id `only` (a contractor sees its own organisation only).
pub async fn list(db: &impl ConnectionTrait, only: Option<i32>) -> Result<Vec<ContractorView>> {
    let mut query = contractors::Entity::find().order_by_asc(contractors::Column::Code);
    if let Some(id) = only {
        query = query.filter(contractors::Column::Id.eq(id));
    }
    Ok(query.all(db).await?.into_iter().map(Into::into).collect())
}

/// One contractor. With `only`, any other organisation is "not found", exactly like a missing one.
pub async fn find(
    db: &impl ConnectionTrait,
    code: &str,
    only: Option<i32>,
) -> Result<contractors::Model> {
    contractors::Entity::find()
        .filter(contractors::Column::Code.eq(code))
        .one(db)
        .await?
        .filter(|c| only.is_none_or(|id| id == c.id))
        .ok_or_else(|| Error::NotFound(format!("没有编号为 {code} 的施工单位")))
}

pub async fn get(
    db: &impl ConnectionTrait,
    code: &str,
    only: Option<i32>,
) -> Result<ContractorView> {
    find(db, code, only).await.map(Into::into)
}

/// For each firm (by code) with any, how many of its projects are assigned and not completed: what it has on
/// hand against its capacity.
pub async fn open_projects_by_firm(
    db: &impl ConnectionTrait,
) -> Result<std::collections::HashMap<String, u64>> {
    let codes: std::collections::HashMap<i32, String> = contractors::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.code))
        .collect();
    let mut counts = std::collections::HashMap::new();
    let open = projects::Entity::find()
        .filter(projects::Column::ContractorId.is_not_null())
        .filter(projects::Column::Progress.ne(crate::db::entities::projects::Progress::Completed))
        .all(db)
        .await?;
    for code in open
        .iter()
        .filter_map(|p| p.contractor_id.and_then(|id| codes.get(&id)))
    {
        *counts.entry(code.clone()).or_insert(0) += 1;
    }
    Ok(counts)
}

/// How many of the firm's projects are under way or assigned and not completed.
pub async fn open_projects(db: &impl ConnectionTrait, contractor_id: i32) -> Result<u64> {
    Ok(projects::Entity::find()
        .filter(projects::Column::ContractorId.eq(contractor_id))
        .filter(projects::Column::Progress.ne(crate::db::entities::projects::Progress::Completed))
        .count(db)
        .await?)
}
