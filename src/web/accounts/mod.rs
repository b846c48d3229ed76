//! Accounts: who am I, API tokens, users and their one-time sign-in links over the API; the pages to sign in
//! and out, one's own account and tokens, and the admins' account pages.

mod api;
mod pages;
mod sign_in;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::state::AppState;

/// The API's routes, then the sign-in pages', then the account pages'.
pub fn routes(state: &AppState) -> BoxedFilter<(Response,)> {
    api::routes(state)
        .or(sign_in::routes(state))
        .unify()
        .or(pages::routes(state))
        .unify()
        .boxed()
}
