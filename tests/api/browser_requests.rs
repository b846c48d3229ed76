//! 问需于民 in real browsers: a resident opens a compound's page (the poster's QR code) on a phone, picks what needs
//! doing and sends it; a planner triages it at the desk with a public answer; the phone then reads the answer, and
//! never a mobile number. Skipped, loudly, where Chromium is missing.

use fantoccini::{Client, Locator};

use crate::browser::{browser, desk_browser, follow, screenshot_path, sign_in, text_of};
use crate::helpers::spawn_app;

async fn type_into(client: &Client, css: &str, value: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .send_keys(value)
        .await
        .expect("type");
}

async fn choose(client: &Client, css: &str, value: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("{css} = {value}: {e}"));
}

async fn shot(client: &Client, name: &str) {
    std::fs::write(
        screenshot_path(name),
        client.screenshot().await.expect("screenshot"),
    )
    .expect("save");
}

#[tokio::test]
async fn a_resident_asks_on_the_phone_the_planner_answers_and_the_phone_reads_it() {
    let Some((_phone_driver, phone)) = browser().await else {
        return;
    };
    let Some((_desk_driver, desk)) = desk_browser().await else {
        return;
    };
    let app = spawn_app().await;
    let (_, list) = app
        .get_json("/api/compounds?status=surveyed&per_page=1")
        .await;
    let code = list["items"][0]["code"].as_str().unwrap().to_owned();

    // The phone: the poster's code opens the compound's page.
    phone
        .goto(&app.url(&format!("/c/{code}")))
        .await
        .expect("open");
    assert_eq!(
        text_of(&phone, "article h1").await,
        list["items"][0]["name"].as_str().unwrap()
    );
    let before: i64 = text_of(&phone, "strong.received").await.parse().unwrap();
    let width = phone
        .execute("return document.documentElement.scrollWidth;", vec![])
        .await
        .unwrap();
    assert!(
        width.as_f64().unwrap() <= 391.0,
        "{width} px wide on a phone"
    );
    choose(&phone, "select[name=item]", "I05").await;
    type_into(
        &phone,
        "textarea[name=text]",
        "晚上回来车没处停，只能停在消防通道上",
    )
    .await;
    type_into(&phone, "input[name=building_unit]", "4栋1单元").await;
    type_into(&phone, "input[name=mobile]", "13512345678").await;
    shot(&phone, "request-form-phone.png").await;
    follow(&phone, "form.resident button[type=submit]").await;
    assert!(
        text_of(&phone, "p.notice[role=status]")
            .await
            .contains("已收到您的诉求")
    );
    let after: i64 = text_of(&phone, "strong.received").await.parse().unwrap();
    assert_eq!(after, before + 1);
    assert!(
        !phone.source().await.unwrap().contains("只能停在消防通道上"),
        "shown before triage"
    );

    // The desk: the planner finds it waiting and accepts it with an answer.
    sign_in(&desk, &app, "planner1").await;
    desk.goto(&app.url(&format!("/bureau/requests?compound={code}&status=new")))
        .await
        .expect("open the list");
    let (_, waiting) = app
        .get_json(&format!("/api/requests?compound={code}&status=new"))
        .await;
    let id = waiting["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["text"] == "晚上回来车没处停，只能停在消防通道上")
        .expect("listed")["id"]
        .as_i64()
        .unwrap();
    let row = format!("#request-{id}");
    assert!(text_of(&desk, &row).await.contains("135****5678"));
    choose(&desk, &format!("{row} select[name=decision]"), "accept").await;
    choose(&desk, &format!("{row} select[name=item]"), "I05").await;
    type_into(
        &desk,
        &format!("{row} textarea[name=answer]"),
        "已受理，停车位列入本小区改造方案，届时一并公示。",
    )
    .await;
    shot(&desk, "request-triage-desk.png").await;
    follow(&desk, &format!("{row} form button[type=submit]")).await;
    // Back on the list of those waiting, which it has left; the compound's whole list shows it accepted.
    assert!(desk.find(Locator::Css(&row)).await.is_err());
    desk.goto(&app.url(&format!("/bureau/requests?compound={code}")))
        .await
        .expect("open the compound's list");
    assert!(text_of(&desk, &row).await.contains("已受理"));

    // The phone again: the request and its answer, and no number anywhere.
    phone
        .goto(&app.url(&format!("/c/{code}")))
        .await
        .expect("reload");
    let answers = text_of(&phone, "#answers").await;
    assert!(
        answers.contains("晚上回来车没处停") && answers.contains("停车位列入本小区改造方案"),
        "{answers}"
    );
    let source = phone.source().await.unwrap();
    for personal in ["13512345678", "135****5678", "4栋1单元"] {
        assert!(!source.contains(personal), "{personal} on the public page");
    }
    shot(&phone, "request-answered-phone.png").await;
}
