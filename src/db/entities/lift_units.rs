use sea_orm::entity::prelude::*;

/// One stairwell's lift vote (加装电梯按单元表决); areas in hundredths of a square metre.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "lift_units")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub compound_id: i32,
    /// 楼栋, e.g. `3栋`.
    pub building: String,
    /// 单元, e.g. `2单元`.
    pub unit: String,
    pub owners_total: i32,
    pub area_total_centi: i64,
    pub agree_owners: i32,
    pub agree_area_centi: i64,
    pub oppose_owners: i32,
    pub oppose_area_centi: i64,
    pub abstain_owners: i32,
    pub abstain_area_centi: i64,
    pub recorded_on: Date,
    /// The account that wrote the row last.
    pub recorded_by: String,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
