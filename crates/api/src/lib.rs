//! Corridor's JSON API under `/api/v1`, its OpenAPI 3.1 document at `/api/openapi.json`,
//! `/healthz` and `/metrics`. Handlers only parse, call one `corridor_app::App` method and
//! render; every error is an RFC 9457 problem document.

pub mod accounts;
pub mod amounts;
pub mod auctions;
pub mod calls;
pub mod contract;
pub mod exchange;
pub mod finance;
pub mod identity;
pub mod industry;
pub mod joint;
pub mod licences;
pub mod materials;
pub mod metrics;
pub mod notices;
pub mod problem;
pub mod reference;

use crate::problem::{ApiPath, ApiQuery};
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use corridor_app::auth::{LoginAnswer, NewUser, UserView};
use corridor_app::cases::{ActOnCase, CaseQuery, CaseView, EventView};
use corridor_app::catalogue::{
    CatalogueVersion, ListQuery, MatterQuery, MatterSummary, PublishCatalogue,
};
use corridor_app::filing::FileCase;
use corridor_app::licences::LicenceView;
use corridor_app::paging::Page;
use corridor_app::stats::{GroupStat, Statistics, StatsQuery};
use corridor_app::{App, ErrorCode};
use corridor_domain::case::{Principal, Role};
use corridor_domain::catalogue::{Authority, Jurisdiction, Matter, Window};
use problem::{ApiError, ApiJson, ApiResult, Problem};
use serde::Deserialize;
use std::sync::Arc;
use utoipa::OpenApi;
use uuid::Uuid;

/// What the API's handlers share: the application and the metrics registry.
#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
    pub metrics: Arc<metrics::Metrics>,
}

impl AppState {
    pub fn new(app: Arc<App>) -> AppState {
        AppState {
            app,
            metrics: Arc::new(metrics::Metrics::default()),
        }
    }
}

/// The authenticated caller (from `Authorization: Bearer <token>`).
pub struct Auth(pub Principal);

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
}

/// The caller when a bearer token is sent (a bad one is refused), none otherwise: for the
/// public reads that show more to some callers.
pub struct MaybeAuth(pub Option<Principal>);

impl FromRequestParts<AppState> for MaybeAuth {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match bearer(parts) {
            None => Ok(MaybeAuth(None)),
            Some(token) => Ok(MaybeAuth(Some(state.app.authenticate(token).await?))),
        }
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(|| {
            ApiError::new(
                ErrorCode::Unauthenticated,
                "send Authorization: Bearer <token> from /api/v1/auth/login",
            )
        })?;
        Ok(Auth(state.app.authenticate(token).await?))
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(max_length = 64)]
    pub username: String,
    #[schema(max_length = 256)]
    pub password: String,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// Catalogue version (default: the current one).
    #[param(minimum = 1, maximum = 1000000000)]
    pub version: Option<i64>,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Corridor API", version = "1", description = "Cross-city any-window services of the G60 corridor: reference data, cases on a legal clock, statistics, e-licences, industry-chain matchmaking. Errors are RFC 9457 problem documents with a stable `code`."),
    paths(
        healthz, reference::list_jurisdictions, reference::list_authorities, reference::list_windows, reference::list_matters, reference::get_matter,
        reference::list_catalogue_versions, reference::publish_catalogue,
        amounts::list, amounts::history, amounts::publish, amounts::totals, login, logout, me, create_user,
        file_case, list_cases, get_case, track, act_on_case, case_events, statistics,
        licences::trust_list, licences::signed_trust_list, licences::revocations, licences::verify_licence,
        licences::list_licences, licences::get_licence, licences::licence_file, licences::licence_qr,
        licences::revoke_licence,
        industry::search_enterprises, industry::get_enterprise, industry::put_enterprise, industry::list_needs,
        industry::create_need, industry::get_need, industry::update_need, industry::need_matches,
        industry::need_pipeline, industry::move_match, industry::opportunities, industry::industry_statistics,
        industry::reindex, accounts::register, accounts::list, accounts::decide, accounts::mine,
        accounts::reserve, accounts::add_partner, accounts::remove_partner, accounts::my_reserves,
        accounts::projects, accounts::start_project, accounts::project, accounts::change_project, accounts::project_counts,
        calls::create, calls::list, calls::get, calls::needs, calls::review, calls::open_needs, calls::propose,
        calls::need_proposals, calls::mine, calls::proposal, calls::add_file, calls::file,
        finance::members, finance::put_member, finance::needs, finance::post_need, finance::need,
        finance::matches, finance::move_member, finance::withdraw, finance::for_member, finance::statistics,
        identity::create_authorisation, identity::list_authorisations,
        notices::list, notices::of_case, notices::settings, notices::set_settings,
        joint::file, joint::list, joint::get, joint::bundles, joint::figures,
        identity::revoke_authorisation, materials::list_materials, materials::attach, materials::file, materials::file_with_materials,
        materials::check_materials, materials::attach_licence, exchange::receive,
        exchange::receive_file, exchange::receive_bundle, exchange::receive_batch,
        auctions::list_listings, auctions::create_listing, auctions::get_listing, auctions::add_listing_file, auctions::listing_file, auctions::review_listing,
        auctions::suggest_buyers, auctions::list_sessions, auctions::create_session, auctions::get_session,
        auctions::add_lot, auctions::list_bidders, auctions::invite_bidders, auctions::apply_to_bid, auctions::decide_bidder,
        auctions::get_lot, auctions::place_bid, auctions::commit_bid, auctions::reveal_bid,
        auctions::settle_lot, auctions::confirm_sale, auctions::results, auctions::figures
    ),
    components(schemas(
        Problem, ErrorCode, Page<MatterSummary>, Page<CaseView>, Page<EventView>, Page<CatalogueVersion>, Page<LicenceView>, Page<Jurisdiction>, Page<Authority>, Page<Window>,
        GroupStat, Role, Page<corridor_app::industry::NeedView>, Page<corridor_app::identity::AuthorisationView>,
        Page<corridor_app::notices::NoticeView>, corridor_app::notices::NoticeSettings,
        Page<corridor_app::joint::JointView>, Page<corridor_app::joint::BundleView>, Page<corridor_app::joint::JointFigure>,
        Page<corridor_app::amounts::AmountRuleView>, corridor_app::amounts::AmountView, Page<corridor_app::amounts::AmountTotal>, corridor_domain::notice::NoticeKind,
        Page<corridor_app::auctions::ListingView>, Page<corridor_app::auctions::SessionView>,
        Page<corridor_app::auctions::BidderView>, Page<corridor_app::auctions::ResultRow>,
        Page<corridor_app::industry::CandidateView>
    )),
    modifiers(&SecurityAddon, &ProblemResponses),
    tags((name = "reference", description = "Members, authorities, windows, catalogue (public)"),
         (name = "auth", description = "Sign-in and accounts"),
         (name = "cases", description = "Filing and handling cases"),
         (name = "statistics", description = "Corridor statistics (joint office)"),
         (name = "licences", description = "Verifiable e-licences: trust list, revocations, verification (public); holders' licences"),
         (name = "industry", description = "Industry-chain matchmaking: enterprise registry and search, needs, ranked and explained matches, pipeline, outcomes"),
         (name = "auctions", description = "Technology achievement auctions: listings, sessions and lots (ascending and sealed bid), bidders, bids, settlement, confirmation, published results"))
)]
pub struct ApiDoc;

struct SecurityAddon;
impl utoipa::Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// Every error is an RFC 9457 problem document: declares it as the `default` response of
/// every operation and as the content type of each declared error status.
struct ProblemResponses;
impl utoipa::Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let problem = || {
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                for (status, r) in op.responses.responses.iter_mut() {
                    if status.as_str() >= "400" && status.as_str() != "default" {
                        if let RefOr::T(resp) = r {
                            resp.content.clear();
                            resp.content
                                .insert("application/problem+json".into(), problem());
                        }
                    }
                }
                op.responses.responses.insert(
                    "default".into(),
                    RefOr::T(
                        ResponseBuilder::new()
                            .description(
                                "An error: an RFC 9457 problem document with a stable `code`",
                            )
                            .content("application/problem+json", problem())
                            .build(),
                    ),
                );
            }
        }
    }
}

/// The OpenAPI document as pretty JSON (what is committed in `docs/openapi.json`).
pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

/// The API's routes (`/api/v1`, the OpenAPI document, `/healthz`, `/metrics`), ready to be
/// served beside the pages (`corridor_server`).
pub fn routes(state: AppState) -> Router {
    let api = Router::new()
        .route("/jurisdictions", get(reference::list_jurisdictions))
        .route("/authorities", get(reference::list_authorities))
        .route("/windows", get(reference::list_windows))
        .route("/matters", get(reference::list_matters))
        .route("/matters/{code}", get(reference::get_matter))
        .route(
            "/catalogue/versions",
            get(reference::list_catalogue_versions).post(reference::publish_catalogue),
        )
        .route("/amount-rules", get(amounts::list))
        .route("/statistics/amounts", get(amounts::totals))
        .route(
            "/amount-rules/{city}/{matter}",
            get(amounts::history).put(amounts::publish),
        )
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/me", get(me))
        .route(
            "/me/notice-settings",
            get(notices::settings).put(notices::set_settings),
        )
        .route("/notices", get(notices::list))
        .route("/joint", get(joint::list).post(joint::file))
        .route("/joint/{id}", get(joint::get))
        .route("/bundles", get(joint::bundles))
        .route("/statistics/joint", get(joint::figures))
        .route("/cases/{id}/notices", get(notices::of_case))
        .route("/users", post(create_user))
        .route(
            "/authorisations",
            get(identity::list_authorisations).post(identity::create_authorisation),
        )
        .route(
            "/authorisations/{id}/revoke",
            post(identity::revoke_authorisation),
        )
        .route("/cases", get(list_cases).post(file_case))
        .route(
            "/cases/with-materials",
            post(materials::file_with_materials).layer(axum::extract::DefaultBodyLimit::max(
                materials::MAX_UPLOAD_BYTES,
            )),
        )
        .route("/cases/{id}", get(get_case))
        .route("/track", post(track))
        .route("/cases/{id}/actions", post(act_on_case))
        .route("/cases/{id}/events", get(case_events))
        .route("/cases/{id}/materials", get(materials::list_materials))
        .route(
            "/cases/{id}/materials/checks",
            axum::routing::put(materials::check_materials),
        )
        .route(
            "/cases/{id}/materials/{material}",
            post(materials::attach).layer(axum::extract::DefaultBodyLimit::max(
                materials::MAX_UPLOAD_BYTES,
            )),
        )
        .route(
            "/cases/{id}/materials/{material}/licence",
            post(materials::attach_licence),
        )
        .route("/cases/{id}/files/{file}", get(materials::file))
        .route("/statistics", get(statistics))
        .route("/trust-list", get(licences::trust_list))
        .route("/trust-list/signed", get(licences::signed_trust_list))
        .route("/exchange/messages", post(exchange::receive))
        .route(
            "/exchange/batches",
            post(exchange::receive_batch).layer(axum::extract::DefaultBodyLimit::max(
                corridor_app::outbox::MAX_BATCH,
            )),
        )
        .route(
            "/exchange/bundles",
            post(exchange::receive_bundle).layer(axum::extract::DefaultBodyLimit::max(
                corridor_app::outbox::MAX_BUNDLE,
            )),
        )
        .route(
            "/exchange/files",
            post(exchange::receive_file).layer(axum::extract::DefaultBodyLimit::max(
                exchange::MAX_FILE_FRAME,
            )),
        )
        .route("/revocations", get(licences::revocations))
        .route("/licences/verify", post(licences::verify_licence))
        .route("/licences", get(licences::list_licences))
        .route("/licences/{id}", get(licences::get_licence))
        .route("/licences/{id}/file", get(licences::licence_file))
        .route("/licences/{id}/qr.svg", get(licences::licence_qr))
        .route("/licences/{id}/revoke", post(licences::revoke_licence))
        .route("/enterprises", get(industry::search_enterprises))
        .route(
            "/enterprises/{uscc}",
            get(industry::get_enterprise).put(industry::put_enterprise),
        )
        .route(
            "/needs",
            get(industry::list_needs).post(industry::create_need),
        )
        .route(
            "/needs/{id}",
            get(industry::get_need).patch(industry::update_need),
        )
        .route("/needs/{id}/matches", get(industry::need_matches))
        .route(
            "/needs/{id}/pipeline",
            get(industry::need_pipeline).post(industry::move_match),
        )
        .route("/opportunities", get(industry::opportunities))
        .route("/industry/statistics", get(industry::industry_statistics))
        .route("/registrations", post(accounts::register))
        .route("/enterprise-accounts", get(accounts::list))
        .route(
            "/enterprise-accounts/{user}/decision",
            post(accounts::decide),
        )
        .route("/me/enterprise", get(accounts::mine))
        .route("/me/reserves", get(accounts::my_reserves))
        .route(
            "/projects",
            get(accounts::projects).post(accounts::start_project),
        )
        .route("/projects/statistics", get(accounts::project_counts))
        .route("/projects/{id}", get(accounts::project))
        .route("/projects/{id}/changes", post(accounts::change_project))
        .route(
            "/reserve",
            get(accounts::reserve).post(accounts::add_partner),
        )
        .route(
            "/reserve/{partner}",
            axum::routing::delete(accounts::remove_partner),
        )
        .route(
            "/finance/members",
            get(finance::members).post(finance::put_member),
        )
        .route(
            "/finance/needs",
            get(finance::needs).post(finance::post_need),
        )
        .route("/finance/needs/{id}", get(finance::need))
        .route("/finance/needs/{id}/matches", get(finance::matches))
        .route("/finance/needs/{id}/pipeline", post(finance::move_member))
        .route("/finance/needs/{id}/withdraw", post(finance::withdraw))
        .route("/finance/for-member", get(finance::for_member))
        .route("/finance/statistics", get(finance::statistics))
        .route("/calls", get(calls::list).post(calls::create))
        .route("/calls/{id}", get(calls::get))
        .route("/calls/{id}/needs", get(calls::needs))
        .route("/needs/{id}/review", post(calls::review))
        .route("/open-needs", get(calls::open_needs))
        .route(
            "/needs/{id}/proposals",
            get(calls::need_proposals).post(calls::propose),
        )
        .route("/me/proposals", get(calls::mine))
        .route("/proposals/{id}", get(calls::proposal))
        .route(
            "/proposals/{id}/files",
            post(calls::add_file).layer(axum::extract::DefaultBodyLimit::max(
                materials::MAX_UPLOAD_BYTES,
            )),
        )
        .route("/proposals/{id}/files/{file}", get(calls::file))
        .route("/admin/search/reindex", post(industry::reindex))
        .route(
            "/auctions/listings",
            get(auctions::list_listings).post(auctions::create_listing),
        )
        .route("/auctions/listings/{id}", get(auctions::get_listing))
        .route(
            "/auctions/listings/{id}/files",
            post(auctions::add_listing_file).layer(axum::extract::DefaultBodyLimit::max(
                materials::MAX_UPLOAD_BYTES,
            )),
        )
        .route(
            "/auctions/listings/{id}/files/{file}",
            get(auctions::listing_file),
        )
        .route(
            "/auctions/listings/{id}/review",
            post(auctions::review_listing),
        )
        .route(
            "/auctions/listings/{id}/buyers",
            get(auctions::suggest_buyers),
        )
        .route(
            "/auctions/sessions",
            get(auctions::list_sessions).post(auctions::create_session),
        )
        .route("/auctions/sessions/{id}", get(auctions::get_session))
        .route("/auctions/sessions/{id}/lots", post(auctions::add_lot))
        .route(
            "/auctions/sessions/{id}/bidders",
            get(auctions::list_bidders).post(auctions::apply_to_bid),
        )
        .route(
            "/auctions/sessions/{id}/invitations",
            post(auctions::invite_bidders),
        )
        .route(
            "/auctions/sessions/{id}/bidders/{uscc}",
            put(auctions::decide_bidder),
        )
        .route("/auctions/lots/{id}", get(auctions::get_lot))
        .route("/auctions/lots/{id}/bids", post(auctions::place_bid))
        .route(
            "/auctions/lots/{id}/commitments",
            post(auctions::commit_bid),
        )
        .route("/auctions/lots/{id}/reveals", post(auctions::reveal_bid))
        .route("/auctions/lots/{id}/settle", post(auctions::settle_lot))
        .route("/auctions/lots/{id}/confirm", post(auctions::confirm_sale))
        .route("/auctions/results", get(auctions::results))
        .route("/auctions/statistics", get(auctions::figures))
        .route_layer(axum::middleware::from_fn(contract::check_query));
    Router::new()
        .nest("/api/v1", api)
        .route("/api/openapi.json", get(openapi))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::render))
        .with_state(state)
}

/// The answer for a path no route serves.
pub async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound, "no such resource")
}

/// The answer for a method a route does not serve.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        "method not allowed on this resource",
    )
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json()).into_response()
}

/// Liveness and database reachability.
#[utoipa::path(get, path = "/healthz", responses((status = 200, description = "ok"), (status = 503, body = Problem)))]
async fn healthz(State(s): State<AppState>) -> Response {
    match s.app.health().await {
        Ok(backend) => (
            StatusCode::OK,
            Json(serde_json::json!({"status": "ok", "database": backend})),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable"})),
            )
                .into_response()
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000000)]
    pub page: Option<i64>,
    /// 1 to 500.
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<i64>,
}

/// Sign in; failed attempts are limited per account.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginAnswer), (status = 401, body = Problem), (status = 429, body = Problem)))]
async fn login(
    State(s): State<AppState>,
    client: Option<axum::Extension<corridor_app::ClientIp>>,
    body: ApiJson<LoginRequest>,
) -> ApiResult<Json<LoginAnswer>> {
    Ok(Json(
        s.app
            .login(
                &body.0.username,
                &body.0.password,
                corridor_app::ClientIp::or_unknown(client.map(|e| e.0)),
            )
            .await?,
    ))
}

/// Follow a case without signing in: by its receipt number and the last six characters of the
/// applicant's ID number (or enterprise's USCC). Any node that holds the case answers; no
/// personal data. Wrong guesses are limited per address and receipt number.
#[utoipa::path(post, path = "/api/v1/track", tag = "cases", request_body = corridor_app::track::TrackQuery,
    responses((status = 200, body = corridor_app::track::TrackView), (status = 404, body = Problem),
              (status = 422, body = Problem), (status = 429, body = Problem)))]
async fn track(
    State(s): State<AppState>,
    client: Option<axum::Extension<corridor_app::ClientIp>>,
    body: ApiJson<corridor_app::track::TrackQuery>,
) -> ApiResult<Json<corridor_app::track::TrackView>> {
    let ip = corridor_app::ClientIp::or_unknown(client.map(|e| e.0));
    Ok(Json(s.app.track_case(&body.0, ip).await?))
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "signed out"), (status = 401, body = Problem)))]
async fn logout(State(s): State<AppState>, parts: axum::http::HeaderMap) -> ApiResult<StatusCode> {
    let token = parts
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated, "no bearer token"))?;
    s.app.logout(token.trim()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Principal), (status = 401, body = Problem)))]
async fn me(Auth(p): Auth) -> Json<Principal> {
    Json(p)
}

/// Create an account (administrator).
#[utoipa::path(post, path = "/api/v1/users", tag = "auth", request_body = NewUser, security(("bearer" = [])),
    responses((status = 201, body = UserView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_user(
    State(s): State<AppState>,
    Auth(p): Auth,
    body: ApiJson<NewUser>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    if p.role != Role::Admin {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "only an administrator creates accounts",
        ));
    }
    Ok((StatusCode::CREATED, Json(s.app.create_user(&body.0).await?)))
}

/// File a case (applicant online or through a window; clerk on behalf at the clerk's window).
/// The answer comes after the case is on disk.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = FileCase, security(("bearer" = [])),
    responses((status = 201, body = CaseView), (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn file_case(
    State(s): State<AppState>,
    Auth(p): Auth,
    body: ApiJson<FileCase>,
) -> ApiResult<(StatusCode, Json<CaseView>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.file_case(&p, body.0).await?),
    ))
}

/// The caller's queue, paged, with its total count.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CaseQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<CaseView>), (status = 400, body = Problem), (status = 403, body = Problem)))]
async fn list_cases(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<CaseQuery>,
) -> ApiResult<Json<Page<CaseView>>> {
    Ok(Json(s.app.list_cases(&p, &q).await?))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = CaseView), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn get_case(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(s.app.get_case(&p, id).await?))
}

/// Act on a case: receive, forward, accept, refuse, request_correction, resubmit, approve,
/// reject, issue_licence, deliver, withdraw.
#[utoipa::path(post, path = "/api/v1/cases/{id}/actions", tag = "cases", params(("id" = Uuid, Path)), request_body = ActOnCase,
    security(("bearer" = [])),
    responses((status = 200, body = CaseView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn act_on_case(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<Uuid>,
    body: ApiJson<ActOnCase>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(s.app.act(&p, id, body.0).await?))
}

/// The case's audit events in order.
#[utoipa::path(get, path = "/api/v1/cases/{id}/events", tag = "cases", params(("id" = Uuid, Path), PageQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<EventView>), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn case_events(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<EventView>>> {
    Ok(Json(s.app.case_events(&p, id, q.page, q.per_page).await?))
}

/// Cases per receiving and competent city, per matter; cross-province share; on-time rate;
/// median working days to decision.
#[utoipa::path(get, path = "/api/v1/statistics", tag = "statistics", params(StatsQuery), security(("bearer" = [])),
    responses((status = 200, body = Statistics), (status = 403, body = Problem)))]
async fn statistics(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> ApiResult<Json<Statistics>> {
    Ok(Json(s.app.statistics(&p, &q).await?))
}
