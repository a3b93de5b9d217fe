//! Open calls for technical needs: the joint office opens calls and reviews the needs posted
//! into them; enterprises browse the open needs ranked for their own firm and answer them with
//! proposals (text and documents), which enter the need's pipeline. The rules are in
//! `corridor_app::industry::{calls, proposals}`.

use crate::problem::{ApiJson, ApiResult, Problem};
use crate::problem::{ApiPath, ApiQuery};
use crate::{AppState, Auth};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use corridor_app::industry::{
    CallView, FitQuery, NeedFit, NeedView, NewCall, NewProposal, ProposalView, ReviewDecision,
};

/// Open a call (the joint office): its title, scope (clusters, kinds of need) and the days it
/// takes needs.
#[utoipa::path(post, path = "/api/v1/calls", tag = "industry", request_body = NewCall,
    security(("bearer" = [])),
    responses((status = 201, body = CallView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(s): State<AppState>,
    Auth(p): Auth,
    body: ApiJson<NewCall>,
) -> ApiResult<(StatusCode, Json<CallView>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_call(&p, &body.0).await?),
    ))
}

/// The calls, newest first, with their needs counted (the office and confirmed enterprise
/// accounts).
#[utoipa::path(get, path = "/api/v1/calls", tag = "industry", security(("bearer" = [])),
    responses((status = 200, body = Vec<CallView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<CallView>>> {
    Ok(Json(s.app.calls(&p).await?))
}

/// One call.
#[utoipa::path(get, path = "/api/v1/calls/{id}", tag = "industry", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = CallView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<CallView>> {
    Ok(Json(s.app.call(&p, &id).await?))
}

/// A call's needs: the office sees every one with its review; an enterprise, the approved ones
/// and its own. Post a need into a call with `POST /api/v1/needs` and `call_id`.
#[utoipa::path(get, path = "/api/v1/calls/{id}/needs", tag = "industry", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<NeedView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn needs(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Vec<NeedView>>> {
    Ok(Json(s.app.call_needs(&p, &id).await?))
}

/// The joint office approves a need posted into a call (it is then open to every enterprise)
/// or refuses it with a note.
#[utoipa::path(post, path = "/api/v1/needs/{id}/review", tag = "industry", params(("id" = String, Path)),
    request_body = ReviewDecision, security(("bearer" = [])),
    responses((status = 200, body = NeedView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn review(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<String>,
    body: ApiJson<ReviewDecision>,
) -> ApiResult<Json<NeedView>> {
    Ok(Json(s.app.review_need(&p, &id, &body.0).await?))
}

/// The open needs that fit a firm best: the caller's own firm (the office names one with
/// `uscc`), ranked by the same signals as a need's candidates the other way round, each with
/// its signals and the firm's words found in the need.
#[utoipa::path(get, path = "/api/v1/open-needs", tag = "industry", params(FitQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<NeedFit>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn open_needs(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<FitQuery>,
) -> ApiResult<Json<Vec<NeedFit>>> {
    Ok(Json(s.app.needs_for_firm(&p, &q).await?))
}

/// Answer an open need with a proposal (a confirmed enterprise account, once a need): the firm
/// enters the need's pipeline at `suggested` unless it is there already.
#[utoipa::path(post, path = "/api/v1/needs/{id}/proposals", tag = "industry", params(("id" = String, Path)),
    request_body = NewProposal, security(("bearer" = [])),
    responses((status = 201, body = ProposalView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn propose(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<String>,
    body: ApiJson<NewProposal>,
) -> ApiResult<(StatusCode, Json<ProposalView>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.propose(&p, &id, &body.0).await?),
    ))
}

/// A need's proposals (its owner and the office).
#[utoipa::path(get, path = "/api/v1/needs/{id}/proposals", tag = "industry", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<ProposalView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn need_proposals(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Vec<ProposalView>>> {
    Ok(Json(s.app.proposals_of_need(&p, &id).await?))
}

/// The caller's firm's proposals, newest first.
#[utoipa::path(get, path = "/api/v1/me/proposals", tag = "industry", security(("bearer" = [])),
    responses((status = 200, body = Vec<ProposalView>), (status = 403, body = Problem)))]
pub async fn mine(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Vec<ProposalView>>> {
    Ok(Json(s.app.my_proposals(&p).await?))
}

/// One proposal (the firm that made it, the need's owner, the office).
#[utoipa::path(get, path = "/api/v1/proposals/{id}", tag = "industry", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = ProposalView), (status = 404, body = Problem)))]
pub async fn proposal(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ProposalView>> {
    Ok(Json(s.app.proposal(&p, &id).await?))
}

crate::materials::add_document_endpoint!(
    /// Add a document to a proposal (the firm that made it, while the need takes proposals): the
    /// body is the file itself, PDF, JPEG or PNG, told from the content; stored durably, with
    /// its SHA-256 in the proposal's audit trail, before the answer.
    add_file,
    "/api/v1/proposals/{id}/files",
    "industry",
    add_proposal_file
);

/// One document of a proposal, for whoever may see the proposal.
#[utoipa::path(get, path = "/api/v1/proposals/{id}/files/{file}", tag = "industry",
    params(("id" = String, Path), ("file" = String, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/octet-stream", description = "The file, with its own content type"),
              (status = 404, body = Problem)))]
pub async fn file(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath((id, file)): ApiPath<(String, String)>,
) -> ApiResult<axum::response::Response> {
    let (v, bytes) = s.app.proposal_file(&p, &id, &file).await?;
    Ok(crate::materials::file_response(v.download_headers(), bytes))
}
