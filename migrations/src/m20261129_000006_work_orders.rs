//! Contractors' records, projects and work orders (施工任务单).
//!
//! - `contractors` gains what the bureau needs to contract with a firm: the unified social credit code (unique;
//!   empty only for rows made before this migration), qualification, contact person and phone, and capacity
//!   (how many projects it can run at once). One column per ALTER: SQLite takes no more.
//! - `projects`: an approved batch turns each compound, or each district bundle, into one project. The bureau
//!   assigns the contractor, the contract amount and the planned dates; a date outside the batch year needs a
//!   recorded reason. Progress (started, percentage, completed) is the project's, reported by its contractor.
//! - `project_sites`: the compounds of a project (a compound is in at most one).
//! - `work_orders`: one row per revision of an order. `number` is per county and year (`RS-2021-0031`) and shared
//!   by the revisions; `data` is the document as issued (JSON of the document engine's input), so every
//!   revision renders the same bytes forever, whatever happens to the compounds later. `contractor_id` is the
//!   firm it was issued to: a firm sees the orders issued to it and nothing else.
//! - `work_order_reports`: the contractor's acknowledgements and progress reports, append-only like the audit
//!   log they are also written to.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            string_len_null(Contractors::CreditCode, 18),
            text_null(Contractors::Qualification),
            string_len_null(Contractors::ContactPerson, 64),
            string_len_null(Contractors::Phone, 32),
            integer(Contractors::Capacity).default(3).to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Contractors::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("contractors_credit_code")
                    .table(Contractors::Table)
                    .col(Contractors::CreditCode)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Projects::Table)
                    .col(pk_auto(Projects::Id))
                    .col(string_len_uniq(Projects::Code, 32))
                    .col(integer(Projects::BatchId))
                    .col(integer(Projects::Year))
                    .col(string_len(Projects::Name, 200))
                    .col(big_integer(Projects::EstimatedCostFen))
                    .col(integer_null(Projects::ContractorId))
                    .col(
                        big_integer_null(Projects::ContractAmountFen)
                            .check(Expr::col(Projects::ContractAmountFen).gt(0)),
                    )
                    .col(date_null(Projects::PlannedStart))
                    .col(date_null(Projects::PlannedEnd))
                    .col(text_null(Projects::DatesReason))
                    .col(
                        string_len(Projects::Progress, 16)
                            .default("not_started")
                            .check(Expr::col(Projects::Progress).is_in([
                                "not_started",
                                "started",
                                "completed",
                            ])),
                    )
                    .col(
                        integer(Projects::Percent)
                            .default(0)
                            .check(Expr::col(Projects::Percent).between(0, 100)),
                    )
                    .col(integer(Projects::Version).default(1))
                    .col(timestamp_with_time_zone(Projects::CreatedAt))
                    .col(timestamp_with_time_zone(Projects::UpdatedAt))
                    .check(
                        Expr::col(Projects::PlannedStart)
                            .is_null()
                            .or(Expr::col(Projects::PlannedEnd).is_null())
                            .or(Expr::col(Projects::PlannedStart)
                                .lt(Expr::col(Projects::PlannedEnd))),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Projects::Table, Projects::BatchId)
                            .to(Batches::Table, Batches::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Projects::Table, Projects::ContractorId)
                            .to(Contractors::Table, Contractors::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProjectSites::Table)
                    .col(pk_auto(ProjectSites::Id))
                    .col(integer(ProjectSites::ProjectId))
                    .col(integer_uniq(ProjectSites::CompoundId))
                    .col(integer(ProjectSites::Position))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProjectSites::Table, ProjectSites::ProjectId)
                            .to(Projects::Table, Projects::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProjectSites::Table, ProjectSites::CompoundId)
                            .to(Compounds::Table, Compounds::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WorkOrders::Table)
                    .col(pk_auto(WorkOrders::Id))
                    .col(string_len(WorkOrders::Number, 32))
                    .col(
                        integer(WorkOrders::Revision).check(Expr::col(WorkOrders::Revision).gte(1)),
                    )
                    .col(integer(WorkOrders::ProjectId))
                    .col(integer(WorkOrders::ContractorId))
                    .col(integer(WorkOrders::Year))
                    .col(text(WorkOrders::Data))
                    .col(text_null(WorkOrders::Reason))
                    .col(timestamp_with_time_zone(WorkOrders::IssuedAt))
                    .col(string_len(WorkOrders::IssuedBy, 100))
                    .col(timestamp_with_time_zone_null(WorkOrders::SupersededAt))
                    .col(timestamp_with_time_zone_null(WorkOrders::AcknowledgedAt))
                    .col(string_len_null(WorkOrders::AcknowledgedBy, 100))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WorkOrders::Table, WorkOrders::ProjectId)
                            .to(Projects::Table, Projects::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(WorkOrders::Table, WorkOrders::ContractorId)
                            .to(Contractors::Table, Contractors::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("work_orders_number_revision")
                    .table(WorkOrders::Table)
                    .col(WorkOrders::Number)
                    .col(WorkOrders::Revision)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("work_orders_project", WorkOrders::ProjectId),
            ("work_orders_contractor", WorkOrders::ContractorId),
            ("work_orders_year", WorkOrders::Year),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(WorkOrders::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(WorkOrderReports::Table)
                    .col(pk_auto(WorkOrderReports::Id))
                    .col(integer(WorkOrderReports::WorkOrderId))
                    .col(integer(WorkOrderReports::ProjectId))
                    .col(string_len(WorkOrderReports::Kind, 16).check(
                        Expr::col(WorkOrderReports::Kind).is_in([
                            "acknowledged",
                            "started",
                            "progress",
                            "completed",
                        ]),
                    ))
                    .col(integer_null(WorkOrderReports::Percent))
                    .col(text_null(WorkOrderReports::Note))
                    .col(string_len(WorkOrderReports::ReportedBy, 100))
                    .col(timestamp_with_time_zone(WorkOrderReports::ReportedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WorkOrderReports::Table, WorkOrderReports::WorkOrderId)
                            .to(WorkOrders::Table, WorkOrders::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(WorkOrderReports::Table, WorkOrderReports::ProjectId)
                            .to(Projects::Table, Projects::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("work_order_reports_project")
                    .table(WorkOrderReports::Table)
                    .col(WorkOrderReports::ProjectId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WorkOrderReports::Table.into_iden(),
            WorkOrders::Table.into_iden(),
            ProjectSites::Table.into_iden(),
            Projects::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("contractors_credit_code")
                    .table(Contractors::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            Contractors::CreditCode,
            Contractors::Qualification,
            Contractors::ContactPerson,
            Contractors::Phone,
            Contractors::Capacity,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Contractors::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Contractors {
    Table,
    Id,
    CreditCode,
    Qualification,
    ContactPerson,
    Phone,
    Capacity,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
    Code,
    BatchId,
    Year,
    Name,
    EstimatedCostFen,
    ContractorId,
    ContractAmountFen,
    PlannedStart,
    PlannedEnd,
    DatesReason,
    Progress,
    Percent,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProjectSites {
    Table,
    Id,
    ProjectId,
    CompoundId,
    Position,
}

#[derive(DeriveIden)]
enum WorkOrders {
    Table,
    Id,
    Number,
    Revision,
    ProjectId,
    ContractorId,
    Year,
    Data,
    Reason,
    IssuedAt,
    IssuedBy,
    SupersededAt,
    AcknowledgedAt,
    AcknowledgedBy,
}

#[derive(DeriveIden)]
enum WorkOrderReports {
    Table,
    Id,
    WorkOrderId,
    ProjectId,
    Kind,
    Percent,
    Note,
    ReportedBy,
    ReportedAt,
}

#[derive(DeriveIden)]
enum Batches {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Compounds {
    Table,
    Id,
}
