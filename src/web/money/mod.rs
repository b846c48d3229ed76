//! Money received and paid (资金到位与拨付): funds received by source, payments to contractors by milestone,
//! final accounts and reversing entries — the API and the year's funds page (a project's payments are recorded
//! on its page, `web::projects`).

mod api;
mod pages;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::state::AppState;

/// The API's routes, then the pages'.
pub fn routes(state: &AppState) -> BoxedFilter<(Response,)> {
    api::routes(state).or(pages::routes(state)).unify().boxed()
}
