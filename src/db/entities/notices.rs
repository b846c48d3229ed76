use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "notices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// plan (改造方案公示), site (开工告示) or completion (竣工公示).
    pub kind: String,
    pub project_id: i32,
    /// The notice this one corrects (更正公示).
    pub corrects_id: Option<i32>,
    /// A published notice whose period is over is shown as closed.
    pub status: Status,
    pub number: Option<String>,
    pub title: String,
    /// JSON of `jiugai_document::Notice` without its `url` (filled in when rendered).
    pub data: String,
    pub period_days: i32,
    /// calendar or working.
    pub period_count: String,
    pub published_at: Option<DateTimeUtc>,
    pub first_day: Option<Date>,
    pub last_day: Option<Date>,
    /// The end of the last day in Beijing: objections are taken before it.
    pub closes_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub created_by: String,
    pub updated_at: DateTimeUtc,
}

/// Where a notice stands in the bureau's hands (stored as `draft` or `published`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum Status {
    /// Being written; only the bureau sees it.
    #[sea_orm(string_value = "draft")]
    Draft,
    /// Out to the public, never to change again (a change is a correction).
    #[sea_orm(string_value = "published")]
    Published,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
