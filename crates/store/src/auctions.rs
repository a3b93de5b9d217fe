//! Technology achievement auctions: listings, sessions, lots, the bidders of a session and the
//! bids (ascending bids and sealed commitments). Each record is a row of one table whose
//! columns [`crate::tables`] lists; [`Record`] maps it to values and back, so reading and
//! writing share one column order with export and import.

use crate::industry::params;
use crate::tables::{bind, cols_list, insert_rows, int_at, read_row, table, text_at, Val};
use crate::{Result, Store, StoreError, Table, WriteTx};
use sqlx::AnyConnection;

/// A row type of one table.
pub trait Record: Sized {
    const TABLE: &'static str;
    fn vals(&self) -> Vec<Val>;
    fn from_vals(v: &[Val]) -> Option<Self>;
}

fn t_of<R: Record>() -> Result<&'static Table> {
    table(R::TABLE).ok_or_else(|| StoreError::Corrupt(format!("no table {}", R::TABLE)))
}

fn text(v: &[Val], i: usize) -> Option<String> {
    text_at(v, i)
}

/// Reads the rows of `R`'s table matching `filter` (SQL after WHERE, with `$1`… bound to
/// `args`), then `tail` (ORDER BY, LIMIT).
pub(crate) async fn select<R: Record>(
    conn: &mut AnyConnection,
    filter: &str,
    args: &[Val],
    tail: &str,
) -> Result<Vec<R>> {
    let t = t_of::<R>()?;
    let sql = format!(
        "SELECT {} FROM {} WHERE {filter} {tail}",
        cols_list(t),
        t.name
    );
    let mut q = sqlx::query(&sql);
    for a in args {
        q = bind(q, a);
    }
    let rows = q.fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            let v = read_row(t, r)?;
            R::from_vals(&v).ok_or_else(|| StoreError::Corrupt(format!("a row of {}", t.name)))
        })
        .collect()
}

pub(crate) async fn insert<R: Record>(tx: &mut WriteTx, rows: &[R]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let backend = tx.backend();
    let t = t_of::<R>()?;
    let vals: Vec<Vec<Val>> = rows.iter().map(Record::vals).collect();
    insert_rows(tx.conn(), backend, t, &vals).await
}

/// Replaces a row whole: every column but the first `keys` is set from `r`.
pub(crate) async fn replace<R: Record>(tx: &mut WriteTx, r: &R, keys: usize) -> Result<bool> {
    let t = t_of::<R>()?;
    let v = r.vals();
    let set = t.cols[keys..]
        .iter()
        .enumerate()
        .map(|(i, (c, _))| format!("{c} = ${}", i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let key = t.cols[..keys]
        .iter()
        .enumerate()
        .map(|(i, (c, _))| format!("{c} = ${}", t.cols.len() - keys + i + 1))
        .collect::<Vec<_>>()
        .join(" AND ");
    let sql = format!("UPDATE {} SET {set} WHERE {key}", t.name);
    let mut q = sqlx::query(&sql);
    for a in v[keys..].iter().chain(&v[..keys]) {
        q = bind(q, a);
    }
    Ok(q.execute(tx.conn()).await?.rows_affected() == 1)
}

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

impl Record for ListingRow {
    const TABLE: &'static str = "listings";
    fn vals(&self) -> Vec<Val> {
        vec![
            Val::t(&self.id),
            Val::t(&self.owner_uscc),
            Val::t(&self.status),
            Val::t(&self.doc),
            Val::t(&self.created_by),
            Val::i(self.created_ms),
            Val::i(self.updated_ms),
        ]
    }
    fn from_vals(v: &[Val]) -> Option<Self> {
        Some(ListingRow {
            id: text(v, 0)?,
            owner_uscc: text(v, 1)?,
            status: text(v, 2)?,
            doc: text(v, 3)?,
            created_by: text(v, 4)?,
            created_ms: int_at(v, 5)?,
            updated_ms: int_at(v, 6)?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuctionSessionRow {
    pub id: String,
    pub doc: String,
    pub starts_ms: i64,
    pub created_by: String,
    pub created_ms: i64,
}

impl Record for AuctionSessionRow {
    const TABLE: &'static str = "auction_sessions";
    fn vals(&self) -> Vec<Val> {
        vec![
            Val::t(&self.id),
            Val::t(&self.doc),
            Val::i(self.starts_ms),
            Val::t(&self.created_by),
            Val::i(self.created_ms),
        ]
    }
    fn from_vals(v: &[Val]) -> Option<Self> {
        Some(AuctionSessionRow {
            id: text(v, 0)?,
            doc: text(v, 1)?,
            starts_ms: int_at(v, 2)?,
            created_by: text(v, 3)?,
            created_ms: int_at(v, 4)?,
        })
    }
}

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

impl Record for LotRow {
    const TABLE: &'static str = "lots";
    fn vals(&self) -> Vec<Val> {
        vec![
            Val::t(&self.id),
            Val::t(&self.session_id),
            Val::i(self.ord),
            Val::t(&self.listing_id),
            Val::t(&self.seller_uscc),
            Val::t(&self.status),
            Val::t(&self.rules),
            Val::t(&self.state),
            Val::i(self.close_ms),
            Val::t(&self.reserve_secret),
            Val::ot(self.settlement.clone()),
            Val::Int(self.confirm_by_ms),
            Val::Int(self.buyer_confirmed_ms),
            Val::Int(self.seller_confirmed_ms),
            Val::ot(self.contract_case.clone()),
            Val::i(self.updated_ms),
            Val::ot(self.contract_form.clone()),
        ]
    }
    fn from_vals(v: &[Val]) -> Option<Self> {
        Some(LotRow {
            id: text(v, 0)?,
            session_id: text(v, 1)?,
            ord: int_at(v, 2)?,
            listing_id: text(v, 3)?,
            seller_uscc: text(v, 4)?,
            status: text(v, 5)?,
            rules: text(v, 6)?,
            state: text(v, 7)?,
            close_ms: int_at(v, 8)?,
            reserve_secret: text(v, 9)?,
            settlement: text(v, 10),
            confirm_by_ms: int_at(v, 11),
            buyer_confirmed_ms: int_at(v, 12),
            seller_confirmed_ms: int_at(v, 13),
            contract_case: text(v, 14),
            updated_ms: int_at(v, 15)?,
            contract_form: text(v, 16),
        })
    }
}

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

impl Record for BidderRow {
    const TABLE: &'static str = "session_bidders";
    fn vals(&self) -> Vec<Val> {
        vec![
            Val::t(&self.session_id),
            Val::t(&self.uscc),
            Val::t(&self.user_id),
            Val::t(&self.status),
            Val::i(self.deposit),
            Val::i(self.applied_ms),
            Val::ot(self.decided_by.clone()),
            Val::Int(self.decided_ms),
        ]
    }
    fn from_vals(v: &[Val]) -> Option<Self> {
        Some(BidderRow {
            session_id: text(v, 0)?,
            uscc: text(v, 1)?,
            user_id: text(v, 2)?,
            status: text(v, 3)?,
            deposit: int_at(v, 4)?,
            applied_ms: int_at(v, 5)?,
            decided_by: text(v, 6),
            decided_ms: int_at(v, 7),
        })
    }
}

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

impl Record for BidRow {
    const TABLE: &'static str = "bids";
    fn vals(&self) -> Vec<Val> {
        vec![
            Val::t(&self.lot_id),
            Val::i(self.seq),
            Val::t(&self.bidder),
            Val::Int(self.amount),
            Val::ot(self.hash.clone()),
            Val::i(self.at_ms),
            Val::Int(self.revealed_ms),
        ]
    }
    fn from_vals(v: &[Val]) -> Option<Self> {
        Some(BidRow {
            lot_id: text(v, 0)?,
            seq: int_at(v, 1)?,
            bidder: text(v, 2)?,
            amount: int_at(v, 3),
            hash: text(v, 4),
            at_ms: int_at(v, 5)?,
            revealed_ms: int_at(v, 6),
        })
    }
}

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
