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

/// What a browser sends for the policy form as the page shows it: every input with its value (checkboxes only
/// when ticked) and every select's chosen option, without the CSRF token (`post_form` adds it).
fn form_fields(html: &str) -> Vec<(String, String)> {
    let start = html.find("id=\"policy\"").expect("the policy form");
    let form = &html[start..start + html[start..].find("</form>").expect("its end")];
    let decode = |v: &str| {
        v.replace("&#x2f;", "/")
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    };
    let attr = |tag: &str, name: &str| {
        let key = format!(" {name}=\"");
        tag.find(&key).map(|at| {
            let rest = &tag[at + key.len()..];
            decode(&rest[..rest.find('"').unwrap()])
        })
    };
    let mut fields = Vec::new();
    for (at, _) in form.match_indices("<input ") {
        let tag = &form[at..at + form[at..].find('>').unwrap()];
        let Some(name) = attr(tag, "name") else {
            continue;
        };
        let checkbox = attr(tag, "type").as_deref() == Some("checkbox");
        if name == "csrf" || (checkbox && !tag.contains(" checked")) {
            continue;
        }
        fields.push((name, attr(tag, "value").unwrap_or_default()));
    }
    for (at, _) in form.match_indices("<select ") {
        let tag = &form[at..at + form[at..].find('>').unwrap()];
        let body = &form[at..at + form[at..].find("</select>").unwrap()];
        let options: Vec<&str> = body.split("<option ").skip(1).collect();
        let chosen = options
            .iter()
            .find(|o| o.split('>').next().unwrap().contains(" selected"))
            .or(options.first())
            .expect("an option");
        let value = attr(&format!(" {chosen}"), "value").unwrap_or_default();
        fields.push((attr(tag, "name").unwrap(), value));
    }
    fields
}

/// The policy form as the admin's page shows it now.
async fn policy_form(app: &TestApp, admin: &crate::helpers::Browser) -> Vec<(String, String)> {
    let r = app.browse(&admin.cookie, "/settings/policy").await;
    assert_eq!(r.status(), 200);
    form_fields(&r.text().await.unwrap())
}

fn set(form: &mut Vec<(String, String)>, key: &str, value: &str) {
    match form.iter_mut().find(|(k, _)| k == key) {
        Some(field) => field.1 = value.to_owned(),
        None => form.push((key.to_owned(), value.to_owned())),
    }
}

/// The key prefix of the funding table's row showing the source named `name` (`source_3`).
fn row_of(form: &[(String, String)], name: &str) -> String {
    form.iter()
        .find(|(k, v)| k.starts_with("source_") && k.ends_with("_name") && v == name)
        .map(|(k, _)| k.trim_end_matches("_name").to_owned())
        .unwrap_or_else(|| panic!("a row for {name}"))
}

async fn send_policy(
    app: &TestApp,
    admin: &crate::helpers::Browser,
    form: &[(String, String)],
) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post_form(admin, "/settings/policy", &fields, true)
        .await
}

fn source<'a>(policy: &'a Value, code: &str) -> &'a Value {
    policy["funding"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == code)
        .unwrap_or_else(|| panic!("source {code} in {}", policy["funding"]))
}

fn share_fen(compound: &Value, code: &str) -> Option<i64> {
    compound["funding"]["shares"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == code)
        .map(|s| (s["amount_yuan"].as_f64().unwrap() * 100.0).round() as i64)
}

#[tokio::test]
async fn an_admin_changes_a_cap_and_a_share_of_the_funding_sources_and_the_split_follows() {
    let app = spawn_app().await;
    let admin = app.sign_in("admin1").await;
    let mut form = policy_form(&app, &admin).await;
    let central = row_of(&form, "中央补助资金");
    let residents = row_of(&form, "居民出资");
    let pipeline = row_of(&form, "管线单位出资");
    // What the page shows: shares in percent, caps in yuan, items as codes.
    let value = |form: &[(String, String)], key: &str| {
        form.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    };
    assert_eq!(
        value(&form, &format!("{residents}_share_pct")).as_deref(),
        Some("10")
    );
    assert_eq!(
        value(&form, &format!("{central}_cap")).as_deref(),
        Some("15000")
    );
    assert_eq!(
        value(&form, &format!("{central}_class_basic")).as_deref(),
        Some("1")
    );
    assert_eq!(
        value(&form, &format!("{pipeline}_items")).as_deref(),
        Some("B04 B06 B07 B12")
    );

    set(&mut form, &format!("{central}_cap"), "20,000");
    set(&mut form, &format!("{residents}_share_pct"), "15");
    // Codes separated as people type them, one in lower case: the same items.
    set(
        &mut form,
        &format!("{pipeline}_items"),
        "B04，B06、B07, b12",
    );
    let r = send_policy(&app, &admin, &form).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());

    let (_, policy) = app.get_json("/api/policy").await;
    assert_eq!(
        source(&policy, "central")["cap_per_household_yuan"],
        20000.0
    );
    assert_eq!(source(&policy, "residents")["share"], 0.15);
    assert_eq!(
        source(&policy, "pipeline")["items"],
        serde_json::json!(["B04", "B06", "B07", "B12"])
    );
    assert_eq!(policy["funding"]["sources"].as_array().unwrap().len(), 6);

    let (_, c) = app.get_json("/api/compounds/RS-0001").await;
    assert_eq!(c["households"], 240);
    assert_eq!(share_fen(&c, "central"), Some(2_000_000 * 240));

    let log = app.audit("entity=policy").await;
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
    let said = |side: &str| -> String {
        log["items"][0][side]["funding_sources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .find(|s| s.starts_with("中央补助资金"))
            .unwrap()
            .to_owned()
    };
    assert!(said("after").contains("每户至多") && said("after") != said("before"));
}

#[tokio::test]
async fn an_admin_adds_a_funding_source_first_in_order_and_deletes_it_again() {
    let app = spawn_app().await;
    let admin = app.sign_in("admin1").await;
    let (_, before) = app.get_json("/api/compounds/RS-0001").await;
    let mut form = policy_form(&app, &admin).await;
    let opened = form.clone();
    for (key, value) in [
        ("source_new_name", "原产权单位"),
        ("source_new_code", "owner_unit"),
        ("source_new_class_basic", "1"),
        ("source_new_share_pct", "10"),
        ("source_new_order", "0"),
    ] {
        set(&mut form, key, value);
    }
    let r = send_policy(&app, &admin, &form).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());

    let (_, policy) = app.get_json("/api/policy").await;
    let sources = policy["funding"]["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 7);
    assert_eq!(sources[0]["code"], "owner_unit");
    assert_eq!(sources[0]["name"], "原产权单位");
    assert_eq!(sources[0]["classes"], serde_json::json!(["basic"]));
    assert_eq!(sources[0]["share"], 0.1);
    assert_eq!(
        sources[1]["code"], "pipeline",
        "the others keep their order"
    );

    // Placed first, it pays a tenth of the basic works before any other source.
    let basic: i64 = before["estimate"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["item"].as_str().unwrap().starts_with('B'))
        .map(|l| (l["amount_yuan"].as_f64().unwrap() * 100.0).round() as i64)
        .sum();
    let (_, c) = app.get_json("/api/compounds/RS-0001").await;
    assert_eq!(c["funding"]["shares"][0]["source"], "owner_unit");
    assert_eq!(share_fen(&c, "owner_unit"), Some(basic / 10));
    assert!(share_fen(&c, "pipeline").unwrap() < share_fen(&before, "pipeline").unwrap());

    // The page opened before the save is stale now.
    let r = send_policy(&app, &admin, &opened).await;
    assert_eq!(r.status(), 409);

    // Deleted again: the policy and the split are as before.
    let mut form = policy_form(&app, &admin).await;
    let row = row_of(&form, "原产权单位");
    assert_eq!(row, "source_0");
    set(&mut form, &format!("{row}_delete"), "1");
    let r = send_policy(&app, &admin, &form).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (_, policy) = app.get_json("/api/policy").await;
    let codes: Vec<&str> = policy["funding"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "pipeline",
            "residents",
            "social",
            "central",
            "bonds",
            "local"
        ]
    );
    let (_, c) = app.get_json("/api/compounds/RS-0001").await;
    assert_eq!(share_fen(&c, "owner_unit"), None);
    assert_eq!(c["funding"], before["funding"]);
    assert_eq!(
        app.audit("entity=policy").await["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn a_bad_share_and_an_unknown_item_come_back_beside_their_fields_and_nothing_is_written() {
    let app = spawn_app().await;
    let admin = app.sign_in("admin1").await;
    let snapshot = app.snapshot().await;
    let (_, policy) = app.get_json("/api/policy").await;
    let mut form = policy_form(&app, &admin).await;
    let residents = row_of(&form, "居民出资");
    let share = format!("{residents}_share_pct");
    set(&mut form, &share, "150");
    for (key, value) in [
        ("source_new_name", "测试来源"),
        ("source_new_code", "trial"),
        ("source_new_class_improvement", "1"),
        ("source_new_items", "B04 Z99"),
        ("source_new_share_pct", "20"),
    ] {
        set(&mut form, key, value);
    }
    let r = send_policy(&app, &admin, &form).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    let chinese = |m: &str| m.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let message = beside(&html, &share).expect("a message beside the share");
    assert!(
        chinese(&message) && message.contains("0 到 100"),
        "{message}"
    );
    let message = beside(&html, "source_new_items").expect("a message beside the items");
    assert!(chinese(&message) && message.contains("Z99"), "{message}");
    // What was typed is kept, the ticks too.
    let again = form_fields(&html);
    for (key, value) in [
        (share.as_str(), "150"),
        ("source_new_name", "测试来源"),
        ("source_new_code", "trial"),
        ("source_new_items", "B04 Z99"),
        ("source_new_class_improvement", "1"),
    ] {
        assert!(
            again.iter().any(|(k, v)| k == key && v == value),
            "{key} keeps {value}"
        );
    }
    assert!(!again.iter().any(|(k, _)| k == "source_new_class_basic"));

    // A code not a number in the cap and the order: said beside them.
    let mut form = policy_form(&app, &admin).await;
    let central = row_of(&form, "中央补助资金");
    set(&mut form, &format!("{central}_cap"), "两万");
    set(&mut form, &format!("{central}_order"), "第一");
    let r = send_policy(&app, &admin, &form).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    for key in [format!("{central}_cap"), format!("{central}_order")] {
        let message = beside(&html, &key).unwrap_or_else(|| panic!("a message beside {key}"));
        assert!(chinese(&message), "{message}");
    }

    assert_eq!(app.snapshot().await, snapshot, "nothing written");
    assert_eq!(app.get_json("/api/policy").await.1, policy);
    assert!(
        app.audit("entity=policy").await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
