//! The audit log: every write leaves its record with the values before and after; a failed write
//! leaves none; nothing edits or deletes it.

use reqwest::Method;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::helpers::{TestApp, client_with_token, contractor_body, new_compound, spawn_app};

/// Sends a JSON request with `token` and returns the status and body.
async fn send(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
    if_match: Option<&str>,
) -> (u16, Value) {
    let mut r = client_with_token(token).request(method, app.url(path));
    if let Some(body) = body {
        r = r.json(&body);
    }
    if let Some(tag) = if_match {
        r = r.header("if-match", tag);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// A write to try: token, method, path, body, If-Match, the status expected.
type Attempt<'a> = (
    &'a str,
    Method,
    &'a str,
    Option<Value>,
    Option<&'a str>,
    u16,
);

async fn total(app: &TestApp) -> u64 {
    app.audit("per_page=1").await["total"].as_u64().unwrap()
}

/// The newest record, after checking that exactly `n` were added since `before`.
async fn newest(app: &TestApp, before: u64, n: u64) -> Value {
    let log = app.audit("").await;
    assert_eq!(log["total"].as_u64().unwrap(), before + n, "records added");
    log["items"][0].clone()
}

#[tokio::test]
async fn every_api_write_is_recorded_with_before_and_after_and_failed_ones_are_not() {
    let app = spawn_app().await;
    let planner = app.tokens.planner.clone();
    let admin = app.tokens.admin.clone();

    // Compounds.
    let n = total(&app).await;
    let (status, _) = send(
        &app,
        &planner,
        Method::POST,
        "/api/compounds",
        Some(new_compound("RS-7001")),
        None,
    )
    .await;
    assert_eq!(status, 201);
    let r = newest(&app, n, 1).await;
    assert_eq!(
        (
            r["actor"].as_str(),
            r["actor_role"].as_str(),
            r["action"].as_str(),
            r["entity"].as_str(),
            r["entity_id"].as_str()
        ),
        (
            Some("planner1"),
            Some("planner"),
            Some("create"),
            Some("compound"),
            Some("RS-7001")
        )
    );
    assert_eq!(r["source"], "127.0.0.1");
    assert!(r["before"].is_null());
    assert_eq!(r["after"]["properties"]["name"], "测试小区");
    assert_eq!(r["after"]["geometry"]["type"], "Polygon");

    let mut changed = new_compound("RS-7001");
    changed["name"] = json!("测试小区（改）");
    changed["households"] = json!(120);
    let n = total(&app).await;
    let (status, _) = send(
        &app,
        &planner,
        Method::PUT,
        "/api/compounds/RS-7001",
        Some(changed.clone()),
        Some("\"1\""),
    )
    .await;
    assert_eq!(status, 200);
    let r = newest(&app, n, 1).await;
    assert_eq!(r["action"], "update");
    assert_eq!(
        (
            r["before"]["properties"]["name"].as_str(),
            r["after"]["properties"]["name"].as_str()
        ),
        (Some("测试小区"), Some("测试小区（改）"))
    );
    assert_eq!(
        (
            r["before"]["properties"]["households"].as_i64(),
            r["after"]["properties"]["households"].as_i64()
        ),
        (Some(96), Some(120))
    );

    // Failed writes: stale version, bad input, duplicate code, wrong role. None leaves a record.
    let n = total(&app).await;
    let mut bad = new_compound("RS-7002");
    bad["households"] = json!(-1);
    #[rustfmt::skip]
    let failures: [Attempt; 11] = [
        (&planner, Method::PUT, "/api/compounds/RS-7001", Some(changed.clone()), Some("\"1\""), 409),
        (&planner, Method::POST, "/api/compounds", Some(bad), None, 422),
        (&planner, Method::POST, "/api/compounds", Some(new_compound("RS-7001")), None, 409),
        (&admin, Method::POST, "/api/compounds", Some(new_compound("RS-7003")), None, 403),
        (&planner, Method::POST, "/api/compounds/RS-7001/archive", None, Some("\"1\""), 409),
        (&planner, Method::POST, "/api/contractors", Some(contractor_body("C-ONE", 90)), None, 409),
        (&planner, Method::POST, "/api/contractors", Some(json!({"code": "bad code", "name": ""})), None, 422),
        (&admin, Method::POST, "/api/users", Some(json!({"username": "planner1", "role": "planner"})), None, 409),
        (&admin, Method::POST, "/api/users", Some(json!({"username": "x", "role": "boss"})), None, 422),
        (&admin, Method::PUT, "/api/users/planner1", Some(json!({"display_name": "P", "role": "planner", "active": true})), Some("\"7\""), 409),
        (&planner, Method::DELETE, "/api/tokens/999999", None, None, 404),
    ];
    for (token, method, path, body, if_match, expected) in failures {
        let (status, _) = send(&app, token, method.clone(), path, body, if_match).await;
        assert_eq!(status, expected, "{method} {path}");
    }
    assert_eq!(total(&app).await, n, "failed writes left records");

    let n = total(&app).await;
    let (status, _) = send(
        &app,
        &planner,
        Method::POST,
        "/api/compounds/RS-7001/archive",
        None,
        Some("\"2\""),
    )
    .await;
    assert_eq!(status, 200);
    let r = newest(&app, n, 1).await;
    assert_eq!(
        (
            r["action"].as_str(),
            r["before"]["properties"]["archived"].as_bool(),
            r["after"]["properties"]["archived"].as_bool()
        ),
        (Some("archive"), Some(false), Some(true))
    );

    // Contractors.
    let n = total(&app).await;
    let (status, _) = send(
        &app,
        &planner,
        Method::POST,
        "/api/contractors",
        Some(contractor_body("C-NEW", 91)),
        None,
    )
    .await;
    assert_eq!(status, 201);
    let r = newest(&app, n, 1).await;
    assert_eq!(
        (
            r["entity"].as_str(),
            r["entity_id"].as_str(),
            r["after"]["name"].as_str()
        ),
        (
            Some("contractor"),
            Some("C-NEW"),
            Some("C-NEW 建筑工程有限公司")
        )
    );

    // Accounts: creating one also issues its link; both are recorded.
    let n = total(&app).await;
    let (status, _) = send(
        &app,
        &admin,
        Method::POST,
        "/api/users",
        Some(json!({"username": "chen", "role": "contractor", "contractor": "C-NEW"})),
        None,
    )
    .await;
    assert_eq!(status, 201);
    let log = app.audit(&format!("per_page={}", 2)).await;
    assert_eq!(log["total"].as_u64().unwrap(), n + 2);
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["issue_sign_in_link", "create"]);
    assert_eq!(log["items"][1]["after"]["contractor"], "C-NEW");
    assert_eq!(log["items"][1]["actor"], "admin1");

    let n = total(&app).await;
    let (status, _) = send(&app, &admin, Method::PUT, "/api/users/chen", Some(json!({"display_name": "陈工", "role": "contractor", "contractor": "C-NEW", "active": false})), Some("\"1\"")).await;
    assert_eq!(status, 200);
    let r = newest(&app, n, 1).await;
    assert_eq!(
        (
            r["before"]["active"].as_bool(),
            r["after"]["active"].as_bool()
        ),
        (Some(true), Some(false))
    );
    assert_eq!(
        (
            r["before"]["display_name"].as_str(),
            r["after"]["display_name"].as_str()
        ),
        (Some("chen"), Some("陈工"))
    );
    assert!(
        !r.to_string().contains("argon2"),
        "no password hash in the log"
    );

    let n = total(&app).await;
    let (status, _) = send(
        &app,
        &admin,
        Method::POST,
        "/api/users/planner1/sign-in-link",
        None,
        None,
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(newest(&app, n, 1).await["action"], "issue_sign_in_link");

    // Tokens: the record describes the token, never contains it.
    let n = total(&app).await;
    let browser = app.sign_in("planner1").await;
    let (secret, id) = app.create_token(&browser, "导入脚本").await;
    let created = json!({"token": secret, "id": id});
    let r = newest(&app, n + 1, 1).await;
    assert_eq!(
        (r["entity"].as_str(), r["after"]["name"].as_str()),
        (Some("api_token"), Some("导入脚本"))
    );
    assert!(!r.to_string().contains(created["token"].as_str().unwrap()));
    let n = total(&app).await;
    let (status, _) = send(
        &app,
        &planner,
        Method::DELETE,
        &format!("/api/tokens/{}", created["id"]),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let r = newest(&app, n, 1).await;
    assert_eq!(r["action"], "revoke");
    assert!(r["before"]["revoked_at"].is_null() && r["after"]["revoked_at"].is_string());
}

#[tokio::test]
async fn form_writes_and_sign_ins_are_recorded_with_where_they_came_from() {
    let app = spawn_app().await;
    let n = total(&app).await;
    let browser = app.sign_in("admin1").await;
    let r = newest(&app, n, 1).await;
    assert_eq!(
        (
            r["action"].as_str(),
            r["actor"].as_str(),
            r["source"].as_str()
        ),
        (Some("sign_in"), Some("admin1"), Some("127.0.0.1"))
    );
    let n = total(&app).await;
    let form = [
        ("username", "zhou"),
        ("display_name", "周<b>"),
        ("role", "planner"),
    ];
    let page = app.post_form(&browser, "/admin/users", &form, true).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    // minijinja escapes "/" too; the browser shows the link as written.
    assert!(
        html.contains("sign-in&#x2f;link&#x2f;") && html.contains("周&lt;b&gt;"),
        "{html}"
    );
    assert_eq!(newest(&app, n, 2).await["action"], "issue_sign_in_link");
    let n = total(&app).await;
    let r = app
        .post_form(
            &browser,
            "/admin/users/zhou",
            &[
                ("version", "1"),
                ("display_name", "周"),
                ("role", "planner"),
                ("active", "false"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = newest(&app, n, 1).await;
    assert_eq!(
        (r["action"].as_str(), r["after"]["active"].as_bool()),
        (Some("update"), Some(false))
    );
    // The viewer shows it; a stale form is a conflict and leaves nothing.
    let n = total(&app).await;
    let r = app
        .post_form(
            &browser,
            "/admin/users/zhou",
            &[
                ("version", "1"),
                ("display_name", "周"),
                ("role", "planner"),
                ("active", "true"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(total(&app).await, n);
    let viewer = app
        .browse(&browser.cookie, "/admin/audit?entity=user&entity_id=zhou")
        .await;
    assert_eq!(viewer.status(), 200);
    let html = viewer.text().await.unwrap();
    assert!(
        html.contains("共 3 条") && html.contains("启用</span>：<del>是</del> → <ins>否</ins>"),
        "{html}"
    );
    let n = total(&app).await;
    let r = app.post_form(&browser, "/sign-out", &[], true).await;
    assert_eq!(r.status(), 303);
    assert_eq!(newest(&app, n, 1).await["action"], "sign_out");
}

#[tokio::test]
async fn the_log_exports_as_csv_and_the_database_refuses_to_change_it() {
    let app = spawn_app().await;
    let (status, _) = send(
        &app,
        &app.tokens.planner.clone(),
        Method::POST,
        "/api/compounds",
        Some(new_compound("RS-7101")),
        None,
    )
    .await;
    assert_eq!(status, 201);
    let r = client_with_token(&app.tokens.admin)
        .get(app.url("/api/audit.csv?entity=compound&entity_id=RS-7101"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let csv = r.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "编号,时间（北京时间）,操作人,账号,角色,来源,操作,对象类型,对象编号,变更,变更前（JSON）,变更后（JSON）"
        )
    );
    let row = lines.next().expect("a row");
    assert!(
        row.contains(",planner1,planner1,规划员,127.0.0.1,新建,小区,RS-7101,")
            && row.contains("名称：测试小区")
            && row.contains(r#""name"":""测试小区"""#),
        "{row}"
    );
    let (status, body) = send(
        &app,
        &app.tokens.admin.clone(),
        Method::GET,
        "/api/audit?from=2026-02-30",
        None,
        None,
    )
    .await;
    assert_eq!((status, body["fields"]["from"].is_array()), (422, true));

    for statement in [
        "UPDATE audit_log SET actor = 'nobody'",
        "DELETE FROM audit_log",
    ] {
        let result = app.db.execute_unprepared(statement).await;
        assert!(result.is_err(), "{statement} was allowed");
    }
    assert!(total(&app).await > 0);
}

#[tokio::test]
async fn the_seeded_catalog_and_command_line_imports_are_attributed() {
    let app = spawn_app().await;
    let log = app.audit("entity=compound&entity_id=RS-0001").await;
    let items = log["items"].as_array().unwrap();
    assert!(items.iter().all(|i| i["actor"] == "system"), "{log}");
    assert!(
        items.iter().any(|i| i["action"] == "import_create"),
        "{log}"
    );
}
