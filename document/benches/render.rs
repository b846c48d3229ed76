//! How long rendering takes: on one thread, a one-page notice with a 12-row table and work orders
//! of 8 and 25 scope rows over two compounds with outlines; a monthly return of 60 towns (landscape, two
//! tables); then a batch of 81 work orders rendered on every core, as the batch ZIP and `jiugai render
//! work-orders` do.
//!
//! `taskset -c 0 cargo bench -p jiugai-document` (targets: notice < 2 ms, work order < 4 ms, each
//! under 60 KB; pin to one core for the single-document numbers); without `taskset` for the batch
//! (target: 81 orders < 1 s).

#[path = "../tests/common/samples.rs"]
mod samples;

use std::hint::black_box;
use std::time::{Duration, Instant};

const WARM_UP: usize = 20;
const RUNS: usize = 200;

fn main() {
    let notice = samples::notice();
    bench("notice (12-row table)", || {
        jiugai_document::render_notice(black_box(&notice))
    });
    for rows in [8, 25] {
        let order = samples::work_order(rows);
        bench(&format!("work order ({rows} rows, 2 sites)"), || {
            jiugai_document::render_work_order(black_box(&order))
        });
    }
    let report = samples::report(60);
    bench("monthly return (60 towns)", || {
        jiugai_document::render_report(black_box(&report))
    });
    batch();
}

/// 81 different orders (numbers, rows and compounds vary), all rendered, 10 times.
fn batch() {
    let orders: Vec<_> = (0..81)
        .map(|i| {
            let mut order = samples::work_order(3 + i % 12);
            order.number = format!("RS-2021-{:04}", i + 1);
            order.url = format!("https://jiugai.renshou.gov.cn/work-orders/{}", order.number);
            order.sites.truncate(1 + i % 2);
            order
        })
        .collect();
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..10 {
        let start = Instant::now();
        let rendered = jiugai_document::render_work_orders(black_box(&orders), &|| ());
        times.push(start.elapsed());
        bytes = rendered
            .iter()
            .map(|r| r.as_ref().map_or(0, Vec::len))
            .sum();
    }
    times.sort();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "{:32} median {:7.1} ms   min {:7.1} ms   max {:7.1} ms   {threads} threads   {:6.1} KB per order",
        "81 work orders, in parallel",
        times[5].as_secs_f64() * 1000.0,
        times[0].as_secs_f64() * 1000.0,
        times[9].as_secs_f64() * 1000.0,
        bytes as f64 / 81.0 / 1024.0,
    );
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
