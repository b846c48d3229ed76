//! Lift votes per stairwell (加装电梯按单元表决): a compound's units over the JSON API
//! (`/api/compounds/{code}/lift-units`) and the staff page with its form (`/compounds/{code}/lifts`). Every write
//! goes through `db::lift`, which keeps the compound's lift item equal to the number of units that passed.

mod api;
mod pages;

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::state::AppState;

pub fn routes(state: &AppState) -> BoxedFilter<(Response,)> {
    api::routes(state).or(pages::routes(state)).unify().boxed()
}
