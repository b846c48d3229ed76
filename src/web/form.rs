//! Posted HTML forms: the body decoded strictly, then read field by field.

use std::collections::HashMap;

use crate::error::{Error, Result};

/// A posted HTML form, after its CSRF token was checked.
#[derive(Debug, Clone, Default)]
pub struct Form(HashMap<String, String>);

impl FromIterator<(String, String)> for Form {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        Form(pairs.into_iter().collect())
    }
}

impl Form {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    pub fn text(&self, key: &str) -> &str {
        self.get(key).unwrap_or_default()
    }

    /// What was typed, to put back into a refused form: every field but the CSRF token and the version (a
    /// refused form is shown again on the current record, so that sending it again applies it there).
    pub fn typed(&self) -> serde_json::Map<String, serde_json::Value> {
        self.0
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "csrf" | "version"))
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect()
    }

    /// The version of the record the form was made from (its hidden `version` field): edits from a stale page
    /// are refused by the write, never applied over someone else's.
    pub fn version(&self) -> Result<i32> {
        self.text("version")
            .trim()
            .parse()
            .map_err(|_| Error::invalid("version", "页面已过时，请刷新后再提交"))
    }
}

/// Decodes an `application/x-www-form-urlencoded` body strictly: a name or value that is not UTF-8 once
/// percent-decoded is refused, naming its field, where a lenient decoder (serde_urlencoded's) would store
/// U+FFFD in place of what the resident typed.
pub fn form_pairs(body: &[u8]) -> std::result::Result<Vec<(String, String)>, String> {
    let decode = |raw: &[u8]| {
        let spaced: Vec<u8> = raw
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        percent_encoding::percent_decode(&spaced)
            .decode_utf8()
            .map(|s| s.into_owned())
    };
    body.split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &[][..]),
            };
            let name = decode(name).map_err(|_| String::from_utf8_lossy(name).into_owned())?;
            let value = decode(value).map_err(|_| name.clone())?;
            Ok((name, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::form_pairs;

    #[test]
    fn a_form_body_decodes_plus_percent_and_chinese() {
        let pairs =
            form_pairs(b"building_unit=3%E6%A0%8B2%E5%8D%95%E5%85%83&name=&text=a+b%2Bc&flag")
                .unwrap();
        assert_eq!(
            pairs,
            [
                ("building_unit".to_owned(), "3栋2单元".to_owned()),
                ("name".to_owned(), String::new()),
                ("text".to_owned(), "a b+c".to_owned()),
                ("flag".to_owned(), String::new()),
            ]
        );
        assert_eq!(form_pairs(b"").unwrap(), []);
        assert_eq!(
            form_pairs(b"a=1&&b=%zz").unwrap()[1].1,
            "%zz",
            "a stray % stays as typed"
        );
    }

    #[test]
    fn broken_utf8_is_refused_naming_its_field() {
        assert_eq!(form_pairs(b"mobile=138&text=%E6%A0").unwrap_err(), "text");
        assert_eq!(form_pairs(b"text=\xff").unwrap_err(), "text");
        assert_eq!(form_pairs(b"t%FFx=1").unwrap_err(), "t%FFx");
    }
}
