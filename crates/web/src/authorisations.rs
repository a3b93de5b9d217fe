//! `/authorisations`: a person authorises another to file in their name (the applicant's own
//! account), or a window clerk records an authorisation it has seen signed; the grantor (or a
//! clerk) revokes it. The same `App` methods as the API decide.

use crate::Posted;
use crate::{deny, redirect, Lang, Texts};
use crate::{Cx, FormState, SignedIn};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use corridor_app::identity::{AuthorisationView, NewAuthorisation};
use corridor_app::App;
use corridor_domain::case::Role;
use corridor_domain::ids::mask_resident_id;
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
    /// The new authorisation's form: as sent, with each error next to its field.
    form: FormState,
    done: bool,
}

impl AuthorisationsPage {
    fn val(&self, k: &str) -> String {
        self.form.f(k)
    }
    fn err(&self, k: &str) -> &str {
        self.form.err(k).map_or("", String::as_str)
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

async fn render(
    app: &App,
    cx: &Cx,
    p: &corridor_domain::case::Principal,
    form: FormState,
    done: bool,
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
        form,
        done,
    };
    cx.render(&pg, pg.form.status)
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
    render(&app, &cx, &p, FormState::blank(), done).await
}

pub(crate) async fn create(
    State(app): State<Arc<App>>,
    Posted { cx, p, form }: Posted,
) -> Response {
    let req = NewAuthorisation {
        grantor_id: Some(form.val("grantor_id")).filter(|s| !s.is_empty()),
        agent_id: form.val("agent_id"),
        matter_code: Some(form.val("matter_code")).filter(|s| !s.is_empty()),
        valid_until: form.val("valid_until"),
    };
    match app.authorise(&p, req).await {
        Ok(_) => redirect("/authorisations?done=1"),
        Err(e) => render(&app, &cx, &p, FormState::refused(cx.lang, &e, form), false).await,
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
