//! The holes an attacker, a proxy or an unlucky operator found (issue 15), each tried from outside.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, anonymous, client_with_token, new_compound, spawn_app, spawn_app_with,
};

/// Signs in through the form with a `next` field, as the sign-in page a redirect led to would post it.
async fn sign_in_with_next(
    app: &crate::helpers::TestApp,
    username: &str,
    next: &str,
) -> reqwest::Response {
    let (cookie, csrf) = app.visit_sign_in().await;
    anonymous()
        .post(app.url("/sign-in"))
        .header("cookie", format!("jiugai_csrf={cookie}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", username),
            ("password", PASSWORD),
            ("next", next),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn after_signing_in_next_only_ever_leads_to_a_page_of_this_service() {
    let app = spawn_app().await;
    // The link an attacker sends: the page must not carry the target into its form.
    let r = anonymous()
        .get(app.url("/sign-in?next=/%09/evil.example/"))
        .send()
        .await
        .unwrap();
    assert!(matches!(r.status().as_u16(), 200 | 400), "{}", r.status());
    assert!(!r.text().await.unwrap().contains("evil.example"));
    for next in [
        "/\t/evil.example/",
        "/\n/evil.example/",
        "/\r\nLocation: https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "https://evil.example/",
        "/ /evil.example/",
    ] {
        let r = sign_in_with_next(&app, "planner1", next).await;
        assert_eq!(r.status(), 303, "{next:?}");
        assert_eq!(r.headers()["location"], "/", "{next:?}");
    }
    let r = sign_in_with_next(&app, "planner1", "/compounds?town=511421001").await;
    assert_eq!(r.headers()["location"], "/compounds?town=511421001");
    // A page the account may not open is not where it lands: a contractor goes to its work orders.
    let r = sign_in_with_next(&app, "contractor1", "/compounds").await;
    assert_eq!(r.headers()["location"], "/work-orders");
    let r = sign_in_with_next(&app, "contractor1", "/work-orders?year=2021").await;
    assert_eq!(r.headers()["location"], "/work-orders?year=2021");
}

/// A GeoJSON FeatureCollection file with these features, for the import command.
fn collection_file(dir: &tempfile::TempDir, features: Vec<Value>) -> std::path::PathBuf {
    let file = dir.path().join("import.geojson");
    std::fs::write(
        &file,
        json!({"type": "FeatureCollection", "features": features}).to_string(),
    )
    .unwrap();
    file
}

#[tokio::test]
async fn a_nul_or_other_control_character_is_refused_at_the_edge_and_nothing_is_written() {
    let app = spawn_app().await;
    let before = app.snapshot().await;
    // Anonymous: a sign-in with a NUL in the username is refused before any query.
    let (cookie, csrf) = app.visit_sign_in().await;
    let r = anonymous()
        .post(app.url("/sign-in"))
        .header("cookie", format!("jiugai_csrf={cookie}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "admin\0"),
            ("password", "whatever"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    for field in ["name", "address", "community"] {
        let mut body = new_compound("RS-9101");
        body[field] = json!("工行\u{0}小区");
        let (status, answer) = app
            .send_json(Method::POST, "/api/compounds", &body, None)
            .await;
        assert_eq!(status, 422, "{field}: {answer}");
        assert!(answer["fields"][field].is_array(), "{field}: {answer}");
    }
    let mut firm = crate::helpers::contractor_body("C-NUL", 77);
    firm["name"] = json!("坏\u{0}公司");
    let (status, answer) = app
        .send_json(Method::POST, "/api/contractors", &firm, None)
        .await;
    assert_eq!((status, answer["fields"]["name"].is_array()), (422, true));
    firm["name"] = json!("响铃\u{7}公司");
    let (status, _) = app
        .send_json(Method::POST, "/api/contractors", &firm, None)
        .await;
    assert_eq!(status, 422);
    // Filters: refused as a bad request naming the parameter, never a server error.
    let admin = crate::helpers::client_with_token(&app.tokens.admin);
    for path in [
        "/api/compounds?q=%00",
        "/api/compounds?community=a%00b",
        "/api/audit?actor=%00",
        "/api/compounds/RS-0001%00",
        "/api/contractors?q=%1b",
    ] {
        let r = admin.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 400, "{path}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], "bad_request", "{path}");
    }
    let r = anonymous()
        .get(app.url("/notices?q=%00"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // The import names the feature and the field.
    let mut features: Vec<Value> = serde_json::from_str::<Value>(&before).unwrap()["features"]
        .as_array()
        .unwrap()[..3]
        .to_vec();
    features[1]["properties"]["address"] = json!("陵州路\u{0}12号");
    let dir = tempfile::tempdir().unwrap();
    let file = collection_file(&dir, features);
    let out = app.cli(&["import", "compounds", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("要素 features[1]（RS-0002）：address：不能包含控制字符"),
        "{stderr}"
    );
    // The whole catalog still exports, and nothing changed.
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn input_that_was_accepted_before_is_refused_naming_its_field() {
    let app = spawn_app().await;
    let before = app.snapshot().await;
    let mut zero_area = new_compound("RS-9201");
    zero_area["geometry"] = json!({"type": "Polygon", "coordinates": [[[104.30, 30.30], [104.301, 30.30], [104.302, 30.30], [104.30, 30.30]]]});
    let mut invisible = new_compound("RS-9202");
    invisible["name"] = json!("\u{200B}\u{200C}\u{FEFF}\u{3164}");
    let consent = json!({"recorded_on": "2021-03-01", "owners_total": 96, "area_total_m2": 7800.0,
        "participating_owners": 80, "participating_area_m2": 7000.0, "agreeing_owners": 70, "agreeing_area_m2": 6000.0});
    let mut far_future = new_compound("RS-9203");
    far_future["consent"] = consent.clone();
    far_future["consent"]["recorded_on"] = json!("9999-01-01");
    let mut overflow = new_compound("RS-9204");
    overflow["consent"] = consent.clone();
    overflow["consent"]["owners_total"] = json!(2_147_483_648u64);
    let cases = [
        (zero_area, "geometry"),
        (invisible, "name"),
        (far_future, "consent.recorded_on"),
        (overflow, "consent.owners_total"),
    ];
    for (body, field) in cases {
        let (status, answer) = app
            .send_json(Method::POST, "/api/compounds", &body, None)
            .await;
        assert_eq!(status, 422, "{field}: {answer}");
        assert!(answer["fields"][field].is_array(), "{field}: {answer}");
    }
    // Two values for one key: which did the client mean? Neither is taken.
    let body = new_compound("RS-9205").to_string();
    let twice = body.replacen("{", "{\"households\": 900000, ", 1);
    let (status, answer) = app
        .send_raw(Method::POST, "/api/compounds", twice.into_bytes())
        .await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer["fields"]["households"].is_array(), "{answer}");
    // A weak tag never matches If-Match.
    let (_, one) = app.get_json("/api/compounds/RS-0001").await;
    let version = one["version"].as_i64().unwrap();
    let mut edit = one.clone();
    edit["name"] = json!("弱标签改名");
    for tag in [format!("W/\"{version}\""), format!("w/\"{version}\"")] {
        let (status, answer) = app
            .send_json(Method::PUT, "/api/compounds/RS-0001", &edit, Some(&tag))
            .await;
        assert!(matches!(status, 412 | 422), "{tag}: {status} {answer}");
    }
    let (status, answer) = app
        .send_json(
            Method::PUT,
            "/api/compounds/RS-0001",
            &edit,
            Some(&format!("W/\"{version}\"")),
        )
        .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (412, Some("precondition_failed"))
    );
    assert_eq!(app.snapshot().await, before, "a refused write changed data");
}

#[tokio::test]
async fn unrouted_methods_answer_405_with_the_methods_the_path_takes() {
    let app = spawn_app().await;
    let client = anonymous();
    for (method, path, allow) in [
        ("TRACE", "/api/compounds", "GET, POST"),
        ("OPTIONS", "/api/compounds/RS-0001", "GET, PUT"),
        ("TRACE", "/notices", "GET"),
        ("DELETE", "/sign-in", "GET, POST"),
        ("PATCH", "/notices/3.pdf", "GET"),
    ] {
        let r = client
            .request(
                Method::from_bytes(method.as_bytes()).unwrap(),
                app.url(path),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 405, "{method} {path}");
        assert_eq!(r.headers()["allow"], allow, "{method} {path}");
    }
    let r = client
        .request(Method::TRACE, app.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

/// A closed ring of `n` vertices around a point in Renshou, about 100 m across.
fn ring(n: usize) -> Value {
    let mut points: Vec<Value> = (0..n)
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / n as f64;
            let round = |x: f64| (x * 1e7).round() / 1e7;
            json!([
                round(104.30 + 0.0005 * a.cos()),
                round(30.30 + 0.0005 * a.sin())
            ])
        })
        .collect();
    points.push(points[0].clone());
    json!({"type": "Polygon", "coordinates": [points]})
}

#[tokio::test]
async fn heavy_boundaries_are_bounded_and_checked_off_the_request_threads() {
    let app = spawn_app().await;
    let before = app.snapshot().await;
    let mut heavy = new_compound("RS-9301");
    heavy["geometry"] = ring(3_000);
    let (status, answer) = app
        .send_json(Method::POST, "/api/compounds", &heavy, None)
        .await;
    assert_eq!(status, 422, "{answer}");
    let says = answer["fields"]["geometry"][0].as_str().unwrap_or_default();
    assert!(says.contains("最多只能有 2000 个"), "{answer}");
    assert_eq!(
        app.snapshot().await,
        before,
        "a refused boundary was written"
    );
    // Eight of the largest accepted boundaries at once, and the service still answers everyone: each is
    // checked and stored, and a health check sent among them is answered.
    let sends = (0..8).map(|i| {
        let mut body = new_compound(&format!("RS-93{:02}", 10 + i));
        body["geometry"] = ring(2_000);
        let app = &app;
        async move {
            let (status, answer) = app
                .send_json(Method::POST, "/api/compounds", &body, None)
                .await;
            (status, answer["fields"].to_string())
        }
    });
    let health = async {
        anonymous()
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status()
    };
    let (statuses, health) = tokio::join!(futures_util::future::join_all(sends), health);
    assert_eq!(health, 200);
    assert!(statuses.iter().all(|(s, _)| *s == 201), "{statuses:?}");
}

#[tokio::test]
async fn the_public_list_and_papers_are_kept_yet_a_publication_shows_at_once_on_every_instance() {
    let app = spawn_app().await;
    let twin = app.twin().await;
    let on_twin = |path: &str| format!("http://{twin}{path}");
    let text = |path: String| async move {
        let r = anonymous().get(&path).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        r.text().await.unwrap()
    };
    let title = "仁寿县某小区开工告示（缓存检查）";
    let query = "/notices?q=%E7%BC%93%E5%AD%98%E6%A3%80%E6%9F%A5";
    // Both instances have rendered the list (and a search) before the notice exists.
    for path in ["/notices", query] {
        assert!(!text(app.url(path)).await.contains(title));
        assert!(!text(on_twin(path)).await.contains(title));
    }
    let (status, draft) = app
        .send_json(
            Method::POST,
            "/api/notices",
            &json!({"kind": "site", "project": "RS-2021-P010"}),
            None,
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_i64().unwrap();
    let paper = format!("/notices/{id}.pdf");
    let r = anonymous().get(on_twin(&paper)).send().await.unwrap();
    assert_eq!(r.status(), 404, "a draft's paper is not public");
    let path = format!("/api/notices/{id}");
    let (status, _) = app
        .send_json(Method::PUT, &path, &json!({"title": title}), Some("\"1\""))
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .send_json(
            Method::POST,
            &format!("{path}/publish"),
            &json!({}),
            Some("\"2\""),
        )
        .await;
    assert_eq!(status, 200);
    // Published through one instance: the other's list, search and paper show it at once.
    for path in ["/notices", query] {
        assert!(text(on_twin(path)).await.contains(title), "{path}");
        assert!(text(app.url(path)).await.contains(title), "{path}");
    }
    let mut tags = Vec::new();
    // (Each test instance prints its own address in the QR code, so tags are compared on one.)
    for url in [on_twin(&paper), on_twin(&paper)] {
        let r = anonymous().get(&url).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let tag = r.headers()["etag"].to_str().unwrap().to_owned();
        assert!(r.bytes().await.unwrap().starts_with(b"%PDF"));
        tags.push(tag);
    }
    assert_eq!(tags[0], tags[1]);
    let r = anonymous()
        .get(on_twin(&paper))
        .header("if-none-match", &tags[0])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
}

#[tokio::test]
async fn a_reassigned_project_takes_its_order_from_the_old_firm_to_the_new_one() {
    use crate::work_orders::{assign, issue, new_project};
    let app = spawn_app().await;
    let project = new_project(&app).await;
    assign(&app, &project, "C-ONE", "2022-09-30").await;
    let (status, order) = issue(&app, &project, json!({})).await;
    assert_eq!(status, 201, "{order}");
    let number = order["number"].as_str().unwrap().to_owned();
    let old_firm = client_with_token(&app.tokens.contractor);
    let new_firm = client_with_token(&app.tokens.other_contractor);
    let post = |client: &reqwest::Client, path: String, body: Value| {
        let request = client.post(app.url(&path)).json(&body);
        async move {
            let r = request.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let ack = format!("/api/work-orders/{number}/acknowledge");
    let reports = format!("/api/work-orders/{number}/reports");

    // Firm A has not acknowledged yet when the bureau gives the project to firm B.
    assign(&app, &project, "C-TWO", "2022-09-30").await;
    for (path, body) in [
        (ack.clone(), json!({})),
        (reports.clone(), json!({"kind": "started"})),
    ] {
        let (status, answer) = post(&old_firm, path.clone(), body).await;
        assert!(matches!(status, 404 | 409), "{path}: {status} {answer}");
    }
    let (_, project_now) = app.get_json(&format!("/api/projects/{project}")).await;
    assert_eq!(project_now["progress"], "not_started");
    for site in project_now["sites"].as_array().unwrap() {
        let (_, compound) = app
            .get_json(&format!(
                "/api/compounds/{}",
                site["code"].as_str().unwrap()
            ))
            .await;
        assert_ne!(compound["status"], "in_construction", "{compound}");
    }
    // Firm B has the current order; firm A sees only its own copy, void and marked as passed on.
    let list: Value = new_firm
        .get(app.url("/api/work-orders"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mine = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["number"] == number.as_str())
        .expect("firm B lists the order");
    assert_eq!(
        (mine["revision"].as_i64(), mine["superseded"].as_bool()),
        (Some(2), Some(false))
    );
    let theirs: Value = old_firm
        .get(app.url("/api/work-orders"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        theirs["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["number"] != number.as_str()),
        "firm A no longer lists it: {theirs}"
    );
    let old_copy: Value = old_firm
        .get(app.url(&format!("/api/work-orders/{number}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let revisions = old_copy["revisions"].as_array().unwrap();
    assert_eq!(revisions.len(), 1, "firm A sees only what was issued to it");
    assert_eq!(revisions[0]["passed_on"], true);
    assert!(revisions[0]["superseded_at"].is_string());
    assert_eq!(post(&new_firm, ack.clone(), json!({})).await.0, 200);

    // Taken from firm B too (no firm for now): B's copy is withdrawn, nobody can act on the order.
    let (_, current) = app.get_json(&format!("/api/projects/{project}")).await;
    let (status, answer) = app
        .send_json(
            Method::PUT,
            &format!("/api/projects/{project}"),
            &json!({"contract_amount_yuan": 1_234_567.89, "planned_start": "2022-04-01", "planned_end": "2022-09-30"}),
            Some(&format!("\"{}\"", current["version"])),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let (status, _) = post(&new_firm, reports.clone(), json!({"kind": "started"})).await;
    assert!(matches!(status, 404 | 409), "{status}");
    let audit = app.audit("entity=work_order&action=withdraw").await;
    let withdrawn: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entity_id"].as_str().unwrap())
        .collect();
    assert!(
        withdrawn.contains(&format!("{number}/1").as_str()),
        "{audit}"
    );
    assert!(
        withdrawn.contains(&format!("{number}/2").as_str()),
        "{audit}"
    );
}

/// An admin's JSON request.
async fn as_admin(
    app: &crate::helpers::TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
    if_match: Option<&str>,
) -> (u16, Value) {
    let mut request = client_with_token(&app.tokens.admin).request(method, app.url(path));
    if let Some(body) = body {
        request = request.json(&body);
    }
    if let Some(tag) = if_match {
        request = request.header("if-match", tag);
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Whether `token` still lets its holder in.
async fn token_works(app: &crate::helpers::TestApp, token: &str) -> bool {
    let r = client_with_token(token)
        .get(app.url("/api/me"))
        .send()
        .await
        .unwrap();
    match r.status().as_u16() {
        200 => true,
        401 => false,
        other => panic!("/api/me answered {other}"),
    }
}

/// Whether the session cookie still signs its browser in.
async fn session_works(app: &crate::helpers::TestApp, cookie: &str) -> bool {
    app.browse(cookie, "/account").await.status() == 200
}

#[tokio::test]
async fn deactivating_an_account_revokes_its_tokens_for_good() {
    let app = spawn_app().await;
    let browser = app.sign_in("planner1").await;
    let (token, id) = app.create_token(&browser, "nightly import").await;
    assert!(token_works(&app, &token).await);
    let set_active = |active: bool| {
        let app = &app;
        async move {
            let (_, user) = as_admin(app, Method::GET, "/api/users", None, None).await;
            let version = user["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|u| u["username"] == "planner1")
                .unwrap()["version"]
                .clone();
            let (status, answer) = as_admin(
                app,
                Method::PUT,
                "/api/users/planner1",
                Some(json!({"display_name": "planner1", "role": "planner", "active": active})),
                Some(&format!("\"{version}\"")),
            )
            .await;
            assert_eq!(status, 200, "{answer}");
        }
    };
    set_active(false).await;
    assert!(!token_works(&app, &token).await);
    assert!(!session_works(&app, &browser.cookie).await);
    set_active(true).await;
    assert!(
        !token_works(&app, &token).await,
        "reactivating must not bring old tokens back"
    );
    let (_, tokens) = as_admin(&app, Method::GET, "/api/users/planner1/tokens", None, None).await;
    let listed = tokens["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap()
        .clone();
    assert!(
        listed["revoked_at"].is_string() && listed["usable"] == false,
        "{listed}"
    );
    let audit = app.audit("entity=api_token&action=revoke").await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["entity_id"] == format!("planner1/{id}").as_str()),
        "{audit}"
    );
}

#[tokio::test]
async fn a_password_set_through_a_link_ends_every_other_session_and_token() {
    let app = spawn_app().await;
    let old_browser = app.sign_in("planner1").await;
    let (token, _) = app.create_token(&old_browser, "laptop").await;
    let (status, issued) = as_admin(
        &app,
        Method::POST,
        "/api/users/planner1/sign-in-link",
        None,
        None,
    )
    .await;
    assert_eq!(status, 201, "{issued}");
    let link = issued["sign_in_link"].as_str().unwrap().to_owned();
    let r = anonymous().get(&link).send().await.unwrap();
    let cookie =
        crate::helpers::cookie_value(&crate::helpers::set_cookie(&r, "jiugai_csrf").unwrap());
    let page = r.text().await.unwrap();
    let password = "a brand new passphrase";
    let r = anonymous()
        .post(&link)
        .header("cookie", format!("jiugai_csrf={cookie}"))
        .form(&[
            ("csrf", crate::helpers::csrf_field(&page)),
            ("password", password.into()),
            ("password_again", password.into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let new_session =
        crate::helpers::cookie_value(&crate::helpers::set_cookie(&r, "jiugai_session").unwrap());
    assert!(
        session_works(&app, &new_session).await,
        "the new session works"
    );
    assert!(
        !session_works(&app, &old_browser.cookie).await,
        "the old one ended"
    );
    assert!(
        !token_works(&app, &token).await,
        "tokens made before the reset end"
    );
}

#[tokio::test]
async fn a_token_cannot_make_another_token() {
    let app = spawn_app().await;
    let r = client_with_token(&app.tokens.planner)
        .post(app.url("/api/tokens"))
        .json(&json!({"name": "child", "expires_in_days": 366}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    // Nor through the account page: its form needs a signed-in browser's CSRF token.
    let r = client_with_token(&app.tokens.planner)
        .post(app.url("/account/tokens"))
        .form(&[("name", "child"), ("expires_in_days", "366")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let (_, tokens) = as_admin(&app, Method::GET, "/api/users/planner1/tokens", None, None).await;
    assert_eq!(tokens["items"].as_array().unwrap().len(), 1, "{tokens}");
}

#[tokio::test]
async fn an_admin_lists_and_revokes_any_account_s_tokens_by_page_api_and_command() {
    let app = spawn_app().await;
    let contractor = app.sign_in("contractor1").await;
    let (first, first_id) = app.create_token(&contractor, "one").await;
    let (second, second_id) = app.create_token(&contractor, "two").await;
    let (third, _) = app.create_token(&contractor, "three").await;
    // API.
    let (status, _) = as_admin(
        &app,
        Method::DELETE,
        &format!("/api/users/contractor1/tokens/{first_id}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(!token_works(&app, &first).await && token_works(&app, &second).await);
    // Another account's token id under this account is "not found".
    let (status, _) = as_admin(
        &app,
        Method::DELETE,
        &format!("/api/users/contractor2/tokens/{second_id}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, 404);
    // Page.
    let admin = app.sign_in("admin1").await;
    let page = app
        .browse(&admin.cookie, "/admin/users/contractor1/tokens")
        .await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("已吊销") && html.contains("two"), "{html}");
    let r = app
        .post_form(
            &admin,
            &format!("/admin/users/contractor1/tokens/{second_id}/revoke"),
            &[],
            true,
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(!token_works(&app, &second).await && token_works(&app, &third).await);
    // Command.
    let out = app.cli(&["token", "revoke", "--username", "contractor1", "--all"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!token_works(&app, &third).await);
    let out = app.cli(&["token", "list", "--username", "contractor1"]);
    let listed = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        listed.lines().filter(|l| l.contains("revoked")).count(),
        4,
        "{listed}"
    );
}

#[tokio::test]
async fn behind_a_proxy_the_client_is_the_address_the_proxy_appended_not_the_one_it_chose() {
    use crate::notices::objection;
    let app = spawn_app_with(|s| s.trust_forwarded_for = true).await;
    let open = app.open_notice().await;
    let page = format!("/notices/{}", open["id"]);
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for n in 0..6 {
        let visit = app.visit(&page).await;
        // The client writes a first line of its choosing; our proxy appends the address it saw.
        let chosen = format!("198.51.100.{n}");
        let text = format!("第{n}条：楼道扶手松动，请一并维修。");
        let r = app
            .post_resident_via(
                &visit,
                &format!("{page}/objections"),
                &objection(&text),
                &[&chosen, "203.0.113.9"],
            )
            .await;
        statuses.push(r.status().as_u16());
        retry_after = r.headers().get("retry-after").cloned();
    }
    assert_eq!(statuses, [303, 303, 303, 303, 303, 429]);
    let seconds: u64 = retry_after
        .expect("a 429 says when to come back")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=600).contains(&seconds), "{seconds}");
    let stored: Vec<Value> = app.objections(open["id"].as_i64().unwrap()).await;
    assert!(
        stored
            .iter()
            .any(|o| o["text"].as_str().unwrap().starts_with("第4条"))
    );
}

#[tokio::test]
async fn two_instances_on_one_database_together_allow_what_one_does() {
    use crate::notices::objection;
    let app = spawn_app().await;
    let twin = app.twin().await;
    let open = app.open_notice().await;
    let id = open["id"].as_i64().unwrap();
    let before = app.objections(id).await.len();
    let mut accepted = 0;
    for n in 0..10 {
        // Alternate the instances, as a balancer would.
        let base = if n % 2 == 0 {
            app.url("")
        } else {
            format!("http://{twin}")
        };
        let r = anonymous()
            .get(format!("{base}/notices/{id}"))
            .send()
            .await
            .unwrap();
        let cookie =
            crate::helpers::cookie_value(&crate::helpers::set_cookie(&r, "jiugai_csrf").unwrap());
        let html = r.text().await.unwrap();
        let hidden = |name: &str| {
            let marker = format!("name=\"{name}\" value=\"");
            let i = html.find(&marker).unwrap() + marker.len();
            html[i..].split('"').next().unwrap().to_owned()
        };
        let text = format!("第{n}条：建议增设电动车充电桩。");
        let mut form = vec![
            ("csrf", hidden("csrf")),
            ("submission", hidden("submission")),
        ];
        form.extend(objection(&text).into_iter().map(|(k, v)| (k, v.to_owned())));
        let r = anonymous()
            .post(format!("{base}/notices/{id}/objections"))
            .header("cookie", format!("jiugai_csrf={cookie}"))
            .form(&form)
            .send()
            .await
            .unwrap();
        match r.status().as_u16() {
            303 => accepted += 1,
            429 => {}
            other => panic!("objection {n}: {other}"),
        }
    }
    assert_eq!(accepted, 5, "two instances allow five, not ten");
    assert_eq!(app.objections(id).await.len(), before + 5);
}

#[tokio::test]
async fn someone_else_s_guesses_never_lock_the_owner_out_and_are_on_record() {
    let app = spawn_app_with(|s| s.trust_forwarded_for = true).await;
    let attempt = |password: &'static str, from: &'static str| {
        let app = &app;
        async move {
            let (cookie, csrf) = app.visit_sign_in().await;
            anonymous()
                .post(app.url("/sign-in"))
                .header("cookie", format!("jiugai_csrf={cookie}"))
                .header("x-forwarded-for", from)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("username", "admin1"),
                    ("password", password),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(attempt("a wrong guess", "198.51.100.66").await);
    }
    assert_eq!(&statuses[..5], [401; 5]);
    assert!(statuses[5..].iter().all(|s| *s == 429), "{statuses:?}");
    // The owner, from the office, is let in at once.
    assert_eq!(attempt(PASSWORD, "203.0.113.20").await, 303);
    // The attack is on record: who was tried, from where, failed and then throttled.
    let log = app.audit("entity=session").await;
    let items = log["items"].as_array().unwrap();
    let failed = items
        .iter()
        .filter(|e| e["action"] == "sign_in_failed" && e["entity_id"] == "admin1")
        .count();
    assert_eq!(failed, 5, "{log}");
    let throttled: Vec<&Value> = items
        .iter()
        .filter(|e| e["action"] == "sign_in_throttled")
        .collect();
    assert_eq!(
        throttled.len(),
        1,
        "once a minute, not once a request: {log}"
    );
    assert_eq!(throttled[0]["source"], "198.51.100.66");
    assert_eq!(throttled[0]["entity_id"], "admin1");
}

#[tokio::test]
async fn the_limit_comes_before_any_check_that_could_tell_something() {
    let app = spawn_app().await;
    app.edit_policy(|p| p.notices.rating_days = 36_500).await;
    let completion = app
        .notices("kind=completion")
        .await
        .into_iter()
        .find(|n| n["published_at"].is_string())
        .expect("a published completion notice");
    let id = completion["id"].as_i64().unwrap();
    let code = completion["sites"][0]["code"].as_str().unwrap().to_owned();
    let rating = |mobile: &str| {
        vec![
            ("compound", code.clone()),
            ("mobile", mobile.to_owned()),
            ("quality", "4".to_owned()),
            ("disturbance", "4".to_owned()),
            ("communication", "4".to_owned()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let visit = app.visit(&format!("/notices/{id}")).await;
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_resident(&visit, &format!("/notices/{id}/ratings"), &fields)
                .await
        }
    };
    assert_eq!(send(rating("13700137000")).await.status(), 303);
    // "Has this number rated?" asked again and again: answered four times, then no more.
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let r = send(rating("13700137000")).await;
        if r.status() == 429 {
            assert!(r.headers().contains_key("retry-after"));
            assert!(r.text().await.unwrap().contains("提交过于频繁"));
            statuses.push(429);
        } else {
            statuses.push(r.status().as_u16());
        }
    }
    assert_eq!(statuses, [409, 409, 409, 409, 429, 429]);
}

#[tokio::test]
async fn ratings_close_the_policy_s_days_after_the_completion_notice() {
    let app = spawn_app().await;
    let completion = app
        .notices("kind=completion")
        .await
        .into_iter()
        .find(|n| n["published_at"].is_string())
        .expect("a published completion notice (the demo's, from 2021)");
    let id = completion["id"].as_i64().unwrap();
    let code = completion["sites"][0]["code"].as_str().unwrap().to_owned();
    let visit = app.visit(&format!("/notices/{id}")).await;
    assert!(visit.html.contains("评价已于") && !visit.html.contains("提交评价"));
    // A form kept open on a phone from before the close: its token is good, the period is not.
    let open = app.open_notice().await;
    let visit = app.visit(&format!("/notices/{}", open["id"])).await;
    let r = app
        .post_resident(
            &visit,
            &format!("/notices/{id}/ratings"),
            &[
                ("compound", code.as_str()),
                ("mobile", "13700137001"),
                ("quality", "5"),
                ("disturbance", "5"),
                ("communication", "5"),
            ],
        )
        .await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("评价已于"));
}

#[tokio::test]
async fn connections_that_trickle_their_headers_are_closed_and_never_crowd_out_a_request() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(|s| s.header_timeout_secs = 2).await;
    let request = b"GET /healthz HTTP/1.1\r\nHost: jiugai\r\nX-Slow: 1\r\n\r\n";
    let mut slow = Vec::new();
    for _ in 0..300 {
        slow.push(tokio::net::TcpStream::connect(app.addr).await.unwrap());
    }
    let resident = |from: &str| {
        reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(5))
            .local_address(Some(from.parse().unwrap()))
            .build()
            .unwrap()
    };
    // One byte a second from each, for longer than the header timeout.
    for (i, byte) in request.iter().take(6).enumerate() {
        for stream in &mut slow {
            let _ = stream.write_all(&[*byte]).await;
        }
        if i == 1 {
            // While the trickle goes on, someone else is served as usual.
            let r = resident("127.0.0.2")
                .get(app.url("/healthz"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    let mut closed = 0;
    for stream in &mut slow {
        let mut buf = [0u8; 512];
        let read = tokio::time::timeout(std::time::Duration::from_secs(2), async {
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return true,
                    // An error reply (408) may come before the close.
                    Ok(_) => continue,
                }
            }
        })
        .await;
        if read == Ok(true) {
            closed += 1;
        }
    }
    assert_eq!(closed, 300, "every trickling connection was closed");
    let r = resident("127.0.0.1")
        .get(app.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_csrf_cookie_the_service_did_not_issue_is_worth_nothing() {
    let app = spawn_app().await;
    // What a sibling subdomain could plant: any value of the right length.
    let planted = "p".repeat(40);
    let r = anonymous()
        .get(app.url("/sign-in"))
        .header("cookie", format!("jiugai_csrf={planted}"))
        .send()
        .await
        .unwrap();
    let issued =
        crate::helpers::set_cookie(&r, "jiugai_csrf").expect("a cookie of the service's own");
    assert!(!issued.contains(&planted));
    let r = anonymous()
        .post(app.url("/sign-in"))
        .header("cookie", format!("jiugai_csrf={planted}"))
        .form(&[
            ("csrf", planted.as_str()),
            ("username", "planner1"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(crate::helpers::set_cookie(&r, "jiugai_session").is_none());
    // One the service issued works on another instance too: the key is shared through the database.
    let twin = app.twin().await;
    let (cookie, csrf) = app.visit_sign_in().await;
    let r = anonymous()
        .post(format!("http://{twin}/sign-in"))
        .header("cookie", format!("jiugai_csrf={cookie}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "planner1"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn a_broken_notice_template_is_named_without_the_server_s_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("site.txt"), "标题\n\n{{ project.nmae }}").unwrap();
    let folder = dir.path().to_owned();
    let app = spawn_app_with(|s| s.notice_templates = Some(folder)).await;
    let (status, answer) = app
        .send_json(
            Method::POST,
            "/api/notices",
            &json!({"kind": "site", "project": "RS-2021-P010"}),
            None,
        )
        .await;
    assert_eq!(status, 422, "{answer}");
    let message = answer["fields"]["template"][0].as_str().unwrap();
    assert!(
        message.contains("公示模板 site.txt") && message.contains("第 3 行"),
        "{message}"
    );
    assert!(
        !message.contains(&dir.path().display().to_string()),
        "{message}"
    );
}

#[tokio::test]
async fn staff_see_residents_numbers_masked_and_each_full_read_is_on_record() {
    use crate::notices::objection;
    let app = spawn_app().await;
    let open = app.open_notice().await;
    let id = open["id"].as_i64().unwrap();
    let visit = app.visit(&format!("/notices/{id}")).await;
    let r = app
        .post_resident(
            &visit,
            &format!("/notices/{id}/objections"),
            &objection("路灯太暗。"),
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, masked) = app.get_json(&format!("/api/notices/{id}/objections")).await;
    let text = masked.to_string();
    assert!(
        text.contains("138****8000") && !text.contains("13800138000"),
        "{text}"
    );
    let planner = app.sign_in("planner1").await;
    let page = app
        .browse(&planner.cookie, &format!("/bureau/notices/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("138****8000") && !page.contains("13800138000"));
    assert_eq!(app.audit("action=read_personal_data").await["total"], 0);
    let (_, full) = app
        .get_json(&format!("/api/notices/{id}/objections?reveal=mobile"))
        .await;
    assert!(full.to_string().contains("13800138000"));
    let page = app
        .browse(
            &planner.cookie,
            &format!("/bureau/notices/{id}?reveal=mobile"),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("13800138000"));
    let log = app.audit("action=read_personal_data").await;
    assert_eq!(log["total"], 2, "{log}");
    let entry = &log["items"][0];
    assert_eq!(entry["actor"], "planner1");
    assert_eq!(entry["entity_id"], id.to_string());
    assert!(
        entry["after"]["objections"]
            .as_array()
            .is_some_and(|o| !o.is_empty()),
        "{entry}"
    );
}
