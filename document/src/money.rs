//! Amounts of money as printed on bureau documents: figures (¥12,345.60) and capitals (大写金额).
//!
//! Amounts are integer fen (分) throughout: floating point never touches money.

const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];

/// 大写金额 by the usual banking rules (《支付结算办法》 附件 and 正确填写票据和结算凭证的基本规定):
///
/// * 12,345.60 → 壹万贰仟叁佰肆拾伍元陆角整, 10.00 → 壹拾元整 (the leading 壹 is written),
/// * one 零 for any run of zeros inside the figure (100,001.00 → 壹拾万零壹元整), none at the end,
/// * 零 between 元 and the fraction when the 元 digit or the 角 is zero (1,680.32 →
///   壹仟陆佰捌拾元零叁角贰分; 1,000,000,000.09 → 壹拾亿元零玖分),
/// * 整 after 元 or 角, never after 分; less than one yuan starts at the fraction (0.05 → 伍分),
/// * 0 → 零元整; a negative amount is prefixed 负.
pub fn capitals(fen: i64) -> String {
    if fen < 0 {
        return format!("负{}", capitals_of(fen.unsigned_abs()));
    }
    capitals_of(fen.unsigned_abs())
}

fn capitals_of(fen: u64) -> String {
    let yuan = fen / 100;
    let jiao = (fen / 10 % 10) as usize;
    let fen_digit = (fen % 10) as usize;
    if fen == 0 {
        return "零元整".to_owned();
    }
    let mut out = String::new();
    if yuan > 0 {
        out.push_str(&integer(yuan));
        out.push('元');
    }
    if jiao == 0 && fen_digit == 0 {
        out.push('整');
        return out;
    }
    // The zero between 元 and the fraction: required when 角 is zero and 分 is not, and written
    // (as banks prefer) when the 元 digit itself is zero.
    if yuan > 0 && (jiao == 0 || yuan.is_multiple_of(10)) {
        out.push('零');
    }
    if jiao > 0 {
        out.push(DIGITS[jiao]);
        out.push('角');
    }
    if fen_digit > 0 {
        out.push(DIGITS[fen_digit]);
        out.push('分');
    } else {
        out.push('整');
    }
    out
}

/// A positive whole number in capitals, with 万 and 亿 groups ("壹拾万零壹").
fn integer(n: u64) -> String {
    const YI: u64 = 100_000_000;
    const WAN: u64 = 10_000;
    if n >= YI {
        return join_group(integer(n / YI) + "亿", n % YI, YI / 10);
    }
    if n >= WAN {
        return join_group(four_digits(n / WAN) + "万", n % WAN, WAN / 10);
    }
    four_digits(n)
}

/// Appends the lower part of a number after its 万/亿 group: a 零 stands for the zeros in between
/// when the lower part does not fill its top digit (壹亿零壹万, 壹万零伍佰).
fn join_group(mut high: String, low: u64, top_digit: u64) -> String {
    if low == 0 {
        return high;
    }
    if low < top_digit {
        high.push('零');
    }
    high.push_str(&integer(low));
    high
}

/// 1..=9999 in capitals: 仟佰拾 units, one 零 per run of inner zeros, trailing zeros dropped.
fn four_digits(n: u64) -> String {
    const UNITS: [&str; 4] = ["仟", "佰", "拾", ""];
    let digits = [n / 1000 % 10, n / 100 % 10, n / 10 % 10, n % 10];
    let mut out = String::new();
    let mut pending_zero = false;
    for (digit, unit) in digits.iter().zip(UNITS) {
        if *digit == 0 {
            pending_zero = !out.is_empty();
            continue;
        }
        if pending_zero {
            out.push('零');
            pending_zero = false;
        }
        out.push(DIGITS[*digit as usize]);
        out.push_str(unit);
    }
    out
}

/// "¥12,345.60"; a negative amount is "-¥12,345.60".
pub fn figures(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}¥{}", grouped(fen.unsigned_abs()))
}

/// "12,345.60" (no currency sign), for table columns headed 金额（元）.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{}", grouped(fen.unsigned_abs()))
}

/// A sum as notices and pages state it: "356.2万元" from ten thousand yuan up (to the 分, trailing zeros dropped),
/// "9,800.00元" below.
pub fn wan(fen: i64) -> String {
    if fen.abs() >= 1_000_000 {
        let text = format!("{:.2}", fen as f64 / 1_000_000.0);
        let text = text.trim_end_matches('0').trim_end_matches('.');
        format!("{text}万元")
    } else {
        format!("{}元", yuan(fen))
    }
}

/// An amount in 万元 with two decimals and its thousands grouped ("33,000.00", "0.98"), for table columns
/// headed 金额（万元）: rounded half away from zero to the hundred yuan, in integers.
pub fn wan_figures(fen: i64) -> String {
    // Hundredths of 万元 are hundreds of yuan: 10,000 fen.
    let hundredths = (fen.unsigned_abs() + 5_000) / 10_000;
    let sign = if fen < 0 && hundredths > 0 { "-" } else { "" };
    format!("{sign}{}", grouped(hundredths))
}

/// A whole number with its thousands grouped: "12,345", "-1,000".
pub fn whole(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}", group(n.unsigned_abs()))
}

fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn grouped(fen: u64) -> String {
    format!("{}.{:02}", group(fen / 100), fen % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capitals_follow_the_banking_rules() {
        let cases: &[(i64, &str)] = &[
            (0, "零元整"),
            (5, "伍分"),
            (50, "伍角整"),
            (55, "伍角伍分"),
            (100, "壹元整"),
            (1_000, "壹拾元整"),
            (1_050, "壹拾元零伍角整"),
            (1_234_560, "壹万贰仟叁佰肆拾伍元陆角整"),
            (168_032, "壹仟陆佰捌拾元零叁角贰分"),
            (100_400, "壹仟零肆元整"),
            (1_050_000, "壹万零伍佰元整"),
            (10_000_100, "壹拾万零壹元整"),
            (10_700_053, "壹拾万柒仟元零伍角叁分"),
            (100_050_000, "壹佰万零伍佰元整"),
            (105_000_000, "壹佰零伍万元整"),
            (100_000_000, "壹佰万元整"),
            (10_000_000_000, "壹亿元整"),
            (10_001_000_000, "壹亿零壹万元整"),
            (12_000_000_000, "壹亿贰仟万元整"),
            (100_000_000_009, "壹拾亿元零玖分"),
            (100_000_000_100, "壹拾亿零壹元整"),
            (100_000_000_000_000, "壹万亿元整"),
            (-1_000, "负壹拾元整"),
        ];
        for (fen, want) in cases {
            assert_eq!(capitals(*fen), *want, "capitals({fen})");
        }
    }

    #[test]
    fn figures_group_thousands_and_keep_two_decimals() {
        let cases: &[(i64, &str)] = &[
            (0, "¥0.00"),
            (5, "¥0.05"),
            (1_000, "¥10.00"),
            (1_234_560, "¥12,345.60"),
            (10_000_100, "¥100,001.00"),
            (100_000_000_009, "¥1,000,000,000.09"),
            (-1_234_560, "-¥12,345.60"),
        ];
        for (fen, want) in cases {
            assert_eq!(figures(*fen), *want, "figures({fen})");
        }
        assert_eq!(yuan(1_234_560), "12,345.60");
    }

    #[test]
    fn sums_read_in_wan_from_ten_thousand_yuan() {
        assert_eq!(wan(980_000), "9,800.00元");
        assert_eq!(wan(1_000_000), "1万元");
        assert_eq!(wan(356_200_000), "356.2万元");
        assert_eq!(wan(193_170_000), "193.17万元");
        assert_eq!(wan(-5_000_000), "-5万元");
        assert_eq!(wan_figures(33_000_000_000), "33,000.00");
        assert_eq!(wan_figures(980_000), "0.98");
        assert_eq!(wan_figures(1_234_565_000), "1,234.57");
        assert_eq!(wan_figures(1_234_564_999), "1,234.56");
        assert_eq!(wan_figures(-1_234_565_000), "-1,234.57");
        assert_eq!(wan_figures(-4_999), "0.00");
        assert_eq!(wan_figures(0), "0.00");
        assert!(wan_figures(i64::MIN).starts_with('-'));
        assert_eq!(whole(0), "0");
        assert_eq!(whole(1_234_567), "1,234,567");
        assert_eq!(whole(-1_000), "-1,000");
    }

    #[test]
    fn extreme_amounts_do_not_overflow() {
        assert!(capitals(i64::MIN).starts_with('负'));
        assert!(capitals(i64::MAX).ends_with('分'));
        assert!(figures(i64::MIN).starts_with("-¥"));
    }
}
