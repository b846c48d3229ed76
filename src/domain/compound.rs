//! A compound (小区) and the parts of its record that have rules of their own.

use serde::{Deserialize, Serialize};

use super::policy::ConsentPolicy;

/// Declares an enum stored and exchanged as a lowercase code, with its Chinese label.
macro_rules! coded_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = ($code:literal, $label:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(code: &str) -> Result<Self, String> {
                match code {
                    $($code => Ok($name::$variant),)+
                    _ => Err(format!(
                        "“{code}”不是可选的值；可选：{}",
                        [$(concat!($code, "（", $label, "）")),+].join("、")
                    )),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }
    };
}

pub(crate) use coded_enum;

coded_enum! {
    /// Where a compound stands in the programme.
    Status {
        /// 已建档
        Catalogued = ("catalogued", "已建档"),
        /// 已摸底调查
        Surveyed = ("surveyed", "已调查"),
        /// 已列入年度计划
        Planned = ("planned", "已列入计划"),
        /// 方案公示中
        Notice = ("notice", "公示中"),
        /// 施工中
        InConstruction = ("in_construction", "施工中"),
        /// 已完工
        Completed = ("completed", "已完工"),
        /// 已验收
        Accepted = ("accepted", "已验收"),
    }
}

impl Status {
    /// Whether works have begun: the compound's scope is then the contract's and is no longer edited.
    pub fn scope_settled(self) -> bool {
        matches!(
            self,
            Self::InConstruction | Self::Completed | Self::Accepted
        )
    }

    /// What a scope edit is told once the scope is settled.
    pub const SCOPE_SETTLED: &str = "该小区已开工，改造内容以施工合同为准，不再在此修改";
}

coded_enum! {
    /// Who manages the compound (物业管理).
    PropertyManagement {
        None = ("none", "无物业"),
        SelfManaged = ("self", "居民自治"),
        Company = ("company", "物业公司"),
    }
}

coded_enum! {
    /// How the housing came about (房屋来源).
    Origin {
        UnitFundraised = ("unit_fundraised", "单位集资房"),
        HousingReform = ("housing_reform", "房改房"),
        Commercial = ("commercial", "商品房"),
        Resettlement = ("resettlement", "安置房"),
        Other = ("other", "其他"),
    }
}

coded_enum! {
    /// How grave a survey deficit is; safety deficits weigh most in priority.
    Severity {
        Safety = ("safety", "安全隐患"),
        Function = ("function", "功能缺失"),
        Amenity = ("amenity", "品质提升"),
    }
}

/// A compound's stable code, e.g. `RS-0001`: letters, digits and hyphens, at most 32 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct CompoundCode(String);

impl CompoundCode {
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 32
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if ok {
            Ok(CompoundCode(s.to_owned()))
        } else {
            Err("小区编号须为 1 到 32 个字母、数字、- 或 _，并以字母或数字开头".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The result of the survey (摸底调查).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Survey {
    pub surveyed_on: chrono::NaiveDate,
    #[serde(default)]
    pub deficits: Vec<Deficit>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deficit {
    pub code: String,
    pub severity: String,
    #[serde(default)]
    pub note: String,
}

impl Survey {
    pub fn check(&self) -> Result<(), (String, String)> {
        for (i, d) in self.deficits.iter().enumerate() {
            if d.code.trim().is_empty() || d.code.len() > 64 {
                return Err((
                    format!("deficits[{i}].code"),
                    "问题代码须为 1 到 64 个字符".into(),
                ));
            }
            Severity::parse(&d.severity).map_err(|e| (format!("deficits[{i}].severity"), e))?;
            if d.note.chars().count() > 500 {
                return Err((
                    format!("deficits[{i}].note"),
                    "问题说明最多 500 个字".into(),
                ));
            }
        }
        Ok(())
    }

    pub fn safety_deficits(&self) -> usize {
        self.deficits
            .iter()
            .filter(|d| d.severity == Severity::Safety.code())
            .count()
    }
}

/// The most owners a consent record counts: as many as a compound may have households.
pub const MAX_OWNERS: u32 = 100_000;
/// The largest floor area a consent record counts, in m² (a compound's largest floor area).
pub const MAX_AREA_M2: f64 = 10_000_000.0;

/// The residents' consent record (居民意愿): how many owners, holding how much floor area, took part
/// in the vote and how many of them agreed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    pub recorded_on: chrono::NaiveDate,
    pub owners_total: u32,
    pub area_total_m2: f64,
    pub participating_owners: u32,
    pub participating_area_m2: f64,
    pub agreeing_owners: u32,
    pub agreeing_area_m2: f64,
}

impl Consent {
    /// The counts must nest (agreeing ≤ participating ≤ total) and be a compound's, not a typo's: at most
    /// [`MAX_OWNERS`] owners and [`MAX_AREA_M2`]; the record is dated from 1990 to `today`.
    pub fn check(&self, today: chrono::NaiveDate) -> Result<(), (String, String)> {
        let earliest = chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap_or_default();
        if self.recorded_on < earliest || self.recorded_on > today {
            return Err((
                "recorded_on".into(),
                format!("记录日期须在 {earliest} 到今天（{today}）之间"),
            ));
        }
        let areas = [
            ("area_total_m2", self.area_total_m2),
            ("participating_area_m2", self.participating_area_m2),
            ("agreeing_area_m2", self.agreeing_area_m2),
        ];
        for (field, v) in areas {
            if !(v.is_finite() && (0.0..=MAX_AREA_M2).contains(&v)) {
                return Err((
                    field.into(),
                    format!("面积须为 0 到 {MAX_AREA_M2} ㎡ 之间的数"),
                ));
            }
        }
        let counts = [
            ("owners_total", self.owners_total),
            ("participating_owners", self.participating_owners),
            ("agreeing_owners", self.agreeing_owners),
        ];
        for (field, n) in counts {
            if n > MAX_OWNERS {
                return Err((field.into(), format!("户数最多 {MAX_OWNERS} 户")));
            }
        }
        if self.owners_total == 0 {
            return Err(("owners_total".into(), "业主总户数须至少 1 户".into()));
        }
        if self.participating_owners > self.owners_total {
            return Err((
                "participating_owners".into(),
                "参与表决的业主户数不能多于业主总户数".into(),
            ));
        }
        if self.agreeing_owners > self.participating_owners {
            return Err((
                "agreeing_owners".into(),
                "同意的业主户数不能多于参与表决的业主户数".into(),
            ));
        }
        if self.participating_area_m2 > self.area_total_m2 {
            return Err((
                "participating_area_m2".into(),
                "参与表决的业主专有面积不能大于专有面积总数".into(),
            ));
        }
        if self.agreeing_area_m2 > self.participating_area_m2 {
            return Err((
                "agreeing_area_m2".into(),
                "同意的业主专有面积不能大于参与表决的业主专有面积".into(),
            ));
        }
        Ok(())
    }

    /// Whether the record meets the policy: enough owners and area took part, and enough of those agreed.
    pub fn meets(&self, policy: &ConsentPolicy) -> bool {
        policy.participation_owners.reached(
            f64::from(self.participating_owners),
            f64::from(self.owners_total),
        ) && policy
            .participation_area
            .reached(self.participating_area_m2, self.area_total_m2)
            && policy.approval_owners.reached(
                f64::from(self.agreeing_owners),
                f64::from(self.participating_owners),
            )
            && policy
                .approval_area
                .reached(self.agreeing_area_m2, self.participating_area_m2)
    }
}

/// The bureau's decision to file a compound under another category than its scope gives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryOverride {
    pub category: String,
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::Fraction;

    fn policy() -> ConsentPolicy {
        ConsentPolicy {
            participation_owners: Fraction([2, 3]),
            participation_area: Fraction([2, 3]),
            approval_owners: Fraction([3, 4]),
            approval_area: Fraction([3, 4]),
        }
    }

    fn consent(participating: u32, agreeing: u32) -> Consent {
        Consent {
            recorded_on: chrono::NaiveDate::from_ymd_opt(2021, 3, 1).unwrap(),
            owners_total: 300,
            area_total_m2: 30_000.0,
            participating_owners: participating,
            participating_area_m2: f64::from(participating) * 100.0,
            agreeing_owners: agreeing,
            agreeing_area_m2: f64::from(agreeing) * 100.0,
        }
    }

    #[test]
    fn two_thirds_take_part_and_three_quarters_agree_exactly_at_the_bar() {
        // 200 of 300 is exactly two thirds; 150 of 200 exactly three quarters.
        assert!(consent(200, 150).meets(&policy()));
        assert!(!consent(199, 150).meets(&policy()));
        assert!(!consent(200, 149).meets(&policy()));
    }

    #[test]
    fn counts_that_do_not_nest_are_refused() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        assert_eq!(
            consent(301, 10).check(today).unwrap_err().0,
            "participating_owners"
        );
        assert_eq!(
            consent(100, 101).check(today).unwrap_err().0,
            "agreeing_owners"
        );
        assert!(consent(250, 200).check(today).is_ok());
    }

    #[test]
    fn counts_and_dates_out_of_any_compound_s_range_are_refused() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let mut c = consent(250, 200);
        c.owners_total = 2_147_483_648;
        assert_eq!(c.check(today).unwrap_err().0, "owners_total");
        let mut c = consent(250, 200);
        c.area_total_m2 = 1e300;
        assert_eq!(c.check(today).unwrap_err().0, "area_total_m2");
        for bad in [(9999, 1, 1), (2026, 12, 7), (1989, 12, 31)] {
            let mut c = consent(250, 200);
            c.recorded_on = chrono::NaiveDate::from_ymd_opt(bad.0, bad.1, bad.2).unwrap();
            assert_eq!(c.check(today).unwrap_err().0, "recorded_on", "{bad:?}");
        }
        let mut c = consent(250, 200);
        c.recorded_on = today;
        assert!(c.check(today).is_ok());
    }

    #[test]
    fn codes_parse_strictly() {
        assert!(CompoundCode::parse("RS-0001").is_ok());
        for bad in ["", "-RS", "RS 0001", "小区", &"A".repeat(33)] {
            assert!(CompoundCode::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Status::parse("in_construction"), Ok(Status::InConstruction));
        assert!(
            Status::parse("demolished")
                .unwrap_err()
                .contains("catalogued（已建档）")
        );
    }
}
