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
