//! The work-item catalog and the policy, as stored.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;

use super::audit::{self, Actor, Change};
use super::entities::{
    compounds, project_sites, projects, scope_items, settings, work_classes, work_items,
};
use crate::domain::FieldErrors;
use crate::domain::catalog::{Catalog, WorkClass, WorkItem};
use crate::domain::policy::Policy;
use crate::error::{Error, Result};

const POLICY_KEY: &str = "policy";

/// Loads the whole catalog (it is small: tens of rows).
pub async fn load(db: &impl ConnectionTrait) -> anyhow::Result<Catalog> {
    let classes = work_classes::Entity::find()
        .order_by_asc(work_classes::Column::Rank)
        .all(db)
        .await?;
    let class_codes: HashMap<i32, String> =
        classes.iter().map(|c| (c.id, c.code.clone())).collect();
    let items = work_items::Entity::find()
        .order_by_asc(work_items::Column::Code)
        .all(db)
        .await?;
    let items = items
        .into_iter()
        .map(|i| {
            Ok(WorkItem {
                class: class_codes.get(&i.class_id).cloned().unwrap_or_default(),
                unit_cost_yuan: i.unit_cost_fen as f64 / 100.0,
                quantity: i.quantity_rule.parse().map_err(anyhow::Error::msg)?,
                remedies: serde_json::from_str(&i.remedies)?,
                code: i.code,
                name: i.name,
                unit: i.unit,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let classes = classes
        .into_iter()
        .map(|c| WorkClass {
            code: c.code,
            name: c.name,
            rank: c.rank,
            description: c.description,
        })
        .collect();
    Ok(Catalog { classes, items })
}

/// Writes a catalog into an empty database.
pub async fn insert(db: &impl ConnectionTrait, catalog: &Catalog) -> anyhow::Result<()> {
    let mut class_ids = HashMap::new();
    for class in &catalog.classes {
        let row = work_classes::ActiveModel {
            code: Set(class.code.clone()),
            name: Set(class.name.clone()),
            rank: Set(class.rank),
            description: Set(class.description.clone()),
            ..Default::default()
        };
        let id = work_classes::Entity::insert(row)
            .exec(db)
            .await?
            .last_insert_id;
        class_ids.insert(class.code.as_str(), id);
    }
    for item in &catalog.items {
        let row = work_items::ActiveModel {
            code: Set(item.code.clone()),
            name: Set(item.name.clone()),
            class_id: Set(class_ids[item.class.as_str()]),
            unit: Set(item.unit.clone()),
            unit_cost_fen: Set(item.unit_cost_fen()),
            quantity_rule: Set(item.quantity.to_string()),
            remedies: Set(serde_json::to_string(&item.remedies)?),
            archived: Set(false),
            ..Default::default()
        };
        work_items::Entity::insert(row).exec(db).await?;
    }
    Ok(())
}

/// Ids of work items by code, for writing scopes.
pub async fn item_ids(db: &impl ConnectionTrait) -> anyhow::Result<HashMap<String, i32>> {
    Ok(work_items::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.code, i.id))
        .collect())
}

pub async fn load_policy(db: &impl ConnectionTrait) -> anyhow::Result<Option<Policy>> {
    let row = settings::Entity::find_by_id(POLICY_KEY.to_owned())
        .one(db)
        .await?;
    row.map(|r| serde_json::from_str(&r.value).map_err(Into::into))
        .transpose()
}

pub async fn save_policy(db: &impl ConnectionTrait, policy: &Policy) -> anyhow::Result<()> {
    let row = settings::ActiveModel {
        key: Set(POLICY_KEY.to_owned()),
        value: Set(serde_json::to_string(policy)?),
    };
    settings::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(settings::Column::Key)
                .update_column(settings::Column::Value)
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

// ---- Writes from the settings pages: versions, a work item's edit with re-pricing, the policy. ----

const POLICY_VERSION_KEY: &str = "policy.version";
const ITEM_VERSION_PREFIX: &str = "work_item.version.";

/// A version kept in the settings table (1 when never written).
async fn version_of(db: &impl ConnectionTrait, key: &str) -> Result<i32> {
    Ok(settings::Entity::find_by_id(key.to_owned())
        .one(db)
        .await?
        .and_then(|r| r.value.parse().ok())
        .unwrap_or(1))
}

async fn set_version(db: &impl ConnectionTrait, key: &str, version: i32) -> Result<()> {
    let row = settings::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(version.to_string()),
    };
    settings::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(settings::Column::Key)
                .update_column(settings::Column::Value)
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Checks the version a form was made from against the stored one.
fn check_version(what: &str, stored: i32, expected: i32) -> Result<()> {
    if stored == expected {
        return Ok(());
    }
    Err(Error::StaleVersion {
        message: format!(
            "{what}已被他人修改（现为第 {stored} 版，您是在第 {expected} 版上修改的）"
        ),
        current_version: Some(stored),
    })
}

/// The policy's version: each save through the settings page raises it.
pub async fn policy_version(db: &impl ConnectionTrait) -> Result<i32> {
    version_of(db, POLICY_VERSION_KEY).await
}

/// Each work item's version, by code (1 for an item never edited).
pub async fn item_versions(db: &impl ConnectionTrait) -> Result<HashMap<String, i32>> {
    let rows = settings::Entity::find()
        .filter(settings::Column::Key.starts_with(ITEM_VERSION_PREFIX))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let code = r.key.strip_prefix(ITEM_VERSION_PREFIX)?.to_owned();
            Some((code, r.value.parse().ok()?))
        })
        .collect())
}

/// How many compounds the work items are used by, by item code.
pub async fn item_use(db: &impl ConnectionTrait) -> Result<HashMap<String, usize>> {
    let codes: HashMap<i32, String> = work_items::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i.code))
        .collect();
    let mut used = HashMap::new();
    for line in scope_items::Entity::find().all(db).await? {
        if let Some(code) = codes.get(&line.work_item_id) {
            *used.entry(code.clone()).or_insert(0) += 1;
        }
    }
    Ok(used)
}

/// A work item as the settings page edits it.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemEdit {
    pub name: String,
    pub unit: String,
    pub unit_cost_yuan: f64,
}

/// The largest unit cost taken (¥100 million a unit): beyond it, a typing mistake.
const MAX_UNIT_COST_YUAN: f64 = 100_000_000.0;

impl ItemEdit {
    pub fn checked(mut self) -> Result<ItemEdit> {
        let mut errors = FieldErrors::default();
        self.name = self.name.trim().to_owned();
        self.unit = self.unit.trim().to_owned();
        if self.name.is_empty() {
            errors.add("name", "必填");
        } else if self.name.chars().count() > 100 || self.name.chars().any(char::is_control) {
            errors.add("name", "名称最多 100 个字，不能包含控制字符");
        }
        if self.unit.is_empty() {
            errors.add("unit", "必填，如 m²、户、处");
        } else if self.unit.chars().count() > 10 || self.unit.chars().any(char::is_control) {
            errors.add("unit", "单位最多 10 个字，如 m²、户、处");
        }
        let fen = self.unit_cost_yuan * 100.0;
        if !(self.unit_cost_yuan.is_finite()
            && (0.0..=MAX_UNIT_COST_YUAN).contains(&self.unit_cost_yuan))
        {
            errors.add("unit_cost_yuan", "单价须为 0 到 1 亿元之间的金额");
        } else if (fen - fen.round()).abs() > 1e-6 {
            errors.add("unit_cost_yuan", "单价最多精确到分（两位小数）");
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(Error::Invalid(errors))
        }
    }
}

/// What saving a work item did: the compounds whose estimates were priced again, and those left as they were
/// because they are past pricing (contracted, in construction or done, archived).
#[derive(Debug, Clone, Default)]
pub struct Repriced {
    pub compounds: usize,
    pub kept: usize,
}

/// Statuses whose estimate still follows the catalog: before a contract is signed.
const PRICED_STATUSES: [&str; 4] = ["catalogued", "surveyed", "planned", "notice"];

/// Saves a work item's name, unit and unit cost, if `expected_version` is still current. When its price
/// changes (its unit cost, or its unit, which decides rounding), every compound not yet contracted whose scope
/// uses it is priced again in the same transaction: its stored estimate, category and feature rewritten as a new
/// version, audited with the estimate before and after. The compounds' revision is bumped so every instance's
/// lists and plans see it.
pub async fn update_item(
    db: &DatabaseConnection,
    actor: &Actor,
    code: &str,
    expected_version: i32,
    edit: &ItemEdit,
) -> Result<Repriced> {
    let edit = edit.clone().checked()?;
    let txn = super::begin_write(db).await?;
    super::lock_key(&txn, &format!("work_item:{code}")).await?;
    let stored = work_items::Entity::find()
        .filter(work_items::Column::Code.eq(code))
        .one(&txn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("没有编号为 {code} 的工程项目")))?;
    let key = format!("{ITEM_VERSION_PREFIX}{code}");
    let version = version_of(&txn, &key).await?;
    check_version(&format!("工程项目 {code} "), version, expected_version)?;
    let fen = (edit.unit_cost_yuan * 100.0).round() as i64;
    let view = |name: &str, unit: &str, fen: i64| json!({"name": name, "unit": unit, "unit_cost_yuan": fen as f64 / 100.0});
    let before = view(&stored.name, &stored.unit, stored.unit_cost_fen);
    let after = view(&edit.name, &edit.unit, fen);
    if before == after {
        return Ok(Repriced::default());
    }
    let repricing = stored.unit_cost_fen != fen || stored.unit != edit.unit;
    let mut active: work_items::ActiveModel = stored.clone().into();
    active.name = Set(edit.name.clone());
    active.unit = Set(edit.unit.clone());
    active.unit_cost_fen = Set(fen);
    active.update(&txn).await?;
    set_version(&txn, &key, version + 1).await?;
    let mut changes = vec![
        Change::new("update", "work_item", code)
            .before(before)
            .after(after),
    ];
    let mut done = Repriced::default();
    if repricing {
        let (repriced, kept) = reprice(&txn, stored.id).await?;
        done = Repriced {
            compounds: repriced.len(),
            kept,
        };
        changes.extend(repriced);
        super::revisions::bump(&txn, super::revisions::COMPOUNDS).await?;
    }
    audit::record(&txn, actor, changes).await?;
    txn.commit().await?;
    Ok(done)
}

/// Prices again every compound whose scope uses work item `item_id` and whose estimate still follows the
/// catalog; returns the audit changes of those whose estimate changed, and how many were left as they were.
async fn reprice(txn: &impl ConnectionTrait, item_id: i32) -> Result<(Vec<Change>, usize)> {
    use super::compounds as c;
    let ids: Vec<i32> = scope_items::Entity::find()
        .filter(scope_items::Column::WorkItemId.eq(item_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|l| l.compound_id)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if ids.is_empty() {
        return Ok((Vec::new(), 0));
    }
    // Compounds in a project with a contract keep the estimate the contract was signed against.
    let contracted_projects: Vec<i32> = projects::Entity::find()
        .filter(projects::Column::ContractAmountFen.is_not_null())
        .all(txn)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let contracted: std::collections::HashSet<i32> = project_sites::Entity::find()
        .filter(project_sites::Column::ProjectId.is_in(contracted_projects))
        .all(txn)
        .await?
        .into_iter()
        .map(|s| s.compound_id)
        .collect();
    let stored = compounds::Entity::find()
        .filter(compounds::Column::Id.is_in(ids))
        .order_by_asc(compounds::Column::Code)
        .all(txn)
        .await?;
    let (open, past): (Vec<_>, Vec<_>) = stored.into_iter().partition(|m| {
        !m.archived && PRICED_STATUSES.contains(&m.status.as_str()) && !contracted.contains(&m.id)
    });
    let catalog = load(txn).await?;
    let lookup = c::Lookup::load(txn).await?;
    let mut scopes = c::scopes(txn, open.iter().map(|m| m.id).collect(), &lookup).await?;
    let mut changes = Vec::new();
    for old in open {
        let scope = scopes.remove(&old.id).unwrap_or_default();
        let estimate = crate::domain::cost::estimate(&catalog, &c::figures(&old), &scope)
            .map_err(|e| anyhow::anyhow!("stored scope of {} no longer prices: {e:?}", old.code))?;
        if estimate.total_fen == old.estimated_cost_fen && estimate.category == old.category_derived
        {
            continue;
        }
        let category = if old.category_override.is_some() {
            old.category.clone()
        } else {
            estimate.category.clone()
        };
        let new = compounds::Model {
            estimated_cost_fen: estimate.total_fen,
            category_derived: estimate.category.clone(),
            category,
            version: old.version + 1,
            updated_at: chrono::Utc::now(),
            ..old.clone()
        }
        .with_feature(lookup.names(&old), &scope)?;
        changes.push(
            Change::new("reprice", "compound", &old.code)
                .before(
                    json!({"estimated_cost_yuan": old.estimated_cost_fen as f64 / 100.0,
                               "category": old.category}),
                )
                .after(
                    json!({"estimated_cost_yuan": new.estimated_cost_fen as f64 / 100.0,
                              "category": new.category}),
                ),
        );
        c::versioned_write(txn, &old, new).await?;
    }
    Ok((changes, past.len()))
}

/// Saves the policy edited on the settings page, if `expected_version` is still current: checked, audited
/// (the settings before and after, in words), and the compounds' and notices' revisions bumped (priorities,
/// plans and the public notices' phone and periods follow it).
pub async fn update_policy(
    db: &DatabaseConnection,
    actor: &Actor,
    expected_version: i32,
    policy: &Policy,
) -> Result<()> {
    policy.check().map_err(Error::Invalid)?;
    let txn = super::begin_write(db).await?;
    super::lock_key(&txn, POLICY_VERSION_KEY).await?;
    let version = policy_version(&txn).await?;
    check_version("政策参数", version, expected_version)?;
    let stored = load_policy(&txn)
        .await?
        .ok_or_else(|| Error::NotFound("尚未载入政策参数".into()))?;
    if stored == *policy {
        return Ok(());
    }
    let catalog = load(&txn).await?;
    policy.check_against(&catalog).map_err(Error::Invalid)?;
    save_policy(&txn, policy).await?;
    set_version(&txn, POLICY_VERSION_KEY, version + 1).await?;
    super::revisions::bump(&txn, super::revisions::COMPOUNDS).await?;
    super::revisions::bump(&txn, super::revisions::NOTICES).await?;
    audit::record_one(
        &txn,
        actor,
        Change::new("update", "policy", "policy")
            .before(stored.settings_view(&catalog))
            .after(policy.settings_view(&catalog)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
