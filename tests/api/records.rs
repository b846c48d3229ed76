//! Records in words: the audit log page and the work order page say who did what in the bureau's words —
//! names, Chinese labels, Beijing time to the minute — never the codes the log keeps.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    anonymous, client_with_token, cookie_value, csrf_field, set_cookie, spawn_app,
};

/// A seeded project whose works have not started: it takes a site notice.
const NOT_STARTED: &str = "RS-2021-P010";

/// "2026-12-07 13:05": a time to the minute, as the page shows it.
fn is_minute(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 16
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || "- :".contains(c))
        && (b[4], b[7], b[10], b[13]) == (b'-', b'-', b' ', b':')
}

/// The cells of the time column: each row's first `<td class="n">`.
fn times(html: &str) -> Vec<String> {
    html.split("<tr>")
        .filter_map(|row| row.split("<td class=\"n\">").nth(1))
        .filter_map(|cell| cell.split("</td>").next())
        .map(|t| t.trim().to_owned())
        .collect()
}

#[tokio::test]
async fn the_audit_page_says_who_did_what_in_words_and_filters_by_label() {
    let app = spawn_app().await;
    let admin = client_with_token(&app.tokens.admin);

    // A new account sets its password through its link (set_password, then it is signed in).
    let r = admin
        .post(app.url("/api/users"))
        .json(&json!({"username": "wang.fang", "display_name": "王芳", "role": "planner"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    let link = created["sign_in_link"].as_str().unwrap();
    let path = link
        .strip_prefix(&format!("http://{}", app.addr))
        .expect("the link points at this service");
    let r = anonymous().get(app.url(path)).send().await.unwrap();
    let cookie = cookie_value(&set_cookie(&r, "jiugai_csrf").unwrap());
    let csrf = csrf_field(&r.text().await.unwrap());
    let password = "一二三四五六七八九十 and more";
    let r = anonymous()
        .post(app.url(path))
        .header("cookie", format!("jiugai_csrf={cookie}"))
        .form(&[
            ("password", password),
            ("password_again", password),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);

    // The planner drafts and publishes a notice (draft → published); the admin signs in.
    let (status, draft) = app
        .send_json(
            Method::POST,
            "/api/notices",
            &json!({"kind": "site", "project": NOT_STARTED}),
            None,
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let (status, published) = app
        .send_json(
            Method::POST,
            &format!("/api/notices/{}/publish", draft["id"]),
            &json!({}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(status, 200, "{published}");
    let browser = app.sign_in("admin1").await;

    let page = |query: &'static str| {
        let app = &app;
        let cookie = browser.cookie.clone();
        async move {
            let r = app.browse(&cookie, &format!("/admin/audit{query}")).await;
            assert_eq!(r.status(), 200);
            r.text().await.unwrap()
        }
    };
    let html = page("?per_page=20").await;
    for words in [
        "登录",
        "设置密码",
        "签发登录链接",
        "发布",
        "公示",
        "账号",
        "王芳",
        "状态</span>：<del>草稿</del> → <ins>已发布</ins>",
        "已设密码</span>：否",
        "时间（北京时间）",
        "<option value=\"set_password\" >设置密码</option>",
    ] {
        assert!(html.contains(words), "{words:?} missing:\n{html}");
    }
    for code in [
        "<td>sign_in</td>",
        "<td>set_password</td>",
        "<td>publish</td>",
        "<td>session<br>",
        "<td>notice<br>",
        "<td>user<br>",
        "published",
        "has_password",
        "draft",
    ] {
        assert!(!html.contains(code), "{code:?} on the page:\n{html}");
    }
    let times = times(&html);
    assert!(times.len() >= 5, "{times:?}");
    assert!(times.iter().all(|t| is_minute(t)), "{times:?}");

    // Filtered by an action's label (or its code): only those records, the label picked in the list.
    for query in ["?action=设置密码", "?action=set_password"] {
        let html = page(query).await;
        assert!(html.contains("共 1 条"), "{query}: {html}");
        assert!(html.contains("<option value=\"set_password\" selected>设置密码</option>"));
        assert!(html.contains("wang.fang") && !html.contains("签发登录链接</td>"));
    }
    let html = page("?actor=planner1&entity=公示&action=发布").await;
    assert!(
        html.contains("共 1 条") && html.contains("已发布"),
        "{html}"
    );

    // The API keeps its codes and adds the words.
    let log = app.audit("action=set_password").await;
    let entry = &log["items"][0];
    assert_eq!(
        (
            entry["action"].as_str(),
            entry["action_label"].as_str(),
            entry["entity"].as_str(),
            entry["entity_label"].as_str(),
            entry["actor"].as_str(),
            entry["actor_name"].as_str()
        ),
        (
            Some("set_password"),
            Some("设置密码"),
            Some("user"),
            Some("账号"),
            Some("wang.fang"),
            Some("王芳")
        )
    );

    // The spreadsheet says the same.
    let csv = admin
        .get(app.url("/api/audit.csv?actor=planner1&action=publish&entity=notice"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("编号,时间（北京时间）,操作人,账号")
    );
    let row = lines.next().expect("a row");
    assert!(
        row.contains(",planner1,规划员,")
            && row.contains(",发布,公示,")
            && row.contains("状态：草稿 → 已发布"),
        "{row}"
    );
    let at = row.split(',').nth(1).unwrap();
    assert!(is_minute(at), "{row}");
}

#[tokio::test]
async fn a_work_order_page_names_the_firm_and_the_issuer() {
    let app = spawn_app().await;
    let (status, list) = app.get_json("/api/work-orders").await;
    assert_eq!(status, 200);
    let order = &list["items"][0];
    let (number, firm, code) = (
        order["number"].as_str().unwrap(),
        order["contractor_name"].as_str().unwrap(),
        order["contractor"].as_str().unwrap(),
    );
    let browser = app.sign_in("planner1").await;
    let r = app
        .browse(&browser.cookie, &format!("/work-orders/{number}"))
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let revisions = html
        .split("<h2>版本</h2>")
        .nth(1)
        .expect("the revisions table");
    assert!(revisions.contains(firm), "{revisions}");
    assert!(revisions.contains("系统"), "{revisions}");
    assert!(!html.contains("system"), "{html}");
    assert!(
        !revisions.contains(&format!("<td>{code}</td>")),
        "{revisions}"
    );
    let (_, view) = app.get_json(&format!("/api/work-orders/{number}")).await;
    let newest = view["revisions"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (
            newest["issued_by"].as_str(),
            newest["issued_by_name"].as_str(),
            newest["contractor_name"].as_str()
        ),
        (Some("system"), Some("系统"), Some(firm))
    );
}
