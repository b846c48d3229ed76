//! Posted HTML forms: the body decoded strictly, then read field by field.

use std::collections::HashMap;

use crate::error::{Error, Result};

/// A posted HTML form, after its CSRF token was checked: its text fields and, for an upload form
/// (`multipart/form-data`), its files.
#[derive(Debug, Clone, Default)]
pub struct Form(HashMap<String, String>, HashMap<String, Upload>);

/// A file sent in an upload form.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The name the file had on the sender's computer (may be empty).
    pub filename: String,
    pub bytes: bytes::Bytes,
}

impl FromIterator<(String, String)> for Form {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        Form(pairs.into_iter().collect(), HashMap::new())
    }
}

impl Form {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    pub fn with_files(pairs: Vec<(String, String)>, files: HashMap<String, Upload>) -> Self {
        Form(pairs.into_iter().collect(), files)
    }

    /// The file sent in field `key`, if one was chosen (a browser sends an empty, nameless part otherwise).
    pub fn file(&self, key: &str) -> Option<&Upload> {
        self.1
            .get(key)
            .filter(|u| !u.bytes.is_empty() || !u.filename.is_empty())
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

    /// What was typed in `key`, trimmed, or `None` when nothing was.
    pub fn optional(&self, key: &str) -> Option<String> {
        Some(self.text(key).trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    /// An amount typed in yuan in `key` ("1,873,700.00" and "1873700" both read); required.
    pub fn yuan(&self, key: &str) -> Result<f64> {
        let raw: String = self
            .text(key)
            .trim()
            .chars()
            .filter(|c| *c != ',')
            .collect();
        if raw.is_empty() {
            return Err(Error::invalid(key, "必填"));
        }
        raw.parse::<f64>()
            .map_err(|_| Error::invalid(key, "须为以元计的金额，如 125000.00"))
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

/// Decodes a `multipart/form-data` body (`content_type` names its boundary): the text fields, strictly UTF-8
/// like [`form_pairs`], and the files. An error names the field at fault, or is empty when the body itself is
/// not multipart.
pub async fn multipart_form(
    content_type: &str,
    body: bytes::Bytes,
) -> std::result::Result<(Vec<(String, String)>, HashMap<String, Upload>), String> {
    let boundary = multer::parse_boundary(content_type).map_err(|_| String::new())?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut parts = multer::Multipart::new(stream, boundary);
    let (mut pairs, mut files) = (Vec::new(), HashMap::new());
    loop {
        let field = match parts.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return Ok((pairs, files)),
            Err(_) => return Err(String::new()),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.file_name().map(str::to_owned);
        let bytes = field.bytes().await.map_err(|_| name.clone())?;
        match filename {
            Some(filename) => {
                files.insert(name, Upload { filename, bytes });
            }
            None => {
                let value = String::from_utf8(bytes.to_vec()).map_err(|_| name.clone())?;
                pairs.push((name, value));
            }
        }
    }
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
