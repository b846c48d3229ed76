//! The catalog as GeoJSON: feature values, or a whole FeatureCollection streamed to a writer.

use std::io::{self, Write};

use serde_json::Value;

use super::generator::Generator;

/// Seed of the committed Renshou fixture (the year of the first annual batch).
pub const RENSHOU_SEED: u64 = 2021;
/// Number of compounds in the committed Renshou fixture.
pub const RENSHOU_COUNT: usize = 410;

/// Features of a synthetic catalog, one serde_json::Value GeoJSON Feature per compound, in code order.
/// Same (count, seed) → same features, byte for byte, on every machine.
pub fn features(count: usize, seed: u64) -> impl Iterator<Item = Value> {
    Generator::new(count, seed)
        .map(|feature| serde_json::to_value(feature).expect("a feature is plain JSON"))
}

/// Writes an RFC 7946 FeatureCollection with `features(count, seed)`, streaming: never holds the whole collection
/// (count may be 220,000). One feature per line after the header, so diffs of the committed file stay readable.
pub fn write_collection(out: &mut impl Write, count: usize, seed: u64) -> io::Result<()> {
    out.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
    let mut line = Vec::with_capacity(4096);
    // Serialising the records directly gives the same bytes as serialising `features()`'s values (fields in
    // declaration order, the same number formatting), several times faster.
    for (i, feature) in Generator::new(count, seed).enumerate() {
        line.clear();
        if i > 0 {
            line.extend_from_slice(b",\n");
        }
        serde_json::to_writer(&mut line, &feature).map_err(io::Error::other)?;
        out.write_all(&line)?;
    }
    if count > 0 {
        out.write_all(b"\n")?;
    }
    out.write_all(b"]}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::test_support::{bytes, renshou};

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let a = bytes(RENSHOU_COUNT, RENSHOU_SEED);
        assert_eq!(a, bytes(RENSHOU_COUNT, RENSHOU_SEED));
        assert_ne!(a, bytes(RENSHOU_COUNT, RENSHOU_SEED + 1));
        // The writer (which serialises the records directly) and the iterator (JSON values) agree line by line.
        let from_iter: Vec<String> = renshou().iter().map(|f| f.to_string()).collect();
        let text = String::from_utf8(a).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], r#"{"type":"FeatureCollection","features":["#);
        assert_eq!(*lines.last().unwrap(), "]}");
        assert_eq!(lines.len(), RENSHOU_COUNT + 2);
        for (i, line) in lines[1..=RENSHOU_COUNT].iter().enumerate() {
            let line = line.strip_suffix(',').unwrap_or(line);
            assert_eq!(line, from_iter[i]);
        }
    }

    #[test]
    fn writes_valid_collections_of_any_size() {
        for count in [0, 1, 2, 3, 11, 30] {
            let parsed: Value = serde_json::from_slice(&bytes(count, 5)).unwrap();
            assert_eq!(parsed["type"], "FeatureCollection");
            assert_eq!(parsed["features"].as_array().unwrap().len(), count);
            let ranks = parsed["features"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| !f["properties"]["deputies_vote_rank"].is_null())
                .count();
            assert_eq!(ranks, count.min(10));
        }
        assert_eq!(features(7, 1).count(), 7);
    }

    /// Timing only: `cargo test --release -p jiugai-fixtures --lib generate::write::tests::timing -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn timing_220k() {
        let start = std::time::Instant::now();
        let mut out = io::BufWriter::new(io::sink());
        write_collection(&mut out, 220_000, RENSHOU_SEED).unwrap();
        out.flush().unwrap();
        println!("220,000 features in {:?}", start.elapsed());
    }
}
