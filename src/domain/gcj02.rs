//! GCJ-02 (国测局坐标, used by AMap and Tencent maps) ⇄ WGS-84.
//!
//! The forward transform is the published one. Crates on the registry invert it with a single
//! subtraction, which leaves metre-level errors; the catalog keeps coordinates to 1e-6°
//! (about 10 cm), so the inverse here iterates until the forward transform reproduces the input.

const A: f64 = 6_378_245.0;
const EE: f64 = 0.006_693_421_622_965_943;

/// Outside mainland China GCJ-02 equals WGS-84.
fn outside_china(lon: f64, lat: f64) -> bool {
    !(72.004..=137.8347).contains(&lon) || !(0.8293..=55.8271).contains(&lat)
}

fn offset_lat(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn offset_lon(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// WGS-84 → GCJ-02.
pub fn from_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    use std::f64::consts::PI;
    if outside_china(lon, lat) {
        return (lon, lat);
    }
    let d_lat = offset_lat(lon - 105.0, lat - 35.0);
    let d_lon = offset_lon(lon - 105.0, lat - 35.0);
    let rad_lat = lat / 180.0 * PI;
    let magic = 1.0 - EE * rad_lat.sin() * rad_lat.sin();
    let sqrt_magic = magic.sqrt();
    let d_lat = (d_lat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI);
    let d_lon = (d_lon * 180.0) / (A / sqrt_magic * rad_lat.cos() * PI);
    (lon + d_lon, lat + d_lat)
}

/// GCJ-02 → WGS-84, to within 1e-9° (well under a millimetre).
pub fn to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    let (mut w_lon, mut w_lat) = (lon, lat);
    for _ in 0..30 {
        let (g_lon, g_lat) = from_wgs84(w_lon, w_lat);
        let (e_lon, e_lat) = (g_lon - lon, g_lat - lat);
        w_lon -= e_lon;
        w_lat -= e_lat;
        if e_lon.abs() < 1e-10 && e_lat.abs() < 1e-10 {
            break;
        }
    }
    (w_lon, w_lat)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_offset_near_renshou_is_a_few_hundred_metres() {
        let (lon, lat) = from_wgs84(104.13, 30.0);
        let (d_lon, d_lat) = (lon - 104.13, lat - 30.0);
        // GCJ-02 shifts points in Sichuan by roughly 200–600 m.
        let metres = ((d_lon * 96_000.0).powi(2) + (d_lat * 111_000.0).powi(2)).sqrt();
        assert!((100.0..800.0).contains(&metres), "offset {metres} m");
    }

    #[test]
    fn inverse_undoes_forward_to_sub_millimetre() {
        for &(lon, lat) in &[
            (104.13, 30.0),
            (116.397, 39.909),
            (121.47, 31.23),
            (87.6, 43.8),
        ] {
            let (g_lon, g_lat) = from_wgs84(lon, lat);
            let (w_lon, w_lat) = to_wgs84(g_lon, g_lat);
            assert!((w_lon - lon).abs() < 1e-9 && (w_lat - lat).abs() < 1e-9);
        }
    }

    #[test]
    fn outside_china_is_unchanged() {
        assert_eq!(from_wgs84(2.35, 48.85), (2.35, 48.85));
        assert_eq!(to_wgs84(2.35, 48.85), (2.35, 48.85));
    }
}
