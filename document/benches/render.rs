//! How long rendering takes, on one thread: a one-page notice with a 12-row table and a work order
//! with 25 scope rows over two compounds with outlines.
//!
//! `taskset -c 0 cargo bench -p jiugai-document` (targets: notice < 2 ms, work order < 4 ms, each
//! under 60 KB).

#[path = "../tests/common/samples.rs"]
mod samples;

use std::hint::black_box;
use std::time::{Duration, Instant};

const WARM_UP: usize = 20;
const RUNS: usize = 200;

fn main() {
    let notice = samples::notice();
    let order = samples::work_order(25);
    bench("notice (12-row table)", || {
        jiugai_document::render_notice(black_box(&notice))
    });
    bench("work order (25 rows, 2 sites)", || {
        jiugai_document::render_work_order(black_box(&order))
    });
}

fn bench(name: &str, render: impl Fn() -> Result<Vec<u8>, jiugai_document::RenderError>) {
    let first = Instant::now();
    let bytes = match render() {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("{name}: {e}");
            std::process::exit(1);
        }
    };
    let first = first.elapsed();
    for _ in 0..WARM_UP {
        black_box(render().ok());
    }
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            black_box(render().ok());
            start.elapsed()
        })
        .collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:32} median {:7.3} ms   min {:7.3} ms   max {:7.3} ms   first {:7.1} ms   {:6.1} KB ({} bytes)",
        ms(times[RUNS / 2]),
        ms(times[0]),
        ms(times[RUNS - 1]),
        ms(first),
        bytes.len() as f64 / 1024.0,
        bytes.len(),
    );
}
