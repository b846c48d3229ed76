//! Secrets and passwords: random secrets and how they are stored (SHA-256), the service's own secrets, argon2id
//! password hashes and their constant-time check.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use base64::Engine;
use sea_orm::ActiveValue::Set;
use sea_orm::{ConnectionTrait, EntityTrait};
use sha2::{Digest, Sha256};

use crate::domain::account::NewPassword;
use crate::error::{Error, Result};

/// A fresh random secret: `prefix` then 43 URL-safe characters (256 bits).
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// How a secret is stored: its SHA-256, hex. (A slow hash is not needed: the secret is random.)
pub fn digest(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The service's secret called `name` (random, 256 bits), made on first use and kept in the database so that
/// every instance signs and checks with the same one.
pub async fn service_secret(db: &impl ConnectionTrait, name: &str) -> Result<Vec<u8>> {
    use crate::db::entities::settings;
    let key = format!("secret:{name}");
    settings::Entity::insert(settings::ActiveModel {
        key: Set(key.clone()),
        value: Set(new_secret("")),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(settings::Column::Key)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let row = settings::Entity::find_by_id(key)
        .one(db)
        .await?
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("the {name} secret was not stored")))?;
    Ok(row.value.into_bytes())
}

// ---- passwords ----------------------------------------------------------------------------------

pub fn hash_password(password: &NewPassword) -> Result<String> {
    Argon2::default()
        .hash_password(password.expose().as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(anyhow::anyhow!("hashing a password: {e}")))
}

/// Checked against a hash even when there is none, so that the time taken does not tell whether the
/// account exists.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    Argon2::default()
        .hash_password(new_secret("").as_bytes())
        .map(|h| h.to_string())
        .unwrap_or_default()
});

pub(super) fn verify_password(hash: Option<&str>, password: &str) -> bool {
    let (hash, real) = match hash {
        Some(h) => (h, true),
        None => (DUMMY_HASH.as_str(), false),
    };
    let ok = PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false);
    ok && real
}
