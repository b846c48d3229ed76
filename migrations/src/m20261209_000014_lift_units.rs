//! Lift votes per stairwell (加装电梯按单元表决): a lift serves one unit (单元) of one building (楼栋), so its owners
//! decide it. One row per unit of a compound, with the counts scanned from the paper forms per answer (同意, 反对,
//! 弃权: households and the exclusive area they hold). Areas are whole hundredths of a square metre (`*_centi`) so
//! that the thresholds are tested exactly. The verdict is not stored: it follows from the counts and the policy.
//!
//! The compound's lift item (the policy's `lift.item`) counts the units that passed; each write of a row sets it in
//! the same transaction. `version` guards a row against stale edits.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let counts = [
            LiftUnits::AgreeOwners,
            LiftUnits::OpposeOwners,
            LiftUnits::AbstainOwners,
        ];
        let areas = [
            LiftUnits::AgreeAreaCenti,
            LiftUnits::OpposeAreaCenti,
            LiftUnits::AbstainAreaCenti,
        ];
        let mut table = Table::create();
        table
            .table(LiftUnits::Table)
            .col(pk_auto(LiftUnits::Id))
            .col(integer(LiftUnits::CompoundId))
            .col(string_len(LiftUnits::Building, 20))
            .col(string_len(LiftUnits::Unit, 20))
            .col(integer(LiftUnits::OwnersTotal).check(Expr::col(LiftUnits::OwnersTotal).gt(0)))
            .col(
                big_integer(LiftUnits::AreaTotalCenti)
                    .check(Expr::col(LiftUnits::AreaTotalCenti).gt(0)),
            );
        for column in counts {
            table.col(integer(column.clone()).check(Expr::col(column).gte(0)));
        }
        for column in areas {
            table.col(big_integer(column.clone()).check(Expr::col(column).gte(0)));
        }
        table
            .col(date(LiftUnits::RecordedOn))
            .col(string_len(LiftUnits::RecordedBy, 100))
            .col(timestamp_with_time_zone(LiftUnits::UpdatedAt))
            .col(integer(LiftUnits::Version).default(1))
            .foreign_key(
                ForeignKey::create()
                    .from(LiftUnits::Table, LiftUnits::CompoundId)
                    .to(Compounds::Table, Compounds::Id),
            );
        manager.create_table(table.to_owned()).await?;
        manager
            .create_index(
                Index::create()
                    .name("lift_units_one_per_unit")
                    .table(LiftUnits::Table)
                    .col(LiftUnits::CompoundId)
                    .col(LiftUnits::Building)
                    .col(LiftUnits::Unit)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LiftUnits::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone)]
enum LiftUnits {
    Table,
    Id,
    CompoundId,
    Building,
    Unit,
    OwnersTotal,
    AreaTotalCenti,
    AgreeOwners,
    AgreeAreaCenti,
    OpposeOwners,
    OpposeAreaCenti,
    AbstainOwners,
    AbstainAreaCenti,
    RecordedOn,
    RecordedBy,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden)]
enum Compounds {
    Table,
    Id,
}
