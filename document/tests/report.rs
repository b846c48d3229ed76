//! The report (the monthly return) as a reader sees it: the page size through pdfinfo, the text through pdftotext.

mod common;

use common::samples;
use common::{TempPdf, have, page_texts, run, squeeze};
use jiugai_document::{RenderError, render_report};

fn pdf(report: &jiugai_document::Report) -> TempPdf {
    let bytes = render_report(report).expect("the sample report renders");
    assert!(bytes.starts_with(b"%PDF-"));
    TempPdf::new(&bytes)
}

fn page_size(pdf: &TempPdf) -> String {
    let info = run("pdfinfo", &[pdf.path.to_string_lossy().as_ref()]);
    info.lines()
        .find(|l| l.starts_with("Page size:"))
        .expect("a page size")
        .to_owned()
}

#[test]
fn the_return_is_landscape_under_the_bureau_s_header() {
    let report = samples::report(18);
    let pdf = pdf(&report);
    if have(
        "pdfinfo",
        "the_return_is_landscape_under_the_bureau_s_header",
    ) {
        let size = page_size(&pdf);
        assert!(size.contains("841.89 x 595.27"), "not A4 landscape: {size}");
    }
    if !have(
        "pdftotext",
        "the_return_is_landscape_under_the_bureau_s_header",
    ) {
        return;
    }
    let text = squeeze(&page_texts(&pdf).concat());
    for needle in [
        "仁寿县住房和城乡建设局",
        "草稿：尚未报送",
        "仁寿县城镇老旧小区改造进度月报",
        "2021年6月（自1月1日起累计，截至2021年6月30日）",
        "全县合计",
        "已支付工程款",
        "说明",
        "金额按万元四舍五入",
    ] {
        assert!(text.contains(needle), "{needle} missing");
    }
    for caption in ["表1", "改造进度", "表2", "资金到位与支付"] {
        assert!(text.contains(caption), "{caption} missing");
    }
    for town in samples::TOWNS {
        assert!(text.contains(town), "{town} missing");
    }
}

#[test]
fn the_county_row_reads_as_one_line_of_right_figures() {
    if !have(
        "pdftotext",
        "the_county_row_reads_as_one_line_of_right_figures",
    ) {
        return;
    }
    let report = samples::report(18);
    let pdf = pdf(&report);
    let path = pdf.path.to_string_lossy().into_owned();
    let text = run("pdftotext", &["-layout", &path, "-"]);
    let row: Vec<&str> = text
        .lines()
        .find(|l| l.trim_start().starts_with("全县合计"))
        .expect("the total row")
        .split_whitespace()
        .collect();
    assert_eq!(row, samples::progress_row("全县合计", 99));
}

#[test]
fn a_long_table_repeats_its_header_on_every_page_and_numbers_them() {
    if !have(
        "pdftotext",
        "a_long_table_repeats_its_header_on_every_page_and_numbers_them",
    ) {
        return;
    }
    let pdf = pdf(&samples::report(90));
    let pages: Vec<String> = page_texts(&pdf).iter().map(|p| squeeze(p)).collect();
    assert!(pages.len() >= 3, "90 towns take more than two pages");
    let with_rows: Vec<usize> = (0..pages.len())
        .filter(|&i| samples::TOWNS.iter().any(|t| pages[i].contains(t)))
        .collect();
    assert!(with_rows.len() >= 2, "rows on {with_rows:?}");
    for &i in &with_rows {
        for header in ["乡镇", "小区数", "开工率", "（万元）"] {
            assert!(
                pages[i].contains(header),
                "page {} holds rows but no header {header}",
                i + 1
            );
        }
    }
    for (i, page) in pages.iter().enumerate() {
        let footer = format!("第{}页共{}页", i + 1, pages.len());
        assert!(page.contains(&footer), "page {} lacks {footer}", i + 1);
        if i > 0 {
            // The running header names the bureau on every page after the first.
            assert!(page.contains("仁寿县住房和城乡建设局"), "page {}", i + 1);
        }
    }
}

#[test]
fn a_long_name_wraps_in_its_cell_and_is_printed_whole() {
    let mut report = samples::report(5);
    let long = "某某县某某镇某某社区某某路某某号某某单位职工宿舍片区";
    report.tables[0].rows[2][0] = long.into();
    let pdf = pdf(&report);
    if !have(
        "pdftotext",
        "a_long_name_wraps_in_its_cell_and_is_printed_whole",
    ) {
        return;
    }
    // In drawing order (-raw) the cell's lines follow each other: nothing of the name is lost or clipped. That it
    // wraps inside its column rather than running over the figures is the layout's unit test.
    let path = pdf.path.to_string_lossy().into_owned();
    let raw = squeeze(&run("pdftotext", &["-raw", &path, "-"]));
    assert!(raw.contains(long), "{long} not printed whole");
}

#[test]
fn a_report_of_narrow_tables_stays_portrait() {
    let mut report = samples::report(3);
    report.tables.remove(0);
    let pdf = pdf(&report);
    if !have("pdfinfo", "a_report_of_narrow_tables_stays_portrait") {
        return;
    }
    let size = page_size(&pdf);
    assert!(
        size.contains("595.27") && size.contains("x 841.89"),
        "{size}"
    );
}

#[test]
fn the_same_report_gives_the_same_bytes_and_a_character_the_font_lacks_is_refused() {
    let report = samples::report(18);
    let first = render_report(&report).expect("renders");
    let _other = render_report(&samples::report(40)).expect("renders");
    assert_eq!(first, render_report(&report).expect("renders"));
    let stored = serde_json::to_string(&report).expect("serialises");
    let restored: jiugai_document::Report = serde_json::from_str(&stored).expect("deserialises");
    assert_eq!(render_report(&restored).expect("renders"), first);

    let mut bad = samples::report(5);
    bad.tables[0].rows[3][0] = "𠀀家镇".into();
    match render_report(&bad) {
        Err(RenderError::MissingGlyphs(missing)) => {
            assert_eq!(missing[0].field, "tables[0].rows[3][0]");
            assert_eq!(missing[0].ch, '𠀀');
        }
        other => panic!("expected MissingGlyphs, got {other:?}"),
    }
}
