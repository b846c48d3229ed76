//! Money received and paid (资金到位与拨付): the contract's payment milestones (支付节点) as the policy sets them,
//! and the rules a payment keeps. Amounts are fen (分), whole numbers, so every total adds up exactly.
//!
//! A contract is paid by milestone: each has a share of the contract amount and a condition, a fact of the
//! project's works (the contractor's progress report, the completion, the final account, the defect period's
//! end). Until the final account (结算审计) the base is the contract amount; after it, the audited amount.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// What a milestone waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum After {
    /// The contractor acknowledged the work order (签收任务单): the advance.
    Acknowledged,
    /// The contractor reported at least `percent` done (进度报告).
    Progress,
    /// The contractor reported the works completed (完工).
    Completed,
    /// The final account was audited (结算审计).
    FinalAccount,
    /// The defect period after completion ended (缺陷责任期满): the retention's release.
    DefectPeriod,
}

/// One payment milestone (支付节点).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    pub code: String,
    pub name: String,
    /// Share of the base (contract amount, or the audited final account once there is one).
    pub share: f64,
    pub after: After,
    /// For `after = "progress"`: the percent done the report must reach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<u32>,
}

/// The county's payment terms (合同价款支付).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payments {
    /// Months from completion to the end of the defect period (缺陷责任期), when the retention is released.
    pub defect_period_months: u32,
    pub milestones: Vec<Milestone>,
}

impl Default for Payments {
    /// The usual terms: 10 % advance, 20 % at 30 % and at 60 % done, 20 % at completion, to 95 % after the final
    /// account, and the 5 % retention after a two-year defect period.
    fn default() -> Self {
        let m = |code: &str, name: &str, share, after, percent| Milestone {
            code: code.to_owned(),
            name: name.to_owned(),
            share,
            after,
            percent,
        };
        Payments {
            defect_period_months: 24,
            milestones: vec![
                m("advance", "预付款", 0.10, After::Acknowledged, None),
                m(
                    "progress_30",
                    "进度款（完成30%）",
                    0.20,
                    After::Progress,
                    Some(30),
                ),
                m(
                    "progress_60",
                    "进度款（完成60%）",
                    0.20,
                    After::Progress,
                    Some(60),
                ),
                m("completion", "完工款", 0.20, After::Completed, None),
                m("settlement", "结算款", 0.25, After::FinalAccount, None),
                m("retention", "质量保证金", 0.05, After::DefectPeriod, None),
            ],
        }
    }
}

/// The dates a project reached what milestones wait for (in Beijing time), from its records.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub acknowledged_on: Option<NaiveDate>,
    /// Each progress report: its day and percent.
    pub reports: Vec<(NaiveDate, u32)>,
    pub completed_on: Option<NaiveDate>,
    pub final_account_on: Option<NaiveDate>,
}

impl Facts {
    /// The first day the project had reported `percent` done (a completion counts as 100 %).
    fn reached(&self, percent: u32) -> Option<NaiveDate> {
        let reported = self
            .reports
            .iter()
            .filter(|(_, p)| *p >= percent)
            .map(|(d, _)| *d)
            .min();
        match (reported, self.completed_on) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

impl Payments {
    /// Checks the terms: codes unique, names given, shares in (0, 1] adding up to exactly 1, a percent for each
    /// progress milestone. Errors name the field as `payments.milestones[i].share`, in Chinese.
    pub fn check(&self) -> Result<(), (String, String)> {
        if self.milestones.is_empty() || self.milestones.len() > 20 {
            return Err((
                "payments.milestones".into(),
                "须列出 1 至 20 个支付节点".into(),
            ));
        }
        if !(1..=120).contains(&self.defect_period_months) {
            return Err((
                "payments.defect_period_months".into(),
                "缺陷责任期须为 1 至 120 个月".into(),
            ));
        }
        for (i, m) in self.milestones.iter().enumerate() {
            let field = |name: &str| format!("payments.milestones[{i}].{name}");
            let n = i + 1;
            let code_ok = !m.code.is_empty()
                && m.code.len() <= 32
                && m.code
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !code_ok {
                return Err((
                    field("code"),
                    format!("第 {n} 个支付节点的代码须为 1 至 32 个英文字母、数字或下划线"),
                ));
            }
            if self.milestones[..i].iter().any(|o| o.code == m.code) {
                return Err((field("code"), format!("支付节点代码“{}”重复", m.code)));
            }
            let name = super::text::trim(&m.name);
            if name.is_empty() || name.chars().count() > 40 {
                return Err((
                    field("name"),
                    format!("第 {n} 个支付节点须有名称（最多 40 个字）"),
                ));
            }
            if !(m.share.is_finite() && m.share > 0.0 && m.share <= 1.0) {
                return Err((field("share"), format!("{name}的比例须大于 0 且不超过 1")));
            }
            match (m.after, m.percent) {
                (After::Progress, Some(p)) if (1..=100).contains(&p) => {}
                (After::Progress, _) => {
                    return Err((
                        field("percent"),
                        format!("{name}须写明施工进度达到的百分比（1 至 100）"),
                    ));
                }
                (_, Some(_)) => {
                    return Err((
                        field("percent"),
                        format!("只有进度款节点写百分比，{name}不写"),
                    ));
                }
                (_, None) => {}
            }
        }
        let total: f64 = self.milestones.iter().map(|m| m.share).sum();
        if (total - 1.0).abs() > 1e-9 {
            return Err((
                "payments.milestones".into(),
                format!("各支付节点的比例合计须为 100%，现为 {:.2}%", total * 100.0),
            ));
        }
        Ok(())
    }

    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.milestones.iter().position(|m| m.code == code)
    }

    /// What each milestone is due of `base_fen`, exactly: its share rounded to the fen, the last milestone taking
    /// what is left, so the dues add up to the base with no fen lost or made.
    pub fn dues(&self, base_fen: i64) -> Vec<i64> {
        let mut dues: Vec<i64> = self
            .milestones
            .iter()
            .map(|m| ((base_fen as f64) * m.share).round() as i64)
            .collect();
        if let Some(last) = dues.len().checked_sub(1) {
            dues[last] = base_fen - dues[..last].iter().sum::<i64>();
        }
        dues
    }

    /// What the milestone waits for, as the project page says it: "任务单签收后".
    pub fn condition(&self, m: &Milestone) -> String {
        match m.after {
            After::Acknowledged => "施工单位签收任务单后".into(),
            After::Progress => format!("施工单位报告完成 {}% 后", m.percent.unwrap_or(0)),
            After::Completed => "施工单位报告完工后".into(),
            After::FinalAccount => "结算审计完成后".into(),
            After::DefectPeriod => {
                format!("完工满 {} 个月、缺陷责任期满后", self.defect_period_months)
            }
        }
    }

    /// The day the milestone was reached, if it has been.
    pub fn reached_on(&self, m: &Milestone, facts: &Facts) -> Option<NaiveDate> {
        match m.after {
            After::Acknowledged => facts.acknowledged_on,
            After::Progress => facts.reached(m.percent.unwrap_or(100)),
            After::Completed => facts.completed_on,
            After::FinalAccount => facts.final_account_on,
            After::DefectPeriod => facts
                .completed_on
                .and_then(|d| d.checked_add_months(Months::new(self.defect_period_months))),
        }
    }

    /// Whether a payment on `on` may be made for `m`: `Err` says in Chinese what has not happened by then.
    pub fn ready(&self, m: &Milestone, facts: &Facts, on: NaiveDate) -> Result<(), String> {
        match self.reached_on(m, facts) {
            Some(day) if day <= on => Ok(()),
            Some(day) => Err(format!(
                "{}须在{}支付，该条件于 {day} 才满足，付款日期 {on} 在此之前",
                m.name,
                self.condition(m)
            )),
            None => Err(format!(
                "{}须在{}支付，目前尚无相应记录",
                m.name,
                self.condition(m)
            )),
        }
    }
}

/// A payment as the rules see it: the base, what each milestone has been paid (net of reversals, in the
/// milestones' order), and the new payment.
pub struct Payment<'a> {
    pub terms: &'a Payments,
    pub base_fen: i64,
    /// True when the base is the audited final account rather than the contract.
    pub settled: bool,
    pub paid_fen: &'a [i64],
    pub milestone: usize,
    pub amount_fen: i64,
}

impl Payment<'_> {
    /// The amount rules a payment keeps: what the milestones up to this one are due in all, and the whole base.
    /// Each broken rule is a message for `amount_yuan`.
    pub fn over(&self) -> Vec<String> {
        let dues = self.terms.dues(self.base_fen);
        let k = self.milestone;
        let mut problems = Vec::new();
        let due_upto: i64 = dues[..=k].iter().sum();
        let paid_upto: i64 = self.paid_fen[..=k].iter().sum();
        if paid_upto + self.amount_fen > due_upto {
            problems.push(format!(
                "至{}累计应付 {} 元，已付 {} 元，本次至多 {} 元",
                self.terms.milestones[k].name,
                yuan(due_upto),
                yuan(paid_upto),
                yuan((due_upto - paid_upto).max(0))
            ));
        }
        let paid: i64 = self.paid_fen.iter().sum();
        if paid + self.amount_fen > self.base_fen {
            let what = if self.settled {
                "结算审计金额"
            } else {
                "合同金额"
            };
            problems.push(format!(
                "累计支付将达 {} 元，超过{what} {} 元",
                yuan(paid + self.amount_fen),
                yuan(self.base_fen)
            ));
        }
        problems
    }
}

/// Fen as yuan with two decimals and thousands separators: "1,234,567.80" (the document engine's, as everywhere).
pub use jiugai_document::money::yuan;

/// Largest single money record accepted: ¥10 billion, to catch unit mistakes.
pub const MAX_AMOUNT_YUAN: f64 = 1e10;

/// An amount typed in yuan as fen: positive, at most two decimals, at most [`MAX_AMOUNT_YUAN`].
pub fn fen_of_yuan(yuan: f64) -> Result<i64, String> {
    if !(yuan.is_finite() && yuan > 0.0 && yuan <= MAX_AMOUNT_YUAN) {
        return Err(format!(
            "金额须大于 0 且不超过 {} 元",
            MAX_AMOUNT_YUAN as i64
        ));
    }
    let fen = (yuan * 100.0).round();
    if (fen - yuan * 100.0).abs() > 1e-6 {
        return Err("金额最多两位小数（到分）".into());
    }
    Ok(fen as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_default_terms_hold_and_the_dues_add_up_to_the_fen() {
        let terms = Payments::default();
        terms.check().unwrap();
        for base in [1, 7, 99, 100_003, 187_370_001, 123_456_789_012] {
            let dues = terms.dues(base);
            assert_eq!(dues.iter().sum::<i64>(), base, "base {base}");
            assert!(dues.iter().all(|&d| d >= 0));
        }
        assert_eq!(
            terms.dues(1_000_000),
            vec![100_000, 200_000, 200_000, 200_000, 250_000, 50_000]
        );
    }

    #[test]
    fn shares_must_add_up_to_one() {
        let mut terms = Payments::default();
        terms.milestones[0].share = 0.15;
        let (field, message) = terms.check().unwrap_err();
        assert_eq!(field, "payments.milestones");
        assert!(message.contains("105.00%"), "{message}");
        let mut terms = Payments::default();
        terms.milestones[1].percent = None;
        assert_eq!(
            terms.check().unwrap_err().0,
            "payments.milestones[1].percent"
        );
    }

    #[test]
    fn a_milestone_is_ready_from_the_day_its_report_came() {
        let terms = Payments::default();
        let facts = Facts {
            acknowledged_on: Some(day("2021-02-22")),
            reports: vec![(day("2021-05-01"), 50)],
            completed_on: Some(day("2021-06-25")),
            final_account_on: None,
        };
        let m = &terms.milestones;
        assert!(terms.ready(&m[0], &facts, day("2021-02-22")).is_ok());
        assert!(terms.ready(&m[0], &facts, day("2021-02-21")).is_err());
        assert!(terms.ready(&m[1], &facts, day("2021-05-01")).is_ok());
        // 60 % was never reported as such; the completion covers it.
        assert!(terms.ready(&m[2], &facts, day("2021-05-30")).is_err());
        assert!(terms.ready(&m[2], &facts, day("2021-06-25")).is_ok());
        let settlement = terms.ready(&m[4], &facts, day("2021-12-01")).unwrap_err();
        assert!(settlement.contains("结算审计"), "{settlement}");
        assert_eq!(
            terms.reached_on(&m[5], &facts),
            Some(day("2023-06-25")),
            "two years after completion"
        );
    }

    #[test]
    fn a_payment_beyond_its_milestones_or_the_base_is_named() {
        let terms = Payments::default();
        let paid = [100_000, 0, 0, 0, 0, 0];
        let within = Payment {
            terms: &terms,
            base_fen: 1_000_000,
            settled: false,
            paid_fen: &paid,
            milestone: 1,
            amount_fen: 200_000,
        };
        assert!(within.over().is_empty());
        let over = Payment {
            amount_fen: 200_001,
            ..within
        };
        let problems = over.over();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("本次至多 2,000.00 元"), "{problems:?}");
        let all = [100_000, 200_000, 200_000, 200_000, 250_000, 0];
        let retention = Payment {
            terms: &terms,
            base_fen: 1_000_000,
            settled: true,
            paid_fen: &all,
            milestone: 5,
            amount_fen: 50_001,
        };
        let problems = retention.over();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[1].contains("超过结算审计金额"));
    }

    #[test]
    fn amounts_are_whole_fen() {
        assert_eq!(fen_of_yuan(1873700.01), Ok(187_370_001));
        assert_eq!(fen_of_yuan(0.1 + 0.2), Ok(30));
        assert!(fen_of_yuan(1.001).is_err());
        assert!(fen_of_yuan(0.0).is_err());
        assert!(fen_of_yuan(-5.0).is_err());
        assert!(fen_of_yuan(f64::NAN).is_err());
        assert!(fen_of_yuan(2e10).is_err());
        assert_eq!(yuan(123_456_789), "1,234,567.89");
        assert_eq!(yuan(-5), "-0.05");
    }
}
