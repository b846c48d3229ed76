//! Notices: the bureau drafts them from projects, publishes them and answers the objections (over the API and
//! on its pages); residents read the published ones, download their paper, object or comment during the
//! period and rate the result after completion (on the public pages).

mod api;
mod bureau_pages;
mod paper;
mod params;
mod public_pages;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::state::AppState;

/// The API's routes, then the bureau's pages', then the public pages'.
pub fn routes(state: &AppState) -> BoxedFilter<(Response,)> {
    api::routes(state)
        .or(bureau_pages::routes(state))
        .unify()
        .or(public_pages::routes(state))
        .unify()
        .boxed()
}
