//! `/exchange`: the operator's page of the exchange between nodes — this node's identity and
//! trust list, the outbox's counts, the parked messages with a button to replay each. The
//! application decides who may see it and replay.

use crate::Posted;
use crate::SignedIn;
use crate::{deny, redirect, Lang, Texts};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use corridor_app::App;
use std::sync::Arc;

struct Row {
    id: String,
    recipient: String,
    kind: String,
    case: String,
    attempts: i64,
    parked: String,
    error: String,
}

#[derive(Template)]
#[template(path = "exchange.html")]
struct ExchangePage {
    t: &'static Texts,
    l: Lang,
    csrf: String,
    node_id: String,
    trust: String,
    waiting: i64,
    parked: i64,
    delivered: i64,
    rows: Vec<Row>,
    done: bool,
}

fn time_text(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .map(|t| {
            t.to_offset(time::macros::offset!(+8))
                .format(time::macros::format_description!(
                    "[year]-[month]-[day] [hour]:[minute]"
                ))
                .unwrap_or_default()
        })
        .unwrap_or_default()
}

#[derive(serde::Deserialize, Default)]
pub(crate) struct DoneQuery {
    done: Option<String>,
}

pub(crate) async fn page(
    State(app): State<Arc<App>>,
    SignedIn { cx, p }: SignedIn,
    Query(q): Query<DoneQuery>,
) -> Response {
    let lang = cx.lang;
    let s = match app.exchange_status(&p).await {
        Ok(s) => s,
        Err(e) => return deny(lang.texts(), lang, e.code),
    };
    let none = lang.pick("（未配置）", "(not set)").to_string();
    let pg = ExchangePage {
        t: lang.texts(),
        l: lang,
        csrf: cx.csrf(),
        node_id: s.node_id.unwrap_or_else(|| none.clone()),
        trust: match (s.trust_sequence, s.trust_expires_at) {
            (Some(seq), Some(exp)) => format!(
                "{} {seq} · {} {}",
                lang.pick("序号", "sequence"),
                lang.pick("有效至", "expires"),
                time_text(exp.saturating_mul(1000))
            ),
            _ => none,
        },
        waiting: s.counts.waiting,
        parked: s.counts.parked,
        delivered: s.counts.delivered,
        rows: s
            .parked
            .into_iter()
            .map(|m| Row {
                id: m.id,
                recipient: m.recipient,
                kind: m.kind,
                case: match (m.case_id, m.case_seq) {
                    (Some(c), Some(n)) => format!("{c} #{n}"),
                    _ => "—".into(),
                },
                attempts: m.attempts,
                parked: m.parked_ms.map(time_text).unwrap_or_default(),
                error: m.last_error.unwrap_or_default().chars().take(200).collect(),
            })
            .collect(),
        done: q.done.is_some(),
    };
    cx.render(&pg, StatusCode::OK)
}

pub(crate) async fn replay(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Posted { cx, p, form: _ }: Posted,
) -> Response {
    let lang = cx.lang;
    match app.replay_message_as(&p, &id).await {
        Ok(()) => redirect("/exchange?done=1"),
        Err(e) => deny(lang.texts(), lang, e.code),
    }
}
