//! Why a compound is in its year, or not in the plan, as the bureau reads it.

use jiugai_planner as planner;
use planner::Resource;

fn shortage(instance: &planner::Instance, r: Resource) -> String {
    match r {
        Resource::BUDGET => "预算余额不足".into(),
        Resource::COMPOUNDS => "个数已满".into(),
        Resource::HOUSEHOLDS => "户数已满".into(),
        // A funding source, by the name it was passed with (中央补助资金额度不足).
        _ => format!("{}额度不足", instance.resources[r.0]),
    }
}

/// "2022 年预算余额不足、2023 年个数已满" for the years in `years` that had no room for the item.
fn earlier_years_full(
    instance: &planner::Instance,
    schedule: &planner::Plan,
    item: usize,
    first: i32,
    years: std::ops::Range<usize>,
) -> Vec<String> {
    years
        .filter_map(|t| {
            let short = schedule.short_of(instance, item, t);
            (!short.is_empty()).then(|| {
                let what: Vec<String> = short.into_iter().map(|r| shortage(instance, r)).collect();
                format!("{} 年{}", first + t as i32, what.join("、"))
            })
        })
        .collect()
}

pub(super) fn why_this_year(
    instance: &planner::Instance,
    schedule: &planner::Plan,
    item: usize,
    first: i32,
    t: usize,
    priority: f64,
) -> String {
    let year = first + t as i32;
    if t == 0 {
        return format!("优先级 {priority:.2}，列入首年 {year} 年");
    }
    let full = earlier_years_full(instance, schedule, item, first, 0..t);
    if full.is_empty() {
        format!("优先级 {priority:.2}，排在更高优先的项目之后，列入 {year} 年")
    } else {
        format!("优先级 {priority:.2}；{}，列入 {year} 年", full.join("；"))
    }
}

pub(super) fn why_not(
    instance: &planner::Instance,
    schedule: &planner::Plan,
    item: usize,
    first: i32,
) -> String {
    if instance.items[item].value <= 0.0 {
        return "优先级为零，未排入".into();
    }
    let years = instance.years.len();
    let full = earlier_years_full(instance, schedule, item, first, 0..years);
    if full.len() == years {
        let budget_everywhere = (0..years).all(|t| {
            schedule
                .short_of(instance, item, t)
                .contains(&Resource::BUDGET)
        });
        if budget_everywhere {
            format!(
                "规划期内（{first}–{} 年）各年预算余额均不足以安排",
                first + years as i32 - 1
            )
        } else {
            format!("规划期内各年均无余量：{}", full.join("；"))
        }
    } else {
        "优先级较低，规划期内未排入".into()
    }
}
