use sea_orm::entity::prelude::*;

/// One submitted version of a month's return (never changed once written; see the migration).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "monthly_returns")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub year: i32,
    pub month: i32,
    /// 1 for the first submission, then one more per correction.
    pub version: i32,
    /// JSON of `domain::monthly::MonthlyReturn` as submitted.
    pub figures: String,
    /// What a correction corrects and why (every version after the first).
    pub changes: Option<String>,
    pub submitted_by: String,
    pub submitted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
