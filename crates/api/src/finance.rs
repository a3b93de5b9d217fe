//! The finance alliance: members and their products (kept by the joint office), enterprises'
//! financing needs, members ranked for a need and needs for a member (one scorer, explained),
//! and a need's pipeline to `financed`. The rules are in `corridor_app::industry::finance`.

use crate::problem::{ApiJson, ApiResult, Problem};
use crate::problem::{ApiPath, ApiQuery};
use crate::{AppState, Auth};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use corridor_app::industry::{
    FinanceCounts, FinanceMove, FinancingNeedView, MemberFit, MemberView, NeedForMember,
    NewFinancingNeed, NewMember,
};
use serde::Deserialize;

/// The alliance's members with their products.
#[utoipa::path(get, path = "/api/v1/finance/members", tag = "industry", security(("bearer" = [])),
    responses((status = 200, body = Vec<MemberView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn members(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<MemberView>>> {
    Ok(Json(s.app.finance_members(&p).await?))
}

/// Add a member or replace its record (the joint office).
#[utoipa::path(post, path = "/api/v1/finance/members", tag = "industry", request_body = NewMember,
    security(("bearer" = [])),
    responses((status = 200, body = MemberView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_member(
    State(s): State<AppState>,
    Auth(p): Auth,
    body: ApiJson<NewMember>,
) -> ApiResult<Json<MemberView>> {
    Ok(Json(s.app.put_member(&p, &body.0).await?))
}

/// The caller's financing needs (the office: all), newest first.
#[utoipa::path(get, path = "/api/v1/finance/needs", tag = "industry", security(("bearer" = [])),
    responses((status = 200, body = Vec<FinancingNeedView>), (status = 403, body = Problem)))]
pub async fn needs(
    State(s): State<AppState>,
    Auth(p): Auth,
) -> ApiResult<Json<Vec<FinancingNeedView>>> {
    Ok(Json(s.app.financing_needs(&p).await?))
}

/// Post a financing need (an enterprise for itself; the office names the enterprise).
#[utoipa::path(post, path = "/api/v1/finance/needs", tag = "industry", request_body = NewFinancingNeed,
    security(("bearer" = [])),
    responses((status = 201, body = FinancingNeedView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn post_need(
    State(s): State<AppState>,
    Auth(p): Auth,
    body: ApiJson<NewFinancingNeed>,
) -> ApiResult<(StatusCode, Json<FinancingNeedView>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.post_financing_need(&p, &body.0).await?),
    ))
}

/// One financing need (its enterprise, the alliance's members, the office).
#[utoipa::path(get, path = "/api/v1/finance/needs/{id}", tag = "industry", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = FinancingNeedView), (status = 404, body = Problem)))]
pub async fn need(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<FinancingNeedView>> {
    Ok(Json(s.app.financing_need(&p, &id).await?))
}

/// The members ranked for a need, each with its best product, signals and matched words, and
/// its stage (the need's enterprise and the office).
#[utoipa::path(get, path = "/api/v1/finance/needs/{id}/matches", tag = "industry", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<MemberFit>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn matches(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Vec<MemberFit>>> {
    Ok(Json(s.app.rank_members(&p, &id).await?))
}

/// Move a member along the need's pipeline (`financed` with the amount, 万元): the need's
/// enterprise and the office move any member; a member its own entry.
#[utoipa::path(post, path = "/api/v1/finance/needs/{id}/pipeline", tag = "industry", params(("id" = String, Path)),
    request_body = FinanceMove, security(("bearer" = [])),
    responses((status = 200, body = FinancingNeedView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn move_member(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<String>,
    body: ApiJson<FinanceMove>,
) -> ApiResult<Json<FinancingNeedView>> {
    Ok(Json(s.app.move_financing(&p, &id, &body.0).await?))
}

/// Withdraw an open financing need (its enterprise or the joint office): the members no longer
/// see it; its pipeline is kept.
#[utoipa::path(post, path = "/api/v1/finance/needs/{id}/withdraw", tag = "industry", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = FinancingNeedView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem)))]
pub async fn withdraw(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<FinancingNeedView>> {
    Ok(Json(s.app.withdraw_financing_need(&p, &id).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MemberQuery {
    /// The member (the office names one; a member's account may omit it).
    #[param(max_length = 18)]
    pub member: Option<String>,
}

/// The open financing needs ranked for a member, explained.
#[utoipa::path(get, path = "/api/v1/finance/for-member", tag = "industry", params(MemberQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<NeedForMember>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn for_member(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<MemberQuery>,
) -> ApiResult<Json<Vec<NeedForMember>>> {
    Ok(Json(s.app.needs_for_member(&p, q.member.as_deref()).await?))
}

/// Members, financing needs, financed needs and the amount financed (the joint office).
#[utoipa::path(get, path = "/api/v1/finance/statistics", tag = "industry", security(("bearer" = [])),
    responses((status = 200, body = FinanceCounts), (status = 403, body = Problem)))]
pub async fn statistics(
    State(s): State<AppState>,
    Auth(p): Auth,
) -> ApiResult<Json<FinanceCounts>> {
    Ok(Json(s.app.finance_counts(&p).await?))
}
