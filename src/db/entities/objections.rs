use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "objections")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub notice_id: i32,
    /// The form's one-time id: a form sent twice is stored once.
    pub submission: String,
    /// objection (异议) or comment (意见建议).
    pub kind: String,
    /// 楼栋/单元, as the resident wrote it.
    pub building_unit: String,
    pub name: Option<String>,
    /// Never shown publicly; the bureau sees it masked unless it calls back.
    pub mobile: String,
    pub text: String,
    /// SHA-256 of the text with its spacing normalised: the same text is stored once per notice.
    pub text_digest: String,
    pub source: String,
    pub created_at: DateTimeUtc,
    pub answer: Option<String>,
    pub answered_at: Option<DateTimeUtc>,
    pub answered_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
