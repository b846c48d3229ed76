use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "contractors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub code: String,
    pub name: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    /// 统一社会信用代码; absent only on rows made before contractors had one.
    pub credit_code: Option<String>,
    pub qualification: Option<String>,
    pub contact_person: Option<String>,
    pub phone: Option<String>,
    /// Projects the firm can run at once.
    pub capacity: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
