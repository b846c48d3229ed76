//! Text people type: what counts as nothing.
//!
//! A name of only zero-width spaces, byte-order marks or Hangul fillers looks empty on every page and
//! paper it is printed on, yet is not empty to `str::trim`. Such characters at either end are trimmed like
//! white space, so a name made of nothing else is refused as empty.

/// Characters that show nothing: format characters (Unicode category Cf: zero-width spaces and joiners,
/// direction marks, the BOM, soft hyphen …), fillers that render blank, and variation selectors.
pub fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{2800}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF9}'..='\u{FFFB}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// `s` without white space, control or invisible characters at either end.
pub fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c.is_control() || invisible(c))
}

/// Text a person may type: anything but control characters, except tab, line feed and carriage return.
/// (PostgreSQL refuses a NUL in text outright; the others are never meant.)
pub fn clean(s: &str) -> bool {
    !s.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// Typed text of at most `max` characters, trimmed: `None` when nothing is left, the reason when it cannot be
/// kept (control characters, too long).
pub fn field(raw: &str, max: usize) -> Result<Option<String>, String> {
    let value = trim(raw);
    if !clean(value) {
        return Err("含有不可见的控制字符".into());
    }
    if value.chars().count() > max {
        return Err(format!("最多 {max} 个字"));
    }
    Ok((!value.is_empty()).then(|| value.to_owned()))
}

/// The first place in `value` (`name`, `scope[2].note`) holding text that is not [`clean`], if any.
pub fn unclean_at(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    fn walk(value: &Value, path: &str) -> Option<String> {
        let join = |key: &str| {
            if path.is_empty() {
                key.to_owned()
            } else {
                format!("{path}.{key}")
            }
        };
        match value {
            Value::String(s) if !clean(s) => Some(path.to_owned()),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, v)| walk(v, &format!("{path}[{i}]"))),
            Value::Object(map) => map.iter().find_map(|(k, v)| {
                if clean(k) {
                    walk(v, &join(k))
                } else {
                    Some(path.to_owned())
                }
            }),
            _ => None,
        }
    }
    walk(value, "").map(|p| if p.is_empty() { "body".to_owned() } else { p })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_where_they_are() {
        use serde_json::json;
        assert_eq!(
            unclean_at(&json!({"name": "工行小区", "note": "a\nb\t"})),
            None
        );
        assert_eq!(
            unclean_at(&json!({"name": "a\u{0}b"})).as_deref(),
            Some("name")
        );
        assert_eq!(
            unclean_at(&json!({"scope": [{"item": "B01"}, {"note": "\u{7}"}]})).as_deref(),
            Some("scope[1].note")
        );
        assert_eq!(unclean_at(&json!("\u{1b}")).as_deref(), Some("body"));
    }

    #[test]
    fn invisible_ends_are_trimmed_and_visible_text_kept() {
        assert_eq!(
            trim("\u{200B}\u{FEFF} 工行小区\u{3000}\u{2060}"),
            "工行小区"
        );
        assert_eq!(trim("\u{200B}\u{200C}\u{200D}\u{3164}\u{FFA0}\u{2800}"), "");
        // Inside a name a joiner stays: emoji and some scripts need it.
        assert_eq!(trim("a\u{200D}b"), "a\u{200D}b");
        assert_eq!(trim("  文林社区 "), "文林社区");
    }
}
