//! District projects (片区): adjacent compounds of one town, planned together.

use std::collections::BTreeMap;

use geo::{Distance, Euclidean, MapCoords, MultiPolygon};

use super::candidate::Candidate;

/// District projects (片区): compounds of one town whose boundaries are within `within_m` metres of each other,
/// joined closest pair first as long as a project stays within `max` compounds. Single compounds stay alone.
/// Deterministic: ties are broken by position.
pub(super) fn bundle(
    candidates: &[Candidate],
    free: &[usize],
    within_m: f64,
    max: usize,
) -> Vec<Vec<usize>> {
    // Candidate pairs: same town, bounding boxes within reach — a sweep over the boxes sorted by west edge.
    let boxes: Vec<[f64; 4]> = free.iter().map(|&i| bbox(&candidates[i].outline)).collect();
    let reach_lat = within_m / 110_574.0;
    let mut order: Vec<usize> = (0..free.len()).collect();
    order.sort_by(|&a, &b| boxes[a][0].total_cmp(&boxes[b][0]).then(a.cmp(&b)));
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    if within_m > 0.0 && max > 1 {
        for (n, &a) in order.iter().enumerate() {
            let reach_lon = within_m / (111_320.0 * boxes[a][1].to_radians().cos().max(0.1));
            for &b in &order[n + 1..] {
                if boxes[b][0] > boxes[a][2] + reach_lon {
                    break;
                }
                let (ca, cb) = (&candidates[free[a]], &candidates[free[b]]);
                let near = boxes[b][1] <= boxes[a][3] + reach_lat
                    && boxes[a][1] <= boxes[b][3] + reach_lat;
                if near && ca.town_code == cb.town_code {
                    let d = distance_m(&ca.outline, &cb.outline);
                    if d <= within_m {
                        pairs.push((d, a.min(b), a.max(b)));
                    }
                }
            }
        }
    }
    pairs.sort_by(|x, y| x.0.total_cmp(&y.0).then((x.1, x.2).cmp(&(y.1, y.2))));

    // Union–find with a size limit.
    let mut parent: Vec<usize> = (0..free.len()).collect();
    let mut size = vec![1usize; free.len()];
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (_, a, b) in pairs {
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        if ra != rb && size[ra] + size[rb] <= max {
            let (keep, gone) = (ra.min(rb), ra.max(rb));
            parent[gone] = keep;
            size[keep] += size[gone];
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (n, &compound) in free.iter().enumerate() {
        let r = root(&mut parent, n);
        groups.entry(r).or_default().push(compound);
    }
    groups.into_values().collect()
}

fn bbox(outline: &MultiPolygon<f64>) -> [f64; 4] {
    use geo::BoundingRect;
    outline
        .bounding_rect()
        .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
        .unwrap_or_default()
}

/// The shortest distance between two boundaries, in metres, on a local plane (fine at the scale of a town).
fn distance_m(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> f64 {
    let [lon0, lat0, ..] = bbox(a);
    let kx = 111_320.0 * lat0.to_radians().cos();
    let ky = 110_574.0;
    let project = |m: &MultiPolygon<f64>| {
        m.map_coords(|c| geo::coord! { x: (c.x - lon0) * kx, y: (c.y - lat0) * ky })
    };
    let (pa, pb) = (project(a), project(b));
    pb.0.iter()
        .map(|polygon| Euclidean.distance(&pa, polygon))
        .fold(f64::INFINITY, f64::min)
}
