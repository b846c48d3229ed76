//! The compound pages that write: a planner creates a compound with a pasted ring, edits its facts with an
//! uploaded GeoJSON or KML boundary, records its survey, scope (an overridden quantity needs a reason), consent
//! and category, and archives it — each through the API's checks and audit; a refused form comes back as itself,
//! a stale one as 409.

use serde_json::{Value, json};

use crate::helpers::{Browser, TestApp, anonymous, spawn_app};

const RING: &str = "104.30,30.30 104.301,30.30 104.301,30.3008 104.30,30.3008";

fn facts(code: &str) -> Vec<(&'static str, String)> {
    vec![
        ("code", code.to_owned()),
        ("name", "表单测试小区".to_owned()),
        ("town_code", "511421001".to_owned()),
        ("community", "文林社区".to_owned()),
        ("address", "文林街道测试路 8 号".to_owned()),
        ("year_built", "1993".to_owned()),
        ("buildings", "4".to_owned()),
        ("households", "120".to_owned()),
        ("floor_area_m2", "9600".to_owned()),
        ("storeys", "6".to_owned()),
        ("has_lifts", "no".to_owned()),
        ("property_management", "self".to_owned()),
        ("origin", "housing_reform".to_owned()),
    ]
}

fn set(form: &mut [(&'static str, String)], key: &str, value: &str) {
    let field = form.iter_mut().find(|(k, _)| *k == key).expect("a field");
    field.1 = value.to_owned();
}

fn refs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Posts an upload form (`multipart/form-data`) with one file, as a browser does.
async fn post_upload(
    app: &TestApp,
    browser: &Browser,
    path: &str,
    fields: &[(&str, &str)],
    file: (&str, &str),
) -> reqwest::Response {
    let boundary = "----jiugai-test-boundary";
    let mut body = String::new();
    for (k, v) in fields.iter().chain([&("csrf", browser.csrf.as_str())]) {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"boundary_file\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n{}\r\n--{boundary}--\r\n",
        file.0, file.1
    ));
    anonymous()
        .post(app.url(path))
        .header("cookie", format!("jiugai_session={}", browser.cookie))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("upload")
}

async fn compound(app: &TestApp, code: &str) -> Value {
    let (status, c) = app.get_json(&format!("/api/compounds/{code}")).await;
    assert_eq!(status, 200, "{c}");
    c
}

async fn log_of(app: &TestApp, code: &str) -> Vec<Value> {
    app.audit(&format!("entity=compound&entity_id={code}"))
        .await["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn create(app: &TestApp, planner: &Browser, code: &str) {
    let mut form = facts(code);
    form.push(("boundary_text", RING.to_owned()));
    let r = app
        .post_form(planner, "/compounds", &refs(&form), true)
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(
        r.headers()["location"],
        format!("/compounds/{code}").as_str()
    );
}

#[tokio::test]
async fn a_planner_creates_a_compound_with_a_pasted_ring_and_finds_it_listed_and_audited() {
    let app = spawn_app().await;
    let planner = app.sign_in("planner1").await;
    create(&app, &planner, "RS-PAGE1").await;

    let c = compound(&app, "RS-PAGE1").await;
    assert_eq!(c["name"], "表单测试小区");
    assert_eq!(c["town"], "文林街道");
    assert_eq!(c["geometry"]["type"], "Polygon");
    assert_eq!(c["geometry"]["coordinates"][0].as_array().unwrap().len(), 5);
    assert!(c["site_area_m2"].as_f64().unwrap() > 1000.0);

    let page = app.browse(&planner.cookie, "/compounds/RS-PAGE1").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<svg") && html.contains("边界示意"),
        "the outline is drawn"
    );
    assert!(
        html.contains("href=\"/compounds/RS-PAGE1/edit\""),
        "an edit link"
    );

    let list = app.browse(&planner.cookie, "/compounds?q=表单测试").await;
    let html = list.text().await.unwrap();
    assert!(html.contains("RS-PAGE1"), "listed");
    assert!(
        html.contains("href=\"/compounds/new\""),
        "a 新建小区 link for planners"
    );

    let log = log_of(&app, "RS-PAGE1").await;
    assert_eq!(
        (log[0]["action"].as_str(), log[0]["actor"].as_str()),
        (Some("create"), Some("planner1"))
    );

    // An admin reads the pages without the forms.
    let admin = app.sign_in("admin1").await;
    let html = app
        .browse(&admin.cookie, "/compounds/RS-PAGE1")
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("action=\"/compounds/RS-PAGE1/survey\""));
    let html = app
        .browse(&admin.cookie, "/compounds/new")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("由规划员办理") && !html.contains("action=\"/compounds\""));
}

#[tokio::test]
async fn a_self_intersecting_boundary_comes_back_beside_its_field_with_the_outline_drawn() {
    let app = spawn_app().await;
    let planner = app.sign_in("planner1").await;
    let bowtie = "104.30,30.30 104.301,30.3008 104.301,30.30 104.30,30.3008";
    let mut form = facts("RS-BOWTIE");
    form.push(("boundary_text", bowtie.to_owned()));
    let r = app
        .post_form(&planner, "/compounds", &refs(&form), true)
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    let field = html.find("name=\"boundary_text\"").expect("the field");
    let label_end = field + html[field..].find("</label>").unwrap();
    assert!(
        html[field..label_end].contains("自相交"),
        "the message stands beside the boundary: {}",
        &html[field..label_end]
    );
    assert!(html.contains(bowtie), "what was typed is kept");
    assert!(html.contains("表单测试小区"));
    assert!(
        html.contains("所填边界的示意"),
        "the typed outline is drawn"
    );
    assert_eq!(app.get_json("/api/compounds/RS-BOWTIE").await.0, 404);

    // Numbers that are not numbers, beside their fields.
    let mut form = facts("RS-BOWTIE");
    set(&mut form, "households", "很多");
    form.push((
        "boundary_text",
        "104.30,30.30 104.x,30.30 104.301,30.3008".to_owned(),
    ));
    let r = app
        .post_form(&planner, "/compounds", &refs(&form), true)
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("第 2 个坐标"), "the bad coordinate is named");
    assert!(html.contains("须为整数"), "the households are named");
}

#[tokio::test]
async fn facts_are_edited_with_an_uploaded_geojson_and_a_kml_file_and_a_stale_edit_is_refused() {
    let app = spawn_app().await;
    let planner = app.sign_in("planner1").await;
    create(&app, &planner, "RS-PAGE2").await;
    let before = compound(&app, "RS-PAGE2").await;
    let version = before["version"].to_string();

    let geojson = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[104.31,30.31],[104.3125,30.31],[104.3125,30.3115],[104.31,30.3115],[104.31,30.31]]]}}]}"#;
    let mut form = facts("RS-PAGE2");
    form.retain(|(k, _)| *k != "code");
    set(&mut form, "name", "改过名的小区");
    form.push(("version", version.clone()));
    let r = post_upload(
        &app,
        &planner,
        "/compounds/RS-PAGE2",
        &refs(&form),
        ("boundary.geojson", geojson),
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let after = compound(&app, "RS-PAGE2").await;
    assert_eq!(after["name"], "改过名的小区");
    assert_eq!(after["geometry"]["coordinates"][0][1][0], 104.3125);
    assert!(after["site_area_m2"].as_f64() > before["site_area_m2"].as_f64());

    let kml = r#"<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>小区</name><Polygon><outerBoundaryIs><LinearRing>
<coordinates>104.32,30.32,0 104.321,30.32,0 104.321,30.321,0 104.32,30.321,0 104.32,30.32,0</coordinates>
</LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>"#;
    let mut form = facts("RS-PAGE2");
    form.retain(|(k, _)| *k != "code");
    form.push(("version", after["version"].to_string()));
    let r = post_upload(
        &app,
        &planner,
        "/compounds/RS-PAGE2",
        &refs(&form),
        ("boundary.kml", kml),
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let kmled = compound(&app, "RS-PAGE2").await;
    assert_eq!(kmled["geometry"]["coordinates"][0][0][0], 104.32);

    // No new boundary: the stored one stays.
    let mut form = facts("RS-PAGE2");
    form.retain(|(k, _)| *k != "code");
    set(&mut form, "households", "130");
    form.push(("version", kmled["version"].to_string()));
    let r = app
        .post_form(&planner, "/compounds/RS-PAGE2", &refs(&form), true)
        .await;
    assert_eq!(r.status(), 303);
    let kept = compound(&app, "RS-PAGE2").await;
    assert_eq!(kept["households"], 130);
    assert_eq!(kept["geometry"], kmled["geometry"]);

    // The first page's version again: refused, with what changed since.
    let mut form = facts("RS-PAGE2");
    form.retain(|(k, _)| *k != "code");
    form.push(("version", version));
    let r = app
        .post_form(&planner, "/compounds/RS-PAGE2", &refs(&form), true)
        .await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("action=\"/compounds/RS-PAGE2\""),
        "the form comes back"
    );
    assert!(
        html.contains("已被修改") && html.contains("户数：120 → 130"),
        "{html}"
    );
    assert_eq!(compound(&app, "RS-PAGE2").await["households"], 130);

    let log = log_of(&app, "RS-PAGE2").await;
    let actions: Vec<&str> = log.iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions, ["update", "update", "update", "create"]);
}

#[tokio::test]
async fn survey_scope_consent_category_and_archive_are_recorded_through_their_forms() {
    let app = spawn_app().await;
    let planner = app.sign_in("planner1").await;
    create(&app, &planner, "RS-PAGE3").await;
    let v = |c: &Value| c["version"].to_string();

    // The survey: two rows filled, the empty rows left out; the compound counts as surveyed.
    let c = compound(&app, "RS-PAGE3").await;
    let version = v(&c);
    let survey = [
        ("version", version.as_str()),
        ("surveyed_on", "2021-03-15"),
        ("d0_code", "roof_leak"),
        ("d0_severity", "safety"),
        ("d0_note", "顶楼漏水"),
        ("d1_code", ""),
        ("d1_severity", "function"),
        ("d1_note", ""),
        ("d2_code", "lighting_poor"),
        ("d2_severity", "amenity"),
        ("d2_note", "夜间照明不足"),
    ];
    let r = app
        .post_form(&planner, "/compounds/RS-PAGE3/survey", &survey, true)
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let c = compound(&app, "RS-PAGE3").await;
    assert_eq!(c["survey"]["deficits"].as_array().unwrap().len(), 2);
    assert_eq!(c["survey"]["deficits"][1]["code"], "lighting_poor");
    assert_eq!(c["status"], "surveyed");

    // The scope: roof repair derived, a quantity changed without a reason is refused.
    let page = app
        .browse(&planner.cookie, "/compounds/RS-PAGE3/scope")
        .await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("基础类") && html.contains("提升类"));
    assert!(
        html.contains(">1600<"),
        "the roof's derived quantity (9600 ÷ 6)"
    );
    let version = v(&c);
    let no_reason = [
        ("version", version.as_str()),
        ("action", "save"),
        ("pick_B01", "yes"),
        ("qty_B01", "1800"),
        ("pick_U05", "yes"),
    ];
    let r = app
        .post_form(&planner, "/compounds/RS-PAGE3/scope", &no_reason, true)
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("须说明理由"), "the reason is asked for");
    assert!(html.contains("value=\"1800\""), "the quantity is kept");
    assert!(
        compound(&app, "RS-PAGE3").await["scope"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // 重新计算: the page with the new estimate, nothing saved.
    let recalc = [
        ("version", version.as_str()),
        ("action", "recalc"),
        ("pick_B01", "yes"),
        ("qty_B01", ""),
    ];
    let r = app
        .post_form(&planner, "/compounds/RS-PAGE3/scope", &recalc, true)
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("重新计算的结果（尚未保存）"));
    assert!(html.contains("512,000.00"), "1600 m² × 320 元");
    assert!(
        compound(&app, "RS-PAGE3").await["scope"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let with_reason = [
        ("version", version.as_str()),
        ("action", "save"),
        ("pick_B01", "yes"),
        ("qty_B01", "1800"),
        ("reason_B01", "含楼梯间屋面"),
        ("pick_U05", "yes"),
    ];
    let r = app
        .post_form(&planner, "/compounds/RS-PAGE3/scope", &with_reason, true)
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let c = compound(&app, "RS-PAGE3").await;
    assert_eq!(c["scope"][0]["quantity"], 1800.0);
    assert_eq!(c["scope"][0]["reason"], "含楼梯间屋面");
    assert!(c["scope"][1]["quantity"].is_null(), "U05 derived");
    assert_eq!(c["category"], "upgrade");
    assert!(c["estimated_cost_yuan"].as_f64().unwrap() > 288_000.0);

    // The consent record, and the verdict against the policy.
    let version = v(&c);
    let consent = [
        ("version", version.as_str()),
        ("recorded_on", "2021-04-01"),
        ("owners_total", "120"),
        ("area_total_m2", "9000"),
        ("participating_owners", "100"),
        ("participating_area_m2", "8000"),
        ("agreeing_owners", "90"),
        ("agreeing_area_m2", "7000"),
    ];
    let r = app
        .post_form(&planner, "/compounds/RS-PAGE3/consent", &consent, true)
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let c = compound(&app, "RS-PAGE3").await;
    assert_eq!(c["consent"]["agreeing_owners"], 90);
    let html = app
        .browse(&planner.cookie, "/compounds/RS-PAGE3")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("达到“双三分之二参与、双四分之三同意”"),
        "the verdict"
    );

    // The category filed under another class, with its reason.
    let version = v(&c);
    let category = [
        ("version", version.as_str()),
        ("category", "basic"),
        ("reason", "先行实施基础类，提升类列入下一批"),
    ];
    let r = app
        .post_form(&planner, "/compounds/RS-PAGE3/category", &category, true)
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let c = compound(&app, "RS-PAGE3").await;
    assert_eq!(c["category"], "basic");
    assert_eq!(c["category_derived"], "upgrade");

    // Archiving: a stale page is refused, a confirmed current one archives.
    let stale = [("version", "1"), ("confirm", "yes")];
    let r = app
        .post_form(&planner, "/compounds/RS-PAGE3/archive", &stale, true)
        .await;
    assert_eq!(r.status(), 409);
    let version = v(&c);
    let archive = [("version", version.as_str()), ("confirm", "yes")];
    let r = app
        .post_form(&planner, "/compounds/RS-PAGE3/archive", &archive, true)
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(compound(&app, "RS-PAGE3").await["archived"], true);

    let log = log_of(&app, "RS-PAGE3").await;
    let actions: Vec<&str> = log.iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(
        actions,
        ["archive", "update", "update", "update", "update", "create"]
    );
    assert!(log.iter().all(|e| e["actor"] == "planner1"));
}

/// Once works begin, the scope is the contract's: the page shows it without the form, and a post is refused.
#[tokio::test]
async fn a_compound_under_way_keeps_its_contracted_scope() {
    let app = spawn_app().await;
    let planner = app.sign_in("planner1").await;
    let (_, done) = app
        .get_json("/api/compounds?status=completed&per_page=1")
        .await;
    let code = done["items"][0]["code"].as_str().unwrap().to_owned();
    let c = compound(&app, &code).await;
    let page = app
        .browse(&planner.cookie, &format!("/compounds/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("改造内容明细") && !page.contains("编辑改造内容"));
    let scope = app
        .browse(&planner.cookie, &format!("/compounds/{code}/scope"))
        .await
        .text()
        .await
        .unwrap();
    assert!(scope.contains("以施工合同为准"), "{scope}");
    assert!(!scope.contains("value=\"save\""));
    let version = c["version"].to_string();
    let r = app
        .post_form(
            &planner,
            &format!("/compounds/{code}/scope"),
            &[
                ("version", version.as_str()),
                ("action", "save"),
                ("pick_B01", "yes"),
            ],
            true,
        )
        .await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("以施工合同为准"));
    assert_eq!(
        compound(&app, &code).await["version"],
        c["version"],
        "nothing written"
    );
    // The API is held to the same rule: a scope changed there is refused, the same record otherwise is taken.
    let path = format!("/api/compounds/{code}");
    let tag = format!("\"{version}\"");
    let mut edit = c.clone();
    edit["scope"] = json!([{"item": "B01"}]);
    let (status, body) = app
        .send_json(reqwest::Method::PUT, &path, &edit, Some(&tag))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("conflict")),
        "{body}"
    );
    assert!(body["message"].as_str().unwrap().contains("以施工合同为准"));
    let mut renamed = c.clone();
    renamed["address"] = json!("仁寿县文林街道新门牌 8 号");
    let (status, body) = app
        .send_json(reqwest::Method::PUT, &path, &renamed, Some(&tag))
        .await;
    assert_eq!(status, 200, "{body}");
}
