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

mod bidders;
pub(crate) mod bidding;
mod contract;
mod demo;
mod files;
mod listings;
mod settle;
mod views;

pub use crate::documents::DocumentView;
pub use bidding::{BidOp, Placed};
pub use contract::{ContractCase, ContractDetails};
pub use demo::{seed_demo, AuctionDemo};
pub use files::MAX_LISTING_FILES;
pub use settle::*;
pub use views::*;

corridor_domain::codes! {
    /// Where a listing stands.
    #[derive(utoipa::ToSchema)]
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
    #[derive(utoipa::ToSchema)]
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
        // Sealed under the master key, bound to the lot: not readable in the database (or an
        // export) before settlement opens it.
        let sealed = corridor_licence::seal(
            &self.master()?,
            &id,
            format!("{}:{nonce}", l.reserve).as_bytes(),
        )
        .map_err(|e| AppError::internal(e.to_string()))?;
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
            reserve_secret: format!("{}{sealed}", settle::SEALED),
            settlement: None,
            confirm_by_ms: None,
            buyer_confirmed_ms: None,
            seller_confirmed_ms: None,
            contract_case: None,
            contract_form: None,
            updated_ms: self.now_ms(),
        })
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
