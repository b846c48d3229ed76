//! Contractors' organisations (施工单位): the API, and the bureau's pages to list, register and edit them.

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
