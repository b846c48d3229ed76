//! Projects (项目): an approved batch turns each compound, or each district bundle (片区), into one project. The
//! bureau assigns it a contractor, a contract amount and planned dates; its work orders are issued from it and its
//! contractor reports progress on it.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;

use super::audit::{self, Actor, Change};
use super::entities::projects::Progress;
use super::entities::{
    batch_members, batches, compounds, contractors, project_sites, projects, towns,
};
use crate::domain::cost::fen_as_yuan;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize)]
pub struct SiteView {
    pub code: String,
    pub name: String,
    pub town: String,
    pub households: i32,
    pub status: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectView {
    pub code: String,
    pub name: String,
    pub year: i32,
    #[serde(rename = "estimated_cost_yuan", serialize_with = "fen_as_yuan")]
    pub estimated_cost_fen: i64,
    pub contractor: Option<String>,
    pub contractor_name: Option<String>,
    #[serde(
        rename = "contract_amount_yuan",
        serialize_with = "optional_fen_as_yuan"
    )]
    pub contract_amount_fen: Option<i64>,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub dates_reason: Option<String>,
    pub progress: Progress,
    pub percent: i32,
    pub sites: Vec<SiteView>,
    /// The sites' funding splits added up by source (on the one project's view only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub funding: Option<crate::domain::funding::Split>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

fn optional_fen_as_yuan<S: serde::Serializer>(fen: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match fen {
        Some(fen) => fen_as_yuan(fen, s),
        None => s.serialize_none(),
    }
}

/// Makes the projects of an approved batch: one per district bundle, one per compound outside a bundle,
/// numbered `RS-2021-P001…` in the order of their first compound's code. Inside the approval's transaction.
pub async fn create_for_batch(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    batch_id: i32,
    year: i32,
    code_prefix: &str,
) -> Result<Vec<String>> {
    let members = batch_members::Entity::find()
        .filter(batch_members::Column::BatchId.eq(batch_id))
        .all(txn)
        .await?;
    let compound_rows: HashMap<i32, compounds::Model> = compounds::Entity::find()
        .filter(compounds::Column::Id.is_in(members.iter().map(|m| m.compound_id)))
        .all(txn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    // Group: a bundle is one project; a compound outside any bundle is its own.
    let mut groups: BTreeMap<String, Vec<&compounds::Model>> = BTreeMap::new();
    let mut bundles: HashMap<i32, String> = HashMap::new();
    let mut sorted: Vec<(&batch_members::Model, &compounds::Model)> = members
        .iter()
        .filter_map(|m| compound_rows.get(&m.compound_id).map(|c| (m, c)))
        .collect();
    sorted.sort_by(|a, b| a.1.code.cmp(&b.1.code));
    for (member, compound) in sorted {
        let key = match member.bundle {
            Some(bundle) => bundles
                .entry(bundle)
                .or_insert_with(|| compound.code.clone())
                .clone(),
            None => compound.code.clone(),
        };
        groups.entry(key).or_default().push(compound);
    }
    let now = Utc::now();
    let mut codes = Vec::with_capacity(groups.len());
    let mut changes = Vec::with_capacity(groups.len());
    for (i, sites) in groups.values().enumerate() {
        let code = format!("{code_prefix}-{year}-P{:03}", i + 1);
        let name = match sites.as_slice() {
            [one] => format!("{}改造项目", one.name),
            [first, ..] => format!("{}等{}个小区改造项目", first.name, sites.len()),
            [] => continue,
        };
        let estimated: i64 = sites.iter().map(|c| c.estimated_cost_fen).sum();
        let project = projects::Entity::insert(projects::ActiveModel {
            code: Set(code.clone()),
            batch_id: Set(batch_id),
            year: Set(year),
            name: Set(name.clone()),
            estimated_cost_fen: Set(estimated),
            contractor_id: Set(None),
            contract_amount_fen: Set(None),
            planned_start: Set(None),
            planned_end: Set(None),
            dates_reason: Set(None),
            progress: Set(Progress::NotStarted),
            percent: Set(0),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec(txn)
        .await?
        .last_insert_id;
        for (position, site) in sites.iter().enumerate() {
            project_sites::Entity::insert(project_sites::ActiveModel {
                project_id: Set(project),
                compound_id: Set(site.id),
                position: Set(position as i32),
                ..Default::default()
            })
            .exec(txn)
            .await?;
        }
        changes.push(
            Change::new("create", "project", &code).after(serde_json::json!({
                "code": code, "name": name, "year": year,
                "compounds": sites.iter().map(|c| &c.code).collect::<Vec<_>>(),
                "estimated_cost_yuan": estimated as f64 / 100.0,
            })),
        );
        codes.push(code);
    }
    audit::record(txn, actor, changes).await?;
    Ok(codes)
}

/// Batches approved before projects existed get theirs (a database migrated from before work orders).
pub async fn ensure_for_all_batches(db: &DatabaseConnection) -> Result<usize> {
    let Some(policy) = super::catalog::load_policy(db).await? else {
        return Ok(0);
    };
    let with_projects: Vec<i32> = projects::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.batch_id)
        .collect();
    let mut made = 0;
    for batch in batches::Entity::find()
        .order_by_asc(batches::Column::Year)
        .all(db)
        .await?
    {
        if with_projects.contains(&batch.id) {
            continue;
        }
        let txn = super::begin_write(db).await?;
        made += create_for_batch(
            &txn,
            &Actor::system(),
            batch.id,
            batch.year,
            &policy.code_prefix,
        )
        .await?
        .len();
        txn.commit().await?;
    }
    Ok(made)
}

/// Projects, of one year or all, in code order; with `own`, only those assigned to that contractor.
pub async fn list(
    db: &impl ConnectionTrait,
    year: Option<i32>,
    own: Option<i32>,
) -> Result<Vec<ProjectView>> {
    let mut query = projects::Entity::find().order_by_asc(projects::Column::Code);
    if let Some(year) = year {
        query = query.filter(projects::Column::Year.eq(year));
    }
    if let Some(id) = own {
        query = query.filter(projects::Column::ContractorId.eq(id));
    }
    let rows = query.all(db).await?;
    views(db, rows).await
}

/// One project; a contractor's view of another firm's project is "not found", exactly like a missing one.
pub async fn find(
    db: &impl ConnectionTrait,
    code: &str,
    own: Option<i32>,
) -> Result<projects::Model> {
    projects::Entity::find()
        .filter(projects::Column::Code.eq(code))
        .one(db)
        .await?
        .filter(|p| own.is_none_or(|id| p.contractor_id == Some(id)))
        .ok_or_else(|| Error::NotFound(format!("没有编号为 {code} 的项目")))
}

pub async fn get(db: &impl ConnectionTrait, code: &str, own: Option<i32>) -> Result<ProjectView> {
    let row = find(db, code, own).await?;
    let id = row.id;
    let mut list = views(db, vec![row]).await?;
    let mut view = list
        .pop()
        .ok_or_else(|| Error::NotFound(format!("没有编号为 {code} 的项目")))?;
    let rows = sites(db, vec![id]).await?.remove(&id).unwrap_or_default();
    view.funding = Some(crate::db::compounds::total_split(db, &rows).await?);
    Ok(view)
}

/// The compounds of each project, in position order.
pub async fn sites(
    db: &impl ConnectionTrait,
    project_ids: Vec<i32>,
) -> Result<HashMap<i32, Vec<compounds::Model>>> {
    let links = project_sites::Entity::find()
        .filter(project_sites::Column::ProjectId.is_in(project_ids))
        .order_by_asc(project_sites::Column::ProjectId)
        .order_by_asc(project_sites::Column::Position)
        .all(db)
        .await?;
    let mut rows: HashMap<i32, compounds::Model> = compounds::Entity::find()
        .filter(compounds::Column::Id.is_in(links.iter().map(|l| l.compound_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mut by_project: HashMap<i32, Vec<compounds::Model>> = HashMap::new();
    for link in links {
        if let Some(c) = rows.remove(&link.compound_id) {
            by_project.entry(link.project_id).or_default().push(c);
        }
    }
    Ok(by_project)
}

async fn views(db: &impl ConnectionTrait, rows: Vec<projects::Model>) -> Result<Vec<ProjectView>> {
    let mut sites = sites(db, rows.iter().map(|p| p.id).collect()).await?;
    let firms: HashMap<i32, contractors::Model> = contractors::Entity::find()
        .filter(contractors::Column::Id.is_in(rows.iter().filter_map(|p| p.contractor_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let town_names: HashMap<i32, String> = towns::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|p| {
            let firm = p.contractor_id.and_then(|id| firms.get(&id));
            ProjectView {
                sites: sites
                    .remove(&p.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|c| SiteView {
                        town: town_names.get(&c.town_id).cloned().unwrap_or_default(),
                        code: c.code,
                        name: c.name,
                        households: c.households,
                        status: c.status,
                    })
                    .collect(),
                code: p.code,
                name: p.name,
                year: p.year,
                estimated_cost_fen: p.estimated_cost_fen,
                contractor: firm.map(|f| f.code.clone()),
                contractor_name: firm.map(|f| f.name.clone()),
                contract_amount_fen: p.contract_amount_fen,
                planned_start: p.planned_start,
                planned_end: p.planned_end,
                dates_reason: p.dates_reason,
                progress: p.progress,
                percent: p.percent,
                funding: None,
                version: p.version,
                updated_at: p.updated_at,
            }
        })
        .collect())
}
