//! 公示: a one-page public notice with a table and a large QR code for comments.

use crate::check::GlyphCheck;
use crate::error::{MissingGlyph, RenderError};
use crate::fonts::Face;
use crate::layout::{
    Align, Block, Cell, Column, Style, Table, baseline, mm, page, size, text_prim,
};
use crate::model::Notice;
use crate::pdf::{self, Meta};
use crate::{linebreak, qr};

use super::{Decorations, date_zh, decorate, letterhead, plain, title};

const BODY: Style = Style::new(Face::Regular, size::SI).leading(1.6);
const TABLE: Style = Style::new(Face::Regular, size::WU).leading(1.35);
const TABLE_HEAD: Style = Style::new(Face::Bold, size::WU).leading(1.35);

/// The side of the QR code: large enough to scan from a metre away on a notice board.
const QR_SIDE: f32 = mm(36.0);

impl Notice {
    /// Every character of the notice the font cannot print, with the field it is in.
    pub fn missing_glyphs(&self) -> Vec<MissingGlyph> {
        let mut check = GlyphCheck::default();
        check.text(|| "authority".into(), &self.authority);
        check.text(|| "number".into(), &self.number);
        check.text(|| "title".into(), &self.title);
        for (i, paragraph) in self.body.iter().enumerate() {
            check.text(|| format!("body[{i}]"), paragraph);
        }
        for (i, header) in self.table_headers.iter().enumerate() {
            check.text(|| format!("table_headers[{i}]"), header);
        }
        for (i, row) in self.table_rows.iter().enumerate() {
            for (j, cell) in row.iter().enumerate() {
                check.text(|| format!("table_rows[{i}][{j}]"), cell);
            }
        }
        check.text(|| "period".into(), &self.period);
        check.text(|| "url".into(), &self.url);
        check.finish()
    }
}

/// The notice as an A4 PDF.
pub fn render(notice: &Notice, paper: crate::Paper) -> Result<Vec<u8>, RenderError> {
    let missing = notice.missing_glyphs();
    if !missing.is_empty() {
        return Err(RenderError::MissingGlyphs(missing));
    }
    let mut blocks = letterhead(&notice.authority, &notice.number);
    blocks.push(title(&notice.title));
    for (i, paragraph) in notice.body.iter().enumerate() {
        let block = Block::paragraph(paragraph.trim(), BODY);
        blocks.push(if i == 0 { block.gap(mm(3.0)) } else { block });
    }
    if !notice.table_headers.is_empty() || !notice.table_rows.is_empty() {
        blocks.push(Block::table(table(notice)).gap(mm(3.0)));
    }
    blocks.push(closing(notice)?.gap(mm(3.0)));

    let mut pages = crate::layout::paginate(blocks);
    let running = notice.title.clone();
    decorate(
        &mut pages,
        &Decorations {
            running_header: Some((&running, &notice.number)),
            banner: None,
            specimen: paper.specimen,
        },
    );
    let meta = Meta {
        title: notice.title.clone(),
        author: notice.authority.clone(),
        subject: format!("{} {}", notice.number, notice.period),
        keywords: vec!["公示".into(), notice.number.clone()],
        date: notice.issued_on,
    };
    pdf::write(pages, &meta)
}

/// Column widths follow the longest text in each column, so names get room and numbers do not.
fn table(notice: &Notice) -> Table {
    let columns = notice
        .table_headers
        .len()
        .max(notice.table_rows.iter().map(Vec::len).max().unwrap_or(0));
    let longest = |j: usize| {
        // A header may wrap onto two lines rather than widen its column much.
        let header = notice
            .table_headers
            .get(j)
            .map_or(0.0, |h| TABLE_HEAD.width(h) * 0.75);
        notice
            .table_rows
            .iter()
            .filter_map(|row| row.get(j))
            .map(|cell| TABLE.width(cell))
            .fold(header, f32::max)
    };
    let numeric = |j: usize| {
        // Blank cells (a total row's empty columns) say nothing about the column.
        let mut cells = notice
            .table_rows
            .iter()
            .filter_map(|row| row.get(j))
            .filter(|c| !c.trim().is_empty())
            .peekable();
        cells.peek().is_some() && cells.all(|c| looks_numeric(c))
    };
    let columns: Vec<Column> = (0..columns)
        .map(|j| {
            let weight = longest(j) + 2.0 * size::WU;
            let serial = notice.table_headers.get(j).is_some_and(|h| h == "序号");
            let align = if serial {
                Align::Center
            } else if numeric(j) {
                Align::Right
            } else {
                Align::Left
            };
            Column::new(weight, align)
        })
        .collect();
    let header = notice
        .table_headers
        .iter()
        .map(|h| Cell::new(h.as_str()))
        .collect();
    let mut table = Table::new(columns, TABLE).header(header, TABLE_HEAD);
    table.pad_y = 2.0;
    for row in &notice.table_rows {
        table.row(row.iter().map(|c| Cell::new(c.as_str())).collect());
    }
    table
}

/// "1,250", "¥12,345.60", "35.5%": right-aligned.
fn looks_numeric(text: &str) -> bool {
    let text = text.trim();
    !text.is_empty()
        && text.chars().any(|c| c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || ",.%¥-+ ".contains(c))
}

/// The QR code with its caption on the left; on the right the notice period, then the issuer and
/// the date at the bottom right, as a notice is signed.
fn closing(notice: &Notice) -> Result<Block, RenderError> {
    let quiet = mm(1.5);
    let mut prims = qr::qr_prims(&notice.url, page::LEFT + quiet, quiet, QR_SIDE)?;
    let caption = plain(size::XIAO_WU + 1.0);
    let caption_y = quiet + QR_SIDE + 12.0;
    prims.push(text_prim(
        page::LEFT,
        page::TEXT_WIDTH,
        caption_y,
        Align::Left,
        &caption,
        "扫码查看公示全文、提出意见",
    ));

    let right_x = page::LEFT + QR_SIDE + mm(12.0);
    let right_w = page::LEFT + page::TEXT_WIDTH - right_x;
    let period = format!("公示期：{}。", notice.period.trim_end_matches('。'));
    let lines = linebreak::wrap(&period, right_w, |c| BODY.advance(c));
    for (i, line) in lines.iter().enumerate() {
        let y = baseline(
            quiet + i as f32 * BODY.line_height(),
            BODY.line_height(),
            BODY.size,
        );
        prims.push(text_prim(
            right_x,
            right_w,
            y,
            Align::Left,
            &BODY,
            &line.text,
        ));
    }
    let issuer = plain(size::SI);
    let signature_w = right_w - mm(4.0);
    prims.push(text_prim(
        right_x,
        signature_w,
        quiet + QR_SIDE - 24.0,
        Align::Right,
        &issuer,
        &notice.authority,
    ));
    prims.push(text_prim(
        right_x,
        signature_w,
        quiet + QR_SIDE - 2.0,
        Align::Right,
        &issuer,
        &date_zh(notice.issued_on),
    ));
    Ok(Block::fixed(caption_y + 4.0, prims))
}
