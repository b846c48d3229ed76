//! A planner registers a contractor firm at a desk, in headless Chromium: a wrong credit code comes back beside its
//! field with everything typed still there; corrected, the firm is on its own page, in the list and in the API.
//! Skipped, loudly, where Chromium or ChromeDriver is not installed.

use fantoccini::{Client, Locator};

use crate::browser::{desk_browser, follow, screenshot_path, sign_in, text_of};
use crate::helpers::{contractor_body, spawn_app};

async fn type_into(client: &Client, name: &str, value: &str) {
    let field = client
        .find(Locator::Css(&format!("#create [name={name}]")))
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    field.clear().await.expect("clear");
    field.send_keys(value).await.expect("type");
}

async fn value_of(client: &Client, name: &str) -> String {
    client
        .find(Locator::Css(&format!("#create [name={name}]")))
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default()
}

async fn submit(client: &Client) {
    follow(client, "#create button[type=submit]").await;
}

#[tokio::test]
async fn a_planner_registers_a_contractor_in_the_browser() {
    let Some((_driver, client)) = desk_browser().await else {
        return;
    };
    let app = spawn_app().await;
    sign_in(&client, &app, "planner1").await;
    let firm = contractor_body("JG-BR1", 71);
    client
        .goto(&app.url("/contractors"))
        .await
        .expect("the contractors page");
    for key in ["code", "name", "qualification", "contact_person", "phone"] {
        type_into(&client, key, firm[key].as_str().unwrap()).await;
    }
    // One character off: the check digit no longer fits.
    let good = firm["credit_code"].as_str().unwrap().to_owned();
    let wrong = format!("{}0", &good[..17]);
    let wrong = if wrong == good {
        format!("{}1", &good[..17])
    } else {
        wrong
    };
    type_into(&client, "credit_code", &wrong).await;
    type_into(&client, "capacity", "5").await;
    submit(&client).await;

    let message = text_of(&client, "#create .form-alert").await;
    assert!(message.contains("未保存"), "{message}");
    let beside = client
        .find(Locator::XPath(
            "//form[@id='create']//label[.//input[@name='credit_code']]//span[@class='field-error']",
        ))
        .await
        .expect("a message beside the credit code")
        .text()
        .await
        .unwrap();
    assert!(beside.contains("校验"), "{beside}");
    assert_eq!(
        value_of(&client, "name").await,
        firm["name"].as_str().unwrap()
    );
    assert_eq!(value_of(&client, "credit_code").await, wrong);
    assert_eq!(value_of(&client, "capacity").await, "5");
    std::fs::write(
        screenshot_path("contractor-refused-desk.png"),
        client.screenshot().await.expect("screenshot"),
    )
    .expect("save");

    type_into(&client, "credit_code", &good).await;
    submit(&client).await;
    let url = client.current_url().await.unwrap();
    assert_eq!(url.path(), "/contractors/JG-BR1");
    assert!(
        text_of(&client, "h1")
            .await
            .contains(firm["name"].as_str().unwrap())
    );
    std::fs::write(
        screenshot_path("contractor-registered-desk.png"),
        client.screenshot().await.expect("screenshot"),
    )
    .expect("save");

    client.goto(&app.url("/contractors")).await.unwrap();
    let listed = client
        .find(Locator::Css("a[href=\"/contractors/JG-BR1\"]"))
        .await
        .is_ok();
    assert!(listed, "the firm is in the list");
    let (status, api) = app.get_json("/api/contractors/JG-BR1").await;
    assert_eq!(status, 200);
    assert_eq!(api["capacity"], 5);
    assert_eq!(api["credit_code"], good.as_str());
    client.close().await.ok();
}
