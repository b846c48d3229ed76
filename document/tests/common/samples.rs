//! Realistic inputs shared by the tests and the benchmark (Renshou County, 2021 batch).

use chrono::NaiveDate;
use jiugai_document::{
    Contact, Contractor, FundingShare, Notice, Report, ReportColumn, ReportTable, ScopeRow, Site,
    WorkOrder,
};

/// The work-item catalog (fixtures/renshou/work_items.toml): code, name, unit, unit cost in yuan.
const CATALOG: &[(&str, &str, &str, i64)] = &[
    ("B01", "屋面防水及保温维修", "m²", 160),
    ("B02", "外墙立面整治", "m²", 130),
    ("B03", "楼道整治（粉刷、扶手、照明）", "户", 1800),
    ("B04", "供水管网及户表改造", "户", 3500),
    ("B05", "雨污分流及排水管网改造", "m", 850),
    ("B06", "供电线路改造及“三线”下地", "户", 3000),
    ("B07", "燃气管道改造", "户", 3000),
    ("B08", "消防设施改造及消防通道整治", "栋", 30000),
    ("B09", "小区道路及路面修复", "m²", 180),
    ("B10", "安防监控及门禁系统", "套", 120000),
    ("B11", "垃圾分类收集点", "处", 30000),
    ("B12", "光纤入户及通信线路整治", "户", 400),
    ("B13", "危险构件排险加固", "项", 50000),
    ("B14", "拆除违法建设", "m²", 80),
    ("I01", "绿化提升", "m²", 120),
    ("I02", "小区照明设施", "盏", 3500),
    ("I03", "适老化及无障碍改造", "处", 18000),
    ("I04", "停车位规划及施划", "个", 2500),
    ("I05", "电动自行车集中停放充电设施", "个", 1200),
    ("I06", "智能快递柜及信报箱", "套", 25000),
    ("I07", "文化休闲及健身设施", "处", 80000),
    ("I08", "物业管理用房", "处", 60000),
    ("I09", "建筑节能改造", "m²", 150),
    ("I10", "既有住宅加装电梯", "部", 550000),
    ("I11", "新能源汽车充电桩", "个", 6000),
];

pub fn site_gonghang() -> Site {
    Site {
        code: "RS-0001".into(),
        name: "工行小区".into(),
        town: "文林街道".into(),
        community: "文林社区".into(),
        address: "仁寿县文林街道陵州路112号".into(),
        households: 240,
        buildings: 6,
        floor_area_m2: 21600.0,
        year_built: 1996,
        outline: vec![vec![vec![
            [104.13109, 30.001374],
            [104.131141, 30.000983],
            [104.131964, 30.000709],
            [104.132407, 30.001716],
            [104.131581, 30.001991],
            [104.131323, 30.001903],
            [104.13109, 30.001374],
        ]]],
    }
}

pub fn site_lingzhou() -> Site {
    Site {
        code: "RS-0002".into(),
        name: "陵州小区".into(),
        town: "文林街道".into(),
        community: "文林社区".into(),
        address: "仁寿县文林街道陵州路27号".into(),
        households: 45,
        buildings: 3,
        floor_area_m2: 3604.1,
        year_built: 2000,
        outline: vec![vec![vec![
            [104.131627, 29.998526],
            [104.132088, 29.9985],
            [104.132097, 29.999165],
            [104.131828, 29.999181],
            [104.131663, 29.999018],
            [104.131627, 29.998526],
        ]]],
    }
}

/// `rows` lines of scope cycling through the catalog, with plausible quantities.
pub fn scope(rows: usize) -> Vec<ScopeRow> {
    (0..rows)
        .map(|i| {
            let (code, name, unit, cost) = CATALOG[i % CATALOG.len()];
            let quantity = match unit {
                "m²" => 1250.5 + (i * 37) as f64,
                "m" => 420.0 + i as f64,
                "户" => 285.0,
                _ => (1 + i % 4) as f64,
            };
            let unit_cost_fen = cost * 100;
            ScopeRow {
                item: code.into(),
                name: name.into(),
                unit: unit.into(),
                quantity,
                unit_cost_fen,
                amount_fen: (quantity * unit_cost_fen as f64).round() as i64,
            }
        })
        .collect()
}

pub fn work_order(scope_rows: usize) -> WorkOrder {
    let scope = scope(scope_rows);
    let total_fen = scope.iter().map(|r| r.amount_fen).sum();
    WorkOrder {
        authority: "仁寿县住房和城乡建设局".into(),
        number: "RS-2021-0031".into(),
        revision: 2,
        superseded_by: None,
        issued_on: date(2021, 3, 1),
        project: "工行小区等2个小区改造项目".into(),
        year: 2021,
        category: "基础类".into(),
        sites: vec![site_gonghang(), site_lingzhou()],
        scope,
        total_fen,
        funding: funding(total_fen),
        contract_amount_fen: total_fen - total_fen % 100_000,
        planned_start: date(2021, 3, 15),
        planned_end: date(2021, 9, 30),
        requirements: vec![
            "施工现场应设置连续、封闭的围挡，出入口设置车辆冲洗设施，裸露土方和易扬尘材料应覆盖，严格落实扬尘治理“六个百分之百”要求。".into(),
            "施工单位应建立安全生产责任制，特种作业人员持证上岗；高处作业、临时用电、动火作业应按规定审批，脚手架搭设完成后经验收合格方可使用。".into(),
            "施工期间应保障居民出行和消防通道畅通，夜间（22时至次日6时）不得进行产生噪声的作业；确需连续作业的，应提前公告并报有关部门批准。".into(),
            "施工单位应在小区出入口公示项目名称、改造内容、工期、施工单位及投诉电话，主动接受居民监督，及时回应居民诉求。".into(),
        ],
        bureau_contact: Contact { name: "李明".into(), phone: "028-36223155".into() },
        contractor: Contractor {
            name: "四川陵州建设工程有限公司".into(),
            credit_code: "91511421MA62X8K31N".into(),
            contact: Contact { name: "王建国".into(), phone: "13881234567".into() },
        },
        url: "https://jiugai.renshou.gov.cn/orders/RS-2021-0031/2".into(),
    }
}

/// The estimate split as Renshou's policy would: central subsidy, provincial and county budgets, residents, and
/// what is left unfunded; the parts add up to `total_fen`.
pub fn funding(total_fen: i64) -> Vec<FundingShare> {
    let parts = [
        ("中央补助资金", 45),
        ("省级财政补助资金", 15),
        ("县级财政资金", 25),
        ("居民出资", 10),
    ];
    let mut shares: Vec<FundingShare> = parts
        .iter()
        .map(|(source, percent)| FundingShare {
            source: (*source).into(),
            amount_fen: total_fen * percent / 100,
        })
        .collect();
    let given: i64 = shares.iter().map(|s| s.amount_fen).sum();
    shares.push(FundingShare {
        source: "资金缺口".into(),
        amount_fen: total_fen - given,
    });
    shares
}

pub fn notice() -> Notice {
    let names = [
        ("RS-0001", "工行小区", "文林街道", "240", "21,600.00"),
        ("RS-0002", "陵州小区", "文林街道", "45", "3,604.10"),
        ("RS-0003", "满井派出所住宿楼", "满井镇", "95", "8,519.60"),
        ("RS-0014", "城北粮站宿舍", "文林街道", "64", "5,120.00"),
        (
            "RS-0027",
            "县医院老职工宿舍",
            "怀仁街道",
            "188",
            "15,930.50",
        ),
        ("RS-0031", "东街供销社小区", "文林街道", "72", "6,048.00"),
        ("RS-0045", "视高镇政府宿舍", "视高街道", "36", "2,880.00"),
        ("RS-0052", "农机厂家属区", "普宁街道", "156", "12,480.00"),
        ("RS-0063", "汪洋镇卫生院宿舍", "汪洋镇", "28", "2,240.00"),
        ("RS-0078", "钢铁厂生活区", "龙正镇", "312", "27,456.00"),
        ("RS-0090", "二轻局宿舍", "文林街道", "54", "4,320.00"),
        ("RS-0104", "清水镇中学教师宿舍", "清水镇", "40", "3,200.00"),
    ];
    Notice {
        authority: "仁寿县住房和城乡建设局".into(),
        number: "仁住建公〔2021〕5号".into(),
        title: "2021年城镇老旧小区改造计划公示".into(),
        body: vec![
            "根据《国务院办公厅关于全面推进城镇老旧小区改造工作的指导意见》（国办发〔2020〕23号）和省、市有关工作部署，经小区居民申请、镇（街道）初审、县级部门联合审查，拟将下列12个小区纳入我县2021年城镇老旧小区改造计划，现予以公示。".into(),
            "公示期间，如对公示内容有异议，请以书面或电话形式向县住房和城乡建设局反映。反映情况应实事求是，并提供联系方式，以便核实。".into(),
        ],
        table_headers: vec!["序号".into(), "小区编号".into(), "小区名称".into(), "所在镇（街道）".into(), "户数".into(), "建筑面积（㎡）".into()],
        table_rows: names
            .iter()
            .enumerate()
            .map(|(i, (code, name, town, households, area))| {
                vec![(i + 1).to_string(), (*code).into(), (*name).into(), (*town).into(), (*households).into(), (*area).into()]
            })
            .collect(),
        issued_on: date(2021, 3, 1),
        period: "2021年3月1日至2021年3月9日".into(),
        url: "https://jiugai.renshou.gov.cn/notices/2021-05".into(),
    }
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

/// The towns of the sample return.
pub const TOWNS: &[&str] = &[
    "文林街道",
    "怀仁街道",
    "普宁街道",
    "视高街道",
    "富加镇",
    "汪洋镇",
    "龙正镇",
    "始建镇",
    "清水镇",
    "禾加镇",
    "珠嘉镇",
    "钟祥镇",
    "宝马镇",
    "慈航镇",
    "方家镇",
    "彰加镇",
    "满井镇",
    "高家镇",
];

fn progress_columns() -> Vec<ReportColumn> {
    let mut columns = vec![ReportColumn {
        header: "乡镇（街道）".into(),
        numeric: false,
    }];
    for stage in ["计划", "已开工", "已完工"] {
        for what in ["小区数", "楼栋数", "户数", "建筑面积（㎡）"] {
            // The break a narrow column may take, after the stage.
            columns.push(ReportColumn {
                header: format!("{stage}\n{what}"),
                numeric: true,
            });
        }
    }
    for header in [
        "开工率（按小区，%）",
        "开工率（按户数，%）",
        "计划\n投资（万元）",
        "完成\n投资（万元）",
    ] {
        columns.push(ReportColumn {
            header: header.into(),
            numeric: true,
        });
    }
    columns
}

/// One row of the sample progress table: `n` gives the figures.
pub fn progress_row(town: &str, n: i64) -> Vec<String> {
    let mut row = vec![town.to_owned()];
    for share in [1, 1, 1] {
        row.push((4 * n * share).to_string());
        row.push((31 * n).to_string());
        row.push(format!("{}", 1_200 * n));
        row.push(format!("{},{:03}.{:02}", 96 * n, (n * 37) % 1000, n % 100));
    }
    row.push("100.00".into());
    row.push("87.50".into());
    row.push(format!("{},{:03}.00", 4 * n, (n * 123) % 1000));
    row.push(format!("{},{:03}.50", 2 * n, (n * 77) % 1000));
    row
}

/// A monthly return of `towns` town rows (the first of [`TOWNS`] over and over when more are asked for), the
/// county total, a funds table and notes.
pub fn report(towns: usize) -> Report {
    let rows: Vec<Vec<String>> = (0..towns)
        .map(|i| progress_row(TOWNS[i % TOWNS.len()], 1 + i as i64 % 9))
        .collect();
    Report {
        authority: "仁寿县住房和城乡建设局".into(),
        title: "仁寿县城镇老旧小区改造进度月报".into(),
        period: "2021年6月（自1月1日起累计，截至2021年6月30日）".into(),
        status: "草稿：尚未报送".into(),
        date: date(2021, 6, 30),
        tables: vec![
            ReportTable {
                caption: "改造进度".into(),
                columns: progress_columns(),
                rows,
                total: Some(progress_row("全县合计", 99)),
            },
            ReportTable {
                caption: "资金到位与支付".into(),
                columns: vec![
                    ReportColumn {
                        header: "项目".into(),
                        numeric: false,
                    },
                    ReportColumn {
                        header: "累计金额（万元）".into(),
                        numeric: true,
                    },
                ],
                rows: vec![
                    vec!["到位资金·中央补助资金".into(), "12,000.00".into()],
                    vec!["到位资金·省级财政补助资金".into(), "3,500.00".into()],
                    vec!["已支付工程款".into(), "9,876.54".into()],
                ],
                total: None,
            },
        ],
        notes: vec![
            "计划：当年批准的年度批次；开工、完工：施工单位报告的开工、完工日期。".into(),
            "金额按万元四舍五入，合计数与分项之和可能略有差异。".into(),
        ],
    }
}
