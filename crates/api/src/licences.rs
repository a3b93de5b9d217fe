//! The licence routes: the trust and revocation lists (public), verification (public), and a
//! holder's licences, their files and QR codes; revocation by the issuing authority.

use crate::problem::{ApiError, ApiJson, ApiResult, Problem};
use crate::problem::{ApiPath, ApiQuery};
use crate::{AppState, Auth};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use corridor_app::licences::*;
use corridor_app::paging::Page;
use corridor_app::ErrorCode;
use uuid::Uuid;

/// All member authorities' public keys with validity and compromise times; carry it offline.
#[utoipa::path(get, path = "/api/v1/trust-list", tag = "licences",
    responses((status = 200, description = "corridor-trust-list/1 document", body = Object)))]
pub async fn trust_list(State(s): State<AppState>) -> ApiResult<Response> {
    let t = s.app.trust_list().await?;
    Ok(Json(t).into_response())
}

/// The signed corridor trust list this node holds (COSE_Sign1 under the corridor's root key),
/// as it was signed: other nodes and verifiers fetch it and check it against the root they pin.
#[utoipa::path(get, path = "/api/v1/trust-list/signed", tag = "licences",
    responses((status = 200, content_type = "application/cose", description = "corridor-trust/2, signed"),
        (status = 404, body = Problem)))]
pub async fn signed_trust_list(State(s): State<AppState>) -> ApiResult<Response> {
    let held = s.app.held_trust().ok_or_else(|| {
        corridor_app::AppError::not_found("signed trust list").with_zh("已签名的信任列表")
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/cose".to_string()),
            (
                header::HeaderName::from_static("x-corridor-trust-sequence"),
                held.list.sequence.to_string(),
            ),
        ],
        held.envelope.as_ref().clone(),
    )
        .into_response())
}

/// Revoked licences; carry it offline next to the trust list.
#[utoipa::path(get, path = "/api/v1/revocations", tag = "licences",
    responses((status = 200, description = "corridor-revocations/1 document", body = Object)))]
pub async fn revocations(State(s): State<AppState>) -> ApiResult<Response> {
    let r = s.app.revocation_list().await?;
    Ok(Json(r).into_response())
}

/// Verify a licence: JSON `{"qr": "G60:1:…"}` or `{"file_base64": "…"}`, or the file itself
/// with `Content-Type: application/cose` (or `application/octet-stream`).
#[utoipa::path(post, path = "/api/v1/licences/verify", tag = "licences", request_body = VerifyRequest,
    responses((status = 200, body = VerifyAnswer), (status = 400, body = Problem)))]
pub async fn verify_licence(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Json<VerifyAnswer>> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if body.is_empty() {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            "send the licence file, or JSON with `qr` or `file_base64`",
        ));
    }
    if ct.starts_with("application/json") {
        let req: VerifyRequest = serde_json::from_slice(&body)
            .map_err(|e| ApiError::new(ErrorCode::InvalidJson, e.to_string()))?;
        Ok(Json(s.app.verify_request(&req).await?))
    } else {
        Ok(Json(s.app.verify_licence(&body).await?))
    }
}

/// The caller's licences (holder) or the authority's (reviewer).
#[utoipa::path(get, path = "/api/v1/licences", tag = "licences", params(LicenceQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<LicenceView>), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn list_licences(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<LicenceQuery>,
) -> ApiResult<Json<Page<LicenceView>>> {
    Ok(Json(s.app.list_licences(&p, &q).await?))
}

#[utoipa::path(get, path = "/api/v1/licences/{id}", tag = "licences", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = LicenceView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_licence(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<LicenceView>> {
    Ok(Json(s.app.get_licence(&p, id).await?))
}

/// The licence file: the signed COSE_Sign1 envelope.
#[utoipa::path(get, path = "/api/v1/licences/{id}/file", tag = "licences", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/cose", description = "COSE_Sign1 envelope"), (status = 403, body = Problem)))]
pub async fn licence_file(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    let (number, bytes) = s.app.licence_file(&p, id).await?;
    let disposition = format!("attachment; filename=\"{number}.cose\"");
    Ok((
        [
            (header::CONTENT_TYPE, "application/cose".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// The licence's QR code as SVG.
#[utoipa::path(get, path = "/api/v1/licences/{id}/qr.svg", tag = "licences", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "image/svg+xml", description = "QR code"), (status = 403, body = Problem)))]
pub async fn licence_qr(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    let svg = s.app.licence_qr_svg(&p, id).await?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

/// Revoke a licence (the issuing authority's reviewer, with a reason).
#[utoipa::path(post, path = "/api/v1/licences/{id}/revoke", tag = "licences", params(("id" = Uuid, Path)), request_body = RevokeRequest,
    security(("bearer" = [])),
    responses((status = 200, body = LicenceView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn revoke_licence(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<Uuid>,
    body: ApiJson<RevokeRequest>,
) -> ApiResult<Json<LicenceView>> {
    Ok(Json(s.app.revoke_licence(&p, id, &body.0.reason).await?))
}
