//! Bids, sealed commitments and reveals through the single writer, many to a transaction: the
//! lots and bidders a batch touches are read in two statements, each bid is decided by
//! `corridor_domain::auction` in the order it came, with the time it is decided at (server
//! time), and the accepted ones are written in a few multi-row statements with their audit
//! events; each bidder is answered after the commit (fsync). A refused bid leaves nothing.

use super::{BidderStatus, LotStatus};
use crate::writer::NewEvent;
use crate::{App, AppError, AppResult, ErrorCode};
use corridor_domain::auction::{self as rule, Bidder, Commitment, LotState, Refusal, Rules};
use corridor_domain::clock::Clock;
use corridor_domain::text::FieldError;
use corridor_store::{BidRow, LotRow, Store, WriteTx};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::oneshot;

/// What a bidder does on a lot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BidOp {
    /// An ascending bid.
    Bid { amount: i64 },
    /// A sealed bid's commitment (SHA-256 hex, `corridor_domain::auction::bid_hash`).
    Commit { hash: String },
    /// Opening one's commitment.
    Reveal { amount: i64, nonce: String },
}

/// An accepted bid, commitment or reveal.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Placed {
    pub lot: String,
    /// The bid's (or commitment's) place in the lot: 1, 2, …
    pub seq: i64,
    /// The amount (ascending; sealed once revealed).
    pub amount: Option<i64>,
    /// When it was accepted (server time, epoch ms).
    pub at_ms: i64,
    /// The lot's close after it.
    pub close_ms: i64,
    /// Whether it moved the close.
    pub extended: bool,
    /// Ascending: the lowest next bid.
    pub min_next: Option<i64>,
}

pub(crate) struct BidJob {
    pub(crate) lot: String,
    pub(crate) bidder: String,
    pub(crate) actor: String,
    pub(crate) op: BidOp,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) reply: oneshot::Sender<AppResult<Placed>>,
}

impl BidJob {
    pub(crate) fn answer(self, r: AppResult<Placed>) {
        let _ = self.reply.send(r);
    }
}

/// A refusal as the bidder reads it: `bid_refused` with the stable reason, next to the amount.
pub fn refused(r: Refusal, min_next: Option<i64>) -> AppError {
    let (en, zh) = r.text();
    let (en, zh) = match (r, min_next) {
        (Refusal::BelowMinimumRaise | Refusal::BelowStart, Some(m)) => (
            format!("{en}: the lowest bid now is {m} yuan"),
            format!("{zh}：当前最低出价为 {m} 元"),
        ),
        _ => (en.to_string(), zh.to_string()),
    };
    let mut e = AppError::new(ErrorCode::BidRefused, en.clone())
        .with_zh(zh.clone())
        .with_reason(r.as_str());
    e.fields = vec![FieldError::new("amount", en, zh)];
    e
}

fn now_ms(c: &dyn Clock) -> i64 {
    (c.now().unix_timestamp_nanos() / 1_000_000) as i64
}

/// A lot as the batch works on it.
struct Working {
    row: LotRow,
    rules: Rules,
    state: LotState,
    changed: bool,
}

/// Decides and writes a batch of bids in the writer's transaction; one answer each, in order.
pub(crate) async fn bid_batch(
    tx: &mut WriteTx,
    jobs: &[BidJob],
) -> AppResult<Vec<AppResult<Placed>>> {
    let ids: Vec<String> = jobs
        .iter()
        .map(|j| j.lot.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut lots: HashMap<String, Working> = HashMap::new();
    for row in Store::lots_in(tx, &ids).await? {
        let rules: Rules = serde_json::from_str(&row.rules).map_err(AppError::internal)?;
        let state: LotState = serde_json::from_str(&row.state).map_err(AppError::internal)?;
        lots.insert(
            row.id.clone(),
            Working {
                row,
                rules,
                state,
                changed: false,
            },
        );
    }
    let pairs: Vec<(String, String)> = jobs
        .iter()
        .filter_map(|j| {
            lots.get(&j.lot)
                .map(|l| (l.row.session_id.clone(), j.bidder.clone()))
        })
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let bidders: HashMap<(String, String), (bool, i64)> = Store::bidders_in(tx, &pairs)
        .await?
        .into_iter()
        .map(|b| {
            let ok = b.status == BidderStatus::Approved.as_str();
            ((b.session_id, b.uscc), (ok, b.deposit))
        })
        .collect();
    // Sealed lots: each bidder's commitment, read once.
    let mut sealed: HashMap<(String, String), Option<BidRow>> = HashMap::new();
    for j in jobs {
        if matches!(j.op, BidOp::Commit { .. } | BidOp::Reveal { .. }) {
            let k = (j.lot.clone(), j.bidder.clone());
            if let std::collections::hash_map::Entry::Vacant(v) = sealed.entry(k) {
                let c = Store::bids_by_in(tx, &j.lot, &j.bidder)
                    .await?
                    .into_iter()
                    .next();
                v.insert(c);
            }
        }
    }
    let mut new_bids = Vec::new();
    let mut reveals = Vec::new();
    let mut events = Vec::new();
    let mut out = Vec::with_capacity(jobs.len());
    let mut last = 0i64;
    for j in jobs {
        let now = now_ms(j.clock.as_ref()).max(last);
        last = now;
        let Some(w) = lots.get_mut(&j.lot) else {
            out.push(Err(super::not_found("lot", &j.lot)));
            continue;
        };
        if w.row.status != LotStatus::Pending.as_str() {
            out.push(Err(refused(Refusal::Settled, None)));
            continue;
        }
        let (approved, deposit) = bidders
            .get(&(w.row.session_id.clone(), j.bidder.clone()))
            .copied()
            .unwrap_or((false, 0));
        let who = Bidder {
            uscc: &j.bidder,
            approved,
            deposit,
        };
        let stream = format!("lot:{}", w.row.id);
        let event = |action: &str, after: serde_json::Value| NewEvent {
            stream: stream.clone(),
            at_ms: now,
            actor: j.actor.clone(),
            role: "bidder",
            action: action.to_string(),
            before: "{}".into(),
            after: after.to_string(),
        };
        match &j.op {
            BidOp::Bid { amount } => {
                match rule::place_bid(&w.rules, &w.row.seller_uscc, &w.state, &who, *amount, now) {
                    Err(r) => out.push(Err(refused(r, Some(w.rules.min_next(&w.state))))),
                    Ok(p) => {
                        events.push(event(
                            "bid",
                            serde_json::json!({"seq": p.bid.seq, "bidder": j.bidder, "amount": amount, "at_ms": now}),
                        ));
                        if p.extended {
                            events.push(event(
                                "extended",
                                serde_json::json!({"from_ms": w.state.close_ms, "to_ms": p.state.close_ms}),
                            ));
                        }
                        new_bids.push(BidRow {
                            lot_id: w.row.id.clone(),
                            seq: p.bid.seq,
                            bidder: j.bidder.clone(),
                            amount: Some(*amount),
                            hash: None,
                            at_ms: now,
                            revealed_ms: None,
                        });
                        let placed = Placed {
                            lot: w.row.id.clone(),
                            seq: p.bid.seq,
                            amount: Some(*amount),
                            at_ms: now,
                            close_ms: p.state.close_ms,
                            extended: p.extended,
                            min_next: Some(w.rules.min_next(&p.state)),
                        };
                        w.state = p.state;
                        w.changed = true;
                        out.push(Ok(placed));
                    }
                }
            }
            BidOp::Commit { hash } => {
                let k = (j.lot.clone(), j.bidder.clone());
                let already = sealed.get(&k).is_some_and(Option::is_some);
                let hash = hash.trim().to_ascii_lowercase();
                if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                    let mut e = AppError::fields(vec![FieldError::new(
                        "hash",
                        "the commitment must be a SHA-256 in hex (64 characters)",
                        "承诺值须为 64 位十六进制 SHA-256",
                    )]);
                    e.reason = Some("bad_commitment");
                    out.push(Err(e));
                    continue;
                }
                match rule::commit(&w.rules, &w.row.seller_uscc, &w.state, &who, already, now) {
                    Err(r) => out.push(Err(refused(r, None))),
                    Ok(st) => {
                        let row = BidRow {
                            lot_id: w.row.id.clone(),
                            seq: st.bids,
                            bidder: j.bidder.clone(),
                            amount: None,
                            hash: Some(hash.clone()),
                            at_ms: now,
                            revealed_ms: None,
                        };
                        events.push(event(
                            "committed",
                            serde_json::json!({"seq": st.bids, "bidder": j.bidder, "hash": hash, "at_ms": now}),
                        ));
                        sealed.insert(k, Some(row.clone()));
                        new_bids.push(row);
                        out.push(Ok(Placed {
                            lot: w.row.id.clone(),
                            seq: st.bids,
                            amount: None,
                            at_ms: now,
                            close_ms: st.close_ms,
                            extended: false,
                            min_next: None,
                        }));
                        w.state = st;
                        w.changed = true;
                    }
                }
            }
            BidOp::Reveal { amount, nonce } => {
                let k = (j.lot.clone(), j.bidder.clone());
                let c = sealed.get(&k).cloned().flatten();
                let commitment = c.as_ref().map(|b| Commitment {
                    bidder: b.bidder.clone(),
                    hash: b.hash.clone().unwrap_or_default(),
                    at_ms: b.at_ms,
                    seq: b.seq,
                    revealed: b.amount,
                });
                match rule::reveal(
                    &w.rules,
                    &w.row.id,
                    &w.state,
                    commitment.as_ref(),
                    *amount,
                    nonce,
                    now,
                ) {
                    Err(r) => out.push(Err(refused(r, None))),
                    Ok(a) => {
                        let Some(mut b) = c else { continue };
                        b.amount = Some(a);
                        b.revealed_ms = Some(now);
                        events.push(event(
                            "revealed",
                            serde_json::json!({"seq": b.seq, "bidder": j.bidder, "amount": a, "nonce": nonce, "at_ms": now}),
                        ));
                        out.push(Ok(Placed {
                            lot: w.row.id.clone(),
                            seq: b.seq,
                            amount: Some(a),
                            at_ms: now,
                            close_ms: w.state.close_ms,
                            extended: false,
                            min_next: None,
                        }));
                        sealed.insert(k, Some(b.clone()));
                        // A commitment made in this same batch is inserted revealed.
                        match new_bids
                            .iter_mut()
                            .find(|x| x.lot_id == b.lot_id && x.seq == b.seq)
                        {
                            Some(x) => *x = b,
                            None => reveals.push(b),
                        }
                    }
                }
            }
        }
    }
    Store::insert_bids(tx, &new_bids).await?;
    for b in &reveals {
        Store::put_bid(tx, b).await?;
    }
    let mut states = Vec::new();
    for w in lots.values().filter(|w| w.changed) {
        let s = serde_json::to_string(&w.state).map_err(AppError::internal)?;
        states.push((w.row.id.as_str(), s, w.state.close_ms));
    }
    let refs: Vec<(&str, &str, i64, i64)> = states
        .iter()
        .map(|(id, s, c)| (*id, s.as_str(), *c, last))
        .collect();
    Store::put_lot_states(tx, &refs).await?;
    crate::writer::append_events(tx, &events).await?;
    Ok(out)
}

impl App {
    /// A bid, commitment or reveal by the enterprise this account acts for.
    pub async fn bid(
        &self,
        p: &corridor_domain::case::Principal,
        lot: &str,
        op: BidOp,
    ) -> AppResult<Placed> {
        let Some(uscc) = self.acting_enterprise(p).await? else {
            return Err(
                AppError::forbidden("the joint office does not bid").with_zh("联席办不参与竞价")
            );
        };
        self.bid_as(&uscc, &p.username, lot, op).await
    }

    /// A bid by `uscc` (the benchmark's bidders, and [`App::bid`]).
    pub async fn bid_as(&self, uscc: &str, actor: &str, lot: &str, op: BidOp) -> AppResult<Placed> {
        let clock = self.clock().clone();
        let (lot, bidder, actor) = (lot.to_string(), uscc.to_string(), actor.to_string());
        self.to_writer(|reply| {
            crate::writer::WriteJob::Bid(Box::new(BidJob {
                lot,
                bidder,
                actor,
                op,
                clock,
                reply,
            }))
        })
        .await
    }
}
