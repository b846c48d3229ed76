//! Where a compound's money comes from (资金来源): the county's funding sources, each with the work it may pay
//! for and its default share, and the split of an estimate by source, exact to the fen.
//!
//! The sources are applied in the policy's order. Each pays its `share` of what is still unpaid among the lines
//! it may pay for (its `classes`, or only its `items`), at most `cap_per_household_yuan` per household; what no
//! source pays is the funding gap (资金缺口), shown, never hidden.

use serde::{Deserialize, Serialize};

use super::catalog::Catalog;

/// One funding source and its default rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Machine code, e.g. `central`; letters, digits and `_`.
    pub code: String,
    /// The bureau's name for it, e.g. 中央补助资金.
    pub name: String,
    /// Work-item classes it may pay for; empty: every class.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<String>,
    /// Only these work items (e.g. a pipeline firm's own networks); empty: every item of `classes`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<String>,
    /// The share of what it may pay that it pays, from 0 to 1.
    #[serde(default = "whole")]
    pub share: f64,
    /// At most this much per household of the compound, in yuan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap_per_household_yuan: Option<f64>,
}

fn whole() -> f64 {
    1.0
}

impl Source {
    /// The rule in the bureau's words, e.g. "中央补助资金：基础类，承担 100%，每户至多 20,000 元".
    pub fn describe(&self, catalog: &Catalog) -> String {
        let mut what: Vec<String> = self
            .classes
            .iter()
            .map(|c| {
                catalog
                    .class(c)
                    .map_or_else(|| c.clone(), |k| k.name.clone())
            })
            .collect();
        what.extend(self.items.iter().map(|i| {
            catalog
                .item(i)
                .map_or_else(|| i.clone(), |k| k.name.clone())
        }));
        let mut text = format!(
            "{}：{}，承担 {}%",
            self.name,
            if what.is_empty() {
                "全部改造内容".to_owned()
            } else {
                what.join("、")
            },
            (self.share * 1000.0).round() / 10.0
        );
        if let Some(cap) = self.cap_per_household_yuan {
            let fen = (cap * 100.0).round() as i64;
            text.push_str(&format!("，每户至多 {}", jiugai_document::money::wan(fen)));
        }
        text
    }

    /// Whether the source may pay for a line of this item and class.
    pub fn pays(&self, item: &str, class: &str) -> bool {
        (self.classes.is_empty() || self.classes.iter().any(|c| c == class))
            && (self.items.is_empty() || self.items.iter().any(|i| i == item))
    }
}

/// The county's funding sources, in the order the default split applies them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Funding {
    #[serde(default)]
    pub sources: Vec<Source>,
}

/// Largest cap per household accepted, to catch a cap typed in fen or with extra zeros.
const MAX_CAP_PER_HOUSEHOLD_YUAN: f64 = 10_000_000.0;

impl Funding {
    /// Checks the sources against themselves and the catalog's `classes` and `items`. Errors name the field as
    /// `funding.sources[i].field`, in Chinese.
    pub fn check(&self, classes: &[&str], items: &[&str]) -> Result<(), (String, String)> {
        for (i, s) in self.sources.iter().enumerate() {
            let field = |name: &str| format!("funding.sources[{i}].{name}");
            let n = i + 1;
            if s.code.is_empty()
                || s.code.len() > 32
                || !s
                    .code
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err((
                    field("code"),
                    format!("第 {n} 个资金来源的代码须为 1 至 32 个英文字母、数字或下划线"),
                ));
            }
            if self.sources[..i].iter().any(|o| o.code == s.code) {
                return Err((field("code"), format!("资金来源代码“{}”重复", s.code)));
            }
            let name = s.name.trim();
            if name.is_empty() || name.chars().count() > 40 {
                return Err((
                    field("name"),
                    format!("第 {n} 个资金来源须有名称（最多 40 个字）"),
                ));
            }
            if self.sources[..i].iter().any(|o| o.name.trim() == name) {
                return Err((field("name"), format!("资金来源名称“{name}”重复")));
            }
            if !(s.share.is_finite() && (0.0..=1.0).contains(&s.share)) {
                return Err((field("share"), format!("{name}的分担比例须在 0 到 1 之间")));
            }
            if let Some(cap) = s.cap_per_household_yuan
                && !(cap.is_finite() && (0.0..=MAX_CAP_PER_HOUSEHOLD_YUAN).contains(&cap))
            {
                return Err((
                    field("cap_per_household_yuan"),
                    format!("{name}的每户上限须在 0 到 1000 万元之间"),
                ));
            }
            if let Some(unknown) = s.classes.iter().find(|c| !classes.contains(&c.as_str())) {
                return Err((
                    field("classes"),
                    format!("{name}：没有“{unknown}”这一改造类别"),
                ));
            }
            if let Some(unknown) = s.items.iter().find(|c| !items.contains(&c.as_str())) {
                return Err((
                    field("items"),
                    format!("{name}：没有编号为“{unknown}”的工程项目"),
                ));
            }
        }
        Ok(())
    }
}

/// The bureau's own split of a compound's estimate by funding source, in yuan, with why the policy's default
/// split does not fit it (e.g. the former owner unit pays part).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FundingOverride {
    pub shares: std::collections::BTreeMap<String, f64>,
    pub reason: String,
}

impl FundingOverride {
    /// Checks the shape: amounts in yuan to the fen, not negative, a reason. The sources and the total are the
    /// database's to check, against the policy and the estimate.
    pub fn check(&self) -> Result<(), (String, String)> {
        if self.shares.is_empty() || self.shares.len() > 30 {
            return Err(("shares".into(), "须列出 1 至 30 个资金来源的金额".into()));
        }
        for (source, yuan) in &self.shares {
            if !(yuan.is_finite() && (0.0..=100_000_000_000.0).contains(yuan)) {
                return Err((
                    format!("shares.{source}"),
                    "金额须为 0 到 1000 亿元之间的数".into(),
                ));
            }
            if ((yuan * 100.0).round() - yuan * 100.0).abs() > 1e-6 {
                return Err((format!("shares.{source}"), "金额最多精确到分".into()));
            }
        }
        let reason = super::text::trim(&self.reason);
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err((
                "reason".into(),
                "须填写调整资金分摊的理由，1 到 500 个字".into(),
            ));
        }
        Ok(())
    }

    /// The amounts in fen, by source code.
    pub fn fen(&self) -> impl Iterator<Item = (&str, i64)> {
        self.shares
            .iter()
            .map(|(s, y)| (s.as_str(), (y * 100.0).round() as i64))
    }
}

/// One line of an estimate, as the split sees it.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    pub item: &'a str,
    pub class: &'a str,
    pub amount_fen: i64,
}

/// What one source pays.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Share {
    pub source: String,
    pub name: String,
    #[serde(serialize_with = "super::cost::fen_as_yuan", rename = "amount_yuan")]
    pub amount_fen: i64,
}

/// An estimate split by source: the shares and the gap add up to the estimate exactly.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Split {
    pub shares: Vec<Share>,
    /// What no source pays (资金缺口); below zero when the compound's own split, set for an earlier estimate,
    /// now exceeds it.
    #[serde(serialize_with = "super::cost::fen_as_yuan", rename = "unfunded_yuan")]
    pub unfunded_fen: i64,
    /// Why the bureau set this compound's own split; `None`: the policy's default split.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Split {
    pub fn total_fen(&self) -> i64 {
        self.shares.iter().map(|s| s.amount_fen).sum::<i64>() + self.unfunded_fen
    }

    /// Several splits added up by source, the sources in the order they first appear.
    pub fn sum(parts: &[Split]) -> Split {
        let mut shares: Vec<Share> = Vec::new();
        for share in parts.iter().flat_map(|p| &p.shares) {
            match shares.iter_mut().find(|s| s.source == share.source) {
                Some(s) => s.amount_fen += share.amount_fen,
                None => shares.push(share.clone()),
            }
        }
        Split {
            shares,
            unfunded_fen: parts.iter().map(|p| p.unfunded_fen).sum(),
            reason: None,
        }
    }
}

/// Splits an estimate's lines by the sources' default rules, for a compound of `households` households.
pub fn split(funding: &Funding, lines: &[Line<'_>], households: u32) -> Split {
    let mut left: Vec<i64> = lines.iter().map(|l| l.amount_fen.max(0)).collect();
    let mut shares = Vec::with_capacity(funding.sources.len());
    for source in &funding.sources {
        let eligible: Vec<usize> = (0..lines.len())
            .filter(|&i| left[i] > 0 && source.pays(lines[i].item, lines[i].class))
            .collect();
        let base: i64 = eligible.iter().map(|&i| left[i]).sum();
        // Amounts stay far below 2^53 fen, so the product is exact before the floor.
        let mut take = (base as f64 * source.share).floor() as i64;
        if let Some(cap) = source.cap_per_household_yuan {
            take = take.min((cap * 100.0).round() as i64 * i64::from(households));
        }
        take = take.clamp(0, base);
        allocate(&mut left, &eligible, base, take);
        shares.push(Share {
            source: source.code.clone(),
            name: source.name.clone(),
            amount_fen: take,
        });
    }
    Split {
        shares,
        unfunded_fen: left.iter().sum(),
        reason: None,
    }
}

/// A compound's own split, in the policy's order of sources (the ones it leaves out at zero); a source the
/// policy no longer has keeps its amount under its code.
pub fn split_override(funding: &Funding, own: &FundingOverride, total_fen: i64) -> Split {
    let amounts: std::collections::BTreeMap<&str, i64> = own.fen().collect();
    let mut shares: Vec<Share> = funding
        .sources
        .iter()
        .map(|s| Share {
            source: s.code.clone(),
            name: s.name.clone(),
            amount_fen: amounts.get(s.code.as_str()).copied().unwrap_or_default(),
        })
        .collect();
    for (code, &amount_fen) in &amounts {
        if !funding.sources.iter().any(|s| s.code == *code) {
            shares.push(Share {
                source: (*code).to_owned(),
                name: format!("已停用的资金来源（{code}）"),
                amount_fen,
            });
        }
    }
    let paid: i64 = shares.iter().map(|s| s.amount_fen).sum();
    Split {
        shares,
        unfunded_fen: total_fen - paid,
        reason: Some(own.reason.trim().to_owned()),
    }
}

/// Checks a compound's own split against the policy's sources and its estimate: every source known, the amounts
/// adding up to the estimate to the fen. Errors name the field under `funding_override`.
pub fn check_override(
    funding: &Funding,
    own: &FundingOverride,
    total_fen: i64,
) -> Result<(), (String, String)> {
    for (code, _) in own.fen() {
        if !funding.sources.iter().any(|s| s.code == code) {
            return Err((
                format!("funding_override.shares.{code}"),
                format!("政策参数中没有代码为“{code}”的资金来源"),
            ));
        }
    }
    let paid: i64 = own.fen().map(|(_, fen)| fen).sum();
    if paid != total_fen {
        return Err((
            "funding_override.shares".to_owned(),
            format!(
                "各来源合计 {}，与投资估算 {} 不符，须相等",
                jiugai_document::money::figures(paid),
                jiugai_document::money::figures(total_fen)
            ),
        ));
    }
    Ok(())
}

/// Takes `take` out of the `eligible` lines' `left` amounts (which sum to `base`) in proportion to them, in whole
/// fen: each line its floor, the fen left over to the lines with the largest remainders (the earlier on ties).
fn allocate(left: &mut [i64], eligible: &[usize], base: i64, take: i64) {
    if take == 0 || base == 0 {
        return;
    }
    let mut parts: Vec<(usize, i64, i128)> = eligible
        .iter()
        .map(|&i| {
            let exact = i128::from(left[i]) * i128::from(take);
            let part = (exact / i128::from(base)) as i64;
            (i, part, exact % i128::from(base))
        })
        .collect();
    let mut short = take - parts.iter().map(|p| p.1).sum::<i64>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| parts[b].2.cmp(&parts[a].2).then(a.cmp(&b)));
    for k in order {
        if short == 0 {
            break;
        }
        let (i, part, _) = parts[k];
        if part < left[i] {
            parts[k].1 += 1;
            short -= 1;
        }
    }
    for (i, part, _) in parts {
        left[i] -= part;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(
        code: &str,
        classes: &[&str],
        items: &[&str],
        share: f64,
        cap: Option<f64>,
    ) -> Source {
        Source {
            code: code.to_owned(),
            name: format!("{code}资金"),
            classes: classes.iter().map(|s| (*s).to_owned()).collect(),
            items: items.iter().map(|s| (*s).to_owned()).collect(),
            share,
            cap_per_household_yuan: cap,
        }
    }

    fn lines() -> Vec<Line<'static>> {
        vec![
            Line {
                item: "B01",
                class: "basic",
                amount_fen: 10_000_000,
            },
            Line {
                item: "B07",
                class: "basic",
                amount_fen: 5_000_000,
            },
            Line {
                item: "I01",
                class: "improvement",
                amount_fen: 3_000_001,
            },
            Line {
                item: "U01",
                class: "upgrade",
                amount_fen: 2_000_000,
            },
        ]
    }

    #[test]
    fn the_sources_take_their_share_in_order_and_the_shares_add_up_to_the_estimate() {
        let funding = Funding {
            sources: vec![
                source("pipeline", &[], &["B07"], 0.5, None),
                source("residents", &["improvement", "upgrade"], &[], 0.1, None),
                source("central", &["basic"], &[], 1.0, Some(1_000.0)),
                source("county", &[], &[], 1.0, None),
            ],
        };
        let s = split(&funding, &lines(), 100);
        let amounts: Vec<i64> = s.shares.iter().map(|s| s.amount_fen).collect();
        // Pipeline: half of B07. Residents: a tenth of 50,000.01 yuan, floored to the fen. Central: the basic
        // lines' remaining 125,000 capped at 1,000 × 100 households. County: the rest.
        assert_eq!(amounts, [2_500_000, 500_000, 10_000_000, 7_000_001]);
        assert_eq!(s.unfunded_fen, 0);
        assert_eq!(
            s.total_fen(),
            lines().iter().map(|l| l.amount_fen).sum::<i64>()
        );
    }

    #[test]
    fn what_no_source_may_pay_is_the_gap() {
        let funding = Funding {
            sources: vec![source("central", &["basic"], &[], 1.0, None)],
        };
        let s = split(&funding, &lines(), 10);
        assert_eq!(s.shares[0].amount_fen, 15_000_000);
        assert_eq!(s.unfunded_fen, 5_000_001);
        let none = split(&Funding::default(), &lines(), 10);
        assert!(none.shares.is_empty());
        assert_eq!(none.unfunded_fen, 20_000_001);
    }

    #[test]
    fn a_capped_share_is_spread_over_the_lines_in_whole_fen() {
        // Three equal lines and a take of 100 fen: 34 + 33 + 33, the first line taking the odd fen.
        let mut left = vec![1_000, 1_000, 1_000];
        allocate(&mut left, &[0, 1, 2], 3_000, 100);
        assert_eq!(left, [966, 967, 967]);
        let funding = Funding {
            sources: vec![
                source("a", &[], &[], 1.0, Some(0.01)),
                source("b", &[], &[], 1.0, None),
            ],
        };
        let s = split(&funding, &lines(), 7);
        assert_eq!(s.shares[0].amount_fen, 7);
        assert_eq!(s.total_fen(), 20_000_001);
    }

    #[test]
    fn a_compound_s_own_split_must_name_known_sources_and_add_up_to_its_estimate() {
        let funding = Funding {
            sources: vec![
                source("central", &["basic"], &[], 1.0, None),
                source("local", &[], &[], 1.0, None),
            ],
        };
        let own = |pairs: &[(&str, f64)]| FundingOverride {
            shares: pairs.iter().map(|(c, y)| ((*c).to_owned(), *y)).collect(),
            reason: "原产权单位承担部分".to_owned(),
        };
        assert!(
            check_override(
                &funding,
                &own(&[("central", 600.0), ("local", 400.01)]),
                100_001
            )
            .is_ok()
        );
        let (field, message) = check_override(
            &funding,
            &own(&[("central", 600.0), ("local", 400.0)]),
            100_001,
        )
        .unwrap_err();
        assert_eq!(field, "funding_override.shares");
        assert!(
            message.contains("¥1,000.00") && message.contains("¥1,000.01"),
            "{message}"
        );
        let (field, _) =
            check_override(&funding, &own(&[("bonds", 1000.01)]), 100_001).unwrap_err();
        assert_eq!(field, "funding_override.shares.bonds");
        // Shown in the policy's order, a source left out at zero, and the gap once the estimate has grown.
        let s = split_override(&funding, &own(&[("local", 1000.0)]), 150_000);
        let amounts: Vec<(&str, i64)> = s
            .shares
            .iter()
            .map(|s| (s.source.as_str(), s.amount_fen))
            .collect();
        assert_eq!(amounts, [("central", 0), ("local", 100_000)]);
        assert_eq!(s.unfunded_fen, 50_000);
        assert_eq!(s.reason.as_deref(), Some("原产权单位承担部分"));
    }

    #[test]
    fn sources_are_checked_against_the_catalog_and_each_other() {
        let classes = ["basic", "improvement", "upgrade"];
        let items = ["B01", "B07", "I01", "U01"];
        let ok = Funding {
            sources: vec![source("central", &["basic"], &[], 1.0, Some(20_000.0))],
        };
        assert!(ok.check(&classes, &items).is_ok());
        let cases = [
            (source("", &[], &[], 1.0, None), "funding.sources[0].code"),
            (
                source("中央", &[], &[], 1.0, None),
                "funding.sources[0].code",
            ),
            (source("x", &[], &[], 1.5, None), "funding.sources[0].share"),
            (
                source("x", &[], &[], f64::NAN, None),
                "funding.sources[0].share",
            ),
            (
                source("x", &[], &[], 1.0, Some(-1.0)),
                "funding.sources[0].cap_per_household_yuan",
            ),
            (
                source("x", &["safety"], &[], 1.0, None),
                "funding.sources[0].classes",
            ),
            (
                source("x", &[], &["Z99"], 1.0, None),
                "funding.sources[0].items",
            ),
        ];
        for (bad, field) in cases {
            let f = Funding { sources: vec![bad] };
            let (got, message) = f.check(&classes, &items).unwrap_err();
            assert_eq!(got, field);
            assert!(!message.is_empty());
        }
        let twice = Funding {
            sources: vec![
                source("a", &[], &[], 1.0, None),
                source("a", &[], &[], 1.0, None),
            ],
        };
        assert_eq!(
            twice.check(&classes, &items).unwrap_err().0,
            "funding.sources[1].code"
        );
    }
}
