use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "batches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub year: i32,
    pub budget_fen: i64,
    pub max_compounds: Option<i32>,
    pub max_households: Option<i64>,
    pub cost_fen: i64,
    pub compounds: i32,
    pub households: i64,
    pub approved_at: DateTimeUtc,
    pub approved_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
