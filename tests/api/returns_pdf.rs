//! The monthly return (月报) as a PDF through the front door: a staff member downloads June 2021 of the demo data;
//! it is a PDF under the bureau's header, and its county row carries the figures the JSON API gives for the same
//! month (read back with poppler's pdftotext when it is installed).

use serde_json::Value;

use crate::helpers::spawn_app;
use crate::work_orders::{pdf_pages, squeeze};

/// "1,234,567": thousands grouped, as the bureau prints whole numbers.
fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A figure with two decimals, thousands grouped: "12,345.60".
fn decimal(x: f64) -> String {
    let text = format!("{x:.2}");
    let (whole, fraction) = text.split_once('.').unwrap();
    format!("{}.{fraction}", grouped(whole.parse().unwrap()))
}

/// Fen as 万元 to the hundredth, rounded half up: "33,000.00".
fn wan(fen: &Value) -> String {
    let fen = fen.as_i64().unwrap();
    let hundredths = (fen + 5_000).div_euclid(10_000);
    format!("{}.{:02}", grouped(hundredths / 100), hundredths % 100)
}

/// The county row as the API states it, cell by cell, in the printed order.
fn county_cells(c: &Value) -> Vec<String> {
    let mut cells = vec!["全县合计".to_owned()];
    for stage in ["planned", "started", "completed"] {
        let counts = &c[stage];
        for what in ["compounds", "buildings", "households"] {
            cells.push(grouped(counts[what].as_i64().unwrap()));
        }
        cells.push(decimal(counts["floor_area_m2"].as_f64().unwrap()));
    }
    for rate in ["start_rate_compounds", "start_rate_households"] {
        cells.push(decimal(c[rate].as_f64().unwrap() * 100.0));
    }
    cells.push(wan(&c["investment_planned_fen"]));
    cells.push(wan(&c["investment_completed_fen"]));
    cells
}

#[tokio::test]
async fn a_staff_member_prints_the_return_and_its_county_row_has_the_api_s_figures() {
    let app = spawn_app().await;
    let planner = app.sign_in("planner1").await;
    let r = app
        .browse(&planner.cookie, "/returns.pdf?month=2021-06")
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("inline;") && disposition.contains("monthly-return-2021-06.pdf"),
        "{disposition}"
    );
    let pdf = r.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");

    let Some(pages) = pdf_pages(&pdf) else {
        eprintln!(
            "SKIPPED: pdftotext is not installed — the figures of /returns.pdf were not read back \
             (a_staff_member_prints_the_return_and_its_county_row_has_the_api_s_figures)"
        );
        return;
    };
    let (status, json) = app.get_json("/api/returns/monthly?month=2021-06").await;
    assert_eq!(status, 200, "{json}");
    let c = &json["county"];
    assert!(
        c["planned"]["compounds"].as_i64().unwrap() > 0,
        "the demo's 2021 batch plans compounds: {c}"
    );

    let all = pages.concat();
    let text = squeeze(&all);
    for needle in [
        "仁寿县住房和城乡建设局",
        "仁寿县城镇老旧小区改造进度月报",
        "2021年6月（自1月1日起累计，截至2021年6月30日）",
        "表1改造进度",
        "表2改造成效",
        "表3资金到位与支付",
    ] {
        assert!(text.contains(needle), "{needle} missing from the PDF");
    }
    // Under the bureau's name, which version this is: the demo filed June on July 5.
    assert!(
        text.contains("第1版·2021-07-0510:00报送·报送人住建局计划财务股"),
        "no status line: {text}"
    );
    // The county row, laid out as one line: every cell the API's figure, in the workbook's column order.
    let row: Vec<&str> = all
        .lines()
        .find(|l| l.trim_start().starts_with("全县合计"))
        .expect("the county row")
        .split_whitespace()
        .collect();
    assert_eq!(row, county_cells(c));
    // Every town has its row, and the funds table the county's received and paid totals.
    for town in json["towns"].as_array().unwrap() {
        let name = town["town"].as_str().unwrap();
        assert!(text.contains(name), "{name} missing");
    }
    let line_of = |label: &str| -> Vec<String> {
        all.lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("{label} missing"))
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(
        line_of("到位资金合计"),
        ["到位资金合计".to_owned(), wan(&json["received_fen"])]
    );
    assert_eq!(
        line_of("已支付工程款"),
        ["已支付工程款".to_owned(), wan(&json["paid_fen"])]
    );
    let footer = format!("第1页共{}页", pages.len());
    assert!(squeeze(&pages[0]).contains(&footer), "{footer} missing");
}

#[tokio::test]
async fn a_month_that_is_no_month_is_refused() {
    let app = spawn_app().await;
    let planner = app.sign_in("planner1").await;
    let r = app
        .browse(&planner.cookie, "/returns.pdf?month=2021-13")
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("不是月份"));
}
