//! One compound read in full, and a record turned into its row: places resolved, the stored feature, the scope
//! lines written.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use serde_json::{Value, json};

use super::features::{Lookup, Names, feature_json, properties, scopes};
use crate::db::catalog;
use crate::db::entities::{communities, compounds, scope_items, towns};
use crate::domain::catalog::Figures;
use crate::domain::cost::{self, Estimate, ScopeLine, fen_to_yuan};
use crate::domain::funding::{Funding, FundingOverride, Line, Split, split, split_override};
use crate::domain::record::CompoundRecord;
use crate::error::{Error, Result};

/// Everything about one compound: its attributes, geometry, scope priced line by line.
pub async fn get(db: &impl ConnectionTrait, code: &str) -> Result<Value> {
    let c = find(db, code).await?;
    let lookup = Lookup::load(db).await?;
    let scope = scopes(db, vec![c.id], &lookup)
        .await?
        .remove(&c.id)
        .unwrap_or_default();
    let catalog = catalog::load(db).await?;
    let estimate = cost::estimate(&catalog, &figures(&c), &scope)
        .map_err(|e| anyhow::anyhow!("stored scope of {} no longer prices: {e:?}", c.code))?;
    let Value::Object(mut map) = serde_json::to_value(properties(&c, lookup.names(&c), &scope)?)
        .map_err(anyhow::Error::from)?
    else {
        return Err(anyhow::anyhow!("properties are an object").into());
    };
    let geometry: Value = serde_json::from_str(&c.geometry).map_err(anyhow::Error::from)?;
    map.insert("geometry".into(), geometry);
    map.insert("category_derived".into(), json!(c.category_derived));
    map.insert("estimate".into(), estimate_json(&estimate, &catalog));
    let funding = catalog::load_policy(db)
        .await?
        .map(|p| p.funding)
        .unwrap_or_default();
    map.insert("funding".into(), json!(split_of(&funding, &c, &estimate)?));
    map.insert("perimeter_m".into(), json!(c.perimeter_m));
    map.insert("centroid".into(), json!([c.centroid_lon, c.centroid_lat]));
    map.insert(
        "bbox".into(),
        json!([c.min_lon, c.min_lat, c.max_lon, c.max_lat]),
    );
    map.insert("version".into(), json!(c.version));
    map.insert("created_at".into(), json!(c.created_at));
    map.insert("updated_at".into(), json!(c.updated_at));
    Ok(Value::Object(map))
}

/// A compound's funding split: its own when the bureau set one, else the policy's default split.
pub fn split_of(funding: &Funding, c: &compounds::Model, estimate: &Estimate) -> Result<Split> {
    let own: Option<FundingOverride> = c
        .funding_override
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(anyhow::Error::from)?;
    Ok(match &own {
        Some(own) => split_override(funding, own, estimate.total_fen),
        None => split_estimate(funding, estimate, c.households),
    })
}

/// The funding splits of several compounds added up by source (a project's, a batch's).
pub async fn total_split(db: &impl ConnectionTrait, rows: &[compounds::Model]) -> Result<Split> {
    let lookup = Lookup::load(db).await?;
    let mut scopes = scopes(db, rows.iter().map(|c| c.id).collect(), &lookup).await?;
    let catalog = catalog::load(db).await?;
    let funding = catalog::load_policy(db)
        .await?
        .map(|p| p.funding)
        .unwrap_or_default();
    let mut parts = Vec::with_capacity(rows.len());
    for c in rows {
        let scope = scopes.remove(&c.id).unwrap_or_default();
        let estimate = cost::estimate(&catalog, &figures(c), &scope)
            .map_err(|e| anyhow::anyhow!("stored scope of {} no longer prices: {e:?}", c.code))?;
        parts.push(split_of(&funding, c, &estimate)?);
    }
    Ok(Split::sum(&parts))
}

/// The estimate split by the policy's funding sources.
pub fn split_estimate(funding: &Funding, estimate: &Estimate, households: i32) -> Split {
    let amounts: Vec<i64> = estimate
        .lines
        .iter()
        .map(|l| (l.amount_yuan * 100.0).round() as i64)
        .collect();
    let lines: Vec<Line<'_>> = estimate
        .lines
        .iter()
        .zip(&amounts)
        .map(|(l, &amount_fen)| Line {
            item: &l.item,
            class: &l.class,
            amount_fen,
        })
        .collect();
    split(
        funding,
        &lines,
        u32::try_from(households).unwrap_or_default(),
    )
}

fn estimate_json(e: &Estimate, catalog: &crate::domain::catalog::Catalog) -> Value {
    let by_class: Vec<Value> = catalog
        .classes
        .iter()
        .map(|class| {
            let fen: i64 = e
                .lines
                .iter()
                .filter(|l| l.class == class.code)
                .map(|l| (l.amount_yuan * 100.0).round() as i64)
                .sum();
            json!({"class": class.code, "name": class.name, "amount_yuan": fen_to_yuan(fen)})
        })
        .collect();
    json!({"lines": e.lines, "by_class": by_class, "total_yuan": e.total_yuan()})
}

pub fn figures(c: &compounds::Model) -> Figures {
    Figures {
        floor_area_m2: c.floor_area_m2,
        storeys: c.storeys,
        households: c.households,
        buildings: c.buildings,
        site_area_m2: c.site_area_m2,
        perimeter_m: c.perimeter_m,
    }
}

pub async fn find(db: &impl ConnectionTrait, code: &str) -> Result<compounds::Model> {
    compounds::Entity::find()
        .filter(compounds::Column::Code.eq(code))
        .one(db)
        .await?
        .ok_or_else(|| Error::NotFound(format!("没有编号为 {code} 的小区")))
}

/// Town and community ids by code and name, creating the ones a write introduces.
pub struct Places {
    towns: HashMap<String, (i32, String)>,
    communities: HashMap<(i32, String), i32>,
}

impl Places {
    pub async fn load(db: &impl ConnectionTrait) -> Result<Self> {
        Ok(Places {
            towns: towns::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|t| (t.code, (t.id, t.name)))
                .collect(),
            communities: communities::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|c| ((c.town_id, c.name), c.id))
                .collect(),
        })
    }

    /// Checks that the record's town code and name agree with what is stored.
    pub fn check(&self, r: &CompoundRecord) -> Result<(), (String, String)> {
        match self.towns.get(&r.town_code) {
            Some((_, name)) if *name != r.town => Err((
                "town".into(),
                format!(
                    "区划代码 {} 对应的街道（乡镇）是“{name}”，不是“{}”",
                    r.town_code, r.town
                ),
            )),
            _ => Ok(()),
        }
    }

    pub async fn resolve(
        &mut self,
        db: &impl ConnectionTrait,
        r: &CompoundRecord,
    ) -> Result<(i32, i32)> {
        if let Err((field, message)) = self.check(r) {
            return Err(Error::invalid(field, message));
        }
        let town_id = match self.towns.get(&r.town_code) {
            Some((id, _)) => *id,
            None => {
                let row = towns::ActiveModel {
                    code: Set(r.town_code.clone()),
                    name: Set(r.town.clone()),
                    ..Default::default()
                };
                let id = towns::Entity::insert(row).exec(db).await?.last_insert_id;
                self.towns.insert(r.town_code.clone(), (id, r.town.clone()));
                id
            }
        };
        let key = (town_id, r.community.clone());
        let community_id = match self.communities.get(&key) {
            Some(id) => *id,
            None => {
                let row = communities::ActiveModel {
                    town_id: Set(town_id),
                    name: Set(r.community.clone()),
                    ..Default::default()
                };
                let id = communities::Entity::insert(row)
                    .exec(db)
                    .await?
                    .last_insert_id;
                self.communities.insert(key, id);
                id
            }
        };
        Ok((town_id, community_id))
    }
}

/// The row a record is stored as. `id`, `version` and the timestamps are the caller's to set. `requests` is
/// the compound's count of accepted residents' requests as stored (their triage keeps it; see
/// `db::requests`), never the record's: nobody types it.
pub fn row(
    r: &CompoundRecord,
    town_id: i32,
    community_id: i32,
    requests: i32,
    now: DateTime<Utc>,
) -> Result<compounds::Model> {
    let [min_lon, min_lat, max_lon, max_lat] = r.boundary.bbox();
    let (centroid_lon, centroid_lat) = r.boundary.centroid();
    compounds::Model {
        id: 0,
        code: r.code.as_str().to_owned(),
        name: r.name.clone(),
        town_id,
        community_id,
        address: r.address.clone(),
        year_built: r.year_built,
        buildings: r.buildings,
        households: r.households,
        floor_area_m2: r.floor_area_m2,
        storeys: r.storeys,
        has_lifts: r.has_lifts,
        property_management: r.property_management.code().to_owned(),
        origin: r.origin.code().to_owned(),
        status: r.status.code().to_owned(),
        survey: r.survey.as_ref().map(to_json).transpose()?,
        consent: r.consent.as_ref().map(to_json).transpose()?,
        category: r.category().map(str::to_owned),
        category_derived: r.estimate.category.clone(),
        category_override: r.category_override.as_ref().map(to_json).transpose()?,
        funding_override: r.funding_override.as_ref().map(to_json).transpose()?,
        estimated_cost_fen: r.estimate.total_fen,
        requests,
        deputies_vote_rank: r.deputies_vote_rank,
        geometry: r.boundary.to_geojson().to_string(),
        site_area_m2: r.boundary.area_m2(),
        perimeter_m: r.boundary.perimeter_m(),
        centroid_lon,
        centroid_lat,
        min_lon,
        min_lat,
        max_lon,
        max_lat,
        archived: r.archived,
        feature: String::new(),
        version: 1,
        created_at: now,
        updated_at: now,
    }
    .with_feature(
        Names {
            town_code: &r.town_code,
            town: &r.town,
            community: &r.community,
        },
        &r.scope,
    )
}

impl compounds::Model {
    /// The row with its stored feature brought up to date.
    pub fn with_feature(mut self, names: Names<'_>, scope: &[ScopeLine]) -> Result<Self> {
        self.feature = feature_json(&self, names, scope)?;
        Ok(self)
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal(e.into()))
}

/// Whether two rows hold the same compound, ignoring bookkeeping (id, version, timestamps).
pub fn same_content(stored: &compounds::Model, new: &compounds::Model) -> bool {
    let new = compounds::Model {
        id: stored.id,
        version: stored.version,
        created_at: stored.created_at,
        updated_at: stored.updated_at,
        ..new.clone()
    };
    *stored == new
}

/// Replaces a compound's scope lines.
pub async fn write_scope(
    db: &impl ConnectionTrait,
    compound_id: i32,
    scope: &[ScopeLine],
    item_ids: &HashMap<String, i32>,
) -> Result<()> {
    scope_items::Entity::delete_many()
        .filter(scope_items::Column::CompoundId.eq(compound_id))
        .exec(db)
        .await?;
    insert_scopes(db, &[(compound_id, scope)], item_ids).await
}

/// Inserts the scope lines of compounds that have none yet, in few statements.
pub async fn insert_scopes(
    db: &impl ConnectionTrait,
    scopes: &[(i32, &[ScopeLine])],
    item_ids: &HashMap<String, i32>,
) -> Result<()> {
    let rows: Vec<_> = scopes
        .iter()
        .flat_map(|(compound_id, scope)| {
            scope
                .iter()
                .enumerate()
                .map(move |(i, line)| scope_items::ActiveModel {
                    compound_id: Set(*compound_id),
                    work_item_id: Set(item_ids[&line.item]),
                    position: Set(i as i32),
                    quantity: Set(line.quantity),
                    reason: Set(line.reason.clone()),
                    ..Default::default()
                })
        })
        .collect();
    // Six columns a row; SQLite takes at most 32,766 bound values a statement.
    for batch in rows.chunks(4_000) {
        scope_items::Entity::insert_many(batch.to_vec())
            .exec(db)
            .await?;
    }
    Ok(())
}
