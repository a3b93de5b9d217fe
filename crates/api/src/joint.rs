//! Joint filings: a multi-site matter's parts or a bundle of matters, filed once and decided
//! by several authorities.

use crate::problem::{ApiJson, ApiResult, Problem};
use crate::problem::{ApiPath, ApiQuery};
use crate::{AppState, Auth};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use corridor_app::joint::{BundleView, FileJoint, JointFigure, JointView};
use corridor_app::paging::Page;
use serde::Deserialize;
use uuid::Uuid;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct JointQuery {
    /// From 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// How many a page (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// File once for several authorities: a multi-site matter's parts (each decided in the city
/// its field names) or a bundle's matters (each by its authority in the city given). Every
/// part is checked as a case would be; the filing and all its parts are on disk before the
/// answer, or none of them.
#[utoipa::path(post, path = "/api/v1/joint", tag = "cases", request_body = FileJoint,
    security(("bearer" = [])),
    responses((status = 201, body = JointView), (status = 400, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn file(
    State(s): State<AppState>,
    Auth(p): Auth,
    body: ApiJson<FileJoint>,
) -> ApiResult<(StatusCode, Json<JointView>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.file_joint(&p, body.0).await?),
    ))
}

/// The caller's joint filings, newest first: an applicant's own; those with a part in a
/// reviewer's authority or at a clerk's window; all for the joint office and administrators.
#[utoipa::path(get, path = "/api/v1/joint", tag = "cases", params(JointQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Page<JointView>), (status = 400, body = Problem), (status = 401, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<JointQuery>,
) -> ApiResult<Json<Page<JointView>>> {
    Ok(Json(s.app.list_joints(&p, q.page, q.per_page).await?))
}

/// One joint filing: its parts with their authorities, statuses and deadlines, its progress,
/// the whole's deadline and promised deadline, and its outcome.
#[utoipa::path(get, path = "/api/v1/joint/{id}", tag = "cases", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = JointView), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<JointView>> {
    Ok(Json(s.app.get_joint(&p, id).await?))
}

/// The bundles of matters filed once (public): each with its matters, its limits, the modes
/// its matters share and the one form they ask.
#[utoipa::path(get, path = "/api/v1/bundles", tag = "reference",
    responses((status = 200, body = Page<BundleView>)))]
pub async fn bundles(State(s): State<AppState>) -> Json<Page<BundleView>> {
    Json(Page::all(s.app.bundles()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FiguresQuery {
    /// Only filings made in this month or later (YYYY-MM).
    #[param(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub since: Option<String>,
}

/// Joint filings per kind (multi-site, bundle): filed, open, open past the whole's deadline,
/// approved, refused, withdrawn. For the joint office and administrators.
#[utoipa::path(get, path = "/api/v1/statistics/joint", tag = "statistics", params(FiguresQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Page<JointFigure>), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn figures(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<FiguresQuery>,
) -> ApiResult<Json<Page<JointFigure>>> {
    Ok(Json(Page::all(
        s.app.joint_figures(&p, q.since.as_deref()).await?,
    )))
}
