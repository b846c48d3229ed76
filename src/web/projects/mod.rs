//! Projects and their work orders: the bureau assigns a project (contractor, amount, dates) and issues or
//! revises its work order, pays it by milestone and records its final account; a contractor lists, downloads,
//! acknowledges and reports progress on its own.

mod api;
mod pages;
mod payments;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::state::AppState;

/// The API's routes, then the pages'.
pub fn routes(state: &AppState) -> BoxedFilter<(Response,)> {
    api::routes(state)
        .or(pages::routes(state))
        .unify()
        .or(payments::routes(state))
        .unify()
        .boxed()
}
