//! Notices to applicants: their list, and the account's address and language for them.

use crate::problem::{ApiJson, ApiResult, Problem};
use crate::problem::{ApiPath, ApiQuery};
use crate::{AppState, Auth};
use axum::extract::State;
use axum::Json;
use corridor_app::notices::{NoticeSettings, NoticeView};
use corridor_app::paging::Page;
use serde::Deserialize;
use uuid::Uuid;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct NoticeQuery {
    /// From 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// How many a page (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// The signed-in applicant's notices, newest first: case received, correction asked for,
/// decided, licence ready, transferred; each in the language the account chose.
#[utoipa::path(get, path = "/api/v1/notices", tag = "cases", params(NoticeQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Page<NoticeView>), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<NoticeQuery>,
) -> ApiResult<Json<Page<NoticeView>>> {
    Ok(Json(s.app.notices(&p, q.page, q.per_page).await?))
}

/// The notices of one case (whoever may see the case).
#[utoipa::path(get, path = "/api/v1/cases/{id}/notices", tag = "cases", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Page<NoticeView>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn of_case(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Page<NoticeView>>> {
    Ok(Json(Page::all(s.app.case_notices(&p, id).await?)))
}

/// The account's address and language for notices.
#[utoipa::path(get, path = "/api/v1/me/notice-settings", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = NoticeSettings), (status = 401, body = Problem)))]
pub async fn settings(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<NoticeSettings>> {
    Ok(Json(s.app.notice_settings(&p).await?))
}

/// Sets the address notices are mailed to (none: on the pages only) and their language
/// (applicants).
#[utoipa::path(put, path = "/api/v1/me/notice-settings", tag = "auth", request_body = NoticeSettings,
    security(("bearer" = [])),
    responses((status = 200, body = NoticeSettings), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_settings(
    State(s): State<AppState>,
    Auth(p): Auth,
    body: ApiJson<NoticeSettings>,
) -> ApiResult<Json<NoticeSettings>> {
    Ok(Json(s.app.set_notice_settings(&p, &body.0).await?))
}
