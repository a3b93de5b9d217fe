//! `corridor bench auctions`: bids under load on a fresh store.
//!
//! One session: a hot lot in its last minute (anti-sniping on, so late bids keep extending it)
//! and `lots` other lots open at once; `bidders` approved bidders with deposits. Bids arrive at
//! a fixed rate (open loop: latency is measured from each bid's scheduled time, so a stall is
//! not hidden), half on the hot lot, half spread over the others; each bidder offers a little
//! above the price it last saw. Every bid goes through `App::bid_as` — the single writer's
//! batch, decided by the domain rules, on disk (fsync) before the answer; HTTP is not in the
//! path. Baseline in the same run: the same store's rate of one bid row and its audit event
//! committed alone (the raw commit ceiling).
//!
//! After the run every lot is checked: each stored bid raises the one before by the minimum,
//! no bidder follows itself, none after the close, every accepted answer is a stored bid and
//! every stored bid an accepted answer, and the audit chains verify.

use crate::{fresh, StoreArgs};
use corridor_app::auctions::{BidOp, NewLot, NewSession};
use corridor_app::App;
use corridor_domain::auction::{LotKind, Raise};
use corridor_domain::audit::{AuditEvent, Entry, GENESIS};
use corridor_domain::case::Principal;
use corridor_domain::clock::SystemClock;
use corridor_store::{BidRow, BidderRow, ListingRow, Store};
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

fn office() -> Principal {
    Principal::office("bench-office")
}

/// Each lot's acknowledged bids: (seq, amount).
type Acked = HashMap<String, Vec<(i64, i64)>>;

/// A small deterministic generator (xorshift), so runs offer the same bids.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn rfc(t: time::OffsetDateTime) -> anyhow::Result<String> {
    Ok(t.format(&Rfc3339)?)
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    (sorted[i] * 100.0).round() / 100.0
}

pub async fn run(
    args: &StoreArgs,
    bidders: usize,
    lots: usize,
    rate: u32,
    seconds: u64,
) -> anyhow::Result<()> {
    let (store, temp_url, temp_dir) = fresh(args).await?;
    let backend = store.backend().name();
    let app = App::open(store.clone(), Arc::new(SystemClock)).await?;
    // A fresh store of its own: a fixed master key seals its lots' reserves.
    app.set_master_key([0x42; 32]);

    // The registry: a seller and the bidders.
    let firms = corridor_industry::generate::enterprises(bidders + 1, 60);
    app.upsert_enterprises(&firms).await?;
    let seller = firms[0].uscc.clone();
    let usccs: Vec<String> = firms[1..].iter().map(|f| f.uscc.clone()).collect();
    let now = corridor_domain::clock::Clock::now(&SystemClock);
    let now_ms = (now.unix_timestamp_nanos() / 1_000_000) as i64;
    // Approved listings, one per lot.
    let mut tx = store.begin_write().await?;
    let mut listing_ids = Vec::new();
    for i in 0..=lots {
        let id = Uuid::now_v7().to_string();
        let doc = json!({
            "title_zh": format!("基准测试成果 {i}"), "title_en": format!("Benchmark achievement {i}"),
            "description_zh": "合成数据", "description_en": "synthetic", "field": "benchmark",
            "cluster": "new_materials", "patents": [], "rights": "assignment"
        });
        Store::insert_listing(
            &mut tx,
            &ListingRow {
                id: id.clone(),
                owner_uscc: seller.clone(),
                status: "approved".into(),
                doc: doc.to_string(),
                created_by: "bench".into(),
                created_ms: now_ms,
                updated_ms: now_ms,
            },
        )
        .await?;
        listing_ids.push(id);
    }
    tx.commit().await?;
    // The hot lot would close when the run ends, so every bid on it comes in its last minute
    // and moves the close 60 s (up to an hour in all); the others are open for an hour.
    let lot = |listing: &str, close_s: i64, extend_s: i64| -> anyhow::Result<NewLot> {
        Ok(NewLot {
            listing_id: listing.to_string(),
            kind: LotKind::Ascending,
            start: 10_000,
            raise: Raise::Amount { yuan: 100 },
            extend_s,
            extend_cap_s: 3_600,
            opens_at: rfc(now - time::Duration::seconds(1))?,
            closes_at: rfc(now + time::Duration::seconds(close_s))?,
            reveal_until: None,
            deposit: 1_000,
            confirm_hours: 120,
            reserve: 50_000,
        })
    };
    let mut new_lots = vec![lot(&listing_ids[0], seconds.clamp(10, 60) as i64, 60)?];
    for l in &listing_ids[1..] {
        new_lots.push(lot(l, 3_600, 0)?);
    }
    let session = app
        .create_session(
            &office(),
            &NewSession {
                title_zh: "基准测试场".into(),
                title_en: "Benchmark session".into(),
                city: "310117".into(),
                place: None,
                online: true,
                starts_at: rfc(now)?,
                lots: new_lots,
            },
        )
        .await?;
    let lot_ids: Vec<String> = session.lots.iter().map(|l| l.id.clone()).collect();
    let mut tx = store.begin_write().await?;
    for u in &usccs {
        Store::insert_bidder(
            &mut tx,
            &BidderRow {
                session_id: session.id.clone(),
                uscc: u.clone(),
                user_id: Uuid::now_v7().to_string(),
                status: "approved".into(),
                deposit: 1_000,
                applied_ms: now_ms,
                decided_by: Some("bench".into()),
                decided_ms: Some(now_ms),
            },
        )
        .await?;
    }
    tx.commit().await?;

    // Baseline: one bid row and its audit event committed alone, 16 at a time.
    let base_n = (rate as usize * 4).clamp(500, 4_000);
    let s2 = store.clone();
    let seq = Arc::new(AtomicI64::new(0));
    let raw = crate::run_concurrent(base_n, 16, move |_| {
        let (store, seq) = (s2.clone(), seq.clone());
        async move {
            let n = seq.fetch_add(1, Ordering::Relaxed) + 1;
            let stream = format!("raw:{n}");
            let entry = Entry {
                actor: "bench",
                role: "bidder",
                action: "bid",
                before: "{}".into(),
                after: json!({"amount": n}).to_string(),
            };
            let e = AuditEvent::follow(
                Uuid::now_v7().to_string(),
                &stream,
                (0, GENESIS.to_string()),
                n,
                entry,
            );
            let mut tx = store.begin_write().await?;
            Store::insert_bids(
                &mut tx,
                &[BidRow {
                    lot_id: "raw-baseline".into(),
                    seq: n,
                    bidder: "raw".into(),
                    amount: Some(n),
                    hash: None,
                    at_ms: n,
                    revealed_ms: None,
                }],
            )
            .await?;
            Store::insert_events(&mut tx, std::slice::from_ref(&e)).await?;
            Store::put_heads(&mut tx, &[(stream, 1, e.hash.clone())]).await?;
            tx.commit().await?;
            Ok(())
        }
    })
    .await?;

    // The load: open loop at `rate` bids a second.
    let seen: Arc<Vec<AtomicI64>> =
        Arc::new(lot_ids.iter().map(|_| AtomicI64::new(9_900)).collect());
    let accepted: Arc<Mutex<Acked>> = Arc::default();
    let lat: Arc<Mutex<(Vec<f64>, Vec<f64>)>> = Arc::default();
    let refused: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
    let (lot_ids, usccs) = (Arc::new(lot_ids), Arc::new(usccs));
    let total = rate as u64 * seconds;
    let interval = Duration::from_secs_f64(1.0 / rate.max(1) as f64);
    let start = Instant::now();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let due = start + interval * i as u32;
        let lot = if rng.below(2) == 0 {
            0
        } else {
            1 + rng.below(lots as u64) as usize
        };
        let who = rng.below(usccs.len() as u64) as usize;
        let steps = 1 + rng.below(3) as i64;
        let (app, seen, accepted, lat, refused, lot_ids, usccs) = (
            app.clone(),
            seen.clone(),
            accepted.clone(),
            lat.clone(),
            refused.clone(),
            lot_ids.clone(),
            usccs.clone(),
        );
        tokio::time::sleep_until(due.into()).await;
        tasks.push(tokio::spawn(async move {
            let amount = seen[lot].load(Ordering::Relaxed) + 100 * steps;
            let id = &lot_ids[lot];
            let r = app
                .bid_as(&usccs[who], "bench", id, BidOp::Bid { amount })
                .await;
            let ms = due.elapsed().as_secs_f64() * 1000.0;
            match r {
                Ok(p) => {
                    seen[lot].fetch_max(amount, Ordering::Relaxed);
                    if let Ok(mut g) = accepted.lock() {
                        g.entry(id.clone()).or_default().push((p.seq, amount));
                    }
                    if let Ok(mut g) = lat.lock() {
                        g.0.push(ms);
                        g.1.push(ms);
                    }
                }
                Err(e) => {
                    if let Ok(mut g) = lat.lock() {
                        g.1.push(ms);
                    }
                    if let Ok(mut g) = refused.lock() {
                        *g.entry(e.reason.unwrap_or("other").to_string())
                            .or_default() += 1;
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let elapsed = start.elapsed().as_secs_f64();

    // Checks: what was acknowledged is what is stored, and every stored bid is a valid raise.
    let accepted = accepted.lock().map(|g| g.clone()).unwrap_or_default();
    let mut wrong = 0u64;
    let mut stored = 0usize;
    for id in lot_ids.iter() {
        let rows = store.bids_of(id).await?;
        stored += rows.len();
        let lot = store
            .lot(id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("lot {id}"))?;
        for w in rows.windows(2) {
            let bad = w[1].amount.unwrap_or(0) < w[0].amount.unwrap_or(0) + 100
                || w[1].bidder == w[0].bidder;
            wrong += u64::from(bad);
        }
        wrong += rows.iter().filter(|r| r.at_ms >= lot.close_ms).count() as u64;
        let mut acked = accepted.get(id).cloned().unwrap_or_default();
        acked.sort();
        let have: Vec<(i64, i64)> = rows
            .iter()
            .map(|r| (r.seq, r.amount.unwrap_or(0)))
            .collect();
        if acked != have {
            wrong += 1;
        }
    }
    let audit = app.verify_audit().await?;
    let hot = store
        .lot(&lot_ids[0])
        .await?
        .ok_or_else(|| anyhow::anyhow!("hot lot"))?;
    let hot_state: corridor_domain::auction::LotState = serde_json::from_str(&hot.state)?;
    let (mut ok_ms, mut all_ms) = lat.lock().map(|g| g.clone()).unwrap_or_default();
    ok_ms.sort_by(f64::total_cmp);
    all_ms.sort_by(f64::total_cmp);
    let n_ok = ok_ms.len();
    println!(
        "{}",
        json!({
            "backend": backend,
            "bidders": usccs.len(),
            "lots_open": lot_ids.len(),
            "offered_per_s": rate,
            "seconds": seconds,
            "bids_decided_per_s": (all_ms.len() as f64 / elapsed).round(),
            "accepted_per_s": (n_ok as f64 / elapsed).round(),
            "accepted": n_ok,
            "refused": refused.lock().map(|g| g.clone()).unwrap_or_default(),
            "p50_ms": pct(&all_ms, 0.5),
            "p99_ms": pct(&all_ms, 0.99),
            "accepted_p99_ms": pct(&ok_ms, 0.99),
            "hot_lot_bids": hot_state.bids,
            "hot_lot_extensions": hot_state.extensions,
            "stored_bids": stored,
            "wrong": wrong,
            "audit_ok": audit.first_break.is_none(),
            "raw_commit_per_s": raw.round(),
        })
    );
    store.close().await;
    if let (Some(base), Some(t)) = (&args.database_url, temp_url) {
        Store::drop_temp_postgres(base, &t).await?;
    }
    if let Some(d) = temp_dir {
        let _ = std::fs::remove_dir_all(d);
    }
    if wrong > 0 || audit.first_break.is_some() {
        anyhow::bail!(
            "{wrong} wrong acceptances or lost bids; audit: {:?}",
            audit.first_break
        );
    }
    Ok(())
}
