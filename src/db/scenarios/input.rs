//! What a scenario is made of as sent, and a manual move of one compound.

use serde::Deserialize;
use serde_json::Value;

use crate::domain::FieldErrors;
use crate::domain::batch::Horizon;
use crate::error::{Error, Result};

/// The most scenarios compared at once.
pub const MAX_COMPARED: usize = 4;
pub(super) const MAX_NAME_CHARS: usize = 100;
const MAX_REASON_CHARS: usize = 500;

/// What a scenario is made of: a name and the horizon it plans.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    pub name: String,
    pub horizon: Horizon,
}

impl Input {
    pub fn parse(value: &Value) -> Result<Input> {
        let input: Input = crate::domain::deserialize(value).map_err(Error::Invalid)?;
        input.checked()
    }

    /// The name trimmed and checked (the horizon is checked when it is planned).
    pub fn checked(mut self) -> Result<Input> {
        self.name = checked_name(&self.name)?;
        Ok(self)
    }
}

pub(super) fn checked_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid("name", "必填"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::invalid(
            "name",
            format!("方案名称最多 {MAX_NAME_CHARS} 个字"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid("name", "方案名称不能包含控制字符"));
    }
    Ok(name.to_owned())
}

/// Where a manual move sends a compound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Into this year (a pin).
    Year(i32),
    /// Out of this plan (an exclusion).
    Out,
    /// Back to the planner's choice.
    Auto,
}

/// A manual move: `{"code": "RS-0007", "year": 2023 | null | "auto", "override": false, "reason": "…"}`.
#[derive(Debug, Clone)]
pub struct Move {
    pub code: String,
    pub target: Target,
    /// Let the year's limits stretch to take the compound (needs a reason).
    pub overrides: bool,
    pub reason: Option<String>,
}

impl Move {
    pub fn parse(value: &Value) -> Result<Move> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            code: String,
            year: Value,
            #[serde(default, rename = "override")]
            overrides: bool,
            #[serde(default)]
            reason: Option<String>,
        }
        let raw: Raw = crate::domain::deserialize(value).map_err(Error::Invalid)?;
        let mut errors = FieldErrors::default();
        let target = match &raw.year {
            Value::Null => Target::Out,
            Value::String(s) if s == "auto" => Target::Auto,
            Value::Number(n) if n.as_i64().is_some_and(|y| (2000..=2100).contains(&y)) => {
                Target::Year(n.as_i64().unwrap_or_default() as i32)
            }
            _ => {
                errors.add(
                    "year",
                    "须为规划期内的年度、空（不安排）或 auto（由系统排期）",
                );
                Target::Auto
            }
        };
        let reason = raw
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        if reason
            .as_ref()
            .is_some_and(|r| r.chars().count() > MAX_REASON_CHARS)
        {
            errors.add("reason", format!("理由最多 {MAX_REASON_CHARS} 个字"));
        }
        if raw.overrides {
            if reason.is_none() {
                errors.add("reason", "突破年度限额须写明理由");
            }
            if !matches!(target, Target::Year(_)) {
                errors.add("override", "只有调入某一年度时才能突破该年度的限额");
            }
        }
        if raw.code.trim().is_empty() {
            errors.add("code", "必填");
        }
        if !errors.is_empty() {
            return Err(Error::Invalid(errors));
        }
        Ok(Move {
            code: raw.code.trim().to_owned(),
            target,
            overrides: raw.overrides,
            reason,
        })
    }
}
