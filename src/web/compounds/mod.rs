//! Compounds: the catalog's JSON API (list, GeoJSON export, get, create, update, archive) and the bureau's
//! pages — the overview, the compounds list and a compound's page, the county map — with the forms that
//! write a compound (its facts and boundary, survey, scope, consent, category, archiving).

mod api;
mod boundary_input;
mod edit;
mod map;
mod pages;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::state::AppState;

/// The API's routes, then the forms' (`/compounds/new` before the compound page takes `new` for a code), then
/// the pages'.
pub fn routes(state: &AppState) -> BoxedFilter<(Response,)> {
    api::routes(state)
        .or(edit::routes(state))
        .unify()
        .or(pages::routes(state))
        .unify()
        .boxed()
}
