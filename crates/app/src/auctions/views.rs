//! What the faces show of auctions: listings, sessions, lots with their current price and bid
//! history, bidders. Bidders appear in a lot's history by number; names only in the results.

use super::*;
use corridor_domain::auction::{Phase, Settlement};
use corridor_store::BidRow;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ListingView {
    pub id: String,
    pub owner_uscc: String,
    pub owner_name_zh: String,
    pub owner_name_en: String,
    pub status: ListingStatus,
    #[serde(flatten)]
    pub doc: ListingDoc,
    /// Its documents, in the order they were added.
    pub files: Vec<DocumentView>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    pub id: String,
    #[serde(flatten)]
    pub doc: SessionDoc,
    pub starts_ms: i64,
    pub lots: Vec<LotView>,
}

/// One bid (or sealed commitment) in a lot's history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BidView {
    pub seq: i64,
    /// The bidder's number in this lot (1 for the first to bid, …).
    pub bidder_no: i64,
    /// Whether the caller's enterprise made it.
    pub mine: bool,
    /// Sealed: none until revealed.
    pub amount: Option<i64>,
    pub at_ms: i64,
    pub revealed: bool,
}

/// A lot as anyone sees it; the caller's own standing when they are a bidder.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LotView {
    pub id: String,
    pub session_id: String,
    pub ord: i64,
    pub listing_id: String,
    pub title_zh: String,
    pub title_en: String,
    pub seller_name_zh: String,
    pub seller_name_en: String,
    pub cluster: Cluster,
    pub status: LotStatus,
    pub phase: Phase,
    /// The rules (the reserve only as its hash until settled).
    pub rules: Rules,
    /// Ascending: the standing bid.
    pub current: Option<i64>,
    /// Ascending: the lowest next bid while bidding.
    pub min_next: Option<i64>,
    pub bids: i64,
    pub extensions: i64,
    pub close_ms: i64,
    /// The server's time when this was read (for countdowns).
    pub now_ms: i64,
    /// The latest bids, newest first.
    pub history: Vec<BidView>,
    pub result: Option<LotResult>,
    pub confirm_by_ms: Option<i64>,
    pub buyer_confirmed: bool,
    pub seller_confirmed: bool,
    /// The caller's enterprise: approved to bid in this session, its deposit, whether it holds
    /// the standing bid, whether it has sealed a bid.
    pub me: Option<MyStanding>,
    /// For the buyer and the joint office: the technology-contract registration case the
    /// confirmed sale opened.
    pub contract_case: Option<ContractCase>,
    /// The listing's documents.
    pub documents: Vec<DocumentView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyStanding {
    pub uscc: String,
    pub approved: bool,
    pub deposit: i64,
    pub highest: bool,
    pub sealed: bool,
    pub revealed: bool,
    pub winner: bool,
    pub seller: bool,
}

/// A lot's public result.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LotResult {
    pub sold: bool,
    pub price: Option<i64>,
    pub winner_name_zh: Option<String>,
    pub winner_name_en: Option<String>,
    pub not_sold: Option<rule::NotSold>,
    pub reserve: i64,
    pub settled_ms: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BidderView {
    pub session_id: String,
    pub uscc: String,
    pub name_zh: String,
    pub name_en: String,
    pub status: BidderStatus,
    pub deposit: i64,
    pub applied_ms: i64,
}

/// A row of the published results.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResultRow {
    pub lot_id: String,
    pub session_title_zh: String,
    pub session_title_en: String,
    pub city: String,
    pub title_zh: String,
    pub title_en: String,
    pub cluster: Cluster,
    pub status: LotStatus,
    #[serde(flatten)]
    pub result: LotResult,
}

/// Bidders by number in order of their first bid.
fn numbers(bids: &[BidRow]) -> HashMap<String, i64> {
    let mut out = HashMap::new();
    for b in bids {
        let n = out.len() as i64 + 1;
        out.entry(b.bidder.clone()).or_insert(n);
    }
    out
}

use std::collections::HashMap;

impl App {
    pub(crate) async fn names(&self, uscc: &str) -> AppResult<(String, String)> {
        Ok(self
            .store
            .enterprise(uscc)
            .await?
            .map(|e| (e.name_zh, e.name_en))
            .unwrap_or_else(|| (uscc.to_string(), uscc.to_string())))
    }

    pub(crate) async fn listing_view(&self, r: &ListingRow) -> AppResult<ListingView> {
        let (zh, en) = self.names(&r.owner_uscc).await?;
        Ok(ListingView {
            id: r.id.clone(),
            owner_uscc: r.owner_uscc.clone(),
            owner_name_zh: zh,
            owner_name_en: en,
            status: ListingStatus::parse(&r.status).unwrap_or(ListingStatus::Submitted),
            doc: serde_json::from_str(&r.doc).map_err(AppError::internal)?,
            files: self.documents_of(&super::files::holder(&r.id)).await?,
            created_ms: r.created_ms,
            updated_ms: r.updated_ms,
        })
    }

    pub(crate) async fn bidder_view(&self, b: &BidderRow) -> AppResult<BidderView> {
        let (zh, en) = self.names(&b.uscc).await?;
        Ok(BidderView {
            session_id: b.session_id.clone(),
            uscc: b.uscc.clone(),
            name_zh: zh,
            name_en: en,
            status: BidderStatus::parse(&b.status).unwrap_or(BidderStatus::Applied),
            deposit: b.deposit,
            applied_ms: b.applied_ms,
        })
    }

    /// A session with its lots (public).
    pub async fn session(&self, id: &str) -> AppResult<SessionView> {
        let s = self
            .store
            .auction_session(id)
            .await?
            .ok_or_else(|| not_found("session", id))?;
        let mut lots = Vec::new();
        for l in self.store.lots_of_session(id).await? {
            lots.push(self.lot_view(None, &l, 0).await?);
        }
        Ok(SessionView {
            id: s.id,
            doc: serde_json::from_str(&s.doc).map_err(AppError::internal)?,
            starts_ms: s.starts_ms,
            lots,
        })
    }

    /// Sessions, the latest start first (public).
    pub async fn sessions(&self) -> AppResult<Vec<SessionView>> {
        let mut out = Vec::new();
        for s in self.store.auction_sessions(50).await? {
            out.push(self.session(&s.id).await?);
        }
        Ok(out)
    }

    /// The bidders of a session (the joint office).
    pub async fn bidders(&self, p: &Principal, session: &str) -> AppResult<Vec<BidderView>> {
        office_only(p)?;
        let mut out = Vec::new();
        for b in self.store.bidders_of_session(session).await? {
            out.push(self.bidder_view(&b).await?);
        }
        Ok(out)
    }

    /// A lot with its latest 50 bids (public; the caller's own standing when a bidder).
    pub async fn lot(&self, p: Option<&Principal>, id: &str) -> AppResult<LotView> {
        let row = self
            .store
            .lot(id)
            .await?
            .ok_or_else(|| not_found("lot", id))?;
        let me = match p {
            Some(p) if p.role == Role::Applicant => self.my_enterprise(p).await?,
            _ => None,
        };
        let mut v = self.lot_view(me.as_deref(), &row, 50).await?;
        if p.is_some_and(office) {
            v.contract_case = self.contract_case(&row).await?;
        }
        if let (Some(u), Some(_)) = (&me, p) {
            let bids = self.store.bids_of(&row.id).await?;
            let b = self
                .store
                .bidders_of_session(&row.session_id)
                .await?
                .into_iter()
                .find(|b| &b.uscc == u);
            let mine: Vec<&BidRow> = bids.iter().filter(|x| &x.bidder == u).collect();
            let result: Option<Settlement> = row
                .settlement
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok());
            let winner = result
                .as_ref()
                .and_then(|s| s.winner.as_ref())
                .is_some_and(|w| &w.bidder == u);
            v.me = Some(MyStanding {
                uscc: u.clone(),
                approved: b.as_ref().is_some_and(|b| b.status == "approved"),
                deposit: b.as_ref().map_or(0, |b| b.deposit),
                highest: bids.last().is_some_and(|x| &x.bidder == u)
                    && v.rules.kind == LotKind::Ascending,
                sealed: v.rules.kind == LotKind::Sealed && !mine.is_empty(),
                revealed: mine.iter().any(|x| x.revealed_ms.is_some()),
                winner,
                seller: &row.seller_uscc == u,
            });
            if winner {
                v.contract_case = self.contract_case(&row).await?;
            }
        }
        Ok(v)
    }

    pub(crate) async fn lot_view(
        &self,
        me: Option<&str>,
        row: &LotRow,
        history: i64,
    ) -> AppResult<LotView> {
        let rules: Rules = serde_json::from_str(&row.rules).map_err(AppError::internal)?;
        let state: LotState = serde_json::from_str(&row.state).map_err(AppError::internal)?;
        let listing = self.listing_row(&row.listing_id).await?;
        let doc: ListingDoc = serde_json::from_str(&listing.doc).map_err(AppError::internal)?;
        let (szh, sen) = self.names(&row.seller_uscc).await?;
        let now = self.now_ms();
        let phase = rules.phase(&state, now);
        let status = LotStatus::parse(&row.status).unwrap_or(LotStatus::Pending);
        let mut hist = Vec::new();
        if history > 0 {
            let all = self.store.bids_of(&row.id).await?;
            let no = numbers(&all);
            for b in all.iter().rev().take(history as usize) {
                hist.push(BidView {
                    seq: b.seq,
                    bidder_no: no.get(&b.bidder).copied().unwrap_or(0),
                    mine: me == Some(b.bidder.as_str()),
                    amount: b.amount,
                    at_ms: b.at_ms,
                    revealed: b.revealed_ms.is_some(),
                });
            }
        }
        let result = match &row.settlement {
            Some(s) => Some(self.lot_result(row, s).await?),
            None => None,
        };
        Ok(LotView {
            id: row.id.clone(),
            session_id: row.session_id.clone(),
            ord: row.ord,
            listing_id: row.listing_id.clone(),
            title_zh: doc.title_zh,
            title_en: doc.title_en,
            seller_name_zh: szh,
            seller_name_en: sen,
            cluster: doc.cluster,
            status,
            current: state.high.as_ref().map(|h| h.amount),
            min_next: (rules.kind == LotKind::Ascending
                && status == LotStatus::Pending
                && phase != Phase::Ended)
                .then(|| rules.min_next(&state)),
            bids: state.bids,
            extensions: state.extensions,
            close_ms: state.close_ms,
            now_ms: now,
            phase,
            rules,
            history: hist,
            result,
            confirm_by_ms: row.confirm_by_ms,
            buyer_confirmed: row.buyer_confirmed_ms.is_some(),
            seller_confirmed: row.seller_confirmed_ms.is_some(),
            me: None,
            contract_case: None,
            documents: self
                .documents_of(&super::files::holder(&row.listing_id))
                .await?,
        })
    }

    pub(crate) async fn lot_result(&self, row: &LotRow, settlement: &str) -> AppResult<LotResult> {
        let s: Settlement = serde_json::from_str(settlement).map_err(AppError::internal)?;
        let names = match &s.winner {
            Some(w) => Some(self.names(&w.bidder).await?),
            None => None,
        };
        Ok(LotResult {
            sold: s.winner.is_some(),
            price: s.winner.as_ref().map(|w| w.amount),
            winner_name_zh: names.as_ref().map(|n| n.0.clone()),
            winner_name_en: names.map(|n| n.1),
            not_sold: s.not_sold,
            reserve: s.reserve,
            settled_ms: row.updated_ms,
        })
    }
}
