//! Which compounds a filter selects, and the views over them: the paged list, counts per town, dots on the map.

use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, Query};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, FromQueryResult, JoinType,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationTrait,
};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::db::entities::{communities, compounds, towns};
use crate::domain::cost::fen_as_yuan;
use crate::error::Result;

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
pub(super) fn filtered(filter: &Filter) -> sea_orm::Select<compounds::Entity> {
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
