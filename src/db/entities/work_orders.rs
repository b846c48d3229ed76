use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "work_orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub number: String,
    pub revision: i32,
    pub project_id: i32,
    /// The firm the revision was issued to.
    pub contractor_id: i32,
    pub year: i32,
    /// JSON of `jiugai_document::WorkOrder` as issued (without `superseded_by`, which follows from later rows).
    pub data: String,
    pub reason: Option<String>,
    pub issued_at: DateTimeUtc,
    pub issued_by: String,
    pub superseded_at: Option<DateTimeUtc>,
    pub acknowledged_at: Option<DateTimeUtc>,
    pub acknowledged_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
