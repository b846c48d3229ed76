//! Every staff form, sent with bad input, comes back as the same form: what was typed still in it, a Chinese
//! message beside the field at fault and a summary on top, no English words outside what was typed.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Browser, TestApp, spawn_app};
use crate::work_orders::{assign, issue, new_project};

/// One bad submission: who sends it, where, what, and what must come back.
struct Case {
    name: &'static str,
    who: &'static str,
    action: String,
    fields: Vec<(&'static str, String)>,
    /// The form's marker on the page it comes back on (its action).
    form_action: String,
    /// Values typed that must be in the form again.
    kept: Vec<&'static str>,
    /// A field whose message must stand beside it (None: the form's summary only).
    field: Option<&'static str>,
}

fn is_chinese(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// The visible text of `html` between `start` and the end of its element (`end`), tags removed.
fn texts_of(html: &str, start: &str, end: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(start) {
        let after = &rest[i..];
        let stop = after.find(end).map_or(after.len(), |j| j + end.len());
        let mut text = String::new();
        let mut in_tag = false;
        for c in after[..stop].chars() {
            match c {
                '<' => in_tag = true,
                '>' => {
                    in_tag = false;
                    text.push(' ');
                }
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        found.push(text);
        rest = &after[stop..];
    }
    found
}

/// ASCII words of three or more letters in `text`, once the typed values are taken out.
fn english_words(text: &str, typed: &[String]) -> Vec<String> {
    let mut text = text.replace("&quot;", "\"").replace("&#x27;", "'");
    for value in typed.iter().filter(|v| !v.is_empty()) {
        text = text.replace(value.as_str(), " ");
    }
    text.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() >= 3)
        .map(str::to_owned)
        .collect()
}

async fn check(app: &TestApp, browser: &Browser, case: &Case) {
    let fields: Vec<(&str, &str)> = case.fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.post_form(browser, &case.action, &fields, true).await;
    let status = r.status().as_u16();
    let html = r.text().await.unwrap();
    assert!(
        matches!(status, 409 | 422),
        "{}: refused with 409 or 422, not {status}",
        case.name
    );
    assert!(
        html.contains(&format!("action=\"{}\"", case.form_action)),
        "{}: the same form comes back",
        case.name
    );
    for value in &case.kept {
        assert!(
            html.contains(value),
            "{}: what was typed ({value}) is kept",
            case.name
        );
    }
    let alerts = texts_of(&html, "<div class=\"error form-alert\"", "</div>");
    assert_eq!(alerts.len(), 1, "{}: one summary, on this form", case.name);
    let mut said = alerts.clone();
    if let Some(field) = case.field {
        let beside = texts_of(&html, "<span class=\"field-error\"", "</span>");
        assert!(
            !beside.is_empty(),
            "{}: a message beside {field}",
            case.name
        );
        // The message stands inside the field's label, after its input.
        let input = html
            .find(&format!("name=\"{field}\""))
            .unwrap_or_else(|| panic!("{}: the field {field} is on the page", case.name));
        let label_end = html[input..]
            .find("</label>")
            .map_or(html.len(), |i| input + i);
        assert!(
            html[input..label_end].contains("field-error"),
            "{}: the message is beside {field}",
            case.name
        );
        said.extend(beside);
    }
    let typed: Vec<String> = case.fields.iter().map(|(_, v)| v.clone()).collect();
    for text in &said {
        assert!(text.chars().any(is_chinese), "{}: {text}", case.name);
        // What others changed since is quoted from the record (codes, names as stored), not said by us.
        let text = text
            .split("您打开页面之后的修改")
            .next()
            .unwrap_or_default();
        let english = english_words(text, &typed);
        assert!(
            english.is_empty(),
            "{}: English in {text:?}: {english:?}",
            case.name
        );
    }
}

#[tokio::test]
async fn every_staff_form_refused_comes_back_with_what_was_typed_and_says_why_in_chinese() {
    let app = spawn_app().await;
    let planner = app.sign_in("planner1").await;
    let admin = app.sign_in("admin1").await;
    let contractor = app.sign_in("contractor1").await;

    // A project of a small 2022 batch with its order issued to the first test firm; a scenario; a draft notice
    // with an objection to answer.
    let project = new_project(&app).await;
    assign(&app, &project, "C-ONE", "2022-10-31").await;
    let (status, order) = issue(&app, &project, json!({})).await;
    assert_eq!(status, 201, "{order}");
    let number = order["number"].as_str().unwrap().to_owned();
    let (_, p) = app.get_json(&format!("/api/projects/{project}")).await;
    let (status, scenario) = app
        .send_json(
            Method::POST,
            "/api/scenarios",
            &json!({"name": "表单测试", "horizon": {"years": [
                {"year": 2023, "budget_yuan": 100_000_000}, {"year": 2024, "budget_yuan": 100_000_000}]}}),
            None,
        )
        .await;
    assert_eq!(status, 201, "{scenario}");
    let sid = scenario["id"].as_i64().unwrap();
    let (status, draft) = app
        .send_json(
            Method::POST,
            "/api/notices",
            &json!({"project": project, "kind": "plan"}),
            None,
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let nid = draft["id"].as_i64().unwrap();
    let r = app
        .post_form(
            &contractor,
            &format!("/work-orders/{number}/acknowledge"),
            &[],
            true,
        )
        .await;
    assert_eq!(r.status(), 303, "the contractor acknowledges the order");
    let objection = unanswered_objection(&app).await;

    let v = |x: &Value| x.to_string();
    let cases = vec![
        Case {
            name: "new plan",
            who: "planner",
            action: "/plans".into(),
            fields: vec![
                ("name", "方案甲".into()),
                ("from", "2027".into()),
                ("to", "2090".into()),
                ("budget_wan", "很多".into()),
                ("max_compounds", "-3".into()),
            ],
            form_action: "/plans".into(),
            kept: vec!["方案甲", "2090", "很多"],
            field: Some("to"),
        },
        Case {
            name: "new plan, a funding source's yearly limit mistyped",
            who: "planner",
            action: "/plans".into(),
            fields: vec![
                ("name", "方案乙".into()),
                ("from", "2027".into()),
                ("to", "2028".into()),
                ("budget_wan", "33000".into()),
                ("source_wan_central_2028", "五千万".into()),
            ],
            form_action: "/plans".into(),
            kept: vec!["方案乙", "五千万"],
            field: Some("source_wan_central_2028"),
        },
        Case {
            name: "move in a plan",
            who: "planner",
            action: format!("/plans/{sid}/moves"),
            fields: vec![
                ("version", v(&scenario["version"])),
                ("code", "RS-0001".into()),
                ("year", "明年".into()),
                ("reason", "居民呼声高".into()),
            ],
            form_action: format!("/plans/{sid}/moves"),
            kept: vec!["RS-0001", "居民呼声高"],
            field: Some("year"),
        },
        Case {
            name: "approve a year without confirming",
            who: "planner",
            action: format!("/plans/{sid}/approve"),
            fields: vec![
                ("version", v(&scenario["version"])),
                ("year", "2023".into()),
            ],
            form_action: format!("/plans/{sid}/approve"),
            kept: vec![],
            field: Some("confirm"),
        },
        Case {
            name: "project dates out of order",
            who: "planner",
            action: format!("/projects/{project}"),
            fields: vec![
                ("version", v(&p["version"])),
                ("contractor", "C-ONE".into()),
                ("contract_amount_yuan", "1234567.89".into()),
                ("planned_start", "2022-06-30".into()),
                ("planned_end", "2022-01-01".into()),
                ("dates_reason", "雨季顺延".into()),
            ],
            form_action: format!("/projects/{project}"),
            kept: vec!["2022-06-30", "2022-01-01", "雨季顺延", "1234567.89"],
            field: Some("planned_end"),
        },
        Case {
            name: "a new order version without a reason",
            who: "planner",
            action: format!("/projects/{project}/work-orders"),
            fields: vec![("reason", "   ".into())],
            form_action: format!("/projects/{project}/work-orders"),
            kept: vec![],
            field: Some("reason"),
        },
        Case {
            name: "a draft for a project that does not exist",
            who: "planner",
            action: "/bureau/notices".into(),
            fields: vec![("project", "RS-NOPE".into()), ("kind", "plan".into())],
            form_action: "/bureau/notices".into(),
            kept: vec![],
            field: None,
        },
        Case {
            name: "a draft with an empty title",
            who: "planner",
            action: format!("/bureau/notices/{nid}"),
            fields: vec![
                ("version", v(&draft["version"])),
                ("title", " ".into()),
                ("body", "第一段居民须知。\n\n第二段。".into()),
            ],
            form_action: format!("/bureau/notices/{nid}"),
            kept: vec!["第一段居民须知。"],
            field: Some("title"),
        },
        Case {
            name: "an empty answer",
            who: "planner",
            action: format!("/bureau/objections/{}/answer", objection.1),
            fields: vec![("notice", objection.0.to_string()), ("answer", "  ".into())],
            form_action: format!("/bureau/objections/{}/answer", objection.1),
            kept: vec![],
            field: Some("answer"),
        },
        Case {
            name: "an API token for a hundred years",
            who: "planner",
            action: "/account/tokens".into(),
            fields: vec![
                ("name", "导入脚本".into()),
                ("expires_in_days", "36500".into()),
            ],
            form_action: "/account/tokens".into(),
            kept: vec!["导入脚本", "36500"],
            field: Some("expires_in_days"),
        },
        Case {
            name: "an account with a bad username",
            who: "admin",
            action: "/admin/users".into(),
            fields: vec![
                ("username", "张三".into()),
                ("display_name", "张三丰".into()),
                ("role", "planner".into()),
                ("contractor", String::new()),
            ],
            form_action: "/admin/users".into(),
            kept: vec!["张三丰"],
            field: Some("username"),
        },
        Case {
            // An upload form sent without its file (a browser sends it as multipart; urlencoded is read alike).
            name: "a compounds import without a file",
            who: "planner",
            action: "/compounds/import".into(),
            fields: vec![("boundary", String::new())],
            form_action: "/compounds/import".into(),
            kept: vec![],
            field: None,
        },
        Case {
            name: "deactivating the last admin",
            who: "admin",
            action: "/admin/users/admin1".into(),
            fields: vec![
                ("version", user_version(&app, "admin1").await),
                ("display_name", "admin1".into()),
                ("role", "admin".into()),
                ("active", "false".into()),
            ],
            form_action: "/admin/users/admin1".into(),
            kept: vec![],
            field: None,
        },
        Case {
            name: "the first-start page with a short county code",
            who: "admin",
            action: "/setup".into(),
            fields: vec![
                ("county", "表单县".into()),
                ("county_code", "5114".into()),
                ("authority", "表单县住房和城乡建设局".into()),
                ("code_prefix", "BD".into()),
                ("base_url", "jiugai.example".into()),
            ],
            form_action: "/setup".into(),
            kept: vec!["表单县", "5114", "表单县住房和城乡建设局"],
            field: Some("county_code"),
        },
        Case {
            name: "a firm with a bad credit code",
            who: "planner",
            action: "/contractors".into(),
            fields: vec![
                ("code", "C-FORMS".into()),
                ("name", "表单建筑工程有限公司".into()),
                ("credit_code", "91511421MA6X".into()),
                ("contact_person", "赵工".into()),
                ("phone", "028-36201234".into()),
                ("capacity", "很多".into()),
            ],
            form_action: "/contractors".into(),
            kept: vec!["表单建筑工程有限公司", "91511421MA6X", "很多"],
            field: Some("credit_code"),
        },
        Case {
            name: "a new compound whose boundary crosses itself",
            who: "planner",
            action: "/compounds".into(),
            fields: vec![
                ("code", "RS-FORMS".into()),
                ("name", "表单小区".into()),
                ("town_code", "511421001".into()),
                ("community", "文林社区".into()),
                ("year_built", "1995".into()),
                ("buildings", "3".into()),
                ("households", "90".into()),
                ("floor_area_m2", "八千".into()),
                ("storeys", "5".into()),
                ("property_management", "none".into()),
                ("origin", "housing_reform".into()),
                (
                    "boundary_text",
                    "104.30,30.30 104.301,30.3008 104.301,30.30 104.30,30.3008".into(),
                ),
            ],
            form_action: "/compounds".into(),
            kept: vec!["表单小区", "八千", "104.301,30.3008"],
            field: Some("boundary_text"),
        },
        Case {
            name: "a compound's facts with a year that is not one",
            who: "planner",
            action: "/compounds/RS-0003".into(),
            fields: vec![
                ("version", compound_version(&app, "RS-0003").await),
                ("name", "改名小区".into()),
                ("town_code", "511421001".into()),
                ("community", "文林社区".into()),
                ("year_built", "九五年".into()),
                ("buildings", "3".into()),
                ("households", "90".into()),
                ("floor_area_m2", "8000".into()),
                ("storeys", "5".into()),
                ("property_management", "none".into()),
                ("origin", "housing_reform".into()),
            ],
            form_action: "/compounds/RS-0003".into(),
            kept: vec!["改名小区", "九五年"],
            field: Some("year_built"),
        },
        Case {
            name: "a scope quantity changed without a reason",
            who: "planner",
            action: "/compounds/RS-0003/scope".into(),
            fields: vec![
                ("version", compound_version(&app, "RS-0003").await),
                ("action", "save".into()),
                ("pick_B01", "yes".into()),
                ("qty_B01", "1234.5".into()),
            ],
            form_action: "/compounds/RS-0003/scope".into(),
            kept: vec!["1234.5"],
            field: Some("reason_B01"),
        },
        Case {
            name: "a survey without a date",
            who: "planner",
            action: "/compounds/RS-0003/survey".into(),
            fields: vec![
                ("version", compound_version(&app, "RS-0003").await),
                ("surveyed_on", "去年春天".into()),
                ("d0_code", "roof_leak".into()),
                ("d0_severity", "safety".into()),
                ("d0_note", "顶楼渗水".into()),
            ],
            form_action: "/compounds/RS-0003/survey".into(),
            kept: vec!["去年春天", "顶楼渗水"],
            field: Some("surveyed_on"),
        },
        Case {
            name: "a consent record with more agreeing than taking part",
            who: "planner",
            action: "/compounds/RS-0003/consent".into(),
            fields: vec![
                ("version", compound_version(&app, "RS-0003").await),
                ("recorded_on", "2021-03-01".into()),
                ("owners_total", "100".into()),
                ("area_total_m2", "9000".into()),
                ("participating_owners", "80".into()),
                ("participating_area_m2", "7000".into()),
                ("agreeing_owners", "90".into()),
                ("agreeing_area_m2", "六千".into()),
            ],
            form_action: "/compounds/RS-0003/consent".into(),
            kept: vec!["六千"],
            field: Some("agreeing_area_m2"),
        },
        Case {
            name: "a category override without a reason",
            who: "planner",
            action: "/compounds/RS-0003/category".into(),
            fields: vec![
                ("version", compound_version(&app, "RS-0003").await),
                ("category", "upgrade".into()),
                ("reason", String::new()),
            ],
            form_action: "/compounds/RS-0003/category".into(),
            kept: vec![],
            field: Some("reason"),
        },
        Case {
            name: "a funding split with a word for an amount",
            who: "planner",
            action: "/compounds/RS-0003/funding".into(),
            fields: vec![
                ("version", compound_version(&app, "RS-0003").await),
                ("share_central", "五十万".into()),
                ("funding_reason", "原产权单位出资".into()),
            ],
            form_action: "/compounds/RS-0003/funding".into(),
            kept: vec!["五十万", "原产权单位出资"],
            field: Some("share_central"),
        },
        Case {
            name: "archiving a compound without confirming",
            who: "planner",
            action: "/compounds/RS-0003/archive".into(),
            fields: vec![("version", compound_version(&app, "RS-0003").await)],
            form_action: "/compounds/RS-0003/archive".into(),
            kept: vec![],
            field: Some("confirm"),
        },
        Case {
            name: "a contractor account without its firm",
            who: "admin",
            action: "/admin/users/contractor2".into(),
            fields: vec![
                ("version", user_version(&app, "contractor2").await),
                ("display_name", "孙工".into()),
                ("role", "contractor".into()),
                ("contractor", String::new()),
                ("active", "true".into()),
            ],
            form_action: "/admin/users/contractor2".into(),
            kept: vec!["孙工"],
            field: Some("contractor"),
        },
        Case {
            name: "a unit cost that is not a number",
            who: "admin",
            action: "/settings/catalog/B01".into(),
            fields: vec![
                ("version", "1".into()),
                ("name", "屋面防水维修".into()),
                ("unit", "m²".into()),
                ("unit_cost_yuan", "一百六".into()),
            ],
            form_action: "/settings/catalog/B01".into(),
            kept: vec!["屋面防水维修", "一百六"],
            field: Some("unit_cost_yuan"),
        },
        Case {
            name: "policy settings out of range",
            who: "admin",
            action: "/settings/policy".into(),
            fields: vec![
                ("version", "1".into()),
                ("approval_area", "5/4".into()),
                ("discount", "1.5".into()),
                ("notices_phone", "028-36210000".into()),
            ],
            form_action: "/settings/policy".into(),
            kept: vec!["1.5"],
            field: Some("approval_area"),
        },
        Case {
            name: "a funding source's share that is not a percentage",
            who: "admin",
            action: "/settings/policy".into(),
            fields: vec![
                ("version", "1".into()),
                ("source_1_name", "居民出资".into()),
                ("source_1_class_improvement", "1".into()),
                ("source_1_items", String::new()),
                ("source_1_share_pct", "一成半".into()),
                ("source_1_cap", String::new()),
                ("source_1_order", "2".into()),
            ],
            form_action: "/settings/policy".into(),
            kept: vec!["一成半"],
            field: Some("source_1_share_pct"),
        },
        Case {
            name: "a progress report that is not a number",
            who: "contractor",
            action: format!("/work-orders/{number}/reports"),
            fields: vec![
                ("kind", "started".into()),
                ("percent", "一半".into()),
                ("note", "进场".into()),
            ],
            form_action: format!("/work-orders/{number}/reports"),
            kept: vec!["进场"],
            field: None,
        },
        Case {
            name: "funds received with an amount in words",
            who: "planner",
            action: "/funds".into(),
            fields: vec![
                ("year", "2022".into()),
                ("source", "central".into()),
                ("amount_yuan", "一百万".into()),
                ("received_on", "2022-03-01".into()),
                ("document_no", "川财建〔2022〕9号".into()),
            ],
            form_action: "/funds".into(),
            kept: vec!["一百万", "川财建〔2022〕9号"],
            field: Some("amount_yuan"),
        },
        Case {
            name: "a progress payment before its progress report",
            who: "planner",
            action: format!("/projects/{project}/payments"),
            fields: vec![
                ("milestone", "progress_60".into()),
                ("amount_yuan", "1000".into()),
                ("paid_on", "2022-05-01".into()),
                ("document_no", "付字第88号".into()),
            ],
            form_action: format!("/projects/{project}/payments"),
            kept: vec!["付字第88号"],
            field: Some("milestone"),
        },
        Case {
            name: "a final account before completion",
            who: "planner",
            action: format!("/projects/{project}/final-account"),
            fields: vec![
                ("amount_yuan", "1000".into()),
                ("audited_on", "2022-05-01".into()),
                ("document_no", "仁审结〔2022〕3号".into()),
            ],
            form_action: format!("/projects/{project}/final-account"),
            kept: vec!["仁审结〔2022〕3号"],
            field: Some("audited_on"),
        },
    ];
    for case in &cases {
        let browser = match case.who {
            "admin" => &admin,
            "contractor" => &contractor,
            _ => &planner,
        };
        check(&app, browser, case).await;
    }
}

/// Some published notice's id and an unanswered objection on it, from the seeded data.
async fn unanswered_objection(app: &TestApp) -> (i64, i64) {
    let (_, list) = app.get_json("/api/notices?status=published").await;
    for n in list["items"].as_array().unwrap() {
        let id = n["id"].as_i64().unwrap();
        let (_, inbox) = app.get_json(&format!("/api/notices/{id}/objections")).await;
        if let Some(o) = inbox["items"]
            .as_array()
            .and_then(|items| items.iter().find(|o| o["answer"].is_null()))
        {
            return (id, o["id"].as_i64().unwrap());
        }
    }
    panic!("the seeded notices have an unanswered objection");
}

async fn compound_version(app: &TestApp, code: &str) -> String {
    let (status, c) = app.get_json(&format!("/api/compounds/{code}")).await;
    assert_eq!(status, 200, "{c}");
    c["version"].to_string()
}

async fn user_version(app: &TestApp, username: &str) -> String {
    let r = crate::helpers::client_with_token(&app.tokens.admin)
        .get(app.url("/api/users"))
        .send()
        .await
        .unwrap();
    let list: Value = r.json().await.unwrap();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == username)
        .map(|u| u["version"].to_string())
        .expect("the user")
}

#[tokio::test]
async fn a_stale_edit_shows_what_changed_since_and_can_be_sent_again() {
    let app = spawn_app().await;
    let planner = app.sign_in("planner1").await;
    let project = new_project(&app).await;
    let (_, opened) = app.get_json(&format!("/api/projects/{project}")).await;
    let version = opened["version"].to_string();
    // Someone else fixes the contractor and the dates meanwhile.
    assign(&app, &project, "C-TWO", "2022-09-30").await;

    let mine = [
        ("version", version.as_str()),
        ("contractor", "C-ONE"),
        ("contract_amount_yuan", "2000000"),
        ("planned_start", "2022-05-01"),
        ("planned_end", "2022-11-30"),
        ("dates_reason", ""),
    ];
    let path = format!("/projects/{project}");
    let r = app.post_form(&planner, &path, &mine, true).await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    for shown in [
        "这条记录已被修改",
        "您打开页面之后的修改",
        "计划完工",
        "2022-09-30",
        "value=\"2022-11-30\"",
        "value=\"2000000\"",
    ] {
        assert!(html.contains(shown), "{shown} on the refused form");
    }
    let (_, now) = app.get_json(&format!("/api/projects/{project}")).await;
    let current = now["version"].to_string();
    assert!(
        html.contains(&format!("name=\"version\" value=\"{current}\"")),
        "the form now edits the current version"
    );
    // Sent again as it stands, it applies over what is current.
    let again: Vec<(&str, &str)> = mine
        .iter()
        .map(|(k, v)| {
            if *k == "version" {
                (*k, current.as_str())
            } else {
                (*k, *v)
            }
        })
        .collect();
    let r = app.post_form(&planner, &path, &again, true).await;
    assert_eq!(r.status(), 303);
    let (_, saved) = app.get_json(&format!("/api/projects/{project}")).await;
    assert_eq!(saved["planned_end"], "2022-11-30");
}

#[tokio::test]
async fn people_are_answered_with_pages_not_json() {
    let app = spawn_app().await;
    // A PDF link followed after the session ended: to sign in, and back to the PDF after.
    let r = crate::helpers::anonymous()
        .get(app.url("/api/work-orders/RS-2021-0001/pdf"))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("/sign-in?next=%2Fapi%2Fwork-orders"),
        "{location}"
    );
    // A program without a token still gets JSON.
    let r = crate::helpers::anonymous()
        .get(app.url("/api/work-orders/RS-2021-0001/pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // A resident's mistyped address: the residents' page, in Chinese.
    for path in ["/notices/abc", "/notices?page=999"] {
        let r = crate::helpers::anonymous()
            .get(app.url(path))
            .send()
            .await
            .unwrap();
        assert!(matches!(r.status().as_u16(), 404 | 422), "{path}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains("class=\"public\""),
            "{path}: the residents' layout"
        );
        assert!(html.contains("查看全部公示"), "{path}");
        assert!(
            !html.contains("page:") && !html.contains("no such"),
            "{path}: {html}"
        );
    }
}
