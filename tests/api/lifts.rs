//! Lift votes per stairwell (加装电梯按单元表决): each unit's vote is recorded over the API or the page, judged by
//! the Civil Code's double thresholds (or the policy's stricter ones), and the compound's lift item (I11) counts
//! the units that passed — in the same write, re-priced, audited; stale edits and bad input change nothing.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, client_with_token, new_compound, spawn_app};

fn path(code: &str) -> String {
    format!("/api/compounds/{code}/lift-units")
}

/// A unit of 20 owners holding 1,800 ㎡; `agree` households of 90 ㎡ each agree, two oppose, none abstain.
fn unit(building: &str, unit: &str, agree: u32) -> Value {
    json!({
        "building": building, "unit": unit, "owners_total": 20, "area_total_m2": 1800.0,
        "agree": {"owners": agree, "area_m2": f64::from(agree) * 90.0},
        "oppose": {"owners": 2, "area_m2": 180.0},
        "abstain": {"owners": 0, "area_m2": 0},
        "recorded_on": "2021-03-01",
    })
}

/// The lift item's quantity in the compound's estimate (`None`: not in the scope), and the compound's version.
async fn lifts_of(app: &TestApp, code: &str) -> (Option<f64>, i64, Value) {
    let (status, c) = app.get_json(&format!("/api/compounds/{code}")).await;
    assert_eq!(status, 200);
    let quantity = c["estimate"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["item"] == "I11")
        .map(|l| l["quantity"].as_f64().unwrap());
    (quantity, c["version"].as_i64().unwrap(), c)
}

async fn put(app: &TestApp, code: &str, body: &Value) -> (u16, Value) {
    app.send_json(Method::PUT, &path(code), body, None).await
}

/// A compound of 5 storeys without a lift in its scope.
async fn new_site(app: &TestApp, code: &str) {
    let (status, body) = app
        .send_json(Method::POST, "/api/compounds", &new_compound(code), None)
        .await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn the_demo_votes_pass_unit_by_unit_and_keep_the_planned_lifts() {
    let app = spawn_app().await;
    let (status, l) = app.get_json(&path("RS-0001")).await;
    assert_eq!(status, 200, "{l}");
    assert_eq!(
        (l["passed"].as_u64(), l["units"].as_array().unwrap().len()),
        (Some(6), 7)
    );
    assert_eq!(l["lifts_in_scope"], 6.0);
    let unit = |name: &str| {
        l["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| {
                format!(
                    "{}{}",
                    u["building"].as_str().unwrap(),
                    u["unit"].as_str().unwrap()
                ) == name
            })
            .cloned()
            .unwrap()
    };
    // 1,199.80 of 1,800.00 ㎡ took part: a fifth of a square metre short of two thirds.
    let short = unit("6栋1单元");
    assert_eq!(short["verdict_label"], "未通过");
    assert_eq!(
        short["verdict"]["reasons"],
        json!(["参与表决的面积占 66.6%，不足三分之二"])
    );
    assert_eq!(short["participants"]["area_m2"], 1199.8);
    // Exactly two thirds took part and exactly three quarters of them agreed, by headcount and by area.
    let exact = unit("3栋1单元");
    assert_eq!(exact["verdict"]["passed"], true);
    assert_eq!(exact["verdict"]["shares"][1]["share"], "66.7%");
    let (quantity, _, c) = lifts_of(&app, "RS-0001").await;
    assert_eq!(quantity, Some(6.0));
    assert!(c["consent"].is_object(), "the compound's own consent stays");
}

#[tokio::test]
async fn saving_and_deleting_units_sets_the_lift_quantity_in_the_same_write() {
    let app = spawn_app().await;
    new_site(&app, "RS-8101").await;
    let (none, v0, before) = lifts_of(&app, "RS-8101").await;
    assert_eq!(none, None);
    let total = |c: &Value| c["estimate"]["total_yuan"].as_f64().unwrap();

    let (status, l) = put(&app, "RS-8101", &unit("1栋", "1单元", 16)).await;
    assert_eq!(status, 200, "{l}");
    assert_eq!(
        (l["passed"].as_u64(), l["lifts_in_scope"].as_f64()),
        (Some(1), Some(1.0))
    );
    let (one, v1, after) = lifts_of(&app, "RS-8101").await;
    assert_eq!((one, v1), (Some(1.0), v0 + 1));
    assert_eq!(total(&after) - total(&before), 700_000.0);
    assert_eq!(after["category_derived"], "improvement");

    // A second unit passes; a third fails (10 of 12 voters is enough, but 12 of 20 owners did not take part).
    assert_eq!(put(&app, "RS-8101", &unit("1栋", "2单元", 15)).await.0, 200);
    let mut thin = unit("2栋", "1单元", 10);
    thin["oppose"] = json!({"owners": 0, "area_m2": 0});
    let (status, l) = put(&app, "RS-8101", &thin).await;
    assert_eq!(status, 200, "{l}");
    let failed = &l["units"][2];
    assert_eq!(failed["verdict_label"], "未通过");
    assert_eq!(
        failed["verdict"]["reasons"],
        json!([
            "参与表决的面积占 50.0%，不足三分之二",
            "参与表决的人数占 50.0%，不足三分之二"
        ])
    );
    assert_eq!(lifts_of(&app, "RS-8101").await.0, Some(2.0));

    // The failing unit votes again and passes: three lifts.
    let mut again = unit("2栋", "1单元", 14);
    again["version"] = json!(1);
    let (status, l) = put(&app, "RS-8101", &again).await;
    assert_eq!(status, 200, "{l}");
    assert_eq!(l["units"][2]["version"], 2);
    assert_eq!(lifts_of(&app, "RS-8101").await.0, Some(3.0));

    // Deleting units takes their lifts away; the last one takes the line out of the scope.
    for (building, unit) in [("1栋", "1单元"), ("1栋", "2单元"), ("2栋", "1单元")] {
        let r = app
            .client
            .delete(app.url(&format!(
                "{}?building={building}&unit={unit}",
                path("RS-8101")
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{building}{unit}");
    }
    let (gone, _, c) = lifts_of(&app, "RS-8101").await;
    assert_eq!(gone, None);
    assert_eq!(total(&c), total(&before));
    assert!(
        c["consent"].is_null(),
        "the compound's own consent is not touched"
    );

    // Every write is in the audit log, the unit's and the compound's.
    let log = app.audit("entity=lift_unit").await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity_id"].as_str().unwrap().starts_with("RS-8101 "))
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "delete", "delete", "delete", "update", "create", "create", "create"
        ]
    );
    let compound_log = app.audit("entity=compound&entity_id=RS-8101").await;
    assert_eq!(
        compound_log["items"].as_array().unwrap().len(),
        1 + 6,
        "create + six scope changes"
    );
}

#[tokio::test]
async fn a_stale_or_missing_version_is_409_and_nothing_is_overwritten() {
    let app = spawn_app().await;
    new_site(&app, "RS-8102").await;
    assert_eq!(put(&app, "RS-8102", &unit("1栋", "1单元", 16)).await.0, 200);
    let mut edit = unit("1栋", "1单元", 10);
    edit["version"] = json!(1);
    assert_eq!(put(&app, "RS-8102", &edit).await.0, 200);
    // Someone working from version 1, or unaware of the record, is refused.
    let (status, body) = put(&app, "RS-8102", &edit).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["current_version"], 2);
    let (status, body) = put(&app, "RS-8102", &unit("1栋", "1单元", 17)).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("已有表决记录"),
        "{body}"
    );
    let r = app
        .client
        .delete(app.url(&format!(
            "{}?building=1栋&unit=1单元&version=1",
            path("RS-8102")
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let (_, l) = app.get_json(&path("RS-8102")).await;
    assert_eq!(l["units"][0]["agree"]["owners"], 10);
    assert_eq!(l["units"][0]["version"], 2);

    // 工行小区 is built (its 2021 contract plans 6 lifts): a seventh unit passing cannot change its scope.
    let (status, body) = put(&app, "RS-0001", &unit("7栋", "1单元", 16)).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("已开工"),
        "{body}"
    );
    let (_, l) = app.get_json(&path("RS-0001")).await;
    assert_eq!(
        l["units"].as_array().unwrap().len(),
        7,
        "the unit was not recorded either"
    );
    // A failing one can be recorded: the number of lifts stays.
    let mut failing = unit("7栋", "1单元", 10);
    failing["oppose"] = json!({"owners": 8, "area_m2": 720});
    assert_eq!(put(&app, "RS-0001", &failing).await.0, 200);
    assert_eq!(lifts_of(&app, "RS-0001").await.0, Some(6.0));
}

#[tokio::test]
async fn bad_input_is_422_naming_the_field_and_writes_nothing() {
    let app = spawn_app().await;
    new_site(&app, "RS-8103").await;
    let before = app.snapshot().await;
    type Edit = (&'static str, fn(&mut Value));
    let edits: [Edit; 9] = [
        ("owners_total", |b| b["oppose"]["owners"] = json!(6)),
        ("agree.area_m2", |b| b["agree"]["area_m2"] = json!(1440.125)),
        ("oppose.owners", |b| b["oppose"]["owners"] = json!(-2)),
        ("oppose.area_m2", |b| b["oppose"]["area_m2"] = json!(-180)),
        ("abstain", |b| {
            b.as_object_mut().unwrap().remove("abstain");
        }),
        ("building", |b| b["building"] = json!("1\u{0}栋")),
        ("abstain.area_m2", |b| b["abstain"]["area_m2"] = json!(12.5)),
        ("area_total_m2", |b| b["area_total_m2"] = json!("1800")),
        ("recorded_on", |b| b["recorded_on"] = json!("2999-01-01")),
    ];
    for (field, edit) in edits {
        let mut body = unit("1栋", "1单元", 16);
        edit(&mut body);
        let (status, answer) = put(&app, "RS-8103", &body).await;
        assert_eq!(status, 422, "{field}: {answer}");
        assert!(answer["fields"][field].is_array(), "{field}: {answer}");
    }
    let (_, l) = app.get_json(&path("RS-8103")).await;
    assert_eq!(l["units"], json!([]));
    assert_eq!(app.snapshot().await, before, "nothing was written");

    // Buildings below the policy's storeys (4 in Renshou) may not add a lift.
    let mut low = new_compound("RS-8104");
    low["storeys"] = json!(3);
    assert_eq!(
        app.send_json(Method::POST, "/api/compounds", &low, None)
            .await
            .0,
        201
    );
    let (status, answer) = put(&app, "RS-8104", &unit("1栋", "1单元", 16)).await;
    assert_eq!(status, 422);
    assert!(
        answer["fields"]["building"][0]
            .as_str()
            .unwrap()
            .contains("最低层数（4 层）"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_stricter_local_bar_decides_and_other_roles_are_refused() {
    let app = spawn_app().await;
    new_site(&app, "RS-8105").await;
    app.edit_policy(|p| p.lift.approval_owners = jiugai::domain::policy::Fraction([4, 5]))
        .await;
    // 13 of 15 voters agree (86.6 %): enough for four fifths.
    let (status, l) = put(&app, "RS-8105", &unit("1栋", "1单元", 13)).await;
    assert_eq!(status, 200);
    assert_eq!(l["units"][0]["verdict"]["passed"], true);
    // 14 of 18 (77.7 %) is enough for the Civil Code's three quarters, not for the county's four fifths.
    let mut short = unit("1栋", "2单元", 14);
    short["agree"]["area_m2"] = json!(1400);
    short["oppose"] = json!({"owners": 4, "area_m2": 200});
    let (_, l) = put(&app, "RS-8105", &short).await;
    assert_eq!(
        l["units"][1]["verdict"]["reasons"],
        json!(["同意的人数占参与表决人数的 77.7%，不足五分之四"])
    );
    assert_eq!(lifts_of(&app, "RS-8105").await.0, Some(1.0));

    for token in [&app.tokens.contractor, &app.tokens.admin] {
        let client = client_with_token(token);
        let r = client
            .put(app.url(&path("RS-8105")))
            .json(&unit("3栋", "1单元", 16))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
    }
    let r = client_with_token(&app.tokens.contractor)
        .get(app.url(&path("RS-8105")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let (_, l) = app.get_json(&path("RS-8105")).await;
    assert_eq!(l["units"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_page_shows_the_units_and_a_refused_form_keeps_what_was_typed() {
    let app = spawn_app().await;
    let planner = app.sign_in("planner1").await;
    let page = app
        .browse(&planner.cookie, "/compounds/RS-0001/lifts")
        .await
        .text()
        .await
        .unwrap();
    for text in [
        "加装电梯表决（按单元）",
        "6栋1单元",
        "未通过",
        "参与表决的面积占 66.6%，不足三分之二",
        "通过 <strong>6</strong> 个",
        // Built: the scope is the contract's, and no form is offered.
        "本小区已开工",
    ] {
        assert!(page.contains(text), "{text}");
    }
    assert!(!page.contains("保存表决结果"));
    let compound = app
        .browse(&planner.cookie, "/compounds/RS-0001")
        .await
        .text()
        .await
        .unwrap();
    assert!(compound.contains("href=\"/compounds/RS-0001/lifts\""));

    // A third decimal and too many voters: the form comes back with both beside their fields.
    let typed = [
        ("building", "7栋"),
        ("stairwell", "1单元"),
        ("owners_total", "20"),
        ("area_total_m2", "1800.005"),
        ("recorded_on", "2021-04-01"),
        ("agree_owners", "19"),
        ("agree_area_m2", "1700"),
        ("oppose_owners", "3"),
        ("oppose_area_m2", "90"),
        ("abstain_owners", "0"),
        ("abstain_area_m2", "0"),
    ];
    let open = app
        .browse(&planner.cookie, "/compounds/RS-0065/lifts")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        open.contains("保存表决结果")
            && open.contains("同意的人数占参与表决人数的 66.6%，不足四分之三")
    );
    let r = app
        .post_form(&planner, "/compounds/RS-0065/lifts", &typed, true)
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"1800.005\""), "the area is kept");
    assert!(html.contains("value=\"7栋\""), "the building is kept");
    assert!(html.contains("专有面积总数最多精确到两位小数"));
    assert!(html.contains("合计 22 户，多于业主总数 20 户"));
    let (_, l) = app.get_json(&path("RS-0065")).await;
    assert_eq!(
        l["units"].as_array().unwrap().len(),
        3,
        "nothing was written"
    );

    // Corrected, it is saved; the unit passes and the compound plans a third lift.
    let mut fixed = typed;
    fixed[3].1 = "1800";
    fixed[5].1 = "17";
    let r = app
        .post_form(&planner, "/compounds/RS-0065/lifts", &fixed, true)
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(lifts_of(&app, "RS-0065").await.0, Some(3.0));

    // Chosen from the table, the unit's form carries its version, and deleting it needs the box ticked.
    let edit = app
        .browse(
            &planner.cookie,
            "/compounds/RS-0065/lifts?building=7%E6%A0%8B&unit=1%E5%8D%95%E5%85%83",
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(edit.contains("修改 7栋1单元 的表决结果"));
    assert!(edit.contains("name=\"version\" value=\"1\""));
    let delete = [
        ("building", "7栋"),
        ("stairwell", "1单元"),
        ("version", "1"),
    ];
    let r = app
        .post_form(&planner, "/compounds/RS-0065/lifts/delete", &delete, true)
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("确认删除"));
    let mut confirmed = delete.to_vec();
    confirmed.push(("confirm", "yes"));
    let r = app
        .post_form(
            &planner,
            "/compounds/RS-0065/lifts/delete",
            &confirmed,
            true,
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(lifts_of(&app, "RS-0065").await.0, Some(2.0));
}
