//! The work order's summary shows where the project's money comes from: each funding source the project's page
//! lists with its amount in 万元 and its share of the estimate (read back with poppler's pdftotext when installed).

use serde_json::Value;

use crate::helpers::spawn_app;
use crate::work_orders::{pdf_pages, squeeze};

fn fen(yuan: &Value) -> i64 {
    (yuan.as_f64().unwrap() * 100.0).round() as i64
}

/// Fen as 万元 to the hundredth, thousands grouped.
fn wan(fen: i64) -> String {
    let hundredths = (fen + 5_000).div_euclid(10_000);
    let whole = (hundredths / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{grouped}.{:02}", hundredths % 100)
}

#[tokio::test]
async fn a_work_order_lists_the_project_s_funding_by_source() {
    let app = spawn_app().await;
    let (_, orders) = app.get_json("/api/work-orders?year=2021").await;
    let order = &orders["items"].as_array().expect("orders")[0];
    let number = order["number"].as_str().unwrap();
    let project = order["project"].as_str().unwrap();
    let (status, p) = app.get_json(&format!("/api/projects/{project}")).await;
    assert_eq!(status, 200, "{p}");
    let funding = &p["funding"];
    let mut lines: Vec<(String, i64)> = funding["shares"]
        .as_array()
        .expect("the project's split")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                fen(&s["amount_yuan"]),
            )
        })
        .filter(|(_, f)| *f != 0)
        .collect();
    let gap = fen(&funding["unfunded_yuan"]);
    if gap > 0 {
        lines.push(("资金缺口".to_owned(), gap));
    }
    assert!(
        lines.len() >= 2,
        "the demo splits a project among sources: {funding}"
    );
    let total: i64 = lines.iter().map(|(_, f)| f).sum();

    let r = app.get(&format!("/api/work-orders/{number}/pdf")).await;
    assert_eq!(r.status(), 200);
    let pdf = r.bytes().await.unwrap();
    let Some(pages) = pdf_pages(&pdf) else {
        eprintln!(
            "SKIPPED: pdftotext is not installed — the work order's funding table was not read back \
             (a_work_order_lists_the_project_s_funding_by_source)"
        );
        return;
    };
    let text = pages.concat();
    assert!(
        squeeze(&text).contains("资金来源金额（万元）占比"),
        "no funding table"
    );
    let (mut printed_sum, mut shares_sum) = (0i64, 0i64);
    for (name, amount) in &lines {
        let row: Vec<&str> = text
            .lines()
            .find(|l| l.trim_start().starts_with(name.as_str()))
            .unwrap_or_else(|| panic!("{name} missing from order {number}"))
            .split_whitespace()
            .collect();
        assert_eq!(row.len(), 3, "{row:?}");
        assert_eq!(row[0], name, "order {number}");
        // Amount and share as the exact figures rounded, at most one last digit off where the printed lines
        // are made to add up to the printed total.
        let printed: i64 = row[1].replace([',', '.'], "").parse().unwrap();
        let rounded: i64 = wan(*amount).replace([',', '.'], "").parse().unwrap();
        assert!(
            (printed - rounded).abs() <= 1,
            "{name}: {} for {}",
            row[1],
            wan(*amount)
        );
        let share: i64 = row[2]
            .trim_end_matches('%')
            .replace('.', "")
            .parse()
            .unwrap();
        let exact = (2000 * amount + total) / (2 * total);
        assert!(
            (share - exact).abs() <= 1,
            "{name}: {} for {exact}‰",
            row[2]
        );
        printed_sum += printed;
        shares_sum += share;
    }
    assert_eq!(shares_sum, 1000, "the shares add up to 100.0%");
    let total_row: Vec<&str> = text
        .lines()
        .find(|l| l.trim_start().starts_with("合计") && l.contains('%'))
        .expect("the funding total")
        .split_whitespace()
        .collect();
    assert_eq!(total_row, ["合计", &wan(total), "100.0%"]);
    let total_printed: i64 = wan(total).replace([',', '.'], "").parse().unwrap();
    assert_eq!(
        printed_sum, total_printed,
        "the lines add up to the total as printed"
    );
}
