//! Compounds as GeoJSON features: the lookups and scope lines a feature needs, its properties, the stored
//! feature text, and the paged export.

use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;
use serde_json::value::RawValue;

use super::listing::{Filter, filtered};
use crate::db::entities::{communities, compounds, scope_items, towns, work_items};
use crate::domain::cost::{ScopeLine, fen_to_yuan};
use crate::error::Result;

/// Towns, communities and work items by id: small, loaded once per export or import.
pub struct Lookup {
    towns: HashMap<i32, towns::Model>,
    communities: HashMap<i32, communities::Model>,
    item_codes: HashMap<i32, String>,
}

impl Lookup {
    pub async fn load(db: &impl ConnectionTrait) -> Result<Self> {
        Ok(Lookup {
            towns: towns::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|t| (t.id, t))
                .collect(),
            communities: communities::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|c| (c.id, c))
                .collect(),
            item_codes: work_items::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|i| (i.id, i.code))
                .collect(),
        })
    }
}

/// Scope lines of the given compounds, in their order.
pub async fn scopes(
    db: &impl ConnectionTrait,
    compound_ids: Vec<i32>,
    lookup: &Lookup,
) -> Result<HashMap<i32, Vec<ScopeLine>>> {
    let rows = scope_items::Entity::find()
        .filter(scope_items::Column::CompoundId.is_in(compound_ids))
        .order_by_asc(scope_items::Column::CompoundId)
        .order_by_asc(scope_items::Column::Position)
        .all(db)
        .await?;
    let mut by_compound: HashMap<i32, Vec<ScopeLine>> = HashMap::new();
    for row in rows {
        by_compound
            .entry(row.compound_id)
            .or_default()
            .push(ScopeLine {
                item: lookup
                    .item_codes
                    .get(&row.work_item_id)
                    .cloned()
                    .unwrap_or_default(),
                quantity: row.quantity,
                reason: row.reason,
            });
    }
    Ok(by_compound)
}

/// The compound's writable attributes, as GeoJSON feature properties. The import reads back exactly
/// these keys, so an exported file imported again gives the same catalog. The JSON sub-records go out
/// as the raw text they are stored as: the export of a national catalog parses nothing it need not.
#[derive(Serialize)]
pub struct Properties<'a> {
    code: &'a str,
    name: &'a str,
    town_code: &'a str,
    town: &'a str,
    community: &'a str,
    address: &'a str,
    year_built: i32,
    buildings: i32,
    households: i32,
    floor_area_m2: f64,
    storeys: i32,
    has_lifts: bool,
    property_management: &'a str,
    origin: &'a str,
    status: &'a str,
    survey: Option<&'a RawValue>,
    consent: Option<&'a RawValue>,
    scope: &'a [ScopeLine],
    category_override: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    funding_override: Option<&'a RawValue>,
    requests: i32,
    deputies_vote_rank: Option<i32>,
    archived: bool,
    // Read-only, computed: ignored by the import.
    category: Option<&'a str>,
    estimated_cost_yuan: f64,
    site_area_m2: f64,
}

fn raw(text: Option<&str>) -> Result<Option<&RawValue>> {
    text.map(|t| {
        serde_json::from_str::<&RawValue>(t)
            .map_err(|e| anyhow::anyhow!("corrupt JSON column: {e}").into())
    })
    .transpose()
}

/// The names a compound's properties carry besides its own row.
#[derive(Debug, Clone, Copy)]
pub struct Names<'a> {
    pub town_code: &'a str,
    pub town: &'a str,
    pub community: &'a str,
}

impl Lookup {
    pub fn names(&self, c: &compounds::Model) -> Names<'_> {
        let town = self.towns.get(&c.town_id);
        Names {
            town_code: town.map_or("", |t| t.code.as_str()),
            town: town.map_or("", |t| t.name.as_str()),
            community: self
                .communities
                .get(&c.community_id)
                .map_or("", |c| c.name.as_str()),
        }
    }
}

pub fn properties<'a>(
    c: &'a compounds::Model,
    names: Names<'a>,
    scope: &'a [ScopeLine],
) -> Result<Properties<'a>> {
    Ok(Properties {
        code: &c.code,
        name: &c.name,
        town_code: names.town_code,
        town: names.town,
        community: names.community,
        address: &c.address,
        year_built: c.year_built,
        buildings: c.buildings,
        households: c.households,
        floor_area_m2: c.floor_area_m2,
        storeys: c.storeys,
        has_lifts: c.has_lifts,
        property_management: &c.property_management,
        origin: &c.origin,
        status: &c.status,
        survey: raw(c.survey.as_deref())?,
        consent: raw(c.consent.as_deref())?,
        scope,
        category_override: raw(c.category_override.as_deref())?,
        funding_override: raw(c.funding_override.as_deref())?,
        requests: c.requests,
        deputies_vote_rank: c.deputies_vote_rank,
        archived: c.archived,
        category: c.category.as_deref(),
        estimated_cost_yuan: fen_to_yuan(c.estimated_cost_fen),
        site_area_m2: c.site_area_m2,
    })
}

/// The compound as a GeoJSON feature, written as text. It is stored with the row on every write, so
/// that exporting a national catalog is reading one column, not rebuilding 220,000 documents.
pub fn feature_json(c: &compounds::Model, names: Names<'_>, scope: &[ScopeLine]) -> Result<String> {
    let props =
        serde_json::to_string(&properties(c, names, scope)?).map_err(anyhow::Error::from)?;
    let id = serde_json::to_string(&c.code).map_err(anyhow::Error::from)?;
    Ok(format!(
        r#"{{"type":"Feature","id":{id},"geometry":{},"properties":{props}}}"#,
        c.geometry
    ))
}

/// Features per page of an export: a few megabytes in memory, few enough queries for 220,000 rows.
pub const EXPORT_PAGE: u64 = 1_000;

/// Walks the filtered compounds in code order, a page of stored GeoJSON features at a time. Holds one
/// page in memory, whatever the size of the catalog; keyset pagination keeps every page query cheap.
pub struct FeaturePages {
    filter: Filter,
    page_size: u64,
    after: Option<String>,
    done: bool,
}

impl FeaturePages {
    pub fn new(filter: Filter, page_size: u64) -> Self {
        FeaturePages {
            filter,
            page_size,
            after: None,
            done: false,
        }
    }

    /// The next page's features, or `None` after the last.
    pub async fn next(&mut self, db: &DatabaseConnection) -> Result<Option<Vec<String>>> {
        if self.done {
            return Ok(None);
        }
        let mut select = filtered(&self.filter)
            .select_only()
            .column(compounds::Column::Code)
            .column(compounds::Column::Feature)
            .order_by_asc(compounds::Column::Code)
            .limit(self.page_size);
        if let Some(code) = &self.after {
            select = select.filter(compounds::Column::Code.gt(code.as_str()));
        }
        let page: Vec<(String, String)> = select.into_tuple().all(db).await?;
        self.done = (page.len() as u64) < self.page_size;
        let Some((last, _)) = page.last() else {
            return Ok(None);
        };
        self.after = Some(last.clone());
        Ok(Some(page.into_iter().map(|(_, feature)| feature).collect()))
    }
}
