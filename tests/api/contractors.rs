//! Contractors: the bureau registers firms with a checked unified social credit code and edits them with versions;
//! a contractor account sees its own firm only.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{client_with_token, contractor_body, spawn_app};

fn fields(body: &Value) -> Vec<String> {
    body["fields"]
        .as_object()
        .map(|f| f.keys().cloned().collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_firm_with_a_valid_credit_code_is_registered_and_a_wrong_check_character_is_refused() {
    let app = spawn_app().await;
    let body = contractor_body("C-NEW", 7);
    let (status, created) = app
        .send_json(Method::POST, "/api/contractors", &body, None)
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["credit_code"], body["credit_code"]);
    assert_eq!(created["contact_person"], "王建国");
    assert_eq!(created["phone"], "028-36201234");
    assert_eq!(created["capacity"], 5);

    // The same code with its last character changed: the check character catches it and says which is right.
    let good = body["credit_code"].as_str().unwrap().to_owned();
    let last = good.chars().last().unwrap();
    let typo = format!("{}{}", &good[..17], if last == '0' { '1' } else { '0' });
    let mut wrong = contractor_body("C-TYPO", 8);
    wrong["credit_code"] = json!(typo);
    let (status, refused) = app
        .send_json(Method::POST, "/api/contractors", &wrong, None)
        .await;
    assert_eq!(status, 422);
    assert_eq!(fields(&refused), ["credit_code"]);
    let message = refused["fields"]["credit_code"][0].as_str().unwrap();
    assert!(
        message.contains("校验位不对") && message.contains(&format!("第 18 位应为 {last}")),
        "{message}"
    );
    let (_, list) = app.get_json("/api/contractors").await;
    let codes: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["code"].as_str())
        .collect();
    assert!(!codes.contains(&"C-TYPO"), "a refused firm was written");
}

#[tokio::test]
async fn bad_contractor_records_are_refused_field_by_field() {
    let app = spawn_app().await;
    let count = |list: Value| list["items"].as_array().map_or(0, Vec::len);
    let before = count(app.get_json("/api/contractors").await.1);
    let taken = app.get_json("/api/contractors/C-ONE").await.1["credit_code"].clone();
    let base = contractor_body("C-BAD", 9);
    let with = |key: &str, value: Value| {
        let mut b = base.clone();
        b[key] = value;
        b
    };
    let mut no_phone = base.clone();
    no_phone.as_object_mut().unwrap().remove("phone");
    let cases = [
        (
            with("credit_code", json!("91511421MA6000009")),
            "credit_code",
        ),
        (
            with("credit_code", json!("91511421MA6I000090")),
            "credit_code",
        ),
        (with("credit_code", taken), "credit_code"),
        (with("phone", json!("12345")), "phone"),
        (with("phone", json!(13812341234_i64)), "phone"),
        (no_phone, "phone"),
        (with("capacity", json!(0)), "capacity"),
        (with("name", json!("")), "name"),
        (with("code", json!("c bad")), "code"),
        (with("colour", json!("red")), "colour"),
    ];
    for (body, field) in cases {
        let (status, refused) = app
            .send_json(Method::POST, "/api/contractors", &body, None)
            .await;
        assert_eq!(status, 422, "{body}: {refused}");
        assert!(
            fields(&refused).contains(&field.to_owned()),
            "{body}: {refused}"
        );
    }
    let after = count(app.get_json("/api/contractors").await.1);
    assert_eq!(after, before, "something was written");
}

#[tokio::test]
async fn a_firm_is_edited_with_its_version_and_a_stale_edit_is_refused() {
    let app = spawn_app().await;
    let (_, firm) = app.get_json("/api/contractors/C-ONE").await;
    let mut body = contractor_body("C-ONE", 0);
    body.as_object_mut().unwrap().remove("code");
    body["capacity"] = json!(8);
    body["contact_person"] = json!("李四");
    let tag = format!("\"{}\"", firm["version"]);
    let (status, edited) = app
        .send_json(Method::PUT, "/api/contractors/C-ONE", &body, Some(&tag))
        .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(
        (
            edited["capacity"].as_i64(),
            edited["contact_person"].as_str()
        ),
        (Some(8), Some("李四"))
    );
    let (status, stale) = app
        .send_json(Method::PUT, "/api/contractors/C-ONE", &body, Some(&tag))
        .await;
    assert_eq!(status, 409, "{stale}");
    let (status, _) = app
        .send_json(Method::PUT, "/api/contractors/C-ONE", &body, None)
        .await;
    assert_eq!(status, 428);
    body["code"] = json!("C-RENAMED");
    let (status, refused) = app
        .send_json(
            Method::PUT,
            "/api/contractors/C-ONE",
            &body,
            Some(&format!("\"{}\"", edited["version"])),
        )
        .await;
    assert_eq!((status, fields(&refused)), (422, vec!["code".to_owned()]));
    let log = app.audit("entity=contractor&action=update").await;
    let records = log["items"].as_array().unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["before"]["contact_person"], "王建国");
    assert_eq!(records[0]["after"]["contact_person"], "李四");
}

#[tokio::test]
async fn a_contractor_account_sees_its_own_firm_and_cannot_edit_it() {
    let app = spawn_app().await;
    let contractor = client_with_token(&app.tokens.contractor);
    let list: Value = contractor
        .get(app.url("/api/contractors"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let codes: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["code"].as_str())
        .collect();
    assert_eq!(codes, ["C-ONE"]);
    let r = contractor
        .put(app.url("/api/contractors/C-ONE"))
        .header("if-match", "\"1\"")
        .json(&contractor_body("C-ONE", 0))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}
