//! RFC 9457 problem details for every error, with a stable code from the one error table.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use corridor_app::{AppError, ErrorCode};
use corridor_domain::catalogue::FieldError;
use serde::Serialize;

/// The problem body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type (`/docs/errors#<code>`).
    #[serde(rename = "type")]
    pub type_: String,
    /// English title.
    pub title: String,
    /// Chinese title.
    pub title_zh: String,
    pub status: u16,
    pub detail: String,
    /// The detail in Chinese, where the rule that refused gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail_zh: Option<String>,
    /// Stable machine-readable code.
    pub code: ErrorCode,
    /// A stable sub-code where the rule that refused has one: for `bid_refused`, why
    /// (`below_minimum_raise`, `closed`, `not_approved`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Per-field problems (validation).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl ApiError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        ApiError(AppError::new(code, detail))
    }
}

impl Problem {
    /// The problem document of an error.
    pub fn of(e: AppError) -> Problem {
        let status =
            StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Problem {
            type_: format!("/docs/errors#{}", e.code.as_str()),
            title: e.code.title_en().to_string(),
            title_zh: e.code.title_zh().to_string(),
            status: status.as_u16(),
            detail: e.detail,
            detail_zh: e.detail_zh,
            code: e.code,
            reason: e.reason.map(str::to_string),
            errors: e.fields,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let status =
            StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        // Refusals under overload are expected and counted by the admission layer, which logs
        // them at most once a second; one error line each would add work when there is least
        // room for it.
        if status.is_server_error() && e.code != ErrorCode::Overloaded {
            tracing::error!(code = ?e.code, detail = %e.detail, "server error");
        }
        let retry_after = e.retry_after_s;
        let body = Problem::of(e);
        let mut res = (status, axum::Json(body)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(s) = retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, s.into());
        }
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let code = match r.status() {
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
            StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
            _ => ErrorCode::InvalidJson,
        };
        ApiError::new(code, r.body_text())
    }
}
impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::new(ErrorCode::BadRequest, r.body_text())
    }
}
impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::new(ErrorCode::BadRequest, r.body_text())
    }
}

/// JSON body extractor whose rejections are problem documents (never a bare 4xx/5xx).
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(v) = axum::Json::<T>::from_request(req, state).await?;
        Ok(ApiJson(v))
    }
}

/// Extractors of a request's parts whose rejections are problem documents, each through the
/// axum extractor it wraps.
macro_rules! parts_extractors {
    ($($(#[$doc:meta])* $name:ident via $inner:ident;)*) => {$(
        $(#[$doc])*
        pub struct $name<T>(pub T);

        impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> FromRequestParts<S> for $name<T> {
            type Rejection = ApiError;
            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
                let $inner(v) = $inner::<T>::from_request_parts(parts, state).await?;
                Ok($name(v))
            }
        }
    )*};
}

parts_extractors! {
    /// Path parameters whose rejections are problem documents.
    ApiPath via Path;
    /// Query parameters whose rejections are problem documents.
    ApiQuery via Query;
}

pub type ApiResult<T> = Result<T, ApiError>;
