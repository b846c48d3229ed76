//! The bureau's words for the codes the records keep (记录用语): audit actions, the kinds of thing changed, their
//! fields and coded values, and a change written out as a clerk reads it ("状态：草稿 → 已发布").
//!
//! The audit log and the API keep the codes; pages and spreadsheets show these labels. An unknown code (a record
//! written by a newer version, a field added later) still reads: its underscores become spaces.

use jiugai_document::money;
use serde::Serialize;
use serde_json::{Map, Value};

use super::account::Role;
use super::compound::{Origin, PropertyManagement, Severity, Status};
use super::notice::NoticeKind;
use super::time::beijing_minute;

/// What a record says was done, by its `action` code.
pub const ACTIONS: &[(&str, &str)] = &[
    ("create", "新建"),
    ("update", "修改"),
    ("delete", "删除"),
    ("archive", "归档"),
    ("import_create", "导入新建"),
    ("import_update", "导入更新"),
    ("approve", "批准年度批次"),
    ("approve_batch", "列入年度批次"),
    ("publish_notice", "方案公示"),
    ("progress", "施工进度更新"),
    ("publish", "发布"),
    ("answer", "答复意见"),
    ("triage", "处理居民诉求"),
    ("read_personal_data", "查看居民个人信息"),
    ("issue", "签发"),
    ("revise", "修订签发"),
    ("withdraw", "收回"),
    ("acknowledge", "签收"),
    ("report", "报告进度"),
    ("run", "重新计算"),
    ("move", "调整年度"),
    ("override", "强制调整年度"),
    ("sign_in", "登录"),
    ("sign_out", "退出登录"),
    ("sign_in_failed", "登录失败"),
    ("sign_in_throttled", "登录受限"),
    ("end_sessions", "结束登录会话"),
    ("set_password", "设置密码"),
    ("issue_sign_in_link", "签发登录链接"),
    ("revoke", "吊销"),
    ("reprice", "按新单价重算估算"),
    ("setup", "首次设置"),
    ("receive", "登记资金到位"),
    ("pay", "支付工程款"),
    ("settle", "登记结算审计"),
    ("reverse", "冲销"),
    ("submit", "报送"),
];

/// The kind of thing a record is about, by its `entity` code.
pub const ENTITIES: &[(&str, &str)] = &[
    ("compound", "小区"),
    ("batch", "年度批次"),
    ("scenario", "规划方案"),
    ("project", "项目"),
    ("work_order", "施工任务单"),
    ("notice", "公示"),
    ("objection", "居民意见"),
    ("contractor", "施工单位"),
    ("user", "账号"),
    ("api_token", "API 令牌"),
    ("session", "登录会话"),
    ("work_item", "工程项目"),
    ("policy", "政策参数"),
    ("county", "本县信息"),
    ("money", "资金记录"),
    ("monthly_return", "月报"),
    ("lift_unit", "加装电梯单元表决"),
    ("resident_request", "居民诉求"),
];

/// The fields the records hold (a nested one as `parent.field`).
pub const FIELDS: &[(&str, &str)] = &[
    // A resident's request (诉求) as triaged.
    ("linked_item", "对应改造内容"),
    ("merged_into", "并入诉求"),
    ("department", "转交部门"),
    ("accepted_requests", "已受理诉求数"),
    ("compound", "小区"),
    // A filed monthly return (月报).
    ("month", "月份"),
    ("correction", "更正说明"),
    ("differences", "与上一版相比的变化"),
    ("county_row", "全县合计"),
    ("received_fen", "累计到位资金（分）"),
    ("paid_fen", "累计支付（分）"),
    // Compounds (小区); a survey's and a consent record's fields read after theirs ("居民意愿·同意业主数").
    ("code", "编号"),
    ("name", "名称"),
    ("town", "乡镇（街道）"),
    ("town_code", "乡镇代码"),
    ("community", "社区"),
    ("address", "地址"),
    ("year_built", "建成年份"),
    ("buildings", "楼栋数"),
    ("households", "户数"),
    ("floor_area_m2", "建筑面积"),
    ("site_area_m2", "占地面积"),
    ("storeys", "层数"),
    ("has_lifts", "有电梯"),
    ("property_management", "物业管理"),
    ("origin", "房屋来源"),
    ("category", "改造类别"),
    ("category_override", "指定改造类别"),
    ("funding_override", "指定资金分摊"),
    ("funding_reason", "调整分摊的理由"),
    ("shares", "各来源金额（元）"),
    ("status", "状态"),
    ("estimated_cost_yuan", "估算投资"),
    ("requests", "居民诉求数"),
    ("deputies_vote_rank", "人大代表票决排名"),
    ("archived", "已归档"),
    ("geometry", "边界"),
    ("boundary", "边界"),
    ("confirm", "确认"),
    ("scope", "改造内容"),
    ("survey", "摸底调查"),
    ("surveyed_on", "调查日期"),
    ("deficits", "存在问题"),
    ("consent", "居民意愿"),
    ("recorded_on", "登记日期"),
    ("owners_total", "业主总数"),
    ("area_total_m2", "总面积"),
    ("participating_owners", "参与业主数"),
    ("participating_area_m2", "参与面积"),
    ("agreeing_owners", "同意业主数"),
    ("agreeing_area_m2", "同意面积"),
    // A stairwell's lift vote (加装电梯按单元表决): "同意·户数", "反对·面积".
    ("building", "楼栋"),
    ("stairwell", "单元"),
    ("agree", "同意"),
    ("oppose", "反对"),
    ("abstain", "弃权"),
    ("owners", "户数"),
    ("area_m2", "面积"),
    ("passed", "表决通过"),
    ("lift", "加装电梯表决门槛"),
    ("vote", "人大代表票决规则"),
    ("choice", "居民点单门槛"),
    // Batches and scenarios (年度批次、规划方案).
    ("year", "年度"),
    ("budget_yuan", "预算"),
    ("cost_yuan", "投资合计"),
    ("compounds", "小区"),
    ("horizon", "规划期"),
    ("objective", "优化目标值"),
    ("gap", "差距"),
    ("compounds_revision", "小区数据版本"),
    ("override", "强制调整"),
    ("changes", "年度变动"),
    // Projects and work orders (项目、施工任务单).
    ("contractor", "施工单位"),
    ("contractor_name", "施工单位名称"),
    ("contract_amount_yuan", "合同金额"),
    ("planned_start", "计划开工"),
    ("planned_end", "计划完工"),
    ("dates_reason", "工期说明"),
    ("progress", "进度"),
    ("percent", "完成比例"),
    ("sites", "改造小区"),
    ("number", "编号"),
    ("revision", "版次"),
    ("project", "项目"),
    ("total_yuan", "工程量清单合计"),
    ("reason", "原因"),
    // Money (资金到位与拨付).
    ("source", "资金来源"),
    ("amount_yuan", "金额（元）"),
    ("received_on", "到位日期"),
    ("document_no", "文号"),
    ("milestone", "支付节点"),
    ("paid_on", "付款日期"),
    ("audited_on", "审计日期"),
    ("override_reason", "越过规定的理由"),
    ("kind", "类型"),
    ("note", "说明"),
    ("acknowledged", "已签收"),
    ("withdrawn_at", "收回时间"),
    // Notices and residents' objections (公示、居民意见).
    ("title", "标题"),
    ("body", "正文"),
    ("corrects", "更正的公示"),
    ("first_day", "公示起始日"),
    ("last_day", "公示截止日"),
    ("closes_at", "截止时间"),
    ("fields", "查看内容"),
    ("objections", "居民意见"),
    ("notice", "公示"),
    ("text", "意见内容"),
    ("answer", "答复"),
    // Contractors (施工单位).
    ("credit_code", "统一社会信用代码"),
    ("qualification", "资质"),
    ("contact_person", "联系人"),
    ("phone", "联系电话"),
    ("capacity", "可同时承担项目数"),
    // The first-start page (首次设置).
    ("county", "县（市、区）名称"),
    ("county_code", "行政区划代码"),
    ("authority", "发文机关"),
    ("code_prefix", "小区编号前缀"),
    ("number_prefix", "公示文号前缀"),
    ("base_url", "服务地址"),
    // Accounts, tokens, sessions (账号、令牌、登录).
    ("username", "账号"),
    ("display_name", "姓名"),
    ("role", "角色"),
    ("active", "启用"),
    ("demo", "演示账号"),
    ("has_password", "已设密码"),
    ("sessions", "结束的会话数"),
    ("wait_seconds", "需等待（秒）"),
    ("id", "编号"),
    ("prefix", "令牌前缀"),
    ("usable", "可用"),
    ("revoked_at", "吊销时间"),
    ("last_used_at", "最近使用"),
    ("expires_at", "有效期至"),
    ("created_at", "创建时间"),
    ("updated_at", "更新时间"),
    ("version", "版本"),
    // Fields of the staff forms that are not stored as such.
    ("from", "起始年度"),
    ("to", "结束年度"),
    ("budget_wan", "每年预算"),
    ("max_compounds", "每年最多个数"),
    ("expires_in_days", "有效天数"),
    ("max_households", "最多户数"),
    ("discount", "逐年折现系数"),
    ("bundles", "合并片区"),
    ("pins", "指定年度"),
    ("exclusions", "不列入的小区"),
    ("source_limits_yuan", "资金来源年度额度"),
    // The work-item catalog and the policy settings (设置).
    ("unit", "单位"),
    ("unit_cost_yuan", "单价"),
    ("weight_age", "权重·房龄"),
    ("weight_safety_deficit", "权重·安全隐患"),
    ("weight_other_deficit", "权重·其他短板"),
    ("weight_households", "权重·户数"),
    ("weight_consent", "权重·居民同意幅度"),
    ("weight_requests", "权重·居民诉求"),
    ("weight_deputies_vote", "权重·人大代表票决"),
    ("participation_owners", "参与人数门槛"),
    ("participation_area", "参与面积门槛"),
    ("approval_owners", "同意人数门槛"),
    ("approval_area", "同意面积门槛"),
    ("built_no_later_than", "建成年份不晚于"),
    ("period_plan", "改造方案公示期"),
    ("period_site", "开工告示期"),
    ("period_completion", "竣工公示期"),
    ("period_plan_days", "改造方案公示天数"),
    ("period_site_days", "开工告示天数"),
    ("period_completion_days", "竣工公示天数"),
    ("bundle_within_m", "片区合并距离（米）"),
    ("bundle_max_compounds", "每个片区最多小区数"),
    ("notices_phone", "咨询投诉电话"),
    ("rating_days", "竣工后评价天数"),
    ("funding_sources", "资金来源及分摊"),
    ("source_new_name", "新增资金来源·名称"),
    ("source_new_code", "新增资金来源·代码"),
    ("source_new_items", "新增资金来源·仅限工程项目"),
    ("source_new_share_pct", "新增资金来源·承担比例"),
    ("source_new_cap", "新增资金来源·每户上限"),
    ("source_new_order", "新增资金来源·顺序"),
    ("confirm", "确认"),
];

/// Left out of a change list (the CSV's JSON keeps them): bookkeeping that changes with every write, and a
/// contractor's name, which the `contractor` field already reads as.
const LEFT_OUT: [&str; 4] = ["version", "updated_at", "created_at", "contractor_name"];

/// How long a value may run in a change list before it is cut.
const LONG: usize = 60;

/// How many items of a list are named before "等 N 项".
const NAMED: usize = 5;

fn find(table: &[(&str, &'static str)], code: &str) -> Option<&'static str> {
    table.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// A code nobody labelled, readable all the same: `sign_in_throttled` → "sign in throttled".
fn readable(code: &str) -> String {
    code.replace('_', " ")
}

/// "登录" for `sign_in`.
pub fn action(code: &str) -> String {
    find(ACTIONS, code).map_or_else(|| readable(code), str::to_owned)
}

/// "小区" for `compound`.
pub fn entity(code: &str) -> String {
    find(ENTITIES, code).map_or_else(|| readable(code), str::to_owned)
}

/// "居民意愿·参与业主数" for `consent.participating_owners`.
pub fn field(code: &str) -> String {
    if let Some(label) = find(FIELDS, code) {
        return label.to_owned();
    }
    match code.split_once('.') {
        Some((parent, child)) => format!(
            "{}·{}",
            field(parent),
            find(FIELDS, child).map_or_else(|| readable(child), str::to_owned)
        ),
        None => readable(code),
    }
}

/// A field's label only when it has one (a form's summary names the field, or says the message alone).
pub fn known_field(code: &str) -> Option<String> {
    let known = |c: &str| find(FIELDS, c).is_some();
    let labelled = known(code)
        || code
            .split_once('.')
            .is_some_and(|(p, c)| known(p) && known(c));
    labelled.then(|| field(code))
}

/// The code of an action or entity given by its label (a filter typed or picked in Chinese); a code stays a code.
pub fn action_code(text: &str) -> String {
    code_of(ACTIONS, text)
}

pub fn entity_code(text: &str) -> String {
    code_of(ENTITIES, text)
}

fn code_of(table: &[(&'static str, &str)], text: &str) -> String {
    table
        .iter()
        .find(|(_, label)| *label == text)
        .map_or_else(|| text.to_owned(), |(code, _)| (*code).to_owned())
}

/// Who made a record: the person's name, "系统" for the service itself, "命令行（user）" for the CLI.
pub fn actor(username: &str, display_name: Option<&str>) -> String {
    match (username, display_name) {
        ("system", _) => "系统".to_owned(),
        ("visitor", _) => "访客".to_owned(),
        (_, Some(name)) if !name.trim().is_empty() => name.to_owned(),
        (name, _) => match name.strip_prefix("cli:") {
            // The command line run where no login name was known (`Actor::cli`).
            Some("unknown" | "") => "命令行".to_owned(),
            Some(user) => format!("命令行（{user}）"),
            None => name.to_owned(),
        },
    }
}

/// The role a record was made in: 管理员, 规划员, 施工单位, or the service's own.
pub fn role(code: &str) -> String {
    match code {
        "system" => "系统".to_owned(),
        "cli" => "命令行".to_owned(),
        "visitor" => "访客".to_owned(),
        _ => Role::parse(code).map_or_else(|_| readable(code), |r| r.label().to_owned()),
    }
}

/// Where a record came from: the client's address, or the service's words for its own sources.
pub fn source(code: &str) -> String {
    match code {
        "first start" => "首次启动".to_owned(),
        "cli" => "命令行".to_owned(),
        other => other.to_owned(),
    }
}

/// 公示状态: a notice is written (`draft`) then published, never changed after.
pub fn notice_status(code: &str) -> Option<&'static str> {
    match code {
        "draft" => Some("草稿"),
        "published" => Some("已发布"),
        _ => None,
    }
}

/// 施工进度: a project's works as its contractor reported them.
pub fn progress(code: &str) -> Option<&'static str> {
    match code {
        "not_started" => Some("未开工"),
        "started" => Some("施工中"),
        "completed" => Some("已完工"),
        _ => None,
    }
}

/// The kinds of a contractor's report on a work order.
pub fn report_kind(code: &str) -> Option<&'static str> {
    match code {
        "acknowledged" => Some("签收"),
        "started" => Some("开工"),
        "progress" => Some("施工进度"),
        "completed" => Some("完工"),
        _ => None,
    }
}

/// 异议 or 意见建议.
pub fn objection_kind(code: &str) -> Option<&'static str> {
    match code {
        "objection" => Some("异议"),
        "comment" => Some("意见建议"),
        _ => None,
    }
}

/// The standard classes of work (国办发〔2020〕23号). A county's own classes are named in its catalog.
pub fn category(code: &str) -> Option<&'static str> {
    match code {
        "basic" => Some("基础类"),
        "improvement" => Some("完善类"),
        "upgrade" => Some("提升类"),
        _ => None,
    }
}

/// A coded value of `field` in a record about `entity`, by its name; `None` when the value is not a code of it.
fn coded(entity: &str, field: &str, code: &str) -> Option<&'static str> {
    let field = field.rsplit('.').next().unwrap_or(field);
    match (entity, field) {
        ("notice", "status") => notice_status(code),
        ("resident_request", "status") => {
            crate::domain::request::Status::parse(code).map(crate::domain::request::Status::label)
        }
        (_, "status") => Status::parse(code).ok().map(Status::label),
        (_, "progress") => progress(code),
        ("notice", "kind") => NoticeKind::parse(code).ok().map(NoticeKind::label),
        ("work_order", "kind") => report_kind(code),
        ("objection", "kind") => objection_kind(code),
        (_, "category" | "category_override") => category(code),
        (_, "origin") => Origin::parse(code).ok().map(Origin::label),
        (_, "property_management") => PropertyManagement::parse(code)
            .ok()
            .map(PropertyManagement::label),
        (_, "role") => Role::parse(code).ok().map(Role::label),
        (_, "severity") => Severity::parse(code).ok().map(Severity::label),
        (_, "fields") if code == "mobile" => Some("手机号码"),
        ("scenario", "year") if code == "auto" => Some("自动安排"),
        _ => None,
    }
}

/// One field of a change, in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// The field's code (`consent.owners_total`), as the JSON keeps it.
    pub field: String,
    pub label: String,
    pub before: String,
    pub after: String,
}

impl FieldChange {
    /// "状态：草稿 → 已发布"; for a record of a creation only the value: "名称：青年花园".
    pub fn text(&self, created: bool) -> String {
        if created {
            format!("{}：{}", self.label, self.after)
        } else {
            format!("{}：{} → {}", self.label, self.before, self.after)
        }
    }
}

/// The fields a change touched, each in words with its value before and after, in the record's order. `firm`
/// names a contractor by its code. Bookkeeping (version, timestamps of the write) is left out, and so are the
/// empty fields of a new record.
pub fn changes(
    entity: &str,
    before: Option<&Value>,
    after: Option<&Value>,
    firm: &dyn Fn(&str) -> Option<String>,
) -> Vec<FieldChange> {
    let (b, a) = (flatten(before), flatten(after));
    let mut keys: Vec<&String> = a.keys().collect();
    keys.extend(b.keys().filter(|k| !a.contains_key(*k)));
    let empty = |k: &str| before.is_none() && a.get(k).is_none_or(Value::is_null);
    keys.into_iter()
        .filter(|k| !LEFT_OUT.contains(&k.as_str()) && b.get(*k) != a.get(*k) && !empty(k))
        .map(|k| FieldChange {
            field: k.clone(),
            label: field(k),
            before: value(entity, k, b.get(k), firm),
            after: value(entity, k, a.get(k), firm),
        })
        .collect()
}

/// A record's object as its fields: a compound's GeoJSON feature by its properties (and geometry), a nested
/// object (survey, consent) one level down as `parent.field`; a bare value as `value`.
fn flatten(v: Option<&Value>) -> Map<String, Value> {
    let top = match v {
        Some(Value::Object(o)) if o.get("type") == Some(&Value::from("Feature")) => {
            let mut m = o
                .get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            if let Some(g) = o.get("geometry") {
                m.insert("geometry".into(), g.clone());
            }
            m
        }
        Some(Value::Object(o)) => o.clone(),
        Some(other) => [("value".to_owned(), other.clone())].into_iter().collect(),
        None => Map::new(),
    };
    let mut out = Map::new();
    for (key, v) in top {
        match v {
            Value::Object(inner) if !["geometry", "horizon"].contains(&key.as_str()) => {
                for (child, v) in inner {
                    out.insert(format!("{key}.{child}"), v);
                }
            }
            other => {
                out.insert(key, other);
            }
        }
    }
    out
}

/// A value as a clerk reads it: names for codes, 是/否, money in yuan, Beijing time to the minute, lists named
/// (and counted when long), everything cut at a readable length.
pub fn value(
    entity: &str,
    field: &str,
    v: Option<&Value>,
    firm: &dyn Fn(&str) -> Option<String>,
) -> String {
    let text = match v {
        None | Some(Value::Null) => "—".to_owned(),
        Some(Value::Bool(true)) => "是".to_owned(),
        Some(Value::Bool(false)) => "否".to_owned(),
        Some(Value::Number(n)) => number(field, n.as_f64().unwrap_or_default(), n),
        Some(Value::String(s)) => scalar(entity, field, s, firm),
        Some(Value::Array(items)) => list(entity, field, items, firm),
        Some(Value::Object(o)) => object(field, o),
    };
    cut(&text)
}

fn number(field: &str, n: f64, raw: &serde_json::Number) -> String {
    if field.ends_with("_yuan") {
        money::figures((n * 100.0).round() as i64)
    } else if field.ends_with("_m2") {
        format!("{} m²", grouped(n))
    } else if field == "percent" {
        format!("{raw}%")
    } else if field.ends_with("year") || field == "year_built" || raw.is_f64() {
        raw.to_string()
    } else {
        money::whole(raw.as_i64().unwrap_or_default())
    }
}

/// 17102.1 → "17,102.1".
fn grouped(n: f64) -> String {
    let text = format!("{n}");
    match text.split_once('.') {
        Some((whole, fraction)) => format!(
            "{}.{fraction}",
            money::whole(whole.parse().unwrap_or_default())
        ),
        None => money::whole(n as i64),
    }
}

fn scalar(entity: &str, field: &str, s: &str, firm: &dyn Fn(&str) -> Option<String>) -> String {
    if let Some(label) = coded(entity, field, s) {
        return label.to_owned();
    }
    if field == "contractor"
        && let Some(name) = firm(s)
    {
        return name;
    }
    match chrono::DateTime::parse_from_rfc3339(s) {
        Ok(at) => beijing_minute(at.with_timezone(&chrono::Utc)),
        Err(_) => s.to_owned(),
    }
}

/// A list by its members' names: codes by their labels, objects by their name (or code, or work item).
fn list(
    entity: &str,
    field: &str,
    items: &[Value],
    firm: &dyn Fn(&str) -> Option<String>,
) -> String {
    if items.is_empty() {
        return "（无）".to_owned();
    }
    let named: Vec<String> = items
        .iter()
        .map(|item| match item {
            Value::Object(o) => ["name", "code", "item"]
                .iter()
                .find_map(|k| o.get(*k).and_then(Value::as_str))
                .map_or_else(|| "1 项".to_owned(), str::to_owned),
            other => value(entity, field, Some(other), firm),
        })
        .collect();
    // Paragraphs (a notice's body) read on; codes and names are listed.
    if named.iter().any(|n| n.chars().count() > 20) {
        return named.join(" ");
    }
    let shown = named[..named.len().min(NAMED)].join("、");
    if named.len() > NAMED {
        format!("{shown} 等 {} 项", named.len())
    } else {
        shown
    }
}

/// An object kept whole (a boundary, a planning horizon) by what it amounts to.
fn object(field: &str, o: &Map<String, Value>) -> String {
    if field == "geometry" {
        return "边界图形".to_owned();
    }
    let years: Vec<i64> = o
        .get("years")
        .and_then(Value::as_array)
        .map(|ys| {
            ys.iter()
                .filter_map(|y| y.get("year").and_then(Value::as_i64))
                .collect()
        })
        .unwrap_or_default();
    match (years.first(), years.last()) {
        (Some(first), Some(last)) if first == last => format!("{first} 年"),
        (Some(first), Some(last)) => format!("{first}–{last} 年"),
        _ => format!("{} 项", o.len()),
    }
}

fn cut(text: &str) -> String {
    if text.chars().count() > LONG {
        format!("{}…", text.chars().take(LONG).collect::<String>())
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn no_firm(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn a_notice_published_reads_in_words() {
        let before = json!({"status": "draft"});
        let after = json!({"status": "published", "number": "仁住建公〔2021〕83号",
                           "closes_at": "2021-02-14T16:00:00.123456789Z"});
        let list = changes("notice", Some(&before), Some(&after), &no_firm);
        let line = |c: &FieldChange| format!("{}：{} → {}", c.label, c.before, c.after);
        assert_eq!(
            list.iter().map(line).collect::<Vec<_>>(),
            [
                "状态：草稿 → 已发布",
                "编号：— → 仁住建公〔2021〕83号",
                "截止时间：— → 2021-02-15 00:00"
            ]
        );
    }

    #[test]
    fn values_are_formatted_by_their_field() {
        let firm =
            |code: &str| (code == "RS-JG04").then(|| "四川黑龙滩建设工程有限公司".to_owned());
        let v = |entity: &str, field: &str, v: Value| value(entity, field, Some(&v), &firm);
        assert_eq!(
            v("project", "contract_amount_yuan", json!(3738702.0)),
            "¥3,738,702.00"
        );
        assert_eq!(v("user", "has_password", json!(false)), "否");
        assert_eq!(v("compound", "category", json!("improvement")), "完善类");
        assert_eq!(v("compound", "status", json!("planned")), "已列入计划");
        assert_eq!(v("compound", "origin", json!("housing_reform")), "房改房");
        assert_eq!(v("project", "progress", json!("not_started")), "未开工");
        assert_eq!(v("user", "role", json!("planner")), "规划员");
        assert_eq!(v("notice", "kind", json!("site")), "开工告示");
        assert_eq!(v("work_order", "kind", json!("acknowledged")), "签收");
        assert_eq!(v("objection", "kind", json!("comment")), "意见建议");
        assert_eq!(
            v("project", "contractor", json!("RS-JG04")),
            "四川黑龙滩建设工程有限公司"
        );
        assert_eq!(
            v("compound", "floor_area_m2", json!(17102.1)),
            "17,102.1 m²"
        );
        assert_eq!(v("compound", "households", json!(12345)), "12,345");
        assert_eq!(v("compound", "year_built", json!(1996)), "1996");
        assert_eq!(v("work_order", "percent", json!(50)), "50%");
        assert_eq!(
            v(
                "batch",
                "compounds",
                json!(["A", "B", "C", "D", "E", "F", "G"])
            ),
            "A、B、C、D、E 等 7 项"
        );
        assert_eq!(
            v("notice", "body", json!(["字".repeat(100)]))
                .chars()
                .count(),
            LONG + 1
        );
        assert_eq!(value("notice", "corrects", None, &firm), "—");
    }

    #[test]
    fn nested_records_read_field_by_field_and_bookkeeping_is_left_out() {
        let before = json!({"type": "Feature", "geometry": null, "properties": {
            "name": "甲", "version": 1, "consent": {"owners_total": 10, "agreeing_owners": 6}}});
        let after = json!({"type": "Feature", "geometry": null, "properties": {
            "name": "甲", "version": 2, "consent": {"owners_total": 10, "agreeing_owners": 8}}});
        let list = changes("compound", Some(&before), Some(&after), &no_firm);
        assert_eq!(list.len(), 1);
        assert_eq!(
            (
                list[0].label.as_str(),
                list[0].before.as_str(),
                list[0].after.as_str()
            ),
            ("居民意愿·同意业主数", "6", "8")
        );
    }

    #[test]
    fn unknown_codes_still_read_and_labels_lead_back_to_codes() {
        assert_eq!(action("sign_in"), "登录");
        assert_eq!(action("merge_compounds"), "merge compounds");
        assert_eq!(entity("work_order"), "施工任务单");
        assert_eq!(field("consent.new_thing"), "居民意愿·new thing");
        assert_eq!(action_code("设置密码"), "set_password");
        assert_eq!(action_code("sign_in"), "sign_in");
        assert_eq!(entity_code("小区"), "compound");
        assert_eq!(actor("system", None), "系统");
        assert_eq!(actor("cli:unknown", None), "命令行");
        assert_eq!(actor("cli:li", None), "命令行（li）");
        assert_eq!(actor("zhou", Some("周明")), "周明");
        assert_eq!(actor("zhou", None), "zhou");
        assert_eq!(role("planner"), "规划员");
    }

    #[test]
    fn labels_are_unique_so_a_label_filter_finds_one_code() {
        for table in [ACTIONS, ENTITIES] {
            let mut labels: Vec<&str> = table.iter().map(|(_, l)| *l).collect();
            labels.sort_unstable();
            let n = labels.len();
            labels.dedup();
            assert_eq!(labels.len(), n, "{table:?}");
        }
    }

    /// Every action, entity and literal field the code base writes to the audit log has a label: read from the
    /// writers' source (`Change::new(action, entity, …)…after(json!({"field": …}))`, and the actions handed to
    /// the compound status moves).
    #[test]
    fn every_code_written_to_the_audit_log_has_a_label() {
        let mut sources = Vec::new();
        collect_sources(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut sources,
        );
        let (mut actions, mut entities, mut fields) = (Vec::new(), Vec::new(), Vec::new());
        for text in &sources {
            for call in calls(text, "Change::new(") {
                let args = arguments(call);
                actions.extend(literals(args.first().copied().unwrap_or_default()));
                entities.extend(literals(args.get(1).copied().unwrap_or_default()));
                // The keys of the JSON written with it, up to the end of the statement.
                let start = text.find(call).unwrap_or_default();
                let statement = text[start..].split(".await").next().unwrap_or_default();
                fields.extend(
                    statement
                        .split('"')
                        .collect::<Vec<_>>()
                        .windows(2)
                        .filter(|w| w[1].starts_with(':') && !w[1].starts_with("::"))
                        .map(|w| w[0].to_owned()),
                );
            }
            for mover in ["move_to_status(", "move_sites("] {
                for call in calls(text, mover) {
                    if let Some(last) = arguments(call).last() {
                        actions.extend(literals(last));
                    }
                }
            }
        }
        assert!(
            actions.len() > 20 && entities.len() > 20,
            "the writers were found"
        );
        for (codes, table, what) in [
            (&actions, ACTIONS, "action"),
            (&entities, ENTITIES, "entity"),
            (&fields, FIELDS, "field"),
        ] {
            for code in codes {
                assert!(find(table, code).is_some(), "{what} {code:?} has no label");
            }
        }
    }

    fn collect_sources(dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                collect_sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs")
                && !path.ends_with("labels.rs")
                && !path.ends_with("db/audit.rs")
            {
                out.push(std::fs::read_to_string(&path).unwrap());
            }
        }
    }

    /// The argument text of every call of `opening` (`name(`) in `text`, up to its closing parenthesis.
    fn calls<'a>(text: &'a str, opening: &str) -> Vec<&'a str> {
        let mut out = Vec::new();
        for (at, _) in text.match_indices(opening) {
            let rest = &text[at + opening.len()..];
            let mut depth = 1;
            for (i, ch) in rest.char_indices() {
                match ch {
                    '(' | '[' | '{' => depth += 1,
                    ')' | ']' | '}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    out.push(&rest[..i]);
                    break;
                }
            }
        }
        out
    }

    /// Splits call arguments at the top-level commas.
    fn arguments(call: &str) -> Vec<&str> {
        let (mut out, mut depth, mut from) = (Vec::new(), 0, 0);
        for (i, ch) in call.char_indices() {
            match ch {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                ',' if depth == 0 => {
                    out.push(call[from..i].trim());
                    from = i + 1;
                }
                _ => {}
            }
        }
        out.push(call[from..].trim());
        // A trailing comma leaves nothing after it.
        out.retain(|a| !a.is_empty());
        out
    }

    /// The string literals in an argument (`if x == "y" { "a" } else { "b" }` has two: `y` is compared with).
    fn literals(arg: &str) -> Vec<String> {
        let pieces: Vec<&str> = arg.split('"').collect();
        (1..pieces.len())
            .step_by(2)
            .filter(|&i| {
                let before = pieces[i - 1].trim_end();
                !before.ends_with("==") && !before.ends_with("!=")
            })
            .map(|i| pieces[i])
            .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            .map(str::to_owned)
            .collect()
    }
}
