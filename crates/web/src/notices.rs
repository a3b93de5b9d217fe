//! `/notices`: what the applicant has been told of their cases (received, correction asked
//! for, decided, licence ready, transferred), and where and in which language they are told.
//! The same `App` methods as the API decide.

use crate::Posted;
use crate::{deny, redirect, Lang, Texts};
use crate::{error_status, Cx, SignedIn};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use corridor_app::notices::NoticeSettings;
use corridor_app::App;
use corridor_domain::case::Role;
use std::collections::BTreeMap;
use std::sync::Arc;

struct Row {
    at: String,
    case_id: String,
    subject: String,
    body: String,
    mail: &'static str,
}

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage {
    t: &'static Texts,
    l: Lang,
    csrf: String,
    rows: Vec<Row>,
    total: i64,
    email: String,
    lang_en: bool,
    /// Field → message, shown next to the field.
    errors: BTreeMap<String, String>,
    error: String,
    saved: bool,
}

impl NoticesPage {
    fn err(&self, k: &str) -> &str {
        self.errors.get(k).map(String::as_str).unwrap_or("")
    }
}

/// Whether a notice went by e-mail, in the page's language (empty: no address).
pub(crate) fn mail_state(lang: Lang, mail: Option<&str>) -> &'static str {
    match mail {
        Some("sent") => lang.pick("已发送邮件", "e-mailed"),
        Some(_) => lang.pick("邮件待发送", "e-mail waiting"),
        None => "",
    }
}

async fn render(
    app: &App,
    cx: &Cx,
    p: &corridor_domain::case::Principal,
    form: Option<NoticeSettings>,
    (errors, error, saved): (BTreeMap<String, String>, String, bool),
    status: StatusCode,
) -> Response {
    let lang = cx.lang;
    let list = match app.notices(p, Some(1), Some(50)).await {
        Ok(l) => l,
        Err(e) => return deny(lang.texts(), lang, e.code),
    };
    let settings = match form {
        Some(f) => f,
        None => match app.notice_settings(p).await {
            Ok(s) => s,
            Err(e) => return deny(lang.texts(), lang, e.code),
        },
    };
    let rows = list
        .items
        .into_iter()
        .map(|n| Row {
            at: crate::page::local_time(&n.created_at),
            case_id: n.case_id,
            subject: n.subject,
            body: n.body,
            mail: mail_state(lang, n.mail.as_deref()),
        })
        .collect();
    let pg = NoticesPage {
        t: lang.texts(),
        l: lang,
        csrf: cx.csrf(),
        rows,
        total: list.total,
        email: settings.email.unwrap_or_default(),
        lang_en: settings.lang == "en",
        errors,
        error,
        saved,
    };
    cx.render(&pg, status)
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct SavedQuery {
    saved: Option<String>,
}

pub(crate) async fn list(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
    axum::extract::Query(q): axum::extract::Query<SavedQuery>,
) -> Response {
    let lang = cx.lang;
    if p.role != Role::Applicant {
        return deny(lang.texts(), lang, corridor_app::ErrorCode::Forbidden);
    }
    let state = (BTreeMap::new(), String::new(), q.saved.is_some());
    render(&app, &cx, &p, None, state, StatusCode::OK).await
}

/// The address and language for notices.
pub(crate) async fn save(State(app): State<Arc<App>>, Posted { cx, p, form }: Posted) -> Response {
    let lang = cx.lang;
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.chars().take(300).collect::<String>())
    };
    let s = NoticeSettings {
        email: get("email").filter(|e| !e.trim().is_empty()),
        lang: get("lang").unwrap_or_else(|| "zh".into()),
    };
    match app.set_notice_settings(&p, &s).await {
        Ok(_) => redirect("/notices?saved=1"),
        Err(e) => {
            let (errors, error) = crate::split_errors(lang, &e);
            let status = error_status(&e);
            render(&app, &cx, &p, Some(s), (errors, error, false), status).await
        }
    }
}
