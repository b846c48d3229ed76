use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "money_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// receipt, payment or final_account.
    pub kind: String,
    pub year: i32,
    /// The funding source's code (receipts).
    pub source: Option<String>,
    /// The project (payments and final accounts).
    pub project_id: Option<i32>,
    /// The payment milestone's code (payments).
    pub milestone: Option<String>,
    /// Negative on a reversing entry.
    pub amount_fen: i64,
    /// The day the money moved, or the audit report's date.
    pub occurred_on: Date,
    pub document_no: Option<String>,
    pub note: Option<String>,
    /// Why: the override's reason on an entry past a rule, the correction's on a reversing entry.
    pub reason: Option<String>,
    pub overridden: bool,
    pub reverses_id: Option<i32>,
    pub recorded_by: String,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
