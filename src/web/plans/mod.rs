//! Plan scenarios over the web: the JSON API (`/api/scenarios…`) and the pages (`/plans…`) where a planner sees a
//! plan at a glance — budget used per year as a bar chart, the county map coloured by year, each year's batch as a
//! table — moves compounds, runs a scenario again, compares scenarios and approves a year.

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
