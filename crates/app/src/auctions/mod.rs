//! Technology achievement auctions: listings reviewed by the joint office, sessions with lots
//! under ascending or sealed-bid rules (`corridor_domain::auction`), bidders approved with a
//! recorded deposit, bids through the single writer (`bidding`), settlement, confirmation and
//! the published results (`settle`).
//!
//! Who does what:
//! - an enterprise account lists its own achievements, applies to sessions for its enterprise,
//!   bids, and (as winner or seller) confirms a sale;
//! - the joint office (and the administrator) lists for any owner in the registry, reviews
//!   listings, opens sessions and lots, approves bidders with their deposits, and may settle
//!   or confirm for a party;
//! - anyone (signed in or not) sees the lots, their current price and bid history (bidders by
//!   number, not by name) and the results (the winner's name; no personal data).

use crate::{App, AppError, AppResult, ErrorCode};
use corridor_domain::auction::{self as rule, LotKind, LotState, LotStatus, Raise, Rights, Rules};
use corridor_domain::case::{Principal, Role};
use corridor_domain::text::{self, FieldError, Limit};
use corridor_industry::Cluster;
use corridor_store::{AuctionSessionRow, BidderRow, ListingRow, LotRow, Store};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;

pub(crate) mod bidding;
mod demo;
mod settle;
mod views;

pub use bidding::{BidOp, Placed};
pub use demo::{seed_demo, AuctionDemo};
pub use settle::*;
pub use views::*;

corridor_domain::codes! {
    /// Where a listing stands.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum ListingStatus {
        /// Waiting for the joint office's review.
        Submitted,
        /// May be put up in a session.
        Approved,
        Rejected,
        /// A sale of it was confirmed.
        Sold,
    }
}

corridor_domain::codes! {
    /// Where a bidder's application to a session stands.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum BidderStatus {
        /// Invited by the joint office (a firm the matcher suggested); applying accepts.
        Invited,
        Applied,
        Approved,
        Refused,
    }
}

/// The most lots in a session, listings in a list, bids in a lot's history page.
pub const MAX_LOTS: usize = 200;
pub const MAX_PATENTS: usize = 20;
pub const PAGE: i64 = 200;

/// A listing as stored (the document beside the row's columns).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ListingDoc {
    pub title_zh: String,
    pub title_en: String,
    pub description_zh: String,
    pub description_en: String,
    /// The technical field, in words.
    pub field: String,
    pub cluster: Cluster,
    /// Patent or software-copyright numbers.
    pub patents: Vec<String>,
    pub rights: Rights,
    /// The joint office's note at review.
    #[serde(default)]
    pub review_note: Option<String>,
}

/// A new listing.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewListing {
    /// The owner (USCC, in the registry). An enterprise account leaves it out: its own.
    #[serde(default)]
    pub owner_uscc: Option<String>,
    #[schema(max_length = 200)]
    pub title_zh: String,
    #[schema(max_length = 200)]
    pub title_en: String,
    #[schema(max_length = 5000)]
    pub description_zh: String,
    #[schema(max_length = 5000)]
    pub description_en: String,
    #[schema(max_length = 100)]
    pub field: String,
    pub cluster: Cluster,
    #[serde(default)]
    pub patents: Vec<String>,
    pub rights: Rights,
}

/// The joint office's review of a listing.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListingReview {
    pub approve: bool,
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// A new auction session, with its lots in order.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSession {
    #[schema(max_length = 200)]
    pub title_zh: String,
    #[schema(max_length = 200)]
    pub title_en: String,
    /// The hosting city (division code).
    pub city: String,
    /// Where it is held; left out when online only.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub place: Option<String>,
    pub online: bool,
    /// RFC 3339.
    pub starts_at: String,
    #[serde(default)]
    pub lots: Vec<NewLot>,
}

/// A lot: an approved listing under rules.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLot {
    pub listing_id: String,
    pub kind: LotKind,
    /// Whole yuan.
    pub start: i64,
    /// Ascending: the minimum raise (sealed: ignored).
    #[serde(default = "default_raise")]
    pub raise: Raise,
    /// Ascending: a bid in the last this-many seconds extends the close by as much.
    #[serde(default)]
    pub extend_s: i64,
    /// Ascending: the most the close may move.
    #[serde(default)]
    pub extend_cap_s: i64,
    /// RFC 3339.
    pub opens_at: String,
    /// RFC 3339: the scheduled close (ascending) or the deadline for sealed bids.
    pub closes_at: String,
    /// RFC 3339: sealed only, the deadline for reveals.
    #[serde(default)]
    pub reveal_until: Option<String>,
    #[serde(default)]
    pub deposit: i64,
    /// Hours the winner and the seller have to confirm (default 120).
    #[serde(default = "default_confirm_hours")]
    pub confirm_hours: i64,
    /// The reserve, fixed now and revealed at close (whole yuan; 0: none).
    #[serde(default)]
    pub reserve: i64,
}

fn default_raise() -> Raise {
    Raise::Amount { yuan: 1 }
}
fn default_confirm_hours() -> i64 {
    120
}

/// The session document.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SessionDoc {
    pub title_zh: String,
    pub title_en: String,
    pub city: String,
    pub place: Option<String>,
    pub online: bool,
}

/// An enterprise asks to bid in a session.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BidderDecision {
    pub approve: bool,
    /// The deposit recorded (bookkeeping; whole yuan).
    #[serde(default)]
    pub deposit: i64,
}

pub(crate) fn field_error(f: &str, en: &str, zh: &str) -> AppError {
    AppError::fields(vec![FieldError::new(f, en, zh)])
}

/// An RFC 3339 time as epoch milliseconds, or a field error.
pub(crate) fn parse_time(f: &str, s: &str) -> AppResult<i64> {
    OffsetDateTime::parse(s.trim(), &Rfc3339)
        .ok()
        .filter(|t| (2000..=2100).contains(&t.year()))
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
        .ok_or_else(|| {
            field_error(
                f,
                "a time in RFC 3339 (2027-03-01T10:00:00+08:00)",
                "时间格式应为 RFC 3339（如 2027-03-01T10:00:00+08:00）",
            )
        })
}

fn office(p: &Principal) -> bool {
    matches!(p.role, Role::JointOffice | Role::Admin)
}

pub(crate) fn office_only(p: &Principal) -> AppResult<()> {
    if office(p) {
        Ok(())
    } else {
        Err(AppError::forbidden("only the joint office runs auctions").with_zh("拍卖由联席办组织"))
    }
}

pub(crate) fn not_found(what: &str, id: &str) -> AppError {
    AppError::not_found(format!("{what} {id}")).with_zh(format!("未找到 {id}"))
}

fn clean(errs: &mut Vec<FieldError>, f: &str, s: &str, limit: Limit) -> String {
    match text::field(f, s, limit) {
        Ok(v) => v.unwrap_or_default(),
        Err(e) => {
            errs.push(e);
            String::new()
        }
    }
}

impl App {
    /// The enterprise an account acts for: required of an applicant in auctions.
    pub(crate) async fn acting_enterprise(&self, p: &Principal) -> AppResult<Option<String>> {
        match p.role {
            Role::Applicant => match self.my_enterprise(p).await? {
                Some(u) => Ok(Some(u)),
                None => Err(
                    AppError::forbidden("this account does not act for an enterprise")
                        .with_zh("此账号不代表任何企业"),
                ),
            },
            _ if office(p) => Ok(None),
            _ => Err(
                AppError::forbidden("auctions are for enterprises and the joint office")
                    .with_zh("拍卖仅面向企业和联席办"),
            ),
        }
    }

    /// Lists an achievement; it waits for the joint office's review.
    pub async fn create_listing(&self, p: &Principal, n: &NewListing) -> AppResult<ListingView> {
        let own = self.acting_enterprise(p).await?;
        let owner = match (&own, &n.owner_uscc) {
            (Some(u), None) => u.clone(),
            (Some(u), Some(o)) if o.trim() == u => u.clone(),
            (Some(_), Some(_)) => {
                return Err(
                    AppError::forbidden("an enterprise lists only its own achievements")
                        .with_zh("企业只能挂牌本企业的成果"),
                )
            }
            (None, Some(o)) => o.trim().to_string(),
            (None, None) => {
                return Err(field_error("owner_uscc", "name the owner", "请填写权利人"))
            }
        };
        let mut errs = Vec::new();
        if self.store.enterprise(&owner).await?.is_none() {
            errs.push(FieldError::new(
                "owner_uscc",
                "no enterprise, university or institute with this code is in the registry",
                "企业库中没有此代码的企业、高校或院所",
            ));
        }
        let doc = ListingDoc {
            title_zh: clean(&mut errs, "title_zh", &n.title_zh, Limit::line(200)),
            title_en: clean(&mut errs, "title_en", &n.title_en, Limit::line(200)),
            description_zh: clean(
                &mut errs,
                "description_zh",
                &n.description_zh,
                Limit::paragraph(5000),
            ),
            description_en: clean(
                &mut errs,
                "description_en",
                &n.description_en,
                Limit::paragraph(5000),
            ),
            field: clean(&mut errs, "field", &n.field, Limit::line(100)),
            cluster: n.cluster,
            patents: {
                if n.patents.len() > MAX_PATENTS {
                    errs.push(FieldError::new(
                        "patents",
                        "at most 20 numbers",
                        "最多 20 个号码",
                    ));
                }
                n.patents
                    .iter()
                    .take(MAX_PATENTS)
                    .map(|x| clean(&mut errs, "patents", x, Limit::line(40)))
                    .filter(|x| !x.is_empty())
                    .collect()
            },
            rights: n.rights,
            review_note: None,
        };
        if !errs.is_empty() {
            return Err(AppError::fields(errs));
        }
        let now = self.now_ms();
        let row = ListingRow {
            id: Uuid::now_v7().to_string(),
            owner_uscc: owner,
            status: ListingStatus::Submitted.as_str().into(),
            doc: serde_json::to_string(&doc).map_err(AppError::internal)?,
            created_by: p.username.clone(),
            created_ms: now,
            updated_ms: now,
        };
        let r = row.clone();
        let actor = p.username.clone();
        self.write(Box::new(move |tx| {
            let r = r.clone();
            let actor = actor.clone();
            Box::pin(async move {
                Store::insert_listing(tx, &r).await?;
                listing_event(tx, &r, &actor, "listed").await
            })
        }))
        .await?;
        if let Ok(mut g) = self.listing_index.lock() {
            *g = None;
        }
        self.listing_view(&row).await
    }

    /// Listings matching `q` (Chinese or English; titles, field, descriptions, patent
    /// numbers), of one cluster when given, best first: those the caller may see.
    pub async fn search_listings(
        &self,
        p: Option<&Principal>,
        q: &str,
        cluster: Option<Cluster>,
    ) -> AppResult<Vec<ListingView>> {
        use corridor_industry::search::listings::{ListingIndex, ListingText};
        if q.chars().count() > 200 {
            return Err(field_error(
                "q",
                "at most 200 characters",
                "最多 200 个字符",
            ));
        }
        let held = self.listing_index.lock().ok().and_then(|g| g.clone());
        let ix = match held {
            Some(ix) => ix,
            None => {
                let rows = self.store.listings(None, None, 100_000).await?;
                let mut texts = Vec::with_capacity(rows.len());
                for r in &rows {
                    let d: ListingDoc = serde_json::from_str(&r.doc).map_err(AppError::internal)?;
                    texts.push(ListingText {
                        id: r.id.clone(),
                        title_zh: d.title_zh,
                        title_en: d.title_en,
                        description_zh: d.description_zh,
                        description_en: d.description_en,
                        field: d.field,
                        cluster: d.cluster.as_str().into(),
                        patents: d.patents,
                    });
                }
                let ix = Arc::new(ListingIndex::build(&texts).map_err(AppError::internal)?);
                if let Ok(mut g) = self.listing_index.lock() {
                    *g = Some(ix.clone());
                }
                ix
            }
        };
        let mut out = Vec::new();
        for id in ix.search(q.trim(), cluster.map(|c| c.as_str()), PAGE as usize) {
            if let Some(row) = self.store.listing(&id).await? {
                if self.may_see_listing(p, &row).await? {
                    out.push(self.listing_view(&row).await?);
                }
            }
        }
        Ok(out)
    }

    pub(crate) async fn listing_row(&self, id: &str) -> AppResult<ListingRow> {
        self.store
            .listing(id)
            .await?
            .ok_or_else(|| not_found("listing", id))
    }

    /// A listing: public once approved; before, to its owner and the office.
    pub async fn listing(&self, p: Option<&Principal>, id: &str) -> AppResult<ListingView> {
        let row = self.listing_row(id).await?;
        if !self.may_see_listing(p, &row).await? {
            return Err(not_found("listing", id));
        }
        self.listing_view(&row).await
    }

    async fn may_see_listing(&self, p: Option<&Principal>, row: &ListingRow) -> AppResult<bool> {
        if matches!(row.status.as_str(), "approved" | "sold") {
            return Ok(true);
        }
        Ok(match p {
            Some(p) if office(p) => true,
            Some(p) if p.role == Role::Applicant => {
                self.my_enterprise(p).await?.as_deref() == Some(row.owner_uscc.as_str())
            }
            _ => false,
        })
    }

    /// Listings: the office sees all (of a status); an enterprise its own; others the approved.
    pub async fn listings(
        &self,
        p: Option<&Principal>,
        status: Option<ListingStatus>,
    ) -> AppResult<Vec<ListingView>> {
        let mine = match p {
            Some(p) if p.role == Role::Applicant => self.my_enterprise(p).await?,
            _ => None,
        };
        let rows = match (p, &mine) {
            (Some(p), _) if office(p) => {
                self.store
                    .listings(status.map(|s| s.as_str()), None, PAGE)
                    .await?
            }
            (_, Some(u)) if status.is_none() => self.store.listings(None, Some(u), PAGE).await?,
            _ => {
                let s = match status {
                    Some(ListingStatus::Sold) => "sold",
                    _ => "approved",
                };
                self.store.listings(Some(s), None, PAGE).await?
            }
        };
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.listing_view(r).await?);
        }
        Ok(out)
    }

    /// The joint office approves or rejects a submitted listing.
    pub async fn review_listing(
        &self,
        p: &Principal,
        id: &str,
        r: &ListingReview,
    ) -> AppResult<ListingView> {
        office_only(p)?;
        let mut row = self.listing_row(id).await?;
        if row.status != ListingStatus::Submitted.as_str() {
            return Err(AppError::new(
                ErrorCode::InvalidTransition,
                "only a submitted listing is reviewed",
            )
            .with_zh("只能审核待审核的挂牌"));
        }
        let mut errs = Vec::new();
        let note = clean(
            &mut errs,
            "note",
            r.note.as_deref().unwrap_or(""),
            Limit::paragraph(1000).optional(),
        );
        if !r.approve && note.is_empty() {
            errs.push(FieldError::new(
                "note",
                "say why it is rejected",
                "请说明不予通过的理由",
            ));
        }
        if !errs.is_empty() {
            return Err(AppError::fields(errs));
        }
        let mut doc: ListingDoc = serde_json::from_str(&row.doc).map_err(AppError::internal)?;
        doc.review_note = (!note.is_empty()).then_some(note);
        row.doc = serde_json::to_string(&doc).map_err(AppError::internal)?;
        row.status = if r.approve {
            ListingStatus::Approved
        } else {
            ListingStatus::Rejected
        }
        .as_str()
        .into();
        row.updated_ms = self.now_ms();
        let w = row.clone();
        let actor = p.username.clone();
        self.write(Box::new(move |tx| {
            let w = w.clone();
            let actor = actor.clone();
            Box::pin(async move {
                if !Store::put_listing(tx, &w).await? {
                    return Err(not_found("listing", &w.id));
                }
                let action = if w.status == "approved" {
                    "approved"
                } else {
                    "rejected"
                };
                listing_event(tx, &w, &actor, action).await
            })
        }))
        .await?;
        self.listing_view(&row).await
    }

    /// Firms likely to buy a listing (the joint office, to invite them): the registry ranked
    /// by the matcher for the listing's texts and cluster, its owner left out.
    pub async fn suggest_buyers(
        &self,
        p: &Principal,
        id: &str,
        limit: usize,
    ) -> AppResult<Vec<crate::industry::CandidateView>> {
        office_only(p)?;
        let row = self.listing_row(id).await?;
        let doc: ListingDoc = serde_json::from_str(&row.doc).map_err(AppError::internal)?;
        let spec = corridor_industry::matching::NeedSpec {
            kind: corridor_industry::matching::NeedKind::PartnerReserve,
            title_zh: doc.title_zh,
            title_en: doc.title_en,
            description_zh: format!("{} {}", doc.field, doc.description_zh),
            description_en: doc.description_en,
            certifications: Vec::new(),
            clusters: vec![doc.cluster],
            industries: Vec::new(),
            cities: Vec::new(),
        };
        let ranked = self
            .rank_spec(&spec, limit.clamp(1, 100), &row.owner_uscc)
            .await?;
        Ok(crate::industry::needs::candidate_views(
            ranked,
            &Default::default(),
        ))
    }

    /// Opens a session with its lots (the joint office).
    pub async fn create_session(&self, p: &Principal, n: &NewSession) -> AppResult<SessionView> {
        office_only(p)?;
        let mut errs = Vec::new();
        let doc = SessionDoc {
            title_zh: clean(&mut errs, "title_zh", &n.title_zh, Limit::line(200)),
            title_en: clean(&mut errs, "title_en", &n.title_en, Limit::line(200)),
            city: n.city.trim().to_string(),
            place: Some(clean(
                &mut errs,
                "place",
                n.place.as_deref().unwrap_or(""),
                Limit::line(200).optional(),
            ))
            .filter(|s| !s.is_empty()),
            online: n.online,
        };
        if !self.members().contains(&doc.city) {
            errs.push(FieldError::new(
                "city",
                "not a member city of the corridor",
                "不是长三角G60科创走廊成员城市",
            ));
        }
        if !doc.online && doc.place.is_none() {
            errs.push(FieldError::new(
                "place",
                "a session not online needs a place",
                "线下场次须填写地点",
            ));
        }
        if n.lots.len() > MAX_LOTS {
            errs.push(FieldError::new(
                "lots",
                "at most 200 lots in a session",
                "每场最多 200 个拍品",
            ));
        }
        let starts_ms = match parse_time("starts_at", &n.starts_at) {
            Ok(t) => t,
            Err(e) => {
                errs.extend(e.fields);
                0
            }
        };
        if !errs.is_empty() {
            return Err(AppError::fields(errs));
        }
        let session = AuctionSessionRow {
            id: Uuid::now_v7().to_string(),
            doc: serde_json::to_string(&doc).map_err(AppError::internal)?,
            starts_ms,
            created_by: p.username.clone(),
            created_ms: self.now_ms(),
        };
        let mut lots = Vec::with_capacity(n.lots.len());
        for (i, l) in n.lots.iter().enumerate() {
            lots.push(
                self.new_lot(&session.id, i as i64 + 1, l)
                    .await
                    .map_err(|mut e| {
                        for f in &mut e.fields {
                            f.field = format!("lots[{i}].{}", f.field);
                        }
                        e
                    })?,
            );
        }
        let (s, ls) = (session.clone(), lots.clone());
        let actor = p.username.clone();
        self.write(Box::new(move |tx| {
            let (s, ls, actor) = (s.clone(), ls.clone(), actor.clone());
            Box::pin(async move {
                Store::insert_auction_session(tx, &s).await?;
                add_lots(tx, &ls, &actor).await
            })
        }))
        .await?;
        self.session(&session.id).await
    }

    /// Adds a lot to a session that has not started.
    pub async fn add_lot(&self, p: &Principal, session: &str, l: &NewLot) -> AppResult<LotView> {
        office_only(p)?;
        let s = self
            .store
            .auction_session(session)
            .await?
            .ok_or_else(|| not_found("session", session))?;
        let have = self.store.lots_of_session(&s.id).await?;
        if have.len() >= MAX_LOTS {
            return Err(field_error(
                "lots",
                "at most 200 lots in a session",
                "每场最多 200 个拍品",
            ));
        }
        let ord = have.iter().map(|l| l.ord).max().unwrap_or(0) + 1;
        let lot = self.new_lot(&s.id, ord, l).await?;
        let (w, actor) = (lot.clone(), p.username.clone());
        self.write(Box::new(move |tx| {
            let (w, actor) = (w.clone(), actor.clone());
            Box::pin(async move { add_lots(tx, std::slice::from_ref(&w), &actor).await })
        }))
        .await?;
        self.lot(Some(p), &lot.id).await
    }

    async fn new_lot(&self, session: &str, ord: i64, l: &NewLot) -> AppResult<LotRow> {
        let listing = self
            .listing_row(&l.listing_id)
            .await
            .map_err(|_| field_error("listing_id", "no such listing", "没有此挂牌"))?;
        if listing.status != ListingStatus::Approved.as_str() {
            return Err(field_error(
                "listing_id",
                "only a listing the joint office approved is put up",
                "只有联席办审核通过的挂牌才能上拍",
            ));
        }
        if self
            .store
            .lots_of_listing(&listing.id)
            .await?
            .iter()
            .any(|x| matches!(x.status.as_str(), "pending" | "sold"))
        {
            return Err(field_error(
                "listing_id",
                "the listing is already in a lot that is open or waiting for confirmation",
                "该挂牌已在进行中或待确认的拍品中",
            ));
        }
        let id = Uuid::now_v7().to_string();
        let opens_ms = parse_time("opens_at", &l.opens_at)?;
        let closes_ms = parse_time("closes_at", &l.closes_at)?;
        let reveal_until_ms = match (l.kind, &l.reveal_until) {
            (LotKind::Sealed, Some(r)) => parse_time("reveal_until", r)?,
            (LotKind::Sealed, None) => {
                return Err(field_error(
                    "reveal_until",
                    "a sealed-bid lot needs a reveal deadline",
                    "密封竞价须设揭标截止时间",
                ))
            }
            (LotKind::Ascending, _) => closes_ms,
        };
        if closes_ms <= self.now_ms() {
            return Err(field_error(
                "closes_at",
                "the close is already past",
                "截止时间已过",
            ));
        }
        if !(0..=rule::MAX_AMOUNT).contains(&l.reserve) {
            return Err(field_error(
                "reserve",
                "the reserve must be 0 to 100,000,000,000 yuan",
                "保留价须在 0 至 1000 亿元之间",
            ));
        }
        let nonce = Uuid::new_v4().simple().to_string();
        let rules = Rules {
            kind: l.kind,
            start: l.start,
            raise: l.raise,
            extend_s: if l.kind == LotKind::Ascending {
                l.extend_s
            } else {
                0
            },
            extend_cap_s: if l.kind == LotKind::Ascending {
                l.extend_cap_s
            } else {
                0
            },
            opens_ms,
            closes_ms,
            reveal_until_ms,
            deposit: l.deposit,
            confirm_s: l.confirm_hours.saturating_mul(3600),
            reserve_hash: rule::reserve_hash(&id, l.reserve, &nonce),
        };
        rules.check().map_err(|mut errs| {
            for e in &mut errs {
                if e.field == "confirm_s" {
                    e.field = "confirm_hours".into();
                }
            }
            AppError::fields(errs)
        })?;
        let state = LotState::new(&rules);
        Ok(LotRow {
            id,
            session_id: session.to_string(),
            ord,
            listing_id: listing.id,
            seller_uscc: listing.owner_uscc,
            status: LotStatus::Pending.as_str().into(),
            rules: serde_json::to_string(&rules).map_err(AppError::internal)?,
            state: serde_json::to_string(&state).map_err(AppError::internal)?,
            close_ms: state.close_ms,
            reserve_secret: format!("{}:{nonce}", l.reserve),
            settlement: None,
            confirm_by_ms: None,
            buyer_confirmed_ms: None,
            seller_confirmed_ms: None,
            contract_case: None,
            updated_ms: self.now_ms(),
        })
    }

    /// An enterprise applies to bid in a session.
    pub async fn apply_to_bid(&self, p: &Principal, session: &str) -> AppResult<BidderView> {
        let Some(uscc) = self.acting_enterprise(p).await? else {
            return Err(
                AppError::forbidden("only an enterprise account applies to bid")
                    .with_zh("只有企业账号可以报名竞买"),
            );
        };
        let s = self
            .store
            .auction_session(session)
            .await?
            .ok_or_else(|| not_found("session", session))?;
        let row = BidderRow {
            session_id: s.id.clone(),
            uscc,
            user_id: p.user_id.to_string(),
            status: BidderStatus::Applied.as_str().into(),
            deposit: 0,
            applied_ms: self.now_ms(),
            decided_by: None,
            decided_ms: None,
        };
        let w = row.clone();
        self.write(Box::new(move |tx| {
            let w = w.clone();
            Box::pin(async move {
                match Store::bidder_in(tx, &w.session_id, &w.uscc).await? {
                    // An invitation: applying accepts it.
                    Some(b) if b.status == BidderStatus::Invited.as_str() => {
                        Store::put_bidder(tx, &w).await?;
                    }
                    Some(_) => {
                        return Err(AppError::new(
                            ErrorCode::Conflict,
                            "this enterprise has already applied",
                        )
                        .with_zh("该企业已报名"))
                    }
                    None => Store::insert_bidder(tx, &w).await?,
                }
                Ok(())
            })
        }))
        .await?;
        self.bidder_view(&row).await
    }

    /// The joint office invites firms (by USCC, in the registry; at most 100 at a time) to bid
    /// in a session; each sees the invitation and applies to accept it. Firms already invited
    /// or applied are left as they are. Returns the session's invited firms.
    pub async fn invite_bidders(
        &self,
        p: &Principal,
        session: &str,
        usccs: &[String],
    ) -> AppResult<Vec<BidderView>> {
        office_only(p)?;
        if usccs.is_empty() || usccs.len() > 100 {
            return Err(field_error(
                "usccs",
                "name 1 to 100 firms",
                "请列出 1 至 100 家企业",
            ));
        }
        let s = self
            .store
            .auction_session(session)
            .await?
            .ok_or_else(|| not_found("session", session))?;
        let mut rows = Vec::new();
        for (i, u) in usccs.iter().enumerate() {
            let u = u.trim().to_string();
            if self.store.enterprise(&u).await?.is_none() {
                return Err(field_error(
                    &format!("usccs[{i}]"),
                    "no enterprise with this code is in the registry",
                    "企业库中没有此代码的企业",
                ));
            }
            rows.push(BidderRow {
                session_id: s.id.clone(),
                uscc: u,
                user_id: String::new(),
                status: BidderStatus::Invited.as_str().into(),
                deposit: 0,
                applied_ms: self.now_ms(),
                decided_by: Some(p.username.clone()),
                decided_ms: None,
            });
        }
        let w = rows.clone();
        self.write(Box::new(move |tx| {
            let w = w.clone();
            Box::pin(async move {
                for r in &w {
                    if Store::bidder_in(tx, &r.session_id, &r.uscc)
                        .await?
                        .is_none()
                    {
                        Store::insert_bidder(tx, r).await?;
                    }
                }
                Ok(())
            })
        }))
        .await?;
        let mut out = Vec::new();
        for b in self.store.bidders_of_session(&s.id).await? {
            if b.status == BidderStatus::Invited.as_str() {
                out.push(self.bidder_view(&b).await?);
            }
        }
        Ok(out)
    }

    /// The sessions the caller's enterprise is invited to and has not yet applied to.
    pub async fn my_invitations(&self, p: &Principal) -> AppResult<Vec<SessionView>> {
        let Some(u) = self.my_enterprise(p).await? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for b in self.store.sessions_of_bidder(&u).await? {
            if b.status == BidderStatus::Invited.as_str() {
                out.push(self.session(&b.session_id).await?);
            }
        }
        Ok(out)
    }

    /// The joint office approves a bidder with the deposit it recorded, or refuses them.
    pub async fn decide_bidder(
        &self,
        p: &Principal,
        session: &str,
        uscc: &str,
        d: &BidderDecision,
    ) -> AppResult<BidderView> {
        office_only(p)?;
        if !(0..=rule::MAX_AMOUNT).contains(&d.deposit) {
            return Err(field_error(
                "deposit",
                "the deposit must be 0 to 100,000,000,000 yuan",
                "保证金须在 0 至 1000 亿元之间",
            ));
        }
        let (s, u, actor, now) = (
            session.to_string(),
            uscc.to_string(),
            p.username.clone(),
            self.now_ms(),
        );
        let d = d.clone();
        let out = std::sync::Arc::new(std::sync::Mutex::new(None));
        let o = out.clone();
        self.write(Box::new(move |tx| {
            let (s, u, actor, d, o) = (s.clone(), u.clone(), actor.clone(), d.clone(), o.clone());
            Box::pin(async move {
                let mut b = Store::bidder_in(tx, &s, &u)
                    .await?
                    .ok_or_else(|| not_found("bidder", &u))?;
                if b.status == BidderStatus::Invited.as_str() {
                    return Err(AppError::new(
                        ErrorCode::InvalidTransition,
                        "the firm is invited but has not applied yet",
                    )
                    .with_zh("该企业已受邀请，但尚未报名"));
                }
                b.status = if d.approve {
                    BidderStatus::Approved
                } else {
                    BidderStatus::Refused
                }
                .as_str()
                .into();
                b.deposit = if d.approve { d.deposit } else { 0 };
                b.decided_by = Some(actor);
                b.decided_ms = Some(now);
                Store::put_bidder(tx, &b).await?;
                if let Ok(mut g) = o.lock() {
                    *g = Some(b);
                }
                Ok(())
            })
        }))
        .await?;
        let b = out.lock().ok().and_then(|mut g| g.take());
        let b = b.ok_or_else(|| not_found("bidder", uscc))?;
        self.bidder_view(&b).await
    }
}

/// The lots' first audit events (their rules, with the reserve's hash, not the reserve).
async fn add_lots(tx: &mut corridor_store::WriteTx, lots: &[LotRow], actor: &str) -> AppResult<()> {
    Store::insert_lots(tx, lots).await?;
    let events: Vec<crate::writer::NewEvent> = lots
        .iter()
        .map(|l| crate::writer::NewEvent {
            stream: format!("lot:{}", l.id),
            at_ms: l.updated_ms,
            actor: actor.to_string(),
            role: "joint_office",
            action: "opened".into(),
            before: "{}".into(),
            after: serde_json::json!({
                "session": l.session_id, "listing": l.listing_id, "seller": l.seller_uscc,
                "rules": serde_json::from_str::<serde_json::Value>(&l.rules).unwrap_or_default(),
            })
            .to_string(),
        })
        .collect();
    crate::writer::append_events(tx, &events).await
}

async fn listing_event(
    tx: &mut corridor_store::WriteTx,
    r: &ListingRow,
    actor: &str,
    action: &str,
) -> AppResult<()> {
    crate::writer::append_events(
        tx,
        &[crate::writer::NewEvent {
            stream: format!("listing:{}", r.id),
            at_ms: r.updated_ms,
            actor: actor.to_string(),
            role: "",
            action: action.to_string(),
            before: "{}".into(),
            after: serde_json::json!({"status": r.status, "owner": r.owner_uscc}).to_string(),
        }],
    )
    .await
}
