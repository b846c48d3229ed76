//! Speed and memory of the batch planner (issue 5): the plan *and* its quality bound, for the Renshou catalog (410
//! compounds) and a national-scale one (220,000, from the same fixture generator), over five years.
//!
//! `cargo bench --bench plan` (add `-- 410` or `-- 220000` for one size). Prints, per size: the median and spread
//! of the whole planning call (priority, eligibility, district projects, schedule, bound, reasons), the gap to the
//! bound, and the process's peak memory while planning. Timings are for docs/PERFORMANCE.md, never asserted.

use std::time::{Duration, Instant};

use jiugai::domain::batch::{self, Candidate, Horizon, YearLimits};
use jiugai::domain::catalog::Catalog;
use jiugai::domain::geometry::Crs;
use jiugai::domain::policy::Policy;
use jiugai::domain::record::CompoundRecord;
use jiugai_fixtures::generate;

fn main() {
    let only: Option<usize> = std::env::args().skip(1).find_map(|a| a.parse().ok());
    let policy = Policy::from_toml(include_str!("../fixtures/renshou/policy.toml")).unwrap();
    let catalog = Catalog::from_toml(include_str!("../fixtures/renshou/work_items.toml")).unwrap();
    println!("machine: {}", machine());
    for (count, runs) in [(generate::RENSHOU_COUNT, 50), (220_000, 7)] {
        if only.is_some_and(|n| n != count) {
            continue;
        }
        let started = Instant::now();
        let candidates: Vec<Candidate> = generate::features(count, generate::RENSHOU_SEED)
            .map(|f| {
                let r = CompoundRecord::parse(
                    &f["properties"],
                    f.get("geometry"),
                    Crs::Wgs84,
                    &catalog,
                )
                .expect("generated compounds are valid");
                Candidate::from_record(&r, f["properties"]["requests"].as_i64().unwrap_or(0) as i32)
            })
            .collect();
        let horizon = horizon(&policy, count);
        println!(
            "\n{count} compounds generated and priced in {:.1} s; horizon {}–{}, {} yuan and at most {} compounds a year",
            started.elapsed().as_secs_f64(),
            horizon.years[0].year,
            horizon.years.last().unwrap().year,
            horizon.years[0].budget_yuan,
            horizon.years[0].max_compounds.unwrap()
        );
        reset_peak_memory();
        let mut times = Vec::new();
        let mut last = None;
        for _ in 0..runs {
            let start = Instant::now();
            let plan = batch::plan(&policy, &horizon, &candidates).expect("the horizon is valid");
            times.push(start.elapsed());
            last = Some(plan);
        }
        let plan = last.unwrap();
        times.sort();
        let scheduled = plan.years.iter().map(|y| y.compounds).sum::<u32>();
        println!(
            "  plan + bound: median {}  (min {}, max {}, {runs} runs)",
            ms(times[runs / 2]),
            ms(times[0]),
            ms(times[runs - 1])
        );
        println!(
            "  {scheduled} compounds scheduled in {} district projects and single compounds; gap to the bound {:.4}%",
            plan.bundles.len(),
            plan.gap * 100.0
        );
        println!(
            "  peak memory while planning (whole process, catalog included): {} MiB",
            peak_memory_kib() / 1024
        );
    }
}

/// Five years from 2022 at the 2021 batch's budget and cap, scaled to the catalog's size.
fn horizon(policy: &Policy, count: usize) -> Horizon {
    let seed = &policy.batches["2021"];
    let scale = count as f64 / generate::RENSHOU_COUNT as f64;
    Horizon {
        years: (2022..=2026)
            .map(|year| YearLimits {
                year,
                budget_yuan: (seed.budget_yuan as f64 * scale) as u64,
                max_compounds: seed.max_compounds.map(|m| (f64::from(m) * scale) as u32),
                max_households: None,
                source_limits_yuan: Default::default(),
            })
            .collect(),
        discount: None,
        pins: Default::default(),
        exclusions: Default::default(),
        bundles: true,
        overrides: Default::default(),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Resets the kernel's record of the process's peak resident memory (Linux ≥ 4.0), so that what follows is
/// measured on its own.
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_memory_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    format!(
        "{cpu}, {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    )
}
