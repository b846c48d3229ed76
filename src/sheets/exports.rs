//! The bureau's exports as .xlsx, each what its page shows (all rows, not one page), written by [`Book`].

use chrono::{DateTime, NaiveDateTime, Utc};
use sea_orm::DatabaseConnection;
use serde_json::Value;

use super::read::{COLUMNS, Read, deficits_text, scope_text};
use super::write::{Book, Cell, Kind};
use crate::db::compounds::{EXPORT_PAGE, FeaturePages, ListQuery, SortKey};
use crate::db::{audit, catalog, notices, scenarios};
use crate::domain::compound::{Consent, Origin, PropertyManagement, Status, Survey};
use crate::domain::notice::ASPECTS;
use crate::domain::priority::{Factors, Weights, score};
use crate::domain::time::beijing;
use crate::error::Result;

fn failed(e: rust_xlsxwriter::XlsxError) -> crate::error::Error {
    crate::error::Error::Internal(anyhow::anyhow!("spreadsheet: {e}"))
}

fn minute(at: DateTime<Utc>) -> Cell {
    Cell::Minute(at.with_timezone(&beijing()).naive_local())
}

/// Every compound a filter selects, as their stored features' properties, sorted as the list sorts them.
async fn all_properties(db: &DatabaseConnection, query: &ListQuery) -> Result<Vec<Value>> {
    let mut pages = FeaturePages::new(query.filter.clone(), EXPORT_PAGE);
    let mut all = Vec::new();
    while let Some(page) = pages.next(db).await? {
        for feature in page {
            let mut f: Value = serde_json::from_str(&feature).map_err(anyhow::Error::from)?;
            all.push(f["properties"].take());
        }
    }
    let key = SortKey::NAMES
        .iter()
        .find(|n| SortKey::parse(n) == Some(query.sort))
        .copied()
        .unwrap_or("code");
    all.sort_by(|a, b| {
        let order = match (a[key].as_f64(), b[key].as_f64()) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            _ => a[key].as_str().cmp(&b[key].as_str()),
        };
        let order = if query.descending {
            order.reverse()
        } else {
            order
        };
        order.then_with(|| a["code"].as_str().cmp(&b["code"].as_str()))
    });
    Ok(all)
}

fn label<T: Copy>(all: &[T], code: &str, of: impl Fn(T) -> (&'static str, &'static str)) -> String {
    all.iter()
        .map(|t| of(*t))
        .find(|(c, _)| *c == code)
        .map_or_else(|| code.to_owned(), |(_, l)| l.to_owned())
}

fn management(code: &str) -> String {
    label(PropertyManagement::ALL, code, |p| (p.code(), p.label()))
}

fn origin(code: &str) -> String {
    label(Origin::ALL, code, |o| (o.code(), o.label()))
}

fn status(code: &str) -> String {
    label(Status::ALL, code, |s| (s.code(), s.label()))
}

fn date_of(v: &Value) -> Cell {
    v.as_str()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map_or(Cell::Empty, Cell::Date)
}

fn listed(text: String) -> Cell {
    if text == "（空）" {
        Cell::Empty
    } else {
        Cell::Text(text)
    }
}

/// The compound list (小区名录) with the list page's filters and sort, every matching row.
pub async fn compounds(db: &DatabaseConnection, query: &ListQuery) -> Result<Vec<u8>> {
    let catalog = catalog::load(db).await?;
    let policy = catalog::load_policy(db).await?;
    let weights = policy.as_ref().and_then(|p| Weights::from_policy(p).ok());
    let rows = all_properties(db, query).await?;
    let archived = query.filter.include_archived;
    let mut columns = vec![
        ("编号", Kind::Text),
        ("名称", Kind::Text),
        ("镇街", Kind::Text),
        ("社区", Kind::Text),
        ("地址", Kind::Text),
        ("建成年份", Kind::Integer),
        ("楼栋数", Kind::Count),
        ("户数", Kind::Count),
        ("建筑面积（㎡）", Kind::Area),
        ("层数", Kind::Integer),
        ("物业管理", Kind::Text),
        ("来源", Kind::Text),
        ("改造类别", Kind::Text),
        ("状态", Kind::Text),
        ("调查日期", Kind::Date),
        ("存在问题", Kind::Text),
        ("估算投资（元）", Kind::Money),
        ("优先级", Kind::Decimal),
    ];
    if archived {
        columns.push(("已归档", Kind::Text));
    }
    let cells = rows.iter().map(|p| {
        let text = |k: &str| Cell::from(p[k].as_str().unwrap_or_default());
        let number = |k: &str| p[k].as_f64().map_or(Cell::Empty, Cell::Number);
        let category = p["category"]
            .as_str()
            .map(|c| catalog.class(c).map_or(c.to_owned(), |k| k.name.clone()))
            .unwrap_or_else(|| "未定".to_owned());
        let survey: Option<Survey> = serde_json::from_value(p["survey"].clone()).ok();
        let consent: Option<Consent> = serde_json::from_value(p["consent"].clone()).ok();
        let priority = match (&weights, &policy) {
            (Some(w), Some(policy)) => Cell::Number(
                score(
                    w,
                    policy,
                    &Factors {
                        year_built: p["year_built"].as_i64().unwrap_or_default() as i32,
                        households: p["households"].as_i64().unwrap_or_default() as i32,
                        survey: survey.as_ref(),
                        consent: consent.as_ref(),
                        requests: p["requests"].as_i64().unwrap_or_default() as i32,
                        deputies_vote_rank: p["deputies_vote_rank"].as_i64().map(|r| r as i32),
                    },
                )
                .total,
            ),
            _ => Cell::Empty,
        };
        let mut row = vec![
            text("code"),
            text("name"),
            text("town"),
            text("community"),
            text("address"),
            number("year_built"),
            number("buildings"),
            number("households"),
            number("floor_area_m2"),
            number("storeys"),
            Cell::Text(management(
                p["property_management"].as_str().unwrap_or_default(),
            )),
            Cell::Text(origin(p["origin"].as_str().unwrap_or_default())),
            Cell::Text(category),
            Cell::Text(status(p["status"].as_str().unwrap_or_default())),
            date_of(&p["survey"]["surveyed_on"]),
            listed(deficits_text(&p["survey"]["deficits"])),
            number("estimated_cost_yuan"),
            priority,
        ];
        if archived {
            row.push(Cell::from(if p["archived"] == true {
                "是"
            } else {
                "否"
            }));
        }
        row
    });
    let mut book = Book::new();
    book.sheet("小区名录", &columns, cells).map_err(failed)?;
    book.bytes().map_err(failed)
}

/// The import template: every compound (archived ones left out) with the columns a town fills in, the
/// instructions (说明) and example rows (示例).
pub async fn template(db: &DatabaseConnection) -> Result<Vec<u8>> {
    let catalog = catalog::load(db).await?;
    let query = ListQuery {
        filter: Default::default(),
        sort: SortKey::Code,
        descending: false,
        page: 1,
        per_page: 1,
    };
    let rows = all_properties(db, &query).await?;
    let columns: Vec<(&str, Kind)> = COLUMNS
        .iter()
        .map(|c| {
            let kind = match c.read {
                Read::Integer if c.key == "year_built" => Kind::Integer,
                Read::Integer => Kind::Count,
                Read::Number => Kind::Area,
                Read::Date => Kind::Date,
                _ => Kind::Text,
            };
            (c.header, kind)
        })
        .collect();
    let cell = |p: &Value, read: Read, key: &str| -> Cell {
        let v = match key {
            "survey.surveyed_on" => &p["survey"]["surveyed_on"],
            "survey.deficits" => &p["survey"]["deficits"],
            key => &p[key],
        };
        match read {
            Read::Text | Read::Code => Cell::from(v.as_str().unwrap_or_default()),
            Read::Integer | Read::Number => v.as_f64().map_or(Cell::Empty, Cell::Number),
            Read::Lifts => Cell::from(if *v == true { "有" } else { "无" }),
            Read::Management => Cell::Text(management(v.as_str().unwrap_or_default())),
            Read::Origin => Cell::Text(origin(v.as_str().unwrap_or_default())),
            Read::Date => date_of(v),
            Read::Deficits => listed(deficits_text(v)),
            Read::Scope => listed(scope_text(v)),
        }
    };
    let mut book = Book::new();
    book.sheet(
        super::read::SHEET,
        &columns,
        rows.iter()
            .map(|p| COLUMNS.iter().map(|c| cell(p, c.read, c.key)).collect()),
    )
    .map_err(failed)?;
    book.notes("说明", &instructions(&catalog))
        .map_err(failed)?;
    book.sheet("示例", &columns, examples()).map_err(failed)?;
    book.bytes().map_err(failed)
}

fn instructions(catalog: &crate::domain::catalog::Catalog) -> Vec<(String, String)> {
    let names = |list: Vec<(&str, &str)>| {
        list.iter()
            .map(|(code, label)| format!("{label}（{code}）"))
            .collect::<Vec<_>>()
            .join("、")
    };
    let mut lines = vec![
        ("小区导入模板".to_owned(), "在工作表“小区”中每行填写一个小区，第一行为表头，请勿改动表头文字。".to_owned()),
        ("导入规则".to_owned(), "按编号对应：已有编号更新该小区，新编号新建小区。表中有错时整份文件不导入，并逐格列出问题（工作表、行号、列名）。已有小区在表中未列的信息（边界、居民意愿、状态等）保持不变。".to_owned()),
        ("边界".to_owned(), "新小区须同时上传 GeoJSON 边界文件（要素集合，每个要素的 properties.code 为小区编号）；已有小区不上传则保留原边界。".to_owned()),
        (String::new(), String::new()),
        ("列名".to_owned(), "填写说明".to_owned()),
    ];
    for c in COLUMNS {
        let mut note = match c.read {
            Read::Management => format!(
                "填以下之一：{}",
                names(
                    PropertyManagement::ALL
                        .iter()
                        .map(|p| (p.code(), p.label()))
                        .collect()
                )
            ),
            Read::Origin => format!(
                "填以下之一：{}",
                names(Origin::ALL.iter().map(|o| (o.code(), o.label())).collect())
            ),
            Read::Deficits => format!(
                "可选：每项写“问题代码：严重程度”，可再加“：说明”，多项用“；”分隔，如 roof_leak：安全隐患；lighting_poor：品质提升：路灯不足。严重程度可填：{}",
                names(
                    crate::domain::compound::Severity::ALL
                        .iter()
                        .map(|s| (s.code(), s.label()))
                        .collect()
                )
            ),
            _ => c.note.to_owned(),
        };
        if c.required {
            note = format!("必填。{note}");
        }
        lines.push((c.header.to_owned(), note));
    }
    lines.push((String::new(), String::new()));
    lines.push(("问题代码".to_owned(), "对应的改造项目".to_owned()));
    for item in &catalog.items {
        for code in &item.remedies {
            lines.push((code.clone(), format!("{} {}", item.code, item.name)));
        }
    }
    lines.push((String::new(), String::new()));
    lines.push(("改造项目编号".to_owned(), "名称（单位）".to_owned()));
    for item in &catalog.items {
        lines.push((item.code.clone(), format!("{}（{}）", item.name, item.unit)));
    }
    lines
}

fn examples() -> Vec<Vec<Cell>> {
    let date = chrono::NaiveDate::from_ymd_opt(2021, 3, 1).unwrap_or_default();
    vec![
        vec![
            "RS-9001".into(),
            "工行小区".into(),
            "511421001".into(),
            "文林街道".into(),
            "文林社区".into(),
            "陵州路 12 号".into(),
            1996.into(),
            6.into(),
            240.into(),
            21600.0.into(),
            6.into(),
            "无".into(),
            "无物业".into(),
            "单位集资房".into(),
            date.into(),
            "roof_leak：安全隐患；lighting_poor：品质提升：路灯不足".into(),
            "B01；I11×2".into(),
            3.into(),
        ],
        vec![
            "RS-9002".into(),
            "农机宿舍".into(),
            "511421001".into(),
            "文林街道".into(),
            "东坡社区".into(),
            Cell::Empty,
            1988.into(),
            3.into(),
            72.into(),
            5400.0.into(),
            5.into(),
            "无".into(),
            "居民自治".into(),
            "房改房".into(),
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
        ],
    ]
}

/// A plan: the per-year summary and where each compound stands, with the reason as the plan page words it.
pub async fn plan(db: &DatabaseConnection, id: i32) -> Result<(String, Vec<u8>)> {
    let s = scenarios::get(db, id).await?;
    let years = s.plan["years"].as_array().cloned().unwrap_or_default();
    let mut book = Book::new();
    book.sheet(
        "年度汇总",
        &[
            ("年度", Kind::Integer),
            ("小区数", Kind::Count),
            ("户数", Kind::Count),
            ("投资（元）", Kind::Money),
            ("预算（元）", Kind::Money),
            ("预算结余（元）", Kind::Money),
        ],
        years.iter().map(|y| {
            let n = |k: &str| y[k].as_f64().map_or(Cell::Empty, Cell::Number);
            vec![
                n("year"),
                n("compounds"),
                n("households"),
                n("used_yuan"),
                n("budget_yuan"),
                n("left_yuan"),
            ]
        }),
    )
    .map_err(failed)?;
    let compounds = s.plan["compounds"].as_array().cloned().unwrap_or_default();
    let outcome = |o: &str| match o {
        "approved" => "已批准",
        "pinned" => "指定年度",
        "scheduled" => "规划安排",
        "unscheduled" => "规划期内未安排",
        "excluded" => "本方案不安排",
        "ineligible" => "不符合条件",
        _ => "—",
    };
    book.sheet(
        "小区安排",
        &[
            ("编号", Kind::Text),
            ("名称", Kind::Text),
            ("年度", Kind::Integer),
            ("安排情况", Kind::Text),
            ("估算投资（元）", Kind::Money),
            ("户数", Kind::Count),
            ("优先级", Kind::Decimal),
            ("理由", Kind::Text),
        ],
        compounds.iter().map(|c| {
            vec![
                Cell::from(c["code"].as_str().unwrap_or_default()),
                Cell::from(c["name"].as_str().unwrap_or_default()),
                c["year"]
                    .as_f64()
                    .map_or_else(|| Cell::from("未安排"), Cell::Number),
                Cell::from(outcome(c["outcome"].as_str().unwrap_or_default())),
                c["cost_yuan"].as_f64().map_or(Cell::Empty, Cell::Number),
                c["households"].as_f64().map_or(Cell::Empty, Cell::Number),
                c["priority"].as_f64().map_or(Cell::Empty, Cell::Number),
                Cell::from(c["reason"].as_str().unwrap_or_default()),
            ]
        }),
    )
    .map_err(failed)?;
    Ok((s.name, book.bytes().map_err(failed)?))
}

/// The satisfaction figures per rated compound of the batch (or every batch), then the total.
pub async fn satisfaction(db: &DatabaseConnection, year: Option<i32>) -> Result<Vec<u8>> {
    let rows = notices::satisfaction(db, year).await?;
    let mut columns = vec![
        ("编号", Kind::Text),
        ("小区", Kind::Text),
        ("项目", Kind::Text),
        ("批次", Kind::Integer),
        ("评价数", Kind::Count),
    ];
    columns.extend(ASPECTS.iter().map(|(_, label)| (*label, Kind::Decimal)));
    columns.push(("综合", Kind::Decimal));
    let mut book = Book::new();
    book.sheet(
        "满意度评价",
        &columns,
        rows.iter().map(|r| {
            let whole = r.code.is_empty();
            let mut row = vec![
                Cell::from(r.code.as_str()),
                Cell::from(if whole { "合计" } else { r.name.as_str() }),
                Cell::from(r.project.as_str()),
                if whole {
                    Cell::Empty
                } else {
                    Cell::from(r.year)
                },
                Cell::from(r.ratings),
            ];
            row.extend(r.means.iter().map(|m| Cell::from(*m)));
            row.push(Cell::from(r.overall));
            row
        }),
    )
    .map_err(failed)?;
    book.bytes().map_err(failed)
}

/// The objections waiting for an answer, oldest first, as the inbox shows them.
pub async fn objections(db: &DatabaseConnection) -> Result<Vec<u8>> {
    let items = notices::unanswered(db).await?;
    let mut book = Book::new();
    book.sheet(
        "待答复的居民意见",
        &[
            ("收到时间", Kind::Minute),
            ("公示", Kind::Text),
            ("公示编号", Kind::Text),
            ("类型", Kind::Text),
            ("楼栋/单元", Kind::Text),
            ("内容", Kind::Text),
            ("公示期截止", Kind::Minute),
        ],
        items.iter().map(|o| {
            vec![
                minute(o.created_at),
                Cell::from(o.notice_title.as_str()),
                Cell::from(o.notice_number.as_deref().unwrap_or("草稿")),
                Cell::from(if o.kind == "comment" {
                    "意见建议"
                } else {
                    "异议"
                }),
                Cell::from(o.building_unit.as_str()),
                Cell::from(o.text.as_str()),
                o.closes_at.map_or(Cell::Empty, minute),
            ]
        }),
    )
    .map_err(failed)?;
    book.bytes().map_err(failed)
}

/// The audit log with the viewer's filters: the rows of the CSV export, in the same words.
pub async fn audit_log(db: &DatabaseConnection, filter: audit::Filter) -> Result<Vec<u8>> {
    let mut pages = audit::CsvPages::new(filter);
    let mut text = Vec::new();
    while let Some(chunk) = pages.next(db).await? {
        text.extend(chunk);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_slice());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(anyhow::Error::from)?;
        let row: Vec<Cell> = record
            .iter()
            .enumerate()
            .map(|(i, v)| match i {
                0 => v.parse::<i64>().map_or_else(|_| Cell::from(v), Cell::from),
                1 => NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M")
                    .map_or_else(|_| Cell::from(v), Cell::Minute),
                _ => Cell::from(v),
            })
            .collect();
        rows.push(row);
    }
    let columns: Vec<(&str, Kind)> = audit::CSV_HEADER
        .iter()
        .enumerate()
        .map(|(i, h)| {
            (
                *h,
                match i {
                    0 => Kind::Integer,
                    1 => Kind::Minute,
                    _ => Kind::Text,
                },
            )
        })
        .collect();
    let mut book = Book::new();
    book.sheet("审计日志", &columns, rows).map_err(failed)?;
    book.bytes().map_err(failed)
}
