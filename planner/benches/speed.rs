//! Release-mode timing of `plan()` alone on the synthetic county instances: median of several runs per size, with the
//! gap to the bound. The whole planning call (priority, district projects, reasons) is timed by the main crate's
//! `cargo bench --bench plan`; this one isolates the schedule and the bound.
//!
//! ```text
//! CARGO_TARGET_DIR=/tmp/mip-target cargo bench -p jiugai-planner --bench speed
//! ```
//!
//! Environment: `SPEED_SIZES` (comma-separated compound counts, default `50,410,2000,220000`), `SPEED_SEEDS`
//! (default `1,2`), `SPEED_RUNS` (runs per instance, default 7; 5 above 100,000 compounds), `SPEED_SHAPES`
//! (default `county,budget,sources`; "sources" is "county" with four funding sources whose yearly limits bind,
//! seven resources in all).

use std::time::{Duration, Instant};

use jiugai_planner::plan;
use jiugai_planner::synthetic::{Shape, instance};

fn env_list(name: &str, default: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .map(|s| s.trim().to_string())
        .collect()
}

fn number(s: &str) -> u64 {
    s.parse()
        .unwrap_or_else(|_| panic!("{s:?} is not a number"))
}

fn main() {
    let sizes: Vec<u64> = env_list("SPEED_SIZES", "50,410,2000,220000")
        .iter()
        .map(|s| number(s))
        .collect();
    let seeds: Vec<u64> = env_list("SPEED_SEEDS", "1,2")
        .iter()
        .map(|s| number(s))
        .collect();
    let shapes = env_list("SPEED_SHAPES", "county,budget,sources");
    let runs: Option<usize> = std::env::var("SPEED_RUNS")
        .ok()
        .map(|s| number(&s) as usize);
    println!(
        "{:>7} {:<7} {:>4} {:>7} | {:>10} {:>10} {:>10} | {:>16} {:>9}",
        "n", "shape", "seed", "items", "median", "min", "max", "objective", "gap %"
    );
    for &n in &sizes {
        for shape_name in &shapes {
            let shape = match shape_name.as_str() {
                "county" => Shape::county(n as usize),
                "budget" => Shape {
                    count_cap: None,
                    ..Shape::county(n as usize)
                },
                "sources" => Shape::sources(n as usize),
                other => panic!("unknown shape {other:?}"),
            };
            for &seed in &seeds {
                let inst = instance(&shape, seed);
                let runs = runs.unwrap_or(if n > 100_000 { 5 } else { 7 });
                let mut times: Vec<Duration> = Vec::with_capacity(runs);
                let mut first = None;
                for _ in 0..runs {
                    let start = Instant::now();
                    let p = plan(&inst).expect("the planner rejected a synthetic instance");
                    times.push(start.elapsed());
                    match &first {
                        None => first = Some(p),
                        Some(f) => assert_eq!(f, &p, "the planner is not deterministic"),
                    }
                }
                times.sort();
                let p = first.expect("at least one run");
                let ms = |d: Duration| format!("{:.2}ms", d.as_secs_f64() * 1e3);
                println!(
                    "{:>7} {:<7} {:>4} {:>7} | {:>10} {:>10} {:>10} | {:>16.2} {:>9.5}",
                    n,
                    shape_name,
                    seed,
                    inst.items.len(),
                    ms(times[times.len() / 2]),
                    ms(times[0]),
                    ms(times[times.len() - 1]),
                    p.objective,
                    p.gap() * 100.0
                );
            }
        }
    }
}
