//! Technology achievement auctions: listings and their review, sessions and lots, bidders,
//! bids (ascending), sealed commitments and reveals, settlement, confirmation, results.
//! Handlers only translate; the rules are in `corridor_app::auctions` and
//! `corridor_domain::auction`.

use crate::problem::{ApiJson, ApiResult, Problem};
use crate::problem::{ApiPath, ApiQuery};
use crate::{AppState, Auth, MaybeAuth};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use corridor_app::auctions::{
    AuctionFigures, BidOp, BidderDecision, BidderView, Confirmation, ListingReview, ListingStatus,
    ListingView, LotView, NewListing, NewLot, NewSession, Placed, ResultRow, SessionView,
};
use corridor_app::industry::CandidateView;
use corridor_app::paging::Page;
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListingQuery {
    /// The joint office: listings of this status (default all). Others see approved ones
    /// (an enterprise, without a status, its own).
    pub status: Option<ListingStatus>,
    /// Search: words in Chinese or English (titles, field, descriptions, patent numbers),
    /// best first.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// With `q`: one cluster.
    pub cluster: Option<corridor_industry::Cluster>,
}

/// Listings (approved ones to anyone; the office all; an enterprise its own).
#[utoipa::path(get, path = "/api/v1/auctions/listings", tag = "auctions", params(ListingQuery),
    responses((status = 200, body = Page<ListingView>), (status = 400, body = Problem), (status = 401, body = Problem)))]
pub async fn list_listings(
    State(s): State<AppState>,
    MaybeAuth(p): MaybeAuth,
    ApiQuery(q): ApiQuery<ListingQuery>,
) -> ApiResult<Json<Page<ListingView>>> {
    let items = match q.q.as_deref().filter(|t| !t.is_empty()) {
        Some(text) => s
            .app
            .search_listings(p.as_ref(), text, q.cluster)
            .await?
            .into_iter()
            .filter(|l| q.status.is_none_or(|st| l.status == st))
            .collect(),
        None => s.app.listings(p.as_ref(), q.status).await?,
    };
    Ok(Json(Page::all(items)))
}

/// List an achievement (an enterprise its own; the joint office for any owner in the
/// registry). It waits for the joint office's review.
#[utoipa::path(post, path = "/api/v1/auctions/listings", tag = "auctions", request_body = NewListing,
    security(("bearer" = [])),
    responses((status = 201, body = ListingView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_listing(
    State(s): State<AppState>,
    Auth(p): Auth,
    body: ApiJson<NewListing>,
) -> ApiResult<(StatusCode, Json<ListingView>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_listing(&p, &body.0).await?),
    ))
}

/// One listing.
#[utoipa::path(get, path = "/api/v1/auctions/listings/{id}", tag = "auctions", params(("id" = String, Path)),
    responses((status = 200, body = ListingView), (status = 404, body = Problem)))]
pub async fn get_listing(
    State(s): State<AppState>,
    MaybeAuth(p): MaybeAuth,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ListingView>> {
    Ok(Json(s.app.listing(p.as_ref(), &id).await?))
}

crate::materials::add_document_endpoint!(
    /// Add a document to a listing (its owner or the joint office, while it waits for review or
    /// is approved): the body is the file itself, PDF, JPEG or PNG, told from the content.
    /// Stored durably, with its SHA-256 in the listing's audit trail, before the answer.
    add_listing_file,
    "/api/v1/auctions/listings/{id}/files",
    "auctions",
    add_listing_file
);

/// One document of a listing, for whoever may see the listing.
#[utoipa::path(get, path = "/api/v1/auctions/listings/{id}/files/{file}", tag = "auctions",
    params(("id" = String, Path), ("file" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream", description = "The file, with its own content type"),
              (status = 404, body = Problem)))]
pub async fn listing_file(
    State(s): State<AppState>,
    MaybeAuth(p): MaybeAuth,
    ApiPath((id, file)): ApiPath<(String, String)>,
) -> ApiResult<axum::response::Response> {
    let (v, bytes) = s.app.listing_file(p.as_ref(), &id, &file).await?;
    Ok(crate::materials::file_response(v.download_headers(), bytes))
}

/// The joint office approves or rejects a listing (a rejection says why).
#[utoipa::path(post, path = "/api/v1/auctions/listings/{id}/review", tag = "auctions", params(("id" = String, Path)),
    request_body = ListingReview, security(("bearer" = [])),
    responses((status = 200, body = ListingView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn review_listing(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<String>,
    body: ApiJson<ListingReview>,
) -> ApiResult<Json<ListingView>> {
    Ok(Json(s.app.review_listing(&p, &id, &body.0).await?))
}

/// Firms whose capabilities fit a listing, ranked with explanations (the joint office, to
/// invite them).
#[utoipa::path(get, path = "/api/v1/auctions/listings/{id}/buyers", tag = "auctions", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Page<CandidateView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn suggest_buyers(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Page<CandidateView>>> {
    Ok(Json(Page::all(s.app.suggest_buyers(&p, &id, 20).await?)))
}

/// Sessions with their lots, the latest first (public).
#[utoipa::path(get, path = "/api/v1/auctions/sessions", tag = "auctions",
    responses((status = 200, body = Page<SessionView>)))]
pub async fn list_sessions(State(s): State<AppState>) -> ApiResult<Json<Page<SessionView>>> {
    Ok(Json(Page::all(s.app.sessions().await?)))
}

/// Open a session with its lots (the joint office). Each lot's reserve is fixed now and only
/// its hash is shown until the lot is settled.
#[utoipa::path(post, path = "/api/v1/auctions/sessions", tag = "auctions", request_body = NewSession,
    security(("bearer" = [])),
    responses((status = 201, body = SessionView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_session(
    State(s): State<AppState>,
    Auth(p): Auth,
    body: ApiJson<NewSession>,
) -> ApiResult<(StatusCode, Json<SessionView>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_session(&p, &body.0).await?),
    ))
}

/// One session (public).
#[utoipa::path(get, path = "/api/v1/auctions/sessions/{id}", tag = "auctions", params(("id" = String, Path)),
    responses((status = 200, body = SessionView), (status = 404, body = Problem)))]
pub async fn get_session(
    State(s): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<SessionView>> {
    Ok(Json(s.app.session(&id).await?))
}

/// Add a lot to a session (the joint office).
#[utoipa::path(post, path = "/api/v1/auctions/sessions/{id}/lots", tag = "auctions", params(("id" = String, Path)),
    request_body = NewLot, security(("bearer" = [])),
    responses((status = 201, body = LotView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_lot(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<String>,
    body: ApiJson<NewLot>,
) -> ApiResult<(StatusCode, Json<LotView>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.add_lot(&p, &id, &body.0).await?),
    ))
}

/// A session's bidders (the joint office).
#[utoipa::path(get, path = "/api/v1/auctions/sessions/{id}/bidders", tag = "auctions", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Page<BidderView>), (status = 403, body = Problem)))]
pub async fn list_bidders(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Page<BidderView>>> {
    Ok(Json(Page::all(s.app.bidders(&p, &id).await?)))
}

/// The caller's enterprise applies to bid in a session.
#[utoipa::path(post, path = "/api/v1/auctions/sessions/{id}/bidders", tag = "auctions", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 201, body = BidderView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn apply_to_bid(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<(StatusCode, Json<BidderView>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.app.apply_to_bid(&p, &id).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Invitations {
    /// The firms to invite (USCCs in the registry), 1 to 100; e.g. from `listings/{id}/buyers`.
    #[schema(min_items = 1, max_items = 100)]
    pub usccs: Vec<String>,
}

/// The joint office invites firms to bid in a session (those the matcher suggests, say); each
/// sees the invitation on its auctions page and applies to accept it.
#[utoipa::path(post, path = "/api/v1/auctions/sessions/{id}/invitations", tag = "auctions", params(("id" = String, Path)),
    request_body = Invitations, security(("bearer" = [])),
    responses((status = 200, body = Page<BidderView>), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn invite_bidders(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<String>,
    body: ApiJson<Invitations>,
) -> ApiResult<Json<Page<BidderView>>> {
    Ok(Json(Page::all(
        s.app.invite_bidders(&p, &id, &body.0.usccs).await?,
    )))
}

/// The joint office approves a bidder with the deposit it recorded, or refuses them.
#[utoipa::path(put, path = "/api/v1/auctions/sessions/{id}/bidders/{uscc}", tag = "auctions",
    params(("id" = String, Path), ("uscc" = String, Path)), request_body = BidderDecision, security(("bearer" = [])),
    responses((status = 200, body = BidderView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn decide_bidder(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath((id, uscc)): ApiPath<(String, String)>,
    body: ApiJson<BidderDecision>,
) -> ApiResult<Json<BidderView>> {
    Ok(Json(s.app.decide_bidder(&p, &id, &uscc, &body.0).await?))
}

/// A lot: rules, current price, the latest bids (bidders by number), the result once settled;
/// the caller's own standing when signed in as a bidder.
#[utoipa::path(get, path = "/api/v1/auctions/lots/{id}", tag = "auctions", params(("id" = String, Path)),
    responses((status = 200, body = LotView), (status = 404, body = Problem)))]
pub async fn get_lot(
    State(s): State<AppState>,
    MaybeAuth(p): MaybeAuth,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<LotView>> {
    Ok(Json(s.app.lot(p.as_ref(), &id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBid {
    /// Whole yuan.
    #[schema(minimum = 1, maximum = 100000000000_i64)]
    pub amount: i64,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCommitment {
    /// SHA-256 (hex) of the lot, your USCC, the amount and a nonce you keep (see
    /// docs/AUCTIONS.md for the exact bytes).
    #[schema(min_length = 64, max_length = 64)]
    pub hash: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReveal {
    #[schema(minimum = 1, maximum = 100000000000_i64)]
    pub amount: i64,
    #[schema(min_length = 8, max_length = 128)]
    pub nonce: String,
}

/// Bid on an ascending lot. Accepted bids bind; a refusal (`bid_refused`) names its reason:
/// `below_minimum_raise`, `closed`, `not_approved`, …
#[utoipa::path(post, path = "/api/v1/auctions/lots/{id}/bids", tag = "auctions", params(("id" = String, Path)),
    request_body = NewBid, security(("bearer" = [])),
    responses((status = 201, body = Placed), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn place_bid(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<String>,
    body: ApiJson<NewBid>,
) -> ApiResult<(StatusCode, Json<Placed>)> {
    let op = BidOp::Bid {
        amount: body.0.amount,
    };
    Ok((StatusCode::CREATED, Json(s.app.bid(&p, &id, op).await?)))
}

/// Seal a bid on a sealed-bid lot: its hash, once, before the deadline.
#[utoipa::path(post, path = "/api/v1/auctions/lots/{id}/commitments", tag = "auctions", params(("id" = String, Path)),
    request_body = NewCommitment, security(("bearer" = [])),
    responses((status = 201, body = Placed), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn commit_bid(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<String>,
    body: ApiJson<NewCommitment>,
) -> ApiResult<(StatusCode, Json<Placed>)> {
    let op = BidOp::Commit { hash: body.0.hash };
    Ok((StatusCode::CREATED, Json(s.app.bid(&p, &id, op).await?)))
}

/// Reveal a sealed bid after the deadline: the amount and nonce must match the hash.
#[utoipa::path(post, path = "/api/v1/auctions/lots/{id}/reveals", tag = "auctions", params(("id" = String, Path)),
    request_body = NewReveal, security(("bearer" = [])),
    responses((status = 201, body = Placed), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn reveal_bid(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<String>,
    body: ApiJson<NewReveal>,
) -> ApiResult<(StatusCode, Json<Placed>)> {
    let NewReveal { amount, nonce } = body.0;
    let op = BidOp::Reveal { amount, nonce };
    Ok((StatusCode::CREATED, Json(s.app.bid(&p, &id, op).await?)))
}

/// Settle a lot whose bidding has ended (the joint office; the node also does it by itself).
#[utoipa::path(post, path = "/api/v1/auctions/lots/{id}/settle", tag = "auctions", params(("id" = String, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = LotView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn settle_lot(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<LotView>> {
    Ok(Json(s.app.settle_lot(Some(&p), &id).await?))
}

/// The winner or the seller confirms the sale (the joint office names the side it confirms
/// for).
#[utoipa::path(post, path = "/api/v1/auctions/lots/{id}/confirm", tag = "auctions", params(("id" = String, Path)),
    request_body = Confirmation, security(("bearer" = [])),
    responses((status = 200, body = LotView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn confirm_sale(
    State(s): State<AppState>,
    Auth(p): Auth,
    ApiPath(id): ApiPath<String>,
    body: ApiJson<Confirmation>,
) -> ApiResult<Json<LotView>> {
    Ok(Json(s.app.confirm_sale(&p, &id, &body.0).await?))
}

/// The published results: lot, price, the winner's name (public; no personal data).
#[utoipa::path(get, path = "/api/v1/auctions/results", tag = "auctions",
    responses((status = 200, body = Page<ResultRow>)))]
pub async fn results(State(s): State<AppState>) -> ApiResult<Json<Page<ResultRow>>> {
    Ok(Json(Page::all(s.app.auction_results().await?)))
}

/// Lots, sold, value, by city and cluster (public; counts only).
#[utoipa::path(get, path = "/api/v1/auctions/statistics", tag = "auctions",
    responses((status = 200, body = AuctionFigures)))]
pub async fn figures(State(s): State<AppState>) -> ApiResult<Json<AuctionFigures>> {
    Ok(Json(s.app.auction_figures().await?))
}
