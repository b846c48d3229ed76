//! A plan printed as tables, for `jiugai plan` without `--json`.

use std::io::Write;

use crate::domain::batch;

/// The plan as tables: each year's batch, then the compounds left out and why.
pub(super) fn write_plan(out: &mut impl Write, plan: &batch::BatchPlan) -> std::io::Result<()> {
    let wan = |fen: i64| format!("{:.1}", fen as f64 / 1_000_000.0); // 万元
    let by_code: std::collections::HashMap<&str, &batch::CompoundPlan> = plan
        .compounds
        .iter()
        .map(|c| (c.code.as_str(), c))
        .collect();
    for y in &plan.years {
        let caps = [
            y.max_compounds.map(|n| format!("上限 {n} 个")),
            y.max_households.map(|n| format!("上限 {n} 户")),
        ];
        let caps: Vec<String> = caps.into_iter().flatten().collect();
        writeln!(
            out,
            "{} 年批次：{} 个小区，{} 户，费用 {} 万元 / 预算 {} 万元，结余 {} 万元{}{}",
            y.year,
            y.compounds,
            y.households,
            wan(y.used_fen),
            wan(y.budget_fen),
            wan(y.left_fen),
            if caps.is_empty() { "" } else { "；" },
            caps.join("，")
        )?;
        writeln!(
            out,
            "  {} {} {} {} {}  说明",
            pad("编号", 12, false),
            pad("小区", 20, false),
            pad("户数", 6, true),
            pad("费用(万元)", 11, true),
            pad("优先级", 8, true)
        )?;
        for code in &y.codes {
            let c = by_code[code.as_str()];
            writeln!(
                out,
                "  {} {} {} {} {}  {}",
                pad(&c.code, 12, false),
                pad(&c.name, 20, false),
                pad(&c.households.to_string(), 6, true),
                pad(&wan(c.cost_fen), 11, true),
                pad(&format!("{:.2}", c.priority), 8, true),
                c.reason
            )?;
        }
        writeln!(out)?;
    }
    let left_out: Vec<&batch::CompoundPlan> = plan
        .compounds
        .iter()
        .filter(|c| {
            c.year
                .is_none_or(|y| plan.years.iter().all(|b| b.year != y))
        })
        .collect();
    writeln!(out, "未列入规划期的小区：{} 个", left_out.len())?;
    for c in left_out {
        writeln!(
            out,
            "  {} {} {}",
            pad(&c.code, 12, false),
            pad(&c.name, 20, false),
            c.reason
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "方案目标值 {:.0}（优先级 × 户数，逐年按 {} 折算）；任何方案都不超过 {:.0}：与最优方案相差至多 {:.4}%",
        plan.objective,
        plan.discount,
        plan.bound,
        plan.gap * 100.0
    )
}

/// `s` padded with spaces to `width` terminal columns (a Chinese character takes two), on the left when `right`.
fn pad(s: &str, width: usize, right: bool) -> String {
    use unicode_width::UnicodeWidthStr;
    let fill = " ".repeat(width.saturating_sub(s.width()));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}
