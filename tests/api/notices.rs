//! Notices through the front door: drafted from a project, edited, published and then frozen against every write
//! route; the public seeing only published notices; residents objecting during the period and not after, spam
//! refused, phone numbers never shown, their words never rendered unescaped; answers beside the questions;
//! ratings once per number; the paper's QR code decoding to the page.

use std::io::Write;
use std::process::Command;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, anonymous, client_with_token, cookie_value, set_cookie, spawn_app};
use crate::work_orders::{pdf_pages, squeeze};

/// A resident's browser on a public page: its CSRF cookie, the form's token and one-time submission id.
pub(crate) struct Visit {
    pub(crate) cookie: String,
    pub(crate) csrf: String,
    pub(crate) submission: String,
    pub(crate) html: String,
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    html.find(&marker)
        .map(|i| {
            html[i + marker.len()..]
                .split('"')
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .unwrap_or_default()
}

impl TestApp {
    pub(crate) async fn visit(&self, path: &str) -> Visit {
        let r = anonymous().get(self.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let cookie = set_cookie(&r, "jiugai_csrf")
            .map(|c| cookie_value(&c))
            .expect("a visitor gets a CSRF cookie");
        let html = r.text().await.unwrap();
        Visit {
            cookie,
            csrf: hidden(&html, "csrf"),
            submission: hidden(&html, "submission"),
            html,
        }
    }

    /// Posts a resident's form from `visit`, from address `from` (the test app does not trust X-Forwarded-For,
    /// so every post comes from 127.0.0.1 unless the app is told to).
    pub(crate) async fn post_resident(
        &self,
        visit: &Visit,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        self.post_resident_via(visit, path, fields, &[]).await
    }

    /// [`post_resident`] through proxies: each of `forwarded` is one `X-Forwarded-For` header line.
    pub(crate) async fn post_resident_via(
        &self,
        visit: &Visit,
        path: &str,
        fields: &[(&str, &str)],
        forwarded: &[&str],
    ) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = vec![
            ("csrf", visit.csrf.as_str()),
            ("submission", visit.submission.as_str()),
        ];
        form.extend_from_slice(fields);
        let mut request = anonymous()
            .post(self.url(path))
            .header("cookie", format!("jiugai_csrf={}", visit.cookie));
        for line in forwarded {
            request = request.header("x-forwarded-for", *line);
        }
        request.form(&form).send().await.unwrap()
    }

    async fn notice(&self, id: i64) -> Value {
        let (status, body) = self.get_json(&format!("/api/notices/{id}")).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    pub(crate) async fn notices(&self, query: &str) -> Vec<Value> {
        let (status, body) = self.get_json(&format!("/api/notices?{query}")).await;
        assert_eq!(status, 200, "{body}");
        body["items"].as_array().unwrap().clone()
    }

    /// A demo plan notice published at first start: its period runs.
    pub(crate) async fn open_notice(&self) -> Value {
        self.notices("status=published&kind=plan")
            .await
            .into_iter()
            .next()
            .expect("the demo publishes plan notices on the day of the first start")
    }

    pub(crate) async fn objections(&self, id: i64) -> Vec<Value> {
        let (status, body) = self
            .get_json(&format!("/api/notices/{id}/objections?reveal=mobile"))
            .await;
        assert_eq!(status, 200);
        body["items"].as_array().unwrap().clone()
    }
}

pub(crate) fn objection(text: &str) -> Vec<(&str, &str)> {
    vec![
        ("kind", "objection"),
        ("building_unit", "5栋1单元"),
        ("name", "李先生"),
        ("mobile", "138 0013 8000"),
        ("text", text),
    ]
}

/// The 2021 project whose contractor never acknowledged its order: drafted afresh in the tests.
const NOT_STARTED: &str = "RS-2021-P010";

#[tokio::test]
async fn a_notice_is_drafted_edited_published_and_then_no_route_changes_it() {
    let app = spawn_app().await;
    let (status, draft) = app
        .send_json(
            Method::POST,
            "/api/notices",
            &json!({"kind": "site", "project": NOT_STARTED}),
            None,
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_i64().unwrap();
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["number"], Value::Null);
    assert!(draft["title"].as_str().unwrap().contains("开工告示"));
    let body = draft["body"].as_array().unwrap();
    assert!(
        body.iter()
            .any(|p| p.as_str().unwrap().contains("施工单位")),
        "{body:?}"
    );
    let rows = draft["table_rows"].as_array().unwrap();
    // The estimate's total, then the contract amount the text states, each named.
    let names: Vec<&str> = rows
        .iter()
        .rev()
        .take(2)
        .map(|r| r[1].as_str().unwrap())
        .collect();
    assert_eq!(names, ["合同金额", "估算合计"]);

    // A second draft of the same kind is refused, saying which to edit.
    let (status, again) = app
        .send_json(
            Method::POST,
            "/api/notices",
            &json!({"kind": "site", "project": NOT_STARTED}),
            None,
        )
        .await;
    assert_eq!(status, 409, "{again}");

    // Not published: the public does not know it exists.
    for path in [format!("/notices/{id}"), format!("/notices/{id}.pdf")] {
        let r = anonymous().get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }

    // Edits: stale, empty, unprintable, then a good one.
    let path = format!("/api/notices/{id}");
    let (status, _) = app
        .send_json(
            Method::PUT,
            &path,
            &json!({"title": "新标题"}),
            Some("\"7\""),
        )
        .await;
    assert_eq!(status, 409);
    let (status, e) = app
        .send_json(Method::PUT, &path, &json!({"title": "  "}), Some("\"1\""))
        .await;
    assert_eq!(
        (status, e["fields"]["title"].is_array()),
        (422, true),
        "{e}"
    );
    let (status, e) = app
        .send_json(
            Method::PUT,
            &path,
            &json!({"body": ["生僻字𠀀"]}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(
        (status, e["fields"]["body[0]"].is_array()),
        (422, true),
        "{e}"
    );
    let (status, e) = app
        .send_json(Method::PUT, &path, &json!({"body": []}), Some("\"1\""))
        .await;
    assert_eq!((status, e["fields"]["body"].is_array()), (422, true), "{e}");
    let (status, edited) = app
        .send_json(
            Method::PUT,
            &path,
            &json!({"title": "工行小区改造开工告示", "body": ["第一段。", "第二段。"]}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["version"], 2);

    // Publishing numbers it and fixes its period: seven calendar days from today.
    let (status, published) = app
        .send_json(
            Method::POST,
            &format!("{path}/publish"),
            &json!({}),
            Some("\"2\""),
        )
        .await;
    assert_eq!(status, 200, "{published}");
    assert_eq!(published["status"], "published");
    let number = published["number"].as_str().unwrap();
    assert!(
        number.starts_with("仁住建公〔") && number.ends_with("号"),
        "{number}"
    );
    let first: chrono::NaiveDate = published["period"]["first_day"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let last: chrono::NaiveDate = published["period"]["last_day"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!((last - first).num_days(), 6);

    let before = app.notice(id).await;
    let pdf_before = app
        .get(&format!("/api/notices/{id}/pdf"))
        .await
        .bytes()
        .await
        .unwrap();

    // Every write route, API and pages alike, refuses to change it.
    for (method, route, if_match) in [
        (Method::PUT, path.clone(), Some("\"3\"")),
        (Method::PUT, path.clone(), Some("\"2\"")),
        (Method::DELETE, path.clone(), Some("\"3\"")),
        (Method::POST, format!("{path}/publish"), Some("\"3\"")),
    ] {
        let (status, e) = app
            .send_json(method.clone(), &route, &json!({"title": "改掉"}), if_match)
            .await;
        assert_eq!(status, 409, "{method} {route}: {e}");
    }
    let planner = app.sign_in("planner1").await;
    for (route, fields) in [
        (
            format!("/bureau/notices/{id}"),
            vec![("version", "3"), ("title", "改掉"), ("body", "改掉")],
        ),
        (
            format!("/bureau/notices/{id}/publish"),
            vec![("version", "3")],
        ),
        (
            format!("/bureau/notices/{id}/delete"),
            vec![("version", "3")],
        ),
    ] {
        let r = app.post_form(&planner, &route, &fields, true).await;
        assert_eq!(r.status(), 409, "{route}");
    }
    // Not even the database lets it change.
    use sea_orm::ConnectionTrait;
    for sql in [
        format!("UPDATE notices SET title = 'x' WHERE id = {id}"),
        format!("DELETE FROM notices WHERE id = {id}"),
    ] {
        assert!(app.db.execute_unprepared(&sql).await.is_err(), "{sql}");
    }
    let after = app.notice(id).await;
    assert_eq!(before, after);
    let pdf_after = app
        .get(&format!("/api/notices/{id}/pdf"))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(pdf_before, pdf_after);

    let audit = app.audit(&format!("entity=notice&entity_id={id}")).await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["publish", "update", "create"]);
}

#[tokio::test]
async fn drafts_need_what_their_kind_needs_and_a_correction_is_linked_from_the_original() {
    let app = spawn_app().await;
    for (body, field) in [
        (json!({"project": NOT_STARTED}), "kind"),
        (json!({"kind": "poster", "project": NOT_STARTED}), "kind"),
        (
            json!({"kind": "plan", "project": "RS-1999-P001"}),
            "project",
        ),
        // Not completed: no completion notice yet.
        (
            json!({"kind": "completion", "project": NOT_STARTED}),
            "project",
        ),
        (
            json!({"kind": "plan", "project": NOT_STARTED, "corrects": 999999}),
            "corrects",
        ),
        (
            json!({"kind": "plan", "project": NOT_STARTED, "extra": 1}),
            "extra",
        ),
    ] {
        let (status, e) = app
            .send_json(Method::POST, "/api/notices", &body, None)
            .await;
        assert_eq!(status, 422, "{body}: {e}");
        assert!(e["fields"][field].is_array(), "{body}: {e}");
    }
    // The plan notice is published: a new one is a correction of it.
    let original = app.open_notice().await;
    let project = original["project"].as_str().unwrap();
    let (status, e) = app
        .send_json(
            Method::POST,
            "/api/notices",
            &json!({"kind": "plan", "project": project}),
            None,
        )
        .await;
    assert_eq!(status, 409, "{e}");
    let id = original["id"].as_i64().unwrap();
    let (status, correction) = app
        .send_json(
            Method::POST,
            "/api/notices",
            &json!({"project": project, "corrects": id}),
            None,
        )
        .await;
    assert_eq!(status, 201, "{correction}");
    assert!(correction["title"].as_str().unwrap().contains("更正"));
    assert!(
        correction["body"][0]
            .as_str()
            .unwrap()
            .contains(original["number"].as_str().unwrap())
    );
    let cid = correction["id"].as_i64().unwrap();
    // No figure of the project changed, so the correction asks the bureau to say what it corrects, and is not
    // published until it does.
    let body: Vec<String> = correction["body"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    assert!(
        body.iter()
            .any(|p| p.contains("更正事项：（请在此写明更正的内容）")),
        "{body:?}"
    );
    let (status, refused) = app
        .send_json(
            Method::POST,
            &format!("/api/notices/{cid}/publish"),
            &json!({}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(
        (status, refused["fields"]["body"].is_array()),
        (422, true),
        "{refused}"
    );
    let written: Vec<String> = body
        .iter()
        .map(|p| {
            p.replace(
                "（请在此写明更正的内容）",
                "原公示所列咨询电话有误，以本公示为准。",
            )
        })
        .collect();
    let (status, _) = app
        .send_json(
            Method::PUT,
            &format!("/api/notices/{cid}"),
            &json!({"body": written}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(status, 200);
    // Unpublished, the correction is not linked from the public page yet.
    let page = anonymous()
        .get(app.url(&format!("/notices/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains(&format!("/notices/{cid}\"")));
    let (status, _) = app
        .send_json(
            Method::POST,
            &format!("/api/notices/{cid}/publish"),
            &json!({}),
            Some("\"2\""),
        )
        .await;
    assert_eq!(status, 200);
    let page = anonymous()
        .get(app.url(&format!("/notices/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("本公示已被更正"),
        "the original names its correction"
    );
    assert!(page.contains(&format!("/notices/{cid}\"")));
    assert_eq!(app.notice(id).await["corrected_by"][0]["id"], cid);
}

#[tokio::test]
async fn the_public_list_shows_published_notices_only_in_pages_and_filters_by_town_and_compound() {
    let app = spawn_app().await;
    let (_, draft) = app
        .send_json(
            Method::POST,
            "/api/notices",
            &json!({"kind": "site", "project": NOT_STARTED}),
            None,
        )
        .await;
    let list = anonymous()
        .get(app.url("/notices"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !list.contains(&format!("href=\"/notices/{}\"", draft["id"])),
        "a draft is never listed"
    );
    let open = app.open_notice().await;
    assert!(list.contains(&format!("href=\"/notices/{}\"", open["id"])));

    let site = &open["sites"][0];
    let town = site["town"].as_str().unwrap();
    let name = site["name"].as_str().unwrap();
    let in_town = anonymous()
        .get(app.url("/notices"))
        .query(&[("town", town)])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(in_town.contains(&format!("href=\"/notices/{}\"", open["id"])));
    let by_name = app.notices(&format!("q={}", urlencode(name))).await;
    assert!(!by_name.is_empty());
    assert!(by_name.iter().all(|n| {
        n["sites"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == name)
            || n["title"].as_str().unwrap().contains(name)
    }));
    let elsewhere = app.notices("town=不存在的镇").await;
    assert!(elsewhere.is_empty());
    let r = anonymous()
        .get(app.url("/notices?status=draft"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        422,
        "the public list takes town, q and page only"
    );

    // In pages of 20, every published notice once; a page past the end or a page 0 names the field.
    let published =
        app.notices("status=published").await.len() + app.notices("status=closed").await.len();
    assert!(published > 20, "the demo publishes more than a page");
    let pages = published.div_ceil(20);
    let mut seen = std::collections::BTreeSet::new();
    for page in 1..=pages {
        let html = public_page(&app, &format!("/notices?page={page}")).await;
        assert!(html.contains(&format!("共 {published} 条 · 第 {page}/{pages} 页")));
        let ids: Vec<&str> = html
            .split("href=\"/notices/")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .filter(|id| !id.contains('.'))
            .collect();
        assert!(ids.len() <= 20, "page {page} has {} notices", ids.len());
        for id in ids {
            assert!(seen.insert(id.to_owned()), "notice {id} listed twice");
        }
    }
    assert_eq!(seen.len(), published);
    for bad in [
        format!("page={}", pages + 1),
        "page=0".into(),
        "page=x".into(),
    ] {
        let r = anonymous()
            .get(app.url(&format!("/notices?{bad}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{bad}");
        let text = r.text().await.unwrap();
        assert!(
            text.contains("页码须为") || text.contains("页公示"),
            "{bad}: the page number is named in Chinese: {text}"
        );
    }
}

async fn public_page(app: &TestApp, path: &str) -> String {
    let r = anonymous().get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)]).unwrap()[2..].to_owned()
}

#[tokio::test]
async fn objections_are_taken_during_the_period_once_each_and_refused_after_it() {
    let app = spawn_app().await;
    let open = app.open_notice().await;
    let id = open["id"].as_i64().unwrap();
    let page = format!("/notices/{id}");
    let received = open["received"].as_i64().unwrap();

    let visit = app.visit(&page).await;
    assert!(
        visit
            .html
            .contains(&format!("<strong class=\"received\">{received}</strong>"))
    );
    let text = "请把健身器材安装在小区中心广场，不要放在楼下。";
    let r = app
        .post_resident(&visit, &format!("{page}/objections"), &objection(text))
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("/notices/{id}?sent=objection#objection").as_str()
    );
    // The same form sent again (a double tap, a retry): stored once.
    let r = app
        .post_resident(&visit, &format!("{page}/objections"), &objection(text))
        .await;
    assert_eq!(r.status(), 303);
    let visit = app.visit(&page).await;
    assert!(
        visit.html.contains(&format!(
            "<strong class=\"received\">{}</strong>",
            received + 1
        )),
        "the count rose by one"
    );
    let stored: Vec<Value> = app
        .objections(id)
        .await
        .into_iter()
        .filter(|o| o["text"] == text)
        .collect();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["mobile"], "13800138000");
    assert!(!visit.html.contains("13800138000") && !visit.html.contains("李先生"));

    // The same words in a new form: a duplicate, refused with a message.
    let r = app
        .post_resident(
            &visit,
            &format!("{page}/objections"),
            &objection(&format!("  {text}\n")),
        )
        .await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("同样内容的意见已经收到"));

    // Bad fields are named, and what was typed comes back.
    let visit = app.visit(&page).await;
    let r = app
        .post_resident(
            &visit,
            &format!("{page}/objections"),
            &[
                ("building_unit", ""),
                ("mobile", "12345"),
                ("text", &"长".repeat(501)),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("请填写楼栋") && html.contains("11 位手机号码") && html.contains("501"),
        "{html}"
    );

    // Broken UTF-8 in a field: refused naming the field, nothing stored (a lenient decoder would keep U+FFFD).
    let before = app.objections(id).await.len();
    let visit = app.visit(&page).await;
    let r = anonymous()
        .post(app.url(&format!("{page}/objections")))
        .header("cookie", format!("jiugai_csrf={}", visit.cookie))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "csrf={}&submission={}&kind=objection&building_unit=5%E6%A0%8B&mobile=13800138000&text=%E6%A0%FF",
            visit.csrf, visit.submission
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("表单字段 text 不是 UTF-8"));
    assert_eq!(app.objections(id).await.len(), before);

    // The honeypot filled: a program. It is told "thank you" and nothing is stored.
    let mut bot = objection("机器人发的广告");
    bot.push(("website", "http://spam.example"));
    let visit = app.visit(&page).await;
    let r = app
        .post_resident(&visit, &format!("{page}/objections"), &bot)
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.objections(id).await.len(), before);

    // One address: five attempts in ten minutes, then 429. Every attempt counts, refused ones too (the one
    // stored above and the duplicate), so a refusal cannot be asked about without limit; a re-sent form does not.
    let mut statuses = Vec::new();
    for n in 0..6 {
        let visit = app.visit(&page).await;
        let r = app
            .post_resident(
                &visit,
                &format!("{page}/objections"),
                &objection(&format!("第{n}条不同的意见")),
            )
            .await;
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [303, 303, 303, 429, 429, 429]);

    // A notice whose period is over takes nothing, and says so.
    let closed = app
        .notices("status=closed&kind=plan")
        .await
        .into_iter()
        .next()
        .expect("the demo's 2021 plan notices are closed");
    let cid = closed["id"].as_i64().unwrap();
    let closed_page = app.visit(&format!("/notices/{cid}")).await;
    assert!(
        closed_page.html.contains("公示期已于") && !closed_page.html.contains("提交意见</button>")
    );
    let count = app.objections(cid).await.len();
    // A form kept open on a phone from before the end: its token is good, the period is not.
    let visit = app.visit(&page).await;
    let r = app
        .post_resident(
            &visit,
            &format!("/notices/{cid}/objections"),
            &objection("过期了也想说"),
        )
        .await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("公示期已于"));
    assert_eq!(app.objections(cid).await.len(), count);
    // Nor does a draft, which is not found.
    let (_, draft) = app
        .send_json(
            Method::POST,
            "/api/notices",
            &json!({"kind": "site", "project": NOT_STARTED}),
            None,
        )
        .await;
    let r = app
        .post_resident(
            &visit,
            &format!("/notices/{}/objections", draft["id"]),
            &objection("草稿"),
        )
        .await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn an_answer_is_published_beside_its_question_without_personal_data() {
    let app = spawn_app().await;
    let open = app.open_notice().await;
    let id = open["id"].as_i64().unwrap();
    let visit = app.visit(&format!("/notices/{id}")).await;
    let text = "楼道灯改造请选用声控灯。";
    app.post_resident(
        &visit,
        &format!("/notices/{id}/objections"),
        &objection(text),
    )
    .await;
    let oid = app
        .objections(id)
        .await
        .into_iter()
        .find(|o| o["text"] == text)
        .unwrap()["id"]
        .clone();
    let path = format!("/api/objections/{oid}/answer");
    let (status, e) = app
        .send_json(Method::POST, &path, &json!({"answer": ""}), None)
        .await;
    assert_eq!((status, e["fields"]["answer"].is_array()), (422, true));
    let answer = "已采纳，楼道灯统一更换为声光控LED灯。";
    let (status, answered) = app
        .send_json(Method::POST, &path, &json!({"answer": answer}), None)
        .await;
    assert_eq!(status, 200, "{answered}");
    let (status, _) = app
        .send_json(Method::POST, &path, &json!({"answer": "改口"}), None)
        .await;
    assert_eq!(status, 409, "an answer is given once");

    let html = app.visit(&format!("/notices/{id}")).await.html;
    assert!(html.contains(text) && html.contains(answer));
    for private in ["李先生", "13800138000", "138****8000", "5栋1单元"] {
        assert!(!html.contains(private), "{private} is on the public page");
    }
    let audit = app
        .audit(&format!("entity=objection&entity_id={oid}"))
        .await;
    assert_eq!(audit["items"][0]["action"], "answer");
}

#[tokio::test]
async fn nothing_a_resident_typed_is_rendered_unescaped_on_any_page() {
    let app = spawn_app().await;
    let open = app.open_notice().await;
    let id = open["id"].as_i64().unwrap();
    let payloads = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(2)>",
        "' onmouseover='alert(3)' x='",
        "<svg/onload=alert(4)>",
    ];
    for (n, payload) in payloads.iter().enumerate() {
        let visit = app.visit(&format!("/notices/{id}")).await;
        let text = format!("第{n}条：{payload}");
        let r = app
            .post_resident(
                &visit,
                &format!("/notices/{id}/objections"),
                &[
                    ("kind", "comment"),
                    ("building_unit", payload),
                    ("name", &payload.chars().take(20).collect::<String>()),
                    ("mobile", "13900139000"),
                    ("text", &text),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{payload}");
        // A refused form shows what was typed: escaped too.
        let refused = app
            .post_resident(
                &app.visit(&format!("/notices/{id}")).await,
                &format!("/notices/{id}/objections"),
                &[
                    ("building_unit", payload),
                    ("name", payload),
                    ("mobile", "1"),
                    ("text", payload),
                ],
            )
            .await;
        assert_eq!(refused.status(), 422);
        assert_escaped(&refused.text().await.unwrap(), payload, "the refused form");
    }
    for o in app.objections(id).await {
        if o["kind"] == "comment" && o["text"].as_str().unwrap().starts_with('第') {
            let path = format!("/api/objections/{}/answer", o["id"]);
            let (status, _) = app
                .send_json(
                    Method::POST,
                    &path,
                    &json!({"answer": format!("答复：{}", o["text"].as_str().unwrap())}),
                    None,
                )
                .await;
            assert_eq!(status, 200);
        }
    }
    let public = app.visit(&format!("/notices/{id}")).await.html;
    let planner = app.sign_in("planner1").await;
    let inbox = app
        .browse(&planner.cookie, &format!("/bureau/notices/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let list = app
        .browse(&planner.cookie, "/bureau/notices")
        .await
        .text()
        .await
        .unwrap();
    for payload in payloads {
        assert_escaped(&public, payload, "the public notice page");
        assert_escaped(&inbox, payload, "the bureau's inbox");
        assert!(!list.contains(payload), "the bureau's list");
    }
}

/// `payload` must not appear as markup, and must appear escaped (it was shown, safely).
fn assert_escaped(html: &str, payload: &str, page: &str) {
    assert!(
        !html.contains(payload),
        "{page} shows {payload:?} unescaped"
    );
    for dangerous in ["<script", "<img", "<svg/"] {
        if payload.contains(dangerous) {
            assert!(!html.contains(dangerous), "{page} has {dangerous:?} in it");
        }
    }
    // The words themselves are shown: the call inside every payload, with its number.
    let call = payload
        .find("alert(")
        .map(|i| &payload[i..i + 8])
        .unwrap_or_default();
    assert!(
        html.contains(call),
        "{page} does not show {payload:?} at all"
    );
}

#[tokio::test]
async fn residents_rate_a_completed_compound_once_per_mobile_number() {
    let app = spawn_app().await;
    // The demo's completion notices are from 2021: keep their ratings open for this test.
    app.edit_policy(|p| p.notices.rating_days = 36_500).await;
    let completion = app
        .notices("kind=completion")
        .await
        .into_iter()
        .find(|n| n["published_at"].is_string())
        .expect("the demo publishes completion notices");
    let id = completion["id"].as_i64().unwrap();
    let code = completion["sites"][0]["code"].as_str().unwrap().to_owned();
    let visit = app.visit(&format!("/notices/{id}")).await;
    assert!(visit.html.contains("满意度评价"));
    let rating = |mobile: &'static str, q: &'static str| {
        vec![
            ("compound", code.clone()),
            ("mobile", mobile.to_owned()),
            ("quality", q.to_owned()),
            ("disturbance", "4".to_owned()),
            ("communication", "5".to_owned()),
        ]
    };
    let (_, before) = app.get_json("/api/satisfaction?year=2021").await;
    let count = |body: &Value| {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == code.as_str())
            .map_or(0, |r| r["ratings"].as_i64().unwrap())
    };
    let n = count(&before);
    let send = |fields: Vec<(&'static str, String)>| {
        let visit = &visit;
        let app = &app;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_resident(visit, &format!("/notices/{id}/ratings"), &fields)
                .await
        }
    };
    assert_eq!(send(rating("13600136000", "5")).await.status(), 303);
    assert_eq!(
        send(rating("136 0013 6000", "1")).await.status(),
        409,
        "once per number"
    );
    assert_eq!(send(rating("13600136001", "9")).await.status(), 422);
    let (_, after) = app.get_json("/api/satisfaction?year=2021").await;
    assert_eq!(count(&after), n + 1);
    // A plan notice takes no ratings.
    let open = app.open_notice().await;
    let visit = app.visit(&format!("/notices/{}", open["id"])).await;
    let r = app
        .post_resident(
            &visit,
            &format!("/notices/{}/ratings", open["id"]),
            &[
                ("compound", &code),
                ("mobile", "13600136002"),
                ("quality", "5"),
                ("disturbance", "5"),
                ("communication", "5"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let planner = app.sign_in("planner1").await;
    let page = app
        .browse(&planner.cookie, "/bureau/satisfaction?year=2021")
        .await;
    assert_eq!(page.status(), 200);
    assert!(
        page.text().await.unwrap().contains("<svg"),
        "the page charts the results"
    );
}

#[tokio::test]
async fn the_papers_qr_code_decodes_to_the_notices_public_page() {
    let app = spawn_app().await;
    let open = app.open_notice().await;
    let id = open["id"].as_i64().unwrap();
    let r = anonymous()
        .get(app.url(&format!("/notices/{id}.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let tag = r.headers()["etag"].to_str().unwrap().to_owned();
    let pdf = r.bytes().await.unwrap();
    let again = anonymous()
        .get(app.url(&format!("/notices/{id}.pdf")))
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    if let Some(pages) = pdf_pages(&pdf) {
        let text = squeeze(&pages.join(""));
        assert!(
            text.contains(&squeeze(open["title"].as_str().unwrap())),
            "{text}"
        );
        assert!(text.contains(&squeeze(open["number"].as_str().unwrap())));
        assert!(text.contains("公示期"));
        assert_eq!(
            pages.len(),
            1,
            "a notice with a short table fits one sheet of the notice board"
        );
    }
    let Some(decoded) = qr_of(&pdf) else {
        return;
    };
    assert_eq!(decoded, app.url(&format!("/notices/{id}")));
}

/// What the QR code on the paper says (on whichever page it is), or None (said loudly) without pdftoppm and zbarimg.
pub(crate) fn qr_of(pdf: &[u8]) -> Option<String> {
    let installed = |tool: &str| Command::new(tool).arg("--help").output().is_ok();
    if !installed("pdftoppm") || !installed("zbarimg") {
        let _ = writeln!(
            std::io::stderr(),
            "\n*** QR check SKIPPED: pdftoppm (poppler-utils) or zbarimg (zbar-tools) is missing; .ci/run installs them ***\n"
        );
        return None;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("notice.pdf");
    std::fs::write(&file, pdf).expect("write the PDF");
    let stem = dir.path().join("page");
    let rendered = Command::new("pdftoppm")
        .args(["-r", "150", "-png"])
        .arg(&file)
        .arg(&stem)
        .status()
        .expect("pdftoppm runs");
    assert!(rendered.success(), "pdftoppm failed");
    let mut pages: Vec<_> = std::fs::read_dir(dir.path())
        .expect("the pages")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .collect();
    pages.sort();
    let out = Command::new("zbarimg")
        .args(["--quiet", "--raw"])
        .args(&pages)
        .output()
        .expect("zbarimg runs");
    assert!(
        out.status.success(),
        "zbarimg found no QR code: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

#[tokio::test]
async fn staff_see_the_inbox_and_the_figures_and_contractors_see_no_notice_api() {
    let app = spawn_app().await;
    let (status, stats) = app.get_json("/api/notices/stats?year=2021").await;
    assert_eq!(status, 200);
    assert!(stats["published"].as_i64().unwrap() > 70, "{stats}");
    assert!(stats["received"].as_i64().unwrap() >= stats["answered"].as_i64().unwrap());
    let contractor = client_with_token(&app.tokens.contractor);
    let r = contractor
        .get(app.url("/api/notices"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn a_correction_says_what_it_corrects_and_the_amounts_say_which_they_are() {
    let app = spawn_app().await;
    let project = crate::work_orders::new_project(&app).await;
    crate::work_orders::assign(&app, &project, "C-ONE", "2022-10-31").await;
    let create = |body: Value| {
        let app = &app;
        async move {
            app.send_json(Method::POST, "/api/notices", &body, None)
                .await
        }
    };
    let (status, site) = create(json!({"kind": "site", "project": project})).await;
    assert_eq!(status, 201, "{site}");
    let id = site["id"].as_i64().unwrap();
    // The site notice states the contract amount, and its table names both figures.
    let (_, full) = app.get_json(&format!("/api/notices/{id}")).await;
    let rows = full["table_rows"].to_string();
    assert!(
        rows.contains("估算合计") && rows.contains("合同金额"),
        "{rows}"
    );
    assert!(
        rows.contains("1,234,567.89"),
        "the contract amount in the table: {rows}"
    );
    let (status, _) = app
        .send_json(
            Method::POST,
            &format!("/api/notices/{id}/publish"),
            &json!({}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(status, 200);

    // The works are to end a month earlier: the correction lists the change, and goes out as drafted.
    crate::work_orders::assign(&app, &project, "C-ONE", "2022-09-30").await;
    let (status, correction) = create(json!({"project": project, "corrects": id})).await;
    assert_eq!(status, 201, "{correction}");
    let body = correction["body"].to_string();
    assert!(
        body.contains("更正事项：“计划竣工：2022年10月31日”更正为“2022年9月30日”"),
        "{body}"
    );
    let cid = correction["id"].as_i64().unwrap();
    let (status, published) = app
        .send_json(
            Method::POST,
            &format!("/api/notices/{cid}/publish"),
            &json!({}),
            Some("\"1\""),
        )
        .await;
    assert_eq!(status, 200, "{published}");
}
