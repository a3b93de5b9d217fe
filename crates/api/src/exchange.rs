//! `POST /api/v1/exchange/messages`: where other nodes deliver their signed messages. No
//! bearer token: the envelope's signature under the signed trust list is the credential.

use crate::problem::{ApiError, ApiResult, Problem};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderName};
use axum::response::{IntoResponse, Response};
use corridor_app::ErrorCode;

/// Deliver one message (a COSE_Sign1 envelope, at most 1 MiB). The answer is this node's
/// signed receipt (for a duplicate: the receipt sent the first time, and nothing applied
/// again); `x-corridor-duplicate` says which.
#[utoipa::path(post, path = "/api/v1/exchange/messages", tag = "exchange",
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The signed envelope (COSE_Sign1; sent as application/cose, any content type is read as the envelope)"),
    responses((status = 200, content_type = "application/cose", description = "The signed receipt"),
              (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn receive(
    State(s): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = body.map_err(|e| {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the message could not be read: {e}"),
        )
    })?;
    if body.len() > corridor_exchange::envelope::MAX_ENVELOPE {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            "a message is at most 1 MiB",
        ));
    }
    let r = s.app.receive_message(&body).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/cose".to_string()),
            (
                HeaderName::from_static("x-corridor-duplicate"),
                r.duplicate.to_string(),
            ),
        ],
        r.receipt,
    )
        .into_response())
}
