use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "work_order_reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub work_order_id: i32,
    pub project_id: i32,
    /// acknowledged, started, progress or completed.
    pub kind: String,
    pub percent: Option<i32>,
    pub note: Option<String>,
    pub reported_by: String,
    pub reported_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
