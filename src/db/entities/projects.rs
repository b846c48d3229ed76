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
    /// not_started, started or completed.
    pub progress: String,
    pub percent: i32,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
