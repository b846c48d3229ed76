//! Projects (项目): an approved batch turns each compound, or each district bundle (片区), into one project. The
//! bureau assigns it a contractor, a contract amount and planned dates; its work orders are issued from it and its
//! contractor reports progress on it.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    TransactionSession,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::audit::{self, Actor, Change};
use super::entities::{
    batch_members, batches, compounds, contractors, project_sites, projects, towns,
};
use crate::domain::FieldErrors;
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
    pub progress: String,
    pub percent: i32,
    pub sites: Vec<SiteView>,
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
            progress: Set("not_started".to_owned()),
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
        .ok_or_else(|| Error::NotFound(format!("no project {code}")))
}

pub async fn get(db: &impl ConnectionTrait, code: &str, own: Option<i32>) -> Result<ProjectView> {
    let row = find(db, code, own).await?;
    let mut list = views(db, vec![row]).await?;
    list.pop()
        .ok_or_else(|| Error::NotFound(format!("no project {code}")))
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
                version: p.version,
                updated_at: p.updated_at,
            }
        })
        .collect())
}

/// The bureau's decisions on a project: who builds it, for how much, when.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Assignment {
    pub contractor: Option<String>,
    pub contract_amount_fen: Option<i64>,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    /// Why the dates leave the batch year; required when they do.
    pub dates_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignmentInput {
    #[serde(default)]
    contractor: Option<String>,
    #[serde(default)]
    contract_amount_yuan: Option<f64>,
    #[serde(default)]
    planned_start: Option<String>,
    #[serde(default)]
    planned_end: Option<String>,
    #[serde(default)]
    dates_reason: Option<String>,
}

/// Largest contract amount accepted: ¥10 billion, far above any renovation project, to catch unit mistakes.
const MAX_CONTRACT_YUAN: f64 = 1e10;

impl Assignment {
    /// Reads the JSON body of an assignment; the year is the batch's, which the dates must stay in unless a reason
    /// is given.
    pub fn parse(body: &Value, year: i32) -> Result<Self> {
        let input: AssignmentInput = crate::domain::deserialize(body).map_err(Error::Invalid)?;
        let mut errors = FieldErrors::default();
        let contractor = input
            .contractor
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        let contract_amount_fen = match input.contract_amount_yuan {
            None => None,
            Some(y) if y.is_finite() && y > 0.0 && y <= MAX_CONTRACT_YUAN => {
                let fen = (y * 100.0).round();
                if (fen - y * 100.0).abs() > 1e-6 {
                    errors.add("contract_amount_yuan", "has more than two decimals (分)");
                }
                Some(fen as i64)
            }
            Some(_) => {
                errors.add(
                    "contract_amount_yuan",
                    format!("must be above 0 and at most {MAX_CONTRACT_YUAN:.0} yuan"),
                );
                None
            }
        };
        let mut date = |field: &str, raw: Option<String>| {
            let raw = raw?;
            match NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.add(field, "must be a date as YYYY-MM-DD");
                    None
                }
            }
        };
        let planned_start = date("planned_start", input.planned_start);
        let planned_end = date("planned_end", input.planned_end);
        let dates_reason = input
            .dates_reason
            .map(|r| crate::domain::text::trim(&r).to_owned())
            .filter(|r| !r.is_empty());
        if dates_reason
            .as_ref()
            .is_some_and(|r| r.chars().count() > 500)
        {
            errors.add("dates_reason", "must be at most 500 characters");
        }
        if let (Some(start), Some(end)) = (planned_start, planned_end)
            && start >= end
        {
            errors.add("planned_end", "must be after the planned start");
        }
        if dates_reason.is_none() {
            for (field, d) in [
                ("planned_start", planned_start),
                ("planned_end", planned_end),
            ] {
                if d.is_some_and(|d| d.year() != year) {
                    errors.add(
                        field,
                        format!(
                            "is outside the batch year {year}; give dates_reason to plan it so"
                        ),
                    );
                }
            }
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        Ok(Assignment {
            contractor,
            contract_amount_fen,
            planned_start,
            planned_end,
            dates_reason,
        })
    }
}

/// Records the bureau's assignment if `expected_version` is still the project's.
pub async fn update(
    db: &impl sea_orm::TransactionTrait,
    actor: &Actor,
    code: &str,
    expected_version: i32,
    body: &Value,
) -> Result<ProjectView> {
    let txn = super::begin_write(db).await?;
    let stored = find(&txn, code, None).await?;
    let assignment = Assignment::parse(body, stored.year)?;
    if stored.version != expected_version {
        return Err(Error::Conflict {
            message: format!(
                "project {code} was changed meanwhile (version {}); reload it and apply your change again",
                stored.version
            ),
            current_version: Some(stored.version),
        });
    }
    let firm = match &assignment.contractor {
        Some(c) => Some(
            super::contractors::find(&txn, c, None)
                .await
                .map_err(|_| Error::invalid("contractor", format!("no contractor {c}")))?,
        ),
        None => None,
    };
    let firm_id = firm.as_ref().map(|f| f.id);
    if firm_id != stored.contractor_id && stored.progress != "not_started" {
        return Err(Error::invalid(
            "contractor",
            "the works have started: the contractor can no longer change",
        ));
    }
    let rescheduled = assignment.planned_start != stored.planned_start
        || assignment.planned_end != stored.planned_end;
    if let Some(firm) = &firm
        && (firm_id != stored.contractor_id || rescheduled)
    {
        check_capacity(&txn, firm, &stored, &assignment).await?;
    }
    let before = get(&txn, code, None).await?;
    let now = Utc::now();
    let result = projects::Entity::update_many()
        .set(projects::ActiveModel {
            contractor_id: Set(firm_id),
            contract_amount_fen: Set(assignment.contract_amount_fen),
            planned_start: Set(assignment.planned_start),
            planned_end: Set(assignment.planned_end),
            dates_reason: Set(assignment.dates_reason.clone()),
            version: Set(stored.version + 1),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(projects::Column::Id.eq(stored.id))
        .filter(projects::Column::Version.eq(stored.version))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(Error::Conflict {
            message: format!("project {code} was changed meanwhile; reload it"),
            current_version: None,
        });
    }
    if firm_id != stored.contractor_id {
        super::work_orders::pass_on(&txn, actor, &stored, firm.as_ref(), now).await?;
    }
    let after = get(&txn, code, None).await?;
    audit::record_one(
        &txn,
        actor,
        Change::new("update", "project", code)
            .before(&before)
            .after(&after),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// A firm runs at most `capacity` projects at once: its other unfinished projects whose planned period overlaps
/// this one's (or that have no dates yet) count.
async fn check_capacity(
    txn: &impl ConnectionTrait,
    firm: &contractors::Model,
    project: &projects::Model,
    assignment: &Assignment,
) -> Result<()> {
    let others = projects::Entity::find()
        .filter(projects::Column::ContractorId.eq(firm.id))
        .filter(projects::Column::Id.ne(project.id))
        .filter(projects::Column::Progress.ne("completed"))
        .all(txn)
        .await?;
    let overlaps = |p: &projects::Model| match (
        p.planned_start,
        p.planned_end,
        assignment.planned_start,
        assignment.planned_end,
    ) {
        (Some(s1), Some(e1), Some(s2), Some(e2)) => s1 <= e2 && s2 <= e1,
        _ => p.year == project.year,
    };
    let busy: Vec<&str> = others
        .iter()
        .filter(|p| overlaps(p))
        .map(|p| p.code.as_str())
        .collect();
    if busy.len() >= firm.capacity as usize {
        return Err(Error::invalid(
            "contractor",
            format!(
                "{} can run {} projects at once and already has {} in that period ({})",
                firm.code,
                firm.capacity,
                busy.len(),
                busy.join(", ")
            ),
        ));
    }
    Ok(())
}
