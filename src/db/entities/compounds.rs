use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "compounds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub code: String,
    pub name: String,
    pub town_id: i32,
    pub community_id: i32,
    pub address: String,
    pub year_built: i32,
    pub buildings: i32,
    pub households: i32,
    pub floor_area_m2: f64,
    pub storeys: i32,
    pub has_lifts: bool,
    pub property_management: String,
    pub origin: String,
    pub status: String,
    /// JSON of `domain::compound::Survey`.
    pub survey: Option<String>,
    /// JSON of `domain::compound::Consent`.
    pub consent: Option<String>,
    pub category: Option<String>,
    pub category_derived: Option<String>,
    /// JSON of `domain::compound::CategoryOverride`.
    pub category_override: Option<String>,
    /// The bureau's own split by funding source, JSON (`FundingOverride`); `None`: the policy's default split.
    pub funding_override: Option<String>,
    pub estimated_cost_fen: i64,
    pub requests: i32,
    pub deputies_vote_rank: Option<i32>,
    /// GeoJSON geometry text, WGS-84, RFC 7946 orientation.
    pub geometry: String,
    pub site_area_m2: f64,
    pub perimeter_m: f64,
    pub centroid_lon: f64,
    pub centroid_lat: f64,
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
    pub archived: bool,
    /// The compound as a GeoJSON feature, as exported; rewritten with every change to the row.
    pub feature: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::towns::Entity",
        from = "Column::TownId",
        to = "super::towns::Column::Id"
    )]
    Town,
    #[sea_orm(
        belongs_to = "super::communities::Entity",
        from = "Column::CommunityId",
        to = "super::communities::Column::Id"
    )]
    Community,
}

impl ActiveModelBehavior for ActiveModel {}
