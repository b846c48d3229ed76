//! The monthly return's inputs read from the records: the year's projects and their compounds, the contractors'
//! reports, the money ledger. The figures themselves are computed in `domain::monthly`.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::entities::{money_entries, projects, towns, work_order_reports};
use crate::domain::monthly::{self, Inputs, MonthlyReturn, Movement, Site, Works};
use crate::domain::time::beijing_date;
use crate::error::{Error, Result};

/// Everything the year's returns are made from.
pub async fn inputs(db: &impl ConnectionTrait, year: i32) -> Result<Inputs> {
    let policy = super::catalog::load_policy(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no policy stored"))?;
    let town_rows = towns::Entity::find()
        .order_by_asc(towns::Column::Code)
        .all(db)
        .await?;
    let town_names: HashMap<i32, String> =
        town_rows.iter().map(|t| (t.id, t.name.clone())).collect();
    let year_projects = projects::Entity::find()
        .filter(projects::Column::Year.eq(year))
        .order_by_asc(projects::Column::Code)
        .all(db)
        .await?;
    let ids: Vec<i32> = year_projects.iter().map(|p| p.id).collect();
    let mut sites_of = super::projects::sites(db, ids.clone()).await?;
    let reports = work_order_reports::Entity::find()
        .filter(work_order_reports::Column::ProjectId.is_in(ids))
        .order_by_asc(work_order_reports::Column::Id)
        .all(db)
        .await?;
    // Each compound's scope priced against the catalog: the quantities its effect indicators count.
    let catalog = super::catalog::load(db).await?;
    let compound_ids: Vec<i32> = sites_of.values().flatten().map(|c| c.id).collect();
    let lookup = super::compounds::Lookup::load(db).await?;
    let mut scopes = super::compounds::scopes(db, compound_ids, &lookup).await?;
    let effects = |c: &super::entities::compounds::Model, scope: Vec<_>| -> Vec<f64> {
        let lines = crate::domain::cost::estimate(&catalog, &super::compounds::figures(c), &scope)
            .map(|e| e.lines)
            .unwrap_or_default();
        policy
            .indicators
            .iter()
            .map(|i| i.of(lines.iter().map(|l| (l.item.as_str(), l.quantity))))
            .collect()
    };
    let mut sites = Vec::new();
    let mut works = Vec::with_capacity(year_projects.len());
    for (p, project) in year_projects.iter().enumerate() {
        let mut w = Works {
            contract_fen: project.contract_amount_fen,
            ..Works::default()
        };
        for r in reports.iter().filter(|r| r.project_id == project.id) {
            let day = beijing_date(r.reported_at);
            let first = |d: Option<_>| Some(d.map_or(day, |d: chrono::NaiveDate| d.min(day)));
            match r.kind.as_str() {
                "started" => w.started_on = first(w.started_on),
                "completed" => w.completed_on = first(w.completed_on),
                "progress" => {
                    if let Some(percent) = r.percent {
                        w.reports.push((day, percent.clamp(0, 100) as u32));
                    }
                }
                _ => {}
            }
        }
        works.push(w);
        for c in sites_of.remove(&project.id).unwrap_or_default() {
            sites.push(Site {
                code: c.code.clone(),
                town: town_names
                    .get(&c.town_id)
                    .cloned()
                    .unwrap_or_else(|| "（未知乡镇）".into()),
                buildings: i64::from(c.buildings),
                households: i64::from(c.households),
                floor_area_m2: c.floor_area_m2,
                estimate_fen: c.estimated_cost_fen,
                effects: effects(&c, scopes.remove(&c.id).unwrap_or_default()),
                project: Some(p),
            });
        }
    }
    let entries = money_entries::Entity::find()
        .filter(money_entries::Column::Year.eq(year))
        .order_by_asc(money_entries::Column::Id)
        .all(db)
        .await?;
    let movement = |e: &money_entries::Model| Movement {
        on: e.occurred_on,
        fen: e.amount_fen,
    };
    let mut receipts: Vec<(String, String, Vec<Movement>)> = policy
        .funding
        .sources
        .iter()
        .map(|s| (s.code.clone(), s.name.clone(), Vec::new()))
        .collect();
    for e in entries.iter().filter(|e| e.kind == "receipt") {
        let code = e.source.clone().unwrap_or_default();
        match receipts.iter_mut().find(|(c, _, _)| *c == code) {
            Some((_, _, list)) => list.push(movement(e)),
            None => receipts.push((
                code.clone(),
                format!("已停用的资金来源（{code}）"),
                vec![movement(e)],
            )),
        }
    }
    Ok(Inputs {
        year,
        indicators: policy.indicators.clone(),
        towns: town_rows.into_iter().map(|t| t.name).collect(),
        sites,
        projects: works,
        receipts,
        payments: entries
            .iter()
            .filter(|e| e.kind == "payment")
            .map(movement)
            .collect(),
    })
}

/// The return of `month` ("2021-06"), checked against the months before it.
pub async fn monthly(db: &impl ConnectionTrait, month: &str) -> Result<MonthlyReturn> {
    let (year, m) = monthly::parse_month(month).map_err(|e| Error::invalid("month", e))?;
    let inputs = inputs(db, year).await?;
    monthly::compute_through(&inputs, m)
        .pop()
        .ok_or_else(|| Error::invalid("month", "没有这个月份"))
}
