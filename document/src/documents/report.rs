//! 报表: a report the bureau files upward (the monthly return), as tables under the bureau's header.
//!
//! Statistical tables put the units (towns) in rows and the indicators in columns, often more than a portrait
//! page holds: the report goes landscape when a table does not fit portrait at 小五, and each table's type size
//! is the largest of 五号, 小五 and 六号 at which its figures fit unbroken. Columns get the width their longest
//! figure needs; headers wrap instead (a unit in （） on a line of its own), and a table far narrower than the
//! page is not stretched across it.

use crate::check::GlyphCheck;
use crate::error::{MissingGlyph, RenderError};
use crate::fonts::Face;
use crate::layout::{Align, Block, Cell, Column, Sheet, Style, Table, mm, paginate_on, size};
use crate::linebreak;
use crate::model::{Report, ReportTable};
use crate::pdf::{self, Meta};

use super::{Decorations, bold, decorate_on, letterhead_on, plain};

/// The type sizes a table may be set in, largest first: 五号, 小五, 六号.
const SIZES: [f32; 3] = [size::WU, size::XIAO_WU, 7.5];
/// A table is set landscape when it does not fit portrait at this size.
const PORTRAIT_AT_LEAST: f32 = size::XIAO_WU;
/// Cell padding, in ems of the table's type size.
const PAD_X: f32 = 0.4;
const PAD_Y: f32 = 0.2;
/// A text column (names) narrower than its longest cell wraps, but is never narrower than this many ems.
const TEXT_MIN_EMS: f32 = 5.0;
/// A table whose columns need less than this share of the text width is not stretched to the full width.
const NARROW: f32 = 0.6;
/// A table of fewer rows is kept on one page rather than broken.
const KEEP_TOGETHER_ROWS: usize = 16;

impl Report {
    /// Every character of the report the font cannot print, with the field it is in.
    pub fn missing_glyphs(&self) -> Vec<MissingGlyph> {
        let mut check = GlyphCheck::default();
        check.text(|| "authority".into(), &self.authority);
        check.text(|| "title".into(), &self.title);
        check.text(|| "period".into(), &self.period);
        check.text(|| "status".into(), &self.status);
        for (t, table) in self.tables.iter().enumerate() {
            check.text(|| format!("tables[{t}].caption"), &table.caption);
            for (j, column) in table.columns.iter().enumerate() {
                check.text(
                    || format!("tables[{t}].columns[{j}].header"),
                    &column.header,
                );
            }
            for (i, row) in table.rows.iter().enumerate() {
                for (j, cell) in row.iter().enumerate() {
                    check.text(|| format!("tables[{t}].rows[{i}][{j}]"), cell);
                }
            }
            for (j, cell) in table.total.iter().flatten().enumerate() {
                check.text(|| format!("tables[{t}].total[{j}]"), cell);
            }
        }
        for (i, note) in self.notes.iter().enumerate() {
            check.text(|| format!("notes[{i}]"), note);
        }
        check.finish()
    }
}

/// The report as an A4 PDF, landscape when a table needs it.
pub fn render(report: &Report) -> Result<Vec<u8>, RenderError> {
    let missing = report.missing_glyphs();
    if !missing.is_empty() {
        return Err(RenderError::MissingGlyphs(missing));
    }
    let sheet = sheet_for(report);
    let mut blocks = letterhead_on(&sheet, &report.authority, &report.status);
    blocks.push(
        Block::text(
            &report.title,
            Style::new(Face::Bold, size::ER).leading(1.4),
            Align::Center,
            false,
        )
        .gap(mm(3.0))
        .keep_with_next(),
    );
    if !report.period.trim().is_empty() {
        blocks.push(
            Block::text(&report.period, plain(size::XIAO_SI), Align::Center, false)
                .keep_with_next(),
        );
    }
    // One type size for every table of the report: the largest the widest of them allows.
    let size = report
        .tables
        .iter()
        .map(|t| fit(t, &sheet, SIZES[0]).0)
        .fold(SIZES[0], f32::min);
    for (i, table) in report.tables.iter().enumerate() {
        blocks.push(
            Block::text(
                &format!("表{}　{}", i + 1, table.caption),
                bold(size::XIAO_SI).leading(1.8),
                Align::Center,
                false,
            )
            .gap(mm(if i == 0 { 3.0 } else { 5.0 }))
            .keep_with_next(),
        );
        blocks.push(Block::table(layout(table, &sheet, size)));
    }
    if !report.notes.is_empty() {
        let body = plain(size::XIAO_WU).leading(1.55);
        blocks.push(Block::heading("说明", bold(size::WU).leading(1.7)).gap(mm(4.0)));
        for (i, note) in report.notes.iter().enumerate() {
            blocks.push(Block::text(
                &format!("{}．{}", i + 1, note.trim()),
                body,
                Align::Left,
                false,
            ));
        }
    }

    let mut pages = paginate_on(blocks, &sheet);
    let running = format!("{}　{}", report.title, report.period);
    decorate_on(
        &mut pages,
        &sheet,
        &Decorations {
            running_header: Some((&report.authority, &running)),
            banner: None,
            specimen: false,
        },
    );
    let meta = Meta {
        title: report.title.clone(),
        author: report.authority.clone(),
        subject: format!("{} {}", report.period, report.status),
        keywords: vec!["报表".into(), report.title.clone()],
        date: report.date,
    };
    pdf::write_on(pages, &sheet, &meta)
}

/// Portrait, unless a table does not fit a portrait page at 小五.
fn sheet_for(report: &Report) -> Sheet {
    let portrait = Sheet::PORTRAIT.text_width();
    let fits = |t: &ReportTable| {
        SIZES
            .iter()
            .filter(|s| **s >= PORTRAIT_AT_LEAST)
            .any(|s| Widths::of(t, *s).least.iter().sum::<f32>() <= portrait)
    };
    if report.tables.iter().all(fits) {
        Sheet::PORTRAIT
    } else {
        Sheet::LANDSCAPE
    }
}

/// What each column of a table needs at one type size, in points (padding included), in three degrees. Figures
/// are never broken in any of them.
struct Widths {
    size: f32,
    /// Names whole, each line of the header whole (see [`header_lines`]).
    ideal: Vec<f32>,
    /// Names whole, the header's lines in up to two lines each, none shorter than three characters.
    comfortable: Vec<f32>,
    /// Names wrapped (down to [`TEXT_MIN_EMS`]), the header's lines in up to three lines each, none shorter than
    /// two characters.
    least: Vec<f32>,
}

impl Widths {
    fn of(table: &ReportTable, size: f32) -> Widths {
        let head = bold(size);
        let pad = 2.0 * PAD_X * size;
        let count = columns(table);
        let mut out = Widths {
            size,
            ideal: Vec::with_capacity(count),
            comfortable: Vec::with_capacity(count),
            least: Vec::with_capacity(count),
        };
        for j in 0..count {
            let longest = table
                .rows
                .iter()
                .chain(table.total.iter())
                .filter_map(|row| row.get(j))
                .map(|c| head.width(c.trim()))
                .fold(0.0, f32::max);
            let numeric = table.columns.get(j).is_some_and(|c| c.numeric);
            let wrapped = if numeric {
                longest
            } else {
                longest.min(TEXT_MIN_EMS * size)
            };
            let header = table.columns.get(j).map_or("", |c| c.header.as_str());
            // A header line broken in n lines needs a little over 1/n of its width (breaks fall between
            // characters), and a short word ("小区数") is not broken at all, a longer one not into lines shorter
            // than `shortest` ems.
            let header_in = |n: f32, shortest: f32| {
                header_segments(header)
                    .map(|seg| {
                        let w = head.width(seg);
                        (w / n + size).max(shortest * size).min(w)
                    })
                    .fold(0.0, f32::max)
            };
            out.ideal.push(longest.max(header_in(1.0, 0.0)) + pad);
            out.comfortable.push(longest.max(header_in(2.0, 3.0)) + pad);
            out.least.push(wrapped.max(header_in(3.0, 2.0)) + pad);
        }
        out
    }
}

/// The lines a header is made of where it must break: at its `\n`s (breaks it allows, taken only when the header
/// does not fit on one line) and before its unit in （）: "计划\n投资（万元）" → "计划", "投资", "（万元）".
fn header_segments(header: &str) -> impl Iterator<Item = &str> {
    header.split('\n').flat_map(|line| {
        let (head, unit) = match line.find('（') {
            Some(i) if i > 0 => line.split_at(i),
            _ => (line, ""),
        };
        [head, unit].into_iter().filter(|p| !p.is_empty())
    })
}

/// The header as drawn in a column `inner` points wide: on one line when it fits; else its segments joined while
/// they fit, a segment too long for a line broken into lines of even length (not a full line and a lone
/// character).
fn header_lines(header: &str, inner: f32, style: &Style) -> String {
    let whole = header.replace('\n', "");
    if style.width(&whole) <= inner {
        return whole;
    }
    let mut lines: Vec<String> = Vec::new();
    for seg in header_segments(header) {
        let width = style.width(seg);
        if let Some(last) = lines.last_mut()
            && style.width(last) + width <= inner
            && !seg.starts_with('（')
        {
            last.push_str(seg);
            continue;
        }
        if width <= inner {
            lines.push(seg.to_owned());
            continue;
        }
        let advance = |c| style.advance(c);
        let fill = linebreak::wrap(seg, inner, advance);
        let n = fill.len() as f32;
        let even = linebreak::wrap(seg, (width / n + style.size * 0.99).min(inner), advance);
        let chosen = if even.len() == fill.len() { even } else { fill };
        lines.extend(chosen.into_iter().map(|l| l.text));
    }
    lines.join("\n")
}

fn columns(table: &ReportTable) -> usize {
    table
        .columns
        .len()
        .max(table.rows.iter().map(Vec::len).max().unwrap_or(0))
        .max(table.total.as_ref().map_or(0, Vec::len))
}

/// The type size (at most `largest`) and column widths of `table` on `sheet`: the largest size at which the names
/// stay whole and the headers take two lines (the room left bringing the headers towards one line each); else
/// the largest at which it fits with names and headers wrapping more; else the smallest size.
fn fit(table: &ReportTable, sheet: &Sheet, largest: f32) -> (f32, Vec<f32>) {
    let full = sheet.text_width();
    let all: Vec<Widths> = SIZES
        .iter()
        .filter(|s| **s <= largest)
        .map(|s| Widths::of(table, *s))
        .collect();
    let sum = |v: &[f32]| v.iter().sum::<f32>();
    if let Some(w) = all.iter().find(|w| sum(&w.comfortable) <= full) {
        return (w.size, towards(&w.comfortable, &w.ideal, full));
    }
    let w = all
        .iter()
        .find(|w| sum(&w.least) <= full)
        .or(all.last())
        .unwrap_or_else(|| unreachable!("SIZES holds the smallest size"));
    (w.size, towards(&w.least, &w.comfortable, full))
}

/// `base` widened towards `target` with the room `full` leaves: the columns that lack least get all they lack
/// first (so as many headers as can be are set whole), the rest share what is left in proportion to their lack.
/// `base` and `target` are in the columns' order; so is the result.
fn towards(base: &[f32], target: &[f32], full: f32) -> Vec<f32> {
    let lack: Vec<f32> = base
        .iter()
        .zip(target)
        .map(|(b, t)| (t - b).max(0.0))
        .collect();
    let mut widths = base.to_vec();
    let mut room = (full - base.iter().sum::<f32>()).max(0.0);
    let mut order: Vec<usize> = (0..base.len()).collect();
    order.sort_by(|a, b| lack[*a].total_cmp(&lack[*b]));
    let mut rest = Vec::new();
    // Columns lacking the same (sibling indicators) are widened together or not at all, so they look alike.
    for group in order.chunk_by(|a, b| (lack[*a] - lack[*b]).abs() < 0.5) {
        let needed: f32 = group.iter().map(|j| lack[*j]).sum();
        if needed <= room {
            for &j in group {
                widths[j] += lack[j];
            }
            room -= needed;
        } else {
            rest.extend_from_slice(group);
        }
    }
    let short: f32 = rest.iter().map(|j| lack[*j]).sum();
    if short > 0.0 {
        for j in rest {
            widths[j] += room * lack[j] / short;
        }
    }
    widths
}

/// The table laid out at `size`: widths fitted, numbers right, headers centred and broken where they must be, the
/// total row bold; a short table kept on one page.
fn layout(table: &ReportTable, sheet: &Sheet, size: f32) -> Table {
    let (size, widths) = fit(table, sheet, size);
    let full = sheet.text_width();
    let needed: f32 = widths.iter().sum();
    let drawn = drawn_width(needed, full);
    // Rows as a spreadsheet prints them: a tight line, a little air above and below.
    let style = plain(size).leading(1.25);
    let head = bold(size).leading(1.25);
    let pad = PAD_X * size;
    let numeric = |j: usize| table.columns.get(j).is_some_and(|c| c.numeric);
    let columns = widths
        .iter()
        .enumerate()
        .map(|(j, w)| {
            Column::new(
                *w,
                if numeric(j) {
                    Align::Right
                } else {
                    Align::Left
                },
            )
        })
        .collect();
    let header = widths
        .iter()
        .enumerate()
        .map(|(j, w)| {
            let text = table.columns.get(j).map_or("", |c| c.header.as_str());
            let inner = w * drawn / needed.max(f32::EPSILON) - 2.0 * pad;
            Cell::new(header_lines(text, inner, &head))
        })
        .collect();
    let mut out = Table::new(columns, style).header(header, head);
    out.pad_x = pad;
    out.pad_y = PAD_Y * size;
    out.width = (drawn < full).then_some(drawn);
    out.keep_together = table.rows.len() < KEEP_TOGETHER_ROWS;
    let count = widths.len();
    let cells = |row: &[String]| -> Vec<Cell> {
        (0..count)
            .map(|j| Cell::new(row.get(j).map_or("", |c| c.trim())))
            .collect()
    };
    for row in &table.rows {
        out.row(cells(row));
    }
    if let Some(total) = &table.total {
        let mut row = cells(total);
        for (j, cell) in row.iter_mut().enumerate() {
            let mut bolded = cell.clone().style(bold(size).leading(1.25));
            if j == 0 && !numeric(0) {
                bolded = bolded.align(Align::Center);
            }
            *cell = bolded;
        }
        out.row(row);
    }
    out
}

/// The width a table is drawn at: the text width, or 1.25 times what its columns need when that is far less
/// (the columns share it by their fitted widths).
fn drawn_width(needed: f32, full: f32) -> f32 {
    if needed < NARROW * full {
        needed * 1.25
    } else {
        full
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ReportColumn;

    fn column(header: &str, numeric: bool) -> ReportColumn {
        ReportColumn {
            header: header.into(),
            numeric,
        }
    }

    fn wide() -> ReportTable {
        let mut columns = vec![column("乡镇（街道）", false)];
        for i in 0..16 {
            columns.push(column(&format!("已开工建筑面积{i}（㎡）"), true));
        }
        ReportTable {
            caption: "改造进度".into(),
            columns,
            rows: vec![
                std::iter::once("文林街道".to_owned())
                    .chain((0..16).map(|_| "123,456.78".to_owned()))
                    .collect(),
            ],
            total: None,
        }
    }

    fn narrow() -> ReportTable {
        ReportTable {
            caption: "资金".into(),
            columns: vec![column("项目", false), column("累计金额（万元）", true)],
            rows: vec![vec!["到位资金·中央补助资金".into(), "12,000.00".into()]],
            total: None,
        }
    }

    fn report(tables: Vec<ReportTable>) -> Report {
        Report {
            authority: "某县住房和城乡建设局".into(),
            title: "某县城镇老旧小区改造进度月报".into(),
            period: "2021年6月".into(),
            status: "草稿：尚未报送".into(),
            date: chrono::NaiveDate::from_ymd_opt(2021, 6, 30).expect("a date"),
            tables,
            notes: vec![],
        }
    }

    #[test]
    fn a_table_with_a_column_per_indicator_turns_the_page() {
        assert_eq!(sheet_for(&report(vec![narrow()])), Sheet::PORTRAIT);
        assert_eq!(sheet_for(&report(vec![narrow(), wide()])), Sheet::LANDSCAPE);
    }

    #[test]
    fn figures_are_never_narrower_than_they_are_long() {
        let table = wide();
        let (size, widths) = fit(&table, &Sheet::LANDSCAPE, SIZES[0]);
        let longest = bold(size).width("123,456.78") + 2.0 * PAD_X * size;
        let needed: f32 = widths.iter().sum();
        let scale = drawn_width(needed, Sheet::LANDSCAPE.text_width()) / needed;
        for w in &widths[1..] {
            assert!(w * scale >= longest - 0.01, "{w} < {longest}");
        }
        assert!(widths.iter().sum::<f32>() <= Sheet::LANDSCAPE.text_width() + 0.01);
    }

    #[test]
    fn a_narrow_table_is_not_stretched_across_the_page() {
        let t = layout(&narrow(), &Sheet::PORTRAIT, SIZES[0]);
        let width = t.width.expect("a narrow table keeps its own width");
        assert!(width < 0.8 * Sheet::PORTRAIT.text_width(), "{width}");
        assert!(layout(&wide(), &Sheet::LANDSCAPE, SIZES[0]).width.is_none());
    }

    #[test]
    fn a_header_breaks_where_it_allows_and_before_its_unit_in_even_lines() {
        let style = bold(9.0);
        let em = 9.0;
        // Fits: one line, the allowed break not taken.
        assert_eq!(header_lines("计划\n户数", 5.0 * em, &style), "计划户数");
        // Too long: broken where allowed, the unit on a line of its own.
        assert_eq!(
            header_lines("计划\n小区数", 3.2 * em, &style),
            "计划\n小区数"
        );
        assert_eq!(
            header_lines("计划\n投资（万元）", 4.2 * em, &style),
            "计划投资\n（万元）"
        );
        // A line too long for the column is cut evenly, not a full line and a lone character.
        assert_eq!(
            header_lines("已完工楼栋数", 5.0 * em, &style),
            "已完工\n楼栋数"
        );
        let segments: Vec<&str> = header_segments("开工率（按小区，%）").collect();
        assert_eq!(segments, ["开工率", "（按小区，%）"]);
        assert_eq!(header_segments("项目").collect::<Vec<_>>(), ["项目"]);
    }

    #[test]
    fn every_header_line_fits_its_column() {
        let table = wide();
        let t = layout(&table, &Sheet::LANDSCAPE, SIZES[0]);
        let full = Sheet::LANDSCAPE.text_width();
        let total: f32 = t.columns.iter().map(|c| c.weight).sum();
        for (cell, column) in t.header.expect("a header").iter().zip(&t.columns) {
            let inner = full * column.weight / total - 2.0 * t.pad_x;
            for line in cell.text.lines() {
                assert!(
                    t.header_style.width(line) <= inner + 0.01,
                    "{line:?} wider than {inner}"
                );
            }
        }
    }

    #[test]
    fn a_long_name_wraps_inside_its_cell_and_the_row_grows() {
        let mut table = wide();
        let long = "某某县某某镇某某社区某某路某某号某某单位职工宿舍片区".to_owned();
        let mut row = table.rows[0].clone();
        row[0] = long.clone();
        table.rows.push(row);
        let units = layout(&table, &Sheet::LANDSCAPE, SIZES[0]).units(&Sheet::LANDSCAPE);
        // Header, the short row, the long row.
        assert_eq!(units.len(), 3);
        assert!(
            units[2].height > 1.5 * units[1].height,
            "{} vs {}",
            units[2].height,
            units[1].height
        );
        let drawn: String = units[2]
            .prims
            .iter()
            .filter_map(|p| match p {
                crate::layout::Prim::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        let squeezed = drawn.replace("123,456.78", "");
        assert_eq!(squeezed, long, "the name, whole, over several lines");
    }
}
