//! What every JSON body must be before any handler reads it: one value per key, and no control characters in
//! any text (key or value) but tabs and line breaks.
//!
//! `serde_json` keeps the last of two equal keys without a word, so `{"households": 1, "households": 900}`
//! would store 900 however the client meant it; and a NUL in a name is stored by SQLite but refused by
//! PostgreSQL mid-write (error 22021), so data taken on one database could never move to the other. Both are
//! refused here, once, naming the place in the body.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// The first problem found: where (`name`, `scope[2].note`, `body` for the top) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

/// Checks a JSON text; `Ok` when it is well-formed with unique keys and clean text. Malformed JSON is
/// `Err(None)`: the caller's parser says what is wrong with it.
pub fn check(text: &str) -> Result<(), Option<Problem>> {
    let mut de = serde_json::Deserializer::from_str(text);
    let mut found = None;
    let seed = Walk {
        path: String::new(),
        found: &mut found,
    };
    let parsed = seed.deserialize(&mut de).and_then(|()| de.end());
    match (found, parsed) {
        (Some(problem), _) => Err(Some(problem)),
        (None, Ok(())) => Ok(()),
        (None, Err(_)) => Err(None),
    }
}

pub use crate::domain::text::clean as clean_text;

struct Walk<'a> {
    path: String,
    found: &'a mut Option<Problem>,
}

impl Walk<'_> {
    fn field(&self) -> String {
        if self.path.is_empty() {
            "body".to_owned()
        } else {
            self.path.clone()
        }
    }

    /// Records the problem and stops the parse (the error text itself is not shown).
    fn fail<E: de::Error>(&mut self, field: String, message: &str) -> E {
        *self.found = Some(Problem {
            field,
            message: message.to_owned(),
        });
        E::custom("refused")
    }

    fn text<E: de::Error>(&mut self, s: &str) -> Result<(), E> {
        if clean_text(s) {
            Ok(())
        } else {
            let field = self.field();
            Err(self.fail(field, "must not contain control characters (such as NUL)"))
        }
    }
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(mut self, s: &str) -> Result<(), E> {
        self.text(s)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        loop {
            let item = Walk {
                path: format!("{}[{i}]", self.path),
                found: &mut *self.found,
            };
            if seq.next_element_seed(item)?.is_none() {
                return Ok(());
            }
            i += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = if self.path.is_empty() {
                key.clone()
            } else {
                format!("{}.{key}", self.path)
            };
            if !clean_text(&key) {
                let field = self.field();
                return Err(self.fail(field, "a key must not contain control characters"));
            }
            if !seen.insert(key) {
                return Err(self.fail(path, "is given twice; send each field once"));
            }
            map.next_value_seed(Walk {
                path,
                found: &mut *self.found,
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(text: &str) -> Option<(String, String)> {
        check(text).err().flatten().map(|p| (p.field, p.message))
    }

    #[test]
    fn a_clean_body_passes() {
        assert_eq!(
            check(
                r#"{"name": "工行小区", "note": "第一行\n第二行\t", "scope": [{"item": "B01"}], "n": 1.5}"#
            ),
            Ok(())
        );
        assert_eq!(check("[]"), Ok(()));
    }

    #[test]
    fn a_key_given_twice_is_named_with_its_path() {
        let (field, _) = problem(r#"{"households": 1, "households": 900}"#).unwrap();
        assert_eq!(field, "households");
        let (field, _) = problem(r#"{"consent": {"owners_total": 1, "owners_total": 2}}"#).unwrap();
        assert_eq!(field, "consent.owners_total");
        // The same key in two different objects is fine.
        assert_eq!(check(r#"[{"item": "B01"}, {"item": "B02"}]"#), Ok(()));
    }

    #[test]
    fn control_characters_are_refused_where_they_are() {
        assert_eq!(problem(r#"{"name": "a\u0000b"}"#).unwrap().0, "name");
        assert_eq!(
            problem(r#"{"scope": [{"item": "B01"}, {"note": "\u0007"}]}"#)
                .unwrap()
                .0,
            "scope[1].note"
        );
        assert_eq!(problem(r#""\u001b[31m""#).unwrap().0, "body");
        assert_eq!(problem(r#"{"a\u0000": 1}"#).unwrap().0, "body");
        assert_eq!(problem(r#"{"x": "\u0085"}"#).unwrap().0, "x");
    }

    #[test]
    fn malformed_json_is_left_to_the_parser() {
        assert_eq!(check(r#"{"a": "#), Err(None));
        assert_eq!(check(r#"{"a": 1} trailing"#), Err(None));
    }
}
