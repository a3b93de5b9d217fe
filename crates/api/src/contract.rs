//! The OpenAPI document is the contract: query parameters outside the bounds it declares are
//! refused (400, naming the parameter) instead of being quietly clamped, for every operation,
//! from the one place the bounds are written (the `#[param(minimum, maximum)]` attributes).

use crate::problem::ApiError;
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use corridor_app::ErrorCode;
use corridor_domain::catalogue::FieldError;
use std::collections::HashMap;
use std::sync::OnceLock;
use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;
use utoipa::OpenApi;

/// A numeric query parameter's bounds.
#[derive(Debug, Clone)]
struct Bounds {
    name: String,
    min: Option<f64>,
    max: Option<f64>,
}

type Table = HashMap<(String, String), Vec<Bounds>>;

fn number(n: &utoipa::Number) -> f64 {
    match n {
        utoipa::Number::Int(i) => *i as f64,
        utoipa::Number::UInt(u) => *u as f64,
        utoipa::Number::Float(f) => *f,
    }
}

/// (method, path template) → the bounded numeric query parameters, read once from the
/// document.
fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let doc = crate::ApiDoc::openapi();
        let mut t = Table::new();
        for (path, item) in &doc.paths.paths {
            let ops = [
                ("GET", &item.get),
                ("POST", &item.post),
                ("PUT", &item.put),
                ("PATCH", &item.patch),
                ("DELETE", &item.delete),
            ];
            for (method, op) in ops {
                let Some(op) = op else { continue };
                let bounds: Vec<Bounds> = op
                    .parameters
                    .iter()
                    .flatten()
                    .filter(|p| matches!(p.parameter_in, ParameterIn::Query))
                    .filter_map(|p| match &p.schema {
                        Some(RefOr::T(Schema::Object(o)))
                            if o.minimum.is_some() || o.maximum.is_some() =>
                        {
                            Some(Bounds {
                                name: p.name.clone(),
                                min: o.minimum.as_ref().map(number),
                                max: o.maximum.as_ref().map(number),
                            })
                        }
                        _ => None,
                    })
                    .collect();
                if !bounds.is_empty() {
                    t.insert((method.to_string(), path.clone()), bounds);
                }
            }
        }
        t
    })
}

/// Refuses a request whose bounded query parameters are not numbers within their bounds.
pub async fn check_query(req: Request, next: Next) -> Response {
    let key = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| (req.method().as_str().to_string(), m.as_str().to_string()));
    if let (Some(key), Some(q)) = (key, req.uri().query()) {
        if let Some(bounds) = table().get(&key) {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q).unwrap_or_default();
            let mut errors = Vec::new();
            for b in bounds {
                for (_, v) in pairs.iter().filter(|(k, _)| *k == b.name) {
                    let ok = v.trim().parse::<f64>().is_ok_and(|n| {
                        n.is_finite()
                            && b.min.is_none_or(|m| n >= m)
                            && b.max.is_none_or(|m| n <= m)
                    });
                    if !ok {
                        let (en, zh) = match (b.min, b.max) {
                            (Some(lo), Some(hi)) => (
                                format!("a number from {lo} to {hi}"),
                                format!("须为 {lo} 到 {hi} 之间的数"),
                            ),
                            (Some(lo), None) => (
                                format!("a number of at least {lo}"),
                                format!("须为不小于 {lo} 的数"),
                            ),
                            (None, Some(hi)) => (
                                format!("a number of at most {hi}"),
                                format!("须为不大于 {hi} 的数"),
                            ),
                            (None, None) => ("a number".into(), "须为数".into()),
                        };
                        errors.push(FieldError::new(b.name.clone(), en, zh));
                    }
                }
            }
            if !errors.is_empty() {
                let mut e = corridor_app::AppError::fields(errors);
                e.code = ErrorCode::BadRequest;
                return ApiError(e).into_response();
            }
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_document_declares_bounds_for_paging() {
        let t = super::table();
        let cases = &t[&("GET".to_string(), "/api/v1/cases".to_string())];
        assert!(cases.iter().any(|b| b.name == "page" && b.min == Some(1.0)));
    }
}
