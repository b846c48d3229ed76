use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub actor_id: Option<i32>,
    /// The username at the time (or `cli:<os user>` for the command line).
    pub actor: String,
    pub actor_role: String,
    /// Where the write came from: the client's address, or `cli`.
    pub source: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// JSON, absent for a creation.
    pub before: Option<String>,
    /// JSON, absent for a removal.
    pub after: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
