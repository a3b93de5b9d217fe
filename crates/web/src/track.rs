//! Following a case without signing in (办件查询): the page face of `App::track_case`.

use crate::cases::{due_text, status_text};
use crate::*;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use corridor_app::App;
use corridor_domain::case::Action;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "track.html")]
pub(crate) struct TrackPage {
    t: &'static Texts,
    csrf: String,
    receipt_no: String,
    receipt_error: String,
    tail_error: String,
    message: String,
    found: bool,
    rows: Vec<Pair>,
    steps: Vec<Pair>,
}

impl TrackPage {
    fn empty(cx: &Cx) -> TrackPage {
        TrackPage {
            t: cx.lang.texts(),
            csrf: cx.csrf(),
            receipt_no: String::new(),
            receipt_error: String::new(),
            tail_error: String::new(),
            message: String::new(),
            found: false,
            rows: Vec::new(),
            steps: Vec::new(),
        }
    }
}

pub(crate) async fn track_form(cx: Cx) -> Response {
    let p = TrackPage::empty(&cx);
    cx.render(&p, StatusCode::OK)
}

#[derive(Deserialize)]
pub(crate) struct TrackForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    receipt_no: String,
    #[serde(default)]
    id_tail: String,
}

pub(crate) async fn track_submit(
    State(app): State<Arc<App>>,
    cx: Cx,
    client: Option<axum::Extension<corridor_app::ClientIp>>,
    axum::Form(f): axum::Form<TrackForm>,
) -> Response {
    let lang = cx.lang;
    if !cx.csrf_ok(&f.csrf) {
        return deny(lang.texts(), lang, corridor_app::ErrorCode::Forbidden);
    }
    let mut p = TrackPage::empty(&cx);
    p.receipt_no = f.receipt_no.chars().take(40).collect();
    let q = corridor_app::track::TrackQuery {
        receipt_no: f.receipt_no,
        id_tail: f.id_tail,
    };
    let ip = corridor_app::ClientIp::or_unknown(client.map(|e| e.0));
    match app.track_case(&q, ip).await {
        Ok(v) => {
            let t = lang.texts();
            p.found = true;
            let city = |c: &str| {
                app.reference()
                    .jurisdiction(c)
                    .map(|j| lang.of(&j.name_zh, &j.name_en))
                    .unwrap_or_else(|| c.to_string())
            };
            let dash = || "—".to_string();
            p.rows = vec![
                (t.track_receipt.into(), v.receipt_no.clone()),
                (
                    lang.pick("事项", "Matter").into(),
                    lang.of(&v.matter_name_zh, &v.matter_name_en),
                ),
                (t.status.into(), status_text(lang, v.status)),
                (
                    lang.pick("收件地", "Received in").into(),
                    city(&v.receiving_city),
                ),
                (
                    lang.pick("审批地", "Decided in").into(),
                    city(&v.competent_city),
                ),
                (lang.pick("申请日期", "Filed on").into(), v.filed_on.clone()),
                (
                    lang.pick("受理日期", "Accepted on").into(),
                    v.accepted_on.clone().unwrap_or_else(dash),
                ),
                (
                    lang.pick("法定期限", "Deadline").into(),
                    format!(
                        "{} {}",
                        v.deadline.clone().unwrap_or_else(dash),
                        due_text(t, v.due)
                    ),
                ),
                (
                    lang.pick("承诺办结日期", "Promised by").into(),
                    v.promised_deadline.clone().unwrap_or_else(dash),
                ),
                (
                    lang.pick("决定日期", "Decided on").into(),
                    v.decided_on.clone().unwrap_or_else(dash),
                ),
            ];
            if let Some(r) = &v.reason {
                p.rows
                    .push((lang.pick("需要补正", "Correction needed").into(), r.clone()));
            }
            p.steps = v
                .steps
                .iter()
                .map(|s| {
                    let what = Action::parse(&s.action)
                        .map(|a| lang.action(a).to_string())
                        .unwrap_or_else(|| match s.action.as_str() {
                            "submit" => t.submitted.to_string(),
                            other => other.replace('_', " "),
                        });
                    (crate::page::local_time(&s.at), what)
                })
                .collect();
            cx.render(&p, StatusCode::OK)
        }
        Err(e) => {
            let msg = lang.of(e.detail_zh.as_deref().unwrap_or(&e.detail), &e.detail);
            let status = match e.code {
                corridor_app::ErrorCode::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
                corridor_app::ErrorCode::NotFound => StatusCode::NOT_FOUND,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            for fe in &e.fields {
                let m = lang.of(fe.reason_zh.as_deref().unwrap_or(&fe.reason), &fe.reason);
                match fe.field.as_str() {
                    "receipt_no" => p.receipt_error = m,
                    _ => p.tail_error = m,
                }
            }
            if e.fields.is_empty() {
                p.message = msg;
            }
            cx.render(&p, status)
        }
    }
}
