//! Enterprise accounts: self-registration (public), the joint office's confirmation or refusal,
//! and an account's own link; a head enterprise's partner reserve; joint-tackling projects. The rules are in `corridor_app::industry::accounts`.

use crate::problem::{ApiJson, ApiResult, Problem};
use crate::problem::{ApiPath, ApiQuery};
use crate::{AppState, Auth};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use corridor_app::industry::accounts::{AccountDecision, AccountLink, Registration};
use corridor_app::industry::{
    NewPartner, NewProject, PartnerView, ProjectCounts, ProjectOp, ProjectView,
};
use serde::Deserialize;

/// Register an account for an enterprise of the registry (no sign-in). The account can sign
/// in at once but acts for no enterprise until the joint office confirms the link. One address
/// makes a few accounts in a quarter of an hour; then `429 too_many_attempts`.
#[utoipa::path(post, path = "/api/v1/registrations", tag = "industry", request_body = Registration,
    responses((status = 201, body = AccountLink), (status = 409, body = Problem), (status = 422, body = Problem),
              (status = 429, body = Problem)))]
pub async fn register(
    State(s): State<AppState>,
    client: Option<axum::Extension<corridor_app::ClientIp>>,
    body: ApiJson<Registration>,
) -> ApiResult<(StatusCode, Json<AccountLink>)> {
    let ip = corridor_app::ClientIp::or_unknown(client.map(|e| e.0));
    Ok((
        StatusCode::CREATED,
        Json(s.app.register_enterprise(&body.0, ip).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AccountQuery {
    /// `pending` (the default), `confirmed` or `refused`.
    #[param(max_length = 9)]
    pub status: Option<String>,
}

/// Enterprise accounts of one status (the joint office), the oldest request first.
#[utoipa::path(get, path = "/api/v1/enterprise-accounts", tag = "industry", params(AccountQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<AccountLink>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<AccountQuery>,
) -> ApiResult<Json<Vec<AccountLink>>> {
    let status = q.status.as_deref().unwrap_or("pending");
    Ok(Json(s.app.enterprise_accounts(&p, status).await?))
}

/// The joint office confirms a self-registered account's link, or refuses it (with a note).
#[utoipa::path(post, path = "/api/v1/enterprise-accounts/{user}/decision", tag = "industry",
    params(("user" = String, Path, description = "The account's id")), request_body = AccountDecision,
    security(("bearer" = [])),
    responses((status = 200, body = AccountLink), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(user): ApiPath<String>,
    body: ApiJson<AccountDecision>,
) -> ApiResult<Json<AccountLink>> {
    Ok(Json(
        s.app.decide_enterprise_account(&p, &user, &body.0).await?,
    ))
}

/// The caller's own link to an enterprise (404 when it has none).
#[utoipa::path(get, path = "/api/v1/me/enterprise", tag = "industry", security(("bearer" = [])),
    responses((status = 200, body = AccountLink), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn mine(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<AccountLink>> {
    match s.app.my_account_link(&p).await? {
        Some(l) => Ok(Json(l)),
        None => Err(
            corridor_app::AppError::not_found("no enterprise link for this account")
                .with_zh("此账号未关联企业")
                .into(),
        ),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReserveQuery {
    /// The joint office: one head enterprise's reserve (all when absent).
    #[param(max_length = 18)]
    pub head: Option<String>,
}

/// A head enterprise's partner reserve (its own; the joint office any, or all).
#[utoipa::path(get, path = "/api/v1/reserve", tag = "industry", params(ReserveQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<PartnerView>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn reserve(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<ReserveQuery>,
) -> ApiResult<Json<Vec<PartnerView>>> {
    Ok(Json(s.app.partner_reserve(&p, q.head.as_deref()).await?))
}

/// Authorise a firm as a partner (with its scope and date), or renew it.
#[utoipa::path(post, path = "/api/v1/reserve", tag = "industry", request_body = NewPartner,
    security(("bearer" = [])),
    responses((status = 201, body = PartnerView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn add_partner(
    State(s): State<AppState>,
    Auth(p): Auth,
    body: ApiJson<NewPartner>,
) -> ApiResult<(StatusCode, Json<PartnerView>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.add_partner(&p, &body.0).await?),
    ))
}

/// Take a partner out of the reserve (kept in the record as removed).
#[utoipa::path(delete, path = "/api/v1/reserve/{partner}", tag = "industry",
    params(("partner" = String, Path), ReserveQuery), security(("bearer" = [])),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove_partner(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(partner): ApiPath<String>,
    ApiQuery(q): ApiQuery<ReserveQuery>,
) -> ApiResult<StatusCode> {
    s.app
        .remove_partner(&p, q.head.as_deref(), &partner)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The partner reserves the caller's enterprise is in.
#[utoipa::path(get, path = "/api/v1/me/reserves", tag = "industry", security(("bearer" = [])),
    responses((status = 200, body = Vec<PartnerView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn my_reserves(
    State(s): State<AppState>,
    Auth(p): Auth,
) -> ApiResult<Json<Vec<PartnerView>>> {
    Ok(Json(s.app.reserves_holding_me(&p).await?))
}

/// Joint-tackling projects the caller may see (its own and those it is a member of; the joint
/// office all), newest first, each with its overdue milestones flagged.
#[utoipa::path(get, path = "/api/v1/projects", tag = "industry", security(("bearer" = [])),
    responses((status = 200, body = Vec<ProjectView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn projects(
    State(s): State<AppState>,
    Auth(p): Auth,
) -> ApiResult<Json<Vec<ProjectView>>> {
    Ok(Json(s.app.projects(&p).await?))
}

/// Start a project from a bottleneck-technology need with its qualified partners.
#[utoipa::path(post, path = "/api/v1/projects", tag = "industry", request_body = NewProject,
    security(("bearer" = [])),
    responses((status = 201, body = ProjectView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn start_project(
    State(s): State<AppState>,
    Auth(p): Auth,
    body: ApiJson<NewProject>,
) -> ApiResult<(StatusCode, Json<ProjectView>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.start_project(&p, &body.0).await?),
    ))
}

/// One project.
#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "industry", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = ProjectView), (status = 404, body = Problem)))]
pub async fn project(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ProjectView>> {
    Ok(Json(s.app.project(&p, &id).await?))
}

/// Change a project (its owner or the joint office): add or complete a milestone, add an
/// outcome, complete it (every milestone done) or abandon it (with a reason).
#[utoipa::path(post, path = "/api/v1/projects/{id}/changes", tag = "industry", params(("id" = String, Path)),
    request_body = ProjectOp, security(("bearer" = [])),
    responses((status = 200, body = ProjectView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn change_project(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<String>,
    body: ApiJson<ProjectOp>,
) -> ApiResult<Json<ProjectView>> {
    Ok(Json(s.app.change_project(&p, &id, &body.0).await?))
}

/// Needs solicited, projects started and completed, and those with an overdue milestone.
#[utoipa::path(get, path = "/api/v1/projects/statistics", tag = "industry", security(("bearer" = [])),
    responses((status = 200, body = ProjectCounts), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn project_counts(
    State(s): State<AppState>,
    Auth(p): Auth,
) -> ApiResult<Json<ProjectCounts>> {
    Ok(Json(s.app.project_counts(&p).await?))
}
