//! Reading the compounds sheet (工作表“小区”) of an uploaded .xlsx into exactly the properties JSON that
//! [`CompoundRecord::parse`] takes, so that a spreadsheet is checked like a GeoJSON import. Every bad cell is
//! reported by its sheet, row (as Excel numbers it) and column (header and letter); nothing is written if any.

use std::collections::{HashMap, HashSet};
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use serde_json::{Map, Value, json};

use super::write::column_letter;
use crate::domain::catalog::Catalog;
use crate::domain::compound::{Origin, PropertyManagement, Severity};
use crate::domain::geometry::Crs;
use crate::domain::record::CompoundRecord;

/// The sheet the compounds are read from.
pub const SHEET: &str = "小区";

/// How a column's cells are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    Text,
    /// A code: text, a number written as its digits.
    Code,
    Integer,
    Number,
    Lifts,
    Management,
    Origin,
    Date,
    Deficits,
    Scope,
}

/// One column of the compounds sheet: its header, the property it fills, how it is read, whether a new
/// compound must have it, and what the 说明 sheet says of it.
pub struct Column {
    pub header: &'static str,
    pub key: &'static str,
    pub read: Read,
    pub required: bool,
    pub note: &'static str,
}

const fn col(
    header: &'static str,
    key: &'static str,
    read: Read,
    required: bool,
    note: &'static str,
) -> Column {
    Column {
        header,
        key,
        read,
        required,
        note,
    }
}

/// The columns a town fills in, in the template's order.
pub const COLUMNS: &[Column] = &[
    col(
        "编号",
        "code",
        Read::Code,
        true,
        "小区编号，如 RS-0001：字母、数字、- 或 _，最多 32 个字符。已有的编号更新该小区，新编号新建小区。",
    ),
    col(
        "名称",
        "name",
        Read::Text,
        true,
        "小区名称，1 到 100 个字。",
    ),
    col(
        "镇街代码",
        "town_code",
        Read::Code,
        true,
        "镇（街道）的行政区划代码，全为数字，如 511421001。",
    ),
    col(
        "镇街",
        "town",
        Read::Text,
        true,
        "镇（街道）名称，须与代码一致，如 文林街道。",
    ),
    col("社区", "community", Read::Text, true, "社区（村）名称。"),
    col(
        "地址",
        "address",
        Read::Text,
        false,
        "可选，最多 200 个字。",
    ),
    col(
        "建成年份",
        "year_built",
        Read::Integer,
        true,
        "四位年份，如 1996。",
    ),
    col(
        "楼栋数",
        "buildings",
        Read::Integer,
        true,
        "1 到 1000 之间的整数。",
    ),
    col(
        "户数",
        "households",
        Read::Integer,
        true,
        "1 到 100000 之间的整数。",
    ),
    col(
        "建筑面积（㎡）",
        "floor_area_m2",
        Read::Number,
        true,
        "总建筑面积，平方米，大于 0。",
    ),
    col(
        "层数",
        "storeys",
        Read::Integer,
        true,
        "最高层数，1 到 60 之间的整数。",
    ),
    col(
        "有无电梯",
        "has_lifts",
        Read::Lifts,
        false,
        "填“有”或“无”；空着视为无。",
    ),
    col(
        "物业管理",
        "property_management",
        Read::Management,
        true,
        "",
    ),
    col("来源", "origin", Read::Origin, true, ""),
    col(
        "调查日期",
        "survey.surveyed_on",
        Read::Date,
        false,
        "摸底调查的日期，如 2021-03-01；填写存在问题时必填。",
    ),
    col("存在问题", "survey.deficits", Read::Deficits, false, ""),
    col(
        "改造内容",
        "scope",
        Read::Scope,
        false,
        "可选：工程项目编号，多项用“；”分隔；需填工程量的写“编号×数量”，如 B01；I11×2。",
    ),
    col(
        "居民诉求数",
        "requests",
        Read::Integer,
        false,
        "只读：已受理的居民诉求件数，由诉求的受理自动统计；导入时不读取此列。",
    ),
];

/// What an uploaded workbook's compounds sheet holds, before it is checked against the catalog.
pub struct Table {
    sheet: String,
    /// Column index (from 0) of each known column found in the header row.
    at: HashMap<&'static str, usize>,
    /// (Excel row number, cells by column index).
    rows: Vec<(u32, Vec<Data>)>,
}

/// A compound as stored: its properties (as the GeoJSON export writes them) and boundary.
#[derive(Debug, Clone)]
pub struct Stored {
    pub properties: Value,
    pub geometry: Value,
}

/// What one row does.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RowView {
    pub row: u32,
    pub code: String,
    pub name: String,
    /// `new`, `changed` or `unchanged`.
    pub state: &'static str,
    /// For a changed compound, what changes, in words (“户数：240 → 260”).
    pub changes: Vec<String>,
}

/// A checked sheet: the records to write (in row order) and what each row does.
pub struct Checked {
    pub records: Vec<CompoundRecord>,
    pub rows: Vec<RowView>,
    pub sheet: String,
    at: HashMap<&'static str, usize>,
}

impl Checked {
    /// Where an error about `field` of the `index`th record stands in the sheet.
    pub fn place(&self, index: usize, field: &str) -> String {
        let row = self.rows.get(index).map_or(0, |r| r.row);
        place(&self.sheet, &self.at, row, field)
    }

    pub fn count(&self, state: &str) -> usize {
        self.rows.iter().filter(|r| r.state == state).count()
    }
}

/// Opens the workbook and reads its compounds sheet (“小区”, else its only sheet).
pub fn table(bytes: &[u8]) -> Result<Table, Vec<String>> {
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).map_err(|_| {
            vec![
                "不是有效的 Excel 工作簿（.xlsx）：请用 Excel 或 WPS 另存为 .xlsx 后再上传"
                    .to_owned(),
            ]
        })?;
    let names = book.sheet_names();
    let sheet = if names.iter().any(|n| n == SHEET) {
        SHEET.to_owned()
    } else if let [only] = names.as_slice() {
        only.clone()
    } else {
        return Err(vec![format!(
            "工作簿中没有名为“{SHEET}”的工作表（有：{}）",
            names.join("、")
        )]);
    };
    let range = book
        .worksheet_range(&sheet)
        .map_err(|_| vec![format!("工作表“{sheet}”无法读取")])?;
    let Some((top, left)) = range.start() else {
        return Err(vec![format!("工作表“{sheet}”是空的")]);
    };
    let mut lines = range.rows();
    let header = lines.next().unwrap_or_default();
    let mut at = HashMap::new();
    let mut errors = Vec::new();
    for (i, cell) in header.iter().enumerate() {
        let text = text_of(cell);
        let text = text.trim();
        if let Some(c) = COLUMNS.iter().find(|c| c.header == text || c.key == text) {
            let index = left as usize + i;
            if at.insert(c.key, index).is_some() {
                errors.push(format!(
                    "工作表“{sheet}”第 {} 行：“{}”列出现了两次（{} 列）",
                    top + 1,
                    c.header,
                    column_letter(index)
                ));
            }
        }
    }
    if !at.contains_key("code") {
        errors.push(format!(
            "工作表“{sheet}”第 {} 行（表头）：缺少“编号”列；请用导入模板，表头在第一行",
            top + 1
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let rows = lines
        .enumerate()
        .filter(|(_, cells)| cells.iter().any(|c| !is_blank(c)))
        .map(|(i, cells)| {
            let mut full = vec![Data::Empty; left as usize];
            full.extend(cells.iter().cloned());
            (top + 2 + i as u32, full)
        })
        .collect();
    Ok(Table { sheet, at, rows })
}

impl Table {
    /// The codes the rows give (to look up the stored compounds).
    pub fn codes(&self) -> Vec<String> {
        let i = self.at["code"];
        self.rows
            .iter()
            .map(|(_, cells)| {
                text_of(cells.get(i).unwrap_or(&Data::Empty))
                    .trim()
                    .to_owned()
            })
            .filter(|c| !c.is_empty())
            .collect()
    }

    pub fn sheet(&self) -> &str {
        &self.sheet
    }

    /// Where an error about `field` (a property key as `CompoundRecord::parse` names it) stands on `row`.
    pub fn place(&self, row: u32, field: &str) -> String {
        place(&self.sheet, &self.at, row, field)
    }
}

/// Where an error about `field` stands on `row` of `sheet`, whose columns are `at`: 工作表“小区”第 N 行 “户数”（H 列）.
fn place(sheet: &str, at: &HashMap<&'static str, usize>, row: u32, field: &str) -> String {
    match column_of(field) {
        Some(c) => match at.get(c.key) {
            Some(&i) => format!(
                "工作表“{sheet}”第 {row} 行 “{}”（{} 列）",
                c.header,
                column_letter(i)
            ),
            None => format!(
                "工作表“{sheet}”第 {row} 行 “{}”列（表中没有此列）",
                c.header
            ),
        },
        None => {
            let label = crate::domain::labels::known_field(field)
                .map(|l| l.to_string())
                .unwrap_or_else(|| field_words(field).to_owned());
            format!("工作表“{sheet}”第 {row} 行 {label}")
        }
    }
}

/// The column a property key belongs to.
fn column_of(field: &str) -> Option<&'static Column> {
    let key = if field.starts_with("survey.deficits") {
        "survey.deficits"
    } else if field.starts_with("survey") {
        "survey.surveyed_on"
    } else if field.starts_with("scope") {
        "scope"
    } else {
        field
    };
    COLUMNS.iter().find(|c| c.key == key)
}

fn field_words(field: &str) -> &'static str {
    if field == "geometry" {
        "边界"
    } else if field.starts_with("consent") {
        "居民意愿（已存记录）"
    } else if field.starts_with("category_override") {
        "改造类别调整（已存记录）"
    } else {
        "其他信息"
    }
}

/// Checks every row: each cell, then the whole record as the GeoJSON import checks it. `stored` holds the
/// compounds already in the catalog under the sheet's codes; `boundaries` the uploaded GeoJSON file, if any.
pub fn check(
    table: &Table,
    boundaries: Option<&[u8]>,
    stored: &HashMap<String, Stored>,
    catalog: &Catalog,
) -> Result<Checked, Vec<String>> {
    let mut errors = Vec::new();
    let shapes = match boundaries.map(geometries) {
        Some(Ok(shapes)) => shapes,
        Some(Err(e)) => {
            errors.push(e);
            HashMap::new()
        }
        None => HashMap::new(),
    };
    let known_deficits: HashSet<&str> = catalog
        .items
        .iter()
        .flat_map(|i| i.remedies.iter().map(String::as_str))
        .collect();
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut records = Vec::new();
    let mut rows = Vec::new();
    for (row, cells) in &table.rows {
        let row = *row;
        let cell = |key: &str| {
            table
                .at
                .get(key)
                .and_then(|&i| cells.get(i))
                .cloned()
                .unwrap_or(Data::Empty)
        };
        let code = text_of(&cell("code")).trim().to_owned();
        let old = stored.get(&code);
        let mut bad: HashMap<&'static str, String> = HashMap::new();
        let mut props = match old {
            Some(s) => s.properties.as_object().cloned().unwrap_or_default(),
            None => Map::new(),
        };
        // Computed on export, never read back.
        for key in ["category", "estimated_cost_yuan", "site_area_m2"] {
            props.remove(key);
        }
        let mut survey = props
            .get("survey")
            .filter(|s| s.is_object())
            .cloned()
            .unwrap_or_else(|| json!({}));
        let mut survey_given = false;
        for c in COLUMNS {
            let present = table.at.contains_key(c.key);
            if !present {
                if old.is_none() && c.required {
                    bad.insert(c.key, "必填".into());
                }
                continue;
            }
            let value = cell(c.key);
            if is_blank(&value) {
                if c.required {
                    bad.insert(c.key, "必填".into());
                    continue;
                }
                match c.key {
                    "survey.surveyed_on" => {
                        survey.as_object_mut().map(|s| s.remove("surveyed_on"));
                        survey_given = true;
                    }
                    "survey.deficits" => {
                        survey["deficits"] = json!([]);
                        survey_given = true;
                    }
                    key => {
                        props.remove(key);
                    }
                }
                continue;
            }
            let read = match c.read {
                Read::Text | Read::Code => Ok(json!(text_of(&value).trim())),
                Read::Integer => integer(&value).map(|n| json!(n)),
                Read::Number => number(&value).map(|n| json!(n)),
                Read::Lifts => lifts(&value).map(|b| json!(b)),
                Read::Management => choice(
                    &value,
                    PropertyManagement::ALL
                        .iter()
                        .map(|p| (p.code(), p.label())),
                ),
                Read::Origin => choice(&value, Origin::ALL.iter().map(|o| (o.code(), o.label()))),
                Read::Date => date(&value).map(|d| json!(d.to_string())),
                Read::Deficits => deficits(&text_of(&value), &known_deficits, &survey),
                Read::Scope => scope(&text_of(&value), props.get("scope")),
            };
            match (read, c.key) {
                (Err(message), key) => {
                    bad.insert(key, message);
                }
                (Ok(v), "survey.surveyed_on") => {
                    survey["surveyed_on"] = v;
                    survey_given = true;
                }
                (Ok(v), "survey.deficits") => {
                    survey["deficits"] = v;
                    survey_given = true;
                }
                (Ok(v), key) => {
                    props.insert(key.to_owned(), v);
                }
            }
        }
        if survey_given || props.contains_key("survey") {
            let has_deficits = survey["deficits"].as_array().is_some_and(|d| !d.is_empty());
            if survey.get("surveyed_on").is_none() {
                if has_deficits && !bad.contains_key("survey.deficits") {
                    bad.insert("survey.surveyed_on", "填写存在问题时须填写调查日期".into());
                }
                props.remove("survey");
            } else {
                if survey.get("deficits").is_none() {
                    survey["deficits"] = json!([]);
                }
                props.insert("survey".into(), survey);
            }
        }
        if !code.is_empty()
            && let Some(first) = seen.insert(code.clone(), row)
        {
            bad.insert("code", format!("编号“{code}”与第 {first} 行重复"));
        }
        // Cells already refused stand in with a valid value, so that the record's other checks still run.
        for key in bad.keys() {
            stand_in(&mut props, key);
        }
        let geometry = shapes
            .get(&code)
            .cloned()
            .or_else(|| old.map(|s| s.geometry.clone()));
        let mut row_errors: Vec<(String, String)> = bad
            .iter()
            .map(|(k, m)| ((*k).to_owned(), m.clone()))
            .collect();
        if geometry.is_none() && !code.is_empty() {
            row_errors.push((
                "geometry".into(),
                format!("新小区“{code}”没有边界：请同时上传含此编号（properties.code）的 GeoJSON 边界文件"),
            ));
        }
        let value = Value::Object(props.clone());
        match CompoundRecord::parse(&value, geometry.as_ref(), Crs::Wgs84, catalog) {
            Ok(record) if row_errors.is_empty() => {
                let (state, changes) = match old {
                    None => ("new", Vec::new()),
                    Some(s) => {
                        let changes = differences(
                            &s.properties,
                            &value,
                            s.geometry != *geometry.as_ref().unwrap_or(&Value::Null),
                        );
                        if changes.is_empty() {
                            ("unchanged", changes)
                        } else {
                            ("changed", changes)
                        }
                    }
                };
                rows.push(RowView {
                    row,
                    code: code.clone(),
                    name: record.name.clone(),
                    state,
                    changes,
                });
                records.push(record);
            }
            Ok(_) => {}
            Err(field_errors) => {
                for (field, messages) in field_errors.0 {
                    if field == "geometry" && geometry.is_none() {
                        continue;
                    }
                    // A refused cell's stand-in says nothing more about it.
                    if column_of(&field).is_some_and(|c| bad.contains_key(c.key)) {
                        continue;
                    }
                    for m in messages {
                        row_errors.push((field.clone(), m));
                    }
                }
            }
        }
        row_errors.sort_by_key(|(field, _)| {
            column_of(field)
                .and_then(|c| COLUMNS.iter().position(|x| x.key == c.key))
                .unwrap_or(COLUMNS.len())
        });
        for (field, message) in row_errors {
            errors.push(format!("{}：{message}", table.place(row, &field)));
        }
    }
    if table.rows.is_empty() {
        errors.push(format!(
            "工作表“{}”没有小区：表头下面一行起每行一个小区",
            table.sheet
        ));
    }
    if errors.is_empty() {
        Ok(Checked {
            records,
            rows,
            sheet: table.sheet.clone(),
            at: table.at.clone(),
        })
    } else {
        Err(errors)
    }
}

/// What differs between the stored properties and the new ones, in words, over the sheet's columns.
fn differences(old: &Value, new: &Value, boundary_changed: bool) -> Vec<String> {
    let mut out = Vec::new();
    let shown = |v: &Value| match v {
        Value::Null => "（空）".to_owned(),
        Value::String(s) if s.is_empty() => "（空）".to_owned(),
        Value::String(s) => s.clone(),
        Value::Bool(true) => "有".to_owned(),
        Value::Bool(false) => "无".to_owned(),
        other => other.to_string(),
    };
    // The count of accepted requests is kept by their triage; the import does not read it.
    for c in COLUMNS.iter().filter(|c| c.key != "requests") {
        let (a, b) = match c.key {
            "survey.surveyed_on" => (&old["survey"]["surveyed_on"], &new["survey"]["surveyed_on"]),
            "survey.deficits" => (&old["survey"]["deficits"], &new["survey"]["deficits"]),
            key => (&old[key], &new[key]),
        };
        let same = match (a, b) {
            (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
            (Value::Null, Value::Array(v)) | (Value::Array(v), Value::Null) => v.is_empty(),
            (Value::Null, Value::Bool(false)) | (Value::Bool(false), Value::Null) => true,
            (Value::Null, Value::String(s)) | (Value::String(s), Value::Null) => s.is_empty(),
            (Value::Null, Value::Number(n)) | (Value::Number(n), Value::Null) => {
                c.key == "requests" && n.as_f64() == Some(0.0)
            }
            _ => a == b,
        };
        if !same {
            let text = match c.read {
                Read::Deficits => (deficits_text(a), deficits_text(b)),
                Read::Scope => (scope_text(a), scope_text(b)),
                Read::Management => (
                    label_of(
                        a,
                        PropertyManagement::ALL
                            .iter()
                            .map(|p| (p.code(), p.label())),
                    ),
                    label_of(
                        b,
                        PropertyManagement::ALL
                            .iter()
                            .map(|p| (p.code(), p.label())),
                    ),
                ),
                Read::Origin => (
                    label_of(a, Origin::ALL.iter().map(|o| (o.code(), o.label()))),
                    label_of(b, Origin::ALL.iter().map(|o| (o.code(), o.label()))),
                ),
                _ => (shown(a), shown(b)),
            };
            out.push(format!("{}：{} → {}", c.header, text.0, text.1));
        }
    }
    if boundary_changed {
        out.push("边界：按上传的边界文件更新".into());
    }
    out
}

fn label_of<'a>(v: &Value, choices: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let code = v.as_str().unwrap_or_default();
    choices
        .into_iter()
        .find(|(c, _)| *c == code)
        .map_or_else(|| code.to_owned(), |(_, l)| l.to_owned())
}

/// A survey's deficits as the sheet writes them: `代码：严重程度[：说明]`, joined by “；”.
pub fn deficits_text(v: &Value) -> String {
    let list: Vec<String> = v
        .as_array()
        .map(|list| {
            list.iter()
                .map(|d| {
                    let severity = d["severity"].as_str().unwrap_or_default();
                    let severity = Severity::parse(severity).map_or(severity, |s| s.label());
                    let note = d["note"].as_str().unwrap_or_default();
                    let code = d["code"].as_str().unwrap_or_default();
                    if note.is_empty() {
                        format!("{code}：{severity}")
                    } else {
                        format!("{code}：{severity}：{note}")
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if list.is_empty() {
        "（空）".into()
    } else {
        list.join("；")
    }
}

/// A scope as the sheet writes it: `B01；I11×2`.
pub fn scope_text(v: &Value) -> String {
    let list: Vec<String> = v
        .as_array()
        .map(|list| {
            list.iter()
                .map(|l| {
                    let item = l["item"].as_str().unwrap_or_default();
                    match l["quantity"].as_f64() {
                        Some(q) => format!("{item}×{}", trim_number(q)),
                        None => item.to_owned(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if list.is_empty() {
        "（空）".into()
    } else {
        list.join("；")
    }
}

fn trim_number(q: f64) -> String {
    if q.fract() == 0.0 && q.abs() < 1e15 {
        format!("{}", q as i64)
    } else {
        format!("{q}")
    }
}

/// Puts a valid stand-in value under a refused cell's key.
fn stand_in(props: &mut Map<String, Value>, key: &str) {
    let value = match key {
        "code" => json!("ZZ-STAND-IN"),
        "town_code" => json!("1"),
        "year_built" => json!(1990),
        "buildings" | "households" | "storeys" => json!(1),
        "floor_area_m2" => json!(1.0),
        "has_lifts" => json!(false),
        "property_management" => json!("none"),
        "origin" => json!("other"),
        "requests" => json!(0),
        "scope" => json!([]),
        "survey.surveyed_on" | "survey.deficits" => {
            props.insert(
                "survey".into(),
                json!({"surveyed_on": "2000-01-01", "deficits": []}),
            );
            return;
        }
        _ => json!("待填"),
    };
    props.insert(key.to_owned(), value);
}

/// The geometries of an uploaded GeoJSON FeatureCollection, by their features' `properties.code`.
fn geometries(bytes: &[u8]) -> Result<HashMap<String, Value>, String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| {
        format!(
            "边界文件：不是有效的 GeoJSON（第 {} 行第 {} 列有误）",
            e.line(),
            e.column()
        )
    })?;
    let features = v["features"]
        .as_array()
        .filter(|_| v["type"] == "FeatureCollection")
        .ok_or("边界文件：须为 GeoJSON 要素集合（FeatureCollection）")?;
    let mut out = HashMap::new();
    for (i, f) in features.iter().enumerate() {
        let code = f["properties"]["code"]
            .as_str()
            .map(str::to_owned)
            .or_else(|| f["id"].as_str().map(str::to_owned))
            .ok_or_else(|| format!("边界文件：要素 features[{i}] 没有编号（properties.code）"))?;
        out.insert(code.trim().to_owned(), f["geometry"].clone());
    }
    Ok(out)
}

fn is_blank(d: &Data) -> bool {
    match d {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// A cell as text: numbers as their digits (a code typed as a number), dates as `YYYY-MM-DD`.
pub fn text_of(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(n) => n.to_string(),
        Data::Float(f) => trim_number(*f),
        Data::Bool(true) => "TRUE".into(),
        Data::Bool(false) => "FALSE".into(),
        Data::DateTime(dt) => serial_date(dt.as_f64())
            .map(|d| d.to_string())
            .unwrap_or_default(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(_) => "#错误".into(),
    }
}

fn serial_date(serial: f64) -> Option<NaiveDate> {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    base.checked_add_signed(chrono::Duration::days(serial.floor() as i64))
}

fn number(d: &Data) -> Result<f64, String> {
    let n = match d {
        Data::Int(n) => Some(*n as f64),
        Data::Float(f) => Some(*f),
        Data::String(s) => s
            .trim()
            .trim_end_matches("㎡")
            .trim_end_matches("m²")
            .replace([',', '，'], "")
            .trim()
            .parse::<f64>()
            .ok(),
        _ => None,
    };
    n.filter(|n| n.is_finite())
        .ok_or_else(|| format!("须为数字，而不是“{}”", text_of(d)))
}

fn integer(d: &Data) -> Result<i64, String> {
    let n = number(d).map_err(|_| format!("须为整数，而不是“{}”", text_of(d)))?;
    if n.fract() != 0.0 || n.abs() > 2e9 {
        return Err(format!("须为整数，而不是“{}”", text_of(d)));
    }
    Ok(n as i64)
}

fn lifts(d: &Data) -> Result<bool, String> {
    match d {
        Data::Bool(b) => Ok(*b),
        Data::Int(1) => Ok(true),
        Data::Int(0) => Ok(false),
        Data::Float(f) if *f == 1.0 => Ok(true),
        Data::Float(f) if *f == 0.0 => Ok(false),
        _ => match text_of(d).trim() {
            "有" | "是" | "true" | "TRUE" | "1" => Ok(true),
            "无" | "否" | "没有" | "false" | "FALSE" | "0" => Ok(false),
            other => Err(format!("须填“有”或“无”，而不是“{other}”")),
        },
    }
}

fn choice<'a>(
    d: &Data,
    choices: impl Iterator<Item = (&'a str, &'a str)> + Clone,
) -> Result<Value, String> {
    let text = text_of(d);
    let text = text.trim();
    choices
        .clone()
        .find(|(code, label)| *label == text || *code == text)
        .map(|(code, _)| json!(code))
        .ok_or_else(|| {
            format!(
                "“{text}”不是可选的值；可选：{}",
                choices.map(|(_, l)| l).collect::<Vec<_>>().join("、")
            )
        })
}

fn date(d: &Data) -> Result<NaiveDate, String> {
    if let Data::DateTime(dt) = d {
        return serial_date(dt.as_f64()).ok_or_else(|| "不是有效的日期".to_owned());
    }
    if let Data::Float(f) = d
        && (1.0..200_000.0).contains(f)
    {
        return serial_date(*f).ok_or_else(|| "不是有效的日期".to_owned());
    }
    let text = text_of(d);
    let t = text.trim();
    let t = t
        .get(..10)
        .filter(|_| t.len() > 10 && t.as_bytes()[10] == b'T')
        .unwrap_or(t);
    for f in ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"] {
        if let Ok(date) = NaiveDate::parse_from_str(t, f) {
            return Ok(date);
        }
    }
    Err(format!("须为日期，如 2021-03-01，而不是“{t}”"))
}

/// `代码：严重程度[：说明]`, several joined by “；”.
fn deficits(text: &str, known: &HashSet<&str>, stored: &Value) -> Result<Value, String> {
    let stored_codes: HashSet<&str> = stored["deficits"]
        .as_array()
        .map(|l| l.iter().filter_map(|d| d["code"].as_str()).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for part in text
        .split(['；', ';', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let mut bits = part.splitn(3, ['：', ':']).map(str::trim);
        let code = bits.next().unwrap_or_default();
        let severity = bits.next().unwrap_or_default();
        let note = bits.next().unwrap_or_default();
        if !known.is_empty() && !known.contains(code) && !stored_codes.contains(code) {
            problems.push(format!("不认识的问题代码“{code}”（见“说明”工作表）"));
            continue;
        }
        let severity = Severity::ALL
            .iter()
            .find(|s| s.label() == severity || s.code() == severity);
        match severity {
            Some(s) => out.push(json!({"code": code, "severity": s.code(), "note": note})),
            None => problems.push(format!(
                "“{part}”须注明严重程度（{}），写作“{code}：{}”",
                Severity::ALL
                    .iter()
                    .map(|s| s.label())
                    .collect::<Vec<_>>()
                    .join("、"),
                Severity::Safety.label()
            )),
        }
    }
    if problems.is_empty() {
        Ok(Value::Array(out))
    } else {
        Err(problems.join("；"))
    }
}

/// `B01；I11×2`: the work items and, where the surveyor gives one, the quantity. A line equal to the stored
/// one keeps what else is stored with it.
fn scope(text: &str, stored: Option<&Value>) -> Result<Value, String> {
    let stored: Vec<&Value> = stored
        .and_then(Value::as_array)
        .map(|l| l.iter().collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for part in text
        .split(['；', ';', '\n', '、'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (item, quantity) = match part.split_once(['×', '*', 'x', 'X']) {
            Some((item, q)) => match q.trim().parse::<f64>() {
                Ok(q) if q.is_finite() => (item.trim(), Some(q)),
                _ => {
                    problems.push(format!("“{part}”的工程量须为数字"));
                    continue;
                }
            },
            None => (part, None),
        };
        let line = json!({"item": item, "quantity": quantity});
        let kept = stored
            .iter()
            .find(|s| s["item"] == item && s["quantity"].as_f64() == quantity);
        out.push(match kept {
            Some(s) => (*s).clone(),
            None => {
                let mut line = line;
                if quantity.is_none() {
                    line.as_object_mut().map(|o| o.remove("quantity"));
                }
                line
            }
        });
    }
    if problems.is_empty() {
        Ok(Value::Array(out))
    } else {
        Err(problems.join("；"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheets::write::{Book, Cell, Kind};

    fn catalog() -> Catalog {
        Catalog::from_toml(include_str!("../../fixtures/renshou/work_items.toml")).unwrap()
    }

    fn book(rows: Vec<Vec<Cell>>) -> Vec<u8> {
        let columns: Vec<(&str, Kind)> = COLUMNS.iter().map(|c| (c.header, Kind::Text)).collect();
        let mut book = Book::new();
        book.sheet(SHEET, &columns, rows).unwrap();
        book.bytes().unwrap()
    }

    fn row() -> Vec<Cell> {
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
            chrono::NaiveDate::from_ymd_opt(2021, 3, 1).unwrap().into(),
            "roof_leak：安全隐患；lighting_poor：品质提升：路灯不足".into(),
            "B01；I11×2".into(),
            Cell::Empty,
        ]
    }

    fn stored() -> HashMap<String, Stored> {
        let geometry = json!({"type": "Polygon", "coordinates": [[[104.13, 30.0], [104.131, 30.0], [104.131, 30.001], [104.13, 30.001], [104.13, 30.0]]]});
        HashMap::from([(
            "RS-9001".to_owned(),
            Stored {
                properties: json!({"status": "surveyed"}),
                geometry,
            },
        )])
    }

    #[test]
    fn a_row_reads_into_the_record_the_geojson_import_makes() {
        let table = table(&book(vec![row()])).unwrap();
        let checked = check(&table, None, &stored(), &catalog()).unwrap();
        let r = &checked.records[0];
        assert_eq!(
            (r.households, r.origin.code(), r.status.code()),
            (240, "unit_fundraised", "surveyed")
        );
        let survey = r.survey.as_ref().unwrap();
        assert_eq!(survey.deficits[1].note, "路灯不足");
        assert_eq!(r.scope[1].quantity, Some(2.0));
    }

    #[test]
    fn every_bad_cell_is_named_by_row_and_column() {
        let mut bad = row();
        bad[8] = "很多".into();
        bad[13] = "城堡".into();
        bad[15] = "roof_leak".into();
        let mut new = row();
        new[0] = "RS-9002".into();
        let table = table(&book(vec![bad, new])).unwrap();
        let errors = check(&table, None, &stored(), &catalog()).err().unwrap();
        assert!(
            errors[0].starts_with("工作表“小区”第 2 行 “户数”（I 列）："),
            "{errors:?}"
        );
        assert!(
            errors[1].starts_with("工作表“小区”第 2 行 “来源”（N 列）："),
            "{errors:?}"
        );
        assert!(
            errors[2].starts_with("工作表“小区”第 2 行 “存在问题”（P 列）："),
            "{errors:?}"
        );
        assert!(
            errors[3].contains("第 3 行") && errors[3].contains("没有边界"),
            "{errors:?}"
        );
        assert_eq!(errors.len(), 4, "{errors:?}");
    }
}
