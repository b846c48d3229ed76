//! Residents' requests (诉求, 问需于民): residents say what their compound needs on its public page (`/c/{code}`,
//! the address of the QR code on the poster at its gate); the bureau triages each on its pages or over the API.

mod api;
mod bureau_pages;
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
