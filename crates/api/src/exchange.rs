//! `POST /api/v1/exchange/messages`: where other nodes deliver their signed messages. No
//! bearer token: the envelope's signature under the signed trust list is the credential.

use crate::problem::{ApiError, ApiResult, Problem};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderName};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use corridor_app::ErrorCode;

/// Deliver one message (a COSE_Sign1 envelope, at most 1 MiB). The answer is this node's
/// signed receipt (for a duplicate: the receipt sent the first time, and nothing applied
/// again); `x-corridor-duplicate` says which. A message that names files this node lacks is
/// answered 202 with `{"missing_files": [SHA-256, ...]}` and nothing of it is kept: send those
/// (`POST /api/v1/exchange/files`), then the message again.
#[utoipa::path(post, path = "/api/v1/exchange/messages", tag = "exchange",
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The signed envelope (COSE_Sign1; sent as application/cose, any content type is read as the envelope)"),
    responses((status = 200, content_type = "application/cose", description = "The signed receipt"),
              (status = 202, body = MissingFiles, description = "Files the message names are missing here"),
              (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn receive(
    State(s): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = read(body, "message")?;
    if body.len() > corridor_exchange::envelope::MAX_ENVELOPE {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            "a message is at most 1 MiB",
        ));
    }
    let r = s.app.receive_message(&body).await?;
    Ok(answer(r))
}

/// Deliver a message with the files it names, in one request: a 4-byte big-endian length and
/// the envelope, a 4-byte count, then each file as a 4-byte length and its bytes (together at
/// most 4 MiB of files). The files are checked (each one the message names, by SHA-256 and
/// size) and stored before the message is taken in; the answer is as for
/// `POST /api/v1/exchange/messages`.
#[utoipa::path(post, path = "/api/v1/exchange/bundles", tag = "exchange",
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "Length, envelope, count, then length and bytes of each file"),
    responses((status = 200, content_type = "application/cose", description = "The signed receipt"),
              (status = 202, body = MissingFiles, description = "Files the message names are still missing here"),
              (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn receive_bundle(
    State(s): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = read(body, "bundle")?;
    let r = s.app.receive_bundle(&body).await?;
    Ok(answer(r))
}

/// Deliver several messages in one request (at most 32; each with the files it names, as a
/// bundle): a 4-byte big-endian count, then each message as a 4-byte length and a bundle
/// (`POST /api/v1/exchange/bundles`; a message without files has a file count of 0). Each is
/// taken in as if it came alone, and they reach the inbox together. The answer has one result
/// a message, in order: its signed receipt (base64; `duplicate` for one received before), the
/// files it names that are missing here (nothing of it kept: send those, then the message
/// again), or the problem that refused it.
#[utoipa::path(post, path = "/api/v1/exchange/batches", tag = "exchange",
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "Count, then length and bundle of each message"),
    responses((status = 200, body = corridor_app::outbox::BatchAnswer, description = "One result a message, in order"),
              (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn receive_batch(
    State(s): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<axum::Json<corridor_app::outbox::BatchAnswer>> {
    let body = read(body, "batch")?;
    let results = s
        .app
        .receive_batch(&body)
        .await?
        .into_iter()
        .map(|r| match r {
            Ok(r) if !r.missing_files.is_empty() => corridor_app::outbox::BatchResult {
                missing_files: r.missing_files,
                ..Default::default()
            },
            Ok(r) => corridor_app::outbox::BatchResult {
                receipt: Some(B64.encode(&r.receipt)),
                duplicate: r.duplicate,
                ..Default::default()
            },
            Err(e) => corridor_app::outbox::BatchResult {
                problem: serde_json::to_value(Problem::of(e)).ok(),
                ..Default::default()
            },
        })
        .collect();
    Ok(axum::Json(corridor_app::outbox::BatchAnswer { results }))
}

/// The answer to a message taken in: its receipt, or the files still missing.
fn answer(r: corridor_app::exchange::Received) -> Response {
    if !r.missing_files.is_empty() {
        return (
            axum::http::StatusCode::ACCEPTED,
            axum::Json(MissingFiles {
                missing_files: r.missing_files,
            }),
        )
            .into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "application/cose".to_string()),
            (
                HeaderName::from_static("x-corridor-duplicate"),
                r.duplicate.to_string(),
            ),
        ],
        r.receipt,
    )
        .into_response()
}

/// The files a message names that the receiving node does not have yet.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct MissingFiles {
    /// SHA-256, lower-case hex.
    pub missing_files: Vec<String>,
}

/// The largest frame `POST /api/v1/exchange/files` reads: a length, an envelope, a file.
pub const MAX_FILE_FRAME: usize =
    4 + corridor_exchange::envelope::MAX_ENVELOPE + corridor_app::materials::MAX_UPLOAD_BYTES;

/// Deliver one file a message names, before the message: the body is a 4-byte big-endian
/// length, the message's envelope, then the file (at most 64 MiB). The envelope is checked as
/// any message; the file must be one it names, by SHA-256 and size. 204 once the file is on
/// disk here.
#[utoipa::path(post, path = "/api/v1/exchange/files", tag = "exchange",
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "Length (u32, big-endian), envelope, file"),
    responses((status = 204, description = "The file is stored"),
              (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn receive_file(
    State(s): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<axum::http::StatusCode> {
    let body = read(body, "file")?;
    s.app.receive_file(&body).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The request's body, or a problem saying which part could not be read (too large, cut off).
fn read(body: Result<Bytes, BytesRejection>, what: &str) -> ApiResult<Bytes> {
    body.map_err(|e| {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the {what} could not be read: {e}"),
        )
    })
}
