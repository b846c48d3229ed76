//! Rendered answers kept per instance and checked against the database's revision counter on every
//! request, so a write through any instance (or the CLI) is seen at once by all of them.

use std::collections::HashMap;
use std::sync::Mutex;

/// Values by key, each with the revision of its data set it was made at.
pub struct RevisionCache<V> {
    entries: Mutex<HashMap<String, (i64, V)>>,
}

impl<V> Default for RevisionCache<V> {
    fn default() -> Self {
        RevisionCache {
            entries: Mutex::default(),
        }
    }
}

/// Distinct keys kept; past this the cache starts over (filters are few, so this is rarely hit).
const CAPACITY: usize = 1_024;

impl<V: Clone> RevisionCache<V> {
    pub fn get(&self, key: &str, revision: i64) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(made_at, _)| *made_at == revision)
            .map(|(_, body)| body.clone())
    }

    pub fn put(&self, key: String, revision: i64, body: V) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CAPACITY && !entries.contains_key(&key) {
                entries.clear();
            }
            entries.insert(key, (revision, body));
        }
    }
}

/// A cache key that does not depend on the order of the query parameters.
pub fn key(pairs: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = pairs.iter().collect();
    sorted.sort();
    serde_urlencoded::to_string(sorted).unwrap_or_default()
}

/// A resident's notice page as rendered for a minute, with placeholders for the per-visitor values.
#[derive(Clone)]
pub struct Cached {
    pub minute: i64,
    pub html: std::sync::Arc<str>,
}

/// Every published notice as the public list shows them, and the towns they are about: made once a minute per
/// revision of the notices and of the catalog (names and towns come from it), however many people look and
/// whatever they search for. Searching and paging then work on this copy.
pub struct PublicNotices {
    pub minute: i64,
    pub compounds: i64,
    pub items: Vec<crate::db::notices::NoticeView>,
    pub towns: Vec<String>,
}

/// A rendered page of the public list.
#[derive(Clone)]
pub struct CachedList {
    pub minute: i64,
    pub compounds: i64,
    pub html: std::sync::Arc<str>,
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;

    #[test]
    fn an_answer_is_served_only_at_the_revision_it_was_made_at() {
        let cache = RevisionCache::default();
        cache.put("page=1".into(), 7, Bytes::from_static(b"old"));
        assert_eq!(cache.get("page=1", 7).as_deref(), Some(&b"old"[..]));
        assert_eq!(cache.get("page=1", 8), None);
        assert_eq!(cache.get("page=2", 7), None);
    }

    #[test]
    fn parameter_order_does_not_matter() {
        let a = [
            ("b".to_string(), "2".to_string()),
            ("a".to_string(), "1".to_string()),
        ];
        let b = [
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "2".to_string()),
        ];
        assert_eq!(key(&a), key(&b));
    }
}
