//! Accounts: roles, usernames, passwords and the sign-in throttle. Pure rules; `db::accounts`
//! stores them and `web::access` enforces them.

use chrono::{DateTime, Duration, Utc};

use super::compound::coded_enum;

coded_enum! {
    /// What a signed-in person may do. Residents have no account: they only read published notices.
    Role {
        /// 管理员: accounts, policy settings, the audit log.
        Admin = ("admin", "管理员"),
        /// 规划/项目科: catalog, scope, plans, contractors, work orders, notices, objections.
        Planner = ("planner", "规划员"),
        /// 施工单位: its own work orders and progress reports, nothing else.
        Contractor = ("contractor", "施工单位"),
    }
}

impl Role {
    /// Bureau staff read the whole catalog.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Admin | Role::Planner)
    }
}

/// A sign-in name: 3–32 characters, lowercase ASCII letters, digits, `.`, `_` and `-`, starting with
/// a letter. Kept plain so it is typed the same on every keyboard and input method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let name = raw.trim();
        let len = name.chars().count();
        if !(3..=32).contains(&len) {
            return Err("用户名须为 3 到 32 个字符".into());
        }
        if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err("用户名须以小写字母（a–z）开头".into());
        }
        if let Some(bad) = name
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(*c)))
        {
            return Err(format!(
                "用户名只能包含小写字母 a–z、数字 0–9 和 . _ -（不能有“{bad}”）"
            ));
        }
        Ok(Username(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: long enough to resist guessing, short enough to hash without being a denial of
/// service. Length is the rule that matters (NIST SP 800-63B); composition rules are not imposed.
pub struct NewPassword(String);

pub const PASSWORD_MIN_CHARS: usize = 10;
pub const PASSWORD_MAX_CHARS: usize = 128;

impl NewPassword {
    pub fn parse(raw: &str, username: &str) -> Result<Self, String> {
        let len = raw.chars().count();
        if len < PASSWORD_MIN_CHARS {
            return Err(format!("密码须至少 {PASSWORD_MIN_CHARS} 个字符"));
        }
        if len > PASSWORD_MAX_CHARS {
            return Err(format!("密码最多 {PASSWORD_MAX_CHARS} 个字符"));
        }
        if raw.to_lowercase().contains(&username.to_lowercase()) {
            return Err("密码不能包含用户名".into());
        }
        Ok(NewPassword(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// How failed sign-ins slow down further attempts for one key (an account or an address):
/// `free` failures within `window` cost nothing; each further one doubles the wait before the next
/// attempt is even checked, from `base` up to `max`.
#[derive(Debug, Clone, Copy)]
pub struct Throttle {
    pub free: usize,
    pub window: Duration,
    pub base: Duration,
    pub max: Duration,
}

impl Throttle {
    /// Per account *from one address*: a person mistyping gets five tries, then waits half a minute, then a
    /// minute, two, four… up to a quarter hour; a guesser gets about eleven guesses per quarter hour. Keyed by
    /// the pair, so someone else's guesses from elsewhere never lock the owner out.
    pub const PAIR: Throttle = Throttle {
        free: 5,
        window: Duration::minutes(15),
        base: Duration::seconds(30),
        max: Duration::minutes(15),
    };
    /// Per account from everywhere: a ceiling far above what one address may try, reached only by guessing
    /// from many addresses at once (then everyone waits, the owner too: the price of bounding a botnet).
    pub const ACCOUNT: Throttle = Throttle {
        free: 100,
        window: Duration::minutes(15),
        base: Duration::seconds(30),
        max: Duration::minutes(15),
    };
    /// Per address: looser, because a whole bureau office may sit behind one address.
    pub const ADDRESS: Throttle = Throttle {
        free: 30,
        window: Duration::minutes(15),
        base: Duration::seconds(30),
        max: Duration::minutes(15),
    };

    /// Failures older than this no longer count.
    pub fn since(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - self.window
    }

    /// The earliest moment the next attempt may be checked, given the failures within the window
    /// (any order). `None`: right away.
    pub fn next_attempt(&self, failures: &[DateTime<Utc>]) -> Option<DateTime<Utc>> {
        if failures.len() < self.free {
            return None;
        }
        let last = failures.iter().max()?;
        let doublings = u32::try_from(failures.len() - self.free)
            .unwrap_or(u32::MAX)
            .min(20);
        let delay = self
            .base
            .checked_mul(1 << doublings)
            .map_or(self.max, |d| d.min(self.max));
        Some(*last + delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_plain_lowercase() {
        assert_eq!(
            Username::parse(" planner.li ").unwrap().as_str(),
            "planner.li"
        );
        for bad in [
            "",
            "ab",
            "Admin",
            "1abc",
            "张三",
            "a b c",
            &"a".repeat(33),
            "root;--",
        ] {
            assert!(Username::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn passwords_need_length_not_tricks() {
        assert!(NewPassword::parse("correct horse battery", "li").is_ok());
        assert!(NewPassword::parse("short", "li").is_err());
        assert!(NewPassword::parse("wang-password-1", "wang").is_err());
        assert!(NewPassword::parse(&"x".repeat(129), "li").is_err());
        assert!(NewPassword::parse("密码密码密码密码密码", "li").is_ok());
    }

    #[test]
    fn the_throttle_is_free_then_doubles_up_to_its_cap() {
        let t = Throttle::PAIR;
        let now = Utc::now();
        let at = |n: usize| vec![now; n];
        assert_eq!(t.next_attempt(&at(4)), None);
        assert_eq!(t.next_attempt(&at(5)), Some(now + Duration::seconds(30)));
        assert_eq!(t.next_attempt(&at(6)), Some(now + Duration::seconds(60)));
        assert_eq!(t.next_attempt(&at(8)), Some(now + Duration::seconds(240)));
        assert_eq!(t.next_attempt(&at(20)), Some(now + Duration::minutes(15)));
        assert_eq!(t.next_attempt(&at(500)), Some(now + Duration::minutes(15)));
    }

    #[test]
    fn the_wait_runs_from_the_latest_failure() {
        let now = Utc::now();
        let mut failures = vec![now - Duration::minutes(3); 5];
        failures[2] = now;
        assert_eq!(
            Throttle::PAIR.next_attempt(&failures),
            Some(now + Duration::seconds(30))
        );
    }
}
