//! The request poster (问需于民 海报) and the deputies' ballot (人大代表票决票) as a reader sees them: pages through
//! pdfinfo, text through pdftotext, each page's QR code through pdftoppm and zbarimg.

mod common;

use std::process::Command;

use chrono::NaiveDate;
use common::{TempPdf, page_texts, run, squeeze};
use jiugai_document::{
    Ballot, BallotCandidate, Poster, RenderError, money, render_ballot, render_poster,
};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

fn poster() -> Poster {
    Poster {
        authority: "仁寿县住房和城乡建设局".into(),
        compound: "工行小区".into(),
        address: "仁寿县文林街道陵州路112号".into(),
        url: "https://jiugai.renshou.gov.cn/c/RS-0001".into(),
        phone: "028-36222222".into(),
        date: date(2021, 9, 1),
    }
}

/// Town, project, households, investment in 万元, main works.
const PROJECTS: &[(&str, &str, i64, i64, &str)] = &[
    (
        "文林街道",
        "文林街道工行小区等3个小区改造项目",
        486,
        1_260,
        "屋面防水、管网改造、加装电梯 6 部",
    ),
    (
        "怀仁街道",
        "怀仁街道粮站宿舍片区改造项目",
        312,
        845,
        "雨污分流、道路修复、增设停车位 80 个",
    ),
    (
        "普宁街道",
        "普宁街道农机厂生活区改造项目",
        228,
        536,
        "外墙整治、楼道改造、安防监控",
    ),
    (
        "视高街道",
        "视高街道供销社片区等2个小区改造项目",
        405,
        1_180,
        "供水管网、燃气入户、充电设施",
    ),
    (
        "富加镇",
        "富加镇老街小区改造项目",
        176,
        318,
        "屋面防水、路灯照明、适老化改造",
    ),
    (
        "汪洋镇",
        "汪洋镇粮站小区改造项目",
        154,
        302,
        "雨污分流、绿化提升、垃圾分类收集点",
    ),
    (
        "文林街道",
        "文林街道陵州路片区老旧小区改造项目",
        1_120,
        2_480,
        "“三线”下地、外墙整治、加装电梯 12 部",
    ),
    (
        "怀仁街道",
        "怀仁街道二轻局宿舍改造项目",
        268,
        612,
        "楼道整治、消防设施、信报箱",
    ),
    (
        "普宁街道",
        "普宁街道水电公司宿舍等4个小区改造项目",
        532,
        1_430,
        "管网改造、道路修复、文化休闲设施",
    ),
    (
        "视高街道",
        "视高街道电力公司宿舍改造项目",
        198,
        455,
        "屋面防水、燃气管道、非机动车棚",
    ),
    (
        "富加镇",
        "富加镇卫生院职工宿舍改造项目",
        132,
        316,
        "外墙整治、照明设施、无障碍通道",
    ),
    (
        "汪洋镇",
        "汪洋镇供销社宿舍改造项目",
        146,
        338,
        "供电线路改造、安防监控、绿化提升",
    ),
    (
        "文林街道",
        "文林街道人民医院宿舍片区改造项目",
        640,
        1_960,
        "屋面防水、加装电梯 8 部、物业用房",
    ),
];

/// A ballot of `candidates` projects (the 13 above, over and over), 10 places (fewer when there are fewer
/// candidates), for the serial `numbers`.
fn ballot(candidates: usize, numbers: &[u32], a3: bool) -> Ballot {
    Ballot {
        title: "仁寿县2022年城镇老旧小区改造民生实事项目票决票".into(),
        session: "仁寿县第十八届人民代表大会第六次会议".into(),
        places: 10.min(candidates as u32 - 1),
        candidates: (0..candidates)
            .map(|i| {
                let (town, name, households, wan, works) = PROJECTS[i % PROJECTS.len()];
                BallotCandidate {
                    number: i as u32 + 1,
                    name: name.into(),
                    town: town.into(),
                    households,
                    investment_fen: wan * 1_000_000 + 37_500 * i as i64,
                    description: works.into(),
                }
            })
            .collect(),
        numbers: numbers.to_vec(),
        qr: "https://jiugai.renshou.gov.cn/ballots/2022/{number}".into(),
        a3,
        date: date(2022, 1, 10),
    }
}

/// Whether `tool` runs; if not, says loudly that (part of) `test` is skipped.
fn have(tool: &str, test: &str) -> bool {
    let found = Command::new(tool).arg("-v").output().is_ok();
    if !found {
        eprintln!(
            "\n*** {test} SKIPPED: {tool} is missing (poppler-utils / zbar-tools; .ci/run installs them) ***\n"
        );
    }
    found
}

fn page_count(pdf: &TempPdf) -> usize {
    let info = run("pdfinfo", &[pdf.path.to_string_lossy().as_ref()]);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo gives the page count")
}

/// Whether the pages are `paper` ("A4", "A3") portrait, as pdfinfo reads the first page.
fn is_portrait(pdf: &TempPdf, paper: &str) -> bool {
    let info = run("pdfinfo", &[pdf.path.to_string_lossy().as_ref()]);
    let line = info
        .lines()
        .find_map(|l| l.strip_prefix("Page size:"))
        .expect("a page size");
    let sides: Vec<f32> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    line.contains(&format!("({paper})")) && sides.len() == 2 && sides[0] < sides[1]
}

/// What the QR code on each page says, page by page (150 dpi, as a phone sees a print).
fn codes_per_page(pdf: &TempPdf, pages: usize) -> Vec<String> {
    let path = pdf.path.to_string_lossy().into_owned();
    let stem = pdf.path.with_extension("").to_string_lossy().into_owned();
    run("pdftoppm", &["-r", "150", "-png", &path, &stem]);
    (1..=pages)
        .map(|page| {
            let png = [
                format!("{stem}-{page}.png"),
                format!("{stem}-{page:02}.png"),
            ]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .unwrap_or_else(|| panic!("pdftoppm wrote no page {page}"));
            run("zbarimg", &["--quiet", "--raw", &png])
                .trim_end_matches('\n')
                .to_owned()
        })
        .collect()
}

#[test]
fn the_poster_is_one_page_saying_what_to_do_and_its_code_opens_the_compound_s_page() {
    const TEST: &str =
        "the_poster_is_one_page_saying_what_to_do_and_its_code_opens_the_compound_s_page";
    let poster = poster();
    let pdf = TempPdf::new(&render_poster(&poster).expect("the poster renders"));
    if have("pdfinfo", TEST) {
        assert_eq!(page_count(&pdf), 1);
        assert!(is_portrait(&pdf, "A4"), "not A4 portrait");
    }
    if have("pdftotext", TEST) {
        let text = squeeze(&page_texts(&pdf).concat());
        for needle in [
            "老旧小区改造·问需于民",
            "工行小区",
            "仁寿县文林街道陵州路112号",
            "您的小区哪里需要改？扫码告诉我们",
            "选择或填写需要改造的内容、楼栋单元和手机号",
            "提交后可在同一页面查看答复",
            "手机号仅用于联系核实，不会公开",
            "https://jiugai.renshou.gov.cn/c/RS-0001",
            "咨询电话：028-36222222",
            "仁寿县住房和城乡建设局",
            "2021年9月1日",
        ] {
            assert!(text.contains(needle), "{needle} missing from {text}");
        }
    }
    if have("pdftoppm", TEST) && have("zbarimg", TEST) {
        assert_eq!(codes_per_page(&pdf, 1), [poster.url]);
    }
}

#[test]
fn three_a4_ballots_each_carry_their_own_number_and_code() {
    const TEST: &str = "three_a4_ballots_each_carry_their_own_number_and_code";
    let ballot = ballot(13, &[6, 7, 8], false);
    let pdf = TempPdf::new(&render_ballot(&ballot).expect("the ballots render"));
    if have("pdfinfo", TEST) {
        assert_eq!(
            page_count(&pdf),
            3,
            "13 candidates fit one A4 page per ballot"
        );
        assert!(is_portrait(&pdf, "A4"), "not A4 portrait");
    }
    if have("pdftotext", TEST) {
        let pages = page_texts(&pdf);
        assert_eq!(pages.len(), 3);
        for (page, number) in pages.iter().zip(["No.0006", "No.0007", "No.0008"]) {
            let text = squeeze(page);
            assert!(text.contains(number), "{number} missing from {text}");
            for needle in [
                "仁寿县2022年城镇老旧小区改造民生实事项目票决票",
                "仁寿县第十八届人民代表大会第六次会议",
                "赞成的项目不得超过10个，超过的本票无效",
                "所在镇（街道）",
                "总投资（万元）",
                "主要改造内容",
                "本次共13个候选项目，应选10个",
                "2022年1月10日",
            ] {
                assert!(text.contains(needle), "{needle} missing from {number}");
            }
            assert!(!text.contains("第2页"), "one page per ballot");
        }
        // In drawing order, so a name wrapped inside its cell reads whole.
        let path = pdf.path.to_string_lossy().into_owned();
        for page in ["1", "2", "3"] {
            let raw = squeeze(&run(
                "pdftotext",
                &["-raw", "-f", page, "-l", page, &path, "-"],
            ));
            for c in &ballot.candidates {
                let row = format!("{}{}", squeeze(&c.name), c.town);
                assert!(raw.contains(&row), "{row} missing from page {page}");
            }
        }
        // Figures as the bureau writes them, right of their row's town.
        let layout = run("pdftotext", &["-layout", "-f", "1", "-l", "1", &path, "-"]);
        let seventh = &ballot.candidates[6];
        let households = money::whole(seventh.households);
        let investment = money::wan_figures(seventh.investment_fen);
        let row = layout
            .lines()
            .find(|l| l.contains(&households))
            .expect("candidate 7's figures");
        let at = |needle: &str| {
            row.find(needle)
                .unwrap_or_else(|| panic!("{needle} not in {row}"))
        };
        assert!(
            at("文林街道") < at(&households) && at(&households) < at(&investment),
            "{row}"
        );
        assert_eq!(money::wan_figures(seventh.investment_fen), "2,480.23");
    }
    if have("pdftoppm", TEST) && have("zbarimg", TEST) {
        assert_eq!(
            codes_per_page(&pdf, 3),
            [
                "https://jiugai.renshou.gov.cn/ballots/2022/0006",
                "https://jiugai.renshou.gov.cn/ballots/2022/0007",
                "https://jiugai.renshou.gov.cn/ballots/2022/0008",
            ]
        );
    }
}

#[test]
fn fifteen_candidates_fit_one_a4_page_and_thirty_flow_onto_a_second_with_the_header_and_number() {
    const TEST: &str = "fifteen_candidates_fit_one_a4_page_and_thirty_flow_onto_a_second_with_the_header_and_number";
    let fifteen = TempPdf::new(&render_ballot(&ballot(15, &[1], false)).expect("renders"));
    let thirty = ballot(30, &[7, 8], false);
    let pdf = TempPdf::new(&render_ballot(&thirty).expect("renders"));
    if have("pdfinfo", TEST) {
        assert_eq!(page_count(&fifteen), 1);
    }
    if !have("pdftotext", TEST) {
        return;
    }
    let pages: Vec<String> = page_texts(&pdf).iter().map(|p| squeeze(p)).collect();
    assert_eq!(pages.len(), 4, "two pages for each of two ballots");
    for (i, page) in pages.iter().enumerate() {
        let number = if i < 2 { "No.0007" } else { "No.0008" };
        assert!(page.contains(number), "page {} lacks {number}", i + 1);
        for header in ["序号", "项目名称", "赞成", "反对", "弃权"] {
            assert!(page.contains(header), "page {} lacks {header}", i + 1);
        }
        let footer = format!("第{}页共2页", i % 2 + 1);
        assert!(page.contains(&footer), "page {} lacks {footer}", i + 1);
    }
    assert!(pages[1].contains("（续）") && pages[1].contains("第2页"));
    assert!(pages[1].contains("本次共30个候选项目，应选10个"));
    if have("pdftoppm", TEST) && have("zbarimg", TEST) {
        let codes = codes_per_page(&pdf, 4);
        let seven = thirty.qr_for(7);
        let eight = thirty.qr_for(8);
        assert_eq!(codes, [seven.clone(), seven, eight.clone(), eight]);
    }
}

#[test]
fn an_a3_ballot_is_a3_portrait_and_holds_more_rows_on_a_page() {
    const TEST: &str = "an_a3_ballot_is_a3_portrait_and_holds_more_rows_on_a_page";
    let ballot = ballot(24, &[12], true);
    let pdf = TempPdf::new(&render_ballot(&ballot).expect("renders"));
    if have("pdfinfo", TEST) {
        assert_eq!(page_count(&pdf), 1, "24 candidates fit one A3 page");
        assert!(is_portrait(&pdf, "A3"), "not A3 portrait");
    }
    if have("pdftotext", TEST) {
        let text = squeeze(&page_texts(&pdf).concat());
        assert!(text.contains("No.0012") && text.contains("本次共24个候选项目，应选10个"));
    }
    if have("pdftoppm", TEST) && have("zbarimg", TEST) {
        assert_eq!(
            codes_per_page(&pdf, 1),
            ["https://jiugai.renshou.gov.cn/ballots/2022/0012"]
        );
    }
}

#[test]
fn a_character_the_font_lacks_is_refused_naming_the_field() {
    let mut p = poster();
    p.compound = "𠀀家小区".into();
    match render_poster(&p) {
        Err(RenderError::MissingGlyphs(missing)) => {
            let found: Vec<(&str, char)> =
                missing.iter().map(|m| (m.field.as_str(), m.ch)).collect();
            assert_eq!(found, [("compound", '𠀀')]);
        }
        other => panic!("expected MissingGlyphs, got {other:?}"),
    }
    assert!(poster().missing_glyphs().is_empty());

    let mut b = ballot(13, &[1], false);
    b.candidates[4].description = "屋面防水\u{7}".into();
    match render_ballot(&b) {
        Err(RenderError::MissingGlyphs(missing)) => {
            assert_eq!(missing[0].field, "candidates[4].description");
            assert_eq!(missing[0].ch, '\u{7}');
        }
        other => panic!("expected MissingGlyphs, got {other:?}"),
    }
}

#[test]
fn a_ballot_that_cannot_be_voted_or_counted_is_refused_saying_why() {
    type Spoil = fn(&mut Ballot);
    let cases: [(&str, Spoil, &str); 7] = [
        ("no places", |b| b.places = 0, "places"),
        ("as many places as candidates", |b| b.places = 13, "places"),
        ("more places than candidates", |b| b.places = 20, "places"),
        ("no serial numbers", |b| b.numbers.clear(), "numbers"),
        (
            "a serial number twice",
            |b| b.numbers = vec![1, 2, 1],
            "numbers[2]",
        ),
        (
            "two candidates numbered alike",
            |b| b.candidates[5].number = 2,
            "candidates[5].number",
        ),
        (
            "a QR content without the number",
            |b| b.qr = "https://x/ballots/2022".into(),
            "qr",
        ),
    ];
    for (case, spoil, field) in cases {
        let mut b = ballot(13, &[1, 2, 3], false);
        spoil(&mut b);
        match render_ballot(&b) {
            Err(RenderError::Invalid { field: f, message }) => {
                assert_eq!(f, field, "{case}");
                assert!(
                    message
                        .chars()
                        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                    "{case}: the message should be Chinese: {message}"
                );
            }
            other => panic!("{case}: expected Invalid, got {other:?}"),
        }
    }
    assert!(ballot(13, &[1, 2, 3], false).validate().is_ok());
}

#[test]
fn the_same_ballots_give_the_same_bytes() {
    let b = ballot(13, &[1, 2], false);
    assert_eq!(
        render_ballot(&b).expect("renders"),
        render_ballot(&b).expect("renders")
    );
    assert_eq!(
        render_poster(&poster()).expect("renders"),
        render_poster(&poster()).expect("renders")
    );
}

/// Writes the samples to /tmp/docs19 for a look (`cargo test -p jiugai-document --test poster_ballot -- --ignored`).
#[test]
#[ignore]
fn write_samples_for_a_look() {
    let dir = std::path::Path::new("/tmp/docs19");
    std::fs::create_dir_all(dir).expect("create the folder");
    let mut long = poster();
    long.compound = "仁寿县人民医院职工宿舍片区".into();
    let files = [
        ("poster.pdf", render_poster(&poster())),
        ("poster-long-name.pdf", render_poster(&long)),
        (
            "poster-specimen.pdf",
            jiugai_document::render_poster_on(&poster(), jiugai_document::Paper { specimen: true }),
        ),
        (
            "ballot-a4.pdf",
            render_ballot(&ballot(13, &[6, 7, 8], false)),
        ),
        ("ballot-a4-15.pdf", render_ballot(&ballot(15, &[1], false))),
        ("ballot-a4-30.pdf", render_ballot(&ballot(30, &[7], false))),
        ("ballot-a3.pdf", render_ballot(&ballot(13, &[12], true))),
        ("ballot-a3-30.pdf", render_ballot(&ballot(30, &[12], true))),
    ];
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes.expect("renders")).expect("write");
    }
}
