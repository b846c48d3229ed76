//! The settings pages: an admin changes a work item's unit cost and every stored estimate of a compound not yet
//! contracted that uses it is priced again (audited, one record per compound); bad policy input comes back as
//! the same form with Chinese messages; a stale page's save is a conflict; planners read but cannot write.

use sea_orm::{ConnectionTrait, Statement};
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};
use crate::plan_form::beside;

/// The compounds whose scope uses work item `item`, with their status.
async fn users_of(app: &TestApp, item: &str) -> Vec<(String, String)> {
    let backend = app.db.get_database_backend();
    let sql = format!(
        "SELECT c.code AS code, c.status AS status FROM compounds c \
         JOIN scope_items s ON s.compound_id = c.id JOIN work_items w ON w.id = s.work_item_id \
         WHERE w.code = '{item}' AND c.archived = {} ORDER BY c.code",
        if backend == sea_orm::DbBackend::Postgres {
            "false"
        } else {
            "0"
        }
    );
    app.db
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                r.try_get("", "code").unwrap(),
                r.try_get("", "status").unwrap(),
            )
        })
        .collect()
}

fn b01_line(compound: &Value) -> (f64, f64) {
    let line = compound["estimate"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["item"] == "B01")
        .expect("a B01 line");
    (
        line["quantity"].as_f64().unwrap(),
        line["unit_cost_yuan"].as_f64().unwrap(),
    )
}

async fn item_form<'a>(cost: &'a str, version: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("version", version),
        ("name", "屋面防水及保温维修"),
        ("unit", "m²"),
        ("unit_cost_yuan", cost),
    ]
}

#[tokio::test]
async fn a_new_unit_cost_prices_the_open_compounds_again_and_leaves_the_contracted_ones() {
    let app = spawn_app().await;
    let admin = app.sign_in("admin1").await;
    let users = users_of(&app, "B01").await;
    let open = users
        .iter()
        .find(|(_, s)| s == "surveyed" || s == "catalogued")
        .map(|(c, _)| c.clone())
        .expect("an open compound with roof works");
    let done = users
        .iter()
        .find(|(_, s)| s == "in_construction" || s == "completed" || s == "accepted")
        .map(|(c, _)| c.clone());
    let (_, before) = app.get_json(&format!("/api/compounds/{open}")).await;
    let (quantity, cost) = b01_line(&before);
    let done_before = match &done {
        Some(code) => Some(app.get_json(&format!("/api/compounds/{code}")).await.1),
        None => None,
    };
    let new_cost = cost + 40.0;
    let new_cost_text = format!("{new_cost:.2}");

    let form = item_form(&new_cost_text, "1").await;
    let r = app
        .post_form(&admin, "/settings/catalog/B01", &form, true)
        .await;
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("/settings/catalog?saved=B01"),
        "{location}"
    );

    let (_, after) = app.get_json(&format!("/api/compounds/{open}")).await;
    assert_eq!(b01_line(&after).1, new_cost);
    let expected = before["estimated_cost_yuan"].as_f64().unwrap() + quantity * 40.0;
    assert!(
        (after["estimated_cost_yuan"].as_f64().unwrap() - expected).abs() < 0.005,
        "the stored estimate follows: {} → {}",
        before["estimated_cost_yuan"],
        after["estimated_cost_yuan"]
    );
    assert_eq!(
        after["version"].as_i64(),
        before["version"].as_i64().map(|v| v + 1)
    );
    if let (Some(code), Some(was)) = (&done, &done_before) {
        let (_, now) = app.get_json(&format!("/api/compounds/{code}")).await;
        assert_eq!(
            now["estimated_cost_yuan"], was["estimated_cost_yuan"],
            "{code} keeps its estimate"
        );
    }

    // The page says how many were priced again; the log has the item's change and each compound's.
    let repriced: usize = location
        .split("repriced=")
        .nth(1)
        .and_then(|n| n.split('&').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(repriced >= 1);
    let html = app
        .browse(&admin.cookie, &location)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("已重新计算 {repriced} 个小区的估算")),
        "the page says so"
    );
    let log = app.audit("entity=work_item&entity_id=B01").await;
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
    assert_eq!(log["items"][0]["actor"], "admin1");
    let log = app.audit("entity=compound&action=reprice").await;
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), repriced);
    let mine = items
        .iter()
        .find(|e| e["entity_id"] == open.as_str())
        .expect("the compound's record");
    assert_eq!(
        mine["before"]["estimated_cost_yuan"],
        before["estimated_cost_yuan"]
    );
    assert_eq!(
        mine["after"]["estimated_cost_yuan"],
        after["estimated_cost_yuan"]
    );

    // The same page sent again (version 1) is stale: refused, nothing changes.
    let late = item_form("999.00", "1").await;
    let r = app
        .post_form(&admin, "/settings/catalog/B01", &late, true)
        .await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(html.contains("action=\"/settings/catalog/B01\"") && html.contains("value=\"999.00\""));
    assert!(html.contains("您打开页面之后的修改"));
    let (_, still) = app.get_json(&format!("/api/compounds/{open}")).await;
    assert_eq!(still["estimated_cost_yuan"], after["estimated_cost_yuan"]);
}

#[tokio::test]
async fn bad_policy_input_comes_back_with_chinese_messages_and_a_good_one_is_saved_and_logged() {
    let app = spawn_app().await;
    let admin = app.sign_in("admin1").await;
    let page = app.browse(&admin.cookie, "/settings/policy").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("name=\"approval_area\"") && html.contains("value=\"3&#x2f;4\""));

    let mut form: Vec<(&str, String)> = vec![
        ("version", "1".into()),
        ("weight_age", "1.0".into()),
        ("weight_safety_deficit", "8".into()),
        ("weight_other_deficit", "2".into()),
        ("weight_households", "0.02".into()),
        ("weight_consent", "10".into()),
        ("weight_requests", "1.5".into()),
        ("weight_deputies_vote", "20".into()),
        ("participation_owners", "2/3".into()),
        ("participation_area", "2/3".into()),
        ("approval_owners", "3/4".into()),
        ("approval_area", "四分之三".into()),
        ("built_no_later_than", "2000".into()),
        ("period_plan_days", "7".into()),
        ("period_plan_count", "calendar".into()),
        ("period_site_days", "0".into()),
        ("period_site_count", "calendar".into()),
        ("period_completion_days", "5".into()),
        ("period_completion_count", "working".into()),
        ("discount", "1.2".into()),
        ("bundle_within_m", "50".into()),
        ("bundle_max_compounds", "4".into()),
        ("notices_phone", "028-36210000".into()),
        ("number_prefix", "仁住建公".into()),
        ("rating_days", "90".into()),
    ];
    let refs = |form: &[(&'static str, String)]| -> Vec<(&'static str, String)> { form.to_vec() };
    let send = |form: Vec<(&'static str, String)>| {
        let admin = &admin;
        let app = &app;
        async move {
            let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_form(admin, "/settings/policy", &fields, true)
                .await
        }
    };
    let r = send(refs(&form)).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("action=\"/settings/policy\""));
    for field in ["approval_area", "period_site_days", "discount"] {
        let message = beside(&html, field).unwrap_or_else(|| panic!("a message beside {field}"));
        assert!(
            message
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{field}: {message}"
        );
    }
    assert!(
        html.contains("value=\"四分之三\"") && html.contains("value=\"1.2\""),
        "kept"
    );
    let (_, policy) = app.get_json("/api/policy").await;
    assert_eq!(policy["planning"]["discount"], 0.9, "nothing saved");

    for (key, value) in [
        ("approval_area", "4/5"),
        ("period_site_days", "10"),
        ("discount", "0.8"),
    ] {
        form.iter_mut().find(|(k, _)| *k == key).unwrap().1 = value.into();
    }
    let r = send(refs(&form)).await;
    assert_eq!(r.status(), 303);
    let (_, policy) = app.get_json("/api/policy").await;
    assert_eq!(policy["planning"]["discount"], 0.8);
    assert_eq!(
        policy["consent"]["approval_area"],
        serde_json::json!([4, 5])
    );
    assert_eq!(policy["notice_periods"]["site"]["days"], 10);
    let log = app.audit("entity=policy").await;
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
    assert_eq!(log["items"][0]["after"]["approval_area"], "4/5");

    // The form sent again from the page opened before: stale.
    let r = send(refs(&form)).await;
    assert_eq!(r.status(), 409);
    let audit_page = app
        .browse(&admin.cookie, "/admin/audit")
        .await
        .text()
        .await
        .unwrap();
    assert!(audit_page.contains("政策参数") && audit_page.contains("同意面积门槛"));
}

#[tokio::test]
async fn planners_read_the_settings_but_cannot_write_them() {
    let app = spawn_app().await;
    let planner = app.sign_in("planner1").await;
    for path in ["/settings/catalog", "/settings/policy"] {
        let r = app.browse(&planner.cookie, path).await;
        assert_eq!(r.status(), 200, "{path}");
        let html = r.text().await.unwrap();
        assert!(
            !html.contains("保存</button>") && !html.contains("保存并重新计算估算</button>"),
            "{path}: no save button for a planner"
        );
    }
    let form = item_form("1.00", "1").await;
    let r = app
        .post_form(&planner, "/settings/catalog/B01", &form, true)
        .await;
    assert_eq!(r.status(), 403);
    let r = app
        .post_form(
            &planner,
            "/settings/policy",
            &[("version", "1"), ("discount", "0.5")],
            true,
        )
        .await;
    assert_eq!(r.status(), 403);
    let (_, policy) = app.get_json("/api/policy").await;
    assert_eq!(policy["planning"]["discount"], 0.9);
    assert!(
        app.audit("entity=work_item").await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_api_writes_the_same_settings_with_if_match() {
    let app = spawn_app().await;
    let admin = crate::helpers::client_with_token(&app.tokens.admin);
    let put = |path: &str, body: serde_json::Value, tag: &str| {
        admin
            .put(app.url(path))
            .header("if-match", tag)
            .json(&body)
            .send()
    };
    let item =
        serde_json::json!({"name": "屋面防水及保温维修", "unit": "m²", "unit_cost_yuan": 170});
    let r = put("/api/work-items/B01", item.clone(), "\"1\"")
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let body: Value = r.json().await.unwrap();
    assert!(body["repriced"].as_u64().unwrap() >= 1, "{body}");
    let r = put("/api/work-items/B01", item.clone(), "\"1\"")
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["current_version"], 2);
    let (status, _) = app
        .send_json(
            reqwest::Method::PUT,
            "/api/work-items/B01",
            &item,
            Some("\"2\""),
        )
        .await;
    assert_eq!(status, 403, "planners cannot");

    let (_, mut policy) = app.get_json("/api/policy").await;
    policy["planning"]["discount"] = serde_json::json!(0.85);
    let r = put("/api/policy", policy.clone(), "\"1\"").await.unwrap();
    assert_eq!(r.status(), 200);
    let (_, now) = app.get_json("/api/policy").await;
    assert_eq!(now["planning"]["discount"], 0.85);
    policy["planning"]["discount"] = serde_json::json!(7);
    let r = put("/api/policy", policy, "\"2\"").await.unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["fields"]["discount"].is_array() || body["fields"]["discount"].is_string(),
        "{body}"
    );
}
