//! The county map (全县分布图): one dot per compound at its centroid, coloured by category, each a link with its
//! name on hover or focus; town labels placed so that no two overlap; and a town's own map (`/map?town=…`),
//! zoomed to its compounds and naming them where there is room.

use serde_json::{Value, json};

use crate::db::compounds::{self, MapPoint};
use crate::error::{Error, Result};
use crate::web::state::AppState;
use crate::web::svg::{self, Projection};

/// The town a map is zoomed to: `?town=` names it; any other parameter is refused by name.
pub fn town_query(query: &[(String, String)]) -> Result<Option<String>> {
    let mut town = None;
    for (key, value) in query {
        match key.as_str() {
            "town" if !value.trim().is_empty() => town = Some(value.trim().to_owned()),
            "town" => {}
            _ => {
                return Err(Error::invalid(
                    key.as_str(),
                    "不认识的参数：分布图只能按镇街查看",
                ));
            }
        }
    }
    Ok(town)
}

/// The map of the whole county, or of one town (`town`), `width` × `height` units.
pub async fn county_map(
    state: &AppState,
    width: f64,
    height: f64,
    town: Option<&str>,
) -> Result<Value> {
    let all = compounds::map_points(&state.db).await?;
    let towns = town_list(&all);
    let points: Vec<&MapPoint> = match town {
        Some(t) => {
            let inside: Vec<&MapPoint> = all.iter().filter(|p| p.town == t).collect();
            if inside.is_empty() {
                return Err(Error::NotFound(format!(
                    "没有名为“{t}”的镇街，或该镇街尚无小区"
                )));
            }
            inside
        }
        None => all.iter().collect(),
    };
    let Some(bbox) = svg::bbox_of(&[points.iter().map(|p| (p.lon, p.lat)).collect()]) else {
        return Ok(
            json!({"width": width, "height": height, "dots": [], "towns": [], "town_list": towns}),
        );
    };
    // A town of one compound, or of compounds in a row, still gets a map some hundreds of metres across.
    let bbox = widened(bbox, 0.004);
    let projection = Projection::fit(bbox, width, height, 40.0);
    let zoom = if town.is_some() { 1.6 } else { 1.0 };
    let dots: Vec<(f64, f64, f64, &MapPoint)> = points
        .iter()
        .map(|p| {
            let (x, y) = projection.point(p.lon, p.lat);
            let r = (2.0 + f64::from(p.households).sqrt() / 6.0).min(6.0) * zoom;
            (x, y, (r * 10.0).round() / 10.0, *p)
        })
        .collect();
    // On the county map the towns are named; on a town's map, its compounds (the largest first).
    let mut wanted: Vec<Wanted> = match town {
        // A town's name goes just outside its cluster of dots, over nothing but the map.
        None => town_centres(&points)
            .into_iter()
            .map(|(name, lon, lat, n)| {
                let (x, y) = projection.point(lon, lat);
                let r = dots
                    .iter()
                    .filter(|d| d.3.town == name)
                    .map(|d| ((d.0 - x).powi(2) + (d.1 - y).powi(2)).sqrt() + d.2)
                    .fold(0.0, f64::max);
                Wanted {
                    text: name,
                    x,
                    y,
                    r,
                    weight: n as f64,
                    font: 12.0,
                }
            })
            .collect(),
        Some(_) => dots
            .iter()
            .map(|(x, y, r, p)| Wanted {
                text: p.name.clone(),
                x: *x,
                y: *y,
                r: *r,
                weight: f64::from(p.households),
                font: 12.0,
            })
            .collect(),
    };
    wanted.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.text.cmp(&b.text)));
    // Town labels keep clear of each other; a compound's name keeps clear of the other dots too.
    let avoid: Vec<(f64, f64, f64)> = match town {
        None => Vec::new(),
        Some(_) => dots.iter().map(|d| (d.0, d.1, d.2)).collect(),
    };
    let labels = place(&wanted, width, height, &avoid);
    let dots: Vec<Value> = dots
        .iter()
        .map(|(x, y, r, p)| {
            json!({"x": round(*x), "y": round(*y), "r": r, "colour": svg::category_colour(p.category.as_deref()),
                   "code": p.code, "name": p.name, "town": p.town,
                   // The name shown on hover or focus, above the dot or below it near the top edge.
                   "label_y": if *y < 24.0 { round(y + r + 14.0) } else { round(y - r - 5.0) }})
        })
        .collect();
    let km = (projection.metres_per_unit() * width / 5.0 / 1000.0).max(0.1);
    let km = [
        0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0,
    ]
    .into_iter()
    .rev()
    .find(|k| *k <= km)
    .unwrap_or(0.1);
    Ok(json!({
        "width": width, "height": height, "dots": dots, "labels": labels, "town": town,
        "town_list": towns,
        "scale_bar_km": km, "scale_bar_units": round(km * 1000.0 / projection.metres_per_unit()),
    }))
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn widened(b: [f64; 4], min_span: f64) -> [f64; 4] {
    let grow = |lo: f64, hi: f64| {
        let pad = ((min_span - (hi - lo)) / 2.0).max(0.0);
        (lo - pad, hi + pad)
    };
    let (x0, x1) = grow(b[0], b[2]);
    let (y0, y1) = grow(b[1], b[3]);
    [x0, y0, x1, y1]
}

/// The towns with their compound counts, for the links to each town's map.
fn town_list(points: &[MapPoint]) -> Vec<Value> {
    town_centres(&points.iter().collect::<Vec<_>>())
        .into_iter()
        .map(|(name, _, _, n)| json!({"name": name, "count": n}))
        .collect()
}

/// Each town's name, mean centroid and number of compounds, in order of first appearance.
fn town_centres(points: &[&MapPoint]) -> Vec<(String, f64, f64, usize)> {
    let mut towns: Vec<(String, f64, f64, usize)> = Vec::new();
    for p in points {
        match towns.iter_mut().find(|t| t.0 == p.town) {
            Some(t) => {
                t.1 += p.lon;
                t.2 += p.lat;
                t.3 += 1;
            }
            None => towns.push((p.town.clone(), p.lon, p.lat, 1)),
        }
    }
    for t in &mut towns {
        t.1 /= t.3 as f64;
        t.2 /= t.3 as f64;
    }
    towns
}

/// A label to place near a point (`r`: the dot's radius there, 0 for none).
struct Wanted {
    text: String,
    x: f64,
    y: f64,
    r: f64,
    weight: f64,
    font: f64,
}

/// Places labels greedily, heaviest first: each at the first of eight spots around its point where it stays on
/// the map and overlaps no label already placed and no dot; a label with no free spot is left out (its dot still
/// names itself on hover). Returns each placed label's text, anchor point (centre, baseline) and size.
fn place(wanted: &[Wanted], width: f64, height: f64, dots: &[(f64, f64, f64)]) -> Vec<Value> {
    let mut placed: Vec<[f64; 4]> = Vec::new();
    let mut out = Vec::new();
    for w in wanted {
        let (tw, th) = (text_width(&w.text, w.font), w.font + 2.0);
        let gap = w.r + 3.0;
        let spots = [
            (0.0, -(gap + th / 2.0)),
            (0.0, gap + th / 2.0),
            (gap + tw / 2.0, 0.0),
            (-(gap + tw / 2.0), 0.0),
            (gap + tw / 2.0, -(gap + th / 2.0)),
            (-(gap + tw / 2.0), -(gap + th / 2.0)),
            (gap + tw / 2.0, gap + th / 2.0),
            (-(gap + tw / 2.0), gap + th / 2.0),
        ];
        let free = spots.iter().find_map(|(dx, dy)| {
            let (cx, cy) = (w.x + dx, w.y + dy);
            let b = [cx - tw / 2.0, cy - th / 2.0, cx + tw / 2.0, cy + th / 2.0];
            let inside = b[0] >= 2.0 && b[1] >= 2.0 && b[2] <= width - 2.0 && b[3] <= height - 2.0;
            let clear = !placed.iter().any(|p| overlap(p, &b))
                && !dots
                    .iter()
                    .any(|&(x, y, r)| overlap(&[x - r, y - r, x + r, y + r], &b));
            (inside && clear).then_some((cx, cy, b))
        });
        if let Some((cx, cy, b)) = free {
            placed.push(b);
            out.push(json!({"text": w.text, "x": round(cx), "y": round(cy + w.font * 0.35)}));
        }
    }
    out
}

fn overlap(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

/// How wide `text` is set at `font` px: a CJK character is a full em, anything else about half.
fn text_width(text: &str, font: f64) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
        .sum::<f64>()
        * font
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(text: &str, x: f64, y: f64, weight: f64) -> Wanted {
        Wanted {
            text: text.into(),
            x,
            y,
            r: 0.0,
            weight,
            font: 12.0,
        }
    }

    #[test]
    fn labels_never_overlap_and_the_heaviest_wins_its_spot() {
        // Twenty towns crowded into a corner: some move aside, some are left out, none overlap.
        let crowd: Vec<Wanted> = (0..20)
            .map(|i| {
                wanted(
                    &format!("镇{i}"),
                    100.0 + f64::from(i % 4) * 8.0,
                    100.0 + f64::from(i / 4) * 6.0,
                    f64::from(20 - i),
                )
            })
            .collect();
        let placed = place(&crowd, 900.0, 560.0, &[]);
        assert!(!placed.is_empty() && placed.len() < crowd.len());
        assert_eq!(placed[0]["text"], "镇0");
        let boxes: Vec<[f64; 4]> = placed
            .iter()
            .map(|l| {
                let (x, y) = (
                    l["x"].as_f64().unwrap(),
                    l["y"].as_f64().unwrap() - 12.0 * 0.35,
                );
                let w = text_width(l["text"].as_str().unwrap(), 12.0);
                [x - w / 2.0, y - 7.0, x + w / 2.0, y + 7.0]
            })
            .collect();
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                assert!(!overlap(a, b), "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn a_label_stays_on_the_map_and_off_the_dots() {
        let near_edge = [wanted("文林镇", 3.0, 3.0, 1.0)];
        let placed = place(&near_edge, 900.0, 560.0, &[]);
        let x = placed[0]["x"].as_f64().unwrap();
        assert!(x - text_width("文林镇", 12.0) / 2.0 >= 2.0, "{placed:?}");
        let covered = [wanted("视高镇", 200.0, 200.0, 1.0)];
        let placed = place(&covered, 900.0, 560.0, &[(200.0, 186.0, 6.0)]);
        assert!(
            placed[0]["y"].as_f64().unwrap() > 200.0,
            "moved below the dot above it: {placed:?}"
        );
    }

    #[test]
    fn only_the_town_parameter_is_taken() {
        assert_eq!(
            town_query(&[("town".into(), " 文林镇 ".into())])
                .unwrap()
                .as_deref(),
            Some("文林镇")
        );
        assert_eq!(town_query(&[("town".into(), String::new())]).unwrap(), None);
        assert!(town_query(&[("zoom".into(), "2".into())]).is_err());
    }
}
