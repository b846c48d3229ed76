//! 施工任务单: the work order the bureau issues to a contractor.

use crate::check::GlyphCheck;
use crate::error::{MissingGlyph, RenderError};
use crate::fonts::Face;
use crate::layout::{
    Align, Block, Cell, Column, Prim, Rgb, Style, Table, mm, page, paginate, size, text_prim,
};
use crate::map::{MapBox, map_prims};
use crate::model::WorkOrder;
use crate::pdf::{self, Meta};
use crate::{money, qr};

use super::{
    Decorations, bold, chinese_ordinal, date_zh, decorate, heading, letterhead, number, plain,
    quantity, title,
};

/// Table text: 五号.
const TABLE: Style = Style::new(Face::Regular, size::WU).leading(1.35);
/// Table headers and labels: 五号 bold.
const TABLE_HEAD: Style = Style::new(Face::Bold, size::WU).leading(1.35);
/// Body paragraphs: 小四, which keeps a form-like order on few pages.
const BODY: Style = Style::new(Face::Regular, size::WU).leading(1.6);

impl WorkOrder {
    /// Every character of the order the font cannot print, with the field it is in; empty when
    /// the order can be rendered.
    pub fn missing_glyphs(&self) -> Vec<MissingGlyph> {
        let mut check = GlyphCheck::default();
        check.text(|| "authority".into(), &self.authority);
        check.text(|| "number".into(), &self.number);
        check.text(|| "project".into(), &self.project);
        check.text(|| "category".into(), &self.category);
        for (i, site) in self.sites.iter().enumerate() {
            check.text(|| format!("sites[{i}].code"), &site.code);
            check.text(|| format!("sites[{i}].name"), &site.name);
            check.text(|| format!("sites[{i}].town"), &site.town);
            check.text(|| format!("sites[{i}].community"), &site.community);
            check.text(|| format!("sites[{i}].address"), &site.address);
        }
        for (i, share) in self.funding.iter().enumerate() {
            check.text(|| format!("funding[{i}].source"), &share.source);
        }
        for (i, row) in self.scope.iter().enumerate() {
            check.text(|| format!("scope[{i}].item"), &row.item);
            check.text(|| format!("scope[{i}].name"), &row.name);
            check.text(|| format!("scope[{i}].unit"), &row.unit);
        }
        for (i, clause) in self.requirements.iter().enumerate() {
            check.text(|| format!("requirements[{i}]"), clause);
        }
        check.text(|| "bureau_contact.name".into(), &self.bureau_contact.name);
        check.text(|| "bureau_contact.phone".into(), &self.bureau_contact.phone);
        check.text(|| "contractor.name".into(), &self.contractor.name);
        check.text(
            || "contractor.credit_code".into(),
            &self.contractor.credit_code,
        );
        check.text(
            || "contractor.contact.name".into(),
            &self.contractor.contact.name,
        );
        check.text(
            || "contractor.contact.phone".into(),
            &self.contractor.contact.phone,
        );
        check.text(|| "url".into(), &self.url);
        check.finish()
    }
}

/// The work order as an A4 PDF.
pub fn render(order: &WorkOrder, paper: crate::Paper) -> Result<Vec<u8>, RenderError> {
    let missing = order.missing_glyphs();
    if !missing.is_empty() {
        return Err(RenderError::MissingGlyphs(missing));
    }
    let number_line = format!("编号：{}（第 {} 版）", order.number, order.revision);
    let mut blocks = letterhead(&order.authority, &number_line);
    blocks.push(title("施工任务单"));
    blocks.push(
        Block::text(
            &format!("{}：", order.contractor.name),
            plain(size::SI),
            Align::Left,
            false,
        )
        .gap(mm(3.0)),
    );
    blocks.push(Block::paragraph(
        &format!(
            "经研究，现将{}年度城镇老旧小区改造{}的施工任务下达给你单位。请按本任务单所列改造内容、工程量、工期和安全文明施工要求组织施工，确保工程质量和施工安全。",
            order.year, order.project
        ),
        BODY,
    ));

    let mut section = 0;
    let mut next_heading = |text: &str| {
        section += 1;
        heading(&format!("{}、{}", chinese_ordinal(section), text))
    };

    blocks.push(next_heading("项目概况"));
    blocks.push(Block::table(overview(order)));
    if let Some(table) = funding_table(order) {
        blocks.push(Block::table(table).gap(mm(2.0)));
    }

    blocks.push(next_heading(&format!(
        "改造小区（{} 个）",
        order.sites.len()
    )));
    blocks.push(Block::table(sites_table(order)));
    blocks.push(site_map(order).gap(mm(3.0)));

    blocks.push(next_heading("改造内容及工程量"));
    blocks.push(Block::table(scope_table(order)));

    blocks.push(next_heading("合同金额及工期"));
    blocks.push(Block::table(contract_table(order)));

    if !order.requirements.is_empty() {
        blocks.push(next_heading("安全施工和文明施工要求"));
        for (i, clause) in order.requirements.iter().enumerate() {
            blocks.push(Block::paragraph(
                &format!("{}．{}", i + 1, clause.trim()),
                BODY,
            ));
        }
    }

    blocks.push(next_heading("联系人"));
    blocks.push(Block::table(contacts_table(order)));

    blocks.push(closing(&order.url)?.gap(mm(6.0)));

    let mut pages = paginate(blocks);
    let banner = order
        .superseded_by
        .map(|n| format!("本任务单已作废：已由第 {n} 版取代，仅供查阅"));
    let running = format!("{}　施工任务单", order.authority);
    decorate(
        &mut pages,
        &Decorations {
            running_header: Some((&running, &number_line)),
            banner: banner.as_deref().map(|b| (b, "作废")),
            specimen: paper.specimen,
        },
    );
    let meta = Meta {
        title: format!("施工任务单 {} 第{}版", order.number, order.revision),
        author: order.authority.clone(),
        subject: format!("{}年度城镇老旧小区改造 {}", order.year, order.project),
        keywords: vec!["施工任务单".into(), order.number.clone()],
        date: order.issued_on,
    };
    pdf::write(pages, &meta)
}

/// A label cell of a key–value grid.
fn label(text: &str) -> Cell {
    Cell::new(text)
        .style(TABLE_HEAD)
        .fill(Rgb::SHADE)
        .align(Align::Center)
}

fn value(text: impl Into<String>) -> Cell {
    Cell::new(text).align(Align::Left)
}

/// Four columns: label, value, label, value; kept on one page.
fn grid() -> Table {
    let mut table = Table::new(
        vec![
            Column::new(1.35, Align::Center),
            Column::new(1.65, Align::Left),
            Column::new(1.35, Align::Center),
            Column::new(1.65, Align::Left),
        ],
        TABLE,
    );
    table.header_fill = None;
    table.keep_together = true;
    table
}

fn overview(order: &WorkOrder) -> Table {
    let mut table = grid();
    table.row(vec![
        label("项目名称"),
        value(order.project.as_str()).span(3),
    ]);
    table.row(vec![
        label("批次年度"),
        value(format!("{}年", order.year)),
        label("改造类别"),
        value(order.category.as_str()),
    ]);
    table.row(vec![
        label("签发日期"),
        value(date_zh(order.issued_on)),
        label("小区数量"),
        value(format!("{} 个", order.sites.len())),
    ]);
    table
}

/// The project's estimate by funding source: amount in 万元 and share; none for an order issued without the
/// split.
fn funding_table(order: &WorkOrder) -> Option<Table> {
    if order.funding.is_empty() {
        return None;
    }
    let amounts: Vec<i64> = order.funding.iter().map(|s| s.amount_fen).collect();
    let total: i64 = amounts.iter().sum();
    // Printed rounded, the lines still add up to the printed total: amounts in hundredths of 万元 (100 yuan), and
    // shares in tenths of a percent, each apportioned by largest remainder (尾差 to the largest fractions).
    let hundreds = (total.abs() + 5_000) / 10_000 * total.signum();
    let amounts_shown = apportion(&amounts, total, hundreds);
    let shares_shown = apportion(&amounts, total, 1_000);
    // The column edges fall on the overview grid's above it.
    let columns = vec![
        Column::new(3.0, Align::Left),
        Column::new(1.35, Align::Right),
        Column::new(1.65, Align::Right),
    ];
    let header = ["资金来源", "金额（万元）", "占比"];
    let mut table = Table::new(columns, TABLE)
        .header(header.iter().map(|h| Cell::new(*h)).collect(), TABLE_HEAD);
    table.pad_y = 2.0;
    table.keep_together = true;
    for ((share, amount), per_mille) in order.funding.iter().zip(amounts_shown).zip(shares_shown) {
        table.row(vec![
            Cell::new(share.source.as_str()),
            Cell::new(money::wan_figures(amount * 10_000)),
            Cell::new(percent(per_mille, total)),
        ]);
    }
    table.row(vec![
        Cell::new("合计").style(TABLE_HEAD).align(Align::Center),
        Cell::new(money::wan_figures(hundreds * 10_000)).style(TABLE_HEAD),
        Cell::new(percent(1_000, total)).style(TABLE_HEAD),
    ]);
    Some(table)
}

/// `parts` of `whole` as whole numbers that add up to `target` exactly: each `part × target / whole` rounded
/// down, the units left over to the parts with the largest remainders (the earlier on ties). `parts` add up to
/// `whole`; zeros when that is not above zero (no estimate to share).
fn apportion(parts: &[i64], whole: i64, target: i64) -> Vec<i64> {
    if whole <= 0 {
        return vec![0; parts.len()];
    }
    let whole = i128::from(whole);
    let mut shown: Vec<(i64, i128)> = parts
        .iter()
        .map(|p| {
            let exact = i128::from(*p) * i128::from(target);
            (exact.div_euclid(whole) as i64, exact.rem_euclid(whole))
        })
        .collect();
    let mut left = target - shown.iter().map(|(s, _)| s).sum::<i64>();
    let mut order: Vec<usize> = (0..shown.len()).collect();
    order.sort_by(|a, b| shown[*b].1.cmp(&shown[*a].1).then(a.cmp(b)));
    // Each floor is short of its exact value by less than one unit, so fewer units are left than parts.
    for i in order {
        if left <= 0 {
            break;
        }
        shown[i].0 += 1;
        left -= 1;
    }
    shown.into_iter().map(|(s, _)| s).collect()
}

/// "45.0%" from tenths of a percent; "—" of nothing.
fn percent(per_mille: i64, whole: i64) -> String {
    if whole == 0 {
        return "—".to_owned();
    }
    let sign = if per_mille < 0 { "-" } else { "" };
    let abs = per_mille.unsigned_abs();
    format!("{sign}{}.{}%", abs / 10, abs % 10)
}

fn sites_table(order: &WorkOrder) -> Table {
    let columns = vec![
        Column::new(0.9, Align::Center),
        Column::new(2.1, Align::Left),
        Column::new(2.0, Align::Left),
        Column::new(3.0, Align::Left),
        Column::new(1.0, Align::Right),
        Column::new(0.9, Align::Right),
        Column::new(1.6, Align::Right),
        Column::new(1.0, Align::Center),
    ];
    let header = [
        "序号",
        "小区名称\n（编号）",
        "镇（街道）\n社区",
        "地址",
        "户数",
        "栋数",
        "建筑面积\n（㎡）",
        "建成\n年份",
    ];
    let mut table = Table::new(columns, TABLE)
        .header(header.iter().map(|h| Cell::new(*h)).collect(), TABLE_HEAD);
    for (i, site) in order.sites.iter().enumerate() {
        table.row(vec![
            Cell::new((i + 1).to_string()),
            Cell::new(format!("{}\n{}", site.name, site.code)),
            Cell::new(format!("{}\n{}", site.town, site.community)),
            Cell::new(site.address.as_str()),
            Cell::new(number(f64::from(site.households), 0)),
            Cell::new(site.buildings.to_string()),
            Cell::new(number(site.floor_area_m2, 2)),
            Cell::new(site.year_built.to_string()),
        ]);
    }
    let households: u32 = order.sites.iter().map(|s| s.households).sum();
    let buildings: u32 = order.sites.iter().map(|s| s.buildings).sum();
    let area: f64 = order.sites.iter().map(|s| s.floor_area_m2).sum();
    if order.sites.len() > 1 {
        table.row(vec![
            Cell::new("合计")
                .span(4)
                .align(Align::Center)
                .style(TABLE_HEAD),
            Cell::new(number(f64::from(households), 0)),
            Cell::new(buildings.to_string()),
            Cell::new(number(area, 2)),
            Cell::new(""),
        ]);
    }
    table
}

/// The map of the outlines with its caption, kept together.
fn site_map(order: &WorkOrder) -> Block {
    let height = mm(40.0);
    let area = MapBox {
        x: page::LEFT,
        y: 0.0,
        w: page::TEXT_WIDTH,
        h: height,
    };
    let mut prims = map_prims(&order.sites, area);
    let caption = plain(size::XIAO_WU).color(Rgb::GREY);
    prims.push(text_prim(
        page::LEFT,
        page::TEXT_WIDTH,
        height + 13.0,
        Align::Center,
        &caption,
        "图 1　改造小区边界示意（依据 WGS-84 坐标绘制，比例尺为近似值）",
    ));
    Block::fixed(height + 17.0, prims)
}

fn scope_table(order: &WorkOrder) -> Table {
    // Widths in points: the number columns just fit eight-digit amounts, names get the rest.
    let columns = vec![
        Column::new(30.0, Align::Center),
        Column::new(30.0, Align::Center),
        Column::new(158.0, Align::Left),
        Column::new(30.0, Align::Center),
        Column::new(56.0, Align::Right),
        Column::new(62.0, Align::Right),
        Column::new(76.0, Align::Right),
    ];
    let header = [
        "序号",
        "编码",
        "项目名称",
        "单位",
        "工程量",
        "单价（元）",
        "金额（元）",
    ];
    let mut table = Table::new(columns, TABLE)
        .header(header.iter().map(|h| Cell::new(*h)).collect(), TABLE_HEAD);
    table.pad_x = 3.0;
    table.pad_y = 2.0;
    for (i, row) in order.scope.iter().enumerate() {
        table.row(vec![
            Cell::new((i + 1).to_string()),
            Cell::new(row.item.as_str()),
            Cell::new(row.name.as_str()),
            Cell::new(row.unit.as_str()),
            Cell::new(quantity(row.quantity)),
            Cell::new(money::yuan(row.unit_cost_fen)),
            Cell::new(money::yuan(row.amount_fen)),
        ]);
    }
    // The totals: the figure under the amounts, the capitals beside it.
    table.row(vec![
        Cell::new("合计")
            .span(2)
            .align(Align::Center)
            .style(TABLE_HEAD)
            .fill(Rgb::SHADE),
        Cell::new(format!("大写：{}", money::capitals(order.total_fen)))
            .span(3)
            .align(Align::Left),
        Cell::new(money::figures(order.total_fen))
            .span(2)
            .align(Align::Right)
            .style(TABLE_HEAD),
    ]);
    table
}

fn contract_table(order: &WorkOrder) -> Table {
    let mut table = grid();
    table.row(vec![
        label("合同金额"),
        value(money::figures(order.contract_amount_fen)).span(3),
    ]);
    table.row(vec![
        label("金额大写"),
        value(format!(
            "人民币{}",
            money::capitals(order.contract_amount_fen)
        ))
        .span(3),
    ]);
    let days = (order.planned_end - order.planned_start).num_days() + 1;
    table.row(vec![
        label("计划开工日期"),
        value(date_zh(order.planned_start)),
        label("计划竣工日期"),
        value(date_zh(order.planned_end)),
    ]);
    table.row(vec![
        label("计划工期"),
        value(format!("{days} 日历天")).span(3),
    ]);
    table
}

fn contacts_table(order: &WorkOrder) -> Table {
    let mut table = grid();
    table.row(vec![
        label("发包单位"),
        value(order.authority.as_str()).span(3),
    ]);
    table.row(vec![
        label("联系人"),
        value(order.bureau_contact.name.as_str()),
        label("联系电话"),
        value(order.bureau_contact.phone.as_str()),
    ]);
    table.row(vec![
        label("施工单位"),
        value(order.contractor.name.as_str()).span(3),
    ]);
    table.row(vec![
        label("统一社会信用代码"),
        value(order.contractor.credit_code.as_str()).span(3),
    ]);
    table.row(vec![
        label("项目负责人"),
        value(order.contractor.contact.name.as_str()),
        label("联系电话"),
        value(order.contractor.contact.phone.as_str()),
    ]);
    table
}

/// The closing strip: boxes for the two parties' seals and signatures, and the QR code of the
/// order's page (to check that a paper copy is the current revision) with the address under it.
fn closing(url: &str) -> Result<Block, RenderError> {
    let height = mm(33.0);
    let qr_side = mm(25.0);
    let qr_column = mm(34.0);
    let gap = mm(4.0);
    let box_w = (page::TEXT_WIDTH - qr_column - 2.0 * gap) / 2.0;
    let head = bold(size::XIAO_SI);
    let body = plain(size::WU);
    let mut prims = Vec::new();
    for (i, party) in ["发包单位（盖章）", "施工单位（盖章）"].iter().enumerate() {
        let x = page::LEFT + i as f32 * (box_w + gap);
        prims.push(Prim::Rect {
            x,
            y: 0.0,
            w: box_w,
            h: height,
            fill: None,
            stroke: Some((0.6, Rgb::RULE)),
        });
        prims.push(text_prim(x + 7.0, box_w, 20.0, Align::Left, &head, party));
        prims.push(text_prim(
            x + 7.0,
            box_w,
            height - 26.0,
            Align::Left,
            &body,
            "负责人（签字）：",
        ));
        prims.push(text_prim(
            x + 7.0,
            box_w,
            height - 9.0,
            Align::Left,
            &body,
            "日期：　　　年　　月　　日",
        ));
    }
    let qr_x = page::LEFT + page::TEXT_WIDTH - qr_column;
    prims.extend(qr::qr_prims(
        url,
        qr_x + (qr_column - qr_side) / 2.0,
        0.0,
        qr_side,
    )?);
    let caption = plain(size::XIAO_WU).leading(1.3);
    prims.push(text_prim(
        qr_x,
        qr_column,
        qr_side + 11.0,
        Align::Center,
        &caption,
        "扫码核验现行版本",
    ));
    let url_style = Style::new(Face::Regular, 6.0)
        .color(Rgb::GREY)
        .leading(1.25);
    let lines = crate::linebreak::wrap(url, qr_column, |c| url_style.advance(c));
    for (i, line) in lines.iter().enumerate().take(3) {
        let y = qr_side + 20.0 + i as f32 * url_style.line_height();
        prims.push(text_prim(
            qr_x,
            qr_column,
            y,
            Align::Center,
            &url_style,
            &line.text,
        ));
    }
    Ok(Block::fixed(height, prims))
}

#[cfg(test)]
mod tests {
    use super::{apportion, percent};

    #[test]
    fn rounded_shares_add_up_to_the_rounded_whole() {
        // Thirds of 100: 33.3 + 33.3 + 33.3 would print 99.9 %.
        assert_eq!(apportion(&[1, 1, 1], 3, 1_000), [334, 333, 333]);
        // 22.495 + 3.445 + 82.30 万元 = 108.24 万元: independently rounded 22.50 + 3.45 + 82.30 = 108.25; the one
        // hundredth left goes to the earlier of the two equal remainders.
        let fen = [2_249_500, 344_500, 8_230_000];
        let total: i64 = fen.iter().sum();
        let shown = apportion(&fen, total, 10_824);
        assert_eq!(shown.iter().sum::<i64>(), 10_824);
        assert_eq!(shown, [2_250, 344, 8_230]);
        // A negative part (a split above the estimate) still adds up.
        assert_eq!(apportion(&[120, -20], 100, 1_000), [1_200, -200]);
        assert_eq!(apportion(&[5, 5], 0, 1_000), [0, 0]);
        assert_eq!(percent(450, 1), "45.0%");
        assert_eq!(percent(-200, 1), "-20.0%");
        assert_eq!(percent(0, 0), "—");
    }
}
