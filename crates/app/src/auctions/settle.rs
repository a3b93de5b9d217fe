//! After bidding: settlement (the reserve revealed and checked against its hash, the winner or
//! "not sold", each deposit's fate), confirmation by the winner and the seller, a winner's
//! default (the next-best bidder, or not sold), the published results and the figures.

use super::*;
use corridor_domain::auction::{after_default, settle, Commitment, NotSold, Settlement};
use corridor_store::WriteTx;
use std::collections::BTreeMap;

/// The technology-contract registration matter a confirmed sale opens.
pub const CONTRACT_MATTER: &str = "G60-SCI-004";

/// Which party confirms (the joint office names it; an enterprise is the one it is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Buyer,
    Seller,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Confirmation {
    /// The joint office confirming for the seller names it (`seller`); the buyer confirms
    /// itself, since its confirmation carries its contract registration.
    #[serde(default)]
    pub side: Option<Side>,
    /// The winner: what the technology-contract registration needs from it (the sale gives
    /// the rest). Required of the buyer; the case is filed once the seller has confirmed too.
    #[serde(default)]
    pub contract: Option<ContractDetails>,
}

/// Auction figures for the dashboard, overall and by city and cluster.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct AuctionFigures {
    pub lots: i64,
    pub sold: i64,
    pub not_sold: i64,
    /// Confirmed and sold lots' prices, whole yuan.
    pub value: i64,
    pub by_city: BTreeMap<String, CountValue>,
    pub by_cluster: BTreeMap<String, CountValue>,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct CountValue {
    pub lots: i64,
    pub sold: i64,
    pub value: i64,
}

pub(super) fn lot_event(
    row: &LotRow,
    actor: &str,
    action: &str,
    after: serde_json::Value,
) -> crate::writer::NewEvent {
    crate::writer::NewEvent {
        stream: format!("lot:{}", row.id),
        at_ms: row.updated_ms,
        actor: actor.to_string(),
        role: "joint_office",
        action: action.to_string(),
        before: "{}".into(),
        after: after.to_string(),
    }
}

pub(super) async fn lot_in(tx: &mut WriteTx, id: &str) -> AppResult<LotRow> {
    Store::lots_in(tx, &[id.to_string()])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| not_found("lot", id))
}

async fn set_listing(tx: &mut WriteTx, id: &str, status: ListingStatus, now: i64) -> AppResult<()> {
    if let Some(mut l) = Store::listing_in(tx, id).await? {
        l.status = status.as_str().into();
        l.updated_ms = now;
        Store::put_listing(tx, &l).await?;
    }
    Ok(())
}

/// The marker of a reserve sealed under the master key (lots created before it are in clear).
pub(crate) const SEALED: &str = "sealed:";

/// A lot's reserve and nonce (`amount:nonce`), opened with the master key.
fn reserve_secret(row: &LotRow, master: Option<[u8; 32]>) -> AppResult<String> {
    let Some(sealed) = row.reserve_secret.strip_prefix(SEALED) else {
        return Ok(row.reserve_secret.clone());
    };
    let master = master.ok_or_else(|| {
        AppError::internal("a lot's reserve is sealed and no master key is configured")
    })?;
    let raw = corridor_licence::open(&master, &row.id, sealed)
        .map_err(|e| AppError::internal(format!("a lot's reserve cannot be opened: {e}")))?;
    String::from_utf8(raw).map_err(AppError::internal)
}

/// Settles a lot in the writer's transaction (see [`App::settle_lot`]).
async fn settle_in(
    tx: &mut WriteTx,
    id: &str,
    (actor, now): (&str, i64),
    master: Option<[u8; 32]>,
) -> AppResult<LotRow> {
    let mut row = lot_in(tx, id).await?;
    if row.status != LotStatus::Pending.as_str() {
        return Err(super::bidding::refused(rule::Refusal::Settled, None));
    }
    let rules: Rules = serde_json::from_str(&row.rules).map_err(AppError::internal)?;
    let state: LotState = serde_json::from_str(&row.state).map_err(AppError::internal)?;
    let secret = reserve_secret(&row, master)?;
    let (reserve, nonce) = secret
        .split_once(':')
        .and_then(|(a, n)| Some((a.parse::<i64>().ok()?, n.to_string())))
        .ok_or_else(|| AppError::internal("a lot's reserve is unreadable"))?;
    let bids: Vec<Commitment> = Store::bids_of_in(tx, &row.id)
        .await?
        .into_iter()
        .map(|b| Commitment {
            bidder: b.bidder,
            hash: b.hash.unwrap_or_default(),
            at_ms: b.at_ms,
            seq: b.seq,
            revealed: b.amount,
        })
        .collect();
    let deposits: Vec<String> = Store::bidders_of_session_in(tx, &row.session_id)
        .await?
        .into_iter()
        .filter(|b| b.status == BidderStatus::Approved.as_str() && b.deposit > 0)
        .map(|b| b.uscc)
        .collect();
    let s = settle(
        &rules, &row.id, &state, &bids, reserve, &nonce, &deposits, now,
    )
    .map_err(|r| super::bidding::refused(r, None))?;
    row.updated_ms = now;
    if s.winner.is_some() {
        row.status = LotStatus::Sold.as_str().into();
        row.confirm_by_ms = Some(now + rules.confirm_s * 1000);
    } else {
        row.status = LotStatus::NotSold.as_str().into();
        set_listing(tx, &row.listing_id, ListingStatus::Approved, now).await?;
    }
    row.settlement = Some(serde_json::to_string(&s).map_err(AppError::internal)?);
    Store::put_lot(tx, &row).await?;
    let ev = lot_event(
        &row,
        actor,
        "settled",
        serde_json::json!({"settlement": s, "reserve_nonce": nonce, "confirm_by_ms": row.confirm_by_ms}),
    );
    crate::writer::append_events(tx, &[ev]).await?;
    Ok(row)
}

impl App {
    /// Settles a lot whose bidding (and revealing) has ended: by the joint office, or by the
    /// node itself when the time comes (`p` none).
    pub async fn settle_lot(&self, p: Option<&Principal>, id: &str) -> AppResult<LotView> {
        if let Some(p) = p {
            office_only(p)?;
        }
        let actor = p.map_or("corridor".to_string(), |p| p.username.clone());
        let (id2, now) = (id.to_string(), self.now_ms());
        // Without it a sealed reserve cannot be read: the settlement says so.
        let master = self.master().ok();
        self.write(Box::new(move |tx| {
            let (id, actor) = (id2.clone(), actor.clone());
            Box::pin(async move { settle_in(tx, &id, (&actor, now), master).await.map(|_| ()) })
        }))
        .await?;
        self.lot(p, id).await
    }

    /// The winner or the seller confirms the sale (or the joint office for one of them). When
    /// both have, the lot is confirmed and the listing sold; the buyer is offered the
    /// technology-contract registration, pre-filled.
    pub async fn confirm_sale(
        &self,
        p: &Principal,
        id: &str,
        c: &Confirmation,
    ) -> AppResult<LotView> {
        let me = self.acting_enterprise(p).await?;
        // The winner's registration is checked before anything is recorded.
        let before = self
            .store
            .lot(id)
            .await?
            .ok_or_else(|| not_found("lot", id))?;
        let winner_now = before
            .settlement
            .as_deref()
            .and_then(|s| serde_json::from_str::<Settlement>(s).ok())
            .and_then(|s| s.winner.map(|w| w.bidder));
        let registration = match (&me, &winner_now) {
            (Some(u), Some(w)) if u == w && before.status == LotStatus::Sold.as_str() => Some(
                self.contract_registration(p, &before, u, c.contract.as_ref())
                    .await?,
            ),
            (None, _) if c.side == Some(Side::Buyer) => {
                return Err(AppError::forbidden(
                    "the buyer confirms itself: its confirmation carries the technology-contract registration",
                )
                .with_zh("买受人须自行确认成交：确认时一并填写技术合同认定登记信息"))
            }
            _ => None,
        };
        let (id2, now, actor) = (id.to_string(), self.now_ms(), p.username.clone());
        let side = c.side;
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = done.clone();
        self.write(Box::new(move |tx| {
                let (id, actor, me, registration) =
                    (id2.clone(), actor.clone(), me.clone(), registration.clone());
                let flag = flag.clone();
                Box::pin(async move {
                    let mut row = lot_in(tx, &id).await?;
                    if row.status != LotStatus::Sold.as_str() {
                        return Err(AppError::new(
                            ErrorCode::InvalidTransition,
                            "only a sold lot waiting for confirmation is confirmed",
                        )
                        .with_zh("只有待确认的成交拍品可以确认"));
                    }
                    if row.confirm_by_ms.is_some_and(|d| now > d) {
                        return Err(AppError::new(
                            ErrorCode::InvalidTransition,
                            "the time to confirm has passed",
                        )
                        .with_zh("确认期限已过"));
                    }
                    let s: Settlement =
                        serde_json::from_str(row.settlement.as_deref().unwrap_or(""))
                            .map_err(AppError::internal)?;
                    let winner = s.winner.as_ref().map(|w| w.bidder.clone()).unwrap_or_default();
                    let side = match (&me, side) {
                        (Some(u), _) if *u == winner => Side::Buyer,
                        (Some(u), _) if *u == row.seller_uscc => Side::Seller,
                        (Some(_), _) => {
                            return Err(AppError::forbidden(
                                "only the winner and the seller confirm a sale",
                            )
                            .with_zh("只有买受人和卖方可以确认成交"))
                        }
                        (None, Some(Side::Seller)) => Side::Seller,
                        (None, _) => {
                            return Err(field_error(
                                "side",
                                "the joint office confirms for the seller (side: seller)",
                                "联席办可代卖方确认（side: seller）",
                            ))
                        }
                    };
                    match side {
                        Side::Buyer => {
                            // Checked before the write for this winner; a winner that changed
                            // since (a default) is refused above as not the winner.
                            let Some(reg) = registration else {
                                return Err(AppError::new(
                                    ErrorCode::InvalidTransition,
                                    "the lot changed while confirming; try again",
                                )
                                .with_zh("确认期间拍品状态已变化，请重试"));
                            };
                            row.buyer_confirmed_ms = Some(now);
                            row.contract_form = Some(reg);
                        }
                        Side::Seller => row.seller_confirmed_ms = Some(now),
                    }
                    row.updated_ms = now;
                    let both =
                        row.buyer_confirmed_ms.is_some() && row.seller_confirmed_ms.is_some();
                    if both {
                        row.status = LotStatus::Confirmed.as_str().into();
                        set_listing(tx, &row.listing_id, ListingStatus::Sold, now).await?;
                    }
                    Store::put_lot(tx, &row).await?;
                    let side = if side == Side::Buyer { "buyer" } else { "seller" };
                    let mut evs = vec![lot_event(
                        &row,
                        &actor,
                        "confirmed",
                        serde_json::json!({"side": side}),
                    )];
                    if both {
                        evs.push(lot_event(
                            &row,
                            &actor,
                            "sale_confirmed",
                            serde_json::json!({"buyer": winner, "price": s.winner.as_ref().map(|w| w.amount)}),
                        ));
                    }
                    crate::writer::append_events(tx, &evs).await?;
                    flag.store(both, std::sync::atomic::Ordering::SeqCst);
                    Ok(())
                })
            }))
            .await?;
        if done.load(std::sync::atomic::Ordering::SeqCst) {
            // Filed now; should this fail, the node files it on its next round.
            if let Err(e) = self.open_contract_case(id).await {
                tracing::warn!(lot = id, error = %e, "technology-contract case not filed yet");
            }
        }
        self.lot(Some(p), id).await
    }

    /// What the node does when the time comes: settles the lots whose bidding and revealing
    /// ended, and passes a sale whose winner did not confirm in time to the next bidder (or
    /// marks it not sold). Returns how many lots changed.
    pub async fn settle_due(&self) -> AppResult<usize> {
        let now = self.now_ms();
        let mut n = 0;
        for l in self
            .store
            .lots_by_status(LotStatus::Pending.as_str(), 500)
            .await?
        {
            let Ok(rules) = serde_json::from_str::<Rules>(&l.rules) else {
                continue;
            };
            let ended = match rules.kind {
                LotKind::Ascending => l.close_ms <= now,
                LotKind::Sealed => rules.reveal_until_ms <= now,
            };
            if ended && self.settle_lot(None, &l.id).await.is_ok() {
                n += 1;
            }
        }
        for l in self
            .store
            .lots_by_status(LotStatus::Sold.as_str(), 500)
            .await?
        {
            if l.confirm_by_ms.is_some_and(|d| d < now) && l.buyer_confirmed_ms.is_none() {
                let id = l.id.clone();
                self.write(Box::new(move |tx| {
                    let id = id.clone();
                    Box::pin(async move { default_in(tx, &id, now).await })
                }))
                .await?;
                n += 1;
            }
        }
        for l in self.store.lots_awaiting_contract(100).await? {
            match self.open_contract_case(&l.id).await {
                Ok(Some(_)) => n += 1,
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(lot = %l.id, error = %e, "technology-contract case not filed")
                }
            }
        }
        Ok(n)
    }

    /// The published results: settled lots, the latest first (public; no personal data).
    pub async fn auction_results(&self) -> AppResult<Vec<ResultRow>> {
        let mut out = Vec::new();
        let mut rows = Vec::new();
        for s in ["confirmed", "sold", "not_sold"] {
            rows.extend(self.store.lots_by_status(s, PAGE).await?);
        }
        rows.sort_by_key(|r| std::cmp::Reverse(r.updated_ms));
        for row in rows {
            let Some(settlement) = &row.settlement else {
                continue;
            };
            let session = self.store.auction_session(&row.session_id).await?;
            let sdoc: Option<SessionDoc> = session.and_then(|s| serde_json::from_str(&s.doc).ok());
            let listing = self.listing_row(&row.listing_id).await?;
            let doc: ListingDoc = serde_json::from_str(&listing.doc).map_err(AppError::internal)?;
            out.push(ResultRow {
                lot_id: row.id.clone(),
                session_title_zh: sdoc
                    .as_ref()
                    .map(|d| d.title_zh.clone())
                    .unwrap_or_default(),
                session_title_en: sdoc
                    .as_ref()
                    .map(|d| d.title_en.clone())
                    .unwrap_or_default(),
                city: sdoc.map(|d| d.city).unwrap_or_default(),
                title_zh: doc.title_zh,
                title_en: doc.title_en,
                cluster: doc.cluster,
                status: LotStatus::parse(&row.status).unwrap_or(LotStatus::Pending),
                result: self.lot_result(&row, settlement).await?,
            });
        }
        Ok(out)
    }

    /// Lots, sold, not sold and value, overall and by the session's city and the cluster.
    pub async fn auction_figures(&self) -> AppResult<AuctionFigures> {
        let mut f = AuctionFigures::default();
        let mut all = self.auction_results().await?;
        let pending = self
            .store
            .lots_by_status(LotStatus::Pending.as_str(), 10_000)
            .await?
            .len() as i64;
        f.lots = all.len() as i64 + pending;
        for r in all.drain(..) {
            let value = if r.result.sold {
                r.result.price.unwrap_or(0)
            } else {
                0
            };
            f.sold += i64::from(r.result.sold);
            f.not_sold += i64::from(!r.result.sold);
            f.value += value;
            for k in [
                f.by_city.entry(r.city.clone()).or_default(),
                f.by_cluster
                    .entry(r.cluster.as_str().to_string())
                    .or_default(),
            ] {
                k.lots += 1;
                k.sold += i64::from(r.result.sold);
                k.value += value;
            }
        }
        Ok(f)
    }
}

/// The winner did not confirm by the deadline: their deposit is forfeited; the next-best
/// bidder is the winner with a new deadline, or the lot is not sold and the listing may be
/// put up again.
async fn default_in(tx: &mut WriteTx, id: &str, now: i64) -> AppResult<()> {
    let mut row = lot_in(tx, id).await?;
    if row.status != LotStatus::Sold.as_str() || row.buyer_confirmed_ms.is_some() {
        return Ok(());
    }
    let rules: Rules = serde_json::from_str(&row.rules).map_err(AppError::internal)?;
    let s: Settlement = serde_json::from_str(row.settlement.as_deref().unwrap_or(""))
        .map_err(AppError::internal)?;
    let before = s.winner.clone();
    let d = after_default(&s);
    row.updated_ms = now;
    row.seller_confirmed_ms = None;
    if d.winner.is_some() {
        row.confirm_by_ms = Some(now + rules.confirm_s * 1000);
    } else {
        row.status = LotStatus::NotSold.as_str().into();
        row.confirm_by_ms = None;
        set_listing(tx, &row.listing_id, ListingStatus::Approved, now).await?;
    }
    row.settlement = Some(serde_json::to_string(&d).map_err(AppError::internal)?);
    Store::put_lot(tx, &row).await?;
    let ev = lot_event(
        &row,
        "corridor",
        "winner_defaulted",
        serde_json::json!({"defaulted": before, "next": d.winner, "not_sold": d.not_sold.map(NotSold::as_str)}),
    );
    crate::writer::append_events(tx, &[ev]).await
}
