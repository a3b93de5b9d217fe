//! Prometheus metrics: requests and latencies by route and status, and cases by state.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::time::Instant;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    pub route: String,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ])
        });
        registry.register(
            "corridor_http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        registry.register(
            "corridor_http_request_duration_seconds",
            "HTTP request latency",
            latency.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
        }
    }
}

/// Middleware recording each request by its route template (not the raw path: no ids in labels).
pub async fn track(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    // Only the methods the server answers get a series of their own; any other is `OTHER`,
    // so made-up methods cannot add series without bound.
    let method = match req.method().as_str() {
        m @ ("GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS") => m,
        _ => "OTHER",
    }
    .to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let res = next.run(req).await;
    let status = res.status().as_u16();
    // Access log: route templates only, so no ids or personal data reach the log.
    tracing::info!(target: "corridor::http", method = %method, route = %route, status, micros = start.elapsed().as_micros() as u64);
    s.metrics
        .requests
        .get_or_create(&RequestLabels {
            method: method.clone(),
            route: route.clone(),
            status,
        })
        .inc();
    s.metrics
        .latency
        .get_or_create(&RouteLabels { method, route })
        .observe(start.elapsed().as_secs_f64());
    res
}

pub async fn render(State(s): State<AppState>) -> Response {
    let mut out = String::new();
    if encode(&mut out, &s.metrics.registry).is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    // Cases by state come from the database at scrape time.
    let body_end = out
        .strip_suffix("# EOF\n")
        .map(str::to_string)
        .unwrap_or(out);
    let mut out = body_end;
    out.push_str("# HELP corridor_cases Cases by state.\n# TYPE corridor_cases gauge\n");
    match s.app.cases_by_status().await {
        Ok(rows) => {
            for (status, n) in rows {
                out.push_str(&format!("corridor_cases{{status=\"{status}\"}} {n}\n"));
            }
        }
        Err(e) => tracing::error!(error = %e, "metrics: counting cases failed"),
    }
    out.push_str(
        "# HELP corridor_outbox Messages to other nodes: waiting, parked (an operator replays them), delivered.\n# TYPE corridor_outbox gauge\n",
    );
    match s.app.outbox_counts().await {
        Ok(c) => {
            for (state, n) in [
                ("waiting", c.waiting),
                ("parked", c.parked),
                ("delivered", c.delivered),
            ] {
                out.push_str(&format!("corridor_outbox{{state=\"{state}\"}} {n}\n"));
            }
        }
        Err(e) => tracing::error!(error = %e, "metrics: counting the outbox failed"),
    }
    out.push_str(
        "# HELP corridor_mail Notices to applicants by e-mail: pending (failing: pending after a failed attempt), sent.\n# TYPE corridor_mail gauge\n",
    );
    match s.app.mail_counts().await {
        Ok(c) => {
            for (state, n) in [
                ("pending", c.pending),
                ("failing", c.failing),
                ("sent", c.sent),
            ] {
                out.push_str(&format!("corridor_mail{{state=\"{state}\"}} {n}\n"));
            }
        }
        Err(e) => tracing::error!(error = %e, "metrics: counting mails failed"),
    }
    out.push_str("# EOF\n");
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        out,
    )
        .into_response()
}
