//! Scenarios side by side.

use std::collections::{BTreeMap, HashMap};

use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

use super::input::MAX_COMPARED;
use super::views::{find, scenario, year_figures, years_of};
use crate::db::revisions;
use crate::error::{Error, Result};

/// Scenarios side by side: their figures per year, and every compound whose year differs between them.
pub async fn compare(db: &DatabaseConnection, ids: &[i32]) -> Result<Value> {
    let revision = revisions::all(db).await?.compounds;
    let mut scenarios = Vec::with_capacity(ids.len());
    for &id in ids {
        scenarios.push(scenario(find(db, id).await?, revision)?);
    }
    let years: Vec<BTreeMap<String, (String, Option<i64>)>> =
        scenarios.iter().map(|s| years_of(&s.plan)).collect();
    let mut codes: Vec<&String> = years.iter().flat_map(|y| y.keys()).collect();
    codes.sort_unstable();
    codes.dedup();
    let mut differences = Vec::new();
    let mut moved: HashMap<usize, usize> = HashMap::new();
    for code in codes {
        let per: Vec<Option<i64>> = years
            .iter()
            .map(|y| y.get(code).and_then(|c| c.1))
            .collect();
        if per.iter().all(|y| *y == per[0]) {
            continue;
        }
        for (i, y) in per.iter().enumerate().skip(1) {
            if *y != per[0] {
                *moved.entry(i).or_default() += 1;
            }
        }
        let name = years.iter().find_map(|y| y.get(code)).map(|c| c.0.clone());
        differences.push(json!({"code": code, "name": name, "years": per}));
    }
    Ok(json!({
        "scenarios": scenarios.iter().enumerate().map(|(i, s)| json!({
            "id": s.id, "name": s.name, "version": s.version, "stale": s.stale,
            "objective": s.objective, "bound": s.bound, "gap": s.gap,
            "first_year": s.horizon.years.first().map(|y| y.year),
            "last_year": s.horizon.years.last().map(|y| y.year),
            "scheduled": s.plan["years"].as_array().map_or(0, |ys| ys.iter().filter_map(|y| y["compounds"].as_u64()).sum::<u64>()),
            "differs_from_first": if i == 0 { 0 } else { moved.get(&i).copied().unwrap_or(0) },
            "years": year_figures(&s.plan),
        })).collect::<Vec<_>>(),
        "differences": differences,
    }))
}

/// Parses `ids=1,2,3`: two to [`MAX_COMPARED`] distinct scenario ids.
pub fn compared_ids(raw: Option<&str>) -> Result<Vec<i32>> {
    let raw = raw.unwrap_or_default();
    let mut ids = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let id: i32 = part
            .parse()
            .map_err(|_| Error::invalid("ids", format!("“{part}”不是方案编号")))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if !(2..=MAX_COMPARED).contains(&ids.len()) {
        return Err(Error::invalid(
            "ids",
            format!("请选择 2 到 {MAX_COMPARED} 个不同的方案进行对照"),
        ));
    }
    Ok(ids)
}
