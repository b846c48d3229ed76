use sea_orm::entity::prelude::*;

/// A resident's request (诉求) about their compound, and the bureau's triage of it.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "resident_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub compound_id: i32,
    /// The form's one-time id: a form sent twice is stored once.
    pub submission: String,
    /// The catalog item the resident picked, if any.
    pub item_code: Option<String>,
    /// 楼栋/单元, as the resident wrote it.
    pub building_unit: String,
    /// Never shown publicly; the bureau sees it masked.
    pub mobile: String,
    /// The resident's own words (may be empty when an item was picked).
    pub text: String,
    /// SHA-256 of the item, the normalised text and the mobile: the same request is stored once per compound.
    pub text_digest: String,
    pub source: String,
    pub created_at: DateTimeUtc,
    /// new, accepted, merged or out_of_scope.
    pub status: String,
    pub linked_item: Option<String>,
    pub merged_into: Option<i32>,
    pub department: Option<String>,
    pub answer: Option<String>,
    pub triaged_at: Option<DateTimeUtc>,
    pub triaged_by: Option<String>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
