use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "ratings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The completion notice the rating was given on.
    pub notice_id: i32,
    pub compound_id: i32,
    pub mobile: String,
    /// 1–5: 工程质量.
    pub quality: i32,
    /// 1–5: 施工扰民 (5: hardly disturbed).
    pub disturbance: i32,
    /// 1–5: 沟通公开.
    pub communication: i32,
    pub source: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
