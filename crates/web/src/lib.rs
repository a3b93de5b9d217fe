//! Corridor's server-rendered pages, in Chinese and English. Handlers call the same
//! `corridor_app::App` methods as the JSON API; templates only lay out what those return.
//! The language comes from `?lang=`, remembered in a cookie, else from Accept-Language.
//! No page needs JavaScript.
//!
//! Public pages (home, matter search and detail, licence verification), sign-in, the
//! caller's queue, a case page with its actions, filing step by step (`filing`), and the
//! joint office's dashboard (`dashboard`).

mod accounts;
mod amounts;
mod auctions;
mod authorisations;
mod calls;
mod cases;
mod dashboard;
mod exchange;
mod fields;
mod filing;
mod finance;
mod industry;
mod joint;
mod lang;
mod materials;
mod notices;
mod page;
mod projects;
mod public;
mod reserve;
mod signin;
mod track;
mod verify;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use corridor_app::App;
use std::sync::Arc;

pub(crate) use cases::*;
pub use lang::*;
pub use page::safe_next;
pub(crate) use page::*;
pub(crate) use public::*;
pub(crate) use signin::*;
pub(crate) use verify::*;

/// The pages, ready to merge into the server's router.
/// The pages' one stylesheet (the Content-Security-Policy allows styles from this site only,
/// none inline).
async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/corridor.css"),
    )
        .into_response()
}

/// The auction lot page's script (see `auctions`).
async fn lot_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/lot.js"),
    )
        .into_response()
}

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/static/corridor.css", get(stylesheet))
        .route("/static/lot.js", get(lot_script))
        .route("/auctions", get(auctions::lots))
        .route("/auctions/results", get(auctions::results))
        .route("/auctions/office", get(auctions::office))
        .route(
            "/auctions/office/{what}",
            axum::routing::post(auctions::office_post),
        )
        .route("/auctions/lots/{id}", get(auctions::lot))
        .route(
            "/auctions/listings/{id}/files/{file}",
            get(auctions::listing_file),
        )
        .route(
            "/auctions/listings/{id}/files",
            axum::routing::post(auctions::add_listing_file).layer(
                axum::extract::DefaultBodyLimit::max(corridor_app::materials::MAX_UPLOAD_BYTES),
            ),
        )
        .route(
            "/needs/{id}/proposals",
            axum::routing::post(calls::propose).layer(axum::extract::DefaultBodyLimit::max(
                corridor_app::materials::MAX_UPLOAD_BYTES,
            )),
        )
        .route(
            "/proposals/{id}/files",
            axum::routing::post(calls::upload).layer(axum::extract::DefaultBodyLimit::max(
                corridor_app::materials::MAX_UPLOAD_BYTES,
            )),
        )
        .route(
            "/auctions/lots/{id}/{what}",
            axum::routing::post(auctions::lot_post),
        )
        .route("/matters", get(matters))
        .route("/matters/{code}", get(matter))
        .route("/verify", get(verify_form).post(verify_submit))
        .route("/track", get(track::track_form).post(track::track_submit))
        .route("/login", get(login_form).post(login_submit))
        .route(
            "/register",
            get(accounts::register_form).post(accounts::register_submit),
        )
        .route("/industry/accounts", get(accounts::accounts))
        .route("/industry/calls", get(calls::calls).post(calls::open_call))
        .route("/industry/calls/{id}", get(calls::call))
        .route(
            "/finance",
            get(finance::finance).post(finance::finance_post),
        )
        .route(
            "/finance/needs/{id}",
            get(finance::need).post(finance::move_member),
        )
        .route(
            "/finance/needs/{id}/withdraw",
            axum::routing::post(finance::withdraw),
        )
        .route(
            "/industry/calls/{id}/review",
            axum::routing::post(calls::review),
        )
        .route("/industry/open-needs", get(calls::open_needs))
        .route("/proposals/{id}/files/{file}", get(calls::download))
        .route("/industry/projects", get(projects::list))
        .route(
            "/industry/projects/{id}",
            get(projects::show).post(projects::change),
        )
        .route(
            "/industry/reserve",
            get(reserve::reserve).post(reserve::reserve_post),
        )
        .route(
            "/industry/accounts/{user}",
            axum::routing::post(accounts::decide),
        )
        .route("/logout", axum::routing::post(logout))
        .route("/cases", get(my_cases))
        .route("/joint", get(joint::list))
        .route("/joint/new", get(joint::new_form).post(joint::new_submit))
        .route("/joint/{id}", get(joint::one))
        .route("/notices", get(notices::list).post(notices::save))
        .route("/amount-rules", get(amounts::list))
        .route(
            "/amount-rules/{city}/{matter}",
            get(amounts::show).post(amounts::publish),
        )
        .route(
            "/authorisations",
            get(authorisations::list).post(authorisations::create),
        )
        .route(
            "/authorisations/{id}/revoke",
            axum::routing::post(authorisations::revoke),
        )
        .route("/cases/{id}", get(one_case))
        .route("/cases/{id}/act", axum::routing::post(act_on_case))
        .route("/cases/{id}/licence", get(case_licence))
        .route(
            "/cases/{id}/materials",
            axum::routing::post(materials::upload).layer(axum::extract::DefaultBodyLimit::max(
                corridor_app::materials::MAX_UPLOAD_BYTES,
            )),
        )
        .route(
            "/cases/{id}/materials/checks",
            axum::routing::post(materials::save_checks),
        )
        .route(
            "/cases/{id}/materials/licence",
            axum::routing::post(materials::give_licence),
        )
        .route("/cases/{id}/files/{file}", get(materials::file))
        .route("/file", get(filing::start))
        .route(
            "/file/{code}",
            get(filing::first_step).post(filing::post_step).layer(
                axum::extract::DefaultBodyLimit::max(corridor_app::materials::MAX_UPLOAD_BYTES),
            ),
        )
        .route("/dashboard", get(dashboard::dashboard))
        .route("/industry", get(industry::search))
        .route("/industry/outcomes", get(industry::outcomes))
        .route("/opportunities", get(industry::opportunities))
        .route("/needs", get(industry::needs).post(industry::post_need))
        .route("/needs/{id}", get(industry::need))
        .route(
            "/needs/{id}/stage",
            axum::routing::post(industry::move_stage),
        )
        .route("/verify/file", axum::routing::post(verify_upload))
        .route("/exchange", get(exchange::page))
        .route(
            "/exchange/{id}/replay",
            axum::routing::post(exchange::replay),
        )
        .with_state(app)
}
