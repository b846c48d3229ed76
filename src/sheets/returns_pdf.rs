//! The monthly return (月报) as an A4 PDF through the document engine, under the bureau's header: the workbook's
//! tables with its Chinese headers (rows = towns, then 全县合计 in bold), amounts in 万元 to two decimals.
//!
//! Each table is one function of the return ([`TABLES`]): a new table (the effect indicators) is one more
//! function in that list.

use jiugai_document::{Report, ReportColumn, ReportTable, money, number};

use super::returns::{BASIS, PROGRESS};
use super::write::Kind;
use crate::domain::monthly::{MonthlyReturn, Row};
use crate::error::{Error, Result};

/// The tables, in print order.
const TABLES: &[fn(&MonthlyReturn) -> ReportTable] = &[progress, effects, funds];

/// The return as PDF bytes; `status` is the line under the bureau's name ("草稿：尚未报送", or which version was
/// submitted when, by whom).
pub fn monthly(r: &MonthlyReturn, county: &str, authority: &str, status: &str) -> Result<Vec<u8>> {
    jiugai_document::render_report(&report(r, county, authority, status)).map_err(|e| {
        Error::Internal(anyhow::anyhow!(
            "rendering the return of {}-{:02}: {e:?}",
            r.year,
            r.month
        ))
    })
}

/// The return as the document engine's plain data.
pub fn report(r: &MonthlyReturn, county: &str, authority: &str, status: &str) -> Report {
    Report {
        authority: authority.to_owned(),
        title: format!("{county}城镇老旧小区改造进度月报"),
        period: format!(
            "{}年{}月（自1月1日起累计，截至{}）",
            r.year,
            r.month,
            r.as_of.format("%Y年%-m月%-d日")
        ),
        status: status.to_owned(),
        date: r.as_of,
        // A table without columns (no effect indicators in the policy) is left out.
        tables: TABLES
            .iter()
            .map(|table| table(r))
            .filter(|t| !t.columns.is_empty())
            .collect(),
        notes: notes(r),
    }
}

/// 改造进度: a row per town, the county's total last; the workbook's columns, money in 万元.
fn progress(r: &MonthlyReturn) -> ReportTable {
    let columns = PROGRESS
        .iter()
        .map(|(header, kind)| {
            let header = if *kind == Kind::Money {
                header.replace("（元）", "（万元）")
            } else {
                (*header).to_owned()
            };
            ReportColumn {
                header: breakable(&header),
                numeric: *kind != Kind::Text,
            }
        })
        .collect();
    ReportTable {
        caption: "改造进度".into(),
        columns,
        rows: r.towns.iter().map(progress_row).collect(),
        total: Some(progress_row(&r.county)),
    }
}

/// The header with the break a narrow column may take after its stage: "计划\n小区数", not "计划小区\n数".
fn breakable(header: &str) -> String {
    for stage in ["已开工", "已完工", "已完成", "计划"] {
        if let Some(rest) = header.strip_prefix(stage)
            && rest.chars().count() > 1
            && !rest.starts_with('（')
        {
            return format!("{stage}\n{rest}");
        }
    }
    header.to_owned()
}

fn progress_row(r: &Row) -> Vec<String> {
    let area = |m2: f64| number(m2, 2);
    let percent = |rate: f64| number(rate * 100.0, 2);
    vec![
        r.town.clone(),
        money::whole(r.planned.compounds),
        money::whole(r.planned.buildings),
        money::whole(r.planned.households),
        area(r.planned.floor_area_m2),
        money::whole(r.started.compounds),
        money::whole(r.started.buildings),
        money::whole(r.started.households),
        area(r.started.floor_area_m2),
        money::whole(r.completed.compounds),
        money::whole(r.completed.buildings),
        money::whole(r.completed.households),
        area(r.completed.floor_area_m2),
        percent(r.start_rate_compounds),
        percent(r.start_rate_households),
        money::wan_figures(r.investment_planned_fen),
        money::wan_figures(r.investment_completed_fen),
    ]
}

/// 改造成效: each effect indicator planned and completed, a row per town and the county's total last.
fn effects(r: &MonthlyReturn) -> ReportTable {
    let headings = r.effect_headings();
    if headings.is_empty() {
        return ReportTable {
            caption: String::new(),
            columns: Vec::new(),
            rows: Vec::new(),
            total: None,
        };
    }
    let columns = std::iter::once(ReportColumn {
        header: "乡镇（街道）".into(),
        numeric: false,
    })
    .chain(headings.iter().map(|h| ReportColumn {
        header: breakable(h),
        numeric: true,
    }))
    .collect();
    let row = |t: &Row| -> Vec<String> {
        std::iter::once(t.town.clone())
            .chain(t.effects().into_iter().map(|x| {
                if (x - x.round()).abs() < 0.005 {
                    money::whole(x.round() as i64)
                } else {
                    number(x, 2)
                }
            }))
            .collect()
    };
    ReportTable {
        caption: "改造成效".into(),
        columns,
        rows: r.towns.iter().map(row).collect(),
        total: Some(row(&r.county)),
    }
}

/// 资金到位与支付: funds received by source, their total, and what was paid out.
fn funds(r: &MonthlyReturn) -> ReportTable {
    let mut rows: Vec<Vec<String>> = r
        .funds
        .iter()
        .map(|f| {
            vec![
                format!("到位资金·{}", f.name),
                money::wan_figures(f.received_fen),
            ]
        })
        .collect();
    rows.push(vec![
        "到位资金合计".into(),
        money::wan_figures(r.received_fen),
    ]);
    rows.push(vec!["已支付工程款".into(), money::wan_figures(r.paid_fen)]);
    ReportTable {
        caption: "资金到位与支付".into(),
        columns: vec![
            ReportColumn {
                header: "项目".into(),
                numeric: false,
            },
            ReportColumn {
                header: "累计金额（万元）".into(),
                numeric: true,
            },
        ],
        rows,
        total: None,
    }
}

/// 说明: how the return counts, the units, and the identity checks.
fn notes(r: &MonthlyReturn) -> Vec<String> {
    let mut notes = vec![
        format!("口径：{BASIS}"),
        "单位：金额为万元，按四舍五入保留两位小数，合计数与分项之和可能略有差异；建筑面积为平方米。".to_owned(),
    ];
    if r.problems.is_empty() {
        notes.push("核对：各项核对均通过。".to_owned());
    }
    for p in &r.problems {
        notes.push(format!("核对未通过：{}：{}", p.cell, p.message));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::monthly::{Counts, SourceRow};

    fn row(town: &str, compounds: i64) -> Row {
        let counts = Counts {
            compounds,
            buildings: 10 * compounds,
            households: 300 * compounds,
            floor_area_m2: 12_345.6 * compounds as f64,
        };
        Row {
            town: town.into(),
            planned: counts,
            started: counts,
            completed: Counts::default(),
            start_rate_compounds: 1.0,
            start_rate_households: 0.875,
            investment_planned_fen: 123_456_789 * compounds,
            investment_completed_fen: 0,
            ..Row::default()
        }
    }

    fn sample() -> MonthlyReturn {
        MonthlyReturn {
            year: 2021,
            month: 6,
            as_of: chrono::NaiveDate::from_ymd_opt(2021, 6, 30).expect("a date"),
            indicators: vec![],
            towns: vec![row("文林街道", 2), row("富加镇", 1)],
            county: row("全县合计", 3),
            funds: vec![SourceRow {
                code: "central".into(),
                name: "中央补助资金".into(),
                received_fen: 1_200_000_000,
            }],
            received_fen: 1_200_000_000,
            paid_fen: 987_654_321,
            problems: vec![],
        }
    }

    #[test]
    fn the_tables_carry_the_workbooks_headers_with_money_in_wan() {
        let report = report(&sample(), "某县", "某县住房和城乡建设局", "草稿：尚未报送");
        let progress = &report.tables[0];
        let headers: Vec<&str> = progress.columns.iter().map(|c| c.header.as_str()).collect();
        assert_eq!(headers.len(), PROGRESS.len());
        assert_eq!(headers[0], "乡镇（街道）");
        assert_eq!(headers[1], "计划\n小区数");
        assert_eq!(headers[8], "已开工\n建筑面积（㎡）");
        assert_eq!(headers[13], "开工率（按小区，%）");
        assert_eq!(headers[15], "计划\n投资（万元）");
        assert!(!progress.columns[0].numeric && progress.columns[1].numeric);
        assert_eq!(progress.rows.len(), 2);
        let total = progress.total.as_ref().expect("the county row");
        assert_eq!(total[0], "全县合计");
        assert_eq!(total[3], "900");
        assert_eq!(total[4], "37,036.80");
        assert_eq!(total[13], "100.00");
        assert_eq!(total[14], "87.50");
        assert_eq!(total[15], "370.37");
        let funds = &report.tables[1];
        assert_eq!(funds.rows[0], ["到位资金·中央补助资金", "1,200.00"]);
        assert_eq!(funds.rows[2], ["已支付工程款", "987.65"]);
        assert_eq!(
            report.period,
            "2021年6月（自1月1日起累计，截至2021年6月30日）"
        );
    }

    #[test]
    fn it_renders_as_a_pdf() {
        let bytes =
            monthly(&sample(), "某县", "某县住房和城乡建设局", "草稿：尚未报送").expect("renders");
        assert!(bytes.starts_with(b"%PDF-"));
    }
}
