//! The bureau's figures on notices: residents' satisfaction per compound, and objections per notice and kind.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use serde_json::{Value, json};

use super::views::{Filter, NoticeView, list};
use crate::db::entities::notices::Status;
use crate::db::entities::{notices, projects, ratings};
use crate::db::projects as project_db;
use crate::domain::notice::NoticeKind;
use crate::error::Result;

/// Satisfaction with one compound's renovation: how many rated it, and the mean of each aspect.
#[derive(Debug, Clone, Serialize)]
pub struct Satisfaction {
    pub code: String,
    pub name: String,
    pub project: String,
    pub year: i32,
    pub ratings: u64,
    /// Per aspect in the order of `domain::notice::ASPECTS`, 1–5; `None` with no ratings.
    pub means: Vec<Option<f64>>,
    /// The mean of the aspects' means.
    pub overall: Option<f64>,
    /// How many gave each score 1..=5, all aspects together.
    pub histogram: [u64; 5],
}

/// Per compound of the year's batch (or every batch) that has a published completion notice, then the batch as
/// a whole (code `""`).
pub async fn satisfaction(
    db: &impl ConnectionTrait,
    year: Option<i32>,
) -> Result<Vec<Satisfaction>> {
    let completions = notices::Entity::find()
        .filter(notices::Column::Kind.eq(NoticeKind::Completion.code()))
        .filter(notices::Column::Status.eq(Status::Published))
        .all(db)
        .await?;
    let project_ids: Vec<i32> = completions.iter().map(|n| n.project_id).collect();
    let projects: HashMap<i32, projects::Model> = projects::Entity::find()
        .filter(projects::Column::Id.is_in(project_ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .filter(|p| year.is_none_or(|y| p.year == y))
        .map(|p| (p.id, p))
        .collect();
    let sites = project_db::sites(db, projects.keys().copied().collect()).await?;
    let all_ratings = ratings::Entity::find()
        .filter(ratings::Column::NoticeId.is_in(completions.iter().map(|n| n.id)))
        .all(db)
        .await?;
    let mut by_compound: HashMap<i32, Vec<&ratings::Model>> = HashMap::new();
    for r in &all_ratings {
        by_compound.entry(r.compound_id).or_default().push(r);
    }
    let mut rows: BTreeMap<(i32, String), Satisfaction> = BTreeMap::new();
    let mut everyone: Vec<&ratings::Model> = Vec::new();
    for (project_id, compounds) in &sites {
        let Some(project) = projects.get(project_id) else {
            continue;
        };
        for c in compounds {
            let given = by_compound.get(&c.id).cloned().unwrap_or_default();
            everyone.extend(&given);
            rows.insert(
                (project.year, c.code.clone()),
                summarise(&c.code, &c.name, &project.code, project.year, &given),
            );
        }
    }
    let mut out: Vec<Satisfaction> = rows.into_values().collect();
    out.push(summarise("", "合计", "", year.unwrap_or(0), &everyone));
    Ok(out)
}

fn summarise(
    code: &str,
    name: &str,
    project: &str,
    year: i32,
    given: &[&ratings::Model],
) -> Satisfaction {
    let n = given.len() as u64;
    let mut histogram = [0u64; 5];
    let means: Vec<Option<f64>> = (0..3)
        .map(|aspect| {
            let scores: Vec<i32> = given
                .iter()
                .map(|r| [r.quality, r.disturbance, r.communication][aspect])
                .collect();
            for s in &scores {
                if let Some(slot) = histogram.get_mut((*s - 1).clamp(0, 4) as usize) {
                    *slot += 1;
                }
            }
            (n > 0).then(|| f64::from(scores.iter().sum::<i32>()) / n as f64)
        })
        .collect();
    let overall = (n > 0).then(|| means.iter().flatten().sum::<f64>() / 3.0);
    Satisfaction {
        code: code.to_owned(),
        name: name.to_owned(),
        project: project.to_owned(),
        year,
        ratings: n,
        means,
        overall,
        histogram,
    }
}

/// Objections per notice of a year's batch: received, answered, still open — and the batch's totals.
#[derive(Debug, Clone, Serialize)]
pub struct NoticeStats {
    pub year: Option<i32>,
    pub notices: usize,
    pub published: usize,
    pub open: usize,
    pub received: u64,
    pub answered: u64,
    pub unanswered: u64,
    pub by_kind: Vec<Value>,
}

pub async fn stats(
    db: &impl ConnectionTrait,
    year: Option<i32>,
    now: DateTime<Utc>,
) -> Result<NoticeStats> {
    let all = list(
        db,
        &Filter {
            year,
            ..Filter::default()
        },
        now,
    )
    .await?;
    let by_kind = NoticeKind::ALL
        .iter()
        .map(|k| {
            let of: Vec<&NoticeView> = all.iter().filter(|n| n.kind == *k).collect();
            json!({
                "kind": k.code(), "label": k.label(), "notices": of.len(),
                "published": of.iter().filter(|n| n.published_at.is_some()).count(),
                "received": of.iter().map(|n| n.received).sum::<u64>(),
                "answered": of.iter().map(|n| n.answered).sum::<u64>(),
            })
        })
        .collect();
    let received: u64 = all.iter().map(|n| n.received).sum();
    let answered: u64 = all.iter().map(|n| n.answered).sum();
    Ok(NoticeStats {
        year,
        notices: all.len(),
        published: all.iter().filter(|n| n.published_at.is_some()).count(),
        open: all.iter().filter(|n| n.is_open()).count(),
        received,
        answered,
        unanswered: received - answered,
        by_kind,
    })
}
