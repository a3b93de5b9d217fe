//! The industry chain's API: the enterprise registry and its search, needs, ranked matches
//! with explanations, the pipeline and outcome statistics.

use crate::problem::{ApiJson, ApiResult, Problem};
use crate::problem::{ApiPath, ApiQuery};
use crate::{AppState, Auth, PageQuery};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use corridor_app::industry::{
    CandidateView, EnterpriseQuery, EnterpriseSearch, IndustryStats, MatchView, NeedUpdate,
    NeedView, NewNeed, Opportunity, ReindexReport, StageMove,
};
use corridor_app::paging::Page;
use corridor_industry::Enterprise;
use serde::Deserialize;
use uuid::Uuid;

/// Search the registry: free text in Chinese and/or English, filters and facet counts.
#[utoipa::path(get, path = "/api/v1/enterprises", tag = "industry", params(EnterpriseQuery),
    security(("bearer" = [])),
    responses((status = 200, body = EnterpriseSearch), (status = 400, body = Problem), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn search_enterprises(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<EnterpriseQuery>,
) -> ApiResult<Json<EnterpriseSearch>> {
    Ok(Json(s.app.search_enterprises(&p, &q).await?))
}

/// One enterprise's profile.
#[utoipa::path(get, path = "/api/v1/enterprises/{uscc}", tag = "industry", params(("uscc" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Enterprise), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get_enterprise(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(uscc): ApiPath<String>,
) -> ApiResult<Json<Enterprise>> {
    Ok(Json(s.app.enterprise(&p, &uscc).await?))
}

/// Create or replace a profile: the office any, an enterprise account only its own (its
/// recognitions — flags — stay as recorded).
#[utoipa::path(put, path = "/api/v1/enterprises/{uscc}", tag = "industry", params(("uscc" = String, Path)),
    request_body = Enterprise, security(("bearer" = [])),
    responses((status = 200, body = Enterprise), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn put_enterprise(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(uscc): ApiPath<String>,
    body: ApiJson<Enterprise>,
) -> ApiResult<Json<Enterprise>> {
    Ok(Json(s.app.put_enterprise(&p, &uscc, body.0).await?))
}

/// Needs: the office sees all, a head enterprise its own.
#[utoipa::path(get, path = "/api/v1/needs", tag = "industry", params(PageQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Page<NeedView>), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn list_needs(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<NeedView>>> {
    Ok(Json(
        s.app
            .needs(&p, q.page.unwrap_or(1), q.per_page.unwrap_or(20))
            .await?,
    ))
}

/// Post a need (a head enterprise for itself; the office for a head enterprise).
#[utoipa::path(post, path = "/api/v1/needs", tag = "industry", request_body = NewNeed,
    security(("bearer" = [])),
    responses((status = 201, body = NeedView), (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_need(
    State(s): State<AppState>,
    Auth(p): Auth,
    body: ApiJson<NewNeed>,
) -> ApiResult<(StatusCode, Json<NeedView>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_need(&p, body.0).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/needs/{id}", tag = "industry", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = NeedView), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_need(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<NeedView>> {
    Ok(Json(s.app.need(&p, &id.to_string()).await?))
}

/// Change a need's status (open, fulfilled, withdrawn).
#[utoipa::path(patch, path = "/api/v1/needs/{id}", tag = "industry", params(("id" = Uuid, Path)),
    request_body = NeedUpdate, security(("bearer" = [])),
    responses((status = 200, body = NeedView), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn update_need(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<Uuid>,
    body: ApiJson<NeedUpdate>,
) -> ApiResult<Json<NeedView>> {
    Ok(Json(s.app.update_need(&p, &id.to_string(), body.0).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LimitQuery {
    /// 1 to 200 (default 20).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<usize>,
}

/// The need's ranked candidates: every one explains its score (matched terms, and each
/// signal's value, weight and contribution).
#[utoipa::path(get, path = "/api/v1/needs/{id}/matches", tag = "industry", params(("id" = Uuid, Path), LimitQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Page<CandidateView>), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn need_matches(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<LimitQuery>,
) -> ApiResult<Json<Page<CandidateView>>> {
    Ok(Json(Page::all(
        s.app
            .rank_need(&p, &id.to_string(), q.limit.unwrap_or(20))
            .await?,
    )))
}

/// The need's pipeline: each candidate's stage, meetings and dated history.
#[utoipa::path(get, path = "/api/v1/needs/{id}/pipeline", tag = "industry", params(("id" = Uuid, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Page<MatchView>), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn need_pipeline(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Page<MatchView>>> {
    Ok(Json(Page::all(s.app.pipeline(&p, &id.to_string()).await?)))
}

/// Move a candidate to a stage: suggested → contacted → meeting (again for each meeting) →
/// testing → qualified, or declined.
#[utoipa::path(post, path = "/api/v1/needs/{id}/pipeline", tag = "industry", params(("id" = Uuid, Path)),
    request_body = StageMove, security(("bearer" = [])),
    responses((status = 200, body = MatchView), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn move_match(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<Uuid>,
    body: ApiJson<StageMove>,
) -> ApiResult<Json<MatchView>> {
    Ok(Json(s.app.move_match(&p, &id.to_string(), body.0).await?))
}

/// The signed-in enterprise's opportunities: the needs whose head enterprises have taken it
/// beyond their shortlist, where it stands in each (stage, meetings, dates), most recently
/// moved first, at most 200. Not the head enterprises' notes or scores.
#[utoipa::path(get, path = "/api/v1/opportunities", tag = "industry",
    security(("bearer" = [])),
    responses((status = 200, body = Page<Opportunity>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn opportunities(
    State(s): State<AppState>,
    Auth(p): Auth,
) -> ApiResult<Json<Page<Opportunity>>> {
    Ok(Json(Page::all(s.app.opportunities(&p).await?)))
}

/// Outcomes per need and per head enterprise: candidates, meetings, qualified suppliers,
/// days from first contact to qualification, joint-tackling projects, partner reserve.
#[utoipa::path(get, path = "/api/v1/industry/statistics", tag = "industry",
    security(("bearer" = [])),
    responses((status = 200, body = IndustryStats), (status = 403, body = Problem)))]
pub async fn industry_statistics(
    State(s): State<AppState>,
    Auth(p): Auth,
) -> ApiResult<Json<IndustryStats>> {
    Ok(Json(s.app.industry_stats(&p).await?))
}

/// Rebuild the search index from the database (administrator).
#[utoipa::path(post, path = "/api/v1/admin/search/reindex", tag = "industry",
    security(("bearer" = [])),
    responses((status = 200, body = ReindexReport), (status = 403, body = Problem)))]
pub async fn reindex(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<ReindexReport>> {
    Ok(Json(s.app.reindex(&p).await?))
}
