//! Pure domain logic: knows nothing of HTTP or the database.

pub mod account;
pub mod batch;
pub mod calendar;
pub mod catalog;
pub mod compound;
pub mod cost;
pub mod credit_code;
pub mod gcj02;
pub mod geometry;
pub mod notice;
pub mod phone;
pub mod policy;
pub mod priority;
pub mod record;
pub mod text;
pub mod time;

use std::collections::BTreeMap;

use serde::Serialize;

/// Problems with an input, keyed by the field (a path such as `consent.owners_total` or `scope[2]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FieldErrors(pub BTreeMap<String, Vec<String>>);

impl FieldErrors {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_default().push(message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        errors
    }

    /// Takes over the errors found by `validator` derives, using each rule's message.
    pub fn extend_validator(&mut self, errors: &validator::ValidationErrors) {
        for (field, list) in errors.field_errors() {
            for e in list {
                let message = e
                    .message
                    .as_ref()
                    .map_or_else(|| e.code.to_string(), ToString::to_string);
                self.add(field.to_string(), message);
            }
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(field, messages)| format!("{field}: {}", messages.join("; ")))
            .collect();
        f.write_str(&parts.join(", "))
    }
}

/// Reads `T` from JSON, naming the field at fault the way the API reports it: a wrong type at
/// `consent.owners_total`, a missing `role` as "is required".
pub fn deserialize<T: serde::de::DeserializeOwned>(
    value: &serde_json::Value,
) -> Result<T, FieldErrors> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        // serde names a missing field only in its message; name it as the field instead.
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned);
        // An unknown field is named too, so a misspelt one is found at once.
        let unknown = message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned);
        if let Some(field) = unknown {
            // The path already ends with the unknown field's name, except at the top.
            let field = if path == "." { field } else { path };
            return FieldErrors::single(field, message);
        }
        match (path.as_str(), missing) {
            (".", Some(field)) => FieldErrors::single(field, "is required"),
            (".", None) => FieldErrors::single("body", message),
            (_, Some(field)) => FieldErrors::single(format!("{path}.{field}"), "is required"),
            (_, None) => FieldErrors::single(path, message),
        }
    })
}
