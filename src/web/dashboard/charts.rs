//! The dashboard's drawings as numbers for its templates (names go in there, escaped): the year's progress as
//! lines against the plan, the funds as bars, and the towns as a schematic county map coloured by progress.
//!
//! There are no town boundaries in the data, only the compounds' positions: each town is drawn as the part of
//! the county nearer its compounds' centre than any other town's (a Voronoi cell), inside the county's outline
//! drawn round all the towns. The map says it is a sketch, not the administrative boundaries.

use serde::Serialize;

use crate::web::svg::Projection;

/// How wide `text` is at `font` px: a CJK character is a full em, anything else about half.
fn text_width(text: &str, font: f64) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.58 } else { 1.0 })
        .sum::<f64>()
        * font
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// The step of an axis from 0 to at least `max` in about `ticks` steps: 1, 2 or 5 × 10ⁿ, never below 1.
pub fn nice_step(max: f64, ticks: f64) -> f64 {
    let raw = (max / ticks).max(1.0);
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|s| s * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude)
}

#[derive(Debug, Clone, Serialize)]
pub struct Tick {
    pub x: f64,
    pub y: f64,
    pub label: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    pub month: u32,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub label: &'static str,
    pub class: &'static str,
    /// `x,y x,y …` for a polyline.
    pub points: String,
    pub dots: Vec<Point>,
    /// The label beside the last point: "完工 58".
    pub end: Option<Tick>,
}

/// A chart of cumulative figures by month, January to December, with the year's target as a flat line.
#[derive(Debug, Clone, Serialize)]
pub struct LineChart {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub base: f64,
    pub font: f64,
    pub x_ticks: Vec<Tick>,
    pub y_ticks: Vec<Tick>,
    pub plan_y: f64,
    pub plan_label: String,
    pub lines: Vec<Line>,
}

/// Progress by month against `plan`: `started` and `completed` hold the cumulative figures of the months counted
/// (January first); the x axis always runs to December. `unit` follows the figures ("个", "户").
pub fn progress_chart(
    plan: i64,
    started: &[i64],
    completed: &[i64],
    unit: &str,
    width: f64,
) -> LineChart {
    let narrow = width < 480.0;
    let font = if narrow { 10.0 } else { 12.0 };
    let height = if narrow { 230.0 } else { 270.0 };
    let top = 26.0;
    let base = height - 26.0;
    let max_value = started
        .iter()
        .chain(completed)
        .copied()
        .chain([plan])
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let step = nice_step(max_value, 4.0);
    let y_max = (max_value / step).ceil() * step;
    let tick_labels: Vec<String> = (0..=(y_max / step) as i64)
        .map(|k| jiugai_document::money::whole((k as f64 * step) as i64))
        .collect();
    let left = tick_labels
        .iter()
        .map(|t| text_width(t, font))
        .fold(0.0, f64::max)
        + 12.0;
    // Room on the right for the labels at the lines' ends ("完工 1,234").
    let right = width
        - text_width(
            &format!("完工 {}", tick_labels.last().map_or("", |s| s)),
            font,
        )
        - 10.0;
    let slot = (right - left) / 12.0;
    let x_of = |month: u32| round1(left + slot * (f64::from(month) - 0.5));
    let y_of = |v: f64| round1(base - v / y_max * (base - top));
    // On a phone twelve "10月" do not fit side by side: the months are numbered, and 月 closes the axis.
    let mut x_ticks: Vec<Tick> = (1..=12u32)
        .map(|m| Tick {
            x: x_of(m),
            y: base + font + 6.0,
            label: if narrow {
                m.to_string()
            } else {
                format!("{m}月")
            },
        })
        .collect();
    if narrow {
        x_ticks.push(Tick {
            x: round1(right + font),
            y: base + font + 6.0,
            label: "月".to_owned(),
        });
    }
    let y_ticks = tick_labels
        .into_iter()
        .enumerate()
        .map(|(k, label)| Tick {
            x: left - 6.0,
            y: y_of(k as f64 * step),
            label,
        })
        .collect();
    let mut lines: Vec<Line> = [
        ("累计开工", "开工", "started", started),
        ("累计完工", "完工", "completed", completed),
    ]
    .into_iter()
    .map(|(label, short, class, values)| {
        let dots: Vec<Point> = values
            .iter()
            .enumerate()
            .map(|(i, v)| Point {
                x: x_of(i as u32 + 1),
                y: y_of(*v as f64),
                month: i as u32 + 1,
                value: format!("{} {unit}", jiugai_document::money::whole(*v)),
            })
            .collect();
        let end = values.last().map(|v| Tick {
            x: x_of(values.len() as u32) + 7.0,
            y: y_of(*v as f64) + font * 0.35,
            label: format!("{short} {}", jiugai_document::money::whole(*v)),
        });
        Line {
            label,
            class,
            points: dots
                .iter()
                .map(|p| format!("{},{}", p.x, p.y))
                .collect::<Vec<_>>()
                .join(" "),
            dots,
            end,
        }
    })
    .collect();
    // End labels that would overlap move apart, the higher value above.
    if let [a, b] = lines.as_mut_slice()
        && let (Some(ea), Some(eb)) = (a.end.as_mut(), b.end.as_mut())
        && (ea.x - eb.x).abs() < 1.0
        && (ea.y - eb.y).abs() < font + 2.0
    {
        let mid = (ea.y + eb.y) / 2.0;
        let (upper, lower) = if ea.y <= eb.y { (ea, eb) } else { (eb, ea) };
        upper.y = round1(mid - (font + 2.0) / 2.0);
        lower.y = round1(mid + (font + 2.0) / 2.0);
    }
    LineChart {
        width,
        height,
        left,
        right,
        top,
        base,
        font,
        x_ticks,
        y_ticks,
        plan_y: y_of(plan as f64),
        plan_label: format!("全年计划 {} {unit}", jiugai_document::money::whole(plan)),
        lines,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Bar {
    pub class: &'static str,
    pub label: &'static str,
    pub y: f64,
    pub w: f64,
    pub value: String,
    pub value_x: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct BarGroup {
    pub label: String,
    pub label_y: f64,
    pub bars: Vec<Bar>,
}

/// Horizontal bars in groups, to one scale.
#[derive(Debug, Clone, Serialize)]
pub struct BarChart {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub bar_h: f64,
    pub font: f64,
    pub groups: Vec<BarGroup>,
}

/// What a bar stands for: 应到位, 已到位, 已支付.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Money {
    Planned,
    Received,
    Paid,
}

impl Money {
    pub fn class(self) -> &'static str {
        match self {
            Money::Planned => "planned",
            Money::Received => "received",
            Money::Paid => "paid",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Money::Planned => "应到位",
            Money::Received => "已到位",
            Money::Paid => "已支付",
        }
    }
}

/// Groups of bars (a source's 应到位 and 已到位, say), amounts in fen, labelled in 万元.
pub fn money_bars(groups: &[(String, Vec<(Money, i64)>)], width: f64) -> BarChart {
    let narrow = width < 480.0;
    let font = if narrow { 11.0 } else { 12.0 };
    let bar_h = if narrow { 11.0 } else { 13.0 };
    let left = groups
        .iter()
        .map(|(label, _)| text_width(label, font))
        .fold(0.0, f64::max)
        .min(width * 0.4)
        + 10.0;
    let top_value = groups
        .iter()
        .flat_map(|(_, bars)| bars.iter().map(|(_, fen)| *fen))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let values_w = text_width("00,000.00", font) + 6.0;
    let span = width - left - values_w;
    let mut y = 6.0;
    let mut out = Vec::new();
    for (label, bars) in groups {
        let first = y;
        let bars: Vec<Bar> = bars
            .iter()
            .map(|(kind, fen)| {
                let w = round1((*fen).max(0) as f64 / top_value * span);
                let bar = Bar {
                    class: kind.class(),
                    label: kind.label(),
                    y: round1(y),
                    w,
                    value: jiugai_document::money::wan_figures(*fen),
                    value_x: round1(left + w + 4.0),
                };
                y += bar_h + 2.0;
                bar
            })
            .collect();
        let middle = (first + y - 2.0) / 2.0;
        out.push(BarGroup {
            label: label.clone(),
            label_y: round1(middle + font * 0.35),
            bars,
        });
        y += 10.0;
    }
    BarChart {
        width,
        height: round1(y),
        left,
        bar_h,
        font,
        groups: out,
    }
}

/// The classes of a town's progress on the map: its share of the year's compounds started (or completed).
pub const CLASSES: [(&str, &str); 4] = [
    ("0%", "#ffffcc"),
    ("1%–49%", "#c2e699"),
    ("50%–99%", "#78c679"),
    ("100%", "#238443"),
];
/// A town with no compound in the year's batch.
pub const NONE_COLOUR: &str = "#d9d9d9";

/// The class of a share (0–1) done: 0 %, under half, half or more, all.
pub fn class_of(share: f64) -> usize {
    if share <= 0.0 {
        0
    } else if share < 0.5 {
        1
    } else if share < 1.0 {
        2
    } else {
        3
    }
}

/// One town to draw: its name, where its compounds are (their mean centroid), and its progress this year
/// (`None` without a compound in the year's batch): done and planned compounds.
#[derive(Debug, Clone)]
pub struct TownSite {
    pub name: String,
    pub lon: f64,
    pub lat: f64,
    pub progress: Option<(i64, i64)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TownShape {
    pub name: String,
    pub path: String,
    pub colour: &'static str,
    /// "文林街道：完工 8/12（67%）" for the tooltip.
    pub title: String,
    pub label: Option<TownLabel>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TownLabel {
    pub x: f64,
    pub y: f64,
    /// "8/12" under the name, when there is room.
    pub figures: Option<String>,
    pub figures_y: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TownMap {
    pub width: f64,
    pub height: f64,
    pub font: f64,
    pub outline: String,
    pub towns: Vec<TownShape>,
}

/// The schematic map of the towns, `width` × `height`, each town coloured by the class of its share done;
/// `what` names the share in tooltips ("开工", "完工").
pub fn town_map(sites: &[TownSite], what: &str, width: f64, height: f64) -> Option<TownMap> {
    let first = sites.first()?;
    let bbox = sites.iter().fold(
        [first.lon, first.lat, first.lon, first.lat],
        |[a, b, c, d], s| [a.min(s.lon), b.min(s.lat), c.max(s.lon), d.max(s.lat)],
    );
    let pad = (width.min(height) * 0.08).max(14.0);
    let projection = Projection::fit(bbox, width, height, pad + 6.0);
    let points: Vec<(f64, f64)> = sites
        .iter()
        .map(|s| projection.point(s.lon, s.lat))
        .collect();
    let outline = county_outline(&points, pad);
    let font = if width < 480.0 { 10.0 } else { 12.0 };
    let cells: Vec<Vec<(f64, f64)>> = (0..points.len())
        .map(|i| voronoi_cell(&points, i, &outline))
        .collect();
    // Labels, largest towns (by cell area) first, each where it overlaps no other.
    let mut order: Vec<usize> = (0..sites.len()).collect();
    order.sort_by(|&a, &b| area(&cells[b]).total_cmp(&area(&cells[a])));
    let mut placed: Vec<[f64; 4]> = Vec::new();
    let mut labels: Vec<Option<TownLabel>> = vec![None; sites.len()];
    for i in order {
        let s = &sites[i];
        let figures = s
            .progress
            .filter(|(_, p)| *p > 0)
            .map(|(d, p)| format!("{d}/{p}"));
        let (cx, cy) = centroid(&cells[i]).unwrap_or(points[i]);
        let name_w = text_width(&s.name, font).max(
            figures
                .as_deref()
                .map_or(0.0, |f| text_width(f, font - 1.0)),
        );
        let candidates = [(cx, cy), points[i], (cx, cy - font), (cx, cy + font)];
        'fit: for with_figures in [true, false] {
            if with_figures && figures.is_none() {
                continue;
            }
            let lines = if with_figures { 2.0 } else { 1.0 };
            let h = lines * (font + 2.0);
            for (x, y) in candidates {
                let b = [
                    x - name_w / 2.0 - 2.0,
                    y - h / 2.0,
                    x + name_w / 2.0 + 2.0,
                    y + h / 2.0,
                ];
                let inside =
                    b[0] >= 1.0 && b[1] >= 1.0 && b[2] <= width - 1.0 && b[3] <= height - 1.0;
                if inside && !placed.iter().any(|p| overlap(p, &b)) {
                    placed.push(b);
                    let name_y = b[1] + font;
                    labels[i] = Some(TownLabel {
                        x: round1(x),
                        y: round1(name_y),
                        figures: if with_figures { figures.clone() } else { None },
                        figures_y: round1(name_y + font + 1.0),
                    });
                    break 'fit;
                }
            }
        }
    }
    let towns = sites
        .iter()
        .zip(cells)
        .zip(labels)
        .map(|((s, cell), label)| {
            let (colour, title) = match s.progress {
                Some((done, planned)) if planned > 0 => {
                    let share = done as f64 / planned as f64;
                    (
                        CLASSES[class_of(share)].1,
                        format!(
                            "{}：{what} {done}/{planned}（{:.0}%）",
                            s.name,
                            (share * 100.0).floor()
                        ),
                    )
                }
                _ => (NONE_COLOUR, format!("{}：今年无改造小区", s.name)),
            };
            TownShape {
                name: s.name.clone(),
                path: path_of(&cell),
                colour,
                title,
                label,
            }
        })
        .collect();
    Some(TownMap {
        width,
        height,
        font,
        outline: path_of(&outline),
        towns,
    })
}

fn overlap(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

fn path_of(polygon: &[(f64, f64)]) -> String {
    let mut d = String::new();
    for (i, (x, y)) in polygon.iter().enumerate() {
        d.push_str(if i == 0 { "M" } else { " L" });
        d.push_str(&format!("{} {}", round1(*x), round1(*y)));
    }
    if !d.is_empty() {
        d.push_str(" Z");
    }
    d
}

/// The county's outline: the convex hull round every town's centre, widened by `pad` (each centre stands for a
/// disc of that radius, drawn as a 16-gon).
fn county_outline(points: &[(f64, f64)], pad: f64) -> Vec<(f64, f64)> {
    let around: Vec<(f64, f64)> = points
        .iter()
        .flat_map(|&(x, y)| {
            (0..16).map(move |k| {
                let a = f64::from(k) * std::f64::consts::PI / 8.0;
                (x + pad * a.cos(), y + pad * a.sin())
            })
        })
        .collect();
    convex_hull(&around)
}

/// The convex hull, counter-clockwise in the drawing's coordinates (Andrew's monotone chain).
fn convex_hull(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut p = points.to_vec();
    p.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    p.dedup();
    if p.len() < 3 {
        return p;
    }
    let cross = |o: (f64, f64), a: (f64, f64), b: (f64, f64)| {
        (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
    };
    let mut hull: Vec<(f64, f64)> = Vec::with_capacity(p.len() * 2);
    for pass in [p.clone(), p.iter().rev().copied().collect()] {
        let start = hull.len();
        for q in pass {
            while hull.len() >= start + 2
                && cross(hull[hull.len() - 2], hull[hull.len() - 1], q) <= 0.0
            {
                hull.pop();
            }
            hull.push(q);
        }
        hull.pop();
    }
    hull
}

/// The part of `region` (convex) nearer `points[i]` than any other point.
fn voronoi_cell(points: &[(f64, f64)], i: usize, region: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let (xi, yi) = points[i];
    let mut cell = region.to_vec();
    for (j, &(xj, yj)) in points.iter().enumerate() {
        if j == i || (xj - xi).abs() + (yj - yi).abs() < 1e-9 {
            continue;
        }
        // Nearer i than j: (pj − pi)·p ≤ (|pj|² − |pi|²) / 2.
        let (a, b) = (xj - xi, yj - yi);
        let c = (xj * xj + yj * yj - xi * xi - yi * yi) / 2.0;
        cell = clip(&cell, a, b, c);
        if cell.is_empty() {
            break;
        }
    }
    cell
}

/// The part of a convex polygon where a·x + b·y ≤ c (Sutherland–Hodgman, one edge).
fn clip(polygon: &[(f64, f64)], a: f64, b: f64, c: f64) -> Vec<(f64, f64)> {
    let inside = |p: (f64, f64)| a * p.0 + b * p.1 <= c;
    let mut out = Vec::with_capacity(polygon.len() + 1);
    for k in 0..polygon.len() {
        let p = polygon[k];
        let q = polygon[(k + 1) % polygon.len()];
        if inside(p) {
            out.push(p);
        }
        if inside(p) != inside(q) {
            let (fp, fq) = (a * p.0 + b * p.1 - c, a * q.0 + b * q.1 - c);
            let t = fp / (fp - fq);
            out.push((p.0 + t * (q.0 - p.0), p.1 + t * (q.1 - p.1)));
        }
    }
    out
}

fn area(polygon: &[(f64, f64)]) -> f64 {
    let n = polygon.len();
    (0..n)
        .map(|k| {
            let (p, q) = (polygon[k], polygon[(k + 1) % n]);
            p.0 * q.1 - q.0 * p.1
        })
        .sum::<f64>()
        .abs()
        / 2.0
}

fn centroid(polygon: &[(f64, f64)]) -> Option<(f64, f64)> {
    let n = polygon.len();
    let mut a = 0.0;
    let (mut cx, mut cy) = (0.0, 0.0);
    for k in 0..n {
        let (p, q) = (polygon[k], polygon[(k + 1) % n]);
        let cross = p.0 * q.1 - q.0 * p.1;
        a += cross;
        cx += (p.0 + q.0) * cross;
        cy += (p.1 + q.1) * cross;
    }
    (a.abs() > 1e-9).then(|| (cx / (3.0 * a), cy / (3.0 * a)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_steps_are_1_2_5_and_reach_the_top() {
        assert_eq!(nice_step(81.0, 4.0), 50.0);
        assert_eq!(nice_step(7.0, 4.0), 2.0);
        assert_eq!(nice_step(0.0, 4.0), 1.0);
        assert_eq!(nice_step(23_456.0, 4.0), 10_000.0);
    }

    #[test]
    fn a_progress_chart_puts_the_plan_above_the_months_counted_and_runs_to_december() {
        let c = progress_chart(81, &[10, 40, 81], &[0, 5, 30], "个", 600.0);
        assert_eq!(c.x_ticks.len(), 12);
        assert_eq!(c.x_ticks[11].label, "12月");
        assert_eq!(c.lines[0].dots.len(), 3);
        // Started reaches the plan: its last point is on the plan's line.
        assert_eq!(c.lines[0].dots[2].y, c.plan_y);
        assert!(
            c.lines[1].dots[2].y > c.plan_y,
            "completed is below the plan"
        );
        assert_eq!(c.y_ticks.last().unwrap().label, "100");
        assert_eq!(c.lines[1].end.as_ref().unwrap().label, "完工 30");
        assert_eq!(c.plan_label, "全年计划 81 个");
        // Nothing counted yet: no dots, no end labels.
        let empty = progress_chart(6, &[], &[], "个", 360.0);
        assert!(
            empty
                .lines
                .iter()
                .all(|l| l.dots.is_empty() && l.end.is_none())
        );
    }

    #[test]
    fn end_labels_at_the_same_value_do_not_overlap() {
        let c = progress_chart(81, &[81], &[81], "个", 600.0);
        let (a, b) = (
            c.lines[0].end.as_ref().unwrap(),
            c.lines[1].end.as_ref().unwrap(),
        );
        assert!((a.y - b.y).abs() >= c.font, "{} {}", a.y, b.y);
    }

    #[test]
    fn bars_share_one_scale() {
        let c = money_bars(
            &[
                (
                    "中央补助资金".into(),
                    vec![(Money::Planned, 200), (Money::Received, 100)],
                ),
                (
                    "居民出资".into(),
                    vec![(Money::Planned, 50), (Money::Received, 0)],
                ),
            ],
            600.0,
        );
        let w = |g: usize, b: usize| c.groups[g].bars[b].w;
        assert!((w(0, 0) - 2.0 * w(0, 1)).abs() < 0.2);
        assert!((w(0, 0) - 4.0 * w(1, 0)).abs() < 0.2);
        assert_eq!(w(1, 1), 0.0);
        assert!(c.left + w(0, 0) + 60.0 <= c.width, "room for the figures");
    }

    #[test]
    fn classes_split_at_nothing_half_and_all() {
        assert_eq!(
            [0.0, 0.01, 0.49, 0.5, 0.99, 1.0].map(class_of),
            [0, 1, 1, 2, 2, 3]
        );
    }

    fn town(name: &str, lon: f64, lat: f64, progress: Option<(i64, i64)>) -> TownSite {
        TownSite {
            name: name.into(),
            lon,
            lat,
            progress,
        }
    }

    #[test]
    fn the_towns_cells_tile_the_county_each_round_its_own_centre() {
        let sites = vec![
            town("甲镇", 104.0, 30.0, Some((2, 4))),
            town("乙镇", 104.2, 30.0, Some((0, 3))),
            town("丙镇", 104.1, 30.2, None),
            town("丁街道", 104.1, 30.05, Some((5, 5))),
            town("戊镇", 103.9, 30.15, Some((1, 1))),
        ];
        let map = town_map(&sites, "完工", 500.0, 460.0).unwrap();
        let points: Vec<(f64, f64)> = {
            let bbox = [103.9, 30.0, 104.2, 30.2];
            let projection = Projection::fit(bbox, 500.0, 460.0, 500.0_f64.min(460.0) * 0.08 + 6.0);
            sites
                .iter()
                .map(|s| projection.point(s.lon, s.lat))
                .collect()
        };
        let outline = county_outline(&points, 460.0 * 0.08);
        let cells: Vec<Vec<(f64, f64)>> = (0..points.len())
            .map(|i| voronoi_cell(&points, i, &outline))
            .collect();
        let total: f64 = cells.iter().map(|c| area(c)).sum();
        assert!(
            (total - area(&outline)).abs() < 1.0,
            "{total} vs {}",
            area(&outline)
        );
        for (i, cell) in cells.iter().enumerate() {
            // Each cell's points are no nearer another centre than its own.
            for &(x, y) in cell {
                let own = (x - points[i].0).hypot(y - points[i].1);
                for (j, p) in points.iter().enumerate() {
                    assert!(
                        own <= (x - p.0).hypot(y - p.1) + 0.01,
                        "cell {i} reaches {j}"
                    );
                }
            }
        }
        // Colours by class; a town without compounds this year is grey.
        let colour = |name: &str| map.towns.iter().find(|t| t.name == name).unwrap().colour;
        assert_eq!(colour("甲镇"), CLASSES[2].1);
        assert_eq!(colour("乙镇"), CLASSES[0].1);
        assert_eq!(colour("丙镇"), NONE_COLOUR);
        assert_eq!(colour("丁街道"), CLASSES[3].1);
        assert!(
            map.towns
                .iter()
                .all(|t| t.path.starts_with('M') && t.path.ends_with('Z'))
        );
        assert!(map.towns.iter().any(|t| t.title == "甲镇：完工 2/4（50%）"));
    }

    #[test]
    fn town_labels_never_overlap() {
        // Towns crowded together: some lose their label, none overlaps another.
        let sites: Vec<TownSite> = (0..12)
            .map(|i| {
                town(
                    &format!("第{i}街道"),
                    104.0 + f64::from(i % 4) * 0.004,
                    30.0 + f64::from(i / 4) * 0.003,
                    Some((1, 2)),
                )
            })
            .chain([town("远镇", 104.4, 30.4, Some((0, 1)))])
            .collect();
        let map = town_map(&sites, "开工", 360.0, 360.0).unwrap();
        let boxes: Vec<[f64; 4]> = map
            .towns
            .iter()
            .filter_map(|t| {
                let l = t.label.as_ref()?;
                let w = text_width(&t.name, map.font) / 2.0;
                let lines = if l.figures.is_some() { 2.0 } else { 1.0 };
                Some([
                    l.x - w,
                    l.y - map.font,
                    l.x + w,
                    l.y - map.font + lines * (map.font + 2.0),
                ])
            })
            .collect();
        assert!(!boxes.is_empty() && boxes.len() < sites.len());
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                assert!(!overlap(a, b), "{a:?} overlaps {b:?}");
            }
        }
    }
}
