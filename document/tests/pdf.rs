//! The documents as a reader sees them: text through pdftotext, fonts through pdffonts, the QR
//! code through zbarimg.

mod common;

use common::samples;
use common::{TempPdf, have, page_texts, run, squeeze};
use jiugai_document::{RenderError, money, render_notice, render_work_order};

fn work_order_pdf(rows: usize) -> (jiugai_document::WorkOrder, TempPdf) {
    let order = samples::work_order(rows);
    let bytes = render_work_order(&order).expect("the sample order renders");
    assert!(bytes.starts_with(b"%PDF-"));
    (order, TempPdf::new(&bytes))
}

#[test]
fn the_work_order_shows_the_compounds_the_scope_and_the_total() {
    if !have(
        "pdftotext",
        "the_work_order_shows_the_compounds_the_scope_and_the_total",
    ) {
        return;
    }
    let (order, pdf) = work_order_pdf(25);
    let text = squeeze(&page_texts(&pdf).concat());
    for site in &order.sites {
        assert!(text.contains(&site.name), "{} missing", site.name);
        assert!(text.contains(&site.code), "{} missing", site.code);
    }
    for row in &order.scope {
        assert!(
            text.contains(&squeeze(&row.name)),
            "scope item {} missing",
            row.name
        );
    }
    assert!(
        text.contains(&money::figures(order.total_fen)),
        "total in figures missing"
    );
    assert!(
        text.contains(&money::capitals(order.total_fen)),
        "total in capitals missing"
    );
    assert!(
        text.contains(&money::capitals(order.contract_amount_fen)),
        "contract amount missing"
    );
    assert!(text.contains("编号：RS-2021-0031（第2版）"));
    assert!(text.contains("发包单位（盖章）") && text.contains("施工单位（盖章）"));
}

#[test]
fn a_long_scope_flows_over_pages_with_the_table_header_on_each() {
    if !have(
        "pdftotext",
        "a_long_scope_flows_over_pages_with_the_table_header_on_each",
    ) {
        return;
    }
    let (order, pdf) = work_order_pdf(60);
    let pages: Vec<String> = page_texts(&pdf).iter().map(|p| squeeze(p)).collect();
    let with_rows: Vec<usize> = (0..pages.len())
        .filter(|i| {
            order
                .scope
                .iter()
                .any(|r| pages[*i].contains(&squeeze(&r.name)))
        })
        .collect();
    assert!(
        with_rows.len() >= 2,
        "60 rows should need at least two pages, found rows on {with_rows:?}"
    );
    for i in with_rows {
        for header in ["序号", "项目名称", "单价（元）", "金额（元）"] {
            assert!(
                pages[i].contains(header),
                "page {} holds rows but no table header {header}",
                i + 1
            );
        }
    }
}

#[test]
fn every_page_is_numbered_with_the_page_count() {
    if !have("pdftotext", "every_page_is_numbered_with_the_page_count") {
        return;
    }
    let (_, pdf) = work_order_pdf(60);
    let pages = page_texts(&pdf);
    assert!(pages.len() >= 2);
    for (i, page) in pages.iter().enumerate() {
        let footer = format!("第{}页共{}页", i + 1, pages.len());
        assert!(
            squeeze(page).contains(&footer),
            "page {} lacks {footer}",
            i + 1
        );
    }
}

#[test]
fn a_superseded_order_says_so_on_every_page() {
    if !have("pdftotext", "a_superseded_order_says_so_on_every_page") {
        return;
    }
    let mut order = samples::work_order(40);
    order.superseded_by = Some(3);
    let pdf = TempPdf::new(&render_work_order(&order).expect("renders"));
    let pages = page_texts(&pdf);
    assert!(pages.len() >= 2);
    for (i, page) in pages.iter().enumerate() {
        assert!(
            squeeze(page).contains("本任务单已作废：已由第3版取代，仅供查阅"),
            "page {} lacks the banner",
            i + 1
        );
    }
    let current = TempPdf::new(&render_work_order(&samples::work_order(40)).expect("renders"));
    assert!(!squeeze(&page_texts(&current).concat()).contains("作废"));
}

#[test]
fn fonts_are_embedded_as_subsets() {
    if !have("pdffonts", "fonts_are_embedded_as_subsets") {
        return;
    }
    let (_, order) = work_order_pdf(25);
    let notice = TempPdf::new(&render_notice(&samples::notice()).expect("renders"));
    for pdf in [order, notice] {
        let listing = run("pdffonts", &[pdf.path.to_string_lossy().as_ref()]);
        let fonts: Vec<&str> = listing.lines().skip(2).collect();
        assert!(!fonts.is_empty(), "no fonts in {listing}");
        for line in fonts {
            let columns: Vec<&str> = line.split_whitespace().collect();
            // name type encoding emb sub uni object ID: the three yes/no columns come before the id.
            let n = columns.len();
            assert!(n >= 6, "unexpected pdffonts line {line}");
            assert_eq!(
                &columns[n - 5..n - 2],
                ["yes", "yes", "yes"],
                "not an embedded subset with ToUnicode: {line}"
            );
            assert!(columns[0].as_bytes()[6] == b'+', "no subset tag: {line}");
        }
    }
}

#[test]
fn a_batch_renders_in_parallel_to_the_same_bytes_in_order() {
    let orders = [
        samples::work_order(25),
        samples::work_order(3),
        samples::work_order(25),
    ];
    let done = std::sync::atomic::AtomicUsize::new(0);
    let rendered = jiugai_document::render_work_orders(&orders, &|| {
        done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    });
    assert_eq!(done.into_inner(), 3);
    let one_by_one: Vec<_> = orders.iter().map(render_work_order).collect();
    assert_eq!(rendered, one_by_one);
    assert_ne!(rendered[0], rendered[1]);
    assert!(jiugai_document::render_work_orders(&[], &|| ()).is_empty());
}

#[test]
fn documents_stay_small() {
    // The targets of issue 6: a notice and a work order each under 60 KB. Sizes are deterministic
    // (the same input gives the same bytes), so this is no timing test.
    let notice = render_notice(&samples::notice()).expect("renders");
    assert!(notice.len() < 45 * 1024, "notice: {} bytes", notice.len());
    let order = render_work_order(&samples::work_order(12)).expect("renders");
    assert!(order.len() < 60 * 1024, "work order: {} bytes", order.len());
}

#[test]
fn the_same_input_gives_the_same_bytes_whatever_was_rendered_before() {
    let a = samples::work_order(25);
    let mut b = samples::work_order(30);
    b.superseded_by = Some(3);
    let first = render_work_order(&a).expect("renders");
    let other = render_work_order(&b).expect("renders");
    let notice = render_notice(&samples::notice()).expect("renders");
    let again = render_work_order(&a).expect("renders");
    assert_eq!(
        first, again,
        "re-rendering the same order changed its bytes"
    );
    assert_ne!(first, other);
    assert_eq!(notice, render_notice(&samples::notice()).expect("renders"));
    // A stored order re-renders identically after a trip through JSON.
    let stored = serde_json::to_string(&a).expect("serialises");
    let restored: jiugai_document::WorkOrder = serde_json::from_str(&stored).expect("deserialises");
    assert_eq!(render_work_order(&restored).expect("renders"), first);
}

#[test]
fn the_metadata_comes_from_the_data_not_the_clock() {
    let bytes = render_work_order(&samples::work_order(5)).expect("renders");
    let text = String::from_utf8_lossy(&bytes);
    let squeezed = squeeze(&text);
    assert!(
        squeezed.contains("/CreationDate(D:20210301000000+00'00')"),
        "creation date not the issue date"
    );
    assert!(squeezed.contains("/ModDate(D:20210301000000+00'00')"));
    if !have(
        "pdfinfo",
        "the_metadata_comes_from_the_data_not_the_clock (pdfinfo part)",
    ) {
        return;
    }
    let pdf = TempPdf::new(&bytes);
    let info = run("pdfinfo", &[pdf.path.to_string_lossy().as_ref()]);
    assert!(
        info.contains("施工任务单 RS-2021-0031 第2版"),
        "title: {info}"
    );
    assert!(info.contains("仁寿县住房和城乡建设局"), "author: {info}");
    assert!(info.contains("Producer:        Jiugai"), "producer: {info}");
    assert!(info.contains("2021"), "dates: {info}");
}

#[test]
fn a_character_the_font_lacks_is_refused_naming_the_field() {
    let mut order = samples::work_order(5);
    order.sites[0].name = "𠀀家小区".into();
    order.scope[3].name = "屋面防水\u{7}".into();
    let missing = order.missing_glyphs();
    let found: Vec<(&str, char)> = missing.iter().map(|m| (m.field.as_str(), m.ch)).collect();
    assert_eq!(found, [("sites[0].name", '𠀀'), ("scope[3].name", '\u{7}')]);
    match render_work_order(&order) {
        Err(RenderError::MissingGlyphs(reported)) => assert_eq!(reported, missing),
        other => panic!("expected MissingGlyphs, got {other:?}"),
    }
    assert!(samples::work_order(25).missing_glyphs().is_empty());

    let mut notice = samples::notice();
    notice.table_rows[2][2] = "𠀀".into();
    match render_notice(&notice) {
        Err(RenderError::MissingGlyphs(reported)) => {
            assert_eq!(reported[0].field, "table_rows[2][2]")
        }
        other => panic!("expected MissingGlyphs, got {other:?}"),
    }
}

#[test]
fn the_notice_is_one_page_and_its_qr_code_scans_to_the_url() {
    let notice = samples::notice();
    let pdf = TempPdf::new(&render_notice(&notice).expect("renders"));
    if have(
        "pdftotext",
        "the_notice_is_one_page_and_its_qr_code_scans_to_the_url (text part)",
    ) {
        let pages = page_texts(&pdf);
        assert_eq!(pages.len(), 1, "the notice should fit one page");
        let text = squeeze(&pages[0]);
        for needle in [
            "扫码查看公示全文、提出意见",
            "公示期：2021年3月1日至2021年3月9日",
            "钢铁厂生活区",
            "第1页共1页",
        ] {
            assert!(text.contains(needle), "{needle} missing");
        }
    }
    if !have(
        "pdftoppm",
        "the_notice_is_one_page_and_its_qr_code_scans_to_the_url",
    ) || !have(
        "zbarimg",
        "the_notice_is_one_page_and_its_qr_code_scans_to_the_url",
    ) {
        return;
    }
    let path = pdf.path.to_string_lossy().into_owned();
    let stem = pdf.path.with_extension("").to_string_lossy().into_owned();
    run(
        "pdftoppm",
        &["-r", "150", "-png", "-f", "1", "-l", "1", &path, &stem],
    );
    let png = ["-1.png", "-01.png"]
        .iter()
        .map(|suffix| format!("{stem}{suffix}"))
        .find(|p| std::path::Path::new(p).exists())
        .expect("pdftoppm wrote the page");
    let decoded = run("zbarimg", &["--quiet", "--raw", &png]);
    assert_eq!(decoded.trim_end_matches('\n'), notice.url);
}

#[test]
fn the_work_order_summary_splits_the_estimate_by_funding_source() {
    if !have(
        "pdftotext",
        "the_work_order_summary_splits_the_estimate_by_funding_source",
    ) {
        return;
    }
    let (order, pdf) = work_order_pdf(12);
    let path = pdf.path.to_string_lossy().into_owned();
    let text = run("pdftotext", &["-layout", &path, "-"]);
    assert!(squeeze(&text).contains("资金来源金额（万元）占比"));
    let total: i64 = order.funding.iter().map(|s| s.amount_fen).sum();
    assert_eq!(total, order.total_fen);
    let shares = ["45.0%", "15.0%", "25.0%", "10.0%", "5.0%"];
    let mut printed = 0.0;
    for (share, percent) in order.funding.iter().zip(shares) {
        let row: Vec<&str> = text
            .lines()
            .find(|l| l.trim_start().starts_with(share.source.as_str()))
            .unwrap_or_else(|| panic!("{} missing", share.source))
            .split_whitespace()
            .collect();
        assert_eq!((row[0], row[2]), (share.source.as_str(), percent));
        // To the hundredth of 万元, one hundredth off where the lines are made to add up to the total.
        let amount: f64 = row[1].replace(',', "").parse().expect("a figure");
        let exact = share.amount_fen as f64 / 1_000_000.0;
        assert!(
            (amount - exact).abs() < 0.0151,
            "{}: {amount} for {exact}",
            share.source
        );
        printed += amount;
    }
    let printed_total: f64 = money::wan_figures(total)
        .replace(',', "")
        .parse()
        .expect("a figure");
    assert!(
        (printed - printed_total).abs() < 0.001,
        "the lines add up to the total"
    );
    let total_row: Vec<&str> = text
        .lines()
        .find(|l| l.trim_start().starts_with("合计") && l.contains("100.0%"))
        .expect("the funding total")
        .split_whitespace()
        .collect();
    assert_eq!(total_row, ["合计", &money::wan_figures(total), "100.0%"]);
}

#[test]
fn an_order_stored_before_the_funding_split_still_renders_without_the_table() {
    let mut order = samples::work_order(12);
    order.funding.clear();
    let json = serde_json::to_value(&order).expect("serialises");
    assert!(
        json.get("funding").is_none(),
        "an order without a split stores as it did before: {json}"
    );
    let stored = serde_json::to_string(&json).expect("serialises");
    let restored: jiugai_document::WorkOrder = serde_json::from_str(&stored).expect("deserialises");
    assert!(restored.funding.is_empty());
    let bytes = render_work_order(&restored).expect("renders");
    if !have(
        "pdftotext",
        "an_order_stored_before_the_funding_split_still_renders_without_the_table",
    ) {
        return;
    }
    let text = squeeze(&page_texts(&TempPdf::new(&bytes)).concat());
    assert!(text.contains("项目概况") && text.contains("改造类别"));
    assert!(
        !text.contains("资金来源"),
        "an empty funding table was drawn"
    );
}

/// Writes sample PDFs to /tmp/jiugai-samples for a look (`cargo test -p jiugai-document -- --ignored`).
#[test]
#[ignore]
fn write_samples_for_a_look() {
    let dir = std::path::Path::new("/tmp/jiugai-samples");
    std::fs::create_dir_all(dir).expect("create the folder");
    let mut superseded = samples::work_order(40);
    superseded.superseded_by = Some(3);
    let files = [
        ("order-8.pdf", render_work_order(&samples::work_order(8))),
        ("order-25.pdf", render_work_order(&samples::work_order(25))),
        ("order-60.pdf", render_work_order(&samples::work_order(60))),
        ("order-superseded.pdf", render_work_order(&superseded)),
        ("notice.pdf", render_notice(&samples::notice())),
        (
            "report-18.pdf",
            jiugai_document::render_report(&samples::report(18)),
        ),
        (
            "report-90.pdf",
            jiugai_document::render_report(&samples::report(90)),
        ),
    ];
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes.expect("renders")).expect("write");
    }
}
