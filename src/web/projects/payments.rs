//! A project's money on its page: paying the contractor against a milestone, recording the final account, and
//! reversing one of the project's entries. Refused forms come back on the project page with what was typed.

use warp::Filter;
use warp::filters::BoxedFilter;
use warp::reply::Response;

use super::pages::project_page;
use crate::db::money::{self, FinalAccountInput, PaymentInput, ReversalInput};
use crate::error::Error;
use crate::web::access::{Ctx, Form, Route, post_form1, post_form2};
use crate::web::html::{Kept, after};
use crate::web::state::AppState;

pub fn routes(s: &AppState) -> BoxedFilter<(Response,)> {
    post_form1(s, Route::PaymentCreatePage)
        .then(pay)
        .or(post_form1(s, Route::FinalAccountPage).then(settle))
        .unify()
        .or(post_form2(s, Route::ProjectReversalPage).then(reverse))
        .unify()
        .boxed()
}

async fn pay(code: String, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let input = PaymentInput {
            milestone: f.text("milestone").to_owned(),
            amount_yuan: f.yuan("amount_yuan")?,
            paid_on: f.text("paid_on").to_owned(),
            document_no: f.optional("document_no"),
            note: f.optional("note"),
            override_reason: f.optional("override_reason"),
        };
        money::pay(&s.db, &ctx.actor()?, &code, &input).await
    };
    let back = format!("/projects/{code}#payments");
    let again = project_page(&s, &ctx, &code);
    after(
        &s,
        &ctx,
        result.await,
        &back,
        Kept::new("payment", &f),
        again,
    )
    .await
}

async fn settle(code: String, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        let input = FinalAccountInput {
            amount_yuan: f.yuan("amount_yuan")?,
            audited_on: f.text("audited_on").to_owned(),
            document_no: f.text("document_no").to_owned(),
            note: f.optional("note"),
            override_reason: f.optional("override_reason"),
        };
        money::settle(&s.db, &ctx.actor()?, &code, &input).await
    };
    let back = format!("/projects/{code}#payments");
    let again = project_page(&s, &ctx, &code);
    let kept = Kept::new("final_account", &f);
    after(&s, &ctx, result.await, &back, kept, again).await
}

async fn reverse(code: String, id: i32, ctx: Ctx, f: Form, s: AppState) -> Response {
    let result = async {
        // Only the project's own entries are reversed from its page.
        if money::project_of(&s.db, id).await?.as_deref() != Some(code.as_str()) {
            return Err(Error::NotFound(format!(
                "项目 {code} 没有编号为 {id} 的资金记录"
            )));
        }
        let input = ReversalInput {
            reason: f.text("reason").to_owned(),
        };
        money::reverse(&s.db, &ctx.actor()?, id, &input).await
    };
    let back = format!("/projects/{code}#payments");
    let again = project_page(&s, &ctx, &code);
    let kept = Kept::new(format!("reverse_{id}"), &f);
    after(&s, &ctx, result.await, &back, kept, again).await
}
