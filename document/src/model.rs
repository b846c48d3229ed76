//! The plain data a document is rendered from.
//!
//! The web layer stores a work order's data as JSON, so that an old revision re-renders byte for
//! byte forever: these types are the storage format too. Add fields with `#[serde(default)]` only.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A person to call: a contact at the bureau or at the contractor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub phone: String,
}

/// One compound (小区) of a work order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Site {
    /// The catalog code, "RS-0001".
    pub code: String,
    /// "文林镇东街小区".
    pub name: String,
    /// 镇/街道.
    pub town: String,
    /// 社区/村.
    pub community: String,
    pub address: String,
    pub households: u32,
    pub buildings: u32,
    pub floor_area_m2: f64,
    pub year_built: i32,
    /// Polygons → rings → `[lon, lat]` in WGS-84, the first ring of a polygon its outer boundary.
    /// Empty when the boundary was never drawn.
    #[serde(default)]
    pub outline: Vec<Vec<Vec<[f64; 2]>>>,
}

/// One line of the scope of works (改造内容).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopeRow {
    /// The work-item catalog code, "B01".
    pub item: String,
    pub name: String,
    pub unit: String,
    pub quantity: f64,
    pub unit_cost_fen: i64,
    pub amount_fen: i64,
}

/// What one funding source (资金来源) pays of a project's estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FundingShare {
    /// The source's name, "中央补助资金"; what no source pays is "资金缺口".
    pub source: String,
    pub amount_fen: i64,
}

/// 施工单位: the contractor the order is issued to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contractor {
    pub name: String,
    /// 统一社会信用代码 (18 characters).
    pub credit_code: String,
    pub contact: Contact,
}

/// 施工任务单: the order the bureau issues to a contractor for one compound or a bundle of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkOrder {
    /// The issuing bureau, "仁寿县住房和城乡建设局".
    pub authority: String,
    /// "RS-2021-0031".
    pub number: String,
    /// 1, 2, …: a changed order is reissued as a new revision.
    pub revision: u32,
    /// `Some(n)`: revision `n` replaces this one, and every page says so.
    #[serde(default)]
    pub superseded_by: Option<u32>,
    pub issued_on: NaiveDate,
    /// "文林镇东街小区等3个小区改造项目".
    pub project: String,
    /// The batch year.
    pub year: i32,
    /// 基础类 / 完善类 / 提升类.
    pub category: String,
    pub sites: Vec<Site>,
    pub scope: Vec<ScopeRow>,
    /// The sum of the scope's amounts.
    pub total_fen: i64,
    /// The estimate split by funding source, in the policy's order, the gap last. Orders issued before the
    /// split was kept have none and print no funding table; left out of the JSON when empty, so such an order
    /// stores as it always did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub funding: Vec<FundingShare>,
    pub contract_amount_fen: i64,
    pub planned_start: NaiveDate,
    pub planned_end: NaiveDate,
    /// 安全施工 and 文明施工 clauses, one full sentence each.
    pub requirements: Vec<String>,
    pub bureau_contact: Contact,
    pub contractor: Contractor,
    /// The order's web page; the QR code encodes exactly this.
    pub url: String,
}

/// 公示: a one-page public notice with a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    pub authority: String,
    pub number: String,
    pub title: String,
    /// Paragraphs.
    pub body: Vec<String>,
    pub table_headers: Vec<String>,
    pub table_rows: Vec<Vec<String>>,
    pub issued_on: NaiveDate,
    /// "2021年3月1日至2021年3月9日".
    pub period: String,
    /// The notice's web page; the QR code encodes exactly this.
    pub url: String,
}

/// A tabular report the bureau files (the monthly return, 月报): the bureau's header, a title and period, a
/// status line (draft or which version was submitted when, by whom), tables and notes. Landscape A4 when a
/// table is too wide for a portrait page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The filing bureau, "仁寿县住房和城乡建设局": the red header.
    pub authority: String,
    /// "仁寿县城镇老旧小区改造进度月报".
    pub title: String,
    /// The period line under the title: "2021年6月（自1月1日起累计，截至2021年6月30日）".
    pub period: String,
    /// Under the bureau's name: "第 2 版 · 2021年7月5日 10:20 报送 · 报送人 张三", or "草稿：尚未报送".
    pub status: String,
    /// The date in the PDF's metadata (the last day the figures count); never the clock, so the same report
    /// gives the same bytes.
    pub date: NaiveDate,
    pub tables: Vec<ReportTable>,
    /// 说明: numbered paragraphs after the tables.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// One table of a report: rows (towns), columns (indicators), and the total row, set in bold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportTable {
    /// "改造进度": printed as "表1　改造进度" above the table.
    pub caption: String,
    pub columns: Vec<ReportColumn>,
    /// The cells as printed ("1,234", "56.70"), one per column.
    pub rows: Vec<Vec<String>>,
    /// The total row ("全县合计", …), after the rows.
    #[serde(default)]
    pub total: Option<Vec<String>>,
}

/// A column of a report table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportColumn {
    /// "计划户数", "计划投资（万元）": a unit in （） goes to a line of its own when the header wraps.
    pub header: String,
    /// Figures: right-aligned and never broken.
    #[serde(default)]
    pub numeric: bool,
}

/// 问需于民 海报: the poster posted at a compound's gate, whose QR code opens the compound's public page where
/// residents say what their compound needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Poster {
    /// The bureau, "仁寿县住房和城乡建设局": printed at the bottom.
    pub authority: String,
    /// The compound's name, "工行小区": printed very large.
    pub compound: String,
    /// "仁寿县文林街道陵州路112号".
    pub address: String,
    /// The compound's public page; the QR code encodes exactly this, and it is printed under the code.
    pub url: String,
    /// The bureau's contact line, "028-36222222".
    pub phone: String,
    /// The printed date.
    pub date: NaiveDate,
}

/// 人大代表票决票: the ballot on which the people's congress deputies choose the renovation projects of next
/// year's livelihood projects (民生实事项目), one sheet per serial number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ballot {
    /// "仁寿县2022年城镇老旧小区改造民生实事项目票决票": on one line when it fits at 15 pt, else on two, broken at
    /// its `\n` if it has one.
    pub title: String,
    /// "仁寿县第十八届人民代表大会第六次会议".
    pub session: String,
    /// 应选: how many projects are chosen; fewer than the candidates (差额票决).
    pub places: u32,
    pub candidates: Vec<BallotCandidate>,
    /// The serial numbers (票号) of the ballots to print, one ballot per number, in this order.
    pub numbers: Vec<u32>,
    /// What each ballot's QR code holds: `{number}` is replaced by the ballot's serial number as printed, zero-padded
    /// to four digits ("https://x/ballots/2022/{number}" → ".../2022/0007").
    pub qr: String,
    /// A3 instead of A4 (portrait either way): more candidates on a page.
    #[serde(default)]
    pub a3: bool,
    /// The date printed at the bottom and in the PDF's metadata.
    pub date: NaiveDate,
}

/// A project on the ballot (候选项目).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BallotCandidate {
    /// 序号 on the ballot, 1, 2, …
    pub number: u32,
    /// "文林街道工行小区等3个小区改造项目".
    pub name: String,
    /// 所在镇（街道）, "文林街道".
    pub town: String,
    pub households: i64,
    /// 总投资 in fen, printed in 万元 with two decimals.
    pub investment_fen: i64,
    /// 主要改造内容, one or two lines: "屋面防水、管网改造、加装电梯 6 部".
    pub description: String,
}
