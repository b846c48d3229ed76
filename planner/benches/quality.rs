//! Exact-optimum quality benchmark: the planner's objective against the optimum of the exact MIP, solved by HiGHS
//! (through good_lp) to a relative gap of 1e-9.
//!
//! ```text
//! CARGO_TARGET_DIR=/tmp/mip-target cargo bench -p jiugai-planner --features mip --bench quality
//! ```
//!
//! Environment: `MIP_TIME_LIMIT` (seconds per HiGHS solve, default 600), `MIP_THREADS` (HiGHS threads, default
//! HiGHS's own choice), `MIP_VERBOSE=1` (HiGHS log on the console), `QUALITY_SIZES` (comma-separated compound
//! counts, default `50,410,2000`), `QUALITY_SHAPES` (default `county,budget,sources`), `QUALITY_SEEDS` (default
//! `1,2`), `QUALITY_MIP=recorded` (compare with HiGHS's objectives of a recorded run, [`RECORDED`], instead of
//! running HiGHS: seconds instead of half an hour, for checking planner changes; default `solve`), `QUALITY_DUMP=DIR`
//! (writes each instance's two plans, the planner's and HiGHS's, one line each, to `DIR/n-shape-seed.txt`). "sources"
//! is "county" with four funding sources, each with a yearly limit set to bind (issue 18); for
//! those instances a second line says in how many years each limit is full (≥ 99.5% used) in the planner's plan.
//!
//! Panics, after printing the table, when the planner's plan breaks a limit or a pin, when its bound is below a
//! feasible MIP solution's value (the bound must be a true upper bound), or when it scores below 99.9% of the value of
//! HiGHS's solution (proven optimal or not: the optimum is at least that).

use std::time::{Duration, Instant};

use good_lp::{Expression, ProblemVariables, SolverModel, Variable, highs, variable};
use jiugai_planner::synthetic::{Shape, instance};
use jiugai_planner::{Instance, Plan, plan};

/// Ratio planner / optimum below which a proven optimum counts as a failure.
const MIN_RATIO: f64 = 0.999;
/// Relative slack allowed when comparing the planner's bound with the MIP's value.
const BOUND_SLACK: f64 = 1e-6;
/// HiGHS's relative MIP gap: "exact".
const MIP_REL_GAP: f64 = 1e-9;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(s) => s
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={s:?} does not parse")),
        Err(_) => default,
    }
}

fn env_list(name: &str, default: &[u64]) -> Vec<u64> {
    match std::env::var(name) {
        Ok(s) => s
            .split(',')
            .map(|x| {
                x.trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("{name}={s:?} does not parse"))
            })
            .collect(),
        Err(_) => default.to_vec(),
    }
}

/// Σ value × discount^year of an assignment, computed from scratch.
fn objective_of(inst: &Instance, year_of: &[Option<usize>]) -> f64 {
    inst.items
        .iter()
        .zip(year_of)
        .filter_map(|(item, t)| t.map(|t| item.value * inst.discount.powi(t as i32)))
        .sum()
}

/// Checks an assignment against the instance independently of the planner: every pin in its year, every year within
/// every limit. Returns what each year uses, or the list of violations.
fn check(inst: &Instance, year_of: &[Option<usize>]) -> Result<Vec<Vec<u64>>, Vec<String>> {
    let mut problems = Vec::new();
    if year_of.len() != inst.items.len() {
        problems.push(format!(
            "{} assignments for {} items",
            year_of.len(),
            inst.items.len()
        ));
        return Err(problems);
    }
    let mut used = vec![vec![0u64; inst.resources.len()]; inst.years.len()];
    for (i, (item, &t)) in inst.items.iter().zip(year_of).enumerate() {
        if let Some(f) = item.fixed
            && t != Some(f)
        {
            problems.push(format!(
                "item {i} is pinned to year {f} but scheduled in {t:?}"
            ));
        }
        if let Some(t) = t {
            if t >= inst.years.len() {
                problems.push(format!(
                    "item {i} scheduled in year {t}, outside the horizon"
                ));
                continue;
            }
            for (u, need) in used[t].iter_mut().zip(&item.needs) {
                *u += need;
            }
        }
    }
    for (t, (year, used)) in inst.years.iter().zip(&used).enumerate() {
        for (r, (&limit, &u)) in year.limits.iter().zip(used).enumerate() {
            if let Some(limit) = limit
                && u > limit
            {
                problems.push(format!("year {t}, resource {r}: uses {u} of limit {limit}"));
            }
        }
    }
    if problems.is_empty() {
        Ok(used)
    } else {
        Err(problems)
    }
}

struct PlannerRun {
    plan: Plan,
    best: Duration,
}

fn run_planner(inst: &Instance) -> PlannerRun {
    // Best of a few runs; fewer for the big instances so the whole benchmark stays within minutes.
    let runs = if inst.items.len() > 1000 { 3 } else { 5 };
    let mut best = Duration::MAX;
    let mut result = None;
    for _ in 0..runs {
        let start = Instant::now();
        let p = plan(inst).expect("the planner rejected a synthetic instance");
        best = best.min(start.elapsed());
        if let Some(previous) = &result {
            assert_eq!(previous, &p, "the planner is not deterministic");
        }
        result = Some(p);
    }
    PlannerRun {
        plan: result.unwrap(),
        best,
    }
}

struct MipRun {
    /// Value of HiGHS's incumbent, rounded to 0/1 and re-evaluated from scratch (pins included).
    objective: f64,
    /// HiGHS's dual bound (pins included); `NaN` when it gave none.
    dual_bound: f64,
    /// HiGHS's model status, as its Debug name.
    status: String,
    /// HiGHS's final relative gap.
    gap: f64,
    optimal: bool,
    time: Duration,
    binaries: usize,
    year_of: Vec<Option<usize>>,
}

/// The exact model: a binary x[i][t] for each free item i and each year t whose room (limit less the pins) it fits
/// on its own; Σ_t x[i][t] ≤ 1; per year and limited resource Σ needs·x ≤ room. Pinned items are constants.
fn solve_mip(inst: &Instance, time_limit: f64, threads: Option<i32>, verbose: bool) -> MipRun {
    let years = inst.years.len();
    let weight: Vec<f64> = (0..years).map(|t| inst.discount.powi(t as i32)).collect();

    let res = inst.resources.len();
    let mut fixed_used = vec![vec![0u64; res]; years];
    let mut fixed_value = 0.0;
    for item in &inst.items {
        if let Some(t) = item.fixed {
            for (u, need) in fixed_used[t].iter_mut().zip(&item.needs) {
                *u += need;
            }
            fixed_value += item.value * weight[t];
        }
    }
    let room: Vec<Vec<Option<u64>>> = (0..years)
        .map(|t| {
            (0..res)
                .map(|r| {
                    inst.years[t].limits[r].map(|l| {
                        l.checked_sub(fixed_used[t][r])
                            .expect("pins exceed a year's limit")
                    })
                })
                .collect()
        })
        .collect();

    let mut vars = ProblemVariables::new();
    // (item, year, variable), in column order.
    let mut columns: Vec<(usize, usize, Variable)> = Vec::new();
    let mut per_item: Vec<Vec<Variable>> = vec![Vec::new(); inst.items.len()];
    let mut objective = Expression::with_capacity(inst.items.len() * years);
    for (i, item) in inst.items.iter().enumerate() {
        if item.fixed.is_some() {
            continue;
        }
        for (t, room) in room.iter().enumerate() {
            let fits = (0..res).all(|r| room[r].is_none_or(|left| item.needs[r] <= left));
            if fits {
                let x = vars.add(variable().binary());
                objective.add_mul(item.value * weight[t], x);
                columns.push((i, t, x));
                per_item[i].push(x);
            }
        }
    }
    let binaries = columns.len();

    let mut problem = vars.maximise(objective).using(highs);
    for xs in per_item.iter().filter(|xs| xs.len() > 1) {
        let mut e = Expression::with_capacity(xs.len());
        for &x in xs {
            e.add_mul(1.0, x);
        }
        problem.add_constraint(e.leq(1.0));
    }
    for (t, room) in room.iter().enumerate() {
        for (r, &left) in room.iter().enumerate() {
            let Some(left) = left else { continue };
            let mut e = Expression::with_capacity(binaries / years + 1);
            for &(i, _, x) in columns.iter().filter(|c| c.1 == t) {
                let need = inst.items[i].needs[r];
                if need > 0 {
                    e.add_mul(need as f64, x);
                }
            }
            problem.add_constraint(e.leq(left as f64));
        }
    }

    let start = Instant::now();
    let mut model = problem.into_inner();
    model
        .try_set_option("output_flag", verbose)
        .expect("HiGHS option output_flag");
    model
        .try_set_option("mip_rel_gap", MIP_REL_GAP)
        .expect("HiGHS option mip_rel_gap");
    model
        .try_set_option("time_limit", time_limit)
        .expect("HiGHS option time_limit");
    if let Some(threads) = threads {
        model
            .try_set_option("threads", threads)
            .expect("HiGHS option threads");
    }
    let solved = model.try_solve().expect("HiGHS failed to solve");
    let time = start.elapsed();

    let status = format!("{:?}", solved.status());
    let gap = solved.mip_gap();
    let dual_bound = solved
        .double_info_value(c"mip_dual_bound")
        .map_or(f64::NAN, |b| b + fixed_value);
    let solution = solved.get_solution();
    let values = solution.columns();

    let mut year_of: Vec<Option<usize>> = inst.items.iter().map(|item| item.fixed).collect();
    for (k, &(i, t, _)) in columns.iter().enumerate() {
        if values[k] > 0.5 {
            assert!(
                year_of[i].is_none(),
                "HiGHS put item {i} in two years ({:?} and {t})",
                year_of[i]
            );
            year_of[i] = Some(t);
        }
    }
    MipRun {
        objective: objective_of(inst, &year_of),
        dual_bound,
        optimal: status == "Optimal",
        status,
        gap,
        time,
        binaries,
        year_of,
    }
}

/// HiGHS's best objectives, the better of two full runs (`MIP_TIME_LIMIT=120`, 2026-12-07, docs/PERFORMANCE.md;
/// HiGHS stops at a time limit, so its solutions vary a little from run to run): with `QUALITY_MIP=recorded` the
/// planner is compared with these instead of HiGHS being run again, so that a change to the planner can be checked
/// in seconds. Rows: compounds, shape, seed, objective.
const RECORDED: &[(u64, &str, u64, f64)] = &[
    (50, "county", 1, 226_464.0),
    (50, "county", 2, 270_683.0),
    (50, "budget", 1, 231_632.0),
    (50, "budget", 2, 275_326.0),
    (50, "sources", 1, 147_364.0),
    (50, "sources", 2, 104_814.0),
    (410, "county", 1, 1_920_437.75),
    (410, "county", 2, 2_033_266.66),
    (410, "budget", 1, 1_949_144.47),
    (410, "budget", 2, 2_057_033.0),
    (410, "sources", 1, 1_643_424.0),
    (410, "sources", 2, 1_622_225.0),
    (2000, "county", 1, 10_052_107.93),
    (2000, "county", 2, 10_347_065.08),
    (2000, "budget", 1, 10_216_032.03),
    (2000, "budget", 2, 10_445_278.91),
    (2000, "sources", 1, 8_710_606.0),
    (2000, "sources", 2, 8_741_690.0),
];

fn recorded(n: u64, shape: &str, seed: u64) -> Option<MipRun> {
    RECORDED
        .iter()
        .find(|r| r.0 == n && r.1 == shape && r.2 == seed)
        .map(|r| MipRun {
            objective: r.3,
            dual_bound: f64::NAN,
            status: "Recorded".into(),
            gap: f64::NAN,
            optimal: false,
            time: Duration::ZERO,
            binaries: 0,
            year_of: Vec::new(),
        })
}

/// Per limited resource, in how many years the plan uses at least 99.5% of its limit: "budget 5/5, compounds 2/5, …".
fn full_limits(inst: &Instance, p: &Plan) -> String {
    inst.resources
        .iter()
        .enumerate()
        .filter_map(|(r, name)| {
            let limited = inst.years.iter().filter(|y| y.limits[r].is_some()).count();
            let full = inst
                .years
                .iter()
                .zip(&p.used)
                .filter(|(y, u)| y.limits[r].is_some_and(|l| u[r] as f64 >= 0.995 * l as f64))
                .count();
            (limited > 0).then(|| format!("{name} {full}/{limited}"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1.0 {
        format!("{:.1}ms", s * 1e3)
    } else {
        format!("{s:.2}s")
    }
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument filters nothing here.
    let time_limit: f64 = env_or("MIP_TIME_LIMIT", 600.0);
    let threads: Option<i32> = std::env::var("MIP_THREADS")
        .ok()
        .map(|s| s.trim().parse().expect("MIP_THREADS does not parse"));
    let verbose = env_or("MIP_VERBOSE", 0u8) != 0;
    let use_recorded = match std::env::var("QUALITY_MIP").as_deref() {
        Ok("recorded") => true,
        Ok("solve") | Err(_) => false,
        Ok(other) => panic!("QUALITY_MIP={other:?}: \"solve\" or \"recorded\""),
    };
    let sizes = env_list("QUALITY_SIZES", &[50, 410, 2000]);
    let seeds = env_list("QUALITY_SEEDS", &[1, 2]);
    let shapes: Vec<String> = std::env::var("QUALITY_SHAPES")
        .unwrap_or_else(|_| "county,budget,sources".into())
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();

    println!(
        "jiugai-planner quality vs exact MIP (HiGHS via good_lp, mip_rel_gap {MIP_REL_GAP:e}, time limit {time_limit} s)"
    );
    println!(
        "{:>5} {:<7} {:>4} {:>5} {:>6} | {:>15} {:>15} {:>8} {:>9} | {:>15} {:>15} {:<16} {:>9} | {:>9}",
        "n",
        "shape",
        "seed",
        "items",
        "bins",
        "planner obj",
        "planner bound",
        "gap %",
        "time",
        "MIP obj",
        "MIP dual bound",
        "HiGHS status",
        "time",
        "ratio"
    );

    let mut failures = Vec::new();
    for &n in &sizes {
        let all = [
            ("county", Shape::county(n as usize)),
            (
                "budget",
                Shape {
                    count_cap: None,
                    ..Shape::county(n as usize)
                },
            ),
            ("sources", Shape::sources(n as usize)),
        ];
        for (shape_name, shape) in all
            .into_iter()
            .filter(|(name, _)| shapes.iter().any(|s| s == name))
        {
            for &seed in &seeds {
                let inst = instance(&shape, seed);
                let tag = format!("n={n} shape={shape_name} seed={seed}");

                let run = run_planner(&inst);
                let p = &run.plan;
                match check(&inst, &p.year_of) {
                    Ok(used) => {
                        if used != p.used {
                            failures.push(format!(
                                "{tag}: plan.used {:?} differs from the recomputed {used:?}",
                                p.used
                            ));
                        }
                    }
                    Err(problems) => failures.push(format!(
                        "{tag}: the planner's plan is infeasible: {}",
                        problems.join("; ")
                    )),
                }
                let recomputed = objective_of(&inst, &p.year_of);
                if (recomputed - p.objective).abs() > 1e-9 * recomputed.abs().max(1.0) {
                    failures.push(format!(
                        "{tag}: plan.objective {} but its assignment scores {recomputed}",
                        p.objective
                    ));
                }

                let mip = if use_recorded {
                    match recorded(n, shape_name, seed) {
                        Some(run) => run,
                        None => {
                            println!("{tag}: no recorded HiGHS objective, skipped");
                            continue;
                        }
                    }
                } else {
                    solve_mip(&inst, time_limit, threads, verbose)
                };
                if use_recorded {
                    // Nothing to check: only the objective was recorded.
                } else if let Err(problems) = check(&inst, &mip.year_of) {
                    failures.push(format!(
                        "{tag}: HiGHS's solution, rounded, is infeasible (not a planner fault): {}",
                        problems.join("; ")
                    ));
                }
                if let Ok(dir) = std::env::var("QUALITY_DUMP")
                    && !use_recorded
                {
                    let line = |y: &[Option<usize>]| {
                        y.iter()
                            .map(|t| t.map_or("-".to_string(), |t| t.to_string()))
                            .collect::<Vec<_>>()
                            .join(",")
                    };
                    std::fs::write(
                        format!("{dir}/{n}-{shape_name}-{seed}.txt"),
                        format!("{}\n{}\n", line(&p.year_of), line(&mip.year_of)),
                    )
                    .expect("QUALITY_DUMP is a writable directory");
                }
                let ratio = p.objective / mip.objective;
                let status = if mip.optimal {
                    mip.status.clone()
                } else {
                    format!("{} {:.3}%", mip.status, mip.gap * 100.0)
                };
                println!(
                    "{:>5} {:<7} {:>4} {:>5} {:>6} | {:>15.2} {:>15.2} {:>8.4} {:>9} | {:>15.2} {:>15.2} {:<16} {:>9} | {:>9.6}",
                    n,
                    shape_name,
                    seed,
                    inst.items.len(),
                    mip.binaries,
                    p.objective,
                    p.bound,
                    p.gap() * 100.0,
                    secs(run.best),
                    mip.objective,
                    mip.dual_bound,
                    status,
                    secs(mip.time),
                    ratio
                );
                if inst.resources.len() > 3 {
                    println!("{:>31} full limits (years): {}", "", full_limits(&inst, p));
                }

                // Any feasible MIP solution is a plan, so the planner's bound must be at least its value.
                if p.bound < mip.objective * (1.0 - BOUND_SLACK) {
                    failures.push(format!(
                        "{tag}: planner bound {} is below the value {} of a feasible plan found by HiGHS ({})",
                        p.bound, mip.objective, mip.status
                    ));
                }
                // HiGHS's solution is feasible, so the optimum is at least its value: a ratio below the threshold
                // against it is below the threshold against the optimum too, proven or not.
                if ratio < MIN_RATIO {
                    let what = if mip.optimal {
                        "the proven optimum".to_string()
                    } else {
                        format!(
                            "a feasible plan found by HiGHS ({}; the optimum is at least that)",
                            mip.status
                        )
                    };
                    failures.push(format!(
                        "{tag}: planner objective {} is {:.4}% of {what} {}",
                        p.objective,
                        ratio * 100.0,
                        mip.objective
                    ));
                }
                // Not the planner's fault, but it would make the comparison meaningless.
                if mip.optimal && p.objective > mip.objective * (1.0 + 1e-9) {
                    failures.push(format!(
                        "{tag}: planner objective {} exceeds HiGHS's \"optimum\" {}",
                        p.objective, mip.objective
                    ));
                }
            }
        }
    }

    if !failures.is_empty() {
        panic!(
            "{} problem(s) found:\n  {}",
            failures.len(),
            failures.join("\n  ")
        );
    }
    println!(
        "all instances: plans feasible, bounds valid, ratio ≥ {MIN_RATIO} against HiGHS's solution"
    );
}
