//! Spreadsheets: the import template downloaded, filled and uploaded (refused naming every bad cell, nothing
//! written; then previewed and confirmed), and every .xlsx export read back — with calamine and, when it is
//! installed, with LibreOffice.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use reqwest::Method;
use rust_xlsxwriter::Workbook;
use serde_json::{Value, json};

use crate::helpers::{Browser, TestApp, anonymous, spawn_app};

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A sheet of a workbook as text cells, header first.
pub fn sheet(bytes: &[u8], name: &str) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("an .xlsx");
    let range = book
        .worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name}: {e}"));
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                    Data::DateTime(d) => format!("serial:{}", d.as_f64()),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// Downloads `path` in `browser`'s session: checks it is an .xlsx attachment with a UTF-8 file name.
pub async fn download(app: &TestApp, browser: &Browser, path: &str) -> Vec<u8> {
    let r = app.browse(&browser.cookie, path).await;
    assert_eq!(r.status(), 200, "{path}");
    assert_eq!(r.headers()["content-type"], XLSX, "{path}");
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment;") && disposition.contains("filename*=UTF-8''%"),
        "{path}: {disposition}"
    );
    r.bytes().await.unwrap().to_vec()
}

/// A `multipart/form-data` body: text fields, then files (field, file name, bytes).
pub fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----jiugai-test-boundary-7d93";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, filename, bytes) in files {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend(*bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub async fn post_multipart(
    app: &TestApp,
    browser: &Browser,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> reqwest::Response {
    let mut all = fields.to_vec();
    all.push(("csrf", browser.csrf.as_str()));
    let (kind, body) = multipart(&all, files);
    anonymous()
        .post(app.url("/compounds/import"))
        .header("cookie", format!("jiugai_session={}", browser.cookie))
        .header("content-type", kind)
        .body(body)
        .send()
        .await
        .expect("upload")
}

/// A workbook with sheet “小区”: `headers`, then `rows` (a number stays a number).
pub fn workbook(headers: &[String], rows: &[Vec<Value>]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("小区").unwrap();
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(0, c as u16, h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match v {
                Value::Number(n) => {
                    sheet.write_number(r, c, n.as_f64().unwrap()).unwrap();
                }
                Value::String(s) if !s.is_empty() => {
                    sheet.write_string(r, c, s).unwrap();
                }
                _ => {}
            }
        }
    }
    book.save_to_buffer().unwrap()
}

/// Two new compounds, in the template's column order (编号 … 居民诉求数).
pub fn new_rows() -> Vec<Vec<Value>> {
    vec![
        vec![
            json!("RS-9101"),
            json!("表格导入甲小区"),
            json!("511421001"),
            json!("文林街道"),
            json!("文林社区"),
            json!("陵州路 88 号"),
            json!(1995),
            json!(4),
            json!(160),
            json!(12800.0),
            json!(6),
            json!("无"),
            json!("无物业"),
            json!("单位集资房"),
            json!("2021-03-01"),
            json!("roof_leak：安全隐患；lighting_poor：品质提升：路灯不足"),
            json!("B01；I11×2"),
            json!(2),
        ],
        vec![
            json!("RS-9102"),
            json!("表格导入乙小区"),
            json!("511421001"),
            json!("文林街道"),
            json!("东坡社区"),
            json!(""),
            json!(1989),
            json!(2),
            json!(48),
            json!(3600.0),
            json!(5),
            json!("有"),
            json!("居民自治"),
            json!("房改房"),
            json!(""),
            json!(""),
            json!("B01"),
            json!(""),
        ],
    ]
}

/// Boundaries for the new compounds, far from the generated ones.
pub fn boundaries() -> Vec<u8> {
    let square = |lon: f64| json!({"type": "Polygon", "coordinates": [[[lon, 30.30], [lon + 0.001, 30.30], [lon + 0.001, 30.3008], [lon, 30.3008], [lon, 30.30]]]});
    serde_json::to_vec(&json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "RS-9101"}, "geometry": square(104.40)},
        {"type": "Feature", "properties": {"code": "RS-9102"}, "geometry": square(104.42)},
    ]}))
    .unwrap()
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("{name} on the page"))
        + marker.len();
    // As a browser reads the attribute: the template's escapes undone.
    html[start..start + html[start..].find('"').unwrap()]
        .replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

async fn count(app: &TestApp) -> u64 {
    app.get_json("/api/compounds?per_page=1&include_archived=true")
        .await
        .1["total"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn the_template_comes_back_filled_refused_cell_by_cell_then_previewed_and_imported() {
    let app = spawn_app().await;
    let planner = app.sign_in("planner1").await;
    let template = download(&app, &planner, "/compounds/import/template.xlsx").await;
    let rows = sheet(&template, "小区");
    let headers = rows[0].clone();
    assert_eq!(
        &headers[..10],
        [
            "编号",
            "名称",
            "镇街代码",
            "镇街",
            "社区",
            "地址",
            "建成年份",
            "楼栋数",
            "户数",
            "建筑面积（㎡）"
        ]
    );
    for h in ["有无电梯", "物业管理", "来源", "调查日期", "存在问题"] {
        assert!(headers.iter().any(|x| x == h), "{h} in {headers:?}");
    }
    let listed = app.get_json("/api/compounds?per_page=1").await.1["total"]
        .as_u64()
        .unwrap();
    assert_eq!(rows.len() as u64 - 1, listed, "one row per compound");
    let notes = sheet(&template, "说明");
    let text = notes.concat().join(" ");
    for word in ["物业公司", "单位集资房", "安全隐患", "roof_leak"] {
        assert!(text.contains(word), "说明 names {word}");
    }
    assert!(sheet(&template, "示例").len() >= 2, "example rows");

    // An existing compound's row, as the template has it, with one change; and two new compounds.
    let existing = rows[1].clone();
    let col = |h: &str| headers.iter().position(|x| x == h).unwrap();
    let mut changed: Vec<Value> = existing.iter().map(|c| json!(c)).collect();
    let households: i64 = existing[col("户数")].parse().unwrap();
    changed[col("户数")] = json!(households + 7);
    // The template's numbers come back as numbers.
    for h in ["建成年份", "楼栋数", "户数", "建筑面积（㎡）", "层数"] {
        if let Some(n) = changed[col(h)].as_str().and_then(|s| s.parse::<f64>().ok()) {
            changed[col(h)] = json!(n);
        }
    }
    if let Some(serial) = changed[col("调查日期")]
        .as_str()
        .and_then(|s| s.strip_prefix("serial:"))
    {
        let days: f64 = serial.parse().unwrap();
        let date = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap()
            + chrono::Duration::days(days as i64);
        changed[col("调查日期")] = json!(date.to_string());
    }
    let mut good = vec![changed.clone()];
    good.extend(new_rows());
    let headers_used: Vec<String> = headers.clone();
    assert_eq!(
        headers_used.len(),
        good[1].len(),
        "the test's rows follow the template's columns"
    );

    // Three bad cells, in three rows.
    let mut bad = good.clone();
    bad[0][col("户数")] = json!("很多");
    bad[1][col("来源")] = json!("城堡");
    bad[2][col("建成年份")] = json!(1800);
    let before = app.snapshot().await;
    let audit_before = app.audit("").await["total"].clone();
    let r = post_multipart(
        &app,
        &planner,
        &[],
        &[
            ("file", "导入.xlsx", &workbook(&headers, &bad)),
            ("boundary", "边界.geojson", &boundaries()),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    let letter = |h: &str| (b'A' + col(h) as u8) as char;
    for (row, header) in [(2, "户数"), (3, "来源"), (4, "建成年份")] {
        let place = format!(
            "工作表“小区”第 {row} 行 “{header}”（{} 列）",
            letter(header)
        );
        assert!(
            html.contains(&place),
            "{place} named in the page: {}",
            &html[html.find("form-alert").unwrap_or(0)..]
        );
    }
    assert!(
        html.contains("action=\"/compounds/import\""),
        "the form comes back"
    );
    assert_eq!(app.snapshot().await, before, "nothing written");
    assert_eq!(
        app.audit("").await["total"],
        audit_before,
        "nothing audited"
    );

    // No file chosen: the form says so.
    let r = post_multipart(&app, &planner, &[], &[]).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("请选择要导入的电子表格文件")
    );

    // A new compound without its boundary is refused by its row.
    let r = post_multipart(
        &app,
        &planner,
        &[],
        &[("file", "导入.xlsx", &workbook(&headers, &good))],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("工作表“小区”第 3 行") && html.contains("没有边界"),
        "{html}"
    );

    // The good file: a preview, nothing written yet.
    let total = count(&app).await;
    let r = post_multipart(
        &app,
        &planner,
        &[],
        &[
            ("file", "导入.xlsx", &workbook(&headers, &good)),
            ("boundary", "边界.geojson", &boundaries()),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("导入预览"), "a preview");
    assert!(html.contains("表格导入甲小区") && html.contains("RS-9102"));
    assert!(
        html.contains(&format!("户数：{households} → {}", households + 7)),
        "the change is shown"
    );
    assert_eq!(count(&app).await, total, "a preview writes nothing");
    let fields: Vec<(&str, String)> = [
        "step",
        "xlsx_name",
        "xlsx_b64",
        "xlsx_sha256",
        "geojson_b64",
        "geojson_sha256",
    ]
    .into_iter()
    .map(|n| (n, hidden(&html, n)))
    .collect();
    // A damaged copy is refused.
    let mut damaged: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    damaged[3].1 = "00";
    let r = post_multipart(&app, &planner, &damaged, &[]).await;
    assert_eq!(r.status(), 422);
    assert_eq!(count(&app).await, total);

    let confirm: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = post_multipart(&app, &planner, &confirm, &[]).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(to, "/compounds/import?created=2&updated=1&unchanged=0");
    let page = app.browse(&planner.cookie, &to).await.text().await.unwrap();
    assert!(page.contains("新建 2 个小区，更新 1 个"));
    assert_eq!(count(&app).await, total + 2);
    let (status, one) = app.get_json("/api/compounds/RS-9101").await;
    assert_eq!(status, 200);
    assert_eq!(one["households"], 160);
    assert_eq!(one["origin"], "unit_fundraised");
    assert_eq!(one["survey"]["deficits"][0]["severity"], "safety");
    assert_eq!(one["survey"]["deficits"][1]["note"], "路灯不足");
    let (_, other) = app.get_json("/api/compounds/RS-9102").await;
    assert_eq!(other["has_lifts"], true);
    assert_eq!(other["property_management"], "self");
    let (_, old) = app
        .get_json(&format!("/api/compounds/{}", existing[0]))
        .await;
    assert_eq!(old["households"].as_i64(), Some(households + 7));
    for code in ["RS-9101", "RS-9102"] {
        let created = app
            .audit(&format!("action=import_create&entity_id={code}"))
            .await;
        assert_eq!(created["total"], 1, "audited as the GeoJSON import is");
    }
    let updated = app
        .audit(&format!("action=import_update&entity_id={}", existing[0]))
        .await;
    assert_eq!(updated["total"], 1);

    // The same file again changes nothing.
    let r = post_multipart(&app, &planner, &confirm, &[]).await;
    assert_eq!(
        r.headers()["location"],
        "/compounds/import?created=0&updated=0&unchanged=3"
    );

    // The CLI reads the same file and names the same cells.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("小区.xlsx");
    std::fs::write(&file, workbook(&headers, &bad)).unwrap();
    let out = app.cli(&["import", "compounds", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(&format!(
            "工作表“小区”第 2 行 “户数”（{} 列）",
            letter("户数")
        )),
        "{said}"
    );
    assert!(
        said.contains("第 3 行 “来源”") && said.contains("第 4 行 “建成年份”"),
        "{said}"
    );
}

/// A scenario over two years (run on creation).
pub async fn scenario(app: &TestApp) -> i64 {
    let (status, s) = app
        .send_json(
            Method::POST,
            "/api/scenarios",
            &json!({"name": "表格方案", "horizon": {"years": [
                {"year": 2023, "budget_yuan": 100_000_000}, {"year": 2024, "budget_yuan": 80_000_000}]}}),
            None,
        )
        .await;
    assert_eq!(status, 201, "{s}");
    s["id"].as_i64().unwrap()
}

/// Every export, downloaded: (path, sheet, workbook).
pub async fn exports(app: &TestApp) -> Vec<(String, &'static str, Vec<u8>)> {
    let planner = app.sign_in("planner1").await;
    let admin = app.sign_in("admin1").await;
    let id = scenario(app).await;
    let mut out = Vec::new();
    for (path, who, name) in [
        (
            "/compounds.xlsx?town=511421001&sort=-households".to_owned(),
            &planner,
            "小区名录",
        ),
        (format!("/plans/{id}.xlsx"), &planner, "年度汇总"),
        (
            "/bureau/satisfaction.xlsx".to_owned(),
            &planner,
            "满意度评价",
        ),
        (
            "/bureau/objections.xlsx".to_owned(),
            &planner,
            "待答复的居民意见",
        ),
        (
            "/admin/audit.xlsx?entity=scenario".to_owned(),
            &admin,
            "审计日志",
        ),
    ] {
        let bytes = download(app, who, &path).await;
        out.push((path, name, bytes));
    }
    out
}

#[tokio::test]
async fn every_export_reads_back_with_its_headers_and_values() {
    let app = spawn_app().await;
    let all = exports(&app).await;
    let by = |p: &str| all.iter().find(|(path, _, _)| path.starts_with(p)).unwrap();

    let (_, name, bytes) = by("/compounds.xlsx");
    let rows = sheet(bytes, name);
    assert_eq!(
        &rows[0][..10],
        [
            "编号",
            "名称",
            "镇街",
            "社区",
            "地址",
            "建成年份",
            "楼栋数",
            "户数",
            "建筑面积（㎡）",
            "层数"
        ]
    );
    assert!(rows[0].iter().any(|h| h == "估算投资（元）") && rows[0].iter().any(|h| h == "优先级"));
    let (_, list) = app
        .get_json("/api/compounds?town=511421001&per_page=500")
        .await;
    assert_eq!(
        rows.len() as u64 - 1,
        list["total"].as_u64().unwrap(),
        "every matching row, not one page"
    );
    assert!(rows[1..].iter().all(|r| r[2] == "文林街道"));
    let households: Vec<i64> = rows[1..].iter().map(|r| r[7].parse().unwrap()).collect();
    assert!(
        households.windows(2).all(|w| w[0] >= w[1]),
        "sorted as asked"
    );
    let status_col = rows[0].iter().position(|h| h == "状态").unwrap();
    assert!(
        rows[1..].iter().all(|r| !r[status_col].is_ascii()),
        "statuses by name"
    );

    let (path, name, bytes) = by("/plans/");
    let years = sheet(bytes, name);
    assert_eq!(
        years[0],
        [
            "年度",
            "小区数",
            "户数",
            "投资（元）",
            "预算（元）",
            "预算结余（元）"
        ]
    );
    assert_eq!(years[1][0], "2023");
    assert_eq!(years[1][4], "100000000", "{path}");
    let placed = sheet(bytes, "小区安排");
    assert_eq!(
        placed[0],
        [
            "编号",
            "名称",
            "年度",
            "安排情况",
            "估算投资（元）",
            "户数",
            "优先级",
            "理由"
        ]
    );
    assert!(placed[1..].iter().all(|r| !r[2].is_empty()));
    assert!(
        placed.len() > 1 && placed[1..].iter().any(|r| !r[7].is_ascii()),
        "reasons in Chinese"
    );

    let (_, name, bytes) = by("/bureau/satisfaction");
    let rows = sheet(bytes, name);
    assert_eq!(
        rows[0],
        [
            "编号",
            "小区",
            "项目",
            "批次",
            "评价数",
            "工程质量",
            "施工扰民",
            "沟通公开",
            "综合"
        ]
    );
    assert_eq!(rows.last().unwrap()[1], "合计");

    let (_, name, bytes) = by("/bureau/objections");
    let rows = sheet(bytes, name);
    assert_eq!(
        rows[0],
        [
            "收到时间",
            "公示",
            "公示编号",
            "类型",
            "楼栋/单元",
            "内容",
            "公示期截止"
        ]
    );

    let (_, name, bytes) = by("/admin/audit");
    let rows = sheet(bytes, name);
    assert_eq!(rows[0][..4], ["编号", "时间（北京时间）", "操作人", "账号"]);
    assert!(rows.len() >= 2, "the scenario's creation is there");
    assert!(
        rows[1..].iter().all(|r| r[7] == "方案" || !r[7].is_ascii()),
        "{:?}",
        rows[1]
    );
    assert!(rows[1][1].starts_with("serial:"), "times are dates");
}

#[tokio::test]
async fn libreoffice_opens_every_export() {
    let soffice = std::path::Path::new("/usr/bin/soffice");
    if !soffice.exists() {
        eprintln!(
            "*** LibreOffice (/usr/bin/soffice) is missing: the LibreOffice export test is SKIPPED ***"
        );
        return;
    }
    let app = spawn_app().await;
    let all = exports(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let profile = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, (_, _, bytes)) in all.iter().enumerate() {
        let file = dir.path().join(format!("export{i}.xlsx"));
        std::fs::write(&file, bytes).unwrap();
        files.push(file);
    }
    let out = std::process::Command::new(soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.path().display()
        ))
        .args([
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1",
            "--outdir",
        ])
        .arg(dir.path())
        .args(&files)
        .output()
        .expect("soffice runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // LibreOffice quotes every text cell; the values are compared without the quotes.
    let csv = |i: usize| {
        std::fs::read_to_string(dir.path().join(format!("export{i}.csv")))
            .unwrap_or_else(|e| panic!("export{i}.csv: {e}"))
            .replace('"', "")
    };
    // The compound list and the plan kept, to be opened and looked at (column widths, formats).
    let shots = crate::browser::screenshot_path("sheets");
    std::fs::create_dir_all(&shots).unwrap();
    for f in &files[..2] {
        std::fs::copy(f, shots.join(f.file_name().unwrap())).unwrap();
    }
    let compounds = csv(0);
    let first = compounds.lines().next().unwrap();
    assert!(
        first.starts_with("编号,名称,镇街,社区,地址,建成年份,楼栋数,户数,建筑面积（㎡）"),
        "{first}"
    );
    assert!(compounds.contains("文林街道"));
    assert!(compounds.contains(" ㎡"), "areas shown in ㎡");
    let plan = csv(1);
    assert!(
        plan.starts_with("年度,小区数,户数,投资（元）,预算（元）,预算结余（元）"),
        "{plan}"
    );
    assert!(
        plan.contains("2023") && plan.contains(",100,000,000.00,"),
        "money with separators: {plan}"
    );
    assert!(csv(2).starts_with("编号,小区,项目,批次,评价数,工程质量,施工扰民,沟通公开,综合"));
    assert!(csv(3).starts_with("收到时间,公示,公示编号,类型,楼栋/单元,内容,公示期截止"));
    let audit = csv(4);
    assert!(
        audit.starts_with("编号,时间（北京时间）,操作人,账号"),
        "{audit}"
    );
    let second = audit.lines().nth(1).unwrap();
    let time = second.split(',').nth(1).unwrap();
    assert!(
        time.len() == 16 && time.as_bytes()[4] == b'-' && time.as_bytes()[13] == b':',
        "a date and time as shown: {time}"
    );
}
