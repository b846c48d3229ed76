use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_scenarios")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    /// The [`crate::domain::batch::Horizon`], as JSON.
    pub horizon: String,
    /// The [`crate::domain::batch::BatchPlan`] of the latest run, as JSON.
    pub plan: String,
    pub objective: f64,
    pub bound: f64,
    pub gap: f64,
    pub compounds_revision: i64,
    pub run_at: DateTimeUtc,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_by: String,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
