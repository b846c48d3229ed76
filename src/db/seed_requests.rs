//! First start, continued: what residents asked for (问需于民). Each compound of the data set gets as many accepted
//! requests as its file says it received (`requests`), collected in the autumn before the first batch and triaged by
//! the bureau, so the planner sees the same priorities as the file; some compounds also have a duplicate merged into
//! an earlier request and a request outside the renovation's scope forwarded to another department; and a few reserve
//! compounds have new requests of the last weeks waiting for triage.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;

use super::entities::{compounds, resident_requests as rows};
use super::seed_work::morning;
use crate::domain::request::{ResidentRequest, Status};

/// Who triaged the demo's requests.
const TRIAGED_BY: &str = "住建局城建股";

/// Requests outside the renovation's scope residents raise, with the department they go to.
const ELSEWHERE: [(&str, &str); 4] = [
    ("小区门口的市政路灯晚上不亮", "县城市管理局"),
    ("希望小区通光纤宽带", "县电信公司"),
    ("楼下门面晚上烧烤油烟大", "县生态环境局"),
    ("电表箱老化，经常跳闸", "国网仁寿县供电公司"),
];

/// Words residents use, by catalog item, when the compound's survey has no note for it.
fn words_for(item: &str) -> &'static str {
    match item.chars().next() {
        Some('B') => "希望把小区的基础设施修一修",
        Some('I') => "希望完善小区的配套设施",
        _ => "希望小区增加公共服务设施",
    }
}

pub async fn collect(
    db: &DatabaseConnection,
    compounds_geojson: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let file: Value = serde_json::from_str(compounds_geojson)?;
    let features = file["features"].as_array().cloned().unwrap_or_default();
    let stored: std::collections::HashMap<String, compounds::Model> = compounds::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.code.clone(), c))
        .collect();
    let autumn = NaiveDate::from_ymd_opt(2020, 9, 1).expect("a date");
    let mut inserts = Vec::new();
    let mut merges = Vec::new();
    let mut counted = Vec::new();
    let mut serial = 0u32;
    for (n, feature) in features.iter().enumerate() {
        let p = &feature["properties"];
        let Some(compound) = p["code"].as_str().and_then(|c| stored.get(c)) else {
            continue;
        };
        let wanted = p["requests"].as_i64().unwrap_or(0).clamp(0, 1_000) as usize;
        let items: Vec<&str> = p["scope"]
            .as_array()
            .map(|s| s.iter().filter_map(|l| l["item"].as_str()).collect())
            .unwrap_or_default();
        let notes: Vec<&str> = p["survey"]["deficits"]
            .as_array()
            .map(|d| d.iter().filter_map(|x| x["note"].as_str()).collect())
            .unwrap_or_default();
        let buildings = p["buildings"].as_i64().unwrap_or(1).max(1);
        let mut request = |status: Status, item: Option<&str>, text: &str, days: i64| {
            serial += 1;
            let at =
                morning(autumn + Duration::days(days)) + Duration::minutes(i64::from(serial % 480));
            let building = format!(
                "{}栋{}单元",
                i64::from(serial) % buildings + 1,
                serial % 3 + 1
            );
            let mobile = format!("139{:08}", 10_000_000 + serial * 7_919 % 89_999_999);
            let parsed = ResidentRequest::parse(&crate::domain::request::RequestForm {
                item: item.unwrap_or_default(),
                building_unit: &building,
                mobile: &mobile,
                text,
            })
            .expect("the demo's requests are valid");
            rows::ActiveModel {
                compound_id: Set(compound.id),
                submission: Set(format!("seed-{serial}")),
                item_code: Set(parsed.item.clone()),
                building_unit: Set(parsed.building_unit.clone()),
                mobile: Set(mobile.clone()),
                text: Set(parsed.text.clone()),
                text_digest: Set(parsed.digest()),
                source: Set("seed".to_owned()),
                created_at: Set(at),
                status: Set(status.code().to_owned()),
                version: Set(if status == Status::New { 1 } else { 2 }),
                triaged_at: Set((status != Status::New).then(|| at + Duration::days(12))),
                triaged_by: Set((status != Status::New).then(|| TRIAGED_BY.to_owned())),
                ..Default::default()
            }
        };
        for k in 0..wanted {
            let item = items.get(k % items.len().max(1)).copied();
            let text = notes
                .get(k)
                .copied()
                .unwrap_or_else(|| words_for(item.unwrap_or("B")));
            let mut row = request(Status::Accepted, item, text, (k * 9 % 100) as i64);
            row.linked_item = Set(item.map(str::to_owned).or(Some("B01".to_owned())));
            if k % 4 == 0 {
                row.answer = Set(Some(format!(
                    "已收到，经现场核实，列入本小区改造需求，{}时一并考虑。",
                    if compound.status == "catalogued" || compound.status == "surveyed" {
                        "编制改造方案"
                    } else {
                        "实施改造"
                    }
                )));
            }
            inserts.push(row);
        }
        if wanted > 0 && n % 5 == 0 {
            // A neighbour raises the first need again: merged into it once the first has an id.
            let item = items.first().copied();
            let text = format!("{}，请尽快解决", notes.first().copied().unwrap_or("同上"));
            let mut row = request(Status::Merged, item, &text, 40);
            row.answer = Set(Some("与本小区已收到的同类诉求合并办理。".to_owned()));
            // Stored as new until it can name the request it duplicates.
            row.status = Set(Status::New.code().to_owned());
            merges.push((inserts.len() - wanted, inserts.len()));
            inserts.push(row);
        }
        if wanted > 0 && n % 7 == 0 {
            let (text, department) = ELSEWHERE[n / 7 % ELSEWHERE.len()];
            let mut row = request(Status::OutOfScope, None, text, 50);
            row.department = Set(Some(department.to_owned()));
            inserts.push(row);
        }
        if (compound.status == "catalogued" || compound.status == "surveyed") && n % 9 == 0 {
            // New this autumn, waiting for triage.
            let days_ago = (n % 20) as i64 + 1;
            let since_autumn =
                (crate::domain::time::beijing_date(now) - autumn).num_days() - days_ago;
            for (k, item) in items.iter().rev().take(1 + n % 3).enumerate() {
                let text = if k == 0 {
                    "楼道里没有灯，晚上上下楼看不见"
                } else {
                    ""
                };
                inserts.push(request(Status::New, Some(item), text, since_autumn));
            }
        }
        counted.push((compound.id, wanted));
    }
    let txn = super::begin_write(db).await?;
    // Merged rows name the row they duplicate: insert in order, then point them.
    for chunk in inserts.chunks(500) {
        rows::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    let ids: Vec<i32> = rows::Entity::find()
        .order_by_asc(rows::Column::Id)
        .all(&txn)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    for (first, merged) in merges {
        rows::Entity::update_many()
            .set(rows::ActiveModel {
                status: Set(Status::Merged.code().to_owned()),
                merged_into: Set(Some(ids[first])),
                ..Default::default()
            })
            .filter(rows::Column::Id.eq(ids[merged]))
            .exec(&txn)
            .await?;
    }
    for (compound, wanted) in counted {
        let accepted = super::requests::accepted_count(&txn, compound).await?;
        debug_assert_eq!(accepted as usize, wanted);
        super::compounds::set_requests(&txn, compound, accepted).await?;
    }
    txn.commit().await?;
    Ok(())
}
