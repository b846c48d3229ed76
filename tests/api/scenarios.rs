//! Plan scenarios through the API and the pages: drafts side by side, comparison, manual moves checked against
//! the year's limits (or explicitly overridden, in the audit log), stale edits refused, and approving a year.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

fn horizon(budget_yuan: u64, cap: Option<u32>) -> Value {
    json!({"years": (2022..=2024).map(|year| json!({
        "year": year, "budget_yuan": budget_yuan, "max_compounds": cap,
    })).collect::<Vec<_>>()})
}

async fn create(app: &TestApp, name: &str, horizon: Value) -> Value {
    let (status, body) = app
        .send_json(
            Method::POST,
            "/api/scenarios",
            &json!({"name": name, "horizon": horizon}),
            None,
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body
}

fn year_of(scenario: &Value, code: &str) -> Value {
    scenario["plan"]["compounds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == code)
        .unwrap_or_else(|| panic!("{code} not in the plan"))["year"]
        .clone()
}

fn codes(scenario: &Value, year_index: usize) -> Vec<String> {
    scenario["plan"]["years"][year_index]["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect()
}

fn tag(scenario: &Value) -> String {
    format!("\"{}\"", scenario["version"])
}

fn fields(body: &Value) -> Vec<String> {
    body["fields"]
        .as_object()
        .map(|f| f.keys().cloned().collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn scenarios_are_planned_saved_compared_and_checked() {
    let app = spawn_app().await;
    let a = create(&app, "每年 3.3 亿", horizon(330_000_000, Some(81))).await;
    let b = create(&app, "每年 5 千万", horizon(50_000_000, Some(81))).await;
    assert_eq!(a["version"], 1);
    assert_eq!(a["stale"], false);
    for y in a["plan"]["years"].as_array().unwrap() {
        assert!(y["used_yuan"].as_f64() <= y["budget_yuan"].as_f64(), "{y}");
        assert!(y["compounds"].as_u64().unwrap() <= 81);
    }
    assert!(a["gap"].as_f64().unwrap() < 0.001, "gap {}", a["gap"]);
    assert!(a["bound"].as_f64() >= a["objective"].as_f64());
    // The 2021 batch approved on first start stays where it is.
    assert_eq!(year_of(&a, "RS-0001"), 2021);

    // Both are listed; the one is fetched whole, with its version as the ETag.
    let (status, list) = app.get_json("/api/scenarios").await;
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert!(list["items"][0]["years"][0].get("codes").is_none());
    let r = app.get(&format!("/api/scenarios/{}", a["id"])).await;
    assert_eq!(r.headers()["etag"], "\"1\"");

    // Side by side: the smaller budget schedules fewer compounds, and the differences are listed.
    let (status, cmp) = app
        .get_json(&format!(
            "/api/scenarios/compare?ids={},{}",
            a["id"], b["id"]
        ))
        .await;
    assert_eq!(status, 200, "{cmp}");
    let differences = cmp["differences"].as_array().unwrap();
    assert!(!differences.is_empty());
    assert_eq!(differences[0]["years"].as_array().unwrap().len(), 2);
    // More money under the same cap can only do better.
    assert!(cmp["scenarios"][0]["objective"].as_f64() > cmp["scenarios"][1]["objective"].as_f64());

    // Bad input names the field and writes nothing.
    let audit_before = app.audit("per_page=1").await["total"].clone();
    for (body, field) in [
        (
            json!({"name": "每年 3.3 亿", "horizon": horizon(1, None)}),
            "name",
        ),
        (json!({"name": "  ", "horizon": horizon(1, None)}), "name"),
        (
            json!({"name": "x", "horizon": {"years": []}}),
            "horizon.years",
        ),
        (
            json!({"name": "x", "horizon": {"years": [{"year": 2022, "budget_yuan": "many"}]}}),
            "horizon.years[0].budget_yuan",
        ),
        (
            json!({"name": "x", "horizon": {"years": [{"year": 2022, "budget_yuan": 1}, {"year": 2024, "budget_yuan": 1}]}}),
            "horizon.years[1].year",
        ),
        (
            json!({"name": "x", "horizon": {"years": [{"year": 2022, "budget_yuan": 1}], "pins": {"RS-9999": 2022}}}),
            "horizon.pins.RS-9999",
        ),
        (
            json!({"name": "x", "horizon": horizon(1, None), "colour": 1}),
            "colour",
        ),
    ] {
        let (status, body) = app
            .send_json(Method::POST, "/api/scenarios", &body, None)
            .await;
        assert_eq!(status, 422, "{body}");
        assert!(fields(&body).contains(&field.to_owned()), "{field}: {body}");
    }
    let (status, _) = app
        .send_raw(
            Method::POST,
            "/api/scenarios",
            b"{\"name\": \"\xff\"}".to_vec(),
        )
        .await;
    assert_eq!(status, 400);
    for query in ["ids=1", "ids=1,x", "ids=1,2,3,4,5", "ids=1,2&colour=red"] {
        let (status, body) = app
            .get_json(&format!("/api/scenarios/compare?{query}"))
            .await;
        assert_eq!(status, 422, "{query}: {body}");
    }
    let (status, _) = app
        .get_json(&format!("/api/scenarios/compare?ids={},999999", a["id"]))
        .await;
    assert_eq!(status, 404);
    assert_eq!(app.audit("per_page=1").await["total"], audit_before);

    // Renaming with a stale version is refused, with the current one named.
    let path = format!("/api/scenarios/{}", b["id"]);
    let (status, b2) = app
        .send_json(
            Method::PUT,
            &path,
            &json!({"name": "每年 2 亿（修订）", "horizon": horizon(200_000_000, Some(60))}),
            Some("\"1\""),
        )
        .await;
    assert_eq!((status, b2["version"].clone()), (200, json!(2)), "{b2}");
    let (status, body) = app
        .send_json(
            Method::PUT,
            &path,
            &json!({"name": "覆盖", "horizon": horizon(1, None)}),
            Some("\"1\""),
        )
        .await;
    assert_eq!((status, body["current_version"].clone()), (409, json!(2)));
    let (status, _) = app
        .send_json(Method::DELETE, &path, &json!({}), Some("\"1\""))
        .await;
    assert_eq!(status, 409);
    let (status, _) = app
        .send_json(Method::DELETE, &path, &json!({}), Some("\"2\""))
        .await;
    assert_eq!(status, 204);
    assert_eq!(app.get_json(&path).await.0, 404);
    let log = app.audit("entity=scenario").await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["delete", "update", "create", "create"]);
}

#[tokio::test]
async fn moves_re_plan_around_the_compound_and_overrides_are_explicit_and_audited() {
    let app = spawn_app().await;
    // 70 a year leaves some of the reserve for 2024 (the demo's coming year has taken six).
    let s = create(&app, "三年", horizon(330_000_000, Some(70))).await;
    let path = format!("/api/scenarios/{}/moves", s["id"]);
    let late = codes(&s, 2)[0].clone();

    // Into the first year: pinned there, and whatever gives way is listed.
    let (status, moved) = app
        .send_json(
            Method::POST,
            &path,
            &json!({"code": late, "year": 2022}),
            Some(&tag(&s)),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(year_of(&moved, &late), 2022);
    assert_eq!(moved["horizon"]["pins"][&late], 2022);
    let changes = moved["changes"].as_array().unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c["code"] == late.as_str() && c["from"] == 2024 && c["to"] == 2022),
        "{changes:?}"
    );
    for y in moved["plan"]["years"].as_array().unwrap() {
        assert!(y["used_yuan"].as_f64() <= y["budget_yuan"].as_f64(), "{y}");
    }
    // The same move again on the old version: someone else's edit is never overwritten.
    let (status, _) = app
        .send_json(
            Method::POST,
            &path,
            &json!({"code": late, "year": 2023}),
            Some(&tag(&s)),
        )
        .await;
    assert_eq!(status, 409);

    // Bad moves name the field.
    for (body, field) in [
        (json!({"code": late, "year": 2030}), "year"),
        (json!({"code": late, "year": "soon"}), "year"),
        (json!({"code": "RS-9999", "year": 2022}), "code"),
        (json!({"code": late}), "year"),
        (
            json!({"code": late, "year": 2022, "override": true}),
            "reason",
        ),
        (
            json!({"code": late, "year": null, "override": true, "reason": "x"}),
            "override",
        ),
    ] {
        let (status, body) = app
            .send_json(Method::POST, &path, &body, Some(&tag(&moved)))
            .await;
        assert_eq!(status, 422, "{body}");
        assert!(fields(&body).contains(&field.to_owned()), "{field}: {body}");
    }

    // A year whose budget cannot take the compound at all: refused, unless overridden with a reason.
    let tight = create(
        &app,
        "紧",
        json!({"years": [{"year": 2022, "budget_yuan": 1}, {"year": 2023, "budget_yuan": 330_000_000}]}),
    )
    .await;
    assert!(codes(&tight, 0).is_empty());
    let path = format!("/api/scenarios/{}/moves", tight["id"]);
    let (status, body) = app
        .send_json(
            Method::POST,
            &path,
            &json!({"code": late, "year": 2022}),
            Some(&tag(&tight)),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let message = body["fields"]["year"][0].as_str().unwrap();
    assert!(
        message.contains(&format!("无法调入小区 {late}")) && message.contains("突破限额"),
        "{message}"
    );
    let (status, over) = app
        .send_json(
            Method::POST,
            &path,
            &json!({"code": late, "year": 2022, "override": true, "reason": "危房，县政府常务会议决定提前"}),
            Some(&tag(&tight)),
        )
        .await;
    assert_eq!(status, 200, "{over}");
    let first = &over["plan"]["years"][0];
    assert_eq!(first["overridden"], true);
    assert_eq!(first["codes"], json!([late]));
    assert!(first["left_yuan"].as_f64().unwrap() < 0.0);
    let log = app.audit("entity=scenario&action=override").await;
    let entry = &log["items"][0];
    assert_eq!(entry["after"]["reason"], "危房，县政府常务会议决定提前");
    assert_eq!(entry["after"]["code"], late.as_str());

    // Back to the planner: the pin goes, and so does the compound from the overridden year.
    let (status, back) = app
        .send_json(
            Method::POST,
            &path,
            &json!({"code": late, "year": "auto"}),
            Some(&tag(&over)),
        )
        .await;
    assert_eq!(status, 200, "{back}");
    assert!(back["horizon"]["pins"].get(&late).is_none());
    assert!(codes(&back, 0).is_empty());
    // Out of the plan altogether.
    let (status, out) = app
        .send_json(
            Method::POST,
            &path,
            &json!({"code": late, "year": null}),
            Some(&tag(&back)),
        )
        .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(year_of(&out, &late), Value::Null);
    assert_eq!(out["horizon"]["exclusions"], json!([late]));
}

#[tokio::test]
async fn approving_a_year_locks_what_the_scenario_showed_and_makes_others_stale() {
    let app = spawn_app().await;
    let a = create(&app, "甲", horizon(330_000_000, Some(81))).await;
    let b = create(&app, "乙", horizon(330_000_000, None)).await;
    let batch = codes(&a, 0);
    let approve = |id: &Value| format!("/api/scenarios/{id}/approve");

    for (body, field) in [
        (json!({"year": 2030}), "year"),
        (json!({"year": "2022"}), "year"),
        (json!({}), "year"),
    ] {
        let (status, body) = app
            .send_json(Method::POST, &approve(&a["id"]), &body, Some(&tag(&a)))
            .await;
        assert_eq!(status, 422, "{body}");
        assert!(fields(&body).contains(&field.to_owned()), "{body}");
    }
    let (status, approved) = app
        .send_json(
            Method::POST,
            &approve(&a["id"]),
            &json!({"year": 2022}),
            Some(&tag(&a)),
        )
        .await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["stale"], false);
    let (_, compound) = app.get_json(&format!("/api/compounds/{}", batch[0])).await;
    assert_eq!(compound["status"], "planned");
    let row = approved["plan"]["compounds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == batch[0].as_str())
        .unwrap();
    assert_eq!(
        (row["outcome"].as_str(), row["year"].as_i64()),
        (Some("approved"), Some(2022))
    );
    assert_eq!(codes(&approved, 0), batch);

    // The other scenario was run before the approval: it must be run again before it can approve anything.
    let (_, b_now) = app.get_json(&format!("/api/scenarios/{}", b["id"])).await;
    assert_eq!(b_now["stale"], true);
    let (status, body) = app
        .send_json(
            Method::POST,
            &approve(&b["id"]),
            &json!({"year": 2023}),
            Some(&tag(&b)),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    let (status, rerun) = app
        .send_json(
            Method::POST,
            &format!("/api/scenarios/{}/runs", b["id"]),
            &json!({}),
            None,
        )
        .await;
    assert_eq!(
        (status, rerun["stale"].clone()),
        (200, json!(false)),
        "{rerun}"
    );
    let b_first = codes(&rerun, 0);
    assert!(
        batch.iter().all(|c| b_first.contains(c)),
        "re-planning never moves an approved batch"
    );

    // The year cannot be approved twice.
    let (status, body) = app
        .send_json(
            Method::POST,
            &approve(&a["id"]),
            &json!({"year": 2022}),
            Some(&tag(&approved)),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("2022 年批次已经批准过了")
    );
    let log = app.audit("entity=batch&action=approve").await;
    assert_eq!(log["items"][0]["entity_id"], "2022");
}

#[tokio::test]
async fn planners_see_plans_at_a_glance_and_work_them_through_forms() {
    let app = spawn_app().await;
    let planner = app.sign_in("planner1").await;
    let r = app
        .post_form(
            &planner,
            "/plans",
            &[
                ("name", "<script>alert(1)</script>方案"),
                ("from", "2022"),
                ("to", "2024"),
                ("budget_wan", "33000"),
                ("max_compounds", "70"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/plans/"), "{location}");

    let list = app
        .browse(&planner.cookie, "/plans")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("&lt;script&gt;alert(1)"));
    assert!(!list.contains("<script>alert(1)"));

    let page = app.browse(&planner.cookie, &location).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for words in [
        "各年已用金额",
        "按年度着色的分布图",
        "2022 年批次",
        "与最优方案相差不超过",
        "安排理由",
        "<svg",
        "工行小区",
    ] {
        assert!(html.contains(words), "{words} missing from the plan page");
    }
    assert!(!html.contains("<script>alert(1)"));

    // A move through the form re-plans and says what changed; the form's version guards it.
    let id = location.trim_start_matches("/plans/");
    let (_, s) = app.get_json(&format!("/api/scenarios/{id}")).await;
    let late = codes(&s, 2)[0].clone();
    let version = s["version"].to_string();
    let fields = [
        ("code", late.as_str()),
        ("year", "2022"),
        ("version", version.as_str()),
    ];
    let r = app
        .post_form(&planner, &format!("/plans/{id}/moves"), &fields, true)
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("已调整"));
    let r = app
        .post_form(&planner, &format!("/plans/{id}/moves"), &fields, true)
        .await;
    assert_eq!(r.status(), 409, "the same form again is stale");

    let other = create(&app, "对照", horizon(200_000_000, None)).await;
    let r = app
        .browse(
            &planner.cookie,
            &format!("/plans/compare?ids={id}&ids={}", other["id"]),
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("年度不同的小区") && html.contains("对照"));

    // Approving through the form wants the box ticked.
    let (_, s) = app.get_json(&format!("/api/scenarios/{id}")).await;
    let version = s["version"].to_string();
    let approve = format!("/plans/{id}/approve");
    let r = app
        .post_form(
            &planner,
            &approve,
            &[("year", "2022"), ("version", &version)],
            true,
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post_form(
            &planner,
            &approve,
            &[("year", "2022"), ("version", &version), ("confirm", "on")],
            true,
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (_, compound) = app.get_json(&format!("/api/compounds/{late}")).await;
    assert_eq!(compound["status"], "planned");
}
