//! The monthly return (月报) as .xlsx, in the layout a provincial template uses: one sheet per table, rows =
//! towns then the county total, columns = indicators, Chinese headers; amounts in yuan.

use super::write::{Book, Cell, Kind};
use crate::domain::monthly::{MonthlyReturn, Row};
use crate::error::Result;

fn failed(e: rust_xlsxwriter::XlsxError) -> crate::error::Error {
    crate::error::Error::Internal(anyhow::anyhow!("spreadsheet: {e}"))
}

fn yuan(fen: i64) -> Cell {
    Cell::Number(fen as f64 / 100.0)
}

fn count(n: i64) -> Cell {
    Cell::Number(n as f64)
}

/// The progress table's columns, in order.
pub const PROGRESS: &[(&str, Kind)] = &[
    ("乡镇（街道）", Kind::Text),
    ("计划小区数", Kind::Count),
    ("计划楼栋数", Kind::Count),
    ("计划户数", Kind::Count),
    ("计划建筑面积（㎡）", Kind::Decimal),
    ("已开工小区数", Kind::Count),
    ("已开工楼栋数", Kind::Count),
    ("已开工户数", Kind::Count),
    ("已开工建筑面积（㎡）", Kind::Decimal),
    ("已完工小区数", Kind::Count),
    ("已完工楼栋数", Kind::Count),
    ("已完工户数", Kind::Count),
    ("已完工建筑面积（㎡）", Kind::Decimal),
    ("开工率（按小区，%）", Kind::Decimal),
    ("开工率（按户数，%）", Kind::Decimal),
    ("计划投资（元）", Kind::Money),
    ("完成投资（元）", Kind::Money),
];

fn progress_row(r: &Row) -> Vec<Cell> {
    vec![
        Cell::Text(r.town.clone()),
        count(r.planned.compounds),
        count(r.planned.buildings),
        count(r.planned.households),
        Cell::Number(r.planned.floor_area_m2),
        count(r.started.compounds),
        count(r.started.buildings),
        count(r.started.households),
        Cell::Number(r.started.floor_area_m2),
        count(r.completed.compounds),
        count(r.completed.buildings),
        count(r.completed.households),
        Cell::Number(r.completed.floor_area_m2),
        Cell::Number((r.start_rate_compounds * 10_000.0).round() / 100.0),
        Cell::Number((r.start_rate_households * 10_000.0).round() / 100.0),
        yuan(r.investment_planned_fen),
        yuan(r.investment_completed_fen),
    ]
}

/// How the return counts (口径), as the workbook's notes and the PDF's state it.
pub const BASIS: &str = "计划：当年批准的年度批次；开工、完工：施工单位报告的开工、完工日期；完成投资：合同金额（未签合同的按投资估算）乘以报告的完成比例，按各小区投资估算分摊；资金：登记的到位资金和工程款支付，冲销后的净额。";

/// The return as a workbook: 进度 (towns and the county), 成效 (the effect indicators, when the policy sets any),
/// 资金 (received by source, paid), 说明.
pub fn monthly(r: &MonthlyReturn, county: &str, authority: &str) -> Result<Vec<u8>> {
    let mut book = Book::new();
    let rows = r
        .towns
        .iter()
        .chain(std::iter::once(&r.county))
        .map(progress_row);
    book.sheet("改造进度", PROGRESS, rows).map_err(failed)?;
    if !r.indicators.is_empty() {
        let headings = r.effect_headings();
        let columns: Vec<(&str, Kind)> = std::iter::once(("乡镇（街道）", Kind::Text))
            .chain(headings.iter().map(|h| (h.as_str(), Kind::Decimal)))
            .collect();
        let rows = r.towns.iter().chain(std::iter::once(&r.county)).map(|t| {
            std::iter::once(Cell::Text(t.town.clone()))
                .chain(t.effects().into_iter().map(Cell::Number))
                .collect()
        });
        book.sheet("改造成效", &columns, rows).map_err(failed)?;
    }
    let mut funds: Vec<Vec<Cell>> = r
        .funds
        .iter()
        .map(|f| {
            vec![
                Cell::Text(format!("到位资金·{}", f.name)),
                yuan(f.received_fen),
            ]
        })
        .collect();
    funds.push(vec![
        Cell::Text("到位资金合计".into()),
        yuan(r.received_fen),
    ]);
    funds.push(vec![Cell::Text("已支付工程款".into()), yuan(r.paid_fen)]);
    book.sheet(
        "资金到位与支付",
        &[("项目", Kind::Text), ("累计金额（元）", Kind::Money)],
        funds,
    )
    .map_err(failed)?;
    let mut notes = vec![
        (
            format!("{county}城镇老旧小区改造进度月报"),
            format!(
                "{} 年 {} 月（自 1 月 1 日起累计，截至 {}）",
                r.year, r.month, r.as_of
            ),
        ),
        ("填报单位".to_owned(), authority.to_owned()),
        ("口径".to_owned(), BASIS.to_owned()),
    ];
    if r.problems.is_empty() {
        notes.push(("核对".to_owned(), "各项核对均通过".to_owned()));
    }
    for p in &r.problems {
        notes.push((format!("核对未通过：{}", p.cell), p.message.clone()));
    }
    book.notes("说明", &notes).map_err(failed)?;
    book.bytes().map_err(failed)
}
