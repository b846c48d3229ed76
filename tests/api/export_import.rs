use serde_json::{Value, json};

use crate::helpers::{spawn_app, spawn_empty_app};

fn features(text: &str) -> Vec<Value> {
    let collection: Value = serde_json::from_str(text).expect("export is JSON");
    assert_eq!(collection["type"], "FeatureCollection");
    collection["features"].as_array().expect("features").clone()
}

/// The RFC 7946 rules our export must keep, checked independently of the code that wrote it.
fn assert_rfc7946(feature: &Value) {
    assert_eq!(feature["type"], "Feature");
    assert!(feature.get("crs").is_none());
    let geometry = &feature["geometry"];
    let polygons: Vec<&Value> = match geometry["type"].as_str() {
        Some("Polygon") => vec![&geometry["coordinates"]],
        Some("MultiPolygon") => geometry["coordinates"].as_array().unwrap().iter().collect(),
        other => panic!("unexpected geometry {other:?}"),
    };
    for polygon in polygons {
        for (i, ring) in polygon.as_array().unwrap().iter().enumerate() {
            let ring: Vec<(f64, f64)> = ring
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
                .collect();
            assert!(
                ring.len() >= 4 && ring.first() == ring.last(),
                "ring not closed"
            );
            assert!(
                ring.iter().all(
                    |(lon, lat)| (-180.0..=180.0).contains(lon) && (-90.0..=90.0).contains(lat)
                )
            );
            let twice_area: f64 = ring
                .windows(2)
                .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
                .sum();
            // Right-hand rule: exterior counter-clockwise (positive), holes clockwise.
            assert_eq!(twice_area > 0.0, i == 0, "ring {i} wound the wrong way");
        }
    }
}

#[tokio::test]
async fn the_export_is_rfc_7946_with_the_attributes_as_properties() {
    let app = spawn_app().await;
    let r = app.get("/api/compounds.geojson").await;
    assert_eq!(r.headers()["content-type"], "application/geo+json");
    let text = r.text().await.unwrap();
    let features = features(&text);
    assert_eq!(features.len(), 410);
    features.iter().for_each(assert_rfc7946);
    let first = &features[0];
    assert_eq!(
        (first["id"].as_str(), first["properties"]["name"].as_str()),
        (Some("RS-0001"), Some("工行小区"))
    );
    for key in [
        "town",
        "community",
        "year_built",
        "households",
        "floor_area_m2",
        "scope",
        "consent",
        "survey",
        "category",
    ] {
        assert!(first["properties"].get(key).is_some(), "{key}");
    }
    let (_, filtered) = app
        .get_json("/api/compounds?category=upgrade&per_page=1")
        .await;
    let upgrade = features_of(&app, "/api/compounds.geojson?category=upgrade").await;
    assert_eq!(upgrade.len() as u64, filtered["total"].as_u64().unwrap());
    assert!(
        upgrade
            .iter()
            .all(|f| f["properties"]["category"] == "upgrade")
    );
    let (status, _) = app.get_json("/api/compounds.geojson?built_from=abc").await;
    assert_eq!(status, 422);
    independent_validator(&text);
}

async fn features_of(app: &crate::helpers::TestApp, path: &str) -> Vec<Value> {
    features(&app.get(path).await.text().await.unwrap())
}

/// Runs the `geojson-validator` package (PyPI) over the export when it is installed; `.ci/run`
/// installs it, so CI never skips this.
fn independent_validator(text: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.geojson");
    std::fs::write(&path, text).unwrap();
    let script = "import json,sys,geojson_validator as g\n\
        d=json.load(open(sys.argv[1]))\n\
        s=g.validate_structure(d, check_crs=True)\n\
        r=g.validate_geometries(d)\n\
        print(json.dumps({'structure': s, 'invalid': r['invalid'], 'problematic': r['problematic']}))";
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let stdout = String::from_utf8_lossy(&o.stdout);
            let report: Value =
                serde_json::from_str(stdout.lines().last().unwrap_or("{}")).unwrap();
            assert_eq!(
                report,
                json!({"structure": {}, "invalid": {}, "problematic": {}}),
                "geojson-validator found problems"
            );
        }
        _ => {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\n*** geojson-validator SKIPPED: `pip install geojson-validator` to run it; .ci/run does ***\n"
            );
            assert!(
                std::env::var("CI").is_err(),
                "CI must run the independent GeoJSON validator"
            );
        }
    }
}

#[tokio::test]
async fn an_exported_file_imported_again_gives_the_same_catalog() {
    let source = spawn_app().await;
    let exported = source.snapshot().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("renshou.geojson");
    std::fs::write(&file, &exported).unwrap();

    let target = spawn_empty_app().await;
    let out = target.cli(&["import", "compounds", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("新建 410 个"));
    // Everything but the count of accepted residents' requests, which their triage keeps (the requests themselves
    // are not in the file, so a new catalog starts with none).
    let without_requests = |text: &str| -> String {
        let mut value: serde_json::Value = serde_json::from_str(text).expect("GeoJSON");
        for feature in value["features"].as_array_mut().expect("features") {
            feature["properties"]["requests"] = serde_json::json!(0);
        }
        value.to_string()
    };
    assert_eq!(
        without_requests(&target.snapshot().await),
        without_requests(&exported)
    );
    assert!(
        exported.contains("\"requests\":10"),
        "the source has accepted requests"
    );

    // Running it twice changes nothing, not even versions.
    let out = target.cli(&["import", "compounds", file.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("新建 0 个，更新 0 个，未变 410 个"));
    let (_, c) = target.get_json("/api/compounds/RS-0001").await;
    assert_eq!(c["version"], 1);

    // The CLI export writes the same bytes as the API.
    let out = target.cli(&["export", "compounds"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        target.snapshot().await
    );
}

#[tokio::test]
async fn a_changed_feature_is_updated_in_place_and_its_version_bumped() {
    let app = spawn_app().await;
    let mut features = features(&app.snapshot().await);
    features.truncate(3);
    features[1]["properties"]["households"] = json!(77);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("edit.geojson");
    std::fs::write(
        &file,
        json!({"type": "FeatureCollection", "features": features}).to_string(),
    )
    .unwrap();
    // Warm the list cache first: another process's import must still show at once.
    let (_, before) = app.get_json("/api/compounds?per_page=3").await;
    assert_eq!(before["items"][1]["households"], 45);
    let version = before["items"][1]["version"].as_i64().unwrap();
    let out = app.cli(&["import", "compounds", file.to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("新建 0 个，更新 1 个，未变 2 个"),
        "{out:?}"
    );
    let (_, after) = app.get_json("/api/compounds?per_page=3").await;
    assert_eq!(after["items"][1]["households"], 77);
    let (_, c) = app.get_json("/api/compounds/RS-0002").await;
    assert_eq!(
        (c["households"].as_i64(), c["version"].as_i64()),
        (Some(77), Some(version + 1))
    );
}

#[tokio::test]
async fn a_bad_file_names_every_bad_feature_and_imports_nothing() {
    let app = spawn_app().await;
    let before = app.snapshot().await;
    let mut features = features(&before);
    features.truncate(6);
    features[0]["properties"]["name"] = json!("改了名字但不该写入");
    features[1]["properties"]["households"] = json!(-3);
    features[2]["properties"]["code"] = json!("RS-0006");
    features[3]["geometry"] = json!({"type": "Polygon", "coordinates": [[[104.30, 30.30], [104.301, 30.301], [104.301, 30.30], [104.30, 30.301], [104.30, 30.30]]]});
    features[4] = json!({"type": "Feature", "geometry": null});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.geojson");
    std::fs::write(
        &file,
        json!({"type": "FeatureCollection", "features": features}).to_string(),
    )
    .unwrap();
    let out = app.cli(&["import", "compounds", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    for expected in [
        "要素 features[1]（RS-0002）：households：须为 1 到 100000 之间的整数",
        "要素 features[5]（RS-0006）：code：编号重复：要素 features[2] 也用了这个编号",
        "要素 features[3]（RS-0004）：geometry：边界不是有效的多边形",
        "要素 features[4]：properties：须为包含小区各项信息的对象",
        "没有导入任何内容",
    ] {
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
    for broken in [b"{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{\"name\":\"\xff\xfe\"}}]}".to_vec(), b"[1,2".to_vec(), b"".to_vec()] {
        std::fs::write(&file, broken).unwrap();
        let out = app.cli(&["import", "compounds", file.to_str().unwrap()]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("整个文件：json："), "{out:?}");
    }
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn gcj02_coordinates_are_converted_to_wgs84() {
    let app = spawn_app().await;
    let mut feature = features(&app.snapshot().await).remove(0);
    let wgs = feature["geometry"].clone();
    let shift = |p: &Value| {
        let (lon, lat) =
            jiugai::domain::gcj02::from_wgs84(p[0].as_f64().unwrap(), p[1].as_f64().unwrap());
        json!([lon, lat])
    };
    let ring: Vec<Value> = wgs["coordinates"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(shift)
        .collect();
    feature["geometry"] = json!({"type": "Polygon", "coordinates": [ring]});
    feature["properties"]["code"] = json!("RS-GCJ1");
    feature["properties"]["name"] = json!("高德坐标小区");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("amap.geojson");
    std::fs::write(
        &file,
        json!({"type": "FeatureCollection", "features": [feature]}).to_string(),
    )
    .unwrap();
    let out = app.cli(&[
        "import",
        "compounds",
        file.to_str().unwrap(),
        "--crs",
        "gcj02",
    ]);
    assert!(out.status.success(), "{out:?}");
    let (_, c) = app.get_json("/api/compounds/RS-GCJ1").await;
    let (got, want) = (&c["geometry"]["coordinates"][0], &wgs["coordinates"][0]);
    for (g, w) in got.as_array().unwrap().iter().zip(want.as_array().unwrap()) {
        for k in 0..2 {
            assert!(
                (g[k].as_f64().unwrap() - w[k].as_f64().unwrap()).abs() <= 1.1e-6,
                "{g} vs {w}"
            );
        }
    }
}

#[tokio::test]
async fn paging_through_the_export_in_small_pages_gives_the_same_file() {
    let app = spawn_app().await;
    let whole = app
        .get("/api/compounds.geojson?town=511421001")
        .await
        .text()
        .await
        .unwrap();
    let db = jiugai::db::connect(&app.database_url).await.unwrap();
    let filter = jiugai::db::compounds::Filter {
        town: Some("511421001".into()),
        ..Default::default()
    };
    // 103 compounds in 文林街道: pages of 7 end mid-page, and one page size divides evenly.
    for page_size in [7, 103, 1] {
        let mut pages = jiugai::db::compounds::FeaturePages::new(filter.clone(), page_size);
        let mut parts = Vec::new();
        while let Some(features) = pages.next(&db).await.unwrap() {
            assert!(features.len() as u64 <= page_size);
            parts.extend(features);
        }
        let joined = format!(
            "{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}\n",
            parts.join(",\n")
        );
        assert_eq!(joined, whole, "page size {page_size}");
    }
}
