//! Technology achievement auctions: listings, sessions, lots, the bidders of a session and the
//! bids (ascending bids and sealed commitments). Each record is a row of one table whose
//! columns [`crate::tables`] lists; [`Record`] maps it to values and back, so reading and
//! writing share one column order with export and import.

use crate::record::{insert, record, replace, select};
use crate::tables::params;
use crate::tables::Val;
use crate::{Result, Store, WriteTx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingRow {
    pub id: String,
    pub owner_uscc: String,
    pub status: String,
    pub doc: String,
    pub created_by: String,
    pub created_ms: i64,
    pub updated_ms: i64,
}

record!(ListingRow in "listings" {
    id, owner_uscc, status, doc, created_by, created_ms, updated_ms,
});

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuctionSessionRow {
    pub id: String,
    pub doc: String,
    pub starts_ms: i64,
    pub created_by: String,
    pub created_ms: i64,
}

record!(AuctionSessionRow in "auction_sessions" { id, doc, starts_ms, created_by, created_ms });

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotRow {
    pub id: String,
    pub session_id: String,
    pub ord: i64,
    pub listing_id: String,
    pub seller_uscc: String,
    pub status: String,
    /// `corridor_domain::auction::Rules` as JSON.
    pub rules: String,
    /// `corridor_domain::auction::LotState` as JSON.
    pub state: String,
    pub close_ms: i64,
    /// The reserve and its nonce, `amount:nonce`; never shown before settlement.
    pub reserve_secret: String,
    /// `corridor_domain::auction::Settlement` as JSON, once settled.
    pub settlement: Option<String>,
    pub confirm_by_ms: Option<i64>,
    pub buyer_confirmed_ms: Option<i64>,
    pub seller_confirmed_ms: Option<i64>,
    /// The technology-contract registration case a confirmed sale opened.
    pub contract_case: Option<String>,
    pub updated_ms: i64,
    /// The winner's registration details for that case (JSON: the filing user and the form),
    /// held from the winner's confirmation until the case is filed; personal, never shown.
    pub contract_form: Option<String>,
}

record!(LotRow in "lots" {
    id, session_id, ord, listing_id, seller_uscc, status, rules, state, close_ms, reserve_secret,
    settlement, confirm_by_ms, buyer_confirmed_ms, seller_confirmed_ms, contract_case, updated_ms,
    contract_form,
});

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BidderRow {
    pub session_id: String,
    pub uscc: String,
    pub user_id: String,
    /// applied, approved or refused.
    pub status: String,
    pub deposit: i64,
    pub applied_ms: i64,
    pub decided_by: Option<String>,
    pub decided_ms: Option<i64>,
}

record!(BidderRow in "session_bidders" {
    session_id, uscc, user_id, status, deposit, applied_ms, decided_by, decided_ms,
});

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BidRow {
    pub lot_id: String,
    pub seq: i64,
    pub bidder: String,
    /// Ascending: the bid. Sealed: the amount once revealed.
    pub amount: Option<i64>,
    /// Sealed: the commitment.
    pub hash: Option<String>,
    pub at_ms: i64,
    pub revealed_ms: Option<i64>,
}

record!(BidRow in "bids" { lot_id, seq, bidder, amount, hash, at_ms, revealed_ms });

impl Store {
    pub async fn insert_listing(tx: &mut WriteTx, r: &ListingRow) -> Result<()> {
        insert(tx, std::slice::from_ref(r)).await
    }
    pub async fn put_listing(tx: &mut WriteTx, r: &ListingRow) -> Result<bool> {
        replace(tx, r, 1).await
    }
    pub async fn listing(&self, id: &str) -> Result<Option<ListingRow>> {
        let mut c = self.pool().acquire().await?;
        Ok(select(&mut c, "id = $1", &[Val::t(id)], "")
            .await?
            .into_iter()
            .next())
    }
    pub async fn listing_in(tx: &mut WriteTx, id: &str) -> Result<Option<ListingRow>> {
        Ok(select(tx.conn(), "id = $1", &[Val::t(id)], "")
            .await?
            .into_iter()
            .next())
    }
    /// Listings, newest first: of one status, one owner, or all.
    pub async fn listings(
        &self,
        status: Option<&str>,
        owner: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ListingRow>> {
        let mut c = self.pool().acquire().await?;
        let args = [
            Val::ot(status.map(str::to_string)),
            Val::ot(owner.map(str::to_string)),
            Val::i(limit),
        ];
        select(
            &mut c,
            "($1 IS NULL OR status = $1) AND ($2 IS NULL OR owner_uscc = $2)",
            &args,
            "ORDER BY created_ms DESC, id LIMIT $3",
        )
        .await
    }

    pub async fn insert_auction_session(tx: &mut WriteTx, r: &AuctionSessionRow) -> Result<()> {
        insert(tx, std::slice::from_ref(r)).await
    }
    pub async fn auction_session(&self, id: &str) -> Result<Option<AuctionSessionRow>> {
        let mut c = self.pool().acquire().await?;
        Ok(select(&mut c, "id = $1", &[Val::t(id)], "")
            .await?
            .into_iter()
            .next())
    }
    /// Sessions, latest start first.
    pub async fn auction_sessions(&self, limit: i64) -> Result<Vec<AuctionSessionRow>> {
        let mut c = self.pool().acquire().await?;
        select(
            &mut c,
            "1 = 1",
            &[Val::i(limit)],
            "ORDER BY starts_ms DESC, id LIMIT $1",
        )
        .await
    }

    pub async fn insert_lots(tx: &mut WriteTx, rows: &[LotRow]) -> Result<()> {
        insert(tx, rows).await
    }
    /// Replaces a lot's row (its state, settlement and confirmations).
    pub async fn put_lot(tx: &mut WriteTx, r: &LotRow) -> Result<bool> {
        replace(tx, r, 1).await
    }
    pub async fn lot(&self, id: &str) -> Result<Option<LotRow>> {
        let mut c = self.pool().acquire().await?;
        Ok(select(&mut c, "id = $1", &[Val::t(id)], "")
            .await?
            .into_iter()
            .next())
    }
    /// The lots with these ids, in a write transaction (the writer's batch of bids).
    pub async fn lots_in(tx: &mut WriteTx, ids: &[String]) -> Result<Vec<LotRow>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            let args: Vec<Val> = chunk.iter().map(Val::t).collect();
            let filter = format!("id IN ({})", params(1, chunk.len()));
            out.extend(select::<LotRow>(tx.conn(), &filter, &args, "").await?);
        }
        Ok(out)
    }
    pub async fn lots_of_session(&self, session: &str) -> Result<Vec<LotRow>> {
        let mut c = self.pool().acquire().await?;
        select(
            &mut c,
            "session_id = $1",
            &[Val::t(session)],
            "ORDER BY ord",
        )
        .await
    }
    /// Lots of one status, the soonest close first.
    pub async fn lots_by_status(&self, status: &str, limit: i64) -> Result<Vec<LotRow>> {
        let mut c = self.pool().acquire().await?;
        select(
            &mut c,
            "status = $1",
            &[Val::t(status), Val::i(limit)],
            "ORDER BY close_ms, id LIMIT $2",
        )
        .await
    }
    /// Lots of a listing (to see whether it is already put up).
    /// Confirmed sales whose technology-contract case is still to be filed.
    pub async fn lots_awaiting_contract(&self, limit: i64) -> Result<Vec<LotRow>> {
        let mut c = self.pool().acquire().await?;
        select(
            &mut c,
            "status = 'confirmed' AND contract_case IS NULL AND contract_form IS NOT NULL",
            &[Val::i(limit)],
            "ORDER BY updated_ms LIMIT $1",
        )
        .await
    }
    pub async fn lots_of_listing(&self, listing: &str) -> Result<Vec<LotRow>> {
        let mut c = self.pool().acquire().await?;
        select(&mut c, "listing_id = $1", &[Val::t(listing)], "ORDER BY id").await
    }
    /// Writes the state of lots after bids: status unchanged, new state and close.
    pub async fn put_lot_states(tx: &mut WriteTx, lots: &[(&str, &str, i64, i64)]) -> Result<()> {
        for (id, state, close_ms, at) in lots {
            sqlx::query("UPDATE lots SET state = $1, close_ms = $2, updated_ms = $3 WHERE id = $4")
                .bind(*state)
                .bind(*close_ms)
                .bind(*at)
                .bind(*id)
                .execute(tx.conn())
                .await?;
        }
        Ok(())
    }

    pub async fn insert_bidder(tx: &mut WriteTx, r: &BidderRow) -> Result<()> {
        insert(tx, std::slice::from_ref(r)).await
    }
    pub async fn put_bidder(tx: &mut WriteTx, r: &BidderRow) -> Result<bool> {
        replace(tx, r, 2).await
    }
    pub async fn bidder_in(
        tx: &mut WriteTx,
        session: &str,
        uscc: &str,
    ) -> Result<Option<BidderRow>> {
        Ok(select(
            tx.conn(),
            "session_id = $1 AND uscc = $2",
            &[Val::t(session), Val::t(uscc)],
            "",
        )
        .await?
        .into_iter()
        .next())
    }
    pub async fn bidders_of_session(&self, session: &str) -> Result<Vec<BidderRow>> {
        let mut c = self.pool().acquire().await?;
        select(
            &mut c,
            "session_id = $1",
            &[Val::t(session)],
            "ORDER BY applied_ms, uscc",
        )
        .await
    }
    /// The sessions an enterprise applied to.
    pub async fn sessions_of_bidder(&self, uscc: &str) -> Result<Vec<BidderRow>> {
        let mut c = self.pool().acquire().await?;
        select(&mut c, "uscc = $1", &[Val::t(uscc)], "ORDER BY applied_ms").await
    }
    /// The bidders named, by (session, USCC), in a write transaction.
    pub async fn bidders_in(tx: &mut WriteTx, who: &[(String, String)]) -> Result<Vec<BidderRow>> {
        let mut out = Vec::new();
        for chunk in who.chunks(400) {
            let mut args = Vec::with_capacity(chunk.len() * 2);
            let pairs = chunk
                .iter()
                .enumerate()
                .map(|(i, (s, u))| {
                    args.push(Val::t(s));
                    args.push(Val::t(u));
                    format!("(session_id = ${} AND uscc = ${})", 2 * i + 1, 2 * i + 2)
                })
                .collect::<Vec<_>>()
                .join(" OR ");
            out.extend(select::<BidderRow>(tx.conn(), &pairs, &args, "").await?);
        }
        Ok(out)
    }

    pub async fn insert_bids(tx: &mut WriteTx, rows: &[BidRow]) -> Result<()> {
        for chunk in rows.chunks(1_000) {
            insert(tx, chunk).await?;
        }
        Ok(())
    }
    pub async fn put_bid(tx: &mut WriteTx, r: &BidRow) -> Result<bool> {
        replace(tx, r, 2).await
    }
    /// Every bid (or commitment) of a lot, in order.
    pub async fn bids_of(&self, lot: &str) -> Result<Vec<BidRow>> {
        let mut c = self.pool().acquire().await?;
        select(&mut c, "lot_id = $1", &[Val::t(lot)], "ORDER BY seq").await
    }
    pub async fn bids_of_in(tx: &mut WriteTx, lot: &str) -> Result<Vec<BidRow>> {
        select(tx.conn(), "lot_id = $1", &[Val::t(lot)], "ORDER BY seq").await
    }
    /// The latest `limit` bids of a lot, newest first.
    pub async fn recent_bids(&self, lot: &str, limit: i64) -> Result<Vec<BidRow>> {
        let mut c = self.pool().acquire().await?;
        select(
            &mut c,
            "lot_id = $1",
            &[Val::t(lot), Val::i(limit)],
            "ORDER BY seq DESC LIMIT $2",
        )
        .await
    }
    /// One bidder's bids (or commitment) on a lot, in a write transaction.
    pub async fn bids_by_in(tx: &mut WriteTx, lot: &str, bidder: &str) -> Result<Vec<BidRow>> {
        select(
            tx.conn(),
            "lot_id = $1 AND bidder = $2",
            &[Val::t(lot), Val::t(bidder)],
            "ORDER BY seq",
        )
        .await
    }
}

impl Store {
    /// A session's bidders, in a write transaction (settlement).
    pub async fn bidders_of_session_in(tx: &mut WriteTx, session: &str) -> Result<Vec<BidderRow>> {
        select(
            tx.conn(),
            "session_id = $1",
            &[Val::t(session)],
            "ORDER BY uscc",
        )
        .await
    }
}
