//! `/authorisations`: a person authorises another to file in their name (the applicant's own
//! account), or a window clerk records an authorisation it has seen signed; the grantor (or a
//! clerk) revokes it. The same `App` methods as the API decide.

use crate::Posted;
use crate::{deny, redirect, Lang, Texts};
use crate::{error_status, Cx, SignedIn};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use corridor_app::identity::{AuthorisationView, NewAuthorisation};
use corridor_app::App;
use corridor_domain::case::Role;
use corridor_domain::ids::mask_resident_id;
use std::collections::BTreeMap;
use std::sync::Arc;

struct Row {
    id: String,
    direction: &'static str,
    other: String,
    matter: String,
    until: String,
    state: &'static str,
    revocable: bool,
}

#[derive(Template)]
#[template(path = "authorisations.html")]
struct AuthorisationsPage {
    t: &'static Texts,
    l: Lang,
    csrf: String,
    clerk: bool,
    rows: Vec<Row>,
    values: BTreeMap<String, String>,
    /// Field → message, shown next to the field.
    errors: BTreeMap<String, String>,
    error: String,
    done: bool,
}

impl AuthorisationsPage {
    fn val(&self, k: &str) -> &str {
        self.values.get(k).map(String::as_str).unwrap_or("")
    }
    fn err(&self, k: &str) -> &str {
        self.errors.get(k).map(String::as_str).unwrap_or("")
    }
}

fn rows(lang: Lang, list: &[AuthorisationView]) -> Vec<Row> {
    list.iter()
        .map(|a| Row {
            id: a.id.to_string(),
            direction: if a.granted_by_me {
                lang.texts().i_authorised
            } else {
                lang.texts().authorised_me
            },
            // The other party's number, masked: the page may be seen over a shoulder.
            other: mask_resident_id(if a.granted_by_me {
                &a.agent_id
            } else {
                &a.grantor_id
            }),
            matter: a
                .matter_code
                .clone()
                .unwrap_or_else(|| lang.texts().every_matter.into()),
            until: a.valid_until.clone(),
            state: if a.revoked {
                lang.texts().revoked
            } else {
                lang.texts().in_force
            },
            revocable: a.granted_by_me && !a.revoked,
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn render(
    app: &App,
    cx: &Cx,
    p: &corridor_domain::case::Principal,
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    error: String,
    done: bool,
    status: StatusCode,
) -> Response {
    let lang = cx.lang;
    let list = if p.role == Role::Applicant {
        match app.authorisations(p).await {
            Ok(l) => l,
            Err(e) => return deny(lang.texts(), lang, e.code),
        }
    } else {
        Vec::new()
    };
    let csrf = cx.csrf();
    let pg = AuthorisationsPage {
        t: lang.texts(),
        l: lang,
        csrf: csrf.clone(),
        clerk: p.role == Role::Clerk,
        rows: rows(lang, &list),
        values,
        errors,
        error,
        done,
    };
    cx.render(&pg, status)
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct LangQuery {
    done: Option<String>,
}

pub(crate) async fn list(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
    axum::extract::Query(q): axum::extract::Query<LangQuery>,
) -> Response {
    let lang = cx.lang;
    if !corridor_app::filing::files_cases(p.role) {
        return deny(lang.texts(), lang, corridor_app::ErrorCode::Forbidden);
    }
    let done = q.done.is_some();
    render(
        &app,
        &cx,
        &p,
        BTreeMap::new(),
        BTreeMap::new(),
        String::new(),
        done,
        StatusCode::OK,
    )
    .await
}

pub(crate) async fn create(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Response {
    let lang = cx.lang;
    let values: BTreeMap<String, String> = form
        .into_iter()
        .filter(|(k, _)| {
            matches!(
                k.as_str(),
                "csrf" | "grantor_id" | "agent_id" | "matter_code" | "valid_until"
            )
        })
        .map(|(k, v)| (k, v.chars().take(64).collect()))
        .collect();
    let get = |k: &str| values.get(k).map(|v| v.trim().to_string());
    if !cx.csrf_ok(&get("csrf").unwrap_or_default()) {
        return deny(lang.texts(), lang, corridor_app::ErrorCode::Forbidden);
    }
    let req = NewAuthorisation {
        grantor_id: get("grantor_id").filter(|s| !s.is_empty()),
        agent_id: get("agent_id").unwrap_or_default(),
        matter_code: get("matter_code").filter(|s| !s.is_empty()),
        valid_until: get("valid_until").unwrap_or_default(),
    };
    match app.authorise(&p, req).await {
        Ok(_) => redirect("/authorisations?done=1"),
        Err(e) => {
            let (errors, error) = crate::fields::form_errors(lang, &e);
            let status = error_status(&e);
            render(&app, &cx, &p, values, errors, error, false, status).await
        }
    }
}

pub(crate) async fn revoke(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Posted { cx, p, form: _ }: Posted,
) -> Response {
    let lang = cx.lang;
    let Ok(id) = id.parse() else {
        return deny(lang.texts(), lang, corridor_app::ErrorCode::NotFound);
    };
    match app.revoke_authorisation(&p, id).await {
        Ok(()) => redirect("/authorisations?done=1"),
        Err(e) => deny(lang.texts(), lang, e.code),
    }
}
