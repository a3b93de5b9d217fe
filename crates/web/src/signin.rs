//! Sign-in and sign-out.

use crate::*;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use corridor_app::App;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "login.html")]
pub(crate) struct LoginPage {
    t: &'static Texts,
    csrf: String,
    username: String,
    error: String,
    next: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct LoginQuery {
    next: Option<String>,
}

pub(crate) async fn login_form(cx: Cx, Query(lq): Query<LoginQuery>) -> Response {
    let next = lq.next.as_deref().unwrap_or("");
    login_page(&cx, String::new(), String::new(), next, StatusCode::OK)
}

/// The sign-in form, with what was typed (bounded) and the message of a failed try.
fn login_page(cx: &Cx, username: String, error: String, next: &str, st: StatusCode) -> Response {
    let pg = LoginPage {
        t: cx.t(),
        csrf: cx.csrf(),
        username: username
            .chars()
            .take(corridor_app::auth::MAX_USERNAME)
            .collect(),
        error,
        next: safe_next(next).unwrap_or("").to_string(),
    };
    cx.render(&pg, st)
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    csrf: String,
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

pub(crate) async fn login_submit(
    State(app): State<Arc<App>>,
    client: Option<axum::Extension<corridor_app::ClientIp>>,
    cx: Cx,
    axum::Form(f): axum::Form<LoginForm>,
) -> Response {
    if !cx.csrf_ok(&f.csrf) {
        let error = cx.t().bad_form.into();
        return login_page(&cx, f.username, error, &f.next, StatusCode::FORBIDDEN);
    }
    let client = corridor_app::ClientIp::or_unknown(client.map(|e| e.0));
    match app.login(&f.username, &f.password, client).await {
        Ok(a) => {
            let home = match a.user.role.as_str() {
                "joint_office" => "/dashboard",
                _ => "/cases",
            };
            let mut r = redirect(safe_next(&f.next).unwrap_or(home));
            set_cookie(
                &mut r,
                format!(
                    "session={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}",
                    a.token, a.expires_in
                ),
            );
            r
        }
        Err(e) => {
            let msg = cx.lang.error_title(e.code).to_string();
            let status = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::UNAUTHORIZED);
            let mut r = login_page(&cx, f.username, msg, &f.next, status);
            if let Some(s) = e.retry_after_s {
                r.headers_mut().insert(header::RETRY_AFTER, s.into());
            }
            r
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    csrf: String,
}

pub(crate) async fn logout(
    State(app): State<Arc<App>>,
    cx: Cx,
    axum::Form(f): axum::Form<CsrfForm>,
) -> Response {
    if !cx.csrf_ok(&f.csrf) {
        return (StatusCode::FORBIDDEN, "CSRF").into_response();
    }
    if let Some(tok) = cookie(&cx.headers, "session") {
        let _ = app.logout(&tok).await;
    }
    let mut r = redirect("/");
    set_cookie(
        &mut r,
        "session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0".into(),
    );
    r
}
