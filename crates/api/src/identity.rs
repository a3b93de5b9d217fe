//! Authorisations between persons: who may file in whose name.

use crate::problem::ApiPath;
use crate::problem::{ApiJson, ApiResult, Problem};
use crate::{AppState, Auth};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use corridor_app::identity::{AuthorisationView, NewAuthorisation};
use corridor_app::paging::Page;
use uuid::Uuid;

/// Record an authorisation: an applicant authorises another person to file in its own
/// person's name; a window clerk records one after checking the grantor and the signed
/// authorisation.
#[utoipa::path(post, path = "/api/v1/authorisations", tag = "auth", request_body = NewAuthorisation,
    security(("bearer" = [])),
    responses((status = 201, body = AuthorisationView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_authorisation(
    State(s): State<AppState>,
    Auth(p): Auth,
    body: ApiJson<NewAuthorisation>,
) -> ApiResult<(StatusCode, Json<AuthorisationView>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.authorise(&p, body.0).await?),
    ))
}

/// The authorisations the caller's person has given or been given (newest first, at most 200).
#[utoipa::path(get, path = "/api/v1/authorisations", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Page<AuthorisationView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_authorisations(
    State(s): State<AppState>,
    Auth(p): Auth,
) -> ApiResult<Json<Page<AuthorisationView>>> {
    let items = s.app.authorisations(&p).await?;
    let n = items.len() as i64;
    Ok(Json(Page {
        items,
        total: n,
        total_exact: true,
        page: 1,
        per_page: n.max(1),
        next_after: None,
    }))
}

/// Revoke an authorisation (its grantor, or a window clerk).
#[utoipa::path(post, path = "/api/v1/authorisations/{id}/revoke", tag = "auth", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 204, description = "revoked"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn revoke_authorisation(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    s.app.revoke_authorisation(&p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
