use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "scope_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub compound_id: i32,
    pub work_item_id: i32,
    pub position: i32,
    /// Entered by a surveyor; `None` when the catalog's rule derives it.
    pub quantity: Option<f64>,
    /// Why an entered quantity differs from the catalog's rule.
    pub reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
