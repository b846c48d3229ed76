//! Compounds as stored: queries and writes. Every write that touches more than one row runs in one
//! transaction; updates compare the version they were based on (optimistic locking).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, FromQueryResult, IntoActiveModel, JoinType, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait,
};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use super::audit::{self, Actor, Change};
use super::catalog;
use super::entities::{communities, compounds, scope_items, towns, work_items};
use crate::domain::catalog::Figures;
use crate::domain::cost::{self, Estimate, ScopeLine, fen_as_yuan, fen_to_yuan};
use crate::domain::record::CompoundRecord;
use crate::error::{Error, Result};

/// The category filter value for compounds without a category (no scope yet).
pub const UNCATEGORISED: &str = "none";

/// Filters shared by the list, the GeoJSON export and the pages.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Town code (行政区划代码).
    pub town: Option<String>,
    pub community: Option<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    pub built_from: Option<i32>,
    pub built_to: Option<i32>,
    /// Text searched in name and address.
    pub q: Option<String>,
    pub include_archived: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Code,
    Name,
    YearBuilt,
    Households,
    FloorArea,
    Cost,
}

impl SortKey {
    pub const NAMES: [&'static str; 6] = [
        "code",
        "name",
        "year_built",
        "households",
        "floor_area_m2",
        "estimated_cost_yuan",
    ];

    pub fn parse(s: &str) -> Option<Self> {
        let keys = [
            SortKey::Code,
            SortKey::Name,
            SortKey::YearBuilt,
            SortKey::Households,
            SortKey::FloorArea,
            SortKey::Cost,
        ];
        SortKey::NAMES.iter().position(|n| *n == s).map(|i| keys[i])
    }

    fn column(self) -> compounds::Column {
        match self {
            SortKey::Code => compounds::Column::Code,
            SortKey::Name => compounds::Column::Name,
            SortKey::YearBuilt => compounds::Column::YearBuilt,
            SortKey::Households => compounds::Column::Households,
            SortKey::FloorArea => compounds::Column::FloorAreaM2,
            SortKey::Cost => compounds::Column::EstimatedCostFen,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ListQuery {
    pub filter: Filter,
    pub sort: SortKey,
    pub descending: bool,
    pub page: u64,
    pub per_page: u64,
}

/// One line of the compound list.
#[derive(Debug, Clone, Serialize, FromQueryResult)]
pub struct ListItem {
    pub code: String,
    pub name: String,
    pub town_code: String,
    pub town: String,
    pub community: String,
    pub address: String,
    pub year_built: i32,
    pub households: i32,
    pub floor_area_m2: f64,
    pub storeys: i32,
    pub category: Option<String>,
    pub status: String,
    #[serde(serialize_with = "fen_as_yuan", rename = "estimated_cost_yuan")]
    pub estimated_cost_fen: i64,
    pub archived: bool,
    pub version: i32,
}

#[derive(Debug, Serialize)]
pub struct Page {
    pub items: Vec<ListItem>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    pub pages: u64,
}

/// The compounds a filter selects. Town and community are matched through subqueries rather than
/// joins, so that the query stays on `compounds` and its indexes: a join let SQLite start from the
/// towns and sort, which made every page of the export a full scan.
fn filtered(filter: &Filter) -> sea_orm::Select<compounds::Entity> {
    let mut cond = Condition::all();
    if !filter.include_archived {
        cond = cond.add(compounds::Column::Archived.eq(false));
    }
    if let Some(town) = &filter.town {
        let ids = Query::select()
            .column(towns::Column::Id)
            .from(towns::Entity)
            .and_where(towns::Column::Code.eq(town.as_str()))
            .to_owned();
        cond = cond.add(compounds::Column::TownId.in_subquery(ids));
    }
    if let Some(community) = &filter.community {
        let ids = Query::select()
            .column(communities::Column::Id)
            .from(communities::Entity)
            .and_where(communities::Column::Name.eq(community.as_str()))
            .to_owned();
        cond = cond.add(compounds::Column::CommunityId.in_subquery(ids));
    }
    match filter.category.as_deref() {
        Some(UNCATEGORISED) => cond = cond.add(compounds::Column::Category.is_null()),
        Some(category) => cond = cond.add(compounds::Column::Category.eq(category)),
        None => {}
    }
    if let Some(status) = &filter.status {
        cond = cond.add(compounds::Column::Status.eq(status.as_str()));
    }
    if let Some(from) = filter.built_from {
        cond = cond.add(compounds::Column::YearBuilt.gte(from));
    }
    if let Some(to) = filter.built_to {
        cond = cond.add(compounds::Column::YearBuilt.lte(to));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = || LikeExpr::new(format!("%{escaped}%")).escape('\\');
        cond = cond.add(
            Condition::any()
                .add(Expr::col((compounds::Entity, compounds::Column::Name)).like(pattern()))
                .add(Expr::col((compounds::Entity, compounds::Column::Address)).like(pattern())),
        );
    }
    compounds::Entity::find().filter(cond)
}

/// The filtered compounds with their town and community, for lists and maps.
fn filtered_with_places(filter: &Filter) -> sea_orm::Select<compounds::Entity> {
    filtered(filter)
        .join(JoinType::InnerJoin, compounds::Relation::Town.def())
        .join(JoinType::InnerJoin, compounds::Relation::Community.def())
}

pub async fn list(db: &DatabaseConnection, query: &ListQuery) -> Result<Page> {
    let total = filtered(&query.filter)
        .select_only()
        .column(compounds::Column::Id)
        .count(db)
        .await?;
    let select = filtered_with_places(&query.filter);
    let sort = query.sort.column();
    let order = if query.descending {
        sea_orm::Order::Desc
    } else {
        sea_orm::Order::Asc
    };
    let rows = select
        .select_only()
        .columns([
            compounds::Column::Code,
            compounds::Column::Name,
            compounds::Column::Address,
            compounds::Column::YearBuilt,
            compounds::Column::Households,
            compounds::Column::FloorAreaM2,
            compounds::Column::Storeys,
            compounds::Column::Category,
            compounds::Column::Status,
            compounds::Column::EstimatedCostFen,
            compounds::Column::Archived,
            compounds::Column::Version,
        ])
        .column_as(towns::Column::Code, "town_code")
        .column_as(towns::Column::Name, "town")
        .column_as(communities::Column::Name, "community")
        .order_by(sort, order.clone())
        .order_by(compounds::Column::Code, order)
        .offset((query.page - 1) * query.per_page)
        .limit(query.per_page)
        .into_model::<ListItem>()
        .all(db)
        .await?;
    Ok(Page {
        items: rows,
        total,
        page: query.page,
        per_page: query.per_page,
        pages: total.div_ceil(query.per_page),
    })
}

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
        .ok_or_else(|| Error::NotFound(format!("no compound with code {code}")))
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
                format!("town {} is {name}, not {}", r.town_code, r.town),
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

/// The row a record is stored as. `id`, `version` and the timestamps are the caller's to set.
pub fn row(
    r: &CompoundRecord,
    town_id: i32,
    community_id: i32,
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
        estimated_cost_fen: r.estimate.total_fen,
        requests: r.requests,
        deputies_vote_rank: r.deputies_vote_rank,
        geometry: r.boundary.to_geojson().to_string(),
        site_area_m2: round2(r.boundary.area_m2()),
        perimeter_m: round2(r.boundary.perimeter_m()),
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

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
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
                    ..Default::default()
                })
        })
        .collect();
    // Five columns a row; SQLite takes at most 32,766 bound values a statement.
    for batch in rows.chunks(4_000) {
        scope_items::Entity::insert_many(batch.to_vec())
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Inserts a new compound; its code must be new.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    record: &CompoundRecord,
) -> Result<Value> {
    let txn = super::begin_write(db).await?;
    if find(&txn, record.code.as_str()).await.is_ok() {
        return Err(Error::Conflict {
            message: format!(
                "a compound with code {} already exists",
                record.code.as_str()
            ),
            current_version: None,
        });
    }
    let mut places = Places::load(&txn).await?;
    let (town_id, community_id) = places.resolve(&txn, record).await?;
    let new = row(record, town_id, community_id, Utc::now())?;
    let change = Change::new("create", "compound", &new.code).after(feature_value(&new));
    let mut model = new.into_active_model();
    model.id = sea_orm::ActiveValue::NotSet;
    let id = compounds::Entity::insert(model)
        .exec(&txn)
        .await?
        .last_insert_id;
    write_scope(&txn, id, &record.scope, &catalog::item_ids(&txn).await?).await?;
    let detail = get(&txn, record.code.as_str()).await?;
    super::revisions::bump(&txn, super::revisions::COMPOUNDS).await?;
    audit::record_one(&txn, actor, change).await?;
    txn.commit().await?;
    Ok(detail)
}

/// Replaces a compound's attributes, if `expected_version` is still current.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    code: &str,
    expected_version: i32,
    record: &CompoundRecord,
) -> Result<Value> {
    if record.code.as_str() != code {
        return Err(Error::invalid(
            "code",
            format!("does not match the compound addressed ({code}); codes never change"),
        ));
    }
    let txn = super::begin_write(db).await?;
    let stored = find(&txn, code).await?;
    check_version(&stored, expected_version)?;
    let mut places = Places::load(&txn).await?;
    let (town_id, community_id) = places.resolve(&txn, record).await?;
    let new = compounds::Model {
        id: stored.id,
        version: stored.version + 1,
        created_at: stored.created_at,
        ..row(record, town_id, community_id, Utc::now())?
    };
    let change = Change::new("update", "compound", code)
        .before(feature_value(&stored))
        .after(feature_value(&new));
    versioned_write(&txn, &stored, new).await?;
    write_scope(
        &txn,
        stored.id,
        &record.scope,
        &catalog::item_ids(&txn).await?,
    )
    .await?;
    let detail = get(&txn, code).await?;
    super::revisions::bump(&txn, super::revisions::COMPOUNDS).await?;
    audit::record_one(&txn, actor, change).await?;
    txn.commit().await?;
    Ok(detail)
}

/// Archives a compound: it leaves the lists but is never deleted.
pub async fn archive(
    db: &DatabaseConnection,
    actor: &Actor,
    code: &str,
    expected_version: i32,
) -> Result<Value> {
    let txn = super::begin_write(db).await?;
    let stored = find(&txn, code).await?;
    check_version(&stored, expected_version)?;
    if !stored.archived {
        let lookup = Lookup::load(&txn).await?;
        let scope = scopes(&txn, vec![stored.id], &lookup)
            .await?
            .remove(&stored.id)
            .unwrap_or_default();
        let new = compounds::Model {
            archived: true,
            version: stored.version + 1,
            updated_at: Utc::now(),
            ..stored.clone()
        }
        .with_feature(lookup.names(&stored), &scope)?;
        let change = Change::new("archive", "compound", code)
            .before(feature_value(&stored))
            .after(feature_value(&new));
        versioned_write(&txn, &stored, new).await?;
        super::revisions::bump(&txn, super::revisions::COMPOUNDS).await?;
        audit::record_one(&txn, actor, change).await?;
    }
    let detail = get(&txn, code).await?;
    txn.commit().await?;
    Ok(detail)
}

/// A compound as the audit log keeps it: its stored GeoJSON feature (attributes, scope, boundary).
pub fn feature_value(c: &compounds::Model) -> Value {
    serde_json::from_str(&c.feature).unwrap_or(Value::Null)
}

fn check_version(stored: &compounds::Model, expected: i32) -> Result<()> {
    if stored.version == expected {
        Ok(())
    } else {
        Err(Error::Conflict {
            message: format!(
                "compound {} was changed by someone else (version {} now, your edit was based on {expected}); reload it and apply your change again",
                stored.code, stored.version
            ),
            current_version: Some(stored.version),
        })
    }
}

/// Writes `new` over `stored` only if nobody else wrote in between: the version in the WHERE clause
/// makes the check and the write one statement.
pub async fn versioned_write(
    db: &impl ConnectionTrait,
    stored: &compounds::Model,
    new: compounds::Model,
) -> Result<()> {
    let mut active = new.into_active_model().reset_all();
    active.id = sea_orm::ActiveValue::NotSet;
    let result = compounds::Entity::update_many()
        .set(active)
        .filter(compounds::Column::Id.eq(stored.id))
        .filter(compounds::Column::Version.eq(stored.version))
        .exec(db)
        .await?;
    if result.rows_affected == 1 {
        Ok(())
    } else {
        Err(Error::Conflict {
            message: format!(
                "compound {} was changed by someone else; reload it",
                stored.code
            ),
            current_version: None,
        })
    }
}

/// Moves compounds to `status`: each one's stored feature rewritten and written as a new version. Returns the
/// audit changes (named `action`) for the caller to record in the same transaction; the caller bumps the
/// compounds' revision.
pub async fn move_to_status(
    txn: &impl ConnectionTrait,
    stored: Vec<compounds::Model>,
    status: crate::domain::compound::Status,
    action: &'static str,
) -> Result<Vec<Change>> {
    let lookup = Lookup::load(txn).await?;
    let mut scope = scopes(txn, stored.iter().map(|c| c.id).collect(), &lookup).await?;
    let mut changes = Vec::with_capacity(stored.len());
    for old in stored {
        let new = compounds::Model {
            status: status.code().to_owned(),
            version: old.version + 1,
            updated_at: Utc::now(),
            ..old.clone()
        }
        .with_feature(
            lookup.names(&old),
            &scope.remove(&old.id).unwrap_or_default(),
        )?;
        changes.push(
            Change::new(action, "compound", &old.code)
                .before(feature_value(&old))
                .after(feature_value(&new)),
        );
        versioned_write(txn, &old, new).await?;
    }
    Ok(changes)
}

/// Per town: compounds counted per category (archived ones left out).
pub async fn town_counts(db: &DatabaseConnection) -> Result<Vec<Value>> {
    #[derive(FromQueryResult)]
    struct Count {
        town_id: i32,
        category: Option<String>,
        n: i64,
    }
    let counts = compounds::Entity::find()
        .select_only()
        .column(compounds::Column::TownId)
        .column(compounds::Column::Category)
        .column_as(compounds::Column::Id.count(), "n")
        .filter(compounds::Column::Archived.eq(false))
        .group_by(compounds::Column::TownId)
        .group_by(compounds::Column::Category)
        .into_model::<Count>()
        .all(db)
        .await?;
    let towns = towns::Entity::find()
        .order_by_asc(towns::Column::Code)
        .all(db)
        .await?;
    Ok(towns
        .into_iter()
        .map(|t| {
            let mut by_category = Map::new();
            let mut total = 0;
            for c in counts.iter().filter(|c| c.town_id == t.id) {
                let key = c.category.clone().unwrap_or_else(|| UNCATEGORISED.into());
                by_category.insert(key, json!(c.n));
                total += c.n;
            }
            json!({"code": t.code, "name": t.name, "total": total, "by_category": by_category})
        })
        .collect())
}

/// A compound as a dot on the county map.
#[derive(Debug, Clone, FromQueryResult)]
pub struct MapPoint {
    pub code: String,
    pub name: String,
    pub town: String,
    pub category: Option<String>,
    pub households: i32,
    pub lon: f64,
    pub lat: f64,
}

pub async fn map_points(db: &DatabaseConnection) -> Result<Vec<MapPoint>> {
    Ok(filtered_with_places(&Filter::default())
        .select_only()
        .columns([
            compounds::Column::Code,
            compounds::Column::Name,
            compounds::Column::Category,
            compounds::Column::Households,
        ])
        .column_as(towns::Column::Name, "town")
        .column_as(compounds::Column::CentroidLon, "lon")
        .column_as(compounds::Column::CentroidLat, "lat")
        .order_by_asc(compounds::Column::Code)
        .into_model::<MapPoint>()
        .all(db)
        .await?)
}
