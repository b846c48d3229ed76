//! A planner imports compounds from a spreadsheet in a real browser: a file with three bad cells is refused
//! naming each (sheet, row, column) and writes nothing; the corrected file is previewed, confirmed, and its
//! compounds are in the list. Skipped, loudly, where Chromium is missing.

use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::json;

use crate::browser::{desk_browser, follow, screenshot_path, sign_in};
use crate::helpers::{TestApp, spawn_app};
use crate::sheets::{boundaries, new_rows, workbook};

async fn upload(client: &Client, app: &TestApp, xlsx: &std::path::Path, geojson: &std::path::Path) {
    client
        .goto(&app.url("/compounds/import"))
        .await
        .expect("the import page");
    for (name, path) in [("file", xlsx), ("boundary", geojson)] {
        client
            .find(Locator::Css(&format!(
                "#import input[type=file][name={name}]"
            )))
            .await
            .expect(name)
            .send_keys(path.to_str().unwrap())
            .await
            .expect("choose the file");
    }
    follow(client, "#import button[type=submit]").await;
    // The answer: the refusal on top of the form, or the preview with its confirmation.
    wait_for(client, ".form-alert, #confirm").await;
}

async fn wait_for(client: &Client, css: &str) {
    for _ in 0..100 {
        if client.find(Locator::Css(css)).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} never appeared");
}

async fn body(client: &Client) -> String {
    client
        .find(Locator::Css("main"))
        .await
        .expect("the page")
        .text()
        .await
        .expect("text")
}

#[tokio::test]
async fn a_planner_imports_a_spreadsheet_in_the_browser() {
    let Some((_driver, client)) = desk_browser().await else {
        return;
    };
    let app = spawn_app().await;
    sign_in(&client, &app, "planner1").await;

    let headers: Vec<String> = [
        "编号",
        "名称",
        "镇街代码",
        "镇街",
        "社区",
        "地址",
        "建成年份",
        "楼栋数",
        "户数",
        "建筑面积（㎡）",
        "层数",
        "有无电梯",
        "物业管理",
        "来源",
        "调查日期",
        "存在问题",
        "改造内容",
        "居民诉求数",
    ]
    .map(str::to_owned)
    .to_vec();
    let good = new_rows();
    let mut bad = good.clone();
    bad[0][8] = json!("很多");
    bad[0][13] = json!("城堡");
    bad[1][6] = json!(1800);
    let dir = tempfile::tempdir().unwrap();
    let (bad_file, good_file, shapes) = (
        dir.path().join("bad.xlsx"),
        dir.path().join("good.xlsx"),
        dir.path().join("boundaries.geojson"),
    );
    std::fs::write(&bad_file, workbook(&headers, &bad)).unwrap();
    std::fs::write(&good_file, workbook(&headers, &good)).unwrap();
    std::fs::write(&shapes, boundaries()).unwrap();

    let before = app.snapshot().await;
    upload(&client, &app, &bad_file, &shapes).await;
    let text = body(&client).await;
    for place in [
        "工作表“小区”第 2 行 “户数”（I 列）",
        "工作表“小区”第 2 行 “来源”（N 列）",
        "工作表“小区”第 3 行 “建成年份”（G 列）",
    ] {
        assert!(text.contains(place), "{place} in {text}");
    }
    let shot = client.screenshot().await.expect("screenshot");
    std::fs::write(screenshot_path("import-refused.png"), shot).unwrap();
    assert_eq!(app.snapshot().await, before, "nothing written");

    upload(&client, &app, &good_file, &shapes).await;
    let text = body(&client).await;
    assert!(
        text.contains("导入预览") && text.contains("表格导入甲小区"),
        "{text}"
    );
    let shot = client.screenshot().await.expect("screenshot");
    std::fs::write(screenshot_path("import-preview.png"), shot).unwrap();
    assert_eq!(app.snapshot().await, before, "a preview writes nothing");
    client
        .find(Locator::Css("#confirm button[type=submit]"))
        .await
        .expect("确认导入")
        .click()
        .await
        .expect("confirm");
    for _ in 0..100 {
        let url = client.current_url().await.expect("the address");
        if url.query().is_some_and(|q| q.contains("created=")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let text = body(&client).await;
    assert!(text.contains("新建 2 个小区"), "{text}");

    client
        .goto(&app.url("/compounds?q=表格导入"))
        .await
        .expect("the list");
    let text = body(&client).await;
    assert!(
        text.contains("表格导入甲小区") && text.contains("表格导入乙小区"),
        "{text}"
    );
    let shot = client.screenshot().await.expect("screenshot");
    std::fs::write(screenshot_path("import-listed.png"), shot).unwrap();
}
