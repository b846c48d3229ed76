//! Compounds: the catalog's JSON API (list, GeoJSON export, get, create, update, archive) and the bureau's
//! pages — the overview, the compounds list and a compound's page, the county map.

mod api;
mod list_query;
mod pages;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::state::AppState;

/// The API's routes, then the pages'.
pub fn routes(state: &AppState) -> BoxedFilter<(Response,)> {
    api::routes(state).or(pages::routes(state)).unify().boxed()
}
