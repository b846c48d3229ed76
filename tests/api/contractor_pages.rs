//! The bureau's pages for contractors and accounts: a planner registers and edits firms through forms with the
//! API's checks and audit; a refused or stale form comes back as itself; an admin edits an account's role and firm.

use serde_json::Value;

use crate::helpers::{TestApp, contractor_body, spawn_app};

/// A new firm's form fields, from the same valid record the API tests send.
fn firm_form(code: &str, n: u32) -> Vec<(&'static str, String)> {
    let body = contractor_body(code, n);
    [
        "code",
        "name",
        "credit_code",
        "qualification",
        "contact_person",
        "phone",
    ]
    .into_iter()
    .map(|k| (k, body[k].as_str().unwrap_or_default().to_owned()))
    .chain([("capacity", "4".to_owned())])
    .collect()
}

fn as_refs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The audit log's records of one record, newest first.
async fn log_of(app: &TestApp, entity: &str, id: &str) -> Vec<Value> {
    app.audit(&format!("entity={entity}&entity_id={id}")).await["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_planner_registers_a_firm_through_the_form_and_finds_it_in_the_list_and_the_api() {
    let app = spawn_app().await;
    let planner = app.sign_in("planner1").await;
    let form = firm_form("C-FORM", 31);

    let r = app
        .post_form(&planner, "/contractors", &as_refs(&form), true)
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/contractors/C-FORM");

    let list = app.browse(&planner.cookie, "/contractors").await;
    assert_eq!(list.status(), 200);
    let html = list.text().await.unwrap();
    assert!(
        html.contains("href=\"/contractors/C-FORM\"") && html.contains("C-FORM 建筑工程有限公司"),
        "the new firm is listed"
    );
    let (status, firm) = app.get_json("/api/contractors/C-FORM").await;
    assert_eq!(status, 200);
    assert_eq!(
        (firm["capacity"].as_i64(), firm["contact_person"].as_str()),
        (Some(4), Some("王建国"))
    );

    let log = log_of(&app, "contractor", "C-FORM").await;
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0]["action"].as_str(), log[0]["actor"].as_str()),
        (Some("create"), Some("planner1"))
    );
}

#[tokio::test]
async fn a_bad_credit_code_comes_back_as_the_same_form_with_what_was_typed_and_a_chinese_message() {
    let app = spawn_app().await;
    let planner = app.sign_in("planner1").await;
    let mut form = firm_form("C-BAD", 32);
    form[2].1 = "91511421MA6X".to_owned();

    let r = app
        .post_form(&planner, "/contractors", &as_refs(&form), true)
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("action=\"/contractors\""), "the same form");
    for typed in [
        "value=\"C-BAD\"",
        "value=\"91511421MA6X\"",
        "value=\"王建国\"",
    ] {
        assert!(html.contains(typed), "{typed} is kept");
    }
    let field = html.find("name=\"credit_code\"").unwrap();
    let label = &html[field..field + html[field..].find("</label>").unwrap()];
    let message = label
        .split("<span class=\"field-error\" role=\"alert\">")
        .nth(1)
        .expect("a message beside the credit code");
    assert!(
        message
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{message}"
    );
    let (status, _) = app.get_json("/api/contractors/C-BAD").await;
    assert_eq!(status, 404, "nothing written");
    assert!(log_of(&app, "contractor", "C-BAD").await.is_empty());
}

#[tokio::test]
async fn a_stale_edit_is_a_conflict_shown_on_the_form_and_a_current_one_is_saved_and_logged() {
    let app = spawn_app().await;
    let planner = app.sign_in("planner1").await;
    let (_, opened) = app.get_json("/api/contractors/C-ONE").await;
    let version = opened["version"].to_string();
    let edit = |name: &str, phone: &str, version: &str| {
        let mut form = firm_form("C-ONE", 0);
        form.retain(|(k, _)| *k != "code");
        form.retain(|(k, _)| *k != "name" && *k != "phone");
        form.push(("name", name.to_owned()));
        form.push(("phone", phone.to_owned()));
        form.push(("version", version.to_owned()));
        form
    };

    let first = edit("一号建筑工程有限公司", "028-36200001", &version);
    let r = app
        .post_form(&planner, "/contractors/C-ONE", &as_refs(&first), true)
        .await;
    assert_eq!(r.status(), 303);

    // The same page opened before that save, sent now.
    let late = edit("一号建工集团", "028-36209999", &version);
    let r = app
        .post_form(&planner, "/contractors/C-ONE", &as_refs(&late), true)
        .await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    for shown in [
        "action=\"/contractors/C-ONE\"",
        "value=\"一号建工集团\"",
        "value=\"028-36209999\"",
        "您打开页面之后的修改",
        "028-36200001",
    ] {
        assert!(html.contains(shown), "{shown} on the refused form");
    }
    let (_, now) = app.get_json("/api/contractors/C-ONE").await;
    assert_eq!(
        now["name"], "一号建筑工程有限公司",
        "the late edit changed nothing"
    );

    let log = log_of(&app, "contractor", "C-ONE").await;
    assert_eq!(
        (
            log.len(),
            log[0]["action"].as_str(),
            log[0]["actor"].as_str()
        ),
        (2, Some("update"), Some("planner1")),
        "registered by the tests, updated once by the form"
    );
    assert_eq!(log[0]["after"]["phone"], "028-36200001");
}

#[tokio::test]
async fn other_staff_read_the_firm_pages_without_forms_and_cannot_post_them() {
    let app = spawn_app().await;
    let admin = app.sign_in("admin1").await;
    let html = app
        .browse(&admin.cookie, "/contractors/C-ONE")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("C-ONE 建筑工程有限公司"));
    assert!(
        !html.contains("action=\"/contractors/C-ONE\""),
        "no edit form"
    );
    let html = app
        .browse(&admin.cookie, "/contractors")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !html.contains("action=\"/contractors\""),
        "no register form"
    );
    let form = firm_form("C-ADMIN", 33);
    let r = app
        .post_form(&admin, "/contractors", &as_refs(&form), true)
        .await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn an_admin_changes_an_accounts_role_and_firm_through_its_page() {
    let app = spawn_app().await;
    let admin = app.sign_in("admin1").await;
    let page = app.browse(&admin.cookie, "/admin/users/contractor1").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("action=\"/admin/users/contractor1\"")
            && html.contains("C-ONE 建筑工程有限公司"),
        "the edit form, with firms by name"
    );
    let version = |html: &str| {
        let at = html.find("name=\"version\" value=\"").unwrap() + 22;
        html[at..].split('"').next().unwrap().to_owned()
    };

    // To the other firm, renamed.
    let v = version(&html);
    let r = app
        .post_form(
            &admin,
            "/admin/users/contractor1",
            &[
                ("version", &v),
                ("display_name", "李工"),
                ("role", "contractor"),
                ("contractor", "C-TWO"),
                ("active", "true"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status(), 303);
    let log = log_of(&app, "user", "contractor1").await;
    assert_eq!(
        (
            log[0]["action"].as_str(),
            log[0]["actor"].as_str(),
            log[0]["after"]["contractor"].as_str(),
            log[0]["after"]["display_name"].as_str()
        ),
        (Some("update"), Some("admin1"), Some("C-TWO"), Some("李工"))
    );

    // A contractor account without a firm is refused on the same page, what was typed kept.
    let html = app
        .browse(&admin.cookie, "/admin/users/contractor1")
        .await
        .text()
        .await
        .unwrap();
    let v = version(&html);
    let r = app
        .post_form(
            &admin,
            "/admin/users/contractor1",
            &[
                ("version", &v),
                ("display_name", "李工程师"),
                ("role", "contractor"),
                ("contractor", ""),
                ("active", "true"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"李工程师\"") && html.contains("field-error"));

    // Made a planner: the firm chosen on the form no longer counts.
    let r = app
        .post_form(
            &admin,
            "/admin/users/contractor1",
            &[
                ("version", &v),
                ("display_name", "李工"),
                ("role", "planner"),
                ("contractor", "C-TWO"),
                ("active", "true"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status(), 303);
    let log = log_of(&app, "user", "contractor1").await;
    assert_eq!(
        (
            log[0]["after"]["role"].as_str(),
            log[0]["after"]["contractor"].is_null()
        ),
        (Some("planner"), true)
    );
    let list = app
        .browse(&admin.cookie, "/admin/users")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("href=\"/admin/users/contractor1\""),
        "an edit link per account"
    );
}
