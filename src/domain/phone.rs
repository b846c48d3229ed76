//! Telephone numbers of mainland China: mobile numbers (11 digits, 1[3-9]…) and fixed lines with their area
//! code (0xx or 0xxx, then 7 or 8 digits).

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    /// A mobile or fixed-line number as people write them: spaces and hyphens anywhere, `+86`/`86` in front of a
    /// mobile number. Kept as `13812341234` or `028-36212345`.
    pub fn parse(input: &str) -> Result<Self, String> {
        if let Ok(mobile) = Mobile::parse(input) {
            return Ok(Phone(mobile.0));
        }
        let digits = digits_of(input)?;
        let area_len = if digits.starts_with("010") || digits.starts_with("02") {
            3
        } else {
            4
        };
        if digits.starts_with('0')
            && !digits.starts_with("00")
            && (area_len + 7..=area_len + 8).contains(&digits.len())
        {
            let (area, local) = digits.split_at(area_len);
            return Ok(Phone(format!("{area}-{local}")));
        }
        Err(
            "须为大陆手机号码（13–19 开头的 11 位数字）或带区号的固定电话，如 028-36212345"
                .to_owned(),
        )
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A mainland mobile number (11 digits, 13x–19x).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Mobile(String);

impl Mobile {
    pub fn parse(input: &str) -> Result<Self, String> {
        let digits = digits_of(input)?;
        let digits = match digits.len() {
            13 => digits.strip_prefix("86").unwrap_or(&digits).to_owned(),
            _ => digits,
        };
        let b = digits.as_bytes();
        if b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) {
            Ok(Mobile(digits))
        } else {
            Err("须为大陆手机号码：13–19 开头的 11 位数字".to_owned())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Shown in public as 138****1234.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

fn digits_of(input: &str) -> Result<String, String> {
    let trimmed = input.trim();
    let trimmed = trimmed.strip_prefix('+').unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Err("必填".to_owned());
    }
    if trimmed.len() > 32 {
        return Err("太长了，不像电话号码".to_owned());
    }
    if let Some(c) = trimmed
        .chars()
        .find(|c| !(c.is_ascii_digit() || *c == ' ' || *c == '-'))
    {
        return Err(format!("电话号码中不能有“{c}”"));
    }
    Ok(trimmed.chars().filter(char::is_ascii_digit).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mobile_numbers_as_people_write_them() {
        for input in [
            "13812341234",
            "138 1234 1234",
            "138-1234-1234",
            "+86 138 1234 1234",
            "8613812341234",
        ] {
            assert_eq!(Mobile::parse(input).unwrap().as_str(), "13812341234");
        }
    }

    #[test]
    fn refuses_what_is_not_a_mobile_number() {
        for input in [
            "",
            "1381234123",
            "138123412345",
            "12812341234",
            "23812341234",
            "138l2341234",
            "０１３８",
        ] {
            assert!(Mobile::parse(input).is_err(), "{input}");
        }
    }

    #[test]
    fn masks_the_middle_four_digits() {
        assert_eq!(
            Mobile::parse("13812341234").unwrap().masked(),
            "138****1234"
        );
    }

    #[test]
    fn reads_fixed_lines_with_their_area_code() {
        let cases = [
            ("028-36212345", "028-36212345"),
            ("02836212345", "028-36212345"),
            ("010 1234 5678", "010-12345678"),
            ("0833-1234567", "0833-1234567"),
            ("13812341234", "13812341234"),
        ];
        for (input, kept) in cases {
            assert_eq!(Phone::parse(input).unwrap().as_str(), kept, "{input}");
        }
        for input in ["36212345", "028-123", "0028-36212345", "028-362123456789"] {
            assert!(Phone::parse(input).is_err(), "{input}");
        }
    }
}
