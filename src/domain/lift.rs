//! 加装电梯按单元表决: a lift is added to one stairwell (单元) of one building (楼栋), so the unit's owners decide it
//! — Civil Code art. 278: owners holding at least two thirds of the unit's exclusive floor area and two thirds of
//! its owners take part (双三分之二参与), and of those at least three quarters by area and by headcount agree
//! (双四分之三同意), or the stricter bar of the county's policy ([`LiftPolicy`]).
//!
//! The votes are counted from the paper forms per answer (同意, 反对, 弃权: households and their area). Areas are
//! kept in hundredths of a square metre ([`Centi`]) so that every threshold test is exact integer arithmetic:
//! exactly two thirds passes, one hundredth of a square metre less does not.

use chrono::NaiveDate;
use serde::Serialize;

use super::FieldErrors;
use super::catalog::Catalog;
use super::cost::ScopeLine;
use super::policy::{Fraction, LiftPolicy};

/// The most owners one stairwell's record counts (a typo's guard, far above any real unit).
pub const MAX_OWNERS: u32 = 10_000;
/// The largest exclusive floor area of one unit's record, in m².
pub const MAX_AREA_M2: u64 = 1_000_000;
/// The longest name of a building or a unit (`3栋`, `2单元`, `综合楼东单元`).
pub const MAX_NAME: usize = 20;

/// An area in hundredths of a square metre (0.01 ㎡).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Centi(pub u64);

impl Centi {
    /// `1234.56`, `1,234.5` or `1234` (㎡) read exactly; more than two decimals, a sign, an exponent or anything
    /// else is refused with the reason.
    pub fn parse(text: &str) -> Result<Centi, String> {
        let text: String = text
            .trim()
            .chars()
            .filter(|c| !matches!(c, ',' | '，'))
            .collect();
        if text.is_empty() {
            return Err("须填写".into());
        }
        if text.starts_with('-') {
            return Err("不能为负数".into());
        }
        let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(fraction) {
            return Err("须为以 ㎡ 计的数，最多两位小数，如 1234.56".into());
        }
        if fraction.len() > 2 {
            return Err("最多精确到两位小数（0.01 ㎡）".into());
        }
        let too_large = || format!("不能超过 {MAX_AREA_M2} ㎡");
        let whole: u64 = whole.parse().map_err(|_| too_large())?;
        if whole > MAX_AREA_M2 {
            return Err(too_large());
        }
        let hundredths: u64 = format!("{fraction:0<2}").parse().unwrap_or(0);
        Ok(Centi(whole * 100 + hundredths))
    }

    pub fn m2(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// As typed back into a form: `1234.56`, `1234.5`, `1234`.
    pub fn text(self) -> String {
        let (whole, rest) = (self.0 / 100, self.0 % 100);
        match rest {
            0 => whole.to_string(),
            r if r % 10 == 0 => format!("{whole}.{}", r / 10),
            r => format!("{whole}.{r:02}"),
        }
    }
}

/// One answer on the forms: how many households gave it and the exclusive area they hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Vote {
    pub owners: u32,
    pub area: Centi,
}

/// The three answers, by their field name and Chinese name.
pub const ANSWERS: [(&str, &str); 3] = [("agree", "同意"), ("oppose", "反对"), ("abstain", "弃权")];

/// A unit's record as typed (form) or sent (API, numbers as their text): checked by [`LiftUnit::parse`].
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub building: String,
    pub unit: String,
    pub owners_total: String,
    pub area_total_m2: String,
    /// 同意, 反对, 弃权 in [`ANSWERS`]' order: households and area (㎡) as text.
    pub votes: [(String, String); 3],
    pub recorded_on: String,
}

/// One stairwell's vote on adding a lift, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiftUnit {
    /// 楼栋, e.g. `3栋`.
    pub building: String,
    /// 单元, e.g. `2单元`.
    pub unit: String,
    pub owners_total: u32,
    pub area_total: Centi,
    pub agree: Vote,
    pub oppose: Vote,
    pub abstain: Vote,
    pub recorded_on: NaiveDate,
}

impl LiftUnit {
    /// Reads a draft, naming every field at fault (`agree.area_m2`) with its problem in Chinese. The record is
    /// dated from 1990 to `today` (Beijing).
    pub fn parse(d: &Draft, today: NaiveDate) -> Result<LiftUnit, FieldErrors> {
        let mut errors = FieldErrors::default();
        let building = name(&d.building, "楼栋", "3栋")
            .map_err(|e| errors.add("building", e))
            .unwrap_or_default();
        let unit = name(&d.unit, "单元", "2单元")
            .map_err(|e| errors.add("unit", e))
            .unwrap_or_default();
        let owners_total = count(&d.owners_total, 1)
            .map_err(|e| errors.add("owners_total", format!("业主总数{e}")))
            .unwrap_or_default();
        let area_total = Centi::parse(&d.area_total_m2)
            .and_then(|a| {
                if a.0 == 0 {
                    Err("须大于 0".into())
                } else {
                    Ok(a)
                }
            })
            .map_err(|e| errors.add("area_total_m2", format!("专有面积总数{e}")))
            .unwrap_or_default();
        let mut votes = [Vote::default(); 3];
        for (i, ((field, label), (owners, area))) in ANSWERS.iter().zip(&d.votes).enumerate() {
            let owners = count(owners, 0)
                .map_err(|e| errors.add(format!("{field}.owners"), format!("{label}的户数{e}")))
                .ok();
            let area = Centi::parse(area)
                .map_err(|e| errors.add(format!("{field}.area_m2"), format!("{label}的面积{e}")))
                .ok();
            if let (Some(owners), Some(area)) = (owners, area) {
                match (owners, area.0) {
                    (0, a) if a > 0 => errors.add(
                        format!("{field}.area_m2"),
                        format!("{label}的户数为 0，面积也应为 0"),
                    ),
                    (n, 0) if n > 0 => errors.add(
                        format!("{field}.area_m2"),
                        format!("{label}的 {n} 户面积不能为 0"),
                    ),
                    _ => {}
                }
                votes[i] = Vote { owners, area };
            }
        }
        let recorded_on = date(&d.recorded_on, today)
            .map_err(|e| errors.add("recorded_on", e))
            .ok();
        let owners: u64 = votes.iter().map(|v| u64::from(v.owners)).sum();
        if owners_total > 0 && owners > u64::from(owners_total) {
            errors.add(
                "owners_total",
                format!("同意、反对、弃权合计 {owners} 户，多于业主总数 {owners_total} 户"),
            );
        }
        let area = Centi(votes.iter().map(|v| v.area.0).sum());
        if area_total.0 > 0 && area > area_total {
            errors.add(
                "area_total_m2",
                format!(
                    "同意、反对、弃权的面积合计 {} ㎡，大于专有面积总数 {} ㎡",
                    area.text(),
                    area_total.text()
                ),
            );
        }
        match recorded_on {
            Some(recorded_on) if errors.is_empty() => Ok(LiftUnit {
                building,
                unit,
                owners_total,
                area_total,
                agree: votes[0],
                oppose: votes[1],
                abstain: votes[2],
                recorded_on,
            }),
            _ => Err(errors),
        }
    }

    /// 参与表决: the three answers together.
    pub fn participants(&self) -> Vote {
        let all = [self.agree, self.oppose, self.abstain];
        Vote {
            owners: all.iter().map(|v| v.owners).sum(),
            area: Centi(all.iter().map(|v| v.area.0).sum()),
        }
    }

    /// The unit's verdict under `policy`: each of the four tests, and in words why it failed.
    pub fn verdict(&self, policy: &LiftPolicy) -> Verdict {
        let p = self.participants();
        let tests = [
            Test {
                field: "participation_area",
                part: p.area.0,
                whole: self.area_total.0,
                bar: policy.participation_area,
                what: "参与表决的面积",
            },
            Test {
                field: "participation_owners",
                part: u64::from(p.owners),
                whole: u64::from(self.owners_total),
                bar: policy.participation_owners,
                what: "参与表决的人数",
            },
            Test {
                field: "approval_area",
                part: self.agree.area.0,
                whole: p.area.0,
                bar: policy.approval_area,
                what: "同意的面积占参与表决面积的",
            },
            Test {
                field: "approval_owners",
                part: u64::from(self.agree.owners),
                whole: u64::from(p.owners),
                bar: policy.approval_owners,
                what: "同意的人数占参与表决人数的",
            },
        ];
        let mut reasons = Vec::new();
        let mut shares = Vec::new();
        for t in &tests {
            let met = t.bar.reached_by(t.part, t.whole);
            // Rounded when met, floored when not: a share below its bar never reads as reaching it, and one
            // exactly at it (two thirds) reads 66.7 %, not 66.6 %.
            let share = if met {
                rounded_percent(t.part, t.whole)
            } else {
                percent(t.part, t.whole)
            };
            if !met {
                reasons.push(match &share {
                    Some(share) if t.field.starts_with("participation") => {
                        format!("{}占 {share}，不足{}", t.what, t.bar.in_words())
                    }
                    Some(share) => format!("{} {share}，不足{}", t.what, t.bar.in_words()),
                    // Nobody took part: the participation tests already say so.
                    None if t.field.starts_with("approval") => continue,
                    None => format!("{}为 0", t.what),
                });
            }
            shares.push(Share {
                field: t.field,
                share,
                bar: t.bar.to_string(),
                met,
            });
        }
        if p.owners == 0 {
            reasons.push("无人参与表决".to_owned());
        }
        Verdict {
            passed: tests.iter().all(|t| t.bar.reached_by(t.part, t.whole)),
            shares,
            reasons,
        }
    }
}

struct Test {
    field: &'static str,
    part: u64,
    whole: u64,
    bar: Fraction,
    what: &'static str,
}

/// One of the four tests: the share reached (to a tenth of a percent: floored when below the bar, so that it never
/// reads as reaching it), the bar, and whether it was met.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Share {
    pub field: &'static str,
    pub share: Option<String>,
    pub bar: String,
    pub met: bool,
}

/// 通过 or 未通过, with the reasons in Chinese.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub passed: bool,
    pub shares: Vec<Share>,
    pub reasons: Vec<String>,
}

impl Verdict {
    pub fn label(&self) -> &'static str {
        if self.passed { "通过" } else { "未通过" }
    }
}

/// `part / whole` as a percentage floored to a tenth: "66.6%"; `None` for a share of nothing.
pub fn percent(part: u64, whole: u64) -> Option<String> {
    (whole > 0).then(|| {
        let permille = u128::from(part) * 1000 / u128::from(whole);
        format!("{}.{}%", permille / 10, permille % 10)
    })
}

/// `part / whole` as a percentage rounded to a tenth: "66.7%".
fn rounded_percent(part: u64, whole: u64) -> Option<String> {
    (whole > 0).then(|| {
        let permille = (u128::from(part) * 2000 / u128::from(whole)).div_ceil(2);
        format!("{}.{}%", permille / 10, permille % 10)
    })
}

/// Whether a building of `storeys` may have a lift added under the policy's local bar.
pub fn check_storeys(storeys: i32, policy: &LiftPolicy) -> Result<(), String> {
    if i64::from(storeys) < i64::from(policy.min_storeys) {
        Err(format!(
            "本小区的楼房为 {storeys} 层，低于本县可加装电梯的最低层数（{} 层），不能登记加装电梯表决",
            policy.min_storeys
        ))
    } else {
        Ok(())
    }
}

/// The scope with the lift item (`item`) counting `passed` units: its quantity set where it is, the line added in
/// catalog order where it is not, removed when no unit passed. Other lines, and a kept line's reason, stay.
pub fn scope_with_lifts(
    scope: &[ScopeLine],
    catalog: &Catalog,
    item: &str,
    passed: usize,
) -> Vec<ScopeLine> {
    let mut lines = scope.to_vec();
    match (lines.iter().position(|l| l.item == item), passed) {
        (Some(i), 0) => {
            lines.remove(i);
        }
        (Some(i), n) => lines[i].quantity = Some(n as f64),
        (None, 0) => {}
        (None, n) => {
            let rank = |code: &str| catalog.items.iter().position(|i| i.code == code);
            let mine = rank(item);
            let at = lines
                .iter()
                .position(|l| rank(&l.item) > mine)
                .unwrap_or(lines.len());
            lines.insert(
                at,
                ScopeLine {
                    item: item.to_owned(),
                    quantity: Some(n as f64),
                    reason: None,
                },
            );
        }
    }
    lines
}

fn name(raw: &str, what: &str, example: &str) -> Result<String, String> {
    if !super::text::clean(raw) {
        return Err(format!("{what}不能包含控制字符（如空字符）"));
    }
    match super::text::field(raw, MAX_NAME) {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(format!("须填写{what}，如 {example}")),
        Err(e) => Err(format!("{what}{e}")),
    }
}

/// A whole number of households of at least `min`.
fn count(raw: &str, min: u32) -> Result<u32, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("须填写".into());
    }
    if raw.starts_with('-') {
        return Err("不能为负数".into());
    }
    match raw.parse::<u32>() {
        Ok(n) if (min..=MAX_OWNERS).contains(&n) => Ok(n),
        Ok(_) if min > 0 => Err(format!("须为 {min} 到 {MAX_OWNERS} 之间的整数（户）")),
        Ok(_) => Err(format!("最多 {MAX_OWNERS} 户")),
        Err(_) if raw.chars().all(|c| c.is_ascii_digit()) => Err(format!("最多 {MAX_OWNERS} 户")),
        Err(_) => Err("须为整数（户），如 18".into()),
    }
}

fn date(raw: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("必填，如 2021-03-15".into());
    }
    let day = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(raw, f).ok())
        .ok_or("表决日期须为日期，如 2021-03-15")?;
    let earliest = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap_or_default();
    if day < earliest || day > today {
        return Err(format!("表决日期须在 {earliest} 到今天（{today}）之间"));
    }
    Ok(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 9).unwrap()
    }

    /// 30 owners holding 3,000.00 ㎡.
    fn unit(agree: (u32, u64), oppose: (u32, u64), abstain: (u32, u64)) -> LiftUnit {
        let vote = |(owners, area): (u32, u64)| Vote {
            owners,
            area: Centi(area),
        };
        LiftUnit {
            building: "3栋".into(),
            unit: "2单元".into(),
            owners_total: 30,
            area_total: Centi(300_000),
            agree: vote(agree),
            oppose: vote(oppose),
            abstain: vote(abstain),
            recorded_on: NaiveDate::from_ymd_opt(2021, 3, 1).unwrap(),
        }
    }

    fn code() -> LiftPolicy {
        LiftPolicy::default()
    }

    fn failed(u: &LiftUnit, policy: &LiftPolicy) -> Vec<&'static str> {
        let v = u.verdict(policy);
        assert_eq!(v.passed, v.shares.iter().all(|s| s.met));
        v.shares
            .iter()
            .filter(|s| !s.met)
            .map(|s| s.field)
            .collect()
    }

    #[test]
    fn exactly_two_thirds_of_the_area_takes_part_and_one_hundredth_of_a_square_metre_less_does_not()
    {
        // 20 of 30 owners; 2,000.00 of 3,000.00 ㎡ is exactly two thirds; all agree.
        let at = unit((20, 200_000), (0, 0), (0, 0));
        assert!(at.verdict(&code()).passed);
        let below = unit((20, 199_999), (0, 0), (0, 0));
        let v = below.verdict(&code());
        assert!(!v.passed);
        assert_eq!(failed(&below, &code()), ["participation_area"]);
        assert_eq!(v.reasons, ["参与表决的面积占 66.6%，不足三分之二"]);
    }

    #[test]
    fn exactly_two_thirds_of_the_owners_take_part_and_one_fewer_do_not() {
        let at = unit((15, 180_000), (5, 60_000), (0, 0));
        assert!(at.verdict(&code()).passed);
        let below = unit((15, 180_000), (4, 60_000), (0, 0));
        assert_eq!(failed(&below, &code()), ["participation_owners"]);
        assert_eq!(
            below.verdict(&code()).reasons,
            ["参与表决的人数占 63.3%，不足三分之二"]
        );
    }

    #[test]
    fn exactly_three_quarters_of_the_participants_area_agrees_and_one_hundredth_less_does_not() {
        // 2,400.00 ㎡ take part; 1,800.00 agree: three quarters.
        let at = unit((18, 180_000), (1, 20_000), (1, 40_000));
        assert!(at.verdict(&code()).passed);
        let below = unit((18, 179_999), (1, 20_001), (1, 40_000));
        assert_eq!(failed(&below, &code()), ["approval_area"]);
        assert_eq!(
            below.verdict(&code()).reasons,
            ["同意的面积占参与表决面积的 74.9%，不足四分之三"]
        );
    }

    #[test]
    fn exactly_three_quarters_of_the_participants_agree_and_one_fewer_do_not() {
        // 20 take part, 15 agree: three quarters; the area agrees well above its bar.
        let at = unit((15, 210_000), (3, 20_000), (2, 10_000));
        assert!(at.verdict(&code()).passed);
        let below = unit((14, 200_000), (4, 30_000), (2, 10_000));
        assert_eq!(failed(&below, &code()), ["approval_owners"]);
        assert_eq!(
            below.verdict(&code()).reasons,
            ["同意的人数占参与表决人数的 70.0%，不足四分之三"]
        );
    }

    #[test]
    fn each_measure_is_tested_on_its_own() {
        // Area takes part (2,700 of 3,000 ㎡) while the headcount does not (12 of 30): large flats voted.
        let area_only = unit((10, 250_000), (2, 20_000), (0, 0));
        assert_eq!(failed(&area_only, &code()), ["participation_owners"]);
        // The headcount takes part (25 of 30) while the area does not (1,500 of 3,000 ㎡): small flats voted.
        let owners_only = unit((25, 150_000), (0, 0), (0, 0));
        assert_eq!(failed(&owners_only, &code()), ["participation_area"]);
        // Of 24 voters, 20 agree by headcount, but they hold only 60 % of the area voting.
        let heads_agree = unit((20, 120_000), (4, 80_000), (0, 0));
        assert_eq!(failed(&heads_agree, &code()), ["approval_area"]);
        // By area 90 % agree, by headcount 12 of 24.
        let area_agrees = unit((12, 180_000), (12, 20_000), (0, 0));
        assert_eq!(failed(&area_agrees, &code()), ["approval_owners"]);
    }

    #[test]
    fn a_stricter_local_fraction_applies() {
        let mut strict = code();
        strict.approval_owners = Fraction([4, 5]);
        // 15 of 20 is three quarters: enough for the Civil Code, not for four fifths.
        let u = unit((15, 210_000), (3, 20_000), (2, 10_000));
        assert!(u.verdict(&code()).passed);
        assert_eq!(failed(&u, &strict), ["approval_owners"]);
        assert_eq!(
            u.verdict(&strict).reasons,
            ["同意的人数占参与表决人数的 75.0%，不足五分之四"]
        );
        let u = unit((16, 210_000), (2, 20_000), (2, 10_000));
        assert!(u.verdict(&strict).passed);
    }

    #[test]
    fn a_policy_below_the_civil_code_is_refused_and_a_stricter_one_loads() {
        use crate::domain::policy::Policy;
        let base = include_str!("../../fixtures/renshou/policy.toml");
        let renshou = Policy::from_toml(base).unwrap();
        assert_eq!(renshou.lift.min_storeys, 4);
        assert_eq!(renshou.lift.approval_area, Fraction([3, 4]));
        let mut strict = renshou.clone();
        strict.lift.approval_owners = Fraction([4, 5]);
        assert!(strict.check().is_ok());
        // A policy file without the section loads with the Civil Code's thresholds; one that asks less is refused.
        let (start, end) = (
            base.find("[lift]").unwrap(),
            base.find("[priority.weights]").unwrap(),
        );
        let old = format!("{}{}", &base[..start], &base[end..]);
        assert_eq!(Policy::from_toml(&old).unwrap().lift, LiftPolicy::default());
        let lax = format!("{old}\n[lift]\napproval_owners = [3, 5]\n");
        let error = Policy::from_toml(&lax).unwrap_err();
        assert!(error.contains("lift.approval_owners"), "{error}");
        assert!(
            error.contains("低于《民法典》第二百七十八条规定的四分之三"),
            "{error}"
        );
        let improper = format!("{old}\n[lift]\nparticipation_area = [4, 3]\n");
        assert!(
            Policy::from_toml(&improper)
                .unwrap_err()
                .contains("lift.participation_area")
        );
    }

    #[test]
    fn nobody_voting_fails_and_says_so() {
        let v = unit((0, 0), (0, 0), (0, 0)).verdict(&code());
        assert!(!v.passed);
        assert_eq!(
            v.reasons,
            [
                "参与表决的面积占 0.0%，不足三分之二",
                "参与表决的人数占 0.0%，不足三分之二",
                "无人参与表决"
            ]
        );
    }

    fn draft() -> Draft {
        Draft {
            building: " 3栋 ".into(),
            unit: "2单元".into(),
            owners_total: "30".into(),
            area_total_m2: "3,000.00".into(),
            votes: [
                ("20".into(), "2000".into()),
                ("2".into(), "150.5".into()),
                ("0".into(), "0".into()),
            ],
            recorded_on: "2021-03-01".into(),
        }
    }

    #[test]
    fn a_good_draft_parses_exactly() {
        let u = LiftUnit::parse(&draft(), today()).unwrap();
        assert_eq!(u.building, "3栋");
        assert_eq!(u.area_total, Centi(300_000));
        assert_eq!(u.oppose.area, Centi(15_050));
        assert_eq!(u.participants().owners, 22);
        assert_eq!(Centi(15_050).text(), "150.5");
        assert_eq!(Centi(15_001).text(), "150.01");
        assert_eq!(Centi(15_000).text(), "150");
    }

    #[test]
    fn every_bad_field_is_named_in_chinese() {
        type Case = (fn(&mut Draft), &'static str, &'static str);
        let cases: [Case; 12] = [
            (|d| d.building = "  ".into(), "building", "须填写楼栋"),
            (|d| d.unit = "2\u{0}单元".into(), "unit", "控制字符"),
            (
                |d| d.owners_total = "0".into(),
                "owners_total",
                "业主总数须为 1 到",
            ),
            (
                |d| d.area_total_m2 = "0".into(),
                "area_total_m2",
                "须大于 0",
            ),
            (
                |d| d.votes[0].1 = "2000.001".into(),
                "agree.area_m2",
                "两位小数",
            ),
            (
                |d| d.votes[1].0 = "-1".into(),
                "oppose.owners",
                "不能为负数",
            ),
            (
                |d| d.votes[1].1 = "-1".into(),
                "oppose.area_m2",
                "不能为负数",
            ),
            (
                |d| d.votes[2].1 = "10".into(),
                "abstain.area_m2",
                "弃权的户数为 0，面积也应为 0",
            ),
            (
                |d| d.votes[1].1 = "0".into(),
                "oppose.area_m2",
                "反对的 2 户面积不能为 0",
            ),
            (
                |d| d.votes[2] = ("9".into(), "90".into()),
                "owners_total",
                "合计 31 户，多于业主总数 30 户",
            ),
            (
                |d| d.votes[0].1 = "2900".into(),
                "area_total_m2",
                "大于专有面积总数",
            ),
            (
                |d| d.recorded_on = "2026-12-10".into(),
                "recorded_on",
                "到今天",
            ),
        ];
        for (edit, field, message) in cases {
            let mut d = draft();
            edit(&mut d);
            let errors = LiftUnit::parse(&d, today()).unwrap_err();
            let found = errors
                .0
                .get(field)
                .unwrap_or_else(|| panic!("{field}: {errors:?}"));
            assert!(
                found.iter().any(|m| m.contains(message)),
                "{field}: {found:?}"
            );
        }
    }

    #[test]
    fn areas_read_exactly_or_not_at_all() {
        assert_eq!(Centi::parse("0.01"), Ok(Centi(1)));
        assert_eq!(Centi::parse("1,234.5"), Ok(Centi(123_450)));
        assert_eq!(Centi::parse("1000000"), Ok(Centi(100_000_000)));
        for bad in [
            "",
            "1e3",
            "1.234",
            ".5",
            "1.2.3",
            "abc",
            "1000001",
            "-0.5",
            "99999999999999999999999",
        ] {
            assert!(Centi::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_building_below_the_local_bar_of_storeys_is_refused() {
        let mut p = code();
        p.min_storeys = 4;
        assert!(check_storeys(4, &p).is_ok());
        assert!(
            check_storeys(3, &p)
                .unwrap_err()
                .contains("最低层数（4 层）")
        );
    }

    #[test]
    fn the_lift_line_counts_the_units_that_passed() {
        let catalog =
            Catalog::from_toml(include_str!("../../fixtures/renshou/work_items.toml")).unwrap();
        let line = |item: &str, quantity: Option<f64>| ScopeLine {
            item: item.into(),
            quantity,
            reason: None,
        };
        let scope = vec![line("B01", None), line("U01", None)];
        let added = scope_with_lifts(&scope, &catalog, "I11", 2);
        assert_eq!(
            added,
            [line("B01", None), line("I11", Some(2.0)), line("U01", None)]
        );
        let changed = scope_with_lifts(&added, &catalog, "I11", 5);
        assert_eq!(changed[1], line("I11", Some(5.0)));
        assert_eq!(scope_with_lifts(&changed, &catalog, "I11", 0), scope);
        assert_eq!(scope_with_lifts(&scope, &catalog, "I11", 0), scope);
    }

    #[test]
    fn shares_in_words() {
        assert_eq!(Fraction([2, 3]).in_words(), "三分之二");
        assert_eq!(Fraction([6, 8]).in_words(), "四分之三");
        assert_eq!(Fraction([80, 100]).in_words(), "五分之四");
        assert_eq!(Fraction([7, 11]).in_words(), "7/11");
        assert_eq!(percent(2, 3).as_deref(), Some("66.6%"));
        assert_eq!(rounded_percent(2, 3).as_deref(), Some("66.7%"));
        assert_eq!(rounded_percent(1, 8).as_deref(), Some("12.5%"));
        assert_eq!(rounded_percent(1, 16).as_deref(), Some("6.3%"));
        assert_eq!(rounded_percent(3, 4).as_deref(), Some("75.0%"));
        assert_eq!(percent(1, 0), None);
    }
}
