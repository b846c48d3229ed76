//! 统一社会信用代码: the unified social credit code of a Chinese organisation (GB 32100-2015).
//!
//! Eighteen characters from a 31-character alphabet (0–9 and A–Y without I, O, S, V, Z): the registering
//! authority, the organisation type, the six-digit administrative division of registration, the nine-character
//! organisation code (GB 11714) and a check character. The check character makes Σ value × weight ≡ 0 (mod 31),
//! the weight of position i (from 0) being 3^i mod 31, so a single mistyped character or a swap of two
//! neighbours is caught.

use std::fmt;

use serde::Serialize;

/// The alphabet in value order: a character's value is its index.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct CreditCode(String);

impl CreditCode {
    /// Reads a code as typed: surrounding spaces are ignored and lower case is taken as upper case (codes are
    /// often copied from a licence by hand); anything else wrong is refused with a message saying what.
    pub fn parse(input: &str) -> Result<Self, String> {
        let code = input.trim().to_ascii_uppercase();
        let count = code.chars().count();
        if count != 18 {
            return Err(format!("统一社会信用代码应为 18 位，现在是 {count} 位"));
        }
        let mut values = [0u32; 18];
        for (i, c) in code.chars().enumerate() {
            values[i] = value(c).ok_or_else(|| {
                format!(
                    "第 {} 位“{c}”不能用：统一社会信用代码只用数字 0–9 和除 I、O、S、V、Z 以外的大写字母 A–Y",
                    i + 1
                )
            })?;
        }
        if let Some(i) = (2..8).find(|&i| values[i] > 9) {
            return Err(format!(
                "第 3 到 8 位是行政区划代码，须为数字；第 {} 位不是数字",
                i + 1
            ));
        }
        let expected = check_character(&values[..17]);
        let actual = code.as_bytes()[17] as char;
        if expected != actual {
            return Err(format!(
                "统一社会信用代码校验位不对（第 18 位应为 {expected}，现在是 {actual}），代码可能输错了"
            ));
        }
        Ok(CreditCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn value(c: char) -> Option<u32> {
    let byte = u8::try_from(c).ok()?;
    ALPHABET.iter().position(|&a| a == byte).map(|p| p as u32)
}

/// The check character for the first 17 characters' values.
fn check_character(values: &[u32]) -> char {
    let mut weight = 1;
    let mut sum = 0;
    for &v in values {
        sum += v * weight;
        weight = weight * 3 % 31;
    }
    ALPHABET[((31 - sum % 31) % 31) as usize] as char
}

/// Completes 17 characters with their check character: for fixtures and tests that need valid codes.
pub fn with_check_character(first17: &str) -> Option<String> {
    let values: Vec<u32> = first17.chars().map(value).collect::<Option<_>>()?;
    (values.len() == 17).then(|| format!("{first17}{}", check_character(&values)))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Codes in the format found on business licences: the first is the example most often quoted with the
    // standard; the others were completed with a check character computed apart from this code (in Python,
    // from the standard's weights).
    const VALID: &[&str] = &[
        "91350100M000100Y43",
        "911100001000068834",
        "12100000400010398P",
        "91510000MA61QNBJ5D",
    ];

    #[test]
    fn accepts_codes_in_the_real_format() {
        for code in VALID {
            assert_eq!(CreditCode::parse(code).map(|c| c.0).as_deref(), Ok(*code));
        }
    }

    #[test]
    fn takes_lower_case_and_spaces_as_typed_by_hand() {
        let code = CreditCode::parse("  91350100m000100y43 ").unwrap();
        assert_eq!(code.as_str(), "91350100M000100Y43");
    }

    #[test]
    fn refuses_a_wrong_check_character_and_says_which_is_right() {
        let err = CreditCode::parse("91350100M000100Y44").unwrap_err();
        assert!(err.contains("第 18 位应为 3，现在是 4"), "{err}");
    }

    #[test]
    fn catches_every_single_mistyped_character() {
        for code in VALID {
            for position in 0..18 {
                for replacement in ALPHABET.iter().map(|&b| b as char) {
                    let mut typo: Vec<char> = code.chars().collect();
                    if typo[position] == replacement {
                        continue;
                    }
                    typo[position] = replacement;
                    let typo: String = typo.into_iter().collect();
                    assert!(CreditCode::parse(&typo).is_err(), "{typo} accepted");
                }
            }
        }
    }

    #[test]
    fn refuses_wrong_length_letters_outside_the_alphabet_and_letters_in_the_division() {
        let cases = [
            ("", "应为 18 位，现在是 0 位"),
            ("91350100M000100Y4", "现在是 17 位"),
            ("91350100M000100Y433", "现在是 19 位"),
            ("91350100M000I00Y43", "第 13 位“I”不能用"),
            ("91350100M000100Y4３", "第 18 位“３”不能用"),
            ("913A0100M000100Y43", "第 4 位不是数字"),
        ];
        for (input, wanted) in cases {
            let err = CreditCode::parse(input).unwrap_err();
            assert!(err.contains(wanted), "{input}: {err}");
        }
    }

    #[test]
    fn completes_a_code_with_its_check_character() {
        assert_eq!(
            with_check_character("91350100M000100Y4").as_deref(),
            Some("91350100M000100Y43")
        );
        assert_eq!(with_check_character("91350100M000100Y"), None);
        assert_eq!(with_check_character("9135010OM000100Y4"), None);
    }
}
