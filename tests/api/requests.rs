//! Residents' requests (诉求) through the front door: asked on a compound's public page without signing in, triaged
//! by the bureau (accepted, merged, forwarded), answered publicly without personal data, counted in the compound's
//! priority; spam refused as on objections (honeypot, duplicates, one limit per address across instances).

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, anonymous, client_with_token, spawn_app};

fn ask<'a>(item: &'a str, text: &'a str, mobile: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("item", item),
        ("text", text),
        ("building_unit", "2栋1单元"),
        ("mobile", mobile),
    ]
}

impl TestApp {
    async fn requests(&self, query: &str) -> Value {
        let (status, body) = self.get_json(&format!("/api/requests?{query}")).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    async fn triage(&self, id: i64, body: Value) -> (u16, Value) {
        self.send_json(
            Method::POST,
            &format!("/api/requests/{id}/triage"),
            &body,
            None,
        )
        .await
    }

    async fn accepted_requests(&self, code: &str) -> i64 {
        let (status, c) = self.get_json(&format!("/api/compounds/{code}")).await;
        assert_eq!(status, 200);
        c["requests"].as_i64().unwrap()
    }
}

/// A compound of the demo's reserve, with its page's path.
async fn reserve_compound(app: &TestApp) -> String {
    let (_, list) = app
        .get_json("/api/compounds?status=surveyed&per_page=1")
        .await;
    list["items"][0]["code"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_resident_asks_and_the_bureau_accepts_merges_and_forwards_with_answers_residents_read() {
    let app = spawn_app().await;
    let code = reserve_compound(&app).await;
    let page = format!("/c/{code}");
    let visit = app.visit(&page).await;
    assert!(
        visit.html.contains("我要提诉求") && visit.html.contains("屋面防水"),
        "{}",
        visit.html
    );
    let before = app.accepted_requests(&code).await;

    // Asked without signing in: thanked, stored as new, the number masked for the bureau.
    let r = app
        .post_resident(
            &visit,
            &format!("{page}/requests"),
            &ask("B05", "下雨天院坝积水到小腿", "13912345678"),
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("/c/{code}?sent=request#request")
    );
    let thanked = app.visit(&format!("{page}?sent=request")).await;
    assert!(thanked.html.contains("已收到您的诉求"));
    let new = app.requests(&format!("compound={code}&status=new")).await;
    let mine = new["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["text"] == "下雨天院坝积水到小腿")
        .expect("the request is listed")
        .clone();
    assert_eq!(mine["mobile"], "139****5678");
    assert_eq!(mine["item_name"], "雨污分流及排水管网改造");
    // Not yet on the public page: residents read what the bureau has looked at.
    assert!(!app.visit(&page).await.html.contains("下雨天院坝积水到小腿"));

    // Accepted: the compound's count grows, and the public page shows the answer.
    let id = mine["id"].as_i64().unwrap();
    let (status, done) = app
        .triage(id, json!({"decision": "accept", "item": "B05", "answer": "已列入本小区改造方案，雨污分流一并实施。", "version": 1}))
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["status"], "accepted");
    assert_eq!(app.accepted_requests(&code).await, before + 1);
    let public = app.visit(&page).await.html;
    assert!(public.contains("下雨天院坝积水到小腿") && public.contains("已列入本小区改造方案"));
    for personal in ["13912345678", "139****5678", "2栋1单元"] {
        assert!(!public.contains(personal), "{personal} on the public page");
    }
    // The same form again is one request; the same words from the same number are a duplicate.
    let r = app
        .post_resident(
            &visit,
            &format!("{page}/requests"),
            &ask("B05", "下雨天院坝积水到小腿", "13912345678"),
        )
        .await;
    assert_eq!(r.status(), 303);
    let again = app.visit(&page).await;
    let r = app
        .post_resident(
            &again,
            &format!("{page}/requests"),
            &ask("B05", "下雨天 院坝积水到小腿", "13912345678"),
        )
        .await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("您已提交过同样的诉求"));

    // A neighbour says the same: merged into the first, which the count does not take twice.
    let visit = app.visit(&page).await;
    app.post_resident(
        &visit,
        &format!("{page}/requests"),
        &ask("B05", "院子积水", "13800001111"),
    )
    .await;
    let visit = app.visit(&page).await;
    app.post_resident(
        &visit,
        &format!("{page}/requests"),
        &ask("", "小区门口路灯不亮", "13800002222"),
    )
    .await;
    let new = app.requests(&format!("compound={code}&status=new")).await;
    let find = |text: &str| {
        new["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["text"] == text)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (dup, lamp) = (find("院子积水"), find("小区门口路灯不亮"));
    for (body, field) in [
        (json!({"decision": "merge", "into": dup}), "into"),
        (json!({"decision": "merge", "into": 999_999}), "into"),
        (json!({"decision": "merge"}), "into"),
        (json!({"decision": "accept"}), "item"),
        (json!({"decision": "accept", "item": "Z99"}), "item"),
        (
            json!({"decision": "out_of_scope", "department": " \u{0} "}),
            "department",
        ),
        (json!({"decision": "perhaps"}), "decision"),
        (
            json!({"decision": "accept", "item": "B05", "answer": "字".repeat(1001)}),
            "answer",
        ),
        (
            json!({"decision": "accept", "item": "B05", "colour": "red"}),
            "colour",
        ),
    ] {
        let (status, body) = app.triage(dup, body.clone()).await;
        assert_eq!(status, 422, "{body}");
        assert!(body["fields"][field].is_array(), "{field}: {body}");
    }
    let (status, merged) = app
        .triage(dup, json!({"decision": "merge", "into": id}))
        .await;
    assert_eq!(status, 200, "{merged}");
    assert_eq!(app.accepted_requests(&code).await, before + 1);
    // A request others merged into cannot itself be merged away.
    let (status, body) = app
        .triage(id, json!({"decision": "merge", "into": lamp}))
        .await;
    assert_eq!(status, 409, "{body}");
    // Outside the renovation: forwarded, and residents read where to.
    let (status, forwarded) = app
        .triage(
            lamp,
            json!({"decision": "out_of_scope", "department": "县城市管理局", "version": 1}),
        )
        .await;
    assert_eq!(status, 200, "{forwarded}");
    let public = app.visit(&page).await.html;
    assert!(public.contains("已转交县城市管理局办理"), "{public}");
    // A stale triage is refused and changes nothing.
    let (status, body) = app
        .triage(
            lamp,
            json!({"decision": "accept", "item": "B09", "version": 1}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(app.accepted_requests(&code).await, before + 1);

    // Every triage is on the audit log, in words.
    let log = app.audit("entity=resident_request").await;
    assert!(log["items"].as_array().unwrap().len() >= 3, "{log}");

    // Contractors and the public cannot read or triage requests.
    let contractor = client_with_token(&app.tokens.contractor);
    for r in [
        contractor
            .get(app.url("/api/requests"))
            .send()
            .await
            .unwrap(),
        anonymous()
            .get(app.url("/api/requests"))
            .send()
            .await
            .unwrap(),
    ] {
        assert!(matches!(r.status().as_u16(), 401 | 403), "{}", r.status());
    }
    let r = contractor
        .post(app.url(&format!("/api/requests/{id}/triage")))
        .json(&json!({"decision": "accept", "item": "B05"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn bad_requests_are_refused_naming_the_field_with_the_input_kept() {
    let app = spawn_app().await;
    let code = reserve_compound(&app).await;
    let page = format!("/c/{code}");
    let count = app.requests(&format!("compound={code}")).await["counts"]["received"]
        .as_i64()
        .unwrap();
    let visit = app.visit(&page).await;
    let r = app
        .post_resident(
            &visit,
            &format!("{page}/requests"),
            &[
                ("item", ""),
                ("text", "  "),
                ("building_unit", "我家"),
                ("mobile", "12345"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("请选择需要改造的内容") && html.contains("11 位手机号码"),
        "{html}"
    );
    assert!(html.contains("value=\"我家\""), "the input is kept: {html}");
    let r = app
        .post_resident(
            &visit,
            &format!("{page}/requests"),
            &ask("X'--", "", "13900001111"),
        )
        .await;
    assert_eq!(r.status(), 422);
    // Unknown compound, archived or not: not found, in the residents' layout.
    let r = app
        .post_resident(
            &visit,
            "/c/RS-9999/requests",
            &ask("B05", "x", "13900001111"),
        )
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        anonymous()
            .get(app.url("/c/RS-9999"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    // Broken UTF-8.
    let r = anonymous()
        .post(app.url(&format!("{page}/requests")))
        .header("cookie", format!("jiugai_csrf={}", visit.cookie))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "csrf={}&submission={}&building_unit=1&mobile=13800138000&text=%E6%A0%FF",
            visit.csrf, visit.submission
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // Without the CSRF token: refused.
    let r = anonymous()
        .post(app.url(&format!("{page}/requests")))
        .form(&ask("B05", "无令牌", "13800138000"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // The honeypot filled: thanked, nothing stored.
    let mut bot = ask("B05", "推广信息", "13800138000");
    bot.push(("website", "http://spam.example"));
    let r = app
        .post_resident(&visit, &format!("{page}/requests"), &bot)
        .await;
    assert_eq!(r.status(), 303);
    let after = app.requests(&format!("compound={code}")).await["counts"]["received"]
        .as_i64()
        .unwrap();
    assert_eq!(after, count);
    // The staff list's filters are checked.
    let (status, body) = app.get_json("/api/requests?status=maybe").await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = app.get_json("/api/requests?colour=red").await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn one_address_has_one_limit_for_requests_and_objections_on_every_instance() {
    let app = spawn_app().await;
    let twin = app.twin().await;
    let code = reserve_compound(&app).await;
    let page = format!("/c/{code}");
    let mut statuses = Vec::new();
    for n in 0..6 {
        let visit = app.visit(&page).await;
        let base = if n % 2 == 0 {
            app.url("")
        } else {
            format!("http://{twin}")
        };
        let text = format!("第{n}条诉求");
        let mut form: Vec<(&str, &str)> = vec![
            ("csrf", visit.csrf.as_str()),
            ("submission", visit.submission.as_str()),
        ];
        form.extend(ask("", &text, "13700001111"));
        let r = anonymous()
            .post(format!("{base}{page}/requests"))
            .header("cookie", format!("jiugai_csrf={}", visit.cookie))
            .form(&form)
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [303, 303, 303, 303, 303, 429]);
    // The objections' form from the same address is out of turns too.
    let open = app.open_notice().await;
    let notice = format!("/notices/{}", open["id"]);
    let visit = app.visit(&notice).await;
    let r = app
        .post_resident(
            &visit,
            &format!("{notice}/objections"),
            &crate::notices::objection("再提一条意见"),
        )
        .await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn accepted_requests_raise_the_priority_the_plan_reads_and_say_so() {
    let app = spawn_app().await;
    // A reserve compound with requests waiting.
    let waiting = app.requests("status=new").await;
    let first = &waiting["items"][0];
    let code = first["compound"].as_str().unwrap().to_owned();
    let requests_part = |plan: &Value| -> Value {
        plan["plan"]["compounds"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == code.as_str())
            .unwrap()["breakdown"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["factor"] == "requests")
            .unwrap()
            .clone()
    };
    let before = requests_part(&plan(&app, "受理前").await);
    assert!(
        before["label"].as_str().unwrap().contains("已受理"),
        "{before}"
    );
    let pending = waiting["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["compound"] == code.as_str())
        .count() as f64;
    for q in waiting["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|q| q["compound"] == code.as_str())
    {
        let item = q["item"].as_str().unwrap_or("B01");
        let (status, body) = app
            .triage(
                q["id"].as_i64().unwrap(),
                json!({"decision": "accept", "item": item}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let after = requests_part(&plan(&app, "受理后").await);
    assert_eq!(
        after["amount"].as_f64().unwrap(),
        before["amount"].as_f64().unwrap() + pending
    );
    assert!(after["points"].as_f64().unwrap() > before["points"].as_f64().unwrap());
}

/// A one-year plan for 2027 made over the API: the scenario with its plan.
async fn plan(app: &TestApp, name: &str) -> Value {
    let (status, s) = app
        .send_json(
            Method::POST,
            "/api/scenarios",
            &json!({"name": name, "horizon": {"years": [{"year": 2027, "budget_yuan": 50_000_000u64}]}}),
            None,
        )
        .await;
    assert_eq!(status, 201, "{s}");
    s
}

#[tokio::test]
async fn the_poster_for_the_gate_leads_to_the_compounds_page_and_the_cli_prints_them_all() {
    let app = spawn_app().await;
    let r = app.get("/compounds/RS-0001/poster.pdf").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.contains("poster-RS-0001.pdf"), "{disposition}");
    let pdf = r.bytes().await.unwrap();
    if let Some(decoded) = crate::notices::qr_of(&pdf) {
        assert_eq!(decoded, app.url("/c/RS-0001"));
    }
    assert_eq!(app.get("/compounds/RS-9999/poster.pdf").await.status(), 404);
    assert_eq!(
        app.get("/compounds/RS-0001/poster.pdf?size=a0")
            .await
            .status(),
        422
    );

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let done = app.cli(&[
        "render",
        "posters",
        "--out",
        out,
        "--compound",
        "RS-0001",
        "--compound",
        "RS-0002",
    ]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files[0].starts_with("问需于民海报-RS-0001-"), "{files:?}");
    let bad = app.cli(&["render", "posters", "--out", out, "--compound", "RS-9999"]);
    assert!(!bad.status.success());
}
