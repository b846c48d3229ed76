//! Accounts and everything that lets a person in: users, browser
//! sessions, API tokens, one-time sign-in links and the sign-in throttle.
//!
//! Secrets (session cookies, tokens, links) are random 256-bit values shown once and stored only as
//! SHA-256 digests. Passwords are argon2id. Every change to an account is audited in its transaction.
//!
//! By job, in layers (each names only those below it): `secrets`; `users` (read and parsed) and `sessions`
//! (the principal, signing in and out); `tokens`; `links`; and `admin` (creating and changing accounts, the
//! first administrator, the demo accounts).

mod admin;
mod links;
mod secrets;
mod sessions;
mod tokens;
mod users;

pub use admin::{
    DEMO_ACCOUNTS, DEMO_PASSWORD, FIRST_ADMIN, create_user, demo_accounts, ensure_admin,
    update_user,
};
pub use links::{LINK_HOURS, issue_link, link_user, redeem_link};
pub use secrets::{digest, hash_password, new_secret, service_secret};
pub use sessions::{
    Credential, NewSession, Principal, SESSION_HOURS, SessionRef, SignIn, end_session,
    session_credential, sign_in,
};
pub use tokens::{
    TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS, TOKEN_PREFIX, TokenView, create_token, parse_token_request,
    revoke_token, token_credential, tokens, touch_token, user_tokens,
};
pub use users::{NewUser, UserChanges, UserView, find_user, user, users};
