use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub username: String,
    pub display_name: String,
    /// `domain::account::Role` code.
    pub role: String,
    pub contractor_id: Option<i32>,
    /// argon2 PHC string; `None` until the person sets a password through a sign-in link.
    pub password_hash: Option<String>,
    pub active: bool,
    /// Created by `serve --demo`, with a published password.
    pub demo: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
