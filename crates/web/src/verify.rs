//! Licence verification for anyone: by text or by an uploaded file.

use crate::*;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use corridor_app::App;
use serde::Deserialize;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "verify.html")]
pub(crate) struct VerifyPage {
    t: &'static Texts,
    csrf: String,
    qr: String,
    checked: bool,
    valid: bool,
    reason: String,
    detail: String,
    has_licence: bool,
    rows: Vec<Pair>,
}

pub(crate) async fn verify_form(cx: Cx) -> Response {
    let lang = cx.lang;
    let csrf = cx.csrf();
    let p = VerifyPage {
        t: lang.texts(),
        csrf: csrf.clone(),
        qr: String::new(),
        checked: false,
        valid: false,
        reason: String::new(),
        detail: String::new(),
        has_licence: false,
        rows: Vec::new(),
    };
    cx.render(&p, StatusCode::OK)
}

#[derive(Deserialize)]
pub(crate) struct VerifyForm {
    #[serde(default)]
    csrf: String,
    qr: String,
}

/// Verifies against this node's trust and revocation lists (the same use case as the API).
pub(crate) async fn verify_submit(
    State(app): State<Arc<App>>,
    cx: Cx,
    axum::Form(f): axum::Form<VerifyForm>,
) -> Response {
    let lang = cx.lang;
    if !cx.csrf_ok(&f.csrf) {
        return deny(lang.texts(), lang, corridor_app::ErrorCode::Forbidden);
    }
    let qr = f.qr.trim().to_string();
    verify_render(&app, &cx, qr.as_bytes(), qr.clone()).await
}

/// The same check for an uploaded licence file (the signed envelope, or a text file with
/// the QR text or base64).
pub(crate) async fn verify_upload(
    State(app): State<Arc<App>>,
    cx: Cx,
    mut mp: axum::extract::Multipart,
) -> Response {
    let lang = cx.lang;
    let mut bytes = Vec::new();
    let mut sent = String::new();
    while let Ok(Some(field)) = mp.next_field().await {
        match field.name() {
            Some("file") => match field.bytes().await {
                Ok(b) => bytes = b.to_vec(),
                Err(_) => break,
            },
            Some("csrf") => sent = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    if !cx.csrf_ok(&sent) {
        return deny(lang.texts(), lang, corridor_app::ErrorCode::Forbidden);
    }
    verify_render(&app, &cx, &bytes, String::new()).await
}

pub(crate) async fn verify_render(app: &App, cx: &Cx, input: &[u8], qr: String) -> Response {
    let lang = cx.lang;
    let t = lang.texts();
    let answer = match app.verify_licence(input).await {
        Ok(a) => a,
        Err(_) => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "verification failed").into_response()
        }
    };
    let zh = lang == Lang::Zh;
    let l = answer.licence.clone().unwrap_or_default();
    let s = |k: &str| l.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
    let until = l
        .get("valid_until")
        .and_then(|v| v.as_i64())
        .and_then(|secs| time::OffsetDateTime::from_unix_timestamp(secs).ok())
        .map(|d| d.to_offset(corridor_domain::clock::CST).date().to_string())
        .unwrap_or_else(|| "—".into());
    let holder = l.get("holder").cloned().unwrap_or_default();
    let holder_text = format!(
        "{} {}",
        holder.get("name").and_then(|v| v.as_str()).unwrap_or(""),
        holder
            .get("uscc")
            .or_else(|| holder.get("id_masked"))
            .and_then(|v| v.as_str())
            .unwrap_or("")
    );
    let rows = vec![
        (t.number.to_string(), s("number")),
        (
            if zh { "证照类型" } else { "Licence" }.to_string(),
            if zh { s("title_zh") } else { s("title_en") },
        ),
        (t.holder.to_string(), holder_text),
        (
            t.issuer.to_string(),
            if zh {
                s("authority_zh")
            } else {
                s("authority_en")
            },
        ),
        (t.valid_until.to_string(), until),
    ];
    let csrf = cx.csrf();
    let p = VerifyPage {
        t,
        csrf,
        qr,
        checked: true,
        valid: answer.valid,
        reason: answer
            .reason
            .as_deref()
            .map(|r| lang.reason(r).to_string())
            .unwrap_or_default(),
        detail: answer.detail.clone().unwrap_or_default(),
        has_licence: answer.licence.is_some(),
        rows,
    };
    cx.render(
        &p,
        if answer.valid {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        },
    )
}
