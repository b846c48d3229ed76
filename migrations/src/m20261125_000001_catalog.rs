//! The compound catalog: towns and communities, the work-item catalog, compounds with their
//! boundary, survey and consent, and each compound's scope.
//!
//! Design notes:
//! - Nothing is hard-deleted: compounds and work items are archived.
//! - `compounds.version` is bumped on every change; writers compare it (optimistic locking).
//! - Money is whole fen (分) in BIGINT, never floating point.
//! - Structured sub-records (survey, consent, override, remedies) are JSON in TEXT: the same bytes
//!   on SQLite and PostgreSQL, parsed and checked by the domain layer.
//! - The boundary is GeoJSON text in WGS-84, validated and oriented (RFC 7946) before it is
//!   written; its centroid, bounding box, area and perimeter are stored beside it for queries.
//! - `feature` is the compound as an exported GeoJSON feature, rewritten with every change to the
//!   row: exporting a national catalog then reads one column instead of rebuilding every document.
//! - `category` is the effective category (override, else derived from the scope), stored so that
//!   lists filter on it; `category_derived` is what the scope alone gives.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Settings::Table)
                    .col(string_len(Settings::Key, 64).primary_key())
                    .col(text(Settings::Value))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Towns::Table)
                    .col(pk_auto(Towns::Id))
                    .col(string_len_uniq(Towns::Code, 12))
                    .col(string_len(Towns::Name, 50))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Communities::Table)
                    .col(pk_auto(Communities::Id))
                    .col(integer(Communities::TownId))
                    .col(string_len(Communities::Name, 50))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Communities::Table, Communities::TownId)
                            .to(Towns::Table, Towns::Id),
                    )
                    .index(
                        Index::create()
                            .unique()
                            .col(Communities::TownId)
                            .col(Communities::Name),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WorkClasses::Table)
                    .col(pk_auto(WorkClasses::Id))
                    .col(string_len_uniq(WorkClasses::Code, 32))
                    .col(string_len(WorkClasses::Name, 50))
                    .col(integer(WorkClasses::Rank))
                    .col(text(WorkClasses::Description))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WorkItems::Table)
                    .col(pk_auto(WorkItems::Id))
                    .col(string_len_uniq(WorkItems::Code, 32))
                    .col(string_len(WorkItems::Name, 100))
                    .col(integer(WorkItems::ClassId))
                    .col(string_len(WorkItems::Unit, 16))
                    .col(
                        big_integer(WorkItems::UnitCostFen)
                            .check(Expr::col(WorkItems::UnitCostFen).gte(0)),
                    )
                    .col(string_len(WorkItems::QuantityRule, 64))
                    .col(text(WorkItems::Remedies))
                    .col(boolean(WorkItems::Archived).default(false))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WorkItems::Table, WorkItems::ClassId)
                            .to(WorkClasses::Table, WorkClasses::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Compounds::Table)
                    .col(pk_auto(Compounds::Id))
                    .col(string_len_uniq(Compounds::Code, 32))
                    .col(string_len(Compounds::Name, 100))
                    .col(integer(Compounds::TownId))
                    .col(integer(Compounds::CommunityId))
                    .col(string_len(Compounds::Address, 200))
                    .col(integer(Compounds::YearBuilt))
                    .col(integer(Compounds::Buildings).check(Expr::col(Compounds::Buildings).gt(0)))
                    .col(
                        integer(Compounds::Households)
                            .check(Expr::col(Compounds::Households).gt(0)),
                    )
                    .col(
                        double(Compounds::FloorAreaM2)
                            .check(Expr::col(Compounds::FloorAreaM2).gt(0)),
                    )
                    .col(integer(Compounds::Storeys).check(Expr::col(Compounds::Storeys).gt(0)))
                    .col(boolean(Compounds::HasLifts))
                    .col(string_len(Compounds::PropertyManagement, 16).check(
                        Expr::col(Compounds::PropertyManagement).is_in(["none", "self", "company"]),
                    ))
                    .col(string_len(Compounds::Origin, 32))
                    .col(string_len(Compounds::Status, 32).check(
                        Expr::col(Compounds::Status).is_in([
                            "catalogued",
                            "surveyed",
                            "planned",
                            "notice",
                            "in_construction",
                            "completed",
                            "accepted",
                        ]),
                    ))
                    .col(text_null(Compounds::Survey))
                    .col(text_null(Compounds::Consent))
                    .col(string_len_null(Compounds::Category, 32))
                    .col(string_len_null(Compounds::CategoryDerived, 32))
                    .col(text_null(Compounds::CategoryOverride))
                    .col(big_integer(Compounds::EstimatedCostFen))
                    .col(integer(Compounds::Requests).default(0))
                    .col(integer_null(Compounds::DeputiesVoteRank))
                    .col(text(Compounds::Geometry))
                    .col(double(Compounds::SiteAreaM2))
                    .col(double(Compounds::PerimeterM))
                    .col(double(Compounds::CentroidLon))
                    .col(double(Compounds::CentroidLat))
                    .col(double(Compounds::MinLon))
                    .col(double(Compounds::MinLat))
                    .col(double(Compounds::MaxLon))
                    .col(double(Compounds::MaxLat))
                    .col(boolean(Compounds::Archived).default(false))
                    .col(text(Compounds::Feature))
                    .col(integer(Compounds::Version).default(1))
                    .col(timestamp_with_time_zone(Compounds::CreatedAt))
                    .col(timestamp_with_time_zone(Compounds::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Compounds::Table, Compounds::TownId)
                            .to(Towns::Table, Towns::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Compounds::Table, Compounds::CommunityId)
                            .to(Communities::Table, Communities::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_compounds_town", Compounds::TownId),
            ("idx_compounds_category", Compounds::Category),
            ("idx_compounds_status", Compounds::Status),
            ("idx_compounds_year_built", Compounds::YearBuilt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Compounds::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ScopeItems::Table)
                    .col(pk_auto(ScopeItems::Id))
                    .col(integer(ScopeItems::CompoundId))
                    .col(integer(ScopeItems::WorkItemId))
                    .col(integer(ScopeItems::Position))
                    .col(double_null(ScopeItems::Quantity))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ScopeItems::Table, ScopeItems::CompoundId)
                            .to(Compounds::Table, Compounds::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ScopeItems::Table, ScopeItems::WorkItemId)
                            .to(WorkItems::Table, WorkItems::Id),
                    )
                    .index(
                        Index::create()
                            .unique()
                            .col(ScopeItems::CompoundId)
                            .col(ScopeItems::WorkItemId),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ScopeItems::Table.into_iden(),
            Compounds::Table.into_iden(),
            WorkItems::Table.into_iden(),
            WorkClasses::Table.into_iden(),
            Communities::Table.into_iden(),
            Towns::Table.into_iden(),
            Settings::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
}

#[derive(DeriveIden)]
enum Towns {
    Table,
    Id,
    Code,
    Name,
}

#[derive(DeriveIden)]
enum Communities {
    Table,
    Id,
    TownId,
    Name,
}

#[derive(DeriveIden)]
enum WorkClasses {
    Table,
    Id,
    Code,
    Name,
    Rank,
    Description,
}

#[derive(DeriveIden)]
enum WorkItems {
    Table,
    Id,
    Code,
    Name,
    ClassId,
    Unit,
    UnitCostFen,
    QuantityRule,
    Remedies,
    Archived,
}

#[derive(DeriveIden)]
enum Compounds {
    Table,
    Id,
    Code,
    Name,
    TownId,
    CommunityId,
    Address,
    YearBuilt,
    Buildings,
    Households,
    FloorAreaM2,
    Storeys,
    HasLifts,
    PropertyManagement,
    Origin,
    Status,
    Survey,
    Consent,
    Category,
    CategoryDerived,
    CategoryOverride,
    EstimatedCostFen,
    Requests,
    DeputiesVoteRank,
    Geometry,
    SiteAreaM2,
    PerimeterM,
    CentroidLon,
    CentroidLat,
    MinLon,
    MinLat,
    MaxLon,
    MaxLat,
    Archived,
    Feature,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ScopeItems {
    Table,
    Id,
    CompoundId,
    WorkItemId,
    Position,
    Quantity,
}
