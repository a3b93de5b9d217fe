//! The public reference data (members, authorities, windows, the catalogue and its versions)
//! and the administrator's catalogue publication.

use crate::problem::ApiQuery;
use crate::problem::{ApiJson, ApiResult, Problem};
use crate::*;

#[utoipa::path(get, path = "/api/v1/jurisdictions", tag = "reference", params(ListQuery),
    responses((status = 200, body = Page<Jurisdiction>), (status = 400, body = Problem)))]
pub async fn list_jurisdictions(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Jurisdiction>>> {
    Ok(Json(s.app.jurisdictions(&q)?))
}

#[utoipa::path(get, path = "/api/v1/authorities", tag = "reference", params(ListQuery),
    responses((status = 200, body = Page<Authority>), (status = 400, body = Problem)))]
pub async fn list_authorities(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Authority>>> {
    Ok(Json(s.app.authorities(&q)?))
}

#[utoipa::path(get, path = "/api/v1/windows", tag = "reference", params(ListQuery),
    responses((status = 200, body = Page<Window>), (status = 400, body = Problem)))]
pub async fn list_windows(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Window>>> {
    Ok(Json(s.app.windows(&q)?))
}

/// Search the current catalogue (zh or en), filter by city, mode and category.
#[utoipa::path(get, path = "/api/v1/matters", tag = "reference", params(MatterQuery),
    responses((status = 200, body = Page<MatterSummary>), (status = 400, body = Problem)))]
pub async fn list_matters(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<MatterQuery>,
) -> ApiResult<Json<Page<MatterSummary>>> {
    Ok(Json(s.app.search_matters(&q)?))
}

/// One matter with its materials, form fields and time limits.
#[utoipa::path(get, path = "/api/v1/matters/{code}", tag = "reference", params(("code" = String, Path), VersionQuery),
    responses((status = 200, body = Matter), (status = 404, body = Problem)))]
pub async fn get_matter(
    State(s): State<AppState>,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> ApiResult<Json<Matter>> {
    Ok(Json(s.app.matter(&code, q.version)?))
}

#[utoipa::path(get, path = "/api/v1/catalogue/versions", tag = "reference", params(PageQuery),
    responses((status = 200, body = Page<CatalogueVersion>), (status = 400, body = Problem)))]
pub async fn list_catalogue_versions(
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<CatalogueVersion>>> {
    Ok(Json(s.app.catalogue_versions(q.page, q.per_page).await?))
}

/// Publish a new catalogue version (joint office, administrator).
#[utoipa::path(post, path = "/api/v1/catalogue/versions", tag = "reference", request_body = PublishCatalogue,
    security(("bearer" = [])),
    responses((status = 201, body = CatalogueVersion), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn publish_catalogue(
    State(s): State<AppState>,
    Auth(p): Auth,
    body: ApiJson<PublishCatalogue>,
) -> ApiResult<(StatusCode, Json<CatalogueVersion>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.publish_catalogue(&p, body.0).await?),
    ))
}
