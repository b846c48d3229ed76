use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub code: String,
    pub batch_id: i32,
    pub year: i32,
    pub name: String,
    pub estimated_cost_fen: i64,
    pub contractor_id: Option<i32>,
    pub contract_amount_fen: Option<i64>,
    pub planned_start: Option<Date>,
    pub planned_end: Option<Date>,
    /// Why the planned dates leave the batch year, when they do.
    pub dates_reason: Option<String>,
    pub progress: Progress,
    pub percent: i32,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// How far the works are, as the contractor reported (stored and sent as `not_started`, `started`,
/// `completed`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, serde::Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    #[sea_orm(string_value = "not_started")]
    NotStarted,
    #[sea_orm(string_value = "started")]
    Started,
    #[sea_orm(string_value = "completed")]
    Completed,
}
