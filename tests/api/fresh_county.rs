//! A county of its own: `jiugai init` writes another county's files, the service starts on them without the demo
//! data, imports that county's compounds, and every staff page and paper names that county and never Renshou.
//! The first-start page works once and is audited; the synthetic-data note shows only with the demo data; paper
//! is marked 样张 while no public address is set.

use std::path::Path;
use std::process::Command;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_prepared};
use crate::work_orders::{pdf_pages, squeeze};

const COUNTY: &str = "某某县";
const AUTHORITY: &str = "某某县住房和城乡建设局";
const PREFIX: &str = "MM";
const SPECIMEN: &str = "样张";
const DEMO_NOTE: &str = "数据为依据公开报道生成的模拟数据";

/// `jiugai init DIR` with the flags given.
fn init(dir: &Path, flags: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_jiugai"))
        .arg("init")
        .arg(dir)
        .args(flags)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run jiugai init")
}

/// A compound's properties as a row of the import template with `headers`.
fn sheet_row(headers: &[String], p: &Value) -> Vec<Value> {
    headers
        .iter()
        .map(|h| match h.split('（').next().unwrap_or_default() {
            "编号" => p["code"].clone(),
            "名称" => p["name"].clone(),
            "镇街代码" => p["town_code"].clone(),
            "镇街" => p["town"].clone(),
            "社区" => p["community"].clone(),
            "地址" => p["address"].clone(),
            "建成年份" => p["year_built"].clone(),
            "楼栋数" => p["buildings"].clone(),
            "户数" => p["households"].clone(),
            "建筑面积" => p["floor_area_m2"].clone(),
            "层数" => p["storeys"].clone(),
            "有无电梯" => json!("无"),
            "物业管理" => json!("无物业"),
            "来源" => json!("单位集资房"),
            "调查日期" => p["survey"]["surveyed_on"].clone(),
            "存在问题" => {
                json!("roof_leak：function：顶楼漏水；gas_pipes_aged：safety：燃气立管锈蚀")
            }
            "改造内容" => json!("B01；B02；B03"),
            _ => json!(""),
        })
        .collect()
}

/// 20 compounds of 某某县 as GeoJSON: small squares near Guilin, four towns, every one surveyed with consent
/// and a scope, so that a batch can be planned from them.
fn county_geojson() -> Value {
    let towns = [
        ("450399001", "城关镇", "建设社区"),
        ("450399002", "东城街道", "东门社区"),
        ("450399003", "西城街道", "西街社区"),
        ("450399101", "南河镇", "南河社区"),
    ];
    let features: Vec<Value> = (1..=20)
        .map(|i| {
            let (town_code, town, community) = towns[i % towns.len()];
            let (lon, lat) = (110.28 + 0.004 * i as f64, 25.27 + 0.002 * (i % 5) as f64);
            let d = 0.0008;
            let ring = json!([[
                [lon, lat],
                [lon + d, lat],
                [lon + d, lat + d],
                [lon, lat + d],
                [lon, lat]
            ]]);
            let households = 60 + i as i64 * 6;
            let area = households as f64 * 80.0;
            json!({
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": ring},
                "properties": {
                    "code": format!("{PREFIX}-{i:04}"), "name": format!("{town}第{i}小区"),
                    "town_code": town_code, "town": town, "community": community,
                    "address": format!("{COUNTY}{town}建设路{i}号"),
                    "year_built": 1985 + (i as i64 % 15), "buildings": 3, "households": households,
                    "floor_area_m2": area, "storeys": 6, "has_lifts": false,
                    "property_management": "none", "origin": "unit_fundraised", "status": "surveyed",
                    "survey": {"surveyed_on": "2025-10-06", "deficits": [
                        {"code": "roof_leak", "severity": "function", "note": "顶楼漏水"},
                        {"code": "gas_pipes_aged", "severity": "safety", "note": "燃气立管锈蚀"}
                    ]},
                    "consent": {"recorded_on": "2025-11-03", "owners_total": households,
                        "area_total_m2": area, "participating_owners": households,
                        "participating_area_m2": area, "agreeing_owners": households,
                        "agreeing_area_m2": area},
                    "scope": [{"item": "B01"}, {"item": "B02"}, {"item": "B03"}]
                }
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

/// The staff pages every county has, once it has compounds, a project and a work order.
fn staff_pages(project: &str, order: &str) -> Vec<String> {
    [
        "/",
        "/compounds",
        "/compounds/MM-0001",
        "/map",
        "/plans",
        "/projects",
        "/contractors",
        "/bureau/notices",
        "/bureau/objections",
        "/bureau/satisfaction",
        "/work-orders",
        "/admin/users",
        "/admin/audit",
        "/account",
        "/setup",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain([
        format!("/projects/{project}"),
        format!("/work-orders/{order}"),
    ])
    .collect()
}

/// Plans and approves a 2026 batch of three compounds, gives its first project to C-ONE and issues the order:
/// the project's and the order's numbers.
async fn a_work_order(app: &TestApp) -> (String, String) {
    let out = app.cli(&[
        "plan",
        "--from",
        "2026",
        "--to",
        "2026",
        "--budget",
        "50000000",
        "--max-compounds",
        "3",
        "--approve",
        "2026",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, list) = app.get_json("/api/projects?year=2026").await;
    let project = list["items"][0]["code"]
        .as_str()
        .expect("a 2026 project")
        .to_owned();
    assert!(project.starts_with("MM-2026-P"), "{project}");
    let (_, current) = app.get_json(&format!("/api/projects/{project}")).await;
    let body = json!({"contractor": "C-ONE", "contract_amount_yuan": 1_000_000,
                      "planned_start": "2026-04-01", "planned_end": "2026-09-30"});
    let (status, assigned) = app
        .send_json(
            Method::PUT,
            &format!("/api/projects/{project}"),
            &body,
            Some(&format!("\"{}\"", current["version"])),
        )
        .await;
    assert_eq!(status, 200, "{assigned}");
    let (status, order) = app
        .send_json(
            Method::POST,
            &format!("/api/projects/{project}/work-orders"),
            &json!({}),
            None,
        )
        .await;
    assert_eq!(status, 201, "{order}");
    let number = order["number"].as_str().expect("a number").to_owned();
    assert!(number.starts_with("MM-2026-"), "{number}");
    (project, number)
}

async fn order_pdf_text(app: &TestApp, number: &str) -> Option<String> {
    let r = app.get(&format!("/api/work-orders/{number}/pdf")).await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.expect("pdf");
    pdf_pages(&bytes).map(|pages| squeeze(&pages.join("\n")))
}

#[tokio::test]
async fn another_county_starts_from_its_own_files_and_nothing_says_renshou() {
    let files = tempfile::tempdir().expect("temp dir");
    let dir = files.path().join("mm");
    let out = init(
        &dir,
        &[
            "--county",
            COUNTY,
            "--county-code",
            "450399",
            "--authority",
            AUTHORITY,
            "--code-prefix",
            PREFIX,
            "--number-prefix",
            "某住建公",
            "--phone",
            "0773-2812345",
            "--contact",
            "改造工作专班 李华",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for file in [
        "policy.toml",
        "work_items.toml",
        "jiugai.toml",
        "holidays/2026.toml",
    ] {
        assert!(dir.join(file).is_file(), "{file} was written");
    }
    let policy = std::fs::read_to_string(dir.join("policy.toml")).unwrap();
    assert!(policy.contains("county = \"某某县\""), "{policy}");
    assert!(
        !policy.contains("仁寿") && !policy.contains("[batches."),
        "{policy}"
    );

    // Never overwrites: a second init refuses and leaves the files as they were.
    std::fs::write(dir.join("policy.toml"), "# edited\n").unwrap();
    let again = init(&dir, &[]);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("已存在"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("policy.toml")).unwrap(),
        "# edited\n"
    );
    std::fs::write(dir.join("policy.toml"), &policy).unwrap();

    let app = spawn_prepared(|s| s.data_dir = Some(dir.clone())).await;
    let (_, empty) = app.get_json("/api/compounds?per_page=500").await;
    assert_eq!(empty["total"], 0, "no demo data: {empty}");

    // The towns' spreadsheet (the service's own template, filled in: facts, survey, scope), with the boundaries
    // beside it as GeoJSON (`mm.geojson` next to `mm.xlsx`); then the county's full GeoJSON (consent, status)
    // over the same 20 compounds.
    let collection = county_geojson();
    let planner = app.sign_in("planner1").await;
    let template = crate::sheets::download(&app, &planner, "/compounds/import/template.xlsx").await;
    let headers = crate::sheets::sheet(&template, "小区")[0].clone();
    let rows: Vec<Vec<Value>> = collection["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| sheet_row(&headers, &f["properties"]))
        .collect();
    std::fs::write(
        files.path().join("mm.xlsx"),
        crate::sheets::workbook(&headers, &rows),
    )
    .unwrap();
    let outlines: Vec<Value> = collection["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| json!({"type": "Feature", "properties": {"code": f["properties"]["code"]}, "geometry": f["geometry"]}))
        .collect();
    std::fs::write(
        files.path().join("mm.geojson"),
        json!({"type": "FeatureCollection", "features": outlines}).to_string(),
    )
    .unwrap();
    let out = app.cli(&[
        "import",
        "compounds",
        files.path().join("mm.xlsx").to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, from_sheet) = app.get_json("/api/compounds?per_page=500").await;
    assert_eq!(from_sheet["total"], 20, "{from_sheet}");
    let geojson = files.path().join("mm-full.geojson");
    std::fs::write(&geojson, collection.to_string()).unwrap();
    let out = app.cli(&["import", "compounds", geojson.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let (_, list) = app.get_json("/api/compounds?per_page=500").await;
    assert_eq!(list["total"], 20, "{list}");
    let mut codes: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_owned())
        .collect();
    codes.sort();
    let expected: Vec<String> = (1..=20).map(|i| format!("{PREFIX}-{i:04}")).collect();
    assert_eq!(codes, expected);

    let (project, order) = a_work_order(&app).await;
    let admin = app.sign_in("admin1").await;
    for path in staff_pages(&project, &order) {
        let r = app.browse(&admin.cookie, &path).await;
        assert_eq!(r.status(), 200, "{path}");
        let html = r.text().await.unwrap();
        assert!(html.contains(COUNTY), "{path} does not name the county");
        assert!(!html.contains("仁寿"), "{path} names Renshou");
        assert!(!html.contains("RS-"), "{path} shows a Renshou code");
        assert!(
            !html.contains(DEMO_NOTE),
            "{path} says the data is synthetic"
        );
    }
    if let Some(text) = order_pdf_text(&app, &order).await {
        assert!(text.contains(AUTHORITY), "{text}");
        assert!(!text.contains("仁寿") && !text.contains("RS-"), "{text}");
    }
}

#[tokio::test]
async fn the_first_start_page_works_once_is_audited_and_ends_the_specimen_paper() {
    // No county files: the templates, the identity left to the first-start page.
    let app = spawn_prepared(|_| {}).await;
    let admin = app.sign_in("admin1").await;
    let html = app.browse(&admin.cookie, "/").await.text().await.unwrap();
    assert!(html.contains("尚未填写"), "the placeholder is said");
    assert!(
        html.contains("尚未设置服务地址"),
        "the missing address is said"
    );
    assert!(
        html.contains("href=\"/setup\""),
        "the admin is sent to /setup"
    );
    assert!(!html.contains(DEMO_NOTE));

    // Planners do not set up the county.
    let planner = app.sign_in("planner1").await;
    assert_eq!(app.browse(&planner.cookie, "/setup").await.status(), 403);

    let fields = [
        ("county", COUNTY),
        ("county_code", "450399"),
        ("authority", AUTHORITY),
        ("code_prefix", "mm"),
        ("number_prefix", "某住建公"),
        ("phone", "0773-2812345"),
        ("base_url", "https://jiugai.example.gov.cn/"),
    ];
    // A wrong code is refused beside its field, the typed values kept.
    let mut wrong = fields.to_vec();
    wrong[1] = ("county_code", "4503");
    let r = app.post_form(&admin, "/setup", &wrong, true).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("6 位行政区划代码"), "{body}");
    assert!(body.contains("value=\"某某县\""), "the typed name is kept");

    let r = app.post_form(&admin, "/setup", &fields, true).await;
    assert_eq!(r.status(), 303);
    let policy = jiugai::db::catalog::load_policy(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            policy.county.as_str(),
            policy.county_code.as_str(),
            policy.code_prefix.as_str()
        ),
        (COUNTY, "450399", PREFIX)
    );
    assert_eq!(policy.notice_number(2026, 3), "某住建公〔2026〕3号");
    let audit = app.audit("action=setup").await;
    let entries = audit["items"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(entries[0]["entity"], "county");
    assert_eq!(entries[0]["actor"], "admin1");

    // Once only.
    let r = app.post_form(&admin, "/setup", &fields, true).await;
    assert_eq!(r.status(), 409);
    let html = app
        .browse(&admin.cookie, "/setup")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("首次设置已完成"));
    assert!(html.contains("jiugai.example.gov.cn"));
    let html = app.browse(&admin.cookie, "/").await.text().await.unwrap();
    assert!(html.contains(COUNTY));
    assert!(!html.contains("尚未设置服务地址"), "the address is set now");
}

#[tokio::test]
async fn the_demo_note_and_the_specimen_mark_tell_the_truth() {
    // With the demo data: the note on staff pages (not on residents' pages), and 样张 on paper.
    let app = spawn_app().await;
    let planner = app.sign_in("planner1").await;
    let html = app
        .browse(&planner.cookie, "/compounds")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(DEMO_NOTE),
        "the demo set is said to be synthetic"
    );
    assert!(html.contains("仁寿县"), "the county is named");
    let public = app.get("/notices").await.text().await.unwrap();
    assert!(!public.contains(DEMO_NOTE), "not on residents' pages");

    let (_, list) = app.get_json("/api/work-orders?year=2021").await;
    let number = list["items"][0]["number"]
        .as_str()
        .expect("the demo set's orders")
        .to_owned();
    if let Some(text) = order_pdf_text(&app, &number).await {
        assert!(
            text.contains(SPECIMEN),
            "unset address: the paper is a specimen"
        );
        assert!(text.contains("未设置服务地址"), "{text}");
    }

    // The public address set (in the settings): no mark, the QR code's link is the address.
    let app = crate::helpers::spawn_app_with(|s| {
        s.base_url = Some("https://jiugai.example.gov.cn".into())
    })
    .await;
    let (_, list) = app.get_json("/api/work-orders?year=2021").await;
    let number = list["items"][0]["number"].as_str().unwrap().to_owned();
    if let Some(text) = order_pdf_text(&app, &number).await {
        assert!(!text.contains(SPECIMEN), "{text}");
        assert!(text.contains("jiugai.example.gov.cn"), "{text}");
    }
    let planner = app.sign_in("planner1").await;
    let html = app.browse(&planner.cookie, "/").await.text().await.unwrap();
    assert!(!html.contains("尚未设置服务地址"));
}

#[tokio::test]
async fn a_plain_first_start_loads_no_demo_data_and_demo_data_loads_it() {
    let app = spawn_prepared(|_| {}).await;
    let (_, list) = app.get_json("/api/compounds").await;
    assert_eq!(list["total"], 0, "{list}");
    let site = jiugai::db::site::load(&app.db, &app.settings)
        .await
        .unwrap();
    assert!(!site.demo_data && site.placeholder);

    let app = spawn_prepared(|s| s.demo_data = true).await;
    let (_, list) = app.get_json("/api/compounds").await;
    assert_eq!(list["total"], 410, "the demo set");
    let site = jiugai::db::site::load(&app.db, &app.settings)
        .await
        .unwrap();
    assert!(site.demo_data, "recorded in the database");
    let admin = app.sign_in("admin1").await;
    let html = app.browse(&admin.cookie, "/").await.text().await.unwrap();
    assert!(html.contains(DEMO_NOTE));
}

/// An administrator at a desk on a fresh county: the banner sends them to 首次设置, they fill it in through the
/// form and the banner is gone. Screenshots go to `target/screenshots/setup-*.png`.
#[tokio::test]
async fn an_admin_completes_the_first_start_page_in_the_browser() {
    use fantoccini::Locator;

    use crate::browser::{desk_browser, follow, screenshot_path, sign_in, text_of};

    let Some((_driver, client)) = desk_browser().await else {
        return;
    };
    let app = spawn_prepared(|_| {}).await;
    sign_in(&client, &app, "admin1").await;
    let banner = text_of(&client, ".site-warning").await;
    assert!(banner.contains("首次设置"), "{banner}");
    let shot = |name: &'static str| {
        let client = client.clone();
        async move {
            std::fs::write(
                screenshot_path(name),
                client.screenshot().await.expect("screenshot"),
            )
            .expect("save the screenshot");
        }
    };
    shot("setup-banner.png").await;
    follow(&client, ".site-warning a[href=\"/setup\"]").await;
    for (name, value) in [
        ("county", COUNTY),
        ("county_code", "45039"),
        ("authority", AUTHORITY),
        ("code_prefix", PREFIX),
        ("number_prefix", "某住建公"),
        ("phone", "0773-2812345"),
        ("base_url", "https://jiugai.example.gov.cn"),
    ] {
        let field = client
            .find(Locator::Css(&format!("[name=\"{name}\"]")))
            .await
            .expect(name);
        field.clear().await.expect("clear");
        field.send_keys(value).await.expect("type");
    }
    follow(&client, "#setup button[type=submit]").await;
    let alert = text_of(&client, "#setup").await;
    assert!(alert.contains("6 位行政区划代码"), "{alert}");
    shot("setup-refused.png").await;
    let field = client
        .find(Locator::Css("[name=\"county_code\"]"))
        .await
        .expect("county_code");
    field.send_keys("9").await.expect("type");
    follow(&client, "#setup button[type=submit]").await;
    let done = text_of(&client, "main").await;
    assert!(done.contains("首次设置已完成"), "{done}");
    assert!(done.contains("某住建公"), "{done}");
    shot("setup-done.png").await;
    let footer = text_of(&client, "footer").await;
    assert!(footer.contains(COUNTY), "{footer}");
    assert!(
        client.find(Locator::Css(".site-warning")).await.is_err(),
        "no banner once set up"
    );
}
