//! Ruled tables with wrapped cells; the header row repeats on every page the table flows onto.

use std::rc::Rc;

use super::Sheet;
use super::draw::{Align, Prim, Rgb, Style, baseline, text_prim};
use super::unit::Unit;
use crate::linebreak;

/// A column: its share of the text width and how its cells are aligned.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub weight: f32,
    pub align: Align,
}

impl Column {
    pub const fn new(weight: f32, align: Align) -> Column {
        Column { weight, align }
    }
}

/// A table cell, spanning one or more columns.
#[derive(Debug, Clone)]
pub struct Cell {
    pub text: String,
    pub span: usize,
    pub align: Option<Align>,
    pub style: Option<Style>,
    pub fill: Option<Rgb>,
    /// An empty square of this side (points) centred in the cell: a box to mark on a form (a ballot's
    /// 赞成/反对/弃权). The row is at least tall enough for it.
    pub square: Option<f32>,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            span: 1,
            align: None,
            style: None,
            fill: None,
            square: None,
        }
    }

    pub fn span(self, span: usize) -> Cell {
        Cell {
            span: span.max(1),
            ..self
        }
    }

    pub fn align(self, align: Align) -> Cell {
        Cell {
            align: Some(align),
            ..self
        }
    }

    pub fn style(self, style: Style) -> Cell {
        Cell {
            style: Some(style),
            ..self
        }
    }

    pub fn fill(self, fill: Rgb) -> Cell {
        Cell {
            fill: Some(fill),
            ..self
        }
    }

    pub fn square(self, side: f32) -> Cell {
        Cell {
            square: Some(side),
            ..self
        }
    }
}

#[derive(Debug, Clone)]
pub struct Table {
    pub columns: Vec<Column>,
    pub header: Option<Vec<Cell>>,
    pub rows: Vec<Vec<Cell>>,
    /// The body cells' style.
    pub style: Style,
    /// The header cells' style.
    pub header_style: Style,
    pub header_fill: Option<Rgb>,
    /// Rule width in points.
    pub rule: f32,
    pub pad_x: f32,
    pub pad_y: f32,
    /// Keep all rows on one page (small key–value grids); long tables flow instead.
    pub keep_together: bool,
    /// The table's width in points, centred in the text width; `None`: the whole text width.
    pub width: Option<f32>,
}

impl Table {
    pub fn new(columns: Vec<Column>, style: Style) -> Table {
        Table {
            columns,
            header: None,
            rows: Vec::new(),
            style,
            header_style: style,
            header_fill: Some(Rgb::SHADE),
            rule: 0.5,
            pad_x: 4.0,
            pad_y: 3.0,
            keep_together: false,
            width: None,
        }
    }

    pub fn header(self, header: Vec<Cell>, style: Style) -> Table {
        Table {
            header: Some(header),
            header_style: style,
            ..self
        }
    }

    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    /// The header (kept with the first row) and one unit per row; every row knows the header so
    /// the paginator can repeat it.
    pub(crate) fn units(self, sheet: &Sheet) -> Vec<Unit> {
        let edges = self.edges(sheet);
        let header = self.header.as_ref().map(|cells| {
            let cells: Vec<Cell> = cells
                .iter()
                .map(|c| {
                    let cell = Cell {
                        style: c.style.or(Some(self.header_style)),
                        ..c.clone()
                    };
                    match (cell.fill, self.header_fill) {
                        (None, Some(fill)) => cell.fill(fill),
                        _ => cell,
                    }
                })
                .collect();
            let mut unit = self.row_unit(&cells, &edges, Some(Align::Center));
            unit.keep_with_next = true;
            Rc::new(unit)
        });
        let mut units: Vec<Unit> = Vec::with_capacity(self.rows.len() + 1);
        if let Some(header) = &header {
            units.push((**header).clone());
        }
        let count = self.rows.len();
        for (i, cells) in self.rows.iter().enumerate() {
            let mut unit = self.row_unit(cells, &edges, None);
            unit.header = header.clone();
            unit.keep_with_next = self.keep_together && i + 1 < count;
            units.push(unit);
        }
        units
    }

    /// The x of every column boundary, left edge first: the columns share the text width by weight.
    fn edges(&self, sheet: &Sheet) -> Vec<f32> {
        let total: f32 = self.columns.iter().map(|c| c.weight).sum();
        let full = sheet.text_width();
        let width = self.width.map_or(full, |w| w.clamp(0.0, full));
        let mut x = sheet.left + (full - width) / 2.0;
        let mut edges = vec![x];
        for column in &self.columns {
            x += width * column.weight / total.max(f32::EPSILON);
            edges.push(x);
        }
        edges
    }

    fn row_unit(&self, cells: &[Cell], edges: &[f32], force_align: Option<Align>) -> Unit {
        struct Placed<'a> {
            cell: &'a Cell,
            style: Style,
            left: f32,
            right: f32,
            align: Align,
            lines: Vec<linebreak::Line>,
        }
        let columns = self.columns.len();
        let mut placed = Vec::with_capacity(cells.len());
        let mut column = 0;
        for cell in cells {
            if column >= columns {
                break;
            }
            let end = (column + cell.span).min(columns);
            let style = cell.style.unwrap_or(self.style);
            let (left, right) = (edges[column], edges[end]);
            let inner = right - left - 2.0 * self.pad_x;
            let align = force_align
                .or(cell.align)
                .unwrap_or(self.columns[column].align);
            let lines = linebreak::wrap(&cell.text, inner, |c| style.advance(c));
            placed.push(Placed {
                cell,
                style,
                left,
                right,
                align,
                lines,
            });
            column = end;
        }
        let height = placed
            .iter()
            .map(|p| {
                let text = p.lines.len() as f32 * p.style.line_height();
                p.cell.square.map_or(text, |side| text.max(side))
            })
            .fold(self.style.line_height(), f32::max)
            + 2.0 * self.pad_y;

        let mut prims = Vec::new();
        for p in &placed {
            if let Some(fill) = p.cell.fill {
                let (x, w) = (p.left, p.right - p.left);
                prims.push(Prim::Rect {
                    x,
                    y: 0.0,
                    w,
                    h: height,
                    fill: Some(fill),
                    stroke: None,
                });
            }
        }
        for p in &placed {
            let line_height = p.style.line_height();
            let top = (height - p.lines.len() as f32 * line_height) / 2.0;
            let inner = p.right - p.left - 2.0 * self.pad_x;
            for (i, line) in p.lines.iter().enumerate() {
                let y = baseline(top + i as f32 * line_height, line_height, p.style.size);
                prims.push(text_prim(
                    p.left + self.pad_x,
                    inner,
                    y,
                    p.align,
                    &p.style,
                    &line.text,
                ));
            }
        }
        for p in &placed {
            if let Some(side) = p.cell.square {
                prims.push(Prim::Rect {
                    x: (p.left + p.right - side) / 2.0,
                    y: (height - side) / 2.0,
                    w: side,
                    h: side,
                    fill: None,
                    stroke: Some((0.8, Rgb::BLACK)),
                });
            }
        }
        // Every row draws its own frame, so a row that opens a page is closed on all sides.
        let (left, right) = (edges[0], edges[edges.len() - 1]);
        let rule = |x1, y1, x2, y2| Prim::Line {
            x1,
            y1,
            x2,
            y2,
            width: self.rule,
            color: Rgb::RULE,
        };
        prims.push(rule(left, 0.0, right, 0.0));
        prims.push(rule(left, height, right, height));
        for p in &placed {
            prims.push(rule(p.left, 0.0, p.left, height));
        }
        prims.push(rule(right, 0.0, right, height));
        Unit::new(height, prims)
    }
}
